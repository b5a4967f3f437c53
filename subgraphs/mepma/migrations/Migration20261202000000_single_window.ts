import { Migration } from '@mikro-orm/migrations';
import { historyTriggerSql } from '../../../src/shared/history.js';
import { provenanceColumnsSql } from '../../../src/shared/provenance.js';

/**
 * The single window: workers' own savings bank accounts opened through the mission, and CRPs'
 * follow-up visits about the schemes of the catalogue, both with change history.
 */
export class Migration20261202000000_single_window extends Migration {
  override up(): void {
    this.addSql(`create sequence savings_account_number_seq`);
    this.addSql(`create table savings_account (
      id text primary key check (id ~ '^SBA-[0-9]{7,}$'),
      worker_id text not null check (worker_id ~ '^W-[0-9]{7}$'),
      city_code text not null,
      bank_name text not null,
      branch_ifsc text not null check (branch_ifsc ~ '^[A-Z]{4}0[A-Z0-9]{6}$'),
      account_last4 text not null check (account_last4 ~ '^[0-9]{4}$'),
      opened_on date not null,${provenanceColumnsSql}
    )`);
    this.addSql(`create index savings_account_worker_idx on savings_account (worker_id)`);

    this.addSql(`create sequence visit_number_seq`);
    // The scheme is an id of schema/schemes.yaml, checked when a visit is recorded: the catalogue
    // is data that grows without a migration.
    this.addSql(`create table visit (
      id text primary key check (id ~ '^VIS-[0-9]{7,}$'),
      worker_id text not null check (worker_id ~ '^W-[0-9]{7}$'),
      city_code text not null,
      scheme text not null check (scheme ~ '^[A-Z][A-Z0-9_]{1,39}$'),
      outcome text not null check (outcome in ('INFORMED', 'DOCUMENTS_COLLECTED', 'APPLIED', 'DECLINED', 'NOT_FOUND')),
      visited_on date not null,
      note text check (char_length(note) <= 500),${provenanceColumnsSql}
    )`);
    // Serves a worker's visits newest first, for one scheme or all.
    this.addSql(`create index visit_worker_idx on visit (worker_id, visited_on desc, id desc)`);

    for (const table of ['savings_account', 'visit']) this.addSql(historyTriggerSql({ table, key: 'id' }));
  }
}
