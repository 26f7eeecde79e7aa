/**
 * 机构改革 at city level: 莱芜市 (371200) was merged into 济南市 (370100) in 2019. The directory keeps
 * 莱芜市大数据局 with `successor` 济南市大数据局; no authority is 371200's any more. An unopened-data
 * request addressed to 371200 (第十五条: 市级以上主管部门 reviews it) falls to the city that took the
 * region over — the abolished authority's successor's region — and to the province.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role, TestApi } from './harness.js';
import { acrossReform, type Org } from './reform.js';
import { actors, startInputs } from '../machines/examples.js';


const LAIWU: Org[] = [{ code: '371200-dsj', name: '莱芜市大数据局', kind: 'authority', level: 'city', region: '371200' }];
const MERGED: Org[] = [{ ...LAIWU[0]!, successor: '370100-dsj' }];
const toLaiwu = { ...startInputs.unopenedDataRequest, addressedRegion: '371200', coverage: { region: '371200' } };

describe('given an unopened-data request addressed to 莱芜市 (371200), stored before 莱芜 merged into 济南 (370100)', () => {
  let api: TestApi;
  let reformed: Awaited<ReturnType<typeof acrossReform>>;
  let id: string;
  let second: string;
  beforeAll(async () => {
    reformed = await acrossReform(LAIWU, MERGED, async (before) => {
      const applicant = await before.token('applicant', actors.company.org, actors.company.sub);
      const res = await before.call('POST', '/v1/cases', { as: applicant, body: { process: 'unopenedDataRequest', input: toLaiwu } });
      const res2 = await before.call('POST', '/v1/cases', { as: applicant, body: { process: 'unopenedDataRequest', input: { ...toLaiwu, resourceName: '莱芜市公共停车场实时泊位数据' } } });
      expect([res.status, res2.status]).toEqual([201, 201]);
      id = res.body.id;
      second = res2.body.id;
    });
    api = reformed.api;
  });
  afterAll(() => reformed.close());

  const sees = async (role: Role, org: string) => {
    const as = await api.token(role, org);
    const read = (await api.call('GET', `/v1/cases/${id}`, { as })).status;
    const listed = (await api.call('GET', '/v1/cases', { as })).body.items.some((i: { id: string }) => i.id === id);
    return [read, listed];
  };

  it('then 济南市大数据局, its supervisors and auditors see it, read and listed alike; 青岛市大数据局 does not', async () => {
    expect(await sees('authority', '370100-dsj')).toEqual([200, true]);
    expect(await sees('supervisor', '370100-dsj')).toEqual([200, true]);
    expect(await sees('auditor', '370100-dsj')).toEqual([200, true]);
    expect(await sees('authority', '370000-dsj')).toEqual([200, true]);
    expect(await sees('authority', '370200-dsj')).toEqual([404, false]);
    // A district of 济南 does not take over a city's requests.
    expect(await sees('authority', '370102-dsj')).toEqual([404, false]);
  });

  it('then 济南市大数据局 finds the normative review in its inbox and may pass it (第十五条, 市级以上 of the region that took 371200 over); 青岛市大数据局 may not', async () => {
    const jinan = await api.token('authority', '370100-dsj');
    const inbox = await api.call('GET', '/v1/inbox', { as: jinan });
    expect(inbox.body.items.map((i: { caseId: string }) => i.caseId)).toContain(id);
    const pass = async (org: string) =>
      (await api.call('POST', `/v1/cases/${id}/commands`, { as: await api.token('authority', org), body: { type: 'PASS_NORMATIVE_REVIEW', data: { providerOrg: '370100-gaj', opinion: '材料规范。' } } })).status;
    expect(await pass('370200-dsj')).toBe(404);
    expect(await pass('370100-dsj')).toBe(200);
  });

  it('then the province may still act on such a request', async () => {
    const res = await api.call('POST', `/v1/cases/${second}/commands`, { as: await api.token('authority', '370000-dsj'), body: { type: 'FAIL_NORMATIVE_REVIEW', data: { reason: '未填写数据项，无法确定需求范围。' } } });
    expect(res.status).toBe(200);
  });

  it('when an applicant addresses a NEW request to 371200 after the merger, then it is refused 422 (第六条) naming 济南市大数据局 and the region code 370100 to use', async () => {
    const applicant = await api.token('applicant', actors.company.org, actors.company.sub);
    const res = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'unopenedDataRequest', input: toLaiwu } });
    expect([res.status, res.body.rule, res.body.article]).toEqual([422, 'regionHasAuthority', '第六条']);
    expect(JSON.stringify(res.body)).toContain('莱芜市大数据局（371200-dsj）已撤销，其职责由济南市大数据局（370100-dsj）承接');
    expect(res.body.detail).toContain('：请向行政区划 370100 提出');
  });
});

describe('given requests addressed to 莱芜市 (371200) stored before the merger, whose normative reviews are now overdue (one open, one passed late)', () => {
  let api: TestApi;
  let reformed: Awaited<ReturnType<typeof acrossReform>>;
  let open: string;
  let late: string;
  beforeAll(async () => {
    reformed = await acrossReform(LAIWU, MERGED, async (before) => {
      const applicant = await before.token('applicant', actors.company.org, actors.company.sub);
      open = (await before.call('POST', '/v1/cases', { as: applicant, body: { process: 'unopenedDataRequest', input: toLaiwu } })).body.id;
      late = (await before.call('POST', '/v1/cases', { as: applicant, body: { process: 'unopenedDataRequest', input: { ...toLaiwu, resourceName: '莱芜市公共停车场实时泊位数据' } } })).body.id;
    });
    api = reformed.api;
    const admin = await api.token('admin', '370000-dsj');
    await api.call('PUT', '/v1/test/clock', { as: admin, body: { now: '2026-04-10T02:00:00Z' } });
    // 济南市大数据局 passes one review late; the other stays open past its due date.
    const pass = await api.call('POST', `/v1/cases/${late}/commands`, { as: await api.token('authority', '370100-dsj'), body: { type: 'PASS_NORMATIVE_REVIEW', data: { providerOrg: '370100-gaj', opinion: '材料规范。' } } });
    expect(pass.status).toBe(200);
    await api.call('PUT', '/v1/test/clock', { as: admin, body: { now: '2026-04-11T02:00:00Z' } });
  });
  afterAll(() => reformed.close());

  const report = async (org: string, path: string) => api.call('GET', path, { as: await api.token('supervisor', org) });
  // The review stages the report holds, by case: the open one overdue, the other finished late.
  const overdueIds = (body: { items: { caseId: string; stage: string; status: string }[] }) =>
    body.items.filter((i) => i.stage === 'normativeReview').map((i) => `${i.caseId === open ? 'open' : i.caseId === late ? 'late' : i.caseId} ${i.status}`).sort();
  const both = ['late finishedLate', 'open open'];
  type SlaRow = { key: string; name: string; late: number; onTimeRate: number | null; openOverdue: number };
  const laiwuRow = (body: { rows: SlaRow[] }) => body.rows.find((r) => r.key === '371200-dsj');

  it('then 济南’s supervisor’s overdue report holds both reviews, in JSON and CSV, as it sees the case (第十九条)', async () => {
    for (const query of ['', '?region=370100']) {
      const res = await report('370100-dsj', `/v1/reports/overdue${query}`);
      expect(res.status).toBe(200);
      expect(overdueIds(res.body)).toEqual(both);
      const csv = await report('370100-dsj', `/v1/reports/overdue?format=csv${query ? '&region=370100' : ''}`);
      expect(csv.text).toContain(`${open},未开放数据需求申请,normativeReview,未开放数据需求申请材料规范性审查,莱芜市大数据局（已撤销）,371200-dsj,`);
      expect(csv.text).toContain(`${late},未开放数据需求申请,normativeReview,未开放数据需求申请材料规范性审查,莱芜市大数据局（已撤销）,371200-dsj,`);
    }
  });

  it('then 济南’s supervisor’s on-time rates count the late review and the open one', async () => {
    const res = await report('370100-dsj', '/v1/reports/sla');
    expect(res.status).toBe(200);
    expect(laiwuRow(res.body)).toEqual(expect.objectContaining({ name: '莱芜市大数据局（已撤销）', late: 1, onTimeRate: 0, openOverdue: 1 }));
  });

  it('then 济南’s supervisor may ask for region=371200 and is answered; 青岛’s may not and does not see them', async () => {
    const overdue = await report('370100-dsj', '/v1/reports/overdue?region=371200');
    expect(overdue.status).toBe(200);
    expect(overdueIds(overdue.body)).toEqual(both);
    const sla = await report('370100-dsj', '/v1/reports/sla?region=371200');
    expect(sla.status).toBe(200);
    expect(laiwuRow(sla.body)).toEqual(expect.objectContaining({ late: 1, openOverdue: 1 }));
    expect((await report('370200-dsj', '/v1/reports/overdue?region=371200')).status).toBe(403);
    expect((await report('370200-dsj', '/v1/reports/sla?region=371200')).status).toBe(403);
    expect(overdueIds((await report('370200-dsj', '/v1/reports/overdue')).body)).toEqual([]);
    expect(laiwuRow((await report('370200-dsj', '/v1/reports/sla')).body)).toBeUndefined();
    // A district of 济南 does not take over a city's requests.
    expect(overdueIds((await report('370102-dsj', '/v1/reports/overdue')).body)).toEqual([]);
  });

  it('then the province’s reports count them as before', async () => {
    expect(overdueIds((await report('370000-dsj', '/v1/reports/overdue')).body)).toEqual(both);
    expect(laiwuRow((await report('370000-dsj', '/v1/reports/sla')).body)).toEqual(expect.objectContaining({ late: 1, openOverdue: 1 }));
  });
});
