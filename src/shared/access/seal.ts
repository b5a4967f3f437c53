/**
 * The seal: how one member of Worker Graph vouches for a call to another. Both ends live here.
 *
 * As in X-Road, every member (the gateway, each agency, the reports service) signs with its own
 * Ed25519 key, and every receiving member keeps an explicit trust list: whose keys it accepts, and
 * for which kind of call (`graphql` from the gateway, `worker-lookup` from agencies asking Labour,
 * `statistics` from the reports service). A seal is a JWT carrying the caller's verified claims,
 * addressed to one member (`aud`), bound to one request body (`bh`, its SHA-256), for one kind of
 * call, valid for 30 seconds, with a unique id (`jti`) the receiver accepts once.
 */
import { createHash, randomUUID } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT, type KeyLike } from 'jose';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../errors.js';
import type { Caller, Role } from './caller.js';
import type { ReplayGuard } from './replay.js';

export const SEAL_HEADER = 'x-worker-graph-seal';
export const CALL_KINDS = ['graphql', 'worker-lookup', 'statistics'] as const;
export type CallKind = (typeof CALL_KINDS)[number];

const ALGORITHM = 'EdDSA';
/** Long enough for a slow agency behind a queue, short enough that the replay store stays small. */
export const SEAL_LIFETIME_SECONDS = 30;
const CLOCK_TOLERANCE_SECONDS = 5;

/** A member's own signing key: `kid` names it in trust lists, so two keys may be valid at once. */
export interface MemberKey {
  member: string;
  kid: string;
  privateKey: KeyLike;
}

/** The members a receiver accepts seals from: for each, the kinds of call it may make and its keys by `kid`. */
export type TrustList = ReadonlyMap<string, { calls: readonly CallKind[]; keys: ReadonlyMap<string, KeyLike> }>;

/** Why a seal was refused, in `extensions.reason`: operators and tests switch on it. */
export type SealRefusal =
  | 'SEAL_MISSING'
  | 'SEAL_MALFORMED'
  | 'UNTRUSTED_SIGNER'
  | 'UNTRUSTED_CALL'
  | 'UNKNOWN_KEY'
  | 'BAD_SIGNATURE'
  | 'EXPIRED'
  | 'WRONG_AUDIENCE'
  | 'WRONG_BODY'
  | 'REPLAYED';

export function sealRefused(reason: SealRefusal, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, reason, http: { status: 401 } } });
}

export function bodyHash(body: string): string {
  return createHash('sha256').update(body).digest('base64url');
}

/** Seals `caller` for one call of `kind` to `audience`, with exactly this body. */
export async function sealCall(signer: MemberKey, call: { caller: Caller; audience: string; body: string; kind: CallKind }): Promise<string> {
  const { agency, role, jurisdiction, scopes, purpose, subject } = call.caller;
  return new SignJWT({ agency, role, jurisdiction, scopes, purpose, bh: bodyHash(call.body), call: call.kind })
    .setProtectedHeader({ alg: ALGORITHM, kid: signer.kid, typ: 'worker-graph-seal+jwt' })
    .setIssuer(signer.member)
    .setSubject(subject)
    .setAudience(call.audience)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(`${SEAL_LIFETIME_SECONDS}s`)
    .sign(signer.privateKey);
}

/** A member's side of the seal: the key it signs its own calls with and whom it accepts calls from. */
export interface MemberSeals {
  member: string;
  /** The key in force now (a rotated key file is picked up while the member runs). */
  signer: () => MemberKey;
  trust: () => TrustList;
}

/** What a receiving member checks seals against. */
export interface SealReceiver {
  /** This member's name: a seal must be addressed to it. */
  member: string;
  /** The trust list in force now (it may be reloaded while the member runs). */
  trust: () => TrustList;
  replay: ReplayGuard;
}

export interface OpenedSeal {
  caller: Caller;
  /** The member that sealed the call. */
  signer: string;
  kind: CallKind;
  sealId: string;
}

