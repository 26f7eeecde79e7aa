/**
 * What a task is (process, stage, label, role, basis, article) is kept once per kind in
 * `sla_kinds`. One stage can have several kinds — a later version of a process names it otherwise,
 * or counts its deadline on another basis — and each task must keep its own. Given a log where
 * some tasks of one stage were opened with another label, and others on another basis (a test-only
 * write to their events), when the read models fold it, in this thread or in rebuild workers, then
 * that stage has three kinds, and every overdue item shows the label and basis its own event gave.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCalendar } from '../../calendars/index.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { systemClock } from '../../infra/clock.js';
import { openReadModels, type ReadModels } from '../../projections/index.js';
import { synthesise } from '../../scripts/bench/projections.js';
import { directory } from './harness.js';

const RELABELLED = '经复核的办理环节';

describe('one stage opened as several kinds of task', () => {
  let dir: string;
  let store: SqliteEventStore;
  let asOf: string;
  /** The label and basis of each task whose event was rewritten, by case, stage and entry (a case may enter a stage twice). */
  let rewritten: Map<string, [label: string, basis: string | undefined]>;
  let stage: { process: string; stage: string };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'projections-kinds-'));
    store = new SqliteEventStore({ path: join(dir, 'events.db'), synchronous: 'OFF', now: systemClock.now });
    const { endAt } = synthesise(store, directory, defaultCalendar(), { events: 3000, seed: 11, casesPerDay: 30, lateShare: 0.5, stallShare: 0.1 });
    asOf = new Date(Date.parse(endAt) + 100 * 86_400_000).toISOString();
    const db = store.database;
    // The stage opened most often; of the events that open it, one in four relabelled, another in four on the other basis.
    const opened = db
      .prepare<[], { process: string; stage: string; n: number }>(
        `SELECT json_extract(metadata, '$.process') AS process, json_extract(t.value, '$.stage') AS stage, count(*) AS n
         FROM events, json_each(events.metadata, '$.tasksOpened') AS t GROUP BY 1, 2 ORDER BY n DESC LIMIT 1`,
      )
      .get()!;
    stage = { process: opened.process, stage: opened.stage };
    const events = db
      .prepare<[string, string], { position: number; caseId: string; tasks: string }>(
        `SELECT position, json_extract(metadata, '$.caseId') AS caseId, json_extract(metadata, '$.tasksOpened') AS tasks FROM events
         WHERE json_extract(metadata, '$.process') = ? AND EXISTS (SELECT 1 FROM json_each(metadata, '$.tasksOpened') AS t WHERE json_extract(t.value, '$.stage') = ?)
         ORDER BY position`,
      )
      .all(stage.process, stage.stage)
      .filter((_, i) => i % 2 === 1);
    rewritten = new Map();
    const rewrite = db.prepare<[string, number]>(`UPDATE events SET metadata = json_set(metadata, '$.tasksOpened', json(?)) WHERE position = ?`);
    for (const [n, e] of events.entries()) {
      const tasks = (JSON.parse(e.tasks) as { stage: string; enteredAt: string; label: string; basis?: string }[]).map((t) => {
        if (t.stage !== stage.stage) return t;
        const changed = n % 2 === 0 ? { ...t, label: RELABELLED } : { ...t, basis: t.basis === 'statute' ? 'policy' : 'statute' };
        rewritten.set(`${e.caseId}/${t.stage}/${t.enteredAt}`, [changed.label, changed.basis]);
        return changed;
      });
      rewrite.run(JSON.stringify(tasks), e.position);
    }
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const check = (models: ReadModels) => {
    const kinds = models.db.prepare('SELECT label, basis FROM sla_kinds WHERE process = ? AND stage = ?').all(stage.process, stage.stage) as { label: string; basis: string }[];
    expect(kinds).toHaveLength(3);
    const items = models.overdueReport({ asOf }).items.filter((i) => i.process === stage.process && i.stage === stage.stage);
    const original = items.find((i) => !rewritten.has(`${i.caseId}/${i.stage}/${i.enteredAt}`))!;
    expect(original.label).not.toBe(RELABELLED);
    const shown = new Set<string>();
    for (const i of items) {
      const [label, basis] = rewritten.get(`${i.caseId}/${i.stage}/${i.enteredAt}`) ?? [original.label, original.basis];
      expect([i.label, i.basis]).toEqual([label, basis]);
      shown.add(`${label}/${basis}`);
    }
    // Overdue items of all three kinds were checked.
    expect(shown.size).toBe(3);
  };

  it('when folded in this thread, then each task keeps the kind its event gave', async () => {
    const models = await openReadModels({ store, dataDir: dir, directory, rebuildThreads: 1 });
    try {
      check(models);
    } finally {
      await models.close();
    }
  });

  it('when rebuilt in worker threads, then the same', async () => {
    const models = await openReadModels({ store, dataDir: dir, directory, rebuildThreads: 2, parallelRebuildMinEvents: 1 });
    try {
      expect((await models.rebuild()).threads).toBe(2);
      check(models);
    } finally {
      await models.close();
    }
  });
});
