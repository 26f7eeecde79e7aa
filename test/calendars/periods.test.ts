/**
 * Periods in calendar days or months (the agreement's destruction days, its results months) end
 * on a working day: 《民法典》第二百零三条 "期间的最后一日是法定休假日的，以法定休假日结束的次日为期间
 * 的最后一日" — weekends count as 法定休假日, as the courts read it; a 调休 working weekend day
 * is a working day. The day it moves to is judged by the same calendar: official years by their
 * notice, provisional years (and years past the covered ones) from the statute, and then the
 * deadline is `provisional`, like a working-day one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CalendarNotCoveredError, SHIPPED_NOTICES, WorkingDayCalendar, defaultCalendar } from '../../calendars/index.js';
import { ReferenceWalkCalendar } from '../../calendars/reference.js';
import { FAR_YEARS } from '../../calendars/calendar.js';
import { provisionalDaysOff } from '../../calendars/statutory.js';
import { testNotice2027 as notice2027 } from './notice2027.js';

/** The shipped calendar: 2023–2026 official, 2027 provisional. */
const cal = defaultCalendar();
const v = cal.version;
const endOf = (date: string) => new Date(Date.parse(`${date}T23:59:59.999+08:00`)).toISOString();

/** Test data, not the State Council's: a plausible 2027 arrangement (清明 04-03..05, 春节 to 02-13, Saturday 02-20 worked). */
const with2027 = cal.withNotice(notice2027);
/** The same calendar before the 2026 notice was loaded: 2026 provisional, its 调休 working weekends unknown. */
const to2025 = WorkingDayCalendar.fromNotices(SHIPPED_NOTICES.slice(0, 3));

describe('given the shipped calendar, when a calendar-day deadline’s last day is not a working day', () => {
  it('when it lands on a Saturday (2026-03-07), then it ends on Monday 2026-03-09 (a Friday or a Monday stays)', () => {
    expect(cal.calendarDeadline('2026-03-02', 5)).toEqual({ dueAt: endOf('2026-03-09'), dueDate: '2026-03-09', provisional: false, calendarVersion: v });
    expect(cal.calendarDeadline('2026-03-02', 4)).toMatchObject({ dueDate: '2026-03-06', provisional: false });
    expect(cal.calendarDeadline('2026-03-02', 7)).toMatchObject({ dueDate: '2026-03-09', provisional: false });
    expect(cal.calendarDeadline('2026-03-02', 0).dueDate).toBe('2026-03-02');
  });

  it('when it lands on a Sunday (2026-03-08), then it ends on Monday 2026-03-09', () => {
    expect(cal.calendarDeadline('2026-03-02', 6)).toEqual({ dueAt: endOf('2026-03-09'), dueDate: '2026-03-09', provisional: false, calendarVersion: v });
  });

  it('when it lands in a holiday, then it ends on the first working day after it (春节 2026-02-17 → 02-24; 国庆 2026-10-01 → 10-08)', () => {
    expect(cal.calendarDeadline('2026-02-12', 5)).toMatchObject({ dueDate: '2026-02-24', dueAt: endOf('2026-02-24'), provisional: false });
    expect(cal.dueBy('2026-02-12', { n: 5, unit: 'calendarDays', basis: 'policy' }).dueDate).toBe('2026-02-24');
    expect(cal.calendarDeadline('2026-09-01', 30)).toMatchObject({ dueDate: '2026-10-08', provisional: false });
  });

  it('when it lands on a holiday weekday of a loaded notice (清明 Monday 2027-04-05), then the next day, Tuesday 2027-04-06: a confirmation that day is on time', () => {
    const due = with2027.calendarDeadline('2027-03-06', 30);
    expect(due).toEqual({ dueAt: endOf('2027-04-06'), dueDate: '2027-04-06', provisional: false, calendarVersion: with2027.version });
    expect(with2027.workingDaysOverdue('2027-04-06T09:00:00+08:00', due.dueAt)).toBe(0);
  });

  it('when it lands on a 调休 working weekend day (Saturday 2026-02-14, Sunday 2026-01-04), then it stays there; without the notice that made it one, the same day moves', () => {
    expect(cal.calendarDeadline('2026-02-13', 1)).toEqual({ dueAt: endOf('2026-02-14'), dueDate: '2026-02-14', provisional: false, calendarVersion: v });
    expect(cal.calendarDeadline('2025-12-05', 30)).toMatchObject({ dueDate: '2026-01-04', provisional: false });
    // 2026 provisional: Saturday 02-14 and Sunday 02-15 are rest days, 春节 by the statute is 02-16..19.
    expect(to2025.calendarDeadline('2026-02-13', 1)).toMatchObject({ dueDate: '2026-02-20', provisional: true });
    expect(to2025.calendarDeadline('2025-12-05', 30)).toMatchObject({ dueDate: '2026-01-05', provisional: true });
    // The 2027 notice's Saturday 02-20 is worked; without it, that Saturday moves to Monday 02-22.
    expect(with2027.calendarDeadline('2027-02-10', 10)).toMatchObject({ dueDate: '2027-02-20', provisional: false });
    expect(cal.calendarDeadline('2027-02-10', 10)).toMatchObject({ dueDate: '2027-02-22', provisional: true });
  });
});

