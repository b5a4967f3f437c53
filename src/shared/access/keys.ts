/**
 * Caller tokens: bearer JWTs issued by an identity provider, verified by the gateway against a
 * configured JWKS (AUTH_JWKS_FILE or AUTH_JWKS_URL). With neither set, a development issuer key
 * pair is created under KEYS_DIR on first start, so `npm start` can print a demo token. (How
 * members vouch for a caller to each other is the seal, in seal.ts.)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type JWK,
  type JWTVerifyGetKey,
  type KeyLike,
} from 'jose';
import { GraphQLError } from 'graphql';
import { config, readConfig, type Environment } from '../config.js';
import { ErrorCode } from '../errors.js';
import { unsafeCharacter } from '../validation.js';
import { isKnownJurisdiction, knownJurisdictions, ROLES, type Caller, type Role } from './caller.js';
import { publicPart } from './members.js';

const ALGORITHM = 'EdDSA';

export interface AccessKeys {
  /** Verifies callers' bearer tokens. */
  callerKeys: JWTVerifyGetKey;
  issuer: string;
  audience: string;
  /** The development issuer's private key: only present when no real JWKS is configured. */
  devIssuer?: { key: KeyLike; kid: string };
}

export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
}

/** Keys that live only in memory: each test stack gets its own. */
export async function generateAccessKeys(issuer = config.auth.issuer, audience = config.auth.audience): Promise<AccessKeys> {
  const dev = await generateKeyPair(ALGORITHM, { crv: 'Ed25519', extractable: true });
  const publicJwk = { ...(await exportJWK(dev.publicKey)), kid: 'dev-1', alg: ALGORITHM, use: 'sig' };
  return {
    callerKeys: createLocalJWKSet({ keys: [publicJwk] }),
    issuer,
    audience,
    devIssuer: { key: dev.privateKey, kid: 'dev-1' },
  };
}

/**
 * The caller-token keys `npm start` uses: a configured JWKS when AUTH_JWKS_FILE or AUTH_JWKS_URL
 * is set (`config.auth`), otherwise a development issuer kept in `dir` (created on first use).
 * `env`: another environment to read the AUTH_* variables from instead of this process's (tests).
 */
export async function loadAccessKeys(dir: string, env?: Environment): Promise<AccessKeys> {
  const { issuer, audience, jwksUrl, jwksFile } = env ? readConfig(env).auth : config.auth;
  if (jwksUrl) return { callerKeys: createRemoteJWKSet(new URL(jwksUrl)), issuer, audience };
  if (jwksFile) return { callerKeys: createLocalJWKSet(readJwk(jwksFile) as { keys: JWK[] }), issuer, audience };
  const devPrivate = await keyFile(path.join(dir, 'dev-issuer.private.jwk.json'));
  const kid = devPrivate.kid!;
  writeFileSync(path.join(dir, 'dev-issuer.jwks.json'), JSON.stringify({ keys: [publicPart(devPrivate)] }, null, 2));
  return {
    callerKeys: createLocalJWKSet({ keys: [publicPart(devPrivate)] }),
    issuer,
    audience,
    devIssuer: { key: (await importJWK(devPrivate, ALGORITHM)) as KeyLike, kid },
  };
}

function readJwk(file: string): JWK & { keys?: JWK[] } {
  return JSON.parse(readFileSync(file, 'utf8')) as JWK;
}

/** Reads a private JWK, creating an Ed25519 one (readable by its owner only) when missing. */
async function keyFile(file: string): Promise<JWK> {
  if (existsSync(file)) return readJwk(file);
  const { privateKey } = await generateKeyPair(ALGORITHM, { crv: 'Ed25519', extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: `${path.basename(file, '.private.jwk.json')}-${Date.now()}`, alg: ALGORITHM, use: 'sig' };
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(jwk, null, 2), { mode: 0o600 });
  return jwk;
}

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
    .setProtectedHeader({ alg: ALGORITHM, kid: keys.devIssuer.kid, typ: 'JWT' })
    .setSubject(request.subject)
    .setIssuer(keys.issuer)
    .setAudience(keys.audience)
    .setIssuedAt()
    .setExpirationTime(request.expiresIn ?? '8h')
    .sign(keys.devIssuer.key);
}

type TokenClaims = Omit<Caller, 'purpose'> & { purpose?: string };

/**
 * Tokens already verified, until they expire and for five minutes at most: a client sends the
 * same token with every request, and a signature check costs more than the rest of a small query.
 */
const verifiedBy = new WeakMap<AccessKeys, Map<string, { claims: TokenClaims; until: number }>>();
const VERIFIED_MAX = 10_000;
const VERIFIED_FOR_MS = 5 * 60_000;

/** The caller a bearer token names, or UNAUTHENTICATED saying what is wrong with it. */
export async function verifyCallerToken(keys: AccessKeys, authorization: string | undefined): Promise<TokenClaims> {
  if (!authorization) throw unauthenticated('Send a bearer token: `Authorization: Bearer <JWT>`.');
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!match) throw unauthenticated('The Authorization header must be `Bearer <JWT>`.');
  const token = match[1]!;
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

const MAX_SUBJECT = 200;

function claimsOf(payload: Record<string, unknown>): TokenClaims {
  const { agency, role, jurisdiction, scope, purpose, sub } = payload;
  if (typeof sub !== 'string' || !sub) throw unauthenticated('The token names no subject (`sub`).');
  // The subject is written into provenance, change history and the access log.
  if (sub.length > MAX_SUBJECT || unsafeCharacter(sub)) throw unauthenticated(`The token's subject (\`sub\`) must be plain text of at most ${MAX_SUBJECT} characters.`);
  if (typeof agency !== 'string' || !/^[a-z][a-z0-9-]*$/.test(agency)) throw unauthenticated('The token names no agency (`agency`).');
  if (!ROLES.includes(role as Role)) throw unauthenticated(`The token's role must be one of ${ROLES.join(', ')}.`);
  // A place the hub does not serve would see nothing, but a token naming one is a mistake or a probe.
  if (typeof jurisdiction !== 'string' || !isKnownJurisdiction(jurisdiction)) {
    throw unauthenticated(`The token's jurisdiction must be a place Worker Graph serves: ${knownJurisdictions().join(', ')}.`);
  }
  return {
    agency,
    subject: sub,
    role: role as Role,
    jurisdiction,
    scopes: typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [],
    ...(typeof purpose === 'string' ? { purpose } : {}),
  };
}

function describeJoseError(error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'it has expired';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'its signature does not match a trusted key';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `its "${(error as { claim?: string }).claim}" claim is not accepted here`;
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return 'it is not a well-formed JWT';
    default:
      return 'it could not be verified';
  }
}
