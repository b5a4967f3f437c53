/**
 * The scheme catalogue (schema/schemes.yaml): every scheme of the single window, who enrols
 * people into it, and its rule of eligibility as CEL expressions over the facts each agency
 * publishes (src/shared/facts.ts).
 */
import { readFileSync } from 'node:fs';
import { Environment } from '@marcbachmann/cel-js';
import { gql } from 'graphql-tag';
import YAML from 'yaml';
import { config } from './config.js';
import { declaredFacts, type FactDeclaration, type FactType } from './facts.js';
import { readSupergraphConfig, type SubgraphEntry } from './supergraph.js';

/** The catalogue beside the registry (schema/schemes.yaml); SCHEME_CATALOGUE points composition and the hub at another. */
export const SCHEME_CATALOGUE = config.schemeCatalogue;

export interface SchemeCondition {
  /** A CEL expression over `<agency>.<fact>` values. */
  when: string;
  /** Why not, in words a CRP can read out; `{labour.age}` shows a fact's value. */
  otherwise: string;
}

export interface SchemeEntry {
  id: string;
  title: string;
  enrolledBy: string;
  source: string;
  bring: string[];
  enrolled: string;
  eligibility: SchemeCondition[];
}

/** The catalogue as written, shape-checked; its rules are checked against the facts by `checkCatalogue`. */
export function readSchemeCatalogue(file = SCHEME_CATALOGUE): SchemeEntry[] {
  const parsed = YAML.parse(readFileSync(file, 'utf8')) as { schemes?: unknown };
  if (!Array.isArray(parsed?.schemes)) throw new Error(`${file}: expected a list under "schemes".`);
  return parsed.schemes.map((raw, i) => schemeEntry(raw, `${file}: scheme ${i + 1}`));
}

const SCHEME_ID = /^[A-Z][A-Z0-9_]{1,39}$/;

function schemeEntry(raw: unknown, where: string): SchemeEntry {
  const entry = (raw ?? {}) as Record<string, unknown>;
  const text = (key: string) => {
    const value = entry[key];
    if (typeof value !== 'string' || !value.trim()) throw new Error(`${where}: "${key}" must be text.`);
    return value.trim();
  };
  const id = text('id');
  if (!SCHEME_ID.test(id)) throw new Error(`${where}: id "${id}" must be capitals, digits and _ (e.g. PM_SYM).`);
  const named = `${where.replace(/scheme \d+$/, '')}scheme ${id}`;
  const conditions = entry.eligibility;
  if (!Array.isArray(conditions) || !conditions.length) throw new Error(`${named}: "eligibility" must list at least one condition.`);
  return {
    id,
    title: text('title'),
    enrolledBy: text('enrolledBy'),
    source: text('source'),
    bring: Array.isArray(entry.bring) ? entry.bring.map(String) : [],
    enrolled: text('enrolled'),
    eligibility: conditions.map((condition, n) => {
      const c = (condition ?? {}) as Record<string, unknown>;
      if (typeof c.when !== 'string' || typeof c.otherwise !== 'string') {
        throw new Error(`${named}: eligibility condition ${n + 1} needs "when" (a CEL expression) and "otherwise" (why not, in words).`);
      }
      return { when: c.when, otherwise: c.otherwise };
    }),
  };
}

/** The ids of the catalogue's schemes, for agencies that record something about a scheme (a visit). */
export function schemeIds(file = SCHEME_CATALOGUE): string[] {
  return readSchemeCatalogue(file).map((scheme) => scheme.id);
}

// ---- Checking the rules against the facts ------------------------------------------------------

/** The facts each agency publishes, by agency name, from their schemas (src/shared/facts.ts). */
export type PublishedFacts = Map<string, FactDeclaration[]>;

/** The facts of every subgraph in the registry, read from its registered schema file. */
export function publishedFacts(subgraphs: Pick<SubgraphEntry, 'name' | 'schemaFile'>[] = readSupergraphConfig()): PublishedFacts {
  return new Map(subgraphs.map((entry) => [entry.name, declaredFacts(entry.name, gql(readFileSync(entry.schemaFile, 'utf8')))]));
}

