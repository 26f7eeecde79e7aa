/**
 * Report periods and file names as people in Shandong count days (Asia/Shanghai), and periods that
 * end before they start refused (API.md "Work and reports"): given the clock, when a supervisor or
 * an auditor asks, then these periods and names, or 400 naming `to`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInputs } from '../machines/examples.js';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
let supervisor: string;
let auditor: string;
beforeAll(async () => {
  // 2027-01-01 03:00 in Beijing: still 2026-12-31 in UTC.
  api = await startTestApi({ now: '2026-12-31T19:00:00.000Z' });
  supervisor = await api.token('supervisor', '370000-dsj');
  auditor = await api.token('auditor', '370000-dsj');
});
afterAll(() => api.close());

describe('the on-time report’s default period', () => {
  it('given 03:00 on 1 January in Beijing, when no period is given, then it is the new year so far', async () => {
    const res = await api.call('GET', '/v1/reports/sla?groupBy=process', { as: supervisor });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: '2026-12-31T16:00:00.000Z', to: '2026-12-31T19:00:00.000Z' });
  });

  it('when only `to` is given, then the period is the calendar year that `to` ends', async () => {
    const res = await api.call('GET', `/v1/reports/sla?to=${encodeURIComponent('2026-07-01T00:00:00+08:00')}`, { as: supervisor });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: '2025-12-31T16:00:00.000Z', to: '2026-06-30T16:00:00.000Z' });
    const endOfYear = await api.call('GET', `/v1/reports/sla?to=${encodeURIComponent('2027-01-01T00:00:00+08:00')}`, { as: supervisor });
    expect(endOfYear.body).toMatchObject({ from: '2025-12-31T16:00:00.000Z', to: '2026-12-31T16:00:00.000Z' });
  });
});

describe('CSV and NDJSON file names carry Beijing dates', () => {
  it('the overdue report as of 03:00 on 1 January 2027 is named for 2027-01-01', async () => {
    const res = await api.call('GET', '/v1/reports/overdue?format=csv', { as: supervisor });
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="overdue-2027-01-01.csv"');
  });

  it('the on-time report is named by the first and the last day its period covers (`to` is the first instant after it)', async () => {
    const half = await api.call('GET', `/v1/reports/sla?format=csv&from=${encodeURIComponent('2026-01-01T00:00:00+08:00')}&to=${encodeURIComponent('2026-07-01T00:00:00+08:00')}`, { as: supervisor });
    expect(half.headers['content-disposition']).toBe('attachment; filename="sla-2026-01-01-2026-06-30.csv"');
    const year = await api.call('GET', `/v1/reports/sla?format=csv&from=${encodeURIComponent('2026-01-01T00:00:00+08:00')}&to=${encodeURIComponent('2027-01-01T00:00:00+08:00')}`, { as: supervisor });
    expect(year.headers['content-disposition']).toBe('attachment; filename="sla-2026-01-01-2026-12-31.csv"');
  });

  // Supervisors' QA: the province's report of Jinan and of the whole province, or one of statutory
  // deadlines only, downloaded on one day, were files of one name.
  it('given filters, then the file name says them before its date (region, organisation, process, basis, and the overdue report’s period of stages entered), and without them it is as before', async () => {
    const overdue = await api.call('GET', '/v1/reports/overdue?format=csv&region=370100&process=objection&basis=statute', { as: supervisor });
    expect(overdue.headers['content-disposition']).toBe('attachment; filename="overdue-370100-objection-statute-2027-01-01.csv"');
    const byOrg = await api.call('GET', '/v1/reports/overdue?format=csv&table=byOrg&org=370100-gaj', { as: supervisor });
    expect(byOrg.headers['content-disposition']).toBe('attachment; filename="overdue-by-org-370100-gaj-2027-01-01.csv"');
    const period = `from=${encodeURIComponent('2026-01-01T00:00:00+08:00')}&to=${encodeURIComponent('2026-07-01T00:00:00+08:00')}`;
    // Year-end QA: the overdue report of stages entered in a period was named as the whole one of that day.
    const entered = await api.call('GET', `/v1/reports/overdue?format=csv&region=370100&${period}`, { as: supervisor });
    expect(entered.headers['content-disposition']).toBe('attachment; filename="overdue-370100-2026-01-01-2026-06-30-as-of-2027-01-01.csv"');
    const since = await api.call('GET', `/v1/reports/overdue?format=csv&from=${encodeURIComponent('2026-07-01T00:00:00+08:00')}`, { as: supervisor });
    expect(since.headers['content-disposition']).toBe('attachment; filename="overdue-from-2026-07-01-as-of-2027-01-01.csv"');
    const until = await api.call('GET', `/v1/reports/overdue?format=csv&to=${encodeURIComponent('2026-07-01T00:00:00+08:00')}`, { as: supervisor });
    expect(until.headers['content-disposition']).toBe('attachment; filename="overdue-to-2026-06-30-as-of-2027-01-01.csv"');
    const sla = await api.call('GET', `/v1/reports/sla?format=csv&groupBy=stage&basis=statute&region=370100&${period}`, { as: supervisor });
    expect(sla.headers['content-disposition']).toBe('attachment; filename="sla-by-stage-370100-statute-2026-01-01-2026-06-30.csv"');
  });

  it('given the on-time report by process or by stage, then its file is named so, apart from the one by organisation of the same period (a browser would save the second as "… (1).csv")', async () => {
    const period = `from=${encodeURIComponent('2026-01-01T00:00:00+08:00')}&to=${encodeURIComponent('2026-07-01T00:00:00+08:00')}`;
    const names = [];
    for (const groupBy of ['org', 'process', 'stage']) {
      names.push((await api.call('GET', `/v1/reports/sla?format=csv&groupBy=${groupBy}&${period}`, { as: supervisor })).headers['content-disposition']);
    }
    expect(names).toEqual([
      'attachment; filename="sla-2026-01-01-2026-06-30.csv"',
      'attachment; filename="sla-by-process-2026-01-01-2026-06-30.csv"',
      'attachment; filename="sla-by-stage-2026-01-01-2026-06-30.csv"',
    ]);
  });

  it('given minPosition, then the answer says how far the read models had come; without it, nothing is said', async () => {
    const head = await api.app.store.headPosition();
    const res = await api.call('GET', `/v1/reports/overdue?minPosition=${head}`, { as: supervisor });
    expect(res.headers['x-read-models-position']).toBe(String(head));
    const list = await api.call('GET', `/v1/cases?minPosition=${head}`, { as: supervisor });
    expect(list.headers['x-read-models-position']).toBe(String(head));
    expect((await api.call('GET', '/v1/reports/overdue', { as: supervisor })).headers['x-read-models-position']).toBeUndefined();
  });

  it('the audit export of a Beijing day is named for that day', async () => {
    const res = await api.call('GET', `/v1/audit/export?from=${encodeURIComponent('2026-03-02T00:00:00+08:00')}&to=${encodeURIComponent('2026-03-02T23:59:59+08:00')}`, { as: auditor });
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="audit-2026-03-02-2026-03-02.ndjson"');
  });
});

describe('a period that ends before it starts', () => {
  const backwards = `from=${encodeURIComponent('2026-06-30T00:00:00Z')}&to=${encodeURIComponent('2026-01-01T00:00:00Z')}`;

  it.each(['/v1/reports/overdue', '/v1/reports/sla', '/v1/audit/export'])('%s answers 400 VALIDATION_FAILED naming `to`, in Chinese', async (path) => {
    const as = path === '/v1/audit/export' ? auditor : supervisor;
    const res = await api.call('GET', `${path}?${backwards}`, { as });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'querystring.to', message: '结束时间须晚于开始时间：时间段含 from，不含 to' })]);
  });

  it.each(['/v1/reports/overdue', '/v1/reports/sla', '/v1/audit/export'])('%s with a `from` that is no instant names `from` alone, not also `to` as before it', async (path) => {
    const as = path === '/v1/audit/export' ? auditor : supervisor;
    const res = await api.call('GET', `${path}?from=garbage&to=${encodeURIComponent('2027-01-01T00:00:00Z')}`, { as });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['querystring.from']);
  });

  it.each(['/v1/reports/overdue', '/v1/reports/sla', '/v1/audit/export'])('%s with a `to` past the year 9999 (its UTC form has six digits of year) answers 400 naming `to`, not an empty answer', async (path) => {
    const as = path === '/v1/audit/export' ? auditor : supervisor;
    const res = await api.call('GET', `${path}?from=${encodeURIComponent('2026-01-01T00:00:00Z')}&to=${encodeURIComponent('9999-12-31T23:59:59-01:00')}`, { as });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'querystring.to', message: '须在 0000 至 9999 年之间：9999-12-31T23:59:59-01:00' })]);
    const en = await api.call('GET', `${path}?from=${encodeURIComponent('2026-01-01T00:00:00Z')}&to=${encodeURIComponent('9999-12-31T23:59:59-01:00')}`, { as, headers: { 'accept-language': 'en' } });
    expect(en.body.errors).toEqual([expect.objectContaining({ message: 'must be in the years 0000 to 9999: 9999-12-31T23:59:59-01:00' })]);
  });

  // A period holds its `from` and not its `to`: one that ends where it starts holds nothing. Answered,
  // it read as if that day had been looked at: an on-time CSV of zeros named sla-2026-06-30-2026-06-30,
  // an empty export that verify-export then failed without saying why.
  it.each(['/v1/reports/overdue', '/v1/reports/sla', '/v1/audit/export'])('%s for a period of one instant (from = to) answers 400 naming `to`, in Chinese and in English, not an empty answer', async (path) => {
    const as = path === '/v1/audit/export' ? auditor : supervisor;
    const at = encodeURIComponent('2026-06-30T00:00:00+08:00');
    const res = await api.call('GET', `${path}?from=${at}&to=${at}`, { as });
    expect([res.status, res.body.errors]).toEqual([400, [{ path: 'querystring.to', message: '结束时间须晚于开始时间：时间段含 from，不含 to' }]]);
    const en = await api.call('GET', `${path}?from=${at}&to=${at}`, { as, headers: { 'accept-language': 'en' } });
    expect(en.body.errors).toEqual([{ path: 'querystring.to', message: 'the end must be after the start: a period includes from and excludes to' }]);
  });
});

describe('a report taken at an instant ahead of now (the clock reads 2026-12-31T19:00Z)', () => {
  it('an overdue report as of 2028 answers 400 naming asOf: a deadline not reached yet is not past', async () => {
    const res = await api.call('GET', '/v1/reports/overdue?asOf=2028-06-01T00:00:00Z', { as: supervisor });
    expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(res.body.errors).toEqual([{ path: 'querystring.asOf', message: '不得晚于当前时间' }]);
    const en = await api.call('GET', '/v1/reports/overdue?asOf=2028-06-01T00:00:00Z', { as: supervisor, headers: { 'accept-language': 'en' } });
    expect(en.body.errors).toEqual([{ path: 'querystring.asOf', message: 'must not be after the current time' }]);
  });

  it('an asOf a few minutes ahead (a client clock running fast) is taken as now', async () => {
    const res = await api.call('GET', '/v1/reports/overdue?asOf=2026-12-31T19:05:00Z', { as: supervisor });
    expect(res.status).toBe(200);
    expect(res.body.asOf).toBe('2026-12-31T19:00:00.000Z');
  });

  it('an on-time report whose period ends ahead counts the tasks open past their deadline now, not at its end', async () => {
    const res = await api.call('GET', `/v1/reports/sla?from=${encodeURIComponent('2026-01-01T00:00:00+08:00')}&to=${encodeURIComponent('2027-02-01T00:00:00+08:00')}`, { as: supervisor });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ to: '2027-01-31T16:00:00.000Z', asOf: '2026-12-31T19:00:00.000Z' });
  });

  it.each(['/v1/reports/overdue', '/v1/audit/export'])('%s for a period that begins ahead of now answers 400 naming from, as the on-time report does; a from a few minutes ahead is taken', async (path) => {
    const as = path === '/v1/audit/export' ? auditor : supervisor;
    const ahead = await api.call('GET', `${path}?from=${encodeURIComponent('2030-01-01T00:00:00Z')}&to=${encodeURIComponent('2031-01-01T00:00:00Z')}`, { as });
    expect([ahead.status, ahead.body.errors]).toEqual([400, [{ path: 'querystring.from', message: '不得晚于当前时间' }]]);
    const skewed = await api.call('GET', `${path}?from=${encodeURIComponent('2026-12-31T19:05:00Z')}&to=${encodeURIComponent('2027-01-01T00:00:00Z')}`, { as });
    expect(skewed.status).toBe(200);
  });

  it('an on-time report from a moment ahead, with no `to` (the period would end now, before it starts), answers 400 naming from', async () => {
    const res = await api.call('GET', `/v1/reports/sla?from=${encodeURIComponent('2027-03-01T00:00:00+08:00')}`, { as: supervisor });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'querystring.from', message: '不得晚于当前时间' }]);
  });

  it('an on-time report whose whole period lies ahead answers 400 naming from; a from a few minutes ahead is taken as now, never after its end', async () => {
    const ahead = await api.call('GET', `/v1/reports/sla?from=${encodeURIComponent('2028-01-01T00:00:00Z')}&to=${encodeURIComponent('2029-01-01T00:00:00Z')}`, { as: supervisor });
    expect(ahead.body.errors).toEqual([{ path: 'querystring.from', message: '不得晚于当前时间' }]);
    const skewed = await api.call('GET', `/v1/reports/sla?from=${encodeURIComponent('2026-12-31T19:05:00Z')}`, { as: supervisor });
    expect(skewed.status).toBe(200);
    expect(skewed.body).toMatchObject({ from: '2026-12-31T19:00:00.000Z', to: '2026-12-31T19:00:00.000Z' });
  });

  it('an on-time report with a `to` in a year not begun and no `from` (its period would start on 1 January of that year) answers 400 naming to, not an empty report', async () => {
    const res = await api.call('GET', `/v1/reports/sla?to=${encodeURIComponent('2028-03-01T00:00:00Z')}`, { as: supervisor });
    expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(res.body.errors).toEqual([{ path: 'querystring.to', message: '所在年份尚未开始：未给出 from 时，时间段从 to 所在年份的 1 月 1 日起算' }]);
    const en = await api.call('GET', `/v1/reports/sla?to=${encodeURIComponent('2028-03-01T00:00:00Z')}`, { as: supervisor, headers: { 'accept-language': 'en' } });
    expect(en.body.errors).toEqual([{ path: 'querystring.to', message: 'its year has not begun: without from, the period starts on 1 January of the year of to' }]);
  });

  it('five minutes before a new year in Beijing, a `to` in that year and no `from` (a client clock running fast) counts from now, never from after its asOf', async () => {
    const was = api.clock.now();
    api.clock.set('2026-12-31T15:55:00.000Z');
    try {
      const res = await api.call('GET', `/v1/reports/sla?to=${encodeURIComponent('2027-01-05T00:00:00+08:00')}`, { as: supervisor });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ from: '2026-12-31T15:55:00.000Z', asOf: '2026-12-31T15:55:00.000Z' });
    } finally {
      api.clock.set(was);
    }
  });

  it('a `to` in the last hours of 9999 (year 10000 in Beijing) and no `from` answers 400 naming to, not a period from year 1000', async () => {
    const res = await api.call('GET', `/v1/reports/sla?to=${encodeURIComponent('9999-12-31T23:59:59Z')}`, { as: supervisor });
    expect([res.status, res.body.errors]).toEqual([400, [{ path: 'querystring.to', message: '所在年份尚未开始：未给出 from 时，时间段从 to 所在年份的 1 月 1 日起算' }]]);
  });

  it('a case history as of a moment ahead answers 400 naming asOf (it would show deadlines missed that have not been)', async () => {
    const applicant = await api.token('applicant', '91370100MA3C8K2D0E');
    const started = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: startInputs.objection } });
    const res = await api.call('GET', `/v1/cases/${started.body.id}/history?asOf=2099-02-10T10:00:00Z`, { as: applicant });
    expect([res.status, res.body.errors]).toEqual([400, [{ path: 'querystring.asOf', message: '不得晚于当前时间' }]]);
  });

  it('an offset whose + was not written %2B (it arrives as a space) is told so', async () => {
    const res = await api.call('GET', '/v1/reports/overdue?asOf=2026-12-31T10:00:00+08:00', { as: supervisor });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toContain('%2B');
  });
});
