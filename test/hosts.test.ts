/**
 * Across machines: Labour and MEPMA each on a host of their own (a Linux network namespace with
 * its own address, joined to the others by a bridge), the rest of the hub on this one. Nothing
 * may assume localhost: a query spanning the hosts, a write that makes MEPMA ask Labour across
 * the network, a partition of MEPMA's host, and the recovery when the link comes back.
 *
 * Needs root and iproute2 (`npm run test:hosts`); elsewhere it is skipped with a warning, unless
 * REQUIRE_HOSTS=1 (CI), where that is a failure.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { memberNames } from '../src/hub/members';
import { startProcessHub, type ProcessHub } from '../src/hub/processes';
import { freePort, freePortRun } from './support/ports';
import { authHeaders, errorCodes, graphql } from './support/stack';

const TIMEOUT_MS = 1500;
// Addresses from the range set aside for network tests (RFC 2544), on a bridge of this test's own.
const SUBNET = '198.18.0';
const HUB_ADDRESS = `${SUBNET}.1`;
const tag = `wgh${process.pid % 10000}`;
const bridge = `${tag}br`;
const hosts: Record<string, { namespace: string; address: string; hostSide: string }> = {
  labour: { namespace: `${tag}-labour`, address: `${SUBNET}.2`, hostSide: `${tag}l0` },
  mepma: { namespace: `${tag}-mepma`, address: `${SUBNET}.3`, hostSide: `${tag}m0` },
};

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

function namespacesAvailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'it needs root';
  try {
    ip('netns', 'add', `${tag}-probe`);
    ip('netns', 'del', `${tag}-probe`);
    return undefined;
  } catch (error) {
    return `\`ip netns add\` failed (${String((error as { stderr?: Buffer }).stderr ?? error).trim()}); install iproute2`;
  }
}

const unavailable = namespacesAvailable();
if (unavailable && process.env.REQUIRE_HOSTS === '1') throw new Error(`The cross-host tests cannot run: ${unavailable}.`);
if (unavailable) console.warn(`Skipping the cross-host tests: ${unavailable}. Run them as root with iproute2 (apt-get install iproute2).`);

(unavailable ? describe.skip : describe)('agencies on hosts of their own', () => {
  let hub: ProcessHub;
  let proxy: net.Server;
  let auditor: Record<string, string>;
  let treasurer: Record<string, string>;
  const output: string[] = [];

  beforeAll(async () => {
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', `${HUB_ADDRESS}/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    for (const { namespace, address, hostSide } of Object.values(hosts)) {
      ip('netns', 'add', namespace);
      ip('link', 'add', hostSide, 'type', 'veth', 'peer', 'name', `${hostSide.slice(0, -1)}1`, 'netns', namespace);
      ip('link', 'set', hostSide, 'master', bridge, 'up');
      ip('-n', namespace, 'addr', 'add', `${address}/24`, 'dev', `${hostSide.slice(0, -1)}1`);
      ip('-n', namespace, 'link', 'set', `${hostSide.slice(0, -1)}1`, 'up');
      ip('-n', namespace, 'link', 'set', 'lo', 'up');
    }
    // The agencies' hosts reach the database server through this host's bridge address.
    const server = new URL(process.env.DATABASE_URL!);
    const proxyPort = await freePort();
    proxy = net.createServer((client) => {
      const upstream = net.connect(Number(server.port || 5432), server.hostname);
      client.pipe(upstream).pipe(client);
      const close = () => (client.destroy(), upstream.destroy());
      client.on('error', close);
      upstream.on('error', close);
    });
    await new Promise<void>((resolve) => proxy.listen(proxyPort, HUB_ADDRESS, resolve));

    const url = new URL(server);
    url.pathname = `${url.pathname.replace(/^\//, '') || 'wgtest'}_hosts`;
    const base = await freePortRun(memberNames().length);
    hub = await startProcessHub({
      databaseUrl: url.toString(),
      fresh: true,
      // The hub's own members listen on the bridge too, so the agencies' hosts can reach them.
      host: HUB_ADDRESS,
      port: (member) => base + memberNames().indexOf(member),
      placement: (member) =>
        hosts[member] && { address: hosts[member].address, launcher: ['ip', 'netns', 'exec', hosts[member].namespace], database: `${HUB_ADDRESS}:${proxyPort}` },
      keysDir: path.join(mkdtempSync(path.join(os.tmpdir(), 'worker-graph-hosts-')), 'keys'),
      demo: { seed: 2024, workers: 200 },
      env: { SUBGRAPH_TIMEOUT_MS: String(TIMEOUT_MS), CIRCUIT_HALF_OPEN_MS: '500' },
      output: (line) => output.push(line),
    });
    const caller = { subject: 'hosts', jurisdiction: 'national', scopes: ['read', 'write'] };
    auditor = await authHeaders(hub.keys, { ...caller, agency: 'labour', role: 'auditor', purpose: 'Audit' });
    treasurer = await authHeaders(hub.keys, { ...caller, agency: 'mepma', role: 'officer', purpose: 'CIG follow-up' });
  }, 180_000);

  afterAll(async () => {
    await hub?.stop();
    await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
    for (const { namespace } of Object.values(hosts)) {
      try {
        ip('netns', 'del', namespace); // takes its end of the veth pair, and so the pair, with it
      } catch {
        // never made
      }
    }
    try {
      ip('link', 'del', bridge);
    } catch {
      // never made
    }
  });

  const WORKER = `query($id: ID!) { worker(id: $id) { id name cigMemberships { role cig { id } } } }`;
  const ask = (query: string, variables: Record<string, unknown> = {}, headers = auditor) => graphql(hub.gatewayUrl, query, variables, headers);

  test('each agency answers from its own address; one query spans the hosts', async () => {
    for (const [agency, { address }] of Object.entries(hosts)) expect(new URL(String(hub.processes.get(agency)!.announced!.url)).hostname).toBe(address);
    const res = await ask(WORKER, { id: 'W-0000001' });
    expect(res.errors).toBeUndefined();
    expect(res.data.worker).toMatchObject({ id: 'W-0000001', name: expect.any(String), cigMemberships: expect.any(Array) });
  });

  test('a write on MEPMA’s host confirms the worker with Labour’s host', async () => {
    const cigs = await ask(`{ cigs(first: 50) { edges { node { id bankLinkage { linkedOn } members { worker { id } joinedOn leftOn } } } } }`, {}, treasurer);
    const cig = cigs.data.cigs.edges.map((e: any) => e.node).find((c: any) => c.bankLinkage);
    const member = cig?.members.find((m: any) => !m.leftOn);
    expect(member).toBeDefined();
    const res = await ask(
      `mutation($input: RecordSavingsInput!) { recordSavings(input: $input) { amount worker { id } } }`,
      { input: { cigId: cig.id, workerId: member.worker.id, amount: 50, depositedOn: new Date().toISOString().slice(0, 10) } },
      treasurer,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.recordSavings).toEqual({ amount: 50, worker: { id: member.worker.id } });
  });

  test('a partitioned host costs only its own fields, answered at the timeout; the link back restores it', async () => {
    ip('link', 'set', hosts.mepma.hostSide, 'down');
    try {
      const started = Date.now();
      const res = await ask(WORKER, { id: 'W-0000002' });
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 1.2 + 500);
      expect(res.data.worker).toMatchObject({ id: 'W-0000002', name: expect.any(String), cigMemberships: null });
      expect(errorCodes(res)).toEqual(['SUBGRAPH_UNAVAILABLE']);
      expect(res.errors![0].extensions).toMatchObject({ serviceName: 'mepma', reason: 'TIMEOUT' });
    } finally {
      ip('link', 'set', hosts.mepma.hostSide, 'up');
    }
    const deadline = Date.now() + 15_000;
    let res = await ask(WORKER, { id: 'W-0000002' });
    while (res.errors && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      res = await ask(WORKER, { id: 'W-0000002' });
    }
    expect(res.errors).toBeUndefined();
    expect(res.data.worker.cigMemberships).toEqual(expect.any(Array));
  }, 30_000);
});
