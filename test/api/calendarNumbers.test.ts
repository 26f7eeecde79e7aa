/**
 * A count of working days, and a year, are written in decimal digits: `GET /v1/calendar/deadline`
 * read `workingDays=0x10` as 16 and `1e3` as 1000 (JavaScript's Number), and `GET /v1/calendar/0x7EA`
 * answered 2026; a number too large for any integer was refused twice, once in zod's words
 * ("数值过大：期望 int <=9007199254740991"), in English "must not be greater than 9007199254740991".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
let applicant: string;
beforeAll(async () => {
  api = await startTestApi({ now: '2026-12-02T01:00:00.000Z' });
  applicant = await api.token('applicant', '91370100MA3C5ABC1B');
});
afterAll(() => api.close());

const ask = (url: string, lang?: string) => api.call('GET', url, { as: applicant, ...(lang ? { headers: { 'accept-language': lang } } : {}) });

describe('GET /v1/calendar/deadline: workingDays not written in decimal digits', () => {
  it.each(['0x10', '1e3', '+5', '%205', '5%20', '0b11', '5.'])('given workingDays=%s, when the deadline is asked, then 400 应为数字 naming querystring.workingDays, and must be a number in English', async (n) => {
    const zh = await ask(`/v1/calendar/deadline?from=2026-12-02&workingDays=${n}`);
    expect(zh.status).toBe(400);
    expect(zh.body.errors).toEqual([{ path: 'querystring.workingDays', message: '应为数字' }]);
    const en = await ask(`/v1/calendar/deadline?from=2026-12-02&workingDays=${n}`, 'en');
    expect(en.body.errors).toEqual([{ path: 'querystring.workingDays', message: 'must be a number' }]);
  });

  it.each([
    ['20 nines (past the safe integers)', '99999999999999999999'],
    ['400 nines (past any double)', '9'.repeat(400)],
  ])('given workingDays of %s, then one message: 不大于 3650', async (_what, n) => {
    const res = await ask(`/v1/calendar/deadline?from=2026-12-02&workingDays=${n}`);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'querystring.workingDays', message: '不大于 3650' }]);
  });

  it.each(['-0', '-00'])('given workingDays=%s, then 400 不小于 0, as its sign says (changes QA: it was read as 0)', async (n) => {
    const res = await ask(`/v1/calendar/deadline?from=2026-12-02&workingDays=${n}`);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'querystring.workingDays', message: '不小于 0' }]);
  });

  it('given workingDays=05 and 3650, then they are counted (decimal digits, a leading zero allowed)', async () => {
    expect((await ask('/v1/calendar/deadline?from=2026-12-02&workingDays=05')).body.dueDate).toBe('2026-12-09');
    expect((await ask('/v1/calendar/deadline?from=2026-12-02&workingDays=3650')).status).toBe(422); // past 2027: CALENDAR_NOT_COVERED
  });
});

describe('GET /v1/calendar/:year: a year not written in decimal digits', () => {
  it.each(['0x7EA', '2.026e3', '+2026'])('given /v1/calendar/%s, then 400 应为数字 naming params.year', async (year) => {
    const res = await ask(`/v1/calendar/${year}`);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'params.year', message: '应为数字' }]);
  });

  it.each([
    ['02027', '应为整数，不带前导零', 'must be a whole number without leading zeros'],
    ['2027.0', '应为整数', 'must be a whole number'],
  ])('given /v1/calendar/%s (a year written otherwise: compliance QA, PUT through it loaded a notice), then 400 %s naming params.year, in English too', async (year, zh, en) => {
    expect((await ask(`/v1/calendar/${year}`)).body.errors).toEqual([{ path: 'params.year', message: zh }]);
    expect((await ask(`/v1/calendar/${year}`, 'en')).body.errors).toEqual([{ path: 'params.year', message: en }]);
  });

  it('given /v1/calendar/99999999999999999999, then one message: 不大于 2200', async () => {
    const res = await ask('/v1/calendar/99999999999999999999');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'params.year', message: '不大于 2200' }]);
  });
});

describe('a position past any integer', () => {
  it('given minPosition=99999999999999999999, then one message naming the bound, in Chinese as in English (not zod\'s 期望 int)', async () => {
    const zh = await ask('/v1/calendar/2026?minPosition=99999999999999999999');
    expect(zh.status).toBe(400);
    expect(zh.body.errors).toEqual([{ path: 'querystring.minPosition', message: '不大于 9007199254740991' }]);
    expect((await ask('/v1/calendar/2026?minPosition=99999999999999999999', 'en')).body.errors).toEqual([{ path: 'querystring.minPosition', message: 'must not be greater than 9007199254740991' }]);
  });
});
