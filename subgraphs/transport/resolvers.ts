import { conflict, notFound } from '../../src/shared/errors.js';
import { findPage } from '../../src/shared/pagination.js';
import { recordFields, writtenThroughGraph } from '../../src/shared/provenance.js';
import { scalarResolvers } from '../../src/shared/scalars.js';
import { lockFor, nextId, writeInTransaction } from '../../src/shared/transactions.js';
import { cityByCode } from '../../src/shared/reference/index.js';
import { dateOrder, notInFuture, placeFilter, validityPeriod, workerIdArg } from '../../src/shared/validation.js';
import { findInJurisdiction, requirePlaceOf } from '../../src/shared/access/jurisdiction.js';
import { AutoStandSchema, DrivingLicenceSchema, PsvBadgeSchema, VehiclePermitSchema, type AutoStand } from './entities.js';
import type { Resolvers } from './generated/resolvers.js';
import { jurisdictionFilters } from './loaders.js';
import {
  LICENCE_YEARS, PERMIT_YEARS, autoStandIdArg, badgeLicence, licenceNumberArg, licencePrefix, permitStand,
  requireRto, rtoArg, rtoPrefix, validityStatus, vehicleClassesArg, vehicleRegistrationArg,
} from './rules.js';
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

    // The jurisdiction limits the page and its totalCount alike.
    autoStands: (_, { filter, first, after }, { em, caller }) =>
      findPage<AutoStand>(em, AutoStandSchema, { $and: [placeFilter(filter), jurisdictionFilters(em, caller).stand()] }, { first, after }),
  },

  Mutation: {
    async issueDrivingLicence(_, { input }, { em, caller, writer, workers }) {
      const workerId = workerIdArg(input.workerId);
      const vehicleClasses = vehicleClassesArg(input.vehicleClasses);
      const issuingRto = rtoArg(input.issuingRto);
      validityPeriod(input.issuedOn, input.validUntil, LICENCE_YEARS, 'driving licence');
      requireRto(caller, issuingRto, 'driving licences');
      await workers.requireWorkers([workerId]);
      const where = jurisdictionFilters(em, caller);
      return writeInTransaction(em, writer, async (tx) => {
        await lockFor(tx, `licence:${workerId}`);
        // One valid licence per worker wherever it was issued; one from an RTO outside the
        // caller's jurisdiction blocks the issue too, but is not named.
        const held = await tx.findOne(DrivingLicenceSchema, { workerId, ...inForce() });
        if (held) {
          const shown = await tx.count(DrivingLicenceSchema, { licenceNumber: held.licenceNumber, ...where.licence() });
          throw conflict(`${workerId} already holds a valid driving licence${shown ? `, ${held.licenceNumber}` : ' issued outside your jurisdiction'}; renew or endorse it instead of issuing another.`);
        }
        const licence = tx.create(DrivingLicenceSchema, {
          licenceNumber: await nextId(tx, 'driving_licence_serial_seq', licencePrefix(issuingRto, input.issuedOn)),
          workerId,
          vehicleClasses,
          issuedOn: input.issuedOn,
          validUntil: input.validUntil,
          issuingRto,
          suspended: false,
          ...writtenThroughGraph(writer),
        });
        await tx.flush();
        return licence;
      });
    },

    async issuePsvBadge(_, { input }, { em, caller, writer, workers }) {
      const workerId = workerIdArg(input.workerId);
      const licenceNumber = licenceNumberArg(input.licenceNumber);
      notInFuture(input.issuedOn, 'issuedOn');
      dateOrder(input.issuedOn, input.validUntil, 'issuedOn', 'validUntil');
      // The licence number names its RTO, so the place is checked before looking the licence up.
      requireRto(caller, rtoPrefix(licenceNumber), 'PSV badges');
      await workers.requireWorkers([workerId]);
      const where = jurisdictionFilters(em, caller);
      return writeInTransaction(em, writer, async (tx) => {
        await lockFor(tx, `badge:${workerId}`);
        const licence = await findInJurisdiction(tx, DrivingLicenceSchema, { licenceNumber }, where.licence(), { what: 'driving licence', id: input.licenceNumber });
        badgeLicence(licence, { workerId, issuedOn: input.issuedOn, validUntil: input.validUntil });
        const held = await tx.findOne(PsvBadgeSchema, { workerId, ...inForce() });
        if (held) {
          const shown = await tx.count(PsvBadgeSchema, { badgeNumber: held.badgeNumber, ...where.badge() });
          throw conflict(`${workerId} already holds a valid PSV badge${shown ? `, ${held.badgeNumber} (until ${held.validUntil})` : ' issued outside your jurisdiction'}.`);
        }
        const badge = tx.create(PsvBadgeSchema, {
          badgeNumber: await nextId(tx, 'psv_badge_number_seq', 'PSV-'),
          workerId,
          licenceNumber,
          issuedOn: input.issuedOn,
          validUntil: input.validUntil,
          suspended: false,
          ...writtenThroughGraph(writer),
        });
        await tx.flush();
        return badge;
      });
    },

    async issueVehiclePermit(_, { input }, { em, caller, writer, workers }) {
      const workerId = workerIdArg(input.workerId);
      const vehicleRegistration = vehicleRegistrationArg(input.vehicleRegistration);
      const autoStandId = input.autoStandId ? autoStandIdArg(input.autoStandId, 'autoStandId') : null;
      permitStand(input.permitType, autoStandId);
      validityPeriod(input.issuedOn, input.validUntil, PERMIT_YEARS, 'vehicle permit');
      // A permit lies in its stand's city (the id names it), or without a stand in its vehicle's RTO's.
      if (autoStandId) requirePlaceOf(caller, autoStandId, 'vehicle permits');
      else requireRto(caller, rtoPrefix(vehicleRegistration), 'vehicle permits');
      await workers.requireWorkers([workerId]);
      const where = jurisdictionFilters(em, caller);
      return writeInTransaction(em, writer, async (tx) => {
        if (autoStandId) await findInJurisdiction(tx, AutoStandSchema, { id: autoStandId }, where.stand(), { what: 'auto stand', id: autoStandId });
        await lockFor(tx, `permit:${vehicleRegistration}`);
        const held = await tx.findOne(VehiclePermitSchema, { vehicleRegistration, ...inForce() });
        if (held) {
          const shown = await tx.count(VehiclePermitSchema, { $and: [{ permitNumber: held.permitNumber }, where.permit()] });
          throw conflict(`${vehicleRegistration} already has a valid permit${shown ? `, ${held.permitNumber} (until ${held.validUntil})` : ' issued outside your jurisdiction'}.`);
        }
        const permit = tx.create(VehiclePermitSchema, {
          permitNumber: await nextId(tx, 'vehicle_permit_number_seq', 'PMT-'),
          workerId,
          vehicleRegistration,
          permitType: input.permitType,
          autoStandId,
          issuedOn: input.issuedOn,
          validUntil: input.validUntil,
          suspended: false,
          ...writtenThroughGraph(writer),
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
    ...recordFields(AGENCY, 'driving_licence', (licence) => licence.licenceNumber),
  },

  PsvBadge: {
    __resolveReference: (reference, { loaders }) => loaders.badgeByNumber.load(reference.badgeNumber),
    holder: (badge) => ({ id: badge.workerId }),
    status: (badge) => validityStatus(badge),
    ...recordFields(AGENCY, 'psv_badge', (badge) => badge.badgeNumber),
  },

  VehiclePermit: {
    __resolveReference: (reference, { loaders }) => loaders.permitByNumber.load(reference.permitNumber),
    holder: (permit) => ({ id: permit.workerId }),
    // A permit is shown only within its stand's city, so its stand is shown too.
    autoStand: (permit, _, { loaders }) => (permit.autoStandId ? loaders.standById.load(permit.autoStandId) : null),
    status: (permit) => validityStatus(permit),
    ...recordFields(AGENCY, 'vehicle_permit', (permit) => permit.permitNumber),
  },

  AutoStand: {
    __resolveReference: (reference, { loaders }) => loaders.standById.load(reference.id),
    city: (stand) => ({ code: stand.cityCode, name: cityByCode(stand.cityCode)?.name ?? stand.cityCode }),
    ward: (stand) => ({ code: stand.wardCode }),
    ...recordFields(AGENCY, 'auto_stand'),
  },

  AutoStandConnection: {
    totalCount: (connection) => connection.totalCount(),
  },
};

/** The SQL form of `validityStatus(...) === 'VALID'`. */
function inForce() {
  return { suspended: false, validUntil: { $gte: today() } };
}
