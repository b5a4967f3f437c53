/**
 * Who may see what, through the real gateway: every role against every sensitive field, every
 * jurisdiction level, forged and expired tokens, purposes, and direct calls to a subgraph that
 * try to go around the gateway. Each agency's own test file covers its mutations and lists.
 */
import { SignJWT, generateKeyPair } from 'jose';
import { parse, type FieldNode, type OperationDefinitionNode } from 'graphql';
import { readFileSync } from 'node:fs';
import { citiesOf, isKnownJurisdiction, jurisdictionsWithin, ROLES, wardsOf, type Caller, type Role } from '../src/shared/access/caller';
import { policiesIn } from '../src/shared/access/policy';
import { readSchemeCatalogue } from '../src/shared/schemes';
import { SUPERGRAPH_FILE } from '../src/shared/supergraph';
import { errorCodes, graphql, sealedBy, startTestStack, type CallerSpec, type TestStack } from './support/stack';

let stack: TestStack;
let vja: { id: string; phone: string; name: string; id_token: string; id_last4: string; e_shram_uan: string };
let gvmcWorkerId: string;
let cigWithBank: { cig_id: string; account_last4: string };
let icdsEnrolmentId: string;
let savingsAccount: { worker_id: string; account_last4: string };
let visitedWorkerId: string;
let borrowerId: string;
let enrolment: { worker_id: string; scheme_reference: string };

beforeAll(async () => {
  stack = await startTestStack('access');
  [vja] = await sql('labour', `select id, phone, name, id_token, id_last4, eshram_uan as e_shram_uan from worker where city_code = 'VJA' and eshram_uan is not null order by id limit 1`);
  [{ id: gvmcWorkerId }] = await sql('labour', `select id from worker where city_code = 'GVMC' order by id limit 1`);
  [cigWithBank] = await sql('mepma', `select b.cig_id, b.account_last4 from bank_linkage b join cig c on c.id = b.cig_id where c.city_code = 'VJA' order by b.cig_id limit 1`);
  [{ id: icdsEnrolmentId }] = await sql('icds', `select e.id from icds_enrolment e join anganwadi_centre c on c.id = e.centre_id where c.city_code = 'VJA' order by e.id limit 1`);
  [savingsAccount] = await sql('mepma', `select worker_id, min(account_last4) as account_last4 from savings_account group by worker_id having count(*) = 1 order by worker_id limit 1`);
  [{ worker_id: visitedWorkerId }] = await sql('mepma', `select worker_id from visit order by id limit 1`);
  [{ worker_id: borrowerId }] = await sql('municipal', `select worker_id from svanidhi_loan order by id limit 1`);
  [enrolment] = await sql('labour', `select worker_id, min(scheme_reference) as scheme_reference from social_security_enrolment group by worker_id having count(*) = 1 order by worker_id limit 1`);
});
afterAll(() => stack?.stop());

function sql(agency: string, query: string, params: unknown[] = []): Promise<any[]> {
  return stack.subgraphs.get(agency as never)!.database.orm.em.getConnection().execute(query, params);
}

const scopesOf = (role: Role) => (role === 'officer' || role === 'service' || role === 'crp' ? ['read', 'write'] : ['read']);
const purposeOf = (role: Role) => (role === 'auditor' ? 'Audit' : role === 'analyst' ? 'Statistics' : 'Service delivery');
const callerFor = (agency: string, role: Role): CallerSpec => ({ agency, role, scopes: scopesOf(role), purpose: purposeOf(role), jurisdiction: 'national' });

