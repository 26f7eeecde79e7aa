/**
 * A case that follows a version of its process this build does not have is verified by its hash
 * chain alone (engine/verify.ts, `upgradeRequired`). Given two of its rows exchanged in the log (each
 * keeps its content and hash, so the chain read in revision order still holds), when it is verified
 * without its machine, then the exchange is named all the same, as it is with the machine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventHash } from '../../engine/hashChain.js';
import { verifyHistory } from '../../engine/verify.js';
import type { RecordedEvent } from '../../eventstore/types.js';
import { createWorld, given, type World } from './world.js';

let w: World;
let events: RecordedEvent[];
beforeAll(async () => {
  w = await createWorld();
  const c = await given(w, 'listAdjustment', ['RETURN', 'RESUBMIT', 'APPROVE']);
  events = await w.store.readStream(c.stream);
});
afterAll(() => w.close());

describe('verifying a case by its hash chain alone', () => {
  it('given the history as stored, then it verifies', async () => {
    expect(await verifyHistory(undefined, events)).toEqual({ ok: true, events: 4 });
  });

  it('given revisions 1 and 2 exchanged in the log (their positions swapped), then verify names revision 2, whose position is not after revision 1’s', async () => {
    const [e0, e1, e2, e3] = events as [RecordedEvent, RecordedEvent, RecordedEvent, RecordedEvent];
    const exchanged = [e0, { ...e1, position: e2.position }, { ...e2, position: e1.position }, e3];
    expect(await verifyHistory(undefined, exchanged)).toMatchObject({ ok: false, failedAt: { revision: 2 }, reason: expect.stringContaining('记录次序被改动') });
  });

  // Mutation QA: without its machine nothing but this link stands between a rewritten event and "the chain holds".
  it('given revision 1 rewritten with its own hash recomputed, then verify names revision 2, whose prevHash is no longer revision 1’s hash', async () => {
    const [e0, e1, e2, e3] = events as [RecordedEvent, RecordedEvent, RecordedEvent, RecordedEvent];
    const data = { ...(e1.data as Record<string, unknown>), opinion: '同意。' };
    const metadata = { ...e1.metadata, hash: eventHash({ streamId: e1.streamId, revision: e1.revision, id: e1.id, type: e1.type, data, metadata: e1.metadata }) };
    const rewritten = [e0, { ...e1, data, metadata }, e2, e3];
    expect(await verifyHistory(undefined, rewritten)).toMatchObject({
      ok: false,
      failedAt: { revision: 2 },
      reason: 'prevHash 与上一事件的哈希不一致',
      reasonEn: "prevHash does not match the previous event's hash",
    });
  });
});
