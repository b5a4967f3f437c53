/**
 * The gateway's audit-signing key: an Ed25519 key of its own, apart from the gateway's member key,
 * that signs every batch of access-log entries and every checkpoint of the chain's head. The
 * database never holds it, so whoever controls the database (even as the table's owner, with the
 * append-only trigger switched off) can change rows but cannot sign them again.
 *
 * Why not the member key: that key signs seals valid for 30 seconds, and a rotated member key is
 * withdrawn from every trust list once the rotation has spread. A batch signed years ago must
 * still verify, so the audit key's public parts are kept for good, and its file is the only
 * thing auditors need besides the log. A leaked member key lets someone speak as the gateway; a
 * leaked audit key only lets them sign log entries. Two keys, two lifecycles.
 *
 * On a laptop both files sit in KEYS_DIR/audit (made on first `npm start`):
 *
 *   signing.private.jwk.json   the key in force (mode 0600): AUDIT_SIGNING_KEY_FILE
 *   signing.jwks.json          every public key it has ever signed with, newest first:
 *                              AUDIT_PUBLIC_KEYS_FILE, the file auditors verify against
 *
 * Each signature records its key's id (`kid`), so a rotated key keeps verifying what it signed.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ReloadingFile } from '../../src/shared/access/members.js';
import { ConfigError } from '../../src/shared/errors.js';

export interface AuditSigningKey {
  kid: string;
  privateKey: KeyObject;
}

/** What the gateway signs with: the key in force now (a rotated key file is taken up while it runs). */
export interface AuditSigner {
  current(): AuditSigningKey;
  close(): void;
}

/** The public keys an auditor verifies against, by key id. */
export type AuditPublicKeys = ReadonlyMap<string, KeyObject>;

type Jwk = JsonWebKey & { kid?: string; alg?: string; use?: string };

export function auditKeyFile(keysDir: string): string {
  return path.join(keysDir, 'audit', 'signing.private.jwk.json');
}

export function auditPublicKeysFile(keysDir: string): string {
  return path.join(keysDir, 'audit', 'signing.jwks.json');
}

/** A new audit-signing key pair; the kid says when it was made and is random beyond that. */
export function generateAuditKey(): { key: AuditSigningKey; privateJwk: Jwk; publicJwk: Jwk } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const kid = `gateway-audit-${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`;
  const meta = { kid, alg: 'EdDSA', use: 'sig' };
  return {
    key: { kid, privateKey },
    privateJwk: { ...privateKey.export({ format: 'jwk' }), ...meta },
    publicJwk: { ...publicKey.export({ format: 'jwk' }), ...meta },
  };
}

export function auditKeyFromJwk(jwk: Jwk): AuditSigningKey {
  if (!jwk || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.d || !jwk.kid) throw new Error('an audit-signing key is a private Ed25519 JWK with a "kid".');
  return { kid: jwk.kid, privateKey: createPrivateKey({ key: jwk, format: 'jwk' }) };
}

/** The public keys of a JWKS ({ "keys": [...] }) by kid; a private key in it is refused. */
export function auditPublicKeysOf(jwks: { keys?: Jwk[] }): AuditPublicKeys {
  if (!jwks || !Array.isArray(jwks.keys)) throw new Error('it is not a JWKS ({ "keys": [...] }).');
  const keys = new Map<string, KeyObject>();
  for (const jwk of jwks.keys) {
    if (!jwk.kid) throw new Error('every key needs a "kid".');
    if (jwk.d) throw new Error(`key ${jwk.kid} is a private key; the public-keys file holds public keys only.`);
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') throw new Error(`key ${jwk.kid} is not an Ed25519 key.`);
    keys.set(jwk.kid, createPublicKey({ key: jwk, format: 'jwk' }));
  }
  return keys;
}

export function readAuditPublicKeys(file: string): AuditPublicKeys {
  try {
    return auditPublicKeysOf(JSON.parse(readFileSync(file, 'utf8')) as { keys?: Jwk[] });
  } catch (error) {
    throw new ConfigError(`The access log's public keys (AUDIT_PUBLIC_KEYS_FILE) ${file} could not be read: ${(error as Error).message}`);
  }
}

function publishedAuditKeys(keysDir: string): Jwk[] {
  const file = auditPublicKeysFile(keysDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { keys: Jwk[] }).keys : [];
}

