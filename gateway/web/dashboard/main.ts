/**
 * The coverage dashboard: headline tiles and five charts, each with a table of exactly the figures
 * it draws, and the single window's worklist sizes per ward, from one `Dashboard` request per
 * change of filter, sent by its registered id (the typed client sends `documentId`, so analysts
 * need no more than that). `document.body.dataset.state` says where the page is (`loading`,
 * `ready`, `error`, or `no-token` before a token is pasted), for people's stylesheets and for
 * tests alike.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type ChartDataset,
} from 'chart.js';
import {
  DashboardDocument,
  type CoverageIndicator,
  type DashboardQuery,
  type DashboardQueryVariables,
  type DocumentKind,
  type Occupation,
} from '../../../client/generated/graphql';
import { request, WorkerGraphError } from '../../../client/request';
import { createCredentialsBar } from '../shared/credentials';
import { h } from '../shared/dom';
import places from '../../../src/shared/reference/places.json';
import './dashboard.css';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);

const FONT_FAMILY = 'system-ui, "Segoe UI", Roboto, "Noto Sans", sans-serif';
Chart.defaults.font.family = FONT_FAMILY;
Chart.defaults.color = '#3b4252';
// Screenshots and the tables must show the same finished picture, never a frame of a transition.
Chart.defaults.animation = false;
// Small legend swatches: the colour on the chart is then almost all bars and lines.
Chart.defaults.plugins.legend.labels.boxWidth = 12;
Chart.defaults.plugins.legend.labels.boxHeight = 12;

/** The cities of the reference data, bundled from the same file the members read. */
const CITIES: Record<string, string> = Object.fromEntries(places.cities.map((city) => [city.code, city.name]));

const OCCUPATIONS: Record<Occupation, string> = {
  CONSTRUCTION: 'Construction workers',
  GIG: 'Gig and platform workers',
  DOMESTIC: 'Domestic workers',
  CARE: 'Care workers',
  WASTE: 'Waste pickers',
  TRANSPORT: 'Transport workers',
  STREET_VENDOR: 'Street vendors',
  HOME_BASED: 'Home-based workers',
};

const EXPIRY_WINDOWS = [30, 60, 90, 180];
const DEFAULT_EXPIRY_WINDOW = 90;

interface Series {
  label: string;
  colour: string;
}

/** The indicators the occupation chart draws (credit linkage is a loan, not coverage), each with a colour of its own. */
const OCCUPATION_INDICATORS: Partial<Record<CoverageIndicator, Series>> = {
  CIG_MEMBER: { label: 'CIG member', colour: '#1f5fa8' },
  BANK_LINKED: { label: 'Bank-linked', colour: '#e07b00' },
  SAVINGS: { label: 'Saving', colour: '#2e9c5a' },
  SOCIAL_SECURITY: { label: 'Social security', colour: '#8e44ad' },
  DRIVING_LICENCE: { label: 'Driving licence', colour: '#c62828' },
  VENDING_CERTIFICATE: { label: 'Vending certificate', colour: '#00897b' },
  ANGANWADI: { label: 'Anganwadi', colour: '#b8860b' },
};

/** The ward chart's indicators: the selection `byWard` asks for, in the occupation chart's colours. */
const WARD_INDICATORS: CoverageIndicator[] = ['CIG_MEMBER', 'BANK_LINKED', 'SOCIAL_SECURITY'];

const CIG_SERIES = { formed: { label: 'CIGs formed', colour: '#1f5fa8' }, cumulative: { label: 'CIGs in all', colour: '#e07b00' } };

/** Same colour for the same document as in the occupation chart where there is one. */
const DOCUMENTS: Record<DocumentKind, Series> = {
  DRIVING_LICENCE: { label: 'Driving licence', colour: '#c62828' },
  PSV_BADGE: { label: 'PSV badge', colour: '#f9a825' },
  VEHICLE_PERMIT: { label: 'Vehicle permit', colour: '#6d4c41' },
  VENDING_CERTIFICATE: { label: 'Vending certificate', colour: '#00897b' },
  TRADE_LICENCE: { label: 'Trade licence', colour: '#3949ab' },
};

