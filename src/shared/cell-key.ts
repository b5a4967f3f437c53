/**
 * Disclosure control for the reports: the cell-key method, as the Australian Bureau of Statistics
 * perturbs TableBuilder's tables and the Office for National Statistics England and Wales's 2021
 * Census. Withholding small counts alone does not protect them: a hidden cell is a row total
 * minus the cells shown, and a window of N + 1 days minus one of N days is a single day. So every
 * count of people a report publishes is perturbed, a little and always the same way:
 *
 * 1. Every record (a worker; for counts of documents, a document) has a *record key* from 0 to
 *    255: the first byte of HMAC-SHA256(secret, record id). Only the reports service holds the
 *    secret, so nobody else can tell a record's key, and the agencies never see it.
 * 2. A cell's key is the sum of its records' keys modulo 256. The same records give the same key,
 *    whichever query, grouping or filter brought them together; other records give another,
 *    unrelated key, as soon as one record differs.
 * 3. The published value is read from a perturbation table (ptable) by (true count, cell key):
 *    the true count plus noise from −2 to +2 with zero mean, and never a count from 1 to
 *    `minimum` − 1 (small counts come out as 0 or `minimum`, without bias). See `distribution`.
 *    Which keys give which noise is shuffled by the secret too (`keyOrder`): a cell one record
 *    larger has its key moved by that record's key, and with keys laid out in order a small move
 *    would mostly keep the same noise; shuffled, the two cells' noises are as good as unrelated.
 *
 * So the same cell always shows the same figure (asking again, or in another table, gains
 * nothing), totals are perturbed as cells of their own (they do not equal the sum of the cells
 * shown), and a difference of two published figures carries the noise of both.
 */
import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './errors.js';

/** Record and cell keys run from 0 to KEY_RANGE − 1. */
export const KEY_RANGE = 256;

/**
 * The noise added to a count away from the small counts, as how many of the 256 cell keys give
 * each amount: −2 and +2 an eighth of the time each, −1, 0 and +1 a quarter each. Zero mean,
 * variance 1.5; a figure is exact a quarter of the time, and nobody can tell which quarter.
 */
export const NOISE: readonly { by: number; keys: number }[] = [
  { by: -2, keys: 32 },
  { by: -1, keys: 64 },
  { by: 0, keys: 64 },
  { by: 1, keys: 64 },
  { by: 2, keys: 32 },
];

/** The largest noise: a count of at least `minimum` is published within this of the truth, or as 0. */
export const MAX_NOISE = Math.max(...NOISE.map((noise) => Math.abs(noise.by)));

export interface Outcome {
  value: number;
  probability: number;
}

/**
 * The published value of a true `count` over a uniformly random cell key:
 * - 0 stays 0 (a cell without records has nothing to protect and nothing to perturb);
 * - a count n from 1 to `minimum` − 1 is published as `minimum` with probability n / minimum and
 *   as 0 otherwise: never as itself, and on average n;
 * - a larger count gets the noise above; where that would land on a small value t (1 to
 *   `minimum` − 1), t is rounded to 0 or `minimum` the same unbiased way.
 * Every row therefore has mean `count`, and no row publishes a value from 1 to `minimum` − 1.
 */
export function distribution(count: number, minimum: number): Outcome[] {
  const outcomes = new Map<number, number>();
  const add = (value: number, probability: number) => {
    if (probability > 0) outcomes.set(value, (outcomes.get(value) ?? 0) + probability);
  };
  const roundSmall = (value: number, probability: number) => {
    if (value >= 1 && value < minimum) {
      add(minimum, (probability * value) / minimum);
      add(0, (probability * (minimum - value)) / minimum);
    } else add(value, probability);
  };
  if (count === 0) add(0, 1);
  else if (count < minimum) roundSmall(count, 1);
  else for (const { by, keys } of NOISE) roundSmall(count + by, keys / KEY_RANGE);
  return [...outcomes].map(([value, probability]) => ({ value, probability })).sort((a, b) => a.value - b.value);
}

/**
 * One row of the ptable: the value published for each cell key. The outcomes take consecutive
 * ranges of keys in increasing order, each as wide as its probability (rounded to 1/256).
 */
export function ptableRow(count: number, minimum: number): Int32Array {
  const row = new Int32Array(KEY_RANGE);
  let cumulative = 0;
  let key = 0;
  for (const { value, probability } of distribution(count, minimum)) {
    cumulative += probability;
    const end = Math.min(KEY_RANGE, Math.round(cumulative * KEY_RANGE));
    for (; key < end; key += 1) row[key] = value;
  }
  return row;
}

/** A cell being counted: how many records, and the sum of their keys modulo 256. */
export class Cell {
  count = 0;
  key = 0;

  add(recordKey: number): void {
    this.count += 1;
    this.key = (this.key + recordKey) % KEY_RANGE;
  }

  /** A cell of `count` records whose keys sum to `keySum`. */
  static of(count: number, keySum: number): Cell {
    const cell = new Cell();
    cell.count = count;
    cell.key = keySum % KEY_RANGE;
    return cell;
  }
}

/** The record id a worker number stands for (42 is `W-0000042`), as Labour issues it. */
export const workerRecordId = (workerNumber: number) => `W-${String(workerNumber).padStart(7, '0')}`;

/** A document's record id: its kind and number, e.g. `DRIVING_LICENCE:AP16 20190012345`. */
export const documentRecordId = (kind: string, number: string) => `${kind}:${number}`;

/**
 * The method as the reports service applies it, with its secret. Workers' record keys are kept
 * per worker number for the life of the process (256 values of one byte: what the HMAC costs is
 * paid once per worker, not once per report); documents' are computed afresh, so that no
 * document number outlives the report that needed it.
 */
