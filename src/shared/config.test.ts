/** Reading the environment (src/shared/config.ts): defaults, refusals that name the variable, per-member variables. No servers. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './errors';
import { DEFAULT_PURPOSES, readConfig, repoRoot, VARIABLES } from './config';

/** The ConfigError `read` throws, or a failure when it throws none. */
function refusal(read: () => unknown): ConfigError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

test('an empty environment gives every default', () => {
  const config = readConfig({});
  expect(config.host).toBe('127.0.0.1');
  expect(config.gatewayPort).toBe(4000);
  expect(config.port).toBeUndefined();
  expect(config.gatewayReplicas).toBe(1);
  expect(config.rateLimits).toEqual({ perSubject: { limit: 600, windowSeconds: 60 }, perAgency: { limit: 6000, windowSeconds: 60 }, conflictsPerSubject: { limit: 20, windowSeconds: 3600 } });
  expect(config.keysDir).toBe(path.join(repoRoot, '.data', 'keys'));
  expect(config.auditSigningKeyFile).toBe(path.join(repoRoot, '.data', 'keys', 'audit', 'signing.private.jwk.json'));
  expect(config.auditCheckpointFile).toBe(path.join(repoRoot, '.data', 'keys', 'audit', 'checkpoints.jsonl'));
  expect(config.supergraphFile).toBe(path.join(repoRoot, 'schema', 'supergraph.graphql'));
  expect(config.schemeCatalogue).toBe(path.join(repoRoot, 'schema', 'schemes.yaml'));
  expect(config.purposes).toEqual(DEFAULT_PURPOSES);
  expect(config.auth).toEqual({ issuer: 'worker-graph-dev', audience: 'worker-graph', jwksUrl: undefined, jwksFile: undefined });
  expect(config.introspectionRoles).toEqual(['officer', 'auditor']);
  expect(config.limits.maxTokens).toBe(2000);
  expect(config.maxSubgraphResponseBytes).toBe(32 * 1024 * 1024);
  expect(config.embeddedPostgres).toEqual({ dataDir: path.join(repoRoot, '.data', 'postgres'), port: 54329 });
  expect(config.demo).toEqual({ seed: 2024, workers: 4090 });
  expect(config.loadDemo).toBe(false);
  expect(config.restarts).toBe(0);
  expect(config.databaseUrl).toBeUndefined();
  expect(config.labourSubgraphUrl).toBe('http://localhost:4001/graphql');
  // Without AUDIT_PORT (or REPORTS_PORT, SUBGRAPH_BASE_PORT) the hub takes the registry's port: none is made up here.
  expect([config.auditPort, config.reportsPort, config.subgraphBasePort]).toEqual([undefined, undefined, undefined]);
});

test('set values are read; empty is unset, except for a list, where it means none', () => {
  const config = readConfig({
    PORT: '8080',
    AUDIT_PORT: '5099',
    HOST: '',
    KEYS_DIR: '/srv/keys',
    AUDIT_CHECKPOINT_FILE: 'none',
    RATE_LIMIT_PER_SUBJECT: 'off',
    RATE_LIMIT_CONFLICTS: '5/10s',
    INTROSPECTION_ROLES: '',
    REGISTERED_OPERATIONS_ONLY_ROLES: ' analyst , crp ',
    PURPOSES: 'Audit, Statistics',
    WG_DEMO: '1',
    WG_RESTARTS: '3',
  });
  expect([config.gatewayPort, config.port, config.auditPort, config.host]).toEqual([8080, 8080, 5099, '127.0.0.1']);
  expect(config.auditSigningKeyFile).toBe('/srv/keys/audit/signing.private.jwk.json');
  expect(config.auditCheckpointFile).toBeUndefined();
  expect(config.rateLimits.perSubject).toBeUndefined();
  expect(config.rateLimits.conflictsPerSubject).toEqual({ limit: 5, windowSeconds: 10 });
  expect(config.introspectionRoles).toEqual([]);
  expect(config.registeredOperationsOnlyRoles).toEqual(['analyst', 'crp']);
  expect(config.purposes).toEqual(['Audit', 'Statistics']);
  expect(config.loadDemo).toBe(true);
  expect(config.restarts).toBe(3);
});

test.each([
  [{ PORT: 'eighty' }, 'PORT must be a whole number, got "eighty".'],
  [{ AUDIT_PORT: '70000' }, 'AUDIT_PORT must be a port number (0 to 65535), got "70000".'],
  [{ SUBGRAPH_TIMEOUT_MS: '-5' }, 'SUBGRAPH_TIMEOUT_MS must be a whole number, got "-5".'],
  [{ GATEWAY_REPLICAS: '0' }, 'GATEWAY_REPLICAS must be 1 or more, got "0".'],
  [{ RATE_LIMIT_PER_AGENCY: '6000 per minute' }, 'RATE_LIMIT_PER_AGENCY must be a rate such as 600/min, 20/hour or 5/10s (or off), got "6000 per minute".'],
  [{ WG_DEMO: 'yes' }, 'WG_DEMO must be 1 or 0, got "yes".'],
  [{ PURPOSES: ' , ' }, 'PURPOSES must name at least one purpose, got " , ".'],
  // A URL may hold a password: the refusal names the variable, never its value.
  [{ DATABASE_URL: 'secret-password@nowhere' }, 'DATABASE_URL must be a URL such as postgres://postgres@127.0.0.1:5432/workergraph.'],
])('%j is refused in one line naming the variable', (env, message) => {
  const error = refusal(() => readConfig(env));
  expect(error.message).toBe(message);
  expect(error.message.split('\n')).toHaveLength(1);
});

test('a per-member variable is read when asked, by the member name made into a variable name', () => {
  const env: Record<string, string | undefined> = { URBAN_HEALTH_DATABASE_URL: 'postgres://uh@db:5432/uh', GATEWAY_OWNER_DATABASE_URL: '', LABOUR_SUBGRAPH_URL: 'http://labour.example:4001/graphql' };
  const config = readConfig(env);
  expect(config.memberEnv('urban-health', 'DATABASE_URL')).toBe('postgres://uh@db:5432/uh');
  expect(config.memberEnv('gateway', 'OWNER_DATABASE_URL')).toBeUndefined();
  expect(config.memberEnv('mepma', 'SUBGRAPH_URL')).toBeUndefined();
  expect(config.labourSubgraphUrl).toBe('http://labour.example:4001/graphql');
  env.MEPMA_SUBGRAPH_URL = 'http://mepma.example:4005/graphql'; // read when asked, not when the configuration was read
  expect(config.memberEnv('mepma', 'SUBGRAPH_URL')).toBe('http://mepma.example:4005/graphql');
  env.ICDS_DATABASE_URL = 'not a url';
  expect(refusal(() => config.memberEnv('icds', 'DATABASE_URL')).message).toBe('ICDS_DATABASE_URL must be a URL such as postgres://labour@db.labour.example:5432/labour.');
});

test("every variable is in the README's Configuration table", () => {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Tests and CI'));
  const documented = new Set(table.match(/`[A-Z][A-Z0-9_]+`/g)?.map((name) => name.slice(1, -1)));
  expect(Object.keys(VARIABLES.shape).filter((name) => !documented.has(name))).toEqual([]);
  expect(documented.size).toBeGreaterThan(40);
});
