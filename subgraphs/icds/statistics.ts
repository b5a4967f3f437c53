/**
 * ICDS's answers to the hub's reports and to the single window (src/shared/statistics.ts,
 * src/shared/facts.ts): which workers' households are enrolled at an anganwadi centre, which ICDS
 * knows to have young children, and its facts about the worker herself (pregnant or nursing, a
 * PMMVY beneficiary). An enrolment lies in its centre's city. Only sets of workers leave ICDS,
 * never a beneficiary's details.
 */
import { citySql } from '../../src/shared/access/rows.js';
import { addYears } from '../../src/shared/dates.js';
import { workersSql, type FactQuery, type FactScope } from '../../src/shared/facts.js';
import type { AgencyStatistics, SqlQuery } from '../../src/shared/statistics.js';

/**
 * Workers with an enrolment made by the day, at a centre in the caller's jurisdiction, that meets
 * `condition`; for a fact asked about some workers, only theirs.
 */
function householdsWhere(scope: FactScope, condition: string, params: unknown[]): SqlQuery {
  const inJurisdiction = citySql(scope.caller, 'a.city_code');
  const asked = workersSql(scope, 'e.worker_id');
  return {
    sql: `select e.worker_id from icds_enrolment e join anganwadi_centre a on a.id = e.centre_id
          where e.enrolled_on <= ? and ${condition}${asked.sql}${inJurisdiction.sql}`,
    params: [scope.asOf, ...params, ...asked.params, ...inJurisdiction.params],
  };
}

/** The facts of Worker.icdsFacts (schema.graphql), about the worker herself only: relation SELF. */
export const facts: Record<string, FactQuery> = {
  /** Enrolled as a pregnant woman or lactating mother, and not exited by the day. */
  pregnantOrNursing: (scope) =>
    householdsWhere(
      scope,
      `e.relation_to_worker = 'SELF' and e.beneficiary_type in ('PREGNANT_WOMAN', 'LACTATING_MOTHER')
       and (e.exited_on is null or e.exited_on > ?)`,
      [scope.asOf],
    ),
  /** PMMVY has paid her at least one instalment (only women's enrolments carry instalments). */
  pmmvyBeneficiary: (scope) => householdsWhere(scope, `e.relation_to_worker = 'SELF' and e.pmmvy_instalments_paid > 0`, []),
};

export const statistics: AgencyStatistics = {
  workerSets: {
    /** Households with someone receiving anganwadi services (an active enrolment). */
    ANGANWADI_ENROLLED: (scope) => householdsWhere(scope, `e.status = 'ACTIVE'`, []),
    /**
     * Households ICDS knows to have a child under six: an enrolled child born in the last six
     * years, or a mother whose baby was due or delivered in that time, enrolled now or before.
     */
    YOUNG_CHILDREN: (scope) => {
      const sixYearsAgo = addYears(scope.asOf, -6);
      return householdsWhere(
        scope,
        `((e.beneficiary_type = 'CHILD' and e.date_of_birth > ?)
          or (e.beneficiary_type <> 'CHILD' and coalesce(e.delivery_date, e.expected_delivery_date) > ?))`,
        [sixYearsAgo, sixYearsAgo],
      );
    },
  },
  tables: {},
  facts,
};
