/**
 * The gateway's first line: who is calling (a verified bearer token), why (a declared purpose),
 * and whether the operation asks for a field the caller's role may never read. The owning
 * subgraph enforces the same `@access` policies again; this check only refuses early, naming
 * every denied field at once, before any agency is called.
 */
import type http from 'node:http';
import { GraphQLError, parse, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from 'graphql';
import { forbidden, requireScope, type Caller } from '../src/shared/access/caller.js';
import { verifyCallerToken, type AccessKeys } from '../src/shared/access/keys.js';
import { decide, describeAllowed, policiesIn, type AccessPolicy } from '../src/shared/access/policy.js';
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

/** The `@access` policies of the composed supergraph, keyed `Type.field`. */
export function supergraphPolicies(supergraphSdl: string): Map<string, AccessPolicy> {
  return policiesIn(parse(supergraphSdl));
}

/** Refuses an operation that selects any field the caller may not read, or lacks the scope (`read`, `write`). */
export function checkFieldAccess(document: DocumentNode, schema: GraphQLSchema, policies: Map<string, AccessPolicy>, caller: Caller): void {
  const denied: string[] = [];
  const typeInfo = new TypeInfo(schema);
  let mutation = false;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      OperationDefinition(node) {
        if (node.operation === 'mutation') mutation = true;
      },
      Field(node) {
        const key = `${typeInfo.getParentType()?.name}.${node.name.value}`;
        const policy = policies.get(key);
        if (policy && decide(policy, caller) === 'deny' && !denied.includes(key)) denied.push(key);
      },
    }),
  );
  if (denied.length) {
    const reasons = denied.map((key) => `${key} (${describeAllowed(policies.get(key)!)})`);
    throw forbidden(`Your role (${caller.agency}:${caller.role}) may not read ${reasons.join('; ')}. Remove these fields and ask again.`, {
      fields: denied,
      http: { status: 403 },
    });
  }
  requireScope(caller, mutation ? 'write' : 'read');
}
