/**
 * `npm run compose` recomposes schema/supergraph.graphql from the agencies' schema files, and
 * schema/public.graphql, the schema clients see (typed clients are generated from it).
 * `npm run compose -- --check` fails when either committed file is stale (CI runs it).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compose, composedFiles, readSupergraphConfig, SUPERGRAPH_CONFIG } from '../src/shared/supergraph.js';

const check = process.argv.includes('--check');
const result = compose(readSupergraphConfig());
if ('errors' in result) {
  console.error(`Composition failed:\n${result.errors.map((e) => `  - ${e}`).join('\n')}`);
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
