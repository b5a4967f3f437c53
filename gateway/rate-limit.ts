/**
 * Rate limits, after authentication (the caller is known): requests per caller (agency and
 * subject) and per agency, and CONFLICT answers per caller, since repeated uniqueness conflicts
 * ask "is this phone or ID registered?" one guess at a time. A caller over any limit gets 429
 * with Retry-After and RATE_LIMITED, `extensions.reason` naming the limit.
 *
 * The counts live in the gateway's own database (`rate_limit_window`, beside the access log), so
 * that every replica of the gateway counts the same requests. Each limit is a sliding window,
 * approximated from two fixed windows: the current one's count plus the previous one's weighted
 * by how much of it still overlaps the last `windowSeconds`. One statement per request does it
 * all: it counts the request against the caller's window and, if the caller is under its limit,
 * against the agency's, and reads the caller's conflict count. A caller found over a limit is
 * remembered in this process until its Retry-After, so that its next requests cost no query.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import pg from 'pg';
import type { Rate } from '../src/shared/config.js';
import { lockedTransaction, type MemberDatabase } from '../src/shared/database-roles.js';
import { ErrorCode, rateLimited as rateLimitedError } from '../src/shared/errors.js';
import { IdempotencyReason } from '../src/shared/idempotency.js';
import type { RunningHttpServer } from '../src/shared/http-server.js';
import type { GatewayContext } from './data-source.js';

export interface RateLimits {
  /** Requests per caller (one subject of one agency). */
  perSubject?: Rate;
  /** Requests per agency, all its callers together. */
  perAgency?: Rate;
  /** Answers carrying CONFLICT per caller; over it, every request of the caller is refused. */
  conflictsPerSubject?: Rate;
}

/** `extensions.reason` of a RATE_LIMITED error: which limit the caller is over. */
export const RateLimitReason = {
  SUBJECT: 'SUBJECT_RATE_LIMIT',
  AGENCY: 'AGENCY_RATE_LIMIT',
  CONFLICTS: 'CONFLICT_RATE_LIMIT',
} as const;
export type RateLimitReason = (typeof RateLimitReason)[keyof typeof RateLimitReason];

export function hasRateLimits(limits: RateLimits | undefined): limits is RateLimits {
  return !!limits && !!(limits.perSubject || limits.perAgency || limits.conflictsPerSubject);
}

interface Who {
  agency: string;
  subject: string;
}

/** One window of one limit for one caller or agency. */
interface Bucket {
  reason: RateLimitReason;
  rate: Rate;
  key: string;
}

const TABLE = 'rate_limit_window';
const SWEEP_EVERY_MS = 60_000;
/** A database that does not answer within this lets the request through (the access log still decides). */
const QUERY_TIMEOUT_MS = 1_000;

/**
 * Unlogged: no WAL and no fsync per request. A database crash empties it, which forgives the
 * counts of the current window, nothing more.
 */
const CREATE_TABLE = `create unlogged table if not exists ${TABLE} (
  bucket text not null,
  slot bigint not null,
  hits integer not null,
  expires_at bigint not null,
  primary key (bucket, slot)
)`;

export class RateLimiter {
  /** Buckets found over their limit, until when (ms): refused here without a query. */
  private readonly blocked = new Map<string, { until: number; reason: RateLimitReason; rate: Rate }>();
  private lastSweep = Date.now();
  private lastFailureLogged = 0;
  private readonly admitSql: string;
  /** Prepared once per connection: the statement is planned once, not per request. */
  private readonly statementName: string;
  private readonly counted: ((who: Who) => Bucket)[] = [];
  private readonly watched: ((who: Who) => Bucket)[] = [];

  private constructor(
    private readonly pool: pg.Pool,
    readonly limits: RateLimits,
    private readonly now: () => number,
  ) {
    const { perSubject, perAgency, conflictsPerSubject } = limits;
    if (perSubject) this.counted.push((who) => ({ reason: RateLimitReason.SUBJECT, rate: perSubject, key: `subject:${who.agency}:${who.subject}` }));
    if (perAgency) this.counted.push((who) => ({ reason: RateLimitReason.AGENCY, rate: perAgency, key: `agency:${who.agency}` }));
    if (conflictsPerSubject) this.watched.push((who) => this.conflictBucket(who));
    this.admitSql = admitStatement(this.counted.length, this.watched.length);
    this.statementName = `rate_limit_admit_${this.counted.length}_${this.watched.length}`;
  }

