/**
 * Labour through the real gateway: identity look-ups, paging, registration and enrolment, and
 * what bad input gets back (with nothing written).
 */
import type { Caller } from '../src/shared/access/caller';
import { addDays, addYears, today } from '../src/shared/dates';
import { decodeFact } from '../src/shared/facts';
import { labourWorkerDirectory } from '../src/shared/worker-directory';
import { countStatements, expectAppendOnly, errorCodes, everyPage, expectHiddenLikeUnknown, sealedBy, startTestStack, statementsPerTable, type CallerSpec, type TestStack } from './support/stack';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack('labour', { as: { agency: 'labour' } });
});
afterAll(() => stack?.stop());

async function sql<T = any>(query: string, params: unknown[] = []): Promise<T[]> {
  return stack.subgraphs.get('labour')!.database.orm.em.getConnection().execute(query, params);
}

const REGISTER = /* GraphQL */ `
  mutation Register($input: RegisterWorkerInput!) {
    registerWorker(input: $input) { id name phone city { code } ward { code } occupation ncoCode source { agency system recordedBy } }
  }`;

let registrations = 0;

/** A valid registration, unique in phone and ID reference, so each case tests only its own fault. */
function newWorker(overrides: Record<string, unknown> = {}) {
  registrations += 1;
  return {
    name: 'Pothula Nagamani',
    gender: 'FEMALE',
    dateOfBirth: '1990-04-12',
    phone: `+91 63000 ${String(11223 + registrations)}`,
    idReferenceToken: `ADV-TEST-${String(registrations).padStart(4, '0')}`,
    idLast4: '4321',
    occupation: 'DOMESTIC',
    city: 'VJA',
    ward: 'VJA-W12',
    ...overrides,
  };
}

