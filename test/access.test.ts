/**
 * Who may see what, through the real gateway: every role against every sensitive field, every
 * jurisdiction level, forged and expired tokens, purposes, and direct calls to a subgraph that
 * try to go around the gateway. Each agency's own test file covers its mutations and lists.
 */
import { SignJWT, generateKeyPair } from 'jose';
import { parse, type FieldNode, type OperationDefinitionNode } from 'graphql';
import { readFileSync } from 'node:fs';
import { ROLES, type Role } from '../src/shared/access/caller';
import { policiesIn } from '../src/shared/access/policy';
import { SUPERGRAPH_FILE } from '../src/shared/supergraph';
import { errorCodes, graphql, sealedBy, startTestStack, type CallerSpec, type TestStack } from './support/stack';

let stack: TestStack;
let vja: { id: string; phone: string; name: string; id_token: string; id_last4: string; e_shram_uan: string };
let gvmcWorkerId: string;
let cigWithBank: { cig_id: string; account_last4: string };
let icdsEnrolmentId: string;

beforeAll(async () => {
  stack = await startTestStack('access');
  [vja] = await sql('labour', `select id, phone, name, id_token, id_last4, eshram_uan as e_shram_uan from worker where city_code = 'VJA' and eshram_uan is not null order by id limit 1`);
  [{ id: gvmcWorkerId }] = await sql('labour', `select id from worker where city_code = 'GVMC' order by id limit 1`);
  [cigWithBank] = await sql('mepma', `select b.cig_id, b.account_last4 from bank_linkage b join cig c on c.id = b.cig_id where c.city_code = 'VJA' order by b.cig_id limit 1`);
  [{ id: icdsEnrolmentId }] = await sql('icds', `select e.id from icds_enrolment e join anganwadi_centre c on c.id = e.centre_id where c.city_code = 'VJA' order by e.id limit 1`);
});
afterAll(() => stack?.stop());

function sql(agency: string, query: string, params: unknown[] = []): Promise<any[]> {
  return stack.subgraphs.get(agency as never)!.database.orm.em.getConnection().execute(query, params);
}

const scopesOf = (role: Role) => (role === 'officer' || role === 'service' ? ['read', 'write'] : ['read']);
const purposeOf = (role: Role) => (role === 'auditor' ? 'Audit' : role === 'analyst' ? 'Statistics' : 'Service delivery');
const callerFor = (agency: string, role: Role): CallerSpec => ({ agency, role, scopes: scopesOf(role), purpose: purposeOf(role), jurisdiction: 'national' });

