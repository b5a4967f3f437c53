/**
 * Least privilege in a member's database: migrations run as a role that owns the schema, the
 * service as one that can only read and write rows, so a compromised service cannot change the
 * schema, switch off a trigger or reach another member's database.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDatabaseIfMissing, databaseName, withDatabase } from './database.js';

/** The two roles of one member's database: migrations run as the owner, the service as the runtime role. */
export interface MemberDatabase {
  /** Owns the schema: migrations (DDL) run as this role. */
  ownerUrl: string;
  /** What the service connects as at run time: reads and writes rows, nothing else. */
  runtimeUrl: string;
}

/** PostgreSQL cuts longer names silently, and two long database names would then share roles. */
const MAX_NAME_BYTES = 63;

/** "Already exists" from CREATE ROLE, or a unique violation on pg_authid when two got past the check. */
const DUPLICATE_ROLE = ['42710', '23505'];

/**
 * Taken in the member's database by whoever changes its ownership or grants: concurrent GRANTs
 * on one object fail with "tuple concurrently updated" instead of waiting for each other.
 */
const PRIVILEGES_LOCK = 'worker_graph.privileges';

/**
 * With an administrator connection (a superuser URL naming the target database), creates the database
 * if missing and two LOGIN roles named `<database>_owner` and `<database>_app` (created if missing; each call sets
 * a fresh random password, so passwords live only in the memory of whoever provisioned), makes the owner role own
 * the database and every object already in its public schema (databases migrated by earlier versions as the
 * superuser: tables, sequences, functions, triggers' functions, views), revokes CONNECT/TEMP on the database from
 * PUBLIC and grants CONNECT to the runtime role only (so an agency's runtime role cannot even connect to another
 * agency's database). Returns both URLs (same host/port/database, with user and password).
 */
export async function provisionMemberDatabase(adminUrl: string): Promise<MemberDatabase> {
  const database = databaseName(adminUrl);
  const owner = { role: roleName(database, 'owner'), password: randomPassword() };
  const runtime = { role: roleName(database, 'app'), password: randomPassword() };
  const admin = new pg.Client({ connectionString: withDatabase(adminUrl, 'postgres') });
  await admin.connect();
  try {
    // Held until the session ends: a second process provisioning the same database waits here.
    await admin.query('select pg_advisory_lock(hashtext($1))', [`worker_graph.provision:${database}`]);
    await ensureLoginRole(admin, owner.role, owner.password);
    await ensureLoginRole(admin, runtime.role, runtime.password);
    await createDatabaseIfMissing(admin, database);
    const quoted = pg.escapeIdentifier(database);
    await admin.query(`alter database ${quoted} owner to ${pg.escapeIdentifier(owner.role)}`);
    await admin.query(`revoke all on database ${quoted} from public, ${pg.escapeIdentifier(runtime.role)}`);
    await admin.query(`grant connect on database ${quoted} to ${pg.escapeIdentifier(runtime.role)}`);
    await takeOverPublicSchema(adminUrl, owner.role);
  } finally {
    await admin.end();
  }
  return {
    ownerUrl: withLogin(adminUrl, owner.role, owner.password),
    runtimeUrl: withLogin(adminUrl, runtime.role, runtime.password),
  };
}

/**
 * As the owner, gives the runtime role exactly what a service needs in the public schema: the rows
 * of every table (only reading and adding to `appendOnly` ones, only reading `readOnly` ones) and
 * the sequences. Everything is revoked first, so nothing it held before survives. The tables every
 * agency shares get the default, reading and writing rows: `seal_use` (seals spent, purged when
 * expired) and `idempotency_key` (a write's key is added, then filled in with its answer in the
 * same transaction, and purged when expired; src/shared/idempotency.ts).
 */
export async function grantRuntimePrivileges(
  database: MemberDatabase,
  tables: { appendOnly: readonly string[]; readOnly: readonly string[] },
): Promise<void> {
  const runtimeRole = loginOf(database.runtimeUrl);
  // Revoking the owner's own rights would lock the service out of its tables.
  if (runtimeRole === loginOf(database.ownerUrl)) throw new Error(`The runtime role must not be the owner (${runtimeRole}).`);
  const runtime = pg.escapeIdentifier(runtimeRole);
  await lockedTransaction(database.ownerUrl, async (client) => {
    const { rows } = await client.query<{ name: string }>(
      `select relname as name from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p', 'v', 'm', 'f')`,
    );
    const existing = rows.map((row) => row.name);
    const listed = (names: string[]) => names.map((name) => `public.${pg.escapeIdentifier(name)}`).join(', ');
    const readWrite = existing.filter((name) => !tables.appendOnly.includes(name) && !tables.readOnly.includes(name));
    const grants: [string, string[]][] = [
      ['select, insert, update, delete', readWrite],
      ['select, insert', existing.filter((name) => tables.appendOnly.includes(name))],
      ['select', existing.filter((name) => tables.readOnly.includes(name))],
    ];
    await client.query(`revoke all on schema public from ${runtime}`);
    await client.query(`revoke all on all tables in schema public from ${runtime}`);
    await client.query(`revoke all on all sequences in schema public from ${runtime}`);
    await client.query(`revoke all on all routines in schema public from ${runtime}`);
    await client.query(`grant usage on schema public to ${runtime}`);
    for (const [privileges, names] of grants) {
      if (names.length) await client.query(`grant ${privileges} on table ${listed(names)} to ${runtime}`);
    }
    await client.query(`grant usage, select on all sequences in schema public to ${runtime}`);
  });
}

