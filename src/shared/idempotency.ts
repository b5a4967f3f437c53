/**
 * Writes that survive a bad connection. A field app that loses its connection after sending a
 * mutation cannot tell whether the write happened; sending it again must not write it twice. So
 * every mutation of every agency takes an optional `idempotencyKey: ID` (a client mutation id,
 * new for each write the client means to make) and the shared runner wraps every Mutation
 * resolver (`idempotentMutations`, applied in subgraph.ts):
 *
 * - no key: the resolver runs as before;
 * - a key not seen before (for this caller): the resolver runs inside one transaction that also
 *   records the key, and commits both or neither;
 * - the same key with the same request again: nothing runs; the first write's answer comes back;
 * - the same key with another request: CONFLICT, `extensions.reason: IDEMPOTENCY_KEY_REUSED`;
 * - the same key while its first request is still running: the retry waits for it (up to
 *   IDEMPOTENCY_WAIT_MS) and then answers as above, or gives up with CONFLICT,
 *   `extensions.reason: IDEMPOTENCY_KEY_IN_PROGRESS`.
 *
 * Keys are the caller's own: they are kept per caller (`agency:subject`, as provenance names
 * writers), so one caller's key never answers another's request. "The same request" is the same
 * mutation field with the same arguments (canonical JSON, hashed), from a caller with the same
 * role and jurisdiction: a token whose jurisdiction changed does not get an answer it may no
 * longer see by replaying an old key. Each agency keeps its callers' keys in its own database
 * (`idempotency_key`, the migration below, added to every agency beside `seal_use`) for
 * IDEMPOTENCY_KEY_HOURS (default 24); expired keys are purged, and a key whose time is up may be
 * used afresh.
 *
 * Atomic. The key row is inserted first, inside the transaction the resolver's own
 * `writeInTransaction` then nests in (a savepoint), and the answer is stored in it before the
 * commit: a crash leaves either the write and its key, or neither. The primary key decides
 * between concurrent duplicates: the second insert waits on the first's uncommitted row, and
 * once that commits it finds the key taken (and replays), or once it rolls back takes the key
 * itself. A write that fails (bad input, a conflict) stores nothing, so it may be retried with
 * the same key: it wrote nothing either.
 *
 * What is stored as "the first answer", and the trade-off. The answer a client saw is the
 * resolver's root value resolved through the fields it asked for, some of them by other
 * subgraphs the gateway asks afterwards: no subgraph sees that whole answer, and the part this
 * subgraph sees is only complete after the response is written, when the transaction the key
 * must share has long committed. So what is stored is the resolver's root value, with every
 * entity in it kept by identity (entity name and primary key) and plain values as they are; a
 * replay loads those records again and resolves the fields asked for through the usual
 * resolvers and `@access` policies. A retry therefore gets the same record (the same deposit,
 * the same licence number) as it stands now: if someone changed it between the write and the
 * retry, the retry shows the change. The alternative, a snapshot of the response taken by a
 * plugin when it is sent, would be exactly what the client saw, but could not be committed
 * with the write (a crash in between leaves a write without its key, which is the very thing
 * keys are for), and would copy personal data, masked for one caller, into a second table
 * outside the records' change history. A mutation whose answer holds anything other than
 * entities and plain data cannot be made idempotent this way: it fails (and writes nothing)
 * rather than pretend.
 */
import { createHash } from 'node:crypto';
import { helper, Utils, type MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import type { EntityManager } from '@mikro-orm/postgresql';
import { GraphQLError, type GraphQLFieldResolver } from 'graphql';
import { actorOf, type Caller } from './access/caller.js';
import { config } from './config.js';
import { badInput, ConfigError, conflict, notFound } from './errors.js';

/** The argument every mutation takes. */
export const IDEMPOTENCY_KEY_ARGUMENT = 'idempotencyKey';

/** 8 to 100 letters, digits and `_ - : .`: room for a UUID, a ULID or `<device>:<counter>`. */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9_\-:.]{8,100}$/;

