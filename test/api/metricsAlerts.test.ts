/**
 * What an operator alerts on from /metrics and /health alone, on a running API: stages past their
 * legal deadline (第十九条), system commands due but not sent (timers), a store that fails to write
 * when only the timer pass writes, and 503 answers by their reason.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actors, startInputs } from '../machines/examples.js';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
beforeEach(async () => {
  // A Monday in March 2025: the examples' dates (use periods, agreements) fit around it.
  api = await startTestApi({ now: '2025-03-03T01:30:00.000Z' });
});
afterEach(() => api.close());

const metrics = async () => (await api.call('GET', '/metrics')).text;
const sample = (text: string, name: string) => text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));

describe('given requests answered 503', () => {
  it('when the store is busy (another process holds its write lock), then workflow_http_unavailable_total counts it under storeBusy, apart from a full store', async () => {
    const applicant = await api.token('applicant', actors.company.org, actors.company.sub);
    const start = () => api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: startInputs.objection } });
    for (const code of ['SQLITE_BUSY', 'SQLITE_BUSY', 'SQLITE_FULL']) {
      api.app.store.appendToStream = async () => {
        throw Object.assign(new Error('store'), { code });
      };
      expect((await start()).status).toBe(503);
    }
    delete (api.app.store as { appendToStream?: unknown }).appendToStream;
    expect((await start()).status).toBe(201);
    const text = await metrics();
    expect(sample(text, 'workflow_http_unavailable_total').sort()).toEqual([
      'workflow_http_unavailable_total{reason="storeBusy"} 2',
      'workflow_http_unavailable_total{reason="storeFull"} 1',
    ]);
  });
});
