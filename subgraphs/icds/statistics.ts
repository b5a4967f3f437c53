/**
 * ICDS's answers to the hub's reports (src/shared/statistics.ts): which workers' households are
 * enrolled at an anganwadi centre, and which ICDS knows to have young children. An enrolment lies
 * in its centre's city. Only sets of workers leave ICDS, never a beneficiary's details.
 */
import { citySql } from '../../src/shared/access/rows.js';
import { addYears } from '../../src/shared/dates.js';
import type { AgencyStatistics, SqlQuery, StatisticsScope } from '../../src/shared/statistics.js';

/** Workers with an enrolment (at a centre in the caller's jurisdiction) that meets `condition`. */
function householdsWhere({ caller, asOf }: StatisticsScope, condition: string, params: unknown[]): SqlQuery {
  const inJurisdiction = citySql(caller, 'a.city_code');
  return {
    sql: `select e.worker_id from icds_enrolment e join anganwadi_centre a on a.id = e.centre_id
          where e.enrolled_on <= ? and ${condition}${inJurisdiction.sql}`,
    params: [asOf, ...params, ...inJurisdiction.params],
  };
}

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
};
