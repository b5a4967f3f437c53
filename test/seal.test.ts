/**
 * The seal, both ends, as a receiving member checks it: every way a seal can be wrong is refused
 * with UNAUTHENTICATED and its own reason, and a seal works once, even across two processes of
 * one member that share its database.
 */
import { sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import { generateMemberKey, sealsFromFiles, trustListOf, type TrustFile } from '../src/shared/access/members';
import { DatabaseReplayGuard, MemoryReplayGuard, sealUseMigration } from '../src/shared/access/replay';
import { bodyHash, openSeal, sealCall, type CallKind, type MemberKey, type SealReceiver, type TrustList } from '../src/shared/access/seal';
import type { Caller } from '../src/shared/access/caller';
import { recreateDatabase } from '../src/shared/database';
import { openAgencyOrm } from '../src/shared/orm';

const caller: Caller = { agency: 'icds', subject: 'cdpo-1', role: 'officer', jurisdiction: 'district:NTR', scopes: ['read'], purpose: 'service-delivery' };
const BODY = JSON.stringify({ query: '{ anganwadiCentres(first: 1) { totalCount } }' });

let gateway: MemberKey;
let gatewayNext: MemberKey;
let mepma: MemberKey;
let trust: TrustList;

beforeAll(async () => {
  const made = await Promise.all([generateMemberKey('gateway'), generateMemberKey('gateway'), generateMemberKey('mepma')]);
  [gateway, gatewayNext, mepma] = made.map((m) => m.key);
  trust = await trustListOf({
    members: {
      // Two keys of the gateway at once: a rotation in progress.
      gateway: { calls: ['graphql'], keys: [made[0].publicJwk, made[1].publicJwk] },
      mepma: { calls: ['worker-lookup'], keys: [made[2].publicJwk] },
    },
  });
});

const receiver = (member = 'icds'): SealReceiver => ({ member, trust: () => trust, replay: new MemoryReplayGuard() });
const seal = (signer: MemberKey, options: { audience?: string; body?: string; kind?: CallKind } = {}) =>
  sealCall(signer, { caller, audience: options.audience ?? 'icds', body: options.body ?? BODY, kind: options.kind ?? 'graphql' });

async function refusal(header: string | undefined, accepted: CallKind[] = ['graphql'], at = receiver()) {
  try {
    await openSeal(at, header, BODY, accepted);
  } catch (error) {
    return (error as { extensions: Record<string, unknown> }).extensions;
  }
  throw new Error('the seal was accepted');
}

test('a good seal yields the caller, the signer and the kind of call, from either of two trusted keys', async () => {
  for (const signer of [gateway, gatewayNext]) {
    const opened = await openSeal(receiver(), await seal(signer), BODY, ['graphql']);
    expect(opened).toMatchObject({ caller, signer: 'gateway', kind: 'graphql', sealId: expect.any(String) });
  }
});

test.each<[string, () => Promise<string | undefined>, string]>([
  ['no seal', async () => undefined, 'SEAL_MISSING'],
  ['not a JWT', async () => 'not-a-jwt', 'SEAL_MALFORMED'],
  ['a signer nobody trusts', async () => seal((await generateMemberKey('stranger')).key), 'UNTRUSTED_SIGNER'],
  ['a key of the gateway that is not (or no longer) trusted', async () => seal((await generateMemberKey('gateway')).key), 'UNKNOWN_KEY'],
  ['another key under a trusted kid', async () => seal({ ...(await generateMemberKey('gateway')).key, kid: gateway.kid }), 'BAD_SIGNATURE'],
  ['a seal for another member', async () => seal(gateway, { audience: 'labour' }), 'WRONG_AUDIENCE'],
  ['a seal for another body', async () => seal(gateway, { body: '{"query":"{ __typename }"}' }), 'WRONG_BODY'],
  ['a kind of call the receiver does not take here', async () => seal(gateway, { kind: 'statistics' }), 'UNTRUSTED_CALL'],
  ['a kind of call the signer is not trusted for', async () => seal(mepma, { kind: 'graphql' }), 'UNTRUSTED_CALL'],
  [
    'an expired seal',
    () =>
      new SignJWT({ ...caller, bh: bodyHash(BODY), call: 'graphql' })
        .setProtectedHeader({ alg: 'EdDSA', kid: gateway.kid })
        .setIssuer('gateway')
        .setAudience('icds')
        .setJti('old')
        .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
        .setExpirationTime(Math.floor(Date.now() / 1000) - 90)
        .sign(gateway.privateKey),
    'EXPIRED',
  ],
])('%s is refused (UNAUTHENTICATED, HTTP 401)', async (_what, make, reason) => {
  expect(await refusal(await make())).toMatchObject({ code: 'UNAUTHENTICATED', reason, http: { status: 401 } });
});

const now = () => Math.floor(Date.now() / 1000);
const encoded = (json: unknown) => Buffer.from(JSON.stringify(json)).toString('base64url');

/** A seal validly signed by the gateway's key, with these header fields and claims: what a buggy member (or a stolen key) might send. */
const sealWith = async (header: Record<string, unknown>, claims: { iat?: number; exp?: number } = {}) => {
  const signed = `${encoded({ alg: 'EdDSA', kid: gateway.kid, ...header })}.${encoded({
    ...caller, sub: caller.subject, bh: bodyHash(BODY), call: 'graphql', iss: 'gateway', aud: 'icds', jti: `jti-${Math.random()}`, iat: claims.iat ?? now(), exp: claims.exp ?? now() + 30,
  })}`;
  return `${signed}.${sign(null, Buffer.from(signed), gateway.privateKey as KeyObject).toString('base64url')}`;
};

// The seal is checked with node:crypto directly: what jose's JWT verification refused, this refuses too.
test.each<[string, () => Promise<string>, string]>([
  ['a seal whose header names another algorithm', async () => (await seal(gateway)).replace(/^[^.]+/, encoded({ alg: 'HS256', kid: gateway.kid })), 'SEAL_MALFORMED'],
  ['a seal whose header names no algorithm', async () => (await seal(gateway)).replace(/^[^.]+/, encoded({ alg: 'none', kid: gateway.kid })), 'SEAL_MALFORMED'],
  ['a seal whose claims were changed after signing', async () => {
    const [header, , signature] = (await seal(gateway)).split('.');
    const claims = { ...caller, role: 'auditor', jurisdiction: 'national', iss: 'gateway', aud: 'icds', bh: bodyHash(BODY), call: 'graphql', jti: 'x', iat: now(), exp: now() + 30 };
    return `${header}.${encoded(claims)}.${signature}`;
  }, 'BAD_SIGNATURE'],
  ['a seal with a critical header extension', () => sealWith({ crit: ['exp'] }), 'SEAL_MALFORMED'],
  ['a seal issued long ago with a far expiry', () => sealWith({}, { iat: now() - 3600, exp: now() + 3600 }), 'EXPIRED'],
  ['a seal issued in the future', () => sealWith({}, { iat: now() + 3600, exp: now() + 3630 }), 'SEAL_MALFORMED'],
  ['a signature of the wrong length', async () => `${(await seal(gateway)).split('.').slice(0, 2).join('.')}.AAAA`, 'BAD_SIGNATURE'],
])('%s is refused', async (_what, make, reason) => {
  expect(await refusal(await make())).toMatchObject({ code: 'UNAUTHENTICATED', reason });
});

test("a seal is a standard JWT: any JOSE library verifies it with the signer's public key", async () => {
  const made = await generateMemberKey('gateway');
  const { payload, protectedHeader } = await jwtVerify(await seal(made.key), await importJWK(made.publicJwk, 'EdDSA'), { issuer: 'gateway', audience: 'icds', algorithms: ['EdDSA'] });
  expect(protectedHeader).toMatchObject({ alg: 'EdDSA', kid: made.key.kid, typ: 'worker-graph-seal+jwt' });
  expect(payload).toMatchObject({ agency: caller.agency, sub: caller.subject, role: caller.role, bh: bodyHash(BODY), call: 'graphql', jti: expect.any(String) });
  expect(payload.exp! - payload.iat!).toBe(30);
});

test('a seal works once', async () => {
  const at = receiver();
  const header = await seal(gateway);
  await openSeal(at, header, BODY, ['graphql']);
  expect(await refusal(header, ['graphql'], at)).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'REPLAYED' });
});

