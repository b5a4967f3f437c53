import type { Caller } from '../../src/shared/access/caller';
import { ReportMemo } from './memo';

const analyst: Caller = { agency: 'mepma', subject: 'a', role: 'analyst', jurisdiction: 'national', scopes: ['read'], purpose: 'statistics' };

describe('results kept while the same answers come back', () => {
  it('are keyed by the caller, the question and the answers, in any order', () => {
    const key = ReportMemo.key(analyst, ['coverage', 1], ['x', 'y']);
    expect(ReportMemo.key(analyst, ['coverage', 1], ['y', 'x'])).toBe(key);
    expect(ReportMemo.key({ ...analyst, subject: 'someone else' }, ['coverage', 1], ['x', 'y'])).toBe(key);
    // What the agencies' policies read makes another key: another caller never gets this result.
    for (const other of [{ agency: 'labour' }, { role: 'officer' }, { jurisdiction: 'city:VJA' }, { purpose: 'audit' }]) {
      expect(ReportMemo.key({ ...analyst, ...other } as Caller, ['coverage', 1], ['x', 'y'])).not.toBe(key);
    }
    expect(ReportMemo.key(analyst, ['coverage', 2], ['x', 'y'])).not.toBe(key);
    expect(ReportMemo.key(analyst, ['coverage', 1], ['x', 'z'])).not.toBe(key);
    expect(ReportMemo.key(analyst, ['coverage', 1], ['x', undefined])).toBeUndefined();
  });

  it('work a result out once per key, and always without a key or a budget', async () => {
    const memo = new ReportMemo(1);
    let worked = 0;
    const work = () => ({ n: ++worked });
    expect(await memo.remember('k', () => 10, work)).toEqual({ n: 1 });
    expect(await memo.remember('k', () => 10, work)).toEqual({ n: 1 });
    expect(await memo.remember(undefined, () => 10, work)).toEqual({ n: 2 });
    expect(await memo.remember(undefined, () => 10, work)).toEqual({ n: 3 });
    const none = new ReportMemo(0);
    expect(await none.remember('k', () => 10, work)).toEqual({ n: 4 });
    expect(await none.remember('k', () => 10, work)).toEqual({ n: 5 });
  });
});
