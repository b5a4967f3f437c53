import { conflict, notFound } from '../../src/shared/errors.js';
import { findPage } from '../../src/shared/pagination.js';
import { GRAPH_SOURCE_SYSTEM, GRAPH_WRITER, sourceOf } from '../../src/shared/provenance.js';
import { scalarResolvers } from '../../src/shared/scalars.js';
import { nextId, writeInTransaction } from '../../src/shared/transactions.js';
import { cityByCode } from '../../src/shared/demo/places.js';
import { notInFuture, placeFilter, textArg, workerIdArg } from '../../src/shared/validation.js';
import { AnganwadiCentreSchema, IcdsEnrolmentSchema } from './entities.js';
import type { Resolvers } from './generated/resolvers.js';
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

    anganwadiCentres: (_, { filter, first, after }, { em }) =>
      findPage(em, AnganwadiCentreSchema, placeFilter(filter), { first, after }),

    async icdsEnrolment(_, { id }, { loaders }) {
      const enrolment = await loaders.enrolmentById.load(enrolmentIdArg(id));
      if (!enrolment) throw notFound('ICDS enrolment', id);
      return enrolment;
    },
  },

  Mutation: {
    async enrolHouseholdMember(_, { input }, { em, workers }) {
      const workerId = workerIdArg(input.workerId);
      const centreId = centreIdArg(input.centreId);
      const beneficiaryName = textArg(input.beneficiaryName, 'beneficiaryName', 120);
      const enrolledOn = notInFuture(input.enrolledOn, 'enrolledOn');
      householdMemberRules(input, enrolledOn);
      await workers.requireWorkers([workerId]);
      const woman = input.beneficiaryType !== 'CHILD';
      return writeInTransaction(em, async (tx) => {
        if (!(await tx.count(AnganwadiCentreSchema, { id: centreId }))) throw notFound('anganwadi centre', input.centreId);
        const active = await tx.find(IcdsEnrolmentSchema, { workerId, beneficiaryType: input.beneficiaryType, status: 'ACTIVE' });
        const same = active.find((enrolment) => enrolment.beneficiaryName.toLowerCase() === beneficiaryName.toLowerCase());
        if (same) throw conflict(`${same.beneficiaryName} is already enrolled (${same.id}, since ${same.enrolledOn}); exit that enrolment first to move them.`);
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
          sourceSystem: GRAPH_SOURCE_SYSTEM,
          recordedBy: GRAPH_WRITER,
        });
        await tx.flush();
        return enrolment;
      }, `${beneficiaryName} already has an active enrolment in this household.`);
    },

    async exitIcdsEnrolment(_, { id, exitedOn }, { em }) {
      const enrolmentId = enrolmentIdArg(id);
      notInFuture(exitedOn, 'exitedOn');
      return writeInTransaction(em, async (tx) => {
        const enrolment = await tx.findOne(IcdsEnrolmentSchema, { id: enrolmentId });
        if (!enrolment) throw notFound('ICDS enrolment', id);
        if (enrolment.status === 'EXITED') throw conflict(`${enrolment.id} already exited on ${enrolment.exitedOn}.`);
        exitDateRule(enrolment, exitedOn);
        tx.assign(enrolment, { status: 'EXITED', exitedOn, updatedBy: GRAPH_WRITER });
        await tx.flush();
        return enrolment;
      });
    },
  },

  // Labour owns the worker; ICDS only adds the household's enrolments to it.
  Worker: {
    __resolveReference: (reference) => ({ id: reference.id }),
    icdsEnrolments: (worker, _, { loaders }) => loaders.enrolmentsByWorker.load(worker.id),
  },

  AnganwadiCentre: {
    __resolveReference: (reference, { loaders }) => loaders.centreById.load(reference.id),
    city: (centre) => ({ code: centre.cityCode, name: cityByCode(centre.cityCode)?.name ?? centre.cityCode }),
    ward: (centre) => ({ code: centre.wardCode }),
    source: (centre) => sourceOf(AGENCY, centre),
  },

  IcdsEnrolment: {
    __resolveReference: (reference, { loaders }) => loaders.enrolmentById.load(reference.id),
    worker: (enrolment) => ({ id: enrolment.workerId }),
    // The foreign key on centre_id guarantees the centre is there.
    centre: async (enrolment, _, { loaders }) => (await loaders.centreById.load(enrolment.centreId))!,
    source: (enrolment) => sourceOf(AGENCY, enrolment),
  },

  AnganwadiCentreConnection: {
    totalCount: (connection) => connection.totalCount(),
  },
};
