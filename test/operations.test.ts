/** Every registered client operation is valid against the committed supergraph's public schema. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { parse, validate } from 'graphql';
import { SUPERGRAPH_FILE } from '../src/shared/supergraph';

const dir = path.resolve(__dirname, '..', 'schema', 'operations');
const api = Supergraph.build(readFileSync(SUPERGRAPH_FILE, 'utf8')).apiSchema().toGraphQLJSSchema();

test.each(readdirSync(dir).filter((file) => file.endsWith('.graphql')))('%s validates', (file) => {
  const errors = validate(api, parse(readFileSync(path.join(dir, file), 'utf8')));
  expect(errors.map((error) => error.message)).toEqual([]);
});
