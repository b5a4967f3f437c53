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
import {
  DirectiveLocation,
  getDirectiveValues,
  getNamedType,
  GraphQLDirective,
  GraphQLList,
  GraphQLNonNull,
  GraphQLString,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldDefinitionNode,
  type GraphQLError,
  type GraphQLSchema,
  type ObjectTypeDefinitionNode,
  type ObjectTypeExtensionNode,
} from 'graphql';
import { forbidden, ROLES, type Caller, type Role } from './caller.js';

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
      const where = `${type.name.value}.${field.name.value}`;
      const policy = readPolicy(field, where);
      if (policy) policies.set(where, policy);
    }
  }
  return policies;
}

/** `@access` as every schema declares it, so that graphql-js reads and coerces its arguments. */
const ACCESS_DIRECTIVE = new GraphQLDirective({
  name: 'access',
  locations: [DirectiveLocation.FIELD_DEFINITION],
  args: { allow: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(GraphQLString))) }, mask: { type: GraphQLString } },
});

function readPolicy(field: FieldDefinitionNode, where: string): AccessPolicy | undefined {
  let values: { allow: string[]; mask?: string | null } | undefined;
  try {
    values = getDirectiveValues(ACCESS_DIRECTIVE, field) as typeof values;
  } catch (error) {
    throw new Error(`@access on ${where}: ${(error as Error).message}`);
  }
  if (!values) return undefined;
  const { allow, mask } = values;
  if (mask != null && !(MASK_STYLES as readonly string[]).includes(mask)) {
    throw new Error(`@access on ${where}: mask must be one of ${MASK_STYLES.join(', ')}, got "${mask}"`);
  }
  const bad = allow.find((principal) => !PRINCIPAL.test(principal));
  if (bad !== undefined) throw new Error(`@access on ${where}: "${bad}" is not <agency>:<role> (roles: ${ROLES.join(', ')}, or *)`);
  return { allow, principals: allow.map((principal) => principal.split(':') as [string, string]), mask: (mask ?? undefined) as MaskStyle | undefined };
}

export function allows(policy: AccessPolicy, caller: Pick<Caller, 'agency' | 'role'>): boolean {
  return policy.principals.some(([agency, role]) => (agency === '*' || agency === caller.agency) && (role === '*' || role === caller.role));
}

export function decide(policy: AccessPolicy, caller: Pick<Caller, 'agency' | 'role'>): Decision {
  if (allows(policy, caller)) return 'full';
  return policy.mask ? 'mask' : 'deny';
}

/** False for a policy that masks instead, or that lets everyone (`*:*`) read: it never denies. */
export function canDeny(policy: AccessPolicy): boolean {
  return !policy.mask && !policy.principals.some(([agency, role]) => agency === '*' && role === '*');
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

// ---- Roles that see the reports only ------------------------------------------------------------

/**
 * Roles whose whole view of the graph is the reports. An analyst builds dashboards, and the
 * figures a dashboard needs are the reports' (coverage, CIG formation, expiring documents),
 * perturbed so that no difference of two of them points at a person (src/shared/cell-key.ts).
 * Everything else in the graph is a record (a worker, a licence, a CIG with its members) or an
 * exact count of records (`workers { totalCount }`, a CIG's `memberCount`), and either would undo
 * that protection: an exact count differenced against a perturbed one takes the noise off. So
 * these roles may ask the reports' root fields and nothing else; the places a report names (a
 * ward and its name) come with it, and no type that names a worker may be read on any path.
 *
 * Declared once, here: the gateway refuses such an operation whole before planning it
 * (gateway/field-check.ts), and every subgraph but the reports refuses these roles' questions and
 * person records again itself (enforce.ts). With it, Labour's analyst mask on `Worker.name` has
 * nobody left to apply to.
 */
export const REPORTS_ONLY_ROLES: readonly Role[] = ['analyst'];

/** The member that serves the reports (subgraphs/reports): the one subgraph these roles may ask. */
export const REPORTS_MEMBER = 'reports';

/** The member that serves the access log to auditors (subgraphs/audit). */
export const AUDIT_MEMBER = 'audit';

/** The `reason` of the refusal, for clients to switch on. */
export const REPORTS_ONLY_REASON = 'ANALYSTS_SEE_REPORTS_ONLY';

export function seesReportsOnly(caller: Pick<Caller, 'role'>): boolean {
  return REPORTS_ONLY_ROLES.includes(caller.role);
}

/** FORBIDDEN (HTTP 403) with reason ANALYSTS_SEE_REPORTS_ONLY, naming the fields refused. */
export function reportsOnlyRefusal(caller: Pick<Caller, 'agency' | 'role'>, fields: string[], reports: string[] = []): GraphQLError {
  const them = reports.length ? ` (${reports.join(', ')})` : '';
  return forbidden(
    `Your role (${caller.agency}:${caller.role}) sees the graph through its reports${them} only, which count people without naming them: ` +
      `${fields.join(', ')} ${fields.length === 1 ? 'is' : 'are'} not for analysts. Ask a report instead.`,
    { reason: REPORTS_ONLY_REASON, fields, http: { status: 403 } },
  );
}

/** The type every agency's records about a person point at. */
export const PERSON_TYPE = 'Worker';

const personTypesOf = new WeakMap<GraphQLSchema, Set<string>>();

/**
 * The types that are records about a person: `Worker`, and every object type with a field of type
 * `Worker` (a licence's holder, a membership's member, an enrolment's worker). Worked out from the
 * schema, so a new agency's records are covered without being listed anywhere.
 */
export function personRecordTypes(schema: GraphQLSchema): Set<string> {
  let types = personTypesOf.get(schema);
  if (types) return types;
  types = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('_')) continue;
    if (type.name === PERSON_TYPE || Object.values(type.getFields()).some((field) => getNamedType(field.type).name === PERSON_TYPE)) types.add(type.name);
  }
  personTypesOf.set(schema, types);
  return types;
}