export class CellKeyMethod {
  private readonly secret: KeyObject;
  private readonly order: Uint8Array;
  private readonly rows = new Map<number, Int32Array>();
  private workerKeys = new Uint8Array(0);
  private known = new Uint8Array(0);

  /** `minimum`: the smallest count of people that may be published, besides 0 (REPORT_MINIMUM_COUNT). */
  constructor(secret: Uint8Array, readonly minimum: number) {
    if (secret.length < 32) throw new ConfigError('The reports\' cell-key secret must be at least 32 bytes.');
    if (!Number.isInteger(minimum) || minimum < 2) {
      throw new ConfigError(`REPORT_MINIMUM_COUNT must be at least 2 for the cell-key method, got ${minimum}.`);
    }
    this.secret = createSecretKey(Buffer.from(secret));
    this.order = keyOrder(this.secret);
    // Rows up to minimum + MAX_NOISE − 1 are special; every larger count shares the plain noise.
    for (let count = 0; count < minimum + MAX_NOISE; count += 1) this.rows.set(count, ptableRow(count, minimum));
  }

  /** A record's key, 0 to 255, from its id. */
  recordKey(id: string): number {
    return createHmac('sha256', this.secret).update(id).digest()[0];
  }

  /** A worker's record key, by worker number (`W-0000042` is 42). */
  workerKey(workerNumber: number): number {
    if (workerNumber >= this.known.length) this.grow(workerNumber);
    if (!this.known[workerNumber]) {
      this.workerKeys[workerNumber] = this.recordKey(workerRecordId(workerNumber));
      this.known[workerNumber] = 1;
    }
    return this.workerKeys[workerNumber];
  }

  /**
   * The record keys of every worker in `workers`, worked out where not known yet, as one array to
   * index by worker number: a report's counting loop reads it without a call per worker.
   */
  workerKeysOf(workers: ArrayLike<number>): Uint8Array {
    for (let i = 0; i < workers.length; i += 1) {
      const worker = workers[i];
      if (worker >= this.known.length || !this.known[worker]) this.workerKey(worker);
    }
    return this.workerKeys;
  }

  /** The value a cell publishes: the ptable's entry for its true count and its cell key. */
  publish(cell: { count: number; key: number }): number {
    const column = this.order[cell.key];
    const row = this.rows.get(cell.count);
    if (row) return row[column];
    return cell.count + noiseOf(column);
  }

  private grow(workerNumber: number): void {
    const size = Math.max(workerNumber + 1, this.known.length * 2, 1024);
    const keys = new Uint8Array(size);
    const known = new Uint8Array(size);
    keys.set(this.workerKeys);
    known.set(this.known);
    this.workerKeys = keys;
    this.known = known;
  }
}

/**
 * A permutation of the 256 cell keys drawn from the secret (Fisher–Yates over HMAC output): the
 * ptable's column for each cell key. Cells that differ by a few records then get unrelated noise,
 * however close their keys are.
 */
function keyOrder(secret: KeyObject): Uint8Array {
  const order = Uint8Array.from({ length: KEY_RANGE }, (_, key) => key);
  let block = Buffer.alloc(0);
  let used = 0;
  let counter = 0;
  const next = () => {
    if (used + 4 > block.length) {
      block = createHmac('sha256', secret).update(`cell-key ptable order ${counter++}`).digest();
      used = 0;
    }
    used += 4;
    return block.readUInt32BE(used - 4);
  };
  for (let i = KEY_RANGE - 1; i > 0; i -= 1) {
    const j = next() % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** The plain noise for a ptable column: NOISE's amounts over consecutive ranges of columns. */
function noiseOf(key: number): number {
  let end = 0;
  for (const { by, keys } of NOISE) {
    end += keys;
    if (key < end) return by;
  }
  throw new Error(`Cell key ${key} is out of range.`);
}

// ---- The secret ----------------------------------------------------------------------------------

/** The secret's file in the keys directory, made on first start when none is configured. */
export const CELL_KEY_SECRET_FILE = 'reports-cell-key.secret';

const HEX_SECRET = /^[0-9a-f]{64,}$/i;

function parseSecret(text: string, from: string): Buffer {
  const value = text.trim();
  if (!HEX_SECRET.test(value) || value.length % 2 !== 0) {
    throw new ConfigError(`${from} must hold at least 32 bytes as hexadecimal (e.g. \`openssl rand -hex 32\`).`);
  }
  return Buffer.from(value, 'hex');
}

/**
 * The reports service's cell-key secret: REPORT_CELL_KEY_SECRET (hex), else the file
 * REPORT_CELL_KEY_SECRET_FILE names, else `reports-cell-key.secret` in the keys directory,
 * created (32 random bytes, readable by its owner only) on first start like the other
 * development keys.
 */
export function loadCellKeySecret(options: { secret?: string; file?: string; keysDir: string }): Buffer {
  if (options.secret) return parseSecret(options.secret, 'REPORT_CELL_KEY_SECRET');
  if (options.file) {
    if (!existsSync(options.file)) throw new ConfigError(`REPORT_CELL_KEY_SECRET_FILE names ${options.file}, which does not exist.`);
    return parseSecret(readFileSync(options.file, 'utf8'), `REPORT_CELL_KEY_SECRET_FILE (${options.file})`);
  }
  const file = path.join(options.keysDir, CELL_KEY_SECRET_FILE);
  if (!existsSync(file)) {
    mkdirSync(options.keysDir, { recursive: true, mode: 0o700 });
    // `wx`: two processes starting at once cannot both write one; the loser reads the winner's.
    try {
      writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return parseSecret(readFileSync(file, 'utf8'), file);
}
