/**
 * The gateway's guards, through the real hub with its default settings: operation limits that
 * refuse abusive documents in milliseconds before any agency is called (and leave the registered
 * operations and an ordinary caller alone while an attack runs), introspection by role, and
 * registered operations only for analysts and services, sent by id.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { getIntrospectionQuery, Lexer, parse, Source, specifiedRules, TokenKind, validate } from 'graphql';
import { CoverageDocument, DashboardDocument } from '../client/generated/graphql';
import { requestBody } from '../client/request';
import { defaultLimits, limitRules, LIMIT_REASONS } from '../gateway/guards/limits';
import { TrustedDocuments } from '../gateway/guards/trusted-documents';
import { config } from '../src/shared/config';
import { SUPERGRAPH_FILE } from '../src/shared/supergraph';
import { startTestStack, type CallerSpec, type TestStack } from './support/stack';

let stack: TestStack;
const limits = defaultLimits();
const documents = TrustedDocuments.fromFile();

const ANALYST: CallerSpec = { agency: 'mepma', role: 'analyst', scopes: ['read'], purpose: 'Statistics' };
const AUDITOR: CallerSpec = { role: 'auditor', scopes: ['read'], purpose: 'Audit' };
const SERVICE: CallerSpec = { role: 'service', subject: 'guards-service' };

beforeAll(async () => {
  // The hub's own default: analysts and services run registered operations only.
  stack = await startTestStack('guards', { workers: 200, registeredOnlyRoles: config.registeredOperationsOnlyRoles });
}, 120_000);
afterAll(() => stack?.stop());

interface Sent {
  status: number;
  ms: number;
  body: { data?: any; errors?: { message: string; extensions?: Record<string, any> }[] };
}

/**
 * GraphQL over HTTP's media type. A limit refusal is 400 under either (see the test of plain
 * application/json below); other request errors are 200 under plain JSON, as that spec has it.
 */
const ACCEPT = 'application/graphql-response+json';

/**
 * One POST of `body` (any shape: text, documentId, persisted query; or already JSON) as `caller`,
 * timed from send to parsed answer. The hub runs in this process, so the time includes sending.
 */
async function post(body: Record<string, unknown> | string, caller: CallerSpec = {}): Promise<Sent> {
  const headers = { 'content-type': 'application/json', accept: ACCEPT, ...(await stack.headersFor(caller)) };
  const json = typeof body === 'string' ? body : JSON.stringify(body);
  const started = performance.now();
  const response = await fetch(stack.gatewayUrl, { method: 'POST', headers, body: json });
  const parsed = (await response.json()) as Sent['body'];
  return { status: response.status, ms: performance.now() - started, body: parsed };
}

const reasons = (sent: Sent) => (sent.body.errors ?? []).map((error) => error.extensions?.reason);
const codes = (sent: Sent) => [...new Set((sent.body.errors ?? []).map((error) => error.extensions?.code))];
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const gatewayDb = () => stack.audit.log.fork().getConnection();
const entriesOf = (subject: string): Promise<any[]> => gatewayDb().execute(`select * from access_log where caller_subject = ? order by seq`, [subject]);

// ---------------------------------------------------------------------------------------------
// The attacks

/** The worker of the README's "one query, five agencies". */
const FULL_WORKER = `name occupation city { name } ward { code name }
  socialSecurityEnrolments { scheme status enrolledOn }
  icdsEnrolments { beneficiaryType beneficiaryName centre { name } }
  drivingLicences { licenceNumber vehicleClasses validUntil } badges { badgeNumber } vehiclePermits { permitNumber autoStand { name } }
  vendingCertificates { certificateNumber vendingZone { name } } tradeLicences { licenceNumber }
  cigMemberships { role joinedOn cig { id name occupation workLocation } }
  source { agency system recordId recordedAt recordedBy }`;

/** Worker → CIG memberships → CIG → members → worker, `times` over. */
const cycle = (times: number, inner = 'name') =>
  `{ worker(id: "W-0000001") { ${'cigMemberships { cig { members { worker { '.repeat(times)}${inner}${' } } } }'.repeat(times)} } }`;

