import http from 'node:http';
import { BrokenCircuitError, CircuitState, circuitBreaker, ConsecutiveBreaker, handleType } from 'cockatiel';
import type { CircuitStateName, Metrics, UpstreamOutcome } from '../src/shared/metrics.js';

/** Why a call to an agency produced no answer the gateway can use. */
export type UpstreamReason = 'TIMEOUT' | 'CIRCUIT_OPEN' | 'UNREACHABLE' | 'TOO_LARGE' | 'HTTP_ERROR';

export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';

  constructor(
    readonly agency: string,
    readonly reason: UpstreamReason,
    message: string,
    /** The agency's HTTP status, for HTTP_ERROR. */
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface UpstreamOptions {
  agency: string;
  /** The whole call, answer body included: an agency trickling bytes is as stuck as a silent one. */
  timeoutMs: number;
  /** An answer larger than this is abandoned, so one agency's runaway answer cannot exhaust the gateway's memory (default 32 MiB). */
  maxResponseBytes?: number;
  /** Consecutive failures that open the circuit (default 5) and how long it stays open before one trial call (default 10 s). */
  breaker?: { failures?: number; halfOpenAfterMs?: number };
  metrics?: Metrics;
}

const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

const OUTCOMES: Record<UpstreamReason, UpstreamOutcome> = {
  TIMEOUT: 'timeout',
  CIRCUIT_OPEN: 'circuit_open',
  UNREACHABLE: 'unreachable',
  TOO_LARGE: 'too_large',
  HTTP_ERROR: 'http_error',
};

const STATE_NAMES: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Open]: 'open',
  [CircuitState.Isolated]: 'open',
};

/**
 * What the gateway's data source reads of an agency's answer: RemoteGraphQLDataSource needs no
 * more of a Response than this, and a WHATWG Response would cost a stream per call to build.
 */
export interface UpstreamResponse {
  ok: boolean;
  status: number;
  statusText: string;
  url: string;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

/** The parts of RequestInit the data source sends: POST, its headers and a JSON body. */
export interface UpstreamRequest {
  method?: string;
  headers?: Record<string, string> | Headers;
  body?: string;
  signal?: AbortSignal | null;
}

/**
 * Idle connections to an agency are closed after this long, before the agency's own keep-alive
 * timeout (Node's 5 s) closes them under a request. Node lowers it further to what a server's
 * `Keep-Alive: timeout=` header announces, less a second.
 */
const IDLE_SOCKET_MS = 4_000;

/**
 * A fetch for one agency, as the gateway's data source uses it: a timeout over the whole call, a
 * cap on the answer's size enforced while it streams in, and a circuit breaker, so an agency
 * that keeps failing is not waited on by every request until it recovers. A 4xx is the agency
 * answering (a 400 rejecting the caller's input, a 401 refusing a seal) and comes back as a
 * response; a timeout, a refused or reset connection, an oversized answer or a 5xx throws an
 * UpstreamError and counts towards opening the circuit.
 *
 * Calls go out on Node's own http client with a keep-alive agent per agency, so connections are
 * reused across calls: measured on worker-by-id (six calls), it costs the gateway markedly less
 * CPU per call than the global fetch (undici), whose WHATWG streams and Request/Response objects
 * the gateway does not need.
 */
export function upstreamFetch(options: UpstreamOptions): (url: string, init: UpstreamRequest) => Promise<UpstreamResponse> {
  const { agency, timeoutMs, metrics } = options;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const agent = new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' });
  // Only failures this module classified count: a caller cancelling its own call is not the agency failing.
  const breaker = circuitBreaker(handleType(UpstreamError), {
    halfOpenAfter: options.breaker?.halfOpenAfterMs ?? 10_000,
    breaker: new ConsecutiveBreaker(options.breaker?.failures ?? 5),
  });
  metrics?.setCircuitState(agency, 'closed');
  breaker.onStateChange((state) => metrics?.setCircuitState(agency, STATE_NAMES[state]));

  return async (url, init) => {
    const started = performance.now();
    const observe = (outcome: UpstreamOutcome) => metrics?.observeUpstream(agency, (performance.now() - started) / 1000, outcome);
    try {
      const response = await breaker.execute(() => call({ agency, agent, url, init, timeoutMs, maxBytes }));
      observe('ok');
      return response;
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        observe('circuit_open');
        throw new UpstreamError(agency, 'CIRCUIT_OPEN', `${agency} failed repeatedly; calls are refused until a trial call succeeds`, undefined, { cause: error });
      }
      if (error instanceof UpstreamError) observe(OUTCOMES[error.reason]);
      throw error;
    }
  };
}

/**
 * One call, its answer read into memory but never more than `maxBytes` of it. The timer covers
 * the whole call: connecting, sending, waiting and reading the answer.
 */
function call(options: { agency: string; agent: http.Agent; url: string; init: UpstreamRequest; timeoutMs: number; maxBytes: number }): Promise<UpstreamResponse> {
  const { agency, agent, url, init, timeoutMs, maxBytes } = options;
  return new Promise((resolve, reject) => {
    const body = init.body ?? '';
    const headers = init.headers instanceof Headers ? Object.fromEntries(init.headers) : { ...init.headers };
    headers['content-length'] = String(Buffer.byteLength(body));
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      init.signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const fail = (error: unknown) => finish(() => reject(error));
    // Destroying the request ends the connection, so nothing more of the answer is received.
    const giveUp = (error: unknown) => {
      fail(error);
      request.destroy();
    };
    const timer = setTimeout(() => giveUp(new UpstreamError(agency, 'TIMEOUT', `${agency} did not answer within ${timeoutMs} ms`)), timeoutMs);
    // The caller gave up: its own reason, not the agency's failure.
    const onAbort = () => giveUp(init.signal!.reason);
    if (init.signal?.aborted) return fail(init.signal.reason);
    init.signal?.addEventListener('abort', onAbort);
    const unreachable = (error: NodeJS.ErrnoException) =>
      new UpstreamError(agency, 'UNREACHABLE', `${agency} could not be reached${error.code ? ` (${error.code})` : ''}`, undefined, { cause: error });
    const tooLarge = () => new UpstreamError(agency, 'TOO_LARGE', `${agency}'s answer is larger than ${maxBytes} bytes`);

    const request = http.request(url, { method: init.method ?? 'POST', headers, agent }, (response) => {
      const status = response.statusCode ?? 0;
      // Nothing in a 5xx is worth reading.
      if (status >= 500) return giveUp(new UpstreamError(agency, 'HTTP_ERROR', `${agency} answered HTTP ${status}`, status));
      if (Number(response.headers['content-length']) > maxBytes) return giveUp(tooLarge());
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) giveUp(tooLarge());
        else chunks.push(chunk);
      });
      response.on('error', (error) => fail(unreachable(error)));
      // A connection reset mid-answer closes the response before it is complete.
      response.on('close', () => response.complete || fail(unreachable(Object.assign(new Error('the answer was cut off'), { code: 'ECONNRESET' }))));
      response.on('end', () => {
        const text = Buffer.concat(chunks, size).toString('utf8');
        finish(() => resolve(answerOf(url, status, response, text)));
      });
    });
    request.on('error', (error) => fail(unreachable(error)));
    request.end(body);
  });
}

function answerOf(url: string, status: number, response: http.IncomingMessage, text: string): UpstreamResponse {
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: response.statusMessage ?? '',
    url,
    headers: {
      get(name: string) {
        const value = response.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    },
    text: async () => text,
    json: async () => JSON.parse(text) as unknown,
  };
}
