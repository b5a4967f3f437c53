/**
 * Sets of workers as they travel between an agency and the reports service: compressed bitmaps
 * over worker numbers (`W-0000042` is 42), Roaring's portable format in base64. A set of a
 * million workers out of a million is about 130 KB, a ward's thousand a few hundred bytes, and
 * intersecting or counting two sets is done by the library in microseconds per block.
 *
 * Both ends are here: the agency turns the numbers its SQL joined into a set (`encodeWorkers`),
 * the reports service reads it back (`decodeWorkers`), refusing anything that is not a set of
 * worker numbers.
 */
import { RoaringBitmap32 } from 'roaring';

export { RoaringBitmap32 as WorkerBitmap };

/** Labour issues ids `W-` and seven digits. */
export const MAX_WORKER_NUMBER = 9_999_999;

/**
 * Worker numbers as PostgreSQL joins them (`string_agg(substr(worker_id, 3), ',')`: one text value
 * to parse instead of a row per worker), or none. Ids are checked when records are written, so a
 * malformed one is only skipped here, not searched for.
 */
export function parseWorkerNumbers(joined: string | null | undefined): number[] {
  if (!joined) return [];
  return joined
    .split(',')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n >= 0 && n <= MAX_WORKER_NUMBER);
}

/** A set of worker numbers for the wire. */
export function encodeWorkers(numbers: Iterable<number> | RoaringBitmap32): string {
  const bitmap = numbers instanceof RoaringBitmap32 ? numbers : RoaringBitmap32.from(numbers);
  bitmap.runOptimize();
  const bytes = bitmap.serialize('portable');
  // roaring types its Buffer as a bare Uint8Array; it is a Node Buffer, viewed here without a copy.
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** The numbers an agency's SQL joined, as a set for the wire. */
export const encodeJoinedWorkers = (joined: string | null | undefined) => encodeWorkers(parseWorkerNumbers(joined));

/** A set from the wire; anything that is not a set of worker numbers is an error, not a guess. */
export function decodeWorkers(base64: unknown): RoaringBitmap32 {
  if (typeof base64 !== 'string') throw new TypeError('A set of workers must be a base64 string.');
  if (!base64) return new RoaringBitmap32();
  const bitmap = RoaringBitmap32.deserialize(Buffer.from(base64, 'base64'), 'portable');
  if (!bitmap.isEmpty && bitmap.maximum() > MAX_WORKER_NUMBER) throw new RangeError('A set of workers holds a number beyond any worker id.');
  return bitmap;
}
