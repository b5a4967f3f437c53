/**
 * Who is asking: the verified claims of a caller, as the gateway forwards them to every
 * subgraph, and what their jurisdiction covers under India's four-level framework
 * (national, state, district, city), with a ward below the city for field cadre.
 *
 * A ward-level caller (a community resource person of one ward) is limited to that ward's
 * workers by Labour, which places every worker in a ward. Every other agency locates its records
 * by city only (a centre, a CIG, a licence has a city, not always a ward) and limits such a
 * caller to the ward's city, as `citiesOf` says; the CRP's role reads none of those records
 * anyway (FIELD_CADRE_ROLES in policy.ts).
 */
import type { GraphQLError } from 'graphql';
import { CITIES, cityByCode, wardCode, type City } from '../reference/index.js';
import { forbidden } from '../errors.js';

/** `crp`: a community resource person, MEPMA's field cadre, who visits the workers of a ward. */
export const ROLES = ['officer', 'auditor', 'analyst', 'service', 'crp'] as const;
export type Role = (typeof ROLES)[number];

export interface Caller {
  /** The agency the caller works for, e.g. `mepma`. */
  agency: string;
  /** The person or system, as the agency's identity provider names it. */
  subject: string;
  role: Role;
  /** `national`, `state:AP`, `district:NTR`, `city:VJA` or `ward:VJA-W07`. */
  jurisdiction: string;
  scopes: string[];
  /** The declared purpose's code, e.g. `cig-follow-up`. */
  purpose: string;
}

/** The jurisdiction levels, widest first. */
const JURISDICTION = /^(national|state:[A-Z]{2}|district:[A-Za-z][A-Za-z -]*|city:[A-Z]+|ward:[A-Z]+-W\d{2,3})$/;

/** The shape of a jurisdiction: `national`, `state:AP`, `district:NTR`, `city:VJA`, `ward:VJA-W07`. */
export function isJurisdiction(value: string): boolean {
  return JURISDICTION.test(value);
}

/**
 * A jurisdiction of that shape that names a place the hub serves (a state, district or city of
 * CITIES, or a ward of one): what a caller's token must carry. `city:XYZ` and `ward:VJA-W99`
 * (Vijayawada has 64 wards) have the shape but cover nothing.
 */
export function isKnownJurisdiction(value: string): boolean {
  return isJurisdiction(value) && (value === 'national' || citiesOf(value)!.length > 0);
}

/**
 * Every jurisdiction the hub serves, widest first, for messages that list them: the wards, being
 * hundreds, as one entry saying their form.
 */
export function knownJurisdictions(): string[] {
  const states = [...new Set(CITIES.map((city) => `state:${city.state}`))];
  const districts = [...new Set(CITIES.map((city) => `district:${city.district}`))];
  return ['national', ...states, ...districts, ...CITIES.map((city) => `city:${city.code}`), `or ward:<ward code> (e.g. ward:${wardCode(CITIES[0].code, 7)})`];
}

/** The ward a `ward:<code>` jurisdiction names, when the hub serves it: its code and its city. */
function wardOf(jurisdiction: string): { code: string; city: string } | undefined {
  const match = /^ward:([A-Z]+)-W(\d+)$/.exec(jurisdiction);
  if (!match) return undefined;
  const city = cityByCode(match[1]!);
  const number = Number(match[2]);
  // The canonical code only (`VJA-W07`, not `VJA-W007`): one ward, one jurisdiction string.
  if (!city || number < 1 || number > city.wardCount || wardCode(city.code, number) !== `${match[1]}-W${match[2]}`) return undefined;
  return { code: wardCode(city.code, number), city: city.code };
}

/**
 * The ULB codes a jurisdiction covers, or null for national (every city); a ward covers part of
 * its city (`wardsOf` says which part). A place the hub does not know covers no city: a typo sees
 * nothing rather than everything.
 */
