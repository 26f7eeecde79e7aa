/**
 * A State Council holiday notice as data: its schema (validated on every load, shipped or
 * `PUT /v1/calendar/:year`), its canonical form and the content hash that names a calendar version.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { dayNumber, isIsoDate, isWeekend, tryParseDay } from './days.js';
import { CalendarValidationError, type ValidationIssue } from './errors.js';
import { FIRST_STATUTORY_YEAR, provisionalHolidays, statutoryDates } from './statutory.js';
import type { YearNotice } from './types.js';

/**
 * The stream of holiday notices loaded at run time (engine/calendarInForce.ts), and their event type:
 * named here so that the engine, which writes them, and the read models and the export check, which
 * tell them from every other event of the log, agree on one name.
 */
export const CALENDAR_STREAM = 'calendar-notices';
export const NOTICE_LOADED = 'HolidayNoticeLoaded';

const IsoDate = z.string().refine(isIsoDate, { message: '不是有效日期（应为 YYYY-MM-DD）' });

export const HolidayBlockSchema = z.strictObject({
  name: z.string().trim().min(1).max(50),
  text: z.string().trim().min(1).max(2000).optional(),
  holidays: z.array(IsoDate).min(1),
  adjustedWorkdays: z.array(IsoDate),
});

/**
 * A year's notice. Besides the shape:
 * - every date lies in the notice's year, or in the last 7 days of the previous December
 *   (the New-Year edge: 2022-12-31 belongs to the 2023 notice, 2023-12-30/31 to the 2024 one);
 * - no date is listed twice, and none is both a day off and a working day;
 * - an adjusted working day (调休上班) is a Saturday or a Sunday;
 * - from 2014 on, every statutory holiday of the year (statutory.ts) is a day off;
 * - when `blocks` are given, their days are exactly `holidays` and `adjustedWorkdays`.
 */
/** The first day of December a year's notice may set for the year before (its New-Year edge: 25–31 December). */
export const NEW_YEAR_EDGE_DAY = 25;

/** The last year a notice can be loaded for: past it no deadline in working days can be counted. */
export const LAST_NOTICE_YEAR = 2200;

export const YearNoticeSchema = z
  .strictObject({
    year: z.number().int().min(2000).max(LAST_NOTICE_YEAR),
    // Stored for good in the calendar's event and every audit export: a notice's own lengths, no more.
    notice: z.string().trim().min(1).max(200),
    url: z.url({ protocol: /^https?$/ }).max(2000),
    issued: IsoDate.optional(),
    title: z.string().trim().min(1).max(500).optional(),
    holidays: z.array(IsoDate).min(1),
    adjustedWorkdays: z.array(IsoDate),
    blocks: z.array(HolidayBlockSchema).min(1).optional(),
  })
  .superRefine((n, ctx) => {
    const first = dayNumber(n.year - 1, 12, NEW_YEAR_EDGE_DAY);
    const last = dayNumber(n.year, 12, 31);
    const where = (list: 'holidays' | 'adjustedWorkdays') => {
      const seen = new Set<string>();
      n[list].forEach((d, i) => {
        const day = tryParseDay(d);
        if (Number.isNaN(day)) return; // reported by the element schema
        if (day < first || day > last) {
          ctx.addIssue({ code: 'custom', path: [list, i], message: `${d} 不在 ${n.year} 年内（也不在自 ${n.year - 1}-12-${NEW_YEAR_EDGE_DAY} 起的元旦衔接期内）` });
        }
        if (seen.has(d)) ctx.addIssue({ code: 'custom', path: [list, i], message: `${d} 重复列出` });
        seen.add(d);
        if (list === 'adjustedWorkdays' && !isWeekend(day)) {
          ctx.addIssue({ code: 'custom', path: [list, i], message: `${d} 不是周六或周日：只有周末才能调为工作日` });
        }
      });
      return seen;
    };
    const off = where('holidays');
    const on = where('adjustedWorkdays');
    // Every notice gives at least the statutory holidays of 《全国年节及纪念日放假办法》 (the rest is
    // 调休): one that leaves some out is not the State Council's, and would make them working days.
    if (n.year >= FIRST_STATUTORY_YEAR) {
      const missing = statutoryDates(n.year).filter((d) => !off.has(d));
      if (missing.length > 0) {
        ctx.addIssue({ code: 'custom', path: ['holidays'], message: `缺少法定节假日 ${missing.join('、')}（《全国年节及纪念日放假办法》规定的假日必须放假）` });
      }
    }
    n.adjustedWorkdays.forEach((d, i) => {
      if (off.has(d)) ctx.addIssue({ code: 'custom', path: ['adjustedWorkdays', i], message: `${d} 同时被列为放假日和调休工作日` });
    });
    if (n.blocks) {
      const fromBlocks = (list: 'holidays' | 'adjustedWorkdays', all: Set<string>) => {
        const inBlocks = new Map<string, number>();
        n.blocks!.forEach((b, bi) => {
          b[list].forEach((d, i) => {
            if (inBlocks.has(d)) ctx.addIssue({ code: 'custom', path: ['blocks', bi, list, i], message: `${d} 出现在两个假期中` });
            inBlocks.set(d, bi);
            if (!all.has(d)) ctx.addIssue({ code: 'custom', path: ['blocks', bi, list, i], message: `${d} 不在 ${list} 中` });
          });
        });
        for (const d of all) {
          if (!inBlocks.has(d)) ctx.addIssue({ code: 'custom', path: [list], message: `${d} 不属于任何假期` });
        }
      };
      fromBlocks('holidays', off);
      fromBlocks('adjustedWorkdays', on);
    }
  });

