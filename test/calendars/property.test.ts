/**
 * Properties: the O(1) index agrees with a day-by-day walk over sets built straight from the
 * notices (calendars/reference.ts), for random days of 2023–2027 and n in 0..60.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CalendarNotCoveredError, defaultCalendar } from '../../calendars/index.js';
import { ReferenceWalkCalendar } from '../../calendars/reference.js';

const cal = defaultCalendar();
const ref = new ReferenceWalkCalendar(cal.notices);

const FIRST = Date.parse('2023-01-01T00:00:00Z');
const DAYS = 5 * 365 + 1; // 2023-01-01 .. 2027-12-31
const day = fc.integer({ min: 0, max: DAYS - 1 }).map((i) => new Date(FIRST + i * 86_400_000).toISOString().slice(0, 10));
const n = fc.integer({ min: 0, max: 60 });

/** The answer, or the refusal's year: both sides must refuse alike past 2027. */
function outcome<T>(f: () => T): T | { notCovered: number } {
  try {
    return f();
  } catch (e) {
    if (e instanceof CalendarNotCoveredError) return { notCovered: e.year };
    throw e;
  }
}

describe('addWorkingDays against a day-by-day walk', () => {
  it('equal for random days of 2023–2027 and n in 0..60', () => {
    fc.assert(
      fc.property(day, n, (d, k) => {
        expect(outcome(() => cal.addWorkingDays(d, k))).toEqual(outcome(() => ref.addWorkingDays(d, k)));
      }),
      { numRuns: 5000 },
    );
  });

  it('equal counting back (n in -60..0), refusing alike before 2023', () => {
    fc.assert(
      fc.property(day, n, (d, k) => {
        expect(outcome(() => cal.addWorkingDays(d, -k))).toEqual(outcome(() => ref.addWorkingDays(d, -k)));
      }),
      { numRuns: 2000 },
    );
  });

  it('isWorkingDay equal on every day of 2023–2027', () => {
    for (let i = 0; i < DAYS; i++) {
      const d = new Date(FIRST + i * 86_400_000).toISOString().slice(0, 10);
      if (cal.isWorkingDay(d) !== ref.isWorkingDay(d)) expect.fail(d);
    }
  });
});

describe('workingDaysBetween', () => {
  it('equals the walk, for random pairs', () => {
    fc.assert(
      fc.property(day, day, (a, b) => {
        expect(cal.workingDaysBetween(a, b)).toBe(ref.workingDaysBetween(a, b));
      }),
      { numRuns: 1000 },
    );
  });

  it('is the inverse of addWorkingDays: between(d, add(d, n)) = n', () => {
    fc.assert(
      fc.property(day, n, (d, k) => {
        const due = outcome(() => cal.addWorkingDays(d, k));
        if (typeof due === 'string') expect(cal.workingDaysBetween(d, due)).toBe(k);
      }),
      { numRuns: 3000 },
    );
  });

  it('add(a, between(a, b)) = b for a working day b ≥ a; antisymmetric; additive', () => {
    fc.assert(
      fc.property(day, day, day, (a, b, c) => {
        if (b >= a && cal.isWorkingDay(b)) expect(cal.addWorkingDays(a, cal.workingDaysBetween(a, b))).toBe(b);
        expect(cal.workingDaysBetween(b, a)).toBe(0 - cal.workingDaysBetween(a, b));
        expect(cal.workingDaysBetween(a, b) + cal.workingDaysBetween(b, c)).toBe(cal.workingDaysBetween(a, c));
      }),
      { numRuns: 2000 },
    );
  });

  it('a deadline’s due day is a working day (n ≥ 1) and lies n working days after entry', () => {
    fc.assert(
      fc.property(day, fc.integer({ min: 1, max: 60 }), (d, k) => {
        const r = outcome(() => cal.deadline(d, k));
        if ('notCovered' in r) return;
        expect(cal.isWorkingDay(r.dueDate)).toBe(true);
        expect(cal.workingDaysBetween(d, r.dueDate)).toBe(k);
        // 2027 has no notice: its days, and 25–31 December 2026 (its New-Year edge), are provisional.
        expect(r.provisional).toBe(r.dueDate >= '2026-12-25');
      }),
      { numRuns: 2000 },
    );
  });

  it('a deadline of 0 working days ends on the first working day on or after the day of entry', () => {
    fc.assert(
      fc.property(day, (d) => {
        const r = outcome(() => cal.deadline(d, 0));
        if ('notCovered' in r) return;
        expect(cal.isWorkingDay(r.dueDate)).toBe(true);
        expect(cal.workingDaysBetween(d, r.dueDate)).toBe(cal.isWorkingDay(d) ? 0 : 1);
      }),
      { numRuns: 1000 },
    );
  });
});
