/**
 * `npm run agency:new -- <name> [--title "Urban Health Department"] [--owner ...] [--contact ...] [--root <repo>]`
 *
 * Scaffolds a new agency served by this hub: `subgraphs/<name>/` in the same shape as the other
 * agencies (schema extending `Worker`, entities, migrations with change history, rules, loaders,
 * resolvers, demo seed) and `test/<name>.test.ts`, from the templates in scripts/agency-template/.
 * It then registers the agency in schema/supergraph.yaml (served by the hub, on the next free
 * port), generates its resolver types and recomposes schema/supergraph.graphql, so `npm start`
 * runs it at once. No existing file but those two is touched; when a step fails, everything it
 * wrote is taken back.
 *
 * `--root` scaffolds into another copy of the repository (tests do, in a temporary folder).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Kind, parse, type DocumentNode } from 'graphql';
import { childEnvironment } from '../src/shared/config.js';
import { compose, composedFiles, composedPaths, readSupergraphConfig, registerSubgraph, type SubgraphEntry } from '../src/shared/supergraph.js';

const TEMPLATE_DIR = path.join(__dirname, 'agency-template');
const REPO_ROOT = path.resolve(__dirname, '..');

/** A refusal or failure the person running the command can act on. */
export class ScaffoldError extends Error {}

/** The spellings of one agency name the templates need. */
export interface AgencyNames {
  /** As the registry, tokens and `@access` policies spell it: `urban-health`. */
  name: string;
  /** GraphQL types and TypeScript types: `UrbanHealth`. */
  pascal: string;
  /** GraphQL fields and the exported AgencySubgraph: `urbanHealth`. */
  camel: string;
  /** SQL tables, indexes and sequences: `urban_health`. */
  snake: string;
  /** Record ids: `URBAN-HEALTH-0000042`. */
  upper: string;
}

/** Names that would clash with what the hub itself uses under the same name. */
const RESERVED = new Map([
  ['gateway', 'the gateway keeps its access log in the database `<name>_gateway`'],
  ['audit', 'the access-log subgraph is registered as `audit`'],
  ['index', 'subgraphs/index.ts loads the agencies'],
  ['support', 'test/support/ holds the test helpers'],
  ['shared', 'src/shared/ is the code every agency shares'],
]);

/** Words that cannot name the `export const <camel>` of the agency's index.ts. */
const JS_RESERVED = new Set(
  ('arguments await break case catch class const continue debugger default delete do else enum eval export extends false ' +
    'finally for function if implements import in instanceof interface let new null package private protected public return ' +
    'static super switch this throw true try typeof var void while with yield').split(' '),
);

/** At most 30 characters: `<database>_<name>` must stay within PostgreSQL's 63. */
const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const MAX_NAME_LENGTH = 30;

export function agencyNames(name: string): AgencyNames {
  if (!NAME.test(name) || name.length > MAX_NAME_LENGTH) {
    throw new ScaffoldError(
      `"${name}" is not an agency name: lower-case letters, digits and single hyphens, starting with a letter, ` +
        `at most ${MAX_NAME_LENGTH} characters (e.g. urban-health).`,
    );
  }
  const reserved = RESERVED.get(name);
  if (reserved) throw new ScaffoldError(`"${name}" is reserved: ${reserved}.`);
  const names = spellings(name);
  if (JS_RESERVED.has(names.camel)) throw new ScaffoldError(`"${name}" is a reserved word in TypeScript; choose another name.`);
  return names;
}

function spellings(name: string): AgencyNames {
  const words = name.split('-');
  const pascal = words.map((word) => (word[0] ?? '').toUpperCase() + word.slice(1)).join('');
  const camel = pascal.slice(0, 1).toLowerCase() + pascal.slice(1);
  return { name, pascal, camel, snake: words.join('_'), upper: name.toUpperCase() };
}

/** `urban-health` → `Urban Health`. */
export function defaultTitle(name: string): string {
  return name
    .split('-')
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join(' ');
}

/**
 * The title goes into GraphQL descriptions, comments and string literals, so it must be plain
 * text; an apostrophe is fine (it is escaped where it lands inside a quoted string).
 */
