/**
 * Reports across agencies, checked against records selected here directly in SQL on each agency's
 * own database: every figure is the cell-key perturbation of exactly those records (worked out
 * here with the stack's secret, src/shared/cell-key.ts), the small-count rule, the caller's
 * jurisdiction, bad input, the access log, and the statistics endpoint's own seal. The attacks
 * the perturbation stops are replayed in disclosure-control.test.ts.
 */
import { Cell, CellKeyMethod, documentRecordId, MAX_NOISE } from '../src/shared/cell-key';
import { config } from '../src/shared/config';
import { today } from '../src/shared/dates';
import { decodeWorkers } from '../src/shared/worker-sets';
import { errorCodes, sealedBy, startTestStack, type TestStack } from './support/stack';

let stack: TestStack;
let cellKeys: CellKeyMethod;
const MIN = config.reportMinimumCount;

beforeAll(async () => {
  stack = await startTestStack('reports', { as: { role: 'analyst', agency: 'mepma', scopes: ['read'], purpose: 'Statistics' } });
  cellKeys = new CellKeyMethod(stack.cellKeySecret, MIN);
});
afterAll(() => stack?.stop());

function sql<T = any>(agency: string, query: string, params: unknown[] = []): Promise<T[]> {
  return stack.subgraphs.get(agency)!.database.orm.em.getConnection().execute(query, params);
}

async function idSet(agency: string, query: string): Promise<Set<string>> {
  return new Set((await sql<{ worker_id: string }>(agency, query)).map((row) => row.worker_id));
}

/** How many records `ids` are, as a report publishes it: perturbed by their record keys. */
function published(ids: Iterable<string>): number {
  const cell = new Cell();
  for (const id of new Set(ids)) cell.add(cellKeys.recordKey(id));
  return cellKeys.publish(cell);
}

/** What perturbation allows a published count to be, given the true one: never 1 to MIN − 1, else close. */
function expectPlausible(shown: number, count: number) {
  expect(shown >= 1 && shown < MIN).toBe(false);
  if (count === 0) expect(shown).toBe(0);
  else if (shown !== 0) expect(Math.abs(shown - count)).toBeLessThanOrEqual(count < MIN ? MIN - 1 : MAX_NOISE);
}

interface Worker {
  id: string;
  city_code: string;
  ward_code: string;
  occupation: string;
}

/** Every coverage indicator's sets, straight from each agency's tables. */
async function expectedSets() {
  const sixYearsAgo = `(current_date - interval '6 years')::date`;
  return {
    CIG_MEMBER: { covered: await idSet('mepma', `select worker_id from cig_membership where left_on is null and joined_on <= current_date`) },
    BANK_LINKED: {
      covered: await idSet('mepma', `select m.worker_id from cig_membership m join bank_linkage b on b.cig_id = m.cig_id where m.left_on is null and b.linked_on <= current_date`),
    },
    SAVINGS: {
      covered: await idSet(
        'mepma',
        `select m.worker_id from savings_deposit s join cig_membership m on m.id = s.membership_id where m.left_on is null and s.deposited_on <= current_date`,
      ),
    },
    CREDIT_LINKED: {
      covered: await idSet(
        'mepma',
        `select m.worker_id from cig_membership m join credit_linkage l on l.cig_id = m.cig_id
         where m.left_on is null and l.status <> 'OVERDUE' and l.sanctioned_on <= current_date`,
      ),
    },
    SOCIAL_SECURITY: await socialSecurity(),
    DRIVING_LICENCE: {
      covered: await idSet('transport', `select worker_id from driving_licence where not suspended and issued_on <= current_date and valid_until >= current_date`),
      occupation: 'TRANSPORT',
    },
    VENDING_CERTIFICATE: {
      covered: await idSet('municipal', `select worker_id from vending_certificate where status = 'ACTIVE' and issued_on <= current_date and valid_until >= current_date`),
      occupation: 'STREET_VENDOR',
    },
    ANGANWADI: {
      covered: await idSet('icds', `select worker_id from icds_enrolment where status = 'ACTIVE'`),
      among: await idSet(
        'icds',
        `select worker_id from icds_enrolment where (beneficiary_type = 'CHILD' and date_of_birth > ${sixYearsAgo})
           or (beneficiary_type <> 'CHILD' and coalesce(delivery_date, expected_delivery_date) > ${sixYearsAgo})`,
      ),
    },
  } as Record<string, { covered: Set<string>; occupation?: string; among?: Set<string> }>;
}

