import type { EntityManager } from '@mikro-orm/postgresql';
import { cityCondition, type Caller } from '../../src/shared/access/caller.js';
import { historyLoader, sensitiveColumns } from '../../src/shared/history.js';
import { manyByKey, oneByKey } from '../../src/shared/loaders.js';
import { loadSchema } from '../../src/shared/subgraph.js';
import { __PASCAL__EnrolmentSchema } from './entities.js';

/**
 * Built once per request, so batching and caching never leak between callers. Every query is
 * limited to the caller's jurisdiction: an enrolment outside it loads as if it did not exist.
 */
export function createLoaders(em: EntityManager, caller: Caller) {
  const where = jurisdictionFilters(caller);
  return {
    // A roster of workers costs one statement: every worker's enrolments in one batch.
    enrolmentsByWorker: manyByKey(
      (workerIds: string[]) =>
        em.find(__PASCAL__EnrolmentSchema, { workerId: { $in: workerIds }, ...where.enrolment() }, { orderBy: { enrolledOn: 'asc', id: 'asc' } }),
      (enrolment) => enrolment.workerId,
    ),
    enrolmentById: oneByKey(
      (ids: string[]) => em.find(__PASCAL__EnrolmentSchema, { id: { $in: ids }, ...where.enrolment() }),
      (enrolment) => enrolment.id,
    ),
    // Keyed `<table>:<record key>`; the reference is masked in history as its field is.
    history: historyLoader(em, caller, SENSITIVE_COLUMNS),
  };
}

export type __PASCAL__Loaders = ReturnType<typeof createLoaders>;

/**
 * The extra conditions that keep each table inside the caller's jurisdiction (none for a
 * national caller). An enrolment carries its own city, indexed with its id.
 */
export function jurisdictionFilters(caller: Caller) {
  const cities = cityCondition(caller);
  return {
    enrolment: () => (cities ? { cityCode: cities } : {}),
  };
}

/**
 * History columns that show what a policed field shows, with that field's own policy read from
 * schema.graphql, so the history can never show more than the field does.
 */
const SENSITIVE_COLUMNS = sensitiveColumns(loadSchema(__dirname), {
  reference: '__PASCAL__Enrolment.reference',
});
