/**
 * Starting one member of Worker Graph in this process: an agency's subgraph, the access log, the
 * reports service or the gateway, each with exactly what it is given (its database, its own key,
 * whom it trusts, where its peers are). `npm run serve -- <member>` starts one from the
 * environment (serve.ts); the in-process hub (stack.ts) starts them all side by side.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditLog, type AuditLogOptions } from '../../subgraphs/audit/log.js';
import type { RateLimits } from '../../gateway/rate-limit.js';
import { auditWritingFromConfig } from '../../subgraphs/audit/setup.js';
import type { AuditSigner } from '../../subgraphs/audit/signing.js';
import { serveAuditSubgraph } from '../../subgraphs/audit/index.js';
import { serveReportsSubgraph } from '../../subgraphs/reports/index.js';
import { loadAgency } from '../../subgraphs/index.js';
import type { AccessKeys } from '../shared/access/keys.js';
import type { Purpose } from '../shared/access/purposes.js';
import type { CallKind, MemberSeals } from '../shared/access/seal.js';
import { config } from '../shared/config.js';
import type { MemberDatabase } from '../shared/database-roles.js';
import type { RunningHttpServer } from '../shared/http-server.js';
import { openAgencyOrm, type AgencyOrm } from '../shared/orm.js';
import { seedAgency, type DemoSize } from '../shared/seeding.js';
import { agencyMigrations, serveSubgraph, type AgencySubgraph } from '../shared/subgraph.js';
import { hubAgencyNames, readSupergraphConfig } from '../shared/supergraph.js';
import { labourWorkerDirectory } from '../shared/worker-directory.js';
import { AUDIT_MEMBER, REPORTS_MEMBER } from '../shared/access/policy.js';

export const GATEWAY = 'gateway';

/** Every member this repository can run, in the order a hub starts them. */
export function memberNames(): string[] {
  return [...hubAgencyNames(), AUDIT_MEMBER, REPORTS_MEMBER, GATEWAY];
}

/** What each member may ask of the others: the calls a hub's trust list grants it. */
export function callsOf(member: string): CallKind[] {
  if (member === GATEWAY) return ['graphql'];
  if (member === REPORTS_MEMBER) return ['statistics'];
  if (member === AUDIT_MEMBER) return [];
  return ['worker-lookup'];
}

/** Where a member listens by default: the port of its routing URL in the registry. */
export function registryPort(name: string): number {
  const entry = readSupergraphConfig().find((e) => e.name === name && e.servedBy !== 'external');
  if (!entry) throw new Error(`${name} is not in schema/supergraph.yaml.`);
  return Number(new URL(entry.url).port);
}

export interface Listen {
  port: number;
  host: string;
}

export interface RunningMember {
  name: string;
  server: RunningHttpServer;
  stop(): Promise<void>;
}

export interface RunningAgency extends RunningMember {
  agency: AgencySubgraph<any>;
  database: AgencyOrm;
}

/** An agency's subgraph on its own database, migrated, with demo data loaded when empty (if asked). */
export async function startAgency(options: {
  name: string;
  database: MemberDatabase | string;
  seals: MemberSeals;
  listen: Listen;
  /** Where Labour answers worker look-ups. */
  labourUrl: () => string;
  demo?: DemoSize | false;
  log?: (line: string) => void;
}): Promise<RunningAgency> {
  const agency = loadAgency(options.name);
  const { demo, log = () => {} } = options;
  const database = await openAgencyOrm({
    database: options.database,
    entities: agency.entities,
    migrations: agencyMigrations(agency),
    asOwner: demo ? (em) => seedIfEmpty(agency, em, demo, log) : undefined,
  });
  try {
    const server = await serveSubgraph(agency, database, options.listen, options.seals, (caller) =>
      labourWorkerDirectory({ labourUrl: options.labourUrl, signer: options.seals.signer, caller }),
    );
    return {
      name: agency.name,
      agency,
      database,
      server,
      async stop() {
        await server.stop();
        await database.orm.close();
      },
    };
  } catch (error) {
    await database.orm.close();
    throw error;
  }
}

