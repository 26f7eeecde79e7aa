/**
 * The checkpointed projection runner (ARCHITECTURE.md "Projections"). A projection is a handler
 * `(event, transaction)` over SQLite tables; its rows and its checkpoint are written in one
 * transaction, so a crash neither loses nor doubles an event. The same handlers run two ways:
 *
 * - inline, on a `SqliteEventStore`: the read models live in the store's own database; on start
 *   each projection catches up from its checkpoint in batches, then `onAppend` applies every new
 *   event inside the append's own transaction (one commit, read-your-writes);
 * - follow, on any `EventStore` (EventStoreDB): the read models live in their own SQLite file and
 *   a catch-up subscription to `$all` feeds them in small batched transactions; `lag` and
 *   `waitFor` tell the API how far behind they are.
 *
 * Any read model can be dropped and rebuilt from position 0; a projection whose `version` changed
 * is rebuilt when the runner starts.
 */
import { readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { SQLITE_MMAP_BYTES, type SqliteEventStore } from '../eventstore/sqlite.js';
import { nextTurn } from '../infra/turn.js';
import { elapsedMs } from '../infra/clock.js';
import { readAllPastUnreadable, StoreUnreachableError, UnreadableEventError, type EventStore, type RecordedEvent, type Subscription } from '../eventstore/types.js';
import { unfoldableFact } from './metadata.js';

export type Db = Database.Database;

/** A read model: its tables, and a fold of events into them. */
export interface Projection {
  /** Names the read model in `projection_checkpoints`. */
  readonly name: string;
  /** Bump it when the tables or the fold change: the read model is rebuilt on the next start. */
  readonly version: number;
  /** Creates the tables, and the indexes the fold itself reads, if absent (idempotent). */
  setup(db: Db): void;
  /**
   * Indexes only queries read, as `CREATE INDEX IF NOT EXISTS …` statements, or summaries kept by
   * triggers (their statements must be idempotent: they run at every start). Each entry runs in one
   * transaction, which no other writer's commit splits. They are created when
   * the read model has caught up: a rebuild from position 0 sorts each one once at its end instead
   * of updating it at every event, and a restart mid-rebuild goes on without them until it is done.
   */
  readonly queryIndexes?: readonly string[];
  /** Folds one event in; runs inside the caller's transaction, so it must not open its own. */
  apply(event: RecordedEvent, db: Db): void;
  /**
   * Told, instead of `apply`, of a stored event no read model can read (its place in the log, and
   * when the store stamped it): for a read model that must still account for it (the audit trail).
   */
  unreadable?(event: UnreadableEventError['event'], db: Db): void;
  /**
   * Writes what `apply` kept in memory for this transaction (a unit of work: a task opened and
   * closed within one batch is written once). The runner calls it at the end of every batch, in
   * the batch's transaction, before the checkpoint: after each append inline, after thousands of
   * events while catching up.
   */
  flush?(db: Db): void;
  /**
   * A rebuild worker's flush between batches (its unit of work outlives them: the worker's scratch
   * file has no reader and no checkpoint): writes only what no later event can change — the rows of
   * final cases, finished tasks, facts written once — and keeps the rest in memory for the next
   * `settle` or the last `flush`. So every row is written once, as it ends, and memory stays
   * bounded by the work still open. Without it, the worker flushes.
   */
  settle?(db: Db): void;
  /** Forgets what `apply` kept in memory (the transaction is rolling back). */
  discard?(db: Db): void;
  /** Drops the tables. */
  clear(db: Db): void;
}

/**
 * Rebuild and catch-up progress: positions done of the head position when it started. A rebuild
 * counts its parts in turn (`phase`): events folded (`fold`, also when absent), then, in worker
 * threads, tables copied from the workers' files (`copy`), then query indexes made (`index`) — about
 * a quarter of its time at 1,000,000 events, which showed as a bar stopped at 100 %. Copy and index
 * start with a call at 0; a fold that starts over (workers failed, the log is folded again in this
 * thread) starts with `(0, total, 'fold')`.
 */
export type Progress = (done: number, total: number, phase?: RebuildPhase) => void;

export type RebuildPhase = 'fold' | 'copy' | 'index';

/** How a rebuild went: `threads` folded the log (1: in the caller's thread). */
export interface RebuildSummary {
  threads: number;
}

export interface RunnerOptions {
  /** Events per transaction while catching up or rebuilding. Default 20000 inline, 1000 follow. */
  batchSize?: number;
  /**
   * Told of a follow-mode failure (a projection threw, the subscription broke) before it retries,
   * of a failed rebuild worker, and of every stored event the read models skip because it cannot
   * be parsed (an `UnreadableEventSkipped`, naming its position and stream). Without it, the
   * skipped events are told to `process.emitWarning`.
   */
  onError?: (error: unknown) => void;
  /**
   * Delay before a failed follow-mode subscription is resumed the first time. Default 1000 ms. It
   * doubles with every failure in a row, up to `maxRetryDelayMs`: an EventStoreDB down for an hour is
   * asked (and its failure told) about a hundred times, not 3,600.
   */
  retryDelayMs?: number;
  /** The longest delay between two follow-mode retries. Default 30,000 ms. */
  maxRetryDelayMs?: number;
  /**
   * Follow mode: told, with the failure that stopped it, that the subscription resumes after `delayMs`
   * (`failures` in a row so far). `onError` is told the failure too.
   */
  onRetry?: (error: unknown, retry: { failures: number; delayMs: number }) => void;
  /** Follow mode: the store answered again after `failures` failures in a row, the last `lastFailure` (the head read, or events folded). */
  onRecovered?: (failures: number, lastFailure: unknown) => void;
  /** Follow mode: how a retry waits `ms` before `resume` (default `setTimeout`); answers a cancel. Tests resume at once. */
  retryTimer?: (resume: () => void, ms: number) => () => void;
  /** Inline mode: rebuilds from position 0 in worker threads, each folding a share of the cases. */
  parallel?: ParallelRebuild;
  /**
   * Inline mode: told when this runner takes over the rebuild of read models (`names`) that another
   * process left unfinished (an `npm run rebuild` killed mid-way): from 0, or — a rebuild in one thread,
   * whose batches left them consistent where it stopped — from `resumeFrom`; the answer is told the
   * takeover's progress, and its end (with the failure, when it failed).
   */
  onTakeOver?: (names: readonly string[], resumeFrom?: number) => TakeOverReport;
}

/** What `RunnerOptions.onTakeOver` answers: how a takeover's rebuild is told. */
export interface TakeOverReport {
  progress: Progress;
  done(failure?: unknown): void;
}

/**
 * A rebuild split by case across threads. Every read model is a set of rows per case, so the cases
 * of the log can be folded apart: each worker reads only its share of the log (SQLite skips the
 * other rows without parsing them) and folds every read model being rebuilt into a scratch file of
 * its own, which the runner then copies into the store's file in one transaction. The checkpoints
 * stay marked unfinished until then, so a crash mid-way rebuilds from 0 again on the next start.
 */
export interface ParallelRebuild {
  /** The worker module: it calls `runRebuildWorker` with the projections it knows by name. */
  entry: URL;
  /** Worker threads (more than one, or the rebuild stays in this thread). */
  threads: number;
  /** Smaller rebuilds stay in this thread: starting a worker costs about half a second. */
  minEvents: number;
  /** Events a worker folds between settles (`Projection.settle`). Default 100,000. */
  batchSize?: number;
  /** How often at most a worker tells how far it has come between settles (ms). Default 1,000. */
  reportEveryMs?: number;
}

// ── Checkpoints ───────────────────────────────────────────────────────────────────────────

const CHECKPOINTS = `CREATE TABLE IF NOT EXISTS projection_checkpoints (
  name     TEXT PRIMARY KEY,
  version  INTEGER NOT NULL,
  position INTEGER NOT NULL
)`;

interface CheckpointRow {
  name: string;
  version: number;
  position: number;
}

/** The `projection_checkpoints` table of one database. */
class Checkpoints {
  readonly #all: Database.Statement<[], CheckpointRow>;
  readonly #write: Database.Statement<[string, number, number]>;

  constructor(db: Db) {
    db.exec(CHECKPOINTS);
    this.#all = db.prepare('SELECT name, version, position FROM projection_checkpoints');
    this.#write = db.prepare(
      'INSERT INTO projection_checkpoints (name, version, position) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET version = excluded.version, position = excluded.position',
    );
  }

  read(): Map<string, CheckpointRow> {
    return new Map(this.#all.all().map((row) => [row.name, row]));
  }

  /** Positions of these projections (0 when never run). */
  positions(projections: readonly Projection[]): Map<string, number> {
    const rows = this.read();
    return new Map(projections.map((p) => [p.name, rows.get(p.name)?.position ?? 0]));
  }

  write(projection: Projection, position: number): void {
    this.#write.run(projection.name, projection.version, position);
  }

  /**
   * Marks a read model as being rebuilt elsewhere: a start that finds it so rebuilds it from 0.
   * `folded`: how many events a parallel rebuild has folded so far, which a server beside it reads as
   * the rebuild's progress (`rebuilding()`); never a position to go on from.
   */
  markUnfinished(projection: Projection, folded = 0): void {
    this.#write.run(projection.name, UNFINISHED, folded);
  }
}

/** The version of a read model whose rows a parallel rebuild is still writing (never a projection's version). */
const UNFINISHED = -1;

/**
 * A parallel rebuild holds an exclusive lock on `<store file>-rebuild.lock` while it runs (SQLite's
 * file lock, which the system lets go when the process ends, however it ends). A read model marked
 * unfinished whose lock nobody holds was left by a rebuild that died: a server takes it over.
 */
function rebuildLockFile(storeFile: string): string {
  return `${storeFile}-rebuild.lock`;
}

/** A parallel rebuild's scratch file for one worker's share: `<store file>-rebuild-<part>`. */
function scratchFile(storeFile: string, part: number): string {
  return `${storeFile}-rebuild-${part}`;
}

/** The scratch files of parallel rebuilds beside `storeFile` (their paths): those of one under way, or left by one killed. */
export function scratchFilesBeside(storeFile: string): string[] {
  const prefix = `${basename(storeFile)}-rebuild-`;
  return readdirSync(dirname(storeFile))
    .filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))
    .map((name) => join(dirname(storeFile), name));
}

