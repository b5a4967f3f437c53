/**
 * Transport's answers to the hub's reports (src/shared/statistics.ts): who holds a driving
 * licence valid on the day, and which licences, badges and permits run out soon (by number: the
 * report service counts and perturbs them, src/shared/cell-key.ts). A licence lies
 * in its issuing RTO's city, a badge in its licence's, a permit in its auto stand's city or, for
 * a vehicle without a stand, its registering RTO's: the same places the loaders filter on.
 */
import { citiesOf, type Caller } from '../../src/shared/access/caller.js';
import { expiryWindow, weekOf, type AgencyStatistics, type ExpiringDocuments, type SqlQuery } from '../../src/shared/statistics.js';
import { cityOfRto, rtoCodesOf } from './rules.js';

/** Each expiring document kind: its table, its number, the RTO it answers to, and its stand's city if any. */
const EXPIRING = {
  DRIVING_LICENCE: { from: 'driving_licence d', number: 'd.licence_number', rto: 'd.issuing_rto', standCity: 'null::text' },
  PSV_BADGE: { from: 'psv_badge d', number: 'd.badge_number', rto: 'left(d.licence_number, 4)', standCity: 'null::text' },
  VEHICLE_PERMIT: {
    from: 'vehicle_permit d left join auto_stand s on s.id = d.auto_stand_id',
    number: 'd.permit_number',
    rto: 'left(d.vehicle_registration, 4)',
    standCity: 's.city_code',
  },
} as const;

/** The jurisdiction condition on a document: its stand's city when it has one, else its RTO's. */
function placeSql(caller: Caller, document: (typeof EXPIRING)[keyof typeof EXPIRING]): SqlQuery {
  const cities = citiesOf(caller.jurisdiction);
  if (!cities) return { sql: '', params: [] };
  const rtos = rtoCodesOf(cities);
  if (!cities.length) return { sql: ' and false', params: [] };
  if (document.standCity === 'null::text') return { sql: rtos.length ? ` and ${document.rto} in (?)` : ' and false', params: rtos.length ? [rtos] : [] };
  return {
    sql: ` and (${document.standCity} in (?) or (d.auto_stand_id is null and ${rtos.length ? `${document.rto} in (?)` : 'false'}))`,
    params: rtos.length ? [cities, rtos] : [cities],
  };
}

export const statistics: AgencyStatistics = {
  workerSets: {
    /** Holders of a licence issued by that day, not expired and not suspended. */
    VALID_DRIVING_LICENCE({ caller, asOf }) {
      const inJurisdiction = placeSql(caller, EXPIRING.DRIVING_LICENCE);
      return {
        sql: `select d.worker_id from driving_licence d
              where not d.suspended and d.issued_on <= ? and d.valid_until >= ?${inJurisdiction.sql}`,
        params: [asOf, asOf, ...inJurisdiction.params],
      };
    },
  },
  tables: {
    async expiring({ em, caller }, params): Promise<ExpiringDocuments[]> {
      const window = expiryWindow(params, Object.keys(EXPIRING));
      const cells = new Map<string, ExpiringDocuments>();
      for (const document of window.documents as (keyof typeof EXPIRING)[]) {
        const kind = EXPIRING[document];
        const inJurisdiction = placeSql(caller, kind);
        const rows = await em.getConnection().execute<{ stand_city: string | null; rto: string; week: string; numbers: string[] }[]>(
          `select ${kind.standCity} as stand_city, ${kind.rto} as rto, ${weekOf('d.valid_until')} as week, array_agg(${kind.number}) as numbers
           from ${kind.from}
           where not d.suspended and d.issued_on <= ? and d.valid_until between ? and ?${inJurisdiction.sql}
           group by 1, 2, 3`,
          [window.from, window.from, window.to, ...inJurisdiction.params],
        );
        // Several RTOs may serve one city, so their documents are gathered per city.
        for (const row of rows) {
          const city = row.stand_city ?? cityOfRto(row.rto) ?? null;
          const key = `${document}|${city}|${row.week}`;
          const entry = cells.get(key) ?? { document, city, week: row.week, numbers: [] };
          for (const number of row.numbers) entry.numbers.push(number);
          cells.set(key, entry);
        }
      }
      return [...cells.values()];
    },
  },
};