describe('finding workers', () => {
  test('a worker by id shows a Labour officer identity, phone and where the record came from', async () => {
    const [row] = await sql(`select * from worker where id = 'W-0000007'`);
    const res = await stack.query(`{ worker(id: "W-0000007") { id name phone dateOfBirth city { code name } ward { code } idReference { token last4 } source { agency recordId } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.worker).toMatchObject({
      id: 'W-0000007',
      name: row.name,
      phone: row.phone,
      dateOfBirth: row.date_of_birth,
      city: { code: row.city_code },
      ward: { code: row.ward_code },
      idReference: { token: row.id_token, last4: row.id_last4 },
      source: { agency: 'labour', recordId: 'W-0000007' },
    });
  });

  test('an unknown worker id is NOT_FOUND and a malformed one BAD_USER_INPUT', async () => {
    const unknown = await stack.query(`{ worker(id: "W-9999999") { id } }`);
    expect(unknown.data.worker).toBeNull();
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    const malformed = await stack.query(`{ worker(id: "42; drop table worker") { id } }`);
    expect(errorCodes(malformed)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(malformed)).not.toMatch(/stack|at .*\.ts/);
  });

  test('a front-line officer finds a worker by phone in any common format', async () => {
    const [row] = await sql(`select id, phone from worker where id = 'W-0000042'`);
    for (const phone of [row.phone, `+91 ${row.phone.slice(0, 5)} ${row.phone.slice(5)}`, `0${row.phone}`]) {
      const res = await stack.query(`query($phone: String) { findWorkers(phone: $phone) { id } }`, { phone });
      expect(res.data.findWorkers).toEqual([{ id: 'W-0000042' }]);
    }
  });

  test('or by ID-reference last four digits with date of birth', async () => {
    const [row] = await sql(`select id, id_last4, date_of_birth from worker where id = 'W-0000100'`);
    const res = await stack.query(`query($l: String, $d: Date) { findWorkers(idLast4: $l, dateOfBirth: $d) { id } }`, { l: row.id_last4, d: row.date_of_birth });
    expect(res.data.findWorkers.map((w: { id: string }) => w.id)).toContain('W-0000100');
  });

  test('a look-up with no usable key, or half of one, says what to send', async () => {
    const none = await stack.query(`{ findWorkers(name: "Lakshmi") { id } }`);
    expect(errorCodes(none)).toEqual(['BAD_USER_INPUT']);
    const half = await stack.query(`{ findWorkers(idLast4: "1234") { id } }`);
    expect(errorCodes(half)).toEqual(['BAD_USER_INPUT']);
    expect(half.errors![0].message).toMatch(/dateOfBirth/);
    const badPhone = await stack.query(`{ findWorkers(phone: "12345") { id } }`);
    expect(errorCodes(badPhone)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('paging through workers', () => {
  const PAGE = `query($filter: WorkerFilter, $first: Int, $after: String) {
    workers(filter: $filter, first: $first, after: $after) {
      totalCount edges { cursor node { id city { code } ward { code } occupation } } pageInfo { hasNextPage endCursor }
    } }`;

  test('pages of a filtered list cover every match exactly once, in id order', async () => {
    const filter = { city: 'VJA', occupation: 'TRANSPORT' };
    const expected = (await sql(`select id from worker where city_code = 'VJA' and occupation = 'TRANSPORT' order by id`)).map((r) => r.id);
    const { nodes, totals, pages } = await everyPage(stack, PAGE, 'workers', { filter, first: 7 });
    expect(totals).toEqual([expected.length]);
    for (const node of nodes) expect(node).toMatchObject({ city: { code: 'VJA' }, occupation: 'TRANSPORT' });
    expect(nodes.map((node) => node.id)).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 7));
  });

  test('filtering by ward, and an empty last page', async () => {
    const [{ ward_code: ward, n }] = await sql(`select ward_code, count(*)::int as n from worker group by ward_code order by n desc limit 1`);
    const res = await stack.query(PAGE, { filter: { ward }, first: 100 });
    expect(res.data.workers.totalCount).toBe(n);
    expect(res.data.workers.edges.every((e: any) => e.node.ward.code === ward)).toBe(true);
    const nothing = await stack.query(PAGE, { filter: { city: 'GVMC', ward: 'GVMC-W98', occupation: 'HOME_BASED' }, first: 5 });
    expect(nothing.data.workers).toEqual({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  test('first out of range, a forged cursor and an unknown city are refused', async () => {
    for (const first of [0, -1, 101]) expect(errorCodes(await stack.query(PAGE, { first }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await stack.query(PAGE, { after: 'not-a-cursor' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await stack.query(PAGE, { filter: { city: 'XYZ' } }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('registering and enrolling', () => {
  test('a new worker is registered with the next id, recorded by the officer who registered them', async () => {
    const input = newWorker();
    const res = await stack.query(REGISTER, { input });
    expect(res.errors).toBeUndefined();
    const worker = res.data.registerWorker;
    expect(worker).toMatchObject({ phone: input.phone.replace(/^\+91 /, '').replace(' ', ''), city: { code: 'VJA' }, ward: { code: 'VJA-W12' }, ncoCode: '9111' });
    expect(worker.source).toEqual({ agency: 'labour', system: 'Worker Graph', recordedBy: 'labour:labour-tester' });
    const [row] = await sql(`select phone, id_token from worker where id = ?`, [worker.id]);
    expect(row).toEqual({ phone: input.phone.replace(/^\+91 /, '').replace(' ', ''), id_token: input.idReferenceToken });
  });

  test.each([
    ['an impossible date of birth', { dateOfBirth: '1990-02-30' }, 'BAD_USER_INPUT'],
    ['a landline-style phone', { phone: '0866-247123' }, 'BAD_USER_INPUT'],
    ['an Aadhaar number instead of a vault token', { idReferenceToken: '2345 6789 0123' }, 'BAD_USER_INPUT'],
    ['a ward of another city', { ward: 'GVMC-W03' }, 'BAD_USER_INPUT'],
    ['a child of ten', { dateOfBirth: '2016-01-01' }, 'BAD_USER_INPUT'],
    ['the phone of an existing worker', { phone: 'EXISTING' }, 'CONFLICT'],
    ['an ID reference already registered', { idReferenceToken: 'EXISTING' }, 'CONFLICT'],
  ])('registration with %s is refused and writes nothing', async (_, overrides, code) => {
    const [existing] = await sql(`select phone, id_token from worker where id = 'W-0000003'`);
    const input = newWorker(overrides);
    if (input.phone === 'EXISTING') input.phone = existing.phone;
    if (input.idReferenceToken === 'EXISTING') input.idReferenceToken = existing.id_token;
    const [before] = await sql(`select count(*)::int as n from worker`);
    const res = await stack.query(REGISTER, { input });
    expect(errorCodes(res)).toEqual([code]);
    expect(res.errors![0].message.length).toBeGreaterThan(10);
    const [after] = await sql(`select count(*)::int as n from worker`);
    expect(after.n).toBe(before.n);
  });

  test('a worker is enrolled in a scheme once; a second active enrolment is a conflict', async () => {
    const reg = await stack.query(REGISTER, { input: newWorker() });
    const workerId = reg.data.registerWorker.id;
    const ENROL = `mutation($input: EnrolInSchemeInput!) { enrolInScheme(input: $input) { id scheme status enrolledOn source { agency } } }`;
    const input = { workerId, scheme: 'PMSBY', enrolledOn: '2025-06-01', schemeReference: 'PMSBY/VJA/00000001' };
    const first = await stack.query(ENROL, { input });
    expect(first.data.enrolInScheme).toMatchObject({ scheme: 'PMSBY', status: 'ACTIVE', source: { agency: 'labour' } });
    const again = await stack.query(ENROL, { input });
    expect(errorCodes(again)).toEqual(['CONFLICT']);
    const bocw = await stack.query(ENROL, { input: { ...input, scheme: 'BOCW' } });
    expect(errorCodes(bocw)).toEqual(['BAD_USER_INPUT']);
    const unknown = await stack.query(ENROL, { input: { ...input, workerId: 'W-9999999' } });
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    const rows = await sql(`select scheme from social_security_enrolment where worker_id = ?`, [workerId]);
    expect(rows).toEqual([{ scheme: 'PMSBY' }]);
    const worker = await stack.query(`query($id: ID!) { worker(id: $id) { socialSecurityEnrolments { scheme } } }`, { id: workerId });
    expect(worker.data.worker.socialSecurityEnrolments).toEqual([{ scheme: 'PMSBY' }]);
  });

  test('an update changes only what is given and records who changed it', async () => {
    const res = await stack.query(`mutation { updateWorker(id: "W-0000010", input: { ward: "${(await sql(`select city_code from worker where id='W-0000010'`))[0].city_code}-W05" }) { ward { code } source { updatedBy } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.updateWorker.source.updatedBy).toBe('labour:labour-tester');
    const empty = await stack.query(`mutation { updateWorker(id: "W-0000010", input: {}) { id } }`);
    expect(errorCodes(empty)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('facts for the scheme catalogue', () => {
  const FACTS = `labourFacts { age gender occupation activeSchemes }`;
  const ENROL = `mutation($input: EnrolInSchemeInput!) { enrolInScheme(input: $input) { id } }`;

  /**
   * What Labour's rows say, computed here without the subgraph's SQL: age in whole years on `day`
   * (a birthday not yet reached this year takes one off), and the schemes of ACTIVE enrolments
   * made on or before it.
   */
  async function expectedFacts(ids: string[], day: string) {
    const rows = await sql(
      `select w.id, w.gender, w.occupation,
         extract(year from ?::date)::int - extract(year from w.date_of_birth)::int
           - case when to_char(w.date_of_birth, 'MM-DD') > to_char(?::date, 'MM-DD') then 1 else 0 end as age,
         coalesce((select string_agg(e.scheme::text, ',' order by e.scheme) from social_security_enrolment e
                   where e.worker_id = w.id and e.status = 'ACTIVE' and e.enrolled_on <= ?::date), '') as active
       from worker w where w.id in (?) and w.registered_on <= ?::date order by w.id`,
      [day, day, day, ids, day],
    );
    return new Map(rows.map((row) => [row.id, { age: row.age, gender: row.gender, occupation: row.occupation, activeSchemes: row.active ? row.active.split(',') : [] }]));
  }
  const sorted = (facts: { activeSchemes: string[] }) => ({ ...facts, activeSchemes: [...facts.activeSchemes].sort() });

  test('a page of workers carries each one\'s age, gender, occupation and active schemes as Labour\'s rows say, one statement per fact', async () => {
    let res: any;
    const counts = await countStatements(stack, async () => {
      res = await stack.query(`{ workers(first: 100) { edges { node { id ${FACTS} } } } }`);
    });
    expect(res.errors).toBeUndefined();
    const nodes: any[] = res.data.workers.edges.map((e: any) => e.node);
    const expected = await expectedFacts(nodes.map((n) => n.id), today());
    expect(nodes).toHaveLength(100);
    for (const node of nodes) expect({ id: node.id, ...sorted(node.labourFacts) }).toEqual({ id: node.id, ...expected.get(node.id) });
    // The sample holds the cases that matter: lapsed enrolments, several schemes, none.
    const [{ lapsed }] = await sql(`select count(*)::int as lapsed from social_security_enrolment where status <> 'ACTIVE' and worker_id in (?)`, [nodes.map((n) => n.id)]);
    expect(lapsed).toBeGreaterThan(0);
    expect(nodes.some((n) => n.labourFacts.activeSchemes.length > 1)).toBe(true);
    expect(nodes.some((n) => n.labourFacts.activeSchemes.length === 0)).toBe(true);
    // One batch: each fact one statement for the whole page.
    expect(counts.labour.statements.filter((statement) => /\) facts where /.test(statement))).toHaveLength(4);
  });

  test('the edge ages: a worker whose birthday is today is a year older than one whose birthday is tomorrow; an enrolment of today is active', async () => {
    const day = today();
    const ages = [
      ['40 today', addYears(day, -40)],
      ['41 tomorrow', addDays(addYears(day, -41), 1)],
      ['18 today', addYears(day, -18)],
      ['18 tomorrow', addDays(addYears(day, -18), 1)],
    ] as const;
    const ids: string[] = [];
    for (const [, dateOfBirth] of ages) {
      const res = await stack.query(REGISTER, { input: newWorker({ dateOfBirth, occupation: 'CONSTRUCTION' }) });
      expect(res.errors).toBeUndefined();
      ids.push(res.data.registerWorker.id);
    }
    // Turning 40 today, the first may still join PM-SYM today; and BOCW, as a construction worker.
    for (const scheme of ['PM_SYM', 'BOCW']) {
      const enrol = await stack.query(ENROL, { input: { workerId: ids[0], scheme, enrolledOn: day, schemeReference: `${scheme}/VJA/EDGE0001` } });
      expect(enrol.errors).toBeUndefined();
    }
    const expected = await expectedFacts(ids, day);
    // (On 29 February the years back roll to 1 March, and the ages are one less.)
    if (!day.endsWith('-02-29')) expect([...expected.values()].map((facts) => facts.age)).toEqual([40, 40, 18, 17]);
    for (const id of ids) {
      const res = await stack.query(`query($id: ID!) { worker(id: $id) { ${FACTS} } }`, { id });
      expect(res.errors).toBeUndefined();
      expect(sorted(res.data.worker.labourFacts)).toEqual(expected.get(id));
    }
    expect(expected.get(ids[0])!.activeSchemes).toEqual(['BOCW', 'PM_SYM']);
  });

  test('the single window\'s bulk question gets the same facts, for every worker of the caller\'s ward only', async () => {
    const [{ ward_code: ward }] = await sql(`select ward_code from worker where city_code = 'VJA' group by ward_code order by count(*) desc, ward_code limit 1`);
    const caller: Caller = { agency: 'mepma', subject: 'ward.crp', role: 'crp', jurisdiction: `ward:${ward}`, scopes: ['read'], purpose: 'cig-follow-up' };
    const body = JSON.stringify({ asOf: today(), facts: { names: ['age', 'gender', 'occupation', 'activeSchemes'] }, sets: ['SOCIAL_SECURITY'], tables: [{ name: 'workerCells' }] });
    const answer = await askStatistics(caller, body);
    expect(answer.status).toBe(200);
    const inWard = (await sql(`select id from worker where ward_code = ? and registered_on <= ? order by id`, [ward, today()])).map((row) => row.id);
    expect(inWard.length).toBeGreaterThan(0);
    const expected = await expectedFacts(inWard, today());
    const number = (id: string) => Number(id.slice(2));
    const age = decodeFact({ type: 'int' }, answer.body.facts.age);
    const schemes = decodeFact({ type: 'list' }, answer.body.facts.activeSchemes);
    expect([...age.keys()].sort((a, b) => a - b)).toEqual(inWard.map(number));
    for (const id of inWard) {
      expect(age.get(number(id))).toBe(expected.get(id)!.age);
      expect([...((schemes.get(number(id)) as string[] | undefined) ?? [])].sort()).toEqual(expected.get(id)!.activeSchemes);
    }
    expect([...decodeFact({ type: 'string' }, answer.body.facts.occupation).keys()]).toHaveLength(inWard.length);
    // The figures' cells and sets are the ward's too.
    expect(answer.body.tables[0].map((cell: any) => cell.ward)).toEqual(expect.arrayContaining([ward]));
    expect(new Set(answer.body.tables[0].map((cell: any) => cell.ward))).toEqual(new Set([ward]));

    // Another ward's cells are refused, as another city's are.
    const other = JSON.stringify({ asOf: today(), tables: [{ name: 'workerCells', params: { ward: ward === 'VJA-W01' ? 'VJA-W02' : 'VJA-W01' } }] });
    expect((await askStatistics(caller, other)).status).toBe(403);
  });
});

/** POST /statistics on Labour, sealed by the reports service as it asks for `caller`. */
async function askStatistics(caller: Caller, body: string): Promise<{ status: number; body: any }> {
  const response = await fetch(new URL('/statistics', stack.subgraphs.get('labour')!.server.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await sealedBy(stack, 'reports', caller, 'labour', body, 'statistics')) },
    body,
  });
  return { status: response.status, body: await response.json() };
}

describe('access and jurisdiction', () => {
  const VJA_CLERK: CallerSpec = { jurisdiction: 'city:VJA', subject: 'vja.clerk' };
  const AUDITOR: CallerSpec = { agency: 'labour', role: 'auditor', scopes: ['read'], purpose: 'Audit' };
  const ANALYST: CallerSpec = { agency: 'labour', role: 'analyst', scopes: ['read'], purpose: 'Statistics' };
  const MEPMA_OFFICER: CallerSpec = { agency: 'mepma', purpose: 'CIG follow-up' };
  const WORKERS = `query($filter: WorkerFilter, $after: String) { workers(filter: $filter, first: 100, after: $after) {
    totalCount edges { node { id city { code } } } pageInfo { hasNextPage endCursor } } }`;
  const ENROL = `mutation($input: EnrolInSchemeInput!) { enrolInScheme(input: $input) { id source { recordedBy } } }`;
  const UPDATE = `mutation($id: ID!, $input: UpdateWorkerInput!) { updateWorker(id: $id, input: $input) { id phone source { recordedBy updatedBy } } }`;

  async function seededWorker(city: string) {
    const [worker] = await sql(`select * from worker where city_code = ? order by id limit 1`, [city]);
    return worker;
  }

  async function rowCounts() {
    const [row] = await sql(`select (select count(*)::int from worker) as workers,
      (select count(*)::int from social_security_enrolment) as enrolments,
      (select count(*)::int from record_change) as changes`);
    return row;
  }

  test.each([
    ['city:VJA', ['VJA']],
    ['district:NTR', ['VJA']],
    ['district:Visakhapatnam', ['GVMC']],
    ['state:AP', ['VJA', 'GVMC']],
  ])('a %s officer lists the workers of %j only, and counts only those', async (jurisdiction, cities) => {
    const caller = { jurisdiction };
    const everything = await everyPage(stack, WORKERS, 'workers', {}, caller);
    const rows = await sql(`select id from worker where city_code in (?) order by id`, [cities]);
    expect(rows.length).toBeGreaterThan(0);
    expect(everything.nodes.map((n) => n.id)).toEqual(rows.map((r) => r.id));
    expect(everything.totals).toEqual([rows.length]);

    for (const city of ['VJA', 'GVMC']) {
      // Filtering on a city outside the jurisdiction finds nothing, rather than an error that would confirm it.
      const [{ n }] = await sql(`select count(*)::int as n from worker where city_code = ?`, [city]);
      const inCity = await everyPage(stack, WORKERS, 'workers', { filter: { city } }, caller);
      expect(inCity.totals).toEqual([cities.includes(city) ? n : 0]);
    }
  });

  test('a city:VJA officer gets the same NOT_FOUND for a GVMC worker as for one that does not exist; a state officer sees them', async () => {
    const gvmc = await seededWorker('GVMC');
    const vja = await seededWorker('VJA');
    const ONE = `query($id: ID!) { worker(id: $id) { id name } }`;
    await expectHiddenLikeUnknown(stack, ONE, 'worker', { hidden: gvmc.id, unknown: 'W-9999999' }, VJA_CLERK);
    expect((await stack.query(ONE, { id: vja.id }, VJA_CLERK)).data.worker).toEqual({ id: vja.id, name: vja.name });
    for (const jurisdiction of ['state:AP', 'district:Visakhapatnam']) {
      expect((await stack.query(ONE, { id: gvmc.id }, { jurisdiction })).data.worker).toEqual({ id: gvmc.id, name: gvmc.name });
    }
    expect(errorCodes(await stack.query(ONE, { id: gvmc.id }, { jurisdiction: 'district:NTR' }))).toEqual(['NOT_FOUND']);

    // Front-line look-ups: the same phone or ID digits find nobody outside the jurisdiction.
    const FIND = `query($phone: String, $l: String, $d: Date) { byPhone: findWorkers(phone: $phone) { id } byId: findWorkers(idLast4: $l, dateOfBirth: $d) { id } }`;
    const vars = { phone: gvmc.phone, l: gvmc.id_last4, d: gvmc.date_of_birth };
    const vjaFind = await stack.query(FIND, vars, VJA_CLERK);
    expect(vjaFind.errors).toBeUndefined();
    expect(vjaFind.data).toEqual({ byPhone: [], byId: [] });
    const stateFind = await stack.query(FIND, vars, { jurisdiction: 'state:AP' });
    expect(stateFind.data.byPhone).toEqual([{ id: gvmc.id }]);
    expect(stateFind.data.byId).toContainEqual({ id: gvmc.id });
  });

  test('a VJA roster shows only VJA workers and their enrolments, one statement per Labour table', async () => {
    let res: any;
    const counts = await countStatements(stack, async () => {
      res = await stack.query(`{ workers(first: 100) { edges { node { id city { code } socialSecurityEnrolments { id } history { action } } } } }`, {}, {
        ...VJA_CLERK,
      });
    });
    expect(res.errors).toBeUndefined();
    const nodes = res.data.workers.edges.map((e: any) => e.node);
    expect(nodes.length).toBeGreaterThan(0);
    expect(nodes.every((n: any) => n.city.code === 'VJA')).toBe(true);
    const ids = nodes.map((n: any) => n.id);
    const enrolments = (await sql(`select e.id from social_security_enrolment e join worker w on w.id = e.worker_id
      where e.worker_id in (?) and w.city_code = 'VJA' order by e.id`, [ids])).map((r) => r.id);
    expect(enrolments.length).toBeGreaterThan(0);
    expect(nodes.flatMap((n: any) => n.socialSecurityEnrolments.map((e: any) => e.id)).sort()).toEqual(enrolments);
    expect(statementsPerTable(counts.labour.statements)).toMatchObject({ worker: 1, social_security_enrolment: 1, record_change: 1 });
  });

  test('other agencies asking Labour about a worker (`_entities`) are answered within their caller\'s jurisdiction', async () => {
    const gvmc = await seededWorker('GVMC');
    const vja = await seededWorker('VJA');
    const [gvmcEnrolment] = await sql(`select e.id from social_security_enrolment e join worker w on w.id = e.worker_id where w.city_code = 'GVMC' order by e.id limit 1`);
    const [vjaEnrolment] = await sql(`select e.id from social_security_enrolment e join worker w on w.id = e.worker_id where w.city_code = 'VJA' order by e.id limit 1`);
    const caller: Caller = { agency: 'mepma', subject: 'vja.crp', role: 'officer', jurisdiction: 'city:VJA', scopes: ['read', 'write'], purpose: 'cig-follow-up' };
    const labourUrl = () => stack.subgraphs.get('labour')!.server.url;

    const body = JSON.stringify({
      query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Worker { id } ... on SocialSecurityEnrolment { id } } }`,
      variables: { r: [
        { __typename: 'Worker', id: gvmc.id }, { __typename: 'Worker', id: vja.id },
        { __typename: 'SocialSecurityEnrolment', id: gvmcEnrolment.id }, { __typename: 'SocialSecurityEnrolment', id: vjaEnrolment.id },
      ] },
    });
    const response = await fetch(labourUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await sealedBy(stack, 'gateway', caller, 'labour', body)) },
      body,
    });
    const result = (await response.json()) as any;
    expect(result.data._entities).toEqual([null, { id: vja.id }, null, { id: vjaEnrolment.id }]);

    // The directory every agency confirms workers with, before a write, says NOT_FOUND alike.
    const directory = (who: Caller) => labourWorkerDirectory({ labourUrl, signer: stack.seals.get('mepma')!.signer, caller: who });
    await expect(directory(caller).requireWorkers([vja.id])).resolves.toBeUndefined();
    await expect(directory(caller).requireWorkers([vja.id, gvmc.id])).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    await expect(directory({ ...caller, jurisdiction: 'state:AP' }).requireWorkers([vja.id, gvmc.id])).resolves.toBeUndefined();
  });

  test('a VJA officer cannot register a worker in GVMC (FORBIDDEN) nor change or enrol a GVMC worker (NOT_FOUND); nothing is written', async () => {
    const gvmc = await seededWorker('GVMC');
    let before = await rowCounts();
    const register = await stack.query(REGISTER, { input: newWorker({ city: 'GVMC', ward: 'GVMC-W03' }) }, VJA_CLERK);
    expect(errorCodes(register)).toEqual(['FORBIDDEN']);
    expect(register.errors![0].message).toContain('GVMC');
    expect(await rowCounts()).toEqual(before);

    before = await rowCounts();
    const update = await stack.query(UPDATE, { id: gvmc.id, input: { occupation: 'GIG', phone: '9000012345' } }, VJA_CLERK);
    const unknownUpdate = await stack.query(UPDATE, { id: 'W-9999999', input: { occupation: 'GIG' } }, VJA_CLERK);
    expect(errorCodes(update)).toEqual(['NOT_FOUND']);
    expect(update.errors![0].message.replace(gvmc.id, 'ID')).toEqual(unknownUpdate.errors![0].message.replace('W-9999999', 'ID'));
    const enrol = await stack.query(ENROL, { input: { workerId: gvmc.id, scheme: 'PMSBY', enrolledOn: '2025-06-01', schemeReference: 'PMSBY/GVMC/1' } }, VJA_CLERK);
    expect(errorCodes(enrol)).toEqual(['NOT_FOUND']);
    expect(await rowCounts()).toEqual(before);
    const [after] = await sql(`select * from worker where id = ?`, [gvmc.id]);
    expect(after).toEqual(gvmc);

    // A district officer whose district holds the city registers there.
    const ntr = await stack.query(REGISTER, { input: newWorker() }, { jurisdiction: 'district:NTR', subject: 'ntr.clerk' });
    expect(ntr.errors).toBeUndefined();
    expect(ntr.data.registerWorker.source.recordedBy).toBe('labour:ntr.clerk');
  });

  test('a duplicate phone is a CONFLICT that names neither the other worker nor the field, in the jurisdiction or outside it', async () => {
    const gvmc = await seededWorker('GVMC');
    const res = await stack.query(REGISTER, { input: newWorker({ phone: gvmc.phone }) }, VJA_CLERK);
    expect(errorCodes(res)).toEqual(['CONFLICT']);
    expect(res.errors![0].extensions).toMatchObject({ reason: 'ALREADY_REGISTERED' });
    expect(res.errors![0].message).not.toContain(gvmc.id);
    expect(res.errors![0].message).not.toMatch(/phone/i);
    // A national officer, who could look the other worker up, is told the same: "ask the owning agency".
    const national = await stack.query(REGISTER, { input: newWorker({ phone: gvmc.phone }) });
    expect(national.errors![0]).toEqual(res.errors![0]);
  });

  test('officers of other agencies, analysts, auditors and tokens without the write scope cannot write (FORBIDDEN)', async () => {
    const vja = await seededWorker('VJA');
    const refused: CallerSpec[] = [MEPMA_OFFICER, { agency: 'municipal' }, ANALYST, AUDITOR, { scopes: ['read'] }];
    for (const caller of refused) {
      const before = await rowCounts();
      const register = await stack.query(REGISTER, { input: newWorker() }, caller);
      expect(errorCodes(register)).toEqual(['FORBIDDEN']);
      const update = await stack.query(UPDATE, { id: vja.id, input: { occupation: 'GIG' } }, caller);
      expect(errorCodes(update)).toEqual(['FORBIDDEN']);
      expect(await rowCounts()).toEqual(before);
    }
    expect((await sql(`select occupation from worker where id = ?`, [vja.id]))[0].occupation).toBe(vja.occupation);
  });

  describe('a ward-level caller (ward:<code>, a CRP\'s jurisdiction)', () => {
    const CRP: CallerSpec = { agency: 'mepma', role: 'crp', scopes: ['read', 'write'], purpose: 'CIG follow-up' };
    let ward: string;
    let neighbour: any;
    beforeAll(async () => {
      [{ ward_code: ward }] = await sql(`select ward_code from worker where city_code = 'VJA' group by ward_code order by count(*) desc, ward_code limit 1`);
      [neighbour] = await sql(`select * from worker where city_code = 'VJA' and ward_code <> ? order by id limit 1`, [ward]);
    });

    test.each([['a Labour officer', {}], ['a CRP', CRP]])('%s lists, finds and loads the workers of that ward only', async (_, who) => {
      const caller: CallerSpec = { ...who, jurisdiction: `ward:${ward}` };
      const rows = await sql(`select id from worker where ward_code = ? order by id`, [ward]);
      const everything = await everyPage(stack, WORKERS, 'workers', {}, caller);
      expect(everything.nodes.map((n) => n.id)).toEqual(rows.map((r) => r.id));
      expect(everything.totals).toEqual([rows.length]);
      // The ward's own city is no wider for them; a neighbour in the next ward is as unknown as a worker who does not exist.
      expect((await everyPage(stack, WORKERS, 'workers', { filter: { city: 'VJA' } }, caller)).totals).toEqual([rows.length]);
      await expectHiddenLikeUnknown(stack, `query($id: ID!) { worker(id: $id) { id } }`, 'worker', { hidden: neighbour.id, unknown: 'W-9999999' }, caller);
      const [inWard] = await sql(`select id from worker where ward_code = ? order by id limit 1`, [ward]);
      expect((await stack.query(`query($id: ID!) { worker(id: $id) { id ward { code } } }`, { id: inWard.id }, caller)).data.worker).toEqual({ id: inWard.id, ward: { code: ward } });
    });

    test('a ward officer\'s look-ups, rosters and enrolments stop at the ward', async () => {
      const caller: CallerSpec = { jurisdiction: `ward:${ward}` };
      const find = await stack.query(`query($phone: String) { findWorkers(phone: $phone) { id } }`, { phone: neighbour.phone }, caller);
      expect(find.data.findWorkers).toEqual([]);
      const res = await stack.query(`{ workers(first: 100) { edges { node { id socialSecurityEnrolments { id } } } } }`, {}, caller);
      const ids = res.data.workers.edges.map((e: any) => e.node.id);
      const enrolments = (await sql(`select e.id from social_security_enrolment e join worker w on w.id = e.worker_id where w.ward_code = ? order by e.id`, [ward])).map((r) => r.id);
      expect(res.data.workers.edges.flatMap((e: any) => e.node.socialSecurityEnrolments.map((x: any) => x.id)).sort()).toEqual(enrolments);
      expect(ids.length).toBeGreaterThan(0);
      const enrol = await stack.query(ENROL, { input: { workerId: neighbour.id, scheme: 'PMSBY', enrolledOn: '2025-06-01', schemeReference: 'PMSBY/VJA/WARD0001' } }, caller);
      expect(errorCodes(enrol)).toEqual(['NOT_FOUND']);
    });

    test('a ward officer registers workers in that ward only, and moves nobody out of it (FORBIDDEN, nothing written)', async () => {
      const caller: CallerSpec = { jurisdiction: `ward:${ward}`, subject: 'ward.clerk' };
      const otherWard = ward === 'VJA-W01' ? 'VJA-W02' : 'VJA-W01';
      const before = await rowCounts();
      const elsewhere = await stack.query(REGISTER, { input: newWorker({ ward: otherWard }) }, caller);
      expect(errorCodes(elsewhere)).toEqual(['FORBIDDEN']);
      expect(elsewhere.errors![0].message).toContain(otherWard);
      expect(await rowCounts()).toEqual(before);

      const registered = await stack.query(REGISTER, { input: newWorker({ ward }) }, caller);
      expect(registered.errors).toBeUndefined();
      const { id } = registered.data.registerWorker;
      const moved = await stack.query(UPDATE, { id, input: { ward: otherWard } }, caller);
      expect(errorCodes(moved)).toEqual(['FORBIDDEN']);
      expect((await sql(`select ward_code from worker where id = ?`, [id]))[0].ward_code).toBe(ward);
    });

    test('a CRP can call none of Labour\'s mutations (FORBIDDEN), in their ward or anywhere', async () => {
      const [inWard] = await sql(`select id from worker where ward_code = ? order by id limit 1`, [ward]);
      for (const jurisdiction of [`ward:${ward}`, 'national']) {
        const caller: CallerSpec = { ...CRP, jurisdiction };
        const before = await rowCounts();
        const register = await stack.query(REGISTER, { input: newWorker({ ward }) }, caller);
        expect(errorCodes(register)).toEqual(['FORBIDDEN']);
        expect(register.errors![0].extensions!.fields).toEqual(['Mutation.registerWorker']);
        expect(errorCodes(await stack.query(UPDATE, { id: inWard.id, input: { occupation: 'GIG' } }, caller))).toEqual(['FORBIDDEN']);
        const enrol = await stack.query(ENROL, { input: { workerId: inWard.id, scheme: 'PMSBY', enrolledOn: '2025-06-01', schemeReference: 'PMSBY/VJA/CRP00001' } }, caller);
        expect(errorCodes(enrol)).toEqual(['FORBIDDEN']);
        expect(await rowCounts()).toEqual(before);
      }

      // Sent to Labour directly with the gateway's seal, the subgraph refuses it too.
      const body = JSON.stringify({ query: REGISTER, variables: { input: newWorker({ ward }) } });
      const crp: Caller = { agency: 'mepma', subject: 'crp', role: 'crp', jurisdiction: `ward:${ward}`, scopes: ['read', 'write'], purpose: 'cig-follow-up' };
      const direct = (await (await fetch(stack.subgraphs.get('labour')!.server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await sealedBy(stack, 'gateway', crp, 'labour', body)) },
        body,
      })).json()) as any;
      expect(direct.errors[0].extensions.code).toBe('FORBIDDEN');
      expect(direct.data?.registerWorker ?? null).toBeNull();
    });
  });

  test('field policies: full phone for Labour, the last four digits for other agencies; dashboards (analysts) are refused person records', async () => {
    const vja = await seededWorker('VJA');
    const ONE = `query($id: ID!) { worker(id: $id) { name phone eShramUan idReference { token last4 } } }`;
    const maskedPhone = `******${vja.phone.slice(-4)}`;
    const initials = vja.name.split(/\s+/).map((word: string) => `${word[0].toUpperCase()}.`).join(' ');

    const labour = await stack.query(ONE, { id: vja.id });
    expect(labour.errors).toBeUndefined();
    expect(labour.data.worker).toEqual({ name: vja.name, phone: vja.phone, eShramUan: vja.eshram_uan, idReference: { token: vja.id_token, last4: vja.id_last4 } });

    const mepma = await stack.query(ONE, { id: vja.id }, MEPMA_OFFICER);
    expect(mepma.errors).toBeUndefined();
    expect(mepma.data.worker).toEqual({
      name: vja.name, phone: maskedPhone, eShramUan: vja.eshram_uan && `********${vja.eshram_uan.slice(-4)}`,
      idReference: { token: '********', last4: vja.id_last4 },
    });
    expect(mepma.data.worker.phone).toMatch(/^\*{6}\d{4}$/);

    // Dashboards (analysts) see the reports only: a person's record is refused whole (403), not
    // masked, and nothing of it comes back, not even initials.
    const analyst = await stack.query(ONE, { id: vja.id }, ANALYST);
    expect(analyst.status).toBe(403);
    expect(analyst.data ?? null).toBeNull();
    expect(errorCodes(analyst)).toEqual(['FORBIDDEN']);
    expect(analyst.errors![0].extensions).toMatchObject({ reason: 'ANALYSTS_SEE_REPORTS_ONLY', fields: ['Query.worker'] });
    const shown = JSON.stringify(analyst);
    for (const value of [vja.name, initials, vja.phone, maskedPhone, vja.id_token]) expect(shown).not.toContain(value);

    // Dashboards do not look people up; officers of any agency do.
    const FIND = `query($phone: String) { findWorkers(phone: $phone) { id } }`;
    const refused = await stack.query(FIND, { phone: vja.phone }, ANALYST);
    expect(refused.status).toBe(403);
    expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
    expect(refused.errors![0].extensions).toMatchObject({ reason: 'ANALYSTS_SEE_REPORTS_ONLY', fields: ['Query.findWorkers'] });
    expect(refused.data?.findWorkers ?? null).toBeNull();
    expect((await stack.query(FIND, { phone: vja.phone }, MEPMA_OFFICER)).data.findWorkers).toEqual([{ id: vja.id }]);
    expect((await stack.query(FIND, { phone: vja.phone }, AUDITOR)).data.findWorkers).toEqual([{ id: vja.id }]);
  });

  test('history: an auditor reads who registered, changed and enrolled a worker, for what purpose, with the phone masked', async () => {
    const input = newWorker();
    const registered = await stack.query(REGISTER, { input }, VJA_CLERK);
    expect(registered.errors).toBeUndefined();
    const { id } = registered.data.registerWorker;
    expect(registered.data.registerWorker.source.recordedBy).toBe('labour:vja.clerk');
    const oldPhone = input.phone.replace(/^\+91 /, '').replace(' ', '');
    const newPhone = `9${oldPhone.slice(1)}`;

    const updated = await stack.query(UPDATE, { id, input: { phone: newPhone, occupation: 'CARE' } }, VJA_CLERK);
    expect(updated.errors).toBeUndefined();
    expect(updated.data.updateWorker.source).toEqual({ recordedBy: 'labour:vja.clerk', updatedBy: 'labour:vja.clerk' });
    const enrolled = await stack.query(ENROL, { input: { workerId: id, scheme: 'PMSBY', enrolledOn: '2025-06-01', schemeReference: 'PMSBY/VJA/HIST0001' } }, VJA_CLERK);
    expect(enrolled.errors).toBeUndefined();
    expect(enrolled.data.enrolInScheme.source.recordedBy).toBe('labour:vja.clerk');

    const HISTORY = `query($id: ID!) { worker(id: $id) {
      history { at by purpose action changes { field oldValue newValue } }
      socialSecurityEnrolments { history { by purpose action changes { field newValue } } } } }`;
    const res = await stack.query(HISTORY, { id }, AUDITOR);
    expect(res.errors).toBeUndefined();
    const { history, socialSecurityEnrolments } = res.data.worker;
    expect(history).toHaveLength(2);
    const [created, changed] = history;
    expect(created).toMatchObject({ by: 'labour:vja.clerk', purpose: 'service-delivery', action: 'CREATED' });
    expect(created.changes).toEqual(expect.arrayContaining([
      { field: 'id', oldValue: null, newValue: id },
      // Auditors read names and ID digits in full, but phone and vault token only as their fields show them.
      { field: 'name', oldValue: null, newValue: input.name },
      { field: 'phone', oldValue: null, newValue: `******${oldPhone.slice(-4)}` },
      { field: 'idToken', oldValue: null, newValue: '********' },
      { field: 'idLast4', oldValue: null, newValue: input.idLast4 },
      { field: 'cityCode', oldValue: null, newValue: 'VJA' },
    ]));
    expect(created.changes.map((c: any) => c.field)).not.toContain('recordedBy');
    expect(changed).toEqual({
      at: expect.any(String), by: 'labour:vja.clerk', purpose: 'service-delivery', action: 'UPDATED',
      changes: expect.arrayContaining([
        { field: 'phone', oldValue: `******${oldPhone.slice(-4)}`, newValue: `******${newPhone.slice(-4)}` },
        { field: 'occupation', oldValue: 'DOMESTIC', newValue: 'CARE' },
      ]),
    });
    expect(changed.changes).toHaveLength(2);
    expect(JSON.stringify(history)).not.toContain(oldPhone);
    expect(JSON.stringify(history)).not.toContain(input.idReferenceToken);
    expect(socialSecurityEnrolments[0].history).toEqual([{
      by: 'labour:vja.clerk', purpose: 'service-delivery', action: 'CREATED',
      changes: expect.arrayContaining([{ field: 'scheme', newValue: 'PMSBY' }, { field: 'workerId', newValue: id }]),
    }]);

    // Labour's own officers read the values in full; analysts and other agencies are refused.
    const own = await stack.query(HISTORY, { id }, VJA_CLERK);
    expect(own.data.worker.history[1].changes).toContainEqual({ field: 'phone', oldValue: oldPhone, newValue: newPhone });
    expect(own.data.worker.history[0].changes).toContainEqual({ field: 'idToken', oldValue: null, newValue: input.idReferenceToken });
    for (const caller of [ANALYST, MEPMA_OFFICER]) {
      const refused = await stack.query(`query($id: ID!) { worker(id: $id) { id history { action } } }`, { id }, caller);
      expect(errorCodes(refused)).toContain('FORBIDDEN');
      expect(refused.data?.worker?.history ?? null).toBeNull();
    }
  });

  test('demo workers, imported with history paused, have none; record_change is append-only', async () => {
    const [vja] = await sql(`select id from worker where city_code = 'VJA' and updated_by is null
      and 'worker:' || id not in (select record_key from record_change) order by id limit 1`);
    const res = await stack.query(`query($id: ID!) { worker(id: $id) { history { action } } }`, { id: vja.id }, AUDITOR);
    expect(res.data.worker.history).toEqual([]);
    await expectAppendOnly(stack, 'labour', 'record_change', 'changed_by', (statement) => sql(statement));
  });
});
