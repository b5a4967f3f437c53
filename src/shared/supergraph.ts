import { readFileSync } from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { gql } from 'graphql-tag';
import YAML from 'yaml';
import { repoRoot } from './config.js';

export const SUPERGRAPH_CONFIG = path.join(repoRoot, 'schema', 'supergraph.yaml');
export const SUPERGRAPH_FILE = path.join(repoRoot, 'schema', 'supergraph.graphql');

export interface SubgraphEntry {
  name: string;
  url: string;
  schemaFile: string;
}

/** Reads the Rover-style supergraph config: each subgraph's routing URL and schema file. */
export function readSupergraphConfig(file = SUPERGRAPH_CONFIG): SubgraphEntry[] {
  const parsed = YAML.parse(readFileSync(file, 'utf8')) as {
    subgraphs: Record<string, { routing_url: string; schema: { file: string } }>;
  };
  return Object.entries(parsed.subgraphs ?? {}).map(([name, entry]) => ({
    name,
    url: entry.routing_url,
    schemaFile: path.resolve(path.dirname(file), entry.schema.file),
  }));
}

/** Composes the subgraphs into a supergraph SDL, or returns the composition errors. */
export function compose(subgraphs: SubgraphEntry[]): { supergraphSdl: string } | { errors: string[] } {
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
