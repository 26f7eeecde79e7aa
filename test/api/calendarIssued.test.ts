/**
 * A holiday notice's issue date (`issued`) is kept with the notice in the calendar's history and
 * every audit export: the State Council issues a year's notice late in the year before, or (an
 * amendment) during the year, and never after today. A date outside that is a typing error an admin
 * must hear about, not a record to keep for good.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALENDAR_STREAM, provisionalDaysOff } from '../../calendars/index.js';
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
  ])('given an issue date %s, when an admin loads the notice, then 400 naming body.issued (as the schema names a date that does not exist), in Chinese and in English, and the calendar unchanged', async (_what, issued, zh, en) => {
    const before = (await api.call('GET', '/v1/calendar/2027', { as: admin })).body;
    const res = await api.call('PUT', '/v1/calendar/2027', { as: admin, body: { ...notice, issued } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors).toEqual([{ path: 'body.issued', message: zh }]);
    const english = await api.call('PUT', '/v1/calendar/2027', { as: admin, body: { ...notice, issued }, headers: { 'accept-language': 'en' } });
    expect(english.body.errors).toEqual([{ path: 'body.issued', message: en }]);
    expect((await api.call('GET', '/v1/calendar/2027', { as: admin })).body).toEqual(before);
  });

  it('given an issue date after today and a 调休 day that is no weekend, when an admin loads the notice, then 400 names both', async () => {
    const res = await api.call('PUT', '/v1/calendar/2027', { as: admin, body: { ...notice, issued: '2026-12-03', adjustedWorkdays: ['2027-03-03'], blocks: undefined } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { path: 'body.issued', message: '不得晚于当前日期（2026-12-02，北京时间）' },
      { path: 'body.adjustedWorkdays.0', message: '2027-03-03 不是周六或周日：只有周末才能调为工作日' },
    ]);
    // Named where they were sent, and by their Chinese names, as the route's own schema names them.
    expect(res.body.detail).toBe('提交的数据不符合要求：body.issued（发布日期）不得晚于当前日期（2026-12-02，北京时间）；body.adjustedWorkdays.0（调休上班日期）2027-03-03 不是周六或周日：只有周末才能调为工作日');
  });

  // The notice's own errors are named anew where they were sent (body.…): the count of those past the
  // first 20 goes with them, in moreErrors and in the Chinese, as any other refused form says it.
  it('given 25 调休 days that are no weekend, when an admin loads the notice, then 400 lists the first 20 (as body.adjustedWorkdays.N) and says 5 more were left out', async () => {
    // Mondays to Fridays of March and April 2027 (1 March is a Monday), none a holiday.
    const weekdays = Array.from({ length: 25 }, (_, i) => new Date(Date.UTC(2027, 2, 1 + 7 * Math.floor(i / 5) + (i % 5))).toISOString().slice(0, 10));
    const res = await api.call('PUT', '/v1/calendar/2027', { as: admin, body: { ...notice, adjustedWorkdays: weekdays, blocks: undefined } });
    expect(res.status, res.text).toBe(400);
    expect(res.body.errors).toHaveLength(20);
    expect(res.body.errors[0]).toEqual({ path: 'body.adjustedWorkdays.0', message: '2027-03-01 不是周六或周日：只有周末才能调为工作日' });
    expect(res.body.moreErrors).toBe(5);
    expect(res.body.detail).toMatch(/；另有 5 处未列出$/);
  });

  it('given an issue date of today in Jinan (2026-12-02), when an admin loads the notice, then it is in force', async () => {
    const res = await api.call('PUT', '/v1/calendar/2027', { as: admin, body: { ...notice, issued: '2026-12-02' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'official', source: { issued: '2026-12-02' } });
  });
});

describe('PUT /v1/calendar/:year for a year no notice can be loaded for', () => {
  /** A notice for `year` that is whole by the statute: every statutory holiday a day off and its 补假 (第六条), no issue date. */
  const wholeNotice = (year: number) => ({ notice: `国办发明电〔${year - 1}〕1号`, url: `https://www.gov.cn/${year}`, holidays: provisionalDaysOff(year), adjustedWorkdays: [] });

  it.each([
    [2028, '2028 年的通知尚不可能发布：通知在所安排年度的上一年或当年发布（今天是 2026-12-02，北京时间）', 'no notice for 2028 can have been issued yet: a notice is issued in the year before the one it arranges, or in that year (today is 2026-12-02, Beijing time)'],
    [2200, '2200 年的通知尚不可能发布：通知在所安排年度的上一年或当年发布（今天是 2026-12-02，北京时间）', 'no notice for 2200 can have been issued yet: a notice is issued in the year before the one it arranges, or in that year (today is 2026-12-02, Beijing time)'],
    [2013, '2013 年早于 2014 年：无法核对其法定节假日，不能载入', '2013 is before 2014: its statutory holidays cannot be checked, so no notice for it is loaded'],
  ])('given no issue date, when an admin loads a notice for %i, then 400 naming params.year, in Chinese and in English, and the calendar covers no more years', async (year, zh, en) => {
    const body = year < 2014 ? { notice: 'x', url: 'https://www.gov.cn/x', holidays: [`${year}-01-01`], adjustedWorkdays: [] } : wholeNotice(year);
    const before = (await api.call('GET', `/v1/calendar/${year}`, { as: admin })).body;
    const res = await api.call('PUT', `/v1/calendar/${year}`, { as: admin, body });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'params.year', message: zh }]);
    const english = await api.call('PUT', `/v1/calendar/${year}`, { as: admin, body, headers: { 'accept-language': 'en' } });
    expect(english.body.errors).toEqual([{ path: 'params.year', message: en }]);
    // Before, a 2200 notice made every year to 2201 provisional, and a 2013 one every year back to it.
    expect((await api.call('GET', `/v1/calendar/${year}`, { as: admin })).body).toEqual(before);
    expect((await api.call('GET', `/v1/calendar/${year < 2014 ? 2015 : 2100}`, { as: admin })).body.code).toBe('CALENDAR_NOT_COVERED');
  });

  it('given today in 2026, when an admin loads a notice for next year (2027) without an issue date, then it is in force', async () => {
    const res = await api.call('PUT', '/v1/calendar/2027', { as: admin, body: { ...notice, issued: undefined } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'official', source: { issued: null } });
  });
});

