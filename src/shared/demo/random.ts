/**
 * A small, fast, seeded PRNG (mulberry32). Every demo record is drawn from a stream named by
 * (seed, purpose, index), so any agency can regenerate "worker 1234's" facts on its own and all
 * agencies agree without sharing a table.
 */
import { dayNumber, dayText } from './days.js';

export class Random {
  private state: number;

  constructor(...parts: (string | number)[]) {
    this.state = hash(parts.join('|'));
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Picks a key of `weights` with probability proportional to its weight. */
  weighted<K extends string>(weights: Record<K, number>): K {
    const entries = Object.entries(weights) as [K, number][];
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    let roll = this.next() * total;
    for (const [key, weight] of entries) {
      roll -= weight;
      if (roll < 0) return key;
    }
    return entries[entries.length - 1][0];
  }

  /** A date (YYYY-MM-DD) between two dates, inclusive. */
  dateBetween(from: string, to: string): string {
    const start = dayNumber(from);
    const day = this.int(0, Math.round(dayNumber(to) - start));
    return dayText(start + day);
  }

  digits(count: number): string {
    let out = '';
    for (let i = 0; i < count; i++) out += String(this.int(0, 9));
    return out;
  }
}

/** FNV-1a, enough to spread seed strings over the PRNG's state. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
