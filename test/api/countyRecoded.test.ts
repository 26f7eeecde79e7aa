/**
 * 机构改革 at county level: 莱芜市 (371200) was merged into 济南市 in 2019 and its 莱城区 re-coded
 * 371202 → 370116 (济南市莱芜区). Cases stored naming 莱城区's units keep their codes; the directory
 * keeps the old entries with `successor`. The work of a case whose county provider was re-coded
 * falls to the authorities of the successor's level and region: 本级 its new county bureau
 * (第十四条(二)), 市级以上 its new city's (第八条第二款).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role, TestApi } from './harness.js';
import { acrossReform, type Org } from './reform.js';
import { actors, commandData, startInputs } from '../machines/examples.js';


const LAIWU: Org[] = [
  { code: '371200-dsj', name: '莱芜市大数据局', kind: 'authority', level: 'city', region: '371200' },
  { code: '371202-dsj', name: '莱芜市莱城区大数据局', kind: 'authority', level: 'county', region: '371202' },
  { code: '371202-scjgj', name: '莱芜市莱城区市场监督管理局', kind: 'provider', level: 'county', region: '371202' },
];
const MERGED: Org[] = [
  ...LAIWU.map((o) => ({ ...o, successor: o.code === '371200-dsj' ? '370100-dsj' : o.code.replace('371202', '370116') })),
  { code: '370116-dsj', name: '济南市莱芜区大数据局', kind: 'authority', level: 'county', region: '370116' },
  { code: '370116-scjgj', name: '济南市莱芜区市场监督管理局', kind: 'provider', level: 'county', region: '370116' },
];

describe('given a conditional application and a list adjustment of 莱城区市场监督管理局 (371202), open when 莱芜 merged into 济南 and 莱城区 became 莱芜区 (370116)', () => {
  let api: TestApi;
  let reformed: Awaited<ReturnType<typeof acrossReform>>;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    reformed = await acrossReform(LAIWU, MERGED, async (before) => {
      const applicant = await before.token('applicant', actors.company.org, actors.company.sub);
      const input = startInputs.conditionalApplication;
      const ca = await before.call('POST', '/v1/cases', { as: applicant, body: { process: 'conditionalApplication', input: { ...input, resource: { ...input.resource, providerOrg: '371202-scjgj' } } } });
      const la = await before.call('POST', '/v1/cases', { as: await before.token('provider', '371202-scjgj'), body: { process: 'listAdjustment', input: { ...startInputs.listAdjustment, providerOrg: '371202-scjgj' } } });
      expect([ca.status, la.status]).toEqual([201, 201]);
      ids.conditionalApplication = ca.body.id;
      ids.listAdjustment = la.body.id;
    });
    api = reformed.api;
  });
  afterAll(() => reformed.close());

  const send = async (role: Role, org: string, process: string, type: string) =>
    (await api.call('POST', `/v1/cases/${ids[process]}/commands`, { as: await api.token(role, org), body: { type, data: { opinion: '同意。' } } })).status;

  it('then 济南市莱芜区大数据局 (本级 now) sees the application, finds its normative review in its inbox, and may pass it (第十四条(二)); 济南市大数据局 may not', async () => {
    const county = await api.token('authority', '370116-dsj');
    expect((await api.call('GET', `/v1/cases/${ids.conditionalApplication}`, { as: county })).status).toBe(200);
    // Its case list says as the case read does.
    const listed = await api.call('GET', '/v1/cases', { as: county });
    expect(listed.body.items.map((i: { id: string }) => i.id).sort()).toEqual([ids.conditionalApplication, ids.listAdjustment].sort());
    const inbox = await api.call('GET', '/v1/inbox', { as: county });
    expect(inbox.body.items.map((i: { caseId: string }) => i.caseId)).toContain(ids.conditionalApplication);
    expect(await send('authority', '370100-dsj', 'conditionalApplication', 'PASS_NORMATIVE_REVIEW')).toBe(403);
    expect(await send('authority', '370116-dsj', 'conditionalApplication', 'PASS_NORMATIVE_REVIEW')).toBe(200);
  });

  it('then 济南市大数据局 (市级以上 now, with the province) may decide the list adjustment (第八条第二款); 济南市莱芜区大数据局 sees it but may not', async () => {
    expect(await send('authority', '370116-dsj', 'listAdjustment', 'APPROVE')).toBe(403);
    expect(await send('authority', '370100-dsj', 'listAdjustment', 'APPROVE')).toBe(200);
  });
});

/**
 * 县改区 inside a city that still exists: 章丘市 (370181) became 济南市章丘区 (370114). The directory
 * never had a 大数据局 of 章丘市 (so no region is taken over); its 市场监督管理局 is kept with the new
 * district's as `successor`. The new district's supervisors see its cases, and their reports count
 * the old unit's stages as they count their own units' (第十九条 通报); 济南's count them as before.
 */
