/**
 * MEPMA through the real gateway: Common Interest Groups with their members (whom Labour names),
 * bank linkage, savings and loans; forming groups and keeping their books; what bad input gets
 * back (with nothing written); and what a roster costs in SQL. For the single window: workers' own
 * savings accounts, MEPMA's facts against its own rows, and CRPs' follow-up visits.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Caller } from '../src/shared/access/caller';
import { policiesIn } from '../src/shared/access/policy';
import { OCCUPATIONS } from '../src/shared/reference';
import { declaredFacts, decodeFact, encodedFact } from '../src/shared/facts';
import { mepma } from '../subgraphs/mepma';
import { createLoaders } from '../subgraphs/mepma/loaders';
import { factQueries } from '../subgraphs/mepma/statistics';
import { countStatements, expectAppendOnly, errorCodes, everyPage, expectHiddenLikeUnknown, startTestStack, statementsPerTable, tableOf, type CallerSpec, type TestStack } from './support/stack';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack('mepma', { as: { agency: 'mepma' } });
});
afterAll(() => stack?.stop());

async function sql<T = any>(query: string, params: unknown[] = []): Promise<T[]> {
  return stack.subgraphs.get('mepma')!.database.orm.em.getConnection().execute(query, params);
}

async function labourSql<T = any>(query: string, params: unknown[] = []): Promise<T[]> {
  return stack.subgraphs.get('labour')!.database.orm.em.getConnection().execute(query, params);
}

const TABLES = ['cig', 'cig_membership', 'bank_linkage', 'savings_deposit', 'credit_linkage', 'savings_account', 'visit'];

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
    const res = await stack.query(`{ worker(id: "W-0000007") { id name cigMemberships { role joinedOn cig { id name occupation workLocation } } } }`);
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

    const res = await stack.query(CIG_DETAIL, { id: cigId });
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
    const current = await stack.query(CIG_DETAIL, { id: former.cig_id });
    expect(current.data.cig.memberCount).toBe(active);
    expect(current.data.cig.members.map((m: any) => m.worker.id)).not.toContain(former.worker_id);
    const all = await stack.query(CIG_DETAIL, { id: former.cig_id, former: true });
    expect(all.data.cig.members).toHaveLength(active + 1);
    expect(all.data.cig.members.find((m: any) => m.worker.id === former.worker_id).leftOn).toBe(former.left_on);
  });

  test('a CIG not yet linked to a bank has no linkage, savings or loans', async () => {
    const [{ id }] = await sql(`select id from cig where id not in (select cig_id from bank_linkage) order by id limit 1`);
    const res = await stack.query(CIG_DETAIL, { id });
    expect(res.data.cig).toMatchObject({ bankLinkage: null, totalSavings: 0, savings: [], loans: [] });
  });

  test('an unknown CIG id is NOT_FOUND and a malformed one BAD_USER_INPUT', async () => {
    const unknown = await stack.query(`{ cig(id: "CIG-999999") { id } }`);
    expect(unknown.data.cig).toBeNull();
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    const malformed = await stack.query(`{ cig(id: "W-0000001") { id } }`);
    expect(errorCodes(malformed)).toEqual(['BAD_USER_INPUT']);
    const [{ id }] = await sql(`select id from cig order by id limit 1`);
    const tooMany = await stack.query(`query($id: ID!) { cig(id: $id) { savings(first: 101) { id } } }`, { id });
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
    const { nodes, totals } = await everyPage(stack, PAGE, 'cigs', { filter: { city, workLocationKind: kind }, first: 4 });
    expect(totals).toEqual([expected.length]);
    for (const node of nodes) expect(node).toMatchObject({ city: { code: city }, workLocationKind: kind });
    expect(nodes.map((node) => node.id)).toEqual(expected);
  });

  test('filtering by ward and occupation, and an empty result', async () => {
    const [{ ward_code: ward, occupation, n }] = await sql(
      `select ward_code, occupation, count(*)::int as n from cig group by 1, 2 order by n desc, 1 limit 1`,
    );
    const res = await stack.query(PAGE, { filter: { ward, occupation }, first: 100 });
    expect(res.data.cigs.totalCount).toBe(n);
    expect(res.data.cigs.edges.every((e: any) => e.node.ward.code === ward && e.node.occupation === occupation)).toBe(true);
    const [{ occupation: absent }] = await sql(
      `select o as occupation from (values ${OCCUPATIONS.map(() => '(?)').join(', ')}) as every(o)
       where o not in (select occupation from cig where ward_code = ?) limit 1`,
      [...OCCUPATIONS, ward],
    );
    const nothing = await stack.query(PAGE, { filter: { ward, occupation: absent }, first: 5 });
    expect(nothing.data.cigs).toEqual({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  test('first out of range, a forged cursor, an unknown city and a ward of another city are refused', async () => {
    for (const first of [0, 101]) expect(errorCodes(await stack.query(PAGE, { first }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await stack.query(PAGE, { after: 'not-a-cursor' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await stack.query(PAGE, { filter: { city: 'XYZ' } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await stack.query(PAGE, { filter: { city: 'VJA', ward: 'GVMC-W03' } }))).toEqual(['BAD_USER_INPUT']);
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
      res = await stack.query(`{ workers(first: 100) { edges { node { name cigMemberships {
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
      res = await stack.query(`{ cigs(first: 100) { edges { node { id memberCount
        members { role savingsBalance worker { name } } bankLinkage { bankName } totalSavings loans { amount } } } } }`);
    });
    expect(res.errors).toBeUndefined();
    expect(res.data.cigs.edges).toHaveLength(100);
    expect(perTable(counts.mepma.statements)).toEqual({ cig: 1, cig_membership: 1, bank_linkage: 1, savings_deposit: 1, credit_linkage: 1 });
  });

  test("every CIG's latest deposits on a page cost one statement", async () => {
    let res: any;
    const counts = await countStatements(stack, async () => {
      res = await stack.query(`{ cigs(first: 100) { edges { node { savings(first: 2) { amount depositedOn } } } } }`);
    });
    // The page's CIGs only (the first 100 by id): CIGs other tests form lie beyond it.
    const [{ n: shown }] = await sql(`select coalesce(sum(least(n, 2)), 0)::int as n from (select count(*) as n from savings_deposit
      where cig_id in (select id from cig order by id limit 100) group by cig_id) per_cig`);
    expect(res.data.cigs.edges.reduce((sum: number, e: any) => sum + e.node.savings.length, 0)).toBe(shown);
    expect(perTable(counts.mepma.statements)).toEqual({ cig: 1, savings_deposit: 1 });
  });
});

let registrations = 0;

/** Registers a worker with Labour who belongs to no CIG yet. */
async function newWorker(city = 'VJA'): Promise<string> {
  registrations += 1;
  // Labour registers workers; MEPMA's officers only organise them.
  const res = await stack.query(`mutation($input: RegisterWorkerInput!) { registerWorker(input: $input) { id } }`, {
    input: {
      name: 'Bandaru Rambabu',
      gender: 'MALE',
      dateOfBirth: '1985-08-15',
      phone: `77001${String(registrations).padStart(5, '0')}`,
      idReferenceToken: `ADV-MEPMA-${String(registrations).padStart(4, '0')}`,
      idLast4: '5678',
      occupation: 'TRANSPORT',
      city,
      ward: `${city}-W05`,
      registeredOn: '2025-05-01',
    },
  }, { agency: 'labour' });
  expect(res.errors).toBeUndefined();
  return res.data.registerWorker.id;
}

