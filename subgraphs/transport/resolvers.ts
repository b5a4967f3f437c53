import type { FilterQuery } from '@mikro-orm/core';
import { conflict, notFound } from '../../src/shared/errors.js';
import { pageRequest, toConnection } from '../../src/shared/pagination.js';
import { GRAPH_SOURCE_SYSTEM, GRAPH_WRITER, sourceOf, type ProvenanceFields } from '../../src/shared/provenance.js';
import { scalarResolvers } from '../../src/shared/scalars.js';
import { nextId, writeInTransaction } from '../../src/shared/transactions.js';
import { cityByCode } from '../../src/shared/demo/places.js';
import { cityArg, dateOrder, notInFuture, wardArg, workerIdArg } from '../../src/shared/validation.js';
import { AutoStandSchema, DrivingLicenceSchema, PsvBadgeSchema, VehiclePermitSchema, type AutoStand } from './entities.js';
import type { Resolvers } from './generated/resolvers.js';
import type { Context } from './context.js';
import { LICENCE_YEARS, PERMIT_YEARS, autoStandIdArg, badgeLicence, licenceNumberArg, licencePrefix, permitStand, rtoArg, validityPeriod, validityStatus, vehicleClassesArg, vehicleRegistrationArg } from './rules.js';
import { today } from '../../src/shared/dates.js';

const AGENCY = 'transport';

