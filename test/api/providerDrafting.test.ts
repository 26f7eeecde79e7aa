/**
 * A provider unit drafting its own release over HTTP (第九条(一)): a refusal of SUBMIT names what
 * is missing, and only that — a review or rules never made are "missing", not "made before the
 * entry changed".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './harness.js';

const provider = '370100-scjgj'; // 济南市市场监督管理局

const entry = {
  title: '济南市市场主体登记信息',
  description: '全市市场主体登记基本信息。',
  providerOrg: provider,
  openAttribute: 'unconditional',
  serviceModes: ['download'],
  coverage: { region: '370100' },
  fields: [{ name: '企业名称' }, { name: '法定代表人' }],
  updateFrequency: 'daily',
  containsPersonalInfo: true,
};

describe('datasetRelease over HTTP: a SUBMIT refused after the catalogue was edited names only the rules broken', () => {
  let api: TestApi;
  let token: string;
  beforeAll(async () => {
    api = await startTestApi({ now: '2026-03-02T01:00:00.000Z' });
    token = await api.token('provider', provider);
  });
  afterAll(() => api.close());

  const send = (id: string, type: string, data: unknown = {}, headers: Record<string, string> = {}) =>
    api.call('POST', `/v1/cases/${id}/commands`, { as: token, body: { type, data }, headers });

  it('given fields edited before any review or rules, when SUBMIT is refused, then it is for the missing review and rules, not for a stale one (第九条(一)、第二十二条)', async () => {
    const started = await api.call('POST', '/v1/cases', { as: token, body: { process: 'datasetRelease', input: entry } });
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    // The unit first completes its catalogue, as 第九条(一) orders it (编制数据目录 before 安全审查).
    expect((await send(id, 'UPDATE_DRAFT', { fields: [...entry.fields, { name: '统一社会信用代码' }] })).status).toBe(200);

    const nothingYet = await send(id, 'SUBMIT');
    expect(nothingYet.status).toBe(422);
    expect(nothingYet.body.violations.map((v: { rule: string }) => v.rule)).toEqual(['securityReviewPassed', 'desensitizationRulesSet']);
    expect(nothingYet.body.detail).not.toContain('修改后');

    expect((await send(id, 'RECORD_SECURITY_REVIEW', { passed: true, notes: '经本单位审查通过' })).status).toBe(200);
    const noRules = await send(id, 'SUBMIT');
    expect(noRules.status).toBe(422);
    expect(noRules.body.rule).toBe('desensitizationRulesSet');
    expect(noRules.body.article).toBe('第九条(一)');
    expect(noRules.body.violations ?? []).toHaveLength(0); // one rule broken: no list of several
    expect(noRules.body.detail).not.toContain('修改后');
    const noRulesEn = await send(id, 'SUBMIT', {}, { 'accept-language': 'en' });
    expect(noRulesEn.body.detail).not.toContain('changed');

    expect((await send(id, 'SET_DESENSITIZATION_RULES', { rules: [{ field: '法定代表人', method: 'mask' }] })).status).toBe(200);
    expect((await send(id, 'SUBMIT')).status).toBe(200);
  });

  // README "datasetRelease": a new title leaves the review standing; a front end saves the whole form.
  it('given a reviewed entry, when the whole form is saved again with only a new title, then SUBMIT is accepted; a real change of fields still needs a new review (第九条(一))', async () => {
    const plain = { ...entry, containsPersonalInfo: false };
    const started = await api.call('POST', '/v1/cases', { as: token, body: { process: 'datasetRelease', input: plain } });
    const id = started.body.id as string;
    expect((await send(id, 'RECORD_SECURITY_REVIEW', { passed: true })).status).toBe(200);
    expect((await send(id, 'SET_DESENSITIZATION_RULES', { noneNeeded: true, reason: '登记信息为公示信息' })).status).toBe(200);
    const { providerOrg: _providerOrg, ...wholeForm } = plain;
    expect((await send(id, 'UPDATE_DRAFT', { ...wholeForm, title: '济南市市场主体登记信息（2026 年版）' })).status).toBe(200);
    const submitted = await send(id, 'SUBMIT');
    expect(submitted.body.detail).toBeUndefined();
    expect(submitted.status).toBe(200);

    const other = await api.call('POST', '/v1/cases', { as: token, body: { process: 'datasetRelease', input: plain } });
    const otherId = other.body.id as string;
    await send(otherId, 'RECORD_SECURITY_REVIEW', { passed: true });
    await send(otherId, 'SET_DESENSITIZATION_RULES', { noneNeeded: true, reason: '登记信息为公示信息' });
    expect((await send(otherId, 'UPDATE_DRAFT', { ...wholeForm, fields: [...plain.fields, { name: '住所' }] })).status).toBe(200);
    expect((await send(otherId, 'SUBMIT')).body).toMatchObject({ status: 422, rule: 'reviewCoversDraft' });
  });

  // A rule of the whole form has no field to name: said alone, where it read "(根) 至少修改一项" (a probe).
  it('given a draft, when UPDATE_DRAFT changes nothing, then VALIDATION_FAILED says that at least one field must change, naming no field', async () => {
    const started = await api.call('POST', '/v1/cases', { as: token, body: { process: 'datasetRelease', input: entry } });
    const refused = await send(started.body.id as string, 'UPDATE_DRAFT', {});
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([{ path: '', message: '至少修改一项' }]);
    expect(refused.body.detail).toBe('提交的数据不符合要求：至少修改一项');
  });

  // FORMS.md: UPDATE_DRAFT takes any start field but providerOrg.
  it('given a draft, when UPDATE_DRAFT tries to change providerOrg, then VALIDATION_FAILED names that field only, not "change at least one field"', async () => {
    const started = await api.call('POST', '/v1/cases', { as: token, body: { process: 'datasetRelease', input: entry } });
    const id = started.body.id as string;
    for (const [headers, notSaid] of [[{}, '至少修改一项'], [{ 'accept-language': 'en' }, 'at least one']] as const) {
      const refused = await send(id, 'UPDATE_DRAFT', { providerOrg: '370102-scjgj' }, headers);
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toHaveLength(1);
      expect(refused.body.detail).toContain('providerOrg');
      expect(refused.body.detail).not.toContain(notSaid);
    }
  });
});