/**
 * The caller a sealed call vouches for, or UNAUTHENTICATED with a reason; each refusal but a
 * missing seal is a line on the receiver's log, since a replay or a forgery is an incident.
 * `header` is the request's seal header as Node gives it.
 */
export async function openSeal(receiver: SealReceiver, header: string | string[] | undefined, body: string, accepted: readonly CallKind[]): Promise<OpenedSeal> {
  try {
    return await checkSeal(receiver, Array.isArray(header) ? header[0] : header, body, accepted);
  } catch (error) {
    const reason = (error as GraphQLError).extensions?.reason;
    if (reason === undefined) console.error(`[${receiver.member}] could not check a seal:`, error); // its replay store failed
    else if (reason !== 'SEAL_MISSING') console.warn(`[${receiver.member}] refused a sealed call: ${reason}: ${(error as Error).message}`);
    throw error;
  }
}

/**
 * Every check that needs no storage runs first, so a forged or misaddressed seal costs no write;
 * the seal's id is spent last, once everything else holds.
 */
async function checkSeal(receiver: SealReceiver, header: string | undefined, body: string, accepted: readonly CallKind[]): Promise<OpenedSeal> {
  if (!header) throw sealRefused('SEAL_MISSING', `${receiver.member} answers only sealed calls from the members it trusts: call the Worker Graph gateway instead.`);
  let kid: string | undefined;
  let signer: unknown;
  try {
    kid = decodeProtectedHeader(header).kid;
    signer = decodeJwt(header).iss;
  } catch {
    throw sealRefused('SEAL_MALFORMED', 'The seal is not a well-formed JWT.');
  }
  const trusted = typeof signer === 'string' ? receiver.trust().get(signer) : undefined;
  if (!trusted) throw sealRefused('UNTRUSTED_SIGNER', `${receiver.member} does not accept calls from ${JSON.stringify(signer ?? null)}.`);
  const key = kid ? trusted.keys.get(kid) : undefined;
  if (!key) throw sealRefused('UNKNOWN_KEY', `The key ${JSON.stringify(kid ?? null)} of ${signer} is not (or no longer) trusted by ${receiver.member}.`);
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(header, key, {
      issuer: signer as string,
      algorithms: [ALGORITHM],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      maxTokenAge: `${SEAL_LIFETIME_SECONDS + CLOCK_TOLERANCE_SECONDS}s`,
      requiredClaims: ['exp', 'iat', 'jti', 'aud'],
    }));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_JWT_EXPIRED') throw sealRefused('EXPIRED', 'The seal has expired.');
    if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') throw sealRefused('BAD_SIGNATURE', `The seal's signature does not match ${signer}'s key ${kid}.`);
    throw sealRefused('SEAL_MALFORMED', 'The seal could not be verified.');
  }
  if (payload.aud !== receiver.member) throw sealRefused('WRONG_AUDIENCE', `The seal is addressed to ${JSON.stringify(payload.aud)}, not ${receiver.member}.`);
  const kind = payload.call as CallKind;
  if (!accepted.includes(kind) || !trusted.calls.includes(kind)) {
    throw sealRefused('UNTRUSTED_CALL', `${receiver.member} does not accept ${JSON.stringify(kind)} calls from ${signer} here.`);
  }
  if (payload.bh !== bodyHash(body)) throw sealRefused('WRONG_BODY', 'The seal was made for another request.');
  const sealId = payload.jti as string;
  const expiresAt = new Date(((payload.exp as number) + CLOCK_TOLERANCE_SECONDS) * 1000);
  if (!(await receiver.replay.firstUse(sealId, expiresAt))) throw sealRefused('REPLAYED', 'This seal has been used already: a seal works once.');
  return {
    caller: {
      agency: payload.agency as string,
      subject: payload.sub as string,
      role: payload.role as Role,
      jurisdiction: payload.jurisdiction as string,
      scopes: payload.scopes as string[],
      purpose: payload.purpose as string,
    },
    signer: signer as string,
    kind,
    sealId,
  };
}
