import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import type { Caller } from '../src/shared/access/caller.js';
import { SEAL_HEADER, sealCall, type MemberKey } from '../src/shared/access/seal.js';
import { config } from '../src/shared/config.js';
import { readDisclosure } from '../src/shared/disclosure.js';
import { subgraphUnavailable } from '../src/shared/errors.js';
import type { Metrics } from '../src/shared/metrics.js';
import { UpstreamError, upstreamFetch } from './upstream.js';

/** What the gateway keeps for one request while it calls agencies. */
export interface GatewayContext {
  caller: Caller;
  /** Set by the field check once the operation may run. */
  admitted?: boolean;
  /** Agencies called, and the workers whose records they returned: the audit entry's facts. */
  subgraphs: Set<string>;
  workerIds: Set<string>;
}

/**
 * How the gateway talks to one agency: the caller's verified claims sealed by the gateway for
 * that agency and that body, a per-agency timeout, size cap and circuit breaker (upstream.ts),
 * and any failure to get an answer reported as SUBGRAPH_UNAVAILABLE naming the agency and the
 * reason, so the caller still gets every other agency's data.
 */
export class AgencyDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly signer: () => MemberKey;

  constructor(
    private readonly agency: string,
    url: string,
    options: { timeoutMs: number; signer: () => MemberKey; metrics?: Metrics },
  ) {
    const fetcher = upstreamFetch({
      agency,
      timeoutMs: options.timeoutMs,
      maxResponseBytes: config.maxSubgraphResponseBytes,
      breaker: { failures: config.circuitFailures, halfOpenAfterMs: config.circuitHalfOpenMs },
      metrics: options.metrics,
    });
    super({ url, fetcher: fetcher as unknown as RemoteGraphQLDataSource['fetcher'] });
    this.signer = options.signer;
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    // Health checks run without a caller: they go out unsealed and the subgraph refuses them.
    if (!('caller' in context) || !context.caller) return;
    // The exact body RemoteGraphQLDataSource sends next: the query first, then the rest, without `http`.
    const { query, http, ...rest } = request;
    const body = JSON.stringify({ query, ...rest });
    http?.headers.set(SEAL_HEADER, await sealCall(this.signer(), { caller: context.caller, audience: this.agency, body, kind: 'graphql' }));
    context.subgraphs.add(this.agency);
  }

  override didReceiveResponse<TResult>({ response, context }: { response: TResult & { extensions?: Record<string, unknown> }; context: GatewayContext }): TResult {
    const { workerIds, agencies } = readDisclosure(response.extensions);
    for (const id of workerIds) context.workerIds.add(id);
    // The reports subgraph asks agencies itself: they answered this request too.
    for (const agency of agencies) context.subgraphs.add(agency);
    return response;
  }

  override didEncounterError(error: Error, _request: unknown, response?: { status: number }): void {
    // A 400 with GraphQL errors is the agency rejecting the caller's input (an impossible date
    // in a variable): pass its own error and code on, it is not an outage.
    const rejected = graphQLErrorsIn(error);
    if (response?.status === 400 && rejected) throw rejected;
    throw subgraphUnavailable(this.agency, reasonOf(error, response), error instanceof UpstreamError ? error.reason : undefined);
  }
}

function reasonOf(error: Error, response?: { status: number }): string {
  if (error instanceof UpstreamError) {
    return {
      TIMEOUT: 'it did not answer in time',
      CIRCUIT_OPEN: 'it failed repeatedly just now, so it is not being asked for a few seconds',
      UNREACHABLE: 'it could not be reached',
      TOO_LARGE: 'its answer was too large',
      HTTP_ERROR: `it answered HTTP ${error.status}`,
    }[error.reason];
  }
  return response ? `it answered HTTP ${response.status}` : 'it could not be reached';
}

function graphQLErrorsIn(error: Error): GraphQLError | undefined {
  const body = (error as GraphQLError).extensions?.response as { body?: { errors?: { message: string; extensions?: Record<string, unknown> }[] } } | undefined;
  const first = body?.body?.errors?.[0];
  return first ? new GraphQLError(first.message, { extensions: first.extensions }) : undefined;
}
