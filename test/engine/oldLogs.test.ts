/**
 * Logs written by earlier releases (ARCHITECTURE.md "Versioned machines": a case folds through the
 * version it was started on, for ever). Each fixture under fixtures/ is a case's events exactly as
 * a past commit's engine stored them (its demo, `npm run demo -- --cases 200`), copied from its
 * events.db: stream, revision, id, type, data, metadata (hash chain included) and time of storing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DamagedStreamError } from '../../engine/errors.js';
import { conditionalApplicationV1, conditionalApplicationV2 } from '../../machines/conditionalApplication.js';
import { ProcessRegistry } from '../../machines/registry.js';
import { conditionalApplicationSentOn, startedAt } from '../machines/examples.js';
import { pathTo } from '../machines/harness.js';
import { insertStoredRows, readStoredRows, type StoredRow } from '../eventstore/storedRows.js';
import { createWorld, given, refused, rehashed, when, type World } from './world.js';

type Actor = { sub: string; name: string; role: 'applicant' | 'provider'; org: string };

/** The actor a stored row names. */
const actorOf = (row: StoredRow) => (row.metadata as unknown as { actor: Actor }).actor;

/** A world whose store holds `rows` as an earlier release left them, its clock at `at`, for the describe it is called in. */
function storedWorld(rows: readonly StoredRow[], at: string): () => World {
  let w: World;
  beforeAll(async () => {
    w = await createWorld({ at });
    insertStoredRows(w.store, rows);
  });
  afterAll(() => w.close());
  return () => w;
}

describe('a conditionalApplication v2 case stored by commit ab47331 (v2 as released, before fe3d656 and be95ad9 added its guards)', () => {
  const rows = readStoredRows(new URL('fixtures/ab47331-conditionalApplication-v2.ndjson', import.meta.url));
  const caseId = rows[0]!.metadata.caseId;
  const world = storedWorld(rows, '2026-12-02T03:00:00Z');

  it('given access granted on 2026-10-23 for a use agreed from 2026-11-09 (v2 took it then), when the case is verified and read, then it verifies and is active as stored', async () => {
    expect(await world().engine.verify(caseId)).toEqual({ ok: true, events: rows.length });
    const state = await world().engine.getCase(caseId);
    expect(state.version).toBe(2);
    expect(state.state).toBe('active');
    expect(state.revision).toBe(rows.length - 1);
  });

  it('given that case active again, when its applicant reports usage, then the command is taken and the case still verifies', async () => {
    const state = await world().engine.getCase(caseId);
    const result = await world().engine.execute({
      caseId,
      type: 'REPORT_USAGE',
      data: { period: { from: '2026-11-09', to: '2026-11-30' }, summary: '2026年11月调用接口约 1.2 万次。' },
      actor: actorOf(rows[0]!),
      expectedRevision: state.revision,
    });
    expect(result.state).toBe('active');
    expect(await world().engine.verify(caseId)).toEqual({ ok: true, events: rows.length + 1 });
  });
});

describe('a new conditionalApplication v2 command, now that v2 folds its old grants and agreements as released', () => {
  let w: World;
  beforeAll(async () => {
    w = await createWorld({ registry: new ProcessRegistry([conditionalApplicationV1, conditionalApplicationV2]) });
  });
  afterAll(() => w.close());

  it('given a v2 case signed on 2025-02-20 for use from 2025-03-01, when the provider grants access on 2025-02-21, then RULE_VIOLATED accessWithinAgreedUse and nothing stored, as before', async () => {
    const c = await given(w, 'conditionalApplication', pathTo.conditionalApplication.accessPending!, {
      at: '2025-02-20T02:00:00.000Z',
      input: conditionalApplicationSentOn('2025-02-20'),
    });
    expect([c.version, c.state]).toEqual([2, 'accessPending']);
    w.clock.set('2025-02-21T02:00:00.000Z');
    const error = await refused(w, c, () => when(w, c.caseId, 'GRANT_ACCESS'));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'accessWithinAgreedUse' } });
  });

  // Mutation QA (pass 3): a new v2 RESUME could go back to `active` as the stored ab47331 ones did, forgetting the renewal pending, with every test passing. 附录5 协议二(二)
  it('given a v2 case with a renewal pending when it was suspended, when the provider resumes it now, then it goes back to the renewal review (be95ad9), not to active', async () => {
    const c = await given(w, 'conditionalApplication', [...pathTo.conditionalApplication.renewalReview!, 'SUSPEND'], { at: startedAt });
    expect([c.version, c.state]).toEqual([2, 'suspended']);
    const { state } = await when(w, c.caseId, 'RESUME');
    expect(state).toBe('renewalReview');
    expect((await w.engine.getCase(c.caseId)).tasks.map((t) => t.stage)).toContain('renewalReview');
  });
});

