import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';

/**
 * The one error vocabulary of Worker Graph. Clients switch on `extensions.code`, so these
 * strings are part of the public contract: add codes, never rename them.
 */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /**
   * Not a GraphQL request at all (malformed HTTP or JSON, a batch, a wrong method, media type or
   * `accept`, Apollo's CSRF prevention), refused before GraphQL ran, with `extensions.reason`
   * saying which (RefusalReason in http-server.ts). Apollo Server emits this code itself for such
   * requests, so it is listed rather than replaced: clients and the access log already see it.
   */
  BAD_REQUEST: 'BAD_REQUEST',
  /** Apollo Server's own, passed through: the operation is not GraphQL (a syntax error). */
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  /** Apollo Server's own, passed through: the operation does not validate against the schema. */
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  /** Apollo Server's own, passed through: `operationName` names no operation of the document. */
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  SUBGRAPH_UNAVAILABLE: 'SUBGRAPH_UNAVAILABLE',
  /** The access log could not be written, so the answer was withheld. */
  AUDIT_UNAVAILABLE: 'AUDIT_UNAVAILABLE',
  /** Too many requests (or too many conflicts) from this caller or agency: HTTP 429 with Retry-After. */
  RATE_LIMITED: 'RATE_LIMITED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * The HTTP status of each code when its error ends a request: a refusal before or instead of an
 * answer (a token refused, a limit, a plain HTTP endpoint such as /statistics). An error inside
 * an operation that ran rides in a 200 body as GraphQL over HTTP says, whatever its code; the
 * gateway answers 403 when a refusal is all the caller got (contractPlugin in validation.ts).
 * BAD_REQUEST's refusals may be more precise (405, 406, 408, 415: RefusalReason in http-server.ts),
 * and a request error answered as `application/json` is 200 as GraphQL over HTTP says
 * (graphQLOverHTTPStatus in http-server.ts).
 */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  BAD_USER_INPUT: 400,
  BAD_REQUEST: 400,
  GRAPHQL_PARSE_FAILED: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  OPERATION_RESOLUTION_FAILURE: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  SUBGRAPH_UNAVAILABLE: 502,
  AUDIT_UNAVAILABLE: 503,
  RATE_LIMITED: 429,
  INTERNAL_SERVER_ERROR: 500,
};

/** Whether `code` is one of the vocabulary's. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(HTTP_STATUS, code);
}

/** The status for an error's code on a plain HTTP answer: HTTP_STATUS's, or 500 for anything else. */
export function httpStatusOf(code: unknown): number {
  return isErrorCode(code) ? HTTP_STATUS[code] : HTTP_STATUS.INTERNAL_SERVER_ERROR;
}

/**
 * An error of the vocabulary: what every constructor below builds on. `status` adds the code's
 * HTTP status (HTTP_STATUS) for an error that ends the request where it is raised.
 */
export function codedError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}, status?: 'ends-request'): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions, ...(status ? { http: { status: HTTP_STATUS[code] } } : {}) } });
}

/** A setting that stops a process at start: its message names the variable or file to fix. */
export class ConfigError extends Error {}

/** How many characters of what a caller sent an error may echo back. */
export const ECHO_LIMIT = 40;

/**
 * What a caller sent, cut to its first ECHO_LIMIT characters (with "…" when cut), for an error
 * message or extension: a 990 KB id is not sent back, and neither are control characters.
 */
export function echoed(value: unknown, limit = ECHO_LIMIT): string {
  const text = typeof value === 'string' ? value : String(value);
  const points = Array.from(text); // code points: a cut never splits a surrogate pair
  return points.length > limit ? `${points.slice(0, limit).join('')}…` : text;
}

/** `echoed(value)` in double quotes, escaped as JSON so control characters show as `\u0000`. */
export function quoted(value: unknown, limit = ECHO_LIMIT): string {
  return JSON.stringify(echoed(value, limit));
}

