/**
 * The coverage dashboard at /dashboard, in headless Chromium, as a Vijayawada analyst sees it: its
 * figures against records selected here in SQL on the agencies' own databases, perturbed here as
 * the reports perturb them (the cell-key method, with the stack's secret), its filters, its
 * messages when there is no token or the gateway refuses, charts really drawn in their colours,
 * the single window's convergence figures exactly as the gateway gives them, and nothing loaded
 * from anywhere but the gateway.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import { parse as parseYaml } from 'yaml';
import type { DashboardQuery } from '../client/generated/graphql';
import { Cell, CellKeyMethod, documentRecordId } from '../src/shared/cell-key';
import { config } from '../src/shared/config';
import { addDays, today } from '../src/shared/dates';
import { cityByCode } from '../src/shared/reference';
import { describeInBrowser, launchBrowser, openPage } from './support/browser';
import { startTestStack, type TestStack } from './support/stack';

const OUTPUT = path.join(__dirname, 'output');
const MIN = config.reportMinimumCount;
const VJA_RTO = cityByCode('VJA')!.rtoCode;
/** The window the page opens with. */
const WITHIN_DAYS = 90;

let stack: TestStack;
let origin: string;
let cellKeys: CellKeyMethod;

beforeAll(async () => {
  // As the hub runs by default: analysts run registered operations only, which the page sends by id.
  stack = await startTestStack('dashboard', {
    as: { agency: 'mepma', role: 'analyst', scopes: ['read'], purpose: 'Statistics' },
    registeredOnlyRoles: config.registeredOperationsOnlyRoles,
  });
  origin = new URL(stack.gatewayUrl).origin;
  cellKeys = new CellKeyMethod(stack.cellKeySecret, MIN);
  await renewalsFallDue();
}, 120_000);
afterAll(() => stack?.stop());

function sql<T = any>(agency: string, query: string, params: unknown[] = []): Promise<T[]> {
  return stack.subgraphs.get(agency)!.database.orm.em.getConnection().execute(query, params);
}

/** How many records `ids` are, as the page shows it: perturbed by their record keys (never 1 to MIN − 1). */
function shown(ids: Iterable<string>): string {
  const cell = new Cell();
  for (const id of new Set(ids)) cell.add(cellKeys.recordKey(id));
  const count = cellKeys.publish(cell);
  expect(count >= 1 && count < MIN).toBe(false);
  return count.toLocaleString('en-IN');
}

/**
 * In 500 demo workers, a week's expiries of one kind are 1 to 4, published as 0 or 5 at random,
 * so the expiry chart might draw nothing. Eight licences and seven certificates that are valid
 * today now run out in the next month, in two weeks of their own (a count of 7 or more is never
 * published as 0); they stay valid today, so no coverage figure changes.
 */
async function renewalsFallDue() {
  const from = today();
  await sql(
    'transport',
    `update driving_licence set valid_until = ? where licence_number in (
       select licence_number from driving_licence where not suspended and issued_on <= ? and valid_until > ? and issuing_rto = ? order by 1 limit 8)`,
    [addDays(from, 10), from, addDays(from, 10), VJA_RTO],
  );
  await sql(
    'municipal',
    `update vending_certificate set valid_until = ? where certificate_number in (
       select d.certificate_number from vending_certificate d join vending_zone z on z.id = d.vending_zone_id
       where d.status = 'ACTIVE' and d.issued_on <= ? and d.valid_until > ? and z.city_code = 'VJA' order by 1 limit 7)`,
    [addDays(from, 24), from, addDays(from, 24)],
  );
}

/**
 * Where each kind of document lies for a Vijayawada caller, as Transport and Municipal place it
 * (subgraphs/<agency>/statistics.ts): a licence and a badge by their RTO, a permit by its auto
 * stand's city or, without a stand, its vehicle's RTO; a certificate by its vending zone, a trade
 * licence by its ward.
 */
