/**
 * Least privilege in the databases, as an operator provisions them and as someone holding a
 * service's connection would try to abuse it: migrations run as each database's owner role, the
 * services as a runtime role that reads and writes rows and nothing else, the access log's writer
 * can only add to it, and no runtime role reaches another member's database.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Migration } from '@mikro-orm/migrations';
import pg from 'pg';
import { AuditLog, type AccessRecord } from '../subgraphs/audit/log';
import { databaseName, withDatabase } from '../src/shared/database';
import { provisionMemberDatabase, type MemberDatabase } from '../src/shared/database-roles';
import { openAgencyOrm, type AgencyOrm } from '../src/shared/orm';
import { entities as labourEntities } from '../subgraphs/labour/entities';
import { migrations as labourMigrations } from '../subgraphs/labour/migrations/index';
import { freePort } from './support/ports';

const base = process.env.DATABASE_URL!;
const prefix = `${databaseName(base)}_roles`;
const adminUrlOf = (name: string) => withDatabase(base, name.startsWith(prefix) ? name : `${prefix}_${name}`);
/** The administrator on the server's own database (the one in DATABASE_URL need not exist). */
const server = withDatabase(base, 'postgres');
/** Two names at PostgreSQL's 63-byte limit that differ only in the last byte. */
const longName = (last: string) => `${prefix}_long_`.padEnd(62, 'x') + last;

/** Every database this file makes (dropped first, in case a run was cut short, and at the end). */
const databases = ['labour', 'gateway', 'race', 'handmade', 'legacy', longName('a'), longName('b')].map((name) => databaseName(adminUrlOf(name)));
/** Every role provisioning made, dropped at the end. */
const roles = new Set<string>();
const clients: pg.Client[] = [];
const orms: AgencyOrm[] = [];
let auditLog: AuditLog | undefined;

async function provision(adminUrl: string): Promise<MemberDatabase> {
  const member = await provisionMemberDatabase(adminUrl);
  roles.add(login(member.ownerUrl)).add(login(member.runtimeUrl));
  return member;
}

async function openLabour(database: MemberDatabase | string, migrations = labourMigrations): Promise<AgencyOrm> {
  const opened = await openAgencyOrm({ database, entities: labourEntities, migrations });
  orms.push(opened);
  return opened;
}

/** A connection kept open until the end of the file. */
async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  clients.push(client);
  return client;
}

/** The error PostgreSQL answers `url` with when it refuses the connection (undefined when it lets it in). */
async function connectionRefusal(url: string): Promise<{ code?: string; message: string } | undefined> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    return error as { code?: string; message: string };
  } finally {
    await client.end().catch(() => {});
  }
}

function login(url: string): string {
  return decodeURIComponent(new URL(url).username);
}

