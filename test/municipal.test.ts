/**
 * Municipal through the real gateway: wards, vending zones, a worker's municipal papers beside
 * Labour's identity, issuing certificates, licences and sanitation IDs, PM SVANidhi loans and the
 * facts Municipal publishes for the single window, and what bad input gets back (with nothing
 * written).
 */
import { DEMO_CITIES as CITIES } from '../src/shared/demo/places';
import { countStatements, expectAppendOnly, errorCodes, everyPage, expectHiddenLikeUnknown, sealedBy, startTestStack, statementsPerTable, tableOf, type CallerSpec, type TestStack } from './support/stack';
import { addDays, addYears, today } from '../src/shared/dates';
import { writeInTransaction } from '../src/shared/transactions';
import { decodeFact } from '../src/shared/facts';
import type { Caller } from '../src/shared/access/caller';
import type { StatisticsAnswer } from '../src/shared/statistics';
import { CAMPS } from '../subgraphs/municipal/seed';

let stack: TestStack;
/**
 * Who recorded the demo's own rows (subgraphs/municipal/seed.ts). Tests about the demo read only
 * those: other tests issue papers through the graph, and insert a loan as a bank's portal would.
 */
const DEMO_IMPORT = 'municipal-demo-import';

beforeAll(async () => {
  stack = await startTestStack('municipal', { as: { agency: 'municipal' } });
});
afterAll(() => stack?.stop());

async function sql<T = any>(query: string, params: unknown[] = []): Promise<T[]> {
  return stack.subgraphs.get('municipal')!.database.orm.em.getConnection().execute(query, params);
}

async function labourSql<T = any>(query: string, params: unknown[] = []): Promise<T[]> {
  return stack.subgraphs.get('labour')!.database.orm.em.getConnection().execute(query, params);
}

async function rowCounts() {
  const [counts] = await sql(`select
    (select count(*)::int from vending_certificate) as certificates,
    (select count(*)::int from trade_licence) as licences,
    (select count(*)::int from sanitation_worker_id) as sanitation_ids`);
  return counts;
}

let registrations = 0;

/** Registers a new worker with Labour through the gateway, so each story has a clean slate. */
async function registerWorker(occupation: string, city = 'VJA'): Promise<string> {
  registrations += 1;
  // Labour registers workers; Municipal's officers only issue their papers.
  const res = await stack.query(`mutation($input: RegisterWorkerInput!) { registerWorker(input: $input) { id } }`, {
    input: {
      name: 'Gorantla Durga',
      gender: 'FEMALE',
      dateOfBirth: '1988-08-15',
      phone: `+91 62000 ${String(40000 + registrations)}`,
      idReferenceToken: `ADV-MUNI-${String(registrations).padStart(4, '0')}`,
      idLast4: '2468',
      occupation,
      city,
      ward: `${city}-W03`,
    },
  }, { agency: 'labour' });
  expect(res.errors).toBeUndefined();
  return res.data.registerWorker.id;
}

/** A VENDING zone with room for more certificates, read from the seeded rows. */
async function zoneWithRoom(city = 'VJA') {
  const [zone] = await sql(`
    select z.id, z.capacity, z.ward_code from vending_zone z
    where z.city_code = ? and z.zone_type = 'VENDING'
      and z.capacity > (select count(*) from vending_certificate c
                        where c.vending_zone_id = z.id and c.status = 'ACTIVE' and c.valid_until >= current_date)
    order by z.id limit 1`, [city]);
  return zone;
}

const issuedOn = addDays(today(), -10);

const ISSUE_CERTIFICATE = /* GraphQL */ `
  mutation($input: IssueVendingCertificateInput!) {
    issueVendingCertificate(input: $input) {
      certificateNumber category goods issuedOn validUntil status
      worker { id name } vendingZone { id } source { agency system recordId recordedBy }
    } }`;

const ISSUE_LICENCE = /* GraphQL */ `
  mutation($input: IssueTradeLicenceInput!) {
    issueTradeLicence(input: $input) {
      licenceNumber tradeName tradeCategory issuedOn validUntil status ward { code name } worker { id } source { agency recordId }
    } }`;

const ISSUE_SANITATION_ID = /* GraphQL */ `
  mutation($input: IssueSanitationWorkerIdInput!) {
    issueSanitationWorkerId(input: $input) { idNumber employer issuedOn ward { code } worker { id } source { agency recordId } }
  }`;

describe('a worker seen by every agency at once', () => {
  test("Labour's name and ward come back beside the worker's municipal papers, exactly as Municipal holds them", async () => {
    const [{ worker_id: workerId }] = await sql(`
      select c.worker_id from vending_certificate c
      order by exists (select 1 from trade_licence t where t.worker_id = c.worker_id) desc, c.worker_id limit 1`);
    const [person] = await labourSql(`select name, ward_code from worker where id = ?`, [workerId]);
    const [ward] = await sql(`select * from ward where code = ?`, [person.ward_code]);
    const certificates = await sql(`
      select c.*, z.name as zone_name, z.zone_type from vending_certificate c join vending_zone z on z.id = c.vending_zone_id
      where c.worker_id = ? order by c.issued_on`, [workerId]);
    const licences = await sql(`select * from trade_licence where worker_id = ? order by issued_on`, [workerId]);

    const res = await stack.query(`query($id: ID!) { worker(id: $id) {
      name ward { code number name locality city { code name } }
      vendingCertificates { certificateNumber category goods issuedOn validUntil vendingZone { id name zoneType } source { agency recordId } }
      tradeLicences { licenceNumber tradeName tradeCategory issuedOn validUntil ward { code } }
      sanitationWorkerIds { idNumber }
    } }`, { id: workerId });
    expect(res.errors).toBeUndefined();
    expect(res.data.worker).toEqual({
      name: person.name,
      ward: {
        code: ward.code, number: ward.number, name: ward.name, locality: ward.locality,
        city: { code: ward.city_code, name: CITIES.find((c) => c.code === ward.city_code)!.name },
      },
      vendingCertificates: certificates.map((c) => ({
        certificateNumber: c.certificate_number, category: c.category, goods: c.goods, issuedOn: c.issued_on, validUntil: c.valid_until,
        vendingZone: { id: c.vending_zone_id, name: c.zone_name, zoneType: c.zone_type },
        source: { agency: 'municipal', recordId: c.certificate_number },
      })),
      tradeLicences: licences.map((l) => ({
        licenceNumber: l.licence_number, tradeName: l.trade_name, tradeCategory: l.trade_category,
        issuedOn: l.issued_on, validUntil: l.valid_until, ward: { code: l.ward_code },
      })),
      sanitationWorkerIds: [],
    });
  });

  test('a roster of 100 workers with wards and papers costs at most one statement per municipal table', async () => {
    let res: any;
    const counts = await countStatements(stack, async () => {
      res = await stack.query(`{ workers(first: 100) { edges { node { id name ward { name }
        vendingCertificates { certificateNumber status vendingZone { name } }
        tradeLicences { licenceNumber status }
        sanitationWorkerIds { idNumber employer }
      } } } }`);
    });
    expect(res.errors).toBeUndefined();
    const nodes = res.data.workers.edges.map((e: any) => e.node);
    expect(nodes).toHaveLength(100);
    expect(nodes.every((n: any) => n.name && n.ward.name.startsWith('Ward '))).toBe(true);

    const ids = nodes.map((n: any) => n.id);
    const papers = async (table: string, key: string) =>
      (await sql(`select ${key} as k from ${table} where worker_id in (?)`, [ids])).map((r) => r.k).sort();
    const returned = (field: string, key: string) => nodes.flatMap((n: any) => n[field].map((x: any) => x[key])).sort();
    expect(returned('vendingCertificates', 'certificateNumber')).toEqual(await papers('vending_certificate', 'certificate_number'));
    expect(returned('tradeLicences', 'licenceNumber')).toEqual(await papers('trade_licence', 'licence_number'));
    expect(returned('sanitationWorkerIds', 'idNumber')).toEqual(await papers('sanitation_worker_id', 'id_number'));

    const perTable: Record<string, number> = {};
    for (const statement of counts.municipal.statements) perTable[tableOf(statement)] = (perTable[tableOf(statement)] ?? 0) + 1;
    const zonesAsked = returned('vendingCertificates', 'certificateNumber').length > 0;
    const expectedTables = ['sanitation_worker_id', 'trade_licence', 'vending_certificate', ...(zonesAsked ? ['vending_zone'] : []), 'ward'];
    expect(Object.keys(perTable).sort()).toEqual(expectedTables);
    expect(Math.max(...Object.values(perTable))).toBe(1);
  });
});

