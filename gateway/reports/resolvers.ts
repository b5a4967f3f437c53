/**
 * The reports. Each resolver asks the agencies it needs, in parallel and as the caller, then
 * counts in memory: coverage figures by intersecting worker sets with Labour's cells (see
 * src/shared/statistics.ts and "Reports" in the README), the others by adding up the counts the
 * agencies grouped themselves. Every count of people passes through `publish`, which withholds
 * small ones.
 */
import { requireCity } from '../../src/shared/access/caller.js';
import { addDays, today } from '../../src/shared/dates.js';
import { cityByCode } from '../../src/shared/demo/places.js';
import { badInput } from '../../src/shared/errors.js';
import { scalarResolvers } from '../../src/shared/scalars.js';
import { WorkerSet, type ExpiringCount, type WorkerCell } from '../../src/shared/statistics.js';
import { cityArg, cityOfPlace, placeFilter } from '../../src/shared/validation.js';
import type { Context } from './context.js';
import type {
  CigFormationRow,
  CoverageIndicator,
  CoverageRow,
  DocumentKind,
  Occupation,
  Resolvers,
  WorkLocationKind,
} from './generated/resolvers.js';

/**
 * Where each coverage figure comes from: the agency and worker set that count as covered, and
 * whom the figure is among (everyone, the workers of one occupation, or another set).
 */
interface IndicatorSource {
  agency: string;
  covered: string;
  amongOccupation?: Occupation;
  amongSet?: string;
}

export const INDICATORS: Record<CoverageIndicator, IndicatorSource> = {
  CIG_MEMBER: { agency: 'mepma', covered: 'CIG_MEMBER' },
  BANK_LINKED: { agency: 'mepma', covered: 'BANK_LINKED' },
  SAVINGS: { agency: 'mepma', covered: 'SAVINGS' },
  CREDIT_LINKED: { agency: 'mepma', covered: 'CREDIT_LINKED' },
  SOCIAL_SECURITY: { agency: 'labour', covered: 'SOCIAL_SECURITY' },
  DRIVING_LICENCE: { agency: 'transport', covered: 'VALID_DRIVING_LICENCE', amongOccupation: 'TRANSPORT' },
  VENDING_CERTIFICATE: { agency: 'municipal', covered: 'VALID_VENDING_CERTIFICATE', amongOccupation: 'STREET_VENDOR' },
  ANGANWADI: { agency: 'icds', covered: 'ANGANWADI_ENROLLED', amongSet: 'YOUNG_CHILDREN' },
};

/** Which agency issues each kind of expiring document. */
const DOCUMENT_ISSUERS: Record<DocumentKind, string> = {
  DRIVING_LICENCE: 'transport',
  PSV_BADGE: 'transport',
  VEHICLE_PERMIT: 'transport',
  VENDING_CERTIFICATE: 'municipal',
  TRADE_LICENCE: 'municipal',
};

const MAX_EXPIRY_DAYS = 366;

/** A count of people as a report may show it: zero, or at least `minimum`; else withheld. */
function publish(count: number, minimum: number): number | null {
  return count === 0 || count >= minimum ? count : null;
}

function city(code: string | null) {
  return code === null ? null : { code, name: cityByCode(code)?.name ?? code };
}

/** Groups rows by the values of the chosen dimensions, in a stable order. */
function groupKey(values: (string | null | undefined)[]): string {
  return values.map((value) => value ?? '').join('|');
}

function sorted<T>(groups: Map<string, T>): T[] {
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, group]) => group);
}

/** Cities named in a filter must lie within the caller's jurisdiction (FORBIDDEN otherwise). */
function filterCity(context: Context, code: string | null | undefined): string | undefined {
  if (!code) return undefined;
  const cityCode = cityArg(code, 'filter.city');
  requireCity(context.caller, cityCode, 'reports', 'see');
  return cityCode;
}

interface CoverageCounts {
  row: Omit<CoverageRow, 'workers' | 'suppressed' | 'figures'>;
  workers: number;
  eligible: number[];
  covered: number[];
}

