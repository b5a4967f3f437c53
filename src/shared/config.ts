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

/** A rate limit: at most `limit` in any `windowSeconds` (a sliding window). */
export interface Rate {
  limit: number;
  windowSeconds: number;
}

const RATE_UNITS: Record<string, number> = { s: 1, sec: 1, second: 1, min: 60, minute: 60, h: 3600, hour: 3600, day: 86400 };

/** `600/min`, `20/hour`, `5/10s`; `off` (or `0`) for no limit. */
export function parseRate(name: string, raw: string): Rate | undefined {
  const text = raw.trim().toLowerCase();
  if (text === 'off' || text === '0') return undefined;
  const match = /^(\d+)\s*\/\s*(\d*)\s*([a-z]+)$/.exec(text);
  const unit = match ? RATE_UNITS[match[3]] : undefined;
  const limit = match ? Number(match[1]) : NaN;
  const times = match?.[2] ? Number(match[2]) : 1;
  if (!match || !unit || !Number.isSafeInteger(limit) || limit < 1 || times < 1) {
    throw new ConfigError(`${name} must be a rate such as 600/min, 20/hour or 5/10s (or off), got "${raw}".`);
  }
  return { limit, windowSeconds: unit * times };
}

function rate(name: string, fallback: string): Rate | undefined {
  return parseRate(name, env[name] || fallback);
}