/** `extensions.reason` of the CONFLICTs a key can cause; part of the public contract. */
export const IdempotencyReason = {
  REUSED: 'IDEMPOTENCY_KEY_REUSED',
  IN_PROGRESS: 'IDEMPOTENCY_KEY_IN_PROGRESS',
} as const;

/** PostgreSQL's lock_not_available: the first request still holds the key when the wait ran out. */
const LOCK_NOT_AVAILABLE = '55P03';
const SWEEP_EVERY_MS = 60_000;

/** What a wrapped resolver needs of its context. */
export interface IdempotencyContext {
  caller: Caller;
  em: EntityManager;
}

export interface IdempotencyOptions<TContext extends IdempotencyContext> {
  /**
   * The context a keyed resolver runs with: the same request, but with `tx` (the transaction
   * the key is recorded in) as its entity manager and whatever reads through one (the loaders),
   * so everything it reads and writes shares the key's transaction.
   */
  within(context: TContext, tx: EntityManager): TContext;
  /** How long keys are kept; IDEMPOTENCY_KEY_HOURS by default. */
  hours?: number;
  /** How long a retry waits for its key's first request; IDEMPOTENCY_WAIT_MS by default. */
  waitMs?: number;
}

/**
 * `resolvers` with every Mutation field resolver made idempotent (see above). Everything else
 * is returned as it is.
 */
export function idempotentMutations<TResolvers extends object, TContext extends IdempotencyContext>(
  resolvers: TResolvers,
  options: IdempotencyOptions<TContext>,
): TResolvers {
  const mutation = (resolvers as { Mutation?: Record<string, unknown> }).Mutation;
  if (!mutation) return resolvers;
  const keys = new IdempotencyKeys(options);
  const wrapped = Object.fromEntries(
    Object.entries(mutation).map(([field, resolver]) => {
      if (typeof resolver === 'function') return [field, keys.wrap(resolver as GraphQLFieldResolver<unknown, TContext>)];
      // `{ resolve }` objects, as graphql-tools writes resolvers, are wrapped alike.
      const resolve = (resolver as { resolve?: unknown } | null)?.resolve;
      if (typeof resolve === 'function') return [field, { ...(resolver as object), resolve: keys.wrap(resolve as GraphQLFieldResolver<unknown, TContext>) }];
      return [field, resolver];
    }),
  );
  return { ...resolvers, Mutation: wrapped };
}

/** Deletes every expired key; returns how many. Runs by itself once a minute per process. */
export async function purgeExpiredIdempotencyKeys(em: EntityManager): Promise<number> {
  const result = await em.getConnection().execute<{ affectedRows: number }>('delete from idempotency_key where expires_at < now()', [], 'run');
  return result.affectedRows;
}

interface KeyedRequest {
  caller: string;
  key: string;
  field: string;
  fingerprint: string;
}

interface StoredKey {
  field: string;
  fingerprint: string;
  result: Encoded | null;
}

class IdempotencyKeys<TContext extends IdempotencyContext> {
  private readonly hours: number;
  private readonly waitMs: number;
  private lastSweep = 0;

  constructor(private readonly options: IdempotencyOptions<TContext>) {
    this.hours = options.hours ?? config.idempotencyKeyHours;
    this.waitMs = options.waitMs ?? config.idempotencyWaitMs;
    if (!(this.hours >= 1)) throw new ConfigError(`IDEMPOTENCY_KEY_HOURS must be at least 1, got ${this.hours}.`);
    if (!(this.waitMs >= 1)) throw new ConfigError(`IDEMPOTENCY_WAIT_MS must be at least 1, got ${this.waitMs}.`);
  }

