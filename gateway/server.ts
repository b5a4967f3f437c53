import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { Caller } from '../src/shared/access/caller.js';
import { verifyCallerToken, type AccessKeys } from '../src/shared/access/keys.js';
import type { Purpose } from '../src/shared/access/purposes.js';
import type { MemberKey } from '../src/shared/access/seal.js';
import { formatError } from '../src/shared/errors.js';
import { serveGraphQL, type RunningHttpServer } from '../src/shared/http-server.js';
import { Metrics } from '../src/shared/metrics.js';
import { contractPlugin } from '../src/shared/validation.js';
import type { AuditLog } from '../subgraphs/audit/log.js';
import { auditHttpRefusal, auditPlugin, auditRefusal, type Attribution } from './audit-plugin.js';
import { authenticate, PURPOSE_HEADER, registeredAgencies } from './authenticate.js';
import { AgencyDataSource, type GatewayContext } from './data-source.js';
import { fieldCheckPlugin, supergraphPolicies } from './field-check.js';
import { operationGuards, type OperationLimits, type TrustedDocuments } from './guards/index.js';
import { conflictCountPlugin, type RateLimiter } from './rate-limit.js';
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
  /** Rate limits per caller and agency (gateway/rate-limit.ts), counted in the access log's database. */
  rateLimiter?: RateLimiter;
  /** Operation limits (gateway/guards/limits.ts); default `config.limits`, from MAX_DEPTH, MAX_COST, ... */
  limits?: OperationLimits;
  /** Roles that may introspect; default INTROSPECTION_ROLES (officer, auditor). */
  introspectionRoles?: readonly string[];
  /** Roles that run registered operations only; default REGISTERED_OPERATIONS_ONLY_ROLES (analyst, service, crp). */
  registeredOnlyRoles?: readonly string[];
  /** The registered operations, by id; default client/generated/persisted-documents.json. */
  trustedDocuments?: TrustedDocuments;
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
  // Tokens must name an agency of the supergraph being served (the registry, as composed).
  let agencies = registeredAgencies(initialSdl);
  const gateway = new ApolloGateway({
    async supergraphSdl({ update }) {
      const watcher = watchSupergraph(options.supergraphFile, initialSdl, (sdl) => {
        const next = supergraphPolicies(sdl); // a policy that does not parse refuses the whole file
        update(sdl); // throws, keeping the old schema, when the gateway cannot load it
        policies = next;
        agencies = registeredAgencies(sdl);
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
  const guards = operationGuards(options);
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    includeStacktraceInErrorResponses: false,
    formatError,
    // Operation limits (gateway/guards/): the token limit while parsing, the rest as validation rules.
    parseOptions: guards.parseOptions,
    validationRules: guards.validationRules,
    // Who may introspect is decided per role by the guards, whatever NODE_ENV says.
    introspection: true,
    // Persisted documents are the registered ones only (guards), never a cache clients fill.
    persistedQueries: false,
    allowBatchedHttpRequests: false,
    // A browser sends Authorization or a purpose header cross-site only after a CORS preflight,
    // which the gateway never grants: requests carrying one are no forgery (and GET works).
    csrfPrevention: { requestHeaders: ['x-apollo-operation-name', 'apollo-require-preflight', 'authorization', PURPOSE_HEADER] },
    // In request order: the guards (trusted documents, introspection, registered operations only)
    // around the field check, then the access log. Apollo's default landing page loads its
    // explorer from a CDN; ours is served locally at /graphiql.
    plugins: [metrics.plugin(), guards.around(fieldCheckPlugin(() => policies)), contractPlugin<GatewayContext>('gateway'), auditPlugin(options.audit), ApolloServerPluginLandingPageDisabled()],
  });
  // Answers that carry CONFLICT count against their caller's conflict limit.
  if (options.rateLimiter?.limits.conflictsPerSubject) apollo.addPlugin(conflictCountPlugin(options.rateLimiter));
  /** Who sent a refused request, if its token verifies: for the access log only, never failing. */
  const identify = async (headers: http.IncomingHttpHeaders): Promise<Attribution | undefined> => {
    try {
      return await authenticate(options.keys, options.purposes, headers, () => agencies);
    } catch {
      const claims = await verifyCallerToken(options.keys, headers.authorization).catch(() => undefined);
      return claims && { agency: claims.agency, subject: claims.subject, role: claims.role, jurisdiction: claims.jurisdiction };
    }
  };
  return serveGraphQL({
    apollo,
    port: options.port,
    host: options.host,
    routes: [webPagesRoute()],
    metrics,
    ready: async () => ({ supergraph: true, accessLog: await options.audit.reachable() }),
    // Refused before GraphQL ran (http-server.ts): logged with the caller when the token verifies.
    onRefused: (refusal) => auditHttpRefusal(options.audit, refusal, identify),
    // Parse, validation and variable errors: 200 as application/json, 400 as application/graphql-response+json.
    graphQLOverHTTPStatus: true,
    async context(req, rawBody): Promise<GatewayContext> {
      let caller: Caller | undefined;
      try {
        caller = await authenticate(options.keys, options.purposes, req.headers, () => agencies);
        // After authentication, so that the caller is known: throws RATE_LIMITED (429).
        await options.rateLimiter?.admit(caller);
        return { caller, subgraphs: new Set(), workerIds: new Set() };
      } catch (error) {
        // A token or purpose refusal names no caller; a rate limit names the caller it counted.
        await auditRefusal(options.audit, req, rawBody, error, caller);
        throw error;
      }
    },
  });
}
