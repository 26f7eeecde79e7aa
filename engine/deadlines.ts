import type { Deadline, DeadlineBasis, DeadlineRule } from '../calendars/types.js';
import { CalendarNotCoveredError, endOfShanghaiDate, shanghaiDateOf } from '../calendars/index.js';
import type { DeadlineSpec, TaskSpec } from '../machines/types.js';
import { readField } from '../machines/describe.js';
import { refuse } from './errors.js';

/** What the engine needs of the calendar in force. */
export interface DeadlineCalendar {
  readonly version: string;
  dueBy(enteredAt: string, rule: DeadlineRule): Deadline;
  /** `dueBy` counted from a day agreed ahead, however far past the covered years (provisional there). */
  dueFrom(from: string, rule: DeadlineRule): Deadline;
  monthsDeadline(enteredAt: string, months: number): Deadline;
  /** Whether a day lies in a year no notice of the calendar covers yet. */
  isProvisional(date: string): boolean;
  /** A year's notice, when loaded: its days off and working weekend days, some in the December before (its New-Year edge). */
  notice(year: number): { readonly holidays: readonly string[]; readonly adjustedWorkdays: readonly string[] } | undefined;
}

export type DeadlineTable = Readonly<Record<string, DeadlineRule>>;

/** A number the case agreed, at a dotted path of its context (`agreement.destructionDays`). */
function numberAt(context: unknown, path: string): number {
  const v = readField(context, path);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`deadline field ${path} is not a number in the case`);
  return v;
}

/** Where a deadline counting from a day (YYYY-MM-DD, Beijing) starts: that day, when it is later than the day of entry. */
function laterStart(enteredAt: string, day: unknown): string {
  return typeof day === 'string' && day > shanghaiDateOf(enteredAt) ? day : enteredAt;
}

/**
 * The rule's deadline, or the end of the day the case ends what the task decides (`endsBy`) when that
 * comes first: a fixed day the parties agreed, on their basis, whatever the calendar.
 */
function endingBy(due: Deadline, day: unknown): Deadline | undefined {
  if (typeof day !== 'string' || day >= due.dueDate) return undefined;
  return endOfAgreedDay(day, due.calendarVersion);
}

/** The end of a day the case agreed (YYYY-MM-DD, Beijing), as a deadline: never provisional, whatever the calendar. */
function endOfAgreedDay(day: string, calendarVersion: string): Deadline {
  return { dueAt: endOfShanghaiDate(day), dueDate: day, provisional: false, calendarVersion };
}

/** `countsFrom`: the day the count starts (YYYY-MM-DD, Beijing) when it is not the day of entry — a day the case agreed (the use's start). */
export type TaskDeadline = Deadline & { basis: DeadlineBasis | 'agreement'; article?: string; countsFrom?: string };

function compute(calendar: DeadlineCalendar, spec: DeadlineSpec, table: DeadlineTable, context: unknown, enteredAt: string): TaskDeadline {
  const article = 'article' in spec && spec.article ? { article: spec.article } : {};
  switch (spec.kind) {
    case 'rule': {
      const rule = table[spec.key];
      if (!rule) throw new Error(`no deadline configured for ${spec.key}`);
      const from = spec.countFrom ? laterStart(enteredAt, readField(context, spec.countFrom.field)) : enteredAt;
      // A count from a day agreed ahead is answered however far ahead (provisional past the covered
      // years): the act that agreed the day is not refused for a notice not issued yet.
      const counted = from === enteredAt ? {} : { countsFrom: from };
      let due: Deadline;
      try {
        due = from === enteredAt ? calendar.dueBy(from, rule) : calendar.dueFrom(from, rule);
      } catch (err) {
        // A count that runs past the covered years ends past every covered day: a task due by a day within
        // them is due then, not refused (time QA: a renewal asked on 2027-12-27 of a use ending 12-31, with
        // 2026's notice the last, was CALENDAR_NOT_COVERED for 2028, and the right to renew lost).
        const day = spec.endsBy && readField(context, spec.endsBy.field);
        if (!(err instanceof CalendarNotCoveredError) || typeof day !== 'string' || Number(day.slice(0, 4)) > err.covered.to) throw err;
        return { ...endOfAgreedDay(day, calendar.version), basis: spec.endsBy?.basis ?? 'agreement', ...counted };
      }
      const ended = spec.endsBy && endingBy(due, readField(context, spec.endsBy.field));
      if (ended) return { ...ended, basis: spec.endsBy?.basis ?? 'agreement', ...counted };
      return { ...due, basis: rule.basis, ...(rule.article ? { article: rule.article } : {}), ...counted };
    }
    case 'contextDays':
      // dueBy reads only the count and its unit; the task keeps the spec's own basis.
      return { ...calendar.dueBy(enteredAt, { n: numberAt(context, spec.field), unit: spec.unit, basis: 'policy' }), basis: spec.basis, ...article };
    case 'contextMonths':
      return { ...calendar.monthsDeadline(enteredAt, numberAt(context, spec.field)), basis: spec.basis, ...article };
  }
}

/** A task's deadline from the calendar in force; a calendar that does not reach that far is CALENDAR_NOT_COVERED. */
export function deadlineFor(
  calendar: DeadlineCalendar,
  task: TaskSpec,
  table: DeadlineTable,
  context: unknown,
  enteredAt: string,
): TaskDeadline | undefined {
  if (!task.deadline) return undefined;
  try {
    return compute(calendar, task.deadline, table, context, enteredAt);
  } catch (err) {
    const e = err as { code?: string; year?: number; covered?: { from: number; to: number } };
    if (e.code === 'CALENDAR_NOT_COVERED') throw refuse.calendarNotCovered(e.year ?? 0, e.covered);
    throw err;
  }
}
