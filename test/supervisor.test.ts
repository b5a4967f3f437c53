/**
 * The supervisor (src/hub/supervisor.ts) and the member side of it (src/shared/lifecycle.ts),
 * with real processes running test/fixtures/child.ts: start, restart after a kill with back-off,
 * failed starts explained, stop, children that die with their supervisor, replicas on one port.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Supervisor, type SupervisorOptions } from '../src/hub/supervisor';
import { Backoff, readyDetails } from '../src/shared/lifecycle';
import { freePort } from './support/ports';

const childScript = path.join(__dirname, 'fixtures', 'child.ts');
const supervisorScript = path.join(__dirname, 'fixtures', 'supervisor.ts');

const supervisors: Supervisor[] = [];
const forked: ChildProcess[] = [];
/** Every process a test started, directly or not: none may outlive the file. */
const pids = new Set<number>();

/** A supervisor whose lines (its own and its children's) are kept in `lines`, with when each came. */
function supervise(options: SupervisorOptions = {}) {
  const lines: { at: number; line: string }[] = [];
  const keep = (line: string) => lines.push({ at: Date.now(), line });
  const supervisor = new Supervisor({ readyTimeoutMs: 15_000, ...options, log: keep, output: keep });
  supervisors.push(supervisor);
  return { supervisor, lines, text: () => lines.map((entry) => entry.line).join('\n') };
}

/** GET with a connection of its own, so that each request may reach another cluster worker. */
function get(url: string): Promise<{ pid: number; restarts: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve(JSON.parse(body)));
      })
      .on('error', reject);
  });
}

/**
 * Whether a process is still running. A process whose parent died is reparented to PID 1, which
 * here does not reap it: an exited one lingers as a zombie (state Z), which signal 0 still reaches.
 */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc: signal 0 is all there is
  }
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterAll(async () => {
  await Promise.all(supervisors.map((supervisor) => supervisor.stop()));
  for (const child of forked) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await waitFor(() => [...pids].every((pid) => !isRunning(pid)), 'every process to end', 15_000).catch(() => {});
  expect([...pids].filter(isRunning)).toEqual([]);
});

test('back-off doubles up to its maximum and starts over once a process stayed up long enough', () => {
  const backoff = new Backoff();
  expect([1, 2, 3, 4, 5, 6, 7, 8].map(() => backoff.delayAfter(100))).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  expect(backoff.delayAfter(30_000)).toBe(500);
  expect(backoff.delayAfter(29_999)).toBe(1000);
});

test('a started child announces its URL, which answers with its pid', async () => {
  const { supervisor } = supervise();
  const member = await supervisor.start({ name: 'solo', script: childScript });
  pids.add(member.pid!);
  expect(member.announced).toEqual({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/), pid: member.pid });
  expect(await get(member.announced!.url as string)).toEqual({ pid: member.pid, restarts: 0 });
  expect(member.restarts).toBe(0);
  await supervisor.stop();
});

test('a SIGKILLed child is restarted, with a logged line, a new pid and WG_RESTARTS=1', async () => {
  const { supervisor, text } = supervise();
  const member = await supervisor.start({ name: 'labour', script: childScript });
  const firstPid = member.pid!;
  pids.add(firstPid);
  member.kill('SIGKILL');
  const details = await member.ready();
  pids.add(member.pid!);
  expect(member.pid).not.toBe(firstPid);
  expect(details.pid).toBe(member.pid);
  expect(member.restarts).toBe(1);
  expect(text()).toMatch(/^\[supervisor\] labour exited \(signal SIGKILL\) after \d+\.\d s; restart 1 in 0\.5 s$/m);
  expect(await get(details.url as string)).toEqual({ pid: member.pid, restarts: 1 });
  await supervisor.stop();
});

