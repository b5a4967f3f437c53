/**
 * Labour's answers to the hub's reports (src/shared/statistics.ts): the cells every coverage
 * figure is counted in (city × ward × occupation, from the register), who holds a
 * social-security enrolment, and the facts the scheme catalogue's rules ask of Labour
 * (src/shared/facts.ts). Workers count where they are registered; a ward-level caller (a CRP)
 * gets the workers of their ward only.
 */
import { requireCity, requireWard, type Caller } from '../../src/shared/access/caller.js';
import { placeSql } from '../../src/shared/access/rows.js';
import { workersSql, type FactQuery, type FactScope } from '../../src/shared/facts.js';
import type { AgencyStatistics, SqlQuery, WorkerCellAnswer } from '../../src/shared/statistics.js';
import { encodeJoinedWorkers } from '../../src/shared/worker-sets.js';
import { occupationArg, placeFilter } from '../../src/shared/validation.js';

/** ` and <worker alias>.city_code ... ward_code ...`: the caller's jurisdiction over the worker table. */
function workersInJurisdiction(caller: Caller, alias: string): SqlQuery {
  return placeSql(caller, { city: `${alias}.city_code`, ward: `${alias}.ward_code` });
}

/**
 * A fact read off the worker's registration: `value` is an SQL expression over the worker table
 * (`w`), which may use the asked day as its first parameter. Only workers registered by that day.
 */
function registrationFact(value: string, usesAsOf = false): FactQuery {
  return (scope: FactScope) => {
    const { caller, asOf } = scope;
    const place = workersInJurisdiction(caller, 'w');
    const asked = workersSql(scope, 'w.id');
    return {
      sql: `select w.id as worker_id, ${value} as value from worker w where w.registered_on <= ?${place.sql}${asked.sql}`,
      params: [...(usesAsOf ? [asOf] : []), asOf, ...place.params, ...asked.params],
    };
  };
}

export const statistics: AgencyStatistics = {
  workerSets: {
    /** Workers with an active pension, insurance or welfare-board enrolment. */
    SOCIAL_SECURITY({ caller, asOf }) {
      // Enrolments lie in their worker's city and ward; a national caller needs no look-up of them.
      const inJurisdiction = workersInJurisdiction(caller, 'w');
      const place = inJurisdiction.sql ? ` and e.worker_id in (select w.id from worker w where true${inJurisdiction.sql})` : '';
      return {
        sql: `select e.worker_id from social_security_enrolment e
              where e.status = 'ACTIVE' and e.enrolled_on <= ?${place}`,
        params: [asOf, ...inJurisdiction.params],
      };
    },
  },
  tables: {
    /** Registered workers by city, ward and occupation, optionally for one city, ward or occupation. */
    async workerCells({ em, caller, asOf }, params): Promise<WorkerCellAnswer[]> {
      const place = placeFilter(params as { city?: string; ward?: string });
      if (place.cityCode) requireCity(caller, place.cityCode, 'workers', 'see');
      if (place.wardCode) requireWard(caller, place.wardCode, 'workers', 'see');
      const occupation = params.occupation ? occupationArg(params.occupation, 'filter.occupation') : undefined;
      const conditions = [
        place.cityCode ? { sql: ' and w.city_code = ?', params: [place.cityCode] } : null,
        place.wardCode ? { sql: ' and w.ward_code = ?', params: [place.wardCode] } : null,
        occupation ? { sql: ' and w.occupation = ?', params: [occupation] } : null,
        workersInJurisdiction(caller, 'w'),
      ].filter((condition) => condition !== null);
      // Numbers joined as text: one value per cell parses far faster than an int[] column.
      const cells = await em.getConnection().execute<WorkerCellAnswer[]>(
        `select w.city_code as city, w.ward_code as ward, w.occupation, string_agg(substr(w.id, 3), ',') as workers
         from worker w where w.registered_on <= ?${conditions.map((c) => c.sql).join('')}
         group by w.city_code, w.ward_code, w.occupation`,
        [asOf, ...conditions.flatMap((c) => c.params)],
      );
      return cells.map((cell) => ({ ...cell, workers: encodeJoinedWorkers(cell.workers) }));
    },
  },
  // The fields of LabourFacts in schema.graphql, one query each.
  facts: {
    age: registrationFact(`date_part('year', age(?::date, w.date_of_birth))::int`, true),
    gender: registrationFact('w.gender'),
    occupation: registrationFact('w.occupation'),
    activeSchemes(scope) {
      const { caller, asOf } = scope;
      const place = workersInJurisdiction(caller, 'w');
      const asked = workersSql(scope, 'e.worker_id');
      return {
        sql: `select e.worker_id, e.scheme as value from social_security_enrolment e join worker w on w.id = e.worker_id
              where e.status = 'ACTIVE' and e.enrolled_on <= ? and w.registered_on <= ?${place.sql}${asked.sql}`,
        params: [asOf, asOf, ...place.params, ...asked.params],
      };
    },
  },
};
