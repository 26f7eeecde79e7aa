/**
 * Deadlines kept and missed (API.md `GET /v1/reports/overdue`, `GET /v1/reports/sla`; 第十九条
 * 监督评估 and 通报): one row per task ever opened with a deadline, with the time it was completed —
 * or cancelled, when the case closed it without its work being done (engine `TaskClosed.cancelled`):
 * a cancelled task is never counted as finished, and one cancelled past its deadline is reported.
 *
 * The overdue report is answered from partial indexes (open and late tasks by deadline, open tasks
 * by organisation) and summaries of open tasks kept by triggers (`sla_open_counts` per organisation,
 * `sla_open_groups` per organisation and case facts, for regions), so its cost follows the rows it
 * returns, not the history; working days are counted in JS on the result rows only (O(1) each).
 * Regions are resolved at query time from the stored parties and the directory, so a rebuild never
 * depends on configuration.
 */
import { createHash } from 'node:crypto';
import { levelOf, regionContains, regionPrefix, type Directory } from '../directory/index.js';
import type { RecordedEvent } from '../eventstore/types.js';
import { isCreditCode, isIdNumber, maskedPersonCode } from '../machines/schemas.js';
import { caseKey, caseUnitOfWork, setupCaseKeys } from './caseKeys.js';
import { caseFacts, storedInstant, type SummaryFacts } from './metadata.js';
import { InvalidQueryError, jsonList, orgOrPredecessors, queryInstant, shanghaiDay, workingDaysOverdue, type QueryCalendar } from './query.js';
import type { Db, Projection } from './runner.js';
import { forgetInserts, insertRows, statementCache } from './statements.js';

/** An overdue item's values, in the order of `ItemRow`: deadline first (then case and kind, its order). */
const ITEM_VALUES = 'due_at, case_key, kind, case_id, org, entered_at, due_date, completed_at, provisional, applicant_name, cancelled, provider_org, parties_region, counts_from, restated_from';

/**
 * An overdue item as SQLite writes it in JSON. The report's index (`sla_overdue_items`) holds it,
 * computed when a row is written: the report joins these texts instead of writing every value of
 * every item at each call (SQL about 27 against 42 ms for the bench's 19,948 items, on a slow host;
 * the index takes 0.3 s longer to make at a rebuild's end than one of the bare values). Its query
 * names the same expression, which SQLite then reads from the index (`EXPLAIN`: covering).
 */
const ITEM_JSON = `json_array(${ITEM_VALUES})`;

/**
 * The tasks the overdue report may list: open (past due at an asOf after their deadline), or finished
 * late. One index holds both in deadline order, which SQLite reads straight through: two indexes,
 * merged by SQLite, took 28 against 20 ms for the bench's 19,948 items (p50 of 30, one process).
 * Queries name it as it is written here, so that SQLite sees they read within the index.
 */
const MAY_BE_OVERDUE = '(completed_at IS NULL OR completed_at > due_at)';

