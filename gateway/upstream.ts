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
 * A fetch for one agency, as the gateway's data source uses it: a timeout over the whole call, a
 * cap on the answer's size enforced while it streams in, and a circuit breaker, so an agency
 * that keeps failing is not waited on by every request until it recovers. A 4xx is the agency
 * answering (a 400 rejecting the caller's input, a 401 refusing a seal) and comes back as a
 * Response; a timeout, a refused or reset connection, an oversized answer or a 5xx throws an
 * UpstreamError and counts towards opening the circuit. Connections are kept alive (undici's
 * default) and reused across calls.
 */
export function upstreamFetch(options: UpstreamOptions): (url: string, init: RequestInit) => Promise<Response> {
  const { agency, timeoutMs, metrics } = options;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
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
      const response = await breaker.execute(() => fetchCapped(agency, url, init, timeoutMs, maxBytes));
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

/** One call, its answer read into memory but never more than `maxBytes` of it. */
async function fetchCapped(agency: string, url: string, init: RequestInit, timeoutMs: number, maxBytes: number): Promise<Response> {
  const signal = init.signal ? AbortSignal.any([AbortSignal.timeout(timeoutMs), init.signal]) : AbortSignal.timeout(timeoutMs);
  const failure = (error: unknown) => classify(agency, error, signal, init.signal, timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal });
  } catch (error) {
    throw failure(error);
  }
  if (response.status >= 500) {
    // Nothing in a 5xx is worth reading, and an unread body would pin the connection.
    await response.body?.cancel();
    throw new UpstreamError(agency, 'HTTP_ERROR', `${agency} answered HTTP ${response.status}`, response.status);
  }
  const tooLarge = () => new UpstreamError(agency, 'TOO_LARGE', `${agency}'s answer is larger than ${maxBytes} bytes`);
  if (Number(response.headers.get('content-length')) > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body ?? []) {
      size += chunk.byteLength;
      // Leaving the loop cancels the body, which closes the connection: the rest is never received.
      if (size > maxBytes) break;
      chunks.push(chunk);
    }
  } catch (error) {
    throw failure(error);
  }
  if (size > maxBytes) throw tooLarge();
  // The body is already decoded: the agency's content-encoding and length no longer describe it.
  const headers = new Headers(response.headers);
  headers.delete('content-encoding');
  headers.delete('content-length');
  return new Response(size ? Buffer.concat(chunks, size) : null, { status: response.status, statusText: response.statusText, headers });
}

function classify(agency: string, error: unknown, signal: AbortSignal, callerSignal: AbortSignal | null | undefined, timeoutMs: number): unknown {
  if (callerSignal?.aborted) return error; // the caller gave up; not the agency's failure
  if (signal.aborted && (signal.reason as Error | undefined)?.name === 'TimeoutError') {
    return new UpstreamError(agency, 'TIMEOUT', `${agency} did not answer within ${timeoutMs} ms`, undefined, { cause: error });
  }
  const code = ((error as Error).cause as { code?: string } | undefined)?.code;
  return new UpstreamError(agency, 'UNREACHABLE', `${agency} could not be reached${code ? ` (${code})` : ''}`, undefined, { cause: error });
}
