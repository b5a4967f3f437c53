/**
 * Caller tokens: bearer JWTs issued by an identity provider, verified by the gateway against a
 * configured JWKS (AUTH_JWKS_FILE or AUTH_JWKS_URL). With neither set, a development issuer key
 * pair is created under KEYS_DIR on first start, so `npm start` can print a demo token. This file
 * says where the keys come from; signing and verifying tokens is caller-tokens.ts, what a token
 * must claim is token-claims.ts. (How members vouch for a caller to each other is the seal, in
 * seal.ts.)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createLocalJWKSet, createRemoteJWKSet, exportJWK, generateKeyPair, importJWK, type JWK, type JWTVerifyGetKey, type KeyLike } from 'jose';
import { config, readConfig, type Environment } from '../config.js';
import { TOKEN_ALGORITHM } from './caller-tokens.js';
import { publicPart } from './members.js';

export { signCallerToken, verifyCallerToken, type TokenRequest } from './caller-tokens.js';

export interface AccessKeys {
  /** Verifies callers' bearer tokens. */
  callerKeys: JWTVerifyGetKey;
  issuer: string;
  audience: string;
  /** The development issuer's private key: only present when no real JWKS is configured. */
  devIssuer?: { key: KeyLike; kid: string };
}

/** Keys that live only in memory: each test stack gets its own. */
export async function generateAccessKeys(issuer = config.auth.issuer, audience = config.auth.audience): Promise<AccessKeys> {
  const dev = await generateKeyPair(TOKEN_ALGORITHM, { crv: 'Ed25519', extractable: true });
  const publicJwk = { ...(await exportJWK(dev.publicKey)), kid: 'dev-1', alg: TOKEN_ALGORITHM, use: 'sig' };
  return {
    callerKeys: createLocalJWKSet({ keys: [publicJwk] }),
    issuer,
    audience,
    devIssuer: { key: dev.privateKey, kid: 'dev-1' },
  };
}

/**
 * The caller-token keys `npm start` uses: a configured JWKS when AUTH_JWKS_FILE or AUTH_JWKS_URL
 * is set (`config.auth`), otherwise a development issuer kept in `dir` (created on first use).
 * `env`: another environment to read the AUTH_* variables from instead of this process's (tests).
 */
export async function loadAccessKeys(dir: string, env?: Environment): Promise<AccessKeys> {
  const { issuer, audience, jwksUrl, jwksFile } = env ? readConfig(env).auth : config.auth;
  if (jwksUrl) return { callerKeys: createRemoteJWKSet(new URL(jwksUrl)), issuer, audience };
  if (jwksFile) return { callerKeys: createLocalJWKSet(readJwk(jwksFile) as { keys: JWK[] }), issuer, audience };
  const devPrivate = await keyFile(path.join(dir, 'dev-issuer.private.jwk.json'));
  const kid = devPrivate.kid!;
  writeFileSync(path.join(dir, 'dev-issuer.jwks.json'), JSON.stringify({ keys: [publicPart(devPrivate)] }, null, 2));
  return {
    callerKeys: createLocalJWKSet({ keys: [publicPart(devPrivate)] }),
    issuer,
    audience,
    devIssuer: { key: (await importJWK(devPrivate, TOKEN_ALGORITHM)) as KeyLike, kid },
  };
}

function readJwk(file: string): JWK & { keys?: JWK[] } {
  return JSON.parse(readFileSync(file, 'utf8')) as JWK;
}

/** Reads a private JWK, creating an Ed25519 one (readable by its owner only) when missing. */
async function keyFile(file: string): Promise<JWK> {
  if (existsSync(file)) return readJwk(file);
  const { privateKey } = await generateKeyPair(TOKEN_ALGORITHM, { crv: 'Ed25519', extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: `${path.basename(file, '.private.jwk.json')}-${Date.now()}`, alg: TOKEN_ALGORITHM, use: 'sig' };
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(jwk, null, 2), { mode: 0o600 });
  return jwk;
}
