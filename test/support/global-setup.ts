/**
 * One PostgreSQL for the whole test run. With DATABASE_URL set (CI's second pass, or a
 * developer's own server) the tests use that server; otherwise an embedded one starts here, in
 * the run's temporary folder on a free port, exactly as `npm start` would on a fresh machine.
 *
 * The run leaves nothing behind (global-teardown.ts): every database it makes is named after
 * DATABASE_URL's with a suffix of this run's own (`wgci` → `wgci_r1a2b3c_<suite>_<member>`,
 * databases.ts), and everything the tests and the programs they start put in the temporary
 * folder goes into one folder of the run's own (TMPDIR, os.tmpdir()).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../src/shared/embedded-postgres';
import { freePort } from './ports';
import type { TestRun } from './global-teardown';

export default async function globalSetup() {
  // Hubs the tests start as processes (processes.test.ts) send bursts as one caller: no rate
  // limits there unless a test sets them (rate-limit.test.ts sets its own, in process).
  for (const name of ['RATE_LIMIT_PER_SUBJECT', 'RATE_LIMIT_PER_AGENCY', 'RATE_LIMIT_CONFLICTS']) process.env[name] ??= 'off';
  const suffix = `r${randomBytes(3).toString('hex')}`;
  // Reachable (not listable) by the unprivileged user PostgreSQL runs as when the tests run as root.
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), `worker-graph-test-${suffix}-`));
  chmodSync(tmpDir, 0o711);
  const run: TestRun = { tmpDir, tmpWas: process.env.TMPDIR };
  (globalThis as { __workerGraphTestRun?: TestRun }).__workerGraphTestRun = run;
  process.env.TMPDIR = tmpDir;
  const given = process.env.DATABASE_URL;
  if (given) {
    const url = new URL(given);
    url.pathname = `/${url.pathname.replace(/^\//, '') || 'wgtest'}_${suffix}`;
    process.env.DATABASE_URL = run.databaseUrl = url.toString();
    console.log(`\nTests use the PostgreSQL server in DATABASE_URL (databases ${decodeURIComponent(url.pathname.slice(1))}_*, dropped at the end).`);
    return;
  }
  const dataDir = path.join(tmpDir, 'postgres');
  const server = await startEmbeddedPostgres({ dataDir, port: await freePort() });
  run.embedded = server;
  process.env.DATABASE_URL = server.url(`wgtest_${suffix}`);
  process.env.WG_TEST_STARTED_EMBEDDED = '1';
  console.log(`\nTests use an embedded PostgreSQL (${dataDir}).`);
}
