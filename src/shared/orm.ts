import { DefaultLogger, type LogContext, type LoggerOptions } from '@mikro-orm/core';
import { MikroORM, type EntityManager, type EntitySchema } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { MigrationObject } from '@mikro-orm/core';
import { ensureDatabase } from './database.js';
import { grantRuntimePrivileges, type MemberDatabase } from './database-roles.js';

/**
 * Counts the SQL statements an agency's ORM sends. Benchmarks report statements per request and
 * a test holds a roster query to one statement per table, so N+1 shows up as a number.
 */
export class SqlLog {
  count = 0;
  /** The most recent statements, newest last; bounded so a long-running server does not grow. */
  readonly recent: string[] = [];
  private static readonly KEEP = 500;

  record(query: string): void {
    this.count += 1;
    this.recent.push(query);
    if (this.recent.length > SqlLog.KEEP) this.recent.shift();
  }

  reset(): void {
    this.count = 0;
    this.recent.length = 0;
  }
}

class CountingLogger extends DefaultLogger {
  constructor(options: LoggerOptions, private readonly sqlLog: SqlLog) {
    super(options);
  }

  override logQuery(context: { query: string } & LogContext): void {
    // Transaction control is not a data access; counting it would punish writes for being atomic.
    if (!/^(begin|commit|rollback|savepoint|release)/i.test(context.query.trim())) this.sqlLog.record(context.query);
    super.logQuery(context);
  }
}

export interface AgencyOrm {
  orm: MikroORM;
  sqlLog: SqlLog;
}

/** MikroORM's own bookkeeping: the service may read which migrations ran, never record one. */
const MIGRATIONS_TABLE = 'mikro_orm_migrations';

interface AgencyOrmOptions {
  entities: EntitySchema<any, any>[];
  migrations: MigrationObject[];
  poolSize?: number;
  /**
   * Tables the service may only read and add to (with a MemberDatabase); tables that do not
   * exist are skipped. Every agency keeps its change history in `record_change`.
   */
  appendOnly?: string[];
  /**
   * Maintenance that runs as the owner, after the migrations and before the service opens: the
   * demo load (it pauses the change history, resets sequences and analyses the tables, none of
   * which the runtime role may do).
   */
  asOwner?: (em: EntityManager) => Promise<void>;
}

/**
 * Opens one agency's own database and brings its schema up to date. With one URL (`database`, or
 * `url` as callers before roles say) that role does everything and the database is created if
 * needed. With a MemberDatabase the migrations run as the owner, which then grants the runtime
 * role what the service needs, and the ORM returned connects as the runtime role.
 */
export async function openAgencyOrm(
  options: AgencyOrmOptions & ({ database: MemberDatabase | string } | { url: string }),
): Promise<AgencyOrm> {
  const database = 'database' in options ? options.database : options.url;
  const sqlLog = new SqlLog();
  if (typeof database === 'string') {
    await ensureDatabase(database);
    const orm = await initOrm(database, options, sqlLog);
    try {
      await orm.getMigrator().up();
      await options.asOwner?.(orm.em.fork() as EntityManager);
    } catch (error) {
      await orm.close();
      throw error;
    }
    return { orm, sqlLog };
  }
  // A demo load uses more than one connection at a time (sequences are set beside its transaction).
  const migrating = await initOrm(database.ownerUrl, { ...options, poolSize: options.asOwner ? 4 : 1 }, sqlLog);
  try {
    await migrating.getMigrator().up();
    await options.asOwner?.(migrating.em.fork() as EntityManager);
  } finally {
    await migrating.close();
  }
  await grantRuntimePrivileges(database, { appendOnly: options.appendOnly ?? ['record_change'], readOnly: [MIGRATIONS_TABLE] });
  return { orm: await initOrm(database.runtimeUrl, options, sqlLog), sqlLog };
}

function initOrm(url: string, options: AgencyOrmOptions, sqlLog: SqlLog): Promise<MikroORM> {
  return MikroORM.init({
    clientUrl: url,
    entities: options.entities,
    extensions: [Migrator],
    migrations: { migrationsList: options.migrations, tableName: MIGRATIONS_TABLE, transactional: true, silent: true },
    pool: { min: 0, max: options.poolSize ?? 10 },
    loggerFactory: (loggerOptions) => new CountingLogger(loggerOptions, sqlLog),
    // Request handlers always work on a fork; a slip onto the global context is a bug.
    allowGlobalContext: false,
    discovery: { warnWhenNoEntities: false },
  });
}

/** For /ready: whether the database answers a trivial query within `timeoutMs`. */
export async function databaseReachable(orm: MikroORM, timeoutMs = 1000): Promise<boolean> {
  const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
  const ping = orm.em.fork().getConnection().execute('select 1').then(() => true, () => false);
  return Promise.race([ping, timeout]);
}