/**
 * Removes the scratch files a parallel rebuild killed mid-way left (SIGKILL, Ctrl-C on npm run rebuild,
 * a power cut), whatever their number: a rebuild in fewer threads than the killed one made its own
 * and left the others in the data folder for good, each a share of the read models. Called holding the rebuild lock.
 */
function removeScratchFiles(storeFile: string): void {
  for (const file of scratchFilesBeside(storeFile)) rmSync(file, { force: true });
}

/** Takes the rebuild lock, or answers undefined when another connection holds it. Closing the answer lets it go. */
function takeRebuildLock(storeFile: string): Db | undefined {
  const lock = new Database(rebuildLockFile(storeFile));
  try {
    lock.pragma('busy_timeout = 0');
    lock.exec('BEGIN EXCLUSIVE');
    return lock;
  } catch (error) {
    lock.close();
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') return undefined;
    throw error;
  }
}

/**
 * Whether a rebuild holds the read models of `file` now — `npm run rebuild` in another process, or a
 * server's takeover — by its lock, taken and let go at once. A second `npm run rebuild` asks before
 * opening the read models: opening waits for the write lock while the first copies its tables in or
 * makes its indexes, and the first done, the second went on to rebuild it all again (operations QA).
 */
export function rebuildUnderWay(file: string): boolean {
  let lock: Db | undefined;
  try {
    lock = takeRebuildLock(file);
  } catch {
    // The lock cannot be taken at all (a read-only data folder, a full disk): no rebuild holds it; what
    // stops this one is said where it opens the read models, in the words a start uses.
    return false;
  }
  if (!lock) return true;
  lock.close();
  return false;
}

/** Another process rebuilds these read models now (it holds the rebuild lock). */
export class RebuildUnderWayError extends Error {
  override readonly name = 'RebuildUnderWayError';
  constructor() {
    super('另一个进程正在重建读模型（它持有重建锁）：请等它完成后再试');
  }
}

/**
 * A query met read models a rebuild has reset and not yet refilled, in the snapshot it reads: its
 * answer would be short without saying so. Durability QA: `npm run rebuild` started beside a server
 * between a route's check (`rebuilding()`) and its query, and the audit export answered 200 with 7 of
 * 84 lines (which verify-export passed), the case list and the inbox with none.
 */
export class ReadModelsRebuilding extends Error {
  override readonly name = 'ReadModelsRebuilding';
  constructor(
    readonly done: number,
    readonly total: number,
  ) {
    super(`读模型正在重建（已处理到位置 ${done}，共 ${total}）`);
  }
}

/**
 * Read models whose checkpoint is past the end of the log: the log is older than they are (an older
 * backup of it restored under them — with EventStoreDB, readmodels.db kept beside a restored
 * EventStoreDB; with the embedded store, a torn copy or read models copied from elsewhere). Events
 * stored from then on land at positions those checkpoints already passed, and a fold from the
 * checkpoints would skip them for good: they are rebuilt from position 0 instead, and this says so
 * (one line: which read models, their checkpoints, the log's head).
 */
export class ReadModelsAheadOfLog extends Error {
  override readonly name = 'ReadModelsAheadOfLog';
  constructor(
    readonly readModels: readonly { name: string; position: number }[],
    readonly head: number,
  ) {
    const which = readModels.map((m) => `${m.name}（检查点 ${m.position}）`).join('、');
    super(
      `读模型 ${which}超出了事件日志的末尾（位置 ${head}）：事件日志比读模型旧（恢复了较早的事件日志备份，或读模型来自别处），此后存储的事件会落在这些检查点之前而被漏掉；正在从位置 0 重建这些读模型`,
    );
  }
}

/**
 * Read models another version of the code wrote (an upgrade, a rollback, a build beside this one):
 * rebuilt from position 0 at this build's version as the read models open. Told so that an upgrade
 * shows in the log even when the rebuild is too short for progress lines (upgrade QA: nothing said
 * that inbox 5 → 6 and sla 9 → 10 had been rebuilt).
 */
export class ReadModelsOfAnotherVersion extends Error {
  override readonly name = 'ReadModelsOfAnotherVersion';
  constructor(readonly readModels: readonly { name: string; from: number; to: number }[]) {
    const which = readModels.map((m) => `${m.name}（第 ${m.from} 版 → 第 ${m.to} 版）`).join('、');
    super(`读模型 ${which}由其他版本的服务写入，正在按本服务的版本从位置 0 重建`);
  }
}

/**
 * Creates the query indexes of projections that have caught up (idempotent), each entry in an
 * immediate transaction of its own: a summary's fill and its triggers see the same rows (a rebuild
 * in another process may be writing this file), and an append beside them waits for one index's
 * sort at most.
 */
function createQueryIndexes(db: Db, projections: readonly Projection[], onMade?: (done: number, total: number) => void): void {
  const statements = projections.flatMap((p) => p.queryIndexes ?? []);
  // None to make (a read model without query indexes, rebuilt alone): no phase to show.
  if (statements.length === 0) return;
  onMade?.(0, statements.length);
  statements.forEach((sql, i) => {
    db.transaction(() => db.exec(sql)).immediate();
    onMade?.(i + 1, statements.length);
  });
}

/**
 * Creates every read model's tables; a projection never run, or whose version changed, is dropped
 * and reset to position 0 (so the catch-up that follows rebuilds it). Returns the names reset.
 * Query indexes wait for the catch-up (`createQueryIndexes`).
 */
function prepareProjections(
  db: Db,
  checkpoints: Checkpoints,
  projections: readonly Projection[],
  head?: () => number,
): { reset: string[]; ahead: ReadModelsAheadOfLog | undefined; otherVersion: ReadModelsOfAnotherVersion | undefined } {
  const reset: string[] = [];
  const changed: { name: string; from: number; to: number }[] = [];
  let ahead: ReadModelsAheadOfLog | undefined;
  db.transaction(() => {
    const rows = checkpoints.read();
    const past = head ? aheadOf(projections, rows, head()) : undefined;
    if (past) forgetCaseKeysAfter(db, past.head);
    ahead = past;
    for (const p of projections) {
      const row = rows.get(p.name);
      if (row && row.version === p.version && !past?.readModels.some((m) => m.name === p.name)) {
        p.setup(db);
        continue;
      }
      // Another build's (not one being rebuilt, marked unfinished: its rebuild goes on).
      if (row && row.version !== p.version && row.version !== UNFINISHED) changed.push({ name: p.name, from: row.version, to: p.version });
      p.clear(db);
      p.setup(db);
      checkpoints.write(p, 0);
      reset.push(p.name);
    }
  }).immediate();
  return { reset, ahead, otherVersion: changed.length > 0 ? new ReadModelsOfAnotherVersion(changed) : undefined };
}

/**
 * Forgets the keys of cases whose first event is past `position` (caseKeys.ts; inside the caller's
 * transaction): a log cut back there (an older backup restored under the read models) no longer has
 * those cases, and its next events take their positions — a key left behind would be a second
 * case's. (Keys remembered in memory are by case id: those of cases gone are never asked again.)
 */
function forgetCaseKeysAfter(db: Db, position: number): void {
  const kept = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'projection_case_keys'").get() !== undefined;
  if (kept) db.prepare('DELETE FROM projection_case_keys WHERE case_key > ?').run(position);
}

/**
 * The read models of this version whose checkpoint is past `head`, the end of the log (see
 * `ReadModelsAheadOfLog`), or undefined when none is.
 */
function aheadOf(projections: readonly Projection[], rows: Map<string, CheckpointRow>, head: number): ReadModelsAheadOfLog | undefined {
  const ahead = projections.flatMap((p) => {
    const row = rows.get(p.name);
    return row && row.version === p.version && row.position > head ? [{ name: p.name, position: row.position }] : [];
  });
  return ahead.length > 0 ? new ReadModelsAheadOfLog(ahead, head) : undefined;
}

/** Drops and recreates read models at position 0, in one transaction. */
function resetProjections(db: Db, checkpoints: Checkpoints, projections: readonly Projection[]): void {
  db.transaction(() => {
    for (const p of projections) {
      p.clear(db);
      p.setup(db);
      checkpoints.write(p, 0);
    }
  }).immediate();
}

// ── Events that cannot be read ─────────────────────────────────────────────────────────

/**
 * A stored event the read models cannot read (eventstore/types.ts `UnreadableEventError`): its
 * metadata, or its data, is no longer valid JSON. Every read model skips an event whose metadata
 * cannot be parsed, as the audit export does, and its checkpoint moves past it: one damaged row
 * never stops a catch-up, a rebuild or a start, and a rebuild still equals the incremental fold of
 * the events that can be read. (Data is parsed only when a projection asks for it: one whose data
 * cannot be parsed reads as `null`.) Each is told to `onError` once per fold that passes it.
 */
export class UnreadableEventSkipped extends UnreadableEventError {
  constructor(
    event: UnreadableEventError['event'],
    part: 'data' | 'metadata',
    cause: unknown,
    /** The metadata's field that is JSON but not what the engine writes (metadata.ts `unfoldableFact`), when that is why. */
    readonly field?: string,
  ) {
    super(event, part, cause);
    const where = `位置 ${event.position} 的事件（流 ${event.streamId}，版本 ${event.revision}，${event.type}，id ${event.id}）`;
    this.message =
      field !== undefined
        ? `读模型跳过了${where}：其元数据的 ${field} 已不是系统写入的内容，存储内容已被改动；各读模型都不含这一事件`
        : part === 'metadata'
          ? `读模型跳过了${where}：其元数据已不是有效的 JSON，存储内容已损坏或被改动；各读模型都不含这一事件`
          : `读模型无法读取${where}的数据：它已不是有效的 JSON，存储内容已损坏或被改动；读模型读到的数据为空（null）`;
  }

  /** The same event, told in the read models' words. */
  static of(error: UnreadableEventError): UnreadableEventSkipped {
    return error instanceof UnreadableEventSkipped ? error : new UnreadableEventSkipped(error.event, error.part, error.cause);
  }

