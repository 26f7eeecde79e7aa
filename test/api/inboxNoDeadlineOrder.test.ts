/**
 * Tasks with no deadline — 知悉 notices, a provider's own drafting — come after every deadline in an
 * inbox. Among themselves they were listed by case (the order cases were first seen), so a notice of
 * today came before one of last month (QA). They are listed as they came, oldest first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, startInputs } from '../machines/examples.js';
import { grantAccess, startTestApi, type TestApi } from './harness.js';

let api: TestApi;
let applicant: string;
let authority: string;
beforeAll(async () => {
  // Monday 2025-03-03, 09:30 Beijing: the examples' agreement lets the data be used 2025-03-01 to 2025-12-31.
  api = await startTestApi({ now: '2025-03-03T01:30:00.000Z' });
  applicant = await api.token('applicant', actors.company.org, actors.company.sub);
  authority = await api.token('authority', actors.cityAuthority.org, actors.cityAuthority.sub);
});
afterAll(() => api.close());

describe('an inbox’s tasks with no deadline', () => {
  it('given two applications, the later one granted access first, when the authority reads its inbox, then the earlier notice comes first, though its case came second', async () => {
    const start = async () => (await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'conditionalApplication', input: startInputs.conditionalApplication } })).body.id as string;
    const first = await start();
    const second = await start();
    await grantAccess(api, second);
    api.clock.set('2025-03-04T02:00:00.000Z');
    await grantAccess(api, first);

    const inbox = await api.call('GET', '/v1/inbox?limit=100', { as: authority });
    const notices = (inbox.body.items as { caseId: string; stage: string; dueAt: string | null; enteredAt: string }[]).filter((i) => i.stage === 'accessGrantedNotice');
    expect(notices.map((n) => [n.caseId, n.dueAt])).toEqual([
      [second, null],
      [first, null],
    ]);
    // Paged one at a time, the same order.
    const one = await api.call('GET', '/v1/inbox?limit=1', { as: authority });
    const next = await api.call('GET', `/v1/inbox?limit=1&cursor=${encodeURIComponent(one.body.nextCursor)}`, { as: authority });
    expect([one.body.items[0].caseId, next.body.items[0].caseId]).toEqual([second, first]);
  });
});
