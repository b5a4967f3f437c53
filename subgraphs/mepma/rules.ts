/** MEPMA's CIG and follow-up rules, as plain functions a unit test can call. */
import { citiesOf, type Caller } from '../../src/shared/access/caller.js';
import { requireCity } from '../../src/shared/access/jurisdiction.js';
import { CITIES, type CigRole } from '../../src/shared/reference/index.js';
import { badInput, quoted } from '../../src/shared/errors.js';
import { schemeIds } from '../../src/shared/schemes.js';
import { cityArg, textArg, workerIdArg } from '../../src/shared/validation.js';

/** The pilot formed groups of five; a group needs at least two and stays small enough to meet. */
export const MIN_FOUNDING_MEMBERS = 2;
export const MAX_FOUNDING_MEMBERS = 20;
export const MAX_DEPOSIT = 100_000;
/** Ten lakh rupees. */
export const MAX_LOAN = 1_000_000;
export const MAX_RECENT_SAVINGS = 100;
export const MAX_VISIT_NOTE = 500;

const CIG_ID = /^CIG-\d{6,}$/;
const IFSC = /^[A-Z]{4}0[A-Z0-9]{6}$/;

export function cigIdArg(value: string, field = 'cigId'): string {
  const id = value.trim();
  if (!CIG_ID.test(id)) throw badInput(`${quoted(value)} is not a CIG id; CIG ids look like CIG-000042.`, field);
  return id;
}

/** Indian Financial System Code: bank (4 letters), a zero, branch (6 letters or digits). */
export function ifscArg(value: string, field = 'branchIfsc'): string {
  const ifsc = value.trim().toUpperCase();
  if (!IFSC.test(ifsc)) {
    throw badInput(`${quoted(value)} is not an IFSC: four letters, a zero, then six letters or digits, e.g. SBIN0012345.`, field);
  }
  return ifsc;
}

/** `date` may fall on `earliest` but not before it. */
export function notBefore(date: string, earliest: string, field: string, what: string): void {
  if (date < earliest) throw badInput(`${field} ${date} is before ${what} (${earliest}).`, field);
}

export function recentSavingsLimit(first: number): number {
  if (!Number.isInteger(first) || first < 1 || first > MAX_RECENT_SAVINGS) {
    throw badInput(`"first" must be between 1 and ${MAX_RECENT_SAVINGS}, got ${first}.`, 'first');
  }
  return first;
}

/** A new CIG's founding members: each worker once, each office held at most once. */
export function foundingMembers(members: { workerId: string; role: CigRole }[]): { workerId: string; role: CigRole }[] {
  if (members.length < MIN_FOUNDING_MEMBERS || members.length > MAX_FOUNDING_MEMBERS) {
    throw badInput(`A CIG is formed with ${MIN_FOUNDING_MEMBERS} to ${MAX_FOUNDING_MEMBERS} members; ${members.length} were given.`, 'members');
  }
  const cleaned = members.map((member, i) => ({ workerId: workerIdArg(member.workerId, `members[${i}].workerId`), role: member.role }));
  const seen = new Set<string>();
  for (const { workerId } of cleaned) {
    if (seen.has(workerId)) throw badInput(`${workerId} is listed twice; list each member once.`, 'members');
    seen.add(workerId);
  }
  for (const office of ['PRESIDENT', 'SECRETARY', 'TREASURER'] as const) {
    const holders = cleaned.filter((member) => member.role === office);
    if (holders.length > 1) {
      throw badInput(`A CIG has one ${office.toLowerCase()}; ${holders.map((m) => m.workerId).join(', ')} were each given that office.`, 'members');
    }
  }
  return cleaned;
}

/** The single window's schemes (schema/schemes.yaml), read once at start-up: what a visit may be about. */
const SCHEMES = new Set(schemeIds());

/** An id of the scheme catalogue, e.g. `PM_SYM`. */
export function schemeArg(value: string, field = 'scheme'): string {
  const id = value.trim();
  if (!SCHEMES.has(id)) throw badInput(`${quoted(value)} is not a scheme of the catalogue; use one of ${[...SCHEMES].join(', ')}.`, field);
  return id;
}

/** A visit's note is optional, so a blank one is none. */
export function visitNoteArg(value: string | null | undefined): string | null {
  return value?.trim() ? textArg(value, 'note', MAX_VISIT_NOTE) : null;
}

/**
 * The city a visit lies in: the one the input names, which must lie in the caller's jurisdiction,
 * or else the one city that jurisdiction covers (a CRP's ward lies in one). A caller covering
 * several cities must name it.
 */
export function visitCity(caller: Caller, named: string | null | undefined): string {
  if (named) {
    const city = cityArg(named);
    requireCity(caller, city, 'visits');
    return city;
  }
  const cities = citiesOf(caller.jurisdiction) ?? CITIES.map((city) => city.code);
  if (cities.length === 1) return cities[0]!;
  throw badInput(`Your jurisdiction (${caller.jurisdiction}) covers more than one city: name the visit's city (${cities.join(' or ')}).`, 'city');
}
