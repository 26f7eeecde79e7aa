/**
 * Two builds on one store file (blue/green, or a rollback whose newer node is still up): the older
 * build's inbox read model is one version behind the newer build's. Each start rebuilds read models
 * of another version (the older build cannot read rows of a shape it does not know). Then: the newer
 * build must not answer "rebuilding" for ever because an older one rebuilt them under it — it takes
 * them back, once — and the older build must say that it is older, not "a rebuild is under way, try
 * again in 5 s" for ever, nor take them back in turn (a rebuild war). Nothing is lost either way.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultCalendar } from '../../calendars/index.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { systemClock } from '../../infra/clock.js';
import { ALL_PROJECTIONS, inboxProjection, openReadModels, ReadModelsOfAnotherVersion, type ReadModels } from '../../projections/index.js';
import { synthesise } from '../../scripts/bench/projections.js';
import { dumpReadModels } from './dump.js';
import { directory } from './harness.js';

const OLDER = ALL_PROJECTIONS.map((p) => (p === inboxProjection ? { ...p, version: p.version - 1 } : p));

describe('given a store file, a server of the current build and one of an older build (its inbox read model one version behind)', () => {
  let dir: string;
  let file: string;
  let clean: Record<string, string[]>;
  const open: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rm-two-builds-'));
    file = join(dir, 'events.db');
    const store = new SqliteEventStore({ path: file, synchronous: 'OFF', now: systemClock.now });
    synthesise(store, directory, defaultCalendar(), { events: 2_000, seed: 7 });
    await store.close();
  });
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const notices: unknown[] = [];
  async function server(projections = ALL_PROJECTIONS): Promise<{ store: SqliteEventStore; models: ReadModels }> {
    const store = new SqliteEventStore({ path: file, synchronous: 'OFF', now: systemClock.now });
    open.push(store);
    const models = await openReadModels({ store, dataDir: dir, directory, projections, rebuildThreads: 1, onError: (e) => notices.push(e) });
    open.push(models);
    return { store, models };
  }
  const append = (store: SqliteEventStore) => store.appendToStream(`other-${randomUUID()}`, [{ id: randomUUID(), type: 'Other', data: {}, metadata: {} }]);
  const inboxVersion = () => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare("SELECT version FROM projection_checkpoints WHERE name = 'inbox'").pluck().get();
    } finally {
      db.close();
    }
  };
  /** Reads (and an append on the older node) until the current node answers as current, or `rounds` pass. */
  async function settle(current: ReadModels, older: { store: SqliteEventStore; models: ReadModels }, rounds = 200): Promise<void> {
    for (let i = 0; i < rounds && current.rebuilding(); i++) {
      older.models.rebuilding();
      if (i % 10 === 0) await append(older.store);
      // Time for the takeover under way (a wait for a position no event has, which now answers at once, gave it).
      await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it('when the current one starts, then the older one starts beside it (rebuilding its inbox), then the current one takes the inbox back once, answers as current and equal to a clean fold, and the older one says it is older, for good', async () => {
    const current = await server();
    clean = dumpReadModels(current.store.database);
    expect(current.models.rebuilding()).toBeUndefined();

    const older = await server(OLDER);
    expect(inboxVersion()).toBe(inboxProjection.version - 1);
    // Its start says which read models it rebuilt, from which version to which: an upgrade (or this rollback) shows in the log.
    const rebuilt = notices.filter((n) => n instanceof ReadModelsOfAnotherVersion);
    expect(rebuilt.map((n) => [n.readModels, n.message])).toEqual([
      [[{ name: 'inbox', from: inboxProjection.version, to: inboxProjection.version - 1 }], `读模型 inbox（第 ${inboxProjection.version} 版 → 第 ${inboxProjection.version - 1} 版）由其他版本的服务写入，正在按本服务的版本从位置 0 重建`],
    ]);

    await settle(current.models, older);
    expect(current.models.rebuilding()).toBeUndefined();
    expect(inboxVersion()).toBe(inboxProjection.version);

    // The older node keeps reading and appending: it never takes the inbox back (no war) and says why it cannot serve it.
    // Its appends leave the current node's inbox behind (it does not write a version it does not know):
    // the current node's next read folds them itself and answers as current, not 503 "rebuilding"
    // for five seconds after every command of a blue/green window (upgrade QA: 60 reads of 308).
    for (let i = 0; i < 20; i++) {
      expect(older.models.newerBuild()).toEqual([{ name: 'inbox', version: inboxProjection.version, ours: inboxProjection.version - 1 }]);
      await append(older.store);
      expect(current.models.rebuilding()).toBeUndefined();
      expect(current.models.position).toBe(await current.store.headPosition());
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(inboxVersion()).toBe(inboxProjection.version);
    // Every event the older node appended is in the current node's read models at its next read: nothing lost.
    current.models.rebuilding();
    expect(await current.models.waitFor(await current.store.headPosition(), 5_000)).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(current.models.rebuilding()).toBeUndefined();
    expect(current.models.newerBuild()).toBeUndefined();
    expect(dumpReadModels(current.store.database)).toEqual(clean);
  });
});
