/**
 * __TITLE__ through the real gateway: the enrolments a worker's record gains from __TITLE__,
 * one enrolment by id, enrolling a worker (once, however often a retry sends it with its
 * idempotency key; and what bad input gets back, with nothing written),
 * who may read and write, jurisdiction, the masked reference and the change history. Scaffolded by
 * `npm run agency:new`: grow it with the agency's own records and rules.
 */
import { DEMO_CITIES as CITIES } from '../src/shared/demo/places';
import { addDays, today } from '../src/shared/dates';
import { countStatements, errorCodes, expectHiddenLikeUnknown, startTestStack, statementsPerTable, type CallerSpec, type TestStack } from './support/stack';

let stack: TestStack;

// The suite writes as a national __TITLE__ officer; access rules have their own tests below.
beforeAll(async () => {
  stack = await startTestStack('__NAME__', { as: { agency: '__NAME__' } });
});
afterAll(() => stack?.stop());

async function sql<T = any>(query: string, params: unknown[] = []): Promise<T[]> {
  return stack.subgraphs.get('__NAME__')!.database.orm.em.getConnection().execute(query, params);
}

async function labourSql<T = any>(query: string, params: unknown[] = []): Promise<T[]> {
  return stack.subgraphs.get('labour')!.database.orm.em.getConnection().execute(query, params);
}

async function enrolmentCount(): Promise<number> {
  const [{ n }] = await sql(`select count(*)::int as n from __SNAKE___enrolment`);
  return n;
}

const FIELDS = `id programme city { code name } enrolledOn reference source { agency system recordId recordedBy updatedBy }`;

const ENROL = /* GraphQL */ `
  mutation Enrol($input: EnrolIn__PASCAL__Input!) { enrolIn__PASCAL__(input: $input) { ${FIELDS} } }`;

const ONE = `query($id: ID!) { __CAMEL__Enrolment(id: $id) { ${FIELDS} } }`;

function fromRow(row: any) {
  return {
    id: row.id,
    programme: row.programme,
    city: { code: row.city_code, name: CITIES.find((city) => city.code === row.city_code)!.name },
    enrolledOn: row.enrolled_on,
    reference: row.reference,
    source: { agency: '__NAME__', system: row.source_system, recordId: row.id, recordedBy: row.recorded_by, updatedBy: row.updated_by },
  };
}

/** The first worker of `city` with no __TITLE__ enrolment yet (each test enrols a fresh one). */
async function workerWithout(city: string): Promise<string> {
  const enrolled = (await sql(`select distinct worker_id from __SNAKE___enrolment`)).map((r) => r.worker_id);
  const [worker] = await labourSql(`select id from worker where city_code = ? and id not in (?) order by id limit 1`, [city, enrolled]);
  return worker.id;
}

const enrolledOn = addDays(today(), -10);

/** A valid enrolment; each bad-input case changes one thing. */
function enrolment(workerId: string, overrides: Record<string, unknown> = {}) {
  return { workerId, programme: 'Screening camp', city: 'VJA', reference: 'REF-00012345', enrolledOn, ...overrides };
}

describe("a worker's __TITLE__ enrolments", () => {
  test("one query brings Labour's name together with the worker's __TITLE__ enrolments", async () => {
    const [{ worker_id: workerId }] = await sql(`select worker_id from __SNAKE___enrolment group by worker_id order by count(*) desc, worker_id limit 1`);
    const rows = await sql(`select * from __SNAKE___enrolment where worker_id = ? order by enrolled_on, id`, [workerId]);
    const [worker] = await labourSql(`select name from worker where id = ?`, [workerId]);
    const res = await stack.query(`query($id: ID!) { worker(id: $id) { id name __CAMEL__Enrolments { ${FIELDS} } } }`, { id: workerId });
    expect(res.errors).toBeUndefined();
    expect(res.data.worker).toEqual({ id: workerId, name: worker.name, __CAMEL__Enrolments: rows.map(fromRow) });
    expect(rows.length).toBeGreaterThan(1);
  });

  test('a worker with no enrolment has an empty list, not an error', async () => {
    const workerId = await workerWithout('GVMC');
    const res = await stack.query(`query($id: ID!) { worker(id: $id) { id __CAMEL__Enrolments { id } } }`, { id: workerId });
    expect(res.errors).toBeUndefined();
    expect(res.data.worker).toEqual({ id: workerId, __CAMEL__Enrolments: [] });
  });

  test('a roster of 100 workers costs __TITLE__ one statement', async () => {
    let res: any;
    const counts = await countStatements(stack, async () => {
      res = await stack.query(`{ workers(first: 100) { edges { node { id __CAMEL__Enrolments { id programme } } } } }`);
    });
    expect(res.errors).toBeUndefined();
    const ids = res.data.workers.edges.map((e: any) => e.node.id);
    const [{ n }] = await sql(`select count(*)::int as n from __SNAKE___enrolment where worker_id in (?)`, [ids]);
    const returned = res.data.workers.edges.reduce((sum: number, e: any) => sum + e.node.__CAMEL__Enrolments.length, 0);
    expect(returned).toBe(n);
    expect(n).toBeGreaterThan(0);
    expect(statementsPerTable(counts['__NAME__'].statements)).toEqual({ __SNAKE___enrolment: 1 });
  });
});

