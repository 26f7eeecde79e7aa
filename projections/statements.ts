import type Database from 'better-sqlite3';
import type { Db } from './runner.js';

/** Something kept per database: made on first use, taken, looked at, or forgotten. */
export interface PerDatabase<W> {
  of(db: Db): W;
  /** Answers it and forgets it. */
  take(db: Db): W | undefined;
  /** Answers it, left in place. */
  peek(db: Db): W | undefined;
  forget(db: Db): void;
}

/** One `W` per database, made by `create` on first use. */
export function perDatabase<W>(create: (db: Db) => W): PerDatabase<W> {
  const kept = new WeakMap<Db, W>();
  return {
    of(db) {
      let w = kept.get(db);
      if (!w) {
        w = create(db);
        kept.set(db, w);
      }
      return w;
    },
    take(db) {
      const w = kept.get(db);
      kept.delete(db);
      return w;
    },
    peek(db) {
      return kept.get(db);
    },
    forget(db) {
      kept.delete(db);
    },
  };
}

/**
 * Prepared statements of one read model, per database: prepared on first use, forgotten when the
 * read model's tables are dropped. Preparing per event would cost more than the writes themselves.
 */
export const statementCache = perDatabase;

/**
 * A read model's unit of work (runner.ts `Projection.flush`): one per database, made by `apply`'s
 * first event in a transaction, taken whole by `flush` (or written in part by a rebuild worker's
 * `settle`, left in place), forgotten by `discard` and `clear`.
 */
export function unitOfWork<W>(create: () => W): PerDatabase<W> {
  return perDatabase(() => create());
}

/** The insert statements of each database, by statement text. */
const inserts = perDatabase((): Map<string, Database.Statement<unknown[]>> => new Map());

/**
 * Inserts rows with one prepared `INSERT … VALUES (?, …)` per statement text: `insert` is the
 * statement up to `VALUES` (`INSERT OR IGNORE INTO t (a, b)`), every row has one value per column.
 * (Multi-row VALUES lists measured slower: spreading hundreds of arguments costs more than it saves.)
 */
export function insertRows(db: Db, insert: string, rows: readonly (readonly unknown[])[]): void {
  const first = rows[0];
  if (!first) return;
  const cache = inserts.of(db);
  let statement = cache.get(insert);
  if (!statement) {
    statement = db.prepare<unknown[]>(`${insert} VALUES (${first.map(() => '?').join(', ')})`);
    cache.set(insert, statement);
  }
  for (const row of rows) statement.run(...row);
}

/** Forgets the insert statements of a database (its tables were dropped). */
export function forgetInserts(db: Db): void {
  inserts.forget(db);
}
