/**
 * MEPMA through the real gateway: Common Interest Groups with their members (whom Labour names),
 * bank linkage, savings and loans; forming groups and keeping their books; what bad input gets
 * back (with nothing written); and what a roster costs in SQL.
 */
import type { RunningStack } from '../src/stack';
import { countStatements, errorCodes, graphql, startTestStack, tableOf } from './support/stack';

let stack: RunningStack;
let url: string;

beforeAll(async () => {
  stack = await startTestStack('mepma');
  url = stack.gatewayUrl;
});
afterAll(() => stack?.stop());

async function sql<T = any>(query: string, params: unknown[] = []): Promise<T[]> {
  return stack.subgraphs.get('mepma')!.database.orm.em.getConnection().execute(query, params);
}

async function labourSql<T = any>(query: string, params: unknown[] = []): Promise<T[]> {
  return stack.subgraphs.get('labour')!.database.orm.em.getConnection().execute(query, params);
}

const TABLES = ['cig', 'cig_membership', 'bank_linkage', 'savings_deposit', 'credit_linkage'];

async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) counts[table] = (await sql(`select count(*)::int as n from ${table}`))[0].n;
  return counts;
}

function daysFromToday(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

const CIG_DETAIL = /* GraphQL */ `
  query($id: ID!, $former: Boolean) {
    cig(id: $id) {
      id name occupation workLocation workLocationKind city { code name } ward { code } formedOn memberCount
      members(includeFormer: $former) { id role joinedOn leftOn savingsBalance worker { id name } }
      bankLinkage { bankName branchIfsc accountLast4 linkedOn source { agency recordId } }
      totalSavings
      savings(first: 3) { id worker { id } amount depositedOn }
      loans { id lender amount sanctionedOn purpose status }
      source { agency system recordId }
    }
  }`;

describe("a worker's CIG, through the gateway", () => {
  test("a worker's Labour name comes with their CIG membership and the group's work location", async () => {
    const [membership] = await sql(
      `select m.worker_id, m.role, m.joined_on, c.id, c.name, c.occupation, c.work_location
       from cig_membership m join cig c on c.id = m.cig_id where m.worker_id = 'W-0000007'`,
    );
    const [worker] = await labourSql(`select name from worker where id = 'W-0000007'`);
    const res = await graphql(url, `{ worker(id: "W-0000007") { id name cigMemberships { role joinedOn cig { id name occupation workLocation } } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.worker).toEqual({
      id: 'W-0000007',
      name: worker.name,
      cigMemberships: [{
        role: membership.role,
        joinedOn: membership.joined_on,
        cig: { id: membership.id, name: membership.name, occupation: membership.occupation, workLocation: membership.work_location },
      }],
    });
  });

  test('a CIG shows its members by name, its bank account, savings and loans', async () => {
    const [{ cig_id: cigId }] = await sql(`select cig_id from credit_linkage order by id limit 1`);
    const [cig] = await sql(`select * from cig where id = ?`, [cigId]);
    const members = await sql(`select * from cig_membership where cig_id = ? and left_on is null order by joined_on, id`, [cigId]);
    const names = await labourSql(`select id, name from worker where id in (${members.map(() => '?').join(',')})`, members.map((m) => m.worker_id));
    const [linkage] = await sql(`select * from bank_linkage where cig_id = ?`, [cigId]);
    const balances = await sql(`select membership_id, sum(amount)::int as total from savings_deposit where cig_id = ? group by membership_id`, [cigId]);
    const [{ total }] = await sql(`select coalesce(sum(amount), 0)::int as total from savings_deposit where cig_id = ?`, [cigId]);
    const recent = await sql(`select id, worker_id, amount, deposited_on from savings_deposit where cig_id = ? order by deposited_on desc, id desc limit 3`, [cigId]);
    const loans = await sql(`select * from credit_linkage where cig_id = ? order by sanctioned_on desc, id desc`, [cigId]);

    const res = await graphql(url, CIG_DETAIL, { id: cigId });
    expect(res.errors).toBeUndefined();
    expect(total).toBeGreaterThan(0);
    expect(res.data.cig).toEqual({
      id: cigId,
      name: cig.name,
      occupation: cig.occupation,
      workLocation: cig.work_location,
      workLocationKind: cig.work_location_kind,
      city: { code: cig.city_code, name: cig.city_code === 'VJA' ? 'Vijayawada' : 'Greater Visakhapatnam' },
      ward: { code: cig.ward_code },
      formedOn: cig.formed_on,
      memberCount: members.length,
      members: members.map((m) => ({
        id: m.id,
        role: m.role,
        joinedOn: m.joined_on,
        leftOn: null,
        savingsBalance: balances.find((b) => b.membership_id === m.id)?.total ?? 0,
        worker: { id: m.worker_id, name: names.find((n) => n.id === m.worker_id).name },
      })),
      bankLinkage: {
        bankName: linkage.bank_name,
        branchIfsc: linkage.branch_ifsc,
        accountLast4: linkage.account_last4,
        linkedOn: linkage.linked_on,
        source: { agency: 'mepma', recordId: linkage.id },
      },
      totalSavings: total,
      savings: recent.map((d) => ({ id: d.id, worker: { id: d.worker_id }, amount: d.amount, depositedOn: d.deposited_on })),
      loans: loans.map((l) => ({ id: l.id, lender: l.lender, amount: l.amount, sanctionedOn: l.sanctioned_on, purpose: l.purpose, status: l.status })),
      source: { agency: 'mepma', system: cig.source_system, recordId: cigId },
    });
  });

  test('members who left appear only when former members are asked for', async () => {
    const [former] = await sql(`select cig_id, worker_id, left_on from cig_membership where left_on is not null order by id limit 1`);
    const [{ n: active }] = await sql(`select count(*)::int as n from cig_membership where cig_id = ? and left_on is null`, [former.cig_id]);
    const current = await graphql(url, CIG_DETAIL, { id: former.cig_id });
    expect(current.data.cig.memberCount).toBe(active);
    expect(current.data.cig.members.map((m: any) => m.worker.id)).not.toContain(former.worker_id);
    const all = await graphql(url, CIG_DETAIL, { id: former.cig_id, former: true });
    expect(all.data.cig.members).toHaveLength(active + 1);
    expect(all.data.cig.members.find((m: any) => m.worker.id === former.worker_id).leftOn).toBe(former.left_on);
  });

  test('a CIG not yet linked to a bank has no linkage, savings or loans', async () => {
    const [{ id }] = await sql(`select id from cig where id not in (select cig_id from bank_linkage) order by id limit 1`);
    const res = await graphql(url, CIG_DETAIL, { id });
    expect(res.data.cig).toMatchObject({ bankLinkage: null, totalSavings: 0, savings: [], loans: [] });
  });

  test('an unknown CIG id is NOT_FOUND and a malformed one BAD_USER_INPUT', async () => {
    const unknown = await graphql(url, `{ cig(id: "CIG-999999") { id } }`);
    expect(unknown.data.cig).toBeNull();
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    const malformed = await graphql(url, `{ cig(id: "W-0000001") { id } }`);
    expect(errorCodes(malformed)).toEqual(['BAD_USER_INPUT']);
    const [{ id }] = await sql(`select id from cig order by id limit 1`);
    const tooMany = await graphql(url, `query($id: ID!) { cig(id: $id) { savings(first: 101) { id } } }`, { id });
    expect(errorCodes(tooMany)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('paging through CIGs', () => {
  const PAGE = `query($filter: CigFilter, $first: Int, $after: String) {
    cigs(filter: $filter, first: $first, after: $after) {
      totalCount edges { cursor node { id city { code } ward { code } occupation workLocationKind } } pageInfo { hasNextPage endCursor }
    } }`;

  test('pages of a filtered list cover every match exactly once, in id order', async () => {
    const [{ city_code: city, work_location_kind: kind }] = await sql(
      `select city_code, work_location_kind from cig group by 1, 2 order by count(*) desc limit 1`,
    );
    const expected = (await sql(`select id from cig where city_code = ? and work_location_kind = ? order by id`, [city, kind])).map((r) => r.id);
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const res: any = await graphql(url, PAGE, { filter: { city, workLocationKind: kind }, first: 4, after });
      expect(res.errors).toBeUndefined();
      expect(res.data.cigs.totalCount).toBe(expected.length);
      for (const edge of res.data.cigs.edges) {
        expect(edge.node).toMatchObject({ city: { code: city }, workLocationKind: kind });
        seen.push(edge.node.id);
      }
      after = res.data.cigs.pageInfo.hasNextPage ? res.data.cigs.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(expected);
  });

  test('filtering by ward and occupation, and an empty result', async () => {
    const [{ ward_code: ward, occupation, n }] = await sql(
      `select ward_code, occupation, count(*)::int as n from cig group by 1, 2 order by n desc, 1 limit 1`,
    );
    const res = await graphql(url, PAGE, { filter: { ward, occupation }, first: 100 });
    expect(res.data.cigs.totalCount).toBe(n);
    expect(res.data.cigs.edges.every((e: any) => e.node.ward.code === ward && e.node.occupation === occupation)).toBe(true);
    const nothing = await graphql(url, PAGE, { filter: { occupation: 'HOME_BASED' }, first: 5 });
    expect(nothing.data.cigs).toEqual({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  test('first out of range, a forged cursor, an unknown city and a ward of another city are refused', async () => {
    for (const first of [0, 101]) expect(errorCodes(await graphql(url, PAGE, { first }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await graphql(url, PAGE, { after: 'not-a-cursor' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await graphql(url, PAGE, { filter: { city: 'XYZ' } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await graphql(url, PAGE, { filter: { city: 'VJA', ward: 'GVMC-W03' } }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('what a roster costs', () => {
  function perTable(statements: string[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const statement of statements) counts[tableOf(statement)] = (counts[tableOf(statement)] ?? 0) + 1;
    return counts;
  }

  test("a roster of 100 workers with their CIGs costs MEPMA one statement per table", async () => {
    let res: any;
    const counts = await countStatements(stack, async () => {
      res = await graphql(url, `{ workers(first: 100) { edges { node { name cigMemberships {
        role savingsBalance cig { name bankLinkage { bankName } totalSavings loans { amount status } } } } } } }`);
    });
    expect(res.errors).toBeUndefined();
    expect(res.data.workers.edges).toHaveLength(100);
    expect(res.data.workers.edges.every((e: any) => e.node.cigMemberships.length > 0)).toBe(true);
    const tables = perTable(counts.mepma.statements);
    expect(Object.keys(tables).sort()).toEqual(['bank_linkage', 'cig', 'cig_membership', 'credit_linkage', 'savings_deposit']);
    expect(Object.values(tables).every((n) => n === 1)).toBe(true);
  });

  test('a page of 100 CIGs with members, bank linkage, savings totals and loans: one statement per table', async () => {
    let res: any;
    const counts = await countStatements(stack, async () => {
      res = await graphql(url, `{ cigs(first: 100) { edges { node { id memberCount
        members { role savingsBalance worker { name } } bankLinkage { bankName } totalSavings loans { amount } } } } }`);
    });
    expect(res.errors).toBeUndefined();
    expect(res.data.cigs.edges).toHaveLength(100);
    expect(perTable(counts.mepma.statements)).toEqual({ cig: 1, cig_membership: 1, bank_linkage: 1, savings_deposit: 1, credit_linkage: 1 });
  });

  test("every CIG's latest deposits on a page cost one statement", async () => {
    let res: any;
    const counts = await countStatements(stack, async () => {
      res = await graphql(url, `{ cigs(first: 100) { edges { node { savings(first: 2) { amount depositedOn } } } } }`);
    });
    const [{ n: shown }] = await sql(`select sum(least(n, 2))::int as n from (select count(*) as n from savings_deposit group by cig_id) per_cig`);
    expect(res.data.cigs.edges.reduce((sum: number, e: any) => sum + e.node.savings.length, 0)).toBe(shown);
    expect(perTable(counts.mepma.statements)).toEqual({ cig: 1, savings_deposit: 1 });
  });
});

describe('forming a CIG and keeping its books', () => {
  let registrations = 0;

  /** Registers a worker with Labour who belongs to no CIG yet. */
  async function newWorker(): Promise<string> {
    registrations += 1;
    const res = await graphql(url, `mutation($input: RegisterWorkerInput!) { registerWorker(input: $input) { id } }`, {
      input: {
        name: 'Bandaru Rambabu',
        gender: 'MALE',
        dateOfBirth: '1985-08-15',
        phone: `77001${String(registrations).padStart(5, '0')}`,
        idReferenceToken: `ADV-MEPMA-${String(registrations).padStart(4, '0')}`,
        idLast4: '5678',
        occupation: 'TRANSPORT',
        city: 'VJA',
        ward: 'VJA-W05',
        registeredOn: '2025-05-01',
      },
    });
    expect(res.errors).toBeUndefined();
    return res.data.registerWorker.id;
  }

  const FORM = `mutation($input: FormCigInput!) { formCig(input: $input) {
    id name workLocation workLocationKind city { code } ward { code } formedOn memberCount members { role joinedOn worker { id } } source { agency system recordedBy } } }`;
  const ADD = `mutation($input: AddCigMemberInput!) { addCigMember(input: $input) { id role joinedOn leftOn cig { id } worker { id } } }`;
  const REMOVE = `mutation($input: RemoveCigMemberInput!) { removeCigMember(input: $input) { id role leftOn source { updatedBy } } }`;
  const SAVE = `mutation($input: RecordSavingsInput!) { recordSavings(input: $input) { id amount depositedOn worker { id } source { agency } } }`;
  const LINK = `mutation($input: LinkBankAccountInput!) { linkBankAccount(input: $input) { bankName branchIfsc accountLast4 linkedOn } }`;
  const LOAN = `mutation($input: RecordCreditLinkageInput!) { recordCreditLinkage(input: $input) { id lender amount status sanctionedOn } }`;

  function cigInput(members: { workerId: string; role: string }[], overrides: Record<string, unknown> = {}) {
    return {
      name: 'Patamata Auto Drivers CIG',
      occupation: 'TRANSPORT',
      workLocation: 'Patamata Auto Stand',
      workLocationKind: 'AUTO_STAND',
      city: 'VJA',
      ward: 'VJA-W05',
      formedOn: '2025-06-01',
      members,
      ...overrides,
    };
  }

  /** Sends a mutation that must fail with `code`, and checks that nothing was written. */
  async function refused(mutation: string, input: unknown, code: string): Promise<string> {
    const before = await rowCounts();
    const res = await graphql(url, mutation, { input });
    expect(errorCodes(res)).toEqual([code]);
    expect(await rowCounts()).toEqual(before);
    return res.errors![0].message;
  }

  let cigId: string;
  let president: string;
  let secretary: string;
  let member: string;
  let treasurer: string;
  let newcomer: string;

  test('three auto drivers form a CIG at their stand, and it shows on their worker record', async () => {
    [president, secretary, member, treasurer, newcomer] = [await newWorker(), await newWorker(), await newWorker(), await newWorker(), await newWorker()];
    const res = await graphql(url, FORM, {
      input: cigInput([{ workerId: president, role: 'PRESIDENT' }, { workerId: secretary, role: 'SECRETARY' }, { workerId: member, role: 'MEMBER' }]),
    });
    expect(res.errors).toBeUndefined();
    const cig = res.data.formCig;
    cigId = cig.id;
    expect(cig).toMatchObject({
      workLocation: 'Patamata Auto Stand', workLocationKind: 'AUTO_STAND', city: { code: 'VJA' }, ward: { code: 'VJA-W05' }, memberCount: 3,
      source: { agency: 'mepma', system: 'Worker Graph', recordedBy: 'worker-graph' },
    });
    expect(cig.members).toEqual([
      { role: 'PRESIDENT', joinedOn: '2025-06-01', worker: { id: president } },
      { role: 'SECRETARY', joinedOn: '2025-06-01', worker: { id: secretary } },
      { role: 'MEMBER', joinedOn: '2025-06-01', worker: { id: member } },
    ]);
    const [{ last_demo_id: lastDemoId }] = await sql(`select max(id) as last_demo_id from cig where recorded_by = 'mepma-demo-import'`);
    expect(cigId > lastDemoId).toBe(true);
    const rows = await sql(`select worker_id, role from cig_membership where cig_id = ? order by id`, [cigId]);
    expect(rows).toEqual([
      { worker_id: president, role: 'PRESIDENT' }, { worker_id: secretary, role: 'SECRETARY' }, { worker_id: member, role: 'MEMBER' },
    ]);
    const worker = await graphql(url, `query($id: ID!) { worker(id: $id) { name cigMemberships { role cig { id workLocation } } } }`, { id: president });
    expect(worker.data.worker).toEqual({ name: 'Bandaru Rambabu', cigMemberships: [{ role: 'PRESIDENT', cig: { id: cigId, workLocation: 'Patamata Auto Stand' } }] });
  });

  test.each([
    ['a worker who is an active member of another CIG', 'ACTIVE_ELSEWHERE', {}, 'CONFLICT'],
    ['two presidents', 'TWO_PRESIDENTS', {}, 'BAD_USER_INPUT'],
    ['the same worker twice', 'TWICE', {}, 'BAD_USER_INPUT'],
    ['a single member', 'ALONE', {}, 'BAD_USER_INPUT'],
    ['a worker Labour does not know', 'UNKNOWN', {}, 'NOT_FOUND'],
    ['a malformed worker id', 'MALFORMED', {}, 'BAD_USER_INPUT'],
    ['a formation date in the future', 'FINE', { formedOn: daysFromToday(2) }, 'BAD_USER_INPUT'],
    ['a ward of another city', 'FINE', { ward: 'GVMC-W03' }, 'BAD_USER_INPUT'],
    ['an empty name', 'FINE', { name: '  ' }, 'BAD_USER_INPUT'],
  ])('forming a CIG with %s is refused and writes nothing', async (_, members, overrides, code) => {
    const [{ worker_id: demoMember }] = await sql(`select worker_id from cig_membership where left_on is null order by id limit 1`);
    const free = await newWorker();
    const lists: Record<string, { workerId: string; role: string }[]> = {
      FINE: [{ workerId: free, role: 'PRESIDENT' }, { workerId: newcomer, role: 'MEMBER' }],
      ACTIVE_ELSEWHERE: [{ workerId: free, role: 'PRESIDENT' }, { workerId: demoMember, role: 'MEMBER' }],
      TWO_PRESIDENTS: [{ workerId: free, role: 'PRESIDENT' }, { workerId: newcomer, role: 'PRESIDENT' }],
      TWICE: [{ workerId: free, role: 'PRESIDENT' }, { workerId: free, role: 'MEMBER' }],
      ALONE: [{ workerId: free, role: 'PRESIDENT' }],
      UNKNOWN: [{ workerId: free, role: 'PRESIDENT' }, { workerId: 'W-9999999', role: 'MEMBER' }],
      MALFORMED: [{ workerId: free, role: 'PRESIDENT' }, { workerId: '42', role: 'MEMBER' }],
    };
    const message = await refused(FORM, cigInput(lists[members], overrides), code);
    if (code === 'CONFLICT') expect(message).toContain(demoMember);
  });

  test('a treasurer joins later; the same worker twice, a taken office or a date before formation are refused', async () => {
    const res = await graphql(url, ADD, { input: { cigId, workerId: treasurer, role: 'TREASURER', joinedOn: '2025-07-01' } });
    expect(res.errors).toBeUndefined();
    expect(res.data.addCigMember).toMatchObject({ role: 'TREASURER', joinedOn: '2025-07-01', leftOn: null, cig: { id: cigId }, worker: { id: treasurer } });

    const again = await refused(ADD, { cigId, workerId: treasurer, role: 'MEMBER', joinedOn: '2025-07-02' }, 'CONFLICT');
    expect(again).toContain('already a member');
    const office = await refused(ADD, { cigId, workerId: newcomer, role: 'PRESIDENT', joinedOn: '2025-07-02' }, 'CONFLICT');
    expect(office).toContain(president);
    await refused(ADD, { cigId, workerId: newcomer, role: 'MEMBER', joinedOn: '2025-05-31' }, 'BAD_USER_INPUT');
    await refused(ADD, { cigId, workerId: newcomer, role: 'MEMBER', joinedOn: daysFromToday(2) }, 'BAD_USER_INPUT');
    await refused(ADD, { cigId: 'CIG-999999', workerId: newcomer, role: 'MEMBER', joinedOn: '2025-07-02' }, 'NOT_FOUND');
    await refused(ADD, { cigId: 'CIG-12', workerId: newcomer, role: 'MEMBER', joinedOn: '2025-07-02' }, 'BAD_USER_INPUT');
    await refused(ADD, { cigId, workerId: 'W-9999999', role: 'MEMBER', joinedOn: '2025-07-02' }, 'NOT_FOUND');
  });

  test('savings wait for a bank account; the account is linked once', async () => {
    const early = await refused(SAVE, { cigId, workerId: president, amount: 200, depositedOn: '2025-06-15' }, 'BAD_USER_INPUT');
    expect(early).toMatch(/bank account/);
    const account = { cigId, bankName: 'Union Bank of India', branchIfsc: 'ubin0812345', accountLast4: '0042', linkedOn: '2025-06-20' };
    await refused(LINK, { ...account, branchIfsc: 'UBIN1812345' }, 'BAD_USER_INPUT');
    await refused(LINK, { ...account, accountLast4: '42' }, 'BAD_USER_INPUT');
    await refused(LINK, { ...account, linkedOn: '2025-05-01' }, 'BAD_USER_INPUT');
    await refused(LINK, { ...account, cigId: 'CIG-999999' }, 'NOT_FOUND');

    const res = await graphql(url, LINK, { input: account });
    expect(res.errors).toBeUndefined();
    expect(res.data.linkBankAccount).toEqual({ bankName: 'Union Bank of India', branchIfsc: 'UBIN0812345', accountLast4: '0042', linkedOn: '2025-06-20' });
    await refused(LINK, { ...account, bankName: 'Indian Bank', branchIfsc: 'IDIB000V001' }, 'CONFLICT');
  });

  test('members deposit savings; the balance and the group total follow', async () => {
    for (const [workerId, amount, depositedOn] of [[president, 300, '2025-07-20'], [president, 200, '2025-08-20'], [secretary, 500, '2025-07-20']] as const) {
      const res = await graphql(url, SAVE, { input: { cigId, workerId, amount, depositedOn } });
      expect(res.errors).toBeUndefined();
      expect(res.data.recordSavings).toMatchObject({ amount, depositedOn, worker: { id: workerId }, source: { agency: 'mepma' } });
    }
    await refused(SAVE, { cigId, workerId: president, amount: 0, depositedOn: '2025-08-21' }, 'BAD_USER_INPUT');
    await refused(SAVE, { cigId, workerId: president, amount: 100_001, depositedOn: '2025-08-21' }, 'BAD_USER_INPUT');
    await refused(SAVE, { cigId, workerId: president, amount: 100, depositedOn: daysFromToday(2) }, 'BAD_USER_INPUT');
    await refused(SAVE, { cigId, workerId: president, amount: 100, depositedOn: '2025-06-19' }, 'BAD_USER_INPUT');
    await refused(SAVE, { cigId, workerId: treasurer, amount: 100, depositedOn: '2025-06-25' }, 'BAD_USER_INPUT');
    await refused(SAVE, { cigId, workerId: newcomer, amount: 100, depositedOn: '2025-08-21' }, 'NOT_FOUND');

    const res = await graphql(url, `query($id: ID!) { cig(id: $id) { totalSavings savings(first: 2) { amount depositedOn } members { worker { id } savingsBalance } } }`, { id: cigId });
    const [{ total }] = await sql(`select sum(amount)::int as total from savings_deposit where cig_id = ?`, [cigId]);
    expect(res.data.cig.totalSavings).toBe(total);
    expect(total).toBe(1000);
    expect(res.data.cig.savings).toEqual([{ amount: 200, depositedOn: '2025-08-20' }, { amount: 500, depositedOn: '2025-07-20' }]);
    expect(res.data.cig.members.map((m: any) => [m.worker.id, m.savingsBalance])).toEqual([
      [president, 500], [secretary, 500], [member, 0], [treasurer, 0],
    ]);
  });

  test('a loan is recorded for a bank-linked CIG only, up to ten lakh', async () => {
    const loan = { cigId, lender: 'Union Bank of India', amount: 200_000, sanctionedOn: '2025-09-10', purpose: 'Down payment on electric autos' };
    const res = await graphql(url, LOAN, { input: loan });
    expect(res.errors).toBeUndefined();
    expect(res.data.recordCreditLinkage).toMatchObject({ lender: 'Union Bank of India', amount: 200_000, status: 'SANCTIONED' });
    const [row] = await sql(`select cig_id, amount, status from credit_linkage where id = ?`, [res.data.recordCreditLinkage.id]);
    expect(row).toEqual({ cig_id: cigId, amount: 200_000, status: 'SANCTIONED' });

    await refused(LOAN, { ...loan, amount: 1_000_001 }, 'BAD_USER_INPUT');
    await refused(LOAN, { ...loan, sanctionedOn: '2025-06-01' }, 'BAD_USER_INPUT');
    await refused(LOAN, { ...loan, purpose: '' }, 'BAD_USER_INPUT');
    const [{ id: unlinked }] = await sql(`select id from cig where id not in (select cig_id from bank_linkage) order by id limit 1`);
    await refused(LOAN, { ...loan, cigId: unlinked }, 'BAD_USER_INPUT');
  });

  test('a member leaves: the membership stays as history and the worker may form another CIG', async () => {
    await refused(REMOVE, { cigId, workerId: member, leftOn: '2025-05-01' }, 'BAD_USER_INPUT');
    await refused(REMOVE, { cigId, workerId: newcomer, leftOn: '2025-09-01' }, 'NOT_FOUND');
    const res = await graphql(url, REMOVE, { input: { cigId, workerId: member, leftOn: '2025-09-01' } });
    expect(res.errors).toBeUndefined();
    expect(res.data.removeCigMember).toMatchObject({ role: 'MEMBER', leftOn: '2025-09-01', source: { updatedBy: 'worker-graph' } });
    await refused(REMOVE, { cigId, workerId: member, leftOn: '2025-09-02' }, 'NOT_FOUND');

    const cig = await graphql(url, `query($id: ID!) { cig(id: $id) { memberCount members { worker { id } } all: members(includeFormer: true) { worker { id } leftOn } } }`, { id: cigId });
    expect(cig.data.cig.memberCount).toBe(3);
    expect(cig.data.cig.members.map((m: any) => m.worker.id)).not.toContain(member);
    expect(cig.data.cig.all.find((m: any) => m.worker.id === member).leftOn).toBe('2025-09-01');

    const next = await graphql(url, FORM, {
      input: cigInput([{ workerId: member, role: 'PRESIDENT' }, { workerId: newcomer, role: 'TREASURER' }], { name: 'Benz Circle Auto Drivers CIG', workLocation: 'Benz Circle Auto Stand', formedOn: '2025-10-01' }),
    });
    expect(next.errors).toBeUndefined();
    const worker = await graphql(url, `query($id: ID!) { worker(id: $id) { cigMemberships { role joinedOn leftOn cig { id } } } }`, { id: member });
    expect(worker.data.worker.cigMemberships).toEqual([
      { role: 'PRESIDENT', joinedOn: '2025-10-01', leftOn: null, cig: { id: next.data.formCig.id } },
      { role: 'MEMBER', joinedOn: '2025-06-01', leftOn: '2025-09-01', cig: { id: cigId } },
    ]);
  });
});
