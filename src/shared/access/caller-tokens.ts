/**
 * Caller tokens themselves: signing one with the development issuer, and verifying the bearer
 * token a request carries against the trusted keys (keys.ts says where those come from).
 */
import { jwtVerify, SignJWT } from 'jose';
import { unauthenticated } from '../errors.js';
import type { Role } from './caller.js';
import type { AccessKeys } from './keys.js';
import { claimsOf, describeJoseError, type TokenClaims } from './token-claims.js';

/** What the development issuer signs with (and what its keys are made for). */
export const TOKEN_ALGORITHM = 'EdDSA';

export interface TokenRequest {
  agency: string;
  subject: string;
  role: Role;
  jurisdiction: string;
  scopes: string[];
  purpose?: string;
  /** A jose duration such as `8h`; default 8 hours, one working day. */
  expiresIn?: string;
}

/** Signs a caller token with the development issuer (demo token, `npm run token`, tests). */
export async function signCallerToken(keys: AccessKeys, request: TokenRequest): Promise<string> {
  if (!keys.devIssuer) throw new Error('Tokens are issued by the configured identity provider (AUTH_JWKS_FILE/URL), not by this hub.');
  const { agency, role, jurisdiction, scopes, purpose } = request;
  return new SignJWT({ agency, role, jurisdiction, scope: scopes.join(' '), ...(purpose ? { purpose } : {}) })
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: keys.devIssuer.kid, typ: 'JWT' })
    .setSubject(request.subject)
    .setIssuer(keys.issuer)
    .setAudience(keys.audience)
    .setIssuedAt()
    .setExpirationTime(request.expiresIn ?? '8h')
    .sign(keys.devIssuer.key);
}

/** The token in an Authorization header, or UNAUTHENTICATED saying how to send one. */
export function bearerToken(authorization: string | undefined): string {
  if (!authorization) throw unauthenticated('Send a bearer token: `Authorization: Bearer <JWT>`.');
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!match) throw unauthenticated('The Authorization header must be `Bearer <JWT>`.');
  return match[1]!;
}

/**
 * Tokens already verified, until they expire and for five minutes at most: a client sends the
 * same token with every request, and a signature check costs more than the rest of a small query.
 */
const verifiedBy = new WeakMap<AccessKeys, Map<string, { claims: TokenClaims; until: number }>>();
const VERIFIED_MAX = 10_000;
const VERIFIED_FOR_MS = 5 * 60_000;

/** The caller a bearer token names, or UNAUTHENTICATED saying what is wrong with it. */
export async function verifyCallerToken(keys: AccessKeys, authorization: string | undefined): Promise<TokenClaims> {
  const token = bearerToken(authorization);
  // One cache per trusted key set, so two hubs in one process (tests) never share a verdict.
  let verified = verifiedBy.get(keys);
  if (!verified) verifiedBy.set(keys, (verified = new Map()));
  const known = verified.get(token);
  if (known && known.until > Date.now()) return known.claims;
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, keys.callerKeys, { issuer: keys.issuer, audience: keys.audience, clockTolerance: 30, requiredClaims: ['exp', 'sub'] }));
  } catch (error) {
    throw unauthenticated(`The token was refused: ${describeJoseError(error)}.`);
  }
  const claims = claimsOf(payload);
  if (verified.size >= VERIFIED_MAX) verified.clear();
  verified.set(token, { claims, until: Math.min(Date.now() + VERIFIED_FOR_MS, (payload.exp as number) * 1000) });
  return claims;
}
