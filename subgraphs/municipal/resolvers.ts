import { LockMode } from '@mikro-orm/core';
import { findInJurisdiction, requirePlaceOf } from '../../src/shared/access/jurisdiction.js';
import { conflict, notFound } from '../../src/shared/errors.js';
import { findPage } from '../../src/shared/pagination.js';
import { recordFields, writtenThroughGraph } from '../../src/shared/provenance.js';
import { scalarResolvers } from '../../src/shared/scalars.js';
import { lockFor, nextId, writeInTransaction } from '../../src/shared/transactions.js';
import { cityByCode } from '../../src/shared/reference/index.js';
import { cityArg, notInFuture, placeFilter, textArg, validityPeriod, workerIdArg } from '../../src/shared/validation.js';
import type { Context } from './context.js';
import {
  SanitationWorkerIdSchema, TradeLicenceSchema, VendingCertificateSchema, VendingZoneSchema, WardSchema,
  type VendingZone, type Ward,
} from './entities.js';
import type { Resolvers } from './generated/resolvers.js';
import { jurisdictionFilters } from './loaders.js';
import {
  certificateNumberArg, currentStatus, noCurrentCertificate, TRADE_LICENCE_MAX_YEARS,
  VENDING_CERTIFICATE_MAX_YEARS, vendingAllowed, vendingZoneIdArg, wardCodeArg, zoneHasRoom,
} from './rules.js';
import { today } from '../../src/shared/dates.js';

const AGENCY = 'municipal';

