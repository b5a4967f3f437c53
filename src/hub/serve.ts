/**
 * `npm run serve -- <member>`: exactly one member of Worker Graph in this process, configured
 * from the environment (every variable is read in src/shared/config.ts), as an agency's data centre
 * runs it. What each member reads:
 *
 *   every member  PORT, HOST; MEMBER_KEY_FILE (its own private key), TRUST_FILE (whom it accepts
 *                 calls from), TRUST_RELOAD_SECONDS; KEYS_DIR holds both on a laptop
 *   an agency     <AGENCY>_DATABASE_URL (runtime role) and <AGENCY>_OWNER_DATABASE_URL (migrations),
 *                 or DATABASE_URL / the embedded server, where the roles are made for it;
 *                 LABOUR_SUBGRAPH_URL (where it confirms workers); DEMO_WORKERS with WG_DEMO=1
 *   audit         GATEWAY_DATABASE_URL and GATEWAY_OWNER_DATABASE_URL (the access log's database)
 *   reports       <AGENCY>_SUBGRAPH_URL for each agency it asks (default: the registry's URLs)
 *   gateway       the audit variables; AUTH_JWKS_FILE or AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE;
 *                 <MEMBER>_SUBGRAPH_URL overrides; SUBGRAPH_TIMEOUT_MS, REPORT_TIMEOUT_MS,
 *                 GATEWAY_REPLICAS (replicas sharing PORT), PURPOSES, SUPERGRAPH_FILE;
 *                 RATE_LIMIT_PER_SUBJECT, RATE_LIMIT_PER_AGENCY, RATE_LIMIT_CONFLICTS
 *
 * A misconfigured process refuses to start with one line naming the variable or file to fix.
 */
import { loadAccessKeys } from '../shared/access/keys.js';
import { memberKeyFile, sealsFromFiles, trustFilePath } from '../shared/access/members.js';
import { configuredPurposes } from '../shared/access/purposes.js';
import { config, envName } from '../shared/config.js';
import { ConfigError } from '../shared/errors.js';
import { locateDatabases } from '../shared/database.js';
import { provisionMemberDatabase, type MemberDatabase } from '../shared/database-roles.js';
import { announceReady, onShutdown, reportWorkerReady, runReplicas } from '../shared/lifecycle.js';
import { readSupergraphConfig, SUPERGRAPH_FILE } from '../shared/supergraph.js';
import { GATEWAY, memberNames, registryPort, startAgency, startAudit, startGatewayMember, startReports, type RunningMember } from './members.js';
import { AUDIT_MEMBER, REPORTS_MEMBER } from '../shared/access/policy.js';

/** The access log and the gateway share the gateway's database. */
function databaseOwner(member: string): string {
  return member === AUDIT_MEMBER || member === GATEWAY ? GATEWAY : member;
}

/** Where a member answers: `<MEMBER>_SUBGRAPH_URL`, else its routing URL in the registry. */
export function subgraphUrl(member: string): string {
  const own = config.memberEnv(member, 'SUBGRAPH_URL');
  if (own) return own;
  const entry = readSupergraphConfig().find((e) => e.name === member);
  if (!entry) throw new ConfigError(`${member} is not in schema/supergraph.yaml: set ${envName(member)}_SUBGRAPH_URL.`);
  return entry.url;
}

function listenPort(member: string): number {
  if (config.port !== undefined) return config.port;
  return member === GATEWAY ? config.gatewayPort : registryPort(member);
}

/**
 * The database URLs a deployment gave the member owning a database (`<OWNER>_DATABASE_URL` for the
 * runtime role, `<OWNER>_OWNER_DATABASE_URL` for migrations; one URL when one role does both), or
 * undefined when the roles are to be made on an administrator's server.
 */
export function configuredDatabase(owner: string): MemberDatabase | string | undefined {
  const prefix = envName(owner);
  const runtimeUrl = config.memberEnv(owner, 'DATABASE_URL');
  const ownerUrl = config.memberEnv(owner, 'OWNER_DATABASE_URL');
  if (ownerUrl && !runtimeUrl) throw new ConfigError(`${prefix}_OWNER_DATABASE_URL is set without ${prefix}_DATABASE_URL (the runtime role's URL).`);
  if (!runtimeUrl) return undefined;
  return ownerUrl ? { ownerUrl, runtimeUrl } : runtimeUrl;
}

/**
 * The member's database: the URLs it was given, or (on a laptop) roles made for it on the
 * server an administrator's URL names (DATABASE_URL, or the embedded server).
 */
