import type { Caller } from '../../src/shared/access/caller.js';
import { findInJurisdiction, requireCity } from '../../src/shared/access/jurisdiction.js';
import { badInput, conflict, notFound } from '../../src/shared/errors.js';
import { findPage } from '../../src/shared/pagination.js';
import { recordFields, writtenThroughGraph } from '../../src/shared/provenance.js';
import { scalarResolvers } from '../../src/shared/scalars.js';
import { nextId, writeInTransaction } from '../../src/shared/transactions.js';
import { cityByCode } from '../../src/shared/reference/index.js';
import { cityArg, digitsArg, notInFuture, placeFilter, positiveAmountArg, textArg, wardArg, workerIdArg } from '../../src/shared/validation.js';
import {
  BankLinkageSchema, CigMembershipSchema, CigSchema, CreditLinkageSchema, SavingsDepositSchema, VisitSchema, type Cig,
} from './entities.js';
import type { Resolvers } from './generated/resolvers.js';
import { jurisdictionFilters } from './loaders.js';
import {
  MAX_DEPOSIT, MAX_LOAN, cigIdArg, foundingMembers, ifscArg, notBefore, recentSavingsLimit, schemeArg, visitCity, visitNoteArg,
} from './rules.js';
import type { Context } from './context.js';

const AGENCY = 'mepma';

