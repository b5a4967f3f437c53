/**
 * MEPMA's answers to the hub's reports (src/shared/statistics.ts): who is organised into a CIG,
 * with bank linkage, savings and credit, and how many CIGs were formed with whom; and the facts it
 * publishes for the single window's scheme rules (src/shared/facts.ts). Everything lies in its
 * CIG's city (a worker's own savings account in its mission's city), which is what the caller's
 * jurisdiction is checked against.
 */
import { requireCity } from '../../src/shared/access/caller.js';
import { citySql } from '../../src/shared/access/rows.js';
import { badInput } from '../../src/shared/errors.js';
import { parseIsoDate } from '../../src/shared/scalars.js';
import type { AgencyStatistics, CigFormationCell, SqlQuery } from '../../src/shared/statistics.js';
import { parseWorkerNumbers } from '../../src/shared/worker-sets.js';
import { cityArg, occupationArg } from '../../src/shared/validation.js';
import { workersSql, type FactQuery, type FactScope } from '../../src/shared/facts.js';

/** The columns a CIG formation table may be grouped by, as the report names them. */
const CIG_DIMENSIONS: Record<string, string> = {
  MONTH: `to_char(c.formed_on, 'YYYY-MM') as month`,
  CITY: 'c.city_code as city',
  WARD: 'c.ward_code as ward',
  OCCUPATION: 'c.occupation as occupation',
  WORK_LOCATION_KIND: 'c.work_location_kind as "workLocationKind"',
};

/**
 * Active members (joined by `asOf`, not left) of the CIGs in the caller's jurisdiction that match
 * `cigCondition`: SQL on the CIG `c` (and membership `m`), with at most one placeholder, for `asOf`.
 * A fact question's scope names its workers; a worker set's names none (every member).
 */
function activeMembers(scope: FactScope, cigCondition = 'true'): SqlQuery {
  const inJurisdiction = citySql(scope.caller, 'c.city_code');
  const asked = workersSql(scope, 'm.worker_id');
  return {
    sql: `select m.worker_id from cig_membership m join cig c on c.id = m.cig_id
          where m.left_on is null and m.joined_on <= ? and (${cigCondition})${inJurisdiction.sql}${asked.sql}`,
    params: [scope.asOf, ...(cigCondition.includes('?') ? [scope.asOf] : []), ...inJurisdiction.params, ...asked.params],
  };
}

/** The CIG `c` has its bank account by that day. */
const BANK_LINKED = 'exists (select 1 from bank_linkage b where b.cig_id = c.id and b.linked_on <= ?)';
/** The CIG `c` has a loan sanctioned by that day that is not overdue. */
const CREDIT_LINKED = `exists (select 1 from credit_linkage l where l.cig_id = c.id and l.status in ('SANCTIONED', 'DISBURSED', 'REPAID') and l.sanctioned_on <= ?)`;
/** The membership `m` has at least one deposit by that day. */
const HAS_SAVED = 'exists (select 1 from savings_deposit s where s.membership_id = m.id and s.deposited_on <= ?)';

/** The fields of `MepmaFacts` in schema.graphql, each the workers for whom it holds on the day asked. */
export const factQueries: Record<string, FactQuery> = {
  /** A savings account of the worker's own, opened by that day, recorded in the caller's jurisdiction. */
  savingsAccount(scope) {
    const inJurisdiction = citySql(scope.caller, 'a.city_code');
    const asked = workersSql(scope, 'a.worker_id');
    return {
      sql: `select a.worker_id from savings_account a where a.opened_on <= ?${inJurisdiction.sql}${asked.sql}`,
      params: [scope.asOf, ...inJurisdiction.params, ...asked.params],
    };
  },
  cigMember: (scope) => activeMembers(scope),
  cigBankLinked: (scope) => activeMembers(scope, BANK_LINKED),
  hasSaved: (scope) => activeMembers(scope, HAS_SAVED),
  cigCreditLinked: (scope) => activeMembers(scope, CREDIT_LINKED),
};

export const statistics: AgencyStatistics = {
  workerSets: {
    CIG_MEMBER: (scope) => activeMembers(scope),
    /** Members of a CIG whose bank account was opened by that day. */
    BANK_LINKED: (scope) => activeMembers(scope, BANK_LINKED),
    /** Members of a CIG with a loan sanctioned by that day and not overdue. */
    CREDIT_LINKED: (scope) => activeMembers(scope, CREDIT_LINKED),
    /** Active members who have saved with their CIG (at least one deposit by that day). */
    SAVINGS: (scope) => activeMembers(scope, HAS_SAVED),
  },
  facts: factQueries,
  tables: {
    /**
     * CIGs formed, grouped by the named dimensions, with their members today as worker numbers:
     * the report service counts and perturbs them by their record keys (src/shared/cell-key.ts).
     */
    async cigFormation({ em, caller, asOf }, params): Promise<CigFormationCell[]> {
      const groupBy = (params.groupBy ?? []) as string[];
      const unknown = groupBy.find((dimension) => !Object.hasOwn(CIG_DIMENSIONS, dimension));
      if (unknown) throw badInput(`CIGs cannot be grouped by ${unknown}.`, 'groupBy');
      const conditions: SqlQuery[] = [citySql(caller, 'c.city_code')];
      if (params.city) {
        const city = cityArg(String(params.city), 'filter.city');
        requireCity(caller, city, 'CIGs', 'see');
        conditions.push({ sql: ' and c.city_code = ?', params: [city] });
      }
      if (params.occupation) conditions.push({ sql: ' and c.occupation = ?', params: [occupationArg(params.occupation, 'filter.occupation')] });
      if (params.from) conditions.push({ sql: ' and c.formed_on >= ?', params: [parseIsoDate(params.from)] });
      if (params.to) conditions.push({ sql: ' and c.formed_on <= ?', params: [parseIsoDate(params.to)] });
      const columns = groupBy.map((dimension) => CIG_DIMENSIONS[dimension]);
      // Members joined as text, as Labour's cells are: one value per group to parse.
      const rows = await em.getConnection().execute<(Omit<CigFormationCell, 'members'> & { members: string | null })[]>(
        `select ${[...columns, 'count(distinct c.id)::int as cigs', `string_agg(substr(m.worker_id, 3), ',') as members`].join(', ')}
         from cig c left join cig_membership m on m.cig_id = c.id and m.left_on is null and m.joined_on <= ?
         where c.formed_on <= ?${conditions.map((c) => c.sql).join('')}
         ${columns.length ? `group by ${columns.map((_, i) => i + 1).join(', ')}` : ''}`,
        [asOf, asOf, ...conditions.flatMap((c) => c.params)],
      );
      return rows.map((row) => ({ ...row, members: parseWorkerNumbers(row.members) }));
    },
  },
};
