/**
 * The hub's members' keys. In a deployment each member makes its own key where it runs and
 * exchanges only public keys; on one machine the hub makes them all: in memory for tests and
 * benchmarks, or in KEYS_DIR for `npm start`, with one trust file that grants each member the
 * calls it makes (callsOf).
 */
import { renameSync, writeFileSync } from 'node:fs';
import { ensureMemberKey, generateMemberKey, trustFileOf, trustFilePath, trustListOf, type TrustFile } from '../shared/access/members.js';
import type { MemberSeals } from '../shared/access/seal.js';
import { ensureAuditKey } from '../../subgraphs/audit/signing.js';
import { callsOf } from './members.js';

/** Fresh keys for `members`, kept in memory, each trusting the others for their calls. */
export async function inMemorySeals(members: string[]): Promise<Map<string, MemberSeals>> {
  const made = await Promise.all(members.map((member) => generateMemberKey(member)));
  const file: TrustFile = { members: Object.fromEntries(made.map(({ key, publicJwk }) => [key.member, { calls: callsOf(key.member), keys: [publicJwk] }])) };
  const trust = await trustListOf(file);
  return new Map(made.map(({ key }) => [key.member, { member: key.member, signer: () => key, trust: () => trust }]));
}

/**
 * Makes any member key missing from `dir` (and the gateway's audit-signing key, in `dir`/audit)
 * and writes the hub's trust file from every member's published keys (keys rotated earlier stay
 * trusted until withdrawn). Returns the trust file's path.
 */
export async function prepareKeysDir(dir: string, members: string[]): Promise<string> {
  for (const member of members) await ensureMemberKey(dir, member);
  ensureAuditKey(dir);
  return writeHubTrust(dir, members);
}

/** The hub's trust file from the keys its members publish now; running members take it up within seconds. */
export function writeHubTrust(dir: string, members: string[]): string {
  const file = trustFilePath(dir);
  const next = `${file}.${process.pid}.tmp`;
  // Written aside and renamed: a member reloading meanwhile never reads half a file.
  writeFileSync(next, JSON.stringify(trustFileOf(dir, members.map((member) => ({ member, calls: callsOf(member) }))), null, 2));
  renameSync(next, file);
  return file;
}
