/**
 * Operation limits: how big an operation may be, checked after parsing and before anything is
 * planned or any agency called, the same for every caller. Six figures, each refused with
 * BAD_USER_INPUT (HTTP 400) and `extensions.reason` naming the limit, `extensions.limit` and
 * `extensions.found`:
 *
 * - MAX_TOKENS: graphql-js's own token limit (`parseOptions.maxTokens`), so a huge document stops
 *   at the first token over the limit while it is parsed, before anything else sees it;
 * - MAX_DEPTH, MAX_ALIASES, MAX_DIRECTIVES: GraphQL Armor's validation rules (a fragment spread
 *   counts as a level of depth, so a chain of fragments is as deep as it is long);
 * - MAX_ROOT_FIELDS and MAX_COST: our own rules, for what Armor has not: the fields asked of the
 *   root, and a cost that multiplies by the size of every list a field lies in (`first`, or the
 *   declared COST_LIST_SIZE for a list without it), which needs the schema that Armor's cost
 *   rule does not look at.
 *
 * Fragment cycles are graphql-js's own rule (NoFragmentCyclesRule); every rule here keeps its own
 * guard against them, since all rules run side by side in one pass.
 */
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type FieldNode,
  type GraphQLField,
  type GraphQLNamedType,
  type OperationDefinitionNode,
  type ParseOptions,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { config } from '../../src/shared/config.js';
import { codedError, ConfigError, ErrorCode } from '../../src/shared/errors.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../src/shared/pagination.js';

export const LIMIT_REASONS = ['MAX_TOKENS', 'MAX_DEPTH', 'MAX_ALIASES', 'MAX_ROOT_FIELDS', 'MAX_DIRECTIVES', 'MAX_COST'] as const;
export type LimitReason = (typeof LIMIT_REASONS)[number];

/** Each limit; 0 turns it off (all but maxTokens). Defaults: `config.limits` (MAX_TOKENS, MAX_DEPTH, ... in the environment). */
export interface OperationLimits {
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxDirectives: number;
  maxCost: number;
  /** The size the cost assumes for a list field without `first`. */
  costListSize: number;
}

export const defaultLimits = (): OperationLimits => ({ ...config.limits });

const DESCRIBE: Record<LimitReason, (limit: number, found: number) => string> = {
  MAX_TOKENS: (limit) => `The document is longer than ${limit} tokens, so it was not read further. Send smaller operations.`,
  MAX_DEPTH: (limit, found) => `The operation nests ${found} levels deep (a fragment spread counts as one); at most ${limit} are allowed.`,
  MAX_ALIASES: (limit, found) => `The operation uses ${found} aliases; at most ${limit} are allowed.`,
  MAX_ROOT_FIELDS: (limit, found) => `The operation asks for ${found} top-level fields; at most ${limit} are allowed. Send them as separate requests.`,
  MAX_DIRECTIVES: (limit, found) => `The operation uses ${found} directives; at most ${limit} are allowed.`,
  MAX_COST: (limit, found) =>
    `The operation's estimated cost is ${grouped(found)} (each field 1, times the size of every list it lies in); at most ${grouped(limit)} is allowed. Ask for smaller pages (\`first\`) or fewer nested lists.`,
};

/** 1234567 → 1,234,567 (not toLocaleString: ICU's first use costs more than the whole check). */
const grouped = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** The refusal of an operation over `reason`'s limit: BAD_USER_INPUT, HTTP 400. */
export function limitError(reason: LimitReason, limit: number, found: number): GraphQLError {
  return codedError(ErrorCode.BAD_USER_INPUT, `${DESCRIBE[reason](limit, found)} (${reason})`, { reason, limit, found }, 'ends-request');
}

/**
 * The token limit cannot be off, nor far above its default: it is what bounds the work of every
 * check after it. graphql-js parses and validates by recursion, so an unbounded document can
 * exhaust the stack (a selection nested ~3,400 deep while parsing, a chain of ~5,000 fragments
 * while validating), which Apollo answers as an internal error without an access-log entry.
 */
export const MAX_TOKENS_CEILING = 5000;

