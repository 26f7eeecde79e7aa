/**
 * The Chinese working-day calendar (PROCESSES.md "Deadlines").
 *
 * A `WorkingDayCalendar` is immutable: it holds the loaded State Council notices and is named
 * by their content hash (`version`); `withNotice` answers a new calendar. It answers for the
 * years from the first loaded notice's year to one year past the last (`coveredYears`):
 * - a year with a loaded notice is *official*: Monday–Friday, minus the notice's days off,
 *   plus its adjusted working days (调休上班); a notice's New-Year edge in the previous
 *   December (2023-12-30/31 in the 2024 notice) applies to that December;
 * - a covered year without one is *provisional*: Monday–Friday minus the statutory holidays
 *   and their 补假 (《全国年节及纪念日放假办法》第二、六条; calendars/statutory.ts
 *   `provisionalHolidays`), no adjusted working days; answers touching it say `provisional`,
 *   and so do answers touching 25–31 December of a year whose next notice is not loaded (that
 *   notice's New-Year edge may still set them: `#awaitsNextNotice`);
 * - any other year throws `CalendarNotCoveredError` (`CALENDAR_NOT_COVERED`) — except that a
 *   deadline in calendar days or months, whose last day is moved off a day that is not a working
 *   day (《民法典》第二百零三条), judges a day past the covered years as a provisional year's; so do
 *   a count of working days from a day agreed ahead (`deadlineFrom`), the working days left
 *   before a deadline there (`workingDaysLeft`) and the working days between two days
 *   (`workingDaysBetween`: how long a deadline is overdue), up to `FAR_YEARS` past them.
 *
 * Days are Asia/Shanghai days. The first call builds, once per calendar, an index over the
 * covered days — a prefix sum of working days and the list of working days by ordinal — so that
 * `addWorkingDays`, `workingDaysBetween` and `isWorkingDay` are O(1).
 */
import { CalendarNotCoveredError, CalendarValidationError } from './errors.js';
import {
  civil,
  dayNumber,
  daysInMonth,
  endOfShanghaiDay,
  formatDay,
  instantMs,
  isWeekend,
  toShanghaiDay,
  tryParseDay,
  weekday,
  yearOf,
  type DateInput,
} from './days.js';
import { NEW_YEAR_EDGE_DAY, calendarVersionOf, parseNotice } from './notice.js';
import { provisionalDaysOff, provisionalHolidays, statutoryEditionFor, type ProvisionalHoliday } from './statutory.js';
import type { Deadline, DeadlineRule, HolidayBlock, YearInfo, YearNotice, YearStatus } from './types.js';

interface DayIndex {
  /** Day number of index 0 (1 January of the first covered year). */
  start: number;
  /** Number of covered days. */
  length: number;
  /** `YYYY-MM-DD` of each index. */
  dates: string[];
  /** 1 if the day is a working day. */
  working: Uint8Array;
  /** Working days in [0, i]. */
  cum: Int32Array;
  /** The index of the k-th working day (k from 0). */
  ordinals: Int32Array;
  /** Days of provisional years in [0, i]. */
  provisionalCum: Int32Array;
}

/** Statutory days off and their 补假 by year, for days past a calendar's covered years (the statute is the same for every calendar). */
const statutoryOffByYear = new Map<number, ReadonlySet<string>>();
/** Working days from 1 January up to each day of a year judged by the statute alone (`#farYear`). */
const farYearCum = new Map<number, Int32Array>();

/**
 * How far past the covered years a count from a day agreed ahead (`deadlineFrom`), or the working
 * days left before a deadline there (`workingDaysLeft`), is judged by the statute: further, a year
 * typed wrong (9026 for 2026) is CALENDAR_NOT_COVERED, not thousands of years of days counted on
 * every inbox read.
 */
export const FAR_YEARS = 20;

/** The Asia/Shanghai day of an instant or a `YYYY-MM-DD` (read directly: reports ask it of every item). */
function dayOfInput(input: DateInput, path: string): number {
  if (typeof input === 'string' && input.length === 10) {
    const day = tryParseDay(input);
    if (!Number.isNaN(day)) return day;
  }
  return toShanghaiDay(input, path); // throws the validation error
}

