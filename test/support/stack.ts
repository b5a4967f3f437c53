/**
 * Starts the real hub for one test file: its own databases (`<run prefix>_<suite>_<agency>`, copies
 * of the run's demo templates: templates.ts) on the run's PostgreSQL, every subgraph on a free
 * port, and the gateway in front. Stopping it drops those databases and their roles.
 */
import { startStack, type RunningStack } from '../../src/hub/stack';
import type { AgencyName } from '../../src/shared/config';
import { generateAccessKeys, signCallerToken, type AccessKeys, type TokenRequest } from '../../src/shared/access/keys';
import pg from 'pg';
import { asAdministrator, dropDatabasesAndRoles, runPrefix } from './databases';
import { demoTemplate } from './templates';
import type { Caller } from '../../src/shared/access/caller';
import { SEAL_HEADER, sealCall, type CallKind } from '../../src/shared/access/seal';
import { PURPOSE_HEADER } from '../../gateway/authenticate';
import type { RateLimits } from '../../gateway/rate-limit';

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
 *
 * `registeredOnlyRoles`: the roles the gateway lets run registered operations only. None by
 * default here, unlike the hub's default (REGISTERED_OPERATIONS_ONLY_ROLES: analyst, service, crp):
 * most suites test what each role may read, and write, with operations of their own, which the
 * subgraphs check whatever the gateway lets through. A suite whose callers are real clients
 * sending registered operations (the dashboard, the report scripts) or that tests the rule
 * itself (guards.test.ts) passes `config.registeredOperationsOnlyRoles`.
 *
 * `rateLimits`: none by default (RATE_LIMIT_* do not apply to a test stack); rate-limit.test.ts sets low ones.
 */
export async function startTestStack(
  suite: string,
  options: { workers?: number; as?: CallerSpec; supergraphFile?: string; registeredOnlyRoles?: readonly string[]; rateLimits?: RateLimits } = {},
): Promise<TestStack> {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('DATABASE_URL is not set: run the tests through jest, whose global setup provides one.');
  const url = new URL(base);
  url.pathname = `${runPrefix(base)}_${suite}`;
  const keys = await generateAccessKeys();
  const demo = { seed: TEST_SEED, workers: options.workers ?? TEST_WORKERS };
  const stack = await startStack({
    databaseUrl: url.toString(),
    // Copies of the run's migrated and loaded databases for this demo size, made once (templates.ts).
    template: await demoTemplate(demo),
    gatewayPort: 0,
    subgraphPorts: () => 0,
    auditPort: 0,
    reportsPort: 0,
    keys,
    supergraphFile: options.supergraphFile,
    registeredOnlyRoles: options.registeredOnlyRoles ?? [],
    // No rate limits unless the suite sets its own (rate-limit.test.ts): suites send bursts.
    rateLimits: options.rateLimits ?? {},
    demo,
  });
  // The suite's databases and their roles go when it stops: nothing of it stays on the server.
  const stop = async () => {
    await stack.stop();
    await dropSuiteDatabases(base, stack);
  };
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
    stop,
    databaseUrl: url.toString(),
    headersFor,
    query: async (query, variables, caller) => graphql(stack.gatewayUrl, query, variables, await headersFor(caller)),
  };
}

/** Drops the databases of a stopped hub, and the roles provisioned for them. */
async function dropSuiteDatabases(base: string, stack: RunningStack): Promise<void> {
  const databases = [...stack.databases.values()];
  const name = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));
  const login = (url: string) => decodeURIComponent(new URL(url).username);
  await asAdministrator(base, (admin) =>
    dropDatabasesAndRoles(admin, databases.map((database) => name(database.ownerUrl)), databases.flatMap((database) => [login(database.ownerUrl), login(database.runtimeUrl)])),
  );
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

/**
 * Runs `work` and returns how many SQL statements each agency sent meanwhile to read and write its
 * records, and which, and apart from them how many seals it spent (one insert into `seal_use` per
 * sealed call it accepted: a fixed cost per call, not data access).
 */
export async function countStatements(stack: RunningStack, work: () => Promise<unknown>) {
  for (const { database } of stack.subgraphs.values()) database.sqlLog.reset();
  await work();
  const counts = {} as Record<AgencyName, { total: number; statements: string[]; sealsSpent: number }>;
  for (const [name, { database }] of stack.subgraphs) {
    const statements = [...database.sqlLog.recent].filter((sql) => !isSealSpend(sql));
    const sealsSpent = database.sqlLog.recent.length - statements.length;
    counts[name] = { total: database.sqlLog.count - sealsSpent, statements, sealsSpent };
  }
  return counts;
}

const isSealSpend = (sql: string) => /^insert into seal_use /.test(sql);

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

/** The seal header `member` of this hub would send to `audience` for exactly `body`. */
export async function sealedBy(stack: RunningStack, member: string, caller: Caller, audience: string, body: string, kind: CallKind = 'graphql'): Promise<Record<string, string>> {
  return { [SEAL_HEADER]: await sealCall(stack.seals.get(member)!.signer(), { caller, audience, body, kind }) };
}

/** Runs SQL on a member's database as its owner role (what the service itself may not do: tamper tests). */
export async function asOwner(stack: RunningStack, member: string, sql: string | string[], params: unknown[] = []): Promise<any[]> {
  const client = new pg.Client({ connectionString: stack.databases.get(member)!.ownerUrl });
  await client.connect();
  try {
    let rows: any[] = [];
    // Several statements run in order on one connection; the parameters go to the last.
    const statements = Array.isArray(sql) ? sql : [sql];
    for (const [i, statement] of statements.entries()) rows = (await client.query(statement, i === statements.length - 1 ? params : [])).rows;
    return rows;
  } finally {
    await client.end();
  }
}

/**
 * A history table is append-only twice over: the service's runtime role has no right to change it,
 * and even its owner is stopped by the trigger.
 */
export async function expectAppendOnly(stack: RunningStack, member: string, table: string, column: string, runtime: (sql: string) => Promise<unknown>): Promise<void> {
  for (const statement of [`update ${table} set ${column} = 'someone else'`, `delete from ${table}`, `truncate ${table}`]) {
    await expect(runtime(statement)).rejects.toThrow(/permission denied/);
    await expect(asOwner(stack, member, statement)).rejects.toThrow(/append-only/);
  }
}
