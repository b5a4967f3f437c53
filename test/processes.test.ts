/**
 * The hub as `npm start` runs it: every member in its own process, with its own key, trust list
 * and database roles, the gateway as two replicas on one port. Where the machine allows (root and
 * iproute2), Labour and MEPMA run on hosts of their own (network namespaces, test/support/hosts.ts),
 * so nothing may assume localhost; CI requires it (REQUIRE_HOSTS=1), elsewhere a warning says it
 * ran on loopback alone. A fault stays where it started: an agency killed, frozen, partitioned or
 * out of memory costs only its own fields, and comes back.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { activateMemberKey, addMemberKey, memberJwksFile, memberKeyFile, memberKeyFromJwk, trustFilePath, withdrawMemberKey, type TrustFile } from '../src/shared/access/members';
import { writeHubTrust } from '../src/hub/member-keys';
import { SEAL_HEADER, sealCall } from '../src/shared/access/seal';
import { startProcessHub, type ProcessHub } from '../src/hub/processes';
import { memberNames } from '../src/hub/members';
import { AuditLog } from '../subgraphs/audit/log';
import { HUB_ADDRESS, hostsUnavailable, makeHosts, type TestHosts } from './support/hosts';
import { freePortRun } from './support/ports';
import { authHeaders, errorCodes, graphql, type GraphQLResponse } from './support/stack';

const TIMEOUT_MS = 1500;
const PLACED = ['labour', 'mepma'];
const noHosts = hostsUnavailable();
if (noHosts && process.env.REQUIRE_HOSTS === '1') throw new Error(`Members cannot be put on hosts of their own here: ${noHosts}.`);
if (noHosts) console.warn(`The separate-process suite runs on loopback only: ${noHosts}. As root with iproute2 it puts Labour and MEPMA on hosts of their own.`);
const acrossHosts = noHosts ? test.skip : test;
let hosts: TestHosts | undefined;
let hub: ProcessHub;
const log: string[] = [];
const output: string[] = [];
let auditor: Record<string, string>;
let treasurer: Record<string, string>;

beforeAll(async () => {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `${url.pathname.replace(/^\//, '') || 'wgtest'}_processes`;
  const base = await freePortRun(memberNames().length);
  if (!noHosts) hosts = await makeHosts(PLACED, process.env.DATABASE_URL!);
  hub = await startProcessHub({
    databaseUrl: url.toString(),
    fresh: true,
    // With hosts, the hub's own members listen on the bridge, so the placed ones can reach them.
    host: hosts ? HUB_ADDRESS : '127.0.0.1',
    placement: hosts?.placement,
    port: (member) => base + memberNames().indexOf(member),
    keysDir: path.join(mkdtempSync(path.join(os.tmpdir(), 'worker-graph-processes-')), 'keys'),
    demo: { seed: 2024, workers: 200 },
    replicas: 2,
    // Small heaps, so the runaway query below ends in an out-of-memory restart quickly.
    heapMb: 160,
    env: { SUBGRAPH_TIMEOUT_MS: String(TIMEOUT_MS), TRUST_RELOAD_SECONDS: '1', CIRCUIT_HALF_OPEN_MS: '500' },
    log: (line) => log.push(line),
    // Kept here rather than printed: Jest takes a member's "heap out of memory" on stderr for its own worker's.
    output: (line) => output.push(line),
  });
  const caller = { subject: 'processes', jurisdiction: 'national', scopes: ['read', 'write'] };
  auditor = await authHeaders(hub.keys, { ...caller, agency: 'labour', role: 'auditor', purpose: 'Audit' });
  treasurer = await authHeaders(hub.keys, { ...caller, agency: 'mepma', role: 'officer', purpose: 'CIG follow-up' });
}, 180_000);

afterAll(async () => {
  await hub?.stop();
  await hosts?.remove();
  if (hub) rmSync(path.dirname(hub.keysDir), { recursive: true, force: true });
});

const WORKER = `query($id: ID!) { worker(id: $id) { id name drivingLicences { licenceNumber } cigMemberships { role cig { id } } } }`;
const ask = (query: string, variables: Record<string, unknown> = {}, headers = auditor) => graphql(hub.gatewayUrl, query, variables, headers);
const member = (name: string) => hub.processes.get(name)!;
const memberUrl = (name: string, route: string) => (member(name).announced!.url as string).replace(/\/graphql$/, route);

/** Rows from an agency's own database, read as its owner (the test's view, not the service's). */
async function rows(owner: string, sql: string, params: unknown[] = []): Promise<any[]> {
  const client = new pg.Client({ connectionString: hub.databases.get(owner)!.ownerUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

function parentOf(pid: string): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (command) state ppid ..."; the command may hold spaces, so read after its ')'.
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
  } catch {
    return undefined; // the process ended meanwhile
  }
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 25));

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const answersFully = async () => {
  const res = await ask(WORKER, { id: 'W-0000001' });
  return !res.errors && res.data.worker.id === 'W-0000001';
};

