/**
 * The county level, over HTTP: every process with a county provider, 济南市历下区市场监督管理局
 * (370102-scjgj). 本级 stages are 历下区大数据局's (第九条(二), 第十四条(二)), 市级以上 ones 济南市大数据局's
 * or the province's (第八条第二款, 第十五条), never the county bureau's; 历城区 (370112), another
 * county of Jinan, sees none of it (404); reports of the county and of its city count the county's units.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { startTestApi, type Role, type TestApi } from './harness.js';

const P = '370102-scjgj';
const COUNTY = '370102-dsj';
const CITY = '370100-dsj';
const PROVINCE = '370000-dsj';
const OTHER_COUNTY = '370112-dsj';
type Who = [Role, string];

describe('a county provider’s cases, process by process', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ now: '2026-03-02T02:00:00Z' });
  });
  afterAll(() => api.close());

  const start = async ([role, org]: Who, process: keyof typeof startInputs, input: unknown) => {
    const res = await api.call('POST', '/v1/cases', { as: await api.token(role, org, role === 'applicant' ? actors.company.sub : undefined), body: { process, input } });
    expect(res.status, res.text).toBe(201);
    return res.body.id as string;
  };
  /** Each caller sends `type`; all but the last are refused with their status, the last is accepted. */
  async function only(id: string, type: string, data: unknown, refused: [Who, number][], accepted: Who) {
    for (const [[role, org], status] of refused) {
      const res = await api.call('POST', `/v1/cases/${id}/commands`, { as: await api.token(role, org), body: { type, data } });
      expect([role, org, type, res.status]).toEqual([role, org, type, status]);
    }
    const res = await api.call('POST', `/v1/cases/${id}/commands`, { as: await api.token(...accepted), body: { type, data } });
    expect(res.status, res.text).toBe(200);
  }
  const inboxOf = async (role: Role, org: string) => (await api.call('GET', '/v1/inbox', { as: await api.token(role, org) })).body.items as { caseId: string; stage: string; org: string; orgName: string }[];
  const applicant: Who = ['applicant', actors.company.org];
  const provider: Who = ['provider', P];
  const outsiders: [Who, number][] = [[['authority', OTHER_COUNTY], 404], [['provider', '370112-scjgj'], 404], [['authority', '370202-dsj'], 404], [['supervisor', OTHER_COUNTY], 404]];

  it('datasetRelease: the county bureau alone reviews (本级); the city and the province see it and get 403', async () => {
    const id = await start(provider, 'datasetRelease', { ...startInputs.datasetRelease, providerOrg: P, coverage: { ...startInputs.datasetRelease.coverage, region: '370102' } });
    for (const t of ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES', 'SUBMIT'] as const) await only(id, t, (commandData.datasetRelease as Record<string, unknown>)[t], [], provider);
    expect((await inboxOf('authority', COUNTY)).filter((i) => i.caseId === id)).toMatchObject([{ stage: 'underReview', org: COUNTY, orgName: '济南市历下区大数据局' }]);
    await only(id, 'APPROVE', commandData.datasetRelease.APPROVE, [...outsiders, [['authority', CITY], 403], [['authority', PROVINCE], 403], [provider, 403], [['supervisor', COUNTY], 403]], ['authority', COUNTY]);
    await only(id, 'WITHDRAW', commandData.datasetRelease.WITHDRAW, [...outsiders, [['authority', CITY], 403]], ['authority', COUNTY]);
  });

  it('conditionalApplication: the county bureau’s normative review (第十四条(二)), the provider’s decision, and the access notice in the county bureau’s inbox', async () => {
    const input = startInputs.conditionalApplication;
    const id = await start(applicant, 'conditionalApplication', { ...input, resource: { ...input.resource, providerOrg: P, coverage: { ...input.resource.coverage, region: '370102' } } });
    await only(id, 'PASS_NORMATIVE_REVIEW', {}, [...outsiders, [['authority', CITY], 403], [['authority', PROVINCE], 403], [provider, 403]], ['authority', COUNTY]);
    await only(id, 'APPROVE', {}, [...outsiders, [['authority', COUNTY], 403]], provider);
    await only(id, 'SIGN_AGREEMENT', { ...commandData.conditionalApplication.SIGN_AGREEMENT, useFrom: '2026-03-02', useTo: '2026-03-31' }, [], provider);
    await only(id, 'GRANT_ACCESS', {}, [], provider);
    expect((await inboxOf('authority', COUNTY)).filter((i) => i.caseId === id)).toMatchObject([{ stage: 'accessGrantedNotice', org: COUNTY }]);
    expect((await inboxOf('authority', CITY)).some((i) => i.caseId === id)).toBe(false);
    await only(id, 'SUSPEND', commandData.conditionalApplication.SUSPEND, [...outsiders, [['authority', CITY], 403]], ['authority', COUNTY]);
  });

  it('unopenedDataRequest: addressed to Jinan (a county is no 市级以上 region: 400), the county bureau cannot see it until Jinan forwards it to the county provider (第十五条)', async () => {
    const refused = await api.call('POST', '/v1/cases', { as: await api.token(...applicant), body: { process: 'unopenedDataRequest', input: { ...startInputs.unopenedDataRequest, addressedRegion: '370102' } } });
    expect(refused.status).toBe(400);
    const id = await start(applicant, 'unopenedDataRequest', startInputs.unopenedDataRequest);
    const forward = { ...commandData.unopenedDataRequest.PASS_NORMATIVE_REVIEW, providerOrg: P };
    await only(id, 'PASS_NORMATIVE_REVIEW', forward, [...outsiders, [['authority', COUNTY], 404], [['supervisor', COUNTY], 404]], ['authority', CITY]);
    expect((await api.call('GET', `/v1/cases/${id}`, { as: await api.token('authority', COUNTY) })).status).toBe(200);
    await only(id, 'CONCLUDE_OPENABLE', commandData.unopenedDataRequest.CONCLUDE_OPENABLE, [...outsiders, [['authority', COUNTY], 403], [['authority', CITY], 403]], provider);
    await only(id, 'MARK_OPENED', commandData.unopenedDataRequest.MARK_OPENED, outsiders, provider);
  });

  it('listAdjustment: reviewed 市级以上 (第八条第二款) — by Jinan’s bureau, or the province — never by the county bureau, which sees it', async () => {
    const id = await start(provider, 'listAdjustment', { ...startInputs.listAdjustment, providerOrg: P });
    expect((await inboxOf('authority', CITY)).filter((i) => i.caseId === id)).toMatchObject([{ stage: 'review', org: CITY }]);
    expect((await inboxOf('authority', COUNTY)).some((i) => i.caseId === id)).toBe(false);
    await only(id, 'RETURN', commandData.listAdjustment.RETURN, [...outsiders, [['authority', COUNTY], 403], [provider, 403]], ['authority', PROVINCE]);
    await only(id, 'RESUBMIT', commandData.listAdjustment.RESUBMIT, outsiders, provider);
    await only(id, 'APPROVE', commandData.listAdjustment.APPROVE, [...outsiders, [['authority', COUNTY], 403]], ['authority', CITY]);
  });

  it('objection: the county provider answers; no bureau may', async () => {
    const id = await start(applicant, 'objection', { ...startInputs.objection, providerOrg: P });
    expect((await inboxOf('provider', P)).filter((i) => i.caseId === id)).toMatchObject([{ stage: 'handling', org: P, orgName: '济南市历下区市场监督管理局' }]);
    await only(id, 'RESPOND', commandData.objection.RESPOND, [...outsiders, [['authority', COUNTY], 403], [['authority', CITY], 403], [['authority', PROVINCE], 403]], provider);
  });
});

