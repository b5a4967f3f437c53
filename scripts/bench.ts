/**
 * `npm run bench`: measures the hub on the current databases (seed a size first with
 * `npm run seed -- --workers 100000`), through the gateway over HTTP, as in production: every
 * request carries a signed token and a purpose, is checked against the access policies, sealed
 * for each agency it reaches and written to the access log.
 *
 * In one run, side by side:
 *   1. worker by id, the 100-worker roster and the phone look-up through the gateway ÷ their
 *      critical path: the same subgraph fetches the gateway's query plan makes (Labour, then the
 *      others in parallel), sent directly to each agency with valid seals; and ÷ the slowest
 *      single fetch. At 1 and at 8 requests in flight, the two measured in alternating blocks.
 *   2. the whole hub in one process vs every member in its own process (npm start's layout):
 *      worker by id, the 100-worker roster and the phone look-up.
 *   3. the reports, in the separate-process layout.
 *   4. the single window, in the separate-process layout: a worklist page (`eligibleNotEnrolled`)
 *      for a ward (its CRP), a city and the nation (its officers), first and deep pages; one
 *      worker's schemes; convergence by ward. With the load average while it ran.
 *   5. engines: the 100-worker roster through our gateway and through Hive Gateway (The Guild's)
 *      with its Rust and its JavaScript planner, on the same subgraph processes, doing the same
 *      authentication, field check, seals and access log (scripts/hive/gateway.ts); answers
 *      checked equal, then measured in alternating blocks at 1 and at --concurrency in flight.
 *   6. with --lower-bound: the same three answers from one SQL statement each over a throwaway
 *      copy of every agency's tables in one database (dropped at the end), checked equal to the
 *      gateway's and measured in the same alternating blocks as 1: what the answers cost with no
 *      federation, no HTTP between members and no GraphQL. Needs DATABASE_URL.
 *
 *   npm run bench -- [--requests 400] [--concurrency 8] [--port-base 4600] [--lower-bound]
 *                    [--skip-single-process] [--skip-reports] [--skip-single-window] [--skip-engines]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QueryPlanner, type FetchNode, type PlanNode, type QueryPlanSelectionNode } from '@apollo/query-planner';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { parse } from 'graphql';
import pg from 'pg';
import { generateAccessKeys, signCallerToken, type AccessKeys } from '../src/shared/access/keys.js';
import { memberKeyFile, memberKeyFromJwk, trustFilePath } from '../src/shared/access/members.js';
import { SEAL_HEADER, sealCall, type MemberKey } from '../src/shared/access/seal.js';
import { startProcessHub, type ProcessHub } from '../src/hub/processes.js';
import { startStack } from '../src/hub/stack.js';
import { Supervisor } from '../src/hub/supervisor.js';
import { GATEWAY, memberNames } from '../src/hub/members.js';
import { citiesOf, type Caller, type Role } from '../src/shared/access/caller.js';
import { config, envName } from '../src/shared/config.js';
import { databaseName, locateDatabases, withDatabase } from '../src/shared/database.js';
import { CITIES } from '../src/shared/reference/index.js';
import { encodeCursor } from '../src/shared/pagination.js';
import { hubAgencyNames, SUPERGRAPH_FILE } from '../src/shared/supergraph.js';

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
function callerOf(agency: string, role: Role, jurisdiction: string, purpose: string): Caller {
  return { agency, subject: 'bench', role, jurisdiction, scopes: ['read'], purpose };
}
/** Who asks: a national auditor reads every agency's fields, a city officer looks a phone number up. */
const AUDITOR = callerOf('labour', 'auditor', 'national', 'audit');
const OFFICER = callerOf('labour', 'officer', 'city:VJA', 'grievance');
/** How many of each scenario's answers through the gateway the lower bound's must equal. */
const ANSWERS_CHECKED = 3;

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
  /** CPU time of the serving process over the measured requests, where it was read. */
  cpuMs?: number;
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

/**
 * Two or more ways of sending the same requests, measured in alternating blocks, so that each
 * sees the same load on the machine: a ratio between them then holds even while other work
 * comes and goes. Each block is long enough (several rounds of `concurrency`) to run at full
 * concurrency most of its time.
 */
