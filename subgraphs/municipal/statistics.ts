/**
 * Municipal's answers to the hub's reports (src/shared/statistics.ts): who holds a vending
 * certificate valid on the day, and which certificates and trade licences run out soon (by
 * number: the report service counts and perturbs them, src/shared/cell-key.ts). A certificate
 * lies in its vending zone's city, a trade licence in its ward's.
 */
import { citySql } from '../../src/shared/access/rows.js';
import { expiryWindow, weekOf, type AgencyStatistics, type ExpiringDocuments } from '../../src/shared/statistics.js';

/** Each expiring document kind Municipal issues: its table, its number and the city column it lies in. */
const EXPIRING = {
  VENDING_CERTIFICATE: { from: 'vending_certificate d join vending_zone p on p.id = d.vending_zone_id', number: 'd.certificate_number', city: 'p.city_code' },
  TRADE_LICENCE: { from: 'trade_licence d join ward p on p.code = d.ward_code', number: 'd.licence_number', city: 'p.city_code' },
} as const;

export const statistics: AgencyStatistics = {
  workerSets: {
    /** Vendors holding a certificate issued by that day, still valid, neither suspended nor cancelled. */
    VALID_VENDING_CERTIFICATE({ caller, asOf }) {
      const inJurisdiction = citySql(caller, 'p.city_code');
      return {
        sql: `select d.worker_id from ${EXPIRING.VENDING_CERTIFICATE.from}
              where d.status = 'ACTIVE' and d.issued_on <= ? and d.valid_until >= ?${inJurisdiction.sql}`,
        params: [asOf, asOf, ...inJurisdiction.params],
      };
    },
  },
  tables: {
    async expiring({ em, caller }, params): Promise<ExpiringDocuments[]> {
      const window = expiryWindow(params, Object.keys(EXPIRING));
      const cells: ExpiringDocuments[] = [];
      for (const document of window.documents as (keyof typeof EXPIRING)[]) {
        const { from, number, city } = EXPIRING[document];
        const inJurisdiction = citySql(caller, city);
        cells.push(
          ...(await em.getConnection().execute<ExpiringDocuments[]>(
            `select ? as document, ${city} as city, ${weekOf('d.valid_until')} as week, array_agg(${number}) as numbers from ${from}
             where d.status = 'ACTIVE' and d.issued_on <= ? and d.valid_until between ? and ?${inJurisdiction.sql}
             group by 2, 3`,
            [document, window.from, window.from, window.to, ...inJurisdiction.params],
          )),
        );
      }
      return cells;
    },
  },
};
