/**
 * The gateway's access log: one entry per request, in the gateway's own database. Entries are
 * append-only (a trigger refuses UPDATE, DELETE and TRUNCATE) and hash-chained: each entry's
 * hash covers its content and the hash of the entry before, so changing, deleting or reordering
 * any entry breaks every hash after it.
 *
 * The chain alone stops nobody who can write the table: they recompute every hash after the
 * entry they changed. So each group-commit batch is also signed, in the same transaction, with
 * the gateway's audit-signing key (signing.ts), which the database never holds; and the head is
 * checkpointed elsewhere at intervals (checkpoints.ts), so a tail cut off at the end shows too.
 * `npm run audit:verify` checks all three.
 */
import { createHash } from 'node:crypto';
import type { EntityName, FilterQuery, QueryOrderMap } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { MemberDatabase } from '../../src/shared/database-roles.js';
import { databaseReachable, openAgencyOrm, type AgencyOrm } from '../../src/shared/orm.js';
import { lockFor } from '../../src/shared/transactions.js';
import type { Checkpoint, CheckpointSink, FoundCheckpoint } from './checkpoints.js';
import { AccessLogEntrySchema, AccessLogSignatureSchema, type AccessLogEntry, type AccessLogSignature } from './entities.js';
import { migrations } from './migrations/index.js';
import { batchSignatureRefusal, headSignatureRefusal, signBatch, signHead, type AuditPublicKeys, type AuditSigner } from './signing.js';

export type Outcome = 'started' | 'ok' | 'partial' | 'error' | 'denied' | 'unauthenticated' | 'refused';

export interface AccessRecord {
  requestId: string;
  at: Date;
  caller: { agency: string; subject: string; role: string; jurisdiction: string } | null;
  purpose: string | null;
  operationType: string | null;
  operationName: string | null;
  /** SHA-256 of the query text: which operation ran, without keeping variables (personal data). */
  documentHash: string | null;
  workerIds: string[];
  subgraphs: string[];
  outcome: Outcome;
  errorCodes: string[];
  durationMs: number;
}

/** Entry `seq`: the record, chained to the hash before it. */
function entryOf(seq: number, record: AccessRecord, previousHash: string, hash: string): AccessLogEntry {
  const c = record.caller;
  return {
    id: String(seq),
    requestId: record.requestId,
    at: record.at,
    callerAgency: c?.agency ?? null,
    callerSubject: c?.subject ?? null,
    callerRole: c?.role ?? null,
    callerJurisdiction: c?.jurisdiction ?? null,
    purpose: record.purpose,
    operationType: record.operationType,
    operationName: record.operationName,
    documentHash: record.documentHash,
    workerIds: record.workerIds,
    subgraphs: record.subgraphs,
    outcome: record.outcome,
    errorCodes: record.errorCodes,
    durationMs: record.durationMs,
    previousHash,
    hash,
  };
}

/** The `prev_hash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** The hash of entry `seq`: its content in a fixed order, chained to the hash before it. */
export function entryHash(previousHash: string, seq: number, record: AccessRecord): string {
  const content = [
    seq,
    record.requestId,
    record.at.toISOString(),
    record.caller?.agency ?? null,
    record.caller?.subject ?? null,
    record.caller?.role ?? null,
    record.caller?.jurisdiction ?? null,
    record.purpose,
    record.operationType,
    record.operationName,
    record.documentHash,
    record.workerIds,
    record.subgraphs,
    record.outcome,
    record.errorCodes,
    record.durationMs,
  ];
  return createHash('sha256').update(previousHash).update('\n').update(JSON.stringify(content)).digest('hex');
}

export interface VerifyReport {
  entries: number;
  /** The newest entry's hash: publish or compare it to catch a log cut short at the end. */
  head: string;
  broken?: { seq: number; reason: string };
  /** With public keys: what the signatures covered. */
  signatures?: {
    /** Signed batches checked. */
    batches: number;
    /** The last entry a valid signature covers. */
    signedThrough: number;
    /** Entries 1–n written before the log was signed (one unsigned batch, covered by the chain to the first signed one). */
    unsignedBefore: number;
    /** The key ids that signed them. */
    keys: string[];
  };
  /** With checkpoints: how many agreed with the log, and the one furthest along. */
  checkpoints?: { checked: number; latest?: { seq: number; at: string; source: string } };
  warnings?: string[];
}

