/**
 * The contract of the working-day calendar, as the engine, projections and API use it.
 * Dates are `YYYY-MM-DD` strings of the Asia/Shanghai calendar; instants are UTC ISO-8601.
 */

export type DeadlineUnit = 'workingDays' | 'calendarDays';
/** `statute`: the regulation fixes it; `policy`: a platform default (PROCESSES.md "Deadlines"). */
export type DeadlineBasis = 'statute' | 'policy';

/** A configured deadline: other provinces' rules use other numbers, so this is data. */
export interface DeadlineRule {
  n: number;
  unit: DeadlineUnit;
  basis: DeadlineBasis;
  /** The article that fixes it, e.g. `第十四条(二)`; absent for policy defaults. */
  article?: string;
}

/** A computed deadline: a fact stored in the event that opened the task. */
export interface Deadline {
  /** End of the due day in Asia/Shanghai (23:59:59.999 local), as a UTC instant. */
  dueAt: string;
  /** The due day, Asia/Shanghai. */
  dueDate: string;
  /** True when any day counted lies in a year whose State Council notice is not loaded. */
  provisional: boolean;
  calendarVersion: string;
}

/** The statutory-holiday arrangement of one year, as its State Council notice gives it. */
export interface YearNotice {
  year: number;
  /** e.g. 国办发明电〔2024〕12号 */
  notice: string;
  url: string;
  /** YYYY-MM-DD */
  issued?: string;
  /** Days off (放假), YYYY-MM-DD, including weekend days inside a holiday block. */
  holidays: string[];
  /** Weekend days that are working days (调休上班), YYYY-MM-DD. */
  adjustedWorkdays: string[];
}
