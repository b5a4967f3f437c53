/**
 * The scheme catalogue (schema/schemes.yaml): every scheme of the single window, who enrols
 * people into it, and its rule of eligibility as CEL expressions over the facts each agency
 * publishes (src/shared/facts.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { repoRoot } from './config.js';

export const SCHEME_CATALOGUE = path.join(repoRoot, 'schema', 'schemes.yaml');

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