export interface VerifyOptions {
  /**
   * The audit-signing public keys (from a file, never from the database). With them every entry
   * must be covered by a valid signature; without them only the hash chain is checked.
   */
  publicKeys?: AuditPublicKeys;
  /** Checkpoints kept elsewhere; each must be validly signed and match the log, which must reach the furthest. */
  checkpoints?: FoundCheckpoint[];
  batchSize?: number;
}

export interface AuditLogOptions {
  /** Signs every batch the log writes. Without one, entries are written unsigned (tests, tools): a signed verify flags them. */
  signer?: AuditSigner;
  /** Where checkpoints of the head go (needs a signer). */
  checkpoints?: CheckpointSink[];
  /** How often a checkpoint is taken, when entries were written since the last (0: only on close and when asked). */
  checkpointSeconds?: number;
}

/**
 * One entry as the table holds it, for those who work on `access_log` without the ORM (the
 * tamper test plays the database's owner): its columns, and `at` as `at_iso`. The log itself
 * reads and writes entries through AccessLogEntrySchema.
 */
export interface AccessLogRow {
  seq: string;
  request_id: string;
  /** `at` in ISO form, millisecond precision, as the hash took it. */
  at_iso: string;
  caller_agency: string | null;
  caller_subject: string | null;
  caller_role: string | null;
  caller_jurisdiction: string | null;
  purpose: string | null;
  operation_type: string | null;
  operation_name: string | null;
  document_hash: string | null;
  worker_ids: string[];
  subgraphs: string[];
  outcome: Outcome;
  error_codes: string[];
  duration_ms: number;
  prev_hash: string;
  hash: string;
}

/** Entries as AccessLogRow: `at` exactly as the hash took it (milliseconds, as the driver reads it too). */
export const ENTRY_SELECT = `select *, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at_iso from access_log`;

export class AuditLog {
  private readonly signer?: AuditSigner;
  private readonly sinks: CheckpointSink[];
  private timer?: NodeJS.Timeout;
  /** The last entry this process committed: what it checkpoints (nothing read back from the database). */
  private committed?: { seq: number; hash: string };
  private checkpointed = 0;
  private checkpointing: Promise<Checkpoint | undefined> = Promise.resolve(undefined);
  private warnedUnsigned = 0;

  private constructor(readonly database: AgencyOrm, options: AuditLogOptions) {
    this.signer = options.signer;
    this.sinks = options.signer ? (options.checkpoints ?? []) : [];
    if (this.sinks.length && options.checkpointSeconds) {
      this.timer = setInterval(() => void this.checkpoint(), options.checkpointSeconds * 1000);
      this.timer.unref();
    }
  }

  /** With a MemberDatabase the writer's role can only add and read entries and signatures: the triggers are the owner's alone. */
  static async open(database: MemberDatabase | string, options: AuditLogOptions = {}): Promise<AuditLog> {
    const orm = await openAgencyOrm({ database, entities: [AccessLogEntrySchema, AccessLogSignatureSchema], migrations, appendOnly: ['access_log', 'access_log_signature'] });
    return new AuditLog(orm, options);
  }

  /** A fresh entity manager for readers (the audit subgraph). */
  fork(): EntityManager {
    return this.database.orm.em.fork() as EntityManager;
  }

