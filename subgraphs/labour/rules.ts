/** Labour's registration and enrolment rules, as plain functions a unit test can call. */
import { ageOn } from '../../src/shared/dates.js';
import { badInput } from '../../src/shared/errors.js';
import { digitsArg, phoneArg, textArg } from '../../src/shared/validation.js';
import type { Occupation } from '../../src/shared/reference/index.js';

/** An Aadhaar Data Vault reference, never an Aadhaar number (12 digits) itself. */
export function idReferenceTokenArg(value: string): string {
  const token = value.trim();
  if (/^\d{12}$/.test(token.replace(/\s/g, ''))) {
    throw badInput('That looks like an Aadhaar number. Send the Aadhaar Data Vault reference token instead; the number is never stored.', 'idReferenceToken');
  }
  if (!/^[A-Za-z0-9:_-]{8,64}$/.test(token)) {
    throw badInput('idReferenceToken must be 8–64 letters, digits, ":", "_" or "-".', 'idReferenceToken');
  }
  return token;
}

/** An NCO-2015 occupation code: a four-digit family, optionally with its four-digit occupation. */
export function ncoCodeArg(value: string, field = 'ncoCode'): string {
  if (!/^\d{4}(\.\d{4})?$/.test(value)) throw badInput('ncoCode must be an NCO-2015 code such as 8322 or 8322.0100.', field);
  return value;
}

/** Workers register from the age of 14 (the Child Labour Act's limit for work) to 80. */
export function registrationAge(dateOfBirth: string, registeredOn: string): void {
  const age = ageOn(dateOfBirth, registeredOn);
  if (age < 14 || age > 80) throw badInput(`A worker must be 14 to 80 years old at registration; this one would be ${age}.`, 'dateOfBirth');
}

/**
 * The age limits at enrolment, as the schemes publish them (see schema/schemes.yaml for the
 * sources), and the welfare board's trade.
 */
const SCHEME_LIMITS: Record<string, { title: string; minAge: number; maxAge: number; constructionOnly?: boolean }> = {
  PM_SYM: { title: 'PM-SYM', minAge: 18, maxAge: 40 },
  APY: { title: 'Atal Pension Yojana', minAge: 18, maxAge: 40 },
  PMSBY: { title: 'PMSBY', minAge: 18, maxAge: 70 },
  PMJJBY: { title: 'PMJJBY', minAge: 18, maxAge: 50 },
  BOCW: { title: 'BOCW welfare board', minAge: 18, maxAge: 60, constructionOnly: true },
};

/** Why a worker could not be enrolled in a scheme on a day, or null when they could. */
export function schemeIneligibility(scheme: string, worker: { dateOfBirth: string; occupation: Occupation }, enrolledOn: string): string | null {
  const limits = SCHEME_LIMITS[scheme];
  if (!limits) return null;
  if (limits.constructionOnly && worker.occupation !== 'CONSTRUCTION') return `Only construction workers can join the ${limits.title}.`;
  const age = ageOn(worker.dateOfBirth, enrolledOn);
  if (age < limits.minAge || age > limits.maxAge) {
    return `${limits.title} enrols people aged ${limits.minAge} to ${limits.maxAge}; this worker was ${age} on ${enrolledOn}.`;
  }
  return null;
}

/** Scheme eligibility as the schemes define it: BAD_USER_INPUT saying why not. */
export function schemeEligibility(scheme: string, worker: { dateOfBirth: string; occupation: Occupation }, enrolledOn: string): void {
  const reason = schemeIneligibility(scheme, worker, enrolledOn);
  if (reason) throw badInput(reason, 'scheme');
}

/**
 * The front-line look-up's arguments (findWorkers): a phone, or the ID reference's last four
 * digits together with the date of birth, optionally narrowed by name. Cleaned, or BAD_USER_INPUT.
 */
export function workerLookupArgs(args: { phone?: string | null; idLast4?: string | null; dateOfBirth?: string | null; name?: string | null }): {
  phone?: string;
  idLast4?: string;
  dateOfBirth?: string;
  name?: string;
} {
  const { phone, idLast4, dateOfBirth, name } = args;
  const lookup: { phone?: string; idLast4?: string; dateOfBirth?: string; name?: string } = {};
  if (phone) lookup.phone = phoneArg(phone);
  if (idLast4 || dateOfBirth) {
    if (!idLast4 || !dateOfBirth) throw badInput('idLast4 and dateOfBirth go together: send both.', idLast4 ? 'dateOfBirth' : 'idLast4');
    lookup.idLast4 = digitsArg(idLast4, 'idLast4', 4);
    lookup.dateOfBirth = dateOfBirth;
  }
  if (!lookup.phone && !lookup.idLast4) {
    throw badInput('Give a phone number, or the ID reference last four digits with the date of birth.');
  }
  if (name) lookup.name = textArg(name, 'name');
  return lookup;
}
