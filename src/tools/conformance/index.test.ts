/** The registry entry a routing URL names (the kit's default for --name). */
import type { SubgraphEntry } from '../../shared/supergraph';
import { registryEntryFor } from './index';

const entry = (name: string, url: string): SubgraphEntry => ({ name, url, schemaFile: `${name}.graphql`, servedBy: 'hub', title: name, history: [] });
const entries = [entry('labour', 'http://localhost:4001/graphql'), entry('remote', 'https://api.example.in/graphql/'), entry('odd', 'not a url')];

test('localhost, 127.0.0.1 and [::1] are one host; default ports and a trailing slash do not matter', () => {
  expect(registryEntryFor('http://127.0.0.1:4001/graphql', entries)?.name).toBe('labour');
  expect(registryEntryFor('http://[::1]:4001/graphql/', entries)?.name).toBe('labour');
  expect(registryEntryFor('https://api.example.in:443/graphql', entries)?.name).toBe('remote');
});

test('another port, path or scheme is another subgraph; an unparsable URL matches only itself', () => {
  expect(registryEntryFor('http://localhost:4002/graphql', entries)).toBeUndefined();
  expect(registryEntryFor('http://localhost:4001/other', entries)).toBeUndefined();
  expect(registryEntryFor('http://api.example.in/graphql', entries)).toBeUndefined();
  expect(registryEntryFor('not a url', entries)?.name).toBe('odd');
});
