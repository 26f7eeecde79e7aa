/**
 * A case whose start event is gone from the log (deleted from the store, tampered with) is still a case
 * of the read models after a rebuild — in this thread or in worker threads — so that the case list,
 * verify and the auditor's export, which find it through them, go on naming its missing start.
 * Compliance QA: rebuilt, such a case was never inserted into the case list (only its start inserts a
 * row), or was copied in under a key the list's join never met, and vanished.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Directory } from '../../directory/directory.js';
import { openReadModels } from '../../projections/index.js';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { dumpReadModels } from './dump.js';
import { actorOf, world, type World } from './harness.js';

let w: World | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

/** Two objections, one answered, then the answered one's start deleted (a test-only write to the store). */
async function withStartDeleted(): Promise<{ w: World; gone: string; whole: string }> {
  const v = await world({ start: '2026-03-02T02:00:00.000Z' });
  const gone = (await v.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company })).caseId;
  const whole = (await v.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company })).caseId;
  await v.engine.execute({ caseId: gone, type: 'RESPOND', data: commandData.objection.RESPOND, actor: actorOf(startInputs.objection.providerOrg, 'provider') });
  expect(v.models.case(gone)).toMatchObject({ revision: 1 });
  v.store.database.prepare("DELETE FROM events WHERE stream_id LIKE '%' || ? AND revision = 0").run(gone);
  return { w: v, gone, whole };
}

describe('a case whose start event was deleted, when the read models are rebuilt', () => {
  it('in this thread, then the case list still holds it, at its last event, under its parties', async () => {
    const made = await withStartDeleted();
    w = made.w;
    await w.models.rebuild();
    expect(w.models.case(made.gone)).toMatchObject({ caseId: made.gone, process: 'objection', revision: 1, final: true, applicantOrg: actors.company.org });
    expect(w.models.caseEnd(made.gone)).toMatchObject({ revision: 1 });
    expect(w.models.case(made.whole)).toMatchObject({ revision: 0 });
  });

  it('in worker threads, then the same rows as in this thread', async () => {
    const made = await withStartDeleted();
    w = made.w;
    await w.models.rebuild();
    const inThread = dumpReadModels(w.models.db);
    const parallel = await openReadModels({ store: w.store, dataDir: w.dir, directory: Directory.load(), rebuildThreads: 2, parallelRebuildMinEvents: 1 });
    try {
      expect((await parallel.rebuild()).threads).toBe(2);
      expect(parallel.case(made.gone)).toMatchObject({ caseId: made.gone, revision: 1, final: true });
      expect(dumpReadModels(parallel.db)).toEqual(inThread);
    } finally {
      await parallel.close();
    }
  });
});
