import { Migration } from '@mikro-orm/migrations';
import { historyTriggerSql } from '../../../src/shared/history.js';
import { provenanceColumnsSql } from '../../../src/shared/provenance.js';

/** PM SVANidhi loans, each against a vending certificate, with their change history. */
export class Migration20261202000000_svanidhi_loan extends Migration {
  override up(): void {
    // The amount follows the tranche (Rs 10,000, 20,000, 50,000); a vendor takes each tranche once.
    this.addSql(`create table svanidhi_loan (
      id text primary key check (id ~ '^SVL-[0-9]{7}$'),
      worker_id text not null check (worker_id ~ '^W-[0-9]{7}$'),
      certificate_number text not null references vending_certificate (certificate_number),
      tranche integer not null check (tranche between 1 and 3),
      amount integer not null,
      sanctioned_on date not null,
      status text not null check (status in ('SANCTIONED', 'DISBURSED', 'REPAID', 'OVERDUE')),${provenanceColumnsSql},
      check (amount = case tranche when 1 then 10000 when 2 then 20000 else 50000 end),
      unique (worker_id, tranche)
    )`);
    // unique (worker_id, tranche) serves a worker's loans; the certificate index the jurisdiction join.
    this.addSql(`create index svanidhi_loan_certificate_idx on svanidhi_loan (certificate_number)`);
    this.addSql(`create sequence svanidhi_loan_number_seq`);
    this.addSql(historyTriggerSql({ table: 'svanidhi_loan', key: 'id' }));
  }
}