  /**
   * Opens the limiter on the gateway's database (the access log's): the table is made as the
   * owner if missing, and the runtime role may read and write its rows.
   */
  static async open(database: MemberDatabase | string, limits: RateLimits, options: { now?: () => number } = {}): Promise<RateLimiter> {
    const { ownerUrl, runtimeUrl } = typeof database === 'string' ? { ownerUrl: database, runtimeUrl: database } : database;
    // Replicas start side by side: one creates the table, the others wait and find it.
    await lockedTransaction(ownerUrl, async (owner) => {
      await owner.query(CREATE_TABLE);
      const runtimeRole = decodeURIComponent(new URL(runtimeUrl).username);
      const ownerRole = decodeURIComponent(new URL(ownerUrl).username);
      if (runtimeRole && runtimeRole !== ownerRole) {
        await owner.query(`grant select, insert, update, delete on ${TABLE} to ${pg.escapeIdentifier(runtimeRole)}`);
      }
    });
    const pool = new pg.Pool({
      connectionString: runtimeUrl,
      max: 10,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: QUERY_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
      statement_timeout: QUERY_TIMEOUT_MS,
    });
    pool.on('error', (error) => console.error('[rate-limit] idle connection failed', error.message));
    return new RateLimiter(pool, limits, options.now ?? Date.now);
  }

  /**
   * Counts one request of `who`, or throws RATE_LIMITED when it is over a limit. When the
   * database cannot answer the request goes through: a limit is a protection, and a database
   * that is down refuses the request anyway, when its access-log entry cannot be written.
   */
  async admit(who: Who): Promise<void> {
    const now = this.now();
    const counted = this.counted.map((bucket) => bucket(who));
    const watched = this.watched.map((bucket) => bucket(who));
    this.refuseIfBlocked([...counted, ...watched], now);
    if (!counted.length && !watched.length) return;
    this.sweepSoon(now);
    const params: unknown[] = [];
    for (const bucket of counted) {
      const w = windowOf(bucket.rate, now);
      params.push(bucket.key, w.slot, w.expiresAt, w.weight, bucket.rate.limit);
    }
    for (const bucket of watched) params.push(bucket.key, windowOf(bucket.rate, now).slot);
    let row: Record<string, string | number | boolean | null>;
    try {
      ({ rows: [row] } = await this.pool.query<Record<string, string | number | boolean | null>>({ name: this.statementName, text: this.admitSql, values: params }));
    } catch (error) {
      this.failedOpen(error);
      return;
    }
    for (const [i, bucket] of counted.entries()) {
      if (row[`c${i}`] !== null) continue;
      // The first bucket that did not count the request refused it (the ones after it were not asked).
      const state = { hits: Number(row[`h${i}`] ?? 0), previous: Number(row[`p${i}`] ?? 0) };
      this.refuse(bucket, retryAt(bucket.rate, state, now, 1), now);
    }
    for (const [i, bucket] of watched.entries()) {
      const state = { hits: Number(row[`w${i}`] ?? 0), previous: Number(row[`wp${i}`] ?? 0) };
      if (estimate(bucket.rate, state, now) >= bucket.rate.limit) this.refuse(bucket, retryAt(bucket.rate, state, now, 0), now);
    }
  }

