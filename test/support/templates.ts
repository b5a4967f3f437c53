/**
 * Demo databases migrated and loaded once per test run, then copied for each suite.
 *
 * The first suite of a run that asks for a demo size builds its template: a hub started on
 * `<run prefix>_t<seed>_<workers>_<member>` with `fresh`, stopped again, its databases handed to the
 * administrator (their roles dropped, so that each copy's own roles take them over as they take
 * over any database migrated as the superuser) and closed to connections. Every suite then gets
 * copies (`startStack({ template })`: CREATE DATABASE … TEMPLATE, a file copy) instead of running
 * the migrations and the demo load again. An advisory lock makes the other suites of the run wait
 * for a template being built rather than build it twice.
 */
import pg from 'pg';
import { generateAccessKeys } from '../../src/shared/access/keys';
import { withDatabase } from '../../src/shared/database';
import type { DemoSize } from '../../src/shared/seeding';
import { startStack } from '../../src/hub/stack';
import { GATEWAY } from '../../src/hub/members';
import { hubAgencyNames } from '../../src/shared/supergraph';
import { asAdministrator, dropDatabasesAndRoles, runPrefix } from './databases';

/** What a finished template's databases say of themselves (COMMENT ON DATABASE); a half-built one says nothing. */
const READY = 'worker-graph test template';

/**
 * The name whose `<name>_<member>` databases hold the demo population `demo`, migrated and
 * loaded, building them first if this run has not yet.
 */
export async function demoTemplate(demo: DemoSize): Promise<string> {
  const base = process.env.DATABASE_URL!;
  const template = `${runPrefix(base)}_t${demo.seed}_${demo.workers}`;
  return asAdministrator(base, async (admin) => {
    // Held until this connection closes: a suite wanting the same template waits here while it is built.
    await admin.query('select pg_advisory_lock(hashtext($1))', [`worker-graph.test-template:${template}`]);
    const { rows } = await admin.query<{ datname: string; ready: string | null }>(
      `select datname, shobj_description(oid, 'pg_database') as ready from pg_database where datname like $1`,
      [`${template.replace(/[\\_%]/g, '\\$&')}\\_%`],
    );
    const members = [...hubAgencyNames(), GATEWAY];
    if (rows.length === members.length && rows.every((row) => row.ready === READY)) return template;
    await buildTemplate(admin, base, template, demo);
    return template;
  });
}

async function buildTemplate(admin: pg.Client, base: string, template: string, demo: DemoSize): Promise<void> {
  const stack = await startStack({
    databaseUrl: withDatabase(base, template),
    fresh: true,
    gatewayPort: 0,
    subgraphPorts: () => 0,
    auditPort: 0,
    reportsPort: 0,
    keys: await generateAccessKeys(),
    registeredOnlyRoles: [],
    rateLimits: {},
    demo,
  });
  await stack.stop();
  const roles: string[] = [];
  for (const database of stack.databases.values()) {
    const name = new URL(database.ownerUrl).pathname.slice(1);
    const owner = decodeURIComponent(new URL(database.ownerUrl).username);
    const runtime = decodeURIComponent(new URL(database.runtimeUrl).username);
    roles.push(owner, runtime);
    // The template's roles would otherwise live on in every copy's grants and ownership.
    const client = new pg.Client({ connectionString: withDatabase(base, decodeURIComponent(name)) });
    await client.connect();
    try {
      await client.query(`reassign owned by ${pg.escapeIdentifier(owner)} to current_user`);
      await client.query(`drop owned by ${pg.escapeIdentifier(owner)}, ${pg.escapeIdentifier(runtime)}`);
    } finally {
      await client.end();
    }
    const quoted = pg.escapeIdentifier(decodeURIComponent(name));
    // Nobody may connect to it: CREATE DATABASE … TEMPLATE refuses a template anyone is connected to.
    await admin.query(`alter database ${quoted} allow_connections false`);
    await admin.query(`comment on database ${quoted} is ${pg.escapeLiteral(READY)}`);
  }
  await dropDatabasesAndRoles(admin, [], roles);
}