async function seedIfEmpty(agency: AgencySubgraph<any>, em: EntityManager, demo: DemoSize, log: (line: string) => void) {
  if (await agency.hasData(em)) return;
  const elapsed = await seedAgency(agency, em, demo);
  log(`  ${agency.title}: loaded demo data for ${demo.workers} workers in ${(elapsed / 1000).toFixed(1)} s`);
}

/**
 * The access log's subgraph, reading the gateway's database (and migrating it). It only reads, so
 * it needs no audit-signing key; given one (the in-process hub), entries appended through its
 * log are signed too.
 */
export function startAudit(options: { database: MemberDatabase | string; seals: MemberSeals; listen: Listen; signer?: AuditSigner }): Promise<RunningMember & { log: AuditLog }> {
  return overAuditLog(AUDIT_MEMBER, options.database, (log) => serveAuditSubgraph(log, options.seals, options.listen), { signer: options.signer });
}

/**
 * A member serving over the access log (the audit subgraph reads it, the gateway appends to it),
 * closing it with the server: the log's last checkpoint is taken once the server has stopped.
 */
async function overAuditLog(name: string, database: MemberDatabase | string, serve: (log: AuditLog) => Promise<RunningHttpServer>, options: AuditLogOptions = {}): Promise<RunningMember & { log: AuditLog }> {
  let log: AuditLog;
  try {
    log = await AuditLog.open(database, options);
  } catch (error) {
    options.signer?.close();
    for (const sink of options.checkpoints ?? []) await sink.close().catch(() => {});
    throw error;
  }
  try {
    const server = await serve(log);
    return {
      name,
      server,
      log,
      async stop() {
        await server.stop();
        await log.close();
      },
    };
  } catch (error) {
    await log.close();
    throw error;
  }
}

/** The reports service; `cellKeySecret` defaults to the configured one (REPORT_CELL_KEY_SECRET, or KEYS_DIR's). */
export async function startReports(options: { seals: MemberSeals; listen: Listen; agencyUrl: (agency: string) => string; cellKeySecret?: Uint8Array }): Promise<RunningMember> {
  const server = await serveReportsSubgraph(options);
  return { name: REPORTS_MEMBER, server, stop: () => server.stop() };
}

export async function startGatewayMember(options: {
  database: MemberDatabase | string;
  seals: MemberSeals;
  listen: Listen;
  keys: AccessKeys;
  purposes: Purpose[];
  supergraphFile: string;
  subgraphUrls: Record<string, string>;
  timeoutMs: number;
  timeoutsMs: Record<string, number>;
  /**
   * How the access log is signed and checkpointed: the audit-signing key and checkpoint places
   * (default: from the environment, AUDIT_SIGNING_KEY_FILE and AUDIT_CHECKPOINT_*).
   */
  audit?: AuditLogOptions;
  /** Roles that run registered operations only (default REGISTERED_OPERATIONS_ONLY_ROLES). */
  registeredOnlyRoles?: readonly string[];
  /** Rate limits, counted in the access log's database (default `config.rateLimits`; `{}` for none). */
  rateLimits?: RateLimits;
}): Promise<RunningMember & { log: AuditLog }> {
  // Required here, not imported above: Apollo Gateway is the heaviest import, and no agency's process needs it.
  const { startGateway } = require('../../gateway/server.js') as typeof import('../../gateway/server.js');
  const { withRateLimiter } = require('../../gateway/rate-limit.js') as typeof import('../../gateway/rate-limit.js');
  const auditOptions = options.audit ?? (await auditWritingFromConfig());
  return overAuditLog(GATEWAY, options.database, (audit) =>
    withRateLimiter(options.database, options.rateLimits ?? config.rateLimits, (rateLimiter) => startGateway({
      supergraphFile: options.supergraphFile,
      subgraphUrls: options.subgraphUrls,
      timeoutMs: options.timeoutMs,
      timeoutsMs: options.timeoutsMs,
      port: options.listen.port,
      host: options.listen.host,
      keys: options.keys,
      signer: options.seals.signer,
      purposes: options.purposes,
      audit,
      registeredOnlyRoles: options.registeredOnlyRoles,
      rateLimiter,
    })),
    auditOptions,
  );
}
