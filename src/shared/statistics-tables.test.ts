/** The table shapes both ends read: Labour's cells on the wire, an expiry window, the week of a date. */
import { decodeWorkerCells, expiryWindow, weekOf, type WorkerCellAnswer } from './statistics-tables';
import { encodeWorkers } from './worker-sets';

test("Labour's cells are read back with their workers as sets", () => {
  const rows: WorkerCellAnswer[] = [{ city: 'VJA', ward: 'W-12', occupation: 'street-vendor', workers: encodeWorkers([42, 7]) }];
  const [cell] = decodeWorkerCells(rows);
  expect({ ...cell, workers: cell!.workers.toArray() }).toEqual({ city: 'VJA', ward: 'W-12', occupation: 'street-vendor', workers: [7, 42] });
  expect(() => decodeWorkerCells([{ city: 'VJA', ward: 'W-1', occupation: 'x', workers: 42 }])).toThrow(TypeError);
});

test('an expiry window keeps the asked kinds this agency issues, all of them when none are asked', () => {
  const kinds = ['vending-certificate', 'trade-licence'];
  expect(expiryWindow({ from: '2025-04-01', to: '2025-06-30' }, kinds)).toEqual({ from: '2025-04-01', to: '2025-06-30', documents: kinds });
  expect(expiryWindow({ from: '2025-04-01', to: '2025-04-01', documents: ['trade-licence', 'driving-licence'] }, kinds).documents).toEqual(['trade-licence']);
});

test('a window that ends before it starts, or a day that is not one, is BAD_USER_INPUT', () => {
  expect(() => expiryWindow({ from: '2025-04-02', to: '2025-04-01' }, [])).toThrow(expect.objectContaining({
    message: 'The window ends (2025-04-01) before it starts (2025-04-02).',
    extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'to' }),
  }));
  expect(() => expiryWindow({ from: '2025-13-01', to: '2025-04-01' }, [])).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
});

test('the week of a date column is its Monday, as SQL', () => {
  expect(weekOf('valid_until')).toBe("to_char(date_trunc('week', valid_until), 'YYYY-MM-DD')");
});