  /**
   * Appends one entry, resolving once it is committed; throws when it cannot be written. Entries
   * that arrive while a write is in flight are committed together in the next one (group
   * commit): one transaction and one fsync for many requests, in arrival order. The lock keeps
   * one order across gateway replicas sharing the log.
   */
  append(record: AccessRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      this.flushSoon();
    });
  }

  private queue: { record: AccessRecord; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushing: Promise<void> | null = null;

  private flushSoon(): void {
    if (this.flushing) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = null;
      if (this.queue.length) this.flushSoon();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0);
    try {
      const head = await this.fork().transactional(async (tx) => {
        // An advisory lock (raw SQL in the shared helper: it locks a key, not a row of any entity).
        await lockFor(tx as EntityManager, 'access_log');
        const last = await this.head(tx as EntityManager);
        let seq = last?.seq ?? 0;
        if (this.signer && last && last.signedSeq < seq) this.warnUnsigned(last.signedSeq, seq);
        const firstSeq = seq + 1;
        let previousHash = last?.hash ?? GENESIS_HASH;
        const entries: AccessLogEntry[] = [];
        for (const { record } of batch) {
          seq += 1;
          const hash = entryHash(previousHash, seq, record);
          entries.push(entryOf(seq, record, previousHash, hash));
          previousHash = hash;
        }
        if (this.signer) {
          // In the entries' transaction: committed together or not at all. (Written before the
          // entries: after them, or in one statement with them as a CTE, measured up to half the
          // throughput under group commit; before them, no difference that could be measured.)
          const key = this.signer.current();
          const signature = signBatch(key, { firstSeq, lastSeq: seq, lastHash: previousHash });
          // insertMany for one row too: it writes the statement itself, where insert builds it with a QueryBuilder (measurably more CPU per batch).
          await tx.insertMany(AccessLogSignatureSchema, [{ firstSeq, lastSeq: seq, lastHash: previousHash, keyId: key.kid, signature }]);
        }
        await tx.insertMany(AccessLogEntrySchema, entries);
        return { seq, hash: previousHash };
      });
      if (!this.committed || head.seq > this.committed.seq) this.committed = head;
      for (const { resolve } of batch) resolve();
    } catch (error) {
      for (const { reject } of batch) reject(error);
    }
  }

  /** The query headQueryOf builds, built once: building it took more CPU than running it, on every batch. */
  private headQuery?: string;

  /** The newest entry's seq and hash, and the last entry a signed batch covers (0 for none); undefined for an empty log. */
  private async head(tx: EntityManager): Promise<{ seq: number; hash: string; signedSeq: number } | undefined> {
    const [row] = await tx.execute((this.headQuery ??= headQueryOf(tx)));
    if (!row) return undefined;
    const last = tx.getDriver().mapResult<AccessLogEntry>(row, tx.getMetadata<AccessLogEntry>(AccessLogEntrySchema)) as Pick<AccessLogEntry, 'id' | 'hash'> & { signedSeq: string | null };
    return { seq: Number(last.id), hash: last.hash, signedSeq: Number(last.signedSeq ?? 0) };
  }

  /** Once per unsigned stretch: entries after the last signed batch were written by something other than a signing gateway. */
  private warnUnsigned(signedSeq: number, seq: number): void {
    if (this.warnedUnsigned === seq) return;
    this.warnedUnsigned = seq;
    console.error(`[audit] entries ${signedSeq + 1}–${seq} of the access log carry no signature: written outside a signing gateway? audit:verify will report them.`);
  }

  /**
   * Signs the last entry this process committed and appends it to every checkpoint sink; nothing
   * when there is nothing new since the last checkpoint (or no signer or sink). A sink that fails
   * is logged and does not stop the others, nor any request.
   */
  checkpoint(): Promise<Checkpoint | undefined> {
    this.checkpointing = this.checkpointing.then(() => this.writeCheckpoint());
    return this.checkpointing;
  }

  private async writeCheckpoint(): Promise<Checkpoint | undefined> {
    const head = this.committed;
    if (!this.signer || !this.sinks.length || !head || head.seq <= this.checkpointed) return undefined;
    const key = this.signer.current();
    const at = new Date().toISOString();
    const checkpoint: Checkpoint = { seq: head.seq, hash: head.hash, at, keyId: key.kid, signature: signHead(key, { seq: head.seq, hash: head.hash, at }) };
    const written = await Promise.allSettled(this.sinks.map((sink) => sink.write(checkpoint)));
    written.forEach((result, i) => {
      if (result.status === 'rejected') console.error(`[audit] could not write a checkpoint to ${this.sinks[i].where}:`, (result.reason as Error)?.message ?? result.reason);
    });
    if (written.every((result) => result.status === 'rejected')) return undefined;
    this.checkpointed = head.seq;
    return checkpoint;
  }

  /**
   * Walks the whole log in order, recomputing every hash, and with `publicKeys` checking that
   * consecutive signed batches cover every entry and that each signature holds, and with
   * `checkpoints` that each is signed, matches the entry it names, and that the log reaches the
   * furthest. Stops at the first break.
   */
  async verify(options: VerifyOptions | number = {}): Promise<VerifyReport> {
    const { publicKeys, checkpoints = [], batchSize = 5000 } = typeof options === 'number' ? { batchSize: options } : options;
    if (checkpoints.length && !publicKeys) throw new Error('Checking checkpoints needs the public keys that signed them.');
    const em = this.fork();
    const warnings: string[] = [];
    let expectedSeq = 1;
    let previousHash = GENESIS_HASH;
    const signing = publicKeys ? { batches: 0, signedThrough: 0, unsignedBefore: 0, keys: new Set<string>() } : undefined;
    const bySeq = new Map<number, FoundCheckpoint[]>();
    const checked = new Set<FoundCheckpoint>();
    let latest: FoundCheckpoint | undefined;
    const report = (broken?: VerifyReport['broken']): VerifyReport => ({
      entries: expectedSeq - 1,
      head: previousHash,
      ...(broken ? { broken } : {}),
      ...(signing
        ? {
            signatures: { batches: signing.batches, signedThrough: signing.signedThrough, unsignedBefore: signing.unsignedBefore, keys: [...signing.keys] },
            checkpoints: { checked: checked.size, ...(latest ? { latest: { seq: latest.seq, at: latest.at, source: latest.source } } : {}) },
            warnings,
          }
        : {}),
    });

    // Checkpoints first: one whose signature fails was forged or altered, which is a break of its own.
    for (const checkpoint of checkpoints) {
      const refused = headSignatureRefusal(publicKeys!, checkpoint.keyId, checkpoint.signature, checkpoint);
      if (refused) return report({ seq: checkpoint.seq, reason: `the checkpoint at ${checkpoint.source} is not the gateway's (it was forged or altered): ${refused}` });
      bySeq.set(checkpoint.seq, [...(bySeq.get(checkpoint.seq) ?? []), checkpoint]);
      if (!latest || checkpoint.seq > latest.seq) latest = checkpoint;
    }

    const batches = publicKeys ? batchesOf(em, batchSize) : undefined;
    let batch = batches ? await nextOf(batches) : undefined;
    for (;;) {
      const rows = await pageOf(em, AccessLogEntrySchema, { id: { $gte: String(expectedSeq) } }, { id: 'asc' }, batchSize);
      for (const row of rows) {
        const seq = Number(row.id);
        const broken = (reason: string, at = seq): VerifyReport => report({ seq: at, reason });
        if (seq !== expectedSeq) return broken(`entry ${expectedSeq} is missing (the next one is ${seq})`);
        if (row.previousHash !== previousHash) return broken('it does not chain to the entry before it (an entry was removed or reordered)');
        if (row.hash !== entryHash(previousHash, seq, recordOf(row))) return broken('its content no longer matches its hash (it was changed)');
        if (signing) {
          if (!batch || batch.first > seq) return broken("it carries no signature of the gateway (it was added outside the gateway)");
          if (batch.first < seq && seq === signing.signedThrough + 1) return broken(`the signed batch ${batch.first}–${batch.last} overlaps the one before it (a batch was added outside the gateway)`);
          if (seq === batch.last) {
            const range = batch.first === batch.last ? `entry ${seq}` : `entries ${batch.first}–${batch.last}`;
            if (row.hash !== batch.row.lastHash) {
              const recorded = batch.row.keyId == null ? 'recorded when signing began' : 'the gateway signed';
              return broken(`${range} no longer match the hash ${recorded} (an entry was changed and the hashes after it recomputed)`, batch.first);
            }
            if (batch.row.keyId == null || batch.row.signature == null) {
              if (batch.first !== 1) return broken(`${range} are marked unsigned, which only entries written before the log was signed may be`, batch.first);
              signing.unsignedBefore = seq;
            } else {
              const refused = batchSignatureRefusal(publicKeys!, batch.row.keyId, batch.row.signature, { firstSeq: batch.first, lastSeq: batch.last, lastHash: batch.row.lastHash });
              if (refused) return broken(`the signature over ${range} does not hold: ${refused}`, batch.first);
              signing.batches += 1;
              signing.keys.add(batch.row.keyId);
            }
            signing.signedThrough = seq;
            batch = await nextOf(batches!);
          }
        }
        for (const checkpoint of bySeq.get(seq) ?? []) {
          if (checkpoint.hash !== row.hash) return broken(`its hash differs from the one the checkpoint at ${checkpoint.source} (${checkpoint.at}) recorded (the log was rewritten up to here)`);
          checked.add(checkpoint);
        }
        previousHash = row.hash;
        expectedSeq += 1;
      }
      if (rows.length < batchSize) break;
    }
    const entries = expectedSeq - 1;
    if (batch) {
      return report({ seq: entries + 1, reason: `the log ends at entry ${entries}, but the gateway signed entries ${batch.first}–${batch.last} (entries were cut off the end)` });
    }
    if (latest && latest.seq > entries) {
      return report({ seq: entries + 1, reason: `the log ends at entry ${entries}, but the checkpoint at ${latest.source} (${latest.at}) recorded entry ${latest.seq} (entries were cut off the end)` });
    }
    if (signing && !checkpoints.length) warnings.push('no checkpoints were given: a log cut short at its end would not show');
    if (signing?.unsignedBefore) warnings.push(`entries 1–${signing.unsignedBefore} were written before the log was signed: they are covered by the hash chain up to the first signed batch after them`);
    if (signing && latest && latest.seq < entries) warnings.push(`entries ${latest.seq + 1}–${entries} are after the last checkpoint: signed, but a cut back to entry ${latest.seq} would not show`);
    return report();
  }

  /** For /ready: the log's database answers. */
  reachable(): Promise<boolean> {
    return databaseReachable(this.database.orm);
  }

  /** Waits for entries in flight, takes a last checkpoint (a clean shutdown), then closes. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    while (this.flushing) await this.flushing;
    await this.checkpoint().catch(() => undefined);
    for (const sink of this.sinks) await sink.close().catch(() => {});
    this.signer?.close();
    await this.database.orm.close();
  }
}

/**
 * The query for the newest entry's seq and hash, with the last entry a signed batch covers, in one
 * statement (the signatures' part is a subquery in its select). It takes no parameters.
 */