async function measureSideBySide(sides: [string, (i: number) => Promise<boolean>, number?][], requests: number, concurrency: number): Promise<Timing[]> {
  const timings: Timing[] = sides.map(([name, , pid]) => ({ name, requests, seconds: 0, latencies: [], errors: 0, ...(pid ? { cpuMs: 0 } : {}) }));
  const block = Math.max(25, 8 * concurrency);
  for (let start = 0; start < requests; start += block) {
    const count = Math.min(block, requests - start);
    for (const [k, [, send, pid]] of sides.entries()) {
      const cpuBefore = pid ? cpuMsOf(pid) : 0;
      const part = await measure('', count, concurrency, (i) => send(start + i));
      if (pid) timings[k].cpuMs! += cpuMsOf(pid) - cpuBefore;
      timings[k].seconds += part.seconds;
      timings[k].latencies.push(...part.latencies);
      timings[k].errors += part.errors;
    }
  }
  for (const timing of timings) timing.latencies.sort((a, b) => a - b);
  return timings;
}

/**
 * A process's CPU time so far (user and system, ms), from /proc/<pid>/stat: what a request costs
 * the process that served it, which other work on the machine does not change as it changes
 * latencies. In clock ticks of 10 ms: read over blocks of many requests.
 */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  // After the command: state is field 3, utime 14 and stime 15 (proc(5)), so 11 and 12 here.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}
const CLOCK_TICKS_PER_SECOND = 100;

