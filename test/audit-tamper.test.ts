/**
 * An access log its own database cannot rewrite. What someone with the gateway database's owner
 * rights can do (switch the append-only trigger off, then edit, recomputing every hash with the
 * project's own entryHash; cut off the tail; append a forged entry; delete or swap entries),
 * done to a log of a few hundred entries written by real requests through the gateway, and each
 * found by verify: the gateway's signatures and the checkpoints kept outside the database.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { readCheckpointDatabase, readCheckpointFile } from '../subgraphs/audit/checkpoints';
import { AuditLog, ENTRY_SELECT, entryHash, recordOfRow as recordOf, type AccessLogRow, type AccessRecord, type VerifyReport } from '../subgraphs/audit/log';
import { auditVerification } from '../subgraphs/audit/setup';
import { auditKeyFile, auditPublicKeysFile, auditSignerFromFile, ensureAuditKey, generateAuditKey, rotateAuditKey, signBatch } from '../subgraphs/audit/signing';
import { startStack, type RunningStack } from '../src/hub/stack';
import { generateAccessKeys, type AccessKeys, type TokenRequest } from '../src/shared/access/keys';
import { recreateDatabase } from '../src/shared/database';
import { authHeaders, expectAppendOnly, graphql, TEST_SEED } from './support/stack';

const ENTRIES = 300;
const suiteUrl = (suffix: string) => {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `${url.pathname.replace(/^\//, '') || 'wgtest'}_audit_tamper${suffix}`;
  return url.toString();
};

let stack: RunningStack;
let keys: AccessKeys;
let dir: string;
let stopped = false;
/** One connection as the gateway database's owner, for the whole file. */
let owner: pg.Client;
const checkpointDatabaseUrl = suiteUrl('_checkpoints');
/** A log of its own, written with the key files as `npm start` keeps them. */
const rotationDatabaseUrl = suiteUrl('_rotation');

async function query(text: string, caller: Partial<TokenRequest> = {}) {
  const defaults: TokenRequest = { agency: 'labour', subject: 'tamper-officer', role: 'officer', jurisdiction: 'national', scopes: ['read'], purpose: 'Service delivery' };
  return graphql(stack.gatewayUrl, text, {}, await authHeaders(keys, { ...defaults, ...caller }));
}

/** `requests` real requests through the gateway, eight at a time (so group commits sign batches of several). */
async function produce(requests: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < requests) {
        const i = next++;
        const id = `W-${String((i % 90) + 1).padStart(7, '0')}`;
        await query(i % 10 === 9 ? `{ worker(id: "${id}") { icdsEnrolments { id } } }` : `{ worker(id: "${id}") { id name } }`, { subject: `officer-${i % 7}` });
      }
    }),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'worker-graph-audit-tamper-'));
  keys = await generateAccessKeys();
  const [started] = await Promise.all([
    startStack({
      databaseUrl: suiteUrl(''),
      fresh: true,
      gatewayPort: 0,
      subgraphPorts: () => 0,
      auditPort: 0,
      reportsPort: 0,
      keys,
      demo: { seed: TEST_SEED, workers: 100 },
      // Checkpoints every second, to a file in `dir` and to another database (made on first use).
      audit: { dir, checkpointDatabaseUrl, checkpointSeconds: 1 },
    }),
    recreateDatabase(checkpointDatabaseUrl),
    recreateDatabase(rotationDatabaseUrl),
  ]);
  stack = started;
  owner = new pg.Client({ connectionString: stack.databases.get('gateway')!.ownerUrl });
  await owner.connect();
  await produce(ENTRIES);
}, 120_000);

