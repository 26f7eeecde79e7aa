/**
 * Day arithmetic on the Asia/Shanghai calendar, independent of the process's time zone.
 *
 * A day is an integer *day number* (days since 1970-01-01 in the proleptic Gregorian calendar),
 * converted to and from `YYYY-MM-DD` by integer arithmetic only. The one place an instant meets
 * the calendar is `shanghaiDateOf` / `endOfShanghaiDay`, done with `@date-fns/tz`, never with the
 * local-time getters of `Date`.
 */
import { TZDate } from '@date-fns/tz';
import { CalendarValidationError } from './errors.js';

export const SHANGHAI = 'Asia/Shanghai';

/** A day of the Asia/Shanghai calendar (`YYYY-MM-DD`), an instant (`Date`), or an ISO-8601 instant string. */
export type DateInput = Date | string;

const DAY = String.raw`\d{4}-\d{2}-\d{2}`;
/** An instant must carry its offset: `2026-02-24T10:00:00` alone would mean the process's local time. */
const TIME_AND_OFFSET = String.raw`T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})`;
const ISO_DATE = new RegExp(`^${DAY}$`);
const ISO_INSTANT = new RegExp(`^${DAY}${TIME_AND_OFFSET}$`);
/** The form `isDayOrInstant` takes, as a JSON-Schema pattern for GET /docs (the check also refuses a day that does not exist). */
export const DAY_OR_INSTANT_PATTERN = `^${DAY}(?:${TIME_AND_OFFSET})?$`;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`). */
export function dayNumber(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The `[year, month, day]` of a day number (H. Hinnant's `civil_from_days`). */
export function civil(dayNum: number): [number, number, number] {
  const z = dayNum + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const DIGIT0 = 48;

function digits(s: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - DIGIT0;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** The day number of a `YYYY-MM-DD` string, or `NaN` if it is not a real date. Fast: no allocation. */
export function tryParseDay(s: string): number {
  if (s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return NaN;
  const y = digits(s, 0, 4);
  const m = digits(s, 5, 7);
  const d = digits(s, 8, 10);
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return NaN;
  return dayNumber(y, m, d);
}

/** The day number of a `YYYY-MM-DD` string; a malformed or impossible date is a validation error. */
export function parseDay(s: string, path = 'date'): number {
  const n = tryParseDay(s);
  if (Number.isNaN(n)) throw new CalendarValidationError([{ path, message: `不是有效日期（应为 YYYY-MM-DD）：${JSON.stringify(s)}` }]);
  return n;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** `YYYY-MM-DD` of a day number. */
export function formatDay(dayNum: number): string {
  const [y, m, d] = civil(dayNum);
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

/** 0 = Sunday … 6 = Saturday. 1970-01-01 was a Thursday. */
export function weekday(dayNum: number): number {
  return (((dayNum + 4) % 7) + 7) % 7;
}

export function isWeekend(dayNum: number): boolean {
  const w = weekday(dayNum);
  return w === 0 || w === 6;
}

export function yearOf(dayNum: number): number {
  return civil(dayNum)[0];
}

export function isIsoDate(s: string): boolean {
  return ISO_DATE.test(s) && !Number.isNaN(tryParseDay(s));
}

/** An instant as Beijing wall-clock time, `YYYY-MM-DD HH:mm:ss` (what a spreadsheet reads as a date and time). */
export function shanghaiDateTimeOf(input: DateInput): string {
  const t = new TZDate(instantMs(input), SHANGHAI);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${String(t.getFullYear()).padStart(4, '0')}-${two(t.getMonth() + 1)}-${two(t.getDate())} ${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())}`;
}

/** The Asia/Shanghai day number of an instant given in epoch milliseconds. */
export function shanghaiDayOfMs(ms: number): number {
  const t = new TZDate(ms, SHANGHAI);
  return dayNumber(t.getFullYear(), t.getMonth() + 1, t.getDate());
}

/**
 * The Asia/Shanghai day number of an input: a `YYYY-MM-DD` string is that day; an instant (a
 * `Date`, or an ISO-8601 string with `Z` or an offset) is first placed on its Asia/Shanghai date.
 */
export function toShanghaiDay(input: DateInput, path = 'date'): number {
  if (typeof input === 'string') {
    if (input.length === 10) return parseDay(input, path);
    if (!ISO_INSTANT.test(input)) {
      throw new CalendarValidationError([
        { path, message: `不是有效日期（YYYY-MM-DD），也不是带 Z 或时区偏移的 ISO-8601 时刻：${JSON.stringify(input)}` },
      ]);
    }
    const ms = Date.parse(input);
    if (Number.isNaN(ms) || Number.isNaN(tryParseDay(input.slice(0, 10)))) {
      throw new CalendarValidationError([{ path, message: `不是有效时刻：${JSON.stringify(input)}` }]);
    }
    return shanghaiDayOfMs(ms);
  }
  if (input instanceof Date) {
    const ms = input.getTime();
    if (Number.isNaN(ms)) throw new CalendarValidationError([{ path, message: '无效的时间' }]);
    return shanghaiDayOfMs(ms);
  }
  throw new CalendarValidationError([{ path, message: '应为日期或字符串' }]);
}

/** Whether `toShanghaiDay` takes this string: a real `YYYY-MM-DD` date, or an instant with `Z` or an offset. */
export function isDayOrInstant(s: string): boolean {
  try {
    toShanghaiDay(s);
    return true;
  } catch {
    return false;
  }
}

/** The Asia/Shanghai date (`YYYY-MM-DD`) of an input; see `toShanghaiDay`. */
export function shanghaiDateOf(input: DateInput): string {
  return formatDay(toShanghaiDay(input));
}

/** Epoch milliseconds of 23:59:59.999 Asia/Shanghai on a day. */
export function endOfShanghaiDayMs(dayNum: number): number {
  const [y, m, d] = civil(dayNum);
  return new TZDate(y, m - 1, d, 23, 59, 59, 999, SHANGHAI).getTime();
}

/** 23:59:59.999 Asia/Shanghai on a day, as a UTC ISO-8601 instant (`…T15:59:59.999Z`). */
export function endOfShanghaiDay(dayNum: number): string {
  return new Date(endOfShanghaiDayMs(dayNum)).toISOString();
}

/** Epoch milliseconds of an instant input (`Date` or ISO string with offset); a bare date means its end of day. */
export function instantMs(input: DateInput, path = 'instant'): number {
  if (typeof input === 'string' && input.length === 10) return endOfShanghaiDayMs(parseDay(input, path));
  if (typeof input === 'string') {
    toShanghaiDay(input, path); // validates the shape
    return Date.parse(input);
  }
  const ms = input.getTime();
  if (Number.isNaN(ms)) throw new CalendarValidationError([{ path, message: '无效的时间' }]);
  return ms;
}

/** 23:59:59.999 Asia/Shanghai on a `YYYY-MM-DD` day, as a UTC ISO-8601 instant. */
export function endOfShanghaiDate(date: string): string {
  return endOfShanghaiDay(parseDay(date));
}