/** The report's index: deadline order, the item, and what its filters read (kind for a basis, organisation for a region, entry for a period). */
const ITEM_INDEX = `due_at, case_key, kind, ${ITEM_JSON}, org, entered_at, completed_at`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sla_tasks (
  case_key         INTEGER NOT NULL,
  case_id          TEXT    NOT NULL,
  stage            TEXT    NOT NULL,
  opened_position  INTEGER NOT NULL,
  process          TEXT    NOT NULL,
  kind             INTEGER NOT NULL,
  org              TEXT    NOT NULL,
  entered_at       TEXT    NOT NULL,
  due_at           TEXT    NOT NULL,
  due_date         TEXT,
  provisional      INTEGER NOT NULL,
  calendar_version TEXT,
  completed_at     TEXT,
  provider_org     TEXT,
  parties_region   TEXT,
  applicant_name   TEXT,
  cancelled        INTEGER NOT NULL,
  counts_from      TEXT,
  restated_from    TEXT,
  UNIQUE (case_key, stage, opened_position)
);
-- The names applicants go by in reports (an applicant is no organisation of the directory), as
-- applicantNameForReports gives them: the last one a task of theirs was opened with; person: a
-- natural person, whose code (an ID number) reports mask as they mask the name.
CREATE TABLE IF NOT EXISTS sla_org_names (
  org    TEXT PRIMARY KEY,
  name   TEXT NOT NULL,
  person INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sla_kinds (
  kind    INTEGER PRIMARY KEY,
  process TEXT NOT NULL,
  stage   TEXT NOT NULL,
  label   TEXT NOT NULL,
  role    TEXT NOT NULL,
  basis   TEXT,
  article TEXT
);
`;

/** The trigger created last of the summaries': once it exists, they were filled and are kept. */
const OPEN_COUNTS_KEPT = 'sla_open_summary_changed';

/** A row while the summaries are kept (`OPEN_COUNTS_KEPT` exists). */
const OPEN_COUNTS_KEPT_ROW = `SELECT 1 FROM sqlite_schema WHERE type = 'trigger' AND name = '${OPEN_COUNTS_KEPT}'`;

/** The triggers of the summary per organisation alone, before `sla_open_groups` (dropped at start). */
const OLD_TRIGGERS = ['sla_open_counts_opened', 'sla_open_counts_deleted', 'sla_open_counts_changed'];

/** A summary group's key: the task's organisation and the facts its case's region is found from (JSON tells null from ''). */
const groupKey = (row: 'NEW' | 'OLD' | '') => {
  const c = (column: string) => (row ? `${row}.${column}` : column);
  return `json_array(${c('org')}, ${c('parties_region')}, ${c('provider_org')})`;
};

/**
 * Two summaries of the tasks open now, kept by triggers on `sla_tasks` in the same transaction as
 * the rows they count, however the rows are written:
 * - `sla_open_counts`, per organisation (only organisations with one), for the unfiltered overdue
 *   report;
 * - `sla_open_groups`, per organisation and the facts its tasks' region is found from (the case's
 *   region and provider: an applicant's task counts in its case's region), for a region's report —
 *   every supervisor's, who sees its own region (API.md). Counting its open tasks from the tasks
 *   themselves took 75–106 ms of a report at 107,000 open tasks (about 13,000 groups, nearly all
 *   applicants').
 * The reports correct them for `asOf` by the tasks opened after it (`sla_open_by_entry`) and those
 * finished since (`sla_finished_at`): a few rows when asOf is now, instead of every open task (about
 * 20 of the unfiltered report's ~150 ms at 107,000 open tasks, on a slow host). Covering with
 * completed_at (always NULL there), as `sla_open_by_org`: without it, an asOf months back read the
 * rows of the tasks opened since (`sla_open_entered` was that index without it). Created when the
 * read model has caught up, with the query indexes: a rebuild writes its rows without the triggers
 * and counts them once at its end. Filled only while the last trigger is missing (a first start,
 * after a rebuild, after an upgrade from the summary per organisation alone) or a trigger of that
 * summary is there (that release ran on the file again); its triggers are then dropped, and after
 * that these keep both. The runner runs these statements in one transaction: a commit of another
 * writer between the fill and the triggers would be counted by neither.
 */
function openCounts(): string {
  // Refilled also while a trigger of the summary per organisation alone is there: an earlier release
  // started on this file after this one (a downgrade, a rolling restart) refilled that summary and
  // kept it with its triggers beside these, counting every change twice.
  const refill = `(NOT EXISTS (${OPEN_COUNTS_KEPT_ROW}) OR EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'trigger' AND name IN (${OLD_TRIGGERS.map((t) => `'${t}'`).join(', ')})))`;
  const opened = `INSERT INTO sla_open_counts (org, open) SELECT NEW.org, 1 WHERE NEW.completed_at IS NULL ON CONFLICT (org) DO UPDATE SET open = open + 1;
    INSERT INTO sla_open_groups (key, org, parties_region, provider_org, open) SELECT ${groupKey('NEW')}, NEW.org, NEW.parties_region, NEW.provider_org, 1
      WHERE NEW.completed_at IS NULL ON CONFLICT (key) DO UPDATE SET open = open + 1;`;
  const closed = `UPDATE sla_open_counts SET open = open - 1 WHERE org = OLD.org AND OLD.completed_at IS NULL;
    DELETE FROM sla_open_counts WHERE org = OLD.org AND open = 0;
    UPDATE sla_open_groups SET open = open - 1 WHERE key = ${groupKey('OLD')} AND OLD.completed_at IS NULL;
    DELETE FROM sla_open_groups WHERE key = ${groupKey('OLD')} AND open = 0;`;
  return `
    DROP INDEX IF EXISTS sla_open_entered;
    CREATE INDEX IF NOT EXISTS sla_open_by_entry ON sla_tasks (entered_at, org, completed_at) WHERE completed_at IS NULL;
    CREATE TABLE IF NOT EXISTS sla_open_counts (org TEXT PRIMARY KEY, open INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS sla_open_groups (key TEXT PRIMARY KEY, org TEXT NOT NULL, parties_region TEXT, provider_org TEXT, open INTEGER NOT NULL) WITHOUT ROWID;
    DELETE FROM sla_open_counts WHERE ${refill};
    DELETE FROM sla_open_groups WHERE ${refill};
    INSERT INTO sla_open_counts (org, open) SELECT org, count(*) FROM sla_tasks WHERE completed_at IS NULL AND ${refill} GROUP BY org;
    INSERT INTO sla_open_groups (key, org, parties_region, provider_org, open)
      SELECT ${groupKey('')}, org, parties_region, provider_org, count(*) FROM sla_tasks WHERE completed_at IS NULL AND ${refill} GROUP BY org, parties_region, provider_org;
    ${OLD_TRIGGERS.map((t) => `DROP TRIGGER IF EXISTS ${t};`).join(' ')}
    CREATE TRIGGER IF NOT EXISTS sla_open_summary_opened AFTER INSERT ON sla_tasks WHEN NEW.completed_at IS NULL BEGIN ${opened} END;
    CREATE TRIGGER IF NOT EXISTS sla_open_summary_deleted AFTER DELETE ON sla_tasks WHEN OLD.completed_at IS NULL BEGIN ${closed} END;
    CREATE TRIGGER IF NOT EXISTS ${OPEN_COUNTS_KEPT} AFTER UPDATE OF org, parties_region, provider_org, completed_at ON sla_tasks
      WHEN (OLD.completed_at IS NULL) <> (NEW.completed_at IS NULL)
        OR (OLD.completed_at IS NULL AND (OLD.org <> NEW.org OR OLD.parties_region IS NOT NEW.parties_region OR OLD.provider_org IS NOT NEW.provider_org))
      BEGIN ${closed} ${opened} END;`;
}

/** The reports' indexes (the fold needs none of them: a rebuild creates them at its end). */
const QUERY_INDEXES = [
  // The overdue report reads this one alone (covering, in deadline order), unless filtered by
  // organisation: open tasks and late tasks.
  // sla_open_due and sla_late_due held the item's values, which the report wrote as JSON each time;
  // sla_open_items and sla_late_items held the open and the late apart, which SQLite then merged.
  'DROP INDEX IF EXISTS sla_open_due',
  'DROP INDEX IF EXISTS sla_late_due',
  'DROP INDEX IF EXISTS sla_open_items',
  'DROP INDEX IF EXISTS sla_late_items',
  `CREATE INDEX IF NOT EXISTS sla_overdue_items ON sla_tasks (${ITEM_INDEX}) WHERE ${MAY_BE_OVERDUE}`,
  // Its counts per organisation: the tasks open now… Covering with completed_at (always NULL here):
  // without it SQLite read every open task's row as well (13 against 8 ms at 107,000 open tasks).
  // sla_open_org was that index without it.
  'DROP INDEX IF EXISTS sla_open_org',
  'CREATE INDEX IF NOT EXISTS sla_open_by_org ON sla_tasks (org, parties_region, provider_org, entered_at, process, completed_at) WHERE completed_at IS NULL',
  // …and, for an asOf in the past, the tasks open then and finished since.
  'CREATE INDEX IF NOT EXISTS sla_finished_at ON sla_tasks (completed_at, org, parties_region, provider_org, entered_at) WHERE completed_at IS NOT NULL',
  // The on-time report reads this one alone, in the order of its groups: SQLite counts each group as
  // it passes, with no sort. (Led by completion time, it sorted every task of the period: 1.7 s for
  // 470,000 finished tasks, against 0.13 s read in group order, whatever the period.)
  'CREATE INDEX IF NOT EXISTS sla_finished_by_group ON sla_tasks (org, process, stage, parties_region, provider_org, completed_at, due_at, cancelled) WHERE completed_at IS NOT NULL',
  // The report, unfiltered or by region, counts open tasks from a summary (below) instead of reading all of them.
  openCounts(),
];

const INSERT =
  'INSERT OR IGNORE INTO sla_tasks (case_key, case_id, stage, opened_position, process, kind, org, entered_at, due_at, due_date, provisional, calendar_version, completed_at, provider_org, parties_region, applicant_name, cancelled, counts_from, restated_from)';
const INSERT_KIND = 'INSERT OR IGNORE INTO sla_kinds (kind, process, stage, label, role, basis, article)';
const INSERT_NAME = 'INSERT OR REPLACE INTO sla_org_names (org, name, person)';

/**
 * What a task is, apart from its case and its times: process, stage, label, role and the basis of
 * its deadline, kept once in `sla_kinds` (a few dozen rows) rather than on every task. A report
 * reads one integer per task for five strings, and its items share the kind's strings.
 */
type KindValues = [kind: number, process: string, stage: string, label: string, role: string, basis: string | null, article: string | null];

/**
 * Kinds met by this process, by process and stage (a kind's key is computed once). A stage has one
 * kind per label, role and basis met: compared value by value, which a rebuild does for every task
 * it opens (serialising the six values as the key's text, as before, took 1.2 s of each worker's
 * 55 s in the bench's 1,000,000-event rebuild).
 */
const kindsByStage = new Map<string, KindValues[]>();
let kindsKnown = 0;

/**
 * A kind's key is the first 52 bits of the SHA-1 of its values' JSON: the same in an incremental
 * fold, a rebuild and every rebuild worker. (The chance that two of a thousand kinds share a key is
 * about 10⁻¹⁰; the machines have a few dozen tasks.)
 */
function kindOf(process: string, stage: string, label: string, role: string, basis: string | null, article: string | null): KindValues {
  const at = `${process}\u0000${stage}`;
  let known = kindsByStage.get(at);
  if (known) {
    for (const k of known) if (k[3] === label && k[4] === role && k[5] === basis && k[6] === article) return k;
  } else {
    if (kindsKnown > 10_000) {
      kindsByStage.clear();
      kindsKnown = 0;
    }
    kindsByStage.set(at, (known = []));
  }
  const text = JSON.stringify([process, stage, label, role, basis, article]);
  const kind: KindValues = [Number.parseInt(createHash('sha1').update(text).digest('hex').slice(0, 13), 16), process, stage, label, role, basis, article];
  known.push(kind);
  kindsKnown++;
  return kind;
}

const statements = statementCache((db: Db) => ({
  complete: db.prepare<unknown[]>('UPDATE sla_tasks SET completed_at = ?, cancelled = ? WHERE case_key = ? AND stage = ? AND completed_at IS NULL'),
  completeCase: db.prepare<unknown[]>('UPDATE sla_tasks SET completed_at = ?, cancelled = 1 WHERE case_key = ? AND completed_at IS NULL'),
  // SQLite assigns from the row as it was: `restated_from` takes the date replaced, when the date moved (as the inbox's).
  restate: db.prepare<unknown[]>(
    'UPDATE sla_tasks SET restated_from = CASE WHEN due_date IS NOT ? THEN due_date ELSE restated_from END, due_at = ?, due_date = ?, provisional = ?, calendar_version = ? WHERE case_key = ? AND stage = ? AND completed_at IS NULL',
  ),
  reassign: db.prepare<unknown[]>('UPDATE sla_tasks SET org = ? WHERE case_key = ? AND stage = ? AND completed_at IS NULL'),
  kinds: db.prepare<[], KindValues>('SELECT kind, process, stage, label, role, basis, article FROM sla_kinds').raw(true),
  openCountsKept: db.prepare<[], 1>(OPEN_COUNTS_KEPT_ROW).pluck(),
  openedAfter: db
    .prepare<{ asOf: string | undefined; cap: number }, number>('SELECT count(*) FROM (SELECT 1 FROM sla_tasks WHERE completed_at IS NULL AND entered_at > @asOf LIMIT @cap)')
    .pluck(),
}));

/** A row of `sla_tasks`, in column order. */
type SlaRowValues = [
  caseKey: number,
  caseId: string,
  stage: string,
  openedPosition: number,
  process: string,
  kind: number,
  org: string,
  enteredAt: string,
  dueAt: string,
  dueDate: string | null,
  provisional: number,
  calendarVersion: string | null,
  completedAt: string | null,
  providerOrg: string | null,
  partiesRegion: string | null,
  applicantName: string | null,
  cancelled: number,
  countsFrom: string | null,
  restatedFrom: string | null,
];
const ORG = 6;
const DUE_AT = 8;
const DUE_DATE = 9;
const PROVISIONAL = 10;
const CALENDAR_VERSION = 11;
const COMPLETED_AT = 12;
const APPLICANT_NAME = 15;
const CANCELLED = 16;
const RESTATED_FROM = 18;

/**
 * One transaction's changes: rows opened in it are kept in memory until `flush` (a task opened and
 * finished in one batch is inserted once, finished); changes to rows stored earlier are queued.
 */
class Work {
  /** Rows opened in this transaction and still open, by case key, then stage. */
  readonly open = new Map<number, Map<string, SlaRowValues>>();
  /** Every row opened in this transaction, in order. */
  fresh: SlaRowValues[] = [];
  /** Rows opened in this transaction, by case (a final case finishes them all). */
  readonly byCase = new Map<number, SlaRowValues[]>();
  /** Statements for rows stored before this transaction, in order. */
  readonly stored: ['complete' | 'completeCase' | 'restate' | 'reassign', unknown[]][] = [];
  /** Cases whose first event is in this transaction: no open row of theirs is stored. */
  readonly newCases = new Set<number>();
  /** Cases that went final (a rebuild worker's `settle` forgets them). */
  readonly finals: number[] = [];
  /** The kinds of the rows opened in this transaction, by key. */
  readonly kinds = new Map<number, KindValues>();
  /** Applicants' names for reports, by organisation code. */
  readonly names = new Map<string, [name: string, person: number]>();
}

const work = caseUnitOfWork(() => new Work());

export const slaProjection: Projection = {
  name: 'sla',
  // 8: applicants that are natural persons are marked (their codes are masked in reports).
  // 9: so are those of events stored before the summary said which applicants were persons.
  // 10: counts_from, the day a deadline's count starts when not the day of entry.
  // 11: restated_from, the due date a holiday notice replaced (the overdue report's `restatedFrom`).
  version: 11,
  queryIndexes: QUERY_INDEXES,
  setup(db) {
    setupCaseKeys(db);
    db.exec(SCHEMA);
  },
  clear(db) {
    db.exec('DROP TABLE IF EXISTS sla_tasks; DROP TABLE IF EXISTS sla_kinds; DROP TABLE IF EXISTS sla_org_names; DROP TABLE IF EXISTS sla_open_counts;');
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
    let open = w.open.get(key);
    for (const closed of f.tasksClosed ?? []) {
      const at = storedInstant(closed.completedAt);
      const row = open?.get(closed.stage);
      const cancelled = closed.cancelled === true ? 1 : 0;
      if (row) {
        row[COMPLETED_AT] = at;
        row[CANCELLED] = cancelled;
        open!.delete(closed.stage);
      } else if (stored) w.stored.push(['complete', [at, cancelled, key, closed.stage]]);
    }
    const parties = f.parties ?? {};
    for (const t of f.tasksOpened ?? []) {
      if (t.dueAt === undefined) continue; // a notice: information only, never late
      const kind = kindOf(f.process, t.stage, t.label ?? t.stage, t.role, t.basis ?? null, t.article ?? null);
      w.kinds.set(kind[0], kind);
      const row: SlaRowValues = [
        key,
        f.caseId,
        t.stage,
        event.position,
        f.process,
        kind[0],
        t.org ?? '',
        storedInstant(t.enteredAt),
        storedInstant(t.dueAt),
        t.dueDate ?? null,
        t.provisional ? 1 : 0,
        t.calendarVersion ?? null,
        null,
        parties.providerOrg ?? null,
        parties.region ?? null,
        t.org === parties.applicantOrg ? applicantNameForReports(f.summary, t.org) : null,
        0,
        t.countsFrom ?? null,
        null,
      ];
      const applicantName = row[APPLICANT_NAME];
      if (applicantName !== null && t.org) w.names.set(t.org, [applicantName, applicantIsPerson(f.summary, t.org) ? 1 : 0]);
      if (!open) w.open.set(key, (open = new Map()));
      open.set(t.stage, row);
      w.fresh.push(row);
      const list = w.byCase.get(key);
      if (list) list.push(row);
      else w.byCase.set(key, [row]);
    }
    for (const r of f.deadlinesRestated ?? []) {
      const row = open?.get(r.stage);
      const dueAt = storedInstant(r.new.dueAt);
      if (row) {
        if (row[DUE_DATE] !== r.new.dueDate) row[RESTATED_FROM] = row[DUE_DATE];
        row[DUE_AT] = dueAt;
        row[DUE_DATE] = r.new.dueDate;
        row[PROVISIONAL] = r.new.provisional ? 1 : 0;
        row[CALENDAR_VERSION] = r.new.calendarVersion;
      } else if (stored) w.stored.push(['restate', [r.new.dueDate, dueAt, r.new.dueDate, r.new.provisional ? 1 : 0, r.new.calendarVersion, key, r.stage]]);
    }
    // 机构改革: an open task's lateness is reported under whoever holds it now (the history tells who held it before).
    for (const r of f.tasksReassigned ?? []) {
      const row = open?.get(r.stage);
      if (row) row[ORG] = r.new.org;
      else if (stored) w.stored.push(['reassign', [r.new.org, key, r.stage]]);
    }
    // A final case has no open task (the engine closes them all; this keeps the report honest if not: such a task was not done).
    if (f.final) {
      const at = storedInstant(f.at);
      for (const row of w.byCase.get(key) ?? []) {
        if (row[COMPLETED_AT] !== null) continue;
        row[COMPLETED_AT] = at;
        row[CANCELLED] = 1;
      }
      w.open.delete(key);
      w.finals.push(key);
      if (stored) w.stored.push(['completeCase', [at, key]]);
    }
  },
  flush(db) {
    const w = work.take(db);
    if (!w) return;
    writeQueued(db, w);
    insertRows(db, INSERT, w.fresh);
  },
  settle(db) {
    const w = work.settle(db);
    if (!w) return;
    writeQueued(db, w);
    w.stored.length = 0;
    w.kinds.clear();
    w.names.clear();
    // A finished row never changes again; an open one waits (it may be finished or re-stated yet).
    const open: SlaRowValues[] = [];
    const finished: SlaRowValues[] = [];
    for (const row of w.fresh) (row[COMPLETED_AT] === null ? open : finished).push(row);
    insertRows(db, INSERT, finished);
    w.fresh = open;
    for (const [key, rows] of w.byCase) {
      const still = rows.filter((row) => row[COMPLETED_AT] === null);
      if (still.length === 0) w.byCase.delete(key);
      else w.byCase.set(key, still);
    }
    for (const [key, stages] of w.open) if (stages.size === 0) w.open.delete(key);
    for (const key of w.finals) w.newCases.delete(key);
    w.finals.length = 0;
  },
  discard(db) {
    work.discard(db);
  },
};

/** Writes a unit of work's changes to stored rows, the kinds its new rows name and the applicants' names. */
function writeQueued(db: Db, w: Work): void {
  const s = statements.of(db);
  for (const [statement, args] of w.stored) s[statement].run(...args);
  insertRows(db, INSERT_KIND, [...w.kinds.values()]);
  insertRows(db, INSERT_NAME, [...w.names].map(([org, [name, person]]) => [org, name, person]));
}

/**
 * Names for a report's organisations (`orgs`, read in one query): the directory's; an applicant (in
 * no directory) by the name its tasks were opened with, masked if a person (`applicantNameForReports`);
 * else the code itself. One query for all: thousands of applicants one by one cost 25 ms a report.
 */
function orgNamer(db: Db, directory: Directory, orgs: Iterable<string>): (org: string) => string {
  const unknown = [...new Set(orgs)].filter((org) => directory.get(org) === undefined);
  const stored =
    unknown.length === 0
      ? new Map<string, string>()
      : new Map(
          db
            .prepare<[string], [string, string]>('SELECT org, name FROM sla_org_names WHERE org IN (SELECT value FROM json_each(?))')
            .raw(true)
            .all(JSON.stringify(unknown)),
        );
  return (org) => orgNameOf(directory, org, stored.get(org) ?? null);
}

// ── Shared filters ──────────────────────────────────────────────────────────────────────

interface Filters {
  /**
   * Only tasks of organisations in this region or below (the task's organisation's region), with the
   * regions it took over (机构改革, `containsNow`, as `canSee`) and the abolished organisations whose
   * successor is in it (`worksWithin`): a supervisor's report counts what it sees (第十九条).
   */
  region?: string;
  /** Only tasks assigned to this organisation, or to one whose duties it took over (机构改革: as its inbox holds them). */
  org?: string;
  process?: string;
  /** Only stages whose deadline has this basis (statute, policy, agreement): a 通报 on statutory deadlines alone. */
  basis?: string;
}

/**
 * SQL conditions for `process`, `org` and the directory's part of `region`, and the region test
 * done in JS on what SQL keeps (an organisation outside the directory, an applicant, counts in its
 * case's region).
 */
function filters(db: Db, f: Filters, directory: Directory) {
  const where: string[] = [];
  const params: Record<string, string> = {};
  if (f.process !== undefined) {
    where.push('process = @process');
    params.process = f.process;
  }
  if (f.basis !== undefined) {
    where.push('kind IN (SELECT kind FROM sla_kinds WHERE basis = @basis)');
    params.basis = f.basis;
  }
  const region = f.region;
  const inRegion = regionTest(directory, region);
  if (f.org !== undefined) {
    // 机构改革: the abolished organisations whose open tasks its inbox holds (predecessorsOf) are its own
    // here too: filtered by the bare code, a merged unit's report read "nothing overdue" beside an inbox of late work.
    const own = orgOrPredecessors('org', 'org', filteredOrg(db, directory, f.org, inRegion), directory);
    where.push(own.sql);
    Object.assign(params, own.params);
  }
  const others = where.map((w) => ` AND ${w}`).join('');
  if (region !== undefined) {
    const orgs = directory.list();
    // 第十九条 (监督评估), 机构改革: the region and the regions it took over (a city merged into it), and an
    // abolished organisation whose successor is in it (县改区: the new district answers for the old county's unit), as canSee.
    params.orgsWithin = jsonList(orgs.filter((o) => directory.worksWithin(region, o.code)).map((o) => o.code));
    params.orgsKnown = jsonList(orgs.map((o) => o.code));
    params.region = region;
    // '' for none: no region's prefix is empty.
    params.regionPrefix = regionPrefix(region) ?? '';
    // The regions taken over that `containsNow` adds (none without a merger), and the cities among
    // them, whose regions below are added too: the directory's regions are the only ones taken over.
    const taken = [...new Set(orgs.map((o) => o.region))].filter((r) => directory.regionTakenOver(r) !== undefined && directory.containsNow(region, r) && !regionContains(region, r));
    params.regionsTaken = jsonList(taken);
    params.citiesTaken = jsonList(taken.filter((r) => levelOf(r) === 'city').map((r) => regionPrefix(r)!));
  }
  const and = region === undefined ? others : `${others} AND ${REGION_SQL}`;
  const countsAnd = region === undefined ? others : `${others} AND ${REGION_FACTS_SQL}`;
  return { and, countsAnd, params, inRegion, onlyRegion: others === '' };
}

/** Whether a task (its organisation, its case's region and provider) counts in a region (`Filters.region`); none, every task. */
type InRegion = (org: string, partiesRegion: string | null, providerOrg: string | null) => boolean;

/**
 * The region test done in JS: the task's organisation's region; an applicant's task (an organisation
 * outside the directory) counts in its case's region, found from the case's facts alone: decided once
 * per organisation, or once per pair of facts (thousands of applicants share a few hundred).
 */
function regionTest(directory: Directory, region: string | undefined): InRegion {
  if (region === undefined) return () => true;
  const byOrg = new Map<string, boolean>();
  const byFacts = new Map<string, boolean>();
  return (org, partiesRegion, providerOrg) => {
    let yes = byOrg.get(org);
    if (yes !== undefined) return yes;
    if (directory.get(org) !== undefined) {
      // 机构改革: by its own region or its successor's (`@orgsWithin`).
      yes = directory.worksWithin(region, org);
      byOrg.set(org, yes);
      return yes;
    }
    const key = `${partiesRegion ?? '\u0001'}\u0000${providerOrg ?? '\u0001'}`;
    yes = byFacts.get(key);
    if (yes === undefined) {
      // The case's region (caseRegion): where it is addressed, else where its provider works (`@orgsWithin`, as REGION_FACTS_SQL).
      yes = partiesRegion !== null ? directory.containsNow(region, partiesRegion) : providerOrg !== null && directory.worksWithin(region, providerOrg);
      byFacts.set(key, yes);
    }
    return yes;
  };
}

/** A task of an organisation of the directory in the region (`@orgsWithin`)… */
const ORG_WITHIN = 'org IN (SELECT value FROM json_each(@orgsWithin))';
/** …or of one outside the directory (`@orgsKnown`), whose case decides. */
const ORG_UNKNOWN = 'org NOT IN (SELECT value FROM json_each(@orgsKnown))';

/** The SQL part of the region test: an organisation of the directory in the region, or one outside the directory (decided in JS). */
const REGION_SQL = `(${ORG_WITHIN} OR ${ORG_UNKNOWN})`;

/**
 * The whole region test in SQL, where the case's facts can be read (the open tasks' summary by case
 * facts, and the indexes the counts read): one outside the directory is in the region when its case
 * is addressed to it or to a region within it (`regionContains`: the region itself, or a code that
 * starts with its `regionPrefix`; `@regionPrefix` is '' for a county, which contains no other), or,
 * addressed nowhere, when its provider is (or its successor, 机构改革: `@orgsWithin` is `worksWithin`). The counts trust it, so they come per organisation from
 * SQL: a city's report no longer reads, names and parses the province's thousands of applicants'
 * groups to drop them in JS. 机构改革 (`containsNow`): also when it is addressed to a region taken
 * over (`@regionsTaken`) or within a city taken over (`@citiesTaken`, `cityOf`: its first 4 digits,
 * a province's code being its own city). A test checks it against `containsNow` and `worksWithin`
 * for every region, with a city merged into another and without.
 */
const REGION_FACTS_SQL = `(${ORG_WITHIN} OR (${ORG_UNKNOWN} AND CASE
  WHEN parties_region IS NULL THEN provider_org IN (SELECT value FROM json_each(@orgsWithin))
  ELSE parties_region = @region OR (@regionPrefix <> '' AND substr(parties_region, 1, length(@regionPrefix)) = @regionPrefix)
    OR parties_region IN (SELECT value FROM json_each(@regionsTaken))
    OR (substr(parties_region, 1, 4) IN (SELECT value FROM json_each(@citiesTaken)) AND substr(parties_region, -4) <> '0000') END))`;

/**
 * Whether an applicant is a natural person, as its case's summary says (`applicantKind`). Events
 * stored before the summary recorded the kind (83311c1) carry none: an applicant whose code is an
 * ID number, or no 统一社会信用代码, is then taken for a person — a report may not name people in full
 * because an old release did not say they were people.
 */
export function applicantIsPerson(summary: SummaryFacts | undefined, applicantOrg: string | undefined): boolean {
  if (summary?.applicantKind !== undefined) return summary.applicantKind === 'person';
  return applicantOrg === undefined || isIdNumber(applicantOrg) || !isCreditCode(applicantOrg);
}

/**
 * The applicant's name as supervisors' reports show it: an organisation's in full; a natural
 * person's with all but its first character masked (王立新 → 王**). 个人信息保护法 第六条: 最小必要 —
 * a report on deadlines needs to tell applicants apart, not to name people. Only the masked form
 * is stored in this read model. With no kind recorded (events stored before 83311c1), an
 * organisation is named by its code, as the reports of those releases named it: the summary's name
 * was then whoever sent an objection, a person.
 */
export function applicantNameForReports(summary: SummaryFacts | undefined, applicantOrg?: string): string | null {
  const name = summary?.applicant;
  if (name === undefined) return null;
  if (!applicantIsPerson(summary, applicantOrg)) return summary?.applicantKind === undefined ? null : name;
  const [first = '', ...rest] = Array.from(name);
  return first + '*'.repeat(rest.length);
}

/**
 * A natural person's code (an ID number) as reports show it: its first three and last two
 * characters (11010519491231002X → 110*************2X). Like the name, enough to tell applicants
 * apart on a 通报, not to identify anyone.
 */
export function personCodeForReports(code: string): string {
  return maskedPersonCode(code);
}

/** The codes, among `orgs`, of applicants that are natural persons, masked (`personCodeForReports`). */
function maskedPersons(db: Db, directory: Directory, orgs: Iterable<string>): Map<string, string> {
  const shown = new Set(orgs);
  const masked = new Map<string, string>();
  for (const [org, code] of personMasks(db, directory)) if (shown.has(org)) masked.set(org, code);
  return masked;
}

/**
 * Every applicant that is a natural person, by code, with the code reports show for it. Two people
 * whose codes mask alike (same first three and last two characters: every Shandong ID starts 37)
 * stay apart: the second and later, in code order among all applicants, get (2), (3)… — numbered
 * over them all, not over a report's rows, so a person reads the same in every report, and the
 * code a report shows names one person when a supervisor filters by it (`filters`).
 */
function personMasks(db: Db, directory: Directory): Map<string, string> {
  // The people among all applicants (a few, against thousands of organisations in a report): one short scan.
  const persons = db
    .prepare<[], string>('SELECT org FROM sla_org_names WHERE person = 1 ORDER BY org')
    .pluck()
    .all()
    .filter((org) => directory.get(org) === undefined);
  const masked = new Map<string, string>();
  const seen = new Map<string, number>();
  for (const org of persons) {
    const code = personCodeForReports(org);
    const n = (seen.get(code) ?? 0) + 1;
    seen.set(code, n);
    masked.set(org, n === 1 ? code : `${code}(${n})`);
  }
  return masked;
}

/**
 * The organisation a report's `org` filter names: a natural person's code as reports show it
 * (370*************31) is that person's — a supervisor drilling down from a row of byOrg read an
 * empty report, "nothing overdue", of someone with late work. A code of the directory (public) is
 * taken as it is; any other — an applicant's, masked or not — only when it held a stage the caller's
 * report counts (`inRegion`), and else refused (`UNKNOWN_ORG`) as one no one holds: asked across the
 * province, a city's supervisor learnt from 200 against 400 whether a company, a person's login id or
 * a masked ID number had applied anywhere (security QA), where an applicant is found in the caller's
 * region or not at all (api/routes/work.ts).
 */
function filteredOrg(db: Db, directory: Directory, org: string, inRegion: InRegion): string {
  if (directory.get(org) !== undefined) return org;
  const code = org.includes('*') ? maskedOne(db, directory, org) : org;
  if (code !== undefined && heldWithin(db, code, inRegion)) return code;
  // As an unknown region is refused (api/routes/work.ts): a mistyped code (370100-gajj) answered an
  // empty report, which reads as "nothing overdue there" (supervisors' QA).
  throw new InvalidQueryError('org', UNKNOWN_ORG);
}

/**
 * The person a masked code names, as a report shows it; else, typed in another case (a lower-case x
 * of an ID number, 370*************2x), the one person it names so. Not the whole code upper-cased:
 * a login id's mask (per*********20) then named no one (security QA).
 */
function maskedOne(db: Db, directory: Directory, typed: string): string | undefined {
  const masks = [...personMasks(db, directory)];
  const exact = masks.find(([, shown]) => shown === typed);
  if (exact) return exact[0];
  const alike = masks.filter(([, shown]) => shown.toUpperCase() === typed.toUpperCase());
  return alike.length === 1 ? alike[0]![0] : undefined;
}

/** The refusal of an `org` filter that names no organisation of the directory and no holder of any task. */
export const UNKNOWN_ORG = '未知的机构：机构目录中没有该机构，报表中也没有由它办理的环节';

/** Whether `org` held any stage, open or finished, that counts in the region (each half of the table has an index led by org). */
function heldWithin(db: Db, org: string, inRegion: InRegion): boolean {
  for (const half of ['completed_at IS NULL', 'completed_at IS NOT NULL']) {
    const tasks = db.prepare<[string], [string | null, string | null]>(`SELECT parties_region, provider_org FROM sla_tasks WHERE org = ? AND ${half}`).raw(true);
    for (const [partiesRegion, providerOrg] of tasks.iterate(org)) {
      if (inRegion(org, partiesRegion, providerOrg)) return true;
    }
  }
  return false;
}

function orgNameOf(directory: Directory, org: string, applicantName: string | null): string {
  // An organisation of the directory by its name (an abolished one's marked 已撤销); one it lacks, by its code.
  return directory.get(org) ? directory.nameOf(org) : (applicantName ?? org);
}

// ── Overdue report ──────────────────────────────────────────────────────────────────────

export interface OverdueQuery extends Filters {
  asOf: string | Date;
  /** Only stages entered at or after this instant. */
  from?: string | Date;
  /** Only stages entered before this instant. */
  to?: string | Date;
  directory: Directory;
  calendar: QueryCalendar;
  /**
   * Items read per JSON text from SQLite, a positive integer; given, they are read in such texts,
   * sorted and limited by SQLite (tests make it small). Default: all at once, then in texts of
   * `ITEMS_PER_TEXT` if that one text is too long.
   */
  itemsPerText?: number;
  /** A text splits into pieces before the items of cases whose key this divides (default `CASE_KEYS_PER_PIECE`; tests make it small). */
  caseKeysPerPiece?: number;
  /** The longest JSON text read in one piece, in bytes (default `TEXT_BYTES_MAX`; tests make it small). */
  textBytesMax?: number;
  /**
   * The most open tasks entered after `asOf` for which the open counts still come from the summary
   * (default: `SUMMARY_CORRECTION_MAX`, and fewer than the summary saves reading; tests set 0 to
   * count from the tasks, or more to force it).
   */
  summaryCorrectionMax?: number;
  /** Called in the report's read snapshot before anything of it is read: throws when the read models there are not whole (ReadModels' `checkWhole`). */
  checkWhole?: (db: Db) => void;
}

export interface OverdueItem {
  caseId: string;
  process: string;
  stage: string;
  label: string;
  org: string;
  orgName: string;
  enteredAt: string;
  dueAt: string;
  /** Set when the stage was finished (late) by `asOf`. */
  completedAt?: string;
  /** Working days past the due day: up to `asOf` while open, up to `completedAt` once finished. */
  workingDaysOverdue: number | null;
  /** `statute` or `policy` (PROCESSES.md: reported as policy, not statute), or `agreement`. */
  basis: string | null;
  article: string | null;
  provisional: boolean;
  /**
   * The day the deadline's count started (Beijing date), given only when it was not the day of entry:
   * a day the case agreed (access to grant, conditionalApplication v3+: from the agreed start of use).
   */
  countsFrom?: string;
  /**
   * The due date a State Council holiday notice replaced when it moved this deadline (YYYY-MM-DD), as
   * the inbox gives it; the last one, when notices moved it more than once. Absent when none moved it.
   */
  restatedFrom?: string;
  /** Still open past its deadline at `asOf`, finished after it, or cancelled after it without being done. */
  status: 'open' | 'finishedLate' | 'cancelledLate';
}

export interface OrgOverdue {
  org: string;
  orgName: string;
  /** Tasks of the organisation open at `asOf` (late or not). */
  open: number;
  /** Of those, past their deadline. */
  overdue: number;
  /** Finished after their deadline, by `asOf`. */
  finishedLate: number;
  /** Cancelled after their deadline without being done (the case withdrawn or ended), by `asOf`. */
  cancelledLate: number;
}

export interface OverdueReport {
  asOf: string;
  items: OverdueItem[];
  byOrg: OrgOverdue[];
}

type ItemRow = [
  dueAt: string,
  caseKey: number,
  kind: number,
  caseId: string,
  org: string,
  enteredAt: string,
  dueDate: string | null,
  completedAt: string | null,
  provisional: number,
  applicantName: string | null,
  cancelled: number,
  providerOrg: string | null,
  partiesRegion: string | null,
  countsFrom: string | null,
  restatedFrom: string | null,
];

type CountRow = [org: string, count: number, applicantName: string | null];

/**
 * Every stage past its deadline at `asOf`: open past due (not completed by `asOf`, due before it)
 * or finished after its deadline; most overdue first (deadline, then the older case). `byOrg`
 * counts per organisation.
 */
export function overdueReport(db: Db, query: OverdueQuery): OverdueReport {
  // One snapshot for the rows, the counts and the kinds, names and masks read after them.
  const run = (): OverdueReport => {
    const steps = overdueSteps(db, query, undefined);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
    }
  };
  return db.inTransaction ? run() : db.transaction(run)();
}

/** How a report is made in turns (`overdueReportInTurns`). */
export interface InTurns {
  /** Gives the event loop a turn (a `setImmediate`; tests count them, or hold one). */
  turn: () => Promise<void>;
  /** Items read, made or written between two turns (default `ITEMS_PER_TURN`). */
  itemsPerTurn?: number;
  /**
   * The caller no longer wants the report (its client went away): making it stops at the next turn,
   * rejecting with the signal's reason, and the read transaction ends. A province's report took 0.7–1.6 s
   * of a reader connection (of at most 4) at 1,000,000 events, made to its end for no one.
   */
  signal?: AbortSignal;
}

/**
 * Items read, made or written between two turns of the event loop: about 2 ms of a slow host's
 * time each (a province's 20,000 items then make the report in about a hundred turns).
 */
export const ITEMS_PER_TURN = 500;

/**
 * The overdue report `overdueReport` makes, the same to the byte, made in steps of `itemsPerTurn`
 * items with a turn of the event loop between them: a province's report held every command of the
 * server 0.7–1.6 s at 1,000,000 events, made in one go. `db` is a connection of its own (read-only,
 * to the read models' file): its read transaction stays open across the turns, so that the items
 * and the counts are read from one snapshot — every command answered before it begins, none after —
 * while the commands write on theirs (WAL), and an open `iterate()` keeps a connection busy.
 */
export async function overdueReportInTurns(db: Db, query: OverdueQuery, options: InTurns): Promise<OverdueReport> {
  const perTurn = options.itemsPerTurn ?? ITEMS_PER_TURN;
  if (!Number.isSafeInteger(perTurn) || perTurn < 1) throw new RangeError(`itemsPerTurn must be a positive integer, not ${perTurn}`);
  if (db.inTransaction) throw new RangeError('a report in turns reads in a transaction of its own: the connection is in one');
  options.signal?.throwIfAborted();
  const steps = overdueSteps(db, query, perTurn);
  try {
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      await options.turn();
      options.signal?.throwIfAborted();
    }
  } finally {
    // Left early (a turn failed, or the caller gave up): the steps' own `finally` ends the read transaction.
    steps.return(undefined as never);
  }
}

/**
 * The overdue report in steps: each `yield` is a place for a turn of the event loop. Without
 * `perTurn`, read at once in one transaction as SQLite joins the items (`itemPieces`); with it, a
 * read transaction of its own is held across the steps while the items are read `perTurn` at a time.
 */
function* overdueSteps(db: Db, query: OverdueQuery, perTurn: number | undefined): Generator<void, OverdueReport> {
  const asOf = queryInstant(query.asOf, 'asOf');
  const { and: filterSql, countsAnd: countsFilterSql, params, inRegion, onlyRegion } = filters(db, query, query.directory);
  let period = '';
  const p: Record<string, string> = { ...params, asOf };
  if (query.from !== undefined) {
    period += ' AND entered_at >= @from';
    p.from = queryInstant(query.from, 'from');
  }
  if (query.to !== undefined) {
    period += ' AND entered_at < @to';
    p.to = queryInstant(query.to, 'to');
  }
  const and = filterSql + period;
  // Items and counts from one snapshot: the caller's transaction, or one of their own.
  const bytesMax = query.textBytesMax ?? TEXT_BYTES_MAX;
  const correctionMax = query.summaryCorrectionMax;
  if (correctionMax !== undefined && (!Number.isSafeInteger(correctionMax) || correctionMax < 0)) {
    throw new RangeError(`summaryCorrectionMax must be a non-negative integer, not ${correctionMax}`);
  }
  const readCounts = () => countRows(db, query.region !== undefined, countsFilterSql + period, p, bytesMax, correctionMax, onlyRegion && period === '');
  if (perTurn === undefined) {
    // In the caller's transaction (`overdueReport` holds one): the kinds, names and masks read below too.
    query.checkWhole?.(db);
    const pieces = itemPieces(db, and, p, query.itemsPerText, query.caseKeysPerPiece ?? CASE_KEYS_PER_PIECE, bytesMax);
    return yield* reportOf(db, query, asOf, inRegion, () => parsedPieces(pieces), readCounts(), perTurn);
  }
  // A read transaction held to the report's end, across turns: the kinds, names and masks read after the
  // rows are of their snapshot too. Changes QA: read after its COMMIT, a rebuild's reset between gave a
  // supervisor a 200 with every stage blank and natural persons' codes unmasked.
  db.exec('BEGIN');
  try {
    query.checkWhole?.(db);
    const rows = yield* itemRowsInTurns(db, and, p, perTurn);
    return yield* reportOf(db, query, asOf, inRegion, () => rows, readCounts(), perTurn);
  } finally {
    // A read transaction: nothing to keep or undo. Left early (the client went), it ends here too.
    if (db.inTransaction) db.exec('COMMIT');
  }
}

/** The rest of `overdueSteps`: the items and counts read, made into the report (names and masks read in the same snapshot). */
function* reportOf(
  db: Db,
  query: OverdueQuery,
  asOf: string,
  inRegion: ReturnType<typeof filters>['inRegion'],
  batches: () => Iterable<ItemRow[]>,
  counts: CountRow[],
  perTurn: number | undefined,
): Generator<void, OverdueReport> {
  // The counts' query (a province's: ~13,000 groups at 1,000,000 events) is a step of its own.
  yield;
  const { directory, calendar } = query;
  const byOrg = new Map<string, OrgOverdue>();
  /** A new organisation's counts (callers look for it first). */
  const tally = (org: string, name: string): OrgOverdue => {
    const t = { org, orgName: name, open: 0, overdue: 0, finishedLate: 0, cancelledLate: 0 };
    byOrg.set(org, t);
    return t;
  };
  const asOfDay = shanghaiDay(asOf);
  const kinds = new Map(statements.of(db).kinds.all().map((k) => [k[0], k]));
  const items: OverdueItem[] = [];
  /** Makes the items of `batches`, in their order; false, with items half made, as soon as they are out of the report's order. */
  const add = function* (batches: Iterable<ItemRow[]>): Generator<void, boolean> {
    // Items keep one copy of each organisation (its tally's) and deadline (rows come in deadline
    // order: a run of one deadline shares its first copy, and its working days overdue while open).
    let dueAt = '';
    let dueDateOfRun: string | null = null;
    let openOverdue: number | null = null;
    let last: ItemRow | undefined;
    for (const rows of batches) {
      for (const r of rows) {
        if (last !== undefined && compareItems(last, r) > 0) return false;
        last = r;
        const [dueAtRead, , kind, caseId, orgRead, enteredAt, dueDate, completedAt, provisional, applicantName, cancelled, providerOrg, partiesRegion, countsFrom, restatedFrom] = r;
        if (!inRegion(orgRead, partiesRegion, providerOrg)) continue;
        if (dueAtRead !== dueAt || dueDate !== dueDateOfRun) {
          dueAt = dueAtRead;
          dueDateOfRun = dueDate;
          openOverdue = overdueOn(calendar, asOf, asOfDay, dueAt, dueDate);
        }
        const t = byOrg.get(orgRead) ?? tally(orgRead, orgNameOf(directory, orgRead, applicantName));
        const [, process, stage, label, , basis, article] = kinds.get(kind) ?? unknownKind(kind);
        const finished = completedAt !== null && completedAt <= asOf;
        const item: OverdueItem = {
          caseId,
          process,
          stage,
          label,
          org: t.org,
          orgName: t.orgName,
          enteredAt,
          dueAt,
          completedAt: finished ? completedAt : undefined,
          workingDaysOverdue: finished ? workingDaysOverdue(calendar, completedAt, dueAt, dueDate) : openOverdue,
          basis,
          article,
          provisional: provisional === 1,
          status: !finished ? 'open' : cancelled === 1 ? 'cancelledLate' : 'finishedLate',
        };
        if (countsFrom !== null) item.countsFrom = countsFrom;
        if (restatedFrom !== null) item.restatedFrom = restatedFrom;
        items.push(item);
        if (!finished) t.overdue++;
        else if (cancelled === 1) t.cancelledLate++;
        else t.finishedLate++;
      }
      yield;
    }
    return true;
  };
  // SQLite joins the items in the order it reads them: the index's, the report's. That is checked,
  // not assumed: an organisation filter leads SQLite to other indexes (in no such order), and the
  // items are then made again, sorted (for the bench log's 800 items of one bureau, 24 against 20 ms
  // when SQLite sorted them).
  if (!(yield* add(batches()))) {
    items.length = 0;
    byOrg.clear();
    const sorted = [...batches()].flat().sort(compareItems);
    yield* add(perTurn === undefined ? [sorted] : slices(sorted, perTurn));
  }
  // Counted in the region by SQL alone (`REGION_FACTS_SQL`).
  for (const [org, count, applicantName] of counts) (byOrg.get(org) ?? tally(org, orgNameOf(directory, org, applicantName))).open += count;
  yield;
  // An applicant by the name the on-time report gives it (`orgNamer`: the last its tasks were opened
  // with), not by its first task's here: a task stored before the summary said what the applicant was
  // (83311c1) keeps no name, and named by its code an organisation whose later tasks name it in full.
  const named = orgNamer(db, directory, byOrg.keys());
  const renamed = new Map<string, string>();
  for (const t of byOrg.values()) {
    const name = named(t.org);
    if (name !== t.org && name !== t.orgName) renamed.set(t.org, (t.orgName = name));
  }
  if (renamed.size > 0) for (const item of items) item.orgName = renamed.get(item.org) ?? item.orgName;
  // Counts come in parts (summarised, less those opened after asOf, plus those finished since), which
  // may sum to none: an organisation with nothing open and nothing late is not listed.
  for (const [org, t] of byOrg) if (t.open === 0 && t.overdue === 0 && t.finishedLate === 0 && t.cancelledLate === 0) byOrg.delete(org);
  const masked = maskedPersons(db, directory, byOrg.keys());
  yield;
  if (masked.size > 0) {
    for (const item of items) item.org = masked.get(item.org) ?? item.org;
    for (const t of byOrg.values()) t.org = masked.get(t.org) ?? t.org;
  }
  return {
    asOf,
    items,
    byOrg: [...byOrg.values()].sort((a, b) => b.overdue - a.overdue || b.finishedLate - a.finishedLate || (a.org < b.org ? -1 : a.org > b.org ? 1 : 0)),
  };
}

/**
 * The report as JSON, exactly as `JSON.stringify(report)` writes it (the API answered that), in
 * pieces of `perPiece` items or organisations: a province's 16.6 MB written at once held the event
 * loop as long as the report took to make.
 */
export function* overdueJsonPieces(report: OverdueReport, perPiece: number): Generator<string> {
  yield `{"asOf":${JSON.stringify(report.asOf)},"items":[`;
  yield* listPieces(report.items, perPiece);
  yield '],"byOrg":[';
  yield* listPieces(report.byOrg, perPiece);
  yield ']}';
}

/** The members of a JSON array of `list`, comma-separated, `perPiece` at a time. */
function* listPieces(list: readonly unknown[], perPiece: number): Generator<string> {
  let i = 0;
  for (const slice of slices(list, perPiece)) {
    const text = JSON.stringify(slice);
    yield `${i === 0 ? '' : ','}${text.slice(1, -1)}`;
    i++;
  }
}

/**
 * The most open tasks entered after asOf for which the unfiltered report corrects the summary of
 * open tasks rather than counting the tasks: the correction is sorted by organisation, the count
 * reads every open task in organisation order. On the bench's log (107,000 open tasks), with the
 * summary: 74 against 48 ms a report at an asOf ten months back (every open task entered since),
 * 219 against 150 ms one month back; at asOf now, about 20 ms less. Fewer still when the summary
 * saves little: a correction costs about 3 rows read of the count (`correctionMaxOf`).
 */
const SUMMARY_CORRECTION_MAX = 5_000;

/**
 * The summary is read when its rows and the correction cost less than reading every open task; a
 * correction's row, sorted, is taken to cost about 3 rows read (an estimate, not a measurement).
 * QA, on 2,040 open tasks: a fixed 5,000 made an asOf months back 1.9× slower (6.2 against 3.4 ms).
 */
function correctionMaxOf(summaryRows: number, openTasks: number): number {
  return Math.min(SUMMARY_CORRECTION_MAX, Math.floor((openTasks - summaryRows) / 3));
}

/** Items read per JSON text, at most, once all of them made a text too long (the bench's 19,948 items make one of 3.8 MB). */
const ITEMS_PER_TEXT = 50_000;

/**
 * The longest JSON text read in one piece, in bytes. A string of more than 2^29 − 24 UTF-16 code
 * units cannot be made in V8, and better-sqlite3 then aborts the process; a text has at most as many
 * code units as UTF-8 bytes. An item is about 170 bytes, but an applicant's name may be 10,000
 * characters: texts over this (or over SQLite's own limit, 1,000,000,000 bytes) are read again in
 * texts of a tenth as many items.
 */
const TEXT_BYTES_MAX = 500_000_000;

/**
 * The overdue report's rows as JSON pieces (`PIECE_SEPARATOR`; `parsedPieces` reads them), deadline
 * first (then case, then kind): still open, and finished late (by asOf or after it: then it was open
 * past due at asOf), from one covering index in deadline order (`MAY_BE_OVERDUE`; with an
 * organisation filter SQLite reads other indexes, in no such order: the caller checks). Each row's
 * item is JSON that the index holds (`ITEM_JSON`), joined by SQLite; one `JSON.parse` reads a piece.
 * Handing 20,000 rows of 11 values to JS one value at a time took about a third longer (p50 77–89
 * against 59–62 ms for the items alone, on a slow host). Given `perText`, or when all of them make a
 * text too long, they are read in texts of `perText` rows, sorted and limited by SQLite, each after
 * the rows read before it: one stage entered twice on one day can have two rows of one key, so a
 * text starts at an offset, not after a key. The caller reads in one transaction, so that every
 * text sees the same rows, and checks their order.
 */
function itemPieces(db: Db, and: string, params: Record<string, string>, perText: number | undefined, perPiece: number, bytesMax: number): string[] {
  if (perText !== undefined && (!Number.isSafeInteger(perText) || perText < 1)) throw new RangeError(`itemsPerText must be a positive integer, not ${perText}`);
  if (!Number.isSafeInteger(perPiece) || perPiece < 1) throw new RangeError(`caseKeysPerPiece must be a positive integer, not ${perPiece}`);
  const where = overdueWhere(and);
  const p = { ...params, perPiece };
  // At once, in the order SQLite reads them (the index's, unless a filter leads it to others), when
  // they fit in one text: with no subquery to sort and limit them, the SQL takes about 20 against
  // 25 ms for the bench's items.
  if (perText === undefined) {
    const whole = joinedText(db, ITEM_JSON, `FROM sla_tasks ${where}`, p, bytesMax, PIECE_SEPARATOR);
    if (whole) return whole.items > 0 ? whole.text.split('\n') : [];
  }
  const paged = (perText: number): string[] => {
    const items = `FROM (SELECT case_key, ${ITEM_JSON} AS item FROM sla_tasks ${where} ORDER BY due_at, case_key, kind LIMIT ${perText} OFFSET @offset)`;
    const pieces: string[] = [];
    for (let read = 0; ; ) {
      const joined = joinedText(db, 'item', items, { ...p, offset: read }, bytesMax, PIECE_SEPARATOR);
      if (!joined) {
        if (perText === 1) throw new RangeError(`an overdue item's JSON text is longer than ${bytesMax} bytes`);
        return paged(Math.ceil(perText / 10));
      }
      if (joined.items > 0) pieces.push(...joined.text.split('\n'));
      read += joined.items;
      if (joined.items < perText) return pieces;
    }
  };
  return paged(perText ?? ITEMS_PER_TEXT);
}