/** Input that can never succeed as sent; `field` names the argument or input field at fault. */
export function badInput(message: string, field?: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return codedError(ErrorCode.BAD_USER_INPUT, message, { ...(field ? { field } : {}), ...extensions });
}

/** No such record (or none the caller may see: the two are answered alike). */
export function notFound(what: string, id: string, message = `No ${what} with id ${quoted(id)}.`): GraphQLError {
  return codedError(ErrorCode.NOT_FOUND, message, { id: echoed(id) });
}

/** The write would duplicate or contradict a record that already exists. */
export function conflict(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return codedError(ErrorCode.CONFLICT, message, extensions);
}

/** A token, key or seal refused: UNAUTHENTICATED, HTTP 401. */
export function unauthenticated(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return codedError(ErrorCode.UNAUTHENTICATED, message, extensions, 'ends-request');
}

/**
 * A refusal: FORBIDDEN, answered HTTP 403 when it ends the request (a scope the token lacks, a
 * field the role may not read). A refusal inside a subgraph's answer rides in its body, and the
 * gateway answers 403 when nothing else was answered (contractPlugin in validation.ts).
 */
export function forbidden(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return codedError(ErrorCode.FORBIDDEN, message, extensions, 'ends-request');
}

/** RATE_LIMITED with HTTP 429 and Retry-After (whole seconds, at least 1). */
export function rateLimited(message: string, retryAfterSeconds: number, extensions: Record<string, unknown> = {}): GraphQLError {
  return codedError(ErrorCode.RATE_LIMITED, message, {
    ...extensions,
    http: { status: HTTP_STATUS.RATE_LIMITED, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
  });
}

/** The access log could not be written, so the answer is withheld: AUDIT_UNAVAILABLE, HTTP 503. */
export function auditUnavailable(message: string): GraphQLError {
  return codedError(ErrorCode.AUDIT_UNAVAILABLE, message, {}, 'ends-request');
}

/** `extensions.reason` of a CONFLICT over a value that identifies one person or record (a phone, a UAN). */
export const ALREADY_REGISTERED = 'ALREADY_REGISTERED';

/**
 * A uniqueness conflict, told the same way whatever collided and wherever the other record lies:
 * which field, which record and its id would tell a caller that a phone number, a UAN or an ID
 * token is registered, and to whom. The detail goes to the server log (`logConflict`) instead.
 */
export function alreadyRegistered(): GraphQLError {
  return conflict('Already registered: a record with these details exists. Ask the owning agency to resolve the duplicate.', {
    reason: ALREADY_REGISTERED,
  });
}

/**
 * The server-side line for a refused duplicate: what collided (a field or constraint name) and,
 * where it helps the owning agency resolve it, the other record's id. Never the value itself.
 */
export function logConflict(where: string, detail: { field?: string; constraint?: string; table?: string; holderId?: string; actor?: string }): void {
  const parts = Object.entries(detail)
    .filter(([, value]) => value)
    .map(([key, value]) => `${key}=${echoed(value, 80)}`);
  console.warn(`[${where}] refused a duplicate (${ALREADY_REGISTERED}): ${parts.join(' ')}`);
}

/** `reasonCode` says why for machines: TIMEOUT, CIRCUIT_OPEN, UNREACHABLE, TOO_LARGE, HTTP_ERROR. */
export function subgraphUnavailable(agency: string, reason: string, reasonCode?: string): GraphQLError {
  // `serviceName` is where the gateway names the agency on every other subgraph error too.
  return codedError(ErrorCode.SUBGRAPH_UNAVAILABLE, `The ${agency} agency did not answer: ${reason}`, { serviceName: agency, ...(reasonCode ? { reason: reasonCode } : {}) });
}

/**
 * Shapes every error before it leaves a server: known codes pass through unchanged, anything
 * else (a driver error, a bug) becomes a generic message so no SQL, path or stack reaches a
 * client. The original is logged on the server side, a database error without its SQL, its
 * parameters or its `detail` (which quotes key values). Every message is cut so that no quoted
 * value in it is longer than ECHO_LIMIT (GraphQL's own coercion errors quote what was sent).
 */
export function formatError(formatted: { message: string; extensions?: Record<string, unknown> }, error: unknown) {
  const code = formatted.extensions?.code as string | undefined;
  const known = code && code !== ErrorCode.INTERNAL_SERVER_ERROR;
  if (known) {
    const { stacktrace: _stack, exception: _exception, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, message: shortenEchoes(formatted.message), extensions };
  }
  console.error('[internal error]', describeForLog(error));
  return {
    message: 'Internal server error. The incident has been logged.',
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}

const MAX_MESSAGE = 2000;

/** Cuts every double-quoted run in `message` to ECHO_LIMIT characters, and the whole to MAX_MESSAGE. */
export function shortenEchoes(message: string): string {
  const short = message.replace(/"((?:[^"\\]|\\.)*)"/g, (whole, inner: string) => (Array.from(inner).length > ECHO_LIMIT ? `"${echoed(inner)}"` : whole));
  return short.length > MAX_MESSAGE ? `${echoed(short, MAX_MESSAGE)}` : short;
}

