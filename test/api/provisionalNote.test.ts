/**
 * A deadline counted before its year's holiday notice is loaded is `provisional`; its task says why, in
 * the caller's language (`provisionalNote`): which year's notice it waits for, and that the date may
 * move. Year-end QA: `provisional: true` alone said neither, in the inbox or the case.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultCalendar } from '../../calendars/index.js';
import { provisionalNote } from '../../api/shape.js';
import { startInputs } from '../machines/examples.js';
import { partyTokens } from '../race/helpers.js';
import { testNotice2027 } from '../calendars/notice2027.js';
import { startTestApi, type TestApi } from './harness.js';

const ZH_2027 = '2027 年的国务院节假日安排通知尚未载入：期限按《全国年节及纪念日放假办法》规定的节假日及补假临时计算，通知载入后将重新确定，可能提前或推后';
const EN_2027 =
  'the State Council’s holiday notice for 2027 is not loaded yet: the deadline is counted from the statutory holidays and their days in lieu, and will be re-stated when the notice is loaded — it may move earlier or later';

let api: TestApi;
let tokens: Awaited<ReturnType<typeof partyTokens>>;
beforeEach(async () => {
  api = await startTestApi({ now: '2026-12-01T02:00:00.000Z' }); // Tue 2026-12-01 10:00 in Jinan
  tokens = await partyTokens(api);
});
afterEach(() => api.close());

const objection = async () => {
  const started = await api.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'objection', input: startInputs.objection } });
  expect(started.status, started.text).toBe(201);
  return started.body as { id: string; tasks: { dueDate: string; provisional: boolean; provisionalNote?: string }[] };
};
const inboxItem = async (caseId: string, lang?: string) => {
  const res = await api.call('GET', '/v1/inbox', { as: tokens.provider, ...(lang ? { headers: { 'accept-language': lang } } : {}) });
  expect(res.status, res.text).toBe(200);
  return (res.body.items as { caseId: string; provisional: boolean; provisionalNote?: string }[]).find((i) => i.caseId === caseId)!;
};

describe('a provisional deadline says why', () => {
  it('given an objection entered Tue 12-01 (10 working days: Tue 12-15, in the 2026 notice), then its task is official and has no note', async () => {
    const c = await objection();
    expect(c.tasks[0]).toMatchObject({ dueDate: '2026-12-15', provisional: false });
    expect(c.tasks[0]).not.toHaveProperty('provisionalNote');
    expect(await inboxItem(c.id)).not.toHaveProperty('provisionalNote');
  });

  it('given an objection entered Mon 12-21 (due in January 2027, no 2027 notice), then the case, the inbox and their English name the 2027 notice and say the date may move; once the notice is loaded, no note', async () => {
    await api.call('PUT', '/v1/test/clock', { as: tokens.admin, body: { now: '2026-12-21T02:00:00.000Z' } });
    const c = await objection();
    expect(c.tasks[0]).toMatchObject({ provisional: true, provisionalNote: ZH_2027 });
    expect(c.tasks[0]!.dueDate.startsWith('2027-01')).toBe(true);
    const en = await api.call('GET', `/v1/cases/${c.id}`, { as: tokens.applicant, headers: { 'accept-language': 'en' } });
    expect(en.body.tasks[0].provisionalNote).toBe(EN_2027);
    expect(await inboxItem(c.id)).toMatchObject({ provisional: true, provisionalNote: ZH_2027 });
    expect((await inboxItem(c.id, 'en')).provisionalNote).toBe(EN_2027);

    const { year: _y, issued: _i, ...notice } = testNotice2027;
    expect((await api.call('PUT', '/v1/calendar/2027', { as: tokens.admin, body: notice })).status).toBe(200);
    const after = await api.call('GET', `/v1/cases/${c.id}`, { as: tokens.applicant });
    expect(after.body.tasks[0].provisional).toBe(false);
    expect(after.body.tasks[0]).not.toHaveProperty('provisionalNote');
    expect(await inboxItem(c.id)).not.toHaveProperty('provisionalNote');
  });

  it('given an objection entered Mon 12-14 (due Mon 12-28: the 2027 notice may still set 25–31 December), then the note names the 2027 notice, and says the count is on the 2026 notice, not the statute’s holidays', async () => {
    await api.call('PUT', '/v1/test/clock', { as: tokens.admin, body: { now: '2026-12-14T02:00:00.000Z' } });
    const c = await objection();
    expect(c.tasks[0]).toMatchObject({
      dueDate: '2026-12-28',
      provisional: true,
      provisionalNote: '2027 年的国务院节假日安排通知尚未载入：期限已按 2026 年的通知计算，但 2027 年的通知仍可能调整 2026 年 12 月 25 日至 31 日的放假或上班安排，通知载入后将重新确定，可能提前或推后',
    });
    expect((await inboxItem(c.id, 'en')).provisionalNote).toBe(
      'the State Council’s holiday notice for 2027 is not loaded yet: the deadline is counted on the 2026 notice, but the 2027 notice may still set days off or working days in 25–31 December 2026; it will be re-stated when the notice is loaded — it may move earlier or later',
    );
  });
});

describe('provisionalNote', () => {
  const shipped = defaultCalendar();
  it('names every year from the last one loaded to the due date’s, and says when the notice is loaded and only the re-statement is to come', () => {
    expect(provisionalNote(shipped, { dueDate: '2028-03-01' }, 'zh')).toMatch(/^2027–2028 年的国务院节假日安排通知尚未载入/);
    expect(provisionalNote(shipped, { dueDate: '2028-03-01' }, 'en')).toMatch(/^the State Council’s holiday notice for 2027–2028 is not loaded yet/);
    expect(provisionalNote(shipped.withNotice(testNotice2027), { dueDate: '2027-01-08' }, 'zh')).toBe('节假日安排通知已载入，本期限尚待按其重新确定');
    expect(provisionalNote(shipped, { dueDate: null }, 'zh')).toBeUndefined();
    // 25–31 December waits for the next year's notice too (QA: 2027-12-28 named 2027 alone).
    expect(provisionalNote(shipped, { dueDate: '2027-12-28' }, 'zh')).toMatch(/^2027–2028 年的/);
    expect(provisionalNote(shipped, { dueDate: '2028-12-28' }, 'zh')).toMatch(/^2027–2029 年的/);
    expect(provisionalNote(shipped.withNotice(testNotice2027), { dueDate: '2027-12-28' }, 'zh')).toMatch(/^2028 年的/);
    expect(provisionalNote(shipped, { dueDate: '2026-12-28' }, 'en')).toMatch(/^the State Council’s holiday notice for 2027 is not loaded yet/);
  });

  it('names no year before the count’s first day: a count from an agreed start of use in 2040 waits for the 2040 notice alone (changes QA: it named 2027–2040)', () => {
    const agreed = { dueDate: '2040-03-15', enteredAt: '2026-12-01T02:00:00.000Z', countsFrom: '2040-03-01' };
    expect(provisionalNote(shipped, agreed, 'zh')).toMatch(/^2040 年的国务院节假日安排通知尚未载入/);
    expect(provisionalNote(shipped, agreed, 'en')).toMatch(/^the State Council’s holiday notice for 2040 is not loaded yet/);
    // Entered in 2030 (Beijing: 2029-12-31T16:30Z is 00:30 on 2030-01-01), counted from then: 2030 alone.
    expect(provisionalNote(shipped, { dueDate: '2030-01-15', enteredAt: '2029-12-31T16:30:00.000Z' }, 'zh')).toMatch(/^2030 年的/);
    // Entered in 2029's last week, due in 2030: both years can move it.
    expect(provisionalNote(shipped, { dueDate: '2030-01-15', enteredAt: '2029-12-27T02:00:00.000Z' }, 'zh')).toMatch(/^2029–2030 年的/);
  });
});
