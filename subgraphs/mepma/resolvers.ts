import { badInput, conflict, notFound } from '../../src/shared/errors.js';
import { findPage } from '../../src/shared/pagination.js';
import { GRAPH_SOURCE_SYSTEM, GRAPH_WRITER, sourceOf } from '../../src/shared/provenance.js';
import { scalarResolvers } from '../../src/shared/scalars.js';
import { nextId, writeInTransaction } from '../../src/shared/transactions.js';
import { cityByCode } from '../../src/shared/demo/places.js';
import { cityArg, digitsArg, notInFuture, placeFilter, positiveAmountArg, textArg, wardArg, workerIdArg } from '../../src/shared/validation.js';
import {
  BankLinkageSchema, CigMembershipSchema, CigSchema, CreditLinkageSchema, SavingsDepositSchema, type Cig,
} from './entities.js';
import type { Resolvers } from './generated/resolvers.js';
import {
  MAX_DEPOSIT, MAX_LOAN, cigIdArg, foundingMembers, ifscArg, notBefore, recentSavingsLimit,
} from './rules.js';
import type { Context } from './context.js';

const AGENCY = 'mepma';
const GRAPH_RECORD = { sourceSystem: GRAPH_SOURCE_SYSTEM, recordedBy: GRAPH_WRITER };

