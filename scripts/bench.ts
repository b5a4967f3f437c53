/**
 * `npm run bench`: measures the hub on the current databases (seed a size first with
 * `npm run seed -- --workers 100000`), through the gateway over HTTP, as in production: every
 * request carries a signed token and a purpose, is checked against the access policies, sealed
 * for each agency it reaches and written to the access log.
 *
 * In one run, side by side:
 *   1. worker by id through the gateway ÷ its critical path: the same subgraph fetches the
 *      gateway's query plan makes (Labour, then the others in parallel), sent directly to each
 *      agency with valid seals; and ÷ the slowest single fetch. At 1 and at 8 requests in flight.
 *   2. the whole hub in one process vs every member in its own process (npm start's layout):
 *      worker by id, the 100-worker roster and the phone look-up.
 *   3. the reports, in the separate-process layout.
 *   4. the single window, in the separate-process layout: a worklist page (`eligibleNotEnrolled`)
 *      for a ward (its CRP), a city and the nation (its officers), first and deep pages; one
 *      worker's schemes; convergence by ward. With the load average while it ran.
 *
 *   npm run bench -- [--requests 400] [--concurrency 8] [--skip-single-process] [--skip-reports] [--skip-single-window]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QueryPlanner, type FetchNode, type PlanNode } from '@apollo/query-planner';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { parse } from 'graphql';
import pg from 'pg';
import type { Caller, Role } from '../src/shared/access/caller.js';
import { generateAccessKeys, signCallerToken, type AccessKeys } from '../src/shared/access/keys.js';
import { memberKeyFile, memberKeyFromJwk } from '../src/shared/access/members.js';
import { SEAL_HEADER, sealCall, type MemberKey } from '../src/shared/access/seal.js';
import { startProcessHub } from '../src/hub/processes.js';
import { startStack } from '../src/hub/stack.js';
import { memberNames } from '../src/hub/members.js';
import { SUPERGRAPH_FILE } from '../src/shared/supergraph.js';

const WORKER_FIELDS = `
  id name phone occupation city { code name } ward { code name }
  socialSecurityEnrolments { scheme status }
  icdsEnrolments { beneficiaryType status }
  drivingLicences { licenceNumber validUntil } badges { badgeNumber } vehiclePermits { permitNumber }
  vendingCertificates { certificateNumber } tradeLicences { licenceNumber }
  cigMemberships { role joinedOn cig { id name occupation workLocation } }`;
const WORKER_BY_ID = `query($id: ID!) { worker(id: $id) { ${WORKER_FIELDS} } }`;
const ROSTER = `query($after: String, $city: ID) { workers(first: 100, after: $after, filter: { city: $city }) { edges { node { ${WORKER_FIELDS} } } } }`;
const PHONE = `query($phone: String) { findWorkers(phone: $phone) { id name occupation } }`;
const WORKER_SCHEMES = `query($id: ID!) { worker(id: $id) { schemes { status } } }`;
const CONVERGENCE_BY_WARD = `{ convergence(groupBy: [WARD]) { rows { ward { code } figures { scheme { id } eligible enrolled gap } } } }`;
/** How deep the deep worklist page starts: this many pages of 100 are walked to reach its cursor. */
const DEEP_PAGES = 50;
const AUDITOR: Caller = { agency: 'labour', subject: 'bench', role: 'auditor', jurisdiction: 'national', scopes: ['read'], purpose: 'audit' };

const NO_RATE_LIMITS = { RATE_LIMIT_PER_SUBJECT: 'off', RATE_LIMIT_PER_AGENCY: 'off', RATE_LIMIT_CONFLICTS: 'off' };

/** A registered client operation, exactly as the client sends it. */
const operation = (name: string) => readFileSync(path.join(__dirname, '..', 'schema', 'operations', `${name}.graphql`), 'utf8');
/** The worklist as the CRPs' field app asks for it (CRPs run registered operations only); officers' desks the same. */
const WORKLIST = operation('crp-worklist');

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
}
const flag = (name: string) => process.argv.includes(`--${name}`);

interface Sample {
  workers: { id: string; phone: string; city_code: string }[];
  count: number;
  /** Vijayawada's most populous ward: the CRP's worklist. */
  ward: string;
}

interface Timing {
  name: string;
  requests: number;
  seconds: number;
  latencies: number[];
  errors: number;
}

/** Runs `send` `requests` times, `concurrency` at a time; `send` returns false for an answer with errors. */
async function measure(name: string, requests: number, concurrency: number, send: (i: number) => Promise<boolean>): Promise<Timing> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        const i = next++;
        const t0 = performance.now();
        if (!(await send(i))) errors += 1;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { name, requests, seconds: (performance.now() - started) / 1000, latencies, errors };
}

