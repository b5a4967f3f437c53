import type { EntityManager } from '@mikro-orm/postgresql';
import { manyByKey, oneByKey } from '../../src/shared/loaders.js';
import { AutoStandSchema, DrivingLicenceSchema, PsvBadgeSchema, VehiclePermitSchema } from './entities.js';

/** Built once per request, so batching and caching never leak between callers. */
export function createLoaders(em: EntityManager) {
  return {
    licencesByWorker: manyByKey(
      (workerIds: string[]) =>
        em.find(DrivingLicenceSchema, { workerId: { $in: workerIds } }, { orderBy: { issuedOn: 'asc', licenceNumber: 'asc' } }),
      (licence) => licence.workerId,
    ),
    badgesByWorker: manyByKey(
      (workerIds: string[]) =>
        em.find(PsvBadgeSchema, { workerId: { $in: workerIds } }, { orderBy: { issuedOn: 'asc', badgeNumber: 'asc' } }),
      (badge) => badge.workerId,
    ),
    permitsByWorker: manyByKey(
      (workerIds: string[]) =>
        em.find(VehiclePermitSchema, { workerId: { $in: workerIds } }, { orderBy: { issuedOn: 'asc', permitNumber: 'asc' } }),
      (permit) => permit.workerId,
    ),
    licenceByNumber: oneByKey(
      (numbers: string[]) => em.find(DrivingLicenceSchema, { licenceNumber: { $in: numbers } }),
      (licence) => licence.licenceNumber,
    ),
    badgeByNumber: oneByKey(
      (numbers: string[]) => em.find(PsvBadgeSchema, { badgeNumber: { $in: numbers } }),
      (badge) => badge.badgeNumber,
    ),
    permitByNumber: oneByKey(
      (numbers: string[]) => em.find(VehiclePermitSchema, { permitNumber: { $in: numbers } }),
      (permit) => permit.permitNumber,
    ),
    standById: oneByKey(
      (ids: string[]) => em.find(AutoStandSchema, { id: { $in: ids } }),
      (stand) => stand.id,
    ),
  };
}

export type TransportLoaders = ReturnType<typeof createLoaders>;