function assertInteger(n: number, path: string, min = -Infinity): void {
  if (!Number.isSafeInteger(n) || n < min) {
    throw new CalendarValidationError([{ path, message: `应为整数${min > -Infinity ? `（≥ ${min}）` : ''}，实际为 ${String(n)}` }]);
  }
}

export class WorkingDayCalendar {
  /** First 12 hex digits of the SHA-256 of the canonical notices; carried by every answer. */
  readonly version: string;
  /** Years whose notice is loaded, ascending. */
  readonly loadedYears: readonly number[];
  /** The last year whose notice is loaded. */
  readonly lastOfficialYear: number;
  /** The years answered for, inclusive: the first loaded year to `lastOfficialYear + 1`. */
  readonly coveredYears: { readonly from: number; readonly to: number };

  readonly #notices: ReadonlyMap<number, YearNotice>;
  #index: DayIndex | undefined;

  private constructor(notices: readonly YearNotice[]) {
    const byYear = new Map<number, YearNotice>();
    for (const n of notices) byYear.set(n.year, n);
    this.#notices = byYear;
    this.loadedYears = Object.freeze([...byYear.keys()].sort((a, b) => a - b));
    this.lastOfficialYear = this.loadedYears[this.loadedYears.length - 1]!;
    this.coveredYears = Object.freeze({ from: this.loadedYears[0]!, to: this.lastOfficialYear + 1 });
    this.version = calendarVersionOf(notices);
  }

  /**
   * A calendar of these notices (each validated: `CalendarValidationError` if one is malformed,
   * two are for the same year, or two contradict each other on a day).
   */
  static fromNotices(notices: readonly unknown[]): WorkingDayCalendar {
    if (!Array.isArray(notices) || notices.length === 0) {
      throw new CalendarValidationError([{ path: 'notices', message: '至少需要一份节假日安排通知' }]);
    }
    const parsed: YearNotice[] = [];
    notices.forEach((raw, i) => {
      try {
        parsed.push(parseNotice(raw));
      } catch (e) {
        if (e instanceof CalendarValidationError) {
          throw new CalendarValidationError(e.errors.map((x) => ({ path: `notices.${i}${x.path ? `.${x.path}` : ''}`, message: x.message })));
        }
        throw e;
      }
    });
    checkTogether(parsed);
    return new WorkingDayCalendar(parsed);
  }

