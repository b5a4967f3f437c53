/**
 * The owning subgraph's enforcement of its `@access` policies: every field with a policy is
 * wrapped so a caller the policy does not allow gets the masked value or a FORBIDDEN error,
 * whatever path the query took to reach it (a root field, a nested list, `_entities`). Root
 * questions need the `read` scope and mutations `write`. Roles that see the reports only
 * (analysts, policy.ts) are refused every question of a subgraph other than the reports, and
 * every field of a person record on any path; the field cadre (CRPs, policy.ts) every field of a
 * record about a person other than `Worker` that its policy does not open to them. The same pass
 * notes which workers' records the answer disclosed, for the gateway's audit log.
 */
import {
  defaultFieldResolver,
  getNamedType,
  isLeafType,
  isNonNullType,
  isObjectType,
  type DocumentNode,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import { forbidden, requireScope, type Caller } from './caller.js';
import {
  canDeny,
  decide,
  describeAllowed,
  fieldCadreClosedTypes,
  fieldCadreMayRead,
  fieldCadreRefusal,
  maskValue,
  personRecordTypes,
  policiesIn,
  REPORTS_MEMBER,
  reportsOnlyRefusal,
  seesReportsOnly,
} from './policy.js';

export interface AccessContext {
  caller: Caller;
  /** Ids of the workers whose records this answer carries. */
  disclosed: Set<string>;
  /** Agencies this subgraph asked on the caller's behalf (the reports do), for the audit log. */
  consulted?: Set<string>;
}

/**
 * `member`: the subgraph served (the reports' questions are the only ones analysts may ask; any
 * other member refuses them, as the gateway does first).
 */
export function enforceAccess(schema: GraphQLSchema, typeDefs: DocumentNode, options: { member?: string } = {}): GraphQLSchema {
  const policies = policiesIn(typeDefs);
  const personTypes = personRecordTypes(schema);
  const cadreClosedTypes = fieldCadreClosedTypes(schema);
  const servesReports = options.member === REPORTS_MEMBER;
  const mutationType = schema.getMutationType();
  const queryType = schema.getQueryType();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('_')) continue;
    const isRoot = type === schema.getQueryType() || type === mutationType;
    for (const field of Object.values(type.getFields())) {
      const where = `${type.name}.${field.name}`;
      const policy = policies.get(where);
      const isMutation = type === mutationType;
      if (isMutation && !policy) throw new Error(`${where} has no @access policy: every mutation must say who may call it.`);
      if (policy && canDeny(policy) && !isRoot && isNonNullType(field.type)) {
        throw new Error(`${where} can be denied by its @access policy, so it must be nullable (a denial would null its parent).`);
      }
      if (policy?.mask && !isLeafType(getNamedType(field.type))) {
        throw new Error(`${where}: only scalar fields can be masked; put the policy on the fields inside.`);
      }
      // Federation's own `_entities` and `_service` serve the gateway's plans, not callers' questions.
      const isQuestion = type === queryType && !field.name.startsWith('_');
      // Not for analysts: another subgraph's questions and writes, and a person's record on any path (`_entities` too).
      const reportsOnlyRefused = ((isQuestion || isMutation) && !servesReports) || personTypes.has(type.name);
      const closedToCadre = cadreClosedTypes.has(type.name);
      if (!policy && isRoot && !isQuestion && !reportsOnlyRefused) continue;
      const resolve: GraphQLFieldResolver<unknown, AccessContext> = field.resolve ?? defaultFieldResolver;
      const noteWorker = !isRoot;
      const isWorker = type.name === 'Worker';
      field.resolve = (source, args, context, info) => {
        if (reportsOnlyRefused && seesReportsOnly(context.caller)) throw reportsOnlyRefusal(context.caller, [where]);
        if (closedToCadre && !fieldCadreMayRead(policy, context.caller)) throw fieldCadreRefusal(context.caller, [where]);
        if (noteWorker) {
          const workerId = isWorker ? (source as { id?: unknown }).id : (source as { workerId?: unknown }).workerId;
          if (typeof workerId === 'string') context.disclosed.add(workerId);
        }
        if (isQuestion) requireScope(context.caller, 'read');
        if (!policy) return resolve(source, args, context, info);
        const decision = decide(policy, context.caller);
        if (decision === 'deny') {
          throw forbidden(`${where} is visible only to ${describeAllowed(policy)}.`, { field: where });
        }
        if (isMutation) requireScope(context.caller, 'write');
        const value = resolve(source, args, context, info);
        if (decision === 'full') return value;
        return value instanceof Promise ? value.then((v) => maskValue(v, policy.mask!)) : maskValue(value, policy.mask!);
      };
    }
  }
  return schema;
}
