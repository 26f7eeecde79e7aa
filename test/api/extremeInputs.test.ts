/**
 * The largest inputs the forms take, and those just past them, followed through what answers and
 * lists them: a refusal quotes what was sent only as far as a person reads it, and a list of cases
 * stays a page a reviewer's browser loads, however long the names in its forms.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamOf } from '../../engine/ids.js';
import { startInputs } from '../machines/examples.js';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
let company: string;
let provider: string;
let authority: string;
let supervisor: string;
beforeAll(async () => {
  api = await startTestApi({ now: '2025-03-03T01:30:00.000Z' });
  company = await api.token('applicant', '91370100MA3C8K2D0E');
  authority = await api.token('authority', '370100-dsj');
  provider = await api.token('provider', '370100-gaj');
  supervisor = await api.token('supervisor', '370000-dsj');
});
afterAll(() => api.close());

const start = (input: Record<string, unknown>, headers: Record<string, string> = {}) =>
  api.call('POST', '/v1/cases', { as: company, body: { process: 'conditionalApplication', input: { ...startInputs.conditionalApplication, ...input } }, headers });

describe('a refusal that quotes what was sent', () => {
  it('given a case id with a control character in it, when it is read, then 404 shows each such character as its code point, not raw', async () => {
    const res = await api.call('GET', '/v1/cases/%00abc%1B', { as: company });
    expect([res.status, res.body.detail]).toEqual([404, '案件 <U+0000>abc<U+001B> 不存在']);
    const en = await api.call('GET', '/v1/cases/%07bell', { as: company, headers: { 'accept-language': 'en' } });
    expect([en.status, en.body.detail]).toEqual([404, 'case <U+0007>bell not found']);
  });

  const key = 'k'.repeat(100_000);

  it.each([
    ['zh', {}],
    ['en', { 'accept-language': 'en' }],
  ])('given a form with an unknown field named by 100,000 characters, when refused (%s), then the answer quotes the name cut short, not whole', async (_lang, headers) => {
    const res = await start({ [key]: 1 }, headers);
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].message).toMatch(/^(不允许的字段：|field not allowed here: )k{20,}…$/);
    expect(res.body.errors[0].path).toMatch(/^k{20,}…$/);
    expect(res.text.length).toBeLessThan(2_000);
  });

  it('given a request body with an unknown field named by 100,000 characters, then the answer quotes the name cut short', async () => {
    const res = await api.call('POST', '/v1/cases', { as: company, body: { process: 'objection', input: {}, [key]: 1 } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toMatch(/^不允许的字段：k{20,}…$/);
    expect(res.body.errors[0].path).toMatch(/^body\.k{20,}…$/);
    expect(res.text.length).toBeLessThan(2_000);
  });

  it('given an unknown field named by 200 emoji (beyond the BMP), then the name is cut between characters, not within one', async () => {
    const res = await start({ ['😀'.repeat(200)]: 1 });
    expect(res.body.errors[0].message).toBe(`不允许的字段：${'😀'.repeat(100)}…`);
    expect(res.body.errors[0].path).toBe(`${'😀'.repeat(100)}…`);
  });

  it('given a provider code of 10,000 characters that the directory does not have, then the 422 quotes it cut short', async () => {
    const res = await start({ resource: { ...startInputs.conditionalApplication.resource, providerOrg: '济'.repeat(10_000) } });
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/机构目录中没有编码为 济{20,}… 的公共数据开放主体/);
    expect(res.text.length).toBeLessThan(2_000);
  });

  it('given a description of 10,000 characters, 2,000 of them beyond the BMP (𠮷, as in a surname), then it is taken: the limit counts characters, as its message and GET /docs say', async () => {
    const description = `${'济'.repeat(8_000)}${'𠮷'.repeat(2_000)}`;
    const res = await api.call('POST', '/v1/cases', { as: company, body: { process: 'objection', input: { ...startInputs.objection, description } } });
    expect([res.status, res.body.errors]).toEqual([201, undefined]);
    expect(res.body.input.description).toBe(description);
  });

  it('given a description of 10,001 emoji, then it is refused as longer than 10,000 characters', async () => {
    const res = await api.call('POST', '/v1/cases', { as: company, body: { process: 'objection', input: { ...startInputs.objection, description: '😀'.repeat(10_001) } } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'description', message: '不超过 10000 个字符' }]);
  });

  // A name of 300 characters: a thousand of them is 900 KB, within the 1 MiB a body may be.
  const fieldName = (i: number) => `字段${i}`.padEnd(300, '名');

  it.each([
    ['zh', {}, /^字段名称不得重复：(字段\d+名+…、){19}字段\d+名+…（共 500 个）$/],
    ['en', { 'accept-language': 'en' }, /^field names must be distinct; listed more than once: (字段\d+名+…, ){19}字段\d+名+… \(500 in all\)$/],
  ])('given a catalogue of 1,000 fields, 500 names each listed twice, when refused (%s), then the answer names the first 20 in brief and counts the rest', async (_lang, headers, message) => {
    const fields = Array.from({ length: 1000 }, (_, i) => ({ name: fieldName(i % 500) }));
    const res = await api.call('POST', '/v1/cases', { as: provider, body: { process: 'datasetRelease', input: { ...startInputs.datasetRelease, fields } }, headers });
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].message).toMatch(message);
    expect(res.text.length).toBeLessThan(10_000);
  });

  it('given desensitization rules for 1,000 fields a catalogue of 1,000 does not have, then the 422 names 20 of each in brief and counts the rest', async () => {
    const entry = await api.call('POST', '/v1/cases', { as: provider, body: { process: 'datasetRelease', input: { ...startInputs.datasetRelease, containsPersonalInfo: true, fields: Array.from({ length: 1000 }, (_, i) => ({ name: fieldName(i) })) } } });
    expect(entry.status).toBe(201);
    const rules = Array.from({ length: 1000 }, (_, i) => ({ field: `别的${fieldName(i)}`, method: 'mask' }));
    const res = await api.call('POST', `/v1/cases/${entry.body.id}/commands`, { as: provider, body: { type: 'SET_DESENSITIZATION_RULES', data: { rules } } });
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/（共 1000 个） 不在目录中（目录字段：.*（共 1000 个））/);
    // The first 20 rules' fields marked, each with the rule's words in general (the detail names them).
    expect(res.body.errors).toHaveLength(20);
    expect(res.body.errors[19]).toEqual({ path: 'rules.19.field', message: '脱敏规则所列字段（field）应为开放数据目录中的字段' });
    expect(res.text.length).toBeLessThan(20_000);
  });

  it('given a value past its field\'s limit, then the refusal names the field and the limit, in Chinese, without the value', async () => {
    const res = await start({ expectedBenefits: '济'.repeat(10_001) });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'expectedBenefits', message: '不超过 10000 个字符' }]);
    expect(res.text).not.toContain('济济');
  });
});

describe('cases whose names are as long as a form takes', () => {
  // 10,000 characters (TEXT_MAX), 30 KB in UTF-8: the dataset's name and the applicant's.
  const LONG = '济'.repeat(10_000);
  const ids: string[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 50; i++) {
      const res = await start({
        resource: { ...startInputs.conditionalApplication.resource, name: `${i}${LONG}`.slice(0, 10_000) },
        applicant: { ...startInputs.conditionalApplication.applicant, name: LONG },
      });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
  });

  it('given 50 of them awaiting review, when the reviewer reads a page of 50 of the inbox, then each row names the case in brief, not whole', async () => {
    const inbox = await api.call('GET', '/v1/inbox?limit=50', { as: authority });
    expect(inbox.body.items).toHaveLength(50);
    for (const row of inbox.body.items) {
      expect(row.summary.title).toMatch(/^\d+济+…$/);
      expect(row.summary.applicant).toBe(`${'济'.repeat(200)}…`);
      expect(JSON.stringify(row).length).toBeLessThan(2_000);
    }
  });

  it('given 50 of them, when a supervisor reads a page of 50 of the case list, then each row names the case in brief', async () => {
    const list = await api.call('GET', '/v1/cases?limit=50', { as: supervisor });
    expect(list.body.items).toHaveLength(50);
    for (const row of list.body.items) expect(JSON.stringify(row).length).toBeLessThan(2_000);
  });

  it('given one of them, then its event carries the names in brief beside its form, not a second time whole', async () => {
    const [event] = await api.app.store.readStream(streamOf('conditionalApplication', ids[1]!));
    expect(JSON.stringify(event!.metadata).length).toBeLessThan(4_000);
  });

  it('given one of them, when its case is read, then the form keeps the names whole', async () => {
    const view = await api.call('GET', `/v1/cases/${ids[1]}`, { as: company });
    expect(view.body.input.applicant.name).toBe(LONG);
    expect(view.body.input.resource.name).toHaveLength(10_000);
  });
});

describe('a list adjustment whose first change names a dataset as long as a form takes', () => {
  it('given two changes, the first naming a dataset by 10,000 characters, when the reviewer reads the inbox, then the title still says how many changes there are', async () => {
    const changes = [
      { action: 'add', datasetName: '济'.repeat(10_000), detail: '新增。' },
      { action: 'remove', datasetName: '济南市停车场信息' },
    ];
    const res = await api.call('POST', '/v1/cases', { as: provider, body: { process: 'listAdjustment', input: { ...startInputs.listAdjustment, changes } } });
    expect(res.status).toBe(201);
    const inbox = await api.call('GET', '/v1/inbox?process=listAdjustment', { as: authority });
    const row = inbox.body.items.find((item: { caseId: string }) => item.caseId === res.body.id);
    expect(row.summary.title).toMatch(/^2025年度公共数据开放清单调整：新增「济+…」等 2 项$/);
  });
});