export const resolvers: Resolvers = {
  ...scalarResolvers,

  Query: {
    async ward(_, { code }, { loaders }) {
      const ward = await loaders.wardByCode.load(wardCodeArg(code, 'code'));
      if (!ward) throw notFound('ward', code);
      return ward;
    },

    wards: (_, { city }, { em, caller }) =>
      em.find(WardSchema, { $and: [{ cityCode: cityArg(city) }, jurisdictionFilters(em, caller).ward()] }, { orderBy: { number: 'asc' } }),

    async vendingZone(_, { id }, { loaders }) {
      const zone = await loaders.vendingZoneById.load(vendingZoneIdArg(id, 'id'));
      if (!zone) throw notFound('vending zone', id);
      return zone;
    },

    // The jurisdiction limits the page and its totalCount alike.
    vendingZones: (_, { filter, first, after }, { em, caller }) =>
      findPage<VendingZone>(em, VendingZoneSchema, { $and: [placeFilter(filter), jurisdictionFilters(em, caller).vendingZone()] }, { first, after }),

    async vendingCertificate(_, { certificateNumber }, { loaders }) {
      const certificate = await loaders.vendingCertificateByNumber.load(certificateNumberArg(certificateNumber));
      if (!certificate) throw notFound('vending certificate', certificateNumber);
      return certificate;
    },
  },

  Mutation: {
    async issueVendingCertificate(_, { input }, { em, caller, writer, workers }) {
      const workerId = workerIdArg(input.workerId);
      const vendingZoneId = vendingZoneIdArg(input.vendingZoneId);
      const goods = textArg(input.goods, 'goods', 80);
      validityPeriod(input.issuedOn, input.validUntil, VENDING_CERTIFICATE_MAX_YEARS, 'vending certificate');
      // The zone's city as its id names it (FORBIDDEN alike whether or not the zone exists), then
      // the zone within the jurisdiction (NOT_FOUND), before the worker is confirmed. Read past the
      // identity map, so the locked read inside the transaction sees the zone's current capacity.
      requirePlaceOf(caller, vendingZoneId, 'vending certificates');
      await findInJurisdiction(em, VendingZoneSchema, { id: vendingZoneId }, jurisdictionFilters(em, caller).vendingZone(), { what: 'vending zone', id: input.vendingZoneId }, { disableIdentityMap: true });
      await workers.requireWorkers([workerId]);
      return writeInTransaction(em, writer, async (tx) => {
        // Locking the zone row makes concurrent issues in one zone take turns at the capacity check.
        const zone = await tx.findOne(VendingZoneSchema, { id: vendingZoneId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (!zone) throw notFound('vending zone', input.vendingZoneId);
        vendingAllowed(zone);
        await lockFor(tx, `vending-certificate:${workerId}`);
        const current = await tx.findOne(VendingCertificateSchema, {
          workerId, status: { $in: ['ACTIVE', 'SUSPENDED'] }, validUntil: { $gte: today() },
        });
        const shown = current ? await tx.count(VendingCertificateSchema, { certificateNumber: current.certificateNumber, ...jurisdictionFilters(tx, caller).vendingCertificate() }) : 0;
        noCurrentCertificate(workerId, current, shown > 0);
        zoneHasRoom(zone, await tx.count(VendingCertificateSchema, { vendingZoneId, status: 'ACTIVE', validUntil: { $gte: today() } }));
        const certificate = tx.create(VendingCertificateSchema, {
          certificateNumber: await nextId(tx, 'vending_certificate_number_seq', `${zone.cityCode}/SVC/${input.issuedOn.slice(0, 4)}/`, 6),
          workerId,
          vendingZoneId,
          category: input.category,
          goods,
          issuedOn: input.issuedOn,
          validUntil: input.validUntil,
          status: 'ACTIVE',
          ...writtenThroughGraph(writer),
        });
        await tx.flush();
        return certificate;
      });
    },

    async issueTradeLicence(_, { input }, { em, caller, writer, workers }) {
      const workerId = workerIdArg(input.workerId);
      const tradeName = textArg(input.tradeName, 'tradeName', 120);
      const wardCode = wardCodeArg(input.ward);
      validityPeriod(input.issuedOn, input.validUntil, TRADE_LICENCE_MAX_YEARS, 'trade licence');
      // The ward code names its city: FORBIDDEN outside the jurisdiction, NOT_FOUND for no such ward in it.
      requirePlaceOf(caller, wardCode, 'trade licences');
      const ward = await findInJurisdiction(em, WardSchema, { code: wardCode }, jurisdictionFilters(em, caller).ward(), { what: 'ward', id: input.ward });
      await workers.requireWorkers([workerId]);
      return writeInTransaction(em, writer, async (tx) => {
        const licence = tx.create(TradeLicenceSchema, {
          licenceNumber: await nextId(tx, 'trade_licence_number_seq', `${ward.cityCode}/TL/${input.issuedOn.slice(0, 4)}/`, 6),
          workerId,
          tradeName,
          tradeCategory: input.tradeCategory,
          wardCode,
          issuedOn: input.issuedOn,
          validUntil: input.validUntil,
          status: 'ACTIVE',
          ...writtenThroughGraph(writer),
        });
        await tx.flush();
        return licence;
      });
    },

    async issueSanitationWorkerId(_, { input }, { em, caller, writer, workers }) {
      const workerId = workerIdArg(input.workerId);
      const employer = textArg(input.employer, 'employer', 120);
      const wardCode = wardCodeArg(input.ward);
      const issuedOn = notInFuture(input.issuedOn, 'issuedOn');
      // The ward code names its city: FORBIDDEN outside the jurisdiction, NOT_FOUND for no such ward in it.
      requirePlaceOf(caller, wardCode, 'sanitation-worker IDs');
      const ward = await findInJurisdiction(em, WardSchema, { code: wardCode }, jurisdictionFilters(em, caller).ward(), { what: 'ward', id: input.ward });
      await workers.requireWorkers([workerId]);
      const duplicate = `${workerId} already has a sanitation-worker ID card.`;
      return writeInTransaction(em, writer, async (tx) => {
        const existing = await tx.findOne(SanitationWorkerIdSchema, { workerId });
        if (existing) {
          // Named only to a caller whose jurisdiction covers the card's ward.
          const shown = await tx.count(SanitationWorkerIdSchema, { idNumber: existing.idNumber, ...jurisdictionFilters(tx, caller).wardRecord() });
          throw conflict(shown ? `${workerId} already has sanitation-worker ID card ${existing.idNumber}, issued on ${existing.issuedOn}.` : `${workerId} already has a sanitation-worker ID card, issued outside your jurisdiction.`);
        }
        const card = tx.create(SanitationWorkerIdSchema, {
          idNumber: await nextId(tx, 'sanitation_worker_id_number_seq', `${ward.cityCode}/SW/`, 6),
          workerId,
          employer,
          wardCode,
          issuedOn,
          ...writtenThroughGraph(writer),
        });
        await tx.flush();
        return card;
      }, duplicate);
    },
  },

  Worker: {
    __resolveReference: (reference) => ({ id: reference.id }),
    vendingCertificates: (worker, _, { loaders }) => loaders.vendingCertificatesByWorker.load(worker.id),
    tradeLicences: (worker, _, { loaders }) => loaders.tradeLicencesByWorker.load(worker.id),
    sanitationWorkerIds: (worker, _, { loaders }) => loaders.sanitationWorkerIdsByWorker.load(worker.id),
    svanidhiLoans: (worker, _, { loaders }) => loaders.svanidhiLoansByWorker.load(worker.id),
    municipalFacts: (worker, _, { loaders }) => loaders.facts.load(worker.id),
  },

  Ward: {
    __resolveReference: (reference, { loaders }) => loaders.wardByCode.load(reference.code),
    city: (ward) => ({ code: ward.cityCode, name: cityByCode(ward.cityCode)?.name ?? ward.cityCode }),
    ...recordFields(AGENCY, 'ward', (ward) => ward.code),
  },

  VendingZone: {
    __resolveReference: (reference, { loaders }) => loaders.vendingZoneById.load(reference.id),
    ward: (zone, _, { loaders }) => wardOf(zone.wardCode, loaders),
    ...recordFields(AGENCY, 'vending_zone'),
  },

  VendingZoneConnection: {
    totalCount: (connection) => connection.totalCount(),
  },

  VendingCertificate: {
    __resolveReference: (reference, { loaders }) => loaders.vendingCertificateByNumber.load(reference.certificateNumber),
    worker: (certificate) => ({ id: certificate.workerId }),
    async vendingZone(certificate, _, { loaders }) {
      // The foreign key guarantees the zone exists, and it lies in the certificate's city.
      return (await loaders.vendingZoneById.load(certificate.vendingZoneId))!;
    },
    status: (certificate) => currentStatus(certificate),
    ...recordFields(AGENCY, 'vending_certificate', (certificate) => certificate.certificateNumber),
  },

  TradeLicence: {
    __resolveReference: (reference, { loaders }) => loaders.tradeLicenceByNumber.load(reference.licenceNumber),
    worker: (licence) => ({ id: licence.workerId }),
    ward: (licence, _, { loaders }) => wardOf(licence.wardCode, loaders),
    status: (licence) => currentStatus(licence),
    ...recordFields(AGENCY, 'trade_licence', (licence) => licence.licenceNumber),
  },

  SvanidhiLoan: {
    worker: (loan) => ({ id: loan.workerId }),
    // The foreign key guarantees the certificate exists, and the loan lies in the certificate's city.
    vendingCertificate: async (loan, _, { loaders }) => (await loaders.vendingCertificateByNumber.load(loan.certificateNumber))!,
    ...recordFields(AGENCY, 'svanidhi_loan'),
  },

  SanitationWorkerId: {
    __resolveReference: (reference, { loaders }) => loaders.sanitationWorkerIdByNumber.load(reference.idNumber),
    worker: (card) => ({ id: card.workerId }),
    ward: (card, _, { loaders }) => wardOf(card.wardCode, loaders),
    ...recordFields(AGENCY, 'sanitation_worker_id', (card) => card.idNumber),
  },
};

/**
 * Wards are referred to through foreign keys, so the ward is always there; a record lies in its
 * ward's city, so a caller who sees the record sees its ward too.
 */
async function wardOf(code: string, loaders: Context['loaders']): Promise<Ward> {
  return (await loaders.wardByCode.load(code))!;
}
