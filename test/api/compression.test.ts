/**
 * Large answers compressed for a client that asks (Accept-Encoding): a supervisor's CSV, an audit
 * export, a case list. The bytes, once decompressed, are the very answer sent uncompressed; a small
 * answer, a client that does not ask, and HEAD are sent as before.
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, startInputs } from '../machines/examples.js';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
let admin: string;
let company: string;
beforeAll(async () => {
  api = await startTestApi({ now: '2026-03-02T01:00:00.000Z' });
  admin = await api.token('admin', '370000-dsj');
  company = await api.token('applicant', actors.company.org, actors.company.sub);
  for (let i = 0; i < 6; i++) {
    const started = await api.call('POST', '/v1/cases', { as: company, body: { process: 'objection', input: startInputs.objection } });
    expect(started.status).toBe(201);
  }
  // Past the objections' deadlines (第十六条: 10 working days): the overdue report has rows.
  api.clock.advance(40 * 86_400_000);
});
afterAll(() => api.close());

const get = (url: string, token: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') =>
  api.server.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...headers } });

const EXPORT = '/v1/audit/export?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z';

describe('given a client that accepts compressed answers', () => {
  it.each([
    ['the audit export (NDJSON, streamed)', EXPORT, 'gzip', gunzipSync],
    ['the audit export, brotli', EXPORT, 'br', brotliDecompressSync],
    ['the overdue report as CSV (with its byte-order mark)', '/v1/reports/overdue?format=csv', 'gzip', gunzipSync],
    ['the case list', '/v1/cases?limit=100', 'gzip', gunzipSync],
  ] as const)('when it asks for %s, then the answer is compressed, and decompressed it is the answer sent uncompressed', async (_what, url, encoding, decompress) => {
    const token = url.startsWith('/v1/cases') ? company : admin;
    const plain = await get(url, token);
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.rawPayload.length).toBeGreaterThan(1024);

    const packed = await get(url, token, { 'accept-encoding': encoding });

    expect(packed.statusCode).toBe(200);
    expect(packed.headers['content-encoding']).toBe(encoding);
    expect(String(packed.headers.vary)).toMatch(/accept-encoding/i);
    expect(packed.headers['content-type']).toBe(plain.headers['content-type']);
    expect(packed.rawPayload.length).toBeLessThan(plain.rawPayload.length);
    expect(decompress(packed.rawPayload).equals(plain.rawPayload)).toBe(true);
  });

  it('when it asks for a small answer (/health), then it is sent as it is', async () => {
    const res = await api.server.inject({ method: 'GET', url: '/health', headers: { 'accept-encoding': 'gzip' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.json()).toMatchObject({ status: 'ok' });
  });

  it('when it sends HEAD for the export, then no body, no 5xx', async () => {
    const res = await get(EXPORT, admin, { 'accept-encoding': 'gzip' }, 'HEAD');
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.length).toBe(0);
  });

  it('when a request is refused (a problem), then it is a problem still, readable once decompressed if it was compressed', async () => {
    const res = await get('/v1/reports/sla?format=xml', admin, { 'accept-encoding': 'gzip' });
    expect(res.statusCode).toBe(400);
    const body = res.headers['content-encoding'] === 'gzip' ? gunzipSync(res.rawPayload).toString('utf8') : res.payload;
    expect(JSON.parse(body)).toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
