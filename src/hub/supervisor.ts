/**
 * The hub's members (each agency's subgraph, the access log, the reports, the gateway) as separate
 * OS processes: each is started with `node --import tsx`, announces readiness over its IPC
 * channel (src/shared/lifecycle.ts), has its output passed through under its name, is restarted
 * with back-off when it dies, and is stopped with the rest.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { childEnvironment } from '../shared/config.js';
import {
  Backoff,
  describeExit,
  eachLine,
  exitOf,
  howItEnded,
  LastStderrLine,
  readyDetails,
  seconds,
  STOP_GRACE_MS,
  terminate,
  type BackoffOptions,
  type ProcessExit,
} from '../shared/lifecycle.js';

export interface ProcessSpec {
  /** Member name for logs: 'labour', 'gateway'. */
  name: string;
  /** Script to run with `node --import tsx` (absolute path), and its arguments. */
  script: string;
  args?: string[];
  /** Environment of the child (merged over this process's; undefined removes a variable). */
  env?: Record<string, string | undefined>;
  /** Extra node flags, e.g. ['--max-old-space-size=512']. */
  execArgv?: string[];
  /**
   * A command that runs node elsewhere and then replaces itself with it, keeping the IPC channel,
   * e.g. ['ip', 'netns', 'exec', 'wg-labour'] to place a member on a host of its own.
   */
  launcher?: string[];
}

export interface ManagedProcess {
  readonly name: string;
  /** The current child's pid (changes on restart); undefined while it is down. */
  readonly pid: number | undefined;
  readonly restarts: number;
  /**
   * What the child announced when it became ready (e.g. its URL), from its latest start; undefined
   * from the moment it exits (or is sent SIGKILL, SIGTERM or SIGINT) until its successor announces.
   */
  readonly announced: Record<string, unknown> | undefined;
  /** Resolves when the current child has announced readiness again (after a restart); rejects if the supervisor stops first. */
  ready(): Promise<Record<string, unknown>>;
  /** Sends a signal to the current child (tests kill, stop and continue processes with it). */
  kill(signal: NodeJS.Signals): void;
}

export interface SupervisorOptions {
  /** The supervisor's own lines (every exit and restart); default console.log. */
  log?: (line: string) => void;
  /** The children's output, each line prefixed with the member's name; default this process's stdout and stderr. */
  output?: (line: string, stream: 'stdout' | 'stderr') => void;
  backoff?: BackoffOptions;
  /** How long a child may take to announce readiness when started (default 120 s: a first start migrates and seeds). */
  readyTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL (default 10 s). */
  graceMs?: number;
}

/** Signals that end a child: from then on its announcement describes a process that is going. */
const ENDING_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set(['SIGKILL', 'SIGTERM', 'SIGINT']);

type Waiter = { resolve: (details: Record<string, unknown>) => void; reject: (error: Error) => void };

class Member implements ManagedProcess {
  child: ChildProcess | undefined;
  restarts = 0;
  announced: Record<string, unknown> | undefined;
  /** Set once the first child was ready: from then on an exit means a restart, before it a failed start. */
  supervised = false;
  readyTimedOut = false;
  restartTimer: NodeJS.Timeout | undefined;
  /** Settles once the current child's exit has been handled. */
  gone: Promise<void> = Promise.resolve();
  private waiters: Waiter[] = [];

  constructor(
    readonly spec: ProcessSpec,
    readonly backoff: Backoff,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  ready(): Promise<Record<string, unknown>> {
    if (this.announced) return Promise.resolve(this.announced);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  kill(signal: NodeJS.Signals): void {
    if (!this.child) return;
    if (ENDING_SIGNALS.has(signal)) this.announced = undefined;
    this.child.kill(signal);
  }

  becameReady(details: Record<string, unknown>): void {
    this.announced = details;
    for (const waiter of this.waiters.splice(0)) waiter.resolve(details);
  }

  /** Rejects whoever waits for readiness (start() among them). */
  fail(error: Error): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }
}

export class Supervisor {
  private readonly members = new Set<Member>();
  private stopping = false;
  private readonly log: (line: string) => void;
  private readonly output: (line: string, stream: 'stdout' | 'stderr') => void;
  private readonly backoff: BackoffOptions;
  private readonly readyTimeoutMs: number;
  private readonly graceMs: number;