  /** `event` as skipped when a field of its metadata cannot be folded (`unfoldableFact`), else undefined. */
  static ifUnfoldable(event: RecordedEvent): UnreadableEventSkipped | undefined {
    const field = unfoldableFact(event);
    if (field === undefined) return undefined;
    const { streamId, revision, position, id, type, created } = event;
    return new UnreadableEventSkipped({ streamId, revision, position, id, type, ...(created !== undefined ? { created } : {}) }, 'metadata', new RangeError(`metadata.${field} is not what the engine writes`), field);
  }
}

/** An entry of the log as read models fold it: an event, or a stored one that cannot be read (skipped, its position passed). */
type LogEntry = RecordedEvent | UnreadableEventError;

function positionOf(entry: LogEntry): number {
  return entry instanceof UnreadableEventError ? entry.event.position : entry.position;
}

/** Where skipped events are told: `onError`, else a process warning (never silently). */
type Report = (error: UnreadableEventSkipped) => void;

function reporter(onError: ((error: unknown) => void) | undefined): Report {
  return onError ?? ((error) => process.emitWarning(error));
}

/**
 * One transaction's fold: events go to every projection that has not seen them, then each
 * projection flushes its unit of work and the checkpoints of those that were behind move. The
 * caller holds the transaction; `positions` is updated in place by `finish`.
 */
class Fold {
  readonly #from: number[];
  #last = 0;

  constructor(
    private readonly db: Db,
    private readonly checkpoints: Checkpoints,
    private readonly projections: readonly Projection[],
    private readonly positions: Map<string, number>,
  ) {
    this.#from = projections.map((p) => positions.get(p.name) ?? 0);
  }

  /** The lowest position any of the projections had when the fold began. */
  get from(): number {
    return Math.min(...this.#from);
  }

  /** Folds `events` in; an unreadable one is skipped by every projection, but counts as passed. */
  add(events: readonly LogEntry[]): void {
    const { db, projections } = this;
    const from = this.#from;
    try {
      for (const event of events) {
        if (event instanceof UnreadableEventError) {
          for (let i = 0; i < projections.length; i++) if (event.event.position > from[i]!) projections[i]!.unreadable?.(event.event, db);
          continue;
        }
        for (let i = 0; i < projections.length; i++) if (event.position > from[i]!) projections[i]!.apply(event, db);
      }
    } catch (error) {
      this.discard();
      throw error;
    }
    const last = events[events.length - 1];
    if (last) this.#last = positionOf(last);
  }

  finish(): void {
    try {
      for (const p of this.projections) p.flush?.(this.db);
    } catch (error) {
      this.discard();
      throw error;
    }
    this.projections.forEach((p, i) => {
      if (this.#last > this.#from[i]!) {
        this.checkpoints.write(p, this.#last);
        this.positions.set(p.name, this.#last);
      }
    });
  }

  discard(): void {
    for (const p of this.projections) p.discard?.(this.db);
  }
}

/** Folds events in one go (the caller holds the transaction). */
function applyBatch(db: Db, checkpoints: Checkpoints, projections: readonly Projection[], positions: Map<string, number>, events: readonly LogEntry[]): void {
  if (events.length === 0) return;
  const fold = new Fold(db, checkpoints, projections, positions);
  fold.add(events);
  fold.finish();
}

function minimum(positions: Map<string, number>, names?: Iterable<string>): number {
  let min = Infinity;
  for (const name of names ?? positions.keys()) min = Math.min(min, positions.get(name) ?? 0);
  return min === Infinity ? 0 : min;
}

function pick(projections: readonly Projection[], names?: string | readonly string[]): Projection[] {
  if (names === undefined) return [...projections];
  const wanted = typeof names === 'string' ? [names] : names;
  const unknown = wanted.filter((n) => !projections.some((p) => p.name === n));
  if (unknown.length > 0) throw new RangeError(`unknown read model ${unknown.join(', ')}: one of ${projections.map((p) => p.name).join(', ')}`);
  return projections.filter((p) => wanted.includes(p.name));
}

/** Events read from the SQLite log at a time. */
const PAGE = 1000;
/**
 * Events an append folds in before its own when read models are behind it (another process's
 * appends to the same file): beyond this, a fold inside the append would hold every request up for
 * seconds, so those read models catch up in batches after it.
 */
const INLINE_GAP = 10_000;
/**
 * Events a read folds in itself when read models are that little behind the head and nobody folds
 * them: an older build beside this one on the file appends without writing the read models only
 * this build keeps (a newer version), and each of its commands sent this node's next read away with
 * 503 "rebuilding" for five seconds (upgrade QA: 60 of 308 reads, one per command). A thousand events
 * fold in some tens of milliseconds; further behind, they are caught up in batches as before.
 */
const READ_GAP = 1_000;
/** The page cache of a connection while it catches up, and at least at other times (KiB). */
const CATCH_UP_CACHE_KIB = 128 * 1024;
const READ_MODEL_CACHE_KIB = 64 * 1024;

/** Raises a connection's page cache to at least `kib`; answers the setting it had. */
function raiseCache(db: Db, kib: number): number {
  const cache = db.pragma('cache_size', { simple: true }) as number;
  const bytes = cache < 0 ? -cache * 1024 : cache * (db.pragma('page_size', { simple: true }) as number);
  if (bytes < kib * 1024) db.pragma(`cache_size = -${kib}`);
  return cache;
}

interface Waiter {
  position: number;
  resolve: (caughtUp: boolean) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Promises of "caught up to position p" for the API's `minPosition`. */
class Waiters {
  readonly #list = new Set<Waiter>();

  get size(): number {
    return this.#list.size;
  }

  wait(position: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        position,
        resolve,
        timer: setTimeout(() => {
          this.#list.delete(waiter);
          resolve(false);
        }, Math.max(0, timeoutMs)),
      };
      this.#list.add(waiter);
    });
  }

  /** Resolves every waiter at or below `position`. */
  reached(position: number): void {
    for (const w of this.#list) {
      if (w.position > position) continue;
      clearTimeout(w.timer);
      this.#list.delete(w);
      w.resolve(true);
    }
  }

  /** Resolves every waiter with false (closing). */
  cancel(): void {
    for (const w of this.#list) {
      clearTimeout(w.timer);
      w.resolve(false);
    }
    this.#list.clear();
  }
}

// ── Reading the SQLite log directly ─────────────────────────────────────────────────────

/**
 * An event read straight from the SQLite store's table: metadata parsed at once, data read and
 * parsed only when a projection asks for it (read models fold metadata; reading every payload
 * would cost a third of the read). Data that cannot be parsed reads as `null`, and is told
 * (`UnreadableEventSkipped`): a projection that reads it never throws out of the fold.
 */
class StoredEvent implements RecordedEvent {
  #load: ((event: StoredEvent) => unknown) | undefined;
  #data: unknown;

  constructor(
    readonly position: number,
    readonly streamId: string,
    readonly revision: number,
    readonly id: string,
    readonly type: string,
    load: (event: StoredEvent) => unknown,
    readonly metadata: Record<string, unknown>,
    readonly created: string,
  ) {
    this.#load = load;
  }

  get data(): unknown {
    const load = this.#load;
    if (load !== undefined) {
      this.#load = undefined;
      this.#data = load(this);
    }
    return this.#data;
  }
}

type LogRow = [number, string, number, string, string, string, string];

/**
 * Synchronous pages of the SQLite store's `events` table (eventstore/sqlite.ts `SQLITE_SCHEMA`), for
 * catching up inside one thread and inside an append's transaction. A row whose metadata cannot be
 * parsed comes as its `UnreadableEventError`, in its place, and is told to `report` as it is read.
 * Its id, type and time of storing, which no fold reads, were also read only when asked, for a
 * rebuild: three rounds of bench:projections' rebuild, in turn with and without, showed no gain
 * (31.7–34.4 s as it is, 33.6–38.0 without them, 32.3–35.2 without the stream id too); dropped.
 */
class SqliteLog {
  readonly #page: Database.Statement<[number, number, number], LogRow>;
  readonly #head: Database.Statement<[], number | null>;
  readonly #data: (event: StoredEvent) => unknown;
  readonly #report: Report;

  /** `share`: only the streams of this part of `parts` (a parallel rebuild's worker). */
  constructor(db: Db, report: Report, share?: { part: number; parts: number }) {
    this.#report = report;
    // A stream's share is a function of its last two characters (a case id's random hex digits).
    const only = share ? ` AND (unicode(substr(stream_id, -1)) * 31 + unicode(substr(stream_id, -2, 1))) % ${share.parts} = ${share.part}` : '';
    this.#page = db
      .prepare<[number, number, number], LogRow>(
        `SELECT position, stream_id, revision, id, type, metadata, created FROM events WHERE position > ? AND position <= ?${only} ORDER BY position LIMIT ?`,
      )
      .raw(true);
    this.#head = db.prepare<[], number | null>('SELECT max(position) FROM events').pluck();
    const data = db.prepare<[number], string>('SELECT data FROM events WHERE position = ?').pluck();
    this.#data = (event) => {
      const text = data.get(event.position) ?? 'null';
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        this.#report(new UnreadableEventSkipped(event, 'data', error));
        return null;
      }
    };
  }

  /** Up to `limit` events after `after`, at most up to `upTo`; one that cannot be read as its error. */
  page(after: number, upTo: number, limit: number): LogEntry[] {
    const rows = this.#page.all(after, Math.min(upTo, Number.MAX_SAFE_INTEGER), limit);
    const events = new Array<LogEntry>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      let metadata: Record<string, unknown>;
      try {
        metadata = JSON.parse(r[5]) as Record<string, unknown>;
      } catch (error) {
        const skipped = new UnreadableEventSkipped({ streamId: r[1], revision: r[2], position: r[0], id: r[3], type: r[4], created: r[6] }, 'metadata', error);
        this.#report(skipped);
        events[i] = skipped;
        continue;
      }
      const event = new StoredEvent(r[0], r[1], r[2], r[3], r[4], this.#data, metadata, r[6]);
      const unfoldable = UnreadableEventSkipped.ifUnfoldable(event);
      if (unfoldable) this.#report(unfoldable);
      events[i] = unfoldable ?? event;
    }
    return events;
  }

  head(): number {
    return this.#head.get() ?? 0;
  }

  #assigned: Database.Statement<[], number | null> | undefined;

  /**
   * The highest position the log has ever given an event (AUTOINCREMENT never gives one twice): the
   * head, or past it when the last events were cut off the file. Only a log whose own counter went
   * back too — an older copy of the file — gives positions the read models have passed. Events cut
   * off the end are not that: the read models keep the case list's revisions that let verify name
   * them (eventsMissing), and the next events come after the checkpoints.
   */
  assigned(db: Db): number {
    this.#assigned ??= db.prepare<[], number | null>(
      "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0), coalesce((SELECT max(position) FROM events), 0))",
    ).pluck();
    return this.#assigned.get() ?? 0;
  }
}