/** The single window's series: eligible, enrolled, and the gap between them (the worklist). */
const CONVERGENCE_SERIES = {
  eligible: { label: 'Eligible', colour: '#1f5fa8' },
  enrolled: { label: 'Enrolled', colour: '#2e9c5a' },
  gap: { label: 'Eligible, not enrolled', colour: '#d84315' },
} satisfies Record<string, Series>;

/** The agencies that enrol people into a scheme, as the catalogue names them (`enrolledBy`). */
const AGENCIES: Record<string, string> = { labour: 'Labour', mepma: 'MEPMA', transport: 'Transport', municipal: 'Municipal', icds: 'ICDS' };

const WITHHELD = 'withheld';
/** A convergence figure whose rule needs a fact an agency does not share with this caller. */
const NOT_SHARED = 'not shared';
const TOKEN_COMMAND = 'npm run -s token -- --agency mepma --role analyst --jurisdiction city:VJA';

const numbers = new Intl.NumberFormat('en-IN');
const monthNames = new Intl.DateTimeFormat('en-IN', { month: 'short', year: 'numeric', timeZone: 'UTC' });
const dayNames = new Intl.DateTimeFormat('en-IN', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

type Figure = DashboardQuery['byOccupation']['total']['figures'][number];
type SchemeFigure = DashboardQuery['convergence']['total']['figures'][number];
type Scheme = SchemeFigure['scheme'];

/** A cell's text: the figure, "withheld" when too few people to publish, or "—" when nobody is eligible. */
function percentText(figure: Figure | undefined): string {
  if (!figure || figure.suppressed) return WITHHELD;
  return figure.ratio === null ? '—' : `${(figure.ratio * 100).toFixed(1)}%`;
}

/** What a chart draws for a figure: a percentage, or nothing where the table says withheld or "—". */
function percentValue(figure: Figure | undefined): number | null {
  return figure && !figure.suppressed && figure.ratio !== null ? Number((figure.ratio * 100).toFixed(1)) : null;
}

function countText(count: number | null | undefined): string {
  return count === null || count === undefined ? WITHHELD : numbers.format(count);
}

/** A convergence count: null only when a fact its rule needs is not shared (small counts are perturbed, never withheld). */
function schemeCountText(count: number | null): string {
  return count === null ? NOT_SHARED : numbers.format(count);
}

/** "Atal Pension Yojana" from "Atal Pension Yojana (…)": the name, without what the parenthesis explains. */
const schemeName = (scheme: Scheme) => scheme.title.replace(/\s*\(.*\)$/, '');

/** The name in a column heading, nine abreast: "PM" as the catalogue itself writes it for PM SVANidhi. */
const schemeHeading = (scheme: Scheme) => schemeName(scheme).replace(/^Pradhan Mantri /, 'PM ');

/** A chart label on lines of at most `width` characters (chart.js draws an array as lines). */
function wrapped(text: string, width = 34): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    if (lines.length && `${lines[lines.length - 1]} ${word}`.length <= width) lines[lines.length - 1] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

const figureOf = (figures: Figure[], indicator: CoverageIndicator) => figures.find((figure) => figure.indicator === indicator);

// ---------------------------------------------------------------------------------------------
// The page's parts

const credentials = createCredentialsBar({ page: 'dashboard', defaultPurpose: 'Statistics', tokenCommand: TOKEN_COMMAND });
document.querySelector('.masthead')!.after(credentials.element);

const filters = document.getElementById('filters') as HTMLFormElement;
const citySelect = filters.elements.namedItem('city') as HTMLSelectElement;
const occupationSelect = filters.elements.namedItem('occupation') as HTMLSelectElement;
const windowSelect = filters.elements.namedItem('withinDays') as HTMLSelectElement;
citySelect.append(h('option', { value: '' }, 'All within my jurisdiction'), ...Object.entries(CITIES).map(([code, name]) => h('option', { value: code }, `${name} (${code})`)));
occupationSelect.append(h('option', { value: '' }, 'All occupations'), ...Object.entries(OCCUPATIONS).map(([code, label]) => h('option', { value: code }, label)));
windowSelect.append(...EXPIRY_WINDOWS.map((days) => h('option', { value: days, selected: days === DEFAULT_EXPIRY_WINDOW }, `${days} days`)));

const status = document.getElementById('status')!;
const results = document.getElementById('results')!;
const charts = new Map<string, Chart>();

function table(name: string): HTMLTableElement {
  return document.querySelector(`table[data-table="${name}"]`)!;
}

/** A column heading with a swatch of the colour its figures are drawn in: the chart's legend, for the table. */
function seriesHeading(key: string, { label, colour }: Series): HTMLTableCellElement {
  const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
  swatch.style.background = colour;
  return h('th', { scope: 'col', 'data-series': key, 'data-colour': colour }, swatch, label);
}

/** Fills a chart's table; a column drawn in the chart is named by its series as `[key, series]`, any other by its text or its own heading cell. */
function fillTable(name: string, caption: string, head: (string | [string, Series] | HTMLTableCellElement)[], body: HTMLTableRowElement[], foot?: HTMLTableRowElement) {
  const headings = head.map((column) => (typeof column === 'string' ? h('th', { scope: 'col' }, column) : Array.isArray(column) ? seriesHeading(...column) : column));
  table(name).replaceChildren(h('caption', {}, caption), h('thead', {}, h('tr', {}, headings)), h('tbody', {}, body), ...(foot ? [h('tfoot', {}, foot)] : []));
}

/** A table row: its heading cell, then one cell per text; withheld and empty figures are marked for the stylesheet. */
function row(heading: Node | string, cells: string[], attributes: Record<string, string> = {}): HTMLTableRowElement {
  return h(
    'tr',
    attributes,
    h('th', { scope: 'row' }, heading),
    cells.map((text) => h('td', { class: text === WITHHELD || text === NOT_SHARED ? 'withheld' : text === '0' || text === '—' ? 'empty' : undefined }, text)),
  );
}

function emptyRow(columns: number, text: string): HTMLTableRowElement {
  return h('tr', {}, h('td', { colspan: columns, class: 'empty' }, text));
}

function draw(name: string, config: ChartConfiguration<'bar' | 'line'>) {
  charts.get(name)?.destroy();
  const canvas = document.querySelector<HTMLCanvasElement>(`canvas[data-chart="${name}"]`)!;
  charts.set(name, new Chart(canvas, config));
  // An empty grid alone would look like a fault: the stylesheet says why there is nothing on it.
  const drawsSomething = config.data.datasets.some((dataset) => dataset.data.some((value) => typeof value === 'number' && value > 0));
  canvas.closest('.panel')!.classList.toggle('nothing-drawn', !drawsSomething);
}

const percentAxis = { min: 0, max: 100, ticks: { callback: (value: string | number) => `${value}%` }, title: { display: true, text: 'Share covered' } };

function barDataset(series: Series, data: (number | null)[]): ChartDataset<'bar', (number | null)[]> {
  return { label: series.label, data, backgroundColor: series.colour, borderColor: series.colour, borderWidth: 0 };
}

// ---------------------------------------------------------------------------------------------
// Each part from the answer

function renderTiles({ byOccupation }: DashboardQuery) {
  const { total } = byOccupation;
  const tile = (name: string, value: string, detail: string) => {
    const element = document.querySelector(`[data-tile="${name}"]`)!;
    element.querySelector('.tile-value')!.textContent = value;
    element.querySelector('.tile-detail')!.textContent = detail;
    element.classList.toggle('withheld', value === WITHHELD);
  };
  tile('workers', countText(total.suppressed ? null : total.workers), 'registered with Labour');
  const coverageTile = (name: string, indicator: CoverageIndicator, among: string) => {
    const figure = figureOf(total.figures, indicator);
    const shown = figure && !figure.suppressed;
    tile(name, shown ? countText(figure.covered) : WITHHELD, shown ? `${percentText(figure)} of ${among}` : 'too few people to publish');
  };
  coverageTile('cigMembers', 'CIG_MEMBER', 'workers');
  coverageTile('bankLinked', 'BANK_LINKED', 'workers');
  // Counted among the workers a Labour scheme could enrol, not among all of them.
  coverageTile('socialSecurity', 'SOCIAL_SECURITY', 'those eligible');
}

function renderOccupations({ byOccupation }: DashboardQuery, chosen: Occupation | null) {
  const indicators = Object.entries(OCCUPATION_INDICATORS) as [CoverageIndicator, Series][];
  const occupations = chosen ? [chosen] : (Object.keys(OCCUPATIONS) as Occupation[]);
  // An occupation without a row has no workers here: a true zero, not a withheld figure.
  const rows = occupations.map((occupation) => ({
    occupation,
    found: byOccupation.rows.find((candidate) => candidate.occupation === occupation),
  }));
  draw('occupation', {
    type: 'bar',
    data: {
      labels: occupations.map((occupation) => OCCUPATIONS[occupation]),
      datasets: indicators.map(([indicator, series]) => barDataset(series, rows.map(({ found }) => (found ? percentValue(figureOf(found.figures, indicator)) : null)))),
    },
    options: { responsive: true, maintainAspectRatio: false, scales: { y: percentAxis }, plugins: { legend: { position: 'bottom' } } },
  });
  const figureCells = (figures: Figure[]) => indicators.map(([indicator]) => percentText(figureOf(figures, indicator)));
  fillTable(
    'occupation',
    'Workers and the share covered, by occupation',
    ['Occupation', 'Workers', ...indicators],
    rows.map(({ occupation, found }) =>
      row(OCCUPATIONS[occupation], found ? [countText(found.suppressed ? null : found.workers), ...figureCells(found.figures)] : ['0', ...indicators.map(() => '—')], {
        'data-occupation': occupation,
      }),
    ),
    row('All shown', [countText(byOccupation.total.suppressed ? null : byOccupation.total.workers), ...figureCells(byOccupation.total.figures)]),
  );
}

/** Room for each ward's three bars and its two-line name: wider than the panel, it scrolls. */
const WARD_WIDTH_PX = 104;

function renderWards({ byWard }: DashboardQuery) {
  const wards = byWard.rows.filter((found) => found.ward);
  const severalCities = new Set(wards.map(({ ward }) => ward!.code.split('-')[0])).size > 1;
  const chartBox = document.querySelector<HTMLElement>('[data-panel="ward"] .chart-box')!;
  chartBox.style.width = `max(100%, ${wards.length * WARD_WIDTH_PX}px)`;
  draw('ward', {
    type: 'bar',
    data: {
      // "Ward 7 — Labbipet" on two lines; "Ward 7" is in more than one city.
      labels: wards.map(({ ward }) => {
        const [number, ...locality] = ward!.name.split(' — ');
        return [severalCities ? `${number} (${ward!.code.split('-')[0]})` : number, ...locality];
      }),
      datasets: WARD_INDICATORS.map((indicator) => barDataset(OCCUPATION_INDICATORS[indicator]!, wards.map(({ figures }) => percentValue(figureOf(figures, indicator))))),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      scales: { x: { ticks: { autoSkip: false, maxRotation: 0, font: { size: 11 } } }, y: percentAxis },
      plugins: { legend: { position: 'bottom', align: 'start' } },
    },
  });
  fillTable(
    'ward',
    'Workers and the share covered, by ward',
    ['Ward', 'Workers', ...WARD_INDICATORS.map((indicator): [string, Series] => [indicator, OCCUPATION_INDICATORS[indicator]!])],
    wards.length
      ? wards.map(({ ward, workers, suppressed, figures }) =>
          row(h('span', {}, ward!.name, ' ', h('span', { class: 'code' }, ward!.code)), [countText(suppressed ? null : workers), ...WARD_INDICATORS.map((indicator) => percentText(figureOf(figures, indicator)))], {
            'data-ward': ward!.code,
          }),
        )
      : [emptyRow(2 + WARD_INDICATORS.length, 'No workers in this selection.')],
  );
}

/** Room for each scheme's three bars and its wrapped title. */
const SCHEME_HEIGHT_PX = 58;

function renderConvergence({ convergence }: DashboardQuery) {
  const figures = convergence.total.figures;
  const series = Object.entries(CONVERGENCE_SERIES) as ['eligible' | 'enrolled' | 'gap', Series][];
  document.querySelector<HTMLElement>('[data-panel="convergence"] .chart-box')!.style.height = `${Math.max(320, figures.length * SCHEME_HEIGHT_PX)}px`;
  draw('convergence', {
    type: 'bar',
    data: {
      labels: figures.map(({ scheme }) => wrapped(scheme.title)),
      // A figure that is not shared is left out of the chart, as the table says.
      datasets: series.map(([key, style]) => barDataset(style, figures.map((figure) => figure[key]))),
    },
    options: {
      indexAxis: 'y',
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: { beginAtZero: true, ticks: { precision: 0, callback: (value: string | number) => numbers.format(Number(value)) }, title: { display: true, text: 'Workers' } },
        y: { ticks: { autoSkip: false, font: { size: 12 } } },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });
  fillTable(
    'convergence',
    'Workers eligible for each scheme today, those enrolled, and the gap',
    ['Scheme', 'Enrolled by', ...series],
    figures.map(({ scheme, eligible, enrolled, gap }) =>
      row(h('span', {}, schemeName(scheme), ' ', h('span', { class: 'code' }, scheme.id)), [AGENCIES[scheme.enrolledBy] ?? scheme.enrolledBy, ...[eligible, enrolled, gap].map(schemeCountText)], {
        'data-scheme': scheme.id,
      }),
    ),
  );
  const withheld = figures.filter((figure) => figure.withheldFacts.length);
  document.getElementById('convergence-withheld')!.textContent = withheld.length
    ? `Not shown (${NOT_SHARED}): ${withheld.map(({ scheme, withheldFacts }) => `${schemeName(scheme)} needs ${withheldFacts.join(', ')}`).join('; ')}, which the holding agency does not share with you.`
    : '';
}

/** Each ward's worklists: the gap per scheme, the wards with the most workers to visit first. */
function renderConvergenceWards({ convergence, convergenceByWard }: DashboardQuery) {
  const schemes = convergence.total.figures.map((figure) => figure.scheme);
  const wards = convergenceByWard.rows
    .filter((found) => found.ward)
    .map(({ ward, figures }) => {
      const gaps = schemes.map((scheme) => figures.find((figure) => figure.scheme.id === scheme.id)?.gap ?? null);
      return { ward: ward!, gaps, total: gaps.reduce<number>((sum, gap) => sum + (gap ?? 0), 0) };
    })
    .sort((a, b) => b.total - a.total || a.ward.code.localeCompare(b.ward.code));
  fillTable(
    'convergence-ward',
    'Workers eligible and not enrolled, per ward and scheme: the size of each worklist',
    ['Ward', 'All worklists', ...schemes.map((scheme) => h('th', { scope: 'col', 'data-scheme': scheme.id, title: scheme.title }, schemeHeading(scheme)))],
    wards.length
      ? wards.map(({ ward, gaps, total }) =>
          row(h('span', {}, ward.name, ' ', h('span', { class: 'code' }, ward.code)), [numbers.format(total), ...gaps.map(schemeCountText)], { 'data-ward': ward.code }),
        )
      : [emptyRow(2 + schemes.length, 'No workers in this selection.')],
  );
}

/** Every month from the first to the last, so months without a new CIG show as such. */
function monthsBetween(first: string, last: string): string[] {
  const months: string[] = [];
  for (let [year, month] = first.split('-').map(Number); `${year}-${String(month).padStart(2, '0')}` <= last; month === 12 ? ((month = 1), (year += 1)) : (month += 1)) {
    months.push(`${year}-${String(month).padStart(2, '0')}`);
  }
  return months;
}

function renderCigFormation({ cigFormation }: DashboardQuery) {
  const formed = cigFormation.rows.filter((found): found is typeof found & { month: string } => found.month !== null);
  const months = formed.length ? monthsBetween(formed[0].month, formed[formed.length - 1].month) : [];
  let runningTotal = 0;
  const perMonth = months.map((month) => {
    const found = formed.find((candidate) => candidate.month === month);
    runningTotal += found?.cigs ?? 0;
    return { month, cigs: found?.cigs ?? 0, cumulative: runningTotal, members: found ? (found.suppressed ? null : found.members) : 0 };
  });
  const monthLabel = (month: string) => monthNames.format(new Date(`${month}-01T00:00:00Z`));
  draw('cigFormation', {
    type: 'bar',
    data: {
      labels: perMonth.map(({ month }) => monthLabel(month)),
      datasets: [
        // The line goes on top of the bars (a lower order is drawn later); the legend keeps the datasets' order.
        { ...barDataset(CIG_SERIES.formed, perMonth.map(({ cigs }) => cigs)), order: 2 },
        {
          type: 'line',
          label: CIG_SERIES.cumulative.label,
          data: perMonth.map(({ cumulative }) => cumulative),
          borderColor: CIG_SERIES.cumulative.colour,
          backgroundColor: CIG_SERIES.cumulative.colour,
          borderWidth: 3,
          pointRadius: 4,
          yAxisID: 'cumulative',
          order: 1,
        },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'Formed in the month' } },
        cumulative: { position: 'right', beginAtZero: true, ticks: { precision: 0 }, grid: { drawOnChartArea: false }, title: { display: true, text: 'In all' } },
      },
      plugins: { legend: { position: 'bottom', labels: { sort: (a, b) => a.datasetIndex! - b.datasetIndex! } } },
    },
  });
  fillTable(
    'cigFormation',
    'CIGs formed per month',
    ['Month', ['formed', CIG_SERIES.formed], ['cumulative', CIG_SERIES.cumulative], 'Members today'],
    perMonth.length
      ? perMonth.map(({ month, cigs, cumulative, members }) => row(h('time', { datetime: month }, monthLabel(month)), [numbers.format(cigs), numbers.format(cumulative), countText(members)]))
      : [emptyRow(4, 'No CIGs formed in this selection.')],
    row('All months', [numbers.format(cigFormation.total.cigs), '', countText(cigFormation.total.suppressed ? null : cigFormation.total.members)]),
  );
}

