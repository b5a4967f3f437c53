import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager, EntitySchema } from '@mikro-orm/postgresql';
import { badInput } from './errors.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface PageRequest {
  /** How many rows the caller asked for. */
  first: number;
  /** The sort key of the last row the caller has seen, if any. */
  afterKey?: string;
}

/** Validates Relay arguments: `first` between 1 and MAX_PAGE_SIZE, `after` a cursor we issued. */
export function pageRequest(first: number | null | undefined, after: string | null | undefined): PageRequest {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw badInput(`"first" must be between 1 and ${MAX_PAGE_SIZE}, got ${size}.`, 'first');
  }
  return { first: size, afterKey: after == null ? undefined : decodeCursor(after) };
}

const CURSOR_PREFIX = 'k:';

export function encodeCursor(key: string): string {
  return Buffer.from(CURSOR_PREFIX + key, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!decoded.startsWith(CURSOR_PREFIX) || decoded.length === CURSOR_PREFIX.length) {
    throw badInput(`"${cursor}" is not a cursor from this list; pass an endCursor you were given.`, 'after');
  }
  return decoded.slice(CURSOR_PREFIX.length);
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** Counted only when a client selects `totalCount`, so paging does not pay for a count. */
  totalCount: () => Promise<number>;
}

/**
 * Builds a Relay connection from `first + 1` rows fetched in key order after the cursor: the
 * extra row only tells whether another page exists.
 */
export function toConnection<T>(rows: T[], page: PageRequest, keyOf: (row: T) => string, count: () => Promise<number>): Connection<T> {
  const hasNextPage = rows.length > page.first;
  const nodes = hasNextPage ? rows.slice(0, page.first) : rows;
  const edges = nodes.map((node) => ({ cursor: encodeCursor(keyOf(node)), node }));
  return {
    edges,
    pageInfo: { hasNextPage, endCursor: edges.length ? edges[edges.length - 1].cursor : null },
    totalCount: count,
  };
}

/**
 * One page of `schema` rows matching `where`, in id order after the cursor (keyset paging: a
 * page deep in a million rows costs the same as the first), as a Relay connection.
 */
export async function findPage<T extends { id: string }>(
  em: EntityManager,
  schema: EntitySchema<T, any>,
  where: FilterQuery<T>,
  args: { first?: number | null; after?: string | null },
): Promise<Connection<T>> {
  const page = pageRequest(args.first, args.after);
  const afterCursor = (page.afterKey ? { $and: [where, { id: { $gt: page.afterKey } }] } : where) as FilterQuery<T>;
  const rows = (await em.find(schema, afterCursor, { orderBy: { id: 'asc' } as never, limit: page.first + 1 })) as T[];
  return toConnection(rows, page, (row) => row.id, () => em.count(schema, where));
}
