/**
 * A case that follows a version of its process this build does not have is verified by its hash
 * chain alone (engine/verify.ts, `upgradeRequired`). Given two of its rows exchanged in the log (each
 * keeps its content and hash, so the chain read in revision order still holds), when it is verified
 * without its machine, then the exchange is named all the same, as it is with the machine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