describe('PUT /v1/calendar/2027 again with the same days and new text', () => {
  const noticeEvents = async () => (await api.app.store.readStream(CALENDAR_STREAM)).length;

  it('given the notice in force, when an admin loads it with a corrected title and block text, then the correction is stored (the version unchanged) and every later read shows it; loading it once more stores nothing', async () => {
    const first = await api.call('PUT', '/v1/calendar/2027', { as: admin, body: notice });
    expect(first.status).toBe(200);
    const before = await noticeEvents();
    const blocks = notice.blocks.map((b, i) => (i === 0 ? { ...b, text: '一、元旦：1月1日至3日放假，共3天。（更正）' } : b));
    const corrected = { ...notice, title: '国务院办公厅关于2027年部分节假日安排的通知（更正）', blocks };
    const res = await api.call('PUT', '/v1/calendar/2027', { as: admin, body: corrected });
    expect(res.status).toBe(200);
    expect(res.body.calendarVersion).toBe(first.body.calendarVersion);
    // Before, the answer showed the new text but nothing was stored: every later read had the old.
    expect(await noticeEvents()).toBe(before + 1);
    const read = (await api.call('GET', '/v1/calendar/2027', { as: admin })).body;
    expect(read.source.title).toBe(corrected.title);
    expect(read.blocks[0].text).toBe('一、元旦：1月1日至3日放假，共3天。（更正）');
    expect(read.calendarVersion).toBe(first.body.calendarVersion);
    expect((await api.call('PUT', '/v1/calendar/2027', { as: admin, body: corrected })).status).toBe(200);
    expect(await noticeEvents()).toBe(before + 1);
  });
});
