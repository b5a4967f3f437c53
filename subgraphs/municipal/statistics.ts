/**
 * Municipal's answers to the hub's reports and to the single window (src/shared/statistics.ts,
 * src/shared/facts.ts): who holds a vending certificate valid on the day, who has been sanctioned
 * a PM SVANidhi loan, and which certificates and trade licences run out soon (by number: the
 * report service counts and perturbs them, src/shared/cell-key.ts). A certificate lies in its
 * vending zone's city, a loan in its certificate's, a trade licence in its ward's.
 */
import { citySql } from '../../src/shared/access/rows.js';
import { workersSql, type FactQuery, type FactScope } from '../../src/shared/facts.js';
import { expiryWindow, weekOf, type AgencyStatistics, type ExpiringDocuments, type SqlQuery } from '../../src/shared/statistics.js';

/** Each expiring document kind Municipal issues: its table, its number and the city column it lies in. */
const EXPIRING = {
  VENDING_CERTIFICATE: { from: 'vending_certificate d join vending_zone p on p.id = d.vending_zone_id', number: 'd.certificate_number', city: 'p.city_code' },
  TRADE_LICENCE: { from: 'trade_licence d join ward p on p.code = d.ward_code', number: 'd.licence_number', city: 'p.city_code' },
} as const;

/**
 * Vendors holding a certificate issued by the day, still valid, neither suspended nor cancelled,
 * in the caller's jurisdiction; for a fact asked about some workers, only theirs.
 */
function validCertificateHolders(scope: FactScope): SqlQuery {
  const inJurisdiction = citySql(scope.caller, 'p.city_code');
  const asked = workersSql(scope, 'd.worker_id');
  return {
    sql: `select d.worker_id from ${EXPIRING.VENDING_CERTIFICATE.from}
          where d.status = 'ACTIVE' and d.issued_on <= ? and d.valid_until >= ?${asked.sql}${inJurisdiction.sql}`,
    params: [scope.asOf, scope.asOf, ...asked.params, ...inJurisdiction.params],
  };
}

/** The facts of Worker.municipalFacts (schema.graphql). */
export const facts: Record<string, FactQuery> = {
  validVendingCertificate: validCertificateHolders,
  /** Any loan sanctioned by the day, whatever it stands at now: the vendor is enrolled in PM SVANidhi. */
  svanidhiLoan(scope) {
    const inJurisdiction = citySql(scope.caller, 'p.city_code');
    const asked = workersSql(scope, 'l.worker_id');
    return {
      sql: `select l.worker_id from svanidhi_loan l
              join vending_certificate d on d.certificate_number = l.certificate_number join vending_zone p on p.id = d.vending_zone_id
            where l.sanctioned_on <= ?${asked.sql}${inJurisdiction.sql}`,
      params: [scope.asOf, ...asked.params, ...inJurisdiction.params],
    };
  },
};

export const statistics: AgencyStatistics = {
  workerSets: {
    VALID_VENDING_CERTIFICATE: validCertificateHolders,
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
  facts,
};
