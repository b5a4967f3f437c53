import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { AccessKeys } from '../src/shared/access/keys.js';
import type { Purpose } from '../src/shared/access/purposes.js';
import type { MemberKey } from '../src/shared/access/seal.js';
import { formatError } from '../src/shared/errors.js';
import { serveGraphQL, type RunningHttpServer } from '../src/shared/http-server.js';
import { Metrics } from '../src/shared/metrics.js';
import type { AuditLog } from './audit/log.js';
import { auditPlugin, auditRefusal } from './audit/plugin.js';
import { authenticate } from './authenticate.js';
import { AgencyDataSource, type GatewayContext } from './data-source.js';
import { fieldCheckPlugin, supergraphPolicies } from './field-check.js';
import { watchSupergraph } from './supergraph-watch.js';
import { webPagesRoute } from './web/serve.js';

export interface GatewayOptions {
  /**
   * The composed supergraph (schema/supergraph.graphql), watched and reloaded when it changes;
   * the gateway never introspects subgraphs at run time.
   */
  supergraphFile: string;
  /** Where each subgraph answers; overrides the routing URLs in the supergraph. */
  subgraphUrls?: Record<string, string>;
  timeoutMs: number;
  /** Subgraphs given longer than `timeoutMs` (the reports, which wait on every agency in turn). */
  timeoutsMs?: Record<string, number>;
  port: number;
  host: string;
  /** Verifies callers' bearer tokens. */
  keys: AccessKeys;
  /** The gateway's own key, which seals every call to an agency. */
  signer: () => MemberKey;
  purposes: Purpose[];
  audit: AuditLog;
}

export function readSupergraph(file: string): string {
  return readFileSync(file, 'utf8');
}

/**
 * Starts the gateway: one authenticated, audited GraphQL endpoint over every agency's subgraph.
 * A request runs one way: authenticate and purpose (context), early field check, plan, sealed
 * fetches (data-source.ts), access-log entry (audit/plugin.ts).
 */
export async function startGateway(options: GatewayOptions): Promise<RunningHttpServer> {
  const initialSdl = readSupergraph(options.supergraphFile);
  const metrics = new Metrics('gateway');
  let policies = supergraphPolicies(initialSdl);
  const gateway = new ApolloGateway({
    async supergraphSdl({ update }) {
      const watcher = watchSupergraph(options.supergraphFile, initialSdl, (sdl) => {
        const next = supergraphPolicies(sdl); // a policy that does not parse refuses the whole file
        update(sdl); // throws, keeping the old schema, when the gateway cannot load it
        policies = next;
      });
      return { supergraphSdl: initialSdl, cleanup: async () => watcher.stop() };
    },
    buildService: ({ name, url }) =>
      new AgencyDataSource(name, options.subgraphUrls?.[name] ?? url!, {
        timeoutMs: options.timeoutsMs?.[name] ?? options.timeoutMs,
        signer: options.signer,
        metrics,
      }),
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    includeStacktraceInErrorResponses: false,
    formatError,
    // In request order: the field check, then the access log. Apollo's default landing page loads
    // its explorer from a CDN; ours is served locally at /graphiql.
    plugins: [metrics.plugin(), fieldCheckPlugin(() => policies), auditPlugin(options.audit), ApolloServerPluginLandingPageDisabled()],
  });
  return serveGraphQL({
    apollo,
    port: options.port,
    host: options.host,
    routes: [webPagesRoute()],
    metrics,
    ready: async () => ({ supergraph: true, accessLog: await options.audit.reachable() }),
    async context(req, rawBody): Promise<GatewayContext> {
      try {
        const caller = await authenticate(options.keys, options.purposes, req.headers);
        return { caller, subgraphs: new Set(), workerIds: new Set() };
      } catch (error) {
        await auditRefusal(options.audit, req, rawBody, error);
        throw error;
      }
    },
  });
}
