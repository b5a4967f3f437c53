/**
 * Transport through the real gateway: a worker's licences, badges and permits beside Labour's
 * identity, auto stands, and how the RTO issues licences, badges and permits (and what bad input
 * gets back, with nothing written).
 */
import { DEMO_CITIES as CITIES } from '../src/shared/demo/places';
import { countStatements, expectAppendOnly, errorCodes, everyPage, expectHiddenLikeUnknown, startTestStack, statementsPerTable, tableOf, type CallerSpec, type GraphQLResponse, type TestStack } from './support/stack';
import { addDays, addYears } from '../src/shared/dates';
import { writeInTransaction } from '../src/shared/transactions';
import { GRAPH_SOURCE_SYSTEM } from '../src/shared/provenance';

let stack: TestStack;
/**
 * Workers of occupations that drive nothing: the demo gives them no licence, badge or permit.
 * The first is never given anything, so tests may read or be refused for them in any order; the
 * rest are handed out one per call of `unlicensedWorker`.
 */
let unlicensed: string[] = [];
let pool: { id: string; city: string }[] = [];
const taken = new Set<string>();
const today = new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  stack = await startTestStack('transport', { as: { agency: 'transport' } });
  const rows = await labourSql(`select id, city_code from worker where occupation in ('DOMESTIC', 'CARE', 'WASTE') order by id`);
  unlicensed = rows.map((r) => r.id);
  pool = rows.slice(1).map((r) => ({ id: r.id, city: r.city_code }));
});
afterAll(() => stack?.stop());

async function sql<T = any>(query: string, params: unknown[] = []): Promise<T[]> {
  return stack.subgraphs.get('transport')!.database.orm.em.getConnection().execute(query, params);
}

async function labourSql<T = any>(query: string, params: unknown[] = []): Promise<T[]> {
  return stack.subgraphs.get('labour')!.database.orm.em.getConnection().execute(query, params);
}

/** A worker (of `city`, if given) who holds nothing from Transport yet, different for every call. */
function unlicensedWorker(city?: string): string {
  const worker = pool.find((w) => !taken.has(w.id) && (!city || w.city === city));
  if (!worker) throw new Error('The test ran out of unlicensed workers.');
  taken.add(worker.id);
  return worker.id;
}

/** The status a record should show today, worked out in SQL from what is stored. */
const STATUS_SQL = `case when suspended then 'SUSPENDED' when valid_until < ?::date then 'EXPIRED' else 'VALID' end`;

async function registerCounts() {
  const [row] = await sql(`select
    (select count(*) from driving_licence)::int as licences,
    (select count(*) from psv_badge)::int as badges,
    (select count(*) from vehicle_permit)::int as permits`);
  return row;
}

/** Asserts the request was refused with `code` (naming `field` for bad input) and wrote nothing. */
async function expectRefused(send: () => Promise<GraphQLResponse>, code: string, field?: string) {
  const before = await registerCounts();
  const res = await send();
  expect(errorCodes(res)).toEqual([code]);
  expect(res.errors![0].message.length).toBeGreaterThan(15);
  if (field) expect(res.errors![0].extensions?.field).toBe(field);
  expect(await registerCounts()).toEqual(before);
}

const LICENCE_FIELDS = `licenceNumber vehicleClasses issuedOn validUntil issuingRto status holder { id name } source { agency system recordId recordedBy }`;
const ISSUE_LICENCE = `mutation($input: IssueDrivingLicenceInput!) { issueDrivingLicence(input: $input) { ${LICENCE_FIELDS} } }`;
const ISSUE_BADGE = `mutation($input: IssuePsvBadgeInput!) {
  issuePsvBadge(input: $input) { badgeNumber licenceNumber issuedOn validUntil status holder { id } source { agency recordedBy } } }`;
const ISSUE_PERMIT = `mutation($input: IssueVehiclePermitInput!) {
  issueVehiclePermit(input: $input) { permitNumber vehicleRegistration permitType issuedOn validUntil status autoStand { id name } holder { id } source { agency } } }`;

function licenceInput(workerId: string, overrides: Record<string, unknown> = {}) {
  return {
    workerId,
    vehicleClasses: ['THREE_WHEELER_TR', 'LMV'],
    issuedOn: addDays(today, -10),
    validUntil: addYears(addDays(today, -10), 5),
    issuingRto: 'AP16',
    ...overrides,
  };
}

async function issueLicence(workerId: string, overrides: Record<string, unknown> = {}) {
  const res = await stack.query(ISSUE_LICENCE, { input: licenceInput(workerId, overrides) });
  expect(res.errors).toBeUndefined();
  return res.data.issueDrivingLicence;
}

/** A registration number with the RTO code `rto` that no permit has used. */
async function unusedRegistration(rto = 'AP16'): Promise<string> {
  for (let n = 1000; ; n++) {
    const registration = `${rto}TX${n}`;
    const [{ used }] = await sql(`select count(*)::int as used from vehicle_permit where vehicle_registration = ?`, [registration]);
    if (!used) return registration;
  }
}

