/**
 * 机构改革 and the `org` filters of reports and the case list. The organisation that took over an
 * abolished one's duties finds the old one's open tasks in its inbox and the old one's cases in its
 * case list (predecessorsOf); a supervisor who filters a report or the case list by that organisation
 * asks "what is overdue for this unit", and must get what its inbox holds — an empty report reads as
 * "nothing overdue" (第十九条 通报). And an old unit whose stages a supervisor's report counts (县改区:
 * the new district answers for the old county's unit) may be asked for by name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApi } from './harness.js';
import { acrossReform, type Org } from './reform.js';
import { actors, startInputs } from '../machines/examples.js';

const MERGED = '370100-zhzfj';

describe('given an objection to 济南市公安局 open past its deadline, whose duties passed to 济南市综合执法局 (370100-zhzfj)', () => {
  let reformed: Awaited<ReturnType<typeof acrossReform>>;
  let api: TestApi;
  let id: string;
  beforeAll(async () => {
    reformed = await acrossReform([], (shipped) => shipped.flatMap((o) => (o.code === '370100-gaj' ? [{ ...o, successor: MERGED }, { ...o, code: MERGED, name: '济南市综合执法局' }] : [o])), async (before) => {
      const res = await before.call('POST', '/v1/cases', { as: await before.token('applicant', actors.company.org, actors.company.sub), body: { process: 'objection', input: startInputs.objection } });
      expect(res.status, res.text).toBe(201);
      id = res.body.id;
    });
    api = reformed.api;
    await api.call('PUT', '/v1/test/clock', { as: await api.token('admin', '370000-dsj'), body: { now: '2026-05-01T02:00:00Z' } });
  });
  afterAll(() => reformed.close());

  it('then the successor’s inbox holds the overdue task (as it should)', async () => {
    const inbox = await api.call('GET', '/v1/inbox?overdue=true', { as: await api.token('provider', MERGED) });
    expect(inbox.body.items.map((i: { caseId: string }) => i.caseId)).toEqual([id]);
  });

  it('when 济南’s supervisor asks the overdue report and the on-time rates for org=370100-zhzfj, then they hold that overdue task, not "nothing overdue"', async () => {
    const as = await api.token('supervisor', '370100-dsj');
    const overdue = await api.call('GET', `/v1/reports/overdue?org=${MERGED}`, { as });
    expect(overdue.status).toBe(200);
    expect(overdue.body.items.map((i: { caseId: string }) => i.caseId)).toEqual([id]);
    const sla = await api.call('GET', `/v1/reports/sla?groupBy=org&org=${MERGED}`, { as });
    expect((sla.body.rows as { openOverdue: number }[]).reduce((n, r) => n + r.openOverdue, 0)).toBe(1);
  });

  it('when the case list is filtered by org=370100-zhzfj (by 济南’s supervisor, or by 济南市综合执法局 itself), then it holds the case, as the unfiltered list does', async () => {
    for (const as of [await api.token('supervisor', '370100-dsj'), await api.token('provider', MERGED)]) {
      expect((await api.call('GET', '/v1/cases', { as })).body.items.map((i: { id: string }) => i.id)).toEqual([id]);
      expect((await api.call('GET', `/v1/cases?org=${MERGED}`, { as })).body.items.map((i: { id: string }) => i.id)).toEqual([id]);
    }
  });
});

/** 县改区: 章丘市 (370181, no 大数据局 of its own in the directory) became 济南市章丘区 (370114); see countyRecoded.test.ts. */
const ZHANGQIU: Org[] = [{ code: '370181-scjgj', name: '章丘市市场监督管理局', kind: 'provider', level: 'county', region: '370181' }];
const DISTRICT: Org[] = [
  { ...ZHANGQIU[0]!, successor: '370114-scjgj' },
  { code: '370114-dsj', name: '济南市章丘区大数据局', kind: 'authority', level: 'county', region: '370114' },
  { code: '370114-scjgj', name: '济南市章丘区市场监督管理局', kind: 'provider', level: 'county', region: '370114' },
];

describe('given an objection to 章丘市市场监督管理局 open past its deadline when 章丘市 became 济南市章丘区', () => {
  let reformed: Awaited<ReturnType<typeof acrossReform>>;
  let api: TestApi;
  let id: string;
  beforeAll(async () => {
    reformed = await acrossReform(ZHANGQIU, DISTRICT, async (before) => {
      const res = await before.call('POST', '/v1/cases', { as: await before.token('applicant', actors.company.org, actors.company.sub), body: { process: 'objection', input: { ...startInputs.objection, providerOrg: '370181-scjgj' } } });
      expect(res.status, res.text).toBe(201);
      id = res.body.id;
    });
    api = reformed.api;
    await api.call('PUT', '/v1/test/clock', { as: await api.token('admin', '370000-dsj'), body: { now: '2026-05-01T02:00:00Z' } });
  });
  afterAll(() => reformed.close());

  it('when 章丘区’s supervisor, whose overdue report counts the old unit’s task, asks for org=370181-scjgj, then it is answered with that task, not 403 "不在您的辖区"', async () => {
    const as = await api.token('supervisor', '370114-dsj');
    const all = await api.call('GET', '/v1/reports/overdue', { as });
    expect(all.body.items.map((i: { caseId: string; org: string }) => [i.caseId, i.org])).toEqual([[id, '370181-scjgj']]);
    const one = await api.call('GET', '/v1/reports/overdue?org=370181-scjgj', { as });
    expect([one.status, one.body.detail]).toEqual([200, undefined]);
    expect(one.body.items.map((i: { caseId: string }) => i.caseId)).toEqual([id]);
    const sla = await api.call('GET', '/v1/reports/sla?org=370181-scjgj', { as });
    expect(sla.status).toBe(200);
  });
});
