/** Typed errors of the calendar; `code`s are those of API.md "Errors". */

/**
 * A day lies in a year the calendar does not cover: before the first year whose notice is
 * loaded, or more than one year past the last one (API.md: 422 `CALENDAR_NOT_COVERED`).
 */
export class CalendarNotCoveredError extends Error {
  readonly code = 'CALENDAR_NOT_COVERED' as const;
  readonly year: number;
  /** The years the calendar answers for, inclusive. */
  readonly covered: { from: number; to: number };

  constructor(year: number, covered: { from: number; to: number }) {
    super(
      `日历未覆盖 ${year} 年（可计算 ${covered.from}–${covered.to} 年）` +
        ` (calendar does not cover ${year}; it covers ${covered.from}–${covered.to})`,
    );
    this.name = 'CalendarNotCoveredError';
    this.year = year;
    this.covered = covered;
  }
}

export interface ValidationIssue {
  path: string;
  message: string;
}

/** Malformed input: a date, a notice, a rule table (API.md: 400 `VALIDATION_FAILED`). */
export class CalendarValidationError extends Error {
  readonly code = 'VALIDATION_FAILED' as const;
  readonly errors: ValidationIssue[];

  constructor(errors: ValidationIssue[]) {
    super(errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; '));
    this.name = 'CalendarValidationError';
    this.errors = errors;
  }
}