  /** The loaded notices, ascending by year (validated, frozen). */
  get notices(): readonly YearNotice[] {
    return this.loadedYears.map((y) => this.#notices.get(y)!);
  }

  /** The notice of a year, if loaded. */
  notice(year: number): YearNotice | undefined {
    return this.#notices.get(year);
  }

  /**
   * A new calendar with this year's notice loaded (replacing one already loaded for the year):
   * a new version. This calendar is unchanged.
   */
  withNotice(notice: unknown): WorkingDayCalendar {
    const parsed = parseNotice(notice);
    const others = this.notices.filter((n) => n.year !== parsed.year);
    checkTogether([...others, parsed]);
    return new WorkingDayCalendar([...others, parsed]);
  }

  /** Whether the calendar answers for a year. */
  covers(year: number): boolean {
    return Number.isInteger(year) && year >= this.coveredYears.from && year <= this.coveredYears.to;
  }

  /** `official` (notice loaded) or `provisional`; `CalendarNotCoveredError` outside the covered years. */
  yearStatus(year: number): YearStatus {
    if (!this.covers(year)) throw this.#notCovered(year);
    return this.#notices.has(year) ? 'official' : 'provisional';
  }

  /** A year's days off as `GET /v1/calendar/:year` answers them; the text this module writes (a provisional year's blocks) in `lang`. */
  yearInfo(year: number, lang: 'zh' | 'en' = 'zh'): YearInfo {
    const status = this.yearStatus(year);
    const notice = this.#notices.get(year);
    const edge = this.#nextYearEdge(year);
    if (notice) {
      return {
        year,
        status,
        holidays: [...notice.holidays],
        adjustedWorkdays: [...notice.adjustedWorkdays],
        ...edge,
        source: { notice: notice.notice, url: notice.url, issued: notice.issued ?? null, ...(notice.title !== undefined ? { title: notice.title } : {}) },
        blocks: (notice.blocks ?? []).map((b) => ({ ...b, holidays: [...b.holidays], adjustedWorkdays: [...b.adjustedWorkdays] })),
        calendarVersion: this.version,
      };
    }
    const statutory = provisionalHolidays(year);
    const blocks: HolidayBlock[] = statutory.map((h) => ({
      name: h.name,
      text: provisionalBlockText(h, lang),
      holidays: [...h.dates, ...h.makeUp],
      adjustedWorkdays: [],
    }));
    return {
      year,
      status,
      holidays: [...new Set(statutory.flatMap((h) => [...h.dates, ...h.makeUp]))].sort(),
      adjustedWorkdays: [],
      ...edge,
      source: null,
      blocks,
      calendarVersion: this.version,
    };
  }

  /** The days of `year` the next year's notice sets (its New-Year edge), when it sets any. */
  #nextYearEdge(year: number): Pick<YearInfo, 'nextYearEdge'> {
    const next = this.#notices.get(year + 1);
    const ofYear = (days: readonly string[]) => days.filter((d) => d.startsWith(`${year}-`));
    if (!next) return {};
    const holidays = ofYear(next.holidays);
    const adjustedWorkdays = ofYear(next.adjustedWorkdays);
    if (holidays.length === 0 && adjustedWorkdays.length === 0) return {};
    return { nextYearEdge: { holidays, adjustedWorkdays, source: { notice: next.notice, url: next.url } } };
  }

  /** Whether an Asia/Shanghai day (or the day of an instant) is a working day. */
  isWorkingDay(date: DateInput): boolean {
    const ix = this.#index ?? this.#buildIndex();
    return ix.working[this.#indexOf(ix, date, 'date')] === 1;
  }

  /**
   * Whether a day is of the New-Year edge of a year whose notice is not loaded: the next notice may
   * still set it (25–31 December: notice.ts; the 2019 notice made Sat 2018-12-29 a working day and
   * Mon 12-31 a day off), so what it is stays provisional until that notice is loaded.
   */
  #awaitsNextNotice(day: string): boolean {
    return day.slice(5) >= `12-${NEW_YEAR_EDGE_DAY}` && !this.#notices.has(Number(day.slice(0, 4)) + 1);
  }

  /** Whether a day lies in a provisional year, or in the New-Year edge of one (`#awaitsNextNotice`). */
  isProvisional(date: DateInput): boolean {
    const ix = this.#index ?? this.#buildIndex();
    const i = this.#indexOf(ix, date, 'date');
    return ix.provisionalCum[i]! - (i > 0 ? ix.provisionalCum[i - 1]! : 0) === 1;
  }

