/** What a verified caller token must say, and how a refused one is explained. */
import { unauthenticated } from '../errors.js';
import { unsafeCharacter } from '../validation.js';
import { isKnownJurisdiction, knownJurisdictions, ROLES, type Caller, type Role } from './caller.js';

/** The caller a token names; the purpose may come with each request instead. */
export type TokenClaims = Omit<Caller, 'purpose'> & { purpose?: string };

const MAX_SUBJECT = 200;

/** The caller in a verified token's payload, or UNAUTHENTICATED naming the claim at fault. */
export function claimsOf(payload: Record<string, unknown>): TokenClaims {
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

/** Why jose refused a token, in words for the caller (never its internals). */
export function describeJoseError(error: unknown): string {
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
