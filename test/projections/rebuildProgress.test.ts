/**
 * A rebuild in worker threads tells how far it has come while it folds, not only at its workers'
 * settles (every 100,000 events): at settles alone, `npm run rebuild` of 400,000 events on two cores
 * showed nothing for its first 18 s and then a bar standing still for 12–17 s at a time, its clock
 * saying 0 s; a server beside it answered 503 with "0 done" meanwhile.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCalendar } from '../../calendars/index.js';
import { Directory } from '../../directory/directory.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { ALL_PROJECTIONS, InlineProjector, type ParallelRebuild, type RebuildPhase } from '../../projections/index.js';
import { synthesise } from '../../scripts/bench/projections.js';
import { dumpReadModels } from './dump.js';
import { systemClock } from '../../infra/clock.js';

describe('progress of a rebuild in worker threads', () => {
  let dir: string;
  let store: SqliteEventStore;
  let events: number;
  const entry = new URL('../../projections/rebuildWorker.ts', import.meta.url);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rm-rebuild-progress-'));
    store = new SqliteEventStore({ path: join(dir, 'events.db'), synchronous: 'OFF', now: systemClock.now });
    // Several pages (1,000 events) per worker, and far fewer events than a worker folds between settles.
    events = synthesise(store, Directory.load(), defaultCalendar(), { events: 6_000 }).events;
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function rebuild(parallel: ParallelRebuild): Promise<{ fold: [number, number][]; rows: Record<string, string[]>; threads: number; errors: unknown[] }> {
    const errors: unknown[] = [];
    const projector = new InlineProjector(store, ALL_PROJECTIONS, { parallel, onError: (e) => errors.push(e) });
    await projector.start();
    try {
      const fold: [number, number][] = [];
      const { threads } = await projector.rebuild(undefined, (done, total, phase: RebuildPhase = 'fold') => {
        if (phase === 'fold') fold.push([done, total]);
      });
      return { fold, rows: dumpReadModels(store.database), threads, errors };
    } finally {
      await projector.close();
    }
  }

  it('given workers that settle only at their end, when the read models are rebuilt, then the fold is told from 0, several times on the way and at its end, and the rows are those of settling often', async () => {
    const often = await rebuild({ entry, threads: 2, minEvents: 1, batchSize: 500 });
    expect(often.errors).toEqual([]);

    const { fold, rows, threads, errors } = await rebuild({ entry, threads: 2, minEvents: 1, reportEveryMs: 0 });
    expect(errors).toEqual([]);
    expect(threads).toBe(2);
    expect(fold[0]).toEqual([0, events]);
    expect(fold.at(-1)).toEqual([events, events]);
    const between = new Set(fold.map(([done]) => done).filter((done) => done > 0 && done < events));
    // Before: one word per worker at its end (at most one value between 0 and the total).
    expect(between.size).toBeGreaterThanOrEqual(4);
    const dones = fold.map(([done]) => done);
    expect(dones).toEqual([...dones].sort((a, b) => a - b));
    expect(rows).toEqual(often.rows);
  });
});
