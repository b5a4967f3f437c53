/**
 * The registry of subgraphs (schema/supergraph.yaml) and their composition into the supergraph.
 * The registry is the one place that says which agencies exist: `npm start` runs the `hub` ones
 * from this repository, codegen types them, and the gateway routes to every entry.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { gql } from 'graphql-tag';
import YAML from 'yaml';
import { repoRoot } from './config.js';

export const SUPERGRAPH_CONFIG = path.join(repoRoot, 'schema', 'supergraph.yaml');
/** The composed supergraph the gateway serves; SUPERGRAPH_FILE points a hub at another copy. */
export const SUPERGRAPH_FILE = process.env.SUPERGRAPH_FILE
  ? path.resolve(process.env.SUPERGRAPH_FILE)
  : path.join(repoRoot, 'schema', 'supergraph.graphql');

export type ServedBy = 'hub' | 'gateway' | 'external';

export interface SchemaVersion {
  date: string;
  sha256: string;
  change: string;
}

export interface SubgraphEntry {
  name: string;
  url: string;
  schemaFile: string;
  servedBy: ServedBy;
  title: string;
  owner?: string;
  contact?: string;
  history: SchemaVersion[];
}

interface RegistryFile {
  federation_version?: string;
  subgraphs: Record<
    string,
    {
      routing_url: string;
      schema: { file: string };
      served_by?: ServedBy;
      title?: string;
      owner?: string;
      contact?: string;
      history?: SchemaVersion[];
    }
  >;
}

/** Reads the registry: each subgraph's routing URL, schema file, owner and schema history. */
export function readSupergraphConfig(file = SUPERGRAPH_CONFIG): SubgraphEntry[] {
  const parsed = YAML.parse(readFileSync(file, 'utf8')) as RegistryFile;
  return Object.entries(parsed.subgraphs ?? {}).map(([name, entry]) => ({
    name,
    url: entry.routing_url,
    schemaFile: path.resolve(path.dirname(file), entry.schema.file),
    servedBy: entry.served_by ?? 'external',
    title: entry.title ?? name,
    owner: entry.owner,
    contact: entry.contact,
    history: entry.history ?? [],
  }));
}

/** The agencies whose code lives in `subgraphs/<name>/` and which `npm start` runs, in registry order. */
export function hubAgencyNames(file = SUPERGRAPH_CONFIG): string[] {
  return readSupergraphConfig(file)
    .filter((entry) => entry.servedBy === 'hub')
    .map((entry) => entry.name);
}

export function schemaSha256(schemaFile: string): string {
  return createHash('sha256').update(readFileSync(schemaFile)).digest('hex');
}

/**
 * Adds or updates one registry entry, appending a schema version when the schema file changed.
 * The YAML document is edited in place, so its comments and layout stay as people wrote them.
 */
export function registerSubgraph(
  entry: { name: string; url: string; schemaFile: string; servedBy: ServedBy; title?: string; owner?: string; contact?: string; change: string },
  file = SUPERGRAPH_CONFIG,
): SchemaVersion | undefined {
  const document = YAML.parseDocument(readFileSync(file, 'utf8'));
  const at = (key: string) => ['subgraphs', entry.name, key];
  const existing = readSupergraphConfig(file).find((e) => e.name === entry.name);
  document.setIn(at('routing_url'), entry.url);
  document.setIn([...at('schema'), 'file'], path.relative(path.dirname(file), entry.schemaFile));
  document.setIn(at('served_by'), entry.servedBy);
  for (const key of ['title', 'owner', 'contact'] as const) if (entry[key]) document.setIn(at(key), entry[key]);
  const sha256 = schemaSha256(entry.schemaFile);
  let version: SchemaVersion | undefined;
  if (existing?.history.at(-1)?.sha256 !== sha256) {
    version = { date: new Date().toISOString().slice(0, 10), sha256, change: entry.change };
    const history = existing?.history ?? [];
    document.setIn(at('history'), [...history, version]);
  }
  writeFileSync(file, document.toString());
  return version;
}

/** Composes the subgraphs into a supergraph SDL, or returns the composition errors. */
export function compose(subgraphs: Pick<SubgraphEntry, 'name' | 'url' | 'schemaFile'>[]): { supergraphSdl: string } | { errors: string[] } {
  const result = composeServices(
    subgraphs.map((subgraph) => ({
      name: subgraph.name,
      url: subgraph.url,
      typeDefs: gql(readFileSync(subgraph.schemaFile, 'utf8')),
    })),
  );
  if (result.errors) return { errors: result.errors.map((error) => error.message) };
  return { supergraphSdl: result.supergraphSdl };
}
