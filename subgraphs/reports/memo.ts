/**
 * Results the reports service worked out from the agencies' answers, kept while the same answers
 * come back. Every report still asks every agency, as the caller, each time; the agencies answer
 * from what they keep until their records change (src/shared/statistics-cache.ts). When every
 * answer is byte for byte what it was (the same digests), the evaluation and counting done from
 * them would give the same result, so it is not done again.
 *
 * Nothing here can reach another caller: the key holds the caller's agency, role, jurisdiction
 * and purpose, the question, and the digest of every answer it was worked out from, and the
 * answers themselves were each agency's to that caller.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Caller } from '../../src/shared/access/caller.js';

export class ReportMemo {
  private readonly kept: LRUCache<string, { value: unknown }> | null;

  /** `maxMegabytes`: how much memory kept results may take (REPORT_MEMO_MB); 0 keeps none. */
  constructor(maxMegabytes: number) {
    this.kept = maxMegabytes > 0 ? new LRUCache({ maxSize: maxMegabytes * 1024 * 1024 }) : null;
  }

  /** The key of a result: who asks, what, and the digests of the answers it is made from (any order). */
  static key(caller: Caller, question: unknown, digests: (string | undefined)[]): string | undefined {
    // An answer without a digest (none was taken) cannot be recognised again: nothing is kept.
    if (digests.some((digest) => digest === undefined)) return undefined;
    const parts = [caller.agency, caller.role, caller.jurisdiction, caller.purpose, question, [...digests].sort()];
    return createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
  }

  /** The result kept under `key`, or `work()`'s, kept at about `bytes(result)`. */
  async remember<T>(key: string | undefined, bytes: (result: T) => number, work: () => Promise<T> | T): Promise<T> {
    const kept = key === undefined ? undefined : this.kept?.get(key);
    if (kept) return kept.value as T;
    const value = await work();
    if (key !== undefined) this.kept?.set(key, { value }, { size: Math.max(1, bytes(value)) });
    return value;
  }
}
