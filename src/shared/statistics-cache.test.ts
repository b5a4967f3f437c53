import { ChangeWatch, StatisticsCache } from './statistics-cache';

/** The two things the cache reads of its watch; the real one is tested over PostgreSQL in test/reports.test.ts. */
const watch = () => ({ generation: 1, listening: true }) as unknown as ChangeWatch & { generation: number; listening: boolean };

describe('report answers an agency keeps', () => {
  it('are kept until a change notice, and one question asked at once is worked out once', async () => {
    const notices = watch();
    const cache = new StatisticsCache(notices, 1);
    let worked = 0;
    const work = async () => `answer ${++worked}`;
    const [a, b] = await Promise.all([cache.answer('q', work), cache.answer('q', work)]);
    expect([a, b, worked]).toEqual(['answer 1', 'answer 1', 1]);
    expect(await cache.answer('q', work)).toBe('answer 1');
    notices.generation += 1;
    expect(await cache.answer('q', work)).toBe('answer 2');
    expect(await cache.answer('q', work)).toBe('answer 2');
  });

  it('keep nothing worked out while a change came in, or while notices are not heard', async () => {
    const notices = watch();
    const cache = new StatisticsCache(notices, 1);
    let worked = 0;
    const racing = async () => {
      notices.generation += 1; // a write commits while the answer's queries run
      return `answer ${++worked}`;
    };
    expect(await cache.answer('q', racing)).toBe('answer 1');
    expect(await cache.answer('q', async () => `answer ${++worked}`)).toBe('answer 2');
    notices.listening = false;
    expect(await cache.answer('r', async () => `answer ${++worked}`)).toBe('answer 3');
    expect(await cache.answer('r', async () => `answer ${++worked}`)).toBe('answer 4');
  });

  it('do not keep a refusal', async () => {
    const cache = new StatisticsCache(watch(), 1);
    await expect(cache.answer('q', async () => { throw new Error('FORBIDDEN'); })).rejects.toThrow('FORBIDDEN');
    expect(await cache.answer('q', async () => 'answer')).toBe('answer');
  });
});
