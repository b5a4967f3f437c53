/**
 * `npm run soak`: a bounded soak and fault rehearsal of the hub as `npm start` runs it (every
 * member its own process, the gateway as two replicas), on a PostgreSQL of its own so that the
 * server itself can be stopped. For SOAK_SECONDS (default 60) it sends mixed traffic — worker
 * reads, MEPMA savings deposits each with its own idempotency key, attacks on the operation
 * limits and a flood from one caller — while Labour is killed and restarted and PostgreSQL is stopped and started. Then it
 * checks what a department would need to be true after a bad day:
 *
 *  - every acknowledged deposit is stored, once; no deposit that was refused appears;
 *  - a deposit whose answer was lost is stored once after it is sent again with its key;
 *  - every attack was refused with its code, and none took the hub down; a flood from one
 *    caller was rate limited, and nobody else was;
 *  - the access log verifies (`npm run audit:verify`);
 *
 * and prints the figures: a canary read's latency alone and under attack, requests, refusals by
 * reason, read latency (p50, p99), and each member's memory before and after. Exit 0 when every check holds, 1 when one does not.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { signCallerToken, type TokenRequest } from '../src/shared/access/keys.js';
import { childEnvironment, config, repoRoot } from '../src/shared/config.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/shared/embedded-postgres.js';
import { startProcessHub, type ProcessHub } from '../src/hub/processes.js';
import { memberNames } from '../src/hub/members.js';

const SECONDS = config.soakSeconds;
const DATABASE_DOWN_MS = 5_000;
const READ_LANES = 3;

const WORKER = `query SoakWorker($id: ID!) { worker(id: $id) { id name drivingLicences { licenceNumber } cigMemberships { role cig { id } } } }`;
const SAVE = `mutation SoakDeposit($input: RecordSavingsInput!, $key: ID) { recordSavings(input: $input, idempotencyKey: $key) { id amount } }`;
/** What an attacker sends: the Worker ↔ CIG cycle nested nine times, and 2,000 aliases. */
const ATTACKS: Record<string, string> = {
  cycle: `query { worker(id: "W-0000001") { ${'cigMemberships { cig { members { worker { '.repeat(9)}id${' } } } }'.repeat(9)} } }`,
  aliases: `query { ${Array.from({ length: 2000 }, (_, i) => `a${i}: worker(id: "W-0000001") { id }`).join(' ')} }`,
};

interface Answer {
  status: number;
  ms: number;
  codes: string[];
  reasons: string[];
  data?: any;
  /** The connection failed: no answer at all. */
  lost?: boolean;
}

async function send(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string>): Promise<Answer> {
  const started = performance.now();
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(15_000),
    });
    const body = (await res.json().catch(() => ({}))) as { data?: any; errors?: { extensions?: { code?: string; reason?: string } }[] };
    const errors = body.errors ?? [];
    return {
      status: res.status,
      ms: performance.now() - started,
      codes: errors.map((error) => String(error.extensions?.code ?? 'NO_CODE')),
      reasons: errors.map((error) => String(error.extensions?.reason ?? '')),
      data: body.data,
    };
  } catch {
    return { status: 0, ms: performance.now() - started, codes: [], reasons: [], lost: true };
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident memory of a process in MiB, from /proc (0 once it has gone). */
function residentMb(pid: number | undefined): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
    return line ? Math.round(Number(line[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]) : 0;
}

async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(250);
  }
}

