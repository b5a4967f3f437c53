import { raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { citiesOf, type Caller } from '../../src/shared/access/caller.js';
import { keysInCities } from '../../src/shared/access/rows.js';
import { historyLoader } from '../../src/shared/history.js';
import { manyByKey, oneByKey, readRows } from '../../src/shared/loaders.js';
import { AutoStandSchema, DrivingLicenceSchema, PsvBadgeSchema, VehiclePermitSchema } from './entities.js';
import { rtoCodesOf } from './rules.js';

/**
 * Built once per request, so batching and caching never leak between callers. Every query is
 * limited to the caller's jurisdiction: a record outside it loads as if it did not exist.
 */
export function createLoaders(em: EntityManager, caller: Caller) {
  const where = jurisdictionFilters(em, caller);
  return {
    licencesByWorker: manyByKey(
      (workerIds: string[]) =>
        readRows(
          em,
          DrivingLicenceSchema,
          { workerId: { $in: workerIds }, ...where.licence() },
          { orderBy: { issuedOn: 'asc', licenceNumber: 'asc' } },
        ),
      (licence) => licence.workerId,
    ),
    badgesByWorker: manyByKey(
      (workerIds: string[]) =>
        readRows(em, PsvBadgeSchema, { workerId: { $in: workerIds }, ...where.badge() }, { orderBy: { issuedOn: 'asc', badgeNumber: 'asc' } }),
      (badge) => badge.workerId,
    ),
    permitsByWorker: manyByKey(
      (workerIds: string[]) =>
        readRows(
          em,
          VehiclePermitSchema,
          { $and: [{ workerId: { $in: workerIds } }, where.permit()] },
          { orderBy: { issuedOn: 'asc', permitNumber: 'asc' } },
        ),
      (permit) => permit.workerId,
    ),
    licenceByNumber: oneByKey(
      (numbers: string[]) => readRows(em, DrivingLicenceSchema, { licenceNumber: { $in: numbers }, ...where.licence() }),
      (licence) => licence.licenceNumber,
    ),
    badgeByNumber: oneByKey(
      (numbers: string[]) => readRows(em, PsvBadgeSchema, { badgeNumber: { $in: numbers }, ...where.badge() }),
      (badge) => badge.badgeNumber,
    ),
    permitByNumber: oneByKey(
      (numbers: string[]) => readRows(em, VehiclePermitSchema, { $and: [{ permitNumber: { $in: numbers } }, where.permit()] }),
      (permit) => permit.permitNumber,
    ),
    standById: oneByKey(
      (ids: string[]) => readRows(em, AutoStandSchema, { id: { $in: ids }, ...where.stand() }),
      (stand) => stand.id,
    ),
    // Keyed `<table>:<record key>`; Transport's records hold nothing a field policy masks.
    history: historyLoader(em, caller),
  };
}

export type TransportLoaders = ReturnType<typeof createLoaders>;

/**
 * The extra conditions that keep each table inside the caller's jurisdiction (none for a
 * national caller). A stand carries its city; a licence lies in its issuing RTO's city, a badge
 * in its licence's (the licence number begins with the RTO code), and a permit in its stand's
 * city or, without a stand (goods carriages), in the city of the RTO its vehicle is registered
 * with. An RTO the hub does not know lies in no city: only national callers see its records.
 * Every condition is one statement with its table (a subquery for the stand), so a loader batch
 * stays one statement.
 */
export function jurisdictionFilters(em: EntityManager, caller: Caller) {
  const cities = citiesOf(caller.jurisdiction);
  const none = () => ({});
  if (cities === null) return { stand: none, licence: none, badge: none, permit: none };
  const rtos = rtoCodesOf(cities);
  // Raw keys are single-use in MikroORM, so each condition is built afresh for each query.
  const rtoPrefixOf = (column: string) => raw((alias: string) => `left(${alias}.${column}, 4)`);
  const standsInJurisdiction = () => keysInCities(em, AutoStandSchema, { $in: cities });
  return {
    stand: () => ({ cityCode: { $in: cities } }),
    licence: () => ({ issuingRto: { $in: rtos } }),
    badge: () => ({ [rtoPrefixOf('licence_number')]: { $in: rtos } }),
    permit: () => ({
      $or: [
        { autoStandId: { $in: standsInJurisdiction() } },
        { autoStandId: null, [rtoPrefixOf('vehicle_registration')]: { $in: rtos } },
      ],
    }),
  };
}