const DAY_MS = 86_400_000;

/** The Monday of each week from the one holding `from` to the one holding `to` (ISO dates, UTC), as the report names weeks. */
function weeksBetween(from: string, to: string): string[] {
  const monday = (date: string) => {
    const day = new Date(`${date}T00:00:00Z`);
    return day.getTime() - ((day.getUTCDay() + 6) % 7) * DAY_MS;
  };
  const weeks: string[] = [];
  for (let week = monday(from); week <= monday(to); week += 7 * DAY_MS) weeks.push(new Date(week).toISOString().slice(0, 10));
  return weeks;
}

function renderExpiring({ expiringDocuments }: DashboardQuery, withinDays: number) {
  const { from, to, rows, total } = expiringDocuments;
  const documents = Object.entries(DOCUMENTS) as [DocumentKind, Series][];
  const weeks = weeksBetween(from, to);
  // A week and kind without a row has nothing expiring: zero, unlike a withheld count.
  const countOf = (week: string, document: DocumentKind) => {
    const found = rows.find((candidate) => candidate.week === week && candidate.document === document);
    return found ? (found.suppressed ? null : found.count) : 0;
  };
  const dayLabel = (date: string) => dayNames.format(new Date(`${date}T00:00:00Z`));
  document.getElementById('expiring-explanation')!.textContent =
    `Licences and certificates valid today that run out in the next ${withinDays} days (${dayLabel(from)} to ${dayLabel(to)}), per week of expiry by kind. Not filtered by occupation.`;
  draw('expiring', {
    type: 'bar',
    data: {
      labels: weeks.map(dayLabel),
      datasets: documents.map(([document, series]) => barDataset(series, weeks.map((week) => countOf(week, document)))),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      scales: { x: { stacked: true, title: { display: true, text: 'Week starting' } }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'Documents' } } },
      plugins: { legend: { position: 'bottom' } },
    },
  });
  const totalCell = h('td', { colspan: documents.length, class: total.suppressed ? 'withheld' : undefined }, countText(total.suppressed ? null : total.count));
  fillTable(
    'expiring',
    `Documents expiring per week, ${dayLabel(from)} to ${dayLabel(to)}`,
    ['Week starting', ...documents],
    weeks.map((week) => row(h('time', { datetime: week }, dayLabel(week)), documents.map(([document]) => countText(countOf(week, document))))),
    h('tr', {}, h('th', { scope: 'row' }, 'All weeks, all kinds'), totalCell),
  );
}