const VJA_DOCUMENTS: Record<string, [agency: string, number: string, fromWhere: string]> = {
  DRIVING_LICENCE: ['transport', 'd.licence_number', `from driving_licence d where not d.suspended and d.issuing_rto = '${VJA_RTO}'`],
  PSV_BADGE: ['transport', 'd.badge_number', `from psv_badge d where not d.suspended and left(d.licence_number, 4) = '${VJA_RTO}'`],
  VEHICLE_PERMIT: [
    'transport',
    'd.permit_number',
    `from vehicle_permit d left join auto_stand s on s.id = d.auto_stand_id
     where not d.suspended and (s.city_code = 'VJA' or (d.auto_stand_id is null and left(d.vehicle_registration, 4) = '${VJA_RTO}'))`,
  ],
  VENDING_CERTIFICATE: ['municipal', 'd.certificate_number', `from vending_certificate d join vending_zone z on z.id = d.vending_zone_id where d.status = 'ACTIVE' and z.city_code = 'VJA'`],
  TRADE_LICENCE: ['municipal', 'd.licence_number', `from trade_licence d join ward w on w.code = d.ward_code where d.status = 'ACTIVE' and w.city_code = 'VJA'`],
};

/**
 * Vijayawada's documents valid today that run out within `days`, per kind and week (named by its
 * Monday), each as its record (`KIND:number`).
 */
async function expiringInVja(days: number): Promise<Record<string, Map<string, string[]>>> {
  const from = today();
  const records: Record<string, Map<string, string[]>> = {};
  for (const [document, [agency, number, fromWhere]] of Object.entries(VJA_DOCUMENTS)) {
    const rows = await sql<{ week: string; numbers: string[] }>(
      agency,
      `select to_char(date_trunc('week', d.valid_until), 'YYYY-MM-DD') as week, array_agg(${number}) as numbers ${fromWhere}
       and d.issued_on <= ? and d.valid_until between ? and ? group by 1`,
      [from, from, addDays(from, days)],
    );
    records[document] = new Map(rows.map((row) => [row.week, row.numbers.map((n) => documentRecordId(document, n))]));
  }
  return records;
}

/** Vijayawada's workers' ids (of one occupation). */
async function vjaWorkers(occupation?: string): Promise<string[]> {
  const rows = await sql('labour', `select id from worker where city_code = 'VJA'${occupation ? ' and occupation = ?' : ''}`, occupation ? [occupation] : []);
  return rows.map((row) => row.id);
}

interface ShownTable {
  head: { text: string; series?: string; colour?: string }[];
  rows: { data: Record<string, string>; time?: string; heading: string; cells: string[] }[];
  foot: string[];
}

/** A chart's table as the page shows it. */
function readTable(page: Page, name: string): Promise<ShownTable> {
  // A function, not a string: the page's CSP forbids evaluating strings, for tests as for anyone.
  // The elements are typed `any`: this file is compiled for Node, without the DOM's types.
  return page.locator(`table[data-table="${name}"]`).evaluate((table) => ({
    head: [...table.querySelectorAll('thead th')].map((th: any) => ({ text: th.textContent, series: th.dataset.series, colour: th.dataset.colour })),
    rows: [...table.querySelectorAll('tbody tr')].map((tr: any) => ({
      data: { ...tr.dataset },
      time: tr.querySelector('th time')?.getAttribute('datetime') ?? undefined,
      heading: tr.querySelector('th')?.textContent ?? '',
      cells: [...tr.querySelectorAll('td')].map((td: any) => td.textContent),
    })),
    foot: [...table.querySelectorAll('tfoot td')].map((td: any) => td.textContent),
  }));
}

/** The cells under the column headed `heading` (a series key or the heading's text); the row's own heading is column 0. */
function column(table: ShownTable, heading: string, rows = table.rows): string[] {
  const index = table.head.findIndex((th) => th.series === heading || th.text === heading);
  expect(index).toBeGreaterThan(0);
  return rows.map((row) => row.cells[index - 1]);
}

/** A cell the chart draws as a bar or a point above zero: a number or percentage, not "withheld", "—" or 0. */
const drawsSomething = (cell: string) => Number.parseFloat(cell.replace(/,/g, '')) > 0;

function tileValue(page: Page, tile: string): Promise<string> {
  return page.locator(`[data-tile="${tile}"] .tile-value`).innerText();
}

/** Waits for the page to say it has got to `state` (the dashboard keeps it in `<body data-state>`). */
function waitForState(page: Page, state: string): Promise<void> {
  return page.locator(`body[data-state="${state}"]`).waitFor({ state: 'attached', timeout: 60_000 });
}

