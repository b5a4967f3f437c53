/** The reports' counting without servers: rows from Labour's cells, flat sums, published figures. */
import { Cell, CellKeyMethod } from '../../src/shared/cell-key';
import type { WorkerCell } from '../../src/shared/statistics';
import { WorkerBitmap } from '../../src/shared/worker-sets';
import { CellSums, cellIndex, coverageFigure, groupKey, publishRows, rowsOf, sorted } from './counting';

const cell = (city: string, ward: string, occupation: string, workers: number[]): WorkerCell => ({ city, ward, occupation, workers: WorkerBitmap.from(workers) });
const CELLS = [
  cell('VJA', 'VJA-W01', 'DOMESTIC', [1, 2, 3]),
  cell('VJA', 'VJA-W01', 'TRANSPORT', [4]),
  cell('VJA', 'VJA-W02', 'DOMESTIC', [5, 6]),
  cell('GVMC', 'GVMC-W07', 'DOMESTIC', [7]),
];

test('rowsOf groups cells into the rows of the chosen dimensions; a ward names its city', () => {
  const byCity = rowsOf(CELLS, new Set(['CITY']));
  expect([...byCity.rows.values()].map(({ index, row }) => [index, row.city?.code, row.ward, row.occupation])).toEqual([
    [0, 'VJA', null, null],
    [1, 'GVMC', null, null],
  ]);
  expect(byCity.rowOfCell).toEqual([0, 0, 0, 1]);

  const byWardAndOccupation = rowsOf(CELLS, new Set(['WARD', 'OCCUPATION']));
  expect(byWardAndOccupation.rowOfCell).toEqual([0, 1, 2, 3]);
  expect([...byWardAndOccupation.rows.values()][0].row).toEqual({ city: { code: 'VJA', name: 'Vijayawada' }, ward: { code: 'VJA-W01' }, occupation: 'DOMESTIC' });

  // No dimension: one row for everything.
  expect(rowsOf(CELLS, new Set()).rowOfCell).toEqual([0, 0, 0, 0]);
});

test('publishRows lists the rows in a stable order (by city, ward, occupation), each with its figures', () => {
  const { rows } = rowsOf(CELLS, new Set(['CITY', 'OCCUPATION']));
  const published = publishRows(rows, (index) => ({ index }));
  expect(published.map((row) => [row.city?.code, row.occupation, row.index])).toEqual([
    ['GVMC', 'DOMESTIC', 2],
    ['VJA', 'DOMESTIC', 0],
    ['VJA', 'TRANSPORT', 1],
  ]);
  expect(sorted(new Map([['b', 2], ['a', 1], ['', 0]]))).toEqual([0, 1, 2]);
  expect(groupKey(['VJA', null, undefined, 'DOMESTIC'])).toBe('VJA|||DOMESTIC');
});

test('cellIndex gives each worker number its cell, and -1 to workers in none', () => {
  expect([...cellIndex(CELLS, 9)]).toEqual([-1, 0, 0, 0, 1, 2, 2, 3, -1]);
});

test('CellSums keeps count and key sum per group and figure; a total is the sum over groups', () => {
  const sums = new CellSums(2, 3);
  sums.add(0 * 3 + 1, 10);
  sums.add(0 * 3 + 1, 250);
  sums.add(1 * 3 + 1, 7);
  sums.add(1 * 3 + 2, 5);
  expect(sums.cell(0, 1)).toEqual(Cell.of(2, 260));
  expect(sums.cell(0, 0)).toEqual(Cell.of(0, 0));
  expect(sums.total(1)).toEqual(Cell.of(3, 267));
  expect(sums.total(2)).toEqual(Cell.of(1, 5));
  // Keys wrap around the key range as a Cell's do when added one by one.
  const byOne = new Cell();
  for (const key of [10, 250, 7]) byOne.add(key);
  expect(sums.total(1)).toEqual(byOne);
});

test('coverageFigure publishes eligible and covered as cells of their own, covered never above eligible', () => {
  const method = new CellKeyMethod(new Uint8Array(32).fill(7), 5);
  for (let covered = 0; covered <= 40; covered += 1) {
    const figure = coverageFigure(method, 'SAVINGS', Cell.of(40, 123), Cell.of(covered, covered * 3));
    expect(figure.eligible).toBe(method.publish(Cell.of(40, 123)));
    expect(figure.covered).toBe(Math.min(method.publish(Cell.of(covered, covered * 3)), figure.eligible));
    expect(figure.ratio).toBe(figure.covered / figure.eligible);
    expect(figure).toMatchObject({ indicator: 'SAVINGS', suppressed: false });
  }
  // Nobody eligible: no ratio.
  expect(coverageFigure(method, 'SAVINGS', Cell.of(0, 0), Cell.of(0, 0))).toMatchObject({ eligible: 0, covered: 0, ratio: null });
});
