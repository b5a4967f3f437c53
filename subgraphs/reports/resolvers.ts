/**
 * The reports. Each resolver asks the agencies it needs, in parallel and as the caller, then
 * counts in memory: coverage figures by intersecting worker sets with Labour's cells (see
 * src/shared/statistics.ts and "Reports" in the README), the others by gathering the records the
 * agencies grouped themselves. Every count of people is a `Cell` of records, published through
 * the cell-key method (src/shared/cell-key.ts): perturbed by its records' keys, each cell and each
 * total on its own, never as a count from 1 to the minimum − 1.
 */
import { coversWard, forbidden, requireCity } from '../../src/shared/access/caller.js';
import { addDays, today } from '../../src/shared/dates.js';
import { badInput } from '../../src/shared/errors.js';
import { Cell, documentRecordId } from '../../src/shared/cell-key.js';
import { pageRequest, toConnection } from '../../src/shared/pagination.js';
import { scalarResolvers } from '../../src/shared/scalars.js';
import type { CompiledScheme } from '../../src/shared/schemes.js';
import { decodeWorkerCells, type CigFormationCell, type ExpiringDocuments } from '../../src/shared/statistics.js';
import { decodeWorkers } from '../../src/shared/worker-sets.js';
import { cityArg, cityOfPlace, occupationArg, placeFilter, workerIdArg } from '../../src/shared/validation.js';
import type { Context } from './context.js';
import { CellSums, cellIndex, city, coverageFigure, eligibleForAny, groupKey, publishRows, rowsOf, sorted } from './counting.js';
import { ReportMemo } from './memo.js';
import { populationOf, populationStanding, refuseWithheld, withheldFactsOf, workerIdOf, type SchemeFigureValue } from './single-window.js';
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
  /** Among the workers eligible for or enrolled in a scheme of the catalogue that this agency enrols. */
  amongSchemesOf?: string;
}

