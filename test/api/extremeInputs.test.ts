/**
 * The largest inputs the forms take, and those just past them, followed through what answers and
 * lists them: a refusal quotes what was sent only as far as a person reads it, and a list of cases
 * stays a page a reviewer's browser loads, however long the names in its forms.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInputs } from '../machines/examples.js';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
let company: string;
beforeAll(async () => {
  api = await startTestApi({ now: '2025-03-03T01:30:00.000Z' });
  company = await api.token('applicant', '91370100MA3C8K2D0E');
});
afterAll(() => api.close());

const start = (input: Record<string, unknown>, headers: Record<string, string> = {}) =>
  api.call('POST', '/v1/cases', { as: company, body: { process: 'conditionalApplication', input: { ...startInputs.conditionalApplication, ...input } }, headers });

describe('a refusal that quotes what was sent', () => {
  const key = 'k'.repeat(100_000);

  it.each([
    ['zh', {}],
    ['en', { 'accept-language': 'en' }],
  ])('given a form with an unknown field named by 100,000 characters, when refused (%s), then the answer quotes the name cut short, not whole', async (_lang, headers) => {
    const res = await start({ [key]: 1 }, headers);
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].message).toMatch(/^(不允许的字段：|unknown field: )k{20,}…$/);
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

  it('given a value past its field\'s limit, then the refusal names the field and the limit, in Chinese, without the value', async () => {
    const res = await start({ expectedBenefits: '济'.repeat(10_001) });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'expectedBenefits', message: '不超过 10000 个字符' }]);
    expect(res.text).not.toContain('济济');
  });
});
