/**
 * `npm run serve -- <member>` as an agency's data centre runs it: one member, configured from the
 * environment, that refuses to start with one line naming what to fix when it is misconfigured,
 * and otherwise migrates its own database, serves, and answers only the members it trusts.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { memberKeyFile, memberKeyFromJwk } from '../src/shared/access/members';
import { SEAL_HEADER, sealCall } from '../src/shared/access/seal';
import { prepareKeysDir } from '../src/hub/member-keys';
import { memberNames } from '../src/hub/members';
import { freePort } from './support/ports';

const root = path.resolve(__dirname, '..');
const keysDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'worker-graph-serve-')), 'keys');

beforeAll(() => prepareKeysDir(keysDir, memberNames()));
afterAll(() => rmSync(path.dirname(keysDir), { recursive: true, force: true }));

/** Runs the command to its end (it is expected to refuse), with only `env` set beside PATH. */
async function refusal(args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  try {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/serve.ts', ...args], { cwd: root, env: { PATH: process.env.PATH!, KEYS_DIR: keysDir, ...env }, timeout: 30_000 });
    return { code: 0, stderr: '' };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

test.each([
  ['an unknown member', ['nosuch'], {}, /^nosuch is misconfigured: Unknown member "nosuch": one of labour, .*gateway\.$/],
  ['a missing key', ['labour'], { MEMBER_KEY_FILE: '/nonexistent/labour.jwk.json' }, /^labour is misconfigured: The key of labour \(MEMBER_KEY_FILE\) \/nonexistent\/labour\.jwk\.json does not exist\./],
  ['a missing trust file', ['labour'], { TRUST_FILE: '/nonexistent/trust.json' }, /^labour is misconfigured: The trust file \(TRUST_FILE\) \/nonexistent\/trust\.json does not exist\./],
  ['a bad port', ['labour'], { PORT: 'eighty' }, /^labour is misconfigured: PORT must be a whole number, got "eighty"\.$/],
])('%s refuses to start with one line saying what to fix', async (_what, args, env, message) => {
  const { code, stderr } = await refusal(args, { LABOUR_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/labour', ...env });
  expect(code).toBe(1);
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr.trim()).toMatch(message);
});

test('an unreachable database refuses to start, naming the variable', async () => {
  const { code, stderr } = await refusal(['labour'], { LABOUR_DATABASE_URL: `postgres://nobody@127.0.0.1:${await freePort()}/labour` });
  expect(code).toBe(1);
  expect(stderr.trim()).toBe('labour is misconfigured: cannot use the database in LABOUR_DATABASE_URL (or DATABASE_URL): nothing listens there (ECONNREFUSED).');
});

test('one agency alone: it makes its roles, migrates, serves, and answers the gateway it trusts', async () => {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `${url.pathname.replace(/^\//, '') || 'wgtest'}_serve`;
  const port = await freePort();
  // Only an administrator's URL: the member makes its own two roles on that server.
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/serve.ts', 'icds'], {
    cwd: root,
    env: { PATH: process.env.PATH!, KEYS_DIR: keysDir, DATABASE_URL: url.toString(), PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  try {
    const deadline = Date.now() + 60_000;
    while (!output.includes('icds ready at')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`icds did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);
    const body = JSON.stringify({ query: '{ anganwadiCentres(first: 1) { totalCount } }' });
    const ask = (headers: Record<string, string>) => fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const caller = { agency: 'icds', subject: 'serve-test', role: 'officer' as const, jurisdiction: 'national', scopes: ['read'], purpose: 'service-delivery' };
    const gateway = await memberKeyFromJwk('gateway', JSON.parse(readFileSync(memberKeyFile(keysDir, 'gateway'), 'utf8')));
    const sealed = { [SEAL_HEADER]: await sealCall(gateway, { caller, audience: 'icds', body, kind: 'graphql' }) };
    const answer = await ask(sealed);
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as any).data.anganwadiCentres.totalCount).toBe(0);
    // The same seal again, or one from an agency (trusted only to ask Labour about workers), reads nothing.
    const again = (await (await ask(sealed)).json()) as any;
    expect(again.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'REPLAYED' });
    const mepma = await memberKeyFromJwk('mepma', JSON.parse(readFileSync(memberKeyFile(keysDir, 'mepma'), 'utf8')));
    const fromMepma = (await (await ask({ [SEAL_HEADER]: await sealCall(mepma, { caller, audience: 'icds', body, kind: 'graphql' }) })).json()) as any;
    expect(fromMepma.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'UNTRUSTED_CALL' });
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}, 90_000);