  /** Counts one answer that carried CONFLICT against its caller. */
  async recordConflict(who: Who): Promise<void> {
    if (!this.limits.conflictsPerSubject) return;
    const bucket = this.conflictBucket(who);
    const w = windowOf(bucket.rate, this.now());
    await this.pool
      .query(`insert into ${TABLE} as w (bucket, slot, hits, expires_at) values ($1, $2, 1, $3) on conflict (bucket, slot) do update set hits = w.hits + 1`, [bucket.key, w.slot, w.expiresAt])
      .catch((error: unknown) => this.failedOpen(error));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private conflictBucket(who: Who): Bucket {
    return { reason: RateLimitReason.CONFLICTS, rate: this.limits.conflictsPerSubject!, key: `conflicts:${who.agency}:${who.subject}` };
  }

  private refuseIfBlocked(buckets: Bucket[], now: number): void {
    for (const bucket of buckets) {
      const block = this.blocked.get(bucket.key);
      if (!block) continue;
      if (block.until <= now) this.blocked.delete(bucket.key);
      else throw rateLimited(block.reason, block.rate, block.until - now);
    }
  }

  private refuse(bucket: Bucket, until: number, now: number): never {
    this.blocked.set(bucket.key, { until, reason: bucket.reason, rate: bucket.rate });
    throw rateLimited(bucket.reason, bucket.rate, until - now);
  }

  /** Now and then, outside any request's path: windows that can no longer count are deleted. */
  private sweepSoon(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const [key, block] of this.blocked) if (block.until <= now) this.blocked.delete(key);
    this.pool.query(`delete from ${TABLE} where expires_at < $1`, [now]).catch((error: unknown) => this.failedOpen(error));
  }

  private failedOpen(error: unknown): void {
    const now = Date.now();
    if (now - this.lastFailureLogged < 10_000) return;
    this.lastFailureLogged = now;
    console.error('[rate-limit] could not count requests; letting them through', (error as Error)?.message ?? error);
  }
}

interface WindowState {
  /** Hits in the current fixed window (a refused request is not one). */
  hits: number;
  /** Hits in the window before it. */
  previous: number;
}

function windowOf(rate: Rate, now: number): { slot: number; start: number; weight: number; expiresAt: number } {
  const length = rate.windowSeconds * 1000;
  const slot = Math.floor(now / length);
  const start = slot * length;
  // The previous window counts for the part of it still inside the last `windowSeconds`.
  return { slot, start, weight: 1 - (now - start) / length, expiresAt: start + 2 * length };
}

function estimate(rate: Rate, state: WindowState, now: number): number {
  return state.hits + state.previous * windowOf(rate, now).weight;
}

/**
 * When `extra` more hits would fit again (1: the caller's next request; 0: the conflict count
 * dropping under its limit), if nothing else is counted meanwhile: later in this window, as the
 * previous one slides out, or else in the next one, where this window's hits are the previous.
 */
function retryAt(rate: Rate, state: WindowState, now: number, extra: number): number {
  const length = rate.windowSeconds * 1000;
  const { start } = windowOf(rate, now);
  const room = rate.limit - extra - state.hits;
  // A request fits at the limit (`<=`); the conflict count must drop under it (`<`).
  if (extra ? room >= 0 : room > 0) {
    if (state.previous === 0) return now + 1;
    const at = start + length * (1 - room / state.previous);
    if (at < start + length) return Math.max(now, Math.ceil(at)) + 1;
  }
  if (state.hits === 0) return start + length;
  return Math.ceil(start + length + length * Math.max(0, 1 - (rate.limit - extra) / state.hits)) + 1;
}

/**
 * The one statement of a request. Each counted bucket (the caller's, then the agency's) counts
 * the request only if it fits, and only if the buckets before it admitted it: a refused request
 * uses up nothing, neither its caller's window nor its agency's. The check and the count are one
 * upsert: a row being counted by another gateway at the same moment is locked, and the condition
 * re-read, before this one counts. The watched buckets (conflicts) are only read.
 *
 * Parameters per counted bucket: key, slot, expires_at, weight of the previous window, limit; per
 * watched bucket: key, slot. Columns per counted bucket i: `c<i>` the hits after counting (null
 * when not counted), `h<i>` and `p<i>` the hits of this and the previous window before it.
 */