describe('given the shipped calendar, when a months deadline’s last day is not a working day', () => {
  it('when it lands on a Saturday (2026-03-07), then it ends on Monday 2026-03-09 (a working Friday stays)', () => {
    expect(cal.monthsDeadline('2026-02-07', 1)).toEqual({ dueAt: endOf('2026-03-09'), dueDate: '2026-03-09', provisional: false, calendarVersion: v });
    expect(cal.monthsDeadline('2026-02-06', 1)).toMatchObject({ dueDate: '2026-03-06', provisional: false });
  });

  it('when it lands on a Sunday (2026-03-08), then it ends on Monday 2026-03-09', () => {
    expect(cal.monthsDeadline('2026-02-08', 1)).toMatchObject({ dueDate: '2026-03-09', provisional: false });
  });

  it('when it lands in a holiday (国庆 2026-10-01), then it ends on Thursday 2026-10-08', () => {
    expect(cal.monthsDeadline('2026-04-01', 6)).toMatchObject({ dueDate: '2026-10-08', dueAt: endOf('2026-10-08'), provisional: false });
  });

  it('when the month’s last day is a 调休 working Saturday (2026-02-28), then it stays there; without the 2026 notice, it moves to Monday 03-02', () => {
    expect(cal.monthsDeadline('2026-01-31', 1)).toEqual({ dueAt: endOf('2026-02-28'), dueDate: '2026-02-28', provisional: false, calendarVersion: v });
    expect(to2025.monthsDeadline('2026-01-31', 1)).toMatchObject({ dueDate: '2026-03-02', provisional: true });
  });

  it('when results are due Saturday 2027-01-09 (a provisional year), then Monday 2027-01-11, provisional; with the 2027 notice loaded, the same day, official', () => {
    expect(cal.monthsDeadline('2026-07-09', 6)).toEqual({ dueAt: endOf('2027-01-11'), dueDate: '2027-01-11', provisional: true, calendarVersion: v });
    expect(with2027.monthsDeadline('2026-07-09', 6)).toEqual({ dueAt: endOf('2027-01-11'), dueDate: '2027-01-11', provisional: false, calendarVersion: with2027.version });
  });
});

describe('given a calendar whose next year is provisional, when the period ends at the year end', () => {
  const only2023 = WorkingDayCalendar.fromNotices([SHIPPED_NOTICES[0]]);
  const with2024 = WorkingDayCalendar.fromNotices([SHIPPED_NOTICES[0], SHIPPED_NOTICES[1]]);

  it('when the last day is Saturday 2023-12-30 and 2024 has no notice, then it moves over Sunday and 元旦 (statutory) to Tuesday 2024-01-02, provisional', () => {
    expect(only2023.calendarDeadline('2023-11-30', 30)).toEqual({ dueAt: endOf('2024-01-02'), dueDate: '2024-01-02', provisional: true, calendarVersion: only2023.version });
    expect(only2023.monthsDeadline('2023-11-30', 1)).toEqual({ dueAt: endOf('2024-01-02'), dueDate: '2024-01-02', provisional: true, calendarVersion: only2023.version });
  });

  it('when the 2024 notice is loaded, then the same deadlines are official (its 元旦 is 2023-12-30..2024-01-01)', () => {
    expect(with2024.calendarDeadline('2023-11-30', 30)).toMatchObject({ dueDate: '2024-01-02', provisional: false });
    expect(with2024.monthsDeadline('2023-11-30', 1)).toMatchObject({ dueDate: '2024-01-02', provisional: false });
  });

  it('when the last day is 元旦 2027 (Friday, statutory) in the provisional year, then Monday 2027-01-04, provisional; the 2027 notice makes it official', () => {
    expect(cal.calendarDeadline('2026-12-02', 30)).toEqual({ dueAt: endOf('2027-01-04'), dueDate: '2027-01-04', provisional: true, calendarVersion: v });
    expect(with2027.calendarDeadline('2026-12-02', 30)).toMatchObject({ dueDate: '2027-01-04', provisional: false });
    // The day before, Thursday 2026-12-31, is a working day of an official year: it stays, provisional
    // until the 2027 notice is loaded (which may still make it a day off, as the 2019 notice did 2018-12-31).
    expect(cal.calendarDeadline('2026-12-02', 29)).toEqual({ dueAt: endOf('2026-12-31'), dueDate: '2026-12-31', provisional: true, calendarVersion: v });
    expect(with2027.calendarDeadline('2026-12-02', 29)).toMatchObject({ dueDate: '2026-12-31', provisional: false });
    expect(cal.calendarDeadline('2026-12-02', 22)).toMatchObject({ dueDate: '2026-12-24', provisional: false });
  });

  it('when the provisional year’s statute and the notice differ (春节 2027: statute to 02-08 and 补假 to 02-10, notice to 02-13), then the notice decides once loaded', () => {
    // Last day Sunday 2027-02-07: statute 02-05..08, 补假 (第六条) 02-09, 02-10 for Saturday 02-06 and Sunday 02-07
    // → Thursday 02-11 (provisional); the notice's 02-05..13 → Monday 02-15.
    expect(cal.calendarDeadline('2027-01-08', 30)).toMatchObject({ dueDate: '2027-02-11', provisional: true });
    expect(with2027.calendarDeadline('2027-01-08', 30)).toMatchObject({ dueDate: '2027-02-15', provisional: false });
  });
});

