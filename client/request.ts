/**
 * The typed client: sends one of the registered operations (client/generated, from
 * schema/operations/*.graphql) to the gateway, and returns its data typed by the operation. Runs
 * in Node 20 and in the browser (plain fetch), so report scripts and the dashboard share it.
 */
import type { TypedDocumentString } from './generated/graphql';

export interface Connection {
  /** The gateway's GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  /** A bearer token (JWT) from the caller's identity provider, or `npm run -s token`. */
  token: string;
  /** Why the data is asked for: a purpose label or code, e.g. `Statistics`. */
  purpose: string;
}

/** A request the gateway refused or could not answer in full; `codes` are the errors' `extensions.code`. */
export class WorkerGraphError extends Error {
  constructor(
    message: string,
    readonly codes: string[],
    readonly status: number,
  ) {
    super(message);
    this.name = 'WorkerGraphError';
  }
}

export async function request<TResult, TVariables>(
  connection: Connection,
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
): Promise<TResult> {
  const response = await fetch(connection.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${connection.token}`,
      'x-purpose': connection.purpose,
    },
    body: JSON.stringify({ query: document.toString(), variables }),
  });
  const body = (await response.json().catch(() => ({}))) as { data?: TResult | null; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length || !body.data) {
    const errors = body.errors ?? [{ message: `HTTP ${response.status}` }];
    throw new WorkerGraphError(
      errors.map((error) => error.message).join('; '),
      errors.map((error) => error.extensions?.code ?? 'UNKNOWN'),
      response.status,
    );
  }
  return body.data;
}
