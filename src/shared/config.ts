/**
 * Every setting Worker Graph reads from the environment, in one place, with defaults that make
 * `npm start` work on a laptop with nothing installed but Node. Each variable is declared once
 * below (`VARIABLES`: how its text is read, its default, one line on what it means), the whole
 * environment is parsed once when this module loads (`config`), and a value that cannot be read
 * stops the process with one ConfigError line naming the variable. Nothing else reads
 * `process.env`: other modules take options or read `config`, and the one family of variables
 * whose names are made per member (`<MEMBER>_DATABASE_URL` and the like) is read through
 * `config.memberEnv`.
 */
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, quoted } from './errors.js';

/** An agency's name as the registry (schema/supergraph.yaml) spells it: `labour`, `urban-health`. */
export type AgencyName = string;

/** Variables by name, as `process.env` holds them. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** `LABOUR`, `URBAN_HEALTH`: how a member is named in environment variables. */
export function envName(member: string): string {
  return member.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export const repoRoot = path.resolve(__dirname, '..', '..');

/** A rate limit: at most `limit` in any `windowSeconds` (a sliding window). */
export interface Rate {
  limit: number;
  windowSeconds: number;
}

const RATE_UNITS: Record<string, number> = { s: 1, sec: 1, second: 1, min: 60, minute: 60, h: 3600, hour: 3600, day: 86400 };
const RATE_EXPECTED = 'must be a rate such as 600/min, 20/hour or 5/10s (or off)';

/** `600/min`, `20/hour`, `5/10s` as a Rate; `off` (or `0`) as undefined; anything else null. */
function readRate(raw: string): Rate | undefined | null {
  const text = raw.trim().toLowerCase();
  if (text === 'off' || text === '0') return undefined;
  const match = /^(\d+)\s*\/\s*(\d*)\s*([a-z]+)$/.exec(text);
  const unit = match ? RATE_UNITS[match[3]] : undefined;
  const limit = match ? Number(match[1]) : NaN;
  const times = match?.[2] ? Number(match[2]) : 1;
  if (!match || !unit || !Number.isSafeInteger(limit) || limit < 1 || times < 1) return null;
  return { limit, windowSeconds: unit * times };
}

/** `600/min`, `20/hour`, `5/10s`; `off` (or `0`) for no limit; `name` is the variable a refusal names. */
export function parseRate(name: string, raw: string): Rate | undefined {
  const rate = readRate(raw);
  if (rate === null) throw new ConfigError(`${name} ${RATE_EXPECTED}, got "${raw}".`);
  return rate;
}

// ---- How a variable's text is read. Each message completes "<VARIABLE> ...".

function wholeNumber(min = 0, max = Number.MAX_SAFE_INTEGER, range = max === Number.MAX_SAFE_INTEGER ? `must be ${min} or more` : `must be from ${min} to ${max}`) {
  return z.string().transform((raw, ctx) => {
    const value = raw.trim() === '' ? NaN : Number(raw);
    if (!Number.isInteger(value) || value < 0) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a whole number' });
    else if (value < min || value > max) ctx.addIssue({ code: z.ZodIssueCode.custom, message: range });
    return value;
  });
}
const port = wholeNumber(0, 65535, 'must be a port number (0 to 65535)');
const text = z.string();
const url = (example: string) => z.string().refine((raw) => URL.canParse(raw), `must be a URL such as ${example}`);
const rate = z.string().transform((raw, ctx) => {
  const value = readRate(raw);
  if (value === null) ctx.addIssue({ code: z.ZodIssueCode.custom, message: RATE_EXPECTED });
  return value ?? undefined;
});
/** A comma-separated list: `officer,auditor`. */
const list = z.string().transform((raw) =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);
const flag = z.enum(['0', '1'], { errorMap: () => ({ message: 'must be 1 or 0' }) }).transform((raw) => raw === '1');
/** A path; a relative one is taken from the repository's root (so from any working directory). */
const fromRepo = z.string().transform((raw) => path.resolve(repoRoot, raw));
/** A path; a relative one is taken from the working directory. */
const fromCwd = z.string().transform((raw) => path.resolve(raw));

/** Empty counts as unset, unless `emptyIsSet` (a list set to nothing means none). */
function blank(raw: unknown, emptyIsSet = false): unknown {
  return raw === '' && !emptyIsSet ? undefined : raw;
}

/** A variable with a default, written as one would set it. */
function setting<T extends z.ZodTypeAny>(fallback: string, read: T, description: string, options: { emptyIsSet?: boolean } = {}) {
  return z.preprocess((raw) => blank(raw, options.emptyIsSet) ?? fallback, read).describe(`${description} (default: ${fallback})`);
}

/** A variable without a default of its own (the description says what happens without it). */
function optional<T extends z.ZodTypeAny>(read: T, description: string) {
  return z.preprocess((raw) => blank(raw), read.optional()).describe(description);
}

/** The purposes a request may declare when PURPOSES does not say. */
export const DEFAULT_PURPOSES = ['Scheme enrolment', 'CIG formation', 'CIG follow-up', 'Licensing', 'Grievance', 'Service delivery', 'Audit', 'Statistics'];

/** Every variable Worker Graph reads, in the order of the README's Configuration table. */
export const VARIABLES = z.object({
  PORT: optional(port, "the gateway's port (4000); under `npm run serve`, the member's own (default: its registry port)"),
  SUBGRAPH_BASE_PORT: optional(port, "the hub's agencies on consecutive ports from here, the access log and reports on the next ones (default: each its registry port)"),
  AUDIT_PORT: optional(port, "the access-log subgraph's port under `npm start` (default: its registry port, 4099, or the next after the agencies with SUBGRAPH_BASE_PORT)"),
  REPORTS_PORT: optional(port, "the reports subgraph's port under `npm start` (default: its registry port, 4098, or the one after the access log's with SUBGRAPH_BASE_PORT)"),
  REPORT_MINIMUM_COUNT: setting('5', wholeNumber(), 'no report publishes a count of people from 1 to this − 1 (the cell-key method wants at least 2)'),
  REPORT_CELL_KEY_SECRET: optional(text, "the reports service's cell-key secret, hex, at least 32 bytes (default: REPORT_CELL_KEY_SECRET_FILE)"),
  REPORT_CELL_KEY_SECRET_FILE: optional(fromRepo, 'a file holding the cell-key secret (default: KEYS_DIR/reports-cell-key.secret, created on first start)'),
  REPORT_TIMEOUT_MS: setting('20000', wholeNumber(), 'how long a report may take: it waits on each agency, then counts'),
  STATISTICS_CACHE_MB: setting('256', wholeNumber(), "memory an agency gives to report answers it keeps until its records change; 0 keeps none"),
  REPORT_MEMO_MB: setting('256', wholeNumber(), 'memory the reports service gives to results worked out from unchanged answers; 0 keeps none'),
  SUPERGRAPH_FILE: setting(path.join(repoRoot, 'schema', 'supergraph.graphql'), fromCwd, 'the composed supergraph the gateway serves and watches'),
  SCHEME_CATALOGUE: setting(path.join(repoRoot, 'schema', 'schemes.yaml'), fromCwd, 'the scheme catalogue composition and the hub read'),
  AUTH_JWKS_FILE: optional(text, "a file of the identity provider's public keys for caller tokens (default: a development issuer in KEYS_DIR)"),
  AUTH_JWKS_URL: optional(url('https://idp.example.gov.in/.well-known/jwks.json'), "where the identity provider publishes its public keys (wins over AUTH_JWKS_FILE)"),
  AUTH_ISSUER: setting('worker-graph-dev', text, 'the `iss` a caller token must carry'),
  AUTH_AUDIENCE: setting('worker-graph', text, 'the `aud` a caller token must carry'),
  KEYS_DIR: setting('.data/keys', fromRepo, "the development issuer, every member's keys and the trust file, created on first start"),
  MEMBER_KEY_FILE: optional(text, "a member's own Ed25519 private JWK (default: KEYS_DIR/members/<member>.private.jwk.json)"),
  TRUST_FILE: optional(text, 'whom a member accepts calls from, for which calls, with which keys (default: KEYS_DIR/trust.json)'),
  TRUST_RELOAD_SECONDS: setting('5', wholeNumber(), 'how often a member checks its trust file and its own key file for changes'),
  PURPOSES: setting(DEFAULT_PURPOSES.join(','), list.refine((labels) => labels.length > 0, 'must name at least one purpose'), 'the purposes a request may declare, comma-separated labels'),
  GATEWAY_REPLICAS: setting('1', wholeNumber(1), 'gateway processes sharing its port (`npm run serve -- gateway`)'),
  AUDIT_SIGNING_KEY_FILE: optional(fromRepo, "the gateway's audit-signing key, a private Ed25519 JWK (default: KEYS_DIR/audit/signing.private.jwk.json)"),
  AUDIT_PUBLIC_KEYS_FILE: optional(fromRepo, 'every public key the access log was signed with (default: KEYS_DIR/audit/signing.jwks.json)'),
  AUDIT_CHECKPOINT_FILE: optional(text, "where signed checkpoints of the log's head are appended, `none` for none (default: KEYS_DIR/audit/checkpoints.jsonl)"),
  AUDIT_CHECKPOINT_DATABASE_URL: optional(url('postgres://user@host:5432/checkpoints'), 'another database that receives the same checkpoints (default: none)'),
  AUDIT_CHECKPOINT_SECONDS: setting('60', wholeNumber(), 'how often the head is checkpointed while entries are written'),
  RATE_LIMIT_PER_SUBJECT: setting('600/min', rate, "the gateway's requests per caller; `off` for none"),
  RATE_LIMIT_PER_AGENCY: setting('6000/min', rate, "the gateway's requests per agency; `off` for none"),
  RATE_LIMIT_CONFLICTS: setting('20/hour', rate, 'CONFLICT answers per caller (they probe what is registered); `off` for none'),
  MEMBER_HEAP_MB: setting('1024', wholeNumber(), "each agency's heap limit under `npm start` (the gateway gets twice this)"),
  CIRCUIT_FAILURES: setting('5', wholeNumber(), 'failures in a row after which the gateway stops asking an agency'),
  CIRCUIT_HALF_OPEN_MS: setting('10000', wholeNumber(), 'how long until the gateway tries a stopped agency again'),
  MAX_SUBGRAPH_RESPONSE_BYTES: setting(String(32 * 1024 * 1024), wholeNumber(), "an agency's answer larger than this is abandoned (TOO_LARGE)"),
  MAX_TOKENS: setting('2000', wholeNumber(), 'lexical tokens in one document (1 to 5,000, never off: gateway/guards/limits.ts)'),
  MAX_DEPTH: setting('10', wholeNumber(), 'nested selections, a fragment spread counting as a level; 0 is off'),
  MAX_ALIASES: setting('15', wholeNumber(), 'aliases in one operation; 0 is off'),
  MAX_ROOT_FIELDS: setting('10', wholeNumber(), 'fields asked of Query or Mutation in one operation (`__typename` aside); 0 is off'),
  MAX_DIRECTIVES: setting('20', wholeNumber(), 'directives in one operation; 0 is off'),
  MAX_COST: setting('50000', wholeNumber(), 'estimated cost: every field 1, times the size of each list it lies in; 0 is off'),
  COST_LIST_SIZE: setting('10', wholeNumber(), 'the size assumed for a list without `first`'),
  INTROSPECTION_ROLES: setting('officer,auditor', list, 'roles that may introspect the schema (empty: none)', { emptyIsSet: true }),
  REGISTERED_OPERATIONS_ONLY_ROLES: setting('analyst,service,crp', list, 'roles that may only run registered operations (empty: none)', { emptyIsSet: true }),
  HOST: setting('127.0.0.1', text, 'the interface to listen on'),
  SUBGRAPH_TIMEOUT_MS: setting('5000', wholeNumber(), 'how long the gateway waits for one agency before answering without it'),
  IDEMPOTENCY_KEY_HOURS: setting('24', wholeNumber(), "how long an agency keeps a write's idempotency key"),
  IDEMPOTENCY_WAIT_MS: setting('2000', wholeNumber(), 'how long a retry waits for the first request with its key before IDEMPOTENCY_KEY_IN_PROGRESS'),
  DATABASE_URL: optional(url('postgres://postgres@127.0.0.1:5432/workergraph'), 'an administrator on a server for every agency, one database each (default: the embedded server)'),
  EMBEDDED_PG_DIR: setting('.data/postgres', fromRepo, "the embedded server's data"),
  EMBEDDED_PG_PORT: setting('54329', port, "the embedded server's port"),
  DEMO_WORKERS: setting('4090', wholeNumber(), 'workers in the demo data loaded on first start'),
  DEMO_SEED: setting('2024', wholeNumber(), 'the draw of the demo data'),
  WG_DEMO: setting('0', flag, 'set to 1 by `npm start` for a member that loads the demo data'),
  WG_RESTARTS: setting('0', wholeNumber(), 'set by the supervisor: how often this member was restarted (read when asked)'),
  SOAK_SECONDS: setting('60', wholeNumber(1), 'how long `npm run soak` runs its load'),
});
export type Settings = z.infer<typeof VARIABLES>;

/** The variables whose values a refusal never repeats (they may hold a password or a key). */
const UNSAID = /(_URL|_SECRET)$/;

function refusal(name: string, raw: string | undefined, error: z.ZodError): ConfigError {
  const message = error.issues[0]?.message ?? 'cannot be read';
  const got = raw === undefined || UNSAID.test(name) ? '' : `, got ${quoted(raw)}`;
  return new ConfigError(`${name} ${message}${got}.`);
}

/** Every declared variable of `env`, read; throws a ConfigError naming the first that cannot be. */
export function readSettings(env: Environment): Settings {
  const result = VARIABLES.safeParse(env);
  if (result.success) return result.data;
  const name = String(result.error.issues[0]?.path[0]);
  throw refusal(name, env[name], result.error);
}

/** One declared variable of `env`, read now (for the few that may change while a process runs). */
function readVariable<K extends keyof Settings>(env: Environment, name: K): Settings[K] {
  const result = VARIABLES.shape[name].safeParse(env[name]);
  if (!result.success) throw refusal(name, env[name], result.error);
  return result.data as Settings[K];
}

/** The per-member variables, `<MEMBER>_<suffix>`: `LABOUR_DATABASE_URL`, `GATEWAY_OWNER_DATABASE_URL`, `REPORTS_SUBGRAPH_URL`. */
export const MEMBER_VARIABLES = {
  DATABASE_URL: optional(url('postgres://labour@db.labour.example:5432/labour'), "a member's own database, as its runtime role (`GATEWAY_...`: the access log's)"),
  OWNER_DATABASE_URL: optional(url('postgres://labour_owner@db.labour.example:5432/labour'), "the same database as the role that owns it and migrates it"),
  SUBGRAPH_URL: optional(url('http://labour.example:4001/graphql'), "where a member answers (default: its registry routing URL)"),
};
export type MemberVariable = keyof typeof MEMBER_VARIABLES;

/** `<MEMBER>_<variable>` of `env`, read when asked (these names are made per member); undefined when unset or empty. */
function memberVariable(env: Environment, member: string, variable: MemberVariable): string | undefined {
  const name = `${envName(member)}_${variable}`;
  const result = MEMBER_VARIABLES[variable].safeParse(env[name]);
  if (!result.success) throw refusal(name, env[name], result.error);
  return result.data;
}

/** Worker Graph's configuration as `env` gives it (the process's own is `config`). */
export function readConfig(env: Environment) {
  const v = readSettings(env);
  /** A file of the access log's signing: the variable's path, else this name in KEYS_DIR/audit. */
  const auditFile = (given: string | undefined, name: string) => given ?? path.join(v.KEYS_DIR, 'audit', name);
  return {
    host: v.HOST,
    /** Where this process listens: the gateway's port, or under `npm run serve` any member's. */
    gatewayPort: v.PORT ?? 4000,
    /** PORT, only when it is set: a member served alone otherwise takes its registry port. */
    port: v.PORT,
    /** Gateway processes sharing its port (`npm run serve -- gateway`). */
    gatewayReplicas: v.GATEWAY_REPLICAS,
    /**
     * The gateway's rate limits (gateway/rate-limit.ts), counted in its database so that every
     * replica shares them: requests per caller and per agency, and CONFLICT answers per caller
     * (repeated uniqueness conflicts probe whether a phone or an ID is registered).
     */
    rateLimits: {
      perSubject: v.RATE_LIMIT_PER_SUBJECT,
      perAgency: v.RATE_LIMIT_PER_AGENCY,
      conflictsPerSubject: v.RATE_LIMIT_CONFLICTS,
    },
    /** How often a member checks its trust file and its own key file for changes. */
    trustReloadSeconds: v.TRUST_RELOAD_SECONDS,
    /** The member's own private key and whom it trusts, when not the development ones in KEYS_DIR. */
    memberKeyFile: v.MEMBER_KEY_FILE,
    trustFile: v.TRUST_FILE,
    /**
     * Each subgraph listens on the port of its routing URL in the registry, unless
     * SUBGRAPH_BASE_PORT gives the hub's agencies consecutive ports from there instead (and the
     * access log and reports the next ones).
     */
    subgraphBasePort: v.SUBGRAPH_BASE_PORT,
    /** The gateway's access-log subgraph, which only the gateway calls (unset: see src/hub/processes.ts hubPort). */
    auditPort: v.AUDIT_PORT,
    /** The gateway's reports subgraph, which only the gateway calls (unset: see hubPort). */
    reportsPort: v.REPORTS_PORT,
    /**
     * No report publishes a count of people from 1 to this − 1: the cell-key perturbation shows
     * such counts as 0 or this (src/shared/cell-key.ts), so that no figure points at a person.
     */
    reportMinimumCount: v.REPORT_MINIMUM_COUNT,
    /**
     * The reports service's cell-key secret (hex, at least 32 bytes), or a file holding it; with
     * neither, `reports-cell-key.secret` in KEYS_DIR, created on first start. Give it to the
     * reports service alone: whoever holds it can take the noise off every published figure.
     */
    reportCellKeySecret: v.REPORT_CELL_KEY_SECRET,
    reportCellKeySecretFile: v.REPORT_CELL_KEY_SECRET_FILE,
    /** How long a report may take: it waits on each agency's answer, then counts. */
    reportTimeoutMs: v.REPORT_TIMEOUT_MS,
    /**
     * How much of its memory an agency gives to report answers it has already worked out
     * (src/shared/statistics-cache.ts), in MB; 0 works every answer out afresh.
     */
    statisticsCacheMb: v.STATISTICS_CACHE_MB,
    /**
     * How much memory the reports service gives to results it worked out from answers that come
     * back unchanged (subgraphs/reports/memo.ts), in MB; 0 works every report out afresh.
     */
    reportMemoMb: v.REPORT_MEMO_MB,
    /** The composed supergraph the gateway serves and watches. */
    supergraphFile: v.SUPERGRAPH_FILE,
    /** The scheme catalogue (schema/schemes.yaml or another). */
    schemeCatalogue: v.SCHEME_CATALOGUE,
    /** The purposes a request may declare (labels; src/shared/access/purposes.ts makes their codes). */
    purposes: v.PURPOSES,
    /** How caller tokens are verified: a configured JWKS (URL first, then file), else the development issuer. */
    auth: {
      issuer: v.AUTH_ISSUER,
      audience: v.AUTH_AUDIENCE,
      jwksUrl: v.AUTH_JWKS_URL,
      jwksFile: v.AUTH_JWKS_FILE,
    },
    /** Development keys (caller-token issuer, internal seal) are created here on first start. */
    keysDir: v.KEYS_DIR,
    /**
     * The gateway's audit-signing key (a private Ed25519 JWK): it signs every batch of access-log
     * entries and every checkpoint. It belongs on the gateway's host, never on the database server.
     */
    auditSigningKeyFile: auditFile(v.AUDIT_SIGNING_KEY_FILE, 'signing.private.jwk.json'),
    /** Every public key the gateway has signed the access log with: what `audit:verify` checks against. */
    auditPublicKeysFile: auditFile(v.AUDIT_PUBLIC_KEYS_FILE, 'signing.jwks.json'),
    /** Where the gateway appends signed checkpoints of the log's head (JSON lines); `none` for none. */
    auditCheckpointFile: v.AUDIT_CHECKPOINT_FILE === 'none' ? undefined : path.resolve(repoRoot, auditFile(v.AUDIT_CHECKPOINT_FILE, 'checkpoints.jsonl')),
    /** Another database that receives the same checkpoints (table `access_log_checkpoint`). */
    auditCheckpointDatabaseUrl: v.AUDIT_CHECKPOINT_DATABASE_URL,
    /** How often the head is checkpointed while entries are written (and always on a clean shutdown). */
    auditCheckpointSeconds: v.AUDIT_CHECKPOINT_SECONDS,
    /** How long the gateway waits for one agency before answering without it. */
    subgraphTimeoutMs: v.SUBGRAPH_TIMEOUT_MS,
    /** An agency's answer larger than this is abandoned, so a runaway answer cannot exhaust the gateway. */
    maxSubgraphResponseBytes: v.MAX_SUBGRAPH_RESPONSE_BYTES,
    /**
     * Operation limits, checked by the gateway after parsing and before anything is planned or any
     * agency called (gateway/guards/limits.ts; README "Operation limits and trusted documents").
     * Each variable is named like the `extensions.reason` of its refusal; 0 turns a limit off.
     */
    limits: {
      /** Lexical tokens in one document: stops a huge document while it is being parsed (1 to 5,000, never off). */
      maxTokens: v.MAX_TOKENS,
      /** Nested selections, a fragment spread counting as a level (so fragment chains count too). */
      maxDepth: v.MAX_DEPTH,
      maxAliases: v.MAX_ALIASES,
      /** Fields asked of Query or Mutation in one operation (`__typename` aside). */
      maxRootFields: v.MAX_ROOT_FIELDS,
      maxDirectives: v.MAX_DIRECTIVES,
      /** Estimated cost: every field 1, times the size of each list it lies in (see COST_LIST_SIZE). */
      maxCost: v.MAX_COST,
      /** The size assumed for a list without `first` (a worker's enrolments, a CIG's members). */
      costListSize: v.COST_LIST_SIZE,
    },
    /** Roles that may introspect the schema (`__schema`, `__type`); others get INTROSPECTION_DISABLED. */
    introspectionRoles: v.INTROSPECTION_ROLES,
    /** Roles that may only run registered operations (schema/operations/), by id or exact text: a CRP's app runs the hub's own. */
    registeredOperationsOnlyRoles: v.REGISTERED_OPERATIONS_ONLY_ROLES,
    /** After this many failures in a row the gateway stops asking an agency (CIRCUIT_OPEN)... */
    circuitFailures: v.CIRCUIT_FAILURES,
    /** ...and tries one call again after this long; a success closes the circuit. */
    circuitHalfOpenMs: v.CIRCUIT_HALF_OPEN_MS,
    /** The heap limit of each agency's process under `npm start` (the gateway gets twice this). */
    memberHeapMb: v.MEMBER_HEAP_MB,
    /** A shared server for all agencies (one database each); per-agency URLs win over it. */
    databaseUrl: v.DATABASE_URL,
    /**
     * A per-member variable, `<MEMBER>_<variable>` (`LABOUR_DATABASE_URL`, `GATEWAY_OWNER_DATABASE_URL`,
     * `MEPMA_SUBGRAPH_URL`), read when asked: undefined when unset, a ConfigError naming it when bad.
     */
    memberEnv: (member: string, variable: MemberVariable) => memberVariable(env, member, variable),
    embeddedPostgres: {
      dataDir: v.EMBEDDED_PG_DIR,
      port: v.EMBEDDED_PG_PORT,
    },
    /**
     * How long an agency remembers a write's idempotency key (src/shared/idempotency.ts): a retry
     * with the same key within this many hours gets the first write's record back, not a second write.
     */
    idempotencyKeyHours: v.IDEMPOTENCY_KEY_HOURS,
    /** How long a write waits for another one with its idempotency key to finish before IDEMPOTENCY_KEY_IN_PROGRESS. */
    idempotencyWaitMs: v.IDEMPOTENCY_WAIT_MS,
    /** Where agencies confirm that a worker exists, when Labour runs elsewhere (LABOUR_SUBGRAPH_URL). */
    labourSubgraphUrl: memberVariable(env, 'labour', 'SUBGRAPH_URL') ?? 'http://localhost:4001/graphql',
    demo: {
      seed: v.DEMO_SEED,
      workers: v.DEMO_WORKERS,
    },
    /** Whether this member loads the demo data on start (WG_DEMO=1, set by `npm start`). */
    loadDemo: v.WG_DEMO,
    /** How often the supervisor has restarted this process (WG_RESTARTS), read when asked. */
    get restarts(): number {
      return readVariable(env, 'WG_RESTARTS');
    },
    /** How long `npm run soak` runs its load, in seconds. */
    soakSeconds: v.SOAK_SECONDS,
  } as const;
}
export type Config = ReturnType<typeof readConfig>;

/** This process's configuration, read from its environment once, when this module is first loaded. */
export const config: Config = readConfig(process.env);

/**
 * The environment a child process of this one starts with: this process's, with `overrides`
 * over it (an override of undefined removes the variable).
 */
export function childEnvironment(overrides: Environment = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}
