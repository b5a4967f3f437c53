/** What a subgraph's SDL declares, with type extensions merged into their types. */
import { Kind, parse, type ConstDirectiveNode, type DocumentNode, type FieldDefinitionNode, type TypeNode } from 'graphql';

export type ParsedSdl = { document: DocumentNode } | { error: string };

export function parseSdl(sdl: string): ParsedSdl {
  try {
    return { document: parse(sdl) };
  } catch (error) {
    return { error: `the SDL does not parse: ${(error as Error).message}` };
  }
}

export interface ObjectInfo {
  name: string;
  fields: FieldDefinitionNode[];
  directives: readonly ConstDirectiveNode[];
}

export class SchemaIndex {
  readonly objects = new Map<string, ObjectInfo>();
  readonly queryType: string;
  readonly mutationType: string;
  readonly accessDefined: boolean;
  readonly accessImported: boolean;

  constructor(readonly document: DocumentNode) {
    let query = 'Query';
    let mutation = 'Mutation';
    let defined = false;
    for (const definition of document.definitions) {
      switch (definition.kind) {
        case Kind.OBJECT_TYPE_DEFINITION:
        case Kind.OBJECT_TYPE_EXTENSION:
        case Kind.INTERFACE_TYPE_DEFINITION:
        case Kind.INTERFACE_TYPE_EXTENSION: {
          const name = definition.name.value;
          const info = this.objects.get(name) ?? { name, fields: [], directives: [] };
          info.fields.push(...(definition.fields ?? []));
          info.directives = [...info.directives, ...(definition.directives ?? [])];
          this.objects.set(name, info);
          break;
        }
        case Kind.SCHEMA_DEFINITION:
        case Kind.SCHEMA_EXTENSION:
          for (const operation of definition.operationTypes ?? []) {
            if (operation.operation === 'query') query = operation.type.name.value;
            if (operation.operation === 'mutation') mutation = operation.type.name.value;
          }
          break;
        case Kind.DIRECTIVE_DEFINITION:
          if (definition.name.value === 'access') defined = true;
          break;
        default:
          break;
      }
    }
    this.queryType = query;
    this.mutationType = mutation;
    this.accessDefined = defined;
    this.accessImported = schemaDirectives(document).some(
      (d) => d.name.value === 'link' && listArgument(d, 'import').some((name) => name === '@access'),
    );
  }

  /** The agency's own object types: not federation's (`_Service`) nor link's. */
  ownObjects(): ObjectInfo[] {
    return [...this.objects.values()].filter((t) => !t.name.startsWith('_') && !t.name.includes('__'));
  }

  /** Fields of the agency's own: not `_entities`, `_service`, `__typename`. */
  ownFields(type: ObjectInfo): FieldDefinitionNode[] {
    return type.fields.filter((f) => !f.name.value.startsWith('_'));
  }

  isRoot(name: string): boolean {
    return name === this.queryType || name === this.mutationType;
  }

  /** The resolvable `@key`s of a type (references to other agencies' types say `resolvable: false`). */
  resolvableKeys(type: ObjectInfo): ConstDirectiveNode[] {
    return type.directives.filter((d) => d.name.value === 'key' && booleanArgument(d, 'resolvable') !== false);
  }

  /** The agency's keyed record types: resolvable by key, but not Worker, which every agency extends. */
  keyedRecordTypes(): ObjectInfo[] {
    return this.ownObjects().filter((t) => t.name !== 'Worker' && this.resolvableKeys(t).length);
  }

  /** Whether a type declares a field of this name. */
  hasField(typeName: string, fieldName: string): boolean {
    return this.objects.get(typeName)?.fields.some((f) => f.name.value === fieldName) ?? false;
  }
}

export function schemaDirectives(document: DocumentNode): readonly ConstDirectiveNode[] {
  return document.definitions.flatMap((d) => (d.kind === Kind.SCHEMA_DEFINITION || d.kind === Kind.SCHEMA_EXTENSION ? (d.directives ?? []) : []));
}

function argumentValue(directive: ConstDirectiveNode, name: string) {
  return directive.arguments?.find((a) => a.name.value === name)?.value;
}

export function stringArgument(directive: ConstDirectiveNode, name: string): string | undefined {
  const value = argumentValue(directive, name);
  return value?.kind === Kind.STRING ? value.value : undefined;
}

export function booleanArgument(directive: ConstDirectiveNode, name: string): boolean | undefined {
  const value = argumentValue(directive, name);
  return value?.kind === Kind.BOOLEAN ? value.value : undefined;
}

/** A list argument's names: `import: ["@key", { name: "@access" }]` → `@key`, `@access`. */
export function listArgument(directive: ConstDirectiveNode, name: string): string[] {
  const value = argumentValue(directive, name);
  if (!value) return [];
  const items = value.kind === Kind.LIST ? value.values : [value];
  return items.flatMap((item) => {
    if (item.kind === Kind.STRING) return [item.value];
    if (item.kind === Kind.OBJECT) {
      const named = item.fields.find((f) => f.name.value === 'name')?.value;
      return named?.kind === Kind.STRING ? [named.value] : [];
    }
    return [];
  });
}

/** `@key(fields: " id ")` and `@key(fields: "id")` are one key. */
export function normaliseFields(fields: string | undefined): string | undefined {
  return fields?.trim().replace(/\s+/g, ' ');
}

/** The named type under any list and non-null wrappers: `[Foo!]!` → `Foo`. */
export function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

export function hasAccess(field: FieldDefinitionNode): boolean {
  return field.directives?.some((d) => d.name.value === 'access') ?? false;
}
