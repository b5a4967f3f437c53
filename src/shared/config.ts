/**
 * Every setting Worker Graph reads from the environment, in one place, with defaults that make
 * `npm start` work on a laptop with nothing installed but Node.
 */
import path from 'node:path';
import { ConfigError } from './errors.js';

/** An agency's name as the registry (schema/supergraph.yaml) spells it: `labour`, `urban-health`. */
export type AgencyName = string;

/** `LABOUR`, `URBAN_HEALTH`: how a member is named in environment variables. */
export function envName(member: string): string {
  return member.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

const env = process.env;

function int(name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${name} must be a whole number, got "${raw}".`);
  return value;
}

export const repoRoot = path.resolve(__dirname, '..', '..');

export const config = {
  host: env.HOST ?? '127.0.0.1',
  /** Where this process listens: the gateway's port, or under `npm run serve` any member's. */
  gatewayPort: int('PORT', 4000),
  /** PORT, only when it is set: a member served alone otherwise takes its registry port. */
  port: env.PORT ? int('PORT', 0) : undefined,
  /** Gateway processes sharing its port (`npm run serve -- gateway`). */
  gatewayReplicas: int('GATEWAY_REPLICAS', 1),
  /** How often a member checks its trust file and its own key file for changes. */
  trustReloadSeconds: int('TRUST_RELOAD_SECONDS', 5),
  /**
   * Each subgraph listens on the port of its routing URL in the registry, unless
   * SUBGRAPH_BASE_PORT gives the hub's agencies consecutive ports from there instead (and the
   * access log and reports the next ones).
   */
  subgraphBasePort: env.SUBGRAPH_BASE_PORT ? int('SUBGRAPH_BASE_PORT', 4001) : undefined,
  /** The gateway's access-log subgraph, which only the gateway calls. */
  auditPort: env.AUDIT_PORT ? int('AUDIT_PORT', 4099) : undefined,
  /** The gateway's reports subgraph, which only the gateway calls. */
  reportsPort: env.REPORTS_PORT ? int('REPORTS_PORT', 4098) : undefined,
  /**
   * Reports withhold any count of people below this (but above zero), so that no figure points
   * at a person: the usual small-cell rule of statistical offices.
   */
  reportMinimumCount: int('REPORT_MINIMUM_COUNT', 5),
  /** How long a report may take: it waits on each agency's answer, then counts. */
  reportTimeoutMs: int('REPORT_TIMEOUT_MS', 20000),
  /** Development keys (caller-token issuer, internal seal) are created here on first start. */
  keysDir: path.resolve(repoRoot, env.KEYS_DIR ?? '.data/keys'),
  /** How long the gateway waits for one agency before answering without it. */
  subgraphTimeoutMs: int('SUBGRAPH_TIMEOUT_MS', 5000),
  /** An agency's answer larger than this is abandoned, so a runaway answer cannot exhaust the gateway. */
  maxSubgraphResponseBytes: int('MAX_SUBGRAPH_RESPONSE_BYTES', 32 * 1024 * 1024),
  /** After this many failures in a row the gateway stops asking an agency (CIRCUIT_OPEN)... */
  circuitFailures: int('CIRCUIT_FAILURES', 5),
  /** ...and tries one call again after this long; a success closes the circuit. */
  circuitHalfOpenMs: int('CIRCUIT_HALF_OPEN_MS', 10000),
  /** The heap limit of each agency's process under `npm start` (the gateway gets twice this). */
  memberHeapMb: int('MEMBER_HEAP_MB', 1024),
  /** A shared server for all agencies (one database each); per-agency URLs win over it. */
  databaseUrl: env.DATABASE_URL || undefined,
  agencyDatabaseUrl: (agency: AgencyName) => env[`${envName(agency)}_DATABASE_URL`] || undefined,
  embeddedPostgres: {
    dataDir: path.resolve(repoRoot, env.EMBEDDED_PG_DIR ?? '.data/postgres'),
    port: int('EMBEDDED_PG_PORT', 54329),
  },
  /** Where agencies confirm that a worker exists, when Labour runs elsewhere. */
  labourSubgraphUrl: env.LABOUR_SUBGRAPH_URL ?? 'http://localhost:4001/graphql',
  demo: {
    seed: int('DEMO_SEED', 2024),
    workers: int('DEMO_WORKERS', 4090),
  },
} as const;
