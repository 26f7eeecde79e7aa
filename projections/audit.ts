/**
 * The audit trail (API.md `GET /v1/cases/:id/history`, `GET /v1/audit/export`). A case's history is
 * its own stream, read from the store; this read model only indexes the position of every case
 * event and every holiday notice of the calendar by the time it was accepted (one B-tree, in time
 * order) — no other event of the log — so a period's events are found without reading the whole
 * log. (The hash chain is re-checked by engine/verify.ts.)
 */
import { CALENDAR_STREAM } from '../calendars/index.js';
import { canSee, seesEveryCase, type Directory, type Viewer } from '../directory/index.js';
import { nextTurn } from '../infra/turn.js';
import { readAllPastUnreadable, UnreadableEventError, type EventStore, type RecordedEvent } from '../eventstore/types.js';
import { caseFacts, storedInstant, unfoldableFact, type ActorFacts, type DeadlineRestatedFacts, type TaskClosedFacts, type TaskFacts, type TaskReassignedFacts } from './metadata.js';
import { caseRow } from './cases.js';
import { InvalidQueryError, queryInstant } from './query.js';
import type { Db, Projection } from './runner.js';
import { forgetInserts, insertRows, unitOfWork } from './statements.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_index (
  at       TEXT    NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (at, position)
) WITHOUT ROWID;
`;

const INSERT = 'INSERT OR IGNORE INTO audit_index (at, position)';

/** One transaction's rows. */
const pending = unitOfWork((): unknown[][] => []);

/**
 * When an event was accepted: a case event's `at`; a holiday notice's (the calendar's stream), its
 * metadata's `at`. Undefined: not in the trail — any other event of the log, though it state an `at`
 * (another build's system stream, say): the export holds the case events and the notices that decide
 * deadlines (README "Audit"), which verify-export checks; a line it cannot check fails the file, and
 * a stream this build does not know has no rule for who may read it.
 */
function acceptedAt(event: RecordedEvent): string | undefined {
  const f = caseFacts(event);
  if (f) return storedInstant(f.at);
  if (event.streamId !== CALENDAR_STREAM) return undefined;
  const at = (event.metadata as { at?: unknown } | undefined)?.at;
  if (typeof at !== 'string') return undefined;
  try {
    return storedInstant(at);
  } catch {
    return undefined;
  }
}

export const auditProjection: Projection = {
  name: 'audit',
  // 3: events outside cases (holiday notices) are in the trail too.
  // 4: only those: another stream's events that state an `at` are not.
  version: 4,
  setup(db) {
    db.exec(SCHEMA);
  },
  clear(db) {
    db.exec('DROP TABLE IF EXISTS audit_index;');
    forgetInserts(db);
    pending.forget(db);
  },
  apply(event: RecordedEvent, db) {
    const at = acceptedAt(event);
    if (at !== undefined) pending.of(db).push([at, event.position]);
  },
  // An event whose metadata no longer parses (a rebuild meets it; an append never makes one) is in
  // the trail all the same, as an unreadable line the export shows and verify-export fails on: at the
  // time the store stamped it, the only time left of it. Left out, it vanished from every export.
  unreadable(event, db) {
    if (event.created === undefined) return;
    try {
      pending.of(db).push([storedInstant(event.created), event.position]);
    } catch {
      // No readable stamp either: nothing places it in time.
    }
  },
  flush(db) {
    const rows = pending.take(db);
    if (rows) insertRows(db, INSERT, rows);
  },
  discard(db) {
    pending.forget(db);
  },
};

// ── The history shape ───────────────────────────────────────────────────────────────────

/** A task as histories show it (API.md `tasks`). */
export interface TaskView {
  stage: string;
  label: string;
  role: string;
  org: string;
  enteredAt: string;
  dueAt: string | null;
  dueDate: string | null;
  basis: string | null;
  provisional: boolean;
  calendarVersion: string | null;
  /** The day the count starts, when not the day of entry (a day the case agreed). */
  countsFrom?: string;
}

/** One event of a history (API.md `GET /v1/cases/:id/history`). */
export interface HistoryEntry {
  revision: number;
  position: number;
  id: string;
  type: string;
  command: string;
  at: string;
  actor: ActorFacts;
  /** The machine version that decided the event (the case's, for ever). */
  machine: { name: string; version: number };
  stateBefore: string | null;
  stateAfter: string;
  data: unknown;
  /** The deadlines the event opened, closed and re-stated, and the tasks it handed on (机构改革). */
  deadlines: { opened: TaskView[]; closed: TaskClosedFacts[]; restated: DeadlineRestatedFacts[]; reassigned?: TaskReassignedFacts[] };
  correlationId?: string;
  causationId?: string;
  hash: string;
  prevHash: string;
}

/**
 * An audit export line: a history entry with its case, its stream and the metadata exactly as
 * stored, so that anyone holding the file can recompute each hash (engine/hashChain.ts: SHA-256 over
 * the canonical JSON of `{ streamId, revision, id, type, data, metadata }`, metadata without `hash`)
 * and follow the chain, without the server (`npm run verify-export`).
 */
export interface AuditLine extends HistoryEntry {
  caseId: string;
  process: string;
  stream: string;
  metadata: Record<string, unknown>;
}

/**
 * An export line for an event outside any case (a holiday notice loaded: it changes every deadline
 * computed after it): `caseId` and `process` are null, and there is no state or hash chain.
 */
export interface OtherAuditLine {
  caseId: null;
  process: null;
  stream: string;
  revision: number;
  position: number;
  id: string;
  type: string;
  at: string;
  actor?: unknown;
  data: unknown;
}

/**
 * An event of the period the store can no longer read (its content damaged or altered): the export
 * goes on past it, and this line says where it was, so the file is complete and its check fails there.
 */
export interface UnreadableAuditLine extends Pick<OtherAuditLine, 'stream' | 'revision' | 'position' | 'id' | 'type' | 'at'> {
  unreadable: true;
  caseId: string | null;
  reason: string;
}

/**
 * An event the audit index filed in the period that the log no longer holds (deleted from the store
 * after it was folded): the index keeps its time and position, and this line says so, so the file is
 * not short without saying so and its check fails there. Its case is named when the case list knows
 * the position as the case's first or last event (the middle ones of a case are named by no read model).
 */
export interface MissingAuditLine {
  missing: true;
  caseId: string | null;
  position: number;
  at: string;
  reason: string;
}

/** A task as histories and the case view show it. */
export function taskView(t: TaskFacts): TaskView {
  return {
    stage: t.stage,
    label: t.label,
    role: t.role,
    org: t.org,
    enteredAt: t.enteredAt,
    dueAt: t.dueAt ?? null,
    dueDate: t.dueDate ?? null,
    basis: t.basis ?? null,
    provisional: t.provisional ?? false,
    calendarVersion: t.calendarVersion ?? null,
    ...(t.countsFrom !== undefined ? { countsFrom: t.countsFrom } : {}),
  };
}

/** A case event in the history shape; undefined for an event that belongs to no case. */
export function historyEntry(event: RecordedEvent): HistoryEntry | undefined {
  const m = caseFacts(event);
  if (!m) return undefined;
  return {
    revision: event.revision,
    position: event.position,
    id: event.id,
    type: event.type,
    command: m.command,
    at: m.at,
    actor: { sub: m.actor.sub, ...(m.actor.name ? { name: m.actor.name } : {}), role: m.actor.role, org: m.actor.org },
    machine: { name: m.machine?.name ?? m.process, version: m.machine?.version ?? 1 },
    stateBefore: m.stateBefore,
    stateAfter: m.stateAfter,
    data: event.data,
    deadlines: {
      opened: (m.tasksOpened ?? []).map(taskView),
      closed: m.tasksClosed ?? [],
      restated: m.deadlinesRestated ?? [],
      // Only on the events that have it: every line exported before it existed still reads as it was written.
      ...(m.tasksReassigned ? { reassigned: m.tasksReassigned } : {}),
    },
    ...(m.correlationId ? { correlationId: m.correlationId } : {}),
    ...(m.causationId ? { causationId: m.causationId } : {}),
    hash: m.hash,
    prevHash: m.prevHash,
  };
}

export interface CaseHistory {
  events: HistoryEntry[];
  /** With `asOf`: the instant asked for, and the state the case was in then (null: not started yet). */
  asOf?: string;
  stateAsOf?: string | null;
  /** With `asOf`: the tasks open then, with the deadlines in force then, and whether each was past it. */
  tasksAsOf?: (TaskView & { overdue: boolean })[];
}

/** A case's events in order, in the history shape; with `asOf`, the state it was in at that instant. */
export function caseHistory(events: readonly RecordedEvent[], options: { asOf?: string | Date } = {}): CaseHistory {
  const entries = events.flatMap((e) => historyEntry(e) ?? []);
  if (options.asOf === undefined) return { events: entries };
  const asOf = queryInstant(options.asOf, 'asOf');
  let stateAsOf: string | null = null;
  // The position at asOf: the events up to it folded — the state, and the tasks open with their deadlines then.
  const open = new Map<string, TaskView>();
  for (const e of entries) {
    if (storedInstant(e.at) > asOf) break;
    stateAsOf = e.stateAfter;
    for (const closed of e.deadlines.closed) open.delete(closed.stage);
    for (const r of e.deadlines.restated) {
      const task = open.get(r.stage);
      if (task) open.set(r.stage, { ...task, dueAt: r.new.dueAt, dueDate: r.new.dueDate, provisional: r.new.provisional, calendarVersion: r.new.calendarVersion });
    }
    for (const r of e.deadlines.reassigned ?? []) {
      const task = open.get(r.stage);
      if (task) open.set(r.stage, { ...task, org: r.new.org });
    }
    for (const task of e.deadlines.opened) open.set(task.stage, task);
  }
  const tasksAsOf = [...open.values()].map((t) => ({ ...t, overdue: t.dueAt !== null && storedInstant(t.dueAt) < asOf }));
  return { events: entries, asOf, stateAsOf, tasksAsOf };
}

/**
 * The article each task a case's events opened rests on (its deadline's, as the inbox and the case view give
 * it), by the event's position and the task's stage: a history shows it beside each task opened, where the
 * export's lines, which hold what docs/AUDIT_EXPORT.md lists, do not.
 */
export function openedArticles(events: readonly RecordedEvent[]): (position: number, stage: string) => string | null {
  const byPosition = new Map<number, Map<string, string>>();
  for (const e of events) {
    const opened = caseFacts(e)?.tasksOpened ?? [];
    const articles = new Map(opened.flatMap((t) => (typeof t.article === 'string' ? [[t.stage, t.article] as const] : [])));
    if (articles.size > 0) byPosition.set(e.position, articles);
  }
  return (position, stage) => byPosition.get(position)?.get(stage) ?? null;
}

/** History entries written between turns of the event loop (`historyJson`). */
const HISTORY_ENTRIES_PER_TURN = 200;

/**
 * A history as JSON, in pieces, a turn of the event loop between them: a case of 20,000 usage
 * reports (15 MB of history) was checked against the response schema and written in one go, and held
 * every other request 0.3 s (several readers at once: seconds). The same document as `JSON.stringify`.
 */
export async function* historyJson(history: CaseHistory): AsyncGenerator<string> {
  const { events, ...rest } = history;
  yield '{"events":[';
  for (let i = 0; i < events.length; i += HISTORY_ENTRIES_PER_TURN) {
    if (i > 0) await nextTurn();
    const piece = events.slice(i, i + HISTORY_ENTRIES_PER_TURN).map((e) => JSON.stringify(e)).join(',');
    yield i > 0 ? `,${piece}` : piece;
  }
  const tail = JSON.stringify(rest);
  yield tail === '{}' ? ']}' : `],${tail.slice(1)}`;
}

// ── Export ──────────────────────────────────────────────────────────────────────────────

export interface ExportOptions {
  /**
   * Throws when the read models are not whole in `db`'s snapshot (ReadModels' `checkWhole`): asked in the
   * snapshot the export's period is found in, and again when a case is not in the case list (a rebuild
   * begun while the export streams): a line left out for that would make the file short without saying so.
   */
  checkWhole?: (db: Db) => void;
  /** Events accepted at or after this instant… */
  from: string | Date;
  /** …and before this one. */
  to: string | Date;
  /** Only cases this viewer may see (`canSee` on the case's parties now); needs `directory`. */
  visibleTo?: Viewer;
  directory?: Directory;
}

/**
 * Every event accepted in [from, to), one NDJSON line each, in `$all` order, streamed from the
 * store (the index only bounds the positions): a case event in the history shape plus `caseId` and
 * `process`; a holiday notice as `OtherAuditLine`; no other event of the log (acceptedAt). An event
 * the index filed in the period is in it even when the time it states now says otherwise (its stored
 * content changed since it was folded): its line shows what is stored, which `verify-export` checks.
 */
/** Events an export reads between turns it gives the event loop (a few milliseconds of work). */
const EXPORT_TURN = 200;

export async function* exportEvents(store: EventStore, db: Db, options: ExportOptions): AsyncGenerator<string> {
  const from = queryInstant(options.from, 'from');
  const to = queryInstant(options.to, 'to');
  const { visibleTo, directory } = options;
  if (visibleTo && !directory) throw new InvalidQueryError('visibleTo', '按查看者过滤需要机构目录');
  const { checkWhole } = options;
  const range = db.transaction(() => {
    checkWhole?.(db);
    return db.prepare<[string, string], { lo: number | null; hi: number | null }>('SELECT min(position) AS lo, max(position) AS hi FROM audit_index WHERE at >= ? AND at < ?').get(from, to);
  })();
  if (!range || range.lo === null || range.hi === null) return;
  const seen = new Map<string, boolean>();
  const visible = (caseId: string): boolean => {
    if (!visibleTo || !directory) return true;
    let ok = seen.get(caseId);
    if (ok === undefined) {
      const row = caseRow(db, caseId, directory);
      if (row === undefined) checkWhole?.(db);
      ok = row !== undefined && canSee(directory, visibleTo, row.parties);
      seen.set(caseId, ok);
    }
    return ok;
  };
  // A line of an event no read model names the case of (unreadable, or missing from the log): for whoever may
  // see every case of the province (QA: the provincial auditor's file had none, and verify-export passed it).
  const seesUnnamed = !visibleTo || (directory !== undefined && seesEveryCase(directory, visibleTo));
  const mayRead = (caseId: string | null) => (caseId === null ? seesUnnamed : visible(caseId));
  // The positions the index files in the period, sorted, walked along as the log is, in position order:
  // an event whose stated time is outside the period (one of another period appended late, or an altered
  // one) is in it when filed in it; a position filed that the log no longer holds is a missing line.
  const filed = db.transaction(() => {
    checkWhole?.(db);
    return Float64Array.from(db.prepare<[string, string], number>('SELECT position FROM audit_index WHERE at >= ? AND at < ?').pluck().all(from, to)).sort();
  })();
  let next = 0;
  /** The missing lines the caller may see for the positions filed before `position` the log skipped; `next` then at `position` or past it. */
  const missingBefore = (position: number): string[] => {
    const lines: string[] = [];
    for (; next < filed.length && filed[next]! < position; next++) {
      const line = missingLine(db, filed[next]!);
      if (mayRead(line.caseId)) lines.push(`${JSON.stringify(line)}\n`);
    }
    return lines;
  };
  let read = 0;
  for await (const event of readAllPastUnreadable(store, { fromPosition: range.lo })) {
    // The embedded store reads synchronously, and an async generator resumes in microtasks: without
    // a turn of the event loop now and then, one export of a long log held up every other request.
    if (++read % EXPORT_TURN === 0) await nextTurn();
    const position = event instanceof UnreadableEventError ? event.event.position : event.position;
    // Deleted from the store after the index filed them (compliance QA: left out without a word, and
    // verify-export passed the month's file, though verify and replay named them).
    yield* missingBefore(Math.min(position, range.hi + 1));
    if (position > range.hi) return;
    const filedHere = filed[next] === position;
    if (filedHere) next++;
    // One whose facts the read models could not fold (metadata.ts unfoldableFact: filed at its stored time, as an
    // unreadable one) is a line of its own too: its acceptedAt would throw, and the export was cut there.
    const field = event instanceof UnreadableEventError ? undefined : unfoldableFact(event);
    if (event instanceof UnreadableEventError || field !== undefined) {
      const line = event instanceof UnreadableEventError ? unreadableLine(db, event, from, to) : unreadableLine(db, new UnreadableEventError(event, 'metadata', undefined), from, to, field);
      if (line && mayRead(line.caseId)) yield `${JSON.stringify(line)}\n`;
      continue;
    }
    const at = acceptedAt(event);
    // A time moved out of the period in the store (a year back, say) hid the event from every period's
    // export, and verify-export passed the file (compliance QA): the index keeps the time it was folded at.
    if (at === undefined || ((at < from || at >= to) && !filedHere)) continue;
    const line = auditLine(event);
    if (!line) {
      // Not a case's: a notice of the calendar (acceptedAt), which everyone may read (GET /v1/calendar/:year).
      const actor = (event.metadata as { actor?: unknown }).actor;
      const other: OtherAuditLine = { caseId: null, process: null, stream: event.streamId, revision: event.revision, position: event.position, id: event.id, type: event.type, at, ...(actor !== undefined ? { actor } : {}), data: event.data };
      yield `${JSON.stringify(other)}\n`;
      continue;
    }
    if (!visible(line.caseId)) continue;
    yield `${JSON.stringify(line)}\n`;
  }
  // The log ended before the last positions filed in the period (its last events deleted).
  yield* missingBefore(range.hi + 1);
}

/** The line of a position the index filed that the log no longer holds; its case when the case list knows the position as a case's first or last. */
function missingLine(db: Db, position: number): MissingAuditLine {
  const at = db.prepare<[number], string>('SELECT at FROM audit_index WHERE position = ?').pluck().get(position)!;
  const caseId = db.prepare<[number, number], string>('SELECT case_id FROM cases WHERE case_key = ? OR position = ?').pluck().get(position, position) ?? null;
  return { missing: true, caseId, position, at, reason: `事件日志中已没有这一事件：它于 ${at} 被接受并记入审计索引（位置 ${position}），此后从存储中被删除` };
}

/** The line of an unreadable event in [from, to) (its time and case come from the read models), else undefined. */
function unreadableLine(db: Db, err: UnreadableEventError, from: string, to: string, field?: string): UnreadableAuditLine | undefined {
  const { streamId, revision, position, id, type } = err.event;
  const at = db.prepare<[number], string>('SELECT at FROM audit_index WHERE position = ?').pluck().get(position);
  if (at === undefined || at < from || at >= to) return undefined;
  const caseId = db.prepare<[string], string>('SELECT case_id FROM cases WHERE stream_id = ?').pluck().get(streamId) ?? null;
  const part = err.part === 'data' ? '数据' : '元数据';
  const reason = field !== undefined ? `服务器无法读取这一事件：其元数据的 ${field} 已不是系统写入的内容，存储内容已被改动` : `服务器无法读取这一事件：其${part}已不是有效的 JSON，存储内容已损坏或被改动`;
  return { unreadable: true, caseId, stream: streamId, revision, position, id, type, at, reason };
}

/** A case event as an audit export line (undefined for an event of no case): `npm run verify-export` checks each line against it. */
export function auditLine(event: RecordedEvent): AuditLine | undefined {
  const entry = historyEntry(event);
  const m = caseFacts(event);
  if (!entry || !m) return undefined;
  return { caseId: m.caseId, process: m.process, stream: event.streamId, ...entry, metadata: event.metadata };
}
