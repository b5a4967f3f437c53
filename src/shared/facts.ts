/**
 * Facts: what each agency publishes about a worker for the scheme catalogue's rules
 * (schema/schemes.yaml), such as Labour's `labour.age` or MEPMA's `mepma.savingsAccount`.
 *
 * An agency declares its facts in its own schema, as the fields of the type that its
 * `Worker.<agency>Facts` field returns, each with its GraphQL type, its description and, where the
 * agency limits who may use it, an `@access` policy. It answers each fact with one SQL query over
 * its own records (`AgencyStatistics.facts`), and that one query serves both uses:
 *
 * - a worker's facts in the graph (`worker { mepmaFacts { savingsAccount } }`), through a loader
 *   that asks for the workers of one batch;
 * - the single window's bulk questions (POST /statistics, `facts`), for worklists and figures,
 *   answered for every worker of the agency's records within the caller's jurisdiction.
 *
 * Either way the agency applies the caller's jurisdiction to its records and the fact's policy to
 * the caller, so a fact reaches nobody its agency would not show it to.
 */
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  Kind,
  type DocumentNode,
  type EnumTypeDefinitionNode,
  type FieldDefinitionNode,
  type ObjectTypeDefinitionNode,
  type ObjectTypeExtensionNode,
  type TypeNode,
} from 'graphql';
import type { Caller } from './access/caller.js';
import { decide, policiesIn, type AccessPolicy } from './access/policy.js';
import type { SqlQuery, StatisticsScope } from './statistics.js';
import { decodeWorkers, encodeJoinedWorkers, type WorkerBitmap } from './worker-sets.js';

/** What a fact holds, as CEL types it: `bool`, `int`, `string` (text or an enum value) or `list` of strings. */
export type FactType = 'bool' | 'int' | 'string' | 'list';

export interface FactDeclaration {
  agency: string;
  /** The fact's name within its agency (`savingsAccount`); rules write `<agency>.<name>`. */
  name: string;
  type: FactType;
  /** For an enum (or a list of one): its values, so a rule comparing with another is refused. */
  values?: string[];
  description: string;
  /** `MepmaFacts.savingsAccount`: where its `@access` policy, if any, is declared. */
  field: string;
  policy?: AccessPolicy;
}

/** The field of `Worker` that carries an agency's facts: `labourFacts`, `mepmaFacts`, ... */
export function factsFieldName(agency: string): string {
  return `${agency.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase())}Facts`;
}

/**
 * The facts an agency's schema declares: the fields of the type returned by its
 * `Worker.<agency>Facts`, none when it has no such field. A field of a type facts cannot hold
 * (an object, a list of numbers) is a schema error, named.
 */
export function declaredFacts(agency: string, typeDefs: DocumentNode): FactDeclaration[] {
  type TypeDefinition = ObjectTypeDefinitionNode | ObjectTypeExtensionNode;
  const objects = typeDefs.definitions.filter(
    (d): d is TypeDefinition => d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.OBJECT_TYPE_EXTENSION,
  );
  const factsField = objects
    .filter((d) => d.name.value === 'Worker')
    .flatMap((d) => d.fields ?? [])
    .find((field) => field.name.value === factsFieldName(agency));
  if (!factsField) return [];
  const typeName = namedTypeOf(factsField.type);
  const factsType = objects.find((d) => d.name.value === typeName);
  if (!factsType) throw new Error(`${agency}: Worker.${factsFieldName(agency)} returns ${typeName}, which its schema does not define.`);
  const enums = new Map(
    typeDefs.definitions
      .filter((d): d is EnumTypeDefinitionNode => d.kind === Kind.ENUM_TYPE_DEFINITION)
      .map((d) => [d.name.value, (d.values ?? []).map((value) => value.name.value)]),
  );
  const policies = policiesIn(typeDefs);
  return (factsType.fields ?? []).map((field) => {
    const where = `${typeName}.${field.name.value}`;
    const { type, values } = factTypeOf(field, enums, `${agency}: ${where}`);
    return {
      agency,
      name: field.name.value,
      type,
      values,
      description: field.description?.value.replace(/\s+/g, ' ').trim() ?? '',
      field: where,
      policy: policies.get(where),
    };
  });
}

function namedTypeOf(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedTypeOf(type.type);
}

function factTypeOf(field: FieldDefinitionNode, enums: Map<string, string[]>, where: string): { type: FactType; values?: string[] } {
  const unwrapped = field.type.kind === Kind.NON_NULL_TYPE ? field.type.type : field.type;
  const named = namedTypeOf(field.type);
  const scalar = (name: string): FactType | undefined =>
    ({ Boolean: 'bool', Int: 'int', String: 'string', ID: 'string' } as Record<string, FactType>)[name] ?? (enums.has(name) ? 'string' : undefined);
  if (unwrapped.kind === Kind.LIST_TYPE) {
    if (scalar(named) !== 'string') throw new Error(`${where}: a list fact must be a list of strings or enum values.`);
    return { type: 'list', values: enums.get(named) };
  }
  const type = scalar(named);
  if (!type) throw new Error(`${where}: a fact must be Boolean, Int, String, ID, an enum or a list of those (got ${named}).`);
  return { type, values: enums.get(named) };
}

/** True when the caller may use the fact in full (a masked or denied fact is not used at all). */
export function mayUseFact(fact: FactDeclaration, caller: Pick<Caller, 'agency' | 'role'>): boolean {
  return !fact.policy || decide(fact.policy, caller) === 'full';
}

// ---- The agency's side ------------------------------------------------------------------------