function admitStatement(counted: number, watched: number): string {
  const ctes: string[] = [];
  const columns: string[] = [];
  const admitted: string[] = [];
  let n = 0;
  const param = (type: string) => `$${++n}::${type}`;
  for (let i = 0; i < counted; i++) {
    const [key, slot, expires, weight, limit] = [param('text'), param('bigint'), param('bigint'), param('float8'), param('int')];
    const previous = `coalesce((select hits from p${i}), 0) * ${weight}`;
    ctes.push(
      `h${i} as (select hits from ${TABLE} where bucket = ${key} and slot = ${slot})`,
      `p${i} as (select hits from ${TABLE} where bucket = ${key} and slot = ${slot} - 1)`,
      `c${i} as (insert into ${TABLE} as w (bucket, slot, hits, expires_at)
         select ${key}, ${slot}, 1, ${expires} where ${[...admitted, `coalesce((select hits from h${i}), 0) + 1 + ${previous} <= ${limit}`].join(' and ')}
         on conflict (bucket, slot) do update set hits = w.hits + 1 where w.hits + 1 + ${previous} <= ${limit}
         returning hits)`,
    );
    admitted.push(`exists (select from c${i})`);
    columns.push(`(select hits from c${i}) as c${i}`, `(select hits from h${i}) as h${i}`, `(select hits from p${i}) as p${i}`);
  }
  for (let i = 0; i < watched; i++) {
    const [key, slot] = [param('text'), param('bigint')];
    columns.push(
      `(select hits from ${TABLE} where bucket = ${key} and slot = ${slot}) as w${i}`,
      `(select hits from ${TABLE} where bucket = ${key} and slot = ${slot} - 1) as wp${i}`,
    );
  }
  return `${ctes.length ? `with ${ctes.join(',\n')}\n` : ''}select ${columns.join(', ')}`;
}

/** RATE_LIMITED with HTTP 429 and Retry-After (whole seconds, at least 1). */
export function rateLimited(reason: RateLimitReason, rate: Rate, waitMs: number): GraphQLError {
  const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
  const what = {
    [RateLimitReason.SUBJECT]: `requests from this caller`,
    [RateLimitReason.AGENCY]: `requests from this caller's agency`,
    [RateLimitReason.CONFLICTS]: `conflicting writes (already registered) from this caller`,
  }[reason];
  return rateLimitedError(`Too many ${what}: at most ${rate.limit} in ${describeWindow(rate.windowSeconds)}. Try again in ${retryAfterSeconds} s.`, retryAfterSeconds, {
    reason,
    retryAfterSeconds,
    limit: rate.limit,
    windowSeconds: rate.windowSeconds,
  });
}

function describeWindow(seconds: number): string {
  if (seconds % 3600 === 0) return seconds === 3600 ? 'an hour' : `${seconds / 3600} hours`;
  if (seconds % 60 === 0) return seconds === 60 ? 'a minute' : `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}

/**
 * CONFLICTs about the caller's own idempotency key (a retry while the first request still runs, a
 * key sent again with another request) say nothing about anyone's records: they are not counted.
 */
const NOT_A_PROBE = new Set<unknown>(Object.values(IdempotencyReason));

/** Counts each answer that carried CONFLICT against its caller, before the answer leaves. */
export function conflictCountPlugin(limiter: RateLimiter): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          const result = response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult;
          const probe = (error: { extensions?: Record<string, unknown> }) => error.extensions?.code === ErrorCode.CONFLICT && !NOT_A_PROBE.has(error.extensions.reason);
          if (!result.errors?.some(probe)) return;
          await limiter.recordConflict(contextValue.caller);
        },
      };
    },
  };
}

/**
 * Serves with a rate limiter on the gateway's database when any limit is set, closing it with
 * the server (`startGatewayMember` opens it beside the access log, on the same database).
 */
export async function withRateLimiter(
  database: MemberDatabase | string,
  limits: RateLimits | undefined,
  serve: (limiter: RateLimiter | undefined) => Promise<RunningHttpServer>,
): Promise<RunningHttpServer> {
  const limiter = hasRateLimits(limits) ? await RateLimiter.open(database, limits) : undefined;
  try {
    const server = await serve(limiter);
    return {
      ...server,
      async stop() {
        try {
          await server.stop();
        } finally {
          await limiter?.close();
        }
      },
    };
  } catch (error) {
    await limiter?.close();
    throw error;
  }
}
