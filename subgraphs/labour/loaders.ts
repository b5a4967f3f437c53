import type { EntityManager } from '@mikro-orm/postgresql';
import { keysWhere } from '../../src/shared/access/rows.js';
import { cityCondition, wardsOf, type Caller } from '../../src/shared/access/caller.js';
import { today } from '../../src/shared/dates.js';
import { declaredFacts, factsLoader } from '../../src/shared/facts.js';
import { historyLoader, sensitiveColumns } from '../../src/shared/history.js';
import { manyByKey, oneByKey, readRows } from '../../src/shared/loaders.js';
import { loadSchema } from '../../src/shared/subgraph.js';
import { SocialSecurityEnrolmentSchema, WorkerSchema } from './entities.js';
import { statistics } from './statistics.js';

const typeDefs = loadSchema(__dirname);

/** The facts Labour declares (the fields of LabourFacts), answered by its statistics' queries. */
const LABOUR_FACTS = declaredFacts('labour', typeDefs);

/**
 * Built once per request, so batching and caching never leak between callers. Every query is
 * limited to the caller's jurisdiction: a worker outside it loads as if it did not exist, for
 * Labour's own fields and for every other agency asking through `_entities` alike.
 */
export function createLoaders(em: EntityManager, caller: Caller) {
  const where = jurisdictionFilters(em, caller);
  return {
    workerById: oneByKey(
      (ids: string[]) => readRows(em, WorkerSchema, { id: { $in: ids }, ...where.worker() }),
      (worker) => worker.id,
    ),
    enrolmentsByWorker: manyByKey(
      (workerIds: string[]) =>
        readRows(
          em,
          SocialSecurityEnrolmentSchema,
          { workerId: { $in: workerIds }, ...where.enrolment() },
          { orderBy: { enrolledOn: 'asc', id: 'asc' } },
        ),
      (enrolment) => enrolment.workerId,
    ),
    enrolmentById: oneByKey(
      (ids: string[]) => readRows(em, SocialSecurityEnrolmentSchema, { id: { $in: ids }, ...where.enrolment() }),
      (enrolment) => enrolment.id,
    ),
    // Keyed `<table>:<record key>`; identity columns are masked in history as their fields are.
    history: historyLoader(em, caller, SENSITIVE_COLUMNS),
    // The same queries as the single window's bulk questions, for this request's workers, as of today.
    facts: factsLoader(em, caller, LABOUR_FACTS, statistics.facts!, today),
  };
}

export type LabourLoaders = ReturnType<typeof createLoaders>;

/**
 * The extra conditions that keep each table inside the caller's jurisdiction (none for a
 * national caller). A worker carries their city and ward (a ward-level caller is limited to the
 * ward too); an enrolment lies in its worker's place, so it is limited by a subquery on the
 * worker table (`city_code` indexed), one statement per loader batch.
 */
export function jurisdictionFilters(em: EntityManager, caller: Caller) {
  const cities = cityCondition(caller);
  const none = () => ({});
  if (!cities) return { worker: none, enrolment: none };
  const wards = wardsOf(caller.jurisdiction);
  const worker = () => ({ cityCode: cities, ...(wards ? { wardCode: { $in: wards } } : {}) });
  return {
    worker,
    enrolment: () => ({ workerId: { $in: keysWhere(em, WorkerSchema, worker()) } }),
  };
}

/**
 * History columns that show what a policed field shows, with that field's own policy read from
 * schema.graphql, so the history can never show more than the field does.
 */
const SENSITIVE_COLUMNS = sensitiveColumns(typeDefs, {
  name: 'Worker.name',
  phone: 'Worker.phone',
  eshram_uan: 'Worker.eShramUan',
  id_token: 'IdReference.token',
  id_last4: 'IdReference.last4',
});

