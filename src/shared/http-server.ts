import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { ErrorCode } from './errors.js';
import type { Metrics } from './metrics.js';

const MAX_BODY_BYTES = 1_000_000;
const READY_TIMEOUT_MS = 2_000;

export interface RunningHttpServer {
  url: string;
  port: number;
  server: http.Server;
  stop(): Promise<void>;
}

export type ExtraRoute = (req: http.IncomingMessage, res: http.ServerResponse) => boolean | Promise<boolean>;

/**
 * Serves an Apollo Server on Node's own http module at `/graphql`. For load balancers and
 * monitoring, answered before anything else: `/health` (the process is alive), `/ready` (it
 * should be sent traffic) and `/metrics` (Prometheus text). Extra routes (returning true when
 * they answered) come next.
 */
export async function serveGraphQL<TContext extends BaseContext>(options: {
  apollo: ApolloServer<TContext>;
  /** Builds a request's context; `rawBody` is the body exactly as sent (signatures cover it). */
  context: (req: http.IncomingMessage, rawBody: string) => Promise<TContext>;
  port: number;
  host: string;
  routes?: ExtraRoute[];
  /** Named readiness checks (`{ schema: true, database: false }`); ready only when all are true. */
  ready?: () => Promise<Record<string, boolean>>;
  /** How long /ready waits for the checks before answering not ready (default 2 s). */
  readyTimeoutMs?: number;
  /** Served at /metrics when given (its plugin is added by whoever builds the ApolloServer). */
  metrics?: Metrics;
}): Promise<RunningHttpServer> {
  const { apollo } = options;
  await apollo.start();
  let stopping = false;
  const server = http.createServer((req, res) => {
    handle(req, res).catch((error) => {
      console.error('[http] unhandled', error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] }));
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
      return;
    }
    if (url.pathname === '/ready') {
      const { ready, body } = stopping
        ? { ready: false, body: { checks: {}, reason: 'stopping' } }
        : await readiness(options.ready, options.readyTimeoutMs ?? READY_TIMEOUT_MS);
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ready ? 'ready' : 'not ready', ...body }));
      return;
    }
    if (url.pathname === '/metrics' && options.metrics) {
      const text = await options.metrics.text();
      res.writeHead(200, { 'content-type': options.metrics.registry.contentType });
      res.end(text);
      return;
    }
    for (const route of options.routes ?? []) if (await route(req, res)) return;
    if (url.pathname !== '/graphql') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Not found. GraphQL is served at /graphql.');
      return;
    }
    const raw = await readBody(req);
    if (raw === TOO_LARGE) {
      res.writeHead(413, { 'content-type': 'application/json' });
      const message = `Request body too large: at most ${MAX_BODY_BYTES} bytes are accepted.`;
      res.end(JSON.stringify({ errors: [{ message, extensions: { code: ErrorCode.BAD_USER_INPUT } }] }));
      return;
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method?.toUpperCase() ?? 'GET', headers, search: url.search, body: parseBody(req, raw) },
      context: () => options.context(req, raw),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host}:${port}/graphql`,
    port,
    server,
    async stop() {
      // /ready answers 503 from here on, so load balancers stop sending traffic while we drain.
      stopping = true;
      await apollo.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Runs the readiness checks, never for longer than `timeoutMs`: a check that hangs (a database
 * that does not answer) must not hang the route. What a failing check threw stays in the
 * server's log, since /ready is open to anyone who can reach the port.
 */
async function readiness(
  checks: (() => Promise<Record<string, boolean>>) | undefined,
  timeoutMs: number,
): Promise<{ ready: boolean; body: { checks: Record<string, boolean>; reason?: string } }> {
  if (!checks) return { ready: true, body: { checks: {} } };
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  try {
    const results = await Promise.race([checks(), timedOut]);
    if (results === TIMED_OUT) return { ready: false, body: { checks: {}, reason: `the readiness checks did not finish within ${timeoutMs} ms` } };
    return { ready: Object.values(results).every((ok) => ok === true), body: { checks: results } };
  } catch (error) {
    console.error('[ready] a readiness check failed', error);
    return { ready: false, body: { checks: {}, reason: 'a readiness check failed' } };
  } finally {
    clearTimeout(timer);
  }
}

const TIMED_OUT = Symbol('timed out');
const TOO_LARGE = Symbol('too large');

async function readBody(req: http.IncomingMessage): Promise<string | typeof TOO_LARGE> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return TOO_LARGE;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(req: http.IncomingMessage, text: string): unknown {
  if (!text) return undefined;
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) {
    try {
      return JSON.parse(text);
    } catch {
      return text; // Apollo answers a malformed body with a 400 of its own
    }
  }
  return text;
}
