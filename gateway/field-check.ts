/**
 * The gateway's early field check, after the operation is parsed and before it is planned: does
 * it ask for a field the caller's role may never read, or need a scope (`read`, `write`) the
 * token lacks? Is the caller a role that sees the reports only (analysts: policy.ts) asking for
 * anything but a report, or a field cadre (CRPs: policy.ts) asking for an agency's record about a
 * worker that its policy does not open to them? The owning subgraph enforces the same rules
 * again; this check only refuses early, naming every denied field at once, before any agency is
 * called.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, parse, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type EnumTypeDefinitionNode, type GraphQLSchema, type ObjectTypeDefinitionNode } from 'graphql';
import { forbidden, requireScope, type Caller } from '../src/shared/access/caller.js';
import {
  decide,
  describeAllowed,
  fieldCadreClosedTypes,
  fieldCadreMayRead,
  fieldCadreRefusal,
  personRecordTypes,
  policiesIn,
  REPORTS_MEMBER,
  reportsOnlyRefusal,
  seesReportsOnly,
  type AccessPolicy,
} from '../src/shared/access/policy.js';
import type { GatewayContext } from './data-source.js';

/**
 * The access rules of a composed supergraph: its `@access` policies keyed `Type.field` (the map
 * itself), and the root fields the reports serve (`Query.coverage`, ...), all that a role seeing
 * the reports only may ask.
 */
export class SupergraphPolicies extends Map<string, AccessPolicy> {
  constructor(
    policies: Map<string, AccessPolicy>,
    readonly reportsRoots: ReadonlySet<string>,
  ) {
    super(policies);
  }
}

/** Runs the check on every operation with the policies of the supergraph in force. */
export function fieldCheckPlugin(policies: () => SupergraphPolicies): ApolloServerPlugin<GatewayContext> {
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
/** The access rules of the composed supergraph: its `@access` policies and the reports' root fields. */
export function supergraphPolicies(supergraphSdl: string): SupergraphPolicies {
  const document = parse(supergraphSdl);
  return new SupergraphPolicies(policiesIn(document), rootFieldsOf(document, REPORTS_MEMBER));
}

/** The root fields (`Query.coverage`) a subgraph serves, from the supergraph's `@join__field(graph:)`. */
function rootFieldsOf(supergraph: DocumentNode, subgraph: string): Set<string> {
  const graphs = supergraph.definitions.find((d): d is EnumTypeDefinitionNode => d.kind === Kind.ENUM_TYPE_DEFINITION && d.name.value === 'join__Graph');
  const graph = graphs?.values?.find((value) =>
    value.directives?.some((d) => d.name.value === 'join__graph' && d.arguments?.some((a) => a.name.value === 'name' && a.value.kind === Kind.STRING && a.value.value === subgraph)),
  )?.name.value;
  const roots = new Set<string>();
  if (!graph) return roots;
  for (const definition of supergraph.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION || !['Query', 'Mutation', 'Subscription'].includes(definition.name.value)) continue;
    for (const field of (definition as ObjectTypeDefinitionNode).fields ?? []) {
      const served = field.directives?.some(
        (d) => d.name.value === 'join__field' && d.arguments?.some((a) => a.name.value === 'graph' && a.value.kind === Kind.ENUM && a.value.value === graph),
      );
      if (served) roots.add(`${definition.name.value}.${field.name.value}`);
    }
  }
  return roots;
}

/**
 * Refuses an operation that selects any field the caller may not read, or lacks the scope (`read`,
 * `write`); for a role that sees the reports only, any root field but the reports' and any field
 * of a person record (ANALYSTS_SEE_REPORTS_ONLY), whatever else the operation asks; for the field
 * cadre, any field of a record about a person other than `Worker` that its policy does not name
 * their role in (CRP_READS_WORKLIST_ONLY).
 */
export function checkFieldAccess(document: DocumentNode, schema: GraphQLSchema, policies: SupergraphPolicies, caller: Caller): void {
  const denied: string[] = [];
  const notReports: string[] = [];
  const notForCadre: string[] = [];
  const reportsOnly = seesReportsOnly(caller);
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].map((type) => type?.name));
  const personTypes = personRecordTypes(schema);
  const cadreClosedTypes = fieldCadreClosedTypes(schema);
  const typeInfo = new TypeInfo(schema);
  let mutation = false;
  // Fields being visited that are refused already: what lies under them need not be named too.
  let insideRefused = 0;
  const refusedFields: boolean[] = [];
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      OperationDefinition(node) {
        if (node.operation === 'mutation') mutation = true;
      },
      Field: {
        enter(node) {
          const parent = typeInfo.getParentType();
          const key = `${parent?.name}.${node.name.value}`;
          const policy = policies.get(key);
          let refused = false;
          if (reportsOnly && !node.name.value.startsWith('__') && parent) {
            refused = roots.has(parent.name) ? !policies.reportsRoots.has(key) : personTypes.has(parent.name);
            if (refused && !insideRefused && !notReports.includes(key)) notReports.push(key);
          }
          if (!node.name.value.startsWith('__') && parent && cadreClosedTypes.has(parent.name) && !fieldCadreMayRead(policy, caller)) {
            refused = true;
            if (!insideRefused && !notForCadre.includes(key)) notForCadre.push(key);
          }
          refusedFields.push(refused);
          if (refused) insideRefused += 1;
          if (policy && decide(policy, caller) === 'deny' && !denied.includes(key)) denied.push(key);
        },
        leave() {
          if (refusedFields.pop()) insideRefused -= 1;
        },
      },
    }),
  );
  if (notReports.length) throw reportsOnlyRefusal(caller, notReports, [...policies.reportsRoots].map((root) => root.replace(/^Query\./, '')));
  if (notForCadre.length) throw fieldCadreRefusal(caller, notForCadre);
  if (denied.length) {
    const reasons = denied.map((key) => `${key} (${describeAllowed(policies.get(key)!)})`);
    throw forbidden(`Your role (${caller.agency}:${caller.role}) may not read ${reasons.join('; ')}. Remove these fields and ask again.`, {
      fields: denied,
      http: { status: 403 },
    });
  }
  requireScope(caller, mutation ? 'write' : 'read');
}
