import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { MigrationObject } from '@mikro-orm/core';
import type { EntityManager, EntitySchema } from '@mikro-orm/postgresql';
import { gql } from 'graphql-tag';
import type { DocumentNode } from 'graphql';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { actorOf, type Caller } from './access/caller.js';
import { enforceAccess, type AccessContext } from './access/enforce.js';
import { DatabaseReplayGuard, sealUseMigration } from './access/replay.js';
import { openSeal, SEAL_HEADER, type CallKind, type MemberSeals, type SealReceiver } from './access/seal.js';
import type { AgencyName } from './config.js';
import { disclosurePlugin } from './disclosure.js';
import { forbidden, formatError } from './errors.js';
import { serveGraphQL, type ExtraRoute, type RunningHttpServer } from './http-server.js';
import { idempotencyKeyMigration, idempotentMutations } from './idempotency.js';
import { databaseReachable, type AgencyOrm } from './orm.js';
import { Metrics } from './metrics.js';
import type { DemoPopulation } from './demo/population.js';
import type { Writer } from './history.js';
import { statisticsRoute, type AgencyStatistics } from './statistics.js';
import { changeNoticeMigration, StatisticsCache } from './statistics-cache.js';
import { checkFactQueries, declaredFacts } from './facts.js';
import { contractPlugin } from './validation.js';
import { IDENTITY_AGENCY, isWorkerLookup, type WorkerDirectory } from './worker-directory.js';

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
 * Serves any Federation 2 subgraph of the hub (an agency's, the access log's, the reports') behind
 * the seal: a request without a valid seal from a member this subgraph trusts for the call, for
 * this subgraph and this body, used once, reads nothing. `@access` policies are enforced here,
 * and the answer discloses to the gateway whose records it carried (disclosure.ts).
 */
export async function serveFederatedSubgraph<TContext extends AccessContext>(options: {
  name: string;
  typeDefs: DocumentNode;
  resolvers: object;
  seals: SealReceiver;
  /** The kinds of sealed call answered at /graphql: `graphql` (the gateway), and for Labour `worker-lookup`. */
  accepts?: CallKind[];
  listen: { port: number; host: string };
  context(caller: Caller): TContext;
  /** Answered before GraphQL, each behind its own checks (the statistics route checks the seal). */
  routes?: ExtraRoute[];
  /** What /ready checks besides the schema being loaded (a database, say). */
  ready?: () => Promise<Record<string, boolean>>;
}): Promise<RunningHttpServer> {
  const metrics = new Metrics(options.name);
  const schema = buildSubgraphSchema([{ typeDefs: options.typeDefs, resolvers: options.resolvers as GraphQLResolverMap<unknown> }]);
  const apollo = new ApolloServer<TContext>({
    schema: enforceAccess(schema, options.typeDefs, { member: options.name }),
    includeStacktraceInErrorResponses: false,
    formatError,
    // Per-field traces are for Apollo's hosted studio, which we do not use; they cost time per request.
    // contractPlugin: input hygiene before any resolver, and the status the gateway expects (validation.ts).
    plugins: [ApolloServerPluginInlineTraceDisabled(), metrics.plugin(), disclosurePlugin<TContext>(), contractPlugin<TContext>('subgraph')],
  });
  const accepts = options.accepts ?? ['graphql'];
  return serveGraphQL({
    apollo,
    port: options.listen.port,
    host: options.listen.host,
    routes: options.routes,
    metrics,
    ready: async () => ({ schema: true, ...(await options.ready?.()) }),
    async context(req: http.IncomingMessage, rawBody: string) {
      const seal = await openSeal(options.seals, req.headers[SEAL_HEADER], rawBody, accepts);
      // An agency's seal admits one question only: does Labour know these workers?
      if (seal.kind === 'worker-lookup' && !isWorkerLookup(rawBody)) {
        throw forbidden(`${seal.signer} may ask ${options.name} only whether workers exist.`);
      }
      return options.context(seal.caller);
    },
  });
}

/** The receiving side of a member's seals, with seal ids spent in the member's own database. */
export function sealReceiver(seals: MemberSeals, database: AgencyOrm): SealReceiver {
  return { member: seals.member, trust: seals.trust, replay: new DatabaseReplayGuard(() => database.orm.em.fork() as EntityManager) };
}

/** An agency's migrations as its database gets them: its own, then those every member database gets. */
export function agencyMigrations(agency: Pick<AgencySubgraph<unknown>, 'migrations'>): MigrationObject[] {
  return [...agency.migrations, sealUseMigration, idempotencyKeyMigration, changeNoticeMigration];
}

export async function serveSubgraph<Loaders>(
  agency: AgencySubgraph<Loaders>,
  database: AgencyOrm,
  listen: { port: number; host: string },
  seals: MemberSeals,
  workersFor: (caller: Caller) => WorkerDirectory,
): Promise<RunningHttpServer> {
  const receiver = sealReceiver(seals, database);
  const facts = declaredFacts(agency.name, agency.typeDefs);
  checkFactQueries(agency.name, facts, agency.statistics?.facts);
  // Every mutation takes an idempotencyKey (idempotency.ts): a keyed write runs, loaders and all,
  // in the transaction that records its key.
  const resolvers = idempotentMutations<object, AgencyContext<Loaders>>(agency.resolvers, {
    within: (context, tx) => ({ ...context, em: tx, loaders: agency.createLoaders(tx, context.caller) }),
  });
  // Report answers kept until the agency's records change (statistics-cache.ts).
  const cache = agency.statistics
    ? await StatisticsCache.open(agency.name, database.orm.config.get('clientUrl')!, database.orm.em.fork().getConnection())
    : undefined;
  let server: RunningHttpServer;
  try {
    server = await serveFederatedSubgraph<AgencyContext<Loaders>>({
      name: agency.name,
      typeDefs: agency.typeDefs,
      resolvers,
      seals: receiver,
      accepts: agency.name === IDENTITY_AGENCY ? ['graphql', 'worker-lookup'] : ['graphql'],
      listen,
      routes: agency.statistics
        ? [statisticsRoute({ agency: agency.name, statistics: agency.statistics, seals: receiver, em: () => database.orm.em.fork() as EntityManager, facts, cache })]
        : [],
      ready: async () => ({ database: await databaseReachable(database.orm) }),
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
  } catch (error) {
    await cache?.close();
    throw error;
  }
  return {
    ...server,
    async stop() {
      await server.stop();
      await cache?.close();
    },
  };
}