  /**
   * The n-th working day after `date` (`YYYY-MM-DD`). The given day is never counted: n = 1 is the
   * first working day after it, n = 0 is the day itself (working or not), n < 0 counts back
   * (-1 is the last working day before it). O(1).
   */
  addWorkingDays(date: DateInput, n: number): string {
    const ix = this.#index ?? this.#buildIndex();
    return ix.dates[this.#add(ix, this.#indexOf(ix, date, 'date'), n)]!;
  }

  /**
   * Working days in (a, b]: the working days after `a` up to and including `b`; negative, the
   * count of (b, a], when b < a. `workingDaysBetween(a, addWorkingDays(a, n)) === n` for n ≥ 0,
   * and `addWorkingDays(a, workingDaysBetween(a, b)) === b` when b ≥ a is a working day. O(1).
   */
  workingDaysBetween(a: DateInput, b: DateInput): number {
    // Past the covered years (up to FAR_YEARS), judged by the statute as `workingDaysLeft` judges them:
    // the working days a task is overdue once a year with no notice loaded has begun were otherwise
    // null in the inbox and the overdue report, for a task they called overdue (第十九条).
    const ix = this.#index ?? this.#buildIndex();
    return this.#cumulative(ix, dayOfInput(b, 'b')) - this.#cumulative(ix, dayOfInput(a, 'a'));
  }

  /**
   * The deadline of n working days for a stage entered at `enteredAt` (an instant, placed on its
   * Asia/Shanghai date, or a `YYYY-MM-DD`): the end (23:59:59.999 Asia/Shanghai) of the n-th
   * working day after the day of entry, which is never counted. `provisional` if any day from the
   * day of entry to the due day lies in a provisional year. n = 0 ends the day of entry, or the first
   * working day after it when it is a day off: a deadline in working days ends on a working day (time
   * QA: 0 working days from 元旦 2023 ended on 元旦).
   */
  deadline(enteredAt: DateInput, n: number): Deadline {
    assertInteger(n, 'workingDays', 0);
    const ix = this.#index ?? this.#buildIndex();
    const entry = this.#indexOf(ix, enteredAt, 'enteredAt');
    const due = this.#add(ix, entry, n === 0 && ix.working[entry] !== 1 ? 1 : n);
    const provisional = ix.provisionalCum[due]! - (entry > 0 ? ix.provisionalCum[entry - 1]! : 0) > 0;
    return { dueAt: endOfShanghaiDay(ix.start + due), dueDate: ix.dates[due]!, provisional, calendarVersion: this.version };
  }

  /**
   * The deadline of n calendar days: the n-th day after the day of entry, which is never counted;
   * a last day that is not a working day moves to the next working day (`#endOfPeriod`).
   */
  calendarDeadline(enteredAt: DateInput, n: number): Deadline {
    assertInteger(n, 'calendarDays', 0);
    return this.#endOfPeriod(toShanghaiDay(enteredAt, 'enteredAt') + n);
  }

  /**
   * The deadline of n months (民法典 第二百零一、二百零二条): the day of entry is not counted; the
   * last day is the corresponding day of the n-th month after, or that month's last day when it
   * has no such day; a last day that is not a working day moves to the next working day
   * (第二百零三条, `#endOfPeriod`).
   */
  monthsDeadline(enteredAt: DateInput, months: number): Deadline {
    assertInteger(months, 'months', 0);
    const [y, m, d] = civil(toShanghaiDay(enteredAt, 'enteredAt'));
    const total = y * 12 + (m - 1) + months;
    const year = Math.floor(total / 12);
    const month = (total % 12) + 1;
    return this.#endOfPeriod(dayNumber(year, month, Math.min(d, daysInMonth(year, month))));
  }

  /**
   * The deadline of n working days counted from a day agreed ahead (an agreement's start of use):
   * as `deadline`, but a count that runs past the covered years judges those days as a provisional
   * year's — weekends, the statutory holidays and their 补假 (第六条) — and is provisional, to be
   * re-stated when the notices are loaded. The work cannot be done before that day, so refusing the
   * count (CALENDAR_NOT_COVERED) refused the act that agreed the day, and left the task before it
   * open and overdue until a notice came. Before the first loaded year, or ending more than
   * `FAR_YEARS` past the covered ones, `CalendarNotCoveredError`.
   */
  deadlineFrom(from: DateInput, n: number): Deadline {
    assertInteger(n, 'workingDays', 0);
    const ix = this.#index ?? this.#buildIndex();
    const start = toShanghaiDay(from, 'from');
    const last = dayNumber(this.coveredYears.to + FAR_YEARS, 12, 31);
    if (start < ix.start || start > last) throw this.#notCovered(yearOf(start));
    if (start - ix.start < ix.length) {
      try {
        return this.deadline(from, n);
      } catch (error) {
        if (!(error instanceof CalendarNotCoveredError)) throw error;
      }
    }
    const working = (day: number) => (day - ix.start < ix.length ? ix.working[day - ix.start] === 1 : this.#workingPast(day));
    let day = start;
    // As `deadline`: none to count from a day off ends on the first working day after it.
    for (let left = n === 0 && !working(start) ? 1 : n; left > 0; ) {
      day++;
      if (day > last) throw this.#notCovered(yearOf(day));
      if (working(day)) left--;
    }
    return { dueAt: endOfShanghaiDay(day), dueDate: formatDay(day), provisional: true, calendarVersion: this.version };
  }

  /** `dueBy` for a count from a day agreed ahead: working days by `deadlineFrom`. */
  dueFrom(from: DateInput, rule: DeadlineRule): Deadline {
    return rule.unit === 'workingDays' ? this.deadlineFrom(from, rule.n) : this.dueBy(from, rule);
  }

  /** The deadline of a configured rule (calendars/rules.ts), by its unit. */
  dueBy(enteredAt: DateInput, rule: DeadlineRule): Deadline {
    switch (rule.unit) {
      case 'workingDays':
        return this.deadline(enteredAt, rule.n);
      case 'calendarDays':
        return this.calendarDeadline(enteredAt, rule.n);
      default:
        throw new CalendarValidationError([{ path: 'rule.unit', message: `unknown unit ${JSON.stringify((rule as { unit: unknown }).unit)}` }]);
    }
  }

  /** `workingDaysBetween` of the Asia/Shanghai dates of two instants (or dates). */
  workingDaysBetweenInstants(from: DateInput, to: DateInput): number {
    return this.workingDaysBetween(from, to);
  }

  /**
   * Working days left at `asOf` before `dueAt` (an instant; a bare date means its end of day):
   * the working days after the day of `asOf` up to the due day; 0 on the due day and once past.
   */
  workingDaysLeft(asOf: DateInput, dueAt: DateInput): number {
    if (instantMs(asOf, 'asOf') >= instantMs(dueAt, 'dueAt')) return 0;
    // A deadline past the covered years (a results term, access from a start of use agreed ahead) was
    // judged there by the statute (`deadlineFrom`, `#endOfPeriod`): its days left are counted alike.
    const ix = this.#index ?? this.#buildIndex();
    return Math.max(0, this.#cumulative(ix, toShanghaiDay(dueAt, 'dueAt')) - this.#cumulative(ix, toShanghaiDay(asOf, 'asOf')));
  }

  /**
   * Working days from the first covered day up to `day`: the index's count in the covered years,
   * and past them, the days a provisional year's rules make working (weekends, the statutory
   * holidays and their 补假), a year at a time. Before the first covered day, `CalendarNotCoveredError`.
   */
  #cumulative(ix: DayIndex, day: number): number {
    const i = day - ix.start;
    if (i < 0) throw this.#notCovered(yearOf(day));
    if (i < ix.length) return ix.cum[i]!;
    let count = ix.cum[ix.length - 1]!;
    const year = yearOf(day);
    if (year > this.coveredYears.to + FAR_YEARS) throw this.#notCovered(year);
    for (let y = this.coveredYears.to + 1; y < year; y++) {
      const days = this.#farYear(y);
      count += days[days.length - 1]!;
    }
    return count + this.#farYear(year)[day - dayNumber(year, 1, 1)]!;
  }

  /** A year past the covered ones: working days from its 1 January up to each of its days, as a provisional year's. */
  #farYear(year: number): Int32Array {
    let cum = farYearCum.get(year);
    if (!cum) {
      const first = dayNumber(year, 1, 1);
      cum = new Int32Array(dayNumber(year + 1, 1, 1) - first);
      let n = 0;
      for (let d = 0; d < cum.length; d++) {
        if (this.#workingPast(first + d)) n++;
        cum[d] = n;
      }
      farYearCum.set(year, cum);
    }
    return cum;
  }

  /**
   * Working days a deadline is overdue at `asOf`: 0 until `dueAt` has passed, then the working
   * days after the due day up to and including the day of `asOf` — at least 1 (on a weekend or a
   * holiday right after it, the deadline is missed all the same).
   */
  workingDaysOverdue(asOf: DateInput, dueAt: DateInput): number {
    if (instantMs(asOf, 'asOf') <= instantMs(dueAt, 'dueAt')) return 0;
    return Math.max(1, this.workingDaysBetweenInstants(dueAt, asOf));
  }

  /**
   * The deadline of a period counted in calendar days or months whose count reaches `last` (a day
   * number). 《民法典》第二百零三条: "期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日"
   * — a last day that is not a working day (a weekend not made a 调休 working day, or a holiday)
   * moves to the next working day; a 调休 working weekend day stays. `provisional` if the last day
   * of the count, or any day up to the one it moves to, lies in a provisional year: a notice not
   * loaded yet may change the answer, and when it is loaded the deadline is re-stated like a
   * working-day one. Beyond the covered years (a results term may run ten years) the days are
   * judged the same way, from the statute, and the deadline is provisional; before the first
   * loaded year, `CalendarNotCoveredError`.
   */
  #endOfPeriod(last: number): Deadline {
    const ix = this.#index ?? this.#buildIndex();
    const from = last - ix.start;
    if (from < 0) throw this.#notCovered(yearOf(last));
    if (from < ix.length) {
      // 《民法典》第二百零三条: the first working day on or after the last day of the count.
      const k = ix.cum[from]! - ix.working[from]!;
      if (k < ix.ordinals.length) {
        const due = ix.ordinals[k]!;
        const provisional = ix.provisionalCum[due]! - (from > 0 ? ix.provisionalCum[from - 1]! : 0) > 0;
        return { dueAt: endOfShanghaiDay(ix.start + due), dueDate: ix.dates[due]!, provisional, calendarVersion: this.version };
      }
    }
    // Past the covered years (or moved past them): weekends, statutory holidays and their 补假, provisional.
    let due = Math.max(last, ix.start + ix.length);
    while (!this.#workingPast(due)) due++;
    return { dueAt: endOfShanghaiDay(due), dueDate: formatDay(due), provisional: true, calendarVersion: this.version };
  }

  /** A day past the covered years is working as a provisional year's day would be: no weekend, no statutory holiday, no 补假. */
  #workingPast(day: number): boolean {
    return !isWeekend(day) && !this.#statutoryOff(yearOf(day)).has(formatDay(day));
  }

  /**
   * The days off of a year past the covered ones, as a provisional year's: the statutory holidays
   * and their 补假 (第六条). `CalendarNotCoveredError` if the statute cannot give them.
   */
  #statutoryOff(year: number): ReadonlySet<string> {
    let off = statutoryOffByYear.get(year);
    if (!off) {
      try {
        off = new Set(provisionalDaysOff(year));
      } catch {
        throw this.#notCovered(year);
      }
      statutoryOffByYear.set(year, off);
    }
    return off;
  }

