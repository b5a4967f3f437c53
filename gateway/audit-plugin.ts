/**
 * The last step of every gateway request: its access-log entry. Every request that reaches
 * GraphQL gets one, and so does one refused before it (no valid token, no purpose, a rate limit,
 * a request the HTTP server refused: http-server.ts). No entry, no answer: when the entry cannot
 * be written the response is replaced by AUDIT_UNAVAILABLE. A mutation the field check admitted
 * gets an entry before it runs as well, so a change can never happen unlogged.
 */
import { createHash, randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Caller } from '../src/shared/access/caller.js';
import { auditUnavailable as auditUnavailableError, describeForLog, ErrorCode } from '../src/shared/errors.js';
import type { Refusal } from '../src/shared/http-server.js';
import type { GatewayContext } from './data-source.js';
import type { AccessRecord, AuditLog, Outcome } from '../subgraphs/audit/log.js';

export function auditUnavailable(): GraphQLError {
  return auditUnavailableError('The access log could not be written, so the answer is withheld. Try again shortly.');
}

export function documentHash(source: string | undefined): string | null {
  return source ? createHash('sha256').update(source).digest('hex') : null;
}

export function callerOf(context: GatewayContext): AccessRecord['caller'] {
  const { agency, subject, role, jurisdiction } = context.caller;
  return { agency, subject, role, jurisdiction };
}

export function auditPlugin(audit: AuditLog): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      const base = {
        requestId: randomUUID(),
        at: new Date(),
        caller: callerOf(contextValue),
        purpose: contextValue.caller.purpose,
        operationType: null as string | null,
        operationName: null as string | null,
        documentHash: null as string | null,
      };
      const record = (outcome: Outcome, errorCodes: string[]): AccessRecord => ({
        ...base,
        workerIds: [...contextValue.workerIds].sort(),
        subgraphs: [...contextValue.subgraphs].sort(),
        outcome,
        errorCodes,
        durationMs: Math.round(performance.now() - started),
      });
      return {
        async didResolveOperation({ operation, source }) {
          base.operationType = operation?.operation ?? null;
          base.operationName = operation?.name?.value ?? null;
          base.documentHash = documentHash(source);
          // The field check runs first (the plugin before this one); a refused mutation never starts.
          if (operation?.operation === 'mutation' && contextValue.admitted) {
            await audit.append(record('started', [])).catch((error: unknown) => {
              console.error('[audit] could not write the access log', describeForLog(error));
              throw auditUnavailable();
            });
          }
        },
        async willSendResponse({ response, source }) {
          base.documentHash ??= documentHash(source);
          const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const codes = [...new Set((result?.errors ?? []).map((error) => String(error.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR)))];
          try {
            await audit.append(record(outcomeOf(result?.data, codes), codes));
          } catch (error) {
            console.error('[audit] could not write the access log', describeForLog(error));
            const { message, extensions } = auditUnavailable();
            response.body = { kind: 'single', singleResult: { errors: [{ message, extensions: { code: extensions.code } }] } };
            response.http.status = 503;
          }
        },
      };
    },
  };
}

function outcomeOf(data: Record<string, unknown> | null | undefined, codes: string[]): Outcome {
  if (!codes.length) return 'ok';
  if (codes.includes(ErrorCode.AUDIT_UNAVAILABLE)) return 'refused';
  // Partial when some root field still carries data: `{ worker: null }` answered nothing.
  if (data && Object.values(data).some((value) => value !== null)) return 'partial';
  return codes.includes(ErrorCode.FORBIDDEN) ? 'denied' : 'error';
}

/**
 * A request refused before it reached GraphQL (no valid token, no purpose, over a rate limit) is
 * logged too: who tried, with which operation. `caller` is given when the refusal came after the
 * token was verified (a rate limit); a token or purpose refusal names no caller. If even that
 * entry cannot be written, the refusal still stands.
 */
export async function auditRefusal(audit: AuditLog, req: http.IncomingMessage, rawBody: string, error: unknown, caller?: Caller): Promise<void> {
  const code = String((error as GraphQLError).extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR);
  await appendRefusal(audit, { rawBody, code, caller, outcome: refusalOutcome(code) }, req.url);
}

/**
 * A request the HTTP server refused before GraphQL ran (http-server.ts: a malformed or oversized
 * request, a wrong method or media type, CSRF prevention, a batch), outcome `refused` with its
 * code. The caller is named when it is known: from the context, if the refusal came after it
 * was built, or else from the token when `identify` can verify it; never failing on it.
 */
export async function auditHttpRefusal(
  audit: AuditLog,
  refusal: Refusal<GatewayContext>,
  identify: (headers: http.IncomingHttpHeaders) => Promise<Attribution | undefined>,
): Promise<void> {
  let caller: Attribution | undefined = refusal.context?.caller;
  if (!caller && refusal.req?.headers.authorization) caller = await identify(refusal.req.headers).catch(() => undefined);
  await appendRefusal(audit, { rawBody: refusal.rawBody, code: refusal.code, caller, outcome: 'refused' }, refusal.req?.url);
}

/** Who a refused request came from, as far as it is known: a purpose only once it was recognised. */
export type Attribution = Pick<Caller, 'agency' | 'subject' | 'role' | 'jurisdiction'> & { purpose?: string };

function refusalOutcome(code: string): Outcome {
  if (code === ErrorCode.UNAUTHENTICATED) return 'unauthenticated';
  if (code === ErrorCode.FORBIDDEN) return 'denied';
  return 'refused';
}

async function appendRefusal(
  audit: AuditLog,
  entry: { rawBody: string | undefined; code: string; caller: Attribution | undefined; outcome: Outcome },
  url: string | undefined,
): Promise<void> {
  let body: { query?: unknown; operationName?: unknown } = {};
  try {
    const parsed: unknown = JSON.parse(entry.rawBody || '{}');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as typeof body;
  } catch {
    // a malformed body is logged without an operation
  }
  const { caller } = entry;
  await audit
    .append({
      requestId: randomUUID(),
      at: new Date(),
      caller: caller ? { agency: caller.agency, subject: caller.subject, role: caller.role, jurisdiction: caller.jurisdiction } : null,
      purpose: caller?.purpose ?? null,
      operationType: null,
      operationName: typeof body.operationName === 'string' ? body.operationName : null,
      documentHash: documentHash(typeof body.query === 'string' ? body.query : undefined),
      workerIds: [],
      subgraphs: [],
      outcome: entry.outcome,
      errorCodes: [entry.code],
      durationMs: 0,
    })
    .catch((auditError: unknown) => console.error('[audit] could not log a refused request', auditError, url));
}
