/**
 * The registry (schema/supergraph.yaml) is the one list of subgraphs: it must describe what is
 * really in the repository, and its schema history must reach the current contracts.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readSupergraphConfig, schemaSha256 } from '../src/shared/supergraph';
import { hubAgencies } from '../subgraphs';

const entries = readSupergraphConfig();

test.each(entries.map((entry) => [entry.name, entry] as const))('%s: owner, contact, and a history ending at the current schema file', (_, entry) => {
  expect(entry.title).toBeTruthy();
  expect(entry.owner).toBeTruthy();
  expect(entry.contact).toBeTruthy();
  expect(existsSync(entry.schemaFile)).toBe(true);
  const last = entry.history.at(-1);
  // A changed schema file without a new history entry: register the version (agency:register).
  expect({ name: entry.name, sha256: last?.sha256 }).toEqual({ name: entry.name, sha256: schemaSha256(entry.schemaFile) });
  for (const version of entry.history) expect(version).toEqual({ date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), sha256: expect.stringMatching(/^[0-9a-f]{64}$/), change: expect.any(String) });
});

test('every hub agency has its folder and is what npm start runs; routing ports are distinct', () => {
  const hub = entries.filter((entry) => entry.servedBy === 'hub');
  expect(hubAgencies().map((agency) => agency.name)).toEqual(hub.map((entry) => entry.name));
  for (const entry of hub) expect(path.dirname(entry.schemaFile)).toBe(path.resolve(__dirname, '..', 'subgraphs', entry.name));
  const ports = entries.map((entry) => new URL(entry.url).port);
  expect(new Set(ports).size).toBe(ports.length);
});