async function memberDatabase(member: string): Promise<{ database: MemberDatabase | string; close(): Promise<void> }> {
  const given = configuredDatabase(databaseOwner(member));
  if (given) return { database: given, close: async () => {} };
  const databases = await locateDatabases();
  return { database: await provisionMemberDatabase(databases.urlFor(databaseOwner(member))), close: () => databases.close() };
}

async function memberSeals(member: string) {
  return sealsFromFiles({
    member,
    keyFile: config.memberKeyFile ?? memberKeyFile(config.keysDir, member),
    trustFile: config.trustFile ?? trustFilePath(config.keysDir),
    reloadMs: config.trustReloadSeconds * 1000,
  }).catch((error: Error) => {
    throw new ConfigError(`${error.message} Run \`npm start\` once (it makes the hub's keys in KEYS_DIR) or set MEMBER_KEY_FILE and TRUST_FILE.`);
  });
}

/** Starts `member` here and returns it; the caller announces it and stops it on shutdown. */
export async function startMemberFromEnv(member: string): Promise<RunningMember> {
  const known = memberNames();
  if (!known.includes(member)) throw new ConfigError(`Unknown member "${member}": one of ${known.join(', ')}.`);
  const seals = await memberSeals(member);
  const listen = { port: listenPort(member), host: config.host };
  if (member === REPORTS_MEMBER) return withCleanup(await startReports({ seals, listen, agencyUrl: subgraphUrl }), async () => seals.close());
  const { database, close } = await memberDatabase(member).catch((error: unknown) => {
    throw databaseProblem(member, error);
  });
  const cleanup = async () => {
    seals.close();
    await close();
  };
  try {
    if (member === AUDIT_MEMBER) return withCleanup(await startAudit({ database, seals, listen }), cleanup);
    if (member === GATEWAY) {
      const subgraphs = readSupergraphConfig().map((entry) => entry.name);
      return withCleanup(
        await startGatewayMember({
          database,
          seals,
          listen,
          keys: await loadAccessKeys(config.keysDir),
          purposes: configuredPurposes(),
          supergraphFile: SUPERGRAPH_FILE,
          subgraphUrls: Object.fromEntries(subgraphs.map((name) => [name, subgraphUrl(name)])),
          timeoutMs: config.subgraphTimeoutMs,
          timeoutsMs: { [REPORTS_MEMBER]: config.reportTimeoutMs },
        }),
        cleanup,
      );
    }
    return withCleanup(
      await startAgency({
        name: member,
        database,
        seals,
        listen,
        labourUrl: () => subgraphUrl('labour'),
        demo: config.loadDemo ? config.demo : false,
        log: (line) => console.log(line.trim()),
      }),
      cleanup,
    );
  } catch (error) {
    await cleanup();
    throw databaseProblem(member, error);
  }
}

/** PostgreSQL's and the network's refusals, said as the setting to fix. */
const DATABASE_REFUSALS: Record<string, string> = {
  ECONNREFUSED: 'nothing listens there',
  ENOTFOUND: 'the host is unknown',
  ETIMEDOUT: 'the server did not answer',
  '28P01': 'the password was refused',
  '28000': 'the role may not log in there',
  '3D000': 'the database does not exist',
};

function databaseProblem(member: string, error: unknown): unknown {
  const code = (error as { code?: string }).code ?? (error as { errors?: { code?: string }[] }).errors?.[0]?.code;
  const why = code ? DATABASE_REFUSALS[code] : undefined;
  if (!why) return error;
  const prefix = envName(databaseOwner(member));
  return new ConfigError(`cannot use the database in ${prefix}_DATABASE_URL (or DATABASE_URL): ${why} (${code}).`);
}

function withCleanup<T extends RunningMember>(member: T, cleanup: () => Promise<void>): T {
  const stop = member.stop.bind(member);
  return Object.assign(member, {
    async stop() {
      await stop();
      await cleanup();
    },
  });
}

/** The whole life of a member process: start, tell the supervisor, stop on a signal. */
export async function serve(member: string): Promise<void> {
  const replicas = member === GATEWAY ? config.gatewayReplicas : 1; // at least 1 (src/shared/config.ts)
  const run = async () => {
    const running = await startMemberFromEnv(member);
    onShutdown(() => running.stop());
    const details = { member, url: running.server.url, pid: process.pid };
    if (replicas > 1) reportWorkerReady(details);
    else announceReady(details);
    console.log(`${member} ready at ${running.server.url}`);
  };
  if (replicas > 1) await runReplicas(replicas, run, { name: member });
  else await run();
}
