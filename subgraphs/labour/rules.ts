/** Labour's registration and enrolment rules, as plain functions a unit test can call. */
import { ageOn } from '../../src/shared/dates.js';
import { badInput } from '../../src/shared/errors.js';
import type { Occupation } from '../../src/shared/demo/population.js';

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

/** Workers register from the age of 14 (the Child Labour Act's limit for work) to 80. */
export function registrationAge(dateOfBirth: string, registeredOn: string): void {
  const age = ageOn(dateOfBirth, registeredOn);
  if (age < 14 || age > 80) throw badInput(`A worker must be 14 to 80 years old at registration; this one would be ${age}.`, 'dateOfBirth');
}

/** Scheme eligibility as the schemes define it. */
export function schemeEligibility(scheme: string, worker: { dateOfBirth: string; occupation: Occupation }, enrolledOn: string): void {
  const age = ageOn(worker.dateOfBirth, enrolledOn);
  if (scheme === 'PM_SYM' && (age < 18 || age > 40)) {
    throw badInput(`PM-SYM enrols workers aged 18 to 40; this worker was ${age} on ${enrolledOn}.`, 'scheme');
  }
  if (scheme === 'APY' && (age < 18 || age > 40)) {
    throw badInput(`Atal Pension Yojana enrols people aged 18 to 40; this worker was ${age} on ${enrolledOn}.`, 'scheme');
  }
  if (scheme === 'PMSBY' && (age < 18 || age > 70)) {
    throw badInput(`PMSBY covers people aged 18 to 70; this worker was ${age} on ${enrolledOn}.`, 'scheme');
  }
  if (scheme === 'PMJJBY' && (age < 18 || age > 50)) {
    throw badInput(`PMJJBY enrols people aged 18 to 50; this worker was ${age} on ${enrolledOn}.`, 'scheme');
  }
  if (scheme === 'BOCW' && worker.occupation !== 'CONSTRUCTION') {
    throw badInput('Only construction workers can join the BOCW welfare board.', 'scheme');
  }
}
