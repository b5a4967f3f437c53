import { Migration } from '@mikro-orm/migrations';

/**
 * The gateway's signatures over the access log, one row per group-commit batch: entries
 * `first_seq`–`last_seq`, the hash of the last one, and the Ed25519 signature over the three made
 * with the gateway's audit-signing key (`key_id` names which; the key itself is never here). A
 * batch is written in the same transaction as its entries, so every committed entry is signed.
 */
export class Migration20261201120000_access_log_signatures extends Migration {
  override up(): void {
    this.addSql(`create table access_log_signature (
      first_seq bigint primary key check (first_seq >= 1),
      last_seq bigint not null unique check (last_seq >= first_seq),
      last_hash text not null,
      key_id text,
      signature text,
      signed_at timestamptz not null default now(),
      check ((key_id is null) = (signature is null))
    )`);
    // A log that already has entries keeps them: they are recorded as one unsigned batch from
    // entry 1, which the first signed batch after it covers through the chain (verify reports it).
    this.addSql('lock table access_log in share row exclusive mode');
    this.addSql(`insert into access_log_signature (first_seq, last_seq, last_hash)
      select 1, seq, hash from access_log order by seq desc limit 1`);
    // Append-only as the log is: the signatures are evidence too.
    this.addSql(`create function access_log_signature_append_only() returns trigger language plpgsql as $$
      begin
        raise exception '% is append-only: % refused', tg_table_name, tg_op;
      end $$`);
    this.addSql(`create trigger access_log_signature_no_change before update or delete on access_log_signature
      for each row execute function access_log_signature_append_only()`);
    this.addSql(`create trigger access_log_signature_no_truncate before truncate on access_log_signature
      for each statement execute function access_log_signature_append_only()`);
  }
}
