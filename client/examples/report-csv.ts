/**
 * Exports a report as CSV, through the typed client:
 *
 *   npm run -s report:csv -- coverage --group-by ward,occupation --city VJA > coverage.csv
 *   npm run -s report:csv -- cig-formation --group-by month,occupation
 *   npm run -s report:csv -- expiring --within-days 60 --group-by document,week --out expiring.csv
 *
 * Needs WG_TOKEN (and WG_URL, WG_PURPOSE if not the defaults). Counts of people are perturbed by
 * the hub (cell-key method), not withheld, so no cell is left empty for that; the `suppressed`
 * column is kept for existing spreadsheets and is always `no`.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { toCsv } from '../csv';
import {
  CigFormationDocument,
  CoverageDocument,
  ExpiringDocumentsDocument,
  type CigFormationDimension,
  type CoverageDimension,
  type ExpiryDimension,
  type Occupation,
} from '../generated/graphql';
import { connectionFromEnv } from '../env';
import { request, WorkerGraphError } from '../request';

const USAGE = 'usage: report-csv coverage|cig-formation|expiring [--group-by a,b] [--city VJA] [--occupation GIG] [--within-days 30] [--out file.csv]';

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      'group-by': { type: 'string' },
      city: { type: 'string' },
      occupation: { type: 'string' },
      'within-days': { type: 'string', default: '30' },
      out: { type: 'string' },
    },
  });
  const groupBy = (values['group-by'] ?? '').split(',').filter(Boolean).map((dimension) => dimension.trim().toUpperCase().replace(/-/g, '_'));
  const occupation = values.occupation?.toUpperCase() as Occupation | undefined;
  const connection = connectionFromEnv();
  let csv: string;
  switch (positionals[0]) {
    case 'coverage': {
      const { coverage } = await request(connection, CoverageDocument, {
        filter: { city: values.city, occupation },
        groupBy: groupBy as CoverageDimension[],
      });
      const indicators = coverage.total.figures.map((figure) => figure.indicator.toLowerCase());
      csv = toCsv(
        ['city', 'ward', 'occupation', 'workers', ...indicators.flatMap((name) => [`${name}_eligible`, `${name}_covered`, `${name}_ratio`]), 'suppressed'],
        [...coverage.rows, { ...coverage.total, city: { code: 'ALL', name: 'All' }, ward: null, occupation: null }].map((row) => [
          row.city?.code,
          row.ward?.code,
          row.occupation,
          row.workers,
          ...row.figures.flatMap((figure) => [figure.eligible, figure.covered, figure.ratio === null ? null : figure.ratio.toFixed(4)]),
          row.suppressed || row.figures.some((figure) => figure.suppressed) ? 'yes' : 'no',
        ]),
      );
      break;
    }
    case 'cig-formation': {
      const { cigFormation } = await request(connection, CigFormationDocument, {
        filter: { city: values.city, occupation },
        groupBy: (groupBy.length ? groupBy : ['MONTH']) as CigFormationDimension[],
      });
      csv = toCsv(
        ['month', 'city', 'ward', 'occupation', 'work_location_kind', 'cigs', 'members', 'suppressed'],
        cigFormation.rows.map((row) => [row.month, row.city?.code, row.ward?.code, row.occupation, row.workLocationKind, row.cigs, row.members, row.suppressed ? 'yes' : 'no']),
      );
      break;
    }
    case 'expiring': {
      const { expiringDocuments } = await request(connection, ExpiringDocumentsDocument, {
        withinDays: Number(values['within-days']),
        filter: { city: values.city },
        groupBy: (groupBy.length ? groupBy : ['DOCUMENT']) as ExpiryDimension[],
      });
      csv = toCsv(
        ['document', 'city', 'week', 'count', 'suppressed'],
        expiringDocuments.rows.map((row) => [row.document, row.city?.code, row.week, row.count, row.suppressed ? 'yes' : 'no']),
      );
      break;
    }
    default:
      console.error(USAGE);
      process.exit(2);
  }
  if (values.out) writeFileSync(values.out, csv);
  else process.stdout.write(csv);
}

main().catch((error: unknown) => {
  // The gateway's own message and code say what was wrong (a bad filter, a city outside your jurisdiction).
  console.error(error instanceof WorkerGraphError ? `${error.message} [${error.codes.join(', ')}]` : (error as Error).message);
  process.exit(1);
});
