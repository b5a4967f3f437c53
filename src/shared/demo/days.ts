/**
 * Day arithmetic for the demo generator, giving exactly what src/shared/dates.ts gives. A million
 * workers' records need tens of millions of date sums over a few thousand distinct days, and
 * parsing and formatting each one was a tenth of a seed's time; here both are remembered.
 */
import { addDays as addDaysByDate } from '../dates.js';

const DAY_MS = 86_400_000;
/** Enough for every day from 1900 to 2100; the demo uses far fewer. */
const KEEP = 80_000;
const numbers = new Map<string, number>();
const texts = new Map<number, string>();

/** Days since 1970-01-01 of an ISO date (YYYY-MM-DD), in UTC. */
export function dayNumber(date: string): number {
  let day = numbers.get(date);
  if (day === undefined) {
    day = Date.parse(`${date}T00:00:00Z`) / DAY_MS;
    if (numbers.size < KEEP) numbers.set(date, day);
  }
  return day;
}

/** The ISO date of a day number. */
export function dayText(day: number): string {
  let text = texts.get(day);
  if (text === undefined) {
    text = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (texts.size < KEEP) texts.set(day, text);
  }
  return text;
}

export function addDays(date: string, days: number): string {
  // Whole days only: dates.ts reckons in milliseconds, and a fraction of a day is its business.
  return Number.isInteger(days) ? dayText(dayNumber(date) + days) : addDaysByDate(date, days);
}
