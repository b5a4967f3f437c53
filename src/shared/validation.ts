/**
 * Input rules shared by every agency. Each returns the cleaned value or throws BAD_USER_INPUT
 * naming the field, so resolvers validate at the edge before touching the database.
 */
import { addYears, today } from './dates.js';
import { badInput } from './errors.js';
import { cityByCode, wardCode } from './demo/places.js';
import { OCCUPATIONS } from './demo/population.js';

const WORKER_ID = /^W-\d{7}$/;

export function workerIdArg(value: string, field = 'workerId'): string {
  const id = value.trim();
  if (!WORKER_ID.test(id)) throw badInput(`"${value}" is not a worker id; worker ids look like W-0000042.`, field);
  return id;
}

/** Accepts `9876543210`, `+91 98765 43210`, `09876543210`; returns the ten digits. */
export function phoneArg(value: string, field = 'phone'): string {
  const digits = value.replace(/[\s-]/g, '').replace(/^(\+91|91(?=\d{10}$)|0(?=\d{10}$))/, '');
  if (!/^[6-9]\d{9}$/.test(digits)) {
    throw badInput(`"${value}" is not an Indian mobile number: ten digits starting with 6, 7, 8 or 9.`, field);
  }
  return digits;
}

export function textArg(value: string, field: string, maxLength = 200): string {
  const text = value.trim().replace(/\s+/g, ' ');
  if (!text) throw badInput(`${field} must not be empty.`, field);
  if (text.length > maxLength) throw badInput(`${field} must be at most ${maxLength} characters.`, field);
  return text;
}

export function digitsArg(value: string, field: string, length: number): string {
  if (!new RegExp(`^\\d{${length}}$`).test(value)) throw badInput(`${field} must be exactly ${length} digits.`, field);
  return value;
}

export function notInFuture(date: string, field: string): string {
  if (date > today()) throw badInput(`${field} ${date} is in the future.`, field);
  return date;
}

/** For validity periods: `until` must come after `from`. */
export function dateOrder(from: string, until: string, fromField: string, untilField: string): void {
  if (until <= from) throw badInput(`${untilField} (${until}) must be after ${fromField} (${from}).`, untilField);
}

export function positiveAmountArg(value: number, field: string, max = 10_000_000): number {
  if (!Number.isInteger(value) || value <= 0 || value > max) {
    throw badInput(`${field} must be a whole number of rupees between 1 and ${max}.`, field);
  }
  return value;
}

/** A ULB code Worker Graph serves, e.g. `VJA`. */
export function cityArg(value: string, field = 'city'): string {
  const code = value.trim().toUpperCase();
  if (!cityByCode(code)) throw badInput(`"${value}" is not a city (ULB) code Worker Graph serves; use VJA or GVMC.`, field);
  return code;
}

/** A ward code of the given city, e.g. `VJA-W07`. */
export function wardArg(value: string, city: string, field = 'ward'): string {
  const code = value.trim().toUpperCase();
  const match = /^([A-Z]+)-W(\d{2,3})$/.exec(code);
  const ulb = cityByCode(city.toUpperCase());
  if (!match || match[1] !== city.toUpperCase() || !ulb || Number(match[2]) < 1 || Number(match[2]) > ulb.wardCount) {
    throw badInput(`"${value}" is not a ward of ${city}; ward codes look like ${wardCode(city, 7)}.`, field);
  }
  return code;
}

/**
 * The `{ city, ward }` filter every list offers, as column values. A ward alone names its city
 * (`VJA-W07`); with both, the ward must lie in the city.
 */
export function placeFilter(filter: { city?: string | null; ward?: string | null } | null | undefined) {
  const where: { cityCode?: string; wardCode?: string } = {};
  if (filter?.city) where.cityCode = cityArg(filter.city, 'filter.city');
  if (filter?.ward) where.wardCode = wardArg(filter.ward, where.cityCode ?? filter.ward.trim().split('-')[0], 'filter.ward');
  return where;
}

/** The city a place filter lies in: the one it names, or the one its ward names (`VJA-W07`). */
export function cityOfPlace(place: { cityCode?: string; wardCode?: string }): string | undefined {
  return place.cityCode ?? place.wardCode?.split('-')[0];
}

/** One of the NULM occupational categories, e.g. `STREET_VENDOR`. */
export function occupationArg(value: unknown, field = 'occupation'): string {
  if (!(OCCUPATIONS as readonly unknown[]).includes(value)) throw badInput(`${String(value)} is not an occupation; use one of ${OCCUPATIONS.join(', ')}.`, field);
  return value as string;
}

/** Issued on or before today, valid after that, and for no longer than the document allows. */
export function validityPeriod(issuedOn: string, validUntil: string, maxYears: number, document: string): void {
  notInFuture(issuedOn, 'issuedOn');
  dateOrder(issuedOn, validUntil, 'issuedOn', 'validUntil');
  const limit = addYears(issuedOn, maxYears);
  if (validUntil > limit) {
    throw badInput(`A ${document} runs for at most ${maxYears} year${maxYears > 1 ? 's' : ''}: validUntil can be ${limit} at the latest.`, 'validUntil');
  }
}
