/**
 * `npm run compose` recomposes schema/supergraph.graphql from the agencies' schema files, and
 * schema/public.graphql, the schema clients see (typed clients are generated from it).
 * `npm run compose -- --check` fails when either committed file is stale (CI runs it). Both stop
 * when the scheme catalogue (schema/schemes.yaml) has a rule that does not check against the
 * facts the agencies publish.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CatalogueError, loadCatalogue } from '../src/shared/schemes.js';
import { compose, composedFiles, readSupergraphConfig, SUPERGRAPH_CONFIG } from '../src/shared/supergraph.js';

const check = process.argv.includes('--check');
const registry = readSupergraphConfig();
const result = compose(registry);
if ('errors' in result) {
  console.error(`Composition failed:\n${result.errors.map((e) => `  - ${e}`).join('\n')}`);
  process.exit(1);
}
// The scheme catalogue's rules read the facts the composed agencies publish: check them together.
try {
  const schemes = loadCatalogue({ subgraphs: registry });
  console.log(`The scheme catalogue checks: ${schemes.length} schemes, every rule over published facts.`);
} catch (error) {
  console.error(`Composition failed: ${error instanceof CatalogueError ? error.message : String(error)}`);
  process.exit(1);
}
let stale = false;
for (const { file, text } of composedFiles(path.dirname(SUPERGRAPH_CONFIG), result.supergraphSdl)) {
  const name = path.relative(process.cwd(), file);
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (!check) {
    writeFileSync(file, text);
    console.log(`Wrote ${name}`);
  } else if (current !== text) {
    console.error(`${name} is stale: run \`npm run compose\` and commit it.`);
    stale = true;
  } else {
    console.log(`${name} is up to date.`);
  }
}
if (stale) process.exit(1);