test('one query spans five agency processes; every member serves /health, /ready and /metrics', async () => {
  expect(new Set([...hub.processes.values()].map((p) => p.pid)).size).toBe(memberNames().length);
  const res = await ask(WORKER, { id: 'W-0000001' });
  expect(res.errors).toBeUndefined();
  expect(res.data.worker).toMatchObject({ id: 'W-0000001', name: expect.any(String), cigMemberships: expect.any(Array) });
  for (const name of memberNames()) {
    expect((await fetch(memberUrl(name, '/health'))).status).toBe(200);
    const ready = await fetch(memberUrl(name, '/ready'));
    expect({ name, status: ready.status }).toEqual({ name, status: 200 });
    const metrics = await (await fetch(memberUrl(name, '/metrics'))).text();
    expect(metrics).toMatch(/^worker_graph_process_restarts\{[^}]*\} 0$/m);
  }
  // Each replica counts its own calls; the one that answered the query above reports its call to MEPMA.
  const scrapes = await Promise.all(Array.from({ length: 10 }, async () => (await fetch(memberUrl('gateway', '/metrics'))).text()));
  expect(scrapes.some((text) => /worker_graph_upstream_duration_seconds_count\{[^}]*agency="mepma"[^}]*\} [1-9]/.test(text))).toBe(true);
});

acrossHosts('Labour and MEPMA answer from hosts of their own; one query and one write span the hosts', async () => {
  for (const agency of PLACED) expect(new URL(String(member(agency).announced!.url)).hostname).toBe(hosts!.address(agency));
  const res = await ask(WORKER, { id: 'W-0000005' });
  expect(res.errors).toBeUndefined();
  expect(res.data.worker).toMatchObject({ id: 'W-0000005', name: expect.any(String), cigMemberships: expect.any(Array) });
  // A deposit on MEPMA's host, which confirms the worker with Labour's host first.
  const [{ cig_id: cigId, worker_id: workerId }] = await rows(
    'mepma',
    `select m.cig_id, m.worker_id from cig_membership m join bank_linkage b on b.cig_id = m.cig_id where m.left_on is null order by m.id limit 1 offset 1`,
  );
  const saved = await ask(`mutation($input: RecordSavingsInput!) { recordSavings(input: $input) { amount worker { id } } }`, { input: { cigId, workerId, amount: 50, depositedOn: new Date().toISOString().slice(0, 10) } }, treasurer);
  expect(saved.errors).toBeUndefined();
  expect(saved.data.recordSavings).toEqual({ amount: 50, worker: { id: workerId } });
});

