/**
 * ICDS through the real gateway: anganwadi centres, the household enrolments a worker's record
 * gains from ICDS, enrolling and exiting beneficiaries, the facts ICDS publishes for the single
 * window, and what bad input gets back (with nothing written).
 */
import { DEMO_CITIES as CITIES } from '../src/shared/demo/places';
import { countStatements, expectAppendOnly, errorCodes, everyPage, expectHiddenLikeUnknown, sealedBy, startTestStack, statementsPerTable, tableOf, type CallerSpec, type TestStack } from './support/stack';
import { addDays, addMonths, addYears, ageOn, today } from '../src/shared/dates';
import { decodeFact } from '../src/shared/facts';
import type { Caller } from '../src/shared/access/caller';
import type { StatisticsAnswer } from '../src/shared/statistics';
import { GRAPH_SOURCE_SYSTEM } from '../src/shared/provenance';

let stack: TestStack;

// The suite writes as a national ICDS officer; access rules have their own tests below.
beforeAll(async () => {
  stack = await startTestStack('icds', { as: { agency: 'icds' } });
});
afterAll(() => stack?.stop());

async function sql<T = any>(query: string, params: unknown[] = []): Promise<T[]> {
  return stack.subgraphs.get('icds')!.database.orm.em.getConnection().execute(query, params);
}

async function labourSql<T = any>(query: string, params: unknown[] = []): Promise<T[]> {
  return stack.subgraphs.get('labour')!.database.orm.em.getConnection().execute(query, params);
}

async function municipalSql<T = any>(query: string, params: unknown[] = []): Promise<T[]> {
  return stack.subgraphs.get('municipal')!.database.orm.em.getConnection().execute(query, params);
}

async function enrolmentCount(): Promise<number> {
  const [{ n }] = await sql(`select count(*)::int as n from icds_enrolment`);
  return n;
}

const ENROLMENT_FIELDS = `id beneficiaryType beneficiaryName relationToWorker dateOfBirth expectedDeliveryDate deliveryDate
  enrolledOn status exitedOn pmmvyInstalmentsPaid centre { id } source { agency system recordId recordedBy updatedBy }`;

const ENROL = /* GraphQL */ `
  mutation Enrol($input: EnrolHouseholdMemberInput!) { enrolHouseholdMember(input: $input) { ${ENROLMENT_FIELDS} } }`;

const EXIT = /* GraphQL */ `
  mutation Exit($id: ID!, $exitedOn: Date!) { exitIcdsEnrolment(id: $id, exitedOn: $exitedOn) { ${ENROLMENT_FIELDS} } }`;

function fromRow(row: any) {
  return {
    id: row.id,
    beneficiaryType: row.beneficiary_type,
    beneficiaryName: row.beneficiary_name,
    relationToWorker: row.relation_to_worker,
    dateOfBirth: row.date_of_birth,
    expectedDeliveryDate: row.expected_delivery_date,
    deliveryDate: row.delivery_date,
    enrolledOn: row.enrolled_on,
    status: row.status,
    exitedOn: row.exited_on,
    pmmvyInstalmentsPaid: row.pmmvy_instalments_paid,
    centre: { id: row.centre_id },
    source: { agency: 'icds', system: row.source_system, recordId: row.id, recordedBy: row.recorded_by, updatedBy: row.updated_by },
  };
}

/** The first worker with no household enrolments yet, and a centre in the worker's own ward. */
async function householdWithoutEnrolments(): Promise<{ workerId: string; centreId: string }> {
  const enrolled = (await sql(`select distinct worker_id from icds_enrolment`)).map((r) => r.worker_id);
  const [worker] = await labourSql(`select id, ward_code from worker where id not in (?) order by id limit 1`, [enrolled]);
  const [centre] = await sql(`select id from anganwadi_centre where ward_code = ? order by id limit 1`, [worker.ward_code]);
  return { workerId: worker.id, centreId: centre.id };
}

const enrolledOn = addDays(today(), -10);

/** A valid enrolment of each type; each bad-input case changes one thing. */
function member(type: 'CHILD' | 'PREGNANT_WOMAN' | 'LACTATING_MOTHER', household: { workerId: string; centreId: string }, overrides: Record<string, unknown> = {}) {
  const own = {
    CHILD: { beneficiaryName: 'Kolla Mounika', relationToWorker: 'CHILD', dateOfBirth: addDays(enrolledOn, -400) },
    PREGNANT_WOMAN: { beneficiaryName: 'Kolla Sirisha', relationToWorker: 'SPOUSE', expectedDeliveryDate: addDays(enrolledOn, 150) },
    LACTATING_MOTHER: { beneficiaryName: 'Kolla Sirisha', relationToWorker: 'SPOUSE', deliveryDate: addDays(enrolledOn, -40) },
  }[type];
  return { ...household, beneficiaryType: type, enrolledOn, ...own, ...overrides };
}

describe("a worker's household at the anganwadi", () => {
  test("one query brings Labour's name together with the household's ICDS enrolments", async () => {
    const [{ worker_id: workerId }] = await sql(`select worker_id from icds_enrolment group by worker_id order by count(*) desc, worker_id limit 1`);
    const rows = await sql(`select * from icds_enrolment where worker_id = ? order by enrolled_on, id`, [workerId]);
    const [worker] = await labourSql(`select name from worker where id = ?`, [workerId]);
    const res = await stack.query(`query($id: ID!) { worker(id: $id) { id name icdsEnrolments { ${ENROLMENT_FIELDS} } } }`, { id: workerId });
    expect(res.errors).toBeUndefined();
    expect(res.data.worker).toEqual({ id: workerId, name: worker.name, icdsEnrolments: rows.map(fromRow) });
    expect(rows.length).toBeGreaterThan(1);
  });

  test('a worker with no young family has an empty list, not an error', async () => {
    const { workerId } = await householdWithoutEnrolments();
    const res = await stack.query(`query($id: ID!) { worker(id: $id) { id icdsEnrolments { id } } }`, { id: workerId });
    expect(res).toMatchObject({ data: { worker: { id: workerId, icdsEnrolments: [] } } });
    expect(res.errors).toBeUndefined();
  });

  test('every demo household is enrolled in its own ward: children under six with the worker surname, mothers as SELF or SPOUSE', async () => {
    // The demo's own enrolments only: other tests enrol through the graph, at centres of other wards too.
    const enrolments = await sql(`select e.*, c.ward_code from icds_enrolment e join anganwadi_centre c on c.id = e.centre_id
      where e.source_system <> ?`, [GRAPH_SOURCE_SYSTEM]);
    const workers = new Map((await labourSql(`select id, name, gender, ward_code from worker`)).map((w) => [w.id, w]));
    for (const enrolment of enrolments) {
      const worker = workers.get(enrolment.worker_id);
      expect(enrolment.ward_code).toBe(worker.ward_code);
      if (enrolment.beneficiary_type === 'CHILD') {
        expect(enrolment.relation_to_worker).toBe('CHILD');
        expect(enrolment.beneficiary_name.split(' ')[0]).toBe(worker.name.split(' ')[0]);
        expect(addYears(enrolment.date_of_birth, 6) > enrolment.enrolled_on).toBe(true);
        expect(enrolment.pmmvy_instalments_paid).toBeNull();
      } else {
        expect(enrolment.relation_to_worker).toBe(worker.gender === 'FEMALE' ? 'SELF' : 'SPOUSE');
        if (worker.gender === 'FEMALE') expect(enrolment.beneficiary_name).toBe(worker.name);
        expect(enrolment.pmmvy_instalments_paid).toBeGreaterThanOrEqual(0);
      }
    }
    const kinds = new Set(enrolments.map((e) => e.beneficiary_type));
    expect([...kinds].sort()).toEqual(['CHILD', 'LACTATING_MOTHER', 'PREGNANT_WOMAN']);
    expect(enrolments.some((e) => e.status === 'EXITED')).toBe(true);
  });

  test('a roster of 100 workers costs ICDS at most one statement per table', async () => {
    const ROSTER = `{ workers(first: 100) { edges { node { id name icdsEnrolments { beneficiaryName centre { name ward { code } city { code } } } } } } }`;
    let res: any;
    const counts = await countStatements(stack, async () => {
      res = await stack.query(ROSTER);
    });
    expect(res.errors).toBeUndefined();
    const ids = res.data.workers.edges.map((e: any) => e.node.id);
    const [{ n }] = await sql(`select count(*)::int as n from icds_enrolment where worker_id in (?)`, [ids]);
    const returned = res.data.workers.edges.reduce((sum: number, e: any) => sum + e.node.icdsEnrolments.length, 0);
    expect(returned).toBe(n);
    expect(n).toBeGreaterThan(0);
    const perTable = new Map<string, number>();
    for (const statement of counts.icds.statements) perTable.set(tableOf(statement), (perTable.get(tableOf(statement)) ?? 0) + 1);
    expect(Object.fromEntries(perTable)).toEqual({ icds_enrolment: 1, anganwadi_centre: 1 });
  });
});

