/** Where a statistical question is sent, and which questions an agency takes. */
import { badInput } from './errors.js';
import type { FactDeclaration } from './facts.js';
import { parseIsoDate } from './scalars.js';
import type { AgencyStatistics, StatisticsRequest } from './statistics.js';

export const STATISTICS_PATH = '/statistics';

/** The most workers one fact question may name: a page of a worklist or a batch of the graph's. */
const MAX_FACT_WORKERS = 1000;
const WORKER_ID = /^W-\d{7}$/;

/**
 * The request in `raw`, when it asks only for what this agency answers (its worker sets, tables
 * and declared facts) as of a valid day; otherwise BAD_USER_INPUT naming what is wrong.
 */
export function parseStatisticsRequest(raw: string, statistics: AgencyStatistics, facts: FactDeclaration[]): StatisticsRequest {
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