describe('field-level access: every role of three agencies against every sensitive field', () => {
  // `reportsOnly`: analysts see the reports only (policy.ts), so any question outside them is refused
  // whole, 403 FORBIDDEN with reason ANALYSTS_SEE_REPORTS_ONLY naming the root field asked, whatever
  // the field's own policy would have said.
  type Expect = 'full' | 'masked' | 'denied' | 'reportsOnly';
  const staffOf = (owner: string) => (agency: string, role: Role): Expect =>
    role === 'analyst' ? 'reportsOnly' : agency === owner && (role === 'officer' || role === 'service') ? 'full' : 'masked';
  const notAnalyst = (_: string, role: Role): Expect => (role === 'analyst' ? 'reportsOnly' : 'full');
  const icdsOrAuditor = (agency: string, role: Role): Expect =>
    role === 'analyst' ? 'reportsOnly' : role === 'auditor' || (agency === 'icds' && (role === 'officer' || role === 'service')) ? 'full' : 'denied';
  const historyOf = (owner: string) => (agency: string, role: Role): Expect =>
    role === 'analyst' ? 'reportsOnly' : role === 'auditor' || (agency === owner && (role === 'officer' || role === 'service')) ? 'full' : 'denied';

  /** The specification, written out by hand: a policy in the SDL that differs from it fails here. */
  // `deniedVia`: the field the gateway names when the caller is refused on the way to this one.
  const MATRIX: Record<string, { rule: (agency: string, role: Role) => Expect; deniedVia?: string; ask: () => { query: string; pick: (data: any) => unknown; full: () => unknown; masked?: () => unknown } }> = {
    'Worker.name': { rule: notAnalyst, ask: () => ({ query: `{ worker(id: "${vja.id}") { name } }`, pick: (d) => d.worker.name, full: () => vja.name }) },
    'Worker.phone': { rule: staffOf('labour'), ask: () => ({ query: `{ worker(id: "${vja.id}") { phone } }`, pick: (d) => d.worker.phone, full: () => vja.phone, masked: () => `******${vja.phone.slice(-4)}` }) },
    'Worker.eShramUan': { rule: staffOf('labour'), ask: () => ({ query: `{ worker(id: "${vja.id}") { eShramUan } }`, pick: (d) => d.worker.eShramUan, full: () => vja.e_shram_uan, masked: () => `********${vja.e_shram_uan.slice(-4)}` }) },
    'IdReference.token': { rule: staffOf('labour'), ask: () => ({ query: `{ worker(id: "${vja.id}") { idReference { token } } }`, pick: (d) => d.worker.idReference.token, full: () => vja.id_token, masked: () => '********' }) },
    'IdReference.last4': { rule: notAnalyst, ask: () => ({ query: `{ worker(id: "${vja.id}") { idReference { last4 } } }`, pick: (d) => d.worker.idReference.last4, full: () => vja.id_last4 }) },
    'Query.findWorkers': { rule: notAnalyst, ask: () => ({ query: `{ findWorkers(phone: "${vja.phone}") { id } }`, pick: (d) => d.findWorkers.map((w: any) => w.id), full: () => [vja.id] }) },
    'Worker.icdsEnrolments': { rule: icdsOrAuditor, ask: () => ({ query: `{ icdsEnrolment(id: "${icdsEnrolmentId}") { worker { icdsEnrolments { id } } } }`, pick: (d) => d.icdsEnrolment.worker.icdsEnrolments.some((e: any) => e.id === icdsEnrolmentId), full: () => true }) },
    'Query.icdsEnrolment': { rule: icdsOrAuditor, ask: () => ({ query: `{ icdsEnrolment(id: "${icdsEnrolmentId}") { id } }`, pick: (d) => d.icdsEnrolment.id, full: () => icdsEnrolmentId }) },
    ...Object.fromEntries(
      ['beneficiaryName', 'dateOfBirth', 'expectedDeliveryDate', 'deliveryDate', 'pmmvyInstalmentsPaid'].map((field) => [
        `IcdsEnrolment.${field}`,
        {
          rule: icdsOrAuditor,
          deniedVia: 'Query.icdsEnrolment',
          ask: () => ({ query: `{ icdsEnrolment(id: "${icdsEnrolmentId}") { ${field} } }`, pick: (d: any) => field in d.icdsEnrolment, full: () => true }),
        },
      ]),
    ),
    'BankLinkage.accountLast4': { rule: (a, r) => (r === 'analyst' ? 'reportsOnly' : r === 'auditor' || (a === 'mepma' && (r === 'officer' || r === 'service')) ? 'full' : 'masked'), ask: () => ({ query: `{ cig(id: "${cigWithBank.cig_id}") { bankLinkage { accountLast4 } } }`, pick: (d) => d.cig.bankLinkage.accountLast4, full: () => cigWithBank.account_last4, masked: () => '********' }) },
    'Worker.history': { rule: historyOf('labour'), ask: () => ({ query: `{ worker(id: "${vja.id}") { history { action } } }`, pick: (d) => Array.isArray(d.worker.history), full: () => true }) },
    'Query.accessLog': { rule: (_, r) => (r === 'analyst' ? 'reportsOnly' : r === 'auditor' ? 'full' : 'denied'), ask: () => ({ query: `{ accessLog(first: 1) { totalCount } }`, pick: (d) => d.accessLog.totalCount > 0, full: () => true }) },
  };

  test('every @access policy on a readable field of the supergraph is in this matrix or in its agency\'s own tests', () => {
    const policies = [...policiesIn(parse(readFileSync(SUPERGRAPH_FILE, 'utf8'))).keys()];
    const readable = policies.filter((key) => !key.startsWith('Mutation.') && !key.endsWith('.history'));
    expect(readable.filter((key) => !(key in MATRIX)).sort()).toEqual([]);
    // Every record type with a source keeps its history behind a policy.
    expect(policies.filter((key) => key.endsWith('.history')).length).toBeGreaterThanOrEqual(10);
  });

  const cases = Object.keys(MATRIX).flatMap((field) => ['labour', 'icds', 'mepma'].flatMap((agency) => ROLES.map((role) => [field, agency, role] as const)));
  test.each(cases)('%s for %s:%s', async (field, agency, role) => {
    const { rule, ask, deniedVia } = MATRIX[field]!;
    const expected = rule(agency, role);
    const { query, pick, full, masked } = ask();
    const res = await stack.query(query, {}, callerFor(agency, role));
    if (expected === 'reportsOnly') {
      const root = (parse(query).definitions[0] as OperationDefinitionNode).selectionSet.selections[0] as FieldNode;
      expect(res.status).toBe(403);
      expect(errorCodes(res)).toEqual(['FORBIDDEN']);
      expect(res.errors![0].extensions).toMatchObject({ reason: 'ANALYSTS_SEE_REPORTS_ONLY', fields: [`Query.${root.name.value}`] });
      expect(res.data ?? null).toBeNull();
      return;
    }
    if (expected === 'denied') {
      expect(errorCodes(res)).toEqual(['FORBIDDEN']);
      expect(res.errors![0].extensions!.fields).toContain(deniedVia ?? field);
      expect(res.data ?? null).toBeNull();
      return;
    }
    expect(res.errors).toBeUndefined();
    expect(pick(res.data)).toEqual(expected === 'full' ? full() : masked!());
  });
});

