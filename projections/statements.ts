import type Database from 'better-sqlite3';
import type { Db } from './runner.js';

/**
 * Prepared statements of one read model, per database: prepared on first use, forgotten when the
 * read model's tables are dropped. Preparing per event would cost more than the writes themselves.
 */
export function statementCache<S>(prepare: (db: Db) => S): { of(db: Db): S; forget(db: Db): void } {
  const cache = new WeakMap<Db, S>();
  return {
    of(db) {
      let s = cache.get(db);
      if (!s) {
        s = prepare(db);
        cache.set(db, s);
      }
      return s;
    },
    forget(db) {
      cache.delete(db);
    },
  };
}

/**
 * A read model's unit of work (runner.ts `Projection.flush`): one per database, made by `apply`'s
 * first event in a transaction, taken whole by `flush`, forgotten by `discard` and `clear`.
 */
export function unitOfWork<W>(create: () => W): { of(db: Db): W; take(db: Db): W | undefined; peek(db: Db): W | undefined; forget(db: Db): void } {
  const units = new WeakMap<Db, W>();
  return {
    of(db) {
      let w = units.get(db);
      if (!w) {
        w = create();
        units.set(db, w);
      }
      return w;
    },
    take(db) {
      const w = units.get(db);
      units.delete(db);
      return w;
    },
    /** The unit of work, left in place (a rebuild worker's `settle` writes part of it). */
    peek(db) {
      return units.get(db);
    },
    forget(db) {
      units.delete(db);
    },
  };
}

const inserts = new WeakMap<Db, Map<string, Database.Statement<unknown[]>>>();

/**
 * Inserts rows with one prepared `INSERT … VALUES (?, …)` per statement text: `insert` is the
 * statement up to `VALUES` (`INSERT OR IGNORE INTO t (a, b)`), every row has one value per column.
 * (Multi-row VALUES lists measured slower: spreading hundreds of arguments costs more than it saves.)
 */
export function insertRows(db: Db, insert: string, rows: readonly (readonly unknown[])[]): void {
  const first = rows[0];
  if (!first) return;
  let cache = inserts.get(db);
  if (!cache) {
    cache = new Map();
    inserts.set(db, cache);
  }
  let statement = cache.get(insert);
  if (!statement) {
    statement = db.prepare<unknown[]>(`${insert} VALUES (${first.map(() => '?').join(', ')})`);
    cache.set(insert, statement);
  }
  for (const row of rows) statement.run(...row);
}

/** Forgets the insert statements of a database (its tables were dropped). */
export function forgetInserts(db: Db): void {
  inserts.delete(db);
}
