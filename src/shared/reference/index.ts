/**
 * Reference data: the places Worker Graph serves (states, districts, cities with their wards and
 * RTOs) and the vocabularies its agencies share (occupations with their NCO-2015 codes, CIG
 * roles). They are facts about the world, not code, so they live in places.json and
 * vocabularies.json beside this file, read here once when this module loads and nowhere else:
 * serving another city is an edit of places.json. A file that cannot be read stops the process
 * with one ConfigError line naming the file and the field to fix, before anything is served.
 *
 * The demo generator (../demo/) draws its made-up population inside these places; it is not
 * where they come from.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';

/** A state, as jurisdictions name it (`state:AP`). */
export interface State {
  code: string;
  name: string;
}

/** A district of a state, as jurisdictions name it (`district:NTR`). */
export interface District {
  name: string;
  state: string;
}

/** A city (an urban local body) the hub serves: its wards are numbered 1 to wardCount. */
export interface City {
  /** The ULB code, e.g. `VJA`: it prefixes ward codes and names `city:` jurisdictions. */
  code: string;
  name: string;
  /** The district's name, as in `districts`. */
  district: string;
  /** The state's code, as in `states`. */
  state: string;
  wardCount: number;
  /** The RTO code that prefixes driving licence numbers issued in the city (`AP16`). */
  rtoCode: string;
}

export interface Places {
  states: readonly State[];
  districts: readonly District[];
  cities: readonly City[];
}

/**
 * One of OCCUPATIONS. A string, not a union of today's codes: the vocabulary is data, and the
 * GraphQL enums that must match it are checked by index.test.ts.
 */
export type Occupation = string;

/** One of CIG_ROLES (a string for the same reason as Occupation). */
export type CigRole = string;

/** An occupational category with its NCO-2015 code (a unit group, or an eight-digit occupation). */
export interface OccupationEntry {
  code: Occupation;
  ncoCode: string;
  ncoTitle: string;
}

export interface Vocabularies {
  occupations: readonly OccupationEntry[];
  cigRoles: readonly CigRole[];
}

// ---- The files' shapes. Each message completes "<field> ...", as config.ts's do for variables;
// the forms are those the rest of the hub parses (jurisdictions, ward codes, licence numbers).

const text = z.string().trim().min(1, 'must be some text');
const pattern = (form: RegExp, expected: string) => z.string().regex(form, `must be ${expected}`);

const STATE = z.object({ code: pattern(/^[A-Z]{2}$/, 'two capital letters, e.g. AP'), name: text }).strict();

const DISTRICT = z
  .object({ name: pattern(/^[A-Za-z][A-Za-z -]*$/, 'letters, spaces and hyphens, e.g. NTR'), state: text })
  .strict();

const CITY = z
  .object({
    code: pattern(/^[A-Z]+$/, 'capital letters, e.g. VJA'),
    name: text,
    district: text,
    state: text,
    // Ward codes carry two or three digits (`VJA-W07`, `GVMC-W112`).
    wardCount: z.number().int('must be a whole number').min(1, 'must be from 1 to 999').max(999, 'must be from 1 to 999'),
    rtoCode: pattern(/^[A-Z]{2}\d{2}$/, 'a state code and two digits, e.g. AP16'),
  })
  .strict();

/** Cross-references that no one field shows: unique codes, and every name a city uses listed above it. */
const PLACES = z
  .object({ states: z.array(STATE).min(1, 'must list a state'), districts: z.array(DISTRICT), cities: z.array(CITY).min(1, 'must list a city') })
  .strict()
  .superRefine((places, ctx) => {
    const issue = (at: (string | number)[], message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path: at, message });
    const states = new Set<string>();
    places.states.forEach((state, i) => {
      if (states.has(state.code)) issue(['states', i, 'code'], 'repeats a state listed before it');
      states.add(state.code);
    });
    const districts = new Map<string, District>();
    places.districts.forEach((district, i) => {
      // Jurisdictions name districts in any case (`district:ntr`), so names differ in more than case.
      const key = district.name.toLowerCase();
      if (districts.has(key)) issue(['districts', i, 'name'], 'repeats a district listed before it');
      if (!states.has(district.state)) issue(['districts', i, 'state'], 'must be the code of a state in states');
      districts.set(key, district);
    });
    const codes = new Set<string>();
    const rtos = new Set<string>();
    places.cities.forEach((city, i) => {
      if (codes.has(city.code)) issue(['cities', i, 'code'], 'repeats a city listed before it');
      if (!states.has(city.state)) issue(['cities', i, 'state'], 'must be the code of a state in states');
      const district = districts.get(city.district.toLowerCase());
      if (!district || district.name !== city.district) issue(['cities', i, 'district'], 'must be the name of a district in districts');
      else if (district.state !== city.state) issue(['cities', i, 'district'], `must be a district of the city's state (${city.state})`);
      // A licence number's RTO names one city (transport's rules), and RTO codes begin with their state's.
      if (rtos.has(city.rtoCode)) issue(['cities', i, 'rtoCode'], 'repeats the RTO of a city listed before it');
      if (!city.rtoCode.startsWith(city.state)) issue(['cities', i, 'rtoCode'], `must begin with the city's state code (${city.state})`);
      codes.add(city.code);
      rtos.add(city.rtoCode);
    });
  });

/** A GraphQL enum value: the vocabularies are the schemas' enums. */
const enumValue = pattern(/^[A-Z][A-Z0-9_]*$/, 'a GraphQL enum value, e.g. STREET_VENDOR');

