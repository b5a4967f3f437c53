/** The source check: the SDL's shape, what is sampled, and the verdict on the sampled records. */
import { parse } from 'graphql';
import type { Answer } from './answers';
import { SchemaIndex } from './schema-index';
import { checkSourceShape, recordFieldsOfWorker, sampledSourceResult, sourceSample, SOURCE_FIELDS } from './source';

const SOURCE = `type Source { ${SOURCE_FIELDS.map((f) => `${f}: String`).join(' ')} updatedBy: String }`;
const schemaOf = (sdl: string) => new SchemaIndex(parse(sdl));

const GOOD = schemaOf(`
  type Worker @key(fields: "id") {
    id: ID!
    licences(status: String): [Licence!]!
    licence(id: ID!): Licence
    certificate: Certificate
    source: Source!
    centre: Centre
  }
  type Licence @key(fields: "id") { id: ID!  source: Source! }
  type Certificate @key(fields: "id") { id: ID!  source: Source! }
  type Centre @key(fields: "id", resolvable: false) { id: ID! }
  ${SOURCE}
`);

describe('the shape of source in the SDL', () => {
  test('keyed record types with source: Source!, and a Source with every field, pass', () => {
    expect(checkSourceShape(GOOD)).toEqual([]);
  });

  test('a keyed type without it, or with it nullable, and a Source lacking fields, are named', () => {
    const schema = schemaOf(`
      type Worker @key(fields: "id") { id: ID! }
      type Licence @key(fields: "id") { id: ID! }
      type Permit @key(fields: "id") { id: ID!  source: Source }
      type Source { agency: String  system: String }
    `);
    expect(checkSourceShape(schema)).toEqual(['keyed types without `source: Source!`: Licence, Permit', 'Source lacks recordId, recordedAt, recordedBy, updatedAt']);
    expect(checkSourceShape(schemaOf('type Worker @key(fields: "id") { id: ID!  source: Source! }'))).toEqual(['no Source type']);
  });

  test('an agency with no records of its own needs no Source', () => {
    expect(checkSourceShape(schemaOf('type Worker @key(fields: "id") { id: ID!  eligible: Boolean }  type Centre @key(fields: "id", resolvable: false) { id: ID! }'))).toEqual([]);
  });
});

describe('what is sampled', () => {
  test("Worker's fields of record types that need no argument", () => {
    expect(recordFieldsOfWorker(GOOD)).toEqual(['licences', 'certificate']);
    expect(recordFieldsOfWorker(schemaOf('type Query { ok: Boolean }'))).toEqual([]);
  });

  test("one _entities query asking Worker's source and each record field's", () => {
    const sample = sourceSample(GOOD)!;
    expect(sample.workerHasSource).toBe(true);
    expect(sample.fields).toEqual(['licences', 'certificate']);
    const selection = `source { ${SOURCE_FIELDS.join(' ')} }`;
    expect(sample.query).toBe(
      `query ConformanceSource($representations: [_Any!]!) { _entities(representations: $representations) { ... on Worker { id ${selection} licences { ${selection} } certificate { ${selection} } } } }`,
    );
    expect(sourceSample(schemaOf('type Worker @key(fields: "id") { id: ID!  eligible: Boolean }'))).toBeUndefined();
  });
});

describe('the sampled records', () => {
  const sample = sourceSample(GOOD)!;
  const source = (agency = 'transport') => Object.fromEntries(SOURCE_FIELDS.map((f) => [f, f === 'agency' ? agency : `${f}-value`]));
  const answerOf = (entities: unknown, errors?: unknown[]): Answer => ({ label: 'source', status: 200, json: { data: { _entities: entities }, ...(errors ? { errors } : {}) } });
  const judge = (answer: Answer) => sampledSourceResult(GOOD, 'transport', sample, 2, answer);

  test('records naming this agency pass, counting them', () => {
    const entities = [{ id: 'W-0000001', source: source(), licences: [{ source: source() }, { source: source() }], certificate: null }, null];
    expect(judge(answerOf(entities))).toEqual({
      name: 'source',
      ok: true,
      detail: '2 keyed type(s), each with source: Source!; 3 record(s) of Worker, Worker.licences, Worker.certificate name "transport"',
      warnings: [],
    });
  });

  test("another agency's name, a missing source and empty fields are named, three at most", () => {
    const entities = [
      { id: 'W-0000001', source: source('labour'), licences: [{ source: null }, { source: { ...source(), system: '' } }], certificate: { source: source('icds') } },
    ];
    expect(judge(answerOf(entities)).detail).toBe(
      'expected source.agency "transport": Worker W-0000001.source.agency is "labour", Worker W-0000001.licences[0] has no source, Worker W-0000001.licences[1].source lacks system (4 in all)',
    );
  });

  test('fields refused to an auditor and no records at all are warnings; other errors fail', () => {
    const refused = judge(answerOf([{ id: 'W-0000001', source: null, licences: null, certificate: null }], [{ message: 'no', extensions: { code: 'FORBIDDEN' } }]));
    expect(refused.detail).toBe('expected source.agency "transport": Worker W-0000001 has no source');
    expect(refused.warnings).toEqual(['1 field(s) refused to an auditor, so not sampled']);
    const nothing = judge(answerOf([null, null]));
    expect(nothing.ok).toBe(true);
    expect(nothing.warnings).toEqual(['none of the 2 workers asked about has a record here, so no source was sampled']);
    expect(judge(answerOf([], [{ message: 'boom', extensions: { code: 'INTERNAL_SERVER_ERROR' } }])).detail).toBe(
      'errors asking for source: INTERNAL_SERVER_ERROR (HTTP 200, INTERNAL_SERVER_ERROR: boom)',
    );
    expect(judge({ label: 'source', failure: 'no answer within 200 ms' }).detail).toBe('_entities with source was not answered (no answer within 200 ms)');
  });
});