describe('given the shipped calendar, when the period ends past the covered years', () => {
  it('when results are due Saturday 2028-01-01 (元旦), then Tuesday 2028-01-04 (Monday 01-03 is its 补假, 第六条), judged by the statute and provisional', () => {
    expect(cal.monthsDeadline('2026-01-01', 24)).toEqual({ dueAt: endOf('2028-01-04'), dueDate: '2028-01-04', provisional: true, calendarVersion: v });
  });

  it('when it ends on a working day there, then it stays, provisional (a ten-year results term is still answered)', () => {
    expect(cal.calendarDeadline('2027-12-20', 30)).toMatchObject({ dueDate: '2028-01-19', provisional: true });
    expect(cal.monthsDeadline('2026-03-02', 120)).toMatchObject({ dueDate: '2036-03-03', provisional: true }); // Sunday 2036-03-02
  });

  it('when it ends before the first loaded year, then CALENDAR_NOT_COVERED', () => {
    expect(() => cal.calendarDeadline('2022-05-01', 3)).toThrow(CalendarNotCoveredError);
    let refused: unknown;
    try {
      cal.monthsDeadline('2022-05-01', 1);
    } catch (e) {
      refused = e;
    }
    expect(refused).toMatchObject({ code: 'CALENDAR_NOT_COVERED', year: 2022 });
    expect(cal.calendarDeadline('2022-12-20', 30).dueDate).toBe('2023-01-19');
  });
});

describe('given the shipped calendar (covered to 2027), when working days are counted from a day agreed ahead (deadlineFrom)', () => {
  it('when the count stays in the covered years, then it is `deadline`', () => {
    expect(cal.deadlineFrom('2027-03-01', 10)).toEqual(cal.deadline('2027-03-01', 10));
    expect(cal.deadlineFrom('2026-09-28', 5)).toEqual(cal.deadline('2026-09-28', 5));
  });

  it('when it starts on Monday 2028-01-03 (元旦’s 补假), then ten working days end Monday 2028-01-17, judged by the statute and provisional, where `deadline` refuses', () => {
    expect(() => cal.deadline('2028-01-03', 10)).toThrow(CalendarNotCoveredError);
    expect(cal.deadlineFrom('2028-01-03', 10)).toEqual({ dueAt: endOf('2028-01-17'), dueDate: '2028-01-17', provisional: true, calendarVersion: v });
  });

  it('when it starts in December 2027 and runs into 2028, then it crosses the weekend and 元旦’s 补假: from 2027-12-20, ten working days end Tuesday 2028-01-04', () => {
    expect(() => cal.deadline('2027-12-20', 10)).toThrow(CalendarNotCoveredError);
    expect(cal.deadlineFrom('2027-12-20', 10)).toMatchObject({ dueDate: '2028-01-04', provisional: true });
  });

  it('when it runs over 国庆 2029 (October 1–3), then five working days from Friday 2029-09-28 end Wednesday 2029-10-10', () => {
    expect(cal.deadlineFrom('2029-09-28', 5)).toMatchObject({ dueDate: '2029-10-10', provisional: true });
  });

  it('when it starts before the first loaded year, then CALENDAR_NOT_COVERED', () => {
    expect(() => cal.deadlineFrom('2022-05-01', 3)).toThrow(CalendarNotCoveredError);
  });

  it(`when it would end more than ${FAR_YEARS} years past the covered ones (2047), then CALENDAR_NOT_COVERED: a year typed wrong (9026) is refused, not counted; the days left before such a deadline likewise`, () => {
    expect(cal.deadlineFrom('2047-12-01', 5).dueDate).toBe('2047-12-06');
    expect(() => cal.deadlineFrom('2047-12-28', 5)).toThrow(CalendarNotCoveredError);
    expect(() => cal.deadlineFrom('2048-01-03', 0)).toThrow(CalendarNotCoveredError);
    expect(() => cal.deadlineFrom('9026-03-02', 10)).toThrow(CalendarNotCoveredError);
    expect(cal.workingDaysLeft('2026-03-02T02:00:00.000Z', endOf('2047-12-31'))).toBeGreaterThan(5000);
    expect(() => cal.workingDaysLeft('2026-03-02T02:00:00.000Z', endOf('2048-01-03'))).toThrow(CalendarNotCoveredError);
  });
});

