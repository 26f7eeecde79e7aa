/**
 * The embedded event store: one SQLite file (better-sqlite3, WAL), EventStoreDB's semantics.
 *
 * - One table; `position` is an AUTOINCREMENT rowid, so `$all` order is insertion order. Every append
 *   is one `BEGIN IMMEDIATE` transaction (writers are serialised by SQLite's write lock), and a
 *   rolled-back append also rolls back `sqlite_sequence`, so readers see positions 1..head with no
 *   gap and never out of order.
 * - The fast path of an append is one indexed `SELECT max(revision)` and one `INSERT` per event.
 *   Idempotent retries are recognised only on the slow path (expected revision mismatch, or the
 *   unique index on `id` refusing an insert), so they cost nothing on the fast path.
 * - Subscriptions read the table from a cursor: woken at once by appends through this instance, and
 *   polling (only while a consumer waits, caught up) for appends by other processes on the same file.
 * - `database` and `onAppend` let the projections layer write read-model rows in the append's own
 *   transaction (one commit, one fsync).
 * - Reading a stream past its end (the engine's check that a cached case is still current, before
 *   every command) is answered from the last revision of each stream this instance has appended or
 *   read, without a query, as long as no other connection has written to the file since
 *   (`PRAGMA data_version`). See `StreamHeads`.
 */
import { closeSync, existsSync, fdatasync, fdatasyncSync, fstatSync, openSync, readlinkSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve as resolvePath } from 'node:path';
import { inspect } from 'node:util';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import {
  afterPositionOf,
  satisfied,
  DuplicateEventIdError,
  LogNotFlushedError,
  StreamNotFoundError,
  UnreadableEventError,
  WrongExpectedVersionError,
  type AppendOptions,
  type AppendResult,
  type EventData,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
  type Subscription,
  type SubscriptionFilter,
} from './types.js';

export type SqliteSynchronous = 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';

/** `SqliteEventStoreOptions.commitDelay`. */
export interface CommitDelay {
  ms: number;
  /** A monotonic clock in milliseconds (infra/clock.ts `elapsedMs`). */
  elapsedMs: () => number;
}

export interface SqliteEventStoreOptions {
  /** A file path, or `:memory:`. The folder must exist. */
  path: string;
  /**
   * `PRAGMA synchronous`. Default `FULL`: an acknowledged append survives power loss. With group
   * commit on a file, `FULL` is kept off this thread: the connection runs `NORMAL` (the log is
   * flushed before every checkpoint, the file after it) and the store flushes the write-ahead log
   * itself (`fdatasync`, on libuv's thread pool) after each commit, answering the commit's appends
   * only once a flush begun after it has finished — what `FULL` does inside the commit, without
   * stopping the event loop for the disk meanwhile. Commits made while a flush is under way share
   * the next one. Only an append made by the code the store's answer to the one before resumed (a
   * loop that appends one at a time and waits: a script, a replay), while no other waits, is flushed
   * on this thread: nothing else is running that the flush could make way for, and the thread pool's
   * round trip cost such a writer about a third of each append. This store's subscriptions are handed a commit only once it is flushed; a read
   * in between (a stream, the read models in the same file, another process) may see it before its
   * append is answered. A flush that fails refuses its appends and every later one, until the
   * process restarts (`LogNotFlushedError`). `EXTRA` and the others are SQLite's own.
   */
  synchronous?: SqliteSynchronous;
  /** Stamps `created` (bookkeeping; domain time travels in each event's metadata): the caller's clock. */
  now: () => Date;
  /**
   * `PRAGMA busy_timeout`, for other processes holding the write lock. Default 5000 ms. Appends wait
   * for it off the event loop, tried again every few milliseconds (group commit; see `#begin`).
   */
  busyTimeoutMs?: number;
  /** How often a caught-up subscription looks for appends made by other processes. Default 75 ms. */
  pollIntervalMs?: number;
  /**
   * Group commit (default on): appends requested in the same turn of the event loop commit in one
   * transaction — one fsync — each succeeding or failing alone (a failure after an append stored
   * something has the group begun again, each append in a savepoint of its own), and
   * is acknowledged only after the commit. Off: one transaction per append, at once.
   */
  groupCommit?: boolean;
  /**
   * Group commit under a steady stream of appends (a server's requests), as PostgreSQL's
   * `commit_delay`: an append that begins a group less than `ms` after the append before it was
   * requested has its group committed `ms` later, rather than at the end of the current turn, and
   * the appends requested meanwhile share its transaction and its flush of the log. What a commit
   * costs once (BEGIN and COMMIT, the log's frames of pages the group's appends share, the flush's
   * hand-off and checks) is then paid by several appends rather than by one or two. A lone writer
   * never waits: an append after a pause of `ms` or more, or one made by the code the store's answer
   * to the one before resumed (a script, a chain of timers' commands), commits at the end of the turn
   * as without it; so does one after a group of `COMMIT_DELAY_FULL_GROUP` appends or more. Unset: no delay.
   */
  commitDelay?: CommitDelay;
  /**
   * Who copies the write-ahead log back into the database file. `background` (the default for a
   * file): a worker thread with its own connection, every `checkpointIntervalMs`, in PASSIVE mode
   * (it never blocks an append). Only a complete checkpoint lets the log restart from its beginning
   * instead of growing, and under a writer that never pauses a PASSIVE one never completes: once the
   * log holds `checkpointRestartPages`, this thread copies the frames appended since the worker's
   * pass (see CHECKPOINTER). SQLite's own checkpoint stays as the backstop, at 4 times that. `auto`:
   * SQLite's own alone, inside the commit that crosses 1,000 pages, which stalls this thread for
   * the copy of all of them and two fsyncs (measured: ~9 ms, 300 times in bench:api's run).
   */
  checkpoint?: 'background' | 'auto';
  /**
   * Default 10 ms. A pass that has something to copy first flushes the log, and one that reaches the
   * log's end flushes the database file too and lets the next append start the log afresh (written
   * over in place rather than grown); the store's own flushes of the log share the disk with those.
   * Which of these weighs most was not isolated. Measured on bench:store (one append at a time):
   * every 100 ms, adapter/raw 0.56–0.66; every 25 ms, 0.66–0.68; every 10 ms, 0.67–0.74; every 500 or
   * 2,000 ms, 0.49–0.55. Under bench:api's load (two runs of five paced trials each) the p99s read
   * alike (10 ms: 7.6–104 ms; 100 ms: 27.7–178.5 ms) and the peak 4,394 and 4,551 commands/s against
   * 4,718 and 4,897 at 100 ms, at most 7% less. An idle store's pass finds nothing to copy and flushes
   * nothing.
   */
  checkpointIntervalMs?: number;
  /**
   * Default 10,000 (40 MiB of log at 4 KiB pages). It is also the log file's size limit on disk
   * (`journal_size_limit`): a log that grew past it while a reader held it is cut back when it restarts.
   */
  checkpointRestartPages?: number;
  /**
   * Told once if the background checkpointer cannot start or stops before the store closes (its
   * worker failed: an I/O error on the file, say). Appends go on with SQLite's own checkpoints (see
   * `checkpoint: 'auto'`), each inside a commit that stalls this thread for the copy, until a restart:
   * worth a warning, since nothing else says so.
   */
  onCheckpointerFailed?: (error: unknown) => void;
  /**
   * Opens an existing store to read it and nothing else (`npm run replay` on a copy handed to
   * compliance): the file is not created, not put in WAL mode, given no table and no checkpointer,
   * and SQLite refuses any append (`SQLITE_READONLY`). The file's bytes stay as they were; a copy
   * in WAL mode on a read-only disk is readable when its `-shm` is there (SQLite's rule).
   */
  readonly?: boolean;
}

