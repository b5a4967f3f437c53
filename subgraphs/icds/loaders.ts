import type { EntityManager } from '@mikro-orm/postgresql';
import { manyByKey, oneByKey } from '../../src/shared/loaders.js';
import { AnganwadiCentreSchema, IcdsEnrolmentSchema } from './entities.js';

/** Built once per request, so batching and caching never leak between callers. */
export function createLoaders(em: EntityManager) {
  return {
    centreById: oneByKey(
      (ids: string[]) => em.find(AnganwadiCentreSchema, { id: { $in: ids } }),
      (centre) => centre.id,
    ),
    enrolmentsByWorker: manyByKey(
      (workerIds: string[]) =>
        em.find(IcdsEnrolmentSchema, { workerId: { $in: workerIds } }, { orderBy: { enrolledOn: 'asc', id: 'asc' } }),
      (enrolment) => enrolment.workerId,
    ),
    enrolmentById: oneByKey(
      (ids: string[]) => em.find(IcdsEnrolmentSchema, { id: { $in: ids } }),
      (enrolment) => enrolment.id,
    ),
  };
}

export type IcdsLoaders = ReturnType<typeof createLoaders>;
