/**
 * `npm run agency:register -- <name> --url <subgraph url> --schema <file> --change "what changed"
 *   [--title ...] [--owner ...] [--contact ...] [--registry schema/supergraph.yaml]`
 *
 * Registers an agency's subgraph, or a new version of its schema, in the registry and recomposes
 * the supergraph, which a running gateway then serves without a restart. For an agency that runs
 * elsewhere (any language) the schema file is copied into `schema/agencies/<name>.graphql`, the
 * registered contract. Nothing is written unless the schema check passes.
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { compose, composedFiles, readSupergraphConfig, registerSubgraph, SUPERGRAPH_CONFIG, type ServedBy } from '../src/shared/supergraph.js';
import { checkSchema, printReport } from '../src/tools/schema-check.js';

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string' },
    schema: { type: 'string' },
    change: { type: 'string' },
    title: { type: 'string' },
    owner: { type: 'string' },
    contact: { type: 'string' },
    registry: { type: 'string', default: SUPERGRAPH_CONFIG },
  },
});
const [name] = positionals;
if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) fail('Give the agency name: lower-case letters, digits and hyphens, e.g. `urban-health`.');
if (!values.url || !/^https?:\/\//.test(values.url)) fail('--url must be the subgraph\'s GraphQL endpoint, e.g. https://skills.example.gov.in/graphql');
if (!values.schema || !existsSync(values.schema)) fail('--schema must name the subgraph\'s schema file.');
if (!values.change) fail('--change must say what this version changes (it goes into the schema history).');

const registry = path.resolve(values.registry);
const current = readSupergraphConfig(registry).find((entry) => entry.name === name);
if (current && current.servedBy !== 'external' && path.resolve(values.schema) !== current.schemaFile) {
  fail(`${name} is served from this repository (served_by: ${current.servedBy}): edit ${current.schemaFile} instead.`);
}

async function register(): Promise<void> {
  // Checked above: each was given.
  const given = values as Required<typeof values>;
  // The same check a developer runs by hand, against the registry being changed.
  const report = await checkSchema(name, given.schema, { registry });
  printReport(report);
  if (!report.ok) fail(`Not registered: fix the findings above and run again.`, 1);

  const servedBy: ServedBy = current?.servedBy ?? 'external';
  let schemaFile = path.resolve(given.schema);
  if (servedBy === 'external') {
    schemaFile = path.join(path.dirname(registry), 'agencies', `${name}.graphql`);
    mkdirSync(path.dirname(schemaFile), { recursive: true });
    if (path.resolve(given.schema) !== schemaFile) copyFileSync(given.schema, schemaFile);
  }
  const version = registerSubgraph(
    { name, url: given.url, schemaFile, servedBy, title: given.title, owner: given.owner, contact: given.contact, change: given.change },
    registry,
  );
  const composed = compose(readSupergraphConfig(registry));
  if ('errors' in composed) fail(`Composition failed after registering (the registry is changed, the supergraph is not):\n${composed.errors.join('\n')}`, 1);
  const outputs = composedFiles(path.dirname(registry), composed.supergraphSdl);
  for (const { file, text } of outputs) writeFileSync(file, text);
  const supergraphFile = outputs[0].file;
  console.log(`Registered ${name} (${servedBy}) at ${given.url}${version ? `, schema version ${version.sha256.slice(0, 12)} of ${version.date}` : ', schema unchanged'}.`);
  console.log(`Wrote ${supergraphFile}: a running gateway serves it within a second.`);
}

void register();
