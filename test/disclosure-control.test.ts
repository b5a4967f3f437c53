/**
 * Disclosure control, attacked as an analyst would attack it: a Vijayawada analyst's token,
 * through the real gateway on real PostgreSQL, replaying the differencing that undid small-count
 * suppression, and reaching for people directly.
 *
 *  1. A ward × occupation table: a row or column total minus the cells shown.
 *  2. expiringDocuments(withinDays: N + 1) minus (withinDays: N): one day's documents.
 *  3. CIG members by month minus month × ward.
 *  4. `workers { totalCount }` and every other way to a person's record.
 *  5. The same question twice, and the same people asked for in another table: the same figures.
 *
 * Each attack is also run on the true counts (selected here in SQL) under the rule the reports had
 * before, withholding counts of 1 to 4, to show what it used to give away. With the cell-key method
 * (src/shared/cell-key.ts) a difference of two figures is the true count plus the difference of two
 * noises, which is exactly 0 only by chance (about one time in five, for either noise of −2..+2):
 * the test asserts that exact rebuilds are no more frequent than that chance allows, where before
 * every one of them was exact. The perturbation table's own properties are checked first.
 *
 * Trusted documents: the hub lets analysts run registered operations only; this suite opts out
 * (`registeredOnlyRoles: []`) on purpose, since disclosure control must hold even for a caller who
 * may send any query.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSchema, getNamedType, isInputObjectType, isNonNullType, isObjectType, type GraphQLField, type GraphQLInputType } from 'graphql';
import { supergraphPolicies } from '../gateway/field-check';
import type { Caller } from '../src/shared/access/caller';
import { REPORTS_ONLY_REASON } from '../src/shared/access/policy';
import { Cell, CELL_KEY_SECRET_FILE, CellKeyMethod, distribution, documentRecordId, KEY_RANGE, loadCellKeySecret, MAX_NOISE, NOISE } from '../src/shared/cell-key';
import { config, repoRoot } from '../src/shared/config';
import { addDays, today } from '../src/shared/dates';
import { cityByCode } from '../src/shared/reference';
import { errorCodes, sealedBy, startTestStack, type GraphQLResponse, type TestStack } from './support/stack';

const MIN = config.reportMinimumCount;
const VJA_RTO = cityByCode('VJA')!.rtoCode;
const isSmall = (count: number) => count >= 1 && count < MIN;

/** The rule the reports had before: a count of people from 1 to MIN − 1 withheld, anything else shown exactly. */
const withheldBefore = (count: number): number | null => (isSmall(count) ? null : count);

/**
 * How likely one difference of published figures is to be exact by chance: two independent noises
 * of NOISE being equal (about 0.22). Sums of more noises, and the rows of small counts, are exact
 * less often; 0.25 leaves room for the table's rounding to 256ths.
 */
const P_EXACT = 0.25;
const CHANCE = NOISE.reduce((sum, { keys }) => sum + (keys / KEY_RANGE) ** 2, 0);

/** The most exact rebuilds among `n` that chance (each at most `p`) gives, but for odds of 1 in 10,000. */
function mostByChance(n: number, p = P_EXACT, odds = 1e-4): number {
  let tail = 1; // P(X >= k)
  let term = (1 - p) ** n; // P(X = k)
  for (let k = 0; k <= n; k += 1) {
    tail -= term;
    if (tail < odds) return k;
    term *= ((n - k) / (k + 1)) * (p / (1 - p));
  }
  return n;
}

// ---- The perturbation table itself ---------------------------------------------------------------

