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