/**
 * Items' texts are joined by a comma, or, before an item of a case whose key is a multiple of
 * `CASE_KEYS_PER_PIECE` (about one item in 512, at places that matter to nothing but memory), by
 * `]`, a line feed and `[`. JSON never holds a bare line feed, so the array splits there into
 * arrays, each read by one `JSON.parse` with no copy (a piece is a slice of the text); a piece's
 * rows are garbage once its items are made. A young-generation collection during a report then
 * copies the items alone, not every row as well: for the bench's 19,948 items, about 9 against 13 MB
 * promoted per report.
 */
const PIECE_SEPARATOR = "CASE WHEN case_key % @perPiece = 0 THEN ']' || char(10) || '[' ELSE ',' END";
const CASE_KEYS_PER_PIECE = 512;

/** The rows the overdue report may list, with the filters `and` adds (`itemPieces`, `itemRowsInTurns`). */
const overdueWhere = (and: string) => `WHERE ${MAY_BE_OVERDUE} AND due_at < @asOf AND entered_at <= @asOf${and}`;

/**
 * The overdue report's rows, as `itemPieces` reads them (the same query, in the order SQLite reads
 * it), `perTurn` at a time with a step between: each row's item text (`ITEM_JSON`) as SQLite holds it
 * in the index, a step's texts read by one `JSON.parse`. The statement stays open across the steps
 * (its connection is busy until it ends), and ends when they do, whichever way.
 */
