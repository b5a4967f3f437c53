import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { config } from './config.js';
import { ErrorCode } from './errors.js';

/** How one call to an upstream agency ended; 'ok' means the agency answered (a 4xx included). */
export type UpstreamOutcome = 'ok' | 'timeout' | 'circuit_open' | 'unreachable' | 'too_large' | 'http_error';

export type CircuitStateName = 'closed' | 'half-open' | 'open';

const CIRCUIT_STATE_VALUES: Record<CircuitStateName, number> = { closed: 0, 'half-open': 1, open: 2 };

// Label values must stay a small fixed set: our own vocabulary and the codes Apollo Server gives
// requests it refuses (a parse or validation failure is the caller's mistake, not an internal error).
const KNOWN_CODES = new Set<string>([...Object.values(ErrorCode), ...Object.values(ApolloServerErrorCode)]);

// Agencies answer in milliseconds to seconds; reports may take up to REPORT_TIMEOUT_MS (20 s).
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30];

/**
 * The Prometheus metrics of one process member ('gateway', 'labour', ...), in a registry of its
 * own: tests run several servers in one process, and the global registry would mix them up.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'code'>;
  private readonly requestDuration: Histogram;
  private readonly upstreamDuration: Histogram<'agency' | 'outcome'>;
  private readonly upstreamTimeouts: Counter<'agency'>;
  private readonly circuitState: Gauge<'agency'>;

  constructor(member: string) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ member });
    this.requests = new Counter({
      name: 'worker_graph_requests_total',
      help: 'GraphQL requests answered, by error code (OK when there was none; a request with several codes counts once under each).',
      labelNames: ['code'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'worker_graph_request_duration_seconds',
      help: 'Time from the start of a GraphQL request to its response.',
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.upstreamDuration = new Histogram({
      name: 'worker_graph_upstream_duration_seconds',
      help: 'Calls to upstream agencies, by agency and outcome.',
      labelNames: ['agency', 'outcome'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.upstreamTimeouts = new Counter({
      name: 'worker_graph_upstream_timeouts_total',
      help: 'Calls to upstream agencies abandoned because the agency did not answer in time.',
      labelNames: ['agency'],
      registers,
    });
    this.circuitState = new Gauge({
      name: 'worker_graph_circuit_state',
      help: 'Circuit breaker state per upstream agency: 0 closed, 1 half-open (one trial call), 2 open (calls refused).',
      labelNames: ['agency'],
      registers,
    });
    new Gauge({
      name: 'worker_graph_process_restarts',
      help: 'How many times the supervisor has restarted this process after a crash (WG_RESTARTS).',
      registers,
    }).set(config.restarts);
    collectDefaultMetrics({ register: this.registry, prefix: 'worker_graph_' });
  }

  /** Apollo Server plugin counting requests and their errors by extensions.code, and request duration. */
  plugin(): ApolloServerPlugin<BaseContext> {
    const countCodes = (codes: unknown[]) => {
      const distinct = new Set(codes.map(boundedCode));
      if (!distinct.size) distinct.add('OK');
      for (const code of distinct) this.requests.inc({ code });
    };
    return {
      requestDidStart: async () => {
        const endTimer = this.requestDuration.startTimer();
        return {
          willSendResponse: async ({ response }) => {
            endTimer();
            const errors = response.body.kind === 'single' ? response.body.singleResult.errors : response.body.initialResult.errors;
            countCodes((errors ?? []).map((error) => error.extensions?.code));
          },
        };
      },
      // Requests refused before GraphQL runs (no valid token, no purpose; a malformed request)
      // never reach requestDidStart.
      contextCreationDidFail: async ({ error }) => countCodes([codeOf(error)]),
      invalidRequestWasReceived: async ({ error }) => countCodes([codeOf(error)]),
    };
  }

  /** A request the HTTP server refused before Apollo saw it (a wrong media type, a malformed or oversized body). */
  countRefused(code: string): void {
    this.requests.inc({ code: boundedCode(code) });
  }

  /** One call to an upstream agency: its duration, by agency and outcome. */
  observeUpstream(agency: string, seconds: number, outcome: UpstreamOutcome): void {
    this.upstreamDuration.observe({ agency, outcome }, seconds);
    if (outcome === 'timeout') this.upstreamTimeouts.inc({ agency });
  }

  setCircuitState(agency: string, state: CircuitStateName): void {
    this.circuitState.set({ agency }, CIRCUIT_STATE_VALUES[state]);
  }

  /** The Prometheus text exposition, served at /metrics with `registry.contentType`. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}

function codeOf(error: Error): unknown {
  return (error as { extensions?: { code?: unknown } }).extensions?.code;
}

function boundedCode(code: unknown): string {
  return typeof code === 'string' && KNOWN_CODES.has(code) ? code : ErrorCode.INTERNAL_SERVER_ERROR;
}
