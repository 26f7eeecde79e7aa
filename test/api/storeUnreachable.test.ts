/**
 * A store that cannot be reached (EventStoreDB down, its connection lost: the adapter's
 * `StoreUnreachableError`, test/eventstore/esdb-unreachable.test.ts) or a store file that no longer
 * reads as a database. Every route that meets it answers 503 with its reason — /health too, so a load
 * balancer takes the node out — never 500 INTERNAL; and a command whose answer was lost with the
 * connection is settled by a retry with the same Idempotency-Key, as the answer says.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreUnreachableError } from '../../eventstore/types.js';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
beforeEach(async () => {
  api = await startTestApi({ now: '2025-03-03T01:30:00.000Z' });
});
afterEach(() => api.close());

/** What the EventStoreDB client throws with no connection (gRPC 14), as the adapter hands it on. */
const connectionLost = () => new StoreUnreachableError(Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 }));

/** Replaces one of the store's methods for the rest of the test (the instance's own property shadows the class's). */
function breakStore<K extends 'headPosition' | 'readStream' | 'appendToStream'>(name: K, replacement: (...args: never[]) => Promise<never>): void {
  (api.app.store as unknown as Record<string, unknown>)[name] = replacement;
}
function mendStore(...names: string[]): void {
  for (const name of names) delete (api.app.store as unknown as Record<string, unknown>)[name];
}

describe('given EventStoreDB cannot be reached', () => {
  it('when /health is asked, then 503 storeUnreachable with Retry-After, in Chinese and in English; once the store answers, 200', async () => {
    breakStore('headPosition', async () => {
      throw connectionLost();
    });
    const zh = await api.call('GET', '/health');
    const en = await api.call('GET', '/health', { headers: { 'accept-language': 'en' } });
    for (const answer of [zh, en]) {
      expect(answer.status).toBe(503);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answer.headers['retry-after']).toBe('5');
      expect(answer.body).toMatchObject({ code: 'UNAVAILABLE', reason: 'storeUnreachable' });
    }
    expect(zh.body.detail).toMatch(/^暂时无法连接数据存储（EventStoreDB），请稍后重试/);
    expect(en.body.detail).toMatch(/^the data store \(EventStoreDB\) cannot be reached for now/);
    mendStore('headPosition');
    expect((await api.call('GET', '/health')).status).toBe(200);
  });

  it('when a case is read, then 503 storeUnreachable, not 500', async () => {
    const company = await api.token('applicant', actors.company.org, actors.company.sub);
    const started = await api.call('POST', '/v1/cases', { as: company, body: { process: 'objection', input: startInputs.objection } });
    expect(started.status).toBe(201);
    breakStore('readStream', async () => {
      throw connectionLost();
    });
    for (const path of ['', '/history', '/verify']) {
      const answer = await api.call('GET', `/v1/cases/${started.body.id}${path}`, { as: company });
      expect([path, answer.status, answer.body.reason]).toEqual([path, 503, 'storeUnreachable']);
    }
  });

  it('when a command was stored but its answer lost with the connection, then 503 says to retry with the same Idempotency-Key, and that retry answers the stored event without storing it again', async () => {
    const company = await api.token('applicant', actors.company.org, actors.company.sub);
    const provider = await api.token('provider', actors.provider.org, actors.provider.sub);
    const started = await api.call('POST', '/v1/cases', { as: company, body: { process: 'objection', input: startInputs.objection } });
    expect(started.status).toBe(201);
    const store = api.app.store;
    const append = store.appendToStream.bind(store);
    breakStore('appendToStream', async (...args: never[]) => {
      await append(...(args as unknown as Parameters<typeof append>));
      throw connectionLost();
    });
    const respond = { type: 'RESPOND', data: commandData.objection.RESPOND };
    const headers = { 'idempotency-key': 'respond-1' };
    const lost = await api.call('POST', `/v1/cases/${started.body.id}/commands`, { as: provider, body: respond, headers });
    expect(lost.status).toBe(503);
    expect(lost.body.reason).toBe('storeUnreachable');
    expect(lost.body.detail).toContain('请带同一 Idempotency-Key 重试，已保存的不会重复保存');
    mendStore('appendToStream');
    const head = await store.headPosition();

    const retried = await api.call('POST', `/v1/cases/${started.body.id}/commands`, { as: provider, body: respond, headers });

    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ state: 'responded', revision: 1, position: head });
    expect(await store.headPosition()).toBe(head);
    expect((await store.readStream(started.body.streamId ?? `objection-${started.body.id}`)).map((e) => e.type)).toHaveLength(2);
  });
});

describe('given a store file that no longer reads as a database', () => {
  it.each(['SQLITE_CORRUPT', 'SQLITE_NOTADB'])('when /health is asked and SQLite answers %s, then 503 storeIo, not 500', async (code) => {
    breakStore('headPosition', async () => {
      throw Object.assign(new Error(code === 'SQLITE_NOTADB' ? 'file is not a database' : 'database disk image is malformed'), { code });
    });
    const answer = await api.call('GET', '/health');
    expect([answer.status, answer.body.code, answer.body.reason]).toEqual([503, 'UNAVAILABLE', 'storeIo']);
  });
});