function headQueryOf(em: EntityManager): string {
  const signedThrough = em.createQueryBuilder(AccessLogSignatureSchema, 's').select('s.lastSeq').orderBy({ lastSeq: 'desc' }).limit(1);
  return em
    .createQueryBuilder(AccessLogEntrySchema, 'e')
    .select(['e.id', 'e.hash', signedThrough.as('signedSeq')])
    .orderBy({ id: 'desc' })
    .limit(1)
    .getFormattedQuery();
}

/**
 * Up to `limit` rows of `entity` in `orderBy` order, as plain objects with the entity's property
 * names and values, without the unit of work (readRows in src/shared/loaders.ts, with a limit):
 * verify reads the whole log and keeps no entity.
 */
function pageOf<T extends object>(em: EntityManager, entity: EntityName<T>, where: FilterQuery<NoInfer<T>>, orderBy: QueryOrderMap<NoInfer<T>>, limit: number): Promise<T[]> {
  return em.createQueryBuilder(entity).select('*').where(where).orderBy(orderBy).limit(limit).execute('all');
}

/** The signed batches in order, a page at a time. */
async function* batchesOf(em: EntityManager, pageSize: number): AsyncGenerator<{ first: number; last: number; row: AccessLogSignature }> {
  let from = 1;
  for (;;) {
    const rows = await pageOf(em, AccessLogSignatureSchema, { firstSeq: { $gte: from } }, { firstSeq: 'asc' }, pageSize);
    for (const row of rows) yield { first: Number(row.firstSeq), last: Number(row.lastSeq), row };
    if (rows.length < pageSize) return;
    from = Number(rows[rows.length - 1].firstSeq) + 1;
  }
}