describe('wards', () => {
  test('every ward of both cities is on record, named after a locality of its own', async () => {
    for (const city of CITIES) {
      const rows = await sql(`select code, number, name, locality from ward where city_code = ? order by number`, [city.code]);
      expect(rows).toHaveLength(city.wardCount);
      const res = await stack.query(`query($city: ID!) { wards(city: $city) { code number name locality city { code } source { agency recordId } } }`, { city: city.code });
      expect(res.errors).toBeUndefined();
      expect(res.data.wards).toEqual(rows.map((r) => ({ ...r, city: { code: city.code }, source: { agency: 'municipal', recordId: r.code } })));
      expect(rows.every((r) => r.name === `Ward ${r.number} — ${r.locality}`)).toBe(true);
      // A neighbourhood or a part of one (`Gunadala North`), never another ward's name.
      expect(rows.every((r) => city.localities.some((locality) => r.locality.startsWith(locality)))).toBe(true);
      expect(new Set(rows.map((r) => r.locality)).size).toBe(rows.length);
    }
  });

  test('one ward by code; an unknown ward is NOT_FOUND, a malformed code or city BAD_USER_INPUT', async () => {
    const [row] = await sql(`select * from ward where city_code = 'GVMC' order by number desc limit 1`);
    const res = await stack.query(`query($code: ID!) { ward(code: $code) { code number name city { name } } }`, { code: row.code });
    expect(res.data.ward).toEqual({ code: row.code, number: row.number, name: row.name, city: { name: CITIES.find((c) => c.code === 'GVMC')!.name } });

    const unknown = await stack.query(`{ ward(code: "VJA-W99") { code } }`);
    expect(unknown.data.ward).toBeNull();
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    expect(errorCodes(await stack.query(`{ ward(code: "ward seven") { code } }`))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await stack.query(`{ wards(city: "HYD") { code } }`))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('vending zones', () => {
  const PAGE = `query($filter: VendingZoneFilter, $first: Int, $after: String) {
    vendingZones(filter: $filter, first: $first, after: $after) {
      totalCount edges { cursor node { id name zoneType capacity ward { code } } } pageInfo { hasNextPage endCursor }
    } }`;

  test('every street-vendor work location is a vending zone with room to spare; hospitals and stations are no-vending', async () => {
    const zones = await sql(`
      select z.zone_type, z.capacity,
        (select count(*)::int from vending_certificate c where c.vending_zone_id = z.id and c.status = 'ACTIVE' and c.recorded_by = ?) as active
      from vending_zone z`, [DEMO_IMPORT]);
    for (const zone of zones.filter((z) => z.zone_type === 'VENDING')) expect(zone.capacity).toBeGreaterThan(zone.active);
    for (const city of CITIES) {
      const [{ n }] = await sql(`select count(*)::int as n from vending_zone where city_code = ? and zone_type = 'NO_VENDING'`, [city.code]);
      expect(n).toBeGreaterThanOrEqual(2);
    }
    const [misplaced] = await sql(`select count(*)::int as n from vending_certificate c join vending_zone z on z.id = c.vending_zone_id where z.zone_type <> 'VENDING'`);
    expect(misplaced.n).toBe(0);
  });

  test('pages of one city cover each of its zones exactly once, in id order', async () => {
    const expected = (await sql(`select id from vending_zone where city_code = 'VJA' order by id`)).map((r) => r.id);
    const { nodes, totals } = await everyPage(stack, PAGE, 'vendingZones', { filter: { city: 'VJA' }, first: 3 });
    expect(totals).toEqual([expected.length]);
    expect(nodes.map((node) => node.id)).toEqual(expected);
  });

  test('zones of one ward, and one zone by id with its ward', async () => {
    const [zone] = await sql(`select * from vending_zone where zone_type = 'VENDING' order by id limit 1`);
    const byWard = await stack.query(PAGE, { filter: { ward: zone.ward_code } });
    const inWard = (await sql(`select id from vending_zone where ward_code = ? order by id`, [zone.ward_code])).map((r) => r.id);
    expect(byWard.data.vendingZones.edges.map((e: any) => e.node.id)).toEqual(inWard);

    const one = await stack.query(`query($id: ID!) { vendingZone(id: $id) { id name zoneType capacity ward { code name } source { agency recordId } } }`, { id: zone.id });
    const [ward] = await sql(`select name from ward where code = ?`, [zone.ward_code]);
    expect(one.data.vendingZone).toEqual({
      id: zone.id, name: zone.name, zoneType: 'VENDING', capacity: zone.capacity,
      ward: { code: zone.ward_code, name: ward.name }, source: { agency: 'municipal', recordId: zone.id },
    });
  });

  test('an unknown zone is NOT_FOUND; a malformed id, a ward of another city, a forged cursor or first over 100 BAD_USER_INPUT', async () => {
    const unknown = await stack.query(`{ vendingZone(id: "VZ-VJA-9999") { id } }`);
    expect(unknown.data.vendingZone).toBeNull();
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    expect(errorCodes(await stack.query(`{ vendingZone(id: "Benz Circle") { id } }`))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await stack.query(PAGE, { filter: { city: 'VJA', ward: 'GVMC-W04' } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await stack.query(PAGE, { after: 'not-a-cursor' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await stack.query(PAGE, { first: 101 }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('vending certificates', () => {
  const CERTIFICATE = `query($n: ID!) { vendingCertificate(certificateNumber: $n) {
    certificateNumber status validUntil worker { id name } vendingZone { id } source { agency system recordedBy } } }`;

  test('a certificate by number names its vendor through Labour; a lapsed one reads EXPIRED', async () => {
    const [lapsed] = await sql(`select * from vending_certificate where status = 'ACTIVE' and valid_until < current_date order by certificate_number limit 1`);
    const [person] = await labourSql(`select name from worker where id = ?`, [lapsed.worker_id]);
    const res = await stack.query(CERTIFICATE, { n: lapsed.certificate_number });
    expect(res.data.vendingCertificate).toEqual({
      certificateNumber: lapsed.certificate_number,
      status: 'EXPIRED',
      validUntil: lapsed.valid_until,
      worker: { id: lapsed.worker_id, name: person.name },
      vendingZone: { id: lapsed.vending_zone_id },
      source: { agency: 'municipal', system: lapsed.source_system, recordedBy: lapsed.recorded_by },
    });
  });

  test('the demo has certificates that have lapsed or fall due within 60 days, all held by street vendors', async () => {
    const [due] = await sql(`select count(*)::int as n from vending_certificate where valid_until < current_date + 60 and recorded_by = ?`, [DEMO_IMPORT]);
    const [current] = await sql(`select count(*)::int as n from vending_certificate where valid_until >= current_date + 60 and recorded_by = ?`, [DEMO_IMPORT]);
    expect(due.n).toBeGreaterThan(0);
    expect(current.n).toBeGreaterThan(due.n);
    const holders = (await sql(`select distinct worker_id from vending_certificate where recorded_by = ?`, [DEMO_IMPORT])).map((r) => r.worker_id);
    const occupations = await labourSql(`select distinct occupation from worker where id in (?)`, [holders]);
    expect(occupations).toEqual([{ occupation: 'STREET_VENDOR' }]);
  });

  test('an unknown number is NOT_FOUND, a malformed one BAD_USER_INPUT', async () => {
    const unknown = await stack.query(CERTIFICATE, { n: 'VJA/SVC/2025/999999' });
    expect(unknown.data.vendingCertificate).toBeNull();
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    expect(errorCodes(await stack.query(CERTIFICATE, { n: '123' }))).toEqual(['BAD_USER_INPUT']);
  });

  test('a newly registered vendor gets a certificate in a zone with room, once', async () => {
    const workerId = await registerWorker('STREET_VENDOR');
    const zone = await zoneWithRoom();
    const input = { workerId, vendingZoneId: zone.id, category: 'MOBILE', goods: ' Flowers ', issuedOn, validUntil: addDays(addYears(issuedOn, 5), -1) };
    const res = await stack.query(ISSUE_CERTIFICATE, { input });
    expect(res.errors).toBeUndefined();
    const certificate = res.data.issueVendingCertificate;
    expect(certificate).toMatchObject({
      category: 'MOBILE', goods: 'Flowers', issuedOn, validUntil: input.validUntil, status: 'ACTIVE',
      worker: { id: workerId, name: 'Gorantla Durga' }, vendingZone: { id: zone.id },
      source: { agency: 'municipal', system: 'Worker Graph', recordId: certificate.certificateNumber, recordedBy: 'municipal:municipal-tester' },
    });
    expect(certificate.certificateNumber).toMatch(new RegExp(`^VJA/SVC/${issuedOn.slice(0, 4)}/\\d{6}$`));
    const rows = await sql(`select vending_zone_id, goods, status from vending_certificate where worker_id = ?`, [workerId]);
    expect(rows).toEqual([{ vending_zone_id: zone.id, goods: 'Flowers', status: 'ACTIVE' }]);

    const again = await stack.query(ISSUE_CERTIFICATE, { input: { ...input, vendingZoneId: (await zoneWithRoom('GVMC')).id } });
    expect(errorCodes(again)).toEqual(['CONFLICT']);
    expect(again.errors![0].message).toContain(certificate.certificateNumber);

    const worker = await stack.query(`query($id: ID!) { worker(id: $id) { vendingCertificates { certificateNumber } } }`, { id: workerId });
    expect(worker.data.worker.vendingCertificates).toEqual([{ certificateNumber: certificate.certificateNumber }]);
  });

  test('a zone the vending committee has filled refuses another vendor with CONFLICT', async () => {
    const workerId = await registerWorker('STREET_VENDOR');
    const zone = await zoneWithRoom('GVMC');
    // The committee lowers the zone's capacity to the vendors it already holds (and the test puts it back after).
    await sql(`update vending_zone set capacity = (select count(*) from vending_certificate
      where vending_zone_id = ? and status = 'ACTIVE' and valid_until >= current_date) where id = ?`, [zone.id, zone.id]);
    try {
      const before = await rowCounts();
      const res = await stack.query(ISSUE_CERTIFICATE, {
        input: { workerId, vendingZoneId: zone.id, category: 'STATIONARY', goods: 'Vegetables', issuedOn, validUntil: addYears(issuedOn, 3) },
      });
      expect(errorCodes(res)).toEqual(['CONFLICT']);
      expect(res.errors![0].message).toMatch(/full/);
      expect(await rowCounts()).toEqual(before);
    } finally {
      await sql(`update vending_zone set capacity = ? where id = ?`, [zone.capacity, zone.id]);
    }
  });

  test.each([
    ['a no-vending zone', { vendingZoneId: 'NO_VENDING' }, 'BAD_USER_INPUT'],
    ['an unknown zone', { vendingZoneId: 'VZ-VJA-9999' }, 'NOT_FOUND'],
    ['a malformed zone id', { vendingZoneId: 'Benz Circle' }, 'BAD_USER_INPUT'],
    ['an unknown worker', { workerId: 'W-9999999' }, 'NOT_FOUND'],
    ['a malformed worker id', { workerId: '42' }, 'BAD_USER_INPUT'],
    ['validity ending before it starts', { validUntil: addDays(issuedOn, -1) }, 'BAD_USER_INPUT'],
    ['validity over five years', { validUntil: addDays(addYears(issuedOn, 5), 1) }, 'BAD_USER_INPUT'],
    ['an issue date in the future', { issuedOn: addDays(today(), 3) }, 'BAD_USER_INPUT'],
    ['no goods', { goods: '   ' }, 'BAD_USER_INPUT'],
    ['an impossible date', { validUntil: '2027-02-30' }, 'BAD_USER_INPUT'],
  ])('a certificate with %s is refused and writes nothing', async (_, overrides, code) => {
    const [noVending] = await sql(`select id from vending_zone where zone_type = 'NO_VENDING' order by id limit 1`);
    const input = {
      workerId: 'NEW', vendingZoneId: (await zoneWithRoom()).id, category: 'STATIONARY', goods: 'Fruits',
      issuedOn, validUntil: addYears(issuedOn, 1), ...overrides,
    };
    if (input.vendingZoneId === 'NO_VENDING') input.vendingZoneId = noVending.id;
    if (input.workerId === 'NEW') input.workerId = await registerWorker('STREET_VENDOR');
    const before = await rowCounts();
    const res = await stack.query(ISSUE_CERTIFICATE, { input });
    expect(errorCodes(res)).toEqual([code]);
    expect(res.errors![0].message.length).toBeGreaterThan(10);
    expect(await rowCounts()).toEqual(before);
  });
});

describe('trade licences', () => {
  test('a home-based worker is licensed in a ward for a year', async () => {
    const workerId = await registerWorker('HOME_BASED', 'GVMC');
    const [ward] = await sql(`select code, name from ward where city_code = 'GVMC' order by number limit 1 offset 11`);
    const input = {
      workerId, tradeName: 'Sri Durga Pickles', tradeCategory: 'FOOD_PROCESSING', ward: ward.code.toLowerCase(),
      issuedOn, validUntil: addDays(addYears(issuedOn, 1), -1),
    };
    const res = await stack.query(ISSUE_LICENCE, { input });
    expect(res.errors).toBeUndefined();
    const licence = res.data.issueTradeLicence;
    expect(licence).toMatchObject({
      tradeName: 'Sri Durga Pickles', tradeCategory: 'FOOD_PROCESSING', status: 'ACTIVE', ward: { code: ward.code, name: ward.name },
      worker: { id: workerId }, source: { agency: 'municipal', recordId: licence.licenceNumber },
    });
    expect(licence.licenceNumber).toMatch(new RegExp(`^GVMC/TL/${issuedOn.slice(0, 4)}/\\d{6}$`));
    const rows = await sql(`select ward_code, trade_category, valid_until from trade_licence where worker_id = ?`, [workerId]);
    expect(rows).toEqual([{ ward_code: ward.code, trade_category: 'FOOD_PROCESSING', valid_until: input.validUntil }]);
  });

  test.each([
    ['a ward that does not exist', { ward: 'VJA-W99' }, 'NOT_FOUND'],
    ['a malformed ward code', { ward: 'Governorpet' }, 'BAD_USER_INPUT'],
    ['validity over one year', { validUntil: addDays(addYears(issuedOn, 1), 1) }, 'BAD_USER_INPUT'],
    ['validity ending on the day it starts', { validUntil: issuedOn }, 'BAD_USER_INPUT'],
    ['an issue date in the future', { issuedOn: addDays(today(), 1) }, 'BAD_USER_INPUT'],
    ['an empty trade name', { tradeName: '' }, 'BAD_USER_INPUT'],
    ['an unknown worker', { workerId: 'W-9999999' }, 'NOT_FOUND'],
  ])('a licence with %s is refused and writes nothing', async (_, overrides, code) => {
    const input = {
      workerId: 'W-0000002', tradeName: 'Sri Ravi Tea Stall', tradeCategory: 'FOOD_AND_BEVERAGES', ward: 'VJA-W07',
      issuedOn, validUntil: addYears(issuedOn, 1), ...overrides,
    };
    const before = await rowCounts();
    const res = await stack.query(ISSUE_LICENCE, { input });
    expect(errorCodes(res)).toEqual([code]);
    expect(await rowCounts()).toEqual(before);
  });
});

describe('sanitation-worker IDs', () => {
  test('a waste worker gets one ID card; a second is a CONFLICT', async () => {
    const workerId = await registerWorker('WASTE');
    const input = { workerId, employer: 'Sri Sai Sanitation Services', ward: 'VJA-W12', issuedOn };
    const res = await stack.query(ISSUE_SANITATION_ID, { input });
    expect(res.errors).toBeUndefined();
    const card = res.data.issueSanitationWorkerId;
    expect(card).toMatchObject({ employer: input.employer, issuedOn, ward: { code: 'VJA-W12' }, worker: { id: workerId }, source: { agency: 'municipal', recordId: card.idNumber } });
    expect(card.idNumber).toMatch(/^VJA\/SW\/\d{6}$/);

    const before = await rowCounts();
    const again = await stack.query(ISSUE_SANITATION_ID, { input: { ...input, employer: 'Vijayawada Municipal Corporation' } });
    expect(errorCodes(again)).toEqual(['CONFLICT']);
    expect(again.errors![0].message).toContain(card.idNumber);
    expect(await rowCounts()).toEqual(before);
    const rows = await sql(`select id_number, employer from sanitation_worker_id where worker_id = ?`, [workerId]);
    expect(rows).toEqual([{ id_number: card.idNumber, employer: input.employer }]);
  });

  test('the demo gives cards to waste workers only, on the corporation rolls or a contractor', async () => {
    const cards = await sql(`select worker_id, employer from sanitation_worker_id where recorded_by = ?`, [DEMO_IMPORT]);
    expect(cards.length).toBeGreaterThan(0);
    const occupations = await labourSql(`select distinct occupation from worker where id in (?)`, [cards.map((c) => c.worker_id)]);
    expect(occupations).toEqual([{ occupation: 'WASTE' }]);
    expect(cards.some((c) => c.employer.endsWith('Municipal Corporation'))).toBe(true);
    expect(cards.some((c) => !c.employer.endsWith('Municipal Corporation'))).toBe(true);
  });

  test.each([
    ['a ward that does not exist', { ward: 'GVMC-W99' }, 'NOT_FOUND'],
    ['a malformed ward code', { ward: 'W12' }, 'BAD_USER_INPUT'],
    ['an issue date in the future', { issuedOn: addDays(today(), 2) }, 'BAD_USER_INPUT'],
    ['no employer', { employer: ' ' }, 'BAD_USER_INPUT'],
    ['an unknown worker', { workerId: 'W-9999999' }, 'NOT_FOUND'],
  ])('a card with %s is refused and writes nothing', async (_, overrides, code) => {
    const input = { workerId: 'NEW', employer: 'Greater Visakhapatnam Municipal Corporation', ward: 'GVMC-W12', issuedOn, ...overrides };
    if (input.workerId === 'NEW') input.workerId = await registerWorker('WASTE', 'GVMC');
    const before = await rowCounts();
    const res = await stack.query(ISSUE_SANITATION_ID, { input });
    expect(errorCodes(res)).toEqual([code]);
    expect(await rowCounts()).toEqual(before);
  });
});

describe('access and jurisdiction', () => {
  const VJA_CLERK: CallerSpec = { jurisdiction: 'city:VJA', subject: 'vja.clerk' };
  const AUDITOR: CallerSpec = { agency: 'labour', role: 'auditor', scopes: ['read'], purpose: 'Audit' };
  const ZONES = `query($filter: VendingZoneFilter, $after: String) { vendingZones(filter: $filter, first: 100, after: $after) {
    totalCount edges { node { id ward { code } } } pageInfo { hasNextPage endCursor } } }`;

  /** Every zone a caller is shown, and the totalCounts reported; a zone's ward lies in the zone's city, so the caller sees it too. */
  async function zonesSeenBy(caller: CallerSpec, filter?: object) {
    const seen = await everyPage(stack, ZONES, 'vendingZones', { filter }, caller);
    for (const node of seen.nodes) expect(node.ward).not.toBeNull();
    return seen;
  }

  /** A seeded worker of `city` in Labour's register without a sanitation card, who may be given papers of either city. */
  async function seededWorker(city: string, occupation: string) {
    const holders = (await sql(`select worker_id from sanitation_worker_id`)).map((r) => r.worker_id);
    const [worker] = await labourSql(`select id from worker where city_code = ? and occupation = ? and id not in (?) order by id limit 1`, [city, occupation, holders]);
    return worker.id as string;
  }

  test.each([
    ['city:VJA', ['VJA']],
    ['district:NTR', ['VJA']],
    ['district:Visakhapatnam', ['GVMC']],
    ['state:AP', ['VJA', 'GVMC']],
  ])('a %s officer lists the wards and vending zones of %j only, and counts only those', async (jurisdiction, cities) => {
    const caller = { jurisdiction };
    for (const city of CITIES) {
      const res = await stack.query(`query($city: ID!) { wards(city: $city) { code } }`, { city: city.code }, caller);
      expect(res.errors).toBeUndefined();
      const expected = cities.includes(city.code) ? (await sql(`select code from ward where city_code = ? order by number`, [city.code])).map((r) => r.code) : [];
      expect(res.data.wards.map((w: any) => w.code)).toEqual(expected);

      // Filtering on a city outside the jurisdiction finds nothing, rather than an error that would confirm it.
      const [{ n: zonesInCity }] = await sql(`select count(*)::int as n from vending_zone where city_code = ?`, [city.code]);
      const inCity = await zonesSeenBy(caller, { city: city.code });
      expect(inCity.totals).toEqual([cities.includes(city.code) ? zonesInCity : 0]);
    }
    const everything = await zonesSeenBy(caller);
    const rows = await sql(`select id from vending_zone where city_code in (?) order by id`, [cities]);
    expect(everything.nodes.map((n) => n.id)).toEqual(rows.map((r) => r.id));
    expect(everything.totals).toEqual([rows.length]);
  });

  test('a city:VJA officer gets the same NOT_FOUND for a GVMC ward, zone or certificate as for one that does not exist', async () => {
    const [zone] = await sql(`select id, ward_code from vending_zone where city_code = 'GVMC' order by id limit 1`);
    const [certificate] = await sql(`select c.certificate_number from vending_certificate c join vending_zone z on z.id = c.vending_zone_id where z.city_code = 'GVMC' order by 1 limit 1`);
    const [vjaCertificate] = await sql(`select c.certificate_number from vending_certificate c join vending_zone z on z.id = c.vending_zone_id where z.city_code = 'VJA' order by 1 limit 1`);
    const lookups = [
      { query: `query($id: ID!) { ward(code: $id) { code } }`, field: 'ward', hidden: zone.ward_code, unknown: 'GVMC-W999' },
      { query: `query($id: ID!) { vendingZone(id: $id) { id } }`, field: 'vendingZone', hidden: zone.id, unknown: 'VZ-GVMC-9999' },
      { query: `query($id: ID!) { vendingCertificate(certificateNumber: $id) { certificateNumber } }`, field: 'vendingCertificate', hidden: certificate.certificate_number, unknown: 'GVMC/SVC/2025/999999' },
    ];
    for (const lookup of lookups) {
      await expectHiddenLikeUnknown(stack, lookup.query, lookup.field, lookup, VJA_CLERK);
      // A state officer sees the same record.
      const state = await stack.query(lookup.query, { id: lookup.hidden }, { jurisdiction: 'state:AP' });
      expect(state.errors).toBeUndefined();
      expect(state.data[lookup.field]).not.toBeNull();
    }
    const own = await stack.query(lookups[2].query, { id: vjaCertificate.certificate_number }, VJA_CLERK);
    expect(own.data.vendingCertificate).toEqual({ certificateNumber: vjaCertificate.certificate_number });
  });

  test("a worker's papers show a VJA officer only the VJA ones, a state officer both cities'", async () => {
    const workerId = await seededWorker('VJA', 'STREET_VENDOR');
    const licenceIn = async (ward: string) => {
      const input = { workerId, tradeName: 'Sri Durga Tailors', tradeCategory: 'TAILORING_AND_GARMENTS', ward, issuedOn, validUntil: addYears(issuedOn, 1) };
      const res = await stack.query(ISSUE_LICENCE, { input });
      expect(res.errors).toBeUndefined();
      return res.data.issueTradeLicence.licenceNumber as string;
    };
    const vjaLicence = await licenceIn('VJA-W05');
    const gvmcLicence = await licenceIn('GVMC-W05');
    const PAPERS = `query($id: ID!) { worker(id: $id) { tradeLicences { licenceNumber ward { code } } } }`;

    const licencesIn = async (cities: string[]) =>
      (await sql(`select t.licence_number, t.ward_code from trade_licence t join ward w on w.code = t.ward_code
        where t.worker_id = ? and w.city_code in (?) order by t.issued_on, t.licence_number`, [workerId, cities]))
        .map((r) => ({ licenceNumber: r.licence_number, ward: { code: r.ward_code } }));

    const vja = await stack.query(PAPERS, { id: workerId }, VJA_CLERK);
    expect(vja.errors).toBeUndefined();
    expect(vja.data.worker.tradeLicences).toEqual(await licencesIn(['VJA']));
    expect(vja.data.worker.tradeLicences).toContainEqual({ licenceNumber: vjaLicence, ward: { code: 'VJA-W05' } });
    expect(vja.data.worker.tradeLicences.map((l: any) => l.licenceNumber)).not.toContain(gvmcLicence);
    const state = await stack.query(PAPERS, { id: workerId }, { jurisdiction: 'state:AP' });
    expect(state.data.worker.tradeLicences).toEqual(await licencesIn(['VJA', 'GVMC']));
    expect(state.data.worker.tradeLicences.map((l: any) => l.licenceNumber)).toContain(gvmcLicence);
  });

  test('a VJA roster with every municipal paper holds only VJA records, still one statement per table', async () => {
    let res: any;
    const counts = await countStatements(stack, async () => {
      res = await stack.query(`{ workers(filter: { city: "VJA" }, first: 100) { edges { node { id
        vendingCertificates { certificateNumber vendingZone { id } }
        tradeLicences { licenceNumber ward { code } }
        sanitationWorkerIds { idNumber }
      } } } }`, {}, VJA_CLERK);
    });
    expect(res.errors).toBeUndefined();
    const nodes = res.data.workers.edges.map((e: any) => e.node);
    const ids = nodes.map((n: any) => n.id);
    const returned = (field: string, key: string) => nodes.flatMap((n: any) => n[field].map((x: any) => x[key])).sort();
    const inVja = async (query: string) => (await sql(query, [ids])).map((r) => r.k).sort();
    expect(returned('vendingCertificates', 'certificateNumber')).toEqual(await inVja(`
      select c.certificate_number as k from vending_certificate c join vending_zone z on z.id = c.vending_zone_id where c.worker_id in (?) and z.city_code = 'VJA'`));
    expect(returned('tradeLicences', 'licenceNumber')).toEqual(await inVja(`
      select t.licence_number as k from trade_licence t join ward w on w.code = t.ward_code where t.worker_id in (?) and w.city_code = 'VJA'`));
    expect(returned('sanitationWorkerIds', 'idNumber')).toEqual(await inVja(`
      select s.id_number as k from sanitation_worker_id s join ward w on w.code = s.ward_code where s.worker_id in (?) and w.city_code = 'VJA'`));
    expect(returned('tradeLicences', 'licenceNumber').length).toBeGreaterThan(0);
    for (const node of nodes) {
      for (const licence of node.tradeLicences) expect(licence.ward.code).toMatch(/^VJA-W/);
      for (const certificate of node.vendingCertificates) expect(certificate.vendingZone.id).toMatch(/^VZ-VJA-/);
    }
    expect(Math.max(...Object.values(statementsPerTable(counts.municipal.statements)))).toBe(1);
  });

  test('a VJA officer cannot issue papers for a GVMC ward or zone (FORBIDDEN) or to a GVMC worker (NOT_FOUND), and nothing is written', async () => {
    const workerId = await seededWorker('VJA', 'WASTE');
    const zone = await zoneWithRoom('GVMC');
    const attempts = [
      { query: ISSUE_CERTIFICATE, input: { workerId, vendingZoneId: zone.id, category: 'MOBILE', goods: 'Fruits', issuedOn, validUntil: addYears(issuedOn, 1) } },
      { query: ISSUE_LICENCE, input: { workerId, tradeName: 'Sri Ravi Tea Stall', tradeCategory: 'FOOD_AND_BEVERAGES', ward: 'GVMC-W07', issuedOn, validUntil: addYears(issuedOn, 1) } },
      { query: ISSUE_SANITATION_ID, input: { workerId, employer: 'Greater Visakhapatnam Municipal Corporation', ward: 'GVMC-W07', issuedOn } },
      // The one rule (src/shared/access/jurisdiction.ts): the place the id names decides, so a zone or
      // ward that does not exist in GVMC is FORBIDDEN too, and the answer tells nothing of GVMC's records.
      { query: ISSUE_CERTIFICATE, input: { workerId, vendingZoneId: 'VZ-GVMC-9999', category: 'MOBILE', goods: 'Fruits', issuedOn, validUntil: addYears(issuedOn, 1) } },
      { query: ISSUE_LICENCE, input: { workerId, tradeName: 'Sri Ravi Tea Stall', tradeCategory: 'FOOD_AND_BEVERAGES', ward: 'GVMC-W999', issuedOn, validUntil: addYears(issuedOn, 1) } },
    ];
    for (const { query, input } of attempts) {
      const before = await rowCounts();
      const res = await stack.query(query, { input }, VJA_CLERK);
      expect(errorCodes(res)).toEqual(['FORBIDDEN']);
      expect(res.errors![0].message).toContain('GVMC');
      expect(await rowCounts()).toEqual(before);
    }

    // A GVMC worker in a VJA ward: Labour does not show the worker to this officer, so NOT_FOUND.
    const gvmcWorker = await seededWorker('GVMC', 'WASTE');
    const before = await rowCounts();
    const res = await stack.query(ISSUE_SANITATION_ID, { input: { workerId: gvmcWorker, employer: 'Vijayawada Municipal Corporation', ward: 'VJA-W07', issuedOn } }, VJA_CLERK);
    expect(errorCodes(res)).toEqual(['NOT_FOUND']);
    expect(await rowCounts()).toEqual(before);
  });

  test('officers of another agency, analysts and tokens without the write scope cannot issue (FORBIDDEN)', async () => {
    const workerId = await seededWorker('VJA', 'WASTE');
    const input = { workerId, employer: 'Vijayawada Municipal Corporation', ward: 'VJA-W07', issuedOn };
    const refused: CallerSpec[] = [{ agency: 'mepma' }, { agency: 'labour' }, { role: 'analyst', scopes: ['read'], purpose: 'Statistics' }, { scopes: ['read'] }];
    for (const caller of refused) {
      const before = await rowCounts();
      const res = await stack.query(ISSUE_SANITATION_ID, { input }, caller);
      expect(errorCodes(res)).toEqual(['FORBIDDEN']);
      expect(await rowCounts()).toEqual(before);
    }
  });

  test('history: an auditor reads who created a card and who changed it, for what purpose; analysts and other agencies may not', async () => {
    const workerId = await seededWorker('VJA', 'WASTE');
    const input = { workerId, employer: 'Vijayawada Municipal Corporation', ward: 'VJA-W07', issuedOn };
    const issued = await stack.query(`mutation($input: IssueSanitationWorkerIdInput!) {
      issueSanitationWorkerId(input: $input) { idNumber source { recordedBy updatedBy } } }`, { input }, VJA_CLERK);
    expect(issued.errors).toBeUndefined();
    const { idNumber } = issued.data.issueSanitationWorkerId;
    expect(issued.data.issueSanitationWorkerId.source).toEqual({ recordedBy: 'municipal:vja.clerk', updatedBy: null });

    // Municipal has no mutation that changes a card yet: a correction is written the way a graph
    // write is (marked with its writer), and one is made straight in the database.
    const em = stack.subgraphs.get('municipal')!.database.orm.em.fork();
    await writeInTransaction(em, { actor: 'municipal:vja.clerk', purpose: 'service-delivery' }, (tx) =>
      tx.execute(`update sanitation_worker_id set ward_code = 'VJA-W08', updated_by = 'municipal:vja.clerk' where id_number = ?`, [idNumber]));
    await sql(`update sanitation_worker_id set employer = 'Sri Sai Sanitation Services' where id_number = ?`, [idNumber]);

    const HISTORY = `query($id: ID!) { worker(id: $id) { sanitationWorkerIds { idNumber history { at by purpose action changes { field oldValue newValue } } } } }`;
    const res = await stack.query(HISTORY, { id: workerId }, AUDITOR);
    expect(res.errors).toBeUndefined();
    const [card] = res.data.worker.sanitationWorkerIds;
    expect(card.idNumber).toBe(idNumber);
    const [created, moved, corrected] = card.history;
    expect(card.history).toHaveLength(3);
    expect(created).toMatchObject({ by: 'municipal:vja.clerk', purpose: 'service-delivery', action: 'CREATED' });
    expect(created.changes).toEqual(expect.arrayContaining([
      { field: 'idNumber', oldValue: null, newValue: idNumber },
      { field: 'workerId', oldValue: null, newValue: workerId },
      { field: 'employer', oldValue: null, newValue: 'Vijayawada Municipal Corporation' },
      { field: 'wardCode', oldValue: null, newValue: 'VJA-W07' },
      { field: 'issuedOn', oldValue: null, newValue: issuedOn },
    ]));
    // Provenance columns are the change's own `at` and `by`, not changes of their own.
    expect(created.changes.map((c: any) => c.field)).not.toContain('recordedBy');
    expect(moved).toEqual({
      at: expect.any(String), by: 'municipal:vja.clerk', purpose: 'service-delivery', action: 'UPDATED',
      changes: [{ field: 'wardCode', oldValue: 'VJA-W07', newValue: 'VJA-W08' }],
    });
    expect(corrected).toMatchObject({
      by: expect.stringMatching(/^database:/), purpose: null, action: 'UPDATED',
      changes: [{ field: 'employer', oldValue: 'Vijayawada Municipal Corporation', newValue: 'Sri Sai Sanitation Services' }],
    });
    expect(new Date(created.at) <= new Date(moved.at) && new Date(moved.at) <= new Date(corrected.at)).toBe(true);

    // Municipal's own officers read it too; an analyst or another agency's officer is refused.
    const own = await stack.query(HISTORY, { id: workerId }, VJA_CLERK);
    expect(own.data.worker.sanitationWorkerIds[0].history).toEqual(card.history);
    const notAllowed: CallerSpec[] = [{ agency: 'municipal', role: 'analyst', scopes: ['read'], purpose: 'Statistics' }, { agency: 'mepma' }];
    for (const caller of notAllowed) {
      const refused = await stack.query(HISTORY, { id: workerId }, caller);
      expect(errorCodes(refused)).toContain('FORBIDDEN');
      expect(refused.data?.worker?.sanitationWorkerIds?.[0]?.history ?? null).toBeNull();
    }
  });

  test('history of a newly issued certificate; demo records imported with history paused have none', async () => {
    const workerId = await registerWorker('STREET_VENDOR');
    const zone = await zoneWithRoom();
    const input = { workerId, vendingZoneId: zone.id, category: 'STATIONARY', goods: 'Coconuts', issuedOn, validUntil: addYears(issuedOn, 2) };
    const issued = await stack.query(ISSUE_CERTIFICATE, { input }, VJA_CLERK);
    expect(issued.errors).toBeUndefined();
    const { certificateNumber, source } = issued.data.issueVendingCertificate;
    expect(source.recordedBy).toBe('municipal:vja.clerk');

    const res = await stack.query(`query($n: ID!, $zone: ID!, $ward: ID!) {
      vendingCertificate(certificateNumber: $n) { history { by purpose action changes { field newValue } } }
      vendingZone(id: $zone) { history { action } }
      ward(code: $ward) { history { action } } }`, { n: certificateNumber, zone: zone.id, ward: zone.ward_code }, AUDITOR);
    expect(res.errors).toBeUndefined();
    expect(res.data.vendingCertificate.history).toEqual([{
      by: 'municipal:vja.clerk', purpose: 'service-delivery', action: 'CREATED',
      changes: expect.arrayContaining([{ field: 'certificateNumber', newValue: certificateNumber }, { field: 'goods', newValue: 'Coconuts' }, { field: 'status', newValue: 'ACTIVE' }]),
    }]);
    expect(res.data.vendingZone.history).toEqual([]);
    expect(res.data.ward.history).toEqual([]);
  });

  test('record_change is append-only', async () => {
    // A change of its own, so the table holds rows whichever tests ran before.
    const card = await stack.query(ISSUE_SANITATION_ID, { input: { workerId: await seededWorker('VJA', 'WASTE'), employer: 'Vijayawada Municipal Corporation', ward: 'VJA-W07', issuedOn } });
    expect(card.errors).toBeUndefined();
    const [{ n }] = await sql(`select count(*)::int as n from record_change`);
    expect(n).toBeGreaterThan(0);
    await expectAppendOnly(stack, 'municipal', 'record_change', 'changed_by', (statement) => sql(statement));
  });
});

describe('PM SVANidhi loans', () => {
  const AMOUNT_BY_TRANCHE: Record<number, number> = { 1: 10_000, 2: 20_000, 3: 50_000 };
  const LOANS = `query($id: ID!) { worker(id: $id) { svanidhiLoans {
    id tranche amount sanctionedOn status vendingCertificate { certificateNumber } worker { id } source { agency system recordId recordedBy } } } }`;
  const AUDITOR: CallerSpec = { agency: 'labour', role: 'auditor', scopes: ['read'], purpose: 'Audit' };

  function fromRow(row: any) {
    return {
      id: row.id, tranche: row.tranche, amount: row.amount, sanctionedOn: row.sanctioned_on, status: row.status,
      vendingCertificate: { certificateNumber: row.certificate_number }, worker: { id: row.worker_id },
      source: { agency: 'municipal', system: row.source_system, recordId: row.id, recordedBy: row.recorded_by },
    };
  }

  /** The worker holding the most loans, and that worker's loans as Municipal holds them. */
  async function borrower() {
    const [{ worker_id: workerId }] = await sql(`select worker_id from svanidhi_loan group by worker_id order by count(*) desc, worker_id limit 1`);
    const loans = await sql(`select * from svanidhi_loan where worker_id = ? order by sanctioned_on, id`, [workerId]);
    return { workerId: workerId as string, loans };
  }

  test('the demo lends to vendors holding a valid certificate, each tranche at its amount, the next only once one is repaid', async () => {
    const day = today();
    const loans = await sql(`select l.*, c.worker_id as holder, c.status as certificate_status, c.issued_on, c.valid_until
      from svanidhi_loan l join vending_certificate c on c.certificate_number = l.certificate_number where l.recorded_by = ? order by l.worker_id, l.tranche`, [DEMO_IMPORT]);
    expect(loans.length).toBeGreaterThan(0);
    for (const loan of loans) {
      expect(loan.holder).toBe(loan.worker_id);
      expect(loan.certificate_status).toBe('ACTIVE');
      expect(loan.issued_on <= loan.sanctioned_on && loan.sanctioned_on <= day && loan.valid_until >= day).toBe(true);
      expect(loan.amount).toBe(AMOUNT_BY_TRANCHE[loan.tranche]);
    }
    const byWorker = new Map<string, any[]>();
    for (const loan of loans) byWorker.set(loan.worker_id, [...(byWorker.get(loan.worker_id) ?? []), loan]);
    for (const ofWorker of byWorker.values()) {
      expect(ofWorker.map((loan) => loan.tranche)).toEqual(ofWorker.map((_, i) => i + 1));
      for (let i = 1; i < ofWorker.length; i++) {
        expect(ofWorker[i - 1].status).toBe('REPAID');
        expect(ofWorker[i - 1].sanctioned_on < ofWorker[i].sanctioned_on).toBe(true);
      }
    }
    expect([...byWorker.values()].some((ofWorker) => ofWorker.length > 1)).toBe(true);
    const holders = await labourSql(`select distinct occupation from worker where id in (?)`, [[...byWorker.keys()]]);
    expect(holders).toEqual([{ occupation: 'STREET_VENDOR' }]);
  });

  test('PM SVANidhi has reached a share of the eligible vendors that differs from ward to ward', async () => {
    const day = today();
    const eligible = new Set((await sql(`select worker_id from vending_certificate where status = 'ACTIVE' and issued_on <= ? and valid_until >= ? and recorded_by = ?`, [day, day, DEMO_IMPORT])).map((r) => r.worker_id));
    const borrowers = new Set((await sql(`select worker_id from svanidhi_loan where recorded_by = ?`, [DEMO_IMPORT])).map((r) => r.worker_id));
    const byWard = new Map<string, { eligible: number; enrolled: number }>();
    for (const vendor of await labourSql(`select id, ward_code from worker where occupation = 'STREET_VENDOR'`)) {
      if (!eligible.has(vendor.id)) continue;
      const ward = byWard.get(vendor.ward_code) ?? { eligible: 0, enrolled: 0 };
      ward.eligible += 1;
      if (borrowers.has(vendor.id)) ward.enrolled += 1;
      byWard.set(vendor.ward_code, ward);
    }
    expect(borrowers.size).toBeGreaterThan(0);
    expect(borrowers.size).toBeLessThan(eligible.size);
    const shares = [...byWard.values()].filter((ward) => ward.eligible >= 4).map((ward) => ward.enrolled / ward.eligible);
    expect(shares.length).toBeGreaterThan(2);
    expect(Math.max(...shares) - Math.min(...shares)).toBeGreaterThan(0.3);
  });

  test("a vendor's loans come back through the gateway as Municipal holds them, oldest first; no loan is an empty list", async () => {
    const { workerId, loans } = await borrower();
    const res = await stack.query(LOANS, { id: workerId });
    expect(res.errors).toBeUndefined();
    expect(res.data.worker.svanidhiLoans).toEqual(loans.map(fromRow));

    const [{ worker_id: vendor }] = await sql(`select worker_id from vending_certificate where worker_id not in (select worker_id from svanidhi_loan) order by 1 limit 1`);
    const none = await stack.query(LOANS, { id: vendor });
    expect(none.errors).toBeUndefined();
    expect(none.data.worker.svanidhiLoans).toEqual([]);
  });

  test('tranche, amount and standing are for Municipal and MEPMA staff and auditors; other officers see only that a loan exists', async () => {
    const { workerId, loans } = await borrower();
    const TERMS = `query($id: ID!) { worker(id: $id) { svanidhiLoans { id tranche amount status } } }`;
    const EXISTS = `query($id: ID!) { worker(id: $id) { svanidhiLoans { id sanctionedOn vendingCertificate { certificateNumber } } } }`;
    const terms = loans.map((loan) => ({ id: loan.id, tranche: loan.tranche, amount: loan.amount, status: loan.status }));
    const lenders: CallerSpec[] = [{}, { role: 'service', subject: 'svanidhi-portal' }, { agency: 'mepma' }, { agency: 'mepma', role: 'service' }, AUDITOR];
    for (const caller of lenders) {
      const res = await stack.query(TERMS, { id: workerId }, caller);
      expect(res.errors).toBeUndefined();
      expect(res.data.worker.svanidhiLoans).toEqual(terms);
    }
    for (const caller of [{ agency: 'labour' }, { agency: 'transport', role: 'service' }, { agency: 'icds' }] as CallerSpec[]) {
      const refused = await stack.query(TERMS, { id: workerId }, caller);
      expect(refused.status).toBe(403);
      expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
      expect([...refused.errors![0].extensions!.fields].sort()).toEqual(['SvanidhiLoan.amount', 'SvanidhiLoan.status', 'SvanidhiLoan.tranche']);
      expect(refused.data ?? null).toBeNull();
      const seen = await stack.query(EXISTS, { id: workerId }, caller);
      expect(seen.errors).toBeUndefined();
      expect(seen.data.worker.svanidhiLoans.map((loan: any) => loan.id)).toEqual(loans.map((loan) => loan.id));
    }
  });

  test("a CRP reads none of a loan, not even that it exists, but reads Municipal's facts", async () => {
    const { workerId } = await borrower();
    const [{ ward_code: ward }] = await labourSql(`select ward_code from worker where id = ?`, [workerId]);
    const crp: CallerSpec = { agency: 'mepma', role: 'crp', jurisdiction: `ward:${ward}`, purpose: 'CIG follow-up', subject: `crp.${ward}` };
    const loans = await stack.query(`query($id: ID!) { worker(id: $id) { name svanidhiLoans { id sanctionedOn } } }`, { id: workerId }, crp);
    expect(loans.status).toBe(403);
    expect(loans.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'CRP_READS_WORKLIST_ONLY' });
    expect(loans.data ?? null).toBeNull();
    const facts = await stack.query(`query($id: ID!) { worker(id: $id) { municipalFacts { validVendingCertificate svanidhiLoan } } }`, { id: workerId }, crp);
    expect(facts.errors).toBeUndefined();
    expect(facts.data.worker.municipalFacts).toEqual({ validVendingCertificate: true, svanidhiLoan: true });
  });

  test('a VJA officer sees loans against VJA certificates only; history shows who changed a loan, to Municipal staff and auditors', async () => {
    // A VJA vendor who once traded in a GVMC zone, with a loan against that certificate.
    const workerId = await registerWorker('STREET_VENDOR');
    const zone = await zoneWithRoom('GVMC');
    const issued = await stack.query(ISSUE_CERTIFICATE, {
      input: { workerId, vendingZoneId: zone.id, category: 'MOBILE', goods: 'Flowers', issuedOn, validUntil: addYears(issuedOn, 5) },
    });
    expect(issued.errors).toBeUndefined();
    const { certificateNumber } = issued.data.issueVendingCertificate;
    const [loan] = await sql(`insert into svanidhi_loan (id, worker_id, certificate_number, tranche, amount, sanctioned_on, status, source_system, recorded_by)
      values ('SVL-' || lpad(nextval('svanidhi_loan_number_seq')::text, 7, '0'), ?, ?, 1, 10000, ?, 'SANCTIONED', 'PM SVANidhi portal', 'municipal:gvmc.ucd')
      returning id`, [workerId, certificateNumber, issuedOn]);
    const BOTH = `query($id: ID!) { worker(id: $id) { svanidhiLoans { id } municipalFacts { validVendingCertificate svanidhiLoan } } }`;
    const vja = await stack.query(BOTH, { id: workerId }, { jurisdiction: 'city:VJA' });
    expect(vja.errors).toBeUndefined();
    expect(vja.data.worker).toEqual({ svanidhiLoans: [], municipalFacts: { validVendingCertificate: false, svanidhiLoan: false } });
    const state = await stack.query(BOTH, { id: workerId }, { jurisdiction: 'state:AP' });
    expect(state.data.worker).toEqual({ svanidhiLoans: [{ id: loan.id }], municipalFacts: { validVendingCertificate: true, svanidhiLoan: true } });

    // The bank disburses it: recorded by a Municipal clerk, read back as history.
    const em = stack.subgraphs.get('municipal')!.database.orm.em.fork();
    await writeInTransaction(em, { actor: 'municipal:gvmc.ucd', purpose: 'scheme-enrolment' }, (tx) =>
      tx.execute(`update svanidhi_loan set status = 'DISBURSED', updated_by = 'municipal:gvmc.ucd' where id = ?`, [loan.id]));
    const HISTORY = `query($id: ID!) { worker(id: $id) { svanidhiLoans { status history { by purpose action changes { field oldValue newValue } } } } }`;
    for (const caller of [AUDITOR, {}]) {
      const res = await stack.query(HISTORY, { id: workerId }, caller);
      expect(res.errors).toBeUndefined();
      const [{ status, history }] = res.data.worker.svanidhiLoans;
      expect(status).toBe('DISBURSED');
      expect(history).toHaveLength(2);
      expect(history[0]).toMatchObject({ action: 'CREATED', by: expect.stringMatching(/^database:/) });
      expect(history[1]).toEqual({ by: 'municipal:gvmc.ucd', purpose: 'scheme-enrolment', action: 'UPDATED', changes: [{ field: 'status', oldValue: 'SANCTIONED', newValue: 'DISBURSED' }] });
    }
    const mepma = await stack.query(HISTORY, { id: workerId }, { agency: 'mepma' });
    expect(errorCodes(mepma)).toEqual(['FORBIDDEN']);
  });
});

describe("Municipal's facts for the single window", () => {
  const day = today();
  const ROSTER = `query($filter: WorkerFilter, $after: String) { workers(filter: $filter, first: 100, after: $after) {
    totalCount edges { node { id municipalFacts { validVendingCertificate svanidhiLoan } } } pageInfo { hasNextPage endCursor } } }`;

  /** Each fact as Municipal's own rows say it for today, for these workers, counting records of `cities` only. */
  async function factsFromRows(workerIds: string[], cities: string[] = CITIES.map((city) => city.code)) {
    const holders = new Set((await sql(`select c.worker_id from vending_certificate c join vending_zone z on z.id = c.vending_zone_id
      where c.worker_id in (?) and z.city_code in (?) and c.status = 'ACTIVE' and c.issued_on <= ? and c.valid_until >= ?`, [workerIds, cities, day, day])).map((r) => r.worker_id));
    const borrowers = new Set((await sql(`select l.worker_id from svanidhi_loan l
      join vending_certificate c on c.certificate_number = l.certificate_number join vending_zone z on z.id = c.vending_zone_id
      where l.worker_id in (?) and z.city_code in (?) and l.sanctioned_on <= ?`, [workerIds, cities, day])).map((r) => r.worker_id));
    return new Map(workerIds.map((id) => [id, { validVendingCertificate: holders.has(id), svanidhiLoan: borrowers.has(id) }]));
  }

  test("every street vendor's facts, and a roster of other workers', are Municipal's own rows; one statement per fact per page", async () => {
    for (const filter of [{ occupation: 'STREET_VENDOR' }, { city: 'GVMC' }]) {
      let nodes: any[] = [];
      const counts = await countStatements(stack, async () => {
        ({ nodes } = await everyPage(stack, ROSTER, 'workers', { filter }));
      });
      const expected = await factsFromRows(nodes.map((node) => node.id));
      expect(new Map(nodes.map((node) => [node.id, node.municipalFacts]))).toEqual(expected);
      const pages = Math.ceil(nodes.length / 100);
      expect(counts.municipal.statements).toHaveLength(2 * pages);
    }
    // The sample holds every kind of vendor: with a loan, eligible without one, and neither.
    const vendors = await factsFromRows((await labourSql(`select id from worker where occupation = 'STREET_VENDOR'`)).map((r) => r.id));
    const kinds = new Set([...vendors.values()].map((facts) => `${facts.validVendingCertificate}/${facts.svanidhiLoan}`));
    expect([...kinds].sort()).toEqual(['false/false', 'true/false', 'true/true']);
  });

  test('a lapsed, suspended or cancelled certificate is no valid certificate', async () => {
    const lapsedOrStopped = await sql(`select worker_id from vending_certificate c
      where (status <> 'ACTIVE' or valid_until < ?) and not exists (select 1 from vending_certificate v
        where v.worker_id = c.worker_id and v.status = 'ACTIVE' and v.issued_on <= ? and v.valid_until >= ?)
      order by (status = 'ACTIVE') desc, worker_id`, [day, day, day]);
    expect(lapsedOrStopped.length).toBeGreaterThan(0);
    for (const { worker_id: id } of lapsedOrStopped.slice(0, 5)) {
      const res = await stack.query(`query($id: ID!) { worker(id: $id) { municipalFacts { validVendingCertificate } } }`, { id });
      expect(res.data.worker.municipalFacts).toEqual({ validVendingCertificate: false });
    }
  });

  test("the reports service's bulk question answers every worker of the caller's jurisdiction, or those asked, as the rows say", async () => {
    const names = ['validVendingCertificate', 'svanidhiLoan'];
    const ask = async (caller: Caller, workers?: string[]) => {
      const body = JSON.stringify({ asOf: day, facts: { names, ...(workers ? { workers } : {}) } });
      const response = await fetch(new URL('/statistics', stack.subgraphs.get('municipal')!.server.url), {
        method: 'POST', body, headers: await sealedBy(stack, 'reports', caller, 'municipal', body, 'statistics'),
      });
      expect(response.status).toBe(200);
      const answer = (await response.json()) as StatisticsAnswer;
      expect(answer.deniedFacts).toEqual([]);
      return Object.fromEntries(names.map((name) => [name, [...decodeFact({ type: 'bool' }, answer.facts![name]).keys()].sort((a, b) => a - b)]));
    };
    const number = (id: string) => Number(id.slice(2));
    const holdersIn = async (cities: string[]) => {
      const everyone = (await labourSql(`select id from worker`)).map((r) => r.id);
      const expected = await factsFromRows(everyone, cities);
      return Object.fromEntries(names.map((name) => [name, everyone.filter((id) => (expected.get(id) as any)[name]).map(number).sort((a, b) => a - b)]));
    };
    const analyst: Caller = { agency: 'municipal', subject: 'dashboard', role: 'analyst', jurisdiction: 'city:VJA', scopes: ['read'], purpose: 'statistics' };
    const vja = await ask(analyst);
    expect(vja).toEqual(await holdersIn(['VJA']));
    expect(vja.svanidhiLoan.length).toBeGreaterThan(0);
    const national = await ask({ ...analyst, jurisdiction: 'national' });
    expect(national).toEqual(await holdersIn(['VJA', 'GVMC']));
    expect(national.validVendingCertificate.length).toBeGreaterThan(vja.validVendingCertificate.length);

    const asked = ['W-0000001', ...(await sql(`select worker_id from svanidhi_loan order by id limit 3`)).map((r) => r.worker_id)];
    const some = await ask({ ...analyst, jurisdiction: 'national' }, asked);
    expect(some.svanidhiLoan).toEqual(national.svanidhiLoan.filter((n) => asked.map(number).includes(n)));
  });
});

describe('renewal camps', () => {
  test('certificates and licences fall due in batches, on the days of the camps that issued them', async () => {
    for (const city of CITIES) {
      // The older certificates falling due around now: a camp's worth on each of a few days.
      const due = await sql(`select c.valid_until, count(*)::int as n from vending_certificate c join vending_zone z on z.id = c.vending_zone_id
        where z.city_code = ? and c.valid_until between ? and ? and c.recorded_by = ? group by 1 order by 1`, [city.code, addDays(today(), -120), addDays(today(), 120), DEMO_IMPORT]);
      const certificates = due.reduce((sum, day) => sum + day.n, 0);
      expect(certificates).toBeGreaterThan(0);
      expect(due.length).toBeLessThanOrEqual(Math.ceil(240 / CAMPS.certificate.everyDays) + 1);
      // Licences are renewed on their anniversary, so a year of expiries falls on a year's camp days.
      const [licences] = await sql(`select count(*)::int as n, count(distinct to_char(t.valid_until, 'MM-DD'))::int as days
        from trade_licence t join ward w on w.code = t.ward_code where w.city_code = ? and t.recorded_by = ?`, [city.code, DEMO_IMPORT]);
      expect(licences.n).toBeGreaterThan(licences.days);
      expect(licences.days).toBeLessThanOrEqual(Math.ceil(366 / CAMPS.licence.everyDays) + 2);
    }
  });
});
