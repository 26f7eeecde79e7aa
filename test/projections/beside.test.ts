/**
 * A server and `npm run rebuild` on one store file (here two stores and two facades on the same
 * file, as the server and the rebuild script open them). The server's appends must neither fold the
 * whole log inside themselves (every request would wait for it: 13 s at 200,000 events) nor write
 * rows into read models the other process is rebuilding; either way the read models end equal to a
 * clean rebuild.
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
import { ALL_PROJECTIONS, openReadModels, type ReadModels } from '../../projections/index.js';
import { synthesise } from '../../scripts/bench/projections.js';
import { dumpReadModels } from './dump.js';
import { directory } from './harness.js';

/** More than an append may fold inside itself, and more than one catch-up batch. */
const EVENTS = 30_000;

describe('given a server on a store file and another process rebuilding its read models', () => {
  let dir: string;
  let file: string;
  let clean: Record<string, string[]>;
  const open: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rm-beside-'));
    file = join(dir, 'events.db');
    const store = new SqliteEventStore({ path: file, synchronous: 'OFF', now: systemClock.now });
    synthesise(store, directory, defaultCalendar(), { events: EVENTS, seed: 11 });
    const models = await openReadModels({ store, dataDir: join(dir, 'clean'), directory, mode: 'follow' });
    await models.waitFor(await store.headPosition(), 60_000);
    clean = dumpReadModels(models.db);
    await models.close();
    await store.close();
  });
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close();
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** A process on the file: its store and read models (caught up). */
  async function process(options: { rebuildThreads?: number; parallelRebuildMinEvents?: number } = {}): Promise<{ store: SqliteEventStore; models: ReadModels }> {
    const store = new SqliteEventStore({ path: file, synchronous: 'OFF', now: systemClock.now });
    open.push(store);
    const models = await openReadModels({ store, dataDir: dir, directory, ...options });
    open.push(models);
    return { store, models };
  }

  /** The server's next read finds the read models left to nobody and takes them over: they reach the head, and are attached again a turn later. */
  async function nextReadTakesOver(server: { store: SqliteEventStore; models: ReadModels }): Promise<void> {
    expect(server.models.rebuilding()).toBeDefined();
    expect(await server.models.waitFor(await server.store.headPosition(), 60_000)).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.models.rebuilding()).toBeUndefined();
  }

  /** An event outside any case: read models skip it, but their checkpoints pass it. */
  const append = (store: SqliteEventStore) => store.appendToStream(`other-${randomUUID()}`, [{ id: randomUUID(), type: 'Other', data: {}, metadata: {} }]);
  const checkpoints = (db: Database.Database) => db.prepare('SELECT name, version, position FROM projection_checkpoints ORDER BY name').all() as { name: string; version: number; position: number }[];

  it('when the other process has marked them unfinished (its workers fill them), then the server writes nothing to them, and once it is done the server folds on, equal to a clean rebuild', async () => {
    const server = await process({ rebuildThreads: 1 });
    const before = dumpReadModels(server.store.database);
    // What a parallel rebuild does first, from another connection: it takes the rebuild lock and marks them.
    const lock = new Database(`${file}-rebuild.lock`);
    lock.exec('BEGIN EXCLUSIVE');
    const other = new Database(file);
    other.prepare('UPDATE projection_checkpoints SET version = -1, position = 0').run();
    other.close();

    const { position } = await append(server.store);
    expect(checkpoints(server.store.database).map((c) => [c.version, c.position])).toEqual(ALL_PROJECTIONS.map(() => [-1, 0]));
    expect(dumpReadModels(server.store.database)).toEqual(before);
    expect(server.models.rebuilding()).toEqual({ done: 0, total: position });
    lock.close();

    const rebuild = await process({ rebuildThreads: 2, parallelRebuildMinEvents: 1 });
    await rebuild.models.rebuild();
    await append(server.store);
    const head = await server.store.headPosition();
    expect(checkpoints(server.store.database).map((c) => c.position)).toEqual(ALL_PROJECTIONS.map(() => head));
    expect(server.models.rebuilding()).toBeUndefined();
    expect(dumpReadModels(server.store.database)).toEqual(clean);
  }, 120_000); // 29–44 s in a full run beside other work (its default 60 s)

  it('when the other process folds in worker threads, then the server reads how far it has come as each worker reports (not 0 until the end), and the read models end equal to a clean rebuild', async () => {
    const server = await process({ rebuildThreads: 1 });
    const rebuild = await process({ rebuildThreads: 2, parallelRebuildMinEvents: 1 });
    const seen: { told: number; read: number | undefined }[] = [];
    await rebuild.models.rebuild(undefined, (done, _total, phase = 'fold') => {
      if (phase === 'fold' && done > 0) seen.push({ told: done, read: server.models.rebuilding()?.done });
    });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.some((s) => s.told < EVENTS)).toBe(true);
    expect(seen.map((s) => s.read)).toEqual(seen.map((s) => s.told));
    await append(server.store);
    expect(server.models.rebuilding()).toBeUndefined();
    expect(dumpReadModels(server.store.database)).toEqual(clean);
  });

  it('when the process rebuilding them is alive (it holds the rebuild lock), then the server leaves them to it however often it is asked', async () => {
    const server = await process({ rebuildThreads: 2, parallelRebuildMinEvents: 1 });
    const lock = new Database(`${file}-rebuild.lock`);
    lock.exec('BEGIN EXCLUSIVE');
    try {
      new Database(file).prepare('UPDATE projection_checkpoints SET version = -1, position = 0').run();
      for (let i = 0; i < 3; i++) {
        expect(server.models.rebuilding()).toBeDefined();
        await append(server.store);
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(checkpoints(server.store.database).map((c) => c.version)).toEqual(ALL_PROJECTIONS.map(() => -1));
    } finally {
      lock.close();
    }
    // Let go (the process ended): the next read takes the rebuild over.
    await nextReadTakesOver(server);
  });

  it('when the process rebuilding them died part-way (checkpoints left unfinished, its lock free), then the server takes the rebuild over at its next read, equal to a clean rebuild', async () => {
    const server = await process({ rebuildThreads: 2, parallelRebuildMinEvents: 1 });
    new Database(file).prepare('UPDATE projection_checkpoints SET version = -1, position = 0').run();
    await nextReadTakesOver(server);
    expect(dumpReadModels(server.store.database)).toEqual(clean);
  });

  /** What a rebuild in one thread does first, from another connection: empty tables at position 0. */
  const resetFromOutside = () => {
    const other = new Database(file);
    other.transaction(() => {
      for (const p of ALL_PROJECTIONS) {
        p.clear(other);
        p.setup(other);
      }
      other.prepare('UPDATE projection_checkpoints SET position = 0').run();
    })();
    other.close();
  };

  it('when a rebuild in one thread is alive (it holds the rebuild lock) with the checkpoints back at 0, then the server leaves them to it however often it is asked; once it died (the lock free), the next read catches them up, equal to a clean rebuild, with no command sent', async () => {
    const server = await process({ rebuildThreads: 1 });
    const lock = new Database(`${file}-rebuild.lock`);
    lock.exec('BEGIN EXCLUSIVE');
    try {
      resetFromOutside();
      for (let i = 0; i < 3; i++) {
        expect(server.models.rebuilding()).toBeDefined();
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(checkpoints(server.store.database).map((c) => c.position)).toEqual(ALL_PROJECTIONS.map(() => 0));
    } finally {
      lock.close();
    }
    // Killed part-way (its lock let go with it): a read, not a command, takes the read models over.
    await nextReadTakesOver(server);
    expect(dumpReadModels(server.store.database)).toEqual(clean);
  });

  it('when npm run rebuild runs in one thread beside a server, then it holds the rebuild lock while it runs, so a second rebuild is refused (RebuildUnderWayError) and the server does not take over', async () => {
    const server = await process({ rebuildThreads: 1 });
    const rebuild = await process({ rebuildThreads: 1 });
    const second = await process({ rebuildThreads: 1 });
    const running = rebuild.models.rebuild();
    await expect(second.models.rebuild()).rejects.toMatchObject({ name: 'RebuildUnderWayError' });
    expect(server.models.rebuilding()).toBeDefined();
    await running;
    expect(dumpReadModels(server.store.database)).toEqual(clean);
  });

  it('when the other process rebuilds batch by batch (the checkpoints back at 0), then a server append does not fold the log inside itself: the read models catch up after it, equal to a clean rebuild', async () => {
    const server = await process({ rebuildThreads: 1 });
    resetFromOutside();

    const { position } = await append(server.store);
    expect(Math.max(...checkpoints(server.store.database).map((c) => c.position))).toBeLessThan(position);
    expect(server.models.rebuilding()).toBeDefined();
    expect(await server.models.waitFor(position, 60_000)).toBe(true);
    // The catch-up's last pass finds nothing more and attaches them again (a turn of the event loop later).
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.models.rebuilding()).toBeUndefined();
    expect(dumpReadModels(server.store.database)).toEqual(clean);
    // Attached again: the next append is folded inside itself.
    const next = await append(server.store);
    expect(checkpoints(server.store.database).map((c) => c.position)).toEqual(ALL_PROJECTIONS.map(() => next.position));
  });
});
