import { Migration } from '@mikro-orm/migrations';

export class Migration20261123120000_access_log extends Migration {
  override up(): void {
    this.addSql(`create table access_log (
      seq bigint primary key check (seq >= 1),
      request_id uuid not null,
      at timestamptz not null,
      caller_agency text,
      caller_subject text,
      caller_role text,
      caller_jurisdiction text,
      purpose text,
      operation_type text,
      operation_name text,
      document_hash text,
      worker_ids text[] not null,
      subgraphs text[] not null,
      outcome text not null check (outcome in ('started', 'ok', 'partial', 'error', 'denied', 'unauthenticated', 'refused')),
      error_codes text[] not null,
      duration_ms integer not null check (duration_ms >= 0),
      prev_hash text not null,
      hash text not null unique
    )`);
    // "Who looked at this worker" and "what did this caller look at", newest pages first.
    this.addSql(`create index access_log_worker_idx on access_log using gin (worker_ids)`);
    this.addSql(`create index access_log_caller_idx on access_log (caller_agency, caller_subject, seq)`);
    this.addSql(`create index access_log_at_idx on access_log (at)`);
    // Append-only for everyone who connects as the application: the hash chain then catches
    // whoever disables this with table-owner rights.
    this.addSql(`create function access_log_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'access_log is append-only: % refused', tg_op;
      end $$`);
    this.addSql(`create trigger access_log_no_change before update or delete on access_log
      for each row execute function access_log_append_only()`);
    this.addSql(`create trigger access_log_no_truncate before truncate on access_log
      for each statement execute function access_log_append_only()`);
  }
}
