import { addDays as addDaysByDate } from '../dates';
import { addDays } from './days';
import { Random } from './random';

test('remembered day sums give what dates.ts gives, leap days and month ends included', () => {
  for (let day = Date.parse('1966-12-01T00:00:00Z'); day <= Date.parse('2036-01-31T00:00:00Z'); day += 7 * 86_400_000) {
    const date = new Date(day).toISOString().slice(0, 10);
    for (const days of [-1500, -366, -30, -1, 0, 1, 29, 60, 365, 1826]) expect(addDays(date, days)).toBe(addDaysByDate(date, days));
  }
  expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
  expect(addDays('2024-03-01', 0.5)).toBe(addDaysByDate('2024-03-01', 0.5));
});

test('dates drawn between two days stay the same draws', () => {
  // The days mulberry32 gives for this stream with the millisecond arithmetic the generator used before.
  const rng = new Random(2024, 'days-test', 1);
  const drawn = Array.from({ length: 5 }, () => rng.dateBetween('2024-11-01', '2025-03-31'));
  const again = new Random(2024, 'days-test', 1);
  const start = Date.parse('2024-11-01T00:00:00Z');
  const span = Math.round((Date.parse('2025-03-31T00:00:00Z') - start) / 86_400_000);
  expect(drawn).toEqual(Array.from({ length: 5 }, () => new Date(start + again.int(0, span) * 86_400_000).toISOString().slice(0, 10)));
});