function* itemRowsInTurns(db: Db, and: string, params: Record<string, string>, perTurn: number): Generator<void, ItemRow[][]> {
  const texts = db.prepare<Record<string, string>, string>(`SELECT ${ITEM_JSON} FROM sla_tasks ${overdueWhere(and)}`).pluck().iterate(params);
  const batches: ItemRow[][] = [];
  let batch: string[] = [];
  for (const text of texts) {
    batch.push(text);
    if (batch.length < perTurn) continue;
    batches.push(JSON.parse(`[${batch.join(',')}]`) as ItemRow[]);
    batch = [];
    yield;
  }
  if (batch.length > 0) batches.push(JSON.parse(`[${batch.join(',')}]`) as ItemRow[]);
  return batches;
}

/** `list` in slices of `size`. */
function* slices<T>(list: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < list.length; i += size) yield list.slice(i, i + size);
}

/** The rows of each piece (`itemPieces`), one piece read at a time. */
function* parsedPieces(pieces: readonly string[]): Generator<ItemRow[]> {
  for (const piece of pieces) yield JSON.parse(piece) as ItemRow[];
}

/**
 * Open tasks counted per organisation, in parts the caller sums: one organisation may have two
 * rows. Without any filter but `regionAtMost` a region, and with few tasks opened after asOf
 * (`correctionMaxOf`), from the summary kept by triggers: `sla_open_counts` as it is (in organisation
 * order, no sort), or for a region `sla_open_groups` summed per organisation; then per organisation
 * the tasks opened after asOf taken away and those finished since added (none of either when asOf is
 * now). Otherwise, organisations counted as they are (in the index's order, no sort), with the tasks
 * finished since. A region is tested in SQL alone (`REGION_FACTS_SQL`). Each
 * organisation's name for reports comes beside its count, for applicants (in no directory): one
 * lookup each in SQL (thousands of them from JS cost 15–25 ms a report). One JSON text, as items;
 * row by row if that text would be too long (`TEXT_BYTES_MAX`: applicants' names are long).
 */
