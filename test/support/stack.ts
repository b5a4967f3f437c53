/**
 * Starts the real hub for one test file: its own fresh databases (`<DATABASE_URL db>_<suite>_<agency>`)
 * on the run's PostgreSQL, every subgraph on a free port, and the gateway in front.
 */
import { startStack, type RunningStack } from '../../src/stack';
import type { AgencyName } from '../../src/shared/config';
import { generateAccessKeys, signCallerToken, type AccessKeys, type TokenRequest } from '../../src/shared/access/keys';
import { PURPOSE_HEADER } from '../../gateway/access';

export const TEST_SEED = 2024;
export const TEST_WORKERS = 500;

/** Who a test request comes from; anything left out is filled from the suite's default caller. */
export type CallerSpec = Partial<TokenRequest>;

export interface TestStack extends RunningStack {
  /** The suite's server URL: every agency's database is `<its name>_<agency>` on it. */
  databaseUrl: string;
  /** The Authorization and purpose headers a client of this caller would send. */
  headersFor(caller?: CallerSpec): Promise<Record<string, string>>;
  /** Sends one operation through the gateway as `caller` (the suite's default caller if omitted). */
  query<T = any>(query: string, variables?: Record<string, unknown>, caller?: CallerSpec): Promise<GraphQLResponse<T>>;
}

/**
 * The suite's default caller is a national officer of `as.agency` holding the write scope: each
 * agency's tests write that agency's records. Access rules get tests of their own.
 */
export async function startTestStack(
  suite: string,
  options: { workers?: number; as?: CallerSpec; supergraphFile?: string } = {},
): Promise<TestStack> {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('DATABASE_URL is not set: run the tests through jest, whose global setup provides one.');
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/^\//, '') || 'wgtest'}_${suite}`;
  const keys = await generateAccessKeys();
  const stack = await startStack({
    databaseUrl: url.toString(),
    fresh: true,
    gatewayPort: 0,
    subgraphPorts: () => 0,
    auditPort: 0,
    reportsPort: 0,
    keys,
    supergraphFile: options.supergraphFile,
    demo: { seed: TEST_SEED, workers: options.workers ?? TEST_WORKERS },
  });
  const defaults: TokenRequest = {
    agency: 'labour',
    subject: `${suite}-tester`,
    role: 'officer',
    jurisdiction: 'national',
    scopes: ['read', 'write'],
    purpose: 'Service delivery',
    ...options.as,
  };
  const headersFor = (caller: CallerSpec = {}) => authHeaders(keys, { ...defaults, ...caller });
  return {
    ...stack,
    databaseUrl: url.toString(),
    headersFor,
    query: async (query, variables, caller) => graphql(stack.gatewayUrl, query, variables, await headersFor(caller)),
  };
}

/** A signed token for `caller`, sent with the purpose as a header as a department's client would. */
export async function authHeaders(keys: AccessKeys, caller: TokenRequest): Promise<Record<string, string>> {
  const { purpose, ...claims } = caller;
  return {
    authorization: `Bearer ${await signCallerToken(keys, claims)}`,
    ...(purpose ? { [PURPOSE_HEADER]: purpose } : {}),
  };
}

export interface GraphQLResponse<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

/** Sends one GraphQL operation over HTTP, as any client would. */
export async function graphql<T = any>(url: string, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<T>, 'status'>;
  return { status: response.status, ...body };
}

/** The error codes in a response, for asserting what a client can switch on. */
export function errorCodes(response: GraphQLResponse): string[] {
  return (response.errors ?? []).map((error) => String(error.extensions?.code));
}

/**
 * Every page of the connection `field` as `caller`: each page's end cursor goes back as `$after` (the
 * query must take `$after: String` and select `totalCount`, `edges { node }` and `pageInfo { hasNextPage
 * endCursor }`), and no page may carry errors. Returns every node shown and the distinct totalCounts reported.
 */
export async function everyPage(stack: TestStack, query: string, field: string, variables: Record<string, unknown> = {}, caller?: CallerSpec): Promise<{ nodes: any[]; totals: number[]; pages: number }> {
  const nodes: any[] = [];
  const totals = new Set<number>();
  let after: string | null = null;
  let pages = 0;
  do {
    pages += 1;
    const res: GraphQLResponse = await stack.query(query, { ...variables, after }, caller);
    expect(res.errors).toBeUndefined();
    const connection = res.data[field];
    totals.add(connection.totalCount);
    nodes.push(...connection.edges.map((e: any) => e.node));
    after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
  } while (after);
  return { nodes, totals: [...totals], pages };
}

/**
 * Asks `query` (taking `$id: ID!`) for a record `caller` may not see and for one that does not exist: the
 * hidden one must come back null with the same NOT_FOUND, and the same message but for the id, as the unknown one.
 */
export async function expectHiddenLikeUnknown(stack: TestStack, query: string, field: string, ids: { hidden: string; unknown: string }, caller?: CallerSpec): Promise<void> {
  const hidden = await stack.query(query, { id: ids.hidden }, caller);
  const unknown = await stack.query(query, { id: ids.unknown }, caller);
  expect(hidden.data[field]).toBeNull();
  expect(errorCodes(hidden)).toEqual(['NOT_FOUND']);
  expect(hidden.errors![0].message.replace(ids.hidden, 'ID')).toEqual(unknown.errors![0].message.replace(ids.unknown, 'ID'));
}

/** Runs `work` and returns how many SQL statements each agency sent meanwhile, and which. */
export async function countStatements(stack: RunningStack, work: () => Promise<unknown>) {
  for (const { database } of stack.subgraphs.values()) database.sqlLog.reset();
  await work();
  const counts = {} as Record<AgencyName, { total: number; statements: string[] }>;
  for (const [name, { database }] of stack.subgraphs) {
    counts[name] = { total: database.sqlLog.count, statements: [...database.sqlLog.recent] };
  }
  return counts;
}

/** The table a SELECT reads from, for per-table statement budgets. */
export function tableOf(sql: string): string {
  return /from\s+"?(\w+)"?/i.exec(sql)?.[1] ?? sql.slice(0, 40);
}

/** How many of `statements` read each table, for asserting one statement per table. */
export function statementsPerTable(statements: string[]): Record<string, number> {
  const perTable: Record<string, number> = {};
  for (const statement of statements) perTable[tableOf(statement)] = (perTable[tableOf(statement)] ?? 0) + 1;
  return perTable;
}
