/** The timeout check over the calls the other checks made. */
import { checkTimeout } from './timeout';
import type { TimedCall } from './report';

const call = (label: string, ms: number, inTime = true, answered = true): TimedCall => ({ label, ms, inTime, answered });

test('every call in time passes, naming the slowest', () => {
  expect(checkTimeout([call('a', 12), call('b', 40), call('c', 7)], 5000)).toEqual({
    name: 'timeout',
    ok: true,
    detail: '3 calls, each within 5000 ms; slowest 40 ms (b)',
    warnings: [],
  });
});

test('late calls are named; no calls, or none answered, fail', () => {
  expect(checkTimeout([call('a', 12), call('b', 200, false, false), call('c', 201, false, false)], 200).detail).toBe('no answer within 200 ms to: b, c');
  expect(checkTimeout([], 200).detail).toBe('no call was made');
  expect(checkTimeout([call('a', 3, true, false)], 200).detail).toBe('no call was answered');
});