function countRows(
  db: Db,
  byRegion: boolean,
  and: string,
  params: Record<string, string>,
  bytesMax: number,
  correctionMax: number | undefined,
  regionAtMost: boolean,
): CountRow[] {
  // Unfiltered, or by region alone: the open tasks counted now, less those opened after asOf, plus those finished since.
  const summary = byRegion ? 'sla_open_groups' : 'sla_open_counts';
  const s = statements.of(db);
  let summarised = regionAtMost && s.openCountsKept.get() !== undefined;
  if (summarised) {
    let most = correctionMax;
    if (most === undefined) {
      // Prepared here, not with the fold's statements: the table exists once its last trigger does.
      const [rows, open] = db.prepare<[], [number, number]>(`SELECT count(*), total(open) FROM ${summary}`).raw(true).get()!;
      most = correctionMaxOf(rows, open);
    }
    summarised = s.openedAfter.get({ asOf: params.asOf, cap: most + 1 })! <= most;
  }
  // Tasks finished since asOf come one row each, by completion time, grouped with the rest: grouped
  // in their own branch, SQLite would read every finished task in organisation order instead.
  const finishedSince = `SELECT org, 1 AS n FROM sla_tasks WHERE completed_at > @asOf AND entered_at <= @asOf${and}`;
  const parts = summarised
    ? `${byRegion ? `SELECT org, sum(open) AS n FROM sla_open_groups WHERE TRUE${and} GROUP BY org` : 'SELECT org, open AS n FROM sla_open_counts'}
       UNION ALL
       SELECT org, sum(n) FROM (
         SELECT org, -1 AS n FROM sla_tasks WHERE completed_at IS NULL AND entered_at > @asOf${and}
         UNION ALL
         ${finishedSince}
       ) GROUP BY org`
    : `SELECT org, sum(n) AS n FROM (
         SELECT org, count(*) AS n FROM sla_tasks WHERE completed_at IS NULL AND entered_at <= @asOf${and} GROUP BY org
         UNION ALL
         ${finishedSince}
       ) GROUP BY org`;
  const counts = `SELECT c.org, c.n, (SELECT name FROM sla_org_names n WHERE n.org = c.org) AS name FROM (${parts}) AS c`;
  return rowsAsJson<CountRow>(db, 'org, n, name', counts, params, bytesMax) ?? db.prepare<Record<string, string>, CountRow>(counts).raw(true).all(params);
}

