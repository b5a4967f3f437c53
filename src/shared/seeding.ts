import type { EntityManager } from '@mikro-orm/postgresql';
import { DemoPopulation } from './demo/population.js';
import { pauseHistory } from './history.js';
import { CHANGE_CHANNEL } from './statistics-cache.js';
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
    const tables = agency.entities.map((schema) => tx.getMetadata().get(schema.meta.className).tableName);
    await inBulk(tx as EntityManager, tables, () => agency.seed(tx as EntityManager, new DemoPopulation(demo.seed, demo.workers), progress));
  });
  // Planner statistics for the tables just filled: until autovacuum gets to them, PostgreSQL
  // plans as if they were empty (a nested loop over 400,000 savings deposits took minutes).
  await em.getConnection().execute('analyze');
  // The history was off, so no change notice went out: report answers kept from before the load are retired.
  await em.getConnection().execute(`notify ${CHANGE_CHANNEL}`);
  return Date.now() - started;
}

/**
 * Runs a bulk load into empty `tables` without the work PostgreSQL would do for each row and
 * can do once for all of them afterwards: the history triggers are switched off (paused, they
 * still ran for every row only to return), and the secondary indexes and foreign keys are
 * dropped, then made again from their own definitions (one sort per index and one join per key
 * instead of a look-up per row). The primary keys and unique constraints stay. All of it is part
 * of the load's transaction, so a failed load leaves the schema as it was.
 */
async function inBulk(tx: EntityManager, tables: string[], load: () => Promise<void>): Promise<void> {
  const ours = <T extends { relname: string }>(rows: T[]) => rows.filter((row) => tables.includes(row.relname));
  const triggers = ours(await tx.execute<{ relname: string; table: string; name: string }[]>(
    `select relname, tgrelid::regclass::text as table, quote_ident(tgname) as name
       from pg_trigger join pg_class on pg_class.oid = tgrelid
      where not tgisinternal and tgenabled <> 'D' and relnamespace = 'public'::regnamespace
      order by relname, tgname`,
  ));
  const foreignKeys = ours(await tx.execute<{ relname: string; table: string; name: string; definition: string }[]>(
    `select relname, conrelid::regclass::text as table, quote_ident(conname) as name, pg_get_constraintdef(pg_constraint.oid) as definition
       from pg_constraint join pg_class on pg_class.oid = conrelid
      where contype = 'f' and connamespace = 'public'::regnamespace
      order by relname, conname`,
  ));
  // Indexes no constraint stands on: a primary key's, a unique constraint's, one a foreign key references.
  const indexes = ours(await tx.execute<{ relname: string; name: string; definition: string }[]>(
    `select relname, indexrelid::regclass::text as name, pg_get_indexdef(indexrelid) as definition
       from pg_index join pg_class on pg_class.oid = indrelid
      where relnamespace = 'public'::regnamespace
        and not exists (select from pg_constraint where conindid = indexrelid)
      order by relname, name`,
  ));

  for (const { table, name } of triggers) await tx.execute(`alter table ${table} disable trigger ${name}`);
  for (const { table, name } of foreignKeys) await tx.execute(`alter table ${table} drop constraint ${name}`);
  for (const { name } of indexes) await tx.execute(`drop index ${name}`);
  await load();
  // Room to sort an index of a million rows in memory.
  await tx.execute(`set local maintenance_work_mem = '256MB'`);
  for (const { definition } of indexes) await tx.execute(definition);
  for (const { table, name, definition } of foreignKeys) await tx.execute(`alter table ${table} add constraint ${name} ${definition}`);
  for (const { table, name } of triggers) await tx.execute(`alter table ${table} enable trigger ${name}`);
}
