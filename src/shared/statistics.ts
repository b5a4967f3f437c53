/**
 * Statistical questions an agency answers about its own records, for the hub's reports
 * (subgraphs/reports). A figure that spans agencies, such as "street vendors with a valid vending
 * certificate, by ward", joins what Labour knows (who is a vendor, in which ward) with what
 * Municipal knows (who holds a certificate). Instead of copying records, each agency answers with
 * the *set* of workers its records cover, as a compressed bitmap over worker numbers
 * (src/shared/worker-sets.ts: a million workers in about 130 KB), and the report service
 * intersects and counts the sets in memory. Each agency applies the caller's jurisdiction to its
 * own records before answering, and the report service keeps nothing once the report is counted.
 * An agency keeps its own answers until its records change (src/shared/statistics-cache.ts).
 *
 * Every answer names its records (worker numbers; for documents, their numbers), never bare
 * counts: the report service perturbs each count by the keys of the records in it (the cell-key
 * method, src/shared/cell-key.ts), with a secret no agency holds.
 *
 * The questions travel over plain HTTP (`POST /statistics`), not the public graph: they carry
 * person-level sets, so only the reports service may ask them (a `statistics` seal, which an agency
 * accepts from no other member), as the caller, and they never reach a client.
 */
import { createHash } from 'node:crypto';
import type http from 'node:http';
import type { EntityManager } from '@mikro-orm/postgresql';
import { GraphQLError } from 'graphql';
import { requireScope, type Caller } from './access/caller.js';
import { openSeal, SEAL_HEADER, sealCall, type MemberKey, type SealReceiver } from './access/seal.js';
import { config } from './config.js';
import { badInput, codedError, describeForLog, ErrorCode, httpStatusOf, subgraphUnavailable } from './errors.js';
import type { ExtraRoute } from './http-server.js';
import { parseIsoDate } from './scalars.js';
import { encodedFact, mayUseFact, type EncodedFact, type FactDeclaration, type FactQuery, type FactScope } from './facts.js';
import { StatisticsCache } from './statistics-cache.js';
import { decodeWorkers, encodeJoinedWorkers, type WorkerBitmap } from './worker-sets.js';

export const STATISTICS_PATH = '/statistics';
const MAX_BODY_BYTES = 100_000;

export interface StatisticsScope {
  em: EntityManager;
  caller: Caller;
  /** The day the report describes; every agency answers for the same day. */
  asOf: string;
}

/** SQL with `?` placeholders and their values. */
export interface SqlQuery {
  sql: string;
  params: unknown[];
}

/** What an agency can be asked. Each answer covers only records within the caller's jurisdiction. */
export interface AgencyStatistics {
  /**
   * Named sets of workers, each a query selecting a `worker_id` column (duplicates allowed: a
   * set holds each worker once, so no DISTINCT is needed).
   */
  workerSets: Record<string, (scope: StatisticsScope) => SqlQuery>;
  /**
   * Named tables, each row one cell with its records (worker or document numbers), which the
   * report service counts and perturbs; the agency validates the parameters (BAD_USER_INPUT).
   */
  tables: Record<string, (scope: StatisticsScope, params: Record<string, unknown>) => Promise<unknown[]>>;
  /**
   * The facts this agency publishes for the scheme rules (src/shared/facts.ts), one query each,
   * named as the fields of `Worker.<agency>Facts` in its schema (checked at start-up).
   */
  facts?: Record<string, FactQuery>;
}

export interface StatisticsRequest {
  asOf: string;
  sets?: string[];
  tables?: { name: string; params?: Record<string, unknown> }[];
  /** Facts by name, for the listed workers (ids) or for every worker of the agency's records. */
  facts?: { names: string[]; workers?: string[] };
}

export interface StatisticsAnswer {
  /** Sets of workers by name, encoded (src/shared/worker-sets.ts `decodeWorkers`). */
  sets: Record<string, string>;
  /** One answer per requested table, in request order. */
  tables: unknown[][];
  /** Each asked fact the caller may use, encoded (src/shared/facts.ts `decodeFact`). */
  facts?: Record<string, EncodedFact>;
  /** Asked facts the agency's policy does not let this caller use: answered by name only. */
  deniedFacts?: string[];
  /**
   * Set by the asking side (`askAgency`): the SHA-256 of the answer's text, so that a result
   * worked out from the same answers can be recognised (subgraphs/reports/memo.ts).
   */
  digest?: string;
}

/**
 * Runs a worker-set query and returns the set, encoded. PostgreSQL joins the numbers into one
 * text value: at a million workers one row to parse instead of a million.
 */
async function encodedWorkerSet(em: EntityManager, query: SqlQuery): Promise<string> {
  const [row] = await em.getConnection().execute<{ numbers: string | null }[]>(
    `select string_agg(substr(worker_id, 3), ',') as numbers from (${query.sql}) workers`,
    query.params,
  );
  return encodeJoinedWorkers(row.numbers);
}

// ---- The agency's side ------------------------------------------------------------------------

/**
 * `POST /statistics` on an agency's subgraph server: a `statistics` seal addressed to this agency,
 * bound to this body and used once, for callers with the read scope.
 */
