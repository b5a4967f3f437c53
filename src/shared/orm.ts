import { DefaultLogger, type LogContext, type LoggerOptions } from '@mikro-orm/core';
import { MikroORM, type EntitySchema } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { MigrationObject } from '@mikro-orm/core';
import { ensureDatabase } from './database.js';

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

/** Opens one agency's own database (creating it if needed) and brings its schema up to date. */
export async function openAgencyOrm(options: {
  url: string;
  entities: EntitySchema<any, any>[];
  migrations: MigrationObject[];
  poolSize?: number;
}): Promise<AgencyOrm> {
  await ensureDatabase(options.url);
  const sqlLog = new SqlLog();
  const orm = await MikroORM.init({
    clientUrl: options.url,
    entities: options.entities,
    extensions: [Migrator],
    migrations: { migrationsList: options.migrations, transactional: true, silent: true },
    pool: { min: 0, max: options.poolSize ?? 10 },
    loggerFactory: (loggerOptions) => new CountingLogger(loggerOptions, sqlLog),
    // Request handlers always work on a fork; a slip onto the global context is a bug.
    allowGlobalContext: false,
    discovery: { warnWhenNoEntities: false },
  });
  await orm.getMigrator().up();
  return { orm, sqlLog };
}
