import { GraphQLError } from 'graphql';

/**
 * The one error vocabulary of Worker Graph. Clients switch on `extensions.code`, so these
 * strings are part of the public contract: add codes, never rename them.
 */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  SUBGRAPH_UNAVAILABLE: 'SUBGRAPH_UNAVAILABLE',
  /** The access log could not be written, so the answer was withheld. */
  AUDIT_UNAVAILABLE: 'AUDIT_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A setting that stops a process at start: its message names the variable or file to fix. */
export class ConfigError extends Error {}

/** Input that can never succeed as sent; `field` names the argument or input field at fault. */
export function badInput(message: string, field?: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, ...(field ? { field } : {}) },
  });
}

export function notFound(what: string, id: string): GraphQLError {
  return new GraphQLError(`No ${what} with id "${id}".`, {
    extensions: { code: ErrorCode.NOT_FOUND, id },
  });
}

/** The write would duplicate or contradict a record that already exists. */
export function conflict(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.CONFLICT } });
}

/** `reasonCode` says why for machines: TIMEOUT, CIRCUIT_OPEN, UNREACHABLE, TOO_LARGE, HTTP_ERROR. */
export function subgraphUnavailable(agency: string, reason: string, reasonCode?: string): GraphQLError {
  return new GraphQLError(`The ${agency} agency did not answer: ${reason}`, {
    // `serviceName` is where the gateway names the agency on every other subgraph error too.
    extensions: { code: ErrorCode.SUBGRAPH_UNAVAILABLE, serviceName: agency, ...(reasonCode ? { reason: reasonCode } : {}) },
  });
}

/**
 * Shapes every error before it leaves a server: known codes pass through unchanged, anything
 * else (a driver error, a bug) becomes a generic message so no SQL, path or stack reaches a
 * client. The original is logged on the server side.
 */
export function formatError(formatted: { message: string; extensions?: Record<string, unknown> }, error: unknown) {
  const code = formatted.extensions?.code as string | undefined;
  const known = code && code !== ErrorCode.INTERNAL_SERVER_ERROR;
  if (known) {
    const { stacktrace: _stack, exception: _exception, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  console.error('[internal error]', error);
  return {
    message: 'Internal server error. The incident has been logged.',
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}
