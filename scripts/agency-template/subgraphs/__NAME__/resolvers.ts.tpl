import { requireCity } from '../../src/shared/access/caller.js';
import { conflict, notFound } from '../../src/shared/errors.js';
import { recordFields, writtenThroughGraph } from '../../src/shared/provenance.js';
import { scalarResolvers } from '../../src/shared/scalars.js';
import { nextId, writeInTransaction } from '../../src/shared/transactions.js';
import { cityByCode } from '../../src/shared/reference/index.js';
import { cityArg, notInFuture, workerIdArg } from '../../src/shared/validation.js';
import { __PASCAL__EnrolmentSchema } from './entities.js';
import type { Resolvers } from './generated/resolvers.js';
import { enrolmentIdArg, programmeArg, referenceArg } from './rules.js';

const AGENCY = '__NAME__';

/** Thin: arguments → validation → loaders, or one transaction for a write. */
export const resolvers: Resolvers = {
  ...scalarResolvers,

  Query: {
    // Outside the caller's jurisdiction the loader finds nothing: NOT_FOUND, as for an unknown id.
    async __CAMEL__Enrolment(_, { id }, { loaders }) {
      const enrolment = await loaders.enrolmentById.load(enrolmentIdArg(id));
      if (!enrolment) throw notFound('__TITLE__ enrolment', id);
      return enrolment;
    },
  },

  Mutation: {
    async enrolIn__PASCAL__(_, { input }, { em, caller, writer, workers }) {
      const workerId = workerIdArg(input.workerId);
      const programme = programmeArg(input.programme);
      const cityCode = cityArg(input.city);
      const reference = referenceArg(input.reference);
      const enrolledOn = notInFuture(input.enrolledOn, 'enrolledOn');
      // The place first: a caller refused for its city learns nothing from Labour's answer either.
      requireCity(caller, cityCode, '__TITLE__ enrolments');
      // Labour owns workers; it answers as the caller, so only a worker they could look up.
      await workers.requireWorkers([workerId]);
      return writeInTransaction(em, writer, async (tx) => {
        const enrolled = await tx.find(__PASCAL__EnrolmentSchema, { workerId });
        const same = enrolled.find((enrolment) => enrolment.programme.toLowerCase() === programme.toLowerCase());
        if (same) throw conflict(`${workerId} is already enrolled in ${same.programme} (${same.id}, since ${same.enrolledOn}).`);
        const enrolment = tx.create(__PASCAL__EnrolmentSchema, {
          id: await nextId(tx, '__SNAKE___enrolment_number_seq', '__UPPER__-'),
          workerId,
          programme,
          cityCode,
          enrolledOn,
          reference,
          ...writtenThroughGraph(writer),
        });
        await tx.flush();
        return enrolment;
      }, `${workerId} is already enrolled in ${programme}.`);
    },
  },

  // Labour owns the worker; __TITLE__ only adds its enrolments to it.
  Worker: {
    __resolveReference: (reference) => ({ id: reference.id }),
    __CAMEL__Enrolments: (worker, _, { loaders }) => loaders.enrolmentsByWorker.load(worker.id),
  },

  __PASCAL__Enrolment: {
    __resolveReference: (reference, { loaders }) => loaders.enrolmentById.load(reference.id),
    worker: (enrolment) => ({ id: enrolment.workerId }),
    city: (enrolment) => ({ code: enrolment.cityCode, name: cityByCode(enrolment.cityCode)?.name ?? enrolment.cityCode }),
    ...recordFields(AGENCY, '__SNAKE___enrolment'),
  },
};
