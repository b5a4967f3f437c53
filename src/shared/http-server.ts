import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { describeForLog, ErrorCode } from './errors.js';
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
 * Why a request was refused before GraphQL ran, as `extensions.reason` says it: stable strings
 * clients and the access log may switch on (add reasons, never rename them).
 */
export const RefusalReason = {
  /** 413: the body is larger than MAX_BODY_BYTES. */
  BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  /** 431: the request line and headers are larger than Node accepts (16 KiB). */
  HEADERS_TOO_LARGE: 'HEADERS_TOO_LARGE',
  /** 400: not HTTP Node can parse. */
  MALFORMED_HTTP: 'MALFORMED_HTTP',
  /** 408: the request did not arrive in time. */
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  /** 405: GraphQL is asked with GET or POST. */
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  /** 415: a POST body must be `application/json` (and a GET has none). */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  /** 406: the `accept` header takes neither JSON type. */
  NOT_ACCEPTABLE: 'NOT_ACCEPTABLE',
  /** 400: a POST without a body. */
  BODY_MISSING: 'BODY_MISSING',
  /** 400: the body is not JSON. */
  MALFORMED_JSON: 'MALFORMED_JSON',
  /** 400: a JSON array of operations; each operation is sent on its own. */
  BATCH_NOT_ALLOWED: 'BATCH_NOT_ALLOWED',
  /** 400: `query`, `operationName`, `variables` or `extensions` of the wrong type. */
  INVALID_PARAMETERS: 'INVALID_PARAMETERS',
  /** 400: a request a browser could have sent cross-site without a preflight (Apollo's CSRF prevention). */
  CSRF_BLOCKED: 'CSRF_BLOCKED',
  /** 500: the server failed before GraphQL ran (logged; never the details). */
  INTERNAL_ERROR: 'INTERNAL_ERROR',
} as const;
export type RefusalReason = (typeof RefusalReason)[keyof typeof RefusalReason];

/** A request refused before GraphQL ran, as serveGraphQL tells `onRefused` of it. */
export interface Refusal<TContext> {
  /** The request, when Node parsed one (a 431 or a malformed request has none). */
  req?: http.IncomingMessage;
  /** The body as sent, when it was read. */
  rawBody?: string;
  status: number;
  code: string;
  reason: RefusalReason;
  message: string;
  /** The request's context, when it was built before the refusal (a refusal of Apollo's after authentication). */
  context?: TContext;
}

/**
 * The GraphQL request errors whose status follows the media type (GraphQL over HTTP): parse,
 * validation and variable-coercion errors, and an operation name that names none. Answered with
 * `application/json` they are 200, with `application/graphql-response+json` 400.
 */
const REQUEST_ERROR_CODES = new Set<string>([
  ApolloServerErrorCode.GRAPHQL_PARSE_FAILED,
  ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED,
  ApolloServerErrorCode.BAD_USER_INPUT,
  ApolloServerErrorCode.OPERATION_RESOLUTION_FAILURE,
]);