  wrap(resolve: GraphQLFieldResolver<unknown, TContext>): GraphQLFieldResolver<unknown, TContext> {
    return async (source, args: Record<string, unknown>, context, info) => {
      const key = args[IDEMPOTENCY_KEY_ARGUMENT];
      if (key === undefined || key === null) return resolve(source, args, context, info);
      const request = keyedRequest(key, context.caller, info.fieldName, args);
      await this.sweep(context.em);
      const outcome = await this.run(context.em, request, (tx) => resolve(source, args, this.options.within(context, tx), info));
      return 'value' in outcome ? outcome.value : replay(context.em, outcome.stored);
    };
  }

  /** The resolver and the key in one transaction, or the key's stored answer. */
  private async run(em: EntityManager, request: KeyedRequest, work: (tx: EntityManager) => unknown): Promise<{ value: unknown } | { stored: Encoded }> {
    try {
      return await em.transactional(async (tx) => {
        const stored = await this.claim(tx as EntityManager, request);
        if (stored) return { stored };
        const value = await work(tx as EntityManager);
        await tx.execute('update idempotency_key set result = ? where caller = ? and key = ?', [JSON.stringify(encode(value)), request.caller, request.key], 'run');
        return { value };
      });
    } catch (error) {
      if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE) throw inProgress(request);
      throw error;
    }
  }

  /**
   * Takes the key for this request (undefined), or finds it already taken: the stored answer of
   * the same request, or a refusal. Waits for a transaction holding the key, up to `waitMs`.
   */
  private async claim(tx: EntityManager, request: KeyedRequest): Promise<Encoded | undefined> {
    const [{ previous }] = await tx.execute<{ previous: string }[]>(
      `select current_setting('lock_timeout') as previous, set_config('lock_timeout', ?, true)`,
      [`${this.waitMs}ms`],
    );
    let stored: StoredKey | undefined;
    for (let attempt = 0; attempt < 2 && !stored; attempt++) {
      // An expired key is taken over where it stands; one in force is left alone (no row back).
      const taken = await tx.execute<unknown[]>(
        `insert into idempotency_key (caller, key, field, fingerprint, expires_at)
         values (?, ?, ?, ?, now() + make_interval(hours => ?))
         on conflict (caller, key) do update
           set field = excluded.field, fingerprint = excluded.fingerprint, result = null, created_at = now(), expires_at = excluded.expires_at
           where idempotency_key.expires_at < now()
         returning 1 as taken`,
        [request.caller, request.key, request.field, request.fingerprint, this.hours],
      );
      if (taken.length) {
        await restoreLockTimeout(tx, previous);
        return undefined;
      }
      // Absent only when it expired and was swept between the two statements: try again.
      [stored] = await tx.execute<StoredKey[]>('select field, fingerprint, result from idempotency_key where caller = ? and key = ?', [request.caller, request.key]);
    }
    if (!stored) throw new Error(`Idempotency key ${request.key} of ${request.caller} could neither be taken nor found.`);
    await restoreLockTimeout(tx, previous);
    if (stored.fingerprint !== request.fingerprint) throw reused(request, stored);
    // Committed keys always carry their answer; this would be a key written outside this code.
    if (!stored.result) throw inProgress(request);
    return stored.result;
  }

  private async sweep(em: EntityManager): Promise<void> {
    if (Date.now() - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = Date.now();
    try {
      await purgeExpiredIdempotencyKeys(em);
    } catch (error) {
      // The write does not depend on it: an expired key is taken over where it stands anyway.
      console.error('[idempotency] purging expired keys failed', error);
    }
  }
}

/** The validated key and what identifies the request it stands for. */
function keyedRequest(key: unknown, caller: Caller, field: string, args: Record<string, unknown>): KeyedRequest {
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) {
    throw badInput(`${IDEMPOTENCY_KEY_ARGUMENT} must be 8 to 100 letters, digits, "_", "-", ":" or ".".`, IDEMPOTENCY_KEY_ARGUMENT);
  }
  const { [IDEMPOTENCY_KEY_ARGUMENT]: _key, ...rest } = args;
  const fingerprint = createHash('sha256')
    .update(canonicalJson({ field, arguments: rest, role: caller.role, jurisdiction: caller.jurisdiction }))
    .digest('hex');
  return { caller: actorOf(caller), key, field, fingerprint };
}