describe("a worker's transport record", () => {
  test("an auto driver's licence, badge and permit appear beside the name Labour holds", async () => {
    // A demo driver's, not papers another test issued through the graph.
    const [{ worker_id: workerId }] = await sql(`select worker_id from vehicle_permit p join psv_badge b using (worker_id)
      where auto_stand_id is not null and p.source_system <> ? and b.source_system <> ? order by worker_id limit 1`, [GRAPH_SOURCE_SYSTEM, GRAPH_SOURCE_SYSTEM]);
    const licences = await sql(`select *, ${STATUS_SQL} as status from driving_licence where worker_id = ? order by issued_on`, [today, workerId]);
    const badges = await sql(`select *, ${STATUS_SQL} as status from psv_badge where worker_id = ? order by issued_on`, [today, workerId]);
    const permits = await sql(`select p.*, ${STATUS_SQL} as status, s.name as stand_name, s.city_code, s.ward_code, s.capacity
      from vehicle_permit p join auto_stand s on s.id = p.auto_stand_id where worker_id = ? order by issued_on`, [today, workerId]);
    const [person] = await labourSql(`select name, city_code, occupation from worker where id = ?`, [workerId]);

    const res = await stack.query(`query($id: ID!) { worker(id: $id) {
      name occupation
      drivingLicences { ${LICENCE_FIELDS} }
      badges { badgeNumber licenceNumber issuedOn validUntil status holder { id } source { agency system recordId } }
      vehiclePermits { permitNumber vehicleRegistration permitType issuedOn validUntil status holder { id }
        autoStand { id name city { code name } ward { code } capacity source { agency recordId } } }
    } }`, { id: workerId });
    expect(res.errors).toBeUndefined();
    const worker = res.data.worker;
    expect(worker).toMatchObject({ name: person.name, occupation: 'TRANSPORT' });
    expect(worker.drivingLicences).toEqual(licences.map((l) => ({
      licenceNumber: l.licence_number,
      vehicleClasses: l.vehicle_classes,
      issuedOn: l.issued_on,
      validUntil: l.valid_until,
      issuingRto: l.issuing_rto,
      status: l.status,
      holder: { id: workerId, name: person.name },
      source: { agency: 'transport', system: 'Sarathi', recordId: l.licence_number, recordedBy: 'transport-demo-import' },
    })));
    expect(worker.badges).toEqual(badges.map((b) => ({
      badgeNumber: b.badge_number,
      licenceNumber: b.licence_number,
      issuedOn: b.issued_on,
      validUntil: b.valid_until,
      status: b.status,
      holder: { id: workerId },
      source: { agency: 'transport', system: 'Sarathi', recordId: b.badge_number },
    })));
    expect(worker.vehiclePermits).toEqual(permits.map((p) => ({
      permitNumber: p.permit_number,
      vehicleRegistration: p.vehicle_registration,
      permitType: p.permit_type,
      issuedOn: p.issued_on,
      validUntil: p.valid_until,
      status: p.status,
      holder: { id: workerId },
      autoStand: {
        id: p.auto_stand_id,
        name: p.stand_name,
        city: { code: p.city_code, name: CITIES.find((c) => c.code === p.city_code)!.name },
        ward: { code: p.ward_code },
        capacity: p.capacity,
        source: { agency: 'transport', recordId: p.auto_stand_id },
      },
    })));
    // The stand is the one his CIG gathers at, so it is in his city.
    expect(permits[0].city_code).toBe(person.city_code);
  });

  test('a worker who drives nothing has empty lists, not nulls', async () => {
    const res = await stack.query(`query($id: ID!) { worker(id: $id) { id drivingLicences { licenceNumber } badges { badgeNumber } vehiclePermits { permitNumber } } }`, { id: unlicensed[0] });
    expect(res.errors).toBeUndefined();
    expect(res.data.worker).toEqual({ id: unlicensed[0], drivingLicences: [], badges: [], vehiclePermits: [] });
  });

  test('the demo register follows the population: auto drivers and delivery riders, at their stands, some due for renewal', async () => {
    const people = new Map((await labourSql(`select id, occupation, city_code from worker`)).map((w) => [w.id, w]));
    // The demo's own records only: other tests issue papers through the graph to workers of any occupation.
    const licences = await sql(`select worker_id, licence_number, vehicle_classes, issuing_rto from driving_licence where source_system <> ?`, [GRAPH_SOURCE_SYSTEM]);
    const rtoOf = (city: string) => CITIES.find((c) => c.code === city)!.rtoCode;
    for (const licence of licences) {
      const holder = people.get(licence.worker_id);
      expect(['TRANSPORT', 'GIG']).toContain(holder.occupation);
      expect(licence.vehicle_classes).toContain(holder.occupation === 'TRANSPORT' ? 'THREE_WHEELER_TR' : 'MCWG');
      expect(licence.issuing_rto).toBe(rtoOf(holder.city_code));
    }
    const drivers = [...people.values()].filter((w) => w.occupation === 'TRANSPORT').map((w) => w.id);
    const riders = [...people.values()].filter((w) => w.occupation === 'GIG').map((w) => w.id);
    const share = async (table: string, ids: string[]) => {
      const [{ n }] = await sql(`select count(distinct worker_id)::int as n from ${table} where worker_id in (?) and source_system <> ?`, [ids, GRAPH_SOURCE_SYSTEM]);
      return n / ids.length;
    };
    expect(await share('driving_licence', drivers)).toBeGreaterThan(0.88);
    expect(await share('psv_badge', drivers)).toBeGreaterThan(0.68);
    expect(await share('psv_badge', drivers)).toBeLessThan(0.92);
    expect(await share('vehicle_permit', drivers)).toBeGreaterThan(0.45);
    expect(await share('vehicle_permit', drivers)).toBeLessThan(0.75);
    expect(await share('driving_licence', riders)).toBeGreaterThan(0.7);

    const permits = await sql(`select p.worker_id, s.city_code, s.name from vehicle_permit p join auto_stand s on s.id = p.auto_stand_id
      where p.source_system <> ?`, [GRAPH_SOURCE_SYSTEM]);
    for (const permit of permits) {
      expect(permit.city_code).toBe(people.get(permit.worker_id).city_code);
      expect(permit.name).toMatch(/ Auto Stand$/);
    }
    const [renewals] = await sql(`select
      count(*) filter (where not suspended and valid_until < ?::date)::int as expired,
      count(*) filter (where not suspended and valid_until between ?::date and ?::date + 60)::int as expiring
      from driving_licence where source_system <> ?`, [today, today, today, GRAPH_SOURCE_SYSTEM]);
    expect(renewals.expired).toBeGreaterThan(0);
    expect(renewals.expiring).toBeGreaterThan(0);
  });
});

