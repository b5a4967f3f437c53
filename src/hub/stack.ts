/**
 * The whole hub in one process: databases (embedded unless DATABASE_URL is set), every agency's
 * subgraph, the access log, the reports and the gateway, each a member with its own key, its
 * own database roles and the same trust list as in separate processes. Tests and the benchmark's
 * single-process comparison start it here; `npm start` runs the members as separate processes
 * (processes.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { checkpointDatabase, checkpointFile, type CheckpointSink } from '../../subgraphs/audit/checkpoints.js';
import { inMemoryAuditSigner } from '../../subgraphs/audit/signing.js';
import type { AccessKeys } from '../shared/access/keys.js';
import { configuredPurposes } from '../shared/access/purposes.js';
import type { MemberSeals } from '../shared/access/seal.js';
import { config, type AgencyName } from '../shared/config.js';
import { databaseName, locateDatabases, recreateDatabase, withDatabase } from '../shared/database.js';
import { provisionMemberDatabase, type MemberDatabase } from '../shared/database-roles.js';
import type { RunningHttpServer } from '../shared/http-server.js';
import type { DemoSize } from '../shared/seeding.js';
import { hubAgencyNames, readSupergraphConfig, SUPERGRAPH_FILE } from '../shared/supergraph.js';
import type { AuditLog } from '../../subgraphs/audit/log.js';
import type { RateLimits } from '../../gateway/rate-limit.js';
import { inMemorySeals } from './member-keys.js';
import { GATEWAY, memberNames, registryPort, startAgency, startAudit, startGatewayMember, startReports, type RunningAgency, type RunningMember } from './members.js';
import { AUDIT_MEMBER, REPORTS_MEMBER } from '../shared/access/policy.js';

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
  /**
   * Drop every member database first and make it a copy of `<template>_<member>` on the same server
   * (`CREATE DATABASE … TEMPLATE`, a file copy: no migration or demo load to run again), as
   * migrated and loaded by an earlier hub with `fresh` (tests: test/support/templates.ts). The
   * templates must have no open connections while they are copied.
   */
  template?: string;
  /** Demo data to load into empty databases; `false` loads none. */
  demo?: DemoSize | false;
  /** Verifies callers' bearer tokens. */
  keys: AccessKeys;
  auditPort?: number;
  reportsPort?: number;
  /** The supergraph the gateway serves and watches for changes (default SUPERGRAPH_FILE). */
  supergraphFile?: string;
  /** The reports' cell-key secret (src/shared/cell-key.ts); fresh random bytes, in memory, when left out. */
  cellKeySecret?: Uint8Array;
  /** Roles the gateway lets run registered operations only (default REGISTERED_OPERATIONS_ONLY_ROLES). */
  registeredOnlyRoles?: readonly string[];
  /**
   * The access log's signing, for this hub alone: an audit-signing key made in memory, its public
   * keys and the checkpoint file written to `dir` (default: a temporary folder, removed on stop),
   * checkpoints also to `checkpointDatabaseUrl`, every `checkpointSeconds` (default AUDIT_CHECKPOINT_SECONDS).
   */
  audit?: { dir?: string; checkpointDatabaseUrl?: string; checkpointSeconds?: number };
  /** The gateway's rate limits (default `config.rateLimits`; `{}` for none). */
  rateLimits?: RateLimits;
  log?: (line: string) => void;
}