/**
 * Serves an Apollo Server on Node's own http module at `/graphql`. For load balancers and
 * monitoring, answered before anything else: `/health` (the process is alive), `/ready` (it
 * should be sent traffic) and `/metrics` (Prometheus text). Extra routes (returning true when
 * they answered) come next.
 *
 * A request to /graphql that cannot be a GraphQL request (a wrong method, media type or accept
 * header, an oversized or malformed body, a batch) is refused here, before its context is built,
 * with a code and `extensions.reason` (RefusalReason); so are oversized headers and malformed
 * HTTP (Node's `clientError`), and the refusals Apollo makes before GraphQL runs (CSRF
 * prevention, malformed GET parameters) get their reason added. Each is told to `onRefused`
 * exactly once; a refusal the context function throws is the context function's to record.
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
  /** Told of every request refused before GraphQL ran, once each, before the refusal is sent. */
  onRefused?: (refusal: Refusal<TContext>) => Promise<void> | void;
  /**
   * GraphQL over HTTP's status codes for request errors (a public endpoint's clients expect
   * them): with `application/json` a parse, validation or variable error answers 200, with
   * `application/graphql-response+json` 400. Off, every such error answers 400, which members
   * of the hub rely on between themselves (the gateway reads a subgraph's 400 as "the caller's
   * input was refused").
   */
  graphQLOverHTTPStatus?: boolean;
}): Promise<RunningHttpServer> {
  const { apollo } = options;
  // Which requests reached GraphQL (and so are the plugins' to log), by the request Apollo was given.
  const reachedGraphQL = new WeakSet<HTTPGraphQLRequest>();
  apollo.addPlugin({
    async requestDidStart({ request }) {
      if (request.http) reachedGraphQL.add(request.http);
    },
  });
  await apollo.start();
  let stopping = false;

  const notify = async (refusal: Refusal<TContext>) => {
    try {
      await options.onRefused?.(refusal);
    } catch (error) {
      console.error('[http] could not record a refused request', error);
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch(async (error) => {
      console.error('[http] unhandled', describeForLog(error));
      const message = 'Internal server error. The incident has been logged.';
      await notify({ req, status: 500, code: ErrorCode.INTERNAL_SERVER_ERROR, reason: RefusalReason.INTERNAL_ERROR, message });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(errorBody(ErrorCode.INTERNAL_SERVER_ERROR, RefusalReason.INTERNAL_ERROR, message));
    });
  });

  // Node answers a request it cannot parse itself (431 for oversized headers, 400, 408), with no
  // request object and no body a client can read: answer in JSON and record it like the others.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, code, reason, message] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, ErrorCode.BAD_USER_INPUT, RefusalReason.HEADERS_TOO_LARGE, 'Request headers too large: at most 16 KiB of request line and headers are accepted.']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, ErrorCode.BAD_REQUEST, RefusalReason.REQUEST_TIMEOUT, 'The request did not arrive in time.']
          : [400, ErrorCode.BAD_REQUEST, RefusalReason.MALFORMED_HTTP, 'Malformed HTTP request.'];
    options.metrics?.countRefused(code);
    void notify({ status, code, reason, message }).finally(() => {
      const body = errorBody(code, reason, message);
      if (!socket.writable) return socket.destroy();
      socket.end(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
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

    let rawBody: string | undefined;
    /** Refuses the request here, before its context is built: recorded, counted, answered. */
    const refuse = async (status: number, reason: RefusalReason, message: string, headers: Record<string, string> = {}) => {
      const code = status === 413 ? ErrorCode.BAD_USER_INPUT : ErrorCode.BAD_REQUEST;
      options.metrics?.countRefused(code);
      await notify({ req, rawBody, status, code, reason, message });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      // The rest of an oversized body is not read: the connection closes once the answer is out.
      if (status === 413) res.once('finish', () => req.complete || req.socket.destroySoon());
      res.end(errorBody(code, reason, message));
    };

    const method = req.method?.toUpperCase() ?? 'GET';
    if (method !== 'GET' && method !== 'POST') {
      return refuse(405, RefusalReason.METHOD_NOT_ALLOWED, `GraphQL is asked with GET or POST, not ${method}.`, { allow: 'GET, POST' });
    }
    if (!acceptsJson(req.headers.accept)) {
      return refuse(406, RefusalReason.NOT_ACCEPTABLE, 'The accept header takes neither application/json nor application/graphql-response+json.');
    }
    const mediaType = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (method === 'POST' ? mediaType !== 'application/json' : mediaType !== undefined && mediaType !== 'application/json') {
      const message = method === 'POST' ? 'A GraphQL POST carries a JSON body: content-type application/json.' : 'A GraphQL GET carries no body: no content-type other than application/json.';
      return refuse(415, RefusalReason.UNSUPPORTED_MEDIA_TYPE, message);
    }
    const tooLarge = `Request body too large: at most ${MAX_BODY_BYTES} bytes are accepted.`;
    if (Number(req.headers['content-length']) > MAX_BODY_BYTES) return refuse(413, RefusalReason.BODY_TOO_LARGE, tooLarge, { connection: 'close' });
    const raw = await readBody(req);
    if (raw === TOO_LARGE) return refuse(413, RefusalReason.BODY_TOO_LARGE, tooLarge, { connection: 'close' });
    rawBody = raw;
    let body: unknown;
    if (method === 'POST') {
      const parsed = parsePostBody(raw);
      if ('refusal' in parsed) return refuse(400, parsed.refusal, parsed.message);
      body = parsed.body;
    }

    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = { method, headers, search: url.search, body };
    let context: TContext | undefined;
    let contextThrew = false;
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest,
      context: async () => {
        try {
          return (context = await options.context(req, raw));
        } catch (error) {
          contextThrew = true;
          throw error;
        }
      },
    });
    let status = response.status ?? 200;
    for (const [key, value] of response.headers) res.setHeader(key, value);
    if (response.body.kind === 'chunked') {
      res.statusCode = status;
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
      return;
    }
    let text = response.body.string;
    if (status >= 400 && !contextThrew && !reachedGraphQL.has(httpGraphQLRequest)) {
      // Apollo refused it before GraphQL ran (CSRF prevention, GET parameters): no plugin saw it.
      const refused = apolloRefusal(text, status);
      text = refused.text;
      await notify({ req, rawBody: raw, status, code: refused.code, reason: refused.reason, message: refused.message, context });
    } else if (options.graphQLOverHTTPStatus && reachedGraphQL.has(httpGraphQLRequest)) {
      status = graphQLOverHTTPStatus(status, response.headers.get('content-type'), text);
    }
    res.statusCode = status;
    res.end(text);
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

function errorBody(code: string, reason: RefusalReason, message: string): string {
  return JSON.stringify({ errors: [{ message, extensions: { code, reason } }] });
}

/**
 * The status of a response GraphQL answered (GraphQL over HTTP): a request error (no `data`, only
 * parse, validation or variable errors) answered as `application/json` is 200, the client
 * reading the errors from the body; as `application/graphql-response+json` it stays 400. Other
 * refusals (401, 403, 429, 503, and 400 for an operation over a limit) keep their status whatever
 * the media type.
 */
export function graphQLOverHTTPStatus(status: number, contentType: string | undefined, body: string): number {
  if (status !== 400 || !contentType?.toLowerCase().startsWith('application/json')) return status;
  let result: { data?: unknown; errors?: { extensions?: { code?: unknown; limit?: unknown } }[] };
  try {
    result = JSON.parse(body) as typeof result;
  } catch {
    return status;
  }
  if (result.data !== undefined || !result.errors?.length) return status;
  // An operation over one of the hub's limits (an error naming the `limit`) is refused as such,
  // like a body over the size limit: 400 for every client, so proxies and dashboards see it.
  if (result.errors.some((error) => typeof error.extensions?.limit === 'number')) return status;
  return result.errors.every((error) => REQUEST_ERROR_CODES.has(String(error.extensions?.code))) ? 200 : status;
}

/** The reason of a refusal Apollo made before GraphQL ran, added to its answer. */
function apolloRefusal(text: string, status: number): { text: string; code: string; reason: RefusalReason; message: string } {
  let body: { errors?: { message?: string; extensions?: Record<string, unknown> }[] } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  const first = body?.errors?.[0];
  const message = first?.message ?? '';
  const reason =
    status >= 500
      ? RefusalReason.INTERNAL_ERROR
      : status === 405
        ? RefusalReason.METHOD_NOT_ALLOWED
        : status === 415
          ? RefusalReason.UNSUPPORTED_MEDIA_TYPE
          : status === 406
            ? RefusalReason.NOT_ACCEPTABLE
            : message.includes('Cross-Site Request Forgery')
              ? RefusalReason.CSRF_BLOCKED
              : message.startsWith('Operation batching')
                ? RefusalReason.BATCH_NOT_ALLOWED
                : RefusalReason.INVALID_PARAMETERS;
  const code = String(first?.extensions?.code ?? (status >= 500 ? ErrorCode.INTERNAL_SERVER_ERROR : ErrorCode.BAD_REQUEST));
  if (body?.errors) for (const error of body.errors) error.extensions = { ...error.extensions, code: error.extensions?.code ?? code, reason };
  return { text: body?.errors ? JSON.stringify(body) : errorBody(code, reason, message || 'Request refused.'), code, reason, message };
}

/** Whether an `accept` header takes a GraphQL response (any JSON type, multipart for @defer, or a landing page). */
function acceptsJson(accept: string | undefined): boolean {
  if (!accept?.trim()) return true;
  return accept.split(',').some((range) => {
    const [type = '', ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const q = params.find((param) => param.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) return false;
    return ['*/*', 'application/*', 'application/json', 'application/graphql-response+json', 'multipart/mixed', 'text/html'].includes(type);
  });
}

type Parsed = { body: Record<string, unknown> } | { refusal: RefusalReason; message: string };

/** A POST body as GraphQL over HTTP has it: one JSON object of `query`, `operationName`, `variables`, `extensions`. */
function parsePostBody(raw: string): Parsed {
  if (!raw.trim()) return { refusal: RefusalReason.BODY_MISSING, message: 'A GraphQL POST carries a JSON body: {"query": "..."}.' };
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return { refusal: RefusalReason.MALFORMED_JSON, message: 'The request body is not valid JSON.' };
  }
  if (Array.isArray(body)) return { refusal: RefusalReason.BATCH_NOT_ALLOWED, message: 'Batched operations are not accepted: send each operation in a request of its own.' };
  const invalid = (message: string): Parsed => ({ refusal: RefusalReason.INVALID_PARAMETERS, message });
  if (!isRecord(body) || !Object.keys(body).length) return invalid('The request body must be a JSON object with a `query`.');
  if (body.query != null && typeof body.query !== 'string') return invalid('`query` must be a string of GraphQL.');
  if (body.operationName != null && typeof body.operationName !== 'string') return invalid('`operationName` must be a string if given.');
  for (const field of ['variables', 'extensions']) {
    if (body[field] != null && !isRecord(body[field])) return invalid(`\`${field}\` must be a JSON object if given${typeof body[field] === 'string' ? ', not a JSON-encoded string' : ''}.`);
  }
  return { body };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
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

/** The body, or TOO_LARGE as soon as it passes MAX_BODY_BYTES (the rest is left unread). */
function readBody(req: http.IncomingMessage): Promise<string | typeof TOO_LARGE> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.off('data', onData).off('end', onEnd).off('error', reject);
        req.pause();
        resolve(TOO_LARGE);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve(Buffer.concat(chunks).toString('utf8'));
    req.on('data', onData).once('end', onEnd).once('error', reject);
  });
}