// ---------------------------------------------------------------------------------------------
// Loading

function setState(state: 'loading' | 'ready' | 'error' | 'no-token') {
  document.body.dataset.state = state;
  results.setAttribute('aria-busy', String(state === 'loading'));
}

function say(kind: 'info' | 'error', heading: string, ...details: (Node | string)[]) {
  status.className = `status status-${kind}`;
  status.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  status.replaceChildren(h('strong', {}, heading), ...details.map((detail) => h('p', {}, detail)));
}

/** Takes down every figure, so nothing from an earlier answer can pass for an answer to this one. */
function clearFigures() {
  results.hidden = true;
  for (const chart of charts.values()) chart.destroy();
  charts.clear();
  document.querySelectorAll('table[data-table]').forEach((element) => element.replaceChildren());
  document.querySelectorAll('.tile-value, .tile-detail, #convergence-withheld').forEach((element) => (element.textContent = ''));
}

/** What went wrong, in words for the person at the screen, with the gateway's own message below. */
function explain(error: unknown): [string, ...string[]] {
  if (!(error instanceof WorkerGraphError)) {
    return ['Could not reach the gateway.', `${error instanceof Error ? error.message : String(error)}. Check that the hub is running, then change a filter to try again.`];
  }
  if (error.codes.includes('UNAUTHENTICATED')) {
    return ['The gateway did not accept your token.', error.message, `It may have expired or be mistyped: get a new one with ${TOKEN_COMMAND} and paste it above.`];
  }
  if (error.reasons.includes('OPERATION_NOT_REGISTERED')) {
    // The page sends its request by id (client/request.ts); the gateway knows the ids of its own build.
    return ['The gateway does not know this page’s request.', error.message, 'The page and the gateway come from different builds: restart the gateway after `npm run codegen`.'];
  }
  if (error.codes.includes('FORBIDDEN')) {
    const city = citySelect.value ? CITIES[citySelect.value] : undefined;
    const hint = city
      ? `Your token may not cover ${city}: choose “All within my jurisdiction” or a city your token covers.`
      : 'Check the purpose above and that your token’s role may read reports.';
    return ['Not allowed.', error.message, hint];
  }
  return ['The gateway could not answer.', error.message];
}