const ATTACKS: { name: string; query: string; reasons: string[] }[] = [
  { name: 'Worker↔CIG cycle nested 8 times', query: cycle(8), reasons: ['MAX_DEPTH', 'MAX_COST'] },
  { name: 'Worker↔CIG cycle nested 9 times', query: cycle(9), reasons: ['MAX_DEPTH', 'MAX_COST'] },
  // The huge ones stop at the parser's token limit, before anything else reads them.
  { name: '20,000 aliases', query: `{ ${range(20_000).map((i) => `a${i}: worker(id: "W-0000001") { id }`).join(' ')} }`, reasons: ['MAX_TOKENS'] },
  { name: 'depth 2,002', query: cycle(500), reasons: ['MAX_TOKENS'] },
  {
    name: 'a chain of 5,000 fragments',
    query: `{ worker(id: "W-0000001") { ...F0 } } ${range(5000).map((i) => `fragment F${i} on Worker { ${i < 4999 ? `...F${i + 1}` : 'name'} }`).join(' ')}`,
    reasons: ['MAX_TOKENS'],
  },
  { name: '500 aliases of a full worker', query: `{ ${range(500).map((i) => `w${i}: worker(id: "W-0000001") { ${FULL_WORKER} }`).join(' ')} }`, reasons: ['MAX_TOKENS'] },
];