export function statisticsRoute(options: {
  agency: string;
  statistics: AgencyStatistics;
  seals: SealReceiver;
  em: () => EntityManager;
  /** The facts the agency's schema declares, with their policies (src/shared/facts.ts). */
  facts?: FactDeclaration[];
  /** Answers already worked out, until the agency's records change; none: always afresh. */
  cache?: StatisticsCache;
}): ExtraRoute {
  const cache = options.cache ?? new StatisticsCache(null, 0);
  return async (req, res) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== STATISTICS_PATH) return false;
    try {
      if (req.method !== 'POST') throw badInput('Statistics are asked with POST.');
      const raw = await readSmallBody(req);
      const { caller } = await openSeal(options.seals, req.headers[SEAL_HEADER], raw, ['statistics']);
      requireScope(caller, 'read');
      const request = parseRequest(raw, options.statistics, options.facts ?? []);
      // Each question on its own connection, in parallel: they are independent reads. Each answer
      // is JSON text, kept as it is sent, so a kept answer costs no work at all.
      const scope = (): StatisticsScope => ({ em: options.em(), caller, asOf: request.asOf });
      const answer = (question: unknown, work: () => Promise<string>) => cache.answer(StatisticsCache.key(caller, request.asOf, question), work);
      const names = [...new Set(request.sets ?? [])];
      const asked = (request.facts?.names ?? []).map((name) => (options.facts ?? []).find((fact) => fact.name === name)!);
      const usable = [...new Set(asked)].filter((fact) => mayUseFact(fact, caller));
      const workers = request.facts?.workers;
      const [sets, tables, facts] = await Promise.all([
        Promise.all(names.map((name) => answer(['set', name], async () => {
          const own = scope();
          return JSON.stringify(await encodedWorkerSet(own.em, options.statistics.workerSets[name](own)));
        }))),
        Promise.all((request.tables ?? []).map((table) => answer(['table', table.name, table.params ?? {}], async () =>
          JSON.stringify(await options.statistics.tables[table.name](scope(), table.params ?? {}))))),
        Promise.all(usable.map((fact) => {
          const work = async () => {
            const own: FactScope = { ...scope(), workers };
            return JSON.stringify(await encodedFact(own.em, fact, options.statistics.facts![fact.name](own)));
          };
          // A question about named workers (a page of a worklist) is small: asked afresh.
          return workers ? work() : answer(['fact', fact.name], work);
        })),
      ]);
      const parts = [
        `"sets":{${names.map((name, i) => `${JSON.stringify(name)}:${sets[i]}`).join(',')}}`,
        `"tables":[${tables.join(',')}]`,
      ];
      if (request.facts) {
        const denied = [...new Set(asked.filter((fact) => !usable.includes(fact)).map((fact) => fact.name))];
        parts.push(`"facts":{${usable.map((fact, i) => `${JSON.stringify(fact.name)}:${facts[i]}`).join(',')}}`, `"deniedFacts":${JSON.stringify(denied)}`);
      }
      sendJson(res, 200, `{${parts.join(',')}}`);
    } catch (error) {
      const known = error instanceof GraphQLError && typeof error.extensions.code === 'string';
      if (!known) console.error(`[${options.agency}] statistics failed`, describeForLog(error));
      const code = known ? String(error.extensions.code) : ErrorCode.INTERNAL_SERVER_ERROR;
      const status = httpStatusOf(code);
      const reason = known ? error.extensions.reason : undefined;
      send(res, status, { errors: [{ message: known ? error.message : 'Internal server error', extensions: { code, ...(reason ? { reason } : {}) } }] });
    }
    return true;
  };
}

/** The most workers one fact question may name: a page of a worklist or a batch of the graph's. */
const MAX_FACT_WORKERS = 1000;
const WORKER_ID = /^W-\d{7}$/;

function parseRequest(raw: string, statistics: AgencyStatistics, facts: FactDeclaration[]): StatisticsRequest {
  let body: StatisticsRequest;
  try {
    body = JSON.parse(raw) as StatisticsRequest;
  } catch {
    throw badInput('The statistics request is not JSON.');
  }
  parseIsoDate(body.asOf);
  for (const name of body.sets ?? []) {
    if (!Object.hasOwn(statistics.workerSets, name)) throw badInput(`No worker set named ${name}.`, 'sets');
  }
  for (const table of body.tables ?? []) {
    if (!Object.hasOwn(statistics.tables, table?.name)) throw badInput(`No table named ${table?.name}.`, 'tables');
  }
  if (body.facts !== undefined) {
    const { names, workers } = body.facts ?? {};
    if (!Array.isArray(names)) throw badInput('facts.names must be a list of fact names.', 'facts');
    for (const name of names) {
      if (!facts.some((fact) => fact.name === name)) throw badInput(`No fact named ${String(name)}.`, 'facts');
    }
    if (workers !== undefined) {
      if (!Array.isArray(workers) || workers.length > MAX_FACT_WORKERS || !workers.every((id) => typeof id === 'string' && WORKER_ID.test(id))) {
        throw badInput(`facts.workers must be at most ${MAX_FACT_WORKERS} worker ids such as W-0000042.`, 'facts');
      }
    }
  }
  return body;
}

function readSmallBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(badInput('The statistics request is too large.'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  sendJson(res, status, JSON.stringify(body));
}

function sendJson(res: http.ServerResponse, status: number, json: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(json);
}

// ---- The asking side --------------------------------------------------------------------------

/**
 * Asks one agency, as `caller`, sealed by `signer` (the reports service). An agency that cannot
 * answer fails the report with SUBGRAPH_UNAVAILABLE naming it; its refusals (FORBIDDEN,
 * BAD_USER_INPUT) pass through.
 */
export async function askAgency(options: {
  agency: string;
  url: string;
  signer: MemberKey;
  caller: Caller;
  request: StatisticsRequest;
}): Promise<StatisticsAnswer> {
  const body = JSON.stringify(options.request);
  const endpoint = new URL(STATISTICS_PATH, options.url);
  const deadline = AbortSignal.timeout(config.reportTimeoutMs);
  const send = async () =>
    fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        // A fresh seal each time: a seal works once.
        [SEAL_HEADER]: await sealCall(options.signer, { caller: options.caller, audience: options.agency, body, kind: 'statistics' }),
      },
      body,
      signal: deadline,
    });
  let response: Response;
  let answer: StatisticsAnswer & { errors?: { message: string; extensions: { code: string } }[] };
  try {
    try {
      response = await send();
    } catch (error) {
      // A kept-alive connection the agency closed as the question went out (its idle timeout,
      // while this process was busy counting): the question never arrived, so it is asked again.
      if (!isClosedConnection(error)) throw error;
      response = await send();
    }
    const text = await response.text();
    answer = JSON.parse(text) as typeof answer;
    answer.digest = createHash('sha256').update(text).digest('base64url');
  } catch {
    throw subgraphUnavailable(options.agency, `${options.agency} did not answer the report's question`);
  }
  const refusal = answer.errors?.[0];
  if (refusal && ([ErrorCode.FORBIDDEN, ErrorCode.BAD_USER_INPUT] as string[]).includes(refusal.extensions.code)) {
    throw codedError(refusal.extensions.code as ErrorCode, `${options.agency}: ${refusal.message}`);
  }
  if (!response.ok || refusal) throw subgraphUnavailable(options.agency, `${options.agency} could not answer the report's question`);
  return answer;
}

/** undici's failure for a connection the other side closed before answering. */
function isClosedConnection(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } })?.cause;
  return error instanceof TypeError && (cause?.code === 'UND_ERR_SOCKET' || cause?.code === 'ECONNRESET');
}

// ---- Shared table shapes ----------------------------------------------------------------------

/** One row of Labour's `workerCells` table: the registered workers of one city × ward × occupation. */
export interface WorkerCell {
  city: string;
  ward: string;
  occupation: string;
  /** Their worker numbers (W-0000042 is 42). */
  workers: WorkerBitmap;
}

/** A `WorkerCell` on the wire: its workers encoded (src/shared/worker-sets.ts). */
export type WorkerCellAnswer = Omit<WorkerCell, 'workers'> & { workers: string };

/** Labour's cells as the reports read them. */
export function decodeWorkerCells(rows: unknown[]): WorkerCell[] {
  return (rows as WorkerCellAnswer[]).map((row) => ({ city: row.city, ward: row.ward, occupation: row.occupation, workers: decodeWorkers(row.workers) }));
}

/** One row of an agency's `expiring` table: the documents of one kind, place and week of expiry. */
export interface ExpiringDocuments {
  document: string;
  /** Null for a document of a place the hub does not know (seen by national callers only). */
  city: string | null;
  /** The Monday of the week the documents run out. */
  week: string;
  /** The documents' numbers, each a record the report service keys (src/shared/cell-key.ts). */
  numbers: string[];
}

/** One row of MEPMA's `cigFormation` table: the CIGs of one group and their active members. */
export interface CigFormationCell {
  month?: string;
  city?: string;
  ward?: string;
  occupation?: string;
  workLocationKind?: string;
  /** CIGs formed (groups, not people: published as they are). */
  cigs: number;
  /** Worker numbers of their active members (W-0000042 is 42). */
  members: number[];
}

/**
 * The parameters of an `expiring` table: documents valid on `from` that run out by `to`, of the
 * asked kinds this agency issues (all of `kinds` when none are named).
 */
export function expiryWindow(params: Record<string, unknown>, kinds: readonly string[]): { from: string; to: string; documents: string[] } {
  const from = parseIsoDate(params.from);
  const to = parseIsoDate(params.to);
  if (to < from) throw badInput(`The window ends (${to}) before it starts (${from}).`, 'to');
  const asked = Array.isArray(params.documents) ? (params.documents as string[]) : [...kinds];
  return { from, to, documents: kinds.filter((kind) => asked.includes(kind)) };
}

/** SQL for the Monday of the week of a date column, as `YYYY-MM-DD`. */
export const weekOf = (column: string) => `to_char(date_trunc('week', ${column}), 'YYYY-MM-DD')`;