describe('jurisdiction at every level', () => {
  const LEVELS: [string, string[]][] = [
    ['national', ['VJA', 'GVMC']],
    ['state:AP', ['VJA', 'GVMC']],
    ['district:NTR', ['VJA']],
    ['district:Visakhapatnam', ['GVMC']],
    ['city:VJA', ['VJA']],
    ['city:GVMC', ['GVMC']],
  ];

  test.each(LEVELS)('%s sees the workers, CIGs and memberships of %j only', async (jurisdiction, cities) => {
    const caller = { agency: 'mepma', role: 'officer' as Role, jurisdiction };
    const counts = async (agency: string, table: string) =>
      Number((await sql(agency, `select count(*)::int as n from ${table} where city_code = any(?::text[])`, [`{${cities.join(',')}}`]))[0].n);
    const res = await stack.query(`{ workers(first: 1) { totalCount } cigs(first: 1) { totalCount } }`, {}, caller);
    expect(res.errors).toBeUndefined();
    expect(res.data.workers.totalCount).toBe(await counts('labour', 'worker'));
    expect(res.data.cigs.totalCount).toBe(await counts('mepma', 'cig'));

    for (const [id, city] of [[vja.id, 'VJA'], [gvmcWorkerId, 'GVMC']] as const) {
      const one = await stack.query(`query($id: ID!) { worker(id: $id) { id cigMemberships { cig { city { code } } } } }`, { id }, caller);
      if (cities.includes(city)) {
        expect(one.data.worker.id).toBe(id);
        for (const m of one.data.worker.cigMemberships) expect(cities).toContain(m.cig.city.code);
      } else {
        // Outside the jurisdiction a worker is indistinguishable from one that does not exist.
        expect(errorCodes(one)).toEqual(['NOT_FOUND']);
        expect(one.data?.worker ?? null).toBeNull();
      }
    }
  });

  test('a place the hub does not serve is refused at the gateway (401); an agency handed such a caller anyway sees nothing', async () => {
    const res = await stack.query(`{ workers(first: 1) { totalCount } }`, {}, { agency: 'mepma', jurisdiction: 'state:KA' });
    expect(res.status).toBe(401);
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
    expect(res.data).toBeUndefined();

    const body = JSON.stringify({ query: '{ workers(first: 1) { totalCount } }' });
    const caller = { agency: 'labour', subject: 'ka-officer', role: 'officer' as Role, jurisdiction: 'state:KA', scopes: ['read'], purpose: 'grievance' };
    const direct = await fetch(stack.subgraphs.get('labour')!.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await sealedBy(stack, 'gateway', caller, 'labour', body)) },
      body,
    }).then((r) => r.json() as Promise<any>);
    expect(direct.data.workers.totalCount).toBe(0);
  });

  test('nested records of another city are not shown through a roster of one\'s own', async () => {
    const res = await stack.query(
      `{ cigs(first: 50) { edges { node { city { code } members { worker { city { code } } } } } } }`,
      {},
      { agency: 'mepma', jurisdiction: 'city:GVMC' },
    );
    expect(res.errors).toBeUndefined();
    const edges = res.data.cigs.edges;
    expect(edges.length).toBeGreaterThan(0);
    for (const { node } of edges) {
      expect(node.city.code).toBe('GVMC');
      for (const member of node.members) expect(member.worker.city.code).toBe('GVMC');
    }
  });
});