/**
 * Social security is counted among the workers eligible for, or enrolled in, a Labour scheme of the
 * catalogue: aged 18 to 70 with a savings bank account (PMSBY; PM-SYM, APY and PMJJBY ask the same
 * within narrower ages), or a construction worker aged 18 to 60 (BOCW).
 */
async function socialSecurity() {
  const covered = await idSet('labour', `select worker_id from social_security_enrolment where status = 'ACTIVE'`);
  const account = await idSet('mepma', `select worker_id from savings_account where opened_on <= current_date`);
  const workers = await sql<{ id: string; age: number; occupation: string }>('labour', `select id, date_part('year', age(current_date, date_of_birth))::int as age, occupation from worker`);
  const eligible = (w: { id: string; age: number; occupation: string }) => (w.age >= 18 && w.age <= 70 && account.has(w.id)) || (w.occupation === 'CONSTRUCTION' && w.age >= 18 && w.age <= 60);
  return { covered, among: new Set(workers.filter((w) => eligible(w) || covered.has(w.id)).map((w) => w.id)) };
}

/** The figure a group of workers should show for one indicator: eligible and covered each perturbed, covered at most eligible. */
function expectedFigure(workers: Worker[], source: { covered: Set<string>; occupation?: string; among?: Set<string> }) {
  const eligible = workers.filter((w) => (!source.occupation || w.occupation === source.occupation) && (!source.among || source.among.has(w.id))).map((w) => w.id);
  const covered = eligible.filter((id) => source.covered.has(id));
  const shown = { eligible: published(eligible), covered: Math.min(published(covered), published(eligible)) };
  return { ...shown, ratio: shown.eligible ? shown.covered / shown.eligible : null, suppressed: false };
}

const ids = (workers: Worker[]) => workers.map((w) => w.id);

const COVERAGE = `query Coverage($filter: ReportFilter, $groupBy: [CoverageDimension!]!, $indicators: [CoverageIndicator!]) {
  coverage(filter: $filter, groupBy: $groupBy, indicators: $indicators) {
    asOf minimumCount
    rows { city { code name } ward { code name } occupation workers suppressed figures { indicator eligible covered ratio suppressed } }
    total { workers suppressed figures { indicator eligible covered ratio suppressed } }
  }
}`;

