/**
 * One PostgreSQL for the whole test run. With DATABASE_URL set (CI's second pass, or a
 * developer's own server) the tests use that server; otherwise an embedded one starts here, in
 * a throwaway folder on a free port, exactly as `npm start` would on a fresh machine.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../src/shared/embedded-postgres';
import { freePort } from './ports';

export default async function globalSetup() {
  // Hubs the tests start as processes (processes.test.ts) send bursts as one caller: no rate
  // limits there unless a test sets them (rate-limit.test.ts sets its own, in process).
  for (const name of ['RATE_LIMIT_PER_SUBJECT', 'RATE_LIMIT_PER_AGENCY', 'RATE_LIMIT_CONFLICTS']) process.env[name] ??= 'off';
  if (process.env.DATABASE_URL) {
    console.log(`\nTests use the PostgreSQL server in DATABASE_URL.`);
    return;
  }
  const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'worker-graph-test-')), 'postgres');
  const server = await startEmbeddedPostgres({ dataDir, port: await freePort() });
  process.env.DATABASE_URL = server.url('wgtest');
  process.env.WG_TEST_STARTED_EMBEDDED = '1';
  (globalThis as { __embeddedPostgres?: typeof server }).__embeddedPostgres = server;
  (globalThis as { __embeddedPostgresDir?: string }).__embeddedPostgresDir = path.dirname(dataDir);
  console.log(`\nTests use an embedded PostgreSQL (${dataDir}).`);
}
