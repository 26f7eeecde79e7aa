/**
 * A report of use over HTTP (附录5 协议二(二) 可在……至……使用, conditionalApplication v6): it covers
 * days of the agreed use that have begun by the day it is sent. A report for 2027 on an agreement
 * whose use ends 2025-12-31 was stored (200) under v5.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agreementInUse, startTestApi, type TestApi } from './harness.js';

describe('REPORT_USAGE over HTTP (v6 and every later version)', () => {
  let api: TestApi;
  let applicant: string;
  let id: string;
  const report = (from: string, to: string) => ({ type: 'REPORT_USAGE', data: { period: { from, to }, summary: '本期累计调用接口 3 万次。' } });

  beforeAll(async () => {
    // Monday 2025-03-03, 09:30 Beijing: the examples' agreement lets the data be used 2025-03-01 to 2025-12-31.
    api = await startTestApi({ now: '2025-03-03T01:30:00.000Z' });
    ({ id, applicant } = await agreementInUse(api));
    // New cases start on the newest version; v6's rule stands in every version after it.
    expect((await api.call('GET', `/v1/cases/${id}`, { as: applicant })).body.version).toBeGreaterThanOrEqual(6);
  });
  afterAll(() => api.close());

  it.each([
    ['a year after the agreement ends', '2027-01-01', '2027-12-31'],
    ['a quarter not yet begun', '2025-04-01', '2025-06-30'],
  ])('given an agreement in use, when the applicant reports %s, then 422 RULE_VIOLATED usageWithinAgreedUse naming the days it may report', async (_what, from, to) => {
    const res = await api.call('POST', `/v1/cases/${id}/commands`, { as: applicant, body: report(from, to) });
    expect(res.status, res.text).toBe(422);
    expect(res.body).toMatchObject({ code: 'RULE_VIOLATED', rule: 'usageWithinAgreedUse', article: '附录5 协议二(二)' });
    expect(res.body.detail).toContain('2025-03-01 至 2025-03-03');
  });

  it('given an agreement in use, when the applicant reports its days up to today, then 200 UsageReported', async () => {
    const res = await api.call('POST', `/v1/cases/${id}/commands`, { as: applicant, body: report('2025-03-01', '2025-03-03') });
    expect(res.status, res.text).toBe(200);
    expect(res.body.event.type).toBe('UsageReported');
  });

  it('given a report stored, when the applicant sends another and reads the case, then its context lists both reports as an array, oldest first, each with when it came', async () => {
    const second = await api.call('POST', `/v1/cases/${id}/commands`, { as: applicant, body: { type: 'REPORT_USAGE', data: { period: { from: '2025-03-02', to: '2025-03-03' }, summary: '本期新增调用 2 千次。' } } });
    expect(second.status, second.text).toBe(200);
    const view = await api.call('GET', `/v1/cases/${id}`, { as: applicant });
    expect(view.status, view.text).toBe(200);
    expect(view.body.context.usageReports).toEqual([
      { period: { from: '2025-03-01', to: '2025-03-03' }, summary: '本期累计调用接口 3 万次。', at: expect.any(String) },
      { period: { from: '2025-03-02', to: '2025-03-03' }, summary: '本期新增调用 2 千次。', at: second.body.event.at },
    ]);
    expect(view.body.context.resultsReports).toEqual([]);
    expect(view.body.context.securityIncidents).toEqual([]);
  });
});