  #notCovered(year: number): CalendarNotCoveredError {
    return new CalendarNotCoveredError(year, this.coveredYears);
  }

  #indexOf(ix: DayIndex, input: DateInput, path: string): number {
    const day = dayOfInput(input, path);
    const i = day - ix.start;
    if (i < 0 || i >= ix.length) throw this.#notCovered(yearOf(day));
    return i;
  }

  #add(ix: DayIndex, i: number, n: number): number {
    if (n === 0) return i;
    assertInteger(n, 'n');
    if (n > 0) {
      const k = ix.cum[i]! + n - 1;
      if (k >= ix.ordinals.length) throw this.#notCovered(this.coveredYears.to + 1);
      return ix.ordinals[k]!;
    }
    const k = ix.cum[i]! - ix.working[i]! + n;
    if (k < 0) throw this.#notCovered(this.coveredYears.from - 1);
    return ix.ordinals[k]!;
  }

  #buildIndex(): DayIndex {
    const { from, to } = this.coveredYears;
    const start = dayNumber(from, 1, 1);
    const length = dayNumber(to, 12, 31) - start + 1;
    const off = new Set<string>();
    const on = new Set<string>();
    for (const n of this.#notices.values()) {
      for (const d of n.holidays) off.add(d);
      for (const d of n.adjustedWorkdays) on.add(d);
    }
    const provisionalYears = new Set<number>();
    for (let y = from; y <= to; y++) {
      if (this.#notices.has(y)) continue;
      provisionalYears.add(y);
      // 《全国年节及纪念日放假办法》第二条 the holidays; 第六条 "适逢周六、周日，应当在工作日补假".
      for (const d of provisionalDaysOff(y)) off.add(d);
    }
    const dates = new Array<string>(length);
    const working = new Uint8Array(length);
    const cum = new Int32Array(length);
    const provisionalCum = new Int32Array(length);
    const ordinals: number[] = [];
    let w = 0;
    let p = 0;
    for (let i = 0; i < length; i++) {
      const day = start + i;
      const s = formatDay(day);
      dates[i] = s;
      const isWorking = on.has(s) || (!off.has(s) && !isWeekend(day));
      if (isWorking) {
        working[i] = 1;
        ordinals.push(i);
        w++;
      }
      cum[i] = w;
      if (provisionalYears.has(yearOf(day)) || this.#awaitsNextNotice(s)) p++;
      provisionalCum[i] = p;
    }
    this.#index = { start, length, dates, working, cum, ordinals: Int32Array.from(ordinals), provisionalCum };
    return this.#index;
  }
}

