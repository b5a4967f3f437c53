/**
 * Labour's answers to the hub's reports (src/shared/statistics.ts): the cells every coverage
 * figure is counted in (city × ward × occupation, from the register), and who holds a
 * social-security enrolment. Workers count where they are registered.
 */
import { requireCity } from '../../src/shared/access/caller.js';
import { citySql } from '../../src/shared/access/rows.js';
import type { AgencyStatistics, WorkerCell } from '../../src/shared/statistics.js';
import { cityOfPlace, occupationArg, placeFilter } from '../../src/shared/validation.js';

export const statistics: AgencyStatistics = {
  workerSets: {
    /** Workers with an active pension, insurance or welfare-board enrolment. */
    SOCIAL_SECURITY({ caller, asOf }) {
      // Enrolments lie in their worker's city; a national caller needs no look-up of it.
      const inJurisdiction = citySql(caller, 'w.city_code');
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
    async workerCells({ em, caller, asOf }, params): Promise<WorkerCell[]> {
      const place = placeFilter(params as { city?: string; ward?: string });
      const city = cityOfPlace(place);
      if (city) requireCity(caller, city, 'workers', 'see');
      const occupation = params.occupation ? occupationArg(params.occupation, 'filter.occupation') : undefined;
      const inJurisdiction = citySql(caller, 'city_code');
      const conditions = [
        place.cityCode ? { sql: ' and city_code = ?', params: [place.cityCode] } : null,
        place.wardCode ? { sql: ' and ward_code = ?', params: [place.wardCode] } : null,
        occupation ? { sql: ' and occupation = ?', params: [occupation] } : null,
        inJurisdiction,
      ].filter((condition) => condition !== null);
      // Numbers joined as text: one value per cell parses far faster than an int[] column.
      const cells = await em.getConnection().execute<(Omit<WorkerCell, 'workers'> & { workers: string })[]>(
        `select city_code as city, ward_code as ward, occupation, string_agg(substr(id, 3), ',') as workers
         from worker where registered_on <= ?${conditions.map((c) => c.sql).join('')}
         group by city_code, ward_code, occupation`,
        [asOf, ...conditions.flatMap((c) => c.params)],
      );
      return cells.map((cell) => ({ ...cell, workers: cell.workers.split(',').map(Number) }));
    },
  },
};