/** The scope of a fact question: the statistics scope, and the workers asked about (none: all). */
export interface FactScope extends StatisticsScope {
  /** Worker ids (`W-0000042`): only these workers' facts. Every worker of the records when absent. */
  workers?: string[];
}

/**
 * A fact's SQL: a `worker_id` column of the workers for whom a `bool` fact holds, or `worker_id`
 * and `value` for the others (a `list` fact gives one row per value). Rows outside the caller's
 * jurisdiction are the query's to leave out, as in every statistical question.
 */
export type FactQuery = (scope: FactScope) => SqlQuery;

/** ` and <column> in (?)` limiting a fact's query to the asked workers, or nothing for all. */
export function workersSql(scope: FactScope, column: string): { sql: string; params: unknown[] } {
  if (!scope.workers) return { sql: '', params: [] };
  return scope.workers.length ? { sql: ` and ${column} in (?)`, params: [scope.workers] } : { sql: ' and false', params: [] };
}

/**
 * A fact on the wire: each value met (as text) with the set of workers who have it
 * (src/shared/worker-sets.ts); a worker is in several sets of a `list` fact, in at most one of any
 * other, and in none when the agency holds nothing about them. A `bool` fact has the one value
 * `true`.
 */
export interface EncodedFact {
  values: string[];
  workers: string[];
}

/**
 * Runs a fact's query and returns it encoded for the wire: one row per value met, its workers'
 * numbers joined by PostgreSQL (one value to parse per value, not a row per worker).
 */
export async function encodedFact(em: EntityManager, fact: FactDeclaration, query: SqlQuery): Promise<EncodedFact> {
  const value = fact.type === 'bool' ? `'true'` : 'value::text';
  const rows = await em.getConnection().execute<{ value: string; workers: string }[]>(
    `select ${value} as value, string_agg(substr(worker_id, 3), ',') as workers
     from (${query.sql}) facts where ${value} is not null group by 1 order by 1`,
    query.params,
  );
  return { values: rows.map((row) => row.value), workers: rows.map((row) => encodeJoinedWorkers(row.workers)) };
}

/** What a value may look like on the wire: a number or an enum-like code, never a separator. */
const FACT_VALUE = /^[A-Za-z0-9_.-]{0,64}$/;

/** A fact as read from the wire: its values (typed) and, for each, the workers who have it. */
export interface FactSets {
  values: unknown[];
  sets: WorkerBitmap[];
}

/** A fact's values and their sets, decoded from its wire form; a malformed value is left out. */
export function decodeFactSets(fact: Pick<FactDeclaration, 'type'>, encoded: EncodedFact | undefined): FactSets {
  const decoded: FactSets = { values: [], sets: [] };
  const { values = [], workers = [] } = encoded ?? {};
  values.forEach((text, i) => {
    if (typeof text !== 'string' || !FACT_VALUE.test(text)) return;
    const value = fact.type === 'bool' ? true : fact.type === 'int' ? Number(text) : text;
    if (fact.type === 'int' && !Number.isInteger(value)) return;
    decoded.values.push(value);
    decoded.sets.push(decodeWorkers(workers[i]));
  });
  return decoded;
}

/** A fact's values by worker number, decoded from its wire form (for a batch of workers). */
export function decodeFact(fact: Pick<FactDeclaration, 'type'>, encoded: EncodedFact | undefined): Map<number, unknown> {
  const byWorker = new Map<number, unknown>();
  const { values, sets } = decodeFactSets(fact, encoded);
  sets.forEach((set, i) => {
    for (const worker of set.toUint32Array()) {
      const list = fact.type === 'list' ? (byWorker.get(worker) as unknown[] | undefined) : undefined;
      if (list) list.push(values[i]);
      else byWorker.set(worker, fact.type === 'list' ? [values[i]] : values[i]);
    }
  });
  return byWorker;
}

/** A fact's value for a worker its agency holds nothing about: false, no values, or unknown. */
export function absentValue(fact: Pick<FactDeclaration, 'type'>): boolean | string[] | null {
  return fact.type === 'bool' ? false : fact.type === 'list' ? [] : null;
}

/**
 * The loader behind `Worker.<agency>Facts`: one query per fact for the whole batch of workers,
 * answering each worker's facts as an object keyed by fact name (absent values filled in).
 */
export function factsLoader(
  em: EntityManager,
  caller: Caller,
  declarations: FactDeclaration[],
  queries: Record<string, FactQuery>,
  asOf: () => string,
): DataLoader<string, Record<string, unknown>> {
  return new DataLoader(async (ids) => {
    const scope: FactScope = { em, caller, asOf: asOf(), workers: [...ids] };
    const values = await Promise.all(declarations.map(async (fact) => decodeFact(fact, await encodedFact(em, fact, queries[fact.name](scope)))));
    return ids.map((id) => {
      const number = Number(id.slice(2));
      return Object.fromEntries(declarations.map((fact, i) => [fact.name, values[i].has(number) ? values[i].get(number) : absentValue(fact)]));
    });
  });
}

/** Every declared fact has a query, and every query a declaration: checked when the agency starts. */
export function checkFactQueries(agency: string, declarations: FactDeclaration[], queries: Record<string, FactQuery> = {}): void {
  const declared = new Set(declarations.map((fact) => fact.name));
  const missing = [...declared].filter((name) => !Object.hasOwn(queries, name));
  const undeclared = Object.keys(queries).filter((name) => !declared.has(name));
  if (missing.length) throw new Error(`${agency} declares facts with no query in its statistics: ${missing.join(', ')}.`);
  if (undeclared.length) throw new Error(`${agency} answers facts its schema does not declare (add them to Worker.${factsFieldName(agency)}): ${undeclared.join(', ')}.`);
}
