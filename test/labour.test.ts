/**
 * Labour through the real gateway: identity look-ups, paging, registration and enrolment, and
 * what bad input gets back (with nothing written).
 */
import type { RunningStack } from '../src/stack';
import { errorCodes, graphql, startTestStack } from './support/stack';

let stack: RunningStack;
let url: string;

beforeAll(async () => {
  stack = await startTestStack('labour');
  url = stack.gatewayUrl;
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
  test('a worker by id shows identity, masked phone and where the record came from', async () => {
    const [row] = await sql(`select * from worker where id = 'W-0000007'`);
    const res = await graphql(url, `{ worker(id: "W-0000007") { id name phone dateOfBirth city { code name } ward { code } idReference { token last4 } source { agency recordId } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.worker).toMatchObject({
      id: 'W-0000007',
      name: row.name,
      phone: `******${row.phone.slice(-4)}`,
      dateOfBirth: row.date_of_birth,
      city: { code: row.city_code },
      ward: { code: row.ward_code },
      idReference: { token: row.id_token, last4: row.id_last4 },
      source: { agency: 'labour', recordId: 'W-0000007' },
    });
  });

  test('an unknown worker id is NOT_FOUND and a malformed one BAD_USER_INPUT', async () => {
    const unknown = await graphql(url, `{ worker(id: "W-9999999") { id } }`);
    expect(unknown.data.worker).toBeNull();
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    const malformed = await graphql(url, `{ worker(id: "42; drop table worker") { id } }`);
    expect(errorCodes(malformed)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(malformed)).not.toMatch(/stack|at .*\.ts/);
  });

  test('a front-line officer finds a worker by phone in any common format', async () => {
    const [row] = await sql(`select id, phone from worker where id = 'W-0000042'`);
    for (const phone of [row.phone, `+91 ${row.phone.slice(0, 5)} ${row.phone.slice(5)}`, `0${row.phone}`]) {
      const res = await graphql(url, `query($phone: String) { findWorkers(phone: $phone) { id } }`, { phone });
      expect(res.data.findWorkers).toEqual([{ id: 'W-0000042' }]);
    }
  });

  test('or by ID-reference last four digits with date of birth', async () => {
    const [row] = await sql(`select id, id_last4, date_of_birth from worker where id = 'W-0000100'`);
    const res = await graphql(url, `query($l: String, $d: Date) { findWorkers(idLast4: $l, dateOfBirth: $d) { id } }`, { l: row.id_last4, d: row.date_of_birth });
    expect(res.data.findWorkers.map((w: { id: string }) => w.id)).toContain('W-0000100');
  });

  test('a look-up with no usable key, or half of one, says what to send', async () => {
    const none = await graphql(url, `{ findWorkers(name: "Lakshmi") { id } }`);
    expect(errorCodes(none)).toEqual(['BAD_USER_INPUT']);
    const half = await graphql(url, `{ findWorkers(idLast4: "1234") { id } }`);
    expect(errorCodes(half)).toEqual(['BAD_USER_INPUT']);
    expect(half.errors![0].message).toMatch(/dateOfBirth/);
    const badPhone = await graphql(url, `{ findWorkers(phone: "12345") { id } }`);
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
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const res: any = await graphql(url, PAGE, { filter, first: 7, after });
      expect(res.errors).toBeUndefined();
      expect(res.data.workers.totalCount).toBe(expected.length);
      for (const edge of res.data.workers.edges) {
        expect(edge.node).toMatchObject({ city: { code: 'VJA' }, occupation: 'TRANSPORT' });
        seen.push(edge.node.id);
      }
      after = res.data.workers.pageInfo.hasNextPage ? res.data.workers.pageInfo.endCursor : null;
      pages += 1;
    } while (after);
    expect(seen).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 7));
  });

  test('filtering by ward, and an empty last page', async () => {
    const [{ ward_code: ward, n }] = await sql(`select ward_code, count(*)::int as n from worker group by ward_code order by n desc limit 1`);
    const res = await graphql(url, PAGE, { filter: { ward }, first: 100 });
    expect(res.data.workers.totalCount).toBe(n);
    expect(res.data.workers.edges.every((e: any) => e.node.ward.code === ward)).toBe(true);
    const nothing = await graphql(url, PAGE, { filter: { city: 'GVMC', ward: 'GVMC-W98', occupation: 'HOME_BASED' }, first: 5 });
    expect(nothing.data.workers).toEqual({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  test('first out of range, a forged cursor and an unknown city are refused', async () => {
    for (const first of [0, -1, 101]) expect(errorCodes(await graphql(url, PAGE, { first }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await graphql(url, PAGE, { after: 'not-a-cursor' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await graphql(url, PAGE, { filter: { city: 'XYZ' } }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('registering and enrolling', () => {
  test('a new worker is registered with the next id and written by Worker Graph', async () => {
    const input = newWorker();
    const res = await graphql(url, REGISTER, { input });
    expect(res.errors).toBeUndefined();
    const worker = res.data.registerWorker;
    expect(worker).toMatchObject({ phone: `******${input.phone.slice(-4)}`, city: { code: 'VJA' }, ward: { code: 'VJA-W12' }, ncoCode: '9111' });
    expect(worker.source).toEqual({ agency: 'labour', system: 'Worker Graph', recordedBy: 'worker-graph' });
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
    const res = await graphql(url, REGISTER, { input });
    expect(errorCodes(res)).toEqual([code]);
    expect(res.errors![0].message.length).toBeGreaterThan(10);
    const [after] = await sql(`select count(*)::int as n from worker`);
    expect(after.n).toBe(before.n);
  });

  test('a worker is enrolled in a scheme once; a second active enrolment is a conflict', async () => {
    const reg = await graphql(url, REGISTER, { input: newWorker() });
    const workerId = reg.data.registerWorker.id;
    const ENROL = `mutation($input: EnrolInSchemeInput!) { enrolInScheme(input: $input) { id scheme status enrolledOn source { agency } } }`;
    const input = { workerId, scheme: 'PMSBY', enrolledOn: '2025-06-01', schemeReference: 'PMSBY/VJA/00000001' };
    const first = await graphql(url, ENROL, { input });
    expect(first.data.enrolInScheme).toMatchObject({ scheme: 'PMSBY', status: 'ACTIVE', source: { agency: 'labour' } });
    const again = await graphql(url, ENROL, { input });
    expect(errorCodes(again)).toEqual(['CONFLICT']);
    const bocw = await graphql(url, ENROL, { input: { ...input, scheme: 'BOCW' } });
    expect(errorCodes(bocw)).toEqual(['BAD_USER_INPUT']);
    const unknown = await graphql(url, ENROL, { input: { ...input, workerId: 'W-9999999' } });
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    const rows = await sql(`select scheme from social_security_enrolment where worker_id = ?`, [workerId]);
    expect(rows).toEqual([{ scheme: 'PMSBY' }]);
    const worker = await graphql(url, `query($id: ID!) { worker(id: $id) { socialSecurityEnrolments { scheme } } }`, { id: workerId });
    expect(worker.data.worker.socialSecurityEnrolments).toEqual([{ scheme: 'PMSBY' }]);
  });

  test('an update changes only what is given and records who changed it', async () => {
    const res = await graphql(url, `mutation { updateWorker(id: "W-0000010", input: { ward: "${(await sql(`select city_code from worker where id='W-0000010'`))[0].city_code}-W05" }) { ward { code } source { updatedBy } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.updateWorker.source.updatedBy).toBe('worker-graph');
    const empty = await graphql(url, `mutation { updateWorker(id: "W-0000010", input: {}) { id } }`);
    expect(errorCodes(empty)).toEqual(['BAD_USER_INPUT']);
  });
});
