/**
 * The gateway's early field check, after the operation is parsed and before it is planned: does
 * it ask for a field the caller's role may never read, or need a scope (`read`, `write`) the
 * token lacks? The owning subgraph enforces the same `@access` policies again; this check only
 * refuses early, naming every denied field at once, before any agency is called.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { parse, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from 'graphql';
import { forbidden, requireScope, type Caller } from '../src/shared/access/caller.js';
import { decide, describeAllowed, policiesIn, type AccessPolicy } from '../src/shared/access/policy.js';
import type { GatewayContext } from './data-source.js';

/** Runs the check on every operation with the policies of the supergraph in force. */
export function fieldCheckPlugin(policies: () => Map<string, AccessPolicy>): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      return {
        async didResolveOperation({ document, schema }) {
          checkFieldAccess(document, schema, policies(), contextValue.caller);
          contextValue.admitted = true;
        },
      };
    },
  };
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
