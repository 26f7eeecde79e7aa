/**
 * The read models and the one facade the API uses: `openReadModels` runs every projection inline
 * on the embedded SQLite store (read-your-writes) or behind a subscription for any other store
 * (EventStoreDB: `<dataDir>/readmodels.db`, with `lag` and `waitFor`), and answers the queries.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { extname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { defaultCalendar } from '../calendars/index.js';
import { nextTurn } from '../infra/turn.js';
import { assignedElsewhere, organisationsFor, type Directory } from '../directory/index.js';
import { applySqlitePragmas, SqliteEventStore, type SqliteSynchronous } from '../eventstore/sqlite.js';
import { StreamNotFoundError, type EventStore } from '../eventstore/types.js';
import { allTasks, stateLabel } from '../machines/describe.js';
import { registry as defaultRegistry, type ProcessRegistry } from '../machines/registry.js';
import { auditProjection, caseHistory, exportEvents, type CaseHistory, type ExportOptions } from './audit.js';
import { caseEnd, caseRow, casesProjection, listCases, recordedCaseList, type CaseEnd, type CaseListItem, type CaseListPage, type CaseListQuery, type RecordedCaseList } from './cases.js';
import { overdueCsvPieces, toCsv } from './csv.js';
import { Readers } from './readers.js';
import { awaitedByCase, awaitingOfCase, inbox, inboxProjection, openTasksOfCases, restatedOfCase, type AwaitedCase, type CaseListTask, type InboxPage, type InboxQuery, type ProcessNames, type WaitingCase } from './inbox.js';
import { queryInstant, type QueryCalendar } from './query.js';
import { FollowProjector, InlineProjector, ReadModelsRebuilding, type Db, type NewerReadModel, type Progress, type Projection, type Projector, type RebuildSummary, type RunnerOptions } from './runner.js';
import {
  ITEMS_PER_TURN,
  overdueJsonPieces,
  overdueReport,
  overdueReportInTurns,
  slaProjection,
  slaReport,
  type InTurns,
  type OverdueQuery,
  type OverdueReport,
  type SlaQuery,
  type SlaReport,
} from './sla.js';

export * from './runner.js';
export * from './metadata.js';
export * from './query.js';
export * from './inbox.js';
export * from './sla.js';
export * from './cases.js';
export * from './audit.js';
export * from './csv.js';

/**
 * The case list as the data folder holds it, read without writing and without catching up (`npm run
 * replay`, which verifies a copy as it was handed over): from the embedded store's own connection,
 * whose file holds the read models, or from `<dataDir>/readmodels.db` opened read-only. Undefined
 * when there is none at this build's version (`recordedCaseList`).
 */
export function openRecordedCaseList(store: EventStore, dataDir: string): (RecordedCaseList & { close(): void }) | undefined {
  if (store instanceof SqliteEventStore) {
    const list = recordedCaseList(store.database);
    return list && { ...list, close: () => {} };
  }
  const file = join(dataDir, 'readmodels.db');
  if (!existsSync(file)) return undefined;
  let db: Db;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch {
    return undefined;
  }
  const list = recordedCaseList(db);
  if (!list) {
    db.close();
    return undefined;
  }
  return { ...list, close: () => db.close() };
}

/** Every read model, in the order they are applied. */
export const ALL_PROJECTIONS: readonly Projection[] = [inboxProjection, slaProjection, casesProjection, auditProjection];

