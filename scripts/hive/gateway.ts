/**
 * The benchmark's comparison engine: The Guild's Hive Gateway over the same subgraphs and the
 * same supergraph, doing the work our gateway does on a request's path, so that `npm run bench`
 * can compare engines and not features. Never served to users: `@apollo/gateway` is the
 * project's engine (issue 13 asks for a second one only if ours cannot keep up).
 *
 * Started by the bench as a child process, with the gateway's environment (KEYS_DIR, TRUST_FILE,
 * MEMBER_KEY_FILE: the gateway's own key, GATEWAY_DATABASE_URL, <MEMBER>_SUBGRAPH_URL, PORT) and
 * HIVE_PLANNER: `rust` (@graphql-hive/router-runtime) or `js` (Hive's JavaScript planner).
 *
 * Per request, as gateway/server.ts does: the caller's token and purpose (authenticate.ts), the
 * early field check (field-check.ts), a seal per agency fetch over the exact body sent, the
 * workers each agency disclosed, and the access-log entry, written before the answer leaves.
 * Left out, because the bench never meets them: the operation limits, rate limits, trusted
 * documents, and the access log's entry for refused requests.
 *
 * In-flight deduplication is off both ways. Hive merges identical subgraph requests in flight by
 * default, seal and caller headers aside; with one agency answer serving several callers, a
 * city's officer was given workers another caller's seal had asked for.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createGatewayRuntime, type GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { getOperationAST, type DocumentNode, type ExecutionResult } from 'graphql';
import { loadAccessKeys } from '../../src/shared/access/keys.js';
import { sealsFromFiles, trustFilePath, memberKeyFile } from '../../src/shared/access/members.js';
import { configuredPurposes } from '../../src/shared/access/purposes.js';
import { SEAL_HEADER, sealCall } from '../../src/shared/access/seal.js';
import type { Caller } from '../../src/shared/access/caller.js';
import { config, envName } from '../../src/shared/config.js';
import { readDisclosure } from '../../src/shared/disclosure.js';
import { announceReady, onShutdown } from '../../src/shared/lifecycle.js';
import { readSupergraphConfig, SUPERGRAPH_FILE } from '../../src/shared/supergraph.js';
import { AuditLog } from '../../subgraphs/audit/log.js';
import { callerOf, documentHash } from '../../gateway/audit-plugin.js';
import { auditWritingFromConfig } from '../../subgraphs/audit/setup.js';
import { authenticate, registeredAgencies } from '../../gateway/authenticate.js';
import type { GatewayContext } from '../../gateway/data-source.js';
import { checkFieldAccess, supergraphPolicies } from '../../gateway/field-check.js';

const env = process.env;

async function main() {
  const planner = env.HIVE_PLANNER === 'js' ? 'js' : 'rust';
  const supergraph = readFileSync(SUPERGRAPH_FILE, 'utf8');
  const policies = supergraphPolicies(supergraph);
  const agencies = registeredAgencies(supergraph);
  const keys = await loadAccessKeys(config.keysDir);
  const purposes = configuredPurposes();
  const seals = await sealsFromFiles({
    member: 'gateway',
    keyFile: env.MEMBER_KEY_FILE || memberKeyFile(config.keysDir, 'gateway'),
    trustFile: env.TRUST_FILE || trustFilePath(config.keysDir),
    reloadMs: config.trustReloadSeconds * 1000,
  });
  const audit = await AuditLog.open(env.GATEWAY_DATABASE_URL!, await auditWritingFromConfig());
  const subgraphs = readSupergraphConfig().map((entry) => ({ name: entry.name, url: env[`${envName(entry.name)}_SUBGRAPH_URL`] ?? entry.url }));
  const agencyAt = new Map(subgraphs.map(({ name, url }) => [url, name]));

  type Context = GatewayContext & { started: number; query?: string };
  const worker: GatewayPlugin<Context> = {
    async onContextBuilding({ context, extendContext }) {
      const caller: Caller = await authenticate(keys, purposes, Object.fromEntries(context.request.headers), () => agencies);
      extendContext({ caller, subgraphs: new Set<string>(), workerIds: new Set<string>(), started: performance.now(), query: context.params?.query });
    },
    onExecute({ args }) {
      const context = args.contextValue as Context;
      checkFieldAccess(args.document, args.schema, policies, context.caller);
      return {
        async onExecuteDone({ result }) {
          const single = result as ExecutionResult;
          const codes = [...new Set((single.errors ?? []).map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
          const operation = getOperationAST(args.document as DocumentNode, args.operationName);
          await audit.append({
            requestId: crypto.randomUUID(),
            at: new Date(),
            caller: callerOf(context),
            purpose: context.caller.purpose,
            operationType: operation?.operation ?? null,
            operationName: operation?.name?.value ?? null,
            documentHash: documentHash(context.query),
            workerIds: [...context.workerIds].sort(),
            subgraphs: [...context.subgraphs].sort(),
            outcome: codes.length ? (single.data ? 'partial' : 'error') : 'ok',
            errorCodes: codes,
            durationMs: Math.round(performance.now() - context.started),
          });
        },
      };
    },
    async onFetch({ url, options, setOptions, context }) {
      const agency = agencyAt.get(url);
      const caller = (context as Partial<Context>).caller;
      if (!agency || !caller || typeof options.body !== 'string') return;
      const seal = await sealCall(seals.signer(), { caller, audience: agency, body: options.body, kind: 'graphql' });
      setOptions({ ...options, headers: { ...(options.headers as Record<string, string>), [SEAL_HEADER]: seal } });
      (context as Context).subgraphs.add(agency);
    },
    onSubgraphExecute({ executionRequest }) {
      const context = executionRequest.context as Partial<Context> | undefined;
      return ({ result }) => {
        if (!context?.workerIds || Symbol.asyncIterator in Object(result)) return;
        for (const id of readDisclosure((result as ExecutionResult).extensions).workerIds) context.workerIds.add(id);
      };
    },
  };

  const runtime = createGatewayRuntime<Context>({
    supergraph,
    ...(planner === 'rust' ? { unifiedGraphHandler } : {}),
    transportEntries: Object.fromEntries(subgraphs.map(({ name, url }) => [name, { location: url, options: { deduplicateInflightRequests: false } }])),
    inboundInflightRequestDeduplication: false,
    plugins: () => [worker],
    graphiql: false,
    landingPage: false,
    logging: 'error',
  });
  const server = http.createServer(runtime);
  await new Promise<void>((resolve) => server.listen(config.port ?? 0, config.host, resolve));
  const { port } = server.address() as { port: number };
  const url = `http://${config.host}:${port}/graphql`;
  onShutdown(async () => {
    await new Promise((resolve) => server.close(resolve));
    await runtime.dispose();
    await audit.close();
    seals.close();
  });
  announceReady({ member: `hive-${planner}`, url, pid: process.pid });
  console.log(`Hive Gateway (${planner} planner) ready at ${url}`);
}

main().catch((error) => {
  console.error('Hive Gateway failed to start:', String(error instanceof Error ? error.message : error).split('\n')[0]);
  process.exit(1);
});
