/**
 * The inbox (API.md `GET /v1/inbox`): one row per open task, from the tasks the engine stamps in
 * every event's metadata (opened, closed, deadlines re-stated), whatever the process. A task is
 * listed for every organisation that may act on it (`org`, and `orgs`: the provincial authority
 * on a 市级以上 case); a case that went final has no open task left.
 */
import { endOfShanghaiDate, shanghaiDateOf } from '../calendars/index.js';
import type { Directory } from '../directory/index.js';
import type { RecordedEvent } from '../eventstore/types.js';
import { articleInEnglish } from '../machines/articles.js';
import { allTasks, waitsOf } from '../machines/describe.js';
import { registry } from '../machines/registry.js';
import { caseKey, caseUnitOfWork, setupCaseKeys } from './caseKeys.js';
import { caseFacts, shownSummary, storedInstant, summaryJson, type SummaryFacts, type TaskFacts } from './metadata.js';
import { cursorScope, deadlineStanding, decodeCursor, encodeCursor, InvalidQueryError, jsonList, orgOrPredecessors, pageLimit, queryInstant, safely, type DeadlineStanding, type QueryCalendar } from './query.js';
import type { Db, Projection } from './runner.js';
import { forgetInserts, insertRows, statementCache } from './statements.js';

/**
 * Sorts after every ISO instant: the due key of a task with no deadline (a notice, a provider's own
 * drafting), listed last — followed by when it was entered, so that such tasks are listed as they came
 * (QA: they were listed by case, a notice of today before one of last month).
 */