function checkText(value: string, option: string, maxLength: number): string {
  const text = value.trim().replace(/\s+/g, ' ');
  if (!text || text.length > maxLength || /["`\\\x00-\x1f]|\$\{|\*\//.test(text)) {
    throw new ScaffoldError(`${option} must be plain text of 1 to ${maxLength} characters, without double quotes, backticks or backslashes.`);
  }
  return text;
}

/** Values of the placeholders in scripts/agency-template/ (see its README.md). */
function placeholders(names: AgencyNames, title: string, now: Date): Record<string, string> {
  const stamp = (at: Date) => at.toISOString().replace(/\D/g, '').slice(0, 14);
  return {
    __INIT_MIGRATION__: `Migration${stamp(now)}_init`,
    __HISTORY_MIGRATION__: `Migration${stamp(new Date(now.getTime() + 1000))}_history`,
    __NAME__: names.name,
    __PASCAL__: names.pascal,
    __CAMEL__: names.camel,
    __SNAKE__: names.snake,
    __UPPER__: names.upper,
    __TITLE__: title,
  };
}

/**
 * Fills a template. In TypeScript, a value that lands inside a single-quoted string literal has
 * its apostrophes escaped (a title such as "Women's Welfare"); comment lines take it as it is.
 * A placeholder left over means the template has a typo: that is an error, not output.
 */
export function render(text: string, values: Record<string, string>, typescript: boolean): string {
  const pattern = new RegExp(Object.keys(values).join('|'), 'g');
  const out = text
    .split('\n')
    .map((line) => {
      const comment = /^\s*(\/\/|\/\*|\*)/.test(line);
      return line.replace(pattern, (key, offset: number) => {
        const value = values[key]!;
        return typescript && !comment && insideSingleQuotes(line, offset) ? value.replace(/'/g, "\\'") : value;
      });
    })
    .join('\n');
  const leftover = /__[A-Z][A-Z_]*__/.exec(out);
  if (leftover) throw new ScaffoldError(`The template has an unknown placeholder ${leftover[0]}.`);
  return out;
}

/** Whether `offset` in a line of TypeScript lies inside a '...' string (quotes of other kinds respected). */
function insideSingleQuotes(line: string, offset: number): boolean {
  let quote: string | null = null;
  for (let i = 0; i < offset; i++) {
    const char = line[i]!;
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = null;
    } else if (char === '/' && line[i + 1] === '/') {
      return false;
    } else if (char === "'" || char === '"' || char === '`') {
      quote = char;
    }
  }
  return quote === "'";
}

/** Every template file, relative to scripts/agency-template/ (its README.md is not one). */
function templateFiles(dir = TEMPLATE_DIR): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return templateFiles(full);
    return full.endsWith('.tpl') ? [path.relative(TEMPLATE_DIR, full)] : [];
  });
}

/**
 * The types and root or `Worker` fields each registered subgraph defines, so a scaffold that
 * would define one of them again is refused with the owner's name, before anything is written.
 */
function definitions(entries: SubgraphEntry[]): Map<string, string> {
  const owners = new Map<string, string>();
  for (const entry of entries) {
    if (!existsSync(entry.schemaFile)) continue;
    for (const key of definedNames(parse(readFileSync(entry.schemaFile, 'utf8')))) if (!owners.has(key)) owners.set(key, entry.name);
  }
  return owners;
}

/** The value types and scalars every agency declares alike (the template's shared section). */
const SHARED_TYPES = new Set(['Query', 'Mutation', 'Worker', 'City', 'Ward', 'PageInfo', 'Source', 'RecordChange', 'ChangeAction', 'FieldChange', 'Date', 'DateTime']);
const FIELD_OWNING_TYPES = new Set(['Query', 'Mutation', 'Worker']);

function definedNames(document: DocumentNode): string[] {
  const names: string[] = [];
  for (const definition of document.definitions) {
    if (!('name' in definition) || !definition.name || definition.kind === Kind.DIRECTIVE_DEFINITION) continue;
    const type = definition.name.value;
    names.push(type);
    if (FIELD_OWNING_TYPES.has(type) && 'fields' in definition) {
      for (const field of definition.fields ?? []) if (!(type === 'Worker' && field.name.value === 'id')) names.push(`${type}.${field.name.value}`);
    }
  }
  return names;
}

