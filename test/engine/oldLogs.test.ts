/**
 * Logs written by earlier releases (ARCHITECTURE.md "Versioned machines": a case folds through the
 * version it was started on, for ever). Each fixture under fixtures/ is a case's events exactly as
 * a past commit's engine stored them (its demo, `npm run demo -- --cases 200`), copied from its
 * events.db: stream, revision, id, type, data, metadata (hash chain included) and time of storing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conditionalApplicationV1, conditionalApplicationV2 } from '../../machines/conditionalApplication.js';
import { ProcessRegistry } from '../../machines/registry.js';
import { conditionalApplicationSentOn } from '../machines/examples.js';
import { pathTo } from '../machines/harness.js';
import { insertStoredRows, readStoredRows } from '../eventstore/storedRows.js';
import { createWorld, given, refused, when, type World } from './world.js';

describe('a conditionalApplication v2 case stored by commit ab47331 (v2 as released, before fe3d656 and be95ad9 added its guards)', () => {
  let w: World;
  const rows = readStoredRows(new URL('fixtures/ab47331-conditionalApplication-v2.ndjson', import.meta.url));
  const caseId = rows[0]!.metadata.caseId;
  beforeAll(async () => {
    w = await createWorld({ at: '2026-12-02T03:00:00Z' });
    insertStoredRows(w.store, rows);
  });
  afterAll(() => w.close());

  it('given access granted on 2026-10-23 for a use agreed from 2026-11-09 (v2 took it then), when the case is verified and read, then it verifies and is active as stored', async () => {
    expect(await w.engine.verify(caseId)).toEqual({ ok: true, events: rows.length });
    const state = await w.engine.getCase(caseId);
    expect(state.version).toBe(2);
    expect(state.state).toBe('active');
    expect(state.revision).toBe(rows.length - 1);
  });

  it('given that case active again, when its applicant reports usage, then the command is taken and the case still verifies', async () => {
    const state = await w.engine.getCase(caseId);
    const applicant = (rows[0]!.metadata as unknown as { actor: { sub: string; name: string; role: 'applicant'; org: string } }).actor;
    const result = await w.engine.execute({
      caseId,
      type: 'REPORT_USAGE',
      data: { period: { from: '2026-11-09', to: '2026-11-30' }, summary: '2026年11月调用接口约 1.2 万次。' },
      actor: applicant,
      expectedRevision: state.revision,
    });
    expect(result.state).toBe('active');
    expect(await w.engine.verify(caseId)).toEqual({ ok: true, events: rows.length + 1 });
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
});
