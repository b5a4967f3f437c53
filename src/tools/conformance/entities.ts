/**
 * The entities check: one sealed `_entities` call with 25 Worker representations (20 ids, 4
 * repeated, 1 unknown) answers 25 entries in the same order (null allowed; errors only NOT_FOUND).
 */
import { errorCodes, firstError, sealHint, type Answer } from './answers.js';
import type { Sealed } from './prober.js';
import { result, type CheckResult } from './report.js';
import { idsFrom, labourWasSilent, type WorkerIds } from './workers.js';

const BATCH_DISTINCT = 20;
const UNKNOWN_WORKER = 'W-9999999';
const ENTITIES = 'query Conformance($representations: [_Any!]!) { _entities(representations: $representations) { __typename ... on Worker { id } } }';

/** 25 representations: the ids, four of them again, and one unknown id, interleaved. */
export function batchRepresentations(ids: string[]): string[] {
  const base = ids.slice(0, BATCH_DISTINCT);
  const repeated = [base[0], base[1], base[2], base[0]].filter((id): id is string => id !== undefined);
  const batch = [...base];
  batch.splice(Math.min(5, batch.length), 0, repeated[0]!);
  batch.splice(Math.floor(batch.length / 2), 0, UNKNOWN_WORKER);
  batch.push(...repeated.slice(1));
  return batch;
}

export async function checkEntities(workers: WorkerIds, sealed: Sealed): Promise<CheckResult> {
  const batch = batchRepresentations(workers.ids);
  const representations = batch.map((id) => ({ __typename: 'Worker', id }));
  const answer = await sealed(ENTITIES, { representations }, `_entities (${batch.length} representations)`);
  return entitiesResult(workers, batch, answer);
}

/** The verdict on the answer to the batch of `batch` (worker ids, in the order sent). */
export function entitiesResult(workers: WorkerIds, batch: string[], answer: Answer): CheckResult {
  const entities: unknown = answer.json?.data?._entities;
  if (!Array.isArray(entities)) return result('entities', [`_entities was not answered (${firstError(answer)})${sealHint(answer)}`], '', []);
  const problems: string[] = [];
  if (entities.length !== batch.length) problems.push(`${entities.length} entries answered for ${batch.length} representations`);
  const misplaced = entities
    .map((entity: any, i) => ({ entity, i }))
    .filter(({ entity, i }) => entity != null && (entity.id !== batch[i] || (entity.__typename && entity.__typename !== 'Worker')));
  if (misplaced.length) {
    const { entity, i } = misplaced[0]!;
    problems.push(`order not kept: entry ${i} is ${entity.__typename ?? '?'} ${entity.id ?? '(no id)'}, representation ${i} was ${batch[i]} (${misplaced.length} misplaced)`);
  }
  const byId = new Map<string, boolean>();
  for (const [i, id] of batch.entries()) {
    const found = entities[i] != null;
    if (byId.has(id) && byId.get(id) !== found) problems.push(`${id}, asked twice, was answered once and null once`);
    byId.set(id, found);
  }
  const unexpected = errorCodes(answer).filter((code) => code !== 'NOT_FOUND');
  if (unexpected.length) problems.push(`errors other than NOT_FOUND: ${[...new Set(unexpected)].join(', ')} (${firstError(answer)})`);
  const resolved = entities.filter((e) => e != null).length;
  const warnings = resolved === 0 ? ['no representation was resolved (all null): does it return a Worker for ids it has no records about?'] : [];
  if (labourWasSilent(workers)) warnings.push(`worker ids: ${workers.from}`);
  return result(
    'entities',
    problems,
    `one call, ${batch.length} representations (ids from ${idsFrom(workers)}, 4 repeated, 1 unknown): ${batch.length} entries in order, ${resolved} resolved`,
    warnings,
  );
}
