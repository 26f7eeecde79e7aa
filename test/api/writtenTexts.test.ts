/**
 * The texts a machine writes into a case itself (附录5 协议二(二): a renewal that lapses, an agreement
 * that ends with its use period) are shown in the caller's language, as everything else the system says
 * is: in Chinese by default, in English with `Accept-Language: en` (conditionalApplication `writtenTexts`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../machines/registry.js';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { agreementInUse, startTestApi, type TestApi } from './harness.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ now: '2025-03-03T01:30:00.000Z' });
});
afterAll(() => api.close());

describe('given an application in use whose applicant asked for a renewal', () => {
  it('when its provider ends the agreement before deciding, then the case says why the renewal lapsed, in Chinese, and in English to a client that asks', async () => {
    const { id, applicant } = await agreementInUse(api);
    const provider = await api.token('provider', actors.provider.org, actors.provider.sub);
    const renewal = await api.call('POST', `/v1/cases/${id}/commands`, { as: applicant, body: { type: 'REQUEST_RENEWAL', data: commandData.conditionalApplication.REQUEST_RENEWAL } });
    expect(renewal.status).toBe(200);
    const ended = await api.call('POST', `/v1/cases/${id}/commands`, { as: provider, body: { type: 'TERMINATE', data: commandData.conditionalApplication.TERMINATE } });
    expect(ended.status).toBe(200);

    const zh = await api.call('GET', `/v1/cases/${id}`, { as: applicant });
    expect(zh.headers['content-language']).toBe('zh-CN');
    expect(zh.body.context.renewals.at(-1).decision).toMatchObject({
      approved: false,
      lapsed: true,
      reason: '续签决定作出前，数据开放服务已停止，协议终止（附录4 承诺书六、附录5 协议二(二)）',
    });

    const en = await api.call('GET', `/v1/cases/${id}`, { as: applicant, headers: { 'accept-language': 'en' } });
    expect([en.headers['content-language'], en.headers.vary]).toEqual(['en', expect.stringMatching(/Accept-Language/)]);
    expect(en.body.context.renewals.at(-1).decision).toMatchObject({
      approved: false,
      lapsed: true,
      reason: 'The open-data service stopped before a renewal decision was made, and the agreement ended (Appendix 4, Commitment §6; Appendix 5, Agreement §2(2)).',
    });
    // Only the machine's own words: what people wrote stays as they wrote it, and so does the rest of the case.
    expect(en.body.context.ending.reason).toBe(zh.body.context.ending.reason);
    expect({ ...en.body, context: undefined }).toEqual({ ...zh.body, context: undefined });
  });
});

describe('given an application whose applicant wrote, in its form, words the machine also writes', () => {
  it('when it is read in English, then the form is shown as written, in `input` and in `context.input` alike (one field had two values)', async () => {
    const applicant = await api.token('applicant', actors.company.org, actors.company.sub);
    const words = '续签决定作出前，数据开放服务已停止，协议终止（附录4 承诺书六、附录5 协议二(二)）';
    const input = { ...startInputs.conditionalApplication, expectedBenefits: words };
    const started = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'conditionalApplication', input } });
    expect(started.status).toBe(201);

    const en = await api.call('GET', `/v1/cases/${started.body.id}`, { as: applicant, headers: { 'accept-language': 'en' } });

    expect(en.body.input.expectedBenefits).toBe(words);
    expect(en.body.context.input.expectedBenefits).toBe(words);
  });
});

describe('every text a registered machine writes into a case', () => {
  it('has its English, with no Chinese left in it', () => {
    const texts = registry.list().flatMap((def) => Object.entries(def.writtenTexts ?? {}));
    expect(texts.length).toBeGreaterThanOrEqual(4);
    for (const [zh, en] of texts) {
      expect(zh, en).toMatch(/\p{Script=Han}/u);
      expect(en, zh).not.toMatch(/\p{Script=Han}/u);
    }
  });
});
