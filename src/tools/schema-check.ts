/**
 * `schema:check`: what a candidate schema for one agency would do to the graph, before anything
 * is deployed. It composes the candidate with every other registered subgraph and reports
 * composition errors (agency, type and field, as composition names them), fields that another
 * agency owns, and breaking changes against the current supergraph, each marked with the
 * registered client operations (schema/operations/*.graphql) that use what changed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import {
  Kind,
  parse,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
  type ObjectTypeDefinitionNode,
  type ObjectTypeExtensionNode,
} from 'graphql';
import { readSupergraphConfig, SUPERGRAPH_CONFIG } from '../shared/supergraph.js';

export interface Finding {
  kind: 'syntax' | 'composition' | 'ownership' | 'breaking' | 'operation';
  message: string;
  /** What a breaking change touches, as GraphQL Inspector names it: `Worker.phone`, `Query.cig.purpose`. */
  coordinate?: string;
  /** Registered operations that use what a breaking change touches. */
  usedBy?: string[];
}

export interface SchemaReport {
  agency: string;
  ok: boolean;
  findings: Finding[];
  /** Fields the candidate adds to the public schema (information, not a finding). */
  additions: string[];
}

interface Subgraph {
  name: string;
  url: string;
  typeDefs: DocumentNode;
}

export async function checkSchema(
  agency: string,
  candidateFile: string,
  options: { registry?: string; operationsDir?: string } = {},
): Promise<SchemaReport> {
  const registry = options.registry ?? SUPERGRAPH_CONFIG;
  const report = (findings: Finding[], additions: string[] = []): SchemaReport => ({ agency, ok: findings.length === 0, findings, additions });

  let candidate: DocumentNode;
  try {
    candidate = parse(readFileSync(candidateFile, 'utf8'));
  } catch (error) {
    return report([{ kind: 'syntax', message: `${agency}: ${candidateFile} does not parse: ${(error as Error).message}` }]);
  }
  const entries = readSupergraphConfig(registry);
  const others: Subgraph[] = entries
    .filter((entry) => entry.name !== agency)
    .map((entry) => ({ name: entry.name, url: entry.url, typeDefs: parse(readFileSync(entry.schemaFile, 'utf8')) }));
  const url = entries.find((entry) => entry.name === agency)?.url ?? `http://${agency}.invalid/graphql`;

  const findings: Finding[] = ownershipCollisions(agency, candidate, others);
  const composed = composeServices([...others, { name: agency, url, typeDefs: candidate }]);
  if (composed.errors) {
    for (const error of composed.errors) findings.push({ kind: 'composition', message: `[${error.extensions.code}] ${error.message}` });
    return report(findings);
  }
  const current = composeServices(entries.map((entry) => ({ name: entry.name, url: entry.url, typeDefs: parse(readFileSync(entry.schemaFile, 'utf8')) })));
  if (current.errors) throw new Error(`The registered subgraphs do not compose: ${current.errors[0]!.message}`);
  const before = current.schema.toAPISchema().toGraphQLJSSchema();
  const after = composed.schema.toAPISchema().toGraphQLJSSchema();

  const operations = registeredOperations(options.operationsDir ?? path.join(path.dirname(registry), 'operations'));
  for (const change of await diff(before, after)) {
    if (change.criticality.level !== CriticalityLevel.Breaking) continue;
    const coordinate = change.path ?? '';
    const usedBy = operations.filter((op) => usesCoordinate(op, before, coordinate)).map((op) => op.name);
    findings.push({ kind: 'breaking', message: `${change.message}.`, coordinate, usedBy });
  }
  for (const op of operations) {
    const errors = validate(after, op.document);
    if (errors.length) findings.push({ kind: 'operation', message: `${op.name} no longer validates: ${errors[0]!.message}`, usedBy: [op.name] });
  }
  return report(findings, addedFields(before, after));
}

/**
 * Fields another agency owns: defined in exactly one subgraph, not shareable, not a key, not
 * external. Composition would refuse these too, but in words about sharing; an agency needs to
 * hear whose field it is.
 */