/** One statement on its own connection (as the administrator, unless `url` names someone else). */
async function query<T extends pg.QueryResultRow = any>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function dropDatabasesAndRoles(): Promise<void> {
  for (const name of databases) await query(server, `drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
  for (const role of roles) await query(server, `drop role if exists ${pg.escapeIdentifier(role)}`);
}

/** The owner of every object in public that is not owned by `owner` (none, once it has taken over). */
const NOT_OWNED_BY = `
  select relname as name, pg_get_userbyid(relowner) as owner from pg_class
   where relnamespace = 'public'::regnamespace and relkind in ('r', 'p', 'v', 'm', 'S', 'f') and pg_get_userbyid(relowner) <> $1
  union all
  select proname, pg_get_userbyid(proowner) from pg_proc
   where pronamespace = 'public'::regnamespace and pg_get_userbyid(proowner) <> $1`;

const WORKER_COLUMNS = `(id, name, gender, date_of_birth, phone, id_token, id_last4, occupation, nco_code, city_code, ward_code,
  registered_on, source_system, recorded_by)`;
const workerValues = (id: string, phone: string) =>
  `('${id}', 'Pothula Nagamani', 'FEMALE', '1990-04-12', '${phone}', 'ADV-${id}', '4321', 'DOMESTIC', '9111.0100', 'VJA', 'VJA-W12',
    '2025-01-10', 'labour-mis', 'labour:clerk-1')`;

function accessRecord(): AccessRecord {
  return {
    requestId: randomUUID(),
    at: new Date(),
    caller: { agency: 'labour', subject: 'officer-7', role: 'officer', jurisdiction: 'national' },
    purpose: 'service-delivery',
    operationType: 'query',
    operationName: 'WorkerCard',
    documentHash: null,
    workerIds: ['W-0000001'],
    subgraphs: ['labour'],
    outcome: 'ok',
    errorCodes: [],
    durationMs: 12,
  };
}

let labour: MemberDatabase;
let gateway: MemberDatabase;

const labourAdmin = adminUrlOf('labour');
const gatewayAdmin = adminUrlOf('gateway');

beforeAll(async () => {
  // Leftovers of an interrupted run would otherwise be taken over as if migrated by an old version.
  await dropDatabasesAndRoles();
  labour = await provision(labourAdmin);
  gateway = await provision(gatewayAdmin);
});

afterAll(async () => {
  await auditLog?.close();
  for (const { orm } of orms) await orm.close();
  for (const client of clients) await client.end().catch(() => {});
  await dropDatabasesAndRoles();
});

describe('the access log', () => {
  let writer: pg.Client;

  beforeAll(async () => {
    auditLog = await AuditLog.open(gateway);
    writer = await connect(gateway.runtimeUrl);
  });

  test('the gateway writes and chains entries as the runtime role', async () => {
    await auditLog!.append(accessRecord());
    await auditLog!.append(accessRecord());
    const [{ current_user }] = await auditLog!.fork().getConnection().execute('select current_user');
    expect(current_user).toBe(login(gateway.runtimeUrl));
    expect(await auditLog!.verify()).toMatchObject({ entries: 2 });
  });

  test('its writer may read entries and add one', async () => {
    expect((await writer.query('select seq from access_log order by seq')).rows).toEqual([{ seq: '1' }, { seq: '2' }]);
    await writer.query('begin');
    try {
      const added = await writer.query(
        `insert into access_log (seq, request_id, at, worker_ids, subgraphs, outcome, error_codes, duration_ms, prev_hash, hash)
         values (3, $1, now(), '{}', '{}', 'ok', '{}', 0, 'x', 'y')`,
        [randomUUID()],
      );
      expect(added.rowCount).toBe(1);
    } finally {
      // Kept out of the chain: only the privilege was on trial.
      await writer.query('rollback');
    }
  });

  test.each([
    ['change an entry', `update access_log set caller_subject = 'nobody' where seq = 1`, /permission denied for table access_log/],
    ['delete an entry', 'delete from access_log where seq = 1', /permission denied for table access_log/],
    ['empty the log', 'truncate access_log', /permission denied for table access_log/],
    ['switch the append-only trigger off', 'alter table access_log disable trigger all', /must be owner of table access_log/],
    ['add a column', 'alter table access_log add column x int', /must be owner of table access_log/],
    ['drop the log', 'drop table access_log', /must be owner of table access_log/],
    [
      'replace the trigger function with one that lets changes through',
      `create or replace function access_log_append_only() returns trigger language plpgsql as $$ begin return new; end $$`,
      /permission denied for schema public/,
    ],
    ['bypass triggers for the session', 'set session_replication_role = replica', /permission denied to set parameter "session_replication_role"/],
    ['create a table', 'create table t (x int)', /permission denied for schema public/],
    ['create a temporary table', 'create temporary table t (x int)', /permission denied to create temporary tables/],
  ])('its writer cannot %s', async (_, sql, message) => {
    await expect(writer.query(sql)).rejects.toMatchObject({ code: '42501', message: expect.stringMatching(message) });
  });

  test('after every attempt the chain is whole', async () => {
    expect(await auditLog!.verify()).toEqual({ entries: 2, head: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
});

describe("Labour's database", () => {
  let opened: AgencyOrm;
  let service: pg.Client;

  beforeAll(async () => {
    opened = await openLabour(labour);
    service = await connect(labour.runtimeUrl);
  });

  test('the ORM works as the runtime role: it registers and changes a worker, and the history trigger records both', async () => {
    const connection = opened.orm.em.fork().getConnection();
    const [{ current_user }] = await connection.execute('select current_user');
    expect(current_user).toBe(login(labour.runtimeUrl));
    await connection.execute(`insert into worker ${WORKER_COLUMNS} values ${workerValues('W-0000001', '9876500001')}`);
    await connection.execute(`update worker set ward_code = 'VJA-W13' where id = 'W-0000001'`);
    expect(await connection.execute(`select ward_code from worker where id = 'W-0000001'`)).toEqual([{ ward_code: 'VJA-W13' }]);
    const history = await connection.execute(`select action, changed_by from record_change where record_key = 'worker:W-0000001' order by id`);
    expect(history).toEqual([
      { action: 'CREATED', changed_by: `database:${login(labour.runtimeUrl)}` },
      { action: 'UPDATED', changed_by: `database:${login(labour.runtimeUrl)}` },
    ]);
  });

  test('the runtime role reads, writes and deletes rows of record tables and draws numbers from sequences', async () => {
    await service.query(`insert into worker ${WORKER_COLUMNS} values ${workerValues('W-0000002', '9876500002')}`);
    expect((await service.query(`update worker set name = 'P. Nagamani' where id = 'W-0000002'`)).rowCount).toBe(1);
    expect((await service.query(`select name from worker where id = 'W-0000002'`)).rows).toEqual([{ name: 'P. Nagamani' }]);
    expect((await service.query(`delete from worker where id = 'W-0000002'`)).rowCount).toBe(1);
    expect((await service.query(`select nextval('worker_number_seq') as n`)).rows).toHaveLength(1);
    expect((await service.query('select count(*)::int as n from mikro_orm_migrations')).rows).toEqual([{ n: labourMigrations.length }]);
  });

  test.each([
    ['change the history', `update record_change set changed_by = 'nobody'`, /permission denied for table record_change/],
    ['delete the history', 'delete from record_change', /permission denied for table record_change/],
    ['empty the history', 'truncate record_change', /permission denied for table record_change/],
    ['switch the history trigger off', 'alter table worker disable trigger worker_history', /must be owner of table worker/],
    ['add a column', 'alter table worker add column x int', /must be owner of table worker/],
    ['drop a table', 'drop table social_security_enrolment', /must be owner of table social_security_enrolment/],
    ['create a table', 'create table t (x int)', /permission denied for schema public/],
    ['record a migration', `insert into mikro_orm_migrations (name) values ('Migration29990101000000_mine')`, /permission denied for table mikro_orm_migrations/],
    ['forget a migration', 'delete from mikro_orm_migrations', /permission denied for table mikro_orm_migrations/],
    ['move a sequence back', `select setval('worker_number_seq', 1)`, /permission denied for sequence worker_number_seq/],
  ])('the runtime role cannot %s', async (_, sql, message) => {
    await expect(service.query(sql)).rejects.toMatchObject({ code: '42501', message: expect.stringMatching(message) });
  });

  test("no runtime role can connect to another member's database", async () => {
    expect(await connectionRefusal(withDatabase(labour.runtimeUrl, databaseName(gatewayAdmin)))).toMatchObject({
      code: '42501',
      message: expect.stringMatching(/permission denied for database/),
    });
    expect(await connectionRefusal(withDatabase(gateway.runtimeUrl, databaseName(labourAdmin)))).toMatchObject({ code: '42501' });
    expect(await connectionRefusal(withDatabase(labour.ownerUrl, databaseName(gatewayAdmin)))).toMatchObject({ code: '42501' });
  });

  test('provisioning again (a restart) sets new passwords; the service opens with them and finds its data', async () => {
    const restarted = await provision(labourAdmin);
    expect(login(restarted.runtimeUrl)).toBe(login(labour.runtimeUrl));
    expect(new URL(restarted.runtimeUrl).password).not.toBe(new URL(labour.runtimeUrl).password);
    expect(new URL(restarted.ownerUrl).password).not.toBe(new URL(labour.ownerUrl).password);
    const { orm } = await openLabour(restarted);
    expect(await orm.em.fork().getConnection().execute(`select id from worker`)).toEqual([{ id: 'W-0000001' }]);
    // A server that checks passwords (the embedded one) now turns the old ones away; on a
    // trust-auth server nobody's password is checked, so there is nothing to see.
    const checksPasswords = (await connectionRefusal(withPassword(restarted.runtimeUrl, 'not-the-password'))) !== undefined;
    const old = [await connectionRefusal(labour.runtimeUrl), await connectionRefusal(labour.ownerUrl)];
    expect(old).toEqual(checksPasswords ? [expect.objectContaining({ code: '28P01' }), expect.objectContaining({ code: '28P01' })] : [undefined, undefined]);
    labour = restarted;
  });
});

describe('provisioning', () => {
  test('two processes provisioning one new database at once both succeed', async () => {
    const adminUrl = adminUrlOf('race');
    const both = await Promise.all([provision(adminUrl), provision(adminUrl)]);
    expect(both.map((member) => login(member.ownerUrl))).toEqual([`${prefix}_race_owner`, `${prefix}_race_owner`]);
    const [database] = await query(adminUrl, 'select pg_get_userbyid(datdba) as owner from pg_database where datname = current_database()');
    expect(database.owner).toBe(`${prefix}_race_owner`);
    // The one that ran last set the passwords in force.
    const refusals = await Promise.all(both.map((member) => connectionRefusal(member.runtimeUrl)));
    expect(refusals).toContain(undefined);
  });

  test('a role of that name made by hand with more rights is cut down to a login', async () => {
    const adminUrl = adminUrlOf('handmade');
    const owner = `${prefix}_handmade_owner`;
    roles.add(owner);
    await query(server, `drop role if exists ${pg.escapeIdentifier(owner)}`);
    await query(server, `create role ${pg.escapeIdentifier(owner)} superuser createdb createrole bypassrls`);
    const member = await provision(adminUrl);
    expect(login(member.ownerUrl)).toBe(owner);
    const attributes = `select rolname, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin
      from pg_roles where rolname in ($1, $2) order by rolname`;
    const cutDown = { rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolreplication: false, rolbypassrls: false, rolcanlogin: true };
    expect(await query(server, attributes, [login(member.runtimeUrl), owner])).toEqual([
      { rolname: login(member.runtimeUrl), ...cutDown },
      { rolname: owner, ...cutDown },
    ]);
  });

  test('a database name at PostgreSQL\'s 63-byte limit still gets two roles of its own, within the limit', async () => {
    const [a, b] = [await provision(adminUrlOf(longName('a'))), await provision(adminUrlOf(longName('b')))];
    const names = [a.ownerUrl, a.runtimeUrl, b.ownerUrl, b.runtimeUrl].map(login);
    expect(new Set(names).size).toBe(4);
    for (const name of names) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
    const service = await connect(a.runtimeUrl);
    expect((await service.query('select current_user, current_database()')).rows).toEqual([{ current_user: login(a.runtimeUrl), current_database: longName('a') }]);
    expect(await connectionRefusal(withDatabase(a.runtimeUrl, longName('b')))).toMatchObject({ code: '42501' });
  });

  test('a database migrated by the superuser (as earlier versions did) is taken over by the owner role and migrates further', async () => {
    const adminUrl = adminUrlOf('legacy');
    const legacy = await openAgencyOrm({ database: adminUrl, entities: labourEntities, migrations: labourMigrations });
    await legacy.orm.close();
    // Something an operator added by hand in the meantime.
    await query(adminUrl, 'create view worker_count as select count(*) from worker');
    const [{ superuser }] = await query(adminUrl, 'select current_user as superuser');
    expect(await query(adminUrl, NOT_OWNED_BY, [superuser])).toEqual([]);

    const member = await provision(adminUrl);
    const owner = login(member.ownerUrl);
    expect(await query(adminUrl, NOT_OWNED_BY, [owner])).toEqual([]);

    /** A later version's migration: each statement needs ownership of what the superuser made. */
    class Migration29990101000000_later extends Migration {
      override up(): void {
        this.addSql('alter table worker add column preferred_language text');
        this.addSql('alter function record_change_log() set search_path = pg_catalog, public');
        this.addSql('create or replace view worker_count as select count(*) from worker where true');
        this.addSql('alter sequence worker_number_seq cache 1');
      }
    }
    const { orm } = await openLabour(member, [...labourMigrations, { name: 'Migration29990101000000_later', class: Migration29990101000000_later }]);
    const service = orm.em.fork().getConnection();
    await service.execute(`insert into worker ${WORKER_COLUMNS} values ${workerValues('W-0000003', '9876500003')}`);
    expect(await service.execute(`select preferred_language, (select count from worker_count) as workers from worker`)).toEqual([
      { preferred_language: null, workers: '1' },
    ]);
    expect(await service.execute('select count(*)::int as n from record_change')).toEqual([{ n: 1 }]);
    await expect(service.execute('delete from record_change')).rejects.toThrow(/permission denied for table record_change/);
  });
});

/**
 * Starts the embedded server in a child process, as `npm start` would: the package is ESM-only,
 * which Jest's module loader cannot load. Resolves with the administrator's URL it reports.
 */
function startEmbeddedServer(options: { dataDir: string; port: number }): Promise<{ url(database: string): string; stop(): Promise<void> }> {
  const script = `
    const { startEmbeddedPostgres } = require(${JSON.stringify(path.resolve(__dirname, '../src/shared/embedded-postgres.ts'))});
    startEmbeddedPostgres(${JSON.stringify(options)}).then((server) => {
      console.log(server.url('postgres'));
      // Stops when the test says so, and also when the test process dies.
      process.stdin.once('end', () => server.stop().then(() => process.exit(0))).resume();
    }, (error) => { console.error(error); process.exit(1); });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  child.stderr.on('data', (chunk) => (errors += chunk));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`The embedded server did not start (exit ${code}): ${errors}`)));
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (!output.includes('\n')) return;
      const adminUrl = output.trim();
      resolve({
        url: (database) => withDatabase(adminUrl, database),
        stop: () => new Promise((stopped) => {
          child.removeAllListeners('exit').once('exit', () => stopped());
          child.stdin.end();
        }),
      });
    });
  });
}