// ── Rebuilding in worker threads ───────────────────────────────────────────────────────

/** What a rebuild worker is given (its `workerData`). */
export interface RebuildJob {
  /** The store's database file (read only). */
  file: string;
  /** The worker's own database file: it creates the read models' tables there and fills them. */
  target: string;
  /** The read models to fold. */
  names: string[];
  /** This worker's share of the streams: `part` of `parts`. */
  part: number;
  parts: number;
  /** The last position to fold. */
  upTo: number;
  /** Events folded between settles. */
  batchSize: number;
  /** How far the worker has come is told at every settle, and between them at least this often (ms). */
  reportEveryMs?: number;
}

/** Events a rebuild worker folds between settles into its own file. */
const WORKER_BATCH = 100_000;
/**
 * How often a rebuild worker tells how far it has come between its settles. At settles alone (every
 * 100,000 events) a rebuild of 400,000 events on two cores showed nothing for its first 18 s, and
 * then stood still for 12–17 s at a time: the bar of `npm run rebuild` frozen (its clock saying 0 s
 * after 18), `/health` and the 503s of a server beside it saying 0 done.
 */
const WORKER_REPORT_EVERY_MS = 1_000;

/** What a rebuild worker posts about an event it skipped (`UnreadableEventSkipped`): an error's own fields are not cloned. */
interface UnreadableMessage {
  unreadable: { event: UnreadableEventError['event']; part: 'data' | 'metadata'; cause: string; field?: string };
}

/** Tells the runner's thread of an event a worker skipped: it reports it to `onError`. */
function postUnreadable(error: UnreadableEventSkipped): void {
  const { streamId, revision, position, id, type } = error.event;
  const cause = error.cause instanceof Error ? error.cause.message : String(error.cause);
  parentPort?.postMessage({ unreadable: { event: { streamId, revision, position, id, type }, part: error.part, cause, ...(error.field !== undefined ? { field: error.field } : {}) } } satisfies UnreadableMessage);
}

/**
 * The body of a rebuild worker (see `ParallelRebuild`): folds its share of the log into the read
 * models named, in a database file of its own (`job.target`, created afresh: no journal, no lock
 * shared with anyone), settling every `batchSize` events (`Projection.settle`) and flushing at the
 * end, and tells `report` how many events it has folded. The runner then copies the rows into the
 * store's file (`mergeRebuilt`). An event it cannot read is skipped, as in every fold, and told to
 * `onUnreadable` (by default, to the runner's thread, which tells `onError`).
 */
export function runRebuildWorker(
  job: RebuildJob,
  known: readonly Projection[],
  report: (folded: number) => void,
  onUnreadable: (error: UnreadableEventSkipped) => void = postUnreadable,
  /** Run once the tables are set up, before the fold: what the worker's file is to learn from the read models' (caseKeys.ts `knownCaseKeys`). */
  beside?: (db: Db, source: Db) => void,
): void {
  const projections = pick(known, job.names);
  rmSync(job.target, { force: true });
  const db = new Database(job.target);
  const source = new Database(job.file, { readonly: true, fileMustExist: true });
  try {
    // A scratch file: a crash leaves the checkpoints unfinished, and the rebuild starts over.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('locking_mode = EXCLUSIVE');
    raiseCache(db, CATCH_UP_CACHE_KIB);
    source.pragma(`mmap_size = ${SQLITE_MMAP_BYTES}`);
    db.transaction(() => {
      for (const p of projections) p.setup(db);
    })();
    beside?.(db, source);
    const log = new SqliteLog(source, onUnreadable, { part: job.part, parts: job.parts });
    const settle = db.transaction(() => {
      for (const p of projections) {
        if (p.settle) p.settle(db);
        else p.flush?.(db);
      }
    });
    const flush = db.transaction(() => {
      for (const p of projections) p.flush?.(db);
    });
    let after = 0;
    let folded = 0;
    let unflushed = 0;
    const every = job.reportEveryMs ?? WORKER_REPORT_EVERY_MS;
    let reported = elapsedMs();
    for (;;) {
      const events = log.page(after, job.upTo, Math.min(PAGE, job.batchSize - unflushed));
      if (events.length === 0) break;
      for (const event of events) {
        if (event instanceof UnreadableEventError) {
          for (const p of projections) p.unreadable?.(event.event, db);
          continue;
        }
        for (const p of projections) p.apply(event, db);
      }
      after = positionOf(events[events.length - 1]!);
      folded += events.length;
      unflushed += events.length;
      if (unflushed >= job.batchSize) {
        settle();
        unflushed = 0;
        report(folded);
        reported = elapsedMs();
      } else if (elapsedMs() - reported >= every) {
        // Progress only: the rows folded since the last settle are written at the next one.
        report(folded);
        reported = elapsedMs();
      }
    }
    flush();
    report(folded);
  } finally {
    source.close();
    db.close();
  }
}

/**
 * Copies the rows rebuild workers left in their files (attached as `rebuilt_0` … `rebuilt_<files-1>`)
 * into the store's database: every table of each file into the table of the same name, one
 * transaction per table and file, so an append beside it (a server on the same file) waits for one
 * copy at most. Into an empty table SQLite copies the records as they are; rows a table already
 * holds win (the case keys a rebuild finds again: a key is a fact of the log). The checkpoints stay
 * unfinished meanwhile: queries answer that a rebuild is under way, and a crash starts it over.
 *
 * Measured at 1,000,000 events (bench:projections' log, two workers) and dropped: workers writing
 * straight into the store's file, each in its own write transactions, with no scratch file and no
 * copy (24.0 and 25.0 s in all, against 23.5 and 24.6 s with the copy: the log's writes and the two
 * workers' turns at the write lock cost what the copy saved); `PRAGMA threads = 2` for the query
 * indexes' sorts (each sort fits in memory, so SQLite made them in one thread all the same); and
 * workers with a 96 MiB young generation (`resourceLimits`; three pairs of runs, no gain). The
 * copy's slow half is the second file's: its rows go in between the first's (2.5 s for both, 1.9 of
 * them for the second).
 */
function mergeRebuilt(db: Db, files: number, onCopied?: (done: number, total: number) => void): void {
  const copies = Array.from({ length: files }, (_, i) => `rebuilt_${i}`).flatMap((schema) =>
    db
      .prepare<[], string>(`SELECT name FROM ${schema}.sqlite_schema WHERE type = 'table' ORDER BY name`)
      .pluck()
      .all()
      .map((table) => ({ schema, table })),
  );
  onCopied?.(0, copies.length);
  for (const [i, { schema, table }] of copies.entries()) {
    db.transaction(() => {
      const empty = db.prepare(`SELECT 1 FROM main."${table}" LIMIT 1`).get() === undefined;
      db.exec(`INSERT ${empty ? '' : 'OR IGNORE '}INTO main."${table}" SELECT * FROM ${schema}."${table}"`);
    }).immediate();
    onCopied?.(i + 1, copies.length);
  }
}

/** The worker's script: TypeScript sources (tsx, vitest) register tsx's loader before loading the entry. */
function workerScript(entry: URL): string {
  const load = `import(${JSON.stringify(entry.href)})`;
  if (!entry.pathname.endsWith('.ts')) return load;
  return `import(${JSON.stringify(tsxApi())}).then((tsx) => tsx.register()).then(() => ${load})`;
}

/** The URL of tsx's ESM API (`tsx/esm/api`, its `import` condition: a worker's script has no resolver of its own). */
function tsxApi(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const { exports } = require(manifest) as { exports: Record<string, { import?: { default?: string } }> };
  const api = exports['./esm/api']?.import?.default;
  if (!api) throw new Error('tsx has no ESM API: cannot rebuild read models in worker threads from TypeScript sources');
  return pathToFileURL(join(dirname(manifest), api)).href;
}

/** Runs one rebuild worker to its end; `active` holds it meanwhile (closing terminates it). Events it skipped go to `onUnreadable`. */
function runWorker(entry: URL, job: RebuildJob, onFolded: (folded: number) => void, onUnreadable: Report, active: Set<Worker>): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerScript(entry), { eval: true, workerData: job });
    active.add(worker);
    let failure: unknown;
    worker.on('message', (m: { folded?: number } & Partial<UnreadableMessage>) => {
      if (typeof m.folded === 'number') onFolded(m.folded);
      if (m.unreadable) onUnreadable(new UnreadableEventSkipped(m.unreadable.event, m.unreadable.part, new SyntaxError(m.unreadable.cause), m.unreadable.field));
    });
    worker.on('error', (error) => {
      failure = error;
    });
    worker.on('exit', (code) => {
      active.delete(worker);
      if (code === 0 && failure === undefined) resolve();
      else reject(failure ?? new Error(`rebuild worker ${job.part + 1}/${job.parts} exited with code ${code}`));
    });
  });
}

// ── The two modes ───────────────────────────────────────────────────────────────────────

/** `partialIn`'s two reads, prepared once per connection (the read models' own, or a reader's). */
const partialReads = new WeakMap<Db, { checkpoints: Database.Statement<[], CheckpointRow>; head: Database.Statement<[], number | null> }>();

