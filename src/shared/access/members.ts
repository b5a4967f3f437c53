/**
 * Members' keys and trust lists, as files. A member's private key never leaves its host; what
 * members exchange is their public keys (a JWKS each), and each receiving member decides whom it
 * trusts for what in its trust file. On a laptop they all sit in KEYS_DIR:
 *
 *   members/<member>.private.jwk.json   the member's own signing key (mode 0600)
 *   members/<member>.jwks.json          its public keys, the newest first: what it gives the others
 *   trust.json                          { "members": { "<member>": { "calls": [...], "keys": [JWK...] } } }
 *
 *   members/<member>.next.private.jwk.json   during a rotation, the key it will switch to
 *
 * Both the trust file and a member's own key file are re-read when they change (checked every
 * TRUST_RELOAD_SECONDS), so a key is added, rotated or withdrawn without a restart. A rotation
 * runs in three steps, each waiting for the last to spread: publish the new key (every member
 * trusts old and new), activate it (the member signs with the new), withdraw the old.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, type KeyLike } from 'jose';
import { CALL_KINDS, type CallKind, type MemberKey, type MemberSeals, type TrustList } from './seal.js';

/**
 * Whom a member accepts calls from. Each member's public keys are listed (`keys`) or fetched from
 * the JWKS it publishes (`jwksUrl`, fetched again at every reload, so its rotations reach here).
 */
export interface TrustFile {
  members: Record<string, { calls: CallKind[]; keys?: JWK[]; jwksUrl?: string }>;
}

const JWKS_FETCH_TIMEOUT_MS = 5000;

const ALGORITHM = 'EdDSA';

export async function memberKeyFromJwk(member: string, jwk: JWK): Promise<MemberKey> {
  if (!jwk.kid || !jwk.d) throw new Error(`The key of ${member} must be a private Ed25519 JWK with a "kid".`);
  return { member, kid: jwk.kid, privateKey: (await importJWK(jwk, ALGORITHM)) as KeyLike };
}

/** A new key pair for `member`, with a kid that names the member and the day it was made. */
export async function generateMemberKey(member: string): Promise<{ key: MemberKey; privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { crv: 'Ed25519', extractable: true });
  // When it was made, for people; random, so two keys made in the same instant never share a kid.
  const kid = `${member}-${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`;
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: ALGORITHM, use: 'sig' };
  return { key: { member, kid: privateJwk.kid!, privateKey: privateKey as KeyLike }, privateJwk, publicJwk: publicPart(privateJwk) };
}

export function publicPart(jwk: JWK): JWK {
  const { d: _private, ...rest } = jwk;
  return rest;
}

export function memberKeyFile(dir: string, member: string): string {
  return path.join(dir, 'members', `${member}.private.jwk.json`);
}

export function memberJwksFile(dir: string, member: string): string {
  return path.join(dir, 'members', `${member}.jwks.json`);
}

export function trustFilePath(dir: string): string {
  return path.join(dir, 'trust.json');
}

/** The key a member will switch to once every member trusts it (`activateMemberKey`). */
export function nextMemberKeyFile(dir: string, member: string): string {
  return path.join(dir, 'members', `${member}.next.private.jwk.json`);
}

/** The member's key in `dir`, made on first use (and published in its JWKS). */
export async function ensureMemberKey(dir: string, member: string): Promise<void> {
  if (!existsSync(memberKeyFile(dir, member))) await addMemberKey(dir, member);
}

/**
 * Rotation, step 1: makes a new key for `member` and publishes it first in its JWKS, keeping the
 * older public keys there, so trust lists can accept both before the member signs with the new
 * one. The new private key waits as the member's next key (or becomes its key, if it had none).
 * Returns the new kid.
 */
export async function addMemberKey(dir: string, member: string): Promise<string> {
  const { privateJwk, publicJwk } = await generateMemberKey(member);
  mkdirSync(path.join(dir, 'members'), { recursive: true, mode: 0o700 });
  writeJwks(dir, member, [publicJwk, ...publishedKeys(dir, member)]);
  const first = !existsSync(memberKeyFile(dir, member));
  writeFileSync(first ? memberKeyFile(dir, member) : nextMemberKeyFile(dir, member), JSON.stringify(privateJwk, null, 2), { mode: 0o600 });
  return privateJwk.kid!;
}

/** Rotation, step 2: the member signs with its next key from now on (a running member picks it up within the reload interval). */
export function activateMemberKey(dir: string, member: string): string {
  const next = nextMemberKeyFile(dir, member);
  if (!existsSync(next)) throw new Error(`${member} has no next key to activate: add one first.`);
  renameSync(next, memberKeyFile(dir, member));
  return (JSON.parse(readFileSync(memberKeyFile(dir, member), 'utf8')) as JWK).kid!;
}

/** Rotation, step 3 (or a revocation): `kid` leaves the member's published keys. */
export function withdrawMemberKey(dir: string, member: string, kid: string): void {
  const keys = publishedKeys(dir, member);
  if (!keys.some((key) => key.kid === kid)) throw new Error(`${member} publishes no key ${kid}.`);
  writeJwks(dir, member, keys.filter((key) => key.kid !== kid));
}

function publishedKeys(dir: string, member: string): JWK[] {
  const file = memberJwksFile(dir, member);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { keys: JWK[] }).keys : [];
}

function writeJwks(dir: string, member: string, keys: JWK[]): void {
  writeFileSync(memberJwksFile(dir, member), JSON.stringify({ keys }, null, 2));
}