describe('operation limits', () => {
  test.each(ATTACKS)('$name: refused with its reason, HTTP 400, in milliseconds, and logged', async ({ name, query, reasons: expected }) => {
    const subject = `attacker-${name.replace(/\W+/g, '-')}`;
    const body = JSON.stringify({ query });
    const sent = await post(body, { subject });
    const again = await post(body, { subject: `${subject}-again` });
    console.log(`[guards] ${name} (${(body.length / 1024).toFixed(0)} KiB): refused in ${fmt(sent.ms)}, again in ${fmt(again.ms)}, with ${reasons(sent).join(', ')}`);
    expect(again.body).toEqual(sent.body);
    expect(sent.status).toBe(400);
    expect(sent.body.data).toBeUndefined();
    expect(codes(sent)).toEqual(['BAD_USER_INPUT']);
    expect(reasons(sent)).toEqual(expect.arrayContaining(expected));
    for (const error of sent.body.errors!) {
      expect(error.extensions).toMatchObject({ limit: expect.any(Number), found: expect.any(Number) });
      expect(error.extensions!.found).toBeGreaterThan(error.extensions!.limit);
      expect(error.message).toContain(error.extensions!.reason);
    }
    // No agency was asked, and the refusal is in the access log with its code.
    const [entry] = await entriesOf(subject);
    expect(entry).toMatchObject({ outcome: 'error', error_codes: ['BAD_USER_INPUT'], subgraphs: [], worker_ids: [] });
  });

  test('each limit refuses by itself, naming its figures', async () => {
    const limitOf: Record<string, number> = {
      MAX_DEPTH: limits.maxDepth,
      MAX_ALIASES: limits.maxAliases,
      MAX_ROOT_FIELDS: limits.maxRootFields,
      MAX_DIRECTIVES: limits.maxDirectives,
      MAX_COST: limits.maxCost,
    };
    const cases: [reason: string, query: string, found: number][] = [
      ['MAX_DEPTH', `{ workers(first: 1) { edges { node { cigMemberships { cig { members { worker { cigMemberships { cig { members { role } } } } } } } } } } }`, 11],
      ['MAX_ALIASES', `{ worker(id: "W-0000001") { ${range(limits.maxAliases + 1).map((i) => `n${i}: name`).join(' ')} } }`, limits.maxAliases + 1],
      ['MAX_ROOT_FIELDS', `{ ${range(limits.maxRootFields + 1).map((i) => `w${i}: worker(id: "W-000000${i % 10}") { id }`).join(' ')} }`, limits.maxRootFields + 1],
      ['MAX_DIRECTIVES', `{ worker(id: "W-0000001") { ${range(limits.maxDirectives + 1).map(() => 'name @include(if: true)').join(' ')} } }`, limits.maxDirectives + 1],
      // 100 workers × 10 memberships × 10 members × 10 enrolments: within the depth, over the cost.
      ['MAX_COST', `{ workers(first: 100) { edges { node { cigMemberships { cig { members { worker { socialSecurityEnrolments { scheme } } } } } } } } }`, 222_300],
    ];
    for (const [reason, query, found] of cases) {
      const sent = await post({ query });
      expect({ reason, status: sent.status, errors: sent.body.errors!.map((error) => error.extensions) }).toEqual({
        reason,
        status: 400,
        errors: [{ code: 'BAD_USER_INPUT', reason, limit: limitOf[reason], found }],
      });
    }
  });

  test('a limit refusal is HTTP 400 for a client that accepts plain application/json too', async () => {
    const headers = { 'content-type': 'application/json', accept: 'application/json', ...(await stack.headersFor()) };
    const deep = `{ workers(first: 1) { edges { node { cigMemberships { cig { members { worker { cigMemberships { cig { members { role } } } } } } } } } } }`;
    const response = await fetch(stack.gatewayUrl, { method: 'POST', headers, body: JSON.stringify({ query: deep }) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Sent['body']).errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'MAX_DEPTH' });
    // An ordinary validation error stays 200 under plain JSON, as GraphQL over HTTP has it.
    const unknown = await fetch(stack.gatewayUrl, { method: 'POST', headers, body: JSON.stringify({ query: '{ noSuchField }' }) });
    expect(unknown.status).toBe(200);
  });

  test('a fragment cycle is refused before anything runs', async () => {
    const sent = await post({ query: `{ worker(id: "W-0000001") { ...A } } fragment A on Worker { name ...B } fragment B on Worker { id ...A }` });
    expect(sent.status).toBe(400);
    expect(sent.body.errors![0].message).toMatch(/Cannot spread fragment "A" within itself/);
  });

  test('a simple query is answered at its usual speed while attacks run', async () => {
    const canary = async () => (await post({ query: `{ worker(id: "W-0000002") { name occupation } }` })).ms;
    for (const _ of range(3)) await canary(); // warm
    const before: number[] = [];
    for (const _ of range(10)) before.push(await canary());

    // Two attackers, one request after another each, for a bounded number of requests; their
    // bodies made once, so that this process (which also runs the hub) does not build them each time.
    const heavy = [ATTACKS[2].query, ATTACKS[5].query, ATTACKS[1].query].map((query) => JSON.stringify({ query }));
    let sentAttacks = 0;
    let attacking = true;
    const attacker = async (offset: number) => {
      while (attacking && sentAttacks < 400) {
        const sent = await post(heavy[(sentAttacks + offset) % heavy.length], { subject: 'canary-attacker' });
        expect(sent.status).toBe(400);
        sentAttacks += 1;
      }
    };
    const attackers = [attacker(0), attacker(1)];
    const during: number[] = [];
    for (const _ of range(10)) during.push(await canary());
    attacking = false;
    await Promise.all(attackers);
    console.log(
      `[guards] canary { worker { name occupation } }: median ${fmt(median(before))} (max ${fmt(Math.max(...before))}) alone, ` +
        `median ${fmt(median(during))} (max ${fmt(Math.max(...during))}) during ${sentAttacks} attack requests`,
    );
    expect(during).toHaveLength(10);
  });
});

