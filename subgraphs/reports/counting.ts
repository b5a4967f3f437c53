/**
 * The reports' counting, apart from the questions they ask: Labour's cells grouped into a
 * report's rows, counts and key sums kept flat per row and figure, and the figures published
 * through the cell-key method. Pure: unit-tested in counting.test.ts without servers.
 */
import { Cell, type CellKeyMethod } from '../../src/shared/cell-key.js';
import { cityByCode } from '../../src/shared/reference/index.js';
import type { WorkerCell } from '../../src/shared/statistics.js';
import { WorkerBitmap } from '../../src/shared/worker-sets.js';
import type { CoverageIndicator, Occupation } from './generated/resolvers.js';
import type { PopulationStanding } from './single-window.js';

export function city(code: string | null) {
  return code === null ? null : { code, name: cityByCode(code)?.name ?? code };
}

/** Groups rows by the values of the chosen dimensions, in a stable order. */
export function groupKey(values: (string | null | undefined)[]): string {
  return values.map((value) => value ?? '').join('|');
}

export function sorted<T>(groups: Map<string, T>): T[] {
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, group]) => group);
}

/** The row a cell of Labour's counts in, for the chosen dimensions (a ward names its city). */
export function rowOf(cell: WorkerCell, dimensions: ReadonlySet<string>) {
  return {
    city: dimensions.has('CITY') || dimensions.has('WARD') ? city(cell.city) : null,
    ward: dimensions.has('WARD') ? { code: cell.ward } : null,
    occupation: dimensions.has('OCCUPATION') ? (cell.occupation as Occupation) : null,
  };
}

/** Who counts among the eligible for an indicator measured against schemes: eligible for, or enrolled in, any. */
export function eligibleForAny({ population, standing }: PopulationStanding): WorkerBitmap {
  const schemes = [...standing.values()];
  return WorkerBitmap.from(population.toUint32Array().filter((worker) =>
    schemes.some((workers) => { const s = workers.get(worker); return s?.eligible === true || s?.enrolled === true; })));
}

/**
 * Counts of records and sums of their keys, kept flat for speed: one slot per group and figure
 * (slot `group * width + figure`), turned into cells to publish at the end.
 */
export class CellSums {
  readonly count: Int32Array;
  readonly keys: Float64Array;

  constructor(groups: number, readonly width: number) {
    this.count = new Int32Array(groups * width);
    this.keys = new Float64Array(groups * width);
  }

  add(slot: number, recordKey: number): void {
    this.count[slot] += 1;
    this.keys[slot] += recordKey;
  }

  cell(group: number, figure: number): Cell {
    const slot = group * this.width + figure;
    return Cell.of(this.count[slot], this.keys[slot]);
  }

  /** The cell of one figure over every group: the total's, a cell of its own. */
  total(figure: number): Cell {
    let count = 0;
    let keys = 0;
    for (let slot = figure; slot < this.count.length; slot += this.width) {
      count += this.count[slot];
      keys += this.keys[slot];
    }
    return Cell.of(count, keys);
  }
}

export type Row = ReturnType<typeof rowOf>;

/** Labour's cells grouped into the rows of the chosen dimensions: each row numbered, and each cell's row by its index. */
export function rowsOf(cells: WorkerCell[], dimensions: ReadonlySet<string>): { rows: Map<string, { index: number; row: Row }>; rowOfCell: number[] } {
  const rows = new Map<string, { index: number; row: Row }>();
  const rowOfCell = cells.map((cell) => {
    const row = rowOf(cell, dimensions);
    const key = groupKey([row.city?.code, row.ward?.code, row.occupation]);
    let entry = rows.get(key);
    if (!entry) rows.set(key, (entry = { index: rows.size, row }));
    return entry.index;
  });
  return { rows, rowOfCell };
}

/** The rows in a stable order, each with what `figures` publishes for it. */
export function publishRows<T extends object>(rows: Map<string, { index: number; row: Row }>, figures: (index: number) => T): (Row & T)[] {
  return sorted(new Map([...rows].map(([key, { index, row }]) => [key, { ...row, ...figures(index) }])));
}

/** Each worker's Labour cell, by worker number (−1 for a worker in none). */
export function cellIndex(cells: WorkerCell[], size: number): Int32Array {
  const cellOf = new Int32Array(size).fill(-1);
  cells.forEach((cell, index) => {
    for (const worker of cell.workers.toUint32Array()) cellOf[worker] = index;
  });
  return cellOf;
}

/**
 * A coverage figure as published: eligible and covered each perturbed as a cell of its own
 * (the uncovered are then perturbed too, as their difference). Covered is shown at most
 * eligible: a cap on published values alone, so it tells nobody anything more.
 */
export function coverageFigure(cellKeys: CellKeyMethod, indicator: CoverageIndicator, eligibleCell: Cell, coveredCell: Cell) {
  const eligible = cellKeys.publish(eligibleCell);
  const covered = Math.min(cellKeys.publish(coveredCell), eligible);
  return { indicator, eligible, covered, ratio: eligible > 0 ? covered / eligible : null, suppressed: false };
}