describe('reports of a county and of its city', () => {
  let api: TestApi;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    api = await startTestApi({ now: '2026-03-02T02:00:00Z' });
    const as = await api.token('applicant', actors.company.org, actors.company.sub);
    for (const org of [P, '370112-scjgj', '370100-gaj']) {
      ids[org] = (await api.call('POST', '/v1/cases', { as, body: { process: 'objection', input: { ...startInputs.objection, providerOrg: org } } })).body.id;
    }
    const input = startInputs.conditionalApplication;
    ids.review = (await api.call('POST', '/v1/cases', { as, body: { process: 'conditionalApplication', input: { ...input, resource: { ...input.resource, providerOrg: P } } } })).body.id;
    const admin = await api.token('admin', PROVINCE);
    await api.call('PUT', '/v1/test/clock', { as: admin, body: { now: '2026-04-10T02:00:00Z' } });
    // 历下区's unit answers 18 working days late; then a day passes.
    expect((await api.call('POST', `/v1/cases/${ids[P]}/commands`, { as: await api.token('provider', P), body: { type: 'RESPOND', data: commandData.objection.RESPOND } })).status).toBe(200);
    await api.call('PUT', '/v1/test/clock', { as: admin, body: { now: '2026-04-11T02:00:00Z' } });
  });
  afterAll(() => api.close());

  const overdue = async (org: string, query = '') => (await api.call('GET', `/v1/reports/overdue${query}`, { as: await api.token('supervisor', org) }));
  const caseIds = (body: { items: { caseId: string }[] }) => body.items.map((i) => i.caseId).sort();

  it.each([
    [COUNTY, '', ['review', P]],
    [CITY, '', ['review', P, '370112-scjgj', '370100-gaj']],
    [CITY, '?region=370102', ['review', P]],
    [CITY, '?region=370100', ['review', P, '370112-scjgj', '370100-gaj']],
    [OTHER_COUNTY, '', ['370112-scjgj']],
  ])('the overdue report of a supervisor of %s%s holds its region’s stages', async (org, query, cases) => {
    const res = await overdue(org, query);
    expect(res.status).toBe(200);
    expect(caseIds(res.body)).toEqual(cases.map((c) => ids[c]).sort());
  });

  it('a county supervisor may not ask for its city (403)', async () => {
    expect((await overdue(COUNTY, '?region=370100')).status).toBe(403);
    expect((await api.call('GET', '/v1/reports/sla?region=370100', { as: await api.token('supervisor', COUNTY) })).status).toBe(403);
  });

  it('the CSV rows and the on-time rates name the county’s units, for the county and for its city', async () => {
    for (const org of [COUNTY, CITY]) {
      const csv = (await overdue(org, '?format=csv')).text;
      expect(csv).toContain(`${ids.review},有条件开放数据获取申请,normativeReview,有条件开放数据申请材料规范性审查,济南市历下区大数据局,370102-dsj,`);
      expect(csv).toContain(`${ids[P]},开放数据异议与建议,handling,处理异议或建议并反馈,济南市历下区市场监督管理局,370102-scjgj,`);
      const sla = (await api.call('GET', '/v1/reports/sla', { as: await api.token('supervisor', org) })).body.rows as { key: string; name: string; late: number; onTimeRate: number | null; openOverdue: number }[];
      expect(sla.filter((r) => r.key.startsWith('370102'))).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ key: P, name: '济南市历下区市场监督管理局', late: 1, onTimeRate: 0 }),
          expect.objectContaining({ key: COUNTY, name: '济南市历下区大数据局', openOverdue: 1 }),
        ]),
      );
    }
  });
});