/** A comma-separated list (`officer,auditor`); set but empty means none, unset means `fallback`. */
function list(name: string, fallback: string[]): string[] {
  const raw = env[name];
  if (raw === undefined) return fallback;
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

export const repoRoot = path.resolve(__dirname, '..', '..');

/** A file of the access log's signing: the variable's path, else this name in KEYS_DIR/audit (a laptop's defaults). */
function auditFile(name: string, fallback: string): string {
  return path.resolve(repoRoot, env[name] || path.join(env.KEYS_DIR ?? '.data/keys', 'audit', fallback));
}

export const config = {
  host: env.HOST ?? '127.0.0.1',
  /** Where this process listens: the gateway's port, or under `npm run serve` any member's. */
  gatewayPort: int('PORT', 4000),
  /** PORT, only when it is set: a member served alone otherwise takes its registry port. */
  port: env.PORT ? int('PORT', 0) : undefined,
  /** Gateway processes sharing its port (`npm run serve -- gateway`). */
  gatewayReplicas: int('GATEWAY_REPLICAS', 1),
  /**
   * The gateway's rate limits (gateway/rate-limit.ts), counted in its database so that every
   * replica shares them: requests per caller and per agency, and CONFLICT answers per caller
   * (repeated uniqueness conflicts probe whether a phone or an ID is registered).
   */
  rateLimits: {
    perSubject: rate('RATE_LIMIT_PER_SUBJECT', '600/min'),
    perAgency: rate('RATE_LIMIT_PER_AGENCY', '6000/min'),
    conflictsPerSubject: rate('RATE_LIMIT_CONFLICTS', '20/hour'),
  },
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
   * No report publishes a count of people from 1 to this − 1: the cell-key perturbation shows
   * such counts as 0 or this (src/shared/cell-key.ts), so that no figure points at a person.
   */
  reportMinimumCount: int('REPORT_MINIMUM_COUNT', 5),
  /**
   * The reports service's cell-key secret (hex, at least 32 bytes), or a file holding it; with
   * neither, `reports-cell-key.secret` in KEYS_DIR, created on first start. Give it to the
   * reports service alone: whoever holds it can take the noise off every published figure.
   */
  reportCellKeySecret: env.REPORT_CELL_KEY_SECRET || undefined,
  reportCellKeySecretFile: env.REPORT_CELL_KEY_SECRET_FILE ? path.resolve(repoRoot, env.REPORT_CELL_KEY_SECRET_FILE) : undefined,
  /** How long a report may take: it waits on each agency's answer, then counts. */
  reportTimeoutMs: int('REPORT_TIMEOUT_MS', 20000),
  /**
   * How much of its memory an agency gives to report answers it has already worked out
   * (src/shared/statistics-cache.ts), in MB; 0 works every answer out afresh.
   */
  statisticsCacheMb: int('STATISTICS_CACHE_MB', 256),
  /**
   * How much memory the reports service gives to results it worked out from answers that come
   * back unchanged (gateway/reports/memo.ts), in MB; 0 works every report out afresh.
   */
  reportMemoMb: int('REPORT_MEMO_MB', 256),
  /** Development keys (caller-token issuer, internal seal) are created here on first start. */
  keysDir: path.resolve(repoRoot, env.KEYS_DIR ?? '.data/keys'),
  /**
   * The gateway's audit-signing key (a private Ed25519 JWK): it signs every batch of access-log
   * entries and every checkpoint. It belongs on the gateway's host, never on the database server.
   */
  auditSigningKeyFile: auditFile('AUDIT_SIGNING_KEY_FILE', 'signing.private.jwk.json'),
  /** Every public key the gateway has signed the access log with: what `audit:verify` checks against. */
  auditPublicKeysFile: auditFile('AUDIT_PUBLIC_KEYS_FILE', 'signing.jwks.json'),
  /** Where the gateway appends signed checkpoints of the log's head (JSON lines); `none` for none. */
  auditCheckpointFile: env.AUDIT_CHECKPOINT_FILE === 'none' ? undefined : auditFile('AUDIT_CHECKPOINT_FILE', 'checkpoints.jsonl'),
  /** Another database that receives the same checkpoints (table `access_log_checkpoint`). */
  auditCheckpointDatabaseUrl: env.AUDIT_CHECKPOINT_DATABASE_URL || undefined,
  /** How often the head is checkpointed while entries are written (and always on a clean shutdown). */
  auditCheckpointSeconds: int('AUDIT_CHECKPOINT_SECONDS', 60),
  /** How long the gateway waits for one agency before answering without it. */
  subgraphTimeoutMs: int('SUBGRAPH_TIMEOUT_MS', 5000),
  /** An agency's answer larger than this is abandoned, so a runaway answer cannot exhaust the gateway. */
  maxSubgraphResponseBytes: int('MAX_SUBGRAPH_RESPONSE_BYTES', 32 * 1024 * 1024),
  /**
   * Operation limits, checked by the gateway after parsing and before anything is planned or any
   * agency called (gateway/guards/limits.ts; README "Operation limits and trusted documents").
   * Each variable is named like the `extensions.reason` of its refusal; 0 turns a limit off.
   */
  limits: {
    /** Lexical tokens in one document: stops a huge document while it is being parsed (1 to 5,000, never off). */
    maxTokens: int('MAX_TOKENS', 2000),
    /** Nested selections, a fragment spread counting as a level (so fragment chains count too). */
    maxDepth: int('MAX_DEPTH', 10),
    maxAliases: int('MAX_ALIASES', 15),
    /** Fields asked of Query or Mutation in one operation (`__typename` aside). */
    maxRootFields: int('MAX_ROOT_FIELDS', 10),
    maxDirectives: int('MAX_DIRECTIVES', 20),
    /** Estimated cost: every field 1, times the size of each list it lies in (see COST_LIST_SIZE). */
    maxCost: int('MAX_COST', 50000),
    /** The size assumed for a list without `first` (a worker's enrolments, a CIG's members). */
    costListSize: int('COST_LIST_SIZE', 10),
  },
  /** Roles that may introspect the schema (`__schema`, `__type`); others get INTROSPECTION_DISABLED. */
  introspectionRoles: list('INTROSPECTION_ROLES', ['officer', 'auditor']),
  /** Roles that may only run registered operations (schema/operations/), by id or exact text: a CRP's app runs the hub's own. */
  registeredOperationsOnlyRoles: list('REGISTERED_OPERATIONS_ONLY_ROLES', ['analyst', 'service', 'crp']),
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
  /**
   * How long an agency remembers a write's idempotency key (src/shared/idempotency.ts): a retry
   * with the same key within this many hours gets the first write's record back, not a second write.
   */
  idempotencyKeyHours: int('IDEMPOTENCY_KEY_HOURS', 24),
  /** How long a write waits for another one with its idempotency key to finish before IDEMPOTENCY_KEY_IN_PROGRESS. */
  idempotencyWaitMs: int('IDEMPOTENCY_WAIT_MS', 2000),
  /** Where agencies confirm that a worker exists, when Labour runs elsewhere. */
  labourSubgraphUrl: env.LABOUR_SUBGRAPH_URL ?? 'http://localhost:4001/graphql',
  demo: {
    seed: int('DEMO_SEED', 2024),
    workers: int('DEMO_WORKERS', 4090),
  },
} as const;
