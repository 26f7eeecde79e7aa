/**
 * A case's own tasks say how their deadlines stand, as the inbox does: a reviewer who opens a case
 * from a link (a colleague's message, the case list) rather than from the inbox is told as plainly
 * that it is overdue, and by how many working days (第十四条(二): 5 working days for the review).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, startInputs } from '../machines/examples.js';
import { startTestApi, type TestApi } from './harness.js';

describe("a case's tasks say how their deadlines stand now", () => {
  let api: TestApi;
  let applicant: string;
  let authority: string;
  let id: string;

  beforeAll(async () => {
    // Monday 2025-03-03, 09:30 Beijing time: the normative review is due Monday 2025-03-10.
    api = await startTestApi({ now: '2025-03-03T01:30:00.000Z' });
    applicant = await api.token('applicant', actors.company.org, actors.company.sub);
    authority = await api.token('authority', actors.cityAuthority.org, actors.cityAuthority.sub);
    const started = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'conditionalApplication', input: startInputs.conditionalApplication } });
    expect(started.status, started.text).toBe(201);
    expect(started.body.tasks).toEqual([expect.objectContaining({ stage: 'normativeReview', dueDate: '2025-03-10', workingDaysLeft: 5, workingDaysOverdue: 0, overdue: false })]);
    id = started.body.id;
  });
  afterAll(() => api.close());

  const taskNow = async () => (await api.call('GET', `/v1/cases/${id}`, { as: authority })).body.tasks[0];
  const inboxItem = async () => (await api.call('GET', '/v1/inbox', { as: authority })).body.items.find((i: { caseId: string }) => i.caseId === id);

  it('given the review entered on Monday, when the authority reads the case on Friday, then 1 working day is left, as its inbox says', async () => {
    api.clock.set('2025-03-07T02:00:00.000Z');
    expect(await taskNow()).toMatchObject({ workingDaysLeft: 1, workingDaysOverdue: 0, overdue: false });
    expect(await inboxItem()).toMatchObject({ workingDaysLeft: 1, workingDaysOverdue: 0, overdue: false });
  });

  it('given the review not done by Monday, when the authority reads the case on Wednesday, then it is 2 working days overdue, as its inbox says', async () => {
    api.clock.set('2025-03-12T02:00:00.000Z');
    expect(await taskNow()).toMatchObject({ workingDaysLeft: 0, workingDaysOverdue: 2, overdue: true });
    expect(await inboxItem()).toMatchObject({ workingDaysLeft: 0, workingDaysOverdue: 2, overdue: true });
  });
});
