import { UniqueConstraintViolationException, ForeignKeyConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { GraphQLError } from 'graphql';
import { conflict, badInput, logConflict } from './errors.js';
import { markWriter, type Writer } from './history.js';

/**
 * Runs a write in one transaction, marked with who makes it and why so the agency's change
 * history records them. A unique or foreign-key violation that slipped past the resolver's own
 * checks (two requests racing) becomes the same error the check would have given: `onDuplicate`
 * is its message, or the error itself (`alreadyRegistered`). What collided (the constraint and
 * table, never the key's value, which PostgreSQL quotes in the error's `detail`) goes to the log.
 */
export async function writeInTransaction<T>(
  em: EntityManager,
  writer: Writer,
  work: (tx: EntityManager) => Promise<T>,
  onDuplicate: string | (() => GraphQLError) = 'That record already exists.',
): Promise<T> {
  try {
    return await em.transactional(async (tx) => {
      await markWriter(tx as EntityManager, writer);
      return work(tx as EntityManager);
    });
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) {
      const { constraint, table } = error as unknown as { constraint?: string; table?: string };
      logConflict('transaction', { constraint, table, actor: writer.actor });
      throw typeof onDuplicate === 'string' ? conflict(onDuplicate) : onDuplicate();
    }
    if (error instanceof ForeignKeyConstraintViolationException) throw badInput('The record refers to something that does not exist.');
    throw error;
  }
}

/**
 * Serialises writers on one key (a worker, a vehicle) until the transaction ends: for rules such
 * as "one valid licence at a time" that depend on today's date, which no unique index can hold.
 */
export async function lockFor(tx: EntityManager, key: string): Promise<void> {
  await tx.execute('select pg_advisory_xact_lock(hashtext(?))', [key]);
}

/** Next number from a PostgreSQL sequence, formatted as `<prefix><zero-padded number>`. */
export async function nextId(em: EntityManager, sequence: string, prefix: string, width = 7): Promise<string> {
  const [row] = await em.execute<{ n: string }[]>(`select nextval('${sequence}') as n`);
  return `${prefix}${String(row.n).padStart(width, '0')}`;
}

/** Moves a sequence past ids a bulk load wrote directly (demo seeding). */
export async function advanceSequence(em: EntityManager, sequence: string, to: number): Promise<void> {
  if (to > 0) await em.getConnection().execute(`select setval('${sequence}', ${Math.floor(to)})`);
}