describe('one enrolment', () => {
  test('by id, with the worker it belongs to (named by Labour)', async () => {
    const [row] = await sql(`select * from __SNAKE___enrolment order by id desc limit 1`);
    const [worker] = await labourSql(`select name from worker where id = ?`, [row.worker_id]);
    const res = await stack.query(`query($id: ID!) { __CAMEL__Enrolment(id: $id) { ${FIELDS} worker { id name } } }`, { id: row.id });
    expect(res.errors).toBeUndefined();
    expect(res.data.__CAMEL__Enrolment).toEqual({ ...fromRow(row), worker: { id: row.worker_id, name: worker.name } });
  });

  test('an unknown enrolment is NOT_FOUND and a malformed id BAD_USER_INPUT', async () => {
    const unknown = await stack.query(ONE, { id: '__UPPER__-9999999' });
    expect(unknown.data.__CAMEL__Enrolment).toBeNull();
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    expect(errorCodes(await stack.query(ONE, { id: '42' }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('enrolling a worker', () => {
  test("__TITLE__'s officer enrols a worker, and the enrolment shows on the worker", async () => {
    const workerId = await workerWithout('VJA');
    const res = await stack.query(ENROL, { input: enrolment(workerId, { programme: '  Screening   camp ', reference: 'ref 0001 2345' }) });
    expect(res.errors).toBeUndefined();
    expect(res.data.enrolIn__PASCAL__).toMatchObject({
      programme: 'Screening camp', city: { code: 'VJA' }, enrolledOn, reference: 'REF00012345',
      source: { agency: '__NAME__', system: 'Worker Graph', recordedBy: '__NAME__:__NAME__-tester', updatedBy: null },
    });
    const rows = await sql(`select * from __SNAKE___enrolment where worker_id = ?`, [workerId]);
    expect(rows.map(fromRow)).toEqual([res.data.enrolIn__PASCAL__]);
    const worker = await stack.query(`query($id: ID!) { worker(id: $id) { __CAMEL__Enrolments { ${FIELDS} } } }`, { id: workerId });
    expect(worker.data.worker.__CAMEL__Enrolments).toEqual(rows.map(fromRow));
  });

  test('the same programme, in any letter case, cannot be enrolled twice (CONFLICT)', async () => {
    const workerId = await workerWithout('VJA');
    expect((await stack.query(ENROL, { input: enrolment(workerId) })).errors).toBeUndefined();
    const before = await enrolmentCount();
    const again = await stack.query(ENROL, { input: enrolment(workerId, { programme: 'SCREENING CAMP' }) });
    expect(errorCodes(again)).toEqual(['CONFLICT']);
    expect(await enrolmentCount()).toBe(before);
  });

  test('sent again with the same idempotencyKey (a retry after a lost connection), the enrolment is written once', async () => {
    const KEYED = `mutation Enrol($input: EnrolIn__PASCAL__Input!, $key: ID) { enrolIn__PASCAL__(input: $input, idempotencyKey: $key) { ${FIELDS} } }`;
    const workerId = await workerWithout('VJA');
    const key = `retry:${workerId}`;
    const before = await enrolmentCount();
    const first = await stack.query(KEYED, { input: enrolment(workerId), key });
    expect(first.errors).toBeUndefined();
    expect(await stack.query(KEYED, { input: enrolment(workerId), key })).toEqual(first);
    expect(await enrolmentCount()).toBe(before + 1);
    // The key with other arguments is another request: refused, and nothing is written.
    const other = await stack.query(KEYED, { input: enrolment(workerId, { programme: 'Outreach' }), key });
    expect(errorCodes(other)).toEqual(['CONFLICT']);
    expect(other.errors![0].extensions!.reason).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await enrolmentCount()).toBe(before + 1);
  });

  const cases: [string, Record<string, unknown>, string][] = [
    ['a blank programme', { programme: '   ' }, 'programme'],
    ['a reference too short', { reference: 'AB12' }, 'reference'],
    ['a reference with other signs', { reference: 'REF/0001/2345' }, 'reference'],
    ['a city the hub does not serve', { city: 'XYZ' }, 'city'],
    ['an enrolment dated in the future', { enrolledOn: addDays(today(), 2) }, 'enrolledOn'],
    ['a malformed worker id', { workerId: 'W-42' }, 'workerId'],
  ];
  test.each(cases)('%s is refused, naming the field, and writes nothing', async (_, overrides, field) => {
    const before = await enrolmentCount();
    const res = await stack.query(ENROL, { input: enrolment(await workerWithout('VJA'), overrides) });
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0].extensions!.field).toBe(field);
    expect(await enrolmentCount()).toBe(before);
  });

  test('an unknown worker is NOT_FOUND and writes nothing', async () => {
    const before = await enrolmentCount();
    const res = await stack.query(ENROL, { input: enrolment('W-9999999') });
    expect(errorCodes(res)).toEqual(['NOT_FOUND']);
    expect(res.errors![0].message).toContain('W-9999999');
    expect(await enrolmentCount()).toBe(before);
  });

  test("another agency's officer, an analyst and a token without the write scope may not enrol (FORBIDDEN)", async () => {
    const workerId = await workerWithout('VJA');
    const before = await enrolmentCount();
    const callers: CallerSpec[] = [{ agency: 'mepma' }, { role: 'analyst', purpose: 'Statistics' }, { scopes: ['read'] }];
    for (const caller of callers) {
      const res = await stack.query(ENROL, { input: enrolment(workerId) }, caller);
      expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    }
    expect(await enrolmentCount()).toBe(before);
  });
});

describe('access and jurisdiction', () => {
  const VJA_OFFICER: CallerSpec = { jurisdiction: 'city:VJA', subject: 'vja.officer' };
  const AUDITOR: CallerSpec = { agency: 'labour', role: 'auditor', scopes: ['read'], purpose: 'Audit' };
  const ANALYST: CallerSpec = { role: 'analyst', scopes: ['read'], purpose: 'Statistics' };

  test('a city:VJA officer gets the same NOT_FOUND for a GVMC enrolment as for one that does not exist', async () => {
    const [gvmc] = await sql(`select id from __SNAKE___enrolment where city_code = 'GVMC' order by id limit 1`);
    const [vja] = await sql(`select id from __SNAKE___enrolment where city_code = 'VJA' order by id limit 1`);
    await expectHiddenLikeUnknown(stack, `query($id: ID!) { __CAMEL__Enrolment(id: $id) { id } }`, '__CAMEL__Enrolment', { hidden: gvmc.id, unknown: '__UPPER__-9999999' }, VJA_OFFICER);
    const own = await stack.query(`query($id: ID!) { __CAMEL__Enrolment(id: $id) { id } }`, { id: vja.id }, VJA_OFFICER);
    expect(own.data.__CAMEL__Enrolment).toEqual({ id: vja.id });
  });

  test("a worker's enrolments show a VJA officer only those held in VJA, a state officer both cities'", async () => {
    const workerId = await workerWithout('VJA');
    const inVja = await stack.query(ENROL, { input: enrolment(workerId, { programme: 'Outreach' }) });
    const inGvmc = await stack.query(ENROL, { input: enrolment(workerId, { programme: 'Follow-up care', city: 'GVMC' }) });
    const QUERY = `query($id: ID!) { worker(id: $id) { __CAMEL__Enrolments { id } } }`;
    const vja = await stack.query(QUERY, { id: workerId }, VJA_OFFICER);
    expect(vja.data.worker.__CAMEL__Enrolments).toEqual([{ id: inVja.data.enrolIn__PASCAL__.id }]);
    const state = await stack.query(QUERY, { id: workerId }, { jurisdiction: 'state:AP' });
    expect(state.data.worker.__CAMEL__Enrolments.map((e: any) => e.id).sort()).toEqual([inVja.data.enrolIn__PASCAL__.id, inGvmc.data.enrolIn__PASCAL__.id].sort());
  });

  test('a city:VJA officer may not enrol in GVMC (FORBIDDEN), and nothing is written', async () => {
    const before = await enrolmentCount();
    const res = await stack.query(ENROL, { input: enrolment(await workerWithout('VJA'), { city: 'GVMC' }) }, VJA_OFFICER);
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    expect(await enrolmentCount()).toBe(before);
  });

  test("the reference is in full for __TITLE__'s officers only: masked for another agency and for auditors", async () => {
    const [row] = await sql(`select id, reference from __SNAKE___enrolment order by id limit 1`);
    const QUERY = `query($id: ID!) { __CAMEL__Enrolment(id: $id) { reference } }`;
    const masked = '*'.repeat(row.reference.length - 4) + row.reference.slice(-4);
    expect((await stack.query(QUERY, { id: row.id })).data.__CAMEL__Enrolment.reference).toBe(row.reference);
    expect((await stack.query(QUERY, { id: row.id }, { agency: 'mepma' })).data.__CAMEL__Enrolment.reference).toBe(masked);
    expect((await stack.query(QUERY, { id: row.id }, AUDITOR)).data.__CAMEL__Enrolment.reference).toBe(masked);
  });

  test("analysts (dashboards) read no worker's enrolments: FORBIDDEN, naming the field", async () => {
    const [row] = await sql(`select id, worker_id from __SNAKE___enrolment order by id limit 1`);
    const onWorker = await stack.query(`query($id: ID!) { worker(id: $id) { id __CAMEL__Enrolments { id } } }`, { id: row.worker_id }, ANALYST);
    expect(errorCodes(onWorker)).toEqual(['FORBIDDEN']);
    // Analysts see the graph through the reports only (src/shared/access/policy.ts): the worker itself is refused.
    expect(onWorker.errors![0].extensions).toMatchObject({ reason: 'ANALYSTS_SEE_REPORTS_ONLY', fields: ['Query.worker'] });
    const byId = await stack.query(`query($id: ID!) { __CAMEL__Enrolment(id: $id) { id } }`, { id: row.id }, ANALYST);
    expect(errorCodes(byId)).toEqual(['FORBIDDEN']);
    expect(byId.errors![0].extensions!.fields).toEqual(['Query.__CAMEL__Enrolment']);
  });

  describe('change history', () => {
    const HISTORY = `query($id: ID!) { __CAMEL__Enrolment(id: $id) { id history { by purpose action changes { field oldValue newValue } } } }`;

    test('an auditor reads who enrolled a worker, for what purpose and what was written, the reference masked', async () => {
      const workerId = await workerWithout('VJA');
      const enrolled = await stack.query(ENROL, { input: enrolment(workerId) }, VJA_OFFICER);
      expect(enrolled.errors).toBeUndefined();
      const { id } = enrolled.data.enrolIn__PASCAL__;

      const res = await stack.query(HISTORY, { id }, AUDITOR);
      expect(res.errors).toBeUndefined();
      expect(res.data.__CAMEL__Enrolment.history).toHaveLength(1);
      const [created] = res.data.__CAMEL__Enrolment.history;
      expect(created).toMatchObject({ by: '__NAME__:vja.officer', purpose: 'service-delivery', action: 'CREATED' });
      expect(created.changes).toEqual(expect.arrayContaining([
        { field: 'id', oldValue: null, newValue: id },
        { field: 'workerId', oldValue: null, newValue: workerId },
        { field: 'programme', oldValue: null, newValue: 'Screening camp' },
        { field: 'cityCode', oldValue: null, newValue: 'VJA' },
        { field: 'reference', oldValue: null, newValue: '********2345' },
      ]));
      // Provenance columns are the change's own `at` and `by`, not changes of their own.
      expect(created.changes.map((c: any) => c.field)).not.toContain('recordedBy');

      // __TITLE__'s own officer reads the reference in full; a GVMC auditor does not see the enrolment at all.
      const own = await stack.query(HISTORY, { id }, VJA_OFFICER);
      expect(own.data.__CAMEL__Enrolment.history[0].changes).toContainEqual({ field: 'reference', oldValue: null, newValue: 'REF-00012345' });
      expect(errorCodes(await stack.query(HISTORY, { id }, { ...AUDITOR, jurisdiction: 'city:GVMC' }))).toEqual(['NOT_FOUND']);
    });

    test("other agencies' officers and services may read the enrolment but not its history (FORBIDDEN)", async () => {
      const [row] = await sql(`select id from __SNAKE___enrolment order by id limit 1`);
      for (const caller of [{ agency: 'mepma' }, { agency: 'labour', role: 'service' }] as CallerSpec[]) {
        const res = await stack.query(HISTORY, { id: row.id }, caller);
        expect(errorCodes(res)).toEqual(['FORBIDDEN']);
        expect(res.errors![0].extensions!.fields).toEqual(['__PASCAL__Enrolment.history']);
        const plain = await stack.query(`query($id: ID!) { __CAMEL__Enrolment(id: $id) { id } }`, { id: row.id }, caller);
        expect(plain.data.__CAMEL__Enrolment).toEqual({ id: row.id });
      }
    });
  });
});
