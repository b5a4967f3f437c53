/** __TITLE__'s input rules, as plain functions a unit test can call. */
import { badInput } from '../../src/shared/errors.js';
import { textArg } from '../../src/shared/validation.js';

export function enrolmentIdArg(value: string, field = 'id'): string {
  const id = value.trim().toUpperCase();
  if (!/^__UPPER__-\d{7}$/.test(id)) throw badInput(`"${value}" is not a __TITLE__ enrolment id; they look like __UPPER__-0000042.`, field);
  return id;
}

export const PROGRAMME_MAX_LENGTH = 120;

/** The programme as __TITLE__ names it; spacing is tidied, letter case kept. */
export function programmeArg(value: string, field = 'programme'): string {
  return textArg(value, field, PROGRAMME_MAX_LENGTH);
}

/**
 * The worker's number in __TITLE__'s own system: 6 to 20 letters, digits and hyphens, stored in
 * capitals without spaces (`uh 1234 5678` is `UH12345678`).
 */
export function referenceArg(value: string, field = 'reference'): string {
  const reference = value.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z0-9-]{6,20}$/.test(reference)) {
    throw badInput(`${field} must be 6 to 20 letters, digits and hyphens, as __TITLE__'s own system writes it.`, field);
  }
  return reference;
}
