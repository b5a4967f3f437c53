import type { EntityManager, EntitySchema } from '@mikro-orm/postgresql';
import type { EntityProperty } from '@mikro-orm/core';
import pg from 'pg';

/**
 * Rows per table per statement. Measured: a thousand costs the server no more than five thousand
 * (the statement is prepared once), and its rows are sent before they outlive a young-generation
 * collection, so the collector has less to copy.
 */
const BATCH = 1000;

interface Column {
  property: EntityProperty;
  /** The column's type as PostgreSQL names it (`text`, `date`, `text[]`). */
  type: string;
}

/** One table's pending rows, held column by column as array-literal elements. */
interface Table {
  name: string;
  columns: Column[];
  sql: string;
  values: string[][];
  rows: number;
}

/**
 * Bulk-loads demo rows: a batch of each table goes in as one INSERT ... SELECT FROM unnest() of
 * one array per column, sent straight to the load transaction's connection, so neither the ORM
 * nor the server parses a literal per value. While the server writes one batch the next is
 * generated; at most one batch waits, so memory stays flat however large the population.
 */
export class BulkWriter {
  private readonly tables = new Map<EntitySchema<any, any>, Table>();
  private client?: pg.ClientBase;
  /** The batch the server is writing; awaited before the next is sent, and at the end. */
  private writing: Promise<unknown> = Promise.resolve();

  constructor(private readonly em: EntityManager) {}

  async add<T extends object>(schema: EntitySchema<T, any>, row: T): Promise<void> {
    const table = this.tables.get(schema) ?? (await this.open(schema));
    for (let i = 0; i < table.columns.length; i++) table.values[i].push(element(table.columns[i], row as Record<string, unknown>, this.em));
    table.rows += 1;
    // Send every table, not just this one, so parent rows always land before their children.
    if (table.rows >= BATCH) await this.send();
  }

  /** Writes what is pending and waits until every row has landed. */
  async flush(): Promise<void> {
    await this.send();
    await this.writing;
  }

  /** Sends the pending rows of every table, parents first in the order their schemas were first added. */
  private async send(): Promise<void> {
    const batch = [...this.tables.values()].filter((table) => table.rows > 0).map((table) => {
      const params = table.values.map((values) => `{${values.join(',')}}`);
      table.values = table.columns.map(() => []);
      table.rows = 0;
      // Named, so each table's statement is parsed and planned once per load, not once per batch.
      return { name: `demo_load_${table.name}`, text: table.sql, values: params };
    });
    // One batch in the server's hands at a time: a load faster than the server must not queue up rows.
    await this.writing;
    const client = this.client!;
    this.writing = (async () => {
      for (const statement of batch) await client.query(statement);
    })();
    // Its failure is raised at the next send or flush; until then it must not count as unhandled.
    this.writing.catch(() => {});
  }

  private async open(schema: EntitySchema<any, any>): Promise<Table> {
    this.client ??= await transactionClient(this.em);
    const meta = this.em.getMetadata().get(schema.meta.className);
    // Column types as the migrations made them: the ORM's idea of a string column is varchar(255).
    const { rows: types } = await this.client.query<{ name: string; type: string }>(
      `select attname as name, format_type(atttypid, atttypmod) as type
         from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped`,
      [meta.tableName],
    );
    const typeOf = new Map(types.map((column) => [column.name, column.type]));
    const columns = meta.props
      .filter((property) => property.persist !== false && property.fieldNames?.length === 1)
      .map((property) => {
        const type = typeOf.get(property.fieldNames[0]);
        if (!type) throw new Error(`${meta.tableName} has no column ${property.fieldNames[0]} for ${meta.className}.${property.name}.`);
        return { property, type };
      });
    const names = columns.map(({ property }) => pg.escapeIdentifier(property.fieldNames[0]));
    // unnest() flattens arrays of arrays, so an array column travels as text and is cast back.
    const selected = columns.map(({ type }, i) => (type.endsWith('[]') ? `${names[i]}::${type}` : names[i]));
    const unnested = columns.map(({ type }, i) => `$${i + 1}::${type.endsWith('[]') ? 'text' : type}[]`);
    const table: Table = {
      name: meta.tableName,
      columns,
      sql: `insert into ${pg.escapeIdentifier(meta.tableName)} (${names.join(', ')})
        select ${selected.join(', ')} from unnest(${unnested.join(', ')}) as loaded (${names.join(', ')})`,
      values: columns.map(() => []),
      rows: 0,
    };
    this.tables.set(schema, table);
    return table;
  }
}

/** The pg client under the load transaction: within a transaction, knex hands out the transaction's own connection. */
async function transactionClient(em: EntityManager): Promise<pg.ClientBase> {
  const transaction = em.getTransactionContext();
  if (!transaction) throw new Error('BulkWriter writes inside the load transaction (seedAgency).');
  return transaction.client.acquireConnection();
}

/** A row's value for a column, as an element of a PostgreSQL array literal. */
function element(column: Column, row: Record<string, unknown>, em: EntityManager): string {
  let value = row[column.property.name];
  // As the ORM inserts: a value left out takes its onCreate default, or null.
  if (value === undefined) value = column.property.onCreate ? column.property.onCreate(row, em) : null;
  if (value === null || value === undefined) {
    if (!column.property.nullable) throw new Error(`Demo row for ${column.property.name} has no value, and the column is not nullable.`);
    return 'NULL';
  }
  if (typeof value === 'string') return quoted(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return isoTimestamp(value);
  if (Array.isArray(value)) return quoted(`{${value.map((item) => quoted(String(item))).join(',')}}`);
  throw new Error(`Demo row for ${column.property.name} has a value the bulk writer cannot write: ${String(value)}`);
}

/** Quoted for an array literal; only quotes and backslashes need escaping inside the quotes. */
function quoted(text: string): string {
  return /["\\]/.test(text) ? `"${text.replace(/["\\]/g, '\\$&')}"` : `"${text}"`;
}

/** Demo timestamps repeat (10:00 on a few thousand days), so their text is remembered. */
const timestamps = new Map<number, string>();

function isoTimestamp(date: Date): string {
  const time = date.getTime();
  let text = timestamps.get(time);
  if (text === undefined) {
    text = date.toISOString();
    if (timestamps.size < 100_000) timestamps.set(time, text);
  }
  return text;
}
