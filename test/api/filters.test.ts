/**
 * Query filters that name a process or a state are checked against the registry: a misspelt one is
 * 400 VALIDATION_FAILED with the choices, not an empty list that reads as "no work".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
let supervisor: string;
let authority: string;
beforeAll(async () => {
  api = await startTestApi();
  supervisor = await api.token('supervisor', '370000-dsj');
  authority = await api.token('authority', '370100-dsj');
});
afterAll(() => api.close());

describe('a filter naming a process', () => {
  it.each(['/v1/cases', '/v1/inbox', '/v1/reports/overdue', '/v1/reports/sla'])('%s?process=objections (misspelt) is 400 naming process, with the five processes', async (path) => {
    const res = await api.call('GET', `${path}?process=objections`, { as: path === '/v1/inbox' ? authority : supervisor });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors).toEqual([{ path: 'querystring.process', message: '未知的流程，可选：conditionalApplication、datasetRelease、listAdjustment、objection、unopenedDataRequest' }]);
  });

  it.each(['/v1/cases', '/v1/inbox', '/v1/reports/overdue', '/v1/reports/sla'])('%s?process=objection is 200', async (path) => {
    expect((await api.call('GET', `${path}?process=objection`, { as: path === '/v1/inbox' ? authority : supervisor })).status).toBe(200);
  });
});

describe('a filter naming a state', () => {
  it('/v1/cases?state=aproved (misspelt) is 400 naming state; a state some process has is 200', async () => {
    const bad = await api.call('GET', '/v1/cases?state=aproved', { as: supervisor });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: 'querystring.state', message: expect.stringMatching(/^未知的状态，可选：.*approved/) })]);
    expect((await api.call('GET', '/v1/cases?state=approved', { as: supervisor })).status).toBe(200);
  });
});

describe('a filter naming a deadline basis', () => {
  it.each(['/v1/reports/overdue', '/v1/reports/sla'])('%s?basis=law is 400 with the three bases; basis=statute is 200', async (path) => {
    const bad = await api.call('GET', `${path}?basis=law`, { as: supervisor });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'querystring.basis', message: '须为以下之一：statute、policy、agreement' }]);
    expect((await api.call('GET', `${path}?basis=statute`, { as: supervisor })).status).toBe(200);
  });
});
