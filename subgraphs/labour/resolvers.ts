import { findInJurisdiction, requireCity, requireWard } from '../../src/shared/access/jurisdiction.js';
import { alreadyRegistered, badInput, conflict, logConflict, notFound } from '../../src/shared/errors.js';
import { findPage } from '../../src/shared/pagination.js';
import { recordFields, writtenThroughGraph } from '../../src/shared/provenance.js';
import { scalarResolvers } from '../../src/shared/scalars.js';
import { nextId, writeInTransaction } from '../../src/shared/transactions.js';
import { cityByCode, NCO_CODE } from '../../src/shared/reference/index.js';
import { cityArg, digitsArg, notInFuture, phoneArg, placeFilter, textArg, wardArg, workerIdArg } from '../../src/shared/validation.js';
import { SocialSecurityEnrolmentSchema, WorkerSchema, type Worker } from './entities.js';
import type { Resolvers } from './generated/resolvers.js';
import { jurisdictionFilters } from './loaders.js';
import { idReferenceTokenArg, ncoCodeArg, registrationAge, schemeEligibility, workerLookupArgs } from './rules.js';
import type { Context } from './context.js';
import type { FilterQuery } from '@mikro-orm/core';
import { today } from '../../src/shared/dates.js';

const AGENCY = 'labour';
const LOOKUP_LIMIT = 20;

