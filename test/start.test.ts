/**
 * `npm start` as a person on a fresh machine runs it: embedded PostgreSQL, demo data, every
 * subgraph and the gateway each in its own process, and a demo token that works; a second start
 * keeps the data; a start after a hard kill recovers (the members of the killed start stop by
 * themselves); Ctrl-C stops everything.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
    // Five agencies, the access log and the reports.
    SUBGRAPH_BASE_PORT: String(await freePortRun(7)),
    KEYS_DIR: path.join(path.dirname(dataDir), 'keys'),
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
      if (output.includes('Try: curl')) {
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
  rmSync(path.dirname(dataDir), { recursive: true, force: true });
});

const gateway = () => `http://127.0.0.1:${env.PORT}/graphql`;

/** The demo token `npm start` printed, as a person would copy it. */
function demoToken(output: string): Record<string, string> {
  const token = /export WG_TOKEN=(\S+)/.exec(output)?.[1];
  expect(token).toBeDefined();
  return { authorization: `Bearer ${token}` };
}

test('first start loads demo data; a hard kill and a restart keep it; Ctrl-C stops cleanly', async () => {
  const first = await start();
  expect(first.output()).toMatch(/loaded demo data for 200 workers/);
  const before = await graphql(gateway(), `{ workers(first: 1) { totalCount } }`, {}, demoToken(first.output()));
  expect(before.data.workers.totalCount).toBe(200);
  // Without it, nothing.
  expect((await graphql(gateway(), `{ workers(first: 1) { totalCount } }`)).status).toBe(401);

  // `npm run -s token` prints one token alone, signed by the same development keys.
  const { stdout } = await promisify(execFile)('npm', ['run', '-s', 'token', '--', '--agency', 'mepma', '--role', 'officer', '--jurisdiction', 'city:VJA', '--purpose', 'CIG follow-up'], { cwd: root, env });
  expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  const vja = await graphql(gateway(), `{ workers(first: 1, filter: { city: "GVMC" }) { totalCount } }`, {}, { authorization: `Bearer ${stdout.trim()}` });
  expect(vja.data.workers.totalCount).toBe(0);

  // A hard kill leaves PostgreSQL running with its pid file: the next start must cope.
  first.child.kill('SIGKILL');
  await exited(first.child);
  expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(true);

  const second = await start();
  expect(second.output()).not.toMatch(/loaded demo data/);
  // The keys made on the first start are kept: the first start's token still works.
  const after = await graphql(gateway(), `{ workers(first: 1) { totalCount } }`, {}, demoToken(first.output()));
  expect(after.data.workers.totalCount).toBe(200);

  second.child.kill('SIGINT');
  expect(await exited(second.child)).toBe(0);
  expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);
}, 180_000);
