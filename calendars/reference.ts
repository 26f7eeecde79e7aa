/**
 * A slow, obviously-correct reference for the calendar's arithmetic: it walks day by day with
 * UTC `Date`s, looking each day up in sets built straight from the notices and the statute.
 * It shares nothing with the index of `WorkingDayCalendar` but the statutory computation (the
 * holidays and their 补假, calendars/statutory.ts); the property tests and
 * `npm run bench:calendar` compare the two. Not for production use.
 */
import { CalendarNotCoveredError } from './errors.js';
import { provisionalDaysOff } from './statutory.js';
import type { YearNotice } from './types.js';

const DAY_MS = 86_400_000;

export class ReferenceWalkCalendar {
  readonly #off = new Set<string>();
  readonly #on = new Set<string>();
  readonly #from: number;
  readonly #to: number;

  constructor(notices: readonly YearNotice[]) {
    const years = notices.map((n) => n.year);
    this.#from = Math.min(...years);
    this.#to = Math.max(...years) + 1;
    for (const n of notices) {
      n.holidays.forEach((d) => this.#off.add(d));
      n.adjustedWorkdays.forEach((d) => this.#on.add(d));
    }
    for (let y = this.#from; y <= this.#to; y++) {
      if (!years.includes(y)) provisionalDaysOff(y).forEach((d) => this.#off.add(d));
    }
  }

  #check(date: string): void {
    const year = Number(date.slice(0, 4));
    if (year < this.#from || year > this.#to) throw new CalendarNotCoveredError(year, { from: this.#from, to: this.#to });
  }

  isWorkingDay(date: string): boolean {
    this.#check(date);
    if (this.#on.has(date)) return true;
    if (this.#off.has(date)) return false;
    const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
    return dow !== 0 && dow !== 6;
  }

  /** Walks |n| working days from `date` (the day itself never counted). */
  addWorkingDays(date: string, n: number): string {
    this.#check(date);
    let ms = Date.parse(`${date}T00:00:00Z`);
    let day = date;
    const step = n < 0 ? -DAY_MS : DAY_MS;
    for (let left = Math.abs(n); left > 0; ) {
      ms += step;
      day = new Date(ms).toISOString().slice(0, 10);
      if (this.isWorkingDay(day)) left--;
    }
    return day;
  }

  /** Counts the working days in (a, b] by walking; negative, of (b, a], when b < a. */
  workingDaysBetween(a: string, b: string): number {
    this.#check(a);
    this.#check(b);
    if (b < a) return 0 - this.workingDaysBetween(b, a);
    let count = 0;
    for (let ms = Date.parse(`${a}T00:00:00Z`) + DAY_MS, end = Date.parse(`${b}T00:00:00Z`); ms <= end; ms += DAY_MS) {
      if (this.isWorkingDay(new Date(ms).toISOString().slice(0, 10))) count++;
    }
    return count;
  }
}
