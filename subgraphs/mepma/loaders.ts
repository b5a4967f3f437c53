import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { keysInCities } from '../../src/shared/access/rows.js';
import { cityCondition, type Caller } from '../../src/shared/access/caller.js';
import { today } from '../../src/shared/dates.js';
import { declaredFacts, factsLoader } from '../../src/shared/facts.js';
import { historyLoader, sensitiveColumns } from '../../src/shared/history.js';
import { manyByKey, oneByKey, readRows } from '../../src/shared/loaders.js';
import { loadSchema } from '../../src/shared/subgraph.js';
import {
  BankLinkageSchema, CigMembershipSchema, CigSchema, CreditLinkageSchema, SavingsAccountSchema, SavingsDepositSchema, VisitSchema,
  type SavingsDeposit, type Visit,
} from './entities.js';
import { factQueries } from './statistics.js';

/** A worker's visits, about one scheme or (no scheme) all of them. */
export interface VisitsKey {
  workerId: string;
  scheme: string | null;
}

interface SavingsTotal {
  cig_id: string;
  membership_id: string;
  total: number;
}

/**
 * Built once per request, so batching and caching never leak between callers. Every query is
 * limited to the caller's jurisdiction: a CIG outside it, and everything that belongs to such a
 * CIG, loads as if it did not exist.
 */
export function createLoaders(em: EntityManager, caller: Caller) {
  const where = jurisdictionFilters(em, caller);
  const recentSavings = new Map<number, DataLoader<string, SavingsDeposit[]>>();
  return {
    cigById: oneByKey(
      (ids: string[]) => readRows(em, CigSchema, { id: { $in: ids }, ...where.cig() }),
      (cig) => cig.id,
    ),
    membershipById: oneByKey(
      (ids: string[]) => readRows(em, CigMembershipSchema, { id: { $in: ids }, ...where.cigRecord() }),
      (membership) => membership.id,
    ),
    /** Active and former members together: one read serves `members`, `memberCount` and `includeFormer`. */
    membershipsByCig: manyByKey(
      (cigIds: string[]) =>
        readRows(em, CigMembershipSchema, { $and: [{ cigId: { $in: cigIds } }, where.cigRecord()] }, { orderBy: { joinedOn: 'asc', id: 'asc' } }),
      (membership) => membership.cigId,
    ),
    membershipsByWorker: manyByKey(
      (workerIds: string[]) =>
        readRows(em, CigMembershipSchema, { workerId: { $in: workerIds }, ...where.cigRecord() }, { orderBy: { joinedOn: 'desc', id: 'desc' } }),
      (membership) => membership.workerId,
    ),
    bankLinkageByCig: oneByKey(
      (cigIds: string[]) => readRows(em, BankLinkageSchema, { $and: [{ cigId: { $in: cigIds } }, where.cigRecord()] }),
      (linkage) => linkage.cigId,
    ),
    loansByCig: manyByKey(
      (cigIds: string[]) =>
        readRows(em, CreditLinkageSchema, { $and: [{ cigId: { $in: cigIds } }, where.cigRecord()] }, { orderBy: { sanctionedOn: 'desc', id: 'desc' } }),
      (loan) => loan.cigId,
    ),
    /**
     * Each CIG's savings per membership: one read answers both a CIG's `totalSavings` and its
     * members' `savingsBalance`.
     */
    savingsTotalsByCig: manyByKey(
      (cigIds: string[]) => {
        const inJurisdiction = where.cigRecordSql();
        return em.getConnection().execute<SavingsTotal[]>(
          `select cig_id, membership_id, sum(amount)::int as total from savings_deposit
           where cig_id in (?)${inJurisdiction.sql} group by cig_id, membership_id`,
          [cigIds, ...inJurisdiction.params],
        );
      },
      (total) => total.cig_id,
    ),
    /** A CIG's newest `limit` deposits; one loader per limit, so a page of CIGs costs one read. */
    recentSavingsByCig(limit: number) {
      let loader = recentSavings.get(limit);
      if (!loader) {
        loader = manyByKey(
          async (cigIds: string[]) => {
            const inJurisdiction = where.cigRecordSql();
            const rows = await em.getConnection().execute(
              `select * from (
                 select *, row_number() over (partition by cig_id order by deposited_on desc, id desc) as position
                 from savings_deposit where cig_id in (?)${inJurisdiction.sql}
               ) ranked where position <= ? order by cig_id, position`,
              [cigIds, ...inJurisdiction.params, limit],
            );
            return rows.map((row) => em.map(SavingsDepositSchema, row));
          },
          (deposit) => deposit.cigId,
        );
        recentSavings.set(limit, loader);
      }
      return loader;
    },
    savingsAccountsByWorker: manyByKey(
      (workerIds: string[]) =>
        readRows(em, SavingsAccountSchema, { workerId: { $in: workerIds }, ...where.cityRecord() }, { orderBy: { openedOn: 'desc', id: 'desc' } }),
      (account) => account.workerId,
    ),
    /**
     * Workers' visits, newest first. Keyed by worker and scheme, so a worklist page asking each
     * worker's last visit about its scheme costs one statement; a row can answer two keys (one
     * scheme, and all), so rows are handed out per key rather than by a key of their own.
     */
    visits: new DataLoader<VisitsKey, Visit[], string>(
      async (keys) => {
        const schemes = keys.every((key) => key.scheme) ? [...new Set(keys.map((key) => key.scheme!))] : undefined;
        const rows = await readRows(
          em,
          VisitSchema,
          { workerId: { $in: [...new Set(keys.map((key) => key.workerId))] }, ...(schemes ? { scheme: { $in: schemes } } : {}), ...where.cityRecord() },
          { orderBy: { visitedOn: 'desc', id: 'desc' } },
        );
        const byWorker = new Map<string, Visit[]>();
        for (const visit of rows) {
          const ofWorker = byWorker.get(visit.workerId);
          if (ofWorker) ofWorker.push(visit);
          else byWorker.set(visit.workerId, [visit]);
        }
        return keys.map((key) => (byWorker.get(key.workerId) ?? []).filter((visit) => !key.scheme || visit.scheme === key.scheme));
      },
      { cacheKeyFn: (key) => `${key.workerId}:${key.scheme ?? '*'}` },
    ),
    /** `Worker.mepmaFacts` for today: the same queries as the single window's bulk questions. */
    mepmaFacts: factsLoader(em, caller, FACTS, factQueries, today),
    // Keyed `<table>:<record key>`; account digits are masked in history as in the fields.
    history: historyLoader(em, caller, SENSITIVE_COLUMNS),
  };
}

