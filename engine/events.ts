import type { Actor, CaseSummary, ProcessDefinition, Role } from '../machines/types.js';
import type { DeadlineBasis } from '../calendars/types.js';
import type { CaseParties } from '../directory/jurisdiction.js';

/** Commands the engine itself records; they never reach a machine. */
export const START = 'START';
/** 重新核定期限: a loaded holiday notice re-states provisional deadlines (PROCESSES.md "Deadlines"). */
export const RESTATE_DEADLINES = 'RESTATE_DEADLINES';
export const DEADLINES_RESTATED = 'DeadlinesRestated';
/**
 * 按机构调整重新分派待办: after 机构改革 (the directory a server starts with), an open task held by an
 * organisation that may no longer act on it goes to the one that may now (engine.ts `reassignTasks`).
 */
export const REASSIGN_TASKS = 'REASSIGN_TASKS';
export const TASKS_REASSIGNED = 'TasksReassigned';
/** The commands the engine itself records: no machine ever receives them. */
export const ENGINE_COMMANDS: ReadonlySet<string> = new Set([START, RESTATE_DEADLINES, REASSIGN_TASKS]);

/** The engine's own commands after the start (no machine has them), as a reviewer reads them. */
const ENGINE_COMMAND_LABELS: ReadonlyMap<string, string> = new Map([
  [RESTATE_DEADLINES, '按节假日安排重新确定期限'],
  [REASSIGN_TASKS, '按机构调整重新分派待办'],
]);

/** What a stored event's command is called where people read it (histories, replay, a 409): its machine's words, the engine's for its own; the code for one neither knows. */
export function commandLabelOf(def: ProcessDefinition, command: string): string {
  if (command === START) return def.start.label;
  return ENGINE_COMMAND_LABELS.get(command) ?? def.commands[command]?.label ?? command;
}

/** An open work item of a case (API.md `tasks`). */
export interface Task {
  stage: string;
  label: string;
  role: Role;
  /** The organisation the task is assigned to (for an applicant, the applicant's id). */
  org: string;
  /** Every organisation that may act on it (the provincial authority may also act on 市级以上 cases). */
  orgs: string[];
  enteredAt: string;
  /** Absent for a notice that is information only. */
  dueAt?: string;
  dueDate?: string;
  basis?: DeadlineBasis | 'agreement';
  article?: string;
  provisional?: boolean;
  calendarVersion?: string;
  /** The day the deadline's count starts (YYYY-MM-DD, Beijing), when not the day of entry: a day the case agreed (absent on events stored before it was recorded). */
  countsFrom?: string;
}

export interface TaskClosed {
  stage: string;
  completedAt: string;
  /**
   * Closed without its work being done: the case was withdrawn, ended or moved on by someone else's
   * command. Absent when done (and on events stored before this flag existed). Reports do not count
   * such a task as finished (第十九条).
   */
  cancelled?: true;
}

export interface DeadlineRestated {
  stage: string;
  old: { dueAt: string; dueDate: string; provisional: boolean; calendarVersion: string };
  new: { dueAt: string; dueDate: string; provisional: boolean; calendarVersion: string };
  /**
   * The date the calendar gives, when it is earlier than both the date stated and the day the
   * notice was loaded: `new` holds the deadline at that day instead (engine.ts `restateDeadlines`).
   */
  computed?: { dueAt: string; dueDate: string };
}

/** An open task handed from the organisation it opened with to the one the directory names now (第六条, 第四条). */
export interface TaskReassigned {
  stage: string;
  old: { org: string; orgs: string[] };
  new: { org: string; orgs: string[] };
}

export interface PendingTimer {
  /** The system command it sends. */
  command: string;
  /** The last instant before it fires (UTC ISO): the end of the last day it allows (`timerPassed`). */
  dueAt: string;
  /** The id of the event it appends: deterministic, so it fires once however many schedulers run. */
  eventId: string;
}

/**
 * Whether a timer's time has passed at `now` (ms): once its `dueAt` — the end of the last day it
 * allows, 23:59:59.999 Beijing — is past. That instant still belongs to the day, as a task's due
 * instant does to the task (time QA: a usage report sent at 23:59:59.999 of the last day of use was
 * refused as expired, while a task done at its due instant counts as on time).
 */
export function timerPassed(timer: PendingTimer, now: number): boolean {
  return Date.parse(timer.dueAt) < now;
}

/** What every event the engine appends carries (ARCHITECTURE.md "One stream per case"). */
export interface CaseEventMetadata {
  caseId: string;
  process: string;
  machine: { name: string; version: number };
  actor: Actor;
  command: string;
  /** When the command was accepted (UTC ISO, from the clock). */
  at: string;
  idempotencyKey?: string;
  correlationId: string;
  causationId?: string;
  stateBefore: string | null;
  stateAfter: string;
  final: boolean;
  tasksOpened: Task[];
  tasksClosed: TaskClosed[];
  deadlinesRestated?: DeadlineRestated[];
  tasksReassigned?: TaskReassigned[];
  /** The system commands due in the new state. */
  timers: PendingTimer[];
  links?: Record<string, { process: string; state: string }>;
  /** Who the case concerns after this event, so read models decide visibility without folding a machine. */
  parties: CaseParties;
  /** What a reviewer triages by (title, applicant, provider names, returns) after this event. */
  summary: CaseSummary;
  calendarVersion: string;
  prevHash: string;
  hash: string;
}
