import type { EntityManager } from '@mikro-orm/postgresql';
import { manyByKey, oneByKey } from '../../src/shared/loaders.js';
import {
  SanitationWorkerIdSchema, TradeLicenceSchema, VendingCertificateSchema, VendingZoneSchema, WardSchema,
} from './entities.js';

/** Built once per request, so batching and caching never leak between callers. */
export function createLoaders(em: EntityManager) {
  return {
    // Other agencies hand back many ward references per request (every worker has one).
    wardByCode: oneByKey(
      (codes: string[]) => em.find(WardSchema, { code: { $in: codes } }),
      (ward) => ward.code,
    ),
    vendingZoneById: oneByKey(
      (ids: string[]) => em.find(VendingZoneSchema, { id: { $in: ids } }),
      (zone) => zone.id,
    ),
    vendingCertificateByNumber: oneByKey(
      (numbers: string[]) => em.find(VendingCertificateSchema, { certificateNumber: { $in: numbers } }),
      (certificate) => certificate.certificateNumber,
    ),
    vendingCertificatesByWorker: manyByKey(
      (workerIds: string[]) =>
        em.find(VendingCertificateSchema, { workerId: { $in: workerIds } }, { orderBy: { issuedOn: 'asc', certificateNumber: 'asc' } }),
      (certificate) => certificate.workerId,
    ),
    tradeLicenceByNumber: oneByKey(
      (numbers: string[]) => em.find(TradeLicenceSchema, { licenceNumber: { $in: numbers } }),
      (licence) => licence.licenceNumber,
    ),
    tradeLicencesByWorker: manyByKey(
      (workerIds: string[]) =>
        em.find(TradeLicenceSchema, { workerId: { $in: workerIds } }, { orderBy: { issuedOn: 'asc', licenceNumber: 'asc' } }),
      (licence) => licence.workerId,
    ),
    sanitationWorkerIdByNumber: oneByKey(
      (numbers: string[]) => em.find(SanitationWorkerIdSchema, { idNumber: { $in: numbers } }),
      (card) => card.idNumber,
    ),
    sanitationWorkerIdsByWorker: manyByKey(
      (workerIds: string[]) =>
        em.find(SanitationWorkerIdSchema, { workerId: { $in: workerIds } }, { orderBy: { issuedOn: 'asc', idNumber: 'asc' } }),
      (card) => card.workerId,
    ),
  };
}

export type MunicipalLoaders = ReturnType<typeof createLoaders>;
