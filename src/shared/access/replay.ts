/**
 * A seal works once. Each receiving member remembers the ids of the seals it accepted until they
 * expire: in its own database, so every process of that member (replicas, a restarted process)
 * sees the same set, or in memory for a member that has no database and runs as one process.
 */
import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import type { EntityManager } from '@mikro-orm/postgresql';

export interface ReplayGuard {
  /** True the first time `sealId` is presented; false ever after, until `expiresAt` has passed. */
  firstUse(sealId: string, expiresAt: Date): Promise<boolean>;
}

const SWEEP_EVERY_MS = 60_000;

export class MemoryReplayGuard implements ReplayGuard {
  private readonly seen = new Map<string, number>();
  private lastSweep = Date.now();

  async firstUse(sealId: string, expiresAt: Date): Promise<boolean> {
    const now = Date.now();
    if (now - this.lastSweep > SWEEP_EVERY_MS) {
      for (const [id, until] of this.seen) if (until < now) this.seen.delete(id);
      this.lastSweep = now;
    }
    if (this.seen.has(sealId)) return false;
    this.seen.set(sealId, expiresAt.getTime());
    return true;
  }
}

/**
 * The ids live in `seal_use` (see the migration below): the primary key decides, in one
 * statement, which of two processes presented a seal first.
 */
export class DatabaseReplayGuard implements ReplayGuard {
  private lastSweep = Date.now();

  constructor(private readonly em: () => EntityManager) {}

  async firstUse(sealId: string, expiresAt: Date): Promise<boolean> {
    const connection = this.em().getConnection();
    if (Date.now() - this.lastSweep > SWEEP_EVERY_MS) {
      this.lastSweep = Date.now();
      await connection.execute('delete from seal_use where expires_at < now()', [], 'run');
    }
    const result = await connection.execute<{ affectedRows: number }>(
      'insert into seal_use (seal_id, expires_at) values (?, ?) on conflict (seal_id) do nothing',
      [sealId, expiresAt],
      'run',
    );
    return result.affectedRows === 1;
  }
}

/**
 * Every member database gets the table, after its own migrations. Unlogged: no WAL and no fsync
 * per call; a database crash empties it, which re-opens replays only for seals under 30 s old.
 */
class Migration20261201000000_seal_use extends Migration {
  override up(): void {
    this.addSql('create unlogged table if not exists seal_use (seal_id text primary key, expires_at timestamptz not null)');
  }
}

export const sealUseMigration: MigrationObject = { name: 'Migration20261201000000_seal_use', class: Migration20261201000000_seal_use };
