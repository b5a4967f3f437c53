/**
 * The hub as separate OS processes, as `npm start` and the benchmark run it: every agency, the
 * access log, the reports and the gateway each in its own `npm run serve -- <member>` process,
 * with its own key (in KEYS_DIR), its own database roles and a heap limit of its own, under one
 * supervisor that restarts a crashed member with back-off. One member that blocks its event
 * loop, runs out of memory or dies costs only its own fields.
 */
import path from 'node:path';
import { loadAccessKeys, type AccessKeys } from '../shared/access/keys.js';
import { memberKeyFile } from '../shared/access/members.js';
import { config, repoRoot } from '../shared/config.js';
import { locateDatabases, recreateDatabase } from '../shared/database.js';
import { provisionMemberDatabase, type MemberDatabase } from '../shared/database-roles.js';
import type { DemoSize } from '../shared/seeding.js';
import { hubAgencyNames } from '../shared/supergraph.js';
import { AUDIT_SUBGRAPH } from '../../gateway/audit/index.js';
import { REPORTS_SUBGRAPH } from '../../gateway/reports/index.js';
import { prepareKeysDir } from './member-keys.js';
import { GATEWAY, memberNames } from './members.js';
import { envName } from './serve.js';
import { registryPort } from './stack.js';
import { Supervisor, type ManagedProcess } from './supervisor.js';

const SERVE_SCRIPT = path.join(repoRoot, 'scripts', 'serve.ts');

export interface ProcessHubOptions {
  /** Where each member listens (default: the registry's ports, SUBGRAPH_BASE_PORT, AUDIT_PORT, REPORTS_PORT, PORT). */
  port?: (member: string) => number;
  host?: string;
  /** An administrator's URL for a server holding every member's database (default DATABASE_URL, else embedded). */
  databaseUrl?: string;
  embedded?: { dataDir: string; port: number };
  /** Drop and recreate every member database first (tests). */
  fresh?: boolean;
  demo?: DemoSize | false;
  keysDir?: string;
  replicas?: number;
  /** Each agency's heap limit (default MEMBER_HEAP_MB); the gateway gets twice this. */
  heapMb?: number;
  /** Extra environment for every member (tests shorten timeouts with it). */
  env?: Record<string, string>;
  log?: (line: string) => void;
}

export interface ProcessHub {
  gatewayUrl: string;
  /** Each member's process, by member name. */
  processes: Map<string, ManagedProcess>;
  /** Each member's database roles (tests read an agency's rows with them). */
  databases: Map<string, MemberDatabase>;
  /** The caller-token keys (the development issuer signs demo and test tokens). */
  keys: AccessKeys;
  keysDir: string;
  stop(): Promise<void>;
}

/** The port a member of the hub listens on by default. */
export function hubPort(member: string): number {
  if (member === GATEWAY) return config.gatewayPort;
  if (member === AUDIT_SUBGRAPH && config.auditPort !== undefined) return config.auditPort;
  if (member === REPORTS_SUBGRAPH && config.reportsPort !== undefined) return config.reportsPort;
  if (config.subgraphBasePort !== undefined) return config.subgraphBasePort + [...hubAgencyNames(), AUDIT_SUBGRAPH, REPORTS_SUBGRAPH].indexOf(member);
  return registryPort(member);
}

export async function startProcessHub(options: ProcessHubOptions = {}): Promise<ProcessHub> {
  const log = options.log ?? (() => {});
  const host = options.host ?? config.host;
  const keysDir = options.keysDir ?? config.keysDir;
  const port = options.port ?? hubPort;
  const members = memberNames();
  const trustFile = await prepareKeysDir(keysDir, members);
  const keys = await loadAccessKeys(keysDir);
  const locator = await locateDatabases({ embedded: options.embedded, databaseUrl: options.databaseUrl });
  const supervisor = new Supervisor({ log, readyTimeoutMs: 15 * 60_000 });
  const processes = new Map<string, ManagedProcess>();
  const databases = new Map<string, MemberDatabase>();
  const stop = async () => {
    await supervisor.stop();
    await locator.close();
  };

  try {
    for (const owner of [...hubAgencyNames(), GATEWAY]) {
      if (options.fresh) await recreateDatabase(locator.urlFor(owner));
      databases.set(owner, await provisionMemberDatabase(locator.urlFor(owner)));
    }
    const url = (member: string) => `http://${host}:${port(member)}/graphql`;
    // Every member knows where every other answers; the passwords stay in this process and its children.
    const shared: Record<string, string> = {
      HOST: host,
      KEYS_DIR: keysDir,
      TRUST_FILE: trustFile,
      ...Object.fromEntries(members.filter((m) => m !== GATEWAY).map((m) => [`${envName(m)}_SUBGRAPH_URL`, url(m)])),
      ...Object.fromEntries(
        [...databases].flatMap(([owner, database]) => [
          [`${envName(owner)}_DATABASE_URL`, database.runtimeUrl],
          [`${envName(owner)}_OWNER_DATABASE_URL`, database.ownerUrl],
        ]),
      ),
      ...(options.demo === false ? {} : { WG_DEMO: '1', DEMO_WORKERS: String((options.demo ?? config.demo).workers), DEMO_SEED: String((options.demo ?? config.demo).seed) }),
      ...(options.replicas ? { GATEWAY_REPLICAS: String(options.replicas) } : {}),
      ...options.env,
    };
    const start = async (member: string) => {
      const managed = await supervisor.start({
        name: member,
        script: SERVE_SCRIPT,
        args: [member],
        env: { ...shared, PORT: String(port(member)), MEMBER_KEY_FILE: memberKeyFile(keysDir, member) },
        // A runaway member dies of its own heap limit, and is restarted, before it starves the machine.
        execArgv: [`--max-old-space-size=${(member === GATEWAY ? 2 : 1) * (options.heapMb ?? config.memberHeapMb)}`],
      });
      processes.set(member, managed);
      log(`  ${member.padEnd(10)} ${url(member)}  (pid ${managed.pid})`);
    };
    // The access log's subgraph migrates the gateway's database before the gateway opens it.
    await Promise.all([...hubAgencyNames(), AUDIT_SUBGRAPH].map(start));
    await Promise.all([REPORTS_SUBGRAPH, GATEWAY].map(start));
    return { gatewayUrl: url(GATEWAY), processes, databases, keys, keysDir, stop };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}