/** How many pixels of each colour (0xrrggbb) an image has: counted once, then asked about many colours. */
function colourCounts(png: Buffer): Map<number, number> {
  const { data } = PNG.sync.read(png);
  const counts = new Map<number, number>();
  for (let offset = 0; offset < data.length; offset += 4) {
    const rgb = data.readUInt32BE(offset) >>> 8;
    counts.set(rgb, (counts.get(rgb) ?? 0) + 1);
  }
  return counts;
}

/** Pixels within a few levels of `colour` (#rrggbb) per channel: a solid fill, less its anti-aliased edges. */
function pixelsOf(counts: Map<number, number>, colour: string): number {
  const target = Number.parseInt(colour.slice(1), 16);
  const near = (rgb: number, shift: number) => Math.abs(((rgb >> shift) & 0xff) - ((target >> shift) & 0xff)) <= 6;
  let pixels = 0;
  for (const [rgb, count] of counts) if (near(rgb, 16) && near(rgb, 8) && near(rgb, 0)) pixels += count;
  return pixels;
}

/** More than a legend swatch (12×12) could paint: the series is drawn on the chart. */
const DRAWN_PIXELS = 500;

const CHARTS = [
  { name: 'occupation', shot: '[data-panel="occupation"] .chart-box' },
  // Wider than the page: the screenshot holds the part in view, at least its first eight wards.
  { name: 'ward', shot: '[data-panel="ward"] .chart-scroll', rowsInView: 8 },
  { name: 'cigFormation', shot: '[data-panel="cigFormation"] .chart-box' },
  { name: 'expiring', shot: '[data-panel="expiring"] .chart-box' },
  { name: 'convergence', shot: '[data-panel="convergence"] .chart-box' },
];

/** The catalogue's schemes in its own order (schema/schemes.yaml), as the page must list them. */
const CATALOGUE: string[] = parseYaml(readFileSync(path.join(__dirname, '..', 'schema', 'schemes.yaml'), 'utf8')).schemes.map((scheme: { id: string }) => scheme.id);

/** A convergence count as the page shows it: null when a fact the rule needs is not shared. */
const schemeCount = (count: number | null) => (count === null ? 'not shared' : count.toLocaleString('en-IN'));
const countOf = (cell: string) => Number(cell.replace(/,/g, ''));

