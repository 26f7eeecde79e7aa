/**
 * A browser front-end on another origin (a government portal) calling the API (Fetch standard, CORS):
 * with WORKFLOW_CORS_ORIGINS set, a preflight from a listed origin is answered 204 with no body and no
 * token needed, and answers to it carry Access-Control-Allow-Origin and the headers its client reads;
 * an origin not listed gets no CORS header and is served as before; unset, nothing changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../infra/config.js';
import { actors, startInputs } from '../machines/examples.js';
import { beginStopping } from '../../api/server.js';
import { startTestApi, type TestApi } from './harness.js';
import { eventsStored } from './wire.js';

const PORTAL = 'https://portal.example.gov.cn';
const OTHER = 'https://evil.example.com';
const REQUESTED = 'authorization, content-type, idempotency-key, accept-language';

const preflight = (origin: string, method = 'POST') => ({
  origin,
  'access-control-request-method': method,
  'access-control-request-headers': REQUESTED,
});

/** Every CORS response header an answer carries. */
const corsHeaders = (headers: Record<string, unknown>) => Object.keys(headers).filter((name) => name.startsWith('access-control-'));

describe('WORKFLOW_CORS_ORIGINS', () => {
  it('given nothing, then no origin is allowed (CORS off, as before)', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
  });

  it('given origins separated by commas, with spaces around, then each is allowed', () => {
    expect(loadConfig({ WORKFLOW_CORS_ORIGINS: ` ${PORTAL} , http://10.1.2.3:8080,https://[::1]:8443` }).corsOrigins).toEqual([PORTAL, 'http://10.1.2.3:8080', 'https://[::1]:8443']);
  });

  it.each([
    ['', '不能为空'],
    [' , ', '不能为空'],
    ['*', '"*"'],
    ['portal.example.gov.cn', '"portal.example.gov.cn"'],
    ['https://portal.example.gov.cn/', `应写作 ${PORTAL}`],
    ['https://portal.example.gov.cn/app', `应写作 ${PORTAL}`],
    ['https://Portal.Example.gov.cn', `应写作 ${PORTAL}`],
    ['https://portal.example.gov.cn:443', `应写作 ${PORTAL}`],
    ['ftp://portal.example.gov.cn', '"ftp://portal.example.gov.cn"'],
    ['https://*.example.gov.cn', '"https://*.example.gov.cn"'],
    [`${PORTAL},null`, '"null"'],
  ])('given %j, then the server does not start, saying in Chinese what is wrong (%s)', (value, said) => {
    let error: unknown;
    try {
      loadConfig({ WORKFLOW_CORS_ORIGINS: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/^配置有误：WORKFLOW_CORS_ORIGINS=/);
    expect(message).toContain(said);
    if (value.trim().replace(/[ ,]/g, '') !== '') expect(message).toContain('例如 https://portal.example.gov.cn');
  });
});

describe('with WORKFLOW_CORS_ORIGINS naming the portal', () => {
  let api: TestApi;
  let applicant: string;
  let supervisor: string;
  let caseId: string;
  beforeAll(async () => {
    api = await startTestApi({ env: { WORKFLOW_CORS_ORIGINS: `${PORTAL},http://localhost:5173` } });
    applicant = await api.token('applicant', actors.company.org, actors.company.sub);
    supervisor = await api.token('supervisor', '370000-dsj');
    const started = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: startInputs.objection } });
    expect(started.status).toBe(201);
    caseId = started.body.id;
  });
  afterAll(() => api.close());

  it.each([
    ['POST', '/v1/cases'],
    ['GET', '/v1/inbox'],
    ['POST', '/v1/cases/3f0b5f8e-2a47-4c1e-9d55-0c6a1f2b7e90/commands'],
    ['PUT', '/v1/calendar/2026'],
    ['GET', '/v1/reports/overdue?format=csv'],
    ['GET', '/health'],
    ['GET', '/docs'],
  ])('given a preflight from the portal for %s %s, without a token (a browser sends none), then 204, no body, the origin, methods and headers allowed', async (method, url) => {
    const before = await eventsStored(api);
    const res = await api.call('OPTIONS', url, { headers: preflight(PORTAL, method) });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(res.headers['access-control-allow-origin']).toBe(PORTAL);
    expect(String(res.headers['access-control-allow-methods']).split(/,\s*/)).toEqual(expect.arrayContaining([method, 'GET', 'HEAD', 'POST', 'PUT']));
    expect(String(res.headers['access-control-allow-headers']).toLowerCase().split(/,\s*/)).toEqual(expect.arrayContaining(REQUESTED.split(', ')));
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(String(res.headers.vary)).toMatch(/\bOrigin\b/);
    expect(await eventsStored(api)).toBe(before);
  });

  it('given the other listed origin, then it is the one allowed: the origin is echoed, never a list or *', async () => {
    const res = await api.call('OPTIONS', '/v1/inbox', { headers: preflight('http://localhost:5173', 'GET') });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5173');
  });

  it('given a preflight, then it is counted as a 204 in /metrics, not as an error', async () => {
    await api.call('OPTIONS', '/v1/inbox', { headers: preflight(PORTAL, 'GET') });
    const metrics = await api.call('GET', '/metrics');
    const lines = metrics.text.split('\n').filter((line) => line.startsWith('workflow_http_requests_total{') && line.includes('method="OPTIONS"'));
    expect(lines.some((line) => line.includes('route="/v1/inbox"') && line.includes('status="204"'))).toBe(true);
    expect(lines.filter((line) => !line.includes('status="204"'))).toEqual([]);
  });

  it('given a start from the portal, then 201 with the origin allowed and Location, the request id and Retry-After exposed to the page', async () => {
    const res = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: startInputs.objection }, headers: { origin: PORTAL, 'idempotency-key': 'cors-start-1' } });
    expect(res.status).toBe(201);
    expect(res.headers['access-control-allow-origin']).toBe(PORTAL);
    const exposed = String(res.headers['access-control-expose-headers']).toLowerCase().split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['location', 'x-request-id', 'retry-after', 'content-disposition', 'x-read-models-position', 'www-authenticate']));
    expect(res.headers.location).toMatch(/^\/v1\/cases\//);
  });

  it('given a read, a CSV and an error from the portal, then each carries the origin: the page can read the problem', async () => {
    const read = await api.call('GET', `/v1/cases/${caseId}`, { as: applicant, headers: { origin: PORTAL } });
    expect(read.status).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBe(PORTAL);
    const csv = await api.call('GET', '/v1/reports/overdue?format=csv', { as: supervisor, headers: { origin: PORTAL } });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-disposition']).toMatch(/attachment/);
    expect(csv.headers['access-control-allow-origin']).toBe(PORTAL);
    for (const [res, status] of [
      [await api.call('GET', '/v1/inbox', { headers: { origin: PORTAL } }), 401],
      [await api.call('GET', '/v1/nowhere', { as: applicant, headers: { origin: PORTAL } }), 404],
      [await api.call('DELETE', '/v1/cases', { as: applicant, headers: { origin: PORTAL } }), 405],
      [await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'nope' }, headers: { origin: PORTAL, 'accept-language': 'en' } }), 400],
    ] as const) {
      expect(res.status).toBe(status);
      expect(res.headers['access-control-allow-origin']).toBe(PORTAL);
    }
  });

  it('given an origin not listed, then no CORS header at all, and it is served as before: a preflight under /v1 is 401, elsewhere 204 with Allow; a request is answered', async () => {
    const v1 = await api.call('OPTIONS', '/v1/cases', { headers: preflight(OTHER) });
    expect(v1.status).toBe(401);
    expect(corsHeaders(v1.headers)).toEqual([]);
    const health = await api.call('OPTIONS', '/health', { headers: preflight(OTHER, 'GET') });
    expect(health.status).toBe(204);
    expect(health.headers.allow).toBe('GET, HEAD, OPTIONS');
    expect(corsHeaders(health.headers)).toEqual([]);
    const read = await api.call('GET', '/v1/inbox', { as: applicant, headers: { origin: OTHER } });
    expect(read.status).toBe(200);
    expect(corsHeaders(read.headers)).toEqual([]);
    // An origin that only starts like a listed one, or differs in case, is another origin.
    for (const origin of [`${PORTAL}.evil.example.com`, 'https://PORTAL.example.gov.cn', 'http://portal.example.gov.cn', 'null']) {
      const res = await api.call('OPTIONS', '/v1/inbox', { headers: preflight(origin, 'GET') });
      expect(res.status, origin).toBe(401);
      expect(corsHeaders(res.headers), origin).toEqual([]);
    }
  });

  it('given no Origin (curl, a server-to-server client), then no CORS header, as before', async () => {
    const res = await api.call('GET', '/v1/inbox', { as: applicant });
    expect(res.status).toBe(200);
    expect(corsHeaders(res.headers)).toEqual([]);
  });

  it('given an OPTIONS from the portal that is no preflight (no Access-Control-Request-Method), then as any OPTIONS: a token first under /v1, 204 with Allow elsewhere', async () => {
    const v1 = await api.call('OPTIONS', '/v1/cases', { headers: { origin: PORTAL } });
    expect(v1.status).toBe(401);
    const health = await api.call('OPTIONS', '/health', { headers: { origin: PORTAL } });
    expect(health.status).toBe(204);
    expect(health.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  it('given a preflight for an address that does not exist, then no 5xx and nothing stored', async () => {
    const before = await eventsStored(api);
    const res = await api.call('OPTIONS', '/v1/nowhere', { headers: preflight(PORTAL, 'GET') });
    expect(res.status).toBeLessThan(500);
    expect(await eventsStored(api)).toBe(before);
  });
});

describe('without WORKFLOW_CORS_ORIGINS', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('given a preflight from the portal, then no CORS header: CORS stays off (the default)', async () => {
    const res = await api.call('OPTIONS', '/v1/cases', { headers: preflight(PORTAL) });
    expect(res.status).toBe(401);
    expect(corsHeaders(res.headers)).toEqual([]);
    const read = await api.call('GET', '/health', { headers: { origin: PORTAL } });
    expect(corsHeaders(read.headers)).toEqual([]);
  });
});

describe('with WORKFLOW_CORS_ORIGINS, while the server stops (SIGTERM)', () => {
  let api: TestApi;
  let applicant: string;
  beforeAll(async () => {
    api = await startTestApi({ env: { WORKFLOW_CORS_ORIGINS: PORTAL } });
    applicant = await api.token('applicant', actors.company.org, actors.company.sub);
    await beginStopping(api.server, 0, api.app.logger);
  });
  afterAll(() => api.close());

  it('given a preflight and then the request from the portal, then the preflight is answered and the 503 carries the origin: the page reads its Retry-After', async () => {
    const pre = await api.call('OPTIONS', '/v1/cases', { headers: preflight(PORTAL) });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe(PORTAL);
    expect(pre.headers.connection).toBe('close');
    const res = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: startInputs.objection }, headers: { origin: PORTAL } });
    expect(res.status).toBe(503);
    expect(res.body.reason).toBe('shuttingDown');
    expect(res.headers['access-control-allow-origin']).toBe(PORTAL);
    expect(String(res.headers['access-control-expose-headers'])).toMatch(/Retry-After/i);
    expect(res.headers['retry-after']).toBe('5');
  });
});