export const resolvers: Resolvers = {
  ...scalarResolvers,

  Query: {
    async worker(_, { id }, { loaders }) {
      const worker = await loaders.workerById.load(workerIdArg(id, 'id'));
      if (!worker) throw notFound('worker', id);
      return worker;
    },

    // The jurisdiction limits the page and its totalCount alike.
    workers(_, { filter, first, after }, { em, caller }) {
      const where: Partial<Worker> = placeFilter(filter);
      if (filter?.occupation) where.occupation = filter.occupation;
      return findPage<Worker>(em, WorkerSchema, { $and: [where, jurisdictionFilters(em, caller).worker()] }, { first, after });
    },

    async findWorkers(_, { phone, idLast4, dateOfBirth, name }, { em, caller }) {
      const lookup = workerLookupArgs({ phone, idLast4, dateOfBirth, name });
      const where: FilterQuery<Worker> = { ...(lookup.phone ? { phone: lookup.phone } : {}), ...(lookup.idLast4 ? { idLast4: lookup.idLast4, dateOfBirth: lookup.dateOfBirth } : {}) };
      if (lookup.name) where.name = { $ilike: `%${lookup.name.replace(/[%_\\]/g, '\\$&')}%` };
      return em.find(WorkerSchema, { $and: [where, jurisdictionFilters(em, caller).worker()] }, { orderBy: { id: 'asc' }, limit: LOOKUP_LIMIT });
    },
  },

  Mutation: {
    async registerWorker(_, { input }, { em, caller, writer }) {
      const city = cityArg(input.city);
      requireCity(caller, city, 'worker register');
      const ward = wardArg(input.ward, city);
      requireWard(caller, ward, 'worker register');
      const registeredOn = notInFuture(input.registeredOn ?? today(), 'registeredOn');
      registrationAge(input.dateOfBirth, registeredOn);
      const values = {
        name: textArg(input.name, 'name', 120),
        gender: input.gender,
        dateOfBirth: input.dateOfBirth,
        phone: phoneArg(input.phone),
        idToken: idReferenceTokenArg(input.idReferenceToken),
        idLast4: digitsArg(input.idLast4, 'idLast4', 4),
        occupation: input.occupation,
        ncoCode: input.ncoCode ? ncoCodeArg(input.ncoCode) : NCO_CODE[input.occupation],
        cityCode: city,
        wardCode: ward,
        registeredOn,
        eShramUan: input.eShramUan ? digitsArg(input.eShramUan, 'eShramUan', 12) : null,
        ...writtenThroughGraph(writer),
      };
      return writeInTransaction(em, writer, async (tx) => {
        await assertUnique(tx, writer.actor, values);
        const worker = tx.create(WorkerSchema, { id: await nextId(tx, 'worker_number_seq', 'W-'), ...values });
        await tx.flush();
        return worker;
      }, alreadyRegistered);
    },

    async updateWorker(_, { id, input }, { em, caller, writer }) {
      const workerId = workerIdArg(id, 'id');
      return writeInTransaction(em, writer, async (tx) => {
        // A worker outside the jurisdiction is as unknown as one that does not exist.
        const worker = await findInJurisdiction(tx, WorkerSchema, { id: workerId }, jurisdictionFilters(tx, caller).worker(), { what: 'worker', id });
        const changes: Partial<Worker> = {};
        if (input.name != null) changes.name = textArg(input.name, 'name', 120);
        if (input.phone != null) changes.phone = phoneArg(input.phone);
        if (input.occupation != null) changes.occupation = input.occupation;
        if (input.ncoCode != null) changes.ncoCode = ncoCodeArg(input.ncoCode);
        if (input.ward != null) {
          changes.wardCode = wardArg(input.ward, worker.cityCode);
          // A ward-level caller moves nobody out of their ward, where they could no longer see them.
          requireWard(caller, changes.wardCode, 'worker register');
        }
        if (input.eShramUan != null) changes.eShramUan = digitsArg(input.eShramUan, 'eShramUan', 12);
        if (Object.keys(changes).length === 0) throw badInput('Nothing to update: give at least one field.');
        await assertUnique(tx, writer.actor, changes, worker.id);
        tx.assign(worker, { ...changes, updatedBy: writer.actor });
        await tx.flush();
        return worker;
      }, alreadyRegistered);
    },

    async enrolInScheme(_, { input }, { em, caller, writer }) {
      const workerId = workerIdArg(input.workerId);
      const enrolledOn = notInFuture(input.enrolledOn, 'enrolledOn');
      const schemeReference = textArg(input.schemeReference, 'schemeReference', 60);
      return writeInTransaction(em, writer, async (tx) => {
        const worker = await findInJurisdiction(tx, WorkerSchema, { id: workerId }, jurisdictionFilters(tx, caller).worker(), { what: 'worker', id: input.workerId });
        if (enrolledOn < worker.dateOfBirth) throw badInput('enrolledOn is before the worker was born.', 'enrolledOn');
        schemeEligibility(input.scheme, worker, enrolledOn);
        const active = await tx.count(SocialSecurityEnrolmentSchema, { workerId, scheme: input.scheme, status: 'ACTIVE' });
        if (active) throw conflict(`${workerId} already has an active ${input.scheme} enrolment.`);
        const enrolment = tx.create(SocialSecurityEnrolmentSchema, {
          id: await nextId(tx, 'social_security_enrolment_number_seq', 'SSE-'),
          workerId,
          scheme: input.scheme,
          status: 'ACTIVE',
          enrolledOn,
          schemeReference,
          ...writtenThroughGraph(writer),
        });
        await tx.flush();
        return enrolment;
      }, `That worker already has an active ${input.scheme} enrolment.`);
    },
  },

  Worker: {
    __resolveReference: (reference, { loaders }) => loaders.workerById.load(reference.id),
    idReference: (worker) => ({ token: worker.idToken, last4: worker.idLast4 }),
    city: (worker) => ({ code: worker.cityCode, name: cityByCode(worker.cityCode)?.name ?? worker.cityCode }),
    ward: (worker) => ({ code: worker.wardCode }),
    socialSecurityEnrolments: (worker, _, { loaders }) => loaders.enrolmentsByWorker.load(worker.id),
    ...recordFields(AGENCY, 'worker'),
    labourFacts: (worker, _, { loaders }) => loaders.facts.load(worker.id),
  },

  SocialSecurityEnrolment: {
    __resolveReference: (reference, { loaders }) => loaders.enrolmentById.load(reference.id),
    ...recordFields(AGENCY, 'social_security_enrolment'),
  },

  WorkerConnection: {
    totalCount: (connection) => connection.totalCount(),
  },
};

/**
 * Phone, ID reference and e-Shram UAN each identify one person: refuse a second holder, wherever
 * they are registered. The caller is told only that the person is already registered, the same
 * for every field and every holder, in the jurisdiction or not: which field collided, or with
 * whom, would tell an officer that a phone number or UAN is registered elsewhere and to which
 * worker. The server log says which field and which worker, for the owning agency to resolve it.
 */
async function assertUnique(
  em: Context['em'],
  actor: string,
  values: { phone?: string; idToken?: string; eShramUan?: string | null },
  exceptId?: string,
): Promise<void> {
  for (const field of ['phone', 'idToken', 'eShramUan'] as const) {
    const value = values[field];
    if (!value) continue;
    const holder = await em.findOne(WorkerSchema, { [field]: value, ...(exceptId ? { id: { $ne: exceptId } } : {}) });
    if (holder) {
      logConflict(AGENCY, { field, holderId: holder.id, actor });
      throw alreadyRegistered();
    }
  }
}
