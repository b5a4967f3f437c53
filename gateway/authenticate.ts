/**
 * The first two steps of every gateway request: who is calling (a verified bearer token naming a
 * registered agency, a role and a place the hub serves) and why (a declared purpose). Either
 * refusal ends the request before GraphQL runs.
 */
import type http from 'node:http';
import { GraphQLError, Kind, parse, type EnumTypeDefinitionNode } from 'graphql';
import type { Caller } from '../src/shared/access/caller.js';
import { verifyCallerToken, type AccessKeys } from '../src/shared/access/keys.js';
import { AUDIT_MEMBER, REPORTS_MEMBER } from '../src/shared/access/policy.js';
import { recognisePurpose, type Purpose } from '../src/shared/access/purposes.js';
import { forbidden, quoted, unauthenticated } from '../src/shared/errors.js';

export const PURPOSE_HEADER = 'x-purpose';

/** Subgraphs in the registry that are the hub's own services, not agencies: no caller works for them. */
const HUB_SERVICES = new Set([AUDIT_MEMBER, REPORTS_MEMBER]);

/**
 * The agencies registered in a composed supergraph (each `join__Graph` value names one entry of
 * schema/supergraph.yaml), without the hub's own services. The gateway reads them from the
 * supergraph it serves, so an agency registered while it runs is known as soon as it is served.
 */
export function registeredAgencies(supergraphSdl: string): Set<string> {
  const graphs = parse(supergraphSdl).definitions.find(
    (definition): definition is EnumTypeDefinitionNode => definition.kind === Kind.ENUM_TYPE_DEFINITION && definition.name.value === 'join__Graph',
  );
  const names = new Set<string>();
  for (const value of graphs?.values ?? []) {
    const name = value.directives?.find((d) => d.name.value === 'join__graph')?.arguments?.find((a) => a.name.value === 'name')?.value;
    if (name?.kind === Kind.STRING && !HUB_SERVICES.has(name.value)) names.add(name.value);
  }
  return names;
}

/**
 * The caller a request comes from, with the purpose it declared, or UNAUTHENTICATED / FORBIDDEN.
 * With `agencies` (the registry in force), a token naming an agency that is not registered is
 * UNAUTHENTICATED: policies such as `*:officer` would otherwise let it read as an officer.
 */
export async function authenticate(keys: AccessKeys, purposes: Purpose[], headers: http.IncomingHttpHeaders, agencies?: () => ReadonlySet<string>): Promise<Caller> {
  const claims = await verifyCallerToken(keys, headers.authorization);
  const registered = agencies?.();
  if (registered && !registered.has(claims.agency)) {
    throw unauthenticated(`The token's agency ${quoted(claims.agency)} is not registered with Worker Graph; registered agencies: ${[...registered].sort().join(', ')}.`);
  }
  const header = headers[PURPOSE_HEADER];
  const declared = (Array.isArray(header) ? header[0] : header) ?? claims.purpose;
  const allowed = purposes.map((purpose) => purpose.label);
  if (!declared?.trim()) {
    throw purposeError(`Declare why you need this data: send an \`${PURPOSE_HEADER}\` header (or a \`purpose\` claim) naming one of: ${allowed.join(', ')}.`, 'PURPOSE_REQUIRED', allowed);
  }
  const purpose = recognisePurpose(declared, purposes);
  if (!purpose) throw purposeError(`${quoted(declared)} is not a recognised purpose. Use one of: ${allowed.join(', ')}.`, 'PURPOSE_UNKNOWN', allowed);
  return { ...claims, purpose };
}

function purposeError(message: string, reason: string, purposes: string[]): GraphQLError {
  return forbidden(message, { reason, purposes });
}
