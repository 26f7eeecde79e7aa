/**
 * HEAD of the audit export (the overdue report's: reportTurns.test.ts) sends the headers GET would send
 * and reads nothing: fastify's own HEAD route ran the GET handler and read its stream to the end into
 * the void — every event of the period, for a request that wants none of them.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { actors, startInputs } from '../machines/examples.js';
import { startTestApi, type TestApi } from './harness.js';

const PERIOD = 'from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z';

describe('HEAD /v1/audit/export', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ now: '2026-03-02T01:00:00.000Z' });
    for (let i = 0; i < 3; i++) await api.app.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company });
  });
  afterAll(() => api.close());

  it('given events in the period, when an auditor asks HEAD, then GET’s headers with no body, and no event is read', async () => {
    const auditor = await api.token('auditor', '370000-dsj');
    const get = await api.call('GET', `/v1/audit/export?${PERIOD}`, { as: auditor });
    expect(get.text.trim().split('\n')).toHaveLength(3);
    const exportEvents = vi.spyOn(api.app.readModels, 'exportEvents');
    try {
      const head = await api.call('HEAD', `/v1/audit/export?${PERIOD}`, { as: auditor });
      expect(head.status).toBe(200);
      expect(head.text).toBe('');
      expect(head.headers['content-type']).toBe(get.headers['content-type']);
      expect(head.headers['content-disposition']).toBe(get.headers['content-disposition']);
      expect(exportEvents).not.toHaveBeenCalled();
    } finally {
      exportEvents.mockRestore();
    }
  });

  it('when HEAD is asked as GET would be refused, then the same status', async () => {
    const reviewer = await api.token('provider', '370100-gaj');
    for (const [as, query] of [[reviewer, PERIOD], [undefined, PERIOD], [await api.token('auditor', '370000-dsj'), 'from=2026-01-01T00:00:00Z']] as const) {
      const get = await api.call('GET', `/v1/audit/export?${query}`, as ? { as } : {});
      const head = await api.call('HEAD', `/v1/audit/export?${query}`, as ? { as } : {});
      expect(get.status).toBeGreaterThanOrEqual(400);
      expect(head.status).toBe(get.status);
    }
  });
});