// ---- The field cadre reads the worklist, not the agencies' records ------------------------------

/**
 * Roles of the field cadre: a community resource person (CRP, MEPMA's) visits the workers of a
 * ward with a worklist. A CRP reads a worker's registration and the single window, not the
 * agencies' records about the worker: the fields of `Worker` under their own policies (the name,
 * the ward, the phone masked to its last four digits), and on any other record about a person
 * (a licence, a membership, an enrolment: fieldCadreClosedTypes) only a field whose `@access`
 * policy names the role itself, `<agency>:crp` or `*:crp` (a `*` role does not count). A new
 * agency's records are so closed to CRPs until the agency opens a field to them.
 *
 * Declared once, here: the gateway refuses such an operation whole before planning it
 * (gateway/field-check.ts), and the owning subgraph refuses the fields again itself (enforce.ts).
 */
export const FIELD_CADRE_ROLES: readonly Role[] = ['crp'];

/** The `reason` of the refusal, for clients to switch on. */
export const FIELD_CADRE_REASON = 'CRP_READS_WORKLIST_ONLY';

export function isFieldCadre(caller: Pick<Caller, 'role'>): boolean {
  return FIELD_CADRE_ROLES.includes(caller.role);
}

/**
 * May the caller read a field, with this policy (or none), of a type the field cadre's rule closes?
 * Anyone but the field cadre may (their policies decide); the field cadre when the policy names
 * their role, for their agency or every agency.
 */
export function fieldCadreMayRead(policy: AccessPolicy | undefined, caller: Pick<Caller, 'agency' | 'role'>): boolean {
  if (!isFieldCadre(caller)) return true;
  return !!policy?.principals.some(([agency, role]) => role === caller.role && (agency === '*' || agency === caller.agency));
}

/** FORBIDDEN (HTTP 403) with reason CRP_READS_WORKLIST_ONLY, naming the fields refused. */
export function fieldCadreRefusal(caller: Pick<Caller, 'agency' | 'role'>, fields: string[]): GraphQLError {
  return forbidden(
    `Your role (${caller.agency}:${caller.role}) reads a worker's registration and the single window, not the agencies' records about the worker: ` +
      `${fields.join(', ')} ${fields.length === 1 ? 'is' : 'are'} not for ${caller.role.toUpperCase()}s.`,
    { reason: FIELD_CADRE_REASON, fields, http: { status: 403 } },
  );
}

const closedTypesOf = new WeakMap<GraphQLSchema, Set<string>>();

/**
 * The types the field cadre's rule closes: the person record types (personRecordTypes) but
 * `Worker` itself, the root types (whose fields return workers) and the Relay edges that carry a
 * worker in a page (`WorkerEdge`: a cursor and the worker, no record of its own).
 */
export function fieldCadreClosedTypes(schema: GraphQLSchema): Set<string> {
  let types = closedTypesOf.get(schema);
  if (types) return types;
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].map((type) => type?.name));
  const isEdge = (name: string) => {
    const type = schema.getType(name);
    return isObjectType(type) && name.endsWith('Edge') && 'node' in type.getFields() && 'cursor' in type.getFields();
  };
  types = new Set([...personRecordTypes(schema)].filter((name) => name !== PERSON_TYPE && !roots.has(name) && !isEdge(name)));
  closedTypesOf.set(schema, types);
  return types;
}
