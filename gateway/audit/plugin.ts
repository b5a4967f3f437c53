/**
 * The last step of every gateway request: its access-log entry. Every request that reaches
 * GraphQL gets one, and so does one refused before it (no valid token, no purpose). No entry, no
 * answer: when the entry cannot be written the response is replaced by AUDIT_UNAVAILABLE. A
 * mutation the field check admitted gets an entry before it runs as well, so a change can never
 * happen unlogged.
 */
import { createHash, randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../src/shared/errors.js';
import type { GatewayContext } from '../data-source.js';
import type { AccessRecord, AuditLog, Outcome } from './log.js';

export function auditUnavailable(): GraphQLError {
  return new GraphQLError('The access log could not be written, so the answer is withheld. Try again shortly.', {
    extensions: { code: ErrorCode.AUDIT_UNAVAILABLE, http: { status: 503 } },
  });
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
              console.error('[audit] could not write the access log', error);
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
            console.error('[audit] could not write the access log', error);
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
 * A request refused before it reached GraphQL (no valid token, no purpose) is logged too: who
 * tried, with which operation. If even that entry cannot be written, the refusal still stands.
 */
export async function auditRefusal(audit: AuditLog, req: http.IncomingMessage, rawBody: string, error: unknown): Promise<void> {
  const code = (error as GraphQLError).extensions?.code;
  let body: { query?: unknown; operationName?: unknown } = {};
  try {
    body = JSON.parse(rawBody || '{}') as typeof body;
  } catch {
    // a malformed body is logged without an operation
  }
  await audit
    .append({
      requestId: randomUUID(),
      at: new Date(),
      caller: null,
      purpose: null,
      operationType: null,
      operationName: typeof body.operationName === 'string' ? body.operationName : null,
      documentHash: documentHash(typeof body.query === 'string' ? body.query : undefined),
      workerIds: [],
      subgraphs: [],
      outcome: code === ErrorCode.UNAUTHENTICATED ? 'unauthenticated' : 'denied',
      errorCodes: [String(code ?? ErrorCode.INTERNAL_SERVER_ERROR)],
      durationMs: 0,
    })
    .catch((auditError: unknown) => console.error('[audit] could not log a refused request', auditError, req.url));
}
