/**
 * A case's key in the read models: the position of its first event. Case ids are random UUIDs, and
 * a B-tree keyed by them is touched at a random page by every event (several µs each in SQLite);
 * first-event positions grow with time, so the cases that are moving — the recent ones — sit
 * together at the end of every index, and folding an event touches pages already in the cache.
 *
 * The key is a fact of the log, not of any read model: the same in an incremental run and a
 * rebuild. It is kept in `projection_case_keys` (written in the caller's transaction) and remembered
 * per database in a bounded map. Every event at revision 0 writes its case's key (once, however many
 * projections ask), so a transaction that rolled back — and a position that was then reused — can
 * never leave the table without a key the map remembers.
 */
import type { RecordedEvent } from '../eventstore/types.js';
import type { Db } from './runner.js';

const SCHEMA = `CREATE TABLE IF NOT EXISTS projection_case_keys (
  case_id  TEXT    PRIMARY KEY,
  case_key INTEGER NOT NULL
) WITHOUT ROWID`;

/** How many case keys each database remembers (the cases that are moving are a small recent share). */
const REMEMBERED = 500_000;

interface Keys {
  remembered: Map<string, number>;
  /** The revision-0 event whose key was written last (each delivery of an event is a new object). */
  written: RecordedEvent | undefined;
  get: (caseId: string) => number | undefined;
  put: (caseId: string, key: number) => void;
}

const byDb = new WeakMap<Db, Keys>();

/** Creates the table (every read model keyed by case calls it from its `setup`). */
export function setupCaseKeys(db: Db): void {
  db.exec(SCHEMA);
}

function keysOf(db: Db): Keys {
  let keys = byDb.get(db);
  if (!keys) {
    db.exec(SCHEMA);
    const get = db.prepare<[string], number>('SELECT case_key FROM projection_case_keys WHERE case_id = ?').pluck();
    const put = db.prepare<[string, number]>('INSERT OR REPLACE INTO projection_case_keys (case_id, case_key) VALUES (?, ?)');
    keys = { remembered: new Map(), written: undefined, get: (id) => get.get(id), put: (id, key) => void put.run(id, key) };
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

/** The key of the case an event belongs to; call inside the transaction that folds the event. */
export function caseKey(db: Db, caseId: string, event: RecordedEvent): number {
  const keys = keysOf(db);
  const known = keys.remembered.get(caseId);
  if (event.revision === 0) {
    if (keys.written !== event) {
      keys.put(caseId, event.position);
      keys.written = event;
      if (known !== event.position) remember(keys, caseId, event.position);
    }
    return event.position;
  }
  if (known !== undefined) return known;
  let key = keys.get(caseId);
  if (key === undefined) {
    // A case whose first event this database never saw (a log that starts mid-case): it starts here.
    key = event.position;
    keys.put(caseId, key);
  }
  remember(keys, caseId, key);
  return key;
}
