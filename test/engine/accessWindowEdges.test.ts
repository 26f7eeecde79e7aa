/**
 * 附录5 协议二(二) (公共数据利用主体) 可在……至……使用: access is granted within the agreed use, both ends
 * included, counted in Beijing days. The existing tests refuse a grant before the use begins; these pin
 * that the first and the last day of the agreed use are in it (accessWithinAgreedUse), so a provider
 * whose access task counts from `useFrom` (v3) is not turned away on the very day it may start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conditionalApplicationSentOn } from '../machines/examples.js';
import { pathTo } from '../machines/harness.js';
import { createWorld, given, historyOf, meta, when, type World } from './world.js';

const PROCESS = 'conditionalApplication';
const toAccessPending = pathTo.conditionalApplication.accessPending!;

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(() => w.close());

describe('conditionalApplication: GRANT_ACCESS on the edges of the agreed use (附录5 协议二(二))', () => {
  // The examples' agreement: use from 2025-03-01 to 2025-12-31, signed on 2025-02-20.
  it.each([
    ['on the first day of the agreed use, 00:30 Beijing (2025-03-01)', '2025-02-28T16:30:00.000Z'],
    ['on the last day of the agreed use, 10:00 Beijing (2025-12-31)', '2025-12-31T02:00:00.000Z'],
  ])('given a signed agreement, when access is granted %s, then AccessGranted and the case is active', async (_when, instant) => {
    const c = await given(w, PROCESS, toAccessPending, { at: '2025-02-20T02:00:00.000Z', input: conditionalApplicationSentOn('2025-02-20') });
    expect(c.state).toBe('accessPending');
    const { state, event } = await when(w, c.caseId, 'GRANT_ACCESS', { at: instant });
    expect(state).toBe('active');
    expect(meta(event)).toMatchObject({ command: 'GRANT_ACCESS', stateBefore: 'accessPending', stateAfter: 'active' });
    expect(meta(event).tasksClosed).toEqual([{ stage: 'accessPending', completedAt: expect.any(String) }]);
    expect((await historyOf(w, c)).length).toBe(c.revision + 2);
  });
});