const VOCABULARIES = z
  .object({
    occupations: z
      .array(
        z
          .object({
            code: enumValue,
            // The form labour's ncoCodeArg accepts for a registration's own code.
            ncoCode: pattern(/^\d{4}(\.\d{4})?$/, 'an NCO-2015 code such as 8322 or 8322.0100'),
            ncoTitle: text,
          })
          .strict(),
      )
      .min(1, 'must list an occupation'),
    cigRoles: z.array(enumValue).min(1, 'must list a role'),
  })
  .strict()
  .superRefine((vocabularies, ctx) => {
    const repeats = (list: string[], field: string, at: (i: number) => (string | number)[]) =>
      list.forEach((code, i) => {
        if (list.indexOf(code) !== i) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [field, ...at(i)], message: 'repeats a code listed before it' });
      });
    repeats(vocabularies.occupations.map((occupation) => occupation.code), 'occupations', (i) => [i, 'code']);
    repeats(vocabularies.cigRoles, 'cigRoles', (i) => [i]);
  });

/** `cities[1].wardCount`: where in a file an issue lies. */
function fieldOf(at: (string | number)[]): string {
  return at.map((part, i) => (typeof part === 'number' ? `[${part}]` : i ? `.${part}` : part)).join('') || '(the whole file)';
}

/** The value at `at` in `value`, for a message that says what it found. */
function valueAt(value: unknown, at: (string | number)[]): unknown {
  return at.reduce<unknown>((inner, part) => (inner !== null && typeof inner === 'object' ? (inner as Record<string, unknown>)[part] : undefined), value);
}

/** One line naming the file, the field and what is wrong with it. */
function refusal(file: string, value: unknown, error: z.ZodError): ConfigError {
  const issue = error.issues[0]!;
  const found = valueAt(value, issue.path);
  let problem: string;
  if (issue.code === z.ZodIssueCode.unrecognized_keys) {
    problem = `${fieldOf([...issue.path, issue.keys[0]!])} is not a field the file may have`;
  } else if (issue.code === z.ZodIssueCode.invalid_type && found === undefined) {
    problem = `${fieldOf(issue.path)} is missing`;
  } else if (issue.code === z.ZodIssueCode.invalid_type && issue.message.startsWith('Expected')) {
    // zod's own wording, said our way; a schema's own message (`.int('must be a whole number')`) is used as given, below.
    const expected = issue.expected === 'array' ? 'a list' : `${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
    problem = `${fieldOf(issue.path)} must be ${expected}, got ${JSON.stringify(found)}`;
  } else {
    const got = found !== null && typeof found === 'object' ? '' : `, got ${JSON.stringify(found)}`;
    problem = `${fieldOf(issue.path)} ${issue.message}${got}`;
  }
  return new ConfigError(`${file}: ${problem}.`);
}

function parse<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, value: unknown, file: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw refusal(file, value, result.error);
  return result.data;
}

/** The places of a places.json's content; a ConfigError naming `file` and the field when malformed. */
export function parsePlaces(value: unknown, file = 'places.json'): Places {
  return parse(PLACES, value, file);
}

/** The vocabularies of a vocabularies.json's content; a ConfigError naming `file` and the field when malformed. */
export function parseVocabularies(value: unknown, file = 'vocabularies.json'): Vocabularies {
  return parse(VOCABULARIES, value, file);
}

/** A file beside this module, read and parsed: read with fs (not import), so a broken file is named. */
function readReference<T>(name: string, read: (value: unknown, file: string) => T): T {
  const file = path.join(__dirname, name);
  const shown = path.relative(path.resolve(__dirname, '..', '..', '..'), file);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${shown}: cannot be read as JSON (${(error as Error).message.split('\n')[0]}).`);
  }
  return read(value, shown);
}

function frozen<T extends object>(items: readonly T[]): readonly T[] {
  return Object.freeze(items.map((item) => Object.freeze({ ...item })));
}

const places = readReference('places.json', parsePlaces);
const vocabularies = readReference('vocabularies.json', parseVocabularies);

// ---- Places

export const STATES: readonly State[] = frozen(places.states);
export const DISTRICTS: readonly District[] = frozen(places.districts);
/** Every city the hub serves, in the file's order. */
export const CITIES: readonly City[] = frozen(places.cities);

const CITY_BY_CODE = new Map(CITIES.map((city) => [city.code, city]));

/** The city of a ULB code (`VJA`), or undefined for a code the hub does not serve. */
export function cityByCode(code: string): City | undefined {
  return CITY_BY_CODE.get(code);
}

/** Ward codes are `<ULB>-W<nn>`, e.g. `VJA-W07`: the form filters and jurisdictions use. */
export function wardCode(city: string, ward: number): string {
  return `${city}-W${String(ward).padStart(2, '0')}`;
}

// ---- Vocabularies

/** The occupational categories (Labour's `Occupation` enum), in the file's order. */
export const OCCUPATIONS: readonly Occupation[] = Object.freeze(vocabularies.occupations.map((occupation) => occupation.code));

/** Each occupation's NCO-2015 code: what a registration records when it names none of its own. */
export const NCO_CODE: Readonly<Record<Occupation, string>> = Object.freeze(
  Object.fromEntries(vocabularies.occupations.map((occupation) => [occupation.code, occupation.ncoCode])),
);

/** Each occupation's NCO-2015 title (`Street food salespersons`). */
export const NCO_TITLE: Readonly<Record<Occupation, string>> = Object.freeze(
  Object.fromEntries(vocabularies.occupations.map((occupation) => [occupation.code, occupation.ncoTitle])),
);

/** The roles of a CIG's members (MEPMA's `CigRole` enum), in the file's order. */
export const CIG_ROLES: readonly CigRole[] = Object.freeze([...vocabularies.cigRoles]);
