import pg from 'pg';
import { config, type AgencyName } from './config.js';
import type { EmbeddedServer } from './embedded-postgres.js';

/**
 * Where each agency's database lives. Precedence: `<AGENCY>_DATABASE_URL`, then `DATABASE_URL`
 * (the agency gets its own database `<name>_<agency>` on that server), then the embedded server.
 */
export interface DatabaseLocator {
  urlFor(agency: AgencyName | 'gateway'): string;
  /** Stops the embedded server if this locator started one. */
  close(): Promise<void>;
}

export async function locateDatabases(
  options: { embedded?: { dataDir: string; port: number }; databaseUrl?: string } = {},
): Promise<DatabaseLocator> {
  const shared = options.databaseUrl ?? config.databaseUrl;
  let embedded: EmbeddedServer | undefined;
  if (!shared) {
    // Loaded only when needed: the package is ESM-only and a real server needs none of it.
    const { startEmbeddedPostgres } = await import('./embedded-postgres.js');
    embedded = await startEmbeddedPostgres(options.embedded ?? config.embeddedPostgres);
  }
  return {
    urlFor(agency) {
      const own = config.memberEnv(agency, 'DATABASE_URL');
      if (own && !options.databaseUrl) return own;
      if (shared) return withDatabase(shared, `${databaseName(shared)}_${agency}`);
      return embedded!.url(agency);
    },
    close: async () => embedded?.stop(),
  };
}

/** The database a URL names (`workergraph` when it names none). */
export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'workergraph';
}

/** The same server, user and options as `url`, on another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** Creates the database named in `url` if the server does not have it yet. */
export async function ensureDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    await createDatabaseIfMissing(client, databaseName(url));
  } finally {
    await client.end();
  }
}

/** Creates `database` through `client` (connected to another database of the server) unless it exists. */
export async function createDatabaseIfMissing(client: pg.Client, database: string): Promise<void> {
  const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
  if (rowCount) return;
  try {
    await client.query(`create database ${pg.escapeIdentifier(database)}`);
  } catch (error) {
    // Two processes creating the same database at once: the loser sees 42P04 (or 23505 on
    // pg_database's unique index, when both got past the existence check) and carries on.
    if (!['42P04', '23505'].includes((error as { code?: string }).code ?? '')) throw error;
  }
}

/** Drops and recreates the database named in `url` (tests only). */
export async function recreateDatabase(url: string): Promise<void> {
  const target = databaseName(url);
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    await client.query(`drop database if exists ${pg.escapeIdentifier(target)} with (force)`);
    await client.query(`create database ${pg.escapeIdentifier(target)}`);
  } finally {
    await client.end();
  }
}