describe('a conditionalApplication v2 case stored by commit ab47331 with a renewal pending when it was suspended and resumed (v2 resumed to active then; be95ad9 later took the renewal back to its review, under the same number)', () => {
  const rows = readStoredRows(new URL('fixtures/ab47331-conditionalApplication-v2-resumed.ndjson', import.meta.url));
  const caseId = rows[0]!.metadata.caseId;
  const world = storedWorld(rows, '2026-12-08T03:00:00Z');

  it('given its RESUME stored as suspended → active, when the case is verified and read, then it verifies and is active as stored, with no renewal review open', async () => {
    expect(rows.map((r) => r.type).slice(5, 8)).toEqual(['RenewalRequested', 'Suspended', 'Resumed']);
    expect(await world().engine.verify(caseId)).toEqual({ ok: true, events: rows.length });
    const state = await world().engine.getCase(caseId);
    expect([state.version, state.state]).toEqual([2, 'active']);
    expect(state.tasks.map((t) => t.stage)).not.toContain('renewalReview');
  });

  it('given that case, when its applicant reports usage, then the command starts from active, is taken, and the case still verifies', async () => {
    const state = await world().engine.getCase(caseId);
    const result = await world().engine.execute({
      caseId,
      type: 'REPORT_USAGE',
      data: { period: { from: '2026-12-07', to: '2026-12-07' }, summary: '2026年12月7日调用接口约 300 次。' },
      actor: actorOf(rows[0]!),
      expectedRevision: state.revision,
    });
    expect(result.state).toBe('active');
    expect((result.event.metadata as { stateBefore: string }).stateBefore).toBe('active');
    expect(await world().engine.verify(caseId)).toEqual({ ok: true, events: rows.length + 1 });
  });
});

describe('a case whose stored event records a state its machine version does not lead to', () => {
  // The ab47331 case above, its last event (a usage report, active → active) altered in the database to
  // record that it left the case suspended, by an insider who recomputed its hash: the chain holds.
  const rows = readStoredRows(new URL('fixtures/ab47331-conditionalApplication-v2-resumed.ndjson', import.meta.url)).map((r, i, all) =>
    i === all.length - 1 ? rehashed({ ...r, metadata: { ...r.metadata, stateAfter: 'suspended' } }) : r,
  );
  const caseId = rows[0]!.metadata.caseId;
  const world = storedWorld(rows, '2026-12-08T03:00:00Z');

  it('when the case is read, or a command is sent to it, then DamagedStreamError naming both states, and nothing is stored: the engine never acts on a state its history contradicts', async () => {
    await expect(world().engine.getCase(caseId)).rejects.toThrow(/gives active → active; the event records active → suspended/);
    await expect(world().engine.getCase(caseId)).rejects.toBeInstanceOf(DamagedStreamError);
    await expect(world().engine.execute({ caseId, type: 'SUSPEND', data: { reason: '核查' }, actor: actorOf(rows[6]!) })).rejects.toBeInstanceOf(DamagedStreamError);
    expect(world().store.database.prepare('SELECT count(*) FROM events WHERE stream_id = ?').pluck().get(rows[0]!.streamId)).toBe(rows.length);
  });

  it('when it is verified, then verify names that event', async () => {
    expect(await world().engine.verify(caseId)).toMatchObject({ ok: false, failedAt: { revision: rows.length - 1, type: 'UsageReported' } });
  });
});