export interface RunningStack {
  gatewayUrl: string;
  subgraphs: Map<AgencyName, RunningAgency>;
  gateway: RunningHttpServer;
  audit: {
    log: AuditLog;
    server: RunningHttpServer;
    /** The gateway's own log: it signs what it appends and takes the checkpoints (`writer.checkpoint()`). */
    writer: AuditLog;
    /** What a verifier needs (AUDIT_PUBLIC_KEYS_FILE, AUDIT_CHECKPOINT_FILE, AUDIT_CHECKPOINT_DATABASE_URL). */
    publicKeysFile: string;
    checkpointFile: string;
    checkpointDatabaseUrl?: string;
  };
  reports: RunningHttpServer;
  keys: AccessKeys;
  /** Each member's key and trust list: tests seal calls as a member would. */
  seals: Map<string, MemberSeals>;
  /** The reports' cell-key secret: tests work out the perturbed figures a report must show. */
  cellKeySecret: Uint8Array;
  /** Each database's roles, by owning member (the agencies, `gateway`): tests read and tamper as the owner. */
  databases: Map<string, MemberDatabase>;
  /**
   * One more gateway on this hub's database and agencies, on a free port, as a replica runs
   * (what replicas share: the access log, the rate limits); stopped with the hub.
   */
  startGatewayReplica(options?: { rateLimits?: RateLimits }): Promise<RunningMember>;
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<RunningStack> {
  const log = options.log ?? (() => {});
  const host = options.host ?? config.host;
  const databases = await locateDatabases({ embedded: options.embedded, databaseUrl: options.databaseUrl });
  const seals = await inMemorySeals(memberNames());
  // Like the members' keys, the cell-key secret of a hub in one process lives in memory only.
  const cellKeySecret = options.cellKeySecret ?? randomBytes(32);
  const sealsOf = (member: string) => seals.get(member)!;
  const subgraphs: RunningStack['subgraphs'] = new Map();
  const memberDatabases = new Map<string, MemberDatabase>();
  const started: RunningMember[] = [];
  // The access log's signing key lives in memory; verifiers read its public half from a file.
  const auditDir = options.audit?.dir ?? mkdtempSync(path.join(os.tmpdir(), 'worker-graph-audit-'));
  mkdirSync(auditDir, { recursive: true });
  const auditSigning = inMemoryAuditSigner();
  const auditFiles = { publicKeysFile: path.join(auditDir, 'signing.jwks.json'), checkpointFile: path.join(auditDir, 'checkpoints.jsonl') };
  writeFileSync(auditFiles.publicKeysFile, JSON.stringify(auditSigning.jwks, null, 2));
  const stop = async () => {
    for (const member of started.reverse()) await member.stop();
    await databases.close();
    if (!options.audit?.dir) rmSync(auditDir, { recursive: true, force: true });
  };
  // Each member's database with its two roles: migrations as the owner, the service as the runtime role.
  const databaseOf = async (member: string) => {
    const adminUrl = databases.urlFor(member);
    if (options.template) await copyDatabase(adminUrl, `${options.template}_${member}`);
    else if (options.fresh) await recreateDatabase(adminUrl);
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
    const audit = await startAudit({ database: gatewayDatabase, seals: sealsOf(AUDIT_MEMBER), listen: { port: options.auditPort ?? registryPort(AUDIT_MEMBER), host }, signer: auditSigning.signer });
    started.push(audit);
    // Reports ask each agency where it ended up listening, or at its registered URL.
    const registered = new Map(readSupergraphConfig().map((entry) => [entry.name, entry.url]));
    const agencyUrl = (name: string) => subgraphs.get(name)?.server.url ?? registered.get(name) ?? name;
    const reports = await startReports({ seals: sealsOf(REPORTS_MEMBER), listen: { port: options.reportsPort ?? registryPort(REPORTS_MEMBER), host }, agencyUrl, cellKeySecret });
    started.push(reports);
    /** A gateway over these members: the first one, and any replica a test adds beside it. */
    const gatewayOver = (listenPort: number, rest: Pick<Parameters<typeof startGatewayMember>[0], 'rateLimits' | 'audit'>) =>
      startGatewayMember({
        database: gatewayDatabase,
        seals: sealsOf(GATEWAY),
        listen: { port: listenPort, host },
        keys: options.keys,
        purposes: configuredPurposes(),
        supergraphFile: options.supergraphFile ?? SUPERGRAPH_FILE,
        subgraphUrls: {
          ...Object.fromEntries([...subgraphs].map(([name, { server }]) => [name, server.url])),
          [AUDIT_MEMBER]: audit.server.url,
          [REPORTS_MEMBER]: reports.server.url,
        },
        timeoutMs: config.subgraphTimeoutMs,
        timeoutsMs: { [REPORTS_MEMBER]: config.reportTimeoutMs },
        registeredOnlyRoles: options.registeredOnlyRoles,
        ...rest,
      });
    const gateway = await gatewayOver(options.gatewayPort ?? config.gatewayPort, {
      rateLimits: options.rateLimits,
      audit: {
        signer: auditSigning.signer,
        checkpoints: [
          checkpointFile(auditFiles.checkpointFile),
          ...(options.audit?.checkpointDatabaseUrl ? [await checkpointDatabase(options.audit.checkpointDatabaseUrl)] : []),
        ] satisfies CheckpointSink[],
        checkpointSeconds: options.audit?.checkpointSeconds ?? config.auditCheckpointSeconds,
      },
    });
    started.push(gateway);
    const startGatewayReplica = async (replicaOptions: { rateLimits?: RateLimits } = {}) => {
      // The same signing key; the first gateway takes the checkpoints.
      const replica = await gatewayOver(0, { rateLimits: replicaOptions.rateLimits ?? options.rateLimits, audit: { signer: auditSigning.signer } });
      started.push(replica);
      return replica;
    };
    return {
      gatewayUrl: gateway.server.url,
      subgraphs,
      gateway: gateway.server,
      audit: { log: audit.log, server: audit.server, writer: gateway.log, ...auditFiles, checkpointDatabaseUrl: options.audit?.checkpointDatabaseUrl },
      reports: reports.server,
      keys: options.keys,
      seals,
      cellKeySecret,
      databases: memberDatabases,
      startGatewayReplica,
      stop,
    };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

/** Drops the database `url` names and creates it again as a copy of `template` (tests). */
async function copyDatabase(url: string, template: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    await client.query(`drop database if exists ${pg.escapeIdentifier(databaseName(url))} with (force)`);
    await client.query(`create database ${pg.escapeIdentifier(databaseName(url))} template ${pg.escapeIdentifier(template)}`);
  } finally {
    await client.end();
  }
}
