/** The SDL as the checks read it: extensions merged, root types renamed, @access found. */
import { parse } from 'graphql';
import { listArgument, namedType, normaliseFields, parseSdl, SchemaIndex, schemaDirectives } from './schema-index';

const index = (sdl: string) => new SchemaIndex(parse(sdl));

test('merges a type and its extensions, fields and directives both', () => {
  const schema = index(`
    type Worker @key(fields: "id") { id: ID! }
    extend type Worker @key(fields: "eShramUan", resolvable: false) { phone: String }
    interface Record { source: String }
  `);
  const worker = schema.objects.get('Worker')!;
  expect(worker.fields.map((f) => f.name.value)).toEqual(['id', 'phone']);
  expect(worker.directives).toHaveLength(2);
  expect(schema.resolvableKeys(worker)).toHaveLength(1);
  expect(schema.hasField('Record', 'source')).toBe(true);
  expect(schema.hasField('Worker', 'source')).toBe(false);
  expect(schema.hasField('Nobody', 'id')).toBe(false);
});

test('root types follow the schema definition; federation and link types are not the agency\'s own', () => {
  const schema = index(`
    schema { query: Root mutation: Writes }
    type Root { _service: _Service  worker(id: ID!): Worker }
    type Writes { ping: Boolean }
    type _Service { sdl: String }
    type link__Import { name: String }
    type Worker { id: ID!  __typename: String }
  `);
  expect([schema.queryType, schema.mutationType]).toEqual(['Root', 'Writes']);
  expect(schema.isRoot('Writes')).toBe(true);
  expect(schema.isRoot('Query')).toBe(false);
  expect(schema.ownObjects().map((t) => t.name)).toEqual(['Root', 'Writes', 'Worker']);
  expect(schema.ownFields(schema.objects.get('Root')!).map((f) => f.name.value)).toEqual(['worker']);
  expect(schema.ownFields(schema.objects.get('Worker')!).map((f) => f.name.value)).toEqual(['id']);
});

test('keyed record types are the resolvable ones other than Worker', () => {
  const schema = index(`
    type Worker @key(fields: "id") { id: ID! }
    type Licence @key(fields: "id") { id: ID! }
    type Centre @key(fields: "id", resolvable: false) { id: ID! }
    type Address { line: String }
  `);
  expect(schema.keyedRecordTypes().map((t) => t.name)).toEqual(['Licence']);
});

test('@access counts as defined by a directive definition or imported by @link, by name or as an object', () => {
  expect(index('directive @access(allow: [String!]!, mask: String) on FIELD_DEFINITION').accessDefined).toBe(true);
  const byName = index('extend schema @link(url: "https://workergraph.in/access/v1.0", import: ["@access"])');
  expect([byName.accessDefined, byName.accessImported]).toEqual([false, true]);
  expect(index('extend schema @link(url: "https://workergraph.in/access/v1.0", import: [{ name: "@access", as: "@guard" }])').accessImported).toBe(true);
  expect(index('extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])').accessImported).toBe(false);
});

test('directive arguments, key fields and wrapped types', () => {
  const [link] = schemaDirectives(parse('extend schema @link(url: "u", import: "@key")'));
  expect(listArgument(link!, 'import')).toEqual(['@key']);
  expect(listArgument(link!, 'missing')).toEqual([]);
  expect(normaliseFields('  id   name ')).toBe('id name');
  expect(normaliseFields(undefined)).toBeUndefined();
  const field = (parse('type T { f: [Licence!]! }').definitions[0] as any).fields[0];
  expect(namedType(field.type)).toBe('Licence');
});

test('an SDL that does not parse is said so, with the parser\'s reason', () => {
  expect(parseSdl('type Worker {')).toEqual({ error: expect.stringMatching(/^the SDL does not parse: Syntax Error/) });
  expect(parseSdl('type Worker { id: ID }')).toHaveProperty('document');
});