export interface ReadModelsOptions {
  store: EventStore;
  /** Follow mode keeps its read models in `<dataDir>/readmodels.db`. */
  dataDir: string;
  directory: Directory;
  /** The calendar in force (it changes when a holiday notice is loaded). Default: the shipped one. */
  calendar?: () => QueryCalendar;
  /** For the Chinese process titles of CSV reports. Default: the shipped registry. */
  registry?: ProcessRegistry;
  /** Default: `inline` for a `SqliteEventStore`, `follow` for any other store. */
  mode?: 'inline' | 'follow';
  projections?: readonly Projection[];
  /** Events per transaction while catching up. */
  batchSize?: number;
  /** Inline mode: progress of the catch-up `openReadModels` waits for. */
  onProgress?: Progress;
  /**
   * Inline mode: read models the caller rebuilds as soon as they are open (`npm run rebuild`): not
   * caught up first, and not folded by appends until `rebuild` has rebuilt them.
   */
  rebuildNext?: readonly string[];
  /** Follow mode: told of a failure before the subscription resumes. */
  onError?: (error: unknown) => void;
  /** Inline mode: told when a rebuild another process left unfinished is taken over (`RunnerOptions.onTakeOver`). */
  onTakeOver?: RunnerOptions['onTakeOver'];
  /** Follow mode: the subscription resumes after a failure (`RunnerOptions.onRetry`: how many in a row, and when). */
  onRetry?: RunnerOptions['onRetry'];
  /** Follow mode: the store answers again after failures in a row (`RunnerOptions.onRecovered`). */
  onRecovered?: RunnerOptions['onRecovered'];
  /** Follow mode: how a retry waits (`RunnerOptions.retryTimer`): tests resume at once. */
  retryTimer?: RunnerOptions['retryTimer'];
  /** Follow mode: `PRAGMA synchronous` of `readmodels.db`. Default `NORMAL` (a lost tail is re-read from the log). */
  synchronous?: SqliteSynchronous;
  /** Inline mode: threads a rebuild from position 0 is split across. Default: the cores, at most 4; 1 keeps it in this thread. */
  rebuildThreads?: number;
  /** Inline mode: a rebuild of fewer events stays in this thread. Default 50,000. */
  parallelRebuildMinEvents?: number;
  /**
   * Reports made in turns (`overdueReportInTurns`): how the event loop is given one (default: a
   * `setImmediate`) and the items between two (default `ITEMS_PER_TURN`). Tests count, hold or shorten them.
   */
  turns?: Partial<InTurns>;
}

