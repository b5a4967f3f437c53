/**
 * The access log as a subgraph of its own, so auditors read it through the graph like any
 * agency's data, behind the same seal and the same `@access` enforcement.
 */
import { AUDIT_MEMBER } from '../../src/shared/access/policy.js';
import { DatabaseReplayGuard } from '../../src/shared/access/replay.js';
import type { MemberSeals } from '../../src/shared/access/seal.js';
import type { RunningHttpServer } from '../../src/shared/http-server.js';
import { loadSchema, serveFederatedSubgraph } from '../../src/shared/subgraph.js';
import type { Context } from './context.js';
import type { AuditLog } from './log.js';
import { resolvers } from './resolvers.js';

export function serveAuditSubgraph(log: AuditLog, seals: MemberSeals, listen: { port: number; host: string }): Promise<RunningHttpServer> {
  return serveFederatedSubgraph<Context>({
    name: AUDIT_MEMBER,
    typeDefs: loadSchema(__dirname),
    resolvers,
    seals: { member: AUDIT_MEMBER, trust: seals.trust, replay: new DatabaseReplayGuard(() => log.fork()) },
    listen,
    ready: async () => ({ database: await log.reachable() }),
    context: (caller) => ({ caller, disclosed: new Set(), em: log.fork() }),
  });
}
