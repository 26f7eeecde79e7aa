/**
 * Over HTTP, a 400 VALIDATION_FAILED's Chinese detail names each field by its key and its Chinese name
 * (`reason（理由）必填`); `errors` stay exactly as API.md gives them, and the English detail as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, startInputs } from '../machines/examples.js';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
let applicant: string;
let authority: string;
beforeAll(async () => {
  api = await startTestApi();
  applicant = await api.token('applicant', actors.company.org, actors.company.sub);
  authority = await api.token('authority', actors.cityAuthority.org, actors.cityAuthority.sub);
});
afterAll(() => api.close());

describe('a 400 VALIDATION_FAILED names the field in Chinese in its detail', () => {
  it('given an application in normative review, when the authority sends FAIL_NORMATIVE_REVIEW {}, then the detail says reason（理由）必填 and errors are unchanged; English as it was', async () => {
    const started = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'conditionalApplication', input: startInputs.conditionalApplication } });
    expect(started.status).toBe(201);
    const body = { type: 'FAIL_NORMATIVE_REVIEW', data: {} };
    const zh = await api.call('POST', `/v1/cases/${started.body.id}/commands`, { as: authority, body });
    expect(zh.status).toBe(400);
    expect(zh.body).toMatchObject({ code: 'VALIDATION_FAILED', detail: '提交的数据不符合要求：reason（理由）必填' });
    expect(zh.body.errors).toEqual([{ path: 'reason', message: '必填' }]);
    const en = await api.call('POST', `/v1/cases/${started.body.id}/commands`, { as: authority, body, headers: { 'accept-language': 'en' } });
    expect(en.body).toMatchObject({ detail: 'the data sent is not valid: reason: required', errors: [{ path: 'reason', message: 'required' }] });
  });

  it('given a query or an envelope the route refuses, then its own field is named too (querystring.limit（每页条数）, body.type（指令）), errors unchanged', async () => {
    const query = await api.call('GET', '/v1/inbox?limit=0', { as: authority });
    expect(query.status).toBe(400);
    const [limit] = query.body.errors;
    expect(limit.path).toBe('querystring.limit');
    expect(query.body.detail).toBe(`查询参数不符合要求：querystring.limit（每页条数）${limit.message}`);
    const envelope = await api.call('POST', '/v1/cases/00000000-0000-4000-8000-000000000000/commands', { as: authority, body: { data: {}, remark: 1 } });
    expect(envelope.status).toBe(400);
    expect(envelope.body.errors).toEqual(expect.arrayContaining([{ path: 'body.type', message: '必填' }, { path: 'body.remark', message: '不允许的字段：remark' }]));
    expect(envelope.body.detail).toContain('body.type（指令）必填');
    expect(envelope.body.detail).toContain('body.remark 不允许的字段：remark');
  });
});
