/**
 * GET /metrics (Prometheus text) counts the API's own traffic: every route's requests by status,
 * and their latency, beside the events appended.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInputs } from '../machines/examples.js';
import { withCheckpointerSetUpFailing } from '../eventstore/checkpointerSetUp.js';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

describe('GET /metrics', () => {
  it('given requests to other routes, then they are counted by route and status, with their latency', async () => {
    const authority = await api.token('authority', '370100-dsj');
    const applicant = await api.token('applicant', '91370100MA3C5ABC1B');
    await api.call('GET', '/v1/inbox', { as: authority });
    await api.call('GET', '/v1/inbox', { as: authority });
    await api.call('GET', '/v1/inbox');
    await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: startInputs.objection } });
    const text = (await api.call('GET', '/metrics')).text;
    expect(text).toContain('workflow_http_requests_total{method="GET",route="/v1/inbox",status="200"} 2');
    expect(text).toContain('workflow_http_requests_total{method="GET",route="/v1/inbox",status="401"} 1');
    expect(text).toContain('workflow_http_requests_total{method="POST",route="/v1/cases",status="201"} 1');
    expect(text).toMatch(/workflow_http_request_duration_seconds_count\{method="GET",route="\/v1\/inbox"\} 3/);
    expect(text).toContain('workflow_events_appended_total{process="objection",command="START"} 1');
  });

  it('says what each of its own metrics counts in Chinese (HELP), under the names alerts use', async () => {
    const text = (await api.call('GET', '/metrics')).text;
    const help = new Map([...text.matchAll(/^# HELP (workflow_\w+) (.*)$/gm)].map(([, name, words]) => [name!, words!]));
    expect([...help.keys()].sort()).toEqual([
      'workflow_calendar_restatement_progress',
      'workflow_directory_handon_progress',
      'workflow_events_appended_total',
      'workflow_http_request_duration_seconds',
      'workflow_http_requests_total',
      'workflow_http_unavailable_total',
      'workflow_identity_provider_unreachable',
      'workflow_readmodels_lag_events',
      'workflow_readmodels_rebuild_progress',
      'workflow_readmodels_rebuilding',
      'workflow_store_checkpointer_stopped',
      'workflow_store_position',
      'workflow_store_trouble',
      'workflow_store_up',
      'workflow_tasks_overdue',
      'workflow_timers_due',
      'workflow_timers_pass_progress',
    ]);
    for (const [name, words] of help) expect(words, name).toMatch(/\p{Script=Han}/u);
    // EventStoreDB's lag is counted by reading the events, up to 1,000 (LAG_COUNT_CAP): a 1000 may mean many more.
    expect(help.get('workflow_readmodels_lag_events')).toBe('存储中读模型尚未处理的事件数（EventStoreDB 下最多计到 1000，读数为 1000 时实际可能更多）');
    expect(help.get('workflow_store_trouble')).toBe('存储自上次成功追加以来是否写入失败（是 1，否 0），按原因：storeFull、storeReadOnly、storeIo；storeNotFlushed 与 storeDamaged（事件库文件已损坏）持续到重启');
  });

  it('given a store that failed to write, then workflow_store_trouble says why; the read models neither rebuilding nor behind', async () => {
    let text = (await api.call('GET', '/metrics')).text;
    expect(text).not.toMatch(/^workflow_store_trouble\{/m);
    expect(text).toMatch(/^workflow_readmodels_rebuilding 0$/m);
    expect(text).toMatch(/^workflow_readmodels_rebuild_progress NaN$/m);
    expect(text).toMatch(/^workflow_readmodels_lag_events 0$/m);
    api.app.storeTrouble = { reason: 'storeFull', since: '2026-03-02T01:00:00.000Z' };
    try {
      text = (await api.call('GET', '/metrics')).text;
      expect(text).toMatch(/^workflow_store_trouble\{reason="storeFull"\} 1$/m);
    } finally {
      api.app.storeTrouble = undefined;
    }
    expect((await api.call('GET', '/metrics')).text).not.toMatch(/^workflow_store_trouble\{/m);
  });

  it('given a server whose store\'s background checkpointer failed as it started, then /health and /metrics say so from the start, since the time on the app\'s clock', async () => {
    const failed = await withCheckpointerSetUpFailing(() => startTestApi({ now: '2026-03-03T02:00:00.000Z' }));
    try {
      expect((await failed.call('GET', '/metrics')).text).toMatch(/^workflow_store_checkpointer_stopped 1$/m);
      expect((await failed.call('GET', '/health')).body).toMatchObject({ status: 'degraded', store: { checkpointerStopped: { since: '2026-03-03T02:00:00.000Z' } } });
    } finally {
      await failed.close();
    }
  });

  it('given the store\'s background checkpointer stopped, then workflow_store_checkpointer_stopped reads 1 and /health says degraded with store.checkpointerStopped and since when, until a restart', async () => {
    expect((await api.call('GET', '/metrics')).text).toMatch(/^workflow_store_checkpointer_stopped 0$/m);
    expect((await api.call('GET', '/health')).body).toMatchObject({ status: 'ok' });
    expect((await api.call('GET', '/health')).body.store.checkpointerStopped).toBeUndefined();
    // What the store's onCheckpointerFailed notes (api/app.ts) when the worker stops while the server runs (the test above makes it fail as it starts).
    api.app.checkpointer.stoppedSince = '2026-03-02T01:00:00.000Z';
    try {
      expect((await api.call('GET', '/metrics')).text).toMatch(/^workflow_store_checkpointer_stopped 1$/m);
      const health = await api.call('GET', '/health');
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({ status: 'degraded', store: { checkpointerStopped: { since: '2026-03-02T01:00:00.000Z' } } });
      expect(health.body.store.trouble).toBeUndefined();
    } finally {
      delete api.app.checkpointer.stoppedSince;
    }
    expect((await api.call('GET', '/metrics')).text).toMatch(/^workflow_store_checkpointer_stopped 0$/m);
  });
});
