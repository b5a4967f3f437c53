/**
 * The agency's side of the statistics protocol: `POST /statistics` on its subgraph server, which
 * answers the reports service's questions about the agency's own records.
 */
import type http from 'node:http';
import type { EntityManager } from '@mikro-orm/postgresql';
import { GraphQLError } from 'graphql';
import { requireScope } from './access/caller.js';
import { openSeal, SEAL_HEADER, type SealReceiver } from './access/seal.js';
import { badInput, describeForLog, ErrorCode, httpStatusOf } from './errors.js';
import { encodedFact, mayUseFact, type FactDeclaration, type FactScope } from './facts.js';
import type { ExtraRoute } from './http-server.js';
import { StatisticsCache } from './statistics-cache.js';
import { parseStatisticsRequest, STATISTICS_PATH } from './statistics-request.js';
import type { AgencyStatistics, SqlQuery, StatisticsScope } from './statistics.js';
import { encodeJoinedWorkers } from './worker-sets.js';

const MAX_BODY_BYTES = 100_000;

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
      const request = parseStatisticsRequest(raw, options.statistics, options.facts ?? []);
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
      const denied = [...new Set(asked.filter((fact) => !usable.includes(fact)).map((fact) => fact.name))];
      const answeredFacts = request.facts ? { usable: usable.map((fact, i): [string, string] => [fact.name, facts[i]]), denied } : undefined;
      sendJson(res, 200, answerText(names.map((name, i) => [name, sets[i]]), tables, answeredFacts));
    } catch (error) {
      if (!isCodedError(error)) console.error(`[${options.agency}] statistics failed`, describeForLog(error));
      const { status, body } = errorAnswer(error);
      sendJson(res, status, JSON.stringify(body));
    }
    return true;
  };
}

/**
 * The answer (a StatisticsAnswer) put together from answers that are JSON text already, so that
 * none is parsed and written again. `facts` only when facts were asked.
 */
export function answerText(sets: [name: string, json: string][], tables: string[], facts?: { usable: [name: string, json: string][]; denied: string[] }): string {
  const parts = [`"sets":{${sets.map(([name, json]) => `${JSON.stringify(name)}:${json}`).join(',')}}`, `"tables":[${tables.join(',')}]`];
  if (facts) {
    parts.push(`"facts":{${facts.usable.map(([name, json]) => `${JSON.stringify(name)}:${json}`).join(',')}}`, `"deniedFacts":${JSON.stringify(facts.denied)}`);
  }
  return `{${parts.join(',')}}`;
}

function isCodedError(error: unknown): error is GraphQLError {
  return error instanceof GraphQLError && typeof error.extensions.code === 'string';
}

/** How a failed question is answered: a coded error as it is, anything else as an internal error that says nothing more. */
export function errorAnswer(error: unknown): { status: number; body: { errors: { message: string; extensions: Record<string, unknown> }[] } } {
  const known = isCodedError(error);
  const code = known ? String(error.extensions.code) : ErrorCode.INTERNAL_SERVER_ERROR;
  const reason = known ? error.extensions.reason : undefined;
  return {
    status: httpStatusOf(code),
    body: { errors: [{ message: known ? error.message : 'Internal server error', extensions: { code, ...(reason ? { reason } : {}) } }] },
  };
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

function sendJson(res: http.ServerResponse, status: number, json: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(json);
}
