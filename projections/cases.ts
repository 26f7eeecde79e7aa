/**
 * The case list (API.md `GET /v1/cases`): one row per case, its state and parties after its last
 * event. Visibility is decided in SQL, derived from the directory's one rule (directory/visibility.ts
 * `canSee`): the stored facts are the parties, and the region a case belongs to is computed at query
 * time with `caseRegion` and the directory's `containsNow` (`regionContains` with the regions taken
 * over, 机构改革), so a rebuild never depends on configuration.
 */
import { caseRegion, PROVINCE_REGION, type Directory, type Viewer } from '../directory/index.js';
import type { RecordedEvent } from '../eventstore/types.js';
import { caseKey, caseUnitOfWork, setupCaseKeys } from './caseKeys.js';
import { caseFacts, shownSummary, storedInstant, summaryJson, type PartiesFacts, type SummaryFacts } from './metadata.js';
import { cursorScope, decodeCursor, encodeCursor, jsonList, orgOrPredecessors, pageLimit } from './query.js';
import type { Db, Projection } from './runner.js';
import { forgetInserts, insertRows, statementCache } from './statements.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cases (
  case_key       INTEGER PRIMARY KEY,
  case_id        TEXT    NOT NULL,
  stream_id      TEXT    NOT NULL,
  process        TEXT    NOT NULL,
  version        INTEGER NOT NULL,
  state          TEXT    NOT NULL,
  final          INTEGER NOT NULL,
  revision       INTEGER NOT NULL,
  position       INTEGER NOT NULL,
  provider_org   TEXT,
  applicant_org  TEXT,
  parties_region TEXT,
  created_at     TEXT    NOT NULL,
  updated_at     TEXT    NOT NULL,
  summary        TEXT    NOT NULL
);
-- Organisations that were ever given a task on a case (the org filter besides provider and applicant).
CREATE TABLE IF NOT EXISTS case_orgs (
  org      TEXT    NOT NULL,
  case_key INTEGER NOT NULL,
  PRIMARY KEY (org, case_key)
) WITHOUT ROWID;
-- Every region a case was addressed to: with the directory's, the regions a viewer's region may contain.
CREATE TABLE IF NOT EXISTS case_regions (
  region TEXT PRIMARY KEY
) WITHOUT ROWID;
`;

/** The case list's indexes (the fold needs none of them: a rebuild creates them at its end). */
const QUERY_INDEXES = [
  'CREATE INDEX IF NOT EXISTS cases_applicant ON cases (applicant_org, case_key)',
  'CREATE INDEX IF NOT EXISTS cases_provider ON cases (provider_org, case_key)',
];

const INSERT =
  'INSERT OR REPLACE INTO cases (case_key, case_id, stream_id, process, version, state, final, revision, position, provider_org, applicant_org, parties_region, created_at, updated_at, summary)';
const INSERT_ORG = 'INSERT OR IGNORE INTO case_orgs (org, case_key)';

/** A case's row by its id (cases are keyed by `case_key`). */
const BY_CASE_ID = 'FROM projection_case_keys k JOIN cases c ON c.case_key = k.case_key WHERE k.case_id = ?';

const statements = statementCache((db: Db) => ({
  update: db.prepare<unknown[]>('UPDATE cases SET state = ?, final = ?, revision = ?, position = ?, updated_at = ?, summary = ? WHERE case_key = ?'),
  // Apart, and only when they changed: rewriting an indexed column costs its index entries.
  parties: db.prepare<unknown[]>(
    'UPDATE cases SET provider_org = ?, applicant_org = ?, parties_region = ? WHERE case_key = ? AND (provider_org IS NOT ? OR applicant_org IS NOT ? OR parties_region IS NOT ?)',
  ),
  region: db.prepare<unknown[]>('INSERT OR IGNORE INTO case_regions (region) VALUES (?)'),
  byCaseId: db.prepare<[string], CaseRow>(`SELECT c.* ${BY_CASE_ID}`),
  // Every command reads how far its case was recorded (api/routes/cases.ts `refuseCutStream`).
  recordedEnd: db.prepare<[string], CaseEnd>(`SELECT c.revision, c.position ${BY_CASE_ID}`),
}));

interface CaseValues {
  caseId: string;
  streamId: string;
  process: string;
  version: number;
  state: string;
  final: number;
  revision: number;
  position: number;
  providerOrg: string | null;
  applicantOrg: string | null;
  region: string | null;
  createdAt: string;
  updatedAt: string;
  summary: SummaryFacts | undefined;
}

/** One transaction's changes: each case touched is written once, as its last event left it. */
class Work {
  readonly cases = new Map<number, CaseValues>();
  /** Cases whose first event is in this transaction (inserted, not updated). */
  readonly newCases = new Set<number>();
  /** `org`, `case key` pairs of organisations given a task. */
  readonly orgs = new Map<string, [string, number]>();
  readonly regions = new Set<string>();
}

const work = caseUnitOfWork(() => new Work());

/** Inserts the rows of new cases and updates the others, as their last event left them. */
function writeCases(db: Db, w: Work, cases: Map<number, CaseValues>): void {
  const s = statements.of(db);
  const inserts: unknown[][] = [];
  for (const [key, c] of cases) {
    const row = () => [key, c.caseId, c.streamId, c.process, c.version, c.state, c.final, c.revision, c.position, c.providerOrg, c.applicantOrg, c.region, c.createdAt, c.updatedAt, summaryJson(c.summary)];
    if (w.newCases.has(key)) {
      inserts.push(row());
      continue;
    }
    // No row to update: a case whose start the log no longer holds (deleted, tampered with) starts at its
    // first event left. Compliance QA: never inserted, such a case vanished at a rebuild from the case
    // list, verify and the auditor's export, which had named its missing start until then.
    if (s.update.run(c.state, c.final, c.revision, c.position, c.updatedAt, summaryJson(c.summary), key).changes === 0) {
      inserts.push(row());
      continue;
    }
    s.parties.run(c.providerOrg, c.applicantOrg, c.region, key, c.providerOrg, c.applicantOrg, c.region);
  }
  insertRows(db, INSERT, inserts);
}

/** The organisations given tasks and the regions seen (written once: they never change). */
function writeFacts(db: Db, w: Work): void {
  insertRows(db, INSERT_ORG, [...w.orgs.values()]);
  const s = statements.of(db);
  for (const region of w.regions) s.region.run(region);
}

export const casesProjection: Projection = {
  name: 'cases',
  version: 2,
  queryIndexes: QUERY_INDEXES,
  setup(db) {
    setupCaseKeys(db);
    db.exec(SCHEMA);
  },
  clear(db) {
    db.exec('DROP TABLE IF EXISTS cases; DROP TABLE IF EXISTS case_orgs; DROP TABLE IF EXISTS case_regions;');
    statements.forget(db);
    forgetInserts(db);
    work.forget(db);
  },
  apply(event: RecordedEvent, db) {
    const f = caseFacts(event);
    if (!f) return;
    const w = work.of(db);
    const key = caseKey(db, f.caseId, event);
    const parties: PartiesFacts = f.parties ?? {};
    const at = storedInstant(f.at);
    const before = w.cases.get(key);
    if (event.revision === 0) w.newCases.add(key);
    w.cases.set(key, {
      caseId: f.caseId,
      streamId: event.streamId,
      process: f.process,
      version: f.machine?.version ?? 1,
      state: f.stateAfter,
      final: f.final ? 1 : 0,
      revision: event.revision,
      position: event.position,
      providerOrg: parties.providerOrg ?? null,
      applicantOrg: parties.applicantOrg ?? null,
      region: parties.region ?? null,
      createdAt: before?.createdAt ?? at,
      updatedAt: at,
      summary: f.summary,
    });
    if (parties.region !== undefined) w.regions.add(parties.region);
    // Providers and applicants are found by their columns; other organisations by the tasks they were
    // given, opened or handed on after 机构改革.
    const given = f.tasksReassigned ? [...(f.tasksOpened ?? []), ...f.tasksReassigned.map((r) => r.new)] : (f.tasksOpened ?? []);
    for (const t of given) {
      for (const org of [t.org, ...(t.orgs ?? [])]) {
        if (!org || org === parties.providerOrg || org === parties.applicantOrg) continue;
        w.orgs.set(`${org}\u0000${key}`, [org, key]);
      }
    }
  },
  flush(db) {
    const w = work.take(db);
    if (!w) return;
    writeCases(db, w, w.cases);
    writeFacts(db, w);
  },
  settle(db) {
    const w = work.settle(db);
    if (!w) return;
    // A final case's row never changes again; a case still moving waits for the last flush.
    const settled = new Map<number, CaseValues>();
    for (const [key, c] of w.cases) if (c.final === 1) settled.set(key, c);
    writeCases(db, w, settled);
    for (const key of settled.keys()) {
      w.cases.delete(key);
      w.newCases.delete(key);
    }
    writeFacts(db, w);
    w.orgs.clear();
    w.regions.clear();
  },
  discard(db) {
    work.discard(db);
  },
};

// ── Query ───────────────────────────────────────────────────────────────────────────────

export interface CaseListQuery {
  caller: Viewer;
  directory: Directory;
  process?: string;
  state?: string;
  final?: boolean;
  /** Cases naming this organisation as provider or applicant, or that gave it a task. */
  org?: string;
  /** 1–100, default 50. */
  limit?: number;
  cursor?: string;
}

export interface CaseListItem {
  caseId: string;
  streamId: string;
  process: string;
  version: number;
  state: string;
  final: boolean;
  revision: number;
  position: number;
  providerOrg: string | null;
  applicantOrg: string | null;
  /** The parties as `canSee` takes them. */
  parties: PartiesFacts;
  /** `caseRegion` of the parties, with the directory in force. */
  region: string | null;
  createdAt: string;
  updatedAt: string;
  summary: SummaryFacts;
}

export interface CaseListPage<I = CaseListItem> {
  items: I[];
  nextCursor: string | null;
}

interface CaseRow {
  case_key: number;
  case_id: string;
  stream_id: string;
  process: string;
  version: number;
  state: string;
  final: number;
  revision: number;
  position: number;
  provider_org: string | null;
  applicant_org: string | null;
  parties_region: string | null;
  created_at: string;
  updated_at: string;
  summary: string;
}

/**
 * `canSee` as SQL over the cases table: applicants their own, providers cases naming them,
 * authorities, supervisors and auditors the cases addressed to their region or below or whose
 * provider is there, admins all.
 * The region test runs `containsNow` (`regionContains` with the regions taken over, 机构改革) over every region known (the directory's and the cases'),
 * so the SQL never restates the rule.
 */
function visibility(db: Db, directory: Directory, viewer: Viewer): { sql: string; params: Record<string, string> } {
  switch (viewer.role) {
    case 'admin':
      return { sql: '1', params: {} };
    case 'applicant':
      return { sql: 'c.applicant_org = @viewerOrg', params: { viewerOrg: viewer.org } };
    case 'provider': {
      // 机构改革: an abolished organisation's cases are its successor's alone (canSee; no token may name it).
      if (directory.successorOf(viewer.org) !== viewer.org) return { sql: '0', params: {} };
      // 机构改革: also the cases of the organisations whose duties it took over (canSee).
      return orgOrPredecessors('c.provider_org', 'viewerOrg', viewer.org, directory);
    }
    case 'authority':
    case 'supervisor':
    case 'auditor': {
      const own = directory.get(viewer.org)?.region;
      if (own === undefined) return { sql: '0', params: {} };
      // The province's: every case (canSee), those whose region the directory no longer knows too.
      if (own === PROVINCE_REGION) return { sql: '1', params: {} };
      const known = new Set(directory.list().map((o) => o.region));
      for (const r of db.prepare<[], string>('SELECT region FROM case_regions').pluck().all()) known.add(r);
      const regions = [...known].filter((r) => directory.containsNow(own, r));
      // 机构改革: a provider is in the region when it is, or when the one that took over its duties is (canSee).
      const orgs = directory
        .list()
        .filter((o) => directory.worksWithin(own, o.code))
        .map((o) => o.code);
      return {
        // The region the case is addressed to, or its provider's (caseRegion when it is addressed nowhere).
        sql: `(c.parties_region IN (SELECT value FROM json_each(@regions)) OR c.provider_org IN (SELECT value FROM json_each(@orgs)))`,
        params: { regions: jsonList(regions), orgs: jsonList(orgs) },
      };
    }
    default:
      return { sql: '0', params: {} };
  }
}

/**
 * The ways a case names an organisation (the `org` filter, its code as `@<param>`): as provider, as
 * applicant, or by a task it gave it; each with the key its index is ordered by (SQLite sorts by
 * `c.case_key` read through `o`).
 */
const orgArms = (param: string) => [
  [`FROM cases c WHERE c.provider_org = @${param}`, 'c.case_key'],
  [`FROM cases c WHERE c.applicant_org = @${param}`, 'c.case_key'],
  [`FROM case_orgs o JOIN cases c ON c.case_key = o.case_key WHERE o.org = @${param}`, 'o.case_key'],
];

/** Cases the caller may see, newest first, a page at a time. */
export function listCases(db: Db, query: CaseListQuery): CaseListPage {
  const limit = pageLimit(query.limit, 100, 50);
  const visible = visibility(db, query.directory, query.caller);
  const where = [visible.sql];
  const params: Record<string, string | number> = { ...visible.params, limit: limit + 1 };
  if (query.process !== undefined) {
    where.push('c.process = @process');
    params.process = query.process;
  }
  if (query.state !== undefined) {
    where.push('c.state = @state');
    params.state = query.state;
  }
  if (query.final !== undefined) {
    where.push('c.final = @final');
    params.final = query.final ? 1 : 0;
  }
  const scope = cursorScope({ role: query.caller.role, org: query.caller.org, process: query.process, state: query.state, final: query.final, filterOrg: query.org });
  if (query.cursor !== undefined) {
    const [key] = decodeCursor(query.cursor, scope, ['number']);
    where.push('c.case_key < @cursor');
    params.cursor = key!;
  }
  const filters = where.join(' AND ');
  let sql = `SELECT c.* FROM cases c WHERE ${filters} ORDER BY c.case_key DESC LIMIT @limit`;
  if (query.org !== undefined) {
    // The page's newest of each way a case names the organisation, each read down its own index, then
    // merged: one OR of the three made SQLite gather every case naming it and sort them, for every page
    // (0.5 s for the provincial authority's 127,000 cases).
    // 机构改革: and each way it names an organisation whose duties this one took over (predecessorsOf), as its inbox and list hold them.
    const codes = [query.org, ...(query.directory?.predecessorsOf(query.org) ?? [])];
    codes.forEach((code, i) => (params[`org${i}`] = code));
    const arms = codes.flatMap((_, i) => orgArms(`org${i}`)).map(([from, key]) => `SELECT case_key FROM (SELECT c.case_key ${from} AND ${filters} ORDER BY ${key} DESC LIMIT @limit)`);
    sql = `SELECT c.* FROM cases c WHERE c.case_key IN (${arms.join(' UNION ALL ')}) ORDER BY c.case_key DESC LIMIT @limit`;
  }
  const rows = db.prepare<Record<string, string | number>, CaseRow>(sql).all(params);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => caseItem(r, query.directory)),
    nextCursor: rows.length > limit && last ? encodeCursor(scope, [last.case_key]) : null,
  };
}

/** How far the case list recorded a case: the revision and position of its last event. */
export interface CaseEnd {
  revision: number;
  position: number;
}

export function caseEnd(db: Db, caseId: string): CaseEnd | undefined {
  return statements.of(db).recordedEnd.get(caseId);
}

/** What the case list recorded of each case, read without writing (`recordedCaseList`). */
export interface RecordedCaseList {
  /** How far the case list recorded a case (`caseEnd`), or undefined. */
  caseEnd(caseId: string): CaseEnd | undefined;
  /** The process the case list recorded for a case, or undefined. */
  process(caseId: string): string | undefined;
}

/**
 * The case list of a database as it stands, read without writing (a read-only connection: `npm run
 * replay` on a copy handed to compliance). Undefined when it is not there at this version, or a
 * rebuild left it unfinished: its record then cannot be trusted to say what a stream lacks.
 */
export function recordedCaseList(db: Db): RecordedCaseList | undefined {
  try {
    const version = db.prepare<[string], number>('SELECT version FROM projection_checkpoints WHERE name = ?').pluck().get(casesProjection.name);
    if (version !== casesProjection.version) return undefined;
    const end = db.prepare<[string], CaseEnd>(`SELECT c.revision, c.position ${BY_CASE_ID}`);
    const process = db.prepare<[string], string>(`SELECT c.process ${BY_CASE_ID}`).pluck();
    return { caseEnd: (caseId) => end.get(caseId), process: (caseId) => process.get(caseId) };
  } catch {
    // No read models in the file (a copy of the log alone): no table to read.
    return undefined;
  }
}

/** One case of the list, or undefined (the API answers 404 for it, and for one the caller may not see). */
export function caseRow(db: Db, caseId: string, directory: Directory): CaseListItem | undefined {
  const row = statements.of(db).byCaseId.get(caseId);
  return row ? caseItem(row, directory) : undefined;
}

function partiesOf(r: CaseRow): PartiesFacts {
  return {
    ...(r.provider_org !== null ? { providerOrg: r.provider_org } : {}),
    ...(r.applicant_org !== null ? { applicantOrg: r.applicant_org } : {}),
    ...(r.parties_region !== null ? { region: r.parties_region } : {}),
  };
}

function caseItem(r: CaseRow, directory: Directory): CaseListItem {
  const parties = partiesOf(r);
  return {
    caseId: r.case_id,
    streamId: r.stream_id,
    process: r.process,
    version: r.version,
    state: r.state,
    final: r.final === 1,
    revision: r.revision,
    position: r.position,
    providerOrg: r.provider_org,
    applicantOrg: r.applicant_org,
    parties,
    region: caseRegion(directory, parties) ?? null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    summary: shownSummary(r.summary),
  };
}
