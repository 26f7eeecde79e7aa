/**
 * Working-day arithmetic and deadlines (PROCESSES.md "Deadlines"): the day of entry is never
 * counted; a deadline ends at 23:59:59.999 Asia/Shanghai of the n-th working day after it.
 */
import { describe, expect, it } from 'vitest';
import { CalendarNotCoveredError, CalendarValidationError, defaultCalendar } from '../../calendars/index.js';
import { testNotice2027 } from './notice2027.js';

const cal = defaultCalendar();
const v = cal.version;

describe('addWorkingDays', () => {
  it('n = 0 is the day itself, working or not', () => {
    expect(cal.addWorkingDays('2026-02-18', 0)).toBe('2026-02-18');
    expect(cal.addWorkingDays('2026-03-02', 0)).toBe('2026-03-02');
  });

  it('the given day is never counted: day 1 is the first working day after it', () => {
    expect(cal.addWorkingDays('2026-03-02', 1)).toBe('2026-03-03'); // Mon → Tue
    expect(cal.addWorkingDays('2026-03-06', 1)).toBe('2026-03-09'); // Fri → Mon
    expect(cal.addWorkingDays('2026-03-07', 1)).toBe('2026-03-09'); // Sat → Mon
  });

  it('counts adjusted working weekends and skips holiday weekdays', () => {
    expect(cal.addWorkingDays('2026-02-13', 1)).toBe('2026-02-14'); // Sat 02-14 is worked (调休)
    expect(cal.addWorkingDays('2026-02-14', 1)).toBe('2026-02-24'); // 春节 02-15..23
    expect(cal.addWorkingDays('2025-12-31', 1)).toBe('2026-01-04'); // 元旦 01-01..03, Sun 01-04 worked
  });

  it('counts back for n < 0 (-1 is the last working day before)', () => {
    expect(cal.addWorkingDays('2026-02-24', -1)).toBe('2026-02-14');
    expect(cal.addWorkingDays('2026-02-20', -1)).toBe('2026-02-14');
    expect(cal.addWorkingDays('2026-02-20', -2)).toBe('2026-02-13');
  });

  it('accepts an instant, placed on its Asia/Shanghai date', () => {
    expect(cal.addWorkingDays('2026-03-05T16:30:00Z', 1)).toBe('2026-03-09'); // 2026-03-06 00:30 Shanghai, a Friday
    expect(cal.addWorkingDays(new Date('2026-03-05T15:59:59.999Z'), 1)).toBe('2026-03-06');
  });

  it('workingDaysBetween counts (a, b], negative when b < a', () => {
    expect(cal.workingDaysBetween('2026-02-12', '2026-02-26')).toBe(5);
    expect(cal.workingDaysBetween('2026-02-26', '2026-02-12')).toBe(-5);
    expect(cal.workingDaysBetween('2026-02-15', '2026-02-23')).toBe(0);
    expect(cal.workingDaysBetween('2026-02-14', '2026-02-14')).toBe(0);
    // 2023: 260 weekdays − 18 weekday holidays + 7 adjusted working weekends (01-01 is a Sunday off)
    expect(cal.workingDaysBetween('2023-01-01', '2023-12-31')).toBe(249);
  });
});