const ZHANGQIU: Org[] = [{ code: '370181-scjgj', name: '章丘市市场监督管理局', kind: 'provider', level: 'county', region: '370181' }];
const DISTRICT: Org[] = [
  { ...ZHANGQIU[0]!, successor: '370114-scjgj' },
  { code: '370114-dsj', name: '济南市章丘区大数据局', kind: 'authority', level: 'county', region: '370114' },
  { code: '370114-scjgj', name: '济南市章丘区市场监督管理局', kind: 'provider', level: 'county', region: '370114' },
];

describe('given two objections to 章丘市市场监督管理局 (370181) stored before 章丘市 became 济南市章丘区 (370114), one answered late, one open past its deadline', () => {
  let api: TestApi;
  let reformed: Awaited<ReturnType<typeof acrossReform>>;
  let open: string;
  let late: string;
  beforeAll(async () => {
    reformed = await acrossReform(ZHANGQIU, DISTRICT, async (before) => {
      const as = await before.token('applicant', actors.company.org, actors.company.sub);
      const start = async () => (await before.call('POST', '/v1/cases', { as, body: { process: 'objection', input: { ...startInputs.objection, providerOrg: '370181-scjgj' } } })).body.id as string;
      open = await start();
      late = await start();
    });
    api = reformed.api;
    const admin = await api.token('admin', '370000-dsj');
    await api.call('PUT', '/v1/test/clock', { as: admin, body: { now: '2026-04-10T02:00:00Z' } });
    const respond = await api.call('POST', `/v1/cases/${late}/commands`, { as: await api.token('provider', '370114-scjgj'), body: { type: 'RESPOND', data: commandData.objection.RESPOND } });
    expect(respond.status).toBe(200);
    await api.call('PUT', '/v1/test/clock', { as: admin, body: { now: '2026-04-11T02:00:00Z' } });
  });
  afterAll(() => reformed.close());

  const as = (org: string) => api.token('supervisor', org);
  const stages = async (org: string) =>
    ((await api.call('GET', '/v1/reports/overdue', { as: await as(org) })).body.items as { caseId: string; org: string; status: string }[])
      .filter((i) => i.org === '370181-scjgj')
      .map((i) => `${i.caseId === open ? 'open' : i.caseId === late ? 'late' : i.caseId} ${i.status}`)
      .sort();
  const row = async (org: string) =>
    ((await api.call('GET', '/v1/reports/sla', { as: await as(org) })).body.rows as { key: string }[]).find((r) => r.key === '370181-scjgj');

  it('then 章丘区’s supervisor sees both cases, read and listed alike', async () => {
    const supervisor = await as('370114-dsj');
    expect((await api.call('GET', `/v1/cases/${open}`, { as: supervisor })).status).toBe(200);
    const listed = (await api.call('GET', '/v1/cases', { as: supervisor })).body.items.map((i: { id: string }) => i.id);
    expect(listed.sort()).toEqual([open, late].sort());
  });

  it('then 章丘区’s supervisor’s overdue report holds the old unit’s two stages, and its on-time rates count them (第十九条), as 济南’s do; 历城区’s none', async () => {
    for (const org of ['370114-dsj', '370100-dsj']) {
      expect([org, await stages(org)]).toEqual([org, ['late finishedLate', 'open open']]);
      expect([org, await row(org)]).toEqual([org, expect.objectContaining({ name: '章丘市市场监督管理局（已撤销）', late: 1, onTimeRate: 0, openOverdue: 1 })]);
    }
    expect(await stages('370112-dsj')).toEqual([]);
    expect(await row('370112-dsj')).toBeUndefined();
  });
});
