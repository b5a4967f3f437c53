import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { formatError } from '../src/shared/errors.js';
import { serveGraphQL, type RunningHttpServer } from '../src/shared/http-server.js';
import { AgencyDataSource } from './data-source.js';

export interface GatewayOptions {
  /** The composed supergraph SDL (schema/supergraph.graphql); never introspected at run time. */
  supergraphSdl: string;
  /** Where each agency's subgraph answers; overrides the routing URLs in the supergraph. */
  subgraphUrls?: Record<string, string>;
  timeoutMs: number;
  port: number;
  host: string;
}

export function readSupergraph(file: string): string {
  return readFileSync(file, 'utf8');
}

/** Starts the gateway: one GraphQL endpoint over every agency's subgraph. */
export async function startGateway(options: GatewayOptions): Promise<RunningHttpServer> {
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ name, url }) => new AgencyDataSource(name, options.subgraphUrls?.[name] ?? url!, options.timeoutMs),
  });
  const apollo = new ApolloServer({
    gateway,
    includeStacktraceInErrorResponses: false,
    formatError,
  });
  return serveGraphQL({ apollo, port: options.port, host: options.host, context: async () => ({}) });
}
