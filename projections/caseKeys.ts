/**
 * A case's key in the read models: the position of its first event. Case ids are random UUIDs, and
 * a B-tree keyed by them is touched at a random page by every event (several µs each in SQLite);
 * first-event positions grow with time, so the cases that are moving — the recent ones — sit
 * together at the end of every index, and folding an event touches pages already in the cache.
 *
 * The key is a fact of the log, not of any read model: the same in an incremental run and a
 * rebuild. It is kept in `projection_case_keys` and remembered per database in a bounded map. Keys
 * learnt from revision-0 events are part of the unit of work of every read model keyed by case
 * (`caseUnitOfWork`): the first to flush writes them, the others find nothing, and a discard
 * forgets them with the transaction. So folding an event never writes: what a transaction writes
 * is all in its flush, whichever database it goes to (a rebuild worker's scratch file).
 */
import type { RecordedEvent } from '../eventstore/types.js';
import type { Db } from './runner.js';
import { unitOfWork, type PerDatabase } from './statements.js';

const SCHEMA = `CREATE TABLE IF NOT EXISTS projection_case_keys (
  case_id  TEXT    PRIMARY KEY,
  case_key INTEGER NOT NULL
) WITHOUT ROWID`;

/** How many case keys each database remembers (the cases that are moving are a small recent share). */
const REMEMBERED = 500_000;

interface Keys {
  remembered: Map<string, number>;
  /** Keys learnt in this unit of work, not written yet. */
  pending: Map<string, number>;
  get: (caseId: string) => number | undefined;
  put: (caseId: string, key: number) => void;
  /** Where else a key may be known (`knownCaseKeys`: a rebuild worker's read models' file). */
  known?: (caseId: string) => number | undefined;
  /** The last event asked about and its key: every read model keyed by case asks for each event in turn. */
  lastEvent: RecordedEvent | undefined;
  lastKey: number;
}

const byDb = new WeakMap<Db, Keys>();

/**
 * Keys `db` does not hold are looked up in `file`'s too, for a case whose first event this fold does
 * not see: a rebuild worker's scratch file, beside the read models' file, whose keys its rows are
 * copied under (`mergeRebuilt`: the keys already held win). Only such a case asks: its start gone
 * from the log (deleted, tampered with), it keeps the key it had, and its rows stay found by it.
 * Compliance QA: keyed afresh by its first event left, such a case's rows were copied under a key
 * the case list's join never met, and the case vanished from the list, verify and the export.
 */
export function knownCaseKeys(db: Db, file: Db): void {
  const table = file.prepare<[], 1>("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'projection_case_keys'").pluck().get();
  if (table === undefined) return;
  const get = file.prepare<[string], number>('SELECT case_key FROM projection_case_keys WHERE case_id = ?').pluck();
  keysOf(db).known = (id) => get.get(id);
}

/** Creates the table (every read model keyed by case calls it from its `setup`). */
export function setupCaseKeys(db: Db): void {
  db.exec(SCHEMA);
}

function keysOf(db: Db): Keys {
  let keys = byDb.get(db);
  if (!keys) {
    db.exec(SCHEMA);
    const get = db.prepare<[string], number>('SELECT case_key FROM projection_case_keys WHERE case_id = ?').pluck();
    // A rebuild meets keys the table already holds: an unchanged row is left as it is.
    const put = db.prepare<[string, number]>(
      'INSERT INTO projection_case_keys (case_id, case_key) VALUES (?, ?) ON CONFLICT (case_id) DO UPDATE SET case_key = excluded.case_key WHERE case_key <> excluded.case_key',
    );
    keys = { remembered: new Map(), pending: new Map(), get: (id) => get.get(id), put: (id, key) => void put.run(id, key), lastEvent: undefined, lastKey: 0 };
    byDb.set(db, keys);
  }
  return keys;
}

function remember(keys: Keys, caseId: string, key: number): void {
  const m = keys.remembered;
  m.delete(caseId);
  m.set(caseId, key);
  if (m.size > REMEMBERED) m.delete(m.keys().next().value!);
}

/** The key of the case an event belongs to. Reads only: new keys wait for `flushCaseKeys`. */
export function caseKey(db: Db, caseId: string, event: RecordedEvent): number {
  const keys = keysOf(db);
  if (keys.lastEvent === event) return keys.lastKey;
  const key = keyOf(keys, caseId, event);
  keys.lastEvent = event;
  keys.lastKey = key;
  return key;
}

function keyOf(keys: Keys, caseId: string, event: RecordedEvent): number {
  if (event.revision === 0) {
    if (keys.pending.get(caseId) !== event.position) {
      keys.pending.set(caseId, event.position);
      remember(keys, caseId, event.position);
    }
    return event.position;
  }
  const known = keys.pending.get(caseId) ?? keys.remembered.get(caseId);
  if (known !== undefined) return known;
  let key = keys.get(caseId);
  if (key === undefined) {
    // A case whose first event this database never saw: the key it has beside (`knownCaseKeys`), else
    // (a log that starts mid-case) it starts here.
    key = keys.known?.(caseId) ?? event.position;
    keys.pending.set(caseId, key);
  }
  remember(keys, caseId, key);
  return key;
}

/** Writes the keys learnt since the last flush (inside the caller's transaction). */
function flushCaseKeys(db: Db): void {
  const keys = byDb.get(db);
  if (!keys || keys.pending.size === 0) return;
  // In key order: a batch's new keys then go into the B-tree side by side instead of at random pages.
  const sorted = [...keys.pending].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [caseId, key] of sorted) keys.put(caseId, key);
  keys.pending.clear();
}

/** Forgets the keys learnt since the last flush (the transaction is rolling back). */
function discardCaseKeys(db: Db): void {
  const keys = byDb.get(db);
  if (!keys || keys.pending.size === 0) return;
  // A remembered key may have come from a rolled-back event whose position will be reused.
  keys.pending.clear();
  keys.remembered.clear();
  keys.lastEvent = undefined;
}

/** The unit of work of a read model keyed by case: taking it writes the case keys learnt first; discarding it forgets them. */
export function caseUnitOfWork<W>(create: () => W): Pick<PerDatabase<W>, 'of' | 'take' | 'forget'> & { settle(db: Db): W | undefined; discard(db: Db): void } {
  const units = unitOfWork(create);
  return {
    of: units.of,
    take(db) {
      flushCaseKeys(db);
      return units.take(db);
    },
    /** Writes the case keys learnt so far and answers the unit of work, left in place (`Projection.settle`). */
    settle(db) {
      flushCaseKeys(db);
      return units.peek(db);
    },
    discard(db) {
      discardCaseKeys(db);
      units.forget(db);
    },
    forget: units.forget,
  };
}
