import type { EntityManager } from '@mikro-orm/postgresql';
import { keysInCities } from '../../src/shared/access/rows.js';
import { cityCondition, type Caller } from '../../src/shared/access/caller.js';
import { historyLoader, sensitiveColumns } from '../../src/shared/history.js';
import { manyByKey, oneByKey } from '../../src/shared/loaders.js';
import { loadSchema } from '../../src/shared/subgraph.js';
import { SocialSecurityEnrolmentSchema, WorkerSchema } from './entities.js';

/**
 * Built once per request, so batching and caching never leak between callers. Every query is
 * limited to the caller's jurisdiction: a worker outside it loads as if it did not exist, for
 * Labour's own fields and for every other agency asking through `_entities` alike.
 */
export function createLoaders(em: EntityManager, caller: Caller) {
  const where = jurisdictionFilters(em, caller);
  return {
    workerById: oneByKey(
      (ids: string[]) => em.find(WorkerSchema, { id: { $in: ids }, ...where.worker() }),
      (worker) => worker.id,
    ),
    enrolmentsByWorker: manyByKey(
      (workerIds: string[]) =>
        em.find(
          SocialSecurityEnrolmentSchema,
          { workerId: { $in: workerIds }, ...where.enrolment() },
          { orderBy: { enrolledOn: 'asc', id: 'asc' } },
        ),
      (enrolment) => enrolment.workerId,
    ),
    enrolmentById: oneByKey(
      (ids: string[]) => em.find(SocialSecurityEnrolmentSchema, { id: { $in: ids }, ...where.enrolment() }),
      (enrolment) => enrolment.id,
    ),
    // Keyed `<table>:<record key>`; identity columns are masked in history as their fields are.
    history: historyLoader(em, caller, SENSITIVE_COLUMNS),
  };
}

export type LabourLoaders = ReturnType<typeof createLoaders>;

/**
 * The extra conditions that keep each table inside the caller's jurisdiction (none for a
 * national caller). A worker carries their city; an enrolment lies in its worker's city, so it
 * is limited by a subquery on `worker.city_code` (indexed), one statement per loader batch.
 */
export function jurisdictionFilters(em: EntityManager, caller: Caller) {
  const cities = cityCondition(caller);
  const none = () => ({});
  if (!cities) return { worker: none, enrolment: none };
  const workersInJurisdiction = () => keysInCities(em, WorkerSchema, cities);
  return {
    worker: () => ({ cityCode: cities }),
    enrolment: () => ({ workerId: { $in: workersInJurisdiction() } }),
  };
}

/**
 * History columns that show what a policed field shows, with that field's own policy read from
 * schema.graphql, so the history can never show more than the field does.
 */
const SENSITIVE_COLUMNS = sensitiveColumns(loadSchema(__dirname), {
  name: 'Worker.name',
  phone: 'Worker.phone',
  eshram_uan: 'Worker.eShramUan',
  id_token: 'IdReference.token',
  id_last4: 'IdReference.last4',
});