/**
 * The text of a provisional year's block, for `GET /v1/calendar/:year`: where its days come from.
 * e.g. 临时计算（《全国年节及纪念日放假办法》，尚未载入国务院通知）：第二条 放假 2027-10-01、2027-10-02、2027-10-03；
 * 第六条 2027-10-02、2027-10-03 适逢周六、周日，补假 2027-10-04、2027-10-05。
 */
function provisionalBlockText(h: ProvisionalHoliday, lang: 'zh' | 'en'): string {
  // The days the holiday meets, not the article's "周六、周日" whole: 2028-01-01 alone read 适逢周六、周日 (calendar QA).
  const weekend = [6, 0].filter((w) => h.onWeekend.some((d) => weekday(tryParseDay(d)) === w));
  // Year-end QA: under Accept-Language: en the product's own text stayed Chinese (a loaded notice's is the State Council's, and stays so).
  if (lang === 'en') {
    const given = `provisional (Measures on National Holidays and Commemorative Days; the State Council’s notice is not loaded yet): Article 2, days off ${h.dates.join(', ')}`;
    if (h.makeUp.length === 0) return `${given}.`;
    return `${given}; Article 6, ${h.onWeekend.join(', ')} ${h.onWeekend.length > 1 ? 'fall' : 'falls'} on ${weekend.map((w) => (w === 6 ? 'Saturday' : 'Sunday')).join(' and ')}, days in lieu ${h.makeUp.join(', ')}.`;
  }
  const given = `临时计算（《全国年节及纪念日放假办法》，尚未载入国务院通知）：第二条 放假 ${h.dates.join('、')}`;
  if (h.makeUp.length === 0) return `${given}。`;
  return `${given}；第六条 ${h.onWeekend.join('、')} 适逢${weekend.map((w) => (w === 6 ? '周六' : '周日')).join('、')}，补假 ${h.makeUp.join('、')}。`;
}

