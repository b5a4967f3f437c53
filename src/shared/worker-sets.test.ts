import { decodeWorkers, encodeJoinedWorkers, encodeWorkers, MAX_WORKER_NUMBER, parseWorkerNumbers, WorkerBitmap } from './worker-sets';

describe('sets of workers on the wire', () => {
  it('carry exactly the numbers sent, sparse or dense, and nothing for none', () => {
    const dense = Array.from({ length: 200_000 }, (_, i) => i * 3);
    for (const numbers of [[], [0], [42, 7, 42, 9_999_999], dense]) {
      expect(decodeWorkers(encodeWorkers(numbers)).toArray()).toEqual([...new Set(numbers)].sort((a, b) => a - b));
    }
    // Compressed: 200,000 workers in far less than a byte each.
    expect(Buffer.from(encodeWorkers(dense), 'base64').length).toBeLessThan(200_000 / 2);
  });

  it('read the numbers PostgreSQL joined, skipping what is not a worker number', () => {
    expect(parseWorkerNumbers('0000042,17,x,,-3,1.5,99999999')).toEqual([42, 17, 0]);
    expect(parseWorkerNumbers(null)).toEqual([]);
    expect(decodeWorkers(encodeJoinedWorkers('3,1,2')).toArray()).toEqual([1, 2, 3]);
  });

  it('refuse what is not a set of worker numbers', () => {
    expect(() => decodeWorkers(42)).toThrow(TypeError);
    expect(() => decodeWorkers(encodeWorkers(WorkerBitmap.of(MAX_WORKER_NUMBER + 1)))).toThrow(RangeError);
    expect(() => decodeWorkers(Buffer.from('not a bitmap at all').toString('base64'))).toThrow();
  });
});