describeInBrowser('the coverage dashboard in a browser', () => {
  let browser: Browser;
  let vjaToken: string;

  beforeAll(async () => {
    browser = (await launchBrowser())!;
    vjaToken = (await stack.headersFor({ jurisdiction: 'city:VJA' })).authorization.replace(/^Bearer /, '');
  }, 60_000);
  afterAll(() => browser?.close());

  /** A fresh tab (its own sessionStorage) on /dashboard, with every request it makes and every problem it logs. */
  async function openDashboard() {
    const { page, requests, problems } = await openPage(browser, `${origin}/dashboard`, { width: 1280, height: 900 });
    return { page, requests, problems, dashboardRequests: () => requests.filter((request) => request.postData()?.includes('"operationName":"Dashboard"')) };
  }

  async function openWithToken(token: string, state = 'ready') {
    const opened = await openDashboard();
    await waitForState(opened.page, 'no-token');
    await opened.page.getByLabel('Token').fill(token);
    await waitForState(opened.page, state);
    return opened;
  }

  function expectOnlyTheGateway(requests: { url(): string }[]) {
    const urls = requests.map((request) => request.url());
    expect(urls).toEqual(expect.arrayContaining([`${origin}/dashboard`, `${origin}/dashboard/main.js`, `${origin}/dashboard/main.css`]));
    expect(urls.filter((url) => new URL(url).origin !== origin)).toEqual([]);
  }

  test('without a token, asks for one and calls nothing', async () => {
    const { page, requests, problems } = await openDashboard();
    await waitForState(page, 'no-token');
    await expect(page.locator('#status').innerText()).resolves.toMatch(/Paste a bearer token/);
    expect(await page.locator('#results').isHidden()).toBe(true);
    expect(await page.getByLabel('Purpose').inputValue()).toBe('Statistics');
    expect(requests.filter((request) => new URL(request.url()).pathname === '/graphql')).toEqual([]);
    expectOnlyTheGateway(requests);
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  test('shows a Vijayawada analyst the figures the agencies’ own tables give, drawn in every series’ colour', async () => {
    const { page, requests, problems, dashboardRequests } = await openWithToken(vjaToken);
    expect(dashboardRequests()).toHaveLength(1);
    expect(dashboardRequests()[0].headers()).toMatchObject({ authorization: `Bearer ${vjaToken}`, 'x-purpose': 'Statistics' });

    const workers = await vjaWorkers();
    expect(await tileValue(page, 'workers')).toBe(shown(workers));

    // Every occupation has a row; one without workers here shows 0.
    const perOccupation = new Map<string, string[]>();
    for (const row of await sql('labour', `select occupation, array_agg(id) as ids from worker where city_code = 'VJA' group by 1`)) perOccupation.set(row.occupation, row.ids);
    const occupations = await readTable(page, 'occupation');
    expect(occupations.rows.map((row) => row.data.occupation).sort()).toEqual(['CARE', 'CONSTRUCTION', 'DOMESTIC', 'GIG', 'HOME_BASED', 'STREET_VENDOR', 'TRANSPORT', 'WASTE']);
    expect(Object.fromEntries(occupations.rows.map((row, at) => [row.data.occupation, column(occupations, 'Workers')[at]]))).toEqual(
      Object.fromEntries(occupations.rows.map((row) => [row.data.occupation, shown(perOccupation.get(row.data.occupation) ?? [])])),
    );
    // The total is perturbed on its own, not added up from the rows.
    expect(occupations.foot[0]).toBe(shown(workers));

    // Months without a new CIG are shown as 0, so the months run on without a gap.
    const cigsPerMonth = await sql('mepma', `select to_char(formed_on, 'YYYY-MM') as month, count(*)::int as cigs from cig where city_code = 'VJA' group by 1 order by 1`);
    expect(cigsPerMonth.length).toBeGreaterThan(1);
    const formation = await readTable(page, 'cigFormation');
    const months = formation.rows.map((row) => row.time!);
    const formed = column(formation, 'formed').map(Number);
    expect(months.map((month, at) => [month, formed[at]]).filter(([, cigs]) => cigs !== 0)).toEqual(cigsPerMonth.map((row) => [row.month, row.cigs]));
    expect([months[0], months.at(-1)]).toEqual([cigsPerMonth[0].month, cigsPerMonth.at(-1).month]);
    for (let at = 1; at < months.length; at += 1) expect(new Date(`${months[at]}-01`).getUTCMonth()).toBe((new Date(`${months[at - 1]}-01`).getUTCMonth() + 1) % 12);
    const cumulative = column(formation, 'cumulative').map(Number);
    expect(cumulative).toEqual(formed.map((_, at) => formed.slice(0, at + 1).reduce((sum, cigs) => sum + cigs, 0)));
    expect(formation.foot[0]).toBe(String(cigsPerMonth.reduce((sum, row) => sum + row.cigs, 0)));

    // Every week and kind, and the total, as Transport's and Municipal's tables hold them.
    const expiring = await expiringInVja(WITHIN_DAYS);
    const expiry = await readTable(page, 'expiring');
    for (const document of Object.keys(VJA_DOCUMENTS)) {
      const cells = column(expiry, document);
      expect(expiry.rows.map((row, at) => [document, row.time, cells[at]])).toEqual(expiry.rows.map((row) => [document, row.time, shown(expiring[document].get(row.time!) ?? [])]));
    }
    const weeksCounted = Object.values(expiring).flatMap((weeks) => [...weeks.keys()]);
    expect(weeksCounted.every((week) => expiry.rows.some((row) => row.time === week))).toBe(true);
    expect(expiry.foot).toEqual([shown(Object.values(expiring).flatMap((weeks) => [...weeks.values()].flat()))]);
    expect(column(expiry, 'DRIVING_LICENCE').some(drawsSomething)).toBe(true);

    mkdirSync(OUTPUT, { recursive: true });
    const fullPage = await page.screenshot({ fullPage: true });
    writeFileSync(path.join(OUTPUT, 'dashboard.png'), fullPage);
    const wholePage = colourCounts(fullPage);
    for (const { name, shot, rowsInView } of CHARTS) {
      const table = await readTable(page, name);
      const series = table.head.filter((th) => th.series);
      const drawn = series.filter((th) => column(table, th.series!, table.rows.slice(0, rowsInView)).some(drawsSomething));
      expect({ name, drawsSomething: drawn.length > 0 }).toEqual({ name, drawsSomething: true });
      const screenshot = await page.locator(shot).screenshot();
      writeFileSync(path.join(OUTPUT, `dashboard-${name}.png`), screenshot);
      const image = colourCounts(screenshot);
      for (const { series: key, colour } of drawn) {
        expect({ name, key, drawnHere: pixelsOf(image, colour!) > DRAWN_PIXELS, inFullPage: pixelsOf(wholePage, colour!) > DRAWN_PIXELS }).toEqual({
          name,
          key,
          drawnHere: true,
          inFullPage: true,
        });
      }
      // A withheld figure is left out of the chart, not drawn as something else: no bars in its colour.
      if (!rowsInView) {
        for (const { series: key, colour } of series.filter((th) => !drawn.includes(th))) {
          expect({ name, key, drawnHere: pixelsOf(image, colour!) > DRAWN_PIXELS }).toEqual({ name, key, drawnHere: false });
        }
      }
    }

    expectOnlyTheGateway(requests);
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  test('the single window shows, per scheme and per ward, the convergence figures the gateway gives the same token, the wards with the most to do first', async () => {
    const { page, requests, problems, dashboardRequests } = await openWithToken(vjaToken);
    // The same request again, by the same caller: what `convergence` answers is what the page must show.
    const sent = dashboardRequests()[0];
    const response = await fetch(sent.url(), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${vjaToken}`, 'x-purpose': 'Statistics' }, body: sent.postData()! });
    const answer = (await response.json()) as { data: DashboardQuery; errors?: unknown[] };
    expect(answer.errors).toBeUndefined();
    const { convergence, convergenceByWard } = answer.data;
    expect(convergence.total.figures.map((figure) => figure.scheme.id)).toEqual(CATALOGUE);

    const schemes = await readTable(page, 'convergence');
    expect(schemes.rows.map((row) => row.data.scheme)).toEqual(CATALOGUE);
    expect(schemes.head.map((th) => th.text)).toEqual(['Scheme', 'Enrolled by', 'Eligible', 'Enrolled', 'Eligible, not enrolled']);
    const [eligibleCells, enrolledCells, gapCells] = ['eligible', 'enrolled', 'gap'].map((series) => column(schemes, series));
    expect(
      schemes.rows.map((row, at) => ({
        scheme: row.data.scheme,
        title: row.heading,
        enrolledBy: row.cells[0].toLowerCase(),
        eligible: eligibleCells[at],
        enrolled: enrolledCells[at],
        gap: gapCells[at],
      })),
    ).toEqual(
      convergence.total.figures.map(({ scheme, eligible, enrolled, gap }) => ({
        scheme: scheme.id,
        // The title without its parenthesis, then the id.
        title: `${scheme.title.replace(/\s*\(.*\)$/, '')} ${scheme.id}`,
        enrolledBy: scheme.enrolledBy,
        eligible: schemeCount(eligible),
        enrolled: schemeCount(enrolled),
        gap: schemeCount(gap),
      })),
    );
    // Somebody in Vijayawada is eligible and not enrolled: the chart has a gap to draw.
    expect(gapCells.some(drawsSomething)).toBe(true);
    // A fact not shared with analysts is named under the table, not passed off as a count.
    const withheld = convergence.total.figures.filter((figure) => figure.withheldFacts.length);
    const note = await page.locator('#convergence-withheld').innerText();
    for (const { withheldFacts } of withheld) for (const fact of withheldFacts) expect(note).toContain(fact);
    if (!withheld.length) expect(note).toBe('');

    // Every Vijayawada ward the report has, each with its gap per scheme, the largest total first.
    const wards = await readTable(page, 'convergence-ward');
    const expected = convergenceByWard.rows.filter((found) => found.ward);
    expect(expected.length).toBeGreaterThan(1);
    expect(expected.every(({ ward }) => ward!.code.startsWith('VJA-'))).toBe(true);
    expect(wards.head.map((th) => th.text).slice(0, 2)).toEqual(['Ward', 'All worklists']);
    expect(wards.rows.map((row) => row.data.ward).sort()).toEqual(expected.map(({ ward }) => ward!.code).sort());
    for (const row of wards.rows) {
      const { ward, figures } = expected.find((found) => found.ward!.code === row.data.ward)!;
      const gaps = CATALOGUE.map((id) => figures.find((figure) => figure.scheme.id === id)!.gap);
      expect({ ward: row.data.ward, heading: row.heading, cells: row.cells }).toEqual({
        ward: ward!.code,
        heading: `${ward!.name} ${ward!.code}`,
        cells: [gaps.reduce<number>((sum, gap) => sum + (gap ?? 0), 0).toLocaleString('en-IN'), ...gaps.map(schemeCount)],
      });
    }
    const totals = column(wards, 'All worklists').map(countOf);
    expect(totals).toEqual([...totals].sort((a, b) => b - a));
    expect(totals[0]).toBeGreaterThan(0);
    mkdirSync(OUTPUT, { recursive: true });
    writeFileSync(path.join(OUTPUT, 'dashboard-single-window.png'), await page.locator('[data-panel="convergence"]').screenshot());

    expectOnlyTheGateway(requests);
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  test('choosing an occupation asks once, and shows that occupation’s workers', async () => {
    const { page, requests, problems, dashboardRequests } = await openWithToken(vjaToken);
    const before = dashboardRequests().length;
    await page.getByLabel('Occupation', { exact: true }).selectOption('STREET_VENDOR');
    await waitForState(page, 'ready');
    expect(dashboardRequests().length - before).toBe(1);
    // The page sends the registered operation's id, never its text.
    const sent = JSON.parse(dashboardRequests().at(-1)!.postData()!);
    expect(sent.documentId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(sent).not.toHaveProperty('query');
    expect(JSON.parse(dashboardRequests().at(-1)!.postData()!).variables).toMatchObject({
      filter: { occupation: 'STREET_VENDOR' },
      cigFilter: { occupation: 'STREET_VENDOR' },
      withinDays: WITHIN_DAYS,
    });

    const vendors = await vjaWorkers('STREET_VENDOR');
    expect(vendors.length).toBeGreaterThan(0);
    expect(await tileValue(page, 'workers')).toBe(shown(vendors));
    const occupations = await readTable(page, 'occupation');
    expect(occupations.rows.map((row) => [row.data.occupation, row.cells[0]])).toEqual([['STREET_VENDOR', shown(vendors)]]);

    expectOnlyTheGateway(requests);
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  test('a city outside the token’s jurisdiction is refused in words, and no figure stays on screen', async () => {
    const { page, requests, problems } = await openWithToken(vjaToken);
    const colours = await page.locator('th[data-colour]').evaluateAll((headings) => headings.map((th: any) => th.dataset.colour as string));
    expect(colours.length).toBeGreaterThan(10);
    await page.getByLabel('City', { exact: true }).selectOption('GVMC');
    await waitForState(page, 'error');

    const message = await page.locator('#status').innerText();
    expect(message).toMatch(/Not allowed/);
    expect(message).toMatch(/does not cover GVMC/);
    expect(message).toMatch(/All within my jurisdiction/);
    expect(await page.locator('#results').isHidden()).toBe(true);
    expect(await page.locator('table[data-table] tr').count()).toBe(0);
    expect(await page.locator('.tile-value').allTextContents()).toEqual(['', '', '', '']);

    // Nor does any chart linger: no series' colour is left on the page.
    const image = colourCounts(await page.screenshot({ fullPage: true }));
    expect(colours.filter((colour) => pixelsOf(image, colour) > 50)).toEqual([]);

    expectOnlyTheGateway(requests);
    // The gateway answers a refusal with 403, which the browser itself reports as a failed load; nothing else may go wrong.
    expect(problems.filter((problem) => !/status of 403/.test(problem))).toEqual([]);
    await page.close();
  }, 120_000);

  test('a token the gateway does not accept is explained, not a blank page', async () => {
    const { page, requests, problems } = await openWithToken('not-a-token', 'error');
    const message = await page.locator('#status').innerText();
    expect(message).toMatch(/did not accept your token/);
    expect(message).toMatch(/npm run -s token/);
    expect(await page.locator('#results').isHidden()).toBe(true);
    expectOnlyTheGateway(requests);
    // The browser itself reports the 401 as a failed load; nothing else may go wrong.
    expect(problems.filter((problem) => !/status of 401/.test(problem))).toEqual([]);
    await page.close();
  }, 120_000);
});