describe('deadline (n working days)', () => {
  it('5 working days entered Thursday 2026-02-12 span 春节 2026: due Thursday 02-26', () => {
    // 02-13 Fri (1), 02-14 Sat worked (2), 02-15..23 春节, 02-24 (3), 02-25 (4), 02-26 (5)
    expect(cal.deadline('2026-02-12', 5)).toEqual({ dueAt: '2026-02-26T15:59:59.999Z', dueDate: '2026-02-26', provisional: false, calendarVersion: v });
  });

  it('5 working days entered on the eve, Friday 2026-02-13: due Friday 02-27', () => {
    // 02-14 (1), 02-24 (2), 02-25 (3), 02-26 (4), 02-27 (5)
    expect(cal.deadline('2026-02-13', 5).dueDate).toBe('2026-02-27');
  });

  it('10 working days entered Friday 2025-09-26 span 国庆中秋 2025: due Thursday 10-16', () => {
    // 09-28 Sun worked (1), 09-29 (2), 09-30 (3), 10-01..08 off, 10-09 (4), 10-10 (5),
    // 10-11 Sat worked (6), 10-13 (7), 10-14 (8), 10-15 (9), 10-16 (10)
    expect(cal.deadline('2025-09-26', 10)).toEqual({ dueAt: '2025-10-16T15:59:59.999Z', dueDate: '2025-10-16', provisional: false, calendarVersion: v });
  });

  it('an instant is first placed on its Asia/Shanghai date', () => {
    // 2026-02-13T15:59:59Z is 23:59:59 on Friday the 13th in Shanghai; a second later it is Saturday 02-14 (worked).
    expect(cal.deadline('2026-02-13T15:59:59Z', 5).dueDate).toBe('2026-02-27');
    // From Saturday 02-14: 02-24..27 (1–4), Saturday 02-28 worked (5).
    expect(cal.deadline('2026-02-13T16:00:00Z', 5).dueDate).toBe('2026-02-28');
    expect(cal.deadline(new Date('2026-02-13T16:00:00Z'), 5).dueDate).toBe('2026-02-28');
    expect(cal.deadline('2026-02-14T08:00:00+08:00', 6).dueDate).toBe('2026-03-02');
  });

  it('n = 0 ends the day of entry, or, entered on a day off, the first working day after it', () => {
    expect(cal.deadline('2026-03-02T01:00:00Z', 0)).toMatchObject({ dueDate: '2026-03-02', dueAt: '2026-03-02T15:59:59.999Z' });
    // 元旦 2023: 12-31..01-02 off (time QA: it ended on 01-01, a holiday).
    expect(cal.deadline('2023-01-01', 0)).toMatchObject({ dueDate: '2023-01-03', dueAt: '2023-01-03T15:59:59.999Z' });
    // A 调休 working Saturday is a working day: the day itself.
    expect(cal.deadline('2026-02-14', 0).dueDate).toBe('2026-02-14');
    expect(cal.deadlineFrom('2023-01-01', 0).dueDate).toBe('2023-01-03');
  });

  it('entered 2026-12-28, 10 working days cross into 2027 and are provisional', () => {
    // 12-29 (1), 12-30 (2), 12-31 (3), 2027-01-01 元旦 (computed), 01-04..08 (4–8), 01-11 (9), 01-12 (10)
    expect(cal.deadline('2026-12-28', 10)).toEqual({ dueAt: '2027-01-12T15:59:59.999Z', dueDate: '2027-01-12', provisional: true, calendarVersion: v });
  });

  it('provisional when the entry day is in a provisional year, or the range reaches 25–31 December before the next year’s notice (its New-Year edge); not when it stays in official days', () => {
    expect(cal.deadline('2027-03-01', 1).provisional).toBe(true);
    expect(cal.deadline('2026-12-30', 1)).toMatchObject({ dueDate: '2026-12-31', provisional: true });
    expect(cal.deadline('2026-12-23', 1)).toMatchObject({ dueDate: '2026-12-24', provisional: false });
    expect(cal.deadline('2025-12-29', 1)).toMatchObject({ dueDate: '2025-12-30', provisional: false });
    expect(cal.withNotice(testNotice2027).deadline('2026-12-30', 1)).toMatchObject({ dueDate: '2026-12-31', provisional: false });
  });

  it('refuses 2028 (more than one year past the last notice) with CALENDAR_NOT_COVERED and the year', () => {
    const refused = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e;
      }
      throw new Error('not refused');
    };
    const e = refused(() => cal.deadline('2028-01-03', 1));
    expect(e).toBeInstanceOf(CalendarNotCoveredError);
    expect(e).toMatchObject({ code: 'CALENDAR_NOT_COVERED', year: 2028 });
    expect(refused(() => cal.deadline('2027-12-20', 10))).toMatchObject({ code: 'CALENDAR_NOT_COVERED', year: 2028 });
    expect(refused(() => cal.yearInfo(2028))).toMatchObject({ code: 'CALENDAR_NOT_COVERED', year: 2028 });
    expect(refused(() => cal.isWorkingDay('2022-06-01'))).toMatchObject({ code: 'CALENDAR_NOT_COVERED', year: 2022 });
    expect(refused(() => cal.addWorkingDays('2023-01-03', -2))).toMatchObject({ code: 'CALENDAR_NOT_COVERED', year: 2022 });
  });

  it('refuses malformed input with VALIDATION_FAILED', () => {
    for (const bad of ['2026-02-30', '2026-2-3', '26-02-03', '2026-02-13T10:00:00', 'tomorrow', '']) {
      expect(() => cal.deadline(bad, 5), bad).toThrow(CalendarValidationError);
    }
    expect(() => cal.deadline(new Date(Number.NaN), 5)).toThrow(CalendarValidationError);
    expect(() => cal.deadline('2026-02-13', -1)).toThrow(CalendarValidationError);
    expect(() => cal.deadline('2026-02-13', 1.5)).toThrow(CalendarValidationError);
    expect(() => cal.addWorkingDays('2026-02-13', Number.NaN)).toThrow(CalendarValidationError);
  });
});