/**
 * The background checkpointer's script (a CommonJS worker): its own connection to the file, a
 * PASSIVE checkpoint at each tick. PASSIVE copies what no reader still needs and waits for no one.
 * Under a steady stream of appends it never finds the log wholly copied at the moment a writer
 * starts, so the log would never restart from its beginning: once it holds `restartPages`, the
 * worker tells the store, whose own connection then copies the few frames appended since — no
 * writer can come in between there — and its next append starts the log afresh (`#finishCheckpoint`).
 */
const CHECKPOINTER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
db.pragma('synchronous = ' + workerData.synchronous);
// The log length last reported: an idle store's log stays long until its next append, and is told once.
let reported = -1;
const timer = setInterval(() => {
  try {
    const done = db.pragma('wal_checkpoint(PASSIVE)')[0];
    if (done && done.log >= workerData.restartPages && done.checkpointed === done.log && done.log !== reported) {
      reported = done.log;
      parentPort.postMessage('restart');
    }
  } catch (error) {
    if (!error || error.code !== 'SQLITE_BUSY') throw error;
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

type Outcome = { ok: true; result: AppendResult } | { ok: false; error: unknown };

/**
 * From an answer to a group, by any store of this process, until the work it resumed has run
 * (`#answered`): appends requested meanwhile follow it (`PendingAppend.followsAnswer`). One mark for
 * the process, not one a store: a writer appending one at a time to two stores in turn (a copy
 * between files; bench:engine's engine and adapter) is as alone on the loop as one writing to one,
 * yet each store's appends came after the other's answer, so per store none followed an answer and
 * every flush made the thread pool's round trip (bench:engine: engine/raw 0.48–0.51; 0.57–0.58 with
 * one mark). A server's requests still never carry it: they come in I/O callbacks, after it is off.
 */
let answering = false;

interface PendingAppend {
  stream: string;
  events: EventData[];
  expected: ExpectedRevision;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
  /** Its group's first pass failed after writing: it is appended in a savepoint of its own (see `#flush`). */
  careful?: boolean;
  /** Requested by code that an answer to an earlier append (this store's or another's: `answering`) resumed: see `#whenDurable`. */
  followsAnswer: boolean;
}

/** Handler run inside the append transaction, after the insert; throwing rolls the append back. */
export type AppendHandler = (events: RecordedEvent[]) => void;

/** The table and its indexes; exported so the benchmark's raw baseline uses the very same shape. */
export const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position  INTEGER PRIMARY KEY AUTOINCREMENT,
  stream_id TEXT    NOT NULL,
  revision  INTEGER NOT NULL,
  id        TEXT    NOT NULL UNIQUE,
  type      TEXT    NOT NULL,
  data      TEXT    NOT NULL,
  metadata  TEXT    NOT NULL,
  created   TEXT    NOT NULL,
  UNIQUE (stream_id, revision)
);`;

/** Applies the store's pragmas; exported so the benchmark's raw baseline uses the same ones. */
export function applySqlitePragmas(db: Database.Database, synchronous: SqliteSynchronous = 'FULL', busyTimeoutMs = 5000): void {
  const timeoutMs = Math.max(0, Math.trunc(busyTimeoutMs));
  db.pragma(`busy_timeout = ${timeoutMs}`);
  enterWal(db, timeoutMs);
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma(`mmap_size = ${SQLITE_MMAP_BYTES}`);
}

/**
 * A read-only connection's settings (`SqliteEventStoreOptions.readonly`): waits for a writer as the
 * store does, and reads through the memory map. A file that has no events table is no store: said so
 * here (`NotAStoreError`), before preparing the store's statements fails on it in SQLite's words.
 */
function readOnlyPragmas(db: Database.Database, busyTimeoutMs: number): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
  db.pragma(`mmap_size = ${SQLITE_MMAP_BYTES}`);
  if (!hasTable(db, 'events')) throw new NotAStoreError(db.name);
}

function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/**
 * Another program's database in the store's place (a file of tables, none of them `events`): opened
 * to write, the store made its tables in it and put it in WAL mode, and `npm start` and `npm run
 * rebuild` ran on it without a word. A new, empty file is a new store.
 */
function refuseOtherDatabase(db: Database.Database, busyTimeoutMs: number): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
  const tables = db.prepare<[], number>("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").pluck().get() ?? 0;
  if (tables > 0 && !hasTable(db, 'events')) throw new NotAStoreError(db.name);
}

/** A file opened as a store has no events table (read-only), or is another program's database. */
export class NotAStoreError extends Error {
  override readonly name = 'NotAStoreError';
  constructor(readonly file: string) {
    super(`${file} has no events table: it is not an event store`);
  }
}

/** How often opening a file tries again to put it in WAL mode while another process has it locked (`enterWal`). */
const WAL_RETRY_MS = 10;

/**
 * Puts the file in WAL mode, waiting up to the busy timeout for another process that has it locked.
 * On a new file (still in rollback-journal mode) that another process is writing — a second server or
 * `npm run rebuild` started at the same moment on a new data folder — SQLite answers the change of
 * journal mode SQLITE_BUSY at once, without its busy handler, and that process failed to start. This
 * thread waits between tries: it is opening the store, and nothing else is served yet.
 */
function enterWal(db: Database.Database, timeoutMs: number): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; ; waited += WAL_RETRY_MS) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if (!isBusy(error) || waited >= timeoutMs) throw error;
      Atomics.wait(pause, 0, 0, WAL_RETRY_MS);
    }
  }
}

/**
 * A write-ahead log beside a file that is not in WAL mode belongs to another database: a file in WAL
 * mode says so in its header (bytes 18 and 19 are 2) as soon as anything of it has been checkpointed,
 * and leaving WAL mode removes the log. So a rollback-journal file (what `npm run backup` writes)
 * with a log beside it is a backup restored over a store whose server was killed: SQLite would write
 * that store's log into it on opening, and damage it (a store answering 500 for the cases touched,
 * /health saying ok). Refused before anything opens the file; the files are left as they are.
 */
export class ForeignLogError extends Error {
  override readonly name = 'ForeignLogError';
  readonly code = 'FOREIGN_WAL';
  constructor(readonly file: string) {
    super(`${file}-wal does not belong to ${file} (a single-file backup restored beside the replaced store's log): move ${file}-wal and ${file}-shm away before opening it`);
  }
}

/**
 * A write-ahead log with no store file beside it: the file was deleted (or moved) while its log, which
 * may hold committed events not yet copied into it, stayed. Opening would create an empty store and
 * its own log over that one. Durability QA: the server started on an empty store, /health said ok, every
 * case answered 404, and the old log was overwritten. Refused before anything is created; nothing is touched.
 */
export class OrphanLogError extends Error {
  override readonly name = 'OrphanLogError';
  readonly code = 'ORPHAN_WAL';
  constructor(
    readonly file: string,
    readonly logBytes: number,
  ) {
    super(`${file} does not exist but its write-ahead log ${file}-wal does (${logBytes} bytes, which may hold committed events): restore ${file} from a backup, or move ${file}-wal and ${file}-shm away once they are not needed`);
  }
}

/** The first 16 bytes of every SQLite database file. */
export const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Throws `ForeignLogError` when `path` is a rollback-journal file with a write-ahead log beside it (see
 * there), and `OrphanLogError` when there is a log and no file, before anything opens it: every opener of the store file calls it first — the store, and the
 * scripts that open the file themselves (`npm run backup`, the demo's check that no server has it open).
 */
export function refuseForeignLog(path: string): void {
  if (path === ':memory:' || path === '') return;
  let logBytes: number;
  try {
    const log = statSync(`${path}-wal`);
    if (!log.isFile() || log.size === 0) return;
    logBytes = log.size;
  } catch {
    // No log: nothing to tell.
    return;
  }
  if (!existsSync(path)) throw new OrphanLogError(path, logBytes);
  if (journalModeOf(path) === 'rollback') throw new ForeignLogError(path);
}

/**
 * The journal mode an SQLite file's header records (bytes 18 and 19: 1 a rollback journal, 2 WAL), read
 * without opening it as a database; undefined for no SQLite file there (none yet, a folder, another
 * file: SQLite says what it finds wrong).
 */
export function journalModeOf(path: string): 'rollback' | 'wal' | undefined {
  const header = Buffer.alloc(20);
  try {
    const fd = openSync(path, 'r');
    try {
      if (readSync(fd, header, 0, 20, 0) < 20) return undefined;
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  if (!header.subarray(0, 16).equals(SQLITE_HEADER) || header[18] !== header[19]) return undefined;
  return header[18] === 1 ? 'rollback' : header[18] === 2 ? 'wal' : undefined;
}

/**
 * Reads of the database file through a memory map (`PRAGMA mmap_size`), up to SQLite's build limit
 * of about 2 GiB: a read of the log copies each page from the OS cache instead of a `pread` call per
 * page, which scanning the log (readAll, a rebuild) spends most of its time in otherwise.
 */
export const SQLITE_MMAP_BYTES = 2 ** 31;

const requireHere = createRequire(import.meta.url);

/**
 * After a group of at least this many appends the next commits at the end of its turn (`commitDelay`):
 * appends are coming as fast as the thread can take them, and waiting would only leave it idle while
 * every client waits for an answer (a peak).
 */
const COMMIT_DELAY_FULL_GROUP = 8;

/** How often a group of appends tries again for the write lock another process holds (`#begin`). */
const LOCK_RETRY_MS = 10;

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/** The path Linux gives an open descriptor (`/proc/self/fd`), or undefined where there is none to read. */
function descriptorName(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** SQLite's own checkpoint threshold, in pages of log: its default, kept when no background checkpointer runs. */
const SQLITE_AUTOCHECKPOINT = 1000;
const SYNCHRONOUS_VALUES: readonly SqliteSynchronous[] = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];
const PAGE_SIZE = 1000;
/** Events of one stream read at once (`readStream`): a longer stream is read in pages, with turns of the event loop between them. */
const STREAM_PAGE = 1000;
const MAX_REVISION = Number.MAX_SAFE_INTEGER;

/**
 * Whether a raw connection (a benchmark's baseline) promises what `store` does: the same journal
 * mode, and its `PRAGMA synchronous` the store's setting (the store's own connection reads NORMAL
 * when it keeps FULL off the event loop).
 */
export function promisesAsStore(raw: Database.Database, store: SqliteEventStore): boolean {
  return (
    raw.pragma('journal_mode', { simple: true }) === store.database.pragma('journal_mode', { simple: true }) &&
    raw.pragma('synchronous', { simple: true }) === SYNCHRONOUS_VALUES.indexOf(store.synchronous)
  );
}

interface Row {
  position: number;
  stream_id: string;
  revision: number;
  id: string;
  type: string;
  data: string;
  metadata: string;
  created: string;
}

interface IdRow {
  position: number;
  stream_id: string;
  revision: number;
}

const COLUMNS = 'position, stream_id, revision, id, type, data, metadata, created';

function toRecorded(row: Row): RecordedEvent {
  return {
    id: row.id,
    streamId: row.stream_id,
    type: row.type,
    revision: row.revision,
    position: row.position,
    data: parsed(row, 'data'),
    metadata: parsed(row, 'metadata') as Record<string, unknown>,
    created: row.created,
  };
}

function parsed(row: Row, part: 'data' | 'metadata'): unknown {
  try {
    return JSON.parse(row[part]) as unknown;
  } catch (err) {
    throw new UnreadableEventError({ streamId: row.stream_id, revision: row.revision, position: row.position, id: row.id, type: row.type, created: row.created }, part, err);
  }
}

function matches(filter: SubscriptionFilter | undefined, streamId: string, type: string): boolean {
  if (!filter) return true;
  const { streamPrefixes, eventTypePrefixes } = filter;
  if (streamPrefixes && !streamPrefixes.some((p) => streamId.startsWith(p))) return false;
  if (eventTypePrefixes && !eventTypePrefixes.some((p) => type.startsWith(p))) return false;
  return true;
}

function checkExpected(expected: ExpectedRevision): void {
  if (typeof expected === 'number') {
    if (!Number.isSafeInteger(expected) || expected < 0) throw new RangeError(`expectedRevision must be a revision ≥ 0, not ${expected}`);
  } else if (expected !== 'any' && expected !== 'no_stream' && expected !== 'stream_exists') {
    throw new RangeError(`unknown expectedRevision ${String(expected)}`);
  }
}

/** Thrown inside the append transaction when the unique index on `id` refuses an event. */
class DuplicateIdSignal extends Error {}

/** The bound of a stream a read found without any event. */
const MISSING = -1;

/**
 * How many streams' bounds one generation keeps (two are kept: those used since the last turn of
 * generations, and those used in the one before). Forgetting a bound only costs a query. Unbounded,
 * a server kept one for every stream it was ever asked about while no other process wrote to the
 * file — each GET of a case id probes a stream per process, most of them absent: about 120 bytes
 * each, +12 MB every 100,000 reads, for as long as it ran. The engine caches 10,000 cases by
 * default, so their bounds all stay. (Generations, not a Map evicting its first key: V8 skips the
 * deleted entries at a Map's start on every `keys().next()`: 30 to 50 µs an eviction at this size.)
 */
const STREAM_BOUNDS_PER_GENERATION = 25_000;

/**
 * What this instance knows of the ends of streams: for each stream, a revision its last event is
 * at or before (exact after an append; an upper bound after a read that found nothing from some
 * revision on; -1 for a stream a read found empty), valid while no other connection writes to the
 * file. So a read from a revision past that bound has nothing to find, and costs no query: that is
 * the engine's check, before every command, that a cached case is current, and the calendar's that
 * no notice was loaded (its stream has none until one is).
 *
 * Every bound only ever stays above the truth: an append's new end counts only once its transaction
 * has committed (a rolled-back one is forgotten), any attempt to append to a stream first forgets
 * its bound, and a write by another connection or process (`PRAGMA data_version` moves) forgets
 * them all. The version a bound is checked against is always read before what the bound was learnt
 * from (before a read's query; inside an append's transaction, which shuts other writers out), so a
 * write by another process racing with either moves the version past it and is not missed. Writes
 * to `events` through `database` bypass all this (nothing in the product does that).
 */
class StreamHeads {
  /** The bounds used in this generation, and (`#older`) in the one before. */
  #bounds = new Map<string, number>();
  #older = new Map<string, number>();
  /** Ends of appends not committed yet: [stream, last revision]. */
  readonly #uncommitted: [string, number][] = [];
  readonly #dataVersion: Database.Statement<[], number>;
  #seen: number | undefined;
  /** The version read inside the append transaction under way. */
  #inTransaction: number | undefined;

  constructor(db: Database.Database) {
    this.#dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  }

  /**
   * What a read from `revision` on would find, when that is certain without a query: `missing`
   * (the stream has no event at all), `nothing` (none at `revision` or after), else undefined.
   */
  known(stream: string, revision: number): 'missing' | 'nothing' | undefined {
    this.#current();
    let bound = this.#bounds.get(stream);
    if (bound === undefined) {
      bound = this.#older.get(stream);
      if (bound !== undefined) this.#keep(stream, bound);
    }
    if (bound === undefined || revision <= bound) return undefined;
    return bound === MISSING ? 'missing' : 'nothing';
  }

  /**
   * A read from `revision` on, right after `known` (which read the version before the query),
   * found its last event at `last`, or (null) nothing at all, in a stream that exists unless `missing`.
   */
  read(stream: string, revision: number, last: number | null, missing = false): void {
    const bound = missing ? MISSING : (last ?? revision - 1);
    if (bound >= MISSING) this.#keep(stream, bound);
  }

  /** Remembers `stream`'s bound in this generation; a full generation becomes the older one, and the older one is let go. */
  #keep(stream: string, bound: number): void {
    this.#bounds.set(stream, bound);
    if (this.#bounds.size >= STREAM_BOUNDS_PER_GENERATION) {
      this.#older = this.#bounds;
      this.#bounds = new Map();
    }
  }

  #forgetAll(): void {
    this.#bounds.clear();
    this.#older.clear();
  }

  /** Inside an append's transaction, before anything is written to `stream`. */
  appending(stream: string): void {
    this.#inTransaction ??= this.#dataVersion.get();
    this.#bounds.delete(stream);
    this.#older.delete(stream);
  }

  /** Inside an append's transaction: `stream` now ends at `last`, once the transaction commits. */
  appended(stream: string, last: number): void {
    this.#uncommitted.push([stream, last]);
  }

  /** How many appended ends are waiting; `rollBack(mark)` forgets those after it (a savepoint rolled back). */
  mark(): number {
    return this.#uncommitted.length;
  }

  rollBack(mark: number): void {
    this.#uncommitted.length = mark;
  }

  /** The transaction rolled back, or its commit failed: nothing of it counts. */
  aborted(): void {
    this.#uncommitted.length = 0;
    this.#inTransaction = undefined;
  }

  committed(): void {
    const version = this.#inTransaction;
    this.#inTransaction = undefined;
    if (version !== undefined && version !== this.#seen) {
      this.#forgetAll();
      this.#seen = version;
    }
    if (version !== undefined) for (const [stream, last] of this.#uncommitted) this.#keep(stream, last);
    this.#uncommitted.length = 0;
  }

  /** Forgets every bound when another connection has written since they were learnt. */
  #current(): void {
    const version = this.#dataVersion.get();
    if (version === this.#seen) return;
    this.#forgetAll();
    this.#seen = version;
  }
}

export class SqliteEventStore implements EventStore {
  readonly kind = 'sqlite';
  /** The better-sqlite3 connection, for read models that share the store's file and transactions. */
  readonly database: Database.Database;
  /** The durability an acknowledged append has (the option); `database`'s own pragma is NORMAL when FULL is kept off the event loop. */
  readonly synchronous: SqliteSynchronous;

  readonly #now: () => Date;
  readonly #pollIntervalMs: number;
  readonly #handlers: AppendHandler[] = [];
  readonly #subscriptions = new Set<SqliteSubscription>();
  readonly #groupCommit: boolean;
  readonly #commitDelay: CommitDelay | undefined;
  /** When the last append was requested (`commitDelay`'s clock), and how many appends the last group committed. */
  #lastRequestedAt = -Infinity;
  #lastGroupSize = 0;
  #pending: PendingAppend[] = [];
  /** `FULL` kept off this thread (see `synchronous`): the write-ahead log's path. */
  readonly #logToFlush: string | undefined;
  #logFd: number | undefined;
  /** What Linux names that descriptor (`/proc/self/fd/<fd>`) while the log is linked, when it names it: see `#stillLinked`. */
  #logFdName: string | undefined;
  /** Committed groups waiting for the next flush of the log: the first position each may have written, and its answer. */
  #unflushed: { from: number; answer: (error?: Error) => void }[] = [];
  /** The flush under way, if any, and the first position it covers. */
  #flushing: Promise<void> | undefined;
  #flushingFrom: number | undefined;
  /** Set once a flush has failed: from then on every append is refused (see `LogNotFlushedError`)… */
  #flushFailure: LogNotFlushedError | undefined;
  /** …and subscriptions see nothing from the first position that flush covered, until a restart. */
  #failedFrom: number | undefined;
  #failedAt: string | undefined;
  /** A group waiting for another process's write lock (`#begin`): how many tries it has had, and when it is begun or refused. */
  #lockWait: { tries: number; over: Promise<void>; end: () => void } | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #heads: StreamHeads;
  /** The append under way has stored no event yet: a failure so far leaves its transaction as it was (`#appendFast`). */
  #untouched = true;

  readonly #lastRevision: Database.Statement<[string], number | null>;
  readonly #insert: Database.Statement<[string, number, string, string, string, string, string]>;
  readonly #byId: Database.Statement<[string], IdRow>;
  readonly #streamExists: Database.Statement<[string], number>;
  readonly #readForwards: Database.Statement<[string, number, number], Row>;
  readonly #readBackwards: Database.Statement<[string, number, number], Row>;
  readonly #allForwards: Database.Statement<[number, number], Row>;
  readonly #allBackwards: Database.Statement<[number, number], Row>;
  readonly #head: Database.Statement<[], number | null>;
  readonly #appendTx: Database.Transaction<(stream: string, events: EventData[], expected: ExpectedRevision) => AppendResult>;
  readonly #resolveTx: Database.Transaction<(stream: string, events: EventData[], expected: ExpectedRevision) => AppendResult>;
  readonly #groupTx: Database.Transaction<(group: PendingAppend[], outcomes: Outcome[]) => void>;
  #checkpointer: Worker | undefined;

  constructor(options: SqliteEventStoreOptions) {
    const synchronous = options.synchronous ?? 'FULL';
    if (!SYNCHRONOUS_VALUES.includes(synchronous)) throw new RangeError(`synchronous must be one of ${SYNCHRONOUS_VALUES.join(', ')}`);
    for (const [name, value] of [['checkpointIntervalMs', options.checkpointIntervalMs], ['checkpointRestartPages', options.checkpointRestartPages]] as const) {
      if (value !== undefined && !(Number.isInteger(value) && value >= 1)) throw new RangeError(`${name} must be a whole number of at least 1 (got ${value})`);
    }
    this.synchronous = synchronous;
    this.#now = options.now;
    this.#pollIntervalMs = options.pollIntervalMs ?? 75;
    this.#groupCommit = options.groupCommit ?? true;
    const delay = options.commitDelay;
    if (delay !== undefined && !(Number.isFinite(delay.ms) && delay.ms > 0 && delay.ms <= 1000)) {
      throw new RangeError(`commitDelay.ms must be more than 0 and at most 1000 (got ${delay.ms})`);
    }
    this.#commitDelay = delay;

    refuseForeignLog(options.path);
    const readonly = options.readonly === true;
    const db = new Database(options.path, readonly ? { readonly, fileMustExist: true } : {});
    this.database = db;
    // An absolute path: the process may change its working folder while the store is open.
    this.#logToFlush = synchronous === 'FULL' && this.#groupCommit && !db.memory && !readonly ? `${resolvePath(db.name)}-wal` : undefined;
    // What SQLite itself does on this file's connections (the checkpointer's too).
    const sqliteSynchronous = this.#logToFlush === undefined ? synchronous : 'NORMAL';
    try {
      if (readonly) readOnlyPragmas(db, options.busyTimeoutMs ?? 5000);
      else {
        refuseOtherDatabase(db, options.busyTimeoutMs ?? 5000);
        applySqlitePragmas(db, sqliteSynchronous, options.busyTimeoutMs ?? 5000);
        db.exec(SQLITE_SCHEMA);
      }
      // WAL mode made the log file; the descriptor is kept until close (a failure to open it later would fail a flush).
      if (this.#logToFlush !== undefined) {
        this.#logFd = openSync(this.#logToFlush, 'r');
        // Unless it is gone already: that name would then read the same at every flush.
        const name = descriptorName(this.#logFd);
        this.#logFdName = name?.endsWith(' (deleted)') ? undefined : name;
      }
    } catch (error) {
      db.close();
      throw error;
    }
    if ((options.checkpoint ?? 'background') === 'background' && !db.memory && !readonly) {
      this.#startCheckpointer(sqliteSynchronous, options.checkpointIntervalMs ?? 10, options.checkpointRestartPages ?? 10_000, options.onCheckpointerFailed);
    }

    this.#lastRevision = db.prepare<[string], number | null>('SELECT max(revision) FROM events WHERE stream_id = ?').pluck();
    this.#insert = db.prepare('INSERT INTO events (stream_id, revision, id, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.#byId = db.prepare('SELECT position, stream_id, revision FROM events WHERE id = ?');
    this.#streamExists = db.prepare<[string], number>('SELECT 1 FROM events WHERE stream_id = ? LIMIT 1').pluck();
    this.#readForwards = db.prepare(`SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?`);
    this.#readBackwards = db.prepare(`SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`);
    this.#allForwards = db.prepare(`SELECT ${COLUMNS} FROM events WHERE position >= ? ORDER BY position LIMIT ?`);
    this.#allBackwards = db.prepare(`SELECT ${COLUMNS} FROM events WHERE position <= ? ORDER BY position DESC LIMIT ?`);
    this.#head = db.prepare<[], number | null>('SELECT max(position) FROM events').pluck();
    this.#heads = new StreamHeads(db);
    this.#appendTx = db.transaction((stream: string, events: EventData[], expected: ExpectedRevision) => this.#appendInTx(stream, events, expected));
    this.#groupTx = db.transaction((group: PendingAppend[], outcomes: Outcome[]) => {
      for (const p of group) {
        const mark = this.#heads.mark();
        try {
          outcomes.push({ ok: true, result: this.#appendOne(p.stream, p.events, p.expected, 'nested') });
        } catch (error) {
          this.#heads.rollBack(mark);
          outcomes.push({ ok: false, error });
        }
      }
    });
    this.#resolveTx = db.transaction((stream: string, events: EventData[], expected: ExpectedRevision) =>
      this.#resolveRetry(stream, events, expected, this.#lastRevision.get(stream) ?? null),
    );
  }

  static open(options: SqliteEventStoreOptions): SqliteEventStore {
    return new SqliteEventStore(options);
  }

  /**
   * Runs `handler` inside every append transaction, after the insert, with the events as stored
   * (`data` and `metadata` are the caller's objects, not copies). If it throws, the append rolls
   * back and the error propagates to the appender. Returns a function that removes the handler.
   */
  onAppend(handler: AppendHandler): () => void {
    this.#handlers.push(handler);
    return () => {
      const i = this.#handlers.indexOf(handler);
      if (i >= 0) this.#handlers.splice(i, 1);
    };
  }

  appendToStream(stream: string, events: EventData[], options?: AppendOptions): Promise<AppendResult> {
    const expected = options?.expectedRevision ?? 'any';
    try {
      this.#check(stream, events, expected);
      if (!this.#groupCommit) {
        const result = this.#committedAppend(stream, events, expected);
        this.#wakeSubscriptions();
        return Promise.resolve(result);
      }
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return new Promise((resolve, reject) => {
      const delayMs = this.#commitDelayFor();
      if (this.#pending.push({ stream, events, expected, resolve, reject, followsAnswer: answering }) === 1) {
        if (delayMs !== undefined) setTimeout(() => this.#flush(), delayMs);
        else setImmediate(() => this.#flush());
      }
    });
  }

  /** How long a group this append begins waits to commit (`commitDelay`): undefined, to the end of the turn. Notes when it came. */
  #commitDelayFor(): number | undefined {
    const delay = this.#commitDelay;
    if (delay === undefined) return undefined;
    const now = delay.elapsedMs();
    const steady = now - this.#lastRequestedAt < delay.ms && this.#lastGroupSize < COMMIT_DELAY_FULL_GROUP;
    this.#lastRequestedAt = now;
    return steady && !answering ? delay.ms : undefined;
  }

  #check(stream: string, events: EventData[], expected: ExpectedRevision): void {
    this.#assertOpen();
    if (this.#flushFailure) throw this.#flushFailure;
    checkExpected(expected);
    if (events.length > 1 && new Set(events.map((e) => e.id)).size !== events.length) {
      throw new RangeError(`stream ${stream}: an event id appears twice in one append`);
    }
  }

  /**
   * One append: its own transaction (`immediate`), or a savepoint inside the group's (`nested`).
   * A clash on an id rolls it back, and the retry is resolved on what is stored.
   */
  #appendOne(stream: string, events: EventData[], expected: ExpectedRevision, mode: 'immediate' | 'nested'): AppendResult {
    try {
      return mode === 'immediate' ? this.#appendTx.immediate(stream, events, expected) : this.#appendTx(stream, events, expected);
    } catch (error) {
      if (!(error instanceof DuplicateIdSignal)) throw error;
      // Rolled back; the ids are immutable once stored, so resolve the retry in a fresh snapshot.
      return mode === 'immediate' ? this.#resolveTx.deferred(stream, events, expected) : this.#resolveTx(stream, events, expected);
    }
  }

  /** One append in its own transaction, the stream's new end noted once it has committed. */
  #committedAppend(stream: string, events: EventData[], expected: ExpectedRevision): AppendResult {
    try {
      const result = this.#appendOne(stream, events, expected, 'immediate');
      this.#heads.committed();
      return result;
    } catch (error) {
      this.#heads.aborted();
      throw error;
    }
  }

  /** Commits every append requested since the last flush in one transaction; answers each once the commit is on disk (`#whenDurable`). */
  #flush(retry = false): void {
    // While a group waits for the write lock, only its own next try (`#begin`'s timer) takes the queue:
    // another call (an append's setImmediate when close flushed first) would start a second round of
    // tries, each counted, and refuse the group at half its busy timeout.
    if (this.#lockWait && !retry) return;
    const group = this.#pending;
    this.#pending = [];
    if (group.length === 0) {
      // (A retry always finds its group: nothing else takes the queue while it waits.)
      if (retry) this.#endLockWait();
      return;
    }
    this.#lastGroupSize = group.length;
    if (this.#closed) {
      this.#endLockWait();
      for (const p of group) p.reject(new Error('the event store is closed'));
      return;
    }
    if (this.#flushFailure) {
      this.#endLockWait();
      for (const p of group) p.reject(this.#flushFailure);
      return;
    }
    let begun: boolean;
    try {
      begun = this.#begin(group);
    } catch (error) {
      for (const p of group) p.reject(error);
      return;
    }
    if (!begun) return;
    // The first position this commit writes, read under its write lock.
    let from = 0;
    try {
      if (this.#logToFlush !== undefined) from = (this.#head.get() ?? 0) + 1;
    } catch (error) {
      // The file cannot be read: nothing is committed, as when the commit itself fails.
      try {
        if (this.database.inTransaction) this.database.exec('ROLLBACK');
      } catch {
        // The first error is the one to tell.
      }
      for (const p of group) p.reject(error);
      return;
    }
    const outcomes: Outcome[] = [];
    if (!group.some((p) => p.careful)) {
      // The first pass: every append straight in the group's transaction, no savepoint. A savepoint
      // copies each page an append changes to a statement journal first (a temporary file past
      // 64 KiB): 7 pages a command against 2.9 pages of log, and a file made and deleted a group.
      let failure: { error: unknown } | undefined;
      try {
        for (const p of group) outcomes.push(this.#appendFast(p));
      } catch (error) {
        failure = { error };
      }
      if (failure) {
        // An append failed after storing something: nothing of the group is kept.
        this.#heads.aborted();
        outcomes.length = 0;
        try {
          if (this.database.inTransaction) this.database.exec('ROLLBACK');
        } catch (error) {
          for (const p of group) p.reject(error);
          return;
        }
        // Alone, that is its answer (unless an id of a later event was stored: a retry, resolved below).
        if (group.length === 1 && !(failure.error instanceof DuplicateIdSignal)) return this.#whenDurable(from, group, [{ ok: false, ...failure }]);
        // Else the group is begun again, each append in a savepoint of its own so that it succeeds or fails alone.
        for (const p of group) p.careful = true;
        try {
          if (!this.#begin(group)) return;
        } catch (error) {
          for (const p of group) p.reject(error);
          return;
        }
      } else return this.#commitGroup(from, group, outcomes, () => undefined);
    }
    this.#commitGroup(from, group, outcomes, () => this.#groupTx(group, outcomes));
  }

  /** Runs `work` in the group's begun transaction and commits it, then answers the group once it is on disk (`#whenDurable`). */
  #commitGroup(from: number, group: PendingAppend[], outcomes: Outcome[], work: () => void): void {
    try {
      this.#commitBegun(work);
      this.#heads.committed();
    } catch (error) {
      // The commit itself failed: nothing of the group is stored.
      this.#heads.aborted();
      for (const p of group) p.reject(error);
      return;
    }
    this.#whenDurable(from, group, outcomes);
  }

  /**
   * Begins the group's transaction (`BEGIN IMMEDIATE`) if the write lock is free now, and answers
   * true. When another process holds it (a server or `npm run rebuild` on the same file), the group
   * goes back to the front of the queue and is tried again every `LOCK_RETRY_MS` (false): SQLite's
   * own busy handler would wait inside the call, stopping this thread — every request, /health —
   * for up to the busy timeout (measured: /health took 9–10 s while another process held the lock
   * for 20 s). Past the connection's `busy_timeout` in tries, SQLite's SQLITE_BUSY is thrown, as
   * its handler would have: nothing of the group is stored.
   */
  #begin(group: PendingAppend[]): boolean {
    const db = this.database;
    // Pragmas act when prepared: a prepared one would keep the value it was prepared with. The two
    // that set it go through exec (prepared and run inside SQLite, no statement object made here):
    // this method took 33–36 µs of a lone writer's ~360 µs append with three statement objects, 24–26 µs so.
    const timeoutMs = db.pragma('busy_timeout', { simple: true }) as number;
    try {
      db.exec('PRAGMA busy_timeout = 0; BEGIN IMMEDIATE');
    } catch (error) {
      const wait = this.#lockWait;
      if (!isBusy(error) || (wait?.tries ?? 0) * LOCK_RETRY_MS >= timeoutMs) {
        this.#endLockWait();
        throw error;
      }
      if (wait) wait.tries++;
      else {
        let end!: () => void;
        const over = new Promise<void>((resolve) => (end = resolve));
        this.#lockWait = { tries: 1, over, end };
      }
      this.#pending = [...group, ...this.#pending];
      setTimeout(() => this.#flush(true), LOCK_RETRY_MS);
      return false;
    } finally {
      db.exec(`PRAGMA busy_timeout = ${timeoutMs}`);
    }
    this.#endLockWait();
    return true;
  }

  #endLockWait(): void {
    this.#lockWait?.end();
    this.#lockWait = undefined;
  }

  /**
   * One append of a group's first pass, with no savepoint: its outcome, when a failure (a conflict, an
   * id already stored) came before it stored anything, so the transaction is as it was; else it
   * throws, and the group is begun again with savepoints (`#flush`).
   */
  #appendFast(p: PendingAppend): Outcome {
    const mark = this.#heads.mark();
    try {
      return { ok: true, result: this.#appendInTx(p.stream, p.events, p.expected) };
    } catch (error) {
      if (!this.#untouched) throw error;
      this.#heads.rollBack(mark);
      if (!(error instanceof DuplicateIdSignal)) return { ok: false, error };
      // Its first event's id is stored (a failed statement changes nothing): a retry, or a clash.
      try {
        return { ok: true, result: this.#resolveRetry(p.stream, p.events, p.expected, this.#lastRevision.get(p.stream) ?? null) };
      } catch (clash) {
        return { ok: false, error: clash };
      }
    }
  }

  /** Runs `work` in the transaction `#begin` began and commits it; if either throws, rolls it back. */
  #commitBegun<T>(work: () => T): T {
    try {
      const result = work();
      this.database.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.database.inTransaction) this.database.exec('ROLLBACK');
      throw error;
    }
  }

  /**
   * Answers a committed group once it is on disk, and only then lets subscriptions see it: at once
   * when SQLite flushed it in the commit; otherwise after the next flush of the log (refusals too:
   * they were decided on what the commit saw). A flush that fails answers its groups with a
   * `LogNotFlushedError` (and `#check` and `#flush` every later append).
   */
  #whenDurable(from: number, group: PendingAppend[], outcomes: Outcome[]): void {
    const answer = (error?: Error) => {
      this.#answered();
      group.forEach((p, i) => {
        const outcome = outcomes[i]!;
        if (error) p.reject(error);
        else if (outcome.ok) p.resolve(outcome.result);
        else p.reject(outcome.error);
      });
      if (!error) this.#wakeSubscriptions();
    };
    if (this.#logToFlush === undefined) return answer();
    // One append made by the code the last answer (of any store) resumed, and nothing else waiting or being flushed:
    // a writer appending one at a time, whose loop nothing else shares. The flush is made here, sparing
    // it the thread pool's round trip (bench:store, 2,000 appends after the log's first cycle: about
    // 100 of 250–300 µs each); appends that come from elsewhere (a server's requests) keep the loop free.
    // A server's own chains (a timer pass sending due commands one after another) take this path too:
    // the loop is let go between two appends (the group waits for a setImmediate), so a request waits
    // for one flush at most.
    if (group.length === 1 && group[0]!.followsAnswer && this.#flushing === undefined && this.#pending.length === 0) {
      if (!this.#flushFailure) {
        try {
          const fd = this.#logFile();
          fdatasyncSync(fd);
          this.#stillLinked(fd);
        } catch (error) {
          this.#flushFailed(from, error);
        }
      }
      return answer(this.#flushFailure);
    }
    this.#unflushed.push({ from, answer });
    if (this.#flushing === undefined) this.#flushing = this.#flushLog();
  }

  /**
   * Marks appends requested from now until the work resumed by the answers being given has run (their
   * promise reactions, to any depth) as following an answer (`PendingAppend.followsAnswer`). The mark is
   * taken off by a `process.nextTick` queued from a microtask: Node runs it once the microtask queue is
   * empty, before the next I/O callback (another request's) can append.
   */
  #answered(): void {
    if (answering) return;
    answering = true;
    queueMicrotask(() =>
      process.nextTick(() => {
        answering = false;
      }),
    );
  }

  /** The write-ahead log's descriptor, kept open to flush it. */
  #logFile(): number {
    const fd = this.#logFd;
    if (fd === undefined) throw new Error('the log file is not open');
    return fd;
  }

  /**
   * A log deleted while open (rm events.db-wal): the commits went to a file that no restart reads, so
   * those since the last checkpoint would be lost however well it was flushed.
   */
  #stillLinked(fd: number): void {
    // Linux names a descriptor of an unlinked file with " (deleted)" after its path: the name it had
    // when opened means linked; anything else is left to the stat. On this project's current machine
    // (a Firecracker VM, Linux 6.18, ext4) a stat after every flush made the next one slower: a write
    // and fdatasync of 4 KiB in a loop took 92–135 µs, 147–191 µs with an fstat after each, 121–146 µs
    // with this read instead.
    if (this.#logFdName !== undefined && descriptorName(fd) === this.#logFdName) return;
    if (fstatSync(fd).nlink === 0) throw new Error(`the write-ahead log ${this.#logToFlush} was deleted while the store had it open`);
  }

  /** A flush failed: its commits and every later append are refused (`LogNotFlushedError`) until a restart. */
  #flushFailed(from: number, error: unknown): void {
    this.#flushFailure = new LogNotFlushedError(error);
    this.#failedFrom = from;
    this.#failedAt = this.#now().toISOString();
  }

  /** Flushes the log for every commit made since the last flush began, then again while more wait. */
  async #flushLog(): Promise<void> {
    // Settles nothing before its caller has recorded this flush as under way.
    await Promise.resolve();
    while (this.#unflushed.length > 0) {
      const waiting = this.#unflushed;
      this.#unflushed = [];
      this.#flushingFrom = waiting[0]!.from;
      // After a failed flush no later one can vouch for the log: the rest are refused without one.
      if (!this.#flushFailure) {
        try {
          const fd = this.#logFile();
          await new Promise<void>((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
          this.#stillLinked(fd);
        } catch (error) {
          this.#flushFailed(waiting[0]!.from, error);
        }
      }
      this.#flushingFrom = undefined;
      for (const { answer } of waiting) answer(this.#flushFailure);
    }
    this.#flushing = undefined;
  }

  /** Positions from here on are committed by this store and not yet on disk: subscriptions wait for them. */
  #unflushedFrom(): number | undefined {
    return this.#failedFrom ?? this.#flushingFrom ?? this.#unflushed[0]?.from;
  }

  /** A failure that lasts until a restart, for health checks and metrics: a flush of the log that failed. */
  get trouble(): { reason: string; since: string } | undefined {
    return this.#flushFailure ? { reason: 'storeNotFlushed', since: this.#failedAt! } : undefined;
  }

  #wakeSubscriptions(): void {
    if (this.#subscriptions.size > 0) for (const sub of this.#subscriptions) sub.wake();
  }

  #appendInTx(stream: string, events: EventData[], expected: ExpectedRevision): AppendResult {
    this.#untouched = true;
    this.#heads.appending(stream);
    const current = this.#lastRevision.get(stream) ?? null;
    if (!satisfied(expected, current)) return this.#resolveRetry(stream, events, expected, current);
    if (events.length === 0) {
      return { nextExpectedRevision: current ?? -1, position: current === null ? 0 : (this.#readBackwards.get(stream, MAX_REVISION, 1)?.position ?? 0) };
    }
    const created = this.#now().toISOString();
    const first = current === null ? 0 : current + 1;
    const recorded: RecordedEvent[] | null = this.#handlers.length > 0 ? [] : null;
    let position = 0;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      const metadata = event.metadata ?? {};
      let info: Database.RunResult;
      try {
        info = this.#insert.run(stream, first + i, event.id, event.type, JSON.stringify(event.data) ?? 'null', JSON.stringify(metadata), created);
      } catch (error) {
        if (error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE' && error.message.includes('events.id')) {
          throw new DuplicateIdSignal(event.id);
        }
        throw error;
      }
      this.#untouched = false;
      position = Number(info.lastInsertRowid);
      recorded?.push({ id: event.id, streamId: stream, type: event.type, revision: first + i, position, data: event.data, metadata, created });
    }
    if (recorded) for (const handler of [...this.#handlers]) handler(recorded);
    this.#heads.appended(stream, first + events.length - 1);
    return { nextExpectedRevision: first + events.length - 1, position };
  }

  /**
   * The slow path: the expected revision does not hold, or an id is already stored. If every id is
   * stored in this stream, in order, at the revisions the expected revision implies (for `any` and
   * `stream_exists`: anywhere in this stream, consecutively), this is a retry: answer the original
   * result and store nothing. Otherwise it is a conflict.
   */
  #resolveRetry(stream: string, events: EventData[], expected: ExpectedRevision, current: number | null): AppendResult {
    const stored = events.map((e) => this.#byId.get(e.id));
    const firstStored = stored[0];
    if (events.length > 0 && firstStored && firstStored.stream_id === stream) {
      const start = expected === 'no_stream' ? 0 : typeof expected === 'number' ? expected + 1 : firstStored.revision;
      if (stored.every((row, i) => row !== undefined && row.stream_id === stream && row.revision === start + i)) {
        const last = stored[stored.length - 1]!;
        return { nextExpectedRevision: last.revision, position: last.position };
      }
    }
    if (!satisfied(expected, current)) throw new WrongExpectedVersionError(stream, expected, current ?? 'no_stream');
    const clash = stored.findIndex((row) => row !== undefined);
    const row = stored[clash];
    if (row) throw new DuplicateEventIdError(events[clash]!.id, stream, { streamId: row.stream_id, revision: row.revision });
    // Unreachable: the slow path is taken only on a mismatch or a stored id.
    throw new WrongExpectedVersionError(stream, expected, current ?? 'no_stream');
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.#assertOpen();
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision ?? (backwards ? 'end' : 'start');
    const revision = from === 'start' ? 0 : from === 'end' ? MAX_REVISION : from;
    const limit = options.maxCount === undefined ? -1 : Math.max(0, options.maxCount);
    const known = backwards ? undefined : this.#heads.known(stream, revision);
    if (known === 'missing') throw new StreamNotFoundError(stream);
    if (known === 'nothing') return [];
    const statement = backwards ? this.#readBackwards : this.#readForwards;
    const page = (from: number, read: number) => statement.all(stream, from, limit < 0 ? STREAM_PAGE : Math.min(limit - read, STREAM_PAGE));
    let rows = page(revision, 0);
    let missing = false;
    if (rows.length === 0) {
      // Nothing read: the stream's existence is asked in one snapshot with the rows. Asked apart, another
      // process's first append to it in between read as a stream that exists with no event — a keyed
      // start on two servers took that for a case already started and answered 500 (race QA: 5 in 400).
      ({ rows, missing } = this.database.transaction(() => {
        const again = page(revision, 0);
        return { rows: again, missing: again.length === 0 && this.#streamExists.get(stream) === undefined };
      })());
    }
    const events = rows.map(toRecorded);
    if (rows.length < STREAM_PAGE || events.length === limit) {
      // A forward read that reached the stream's end tells where it ends (or that it has none).
      if (!backwards && (limit < 0 || rows.length < limit)) this.#heads.read(stream, revision, rows.length > 0 ? rows[rows.length - 1]!.revision : null, missing);
      if (missing) throw new StreamNotFoundError(stream);
      return events;
    }
    // A long stream (a case of 20,000 usage reports: 0.35 s read at once, no other request answered
    // meanwhile), the rest in pages with a turn of the event loop between them. Its end is not kept
    // as a bound: an append of ours between two pages may have moved it past the last page read.
    while (rows.length === STREAM_PAGE && events.length !== limit) {
      await new Promise((resolve) => setImmediate(resolve));
      this.#assertOpen();
      const last = events[events.length - 1]!.revision;
      rows = page(backwards ? last - 1 : last + 1, events.length);
      for (const row of rows) events.push(toRecorded(row));
    }
    return events;
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    const backwards = options.direction === 'backwards';
    const after = afterPositionOf(options);
    const from = after !== undefined ? after + 1 : (options.fromPosition ?? (backwards ? 'end' : 'start'));
    let remaining = options.maxCount ?? Infinity;
    let cursor = from === 'start' ? (backwards ? 0 : 1) : from === 'end' ? Number.MAX_SAFE_INTEGER : from;
    while (remaining > 0) {
      this.#assertOpen();
      const limit = Math.min(PAGE_SIZE, remaining);
      const rows = backwards ? this.#allBackwards.all(cursor, limit) : this.#allForwards.all(cursor, limit);
      for (const row of rows) yield toRecorded(row);
      remaining -= rows.length;
      if (rows.length < limit) return;
      cursor = rows[rows.length - 1]!.position + (backwards ? -1 : 1);
    }
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    this.#assertOpen();
    const from = options.fromPosition ?? 'start';
    const after = from === 'start' ? 0 : from === 'end' ? (this.#head.get() ?? 0) : from;
    const sub = new SqliteSubscription(this, after, options.filter, this.#pollIntervalMs);
    this.#subscriptions.add(sub);
    return sub;
  }

  /**
   * Positions the log has given that no row holds now: rows deleted from the table by hand. This
   * store never leaves a gap (a rolled-back append rolls back `sqlite_sequence` too) and AUTOINCREMENT
   * never gives a position twice, so a missing position — inside the log, or cut off its end (the
   * sequence is past the last row) — is an event deleted, whatever the read models say after a
   * rebuild. The first `limit` runs of them (every one with `Infinity`), lowest first, and how many positions are missing in all.
   * Reads every position once (about half a second for a million events).
   */
  positionsMissing(limit = 20): { missing: number; runs: { from: number; to: number }[] } {
    this.#assertOpen();
    // One snapshot: read apart, another process's append between the count and the sequence made the
    // sequence pass the last row, told as a run cut off the end (race QA: npm run replay -- --all beside
    // a server taking commands named a deleted event in 5 of 13 runs, the position there right after).
    return this.database.transaction(() => this.#positionsMissing(limit))();
  }

  #positionsMissing(limit: number): { missing: number; runs: { from: number; to: number }[] } {
    const db = this.database;
    const { rows, last } = db.prepare<[], { rows: number; last: number | null }>('SELECT count(*) AS rows, max(position) AS last FROM events').get()!;
    const sequence = db.prepare<[], number | null>("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck().get() ?? 0;
    const end = Math.max(sequence, last ?? 0);
    if (rows === end) return { missing: 0, runs: [] };
    const runs = db
      .prepare<[number], { from: number; to: number }>(
        `SELECT before + 1 AS "from", position - 1 AS "to" FROM (
           SELECT position, coalesce(lag(position) OVER (ORDER BY position), 0) AS before FROM events
         ) WHERE position > before + 1 LIMIT ?`,
      )
      .all(Number.isFinite(limit) ? limit : -1);
    if (runs.length < limit && end > (last ?? 0)) runs.push({ from: (last ?? 0) + 1, to: end });
    return { missing: end - rows, runs };
  }

  async headPosition(): Promise<number> {
    this.#assertOpen();
    return this.#head.get() ?? 0;
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    // Appends waiting for another process's write lock are stored, or refused, first (their next try is due).
    if (this.#pending.length > 0 && !this.#lockWait) this.#flush();
    while (this.#lockWait) await this.#lockWait.over;
    for (const sub of [...this.#subscriptions]) await sub.close();
    this.#closed = true;
    // Appends committed and not yet answered are answered once on disk; no append commits now.
    while (this.#flushing) await this.#flushing;
    if (this.#logFd !== undefined) closeSync(this.#logFd);
    this.#logFd = undefined;
    await this.#stopCheckpointer();
    // The last connection to close checkpoints the whole log and removes it.
    this.database.close();
  }

  /** Adds a background checkpointer; if it cannot start or fails, SQLite's own checkpoints carry on alone, and `onFailed` is told. */
  #startCheckpointer(synchronous: SqliteSynchronous, intervalMs: number, restartPages: number, onFailed?: (error: unknown) => void): void {
    let worker: Worker | undefined;
    try {
      worker = new Worker(CHECKPOINTER, {
        eval: true,
        workerData: { file: this.database.name, sqlite: requireHere.resolve('better-sqlite3'), synchronous, intervalMs, restartPages },
      });
      worker.unref();
      worker.on('message', () => this.#finishCheckpoint());
      let failure: unknown;
      worker.on('exit', (code) => {
        if (this.#checkpointer !== worker) return;
        this.#checkpointer = undefined;
        this.#sqliteCheckpointsAlone();
        // A worker's error comes across as a clone: a SqliteError as no more than { code: 'SQLITE_CANTOPEN' }.
        const reason = failure === undefined ? `exit code ${code}` : inspect(failure, { breakLength: Infinity });
        onFailed?.(failure instanceof Error ? failure : new Error(`the background checkpointer stopped: ${reason}`, { cause: failure }));
      });
      // An error ends the worker ('exit' follows); appends go on with SQLite's own checkpoints.
      worker.on('error', (error) => {
        failure = error;
      });
      this.#checkpointer = worker;
      // SQLite's own checkpoint inside a commit stays, further off, for a worker that falls behind.
      this.database.pragma(`wal_autocheckpoint = ${4 * restartPages}`);
      // A log that grew past the threshold (another connection's reader held it) is cut back on disk when it restarts.
      this.database.pragma(`journal_size_limit = ${restartPages * (this.database.pragma('page_size', { simple: true }) as number)}`);
    } catch (error) {
      this.#checkpointer = undefined;
      // Started but not set up (a pragma failed): stopped, not left checkpointing the file unowned after close.
      void worker?.terminate();
      this.#sqliteCheckpointsAlone();
      onFailed?.(error);
    }
  }

  /** The checkpointer is gone (failed to set up, or stopped): SQLite's own checkpoints at their default again. */
  #sqliteCheckpointsAlone(): void {
    if (!this.database.open) return;
    try {
      this.database.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT}`);
    } catch {
      // They keep whatever the connection has: the checkpointer's failure is the one to tell, not this.
    }
  }

  /**
   * The background checkpointer has copied a long log up to a moment ago: copy the rest here, where
   * no append can come in between, so that the next append restarts the log. A short copy and two
   * fsyncs on this thread, once per `checkpointRestartPages` of log: 15–19 ms under bench:api's load
   * (about once a second), nearly all of it the database file's fsync. SQLite flushes that file only
   * after a pass that reaches the end of the log, which under steady appends is only this one, so it
   * flushes every page the worker copied since the last restart. Flushing the file from the worker
   * instead (a descriptor of its own) was measured and dropped: after every pass, it tripled the
   * commits that took over 8 ms (their log fsyncs queued behind it) and raised p50 from 2.4 to 3.4 ms;
   * once before this pass, it cut this pass to ~2.5 ms but doubled those slow commits; p99 no better.
   * Holding this store's commits instead while the worker made this last pass (the event loop left
   * free, no writer in between) was measured too: the holds took 4–28 ms with up to 16 appends
   * waiting, and bench:api's p99 at half peak read 56.9 and 84.2 ms; dropped. So was a restart every
   * 100,000 pages: one pass then stopped the loop for 261 ms.
   */
  #finishCheckpoint(): void {
    if (this.#closed || !this.database.open || this.database.inTransaction) return;
    try {
      this.database.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // SQLITE_BUSY: the worker's own pass is copying right now; the log it leaves is reported again once it grows.
    }
  }

  async #stopCheckpointer(): Promise<void> {
    const worker = this.#checkpointer;
    if (!worker) return;
    this.#checkpointer = undefined;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('close');
    // A checkpoint under way finishes first; a worker that does not answer is stopped.
    const timer = setTimeout(() => void worker.terminate(), 2000);
    await exited;
    clearTimeout(timer);
  }

  /** @internal Rows after `position`, for subscriptions. */
  pageAfter(position: number): Row[] {
    this.#assertOpen();
    const rows = this.#allForwards.all(position + 1, PAGE_SIZE);
    // Not what this store committed and has not flushed yet: a power loss could still take it back.
    const unflushed = this.#unflushedFrom();
    return unflushed === undefined ? rows : rows.filter((row) => row.position < unflushed);
  }

  /** @internal */
  forget(sub: SqliteSubscription): void {
    this.#subscriptions.delete(sub);
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('the event store is closed');
  }
}

/** A cursor over the table: catch up page by page, then wait for a wake-up or the poll timer. */
class SqliteSubscription implements Subscription, AsyncIterableIterator<RecordedEvent> {
  #cursor: number;
  #buffer: RecordedEvent[] = [];
  #index = 0;
  #closed = false;
  #wake: (() => void) | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: SqliteEventStore,
    after: number,
    private readonly filter: SubscriptionFilter | undefined,
    private readonly pollIntervalMs: number,
  ) {
    this.#cursor = after;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<RecordedEvent> {
    return this;
  }

  /** Calls are served one after another, so concurrent `next()` calls still get events in order. */
  next(): Promise<IteratorResult<RecordedEvent>> {
    const result = this.#queue.then(() => this.#next());
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async return(): Promise<IteratorResult<RecordedEvent>> {
    await this.close();
    return { done: true, value: undefined };
  }

  async #next(): Promise<IteratorResult<RecordedEvent>> {
    for (;;) {
      if (this.#closed) return { done: true, value: undefined };
      if (this.#index < this.#buffer.length) return { done: false, value: this.#buffer[this.#index++]! };
      const rows = this.store.pageAfter(this.#cursor);
      if (rows.length > 0) {
        this.#cursor = rows[rows.length - 1]!.position;
        this.#buffer = [];
        this.#index = 0;
        for (const row of rows) if (matches(this.filter, row.stream_id, row.type)) this.#buffer.push(toRecorded(row));
        continue;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        // Appends by other processes never wake us: look again shortly.
        this.#timer = setTimeout(() => this.wake(), this.pollIntervalMs);
      });
    }
  }

  /** Appends through this store instance, and close(), wake a waiting consumer at once. */
  wake(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#buffer = [];
    this.store.forget(this);
    this.wake();
  }
}