/** Checks that notices fit together: one per year, no day both off and working, computable gaps. */
function checkTogether(notices: readonly YearNotice[]): void {
  const issues: { path: string; message: string }[] = [];
  const years = new Set<number>();
  const offBy = new Map<string, number>();
  const onBy = new Map<string, number>();
  for (const n of notices) {
    if (years.has(n.year)) issues.push({ path: 'year', message: `${n.year} 年有两份通知` });
    years.add(n.year);
    for (const d of n.holidays) offBy.set(d, n.year);
    for (const d of n.adjustedWorkdays) onBy.set(d, n.year);
  }
  for (const [d, y] of onBy) {
    const other = offBy.get(d);
    if (other !== undefined) issues.push({ path: 'adjustedWorkdays', message: `${d} 在 ${y} 年的通知中是工作日，在 ${other} 年的通知中却是放假日` });
  }
  const sorted = [...years].sort((a, b) => a - b);
  for (let y = sorted[0]!; y <= sorted[sorted.length - 1]! + 1; y++) {
    if (years.has(y)) continue;
    try {
      statutoryEditionFor(y);
    } catch {
      issues.push({ path: 'year', message: `${y} 年没有通知且早于 2014 年，无法按法定节假日临时计算` });
    }
  }
  if (issues.length > 0) throw new CalendarValidationError(issues);
}