export function citiesOf(jurisdiction: string): string[] | null {
  if (jurisdiction === 'national') return null;
  if (jurisdiction.startsWith('ward:')) {
    const ward = wardOf(jurisdiction);
    return ward ? [ward.city] : [];
  }
  const [level, place] = jurisdiction.split(':') as [string, string];
  const match = (city: City) =>
    (level === 'state' && city.state === place) ||
    (level === 'district' && city.district.toLowerCase() === place.toLowerCase()) ||
    (level === 'city' && city.code === place);
  return CITIES.filter(match).map((city) => city.code);
}

/**
 * The ward codes a ward-level jurisdiction covers (its one ward; none for a ward the hub does not
 * serve), or null for a wider one, which covers whole cities.
 */
export function wardsOf(jurisdiction: string): string[] | null {
  if (!jurisdiction.startsWith('ward:')) return null;
  const ward = wardOf(jurisdiction);
  return ward ? [ward.code] : [];
}

/** True when a record of `cityCode` lies inside the caller's jurisdiction (for a ward: in its city). */
export function coversCity(caller: Caller, cityCode: string): boolean {
  const cities = citiesOf(caller.jurisdiction);
  return cities === null || cities.includes(cityCode);
}

/** True when a record of ward `code` (`VJA-W07`) lies inside the caller's jurisdiction. */
export function coversWard(caller: Caller, code: string): boolean {
  const wards = wardsOf(caller.jurisdiction);
  return wards ? wards.includes(code) : coversCity(caller, code.replace(/-W\d+$/, ''));
}

/** A MikroORM condition limiting a city column to the caller's jurisdiction (none for national). */
export function cityCondition(caller: Caller): { $in: string[] } | undefined {
  const cities = citiesOf(caller.jurisdiction);
  return cities === null ? undefined : { $in: cities };
}

/** `mepma:ramesh.k`: how a caller is named in provenance and change history. */
export function actorOf(caller: Caller): string {
  return `${caller.agency}:${caller.subject}`;
}

/** FORBIDDEN (HTTP 403): built in errors.ts with every other error, re-exported for the access rules. */
export { forbidden };

/** Refuses a write about a place outside the caller's jurisdiction (the rule: src/shared/access/jurisdiction.ts). */
export function requireCity(caller: Caller, cityCode: string, what = 'records', action: 'change' | 'see' = 'change'): void {
  if (!coversCity(caller, cityCode)) throw outsideJurisdiction(caller, cityCode, what, action);
}

/** Refuses a write about a ward outside the caller's jurisdiction (another ward, for a ward-level caller). */
export function requireWard(caller: Caller, code: string, what = 'records', action: 'change' | 'see' = 'change'): void {
  if (!coversWard(caller, code)) throw outsideJurisdiction(caller, code, what, action);
}

function outsideJurisdiction(caller: Caller, place: string, what: string, action: string): GraphQLError {
  return forbidden(`Your jurisdiction (${caller.jurisdiction}) does not cover ${place}: you cannot ${action} its ${what}.`);
}

/** Writes need the `write` scope as well as a role the field's policy allows. */
export function requireScope(caller: Caller, scope: string): void {
  if (!caller.scopes.includes(scope)) throw forbidden(`This needs the "${scope}" scope, which your token does not carry.`);
}

/**
 * The jurisdictions inside `jurisdiction` (itself included), or null for national: whose
 * requests an auditor of that jurisdiction may read in the access log (a city's auditor reads its
 * wards' CRPs too). A ward has nothing inside it.
 */
export function jurisdictionsWithin(jurisdiction: string): string[] | null {
  if (jurisdiction === 'national') return null;
  const inside = new Set([jurisdiction]);
  if (jurisdiction.startsWith('ward:')) return [...inside];
  const covered = citiesOf(jurisdiction)!;
  for (const city of CITIES) {
    if (!covered.includes(city.code)) continue;
    inside.add(`city:${city.code}`);
    if (!jurisdiction.startsWith('city:')) inside.add(`district:${city.district}`);
    for (let ward = 1; ward <= city.wardCount; ward += 1) inside.add(`ward:${wardCode(city.code, ward)}`);
  }
  return [...inside];
}