/** `labour.age` inside a rule, outside its string literals. */
const FACT_REFERENCE = /\b([a-z][a-z0-9_-]*)\.([A-Za-z][A-Za-z0-9]*)\b/g;
const STRING_LITERAL = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g;
/** `labour.occupation == "CONSTRUCTION"` or `"PM_SYM" in labour.activeSchemes`: a literal compared with a fact. */
const COMPARED_LITERAL = /([a-z][a-z0-9_-]*)\.([A-Za-z][A-Za-z0-9]*)\s*[!=]=\s*"([^"]*)"|"([^"]*)"\s*(?:[!=]=|in)\s*([a-z][a-z0-9_-]*)\.([A-Za-z][A-Za-z0-9]*)/g;

export interface CompiledCondition extends SchemeCondition {
  facts: FactDeclaration[];
  test: (activation: Record<string, Record<string, unknown>>) => unknown;
}

export interface CompiledScheme extends Omit<SchemeEntry, 'eligibility'> {
  eligibility: CompiledCondition[];
  enrolledRule: CompiledCondition;
  /** Every fact the scheme reads, eligibility and enrolment alike. */
  facts: FactDeclaration[];
}

/** A catalogue that cannot be used: every problem found, each naming its scheme and fact. */
export class CatalogueError extends Error {
  constructor(readonly problems: string[]) {
    super(`The scheme catalogue (schema/schemes.yaml) has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const CEL_TYPE: Record<FactType, string> = { bool: 'bool', int: 'int', string: 'string', list: 'list<string>' };

/** A CEL environment declaring each agency as a variable whose fields are its facts. */
function celEnvironment(facts: PublishedFacts): Environment {
  const environment = new Environment({ limits: { maxAstNodes: 200, maxDepth: 20, maxListElements: 50, maxMapEntries: 0, maxCallArguments: 4 } });
  for (const [agency, declarations] of facts) {
    if (!declarations.length) continue;
    const typeName = `${agency.replace(/[^A-Za-z0-9]/g, '_')}_facts`;
    environment.registerType(typeName, { fields: Object.fromEntries(declarations.map((fact) => [fact.name, CEL_TYPE[fact.type]])) });
    environment.registerVariable(agency, typeName);
  }
  return environment;
}

/**
 * The catalogue with each rule parsed, type-checked and tied to the facts it reads. Refuses (a
 * CatalogueError listing every problem) a rule that does not parse or does not give a yes or no,
 * a fact or agency nobody publishes, a literal an enum fact can never hold, an enrolment rule
 * reading another agency's facts, an unknown enrolling agency, and a scheme id given twice.
 */
export function compileCatalogue(entries: SchemeEntry[], facts: PublishedFacts): CompiledScheme[] {
  const problems: string[] = [];
  const environment = celEnvironment(facts);
  const seen = new Set<string>();
  const compiled: CompiledScheme[] = [];
  for (const entry of entries) {
    const where = `scheme ${entry.id}`;
    if (seen.has(entry.id)) problems.push(`${where}: the id is given twice.`);
    seen.add(entry.id);
    if (!facts.has(entry.enrolledBy)) problems.push(`${where}: enrolledBy names "${entry.enrolledBy}", which is not an agency of the registry (${[...facts.keys()].join(', ')}).`);
    const compile = (condition: SchemeCondition, label: string, onlyAgency?: string): CompiledCondition | null => {
      const before = problems.length;
      const read = readFacts(condition.when, facts, `${where}, ${label}`, problems);
      if (onlyAgency) {
        for (const fact of read) if (fact.agency !== onlyAgency) problems.push(`${where}, ${label}: reads ${fact.agency}.${fact.name}, but enrolment is read from ${onlyAgency}'s own records only.`);
      }
      for (const reference of condition.otherwise.matchAll(/\{([^}]*)\}/g)) {
        const [agency, name] = reference[1].split('.');
        if (!facts.get(agency)?.some((fact) => fact.name === name)) problems.push(`${where}, ${label}: "otherwise" shows {${reference[1]}}, which is not a published fact.`);
      }
      if (problems.length > before) return null;
      try {
        const check = environment.check(condition.when);
        if (!check.valid) throw check.error;
        if (check.type !== 'bool') throw new Error(`it gives ${check.type}, not a yes or no`);
        return { ...condition, facts: read, test: environment.parse(condition.when) as unknown as CompiledCondition['test'] };
      } catch (error) {
        problems.push(`${where}, ${label} (${condition.when}): ${firstLine(error)}`);
        return null;
      }
    };
    const eligibility = entry.eligibility.map((condition, i) => compile(condition, `condition ${i + 1}`));
    const enrolledRule = compile({ when: entry.enrolled, otherwise: '' }, 'enrolled', entry.enrolledBy);
    if (eligibility.every((c) => c !== null) && enrolledRule) {
      const all = [...eligibility.flatMap((c) => c!.facts), ...enrolledRule.facts];
      compiled.push({ ...entry, eligibility: eligibility as CompiledCondition[], enrolledRule, facts: [...new Set(all)] });
    }
  }
  if (problems.length) throw new CatalogueError(problems);
  return compiled;
}

