/**
 * Report answers an agency has already worked out, kept until its records change. A national
 * report at a million workers asks an agency for sets its SQL takes seconds to scan; asked again
 * with nothing changed, the agency reads its answer here instead.
 *
 * What marks a change is the agency's own change history: every write to a record table adds a
 * `record_change` row (src/shared/history.ts), and a trigger on that table sends a notice on
 * `worker_graph_changes` when the writing transaction commits. Each agency process listens and
 * counts the notices (its *generation*); an answer is kept with the generation it was worked out
 * under and is good only while that holds. The generation is read before the answer's queries
 * start, so a write that commits while they run turns the answer away rather than keeping it
 * stale. While the listener is not connected nothing is kept, so a missed notice cannot leave an
 * old answer behind. A change therefore shows as soon as its notice arrives (milliseconds).
 *
 * The key is the whole question and everything the agency's policy depends on: the caller's
 * agency, role, jurisdiction and purpose, the day asked and the parameters. Answers to questions
 * naming workers (a page of a worklist) are small and are not kept.
 */
import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import { LRUCache } from 'lru-cache';
import pg from 'pg';
import type { Caller } from './access/caller.js';
import { config } from './config.js';
import { describeForLog } from './errors.js';

export const CHANGE_CHANNEL = 'worker_graph_changes';

/**
 * Every agency database gets the notice, after its own migrations (which made `record_change`).
 * Statement level: a write of many rows sends one notice, and a transaction's notices fold into one.
 */
class Migration20261202120000_change_notice extends Migration {
  override up(): void {
    this.addSql(`create or replace function record_change_notice() returns trigger language plpgsql as $$
      begin
        perform pg_notify('${CHANGE_CHANNEL}', '');
        return null;
      end $$`);
    this.addSql('drop trigger if exists record_change_notice on record_change');
    this.addSql(`create trigger record_change_notice after insert on record_change
      for each statement execute function record_change_notice()`);
  }
}

export const changeNoticeMigration: MigrationObject = { name: 'Migration20261202120000_change_notice', class: Migration20261202120000_change_notice };

/** Counts an agency database's change notices on a connection of its own, reconnecting after a loss. */
export class ChangeWatch {
  /** Moves on with every notice, and with every loss of the connection. */
  generation = 0;
  private client: pg.Client | null = null;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;

  private constructor(private readonly url: string, private readonly agency: string) {}

  /** Starts listening; resolves once the first connection listens (or failed, and retries). */
  static async start(url: string, agency: string): Promise<ChangeWatch> {
    const watch = new ChangeWatch(url, agency);
    await watch.connect();
    return watch;
  }

  get listening(): boolean {
    return this.client !== null;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    const lost = (error?: unknown) => {
      if (this.client === client) {
        this.client = null;
        this.generation += 1;
        if (error && !this.closed) console.error(`[${this.agency}] change notices lost; reports are worked out afresh until they are back`, describeForLog(error));
      }
      client.end().catch(() => undefined);
      this.scheduleRetry();
    };
    client.on('notification', () => {
      this.generation += 1;
    });
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`listen ${CHANGE_CHANNEL}`);
      if (this.closed) {
        await client.end();
        return;
      }
      this.generation += 1;
      this.client = client;
    } catch (error) {
      lost(error);
    }
  }

  private scheduleRetry(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.connect();
    }, 1000);
    this.retry.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}

interface Kept {
  generation: number;
  value: string;
}

/** Answers as the wire carries them (JSON text), by question, for as long as nothing changed. */
export class StatisticsCache {
  private readonly kept: LRUCache<string, Kept> | null;
  /** Questions being worked out now: eight callers asking the same at once share one answer. */
  private readonly pending = new Map<string, Promise<string>>();

  constructor(private readonly watch: ChangeWatch | null, maxMegabytes: number) {
    this.kept = watch && maxMegabytes > 0
      ? new LRUCache<string, Kept>({ maxSize: maxMegabytes * 1024 * 1024, sizeCalculation: (entry) => Math.max(1, entry.value.length * 2) })
      : null;
  }

  /**
   * The cache of one agency's server, listening on its own connection to `url` (the service's
   * database), or none when STATISTICS_CACHE_MB is 0 or the database sends no change notices.
   */
  static async open(agency: string, url: string, orm: { execute(sql: string): Promise<unknown[]> }): Promise<StatisticsCache> {
    if (config.statisticsCacheMb === 0) return new StatisticsCache(null, 0);
    const notices = await orm.execute(`select 1 from pg_trigger where tgname = 'record_change_notice'`);
    if (!notices.length) {
      console.error(`[${agency}] its database sends no change notices (migration ${changeNoticeMigration.name}): report answers are worked out afresh each time`);
      return new StatisticsCache(null, 0);
    }
    return new StatisticsCache(await ChangeWatch.start(url, agency), config.statisticsCacheMb);
  }

  async close(): Promise<void> {
    await this.watch?.close();
  }

  /** The question's key: the question, and every part of the caller an agency's policy reads. */
  static key(caller: Caller, asOf: string, question: unknown): string {
    return JSON.stringify([caller.agency, caller.role, caller.jurisdiction, caller.purpose, asOf, question]);
  }

  /** The kept answer to `key`, or `work()`'s, kept when no change came while it ran. */
  async answer(key: string, work: () => Promise<string>): Promise<string> {
    if (!this.kept || !this.watch) return work();
    const generation = this.watch.generation;
    const kept = this.kept.get(key);
    if (kept && kept.generation === generation && this.watch.listening) return kept.value;
    const sharedKey = `${generation}\u0000${key}`;
    let running = this.pending.get(sharedKey);
    if (!running) {
      running = work().finally(() => this.pending.delete(sharedKey));
      this.pending.set(sharedKey, running);
      running.then((value) => {
        if (this.watch!.listening && this.watch!.generation === generation) this.kept!.set(key, { generation, value });
      }, () => undefined);
    }
    return running;
  }
}