/**
 * What a notice lacks in working days off (empty: nothing). Each statutory holiday is a working day
 * off, itself or, when it falls on a Saturday or Sunday, as its 补假 (《全国年节及纪念日放假办法》第六条:
 * "全体公民放假的假日，如果适逢周六、周日，应当在工作日补假"), and each weekend made a working day (调休)
 * gives one more: the weekdays a notice gives off, less its adjusted working days, are at least its
 * year's statutory days. Every notice shipped (2023–2026) gives exactly that many, and one that
 * extends a holiday (2020's 春节) more. QA: a 2027 notice without 春节's two 补假 days (02-09, 02-10)
 * was taken as official and moved open deadlines onto them; its statutory days were all there.
 * Checked on a load (engine/calendarInForce.ts), not in the schema: notices stored before must still load.
 */
export function makeUpIssues(notice: YearNotice): ValidationIssue[] {
  if (notice.year < FIRST_STATUTORY_YEAR) return [];
  const statutory = statutoryDates(notice.year).length;
  const weekdaysOff = notice.holidays.filter((d) => !isWeekend(tryParseDay(d))).length;
  const net = weekdaysOff - notice.adjustedWorkdays.length;
  if (net >= statutory) return [];
  const onWeekend = provisionalHolidays(notice.year)
    .filter((h) => h.onWeekend.length > 0)
    .map((h) => `${h.name} ${h.onWeekend.join('、')}`);
  const which = onWeekend.length > 0 ? `；${notice.year} 年适逢周末的有 ${onWeekend.join('；')}` : '';
  return [
    {
      path: 'holidays',
      message:
        `工作日放假 ${weekdaysOff} 天，扣除调休上班 ${notice.adjustedWorkdays.length} 天后为 ${net} 天，少于法定节假日的 ${statutory} 天：缺少补假或调休放假的日期` +
        `（适逢周六、周日的法定节假日应当在工作日补假，《全国年节及纪念日放假办法》第六条${which}）`,
    },
  ];
}

function issuesOf(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

/** A validated, frozen copy of a notice; a bad one throws `CalendarValidationError` (`VALIDATION_FAILED`). */
export function parseNotice(input: unknown): YearNotice {
  const parsed = YearNoticeSchema.safeParse(input);
  if (!parsed.success) throw new CalendarValidationError(issuesOf(parsed.error));
  const n = parsed.data;
  const notice: YearNotice = {
    year: n.year,
    notice: n.notice,
    url: n.url,
    ...(n.issued !== undefined ? { issued: n.issued } : {}),
    ...(n.title !== undefined ? { title: n.title } : {}),
    holidays: Object.freeze([...n.holidays].sort()) as string[],
    adjustedWorkdays: Object.freeze([...n.adjustedWorkdays].sort()) as string[],
    ...(n.blocks !== undefined
      ? {
          blocks: Object.freeze(
            n.blocks.map((b) =>
              Object.freeze({
                name: b.name,
                ...(b.text !== undefined ? { text: b.text } : {}),
                holidays: Object.freeze([...b.holidays].sort()) as string[],
                adjustedWorkdays: Object.freeze([...b.adjustedWorkdays].sort()) as string[],
              }),
            ),
          ) as YearNotice['blocks'],
        }
      : {}),
  };
  return Object.freeze(notice);
}

/**
 * The canonical form of a notice: the contract's fields in a fixed order, dates sorted, `issued`
 * null when absent. Titles and blocks are annotations and do not change the version.
 */
export function canonicalNotice(n: YearNotice): string {
  return JSON.stringify({
    year: n.year,
    notice: n.notice,
    url: n.url,
    issued: n.issued ?? null,
    holidays: [...n.holidays].sort(),
    adjustedWorkdays: [...n.adjustedWorkdays].sort(),
  });
}

/** The calendar version: the first 12 hex digits of the SHA-256 of the canonical notices, by year. */
export function calendarVersionOf(notices: readonly YearNotice[]): string {
  const canonical = `[${[...notices].sort((a, b) => a.year - b.year).map(canonicalNotice).join(',')}]`;
  return createHash('sha256').update(canonical, 'utf8').digest('hex').slice(0, 12);
}
