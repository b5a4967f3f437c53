/**
 * Where the hub's keys come from: a configured identity provider's JWKS file, or development keys
 * made once in KEYS_DIR and kept; and what each accepts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { loadAccessKeys, signCallerToken, verifyCallerToken } from '../src/shared/access/keys';

/** Folders a test made, removed after it whether it passed or not. */
const folders: string[] = [];
const afterThisTest = (dir: string) => folders.push(dir);
afterEach(() => folders.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const claims = { agency: 'icds', subject: 'cdpo-1', role: 'officer' as const, jurisdiction: 'district:NTR', scopes: ['read'] };

test('development keys are made on first use, private files readable by their owner only, and kept', async () => {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'wg-keys-')), 'keys');
  afterThisTest(path.dirname(dir));
  const first = await loadAccessKeys(dir, {});
  const privateFile = path.join(dir, 'dev-issuer.private.jwk.json');
  expect(statSync(privateFile).mode & 0o777).toBe(0o600);
  expect(JSON.parse(readFileSync(path.join(dir, 'dev-issuer.jwks.json'), 'utf8')).keys[0].d).toBeUndefined();
  const token = await signCallerToken(first, claims);
  // A restart loads the same keys: tokens issued before it still verify.
  const second = await loadAccessKeys(dir, {});
  expect(await verifyCallerToken(second, `Bearer ${token}`)).toMatchObject({ agency: 'icds', subject: 'cdpo-1', jurisdiction: 'district:NTR' });
});

test('with AUTH_JWKS_FILE the identity provider\'s keys are trusted, the development issuer is not', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wg-idp-'));
  afterThisTest(dir);
  const idp = await generateKeyPair('ES256', { extractable: true });
  const jwksFile = path.join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(idp.publicKey)), kid: 'idp-1', alg: 'ES256' }] }));
  const keys = await loadAccessKeys(path.join(dir, 'keys'), { AUTH_JWKS_FILE: jwksFile, AUTH_ISSUER: 'https://idp.ap.gov.in', AUTH_AUDIENCE: 'worker-graph' });
  expect(keys.devIssuer).toBeUndefined();
  expect(existsSync(path.join(dir, 'keys', 'dev-issuer.private.jwk.json'))).toBe(false);

  const fromIdp = await new SignJWT({ agency: 'icds', role: 'officer', jurisdiction: 'city:VJA', scope: 'read' })
    .setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
    .setSubject('cdpo-2')
    .setIssuer('https://idp.ap.gov.in')
    .setAudience('worker-graph')
    .setExpirationTime('10m')
    .sign(idp.privateKey);
  expect(await verifyCallerToken(keys, `Bearer ${fromIdp}`)).toMatchObject({ subject: 'cdpo-2', jurisdiction: 'city:VJA' });

  await expect(signCallerToken(keys, claims)).rejects.toThrow(/identity provider/);
  const noExpiry = await new SignJWT({ agency: 'icds', role: 'officer', jurisdiction: 'city:VJA' })
    .setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
    .setSubject('cdpo-3')
    .setIssuer('https://idp.ap.gov.in')
    .setAudience('worker-graph')
    .sign(idp.privateKey);
  await expect(verifyCallerToken(keys, `Bearer ${noExpiry}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
});
