/**
 * The routes every member of the hub serves beside /graphql, on a real ApolloServer: /health for
 * "alive", /ready for "send me traffic" (never hanging, and off as soon as the server is stopping),
 * /metrics in Prometheus text; and every request refused before GraphQL runs (oversized body or
 * headers, malformed JSON, a batch, a wrong method, media type or accept header, CSRF prevention,
 * a crash), each answered with its status, a code and a reason, and told to `onRefused` once.
 */
import net from 'node:net';
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { gql } from 'graphql-tag';
import { ErrorCode, formatError, notFound } from '../src/shared/errors';
import { graphQLOverHTTPStatus, serveGraphQL, type Refusal, type RunningHttpServer } from '../src/shared/http-server';
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
let refusals: Refusal<BaseContext>[] = [];

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
    routes: [
      (req) => {
        if (req.url === '/crash') throw new Error('a bug in a route');
        return false;
      },
    ],
    onRefused: (refusal) => {
      refusals.push(refusal);
    },
    async context(req) {
      if (req.headers.authorization !== 'Bearer ok') throw new GraphQLError('No valid bearer token.', { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
      return { caller: 'ok' };
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
  refusals = [];
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

describe('requests refused before GraphQL runs', () => {
  const json = { 'content-type': 'application/json', authorization: 'Bearer ok' };
  const post = (body: string | ReadableStream | undefined, headers: Record<string, string> = json, method = 'POST') => fetch(server.url, { method, headers, body });

  /** The answer's status and error, and what onRefused was told: once, the same code and reason. */
  async function expectRefused(res: Response, status: number, code: string, reason: string) {
    expect(res.status).toBe(status);
    const { errors } = (await res.json()) as { errors: { message: string; extensions: { code: string; reason: string } }[] };
    expect(errors).toHaveLength(1);
    expect(errors[0].extensions).toMatchObject({ code, reason });
    expect(errors[0].message).toBeTruthy();
    expect(refusals.map((r) => [r.status, r.code, r.reason])).toEqual([[status, code, reason]]);
    return { message: errors[0].message, refusal: refusals[0]! };
  }

  test('an oversized body: 413, BAD_USER_INPUT, BODY_TOO_LARGE, by its content-length', async () => {
    const res = await post(JSON.stringify({ query: `{ hello }`, variables: { padding: 'x'.repeat(1_100_000) } }));
    const { message } = await expectRefused(res, 413, ErrorCode.BAD_USER_INPUT, 'BODY_TOO_LARGE');
    expect(message).toMatch(/too large/);
  });

  test('an oversized body sent in chunks, without a content-length: 413 once it passes the limit', async () => {
    const chunk = new TextEncoder().encode(`{"query":"{ hello }","variables":{"padding":"${'x'.repeat(64 * 1024)}`);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 1;
        if (sent > 40) controller.close(); // 2.6 MB at most
        else controller.enqueue(chunk);
      },
    });
    const res = await fetch(server.url, { method: 'POST', headers: json, body, duplex: 'half' } as RequestInit);
    await expectRefused(res, 413, ErrorCode.BAD_USER_INPUT, 'BODY_TOO_LARGE');
    expect((await query('{ hello }')).status).toBe(200); // and the server goes on answering
  });

  test('oversized headers: 431 with a JSON body (Node would answer it without one), HEADERS_TOO_LARGE', async () => {
    const { status, body } = await rawRequest(`GET /graphql?query=%7Bhello%7D HTTP/1.1\r\nHost: x\r\nX-Padding: ${'x'.repeat(20_000)}\r\n\r\n`);
    expect(status).toBe(431);
    expect(JSON.parse(body).errors[0].extensions).toEqual({ code: ErrorCode.BAD_USER_INPUT, reason: 'HEADERS_TOO_LARGE' });
    expect(refusals.map((r) => [r.status, r.reason, r.req])).toEqual([[431, 'HEADERS_TOO_LARGE', undefined]]);
  });

  test('malformed HTTP: 400, MALFORMED_HTTP', async () => {
    const { status, body } = await rawRequest('GET /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: many\r\n\r\n');
    expect(status).toBe(400);
    expect(JSON.parse(body).errors[0].extensions.reason).toBe('MALFORMED_HTTP');
    expect(refusals).toHaveLength(1);
  });

  test('malformed JSON: 400, BAD_REQUEST, MALFORMED_JSON, before the context is built', async () => {
    const { refusal } = await expectRefused(await post('{ "query": "{ hello }"'), 400, 'BAD_REQUEST', 'MALFORMED_JSON');
    expect(refusal.rawBody).toBe('{ "query": "{ hello }"');
    expect(refusal.context).toBeUndefined();
  });

  test('a batch: 400, BATCH_NOT_ALLOWED', async () => {
    await expectRefused(await post(JSON.stringify([{ query: '{ hello }' }, { query: '{ hello }' }])), 400, 'BAD_REQUEST', 'BATCH_NOT_ALLOWED');
  });

  test('a POST without a body: 400, BODY_MISSING', async () => {
    await expectRefused(await post(undefined), 400, 'BAD_REQUEST', 'BODY_MISSING');
  });

  test.each([
    ['a query that is not a string', { query: { kind: 'Document' } }],
    ['variables sent as a JSON string', { query: '{ hello }', variables: '{"id": 1}' }],
    ['an operation name that is a number', { query: '{ hello }', operationName: 7 }],
    ['an empty object', {}],
  ])('%s: 400, INVALID_PARAMETERS', async (_, body) => {
    await expectRefused(await post(JSON.stringify(body)), 400, 'BAD_REQUEST', 'INVALID_PARAMETERS');
  });

  test('a wrong method: 405 with Allow, METHOD_NOT_ALLOWED', async () => {
    const res = await post(JSON.stringify({ query: '{ hello }' }), json, 'PUT');
    expect(res.headers.get('allow')).toBe('GET, POST');
    await expectRefused(res, 405, 'BAD_REQUEST', 'METHOD_NOT_ALLOWED');
  });

  test.each([
    ['text/plain', 'POST'],
    ['application/x-www-form-urlencoded', 'POST'],
    ['text/plain', 'GET'],
  ])('a %s %s: 415, UNSUPPORTED_MEDIA_TYPE', async (type, method) => {
    const res = method === 'POST'
      ? await post(JSON.stringify({ query: '{ hello }' }), { 'content-type': type, authorization: 'Bearer ok' })
      : await fetch(`${server.url}?query=%7Bhello%7D`, { headers: { 'content-type': type, authorization: 'Bearer ok' } });
    await expectRefused(res, 415, 'BAD_REQUEST', 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('an accept header that takes no JSON: 406, NOT_ACCEPTABLE, before the operation runs', async () => {
    await expectRefused(await post(JSON.stringify({ query: '{ hello }' }), { ...json, accept: 'text/csv' }), 406, 'BAD_REQUEST', 'NOT_ACCEPTABLE');
    expect((await post(JSON.stringify({ query: '{ hello }' }), { ...json, accept: 'text/csv, */*;q=0.1' })).status).toBe(200);
  });

  test('a GET a browser could send cross-site (Apollo\'s CSRF prevention): 400, CSRF_BLOCKED, the reason added to Apollo\'s answer', async () => {
    const { message, refusal } = await expectRefused(await fetch(`${server.url}?query=%7Bhello%7D`), 400, 'BAD_REQUEST', 'CSRF_BLOCKED');
    expect(message).toMatch(/Cross-Site Request Forgery/);
    expect(refusal.context).toBeUndefined();
  });

  test('a GET Apollo refuses after the context was built (bad variables): INVALID_PARAMETERS, with the context', async () => {
    const res = await fetch(`${server.url}?query=%7Bhello%7D&variables=not-json`, { headers: { authorization: 'Bearer ok', 'apollo-require-preflight': '1' } });
    const { refusal } = await expectRefused(res, 400, 'BAD_REQUEST', 'INVALID_PARAMETERS');
    expect(refusal.context).toEqual({ caller: 'ok' });
  });

  test('a crash before GraphQL: a coded 500 (INTERNAL_SERVER_ERROR, INTERNAL_ERROR), never the details', async () => {
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const res = await fetch(route('/crash'));
    const { message } = await expectRefused(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'INTERNAL_ERROR');
    expect(message).not.toContain('a bug');
  });

  test('what the context function refuses, and what reaches GraphQL, is not told to onRefused', async () => {
    expect((await query('{ hello }', 'Bearer forged')).status).toBe(401);
    expect((await query('{ hello')).status).toBe(400); // a parse error: GraphQL ran, its plugins saw it
    expect((await query('{ hello }')).status).toBe(200);
    expect(refusals).toEqual([]);
  });

  test('refusals are counted in /metrics by code', async () => {
    const count = async () => sample(await metricsText(), 'worker_graph_requests_total', { code: 'BAD_REQUEST' });
    const before = await count();
    await post('{ not json');
    await fetch(`${server.url}?query=%7Bhello%7D`); // CSRF: Apollo counts it itself
    expect((await count()) - before).toBe(2);
  });
});

test('GraphQL over HTTP status: request errors are 200 as application/json, 400 as application/graphql-response+json', () => {
  const errors = (code: string) => JSON.stringify({ errors: [{ message: 'x', extensions: { code } }] });
  expect(graphQLOverHTTPStatus(400, 'application/json; charset=utf-8', errors('GRAPHQL_PARSE_FAILED'))).toBe(200);
  expect(graphQLOverHTTPStatus(400, 'application/json', errors('GRAPHQL_VALIDATION_FAILED'))).toBe(200);
  expect(graphQLOverHTTPStatus(400, 'application/json', errors('BAD_USER_INPUT'))).toBe(200);
  expect(graphQLOverHTTPStatus(400, 'application/graphql-response+json; charset=utf-8', errors('GRAPHQL_PARSE_FAILED'))).toBe(400);
  // A malformed request (no query) is no GraphQL request: 400 either way; and other refusals keep theirs.
  expect(graphQLOverHTTPStatus(400, 'application/json', errors('BAD_REQUEST'))).toBe(400);
  expect(graphQLOverHTTPStatus(403, 'application/json', errors('FORBIDDEN'))).toBe(403);
  expect(graphQLOverHTTPStatus(429, 'application/json', errors('RATE_LIMITED'))).toBe(429);
  // An answer with data is GraphQL's own status.
  expect(graphQLOverHTTPStatus(400, 'application/json', JSON.stringify({ data: { a: 1 }, errors: [{ message: 'x', extensions: { code: 'BAD_USER_INPUT' } }] }))).toBe(400);
});

/** Sends `request` as bytes on a socket of its own: what fetch would refuse to send. */
function rawRequest(request: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1');
    let received = '';
    socket.on('data', (data) => (received += data.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = received.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), body });
    });
    socket.write(request);
  });
}

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
