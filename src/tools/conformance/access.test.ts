/** The access check on SDLs: @access declared, mutations guarded and retry-safe, sensitive fields guarded. */
import { parse } from 'graphql';
import { checkAccess, guardOf } from './access';
import { SchemaIndex } from './schema-index';

const ACCESS = 'directive @access(allow: [String!]!, mask: String) on FIELD_DEFINITION';
const schemaOf = (sdl: string) => new SchemaIndex(parse(`${ACCESS}\n${sdl}`));
const access = (sdl: string) => checkAccess(schemaOf(sdl));

test('an agency that guards what it should passes, counting sensitive fields and mutations', () => {
  const result = access(`
    type Query { licence(id: ID!): Licence @access(allow: ["*:officer"]) }
    type Mutation { renew(id: ID!, idempotencyKey: ID): Licence @access(allow: ["transport:officer"]) }
    type Worker @key(fields: "id") { id: ID!  phone: String @access(allow: ["*:officer"], mask: "last4") }
    type Licence { id: ID! }
  `);
  expect(result).toEqual({
    name: 'access',
    ok: true,
    detail: '@access declared; 1 sensitive field(s) guarded; 1 mutation(s), each with a policy and an idempotencyKey',
    warnings: [],
  });
});

test('@access neither defined nor imported, and a malformed policy, are both reported', () => {
  const result = checkAccess(new SchemaIndex(parse('type Worker { id: ID!  note: String @access(allow: ["officer"]) }')));
  expect(result.ok).toBe(false);
  expect(result.detail).toMatch(/^@access is neither defined .* nor imported by @link; @access on Worker\.note: "officer" is not <agency>:<role>/);
});

test('every mutation needs a policy and an optional idempotencyKey of type ID', () => {
  const result = access(`
    type Mutation {
      open(id: ID!, idempotencyKey: ID): Boolean
      required(id: ID!, idempotencyKey: ID!): Boolean @access(allow: ["*:officer"])
      wrongType(id: ID!, idempotencyKey: String): Boolean @access(allow: ["*:officer"])
      fine(id: ID!, idempotencyKey: ID): Boolean @access(allow: ["*:officer"])
    }
  `);
  expect(result.detail).toBe(
    'mutations without @access: Mutation.open; mutations without an optional `idempotencyKey: ID` argument (so a retry cannot write twice): Mutation.required, Mutation.wrongType',
  );
});

describe('how a sensitive field is guarded', () => {
  const schema = schemaOf(`
    type Query { enrolment(id: ID!): Enrolment @access(allow: ["icds:*"])  centre(id: ID!): Centre }
    type Worker @key(fields: "id") {
      id: ID!
      phone: String @access(allow: ["*:officer"])
      idReference: IdReference
      enrolments: [Enrolment!]! @access(allow: ["icds:*"])
      centre: Centre
      email: String
    }
    type IdReference { kind: String @access(allow: ["*:officer"])  last4: String @access(allow: ["*:officer"]) }
    type Enrolment @key(fields: "id") { id: ID!  childName: String }
    type Centre { name: String  mobile: String }
  `);
  const guard = (typeName: string, fieldName: string) => {
    const type = schema.objects.get(typeName)!;
    return guardOf(schema, type, type.fields.find((f) => f.name.value === fieldName)!);
  };

  test('by its own policy, by its contents, by every field leading to it, or not at all', () => {
    expect(guard('Worker', 'phone')).toBe('own');
    expect(guard('Worker', 'idReference')).toBe('contents');
    expect(guard('Enrolment', 'childName')).toBe('container');
    expect(guard('Centre', 'mobile')).toBeUndefined(); // Query.centre leads to it unguarded
    expect(guard('Worker', 'email')).toBeUndefined(); // Worker is reached by its key: never guarded by container
  });

  test('the check fails on the open ones and warns about a keyed type guarded only by its containers', () => {
    const result = checkAccess(schema);
    expect(result.detail).toBe('sensitive fields without @access: Worker.email (contact details), Centre.mobile (contact details)');
    expect(result.warnings).toEqual([
      'Enrolment.childName are guarded only by the fields that lead to Enrolment; as entities they can also be fetched by key, so a policy on each field is safer',
    ]);
  });
});

test('an unguarded date of birth is a warning, not a failure', () => {
  const result = access('type Worker @key(fields: "id") { id: ID!  dateOfBirth: String  birthday: String }');
  expect(result.ok).toBe(true);
  expect(result.warnings).toEqual(['Worker.dateOfBirth, Worker.birthday (date of birth, a quasi-identifier) carry no @access']);
  expect(access('type Worker { dob: String }').warnings).toEqual(['Worker.dob (date of birth, a quasi-identifier) carries no @access']);
  expect(access('type Worker { dob: String @access(allow: ["*:officer"]) }').warnings).toEqual([]);
});
