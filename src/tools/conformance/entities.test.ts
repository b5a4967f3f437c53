/** The batch of Worker representations, and the verdict on a subgraph's answer to it. */
import type { Answer } from './answers';
import { batchRepresentations, entitiesResult } from './entities';
import type { WorkerIds } from './workers';

const ids = Array.from({ length: 20 }, (_, i) => `W-${String(i + 1).padStart(7, '0')}`);
const fromLabour: WorkerIds = { ids, from: 'Labour' };
const batch = batchRepresentations(ids);
const answerOf = (entities: unknown, errors?: unknown[]): Answer => ({ label: '_entities', status: 200, json: { data: { _entities: entities }, ...(errors ? { errors } : {}) } });
/** Every representation resolved as the Worker it asks for, but the unknown id. */
const inOrder = () => batch.map((id) => (id === 'W-9999999' ? null : { __typename: 'Worker', id }));

test('the batch interleaves a repeat early, the unknown id in the middle and the other repeats at the end', () => {
  expect(batch).toHaveLength(25);
  expect(batch.slice(0, 6)).toEqual(['W-0000001', 'W-0000002', 'W-0000003', 'W-0000004', 'W-0000005', 'W-0000001']);
  expect(batch[10]).toBe('W-9999999');
  expect(batch.slice(-3)).toEqual(['W-0000002', 'W-0000003', 'W-0000001']);
});

test('fewer ids than 20 still make a batch with the repeats and the unknown id', () => {
  expect(batchRepresentations(['W-0000007'])).toEqual(['W-0000007', 'W-9999999', 'W-0000007', 'W-0000007']);
  expect(batchRepresentations(['W-0000001', 'W-0000002'])).toEqual(['W-0000001', 'W-9999999', 'W-0000002', 'W-0000001', 'W-0000002', 'W-0000001']);
});

test('25 entries in order, null for the unknown id, pass', () => {
  expect(entitiesResult(fromLabour, batch, answerOf(inOrder(), [{ message: 'No worker', extensions: { code: 'NOT_FOUND' } }]))).toEqual({
    name: 'entities',
    ok: true,
    detail: 'one call, 25 representations (ids from Labour, 4 repeated, 1 unknown): 25 entries in order, 24 resolved',
    warnings: [],
  });
});

test('a short answer, entries out of order, and a repeated id answered differently each fail', () => {
  expect(entitiesResult(fromLabour, batch, answerOf(inOrder().slice(1))).detail).toMatch(/^24 entries answered for 25 representations; order not kept: entry 0 is Worker W-0000002, representation 0 was W-0000001/);
  const swapped = inOrder();
  [swapped[1], swapped[2]] = [swapped[2], swapped[1]];
  expect(entitiesResult(fromLabour, batch, answerOf(swapped)).detail).toBe('order not kept: entry 1 is Worker W-0000003, representation 1 was W-0000002 (2 misplaced)');
  const onceNull = inOrder();
  onceNull[22] = null; // W-0000002 again
  expect(entitiesResult(fromLabour, batch, answerOf(onceNull)).detail).toBe('W-0000002, asked twice, was answered once and null once');
  const otherType = inOrder();
  otherType[0] = { __typename: 'Licence', id: 'W-0000001' };
  expect(entitiesResult(fromLabour, batch, answerOf(otherType)).detail).toMatch(/^order not kept: entry 0 is Licence W-0000001/);
});

test('errors other than NOT_FOUND fail; all null is a warning', () => {
  const failed = entitiesResult(fromLabour, batch, answerOf(inOrder(), [{ message: 'boom', extensions: { code: 'INTERNAL_SERVER_ERROR' } }, { message: 'x' }]));
  expect(failed.detail).toBe('errors other than NOT_FOUND: INTERNAL_SERVER_ERROR, NO_CODE (HTTP 200, INTERNAL_SERVER_ERROR: boom)');
  const empty = entitiesResult(fromLabour, batch, answerOf(batch.map(() => null)));
  expect(empty.ok).toBe(true);
  expect(empty.warnings).toEqual(['no representation was resolved (all null): does it return a Worker for ids it has no records about?']);
});

test("made-up ids because Labour did not answer: said in the detail's short form and as a warning", () => {
  const silent: WorkerIds = { ids, from: 'W-0000001..W-0000020 (Labour did not answer: HTTP 500)' };
  const result = entitiesResult(silent, batch, answerOf(inOrder()));
  expect(result.detail).toMatch(/\(ids from W-0000001\.\.W-0000020, 4 repeated/);
  expect(result.warnings).toEqual(['worker ids: W-0000001..W-0000020 (Labour did not answer: HTTP 500)']);
});

test('no list of entities: not answered, with the seal hint when refused', () => {
  expect(entitiesResult(fromLabour, batch, { label: 'x', status: 401 }).detail).toMatch(/^_entities was not answered \(HTTP 401\): it refused the seal/);
  expect(entitiesResult(fromLabour, batch, { label: 'x', status: 200, json: { data: null } }).detail).toBe('_entities was not answered (HTTP 200)');
});