describe('against a day-by-day walk (calendars/reference.ts)', () => {
  const ref = new ReferenceWalkCalendar(cal.notices);
  const FIRST = Date.parse('2023-01-01T00:00:00Z');
  const DAY_MS = 86_400_000;
  const entry = fc.integer({ min: 0, max: 4 * 365 + 1 }); // 2023-01-01 .. 2027-01-01
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

  /** A working day as the walk sees it: the reference's in its years, and past them weekends, statutory holidays and their 补假 (第六条). */
  const farOff = new Map<number, Set<string>>();
  const walkWorking = (day: string): boolean => {
    if (day <= '2027-12-31') return ref.isWorkingDay(day);
    const year = Number(day.slice(0, 4));
    let off = farOff.get(year);
    if (!off) farOff.set(year, (off = new Set(provisionalDaysOff(year))));
    const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
    return dow !== 0 && dow !== 6 && !off.has(day);
  };

  it('working days counted from a day agreed ahead (deadlineFrom) end where the walk does, past the covered years too (to 2031), provisional there', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 * 365 }), fc.integer({ min: 0, max: 60 }), (i, n) => {
        let ms = FIRST + i * DAY_MS;
        // None to count from a day off: the first working day after it.
        for (let left = n === 0 && !walkWorking(iso(ms)) ? 1 : n; left > 0; ) {
          ms += DAY_MS;
          if (walkWorking(iso(ms))) left--;
        }
        const due = cal.deadlineFrom(iso(FIRST + i * DAY_MS), n);
        expect(due.dueDate).toBe(iso(ms));
        if (iso(ms) > '2027-12-31') expect(due.provisional).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('the working days left before a deadline past the covered years are counted as the walk counts them (an inbox’s workingDaysLeft for a long results term)', () => {
    fc.assert(
      fc.property(entry, fc.integer({ min: 1, max: 5 * 365 }), (i, span) => {
        const asOf = FIRST + i * DAY_MS;
        let count = 0;
        for (let ms = asOf + DAY_MS; ms <= asOf + span * DAY_MS; ms += DAY_MS) if (walkWorking(iso(ms))) count++;
        expect(cal.workingDaysLeft(`${iso(asOf)}T02:00:00.000Z`, endOf(iso(asOf + span * DAY_MS)))).toBe(count);
      }),
      { numRuns: 500 },
    );
  });

  it('a calendar-day deadline ends on the first working day on or after the n-th day, provisional iff a day from there to the end is in 2027 or its New-Year edge (from 2026-12-25)', () => {
    fc.assert(
      fc.property(entry, fc.integer({ min: 0, max: 365 }), (i, n) => {
        const last = FIRST + (i + n) * DAY_MS;
        let end = last;
        while (iso(end) <= '2027-12-31' && !ref.isWorkingDay(iso(end))) end += DAY_MS;
        if (iso(end) > '2027-12-31') return; // past the reference's years
        const due = cal.calendarDeadline(iso(FIRST + i * DAY_MS), n);
        expect(due.dueDate).toBe(iso(end));
        expect(due.provisional).toBe(iso(end) >= '2026-12-25');
      }),
      { numRuns: 3000 },
    );
  });
});
