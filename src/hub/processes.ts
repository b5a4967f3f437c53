/**
 * The hub as separate OS processes, as `npm start` and the benchmark run it: every agency, the
 * access log, the reports and the gateway each in its own `npm run serve -- <member>` process,
 * with its own key (in KEYS_DIR), its own database roles and a heap limit of its own, under one
 * supervisor that restarts a crashed member with back-off. One member that blocks its event
 * loop, runs out of memory or dies costs only its own fields.
 */
import net from 'node:net';
import path from 'node:path';
import { loadAccessKeys, type AccessKeys } from '../shared/access/keys.js';
import { memberKeyFile } from '../shared/access/members.js';
import { config, envName, repoRoot } from '../shared/config.js';
import { locateDatabases, recreateDatabase } from '../shared/database.js';
import { provisionMemberDatabase, type MemberDatabase } from '../shared/database-roles.js';
import type { DemoSize } from '../shared/seeding.js';
import { hubAgencyNames } from '../shared/supergraph.js';
import { prepareKeysDir } from './member-keys.js';
import { GATEWAY, memberNames, registryPort } from './members.js';
import { configuredDatabase } from './serve.js';
import { Supervisor, type ManagedProcess } from './supervisor.js';
import { AUDIT_MEMBER, REPORTS_MEMBER } from '../shared/access/policy.js';

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
  /** Members that run on a host of their own (tests place them in network namespaces). */
  placement?: (member: string) => MemberPlacement | undefined;
  /** Extra environment for every member (tests shorten timeouts with it). */
  env?: Record<string, string>;
  log?: (line: string) => void;
  /** Where the members' own output goes (default: this process's stdout and stderr, each line prefixed). */
  output?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface MemberPlacement {
  /** The address the member listens on and the others reach it at. */
  address: string;
  /** How to start a process there (see ProcessSpec.launcher). */
  launcher?: string[];
  /** `host:port` at which the database server is reached from there. */
  database?: string;
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
  if (member === AUDIT_MEMBER && config.auditPort !== undefined) return config.auditPort;
  if (member === REPORTS_MEMBER && config.reportsPort !== undefined) return config.reportsPort;
  if (config.subgraphBasePort !== undefined) return config.subgraphBasePort + [...hubAgencyNames(), AUDIT_MEMBER, REPORTS_MEMBER].indexOf(member);
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
  const supervisor = new Supervisor({ log, output: options.output, readyTimeoutMs: 15 * 60_000 });
  const processes = new Map<string, ManagedProcess>();
  const databases = new Map<string, MemberDatabase>();
  const stop = async () => {
    await supervisor.stop();
    await locator.close();
  };

  try {
    for (const owner of [...hubAgencyNames(), GATEWAY]) {
      // A database the deployment configured is used as given; others get their roles made here.
      const given = options.databaseUrl ? undefined : configuredDatabase(owner);
      if (given) {
        databases.set(owner, typeof given === 'string' ? { ownerUrl: given, runtimeUrl: given } : given);
        continue;
      }
      if (options.fresh) await recreateDatabase(locator.urlFor(owner));
      databases.set(owner, await provisionMemberDatabase(locator.urlFor(owner)));
    }
    const addressOf = (member: string) => options.placement?.(member)?.address ?? host;
    const url = (member: string) => `http://${addressOf(member)}:${port(member)}/graphql`;
    // Every member knows where every other answers; the passwords stay in this process and its children.
    const shared: Record<string, string> = {
      KEYS_DIR: keysDir,
      TRUST_FILE: trustFile,
      ...Object.fromEntries(members.filter((m) => m !== GATEWAY).map((m) => [`${envName(m)}_SUBGRAPH_URL`, url(m)])),
      ...databaseEnv(databases),
      ...(options.demo === false ? {} : { WG_DEMO: '1', DEMO_WORKERS: String((options.demo ?? config.demo).workers), DEMO_SEED: String((options.demo ?? config.demo).seed) }),
      ...(options.replicas ? { GATEWAY_REPLICAS: String(options.replicas) } : {}),
      ...options.env,
    };
    const start = async (member: string) => {
      const placed = options.placement?.(member);
      if (!placed) await portFreed(host, port(member), log);
      const managed = await supervisor.start({
        name: member,
        script: SERVE_SCRIPT,
        args: [member],
        launcher: placed?.launcher,
        env: {
          ...shared,
          ...(placed?.database ? databaseEnv(databases, placed.database) : {}),
          HOST: addressOf(member),
          PORT: String(port(member)),
          MEMBER_KEY_FILE: memberKeyFile(keysDir, member),
        },
        // A runaway member dies of its own heap limit, and is restarted, before it starves the machine.
        execArgv: [`--max-old-space-size=${(member === GATEWAY ? 2 : 1) * (options.heapMb ?? config.memberHeapMb)}`],
      });
      processes.set(member, managed);
      log(`  ${member.padEnd(10)} ${url(member)}  (pid ${managed.pid})`);
    };
    // The access log's subgraph migrates the gateway's database before the gateway opens it.
    await Promise.all([...hubAgencyNames(), AUDIT_MEMBER].map(start));
    await Promise.all([REPORTS_MEMBER, GATEWAY].map(start));
    return { gatewayUrl: url(GATEWAY), processes, databases, keys, keysDir, stop };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

/**
 * The database variables of every member database (one URL where one role does both), as seen
 * from a member that reaches the server at `hostPort` when it runs on another host.
 */
function databaseEnv(databases: Map<string, MemberDatabase>, hostPort?: string): Record<string, string> {
  const at = (url: string) => {
    if (!hostPort) return url;
    const moved = new URL(url);
    moved.host = hostPort;
    return moved.toString();
  };
  return Object.fromEntries(
    [...databases].flatMap(([owner, { runtimeUrl, ownerUrl }]) => [
      [`${envName(owner)}_DATABASE_URL`, at(runtimeUrl)],
      ...(ownerUrl === runtimeUrl ? [] : [[`${envName(owner)}_OWNER_DATABASE_URL`, at(ownerUrl)]]),
    ]),
  );
}

/**
 * After a hard kill of `npm start`, its members notice that the supervisor is gone and stop
 * within seconds: a new start waits for their ports rather than failing on them.
 */
async function portFreed(host: string, port: number, log: (line: string) => void, waitMs = 15_000): Promise<void> {
  const free = () =>
    new Promise<boolean>((resolve) => {
      const probe = net.createServer().once('error', () => resolve(false));
      probe.listen(port, host, () => probe.close(() => resolve(true)));
    });
  if (port === 0 || (await free())) return;
  log(`  port ${port} is still taken (a member of an earlier start stopping?); waiting up to ${waitMs / 1000} s`);
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    if (await free()) return;
  }
  throw new Error(`Port ${port} on ${host} is taken by another program: stop it, or set PORT / SUBGRAPH_BASE_PORT.`);
}
