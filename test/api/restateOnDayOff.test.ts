/**
 * A notice loaded late, on a day off, that moves a provisional deadline before the day of loading:
 * the deadline is held, and held on a working day (README "Loading next year's holiday notice": a
 * notice never makes a task late after the fact; working-day deadlines end on a working day).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './harness.js';
import { partyTokens } from '../race/helpers.js';
import { startInputs } from '../machines/examples.js';
import { testNotice2027 } from '../calendars/notice2027.js';

/** The test fixture's notice as an admin sends it (the year comes from the path). */
const { year: _year, ...notice2027 } = testNotice2027;

let api: TestApi;
let tokens: Awaited<ReturnType<typeof partyTokens>>;

beforeEach(async () => {
  api = await startTestApi({ now: '2027-01-22T02:00:00.000Z' });
  tokens = await partyTokens(api);
});
afterEach(() => api.close());

describe('a provisional deadline re-stated by a notice loaded during 春节', () => {
  it('given an objection raised Fri 2027-01-22 (provisionally due Thu 02-11) and the notice, which makes Sun 01-31 a working day and 02-05–02-13 days off, when it is loaded on Mon 02-08 (a 春节 day off), then the deadline is held at Mon 02-15, the first working day after, and on 02-15 the task is due today, not overdue', async () => {
    const started = await api.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'objection', input: startInputs.objection } });
    expect(started.status, started.text).toBe(201);
    expect(started.body.tasks[0]).toMatchObject({ dueDate: '2027-02-11', provisional: true, restatedFrom: null });

    // The notice's count: 01-25–01-29 (5), Sun 01-31 (6), 02-01–02-04 (10): 02-04, before the day of loading.
    await api.call('PUT', '/v1/test/clock', { as: tokens.admin, body: { now: '2027-02-08T02:00:00.000Z' } });
    const loaded = await api.call('PUT', '/v1/calendar/2027', { as: tokens.admin, body: notice2027 });
    expect(loaded.status, loaded.text).toBe(200);

    const kase = await api.call('GET', `/v1/cases/${started.body.id}`, { as: tokens.provider });
    expect(kase.body.tasks[0]).toMatchObject({ dueDate: '2027-02-15', dueAt: '2027-02-15T15:59:59.999Z', provisional: false });
    // The case says the date it replaced, as the inbox does — to the applicant too, who has no inbox item for
    // the provider's task (calendar and integrators' QA: the new date with no sign it moved).
    for (const as of [tokens.provider, tokens.applicant]) {
      expect((await api.call('GET', `/v1/cases/${started.body.id}`, { as })).body.tasks[0]).toMatchObject({ dueDate: '2027-02-15', restatedFrom: '2027-02-11' });
    }
    const history = await api.call('GET', `/v1/cases/${started.body.id}/history`, { as: tokens.provider });
    expect(history.body.events.at(-1).deadlines.restated[0]).toMatchObject({ new: { dueDate: '2027-02-15' }, computed: { dueDate: '2027-02-04' } });

    await api.call('PUT', '/v1/test/clock', { as: tokens.admin, body: { now: '2027-02-15T02:00:00.000Z' } });
    const inbox = await api.call('GET', '/v1/inbox', { as: tokens.provider });
    expect(inbox.body.items.find((i: { caseId: string }) => i.caseId === started.body.id)).toMatchObject({
      dueDate: '2027-02-15',
      restatedFrom: '2027-02-11',
      overdue: false,
      workingDaysLeft: 0,
      workingDaysOverdue: 0,
    });
    const report = await api.call('GET', '/v1/reports/overdue', { as: await api.token('supervisor', '370000-dsj') });
    expect(report.body.items.find((i: { caseId: string }) => i.caseId === started.body.id)).toBeUndefined();
  });
});