acrossHosts('a partitioned host costs only its own fields, answered at the timeout; the link back restores it', async () => {
  hosts!.partition('mepma', true);
  try {
    const started = Date.now();
    const res = await ask(WORKER, { id: 'W-0000006' });
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 1.2 + 500);
    expect(res.data.worker).toMatchObject({ id: 'W-0000006', name: expect.any(String), cigMemberships: null });
    expect(res.errors!.map((e) => [e.extensions!.code, e.extensions!.serviceName, e.extensions!.reason])).toEqual([['SUBGRAPH_UNAVAILABLE', 'mepma', 'TIMEOUT']]);
  } finally {
    hosts!.partition('mepma', false);
  }
  await until(answersFully, 15_000);
}, 30_000);

test('an agency killed under load costs only its own fields, is restarted, and loses no acknowledged write', async () => {
  const [{ cig_id: cigId, worker_id: workerId }] = await rows(
    'mepma',
    `select m.cig_id, m.worker_id from cig_membership m join bank_linkage b on b.cig_id = m.cig_id where m.left_on is null and m.joined_on <= current_date - 1 order by m.id limit 1`,
  );
  const SAVE = `mutation($input: RecordSavingsInput!) { recordSavings(input: $input) { id } }`;
  const acknowledged: string[] = [];
  const reads: GraphQLResponse[] = [];
  const oldPid = member('mepma').pid;
  let running = true;
  const load = Promise.all(
    Array.from({ length: 4 }, async (_, lane) => {
      while (running) {
        if (lane === 0) {
          const res = await ask(SAVE, { input: { cigId, workerId, amount: 10, depositedOn: new Date().toISOString().slice(0, 10) } }, treasurer);
          if (!res.errors) acknowledged.push(res.data.recordSavings.id);
        } else {
          reads.push(await ask(WORKER, { id: workerId }));
        }
        await pause(); // steady traffic, without taking the cores from the suites running beside this one
      }
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 1000));
  member('mepma').kill('SIGKILL');
  await until(async () => member('mepma').pid !== oldPid, 10_000);
  await member('mepma').ready();
  await until(answersFully, 20_000);
  running = false;
  await load;

  expect(member('mepma').pid).not.toBe(oldPid);
  expect(log.join('\n')).toMatch(/mepma exited \(signal SIGKILL\)/);
  // While MEPMA was down, Labour's and Transport's fields still came, with an error naming MEPMA.
  const partial = reads.filter((res) => res.errors);
  expect(partial.length).toBeGreaterThan(0);
  for (const res of partial) {
    expect(res.data.worker).toMatchObject({ id: workerId, name: expect.any(String) });
    expect(res.data.worker.cigMemberships).toBeNull();
    expect(res.errors!.map((e) => [e.extensions!.code, e.extensions!.serviceName])).toEqual(res.errors!.map(() => ['SUBGRAPH_UNAVAILABLE', 'mepma']));
  }
  // Repeated failures opened the circuit: later calls failed fast instead of waiting.
  expect(partial.some((res) => res.errors![0].extensions!.reason === 'CIRCUIT_OPEN')).toBe(true);
  const stored = await rows('mepma', `select id from savings_deposit where id = any($1)`, [acknowledged]);
  expect(acknowledged.length).toBeGreaterThan(0);
  expect(stored.map((row) => row.id).sort()).toEqual([...acknowledged].sort());
  // The restarted process says so in its metrics.
  expect(await (await fetch(memberUrl('mepma', '/metrics'))).text()).toMatch(/^worker_graph_process_restarts\{[^}]*\} 1$/m);
}, 60_000);

