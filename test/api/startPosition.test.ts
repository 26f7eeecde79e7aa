/**
 * A start answers the position of its event, as a command does (API.md "Cases": read endpoints take
 * `minPosition`). Where read models lag (EventStoreDB mode), a reviewer who starts a case and then
 * opens the inbox or the case list passes it to see the case there; without it the starter had no
 * position to wait for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, startInputs } from '../machines/examples.js';
import { startTestApi, type TestApi } from './harness.js';

describe('POST /v1/cases answers the position of the start', () => {
  let api: TestApi;
  let provider: string;
  beforeAll(async () => {
    api = await startTestApi();
    provider = await api.token('provider', actors.provider.org, actors.provider.sub);
  });
  afterAll(() => api.close());

  it('given a provider starts a release, then the 201 names the position of the case’s first event, an Idempotency-Key answers it again, and a read waiting for it finds the case', async () => {
    const start = () => api.call('POST', '/v1/cases', { as: provider, body: { process: 'datasetRelease', input: startInputs.datasetRelease }, headers: { 'idempotency-key': 'start-position-1' } });
    const started = await start();
    expect(started.status, started.text).toBe(201);
    const history = await api.call('GET', `/v1/cases/${started.body.id}/history`, { as: provider });
    expect(history.body.events).toHaveLength(1);
    expect(started.body.position).toBe(history.body.events[0].position);

    const again = await start();
    expect([again.status, again.body.id, again.body.position]).toEqual([201, started.body.id, started.body.position]);
    // Told apart as a command's answer is (integrators' QA: an identical 201).
    expect([started.body.replayed, again.body.replayed]).toEqual([false, true]);

    const list = await api.call('GET', `/v1/cases?minPosition=${started.body.position}`, { as: provider });
    expect(list.status, list.text).toBe(200);
    expect(list.body.items.map((c: { id: string }) => c.id)).toContain(started.body.id);
  });
});