afterAll(async () => {
  await owner?.end();
  if (!stopped) await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const reader = () => stack.audit.log;
const db = () => reader().fork().getConnection();
const rows = (where: string, params: unknown[] = []): Promise<AccessLogRow[]> => db().execute(`${ENTRY_SELECT} where ${where} order by seq`, params);
const lastSeq = async () => Number((await db().execute('select max(seq) as n from access_log'))[0].n);
const batchOf = async (seq: number) => (await db().execute('select * from access_log_signature where first_seq <= ? and last_seq >= ?', [seq, seq]))[0];

/** Verify as an auditor would: public keys and checkpoints from files and the other database, never from the log's own. */
async function verify(options: { checkpointFile?: string } = {}): Promise<VerifyReport> {
  const verification = await auditVerification({
    publicKeysFile: stack.audit.publicKeysFile,
    checkpointFile: options.checkpointFile ?? stack.audit.checkpointFile,
    checkpointDatabaseUrl,
  });
  return reader().verify({ publicKeys: verification.publicKeys, checkpoints: verification.checkpoints });
}

/** `npm run audit:verify` as an operator runs it, with the environment it needs. */
async function auditVerify(): Promise<{ code: number; out: string }> {
  const env = {
    ...process.env,
    DATABASE_URL: suiteUrl(''),
    AUDIT_PUBLIC_KEYS_FILE: stack.audit.publicKeysFile,
    AUDIT_CHECKPOINT_FILE: stack.audit.checkpointFile,
    AUDIT_CHECKPOINT_DATABASE_URL: checkpointDatabaseUrl,
  };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/audit-verify.ts'], { cwd: path.resolve(__dirname, '..'), env });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout + failed.stderr };
  }
}

const TRIGGERS = [['access_log', 'access_log_no_change'], ['access_log_signature', 'access_log_signature_no_change']];
const triggers = (action: 'enable' | 'disable') => TRIGGERS.map(([table, trigger]) => `alter table ${table} ${action} trigger ${trigger}`);

/** Runs SQL as the owner; the parameters go to the last statement. */
async function asOwner(statements: string | string[], params: unknown[] = []): Promise<void> {
  const list = Array.isArray(statements) ? statements : [statements];
  for (const [i, statement] of list.entries()) await owner.query(statement, i === list.length - 1 ? params : []);
}

/** As the owner, with both append-only triggers switched off for the statements (the parameters go to the last). */
async function tamper(statements: string[], params: unknown[] = []): Promise<void> {
  await asOwner([...triggers('disable'), ...statements], params).finally(() => asOwner(triggers('enable')));
}

/** Rows put back as they were (the owner may always insert). */
async function reinsert(table: 'access_log' | 'access_log_signature', saved: unknown[]): Promise<void> {
  if (saved.length) await asOwner(`insert into ${table} select * from json_populate_recordset(null::${table}, $1::json)`, [JSON.stringify(saved)]);
}

const intact = async () => {
  const report = await verify();
  expect(report.broken).toBeUndefined();
  return report;
};

test('a clean log verifies: every entry signed in batches, checkpoints kept in a file and another database', async () => {
  const entries = await lastSeq();
  expect(entries).toBeGreaterThanOrEqual(ENTRIES);
  // The interval checkpoint (every second here), then one on demand at the head.
  const deadline = Date.now() + 10_000;
  while (!(await readCheckpointFile(stack.audit.checkpointFile))?.checkpoints.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  await stack.audit.writer.checkpoint();
  const file = (await readCheckpointFile(stack.audit.checkpointFile))!.checkpoints;
  expect(file.at(-1)).toMatchObject({ seq: entries, hash: (await rows('seq = ?', [entries]))[0].hash, keyId: expect.stringMatching(/^gateway-audit-/) });
  expect((await readCheckpointDatabase(checkpointDatabaseUrl)).map(({ source: _, ...c }) => c)).toEqual(file.map(({ source: _, ...c }) => c));

  const report = await intact();
  expect(report.entries).toBe(entries);
  expect(report.signatures).toMatchObject({ signedThrough: entries, unsignedBefore: 0, keys: [file[0].keyId] });
  // Group commit: concurrent requests share one transaction, and one signature.
  expect(report.signatures!.batches).toBeLessThan(entries);
  expect(report.checkpoints).toMatchObject({ checked: file.length * 2, latest: { seq: entries } });

});

test('the signatures are append-only too: the gateway may not change them, and the trigger stops even the owner', async () => {
  await expectAppendOnly(stack, 'gateway', 'access_log_signature', 'key_id', (statement) => db().execute(statement));
});

test('(a) an entry changed and every later hash recomputed with entryHash: the chain holds, the signature does not', async () => {
  const target = 150;
  const [before] = await rows('seq = ?', [target - 1]);
  const original = await rows('seq >= ?', [target]);
  const originalBatches = await db().execute('select first_seq, last_hash from access_log_signature where last_seq >= ?', [target]);
  // The rewrite: entry 150 now shows someone else, and every hash from there on is made to fit.
  let previousHash = before.hash;
  const rewritten = original.map((row) => {
    const record: AccessRecord = recordOf(row);
    if (Number(row.seq) === target) record.caller = { ...record.caller!, subject: 'someone-else' };
    const hash = entryHash(previousHash, Number(row.seq), record);
    const next = { seq: row.seq, caller_subject: record.caller?.subject ?? null, prev_hash: previousHash, hash };
    previousHash = hash;
    return next;
  });
  const update = `update access_log a set caller_subject = j.caller_subject, prev_hash = j.prev_hash, hash = j.hash
    from jsonb_to_recordset($1::jsonb) as j(seq bigint, caller_subject text, prev_hash text, hash text) where a.seq = j.seq`;
  await tamper([update], [JSON.stringify(rewritten)]);
  try {
    // The hash chain alone is satisfied: this is what signing is for.
    expect((await reader().verify()).broken).toBeUndefined();
    const batch = await batchOf(target);
    expect((await verify()).broken).toEqual({ seq: Number(batch.first_seq), reason: expect.stringMatching(/no longer match the hash the gateway signed/) });
    // The batch table rewritten as well: now the signature itself fails.
    const lastHashes = `update access_log_signature s set last_hash = a.hash from access_log a where a.seq = s.last_seq and s.last_seq >= $1`;
    await tamper([lastHashes], [target]);
    expect((await verify()).broken).toEqual({ seq: Number(batch.first_seq), reason: expect.stringMatching(/signature over .* does not hold: its signature does not verify with key gateway-audit-/) });
  } finally {
    await tamper([update], [JSON.stringify(original)]);
    await tamper([`update access_log_signature s set last_hash = j.last_hash from jsonb_to_recordset($1::jsonb) as j(first_seq bigint, last_hash text) where s.first_seq = j.first_seq`], [JSON.stringify(originalBatches)]);
  }
  await intact();
});

test('(b) the last 10 entries cut off: the signed batches, or else the checkpoint, show it', async () => {
  const entries = await lastSeq();
  // Naively: the entries alone. Their signature rows remain.
  const tail = await db().execute('select * from access_log where seq > ? order by seq', [entries - 10]);
  await tamper([`delete from access_log where seq > ${entries - 10}`]);
  try {
    expect((await verify()).broken).toEqual({ seq: entries - 9, reason: expect.stringMatching(new RegExp(`the log ends at entry ${entries - 10}, but the gateway signed entries \\d+–\\d+ \\(entries were cut off the end\\)`)) });
  } finally {
    await reinsert('access_log', tail);
  }
  await intact();

  // Thoroughly: cut where a signed batch ends, and delete the signatures after it. Only the checkpoint kept elsewhere remembers.
  const cut = Number((await db().execute('select max(last_seq) as n from access_log_signature where last_seq <= ?', [entries - 10]))[0].n);
  const cutEntries = await db().execute('select * from access_log where seq > ? order by seq', [cut]);
  const cutBatches = await db().execute('select * from access_log_signature where first_seq > ? order by first_seq', [cut]);
  await tamper([`delete from access_log where seq > ${cut}`, `delete from access_log_signature where first_seq > ${cut}`]);
  try {
    const report = await verify();
    expect(report.broken).toEqual({ seq: cut + 1, reason: expect.stringMatching(new RegExp(`the log ends at entry ${cut}, but the checkpoint at .* recorded entry ${entries} \\(entries were cut off the end\\)`)) });
    // Without the checkpoints the cut would pass: signatures alone cannot see a clean cut at a batch boundary.
    const withoutCheckpoints = await reader().verify({ publicKeys: (await auditVerification({ publicKeysFile: stack.audit.publicKeysFile })).publicKeys });
    expect(withoutCheckpoints.broken).toBeUndefined();
    const { code, out } = await auditVerify();
    expect(out).toMatch(new RegExp(`Access log BROKEN at entry ${cut + 1}: the log ends at entry ${cut}, but the checkpoint at .* recorded entry ${entries}`));
    expect(code).toBe(1);
  } finally {
    await reinsert('access_log', cutEntries);
    await reinsert('access_log_signature', cutBatches);
  }
  await intact();
});

test('(c) a forged entry appended with a hash that chains: it carries no valid signature', async () => {
  const seq = (await lastSeq()) + 1;
  const [last] = await rows('seq = ?', [seq - 1]);
  const forged = { ...last, seq: String(seq), request_id: randomUUID(), caller_subject: 'nobody-was-here', worker_ids: ['W-0000001'], prev_hash: last.hash };
  const hash = entryHash(last.hash, seq, recordOf(forged));
  await reinsert('access_log', [{ ...forged, hash }]);
  const forgedSignature = (keyId: string, signature: string) =>
    asOwner('insert into access_log_signature (first_seq, last_seq, last_hash, key_id, signature) values ($1, $1, $2, $3, $4)', [seq, hash, keyId, signature]);
  const dropSignature = () => tamper([`delete from access_log_signature where first_seq = ${seq}`]);
  try {
    expect((await verify()).broken).toEqual({ seq, reason: "it carries no signature of the gateway (it was added outside the gateway)" });
    const realKid = (await batchOf(1)).key_id;
    // Signed with a key of the forger's own, under the gateway's key id or one of its own.
    const forger = generateAuditKey().key;
    await forgedSignature(realKid, signBatch(forger, { firstSeq: seq, lastSeq: seq, lastHash: hash }));
    expect((await verify()).broken).toEqual({ seq, reason: `the signature over entry ${seq} does not hold: its signature does not verify with key ${realKid}` });
    await dropSignature();
    await forgedSignature(forger.kid, signBatch(forger, { firstSeq: seq, lastSeq: seq, lastHash: hash }));
    expect((await verify()).broken?.reason).toMatch(/is not among the access log's public keys/);
    // Or marked as written before signing began, which only a log's first entries may be.
    await dropSignature();
    await asOwner('insert into access_log_signature (first_seq, last_seq, last_hash) values ($1, $1, $2)', [seq, hash]);
    expect((await verify()).broken?.reason).toMatch(/are marked unsigned/);
  } finally {
    await tamper([`delete from access_log_signature where first_seq = ${seq}`, `delete from access_log where seq = ${seq}`]);
  }
  await intact();
});

test('(d) an entry deleted in the middle, or two swapped, breaks the chain', async () => {
  const [deleted] = await db().execute('select * from access_log where seq = 100');
  await tamper(['delete from access_log where seq = 100']);
  try {
    expect((await verify()).broken).toEqual({ seq: 101, reason: 'entry 100 is missing (the next one is 101)' });
  } finally {
    await reinsert('access_log', [deleted]);
  }
  await intact();

  const pair = await db().execute('select * from access_log where seq in (120, 121) order by seq');
  const swap = async (first: any, second: any) => {
    await tamper(['delete from access_log where seq in (120, 121)']);
    await reinsert('access_log', [{ ...first, seq: 120 }, { ...second, seq: 121 }]);
  };
  await swap(pair[1], pair[0]);
  try {
    expect((await verify()).broken).toMatchObject({ seq: 120 });
  } finally {
    await swap(pair[0], pair[1]);
  }
  await intact();
});

test('a checkpoint altered in its file is no longer the gateway\'s', async () => {
  const lines = readFileSync(stack.audit.checkpointFile, 'utf8').trim().split('\n');
  const altered = JSON.parse(lines[lines.length - 1]);
  altered.seq -= 5;
  const copy = path.join(dir, 'altered.jsonl');
  writeFileSync(copy, [...lines.slice(0, -1), JSON.stringify(altered)].join('\n'));
  expect((await verify({ checkpointFile: copy })).broken).toMatchObject({ reason: expect.stringMatching(/^the checkpoint at .*altered\.jsonl:\d+ is not the gateway's \(it was forged or altered\): its signature does not verify/) });
});

test('a forged entry stays visible after the gateway has signed more entries behind it', async () => {
  const seq = (await lastSeq()) + 1;
  const [last] = await rows('seq = ?', [seq - 1]);
  const forged = { ...last, seq: String(seq), request_id: randomUUID(), caller_subject: 'slipped-in', prev_hash: last.hash };
  await reinsert('access_log', [{ ...forged, hash: entryHash(last.hash, seq, recordOf(forged)) }]);
  const warned = jest.spyOn(console, 'error').mockImplementation(() => {});
  try {
    await produce(5);
    expect(warned).toHaveBeenCalledWith(expect.stringMatching(new RegExp(`entries ${seq}–${seq} of the access log carry no signature`)));
  } finally {
    warned.mockRestore();
  }
  expect(await lastSeq()).toBe(seq + 5);
  expect((await verify()).broken).toEqual({ seq, reason: 'it carries no signature of the gateway (it was added outside the gateway)' });
});

test('a clean shutdown takes a last checkpoint at the head', async () => {
  await produce(3);
  const head = await db().execute('select seq, hash from access_log order by seq desc limit 1');
  await stack.stop();
  stopped = true;
  const last = (await readCheckpointFile(stack.audit.checkpointFile))!.checkpoints.at(-1)!;
  expect({ seq: last.seq, hash: last.hash }).toEqual({ seq: Number(head[0].seq), hash: head[0].hash });
});

test('a log from before signing keeps its entries; a rotated key keeps verifying what it signed; both from key files as `npm start` keeps them', async () => {
  const url = rotationDatabaseUrl;
  const record = (): AccessRecord => ({
    requestId: randomUUID(), at: new Date(), caller: null, purpose: null, operationType: 'query', operationName: null,
    documentHash: null, workerIds: [], subgraphs: [], outcome: 'ok', errorCodes: [], durationMs: 1,
  });
  // Three entries written before signing existed: the signature migration not yet run.
  const before = await AuditLog.open(url);
  try {
    for (let i = 0; i < 3; i++) await before.append(record());
    await before.fork().getConnection().execute(`delete from mikro_orm_migrations where name like '%access_log_signatures';
      drop table access_log_signature; drop function access_log_signature_append_only()`);
  } finally {
    await before.close();
  }

  const keysDir = path.join(dir, 'keys');
  ensureAuditKey(keysDir);
  const log = await AuditLog.open(url, { signer: await auditSignerFromFile(auditKeyFile(keysDir), 50) });
  try {
    await Promise.all([record(), record(), record()].map((r) => log.append(r)));
    const newKid = rotateAuditKey(keysDir);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      await log.append(record());
      if ((await log.fork().getConnection().execute('select key_id from access_log_signature order by first_seq desc limit 1'))[0].key_id === newKid) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { publicKeys } = await auditVerification({ publicKeysFile: auditPublicKeysFile(keysDir) });
    const report = await log.verify({ publicKeys });
    expect(report.broken).toBeUndefined();
    expect(report.signatures).toMatchObject({ unsignedBefore: 3, keys: [expect.any(String), newKid] });
    expect(report.warnings).toContainEqual(expect.stringMatching(/^entries 1–3 were written before the log was signed/));
    // Without the old public key its batches no longer verify.
    const onlyNew = new Map([...publicKeys].filter(([kid]) => kid === newKid));
    expect((await log.verify({ publicKeys: onlyNew })).broken).toMatchObject({ seq: 4, reason: expect.stringMatching(/not among the access log's public keys/) });
    // A pre-signing entry changed still shows.
    await log.fork().getConnection().execute(`alter table access_log disable trigger access_log_no_change;
      update access_log set outcome = 'denied' where seq = 2; alter table access_log enable trigger access_log_no_change`);
    expect((await log.verify({ publicKeys })).broken).toMatchObject({ seq: 2, reason: expect.stringMatching(/content no longer matches/) });
  } finally {
    await log.close();
  }
  // The private key file is its owner's alone.
  expect(statSync(auditKeyFile(keysDir)).mode & 0o777).toBe(0o600);
});
