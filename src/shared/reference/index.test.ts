/**
 * The reference files (places.json, vocabularies.json): they parse, their places fit the forms the
 * hub reads (ward codes, jurisdictions), their vocabularies are the schemas' enums, and a
 * malformed file is refused with one line naming the file and the field. No servers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse, type EnumTypeDefinitionNode } from 'graphql';
import { ConfigError } from '../errors';
import { citiesOf, isKnownJurisdiction, knownJurisdictions } from '../access/caller';
import {
  CIG_ROLES, CITIES, DISTRICTS, NCO_CODE, NCO_TITLE, OCCUPATIONS, STATES, cityByCode, parsePlaces, parseVocabularies, wardCode,
} from './index';

const root = path.resolve(__dirname, '..', '..', '..');
const places = () => JSON.parse(readFileSync(path.join(__dirname, 'places.json'), 'utf8'));
const vocabularies = () => JSON.parse(readFileSync(path.join(__dirname, 'vocabularies.json'), 'utf8'));

/** The values of `enum <name>` in a subgraph's schema, or undefined when it declares none. */
function enumValues(subgraph: string, name: string): string[] | undefined {
  const document = parse(readFileSync(path.join(root, 'subgraphs', subgraph, 'schema.graphql'), 'utf8'));
  const found = document.definitions.find((node): node is EnumTypeDefinitionNode => node.kind === Kind.ENUM_TYPE_DEFINITION && node.name.value === name);
  return found?.values?.map((value) => value.name.value);
}