/** The facts an expression reads, each checked to exist; literals compared with enum facts checked too. */
function readFacts(expression: string, facts: PublishedFacts, where: string, problems: string[]): FactDeclaration[] {
  const found: FactDeclaration[] = [];
  const withoutStrings = expression.replace(STRING_LITERAL, '""');
  for (const [, agency, name] of withoutStrings.matchAll(FACT_REFERENCE)) {
    const published = facts.get(agency);
    if (!published) {
      problems.push(`${where}: "${agency}.${name}" names the agency "${agency}", which is not in the registry (${[...facts.keys()].join(', ')}).`);
      continue;
    }
    const fact = published.find((f) => f.name === name);
    if (!fact) {
      const offered = published.map((f) => f.name).join(', ') || 'none';
      problems.push(`${where}: ${agency} publishes no fact "${name}" (its facts: ${offered}).`);
      continue;
    }
    if (!found.includes(fact)) found.push(fact);
  }
  for (const match of expression.matchAll(COMPARED_LITERAL)) {
    const [agency, name, literal] = match[1] ? [match[1], match[2], match[3]] : [match[5], match[6], match[4]];
    const fact = facts.get(agency)?.find((f) => f.name === name);
    if (fact?.values && !fact.values.includes(literal)) {
      problems.push(`${where}: ${agency}.${name} is never "${literal}" (its values: ${fact.values.join(', ')}).`);
    }
  }
  return found;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

/** The catalogue as composition checks it: read, and compiled against the registry's facts. */
export function loadCatalogue(options: { file?: string; subgraphs?: Pick<SubgraphEntry, 'name' | 'schemaFile'>[] } = {}): CompiledScheme[] {
  return compileCatalogue(readSchemeCatalogue(options.file), publishedFacts(options.subgraphs));
}

// ---- Evaluating a worker ----------------------------------------------------------------------

/** One worker's facts as the agencies answered them: values by agency and fact name. */
export type WorkerFactValues = Record<string, Record<string, unknown>>;

export type SchemeStatus = 'ENROLLED' | 'ELIGIBLE' | 'NOT_ELIGIBLE' | 'UNKNOWN';

export interface MissingFact {
  fact: string;
  heldBy: string;
  explanation: string;
}

export interface SchemeAnswer {
  eligible: boolean | null;
  enrolled: boolean | null;
  status: SchemeStatus;
  reasons: string[];
  missing: MissingFact[];
}

/**
 * How a worker stands with one scheme. `withheld` holds the `agency.fact` names an agency would
 * not let the caller use: a condition reading one is unknown (not false), so the answer is
 * UNKNOWN rather than a wrong "not eligible", unless another condition already fails.
 */
export function evaluateScheme(scheme: CompiledScheme, values: WorkerFactValues, withheld: ReadonlySet<string> = new Set(), titles: Record<string, string> = {}): SchemeAnswer {
  const { eligible, enrolled, conditions } = standingOf(scheme, values, withheld);
  const reasons: string[] = [];
  const missing: MissingFact[] = [];
  scheme.eligibility.forEach((condition, i) => {
    if (conditions[i] === null) {
      for (const fact of condition.facts.filter((f) => withheld.has(`${f.agency}.${f.name}`))) {
        const explanation = `${titles[fact.agency] ?? fact.agency} does not share ${fact.agency}.${fact.name} with your role`;
        reasons.push(explanation);
        missing.push({ fact: `${fact.agency}.${fact.name}`, heldBy: fact.agency, explanation });
      }
    } else if (conditions[i] === false) {
      const explanation = fillIn(condition.otherwise, values);
      reasons.push(explanation);
      // The yes-or-no facts the worker lacks are what a CRP can help with (an account, a certificate).
      for (const fact of condition.facts.filter((f) => f.type === 'bool' && values[f.agency]?.[f.name] !== true)) {
        missing.push({ fact: `${fact.agency}.${fact.name}`, heldBy: fact.agency, explanation });
      }
    }
  });
  if (enrolled === null) reasons.push(`${titles[scheme.enrolledBy] ?? scheme.enrolledBy} does not share whether the worker is enrolled with your role`);
  else if (!enrolled && eligible) reasons.push(`not enrolled: ${titles[scheme.enrolledBy] ?? scheme.enrolledBy} holds no ${scheme.id} enrolment for this worker`);
  const status: SchemeStatus = enrolled === true ? 'ENROLLED' : enrolled === null || eligible === null ? 'UNKNOWN' : eligible ? 'ELIGIBLE' : 'NOT_ELIGIBLE';
  return { eligible, enrolled, status, reasons: status === 'ENROLLED' ? [] : reasons, missing: status === 'ENROLLED' ? [] : missing };
}

/**
 * Eligible and enrolled, and each condition's result, without the reasons: what worklists and
 * figures need (no sentences built for workers nobody reads them for). Eligible is false when a
 * condition fails, unknown (null) when none fails but one reads a withheld or missing fact.
 */
export function standingOf(scheme: CompiledScheme, values: WorkerFactValues, withheld: ReadonlySet<string>) {
  const conditions = scheme.eligibility.map((condition) => testCondition(condition, values, withheld));
  const eligible = conditions.includes(false) ? false : conditions.includes(null) ? null : true;
  return { eligible, enrolled: testCondition(scheme.enrolledRule, values, withheld), conditions };
}

/** True, false, or null when a fact it reads is withheld or the value is unknown (no age on record). */
function testCondition(condition: CompiledCondition, values: WorkerFactValues, withheld: ReadonlySet<string>): boolean | null {
  if (condition.facts.some((fact) => withheld.has(`${fact.agency}.${fact.name}`))) return null;
  if (condition.facts.some((fact) => values[fact.agency]?.[fact.name] == null)) return null;
  try {
    return condition.test(celValues(values, condition.facts)) === true;
  } catch {
    return null;
  }
}

/** CEL's integers are BigInts: the values a condition reads, converted. */
function celValues(values: WorkerFactValues, facts: FactDeclaration[]): Record<string, Record<string, unknown>> {
  const activation: Record<string, Record<string, unknown>> = {};
  for (const fact of facts) {
    const value = values[fact.agency][fact.name];
    (activation[fact.agency] ??= {})[fact.name] = fact.type === 'int' ? BigInt(value as number) : value;
  }
  return activation;
}

/** `aged {labour.age}: ...` with the worker's value in place. */
function fillIn(text: string, values: WorkerFactValues): string {
  return text.replace(/\{([^}]*)\}/g, (_, reference: string) => {
    const [agency, name] = reference.split('.');
    const value = values[agency]?.[name];
    return value == null ? 'unknown' : String(value).toLowerCase().replace(/_/g, ' ');
  });
}