  constructor(options: SupervisorOptions = {}) {
    this.log = options.log ?? ((line) => console.log(line));
    this.output = options.output ?? ((line, stream) => process[stream].write(`${line}\n`));
    this.backoff = options.backoff ?? {};
    this.readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
    this.graceMs = options.graceMs ?? STOP_GRACE_MS;
  }

  /** Starts a child and resolves once it announced readiness (rejects with the child's own last stderr line if it exits first or times out). */
  async start(spec: ProcessSpec): Promise<ManagedProcess> {
    if (this.stopping) throw new Error(`${spec.name} was not started: the supervisor is stopping.`);
    const member = new Member(spec, new Backoff(this.backoff));
    this.members.add(member);
    this.spawn(member);
    const timer = setTimeout(() => {
      member.readyTimedOut = true;
      if (member.child) void terminate(member.child, this.graceMs);
    }, this.readyTimeoutMs);
    try {
      await member.ready();
      return member;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops every child: SIGTERM, then SIGKILL after the grace period; resolves when all have exited. No restarts after this. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.members].map(async (member) => {
        clearTimeout(member.restartTimer);
        member.fail(new Error(`${member.name} was stopped before it was ready.`));
        if (member.child) await terminate(member.child, this.graceMs);
        await member.gone;
      }),
    );
  }

  private spawn(member: Member): void {
    const { spec } = member;
    const nodeArgs = ['--import', 'tsx', ...(spec.execArgv ?? [])];
    const [launcher, ...launcherArgs] = spec.launcher ?? [];
    const child = fork(spec.script, spec.args ?? [], {
      ...(launcher ? { execPath: launcher, execArgv: [...launcherArgs, process.execPath, ...nodeArgs] } : { execArgv: nodeArgs }),
      env: childEnvironment({ ...spec.env, WG_RESTARTS: String(member.restarts) }),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const startedAt = Date.now();
    const lastStderrLine = new LastStderrLine();
    member.child = child;
    member.announced = undefined;
    eachLine(child.stdout!, (line) => this.output(`[${spec.name}] ${line}`, 'stdout'));
    eachLine(child.stderr!, (line) => {
      lastStderrLine.add(line);
      this.output(`[${spec.name}] ${line}`, 'stderr');
    });
    child.on('message', (message) => {
      const details = readyDetails(message);
      if (!details || member.readyTimedOut) return;
      member.supervised = true;
      member.becameReady(details);
    });
    // Without a listener, a failed signal or IPC send would crash the supervisor.
    child.on('error', (error) => this.log(`[supervisor] ${spec.name}: ${error.message}`));
    member.gone = exitOf(child).then((exit) => this.exited(member, exit, Date.now() - startedAt, lastStderrLine));
  }

  private exited(member: Member, exit: ProcessExit, uptimeMs: number, lastStderrLine: LastStderrLine): void {
    member.child = undefined;
    member.announced = undefined;
    if (!member.supervised || this.stopping) {
      this.log(`[supervisor] ${describeExit(member.name, exit, uptimeMs)}`);
      if (member.supervised) return;
      this.members.delete(member);
      const failure = member.readyTimedOut ? `was not ready within ${seconds(this.readyTimeoutMs)}` : `exited (${howItEnded(exit)}) before it was ready`;
      member.fail(new Error(`${member.name} ${failure}: ${lastStderrLine}`));
      return;
    }
    const delayMs = member.backoff.delayAfter(uptimeMs);
    this.log(`[supervisor] ${describeExit(member.name, exit, uptimeMs, { count: member.restarts + 1, delayMs })}`);
    member.restartTimer = setTimeout(() => {
      member.restarts += 1;
      this.spawn(member);
    }, delayMs);
  }
}
