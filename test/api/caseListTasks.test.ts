/**
 * The case list says of each case who acts on it now and by when, as the inbox does: an applicant's
 * portal lists "待济南市大数据局审核，2025-03-10 前" for a page of cases without opening each one
 * (applicant's QA: the list gave the state alone). 第十四条(二): 5 working days for the normative review.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { agreementInUse, startTestApi, type TestApi } from './harness.js';

describe('the case list gives each case its open tasks', () => {
  let api: TestApi;
  let applicant: string;
  let authority: string;
  let id: string;
  let other: string;

  beforeAll(async () => {
    // Monday 2025-03-03, 09:30 Beijing time: the normative review is due Monday 2025-03-10.
    api = await startTestApi({ now: '2025-03-03T01:30:00.000Z' });
    applicant = await api.token('applicant', actors.company.org, actors.company.sub);
    authority = await api.token('authority', actors.cityAuthority.org, actors.cityAuthority.sub);
    const start = async () => {
      const started = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'conditionalApplication', input: startInputs.conditionalApplication } });
      expect(started.status, started.text).toBe(201);
      return started.body.id as string;
    };
    id = await start();
    other = await start();
  });
  afterAll(() => api.close());

  const listed = async (token: string, caseId: string) => {
    const list = await api.call('GET', '/v1/cases?process=conditionalApplication', { as: token });
    expect(list.status, list.text).toBe(200);
    return list.body.items.find((c: { id: string }) => c.id === caseId);
  };

  it('given a review entered on Monday, when the applicant lists its cases on Friday, then the case names the bureau, the due day and 1 working day left', async () => {
    api.clock.set('2025-03-07T02:00:00.000Z');
    expect((await listed(applicant, id)).tasks).toEqual([
      {
        stage: 'normativeReview',
        label: '有条件开放数据申请材料规范性审查',
        role: 'authority',
        org: actors.cityAuthority.org,
        orgName: '济南市大数据局',
        dueAt: '2025-03-10T15:59:59.999Z',
        dueDate: '2025-03-10',
        provisional: false,
        workingDaysLeft: 1,
        workingDaysOverdue: 0,
        overdue: false,
      },
    ]);
  });

  it('given the review not done by Monday, when the authority lists the cases on Wednesday, then the task is 2 working days overdue, as its inbox item says', async () => {
    api.clock.set('2025-03-12T02:00:00.000Z');
    const inbox = await api.call('GET', '/v1/inbox', { as: authority });
    const item = inbox.body.items.find((i: { caseId: string }) => i.caseId === id);
    expect(item).toMatchObject({ workingDaysLeft: 0, workingDaysOverdue: 2, overdue: true });
    expect((await listed(authority, id)).tasks).toEqual([expect.objectContaining({ stage: 'normativeReview', workingDaysLeft: 0, workingDaysOverdue: 2, overdue: true })]);
  });

  it('given the applicant withdrew one of its two applications, then the list gives the withdrawn one no task and the other its own', async () => {
    const withdrawn = await api.call('POST', `/v1/cases/${id}/commands`, { as: applicant, body: { type: 'WITHDRAW', data: {} } });
    expect(withdrawn.status, withdrawn.text).toBe(200);
    expect(await listed(applicant, id)).toMatchObject({ state: 'withdrawn', final: true, tasks: [] });
    expect((await listed(applicant, other)).tasks).toEqual([expect.objectContaining({ stage: 'normativeReview', org: actors.cityAuthority.org })]);
  });
});

describe("the case list orders a case's tasks as the inbox does", () => {
  let api: TestApi;
  afterAll(() => api?.close());

  it('given an agreement in use and a security incident reported, then the urgent notices come first, then the tasks by deadline, those with no deadline last', async () => {
    api = await startTestApi({ now: '2025-03-03T01:30:00.000Z' });
    const { id, applicant } = await agreementInUse(api);
    const reported = await api.call('POST', `/v1/cases/${id}/commands`, { as: applicant, body: { type: 'REPORT_SECURITY_INCIDENT', data: commandData.conditionalApplication.REPORT_SECURITY_INCIDENT } });
    expect(reported.status, reported.text).toBe(200);
    const admin = await api.token('admin', '370000-dsj');
    const list = await api.call('GET', '/v1/cases', { as: admin });
    const tasks = list.body.items.find((c: { id: string }) => c.id === id).tasks as { stage: string; dueAt: string | null }[];
    expect(tasks.map((t) => [t.stage, t.dueAt])).toEqual([
      ['securityIncidentAuthorityNotice', null],
      ['securityIncidentNotice', null],
      ['resultsReport', '2025-09-03T15:59:59.999Z'],
      ['accessGrantedNotice', null],
    ]);
  });
});
