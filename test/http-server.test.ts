/**
 * The routes every member of the hub serves beside /graphql, on a real ApolloServer: /health for
 * "alive", /ready for "send me traffic" (never hanging, and off as soon as the server is stopping),
 * /metrics in Prometheus text; and the answer to an oversized body.
 */
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { gql } from 'graphql-tag';
import { ErrorCode, formatError, notFound } from '../src/shared/errors';
import { serveGraphQL, type RunningHttpServer } from '../src/shared/http-server';
import { Metrics } from '../src/shared/metrics';

const typeDefs = gql`
  type Query {
    hello: String!
    worker(id: ID!): String
    broken: String
  }
`;
const resolvers = {
  Query: {
    hello: () => 'namaste',
    worker: (_: unknown, { id }: { id: string }) => {
      throw notFound('worker', id);
    },
    broken: () => {
      throw new Error('connection terminated unexpectedly');
    },
  },
};

let checks: () => Promise<Record<string, boolean>>;

async function start(options: { metrics?: Metrics; plugins?: ApolloServerPlugin[] } = {}): Promise<RunningHttpServer> {
  const apollo = new ApolloServer({
    typeDefs,
    resolvers,
    formatError,
    plugins: [...(options.metrics ? [options.metrics.plugin()] : []), ...(options.plugins ?? [])],
  });
  return serveGraphQL({
    apollo,
    port: 0,
    host: '127.0.0.1',
    ready: () => checks(),
    readyTimeoutMs: 200,
    metrics: options.metrics,
    async context(req) {
      if (req.headers.authorization !== 'Bearer ok') throw new GraphQLError('No valid bearer token.', { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
      return {};
    },
  });
}

let server: RunningHttpServer;
let metrics: Metrics;
beforeAll(async () => {
  metrics = new Metrics('labour');
  server = await start({ metrics });
});
afterAll(() => server?.stop());
beforeEach(() => {
  checks = async () => ({ schema: true, database: true });
});
afterEach(() => jest.restoreAllMocks());

function route(path: string, running = server): string {
  return running.url.replace('/graphql', path);
}

async function query(text: string, authorization = 'Bearer ok'): Promise<Response> {
  return fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify({ query: text }) });
}

test('/health answers 200 while the process is alive', async () => {
  const res = await fetch(route('/health'));
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ status: 'ok' });
});

test('/ready answers 200 with every check when all pass', async () => {
  const res = await fetch(route('/ready'));
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ status: 'ready', checks: { schema: true, database: true } });
});

test('/ready answers 503, naming the checks, when one fails', async () => {
  checks = async () => ({ schema: true, database: false });
  const res = await fetch(route('/ready'));
  expect(res.status).toBe(503);
  expect(await res.json()).toEqual({ status: 'not ready', checks: { schema: true, database: false } });
});

test('/ready answers 503 when a check throws, without telling the caller what it threw', async () => {
  checks = async () => {
    throw new Error('password authentication failed for user "labour"');
  };
  const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  const res = await fetch(route('/ready'));
  expect(res.status).toBe(503);
  const body = await res.json();
  expect(body).toMatchObject({ status: 'not ready', checks: {} });
  expect(JSON.stringify(body)).not.toContain('password');
  expect(logged).toHaveBeenCalled();
});

test('/ready answers 503 within its timeout when a check hangs', async () => {
  checks = () => new Promise(() => undefined);
  const started = performance.now();
  const res = await fetch(route('/ready'));
  expect(res.status).toBe(503);
  expect(await res.json()).toMatchObject({ status: 'not ready', reason: expect.stringContaining('200 ms') });
  expect(performance.now() - started).toBeLessThan(1000);
});