/**
 * The texts of `item` (JSON) of the rows of `from` (`FROM …`) as one JSON array, joined in SQL by
 * `separator` (SQL: at most 3 bytes) in the order SQLite reads them, and how many; undefined when
 * the text would be longer than `bytesMax` or than SQLite allows. The length is summed beside the
 * join, not measured on it: an expression over the joined text would be computed twice.
 */
function joinedText(db: Db, item: string, from: string, params: Record<string, unknown>, bytesMax: number, separator = "','"): { text: string; items: number } | undefined {
  let row: [text: string | null, items: number] | undefined;
  try {
    row = db
      .prepare<Record<string, unknown>, [string | null, number]>(
        `SELECT CASE WHEN total(octet_length(${item})) + 3 * count(*) + 2 <= @bytesMax THEN '[' || group_concat(${item}, ${separator}) || ']' END, count(*) ${from}`,
      )
      .raw(true)
      .get({ ...params, bytesMax });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'SQLITE_TOOBIG') throw error;
    return undefined;
  }
  const [text, items] = row!;
  if (items === 0) return { text: '[]', items };
  return text === null ? undefined : { text, items };
}

/** The rows of `query` as JSON arrays of `columns`, read by one `JSON.parse` (see `joinedText`). */
function rowsAsJson<R>(db: Db, columns: string, query: string, params: Record<string, unknown>, bytesMax: number): R[] | undefined {
  const joined = joinedText(db, `json_array(${columns})`, `FROM (${query})`, params, bytesMax);
  return joined && (JSON.parse(joined.text) as R[]);
}