/** What the gateway's ApolloServer is given: the parser's token limit and the validation rules. */
export function limitRules(limits: OperationLimits): { parseOptions: ParseOptions; validationRules: ValidationRule[] } {
  if (!Number.isInteger(limits.maxTokens) || limits.maxTokens < 1 || limits.maxTokens > MAX_TOKENS_CEILING) {
    throw new ConfigError(`MAX_TOKENS must be between 1 and ${MAX_TOKENS_CEILING}, got ${limits.maxTokens}: it bounds the work of every later check, so it cannot be off.`);
  }
  // Armor reports through these callbacks instead of throwing, and we report its figures in our
  // own words. Its message is the only place that carries the figure found ("..., found 36.").
  const reject =
    (reason: LimitReason, limit: number) =>
    (context: ValidationContext | null, error: GraphQLError): void => {
      const found = Number(/found (\d+)/.exec(error.message)?.[1] ?? limit + 1);
      context?.reportError(limitError(reason, limit, found));
    };
  const armored = (reason: LimitReason, n: number) => ({
    enabled: n > 0,
    n,
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [reject(reason, n)],
  });
  const armor = new ApolloArmor({
    maxDepth: { ...armored('MAX_DEPTH', limits.maxDepth), flattenFragments: false, ignoreIntrospection: true },
    maxAliases: armored('MAX_ALIASES', limits.maxAliases),
    maxDirectives: armored('MAX_DIRECTIVES', limits.maxDirectives),
    // Armor's own cost rule multiplies only by a literal `first` and knows no list types: ours below.
    costLimit: { enabled: false },
    // Armor's Apollo plugin for tokens parses every document a second time and throws from a
    // parsing hook, which Apollo answers as an internal error (HTTP 500) without the access-log
    // entry. graphql-js's parser has the same limit built in, which Apollo reports as a syntax
    // error: see `tokenLimitError`.
    maxTokens: { enabled: false },
    // Suggestions ("Did you mean ...?") are hidden per role, with introspection (introspection.ts).
    blockFieldSuggestion: { enabled: false },
  });
  const validationRules = [...armor.protect().validationRules];
  if (limits.maxRootFields > 0) validationRules.push(maxRootFieldsRule(limits.maxRootFields));
  if (limits.maxCost > 0) validationRules.push(maxCostRule(limits.maxCost, limits.costListSize));
  return { parseOptions: { maxTokens: limits.maxTokens }, validationRules };
}

/**
 * The parser's token-limit error ("Syntax Error: Document contains more than N tokens. Parsing
 * aborted.", "more that" in graphql 16) as our refusal; anything else stays what it was.
 */
export function tokenLimitError(error: GraphQLError): GraphQLError | undefined {
  const match = /Document contains more th(?:an|at) (\d+) tokens/.exec(error.message);
  if (!match) return undefined;
  const limit = Number(match[1]);
  // Parsing stops at the first token over the limit: the document has at least this many.
  return limitError('MAX_TOKENS', limit, limit + 1);
}

/** Apollo's wrapper for validation errors overrides their code; ours go back to BAD_USER_INPUT. */
export function isLimitRefusal(error: GraphQLError): boolean {
  return (LIMIT_REASONS as readonly string[]).includes(String(error.extensions?.reason));
}

/** How many distinct fields (response keys) each operation asks of its root type, through fragments. */
export function maxRootFieldsRule(limit: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const keys = new Set<string>();
      const seen = new Set<string>();
      const collect = (selectionSet: SelectionSetNode) => {
        for (const selection of selectionSet.selections) {
          if (selection.kind === Kind.FIELD) {
            if (selection.name.value !== '__typename') keys.add(selection.alias?.value ?? selection.name.value);
          } else if (selection.kind === Kind.INLINE_FRAGMENT) {
            collect(selection.selectionSet);
          } else if (!seen.has(selection.name.value)) {
            seen.add(selection.name.value);
            const fragment = context.getFragment(selection.name.value);
            if (fragment) collect(fragment.selectionSet);
          }
        }
      };
      collect(operation.selectionSet);
      if (keys.size > limit) context.reportError(limitError('MAX_ROOT_FIELDS', limit, keys.size));
      return false; // nothing below the operation matters to this rule
    },
  });
}

