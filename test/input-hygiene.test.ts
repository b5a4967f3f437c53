/**
 * The input and error contract, as an attacker would probe it, through the real gateway on real
 * PostgreSQL: text with a NUL, a lone surrogate or a control character in any argument of any
 * mutation is BAD_USER_INPUT naming the field, before any agency is called (and again at each
 * agency, for a direct caller); the server log never prints what was sent; errors echo a short
 * prefix at most; refusals are HTTP 403; tokens naming an agency, a place or a role the hub does
 * not have are HTTP 401; and a uniqueness CONFLICT is the same few words whoever holds the value.
 */
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  Kind,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  type ObjectTypeDefinitionNode,
  type ObjectTypeExtensionNode,
} from 'graphql';
import type { Caller, Role } from '../src/shared/access/caller';
import { signCallerToken } from '../src/shared/access/keys';
import { describeForLog, formatError } from '../src/shared/errors';
import { countStatements, errorCodes, graphql, sealedBy, startTestStack, type CallerSpec, type GraphQLResponse, type TestStack } from './support/stack';

let stack: TestStack;
let schema: GraphQLSchema;
/** Each mutation of the supergraph, by the agency whose subgraph defines it. */
const owners = new Map<string, string>();

const labourSql = (query: string, params: unknown[] = []): Promise<any[]> => stack.subgraphs.get('labour')!.database.orm.em.getConnection().execute(query, params);

beforeAll(async () => {
  stack = await startTestStack('hygiene', { workers: 200 });
  const introspection = await stack.query(getIntrospectionQuery());
  expect(introspection.errors).toBeUndefined();
  schema = buildClientSchema(introspection.data);
  for (const [agency, { agency: subgraph }] of stack.subgraphs) {
    for (const definition of subgraph.typeDefs.definitions) {
      if ((definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) || definition.name.value !== 'Mutation') continue;
      for (const field of (definition as ObjectTypeDefinitionNode | ObjectTypeExtensionNode).fields ?? []) owners.set(field.name.value, agency);
    }
  }
});
afterAll(() => stack?.stop());

