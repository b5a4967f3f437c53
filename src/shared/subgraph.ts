import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { MigrationObject } from '@mikro-orm/core';
import type { EntityManager, EntitySchema } from '@mikro-orm/postgresql';
import { gql } from 'graphql-tag';
import type { DocumentNode } from 'graphql';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { actorOf, type Caller } from './access/caller.js';
import { enforceAccess, type AccessContext } from './access/enforce.js';
import { INTERNAL_HEADER, verifyInternal, type AccessKeys } from './access/keys.js';
import type { AgencyName } from './config.js';
import { formatError } from './errors.js';
import { serveGraphQL, type ExtraRoute, type RunningHttpServer } from './http-server.js';
import type { AgencyOrm } from './orm.js';
import type { DemoPopulation } from './demo/population.js';
import type { Writer } from './history.js';
import { statisticsRoute, type AgencyStatistics } from './statistics.js';
import type { WorkerDirectory } from './worker-directory.js';

/** What a resolver of any agency receives: the caller, its own request-scoped ORM fork and loaders. */
export interface AgencyContext<Loaders> extends AccessContext {
  em: EntityManager;
  loaders: Loaders;
  /** Confirms with Labour that workers exist (for this caller), before a write that refers to them. */
  workers: WorkerDirectory;
  /** Who writes are recorded under (`agency:subject`) and why: provenance and change history. */
  writer: Writer;
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
  /** Loaders see only what the caller may: jurisdiction filters live in their queries. */
  createLoaders(em: EntityManager, caller: Caller): Loaders;
  /** Writes this agency's share of the demo population; called only on an empty database. */
  seed(em: EntityManager, population: DemoPopulation, progress?: (done: number) => void): Promise<void>;
  /** True when the agency's database already holds its demo data (or real data). */
  hasData(em: EntityManager): Promise<boolean>;
  /** The statistical questions the hub's reports may ask this agency (src/shared/statistics.ts). */
  statistics?: AgencyStatistics;
}

/** Reads an agency's schema file, the contract it owns, from beside its code. */
export function loadSchema(dir: string): DocumentNode {
  return gql(readFileSync(`${dir}/schema.graphql`, 'utf8'));
}

/**
 * Serves any Federation 2 subgraph of the hub (an agency's, or the gateway's audit log) behind
 * the gateway's seal: a request without a valid `x-worker-graph-caller` for this subgraph and
 * this body reads nothing. `@access` policies are enforced here, and the ids of the workers the
 * answer disclosed go back to the gateway in `extensions.workerGraph.workerIds` for its audit
 * (with `agencies`, the agencies a subgraph asked on the caller's behalf).
 */
export async function serveFederatedSubgraph<TContext extends AccessContext>(options: {
  name: string;
  typeDefs: DocumentNode;
  resolvers: object;
  keys: AccessKeys;
  listen: { port: number; host: string };
  context(caller: Caller): TContext;
  /** Answered before GraphQL, each behind its own checks (the statistics route checks the seal). */
  routes?: ExtraRoute[];
}): Promise<RunningHttpServer> {
  const schema = buildSubgraphSchema([{ typeDefs: options.typeDefs, resolvers: options.resolvers as GraphQLResolverMap<unknown> }]);
  const apollo = new ApolloServer<TContext>({
    schema: enforceAccess(schema, options.typeDefs),
    includeStacktraceInErrorResponses: false,
    formatError,
    // Per-field traces are for Apollo's hosted studio, which we do not use; they cost time per request.
    plugins: [ApolloServerPluginInlineTraceDisabled(), reportDisclosedWorkers<TContext>()],
  });
  return serveGraphQL({
    apollo,
    port: options.listen.port,
    host: options.listen.host,
    routes: options.routes,
    async context(req: http.IncomingMessage, rawBody: string) {
      const seal = req.headers[INTERNAL_HEADER];
      const caller = await verifyInternal(options.keys, Array.isArray(seal) ? seal[0] : seal, options.name, rawBody);
      return options.context(caller);
    },
  });
}

function reportDisclosedWorkers<TContext extends AccessContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          const consulted = [...(contextValue.consulted ?? [])];
          if (response.body.kind !== 'single' || (!contextValue.disclosed.size && !consulted.length)) return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, workerGraph: { workerIds: [...contextValue.disclosed], agencies: consulted } };
        },
      };
    },
  };
}

export async function serveSubgraph<Loaders>(
  agency: AgencySubgraph<Loaders>,
  database: AgencyOrm,
  listen: { port: number; host: string },
  keys: AccessKeys,
  workersFor: (caller: Caller) => WorkerDirectory,
): Promise<RunningHttpServer> {
  return serveFederatedSubgraph<AgencyContext<Loaders>>({
    name: agency.name,
    typeDefs: agency.typeDefs,
    resolvers: agency.resolvers,
    keys,
    listen,
    routes: agency.statistics
      ? [statisticsRoute({ agency: agency.name, statistics: agency.statistics, keys, em: () => database.orm.em.fork() as EntityManager })]
      : [],
    context(caller) {
      const em = database.orm.em.fork() as EntityManager;
      return {
        caller,
        writer: { actor: actorOf(caller), purpose: caller.purpose },
        disclosed: new Set(),
        em,
        loaders: agency.createLoaders(em, caller),
        workers: workersFor(caller),
      };
    },
  });
}