export type MepmaLoaders = ReturnType<typeof createLoaders>;

/**
 * The extra conditions that keep each table inside the caller's jurisdiction (none for a
 * national caller). A CIG carries its city; memberships, bank linkages, savings and loans lie in
 * their CIG's city, so they are limited by a subquery on `cig.city_code` (indexed), which keeps
 * each loader batch to one statement. Loaders keyed by a CIG filter too: a key is only a string,
 * and the query, not the caller of `load`, is what keeps other cities out.
 */
export function jurisdictionFilters(em: EntityManager, caller: Caller) {
  const cities = cityCondition(caller);
  const none = () => ({});
  if (!cities) return { cig: none, cityRecord: none, cigRecord: none, cigRecordSql: () => ({ sql: '', params: [] as unknown[] }) };
  const cigsInJurisdiction = () => keysInCities(em, CigSchema, cities);
  const inCities = () => ({ cityCode: cities });
  return {
    cig: inCities,
    /** A savings account or a visit, which lies in its own city (its mission's). */
    cityRecord: inCities,
    cigRecord: () => ({ cigId: { $in: cigsInJurisdiction() } }),
    /** The same condition for hand-written SQL on a table with a `cig_id` column. */
    cigRecordSql: () => ({ sql: ' and cig_id in (select id from cig where city_code in (?))', params: [cities.$in] as unknown[] }),
  };
}

const SCHEMA = loadSchema(__dirname);

/**
 * History columns that show what a policed field shows, with that field's own policy read from
 * schema.graphql, so the history can never show more than the field does. History is keyed by
 * column, so both accounts' digits follow BankLinkage's policy, which SavingsAccount's repeats
 * (checked by the test).
 */
const SENSITIVE_COLUMNS = sensitiveColumns(SCHEMA, {
  account_last4: 'BankLinkage.accountLast4',
});

/** The facts MEPMA's schema declares (`MepmaFacts`), answered by statistics.ts. */
const FACTS = declaredFacts('mepma', SCHEMA);

