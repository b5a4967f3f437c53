/**
 * Starts the real hub for one test file: its own fresh databases (`<DATABASE_URL db>_<suite>_<agency>`)
 * on the run's PostgreSQL, every subgraph on a free port, and the gateway in front.
 */
import { startStack, type RunningStack } from '../../src/stack';
import type { AgencyName } from '../../src/shared/config';

export const TEST_SEED = 2024;
export const TEST_WORKERS = 500;

export async function startTestStack(suite: string, options: { workers?: number } = {}): Promise<RunningStack> {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('DATABASE_URL is not set: run the tests through jest, whose global setup provides one.');
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/^\//, '') || 'wgtest'}_${suite}`;
  return startStack({
    databaseUrl: url.toString(),
    fresh: true,
    gatewayPort: 0,
    subgraphPorts: () => 0,
    demo: { seed: TEST_SEED, workers: options.workers ?? TEST_WORKERS },
  });
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
