/** Transport's licensing rules, as plain functions a unit test can call. */
import type { Caller } from '../../src/shared/access/caller.js';
import { requireCity } from '../../src/shared/access/jurisdiction.js';
import { badInput, quoted } from '../../src/shared/errors.js';
import { CITIES } from '../../src/shared/reference/index.js';
import type { VehicleClass } from './entities.js';
import { today } from '../../src/shared/dates.js';

export type ValidityStatus = 'VALID' | 'EXPIRED' | 'SUSPENDED';

/** A suspension outranks the calendar; otherwise a document is in force through its last valid day. */
export function validityStatus(record: { suspended: boolean; validUntil: string }, on = today()): ValidityStatus {
  if (record.suspended) return 'SUSPENDED';
  return record.validUntil < on ? 'EXPIRED' : 'VALID';
}

/** The classes that let a licence holder drive for hire, and so carry a PSV badge. */
export const TRANSPORT_CLASSES: readonly VehicleClass[] = ['LMV_TR', 'THREE_WHEELER_TR'];

export const LICENCE_YEARS = 20;
/** Motor Vehicles Act, section 81: a permit is valid for five years. */
export const PERMIT_YEARS = 5;

/** `AP16 2019` + a seven-digit serial makes a Sarathi licence number. */
export function licencePrefix(rto: string, issuedOn: string): string {
  return `${rto} ${issuedOn.slice(0, 4)}`;
}

/** Accepts `AP16 20190012345`, `AP1620190012345` or `ap16-20190012345`; returns the first form. */
export function licenceNumberArg(value: string, field = 'licenceNumber'): string {
  const match = /^([A-Z]{2}\d{2})(\d{4})(\d{7})$/.exec(value.replace(/[\s-]/g, '').toUpperCase());
  if (!match) throw badInput(`${quoted(value)} is not a driving licence number; they look like AP16 20190012345.`, field);
  return `${match[1]} ${match[2]}${match[3]}`;
}

/** The RTO codes of the cities (ULB codes) a jurisdiction covers: a licence lies in its issuing RTO's city. */
export function rtoCodesOf(cities: readonly string[]): string[] {
  return CITIES.filter((city) => cities.includes(city.code)).map((city) => city.rtoCode);
}

/** The city an RTO serves, or undefined for an RTO the hub does not know. */
export function cityOfRto(rto: string): string | undefined {
  return CITIES.find((city) => city.rtoCode === rto)?.code;
}

/**
 * Refuses (FORBIDDEN) a write about a licence, badge or vehicle of an RTO outside the caller's
 * jurisdiction: the place rule of src/shared/access/jurisdiction.ts, the RTO being the place a
 * licence number or registration names. An RTO the hub does not know lies in no city, so only a
 * national caller passes.
 */
export function requireRto(caller: Caller, rto: string, what: string): void {
  requireCity(caller, cityOfRto(rto) ?? rto, what);
}

/** The RTO a licence number or vehicle registration begins with (`AP16 2019...`, `AP16TX1234`). */
export function rtoPrefix(number: string): string {
  return number.slice(0, 4);
}

export function rtoArg(value: string, field = 'issuingRto'): string {
  const code = value.trim().toUpperCase();
  const known = CITIES.map((city) => city.rtoCode);
  if (!known.includes(code)) throw badInput(`${quoted(value)} is not an RTO Worker Graph serves; use ${known.join(' or ')}.`, field);
  return code;
}

export function vehicleClassesArg(classes: VehicleClass[], field = 'vehicleClasses'): VehicleClass[] {
  if (!classes.length) throw badInput('A licence must authorise at least one vehicle class.', field);
  return [...new Set(classes)];
}

/** Accepts `AP16TX1234`, `AP 16 TX 1234` or `ap-16-tx-1234`; returns the first form. */
export function vehicleRegistrationArg(value: string, field = 'vehicleRegistration'): string {
  const registration = value.replace(/[\s-]/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z]{1,3}\d{4}$/.test(registration)) {
    throw badInput(`${quoted(value)} is not a vehicle registration number; they look like AP16TX1234.`, field);
  }
  return registration;
}

export function autoStandIdArg(value: string, field = 'id'): string {
  const id = value.trim().toUpperCase();
  if (!/^AS-[A-Z]+-\d{4}$/.test(id)) throw badInput(`${quoted(value)} is not an auto stand id; they look like AS-VJA-0001.`, field);
  return id;
}

/** A badge lets its holder drive for hire, so the licence under it must be the holder's, in force, and for hire. */
export function badgeLicence(
  licence: { licenceNumber: string; workerId: string; vehicleClasses: VehicleClass[]; issuedOn: string; validUntil: string; suspended: boolean },
  badge: { workerId: string; issuedOn: string; validUntil: string },
): void {
  const field = 'licenceNumber';
  const { workerId } = badge;
  if (licence.workerId !== workerId) throw badInput(`Licence ${licence.licenceNumber} belongs to another worker, not ${workerId}.`, field);
  const status = validityStatus(licence);
  if (status !== 'VALID') throw badInput(`Licence ${licence.licenceNumber} is ${status.toLowerCase()}; a badge needs a valid licence.`, field);
  if (!licence.vehicleClasses.some((c) => TRANSPORT_CLASSES.includes(c))) {
    throw badInput(`Licence ${licence.licenceNumber} has no transport class (${TRANSPORT_CLASSES.join(' or ')}); add one before issuing a badge.`, field);
  }
  if (badge.issuedOn < licence.issuedOn) {
    throw badInput(`issuedOn (${badge.issuedOn}) is before licence ${licence.licenceNumber} was issued (${licence.issuedOn}).`, 'issuedOn');
  }
  if (badge.validUntil > licence.validUntil) {
    throw badInput(`validUntil (${badge.validUntil}) is after the licence's own expiry (${licence.validUntil}); a badge cannot outlive its licence.`, 'validUntil');
  }
}

export function permitStand(permitType: string, autoStandId: string | null | undefined): void {
  if (autoStandId && permitType === 'GOODS_CARRIAGE') {
    throw badInput('Goods carriages do not ply from auto stands; leave autoStandId out for a GOODS_CARRIAGE permit.', 'autoStandId');
  }
}
