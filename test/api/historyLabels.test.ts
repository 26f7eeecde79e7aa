/**
 * A history people can read: each event's command and states were codes alone (START,
 * FAIL_NORMATIVE_REVIEW, normativeReview, rejected, RESTATE_DEADLINES), which compliance read with
 * the process catalogue beside it, though the case view names its state in words. Each event now
 * names them too — by the machine version that decided it, the engine's own commands by the
 * engine's words, one for every reader (the history, a command's answer, npm run replay, a 409).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { testNotice2027 } from '../calendars/notice2027.js';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
let applicant: string;
let authority: string;
let rejected: string;
let failedAnswer: Awaited<ReturnType<TestApi['call']>>;
beforeAll(async () => {
  api = await startTestApi({ now: '2026-03-02T01:00:00.000Z' });
  applicant = await api.token('applicant', actors.company.org);
  authority = await api.token('authority', actors.cityAuthority.org);
  const started = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'conditionalApplication', input: startInputs.conditionalApplication } });
  expect(started.status, started.text).toBe(201);
  rejected = started.body.id;
  api.clock.set('2026-03-03T01:00:00.000Z');
  failedAnswer = await api.call('POST', `/v1/cases/${rejected}/commands`, { as: authority, body: { type: 'FAIL_NORMATIVE_REVIEW', data: commandData.conditionalApplication.FAIL_NORMATIVE_REVIEW } });
  expect(failedAnswer.status).toBe(200);
});
afterAll(() => api.close());

const named = (e: Record<string, unknown>) => [e.command, e.commandLabel, e.stateBefore, e.stateBeforeLabel, e.stateAfter, e.stateAfterLabel];

describe('a history in words', () => {
  it('given a conditional application started and failed at its normative review, when its history is read, then each event names its command and states in Chinese, in English too', async () => {
    for (const headers of [{}, { 'accept-language': 'en' }] as Record<string, string>[]) {
      const history = await api.call('GET', `/v1/cases/${rejected}/history`, { as: applicant, headers });
      expect(history.status).toBe(200);
      expect(history.body.events.map(named)).toEqual([
        ['START', '提交有条件开放数据申请', null, null, 'normativeReview', '材料规范性审查'],
        ['FAIL_NORMATIVE_REVIEW', '未通过材料规范性审查', 'normativeReview', '材料规范性审查', 'rejected', '未通过'],
      ]);
      // Beside the codes, which stay as API.md has them.
      expect(Object.keys(history.body.events[1]).slice(4, 6)).toEqual(['command', 'commandLabel']);
    }
  });

  it('given a command, then its answer’s event names its command and states as the history does', () => {
    expect(named(failedAnswer.body.event)).toEqual(['FAIL_NORMATIVE_REVIEW', '未通过材料规范性审查', 'normativeReview', '材料规范性审查', 'rejected', '未通过']);
  });

  it('given asOf between the two events, then the state then is named too; before the start, it is null as the state is', async () => {
    const between = await api.call('GET', `/v1/cases/${rejected}/history?asOf=2026-03-02T12:00:00.000%2B08:00`, { as: applicant });
    expect([between.body.stateAsOf, between.body.stateAsOfLabel]).toEqual(['normativeReview', '材料规范性审查']);
    const before = await api.call('GET', `/v1/cases/${rejected}/history?asOf=2026-03-01T12:00:00.000%2B08:00`, { as: applicant });
    expect([before.body.stateAsOf, before.body.stateAsOfLabel]).toEqual([null, null]);
  });

  it('given a holiday notice re-stating a provisional deadline, then the engine’s own command is named in its words', async () => {
    api.clock.set('2026-12-21T02:00:00.000Z');
    const objection = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: startInputs.objection } });
    expect(objection.body.tasks[0]).toMatchObject({ provisional: true });
    const admin = await api.token('admin', '370000-dsj');
    const { year: _year, ...notice } = testNotice2027;
    const loaded = await api.call('PUT', '/v1/calendar/2027', { as: admin, body: notice });
    expect(loaded.status, loaded.text).toBeLessThan(300);
    const history = await api.call('GET', `/v1/cases/${objection.body.id}/history`, { as: applicant });
    expect(history.body.events.at(-1)).toMatchObject({ command: 'RESTATE_DEADLINES', commandLabel: '按节假日安排重新确定期限', stateBefore: 'handling', stateBeforeLabel: '处理中', stateAfter: 'handling' });
    // Which notice moved it (year-end QA: the event named only the calendar version's hash), and no other event names one.
    expect(history.body.events.at(-1).restatedBy).toEqual({ year: 2027, notice: testNotice2027.notice, url: testNotice2027.url, loadedAt: '2026-12-21T02:00:00.000Z' });
    expect(history.body.events.slice(0, -1).filter((e: { restatedBy?: unknown }) => e.restatedBy !== undefined)).toEqual([]);
    expect(history.body.events.at(-1).deadlines.restated[0].new.calendarVersion).toBe(loaded.body.calendarVersion);
  });
});

describe('a history that says who acted and whether each deadline was met', () => {
  // Compliance QA: organisations and roles were codes alone in the history, and a closed deadline was only
  // `{ stage, completedAt }` — whether it was met was in npm run replay (逾期 3 个工作日), not over HTTP.
  it('given an objection answered two working days late and an application failed the day after it came, then each actor has its role and organisation by name, each task opened its organisation’s name, and each task closed its deadline and whether it was met', async () => {
    const own = await startTestApi({ now: '2026-03-02T01:00:00.000Z' });
    try {
      const asApplicant = await own.token('applicant', actors.company.org);
      const asProvider = await own.token('provider', actors.provider.org);
      const asAuthority = await own.token('authority', actors.cityAuthority.org);
      const objection = await own.call('POST', '/v1/cases', { as: asApplicant, body: { process: 'objection', input: startInputs.objection } });
      const application = await own.call('POST', '/v1/cases', { as: asApplicant, body: { process: 'conditionalApplication', input: startInputs.conditionalApplication } });
      // 10 working days from Mon 03-02: Mon 03-16. Answered Wed 03-18: 03-17 and 03-18 over.
      own.clock.set('2026-03-03T01:00:00.000Z');
      expect((await own.call('POST', `/v1/cases/${application.body.id}/commands`, { as: asAuthority, body: { type: 'FAIL_NORMATIVE_REVIEW', data: commandData.conditionalApplication.FAIL_NORMATIVE_REVIEW } })).status).toBe(200);
      own.clock.set('2026-03-18T01:00:00.000Z');
      expect((await own.call('POST', `/v1/cases/${objection.body.id}/commands`, { as: asProvider, body: { type: 'RESPOND', data: commandData.objection.RESPOND } })).status).toBe(200);

      const late = (await own.call('GET', `/v1/cases/${objection.body.id}/history?asOf=2026-03-10T00:00:00.000Z`, { as: asApplicant })).body;
      const [start, respond] = late.events;
      expect(start.actor).toMatchObject({ role: 'applicant', roleLabel: '公共数据利用主体', org: actors.company.org });
      expect(start.actor).not.toHaveProperty('orgName');
      // The article the deadline rests on, as the case view and the inbox give it.
      expect(start.deadlines.opened).toEqual([expect.objectContaining({ stage: 'handling', org: actors.provider.org, orgName: '济南市公安局', dueDate: '2026-03-16', article: objection.body.tasks[0].article })]);
      expect(objection.body.tasks[0].article).toMatch(/^第十六条/);
      expect(late.tasksAsOf).toEqual([expect.objectContaining({ stage: 'handling', orgName: '济南市公安局', overdue: false, article: objection.body.tasks[0].article })]);
      expect(respond.actor).toMatchObject({ role: 'provider', roleLabel: '公共数据开放主体', org: actors.provider.org, orgName: '济南市公安局' });
      // Its data's fields by the regulation's names (as a refusal says them).
      expect(respond.dataLabels).toEqual({ outcome: '处理结果', explanation: '处理说明' });
      expect(respond.deadlines.closed).toEqual([
        { stage: 'handling', completedAt: '2026-03-18T01:00:00.000Z', dueAt: '2026-03-16T15:59:59.999Z', dueDate: '2026-03-16', late: true, workingDaysOverdue: 2 },
      ]);

      const onTime = (await own.call('GET', `/v1/cases/${application.body.id}/history`, { as: asAuthority })).body;
      expect(onTime.events[0].deadlines.opened).toEqual([expect.objectContaining({ stage: 'normativeReview', article: '第十四条(二)' })]);
      // A start form's nested fields, by path without list indices.
      expect(onTime.events[0].dataLabels).toMatchObject({ applicant: '申请主体', 'applicant.contact.phone': '联系电话' });
      expect(Object.keys(onTime.events[0].dataLabels).some((path) => /\.\d+(\.|$)/.test(path))).toBe(false);
      expect(onTime.events[1].actor).toMatchObject({ roleLabel: '公共数据开放主管部门', orgName: '济南市大数据局' });
      expect(onTime.events[1].deadlines.closed).toEqual([expect.objectContaining({ stage: 'normativeReview', late: false, workingDaysOverdue: 0 })]);
      // The audit export keeps what is stored, and nothing else (docs/AUDIT_EXPORT.md).
      const exported = await own.call('GET', '/v1/audit/export?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z', { as: await own.token('auditor', '370000-dsj') });
      const line = exported.text.split('\n').map((l) => (l ? JSON.parse(l) : undefined)).find((l) => l?.command === 'RESPOND');
      expect(line.deadlines.closed).toEqual([{ stage: 'handling', completedAt: '2026-03-18T01:00:00.000Z' }]);
      expect(line.actor).not.toHaveProperty('orgName');
      expect(line).not.toHaveProperty('dataLabels');
      const startLine = exported.text.split('\n').map((l) => (l ? JSON.parse(l) : undefined)).find((l) => l?.caseId === objection.body.id && l.revision === 0);
      expect(startLine.deadlines.opened[0]).not.toHaveProperty('article');

      // A deadline re-stated by a notice closes with the date it then had: provisionally 02-11, 02-04 by the notice, answered 02-05.
      own.clock.set('2027-01-22T02:00:00.000Z');
      const restated = await own.call('POST', '/v1/cases', { as: asApplicant, body: { process: 'objection', input: startInputs.objection } });
      expect(restated.body.tasks[0]).toMatchObject({ dueDate: '2027-02-11', provisional: true });
      own.clock.set('2027-01-25T02:00:00.000Z');
      const { year: _year, ...notice } = testNotice2027;
      expect((await own.call('PUT', '/v1/calendar/2027', { as: await own.token('admin', '370000-dsj'), body: notice })).status).toBe(200);
      own.clock.set('2027-02-05T02:00:00.000Z');
      expect((await own.call('POST', `/v1/cases/${restated.body.id}/commands`, { as: asProvider, body: { type: 'RESPOND', data: commandData.objection.RESPOND } })).status).toBe(200);
      const history = (await own.call('GET', `/v1/cases/${restated.body.id}/history`, { as: asApplicant })).body;
      expect(history.events.at(-1).deadlines.closed).toEqual([expect.objectContaining({ dueDate: '2027-02-04', late: true, workingDaysOverdue: 1 })]);
    } finally {
      await own.close();
    }
  });
});
