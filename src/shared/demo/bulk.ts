import type { EntityManager, EntitySchema } from '@mikro-orm/postgresql';

const BATCH = 1000;

/**
 * Bulk-loads demo rows: multi-row INSERTs of a thousand, bypassing the unit of work, so 100k
 * workers load in seconds rather than minutes.
 */
export class BulkWriter {
  private readonly pending = new Map<EntitySchema<any, any>, object[]>();

  constructor(private readonly em: EntityManager) {}

  async add<T extends object>(schema: EntitySchema<T, any>, row: T): Promise<void> {
    const rows = this.pending.get(schema) ?? [];
    rows.push(row);
    this.pending.set(schema, rows);
    // Flush everything, not just this table, so parent rows always land before their children.
    if (rows.length >= BATCH) await this.flush();
  }

  /** Writes what is pending, parents first in the order their schemas were first added. */
  async flush(): Promise<void> {
    for (const schema of this.pending.keys()) await this.write(schema);
  }

  private async write(schema: EntitySchema<any, any>): Promise<void> {
    const rows = this.pending.get(schema);
    if (!rows?.length) return;
    this.pending.set(schema, []);
    await this.em.insertMany(schema, rows);
  }
}
