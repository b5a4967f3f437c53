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
export async function startTestStack(suite: string, options: { workers?: number; as?: CallerSpec } = {}): Promise<TestStack> {
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
    keys,
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
