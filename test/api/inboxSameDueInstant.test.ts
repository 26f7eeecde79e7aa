/**
 * Two tasks of one case, for one holder, due at the same instant are both in the inbox read page by
 * page: the cursor orders by due instant, case and stage (mutation QA: a cursor without its stage
 * passed every test and lost the second task at a page boundary — a duty nobody is shown goes
 * overdue, and 第十九条's reports count it against its holder).
 *
 * The applicant's results are due 6 months after access (附录5 协议二(三)3: granted Mon 2025-03-03, due
 * 2025-09-03), and its data destroyed within 30 calendar days of the end of use (附录5 协议二(二):
 * terminated Mon 2025-08-04, due 2025-09-03): both at 2025-09-03T15:59:59.999Z.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, commandData } from '../machines/examples.js';
import { agreementInUse, startTestApi, type TestApi } from './harness.js';

describe('an inbox read one item per page', () => {
  let api: TestApi;
  let applicant: string;
  let id: string;

  beforeAll(async () => {
    api = await startTestApi({ now: '2025-03-03T01:30:00.000Z' });
    ({ id, applicant } = await agreementInUse(api));
    api.clock.set('2025-08-04T02:00:00.000Z');
    const provider = await api.token('provider', actors.provider.org, actors.provider.sub);
    const terminated = await api.call('POST', `/v1/cases/${id}/commands`, { as: provider, body: { type: 'TERMINATE', data: commandData.conditionalApplication.TERMINATE } });
    expect(terminated.status, terminated.text).toBe(200);
  });
  afterAll(() => api.close());

  it('given the results and the destruction of one case due at the same instant, when the applicant reads its inbox one item per page, then both come, as in one page', async () => {
    const whole = await api.call('GET', '/v1/inbox', { as: applicant });
    const due = (whole.body.items as { caseId: string; stage: string; dueAt: string }[]).filter((i) => i.caseId === id).map((i) => [i.stage, i.dueAt]);
    expect(due).toEqual([
      ['destructionPending', '2025-09-03T15:59:59.999Z'],
      ['resultsReport', '2025-09-03T15:59:59.999Z'],
    ]);
    const paged: [string, string][] = [];
    let cursor: string | null = null;
    do {
      const page = await api.call('GET', `/v1/inbox?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { as: applicant });
      expect(page.status, page.text).toBe(200);
      for (const i of page.body.items as { caseId: string; stage: string; dueAt: string }[]) if (i.caseId === id) paged.push([i.stage, i.dueAt]);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual(due);
  });

  // Changes QA: the case list said it gave a case's tasks in the inbox's order, and broke this tie the other way.
  it('given the same two tasks, when the applicant lists its cases, then the case gives them in the inbox’s order', async () => {
    const list = await api.call('GET', '/v1/cases', { as: applicant });
    const item = (list.body.items as { id: string; tasks: { stage: string; dueAt: string }[] }[]).find((c) => c.id === id)!;
    expect(item.tasks.map((t) => [t.stage, t.dueAt])).toEqual([
      ['destructionPending', '2025-09-03T15:59:59.999Z'],
      ['resultsReport', '2025-09-03T15:59:59.999Z'],
    ]);
  });
});