const pct = (t: Timing, p: number) => t.latencies[Math.min(t.latencies.length - 1, Math.floor((p / 100) * t.latencies.length))];
const row = (t: Timing) => ({
  scenario: t.name,
  'req/s': (t.requests / t.seconds).toFixed(1),
  'p50 ms': pct(t, 50).toFixed(1),
  'p99 ms': pct(t, 99).toFixed(1),
  errors: t.errors,
});

/** The answer's data, or the first error's message. */
async function answer(url: string, headers: Record<string, string>, body: string): Promise<{ data?: any; error?: string }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const { data, errors } = (await response.json()) as { data?: unknown; errors?: { message: string }[] };
  return response.ok && !errors ? { data } : { error: errors?.[0]?.message ?? `HTTP ${response.status}` };
}

const post = async (url: string, headers: Record<string, string>, body: string) => !(await answer(url, headers, body)).error;

function gatewayClient(url: string, headers: Record<string, string>) {
  return (query: string, variables: Record<string, unknown>) => post(url, headers, JSON.stringify({ query, variables }));
}

async function callerHeaders(keys: AccessKeys, agency: string, role: Role, jurisdiction: string, purpose: string) {
  const token = await signCallerToken(keys, { agency, subject: 'bench', role, jurisdiction, scopes: ['read'] });
  return { authorization: `Bearer ${token}`, 'x-purpose': purpose };
}

/**
 * The subgraph fetches of the gateway's plan for worker-by-id: the first (Labour's) and the
 * entity fetches that follow it in parallel, each a `Worker` representation of the asked id.
 */
function planWorkerById(): { first: FetchNode; then: FetchNode[] } {
  const supergraph = Supergraph.build(readFileSync(SUPERGRAPH_FILE, 'utf8'));
  const plan = new QueryPlanner(supergraph).buildQueryPlan(operationFromDocument(supergraph.schema, parse(WORKER_BY_ID), {}));
  const fetches = (node: PlanNode | undefined): FetchNode[] => {
    if (!node) return [];
    if (node.kind === 'Fetch') return [node];
    if (node.kind === 'Flatten') return fetches(node.node);
    if (node.kind === 'Sequence' || node.kind === 'Parallel') return node.nodes.flatMap(fetches);
    throw new Error(`Unexpected plan node ${node.kind}`);
  };
  const [first, ...then] = fetches(plan.node as PlanNode | undefined);
  if (!first || first.requires) throw new Error('The plan for worker-by-id no longer starts with one root fetch.');
  return { first, then };
}

/** Worker by id sent straight to the agencies, sealed as the gateway seals: Labour, then the rest in parallel. */
function criticalPath(plan: ReturnType<typeof planWorkerById>, urlOf: (agency: string) => string, signer: () => MemberKey) {
  const fetchOne = async (node: FetchNode, variables: Record<string, unknown>): Promise<number> => {
    const body = JSON.stringify({ query: node.operation, variables });
    const seal = await sealCall(signer(), { caller: AUDITOR, audience: node.serviceName, body, kind: 'graphql' });
    const t0 = performance.now();
    if (!(await post(urlOf(node.serviceName), { [SEAL_HEADER]: seal }, body))) throw new Error(`${node.serviceName} refused the direct fetch`);
    return performance.now() - t0;
  };
  const slowestPart: number[] = [];
  const send = async (id: string) => {
    const first = await fetchOne(plan.first, { id });
    const rest = await Promise.all(plan.then.map((node) => fetchOne(node, { representations: [{ __typename: 'Worker', id }] })));
    slowestPart.push(Math.max(first, ...rest));
    return true;
  };
  return { send, slowestPart };
}

async function sampleWorkers(url: string): Promise<Sample> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('select id, phone, city_code from worker order by random() limit 1000');
    const [{ n }] = (await client.query('select count(*)::int as n from worker')).rows;
    if (!rows.length) throw new Error('No workers in the database: run `npm start` once or `npm run seed` first.');
    const [{ ward }] = (await client.query(`select ward_code as ward from worker where city_code = 'VJA' group by 1 order by count(*) desc, 1 limit 1`)).rows;
    return { workers: rows, count: n, ward };
  } finally {
    await client.end();
  }
}

/**
 * The single window at this size, 1 in flight: PMSBY's worklist page of 20 for a ward (as its
 * CRP), a city and the nation (as their officers), the nation's also deep (after walking
 * DEEP_PAGES pages of 100), each p50 and p99; one worker's schemes; convergence by ward.
 */
