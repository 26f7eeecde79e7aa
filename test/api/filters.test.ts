/**
 * Query filters that name a process or a state are checked against the registry: a misspelt one is
 * 400 VALIDATION_FAILED with the choices, not an empty list that reads as "no work".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './harness.js';
import { actors, commandData, personApplicant, startInputs } from '../machines/examples.js';

let api: TestApi;
let supervisor: string;
let authority: string;
beforeAll(async () => {
  api = await startTestApi();
  supervisor = await api.token('supervisor', '370000-dsj');
  authority = await api.token('authority', '370100-dsj');
});
afterAll(() => api.close());

describe('a filter naming a process', () => {
  it.each(['/v1/cases', '/v1/inbox', '/v1/reports/overdue', '/v1/reports/sla'])('%s?process=objections (misspelt) is 400 naming process, with the five processes', async (path) => {
    const res = await api.call('GET', `${path}?process=objections`, { as: path === '/v1/inbox' ? authority : supervisor });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors).toEqual([{ path: 'querystring.process', message: '未知的流程，可选：conditionalApplication、datasetRelease、listAdjustment、objection、unopenedDataRequest' }]);
  });

  it.each(['/v1/cases', '/v1/inbox', '/v1/reports/overdue', '/v1/reports/sla'])('%s?process=objection is 200', async (path) => {
    expect((await api.call('GET', `${path}?process=objection`, { as: path === '/v1/inbox' ? authority : supervisor })).status).toBe(200);
  });
});

describe('a filter naming a state', () => {
  it('/v1/cases?state=aproved (misspelt) is 400 naming state; a state some process has is 200', async () => {
    const bad = await api.call('GET', '/v1/cases?state=aproved', { as: supervisor });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: 'querystring.state', message: expect.stringMatching(/^未知的状态，可选：.*approved/) })]);
    expect((await api.call('GET', '/v1/cases?state=approved', { as: supervisor })).status).toBe(200);
  });

  it('/v1/cases?process=listAdjustment&state=normativeReview (a state of other processes only) is 400 naming state, with that process\'s states, in English too; a state it has is 200', async () => {
    const bad = await api.call('GET', '/v1/cases?process=listAdjustment&state=normativeReview', { as: supervisor });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'querystring.state', message: expect.stringMatching(/^流程 listAdjustment 没有此状态，可选：.*review/) }]);
    const english = await api.call('GET', '/v1/cases?process=listAdjustment&state=normativeReview', { as: supervisor, headers: { 'accept-language': 'en' } });
    expect(english.body.errors).toEqual([{ path: 'querystring.state', message: expect.stringMatching(/^process listAdjustment has no such state; one of: .*review/) }]);
    expect((await api.call('GET', '/v1/cases?process=listAdjustment&state=review', { as: supervisor })).status).toBe(200);
    expect((await api.call('GET', '/v1/cases?process=conditionalApplication&state=normativeReview', { as: supervisor })).status).toBe(200);
  });
});

describe('a filter naming a deadline basis', () => {
  it.each(['/v1/reports/overdue', '/v1/reports/sla'])('%s?basis=law is 400 with the three bases; basis=statute is 200', async (path) => {
    const bad = await api.call('GET', `${path}?basis=law`, { as: supervisor });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'querystring.basis', message: '应为以下之一：statute、policy、agreement' }]);
    expect((await api.call('GET', `${path}?basis=statute`, { as: supervisor })).status).toBe(200);
  });
});

describe('a region no organisation of the directory is in', () => {
  it.each(['/v1/reports/overdue', '/v1/reports/sla'])('%s?region=370199 is 400 naming region (an empty report would read as all on time); 370100 is 200', async (path) => {
    const bad = await api.call('GET', `${path}?region=370199`, { as: supervisor });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'querystring.region', message: '未知的行政区划：机构目录中没有该区划及其下级的机构' }]);
    expect((await api.call('GET', `${path}?region=370100`, { as: supervisor })).status).toBe(200);
  });
});

describe('an organisation nobody knows', () => {
  // Supervisors' QA: a mistyped org answered an empty report, which reads as "nothing overdue there",
  // while a mistyped region was already refused.
  it.each(['/v1/reports/overdue', '/v1/reports/sla'])('%s?org=370100-gajj (mistyped) is 400 naming org, in both languages; a directory organisation that holds nothing yet is 200', async (path) => {
    const bad = await api.call('GET', `${path}?org=370100-gajj`, { as: supervisor });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'querystring.org', message: '未知的机构：机构目录中没有该机构，报表中也没有由它办理的环节' }]);
    const en = await api.call('GET', `${path}?org=370100-gajj`, { as: supervisor, headers: { 'accept-language': 'en' } });
    expect(en.body.errors).toEqual([{ path: 'querystring.org', message: 'unknown organisation: the directory has no such organisation, and no stage in the reports was held by it' }]);
    expect((await api.call('GET', `${path}?org=370100-gaj`, { as: supervisor })).status).toBe(200);
  });
});

describe('a query parameter given twice', () => {
  it.each(['/v1/cases', '/v1/reports/overdue'])('%s?process=objection&process=listAdjustment is 400 saying it may appear once (not “应为文本”), in both languages', async (path) => {
    const res = await api.call('GET', `${path}?process=objection&process=listAdjustment`, { as: supervisor });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'querystring.process', message: '应为单个值，不能是列表（查询参数只能出现一次）' }]);
    const en = await api.call('GET', `${path}?process=objection&process=listAdjustment`, { as: supervisor, headers: { 'accept-language': 'en' } });
    expect(en.body.errors).toEqual([{ path: 'querystring.process', message: 'must be a single value, not a list (a query parameter may appear once)' }]);
  });

  it('given a list in a body field of one value ("process": [...]), then 400 says it must be one value, without the query’s reason (race QA: a body was told of repeated query parameters)', async () => {
    const res = await api.call('POST', '/v1/cases', { as: supervisor, body: { process: ['objection'], input: {} } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'body.process', message: '应为单个值，不能是列表' }]);
    const en = await api.call('POST', '/v1/cases', { as: supervisor, body: { process: ['objection'], input: {} }, headers: { 'accept-language': 'en' } });
    expect(en.body.errors).toEqual([{ path: 'body.process', message: 'must be a single value, not a list' }]);
  });
});

describe('an organisation outside the caller’s region', () => {
  it.each(['/v1/reports/overdue', '/v1/reports/sla'])('given a Qingdao supervisor, when %s?org= names a Jinan bureau, then 403 saying so (an empty report read as “nothing overdue there”); a Qingdao bureau is 200, and so is the Jinan bureau for the province', async (path) => {
    const qingdao = await api.token('supervisor', '370200-dsj');
    const refused = await api.call('GET', `${path}?org=370100-dsj`, { as: qingdao });
    expect([refused.status, refused.body.code]).toEqual([403, 'FORBIDDEN']);
    expect(refused.body.detail).toContain('（370100-dsj）不在您的辖区 370200 之内');
    const english = await api.call('GET', `${path}?org=370100-dsj`, { as: qingdao, headers: { 'accept-language': 'en' } });
    expect(english.body.detail).toContain('organisation 370100-dsj (');
    expect((await api.call('GET', `${path}?org=370200-dsj`, { as: qingdao })).status).toBe(200);
    expect((await api.call('GET', `${path}?org=370100-dsj`, { as: supervisor })).status).toBe(200);
  });

  // An admin (the provincial bureau's: 第六条) sees the whole province (reportRegion), for an organisation
  // asked for as for a region. A city's authority is no admin (api/auth.ts), so it cannot narrow that.
  it.each(['/v1/reports/overdue', '/v1/reports/sla'])('given an admin, when %s?org= names a Jinan bureau, then 200, as region=370100 is', async (path) => {
    const admin = await api.token('admin', '370000-dsj');
    expect((await api.call('GET', `${path}?region=370100`, { as: admin })).status).toBe(200);
    const res = await api.call('GET', `${path}?org=370100-gaj`, { as: admin });
    expect([res.status, res.body.code]).toEqual([200, undefined]);
  });
});

describe('the overdue report’s counts by organisation as CSV (the table of a 通报)', () => {
  it('given table=byOrg, then one line per organisation with its counts, named for the day', async () => {
    const res = await api.call('GET', '/v1/reports/overdue?format=csv&table=byOrg', { as: supervisor });
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="overdue-by-org-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(res.text.split('\r\n')[0]).toBe('\uFEFF单位代码,名称,在办数,在办逾期数,逾期办结数,逾期未办即终止数');
    const json = await api.call('GET', '/v1/reports/overdue', { as: supervisor });
    expect(res.text.split('\r\n').filter((l) => l !== '').length - 1).toBe(json.body.byOrg.length);
  });
});

describe('a report filtered by a natural person’s ID number (reports show people only masked)', () => {
  it.each(['/v1/reports/overdue', '/v1/reports/sla'])('%s?org=<an ID number> is 400 for any valid ID number alike; an organisation or company code is 200', async (path) => {
    for (const id of ['11010519491231002X', '370102199003071238']) {
      const bad = await api.call('GET', `${path}?org=${id}`, { as: supervisor });
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual([{ path: 'querystring.org', message: '不能按自然人的身份证号筛选：报表只显示自然人的脱敏编码' }]);
    }
    const en = await api.call('GET', `${path}?org=11010519491231002X`, { as: supervisor, headers: { 'accept-language': 'en' } });
    expect(en.body.errors).toEqual([{ path: 'querystring.org', message: "cannot filter by a natural person's ID card number: reports show people only masked" }]);
    expect((await api.call('GET', `${path}?org=370100-dsj`, { as: supervisor })).status).toBe(200);
    // A company's credit code is no ID number: refused only as a code no stage was held by (none here yet).
    const company = await api.call('GET', `${path}?org=91370100MA3C8K2D0E`, { as: supervisor });
    expect(company.body.errors).toEqual([{ path: 'querystring.org', message: '未知的机构：机构目录中没有该机构，报表中也没有由它办理的环节' }]);
  });
});

describe('an organisation filter holding a control character or a bidirectional override', () => {
  // %00 and U+202E match no code: the reports answered empty, read as "nothing overdue there".
  it.each(['/v1/reports/overdue', '/v1/reports/sla', '/v1/cases'])('%s?org=370100-gaj%%00 (and U+202E before it) is 400 含有无效字符 naming org, as the forms refuse it', async (path) => {
    for (const org of ['370100-gaj%00', '%E2%80%AE370100-gaj']) {
      const res = await api.call('GET', `${path}?org=${org}`, { as: supervisor });
      expect([res.status, res.body.errors]).toEqual([400, [{ path: 'querystring.org', message: '含有无效字符' }]]);
    }
    expect((await api.call('GET', `${path}?org=370100-gaj`, { as: supervisor })).status).toBe(200);
  });
});

describe('a report filtered by the code it shows for a natural person (a supervisor drilling down from byOrg)', () => {
  it('given a person’s results report past its deadline, when the reports are filtered by the masked code (typed with a lower-case x too), then they hold that person’s item, as the unfiltered report does', async () => {
    const own = await startTestApi({ now: '2025-03-03T01:30:00.000Z' });
    try {
      const data = commandData.conditionalApplication;
      const { caseId } = await own.app.engine.start({ process: 'conditionalApplication', input: { ...startInputs.conditionalApplication, applicant: { ...personApplicant, idNumber: '37010219900101124X' } }, actor: { ...actors.person, org: '37010219900101124X' } });
      for (const [type, actor] of [['PASS_NORMATIVE_REVIEW', actors.cityAuthority], ['APPROVE', actors.provider], ['SIGN_AGREEMENT', actors.provider], ['GRANT_ACCESS', actors.provider]] as const) {
        await own.app.engine.execute({ caseId, type, data: data[type], actor });
      }
      own.clock.set('2026-06-01T02:00:00.000Z');
      const province = await own.token('supervisor', '370000-dsj');
      const whole = await own.call('GET', '/v1/reports/overdue', { as: province });
      const item = whole.body.items.find((i: { caseId: string; stage: string }) => i.caseId === caseId && i.stage === 'resultsReport');
      expect(item?.org).toBe('370*************4X');
      for (const typed of ['370*************4X', '370*************4x']) {
        const drilled = await own.call('GET', `/v1/reports/overdue?org=${encodeURIComponent(typed)}`, { as: province });
        expect(drilled.status, drilled.text).toBe(200);
        expect(drilled.body.items).toEqual([item]);
        const sla = await own.call('GET', `/v1/reports/sla?groupBy=org&org=${encodeURIComponent(typed)}`, { as: province });
        expect(sla.body.rows.map((r: { key: string }) => r.key)).toEqual(['370*************4X']);
      }
    } finally {
      await own.close();
    }
  });
});

describe('an organisation or party code typed in another letter case', () => {
  // Forms store a 统一社会信用代码 and a 身份证号 in upper case, the directory its codes as it spells them;
  // a filter typed otherwise found nothing, and a 通报 read "no overdue" for a unit with late tasks.
  it('given an objection of 山东数智科技 against 济南市公安局 left past its deadline, when the filters name 370100-GAJ or the company in lower case, then they find what the codes as stored find', async () => {
    const own = await startTestApi({ now: '2026-03-02T01:00:00.000Z' });
    try {
      const applicant = await own.token('applicant', actors.company.org, actors.company.sub);
      const started = await own.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: startInputs.objection } });
      expect(started.status, started.text).toBe(201);
      own.clock.set('2026-04-01T01:00:00.000Z');
      const province = await own.token('supervisor', '370000-dsj');
      const items = async (query: string) => (await own.call('GET', `/v1/reports/overdue?${query}`, { as: province })).body.items.map((i: { caseId: string }) => i.caseId);
      expect(await items('org=370100-gaj')).toEqual([started.body.id]);
      expect(await items('org=370100-GAJ')).toEqual([started.body.id]);
      const sla = await own.call('GET', '/v1/reports/sla?groupBy=org&org=370100-GAJ', { as: province });
      expect(sla.body.rows).toEqual([expect.objectContaining({ key: '370100-gaj' })]);
      const cases = async (org: string) => (await own.call('GET', `/v1/cases?org=${org}`, { as: province })).body.items.map((i: { id: string }) => i.id);
      expect(await cases('370100-GAJ')).toEqual([started.body.id]);
      expect(await cases(actors.company.org.toLowerCase())).toEqual([started.body.id]);
    } finally {
      await own.close();
    }
  });

  it.each(['/v1/reports/overdue', '/v1/reports/sla'])('%s?org=<an ID number with a lower-case x> is refused as the upper-case one is', async (path) => {
    const bad = await api.call('GET', `${path}?org=11010519491231002x`, { as: supervisor });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'querystring.org', message: '不能按自然人的身份证号筛选：报表只显示自然人的脱敏编码' }]);
  });
});