test('a captured seal sent again four times writes nothing more, and MEPMA’s log shows each replay', async () => {
  const [{ cig_id: cigId, worker_id: workerId }] = await rows(
    'mepma',
    `select m.cig_id, m.worker_id from cig_membership m join bank_linkage b on b.cig_id = m.cig_id where m.left_on is null order by m.id desc limit 1`,
  );
  const count = async () => (await rows('mepma', `select count(*)::int as n from savings_deposit where worker_id = $1`, [workerId]))[0].n;
  const before = await count();
  // What a listener on the wire holds: a seal the gateway made for this exact body.
  const body = JSON.stringify({
    query: `mutation($input: RecordSavingsInput!) { recordSavings(input: $input) { id } }`,
    variables: { input: { cigId, workerId, amount: 25, depositedOn: new Date().toISOString().slice(0, 10) } },
  });
  const gatewayKey = await memberKeyFromJwk('gateway', JSON.parse(readFileSync(memberKeyFile(hub.keysDir, 'gateway'), 'utf8')));
  const caller = { agency: 'mepma', subject: 'treasurer', role: 'officer' as const, jurisdiction: 'national', scopes: ['read', 'write'], purpose: 'cig-follow-up' };
  const seal = await sealCall(gatewayKey, { caller, audience: 'mepma', body, kind: 'graphql' });
  const send = () => fetch(String(member('mepma').announced!.url), { method: 'POST', headers: { 'content-type': 'application/json', [SEAL_HEADER]: seal }, body });
  const first = await send();
  expect(((await first.json()) as any).data.recordSavings.id).toEqual(expect.any(String));
  for (let i = 0; i < 4; i++) {
    const replay = await send();
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as any).errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'REPLAYED' });
  }
  expect(await count()).toBe(before + 1);
  expect(output.filter((line) => /^\[mepma\] \[mepma\] refused a sealed call: REPLAYED/.test(line))).toHaveLength(4);
});

test('a frozen agency makes the gateway answer at its timeout with the other agencies’ data', async () => {
  member('transport').kill('SIGSTOP');
  try {
    const started = Date.now();
    const res = await ask(WORKER, { id: 'W-0000002' });
    const elapsed = Date.now() - started;
    expect(res.data.worker).toMatchObject({ id: 'W-0000002', name: expect.any(String), drivingLicences: null, cigMemberships: expect.any(Array) });
    expect(res.errors!.map((e) => [e.extensions!.code, e.extensions!.serviceName, e.extensions!.reason])).toEqual([['SUBGRAPH_UNAVAILABLE', 'transport', 'TIMEOUT']]);
    expect(elapsed).toBeGreaterThan(TIMEOUT_MS * 0.8);
    expect(elapsed).toBeLessThan(TIMEOUT_MS * 1.2 + 300);
  } finally {
    member('transport').kill('SIGCONT');
  }
  await until(answersFully, 10_000);
});