async function singleWindow(url: string, keys: AccessKeys, sample: Sample, requests: number) {
  const n = Math.ceil(requests / 4);
  const nationalHeaders = await callerHeaders(keys, 'mepma', 'officer', 'national', 'Scheme enrolment');
  const national = gatewayClient(url, nationalHeaders);
  const city = gatewayClient(url, await callerHeaders(keys, 'mepma', 'officer', 'city:VJA', 'Scheme enrolment'));
  const crp = gatewayClient(url, await callerHeaders(keys, 'mepma', 'crp', `ward:${sample.ward}`, 'Scheme enrolment'));
  const page = (client: typeof national, filter: Record<string, string>, after?: string) => () => client(WORKLIST, { scheme: 'PMSBY', filter, first: 20, after });

  // The deep page's cursor: as far as DEEP_PAGES pages of 100 go (the list may end sooner).
  let after: string | undefined;
  let deep = 0;
  for (let at = 0; at < DEEP_PAGES; at += 1) {
    const { data, error } = await answer(url, nationalHeaders, JSON.stringify({ query: WORKLIST, variables: { scheme: 'PMSBY', filter: {}, first: 100, after } }));
    if (error) throw new Error(`The national worklist failed: ${error}`);
    const { edges, pageInfo } = data.eligibleNotEnrolled;
    deep += edges.length;
    after = pageInfo.endCursor ?? after;
    if (!pageInfo.hasNextPage) break;
  }

  const scenarios: [string, number, (i: number) => Promise<boolean>][] = [
    [`PMSBY worklist, ward ${sample.ward} (its CRP), first page of 20`, n, page(crp, { ward: sample.ward })],
    ['PMSBY worklist, city VJA (its officer), first page of 20', n, page(city, { city: 'VJA' })],
    ['PMSBY worklist, national (officer), first page of 20', n, page(national, {})],
    [`PMSBY worklist, national (officer), page of 20 after ${deep.toLocaleString('en-IN')}`, n, page(national, {}, after)],
    ['worker by id, its schemes (national officer)', n, (i) => national(WORKER_SCHEMES, { id: sample.workers[i % sample.workers.length].id })],
    ['convergence by ward (national officer)', Math.ceil(requests / 8), () => national(CONVERGENCE_BY_WARD, {})],
  ];
  const timings: ReturnType<typeof row>[] = [];
  for (const [name, times, send] of scenarios) timings.push(row(await measure(`${name}, 1 in flight`, times, 1, send)));
  return timings;
}