export const resolvers: Resolvers = {
  ...scalarResolvers,

  Query: {
    async cig(_, { id }, { loaders }) {
      const cig = await loaders.cigById.load(cigIdArg(id, 'id'));
      if (!cig) throw notFound('CIG', id);
      return cig;
    },

    // The jurisdiction limits the page and its totalCount alike.
    cigs(_, { filter, first, after }, { em, caller }) {
      const where: Partial<Cig> = placeFilter(filter);
      if (filter?.occupation) where.occupation = filter.occupation;
      if (filter?.workLocationKind) where.workLocationKind = filter.workLocationKind;
      return findPage<Cig>(em, CigSchema, { $and: [where, jurisdictionFilters(em, caller).cig()] }, { first, after });
    },
  },

  Mutation: {
    async formCig(_, { input }, { em, caller, writer, workers }) {
      const city = cityArg(input.city);
      const formedOn = notInFuture(input.formedOn, 'formedOn');
      const members = foundingMembers(input.members);
      const values = {
        name: textArg(input.name, 'name', 120),
        occupation: input.occupation,
        workLocation: textArg(input.workLocation, 'workLocation', 120),
        workLocationKind: input.workLocationKind,
        cityCode: city,
        wardCode: wardArg(input.ward, city),
        formedOn,
        ...writtenThroughGraph(writer),
      };
      requireCity(caller, city, 'CIGs');
      await workers.requireWorkers(members.map((member) => member.workerId));
      return writeInTransaction(em, writer, async (tx) => {
        await assertNotActiveMembers(tx, caller, members.map((member) => member.workerId));
        const cig = tx.create(CigSchema, { id: await nextId(tx, 'cig_number_seq', 'CIG-', 6), ...values });
        // Memberships refer to the CIG by a plain column, so the CIG row goes in first.
        await tx.flush();
        for (const member of members) {
          tx.create(CigMembershipSchema, {
            id: await nextId(tx, 'cig_membership_number_seq', 'CM-'),
            cigId: cig.id,
            workerId: member.workerId,
            role: member.role,
            joinedOn: formedOn,
            leftOn: null,
            ...writtenThroughGraph(writer),
          });
        }
        await tx.flush();
        return cig;
      }, 'One of these workers has just joined another CIG; reload and try again.');
    },

    async addCigMember(_, { input }, { em, caller, writer, workers }) {
      const cigId = cigIdArg(input.cigId);
      const workerId = workerIdArg(input.workerId);
      const joinedOn = notInFuture(input.joinedOn, 'joinedOn');
      // The CIG first: a caller who cannot see it learns nothing from Labour's answer either.
      const cig = await requireCig(em, caller, cigId);
      notBefore(joinedOn, cig.formedOn, 'joinedOn', `${cigId} was formed`);
      await workers.requireWorkers([workerId]);
      return writeInTransaction(em, writer, async (tx) => {
        await assertNotActiveMembers(tx, caller, [workerId], cigId);
        if (input.role !== 'MEMBER') {
          const holder = await tx.findOne(CigMembershipSchema, { cigId, role: input.role, leftOn: null });
          if (holder) {
            throw conflict(`${cigId} already has a ${input.role.toLowerCase()} (${holder.workerId}); add the worker as a MEMBER or record that ${holder.workerId} left first.`);
          }
        }
        const membership = tx.create(CigMembershipSchema, {
          id: await nextId(tx, 'cig_membership_number_seq', 'CM-'),
          cigId,
          workerId,
          role: input.role,
          joinedOn,
          leftOn: null,
          ...writtenThroughGraph(writer),
        });
        await tx.flush();
        return membership;
      }, 'The worker or the office was taken by another request just now; reload the CIG and try again.');
    },

    async removeCigMember(_, { input }, { em, caller, writer }) {
      const cigId = cigIdArg(input.cigId);
      const workerId = workerIdArg(input.workerId);
      const leftOn = notInFuture(input.leftOn, 'leftOn');
      return writeInTransaction(em, writer, async (tx) => {
        await requireCig(tx, caller, cigId);
        const membership = await requireActiveMembership(tx, cigId, workerId);
        notBefore(leftOn, membership.joinedOn, 'leftOn', `${workerId} joined`);
        tx.assign(membership, { leftOn, updatedBy: writer.actor });
        await tx.flush();
        return membership;
      });
    },

    async recordSavings(_, { input }, { em, caller, writer }) {
      const cigId = cigIdArg(input.cigId);
      const workerId = workerIdArg(input.workerId);
      const amount = positiveAmountArg(input.amount, 'amount', MAX_DEPOSIT);
      const depositedOn = notInFuture(input.depositedOn, 'depositedOn');
      return writeInTransaction(em, writer, async (tx) => {
        await requireCig(tx, caller, cigId);
        const linkage = await requireBankLinkage(tx, cigId, 'savings');
        const membership = await requireActiveMembership(tx, cigId, workerId);
        notBefore(depositedOn, linkage.linkedOn, 'depositedOn', 'the bank account was linked');
        notBefore(depositedOn, membership.joinedOn, 'depositedOn', `${workerId} joined`);
        const deposit = tx.create(SavingsDepositSchema, {
          id: await nextId(tx, 'savings_deposit_number_seq', 'SD-'),
          cigId,
          membershipId: membership.id,
          workerId,
          amount,
          depositedOn,
          ...writtenThroughGraph(writer),
        });
        await tx.flush();
        return deposit;
      });
    },

    async linkBankAccount(_, { input }, { em, caller, writer }) {
      const cigId = cigIdArg(input.cigId);
      const values = {
        bankName: textArg(input.bankName, 'bankName', 100),
        branchIfsc: ifscArg(input.branchIfsc),
        accountLast4: digitsArg(input.accountLast4, 'accountLast4', 4),
        linkedOn: notInFuture(input.linkedOn, 'linkedOn'),
        ...writtenThroughGraph(writer),
      };
      return writeInTransaction(em, writer, async (tx) => {
        const cig = await requireCig(tx, caller, cigId);
        notBefore(values.linkedOn, cig.formedOn, 'linkedOn', `${cigId} was formed`);
        const existing = await tx.findOne(BankLinkageSchema, { cigId });
        if (existing) {
          throw conflict(`${cigId} is already linked to ${existing.bankName} (${existing.branchIfsc}, account ending ${existing.accountLast4}).`);
        }
        const linkage = tx.create(BankLinkageSchema, { id: await nextId(tx, 'bank_linkage_number_seq', 'BL-'), cigId, ...values });
        await tx.flush();
        return linkage;
      }, `${cigId} was linked to a bank account by another request just now.`);
    },

    async recordCreditLinkage(_, { input }, { em, caller, writer }) {
      const cigId = cigIdArg(input.cigId);
      const values = {
        lender: textArg(input.lender, 'lender', 100),
        amount: positiveAmountArg(input.amount, 'amount', MAX_LOAN),
        sanctionedOn: notInFuture(input.sanctionedOn, 'sanctionedOn'),
        purpose: textArg(input.purpose, 'purpose', 200),
        status: 'SANCTIONED' as const,
        ...writtenThroughGraph(writer),
      };
      return writeInTransaction(em, writer, async (tx) => {
        await requireCig(tx, caller, cigId);
        const linkage = await requireBankLinkage(tx, cigId, 'a loan');
        notBefore(values.sanctionedOn, linkage.linkedOn, 'sanctionedOn', 'the bank account was linked');
        const loan = tx.create(CreditLinkageSchema, { id: await nextId(tx, 'credit_linkage_number_seq', 'CL-'), cigId, ...values });
        await tx.flush();
        return loan;
      });
    },

    async recordVisit(_, { input }, { em, caller, writer, workers }) {
      const workerId = workerIdArg(input.workerId);
      const values = {
        workerId,
        scheme: schemeArg(input.scheme),
        outcome: input.outcome,
        visitedOn: notInFuture(input.visitedOn, 'visitedOn'),
        note: visitNoteArg(input.note),
        cityCode: visitCity(caller, input.city),
        ...writtenThroughGraph(writer),
      };
      // Labour answers as the caller: a worker outside a CRP's ward is NOT_FOUND, as an unknown one is.
      await workers.requireWorkers([workerId]);
      return writeInTransaction(em, writer, async (tx) => {
        const visit = tx.create(VisitSchema, { id: await nextId(tx, 'visit_number_seq', 'VIS-'), ...values });
        await tx.flush();
        return visit;
      });
    },
  },

  Worker: {
    // Labour owns the worker; MEPMA needs only the key to find memberships.
    __resolveReference: (reference) => ({ id: reference.id }),
    cigMemberships: (worker, _, { loaders }) => loaders.membershipsByWorker.load(worker.id),
    savingsAccounts: (worker, _, { loaders }) => loaders.savingsAccountsByWorker.load(worker.id),
    mepmaFacts: (worker, _, { loaders }) => loaders.mepmaFacts.load(worker.id),
    visits: (worker, { scheme }, { loaders }) => loaders.visits.load({ workerId: worker.id, scheme: scheme ? schemeArg(scheme) : null }),
    async lastVisit(worker, { scheme }, { loaders }) {
      const [newest] = await loaders.visits.load({ workerId: worker.id, scheme: schemeArg(scheme) });
      return newest ?? null;
    },
  },

  Cig: {
    __resolveReference: (reference, { loaders }) => loaders.cigById.load(reference.id),
    city: (cig) => ({ code: cig.cityCode, name: cityByCode(cig.cityCode)?.name ?? cig.cityCode }),
    ward: (cig) => ({ code: cig.wardCode }),
    async members(cig, { includeFormer }, { loaders }) {
      const memberships = await loaders.membershipsByCig.load(cig.id);
      return includeFormer ? memberships : memberships.filter((membership) => !membership.leftOn);
    },
    async memberCount(cig, _, { loaders }) {
      return (await loaders.membershipsByCig.load(cig.id)).filter((membership) => !membership.leftOn).length;
    },
    bankLinkage: (cig, _, { loaders }) => loaders.bankLinkageByCig.load(cig.id),
    async totalSavings(cig, _, { loaders }) {
      return (await loaders.savingsTotalsByCig.load(cig.id)).reduce((sum, row) => sum + row.total, 0);
    },
    savings: (cig, { first }, { loaders }) => loaders.recentSavingsByCig(recentSavingsLimit(first)).load(cig.id),
    loans: (cig, _, { loaders }) => loaders.loansByCig.load(cig.id),
    ...recordFields(AGENCY, 'cig'),
  },

  CigMembership: {
    __resolveReference: (reference, { loaders }) => loaders.membershipById.load(reference.id),
    // The foreign key guarantees the CIG exists, and the membership lies in the CIG's city.
    cig: async (membership, _, { loaders }) => (await loaders.cigById.load(membership.cigId))!,
    worker: (membership) => ({ id: membership.workerId }),
    async savingsBalance(membership, _, { loaders }) {
      const totals = await loaders.savingsTotalsByCig.load(membership.cigId);
      return totals.find((row) => row.membership_id === membership.id)?.total ?? 0;
    },
    ...recordFields(AGENCY, 'cig_membership'),
  },

  BankLinkage: {
    ...recordFields(AGENCY, 'bank_linkage'),
  },

  SavingsDeposit: {
    worker: (deposit) => ({ id: deposit.workerId }),
    ...recordFields(AGENCY, 'savings_deposit'),
  },

  CreditLinkage: {
    ...recordFields(AGENCY, 'credit_linkage'),
  },

  SavingsAccount: {
    ...recordFields(AGENCY, 'savings_account'),
  },

  Visit: {
    worker: (visit) => ({ id: visit.workerId }),
    ...recordFields(AGENCY, 'visit'),
  },

  CigConnection: {
    totalCount: (connection) => connection.totalCount(),
  },
};

