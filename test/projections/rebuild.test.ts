/**
 * Read models are derived data: given a store filled by a few hundred random valid commands over
 * all five processes (the demo's planner, through the engine, read models inline), when every read
 * model is dropped and rebuilt from position 0 — in place, or into a fresh database behind a
 * subscription — then every row equals the incremental result.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Directory } from '../../directory/directory.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { ALL_PROJECTIONS, InlineProjector, openReadModels, type ParallelRebuild, type Progress, type ReadModels, type RebuildPhase } from '../../projections/index.js';
import { runDemo } from '../../scripts/demo/run.js';
import { dumpReadModels } from './dump.js';
import { systemClock } from '../../infra/clock.js';

const NOW = new Date('2026-11-27T06:00:00.000Z');

describe('rebuild equals incremental', () => {
  const dirs: string[] = [];
  const temp = () => {
    const d = mkdtempSync(join(tmpdir(), 'rm-rebuild-'));
    dirs.push(d);
    return d;
  };
  let dataDir: string;
  let store: SqliteEventStore;
  let readModels: ReadModels;
  let commands = 0;

  beforeAll(async () => {
    dataDir = temp();
    const result = await runDemo({ dataDir, cases: 90, seed: 424242, now: NOW, env: { ...process.env, WORKFLOW_SQLITE_SYNCHRONOUS: 'OFF' } });
    commands = result.events;
    store = new SqliteEventStore({ path: join(dataDir, 'events.db'), now: systemClock.now });
    readModels = await openReadModels({ store, dataDir, directory: Directory.load() });
  });
  afterAll(async () => {
    await readModels.close();
    await store.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('drives a few hundred commands over all five processes', async () => {
    expect(commands).toBeGreaterThanOrEqual(300);
    const processes = new Set<string>();
    for await (const e of store.readAll()) processes.add(String((e.metadata as { process?: string }).process));
    expect([...processes].filter((p) => p !== 'undefined').sort()).toEqual(['conditionalApplication', 'datasetRelease', 'listAdjustment', 'objection', 'unopenedDataRequest']);
  });

  it('given the incremental read models, when all are rebuilt in place from 0, then every table is equal row for row', async () => {
    const incremental = dumpReadModels(readModels.db);
    expect(Object.keys(incremental).length).toBeGreaterThanOrEqual(4);
    expect(Object.values(incremental).reduce((n, rows) => n + rows.length, 0)).toBeGreaterThan(commands);
    await readModels.rebuild();
    expect(dumpReadModels(readModels.db)).toEqual(incremental);
  });

  it('given the incremental read models, when a fresh database follows the store from 0, then it holds the same rows', async () => {
    const incremental = dumpReadModels(readModels.db);
    const fresh = await openReadModels({ store, dataDir: temp(), directory: Directory.load(), mode: 'follow' });
    try {
      expect(await fresh.waitFor(await store.headPosition(), 60_000)).toBe(true);
      expect(dumpReadModels(fresh.db)).toEqual(incremental);
    } finally {
      await fresh.close();
    }
  });

  it('given the incremental read models, when rebuilt in worker threads that each fold a share of the cases, then every table is equal row for row', async () => {
    const incremental = dumpReadModels(readModels.db);
    const errors: unknown[] = [];
    // A second facade on the same store, allowed to split even this small log across three workers.
    const parallel = await openReadModels({ store, dataDir, directory: Directory.load(), rebuildThreads: 3, parallelRebuildMinEvents: 1, onError: (e) => errors.push(e) });
    try {
      const progress: [done: number, total: number, phase: RebuildPhase][] = [];
      const summary = await parallel.rebuild(undefined, (done, total, phase = 'fold') => progress.push([done, total, phase]));
      expect(errors).toEqual([]);
      expect(summary.threads).toBe(3);
      const head = await store.headPosition();
      expect(progress.filter((p) => p[2] === 'fold').at(-1)).toEqual([head, head, 'fold']);
      // Then the parts after the fold, each from 0 to its end: every table of the three files copied, every query index made.
      const part = (phase: RebuildPhase) => progress.filter((p) => p[2] === phase).map(([done, total]) => [done, total]);
      const copies = part('copy').at(-1)?.[1] ?? 0;
      expect(copies % 3 === 0 && copies > 0).toBe(true);
      expect(part('copy')).toEqual(Array.from({ length: copies + 1 }, (_, i) => [i, copies]));
      const indexes = ALL_PROJECTIONS.flatMap((p) => p.queryIndexes ?? []).length;
      expect(part('index')).toEqual(Array.from({ length: indexes + 1 }, (_, i) => [i, indexes]));
      // In that order, and nothing after the indexes (the catch-up after the workers says nothing).
      expect(progress.map((p) => p[2]).filter((phase, i, all) => phase !== all[i - 1])).toEqual(['fold', 'copy', 'index']);
      expect(dumpReadModels(parallel.db)).toEqual(incremental);
      // Each worker filled a scratch file of its own; the rows were copied in and the files removed.
      expect(readdirSync(dataDir).filter((f) => f.includes('-rebuild-'))).toEqual([]);
    } finally {
      await parallel.close();
    }
  });

  it('given a follower of the store, when it rebuilds every read model, then it makes the query indexes once the fold is done, none while it folds (kept up at every event they cost half its time), and every table is equal row for row', async () => {
    const incremental = dumpReadModels(readModels.db);
    const follower = await openReadModels({ store, dataDir: temp(), directory: Directory.load(), mode: 'follow' });
    try {
      expect(await follower.waitFor(await store.headPosition(), 60_000)).toBe(true);
      // Every schema object a statement made (the read models' own indexes, and their query indexes: indexes, summaries, triggers).
      const made = () => follower.db.prepare<[], number>("SELECT count(*) FROM sqlite_schema WHERE sql IS NOT NULL AND type IN ('index', 'trigger')").pluck().get()!;
      const before = made();
      const whileFolding: number[] = [];
      const phases: RebuildPhase[] = [];
      await follower.rebuild(undefined, (_done, _total, phase = 'fold') => {
        if (phase === 'fold') whileFolding.push(made());
        phases.push(phase);
      });
      expect(Math.max(...whileFolding)).toBeLessThan(before);
      expect(made()).toBe(before);
      expect(phases.filter((phase, i, all) => phase !== all[i - 1])).toEqual(['fold', 'index']);
      expect(dumpReadModels(follower.db)).toEqual(incremental);
    } finally {
      await follower.close();
    }
  });

  it('given a read model with no query index of its own (the inbox), when it alone is rebuilt, then the progress ends with its fold: no empty index phase is shown', async () => {
    const progress: RebuildPhase[] = [];
    await readModels.rebuild('inbox', (_done, _total, phase = 'fold') => progress.push(phase));
    expect(ALL_PROJECTIONS.find((p) => p.name === 'inbox')?.queryIndexes ?? []).toEqual([]);
    expect(progress).toContain('fold');
    expect(progress).not.toContain('index');
  });

  /** Rebuilds every read model through an inline projector of its own on the same store: the threads it used and the errors it reported. */
  async function rebuildThrough(parallel: ParallelRebuild, onProgress?: Progress): Promise<{ threads: number; errors: unknown[] }> {
    const errors: unknown[] = [];
    const projector = new InlineProjector(store, ALL_PROJECTIONS, { parallel, onError: (e) => errors.push(e) });
    await projector.start();
    try {
      const { threads } = await projector.rebuild(undefined, onProgress);
      return { threads, errors };
    } finally {
      await projector.close();
    }
  }

  it('given the incremental read models, when rebuilt in workers that settle every few dozen events (finished rows written, open ones kept), then every table is equal row for row', async () => {
    const incremental = dumpReadModels(readModels.db);
    const entry = new URL('../../projections/rebuildWorker.ts', import.meta.url);
    expect(await rebuildThrough({ entry, threads: 2, minEvents: 1, batchSize: 37 })).toEqual({ threads: 2, errors: [] });
    expect(dumpReadModels(store.database)).toEqual(incremental);
  });

  it('given the scratch files of a rebuild in 4 threads killed mid-way (events.db-rebuild-0 to -3), when the read models are rebuilt in 2 threads, then none of them is left in the data folder', async () => {
    const incremental = dumpReadModels(readModels.db);
    // What a killed rebuild leaves: each worker's file, part-filled (a share of the read models: hundreds of MB on a long log).
    for (let part = 0; part < 4; part++) writeFileSync(join(dataDir, `events.db-rebuild-${part}`), Buffer.alloc(64 * 1024));
    const entry = new URL('../../projections/rebuildWorker.ts', import.meta.url);
    try {
      expect(await rebuildThrough({ entry, threads: 2, minEvents: 1 })).toEqual({ threads: 2, errors: [] });
      expect(dumpReadModels(store.database)).toEqual(incremental);
      expect(readdirSync(dataDir).filter((f) => f.includes('-rebuild-'))).toEqual([]);
    } finally {
      for (let part = 0; part < 4; part++) rmSync(join(dataDir, `events.db-rebuild-${part}`), { force: true });
    }
  });

  it('given a rebuild worker that fails, when the read models are rebuilt in workers, then the failure is reported and this thread rebuilds them, row for row', async () => {
    const incremental = dumpReadModels(readModels.db);
    const failing = new URL('data:text/javascript,throw new Error("rebuild worker down")');
    const progress: [done: number, total: number, phase: RebuildPhase][] = [];
    const { threads, errors } = await rebuildThrough({ entry: failing, threads: 2, minEvents: 1 }, (done, total, phase = 'fold') => progress.push([done, total, phase]));
    expect(threads).toBe(1);
    // The progress starts over for the fold in this thread, which ends with the query indexes.
    const head = await store.headPosition();
    expect(progress[0]).toEqual([0, head, 'fold']);
    expect(progress.filter((p) => p[2] === 'fold').at(-1)).toEqual([head, head, 'fold']);
    const indexes = ALL_PROJECTIONS.flatMap((p) => p.queryIndexes ?? []).length;
    expect(progress.filter((p) => p[2] === 'index')).toEqual(Array.from({ length: indexes + 1 }, (_, i) => [i, indexes, 'index']));
    expect(progress.at(-1)).toEqual([indexes, indexes, 'index']);
    expect(errors.map(String)).toEqual([expect.stringContaining('rebuild worker down')]);
    expect(dumpReadModels(store.database)).toEqual(incremental);
    expect(readdirSync(dataDir).filter((f) => f.includes('-rebuild-'))).toEqual([]);
  });

  it('given one read model rebuilt by name, then it and the others are unchanged', async () => {
    const before = dumpReadModels(readModels.db);
    await readModels.rebuild('inbox');
    expect(dumpReadModels(readModels.db)).toEqual(before);
  });
});
