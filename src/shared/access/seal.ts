/**
 * The seal: how one member of Worker Graph vouches for a call to another. Both ends live here.
 *
 * As in X-Road, every member (the gateway, each agency, the reports service) signs with its own
 * Ed25519 key, and every receiving member keeps an explicit trust list: whose keys it accepts, and
 * for which kind of call (`graphql` from the gateway, `worker-lookup` from agencies asking Labour,
 * `statistics` from the reports service). A seal is a JWT carrying the caller's verified claims,
 * addressed to one member (`aud`), bound to one request body (`bh`, its SHA-256), for one kind of
 * call, valid for 30 seconds, with a unique id (`jti`) the receiver accepts once.
 *
 * A seal is a compact JWS (EdDSA), signed and checked here with node:crypto directly rather than
 * through jose's JWT classes: the same token any JOSE library verifies, at about half the CPU per
 * seal to make and two thirds to check (the gateway makes one per agency call, six for a worker by
 * id). The signature and every claim are checked as before; only the layers between are gone.
 */
import { createHash, KeyObject, randomUUID, sign, verify, type webcrypto } from 'node:crypto';
import type { KeyLike } from 'jose';
import { GraphQLError } from 'graphql';
import { unauthenticated } from '../errors.js';
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
  return unauthenticated(message, { reason });
}

export function bodyHash(body: string): string {
  return createHash('sha256').update(body).digest('base64url');
}

const TYPE = 'worker-graph-seal+jwt';

/** Node's own key object for a key jose imported (a KeyObject already on Node). */
const keyObject = (key: KeyLike) => (key instanceof KeyObject ? key : KeyObject.from(key as webcrypto.CryptoKey));

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Each signing key's protected header, encoded once: it changes only with the key. */
const encodedHeaders = new WeakMap<MemberKey, string>();

/** Seals `caller` for one call of `kind` to `audience`, with exactly this body. */
export async function sealCall(signer: MemberKey, call: { caller: Caller; audience: string; body: string; kind: CallKind }): Promise<string> {
  const { agency, role, jurisdiction, scopes, purpose, subject } = call.caller;
  let header = encodedHeaders.get(signer);
  if (!header) encodedHeaders.set(signer, (header = base64url({ alg: ALGORITHM, kid: signer.kid, typ: TYPE })));
  const iat = Math.floor(Date.now() / 1000);
  const claims = {
    agency, role, jurisdiction, scopes, purpose, bh: bodyHash(call.body), call: call.kind,
    iss: signer.member, sub: subject, aud: call.audience, jti: randomUUID(), iat, exp: iat + SEAL_LIFETIME_SECONDS,
  };
  const signed = `${header}.${base64url(claims)}`;
  // Ed25519 takes no digest algorithm: null.
  return `${signed}.${sign(null, Buffer.from(signed), keyObject(signer.privateKey)).toString('base64url')}`;
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

/** A seal's three parts, decoded but not yet verified; undefined when it is not a compact JWS of two JSON objects. */
function parseSeal(seal: string): { header: Record<string, unknown>; claims: Record<string, unknown>; signed: string; signature: Buffer } | undefined {
  const parts = seal.split('.');
  if (parts.length !== 3 || !parts.every((part) => /^[A-Za-z0-9_-]+$/.test(part))) return undefined;
  try {
    const [header, claims] = parts.slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown);
    if (!isObject(header) || !isObject(claims)) return undefined;
    return { header, claims, signed: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2]!, 'base64url') };
  } catch {
    return undefined;
  }
}

/** Ed25519 over the seal's first two parts; a signature of the wrong size simply does not hold. */
function signatureHolds(signed: string, key: KeyLike, signature: Buffer): boolean {
  try {
    return verify(null, Buffer.from(signed), keyObject(key), signature);
  } catch {
    return false;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => !!value && typeof value === 'object' && !Array.isArray(value);

/**
 * Every check that needs no storage runs first, so a forged or misaddressed seal costs no write;
 * the seal's id is spent last, once everything else holds.
 */
async function checkSeal(receiver: SealReceiver, header: string | undefined, body: string, accepted: readonly CallKind[]): Promise<OpenedSeal> {
  if (!header) throw sealRefused('SEAL_MISSING', `${receiver.member} answers only sealed calls from the members it trusts: call the Worker Graph gateway instead.`);
  const seal = parseSeal(header);
  if (!seal) throw sealRefused('SEAL_MALFORMED', 'The seal is not a well-formed JWT.');
  const { header: protectedHeader, claims: payload } = seal;
  const signer = payload.iss;
  const kid = protectedHeader.kid;
  const trusted = typeof signer === 'string' ? receiver.trust().get(signer) : undefined;
  if (!trusted) throw sealRefused('UNTRUSTED_SIGNER', `${receiver.member} does not accept calls from ${JSON.stringify(signer ?? null)}.`);
  const key = typeof kid === 'string' ? trusted.keys.get(kid) : undefined;
  if (!key) throw sealRefused('UNKNOWN_KEY', `The key ${JSON.stringify(kid ?? null)} of ${signer} is not (or no longer) trusted by ${receiver.member}.`);
  // Only EdDSA, and no header that changes what is signed (`crit`, `b64`): nothing else is a seal.
  if (protectedHeader.alg !== ALGORITHM || 'crit' in protectedHeader || 'b64' in protectedHeader) throw sealRefused('SEAL_MALFORMED', 'The seal could not be verified.');
  if (!signatureHolds(seal.signed, key, seal.signature)) {
    throw sealRefused('BAD_SIGNATURE', `The seal's signature does not match ${signer}'s key ${kid}.`);
  }
  const { exp, iat, nbf, jti } = payload;
  if (typeof exp !== 'number' || typeof iat !== 'number' || typeof jti !== 'string' || !jti || payload.aud === undefined || (nbf !== undefined && typeof nbf !== 'number')) {
    throw sealRefused('SEAL_MALFORMED', 'The seal could not be verified.');
  }
  const now = Math.floor(Date.now() / 1000);
  // Expired by its own `exp`, or older than any seal may be whatever its `exp` says.
  if (exp <= now - CLOCK_TOLERANCE_SECONDS || now - iat - CLOCK_TOLERANCE_SECONDS > SEAL_LIFETIME_SECONDS + CLOCK_TOLERANCE_SECONDS) {
    throw sealRefused('EXPIRED', 'The seal has expired.');
  }
  if (iat > now + CLOCK_TOLERANCE_SECONDS || (typeof nbf === 'number' && nbf > now + CLOCK_TOLERANCE_SECONDS)) {
    throw sealRefused('SEAL_MALFORMED', 'The seal could not be verified.');
  }
  if (payload.aud !== receiver.member) throw sealRefused('WRONG_AUDIENCE', `The seal is addressed to ${JSON.stringify(payload.aud)}, not ${receiver.member}.`);
  const kind = payload.call as CallKind;
  if (!accepted.includes(kind) || !trusted.calls.includes(kind)) {
    throw sealRefused('UNTRUSTED_CALL', `${receiver.member} does not accept ${JSON.stringify(kind)} calls from ${signer} here.`);
  }
  if (payload.bh !== bodyHash(body)) throw sealRefused('WRONG_BODY', 'The seal was made for another request.');
  const sealId = jti;
  const expiresAt = new Date((exp + CLOCK_TOLERANCE_SECONDS) * 1000);
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