test("a seal spent by one process of a member is refused by another: the ids live in the member's database", async () => {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `${url.pathname.replace(/^\//, '') || 'wgtest'}_seal`;
  await recreateDatabase(url.toString());
  // Opened one after the other: migrating one database from two processes at once is not supported.
  const first = await openAgencyOrm({ database: url.toString(), entities: [], migrations: [sealUseMigration] });
  const second = await openAgencyOrm({ database: url.toString(), entities: [], migrations: [sealUseMigration] });
  try {
    const processes = [first, second].map((database) => ({ member: 'icds', trust: () => trust, replay: new DatabaseReplayGuard(() => database.orm.em.fork() as never) }));
    const headers = await Promise.all(Array.from({ length: 20 }, () => seal(gateway)));
    // Each seal presented to both processes at once: exactly one of the two accepts it.
    const outcomes = await Promise.all(
      headers.map(async (header) => {
        const tries = await Promise.allSettled(processes.map((at) => openSeal(at, header, BODY, ['graphql'])));
        return tries.filter((t) => t.status === 'fulfilled').length;
      }),
    );
    expect(outcomes).toEqual(headers.map(() => 1));
  } finally {
    await Promise.all([first, second].map((database) => database.orm.close()));
  }
});

describe('trust read from files, again while the member runs', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'worker-graph-trust-'));
  let jwks: { keys: JWK[] } = { keys: [] };
  let server: http.Server;
  let jwksUrl: string;

  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end(JSON.stringify(jwks)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const filesFor = async (trustFile: TrustFile) => {
    const own = await generateMemberKey('icds');
    writeFileSync(path.join(dir, 'icds.jwk.json'), JSON.stringify(own.privateJwk));
    writeFileSync(path.join(dir, 'trust.json'), JSON.stringify(trustFile));
    return sealsFromFiles({ member: 'icds', keyFile: path.join(dir, 'icds.jwk.json'), trustFile: path.join(dir, 'trust.json'), reloadMs: 100 });
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

  test("keys fetched from the signer's JWKS URL follow its rotation", async () => {
    const [old, next] = await Promise.all([generateMemberKey('gateway'), generateMemberKey('gateway')]);
    jwks = { keys: [old.publicJwk] };
    const seals = await filesFor({ members: { gateway: { calls: ['graphql'], jwksUrl } } });
    try {
      const at: SealReceiver = { member: 'icds', trust: seals.trust, replay: new MemoryReplayGuard() };
      await expect(openSeal(at, await seal(old.key), BODY, ['graphql'])).resolves.toMatchObject({ signer: 'gateway' });
      jwks = { keys: [next.publicJwk] };
      await settle();
      expect(await refusal(await seal(old.key), ['graphql'], at)).toMatchObject({ reason: 'UNKNOWN_KEY' });
      await expect(openSeal(at, await seal(next.key), BODY, ['graphql'])).resolves.toMatchObject({ signer: 'gateway' });
    } finally {
      seals.close();
    }
  });

  test('a member removed from the trust file is refused; a broken trust file keeps the last good one', async () => {
    const gatewayKey = await generateMemberKey('gateway');
    const seals = await filesFor({ members: { gateway: { calls: ['graphql'], keys: [gatewayKey.publicJwk] } } });
    try {
      const at: SealReceiver = { member: 'icds', trust: seals.trust, replay: new MemoryReplayGuard() };
      await expect(openSeal(at, await seal(gatewayKey.key), BODY, ['graphql'])).resolves.toBeDefined();
      writeFileSync(path.join(dir, 'trust.json'), '{ "members": ');
      await settle();
      await expect(openSeal(at, await seal(gatewayKey.key), BODY, ['graphql'])).resolves.toBeDefined();
      writeFileSync(path.join(dir, 'trust.json'), JSON.stringify({ members: {} }));
      await settle();
      expect(await refusal(await seal(gatewayKey.key), ['graphql'], at)).toMatchObject({ reason: 'UNTRUSTED_SIGNER' });
    } finally {
      seals.close();
    }
  });
});