/** The next port after the highest hub port that no registered subgraph routes to. */
export function nextRoutingUrl(entries: SubgraphEntry[]): string {
  const port = (entry: SubgraphEntry) => Number(new URL(entry.url).port) || 0;
  const used = new Set(entries.map(port));
  let next = Math.max(4000, ...entries.filter((entry) => entry.servedBy === 'hub').map(port)) + 1;
  while (used.has(next)) next += 1;
  return `http://localhost:${next}/graphql`;
}

export interface ScaffoldOptions {
  name: string;
  title?: string;
  owner?: string;
  contact?: string;
  /** The repository to scaffold into; this one by default. */
  root?: string;
  log?: (line: string) => void;
}

export interface ScaffoldResult {
  names: AgencyNames;
  title: string;
  url: string;
  /** What was written, relative to the root. */
  files: string[];
}

export function scaffoldAgency(options: ScaffoldOptions): ScaffoldResult {
  const log = options.log ?? (() => {});
  const names = agencyNames(options.name);
  const root = path.resolve(options.root ?? REPO_ROOT);
  const registry = path.join(root, 'schema', 'supergraph.yaml');
  if (!existsSync(registry) || !existsSync(path.join(root, 'subgraphs'))) {
    throw new ScaffoldError(`${root} is not a Worker Graph repository (no schema/supergraph.yaml or subgraphs/).`);
  }
  const title = checkText(options.title ?? defaultTitle(names.name), '--title', 80);
  const owner = checkText(options.owner ?? `${title} (owner to be confirmed)`, '--owner', 200);
  const contact = checkText(options.contact ?? 'to be confirmed', '--contact', 200);

  // Refusals first: nothing is written for a name that exists or collides.
  const entries = readSupergraphConfig(registry);
  const registered = entries.find((entry) => entry.name === names.name);
  if (registered) throw new ScaffoldError(`${names.name} is already registered (served by ${registered.servedBy}, ${registered.url}).`);
  const folder = path.join(root, 'subgraphs', names.name);
  const testFile = path.join(root, 'test', `${names.name}.test.ts`);
  for (const existing of [folder, testFile]) {
    if (existsSync(existing)) throw new ScaffoldError(`${path.relative(root, existing)} already exists.`);
  }
  // `a-1b` and `a1b` would both name their types `A1b...`.
  const samePascal = entries.find((entry) => spellings(entry.name).pascal === names.pascal);
  if (samePascal) throw new ScaffoldError(`${names.name} would name its types ${names.pascal}..., as ${samePascal.name} does.`);

  const values = placeholders(names, title, new Date());
  const rendered = templateFiles().map((template) => ({
    file: render(template.replace(/\.tpl$/, ''), values, false),
    content: render(readFileSync(path.join(TEMPLATE_DIR, template), 'utf8'), values, template.endsWith('.ts.tpl')),
  }));
  const schema = rendered.find((r) => r.file === path.join('subgraphs', names.name, 'schema.graphql'));
  if (!schema) throw new ScaffoldError('The template has no subgraphs/__NAME__/schema.graphql.tpl.');
  const owners = definitions(entries);
  for (const key of definedNames(parse(schema.content))) {
    const [type] = key.split('.');
    if (!key.includes('.') && SHARED_TYPES.has(type!)) continue;
    const definedBy = owners.get(key);
    if (definedBy) throw new ScaffoldError(`${names.name} would define ${key}, which ${definedBy} already defines: choose another name.`);
  }

  // Writing: every step from here is taken back if a later one fails.
  const written: string[] = [];
  const outputs = [registry, ...composedPaths(path.join(root, 'schema'))];
  const before = new Map(outputs.map((file) => [file, existsSync(file) ? readFileSync(file) : null]));
  const undo = () => {
    for (const file of [folder, testFile]) rmSync(file, { recursive: true, force: true });
    for (const [file, content] of before) {
      if (content === null) rmSync(file, { force: true });
      else writeFileSync(file, content);
    }
  };
  try {
    for (const { file, content } of rendered) {
      const target = path.join(root, file);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, content);
      written.push(file);
    }
    log(`Wrote subgraphs/${names.name}/ and test/${names.name}.test.ts from scripts/agency-template/.`);

    const url = nextRoutingUrl(entries);
    registerSubgraph(
      { name: names.name, url, schemaFile: path.join(root, schema.file), servedBy: 'hub', title, owner, contact, change: 'Scaffolded by agency:new' },
      registry,
    );
    log(`Registered ${names.name} in schema/supergraph.yaml: served by this hub at ${url}.`);

    const composed = compose(readSupergraphConfig(registry));
    if ('errors' in composed) throw new ScaffoldError(`The supergraph does not compose with ${names.name}:\n${composed.errors.map((e) => `  - ${e}`).join('\n')}`);
    for (const { file, text } of composedFiles(path.join(root, 'schema'), composed.supergraphSdl)) writeFileSync(file, text);
    log('Recomposed schema/supergraph.graphql and schema/public.graphql.');

    runCodegen(root, names.name);
    const generated = path.join('subgraphs', names.name, 'generated', 'resolvers.ts');
    if (!existsSync(path.join(root, generated))) throw new ScaffoldError(`Codegen wrote no ${generated}.`);
    written.push(generated);
    log(`Generated ${generated}.`);
    return { names, title, url, files: [...written, ...outputs.map((file) => path.relative(root, file))] };
  } catch (error) {
    undo();
    throw error;
  }
}

