/**
 * Introspection is a role decision: the roles in INTROSPECTION_ROLES (officers and auditors by
 * default, who use the explorer at /graphiql) may ask for `__schema` and `__type`; anyone else
 * is refused with FORBIDDEN, `extensions.reason: INTROSPECTION_DISABLED` (HTTP 403). `__typename`
 * is not introspection and stays open to all. Those roles do not get the schema by another door
 * either: "Did you mean ...?" suggestions are cut from the errors they are sent.
 */
import { GraphQLError, Kind, visit, type DocumentNode } from 'graphql';
import type { Role } from '../../src/shared/access/caller.js';
import { forbidden } from '../../src/shared/errors.js';

const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

export function asksForIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    [Kind.FIELD](node) {
      if (INTROSPECTION_FIELDS.has(node.name.value)) {
        found = true;
        return false;
      }
      return undefined;
    },
  });
  return found;
}

export function introspectionDisabled(role: Role, allowed: readonly Role[]): GraphQLError {
  const who = allowed.length ? `only ${allowed.join(', ')} callers may` : 'no caller may';
  return forbidden(`Introspection (__schema, __type) is not open to your role (${role}): ${who} read the schema this way.`, {
    reason: 'INTROSPECTION_DISABLED',
    roles: [...allowed],
  });
}

/** Refuses an operation that introspects when `role` may not. */
export function checkIntrospection(document: DocumentNode, role: Role, allowed: readonly Role[]): void {
  if (!allowed.includes(role) && asksForIntrospection(document)) throw introspectionDisabled(role, allowed);
}

/** A validation message without its suggestions of field, type or argument names. */
export function withoutSuggestions(message: string): string {
  return message.replace(/\s*Did you mean [^?]*\?/g, '');
}