test('the nine-turn query that used to take every agency down is refused at the gateway; sent to its agency anyway, it costs only that agency', async () => {
  let turns = 'id';
  for (let i = 0; i < 9; i++) turns = `cigMemberships { cig { members { worker { ${turns} } } } }`;
  const pids = new Map([...hub.processes].map(([name, process]) => [name, process.pid]));

  // The gateway's operation limits refuse it whole, before planning it or calling any agency.
  const started = Date.now();
  const refused = await ask(`{ worker(id: "W-0000001") { name ${turns} } }`);
  expect(Date.now() - started).toBeLessThan(TIMEOUT_MS);
  expect(refused.status).toBe(400);
  expect(refused.data ?? null).toBeNull();
  expect(new Set(errorCodes(refused))).toEqual(new Set(['BAD_USER_INPUT']));
  expect(refused.errors!.map((e) => e.extensions!.reason)).toEqual(expect.arrayContaining(['MAX_DEPTH', 'MAX_COST']));
  expect(new Map([...hub.processes].map(([name, process]) => [name, process.pid]))).toEqual(pids);

  // What a gateway without those limits would have sent MEPMA for it (sealed as the gateway): the
  // agency that answers it pays (it runs away until it is timed out, or runs out of memory and is
  // restarted); meanwhile and after, the gateway and the other agencies answer.
  const body = JSON.stringify({
    query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Worker { ${turns} } } }`,
    variables: { r: [{ __typename: 'Worker', id: 'W-0000001' }] },
  });
  const gatewayKey = await memberKeyFromJwk('gateway', JSON.parse(readFileSync(memberKeyFile(hub.keysDir, 'gateway'), 'utf8')));
  const caller = { agency: 'labour', subject: 'processes', role: 'auditor' as const, jurisdiction: 'national', scopes: ['read'], purpose: 'audit' };
  const seal = await sealCall(gatewayKey, { caller, audience: 'mepma', body, kind: 'graphql' });
  const runaway = fetch(String(member('mepma').announced!.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', [SEAL_HEADER]: seal },
    body,
    // The gateway gives up on an agency at its timeout; so does this caller.
    signal: AbortSignal.timeout(TIMEOUT_MS),
  }).then(
    (response) => response.status,
    () => 'gave up' as const,
  );
  const labourOnly = await ask(`{ worker(id: "W-0000003") { id name } }`);
  expect(labourOnly.errors).toBeUndefined();
  expect(labourOnly.data.worker.id).toBe('W-0000003');
  // It does not come back with an answer in time: it is still running, or MEPMA fell over under it.
  expect(await runaway).toBe('gave up');
  await until(answersFully, 60_000);
}, 90_000);

test('a key withdrawn from the trust file is refused within seconds, without a restart', async () => {
  const trustFile = trustFilePath(hub.keysDir);
  const original = readFileSync(trustFile, 'utf8');
  const withoutGateway: TrustFile = JSON.parse(original);
  withoutGateway.members.gateway.keys = [];
  writeFileSync(trustFile, JSON.stringify(withoutGateway));
  try {
    // Each member reloads within a second here (TRUST_RELOAD_SECONDS=1); Labour is the one asked below.
    const labourOnly = () => ask(`{ worker(id: "W-0000001") { id } }`);
    await until(async () => errorCodes(await labourOnly()).includes('SUBGRAPH_UNAVAILABLE'), 5_000);
    const refused = await labourOnly();
    expect(refused.data?.worker ?? null).toBeNull();
    expect(refused.errors![0].message).toMatch(/HTTP 401/);
  } finally {
    writeFileSync(trustFile, original);
  }
  await until(answersFully, 5_000);
}, 30_000);

test('the gateway’s key rotates in three steps while every request keeps being answered', async () => {
  const [oldKid] = JSON.parse(readFileSync(memberJwksFile(hub.keysDir, 'gateway'), 'utf8')).keys.map((key: { kid: string }) => key.kid);
  const failures: unknown[] = [];
  let running = true;
  const load = (async () => {
    while (running) {
      const res = await ask(`{ worker(id: "W-0000004") { id cigMemberships { role } } }`);
      if (res.errors) failures.push(res.errors);
      await pause();
    }
  })();
  const spread = () => new Promise((resolve) => setTimeout(resolve, 2000)); // two reload intervals
  const newKid = await addMemberKey(hub.keysDir, 'gateway');
  writeHubTrust(hub.keysDir, memberNames());
  await spread();
  expect(activateMemberKey(hub.keysDir, 'gateway')).toBe(newKid);
  await spread();
  withdrawMemberKey(hub.keysDir, 'gateway', oldKid);
  writeHubTrust(hub.keysDir, memberNames());
  await spread();
  running = false;
  await load;
  expect(failures).toEqual([]);
  expect(JSON.parse(readFileSync(trustFilePath(hub.keysDir), 'utf8')).members.gateway.keys.map((key: { kid: string }) => key.kid)).toEqual([newKid]);
}, 30_000);

test('two gateway replicas append to one valid access-log chain', async () => {
  // The gateway's process is the primary of two worker processes sharing its port.
  const replicas = readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && parentOf(pid) === member('gateway').pid);
  expect(replicas).toHaveLength(2);
  await Promise.all(Array.from({ length: 20 }, (_, i) => ask(`{ worker(id: "W-000000${i % 9 + 1}") { id } }`)));
  const logReader = await AuditLog.open(hub.databases.get('gateway')!.ownerUrl);
  try {
    const report = await logReader.verify();
    expect(report.broken).toBeUndefined();
    expect(report.entries).toBeGreaterThan(20);
  } finally {
    await logReader.close();
  }
});
