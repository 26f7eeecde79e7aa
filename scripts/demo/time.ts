/**
 * When people act: on working days (the State Council's calendar, holidays and 调休 included), in
 * office hours, Asia/Shanghai — on time before a stage's deadline, or some working days after it.
 */
import type { WorkingDayCalendar } from '../../calendars/index.js';
import type { Random } from './random.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** Asia/Shanghai is UTC+8 all year (no summer time since 1991). */
const SHANGHAI_OFFSET = 8 * HOUR;

/** The Asia/Shanghai date (`YYYY-MM-DD`) of an instant. */
export function dateOf(ms: number): string {
  return new Date(ms + SHANGHAI_OFFSET).toISOString().slice(0, 10);
}

/** The instant `minutes` after midnight of an Asia/Shanghai date. */
export function atLocal(date: string, minutes: number): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d) - SHANGHAI_OFFSET + minutes * MINUTE;
}

export function addDays(date: string, days: number): string {
  return dateOf(atLocal(date, 12 * 60) + days * DAY);
}

/** The date `months` calendar months after `date` (the last day of a shorter month). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${year}-${String(month).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** The end of an Asia/Shanghai date (23:59:59.999). */
export function endOfDate(date: string): number {
  return atLocal(date, 24 * 60) - 1;
}

/** The demo's scheduler runs every night at 00:05 Asia/Shanghai: the first run after `ms`. */
export function nextNightlyRun(ms: number): number {
  const today = atLocal(dateOf(ms), 5);
  return today > ms ? today : atLocal(addDays(dateOf(ms), 1), 5);
}

export const iso = (ms: number): string => new Date(ms).toISOString();

export class Timing {
  constructor(
    readonly calendar: WorkingDayCalendar,
    private readonly random: Random,
  ) {}

  /** A time in office hours (08:30–17:30) of `date`, after `notBefore`; undefined when the day is over. */
  officeTime(date: string, notBefore = -Infinity): number | undefined {
    const open = atLocal(date, 8 * 60 + 30);
    const close = atLocal(date, 17 * 60 + 30);
    const from = Math.ceil(Math.max(open, notBefore + 5 * MINUTE) / MINUTE) * MINUTE;
    if (from >= close) return undefined;
    let at = from + Math.floor((this.random.next() * (close - from)) / MINUTE) * MINUTE;
    // Few act over lunch (12:00–13:30): most of those are moved into the afternoon.
    const lunch = atLocal(date, 12 * 60);
    if (at >= lunch && at < lunch + 90 * MINUTE && this.random.chance(0.7)) at = Math.max(at + 90 * MINUTE, from);
    return Math.min(at, close - MINUTE);
  }

  /**
   * A time on the k-th working day after the day of `ms` (k = 0: that day, if it is a working day
   * with office hours left; else the next working day).
   */
  workingDay(ms: number, k: number): number {
    const date = dateOf(ms);
    for (let n = Math.max(0, k); ; n++) {
      if (n === 0 && !this.calendar.isWorkingDay(date)) continue;
      const day = n === 0 ? date : this.calendar.addWorkingDays(date, n);
      const at = this.officeTime(day, ms);
      if (at !== undefined) return at;
    }
  }

  /** Between `min` and `max` working days after `ms`. */
  after(ms: number, min: number, max: number): number {
    return this.workingDay(ms, this.random.int(min, max));
  }

  /**
   * When a stage entered at `enteredMs` and due at the end of `dueDate` is acted on: on time (any
   * working day up to the due day, now and then the same day or the last one), or late (1–12
   * working days after it, most only a little).
   */
  act(enteredMs: number, dueDate: string, late: boolean): number {
    const span = Math.max(0, this.calendar.workingDaysBetween(dateOf(enteredMs), dueDate));
    if (late) return this.workingDay(enteredMs, span + 1 + Math.floor(this.random.next() ** 2 * 12));
    if (span === 0) return this.workingDay(enteredMs, 0);
    if (this.random.chance(0.1)) return this.workingDay(enteredMs, 0);
    if (this.random.chance(0.12)) return this.workingDay(enteredMs, span);
    return this.workingDay(enteredMs, 1 + Math.floor(this.random.next() * span));
  }

  /** A submission time: mostly office hours of a working day; sometimes an evening, a weekend or a holiday. */
  submission(date: string): number {
    if (this.random.chance(0.22)) return atLocal(date, this.random.int(8 * 60, 22 * 60 + 30));
    return this.workingDay(atLocal(date, 0), 0);
  }
}
