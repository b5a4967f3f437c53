/**
 * The whole hub in one process: databases (embedded unless DATABASE_URL is set), every agency's
 * subgraph, the access log, the reports and the gateway, each a member with its own key, its
 * own database roles and the same trust list as in separate processes. Tests and the benchmark's
 * single-process comparison start it here; `npm start` runs the members as separate processes
 * (processes.ts).
 */
import type { AccessKeys } from '../shared/access/keys.js';
import { configuredPurposes } from '../shared/access/purposes.js';
import type { MemberSeals } from '../shared/access/seal.js';
import { config, type AgencyName } from '../shared/config.js';
import { locateDatabases, recreateDatabase } from '../shared/database.js';
import { provisionMemberDatabase, type MemberDatabase } from '../shared/database-roles.js';
import type { RunningHttpServer } from '../shared/http-server.js';
import type { DemoSize } from '../shared/seeding.js';
import { hubAgencyNames, readSupergraphConfig, SUPERGRAPH_FILE } from '../shared/supergraph.js';
import { AUDIT_SUBGRAPH } from '../../gateway/audit/index.js';
import type { AuditLog } from '../../gateway/audit/log.js';
import { REPORTS_SUBGRAPH } from '../../gateway/reports/index.js';
import { inMemorySeals } from './member-keys.js';
import { GATEWAY, memberNames, registryPort, startAgency, startAudit, startGatewayMember, startReports, type RunningAgency, type RunningMember } from './members.js';

export interface StackOptions {
  /** 0 picks free ports (tests); otherwise the registry's ports. */
  gatewayPort?: number;
  subgraphPorts?: (agency: AgencyName) => number;
  host?: string;
  /** Where the embedded server keeps its data and listens, when no DATABASE_URL is set. */
  embedded?: { dataDir: string; port: number };
  /** A server for every member's database (`<name>_<member>`), overriding the environment (tests). */
  databaseUrl?: string;
  /** Drop and recreate every member database first (tests). */
  fresh?: boolean;
  /** Demo data to load into empty databases; `false` loads none. */
  demo?: DemoSize | false;
  /** Verifies callers' bearer tokens. */
  keys: AccessKeys;
  auditPort?: number;
  reportsPort?: number;
  /** The supergraph the gateway serves and watches for changes (default SUPERGRAPH_FILE). */
  supergraphFile?: string;
  log?: (line: string) => void;
}

export interface RunningStack {
  gatewayUrl: string;
  subgraphs: Map<AgencyName, RunningAgency>;
  gateway: RunningHttpServer;
  audit: { log: AuditLog; server: RunningHttpServer };
  reports: RunningHttpServer;
  keys: AccessKeys;
  /** Each member's key and trust list: tests seal calls as a member would. */
  seals: Map<string, MemberSeals>;
  /** Each database's roles, by owning member (the agencies, `gateway`): tests read and tamper as the owner. */
  databases: Map<string, MemberDatabase>;
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<RunningStack> {
  const log = options.log ?? (() => {});
  const host = options.host ?? config.host;
  const databases = await locateDatabases({ embedded: options.embedded, databaseUrl: options.databaseUrl });
  const seals = await inMemorySeals(memberNames());
  const sealsOf = (member: string) => seals.get(member)!;
  const subgraphs: RunningStack['subgraphs'] = new Map();
  const memberDatabases = new Map<string, MemberDatabase>();
  const started: RunningMember[] = [];
  const stop = async () => {
    for (const member of started.reverse()) await member.stop();
    await databases.close();
  };
  // Each member's database with its two roles: migrations as the owner, the service as the runtime role.
  const databaseOf = async (member: string) => {
    const adminUrl = databases.urlFor(member);
    if (options.fresh) await recreateDatabase(adminUrl);
    const database = await provisionMemberDatabase(adminUrl);
    memberDatabases.set(member, database);
    return database;
  };
  const labourUrl = () => subgraphs.get('labour')?.server.url ?? config.labourSubgraphUrl;

  try {
    await Promise.all(
      hubAgencyNames().map(async (name) => {
        const agency = await startAgency({
          name,
          database: await databaseOf(name),
          seals: sealsOf(name),
          listen: { port: options.subgraphPorts ? options.subgraphPorts(name) : registryPort(name), host },
          labourUrl,
          demo: options.demo === false ? false : (options.demo ?? config.demo),
          log,
        });
        started.push(agency);
        subgraphs.set(name, agency);
        log(`  ${agency.agency.title.padEnd(22)} ${agency.server.url}`);
      }),
    );
    const gatewayDatabase = await databaseOf(GATEWAY);
    const audit = await startAudit({ database: gatewayDatabase, seals: sealsOf(AUDIT_SUBGRAPH), listen: { port: options.auditPort ?? registryPort(AUDIT_SUBGRAPH), host } });
    started.push(audit);
    // Reports ask each agency where it ended up listening, or at its registered URL.
    const registered = new Map(readSupergraphConfig().map((entry) => [entry.name, entry.url]));
    const agencyUrl = (name: string) => subgraphs.get(name)?.server.url ?? registered.get(name) ?? name;
    const reports = await startReports({ seals: sealsOf(REPORTS_SUBGRAPH), listen: { port: options.reportsPort ?? registryPort(REPORTS_SUBGRAPH), host }, agencyUrl });
    started.push(reports);
    const gateway = await startGatewayMember({
      database: gatewayDatabase,
      seals: sealsOf(GATEWAY),
      listen: { port: options.gatewayPort ?? config.gatewayPort, host },
      keys: options.keys,
      purposes: configuredPurposes(),
      supergraphFile: options.supergraphFile ?? SUPERGRAPH_FILE,
      subgraphUrls: {
        ...Object.fromEntries([...subgraphs].map(([name, { server }]) => [name, server.url])),
        [AUDIT_SUBGRAPH]: audit.server.url,
        [REPORTS_SUBGRAPH]: reports.server.url,
      },
      timeoutMs: config.subgraphTimeoutMs,
      timeoutsMs: { [REPORTS_SUBGRAPH]: config.reportTimeoutMs },
    });
    started.push(gateway);
    return {
      gatewayUrl: gateway.server.url,
      subgraphs,
      gateway: gateway.server,
      audit: { log: audit.log, server: audit.server },
      reports: reports.server,
      keys: options.keys,
      seals,
      databases: memberDatabases,
      stop,
    };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}