describe('anganwadi centres', () => {
  const PAGE = `query($filter: AnganwadiCentreFilter, $first: Int, $after: String) {
    anganwadiCentres(filter: $filter, first: $first, after: $after) {
      totalCount edges { cursor node { id name city { code } ward { code } } } pageInfo { hasNextPage endCursor }
    } }`;

  test('each city has two centres in every ward', async () => {
    const rows = await sql(`select city_code, count(distinct ward_code)::int as wards, count(*)::int as centres from anganwadi_centre group by city_code order by city_code`);
    const expected = CITIES.map((city) => ({ city_code: city.code, wards: city.wardCount, centres: 2 * city.wardCount }));
    expect(rows).toEqual(expected.sort((a, b) => a.city_code.localeCompare(b.city_code)));
  });

  test("each centre is named after its ward's own locality (as Municipal names it), numbered within the ward", async () => {
    const localities = new Map((await municipalSql(`select code, locality from ward`)).map((ward) => [ward.code, ward.locality]));
    const byWard = new Map<string, string[]>();
    for (const centre of await sql(`select name, ward_code from anganwadi_centre order by id`)) {
      byWard.set(centre.ward_code, [...(byWard.get(centre.ward_code) ?? []), centre.name]);
    }
    expect(byWard.size).toBe(localities.size);
    for (const [ward, names] of byWard) expect(names).toEqual(names.map((_, i) => `${localities.get(ward)} AWC ${i + 1}`));
  });

  test('a centre by id shows its AWC code, ward and anganwadi worker', async () => {
    const [row] = await sql(`select * from anganwadi_centre order by id desc limit 1`);
    const res = await stack.query(`query($id: ID!) { anganwadiCentre(id: $id) { id name awcCode city { code name } ward { code } anganwadiWorkerName source { agency system recordId } } }`, { id: row.id });
    expect(res.errors).toBeUndefined();
    expect(res.data.anganwadiCentre).toEqual({
      id: row.id,
      name: row.name,
      awcCode: row.awc_code,
      city: { code: row.city_code, name: CITIES.find((c) => c.code === row.city_code)!.name },
      ward: { code: row.ward_code },
      anganwadiWorkerName: row.anganwadi_worker_name,
      source: { agency: 'icds', system: row.source_system, recordId: row.id },
    });
    expect(row.awc_code).toMatch(/^\d{11}$/);
  });

  test('an unknown centre is NOT_FOUND and a malformed id BAD_USER_INPUT', async () => {
    const unknown = await stack.query(`{ anganwadiCentre(id: "AWC-VJA-9999") { id } }`);
    expect(unknown.data.anganwadiCentre).toBeNull();
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    const malformed = await stack.query(`{ anganwadiCentre(id: "Governorpet AWC 2") { id } }`);
    expect(errorCodes(malformed)).toEqual(['BAD_USER_INPUT']);
  });

  test("pages of a city's centres cover each centre once, in id order", async () => {
    const city = CITIES[1].code;
    const expected = (await sql(`select id from anganwadi_centre where city_code = ? order by id`, [city])).map((r) => r.id);
    const { nodes, totals } = await everyPage(stack, PAGE, 'anganwadiCentres', { filter: { city }, first: 30 });
    expect(totals).toEqual([expected.length]);
    for (const node of nodes) expect(node.city.code).toBe(city);
    expect(nodes.map((node) => node.id)).toEqual(expected);
  });

  test("a ward's centres", async () => {
    const [{ ward_code: ward }] = await sql(`select ward_code from anganwadi_centre order by id limit 1`);
    const expected = (await sql(`select id, name from anganwadi_centre where ward_code = ? order by id`, [ward])).map((r) => ({ id: r.id, name: r.name }));
    const res = await stack.query(PAGE, { filter: { ward } });
    expect(res.data.anganwadiCentres.totalCount).toBe(expected.length);
    expect(res.data.anganwadiCentres.edges.map((e: any) => ({ id: e.node.id, name: e.node.name }))).toEqual(expected);
    expect(res.data.anganwadiCentres.edges.every((e: any) => e.node.ward.code === ward)).toBe(true);
  });

  test('first out of range, a forged cursor, an unknown city and a ward of another city are refused', async () => {
    expect(errorCodes(await stack.query(PAGE, { first: 101 }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await stack.query(PAGE, { after: 'not-a-cursor' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await stack.query(PAGE, { filter: { city: 'XYZ' } }))).toEqual(['BAD_USER_INPUT']);
    const otherCity = await stack.query(PAGE, { filter: { city: 'VJA', ward: 'GVMC-W03' } });
    expect(errorCodes(otherCity)).toEqual(['BAD_USER_INPUT']);
    expect(otherCity.errors![0].extensions!.field).toBe('filter.ward');
  });
});

describe('one enrolment', () => {
  test('by id, with the worker it belongs to (named by Labour) and its centre', async () => {
    const [row] = await sql(`select e.*, c.name as centre_name from icds_enrolment e join anganwadi_centre c on c.id = e.centre_id where e.beneficiary_type = 'PREGNANT_WOMAN' order by e.id limit 1`);
    const [worker] = await labourSql(`select name from worker where id = ?`, [row.worker_id]);
    const res = await stack.query(`query($id: ID!) { icdsEnrolment(id: $id) { ${ENROLMENT_FIELDS} worker { id name } centre { name } } }`, { id: row.id });
    expect(res.errors).toBeUndefined();
    expect(res.data.icdsEnrolment).toEqual({
      ...fromRow(row),
      worker: { id: row.worker_id, name: worker.name },
      centre: { id: row.centre_id, name: row.centre_name },
    });
  });

  test('an unknown enrolment is NOT_FOUND and a malformed id BAD_USER_INPUT', async () => {
    const unknown = await stack.query(`{ icdsEnrolment(id: "ICDS-9999999") { id } }`);
    expect(unknown.data.icdsEnrolment).toBeNull();
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    expect(errorCodes(await stack.query(`{ icdsEnrolment(id: "42") { id } }`))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('enrolling household members', () => {
  test('a child, a pregnant wife and a new mother are enrolled and show on the worker', async () => {
    const household = await householdWithoutEnrolments();
    const child = await stack.query(ENROL, { input: member('CHILD', household) });
    expect(child.errors).toBeUndefined();
    expect(child.data.enrolHouseholdMember).toMatchObject({
      beneficiaryType: 'CHILD', beneficiaryName: 'Kolla Mounika', relationToWorker: 'CHILD', status: 'ACTIVE',
      dateOfBirth: addDays(enrolledOn, -400), enrolledOn, pmmvyInstalmentsPaid: null, centre: { id: household.centreId },
      source: { agency: 'icds', system: 'Worker Graph', recordedBy: 'icds:icds-tester' },
    });
    const pregnant = await stack.query(ENROL, { input: member('PREGNANT_WOMAN', household) });
    expect(pregnant.data.enrolHouseholdMember).toMatchObject({ expectedDeliveryDate: addDays(enrolledOn, 150), pmmvyInstalmentsPaid: 0 });
    const mother = await stack.query(ENROL, { input: member('LACTATING_MOTHER', household, { beneficiaryName: 'Kolla Haritha', relationToWorker: 'SELF' }) });
    expect(mother.data.enrolHouseholdMember).toMatchObject({ deliveryDate: addDays(enrolledOn, -40), relationToWorker: 'SELF', pmmvyInstalmentsPaid: 0 });

    const rows = await sql(`select * from icds_enrolment where worker_id = ? order by id`, [household.workerId]);
    const ids = [child, pregnant, mother].map((r) => r.data.enrolHouseholdMember.id);
    expect(rows.map((r) => r.id)).toEqual(ids);
    const worker = await stack.query(`query($id: ID!) { worker(id: $id) { icdsEnrolments { ${ENROLMENT_FIELDS} } } }`, { id: household.workerId });
    expect(worker.data.worker.icdsEnrolments).toEqual(rows.map(fromRow));
  });

  test('the same beneficiary, in any letter case, cannot hold two active enrolments', async () => {
    const household = await householdWithoutEnrolments();
    expect((await stack.query(ENROL, { input: member('CHILD', household) })).errors).toBeUndefined();
    const before = await enrolmentCount();
    const again = await stack.query(ENROL, { input: member('CHILD', household, { beneficiaryName: '  KOLLA   mounika ' }) });
    expect(errorCodes(again)).toEqual(['CONFLICT']);
    expect(again.errors![0].message).toMatch(/already enrolled \(ICDS-\d{7}/);
    expect(await enrolmentCount()).toBe(before);
  });

  const cases: [string, 'CHILD' | 'PREGNANT_WOMAN' | 'LACTATING_MOTHER', Record<string, unknown>, string][] = [
    ['a child without a date of birth', 'CHILD', { dateOfBirth: null }, 'dateOfBirth'],
    ['a child who turned six that day', 'CHILD', { dateOfBirth: addYears(enrolledOn, -6) }, 'dateOfBirth'],
    ['a child born after the enrolment date', 'CHILD', { dateOfBirth: addDays(enrolledOn, 1) }, 'dateOfBirth'],
    ['a child enrolled as the worker herself', 'CHILD', { relationToWorker: 'SELF' }, 'relationToWorker'],
    ['a child with a due date', 'CHILD', { expectedDeliveryDate: addDays(enrolledOn, 30) }, 'expectedDeliveryDate'],
    ['a pregnant woman without a due date', 'PREGNANT_WOMAN', { expectedDeliveryDate: null }, 'expectedDeliveryDate'],
    ['a due date on the enrolment date', 'PREGNANT_WOMAN', { expectedDeliveryDate: enrolledOn }, 'expectedDeliveryDate'],
    ['a due date more than nine months away', 'PREGNANT_WOMAN', { expectedDeliveryDate: addDays(addMonths(enrolledOn, 9), 1) }, 'expectedDeliveryDate'],
    ['a pregnant woman enrolled as a child of the worker', 'PREGNANT_WOMAN', { relationToWorker: 'CHILD' }, 'relationToWorker'],
    ['a pregnant woman with a date of birth', 'PREGNANT_WOMAN', { dateOfBirth: '1998-03-01' }, 'dateOfBirth'],
    ['a mother who delivered more than six months before', 'LACTATING_MOTHER', { deliveryDate: addDays(addMonths(enrolledOn, -6), -1) }, 'deliveryDate'],
    ['a delivery after the enrolment date', 'LACTATING_MOTHER', { deliveryDate: addDays(enrolledOn, 1) }, 'deliveryDate'],
    ['an enrolment dated in the future', 'CHILD', { enrolledOn: addDays(today(), 2) }, 'enrolledOn'],
    ['a blank name', 'CHILD', { beneficiaryName: '   ' }, 'beneficiaryName'],
    ['a malformed centre id', 'CHILD', { centreId: 'Governorpet AWC 2' }, 'centreId'],
    ['a malformed worker id', 'CHILD', { workerId: 'W-42' }, 'workerId'],
  ];
  test.each(cases)('%s is refused, naming the field, and writes nothing', async (_, type, overrides, field) => {
    const household = await householdWithoutEnrolments();
    const before = await enrolmentCount();
    const res = await stack.query(ENROL, { input: member(type, household, overrides) });
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0].extensions!.field).toBe(field);
    expect(await enrolmentCount()).toBe(before);
  });

  test('the baseline of those cases is itself valid', async () => {
    const household = await householdWithoutEnrolments();
    for (const type of ['CHILD', 'PREGNANT_WOMAN', 'LACTATING_MOTHER'] as const) {
      expect((await stack.query(ENROL, { input: member(type, household, { beneficiaryName: `Baseline ${type}` }) })).errors).toBeUndefined();
    }
  });

  test('an unknown centre or worker is NOT_FOUND and writes nothing', async () => {
    const household = await householdWithoutEnrolments();
    const before = await enrolmentCount();
    const noCentre = await stack.query(ENROL, { input: member('CHILD', household, { centreId: 'AWC-VJA-9999' }) });
    expect(errorCodes(noCentre)).toEqual(['NOT_FOUND']);
    const noWorker = await stack.query(ENROL, { input: member('CHILD', household, { workerId: 'W-9999999' }) });
    expect(errorCodes(noWorker)).toEqual(['NOT_FOUND']);
    expect(noWorker.errors![0].message).toContain('W-9999999');
    expect(await enrolmentCount()).toBe(before);
  });
});

describe('exiting an enrolment', () => {
  test('an exit is recorded once, not before enrolment, and frees the child to enrol again', async () => {
    const household = await householdWithoutEnrolments();
    const enrolled = await stack.query(ENROL, { input: member('CHILD', household) });
    const id = enrolled.data.enrolHouseholdMember.id;

    const early = await stack.query(EXIT, { id, exitedOn: addDays(enrolledOn, -1) });
    expect(errorCodes(early)).toEqual(['BAD_USER_INPUT']);
    expect(early.errors![0].extensions!.field).toBe('exitedOn');
    const future = await stack.query(EXIT, { id, exitedOn: addDays(today(), 1) });
    expect(errorCodes(future)).toEqual(['BAD_USER_INPUT']);
    expect((await sql(`select status from icds_enrolment where id = ?`, [id]))[0].status).toBe('ACTIVE');

    const exited = await stack.query(EXIT, { id, exitedOn: addDays(enrolledOn, 5) });
    expect(exited.errors).toBeUndefined();
    const [row] = await sql(`select * from icds_enrolment where id = ?`, [id]);
    expect(exited.data.exitIcdsEnrolment).toEqual(fromRow(row));
    expect(row).toMatchObject({ status: 'EXITED', exited_on: addDays(enrolledOn, 5), updated_by: 'icds:icds-tester' });

    const again = await stack.query(EXIT, { id, exitedOn: addDays(enrolledOn, 6) });
    expect(errorCodes(again)).toEqual(['CONFLICT']);
    expect((await sql(`select exited_on from icds_enrolment where id = ?`, [id]))[0].exited_on).toBe(addDays(enrolledOn, 5));

    const back = await stack.query(ENROL, { input: member('CHILD', household, { enrolledOn: addDays(enrolledOn, 7) }) });
    expect(back.errors).toBeUndefined();
    const history = await sql(`select status from icds_enrolment where worker_id = ? order by id`, [household.workerId]);
    expect(history.map((r) => r.status)).toEqual(['EXITED', 'ACTIVE']);
  });

  test('an unknown enrolment is NOT_FOUND', async () => {
    const res = await stack.query(EXIT, { id: 'ICDS-9999999', exitedOn: enrolledOn });
    expect(errorCodes(res)).toEqual(['NOT_FOUND']);
  });
});

describe('access and jurisdiction', () => {
  const VJA_OFFICER: CallerSpec = { jurisdiction: 'city:VJA', subject: 'vja.cdpo' };
  const AUDITOR: CallerSpec = { agency: 'labour', role: 'auditor', scopes: ['read'], purpose: 'Audit' };
  const ANALYST: CallerSpec = { role: 'analyst', scopes: ['read'], purpose: 'Statistics' };
  const CENTRES = `query($filter: AnganwadiCentreFilter, $after: String) { anganwadiCentres(filter: $filter, first: 100, after: $after) {
    totalCount edges { node { id city { code } } } pageInfo { hasNextPage endCursor } } }`;

  /** A seeded worker of `city` with no household enrolments yet. */
  async function workerOf(city: string): Promise<string> {
    const enrolled = (await sql(`select distinct worker_id from icds_enrolment`)).map((r) => r.worker_id);
    const [worker] = await labourSql(`select id from worker where city_code = ? and id not in (?) order by id limit 1`, [city, enrolled]);
    return worker.id;
  }

  async function centreOf(city: string): Promise<string> {
    const [centre] = await sql(`select id from anganwadi_centre where city_code = ? order by id limit 1`, [city]);
    return centre.id;
  }

  /** Enrols a child as the suite's national officer (who may enrol anywhere) and returns the enrolment id. */
  async function enrolChild(workerId: string, centreId: string, caller?: CallerSpec): Promise<string> {
    const res = await stack.query(ENROL, { input: member('CHILD', { workerId, centreId }) }, caller);
    expect(res.errors).toBeUndefined();
    return res.data.enrolHouseholdMember.id;
  }

  test.each([
    ['city:VJA', ['VJA']],
    ['district:NTR', ['VJA']],
    ['district:Visakhapatnam', ['GVMC']],
    ['state:AP', ['VJA', 'GVMC']],
  ])('a %s officer lists the anganwadi centres of %j only, and counts only those', async (jurisdiction, cities) => {
    const caller = { jurisdiction };
    for (const city of CITIES) {
      // Filtering on a city outside the jurisdiction finds nothing, rather than an error that would confirm it.
      const [{ n }] = await sql(`select count(*)::int as n from anganwadi_centre where city_code = ?`, [city.code]);
      const inCity = await everyPage(stack, CENTRES, 'anganwadiCentres', { filter: { city: city.code } }, caller);
      expect(inCity.totals).toEqual([cities.includes(city.code) ? n : 0]);
    }
    const everything = await everyPage(stack, CENTRES, 'anganwadiCentres', {}, caller);
    const rows = await sql(`select id from anganwadi_centre where city_code in (?) order by id`, [cities]);
    expect(everything.nodes.map((n) => n.id)).toEqual(rows.map((r) => r.id));
    expect(everything.totals).toEqual([rows.length]);
  });

  test('centres are public facilities: another agency sees them, within its jurisdiction; an analyst asks the reports instead', async () => {
    const [{ n }] = await sql(`select count(*)::int as n from anganwadi_centre where city_code = 'GVMC'`);
    const seen = await everyPage(stack, CENTRES, 'anganwadiCentres', {}, { agency: 'mepma', jurisdiction: 'city:GVMC' });
    expect(seen.totals).toEqual([n]);
    expect(seen.nodes.every((n) => n.id.startsWith('AWC-GVMC-'))).toBe(true);
    // Analysts see the reports only: a list of centres (and its exact count) is refused whole.
    const analyst = await stack.query(CENTRES, { after: null }, { ...ANALYST, jurisdiction: 'city:GVMC' });
    expect(analyst.status).toBe(403);
    expect(errorCodes(analyst)).toEqual(['FORBIDDEN']);
    expect(analyst.errors![0].extensions).toMatchObject({ reason: 'ANALYSTS_SEE_REPORTS_ONLY', fields: ['Query.anganwadiCentres'] });
    expect(analyst.data ?? null).toBeNull();
  });

  test('a city:VJA officer gets the same NOT_FOUND for a GVMC centre or enrolment as for one that does not exist', async () => {
    const [centre] = await sql(`select id from anganwadi_centre where city_code = 'GVMC' order by id limit 1`);
    const [enrolment] = await sql(`select e.id from icds_enrolment e join anganwadi_centre c on c.id = e.centre_id where c.city_code = 'GVMC' order by e.id limit 1`);
    const [vjaEnrolment] = await sql(`select e.id, e.centre_id from icds_enrolment e join anganwadi_centre c on c.id = e.centre_id where c.city_code = 'VJA' order by e.id limit 1`);
    const lookups = [
      { query: `query($id: ID!) { anganwadiCentre(id: $id) { id } }`, field: 'anganwadiCentre', hidden: centre.id, unknown: 'AWC-GVMC-9999' },
      { query: `query($id: ID!) { icdsEnrolment(id: $id) { id } }`, field: 'icdsEnrolment', hidden: enrolment.id, unknown: 'ICDS-9999999' },
    ];
    for (const lookup of lookups) {
      await expectHiddenLikeUnknown(stack, lookup.query, lookup.field, lookup, VJA_OFFICER);
      // A state officer and a district officer of Visakhapatnam see the same record.
      for (const jurisdiction of ['state:AP', 'district:Visakhapatnam']) {
        const seen = await stack.query(lookup.query, { id: lookup.hidden }, { jurisdiction });
        expect(seen.errors).toBeUndefined();
        expect(seen.data[lookup.field]).toEqual({ id: lookup.hidden });
      }
    }
    const own = await stack.query(`query($id: ID!) { icdsEnrolment(id: $id) { id centre { id } } }`, { id: vjaEnrolment.id }, VJA_OFFICER);
    expect(own.data.icdsEnrolment).toEqual({ id: vjaEnrolment.id, centre: { id: vjaEnrolment.centre_id } });
  });

  test("a worker's enrolments show a VJA officer only those at VJA centres, a state officer both cities'", async () => {
    const workerId = await workerOf('VJA');
    const atVja = await enrolChild(workerId, await centreOf('VJA'));
    // The household moved for a while: the same worker's older child is enrolled at a GVMC centre.
    const atGvmc = (await stack.query(ENROL, { input: member('CHILD', { workerId, centreId: await centreOf('GVMC') }, { beneficiaryName: 'Kolla Ravi' }) })).data.enrolHouseholdMember.id;
    const ENROLMENTS = `query($id: ID!) { worker(id: $id) { icdsEnrolments { id centre { city { code } } } } }`;

    const vja = await stack.query(ENROLMENTS, { id: workerId }, VJA_OFFICER);
    expect(vja.errors).toBeUndefined();
    expect(vja.data.worker.icdsEnrolments).toEqual([{ id: atVja, centre: { city: { code: 'VJA' } } }]);
    const ntr = await stack.query(ENROLMENTS, { id: workerId }, { jurisdiction: 'district:NTR' });
    expect(ntr.data.worker.icdsEnrolments).toEqual(vja.data.worker.icdsEnrolments);
    const state = await stack.query(ENROLMENTS, { id: workerId }, { jurisdiction: 'state:AP' });
    expect(state.data.worker.icdsEnrolments.map((e: any) => e.id).sort()).toEqual([atVja, atGvmc].sort());
  });

  test('a VJA roster with every enrolment holds only enrolments at VJA centres, still one statement per table', async () => {
    let res: any;
    const counts = await countStatements(stack, async () => {
      res = await stack.query(`{ workers(first: 100) { edges { node { id icdsEnrolments { id centre { id city { code } } } } } } }`, {}, VJA_OFFICER);
    });
    expect(res.errors).toBeUndefined();
    const nodes = res.data.workers.edges.map((e: any) => e.node);
    const returned = nodes.flatMap((n: any) => n.icdsEnrolments.map((e: any) => e.id)).sort();
    const expected = (await sql(`select e.id from icds_enrolment e join anganwadi_centre c on c.id = e.centre_id
      where e.worker_id in (?) and c.city_code = 'VJA'`, [nodes.map((n: any) => n.id)])).map((r) => r.id).sort();
    expect(returned).toEqual(expected);
    expect(returned.length).toBeGreaterThan(0);
    for (const node of nodes) for (const enrolment of node.icdsEnrolments) expect(enrolment.centre.city.code).toBe('VJA');
    expect(statementsPerTable(counts.icds.statements)).toEqual({ icds_enrolment: 1, anganwadi_centre: 1 });
  });

  test('a VJA officer cannot enrol at a GVMC centre (FORBIDDEN), a GVMC worker (NOT_FOUND) or exit a GVMC enrolment (NOT_FOUND); nothing is written', async () => {
    const vjaWorker = await workerOf('VJA');
    const gvmcWorker = await workerOf('GVMC');
    const atGvmcCentre = await stack.query(ENROL, { input: member('CHILD', { workerId: vjaWorker, centreId: await centreOf('GVMC') }) }, VJA_OFFICER);
    expect(errorCodes(atGvmcCentre)).toEqual(['FORBIDDEN']);
    expect(atGvmcCentre.errors![0].message).toContain('GVMC');
    // The one rule (src/shared/access/jurisdiction.ts): the city the centre id names decides, so a
    // GVMC centre that does not exist is refused alike, and the answer tells nothing of GVMC's centres.
    const atNoSuchCentre = await stack.query(ENROL, { input: member('CHILD', { workerId: vjaWorker, centreId: 'AWC-GVMC-9999' }) }, VJA_OFFICER);
    expect(errorCodes(atNoSuchCentre)).toEqual(['FORBIDDEN']);
    expect(atNoSuchCentre.errors![0].message.replace('AWC-GVMC-9999', 'X')).toBe(atGvmcCentre.errors![0].message.replace(/AWC-GVMC-\d{4}/, 'X'));
    const gvmcHousehold = await stack.query(ENROL, { input: member('CHILD', { workerId: gvmcWorker, centreId: await centreOf('VJA') }) }, VJA_OFFICER);
    expect(errorCodes(gvmcHousehold)).toEqual(['NOT_FOUND']);
    expect(gvmcHousehold.errors![0].message).toContain(gvmcWorker);
    expect(await sql(`select id from icds_enrolment where worker_id in (?)`, [[vjaWorker, gvmcWorker]])).toEqual([]);

    const gvmcEnrolment = await enrolChild(gvmcWorker, await centreOf('GVMC'));
    const exit = await stack.query(EXIT, { id: gvmcEnrolment, exitedOn: enrolledOn }, VJA_OFFICER);
    const unknown = await stack.query(EXIT, { id: 'ICDS-9999999', exitedOn: enrolledOn }, VJA_OFFICER);
    expect(errorCodes(exit)).toEqual(['NOT_FOUND']);
    expect(exit.errors![0].message.replace(gvmcEnrolment, 'ID')).toEqual(unknown.errors![0].message.replace('ICDS-9999999', 'ID'));
    expect(await sql(`select status, exited_on, updated_by from icds_enrolment where id = ?`, [gvmcEnrolment]))
      .toEqual([{ status: 'ACTIVE', exited_on: null, updated_by: null }]);
  });

  test('officers of another agency, analysts and tokens without the write scope cannot enrol or exit (FORBIDDEN)', async () => {
    const workerId = await workerOf('VJA');
    const centreId = await centreOf('VJA');
    const enrolment = await enrolChild(await workerOf('GVMC'), await centreOf('GVMC'));
    const refused: CallerSpec[] = [{ agency: 'mepma' }, { agency: 'labour' }, { ...ANALYST, agency: 'icds' }, { scopes: ['read'] }];
    for (const caller of refused) {
      const before = await enrolmentCount();
      const enrol = await stack.query(ENROL, { input: member('CHILD', { workerId, centreId }) }, caller);
      expect(errorCodes(enrol)).toEqual(['FORBIDDEN']);
      const exit = await stack.query(EXIT, { id: enrolment, exitedOn: enrolledOn }, caller);
      expect(errorCodes(exit)).toEqual(['FORBIDDEN']);
      expect(await enrolmentCount()).toBe(before);
      expect((await sql(`select status from icds_enrolment where id = ?`, [enrolment]))[0].status).toBe('ACTIVE');
    }
  });

  describe('field policies: household enrolments are for ICDS staff and auditors', () => {
    const HOUSEHOLD = `query($id: ID!) { worker(id: $id) { id icdsEnrolments { id beneficiaryName } } }`;
    const ONE = `query($id: ID!) { icdsEnrolment(id: $id) { id beneficiaryName } }`;

    test('a MEPMA officer, a Labour officer and an analyst (even of ICDS) are refused the whole operation, naming the field', async () => {
      const [row] = await sql(`select id, worker_id from icds_enrolment order by id limit 1`);
      const refused: CallerSpec[] = [{ agency: 'mepma' }, { agency: 'labour' }, ANALYST, { ...ANALYST, agency: 'mepma' }];
      for (const caller of refused) {
        // Analysts see the reports only: they are refused at the question itself (the worker), with their own reason.
        const analyst = caller.role === 'analyst';
        const household = await stack.query(HOUSEHOLD, { id: row.worker_id }, caller);
        expect(household.status).toBe(403);
        expect(errorCodes(household)).toEqual(['FORBIDDEN']);
        expect(household.errors![0].extensions!.fields).toEqual([analyst ? 'Query.worker' : 'Worker.icdsEnrolments']);
        expect(household.errors![0].extensions!.reason).toBe(analyst ? 'ANALYSTS_SEE_REPORTS_ONLY' : undefined);
        expect(household.data ?? null).toBeNull();
        const one = await stack.query(ONE, { id: row.id }, caller);
        expect(one.status).toBe(403);
        expect(errorCodes(one)).toEqual(['FORBIDDEN']);
        expect(one.errors![0].extensions!.fields).toEqual(['Query.icdsEnrolment']);
        expect(one.errors![0].extensions!.reason).toBe(analyst ? 'ANALYSTS_SEE_REPORTS_ONLY' : undefined);
        expect(one.data ?? null).toBeNull();
      }
    });

    test('ICDS officers and services, and auditors of any agency, read them in full', async () => {
      const [row] = await sql(`select id, worker_id, beneficiary_name from icds_enrolment order by id limit 1`);
      const allowed: CallerSpec[] = [{}, { role: 'service', subject: 'poshan-tracker' }, AUDITOR, { agency: 'mepma', role: 'auditor', scopes: ['read'], purpose: 'Audit' }];
      for (const caller of allowed) {
        const household = await stack.query(HOUSEHOLD, { id: row.worker_id }, caller);
        expect(household.errors).toBeUndefined();
        expect(household.data.worker.icdsEnrolments).toContainEqual({ id: row.id, beneficiaryName: row.beneficiary_name });
        const one = await stack.query(ONE, { id: row.id }, caller);
        expect(one.data.icdsEnrolment).toEqual({ id: row.id, beneficiaryName: row.beneficiary_name });
      }
    });
  });

  describe('change history', () => {
    const HISTORY = `query($id: ID!) { icdsEnrolment(id: $id) { id history { at by purpose action changes { field oldValue newValue } } } }`;

    test('an auditor reads who enrolled a child and who exited them, for what purpose, and what changed', async () => {
      const workerId = await workerOf('VJA');
      const centreId = await centreOf('VJA');
      const enrolled = await stack.query(ENROL, { input: member('CHILD', { workerId, centreId }) }, VJA_OFFICER);
      expect(enrolled.errors).toBeUndefined();
      const { id, source } = enrolled.data.enrolHouseholdMember;
      expect(source).toMatchObject({ recordedBy: 'icds:vja.cdpo', updatedBy: null });
      const exitedOn = addDays(enrolledOn, 5);
      const exited = await stack.query(EXIT, { id, exitedOn }, { ...VJA_OFFICER, subject: 'vja.supervisor' });
      expect(exited.errors).toBeUndefined();
      expect(exited.data.exitIcdsEnrolment.source).toMatchObject({ recordedBy: 'icds:vja.cdpo', updatedBy: 'icds:vja.supervisor' });

      const res = await stack.query(HISTORY, { id }, AUDITOR);
      expect(res.errors).toBeUndefined();
      const [created, exit] = res.data.icdsEnrolment.history;
      expect(res.data.icdsEnrolment.history).toHaveLength(2);
      expect(created).toMatchObject({ by: 'icds:vja.cdpo', purpose: 'service-delivery', action: 'CREATED' });
      expect(created.changes).toEqual(expect.arrayContaining([
        { field: 'id', oldValue: null, newValue: id },
        { field: 'workerId', oldValue: null, newValue: workerId },
        { field: 'centreId', oldValue: null, newValue: centreId },
        { field: 'beneficiaryName', oldValue: null, newValue: 'Kolla Mounika' },
        { field: 'dateOfBirth', oldValue: null, newValue: addDays(enrolledOn, -400) },
        { field: 'status', oldValue: null, newValue: 'ACTIVE' },
      ]));
      // Provenance columns are the change's own `at` and `by`, not changes of their own.
      expect(created.changes.map((c: any) => c.field)).not.toContain('recordedBy');
      expect(exit).toMatchObject({ by: 'icds:vja.supervisor', purpose: 'service-delivery', action: 'UPDATED' });
      expect(exit.changes).toHaveLength(2);
      expect(exit.changes).toEqual(expect.arrayContaining([
        { field: 'status', oldValue: 'ACTIVE', newValue: 'EXITED' },
        { field: 'exitedOn', oldValue: null, newValue: exitedOn },
      ]));
      expect(new Date(created.at) <= new Date(exit.at)).toBe(true);

      // ICDS's own officers read the same history; a GVMC auditor does not see the enrolment at all.
      const own = await stack.query(HISTORY, { id }, VJA_OFFICER);
      expect(own.data.icdsEnrolment.history).toEqual(res.data.icdsEnrolment.history);
      const elsewhere = await stack.query(HISTORY, { id }, { ...AUDITOR, jurisdiction: 'city:GVMC' });
      expect(errorCodes(elsewhere)).toEqual(['NOT_FOUND']);
    });

    test("a centre's history: none for the imported demo centres, a change made outside the graph names the database user", async () => {
      const [centre] = await sql(`select id, anganwadi_worker_name from anganwadi_centre where city_code = 'GVMC' order by id desc limit 1`);
      const CENTRE_HISTORY = `query($id: ID!) { anganwadiCentre(id: $id) { history { by purpose action changes { field oldValue newValue } } } }`;
      const before = await stack.query(CENTRE_HISTORY, { id: centre.id }, AUDITOR);
      expect(before.errors).toBeUndefined();
      expect(before.data.anganwadiCentre.history).toEqual([]);

      await sql(`update anganwadi_centre set anganwadi_worker_name = 'Gorle Padmavathi' where id = ?`, [centre.id]);
      const after = await stack.query(CENTRE_HISTORY, { id: centre.id }, AUDITOR);
      expect(after.data.anganwadiCentre.history).toEqual([{
        by: expect.stringMatching(/^database:/), purpose: null, action: 'UPDATED',
        changes: [{ field: 'anganwadiWorkerName', oldValue: centre.anganwadi_worker_name, newValue: 'Gorle Padmavathi' }],
      }]);
    });

    test('other agencies\' officers may not read history (FORBIDDEN), though they may read the centre itself; analysts are refused both (reports only)', async () => {
      const [centre] = await sql(`select id from anganwadi_centre order by id limit 1`);
      const QUERY = `query($id: ID!) { anganwadiCentre(id: $id) { id history { action } } }`;
      const PLAIN = `query($id: ID!) { anganwadiCentre(id: $id) { id } }`;
      const officer = await stack.query(QUERY, { id: centre.id }, { agency: 'mepma' });
      expect(officer.status).toBe(403);
      expect(errorCodes(officer)).toEqual(['FORBIDDEN']);
      expect(officer.errors![0].extensions!.fields).toEqual(['AnganwadiCentre.history']);
      const plain = await stack.query(PLAIN, { id: centre.id }, { agency: 'mepma' });
      expect(plain.data.anganwadiCentre).toEqual({ id: centre.id });
      for (const caller of [{ ...ANALYST, agency: 'icds' }, ANALYST] as CallerSpec[]) {
        for (const query of [QUERY, PLAIN]) {
          const res = await stack.query(query, { id: centre.id }, caller);
          expect(res.status).toBe(403);
          expect(errorCodes(res)).toEqual(['FORBIDDEN']);
          expect(res.errors![0].extensions).toMatchObject({ reason: 'ANALYSTS_SEE_REPORTS_ONLY', fields: ['Query.anganwadiCentre'] });
          expect(res.data ?? null).toBeNull();
        }
      }
    });

    test('record_change is append-only', async () => {
      // A change of its own, so the table holds rows whichever tests ran before.
      await enrolChild(await workerOf('VJA'), await centreOf('VJA'));
      const [{ n }] = await sql(`select count(*)::int as n from record_change`);
      expect(n).toBeGreaterThan(0);
      await expectAppendOnly(stack, 'icds', 'record_change', 'changed_by', (statement) => sql(statement));
    });
  });
});

describe("ICDS's facts for the single window", () => {
  const day = today();
  const FACTS = `query($id: ID!) { worker(id: $id) { icdsFacts { pregnantOrNursing pmmvyBeneficiary } } }`;
  const NONE = { pregnantOrNursing: false, pmmvyBeneficiary: false };

  async function factsOf(workerId: string, caller?: CallerSpec) {
    const res = await stack.query(FACTS, { id: workerId }, caller);
    expect(res.errors).toBeUndefined();
    return res.data.worker.icdsFacts;
  }

  /** ICDS's facts for these workers as its own rows say for today, counting enrolments at centres of `cities` only. */
  async function factsFromRows(workerIds: string[], cities: string[] = CITIES.map((city) => city.code)) {
    const own = await sql(`select e.worker_id, e.exited_on, e.pmmvy_instalments_paid from icds_enrolment e join anganwadi_centre a on a.id = e.centre_id
      where e.worker_id in (?) and a.city_code in (?) and e.relation_to_worker = 'SELF' and e.enrolled_on <= ?`, [workerIds, cities, day]);
    return new Map(workerIds.map((id) => {
      const hers = own.filter((row) => row.worker_id === id);
      return [id, {
        pregnantOrNursing: hers.some((row) => row.exited_on === null || row.exited_on > day),
        pmmvyBeneficiary: hers.some((row) => row.pmmvy_instalments_paid > 0),
      }];
    }));
  }

  /** A woman of the demo with no enrolment yet, in `city`. */
  async function womanWithoutEnrolments(city = 'VJA'): Promise<{ id: string; ward_code: string }> {
    const enrolled = (await sql(`select distinct worker_id from icds_enrolment`)).map((r) => r.worker_id);
    const [woman] = await labourSql(`select id, ward_code from worker where gender = 'FEMALE' and city_code = ? and id not in (?) order by id limit 1`, [city, enrolled]);
    return woman;
  }

  async function centreIn(city: string): Promise<string> {
    const [centre] = await sql(`select id from anganwadi_centre where city_code = ? order by id limit 1`, [city]);
    return centre.id;
  }

  test('the demo enrols women of child-bearing age as mothers of their own, PMMVY having paid only some', async () => {
    const own = await sql(`select worker_id, beneficiary_type, status, pmmvy_instalments_paid from icds_enrolment
      where relation_to_worker = 'SELF' and recorded_by = 'icds-demo-import'`);
    const women = new Map((await labourSql(`select id, gender, date_of_birth from worker where id in (?)`, [own.map((row) => row.worker_id)])).map((w) => [w.id, w]));
    for (const row of own) {
      const woman = women.get(row.worker_id);
      expect(woman.gender).toBe('FEMALE');
      expect(ageOn(woman.date_of_birth, day)).toBeGreaterThanOrEqual(19);
      expect(ageOn(woman.date_of_birth, day)).toBeLessThanOrEqual(45);
    }
    const active = own.filter((row) => row.status === 'ACTIVE');
    expect(new Set(active.map((row) => row.beneficiary_type))).toEqual(new Set(['PREGNANT_WOMAN', 'LACTATING_MOTHER']));
    expect(active.some((row) => row.pmmvy_instalments_paid > 0)).toBe(true);
    expect(active.some((row) => row.pmmvy_instalments_paid === 0)).toBe(true);
  });

  test("a roster's facts, and every mother's of her own, are ICDS's own rows; one statement per fact", async () => {
    let res: any;
    const counts = await countStatements(stack, async () => {
      res = await stack.query(`{ workers(first: 100) { edges { node { id icdsFacts { pregnantOrNursing pmmvyBeneficiary } } } } }`);
    });
    expect(res.errors).toBeUndefined();
    const nodes = res.data.workers.edges.map((e: any) => e.node);
    expect(new Map(nodes.map((node: any) => [node.id, node.icdsFacts]))).toEqual(await factsFromRows(nodes.map((node: any) => node.id)));
    expect(counts.icds.statements).toHaveLength(2);

    const mothers = (await sql(`select distinct worker_id from icds_enrolment where relation_to_worker = 'SELF' order by 1`)).map((r) => r.worker_id);
    const expected = await factsFromRows(mothers);
    for (const id of mothers) expect(await factsOf(id)).toEqual(expected.get(id));
    const kinds = new Set([...expected.values()].map((facts) => `${facts.pregnantOrNursing}/${facts.pmmvyBeneficiary}`));
    expect(kinds.has('true/true') && kinds.has('true/false')).toBe(true);
  });

  test('she is pregnant once enrolled herself, a PMMVY beneficiary once paid an instalment, and no longer pregnant once exited', async () => {
    const woman = await womanWithoutEnrolments();
    expect(await factsOf(woman.id)).toEqual(NONE);
    const [centre] = await sql(`select id from anganwadi_centre where ward_code = ? order by id limit 1`, [woman.ward_code]);
    const enrolled = await stack.query(ENROL, { input: member('PREGNANT_WOMAN', { workerId: woman.id, centreId: centre.id }, { relationToWorker: 'SELF', beneficiaryName: 'Kolla Sravani' }) });
    expect(enrolled.errors).toBeUndefined();
    const { id } = enrolled.data.enrolHouseholdMember;
    expect(await factsOf(woman.id)).toEqual({ pregnantOrNursing: true, pmmvyBeneficiary: false });

    // PMMVY pays the first instalment (recorded in Poshan Tracker, so straight into ICDS's table).
    await sql(`update icds_enrolment set pmmvy_instalments_paid = 1 where id = ?`, [id]);
    expect(await factsOf(woman.id)).toEqual({ pregnantOrNursing: true, pmmvyBeneficiary: true });
    expect((await stack.query(EXIT, { id, exitedOn: day })).errors).toBeUndefined();
    expect(await factsOf(woman.id)).toEqual({ pregnantOrNursing: false, pmmvyBeneficiary: true });
  });

  test("a worker's wife enrolled as SPOUSE is no fact about the worker", async () => {
    const enrolled = (await sql(`select distinct worker_id from icds_enrolment`)).map((r) => r.worker_id);
    const [man] = await labourSql(`select id, ward_code from worker where gender = 'MALE' and id not in (?) order by id limit 1`, [enrolled]);
    const [centre] = await sql(`select id from anganwadi_centre where ward_code = ? order by id limit 1`, [man.ward_code]);
    const res = await stack.query(ENROL, { input: member('LACTATING_MOTHER', { workerId: man.id, centreId: centre.id }) });
    expect(res.errors).toBeUndefined();
    await sql(`update icds_enrolment set pmmvy_instalments_paid = 2 where id = ?`, [res.data.enrolHouseholdMember.id]);
    expect(await factsOf(man.id)).toEqual(NONE);
  });

  test('facts count enrolments at centres in your jurisdiction only', async () => {
    const woman = await womanWithoutEnrolments();
    // Enrolled by a national officer at a GVMC centre, while she lived there for a while.
    const res = await stack.query(ENROL, { input: member('LACTATING_MOTHER', { workerId: woman.id, centreId: await centreIn('GVMC') }, { relationToWorker: 'SELF', beneficiaryName: 'Kolla Swathi' }) });
    expect(res.errors).toBeUndefined();
    await sql(`update icds_enrolment set pmmvy_instalments_paid = 2 where id = ?`, [res.data.enrolHouseholdMember.id]);
    expect(await factsOf(woman.id, { jurisdiction: 'city:VJA' })).toEqual(NONE);
    expect(await factsOf(woman.id, { jurisdiction: 'state:AP' })).toEqual({ pregnantOrNursing: true, pmmvyBeneficiary: true });
  });

  test('maternal facts are for ICDS staff, officers, CRPs and auditors; other agencies\' services are refused them', async () => {
    const [{ worker_id: mother }] = await sql(`select worker_id from icds_enrolment where relation_to_worker = 'SELF' and status = 'ACTIVE' and pmmvy_instalments_paid > 0 order by id limit 1`);
    const [{ ward_code: ward }] = await labourSql(`select ward_code from worker where id = ?`, [mother]);
    const expected = (await factsFromRows([mother])).get(mother);
    const readers: CallerSpec[] = [
      {}, { role: 'service', subject: 'poshan-tracker' }, { agency: 'labour' }, { agency: 'mepma', jurisdiction: 'city:VJA' },
      { agency: 'mepma', role: 'crp', jurisdiction: `ward:${ward}`, purpose: 'CIG follow-up', subject: `crp.${ward}` },
      { agency: 'labour', role: 'auditor', scopes: ['read'], purpose: 'Audit' },
    ];
    for (const caller of readers) expect(await factsOf(mother, { jurisdiction: 'national', ...caller })).toEqual(expected);
    for (const agency of ['labour', 'mepma', 'municipal']) {
      const refused = await stack.query(FACTS, { id: mother }, { agency, role: 'service' });
      expect(refused.status).toBe(403);
      expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
      expect([...refused.errors![0].extensions!.fields].sort()).toEqual(['IcdsFacts.pmmvyBeneficiary', 'IcdsFacts.pregnantOrNursing']);
      expect(refused.data ?? null).toBeNull();
    }
  });

  test("the reports service's bulk question: every mother of the caller's jurisdiction for an analyst, nothing for another agency's service", async () => {
    const names = ['pregnantOrNursing', 'pmmvyBeneficiary'];
    const ask = async (caller: Caller, workers?: string[]) => {
      const body = JSON.stringify({ asOf: day, facts: { names, ...(workers ? { workers } : {}) } });
      const response = await fetch(new URL('/statistics', stack.subgraphs.get('icds')!.server.url), {
        method: 'POST', body, headers: await sealedBy(stack, 'reports', caller, 'icds', body, 'statistics'),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as StatisticsAnswer;
    };
    const holders = (answer: StatisticsAnswer) =>
      Object.fromEntries(Object.entries(answer.facts!).map(([name, encoded]) => [name, [...decodeFact({ type: 'bool' }, encoded).keys()].sort((a, b) => a - b)]));
    const fromRows = async (cities: string[]) => {
      const everyone = (await labourSql(`select id from worker`)).map((r) => r.id);
      const expected = await factsFromRows(everyone, cities);
      return Object.fromEntries(names.map((name) => [name, everyone.filter((id) => (expected.get(id) as any)[name]).map((id) => Number(id.slice(2))).sort((a, b) => a - b)]));
    };

    const analyst: Caller = { agency: 'icds', subject: 'dashboard', role: 'analyst', jurisdiction: 'city:GVMC', scopes: ['read'], purpose: 'statistics' };
    const gvmc = await ask(analyst);
    expect(gvmc.deniedFacts).toEqual([]);
    expect(holders(gvmc)).toEqual(await fromRows(['GVMC']));
    expect(holders(gvmc).pregnantOrNursing.length).toBeGreaterThan(0);
    const national = await ask({ ...analyst, jurisdiction: 'national' });
    expect(holders(national)).toEqual(await fromRows(['VJA', 'GVMC']));

    const service = await ask({ ...analyst, agency: 'labour', role: 'service', jurisdiction: 'national' }, ['W-0000001']);
    expect(service.facts).toEqual({});
    expect([...service.deniedFacts!].sort()).toEqual(['pmmvyBeneficiary', 'pregnantOrNursing']);
  });
});