test('a child that keeps crashing is restarted after growing delays, up to the maximum', async () => {
  const { supervisor, lines } = supervise({ backoff: { initialMs: 100, maxMs: 400 } });
  const member = await supervisor.start({ name: 'mepma', script: childScript, env: { FIXTURE_CRASH_AFTER_MS: '100' } });
  pids.add(member.pid!);
  const restartLines = () => lines.filter((entry) => /^\[supervisor\] mepma exited \(code 3\).*; restart/.test(entry.line));
  await waitFor(() => {
    if (member.pid) pids.add(member.pid);
    return restartLines().length >= 4;
    // Each restart is a new node process with tsx: seconds apiece on a loaded machine (CI's).
  }, 'four restarts', 45_000);
  const restarts = restartLines();
  expect(restarts.map((entry) => /restart (\d+) in (\d+\.\d) s$/.exec(entry.line)!.slice(1))).toEqual([
    ['1', '0.1'],
    ['2', '0.2'],
    ['3', '0.4'],
    ['4', '0.4'],
  ]);
  // Each crash comes at least the announced delay (plus the 100 ms up) after the one before.
  for (let i = 1; i < restarts.length; i++) expect(restarts[i].at - restarts[i - 1].at).toBeGreaterThanOrEqual([100, 200, 400][i - 1] + 100);
  await supervisor.stop();
});

test('a child that exits or hangs before it is ready makes start() reject with its last stderr line', async () => {
  const { supervisor } = supervise();
  // Short enough for the test, long enough for a loaded machine to start the child and hear from it.
  const { supervisor: impatient } = supervise({ readyTimeoutMs: 8000, graceMs: 1000 });
  const start = (on: Supervisor, name: string, fail: string) => on.start({ name, script: childScript, env: { FIXTURE_FAIL: fail } });
  const [exits, throws, hangs] = await Promise.allSettled([
    start(supervisor, 'icds', 'exit'),
    start(supervisor, 'transport', 'throw'),
    start(impatient, 'municipal', 'hang'),
  ]);
  expect(exits).toEqual({ status: 'rejected', reason: new Error('icds exited (code 1) before it was ready: fixture: FIXTURE_FAIL=exit, refusing to start') });
  // Node's report of an uncaught error ends in stack frames and its version: the error's line explains.
  expect(throws).toEqual({ status: 'rejected', reason: new Error('transport exited (code 1) before it was ready: Error: fixture: the configuration file is unreadable') });
  expect(hangs.status).toBe('rejected');
  const message = (hangs as PromiseRejectedResult).reason.message as string;
  expect(message).toMatch(/^municipal was not ready within 8\.0 s: fixture \d+: waiting for a database that never answers$/);
  // The child that hung was stopped before start() gave up on it.
  const hungPid = Number(/fixture (\d+):/.exec(message)![1]);
  pids.add(hungPid);
  expect(isRunning(hungPid)).toBe(false);
  await Promise.all([supervisor.stop(), impatient.stop()]);
});

test('stop() ends every child, a frozen one and a stuck one too, and no restart follows', async () => {
  const { supervisor, text } = supervise({ backoff: { initialMs: 100 } });
  const members = await Promise.all([
    supervisor.start({ name: 'labour', script: childScript }),
    supervisor.start({ name: 'icds', script: childScript }),
    supervisor.start({ name: 'gateway', script: childScript, env: { FIXTURE_STOP_HANGS: '1' } }),
  ]);
  const childPids = members.map((member) => member.pid!);
  childPids.forEach((pid) => pids.add(pid));
  members[1].kill('SIGSTOP');
  const stopping = Date.now();
  await supervisor.stop();
  // Well within the supervisor's 10 s grace: the frozen child was continued and handled its SIGTERM.
  expect(Date.now() - stopping).toBeLessThan(5000);
  expect(childPids.filter(isRunning)).toEqual([]);
  expect(text()).toMatch(/^\[supervisor\] labour exited \(code 0\) after \d+\.\d s$/m);
  expect(text()).toMatch(/^\[supervisor\] icds exited \(code 0\) after \d+\.\d s$/m);
  // A stop that does not finish within its grace ends the process anyway, with code 1.
  expect(text()).toMatch(/^\[gateway\] Did not stop within 0\.5 s; exiting anyway\.$/m);
  expect(text()).toMatch(/^\[supervisor\] gateway exited \(code 1\) after \d+\.\d s$/m);
  await sleep(500);
  expect(members.map((member) => member.pid)).toEqual([undefined, undefined, undefined]);
  expect(text()).not.toMatch(/restart/);
  await expect(supervisor.start({ name: 'late', script: childScript })).rejects.toThrow('the supervisor is stopping');
});

