/**
 * The typed client: sends one of the registered operations (client/generated, from
 * schema/operations/*.graphql) to the gateway, and returns its data typed by the operation. Runs
 * in Node 20 and in the browser (plain fetch), so report scripts and the dashboard share it.
 *
 * A registered operation goes by its id alone, as GraphQL over HTTP's persisted documents do:
 * `{ "documentId": "sha256:<hex>", "operationName", "variables" }`. The gateway holds the text
 * (client/generated/persisted-documents.json), and analysts and services may run nothing else.
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

/**
 * A request the gateway refused or could not answer in full; `codes` are the errors'
 * `extensions.code`, `reasons` their `extensions.reason` where they give one (OPERATION_NOT_REGISTERED, MAX_COST, ...).
 */
export class WorkerGraphError extends Error {
  constructor(
    message: string,
    readonly codes: string[],
    readonly status: number,
    readonly reasons: string[] = [],
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
    body: JSON.stringify(requestBody(document, variables)),
  });
  const body = (await response.json().catch(() => ({}))) as {
    data?: TResult | null;
    errors?: { message: string; extensions?: { code?: string; reason?: string } }[];
  };
  if (body.errors?.length || !body.data) {
    const errors = body.errors ?? [{ message: `HTTP ${response.status}` }];
    throw new WorkerGraphError(
      errors.map((error) => error.message).join('; '),
      errors.map((error) => error.extensions?.code ?? 'UNKNOWN'),
      response.status,
      errors.flatMap((error) => (error.extensions?.reason ? [error.extensions.reason] : [])),
    );
  }
  return body.data;
}

/** What goes over the wire: the document's id (codegen's `__meta__.hash`) when it has one, else its text. */
export function requestBody<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>, variables: TVariables) {
  const text = document.toString();
  const operationName = /\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(text)?.[1];
  const id = document.__meta__?.hash as string | undefined;
  return id ? { documentId: id, operationName, variables } : { query: text, operationName, variables };
}
