import type { EntityManager } from '@mikro-orm/postgresql';
import { keysInCities, keysWhere } from '../../src/shared/access/rows.js';
import { cityCondition, type Caller } from '../../src/shared/access/caller.js';
import { today } from '../../src/shared/dates.js';
import { declaredFacts, factsLoader } from '../../src/shared/facts.js';
import { historyLoader } from '../../src/shared/history.js';
import { manyByKey, oneByKey, readRows } from '../../src/shared/loaders.js';
import { loadSchema } from '../../src/shared/subgraph.js';
import {
  SanitationWorkerIdSchema, SvanidhiLoanSchema, TradeLicenceSchema, VendingCertificateSchema, VendingZoneSchema, WardSchema,
} from './entities.js';
import { facts } from './statistics.js';

/** The facts Municipal's schema declares (the fields of `Worker.municipalFacts`), with their policies. */
const MUNICIPAL_FACTS = declaredFacts('municipal', loadSchema(__dirname));

/**
 * Built once per request, so batching and caching never leak between callers. Every query is
 * limited to the caller's jurisdiction: a record outside it loads as if it did not exist.
 */
export function createLoaders(em: EntityManager, caller: Caller) {
  const where = jurisdictionFilters(em, caller);
  return {
    // Other agencies hand back many ward references per request (every worker has one).
    wardByCode: oneByKey(
      (codes: string[]) => readRows(em, WardSchema, { code: { $in: codes }, ...where.ward() }),
      (ward) => ward.code,
    ),
    vendingZoneById: oneByKey(
      (ids: string[]) => readRows(em, VendingZoneSchema, { id: { $in: ids }, ...where.vendingZone() }),
      (zone) => zone.id,
    ),
    vendingCertificateByNumber: oneByKey(
      (numbers: string[]) => readRows(em, VendingCertificateSchema, { certificateNumber: { $in: numbers }, ...where.vendingCertificate() }),
      (certificate) => certificate.certificateNumber,
    ),
    vendingCertificatesByWorker: manyByKey(
      (workerIds: string[]) =>
        readRows(
          em,
          VendingCertificateSchema,
          { workerId: { $in: workerIds }, ...where.vendingCertificate() },
          { orderBy: { issuedOn: 'asc', certificateNumber: 'asc' } },
        ),
      (certificate) => certificate.workerId,
    ),
    tradeLicenceByNumber: oneByKey(
      (numbers: string[]) => readRows(em, TradeLicenceSchema, { licenceNumber: { $in: numbers }, ...where.wardRecord() }),
      (licence) => licence.licenceNumber,
    ),
    tradeLicencesByWorker: manyByKey(
      (workerIds: string[]) =>
        readRows(em, TradeLicenceSchema, { workerId: { $in: workerIds }, ...where.wardRecord() }, { orderBy: { issuedOn: 'asc', licenceNumber: 'asc' } }),
      (licence) => licence.workerId,
    ),
    sanitationWorkerIdByNumber: oneByKey(
      (numbers: string[]) => readRows(em, SanitationWorkerIdSchema, { idNumber: { $in: numbers }, ...where.wardRecord() }),
      (card) => card.idNumber,
    ),
    sanitationWorkerIdsByWorker: manyByKey(
      (workerIds: string[]) =>
        readRows(em, SanitationWorkerIdSchema, { workerId: { $in: workerIds }, ...where.wardRecord() }, { orderBy: { issuedOn: 'asc', idNumber: 'asc' } }),
      (card) => card.workerId,
    ),
    svanidhiLoansByWorker: manyByKey(
      (workerIds: string[]) =>
        readRows(em, SvanidhiLoanSchema, { workerId: { $in: workerIds }, ...where.svanidhiLoan() }, { orderBy: { sanctionedOn: 'asc', id: 'asc' } }),
      (loan) => loan.workerId,
    ),
    // Keyed `<table>:<record key>`. Nothing is masked: a loan's history is for Municipal's staff
    // and auditors, who read its credit fields in full too.
    history: historyLoader(em, caller),
    // A worker's facts as of today, answered by the same queries as the single window's bulk questions.
    facts: factsLoader(em, caller, MUNICIPAL_FACTS, facts, today),
  };
}

export type MunicipalLoaders = ReturnType<typeof createLoaders>;

/**
 * The extra conditions that keep each table inside the caller's jurisdiction (none for a
 * national caller). Wards and zones carry their city; a certificate lies in its zone's city and
 * a licence or sanitation card in its ward's, so those are limited by a subquery on the zone or
 * ward table's `city_code` (indexed), which keeps each loader batch to one statement. A loan lies
 * in its certificate's city, one subquery further.
 */
export function jurisdictionFilters(em: EntityManager, caller: Caller) {
  const cities = cityCondition(caller);
  const none = () => ({});
  if (!cities) return { ward: none, vendingZone: none, vendingCertificate: none, wardRecord: none, svanidhiLoan: none };
  const zonesInJurisdiction = () => keysInCities(em, VendingZoneSchema, cities);
  const wardsInJurisdiction = () => keysInCities(em, WardSchema, cities, 'code');
  const vendingCertificate = () => ({ vendingZoneId: { $in: zonesInJurisdiction() } });
  return {
    ward: () => ({ cityCode: cities }),
    vendingZone: () => ({ cityCode: cities }),
    vendingCertificate,
    wardRecord: () => ({ wardCode: { $in: wardsInJurisdiction() } }),
    svanidhiLoan: () => ({ certificateNumber: { $in: keysWhere(em, VendingCertificateSchema, vendingCertificate(), 'certificateNumber') } }),
  };
}