/**
 * The report's order: deadline, case, kind; then (one stage entered twice on one day) the item's
 * JSON, as the index orders it, so that a report read through another index (an organisation
 * filter) lists such items in the same order as the whole report.
 */
function compareItems(a: ItemRow, b: ItemRow): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  const c = a[1] - b[1] || a[2] - b[2];
  if (c !== 0) return c;
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A kind missing from `sla_kinds` (never: a task's kind is written in its transaction), shown as such rather than failing the report. */
function unknownKind(kind: number): KindValues {
  return [kind, '', '', '', '', null, null];
}

const overdueByDueDate = new WeakMap<QueryCalendar, Map<string, number | null>>();

/** Working days overdue at `asOf` (one day for every open item of a report): remembered per calendar by due date. */
function overdueOn(calendar: QueryCalendar, asOf: string, asOfDay: string, dueAt: string, dueDate: string | null): number | null {
  if (asOf <= dueAt || dueDate === null) return workingDaysOverdue(calendar, asOf, dueAt, dueDate);
  let memo = overdueByDueDate.get(calendar);
  if (!memo) overdueByDueDate.set(calendar, (memo = new Map()));
  const key = `${asOfDay}|${dueDate}`;
  let n = memo.get(key);
  if (n === undefined) {
    n = workingDaysOverdue(calendar, asOf, dueAt, dueDate);
    if (memo.size > 10_000) memo.clear();
    memo.set(key, n);
  }
  return n;
}

// ── On-time rates ───────────────────────────────────────────────────────────────────────

export type SlaGroupBy = 'org' | 'process' | 'stage';

export interface SlaQuery extends Filters {
  /** Stages finished at or after this instant… */
  from: string | Date;
  /** …and before this one. */
  to: string | Date;
  /** `stage` keys are `process.stage` (the deadline rules' keys): one stage name means different deadlines in different processes. */
  groupBy: SlaGroupBy;
  /** `openOverdue` counts tasks open and past due at this instant. Default: `to`. */
  asOf?: string | Date;
  directory: Directory;
  /** Chinese names of processes for `name` (e.g. the registry's titles). */
  processTitle?: (process: string) => string | undefined;
  /** Chinese names of stages for `name` (e.g. the machines' task labels). */
  stageLabel?: (process: string, stage: string) => string | undefined;
}

export interface SlaRow {
  key: string;
  /** The organisation's, process's or stage's name. */
  name: string;
  /** Done in the period (a cancelled task is not: see `cancelled`). */
  finished: number;
  onTime: number;
  late: number;
  /** Closed in the period without being done: the case withdrawn or ended before the work was (第十九条: not counted as finished). */
  cancelled: number;
  /** Of those, closed after their deadline had passed: late, though not counted in the rate. */
  cancelledLate: number;
  /**
   * groupBy=stage: the basis of the stage's deadline (statute, policy, agreement); null for organisations
   * and processes, which mix them — but for a report filtered by `basis`, where every row has it.
   */
  basis: string | null;
  /** onTime / finished, 4 decimals; null when nothing finished. */
  onTimeRate: number | null;
  /** Tasks open at `asOf` past their deadline. */
  openOverdue: number;
}

export interface SlaReport {
  from: string;
  to: string;
  asOf: string;
  groupBy: SlaGroupBy;
  rows: SlaRow[];
}

type GroupRow = [org: string, process: string, stage: string, partiesRegion: string | null, providerOrg: string | null, count: number, onTime: number, cancelled: number, cancelledLate: number];

/** The basis of each stage's deadline (`process.stage`), from its kinds; the stages whose kinds differ in it are named by all of theirs. */
function stageBases(db: Db): Map<string, string> {
  const found = new Map<string, Set<string>>();
  for (const [, process, stage, , , basis] of statements.of(db).kinds.all()) {
    if (basis === null) continue;
    const key = `${process}.${stage}`;
    const set = found.get(key) ?? new Set<string>();
    set.add(basis);
    found.set(key, set);
  }
  return new Map([...found].map(([key, set]) => [key, [...set].sort().join(',')]));
}

/** On-time rates of stages finished in [from, to), grouped (第十九条 通报). */
export function slaReport(db: Db, query: SlaQuery): SlaReport {
  if (!['org', 'process', 'stage'].includes(query.groupBy)) throw new InvalidQueryError('groupBy', '应为 org、process、stage 之一');
  const from = queryInstant(query.from, 'from');
  const to = queryInstant(query.to, 'to');
  const asOf = queryInstant(query.asOf ?? to, 'asOf');
  const { and, params, inRegion } = filters(db, query, query.directory);
  const groups = 'GROUP BY org, process, stage, parties_region, provider_org';
  // Read in group order from sla_finished_by_group, counted as they pass: the unary + keeps SQLite
  // from seeking by completion time instead, and then sorting the whole period to group it.
  const finished = db
    .prepare<Record<string, string>, GroupRow>(
      `SELECT org, process, stage, parties_region, provider_org, total(NOT cancelled), total(NOT cancelled AND completed_at <= due_at), total(cancelled), total(cancelled AND completed_at > due_at)
       FROM sla_tasks WHERE completed_at IS NOT NULL AND +completed_at >= @from AND +completed_at < @to${and} ${groups}`,
    )
    .raw(true)
    .all({ ...params, from, to });
  const openOverdue = db
    .prepare<Record<string, string>, GroupRow>(
      `SELECT org, process, stage, parties_region, provider_org, count(*), 0, 0, 0 FROM (
         SELECT org, process, stage, parties_region, provider_org FROM sla_tasks
         WHERE completed_at IS NULL AND due_at < @asOf AND entered_at <= @asOf${and}
         UNION ALL
         SELECT org, process, stage, parties_region, provider_org FROM sla_tasks
         WHERE completed_at > due_at AND due_at < @asOf AND completed_at > @asOf AND entered_at <= @asOf${and}
       ) ${groups}`,
    )
    .raw(true)
    .all({ ...params, asOf });

  const { directory } = query;
  const rows = new Map<string, SlaRow>();
  const orgName = query.groupBy === 'org' ? orgNamer(db, directory, [...finished, ...openOverdue].map((g) => g[0])) : (org: string) => directory.nameOf(org);
  const nameOf = (org: string, process: string, stage: string): string => {
    if (query.groupBy === 'org') return orgName(org);
    if (query.groupBy === 'process') return query.processTitle?.(process) ?? process;
    return query.stageLabel?.(process, stage) ?? stage;
  };
  const bases = query.groupBy === 'stage' ? stageBases(db) : undefined;
  const row = (g: GroupRow): SlaRow => {
    const [org, process, stage] = g;
    const key = query.groupBy === 'org' ? org : query.groupBy === 'process' ? process : `${process}.${stage}`;
    let r = rows.get(key);
    if (!r) {
      // Filtered by a basis, every stage counted has it: said on each row, as the CSV's 时限依据 (supervisors' QA: blank, so nothing in the file said so).
      const basis = query.basis ?? bases?.get(key) ?? null;
      r = { key, name: nameOf(org, process, stage), finished: 0, onTime: 0, late: 0, cancelled: 0, cancelledLate: 0, onTimeRate: null, openOverdue: 0, basis };
      rows.set(key, r);
    }
    return r;
  };
  for (const g of finished) {
    if (!inRegion(g[0], g[3], g[4])) continue;
    const r = row(g);
    r.finished += g[5];
    r.onTime += g[6];
    r.cancelled += g[7];
    r.cancelledLate += g[8];
  }
  for (const g of openOverdue) {
    if (!inRegion(g[0], g[3], g[4])) continue;
    row(g).openOverdue += g[5];
  }
  if (query.groupBy === 'org') {
    const masked = maskedPersons(db, directory, rows.keys());
    for (const r of rows.values()) r.key = masked.get(r.key) ?? r.key;
  }
  const list = [...rows.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const r of list) {
    r.late = r.finished - r.onTime;
    r.onTimeRate = r.finished > 0 ? Math.round((r.onTime / r.finished) * 10_000) / 10_000 : null;
  }
  return { from, to, asOf, groupBy: query.groupBy, rows: list };
}
