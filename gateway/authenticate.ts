/**
 * The first two steps of every gateway request: who is calling (a verified bearer token) and why
 * (a declared purpose). Either refusal ends the request before GraphQL runs.
 */
import type http from 'node:http';
import { GraphQLError } from 'graphql';
import type { Caller } from '../src/shared/access/caller.js';
import { verifyCallerToken, type AccessKeys } from '../src/shared/access/keys.js';
import { recognisePurpose, type Purpose } from '../src/shared/access/purposes.js';
import { ErrorCode } from '../src/shared/errors.js';

export const PURPOSE_HEADER = 'x-purpose';

/** The caller a request comes from, with the purpose it declared, or UNAUTHENTICATED / FORBIDDEN. */
export async function authenticate(keys: AccessKeys, purposes: Purpose[], headers: http.IncomingHttpHeaders): Promise<Caller> {
  const claims = await verifyCallerToken(keys, headers.authorization);
  const header = headers[PURPOSE_HEADER];
  const declared = (Array.isArray(header) ? header[0] : header) ?? claims.purpose;
  const allowed = purposes.map((purpose) => purpose.label);
  if (!declared?.trim()) {
    throw purposeError(`Declare why you need this data: send an \`${PURPOSE_HEADER}\` header (or a \`purpose\` claim) naming one of: ${allowed.join(', ')}.`, 'PURPOSE_REQUIRED', allowed);
  }
  const purpose = recognisePurpose(declared, purposes);
  if (!purpose) throw purposeError(`"${declared}" is not a recognised purpose. Use one of: ${allowed.join(', ')}.`, 'PURPOSE_UNKNOWN', allowed);
  return { ...claims, purpose };
}

function purposeError(message: string, reason: string, purposes: string[]): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.FORBIDDEN, reason, purposes, http: { status: 403 } } });
}