describe('forming a CIG and keeping its books', () => {

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
    const res = await stack.query(mutation, { input });
    expect(errorCodes(res)).toEqual([code]);
    expect(await rowCounts()).toEqual(before);
    return res.errors![0].message;
  }

  // Each test below forms the CIG it needs and keeps its own books, so that any one of them can
  // run alone or in any order (jest -t, --randomize).

  /** A CIG of three auto drivers formed on 2025-06-01: a president, a secretary and a member. */
  async function formedCig(): Promise<{ cigId: string; president: string; secretary: string; member: string }> {
    const [president, secretary, member] = [await newWorker(), await newWorker(), await newWorker()];
    const res = await stack.query(FORM, {
      input: cigInput([{ workerId: president, role: 'PRESIDENT' }, { workerId: secretary, role: 'SECRETARY' }, { workerId: member, role: 'MEMBER' }]),
    });
    expect(res.errors).toBeUndefined();
    return { cigId: res.data.formCig.id, president, secretary, member };
  }

  /** A treasurer who joined the CIG on 2025-07-01. */
  async function joinedTreasurer(cigId: string): Promise<string> {
    const treasurer = await newWorker();
    const res = await stack.query(ADD, { input: { cigId, workerId: treasurer, role: 'TREASURER', joinedOn: '2025-07-01' } });
    expect(res.errors).toBeUndefined();
    return treasurer;
  }

  /** The CIG's bank account, linked on 2025-06-20. */
  const accountOf = (cigId: string) => ({ cigId, bankName: 'Union Bank of India', branchIfsc: 'ubin0812345', accountLast4: '0042', linkedOn: '2025-06-20' });
  async function linkedAccount(cigId: string): Promise<void> {
    const res = await stack.query(LINK, { input: accountOf(cigId) });
    expect(res.errors).toBeUndefined();
  }

  test('three auto drivers form a CIG at their stand, and it shows on their worker record', async () => {
    const [president, secretary, member] = [await newWorker(), await newWorker(), await newWorker()];
    const res = await stack.query(FORM, {
      input: cigInput([{ workerId: president, role: 'PRESIDENT' }, { workerId: secretary, role: 'SECRETARY' }, { workerId: member, role: 'MEMBER' }]),
    });
    expect(res.errors).toBeUndefined();
    const cig = res.data.formCig;
    const cigId = cig.id;
    expect(cig).toMatchObject({
      workLocation: 'Patamata Auto Stand', workLocationKind: 'AUTO_STAND', city: { code: 'VJA' }, ward: { code: 'VJA-W05' }, memberCount: 3,
      source: { agency: 'mepma', system: 'Worker Graph', recordedBy: 'mepma:mepma-tester' },
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
    const worker = await stack.query(`query($id: ID!) { worker(id: $id) { name cigMemberships { role cig { id workLocation } } } }`, { id: president });
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
    const [free, newcomer] = [await newWorker(), await newWorker()];
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
    const { cigId, president } = await formedCig();
    const [treasurer, newcomer] = [await newWorker(), await newWorker()];
    const res = await stack.query(ADD, { input: { cigId, workerId: treasurer, role: 'TREASURER', joinedOn: '2025-07-01' } });
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
    const { cigId, president } = await formedCig();
    const early = await refused(SAVE, { cigId, workerId: president, amount: 200, depositedOn: '2025-06-15' }, 'BAD_USER_INPUT');
    expect(early).toMatch(/bank account/);
    const account = accountOf(cigId);
    await refused(LINK, { ...account, branchIfsc: 'UBIN1812345' }, 'BAD_USER_INPUT');
    await refused(LINK, { ...account, accountLast4: '42' }, 'BAD_USER_INPUT');
    await refused(LINK, { ...account, linkedOn: '2025-05-01' }, 'BAD_USER_INPUT');
    await refused(LINK, { ...account, cigId: 'CIG-999999' }, 'NOT_FOUND');

    const res = await stack.query(LINK, { input: account });
    expect(res.errors).toBeUndefined();
    expect(res.data.linkBankAccount).toEqual({ bankName: 'Union Bank of India', branchIfsc: 'UBIN0812345', accountLast4: '0042', linkedOn: '2025-06-20' });
    await refused(LINK, { ...account, bankName: 'Indian Bank', branchIfsc: 'IDIB000V001' }, 'CONFLICT');
  });

  test('members deposit savings; the balance and the group total follow', async () => {
    const { cigId, president, secretary, member } = await formedCig();
    const treasurer = await joinedTreasurer(cigId);
    const newcomer = await newWorker();
    await linkedAccount(cigId);
    for (const [workerId, amount, depositedOn] of [[president, 300, '2025-07-20'], [president, 200, '2025-08-20'], [secretary, 500, '2025-07-20']] as const) {
      const res = await stack.query(SAVE, { input: { cigId, workerId, amount, depositedOn } });
      expect(res.errors).toBeUndefined();
      expect(res.data.recordSavings).toMatchObject({ amount, depositedOn, worker: { id: workerId }, source: { agency: 'mepma' } });
    }
    await refused(SAVE, { cigId, workerId: president, amount: 0, depositedOn: '2025-08-21' }, 'BAD_USER_INPUT');
    await refused(SAVE, { cigId, workerId: president, amount: 100_001, depositedOn: '2025-08-21' }, 'BAD_USER_INPUT');
    await refused(SAVE, { cigId, workerId: president, amount: 100, depositedOn: daysFromToday(2) }, 'BAD_USER_INPUT');
    await refused(SAVE, { cigId, workerId: president, amount: 100, depositedOn: '2025-06-19' }, 'BAD_USER_INPUT');
    await refused(SAVE, { cigId, workerId: treasurer, amount: 100, depositedOn: '2025-06-25' }, 'BAD_USER_INPUT');
    await refused(SAVE, { cigId, workerId: newcomer, amount: 100, depositedOn: '2025-08-21' }, 'NOT_FOUND');

    const res = await stack.query(`query($id: ID!) { cig(id: $id) { totalSavings savings(first: 2) { amount depositedOn } members { worker { id } savingsBalance } } }`, { id: cigId });
    const [{ total }] = await sql(`select sum(amount)::int as total from savings_deposit where cig_id = ?`, [cigId]);
    expect(res.data.cig.totalSavings).toBe(total);
    expect(total).toBe(1000);
    expect(res.data.cig.savings).toEqual([{ amount: 200, depositedOn: '2025-08-20' }, { amount: 500, depositedOn: '2025-07-20' }]);
    expect(res.data.cig.members.map((m: any) => [m.worker.id, m.savingsBalance])).toEqual([
      [president, 500], [secretary, 500], [member, 0], [treasurer, 0],
    ]);
  });

  test('a loan is recorded for a bank-linked CIG only, up to ten lakh', async () => {
    const { cigId } = await formedCig();
    await linkedAccount(cigId);
    const loan = { cigId, lender: 'Union Bank of India', amount: 200_000, sanctionedOn: '2025-09-10', purpose: 'Down payment on electric autos' };
    const res = await stack.query(LOAN, { input: loan });
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
    const { cigId, member } = await formedCig();
    await joinedTreasurer(cigId);
    const newcomer = await newWorker();
    await refused(REMOVE, { cigId, workerId: member, leftOn: '2025-05-01' }, 'BAD_USER_INPUT');
    await refused(REMOVE, { cigId, workerId: newcomer, leftOn: '2025-09-01' }, 'NOT_FOUND');
    const res = await stack.query(REMOVE, { input: { cigId, workerId: member, leftOn: '2025-09-01' } });
    expect(res.errors).toBeUndefined();
    expect(res.data.removeCigMember).toMatchObject({ role: 'MEMBER', leftOn: '2025-09-01', source: { updatedBy: 'mepma:mepma-tester' } });
    await refused(REMOVE, { cigId, workerId: member, leftOn: '2025-09-02' }, 'NOT_FOUND');

    const cig = await stack.query(`query($id: ID!) { cig(id: $id) { memberCount members { worker { id } } all: members(includeFormer: true) { worker { id } leftOn } } }`, { id: cigId });
    expect(cig.data.cig.memberCount).toBe(3);
    expect(cig.data.cig.members.map((m: any) => m.worker.id)).not.toContain(member);
    expect(cig.data.cig.all.find((m: any) => m.worker.id === member).leftOn).toBe('2025-09-01');

    const next = await stack.query(FORM, {
      input: cigInput([{ workerId: member, role: 'PRESIDENT' }, { workerId: newcomer, role: 'TREASURER' }], { name: 'Benz Circle Auto Drivers CIG', workLocation: 'Benz Circle Auto Stand', formedOn: '2025-10-01' }),
    });
    expect(next.errors).toBeUndefined();
    const worker = await stack.query(`query($id: ID!) { worker(id: $id) { cigMemberships { role joinedOn leftOn cig { id } } } }`, { id: member });
    expect(worker.data.worker.cigMemberships).toEqual([
      { role: 'PRESIDENT', joinedOn: '2025-10-01', leftOn: null, cig: { id: next.data.formCig.id } },
      { role: 'MEMBER', joinedOn: '2025-06-01', leftOn: '2025-09-01', cig: { id: cigId } },
    ]);
  });
});

describe('access and jurisdiction', () => {
  const VJA_OFFICER: CallerSpec = { jurisdiction: 'city:VJA', subject: 'vja.co' };
  const AUDITOR: CallerSpec = { agency: 'labour', role: 'auditor', scopes: ['read'], purpose: 'Audit' };
  const CIGS = `query($filter: CigFilter, $after: String) { cigs(filter: $filter, first: 100, after: $after) {
    totalCount edges { node { id city { code } memberCount members { cig { city { code } } } } } pageInfo { hasNextPage endCursor } } }`;

  /** A CIG of `city` with a bank account and an active member, for writes about it. */
  async function bankedCig(city: string) {
    const [row] = await sql(`select c.id, m.worker_id from cig c join bank_linkage b on b.cig_id = c.id
      join cig_membership m on m.cig_id = c.id and m.left_on is null where c.city_code = ? order by c.id, m.id limit 1`, [city]);
    return { cigId: row.id as string, workerId: row.worker_id as string };
  }

  test.each([
    ['city:VJA', ['VJA']],
    ['district:NTR', ['VJA']],
    ['district:Visakhapatnam', ['GVMC']],
    ['state:AP', ['VJA', 'GVMC']],
  ])('a %s officer lists the CIGs of %j only, counts only those, and sees only their members', async (jurisdiction, cities) => {
    const caller = { jurisdiction };
    const everything = await everyPage(stack, CIGS, 'cigs', {}, caller);
    const rows = await sql(`select id from cig where city_code in (?) order by id`, [cities]);
    expect(rows.length).toBeGreaterThan(0);
    expect(everything.nodes.map((n) => n.id)).toEqual(rows.map((r) => r.id));
    expect(everything.totals).toEqual([rows.length]);
    const active = await sql(`select cig_id, count(*)::int as n from cig_membership where left_on is null group by cig_id`);
    for (const node of everything.nodes) {
      expect(cities).toContain(node.city.code);
      expect(node.memberCount).toBe(active.find((a) => a.cig_id === node.id)?.n ?? 0);
      for (const member of node.members) expect(member.cig.city.code).toBe(node.city.code);
    }
    // Filtering on a city outside the jurisdiction finds nothing, rather than an error that would confirm it.
    for (const city of ['VJA', 'GVMC']) {
      const [{ n }] = await sql(`select count(*)::int as n from cig where city_code = ?`, [city]);
      expect((await everyPage(stack, CIGS, 'cigs', { filter: { city } }, caller)).totals).toEqual([cities.includes(city) ? n : 0]);
    }
  });

  test('a city:VJA officer gets the same NOT_FOUND for a GVMC CIG as for one that does not exist; a state officer sees it', async () => {
    const [gvmc] = await sql(`select id from cig where city_code = 'GVMC' order by id limit 1`);
    const [vja] = await sql(`select id from cig where city_code = 'VJA' order by id limit 1`);
    const ONE = `query($id: ID!) { cig(id: $id) { id city { code } } }`;
    await expectHiddenLikeUnknown(stack, ONE, 'cig', { hidden: gvmc.id, unknown: 'CIG-999999' }, VJA_OFFICER);
    const own = await stack.query(ONE, { id: vja.id }, VJA_OFFICER);
    expect(own.data.cig).toEqual({ id: vja.id, city: { code: 'VJA' } });
    for (const jurisdiction of ['state:AP', 'district:Visakhapatnam']) {
      const state = await stack.query(ONE, { id: gvmc.id }, { jurisdiction });
      expect(state.errors).toBeUndefined();
      expect(state.data.cig).toEqual({ id: gvmc.id, city: { code: 'GVMC' } });
    }
  });

  test("a worker's memberships show a VJA officer only VJA CIGs, a state officer both cities'", async () => {
    // A VJA worker who once belonged to a GVMC group (a state-wide officer may arrange that).
    const [worker, gvmcPartner, vjaPartner] = [await newWorker('VJA'), await newWorker('GVMC'), await newWorker('VJA')];
    const FORM = `mutation($input: FormCigInput!) { formCig(input: $input) { id } }`;
    const formed = async (city: string, members: string[], formedOn: string) => {
      const res = await stack.query(FORM, { input: {
        name: `${city} Auto Drivers CIG`, occupation: 'TRANSPORT', workLocation: `${city} Auto Stand`, workLocationKind: 'AUTO_STAND',
        city, ward: `${city}-W05`, formedOn, members: members.map((workerId) => ({ workerId, role: 'MEMBER' })),
      } }, { jurisdiction: 'state:AP' });
      expect(res.errors).toBeUndefined();
      return res.data.formCig.id as string;
    };
    const gvmcCig = await formed('GVMC', [worker, gvmcPartner], '2025-03-01');
    const left = await stack.query(`mutation($input: RemoveCigMemberInput!) { removeCigMember(input: $input) { id } }`,
      { input: { cigId: gvmcCig, workerId: worker, leftOn: '2025-04-01' } }, { jurisdiction: 'state:AP' });
    expect(left.errors).toBeUndefined();
    const vjaCig = await formed('VJA', [worker, vjaPartner], '2025-05-01');

    const MEMBERSHIPS = `query($id: ID!) { worker(id: $id) { cigMemberships { cig { id city { code } } } } }`;
    const vja = await stack.query(MEMBERSHIPS, { id: worker }, VJA_OFFICER);
    expect(vja.errors).toBeUndefined();
    expect(vja.data.worker.cigMemberships).toEqual([{ cig: { id: vjaCig, city: { code: 'VJA' } } }]);
    const state = await stack.query(MEMBERSHIPS, { id: worker }, { jurisdiction: 'state:AP' });
    expect(state.data.worker.cigMemberships).toEqual([
      { cig: { id: vjaCig, city: { code: 'VJA' } } }, { cig: { id: gvmcCig, city: { code: 'GVMC' } } },
    ]);
  });

  test('a VJA roster with CIG memberships holds only VJA CIGs, still one statement per table', async () => {
    let res: any;
    const counts = await countStatements(stack, async () => {
      res = await stack.query(`{ workers(filter: { city: "VJA" }, first: 100) { edges { node { id cigMemberships {
        id cig { city { code } bankLinkage { bankName } totalSavings loans { amount } } } } } } }`, {}, VJA_OFFICER);
    });
    expect(res.errors).toBeUndefined();
    const nodes = res.data.workers.edges.map((e: any) => e.node);
    const shown = nodes.flatMap((n: any) => n.cigMemberships.map((m: any) => m.id)).sort();
    const expected = (await sql(`select m.id from cig_membership m join cig c on c.id = m.cig_id where m.worker_id in (?) and c.city_code = 'VJA'`,
      [nodes.map((n: any) => n.id)])).map((r) => r.id).sort();
    expect(shown.length).toBeGreaterThan(0);
    expect(shown).toEqual(expected);
    for (const node of nodes) for (const m of node.cigMemberships) expect(m.cig.city.code).toBe('VJA');
    expect(statementsPerTable(counts.mepma.statements)).toEqual({ cig: 1, cig_membership: 1, bank_linkage: 1, savings_deposit: 1, credit_linkage: 1 });
  });

  test('the loaders behind entity references find nothing outside the jurisdiction, one statement per batch', async () => {
    const [gvmc] = await sql(`select c.id as cig_id, m.id as membership_id from cig c join cig_membership m on m.cig_id = c.id where c.city_code = 'GVMC' order by c.id limit 1`);
    const [vja] = await sql(`select c.id as cig_id, m.id as membership_id from cig c join cig_membership m on m.cig_id = c.id where c.city_code = 'VJA' order by c.id limit 1`);
    const database = stack.subgraphs.get('mepma')!.database;
    const caller: Caller = { agency: 'mepma', subject: 'vja.co', role: 'officer', jurisdiction: 'city:VJA', scopes: ['read'], purpose: 'service-delivery' };
    const loaders = createLoaders(database.orm.em.fork() as EntityManager, caller);
    database.sqlLog.reset();
    const cigs = await Promise.all([loaders.cigById.load(gvmc.cig_id), loaders.cigById.load(vja.cig_id)]);
    const memberships = await Promise.all([loaders.membershipById.load(gvmc.membership_id), loaders.membershipById.load(vja.membership_id)]);
    expect(cigs.map((c) => c?.id ?? null)).toEqual([null, vja.cig_id]);
    expect(memberships.map((m) => m?.id ?? null)).toEqual([null, vja.membership_id]);
    expect(database.sqlLog.count).toBe(2);
  });

  test('a VJA officer cannot form a CIG in GVMC (FORBIDDEN) or touch a GVMC CIG (NOT_FOUND), and nothing is written', async () => {
    const [a, b] = [await newWorker('VJA'), await newWorker('VJA')];
    const before = await rowCounts();
    const formed = await stack.query(`mutation($input: FormCigInput!) { formCig(input: $input) { id } }`, { input: {
      name: 'Gajuwaka Auto Drivers CIG', occupation: 'TRANSPORT', workLocation: 'Gajuwaka Auto Stand', workLocationKind: 'AUTO_STAND',
      city: 'GVMC', ward: 'GVMC-W05', formedOn: '2025-06-01', members: [{ workerId: a, role: 'PRESIDENT' }, { workerId: b, role: 'MEMBER' }],
    } }, VJA_OFFICER);
    expect(errorCodes(formed)).toEqual(['FORBIDDEN']);
    expect(formed.errors![0].message).toContain('GVMC');
    expect(await rowCounts()).toEqual(before);

    const { cigId, workerId } = await bankedCig('GVMC');
    const writes: [string, string, Record<string, unknown>][] = [
      ['addCigMember', 'AddCigMemberInput', { cigId, workerId: a, role: 'MEMBER', joinedOn: '2025-07-01' }],
      ['removeCigMember', 'RemoveCigMemberInput', { cigId, workerId, leftOn: daysFromToday(0) }],
      ['recordSavings', 'RecordSavingsInput', { cigId, workerId, amount: 100, depositedOn: daysFromToday(0) }],
      ['linkBankAccount', 'LinkBankAccountInput', { cigId, bankName: 'Indian Bank', branchIfsc: 'IDIB000V001', accountLast4: '1234', linkedOn: daysFromToday(0) }],
      ['recordCreditLinkage', 'RecordCreditLinkageInput', { cigId, lender: 'Indian Bank', amount: 50_000, sanctionedOn: daysFromToday(0), purpose: 'Repairs' }],
    ];
    for (const [mutation, inputType, input] of writes) {
      const res = await stack.query(`mutation($input: ${inputType}!) { ${mutation}(input: $input) { __typename } }`, { input }, VJA_OFFICER);
      expect([mutation, errorCodes(res)]).toEqual([mutation, ['NOT_FOUND']]);
      expect(res.errors![0].message).toContain(cigId);
      expect(await rowCounts()).toEqual(before);
    }
  });

  test('a VJA officer cannot enrol a GVMC worker Labour does not show them (NOT_FOUND), and nothing is written', async () => {
    const [a, outsider] = [await newWorker('VJA'), await newWorker('GVMC')];
    const before = await rowCounts();
    const res = await stack.query(`mutation($input: FormCigInput!) { formCig(input: $input) { id } }`, { input: {
      name: 'Patamata Auto Drivers CIG', occupation: 'TRANSPORT', workLocation: 'Patamata Auto Stand', workLocationKind: 'AUTO_STAND',
      city: 'VJA', ward: 'VJA-W05', formedOn: '2025-06-01', members: [{ workerId: a, role: 'PRESIDENT' }, { workerId: outsider, role: 'MEMBER' }],
    } }, VJA_OFFICER);
    expect(errorCodes(res)).toEqual(['NOT_FOUND']);
    expect(res.errors![0].message).toContain(outsider);
    expect(await rowCounts()).toEqual(before);
  });

  test('officers of another agency, analysts and tokens without the write scope cannot write (FORBIDDEN)', async () => {
    const { cigId, workerId } = await bankedCig('VJA');
    const input = { cigId, workerId, amount: 100, depositedOn: daysFromToday(0) };
    const refused: CallerSpec[] = [
      { agency: 'labour' }, { agency: 'municipal' }, { role: 'analyst', scopes: ['read'], purpose: 'Statistics' }, { scopes: ['read'] },
      { ...VJA_OFFICER, scopes: ['read'] },
    ];
    for (const caller of refused) {
      const before = await rowCounts();
      const res = await stack.query(`mutation($input: RecordSavingsInput!) { recordSavings(input: $input) { id } }`, { input }, caller);
      expect(errorCodes(res)).toEqual(['FORBIDDEN']);
      expect(await rowCounts()).toEqual(before);
    }
  });

  test('the bank account digits: MEPMA officers and auditors read them, other agencies get them masked, analysts are refused the CIG', async () => {
    const [linkage] = await sql(`select b.cig_id, b.account_last4 from bank_linkage b join cig c on c.id = b.cig_id where c.city_code = 'VJA' order by b.id limit 1`);
    const ACCOUNT = `query($id: ID!) { cig(id: $id) { bankLinkage { bankName accountLast4 } } }`;
    const cases: [CallerSpec, string][] = [
      [{}, linkage.account_last4],
      [VJA_OFFICER, linkage.account_last4],
      [{ role: 'service' }, linkage.account_last4],
      [AUDITOR, linkage.account_last4],
      [{ agency: 'icds', role: 'auditor', purpose: 'Audit' }, linkage.account_last4],
      [{ agency: 'labour' }, '********'],
      [{ agency: 'transport', jurisdiction: 'city:VJA' }, '********'],
    ];
    for (const [caller, expected] of cases) {
      const res = await stack.query(ACCOUNT, { id: linkage.cig_id }, caller);
      expect(res.errors).toBeUndefined();
      expect([caller, res.data.cig.bankLinkage.accountLast4]).toEqual([caller, expected]);
      expect(res.data.cig.bankLinkage.bankName).toEqual(expect.any(String));
    }
    // Analysts see the reports only: the CIG itself is refused (403), so not even the masked digits come back.
    const analyst = await stack.query(ACCOUNT, { id: linkage.cig_id }, { role: 'analyst', scopes: ['read'], purpose: 'Statistics' });
    expect(analyst.status).toBe(403);
    expect(errorCodes(analyst)).toEqual(['FORBIDDEN']);
    expect(analyst.errors![0].extensions).toMatchObject({ reason: 'ANALYSTS_SEE_REPORTS_ONLY', fields: ['Query.cig'] });
    expect(analyst.data ?? null).toBeNull();
  });

  describe('change history', () => {
    let cigId: string;
    let president: string;
    let member: string;

    const HISTORY = `{ at by purpose action changes { field oldValue newValue } }`;
    const CIG_HISTORY = `query($id: ID!) { cig(id: $id) {
      history ${HISTORY}
      members(includeFormer: true) { worker { id } history ${HISTORY} }
      bankLinkage { accountLast4 history ${HISTORY} }
      savings { history ${HISTORY} }
      loans { history ${HISTORY} } } }`;

    beforeAll(async () => {
      [president, member] = [await newWorker('VJA'), await newWorker('VJA')];
      const write = async (mutation: string, inputType: string, input: Record<string, unknown>, select = '__typename') => {
        const res = await stack.query(`mutation($input: ${inputType}!) { ${mutation}(input: $input) { ${select} } }`, { input }, VJA_OFFICER);
        expect(res.errors).toBeUndefined();
        return res.data[mutation];
      };
      const formed = await write('formCig', 'FormCigInput', {
        name: 'Ramavarappadu Auto Drivers CIG', occupation: 'TRANSPORT', workLocation: 'Ramavarappadu Ring Auto Stand', workLocationKind: 'AUTO_STAND',
        city: 'VJA', ward: 'VJA-W05', formedOn: '2025-06-01', members: [{ workerId: president, role: 'PRESIDENT' }, { workerId: member, role: 'MEMBER' }],
      }, 'id source { recordedBy updatedBy }');
      cigId = formed.id;
      expect(formed.source).toEqual({ recordedBy: 'mepma:vja.co', updatedBy: null });
      await write('linkBankAccount', 'LinkBankAccountInput', { cigId, bankName: 'Canara Bank', branchIfsc: 'CNRB0001234', accountLast4: '0042', linkedOn: '2025-06-10' });
      await write('recordSavings', 'RecordSavingsInput', { cigId, workerId: president, amount: 250, depositedOn: '2025-06-15' });
      await write('recordCreditLinkage', 'RecordCreditLinkageInput', { cigId, lender: 'Canara Bank', amount: 75_000, sanctionedOn: '2025-07-01', purpose: 'Auto repairs' });
      const left = await write('removeCigMember', 'RemoveCigMemberInput', { cigId, workerId: member, leftOn: '2025-08-01' }, 'source { recordedBy updatedBy }');
      expect(left.source).toEqual({ recordedBy: 'mepma:vja.co', updatedBy: 'mepma:vja.co' });
    });

    test('an auditor reads who created each record and who changed it, for what purpose', async () => {
      const res = await stack.query(CIG_HISTORY, { id: cigId }, AUDITOR);
      expect(res.errors).toBeUndefined();
      const cig = res.data.cig;
      const byVjaOfficer = { at: expect.any(String), by: 'mepma:vja.co', purpose: 'service-delivery' };

      expect(cig.history).toEqual([{ ...byVjaOfficer, action: 'CREATED', changes: expect.arrayContaining([
        { field: 'id', oldValue: null, newValue: cigId },
        { field: 'cityCode', oldValue: null, newValue: 'VJA' },
        { field: 'formedOn', oldValue: null, newValue: '2025-06-01' },
      ]) }]);
      // Provenance columns are the change's own `at` and `by`, not changes of their own.
      expect(cig.history[0].changes.map((c: any) => c.field)).not.toContain('recordedBy');

      const leaver = cig.members.find((m: any) => m.worker.id === member);
      expect(leaver.history).toEqual([
        { ...byVjaOfficer, action: 'CREATED', changes: expect.arrayContaining([{ field: 'workerId', oldValue: null, newValue: member }, { field: 'role', oldValue: null, newValue: 'MEMBER' }]) },
        { ...byVjaOfficer, action: 'UPDATED', changes: [{ field: 'leftOn', oldValue: null, newValue: '2025-08-01' }] },
      ]);
      expect(new Date(leaver.history[0].at) <= new Date(leaver.history[1].at)).toBe(true);

      // Auditors read the account digits in full, in the field and in its history alike.
      expect(cig.bankLinkage.accountLast4).toBe('0042');
      expect(cig.bankLinkage.history).toEqual([{ ...byVjaOfficer, action: 'CREATED', changes: expect.arrayContaining([
        { field: 'accountLast4', oldValue: null, newValue: '0042' }, { field: 'branchIfsc', oldValue: null, newValue: 'CNRB0001234' },
      ]) }]);
      expect(cig.savings.map((s: any) => s.history)).toEqual([[{ ...byVjaOfficer, action: 'CREATED', changes: expect.arrayContaining([{ field: 'amount', oldValue: null, newValue: '250' }]) }]]);
      expect(cig.loans.map((l: any) => l.history)).toEqual([[{ ...byVjaOfficer, action: 'CREATED', changes: expect.arrayContaining([{ field: 'status', oldValue: null, newValue: 'SANCTIONED' }]) }]]);

      // MEPMA's own officers read it too.
      const own = await stack.query(CIG_HISTORY, { id: cigId }, VJA_OFFICER);
      expect(own.errors).toBeUndefined();
      expect(own.data.cig).toEqual(cig);
    });

    test('analysts and other agencies\' officers may not read history (FORBIDDEN)', async () => {
      // [caller, the fields the refusal names, its reason]: analysts see the reports only, so they are
      // refused at the question itself; an officer of another agency at the history fields.
      const refused: [CallerSpec, string[], string | undefined][] = [
        [{ role: 'analyst', scopes: ['read'], purpose: 'Statistics' }, ['Query.cig'], 'ANALYSTS_SEE_REPORTS_ONLY'],
        [{ agency: 'labour' }, ['Cig.history', 'CigMembership.history'], undefined],
      ];
      for (const [caller, fields, reason] of refused) {
        const res = await stack.query(`query($id: ID!) { cig(id: $id) { id history { action } members { history { action } } } }`, { id: cigId }, caller);
        // The gateway refuses the whole request and names every field at fault; nothing is read.
        expect(res.status).toBe(403);
        expect(errorCodes(res)).toEqual(['FORBIDDEN']);
        expect(res.errors![0].extensions!.fields).toEqual(fields);
        expect(res.errors![0].extensions!.reason).toBe(reason);
        expect(res.data ?? null).toBeNull();
      }
    });

    test('history masks the account digits for anyone the field itself masks them for', async () => {
      // Every caller who may read history may read the digits, so the masking is checked on the loader itself.
      const [{ id }] = await sql(`select id from bank_linkage where cig_id = ?`, [cigId]);
      const em = stack.subgraphs.get('mepma')!.database.orm.em.fork() as EntityManager;
      const digits = async (caller: Pick<Caller, 'agency' | 'role'>) => {
        const [created] = await createLoaders(em, { ...caller, subject: 'x', jurisdiction: 'national', scopes: ['read'], purpose: 'audit' }).history.load(`bank_linkage:${id}`);
        return created.changes.find((c) => c.field === 'accountLast4')!.newValue;
      };
      expect(await digits({ agency: 'labour', role: 'officer' })).toBe('********');
      expect(await digits({ agency: 'mepma', role: 'analyst' })).toBe('********');
      expect(await digits({ agency: 'mepma', role: 'officer' })).toBe('0042');
      expect(await digits({ agency: 'icds', role: 'auditor' })).toBe('0042');
    });

    test('record_change is append-only, and demo records imported with history paused have none', async () => {
      await expectAppendOnly(stack, 'mepma', 'record_change', 'changed_by', (statement) => sql(statement));
      const [demo] = await sql(`select id from cig where recorded_by = 'mepma-demo-import' order by id limit 1`);
      const res = await stack.query(`query($id: ID!) { cig(id: $id) { history { action } } }`, { id: demo.id }, AUDITOR);
      expect(res.data.cig.history).toEqual([]);
    });
  });
});

describe('the single window: savings accounts, facts and follow-up visits', () => {
  const TODAY = daysFromToday(0);
  const VJA_OFFICER: CallerSpec = { jurisdiction: 'city:VJA', subject: 'vja.co' };
  const AUDITOR: CallerSpec = { agency: 'labour', role: 'auditor', scopes: ['read'], purpose: 'Audit' };
  const FACT_NAMES = ['savingsAccount', 'cigMember', 'cigBankLinked', 'hasSaved', 'cigCreditLinked'] as const;
  type FactName = (typeof FACT_NAMES)[number];

  /**
   * The workers for whom each fact holds on `day`, from MEPMA's rows, written out here rather than
   * taken from statistics.ts; only records of `city` when it is given.
   */
  async function factHolders(day: string, city?: string): Promise<Record<FactName, Set<string>>> {
    const activeMember = `from cig_membership m join cig c on c.id = m.cig_id where m.left_on is null and m.joined_on <= ?`;
    const queries: Record<FactName, [string, string]> = {
      savingsAccount: ['select a.worker_id from savings_account a where a.opened_on <= ?', 'a.city_code'],
      cigMember: [`select m.worker_id ${activeMember}`, 'c.city_code'],
      cigBankLinked: [`select m.worker_id ${activeMember} and c.id in (select cig_id from bank_linkage where linked_on <= ?)`, 'c.city_code'],
      hasSaved: [`select m.worker_id ${activeMember} and m.id in (select membership_id from savings_deposit where deposited_on <= ?)`, 'c.city_code'],
      cigCreditLinked: [`select m.worker_id ${activeMember}
        and c.id in (select cig_id from credit_linkage where status <> 'OVERDUE' and sanctioned_on <= ?)`, 'c.city_code'],
    };
    const holders = {} as Record<FactName, Set<string>>;
    for (const name of FACT_NAMES) {
      const [query, cityColumn] = queries[name];
      const days = query.split('?').length - 1;
      const rows = await sql(`${query}${city ? ` and ${cityColumn} = ?` : ''}`, [...Array(days).fill(day), ...(city ? [city] : [])]);
      holders[name] = new Set(rows.map((row) => row.worker_id));
    }
    return holders;
  }

  function factsOf(holders: Record<FactName, Set<string>>, workerId: string): Record<FactName, boolean> {
    return Object.fromEntries(FACT_NAMES.map((name) => [name, holders[name].has(workerId)])) as Record<FactName, boolean>;
  }

  describe("a worker's own savings accounts", () => {
    const ACCOUNTS = `query($id: ID!) { worker(id: $id) { savingsAccounts { id bankName branchIfsc accountLast4 openedOn source { agency system recordId } } } }`;

    test('a worker reads as holding the accounts MEPMA recorded, and a worker without one none', async () => {
      const [account] = await sql(`select * from savings_account order by id limit 1`);
      const res = await stack.query(ACCOUNTS, { id: account.worker_id });
      expect(res.errors).toBeUndefined();
      expect(res.data.worker.savingsAccounts).toEqual([{
        id: account.id, bankName: account.bank_name, branchIfsc: account.branch_ifsc, accountLast4: account.account_last4, openedOn: account.opened_on,
        source: { agency: 'mepma', system: 'MEPMA bank linkage register', recordId: account.id },
      }]);
      const [{ id: without }] = await labourSql(`select id from worker where id not in (?) order by id limit 1`,
        [(await sql(`select worker_id from savings_account`)).map((row) => row.worker_id)]);
      expect((await stack.query(ACCOUNTS, { id: without })).data.worker.savingsAccounts).toEqual([]);
    });

    test("the account digits are policed as a CIG's are: masked for other agencies and CRPs", async () => {
      const [account] = await sql(`select worker_id, account_last4 from savings_account where city_code = 'VJA' order by id limit 1`);
      const cases: [CallerSpec, string][] = [
        [VJA_OFFICER, account.account_last4],
        [AUDITOR, account.account_last4],
        [{ agency: 'labour' }, '********'],
        [{ role: 'crp', jurisdiction: 'city:VJA' }, '********'],
      ];
      for (const [caller, expected] of cases) {
        const res = await stack.query(`query($id: ID!) { worker(id: $id) { savingsAccounts { accountLast4 } } }`, { id: account.worker_id }, caller);
        expect([caller, res.errors, res.data.worker.savingsAccounts]).toEqual([caller, undefined, [{ accountLast4: expected }]]);
      }
      // History masks the digits by BankLinkage's policy (history is keyed by column): the two must agree.
      const policies = policiesIn(mepma.typeDefs);
      expect(policies.get('SavingsAccount.accountLast4')).toEqual(policies.get('BankLinkage.accountLast4'));
    });

    test('a share of workers hold one, and the share differs from one occupation to another', async () => {
      const holders = new Set((await sql(`select worker_id from savings_account`)).map((row) => row.worker_id));
      const workers = await labourSql(`select id, occupation from worker where recorded_by = 'labour-demo-import'`);
      const share = (of: { id: string }[]) => of.filter((w) => holders.has(w.id)).length / of.length;
      expect(share(workers)).toBeGreaterThan(0.2);
      expect(share(workers)).toBeLessThan(0.9);
      const byOccupation = OCCUPATIONS.map((occupation) => share(workers.filter((w) => w.occupation === occupation)));
      expect(Math.max(...byOccupation) - Math.min(...byOccupation)).toBeGreaterThan(0.1);
    });
  });

  describe("MEPMA's facts", () => {
    const FACTS = `mepmaFacts { ${FACT_NAMES.join(' ')} }`;

    test("a page of workers' facts agree with MEPMA's rows, at one statement per fact", async () => {
      const holders = await factHolders(TODAY);
      let res: any;
      const counts = await countStatements(stack, async () => {
        res = await stack.query(`{ workers(first: 100) { edges { node { id ${FACTS} } } } }`);
      });
      expect(res.errors).toBeUndefined();
      for (const { node } of res.data.workers.edges) expect([node.id, node.mepmaFacts]).toEqual([node.id, factsOf(holders, node.id)]);
      // Every fact is found true and false somewhere on the page: the comparison means something.
      for (const name of FACT_NAMES) expect(new Set(res.data.workers.edges.map((e: any) => e.node.mepmaFacts[name]))).toEqual(new Set([true, false]));
      expect(counts.mepma.total).toBe(FACT_NAMES.length);
    });

    test('the edge cases: a former member, a member who has not saved, a worker MEPMA holds nothing about, a loan fallen overdue', async () => {
      const [former] = await sql(`select worker_id from cig_membership m where left_on is not null
        and not exists (select 1 from cig_membership a where a.worker_id = m.worker_id and a.left_on is null) order by id limit 1`);
      const [nonSaver] = await sql(`select m.worker_id from cig_membership m join bank_linkage b on b.cig_id = m.cig_id
        where m.left_on is null and m.id not in (select membership_id from savings_deposit) order by m.id limit 1`);
      // A CIG of new workers, bank-linked, that has saved and borrowed.
      const [president, member, stranger] = [await newWorker(), await newWorker(), await newWorker()];
      const write = async (mutation: string, inputType: string, input: Record<string, unknown>) => {
        const res = await stack.query(`mutation($input: ${inputType}!) { ${mutation}(input: $input) { id } }`, { input });
        expect(res.errors).toBeUndefined();
        return res.data[mutation].id as string;
      };
      const cigId = await write('formCig', 'FormCigInput', {
        name: 'Gunadala Auto Drivers CIG', occupation: 'TRANSPORT', workLocation: 'Gunadala Auto Stand', workLocationKind: 'AUTO_STAND',
        city: 'VJA', ward: 'VJA-W05', formedOn: '2025-06-01', members: [{ workerId: president, role: 'PRESIDENT' }, { workerId: member, role: 'MEMBER' }],
      });
      await stack.query(`mutation($input: LinkBankAccountInput!) { linkBankAccount(input: $input) { linkedOn } }`,
        { input: { cigId, bankName: 'Indian Bank', branchIfsc: 'IDIB000V001', accountLast4: '1234', linkedOn: '2025-06-10' } });
      await write('recordSavings', 'RecordSavingsInput', { cigId, workerId: president, amount: 200, depositedOn: '2025-07-10' });
      const loan = await write('recordCreditLinkage', 'RecordCreditLinkageInput', { cigId, lender: 'Indian Bank', amount: 50_000, sanctionedOn: '2025-09-01', purpose: 'Repairs' });

      const ids = [former.worker_id, nonSaver.worker_id, stranger, president, member];
      const ask = () => stack.query(`{ ${ids.map((id, i) => `w${i}: worker(id: "${id}") { id ${FACTS} }`).join(' ')} }`);
      const res = await ask();
      expect(res.errors).toBeUndefined();
      const holders = await factHolders(TODAY);
      expect(ids.map((_, i) => res.data[`w${i}`].mepmaFacts)).toEqual(ids.map((id) => factsOf(holders, id)));
      expect(res.data.w0.mepmaFacts).toMatchObject({ cigMember: false, cigBankLinked: false, hasSaved: false, cigCreditLinked: false });
      expect(res.data.w1.mepmaFacts).toMatchObject({ cigMember: true, cigBankLinked: true, hasSaved: false });
      expect(res.data.w2.mepmaFacts).toEqual(Object.fromEntries(FACT_NAMES.map((name) => [name, false])));
      expect(res.data.w3.mepmaFacts).toEqual({ savingsAccount: false, cigMember: true, cigBankLinked: true, hasSaved: true, cigCreditLinked: true });
      expect(res.data.w4.mepmaFacts).toMatchObject({ hasSaved: false, cigCreditLinked: true });

      // The bank's register marks the loan overdue (no write of the graph does): no longer credit linkage.
      await sql(`update credit_linkage set status = 'OVERDUE' where id = ?`, [loan]);
      const overdue = await ask();
      expect([overdue.data.w3.mepmaFacts.cigCreditLinked, overdue.data.w4.mepmaFacts.cigCreditLinked]).toEqual([false, false]);
    });

    test("the bulk questions answer every worker's facts for the day asked, within the caller's jurisdiction", async () => {
      const em = stack.subgraphs.get('mepma')!.database.orm.em.fork() as EntityManager;
      const declared = declaredFacts('mepma', mepma.typeDefs);
      expect(declared.map((fact) => [fact.name, fact.type])).toEqual(FACT_NAMES.map((name) => [name, 'bool']));
      const cases: [string, string | undefined][] = [['national', undefined], ['city:VJA', 'VJA'], ['ward:VJA-W07', 'VJA']];
      for (const day of [TODAY, '2025-03-01']) {
        for (const [jurisdiction, city] of cases) {
          const caller: Caller = { agency: 'mepma', subject: 'x', role: 'officer', jurisdiction, scopes: ['read'], purpose: 'statistics' };
          const expected = await factHolders(day, city);
          for (const fact of declared) {
            const answered = decodeFact(fact, await encodedFact(em, fact, factQueries[fact.name]({ em, caller, asOf: day })));
            const workers = [...answered.keys()].map((n) => `W-${String(n).padStart(7, '0')}`).sort();
            expect([day, jurisdiction, fact.name, workers]).toEqual([day, jurisdiction, fact.name, [...expected[fact.name as FactName]].sort()]);
          }
        }
      }
    });

    test('the demo is one an official would believe: savings lag bank linkage, credit lags savings, and it varies by place and trade', async () => {
      const holders = await factHolders(TODAY);
      const [linked, saved, credit] = [holders.cigBankLinked.size, holders.hasSaved.size, holders.cigCreditLinked.size];
      expect(saved).toBeLessThan(linked * 0.9);
      expect(saved).toBeGreaterThan(0);
      expect(credit).toBeLessThan(saved);
      expect(credit).toBeGreaterThan(0);
      // Bank linkage reaches a different share of CIGs in each trade, home-based workers' included.
      const shares = await sql(`select occupation, avg((id in (select cig_id from bank_linkage))::int)::float as share, count(*)::int as n
        from cig where recorded_by = 'mepma-demo-import' group by occupation`);
      expect(shares.map((row) => row.occupation).sort()).toEqual([...OCCUPATIONS].sort());
      const values = shares.map((row) => row.share);
      expect(Math.max(...values) - Math.min(...values)).toBeGreaterThan(0.15);
      // No saving without a bank account: every deposit is into a linked CIG's account.
      const [{ n: unlinkedDeposits }] = await sql(`select count(*)::int as n from savings_deposit where cig_id not in (select cig_id from bank_linkage)`);
      expect(unlinkedDeposits).toBe(0);
    });
  });

  describe('follow-up visits', () => {
    const VISIT = 'id scheme outcome visitedOn note recordedBy worker { id } source { agency system recordedBy }';
    const RECORD = `mutation($input: RecordVisitInput!, $key: ID) { recordVisit(input: $input, idempotencyKey: $key) { ${VISIT} } }`;
    let ward: string;
    let crp: CallerSpec;
    let visited: string;

    beforeAll(async () => {
      [{ ward_code: ward, id: visited }] = await labourSql(`select ward_code, id from worker where city_code = 'VJA' and recorded_by = 'labour-demo-import' order by id limit 1`);
      crp = { role: 'crp', jurisdiction: `ward:${ward}`, subject: `crp.${ward.toLowerCase()}`, purpose: 'Scheme enrolment' };
    });

    /** Sends a visit that must be refused with `code`, and checks that nothing was written. */
    async function refusedVisit(input: Record<string, unknown>, code: string, caller: CallerSpec = crp, key?: string) {
      const before = await rowCounts();
      const res = await stack.query(RECORD, { input, key }, caller);
      expect([input, errorCodes(res)]).toEqual([input, [code]]);
      expect(await rowCounts()).toEqual(before);
      return res.errors![0];
    }

    const visitInput = (overrides: Record<string, unknown> = {}) => ({
      workerId: visited, scheme: 'PM_SYM', outcome: 'DOCUMENTS_COLLECTED', visitedOn: daysFromToday(-1), note: 'Aadhaar and passbook copies collected.', ...overrides,
    });

    test("a CRP records a visit; the worker's last visit about the scheme shows it, with its provenance and history", async () => {
      // Today's visit, the newest there can be, is the last visit whichever tests ran before.
      const res = await stack.query(RECORD, { input: visitInput({ visitedOn: daysFromToday(0) }) }, crp);
      expect(res.errors).toBeUndefined();
      const visit = res.data.recordVisit;
      const actor = `mepma:${crp.subject}`;
      expect(visit).toEqual({
        id: expect.stringMatching(/^VIS-\d{7}$/), scheme: 'PM_SYM', outcome: 'DOCUMENTS_COLLECTED', visitedOn: daysFromToday(0),
        note: 'Aadhaar and passbook copies collected.', recordedBy: actor, worker: { id: visited },
        source: { agency: 'mepma', system: 'Worker Graph', recordedBy: actor },
      });
      const [row] = await sql(`select worker_id, city_code, scheme, outcome, visited_on, recorded_by from visit where id = ?`, [visit.id]);
      expect(row).toEqual({ worker_id: visited, city_code: 'VJA', scheme: 'PM_SYM', outcome: 'DOCUMENTS_COLLECTED', visited_on: daysFromToday(0), recorded_by: actor });

      const last = await stack.query(`query($id: ID!) { worker(id: $id) { lastVisit(scheme: "PM_SYM") { ${VISIT} } } }`, { id: visited }, crp);
      expect(last.errors).toBeUndefined();
      expect(last.data.worker.lastVisit).toEqual(visit);

      const history = await stack.query(`query($id: ID!) { worker(id: $id) { lastVisit(scheme: "PM_SYM") { history { by purpose action changes { field newValue } } } } }`, { id: visited }, AUDITOR);
      expect(history.errors).toBeUndefined();
      expect(history.data.worker.lastVisit.history).toEqual([{ by: actor, purpose: 'scheme-enrolment', action: 'CREATED', changes: expect.arrayContaining([
        { field: 'scheme', newValue: 'PM_SYM' }, { field: 'outcome', newValue: 'DOCUMENTS_COLLECTED' },
      ]) }]);
    });

    test('an officer records an earlier visit: visits list newest first, for one scheme or all', async () => {
      const later = await stack.query(RECORD, { input: visitInput() }, crp);
      expect(later.errors).toBeUndefined();
      const res = await stack.query(RECORD, { input: visitInput({ outcome: 'INFORMED', visitedOn: daysFromToday(-20), note: '  ' }) }, VJA_OFFICER);
      expect(res.errors).toBeUndefined();
      expect(res.data.recordVisit).toMatchObject({ outcome: 'INFORMED', note: null, recordedBy: 'mepma:vja.co' });
      const expected = await sql(`select id, scheme from visit where worker_id = ? order by visited_on desc, id desc`, [visited]);
      const read = await stack.query(`query($id: ID!) { worker(id: $id) { all: visits { id scheme } pension: visits(scheme: "PM_SYM") { id } } }`, { id: visited }, crp);
      expect(read.errors).toBeUndefined();
      expect(read.data.worker.all).toEqual(expected);
      expect(read.data.worker.pension).toEqual(expected.filter((v) => v.scheme === 'PM_SYM').map(({ id }) => ({ id })));
      expect(read.data.worker.pension.length).toBeGreaterThanOrEqual(2);
    });

    test('an unknown scheme, a date in the future, an overlong note, a wrong outcome: BAD_USER_INPUT naming the field, nothing written', async () => {
      expect((await refusedVisit(visitInput({ scheme: 'PM_SYMX' }), 'BAD_USER_INPUT')).extensions).toMatchObject({ field: 'scheme' });
      expect((await refusedVisit(visitInput({ visitedOn: daysFromToday(1) }), 'BAD_USER_INPUT')).extensions).toMatchObject({ field: 'visitedOn' });
      expect((await refusedVisit(visitInput({ note: 'x'.repeat(501) }), 'BAD_USER_INPUT')).extensions).toMatchObject({ field: 'note' });
      expect((await refusedVisit(visitInput({ workerId: '42' }), 'BAD_USER_INPUT')).extensions).toMatchObject({ field: 'workerId' });
      await refusedVisit(visitInput({ outcome: 'ENROLLED' }), 'BAD_USER_INPUT');
      const unknownScheme = await stack.query(`query($id: ID!) { worker(id: $id) { lastVisit(scheme: "NOPE") { id } } }`, { id: visited }, crp);
      expect(errorCodes(unknownScheme)).toEqual(['BAD_USER_INPUT']);
    });

    test('a worker the caller cannot see, or Labour does not know, is NOT_FOUND; nothing written', async () => {
      const [gvmc] = await labourSql(`select id from worker where city_code = 'GVMC' order by id limit 1`);
      const hidden = await refusedVisit(visitInput({ workerId: gvmc.id }), 'NOT_FOUND');
      const unknown = await refusedVisit(visitInput({ workerId: 'W-9999999' }), 'NOT_FOUND');
      expect(hidden.message.replace(gvmc.id, 'ID')).toBe(unknown.message.replace('W-9999999', 'ID'));
      await refusedVisit(visitInput({ workerId: gvmc.id }), 'NOT_FOUND', VJA_OFFICER);
      // A CRP of one ward sees only that ward's workers (Labour places every worker in a ward).
      const [neighbour] = await labourSql(`select id from worker where city_code = 'VJA' and ward_code <> ? order by id limit 1`, [ward]);
      await refusedVisit(visitInput({ workerId: neighbour.id }), 'NOT_FOUND');
    });

    test("a city outside the caller's jurisdiction is FORBIDDEN; a caller of several cities must name one", async () => {
      await refusedVisit(visitInput({ city: 'GVMC' }), 'FORBIDDEN', VJA_OFFICER);
      expect((await refusedVisit(visitInput(), 'BAD_USER_INPUT', {})).extensions).toMatchObject({ field: 'city' });
      const named = await stack.query(RECORD, { input: visitInput({ city: 'VJA', outcome: 'APPLIED' }) });
      expect(named.errors).toBeUndefined();
      expect((await sql(`select city_code from visit where id = ?`, [named.data.recordVisit.id]))[0].city_code).toBe('VJA');
    });

    test('only MEPMA officers and CRPs with the write scope record visits (FORBIDDEN)', async () => {
      for (const caller of [{ agency: 'labour' }, { role: 'service' }, { ...crp, agency: 'labour' }, { ...crp, scopes: ['read'] }] as CallerSpec[]) {
        await refusedVisit(visitInput(), 'FORBIDDEN', caller);
      }
    });

    test('the same idempotency key answers the same visit once; with other arguments it is CONFLICT IDEMPOTENCY_KEY_REUSED', async () => {
      const key = `crp-visit-${Date.now()}`;
      const input = visitInput({ outcome: 'APPLIED', visitedOn: daysFromToday(0) });
      const first = await stack.query(RECORD, { input, key }, crp);
      expect(first.errors).toBeUndefined();
      const before = await rowCounts();
      const again = await stack.query(RECORD, { input, key }, crp);
      expect(again.errors).toBeUndefined();
      expect(again.data.recordVisit.id).toBe(first.data.recordVisit.id);
      expect(await rowCounts()).toEqual(before);
      const reused = await refusedVisit({ ...input, outcome: 'DECLINED' }, 'CONFLICT', crp, key);
      expect(reused.extensions).toMatchObject({ reason: 'IDEMPOTENCY_KEY_REUSED' });
    });

    test("a worklist page of 50 workers with each one's last visit costs MEPMA one statement", async () => {
      let res: any;
      const counts = await countStatements(stack, async () => {
        res = await stack.query(`{ workers(first: 50) { edges { node { id lastVisit(scheme: "PM_SYM") { id visitedOn } visits { id } } } } }`);
      });
      expect(res.errors).toBeUndefined();
      const nodes = res.data.workers.edges.map((e: any) => e.node);
      expect(nodes).toHaveLength(50);
      const rows = await sql(`select id, worker_id, scheme, visited_on from visit where worker_id in (?) order by visited_on desc, id desc`, [nodes.map((n: any) => n.id)]);
      for (const node of nodes) {
        const own = rows.filter((r) => r.worker_id === node.id);
        const last = own.find((r) => r.scheme === 'PM_SYM');
        expect([node.id, node.lastVisit, node.visits]).toEqual([node.id, last ? { id: last.id, visitedOn: last.visited_on } : null, own.map(({ id }) => ({ id }))]);
      }
      expect(rows.length).toBeGreaterThan(0);
      expect(statementsPerTable(counts.mepma.statements)).toEqual({ visit: 1 });
    });

    test('the demo holds a few CRP visits per hundred workers, in the past, about schemes of the catalogue, by the CRP of the ward', async () => {
      const demo = await sql(`select scheme, visited_on, recorded_by, source_system from visit where source_system = 'MEPMA CRP field app'`);
      const [{ n: workers }] = await labourSql(`select count(*)::int as n from worker where recorded_by = 'labour-demo-import'`);
      expect(demo.length).toBeGreaterThan(workers * 0.03);
      expect(demo.length).toBeLessThan(workers * 0.3);
      for (const visit of demo) {
        expect(['CIG_BANK_LINKAGE', 'PMSBY', 'PM_SYM']).toContain(visit.scheme);
        expect(visit.visited_on < TODAY).toBe(true);
        expect(visit.recorded_by).toMatch(/^mepma:crp\.(vja|gvmc)-w\d{2}$/);
      }
    });
  });
});
