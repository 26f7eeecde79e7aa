/**
 * A read model's query indexes may be summaries that triggers keep: filled from the rows, then kept
 * by triggers. A commit of another writer (a rebuild in another process) between the fill and the
 * triggers would be counted by neither, so each entry runs in one transaction, in both modes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { FollowProjector, type Projection } from '../../projections/index.js';
import { systemClock } from '../../infra/clock.js';

describe('a follower’s query indexes', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A read model whose query indexes are `entries` (changed by the test as it goes). */
  const probe = (entries: string[]): Projection => ({
    name: 'probe',
    version: 1,
    queryIndexes: entries,
    setup: (db) => db.exec('CREATE TABLE IF NOT EXISTS probe_rows (x)'),
    apply: () => {},
    clear: (db) => db.exec('DROP TABLE IF EXISTS probe_rows; DROP TABLE IF EXISTS probe_summary'),
  });
  const tables = (db: Database.Database) => db.prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'probe%' ORDER BY name").pluck().all();

  it('given an entry whose last statement fails, when a follower starts or rebuilds, then none of that entry stays', async () => {
    dir = mkdtempSync(join(tmpdir(), 'query-indexes-'));
    const store = new SqliteEventStore({ path: join(dir, 'events.db'), now: systemClock.now });
    const db = new Database(join(dir, 'readmodels.db'));
    const failing = 'CREATE TABLE probe_summary (x); SELECT * FROM no_such_table';
    const entries = [failing];
    let follower = new FollowProjector(store, db, [probe(entries)]);
    try {
      expect(() => follower.start()).toThrow(/no such table/);
      expect(tables(db)).toEqual(['probe_rows']);
      // A start that makes them, then a rebuild whose entry fails: the rebuild's is undone too.
      entries[0] = 'CREATE TABLE IF NOT EXISTS probe_summary (x)';
      follower = new FollowProjector(store, db, [probe(entries)]);
      follower.start();
      expect(tables(db)).toEqual(['probe_rows', 'probe_summary']);
      entries[0] = failing;
      await expect(follower.rebuild()).rejects.toThrow(/no such table/);
      expect(tables(db)).toEqual(['probe_rows']);
    } finally {
      await follower.close();
      db.close();
      await store.close();
    }
  });
});
