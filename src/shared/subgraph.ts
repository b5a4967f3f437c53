import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { MigrationObject } from '@mikro-orm/core';
import type { EntityManager, EntitySchema } from '@mikro-orm/postgresql';
import { gql } from 'graphql-tag';
import type { DocumentNode } from 'graphql';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { AgencyName } from './config.js';
import { formatError } from './errors.js';
import { serveGraphQL, type RunningHttpServer } from './http-server.js';
import type { AgencyOrm } from './orm.js';
import type { DemoPopulation } from './demo/population.js';
import type { WorkerDirectory } from './worker-directory.js';

/** What a resolver of any agency receives: its own request-scoped ORM fork and loaders. */
export interface AgencyContext<Loaders> {
  em: EntityManager;
  loaders: Loaders;
  /** Confirms with Labour that workers exist, before a write that refers to them. */
  workers: WorkerDirectory;
}

/**
 * Everything one agency contributes to Worker Graph. Each `subgraphs/<agency>/index.ts` exports
 * one of these; the shared runner below turns it into a served, migrated, seeded subgraph.
 */
export interface AgencySubgraph<Loaders = unknown> {
  name: AgencyName;
  /** The agency as people name it, for logs and error messages. */
  title: string;
  typeDefs: DocumentNode;
  /** Typed per agency by graphql-codegen from its schema file. */
  resolvers: object;
  entities: EntitySchema<any, any>[];
  migrations: MigrationObject[];
  createLoaders(em: EntityManager): Loaders;
  /** Writes this agency's share of the demo population; called only on an empty database. */
  seed(em: EntityManager, population: DemoPopulation, progress?: (done: number) => void): Promise<void>;
  /** True when the agency's database already holds its demo data (or real data). */
  hasData(em: EntityManager): Promise<boolean>;
}

/** Reads an agency's schema file, the contract it owns, from beside its code. */
export function loadSchema(dir: string): DocumentNode {
  return gql(readFileSync(`${dir}/schema.graphql`, 'utf8'));
}

export async function serveSubgraph<Loaders>(
  agency: AgencySubgraph<Loaders>,
  database: AgencyOrm,
  listen: { port: number; host: string },
  workers: WorkerDirectory,
): Promise<RunningHttpServer> {
  const apollo = new ApolloServer<AgencyContext<Loaders>>({
    schema: buildSubgraphSchema([{ typeDefs: agency.typeDefs, resolvers: agency.resolvers as GraphQLResolverMap<unknown> }]),
    includeStacktraceInErrorResponses: false,
    formatError,
    // Per-field traces are for Apollo's hosted studio, which we do not use; they cost time per request.
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  return serveGraphQL({
    apollo,
    port: listen.port,
    host: listen.host,
    async context() {
      const em = database.orm.em.fork() as EntityManager;
      return { em, loaders: agency.createLoaders(em), workers };
    },
  });
}