async function main(): Promise<number> {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'worker-graph-soak-'));
  const dataDir = path.join(folder, 'postgres');
  const port = await freePort();
  let database: EmbeddedServer = await startEmbeddedPostgres({ dataDir, port });
  const output: string[] = [];
  const events: string[] = [];
  const note = (line: string) => {
    events.push(`${((Date.now() - t0) / 1000).toFixed(1)} s  ${line}`);
    console.log(`[soak] ${line}`);
  };
  let t0 = Date.now();
  let hub: ProcessHub | undefined;
  try {
    console.log(`[soak] starting the hub on its own PostgreSQL (port ${port})...`);
    hub = await startProcessHub({
      databaseUrl: database.url('postgres'),
      fresh: true,
      keysDir: path.join(folder, 'keys'),
      demo: { seed: 2024, workers: 300 },
      replicas: 2,
      // Checkpoints every 5 s, so that audit:verify below has some to hold the log against.
      env: { SUBGRAPH_TIMEOUT_MS: '2000', CIRCUIT_HALF_OPEN_MS: '500', TRUST_RELOAD_SECONDS: '1', AUDIT_CHECKPOINT_SECONDS: '5' },
      output: (line) => output.push(line),
    });
    const running = hub;
    const tokens = async (request: TokenRequest & { purpose: string }) => {
      const { purpose, ...claims } = request;
      return { authorization: `Bearer ${await signCallerToken(running.keys, claims)}`, 'x-purpose': purpose };
    };
    const base = { jurisdiction: 'national', scopes: ['read', 'write'] };
    const reader = (lane: number) => tokens({ ...base, agency: 'labour', subject: `soak-reader-${lane}`, role: 'officer', purpose: 'Service delivery' });
    const treasurer = await tokens({ ...base, agency: 'mepma', subject: 'soak-treasurer', role: 'officer', purpose: 'CIG follow-up' });
    const attacker = await tokens({ ...base, agency: 'transport', subject: 'soak-attacker', role: 'officer', purpose: 'Service delivery' });
    const ask = (query: string, variables: Record<string, unknown>, headers: Record<string, string>) => send(running.gatewayUrl, query, variables, headers);

    // A member with a bank-linked CIG: every deposit of the soak is theirs, each with its own amount.
    const mepma = new pg.Pool({ connectionString: running.databases.get('mepma')!.ownerUrl, max: 2 });
    const [member] = (
      await mepma.query(
        `select m.cig_id, m.worker_id from cig_membership m join bank_linkage b on b.cig_id = m.cig_id
          where m.left_on is null and m.joined_on <= current_date - 1 and b.linked_on <= current_date - 1 order by m.id limit 1`,
      )
    ).rows as { cig_id: string; worker_id: string }[];
    const firstAmount = 70_000; // above any demo deposit, so the soak's own are told apart
    const today = new Date().toISOString().slice(0, 10);

    // The canary: one worker read at a time, for a few seconds alone, then while two attackers
    // send the attacks below back to back. Separate processes, as deployed: the attacks cost
    // the gateway's parser and validation, and nothing else.
    const canaryHeaders = await reader(98);
    const canary = async (ms: number) => {
      const times: number[] = [];
      for (const until = Date.now() + ms; Date.now() < until; ) times.push((await ask(WORKER, { id: 'W-0000002' }, canaryHeaders)).ms);
      return times;
    };
    await canary(1_000); // warm
    const canaryAlone = await canary(4_000);
    let attacking = true;
    const canaryAttacks: Answer[] = [];
    // Attackers of their own: back to back they send hundreds a minute, and the attacker's own
    // rate limit must stay for the attacks below, which must each meet the operation limits.
    const canaryAttackers = await Promise.all([0, 1].map((lane) => tokens({ ...base, agency: 'transport', subject: `soak-canary-attacker-${lane}`, role: 'officer', purpose: 'Service delivery' })));
    const attackers = canaryAttackers.map(async (headers, lane) => {
      for (let i = lane; attacking; i++) canaryAttacks.push(await ask(Object.values(ATTACKS)[i % 2], {}, headers));
    });
    const canaryAttacked = await canary(4_000);
    attacking = false;
    await Promise.all(attackers);

    const memoryBefore = Object.fromEntries(memberNames().map((name) => [name, residentMb(running.processes.get(name)!.pid)]));
    const reads: Answer[] = [];
    const attacks: (Answer & { attack: string })[] = [];
    /** Each deposit's amount (its identity here), key and what the hub last said about it. */
    const deposits: { amount: number; key: string; answer: Answer }[] = [];
    let stopped = false;
    t0 = Date.now();

    const lanes = [
      ...Array.from({ length: READ_LANES }, async (_, lane) => {
        const headers = await reader(lane);
        for (let i = 0; !stopped; i++) {
          reads.push(await ask(WORKER, { id: `W-${String(1 + ((lane * 97 + i) % 300)).padStart(7, '0')}` }, headers));
          await sleep(150); // paced under the per-caller rate limit: the soak is about faults, not throttling
        }
      }),
      (async () => {
        for (let i = 0; !stopped; i++) {
          const amount = firstAmount + i;
          const key = `soak-deposit-${amount}`;
          const input = { cigId: member.cig_id, workerId: member.worker_id, amount, depositedOn: today };
          deposits.push({ amount, key, answer: await ask(SAVE, { input, key }, treasurer) });
          await sleep(150);
        }
      })(),
      (async () => {
        for (let i = 0; !stopped; i++) {
          const attack = Object.keys(ATTACKS)[i % Object.keys(ATTACKS).length];
          attacks.push({ attack, ...(await ask(ATTACKS[attack], {}, attacker)) });
          await sleep(200);
        }
      })(),
    ];

    // A flood from one caller, as fast as eight connections go: the per-caller rate limit stops it
    // while everyone else's traffic goes on.
    const flooder = await tokens({ ...base, agency: 'transport', subject: 'soak-flooder', role: 'officer', purpose: 'Service delivery' });
    const flood: Answer[] = [];
    const floodUntil = Date.now() + 15_000;
    lanes.push(
      ...Array.from({ length: 8 }, async () => {
        while (!stopped && Date.now() < floodUntil && flood.filter((answer) => answer.status === 429).length < 200) {
          flood.push(await ask('query Flood { __typename }', {}, flooder));
        }
      }),
    );

    const faults = (async () => {
      await sleep(SECONDS * 200);
      note('Labour killed (SIGKILL)');
      running.processes.get('labour')!.kill('SIGKILL');
      await sleep(SECONDS * 300);
      note('PostgreSQL stopped');
      await database.stop();
      await sleep(DATABASE_DOWN_MS);
      database = await startEmbeddedPostgres({ dataDir, port });
      note('PostgreSQL started again');
      await sleep(Math.max(0, SECONDS * 1000 - (Date.now() - t0)));
      stopped = true;
    })();
    await faults;
    await Promise.all(lanes);
    note(`load stopped: ${reads.length} reads, ${deposits.length} deposits, ${attacks.length} attacks`);

    // Recovery: the hub answers a whole worker again, with no agency missing.
    const admin = await reader(99);
    await until(async () => {
      const answer = await ask(WORKER, { id: 'W-0000001' }, admin);
      return answer.status === 200 && !answer.codes.length;
    }, 60_000, 'the hub answering fully again');
    note('hub answers fully again');

    // A deposit whose answer was lost, or that failed for a reason that may pass (an agency or the
    // database away), is sent again with its key, as a field app would once back online.
    const final = (answer: Answer) => !answer.lost && (answer.codes.length === 0 || answer.codes.every((code) => ['BAD_USER_INPUT', 'FORBIDDEN', 'RATE_LIMITED'].includes(code)));
    const retried = deposits.filter((deposit) => !final(deposit.answer));
    for (const deposit of retried) {
      const input = { cigId: member.cig_id, workerId: member.worker_id, amount: deposit.amount, depositedOn: today };
      deposit.answer = await ask(SAVE, { input, key: deposit.key }, treasurer);
    }
    note(`${retried.length} deposits sent again with their keys`);

    const stored = new Map<number, number>();
    for (const row of (await mepma.query(`select amount, count(*)::int as n from savings_deposit where worker_id = $1 and amount >= $2 group by amount`, [member.worker_id, firstAmount])).rows) {
      stored.set(row.amount, row.n);
    }
    await mepma.end();

    const problems: string[] = [];
    const acknowledged = deposits.filter((deposit) => deposit.answer.status === 200 && !deposit.answer.codes.length);
    for (const deposit of deposits) {
      const count = stored.get(deposit.amount) ?? 0;
      const ok = acknowledged.includes(deposit);
      if (ok && count !== 1) problems.push(`deposit ${deposit.amount} was acknowledged but is stored ${count} times`);
      if (!ok && count !== 0) problems.push(`deposit ${deposit.amount} was refused (${deposit.answer.codes.join(', ') || 'no answer'}) but is stored ${count} times`);
    }
    for (const amount of stored.keys()) if (!deposits.some((deposit) => deposit.amount === amount)) problems.push(`a deposit of ${amount} appeared that nobody sent`);
    if (canaryAttacks.some((attack) => !attack.codes.includes('BAD_USER_INPUT'))) problems.push('an attack sent beside the canary was not refused as BAD_USER_INPUT');
    const unrefused = attacks.filter((attack) => !attack.codes.includes('BAD_USER_INPUT') && !attack.lost && attack.status !== 503);
    if (unrefused.length) problems.push(`${unrefused.length} attacks were not refused as BAD_USER_INPUT (first: ${unrefused[0].attack}, status ${unrefused[0].status}, ${unrefused[0].codes.join(', ')})`);
    if (!acknowledged.length) problems.push('no deposit was acknowledged at all');
    const throttled = flood.filter((answer) => answer.status === 429 && answer.codes.includes('RATE_LIMITED'));
    if (!throttled.length) problems.push(`a flood of ${flood.length} requests from one caller was never rate limited`);
    if ([...reads, ...deposits.map((deposit) => deposit.answer)].some((answer) => answer.codes.includes('RATE_LIMITED'))) problems.push('callers other than the flooder were rate limited');

    const verified = await promisify(execFile)('npm', ['run', '--silent', 'audit:verify'], {
      cwd: repoRoot,
      env: childEnvironment({ DATABASE_URL: database.url('postgres'), KEYS_DIR: running.keysDir }),
    }).then(
      ({ stdout }) => stdout.trim(),
      (error: { stdout?: string; stderr?: string }) => {
        problems.push(`the access log does not verify: ${(error.stderr || error.stdout || String(error)).trim()}`);
        return 'BROKEN';
      },
    );

    // ---- Figures ----------------------------------------------------------------------------
    const reasons = new Map<string, number>();
    for (const answer of [...reads, ...attacks, ...flood, ...deposits.map((deposit) => deposit.answer)]) {
      const label = answer.lost ? 'no answer (connection failed)' : answer.codes.map((code, i) => (answer.reasons[i] ? `${code}/${answer.reasons[i]}` : code)).join(' + ');
      if (label) reasons.set(label, (reasons.get(label) ?? 0) + 1);
    }
    const fullReads = reads.filter((read) => read.status === 200 && !read.codes.length);
    const memoryAfter = Object.fromEntries(memberNames().map((name) => [name, residentMb(running.processes.get(name)!.pid)]));
    console.log(`\n== Soak: ${SECONDS} s, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
    for (const event of events) console.log(`  ${event}`);
    console.log(`requests: ${reads.length} reads (${fullReads.length} complete), ${deposits.length} deposits (${acknowledged.length} acknowledged, ${retried.length} sent again), ${attacks.length} attacks, ${flood.length} flood requests (${throttled.length} refused 429)`);
    console.log(`read latency: p50 ${percentile(reads.map((r) => r.ms), 50)} ms, p99 ${percentile(reads.map((r) => r.ms), 99)} ms (complete answers: p50 ${percentile(fullReads.map((r) => r.ms), 50)} ms, p99 ${percentile(fullReads.map((r) => r.ms), 99)} ms)`);
    console.log(
      `canary (worker by id, one at a time): p50 ${percentile(canaryAlone, 50)} ms, p99 ${percentile(canaryAlone, 99)} ms alone; ` +
        `p50 ${percentile(canaryAttacked, 50)} ms, p99 ${percentile(canaryAttacked, 99)} ms while two attackers sent ${canaryAttacks.length} attacks back to back`,
    );
    console.log(`attack refusal: p50 ${percentile(attacks.map((a) => a.ms), 50)} ms, p99 ${percentile(attacks.map((a) => a.ms), 99)} ms`);
    console.log('errors and refusals by code/reason:');
    for (const [label, count] of [...reasons].sort((a, b) => b[1] - a[1])) console.log(`  ${String(count).padStart(6)}  ${label}`);
    console.log('resident memory, MiB (before → after):');
    for (const name of memberNames()) console.log(`  ${name.padEnd(10)} ${String(memoryBefore[name]).padStart(5)} → ${memoryAfter[name]}`);
    console.log(`access log: ${verified}`);
    if (problems.length) {
      console.error(`\nSOAK FAILED:\n  ${problems.join('\n  ')}`);
      console.error(`\nlast member output:\n${output.slice(-40).join('\n')}`);
      return 1;
    }
    console.log('\nSoak passed: no acknowledged write lost, none doubled, no refused write stored, every attack refused, the access log verifies.');
    return 0;
  } finally {
    await hub?.stop();
    await database.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error('The soak could not run:', error);
    process.exit(1);
  },
);
