/**
 * The gateway's access log: one entry per request, in the gateway's own database. Entries are
 * append-only (a trigger refuses UPDATE, DELETE and TRUNCATE) and hash-chained: each entry's
 * hash covers its content and the hash of the entry before, so changing, deleting or reordering
 * any entry breaks every hash after it, which `npm run audit:verify` reports.
 */
import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { MemberDatabase } from '../../src/shared/database-roles.js';
import { databaseReachable, openAgencyOrm, type AgencyOrm } from '../../src/shared/orm.js';
import { lockFor } from '../../src/shared/transactions.js';
import { AccessLogEntrySchema } from './entities.js';
import { migrations } from './migrations/index.js';

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

// The driver's binding expands a JS array into a value list, so arrays travel as JSON text.
const TEXT_ARRAY = 'array(select jsonb_array_elements_text(?::jsonb))';
const ROW_PLACEHOLDERS = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${TEXT_ARRAY}, ${TEXT_ARRAY}, ?, ${TEXT_ARRAY}, ?, ?, ?)`;

/** One entry's column values, in the insert's order. */
function columnsOf(seq: number, record: AccessRecord, previousHash: string, hash: string): unknown[] {
  const c = record.caller;
  return [
    seq, record.requestId, record.at, c?.agency ?? null, c?.subject ?? null, c?.role ?? null, c?.jurisdiction ?? null,
    record.purpose, record.operationType, record.operationName, record.documentHash,
    JSON.stringify(record.workerIds), JSON.stringify(record.subgraphs), record.outcome, JSON.stringify(record.errorCodes),
    record.durationMs, previousHash, hash,
  ];
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
}

interface Row {
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

export class AuditLog {
  private constructor(readonly database: AgencyOrm) {}

  /** With a MemberDatabase the writer's role can only add and read entries: the trigger is the owner's alone. */
  static async open(database: MemberDatabase | string): Promise<AuditLog> {
    return new AuditLog(await openAgencyOrm({ database, entities: [AccessLogEntrySchema], migrations, appendOnly: ['access_log'] }));
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
      await this.fork().transactional(async (tx) => {
        await lockFor(tx as EntityManager, 'access_log');
        const [last] = await tx.execute<{ seq: string; hash: string }[]>('select seq, hash from access_log order by seq desc limit 1');
        let seq = last ? Number(last.seq) : 0;
        let previousHash = last?.hash ?? GENESIS_HASH;
        const rows: unknown[][] = [];
        for (const { record } of batch) {
          seq += 1;
          const hash = entryHash(previousHash, seq, record);
          rows.push(columnsOf(seq, record, previousHash, hash));
          previousHash = hash;
        }
        await tx.execute(
          `insert into access_log (seq, request_id, at, caller_agency, caller_subject, caller_role, caller_jurisdiction,
             purpose, operation_type, operation_name, document_hash, worker_ids, subgraphs, outcome, error_codes,
             duration_ms, prev_hash, hash)
           values ${rows.map(() => ROW_PLACEHOLDERS).join(', ')}`,
          rows.flat(),
        );
      });
      for (const { resolve } of batch) resolve();
    } catch (error) {
      for (const { reject } of batch) reject(error);
    }
  }

  /** Walks the whole chain in order, recomputing every hash; stops at the first break. */
  async verify(batchSize = 5000): Promise<VerifyReport> {
    const em = this.fork();
    let expectedSeq = 1;
    let previousHash = GENESIS_HASH;
    for (;;) {
      const rows = await em.execute<Row[]>(`select *, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at_iso
         from access_log where seq >= ? order by seq limit ?`, [expectedSeq, batchSize]);
      for (const row of rows) {
        const seq = Number(row.seq);
        const broken = (reason: string): VerifyReport => ({ entries: expectedSeq - 1, head: previousHash, broken: { seq, reason } });
        if (seq !== expectedSeq) return broken(`entry ${expectedSeq} is missing (the next one is ${seq})`);
        if (row.prev_hash !== previousHash) return broken('it does not chain to the entry before it (an entry was removed or reordered)');
        if (row.hash !== entryHash(previousHash, seq, recordOf(row))) return broken('its content no longer matches its hash (it was changed)');
        previousHash = row.hash;
        expectedSeq += 1;
      }
      if (rows.length < batchSize) return { entries: expectedSeq - 1, head: previousHash };
    }
  }

  /** For /ready: the log's database answers. */
  reachable(): Promise<boolean> {
    return databaseReachable(this.database.orm);
  }

  async close(): Promise<void> {
    await this.database.orm.close();
  }
}

function recordOf(row: Row): AccessRecord {
  return {
    requestId: row.request_id,
    at: new Date(row.at_iso),
    caller: row.caller_agency
      ? { agency: row.caller_agency, subject: row.caller_subject!, role: row.caller_role!, jurisdiction: row.caller_jurisdiction! }
      : null,
    purpose: row.purpose,
    operationType: row.operation_type,
    operationName: row.operation_name,
    documentHash: row.document_hash,
    workerIds: row.worker_ids,
    subgraphs: row.subgraphs,
    outcome: row.outcome,
    errorCodes: row.error_codes,
    durationMs: row.duration_ms,
  };
}