describe('looking up licences and auto stands', () => {
  test('a licence by number, with or without the space, shows its status as of today', async () => {
    const [licence] = await sql(`select licence_number, worker_id from driving_licence
      where not suspended and valid_until < ?::date order by licence_number limit 1`, [today]);
    const compact = licence.licence_number.replace(' ', '');
    for (const number of [licence.licence_number, compact]) {
      const res = await stack.query(`query($n: ID!) { drivingLicence(licenceNumber: $n) { licenceNumber status holder { id } } }`, { n: number });
      expect(res.errors).toBeUndefined();
      expect(res.data.drivingLicence).toEqual({ licenceNumber: licence.licence_number, status: 'EXPIRED', holder: { id: licence.worker_id } });
    }
  });

  test('a suspension outranks the validity date', async () => {
    const [licence] = await sql(`select licence_number from driving_licence where not suspended and valid_until > ?::date order by licence_number limit 1`, [today]);
    await sql(`update driving_licence set suspended = true where licence_number = ?`, [licence.licence_number]);
    try {
      const res = await stack.query(`query($n: ID!) { drivingLicence(licenceNumber: $n) { status } }`, { n: licence.licence_number });
      expect(res.data.drivingLicence).toEqual({ status: 'SUSPENDED' });
    } finally {
      await sql(`update driving_licence set suspended = false where licence_number = ?`, [licence.licence_number]);
    }
  });

  test('an unknown licence number is NOT_FOUND and a malformed one BAD_USER_INPUT', async () => {
    const unknown = await stack.query(`{ drivingLicence(licenceNumber: "AP16 20199999999") { licenceNumber } }`);
    expect(unknown.data.drivingLicence).toBeNull();
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    const malformed = await stack.query(`{ drivingLicence(licenceNumber: "DL-12345") { licenceNumber } }`);
    expect(errorCodes(malformed)).toEqual(['BAD_USER_INPUT']);
  });

  test('an auto stand by id, and unknown or malformed ids', async () => {
    const [stand] = await sql(`select * from auto_stand order by id desc limit 1`);
    const res = await stack.query(`query($id: ID!) { autoStand(id: $id) { id name city { code } ward { code } capacity source { system } } }`, { id: stand.id });
    expect(res.data.autoStand).toEqual({
      id: stand.id, name: stand.name, city: { code: stand.city_code }, ward: { code: stand.ward_code }, capacity: stand.capacity,
      source: { system: stand.source_system },
    });
    const unknown = await stack.query(`{ autoStand(id: "AS-VJA-9999") { id } }`);
    expect(unknown.data.autoStand).toBeNull();
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    expect(errorCodes(await stack.query(`{ autoStand(id: "stand 7") { id } }`))).toEqual(['BAD_USER_INPUT']);
  });

  const STANDS = `query($filter: AutoStandFilter, $first: Int, $after: String) {
    autoStands(filter: $filter, first: $first, after: $after) {
      totalCount edges { cursor node { id city { code } ward { code } } } pageInfo { hasNextPage endCursor } } }`;

  test("pages of a city's stands cover every stand exactly once, in id order", async () => {
    const expected = (await sql(`select id from auto_stand where city_code = 'VJA' order by id`)).map((r) => r.id);
    expect(expected.length).toBeGreaterThan(3);
    const { nodes, totals } = await everyPage(stack, STANDS, 'autoStands', { filter: { city: 'VJA' }, first: 3 });
    expect(totals).toEqual([expected.length]);
    expect(nodes.map((node) => node.id)).toEqual(expected);
  });

  test('stands of a ward, and filters that are refused', async () => {
    const [{ ward_code: ward }] = await sql(`select ward_code from auto_stand order by id limit 1`);
    const expected = (await sql(`select id from auto_stand where ward_code = ? order by id`, [ward])).map((r) => r.id);
    const res = await stack.query(STANDS, { filter: { ward } });
    expect(res.data.autoStands.edges.map((e: any) => e.node.id)).toEqual(expected);
    expect(res.data.autoStands.edges.every((e: any) => e.node.ward.code === ward)).toBe(true);
    expect(errorCodes(await stack.query(STANDS, { filter: { city: 'HYD' } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await stack.query(STANDS, { filter: { city: 'VJA', ward: 'GVMC-W03' } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await stack.query(STANDS, { first: 101 }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('issuing a driving licence', () => {
  test('a licence gets the next number of its RTO and year, and shows on the worker', async () => {
    const workerId = unlicensedWorker();
    const [{ max_serial: maxSerial }] = await sql(`select max(right(licence_number, 7)::int) as max_serial from driving_licence`);
    const input = licenceInput(workerId, { vehicleClasses: ['LMV', 'MCWG', 'LMV'], issuingRto: 'ap31' });
    const res = await stack.query(ISSUE_LICENCE, { input });
    expect(res.errors).toBeUndefined();
    const licence = res.data.issueDrivingLicence;
    expect(licence.licenceNumber).toBe(`AP31 ${input.issuedOn.slice(0, 4)}${String(maxSerial + 1).padStart(7, '0')}`);
    expect(licence).toMatchObject({
      vehicleClasses: ['LMV', 'MCWG'], issuedOn: input.issuedOn, validUntil: input.validUntil, issuingRto: 'AP31', status: 'VALID',
      holder: { id: workerId },
      source: { agency: 'transport', system: 'Worker Graph', recordId: licence.licenceNumber, recordedBy: 'transport:transport-tester' },
    });
    const [row] = await sql(`select worker_id, vehicle_classes, suspended from driving_licence where licence_number = ?`, [licence.licenceNumber]);
    expect(row).toEqual({ worker_id: workerId, vehicle_classes: ['LMV', 'MCWG'], suspended: false });
    const worker = await stack.query(`query($id: ID!) { worker(id: $id) { drivingLicences { licenceNumber } } }`, { id: workerId });
    expect(worker.data.worker.drivingLicences).toEqual([{ licenceNumber: licence.licenceNumber }]);
  });

  test.each([
    ['an expiry before its issue date', { validUntil: addDays(today, -20) }, 'validUntil'],
    ['a validity of more than 20 years', { validUntil: addYears(addDays(today, -10), 21) }, 'validUntil'],
    ['an RTO Worker Graph does not serve', { issuingRto: 'TS09' }, 'issuingRto'],
    ['no vehicle class', { vehicleClasses: [] }, 'vehicleClasses'],
    ['an issue date in the future', { issuedOn: addDays(today, 3), validUntil: addYears(today, 5) }, 'issuedOn'],
    ['a malformed worker id', { workerId: 'worker 42' }, 'workerId'],
  ])('a licence with %s is refused as BAD_USER_INPUT naming the field', async (_, overrides, field) => {
    await expectRefused(() => stack.query(ISSUE_LICENCE, { input: licenceInput(unlicensed[0], overrides) }), 'BAD_USER_INPUT', field);
  });

  test('a licence for an unknown worker is NOT_FOUND', async () => {
    await expectRefused(() => stack.query(ISSUE_LICENCE, { input: licenceInput('W-9999999') }), 'NOT_FOUND');
  });

  test('a worker who already holds a valid licence cannot be issued a second (CONFLICT)', async () => {
    const [{ worker_id: workerId }] = await sql(`select worker_id from driving_licence where not suspended and valid_until >= ?::date order by worker_id limit 1`, [today]);
    await expectRefused(() => stack.query(ISSUE_LICENCE, { input: licenceInput(workerId) }), 'CONFLICT');
  });
});

describe('issuing a PSV badge', () => {
  test('a badge on the worker’s own transport licence; a second valid badge is a conflict', async () => {
    const workerId = unlicensedWorker();
    const licence = await issueLicence(workerId);
    const input = { workerId, licenceNumber: licence.licenceNumber, issuedOn: addDays(today, -5), validUntil: addYears(today, 3) };
    const res = await stack.query(ISSUE_BADGE, { input });
    expect(res.errors).toBeUndefined();
    expect(res.data.issuePsvBadge).toMatchObject({
      licenceNumber: licence.licenceNumber, issuedOn: input.issuedOn, validUntil: input.validUntil, status: 'VALID',
      holder: { id: workerId }, source: { agency: 'transport', recordedBy: 'transport:transport-tester' },
    });
    const rows = await sql(`select badge_number, licence_number from psv_badge where worker_id = ?`, [workerId]);
    expect(rows).toEqual([{ badge_number: res.data.issuePsvBadge.badgeNumber, licence_number: licence.licenceNumber }]);
    await expectRefused(() => stack.query(ISSUE_BADGE, { input }), 'CONFLICT');
  });

  test('the licence must exist, be the worker’s own, valid, for hire, and outlast the badge', async () => {
    const workerId = unlicensedWorker();
    const own = await issueLicence(workerId);
    const rider = unlicensedWorker();
    const motorcycle = await issueLicence(rider, { vehicleClasses: ['MCWG'] });
    const [expired] = await sql(`select licence_number, worker_id, issued_on from driving_licence
      where not suspended and valid_until < ?::date and 'THREE_WHEELER_TR' = any(vehicle_classes) order by licence_number limit 1`, [today]);
    const badge = (overrides: Record<string, unknown>) => () => stack.query(ISSUE_BADGE, {
      input: { workerId, licenceNumber: own.licenceNumber, issuedOn: today, validUntil: addYears(today, 1), ...overrides },
    });

    await expectRefused(badge({ licenceNumber: 'AP16 20199999999' }), 'NOT_FOUND');
    await expectRefused(badge({ licenceNumber: motorcycle.licenceNumber }), 'BAD_USER_INPUT', 'licenceNumber');
    await expectRefused(badge({ workerId: rider, licenceNumber: motorcycle.licenceNumber }), 'BAD_USER_INPUT', 'licenceNumber');
    await expectRefused(badge({ workerId: expired.worker_id, licenceNumber: expired.licence_number, issuedOn: expired.issued_on }), 'BAD_USER_INPUT', 'licenceNumber');
    await expectRefused(badge({ validUntil: addYears(own.validUntil, 1) }), 'BAD_USER_INPUT', 'validUntil');
    await expectRefused(badge({ validUntil: addDays(today, -1) }), 'BAD_USER_INPUT', 'validUntil');
    await expectRefused(badge({ licenceNumber: 'twelve' }), 'BAD_USER_INPUT', 'licenceNumber');
    await expectRefused(badge({ workerId: 'W-9999999' }), 'NOT_FOUND');
  });
});

describe('issuing a vehicle permit', () => {
  test('an auto-rickshaw permit at a stand; the same vehicle cannot hold two valid permits', async () => {
    const workerId = unlicensedWorker();
    const registration = await unusedRegistration();
    const [stand] = await sql(`select id, name from auto_stand order by id limit 1`);
    const input = {
      workerId,
      vehicleRegistration: `${registration.slice(0, 2).toLowerCase()} ${registration.slice(2, 4)} ${registration.slice(4, 6)} ${registration.slice(6)}`,
      permitType: 'AUTO_RICKSHAW_CONTRACT_CARRIAGE',
      autoStandId: stand.id,
      issuedOn: addDays(today, -1),
      validUntil: addYears(addDays(today, -1), 5),
    };
    const res = await stack.query(ISSUE_PERMIT, { input });
    expect(res.errors).toBeUndefined();
    expect(res.data.issueVehiclePermit).toMatchObject({
      vehicleRegistration: registration, permitType: input.permitType, status: 'VALID',
      autoStand: { id: stand.id, name: stand.name }, holder: { id: workerId }, source: { agency: 'transport' },
    });
    const [row] = await sql(`select worker_id, auto_stand_id from vehicle_permit where permit_number = ?`, [res.data.issueVehiclePermit.permitNumber]);
    expect(row).toEqual({ worker_id: workerId, auto_stand_id: stand.id });
    await expectRefused(() => stack.query(ISSUE_PERMIT, { input: { ...input, workerId: unlicensed[0] } }), 'CONFLICT');
  });

  test('a goods carriage needs no stand', async () => {
    const res = await stack.query(ISSUE_PERMIT, { input: {
      workerId: unlicensedWorker(), vehicleRegistration: await unusedRegistration(), permitType: 'GOODS_CARRIAGE',
      issuedOn: today, validUntil: addYears(today, 1),
    } });
    expect(res.errors).toBeUndefined();
    expect(res.data.issueVehiclePermit).toMatchObject({ permitType: 'GOODS_CARRIAGE', autoStand: null, status: 'VALID' });
  });

  test('bad registrations, stands and validity are refused; a vehicle with a seeded valid permit is a conflict', async () => {
    const [stand] = await sql(`select id from auto_stand order by id limit 1`);
    const [held] = await sql(`select vehicle_registration from vehicle_permit where not suspended and valid_until >= ?::date order by permit_number limit 1`, [today]);
    const registration = await unusedRegistration();
    const permit = (overrides: Record<string, unknown>) => () => stack.query(ISSUE_PERMIT, { input: {
      workerId: unlicensed[0], vehicleRegistration: registration, permitType: 'E_RICKSHAW', autoStandId: stand.id,
      issuedOn: today, validUntil: addYears(today, 2), ...overrides,
    } });

    await expectRefused(permit({ vehicleRegistration: 'AP16 1234' }), 'BAD_USER_INPUT', 'vehicleRegistration');
    await expectRefused(permit({ autoStandId: 'AS-VJA-9999' }), 'NOT_FOUND');
    await expectRefused(permit({ autoStandId: 'Benz Circle' }), 'BAD_USER_INPUT', 'autoStandId');
    await expectRefused(permit({ permitType: 'GOODS_CARRIAGE' }), 'BAD_USER_INPUT', 'autoStandId');
    await expectRefused(permit({ validUntil: addDays(today, -1) }), 'BAD_USER_INPUT', 'validUntil');
    await expectRefused(permit({ validUntil: addYears(today, 6) }), 'BAD_USER_INPUT', 'validUntil');
    await expectRefused(permit({ issuedOn: addDays(today, 1) }), 'BAD_USER_INPUT', 'issuedOn');
    await expectRefused(permit({ workerId: 'W-9999999' }), 'NOT_FOUND');
    await expectRefused(permit({ vehicleRegistration: held.vehicle_registration }), 'CONFLICT');
  });
});

test('a roster of 100 workers with their licences, badges, permits and stands costs one statement per Transport table', async () => {
  let res: GraphQLResponse | undefined;
  const counts = await countStatements(stack, async () => {
    res = await stack.query(`{ workers(first: 100) { edges { node {
      id name
      drivingLicences { licenceNumber status holder { id } }
      badges { badgeNumber status }
      vehiclePermits { permitNumber status autoStand { id name ward { code } } }
    } } } }`);
  });
  expect(res!.errors).toBeUndefined();
  const workers = res!.data.workers.edges.map((e: any) => e.node);
  expect(workers).toHaveLength(100);
  const ids = workers.map((w: any) => w.id);
  const [{ n: licencesOfRoster }] = await sql(`select count(*)::int as n from driving_licence where worker_id in (?)`, [ids]);
  expect(workers.flatMap((w: any) => w.drivingLicences)).toHaveLength(licencesOfRoster);
  expect(workers.some((w: any) => w.vehiclePermits.some((p: any) => p.autoStand))).toBe(true);

  const perTable = new Map<string, number>();
  for (const statement of counts.transport.statements) perTable.set(tableOf(statement), (perTable.get(tableOf(statement)) ?? 0) + 1);
  expect(Object.fromEntries(perTable)).toEqual({ driving_licence: 1, psv_badge: 1, vehicle_permit: 1, auto_stand: 1 });
});

describe('access and jurisdiction', () => {
  const VJA_OFFICER: CallerSpec = { jurisdiction: 'city:VJA', subject: 'vja.rto' };
  const AUDITOR: CallerSpec = { agency: 'labour', role: 'auditor', scopes: ['read'], purpose: 'Audit' };
  const STANDS = `query($filter: AutoStandFilter, $after: String) { autoStands(filter: $filter, first: 100, after: $after) {
    totalCount edges { node { id city { code } } } pageInfo { hasNextPage endCursor } } }`;

  /** A seeded worker of `city` who drives nothing and no other test uses, so the tests may give them papers of either city. */
  async function seededWorker(city: string) {
    return unlicensedWorker(city);
  }

  const standIn = async (city: string) => (await sql(`select id from auto_stand where city_code = ? order by id limit 1`, [city]))[0].id as string;

  async function issue(mutation: string, input: object, caller?: CallerSpec) {
    const res = await stack.query(mutation, { input }, caller);
    expect(res.errors).toBeUndefined();
    return Object.values(res.data)[0] as any;
  }

  test.each([
    ['city:VJA', ['VJA']],
    ['district:NTR', ['VJA']],
    ['district:Visakhapatnam', ['GVMC']],
    ['state:AP', ['VJA', 'GVMC']],
  ])('a %s officer lists the auto stands of %j only, and counts only those', async (jurisdiction, cities) => {
    const caller = { jurisdiction };
    for (const city of CITIES) {
      // Filtering on a city outside the jurisdiction finds nothing, rather than an error that would confirm it.
      const [{ n: standsInCity }] = await sql(`select count(*)::int as n from auto_stand where city_code = ?`, [city.code]);
      const inCity = await everyPage(stack, STANDS, 'autoStands', { filter: { city: city.code } }, caller);
      expect(inCity.totals).toEqual([cities.includes(city.code) ? standsInCity : 0]);
    }
    const everything = await everyPage(stack, STANDS, 'autoStands', {}, caller);
    const rows = await sql(`select id from auto_stand where city_code in (?) order by id`, [cities]);
    expect(rows.length).toBeGreaterThan(0);
    expect(everything.nodes.map((n) => n.id)).toEqual(rows.map((r) => r.id));
    expect(everything.totals).toEqual([rows.length]);
  });

  test('a city:VJA officer gets the same NOT_FOUND for a GVMC licence or stand as for one that does not exist', async () => {
    const [licence] = await sql(`select licence_number from driving_licence where issuing_rto = 'AP31' order by 1 limit 1`);
    const [vjaLicence] = await sql(`select licence_number from driving_licence where issuing_rto = 'AP16' order by 1 limit 1`);
    const lookups = [
      { query: `query($id: ID!) { drivingLicence(licenceNumber: $id) { licenceNumber } }`, field: 'drivingLicence', hidden: licence.licence_number, unknown: 'AP31 20199999999' },
      { query: `query($id: ID!) { autoStand(id: $id) { id } }`, field: 'autoStand', hidden: await standIn('GVMC'), unknown: 'AS-GVMC-9999' },
    ];
    for (const lookup of lookups) {
      await expectHiddenLikeUnknown(stack, lookup.query, lookup.field, lookup, VJA_OFFICER);
      // A state officer, and one of the record's own district, see it.
      for (const jurisdiction of ['state:AP', 'district:Visakhapatnam']) {
        const seen = await stack.query(lookup.query, { id: lookup.hidden }, { jurisdiction });
        expect(seen.errors).toBeUndefined();
        expect(seen.data[lookup.field]).not.toBeNull();
      }
      expect(errorCodes(await stack.query(lookup.query, { id: lookup.hidden }, { jurisdiction: 'district:NTR' }))).toEqual(['NOT_FOUND']);
    }
    const own = await stack.query(lookups[0].query, { id: vjaLicence.licence_number }, VJA_OFFICER);
    expect(own.data.drivingLicence).toEqual({ licenceNumber: vjaLicence.licence_number });
  });

  test("a worker's papers from both cities show a VJA officer only the VJA ones, a state officer all, and an unknown RTO's to national callers only", async () => {
    const workerId = await seededWorker('VJA');
    const twoYearsAgo = addYears(today, -2);
    // Papers from Visakhapatnam, since suspended, then Vijayawada's (a worker holds one valid licence and badge at a time).
    const gvmcLicence = await issue(ISSUE_LICENCE, licenceInput(workerId, { issuingRto: 'AP31', issuedOn: twoYearsAgo, validUntil: addYears(today, 3) }));
    const gvmcBadge = await issue(ISSUE_BADGE, { workerId, licenceNumber: gvmcLicence.licenceNumber, issuedOn: twoYearsAgo, validUntil: addYears(today, 1) });
    await sql(`update driving_licence set suspended = true where licence_number = ?`, [gvmcLicence.licenceNumber]);
    await sql(`update psv_badge set suspended = true where badge_number = ?`, [gvmcBadge.badgeNumber]);
    const vjaLicence = await issue(ISSUE_LICENCE, licenceInput(workerId));
    const vjaBadge = await issue(ISSUE_BADGE, { workerId, licenceNumber: vjaLicence.licenceNumber, issuedOn: today, validUntil: addYears(today, 1) });
    const permit = async (overrides: object, caller?: CallerSpec) => (await issue(ISSUE_PERMIT, {
      workerId, permitType: 'AUTO_RICKSHAW_CONTRACT_CARRIAGE', issuedOn: today, validUntil: addYears(today, 1), ...overrides,
    }, caller)).permitNumber as string;
    const vjaStandPermit = await permit({ vehicleRegistration: await unusedRegistration('AP16'), autoStandId: await standIn('VJA') });
    const gvmcStandPermit = await permit({ vehicleRegistration: await unusedRegistration('AP16'), autoStandId: await standIn('GVMC') });
    const vjaGoodsPermit = await permit({ vehicleRegistration: await unusedRegistration('AP16'), permitType: 'GOODS_CARRIAGE' }, VJA_OFFICER);
    const gvmcGoodsPermit = await permit({ vehicleRegistration: await unusedRegistration('AP31'), permitType: 'GOODS_CARRIAGE' });
    // A vehicle registered with an RTO the hub does not know lies in no city.
    const unknownRtoPermit = await permit({ vehicleRegistration: await unusedRegistration('TS09'), permitType: 'GOODS_CARRIAGE' });

    const PAPERS = `query($id: ID!) { worker(id: $id) {
      drivingLicences { licenceNumber } badges { badgeNumber } vehiclePermits { permitNumber autoStand { id city { code } } } } }`;
    const seenBy = async (caller: CallerSpec) => {
      const res = await stack.query(PAPERS, { id: workerId }, caller);
      expect(res.errors).toBeUndefined();
      const { drivingLicences, badges, vehiclePermits } = res.data.worker;
      for (const p of vehiclePermits) if (p.autoStand) expect(p.autoStand.id).toMatch(new RegExp(`^AS-${p.autoStand.city.code}-`));
      return {
        licences: drivingLicences.map((l: any) => l.licenceNumber),
        badges: badges.map((b: any) => b.badgeNumber),
        permits: vehiclePermits.map((p: any) => p.permitNumber).sort(),
      };
    };
    const vja = await seenBy(VJA_OFFICER);
    expect(vja).toEqual({ licences: [vjaLicence.licenceNumber], badges: [vjaBadge.badgeNumber], permits: [vjaStandPermit, vjaGoodsPermit].sort() });
    expect(await seenBy({ jurisdiction: 'district:NTR' })).toEqual(vja);
    const state = await seenBy({ jurisdiction: 'state:AP' });
    expect(state).toEqual({
      licences: [gvmcLicence.licenceNumber, vjaLicence.licenceNumber],
      badges: [gvmcBadge.badgeNumber, vjaBadge.badgeNumber],
      permits: [vjaStandPermit, gvmcStandPermit, vjaGoodsPermit, gvmcGoodsPermit].sort(),
    });
    const national = await seenBy({ jurisdiction: 'national' });
    expect(national).toEqual({ ...state, permits: [...state.permits, unknownRtoPermit].sort() });

    // What each saw agrees with the stored rows of their cities.
    const [{ n: vjaRows }] = await sql(`select count(*)::int as n from vehicle_permit p left join auto_stand s on s.id = p.auto_stand_id
      where p.worker_id = ? and (s.city_code = 'VJA' or (p.auto_stand_id is null and left(p.vehicle_registration, 4) = 'AP16'))`, [workerId]);
    expect(vja.permits).toHaveLength(vjaRows);
  });

  test('a VJA roster with every transport paper holds only VJA records, still one statement per table', async () => {
    let res: any;
    const counts = await countStatements(stack, async () => {
      res = await stack.query(`{ workers(filter: { city: "VJA" }, first: 100) { edges { node { id
        drivingLicences { licenceNumber issuingRto } badges { badgeNumber licenceNumber }
        vehiclePermits { permitNumber vehicleRegistration autoStand { id city { code } } }
      } } } }`, {}, VJA_OFFICER);
    });
    expect(res.errors).toBeUndefined();
    const nodes = res.data.workers.edges.map((e: any) => e.node);
    const ids = nodes.map((n: any) => n.id);
    const returned = (field: string, key: string) => nodes.flatMap((n: any) => n[field].map((x: any) => x[key])).sort();
    const inVja = async (query: string) => (await sql(query, [ids])).map((r) => r.k).sort();
    expect(returned('drivingLicences', 'licenceNumber')).toEqual(await inVja(`select licence_number as k from driving_licence where worker_id in (?) and issuing_rto = 'AP16'`));
    expect(returned('badges', 'badgeNumber')).toEqual(await inVja(`select badge_number as k from psv_badge where worker_id in (?) and licence_number like 'AP16 %'`));
    expect(returned('vehiclePermits', 'permitNumber')).toEqual(await inVja(`select p.permit_number as k from vehicle_permit p left join auto_stand s on s.id = p.auto_stand_id
      where p.worker_id in (?) and (s.city_code = 'VJA' or (p.auto_stand_id is null and p.vehicle_registration like 'AP16%'))`));
    expect(returned('drivingLicences', 'licenceNumber').length).toBeGreaterThan(0);
    expect(returned('vehiclePermits', 'permitNumber').length).toBeGreaterThan(0);
    for (const node of nodes) {
      for (const licence of node.drivingLicences) expect(licence.issuingRto).toBe('AP16');
      for (const badge of node.badges) expect(badge.licenceNumber).toMatch(/^AP16 /);
      for (const permit of node.vehiclePermits) if (permit.autoStand) expect(permit.autoStand.city.code).toBe('VJA');
    }
    expect(statementsPerTable(counts.transport.statements)).toEqual({ driving_licence: 1, psv_badge: 1, vehicle_permit: 1, auto_stand: 1 });
  });

  test('a VJA officer cannot issue papers of a GVMC or unknown RTO or stand (FORBIDDEN) or to a GVMC worker (NOT_FOUND), and nothing is written', async () => {
    const workerId = await seededWorker('VJA');
    const [gvmcLicence] = await sql(`select licence_number from driving_licence where issuing_rto = 'AP31' order by 1 limit 1`);
    const permit = { workerId, permitType: 'AUTO_RICKSHAW_CONTRACT_CARRIAGE', issuedOn: today, validUntil: addYears(today, 1) };
    const attempts = [
      () => stack.query(ISSUE_LICENCE, { input: licenceInput(workerId, { issuingRto: 'AP31' }) }, VJA_OFFICER),
      // A GVMC licence, and one that does not exist: the refusal is the same, so it confirms nothing.
      () => stack.query(ISSUE_BADGE, { input: { workerId, licenceNumber: gvmcLicence.licence_number, issuedOn: today, validUntil: addYears(today, 1) } }, VJA_OFFICER),
      () => stack.query(ISSUE_BADGE, { input: { workerId, licenceNumber: 'AP31 20199999999', issuedOn: today, validUntil: addYears(today, 1) } }, VJA_OFFICER),
      async () => stack.query(ISSUE_PERMIT, { input: { ...permit, vehicleRegistration: await unusedRegistration(), autoStandId: await standIn('GVMC') } }, VJA_OFFICER),
      async () => stack.query(ISSUE_PERMIT, { input: { ...permit, vehicleRegistration: await unusedRegistration(), autoStandId: 'AS-GVMC-9999' } }, VJA_OFFICER),
      async () => stack.query(ISSUE_PERMIT, { input: { ...permit, permitType: 'GOODS_CARRIAGE', vehicleRegistration: await unusedRegistration('AP31') } }, VJA_OFFICER),
      async () => stack.query(ISSUE_PERMIT, { input: { ...permit, permitType: 'GOODS_CARRIAGE', vehicleRegistration: await unusedRegistration('TS09') } }, { jurisdiction: 'state:AP' }),
    ];
    for (const attempt of attempts) {
      await expectRefused(attempt, 'FORBIDDEN');
    }
    const refusal = await stack.query(ISSUE_LICENCE, { input: licenceInput(workerId, { issuingRto: 'AP31' }) }, VJA_OFFICER);
    expect(refusal.errors![0].message).toContain('GVMC');

    // A GVMC worker: Labour does not show the worker to this officer, so NOT_FOUND.
    const gvmcWorker = await seededWorker('GVMC');
    await expectRefused(() => stack.query(ISSUE_LICENCE, { input: licenceInput(gvmcWorker) }, VJA_OFFICER), 'NOT_FOUND');
  });

  test('a CONFLICT over a licence issued outside the jurisdiction does not name it', async () => {
    const workerId = await seededWorker('VJA');
    const gvmc = await issue(ISSUE_LICENCE, licenceInput(workerId, { issuingRto: 'AP31' }));
    const res = await stack.query(ISSUE_LICENCE, { input: licenceInput(workerId) }, VJA_OFFICER);
    expect(errorCodes(res)).toEqual(['CONFLICT']);
    expect(res.errors![0].message).not.toContain(gvmc.licenceNumber);
    const state = await stack.query(ISSUE_LICENCE, { input: licenceInput(workerId) }, { jurisdiction: 'state:AP' });
    expect(state.errors![0].message).toContain(gvmc.licenceNumber);
  });

  test('officers of another agency, analysts and tokens without the write scope cannot issue (FORBIDDEN)', async () => {
    const workerId = await seededWorker('VJA');
    const refused: CallerSpec[] = [
      { agency: 'mepma' }, { agency: 'labour' },
      { role: 'analyst', scopes: ['read'], purpose: 'Statistics' }, { scopes: ['read'] }, { jurisdiction: 'city:VJA', scopes: ['read'] },
    ];
    for (const caller of refused) {
      await expectRefused(() => stack.query(ISSUE_LICENCE, { input: licenceInput(workerId) }, caller), 'FORBIDDEN');
    }
  });

  test('history: an auditor reads who issued a licence and who suspended it, for what purpose; analysts and other agencies may not', async () => {
    const workerId = await seededWorker('VJA');
    const input = licenceInput(workerId);
    const issued = await stack.query(`mutation($input: IssueDrivingLicenceInput!) {
      issueDrivingLicence(input: $input) { licenceNumber source { recordedBy updatedBy } } }`, { input }, VJA_OFFICER);
    expect(issued.errors).toBeUndefined();
    const { licenceNumber } = issued.data.issueDrivingLicence;
    expect(issued.data.issueDrivingLicence.source).toEqual({ recordedBy: 'transport:vja.rto', updatedBy: null });

    // Transport has no mutation that changes a licence yet: a suspension is written the way a
    // graph write is (marked with its writer), and a correction is made straight in the database.
    const em = stack.subgraphs.get('transport')!.database.orm.em.fork();
    await writeInTransaction(em, { actor: 'transport:vja.rto', purpose: 'service-delivery' }, (tx) =>
      tx.execute(`update driving_licence set suspended = true, updated_by = 'transport:vja.rto' where licence_number = ?`, [licenceNumber]));
    await sql(`update driving_licence set vehicle_classes = '{THREE_WHEELER_TR}' where licence_number = ?`, [licenceNumber]);

    const HISTORY = `query($n: ID!) { drivingLicence(licenceNumber: $n) {
      source { recordedBy updatedBy } history { at by purpose action changes { field oldValue newValue } } } }`;
    const res = await stack.query(HISTORY, { n: licenceNumber }, AUDITOR);
    expect(res.errors).toBeUndefined();
    const { history, source } = res.data.drivingLicence;
    expect(source).toEqual({ recordedBy: 'transport:vja.rto', updatedBy: 'transport:vja.rto' });
    expect(history).toHaveLength(3);
    const [created, suspended, corrected] = history;
    expect(created).toMatchObject({ by: 'transport:vja.rto', purpose: 'service-delivery', action: 'CREATED' });
    expect(created.changes).toEqual(expect.arrayContaining([
      { field: 'licenceNumber', oldValue: null, newValue: licenceNumber },
      { field: 'workerId', oldValue: null, newValue: workerId },
      { field: 'vehicleClasses', oldValue: null, newValue: JSON.stringify(input.vehicleClasses) },
      { field: 'issuingRto', oldValue: null, newValue: 'AP16' },
      { field: 'issuedOn', oldValue: null, newValue: input.issuedOn },
      { field: 'validUntil', oldValue: null, newValue: input.validUntil },
      { field: 'suspended', oldValue: null, newValue: 'false' },
    ]));
    // Provenance columns are the change's own `at` and `by`, not changes of their own.
    expect(created.changes.map((c: any) => c.field)).not.toContain('recordedBy');
    expect(suspended).toEqual({
      at: expect.any(String), by: 'transport:vja.rto', purpose: 'service-delivery', action: 'UPDATED',
      changes: [{ field: 'suspended', oldValue: 'false', newValue: 'true' }],
    });
    expect(corrected).toMatchObject({
      by: expect.stringMatching(/^database:/), purpose: null, action: 'UPDATED',
      changes: [{ field: 'vehicleClasses', oldValue: JSON.stringify(input.vehicleClasses), newValue: '["THREE_WHEELER_TR"]' }],
    });
    expect(new Date(created.at) <= new Date(suspended.at) && new Date(suspended.at) <= new Date(corrected.at)).toBe(true);

    // Transport's own officers read it too, through the worker as well; an analyst or another agency's officer is refused.
    const own = await stack.query(`query($id: ID!) { worker(id: $id) { drivingLicences { licenceNumber history { action by } } } }`, { id: workerId }, VJA_OFFICER);
    expect(own.errors).toBeUndefined();
    expect(own.data.worker.drivingLicences).toEqual([{ licenceNumber, history: history.map((h: any) => ({ action: h.action, by: h.by })) }]);
    const notAllowed: CallerSpec[] = [{ role: 'analyst', scopes: ['read'], purpose: 'Statistics' }, { agency: 'mepma' }];
    for (const caller of notAllowed) {
      const refused = await stack.query(HISTORY, { n: licenceNumber }, caller);
      expect(errorCodes(refused)).toContain('FORBIDDEN');
      expect(refused.data?.drivingLicence?.history ?? null).toBeNull();
    }
  });

  test('history of a newly issued badge and permit; demo records imported with history paused have none', async () => {
    const workerId = await seededWorker('VJA');
    const licence = await issue(ISSUE_LICENCE, licenceInput(workerId), VJA_OFFICER);
    const badge = await issue(ISSUE_BADGE, { workerId, licenceNumber: licence.licenceNumber, issuedOn: today, validUntil: addYears(today, 1) }, VJA_OFFICER);
    expect(badge.source.recordedBy).toBe('transport:vja.rto');
    const standId = await standIn('VJA');
    const vehicleRegistration = await unusedRegistration();
    const permit = await issue(ISSUE_PERMIT, {
      workerId, vehicleRegistration, permitType: 'E_RICKSHAW', autoStandId: standId, issuedOn: today, validUntil: addYears(today, 2),
    }, VJA_OFFICER);

    const res = await stack.query(`query($id: ID!) { worker(id: $id) {
      badges { history { by purpose action changes { field newValue } } }
      vehiclePermits { source { recordedBy } history { by purpose action changes { field newValue } } autoStand { history { action } } } } }`,
    { id: workerId }, AUDITOR);
    expect(res.errors).toBeUndefined();
    const [badgeSeen] = res.data.worker.badges;
    expect(badgeSeen.history).toEqual([{
      by: 'transport:vja.rto', purpose: 'service-delivery', action: 'CREATED',
      changes: expect.arrayContaining([{ field: 'badgeNumber', newValue: badge.badgeNumber }, { field: 'licenceNumber', newValue: licence.licenceNumber }]),
    }]);
    const [permitSeen] = res.data.worker.vehiclePermits;
    expect(permitSeen.source.recordedBy).toBe('transport:vja.rto');
    expect(permitSeen.history).toEqual([{
      by: 'transport:vja.rto', purpose: 'service-delivery', action: 'CREATED',
      changes: expect.arrayContaining([
        { field: 'permitNumber', newValue: permit.permitNumber }, { field: 'vehicleRegistration', newValue: vehicleRegistration },
        { field: 'permitType', newValue: 'E_RICKSHAW' }, { field: 'autoStandId', newValue: standId },
      ]),
    }]);
    expect(permitSeen.autoStand.history).toEqual([]);
  });

  test('record_change is append-only', async () => {
    // A change of its own, so the table holds rows whichever tests ran before.
    await issue(ISSUE_LICENCE, licenceInput(await seededWorker('VJA')));
    const [{ n }] = await sql(`select count(*)::int as n from record_change`);
    expect(n).toBeGreaterThan(0);
    await expectAppendOnly(stack, 'transport', 'record_change', 'changed_by', (statement) => sql(statement));
  });
});