export const resolvers: Resolvers = {
  ...scalarResolvers,

  Query: {
    async cig(_, { id }, { loaders }) {
      const cig = await loaders.cigById.load(cigIdArg(id, 'id'));
      if (!cig) throw notFound('CIG', id);
      return cig;
    },

    cigs(_, { filter, first, after }, { em }) {
      const where: Partial<Cig> = placeFilter(filter);
      if (filter?.occupation) where.occupation = filter.occupation;
      if (filter?.workLocationKind) where.workLocationKind = filter.workLocationKind;
      return findPage(em, CigSchema, where, { first, after });
    },
  },

  Mutation: {
    async formCig(_, { input }, { em, workers }) {
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
        ...GRAPH_RECORD,
      };
      await workers.requireWorkers(members.map((member) => member.workerId));
      return writeInTransaction(em, async (tx) => {
        await assertNotActiveMembers(tx, members.map((member) => member.workerId));
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
            ...GRAPH_RECORD,
          });
        }
        await tx.flush();
        return cig;
      }, 'One of these workers has just joined another CIG; reload and try again.');
    },

    async addCigMember(_, { input }, { em, workers }) {
      const cigId = cigIdArg(input.cigId);
      const workerId = workerIdArg(input.workerId);
      const joinedOn = notInFuture(input.joinedOn, 'joinedOn');
      await workers.requireWorkers([workerId]);
      return writeInTransaction(em, async (tx) => {
        const cig = await requireCig(tx, cigId);
        notBefore(joinedOn, cig.formedOn, 'joinedOn', `${cigId} was formed`);
        await assertNotActiveMembers(tx, [workerId], cigId);
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
          ...GRAPH_RECORD,
        });
        await tx.flush();
        return membership;
      }, 'The worker or the office was taken by another request just now; reload the CIG and try again.');
    },

    async removeCigMember(_, { input }, { em }) {
      const cigId = cigIdArg(input.cigId);
      const workerId = workerIdArg(input.workerId);
      const leftOn = notInFuture(input.leftOn, 'leftOn');
      return writeInTransaction(em, async (tx) => {
        await requireCig(tx, cigId);
        const membership = await requireActiveMembership(tx, cigId, workerId);
        notBefore(leftOn, membership.joinedOn, 'leftOn', `${workerId} joined`);
        tx.assign(membership, { leftOn, updatedBy: GRAPH_WRITER });
        await tx.flush();
        return membership;
      });
    },

    async recordSavings(_, { input }, { em }) {
      const cigId = cigIdArg(input.cigId);
      const workerId = workerIdArg(input.workerId);
      const amount = positiveAmountArg(input.amount, 'amount', MAX_DEPOSIT);
      const depositedOn = notInFuture(input.depositedOn, 'depositedOn');
      return writeInTransaction(em, async (tx) => {
        await requireCig(tx, cigId);
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
          ...GRAPH_RECORD,
        });
        await tx.flush();
        return deposit;
      });
    },

    async linkBankAccount(_, { input }, { em }) {
      const cigId = cigIdArg(input.cigId);
      const values = {
        bankName: textArg(input.bankName, 'bankName', 100),
        branchIfsc: ifscArg(input.branchIfsc),
        accountLast4: digitsArg(input.accountLast4, 'accountLast4', 4),
        linkedOn: notInFuture(input.linkedOn, 'linkedOn'),
        ...GRAPH_RECORD,
      };
      return writeInTransaction(em, async (tx) => {
        const cig = await requireCig(tx, cigId);
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

    async recordCreditLinkage(_, { input }, { em }) {
      const cigId = cigIdArg(input.cigId);
      const values = {
        lender: textArg(input.lender, 'lender', 100),
        amount: positiveAmountArg(input.amount, 'amount', MAX_LOAN),
        sanctionedOn: notInFuture(input.sanctionedOn, 'sanctionedOn'),
        purpose: textArg(input.purpose, 'purpose', 200),
        status: 'SANCTIONED' as const,
        ...GRAPH_RECORD,
      };
      return writeInTransaction(em, async (tx) => {
        await requireCig(tx, cigId);
        const linkage = await requireBankLinkage(tx, cigId, 'a loan');
        notBefore(values.sanctionedOn, linkage.linkedOn, 'sanctionedOn', 'the bank account was linked');
        const loan = tx.create(CreditLinkageSchema, { id: await nextId(tx, 'credit_linkage_number_seq', 'CL-'), cigId, ...values });
        await tx.flush();
        return loan;
      });
    },
  },

  Worker: {
    // Labour owns the worker; MEPMA needs only the key to find memberships.
    __resolveReference: (reference) => ({ id: reference.id }),
    cigMemberships: (worker, _, { loaders }) => loaders.membershipsByWorker.load(worker.id),
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
    source: (cig) => sourceOf(AGENCY, cig),
  },

  CigMembership: {
    __resolveReference: (reference, { loaders }) => loaders.membershipById.load(reference.id),
    // The foreign key guarantees the CIG exists.
    cig: async (membership, _, { loaders }) => (await loaders.cigById.load(membership.cigId))!,
    worker: (membership) => ({ id: membership.workerId }),
    async savingsBalance(membership, _, { loaders }) {
      const totals = await loaders.savingsTotalsByCig.load(membership.cigId);
      return totals.find((row) => row.membership_id === membership.id)?.total ?? 0;
    },
    source: (membership) => sourceOf(AGENCY, membership),
  },

  BankLinkage: {
    source: (linkage) => sourceOf(AGENCY, linkage),
  },

  SavingsDeposit: {
    worker: (deposit) => ({ id: deposit.workerId }),
    source: (deposit) => sourceOf(AGENCY, deposit),
  },

  CreditLinkage: {
    source: (loan) => sourceOf(AGENCY, loan),
  },

  CigConnection: {
    totalCount: (connection) => connection.totalCount(),
  },
};

type Tx = Context['em'];

async function requireCig(tx: Tx, cigId: string): Promise<Cig> {
  const cig = await tx.findOne(CigSchema, { id: cigId });
  if (!cig) throw notFound('CIG', cigId);
  return cig;
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

/** A worker is an active member of one CIG at a time. */
async function assertNotActiveMembers(tx: Tx, workerIds: string[], joiningCigId?: string): Promise<void> {
  const active = await tx.findOne(CigMembershipSchema, { workerId: { $in: workerIds }, leftOn: null });
  if (!active) return;
  if (active.cigId === joiningCigId) throw conflict(`${active.workerId} is already a member of ${joiningCigId}.`);
  throw conflict(`${active.workerId} is already an active member of ${active.cigId}; record that they left it (removeCigMember) first.`);
}