async function main() {
  const requests = option('requests', 400);
  const concurrency = option('concurrency', 8);
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`Load average at start: ${load()} (${os.cpus().length} cores)`);
  const rows: ReturnType<typeof row>[] = [];
  const ratios: Record<string, string> = {};
  const plan = planWorkerById();

  // --- Every member in its own process, as `npm start` runs the hub. -------------------------
  const keysDir = mkdtempSync(path.join(os.tmpdir(), 'worker-graph-bench-keys-'));
  // One caller sends every request: the rate limits (which rate-limit.test.ts measures) are off here.
  const hub = await startProcessHub({ demo: false, keysDir, port: (member) => 4600 + memberNames().indexOf(member), env: NO_RATE_LIMITS });
  let sample: Sample;
  try {
    sample = await sampleWorkers(hub.databases.get('labour')!.ownerUrl);
    console.log(`${sample.count.toLocaleString('en-IN')} workers; ${requests} requests per scenario, ${concurrency} at a time unless said.\n`);
    const pick = (i: number) => sample.workers[i % sample.workers.length];
    const gatewayKey = await memberKeyFromJwk('gateway', JSON.parse(readFileSync(memberKeyFile(keysDir, 'gateway'), 'utf8')));
    const direct = criticalPath(plan, (agency) => String(hub.processes.get(agency)!.announced!.url), () => gatewayKey);
    const auditor = gatewayClient(hub.gatewayUrl, await callerHeaders(hub.keys, 'labour', 'auditor', 'national', 'Audit'));
    const byId = (i: number) => auditor(WORKER_BY_ID, { id: pick(i).id });
    // Warm-up: JIT, connection pools, planner caches.
    await measure('warm-up', 40, 2, byId);
    await measure('warm-up', 40, 2, (i) => direct.send(pick(i).id));

    for (const inFlight of [1, concurrency]) {
      const n = inFlight === 1 ? Math.ceil(requests / 2) : requests;
      const through = await measure(`worker by id, gateway (${inFlight} in flight)`, n, inFlight, byId);
      direct.slowestPart.length = 0;
      const critical = await measure(`worker by id, critical path direct (${inFlight} in flight)`, n, inFlight, (i) => direct.send(pick(i).id));
      const slowest = [...direct.slowestPart].sort((a, b) => a - b)[Math.floor(direct.slowestPart.length / 2)];
      rows.push(row(through), row(critical));
      ratios[`gateway ÷ critical path, p50, ${inFlight} in flight`] = (pct(through, 50) / pct(critical, 50)).toFixed(2);
      ratios[`gateway ÷ slowest single fetch, p50, ${inFlight} in flight`] = (pct(through, 50) / slowest).toFixed(2);
    }
    const roster = await measure('100-worker roster (separate processes)', Math.ceil(requests / 4), concurrency, (i) => auditor(ROSTER, { city: pick(i).city_code }));
    const officer = gatewayClient(hub.gatewayUrl, await callerHeaders(hub.keys, 'labour', 'officer', 'city:VJA', 'Grievance'));
    const phone = await measure('phone look-up (separate processes)', requests, concurrency, (i) => officer(PHONE, { phone: pick(i).phone }));
    const separate = await measure('worker by id (separate processes)', requests, concurrency, byId);
    rows.push(row(roster), row(phone), row(separate));
    ratios['separate processes, worker by id, req/s'] = (requests / separate.seconds).toFixed(1);

    if (!flag('skip-reports')) {
      const nationalAnalyst = gatewayClient(hub.gatewayUrl, await callerHeaders(hub.keys, 'mepma', 'analyst', 'national', 'Statistics'));
      const cityAnalyst = gatewayClient(hub.gatewayUrl, await callerHeaders(hub.keys, 'mepma', 'analyst', 'city:VJA', 'Statistics'));
      const reports: [string, (i: number) => Promise<boolean>][] = [
        ['coverage, city × ward × occupation (national)', () => nationalAnalyst(operation('coverage'), { groupBy: ['CITY', 'WARD', 'OCCUPATION'] })],
        ['coverage by occupation (one city)', () => cityAnalyst(operation('coverage'), { groupBy: ['OCCUPATION'] })],
        ['dashboard (one city)', () => cityAnalyst(operation('dashboard'), { withinDays: 90 })],
        ['CIG formation by month (national)', () => nationalAnalyst(operation('cig-formation'), { groupBy: ['MONTH'] })],
        ['expiring in 90 days by document × week', () => nationalAnalyst(operation('expiring-documents'), { withinDays: 90, groupBy: ['DOCUMENT', 'WEEK'] })],
      ];
      for (const [name, send] of reports) rows.push(row(await measure(`${name}, 1 in flight`, Math.ceil(requests / 8), 1, send)));
    }

    if (!flag('skip-single-window')) {
      const loadBefore = load();
      rows.push(...(await singleWindow(hub.gatewayUrl, hub.keys, sample, requests)));
      ratios['load average before → after the single window (1, 5, 15 min)'] = `${loadBefore} → ${load()}`;
    }
  } finally {
    await hub.stop();
    rmSync(keysDir, { recursive: true, force: true });
  }

  // --- The same scenarios with the whole hub in one process. ---------------------------------
  if (!flag('skip-single-process')) {
    const keys = await generateAccessKeys();
    const stack = await startStack({ demo: false, gatewayPort: 0, subgraphPorts: () => 0, auditPort: 0, reportsPort: 0, keys, rateLimits: {} });
    try {
      const pick = (i: number) => sample!.workers[i % sample!.workers.length];
      const auditor = gatewayClient(stack.gatewayUrl, await callerHeaders(keys, 'labour', 'auditor', 'national', 'Audit'));
      const officer = gatewayClient(stack.gatewayUrl, await callerHeaders(keys, 'labour', 'officer', 'city:VJA', 'Grievance'));
      const byId = (i: number) => auditor(WORKER_BY_ID, { id: pick(i).id });
      await measure('warm-up', 40, 2, byId);
      const roster = await measure('100-worker roster (one process)', Math.ceil(requests / 4), concurrency, (i) => auditor(ROSTER, { city: pick(i).city_code }));
      const phone = await measure('phone look-up (one process)', requests, concurrency, (i) => officer(PHONE, { phone: pick(i).phone }));
      const single = await measure('worker by id (one process)', requests, concurrency, byId);
      rows.push(row(roster), row(phone), row(single));
      ratios['one process, worker by id, req/s'] = (requests / single.seconds).toFixed(1);
    } finally {
      await stack.stop();
    }
  }

  console.table(rows);
  console.table(ratios);
  console.log(`Load average at end: ${load()}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error('Benchmark failed:', String(error instanceof Error ? error.message : error).split('\n')[0]);
    process.exit(1);
  },
);