describe('field-level access: every role of three agencies against every sensitive field', () => {
  // `reportsOnly`: analysts see the reports only (policy.ts), so any question outside them is refused
  // whole, 403 FORBIDDEN with reason ANALYSTS_SEE_REPORTS_ONLY naming the root field asked, whatever
  // the field's own policy would have said. `cadre`: a CRP is refused an agency's record about a
  // worker (reason CRP_READS_WORKLIST_ONLY, naming `deniedVia` or the field).
  type Expect = 'full' | 'masked' | 'denied' | 'reportsOnly' | 'cadre';
  const staffOf = (owner: string) => (agency: string, role: Role): Expect =>
    role === 'analyst' ? 'reportsOnly' : agency === owner && (role === 'officer' || role === 'service') ? 'full' : 'masked';
  const notAnalyst = (_: string, role: Role): Expect => (role === 'analyst' ? 'reportsOnly' : 'full');
  const counterStaff = (agency: string, role: Role): Expect => (role === 'crp' ? 'denied' : notAnalyst(agency, role));
  const icdsOrAuditor = (agency: string, role: Role): Expect =>
    role === 'analyst' ? 'reportsOnly' : role === 'crp' ? 'cadre' : role === 'auditor' || (agency === 'icds' && (role === 'officer' || role === 'service')) ? 'full' : 'denied';
  const historyOf = (owner: string) => (agency: string, role: Role): Expect =>
    role === 'analyst' ? 'reportsOnly' : role === 'auditor' || (agency === owner && (role === 'officer' || role === 'service')) ? 'full' : 'denied';

  /** The specification, written out by hand: a policy in the SDL that differs from it fails here. */
  // `deniedVia`: the field the gateway names when the caller is refused on the way to this one.
  const MATRIX: Record<string, { rule: (agency: string, role: Role) => Expect; deniedVia?: string; cadreVia?: string; ask: () => { query: string; pick: (data: any) => unknown; full: () => unknown; masked?: () => unknown } }> = {
    'Worker.name': { rule: notAnalyst, ask: () => ({ query: `{ worker(id: "${vja.id}") { name } }`, pick: (d) => d.worker.name, full: () => vja.name }) },
    'Worker.phone': { rule: staffOf('labour'), ask: () => ({ query: `{ worker(id: "${vja.id}") { phone } }`, pick: (d) => d.worker.phone, full: () => vja.phone, masked: () => `******${vja.phone.slice(-4)}` }) },
    'Worker.eShramUan': { rule: staffOf('labour'), ask: () => ({ query: `{ worker(id: "${vja.id}") { eShramUan } }`, pick: (d) => d.worker.eShramUan, full: () => vja.e_shram_uan, masked: () => `********${vja.e_shram_uan.slice(-4)}` }) },
    'IdReference.token': { rule: staffOf('labour'), ask: () => ({ query: `{ worker(id: "${vja.id}") { idReference { token } } }`, pick: (d) => d.worker.idReference.token, full: () => vja.id_token, masked: () => '********' }) },
    'IdReference.last4': { rule: (a, r) => (r === 'crp' ? 'masked' : notAnalyst(a, r)), ask: () => ({ query: `{ worker(id: "${vja.id}") { idReference { last4 } } }`, pick: (d) => d.worker.idReference.last4, full: () => vja.id_last4, masked: () => '********' }) },
    'Query.findWorkers': { rule: counterStaff, ask: () => ({ query: `{ findWorkers(phone: "${vja.phone}") { id } }`, pick: (d) => d.findWorkers.map((w: any) => w.id), full: () => [vja.id] }) },
    'Worker.icdsEnrolments': { rule: icdsOrAuditor, cadreVia: 'IcdsEnrolment.worker', ask: () => ({ query: `{ icdsEnrolment(id: "${icdsEnrolmentId}") { worker { icdsEnrolments { id } } } }`, pick: (d) => d.icdsEnrolment.worker.icdsEnrolments.some((e: any) => e.id === icdsEnrolmentId), full: () => true }) },
    'Query.icdsEnrolment': { rule: icdsOrAuditor, cadreVia: 'IcdsEnrolment.id', ask: () => ({ query: `{ icdsEnrolment(id: "${icdsEnrolmentId}") { id } }`, pick: (d) => d.icdsEnrolment.id, full: () => icdsEnrolmentId }) },
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
    ...Object.fromEntries(
      ['pregnantOrNursing', 'pmmvyBeneficiary'].map((fact) => [
        `IcdsFacts.${fact}`,
        {
          // ICDS shares maternal facts with its own staff, officers, CRPs and auditors: not with other agencies' services.
          rule: (a: string, r: Role): Expect => (r === 'analyst' ? 'reportsOnly' : a === 'icds' || r !== 'service' ? 'full' : 'denied'),
          ask: () => ({ query: `{ worker(id: "${vja.id}") { icdsFacts { ${fact} } } }`, pick: (d: any) => typeof d.worker.icdsFacts[fact], full: () => 'boolean' }),
        },
      ]),
    ),
    'Query.eligibleNotEnrolled': {
      rule: (_, r) => (r === 'officer' || r === 'service' || r === 'crp' ? 'full' : 'denied'),
      ask: () => ({ query: `{ eligibleNotEnrolled(scheme: "PMSBY", first: 1) { totalCount } }`, pick: (d) => d.eligibleNotEnrolled.totalCount > 0, full: () => true }),
    },
    'SocialSecurityEnrolment.schemeReference': {
      // A CRP sees which schemes a worker holds (the single window says so too), not the policy numbers.
      rule: (_, r) => (r === 'analyst' ? 'reportsOnly' : r === 'crp' ? 'masked' : 'full'),
      ask: () => ({ query: `{ worker(id: "${enrolment.worker_id}") { socialSecurityEnrolments { schemeReference } } }`, pick: (d) => d.worker.socialSecurityEnrolments[0].schemeReference, full: () => enrolment.scheme_reference, masked: () => '********' }),
    },
    'MepmaFacts.savingsAccount': { rule: notAnalyst, ask: () => ({ query: `{ worker(id: "${savingsAccount.worker_id}") { mepmaFacts { savingsAccount } } }`, pick: (d) => d.worker.mepmaFacts.savingsAccount, full: () => true }) },
    'Worker.schemes': { rule: notAnalyst, ask: () => ({ query: `{ worker(id: "${vja.id}") { schemes { status } } }`, pick: (d) => d.worker.schemes.length, full: () => readSchemeCatalogue().length }) },
    'SavingsAccount.accountLast4': {
      rule: (a, r) => (r === 'analyst' ? 'reportsOnly' : r === 'auditor' || (a === 'mepma' && (r === 'officer' || r === 'service')) ? 'full' : 'masked'),
      ask: () => ({ query: `{ worker(id: "${savingsAccount.worker_id}") { savingsAccounts { accountLast4 } } }`, pick: (d) => d.worker.savingsAccounts[0].accountLast4, full: () => savingsAccount.account_last4, masked: () => '********' }),
    },
    ...Object.fromEntries(
      ['id', 'scheme', 'outcome', 'visitedOn', 'note', 'recordedBy', 'worker', 'source'].map((field) => [
        `Visit.${field}`,
        {
          // A visit names crp in its policies: CRPs read the follow-up they and their colleagues recorded.
          rule: notAnalyst,
          ask: () => ({ query: `{ worker(id: "${visitedWorkerId}") { visits { ${field === 'worker' ? 'worker { id }' : field === 'source' ? 'source { agency }' : field} } } }`, pick: (d: any) => d.worker.visits.length > 0 && field in d.worker.visits[0], full: () => true }),
        },
      ]),
    ),
    ...Object.fromEntries(
      ['tranche', 'amount', 'status'].map((field) => [
        `SvanidhiLoan.${field}`,
        {
          // Municipal sanctions the loans and MEPMA runs the programme for the cities; a CRP reads none of it.
          rule: (a: string, r: Role): Expect =>
            r === 'analyst' ? 'reportsOnly' : r === 'crp' ? 'cadre' : r === 'auditor' || ((a === 'municipal' || a === 'mepma') && (r === 'officer' || r === 'service')) ? 'full' : 'denied',
          ask: () => ({ query: `{ worker(id: "${borrowerId}") { svanidhiLoans { ${field} } } }`, pick: (d: any) => d.worker.svanidhiLoans.length > 0 && field in d.worker.svanidhiLoans[0], full: () => true }),
        },
      ]),
    ),
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
    const { rule, ask, deniedVia, cadreVia } = MATRIX[field]!;
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
    if (expected === 'cadre') {
      expect(res.status).toBe(403);
      expect(errorCodes(res)).toEqual(['FORBIDDEN']);
      expect(res.errors![0].extensions).toMatchObject({ reason: 'CRP_READS_WORKLIST_ONLY', fields: [cadreVia ?? field] });
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

  test('ward:<code> lies below its city: Labour limits workers to the ward, the agencies that place records by city to the city', async () => {
    const [{ ward_code: ward }] = await sql('labour', `select ward_code from worker where id = ?`, [vja.id]);
    const [neighbour] = await sql('labour', `select id from worker where city_code = 'VJA' and ward_code <> ? order by id limit 1`, [ward]);
    for (const role of ['officer', 'crp'] as const) {
      const caller = { agency: 'mepma', role, jurisdiction: `ward:${ward}` };
      const res = await stack.query(`{ workers(first: 1) { totalCount } cigs(first: 1) { totalCount } }`, {}, caller);
      expect(res.errors).toBeUndefined();
      expect(res.data.workers.totalCount).toBe((await sql('labour', `select count(*)::int as n from worker where ward_code = ?`, [ward]))[0].n);
      expect(res.data.cigs.totalCount).toBe((await sql('mepma', `select count(*)::int as n from cig where city_code = 'VJA'`))[0].n);
      expect((await stack.query(`query($id: ID!) { worker(id: $id) { id } }`, { id: vja.id }, caller)).data.worker).toEqual({ id: vja.id });
      const other = await stack.query(`query($id: ID!) { worker(id: $id) { id } }`, { id: neighbour.id }, caller);
      expect(errorCodes(other)).toEqual(['NOT_FOUND']);
      expect(other.data?.worker ?? null).toBeNull();
    }
  });

  test('what a ward jurisdiction covers, and what lies within each level (whose access log entries its auditors read)', () => {
    expect(citiesOf('ward:VJA-W07')).toEqual(['VJA']);
    expect(wardsOf('ward:VJA-W07')).toEqual(['VJA-W07']);
    expect(wardsOf('city:VJA')).toBeNull();
    expect(wardsOf('national')).toBeNull();
    for (const known of ['ward:VJA-W01', 'ward:VJA-W64', 'ward:GVMC-W98']) expect(isKnownJurisdiction(known)).toBe(true);
    // No such ward (Vijayawada has 64), a code not in its canonical form, a city that is not served.
    for (const unknown of ['ward:VJA-W65', 'ward:VJA-W00', 'ward:VJA-W7', 'ward:VJA-W007', 'ward:HYD-W01', 'ward:VJA']) {
      expect(isKnownJurisdiction(unknown)).toBe(false);
      expect(citiesOf(unknown) ?? ['every city']).toEqual([]);
    }
    expect(jurisdictionsWithin('ward:VJA-W07')).toEqual(['ward:VJA-W07']);
    const city = jurisdictionsWithin('city:VJA')!;
    expect(city).toEqual(expect.arrayContaining(['city:VJA', 'ward:VJA-W01', 'ward:VJA-W07', 'ward:VJA-W64']));
    expect(city.filter((j) => j.startsWith('ward:'))).toHaveLength(64);
    expect(city.some((j) => j.includes('GVMC'))).toBe(false);
    expect(jurisdictionsWithin('state:AP')).toEqual(expect.arrayContaining(['district:NTR', 'city:GVMC', 'ward:GVMC-W98', 'ward:VJA-W01']));
    expect(jurisdictionsWithin('national')).toBeNull();
  });

  test('a place the hub does not serve is refused at the gateway (401); an agency handed such a caller anyway sees nothing', async () => {
    for (const jurisdiction of ['state:KA', 'ward:VJA-W65']) {
      const res = await stack.query(`{ workers(first: 1) { totalCount } }`, {}, { agency: 'mepma', jurisdiction });
      expect(res.status).toBe(401);
      expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
      expect(res.errors![0].message).toContain('ward:');
    }
    const res = await stack.query(`{ workers(first: 1) { totalCount } }`, {}, { agency: 'mepma', jurisdiction: 'state:KA' });
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

describe('a CRP reads a worker\'s registration and the single window, not the agencies\' records about the worker', () => {
  let ward: string;
  let crp: CallerSpec;
  beforeAll(async () => {
    [{ ward_code: ward }] = await sql('labour', `select ward_code from worker where id = ?`, [vja.id]);
    crp = { agency: 'mepma', role: 'crp', jurisdiction: `ward:${ward}`, scopes: ['read', 'write'], purpose: 'CIG follow-up', subject: `crp.${ward}` };
  });

  test('the name, ward and the phone masked to its last four digits; not the full ID reference digits, e-Shram UAN or history', async () => {
    const res = await stack.query(`query($id: ID!) { worker(id: $id) { name phone eShramUan ward { code } idReference { last4 } labourFacts { age occupation } } }`, { id: vja.id }, crp);
    expect(res.errors).toBeUndefined();
    expect(res.data.worker).toMatchObject({
      name: vja.name,
      phone: `******${vja.phone.slice(-4)}`,
      eShramUan: `********${vja.e_shram_uan.slice(-4)}`,
      ward: { code: ward },
      idReference: { last4: '********' },
      labourFacts: { age: expect.any(Number), occupation: expect.any(String) },
    });
    const history = await stack.query(`query($id: ID!) { worker(id: $id) { history { action } } }`, { id: vja.id }, crp);
    expect(errorCodes(history)).toEqual(['FORBIDDEN']);
    expect(history.errors![0].extensions!.fields).toEqual(['Worker.history']);
  });

  test.each([
    ['licences (Transport)', `drivingLicences { licenceNumber vehicleClasses }`, ['DrivingLicence.licenceNumber', 'DrivingLicence.vehicleClasses']],
    ['CIG memberships (MEPMA)', `cigMemberships { role cig { name } }`, ['CigMembership.role', 'CigMembership.cig']],
    ['vending certificates (Municipal)', `name vendingCertificates { certificateNumber }`, ['VendingCertificate.certificateNumber']],
  ])('%s are refused at the gateway, whole, naming every field (403 CRP_READS_WORKLIST_ONLY)', async (_, fields, refused) => {
    const res = await stack.query(`query($id: ID!) { worker(id: $id) { id ${fields} } }`, { id: vja.id }, crp);
    expect(res.status).toBe(403);
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    expect(res.errors![0].extensions).toMatchObject({ reason: 'CRP_READS_WORKLIST_ONLY', fields: refused });
    expect(res.data ?? null).toBeNull();
  });

  test('an agency refuses the fields again when the gateway is gone around (a CIG\'s members, asked of MEPMA directly)', async () => {
    const [{ cig_id: cigId }] = await sql('mepma', `select m.cig_id from cig_membership m join cig c on c.id = m.cig_id where c.city_code = 'VJA' order by m.cig_id limit 1`);
    const body = JSON.stringify({ query: `{ cig(id: "${cigId}") { name members { role } } }` });
    const caller: Caller = { agency: 'mepma', subject: 'crp', role: 'crp', jurisdiction: `ward:${ward}`, scopes: ['read'], purpose: 'cig-follow-up' };
    const direct = (await (await fetch(stack.subgraphs.get('mepma')!.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await sealedBy(stack, 'gateway', caller, 'mepma', body)) },
      body,
    })).json()) as any;
    // A refused member's role is not null-able, so the CIG it belongs to comes back null.
    expect(direct.data?.cig ?? null).toBeNull();
    expect(direct.errors.length).toBeGreaterThan(0);
    for (const error of direct.errors) expect(error.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'CRP_READS_WORKLIST_ONLY' });
    // Through the gateway, the same question is refused before any agency is asked.
    const res = await stack.query(`{ cig(id: "${cigId}") { name members { role } } }`, {}, crp);
    expect(res.errors![0].extensions).toMatchObject({ reason: 'CRP_READS_WORKLIST_ONLY', fields: ['CigMembership.role'] });
  });

  test('a CRP\'s requests are read in the access log by the auditors of the ward, its city, district and state, not of another city', async () => {
    const subject = `crp.audited.${Date.now()}`;
    expect((await stack.query(`query($id: ID!) { worker(id: $id) { name } }`, { id: vja.id }, { ...crp, subject })).errors).toBeUndefined();
    const LOG = `query($subject: String) { accessLog(filter: { callerSubject: $subject }) { totalCount edges { node { caller { role jurisdiction } } } } }`;
    for (const [jurisdiction, seen] of [[`ward:${ward}`, 1], ['city:VJA', 1], ['district:NTR', 1], ['state:AP', 1], ['city:GVMC', 0]] as const) {
      const res = await stack.query(LOG, { subject }, { agency: 'labour', role: 'auditor', scopes: ['read'], purpose: 'Audit', jurisdiction });
      expect(res.errors).toBeUndefined();
      expect([jurisdiction, res.data.accessLog.totalCount]).toEqual([jurisdiction, seen]);
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