/** Creates `role` unless it exists, then (re)sets what it may do and a fresh password. */
async function ensureLoginRole(admin: pg.Client, role: string, password: string): Promise<void> {
  const quoted = pg.escapeIdentifier(role);
  const { rowCount } = await admin.query('select 1 from pg_roles where rolname = $1', [role]);
  if (!rowCount) {
    try {
      await admin.query(`create role ${quoted}`);
    } catch (error) {
      if (!DUPLICATE_ROLE.includes((error as { code?: string }).code ?? '')) throw error;
    }
  }
  // A role of that name made by hand may carry more: it gets exactly a login, nothing else.
  await admin.query(
    `alter role ${quoted} with login nosuperuser nocreatedb nocreaterole noreplication nobypassrls
       password ${pg.escapeLiteral(scramVerifier(password))}`,
  );
}

/**
 * Databases migrated by earlier versions belong to the superuser who ran the migrations: the owner
 * role takes over the public schema and everything in it, so that it can migrate further.
 */
async function takeOverPublicSchema(adminUrl: string, owner: string): Promise<void> {
  await lockedTransaction(adminUrl, async (client) => {
    const { rows } = await client.query<{ kind: string; name: string }>(OWNED_BY_OTHERS, [owner]);
    const role = pg.escapeIdentifier(owner);
    await client.query(`alter schema public owner to ${role}`);
    // Before PostgreSQL 15 everyone could create objects in public.
    await client.query('revoke create on schema public from public');
    for (const { kind, name } of rows) await client.query(`alter ${kind} ${name} owner to ${role}`);
  });
}

/**
 * Runs `work` in one transaction on its own connection, holding the database's privileges lock:
 * two processes granting at once otherwise fail with "tuple concurrently updated".
 */
export async function lockedTransaction(url: string, work: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [PRIVILEGES_LOCK]);
    await work(client);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

/**
 * The objects in public that `$1` does not own, each with the ALTER it takes. Indexes and a
 * column's sequence follow their table, an array or multirange type its base type; an
 * extension's objects stay the extension's.
 */
const OWNED_BY_OTHERS = `
  select case c.relkind when 'v' then 'view' when 'm' then 'materialized view' when 'S' then 'sequence'
           when 'f' then 'foreign table' else 'table' end as kind,
         format('public.%I', c.relname) as name
    from pg_class c
   where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
     and pg_get_userbyid(c.relowner) <> $1
     and not exists (select from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid
                       and (d.deptype = 'e' or (c.relkind = 'S' and d.deptype in ('a', 'i'))))
  union all
  select case p.prokind when 'p' then 'procedure' when 'a' then 'aggregate' else 'function' end,
         format('public.%I(%s)', p.proname, pg_get_function_identity_arguments(p.oid))
    from pg_proc p
   where p.pronamespace = 'public'::regnamespace and pg_get_userbyid(p.proowner) <> $1
     and not exists (select from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
  union all
  select case t.typtype when 'd' then 'domain' else 'type' end, format('public.%I', t.typname)
    from pg_type t
   where t.typnamespace = 'public'::regnamespace and pg_get_userbyid(t.typowner) <> $1
     and (t.typtype in ('d', 'e', 'r') or (t.typtype = 'c' and (select relkind from pg_class where oid = t.typrelid) = 'c'))
     and not exists (select from pg_depend d where d.classid = 'pg_type'::regclass and d.objid = t.oid and d.deptype = 'e')`;

/** `<database>_<suffix>`, or, past PostgreSQL's limit, a shortened database name with a hash that keeps it unique. */
function roleName(database: string, suffix: 'owner' | 'app'): string {
  const name = `${database}_${suffix}`;
  if (Buffer.byteLength(name) <= MAX_NAME_BYTES) return name;
  const tail = `_${createHash('sha256').update(database).digest('hex').slice(0, 8)}_${suffix}`;
  let head = '';
  // Whole characters only: a name cut inside a UTF-8 sequence is not valid text.
  for (const character of database) {
    if (Buffer.byteLength(head + character + tail) > MAX_NAME_BYTES) break;
    head += character;
  }
  return head + tail;
}

function randomPassword(): string {
  return randomBytes(24).toString('hex');
}

/**
 * What PostgreSQL stores for a SCRAM-SHA-256 password (RFC 5802, RFC 7677). Sending this rather
 * than the password keeps the password out of the server's logs, as psql's \password does.
 */
function scramVerifier(password: string): string {
  const iterations = 4096;
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const hmac = (text: string) => createHmac('sha256', salted).update(text).digest();
  const storedKey = createHash('sha256').update(hmac('Client Key')).digest('base64');
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey}:${hmac('Server Key').toString('base64')}`;
}

function withLogin(url: string, role: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(role);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

function loginOf(url: string): string {
  return decodeURIComponent(new URL(url).username);
}
