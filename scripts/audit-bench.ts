/**
 * What signing costs the access log: entries per second of AuditLog.append without and with the
 * gateway's batch signature, side by side in one run, on the server DATABASE_URL names (or the
 * embedded one). Two shapes: one request at a time (every entry its own transaction and
 * signature) and many in flight (group commit: one transaction and one signature per batch).
 *
 *   node --import tsx scripts/audit-bench.ts [rounds]      (default 6; medians, the two taking turns)
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AuditLog, type AccessRecord } from '../subgraphs/audit/log.js';
import { auditPublicKeysOf, generateAuditKey, inMemoryAuditSigner, signBatch } from '../subgraphs/audit/signing.js';
import pg from 'pg';
import { databaseName, locateDatabases, recreateDatabase, withDatabase } from '../src/shared/database.js';

const SEQUENTIAL = 1000;
const CONCURRENT = 5000;
const IN_FLIGHT = 50;

function record(i: number): AccessRecord {
  return {
    requestId: randomUUID(),
    at: new Date(),
    caller: { agency: 'labour', subject: `officer-${i % 17}`, role: 'officer', jurisdiction: 'national' },
    purpose: 'service-delivery',
    operationType: 'query',
    operationName: 'WorkerCard',
    documentHash: 'a'.repeat(64),
    workerIds: [`W-${String(i % 4090).padStart(7, '0')}`],
    subgraphs: ['labour', 'mepma'],
    outcome: 'ok',
    errorCodes: [],
    durationMs: 12,
  };
}

async function rate(log: AuditLog, count: number, inFlight: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) await log.append(record(next++));
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim();

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 6);
  const key = generateAuditKey().key;
  const signs = 20_000;
  let started = performance.now();
  for (let i = 0; i < signs; i++) signBatch(key, { firstSeq: i, lastSeq: i, lastHash: 'f'.repeat(64) });
  const signMicros = ((performance.now() - started) * 1000) / signs;

  const signing = inMemoryAuditSigner();
  const databases = await locateDatabases();
  const logs: Record<'unsigned' | 'signed', AuditLog> = {} as never;
  try {
    for (const mode of ['unsigned', 'signed'] as const) {
      const url = databases.urlFor(`audit_bench_${mode}`);
      await recreateDatabase(url);
      logs[mode] = await AuditLog.open(url, mode === 'signed' ? { signer: signing.signer } : {});
      await rate(logs[mode], 200, 10); // warm-up
    }
    console.log(`load average before: ${loadavg()}`);
    console.log(`Ed25519 signature: ${signMicros.toFixed(1)} µs each`);
    const results: Record<string, number[]> = {};
    for (let round = 0; round < rounds; round++) {
      for (const [shape, count, inFlight] of [['one at a time', SEQUENTIAL, 1], [`${IN_FLIGHT} in flight`, CONCURRENT, IN_FLIGHT]] as const) {
        // Turn about, so neither always runs on the heels of the other.
        for (const mode of round % 2 ? (['signed', 'unsigned'] as const) : (['unsigned', 'signed'] as const)) {
          (results[`${shape}|${mode}`] ??= []).push(await rate(logs[mode], count, inFlight));
        }
      }
    }
    const median = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    };
    for (const shape of ['one at a time', `${IN_FLIGHT} in flight`]) {
      const unsigned = median(results[`${shape}|unsigned`]);
      const signed = median(results[`${shape}|signed`]);
      const each = (values: number[]) => values.map((value) => value.toFixed(0)).join(', ');
      console.log(`${shape.padEnd(14)} unsigned ${unsigned.toFixed(0).padStart(6)} entries/s   signed ${signed.toFixed(0).padStart(6)} entries/s   (${(((signed - unsigned) / unsigned) * 100).toFixed(1)}%, median of ${rounds}: ${each(results[`${shape}|unsigned`])} / ${each(results[`${shape}|signed`])})`);
    }
    // Reading it back: the chain alone, and the chain with every batch signature.
    for (const [what, options] of [['chain only', {}], ['with signatures', { publicKeys: auditPublicKeysOf(signing.jwks) }]] as const) {
      started = performance.now();
      const report = await logs.signed.verify(options);
      const seconds = (performance.now() - started) / 1000;
      const batches = report.signatures ? `, ${report.signatures.batches} batches` : '';
      console.log(`verify ${what.padEnd(16)} ${report.entries} entries${batches} in ${seconds.toFixed(2)} s (${(report.entries / seconds).toFixed(0)} entries/s)${report.broken ? ' BROKEN' : ''}`);
    }
    console.log(`load average after: ${loadavg()}`);
  } finally {
    for (const log of Object.values(logs)) await log.close();
    // The two logs were for this run only.
    for (const mode of ['unsigned', 'signed']) {
      const url = databases.urlFor(`audit_bench_${mode}`);
      const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
      await client.connect();
      await client.query(`drop database if exists ${pg.escapeIdentifier(databaseName(url))} with (force)`).finally(() => client.end());
    }
    await databases.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
