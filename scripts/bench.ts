/**
 * `npm run bench`: starts the hub on the current databases (seed a size first with
 * `npm run seed -- --workers 100000`) and measures, through the gateway over HTTP:
 * a cross-agency worker by id, a 100-worker roster with every agency's fields, a phone look-up,
 * and the reports: coverage across all five agencies (nationally by city × ward × occupation, and
 * for one city by occupation), the dashboard's one request, CIG formation and expiring documents.
 * Every request carries a signed token and a purpose, is checked against the access
 * policies, sealed for each agency and written to the access log, as in production. Prints
 * requests per second, p50/p99 latency and SQL statements per request.
 *
 *   npm run bench -- [--requests 400] [--concurrency 8]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startStack, type RunningStack } from '../src/stack.js';
import { generateAccessKeys, signCallerToken, type AccessKeys } from '../src/shared/access/keys.js';
import type { Role } from '../src/shared/access/caller.js';

const WORKER_FIELDS = `
  id name phone occupation city { code name } ward { code name }
  socialSecurityEnrolments { scheme status }
  icdsEnrolments { beneficiaryType status }
  drivingLicences { licenceNumber validUntil } badges { badgeNumber } vehiclePermits { permitNumber }
  vendingCertificates { certificateNumber } tradeLicences { licenceNumber }
  cigMemberships { role joinedOn cig { id name occupation workLocation } }`;

interface Scenario {
  name: string;
  query: string;
  variables: (i: number) => Record<string, unknown>;
  /** The caller's headers: a token and a declared purpose. */
  headers: Record<string, string>;
  /** Heavier scenarios run a fraction of the requests. */
  share?: number;
}

/** A registered client operation, exactly as the client sends it. */
const operation = (name: string) => readFileSync(path.join(__dirname, '..', 'schema', 'operations', `${name}.graphql`), 'utf8');

async function callerHeaders(keys: AccessKeys, agency: string, role: Role, jurisdiction: string, purpose: string) {
  const token = await signCallerToken(keys, { agency, subject: 'bench', role, jurisdiction, scopes: ['read'] });
  return { authorization: `Bearer ${token}`, 'x-purpose': purpose };
}

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
}

async function measure(stack: RunningStack, scenario: Scenario, requests: number, concurrency: number) {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  for (const { database } of stack.subgraphs.values()) database.sqlLog.reset();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        const i = next++;
        const t0 = performance.now();
        const response = await fetch(stack.gatewayUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...scenario.headers },
          body: JSON.stringify({ query: scenario.query, variables: scenario.variables(i) }),
        });
        const body = (await response.json()) as { errors?: unknown[] };
        latencies.push(performance.now() - t0);
        if (body.errors) errors += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const statements = [...stack.subgraphs.values()].reduce((sum, { database }) => sum + database.sqlLog.count, 0);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return {
    scenario: scenario.name,
    'req/s': (requests / seconds).toFixed(0),
    'p50 ms': pct(50).toFixed(1),
    'p99 ms': pct(99).toFixed(1),
    'SQL/req': (statements / requests).toFixed(1),
    errors,
  };
}

async function main() {
  const requests = option('requests', 400);
  const concurrency = option('concurrency', 8);
  const keys = await generateAccessKeys();
  const stack = await startStack({ demo: false, gatewayPort: 0, subgraphPorts: () => 0, auditPort: 0, reportsPort: 0, keys });
  try {
    const labour = stack.subgraphs.get('labour')!.database.orm.em.fork();
    const sample = await labour.getConnection().execute<{ id: string; phone: string; city_code: string }[]>(
      'select id, phone, city_code from worker order by random() limit 1000',
    );
    if (!sample.length) throw new Error('No workers in the database: run `npm start` once or `npm run seed` first.');
    const [{ n: workerCount }] = await labour.getConnection().execute<{ n: number }[]>('select count(*)::int as n from worker');
    const pick = (i: number) => sample[i % sample.length];
    // Every agency's fields, household data included, are an auditor's to read nationally.
    const auditor = await callerHeaders(keys, 'labour', 'auditor', 'national', 'Audit');
    const cityOfficer = await callerHeaders(keys, 'labour', 'officer', 'city:VJA', 'Grievance');
    const nationalAnalyst = await callerHeaders(keys, 'mepma', 'analyst', 'national', 'Statistics');
    const cityAnalyst = await callerHeaders(keys, 'mepma', 'analyst', 'city:VJA', 'Statistics');

    const scenarios: Scenario[] = [
      { name: 'worker by id (all agencies)', query: `query($id: ID!) { worker(id: $id) { ${WORKER_FIELDS} } }`, variables: (i) => ({ id: pick(i).id }), headers: auditor },
      {
        name: '100-worker roster (all agencies)',
        share: 1 / 4,
        query: `query($after: String, $city: ID) { workers(first: 100, after: $after, filter: { city: $city }) { edges { node { ${WORKER_FIELDS} } } } }`,
        variables: (i) => ({ city: pick(i).city_code }),
        headers: auditor,
      },
      {
        name: 'phone look-up (city officer)',
        query: `query($phone: String) { findWorkers(phone: $phone) { id name occupation } }`,
        variables: (i) => ({ phone: pick(i).phone }),
        headers: cityOfficer,
      },
      {
        name: 'coverage, city × ward × occupation (national)',
        query: operation('coverage'),
        variables: () => ({ groupBy: ['CITY', 'WARD', 'OCCUPATION'] }),
        headers: nationalAnalyst,
        share: 1 / 8,
      },
      {
        name: 'coverage by occupation (one city)',
        query: operation('coverage'),
        variables: () => ({ groupBy: ['OCCUPATION'] }),
        headers: cityAnalyst,
        share: 1 / 8,
      },
      { name: 'dashboard (one city)', query: operation('dashboard'), variables: () => ({ withinDays: 90 }), headers: cityAnalyst, share: 1 / 8 },
      { name: 'CIG formation by month (national)', query: operation('cig-formation'), variables: () => ({ groupBy: ['MONTH'] }), headers: nationalAnalyst, share: 1 / 4 },
      {
        name: 'expiring in 90 days by document × week',
        query: operation('expiring-documents'),
        variables: () => ({ withinDays: 90, groupBy: ['DOCUMENT', 'WEEK'] }),
        headers: nationalAnalyst,
        share: 1 / 4,
      },
    ];
    console.log(`Benchmark on ${workerCount.toLocaleString('en-IN')} workers: ${requests} requests per scenario, ${concurrency} at a time.\n`);
    // One short warm-up so the JIT and connection pools are not what is measured.
    for (const scenario of scenarios) await measure(stack, scenario, 20, 2);
    const rows = [];
    for (const scenario of scenarios) rows.push(await measure(stack, scenario, Math.ceil(requests * (scenario.share ?? 1)), concurrency));
    console.table(rows);
  } finally {
    await stack.stop();
  }
}

main().catch((error) => {
  console.error('Benchmark failed:', String(error instanceof Error ? error.message : error).split('\n')[0]);
  process.exit(1);
});