function writeAside(file: string, content: string, mode?: number): void {
  const next = `${file}.${process.pid}.tmp`;
  writeFileSync(next, content, mode === undefined ? undefined : { mode });
  renameSync(next, file);
}

/**
 * Makes a new audit-signing key in `keysDir` and switches to it: its public key is published
 * first (so verifiers know it before anything is signed with it), older public keys stay in the
 * file for the batches they signed, then the private key file is replaced. A running gateway takes
 * it up within TRUST_RELOAD_SECONDS. Returns the new kid.
 */
export function rotateAuditKey(keysDir: string): string {
  const { privateJwk, publicJwk } = generateAuditKey();
  mkdirSync(path.join(keysDir, 'audit'), { recursive: true, mode: 0o700 });
  writeAside(auditPublicKeysFile(keysDir), JSON.stringify({ keys: [publicJwk, ...publishedAuditKeys(keysDir)] }, null, 2));
  writeAside(auditKeyFile(keysDir), JSON.stringify(privateJwk, null, 2), 0o600);
  return privateJwk.kid!;
}

/** The gateway's development audit-signing key in `keysDir`, made on first use. */
export function ensureAuditKey(keysDir: string): void {
  if (!existsSync(auditKeyFile(keysDir))) rotateAuditKey(keysDir);
}

/** A key kept in memory (tests, benchmarks), with the JWKS a verifier needs. */
export function inMemoryAuditSigner(): { signer: AuditSigner; jwks: { keys: Jwk[] } } {
  const { key, publicJwk } = generateAuditKey();
  return { signer: { current: () => key, close: () => {} }, jwks: { keys: [publicJwk] } };
}

/** The signer of a key file, re-read when the file changes (a rotation); a missing file stops the gateway at start. */
export async function auditSignerFromFile(file: string, reloadMs: number): Promise<AuditSigner> {
  const what = `The gateway's audit-signing key (AUDIT_SIGNING_KEY_FILE) ${file}`;
  if (!existsSync(file)) throw new ConfigError(`${what} does not exist. Run \`npm start\` once (it makes the hub's keys in KEYS_DIR) or set AUDIT_SIGNING_KEY_FILE.`);
  try {
    const reader = await ReloadingFile.open(file, async (json) => auditKeyFromJwk(json as Jwk), reloadMs);
    return { current: () => reader.current(), close: () => reader.close() };
  } catch (error) {
    throw new ConfigError(`${what} could not be read: ${(error as Error).message}`);
  }
}

// What is signed: a fixed text per kind, so a batch's signature can never pass for a checkpoint's.

export interface SignedBatch {
  firstSeq: number;
  lastSeq: number;
  /** The hash of entry `lastSeq`: through the chain it covers every entry before it too. */
  lastHash: string;
}

export interface SignedHead {
  seq: number;
  hash: string;
  /** When the checkpoint was taken, ISO 8601 in UTC. */
  at: string;
}

function batchMessage(batch: SignedBatch): Buffer {
  return Buffer.from(`worker-graph access-log batch v1\n${batch.firstSeq}\n${batch.lastSeq}\n${batch.lastHash}`);
}

function headMessage(head: SignedHead): Buffer {
  return Buffer.from(`worker-graph access-log checkpoint v1\n${head.seq}\n${head.hash}\n${head.at}`);
}

export function signBatch(key: AuditSigningKey, batch: SignedBatch): string {
  return sign(null, batchMessage(batch), key.privateKey).toString('base64url');
}

export function signHead(key: AuditSigningKey, head: SignedHead): string {
  return sign(null, headMessage(head), key.privateKey).toString('base64url');
}

/** Why a signature does not hold, or undefined when it does. */
function refusal(keys: AuditPublicKeys, kid: string, signature: string, message: Buffer): string | undefined {
  const key = keys.get(kid);
  if (!key) return `it is signed with key ${JSON.stringify(kid)}, which is not among the access log's public keys`;
  let valid = false;
  try {
    valid = verify(null, message, key, Buffer.from(signature, 'base64url'));
  } catch {
    valid = false;
  }
  return valid ? undefined : `its signature does not verify with key ${kid}`;
}

export function batchSignatureRefusal(keys: AuditPublicKeys, kid: string, signature: string, batch: SignedBatch): string | undefined {
  return refusal(keys, kid, signature, batchMessage(batch));
}

export function headSignatureRefusal(keys: AuditPublicKeys, kid: string, signature: string, head: SignedHead): string | undefined {
  return refusal(keys, kid, signature, headMessage(head));
}
