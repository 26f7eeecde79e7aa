/**
 * A route only some roles may use tells any other caller so before it reads what was sent (API.md
 * "Errors": 403 FORBIDDEN), as a case command's wrong party is told before its data: an applicant
 * sending a half-written holiday notice learns it may not load one, not which fields the notice lacks.
 * A caller of the right role still gets the check of what it sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type Role, type TestApi } from './harness.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ now: '2026-03-02T02:00:00.000Z' });
});
afterAll(() => api.close());

interface Gated {
  method: string;
  url: string;
  body?: unknown;
  /** A role refused, a role let through. */
  refused: [Role, string];
  allowed: [Role, string];
  forbidden: { zh: string; en: string };
}

const GATED: Gated[] = [
  { method: 'PUT', url: '/v1/calendar/2028', body: {}, refused: ['applicant', '91370100MA3C8K2D0E'], allowed: ['admin', '370000-dsj'], forbidden: { zh: '只有管理员可以载入节假日安排', en: 'only an admin may load a holiday notice' } },
  { method: 'PUT', url: '/v1/test/clock', body: { now: 'x' }, refused: ['authority', '370100-dsj'], allowed: ['admin', '370000-dsj'], forbidden: { zh: '只有管理员可以调整测试时钟', en: 'only an admin may move the test clock' } },
  { method: 'GET', url: '/v1/reports/overdue?asOf=yesterday', refused: ['provider', '370100-gaj'], allowed: ['supervisor', '370100-dsj'], forbidden: { zh: '只有监督、审计、主管部门和管理员可以查看报表', en: 'reports are for supervisors, auditors, competent authorities and admins' } },
  { method: 'GET', url: '/v1/reports/sla?groupBy=weather', refused: ['applicant', '91370100MA3C8K2D0E'], allowed: ['auditor', '370100-dsj'], forbidden: { zh: '只有监督、审计、主管部门和管理员可以查看报表', en: 'reports are for supervisors, auditors, competent authorities and admins' } },
  { method: 'GET', url: '/v1/audit/export?from=2026-01-01', refused: ['supervisor', '370000-dsj'], allowed: ['auditor', '370100-dsj'], forbidden: { zh: '只有审计和管理员可以导出事件', en: 'only auditors and admins may export events' } },
];

describe.each(GATED)('$method $url', ({ method, url, body, refused, allowed, forbidden }) => {
  it(`given a ${refused[0]}, when it sends what the route would refuse anyway, then 403 saying who may, in Chinese and in English`, async () => {
    const as = await api.token(...refused);
    const zh = await api.call(method, url, { as, ...(body === undefined ? {} : { body }) });
    expect([zh.status, zh.body.code, zh.body.detail, zh.body.errors]).toEqual([403, 'FORBIDDEN', forbidden.zh, undefined]);
    const en = await api.call(method, url, { as, headers: { 'accept-language': 'en' }, ...(body === undefined ? {} : { body }) });
    expect([en.status, en.body.detail]).toEqual([403, forbidden.en]);
  });

  it(`given a ${allowed[0]}, when it sends the same, then 400 naming what is wrong`, async () => {
    const res = await api.call(method, url, { as: await api.token(...allowed), ...(body === undefined ? {} : { body }) });
    expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(res.body.errors.length).toBeGreaterThan(0);
  });

  it('given no token, then 401 first', async () => {
    const res = await api.call(method, url, body === undefined ? {} : { body });
    expect(res.status).toBe(401);
  });
});