describe('what the limits let through', () => {
  const api = Supergraph.build(readFileSync(SUPERGRAPH_FILE, 'utf8')).apiSchema().toGraphQLJSSchema();
  const { validationRules } = limitRules(limits);
  const tokens = (text: string) => {
    const lexer = new Lexer(new Source(text));
    let count = 0;
    while (lexer.advance().kind !== TokenKind.EOF) count += 1;
    return count;
  };
  const operationsDir = path.join(__dirname, '..', 'schema', 'operations');
  const registered = [
    ...readdirSync(operationsDir)
      .filter((file) => file.endsWith('.graphql'))
      .map((file) => [file, readFileSync(path.join(operationsDir, file), 'utf8')]),
    ...documents.entries(),
    ['the dashboard’s request', DashboardDocument.toString()],
    ['GraphiQL’s introspection', getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true })],
  ];

  test.each(registered)('%s is within every default limit', (_, text) => {
    expect(tokens(text)).toBeLessThanOrEqual(limits.maxTokens);
    expect(validate(api, parse(text), [...specifiedRules, ...validationRules]).map((error) => error.message)).toEqual([]);
  });

  test('every registered operation runs for an analyst, by id, and the dashboard’s request as the dashboard sends it', async () => {
    // Reports (the city dashboard's counts among them) as an analyst; one worker, CIG or licence as an officer (analysts see reports only).
    const reports: Record<string, Record<string, unknown>> = {
      CigFormation: { groupBy: ['MONTH'] },
      CityCoverage: { city: 'VJA' },
      Coverage: { groupBy: ['CITY'] },
      Dashboard: { withinDays: 90 },
      ExpiringDocuments: { withinDays: 90, groupBy: ['DOCUMENT'] },
    };
    const lookups: Record<string, Record<string, unknown>> = {
      CigRoster: { id: 'CIG-000001' },
      WorkerCard: { id: 'W-0000001' },
      LicenceCheck: { number: 'AP16-2020-0000001' },
      CrpWorklist: { scheme: 'PMSBY' },
      WorkerSchemes: { id: 'W-0000001' },
      RecordVisit: { input: { workerId: 'W-0000001', scheme: 'PMSBY', outcome: 'INFORMED', visitedOn: '2026-01-01', city: 'VJA' } },
    };
    const names: string[] = [];
    for (const [id, text] of documents.entries()) {
      const name = /^(?:query|mutation) (\w+)/.exec(text)![1];
      names.push(name);
      const sent = await post({ documentId: id, variables: reports[name] ?? lookups[name] }, name in reports ? ANALYST : {});
      const refusals = (sent.body.errors ?? []).filter((error) => [...LIMIT_REASONS, 'OPERATION_NOT_REGISTERED'].includes(error.extensions?.reason));
      expect({ name, refusals }).toEqual({ name, refusals: [] });
      if (name in reports) expect({ name, errors: sent.body.errors }).toEqual({ name, errors: undefined });
    }
    expect(names.sort()).toEqual([...Object.keys(reports), ...Object.keys(lookups)].sort());
    const dashboard = await post(requestBody(DashboardDocument, { withinDays: 90, filter: { city: 'VJA' } }), { ...ANALYST, jurisdiction: 'city:VJA' });
    expect(dashboard.status).toBe(200);
    expect(dashboard.body.errors).toBeUndefined();
    expect(dashboard.body.data.byOccupation.rows.length).toBeGreaterThan(0);
  });
});

describe('introspection', () => {
  const SCHEMA = `{ __schema { queryType { name } } }`;

  test('officers and auditors may introspect, as GraphiQL does', async () => {
    for (const caller of [{}, AUDITOR]) {
      const sent = await post({ query: getIntrospectionQuery() }, caller);
      expect(sent.status).toBe(200);
      expect(sent.body.data.__schema.queryType.name).toBe('Query');
    }
  });

  test('analysts and services are refused: FORBIDDEN, INTROSPECTION_DISABLED, HTTP 403, and logged', async () => {
    for (const caller of [ANALYST, SERVICE]) {
      for (const query of [SCHEMA, `{ __type(name: "Worker") { fields { name } } }`, `{ ...Q } fragment Q on Query { __schema { types { name } } }`]) {
        const sent = await post({ query }, { ...caller, subject: 'introspector' });
        expect(sent.status).toBe(403);
        expect(sent.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'FORBIDDEN', reason: 'INTROSPECTION_DISABLED', roles: ['officer', 'auditor'] } })]);
      }
    }
    expect((await entriesOf('introspector')).map((entry) => [entry.outcome, entry.error_codes])).toEqual(range(6).map(() => ['denied', ['FORBIDDEN']]));
  });

  test('nor do they learn field names from suggestions', async () => {
    const query = `{ workerz(id: "W-0000001") { id } }`;
    const officer = await post({ query });
    expect(officer.body.errors![0].message).toMatch(/Did you mean "worker"/);
    const analyst = await post({ query }, ANALYST);
    expect(analyst.status).toBe(400);
    expect(analyst.body.errors![0].message).toBe('Cannot query field "workerz" on type "Query".');
  });
});

