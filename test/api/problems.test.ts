/**
 * Problems (RFC 9457, API.md "Errors") in the client's language: fastify's own refusals of a body or
 * a URL are told in Chinese too; English is chosen by `Accept-Language` preference, q-values weighed;
 * a 401 names the scheme to authenticate with (RFC 6750).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
let applicant: string;
beforeAll(async () => {
  api = await startTestApi();
  applicant = await api.token('applicant', '91370100MA3C5ABC1X');
});
afterAll(() => api.close());

describe('fastify’s own refusals, in Chinese by default', () => {
  it.each([
    ['a body that is not JSON', { body: 'not json', headers: { 'content-type': 'application/json' } }, '请求数据不符合要求：请求体不是有效的 JSON'],
    ['an empty JSON body', { body: '', headers: { 'content-type': 'application/json' } }, '请求数据不符合要求：请求体为空，但声明的内容类型是 JSON'],
    ['a body over the cap', { body: JSON.stringify({ process: 'objection', input: { description: 'x'.repeat(1_100_000) } }), headers: { 'content-type': 'application/json' } }, '请求体过大：请求体超过大小上限'],
  ])('POST /v1/cases with %s: detail (and errors, if any) in Chinese', async (_what, request, detail) => {
    const res = await api.call('POST', '/v1/cases', { as: applicant, ...request });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.detail).toBe(detail);
    for (const e of res.body.errors ?? []) expect(detail).toContain(e.message);
  });

  it('a body in a media type other than JSON: 400 naming body, in Chinese', async () => {
    const res = await api.call('POST', '/v1/cases', { as: applicant, body: 'process=objection', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'body', message: '不支持的请求内容类型，请使用 application/json' }]);
  });

  it('a cursor no list gave out: 400 naming querystring.cursor, in Chinese', async () => {
    const res = await api.call('GET', '/v1/cases?cursor=garbage', { as: applicant });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'querystring.cursor', message: '不是本列表给出的翻页游标，请从第一页重新开始' }]);
    expect(res.body.detail).toBe('查询参数 cursor 无效：不是本列表给出的翻页游标，请从第一页重新开始');
  });

  it('a URL with a broken escape: 400 in Chinese, with the errors VALIDATION_FAILED carries', async () => {
    const res = await api.call('GET', '/v1/cases/%zz', { as: applicant });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', detail: '请求地址无效：请求地址含有无效的编码', errors: [{ path: 'url', message: '请求地址含有无效的编码' }] });
  });

  it('with Accept-Language: en, fastify’s English text', async () => {
    const res = await api.call('POST', '/v1/cases', { as: applicant, body: 'not json', headers: { 'content-type': 'application/json', 'accept-language': 'en' } });
    expect(res.body).toMatchObject({ title: 'Validation failed', detail: "Body is not valid JSON but content-type is set to 'application/json'" });
  });
});

describe('Accept-Language preference', () => {
  it.each([
    ['en', 'en'],
    ['fr-FR,en;q=0.9', 'en'],
    ['zh;q=0.5,en;q=0.8', 'en'],
    ['en-GB;q=0.5,zh-CN', 'zh'],
    ['zh-CN,zh;q=0.9,en;q=0.8', 'zh'],
    ['fr-FR', 'zh'],
    ['en;q=0', 'zh'],
    ['', 'zh'],
  ])('%j answers in %s', async (header, lang) => {
    const res = await api.call('GET', '/v1/cases/3f0b5f8e-2a47-4c1e-9d55-0c6a1f2b7e90', { as: applicant, headers: { 'accept-language': header } });
    expect(res.status).toBe(404);
    expect(res.body.title).toBe(lang === 'en' ? 'Not found' : '未找到');
  });
});

describe('401', () => {
  it('names the Bearer scheme in WWW-Authenticate, with or without a token', async () => {
    for (const headers of [{}, { authorization: 'Bearer not-a-token' }] as Record<string, string>[]) {
      const res = await api.call('GET', '/v1/inbox', { headers });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="sd-open-data"');
    }
  });
});

describe('schema messages in plain Chinese', () => {
  it.each([
    ['GET', '/v1/cases?limit=1.5', undefined, 'querystring.limit', '须为整数'],
    ['GET', '/v1/cases?limit=abc', undefined, 'querystring.limit', '须为数字'],
    ['GET', '/v1/cases?limit=0', undefined, 'querystring.limit', '不小于 1'],
    ['GET', '/v1/cases?limit=101', undefined, 'querystring.limit', '不大于 100'],
    ['POST', '/v1/cases', { process: 'objection' }, 'body.input', '必填'],
    ['POST', '/v1/cases', { input: {} }, 'body.process', '必填'],
    ['POST', '/v1/cases', [], 'body', '须为 JSON 对象'],
  ] as const)('%s %s %j: %s %s', async (method, url, body, path, message) => {
    const res = await api.call(method, url, { as: applicant, ...(body !== undefined ? { body } : {}) });
    expect(res.status).toBe(400);
    expect(res.body.errors).toContainEqual({ path, message });
  });

  it('a report period given as a date, and an unknown groupBy: what to send instead', async () => {
    const supervisor = await api.token('supervisor', '370000-dsj');
    const date = await api.call('GET', '/v1/reports/sla?from=2026-06-01', { as: supervisor });
    expect(date.body.errors).toEqual([{ path: 'querystring.from', message: '须为带 Z 或时区偏移的 ISO-8601 时刻，例如 2026-06-01T00:00:00+08:00' }]);
    const groupBy = await api.call('GET', '/v1/reports/sla?groupBy=city', { as: supervisor });
    expect(groupBy.body.errors).toEqual([{ path: 'querystring.groupBy', message: '须为以下之一：org、process、stage' }]);
  });

  it('an Idempotency-Key over 200 characters', async () => {
    const res = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: {} }, headers: { 'idempotency-key': 'k'.repeat(201) } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toContainEqual({ path: 'headers.idempotency-key', message: '不超过 200 个字符' });
  });
});

describe('unknown fields in a request body', () => {
  it.each([
    ['POST', '/v1/cases', { process: 'objection', input: {}, extra: 1 }, 'body.extra'],
    ['PUT', '/v1/test/clock', { now: '2026-03-03T00:00:00Z', x: 1 }, 'body.x'],
  ] as const)('%s %s: 400 naming the field at its own path', async (method, url, body, path) => {
    const res = await api.call(method, url, { as: applicant, body });
    expect(res.status).toBe(400);
    expect(res.body.errors).toContainEqual({ path, message: `不允许的字段：${path.slice(5)}` });
  });
});
