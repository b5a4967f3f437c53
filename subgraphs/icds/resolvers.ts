import { findInJurisdiction, requirePlaceOf } from '../../src/shared/access/jurisdiction.js';
import { conflict, notFound } from '../../src/shared/errors.js';
import { findPage } from '../../src/shared/pagination.js';
import { recordFields, writtenThroughGraph } from '../../src/shared/provenance.js';
import { scalarResolvers } from '../../src/shared/scalars.js';
import { nextId, writeInTransaction } from '../../src/shared/transactions.js';
import { cityByCode } from '../../src/shared/reference/index.js';
import { notInFuture, placeFilter, textArg, workerIdArg } from '../../src/shared/validation.js';
import { AnganwadiCentreSchema, IcdsEnrolmentSchema, type AnganwadiCentre } from './entities.js';
import type { Resolvers } from './generated/resolvers.js';
import { jurisdictionFilters } from './loaders.js';
import { centreIdArg, enrolmentIdArg, exitDateRule, householdMemberRules } from './rules.js';

const AGENCY = 'icds';

export const resolvers: Resolvers = {
  ...scalarResolvers,

  Query: {
    async anganwadiCentre(_, { id }, { loaders }) {
      const centre = await loaders.centreById.load(centreIdArg(id, 'id'));
      if (!centre) throw notFound('anganwadi centre', id);
      return centre;
    },

    // The jurisdiction limits the page and its totalCount alike.
    anganwadiCentres: (_, { filter, first, after }, { em, caller }) =>
      findPage<AnganwadiCentre>(em, AnganwadiCentreSchema, { $and: [placeFilter(filter), jurisdictionFilters(em, caller).centre()] }, { first, after }),

    async icdsEnrolment(_, { id }, { loaders }) {
      const enrolment = await loaders.enrolmentById.load(enrolmentIdArg(id));
      if (!enrolment) throw notFound('ICDS enrolment', id);
      return enrolment;
    },
  },

  Mutation: {
    async enrolHouseholdMember(_, { input }, { em, caller, writer, workers }) {
      const workerId = workerIdArg(input.workerId);
      const centreId = centreIdArg(input.centreId);
      const beneficiaryName = textArg(input.beneficiaryName, 'beneficiaryName', 120);
      const enrolledOn = notInFuture(input.enrolledOn, 'enrolledOn');
      householdMemberRules(input, enrolledOn);
      // The centre's city first, as its id names it: FORBIDDEN alike whether or not such a centre
      // exists there, and a caller refused learns nothing from Labour's answer either.
      requirePlaceOf(caller, centreId, 'anganwadi enrolments');
      await findInJurisdiction(em, AnganwadiCentreSchema, { id: centreId }, jurisdictionFilters(em, caller).centre(), { what: 'anganwadi centre', id: input.centreId });
      await workers.requireWorkers([workerId]);
      const woman = input.beneficiaryType !== 'CHILD';
      // The foreign key on centre_id keeps the centre there until the enrolment is written.
      return writeInTransaction(em, writer, async (tx) => {
        const active = await tx.find(IcdsEnrolmentSchema, { workerId, beneficiaryType: input.beneficiaryType, status: 'ACTIVE' });
        const same = active.find((enrolment) => enrolment.beneficiaryName.toLowerCase() === beneficiaryName.toLowerCase());
        if (same) {
          // The enrolment is named only to a caller who could look it up: its centre may lie in another city.
          const shown = await tx.count(IcdsEnrolmentSchema, { id: same.id, ...jurisdictionFilters(tx, caller).enrolment() });
          throw conflict(shown
            ? `${same.beneficiaryName} is already enrolled (${same.id}, since ${same.enrolledOn}); exit that enrolment first to move them.`
            : `${beneficiaryName} is already enrolled at a centre outside your jurisdiction; the ICDS office there can exit that enrolment.`);
        }
        const enrolment = tx.create(IcdsEnrolmentSchema, {
          id: await nextId(tx, 'icds_enrolment_number_seq', 'ICDS-'),
          workerId,
          centreId,
          beneficiaryType: input.beneficiaryType,
          beneficiaryName,
          relationToWorker: input.relationToWorker,
          dateOfBirth: input.dateOfBirth ?? null,
          expectedDeliveryDate: input.expectedDeliveryDate ?? null,
          deliveryDate: input.deliveryDate ?? null,
          enrolledOn,
          status: 'ACTIVE',
          exitedOn: null,
          // PMMVY instalments are paid later, to women only.
          pmmvyInstalmentsPaid: woman ? 0 : null,
          ...writtenThroughGraph(writer),
        });
        await tx.flush();
        return enrolment;
      }, `${beneficiaryName} already has an active enrolment in this household.`);
    },

    async exitIcdsEnrolment(_, { id, exitedOn }, { em, caller, writer }) {
      const enrolmentId = enrolmentIdArg(id);
      notInFuture(exitedOn, 'exitedOn');
      return writeInTransaction(em, writer, async (tx) => {
        // An enrolment at a centre outside the jurisdiction is as unknown as one that does not exist.
        const enrolment = await findInJurisdiction(tx, IcdsEnrolmentSchema, { id: enrolmentId }, jurisdictionFilters(tx, caller).enrolment(), { what: 'ICDS enrolment', id });
        if (enrolment.status === 'EXITED') throw conflict(`${enrolment.id} already exited on ${enrolment.exitedOn}.`);
        exitDateRule(enrolment, exitedOn);
        tx.assign(enrolment, { status: 'EXITED', exitedOn, updatedBy: writer.actor });
        await tx.flush();
        return enrolment;
      });
    },
  },

  // Labour owns the worker; ICDS only adds the household's enrolments to it.
  Worker: {
    __resolveReference: (reference) => ({ id: reference.id }),
    icdsEnrolments: (worker, _, { loaders }) => loaders.enrolmentsByWorker.load(worker.id),
    icdsFacts: (worker, _, { loaders }) => loaders.facts.load(worker.id),
  },

  AnganwadiCentre: {
    __resolveReference: (reference, { loaders }) => loaders.centreById.load(reference.id),
    city: (centre) => ({ code: centre.cityCode, name: cityByCode(centre.cityCode)?.name ?? centre.cityCode }),
    ward: (centre) => ({ code: centre.wardCode }),
    ...recordFields(AGENCY, 'anganwadi_centre'),
  },

  IcdsEnrolment: {
    __resolveReference: (reference, { loaders }) => loaders.enrolmentById.load(reference.id),
    worker: (enrolment) => ({ id: enrolment.workerId }),
    // The foreign key on centre_id guarantees the centre is there, and a caller who sees the
    // enrolment sees its centre: the enrolment lies in the centre's city.
    centre: async (enrolment, _, { loaders }) => (await loaders.centreById.load(enrolment.centreId))!,
    ...recordFields(AGENCY, 'icds_enrolment'),
  },

  AnganwadiCentreConnection: {
    totalCount: (connection) => connection.totalCount(),
  },
};
