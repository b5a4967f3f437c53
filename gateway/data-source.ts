import { RemoteGraphQLDataSource } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { subgraphUnavailable } from '../src/shared/errors.js';

/**
 * How the gateway talks to one agency: a per-agency timeout, and any failure to get an answer
 * (refused connection, timeout, 5xx) reported as SUBGRAPH_UNAVAILABLE naming the agency, so the
 * caller still gets every other agency's data.
 */
export class AgencyDataSource extends RemoteGraphQLDataSource {
  constructor(private readonly agency: string, url: string, timeoutMs: number) {
    super({
      url,
      fetcher: ((input: string, init?: RequestInit) =>
        fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) })) as unknown as RemoteGraphQLDataSource['fetcher'],
    });
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