/** JSON with object keys sorted, so the same arguments hash alike whatever order they came in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function reused(request: KeyedRequest, stored: StoredKey): GraphQLError {
  const first = stored.field === request.field ? `${stored.field} with other arguments` : stored.field;
  return conflict(
    `This ${IDEMPOTENCY_KEY_ARGUMENT} was first sent with another request (${first}); nothing was written. Use a new key for a new write.`,
    { reason: IdempotencyReason.REUSED, field: IDEMPOTENCY_KEY_ARGUMENT },
  );
}

function inProgress(request: KeyedRequest): GraphQLError {
  return conflict(
    `The first request with this ${IDEMPOTENCY_KEY_ARGUMENT} (${request.field}) is still running; send it again in a moment to get its answer.`,
    { reason: IdempotencyReason.IN_PROGRESS, field: IDEMPOTENCY_KEY_ARGUMENT },
  );
}

async function restoreLockTimeout(tx: EntityManager, previous: string): Promise<void> {
  await tx.execute(`select set_config('lock_timeout', ?, true)`, [previous]);
}

// ---------------------------------------------------------------------------------------------
// The stored answer: entities by identity, everything else by value

type Encoded =
  | { entity: string; id: unknown }
  | { date: string }
  | { list: Encoded[] }
  | { object: Record<string, Encoded> }
  | { value: string | number | boolean | null };

function encode(value: unknown): Encoded {
  if (value === null || value === undefined) return { value: null };
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return { value };
  if (value instanceof Date) return { date: value.toISOString() };
  if (Array.isArray(value)) return { list: value.map(encode) };
  if (Utils.isEntity(value)) {
    const wrapped = helper(value);
    return { entity: wrapped.__meta.className, id: wrapped.getPrimaryKey() };
  }
  if (Utils.isPlainObject(value)) {
    return { object: Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, encode(v)])) };
  }
  throw new Error(`An idempotent mutation's answer may hold entities and plain data only, not ${(value as object).constructor?.name ?? typeof value}.`);
}

/** The stored answer, its records loaded as they are now. */
async function replay(em: EntityManager, encoded: Encoded): Promise<unknown> {
  if ('value' in encoded) return encoded.value;
  if ('date' in encoded) return new Date(encoded.date);
  if ('list' in encoded) return Promise.all(encoded.list.map((item) => replay(em, item)));
  if ('object' in encoded) {
    const entries = await Promise.all(Object.entries(encoded.object).map(async ([k, v]) => [k, await replay(em, v)] as const));
    return Object.fromEntries(entries);
  }
  const record = await em.findOne(encoded.entity, encoded.id as never);
  if (!record) {
    throw notFound(String(encoded.entity), String(encoded.id), `The ${encoded.entity} this ${IDEMPOTENCY_KEY_ARGUMENT}'s write returned no longer exists.`);
  }
  return record;
}

// ---------------------------------------------------------------------------------------------
// The table

/**
 * Every agency database gets the table, after its own migrations (as `seal_use`). Logged, unlike
 * `seal_use`: a database crash must not forget a key whose write it kept. The runtime role
 * reads, adds, fills in and deletes its rows (the default grant of database-roles.ts).
 */
class Migration20261215000000_idempotency_key extends Migration {
  override up(): void {
    this.addSql(`create table if not exists idempotency_key (
      caller text not null,
      key text not null,
      field text not null,
      fingerprint text not null,
      result jsonb,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      primary key (caller, key)
    )`);
    this.addSql('create index if not exists idempotency_key_expires_idx on idempotency_key (expires_at)');
  }
}

export const idempotencyKeyMigration: MigrationObject = { name: 'Migration20261215000000_idempotency_key', class: Migration20261215000000_idempotency_key };