const pct = (t: Timing, p: number) => t.latencies[Math.min(t.latencies.length - 1, Math.floor((p / 100) * t.latencies.length))];
const row = (t: Timing) => ({
  scenario: t.name,
  // A part of a request (its slowest fetch) has latencies only.
  'req/s': Number.isNaN(t.seconds) ? '' : (t.requests / t.seconds).toFixed(1),
  'p50 ms': pct(t, 50).toFixed(1),
  'p99 ms': pct(t, 99).toFixed(1),
  errors: t.errors,
  'CPU ms/req': t.cpuMs === undefined ? '' : (t.cpuMs / t.requests).toFixed(1),
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

async function callerHeaders(keys: AccessKeys, caller: Caller) {
  const token = await signCallerToken(keys, caller);
  return { authorization: `Bearer ${token}`, 'x-purpose': caller.purpose };
}

/** The gateway's own query plan for `query`, from the composed supergraph. */
function planOf(query: string): PlanNode {
  const supergraph = Supergraph.build(readFileSync(SUPERGRAPH_FILE, 'utf8'));
  const plan = new QueryPlanner(supergraph).buildQueryPlan(operationFromDocument(supergraph.schema, parse(query), {}));
  if (!plan.node || plan.node.kind === 'Subscription') throw new Error(`No plan for ${query}`);
  return plan.node;
}

type Entity = Record<string, any>;

/** The objects at a plan's response path (`@` stands for every item of a list). */
function entitiesAt(data: unknown, path: readonly (string | number)[]): Entity[] {
  let level: unknown[] = [data];
  for (const step of path) {
    level = step === '@' ? level.flatMap((value) => (Array.isArray(value) ? value : [])) : level.map((value) => (value as Entity | null)?.[step]);
  }
  return level.flat().filter((value): value is Entity => !!value && typeof value === 'object');
}

/** What a fetch's `requires` selects from an entity: its representation. */
function pick(entity: Entity, selections: readonly QueryPlanSelectionNode[]): Entity {
  const out: Entity = {};
  for (const selection of selections) {
    if (selection.kind === 'InlineFragment') {
      if (!selection.typeCondition || entity.__typename === selection.typeCondition) Object.assign(out, pick(entity, selection.selections));
      continue;
    }
    const value = entity[selection.name];
    const sub = selection.selections;
    out[selection.name] = sub && value ? (Array.isArray(value) ? value.map((item) => pick(item, sub)) : pick(value, sub)) : value;
  }
  return out;
}

/**
 * A request's plan run straight against the agencies, sealed as the gateway seals, each fetch as
 * the plan orders it (Labour first, then the entity fetches in parallel, each with the
 * representations Labour's answer gives). `slowestPart` collects each request's slowest single
 * fetch.
 */
function criticalPath(plan: PlanNode, urlOf: (agency: string) => string, signer: () => MemberKey, caller: Caller) {
  const fetchOne = async (node: FetchNode, variables: Record<string, unknown>, parts: number[]): Promise<any> => {
    const body = JSON.stringify({ query: node.operation, variables });
    const seal = await sealCall(signer(), { caller, audience: node.serviceName, body, kind: 'graphql' });
    const t0 = performance.now();
    const { data, error } = await answer(urlOf(node.serviceName), { [SEAL_HEADER]: seal }, body);
    if (error) throw new Error(`${node.serviceName} refused the direct fetch: ${error}`);
    parts.push(performance.now() - t0);
    return data;
  };
  const variablesOf = (node: FetchNode, variables: Record<string, unknown>) => Object.fromEntries((node.variableUsages ?? []).map((name) => [name, variables[name]]));
  const run = async (node: PlanNode, data: Entity, variables: Record<string, unknown>, parts: number[]): Promise<void> => {
    if (node.kind === 'Sequence') for (const child of node.nodes) await run(child, data, variables, parts);
    else if (node.kind === 'Parallel') await Promise.all(node.nodes.map((child) => run(child, data, variables, parts)));
    else if (node.kind === 'Fetch') Object.assign(data, await fetchOne(node, variablesOf(node, variables), parts));
    else if (node.kind === 'Flatten') {
      const fetch = node.node;
      if (fetch.kind !== 'Fetch' || !fetch.requires) throw new Error(`Unexpected plan node under Flatten: ${fetch.kind}`);
      const entities = entitiesAt(data, node.path);
      if (!entities.length) return;
      const representations = entities.map((entity) => pick(entity, fetch.requires!));
      const { _entities } = await fetchOne(fetch, { ...variablesOf(fetch, variables), representations }, parts);
      entities.forEach((entity, i) => Object.assign(entity, _entities[i]));
    } else throw new Error(`Unexpected plan node ${node.kind}`);
  };
  const slowestPart: number[] = [];
  const send = async (variables: Record<string, unknown>) => {
    const parts: number[] = [];
    await run(plan, {}, variables, parts);
    slowestPart.push(Math.max(...parts));
    return true;
  };
  return { send, slowestPart };
}

/** A request measured three ways: through the gateway, straight to the agencies, and as one SQL statement. */
interface Scenario {
  name: string;
  query: string;
  caller: Caller;
  /** How many at `--concurrency` in flight (half as many at one). */
  requests: number;
  variables: (i: number) => Record<string, unknown>;
  /** The same answer (the GraphQL `data`) from the lower bound's one database, as column `answer`. */
  sql: string;
  params: (variables: Record<string, unknown>) => unknown[];
}

function scenarios(sample: Sample, requests: number): Scenario[] {
  const pick = (i: number) => sample.workers[i % sample.workers.length];
  return [
    { name: 'worker by id', query: WORKER_BY_ID, caller: AUDITOR, requests, variables: (i) => ({ id: pick(i).id }), sql: LOWER_BOUND.workerById, params: (v) => [v.id] },
    // Every agency's fields for a page of 100 workers: fewer requests, each a hundred times the work.
    { name: '100-worker roster', query: ROSTER, caller: AUDITOR, requests: Math.ceil(requests / 4), variables: (i) => rosterPage(pick(i)), sql: LOWER_BOUND.roster, params: (v) => [v.city, keyOfCursor(v.after as string)] },
    { name: 'phone look-up', query: PHONE, caller: OFFICER, requests, variables: (i) => ({ phone: pick(i).phone }), sql: LOWER_BOUND.phone, params: (v) => [v.phone, citiesOf(OFFICER.jurisdiction)] },
  ];
}

/**
 * A roster page: the 100 workers of a sampled worker's city after that worker, so that pages
 * differ (a thousand workers are sampled) and no engine can answer two requests with one fetch.
 */
const rosterPage = (worker: Sample['workers'][number]) => ({ city: worker.city_code, after: encodeCursor(worker.id) });
/** The worker id a roster cursor names (pagination.ts: `k:` and the key, base64url). */
const keyOfCursor = (cursor: string) => Buffer.from(cursor, 'base64url').toString('utf8').slice(2);

// --- The lower bound: one SQL statement per answer over one database. ------------------------

/** A JSON list, `[]` when empty, as the agencies' loaders answer a key with no rows. */
const jsonList = (from: string, fields: string, order: string) => `coalesce((select json_agg(json_build_object(${fields}) order by ${order}) from ${from}), '[]')`;

/**
 * The worker `w` with WORKER_FIELDS, as a national auditor reads it: the phone masked to its last
 * four digits (only Labour's officers read it in full), lists in the order each agency's loader
 * gives them, city names from Labour's list of cities.
 */
const WORKER_JSON = `json_build_object(
  'id', w.id, 'name', w.name, 'phone', repeat('*', greatest(length(w.phone) - 4, 0)) || right(w.phone, 4), 'occupation', w.occupation,
  'city', json_build_object('code', w.city_code, 'name', coalesce((select c.name from labour.city c where c.code = w.city_code), w.city_code)),
  'ward', json_build_object('code', w.ward_code, 'name', (select d.name from municipal.ward d where d.code = w.ward_code)),
  'socialSecurityEnrolments', ${jsonList('labour.social_security_enrolment e where e.worker_id = w.id', "'scheme', e.scheme, 'status', e.status", 'e.enrolled_on, e.id')},
  'icdsEnrolments', ${jsonList('icds.icds_enrolment e where e.worker_id = w.id', "'beneficiaryType', e.beneficiary_type, 'status', e.status", 'e.enrolled_on, e.id')},
  'drivingLicences', ${jsonList('transport.driving_licence l where l.worker_id = w.id', "'licenceNumber', l.licence_number, 'validUntil', l.valid_until", 'l.issued_on, l.licence_number')},
  'badges', ${jsonList('transport.psv_badge b where b.worker_id = w.id', "'badgeNumber', b.badge_number", 'b.issued_on, b.badge_number')},
  'vehiclePermits', ${jsonList('transport.vehicle_permit p where p.worker_id = w.id', "'permitNumber', p.permit_number", 'p.issued_on, p.permit_number')},
  'vendingCertificates', ${jsonList('municipal.vending_certificate v where v.worker_id = w.id', "'certificateNumber', v.certificate_number", 'v.issued_on, v.certificate_number')},
  'tradeLicences', ${jsonList('municipal.trade_licence t where t.worker_id = w.id', "'licenceNumber', t.licence_number", 't.issued_on, t.licence_number')},
  'cigMemberships', ${jsonList(
    'mepma.cig_membership m join mepma.cig g on g.id = m.cig_id where m.worker_id = w.id',
    "'role', m.role, 'joinedOn', m.joined_on, 'cig', json_build_object('id', g.id, 'name', g.name, 'occupation', g.occupation, 'workLocation', g.work_location)",
    'm.joined_on desc, m.id desc',
  )})`;

const LOWER_BOUND = {
  workerById: `select json_build_object('worker', ${WORKER_JSON}) as answer from labour.worker w where w.id = $1`,
  // The page after the cursor's worker in id order, as Labour pages workers.
  roster: `select json_build_object('workers', json_build_object('edges', ${jsonList('(select * from labour.worker where city_code = $1 and id > $2 order by id limit 100) w', `'node', ${WORKER_JSON}`, 'w.id')})) as answer`,
  // At most 20 matches, within the officer's cities, as Labour's findWorkers answers.
  phone: `select json_build_object('findWorkers', ${jsonList('(select * from labour.worker where phone = $1 and city_code = any($2) order by id limit 20) w', "'id', w.id, 'name', w.name, 'occupation', w.occupation", 'w.id')}) as answer`,
};

/** Each agency's bookkeeping, which no answer reads: not copied. */
const BOOKKEEPING_TABLES = ['mikro_orm_migrations', 'seal_use', 'idempotency_key', 'record_change'];
const COPY_CHUNK_ROWS = 50_000;

/**
 * A throwaway database on the server `adminUrl` names, holding a copy of every agency's tables
 * (a schema per agency, with their indexes, analysed) and Labour's list of cities. PostgreSQL
 * cannot read across databases without an extension, so rows travel through this process as
 * JSON, a chunk at a time.
 */
async function copyAgencyTables(adminUrl: string): Promise<{ url: string; rows: number; seconds: number; drop(): Promise<void> }> {
  const started = performance.now();
  const name = `${databaseName(adminUrl)}_lower_bound_${process.pid}`;
  const admin = new pg.Client({ connectionString: withDatabase(adminUrl, 'postgres') });
  await admin.connect();
  await admin.query(`drop database if exists ${pg.escapeIdentifier(name)}`);
  await admin.query(`create database ${pg.escapeIdentifier(name)}`);
  const drop = async () => {
    await admin.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
    await admin.end();
  };
  const url = withDatabase(adminUrl, name);
  const target = new pg.Client({ connectionString: url });
  let rows = 0;
  try {
    await target.connect();
    const databases = await locateDatabases({ databaseUrl: adminUrl });
    for (const agency of hubAgencyNames()) {
      const source = new pg.Client({ connectionString: databases.urlFor(agency) });
      await source.connect();
      try {
        await target.query(`create schema ${agency}`);
        const { rows: tables } = await source.query<{ name: string }>(
          `select relname as name from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r' and relname <> all($1) order by 1`,
          [BOOKKEEPING_TABLES],
        );
        for (const { name: table } of tables) {
          const { rows: columns } = await source.query<{ name: string; type: string }>(
            `select quote_ident(attname) as name, format_type(atttypid, atttypmod) as type from pg_attribute
             where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum`,
            [`public.${pg.escapeIdentifier(table)}`],
          );
          await target.query(`create table ${agency}.${pg.escapeIdentifier(table)} (${columns.map((c) => `${c.name} ${c.type}`).join(', ')})`);
          // Keyset by ctid: each chunk starts where the last ended, whatever the table's keys.
          for (let after = '(0,0)'; ; ) {
            const { rows: [chunk] } = await source.query<{ rows: string | null; count: number; last: string | null }>(
              `select json_agg(t)::text as rows, count(*)::int as count, max(t.row_ctid)::text as last
               from (select *, ctid as row_ctid from public.${pg.escapeIdentifier(table)} where ctid > $1::tid order by ctid limit ${COPY_CHUNK_ROWS}) t`,
              [after],
            );
            if (!chunk.count) break;
            await target.query(`insert into ${agency}.${pg.escapeIdentifier(table)} select * from json_populate_recordset(null::${agency}.${pg.escapeIdentifier(table)}, $1::json)`, [chunk.rows]);
            rows += chunk.count;
            after = chunk.last!;
          }
        }
        const { rows: indexes } = await source.query<{ definition: string }>(
          `select indexdef as definition from pg_indexes where schemaname = 'public' and tablename <> all($1)`,
          [BOOKKEEPING_TABLES],
        );
        for (const { definition } of indexes) await target.query(definition.replace(' ON public.', ` ON ${agency}.`));
      } finally {
        await source.end();
      }
    }
    await databases.close();
    // City names are Labour's code, not a table: the same list as a table here.
    await target.query('create table labour.city (code text primary key, name text not null)');
    for (const city of CITIES) await target.query('insert into labour.city values ($1, $2)', [city.code, city.name]);
    await target.query('analyze');
  } catch (error) {
    await target.end().catch(() => {});
    await drop();
    throw error;
  }
  await target.end();
  return { url, rows, seconds: (performance.now() - started) / 1000, drop };
}

/** Where two JSON answers first differ (a path), or undefined when they are equal; key order aside. */
function differenceOf(expected: unknown, actual: unknown, at = 'data'): string | undefined {
  if (expected === actual) return undefined;
  if (typeof expected !== 'object' || typeof actual !== 'object' || expected === null || actual === null || Array.isArray(expected) !== Array.isArray(actual)) {
    return `${at}: ${JSON.stringify(expected)} through the gateway, ${JSON.stringify(actual)} from SQL`;
  }
  const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  for (const key of keys) {
    const difference = differenceOf((expected as Entity)[key], (actual as Entity)[key], `${at}.${key}`);
    if (difference) return difference;
  }
  return undefined;
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
  const nationalHeaders = await callerHeaders(keys, callerOf('mepma', 'officer', 'national', 'scheme-enrolment'));
  const national = gatewayClient(url, nationalHeaders);
  const city = gatewayClient(url, await callerHeaders(keys, callerOf('mepma', 'officer', 'city:VJA', 'scheme-enrolment')));
  const crp = gatewayClient(url, await callerHeaders(keys, callerOf('mepma', 'crp', `ward:${sample.ward}`, 'scheme-enrolment')));
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

// --- Engines: the same roster through Hive Gateway (scripts/hive/gateway.ts). ---------------

const HIVE_PLANNERS = ['rust', 'js'] as const;
const HIVE_SCRIPT = path.join(__dirname, 'hive', 'gateway.ts');

/**
 * `scenario` through our gateway and through Hive Gateway with its Rust and its JavaScript
 * planner, each engine in its own process in front of the same subgraph processes, with the
 * same caller, seals and access log. The answers are checked equal first; then the engines are
 * measured in alternating blocks at 1 and at `concurrency` in flight.
 */
async function compareEngines(hub: ProcessHub, scenario: Scenario, concurrency: number, firstPort: number) {
  const rows: ReturnType<typeof row>[] = [];
  const ratios: Record<string, string> = {};
  const supervisor = new Supervisor({ log: (line) => console.log(line), readyTimeoutMs: 120_000 });
  // Hive calls the agencies as the gateway: the gateway's key, trust list and access log.
  const env: Record<string, string> = {
    KEYS_DIR: hub.keysDir,
    TRUST_FILE: trustFilePath(hub.keysDir),
    MEMBER_KEY_FILE: memberKeyFile(hub.keysDir, GATEWAY),
    GATEWAY_DATABASE_URL: hub.databases.get(GATEWAY)!.runtimeUrl,
    HOST: config.host,
    ...Object.fromEntries([...hub.processes].filter(([member]) => member !== GATEWAY).map(([member, managed]) => [`${envName(member)}_SUBGRAPH_URL`, String(managed.announced!.url)])),
  };
  try {
    // Each engine's name, URL and process (whose CPU time per request is read).
    const engines: [string, string, number][] = [['ours (@apollo/gateway)', hub.gatewayUrl, hub.processes.get(GATEWAY)!.pid!]];
    for (const [k, planner] of HIVE_PLANNERS.entries()) {
      const hive = await supervisor.start({ name: `hive-${planner}`, script: HIVE_SCRIPT, env: { ...env, HIVE_PLANNER: planner, PORT: String(firstPort + k) }, execArgv: [`--max-old-space-size=${2 * config.memberHeapMb}`] });
      engines.push([`Hive Gateway, ${planner} planner`, String((await hive.ready()).url), hive.pid!]);
    }
    const headers = await callerHeaders(hub.keys, scenario.caller);
    const body = (i: number) => JSON.stringify({ query: scenario.query, variables: scenario.variables(i) });
    // A comparison counts only if every engine gives the very answers ours gives.
    for (let i = 0; i < ANSWERS_CHECKED; i += 1) {
      const ours = await answer(hub.gatewayUrl, headers, body(i));
      if (ours.error) throw new Error(`${scenario.name} failed through our gateway: ${ours.error}`);
      for (const [name, url] of engines.slice(1)) {
        const theirs = await answer(url, headers, body(i));
        if (theirs.error) throw new Error(`${scenario.name} failed through ${name}: ${theirs.error}`);
        const difference = differenceOf(ours.data, theirs.data);
        if (difference) throw new Error(`${name}'s answer to ${scenario.name} differs from ours at ${difference}`);
      }
    }
    const sides = engines.map(([name, url, pid]): [string, (i: number) => Promise<boolean>, number] => [name, (i) => post(url, headers, body(i)), pid]);
    for (const [, send] of sides) await measure('warm-up', 40, 2, send);
    for (const inFlight of [1, concurrency]) {
      const n = inFlight === 1 ? Math.ceil(scenario.requests / 2) : scenario.requests;
      const [ours, ...hives] = await measureSideBySide(sides.map(([name, send, pid]) => [`${scenario.name}, ${name} (${inFlight} in flight)`, send, pid]), n, inFlight);
      rows.push(row(ours), ...hives.map(row));
      for (const [k, hive] of hives.entries()) {
        const label = `${scenario.name}: Hive Gateway ${HIVE_PLANNERS[k]} planner ÷ ours, ${inFlight} in flight`;
        ratios[`${label}, req/s`] = (ours.seconds / hive.seconds).toFixed(2);
        ratios[`${label}, p50`] = (pct(hive, 50) / pct(ours, 50)).toFixed(2);
        ratios[`${label}, engine CPU per request`] = (hive.cpuMs! / ours.cpuMs!).toFixed(2);
      }
    }
    ratios[`engines: answers checked against ours`] = `${ANSWERS_CHECKED} ${scenario.name} pages per engine, all equal`;
  } finally {
    await supervisor.stop();
  }
  return { rows, ratios };
}

async function main() {
  const requests = option('requests', 400);
  const concurrency = option('concurrency', 8);
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`Load average at start: ${load()} (${os.cpus().length} cores)`);
  const rows: ReturnType<typeof row>[] = [];
  const ratios: Record<string, string> = {};

  // The lower bound's copy is made first, so that its statements run beside the hub's requests,
  // under the same load; making it loads the machine for a few seconds, before anything is timed.
  if (flag('lower-bound') && !config.databaseUrl) throw new Error('--lower-bound needs DATABASE_URL (an administrator of the server holding every agency database).');
  const loadBeforeCopy = load();
  const copy = flag('lower-bound') ? await copyAgencyTables(config.databaseUrl!) : undefined;
  const pool = copy && new pg.Pool({ connectionString: copy.url, max: concurrency });
  // Dropping the copy ends any connection still open: that is no failure of the bench.
  pool?.on('error', () => {});
  if (copy) ratios['lower bound: copy of every agency table'] = `${copy.rows.toLocaleString('en-IN')} rows in ${copy.seconds.toFixed(1)} s (load ${loadBeforeCopy} before)`;
  const portBase = option('port-base', 4600);

  // --- Every member in its own process, as `npm start` runs the hub. -------------------------
  const keysDir = mkdtempSync(path.join(os.tmpdir(), 'worker-graph-bench-keys-'));
  // One caller sends every request: the rate limits (which rate-limit.test.ts measures) are off here.
  const dropCopy = async () => {
    await pool?.end();
    await copy?.drop();
  };
  const hub = await startProcessHub({ demo: false, keysDir, port: (member) => portBase + memberNames().indexOf(member), env: NO_RATE_LIMITS }).catch(async (error: unknown) => {
    await dropCopy();
    throw error;
  });
  let sample: Sample;
  try {
    sample = await sampleWorkers(hub.databases.get('labour')!.ownerUrl);
    console.log(`${sample.count.toLocaleString('en-IN')} workers; ${requests} requests per scenario, ${concurrency} at a time unless said.\n`);
    const gatewayKey = await memberKeyFromJwk('gateway', JSON.parse(readFileSync(memberKeyFile(keysDir, 'gateway'), 'utf8')));
    const urlOf = (agency: string) => String(hub.processes.get(agency)!.announced!.url);

    for (const scenario of scenarios(sample, requests)) {
      const headers = await callerHeaders(hub.keys, scenario.caller);
      const viaGateway = (i: number) => post(hub.gatewayUrl, headers, JSON.stringify({ query: scenario.query, variables: scenario.variables(i) }));
      const direct = criticalPath(planOf(scenario.query), urlOf, () => gatewayKey, scenario.caller);
      const viaDirect = (i: number) => direct.send(scenario.variables(i));
      const sides: [string, (i: number) => Promise<boolean>][] = [['gateway', viaGateway], ['critical path direct', viaDirect]];
      if (pool) {
        const sql = (i: number) => pool.query(scenario.sql, scenario.params(scenario.variables(i))).then(({ rows: [first] }) => first.answer as unknown);
        // The lower bound counts only if it gives the very answers the gateway gives.
        for (let i = 0; i < ANSWERS_CHECKED; i += 1) {
          const { data, error } = await answer(hub.gatewayUrl, headers, JSON.stringify({ query: scenario.query, variables: scenario.variables(i) }));
          if (error) throw new Error(`${scenario.name} failed through the gateway: ${error}`);
          const difference = differenceOf(data, await sql(i));
          if (difference) throw new Error(`The lower bound's answer to ${scenario.name} differs from the gateway's at ${difference}`);
        }
        sides.push(['lower bound: one SQL statement', (i) => sql(i).then(() => true)]);
      }
      // Warm-up: JIT, connection pools, planner caches.
      for (const [, send] of sides) await measure('warm-up', 40, 2, send);

      for (const inFlight of [1, concurrency]) {
        const n = inFlight === 1 ? Math.ceil(scenario.requests / 2) : scenario.requests;
        direct.slowestPart.length = 0;
        const [through, critical, lower] = await measureSideBySide(
          sides.map(([name, send]) => [`${scenario.name}, ${name} (${inFlight} in flight)`, send]),
          n,
          inFlight,
        );
        const slowest: Timing = { name: `${scenario.name}, slowest part direct (${inFlight} in flight)`, requests: n, seconds: NaN, latencies: [...direct.slowestPart].sort((a, b) => a - b), errors: 0 };
        rows.push(row(through), row(critical), row(slowest), ...(lower ? [row(lower)] : []));
        const ratio = (name: string, value: number) => (ratios[`${scenario.name}: ${name}, ${inFlight} in flight`] = value.toFixed(2));
        ratio('gateway ÷ critical path, p50', pct(through, 50) / pct(critical, 50));
        ratio('gateway ÷ slowest part, p50', pct(through, 50) / pct(slowest, 50));
        if (lower) {
          ratio('gateway ÷ lower bound, p50', pct(through, 50) / pct(lower, 50));
          ratio('lower bound ÷ gateway, req/s', through.seconds / lower.seconds);
        }
        if (scenario.name === 'worker by id' && inFlight === concurrency) ratios['separate processes, worker by id, req/s'] = (n / through.seconds).toFixed(1);
      }
    }
    if (copy) ratios['lower bound: answers checked against the gateway'] = `${ANSWERS_CHECKED} per scenario, all equal`;

    if (!flag('skip-engines')) {
      const roster = scenarios(sample, requests).find((scenario) => scenario.name === '100-worker roster')!;
      const engines = await compareEngines(hub, roster, concurrency, portBase + memberNames().length);
      rows.push(...engines.rows);
      Object.assign(ratios, engines.ratios);
    }

    if (!flag('skip-reports')) {
      const nationalAnalyst = gatewayClient(hub.gatewayUrl, await callerHeaders(hub.keys, callerOf('mepma', 'analyst', 'national', 'statistics')));
      const cityAnalyst = gatewayClient(hub.gatewayUrl, await callerHeaders(hub.keys, callerOf('mepma', 'analyst', 'city:VJA', 'statistics')));
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
    await dropCopy();
  }

  // --- The same scenarios with the whole hub in one process. ---------------------------------
  if (!flag('skip-single-process')) {
    const keys = await generateAccessKeys();
    const stack = await startStack({ demo: false, gatewayPort: 0, subgraphPorts: () => 0, auditPort: 0, reportsPort: 0, keys, rateLimits: {} });
    try {
      const sends = await Promise.all(
        scenarios(sample!, requests).map(async (scenario) => {
          const headers = await callerHeaders(keys, scenario.caller);
          return { scenario, send: (i: number) => post(stack.gatewayUrl, headers, JSON.stringify({ query: scenario.query, variables: scenario.variables(i) })) };
        }),
      );
      for (const { send } of sends) await measure('warm-up', 40, 2, send);
      for (const { scenario, send } of sends) {
        const timing = await measure(`${scenario.name} (one process, ${concurrency} in flight)`, scenario.requests, concurrency, send);
        rows.push(row(timing));
        if (scenario.name === 'worker by id') ratios['one process, worker by id, req/s'] = (scenario.requests / timing.seconds).toFixed(1);
      }
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
