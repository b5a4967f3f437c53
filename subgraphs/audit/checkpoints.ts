/**
 * Checkpoints of the access log's head, kept apart from the log: every AUDIT_CHECKPOINT_SECONDS
 * (and when the gateway stops cleanly) the gateway signs the last entry it committed, `{ seq,
 * hash, at, keyId, signature }`, and appends it to a file (AUDIT_CHECKPOINT_FILE, JSON lines)
 * and/or to a table in another database (AUDIT_CHECKPOINT_DATABASE_URL). A log later cut short
 * no longer reaches its last checkpoint, and a log rewritten before a checkpoint no longer has
 * the hash the checkpoint recorded: `npm run audit:verify` checks every one.
 */
import { mkdirSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

export interface Checkpoint {
  seq: number;
  hash: string;
  at: string;
  keyId: string;
  signature: string;
}

/** A checkpoint as found, with where (for the report). */
export interface FoundCheckpoint extends Checkpoint {
  source: string;
}

export interface CheckpointSink {
  /** Where it writes, for log lines (a database URL without its password). */
  readonly where: string;
  write(checkpoint: Checkpoint): Promise<void>;
  close(): Promise<void>;
}

/** Appends each checkpoint as one JSON line and flushes it to disk before returning. */
export function checkpointFile(file: string): CheckpointSink {
  return {
    where: file,
    async write(checkpoint) {
      mkdirSync(path.dirname(file), { recursive: true });
      // O_APPEND, one write per line: gateway replicas appending to one file never interleave.
      const handle = await open(file, 'a', 0o640);
      try {
        await handle.write(`${JSON.stringify(checkpoint)}\n`);
        await handle.datasync();
      } finally {
        await handle.close();
      }
    },
    async close() {},
  };
}

/**
 * The checkpoints in a file, oldest first; undefined when there is no file. A line that is not a
 * checkpoint (a write cut by a crash) is skipped with a warning: it proves nothing either way.
 */
export async function readCheckpointFile(file: string): Promise<{ checkpoints: FoundCheckpoint[]; warnings: string[] } | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
  const checkpoints: FoundCheckpoint[] = [];
  const warnings: string[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    const source = `${file}:${index + 1}`;
    const checkpoint = parseCheckpoint(line);
    if (checkpoint) checkpoints.push({ ...checkpoint, source });
    else warnings.push(`line ${source} is not a checkpoint; skipped`);
  }
  return { checkpoints, warnings };
}

function parseCheckpoint(line: string): Checkpoint | undefined {
  try {
    const { seq, hash, at, keyId, signature } = JSON.parse(line) as Partial<Checkpoint>;
    if (!Number.isInteger(seq) || seq! < 1 || typeof hash !== 'string' || typeof at !== 'string' || typeof keyId !== 'string' || typeof signature !== 'string') return undefined;
    return { seq: seq!, hash, at, keyId, signature };
  } catch {
    return undefined;
  }
}

const TABLE = 'access_log_checkpoint';

/**
 * The checkpoint table in another database, made on first use when the gateway's role may (in a
 * deployment the auditors make it and grant the gateway's role INSERT and SELECT only). Like the
 * log itself it is append-only for everyone, its owner included, unless they switch the trigger off.
 */
const CREATE = [
  `create table ${TABLE} (
     id bigserial primary key,
     seq bigint not null check (seq >= 1),
     hash text not null,
     at timestamptz not null,
     key_id text not null,
     signature text not null,
     recorded_at timestamptz not null default now()
   )`,
  `create or replace function ${TABLE}_append_only() returns trigger language plpgsql as $$
     begin
       raise exception '% is append-only: % refused', tg_table_name, tg_op;
     end $$`,
  `create trigger ${TABLE}_no_change before update or delete on ${TABLE} for each row execute function ${TABLE}_append_only()`,
  `create trigger ${TABLE}_no_truncate before truncate on ${TABLE} for each statement execute function ${TABLE}_append_only()`,
];

function withoutPassword(url: string): string {
  const parsed = new URL(url);
  parsed.password = '';
  return parsed.toString();
}

async function ensureTable(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<{ found: string | null }>('select to_regclass($1) as found', [TABLE]);
  if (rows[0].found) return;
  await client.query('begin');
  try {
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [TABLE]);
    const again = await client.query<{ found: string | null }>('select to_regclass($1) as found', [TABLE]);
    if (!again.rows[0].found) for (const statement of CREATE) await client.query(statement);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  }
}

export async function checkpointDatabase(url: string): Promise<CheckpointSink> {
  const pool = new pg.Pool({ connectionString: url, max: 1, idleTimeoutMillis: 10_000 });
  pool.on('error', (error) => console.error('[audit] the checkpoint database connection failed:', error.message));
  let ready: Promise<void> | undefined;
  const where = withoutPassword(url);
  return {
    where,
    async write({ seq, hash, at, keyId, signature }) {
      ready ??= pool.connect().then(async (client) => {
        try {
          await ensureTable(client);
        } finally {
          client.release();
        }
      });
      await ready.catch((error: unknown) => {
        ready = undefined;
        throw error;
      });
      await pool.query(`insert into ${TABLE} (seq, hash, at, key_id, signature) values ($1, $2, $3, $4, $5)`, [seq, hash, at, keyId, signature]);
    },
    close: () => pool.end(),
  };
}

/** Every checkpoint in the other database, oldest first (none when the table was never made). */
export async function readCheckpointDatabase(url: string): Promise<FoundCheckpoint[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ found: string | null }>('select to_regclass($1) as found', [TABLE]);
    if (!rows[0].found) return [];
    const where = withoutPassword(url);
    const found = await client.query<{ id: string; seq: string; hash: string; at: string; key_id: string; signature: string }>(
      `select id, seq, hash, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at, key_id, signature from ${TABLE} order by id`,
    );
    return found.rows.map((row) => ({ seq: Number(row.seq), hash: row.hash, at: row.at, keyId: row.key_id, signature: row.signature, source: `${where} ${TABLE} row ${row.id}` }));
  } finally {
    await client.end();
  }
}