/** What both modes offer the facade. */
export interface Projector {
  readonly mode: 'inline' | 'follow';
  /** The read models' database. */
  readonly db: Db;
  /** The position every read model has reached (the lowest checkpoint). */
  readonly position: number;
  /** Head position of the log minus `position`. */
  lag(): Promise<number>;
  /** Resolves true once every read model has reached `position`, false after `timeoutMs`. */
  waitFor(position: number, timeoutMs?: number): Promise<boolean>;
  /** Drops read models (all, or those named) and rebuilds them from position 0. */
  rebuild(names?: string | readonly string[], onProgress?: Progress): Promise<RebuildSummary>;
  /**
   * Whether some read model is being rebuilt — here, or by another process on the same file
   * (`npm run rebuild`: its checkpoint is marked unfinished) — so that queries would answer from
   * part of the log: how far it has come, else undefined.
   */
  rebuilding(): { done: number; total: number } | undefined;
  /**
   * `rebuilding()` as the snapshot `db` (the read models' database, or a reader's connection to its
   * file) holds it, read there and nowhere else, and nothing taken over: the caller holds a read
   * transaction on `db` and queries in it, so what it checked is what it reads.
   */
  partialIn(db: Db): { done: number; total: number } | undefined;
  /**
   * Read models whose checkpoint a newer build of the code wrote (a higher version: a rollback, or an
   * older node beside a newer one on one file): this build cannot read their rows, and does not take
   * them back while it runs (the newer build would take them back in turn: a rebuild war). Undefined
   * when there are none.
   */
  newerBuild?(): NewerReadModel[] | undefined;
  close(): Promise<void>;
}

/** A read model a newer build of the code keeps: its version there, and ours. */
export interface NewerReadModel {
  name: string;
  version: number;
  ours: number;
}

/**
 * Inline mode: read models in the store's own database. `start` registers the append handler and
 * catches up; while a projection is catching up or being rebuilt it is detached from the handler
 * (its loop reads the new events from the table), so no append ever waits for a whole rebuild.
 */
export class InlineProjector implements Projector {
  readonly mode = 'inline';
  readonly db: Db;
  readonly #store: SqliteEventStore;
  readonly #projections: readonly Projection[];
  readonly #checkpoints: Checkpoints;
  /** The log through the store's connection: inside an append's transaction. */
  readonly #log: SqliteLog;
  /** The log through a connection of its own, for catching up: streaming the log through the store's page cache would evict the read models' pages. */
  #reader: { db: Db; log: SqliteLog } | undefined;
  readonly #batchSize: number;
  readonly #parallel: ParallelRebuild | undefined;
  readonly #onError: ((error: unknown) => void) | undefined;
  readonly #onTakeOver: RunnerOptions['onTakeOver'];
  readonly #report: Report;
  readonly #workers = new Set<Worker>();
  readonly #detached = new Set<string>();
  readonly #waiters = new Waiters();
  /** Read models an append found far behind, waiting for `#lateRun` to catch them up. */
  readonly #late = new Set<Projection>();
  #lateRun: Promise<void> | undefined;
  /** A rebuild of read models another process left unfinished (`#takeOverAbandoned`), and the rebuild lock it holds meanwhile. */
  #takingOver: Promise<void> | undefined;
  #heldLock: Db | undefined;
  #unsubscribe: (() => void) | undefined;
  #closed = false;

  constructor(store: SqliteEventStore, projections: readonly Projection[], options: RunnerOptions = {}) {
    this.#store = store;
    this.db = store.database;
    this.#projections = projections;
    this.#batchSize = options.batchSize ?? 20_000;
    this.#parallel = options.parallel;
    this.#onError = options.onError;
    this.#onTakeOver = options.onTakeOver;
    this.#report = reporter(options.onError);
    this.#checkpoints = new Checkpoints(this.db);
    this.#log = new SqliteLog(this.db, this.#report);
  }

