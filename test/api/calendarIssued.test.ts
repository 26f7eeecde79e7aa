/**
 * A holiday notice's issue date (`issued`) is kept with the notice in the calendar's history and
 * every audit export: the State Council issues a year's notice late in the year before, or (an
 * amendment) during the year, and never after today. A date outside that is a typing error an admin
 * must hear about, not a record to keep for good.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testNotice2027 } from '../calendars/notice2027.js';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
let admin: string;
beforeAll(async () => {
  api = await startTestApi({ now: '2026-12-02T01:00:00.000Z' }); // Wed 2026-12-02 09:00 in Jinan
  admin = await api.token('admin', '370000-dsj');
});
afterAll(() => api.close());

const { year: _year, ...notice } = testNotice2027;

describe('PUT /v1/calendar/2027 with an issue date that cannot be', () => {
  it.each([
    ['after today (Thu 2026-12-03, tomorrow in Jinan)', '2026-12-03', '不得晚于当前日期（2026-12-02，北京时间）', 'must not be after today (2026-12-02, Beijing time)'],
    ['after the year it arranges (2028-01-05)', '2028-01-05', '2028-01-05 不在 2026–2027 年内：通知在所安排年度的上一年或当年发布', '2028-01-05 is not in 2026–2027: a notice is issued in the year before the one it arranges, or in that year'],
    ['two years before it (2025-11-04, the 2026 notice’s)', '2025-11-04', '2025-11-04 不在 2026–2027 年内：通知在所安排年度的上一年或当年发布', '2025-11-04 is not in 2026–2027: a notice is issued in the year before the one it arranges, or in that year'],
  ])('given an issue date %s, when an admin loads the notice, then 400 naming issued, in Chinese and in English, and the calendar unchanged', async (_what, issued, zh, en) => {
    const before = (await api.call('GET', '/v1/calendar/2027', { as: admin })).body;
    const res = await api.call('PUT', '/v1/calendar/2027', { as: admin, body: { ...notice, issued } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors).toEqual([{ path: 'issued', message: zh }]);
    const english = await api.call('PUT', '/v1/calendar/2027', { as: admin, body: { ...notice, issued }, headers: { 'accept-language': 'en' } });
    expect(english.body.errors).toEqual([{ path: 'issued', message: en }]);
    expect((await api.call('GET', '/v1/calendar/2027', { as: admin })).body).toEqual(before);
  });

  it('given an issue date after today and a 调休 day that is no weekend, when an admin loads the notice, then 400 names both', async () => {
    const res = await api.call('PUT', '/v1/calendar/2027', { as: admin, body: { ...notice, issued: '2026-12-03', adjustedWorkdays: ['2027-03-03'], blocks: undefined } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { path: 'issued', message: '不得晚于当前日期（2026-12-02，北京时间）' },
      { path: 'adjustedWorkdays.0', message: '2027-03-03 不是周六或周日：只有周末才能调为工作日' },
    ]);
  });

  it('given an issue date of today in Jinan (2026-12-02), when an admin loads the notice, then it is in force', async () => {
    const res = await api.call('PUT', '/v1/calendar/2027', { as: admin, body: { ...notice, issued: '2026-12-02' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'official', source: { issued: '2026-12-02' } });
  });
});
