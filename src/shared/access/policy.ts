/**
 * Field-level access policies, declared in each agency's schema with `@access` so a reader sees
 * them beside the field:
 *
 *   phone: String! @access(allow: ["labour:officer", "labour:service"], mask: "last4")
 *
 * `allow` lists who reads the value in full, each entry `<agency>:<role>` where either side may
 * be `*`. Everyone else gets the masked value when `mask` names a style, or null and a FORBIDDEN
 * error when it does not. The owning subgraph enforces the policy (enforce.ts); the gateway
 * checks it first, from the same directive in the composed supergraph.
 */
import { Kind, type ConstDirectiveNode, type DocumentNode, type ObjectTypeDefinitionNode, type ObjectTypeExtensionNode } from 'graphql';
import { ROLES, type Caller } from './caller.js';

export const MASK_STYLES = ['last4', 'initials', 'all'] as const;
export type MaskStyle = (typeof MASK_STYLES)[number];

export interface AccessPolicy {
  allow: string[];
  /** `allow` split into [agency, role] once, since a policy is consulted for every row served. */
  principals: [string, string][];
  mask?: MaskStyle;
}

export type Decision = 'full' | 'mask' | 'deny';

const PRINCIPAL = new RegExp(`^([a-z][a-z0-9-]*|\\*):(${ROLES.join('|')}|\\*)$`);

/**
 * Every `@access` policy in a schema document, keyed `Type.field`. A malformed policy is a
 * start-up error: a typo must not quietly open or close a field.
 */
export function policiesIn(document: DocumentNode): Map<string, AccessPolicy> {
  const policies = new Map<string, AccessPolicy>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const type = definition as ObjectTypeDefinitionNode | ObjectTypeExtensionNode;
    for (const field of type.fields ?? []) {
      const directive = field.directives?.find((d) => d.name.value === 'access');
      if (directive) policies.set(`${type.name.value}.${field.name.value}`, readPolicy(directive, `${type.name.value}.${field.name.value}`));
    }
  }
  return policies;
}

function readPolicy(directive: ConstDirectiveNode, where: string): AccessPolicy {
  let allow: string[] = [];
  let mask: MaskStyle | undefined;
  for (const argument of directive.arguments ?? []) {
    const value = argument.value;
    if (argument.name.value === 'allow') {
      const items = value.kind === Kind.LIST ? value.values : [value];
      allow = items.map((item) => (item.kind === Kind.STRING ? item.value : ''));
    } else if (argument.name.value === 'mask' && value.kind === Kind.STRING) {
      if (!(MASK_STYLES as readonly string[]).includes(value.value)) {
        throw new Error(`@access on ${where}: mask must be one of ${MASK_STYLES.join(', ')}, got "${value.value}"`);
      }
      mask = value.value as MaskStyle;
    }
  }
  const bad = allow.find((principal) => !PRINCIPAL.test(principal));
  if (bad !== undefined) throw new Error(`@access on ${where}: "${bad}" is not <agency>:<role> (roles: ${ROLES.join(', ')}, or *)`);
  return { allow, principals: allow.map((principal) => principal.split(':') as [string, string]), mask };
}

export function allows(policy: AccessPolicy, caller: Pick<Caller, 'agency' | 'role'>): boolean {
  return policy.principals.some(([agency, role]) => (agency === '*' || agency === caller.agency) && (role === '*' || role === caller.role));
}

export function decide(policy: AccessPolicy, caller: Pick<Caller, 'agency' | 'role'>): Decision {
  if (allows(policy, caller)) return 'full';
  return policy.mask ? 'mask' : 'deny';
}

/** Masks a value, or each value of a list: masked values keep their place, they are not removed. */
export function maskValue(value: unknown, style: MaskStyle): unknown {
  if (value === null || value === undefined) return value;
  if (Array.isArray(value)) return value.map((item) => maskValue(item, style));
  const text = String(value);
  switch (style) {
    case 'last4':
      return '*'.repeat(Math.max(text.length - 4, 0)) + text.slice(-4);
    case 'initials':
      return text
        .split(/\s+/)
        .filter(Boolean)
        .map((word) => `${word[0]!.toUpperCase()}.`)
        .join(' ');
    case 'all':
      return '********';
  }
}

/** Who the policy lets read in full, in words, for error messages. */
export function describeAllowed(policy: AccessPolicy): string {
  return policy.allow
    .map((principal) => {
      const [agency, role] = principal.split(':');
      if (agency === '*') return role === '*' ? 'everyone' : `${role}s`;
      return role === '*' ? `${agency} staff` : `${agency} ${role}s`;
    })
    .join(', ');
}