/** `AGENCY=<name> graphql-codegen --config codegen.ts` in the root, with the root's own packages when it has them. */
function runCodegen(root: string, name: string): void {
  const local = path.join(root, 'node_modules', '.bin', 'graphql-codegen');
  const bin = existsSync(local) ? local : path.join(REPO_ROOT, 'node_modules', '.bin', 'graphql-codegen');
  const result = spawnSync(process.execPath, [bin, '--config', 'codegen.ts', '--silent'], {
    cwd: root,
    env: childEnvironment({ AGENCY: name }),
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new ScaffoldError(`graphql-codegen failed for ${name}:\n${[result.error?.message, result.stdout, result.stderr].filter(Boolean).join('\n')}`);
  }
}

function nextSteps(result: ScaffoldResult, root: string, ownerGiven: boolean): string {
  const { name } = result.names;
  const at = root === REPO_ROOT ? '' : `  (in ${root})\n`;
  const owner = ownerGiven ? '' : '\n     Fill in the owner and contact in schema/supergraph.yaml (--owner and --contact next time).';
  return `
${result.title} (${name}) is scaffolded, registered and composed.
${at}
Next steps:
  1. Edit subgraphs/${name}/schema.graphql: replace the example enrolment with what ${result.title}
     owns (entities.ts, migrations/, rules.ts, loaders.ts, resolvers.ts, seed.ts and
     test/${name}.test.ts follow it).${owner}
  2. npm run schema:check -- ${name} subgraphs/${name}/schema.graphql
  3. AGENCY=${name} npm run codegen && npm run compose
     then record the new version: npm run agency:register -- ${name} --url ${result.url} --schema subgraphs/${name}/schema.graphql --change "..."
  4. npm test
  5. npm start     (a token for the new agency: npm run -s token -- --agency ${name} --role officer --jurisdiction state:AP --purpose "Service delivery")
`;
}

function main(): void {
  const usage = 'Usage: npm run agency:new -- <name> [--title "Urban Health Department"] [--owner ...] [--contact ...] [--root <repo dir>]';
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        title: { type: 'string' },
        owner: { type: 'string' },
        contact: { type: 'string' },
        root: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(usage);
    return;
  }
  if (positionals.length !== 1) {
    console.error(`Give one agency name, e.g. urban-health.\n${usage}`);
    process.exit(2);
  }
  const root = path.resolve(values.root ?? REPO_ROOT);
  try {
    const result = scaffoldAgency({ name: positionals[0]!, title: values.title, owner: values.owner, contact: values.contact, root, log: (line) => console.log(line) });
    console.log(nextSteps(result, root, Boolean(values.owner && values.contact)));
  } catch (error) {
    if (!(error instanceof ScaffoldError)) throw error;
    console.error(`agency:new: ${error.message}\nNothing was changed.`);
    process.exit(1);
  }
}

if (require.main === module) main();
