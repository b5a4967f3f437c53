/**
 * The databases a test run makes on its PostgreSQL, and getting rid of them again.
 *
 * Every name this run gives a database starts with the run's own prefix: the name in DATABASE_URL
 * with a random suffix that global-setup.ts adds (`wgci` becomes `wgci_r1a2b3c`), so that two runs
 * on one server never share a database, and the run's end drops exactly what it made and nothing
 * else the server holds. Each database's roles (`<database>_owner`, `<database>_app`,
 * src/shared/database-roles.ts) carry the same prefix and go with it.
 */
import pg from 'pg';

// Jest loads the global setup and teardown without the test's module mapping (`./x.js` → `./x.ts`):
// nothing here imports the sources, which import that way.

/** The database a URL names, as src/shared/database.ts reads it. */
const databaseName = (url: string) => decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'workergraph';

/** The same server and login as `url`, on the database `database`. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** The run's prefix for database and role names: the database DATABASE_URL names. */
export function runPrefix(databaseUrl = process.env.DATABASE_URL): string {
  if (!databaseUrl) throw new Error('DATABASE_URL is not set: run the tests through jest, whose global setup provides one.');
  return databaseName(databaseUrl);
}

/** An administrator's connection to the server's own `postgres` database, closed after `work`. */
export async function asAdministrator<T>(databaseUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(databaseUrl, 'postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Whether `name` is `prefix` itself or one of the names made from it (`<prefix>_…`). */
export const belongsTo = (name: string, prefix: string) => name === prefix || name.startsWith(`${prefix}_`);

/**
 * Drops every database and role whose name is `prefix` or starts with `<prefix>_`, open
 * connections and all. Returns what it dropped; what it could not drop it names in the error.
 */
export async function dropEverythingOf(databaseUrl: string, prefix: string): Promise<{ databases: string[]; roles: string[] }> {
  return asAdministrator(databaseUrl, async (admin) => {
    const databases = (await admin.query<{ datname: string }>('select datname from pg_database')).rows.map((row) => row.datname).filter((name) => belongsTo(name, prefix));
    const roles = (await admin.query<{ rolname: string }>('select rolname from pg_roles')).rows.map((row) => row.rolname).filter((name) => belongsTo(name, prefix));
    await dropDatabasesAndRoles(admin, databases, roles);
    return { databases, roles };
  });
}

/** Drops `databases` (open connections and all), then `roles`; every failure is named in one error at the end. */
export async function dropDatabasesAndRoles(admin: pg.Client, databases: string[], roles: string[]): Promise<void> {
  const failures: string[] = [];
  for (const name of databases) {
    await admin.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`).catch((error: Error) => failures.push(`database ${name}: ${error.message}`));
  }
  // A role goes only once nothing in any database depends on it: after its databases.
  for (const name of roles) {
    await admin.query(`drop role if exists ${pg.escapeIdentifier(name)}`).catch((error: Error) => failures.push(`role ${name}: ${error.message}`));
  }
  if (failures.length) throw new Error(`Could not drop what the tests made:\n  ${failures.join('\n  ')}`);
}
