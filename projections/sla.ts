/**
 * Deadlines kept and missed (API.md `GET /v1/reports/overdue`, `GET /v1/reports/sla`; 第十九条
 * 监督评估 and 通报): one row per task ever opened with a deadline, with the time it was completed.
 *
 * The overdue report is answered from partial indexes (open tasks by deadline, late tasks by
 * deadline, open tasks by organisation), so its cost follows the rows it returns, not the history;
 * working days are counted in JS on the result rows only (O(1) each). Regions are resolved at query
 * time from the stored parties and the directory, so a rebuild never depends on configuration.
 */
import { caseRegion, regionContains, type Directory } from '../directory/index.js';
import type { RecordedEvent } from '../eventstore/types.js';
import { caseKey } from './caseKeys.js';
import { caseFacts, storedInstant } from './metadata.js';
import { InvalidQueryError, queryInstant, workingDaysOverdue, type QueryCalendar } from './query.js';
import type { Db, Projection } from './runner.js';
import { statementCache } from './statements.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sla_tasks (
  case_key         INTEGER NOT NULL,
  case_id          TEXT    NOT NULL,
  stage            TEXT    NOT NULL,
  opened_position  INTEGER NOT NULL,
  process          TEXT    NOT NULL,
  label            TEXT    NOT NULL,
  role             TEXT    NOT NULL,
  org              TEXT    NOT NULL,
  entered_at       TEXT    NOT NULL,
  due_at           TEXT    NOT NULL,
  due_date         TEXT,
  basis            TEXT,
  article          TEXT,
  provisional      INTEGER NOT NULL,
  calendar_version TEXT,
  completed_at     TEXT,
  provider_org     TEXT,
  parties_region   TEXT,
  applicant_name   TEXT,
  UNIQUE (case_key, stage, opened_position)
);
CREATE INDEX IF NOT EXISTS sla_open_due ON sla_tasks (due_at) WHERE completed_at IS NULL;
CREATE INDEX IF NOT EXISTS sla_late_due ON sla_tasks (due_at) WHERE completed_at > due_at;
CREATE INDEX IF NOT EXISTS sla_open_org ON sla_tasks (org, parties_region, provider_org, entered_at, process) WHERE completed_at IS NULL;
CREATE INDEX IF NOT EXISTS sla_completed ON sla_tasks (completed_at) WHERE completed_at IS NOT NULL;
`;

const statements = statementCache((db: Db) => ({
  open: db.prepare(
    `INSERT OR IGNORE INTO sla_tasks (case_key, case_id, stage, opened_position, process, label, role, org, entered_at, due_at, due_date, basis, article, provisional, calendar_version, completed_at, provider_org, parties_region, applicant_name)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)`,
  ),
  complete: db.prepare('UPDATE sla_tasks SET completed_at = ? WHERE case_key = ? AND stage = ? AND completed_at IS NULL'),
  completeCase: db.prepare('UPDATE sla_tasks SET completed_at = ? WHERE case_key = ? AND completed_at IS NULL'),
  restate: db.prepare('UPDATE sla_tasks SET due_at = ?, due_date = ?, provisional = ?, calendar_version = ? WHERE case_key = ? AND stage = ? AND completed_at IS NULL'),
}));

export const slaProjection: Projection = {
  name: 'sla',
  version: 1,
  setup(db) {
    db.exec(SCHEMA);
  },
  clear(db) {
    db.exec('DROP TABLE IF EXISTS sla_tasks;');
    statements.forget(db);
  },
  apply(event: RecordedEvent, db) {
    const f = caseFacts(event);
    if (!f) return;
    const s = statements.of(db);
    const key = caseKey(db, f.caseId, event);
    for (const closed of f.tasksClosed ?? []) s.complete.run(storedInstant(closed.completedAt), key, closed.stage);
    for (const t of f.tasksOpened ?? []) {
      if (t.dueAt === undefined) continue; // a notice: information only, never late
      const parties = f.parties ?? {};
      s.open.run(
        key,
        f.caseId,
        t.stage,
        event.position,
        f.process,
        t.label ?? t.stage,
        t.role,
        t.org ?? '',
        storedInstant(t.enteredAt),
        storedInstant(t.dueAt),
        t.dueDate ?? null,
        t.basis ?? null,
        t.article ?? null,
        t.provisional ? 1 : 0,
        t.calendarVersion ?? null,
        parties.providerOrg ?? null,
        parties.region ?? null,
        t.org === parties.applicantOrg ? (f.summary?.applicant ?? null) : null,
      );
    }
    for (const r of f.deadlinesRestated ?? []) {
      s.restate.run(storedInstant(r.new.dueAt), r.new.dueDate, r.new.provisional ? 1 : 0, r.new.calendarVersion, key, r.stage);
    }
    // A final case has no open task (the engine closes them all; this keeps the report honest if not).
    if (f.final) s.completeCase.run(storedInstant(f.at), key);
  },
};

// ── Shared filters ──────────────────────────────────────────────────────────────────────

interface Filters {
  /** Only tasks of organisations in this region or below (the task's organisation's region). */
  region?: string;
  /** Only tasks assigned to this organisation. */
  org?: string;
  process?: string;
}

/** SQL conditions for `process` and `org`, and the region test done in JS. */
function filters(f: Filters, directory: Directory) {
  const where: string[] = [];
  const params: Record<string, string> = {};
  if (f.process !== undefined) {
    where.push('process = @process');
    params.process = f.process;
  }
  if (f.org !== undefined) {
    where.push('org = @org');
    params.org = f.org;
  }
  const and = where.map((w) => ` AND ${w}`).join('');
  const region = f.region;
  const inRegion =
    region === undefined
      ? () => true
      : (org: string, partiesRegion: string | null, providerOrg: string | null) => {
          // The task's organisation's region; an applicant's task counts in its case's region.
          const r =
            directory.get(org)?.region ??
            caseRegion(directory, { ...(partiesRegion !== null ? { region: partiesRegion } : {}), ...(providerOrg !== null ? { providerOrg } : {}) });
          return r !== undefined && regionContains(region, r);
        };
  return { and, params, inRegion };
}

function orgNameOf(directory: Directory, org: string, applicantName: string | null): string {
  return directory.get(org)?.name ?? applicantName ?? org;
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
  /** Still open past its deadline at `asOf`, or finished after it. */
  status: 'open' | 'finishedLate';
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
}

export interface OverdueReport {
  asOf: string;
  items: OverdueItem[];
  byOrg: OrgOverdue[];
}

type ItemRow = [
  caseId: string,
  stage: string,
  process: string,
  label: string,
  org: string,
  enteredAt: string,
  dueAt: string,
  dueDate: string | null,
  completedAt: string | null,
  basis: string | null,
  article: string | null,
  provisional: number,
  providerOrg: string | null,
  partiesRegion: string | null,
  applicantName: string | null,
];

type CountRow = [org: string, partiesRegion: string | null, providerOrg: string | null, count: number];

const ITEM_COLUMNS =
  'case_id, stage, process, label, org, entered_at, due_at, due_date, completed_at, basis, article, provisional, provider_org, parties_region, applicant_name';

/**
 * Every stage past its deadline at `asOf`: open past due (not completed by `asOf`, due before it)
 * or finished after its deadline; most overdue first. `byOrg` counts per organisation.
 */
export function overdueReport(db: Db, query: OverdueQuery): OverdueReport {
  const asOf = queryInstant(query.asOf, 'asOf');
  const { and: filterSql, params, inRegion } = filters(query, query.directory);
  let and = filterSql;
  const p: Record<string, string> = { ...params, asOf };
  if (query.from !== undefined) {
    and += ' AND entered_at >= @from';
    p.from = queryInstant(query.from, 'from');
  }
  if (query.to !== undefined) {
    and += ' AND entered_at < @to';
    p.to = queryInstant(query.to, 'to');
  }
  const rows = db
    .prepare<Record<string, string>, ItemRow>(
      `SELECT ${ITEM_COLUMNS} FROM sla_tasks WHERE completed_at IS NULL AND due_at < @asOf AND entered_at <= @asOf${and}
       UNION ALL
       SELECT ${ITEM_COLUMNS} FROM sla_tasks WHERE completed_at > due_at AND due_at < @asOf AND entered_at <= @asOf${and}
       ORDER BY due_at, case_id, stage`,
    )
    .raw(true)
    .all(p);
  const counts = db
    .prepare<Record<string, string>, CountRow>(
      `SELECT org, parties_region, provider_org, count(*) FROM sla_tasks WHERE completed_at IS NULL AND entered_at <= @asOf${and}
       GROUP BY org, parties_region, provider_org
       UNION ALL
       SELECT org, parties_region, provider_org, count(*) FROM sla_tasks WHERE completed_at > @asOf AND entered_at <= @asOf${and}
       GROUP BY org, parties_region, provider_org`,
    )
    .raw(true)
    .all(p);

  const { directory, calendar } = query;
  const byOrg = new Map<string, OrgOverdue>();
  const tally = (org: string, name: () => string): OrgOverdue => {
    let t = byOrg.get(org);
    if (!t) {
      t = { org, orgName: name(), open: 0, overdue: 0, finishedLate: 0 };
      byOrg.set(org, t);
    }
    return t;
  };
  const items: OverdueItem[] = [];
  for (const r of rows) {
    const [caseId, stage, process, label, org, enteredAt, dueAt, dueDate, completedAt, basis, article, provisional, providerOrg, partiesRegion, applicantName] = r;
    if (!inRegion(org, partiesRegion, providerOrg)) continue;
    const finished = completedAt !== null && completedAt <= asOf;
    const orgName = orgNameOf(directory, org, applicantName);
    items.push({
      caseId,
      process,
      stage,
      label,
      org,
      orgName,
      enteredAt,
      dueAt,
      ...(finished ? { completedAt } : {}),
      workingDaysOverdue: workingDaysOverdue(calendar, finished ? completedAt : asOf, dueAt, dueDate),
      basis,
      article,
      provisional: provisional === 1,
      status: finished ? 'finishedLate' : 'open',
    });
    const t = tally(org, () => orgName);
    if (finished) t.finishedLate++;
    else t.overdue++;
  }
  for (const [org, partiesRegion, providerOrg, count] of counts) {
    if (!inRegion(org, partiesRegion, providerOrg)) continue;
    tally(org, () => directory.nameOf(org)).open += count;
  }
  return {
    asOf,
    items,
    byOrg: [...byOrg.values()].sort((a, b) => b.overdue - a.overdue || b.finishedLate - a.finishedLate || (a.org < b.org ? -1 : a.org > b.org ? 1 : 0)),
  };
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
}

export interface SlaRow {
  key: string;
  /** The organisation's, process's or stage's name. */
  name: string;
  finished: number;
  onTime: number;
  late: number;
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

type GroupRow = [org: string, process: string, stage: string, label: string, partiesRegion: string | null, providerOrg: string | null, count: number, onTime: number];

/** On-time rates of stages finished in [from, to), grouped (第十九条 通报). */
export function slaReport(db: Db, query: SlaQuery): SlaReport {
  if (!['org', 'process', 'stage'].includes(query.groupBy)) throw new InvalidQueryError('groupBy', 'one of org, process, stage');
  const from = queryInstant(query.from, 'from');
  const to = queryInstant(query.to, 'to');
  const asOf = queryInstant(query.asOf ?? to, 'asOf');
  const { and, params, inRegion } = filters(query, query.directory);
  const groups = 'GROUP BY org, process, stage, parties_region, provider_org';
  const finished = db
    .prepare<Record<string, string>, GroupRow>(
      `SELECT org, process, stage, max(label), parties_region, provider_org, count(*), total(completed_at <= due_at)
       FROM sla_tasks WHERE completed_at >= @from AND completed_at < @to${and} ${groups}`,
    )
    .raw(true)
    .all({ ...params, from, to });
  const openOverdue = db
    .prepare<Record<string, string>, GroupRow>(
      `SELECT org, process, stage, max(label), parties_region, provider_org, count(*), 0 FROM (
         SELECT org, process, stage, label, parties_region, provider_org FROM sla_tasks
         WHERE completed_at IS NULL AND due_at < @asOf AND entered_at <= @asOf${and}
         UNION ALL
         SELECT org, process, stage, label, parties_region, provider_org FROM sla_tasks
         WHERE completed_at > due_at AND due_at < @asOf AND completed_at > @asOf AND entered_at <= @asOf${and}
       ) ${groups}`,
    )
    .raw(true)
    .all({ ...params, asOf });

  const { directory } = query;
  const rows = new Map<string, SlaRow>();
  const row = (g: GroupRow): SlaRow => {
    const [org, process, stage, label] = g;
    const key = query.groupBy === 'org' ? org : query.groupBy === 'process' ? process : `${process}.${stage}`;
    let r = rows.get(key);
    if (!r) {
      const name = query.groupBy === 'org' ? directory.nameOf(org) : query.groupBy === 'process' ? (query.processTitle?.(process) ?? process) : label;
      r = { key, name, finished: 0, onTime: 0, late: 0, onTimeRate: null, openOverdue: 0 };
      rows.set(key, r);
    }
    return r;
  };
  for (const g of finished) {
    if (!inRegion(g[0], g[4], g[5])) continue;
    const r = row(g);
    r.finished += g[6];
    r.onTime += g[7];
  }
  for (const g of openOverdue) {
    if (!inRegion(g[0], g[4], g[5])) continue;
    row(g).openOverdue += g[6];
  }
  const list = [...rows.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const r of list) {
    r.late = r.finished - r.onTime;
    r.onTimeRate = r.finished > 0 ? Math.round((r.onTime / r.finished) * 10_000) / 10_000 : null;
  }
  return { from, to, asOf, groupBy: query.groupBy, rows: list };
}