type Tx = Context['em'];

/**
 * The CIG a write is about. A CIG id names no place, so one outside the caller's jurisdiction is
 * NOT_FOUND, as an unknown id is (the rule of src/shared/access/jurisdiction.ts): a caller who
 * cannot look the CIG up does not learn from a write that it exists.
 */
function requireCig(tx: Tx, caller: Caller, cigId: string): Promise<Cig> {
  return findInJurisdiction(tx, CigSchema, { id: cigId }, jurisdictionFilters(tx, caller).cig(), { what: 'CIG', id: cigId });
}

async function requireActiveMembership(tx: Tx, cigId: string, workerId: string) {
  const membership = await tx.findOne(CigMembershipSchema, { cigId, workerId, leftOn: null });
  if (!membership) throw notFound(`active member of ${cigId}`, workerId);
  return membership;
}

/** Savings and loans go through the CIG's bank account, so it must have one. */
async function requireBankLinkage(tx: Tx, cigId: string, what: string) {
  const linkage = await tx.findOne(BankLinkageSchema, { cigId });
  if (!linkage) throw badInput(`${cigId} has no bank account yet; link one (linkBankAccount) before recording ${what}.`, 'cigId');
  return linkage;
}

/** A worker is an active member of one CIG at a time; the other CIG is named only to a caller who could look it up. */
async function assertNotActiveMembers(tx: Tx, caller: Caller, workerIds: string[], joiningCigId?: string): Promise<void> {
  const active = await tx.findOne(CigMembershipSchema, { workerId: { $in: workerIds }, leftOn: null });
  if (!active) return;
  if (active.cigId === joiningCigId) throw conflict(`${active.workerId} is already a member of ${joiningCigId}.`);
  const shown = await tx.count(CigSchema, { id: active.cigId, ...jurisdictionFilters(tx, caller).cig() });
  if (!shown) throw conflict(`${active.workerId} is already an active member of a CIG outside your jurisdiction; MEPMA there can record that they left it.`);
  throw conflict(`${active.workerId} is already an active member of ${active.cigId}; record that they left it (removeCigMember) first.`);
}
