/**
 * The access check: `@access` is defined or imported, every policy is well formed, every
 * Mutation field carries one and takes an optional `idempotencyKey: ID` (so a write is safe to
 * retry), and every field that looks like sensitive personal data (sensitive.ts) is guarded.
 */
import { Kind, type FieldDefinitionNode } from 'graphql';
import { policiesIn } from '../../shared/access/policy.js';
import { result, type CheckResult } from './report.js';
import { hasAccess, namedType, type ObjectInfo, type SchemaIndex } from './schema-index.js';
import { isQuasiIdentifier, sensitiveReason } from './sensitive.js';

/** The argument every mutation takes (src/shared/idempotency.ts; kept here so the kit needs no ORM). */
const IDEMPOTENCY_KEY_ARGUMENT = 'idempotencyKey';

/**
 * How a sensitive field is guarded, or undefined when it is not:
 * - `own`: it carries `@access` itself;
 * - `contents`: it is an object whose every field carries `@access` (Worker.idReference);
 * - `container`: every field of this SDL that leads to its type carries `@access` (or lies in a
 *   type so guarded, recursively), as ICDS guards IcdsEnrolment by Worker.icdsEnrolments and
 *   Query.icdsEnrolment. Never for Worker, which every agency reaches by its key.
 */
export function guardOf(schema: SchemaIndex, type: ObjectInfo, field: FieldDefinitionNode): 'own' | 'contents' | 'container' | undefined {
  if (hasAccess(field)) return 'own';
  const target = schema.objects.get(namedType(field.type));
  if (target && schema.ownFields(target).length && schema.ownFields(target).every(hasAccess)) return 'contents';
  if (typeGuarded(schema, type.name, new Set())) return 'container';
  return undefined;
}

function typeGuarded(schema: SchemaIndex, typeName: string, visiting: Set<string>): boolean {
  if (typeName === 'Worker' || schema.isRoot(typeName) || visiting.has(typeName)) return false;
  visiting.add(typeName);
  const leadingHere = schema
    .ownObjects()
    .flatMap((parent) => schema.ownFields(parent).filter((f) => namedType(f.type) === typeName).map((f) => ({ parent, field: f })));
  const guarded = leadingHere.length > 0 && leadingHere.every(({ parent, field }) => hasAccess(field) || typeGuarded(schema, parent.name, visiting));
  visiting.delete(typeName);
  return guarded;
}

/** `idempotencyKey: ID`, optional: clients that send no key keep working. */
function takesIdempotencyKey(field: FieldDefinitionNode): boolean {
  const argument = field.arguments?.find((a) => a.name.value === IDEMPOTENCY_KEY_ARGUMENT);
  return argument?.type.kind === Kind.NAMED_TYPE && argument.type.name.value === 'ID';
}

export function checkAccess(schema: SchemaIndex): CheckResult {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (!schema.accessDefined && !schema.accessImported) {
    problems.push('@access is neither defined (`directive @access(allow: [String!]!, mask: String) on FIELD_DEFINITION`) nor imported by @link');
  }
  try {
    policiesIn(schema.document);
  } catch (error) {
    problems.push((error as Error).message);
  }
  const mutation = schema.objects.get(schema.mutationType);
  const mutationFields = mutation ? schema.ownFields(mutation) : [];
  const mutationNames = (fields: FieldDefinitionNode[]) => fields.map((f) => `${mutation!.name}.${f.name.value}`).join(', ');
  const openMutations = mutationFields.filter((f) => !hasAccess(f));
  if (openMutations.length) problems.push(`mutations without @access: ${mutationNames(openMutations)}`);
  const unkeyed = mutationFields.filter((f) => !takesIdempotencyKey(f));
  if (unkeyed.length) {
    problems.push(`mutations without an optional \`${IDEMPOTENCY_KEY_ARGUMENT}: ID\` argument (so a retry cannot write twice): ${mutationNames(unkeyed)}`);
  }

  const unguarded: string[] = [];
  const byContainer: string[] = [];
  const quasi: string[] = [];
  let sensitiveCount = 0;
  for (const type of schema.ownObjects()) {
    if (type.name === schema.mutationType) continue;
    for (const field of schema.ownFields(type)) {
      const where = `${type.name}.${field.name.value}`;
      const reason = sensitiveReason(type.name, field);
      if (!reason) {
        if (isQuasiIdentifier(field.name.value) && !guardOf(schema, type, field)) quasi.push(where);
        continue;
      }
      sensitiveCount++;
      const guard = guardOf(schema, type, field);
      if (!guard) unguarded.push(`${where} (${reason})`);
      else if (guard === 'container' && schema.resolvableKeys(type).length) byContainer.push(where);
    }
  }
  if (unguarded.length) problems.push(`sensitive fields without @access: ${unguarded.join(', ')}`);
  if (byContainer.length) {
    const types = [...new Set(byContainer.map((w) => w.split('.')[0]))].join(', ');
    warnings.push(
      `${byContainer.join(', ')} are guarded only by the fields that lead to ${types}; as entities they can also be fetched by key, so a policy on each field is safer`,
    );
  }
  if (quasi.length) warnings.push(`${quasi.join(', ')} (date of birth, a quasi-identifier) ${quasi.length === 1 ? 'carries' : 'carry'} no @access`);
  return result(
    'access',
    problems,
    `@access declared; ${sensitiveCount} sensitive field(s) guarded; ${mutationFields.length} mutation(s), each with a policy and an ${IDEMPOTENCY_KEY_ARGUMENT}`,
    warnings,
  );
}
