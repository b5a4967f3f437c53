/**
 * `npm run compose` recomposes schema/supergraph.graphql from the agencies' schema files.
 * `npm run compose -- --check` fails when the committed file is stale (CI runs it).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { compose, readSupergraphConfig, SUPERGRAPH_FILE } from '../src/shared/supergraph.js';

const check = process.argv.includes('--check');
const result = compose(readSupergraphConfig());
if ('errors' in result) {
  console.error(`Composition failed:\n${result.errors.map((e) => `  - ${e}`).join('\n')}`);
  process.exit(1);
}
const current = existsSync(SUPERGRAPH_FILE) ? readFileSync(SUPERGRAPH_FILE, 'utf8') : '';
if (check) {
  if (current !== result.supergraphSdl) {
    console.error('schema/supergraph.graphql is stale: run `npm run compose` and commit it.');
    process.exit(1);
  }
  console.log('schema/supergraph.graphql is up to date.');
} else {
  writeFileSync(SUPERGRAPH_FILE, result.supergraphSdl);
  console.log(`Wrote ${SUPERGRAPH_FILE}`);
}
