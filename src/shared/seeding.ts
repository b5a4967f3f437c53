import type { EntityManager } from '@mikro-orm/postgresql';
import { DemoPopulation } from './demo/population.js';
import { pauseHistory } from './history.js';
import type { AgencySubgraph } from './subgraph.js';

export interface DemoSize {
  seed: number;
  workers: number;
}

/**
 * Loads one agency's share of the demo population in a single transaction: a load that fails
 * half-way leaves the database empty, and the next start simply tries again. The change history
 * is paused for it: imported records say where they came from in their `source`.
 */
export async function seedAgency(
  agency: AgencySubgraph<any>,
  em: EntityManager,
  demo: DemoSize,
  progress?: (done: number) => void,
): Promise<number> {
  const started = Date.now();
  await em.transactional(async (tx) => {
    await pauseHistory(tx as EntityManager);
    await agency.seed(tx as EntityManager, new DemoPopulation(demo.seed, demo.workers), progress);
  });
  // Planner statistics for the tables just filled: until autovacuum gets to them, PostgreSQL
  // plans as if they were empty (a nested loop over 400,000 savings deposits took minutes).
  await em.getConnection().execute('analyze');
  return Date.now() - started;
}