test('/ready answers 503 as soon as stop() begins, while /health still answers', async () => {
  let finishDraining!: () => void;
  const draining = new Promise<void>((resolve) => (finishDraining = resolve));
  let drainStarted!: () => void;
  const drainBegun = new Promise<void>((resolve) => (drainStarted = resolve));
  // Holds Apollo's shutdown open, so the test can look at the server while it is stopping.
  const slowDrain: ApolloServerPlugin = {
    async serverWillStart() {
      return {
        async drainServer() {
          drainStarted();
          await draining;
        },
      };
    },
  };
  const stoppingServer = await start({ plugins: [slowDrain] });
  expect((await fetch(route('/ready', stoppingServer))).status).toBe(200);
  const stopped = stoppingServer.stop();
  try {
    await drainBegun;
    const res = await fetch(route('/ready', stoppingServer));
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'not ready', reason: 'stopping' });
    expect((await fetch(route('/health', stoppingServer))).status).toBe(200);
  } finally {
    finishDraining();
    await stopped;
  }
});

test('/metrics serves Prometheus text: requests by error code, durations, restarts and process metrics', async () => {
  jest.spyOn(console, 'error').mockImplementation(() => undefined); // the internal error is logged
  const before = await metricsText();
  expect(await (await query('{ hello }')).json()).toEqual({ data: { hello: 'namaste' } });
  await query('{ worker(id: "W-0000001") }');
  await query('{ broken }');
  await query('{ hello worker(id: "W-0000002") }');
  expect((await query('{ hello', 'Bearer ok')).status).toBe(400);
  expect((await query('{ hello }', 'Bearer forged')).status).toBe(401);

  const res = await fetch(route('/metrics'));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
  const text = await res.text();
  const added = (code: string) => sample(text, 'worker_graph_requests_total', { code }) - sample(before, 'worker_graph_requests_total', { code });
  expect(added('OK')).toBe(1);
  expect(added('NOT_FOUND')).toBe(2); // the partial answer counts too
  expect(added('INTERNAL_SERVER_ERROR')).toBe(1);
  expect(added('GRAPHQL_PARSE_FAILED')).toBe(1);
  expect(added('UNAUTHENTICATED')).toBe(1); // refused before GraphQL ran
  expect(text).toContain('# TYPE worker_graph_requests_total counter');
  expect(text).toContain('# TYPE worker_graph_request_duration_seconds histogram');
  expect(sample(text, 'worker_graph_request_duration_seconds_count', {})).toBeGreaterThanOrEqual(5);
  expect(sample(text, 'worker_graph_process_restarts', {})).toBe(0);
  expect(text).toMatch(/^worker_graph_process_cpu_seconds_total\{member="labour"\} /m);
});

test('process restarts are read from WG_RESTARTS', async () => {
  process.env.WG_RESTARTS = '3';
  try {
    expect(sample(await new Metrics('audit').text(), 'worker_graph_process_restarts', {}, 'audit')).toBe(3);
  } finally {
    delete process.env.WG_RESTARTS;
  }
});

test('/metrics is not found on a server given no metrics', async () => {
  const bare = await start();
  try {
    expect((await fetch(route('/metrics', bare))).status).toBe(404);
  } finally {
    await bare.stop();
  }
});

test('an oversized body is refused with 413 and BAD_USER_INPUT', async () => {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer ok' },
    body: JSON.stringify({ query: `{ hello }`, variables: { padding: 'x'.repeat(1_100_000) } }),
  });
  expect(res.status).toBe(413);
  const { errors } = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
  expect(errors[0].extensions.code).toBe(ErrorCode.BAD_USER_INPUT);
  expect(errors[0].message).toMatch(/too large/);
});

function metricsText(): Promise<string> {
  return fetch(route('/metrics')).then((res) => res.text());
}

/** The value of one sample in Prometheus text, whatever the order of its labels (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string>, member = 'labour'): number {
  const wanted = JSON.stringify(Object.entries({ ...labels, member }).sort());
  for (const line of text.split('\n')) {
    const match = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = [...match[2].matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]);
    if (JSON.stringify(found.sort()) === wanted) return Number(match[3]);
  }
  return 0;
}