describe('the perturbation table', () => {
  const secret = Buffer.alloc(32, 7);

  test.each([2, 3, 5, 10])('with minimum %i: every row unbiased, never 1 to minimum − 1, within 2 of the truth from the minimum + 2 up', (minimum) => {
    const method = new CellKeyMethod(secret, minimum);
    const wrong: { count: number; problem: string }[] = [];
    for (let count = 0; count <= 400; count += 1) {
      const outcomes = distribution(count, minimum);
      if (Math.abs(outcomes.reduce((sum, { probability }) => sum + probability, 0) - 1) > 1e-12) wrong.push({ count, problem: 'probabilities do not add up to 1' });
      if (Math.abs(outcomes.reduce((sum, { value, probability }) => sum + value * probability, 0) - count) > 1e-9) wrong.push({ count, problem: 'biased' });
      const published = Array.from({ length: KEY_RANGE }, (_, key) => method.publish({ count, key }));
      // Over the 256 cell keys (the table's rounding to 256ths moves the mean by less than 0.02).
      if (Math.abs(published.reduce((a, b) => a + b, 0) / KEY_RANGE - count) >= 0.02) wrong.push({ count, problem: 'biased over the keys' });
      for (const value of published) {
        if (value >= 1 && value < minimum) wrong.push({ count, problem: `publishes ${value}` });
        if (count === 0 && value !== 0) wrong.push({ count, problem: `publishes ${value}` });
        if (count >= minimum + MAX_NOISE && Math.abs(value - count) > MAX_NOISE) wrong.push({ count, problem: `publishes ${value}` });
        if (count >= 1 && count < minimum && value !== 0 && value !== minimum) wrong.push({ count, problem: `publishes ${value}` });
      }
    }
    expect(wrong).toEqual([]);
  });

  test('record keys come from the secret alone; a cell key is the sum of its records’ keys, in any order', () => {
    const method = new CellKeyMethod(secret, MIN);
    const again = new CellKeyMethod(Buffer.from(secret), MIN);
    const other = new CellKeyMethod(Buffer.alloc(32, 8), MIN);
    const ids = Array.from({ length: 400 }, (_, n) => `W-${String(n + 1).padStart(7, '0')}`);
    expect(ids.map((id) => method.recordKey(id))).toEqual(ids.map((id) => again.recordKey(id)));
    expect(ids.map((id, n) => method.workerKey(n + 1) === method.recordKey(id)).every(Boolean)).toBe(true);
    // Another secret gives other keys (the same by chance for about 1 in 256).
    expect(ids.filter((id) => method.recordKey(id) === other.recordKey(id)).length).toBeLessThan(20);
    // The keys are spread over 0..255, so cells' keys are too.
    const spread = new Set(ids.map((id) => method.recordKey(id)));
    expect(spread.size).toBeGreaterThan(200);
    const forwards = new Cell();
    const backwards = new Cell();
    for (const id of ids) forwards.add(method.recordKey(id));
    for (const id of [...ids].reverse()) backwards.add(method.recordKey(id));
    expect([forwards.count, forwards.key]).toEqual([backwards.count, backwards.key]);
    expect(forwards.key).toBe(ids.reduce((sum, id) => sum + method.recordKey(id), 0) % KEY_RANGE);
  });

  test('cells whose keys differ by a little get unrelated noise: the table’s columns are shuffled by the secret', () => {
    const method = new CellKeyMethod(secret, MIN);
    for (const shift of [1, 2, 3, 5, 8, 128]) {
      const same = Array.from({ length: KEY_RANGE }, (_, key) => method.publish({ count: 100, key }) === method.publish({ count: 100, key: (key + shift) % KEY_RANGE })).filter(Boolean).length;
      // Unshuffled, a shift of 1 would keep the noise for 251 of the 256 keys.
      expect({ shift, same: same / KEY_RANGE < 0.4 }).toEqual({ shift, same: true });
    }
  });

  test('the secret: REPORT_CELL_KEY_SECRET, or its file, or one made in the keys directory on first start, for its owner only', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wg-cell-key-'));
    try {
      const keysDir = path.join(dir, 'keys');
      const made = loadCellKeySecret({ keysDir });
      const file = path.join(keysDir, CELL_KEY_SECRET_FILE);
      expect(made).toHaveLength(32);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(loadCellKeySecret({ keysDir })).toEqual(made);
      const hex = 'ab'.repeat(32);
      expect(loadCellKeySecret({ secret: hex, keysDir })).toEqual(Buffer.from(hex, 'hex'));
      const given = path.join(dir, 'given.secret');
      writeFileSync(given, `${'cd'.repeat(40)}\n`);
      chmodSync(given, 0o600);
      expect(loadCellKeySecret({ file: given, keysDir })).toEqual(Buffer.from('cd'.repeat(40), 'hex'));
      expect(() => loadCellKeySecret({ secret: 'too short', keysDir })).toThrow(/at least 32 bytes/);
      expect(() => loadCellKeySecret({ file: path.join(dir, 'missing'), keysDir })).toThrow(/does not exist/);
      expect(() => new CellKeyMethod(made, 1)).toThrow(/at least 2/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---- The attacks, through the gateway ---------------------------------------------------------------

let stack: TestStack;
/** Every count of people the analyst was shown, from every report below: none may be 1 to MIN − 1. */
const everyFigure: number[] = [];
/** What each attack rebuilt exactly, before (the withholding rule, on the true counts) and now. */
const results: Record<string, { targets: number; before: number; now: number; bound: number }> = {};

const ANALYST = { agency: 'mepma', role: 'analyst' as const, jurisdiction: 'city:VJA', scopes: ['read'], purpose: 'Statistics' };

beforeAll(async () => {
  // registeredOnlyRoles: [] — see the top of the file: the attacks are ad-hoc queries, on purpose.
  stack = await startTestStack('disclosure', { as: ANALYST, registeredOnlyRoles: [] });
  await makeSmallCells();
  await spreadExpiries();
  await shrinkCigs();
}, 120_000);
afterAll(async () => {
  if (Object.keys(results).length) console.log(`Counts 1–${MIN - 1} rebuilt exactly (before: withholding; now: cell-key perturbation):\n${JSON.stringify(results, null, 1)}`);
  await stack?.stop();
});

function sql<T = any>(agency: string, query: string, params: unknown[] = []): Promise<T[]> {
  return stack.subgraphs.get(agency)!.database.orm.em.getConnection().execute(query, params);
}

async function ask<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await stack.query<T>(query, variables);
  expect(response.errors).toBeUndefined();
  return response.data!;
}

/**
 * Small ward × occupation cells, as a city has them (the demo places workers five at a time): in
 * Vijayawada's wards with two occupations, 1 to 4 workers of one stay and the rest are
 * re-registered under the other, so the ward has one small cell; in wards with one occupation,
 * one or two workers take up another, so the ward has two.
 */
async function makeSmallCells() {
  const cells = await sql<{ ward: string; occupation: string; ids: string[] }>(
    'labour',
    `select ward_code as ward, occupation, array_agg(id order by id) as ids from worker where city_code = 'VJA' group by 1, 2 order by 1, 2`,
  );
  const byWard = new Map<string, typeof cells>();
  for (const cell of cells) byWard.set(cell.ward, [...(byWard.get(cell.ward) ?? []), cell]);
  const occupations = ['CARE', 'CONSTRUCTION', 'DOMESTIC', 'GIG', 'HOME_BASED', 'STREET_VENDOR', 'TRANSPORT', 'WASTE'];
  let moved = 0;
  for (const [i, wardCells] of [...byWard.values()].entries()) {
    const [from, to] = wardCells;
    if (from.ids.length !== 5) continue;
    if (to) {
      await sql('labour', `update worker set occupation = ? where id in (?)`, [to.occupation, from.ids.slice(0, 4 - (i % 4))]);
    } else {
      const other = occupations.find((occupation) => occupation !== from.occupation && occupations.indexOf(occupation) >= i % 8) ?? occupations.find((o) => o !== from.occupation)!;
      await sql('labour', `update worker set occupation = ? where id in (?)`, [other, from.ids.slice(0, 1 + (i % 2))]);
    }
    moved += 1;
  }
  expect(moved).toBeGreaterThanOrEqual(25);
}

/** Vijayawada's documents valid today: each kind, its agency, and the SQL that selects its numbers. */
const VJA_DOCUMENTS: Record<string, [agency: string, table: string, number: string, where: string]> = {
  DRIVING_LICENCE: ['transport', 'driving_licence d', 'd.licence_number', `not d.suspended and d.issuing_rto = '${VJA_RTO}'`],
  PSV_BADGE: ['transport', 'psv_badge d', 'd.badge_number', `not d.suspended and left(d.licence_number, 4) = '${VJA_RTO}'`],
  VEHICLE_PERMIT: [
    'transport',
    'vehicle_permit d left join auto_stand s on s.id = d.auto_stand_id',
    'd.permit_number',
    `not d.suspended and (s.city_code = 'VJA' or (d.auto_stand_id is null and left(d.vehicle_registration, 4) = '${VJA_RTO}'))`,
  ],
  VENDING_CERTIFICATE: ['municipal', 'vending_certificate d join vending_zone z on z.id = d.vending_zone_id', 'd.certificate_number', `d.status = 'ACTIVE' and z.city_code = 'VJA'`],
  TRADE_LICENCE: ['municipal', 'trade_licence d join ward w on w.code = d.ward_code', 'd.licence_number', `d.status = 'ACTIVE' and w.city_code = 'VJA'`],
};
const PRIMARY_KEY: Record<string, [table: string, column: string]> = {
  DRIVING_LICENCE: ['driving_licence', 'licence_number'],
  PSV_BADGE: ['psv_badge', 'badge_number'],
  VEHICLE_PERMIT: ['vehicle_permit', 'permit_number'],
  VENDING_CERTIFICATE: ['vending_certificate', 'certificate_number'],
  TRADE_LICENCE: ['trade_licence', 'licence_number'],
};

/** Vijayawada's valid documents as records (`KIND:number`) with the day they run out, from today. */
async function vjaDocuments(): Promise<{ record: string; day: number; document: string; number: string }[]> {
  const documents = [];
  for (const [document, [agency, table, number, where]] of Object.entries(VJA_DOCUMENTS)) {
    const rows = await sql(agency, `select ${number} as number, d.valid_until - current_date as day from ${table} where ${where} and d.issued_on <= current_date and d.valid_until >= current_date order by 1`);
    documents.push(...rows.map((row) => ({ record: documentRecordId(document, row.number), day: row.day, document, number: row.number })));
  }
  return documents;
}

/**
 * A year of renewals as a busier city has them: Vijayawada's valid documents now run out 1, 2, 3
 * or 4 a day over the next weeks (still valid today, so no coverage figure changes).
 */
async function spreadExpiries() {
  const documents = await vjaDocuments();
  let day = 1;
  let onDay = 0;
  for (const { document, number } of documents) {
    const [table, column] = PRIMARY_KEY[document];
    await sql(VJA_DOCUMENTS[document][0], `update ${table} set valid_until = ? where ${column} = ?`, [addDays(today(), day), number]);
    onDay += 1;
    if (onDay === 1 + ((day - 1) % 4)) [day, onDay] = [day + 1, 0];
  }
  expect(day).toBeGreaterThan(40);
}

/** Small CIGs: 24 of Vijayawada's keep only 1 to 4 active members (the others left today). */
async function shrinkCigs() {
  const cigs = await sql<{ id: string; memberships: string[] }>(
    'mepma',
    `select c.id, array_agg(m.id order by m.id) as memberships from cig c join cig_membership m on m.cig_id = c.id and m.left_on is null
     where c.city_code = 'VJA' group by 1 order by 1 limit 24`,
  );
  for (const [i, cig] of cigs.entries()) {
    const keep = 1 + (i % 4);
    if (cig.memberships.length > keep) await sql('mepma', `update cig_membership set left_on = greatest(joined_on, current_date) where id in (?)`, [cig.memberships.slice(keep)]);
  }
}

/**
 * Rebuilds every cell of a table from the totals of its groups: a group's total minus its other
 * cells as shown. Returns, for the cells whose true count is 1 to MIN − 1, how many come out
 * exactly, when the figures are `shown` (now) and when they are the true ones withheld (before).
 */
function differencing(cells: { group: string; truth: number; shown: number }[], totals: Map<string, { truth: number; shown: number }>) {
  let targets = 0;
  let now = 0;
  let before = 0;
  for (const cell of cells) {
    if (!isSmall(cell.truth)) continue;
    targets += 1;
    const others = cells.filter((other) => other !== cell && other.group === cell.group);
    const total = totals.get(cell.group)!;
    if (total.shown - others.reduce((sum, other) => sum + other.shown, 0) === cell.truth) now += 1;
    // Before: the cell was withheld, and rebuilt exactly when its total and the other cells were shown.
    const old = [total.truth, ...others.map((other) => other.truth)].map(withheldBefore);
    if (old.every((count) => count !== null) && (old[0] as number) - (old.slice(1) as number[]).reduce((a, b) => a + b, 0) === cell.truth) before += 1;
  }
  return { targets, now, before, bound: mostByChance(targets) };
}

function expectNoBetterThanChance(attack: string, outcome: { targets: number; now: number; before: number; bound: number }, minimumTargets = 10) {
  results[attack] = outcome;
  expect({ attack, enoughTargets: outcome.targets >= minimumTargets }).toEqual({ attack, enoughTargets: true });
  expect({ attack, exactNow: outcome.now, noMoreThanChance: outcome.now <= outcome.bound }).toEqual({ attack, exactNow: outcome.now, noMoreThanChance: true });
}

const COVERAGE = `query($groupBy: [CoverageDimension!]!, $filter: ReportFilter) {
  coverage(groupBy: $groupBy, filter: $filter, indicators: [SOCIAL_SECURITY, CIG_MEMBER]) {
    rows { ward { code name } occupation workers figures { indicator eligible covered } }
    total { workers figures { indicator eligible covered } }
  }
}`;

function noteFigures(report: { rows: any[]; total: any }) {
  for (const row of [...report.rows, report.total]) {
    if ('workers' in row) everyFigure.push(row.workers);
    if ('members' in row) everyFigure.push(row.members);
    if ('count' in row) everyFigure.push(row.count);
    for (const figure of row.figures ?? []) everyFigure.push(figure.eligible, figure.covered);
  }
}

describe('1. a ward × occupation table, differenced against its row and column totals', () => {
  let truth: { cells: Map<string, string[]>; enrolled: Set<string>; members: Set<string> };
  let shown: { cells: any[]; wards: any[]; occupations: any[] };

  beforeAll(async () => {
    const workers = await sql<{ id: string; ward_code: string; occupation: string }>('labour', `select id, ward_code, occupation from worker where city_code = 'VJA'`);
    const cells = new Map<string, string[]>();
    for (const w of workers) cells.set(`${w.ward_code}|${w.occupation}`, [...(cells.get(`${w.ward_code}|${w.occupation}`) ?? []), w.id]);
    const enrolled = new Set((await sql('labour', `select worker_id from social_security_enrolment where status = 'ACTIVE' and enrolled_on <= current_date`)).map((row) => row.worker_id));
    const members = new Set(
      (await sql('mepma', `select m.worker_id from cig_membership m join cig c on c.id = m.cig_id where c.city_code = 'VJA' and m.left_on is null and m.joined_on <= current_date`)).map(
        (row) => row.worker_id,
      ),
    );
    truth = { cells, enrolled, members };
    const [byCell, byWard, byOccupation] = await Promise.all(
      [['WARD', 'OCCUPATION'], ['WARD'], ['OCCUPATION']].map(async (groupBy) => (await ask(COVERAGE, { groupBy })).coverage),
    );
    for (const report of [byCell, byWard, byOccupation]) noteFigures(report);
    shown = { cells: byCell.rows, wards: byWard.rows, occupations: byOccupation.rows };
  });

  /** The table's cells and its row (ward) or column (occupation) totals, for one count: true and shown. */
  function table(by: 'ward' | 'occupation', count: (ids: string[]) => number, pick: (row: any) => number) {
    const cells = shown.cells.map((row) => ({
      group: by === 'ward' ? row.ward.code : row.occupation,
      truth: count(truth.cells.get(`${row.ward.code}|${row.occupation}`) ?? []),
      shown: pick(row),
    }));
    const totals = new Map<string, { truth: number; shown: number }>();
    for (const row of by === 'ward' ? shown.wards : shown.occupations) {
      const group = by === 'ward' ? row.ward.code : row.occupation;
      const ids = [...truth.cells].filter(([key]) => (by === 'ward' ? key.startsWith(`${group}|`) : key.endsWith(`|${group}`))).flatMap(([, ids]) => ids);
      totals.set(group, { truth: count(ids), shown: pick(row) });
    }
    return [cells, totals] as const;
  }

  const workers = (ids: string[]) => ids.length;
  const covered = (set: () => Set<string>) => (ids: string[]) => ids.filter((id) => set().has(id)).length;
  const figure = (indicator: string) => (row: any) => row.figures.find((f: any) => f.indicator === indicator).covered;

  test('no published figure in the table or its totals is a count from 1 to MIN − 1, and the wards keep their names', () => {
    expect(everyFigure.filter(isSmall)).toEqual([]);
    expect(shown.cells.every((row) => typeof row.ward.name === 'string')).toBe(true);
    // The table does hold small groups: the attack has something to find.
    expect(shown.cells.filter((row) => isSmall(truth.cells.get(`${row.ward.code}|${row.occupation}`)!.length)).length).toBeGreaterThanOrEqual(15);
  });

  test.each(['ward', 'occupation'] as const)('workers per cell: the %s totals minus the cells shown rebuild no small count more often than chance', (by) => {
    const outcome = differencing(...table(by, workers, (row) => row.workers));
    // Before, a ward with one withheld cell gave it away through its total.
    if (by === 'ward') expect(outcome.before).toBeGreaterThanOrEqual(8);
    expectNoBetterThanChance(`workers by ${by}`, outcome);
  });

  test.each([
    ['SOCIAL_SECURITY', () => truth.enrolled],
    ['CIG_MEMBER', () => truth.members],
  ] as const)('%s covered per cell: the ward totals minus the cells shown rebuild no small count more often than chance', (indicator, set) => {
    const outcome = differencing(...table('ward', covered(set), figure(indicator)));
    expectNoBetterThanChance(`${indicator} covered by ward`, outcome, 5);
  });
});

describe('2. expiring documents: a window of N + 1 days minus one of N days', () => {
  const EXPIRING = `query($withinDays: Int!) { expiringDocuments(withinDays: $withinDays, groupBy: []) { from to total { count } } }`;
  const LAST_DAY = 80;
  let perDay: number[];
  let shownBy: number[];

  beforeAll(async () => {
    const documents = await vjaDocuments();
    perDay = Array.from({ length: LAST_DAY + 2 }, (_, day) => documents.filter((d) => d.day === day).length);
    shownBy = [];
    for (let withinDays = 1; withinDays <= LAST_DAY + 1; withinDays += 1) {
      const { expiringDocuments } = await ask(EXPIRING, { withinDays });
      expect(expiringDocuments.to).toBe(addDays(expiringDocuments.from, withinDays));
      shownBy[withinDays] = expiringDocuments.total.count;
      everyFigure.push(expiringDocuments.total.count);
    }
  }, 120_000);

  test('no single day’s 1 to 4 documents come out of a difference more often than chance', () => {
    const upTo = (days: number) => perDay.slice(0, days + 1).reduce((a, b) => a + b, 0);
    let targets = 0;
    let now = 0;
    let before = 0;
    let looksSmall = 0;
    let looksSmallAndIs = 0;
    const errors: number[] = [];
    for (let n = 1; n <= LAST_DAY; n += 1) {
      const day = perDay[n + 1];
      const difference = shownBy[n + 1] - shownBy[n];
      errors.push(difference - day);
      if (isSmall(difference)) {
        looksSmall += 1;
        if (difference === day) looksSmallAndIs += 1;
      }
      if (!isSmall(day)) continue;
      targets += 1;
      if (difference === day) now += 1;
      const [later, earlier] = [withheldBefore(upTo(n + 1)), withheldBefore(upTo(n))];
      if (later !== null && earlier !== null && later - earlier === day) before += 1;
    }
    // The property: each difference is the day's count plus the difference of two noises, zero on
    // average, exact about as often as two noises agree (CHANCE), and no more.
    const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
    const spread = Math.sqrt(errors.reduce((sum, e) => sum + (e - mean) ** 2, 0) / errors.length);
    expect({ mean: Math.abs(mean) < 1, spread: spread > 0.8 && spread < 3 }).toEqual({ mean: true, spread: true });
    expect(CHANCE).toBeLessThan(P_EXACT);
    // A difference that looks like a small count is the day's count no more often than chance, either.
    expect(looksSmallAndIs).toBeLessThanOrEqual(mostByChance(looksSmall, 0.5));
    expect(before).toBeGreaterThanOrEqual(targets - 3);
    expectNoBetterThanChance('expiring documents, day by day', { targets, now, before, bound: mostByChance(targets) }, 40);
    expect(everyFigure.filter(isSmall)).toEqual([]);
  });
});

describe('3. CIG members: by month, minus month × ward', () => {
  const CIG_FORMATION = `query($groupBy: [CigFormationDimension!]!, $filter: CigFormationFilter) {
    cigFormation(groupBy: $groupBy, filter: $filter) { rows { month ward { code } occupation cigs members } total { members } }
  }`;

  test('no month × ward count of 1 to 4 members comes out of the month’s total more often than chance, for all CIGs or one occupation’s', async () => {
    const memberships = await sql<{ month: string; ward: string; occupation: string; worker_id: string | null }>(
      'mepma',
      `select to_char(c.formed_on, 'YYYY-MM') as month, c.ward_code as ward, c.occupation, m.worker_id from cig c
       left join cig_membership m on m.cig_id = c.id and m.left_on is null and m.joined_on <= current_date where c.city_code = 'VJA'`,
    );
    const cells: { group: string; truth: number; shown: number }[] = [];
    const totals = new Map<string, { truth: number; shown: number }>();
    // The attack on the whole table, and again on each occupation's (filter: { occupation }).
    for (const occupation of [undefined, ...new Set(memberships.map((m) => m.occupation))]) {
      const counted = memberships.filter((m) => m.worker_id && (!occupation || m.occupation === occupation));
      const members = (month: string, ward?: string) => counted.filter((m) => m.month === month && (!ward || m.ward === ward)).length;
      const filter = occupation ? { occupation } : undefined;
      const byMonth = (await ask(CIG_FORMATION, { groupBy: ['MONTH'], filter })).cigFormation;
      const byCell = (await ask(CIG_FORMATION, { groupBy: ['MONTH', 'WARD'], filter })).cigFormation;
      for (const report of [byMonth, byCell]) noteFigures(report);
      for (const row of byMonth.rows) totals.set(`${occupation}|${row.month}`, { truth: members(row.month), shown: row.members });
      for (const row of byCell.rows) cells.push({ group: `${occupation}|${row.month}`, truth: members(row.month, row.ward.code), shown: row.members });
    }
    expect(everyFigure.filter(isSmall)).toEqual([]);
    const outcome = differencing(cells, totals);
    // Before, a month (of one occupation) with one withheld cell gave it away through its total.
    expect(outcome.before).toBeGreaterThan(0);
    expectNoBetterThanChance('CIG members by month × ward', outcome);
  });
});

describe('4. people are not for analysts', () => {
  const refusedWhole = (response: GraphQLResponse, fields?: string[]) => {
    expect(response.status).toBe(403);
    expect(response.data ?? null).toBeNull();
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: REPORTS_ONLY_REASON, ...(fields ? { fields } : {}) });
  };

  test('workers { totalCount } for a ward and occupation, and the person rows an analyst could read before, are refused whole (403)', async () => {
    const [{ id, ward_code: ward, occupation }] = await sql('labour', `select id, ward_code, occupation from worker where city_code = 'VJA' order by id limit 1`);
    refusedWhole(await stack.query(`query($ward: ID!, $occupation: Occupation!) { workers(filter: { ward: $ward, occupation: $occupation }) { totalCount } }`, { ward, occupation }), ['Query.workers']);
    refusedWhole(await stack.query(`query($id: ID!) { worker(id: $id) { id dateOfBirth socialSecurityEnrolments { schemeReference } } }`, { id }));
    const [{ number }] = await sql('transport', `select licence_number as number from driving_licence where issuing_rto = ? limit 1`, [VJA_RTO]);
    refusedWhole(await stack.query(`query($number: ID!) { drivingLicence(licenceNumber: $number) { licenceNumber holder { id } } }`, { number }));
    const [{ cig }] = await sql('mepma', `select id as cig from cig where city_code = 'VJA' limit 1`);
    refusedWhole(await stack.query(`query($cig: ID!) { cig(id: $cig) { memberCount members { worker { id } } } }`, { cig }), ['Query.cig']);
    // Asked beside a report, the whole operation is refused: no report comes back with it.
    refusedWhole(await stack.query(`{ coverage(groupBy: []) { total { workers } } cigs(first: 1) { totalCount } }`), ['Query.cigs']);
  });

  test('every root field of every agency, and the access log, is refused: the reports’ are the only ones an analyst may ask', async () => {
    const reportsRoots = supergraphPolicies(readFileSync(path.join(repoRoot, 'schema', 'supergraph.graphql'), 'utf8')).reportsRoots;
    // The reports service also serves the single window: its worklists name people, and their own
    // policy refuses analysts (the catalogue and the convergence figures are theirs to read).
    expect([...reportsRoots].sort()).toEqual(['Query.cigFormation', 'Query.convergence', 'Query.coverage', 'Query.eligibleNotEnrolled', 'Query.expiringDocuments', 'Query.schemes']);
    const worklist = await stack.query(`{ eligibleNotEnrolled(scheme: "PMSBY") { totalCount } }`);
    expect({ status: worklist.status, codes: errorCodes(worklist), fields: worklist.errors?.[0]?.extensions?.fields }).toEqual({ status: 403, codes: ['FORBIDDEN'], fields: ['Query.eligibleNotEnrolled'] });
    const schema = buildSchema(readFileSync(path.join(repoRoot, 'schema', 'public.graphql'), 'utf8'));
    const asked: string[] = [];
    for (const field of Object.values(schema.getQueryType()!.getFields())) {
      if (reportsRoots.has(`Query.${field.name}`)) continue;
      const response = await stack.query(`{ ${field.name}${argumentsOf(field)}${isObjectType(getNamedType(field.type)) ? ' { __typename }' : ''} }`);
      expect({ field: field.name, status: response.status, codes: errorCodes(response), reason: response.errors?.[0]?.extensions?.reason }).toEqual({
        field: field.name,
        status: 403,
        codes: ['FORBIDDEN'],
        reason: REPORTS_ONLY_REASON,
      });
      asked.push(field.name);
    }
    expect(asked).toEqual(expect.arrayContaining(['worker', 'workers', 'findWorkers', 'drivingLicence', 'vendingCertificate', 'icdsEnrolment', 'cig', 'cigs', 'accessLog']));
    // And an officer still may: the rule is the analysts'.
    const officer = await stack.query(`{ workers(first: 1) { totalCount } }`, {}, { agency: 'labour', role: 'officer', scopes: ['read'], purpose: 'Service delivery' });
    expect(officer.errors).toBeUndefined();
  });

  test('each agency refuses an analyst itself too, whoever let the question through: its questions and any person record, `_entities` included', async () => {
    const caller: Caller = { ...ANALYST, subject: 'dashboard', purpose: 'statistics' };
    const direct = async (agency: string, query: string, variables?: Record<string, unknown>, as: Caller = caller) => {
      const body = JSON.stringify({ query, variables });
      const response = await fetch(stack.subgraphs.get(agency)!.server.url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...(await sealedBy(stack, 'gateway', as, agency, body)) },
      });
      return (await response.json()) as GraphQLResponse;
    };
    const reasons = (response: GraphQLResponse) => (response.errors ?? []).map((error) => error.extensions?.reason);
    expect(reasons(await direct('labour', `{ workers { totalCount } }`))).toEqual([REPORTS_ONLY_REASON]);
    expect(reasons(await direct('mepma', `{ cigs { totalCount } }`))).toEqual([REPORTS_ONLY_REASON]);
    const [{ id }] = await sql('labour', `select id from worker where city_code = 'VJA' limit 1`);
    const entities = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Worker { dateOfBirth } } }`;
    expect(reasons(await direct('labour', entities, { r: [{ __typename: 'Worker', id }] }))).toContain(REPORTS_ONLY_REASON);
    expect(reasons(await direct('mepma', `query($r: [_Any!]!) { _entities(representations: $r) { ... on Worker { cigMemberships { id } } } }`, { r: [{ __typename: 'Worker', id }] }))).toContain(
      REPORTS_ONLY_REASON,
    );
    // A place is not a person: the wards a report names are Municipal's, and an analyst reads their names.
    const ward = await direct('municipal', `query($r: [_Any!]!) { _entities(representations: $r) { ... on Ward { name } } }`, { r: [{ __typename: 'Ward', code: 'VJA-W01' }] });
    expect(ward.errors).toBeUndefined();
    // An officer's own question still works.
    const officer = await direct('labour', `{ workers { totalCount } }`, undefined, { ...caller, agency: 'labour', role: 'officer' });
    expect(officer.errors).toBeUndefined();
  });
});

describe('5. the same people, the same figure', () => {
  test('asking again gives every figure again, and a ward alone shows what its row in every ward shows', async () => {
    const first = await Promise.all([
      ask(COVERAGE, { groupBy: ['WARD', 'OCCUPATION'] }),
      ask(`{ cigFormation(groupBy: [MONTH, WARD]) { rows { month ward { code } members } total { members } } }`),
      ask(`{ expiringDocuments(withinDays: 60, groupBy: [DOCUMENT, WEEK]) { rows { document week count } total { count } } }`),
    ]);
    const again = await Promise.all([
      ask(COVERAGE, { groupBy: ['WARD', 'OCCUPATION'] }),
      ask(`{ cigFormation(groupBy: [MONTH, WARD]) { rows { month ward { code } members } total { members } } }`),
      ask(`{ expiringDocuments(withinDays: 60, groupBy: [DOCUMENT, WEEK]) { rows { document week count } total { count } } }`),
    ]);
    expect(again).toEqual(first);
    const byWard = (await ask(COVERAGE, { groupBy: ['WARD'] })).coverage.rows;
    for (const row of byWard.slice(0, 6)) {
      const alone = (await ask(COVERAGE, { groupBy: [], filter: { ward: row.ward.code } })).coverage.total;
      expect(alone).toEqual({ workers: row.workers, figures: row.figures });
    }
    // A week wholly inside two windows holds the same documents in both, so it shows the same count.
    const [{ expiringDocuments: shorter }, { expiringDocuments: longer }] = await Promise.all(
      [30, 37].map((withinDays) => ask(`{ expiringDocuments(withinDays: ${withinDays}, groupBy: [WEEK]) { rows { week count } } }`)),
    );
    const lastFullWeek = shorter.rows.at(-2);
    expect(longer.rows.find((row: any) => row.week === lastFullWeek.week)).toEqual(lastFullWeek);
  });
});

/** Arguments for a field's required arguments: enough to reach the gateway's check. */
function argumentsOf(field: GraphQLField<unknown, unknown>): string {
  const required = field.args.filter((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined);
  return required.length ? `(${required.map((arg) => `${arg.name}: ${valueOf(arg.type)}`).join(', ')})` : '';
}

function valueOf(type: GraphQLInputType): string {
  const named = getNamedType(type);
  if (isInputObjectType(named)) return '{}';
  if (named.name === 'Int') return '1';
  if (named.name === 'Boolean') return 'true';
  if (named.name === 'Date') return '"2026-01-01"';
  if ('getValues' in named) return named.getValues()[0].name;
  return '"VJA-W01"';
}
