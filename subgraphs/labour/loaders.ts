import type { EntityManager } from '@mikro-orm/postgresql';
import { manyByKey, oneByKey } from '../../src/shared/loaders.js';
import { SocialSecurityEnrolmentSchema, WorkerSchema } from './entities.js';

/** Built once per request, so batching and caching never leak between callers. */
export function createLoaders(em: EntityManager) {
  return {
    workerById: oneByKey(
      (ids: string[]) => em.find(WorkerSchema, { id: { $in: ids } }),
      (worker) => worker.id,
    ),
    enrolmentsByWorker: manyByKey(
      (workerIds: string[]) =>
        em.find(SocialSecurityEnrolmentSchema, { workerId: { $in: workerIds } }, { orderBy: { enrolledOn: 'asc', id: 'asc' } }),
      (enrolment) => enrolment.workerId,
    ),
    enrolmentById: oneByKey(
      (ids: string[]) => em.find(SocialSecurityEnrolmentSchema, { id: { $in: ids } }),
      (enrolment) => enrolment.id,
    ),
  };
}

export type LabourLoaders = ReturnType<typeof createLoaders>;
