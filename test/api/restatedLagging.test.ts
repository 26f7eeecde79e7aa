/**
 * The case view's restatedFrom when the read models follow the log behind the store (as behind
 * EventStoreDB): the view's deadlines come from the case's own events, the date a notice replaced from
 * the read models (api/routes/cases.ts). Until they have read the re-statement, the view says no date
 * rather than a wrong one; once they have, the date the last notice replaced (README "Loading next
 * year's holiday notice").
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './harness.js';
import { partyTokens } from '../race/helpers.js';
import { startInputs } from '../machines/examples.js';
import { testNotice2027 } from '../calendars/notice2027.js';

const { year: _year, ...noticeA } = testNotice2027;
/** A correction of the test notice: 春节's 调休 working Sunday 01-31 moved to Saturday 02-27. */
const noticeB = {
  ...noticeA,
  notice: '国办发明电〔2026〕Y号（测试数据，更正）',
  adjustedWorkdays: noticeA.adjustedWorkdays.map((d) => (d === '2027-01-31' ? '2027-02-27' : d)),
  blocks: noticeA.blocks.map((b) =>
    b.name === '春节'
      ? { ...b, text: '二、春节：2月5日（农历除夕、周五）至13日（周六）放假调休，共9天。2月20日（周六）、2月27日（周六）上班。', adjustedWorkdays: ['2027-02-20', '2027-02-27'] }
      : b,
  ),
};

let api: TestApi;
let tokens: Awaited<ReturnType<typeof partyTokens>>;

beforeEach(async () => {
  // Each event reaches the read models 500 ms after it is stored.
  api = await startTestApi({ now: '2027-01-22T02:00:00.000Z', follow: { lagMs: 500 } });
  tokens = await partyTokens(api);
});
afterEach(() => api.close());

const task = async (id: string, minPosition?: number) => {
  const res = await api.call('GET', `/v1/cases/${id}${minPosition === undefined ? '' : `?minPosition=${minPosition}`}`, { as: tokens.provider });
  expect(res.status, res.text).toBe(200);
  return res.body.tasks[0] as { dueDate: string; restatedFrom: string | null };
};

describe('a deadline re-stated twice, read while the read models lag', () => {
  it('given an objection raised Fri 2027-01-22 (provisionally due 02-11) and a notice that moved it to 02-04, when a correction moves it to 02-15, then the case says no replaced date until the read models have read the correction, and then 02-04 (not the provisional 02-11 they held)', async () => {
    const started = await api.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'objection', input: startInputs.objection } });
    expect(started.status, started.text).toBe(201);
    expect(await task(started.body.id, started.body.position)).toMatchObject({ dueDate: '2027-02-11', restatedFrom: null });

    // Notice A, loaded Mon 01-25: 01-25–01-29 (5), Sun 01-31 worked (6), 02-01–02-04 (10).
    await api.call('PUT', '/v1/test/clock', { as: tokens.admin, body: { now: '2027-01-25T02:00:00.000Z' } });
    const a = await api.call('PUT', '/v1/calendar/2027', { as: tokens.admin, body: noticeA });
    expect(a.status, a.text).toBe(200);
    expect(await task(started.body.id, await api.app.store.headPosition())).toMatchObject({ dueDate: '2027-02-04', restatedFrom: '2027-02-11' });

    // The correction: 01-31 is a day off, so 01-25–01-29 (5), 02-01–02-04 (9), 春节 to 02-13, Sun 02-14, Mon 02-15 (10).
    const b = await api.call('PUT', '/v1/calendar/2027', { as: tokens.admin, body: noticeB });
    expect(b.status, b.text).toBe(200);
    const head = await api.app.store.headPosition();
    // The read models still hold notice A's date for the task (02-04, replacing 02-11).
    expect(api.app.readModels.position).toBeLessThan(head);
    expect(await task(started.body.id)).toMatchObject({ dueDate: '2027-02-15', restatedFrom: null });

    expect(await task(started.body.id, head)).toMatchObject({ dueDate: '2027-02-15', restatedFrom: '2027-02-04' });
  });
});