export const resolvers: Resolvers = {
  ...scalarResolvers,

  Query: {
    async drivingLicence(_, { licenceNumber }, { loaders }) {
      const licence = await loaders.licenceByNumber.load(licenceNumberArg(licenceNumber));
      if (!licence) throw notFound('driving licence', licenceNumber);
      return licence;
    },

    async autoStand(_, { id }, { loaders }) {
      const stand = await loaders.standById.load(autoStandIdArg(id));
      if (!stand) throw notFound('auto stand', id);
      return stand;
    },

    async autoStands(_, { filter, first, after }, { em }) {
      const page = pageRequest(first, after);
      const where: FilterQuery<AutoStand> = {};
      if (filter?.city) where.cityCode = cityArg(filter.city, 'filter.city');
      if (filter?.ward) where.wardCode = wardArg(filter.ward, filter.city ? cityArg(filter.city) : filter.ward.split('-')[0], 'filter.ward');
      const rows = await em.find(
        AutoStandSchema,
        page.afterKey ? { ...where, id: { $gt: page.afterKey } } : where,
        { orderBy: { id: 'asc' }, limit: page.first + 1 },
      );
      return toConnection(rows, page, (stand) => stand.id, () => em.count(AutoStandSchema, where));
    },
  },

  Mutation: {
    async issueDrivingLicence(_, { input }, { em, workers }) {
      const workerId = workerIdArg(input.workerId);
      const vehicleClasses = vehicleClassesArg(input.vehicleClasses);
      const issuingRto = rtoArg(input.issuingRto);
      validityPeriod(input.issuedOn, input.validUntil, LICENCE_YEARS);
      await workers.requireWorkers([workerId]);
      return writeInTransaction(em, async (tx) => {
        await lockFor(tx, `licence:${workerId}`);
        const held = await tx.findOne(DrivingLicenceSchema, { workerId, ...inForce() });
        if (held) throw conflict(`${workerId} already holds a valid driving licence, ${held.licenceNumber}; renew or endorse it instead of issuing another.`);
        const licence = tx.create(DrivingLicenceSchema, {
          licenceNumber: await nextId(tx, 'driving_licence_serial_seq', licencePrefix(issuingRto, input.issuedOn)),
          workerId,
          vehicleClasses,
          issuedOn: input.issuedOn,
          validUntil: input.validUntil,
          issuingRto,
          suspended: false,
          sourceSystem: GRAPH_SOURCE_SYSTEM,
          recordedBy: GRAPH_WRITER,
        });
        await tx.flush();
        return licence;
      });
    },

    async issuePsvBadge(_, { input }, { em, workers }) {
      const workerId = workerIdArg(input.workerId);
      const licenceNumber = licenceNumberArg(input.licenceNumber);
      notInFuture(input.issuedOn, 'issuedOn');
      dateOrder(input.issuedOn, input.validUntil, 'issuedOn', 'validUntil');
      await workers.requireWorkers([workerId]);
      return writeInTransaction(em, async (tx) => {
        await lockFor(tx, `badge:${workerId}`);
        const licence = await tx.findOne(DrivingLicenceSchema, { licenceNumber });
        if (!licence) throw notFound('driving licence', input.licenceNumber);
        badgeLicence(licence, { workerId, issuedOn: input.issuedOn, validUntil: input.validUntil });
        const held = await tx.findOne(PsvBadgeSchema, { workerId, ...inForce() });
        if (held) throw conflict(`${workerId} already holds a valid PSV badge, ${held.badgeNumber} (until ${held.validUntil}).`);
        const badge = tx.create(PsvBadgeSchema, {
          badgeNumber: await nextId(tx, 'psv_badge_number_seq', 'PSV-'),
          workerId,
          licenceNumber,
          issuedOn: input.issuedOn,
          validUntil: input.validUntil,
          suspended: false,
          sourceSystem: GRAPH_SOURCE_SYSTEM,
          recordedBy: GRAPH_WRITER,
        });
        await tx.flush();
        return badge;
      });
    },

    async issueVehiclePermit(_, { input }, { em, workers }) {
      const workerId = workerIdArg(input.workerId);
      const vehicleRegistration = vehicleRegistrationArg(input.vehicleRegistration);
      const autoStandId = input.autoStandId ? autoStandIdArg(input.autoStandId, 'autoStandId') : null;
      permitStand(input.permitType, autoStandId);
      validityPeriod(input.issuedOn, input.validUntil, PERMIT_YEARS);
      await workers.requireWorkers([workerId]);
      return writeInTransaction(em, async (tx) => {
        if (autoStandId && !(await tx.findOne(AutoStandSchema, { id: autoStandId }))) throw notFound('auto stand', autoStandId);
        await lockFor(tx, `permit:${vehicleRegistration}`);
        const held = await tx.findOne(VehiclePermitSchema, { vehicleRegistration, ...inForce() });
        if (held) throw conflict(`${vehicleRegistration} already has a valid permit, ${held.permitNumber} (until ${held.validUntil}).`);
        const permit = tx.create(VehiclePermitSchema, {
          permitNumber: await nextId(tx, 'vehicle_permit_number_seq', 'PMT-'),
          workerId,
          vehicleRegistration,
          permitType: input.permitType,
          autoStandId,
          issuedOn: input.issuedOn,
          validUntil: input.validUntil,
          suspended: false,
          sourceSystem: GRAPH_SOURCE_SYSTEM,
          recordedBy: GRAPH_WRITER,
        });
        await tx.flush();
        return permit;
      });
    },
  },

  Worker: {
    // Labour owns who the worker is; this subgraph needs only the key to find their records.
    __resolveReference: (reference) => ({ id: reference.id }),
    drivingLicences: (worker, _, { loaders }) => loaders.licencesByWorker.load(worker.id),
    badges: (worker, _, { loaders }) => loaders.badgesByWorker.load(worker.id),
    vehiclePermits: (worker, _, { loaders }) => loaders.permitsByWorker.load(worker.id),
  },

  DrivingLicence: {
    __resolveReference: (reference, { loaders }) => loaders.licenceByNumber.load(reference.licenceNumber),
    holder: (licence) => ({ id: licence.workerId }),
    status: (licence) => validityStatus(licence),
    source: (licence) => sourceByNumber(licence, licence.licenceNumber),
  },

  PsvBadge: {
    __resolveReference: (reference, { loaders }) => loaders.badgeByNumber.load(reference.badgeNumber),
    holder: (badge) => ({ id: badge.workerId }),
    status: (badge) => validityStatus(badge),
    source: (badge) => sourceByNumber(badge, badge.badgeNumber),
  },

  VehiclePermit: {
    __resolveReference: (reference, { loaders }) => loaders.permitByNumber.load(reference.permitNumber),
    holder: (permit) => ({ id: permit.workerId }),
    autoStand: (permit, _, { loaders }) => (permit.autoStandId ? loaders.standById.load(permit.autoStandId) : null),
    status: (permit) => validityStatus(permit),
    source: (permit) => sourceByNumber(permit, permit.permitNumber),
  },

  AutoStand: {
    __resolveReference: (reference, { loaders }) => loaders.standById.load(reference.id),
    city: (stand) => ({ code: stand.cityCode, name: cityByCode(stand.cityCode)?.name ?? stand.cityCode }),
    ward: (stand) => ({ code: stand.wardCode }),
    source: (stand) => sourceOf(AGENCY, stand),
  },

  AutoStandConnection: {
    totalCount: (connection) => connection.totalCount(),
  },
};

/** The SQL form of `validityStatus(...) === 'VALID'`. */
function inForce() {
  return { suspended: false, validUntil: { $gte: today() } };
}

/**
 * "One valid licence (badge, permit) at a time" depends on today's date, which no unique index
 * can express; holding a lock on the worker or vehicle for the transaction keeps two clerks
 * issuing at once from both passing the check.
 */
async function lockFor(tx: Context['em'], key: string): Promise<void> {
  await tx.execute('select pg_advisory_xact_lock(hashtext(?))', [key]);
}

/** Licences, badges and permits are known by their numbers, which Source reports as the record id. */
function sourceByNumber(record: Omit<ProvenanceFields, 'id'>, number: string) {
  const { sourceSystem, recordedAt, recordedBy, updatedAt, updatedBy } = record;
  return sourceOf(AGENCY, { id: number, sourceSystem, recordedAt, recordedBy, updatedAt, updatedBy });
}
