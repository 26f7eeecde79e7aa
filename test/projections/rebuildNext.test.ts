/**
 * `npm run rebuild` opens the read models it is about to rebuild without catching them up first
 * (`rebuildNext`): at 150,000 events behind, that catch-up was 27 of the script's 30 s, shown by no
 * progress, and its rows were dropped at once. Given read models behind the log, when opened with
 * some named, then those stay where they were (appends leave them too) while the others are caught
 * up; rebuilt, they hold what a rebuild of everything holds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCalendar } from '../../calendars/index.js';
import { Directory } from '../../directory/directory.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { systemClock } from '../../infra/clock.js';
import { openReadModels } from '../../projections/index.js';
import { synthesise } from '../../scripts/bench/projections.js';
import { runDemo } from '../../scripts/demo/run.js';
import { dumpReadModels } from './dump.js';

const NOW = new Date('2026-11-27T06:00:00.000Z');
const BEHIND = 3000;

function checkpoints(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare<[], { name: string; position: number }>('SELECT name, position FROM projection_checkpoints').all();
    return Object.fromEntries(rows.map((r) => [r.name, r.position]));
  } finally {
    db.close();
  }
}

describe('read models opened to be rebuilt next', () => {
  let dataDir: string;
  let file: string;
  let before: Record<string, number>;
  let head: number;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'rm-rebuild-next-'));
    await runDemo({ dataDir, cases: 20, seed: 7, now: NOW, env: { ...process.env, WORKFLOW_SQLITE_SYNCHRONOUS: 'OFF' } });
    file = join(dataDir, 'events.db');
    // Events written straight into the log, past the read models (as a restored log, or a store filled by a script).
    const store = new SqliteEventStore({ path: file, synchronous: 'OFF', now: systemClock.now });
    synthesise(store, Directory.load(), defaultCalendar(), { events: BEHIND, casesPerDay: 6000 });
    head = await store.headPosition();
    await store.close();
    before = checkpoints(file);
  }, 120_000);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it(`given read models ${BEHIND} events behind the log, when opened with inbox and sla to be rebuilt next, then those are not caught up, nor folded by an append, and the others are; rebuilt, every table equals a rebuild of all`, async () => {
    expect(Object.values(before).every((p) => p < head - BEHIND + 1)).toBe(true);
    const store = new SqliteEventStore({ path: file, now: systemClock.now });
    const readModels = await openReadModels({ store, dataDir, directory: Directory.load(), rebuildNext: ['inbox', 'sla'], rebuildThreads: 1 });
    try {
      expect(checkpoints(file)).toEqual({ ...before, cases: head, audit: head });
      const appended = await store.appendToStream('other-1', [{ id: crypto.randomUUID(), type: 'Noted', data: {}, metadata: {} }], { expectedRevision: 'no_stream' });
      expect(checkpoints(file)).toEqual({ ...before, cases: appended.position, audit: appended.position });

      await readModels.rebuild(['inbox', 'sla']);
      expect(checkpoints(file)).toEqual({ inbox: appended.position, sla: appended.position, cases: appended.position, audit: appended.position });
      const rebuilt = dumpReadModels(readModels.db);
      await readModels.rebuild();
      expect(dumpReadModels(readModels.db)).toEqual(rebuilt);
    } finally {
      await readModels.close();
      await store.close();
    }
  });
});
