import type DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { manyByKey, oneByKey } from '../../src/shared/loaders.js';
import {
  BankLinkageSchema, CigMembershipSchema, CigSchema, CreditLinkageSchema, SavingsDepositSchema, type SavingsDeposit,
} from './entities.js';

interface SavingsTotal {
  cig_id: string;
  membership_id: string;
  total: number;
}

/** Built once per request, so batching and caching never leak between callers. */
export function createLoaders(em: EntityManager) {
  const recentSavings = new Map<number, DataLoader<string, SavingsDeposit[]>>();
  return {
    cigById: oneByKey(
      (ids: string[]) => em.find(CigSchema, { id: { $in: ids } }),
      (cig) => cig.id,
    ),
    membershipById: oneByKey(
      (ids: string[]) => em.find(CigMembershipSchema, { id: { $in: ids } }),
      (membership) => membership.id,
    ),
    /** Active and former members together: one read serves `members`, `memberCount` and `includeFormer`. */
    membershipsByCig: manyByKey(
      (cigIds: string[]) =>
        em.find(CigMembershipSchema, { cigId: { $in: cigIds } }, { orderBy: { joinedOn: 'asc', id: 'asc' } }),
      (membership) => membership.cigId,
    ),
    membershipsByWorker: manyByKey(
      (workerIds: string[]) =>
        em.find(CigMembershipSchema, { workerId: { $in: workerIds } }, { orderBy: { joinedOn: 'desc', id: 'desc' } }),
      (membership) => membership.workerId,
    ),
    bankLinkageByCig: oneByKey(
      (cigIds: string[]) => em.find(BankLinkageSchema, { cigId: { $in: cigIds } }),
      (linkage) => linkage.cigId,
    ),
    loansByCig: manyByKey(
      (cigIds: string[]) =>
        em.find(CreditLinkageSchema, { cigId: { $in: cigIds } }, { orderBy: { sanctionedOn: 'desc', id: 'desc' } }),
      (loan) => loan.cigId,
    ),
    /**
     * Each CIG's savings per membership: one read answers both a CIG's `totalSavings` and its
     * members' `savingsBalance`.
     */
    savingsTotalsByCig: manyByKey(
      (cigIds: string[]) =>
        em.getConnection().execute<SavingsTotal[]>(
          `select cig_id, membership_id, sum(amount)::int as total from savings_deposit
           where cig_id in (?) group by cig_id, membership_id`,
          [cigIds],
        ),
      (total) => total.cig_id,
    ),
    /** A CIG's newest `limit` deposits; one loader per limit, so a page of CIGs costs one read. */
    recentSavingsByCig(limit: number) {
      let loader = recentSavings.get(limit);
      if (!loader) {
        loader = manyByKey(
          async (cigIds: string[]) => {
            const rows = await em.getConnection().execute(
              `select * from (
                 select *, row_number() over (partition by cig_id order by deposited_on desc, id desc) as position
                 from savings_deposit where cig_id in (?)
               ) ranked where position <= ? order by cig_id, position`,
              [cigIds, limit],
            );
            return rows.map((row) => em.map(SavingsDepositSchema, row));
          },
          (deposit) => deposit.cigId,
        );
        recentSavings.set(limit, loader);
      }
      return loader;
    },
  };
}

export type MepmaLoaders = ReturnType<typeof createLoaders>;