async function nextOf<T>(iterator: AsyncGenerator<T>): Promise<T | undefined> {
  const next = await iterator.next();
  return next.done ? undefined : next.value;
}

/** The record an entry holds, as its hash took it. */
export function recordOf(entry: AccessLogEntry): AccessRecord {
  return {
    requestId: entry.requestId,
    at: entry.at,
    caller: entry.callerAgency
      ? { agency: entry.callerAgency, subject: entry.callerSubject!, role: entry.callerRole!, jurisdiction: entry.callerJurisdiction! }
      : null,
    purpose: entry.purpose ?? null,
    operationType: entry.operationType ?? null,
    operationName: entry.operationName ?? null,
    documentHash: entry.documentHash ?? null,
    workerIds: entry.workerIds,
    subgraphs: entry.subgraphs,
    outcome: entry.outcome as Outcome,
    errorCodes: entry.errorCodes,
    durationMs: entry.durationMs,
  };
}

/** The record an AccessLogRow holds (read with ENTRY_SELECT), as its hash took it. */
export function recordOfRow(row: AccessLogRow): AccessRecord {
  return recordOf({
    id: row.seq,
    requestId: row.request_id,
    at: new Date(row.at_iso),
    callerAgency: row.caller_agency,
    callerSubject: row.caller_subject,
    callerRole: row.caller_role,
    callerJurisdiction: row.caller_jurisdiction,
    purpose: row.purpose,
    operationType: row.operation_type,
    operationName: row.operation_name,
    documentHash: row.document_hash,
    workerIds: row.worker_ids,
    subgraphs: row.subgraphs,
    outcome: row.outcome,
    errorCodes: row.error_codes,
    durationMs: row.duration_ms,
    previousHash: row.prev_hash,
    hash: row.hash,
  });
}
