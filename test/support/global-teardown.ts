/**
 * The end of a test run: drops every database and role the run made on a server of its own
 * choosing (those named after the run's DATABASE_URL, databases.ts; the suites drop their hubs'
 * own as they stop, this catches the rest), stops the embedded server, and removes the run's
 * temporary folder (TMPDIR while it ran) with everything in it.
 */
import { rmSync } from 'node:fs';
import { dropEverythingOf, runPrefix } from './databases';

/** What global-setup.ts leaves for the teardown (the two share a global scope). */
export interface TestRun {
  tmpDir: string;
  tmpWas: string | undefined;
  /** The run's DATABASE_URL on a server it did not start. */
  databaseUrl?: string;
  embedded?: { stop(): Promise<void> };
}

export default async function globalTeardown() {
  const run = (globalThis as { __workerGraphTestRun?: TestRun }).__workerGraphTestRun;
  if (!run) return;
  try {
    if (run.databaseUrl) await dropEverythingOf(run.databaseUrl, runPrefix(run.databaseUrl));
    // A throwaway server's databases go with its folder.
    await run.embedded?.stop();
  } finally {
    if (run.tmpWas === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = run.tmpWas;
    rmSync(run.tmpDir, { recursive: true, force: true });
  }
}