describe('callers authenticate', () => {
  const QUERY = `{ worker(id: "W-0000001") { id name } }`;
  const send = (headers: Record<string, string>) => graphql(stack.gatewayUrl, QUERY, {}, headers);
  const claims = { agency: 'labour', role: 'officer', jurisdiction: 'national', scope: 'read' };
  const sign = (key: Parameters<SignJWT['sign']>[0], build: (jwt: SignJWT) => SignJWT = (jwt) => jwt) =>
    build(new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: stack.keys.devIssuer!.kid }).setSubject('t').setIssuer(stack.keys.issuer).setAudience(stack.keys.audience).setIssuedAt().setExpirationTime('1h')).sign(key);

  const refused = async (headers: Record<string, string>, message: RegExp) => {
    const res = await send({ 'x-purpose': 'Grievance', ...headers });
    expect(res.status).toBe(401);
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
    expect(res.errors![0].message).toMatch(message);
    expect(res.data).toBeUndefined();
  };

  test('a valid token reads (the baseline the refusals below differ from by one thing)', async () => {
    const res = await send({ authorization: `Bearer ${await sign(stack.keys.devIssuer!.key)}`, 'x-purpose': 'Grievance' });
    expect(res.status).toBe(200);
    expect(res.data.worker.id).toBe('W-0000001');
  });

  test('no token', () => refused({}, /bearer token/i));
  test('not a bearer header', () => refused({ authorization: 'Basic dXNlcjpwYXNz' }, /Bearer <JWT>/));
  test('a malformed token', () => refused({ authorization: 'Bearer not.a.jwt' }, /not a well-formed JWT|could not be verified/));
  test('an expired token', async () =>
    refused({ authorization: `Bearer ${await sign(stack.keys.devIssuer!.key, (jwt) => jwt.setExpirationTime(Math.floor(Date.now() / 1000) - 3600))}` }, /expired/));
  test('a token signed by a key the hub does not trust', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    await refused({ authorization: `Bearer ${await sign(privateKey)}` }, /signature/);
  });
  test('a token for another audience', async () =>
    refused({ authorization: `Bearer ${await sign(stack.keys.devIssuer!.key, (jwt) => jwt.setAudience('some-other-api'))}` }, /"aud" claim/));
  test('a token from another issuer', async () =>
    refused({ authorization: `Bearer ${await sign(stack.keys.devIssuer!.key, (jwt) => jwt.setIssuer('https://elsewhere.example'))}` }, /"iss" claim/));
  test('an unsigned token (alg: none)', async () => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${part({ alg: 'none', typ: 'JWT' })}.${part({ ...claims, sub: 't', iss: stack.keys.issuer, aud: stack.keys.audience, exp: Math.floor(Date.now() / 1000) + 3600 })}.`;
    await refused({ authorization: `Bearer ${unsigned}` }, /refused/);
  });
  test('a token naming a role or jurisdiction the framework does not have', async () => {
    const withClaim = (extra: object) => new SignJWT({ ...claims, ...extra }).setProtectedHeader({ alg: 'EdDSA' }).setSubject('t').setIssuer(stack.keys.issuer).setAudience(stack.keys.audience).setExpirationTime('1h').sign(stack.keys.devIssuer!.key);
    await refused({ authorization: `Bearer ${await withClaim({ role: 'admin' })}` }, /role must be one of/);
    await refused({ authorization: `Bearer ${await withClaim({ jurisdiction: 'planet:mars' })}` }, /jurisdiction must be/);
  });
});

describe('scopes', () => {
  test('asking needs the read scope, at the gateway and again in the agency', async () => {
    const res = await stack.query(`{ worker(id: "W-0000001") { id } }`, {}, { scopes: ['write'] });
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    expect(res.errors![0].message).toMatch(/"read" scope/);

    const body = JSON.stringify({ query: '{ worker(id: "W-0000001") { id } }' });
    const caller = { agency: 'labour', subject: 'no-read', role: 'officer' as Role, jurisdiction: 'national', scopes: [], purpose: 'grievance' };
    const direct = await fetch(stack.subgraphs.get('labour')!.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await sealedBy(stack, 'gateway', caller, 'labour', body)) },
      body,
    }).then((r) => r.json() as Promise<any>);
    expect(direct.data?.worker ?? null).toBeNull();
    expect(direct.errors[0].extensions.code).toBe('FORBIDDEN');
  });
});

describe('each request declares a purpose', () => {
  test('no purpose, no data', async () => {
    const res = await stack.query(`{ worker(id: "W-0000001") { id } }`, {}, { purpose: undefined });
    expect(res.status).toBe(403);
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    expect(res.errors![0].extensions).toMatchObject({ reason: 'PURPOSE_REQUIRED' });
    expect(res.data).toBeUndefined();
  });

  test('a purpose that is not on the configured list is refused, naming the list', async () => {
    const res = await graphql(stack.gatewayUrl, `{ worker(id: "W-0000001") { id } }`, {}, { ...(await stack.headersFor()), 'x-purpose': 'curiosity' });
    expect(res.status).toBe(403);
    expect(res.errors![0].extensions).toMatchObject({ reason: 'PURPOSE_UNKNOWN' });
    expect(res.errors![0].extensions!.purposes).toContain('CIG follow-up');
  });

  test('a purpose carried in the token is accepted, by label or by code', async () => {
    const { authorization } = await stack.headersFor({ purpose: undefined });
    for (const purpose of ['CIG follow-up', 'cig-follow-up']) {
      const headers = await stack.headersFor({ purpose });
      const res = await graphql(stack.gatewayUrl, `{ worker(id: "W-0000001") { id } }`, {}, { authorization: headers.authorization, 'x-purpose': purpose });
      expect(res.data.worker.id).toBe('W-0000001');
    }
    expect(authorization).toMatch(/^Bearer /);
  });
});

describe('nobody bypasses the gateway', () => {
  const post = (url: string, headers: Record<string, string>, body: string) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

  test('every subgraph, the access log included, refuses an unsealed call; health checks stay open', async () => {
    const urls = [...[...stack.subgraphs.values()].map(({ server }) => server.url), stack.audit.server.url];
    for (const url of urls) {
      const res = await post(url, {}, JSON.stringify({ query: '{ _service { sdl } }' }));
      expect(res.status).toBe(401);
      const health = await fetch(url.replace('/graphql', '/health'));
      expect(health.status).toBe(200);
    }
  });
});