export const INDICATORS: Record<CoverageIndicator, IndicatorSource> = {
  CIG_MEMBER: { agency: 'mepma', covered: 'CIG_MEMBER' },
  BANK_LINKED: { agency: 'mepma', covered: 'BANK_LINKED' },
  SAVINGS: { agency: 'mepma', covered: 'SAVINGS' },
  CREDIT_LINKED: { agency: 'mepma', covered: 'CREDIT_LINKED' },
  SOCIAL_SECURITY: { agency: 'labour', covered: 'SOCIAL_SECURITY', amongSchemesOf: 'labour' },
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

/**
 * A report's or worklist's `{ city, ward }` filter, checked: the place must lie within the
 * caller's jurisdiction (FORBIDDEN otherwise), down to the ward for a ward-level caller.
 */
function placeInJurisdiction(context: Context, filter: { city?: string | null; ward?: string | null } | null | undefined) {
  const place = placeFilter(filter);
  const cityCode = cityOfPlace(place);
  if (cityCode) requireCity(context.caller, cityCode, 'reports', 'see');
  if (place.wardCode && !coversWard(context.caller, place.wardCode)) {
    throw forbidden(`Your jurisdiction (${context.caller.jurisdiction}) does not cover ${place.wardCode}: you cannot see its workers.`);
  }
  return place;
}

/** A scheme of the catalogue by id, or BAD_USER_INPUT naming the ids there are. */
function schemeArg(context: Context, id: string, field: string): CompiledScheme {
  const scheme = context.catalogue.find((entry) => entry.id === id);
  if (!scheme) throw badInput(`No scheme "${String(id).slice(0, 40)}" in the catalogue; its schemes are ${context.catalogue.map((entry) => entry.id).join(', ')}.`, field);
  return scheme;
}

/** Cities named in a filter must lie within the caller's jurisdiction (FORBIDDEN otherwise). */
function filterCity(context: Context, code: string | null | undefined): string | undefined {
  if (!code) return undefined;
  const cityCode = cityArg(code, 'filter.city');
  requireCity(context.caller, cityCode, 'reports', 'see');
  return cityCode;
}

export const resolvers: Resolvers = {
  Date: scalarResolvers.Date,

  Query: {
    async coverage(_, { filter, groupBy = [], indicators }, context) {
      placeInJurisdiction(context, filter);
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
      // An indicator counted among a scheme's eligible needs the single window's evaluation too.
      const schemeAgencies = [...new Set(chosen.map((indicator) => INDICATORS[indicator].amongSchemesOf).filter((agency) => agency !== undefined))];
      const [answers, standings] = await Promise.all([
        Promise.all(
          [...setsByAgency].map(async ([agency, sets]) => {
            const cells = agency === 'labour' ? [{ name: 'workerCells', params: { ...filter } }] : [];
            return [agency, await context.ask(agency, { asOf, sets: [...sets], tables: cells })] as const;
          }),
        ).then((entries) => new Map(entries)),
        Promise.all(
          schemeAgencies.map(async (agency) => {
            const schemes = context.catalogue.filter((scheme) => scheme.enrolledBy === agency);
            return [agency, await populationStanding(context, schemes, filter ?? {})] as const;
          }),
        ).then((entries) => new Map(entries)),
      ]);
      // The same answers as before give the same figures: counted once (memo.ts).
      const digests = [...[...answers.values()].map((answer) => answer.digest), ...[...standings.values()].map((standing) => standing.key)];
      const key = ReportMemo.key(context.caller, ['coverage', asOf, filter ?? {}, [...dimensions], chosen], digests);
      return context.memo.remember(key, (result) => 1000 * (result.rows.length + 1), () => {
        const set = (agency: string, name: string) => decodeWorkers(answers.get(agency)!.sets[name]);
        const sources = chosen.map((indicator) => {
          const source = INDICATORS[indicator];
          const among = source.amongSet ? set(source.agency, source.amongSet) : source.amongSchemesOf ? eligibleForAny(standings.get(source.amongSchemesOf)!) : null;
          return { ...source, coveredSet: set(source.agency, source.covered), amongSet: among };
        });

        const { cellKeys } = context;
        const cells = decodeWorkerCells(answers.get('labour')!.tables[0]);
        const { rows, rowOfCell } = rowsOf(cells, dimensions);
        const population = populationOf(cells);
        const everyone = population.toUint32Array();
        const size = population.isEmpty ? 0 : population.maximum() + 1;
        const cellOf = cellIndex(cells, size);
        const keys = cellKeys.workerKeysOf(everyone);
        // Figure 0 counts the row's workers; figures 1 + 2i and 2 + 2i are indicator i's eligible and covered.
        const sums = new CellSums(rows.size, 1 + 2 * sources.length);
        const count = (figure: number, workers: ArrayLike<number>, covered: Uint8Array | null, occupation?: string) => {
          for (let i = 0; i < workers.length; i += 1) {
            const worker = workers[i];
            const cell = worker < size ? cellOf[worker] : -1;
            if (cell < 0 || (occupation && cells[cell].occupation !== occupation)) continue;
            const slot = rowOfCell[cell] * sums.width + figure;
            sums.add(slot, keys[worker]);
            if (covered?.[worker]) sums.add(slot + 1, keys[worker]);
          }
        };
        // One pass over each indicator's eligible workers, the covered ones marked in a byte per worker.
        count(0, everyone, null);
        sources.forEach((source, i) => {
          const covered = new Uint8Array(size);
          for (const worker of source.coveredSet.toUint32Array()) if (worker < size) covered[worker] = 1;
          count(1 + 2 * i, source.amongSet ? source.amongSet.toUint32Array() : everyone, covered, source.amongOccupation);
        });

        const publish = (workers: Cell, figure: (i: number) => [Cell, Cell]) => ({
          workers: cellKeys.publish(workers),
          suppressed: false,
          figures: chosen.map((indicator, i) => coverageFigure(cellKeys, indicator, ...figure(i))),
        });
        // The total is a cell of its own, perturbed on its own: not the sum of the rows shown.
        const total: CoverageRow = { city: null, ward: null, occupation: null, ...publish(sums.total(0), (i) => [sums.total(1 + 2 * i), sums.total(2 + 2 * i)]) };
        const published = publishRows(rows, (index) => publish(sums.cell(index, 0), (i) => [sums.cell(index, 1 + 2 * i), sums.cell(index, 2 + 2 * i)]));
        return { asOf, minimumCount: cellKeys.minimum, rows: published, total };
      });
    },

    schemes: (_, __, context) => context.catalogue,

    async eligibleNotEnrolled(_, { scheme, filter, first, after }, context) {
      const chosen = schemeArg(context, scheme, 'scheme');
      const page = pageRequest(first, after);
      const place = placeInJurisdiction(context, filter);
      const occupation = filter?.occupation ? occupationArg(filter.occupation, 'filter.occupation') : undefined;
      const { population, standing, withheld } = await populationStanding(context, [chosen], { city: place.cityCode, ward: place.wardCode, occupation });
      refuseWithheld(chosen, withheld);
      const standings = standing.get(chosen.id)!;
      // The population comes in worker-number order, which is the list's.
      const listed = population.toUint32Array().filter((worker) => {
        const { eligible, enrolled } = standings.get(worker)!;
        return eligible === true && enrolled === false;
      });
      const afterNumber = page.afterKey === undefined ? -1 : Number(workerIdArg(page.afterKey, 'after').slice(2));
      const start = listed.findIndex((worker) => worker > afterNumber);
      const rows = start < 0 ? [] : Array.from(listed.subarray(start, start + page.first + 1), (worker) => ({ id: workerIdOf(worker) }));
      const connection = toConnection(rows, page, (row) => row.id, async () => listed.length);
      // Being on the list says something about each worker, whatever else the client selects.
      for (const edge of connection.edges) context.disclosed.add(edge.node.id);
      return connection;
    },

    async convergence(_, { filter, groupBy = [], schemes }, context) {
      const place = placeInJurisdiction(context, filter);
      const occupation = filter?.occupation ? occupationArg(filter.occupation, 'filter.occupation') : undefined;
      const chosen = schemes ? [...new Set(schemes)].map((id) => schemeArg(context, id, 'schemes')) : context.catalogue;
      const population = await populationStanding(context, chosen, { city: place.cityCode, ward: place.wardCode, occupation });
      const dimensions = new Set(groupBy);
      const key = population.key && ReportMemo.key(context.caller, ['convergence', population.key, [...dimensions], chosen.map((scheme) => scheme.id)], []);
      return context.memo.remember(key, (result) => 1000 * (result.rows.length + 1), () => {
        const { cellKeys } = context;
        const { rows, rowOfCell } = rowsOf(population.cells, dimensions);
        // Three figures per scheme: eligible, enrolled and gap (eligible, known not to be enrolled).
        const sums = new CellSums(rows.size, 3 * chosen.length);
        const standings = chosen.map((scheme) => population.standing.get(scheme.id)!);
        const keys = cellKeys.workerKeysOf(population.population.toUint32Array());
        population.cells.forEach((cell, index) => {
          const base = rowOfCell[index] * sums.width;
          for (const worker of cell.workers.toUint32Array()) {
            for (let i = 0; i < standings.length; i += 1) {
              const { eligible, enrolled } = standings[i].get(worker)!;
              if (eligible !== true) continue;
              sums.add(base + 3 * i, keys[worker]);
              if (enrolled !== null) sums.add(base + 3 * i + (enrolled ? 1 : 2), keys[worker]);
            }
          }
        });
        const figures = (cellOf: (figure: number) => Cell) => chosen.map((scheme, i): SchemeFigureValue => {
          const withheldFacts = withheldFactsOf(scheme, population.withheld);
          if (withheldFacts.length) return { scheme, eligible: null, enrolled: null, gap: null, withheldFacts };
          const eligible = cellKeys.publish(cellOf(3 * i));
          return { scheme, eligible, enrolled: Math.min(cellKeys.publish(cellOf(3 * i + 1)), eligible), gap: cellKeys.publish(cellOf(3 * i + 2)), withheldFacts };
        });
        const published = publishRows(rows, (index) => ({ figures: figures((figure) => sums.cell(index, figure)) }));
        // The total is a cell of its own, perturbed on its own: not the sum of the rows shown.
        const total = { city: null, ward: null, occupation: null, figures: figures((figure) => sums.total(figure)) };
        return { asOf: population.asOf, minimumCount: cellKeys.minimum, rows: published, total };
      });
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
      const { cellKeys } = context;
      // Members are people: each group's are a cell of workers, and all of them the total's.
      const membersOf = (workers: Iterable<number>) => {
        const cell = new Cell();
        for (const worker of new Set(workers)) cell.add(cellKeys.workerKey(worker));
        return cellKeys.publish(cell);
      };
      const toRow = (counted: Omit<CigFormationCell, 'members'>, members: number): CigFormationRow => ({
        month: counted.month ?? null,
        city: city(counted.city ?? null),
        ward: counted.ward ? { code: counted.ward } : null,
        occupation: (counted.occupation as Occupation | undefined) ?? null,
        workLocationKind: (counted.workLocationKind as WorkLocationKind | undefined) ?? null,
        cigs: counted.cigs,
        members,
        suppressed: false,
      });
      const counted = answer.tables[0] as CigFormationCell[];
      const groups = new Map(counted.map((row) => [groupKey([row.month, row.city, row.ward, row.occupation, row.workLocationKind]), row]));
      const cigs = counted.reduce((sum, row) => sum + row.cigs, 0);
      return {
        minimumCount: cellKeys.minimum,
        rows: sorted(groups).map((row) => toRow(row, membersOf(row.members))),
        total: toRow({ cigs }, membersOf(counted.flatMap((row) => row.members))),
      };
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
      const { cellKeys } = context;
      type Group = { document: DocumentKind | null; city: string | null; week: string | null; documents: Cell };
      const groups = new Map<string, Group>();
      // Each document is a record of its own (keyed by kind and number), whoever holds it.
      const total: Group = { document: null, city: null, week: null, documents: new Cell() };
      for (const cell of answers.flatMap((answer) => answer.tables[0] as ExpiringDocuments[])) {
        if (cityCode && cell.city !== cityCode) continue;
        const row = {
          document: dimensions.has('DOCUMENT') ? (cell.document as DocumentKind) : null,
          city: dimensions.has('CITY') ? cell.city : null,
          week: dimensions.has('WEEK') ? cell.week : null,
        };
        const key = groupKey([row.document, row.city, row.week]);
        let group = groups.get(key);
        if (!group) groups.set(key, (group = { ...row, documents: new Cell() }));
        for (const number of cell.numbers) {
          const recordKey = cellKeys.recordKey(documentRecordId(cell.document, number));
          group.documents.add(recordKey);
          total.documents.add(recordKey);
        }
      }
      const toRow = (group: Group) => ({ document: group.document, city: city(group.city), week: group.week, count: cellKeys.publish(group.documents), suppressed: false });
      return { from, to, minimumCount: cellKeys.minimum, rows: sorted(groups).map(toRow), total: toRow(total) };
    },
  },

  Worker: {
    // Labour has already answered for the worker (and for the caller's jurisdiction) by now.
    __resolveReference: (reference) => ({ id: reference.id }),
    schemes: (worker, _, context) => context.schemes.load(worker.id),
  },

  WelfareScheme: {
    enrolledWhen: (scheme) => scheme.enrolledRule.when,
  },

  SchemeCondition: {
    facts: (condition) => condition.facts.map((fact) => `${fact.agency}.${fact.name}`),
  },

  WorkerConnection: {
    totalCount: (connection) => connection.totalCount(),
  },
};