describe('calendar days, months, rules', () => {
  it('calendarDeadline counts calendar days after the day of entry (ending on a working day: periods.test.ts)', () => {
    expect(cal.calendarDeadline('2026-02-13T20:00:00Z', 30)).toEqual({ dueAt: '2026-03-16T15:59:59.999Z', dueDate: '2026-03-16', provisional: false, calendarVersion: v });
    // Past the covered years the day is judged by the statute: provisional.
    expect(cal.calendarDeadline('2027-12-20', 30)).toMatchObject({ dueDate: '2028-01-19', provisional: true });
  });

  it('monthsDeadline takes the corresponding day, or the month’s last day', () => {
    expect(cal.monthsDeadline('2026-01-31', 1).dueDate).toBe('2026-02-28'); // a 调休 working Saturday
    expect(cal.monthsDeadline('2026-03-15', 12).dueDate).toBe('2027-03-15');
    expect(cal.monthsDeadline('2027-11-30', 3).dueDate).toBe('2028-02-29');
  });

  it('dueBy dispatches on the rule’s unit', () => {
    expect(cal.dueBy('2026-02-12', { n: 5, unit: 'workingDays', basis: 'statute', article: '第十四条(二)' })).toEqual(cal.deadline('2026-02-12', 5));
    // 5 calendar days reach 2026-02-17, in 春节 (02-15..23): the period ends on the next working day (《民法典》第二百零三条).
    expect(cal.dueBy('2026-02-12', { n: 5, unit: 'calendarDays', basis: 'policy' }).dueDate).toBe('2026-02-24');
  });
});

describe('working days left and overdue (for projections, at query time)', () => {
  const due = cal.deadline('2026-02-12', 5).dueAt; // end of 2026-02-26

  it('left: the working days after today up to the due day; 0 on the due day and after', () => {
    expect(cal.workingDaysLeft('2026-02-13T02:00:00Z', due)).toBe(4); // 02-14, 24, 25, 26
    expect(cal.workingDaysLeft('2026-02-20T02:00:00Z', due)).toBe(3);
    expect(cal.workingDaysLeft('2026-02-26T02:00:00Z', due)).toBe(0);
    expect(cal.workingDaysLeft('2026-03-02T02:00:00Z', due)).toBe(0);
  });

  it('overdue: 0 until dueAt, then the working days after the due day up to today', () => {
    expect(cal.workingDaysOverdue('2026-02-26T15:59:59.999Z', due)).toBe(0);
    expect(cal.workingDaysOverdue('2026-02-26T16:00:00Z', due)).toBe(1); // Friday 02-27 in Shanghai
    expect(cal.workingDaysOverdue('2026-02-28T04:00:00Z', due)).toBe(2); // Saturday 02-28 is worked
    expect(cal.workingDaysOverdue('2026-03-01T04:00:00Z', due)).toBe(2); // Sunday
    expect(cal.workingDaysOverdue(new Date('2026-03-02T04:00:00Z'), due)).toBe(3);
  });

  it('overdue: a deadline missed on a Friday is 1 working day overdue over the weekend, not 0', () => {
    const friday = cal.deadline('2026-03-05', 1).dueAt; // end of Friday 2026-03-06
    expect(cal.workingDaysOverdue('2026-03-06T15:59:59.999Z', friday)).toBe(0);
    expect(cal.workingDaysOverdue('2026-03-06T16:00:00Z', friday)).toBe(1); // Saturday 00:00 in Shanghai
    expect(cal.workingDaysOverdue('2026-03-08T04:00:00Z', friday)).toBe(1); // Sunday
    expect(cal.workingDaysOverdue('2026-03-09T04:00:00Z', friday)).toBe(1); // Monday
    expect(cal.workingDaysOverdue('2026-03-10T04:00:00Z', friday)).toBe(2); // Tuesday
  });

  it('workingDaysBetweenInstants works on the Asia/Shanghai dates of the instants', () => {
    expect(cal.workingDaysBetweenInstants('2026-02-12T23:00:00+08:00', '2026-02-26T01:00:00+08:00')).toBe(5);
    expect(cal.workingDaysBetweenInstants('2026-02-12T15:00:00Z', '2026-02-25T17:00:00Z')).toBe(5);
  });
});