describe('coverage', () => {
  it('counts workers and every indicator by city and occupation as the agencies’ tables do', async () => {
    const workers = await sql<Worker>('labour', 'select id, city_code, ward_code, occupation from worker');
    const sets = await expectedSets();
    const { data, errors } = await stack.query(COVERAGE, { groupBy: ['CITY', 'OCCUPATION'] });
    expect(errors).toBeUndefined();
    const report = data.coverage;
    expect(report.minimumCount).toBe(MIN);

    const groups = new Map<string, Worker[]>();
    for (const w of workers) groups.set(`${w.city_code}|${w.occupation}`, [...(groups.get(`${w.city_code}|${w.occupation}`) ?? []), w]);
    expect(report.rows).toHaveLength(groups.size);
    for (const row of report.rows) {
      const members = groups.get(`${row.city.code}|${row.occupation}`)!;
      expect(row.workers).toBe(published(ids(members)));
      expectPlausible(row.workers, members.length);
      expect(row.figures.map((f: any) => f.indicator)).toEqual(Object.keys(sets));
      for (const figure of row.figures) {
        const expected = expectedFigure(members, sets[figure.indicator]);
        expect({ indicator: figure.indicator, ...figure, ratio: figure.ratio === null ? null : Number(figure.ratio.toFixed(6)) }).toEqual({
          indicator: figure.indicator,
          ...expected,
          ratio: expected.ratio === null ? null : Number(expected.ratio.toFixed(6)),
        });
      }
    }
    // The total is a cell of its own: all the workers, perturbed once (not the sum of the rows).
    expect(report.total.workers).toBe(published(ids(workers)));
    expect(Math.abs(report.total.workers - workers.length)).toBeLessThanOrEqual(MAX_NOISE);
    for (const figure of report.total.figures) expect(figure).toMatchObject(expectedFigure(workers, sets[figure.indicator]));
    // The demo data has people in the figures, so the totals are meaningful, not zeros.
    expect(report.total.figures.filter((figure: any) => figure.covered > 0).length).toBeGreaterThanOrEqual(6);
  });

  it('publishes small counts of people as 0 or the minimum, never 1 to MIN − 1, and withholds nothing', async () => {
    const workers = await sql<Worker>('labour', 'select id, city_code, ward_code, occupation from worker');
    const sets = await expectedSets();
    const { data } = await stack.query(COVERAGE, { groupBy: ['WARD', 'OCCUPATION'], indicators: ['SOCIAL_SECURITY'] });
    let small = 0;
    const isSmall = (count: number) => count >= 1 && count < MIN;
    for (const row of data.coverage.rows) {
      const members = workers.filter((w) => w.ward_code === row.ward.code && w.occupation === row.occupation);
      const enrolled = members.filter((w) => sets.SOCIAL_SECURITY.covered.has(w.id)).length;
      small += [members.length, enrolled, members.length - enrolled].filter(isSmall).length;
      expect(row.city.code).toBe(row.ward.code.split('-')[0]);
      expect(row).toMatchObject({ workers: published(ids(members)), suppressed: false });
      expectPlausible(row.workers, members.length);
      const figure = expectedFigure(members, sets.SOCIAL_SECURITY);
      expect(row.figures[0]).toMatchObject(figure);
      for (const count of [row.figures[0].eligible, row.figures[0].covered]) expect(isSmall(count)).toBe(false);
    }
    // The table has counts (workers, enrolled, not enrolled) smaller than the minimum, so the rule was put to the test.
    expect(small).toBeGreaterThan(10);
    // Wards are Municipal's: their names arrive through the graph.
    expect(data.coverage.rows[0].ward.name).toEqual(expect.any(String));
  });

  it('never shows a group of one as one: a newly registered worker alone in their ward and occupation', async () => {
    const [{ ward }] = await sql(
      'labour',
      `select w as ward from generate_series(1, 64) n, lateral (select 'VJA-W' || lpad(n::text, 2, '0') as w) code
       where not exists (select 1 from worker where ward_code = w and occupation = 'HOME_BASED') limit 1`,
    );
    const registered = await stack.query(
      `mutation($input: RegisterWorkerInput!) { registerWorker(input: $input) { id } }`,
      {
        input: {
          name: 'Kolli Varalakshmi', gender: 'FEMALE', dateOfBirth: '1988-02-03', phone: '+91 63999 00001',
          idReferenceToken: 'ADV-REPORTS-0001', idLast4: '1234', occupation: 'HOME_BASED', city: 'VJA', ward,
        },
      },
      { agency: 'labour', role: 'officer', scopes: ['read', 'write'], purpose: 'Service delivery' },
    );
    expect(registered.errors).toBeUndefined();
    const { data } = await stack.query(COVERAGE, { filter: { ward }, groupBy: ['OCCUPATION'], indicators: ['CIG_MEMBER'] });
    const alone = data.coverage.rows.find((row: any) => row.occupation === 'HOME_BASED');
    const id = registered.data.registerWorker.id;
    expect(alone).toMatchObject({ workers: published([id]), figures: [{ eligible: published([id]), covered: 0 }] });
    expect([0, MIN]).toContain(alone.workers);
    // The ward's total counts them, perturbed as a cell of its own.
    const inWard = await sql('labour', `select id from worker where ward_code = ?`, [ward]);
    expect(data.coverage.total.workers).toBe(published(inWard.map((w) => w.id)));
  });

  it('filters by city, ward and occupation', async () => {
    const drivers = await sql('labour', `select id from worker where city_code = 'GVMC' and occupation = 'TRANSPORT'`);
    const { data } = await stack.query(COVERAGE, { filter: { city: 'GVMC', occupation: 'TRANSPORT' }, groupBy: [], indicators: ['DRIVING_LICENCE'] });
    expect(data.coverage.rows).toHaveLength(1);
    expect(data.coverage.total.workers).toBe(published(drivers.map((w) => w.id)));
    const [{ ward }] = await sql('labour', `select ward_code as ward from worker group by ward_code order by count(*) desc limit 1`);
    const inWard = (await sql('labour', `select id from worker where ward_code = ?`, [ward])).map((w) => w.id);
    const byWard = await stack.query(COVERAGE, { filter: { ward }, groupBy: ['WARD'], indicators: [] });
    expect(byWard.data.coverage.rows.map((row: any) => [row.ward.code, row.workers])).toEqual([[ward, published(inWard)]]);
    // The same workers show the same figure however they are asked for: here as one row of every ward.
    const everyWard = await stack.query(COVERAGE, { groupBy: ['WARD'], indicators: [] });
    expect(everyWard.data.coverage.rows.find((row: any) => row.ward.code === ward).workers).toBe(byWard.data.coverage.total.workers);
  });

  it('counts only what the caller’s jurisdiction covers, on every agency’s side', async () => {
    const vja = { jurisdiction: 'city:VJA' };
    const workers = await sql<Worker>('labour', `select id, city_code, ward_code, occupation from worker where city_code = 'VJA'`);
    // Transport counts only licences of VJA's RTO for a VJA caller, wherever the holder lives.
    const licensed = await idSet(
      'transport',
      `select worker_id from driving_licence where not suspended and issued_on <= current_date and valid_until >= current_date and issuing_rto = 'AP16'`,
    );
    const { data, errors } = await stack.query(COVERAGE, { groupBy: ['CITY'], indicators: ['DRIVING_LICENCE'] }, vja);
    expect(errors).toBeUndefined();
    expect(data.coverage.rows.map((row: any) => row.city.code)).toEqual(['VJA']);
    expect(data.coverage.total.workers).toBe(published(ids(workers)));
    expect(data.coverage.total.figures[0]).toMatchObject(expectedFigure(workers, { covered: licensed, occupation: 'TRANSPORT' }));

    const outside = await stack.query(COVERAGE, { filter: { city: 'GVMC' }, groupBy: [] }, vja);
    expect(errorCodes(outside)).toEqual(['FORBIDDEN']);
    expect(outside.data).toBeNull();
  });

  it('refuses bad input with BAD_USER_INPUT', async () => {
    expect(errorCodes(await stack.query(COVERAGE, { filter: { city: 'XYZ' }, groupBy: [] }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await stack.query(COVERAGE, { filter: { ward: 'VJA-W99' }, groupBy: [] }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await stack.query(COVERAGE, { groupBy: ['COUNTY'] }))).toEqual(['BAD_USER_INPUT']);
  });
});

const CIG_FORMATION = `query CigFormation($filter: CigFormationFilter, $groupBy: [CigFormationDimension!]!) {
  cigFormation(filter: $filter, groupBy: $groupBy) {
    minimumCount
    rows { month city { code } ward { code } occupation workLocationKind cigs members suppressed }
    total { cigs members suppressed }
  }
}`;

describe('CIG formation', () => {
  it('counts CIGs, and their members as perturbed counts of workers, by month as MEPMA’s tables do', async () => {
    const activeMembers = `(select worker_id from cig_membership m where m.cig_id = c.id and m.left_on is null and m.joined_on <= current_date)`;
    const expected = await sql(
      'mepma',
      `select to_char(c.formed_on, 'YYYY-MM') as month, count(*)::int as cigs,
              coalesce(array_agg(w.worker_id) filter (where w.worker_id is not null), '{}') as members
       from cig c left join lateral ${activeMembers} w on true
       group by 1 order by 1`,
    );
    // count(*) above counts memberships too: the CIGs per month on their own.
    const cigsPerMonth = new Map((await sql('mepma', `select to_char(formed_on, 'YYYY-MM') as month, count(*)::int as cigs from cig group by 1`)).map((row) => [row.month, row.cigs]));
    const { data, errors } = await stack.query(CIG_FORMATION, { groupBy: ['MONTH'] });
    expect(errors).toBeUndefined();
    expect(data.cigFormation.rows.map((row: any) => [row.month, row.cigs, row.members, row.suppressed])).toEqual(
      expected.map((row) => [row.month, cigsPerMonth.get(row.month), published(row.members), false]),
    );
    for (const [at, row] of data.cigFormation.rows.entries()) expectPlausible(row.members, new Set(expected[at].members).size);
    const [{ cigs }] = await sql('mepma', 'select count(*)::int as cigs from cig');
    expect(data.cigFormation.total.cigs).toBe(cigs);
    expect(data.cigFormation.total.members).toBe(published(expected.flatMap((row) => row.members)));
  });

  it('groups by work location and occupation, filtered by city and dates', async () => {
    const expected = await sql(
      'mepma',
      `select occupation, work_location_kind as kind, count(*)::int as cigs from cig
       where city_code = 'VJA' and formed_on between '2024-01-01' and '2024-12-31' group by 1, 2 order by 1, 2`,
    );
    const { data } = await stack.query(CIG_FORMATION, {
      filter: { city: 'VJA', from: '2024-01-01', to: '2024-12-31' },
      groupBy: ['OCCUPATION', 'WORK_LOCATION_KIND'],
    });
    expect(data.cigFormation.rows.map((row: any) => [row.occupation, row.workLocationKind, row.cigs])).toEqual(expected.map((row) => [row.occupation, row.kind, row.cigs]));
    expect(expected.length).toBeGreaterThan(0);
  });

  it('keeps to the caller’s jurisdiction', async () => {
    const [{ cigs }] = await sql('mepma', `select count(*)::int as cigs from cig where city_code = 'GVMC'`);
    const { data } = await stack.query(CIG_FORMATION, { groupBy: ['CITY'] }, { jurisdiction: 'city:GVMC' });
    expect(data.cigFormation.rows.map((row: any) => [row.city.code, row.cigs])).toEqual([['GVMC', cigs]]);
    expect(errorCodes(await stack.query(CIG_FORMATION, { filter: { city: 'VJA' }, groupBy: [] }, { jurisdiction: 'city:GVMC' }))).toEqual(['FORBIDDEN']);
  });
});

const EXPIRING = `query Expiring($withinDays: Int!, $filter: ExpiryFilter, $groupBy: [ExpiryDimension!]!) {
  expiringDocuments(withinDays: $withinDays, filter: $filter, groupBy: $groupBy) {
    from to minimumCount
    rows { document city { code } week count suppressed }
    total { count suppressed }
  }
}`;

describe('expiring documents', () => {
  const window = `valid_until between current_date and current_date + 366 and issued_on <= current_date`;
  /** Each document is a record of its own, keyed by its kind and number. */
  async function expectedByDocument(): Promise<Record<string, string[]>> {
    const kinds: [string, string, string][] = [
      ['DRIVING_LICENCE', 'transport', `select licence_number as number from driving_licence where not suspended and ${window}`],
      ['PSV_BADGE', 'transport', `select badge_number as number from psv_badge where not suspended and ${window}`],
      ['VEHICLE_PERMIT', 'transport', `select permit_number as number from vehicle_permit where not suspended and ${window}`],
      ['VENDING_CERTIFICATE', 'municipal', `select certificate_number as number from vending_certificate where status = 'ACTIVE' and ${window}`],
      ['TRADE_LICENCE', 'municipal', `select licence_number as number from trade_licence where status = 'ACTIVE' and ${window}`],
    ];
    const expected: Record<string, string[]> = {};
    for (const [document, agency, query] of kinds) {
      const records = (await sql(agency, query)).map((row) => documentRecordId(document, row.number));
      if (records.length) expected[document] = records;
    }
    return expected;
  }

  it('counts documents running out within the window, by kind, as the agencies’ tables do', async () => {
    const expected = await expectedByDocument();
    const { data, errors } = await stack.query(EXPIRING, { withinDays: 366, groupBy: ['DOCUMENT'] });
    expect(errors).toBeUndefined();
    const shown = Object.fromEntries(data.expiringDocuments.rows.map((row: any) => [row.document, row.count]));
    expect(shown).toEqual(Object.fromEntries(Object.entries(expected).map(([document, records]) => [document, published(records)])));
    for (const [document, records] of Object.entries(expected)) expectPlausible(shown[document], records.length);
    expect(data.expiringDocuments.total).toEqual({ count: published(Object.values(expected).flat()), suppressed: false });
    expect(Object.keys(expected).length).toBeGreaterThan(2);
  });

  it('groups by week, each week named by its Monday', async () => {
    const { data } = await stack.query(EXPIRING, { withinDays: 120, filter: { documents: ['DRIVING_LICENCE'] }, groupBy: ['WEEK'] });
    const licences = await sql(
      'transport',
      `select licence_number as number, to_char(date_trunc('week', valid_until), 'YYYY-MM-DD') as week from driving_licence
       where not suspended and issued_on <= current_date and valid_until between current_date and current_date + 120`,
    );
    const records = (rows: any[]) => rows.map((row) => documentRecordId('DRIVING_LICENCE', row.number));
    expect(data.expiringDocuments.total.count).toBe(published(records(licences)));
    expect(data.expiringDocuments.rows.map((row: any) => row.week)).toEqual([...new Set(licences.map((row) => row.week))].sort());
    for (const row of data.expiringDocuments.rows) {
      expect(new Date(`${row.week}T00:00:00Z`).getUTCDay()).toBe(1);
      expect(row.count).toBe(published(records(licences.filter((licence) => licence.week === row.week))));
    }
  });

  it('keeps to the caller’s jurisdiction and refuses a bad window', async () => {
    const { data } = await stack.query(EXPIRING, { withinDays: 366, groupBy: ['CITY'] }, { jurisdiction: 'city:VJA' });
    expect(data.expiringDocuments.rows.map((row: any) => row.city?.code)).toEqual(['VJA']);
    for (const withinDays of [0, 367]) expect(errorCodes(await stack.query(EXPIRING, { withinDays, groupBy: [] }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('what reports disclose', () => {
  it('logs each report request, naming no worker', async () => {
    await stack.query(COVERAGE, { groupBy: ['CITY'] }, { subject: 'report-auditee' });
    const [entry] = await stack.audit.log.fork().getConnection().execute(`select * from access_log where caller_subject = 'report-auditee'`);
    expect(entry).toMatchObject({ outcome: 'ok', operation_name: 'Coverage' });
    expect(entry.worker_ids).toEqual([]);
    // The agencies the reports asked are named, as agencies the gateway called would be.
    expect([...entry.subgraphs].sort()).toEqual(['icds', 'labour', 'mepma', 'municipal', 'reports', 'transport']);
  });

  it('answers statistical questions only under the reports service’s seal, for the agency it names, once', async () => {
    const { url } = stack.subgraphs.get('mepma')!.server;
    const body = JSON.stringify({ asOf: '2026-01-01', sets: ['CIG_MEMBER'] });
    const endpoint = new URL('/statistics', url);
    const ask = async (headers: Record<string, string>, sent = body) => {
      const response = await fetch(endpoint, { method: 'POST', body: sent, headers });
      return { status: response.status, body: (await response.json()) as any };
    };
    expect((await ask({})).status).toBe(401);
    const caller = { agency: 'mepma', subject: 'x', role: 'analyst' as const, jurisdiction: 'national', scopes: ['read'], purpose: 'statistics' };
    expect((await ask(await sealedBy(stack, 'reports', caller, 'labour', body, 'statistics'))).body.errors[0].extensions.reason).toBe('WRONG_AUDIENCE');
    // Not even the gateway may ask for person-level sets: only the reports service.
    expect((await ask(await sealedBy(stack, 'gateway', caller, 'mepma', body, 'statistics'))).body.errors[0].extensions.reason).toBe('UNTRUSTED_CALL');
    const sealed = await sealedBy(stack, 'reports', caller, 'mepma', body, 'statistics');
    const answer = await ask(sealed);
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body.sets)).toEqual(['CIG_MEMBER']);
    // A captured seal sent again returns nothing.
    const replayed = await ask(sealed);
    expect(replayed.status).toBe(401);
    expect(replayed.body).toEqual({ errors: [{ message: expect.stringMatching(/used already/), extensions: { code: 'UNAUTHENTICATED', reason: 'REPLAYED' } }] });
    const unknown = JSON.stringify({ asOf: '2026-01-01', sets: ['EVERYONE'] });
    expect((await ask(await sealedBy(stack, 'reports', caller, 'mepma', unknown, 'statistics'), unknown)).status).toBe(400);
  });
});

describe('answers an agency keeps', () => {
  const caller = { agency: 'mepma', subject: 'kept', role: 'analyst' as const, jurisdiction: 'national', scopes: ['read'], purpose: 'statistics' };
  const members = async () => {
    const body = JSON.stringify({ asOf: today(), sets: ['CIG_MEMBER'] });
    const response = await fetch(new URL('/statistics', stack.subgraphs.get('mepma')!.server.url), {
      method: 'POST', body, headers: await sealedBy(stack, 'reports', caller, 'mepma', body, 'statistics'),
    });
    expect(response.status).toBe(200);
    return decodeWorkers(((await response.json()) as any).sets.CIG_MEMBER);
  };
  /** The set queries MEPMA ran while `ask` did (its seal check is not one). */
  const setQueriesDuring = async <T>(ask: () => Promise<T>) => {
    const { sqlLog } = stack.subgraphs.get('mepma')!.database;
    sqlLog.reset();
    const result = await ask();
    return { result, queries: sqlLog.recent.filter((query) => query.includes('string_agg')).length };
  };

  it('until its records change, and not a moment longer', async () => {
    // A member leaves (a change made straight in MEPMA's database, outside the graph): the next
    // answer is worked out afresh and shows it, as soon as the change notice has arrived.
    const [membership] = await sql('mepma', `select id, worker_id from cig_membership m where left_on is null and joined_on <= current_date
      and not exists (select 1 from cig_membership o where o.worker_id = m.worker_id and o.id <> m.id and o.left_on is null) limit 1`);
    const leaver = Number(membership.worker_id.slice(2));
    /** Asks until the answer shows whether the leaver is a member as expected (the notice takes milliseconds). */
    const answerShowing = async (member: boolean) => {
      let answer = await setQueriesDuring(members);
      for (let tries = 0; answer.result.has(leaver) !== member && tries < 40; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        answer = await setQueriesDuring(members);
      }
      expect(answer.result.has(leaver)).toBe(member);
      return answer;
    };
    const before = await answerShowing(true);
    await sql('mepma', `update cig_membership set left_on = current_date where id = ?`, [membership.id]);
    try {
      const after = await answerShowing(false);
      expect(after.queries).toBe(1);
      expect(after.result.size).toBe(before.result.size - 1);
      // Asked again with nothing changed: the kept answer, and no query.
      const again = await setQueriesDuring(members);
      expect(again.queries).toBe(0);
      expect(again.result.toArray()).toEqual(after.result.toArray());
    } finally {
      await sql('mepma', `update cig_membership set left_on = null where id = ?`, [membership.id]);
    }
    const back = await answerShowing(true);
    expect(back.queries).toBe(1);
    expect(back.result.toArray()).toEqual(before.result.toArray());
  });
});