test('children of a SIGKILLed supervisor exit on their own (their IPC channel disconnects)', async () => {
  const supervisorProcess = fork(supervisorScript, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  forked.push(supervisorProcess);
  pids.add(supervisorProcess.pid!);
  let output = '';
  supervisorProcess.stdout!.on('data', (chunk) => (output += chunk));
  supervisorProcess.stderr!.on('data', (chunk) => (output += chunk));
  const announced = await new Promise<Record<string, unknown>>((resolve, reject) => {
    supervisorProcess.on('message', (message) => {
      const details = readyDetails(message);
      if (details) resolve(details);
    });
    supervisorProcess.on('exit', (code) => reject(new Error(`the supervisor exited with ${code}:\n${output}`)));
  });
  const childPids = announced.pids as number[];
  expect(childPids).toHaveLength(2);
  childPids.forEach((pid) => pids.add(pid));
  expect(childPids.filter(isRunning)).toEqual(childPids);
  supervisorProcess.kill('SIGKILL');
  await waitFor(() => childPids.every((pid) => !isRunning(pid)), 'the orphaned children to exit', 15_000);
});

test('three replicas answer on one port; a killed worker is restarted while the port keeps answering', async () => {
  const { supervisor, text } = supervise();
  const port = await freePort();
  const member = await supervisor.start({ name: 'replicas', script: childScript, env: { FIXTURE_REPLICAS: '3', FIXTURE_PORT: String(port) } });
  const primaryPid = member.pid!;
  pids.add(primaryPid);
  const replicas = member.announced!.replicas as { url: string; pid: number }[];
  const workerPids = replicas.map((replica) => replica.pid);
  workerPids.forEach((pid) => pids.add(pid));
  expect(new Set(workerPids).size).toBe(3);
  expect(replicas.map((replica) => replica.url)).toEqual([1, 2, 3].map(() => `http://127.0.0.1:${port}/`));
  expect(member.announced!.url).toBe(`http://127.0.0.1:${port}/`);

  const url = `http://127.0.0.1:${port}/`;
  const seen = new Set<number>();
  for (let i = 0; i < 12; i++) seen.add((await get(url)).pid);
  expect(seen.size).toBeGreaterThan(1);
  for (const pid of seen) expect(workerPids).toContain(pid);

  process.kill(workerPids[0], 'SIGKILL');
  await waitFor(() => /\[replicas\] \[cluster\] fixture replica \d exited \(signal SIGKILL\) after \d+\.\d s; restart 1 in 0\.5 s/.test(text()), 'the restart line');
  // Every request succeeds while the replica is down, until its successor answers.
  let successor: { pid: number; restarts: number } | undefined;
  await waitFor(async () => {
    const answer = await get(url);
    pids.add(answer.pid);
    if (!workerPids.includes(answer.pid)) successor = answer;
    return successor !== undefined;
  }, 'the restarted replica to answer');
  expect(successor!.restarts).toBe(1);
  expect(isRunning(workerPids[0])).toBe(false);
  // The primary itself was not restarted.
  expect(member.restarts).toBe(0);
  await supervisor.stop();
  expect([primaryPid, ...workerPids.slice(1), successor!.pid].filter(isRunning)).toEqual([]);
});