/** Everything the server printed while `work` ran (console.error, warn, log, info), as one string. */
async function serverLog(work: () => Promise<void>): Promise<string> {
  const printed: unknown[][] = [];
  const spies = (['error', 'warn', 'log', 'info'] as const).map((level) =>
    jest.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      printed.push(args);
    }),
  );
  try {
    await work();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return printed.map((args) => args.map((arg) => (arg instanceof Error ? `${arg.message}\n${arg.stack}` : typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ')).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Input hygiene, for every text argument of every mutation, found by walking the schema served.

const SENT_NAME = 'Kondapalli Sentinel';
const SENT_PHONE = '9849012345';
const BAD = { NUL: '\u0000', 'a lone surrogate': '\uD83D', 'a control character': '\u001B' } as const;

/** A text leaf of a mutation's arguments: where it lies (`input.name`) and how to reach it in the variables. */
interface TextLeaf {
  path: string;
  set(variables: Record<string, unknown>, value: string): void;
}

/** A value GraphQL accepts for `type`, every input field filled (optional ones too, so each text field can be spoiled). */
function sample(type: GraphQLInputType, name: string): unknown {
  if (isNonNullType(type)) return sample(type.ofType, name);
  if (isListType(type)) return [sample(type.ofType, name)];
  if (isEnumType(type)) return type.getValues()[0]!.value;
  if (isInputObjectType(type)) return Object.fromEntries(Object.values(type.getFields()).map((field) => [field.name, sample(field.type, field.name)]));
  switch (type.name) {
    case 'Int':
      return 1;
    case 'Float':
      return 1.5;
    case 'Boolean':
      return true;
    case 'Date':
      return '2025-01-01';
    case 'DateTime':
      return '2025-01-01T00:00:00.000Z';
    default:
      return /phone/i.test(name) ? SENT_PHONE : `${SENT_NAME} ${name}`;
  }
}

function textLeaves(type: GraphQLInputType, path: string, at: (variables: Record<string, unknown>) => any, key: string | number, out: TextLeaf[]): void {
  if (isNonNullType(type)) return textLeaves(type.ofType, path, at, key, out);
  if (isListType(type)) return textLeaves(type.ofType, `${path}[0]`, (variables) => at(variables)[key], 0, out);
  if (isInputObjectType(type)) {
    for (const field of Object.values(type.getFields())) textLeaves(field.type, `${path}.${field.name}`, (variables) => at(variables)[key], field.name, out);
    return;
  }
  if (isScalarType(type) && (type.name === 'String' || type.name === 'ID')) {
    out.push({ path, set: (variables, value) => void (at(variables)[key] = value) });
  }
}

interface MutationCase {
  name: string;
  agency: string;
  query: string;
  variables: () => Record<string, unknown>;
  leaves: TextLeaf[];
}

function mutationCases(): MutationCase[] {
  return Object.values(schema.getMutationType()!.getFields()).map((field: GraphQLField<unknown, unknown>) => {
    const args = field.args as GraphQLArgument[];
    const leaves: TextLeaf[] = [];
    for (const arg of args) textLeaves(arg.type, arg.name, (variables) => variables, arg.name, leaves);
    const definitions = args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
    const passed = args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
    const selection = isScalarType(getNamedType(field.type)) || isEnumType(getNamedType(field.type)) ? '' : ' { __typename }';
    return {
      name: field.name,
      agency: owners.get(field.name)!,
      query: `mutation${definitions ? `(${definitions})` : ''} { ${field.name}${passed ? `(${passed})` : ''}${selection} }`,
      variables: () => Object.fromEntries(args.map((arg) => [arg.name, sample(arg.type, arg.name)])),
      leaves,
    };
  });
}

/** A national officer of the agency, with the write scope: the field check admits them, so only hygiene refuses. */
const officerOf = (agency: string): CallerSpec => ({ agency, subject: `${agency}-hygiene`, purpose: agency === 'mepma' ? 'CIG follow-up' : 'Service delivery' });

/**
 * The status a request error gets: 400 from a subgraph (the gateway reads it as "the input was
 * refused"); at the gateway whatever it answers for any other request error (a variable GraphQL
 * cannot coerce), which GraphQL over HTTP ties to the media type.
 */
let requestErrorStatus: number;

function expectUnsafeTextRefused(res: GraphQLResponse, field: string, status = requestErrorStatus) {
  expect({ field, status: res.status, codes: errorCodes(res) }).toEqual({ field, status, codes: ['BAD_USER_INPUT'] });
  expect(res.errors![0].extensions).toMatchObject({ field, reason: 'INVALID_CHARACTER' });
  expect(res.data ?? null).toBeNull();
}

describe('text with a NUL, a lone surrogate or a control character', () => {
  beforeAll(async () => {
    const coercion = await stack.query(`query($filter: WorkerFilter) { workers(filter: $filter) { totalCount } }`, { filter: { occupation: 'NO_SUCH' } });
    expect(errorCodes(coercion)).toEqual(['BAD_USER_INPUT']);
    requestErrorStatus = coercion.status;
  });

  test('the schema has text-taking mutations of every agency', () => {
    const cases = mutationCases().filter((c) => c.leaves.some((leaf) => !/idempotencyKey/.test(leaf.path)));
    expect(new Set(cases.map((c) => c.agency))).toEqual(new Set(['labour', 'icds', 'transport', 'municipal', 'mepma']));
    const withFreeText = cases.filter((c) => c.leaves.some((leaf) => /\.(name|beneficiaryName|schemeReference|workLocation|bankName|lender|purpose|goods|tradeName|employer)$/.test(leaf.path)));
    expect(withFreeText.map((c) => c.name).sort()).toEqual(
      ['enrolHouseholdMember', 'enrolInScheme', 'formCig', 'issueSanitationWorkerId', 'issueTradeLicence', 'issueVendingCertificate', 'linkBankAccount', 'recordCreditLinkage', 'registerWorker', 'updateWorker'].sort(),
    );
  });

  test('in any text argument of any mutation, is BAD_USER_INPUT naming the field, before any agency is called; the log shows none of what was sent', async () => {
    const cases = mutationCases();
    let checked = 0;
    const startedEntries = async () =>
      Number((await stack.audit.log.fork().getConnection().execute(`select count(*) as n from access_log where outcome = 'started'`))[0].n);
    const startedBefore = await startedEntries();
    const log = await serverLog(async () => {
      for (const mutation of cases) {
        for (const leaf of mutation.leaves) {
          for (const [what, character] of Object.entries(BAD)) {
            const variables = mutation.variables();
            leaf.set(variables, `${SENT_NAME} ${what}${character} ${SENT_PHONE}`);
            let res!: GraphQLResponse;
            const statements = await countStatements(stack, async () => {
              res = await stack.query(mutation.query, variables, officerOf(mutation.agency));
            });
            expectUnsafeTextRefused(res, leaf.path);
            expect(res.errors![0].message).not.toContain(SENT_NAME);
            // Refused at the gateway: no agency was asked, so nothing can have been written.
            const touched = Object.entries(statements).filter(([, count]) => count.total || count.sealsSpent);
            expect({ mutation: mutation.name, field: leaf.path, touched }).toEqual({ mutation: mutation.name, field: leaf.path, touched: [] });
            checked += 1;
          }
        }
      }
    });
    expect(checked).toBeGreaterThanOrEqual(3 * 40);
    // Refused before the field check admitted them: no mutation got a 'started' entry.
    expect(await startedEntries()).toBe(startedBefore);
    expect(log).not.toContain('Sentinel');
    expect(log).not.toContain(SENT_PHONE);
  });

  test('in a literal, too', async () => {
    const res = await stack.query(`mutation { updateWorker(id: "W-0000001", input: { name: "Kolla\u007f Ramesh" }) { id } }`);
    expectUnsafeTextRefused(res, 'input.name');
    const filter = await stack.query(`query { workers(filter: { city: "VJA\u0085" }) { totalCount } }`);
    expectUnsafeTextRefused(filter, 'filter.city');
  });

  test('each agency refuses it again for a direct (sealed) caller, naming the field, and writes nothing', async () => {
    const byAgency = new Map(mutationCases().filter((c) => c.leaves.length).map((c) => [c.agency, c]));
    expect([...byAgency.keys()].sort()).toEqual(['icds', 'labour', 'mepma', 'municipal', 'transport']);
    const log = await serverLog(async () => {
      for (const [agency, mutation] of byAgency) {
        const leaf = mutation.leaves.find((l) => !/idempotencyKey/.test(l.path)) ?? mutation.leaves[0]!;
        for (const character of Object.values(BAD)) {
          const variables = mutation.variables();
          leaf.set(variables, `${SENT_NAME}${character}`);
          const body = JSON.stringify({ query: mutation.query, variables });
          const caller: Caller = { agency, subject: 'direct', role: 'officer' as Role, jurisdiction: 'national', scopes: ['read', 'write'], purpose: 'service-delivery' };
          let response!: Response;
          const statements = await countStatements(stack, async () => {
            response = await fetch(stack.subgraphs.get(agency as never)!.server.url, {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...(await sealedBy(stack, 'gateway', caller, agency, body)) },
              body,
            });
          });
          const res = { status: response.status, ...((await response.json()) as object) } as GraphQLResponse;
          expectUnsafeTextRefused(res, leaf.path, 400);
          expect({ agency, statements: statements[agency as never].total }).toEqual({ agency, statements: 0 });
        }
      }
    });
    expect(log).not.toContain('Sentinel');
  });
});

// ---------------------------------------------------------------------------------------------

describe('the server log', () => {
  test('a real driver error (a NUL PostgreSQL refuses) is logged without the statement, its parameters or its detail', async () => {
    const em = stack.subgraphs.get('labour')!.database.orm.em.fork();
    const error = await em
      .getConnection()
      .execute(`select id from worker where name = ? and phone = ?`, [`${SENT_NAME}\u0000`, SENT_PHONE])
      .then(() => undefined, (failure: unknown) => failure);
    expect(error).toBeDefined();
    expect(String((error as Error).message)).toContain(SENT_PHONE); // what the driver would have printed
    const logged = await serverLog(async () => {
      const answer = formatError({ message: String((error as Error).message), extensions: {} }, error);
      expect(answer.extensions.code).toBe('INTERNAL_SERVER_ERROR');
      expect(answer.message).not.toContain(SENT_PHONE);
    });
    expect(logged).toMatch(/sqlState=[0-9A-Z]{5}/);
    expect(logged).not.toContain(SENT_PHONE);
    expect(logged).not.toContain('Sentinel');
    expect(String(describeForLog(error))).not.toMatch(/select id/);
  });
});

describe('errors echo a short prefix of what was sent', () => {
  const HUGE = `W-${'9'.repeat(990_000)}`;

  test('a 990 KB id, as a query argument or a mutation argument, is refused in a short message', async () => {
    const asked = await stack.query(`query($id: ID!) { worker(id: $id) { id } }`, { id: HUGE });
    expect(errorCodes(asked)).toEqual(['BAD_USER_INPUT']);
    expect(asked.errors![0].message.length).toBeLessThan(200);
    expect(JSON.stringify(asked.errors).length).toBeLessThan(1000);

    const changed = await stack.query(`mutation($id: ID!) { updateWorker(id: $id, input: { occupation: GIG }) { id } }`, { id: HUGE });
    expect(errorCodes(changed)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(changed.errors).length).toBeLessThan(1000);
  });

  test("GraphQL's own refusal of a 990 KB enum value is cut short too", async () => {
    const res = await stack.query(`query($filter: WorkerFilter) { workers(filter: $filter) { totalCount } }`, { filter: { occupation: 'X'.repeat(990_000) } });
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(res.errors).length).toBeLessThan(1000);
  });

  test('an unknown id is NOT_FOUND quoting it in full when short', async () => {
    const res = await stack.query(`query($id: ID!) { worker(id: $id) { id } }`, { id: 'W-9999999' });
    expect(res.errors![0]).toMatchObject({ message: 'No worker with id "W-9999999".', extensions: { code: 'NOT_FOUND', id: 'W-9999999' } });
  });
});

describe('refusals are HTTP 403', () => {
  test('a token without the write scope, asking for a mutation', async () => {
    const res = await stack.query(`mutation { updateWorker(id: "W-0000001", input: { occupation: GIG }) { id } }`, {}, { scopes: ['read'] });
    expect(res.status).toBe(403);
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    expect(res.errors![0].message).toMatch(/"write" scope/);
  });

  test('a token without the read scope, asking a question', async () => {
    const res = await stack.query(`{ worker(id: "W-0000001") { id } }`, {}, { scopes: ['write'] });
    expect(res.status).toBe(403);
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
  });

  test("a write the agency refuses for the caller's jurisdiction: FORBIDDEN from the agency, 403 from the gateway", async () => {
    const res = await stack.query(
      `mutation($input: RegisterWorkerInput!) { registerWorker(input: $input) { id } }`,
      { input: newWorker({ city: 'GVMC', ward: 'GVMC-W03' }) },
      { jurisdiction: 'city:VJA' },
    );
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    expect(res.status).toBe(403);
  });
});

describe('tokens naming what the hub does not have are UNAUTHENTICATED (401)', () => {
  const ask = async (claims: Record<string, unknown>) => {
    const token = await signCallerToken(stack.keys, { agency: 'labour', subject: 'probe', role: 'officer', jurisdiction: 'national', scopes: ['read'], ...claims } as never);
    return graphql(stack.gatewayUrl, `{ workers(first: 5) { totalCount edges { node { name } } } }`, {}, { authorization: `Bearer ${token}`, 'x-purpose': 'Grievance' });
  };

  test.each([
    ['an unknown city', { jurisdiction: 'city:XYZ' }, /jurisdiction/],
    ['an unknown district', { jurisdiction: 'district:Nowhere' }, /jurisdiction/],
    ['an unknown state', { jurisdiction: 'state:TS' }, /jurisdiction/],
    ['an unknown role', { role: 'root' }, /role/],
    ['an agency that is not registered', { agency: 'nosuch' }, /not registered/],
    ['one of the hub\'s own services as agency', { agency: 'audit' }, /not registered/],
    ['a subject with a control character', { subject: 'probe\u0000' }, /subject/],
  ])('%s', async (_, claims, message) => {
    const res = await ask(claims);
    expect(res.status).toBe(401);
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
    expect(res.errors![0].message).toMatch(message);
    expect(res.data).toBeUndefined();
  });

  test('a registered agency, a real place and a known role are accepted', async () => {
    for (const claims of [{ agency: 'icds', jurisdiction: 'district:NTR' }, { agency: 'mepma', jurisdiction: 'city:GVMC' }, { agency: 'transport', jurisdiction: 'state:AP', role: 'auditor' }]) {
      const res = await ask(claims);
      expect({ claims, status: res.status }).toEqual({ claims, status: 200 });
    }
  });
});

// ---------------------------------------------------------------------------------------------

let registered = 0;
function newWorker(overrides: Record<string, unknown> = {}) {
  registered += 1;
  const n = String(registered).padStart(4, '0');
  return {
    name: 'Gorantla Hygiene', gender: 'FEMALE', dateOfBirth: '1990-05-01', phone: `98490${n}7`.slice(0, 10), idReferenceToken: `ADV-HYGIENE-${n}`,
    idLast4: '1234', occupation: 'DOMESTIC', city: 'VJA', ward: 'VJA-W12', ...overrides,
  };
}

describe('no existence oracle: a uniqueness CONFLICT says only "already registered"', () => {
  const VJA_OFFICER: CallerSpec = { jurisdiction: 'city:VJA', subject: 'vja.officer' };
  const UPDATE = `mutation($id: ID!, $input: UpdateWorkerInput!) { updateWorker(id: $id, input: $input) { id } }`;
  const REGISTER = `mutation($input: RegisterWorkerInput!) { registerWorker(input: $input) { id } }`;

  test("a VJA officer changing their worker to a Visakhapatnam worker's phone, UAN or ID token learns nothing more than from any duplicate", async () => {
    const [vja, vjaOther] = await labourSql(`select * from worker where city_code = 'VJA' and eshram_uan is not null order by id limit 2`);
    const [gvmc] = await labourSql(`select * from worker where city_code = 'GVMC' and eshram_uan is not null order by id limit 1`);
    const outside = [
      await stack.query(UPDATE, { id: vja.id, input: { phone: gvmc.phone } }, VJA_OFFICER),
      await stack.query(UPDATE, { id: vja.id, input: { eShramUan: gvmc.eshram_uan } }, VJA_OFFICER),
      await stack.query(REGISTER, { input: newWorker({ idReferenceToken: gvmc.id_token }) }, VJA_OFFICER),
    ];
    const inside = [
      await stack.query(UPDATE, { id: vja.id, input: { phone: vjaOther.phone } }, VJA_OFFICER),
      await stack.query(UPDATE, { id: vja.id, input: { eShramUan: vjaOther.eshram_uan } }, VJA_OFFICER),
      await stack.query(REGISTER, { input: newWorker({ idReferenceToken: vjaOther.id_token }) }, VJA_OFFICER),
      // A national officer, who may see every worker, is told no more either.
      await stack.query(UPDATE, { id: vja.id, input: { phone: gvmc.phone } }),
    ];
    const answers = [...outside, ...inside].map((res) => ({ codes: errorCodes(res), message: res.errors?.[0]?.message, extensions: res.errors?.[0]?.extensions }));
    const generic = answers[0]!;
    expect(generic.codes).toEqual(['CONFLICT']);
    expect(generic.extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_REGISTERED' });
    expect(generic.message).toMatch(/already registered/i);
    expect(generic.message).toMatch(/owning agency/);
    for (const answer of answers) expect(answer).toEqual(generic);
    for (const secret of [gvmc.id, vja.id, vjaOther.id, gvmc.phone, gvmc.eshram_uan, gvmc.id_token, 'phone', 'UAN', 'ID reference']) {
      expect(JSON.stringify(answers)).not.toContain(secret);
    }
    // Nothing changed.
    const [after] = await labourSql(`select * from worker where id = ?`, [vja.id]);
    expect(after).toEqual(vja);
  });

  test('the detail is in the server log, without the value; the access log records the CONFLICT against the caller', async () => {
    const [vja] = await labourSql(`select * from worker where city_code = 'VJA' order by id limit 1`);
    const [gvmc] = await labourSql(`select * from worker where city_code = 'GVMC' order by id limit 1`);
    let res!: GraphQLResponse;
    const log = await serverLog(async () => {
      res = await stack.query(UPDATE, { id: vja.id, input: { phone: gvmc.phone } }, { ...VJA_OFFICER, subject: 'vja.prober' });
    });
    expect(errorCodes(res)).toEqual(['CONFLICT']);
    expect(log).toMatch(/ALREADY_REGISTERED/);
    expect(log).toContain('field=phone');
    expect(log).toContain(gvmc.id);
    expect(log).not.toContain(gvmc.phone);
    const entries = await stack.audit.log.fork().getConnection().execute(`select * from access_log where caller_subject = 'vja.prober' order by seq`);
    expect(entries.at(-1)).toMatchObject({ error_codes: ['CONFLICT'] });
  });
});

describe('other conflicts name the other record only inside the jurisdiction', () => {
  test("a VJA officer is told a worker already has a sanitation card, not which card of Visakhapatnam's", async () => {
    const municipal = (query: string, params: unknown[] = []): Promise<any[]> => stack.subgraphs.get('municipal')!.database.orm.em.getConnection().execute(query, params);
    const carded = (await municipal(`select worker_id from sanitation_worker_id`)).map((row) => row.worker_id);
    const [worker] = await labourSql(`select id from worker where city_code = 'VJA' and not (id = any(?::text[])) order by id limit 1`, [`{${carded.join(',')}}`]);
    const ISSUE = `mutation($input: IssueSanitationWorkerIdInput!) { issueSanitationWorkerId(input: $input) { idNumber } }`;
    const MUNICIPAL: CallerSpec = { agency: 'municipal', subject: 'municipal-national' };
    const first = await stack.query(ISSUE, { input: { workerId: worker.id, employer: 'Greater Visakhapatnam Municipal Corporation', ward: 'GVMC-W03', issuedOn: '2025-01-02' } }, MUNICIPAL);
    expect(first.errors).toBeUndefined();
    const card = first.data.issueSanitationWorkerId.idNumber as string;
    expect(card).toMatch(/^GVMC\//);

    const input = { workerId: worker.id, employer: 'Vijayawada Municipal Corporation', ward: 'VJA-W12', issuedOn: '2025-01-03' };
    const outside = await stack.query(ISSUE, { input }, { ...MUNICIPAL, jurisdiction: 'city:VJA' });
    expect(errorCodes(outside)).toEqual(['CONFLICT']);
    expect(outside.errors![0].message).not.toContain(card);
    expect(outside.errors![0].message).toMatch(/outside your jurisdiction/);
    const national = await stack.query(ISSUE, { input }, MUNICIPAL);
    expect(national.errors![0].message).toContain(card);
  });
});
