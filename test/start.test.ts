/**
 * `npm start` as a person on a fresh machine runs it: embedded PostgreSQL, demo data, every
 * subgraph and the gateway; a second start keeps the data; a start after a hard kill recovers;
 * Ctrl-C stops everything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, freePortRun } from './support/ports';
import { graphql } from './support/stack';

const root = path.resolve(__dirname, '..');
const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'worker-graph-start-')), 'postgres');
let env: NodeJS.ProcessEnv;
const children: ChildProcess[] = [];

beforeAll(async () => {
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  env = {
    ...rest,
    EMBEDDED_PG_DIR: dataDir,
    EMBEDDED_PG_PORT: String(await freePort()),
    PORT: String(await freePortRun(1)),
    SUBGRAPH_BASE_PORT: String(await freePortRun(5)),
    DEMO_WORKERS: '200',
  };
});

/** Starts `npm start`'s script and resolves with its output once the gateway is ready. */
function start(): Promise<{ child: ChildProcess; output: () => string }> {
  // One process, as `npm start` runs it, so a SIGKILL is a real hard kill of the whole hub.
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: root, env });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no gateway after 60 s:\n${output}`)), 60_000);
    child.stdout!.on('data', () => {
      if (output.includes('gateway ready at')) {
        clearTimeout(timer);
        resolve({ child, output: () => output });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${output}`));
    });
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

// Whatever happened in the test, leave no server behind.
afterAll(async () => {
  const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
  for (const child of running) child.kill('SIGINT');
  await Promise.all(running.map(exited));
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGINT');
});

const gateway = () => `http://127.0.0.1:${env.PORT}/graphql`;

test('first start loads demo data; a hard kill and a restart keep it; Ctrl-C stops cleanly', async () => {
  const first = await start();
  expect(first.output()).toMatch(/loaded demo data for 200 workers/);
  const before = await graphql(gateway(), `{ workers(first: 1) { totalCount } }`);
  expect(before.data.workers.totalCount).toBe(200);

  // A hard kill leaves PostgreSQL running with its pid file: the next start must cope.
  first.child.kill('SIGKILL');
  await exited(first.child);
  expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(true);

  const second = await start();
  expect(second.output()).not.toMatch(/loaded demo data/);
  const after = await graphql(gateway(), `{ workers(first: 1) { totalCount } }`);
  expect(after.data.workers.totalCount).toBe(200);

  second.child.kill('SIGINT');
  expect(await exited(second.child)).toBe(0);
  expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);
}, 180_000);