  /**
   * Prepares the tables (rebuilding any whose version changed), attaches to appends, catches up.
   * `rebuildNext`: read models the caller rebuilds at once (`npm run rebuild`), left as they are
   * here, detached, for `rebuild` to take: catching them up first was work thrown away (150,000
   * events behind, 27 of the script's 30 s, with no progress shown).
   */
  async start(onProgress?: Progress, rebuildNext: readonly string[] = []): Promise<void> {
    // The read models share the store's connection: their recent pages and the reports' indexes stay in its cache.
    raiseCache(this.db, READ_MODEL_CACHE_KIB);
    // Read models ahead of the log are reset here: the catch-up below rebuilds them from 0, with progress.
    const { ahead, otherVersion } = prepareProjections(this.db, this.#checkpoints, this.#projections, () => this.#log.assigned(this.db));
    if (ahead) this.#tell(ahead);
    if (otherVersion) this.#tell(otherVersion);
    for (const p of this.#projections) this.#detached.add(p.name);
    this.#unsubscribe = this.#store.onAppend((events) => this.#onAppend(events));
    const catchUp = this.#projections.filter((p) => !rebuildNext.includes(p.name));
    if (catchUp.length > 0) await this.#catchUp(catchUp, onProgress);
  }

  get position(): number {
    return minimum(this.#checkpoints.positions(this.#projections));
  }

  async lag(): Promise<number> {
    return Math.max(0, this.#log.head() - this.position);
  }

  waitFor(position: number, timeoutMs = 5000): Promise<boolean> {
    if (this.position >= position) return Promise.resolve(true);
    if (this.#closed) return Promise.resolve(false);
    // A position the log never gave: no command was answered with it (one is committed, here or by
    // another server on the file, before its answer), so no wait brings it — a read asking for one
    // waited the whole bound for nothing, a cheap way to hold connections (security QA).
    if (position > this.#log.assigned(this.db)) return Promise.resolve(false);
    return this.#waiters.wait(position, timeoutMs);
  }

  rebuilding(): { done: number; total: number } | undefined {
    // Inline, every append moves the checkpoints in its own transaction: a read model behind the
    // head, or marked unfinished, is being caught up — here, or by `npm run rebuild` beside us. Both
    // read in one snapshot: another server's commit between two reads looked like a read model behind.
    let { rows, head } = this.#snapshot();
    // Past the head only because its last events were cut off (the counter still past them) is not ahead: see SqliteLog.assigned.
    if (aheadOf(this.#attached(), rows, head) && aheadOf(this.#attached(), rows, this.#log.assigned(this.db))) ({ rows, head } = this.#rebuildAheadOfLog());
    if (this.#detached.size === 0 && this.#current(rows, head)) return undefined;
    if (this.#detached.size === 0 && this.#caughtUpNear(rows, head)) return undefined;
    this.#takeOverAbandoned(rows);
    this.#takeOverBehind(rows, head);
    return this.#progressOf(rows, head);
  }

  partialIn(db: Db): { done: number; total: number } | undefined {
    let reads = partialReads.get(db);
    if (!reads) {
      reads = {
        checkpoints: db.prepare<[], CheckpointRow>('SELECT name, version, position FROM projection_checkpoints'),
        head: db.prepare<[], number | null>('SELECT max(position) FROM events').pluck(),
      };
      partialReads.set(db, reads);
    }
    const rows = new Map(reads.checkpoints.all().map((r) => [r.name, r]));
    const head = reads.head.get() ?? 0;
    return this.#detached.size === 0 && this.#current(rows, head) ? undefined : this.#progressOf(rows, head);
  }

  /** Every read model at this build's version and at `head`, as the checkpoints `rows` say: inline, every append moves them in its own transaction. */
  #current(rows: Map<string, CheckpointRow>, head: number): boolean {
    return this.#projections.every((p) => {
      const row = rows.get(p.name);
      return row !== undefined && row.version === p.version && row.position >= head;
    });
  }

  /** How far a rebuild or catch-up has come: the lowest checkpoint, of `head`. */
  #progressOf(rows: Map<string, CheckpointRow>, head: number): { done: number; total: number } {
    return { done: Math.min(...this.#projections.map((p) => rows.get(p.name)?.position ?? 0)), total: head };
  }

  newerBuild(): NewerReadModel[] | undefined {
    const rows = this.#checkpoints.read();
    const newer = this.#projections.flatMap((p) => {
      const version = rows.get(p.name)?.version;
      return version !== undefined && version > p.version ? [{ name: p.name, version, ours: p.version }] : [];
    });
    return newer.length > 0 ? newer : undefined;
  }

  async rebuild(names?: string | readonly string[], onProgress?: Progress): Promise<RebuildSummary> {
    const targets = pick(this.#projections, names);
    // Held for the whole rebuild, in one thread or in workers: a server beside us knows by it that we
    // are alive, and takes the read models over once it is free (`#takeOverBehind`).
    const file = this.db.name;
    const held = this.#heldLock;
    const lock = held ?? (this.db.memory || !file ? undefined : takeRebuildLock(file));
    if (!held && !this.db.memory && file && !lock) throw new RebuildUnderWayError();
    this.#heldLock = lock;
    try {
      for (const p of targets) this.#detached.add(p.name);
      resetProjections(this.db, this.#checkpoints, targets);
      return { threads: await this.#catchUp(targets, onProgress) };
    } finally {
      if (!held) {
        this.#heldLock = undefined;
        lock?.close();
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#waiters.cancel();
    await Promise.all([...this.#workers].map((w) => w.terminate()));
    await this.#lateRun;
    await this.#takingOver;
    this.#reader?.db.close();
    this.#reader = undefined;
  }

  /** A read-only connection to the store's file (the store's own for an in-memory store). */
  #catchUpLog(): SqliteLog {
    if (this.#reader) return this.#reader.log;
    const file = this.db.name;
    if (this.db.memory || !file) return this.#log;
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma(`mmap_size = ${SQLITE_MMAP_BYTES}`);
    this.#reader = { db, log: new SqliteLog(db, this.#report) };
    return this.#reader.log;
  }

  /** Runs inside the append transaction: a throw here rolls the append back. */
  #onAppend(events: RecordedEvent[]): void {
    const first = events[0];
    if (!first) return;
    const attached = this.#projections.filter((p) => !this.#detached.has(p.name));
    if (attached.length === 0) return;
    let rows = this.#checkpoints.read();
    // A checkpoint at or past this append's first event: the log is older than the read model (an
    // older backup restored under it). Folded from there, this append and the next would be skipped.
    const ahead = aheadOf(attached, rows, first.position - 1);
    if (ahead && this.#canTakeOver()) rows = this.#markAheadOfLog(ahead, rows);
    this.#takeOverAbandoned(rows);
    const positions = new Map<string, number>();
    const far: Projection[] = [];
    const near: Projection[] = [];
    for (const p of attached) {
      const row = rows.get(p.name);
      // Another process is rebuilding it (marked unfinished), or folds it with another version of the code: not ours to write.
      if (!row || row.version !== p.version) continue;
      // Far behind (another process rebuilds it batch by batch, or appended a long run): caught up in batches after this append, not inside it.
      if (row.position < first.position - 1 - INLINE_GAP) far.push(p);
      else {
        near.push(p);
        positions.set(p.name, row.position);
      }
    }
    if (far.length > 0) this.#catchUpLater(far);
    if (near.length === 0) return;
    // Events another process appended to the file never reached this handler: fold them first.
    if (minimum(positions) < first.position - 1) this.#foldRange(near, positions, first.position - 1);
    applyBatch(this.db, this.#checkpoints, near, positions, events);
    // Waiters look after the commit (a later handler may still roll this append back).
    if (this.#waiters.size > 0) queueMicrotask(() => this.#waiters.reached(this.position));
  }

  /** Read models appends fold here now. */
  #attached(): Projection[] {
    return this.#projections.filter((p) => !this.#detached.has(p.name));
  }

  /** A file's read models can be taken over (`#takeOver` needs the rebuild lock, which a database in memory has not). */
  #canTakeOver(): boolean {
    return !this.#closed && !this.db.memory && this.db.name !== '';
  }

  /** Told once, wherever it is found: the server logs it. */
  #tell(notice: ReadModelsAheadOfLog | ReadModelsOfAnotherVersion): void {
    if (this.#onError) this.#onError(notice);
    else process.emitWarning(notice);
  }

  /**
   * Marks read models found ahead of the log unfinished (inside the caller's transaction), so that
   * appends leave them and every reader answers "rebuilding" until `#takeOverAbandoned` — here, or
   * in any process on the file — has rebuilt them from 0; tells it. Answers the checkpoints as now.
   */
  #markAheadOfLog(ahead: ReadModelsAheadOfLog, rows: Map<string, CheckpointRow>): Map<string, CheckpointRow> {
    const marked = new Map(rows);
    forgetCaseKeysAfter(this.db, ahead.head);
    for (const m of ahead.readModels) {
      const p = this.#projections.find((q) => q.name === m.name)!;
      this.#checkpoints.markUnfinished(p);
      marked.set(p.name, { name: p.name, version: UNFINISHED, position: 0 });
    }
    this.#tell(ahead);
    return marked;
  }

  /** Read models a read found ahead of the log (the log cut back under this server): seen again and marked in one write. */
  #rebuildAheadOfLog(): { rows: Map<string, CheckpointRow>; head: number } {
    return this.db.transaction(() => {
      const rows = this.#checkpoints.read();
      const head = this.#log.head();
      const ahead = this.#canTakeOver() ? aheadOf(this.#attached(), rows, this.#log.assigned(this.db)) : undefined;
      return { rows: ahead ? this.#markAheadOfLog(ahead, rows) : rows, head };
    }).immediate();
  }

  /**
   * Rebuilds here the read models marked unfinished that no process is rebuilding any more (`npm run
   * rebuild` killed part-way: its lock is free). Without it they stayed unfinished, and every read
   * answered "a rebuild is under way" until someone ran it again. One takeover at a time.
   *
   * So too read models an older build of the code rebuilt at its lower version (it started beside
   * this server on the same file, or ran `npm run rebuild`): this server skipped them and answered
   * "rebuilding" until it was restarted. The newer build takes them back, once; an older one never
   * takes back a higher version (`newerBuild`), so two builds side by side do not rebuild in turn.
   */
  #takeOverAbandoned(rows: Map<string, CheckpointRow>): void {
    if (this.#takingOver || this.#closed) return;
    const file = this.db.name;
    if (this.db.memory || !file) return;
    const left = this.#projections.filter((p) => {
      const version = rows.get(p.name)?.version;
      // UNFINISHED is below every version.
      return !this.#detached.has(p.name) && version !== undefined && version < p.version;
    });
    if (left.length === 0) return;
    // Held from here to the end of the takeover: no other process starts a rebuild in between.
    const lock = this.#lockToTakeOver(file);
    if (!lock) return;
    const names = left.map((p) => p.name);
    // Told, or the server finished a killed rebuild of minutes without a line in its log (progress QA).
    const report = this.#onTakeOver?.(names);
    this.#takeOver(lock, left, async () => {
      try {
        await this.rebuild(names, report?.progress);
      } catch (error) {
        report?.done(error);
        throw error;
      }
      report?.done();
    });
  }

  /**
   * The rebuild lock for a takeover, or undefined when another process holds it — or when it cannot
   * be taken (a full disk: SQLite writes the lock file's first page), told to `onError`: the read
   * models stay as they are and the next read or append tries again. Thrown, it failed /health,
   * /metrics and every read with the store's error while a rebuild killed by a full disk was left.
   */
  #lockToTakeOver(file: string): Db | undefined {
    try {
      return takeRebuildLock(file);
    } catch (error) {
      this.#onError?.(error);
      return undefined;
    }
  }

  /**
   * Runs a takeover's `work` on `projections` holding the rebuild `lock` (one takeover at a time, let
   * go at its end); if it fails, they are attached again (the next read or append tries again).
   */
  #takeOver(lock: Db, projections: readonly Projection[], work: () => Promise<unknown>): void {
    this.#heldLock = lock;
    this.#takingOver = (async () => {
      try {
        await nextTurn();
        if (!this.#closed) await work();
      } catch (error) {
        for (const p of projections) this.#detached.delete(p.name);
        this.#onError?.(error);
      } finally {
        this.#heldLock = undefined;
        lock.close();
        this.#takingOver = undefined;
      }
    })();
  }

  /** The checkpoints and the head of the log, read in one snapshot. */
  #snapshot(): { rows: Map<string, CheckpointRow>; head: number } {
    return this.db.transaction(() => ({ rows: this.#checkpoints.read(), head: this.#log.head() }))();
  }

  /**
   * Read models behind the head that nobody is catching up: not here (attached), and not by another
   * process (the rebuild lock is free) — a rebuild in one thread killed part-way beside this server,
   * whose batches left the rows and checkpoints consistent where it stopped. Caught up from there,
   * under the lock; before, they answered "rebuilding" until the next command came.
   */
  #takeOverBehind(rows: Map<string, CheckpointRow>, head: number): void {
    if (this.#takingOver || this.#closed) return;
    const file = this.db.name;
    if (this.db.memory || !file) return;
    const behindIn = (seen: Map<string, CheckpointRow>, upTo: number) =>
      this.#projections.filter((p) => {
        const row = seen.get(p.name);
        return !this.#detached.has(p.name) && row !== undefined && row.version === p.version && row.position < upTo;
      });
    if (behindIn(rows, head).length === 0) return;
    const lock = this.#lockToTakeOver(file);
    if (!lock) return;
    // Still behind, now that no rebuild can start: seen again in one snapshot.
    const now = this.#snapshot();
    const behind = behindIn(now.rows, now.head);
    if (behind.length === 0) {
      lock.close();
      return;
    }
    for (const p of behind) this.#detached.add(p.name);
    // Told as a takeover from 0 is (durability QA: a killed rebuild finished here without a line in the log).
    const report = this.#onTakeOver?.(
      behind.map((p) => p.name),
      Math.min(...behind.map((p) => now.rows.get(p.name)!.position)),
    );
    this.#takeOver(lock, behind, async () => {
      try {
        await this.#catchUpBatches(behind, this.#catchUpLog(), report?.progress);
      } catch (error) {
        report?.done(error);
        throw error;
      }
      report?.done();
    });
  }

  /**
   * Folds read models a few events behind the head (`READ_GAP`) up to it, here and now, when nobody
   * else folds them (the rebuild lock is free): true once every read model is current. In one write
   * transaction that reads the checkpoints again, so a fold by another server between is not done twice.
   */
  #caughtUpNear(seen: Map<string, CheckpointRow>, seenHead: number): boolean {
    if (this.#takingOver || !this.#canTakeOver()) return false;
    const near = (row: CheckpointRow | undefined, p: Projection, head: number) => row !== undefined && row.version === p.version && row.position >= head - READ_GAP;
    if (!this.#projections.every((p) => near(seen.get(p.name), p, seenHead))) return false;
    const lock = this.#lockToTakeOver(this.db.name);
    if (!lock) return false;
    try {
      const current = this.db
        .transaction(() => {
          const rows = this.#checkpoints.read();
          const head = this.#log.head();
          if (!this.#projections.every((p) => near(rows.get(p.name), p, head))) return false;
          const behind = this.#projections.filter((p) => rows.get(p.name)!.position < head);
          const positions = new Map(behind.map((p) => [p.name, rows.get(p.name)!.position]));
          if (behind.length > 0) this.#foldRange(behind, positions, head);
          return true;
        })
        .immediate();
      if (current && this.#waiters.size > 0) this.#waiters.reached(this.position);
      return current;
    } catch (error) {
      this.#onError?.(error);
      return false;
    } finally {
      lock.close();
    }
  }

  /**
   * Detaches read models an append found far behind and catches them up in batches, one
   * transaction each, yielding between them (one catch-up at a time; errors go to `onError`).
   */
  #catchUpLater(projections: readonly Projection[]): void {
    for (const p of projections) {
      this.#detached.add(p.name);
      this.#late.add(p);
    }
    this.#lateRun ??= (async () => {
      while (this.#late.size > 0 && !this.#closed) {
        const list = [...this.#late];
        this.#late.clear();
        try {
          await nextTurn();
          if (this.#closed) break;
          await this.#catchUpBatches(list, this.#catchUpLog());
        } catch (error) {
          // Attached again: the next append finds them behind and tries again.
          for (const p of list) this.#detached.delete(p.name);
          this.#onError?.(error);
        }
      }
      this.#lateRun = undefined;
    })();
  }

  /** Folds the log up to `upTo` into projections that are behind it (inside the caller's transaction). */
  #foldRange(projections: readonly Projection[], positions: Map<string, number>, upTo: number): void {
    for (;;) {
      const events = this.#log.page(minimum(positions), upTo, PAGE);
      if (events.length === 0) return;
      applyBatch(this.db, this.#checkpoints, projections, positions, events);
    }
  }

  /** Catches detached projections up in batches, one transaction each, yielding between them; answers the threads that rebuilt those at 0. */
  async #catchUp(projections: readonly Projection[], onProgress?: Progress): Promise<number> {
    const log = this.#catchUpLog();
    // A catch-up touches every read model's recent pages in every batch: keep them in memory meanwhile.
    const cache = raiseCache(this.db, CATCH_UP_CACHE_KIB);
    try {
      const positions = this.#checkpoints.positions(projections);
      const fresh = projections.filter((p) => positions.get(p.name) === 0);
      const threads = fresh.length > 0 ? await this.#rebuildInWorkers(fresh, onProgress) : 1;
      // After workers the progress has been told to its end (fold, copy, index): what appends came
      // meanwhile is caught up without a word, rather than the fold reported again after the indexes.
      await this.#catchUpBatches(projections, log, threads > 1 ? undefined : onProgress);
      return threads;
    } finally {
      if (this.db.open) this.db.pragma(`cache_size = ${cache}`);
    }
  }

  /**
   * Rebuilds read models at position 0 up to the head in worker threads (`ParallelRebuild`), when
   * configured, the store is a file and the log is long enough; else, or if a worker fails (told to
   * `onError`), leaves them at 0 for the batches in this thread. Answers the threads that did it.
   */
  async #rebuildInWorkers(projections: readonly Projection[], onProgress?: Progress): Promise<number> {
    const parallel = this.#parallel;
    const file = this.db.name;
    if (!parallel || parallel.threads < 2 || this.db.memory || !file) return 1;
    const upTo = this.#log.head();
    if (upTo < parallel.minEvents) return 1;
    // Held until the checkpoints are written: a server beside us knows by it that we are alive.
    const held = this.#heldLock;
    const lock = held ?? takeRebuildLock(file);
    if (!lock) throw new RebuildUnderWayError();
    try {
      return await this.#rebuildLocked(parallel, file, upTo, projections, onProgress);
    } finally {
      if (!held) lock.close();
    }
  }

  async #rebuildLocked(parallel: ParallelRebuild, file: string, upTo: number, projections: readonly Projection[], onProgress?: Progress): Promise<number> {
    this.db.transaction(() => {
      for (const p of projections) this.#checkpoints.markUnfinished(p);
    }).immediate();
    const names = projections.map((p) => p.name);
    removeScratchFiles(file);
    const folded = new Array<number>(parallel.threads).fill(0);
    const targets = folded.map((_, part) => scratchFile(file, part));
    const job = (part: number): RebuildJob => ({
      file,
      target: targets[part]!,
      names,
      part,
      parts: folded.length,
      upTo,
      batchSize: parallel.batchSize ?? WORKER_BATCH,
      ...(parallel.reportEveryMs === undefined ? {} : { reportEveryMs: parallel.reportEveryMs }),
    });
    try {
      // The fold's bar from its start, not from the workers' first word: its clock and estimate count from here.
      onProgress?.(0, upTo);
      await Promise.all(
        folded.map((_, part) =>
          runWorker(
            parallel.entry,
            job(part),
            (n) => {
              folded[part] = n;
              const done = Math.min(upTo, folded.reduce((a, b) => a + b, 0));
              this.#tellFolded(projections, done);
              onProgress?.(done, upTo);
            },
            this.#report,
            this.#workers,
          ),
        ),
      );
      if (this.#closed) return folded.length;
      let attached = 0;
      try {
        for (const target of targets) this.db.prepare('ATTACH DATABASE ? AS ?').run(target, `rebuilt_${attached++}`);
        mergeRebuilt(this.db, attached, (done, total) => onProgress?.(done, total, 'copy'));
        createQueryIndexes(this.db, projections, (done, total) => onProgress?.(done, total, 'index'));
        this.db.transaction(() => {
          for (const p of projections) this.#checkpoints.write(p, upTo);
        }).immediate();
      } finally {
        while (attached > 0) this.db.exec(`DETACH DATABASE rebuilt_${--attached}`);
      }
    } catch (error) {
      await Promise.all([...this.#workers].map((w) => w.terminate()));
      if (this.#closed) return 1;
      this.#onError?.(error);
      resetProjections(this.db, this.#checkpoints, projections);
      // Folded again from 0 in this thread: the progress starts over.
      onProgress?.(0, upTo, 'fold');
      return 1;
    } finally {
      for (const target of targets) rmSync(target, { force: true });
    }
    return folded.length;
  }

  /**
   * Writes how far a parallel rebuild's workers have come into the unfinished checkpoints (each
   * worker tells it as it settles, every 100,000 events), so that a server beside `npm run rebuild`
   * shows the rebuild moving (`/health` projections.rebuilding, the progress gauge) instead of 0 until
   * its end. Progress only: a write that fails (the server holding the write lock past the busy
   * timeout) is left for the next.
   */
  #tellFolded(projections: readonly Projection[], folded: number): void {
    try {
      this.db.transaction(() => {
        for (const p of projections) this.#checkpoints.markUnfinished(p, folded);
      }).immediate();
    } catch {
      // The rebuild goes on; its next report writes it.
    }
  }

  /**
   * Catches projections up in batches from their checkpoints. One that another process marks
   * unfinished meanwhile (its rebuild) or folds with another version of the code is left to it:
   * attached again, so appends skip it while its checkpoint says so.
   */
  async #catchUpBatches(projections: readonly Projection[], log: SqliteLog, onProgress?: Progress): Promise<void> {
    let list = [...projections];
    // Where it starts, before the first batch (thousands of events): a bar shows the work from its
    // beginning, and the first word tells a catch-up (done < total) from read models already current.
    if (onProgress && list.length > 0) {
      const from = minimum(this.#checkpoints.positions(list));
      const head = this.#log.head();
      if (from < head) onProgress(from, head);
    }
    const batch = this.db.transaction(() => {
      const rows = this.#checkpoints.read();
      const taken = list.filter((p) => rows.get(p.name)?.version !== p.version);
      if (taken.length > 0) {
        for (const p of taken) this.#detached.delete(p.name);
        list = list.filter((p) => !taken.includes(p));
      }
      const positions = new Map(list.map((p) => [p.name, rows.get(p.name)?.position ?? 0]));
      const fold = new Fold(this.db, this.#checkpoints, list, positions);
      let after = fold.from;
      let count = 0;
      // Pages of the log within one transaction: big pages of big rows cost more in garbage than they save.
      while (list.length > 0 && count < this.#batchSize) {
        const events = log.page(after, Number.MAX_SAFE_INTEGER, Math.min(PAGE, this.#batchSize - count));
        if (events.length === 0) break;
        fold.add(events);
        after = positionOf(events[events.length - 1]!);
        count += events.length;
      }
      fold.finish();
      return { count, position: minimum(positions) };
    });
    for (;;) {
      if (this.#closed) return;
      const { count, position } = batch.immediate();
      if (count === 0) {
        // Caught up: the query indexes, then attach in the same tick, so no append falls between the last read and the handler.
        onProgress?.(position, position);
        createQueryIndexes(this.db, list, onProgress && ((done, total) => onProgress(done, total, 'index')));
        for (const p of list) this.#detached.delete(p.name);
        this.#waiters.reached(this.position);
        return;
      }
      onProgress?.(position, Math.max(position, this.#log.head()));
      this.#waiters.reached(this.position);
      await nextTurn();
    }
  }
}

/** Events counted for `lag` where the store counts them (EventStoreDB, by reading them: about 1 MB): beyond it, the lag reads this many. */
const LAG_COUNT_CAP = 1_000;

/**
 * Follow mode: read models in their own SQLite database, fed by a catch-up subscription to `$all`
 * from the lowest checkpoint. Events are buffered and applied in one transaction per batch (or
 * whenever the subscription pauses), checkpoints included.
 *
 * Every event has its own position, in EventStoreDB too (each event of a multi-event append is its
 * own commit record there), so a checkpoint between two events of one append resumes exactly.
 *
 * A stored event the store cannot read (`UnreadableEventError` from the subscription) is skipped
 * as inline: the events before it are folded, its position passed and told to `onError`, and the
 * subscription resumes after it at once (else every retry would stop at it again).
 */
export class FollowProjector implements Projector {
  readonly mode = 'follow';
  readonly db: Db;
  readonly #store: EventStore;
  readonly #projections: readonly Projection[];
  readonly #checkpoints: Checkpoints;
  readonly #batchSize: number;
  readonly #retryDelayMs: number;
  readonly #maxRetryDelayMs: number;
  readonly #onError: ((error: unknown) => void) | undefined;
  readonly #onRetry: RunnerOptions['onRetry'];
  readonly #onRecovered: RunnerOptions['onRecovered'];
  readonly #retryTimer: NonNullable<RunnerOptions['retryTimer']>;
  readonly #report: Report;
  readonly #waiters = new Waiters();
  /** Committed checkpoints. */
  #positions = new Map<string, number>();
  #buffer: LogEntry[] = [];
  #flushScheduled = false;
  #subscription: Subscription | undefined;
  #loop: Promise<void> | undefined;
  #running = false;
  #broken = false;
  #closed = false;
  #head = 0;
  #rebuilds: { names: string[]; target: number; onProgress?: Progress; resolve: () => void; reject: (e: unknown) => void }[] = [];
  #retryWait: { cancel: () => void; resolve: () => void } | undefined;
  /** Failures in a row since the store last answered: the next retry waits longer with each. */
  #failures = 0;
  #lastFailure: unknown;

  constructor(store: EventStore, db: Db, projections: readonly Projection[], options: RunnerOptions = {}) {
    this.#store = store;
    this.db = db;
    this.#projections = projections;
    this.#batchSize = options.batchSize ?? 1000;
    this.#retryDelayMs = options.retryDelayMs ?? 1000;
    this.#maxRetryDelayMs = Math.max(this.#retryDelayMs, options.maxRetryDelayMs ?? 30_000);
    this.#onError = options.onError;
    this.#onRetry = options.onRetry;
    this.#onRecovered = options.onRecovered;
    this.#retryTimer =
      options.retryTimer ??
      ((resume, ms) => {
        const timer = setTimeout(resume, ms);
        return () => clearTimeout(timer);
      });
    this.#report = reporter(options.onError);
    this.#checkpoints = new Checkpoints(db);
  }

  /** Prepares the tables (rebuilding any whose version changed) and starts following. */
  start(): void {
    const { otherVersion } = prepareProjections(this.db, this.#checkpoints, this.#projections);
    if (otherVersion) {
      if (this.#onError) this.#onError(otherVersion);
      else process.emitWarning(otherVersion);
    }
    // Following keeps the query indexes from the start: a follower serves queries while it catches up.
    createQueryIndexes(this.db, this.#projections);
    this.#positions = this.#checkpoints.positions(this.#projections);
    this.#resume();
  }

  get position(): number {
    return minimum(this.#positions);
  }

  async lag(): Promise<number> {
    this.#head = Math.max(this.#head, await this.#store.headPosition());
    const position = this.position;
    if (this.#head <= position) return 0;
    // EventStoreDB's positions are byte offsets: their difference counts bytes, links and system records too.
    return this.#store.countAfter ? this.#store.countAfter(position, LAG_COUNT_CAP) : this.#head - position;
  }

  waitFor(position: number, timeoutMs = 5000): Promise<boolean> {
    if (this.position >= position) return Promise.resolve(true);
    if (this.#closed) return Promise.resolve(false);
    return this.#waiters.wait(position, timeoutMs);
  }

  async rebuild(names?: string | readonly string[], onProgress?: Progress): Promise<RebuildSummary> {
    const targets = pick(this.#projections, names);
    await this.#pause();
    let done: Promise<void>;
    try {
      resetProjections(this.db, this.#checkpoints, targets);
      for (const p of targets) this.#positions.set(p.name, 0);
      // The store's head, the rebuild's end: a store that cannot be reached fails the rebuild here, and
      // following resumes all the same (from 0 for those reset: the rebuild then happens as it catches up).
      const target = await this.#store.headPosition();
      done = new Promise<void>((resolve, reject) => {
        this.#rebuilds.push({ names: targets.map((p) => p.name), target, ...(onProgress ? { onProgress } : {}), resolve, reject });
      });
      this.#progress();
    } finally {
      if (!this.#closed) this.#resume();
    }
    await done;
    return { threads: 1 };
  }

  rebuilding(): { done: number; total: number } | undefined {
    const rebuilds = this.#rebuilds;
    if (rebuilds.length === 0) return undefined;
    return { done: this.position, total: Math.max(...rebuilds.map((r) => r.target)) };
  }

  /** Following, only this process rebuilds its own database, and a query between two of its turns sees it as `rebuilding()` does. */
  partialIn(_db: Db): { done: number; total: number } | undefined {
    return this.rebuilding();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pause();
    this.#waiters.cancel();
    for (const r of this.#rebuilds.splice(0)) r.reject(new Error('read models closed during a rebuild'));
  }

  #resume(): void {
    this.#running = true;
    this.#loop = this.#run();
  }

  async #pause(): Promise<void> {
    this.#running = false;
    if (this.#retryWait) {
      this.#retryWait.cancel();
      this.#retryWait.resolve();
    }
    await this.#subscription?.close();
    await this.#loop;
    this.#buffer = [];
  }

  async #run(): Promise<void> {
    while (this.#running) {
      this.#broken = false;
      try {
        await this.#rebuildAheadOfLog();
      } catch (error) {
        // The store cannot tell its head (unreachable): as a subscription that broke.
        this.#fail(error);
        await this.#retryPause();
        continue;
      }
      if (!this.#running) return;
      // The store answered: a store that was unreachable is back (a fold that keeps failing is not
      // over until it folds, in #flush).
      if (this.#lastFailure instanceof StoreUnreachableError) this.#recovered();
      const from = this.position;
      const subscription = this.#store.subscribeToAll({ fromPosition: from === 0 ? 'start' : from });
      this.#subscription = subscription;
      let skipped = false;
      try {
        for await (const event of subscription) {
          if (this.#broken || !this.#running) break;
          const unfoldable = UnreadableEventSkipped.ifUnfoldable(event);
          if (unfoldable) this.#report(unfoldable);
          this.#buffer.push(unfoldable ?? event);
          if (this.#buffer.length >= this.#batchSize) {
            this.#flush();
            // A catch-up from a local store never waits on I/O: let the rest of the process run between batches.
            await nextTurn();
          } else if (!this.#flushScheduled) {
            this.#flushScheduled = true;
            setImmediate(() => {
              this.#flushScheduled = false;
              this.#flush();
            });
          }
        }
        this.#flush();
      } catch (error) {
        const broken = this.#broken;
        if (error instanceof UnreadableEventError && !broken && this.#running) skipped = await this.#skipUnreadable(error);
        // Unless a fold that failed while skipping has told its own failure.
        if (!skipped && (broken || !this.#broken)) this.#fail(error);
      } finally {
        await subscription.close();
        this.#subscription = undefined;
      }
      if (!this.#running) return;
      if (skipped) continue;
      // The subscription ended or broke: resume from the committed checkpoints after a pause.
      await this.#retryPause();
    }
  }

  /** Waits before the next attempt: the first delay after one failure, doubled for each further one in a row, capped. */
  async #retryPause(): Promise<void> {
    const failures = Math.max(1, this.#failures);
    const delayMs = Math.min(this.#maxRetryDelayMs, this.#retryDelayMs * 2 ** Math.min(failures - 1, 30));
    if (this.#failures > 0) this.#onRetry?.(this.#lastFailure, { failures, delayMs });
    await new Promise<void>((resolve) => {
      this.#retryWait = { cancel: this.#retryTimer(resolve, delayMs), resolve };
    });
    this.#retryWait = undefined;
  }

  #recovered(): void {
    if (this.#failures === 0) return;
    const failures = this.#failures;
    const lastFailure = this.#lastFailure;
    this.#failures = 0;
    this.#lastFailure = undefined;
    this.#onRecovered?.(failures, lastFailure);
  }

  /**
   * Before every subscription (at start, and after one broke: an EventStoreDB restored from an older
   * backup while this server ran): read models whose checkpoint is past the log's head would skip
   * every event stored at or below it from now on (`ReadModelsAheadOfLog`). They are told, dropped
   * and rebuilt from 0 by the subscription that follows, as `rebuild` does (`rebuilding` tells how far).
   */
  async #rebuildAheadOfLog(): Promise<void> {
    const head = await this.#store.headPosition();
    if (!this.#running) return;
    const ahead = aheadOf(this.#projections, this.#checkpoints.read(), head);
    if (!ahead) return;
    const targets = this.#projections.filter((p) => ahead.readModels.some((m) => m.name === p.name));
    if (this.#onError) this.#onError(ahead);
    else process.emitWarning(ahead);
    this.db.transaction(() => {
      forgetCaseKeysAfter(this.db, head);
      resetProjections(this.db, this.#checkpoints, targets);
    }).immediate();
    for (const p of targets) this.#positions.set(p.name, 0);
    // No caller awaits it: a query index it cannot make is told (closing while it runs is not).
    const tell = (error: unknown) => {
      if (!this.#closed) this.#onError?.(error);
    };
    this.#rebuilds.push({ names: targets.map((p) => p.name), target: head, resolve: () => {}, reject: tell });
    this.#progress();
  }

  /**
   * Folds the events up to `error`'s (a subscription may have read past some it never delivered)
   * and moves the checkpoints past it, skipping every event there that cannot be read and telling
   * each. False if that could not be done (the failure is then the subscription's).
   */
  async #skipUnreadable(error: UnreadableEventError): Promise<boolean> {
    this.#flush();
    const skip = error.event.position;
    if (this.#broken || skip <= this.position) return false;
    const entries: LogEntry[] = [];
    try {
      for await (const entry of readAllPastUnreadable(this.#store, { afterPosition: this.position })) {
        if (positionOf(entry) > skip) break;
        const skipped = entry instanceof UnreadableEventError ? UnreadableEventSkipped.of(entry) : UnreadableEventSkipped.ifUnfoldable(entry);
        if (skipped) this.#report(skipped);
        entries.push(skipped ?? entry);
      }
    } catch {
      return false;
    }
    if (!this.#running) return true;
    this.#buffer = entries;
    this.#flush();
    return !this.#broken;
  }

  /** Applies the buffered events and moves the checkpoints, in one transaction. */
  #flush(): void {
    if (this.#broken || this.#buffer.length === 0) return;
    const events = this.#buffer;
    this.#buffer = [];
    const positions = new Map(this.#positions);
    try {
      this.db.transaction(() => applyBatch(this.db, this.#checkpoints, this.#projections, positions, events)).immediate();
    } catch (error) {
      this.#fail(error);
      return;
    }
    this.#positions = positions;
    this.#head = Math.max(this.#head, positionOf(events[events.length - 1]!));
    this.#recovered();
    this.#waiters.reached(this.position);
    this.#progress();
  }

  #fail(error: unknown): void {
    this.#broken = true;
    this.#failures++;
    this.#lastFailure = error;
    this.#buffer = [];
    this.#onError?.(error);
    for (const r of this.#rebuilds.splice(0)) r.reject(error);
    void this.#subscription?.close();
  }

  #progress(): void {
    this.#rebuilds = this.#rebuilds.filter((r) => {
      const done = Math.min(minimum(this.#positions, r.names), r.target);
      r.onProgress?.(done, r.target);
      if (done < r.target) return true;
      // Made once it is done, a sort each, as inline: kept up at every event, they cost nearly half the
      // rebuild's time (30,000 events: 4.4 s against 2.4); nothing queries them meanwhile (`rebuilding`).
      // One that cannot be made fails this rebuild, as it failed one that made them first; following goes on.
      try {
        createQueryIndexes(this.db, pick(this.#projections, r.names), r.onProgress && ((made, total) => r.onProgress?.(made, total, 'index')));
      } catch (error) {
        r.reject(error);
        return false;
      }
      r.resolve();
      return false;
    });
  }
}