const SUBGRAPHS = readdirSync(path.join(root, 'subgraphs'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && readdirSync(path.join(root, 'subgraphs', entry.name)).includes('schema.graphql'))
  .map((entry) => entry.name);

/** The ConfigError `read` throws, or a failure when it throws none. */
function refusal(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('the places', () => {
  test('places.json parses, as the module read it', () => {
    expect(parsePlaces(places())).toEqual({ states: STATES, districts: DISTRICTS, cities: CITIES });
    expect(CITIES.length).toBeGreaterThan(0);
    for (const city of CITIES) expect(cityByCode(city.code)).toBe(city);
    expect(cityByCode('XYZ')).toBeUndefined();
  });

  test('the pilot cities are as they were', () => {
    expect(cityByCode('VJA')).toEqual({ code: 'VJA', name: 'Vijayawada', district: 'NTR', state: 'AP', wardCount: 64, rtoCode: 'AP16' });
    expect(cityByCode('GVMC')).toEqual({ code: 'GVMC', name: 'Greater Visakhapatnam', district: 'Visakhapatnam', state: 'AP', wardCount: 98, rtoCode: 'AP31' });
  });

  test("every city's wards have distinct codes that name a jurisdiction the hub serves, and no more", () => {
    for (const city of CITIES) {
      const codes = Array.from({ length: city.wardCount }, (_, i) => wardCode(city.code, i + 1));
      expect(new Set(codes).size).toBe(city.wardCount);
      for (const code of codes) {
        expect(code).toMatch(new RegExp(`^${city.code}-W\\d{2,3}$`));
        expect(isKnownJurisdiction(`ward:${code}`)).toBe(true);
        expect(citiesOf(`ward:${code}`)).toEqual([city.code]);
      }
      expect(isKnownJurisdiction(`ward:${wardCode(city.code, city.wardCount + 1)}`)).toBe(false);
    }
    expect(wardCode('VJA', 7)).toBe('VJA-W07');
    expect(wardCode('GVMC', 98)).toBe('GVMC-W98');
  });

  test('every state, district and city names a jurisdiction that covers its cities', () => {
    for (const city of CITIES) {
      expect(citiesOf(`city:${city.code}`)).toEqual([city.code]);
      expect(citiesOf(`district:${city.district}`)).toContain(city.code);
      expect(citiesOf(`state:${city.state}`)).toContain(city.code);
    }
    expect(knownJurisdictions()).toEqual(expect.arrayContaining(CITIES.map((city) => `city:${city.code}`)));
  });
});

describe('the vocabularies', () => {
  test('vocabularies.json parses, as the module read it', () => {
    const read = parseVocabularies(vocabularies());
    expect(read.occupations.map((occupation) => occupation.code)).toEqual(OCCUPATIONS);
    expect(read.cigRoles).toEqual(CIG_ROLES);
    for (const occupation of read.occupations) {
      expect(NCO_CODE[occupation.code]).toBe(occupation.ncoCode);
      expect(NCO_TITLE[occupation.code]).toBe(occupation.ncoTitle);
    }
  });

  test('the NCO-2015 codes are as they were', () => {
    expect(NCO_CODE).toEqual({
      TRANSPORT: '8322', GIG: '8321', DOMESTIC: '9111', CARE: '5322', WASTE: '9611', CONSTRUCTION: '9313', STREET_VENDOR: '5212', HOME_BASED: '7533',
    });
  });

  test("the occupations are Labour's Occupation enum, and every other schema's that declares one", () => {
    expect(enumValues('labour', 'Occupation')).toEqual([...OCCUPATIONS]);
    const others = SUBGRAPHS.filter((subgraph) => subgraph !== 'labour' && enumValues(subgraph, 'Occupation'));
    expect(others.length).toBeGreaterThan(0);
    for (const subgraph of others) expect({ subgraph, values: enumValues(subgraph, 'Occupation') }).toEqual({ subgraph, values: [...OCCUPATIONS] });
  });

  test("the CIG roles are MEPMA's CigRole enum", () => {
    expect(enumValues('mepma', 'CigRole')).toEqual([...CIG_ROLES]);
  });
});

describe('a malformed file is refused with one line naming the file and the field', () => {
  const withCity = (change: Record<string, unknown>) => {
    const value = places();
    value.cities[1] = { ...value.cities[1], ...change };
    return value;
  };

  test.each([
    [{ wardCount: 0 }, 'places.json: cities[1].wardCount must be from 1 to 999, got 0.'],
    [{ wardCount: 12.5 }, 'places.json: cities[1].wardCount must be a whole number, got 12.5.'],
    [{ wardCount: '98' }, 'places.json: cities[1].wardCount must be a number, got "98".'],
    [{ code: 'Gvmc' }, 'places.json: cities[1].code must be capital letters, e.g. VJA, got "Gvmc".'],
    [{ code: 'VJA' }, 'places.json: cities[1].code repeats a city listed before it, got "VJA".'],
    [{ rtoCode: 'AP16' }, 'places.json: cities[1].rtoCode repeats the RTO of a city listed before it, got "AP16".'],
    [{ rtoCode: 'TS09' }, "places.json: cities[1].rtoCode must begin with the city's state code (AP), got \"TS09\"."],
    [{ district: 'Vizag' }, 'places.json: cities[1].district must be the name of a district in districts, got "Vizag".'],
    [{ state: 'TS' }, 'places.json: cities[1].state must be the code of a state in states, got "TS".'],
    [{ wardcount: 98 }, 'places.json: cities[1].wardcount is not a field the file may have.'],
    [{ rtoCode: undefined }, 'places.json: cities[1].rtoCode is missing.'],
  ])('a city with %j', (change, message) => {
    expect(refusal(() => parsePlaces(withCity(change)))).toBe(message);
  });

  test('the file name is the one given, and the message is one line', () => {
    const message = refusal(() => parsePlaces({ ...places(), cities: [] }, 'src/shared/reference/places.json'));
    expect(message).toBe('src/shared/reference/places.json: cities must list a city.');
    expect(refusal(() => parsePlaces(null))).toBe('places.json: (the whole file) must be an object, got null.');
    expect(refusal(() => parsePlaces({ ...places(), districts: [{ name: 'NTR', state: 'TS' }] }))).toBe('places.json: districts[0].state must be the code of a state in states, got "TS".');
  });

  test('a vocabulary with a bad NCO code, a repeated occupation or a role that is no enum value', () => {
    const value = vocabularies();
    const occupations = value.occupations;
    expect(refusal(() => parseVocabularies({ ...value, occupations: [{ ...occupations[0], ncoCode: '83' }] }))).toBe(
      'vocabularies.json: occupations[0].ncoCode must be an NCO-2015 code such as 8322 or 8322.0100, got "83".',
    );
    expect(refusal(() => parseVocabularies({ ...value, occupations: [...occupations, occupations[0]] }))).toBe(
      `vocabularies.json: occupations[${occupations.length}].code repeats a code listed before it, got "${occupations[0].code}".`,
    );
    expect(refusal(() => parseVocabularies({ ...value, cigRoles: ['PRESIDENT', 'vice president'] }))).toBe(
      'vocabularies.json: cigRoles[1] must be a GraphQL enum value, e.g. STREET_VENDOR, got "vice president".',
    );
    for (const message of [refusal(() => parseVocabularies({ occupations }))]) {
      expect(message).toBe('vocabularies.json: cigRoles is missing.');
      expect(message).not.toContain('\n');
    }
  });
});
