/**
 * The whole hub on one machine: databases (embedded unless DATABASE_URL is set), every agency's
 * subgraph, and the gateway in front. `npm start`, the benchmarks and the tests all start it here.
 */
import { config, type AgencyName } from './shared/config.js';
import { locateDatabases, recreateDatabase } from './shared/database.js';
import { seedAgency, type DemoSize } from './shared/seeding.js';
import { openAgencyOrm, type AgencyOrm } from './shared/orm.js';
import type { RunningHttpServer } from './shared/http-server.js';
import { serveSubgraph, type AgencySubgraph } from './shared/subgraph.js';
import { readSupergraphConfig, SUPERGRAPH_FILE } from './shared/supergraph.js';
import { labourWorkerDirectory } from './shared/worker-directory.js';
import { loadAccessKeys, type AccessKeys } from './shared/access/keys.js';
import { configuredPurposes } from './shared/access/purposes.js';
import { startGateway } from '../gateway/server.js';
import { AuditLog } from '../gateway/audit/log.js';
import { AUDIT_SUBGRAPH, serveAuditSubgraph } from '../gateway/audit/index.js';
import { REPORTS_SUBGRAPH, serveReportsSubgraph } from '../gateway/reports/index.js';
import { agencies } from '../subgraphs/index.js';
import type { EntityManager } from '@mikro-orm/postgresql';

export interface StackOptions {
  /** 0 picks free ports (tests); otherwise 4000 and 4001–4005 unless configured. */
  gatewayPort?: number;
  subgraphPorts?: (agency: AgencyName) => number;
  host?: string;
  /** Where the embedded server keeps its data and listens, when no DATABASE_URL is set. */
  embedded?: { dataDir: string; port: number };
  /** A server for every agency's database (`<name>_<agency>`), overriding the environment (tests). */
  databaseUrl?: string;
  /** Drop and recreate every agency database first (tests). */
  fresh?: boolean;
  /** Demo data to load into empty databases; `false` loads none. */
  demo?: DemoSize | false;
  /** Keys to trust and sign with; by default the configured ones or the development keys in KEYS_DIR. */
  keys?: AccessKeys;
  auditPort?: number;
  reportsPort?: number;
  /** The supergraph the gateway serves and watches for changes (default SUPERGRAPH_FILE). */
  supergraphFile?: string;
  log?: (line: string) => void;
}

export interface RunningStack {
  gatewayUrl: string;
  subgraphs: Map<AgencyName, { agency: AgencySubgraph<any>; database: AgencyOrm; server: RunningHttpServer }>;
  gateway: RunningHttpServer;
  audit: { log: AuditLog; server: RunningHttpServer };
  reports: RunningHttpServer;
  keys: AccessKeys;
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<RunningStack> {
  const log = options.log ?? (() => {});
  const host = options.host ?? config.host;
  const databases = await locateDatabases({ embedded: options.embedded, databaseUrl: options.databaseUrl });
  const keys = options.keys ?? (await loadAccessKeys(config.keysDir));
  const subgraphs: RunningStack['subgraphs'] = new Map();
  let gateway: RunningHttpServer | undefined;
  let audit: RunningStack['audit'] | undefined;
  let reports: RunningHttpServer | undefined;

  const stop = async () => {
    await gateway?.stop();
    await reports?.stop();
    await audit?.server.stop();
    await audit?.log.close();
    for (const { server, database } of subgraphs.values()) {
      await server.stop();
      await database.orm.close();
    }
    await databases.close();
  };

  // Agencies confirm workers with Labour's subgraph wherever it ended up listening, as the caller.
  const labourUrl = () => subgraphs.get('labour')?.server.url ?? config.labourSubgraphUrl;

  try {
    // Each agency is prepared on its own: its own database, migrations and demo data.
    await Promise.all(
      agencies.map(async (agency) => {
        const url = databases.urlFor(agency.name);
        if (options.fresh) await recreateDatabase(url);
        const database = await openAgencyOrm({ url, entities: agency.entities, migrations: agency.migrations });
        if (options.demo !== false) await seedIfEmpty(agency, database.orm.em.fork() as EntityManager, options.demo ?? config.demo, log);
        const port = options.subgraphPorts ? options.subgraphPorts(agency.name) : listenPort(agency.name);
        const server = await serveSubgraph(agency, database, { port, host }, keys, (caller) =>
          labourWorkerDirectory({ labourUrl, keys, asker: agency.name, caller }),
        );
        subgraphs.set(agency.name, { agency, database, server });
        log(`  ${agency.title.padEnd(22)} ${server.url}`);
      }),
    );
    if (options.fresh) await recreateDatabase(databases.urlFor('gateway'));
    const auditLog = await AuditLog.open(databases.urlFor('gateway'));
    audit = { log: auditLog, server: await serveAuditSubgraph(auditLog, keys, { port: options.auditPort ?? listenPort(AUDIT_SUBGRAPH), host }) };
    // Reports ask each agency where it ended up listening, or at its registered URL.
    const registered = new Map(readSupergraphConfig().map((entry) => [entry.name, entry.url]));
    const agencyUrl = (name: string) => subgraphs.get(name)?.server.url ?? registered.get(name) ?? name;
    reports = await serveReportsSubgraph({ keys, agencyUrl, listen: { port: options.reportsPort ?? listenPort(REPORTS_SUBGRAPH), host } });
    gateway = await startGateway({
      supergraphFile: options.supergraphFile ?? SUPERGRAPH_FILE,
      subgraphUrls: {
        ...Object.fromEntries([...subgraphs].map(([name, { server }]) => [name, server.url])),
        [AUDIT_SUBGRAPH]: audit.server.url,
        [REPORTS_SUBGRAPH]: reports.url,
      },
      timeoutMs: config.subgraphTimeoutMs,
      timeoutsMs: { [REPORTS_SUBGRAPH]: config.reportTimeoutMs },
      port: options.gatewayPort ?? config.gatewayPort,
      host,
      keys,
      purposes: configuredPurposes(),
      audit: auditLog,
    });
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
  return { gatewayUrl: gateway.url, subgraphs, gateway, audit: audit!, reports: reports!, keys, stop };
}

/**
 * Where a subgraph of this hub listens: the port of its routing URL in the registry, or with
 * SUBGRAPH_BASE_PORT, consecutive ports from there in registry order (the gateway's own subgraphs last).
 */
function listenPort(name: string): number {
  if (name === AUDIT_SUBGRAPH && config.auditPort !== undefined) return config.auditPort;
  if (name === REPORTS_SUBGRAPH && config.reportsPort !== undefined) return config.reportsPort;
  const entries = readSupergraphConfig().filter((entry) => entry.servedBy !== 'external');
  if (config.subgraphBasePort !== undefined) {
    const hubFirst = [...entries.filter((e) => e.servedBy === 'hub'), ...entries.filter((e) => e.servedBy === 'gateway')];
    return config.subgraphBasePort + hubFirst.findIndex((entry) => entry.name === name);
  }
  const entry = entries.find((e) => e.name === name);
  if (!entry) throw new Error(`${name} is not in schema/supergraph.yaml.`);
  return Number(new URL(entry.url).port);
}

async function seedIfEmpty(agency: AgencySubgraph<any>, em: EntityManager, demo: DemoSize, log: (line: string) => void) {
  if (await agency.hasData(em)) return;
  const elapsed = await seedAgency(agency, em, demo);
  log(`  ${agency.title}: loaded demo data for ${demo.workers} workers in ${(elapsed / 1000).toFixed(1)} s`);
}