let latestLoad = 0;

async function load() {
  const thisLoad = ++latestLoad;
  const { token, purpose } = credentials.current();
  if (!token) {
    clearFigures();
    say('info', 'Paste a bearer token above to see the figures.', `Get one with ${TOKEN_COMMAND}; your purpose is Statistics.`);
    setState('no-token');
    return;
  }
  const city = citySelect.value || undefined;
  const occupation = (occupationSelect.value || undefined) as Occupation | undefined;
  const withinDays = Number(windowSelect.value);
  const variables: DashboardQueryVariables = { filter: { city, occupation }, cigFilter: { city, occupation }, expiryFilter: { city }, withinDays };
  setState('loading');
  say('info', 'Loading…');
  try {
    const data = await request({ url: '/graphql', token, purpose }, DashboardDocument, variables);
    if (thisLoad !== latestLoad) return; // a later change has asked again: its answer is the one to show
    results.hidden = false;
    renderTiles(data);
    renderOccupations(data, occupation ?? null);
    renderWards(data);
    renderConvergence(data);
    renderConvergenceWards(data);
    renderCigFormation(data);
    renderExpiring(data, withinDays);
    const minimum = data.byOccupation.minimumCount;
    document.getElementById('withheld-note')!.textContent =
      `To protect privacy, every count of people is perturbed a little (by up to 2, the same way each time), and none from 1 to ${minimum - 1} is shown: such counts show as 0 or ${minimum}. ` +
      `Figures as of ${dayNames.format(new Date(`${data.byOccupation.asOf}T00:00:00Z`))}.`;
    status.replaceChildren();
    status.className = 'status';
    setState('ready');
  } catch (error) {
    if (thisLoad !== latestLoad) return;
    clearFigures();
    const [heading, ...details] = explain(error);
    say('error', heading, ...details);
    setState('error');
  }
}

// A choice in a list is one deliberate change: ask at once. Typing is debounced by the bar.
filters.addEventListener('change', () => void load());
filters.addEventListener('submit', (event) => event.preventDefault());
credentials.onSettled(() => void load());
void load();