export const resolvers: Resolvers = {
  Date: scalarResolvers.Date,

  Query: {
    async coverage(_, { filter, groupBy = [], indicators }, context) {
      const place = placeFilter(filter);
      const cityCode = cityOfPlace(place);
      if (cityCode) requireCity(context.caller, cityCode, 'reports', 'see');
      const chosen = [...new Set(indicators ?? (Object.keys(INDICATORS) as CoverageIndicator[]))];
      const dimensions = new Set(groupBy);
      const asOf = today();

      // One question per agency: Labour for the cells (and its own sets), the others for sets.
      const setsByAgency = new Map<string, Set<string>>([['labour', new Set()]]);
      for (const indicator of chosen) {
        const { agency, covered, amongSet } = INDICATORS[indicator];
        const sets = setsByAgency.get(agency) ?? new Set<string>();
        sets.add(covered);
        if (amongSet) sets.add(amongSet);
        setsByAgency.set(agency, sets);
      }
      const answers = new Map(
        await Promise.all(
          [...setsByAgency].map(async ([agency, sets]) => {
            const cells = agency === 'labour' ? [{ name: 'workerCells', params: { ...filter } }] : [];
            return [agency, await context.ask(agency, { asOf, sets: [...sets], tables: cells })] as const;
          }),
        ),
      );
      const set = (agency: string, name: string) => WorkerSet.decode(answers.get(agency)!.sets[name]);
      const sources = chosen.map((indicator) => {
        const source = INDICATORS[indicator];
        return { ...source, coveredSet: set(source.agency, source.covered), amongSet: source.amongSet ? set(source.agency, source.amongSet) : null };
      });

      const groups = new Map<string, CoverageCounts>();
      const total: CoverageCounts = { row: { city: null, ward: null, occupation: null }, workers: 0, eligible: chosen.map(() => 0), covered: chosen.map(() => 0) };
      for (const cell of answers.get('labour')!.tables[0] as WorkerCell[]) {
        const row = {
          city: dimensions.has('CITY') || dimensions.has('WARD') ? city(cell.city) : null,
          ward: dimensions.has('WARD') ? { code: cell.ward } : null,
          occupation: dimensions.has('OCCUPATION') ? (cell.occupation as Occupation) : null,
        };
        const key = groupKey([row.city?.code, row.ward?.code, row.occupation]);
        let group = groups.get(key);
        if (!group) groups.set(key, (group = { row, workers: 0, eligible: chosen.map(() => 0), covered: chosen.map(() => 0) }));
        group.workers += cell.workers.length;
        total.workers += cell.workers.length;
        sources.forEach((source, i) => {
          if (source.amongOccupation && source.amongOccupation !== cell.occupation) return;
          for (const worker of cell.workers) {
            if (source.amongSet && !source.amongSet.has(worker)) continue;
            const covered = source.coveredSet.has(worker) ? 1 : 0;
            group.eligible[i] += 1;
            group.covered[i] += covered;
            total.eligible[i] += 1;
            total.covered[i] += covered;
          }
        });
      }

      const minimum = context.minimumCount;
      const toRow = (counts: CoverageCounts): CoverageRow => {
        const workers = publish(counts.workers, minimum);
        return {
          ...counts.row,
          workers,
          suppressed: workers === null,
          figures: chosen.map((indicator, i) => {
            const eligible = counts.eligible[i];
            const covered = counts.covered[i];
            // The uncovered are people too: a figure is shown only if all three counts may be.
            const shown = [eligible, covered, eligible - covered].every((count) => publish(count, minimum) !== null);
            return {
              indicator,
              eligible: shown ? eligible : null,
              covered: shown ? covered : null,
              ratio: shown && eligible > 0 ? covered / eligible : null,
              suppressed: !shown,
            };
          }),
        };
      };
      return { asOf, minimumCount: minimum, rows: sorted(groups).map(toRow), total: toRow(total) };
    },

    async cigFormation(_, { filter, groupBy = ['MONTH'] }, context) {
      const cityCode = filterCity(context, filter?.city);
      if (filter?.from && filter?.to && filter.to < filter.from) throw badInput(`"to" (${filter.to}) is before "from" (${filter.from}).`, 'filter.to');
      const dimensions = [...new Set(groupBy)];
      // A ward names its city, so rows grouped by ward carry the city too.
      const asked = dimensions.includes('WARD') && !dimensions.includes('CITY') ? [...dimensions, 'CITY' as const] : dimensions;
      const answer = await context.ask('mepma', {
        asOf: today(),
        tables: [{ name: 'cigFormation', params: { groupBy: asked, city: cityCode, occupation: filter?.occupation, from: filter?.from, to: filter?.to } }],
      });
      type Counted = { month?: string; city?: string; ward?: string; occupation?: Occupation; workLocationKind?: WorkLocationKind; cigs: number; members: number };
      const minimum = context.minimumCount;
      const toRow = (counted: Counted): CigFormationRow => {
        const members = publish(counted.members, minimum);
        return {
          month: counted.month ?? null,
          city: city(counted.city ?? null),
          ward: counted.ward ? { code: counted.ward } : null,
          occupation: counted.occupation ?? null,
          workLocationKind: counted.workLocationKind ?? null,
          cigs: counted.cigs,
          members,
          suppressed: members === null,
        };
      };
      const counted = answer.tables[0] as Counted[];
      const groups = new Map(counted.map((row) => [groupKey([row.month, row.city, row.ward, row.occupation, row.workLocationKind]), row]));
      const total = counted.reduce((sum, row) => ({ cigs: sum.cigs + row.cigs, members: sum.members + row.members }), { cigs: 0, members: 0 });
      return { minimumCount: minimum, rows: sorted(groups).map(toRow), total: toRow(total) };
    },

    async expiringDocuments(_, { withinDays = 30, filter, groupBy = ['DOCUMENT'] }, context) {
      if (!Number.isInteger(withinDays) || withinDays < 1 || withinDays > MAX_EXPIRY_DAYS) {
        throw badInput(`withinDays must be a whole number of days from 1 to ${MAX_EXPIRY_DAYS}.`, 'withinDays');
      }
      const cityCode = filterCity(context, filter?.city);
      const documents = [...new Set(filter?.documents ?? (Object.keys(DOCUMENT_ISSUERS) as DocumentKind[]))];
      const from = today();
      const to = addDays(from, withinDays);
      const issuers = [...new Set(documents.map((document) => DOCUMENT_ISSUERS[document]))];
      const answers = await Promise.all(
        issuers.map((agency) => context.ask(agency, { asOf: from, tables: [{ name: 'expiring', params: { from, to, documents } }] })),
      );
      const dimensions = new Set(groupBy);
      const groups = new Map<string, { document: DocumentKind | null; city: string | null; week: string | null; count: number }>();
      let total = 0;
      for (const counted of answers.flatMap((answer) => answer.tables[0] as ExpiringCount[])) {
        if (cityCode && counted.city !== cityCode) continue;
        const row = {
          document: dimensions.has('DOCUMENT') ? (counted.document as DocumentKind) : null,
          city: dimensions.has('CITY') ? counted.city : null,
          week: dimensions.has('WEEK') ? counted.week : null,
        };
        const key = groupKey([row.document, row.city, row.week]);
        const group = groups.get(key) ?? { ...row, count: 0 };
        group.count += counted.count;
        groups.set(key, group);
        total += counted.count;
      }
      const minimum = context.minimumCount;
      const toRow = (group: { document: DocumentKind | null; city: string | null; week: string | null; count: number }) => {
        const count = publish(group.count, minimum);
        return { document: group.document, city: city(group.city), week: group.week, count, suppressed: count === null };
      };
      return { from, to, minimumCount: minimum, rows: sorted(groups).map(toRow), total: toRow({ document: null, city: null, week: null, count: total }) };
    },
  },
};
