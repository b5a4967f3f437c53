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
 *
 * This file is the protocol's entry: the questions and answers, below; where a question goes and
 * which are valid (statistics-request.ts); the agency's route that answers them
 * (statistics-route.ts); the reports service's client that asks them (statistics-client.ts); and
 * the shapes of tables both sides read (statistics-tables.ts).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Caller } from './access/caller.js';
import type { EncodedFact, FactQuery } from './facts.js';

export { STATISTICS_PATH } from './statistics-request.js';
export { statisticsRoute } from './statistics-route.js';
export { askAgency } from './statistics-client.js';
export { decodeWorkerCells, expiryWindow, weekOf, type CigFormationCell, type ExpiringDocuments, type WorkerCell, type WorkerCellAnswer } from './statistics-tables.js';

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