const NO_DEADLINE = '~';
/** Sorts before every ISO instant (a sign or a digit): the due key of an urgent task with no deadline (`TaskSpec.urgent`), listed first, as they came. */
const URGENT = '!';
/** The first key after every urgent task's (`!` and an instant): where deadlines begin. */
const AFTER_URGENT = '"';
/** A task's due key in SQL, from its row in inbox_tasks (`prefix`: the table's alias and a dot, or ''), as `flush` writes it. */
const dueKeySql = (prefix: string) => `coalesce(${prefix}due_at, CASE ${prefix}urgent WHEN 1 THEN '${URGENT}' ELSE '${NO_DEADLINE}' END || ${prefix}entered_at)`;
/** A due key that is a deadline: an instant as `storedInstant` writes it (a year past 9999 with its sign). */
const STORED_INSTANT = /^(\d{4}|[+-]\d{6})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS inbox_tasks (
  case_key         INTEGER NOT NULL,
  stage            TEXT    NOT NULL,
  case_id          TEXT    NOT NULL,
  process          TEXT    NOT NULL,
  state            TEXT    NOT NULL,
  label            TEXT    NOT NULL,
  role             TEXT    NOT NULL,
  org              TEXT    NOT NULL,
  orgs             TEXT    NOT NULL,
  entered_at       TEXT    NOT NULL,
  due_at           TEXT,
  due_date         TEXT,
  basis            TEXT,
  article          TEXT,
  provisional      INTEGER NOT NULL,
  calendar_version TEXT,
  summary          TEXT    NOT NULL,
  restated_from    TEXT,
  counts_from      TEXT,
  urgent           INTEGER NOT NULL,
  UNIQUE (case_key, stage)
);
-- Who may act on each open task, in inbox order: one row per organisation.
CREATE TABLE IF NOT EXISTS inbox_assignees (
  org      TEXT    NOT NULL,
  role     TEXT    NOT NULL,
  due_key  TEXT    NOT NULL,
  case_key INTEGER NOT NULL,
  stage    TEXT    NOT NULL,
  process  TEXT    NOT NULL,
  PRIMARY KEY (org, role, due_key, case_key, stage)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS inbox_assignees_task ON inbox_assignees (case_key, stage);
-- What a case waits on: another case a command of it named (CommandSpec.link) that had not reached the
-- state the command completes on. The waiting case's tasks and deadline stay open meanwhile.
CREATE TABLE IF NOT EXISTS inbox_waits (
  case_key       INTEGER NOT NULL,
  linked_case_id TEXT    NOT NULL,
  linked_process TEXT    NOT NULL,
  command        TEXT    NOT NULL,
  completes_on   TEXT    NOT NULL,
  PRIMARY KEY (case_key, linked_case_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS inbox_waits_linked ON inbox_waits (linked_case_id);
`;

const INSERT_TASK =
  'INSERT OR REPLACE INTO inbox_tasks (case_key, stage, case_id, process, state, label, role, org, orgs, entered_at, due_at, due_date, basis, article, provisional, calendar_version, summary, restated_from, counts_from, urgent)';
const INSERT_ASSIGNEE = 'INSERT OR REPLACE INTO inbox_assignees (org, role, due_key, case_key, stage, process)';

const statements = statementCache((db: Db) => ({
  deleteTask: db.prepare<unknown[]>('DELETE FROM inbox_tasks WHERE case_key = ? AND stage = ?'),
  deleteAssignees: db.prepare<unknown[]>('DELETE FROM inbox_assignees WHERE case_key = ? AND stage = ?'),
  deleteCaseTasks: db.prepare<unknown[]>('DELETE FROM inbox_tasks WHERE case_key = ?'),
  deleteCaseAssignees: db.prepare<unknown[]>('DELETE FROM inbox_assignees WHERE case_key = ?'),
  restateTask: db.prepare<unknown[]>(
    // SQLite assigns from the row as it was: `restated_from` takes the date replaced, when the date moved.
    'UPDATE inbox_tasks SET restated_from = CASE WHEN due_date IS NOT ? THEN due_date ELSE restated_from END, due_at = ?, due_date = ?, provisional = ?, calendar_version = ? WHERE case_key = ? AND stage = ?',
  ),
  restateAssignees: db.prepare<unknown[]>('UPDATE inbox_assignees SET due_key = ? WHERE case_key = ? AND stage = ?'),
  reassignTask: db.prepare<unknown[]>('UPDATE inbox_tasks SET org = ?, orgs = ? WHERE case_key = ? AND stage = ?'),
  // The task's row gives the rest of its assignee's (its due key as `flush` writes it).
  assign: db.prepare<unknown[]>(
    `INSERT OR REPLACE INTO inbox_assignees (org, role, due_key, case_key, stage, process) SELECT ?, role, ${dueKeySql('')}, case_key, stage, process FROM inbox_tasks WHERE case_key = ? AND stage = ?`,
  ),
  refreshCase: db.prepare<unknown[]>('UPDATE inbox_tasks SET state = ?, summary = ? WHERE case_key = ? AND (state <> ? OR summary <> ?)'),
  unwait: db.prepare<unknown[]>('DELETE FROM inbox_waits WHERE case_key = ?'),
  wait: db.prepare<unknown[]>('INSERT OR REPLACE INTO inbox_waits (case_key, linked_case_id, linked_process, command, completes_on) VALUES (?, ?, ?, ?, ?)'),
}));

/** Everyone who may act on a task: its organisation first, then the others, each once. */
function assigneesOf(task: Pick<TaskFacts, 'org' | 'orgs'>): string[] {
  const all = [task.org, ...(task.orgs ?? [])].filter((o) => typeof o === 'string' && o !== '');
  return all.length > 1 ? [...new Set(all)] : all;
}

/** An open task kept in memory until the transaction's end. */
interface OpenTask {
  key: number;
  caseId: string;
  process: string;
  task: TaskFacts;
  dueAt: string | null;
  dueDate: string | null;
  provisional: boolean;
  calendarVersion: string | null;
  /** The due date before the last re-statement (a holiday notice loaded), if any. */
  restatedFrom: string | null;
  /** Listed first, though it has no deadline (`TaskSpec.urgent`). */
  urgent: boolean;
}

/**
 * Whether the machine version that opened a task marks its stage urgent (`TaskSpec.urgent`), by
 * `name@version:stage`: the inbox's order is read from the machines, never from per-process code.
 */
const urgentStages = new Map<string, boolean>();
function urgentStage(machine: { name: string; version: number } | undefined, stage: string): boolean {
  if (!machine) return false;
  const key = `${machine.name}@${machine.version}:${stage}`;
  let urgent = urgentStages.get(key);
  if (urgent === undefined) {
    const def = registry.get(machine.name, machine.version);
    urgent = def !== undefined && allTasks(def).some((t) => t.stage === stage && t.urgent === true);
    urgentStages.set(key, urgent);
  }
  return urgent;
}

type Stored =
  | ['deleteTask', number, string]
  | ['deleteCase', number]
  | ['restate', string, string, number, string, number, string]
  | ['reassign', number, string, string, string[]]
  | ['unwait', number]
  | ['wait', number, string, string, string, string];

/**
 * One transaction's changes: tasks opened in it stay in memory until `flush` (one opened and
 * closed within a batch is never written); changes to tasks stored earlier are queued; the state
 * and summary of each case touched are written once, its last.
 */
class Work {
  /** Tasks opened in this transaction and still open, by case key, then stage (a final case drops its own). */
  readonly open = new Map<number, Map<string, OpenTask>>();
  readonly stored: Stored[] = [];
  /** The state and triage summary of every case touched, after its last event. */
  readonly latest = new Map<number, { state: string; summary: SummaryFacts }>();
  /** Cases whose first event is in this transaction: nothing of theirs is stored yet. */
  readonly newCases = new Set<number>();
  /** Cases that went final (a rebuild worker's `settle` forgets them). */
  readonly finals: number[] = [];
}

/** Runs the queued changes to tasks stored before the unit of work. */
function runStored(db: Db, ops: readonly Stored[]): void {
  const s = statements.of(db);
  for (const op of ops) {
    switch (op[0]) {
      case 'deleteCase':
        s.deleteCaseTasks.run(op[1]);
        s.deleteCaseAssignees.run(op[1]);
        break;
      case 'deleteTask':
        s.deleteTask.run(op[1], op[2]);
        s.deleteAssignees.run(op[1], op[2]);
        break;
      case 'restate':
        s.restateTask.run(op[2], op[1], op[2], op[3], op[4], op[5], op[6]);
        s.restateAssignees.run(op[1], op[5], op[6]);
        break;
      case 'reassign':
        s.reassignTask.run(op[3], JSON.stringify(op[4]), op[1], op[2]);
        s.deleteAssignees.run(op[1], op[2]);
        for (const org of assigneesOf({ org: op[3], orgs: op[4] })) s.assign.run(org, op[1], op[2]);
        break;
      case 'unwait':
        s.unwait.run(op[1]);
        break;
      case 'wait':
        s.wait.run(op[1], op[2], op[3], op[4], op[5]);
        break;
    }
  }
}

const work = caseUnitOfWork(() => new Work());

export const inboxProjection: Projection = {
  name: 'inbox',
  // 4: restatedFrom only when a re-stated date moved. 5: inbox_waits (what a case waits on).
  // 6: counts_from, the day a deadline's count starts when not the day of entry.
  // 7: urgent, a task with no deadline listed first (TaskSpec.urgent: a reported data security problem).
  // 8: tasks with no deadline (urgent or last) in the order they were entered.
  version: 8,
  setup(db) {
    setupCaseKeys(db);
    db.exec(SCHEMA);
  },
  clear(db) {
    db.exec('DROP TABLE IF EXISTS inbox_waits; DROP TABLE IF EXISTS inbox_assignees; DROP TABLE IF EXISTS inbox_tasks;');
    statements.forget(db);
    forgetInserts(db);
    work.forget(db);
  },
  apply(event: RecordedEvent, db) {
    const f = caseFacts(event);
    if (!f) return;
    const w = work.of(db);
    const key = caseKey(db, f.caseId, event);
    if (event.revision === 0) w.newCases.add(key);
    const stored = !w.newCases.has(key);
    // What the case waits on, as the engine's work index folds it (machines `waitsOf`), as the machine
    // version that decided the event declares it. Queued in order whatever the case, so a rebuild writes the same.
    const waits = waitsOf(f.machine && registry.get(f.machine.name, f.machine.version), f);
    if (waits.clears) w.stored.push(['unwait', key]);
    for (const { caseId, process, completesOn } of waits.waitsOn) w.stored.push(['wait', key, caseId, process, f.command, completesOn]);
    if (f.final) {
      w.open.delete(key);
      w.latest.delete(key);
      w.finals.push(key);
      if (stored) w.stored.push(['deleteCase', key]);
      return;
    }
    let tasks = w.open.get(key);
    for (const closed of f.tasksClosed ?? []) {
      if (!tasks?.delete(closed.stage) && stored) w.stored.push(['deleteTask', key, closed.stage]);
    }
    // The engine never opens a stage that is open, so an opened task is new to the read model too.
    for (const t of f.tasksOpened ?? []) {
      if (!tasks) w.open.set(key, (tasks = new Map()));
      tasks.set(t.stage, {
        key,
        caseId: f.caseId,
        process: f.process,
        task: t,
        dueAt: t.dueAt === undefined ? null : storedInstant(t.dueAt),
        dueDate: t.dueDate ?? null,
        provisional: t.provisional === true,
        calendarVersion: t.calendarVersion ?? null,
        restatedFrom: null,
        urgent: urgentStage(f.machine, t.stage),
      });
    }
    for (const r of f.deadlinesRestated ?? []) {
      const dueAt = storedInstant(r.new.dueAt);
      const open = tasks?.get(r.stage);
      // The date replaced, when the date moved (a provisional date the notice confirms did not).
      const restatedFrom = open && open.dueDate !== r.new.dueDate ? open.dueDate : open?.restatedFrom;
      if (open) Object.assign(open, { dueAt, dueDate: r.new.dueDate, provisional: r.new.provisional, calendarVersion: r.new.calendarVersion, restatedFrom });
      else if (stored) w.stored.push(['restate', dueAt, r.new.dueDate, r.new.provisional ? 1 : 0, r.new.calendarVersion, key, r.stage]);
    }
    // 机构改革: the task leaves the inboxes of the organisations it opened with for those the directory names now.
    for (const r of f.tasksReassigned ?? []) {
      const open = tasks?.get(r.stage);
      if (open) open.task = { ...open.task, org: r.new.org, orgs: r.new.orgs };
      else if (stored) w.stored.push(['reassign', key, r.stage, r.new.org, r.new.orgs]);
    }
    w.latest.set(key, { state: f.stateAfter, summary: f.summary });
  },
  flush(db) {
    const w = work.take(db);
    if (!w) return;
    const s = statements.of(db);
    runStored(db, w.stored);
    // The case's tasks stored earlier follow its state and summary.
    const summaries = new Map<number, string>();
    for (const [key, latest] of w.latest) {
      const summary = summaryJson(latest.summary);
      summaries.set(key, summary);
      if (!w.newCases.has(key)) s.refreshCase.run(latest.state, summary, key, latest.state, summary);
    }
    const tasks: unknown[][] = [];
    const assignees: unknown[][] = [];
    for (const open of w.open.values()) {
      for (const o of open.values()) {
        const t = o.task;
        const state = w.latest.get(o.key)!.state;
        const summary = summaries.get(o.key)!;
        tasks.push([
          o.key,
          t.stage,
          o.caseId,
          o.process,
          state,
          t.label ?? t.stage,
          t.role,
          t.org ?? '',
          JSON.stringify(t.orgs ?? []),
          storedInstant(t.enteredAt),
          o.dueAt,
          o.dueDate,
          t.basis ?? null,
          t.article ?? null,
          o.provisional ? 1 : 0,
          o.calendarVersion,
          summary,
          o.restatedFrom,
          t.countsFrom ?? null,
          o.urgent ? 1 : 0,
        ]);
        const dueKey = o.dueAt ?? `${o.urgent ? URGENT : NO_DEADLINE}${storedInstant(t.enteredAt)}`;
        for (const org of assigneesOf(t)) assignees.push([org, t.role, dueKey, o.key, t.stage, o.process]);
      }
    }
    insertRows(db, INSERT_TASK, tasks);
    insertRows(db, INSERT_ASSIGNEE, assignees);
  },
  settle(db) {
    const w = work.settle(db);
    if (!w) return;
    runStored(db, w.stored);
    w.stored.length = 0;
    // Open tasks may still be closed or re-stated, and their cases move on: they wait for the last
    // flush. What a case with no open task left leaves behind is forgotten.
    for (const [key, tasks] of w.open) {
      if (tasks.size > 0) continue;
      w.open.delete(key);
      if (w.newCases.has(key)) w.latest.delete(key);
    }
    for (const key of w.finals) w.newCases.delete(key);
    w.finals.length = 0;
  },
  discard(db) {
    work.discard(db);
  },
};

// ── Query ───────────────────────────────────────────────────────────────────────────────

export interface InboxQuery {
  /** Who asks: tasks of this role assigned to (or open to) this organisation. */
  caller: { role: string; org: string };
  calendar: QueryCalendar;
  /** Adds `orgName` to the items when given. */
  directory?: Directory;
  /** The language of the items' notes (`awaiting`, `awaitedBy`): Chinese by default. */
  lang?: 'zh' | 'en';
  /** How the notes name processes, commands and states (the facade's registry); by their ids when absent. */
  names?: ProcessNames;
  /** Deadlines are compared with this instant. */
  asOf: string | Date;
  process?: string;
  /** Only tasks past their deadline at `asOf` (true), or only those that are not (false). */
  overdue?: boolean;
  /** Only tasks due within this many working days of `asOf` (overdue ones included; notices never). */
  dueWithin?: number;
  /**
   * Only tasks assigned to the caller's organisation, or to one whose duties it took over (true); or
   * only those of other organisations it may also act on, as a bureau of a higher level (false).
   */
  assigned?: boolean;
  /** 1–200, default 50. */
  limit?: number;
  cursor?: string;
}

export interface InboxItem extends DeadlineStanding {
  caseId: string;
  process: string;
  state: string;
  stage: string;
  label: string;
  role: string;
  org: string;
  orgName?: string;
  orgs: string[];
  enteredAt: string;
  /** Null for a task with no deadline: a notice (information only), or a provider's own drafting or revising. */
  dueAt: string | null;
  dueDate: string | null;
  basis: string | null;
  article: string | null;
  provisional: boolean;
  calendarVersion: string | null;
  /** The day the deadline's count starts (Beijing date), only when it is not the day of entry (access to grant, conditionalApplication v3+). */
  countsFrom?: string;
  /**
   * The due date before a holiday notice re-stated the deadline (PROCESSES.md "Deadlines"), so a
   * reviewer sees a deadline that moved — earlier too, when a weekend became a working day; null
   * when it never was.
   */
  restatedFrom: string | null;
  summary: SummaryFacts;
  /**
   * The cases this case waits on (a command of it named one that had not reached the state it
   * completes on: 第十五条 MARK_OPENED naming a release not yet published); absent when none. Its
   * tasks and their deadlines stay open meanwhile.
   */
  awaiting?: AwaitedCase[];
  /** The cases waiting on this one, each with its open tasks' deadlines, so its review can be put first; absent when none. */
  awaitedBy?: WaitingCase[];
}

/** A case an inbox item's case waits on. */
export interface AwaitedCase {
  caseId: string;
  process: string;
  /** Its title and state as the case list records them (an ended case's too); absent while the case list does not know it (being rebuilt). */
  title?: string;
  state?: string;
  /** What the wait means, in the caller's language. */
  note: string;
}

/** An open task of a case waiting on an inbox item's case. */
export interface WaitingCase {
  caseId: string;
  process: string;
  title: string;
  stage: string;
  label: string;
  dueAt: string | null;
  dueDate: string | null;
  basis: string | null;
  article: string | null;
  /** What the wait means, in the caller's language. */
  note: string;
}

export interface InboxPage {
  items: InboxItem[];
  nextCursor: string | null;
}

interface TaskRow {
  case_key: number;
  case_id: string;
  stage: string;
  process: string;
  state: string;
  label: string;
  role: string;
  org: string;
  orgs: string;
  entered_at: string;
  due_at: string | null;
  due_date: string | null;
  basis: string | null;
  article: string | null;
  provisional: number;
  calendar_version: string | null;
  summary: string;
  restated_from: string | null;
  counts_from: string | null;
  due_key: string;
}

/**
 * The start of the first Asia/Shanghai day whose deadlines have more than `n` working days left at
 * `asOf`: a task is due within `n` working days exactly when its `dueAt` is before it.
 */
function dueWithinBound(calendar: QueryCalendar, asOf: string, n: number): string | null {
  // Past the covered years too: a deadline there (a long results term) is judged by the statute, and so is this bound.
  const firstDayBeyond = safely(() => Date.parse(endOfShanghaiDate(calendar.deadlineFrom(shanghaiDateOf(asOf), n + 1).dueDate)));
  return firstDayBeyond === null ? null : new Date(firstDayBeyond - 86_399_999).toISOString();
}

/**
 * The caller's open work, most urgent first (a reported data security problem, `TaskSpec.urgent`; then
 * dueAt ascending; tasks with no deadline, notices or a provider's own drafting, last), a page at a time.
 */
export function inbox(db: Db, query: InboxQuery): InboxPage {
  const asOf = queryInstant(query.asOf, 'asOf');
  const limit = pageLimit(query.limit, 200, 50);
  // 机构改革: and the tasks still assigned to the organisations whose duties the caller's took over.
  const own = orgOrPredecessors('a.org', 'org', query.caller.org, query.directory);
  const where = [own.sql, 'a.role = @role'];
  const params: Record<string, string | number> = { ...own.params, role: query.caller.role, limit: limit + 1 };
  if (query.process !== undefined) {
    where.push('a.process = @process');
    params.process = query.process;
  }
  if (query.overdue !== undefined) {
    // Past due at asOf, or (false) not: due at asOf or later, and notices, which are never late (the urgent ones first).
    where.push(query.overdue ? `a.due_key >= '${AFTER_URGENT}' AND a.due_key < @asOf` : `(a.due_key >= @asOf OR a.due_key < '${AFTER_URGENT}')`);
    params.asOf = asOf;
  }
  if (query.dueWithin !== undefined) {
    if (!Number.isInteger(query.dueWithin) || query.dueWithin < 0) throw new InvalidQueryError('dueWithin', '应为不小于 0 的整数（工作日数）');
    const bound = dueWithinBound(query.calendar, asOf, query.dueWithin);
    where.push(`a.due_key >= '${AFTER_URGENT}'`, bound === null ? `a.due_key < '${NO_DEADLINE}'` : 'a.due_key < @bound');
    if (bound !== null) params.bound = bound;
  }
  if (query.assigned !== undefined) {
    // A row of inbox_assignees is one organisation that may act; the task's own is the one it is assigned to.
    where.push(query.assigned ? 't.org = a.org' : 't.org <> a.org');
  }
  const scope = cursorScope({ role: query.caller.role, org: query.caller.org, process: query.process, overdue: query.overdue, dueWithin: query.dueWithin, assigned: query.assigned });
  if (query.cursor !== undefined) {
    const [dueKey, key, stage] = decodeCursor(query.cursor, scope, ['string', 'number', 'string'], ([due, , st]) => STORED_INSTANT.test((due as string).replace(/^[~!]/, '')) && st !== '');
    where.push('(a.due_key, a.case_key, a.stage) > (@cDue, @cKey, @cStage)');
    Object.assign(params, { cDue: dueKey, cKey: key, cStage: stage });
  }
  const rows = db
    .prepare<Record<string, string | number>, TaskRow>(
      `SELECT t.*, a.due_key FROM inbox_assignees a JOIN inbox_tasks t ON t.case_key = a.case_key AND t.stage = a.stage
       WHERE ${where.join(' AND ')} ORDER BY a.due_key, a.case_key, a.stage LIMIT @limit`,
    )
    .all(params);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: withWaits(db, page, (row) => inboxItem(row, asOf, query.calendar, query.directory), query.lang ?? 'zh', query.names ?? BY_ID),
    nextCursor: rows.length > limit && last ? encodeCursor(scope, [last.due_key, last.case_key, last.stage]) : null,
  };
}

function inboxItem(row: TaskRow, asOf: string, calendar: QueryCalendar, directory: Directory | undefined): InboxItem {
  const dueAt = row.due_at;
  const summary = shownSummary(row.summary);
  // An applicant is not in the directory: its task is named after the applicant the case names.
  const orgName = row.role === 'applicant' && summary.applicant ? summary.applicant : directory?.nameActing(row.org);
  return {
    caseId: row.case_id,
    process: row.process,
    state: row.state,
    stage: row.stage,
    label: row.label,
    role: row.role,
    org: row.org,
    ...(directory && orgName !== undefined ? { orgName } : {}),
    // Who may act now: an abolished organisation's successor in its place (机构改革), as the case's tasks give it.
    orgs: directory ? directory.actingFor(JSON.parse(row.orgs) as string[]) : (JSON.parse(row.orgs) as string[]),
    enteredAt: row.entered_at,
    dueAt,
    dueDate: row.due_date,
    basis: row.basis,
    article: row.article,
    provisional: row.provisional === 1,
    calendarVersion: row.calendar_version,
    ...(row.counts_from !== null ? { countsFrom: row.counts_from } : {}),
    ...deadlineStanding(calendar, asOf, dueAt, row.due_date),
    restatedFrom: row.restated_from,
    summary,
  };
}

// A page's waits in two queries, whatever its length (not two per item), each in the order its item lists them.
const waitQueries = statementCache((db: Db) => ({
  awaiting: db.prepare<[string], WaitRow & { case_key: number }>(
    'SELECT case_key, linked_case_id, linked_process, command, completes_on FROM inbox_waits WHERE case_key IN (SELECT value FROM json_each(?)) ORDER BY case_key, linked_case_id',
  ),
  // From the case list (projections/cases.ts), which keeps every case: a case waited on may have no open task
  // (a release published, or withdrawn before the link completed it), and the waiting provider must still see it.
  linkedCase: db.prepare<[string], { state: string; final: number; summary: string }>(
    'SELECT c.state, c.final, c.summary FROM projection_case_keys k JOIN cases c ON c.case_key = k.case_key WHERE k.case_id = ?',
  ),
  // The dates a holiday notice replaced, of one case's open tasks (its own view).
  restatedOfCase: db.prepare<[string], { stage: string; due_date: string | null; restated_from: string }>(
    'SELECT t.stage, t.due_date, t.restated_from FROM projection_case_keys k JOIN inbox_tasks t ON t.case_key = k.case_key WHERE k.case_id = ? AND t.restated_from IS NOT NULL',
  ),
  // The open tasks of a page of the case list, in the inbox's order within each case (its due key, then stage):
  // an urgent one first, then by due instant, those with no deadline last, in the order they were entered.
  tasksOfCases: db.prepare<[string], TaskRow>(
    `SELECT t.* FROM projection_case_keys k JOIN inbox_tasks t ON t.case_key = k.case_key WHERE k.case_id IN (SELECT value FROM json_each(?))
     ORDER BY t.case_key, ${dueKeySql('t.')}, t.stage`,
  ),
  // One case's, by its id (its own view).
  awaitingOfCase: db.prepare<[string], WaitRow>(
    'SELECT w.linked_case_id, w.linked_process, w.command, w.completes_on FROM projection_case_keys k JOIN inbox_waits w ON w.case_key = k.case_key WHERE k.case_id = ? ORDER BY w.linked_case_id',
  ),
  awaitedBy: db.prepare<[string], TaskRow & WaitRow>(
    `SELECT t.*, w.linked_case_id, w.linked_process, w.command, w.completes_on FROM inbox_waits w JOIN inbox_tasks t ON t.case_key = w.case_key
     WHERE w.linked_case_id IN (SELECT value FROM json_each(?)) ORDER BY w.linked_case_id, t.due_at IS NULL, t.due_at, t.case_key, t.stage`,
  ),
}));

interface WaitRow {
  linked_case_id: string;
  linked_process: string;
  command: string;
  completes_on: string;
}

/** How a process, a command of it and a state of it are named in the notes (ReadModels: as the newest version declares them). */
export interface ProcessNames {
  title(process: string): string;
  command(process: string, command: string): string;
  state(process: string, state: string): string;
}

/** Names by id, for an inbox asked without them. */
const BY_ID: ProcessNames = { title: (process) => process, command: (_, command) => command, state: (_, state) => state };

/** The page's items (`item` of each row), each with what its case waits on and what waits on it, told in `lang`. */
function withWaits(db: Db, page: readonly TaskRow[], item: (row: TaskRow) => InboxItem, lang: 'zh' | 'en', names: ProcessNames): InboxItem[] {
  const items = page.map(item);
  if (items.length === 0) return items;
  const q = waitQueries.of(db);
  const awaitingOf = grouped(q.awaiting.all(JSON.stringify(page.map((row) => row.case_key))), (w) => w.case_key);
  const awaitedByOf = grouped(q.awaitedBy.all(jsonList(items.map((i) => i.caseId))), (t) => t.linked_case_id);
  return items.map((it, i) => withWaitsOf(db, it, awaitingOf.get(page[i]!.case_key) ?? [], awaitedByOf.get(it.caseId) ?? [], lang, names));
}

/** Rows by `key`, each group in the rows' order. */
function grouped<R, K>(rows: readonly R[], key: (row: R) => K): Map<K, R[]> {
  const by = new Map<K, R[]>();
  for (const row of rows) {
    const k = key(row);
    const list = by.get(k);
    if (list) list.push(row);
    else by.set(k, [row]);
  }
  return by;
}

/** `item` with the waits of its case (`awaiting`) and on it (`awaitedBy`), when there are any. */
function withWaitsOf(db: Db, item: InboxItem, awaitingRows: readonly WaitRow[], awaitedByRows: readonly (TaskRow & WaitRow)[], lang: 'zh' | 'en', names: ProcessNames): InboxItem {
  if (awaitingRows.length === 0 && awaitedByRows.length === 0) return item;
  const awaiting = awaitedCases(db, item.process, awaitingRows, lang, names);
  const awaitedBy = awaitedByRows.map((t) => waitingCase(t, item.process, lang, names));
  return { ...item, ...(awaiting.length > 0 ? { awaiting } : {}), ...(awaitedBy.length > 0 ? { awaitedBy } : {}) };
}

/**
 * The state a case waited on ended in short of `completesOn`, the state the wait needs (第十五条: a release
 * withdrawn before the link completed the request); undefined while it may still get there (or is unknown).
 */
function endedShortOf(awaited: { state: string; final: number } | undefined, completesOn: string): string | undefined {
  return awaited !== undefined && awaited.final === 1 && awaited.state !== completesOn ? awaited.state : undefined;
}

/** The cases a case of `process` waits on (`rows`, its waits), each with its note in `lang`. */
function awaitedCases(db: Db, process: string, rows: readonly WaitRow[], lang: 'zh' | 'en', names: ProcessNames): AwaitedCase[] {
  const q = waitQueries.of(db);
  return rows.map((w): AwaitedCase => {
    const linked = q.linkedCase.get(w.linked_case_id);
    const title = linked ? shownSummary(linked.summary).title : undefined;
    // Ended short of the state the command completes on: the system will never complete this case by it, and
    // the sender must act again in time.
    const endedIn = endedShortOf(linked, w.completes_on);
    const zhCase = `${names.title(w.linked_process)}案件${title === undefined ? '' : `「${title}」`}（${w.linked_case_id}）`;
    const enCase = `${w.linked_process} case ${title === undefined ? '' : `"${title}" `}(${w.linked_case_id})`;
    const zhCommand = `「${names.command(process, w.command)}」`;
    const note = endedIn !== undefined
      ? lang === 'en'
        ? `${w.command} named ${enCase}, which has ended in ${endedIn} without reaching ${w.completes_on}: the system will not complete this case by it. Send ${w.command} again before the deadline; this task and its deadline stand.`
        : `已提交的${zhCommand}所指的${zhCase}状态为「${names.state(w.linked_process, endedIn)}」（已办结），不会进入「${names.state(w.linked_process, w.completes_on)}」，系统不会据此办结本案件：请在期限内重新提交${zhCommand}；本待办及其期限仍然有效`
      : lang === 'en'
        ? `${w.command} was sent; the system completes this case once ${enCase} reaches ${w.completes_on}. Until then this task and its deadline stand.`
        : `已提交${zhCommand}，待${zhCase}进入「${names.state(w.linked_process, w.completes_on)}」后由系统自动办结；在此之前本待办及其期限仍然有效`;
    return { caseId: w.linked_case_id, process: w.linked_process, ...(linked ? { title, state: linked.state } : {}), note };
  });
}

/**
 * An open task of a case waiting on a case of `process`, with its note in `lang`. `endedIn`: the state the
 * case waited on ended in short of the one the wait needs (`endedShortOf`), which the note says instead of
 * the wait: it will never complete the waiting case.
 */
function waitingCase(t: TaskRow & WaitRow, process: string, lang: 'zh' | 'en', names: ProcessNames, endedIn?: string): WaitingCase {
  const title = shownSummary(t.summary).title;
  const article = t.article ? (lang === 'en' ? ` (${articleInEnglish(t.article)})` : `（${t.article}）`) : '';
  // A deadline, not "is due": the date may have passed.
  const due = t.due_date === null ? (lang === 'en' ? 'has no deadline' : '没有期限') : lang === 'en' ? `has the deadline ${t.due_date}${article}` : `期限为 ${t.due_date}${article}`;
  const zhCase = `${names.title(t.process)}案件「${title}」（${t.case_id}）`;
  const enCase = `${t.process} case "${title}" (${t.case_id})`;
  const note =
    endedIn === undefined
      ? lang === 'en'
        ? `${enCase} waits on this case reaching ${t.completes_on}; its task ${t.stage} ${due}.`
        : `${zhCase}等待本案件进入「${names.state(process, t.completes_on)}」，其待办「${t.label}」${due}`
      : lang === 'en'
        ? `${enCase} sent ${t.command} naming this case, to be completed once this case reached ${t.completes_on}; this case has ended in ${endedIn} and will not, so the system will not complete that case by it; its task ${t.stage} ${due}.`
        : `${zhCase}提交的「${names.command(t.process, t.command)}」指向本案件，待本案件进入「${names.state(process, t.completes_on)}」后办结；本案件已办结（「${names.state(process, endedIn)}」），不会进入该状态，系统不会据此办结该案件；其待办「${t.label}」${due}`;
  return { caseId: t.case_id, process: t.process, title, stage: t.stage, label: t.label, dueAt: t.due_at, dueDate: t.due_date, basis: t.basis, article: t.article, note };
}

/**
 * The dates a holiday notice replaced (`restatedFrom`, as its inbox items carry them), by stage, of one
 * case's open tasks, with the due date that replaced each: for its own view, which shows a moved deadline
 * as plainly as the inbox does (integrators' and calendar QA: the applicant, who has no inbox item for the
 * provider's task, saw the new date with no sign it moved).
 */
export function restatedOfCase(db: Db, caseId: string): Map<string, { dueDate: string | null; restatedFrom: string }> {
  return new Map(waitQueries.of(db).restatedOfCase.all(caseId).map((r) => [r.stage, { dueDate: r.due_date, restatedFrom: r.restated_from }]));
}

/**
 * An open task as the case list gives it (GET /v1/cases): who acts on the case now and by when, standing
 * at the list's instant as an inbox item does — an applicant's portal shows "待…审核，…前" for each case
 * of a page without opening every one (applicant's QA).
 */
export interface CaseListTask extends DeadlineStanding {
  stage: string;
  label: string;
  role: string;
  org: string;
  orgName?: string;
  dueAt: string | null;
  dueDate: string | null;
  provisional: boolean;
}

/** The open tasks of the cases named (a page of the case list), by case id, each case's in the inbox's order; none for a case with none. */
export function openTasksOfCases(db: Db, caseIds: readonly string[], asOf: string, calendar: QueryCalendar, directory: Directory | undefined): Map<string, CaseListTask[]> {
  const tasks = new Map<string, CaseListTask[]>();
  if (caseIds.length === 0) return tasks;
  for (const row of waitQueries.of(db).tasksOfCases.all(jsonList(caseIds))) {
    const { caseId, stage, label, role, org, orgName, dueAt, dueDate, provisional, workingDaysLeft, workingDaysOverdue, overdue } = inboxItem(row, asOf, calendar, directory);
    const task: CaseListTask = { stage, label, role, org, ...(orgName !== undefined ? { orgName } : {}), dueAt, dueDate, provisional, workingDaysLeft, workingDaysOverdue, overdue };
    const own = tasks.get(caseId);
    if (own) own.push(task);
    else tasks.set(caseId, [task]);
  }
  return tasks;
}

/** What one case of `process` waits on (what its inbox items carry as `awaiting`), for its own view. */
export function awaitingOfCase(db: Db, caseId: string, process: string, lang: 'zh' | 'en', names: ProcessNames): AwaitedCase[] {
  return awaitedCases(db, process, waitQueries.of(db).awaitingOfCase.all(caseId), lang, names);
}

/**
 * The open tasks of the cases waiting on one case of `process` (what its inbox items carry as `awaitedBy`), for
 * the case's own view (GET /v1/cases/:id): a reviewer who opens a release from the case list, not the inbox,
 * sees the citizen's deadline that hangs on it too. The caller shows only the waiting cases its reader may see.
 */
export function awaitedByCase(db: Db, caseId: string, process: string, lang: 'zh' | 'en', names: ProcessNames): WaitingCase[] {
  const q = waitQueries.of(db);
  const rows = q.awaitedBy.all(jsonList([caseId]));
  if (rows.length === 0) return [];
  // Only a case's own view can be of an ended case (an inbox item's case has an open task).
  const self = q.linkedCase.get(caseId);
  return rows.map((t) => waitingCase(t, process, lang, names, endedShortOf(self, t.completes_on)));
}