function ownershipCollisions(agency: string, candidate: DocumentNode, others: Subgraph[]): Finding[] {
  const owners = new Map<string, string>();
  for (const subgraph of others) for (const field of ownedFields(subgraph.typeDefs)) owners.set(field, subgraph.name);
  return ownedFields(candidate)
    .filter((field) => owners.has(field))
    .map((field) => ({
      kind: 'ownership' as const,
      message: `${field} is owned by ${owners.get(field)}; ${agency} cannot define it. Add a field of your own, or agree with ${owners.get(field)} to make it @shareable.`,
    }));
}

function ownedFields(document: DocumentNode): string[] {
  const fields: string[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const type = definition as ObjectTypeDefinitionNode | ObjectTypeExtensionNode;
    const has = (directives: readonly { name: { value: string } }[] | undefined, name: string) => directives?.some((d) => d.name.value === name) ?? false;
    if (has(type.directives, 'shareable')) continue;
    const keyFields = new Set(
      (type.directives ?? [])
        .filter((d) => d.name.value === 'key')
        .flatMap((d) => d.arguments?.flatMap((a) => (a.value.kind === Kind.STRING ? a.value.value.split(/[\s{}]+/) : [])) ?? []),
    );
    for (const field of type.fields ?? []) {
      if (keyFields.has(field.name.value) || has(field.directives, 'shareable') || has(field.directives, 'external')) continue;
      fields.push(`${type.name.value}.${field.name.value}`);
    }
  }
  return fields;
}

interface Operation {
  name: string;
  document: DocumentNode;
}

function registeredOperations(dir: string): Operation[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => ({ name: file, document: parse(readFileSync(path.join(dir, file), 'utf8')) }));
}

/**
 * True when the operation selects `Type.field` (or anything of `Type`) in `schema`; an
 * argument's coordinate (`Type.field.argument`) counts as its field's.
 */
function usesCoordinate(op: Operation, schema: GraphQLSchema, coordinate: string): boolean {
  const [typeName, fieldName] = coordinate.split('.');
  const typeInfo = new TypeInfo(schema);
  let used = false;
  visit(
    op.document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType()?.name;
        if (parent === typeName && (!fieldName || node.name.value === fieldName)) used = true;
      },
    }),
  );
  return used;
}

function addedFields(before: GraphQLSchema, after: GraphQLSchema): string[] {
  const added: string[] = [];
  for (const [name, type] of Object.entries(after.getTypeMap())) {
    if (name.startsWith('__') || !('getFields' in type)) continue;
    const old = before.getType(name);
    const oldFields = old && 'getFields' in old ? old.getFields() : {};
    for (const field of Object.keys(type.getFields())) if (!(field in oldFields)) added.push(`${name}.${field}`);
  }
  return added;
}

const HEADINGS: Record<Finding['kind'], string> = {
  syntax: 'schema file',
  composition: 'composition errors',
  ownership: "fields another agency owns",
  breaking: 'breaking changes against the current supergraph',
  operation: 'registered operations that would fail',
};

/** The report as an agency developer reads it: grouped, one finding per line. */
export function formatReport(report: SchemaReport): string {
  const lines = [`schema:check ${report.agency}`];
  for (const kind of Object.keys(HEADINGS) as Finding['kind'][]) {
    const found = report.findings.filter((finding) => finding.kind === kind);
    if (!found.length) continue;
    lines.push(`  ${HEADINGS[kind]} (${found.length}):`);
    for (const finding of found) {
      const used = finding.kind === 'breaking' ? (finding.usedBy?.length ? ` Used by: ${finding.usedBy.join(', ')}.` : ' No registered operation uses it.') : '';
      lines.push(`    ✗ ${finding.message}${used}`);
    }
  }
  if (report.additions.length) lines.push(`  additions (${report.additions.length}): ${report.additions.join(', ')}`);
  lines.push(report.ok ? '  OK: composes, collides with no one, breaks nothing.' : `  REFUSED: ${report.findings.length} finding(s).`);
  return lines.join('\n');
}

export function printReport(report: SchemaReport): void {
  (report.ok ? console.log : console.error)(formatReport(report));
}