describe('trusted documents', () => {
  const COVERAGE_ID = CoverageDocument.__meta__!.hash as string;
  const variables = { groupBy: ['CITY' as const], indicators: ['CIG_MEMBER' as const] };

  test('an analyst’s operation of their own is refused: FORBIDDEN, OPERATION_NOT_REGISTERED, HTTP 403, and logged', async () => {
    const sent = await post({ query: `query Mine { coverage(groupBy: [CITY]) { total { workers } } }` }, { ...ANALYST, subject: 'unregistered-analyst' });
    expect(sent.status).toBe(403);
    expect(sent.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'FORBIDDEN', reason: 'OPERATION_NOT_REGISTERED' } })]);
    expect(await entriesOf('unregistered-analyst')).toEqual([expect.objectContaining({ outcome: 'denied', error_codes: ['FORBIDDEN'], operation_name: 'Mine', subgraphs: [] })]);
  });

  test('a registered operation runs for an analyst: by documentId, by Apollo’s persisted-query hash, on a GET, or as its text', async () => {
    const hex = COVERAGE_ID.replace(/^sha256:/, '');
    const byId = await post({ documentId: COVERAGE_ID, variables }, ANALYST);
    const byHash = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: hex } }, variables }, ANALYST);
    const search = new URLSearchParams({ documentId: COVERAGE_ID, variables: JSON.stringify(variables) });
    const get = await fetch(`${stack.gatewayUrl}?${search}`, { headers: { accept: ACCEPT, ...(await stack.headersFor(ANALYST)) } });
    const asText = await post({ query: readFileSync(path.join(__dirname, '..', 'schema', 'operations', 'coverage.graphql'), 'utf8'), variables }, ANALYST);
    for (const sent of [byId, byHash, { status: get.status, body: (await get.json()) as Sent['body'] }, asText]) {
      expect(sent.status).toBe(200);
      expect(sent.body.errors).toBeUndefined();
      expect(sent.body.data.coverage.rows.map((row: any) => row.city.code).sort()).toEqual(['GVMC', 'VJA']);
    }
    // The access log names the registered document, by the hash of the text that ran.
    const [entry] = await gatewayDb().execute(`select * from access_log where caller_role = 'analyst' order by seq desc limit 1`);
    expect(entry).toMatchObject({ operation_name: 'Coverage', outcome: 'ok' });
  });

  test('the typed client sends the id alone', () => {
    expect(requestBody(CoverageDocument, variables)).toEqual({ documentId: COVERAGE_ID, operationName: 'Coverage', variables });
    expect(documents.text(COVERAGE_ID)).toMatch(/^query Coverage/);
  });

  test('an unknown id is refused: FORBIDDEN for a restricted role, BAD_USER_INPUT for others, who may send text', async () => {
    const unknown = `sha256:${'0'.repeat(64)}`;
    const analyst = await post({ documentId: unknown }, { ...ANALYST, subject: 'unknown-id-analyst' });
    expect(analyst.status).toBe(403);
    expect(analyst.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'FORBIDDEN', reason: 'OPERATION_NOT_REGISTERED' } })]);
    expect(await entriesOf('unknown-id-analyst')).toEqual([expect.objectContaining({ outcome: 'denied', error_codes: ['FORBIDDEN'] })]);
    const officer = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } });
    expect(officer.status).toBe(400);
    expect(officer.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', reason: 'OPERATION_NOT_REGISTERED' } })]);
    const officerText = await post({ query: `{ worker(id: "W-0000001") { name } }` });
    expect(officerText.body.errors).toBeUndefined();
  });

  test('a refused mutation never starts: no "started" entry, and nothing written', async () => {
    const sent = await post(
      { query: `mutation { enrolInScheme(input: { workerId: "W-0000005", scheme: PMSBY, enrolledOn: "2025-01-10", schemeReference: "PMSBY-GUARDS-1" }) { id } }` },
      { ...SERVICE, subject: 'service-writer' },
    );
    expect(sent.status).toBe(403);
    expect(reasons(sent)).toEqual(['OPERATION_NOT_REGISTERED']);
    expect((await entriesOf('service-writer')).map((entry) => entry.outcome)).toEqual(['denied']);
    const written = await stack.subgraphs.get('labour')!.database.orm.em.getConnection().execute(`select count(*)::int as n from social_security_enrolment where scheme_reference = 'PMSBY-GUARDS-1'`);
    expect(written[0].n).toBe(0);
  });
});
