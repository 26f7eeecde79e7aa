/**
 * Read models over the real Engine: a few hundred seeded random VALID commands over all five
 * processes, as the parties allowed to send them, with the clock moving, timers firing and a
 * holiday notice loaded mid-run (so provisional deadlines are re-stated). A rebuild equals the
 * incremental result, and the read models agree with what the engine folds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_PROJECTIONS, auditProjection, casesProjection, inboxProjection, openReadModels, slaProjection } from '../../projections/index.js';
import { dumpReadModels } from './dump.js';
import { directory, drive, world, type DriveResult, type World } from './harness.js';

describe('read models over a few hundred random valid commands', () => {
  let w: World;
  let driven: DriveResult;
  let incremental: Record<string, string[]>;

  beforeAll(async () => {
    // Without the 2026 notice, deadlines into 2026 are provisional until it is loaded mid-run. The run
    // starts in June 2025, so that agreements are signed before the examples' use ends (2025-12-31)
    // and expire when it does (附录5 协议二(二): an agreement already over cannot be signed).
    w = await world({ start: '2025-06-02T01:30:00.000Z', without2026: true });
    driven = await drive(w, { commands: 400, seed: 20_260_215, loadNoticeAt: '2026-01-05T00:00:00.000Z' });
    incremental = dumpReadModels(w.models.db);
  });

  afterAll(async () => {
    await w.close();
  });

  it('given the driver, then the log holds cases of every process, re-stated deadlines, fired timers and a calendar notice', async () => {
    expect(driven.accepted).toBeGreaterThan(200);
    expect(driven.restated).toBeGreaterThan(0);
    expect(driven.fired).toBeGreaterThan(0);
    const types = new Set<string>();
    const processes = new Set<string>();
    let notices = 0;
    for await (const e of w.store.readAll()) {
      types.add(e.type);
      const m = e.metadata as { process?: string; caseId?: string };
      if (m.caseId) processes.add(m.process!);
      else notices++;
    }
    expect([...processes].sort()).toEqual(['conditionalApplication', 'datasetRelease', 'listAdjustment', 'objection', 'unopenedDataRequest']);
    expect(types).toContain('DeadlinesRestated');
    expect(notices).toBe(1);
    expect(w.models.position).toBe(await w.store.headPosition());
  });

  it('when every read model is rebuilt from position 0 into a fresh database, then every table equals the incremental one row for row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'projections-fresh-'));
    const fresh = await openReadModels({ store: w.store, dataDir: dir, directory, mode: 'follow', batchSize: 37 });
    try {
      expect(await fresh.waitFor(await w.store.headPosition(), 20_000)).toBe(true);
      expect(dumpReadModels(fresh.db)).toEqual(incremental);
    } finally {
      await fresh.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when every read model is dropped and rebuilt inline, in batches of any size, then every table is as it was', async () => {
    const progress: [number, number, string | undefined][] = [];
    await w.models.rebuild(undefined, (done, total, phase) => progress.push([done, total, phase]));
    expect(dumpReadModels(w.models.db)).toEqual(incremental);
    // The fold to the head, then (in this thread too) the query indexes, each counted.
    const head = await w.store.headPosition();
    const fold = progress.filter((p) => p[2] === undefined);
    expect(fold.at(-1)).toEqual([head, head, undefined]);
    const indexes = progress.filter((p) => p[2] === 'index');
    expect(indexes.at(-1)?.[0]).toBe(indexes.at(-1)?.[1]);
    expect(progress.at(-1)).toEqual(indexes.at(-1));
  });

  it('when one read model is rebuilt alone, then the others are untouched and it is as it was', async () => {
    await w.models.rebuild('sla');
    expect(dumpReadModels(w.models.db)).toEqual(incremental);
    await expect(w.models.rebuild('nonsense')).rejects.toThrow(/unknown read model/);
  });

  it('then the inbox holds exactly the open tasks of every case, as the engine folds them', async () => {
    const rows = w.models.db
      .prepare<[], { case_id: string; stage: string; state: string; due_at: string | null; org: string; orgs: string; provisional: number }>(
        'SELECT case_id, stage, state, due_at, org, orgs, provisional FROM inbox_tasks ORDER BY case_id, stage',
      )
      .all();
    const ids = w.models.db.prepare<[], string>('SELECT case_id FROM cases ORDER BY case_key').pluck().all();
    const expected: typeof rows = [];
    for (const id of ids) {
      const c = await w.engine.getCase(id);
      for (const t of c.tasks) {
        expected.push({ case_id: id, stage: t.stage, state: c.state, due_at: t.dueAt ?? null, org: t.org, orgs: JSON.stringify(t.orgs), provisional: t.provisional ? 1 : 0 });
      }
    }
    expected.sort((a, b) => (a.case_id + a.stage < b.case_id + b.stage ? -1 : 1));
    expect(rows.length).toBeGreaterThan(10);
    expect(rows).toEqual(expected);
  });

  it('then, the directory unchanged, no open task is open to other organisations than the rules name now: a start hands nothing on', async () => {
    // A task whose parties changed while it was open, or a stage whose organisations are decided another
    // way when it opens than afterwards, would be handed on at every start.
    expect(w.models.casesWithTasksToHandOn()).toEqual([]);
    const open = w.models.db.prepare<[], string>('SELECT DISTINCT case_id FROM inbox_tasks').pluck().all();
    expect(open.length).toBeGreaterThan(10);
    for (const id of open) expect(await w.engine.reassignTasks(id), id).toBeUndefined();
  });

  it('then the case list holds every case in its state, revision and parties, and the SLA rows every deadline ever opened', async () => {
    const cases = w.models.cases({ caller: { role: 'admin', org: 'admin' }, limit: 100, asOf: w.clock.now() });
    let all = cases.items;
    for (let page = cases; page.nextCursor; ) {
      page = w.models.cases({ caller: { role: 'admin', org: 'admin' }, limit: 100, asOf: w.clock.now(), cursor: page.nextCursor });
      all = all.concat(page.items);
    }
    expect(all.length).toBe(driven.started);
    for (const item of all) {
      const c = await w.engine.getCase(item.caseId);
      expect({ state: item.state, final: item.final, revision: item.revision, createdAt: item.createdAt, updatedAt: item.updatedAt }).toEqual({
        state: c.state,
        final: c.final,
        revision: c.revision,
        createdAt: c.createdAt,
        updatedAt: c.updatedAt,
      });
    }
    let opened = 0;
    for await (const e of w.store.readAll()) {
      for (const t of (e.metadata as { tasksOpened?: { dueAt?: string }[] }).tasksOpened ?? []) if (t.dueAt) opened++;
    }
    const sla = w.models.db.prepare<[], number>('SELECT count(*) FROM sla_tasks').pluck().get();
    expect(sla).toBe(opened);
    const stillOpen = w.models.db.prepare<[], number>('SELECT count(*) FROM sla_tasks WHERE completed_at IS NULL').pluck().get();
    const openWithDeadline = w.models.db.prepare<[], number>('SELECT count(*) FROM inbox_tasks WHERE due_at IS NOT NULL').pluck().get();
    expect(stillOpen).toBe(openWithDeadline);
  });

  it('when a read model’s version is bumped, then opening the read models rebuilds it, and only it', async () => {
    await w.models.close();
    const bumped = ALL_PROJECTIONS.map((p) => (p === inboxProjection ? { ...p, version: p.version + 1 } : p));
    const again = await openReadModels({ store: w.store, dataDir: w.dir, directory, projections: bumped });
    try {
      const versions = again.db.prepare<[], { name: string; version: number; position: number }>('SELECT * FROM projection_checkpoints ORDER BY name').all();
      const head = await w.store.headPosition();
      expect(versions).toEqual([
        { name: 'audit', version: auditProjection.version, position: head },
        { name: 'cases', version: casesProjection.version, position: head },
        { name: 'inbox', version: inboxProjection.version + 1, position: head },
        { name: 'sla', version: slaProjection.version, position: head },
      ]);
      expect(dumpReadModels(again.db)).toEqual(incremental);
    } finally {
      await again.close();
    }
  });
});
