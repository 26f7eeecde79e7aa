/** The working-day calendar: the public surface of calendars/ (ARCHITECTURE.md). */
import { WorkingDayCalendar } from './calendar.js';
import { SHIPPED_NOTICES } from './data/index.js';

export { WorkingDayCalendar } from './calendar.js';
export { CalendarNotCoveredError, CalendarValidationError, type ValidationIssue } from './errors.js';
export { SHIPPED_NOTICES } from './data/index.js';
export { CALENDAR_STREAM, NOTICE_LOADED, HolidayBlockSchema, LAST_NOTICE_YEAR, NEW_YEAR_EDGE_DAY, YearNoticeSchema, calendarVersionOf, canonicalNotice, makeUpIssues, parseNotice } from './notice.js';
export {
  FIRST_STATUTORY_YEAR,
  provisionalDaysOff,
  provisionalHolidays,
  statutoryDates,
  statutoryEditionFor,
  statutoryHolidays,
  type ProvisionalHoliday,
  type StatutoryEdition,
  type StatutoryHoliday,
} from './statutory.js';
export {
  DEFAULT_DEADLINE_RULES,
  DeadlineRuleSchema,
  DeadlineRulesOverridesSchema,
  POLICY_DEFAULT_KEY,
  UnknownDeadlineRuleError,
  mergeDeadlineRules,
  resolveDeadlineRule,
  type DeadlineRules,
} from './rules.js';
export { SHANGHAI, DAY_OR_INSTANT_PATTERN, endOfShanghaiDate, isDayOrInstant, isIsoDate, shanghaiDateOf, shanghaiDateTimeOf, type DateInput } from './days.js';
export type * from './types.js';

let shipped: WorkingDayCalendar | undefined;

/** The calendar of the shipped notices (2023–2026): built once, immutable. */
export function defaultCalendar(): WorkingDayCalendar {
  shipped ??= WorkingDayCalendar.fromNotices(SHIPPED_NOTICES);
  return shipped;
}