describe('the embedded server', () => {
  let folder: string;
  let dataDir: string;
  let port: number;
  let firstUrl: string;

  beforeAll(async () => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'worker-graph-roles-'));
    dataDir = path.join(folder, 'postgres');
    port = await freePort();
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  test("a fresh data folder gets a random superuser password in a file only its user can read; 'postgres' no longer gets in", async () => {
    const server = await startEmbeddedServer({ dataDir, port });
    try {
      firstUrl = server.url('postgres');
      const password = readFileSync(`${dataDir}.password`, 'utf8');
      expect(statSync(`${dataDir}.password`).mode & 0o777).toBe(0o600);
      // Other users may at most pass through the folder (as root the server runs as another user).
      expect(statSync(folder).mode & 0o066).toBe(0);
      expect(password).toMatch(/^[0-9a-f]{48}$/);
      expect(new URL(firstUrl).password).toBe(password);
      expect(await connectionRefusal(firstUrl)).toBeUndefined();
      expect(await connectionRefusal(withPassword(firstUrl, 'postgres'))).toMatchObject({ code: '28P01' });
    } finally {
      await server.stop();
    }
  });

  test('a later start reads the password back', async () => {
    const server = await startEmbeddedServer({ dataDir, port });
    try {
      expect(server.url('postgres')).toBe(firstUrl);
      expect(await connectionRefusal(server.url('postgres'))).toBeUndefined();
      // What a data folder made before passwords were kept looks like: `postgres`, and no file.
      await query(server.url('postgres'), `alter role postgres password 'postgres'`);
    } finally {
      await server.stop();
    }
    rmSync(`${dataDir}.password`);
  });

  test("a data folder made before passwords were kept still opens with 'postgres'", async () => {
    const server = await startEmbeddedServer({ dataDir, port });
    try {
      expect(new URL(server.url('postgres')).password).toBe('postgres');
      expect(await connectionRefusal(server.url('postgres'))).toBeUndefined();
    } finally {
      await server.stop();
    }
  });
});

function withPassword(url: string, password: string): string {
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
}
