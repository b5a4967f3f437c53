/**
 * Each agency's append-only change history of its own records. A trigger on every record table
 * writes one `record_change` row per insert, update and delete, with the old and new values of
 * the columns that changed, who changed them (the caller the gateway vouched for, set by
 * `writeInTransaction`; the database user for a change made outside the graph) and for what
 * declared purpose. Auditors read it as `history` on the record.
 *
 * Demo seeding turns the trigger off for its bulk load (`worker_graph.history = off`): those
 * records' origin is their `source` (imported from the agency's system on a given day).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { DocumentNode } from 'graphql';
import type { Caller } from './access/caller.js';
import { decide, maskValue, policiesIn, type AccessPolicy } from './access/policy.js';
import { manyByKey } from './loaders.js';

export interface HistoryTable {
  table: string;
  /** The column that identifies a record (`id`, `licence_number`, `code`). */
  key: string;
}

/** Provenance columns are the change's own `at` and `by`; listing them again says nothing. */
const BOOKKEEPING = ['recorded_at', 'recorded_by', 'updated_at', 'updated_by', 'source_system'];

/** The SQL of an agency migration that starts keeping history for `tables`. */
export function historyMigrationSql(tables: HistoryTable[]): string[] {
  return [
    `create table record_change (
      id bigserial primary key,
      record_key text not null,
      action text not null check (action in ('CREATED', 'UPDATED', 'DELETED')),
      changed_at timestamptz not null default clock_timestamp(),
      changed_by text not null,
      purpose text,
      old_values jsonb,
      new_values jsonb
    )`,
    `create index record_change_record_idx on record_change (record_key, id)`,
    `create function record_change_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'record_change is append-only: % refused', tg_op;
      end $$`,
    `create trigger record_change_no_change before update or delete on record_change
      for each row execute function record_change_append_only()`,
    `create trigger record_change_no_truncate before truncate on record_change
      for each statement execute function record_change_append_only()`,
    // tg_argv[0] names the key column; only columns whose value changed are kept for an update.
    `create function record_change_log() returns trigger language plpgsql as $$
      declare
        old_row jsonb := case when tg_op = 'INSERT' then null else to_jsonb(old) end;
        new_row jsonb := case when tg_op = 'DELETE' then null else to_jsonb(new) end;
        skip text[] := array[${BOOKKEEPING.map((c) => `'${c}'`).join(', ')}];
        changed_old jsonb := '{}';
        changed_new jsonb := '{}';
        k text;
      begin
        if current_setting('worker_graph.history', true) = 'off' then
          return null;
        end if;
        if tg_op = 'UPDATE' then
          for k in select jsonb_object_keys(new_row) loop
            if k <> all(skip) and (old_row -> k) is distinct from (new_row -> k) then
              changed_old := changed_old || jsonb_build_object(k, old_row -> k);
              changed_new := changed_new || jsonb_build_object(k, new_row -> k);
            end if;
          end loop;
          if changed_new = '{}' then
            return null;
          end if;
          old_row := changed_old;
          new_row := changed_new;
        end if;
        insert into record_change (record_key, action, changed_by, purpose, old_values, new_values)
        values (
          tg_table_name || ':' || coalesce(new_row ->> tg_argv[0], to_jsonb(new) ->> tg_argv[0], old_row ->> tg_argv[0]),
          case tg_op when 'INSERT' then 'CREATED' when 'UPDATE' then 'UPDATED' else 'DELETED' end,
          coalesce(nullif(current_setting('worker_graph.actor', true), ''), 'database:' || session_user),
          nullif(current_setting('worker_graph.purpose', true), ''),
          old_row - skip,
          new_row - skip
        );
        return null;
      end $$`,
    ...tables.map(historyTriggerSql),
  ];
}

/** The SQL that keeps history for one more table, once `historyMigrationSql` has run. */
export function historyTriggerSql({ table, key }: HistoryTable): string {
  return `create trigger ${table}_history after insert or update or delete on ${table}
    for each row execute function record_change_log('${key}')`;
}

/** Marks the transaction's writes with who made them and why, for the history trigger. */
export async function markWriter(tx: EntityManager, writer: Writer): Promise<void> {
  await tx.execute(`select set_config('worker_graph.actor', ?, true), set_config('worker_graph.purpose', ?, true)`, [writer.actor, writer.purpose]);
}

/** Switches history off for the rest of a bulk-load transaction (demo seeding only). */
export async function pauseHistory(tx: EntityManager): Promise<void> {
  await tx.execute(`select set_config('worker_graph.history', 'off', true)`);
}

export interface Writer {
  /** `agency:subject`. */
  actor: string;
  purpose: string;
}

interface ChangeRow {
  record_key: string;
  action: 'CREATED' | 'UPDATED' | 'DELETED';
  changed_at: Date;
  changed_by: string;
  purpose: string | null;
  old_values: Record<string, unknown> | null;
  new_values: Record<string, unknown> | null;
}

export interface RecordChangeValue {
  at: Date;
  by: string;
  purpose: string | null;
  action: ChangeRow['action'];
  changes: { field: string; oldValue: string | null; newValue: string | null }[];
}

/**
 * Loads the history of many records in one query, keyed `<table>:<record id>`. Columns named in
 * `sensitive` carry the same policy as the field that shows them, so history never shows an
 * auditor a full phone number the field itself would mask.
 */
export function historyLoader(em: EntityManager, caller: Caller, sensitive: Record<string, AccessPolicy> = {}) {
  const show = (column: string, value: unknown): string | null => {
    if (value === null || value === undefined) return null;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    const policy = sensitive[column];
    if (!policy) return text;
    const decision = decide(policy, caller);
    return decision === 'full' ? text : decision === 'mask' ? (maskValue(text, policy.mask!) as string) : '[withheld]';
  };
  return manyByKey<string, RecordChangeValue & { key: string }>(
    async (keys) => {
      const rows = await em.execute<ChangeRow[]>('select * from record_change where record_key in (?) order by id', [keys]);
      return rows.map((row) => {
        const columns = [...new Set([...Object.keys(row.old_values ?? {}), ...Object.keys(row.new_values ?? {})])];
        return {
          key: row.record_key,
          at: row.changed_at,
          by: row.changed_by,
          purpose: row.purpose,
          action: row.action,
          changes: columns.map((column) => ({
            field: camelCase(column),
            oldValue: show(column, row.old_values?.[column]),
            newValue: show(column, row.new_values?.[column]),
          })),
        };
      });
    },
    (change) => change.key,
  );
}

/**
 * The policies history applies to sensitive columns, each taken from the `@access` policy of the
 * field that shows the column (`{ phone: 'Worker.phone' }`), so history never shows more than
 * the field does. A policy missing from the schema is a start-up error, not an unmasked history.
 */
export function sensitiveColumns(typeDefs: DocumentNode, fieldOf: Record<string, string>): Record<string, AccessPolicy> {
  const policies = policiesIn(typeDefs);
  return Object.fromEntries(
    Object.entries(fieldOf).map(([column, field]) => {
      const policy = policies.get(field);
      if (!policy) throw new Error(`History of column ${column} follows ${field}'s @access policy, but the schema has none.`);
      return [column, policy];
    }),
  );
}

function camelCase(column: string): string {
  return column.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}
