import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError } from 'graphql';
import type { AccessKeys } from '../src/shared/access/keys.js';
import type { Purpose } from '../src/shared/access/purposes.js';
import { ErrorCode, formatError } from '../src/shared/errors.js';
import { serveGraphQL, type RunningHttpServer } from '../src/shared/http-server.js';
import { authenticate, supergraphPolicies } from './access.js';
import type { AuditLog } from './audit/log.js';
import { documentHash, guardPlugin } from './audit/plugin.js';
import { AgencyDataSource, type GatewayContext } from './data-source.js';
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
  keys: AccessKeys;
  purposes: Purpose[];
  audit: AuditLog;
}

export function readSupergraph(file: string): string {
  return readFileSync(file, 'utf8');
}

/** Starts the gateway: one authenticated, audited GraphQL endpoint over every agency's subgraph. */
export async function startGateway(options: GatewayOptions): Promise<RunningHttpServer> {
  const initialSdl = readSupergraph(options.supergraphFile);
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
    buildService: ({ name, url }) => new AgencyDataSource(name, options.subgraphUrls?.[name] ?? url!, options.timeoutsMs?.[name] ?? options.timeoutMs, options.keys),
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    includeStacktraceInErrorResponses: false,
    formatError,
    // Apollo's default landing page loads its explorer from a CDN; ours is served locally at /graphiql.
    plugins: [guardPlugin(options.audit, () => policies), ApolloServerPluginLandingPageDisabled()],
  });
  return serveGraphQL({
    apollo,
    port: options.port,
    host: options.host,
    routes: [webPagesRoute()],
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

/**
 * A request refused before it reached GraphQL (no valid token, no purpose) is logged too: who
 * tried, with which operation. If even that entry cannot be written, the refusal still stands.
 */
async function auditRefusal(audit: AuditLog, req: http.IncomingMessage, rawBody: string, error: unknown): Promise<void> {
  const code = (error as GraphQLError).extensions?.code;
  let body: { query?: unknown; operationName?: unknown } = {};
  try {
    body = JSON.parse(rawBody || '{}') as typeof body;
  } catch {
    // a malformed body is logged without an operation
  }
  await audit
    .append({
      requestId: randomUUID(),
      at: new Date(),
      caller: null,
      purpose: null,
      operationType: null,
      operationName: typeof body.operationName === 'string' ? body.operationName : null,
      documentHash: documentHash(typeof body.query === 'string' ? body.query : undefined),
      workerIds: [],
      subgraphs: [],
      outcome: code === ErrorCode.UNAUTHENTICATED ? 'unauthenticated' : 'denied',
      errorCodes: [String(code ?? ErrorCode.INTERNAL_SERVER_ERROR)],
      durationMs: 0,
    })
    .catch((auditError: unknown) => console.error('[audit] could not log a refused request', auditError, req.url));
}
