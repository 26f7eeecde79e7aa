/**
 * Methods and media types as a client library or a browser meets them (RFC 9110): a known address
 * asked with a method it does not take is 405 METHOD_NOT_ALLOWED with `Allow`, not 404 "没有这个地址";
 * OPTIONS says which methods an address takes; HEAD of every GET route sends GET's headers and no
 * body; None of them stores anything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { mintToken } from '../../api/auth.js';
import { buildServer } from '../../api/server.js';
import { loadConfig } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';
import { actors, startInputs } from '../machines/examples.js';
import { SECRET, startTestApi, type TestApi } from './harness.js';
import { eventsStored } from './wire.js';

let api: TestApi;
let supervisor: string;
let applicant: string;
let caseId: string;
beforeAll(async () => {
  api = await startTestApi({ now: '2026-03-02T01:00:00.000Z' });
  supervisor = await api.token('supervisor', '370000-dsj');
  applicant = await api.token('applicant', actors.company.org, actors.company.sub);
  const started = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: startInputs.objection } });
  expect(started.status).toBe(201);
  caseId = started.body.id;
});
afterAll(() => api.close());

const PROBLEM = 'application/problem+json; charset=utf-8';
const PERIOD = 'from=2026-01-01T00:00:00Z&to=2026-04-01T00:00:00Z';

describe('a known address with a method it does not take', () => {
  it.each([
    ['DELETE', '/v1/cases', 'GET, HEAD, OPTIONS, POST'],
    ['PUT', '/v1/inbox', 'GET, HEAD, OPTIONS'],
    ['PATCH', '/v1/cases/3f0b5f8e-2a47-4c1e-9d55-0c6a1f2b7e90', 'GET, HEAD, OPTIONS'],
    ['GET', '/v1/cases/3f0b5f8e-2a47-4c1e-9d55-0c6a1f2b7e90/commands', 'OPTIONS, POST'],
    ['POST', '/v1/calendar/2026', 'GET, HEAD, OPTIONS, PUT'],
    ['DELETE', '/v1/reports/overdue', 'GET, HEAD, OPTIONS'],
    ['POST', '/health', 'GET, HEAD, OPTIONS'],
    ['PUT', '/metrics', 'GET, HEAD, OPTIONS'],
    ['POST', '/docs', 'GET, HEAD, OPTIONS'],
  ])('given %s %s, then 405 METHOD_NOT_ALLOWED as a problem in Chinese with Allow: %s, and nothing stored', async (method, url, allow) => {
    const before = await eventsStored(api);
    const res = await api.call(method, url, { as: supervisor });
    expect(res.status).toBe(405);
    expect(res.headers['content-type']).toBe(PROBLEM);
    expect(res.headers.allow).toBe(allow);
    expect(res.headers['content-language']).toBe('zh-CN');
    expect(res.body).toEqual({
      type: 'urn:sd-open-data:problem:METHOD_NOT_ALLOWED',
      title: '不支持此请求方法',
      status: 405,
      code: 'METHOD_NOT_ALLOWED',
      detail: `此地址不支持 ${method} 方法，支持的方法：${allow}`,
    });
    expect(await eventsStored(api)).toBe(before);
  });

  it('given Accept-Language: en, then the same problem in English', async () => {
    const res = await api.call('DELETE', '/v1/cases', { as: supervisor, headers: { 'accept-language': 'en' } });
    expect(res.status).toBe(405);
    expect(res.headers['content-language']).toBe('en');
    expect(res.body).toMatchObject({ title: 'Method not allowed', code: 'METHOD_NOT_ALLOWED', detail: 'this address does not take DELETE; it takes GET, HEAD, OPTIONS, POST' });
  });

  it('given a body that is not JSON, or over the 1 MiB cap, then still 405: the body is neither read nor checked', async () => {
    for (const [body, type] of [['<inbox/>', 'application/xml'], ['{"a":', 'application/json'], [JSON.stringify({ x: 'x'.repeat(1_100_000) }), 'application/json']] as const) {
      const res = await api.call('PUT', '/v1/inbox', { as: supervisor, body, headers: { 'content-type': type } });
      expect(res.status, res.text.slice(0, 200)).toBe(405);
      expect(res.body.code).toBe('METHOD_NOT_ALLOWED');
    }
  });

  it('given no token on a /v1 address, then 401 as before, for a known address and an unknown one alike: an anonymous caller is not told which /v1 addresses exist', async () => {
    for (const url of ['/v1/cases', '/v1/nothing-here']) {
      const res = await api.call('DELETE', url);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('UNAUTHENTICATED');
    }
  });

  it('given an address the API does not have, then 404 NOT_FOUND as before', async () => {
    for (const [method, url] of [['DELETE', '/nothing-here'], ['GET', '/v1/nothing-here'], ['GET', '/v1/cases/3f0b5f8e-2a47-4c1e-9d55-0c6a1f2b7e90/nothing']] as const) {
      const res = await api.call(method, url, { as: supervisor });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ code: 'NOT_FOUND', detail: `没有这个地址：${method} ${url}` });
    }
  });

  it('given /docs, then the Problem component lists METHOD_NOT_ALLOWED among its codes and says when it is answered', async () => {
    const docs = (await api.call('GET', '/docs')).body;
    const code = docs.components.schemas.Problem.properties.code;
    expect(code.enum).toContain('METHOD_NOT_ALLOWED');
    expect(code.description).toContain('METHOD_NOT_ALLOWED（405）');
    expect(Object.keys(docs.paths).some((path) => /OPTIONS|405/.test(path))).toBe(false);
    for (const operations of Object.values(docs.paths) as Record<string, unknown>[]) expect(Object.keys(operations)).not.toContain('options');
  });
});

describe('given the test clock off (as in production)', () => {
  it('when GET or OPTIONS /v1/test/clock, then 404 as for PUT: an address that is not there is not said to take PUT', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wf-methods-clock-off-'));
    const app = await createApp(loadConfig({ WORKFLOW_DATA_DIR: dataDir, WORKFLOW_JWT_SECRET: SECRET, WORKFLOW_SQLITE_SYNCHRONOUS: 'OFF' }), { logger: createLogger({ level: 'silent' }) });
    const server = await buildServer(app);
    try {
      const admin = await mintToken(SECRET, { sub: 'admin', role: 'admin', org: '370000-dsj' });
      for (const method of ['GET', 'OPTIONS', 'DELETE', 'PUT'] as const) {
        const res = await server.inject({ method, url: '/v1/test/clock', headers: { authorization: `Bearer ${admin}` } });
        expect(res.statusCode, method).toBe(404);
        expect(res.headers.allow).toBeUndefined();
      }
    } finally {
      await server.close();
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('OPTIONS', () => {
  it.each([
    ['/v1/cases', 'GET, HEAD, OPTIONS, POST'],
    ['/v1/cases/3f0b5f8e-2a47-4c1e-9d55-0c6a1f2b7e90/commands', 'OPTIONS, POST'],
    ['/v1/calendar/2026', 'GET, HEAD, OPTIONS, PUT'],
    ['/v1/reports/sla', 'GET, HEAD, OPTIONS'],
    ['/health', 'GET, HEAD, OPTIONS'],
  ])('given OPTIONS %s with a token, then 204 with Allow: %s and no body, and nothing stored', async (url, allow) => {
    const before = await eventsStored(api);
    const res = await api.call('OPTIONS', url, { as: supervisor });
    expect(res.status).toBe(204);
    expect(res.headers.allow).toBe(allow);
    expect(res.text).toBe('');
    expect(await eventsStored(api)).toBe(before);
  });

  it('given OPTIONS on an open route without a token (curl -X OPTIONS), then 204 with Allow; on a /v1 route, 401 as every /v1 request without one', async () => {
    const open = await api.call('OPTIONS', '/metrics');
    expect(open.status).toBe(204);
    expect(open.headers.allow).toBe('GET, HEAD, OPTIONS');
    const v1 = await api.call('OPTIONS', '/v1/cases', { headers: { origin: 'https://portal.example', 'access-control-request-method': 'POST' } });
    expect(v1.status).toBe(401);
    expect(v1.body.code).toBe('UNAUTHENTICATED');
    // Without WORKFLOW_CORS_ORIGINS (the default) no CORS is offered: a preflight gets no Access-Control-Allow-Origin (test/api/cors.test.ts).
    expect(v1.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('given OPTIONS on an address the API does not have, then 404 as before', async () => {
    const res = await api.call('OPTIONS', '/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('NOT_FOUND');
  });

  /** The raw answer to a request written as is, on a socket: inject cannot send the asterisk form. */
  async function raw(request: string): Promise<string> {
    if (!api.server.server.listening) await api.server.listen({ port: 0, host: '127.0.0.1' });
    const { port } = api.server.server.address() as { port: number };
    return new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(request));
      let answer = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (answer += chunk));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
    });
  }

  it('given OPTIONS * (the server as a whole, RFC 9110 §9.3.7), without a token, then 204 with Allow naming every method the API serves, no body, and nothing stored', async () => {
    const before = await eventsStored(api);
    const answer = await raw('OPTIONS * HTTP/1.1\r\nHost: api.example\r\nConnection: close\r\n\r\n');
    const [head, body] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 204 /);
    expect(head).toMatch(/\r\nallow: GET, HEAD, OPTIONS, POST, PUT\r\n/i);
    expect(body).toBe('');
    expect(await eventsStored(api)).toBe(before);
  });

  it('given another method with *, then 404 as before', async () => {
    const answer = await raw('GET * HTTP/1.1\r\nHost: api.example\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 404 /);
    expect(answer).toContain('"code":"NOT_FOUND"');
  });
});

