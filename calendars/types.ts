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
  /**
   * True when any day the answer depends on lies in a year whose State Council notice is not
   * loaded, or in 25–31 December before the next year's notice is (its New-Year edge may still set
   * those days): for working days, any day from the day of entry to the due day; for calendar days
   * and months, the last day of the count and the days it is moved over (《民法典》第二百零三条).
   */
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
  /** The notice's title, e.g. 国务院办公厅关于2026年部分节假日安排的通知 (extension). */
  title?: string;
  /**
   * The notice's holiday blocks, one per numbered item (extension). When present, their days
   * are exactly `holidays` and `adjustedWorkdays`; they name the holidays and quote the text.
   */
  blocks?: HolidayBlock[];
}

/** One numbered item of a notice, e.g. 二、春节：2月15日…至23日…放假调休，共9天。2月14日…上班。 */
export interface HolidayBlock {
  /** The holiday's name as the notice gives it, e.g. `春节`, `中秋节、国庆节`. */
  name: string;
  /** The item's text, verbatim. */
  text?: string;
  /** Every day of the block, weekends inside included, YYYY-MM-DD. */
  holidays: string[];
  /** The block's adjusted working days (调休上班), YYYY-MM-DD. */
  adjustedWorkdays: string[];
}

/** How a year's days off are known: from its loaded notice, or computed from the statute. */
export type YearStatus = 'official' | 'provisional';

/** `GET /v1/calendar/:year` (API.md "Calendar and processes"). */
export interface YearInfo {
  year: number;
  status: YearStatus;
  /**
   * Official: the notice's days off (its New-Year edge in the previous December included).
   * Provisional: the statutory holidays computed for the year and their 补假 (《全国年节及纪念日放假办法》
   * 第六条: a holiday's days on a Saturday or Sunday are made up on the working days after it);
   * weekends not listed.
   */
  holidays: string[];
  /** Official: the notice's 调休上班 days. Provisional: always empty. */
  adjustedWorkdays: string[];
  /**
   * Days of this year that the next year's notice sets (its New-Year edge: the last days of this
   * December, e.g. a Saturday worked before 元旦), which the calendar applies to this year too; absent
   * when that notice sets none.
   */
  nextYearEdge?: { holidays: string[]; adjustedWorkdays: string[]; source: { notice: string; url: string } };
  /** The notice loaded for the year (`title` when it was given), null for a provisional year. */
  source: { notice: string; url: string; issued: string | null; title?: string } | null;
  /**
   * The holidays by name: the notice's blocks, or the statutory holidays, each with its 补假 and a
   * `text` saying which day comes from which article.
   */
  blocks: HolidayBlock[];
  calendarVersion: string;
}