/** The rebuild worker's module, beside this one (`.ts` when run from source). */
const REBUILD_WORKER = new URL(`./rebuildWorker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

type WithoutContext<Q> = Omit<Q, 'calendar' | 'directory' | 'names'>;

/** A case of the list with its open tasks (`ReadModels.cases`). */
export type CaseListEntry = CaseListItem & { tasks: CaseListTask[] };

/** A case's waits (`ReadModels.waits`). */
export interface CaseWaits {
  awaiting: AwaitedCase[];
  awaitedBy: WaitingCase[];
}

export class ReadModels {
  readonly #projector: Projector;
  readonly #store: EventStore;
  readonly #directory: Directory;
  readonly #calendar: () => QueryCalendar;
  readonly #registry: ProcessRegistry;
  readonly #ownsDb: boolean;
  readonly #turn: () => Promise<void>;
  readonly #itemsPerTurn: number;
  /** Undefined for a database in memory, which no second connection can open: its reports are made in one go. */
  readonly #readers: Readers | undefined;

  constructor(projector: Projector, options: ReadModelsOptions) {
    this.#projector = projector;
    this.#store = options.store;
    this.#directory = options.directory;
    this.#calendar = options.calendar ?? defaultCalendar;
    this.#registry = options.registry ?? defaultRegistry;
    this.#ownsDb = projector.mode === 'follow';
    this.#turn = options.turns?.turn ?? nextTurn;
    this.#itemsPerTurn = options.turns?.itemsPerTurn ?? ITEMS_PER_TURN;
    const db = projector.db;
    // An absolute path: the process may change its working folder while the file is open.
    this.#readers = db.memory || db.name === '' ? undefined : new Readers(resolvePath(db.name));
  }

  get mode(): 'inline' | 'follow' {
    return this.#projector.mode;
  }

  /** The read models' database (the store's own in inline mode). */
  get db(): Db {
    return this.#projector.db;
  }

  /** The position every read model has reached. */
  get position(): number {
    return this.#projector.position;
  }

  lag(): Promise<number> {
    return this.#projector.lag();
  }

  /** For `GET /health`: `{ position, lag }`. */
  async health(): Promise<{ position: number; lag: number }> {
    const lag = await this.#projector.lag();
    return { position: this.#projector.position, lag };
  }

  /** A rebuild under way (here or in another process on the same file): how far it has come; undefined when none is. */
  rebuilding(): { done: number; total: number } | undefined {
    return this.#projector.rebuilding();
  }

  /** Read models a newer build of the code keeps on this file, which this one cannot read (`Projector.newerBuild`). */
  newerBuild(): NewerReadModel[] | undefined {
    return this.#projector.newerBuild?.();
  }

  /** For `minPosition`: true once every read model has reached `position`, false after `timeoutMs`. */
  waitFor(position: number, timeoutMs?: number): Promise<boolean> {
    return this.#projector.waitFor(position, timeoutMs);
  }

  /** Drops read models (all, or those named: `inbox`, `sla`, `cases`, `audit`) and rebuilds them from position 0. */
  rebuild(names?: string | readonly string[], onProgress?: Progress): Promise<RebuildSummary> {
    return this.#projector.rebuild(names, onProgress);
  }

  async close(): Promise<void> {
    this.#readers?.close();
    await this.#projector.close();
    if (this.#ownsDb) this.#projector.db.close();
  }

  // ── Queries ───────────────────────────────────────────────────────────────────────────

  /**
   * Throws `ReadModelsRebuilding` when the read models are not whole in the snapshot `db` holds (the caller
   * reads in one transaction on it): a rebuild beside this server resets them in a commit of its own, which
   * may come between a route's check (`rebuilding()`) and its query. Durability QA: the export answered
   * 200 with 7 of 84 lines, the case list and the inbox with none.
   */
  readonly checkWhole = (db: Db): void => {
    const partial = this.#projector.partialIn(db);
    if (partial) throw new ReadModelsRebuilding(partial.done, partial.total);
  };

  /** `query` in one read snapshot of the read models' database, once `checkWhole` finds them whole there. */
  #whole<T>(query: () => T): T {
    return this.db.transaction(() => {
      this.checkWhole(this.db);
      return query();
    })();
  }

  inbox(query: WithoutContext<InboxQuery>): InboxPage {
    return this.#whole(() => inbox(this.db, { ...query, calendar: this.#calendar(), directory: this.#directory, names: this.#names }));
  }

  /**
   * A case's waits, as its inbox items carry them: what it waits on (`awaiting`) and the open tasks of the
   * cases waiting on it (`awaitedBy`), their notes in `lang`; neither while the read models were rebuilt
   * by a newer build beside this one (tables of a shape this build may not know) or are being rebuilt
   * (half filled): the case view, answered from the log, leaves them out then.
   */
  waits(caseId: string, process: string, lang: 'zh' | 'en'): CaseWaits {
    const none: CaseWaits = { awaiting: [], awaitedBy: [] };
    if (this.newerBuild()) return none;
    const waits: CaseWaits = { awaiting: awaitingOfCase(this.db, caseId, process, lang, this.#names), awaitedBy: awaitedByCase(this.db, caseId, process, lang, this.#names) };
    // Whether a rebuild is under way is asked only when there is a wait: nearly every case view has none.
    return (waits.awaiting.length > 0 || waits.awaitedBy.length > 0) && this.rebuilding() ? none : waits;
  }

  /**
   * The dates holiday notices replaced of one case's open tasks (inbox.ts `restatedOfCase`), by stage:
   * none from read models a newer build wrote, or while a rebuild is under way (asked only when there is one).
   */
  restatedFrom(caseId: string): Map<string, { dueDate: string | null; restatedFrom: string }> {
    if (this.newerBuild()) return new Map();
    const restated = restatedOfCase(this.db, caseId);
    return restated.size > 0 && this.rebuilding() ? new Map() : restated;
  }

  overdueReport(query: WithoutContext<OverdueQuery>): OverdueReport {
    return overdueReport(this.db, { ...query, calendar: this.#calendar(), directory: this.#directory, checkWhole: this.checkWhole });
  }

  /**
   * `overdueReport`, made in turns of the event loop on a read-only connection of its own (sla.ts
   * `overdueReportInTurns`): commands go on while a province's report is made, and it stops at the
   * next turn once `signal` aborts. A database in memory cannot be opened twice: its report is made in one go.
   */
  async overdueReportInTurns(query: WithoutContext<OverdueQuery>, signal?: AbortSignal): Promise<OverdueReport> {
    const full = { ...query, calendar: this.#calendar(), directory: this.#directory, checkWhole: this.checkWhole };
    if (!this.#readers) return overdueReport(this.db, full);
    const reader = await this.#readers.take();
    try {
      return await overdueReportInTurns(reader, full, { turn: this.#turn, itemsPerTurn: this.#itemsPerTurn, ...(signal ? { signal } : {}) });
    } finally {
      this.#readers.give(reader);
    }
  }

  /**
   * The overdue report's answer, as `JSON.stringify(report)` or `toCsv(report, table)` writes it, in
   * pieces with a turn of the event loop between them (`ITEMS_PER_TURN` items or lines each, unless told).
   */
  async *overdueReportText(report: OverdueReport, format: 'json' | 'csv', table?: 'items' | 'byOrg'): AsyncGenerator<string> {
    const pieces =
      format === 'json'
        ? overdueJsonPieces(report, this.#itemsPerTurn)
        : overdueCsvPieces(report, { processTitle: this.#processTitle, ...(table ? { table } : {}) }, this.#itemsPerTurn);
    let first = true;
    for (const piece of pieces) {
      if (!first) await this.#turn();
      first = false;
      yield piece;
    }
  }

  slaReport(query: WithoutContext<SlaQuery>): SlaReport {
    return this.#whole(() => slaReport(this.db, { processTitle: this.#processTitle, stageLabel: this.#stageLabel, ...query, directory: this.#directory }));
  }

  /**
   * Provider units that cases name and the organisation directory lacks (a directory file swapped
   * for a partial one), with how many cases name each, most first: such a case has no known region,
   * so no authority, supervisor or auditor sees it by jurisdiction. Read from the cases' provider index.
   */
  providersNotInDirectory(): { org: string; cases: number }[] {
    return this.db
      .prepare<[], [string, number]>('SELECT provider_org, count(*) FROM cases WHERE provider_org IS NOT NULL GROUP BY provider_org')
      .raw(true)
      .all()
      .filter(([org]) => this.#directory.get(org) === undefined)
      .map(([org, cases]) => ({ org, cases }))
      .sort((a, b) => b.cases - a.cases || (a.org < b.org ? -1 : 1));
  }

  /**
   * Organisations of the directory's kinds (not applicants) that open tasks are assigned to and the
   * directory lacks altogether (dropped, not kept with a `successor`), with how many open tasks name
   * each, most first: no token may name them, so those tasks are in an inbox no one can open, even
   * where an organisation of the directory may still act on them. Read from the inbox's assignees
   * (one row per organisation a task is open to), as the case list's providers are, grouped by its index.
   */
  openTasksNotInDirectory(): { org: string; tasks: number }[] {
    return this.db
      .prepare<[], [string, number]>("SELECT org, count(*) FROM inbox_assignees WHERE role <> 'applicant' GROUP BY org")
      .raw(true)
      .all()
      .filter(([org]) => this.#directory.get(org) === undefined)
      .map(([org, tasks]) => ({ org, tasks }))
      .sort((a, b) => b.tasks - a.tasks || (a.org < b.org ? -1 : 1));
  }

  /**
   * Organisations of the directory that open tasks are assigned to and that may no longer act on them,
   * with how many tasks and who may act now, most first. 机构改革 of a provider alone (a county unit's
   * duties passed to the city's, its county bureau kept): a task stamped with the county bureau when it
   * opened is still in that bureau's inbox, but its 本级 is now the city's (organisationsFor), so the
   * bureau holding it is refused and the one that may act does not find it, until the start hands it on
   * (`casesWithTasksToHandOn`, Scheduler `reassignTasks`). A task whose organisation was
   * abolished is its successor's (predecessorsOf), and one the directory dropped is told by
   * `openTasksNotInDirectory`: neither is counted here.
   */
  openTasksNoLongerTheirs(): { org: string; tasks: number; mayActNow: string[] }[] {
    const found = new Map<string, { org: string; tasks: number; mayActNow: Set<string> }>();
    for (const { org, now, holderMayAct, providerUnknown } of this.#openTasksAssignedNow()) {
      // A case whose provider the directory lost has no one the directory names for its tasks: its bureau is not
      // at fault, and the start's warning of providers missing says it (reform QA: the Linyi bureau, still the
      // right reviewer, was named among those "已无权办理").
      if (holderMayAct || providerUnknown || this.#directory.get(org) === undefined) continue;
      const entry = found.get(org) ?? { org, tasks: 0, mayActNow: new Set<string>() };
      entry.tasks++;
      for (const code of now) entry.mayActNow.add(code);
      found.set(org, entry);
    }
    return [...found.values()].map((e) => ({ ...e, mayActNow: [...e.mayActNow] })).sort((a, b) => b.tasks - a.tasks || (a.org < b.org ? -1 : 1));
  }

  /**
   * The cases with an open task the start hands on (Scheduler `reassignTasks`), each once: one open to
   * organisations other than those the directory names for it now (`assignedElsewhere`) — held by one
   * that may no longer act on it (`openTasksNoLongerTheirs`), by one the directory dropped
   * (`openTasksNotInDirectory`), or open besides to one dropped or no longer named (a re-coded
   * province's share of a 市级以上 review) — when the directory names someone for it.
   */
  casesWithTasksToHandOn(): string[] {
    return [...new Set(this.#openTasksAssignedNow().flatMap((t) => (t.elsewhere && t.now.length > 0 ? [t.caseId] : [])))];
  }

  /**
   * Each open task of a role other than applicant with its case; the organisations the directory names
   * for it now (organisationsFor); whether its holder is among them (as its successor); and whether it
   * is open to organisations other than those (`assignedElsewhere`).
   */
  #openTasksAssignedNow(): { org: string; caseId: string; now: string[]; holderMayAct: boolean; elsewhere: boolean; providerUnknown: boolean }[] {
    const rows = this.db
      .prepare<[], [string, string, string, string, string, number, string | null, string | null, string | null]>(
        `SELECT t.org, t.orgs, t.case_id, t.process, t.stage, c.version, c.provider_org, c.applicant_org, c.parties_region
           FROM inbox_tasks t JOIN cases c ON c.case_key = t.case_key WHERE t.role <> 'applicant'`,
      )
      .raw(true)
      .all();
    const tasks: { org: string; caseId: string; now: string[]; holderMayAct: boolean; elsewhere: boolean; providerUnknown: boolean }[] = [];
    // Decided once per task's kind, organisations and parties: thousands of tasks share a few hundred.
    const decided = new Map<string, { now: string[]; holderMayAct: boolean; elsewhere: boolean; providerUnknown: boolean }>();
    for (const [org, orgs, caseId, process, stage, version, providerOrg, applicantOrg, region] of rows) {
      const key = [org, orgs, process, stage, version, providerOrg, applicantOrg, region].join('\u0000');
      let known = decided.get(key);
      if (known === undefined) {
        const def = this.#registry.get(process, version);
        const spec = def && allTasks(def).find((t) => t.stage === stage);
        const parties = { ...(providerOrg ? { providerOrg } : {}), ...(applicantOrg ? { applicantOrg } : {}), ...(region ? { region } : {}) };
        // A process version this build does not have: not decided here (the build that has it decides).
        const now = spec ? organisationsFor(this.#directory, spec.scope, parties) : undefined;
        const providerUnknown = providerOrg !== null && this.#directory.get(providerOrg) === undefined;
        known = now
          ? { now, holderMayAct: now.includes(this.#directory.successorOf(org)), elsewhere: assignedElsewhere(this.#directory, { org, orgs: JSON.parse(orgs) as string[] }, now), providerUnknown }
          : { now: [], holderMayAct: true, elsewhere: false, providerUnknown };
        decided.set(key, known);
      }
      tasks.push({ org, caseId, ...known });
    }
    return tasks;
  }

  /** The case list, each case with its open tasks (inbox.ts `openTasksOfCases`) standing at `asOf`, read in one snapshot. */
  cases({ asOf, ...query }: WithoutContext<CaseListQuery> & { asOf: string | Date }): CaseListPage<CaseListEntry> {
    return this.#whole(() => {
      const page = listCases(this.db, { ...query, directory: this.#directory });
      const tasks = openTasksOfCases(this.db, page.items.map((c) => c.caseId), queryInstant(asOf, 'asOf'), this.#calendar(), this.#directory);
      return { items: page.items.map((c) => ({ ...c, tasks: tasks.get(c.caseId) ?? [] })), nextCursor: page.nextCursor };
    });
  }

  /** One case of the list (its parties decide visibility), or undefined. */
  case(caseId: string): CaseListItem | undefined {
    return this.#caseListOurs() ? caseRow(this.db, caseId, this.#directory) : undefined;
  }

  /** How far the case list recorded a case (the revision and position of its last event), or undefined. */
  caseEnd(caseId: string): CaseEnd | undefined {
    return this.#caseListOurs() ? caseEnd(this.db, caseId) : undefined;
  }

  /**
   * Whether this build may read the case list: not when a newer build beside it rebuilt it at its own
   * version (tables of a shape this build may not know). The routes that answer from the read models say
   * an upgrade is needed (`newerBuild`); those that answer from the log — a case, its history, a command —
   * go on without the case list's checks (a cut end, a damaged stream's parties), as if it knew no case.
   */
  #caseListOurs(): boolean {
    return !this.newerBuild()?.some((m) => m.name === casesProjection.name);
  }

  /** A case's history from the store, or undefined for a case the read models do not know. */
  async history(caseId: string, options: { asOf?: string | Date } = {}): Promise<CaseHistory | undefined> {
    const row = this.case(caseId);
    if (!row) return undefined;
    try {
      return caseHistory(await this.#store.readStream(row.streamId), options);
    } catch (err) {
      if (err instanceof StreamNotFoundError) return undefined;
      throw err;
    }
  }

  /** NDJSON lines of every case event accepted in [from, to), optionally only cases `visibleTo` may see. */
  exportEvents(options: Omit<ExportOptions, 'directory'>): AsyncGenerator<string> {
    return exportEvents(this.#store, this.db, { ...options, directory: this.#directory, checkWhole: this.checkWhole });
  }

  /** A report as CSV (UTF-8 with BOM, Chinese headers), processes by their Chinese titles. */
  toCsv(report: OverdueReport | SlaReport, table?: 'items' | 'byOrg'): string {
    return toCsv(report, { processTitle: this.#processTitle, ...(table ? { table } : {}) });
  }

  readonly #processTitle = (process: string): string | undefined => this.#registry.latest(process)?.title;
  /** How the inbox's notes name a process, a command and a state: as the newest version declares them, else by id. */
  readonly #names: ProcessNames = {
    title: (process) => this.#processTitle(process) ?? process,
    command: (process, command) => this.#registry.latest(process)?.commands[command]?.label ?? command,
    state: (process, state) => {
      const def = this.#registry.latest(process);
      return def ? stateLabel(def, state) : state;
    },
  };
  readonly #stageLabel = (process: string, stage: string): string | undefined => {
    const def = this.#registry.latest(process);
    return def && allTasks(def).find((t) => t.stage === stage)?.label;
  };
}

/**
 * Opens the read models for a store: inline on a `SqliteEventStore` (caught up before this
 * resolves, then updated inside every append), else following `$all` into `<dataDir>/readmodels.db`
 * (resolves at once; `waitFor` and `lag` tell how far it has come).
 */
export async function openReadModels(options: ReadModelsOptions): Promise<ReadModels> {
  const projections = options.projections ?? ALL_PROJECTIONS;
  const mode = options.mode ?? (options.store instanceof SqliteEventStore ? 'inline' : 'follow');
  const runner: RunnerOptions = {
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    ...(options.onRecovered ? { onRecovered: options.onRecovered } : {}),
    ...(options.retryTimer ? { retryTimer: options.retryTimer } : {}),
    ...(options.onTakeOver ? { onTakeOver: options.onTakeOver } : {}),
  };
  // The worker knows the shipped read models by name; others are rebuilt in this thread.
  const threads = options.rebuildThreads ?? Math.min(availableParallelism(), 4);
  if (threads > 1 && projections.every((p) => ALL_PROJECTIONS.includes(p))) {
    runner.parallel = { entry: REBUILD_WORKER, threads, minEvents: options.parallelRebuildMinEvents ?? 50_000 };
  }
  if (mode === 'inline') {
    if (!(options.store instanceof SqliteEventStore)) throw new RangeError('inline read models need the embedded SQLite store');
    const projector = new InlineProjector(options.store, projections, runner);
    await projector.start(options.onProgress, options.rebuildNext);
    return new ReadModels(projector, options);
  }
  mkdirSync(options.dataDir, { recursive: true });
  const db = new Database(join(options.dataDir, 'readmodels.db'));
  try {
    applySqlitePragmas(db, options.synchronous ?? 'NORMAL');
    db.pragma('cache_size = -65536'); // 64 MiB: the read models' recent pages and the reports' indexes stay in memory
    const projector = new FollowProjector(options.store, db, projections, runner);
    projector.start();
    return new ReadModels(projector, options);
  } catch (err) {
    db.close();
    throw err;
  }
}