interface DriverErrorFields {
  code?: unknown;
  sqlState?: unknown;
  constraint?: unknown;
  table?: unknown;
  column?: unknown;
  schema?: unknown;
  dataType?: unknown;
  routine?: unknown;
  severity?: unknown;
  message?: unknown;
  name?: unknown;
}

/** The error a GraphQLError wraps, down to the first that is not a wrapper. */
function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5; depth += 1) {
    const inner = (current as { originalError?: unknown } | null)?.originalError;
    if (!inner) break;
    current = inner;
  }
  return current;
}

/** A PostgreSQL error as pg raises it or MikroORM wraps it: a five-character SQLSTATE and the server's fields. */
function isDatabaseError(error: unknown): error is DriverErrorFields {
  if (!error || typeof error !== 'object') return false;
  const fields = error as DriverErrorFields;
  const sqlState = fields.sqlState ?? fields.code;
  return typeof sqlState === 'string' && /^[0-9A-Z]{5}$/.test(sqlState) && ('routine' in fields || 'severity' in fields || 'sqlState' in fields);
}

/**
 * What the server log may say about an error. A database error is told by its SQLSTATE,
 * constraint, table and column, with PostgreSQL's own message stripped of the statement in
 * front of it (MikroORM puts the SQL with its parameters there) and of any value it quotes.
 */
export function describeForLog(error: unknown): unknown {
  const cause = rootCause(error);
  if (!isDatabaseError(cause)) return cause;
  const known = new Set([cause.constraint, cause.table, cause.column, cause.schema, cause.dataType, 'UTF8'].filter((v): v is string => typeof v === 'string'));
  const full = typeof cause.message === 'string' ? cause.message : '';
  const serverMessage = full.includes(' - ') ? full.slice(full.lastIndexOf(' - ') + 3) : /^\s*(select|insert|update|delete|with|call)\b/i.test(full) ? '[statement redacted]' : full;
  const redacted = serverMessage
    .replace(/"([^"]*)"/g, (whole, inner: string) => (known.has(inner) ? whole : '"[redacted]"'))
    .replace(/:\s.*$/s, ': [redacted]')
    .slice(0, 200);
  const fields = { sqlState: cause.sqlState ?? cause.code, constraint: cause.constraint, table: cause.table, column: cause.column };
  const named = Object.entries(fields)
    .filter(([, value]) => typeof value === 'string' && value)
    .map(([key, value]) => `${key}=${value as string}`)
    .join(' ');
  return `${typeof cause.name === 'string' ? cause.name : 'DatabaseError'} ${named}: ${redacted}`;
}
