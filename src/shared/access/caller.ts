/**
 * Who is asking: the verified claims of a caller, as the gateway forwards them to every
 * subgraph, and what their jurisdiction covers under India's four-level framework
 * (national, state, district, city).
 */
import { GraphQLError } from 'graphql';
import { CITIES } from '../demo/places.js';
import { ErrorCode } from '../errors.js';

export const ROLES = ['officer', 'auditor', 'analyst', 'service'] as const;
export type Role = (typeof ROLES)[number];

export interface Caller {
  /** The agency the caller works for, e.g. `mepma`. */
  agency: string;
  /** The person or system, as the agency's identity provider names it. */
  subject: string;
  role: Role;
  /** `national`, `state:AP`, `district:NTR` or `city:VJA`. */
  jurisdiction: string;
  scopes: string[];
  /** The declared purpose's code, e.g. `cig-follow-up`. */
  purpose: string;
}

/** The jurisdiction levels, widest first, with the cities each place covers. */
const JURISDICTION = /^(national|state:[A-Z]{2}|district:[A-Za-z][A-Za-z -]*|city:[A-Z]+)$/;

/** The shape of a jurisdiction: `national`, `state:AP`, `district:NTR`, `city:VJA`. */
export function isJurisdiction(value: string): boolean {
  return JURISDICTION.test(value);
}

/**
 * A jurisdiction of that shape that names a place the hub serves (a state, district or city of
 * CITIES): what a caller's token must carry. `city:XYZ` has the shape but covers nothing.
 */
export function isKnownJurisdiction(value: string): boolean {
  return isJurisdiction(value) && (value === 'national' || citiesOf(value)!.length > 0);
}

/** Every jurisdiction the hub serves, widest first: for messages that list them. */
export function knownJurisdictions(): string[] {
  const states = [...new Set(CITIES.map((city) => `state:${city.state}`))];
  const districts = [...new Set(CITIES.map((city) => `district:${city.district}`))];
  return ['national', ...states, ...districts, ...CITIES.map((city) => `city:${city.code}`)];
}

/**
 * The ULB codes a jurisdiction covers, or null for national (every city). A place the hub does
 * not know covers no city: a typo sees nothing rather than everything.
 */
export function citiesOf(jurisdiction: string): string[] | null {
  if (jurisdiction === 'national') return null;
  const [level, place] = jurisdiction.split(':') as [string, string];
  const match = (city: (typeof CITIES)[number]) =>
    (level === 'state' && city.state === place) ||
    (level === 'district' && city.district.toLowerCase() === place.toLowerCase()) ||
    (level === 'city' && city.code === place);
  return CITIES.filter(match).map((city) => city.code);
}

/** True when a record of `cityCode` lies inside the caller's jurisdiction. */
export function coversCity(caller: Caller, cityCode: string): boolean {
  const cities = citiesOf(caller.jurisdiction);
  return cities === null || cities.includes(cityCode);
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

/**
 * A refusal: FORBIDDEN, answered HTTP 403 when it ends the request (a scope the token lacks, a
 * field the role may not read). A refusal inside a subgraph's answer rides in its body, and the
 * gateway answers 403 when nothing else was answered (contractPlugin in validation.ts).
 */
export function forbidden(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.FORBIDDEN, http: { status: 403 }, ...extensions } });
}

/** Refuses a write about a place outside the caller's jurisdiction. */
export function requireCity(caller: Caller, cityCode: string, what = 'records', action: 'change' | 'see' = 'change'): void {
  if (!coversCity(caller, cityCode)) {
    throw forbidden(`Your jurisdiction (${caller.jurisdiction}) does not cover ${cityCode}: you cannot ${action} its ${what}.`);
  }
}

/** Writes need the `write` scope as well as a role the field's policy allows. */
export function requireScope(caller: Caller, scope: string): void {
  if (!caller.scopes.includes(scope)) throw forbidden(`This needs the "${scope}" scope, which your token does not carry.`);
}

/**
 * The jurisdictions inside `jurisdiction` (itself included), or null for national: whose
 * requests an auditor of that jurisdiction may read in the access log.
 */
export function jurisdictionsWithin(jurisdiction: string): string[] | null {
  if (jurisdiction === 'national') return null;
  const inside = new Set([jurisdiction]);
  const covered = citiesOf(jurisdiction)!;
  for (const city of CITIES) {
    if (!covered.includes(city.code)) continue;
    inside.add(`city:${city.code}`);
    if (!jurisdiction.startsWith('city:')) inside.add(`district:${city.district}`);
  }
  return [...inside];
}