describe('HEAD of every GET route', () => {
  const routes = () => [
    ['/health', undefined],
    ['/docs', undefined],
    ['/v1/cases', supervisor],
    [`/v1/cases/${caseId}`, applicant],
    [`/v1/cases/${caseId}/history`, applicant],
    [`/v1/cases/${caseId}/verify`, applicant],
    ['/v1/inbox', applicant],
    ['/v1/reports/overdue', supervisor],
    [`/v1/reports/sla?${PERIOD}`, supervisor],
    [`/v1/reports/sla?${PERIOD}&format=csv`, supervisor],
    ['/v1/calendar/deadline?from=2026-03-02&workingDays=5', applicant],
    ['/v1/calendar/2026', applicant],
    ['/v1/processes', applicant],
    ['/v1/processes/objection/diagram?format=mermaid', applicant],
    [`/v1/cases/nothing-here`, applicant],
  ] as const;

  it('given each GET route, when asked HEAD, then GET’s status and headers with no body, no 5xx, and nothing stored', async () => {
    const before = await eventsStored(api);
    for (const [url, as] of routes()) {
      for (const lang of ['zh', 'en']) {
        const headers: Record<string, string> = lang === 'en' ? { 'accept-language': 'en' } : {};
        const get = await api.call('GET', url, { ...(as ? { as } : {}), headers });
        const head = await api.call('HEAD', url, { ...(as ? { as } : {}), headers });
        expect(head.status, url).toBe(get.status);
        expect(head.status, url).toBeLessThan(500);
        expect(head.text, url).toBe('');
        for (const name of ['content-type', 'content-length', 'content-language', 'vary', 'cache-control', 'content-disposition', 'allow']) {
          expect(head.headers[name], `${url} ${name}`).toBe(get.headers[name]);
        }
      }
    }
    expect(await eventsStored(api)).toBe(before);
  });

  it('given HEAD on a route that takes no GET, then 405 with Allow and no body', async () => {
    const res = await api.call('HEAD', `/v1/cases/${caseId}/commands`, { as: applicant });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('OPTIONS, POST');
    expect(res.text).toBe('');
  });
});
