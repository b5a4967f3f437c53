import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import type { Caller } from '../src/shared/access/caller.js';
import { INTERNAL_HEADER, signInternal, type AccessKeys } from '../src/shared/access/keys.js';
import { subgraphUnavailable } from '../src/shared/errors.js';

/** What the gateway keeps for one request while it calls agencies. */
export interface GatewayContext {
  caller: Caller;
  /** Agencies called, and the workers whose records they returned: the audit entry's facts. */
  subgraphs: Set<string>;
  workerIds: Set<string>;
}

// Carries the caller from `willSendRequest` to the fetcher, which replaces it with the seal over
// the exact body; it never leaves the process.
const UNSEALED_CALLER = 'x-worker-graph-unsealed-caller';

/**
 * How the gateway talks to one agency: the caller's verified claims sealed for that agency and
 * that body, a per-agency timeout, and any failure to get an answer (refused connection, timeout,
 * 5xx) reported as SUBGRAPH_UNAVAILABLE naming the agency, so the caller still gets every other
 * agency's data.
 */
export class AgencyDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(private readonly agency: string, url: string, timeoutMs: number, keys: AccessKeys) {
    super({
      url,
      fetcher: (async (input: string, init: RequestInit & { headers: Record<string, string>; body: string }) => {
        const { [UNSEALED_CALLER]: unsealed, ...headers } = init.headers;
        if (unsealed) headers[INTERNAL_HEADER] = await signInternal(keys, JSON.parse(unsealed) as Caller, agency, init.body);
        return fetch(input, { ...init, headers, signal: AbortSignal.timeout(timeoutMs) });
      }) as unknown as RemoteGraphQLDataSource['fetcher'],
    });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    // Health checks run without a caller: they go out unsealed and the subgraph refuses them.
    if (!('caller' in context) || !context.caller) return;
    request.http?.headers.set(UNSEALED_CALLER, JSON.stringify(context.caller));
    context.subgraphs.add(this.agency);
  }

  override didReceiveResponse<TResult>({ response, context }: { response: TResult & { extensions?: Record<string, any> }; context: GatewayContext }): TResult {
    const { workerIds, agencies } = (response.extensions?.workerGraph ?? {}) as { workerIds?: unknown; agencies?: unknown };
    if (Array.isArray(workerIds)) for (const id of workerIds) if (typeof id === 'string') context.workerIds.add(id);
    // The reports subgraph asks agencies itself: they answered this request too.
    if (Array.isArray(agencies)) for (const agency of agencies) if (typeof agency === 'string') context.subgraphs.add(agency);
    return response;
  }

  override didEncounterError(error: Error, _request: unknown, response?: { status: number }): void {
    // A 400 with GraphQL errors is the agency rejecting the caller's input (an impossible date
    // in a variable): pass its own error and code on, it is not an outage.
    const rejected = graphQLErrorsIn(error);
    if (response?.status === 400 && rejected) throw rejected;
    const reason =
      error.name === 'TimeoutError' || error.name === 'AbortError'
        ? 'it did not answer in time'
        : response
          ? `it answered HTTP ${response.status}`
          : 'it could not be reached';
    throw subgraphUnavailable(this.agency, reason);
  }
}

function graphQLErrorsIn(error: Error): GraphQLError | undefined {
  const body = (error as GraphQLError).extensions?.response as { body?: { errors?: { message: string; extensions?: Record<string, unknown> }[] } } | undefined;
  const first = body?.body?.errors?.[0];
  return first ? new GraphQLError(first.message, { extensions: first.extensions }) : undefined;
}