/** Past this nesting the cost stops descending: MAX_DEPTH refuses such an operation anyway. */
const COST_WALK_DEPTH = 256;

/**
 * The estimated cost of each operation: every field counts 1, times the size of each list it lies
 * in. A field with a `first` argument (a Relay connection) is a list of `first` items: the value
 * given, a variable's default, MAX_PAGE_SIZE for a variable without one, or the argument's own
 * default when it is left out; its `edges` and `nodes` are that same list, not another. Any other
 * list field counts `listSize` items. Introspection is not counted (who may run it is a role
 * decision, and its size is the schema's); `__typename` is free.
 */
export function maxCostRule(limit: number, listSize: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const root = context.getSchema().getRootType(operation.operation);
      if (!root) return false;
      const cost = operationCost(context, operation, root, listSize);
      if (cost > limit) context.reportError(limitError('MAX_COST', limit, Math.min(Math.round(cost), Number.MAX_SAFE_INTEGER)));
      return false;
    },
  });
}

export function operationCost(context: ValidationContext, operation: OperationDefinitionNode, root: GraphQLNamedType, listSize: number): number {
  const schema = context.getSchema();
  const variableDefaults = new Map<string, number>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue?.kind === Kind.INT) variableDefaults.set(definition.variable.name.value, Number(definition.defaultValue.value));
  }
  // A fragment costs the same wherever it is spread (its multiplier is applied outside), so once.
  const fragmentCosts = new Map<string, number>();
  const inProgress = new Set<string>();

  const pageSize = (node: FieldNode, field: GraphQLField<unknown, unknown>): number | undefined => {
    const declared = field.args.find((arg) => arg.name === 'first');
    if (!declared) return undefined;
    const given = node.arguments?.find((arg) => arg.name.value === 'first')?.value;
    if (!given) return typeof declared.defaultValue === 'number' ? declared.defaultValue : DEFAULT_PAGE_SIZE;
    if (given.kind === Kind.INT) return Number(given.value);
    if (given.kind === Kind.VARIABLE) return variableDefaults.get(given.name.value) ?? MAX_PAGE_SIZE;
    return MAX_PAGE_SIZE;
  };

  const multiplier = (node: FieldNode, field: GraphQLField<unknown, unknown>, parent: GraphQLNamedType): number => {
    const paged = pageSize(node, field);
    if (paged !== undefined) return Math.max(paged, 1);
    if (!isListType(getNullableType(field.type))) return 1;
    // A connection's edges are the page its field already counted.
    if (parent.name.endsWith('Connection') && (node.name.value === 'edges' || node.name.value === 'nodes')) return 1;
    return Math.max(listSize, 1);
  };

  const selectionCost = (selectionSet: SelectionSetNode, parent: GraphQLNamedType | undefined, depth: number): number => {
    if (depth > COST_WALK_DEPTH) return 0;
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name === '__typename' || name === '__schema' || name === '__type') continue;
        const field = parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
        // An unknown field is another rule's error; count it as one field.
        if (!field) {
          cost += 1;
          continue;
        }
        const below = selection.selectionSet ? selectionCost(selection.selectionSet, getNamedType(field.type), depth + 1) : 0;
        cost += multiplier(selection, field, parent!) * (1 + below);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        cost += selectionCost(selection.selectionSet, type, depth + 1);
      } else {
        const name = selection.name.value;
        if (inProgress.has(name)) continue; // a cycle: NoFragmentCyclesRule refuses the document
        let fragmentCost = fragmentCosts.get(name);
        if (fragmentCost === undefined) {
          const fragment = context.getFragment(name);
          inProgress.add(name);
          fragmentCost = fragment ? selectionCost(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value), depth + 1) : 0;
          inProgress.delete(name);
          fragmentCosts.set(name, fragmentCost);
        }
        cost += fragmentCost;
      }
    }
    return cost;
  };

  return selectionCost(operation.selectionSet, root, 0);
}
