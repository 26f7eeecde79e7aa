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
