/**
 * Prints a coverage summary for a city (or everything your token covers), through the typed
 * client:
 *
 *   npm run -s report:coverage -- --city VJA --group-by occupation
 *
 * Needs WG_TOKEN (and WG_URL, WG_PURPOSE if not the defaults). Counts of people are perturbed by
 * the hub (cell-key method: by at most 2 either way, never shown from 1 to `minimumCount` − 1), not
 * withheld; a ratio with nothing to divide by prints as `—`.
 */
import { parseArgs } from 'node:util';
import { CoverageDocument, type CoverageDimension, type CoverageQuery } from '../generated/graphql';
import { connectionFromEnv } from '../env';
import { request, WorkerGraphError } from '../request';

type Row = CoverageQuery['coverage']['rows'][number];

function label(row: Partial<Row>): string {
  return [row.city?.name, row.ward?.name, row.occupation].filter(Boolean).join(' / ') || 'All';
}

function percent(figure: Row['figures'][number]): string {
  return figure.ratio === null ? '—' : `${(figure.ratio * 100).toFixed(1)}%`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { city: { type: 'string' }, 'group-by': { type: 'string', default: 'occupation' } } });
  const groupBy = values['group-by'].split(',').filter(Boolean).map((dimension) => dimension.trim().toUpperCase()) as CoverageDimension[];
  const { coverage } = await request(connectionFromEnv(), CoverageDocument, { filter: { city: values.city }, groupBy });
  const indicators = coverage.total.figures.map((figure) => figure.indicator);
  const rows = [...coverage.rows, { ...coverage.total, city: null, ward: null, occupation: null }];
  console.log(`Coverage as of ${coverage.asOf} (counts perturbed by up to ±2, none shown from 1 to ${coverage.minimumCount - 1})\n`);
  console.table(
    Object.fromEntries(
      rows.map((row) => [
        label(row),
        { workers: row.workers ?? '—', ...Object.fromEntries(indicators.map((indicator, i) => [indicator, percent(row.figures[i])])) },
      ]),
    ),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof WorkerGraphError ? `${error.message} [${error.codes.join(', ')}]` : (error as Error).message);
  process.exit(1);
});