/** A trust file naming each member's published keys (from `dir`) and the calls it may make. */
export function trustFileOf(dir: string, members: { member: string; calls: CallKind[] }[]): TrustFile {
  const entries = members.map(({ member, calls }) => [member, { calls, keys: publishedKeys(dir, member) }] as const);
  return { members: Object.fromEntries(entries) };
}

/** Checks a trust file's shape and imports its keys; throws naming the entry at fault. */
export async function trustListOf(file: TrustFile): Promise<TrustList> {
  const list = new Map<string, { calls: CallKind[]; keys: Map<string, KeyLike> }>();
  if (!file || typeof file.members !== 'object') throw new Error('A trust file is { "members": { "<member>": { "calls": [...], "keys": [...] } } }.');
  for (const [member, entry] of Object.entries(file.members)) {
    const calls = entry.calls ?? [];
    const unknown = calls.find((call) => !CALL_KINDS.includes(call));
    if (unknown) throw new Error(`Trust entry ${member}: unknown call "${unknown}" (known: ${CALL_KINDS.join(', ')}).`);
    const keys = new Map<string, KeyLike>();
    for (const jwk of [...(entry.keys ?? []), ...(entry.jwksUrl ? await fetchJwks(member, entry.jwksUrl) : [])]) {
      if (!jwk.kid) throw new Error(`Trust entry ${member}: every key needs a "kid".`);
      if (jwk.d) throw new Error(`Trust entry ${member}: key ${jwk.kid} is a private key; trust files hold public keys only.`);
      keys.set(jwk.kid, (await importJWK(jwk, ALGORITHM)) as KeyLike);
    }
    list.set(member, { calls, keys });
  }
  return list;
}

async function fetchJwks(member: string, url: string): Promise<JWK[]> {
  let body: { keys?: JWK[] };
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(JWKS_FETCH_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    body = (await response.json()) as { keys?: JWK[] };
  } catch (error) {
    throw new Error(`Trust entry ${member}: its JWKS at ${url} could not be fetched (${(error as Error).message}).`);
  }
  if (!Array.isArray(body.keys)) throw new Error(`Trust entry ${member}: ${url} is not a JWKS ({ "keys": [...] }).`);
  return body.keys;
}

/** A trust file that names a JWKS URL changes without the file changing: it is read again at every reload. */
export function fetchesKeys(json: unknown): boolean {
  return Object.values((json as TrustFile)?.members ?? {}).some((entry) => typeof entry?.jwksUrl === 'string');
}

/**
 * A value read from a JSON file and re-read whenever the file changes (or, when `alwaysAgain` says
 * so of its content, at every reload). A change that does not
 * parse is refused with one log line and the last good value stays in force.
 */
export class ReloadingFile<T> {
  private timer?: NodeJS.Timeout;
  private version = '';

  private again = false;

  private constructor(
    private readonly file: string,
    private readonly parse: (json: unknown) => Promise<T>,
    private readonly alwaysAgain: (json: unknown) => boolean,
    private value: T,
  ) {}

  static async open<T>(file: string, parse: (json: unknown) => Promise<T>, reloadMs: number, alwaysAgain: (json: unknown) => boolean = () => false): Promise<ReloadingFile<T>> {
    const json: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const reader = new ReloadingFile(file, parse, alwaysAgain, await parse(json));
    reader.version = versionOf(statSync(file));
    reader.again = alwaysAgain(json);
    if (reloadMs > 0) {
      reader.timer = setInterval(() => void reader.reload(), reloadMs);
      reader.timer.unref();
    }
    return reader;
  }

  current(): T {
    return this.value;
  }

  async reload(): Promise<void> {
    try {
      const version = versionOf(await stat(this.file));
      if (version === this.version && !this.again) return;
      const json: unknown = JSON.parse(await readFile(this.file, 'utf8'));
      this.value = await this.parse(json);
      this.version = version;
      this.again = this.alwaysAgain(json);
    } catch (error) {
      console.error(`[keys] kept the previous ${path.basename(this.file)}: ${(error as Error).message}`);
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}

function versionOf(stats: { mtimeMs: number; size: number; ino: number }): string {
  return `${stats.mtimeMs}:${stats.size}:${stats.ino}`;
}

/**
 * A member's seals from its files: its own key file and its trust file, both re-read when they
 * change. A missing or unreadable file stops the member at start, naming the file.
 */
export async function sealsFromFiles(options: { member: string; keyFile: string; trustFile: string; reloadMs: number }): Promise<MemberSeals & { close(): void }> {
  const open = async <T>(file: string, what: string, parse: (json: unknown) => Promise<T>, alwaysAgain?: (json: unknown) => boolean) => {
    if (!existsSync(file)) throw new Error(`${what} ${file} does not exist.`);
    try {
      return await ReloadingFile.open(file, parse, options.reloadMs, alwaysAgain);
    } catch (error) {
      throw new Error(`${what} ${file} could not be read: ${(error as Error).message}`);
    }
  };
  const key = await open(options.keyFile, `The key of ${options.member} (MEMBER_KEY_FILE)`, (json) => memberKeyFromJwk(options.member, json as JWK));
  const trust = await open(options.trustFile, 'The trust file (TRUST_FILE)', (json) => trustListOf(json as TrustFile), fetchesKeys);
  return {
    member: options.member,
    signer: () => key.current(),
    trust: () => trust.current(),
    close() {
      key.close();
      trust.close();
    },
  };
}
