/**
 * An EventStoreDB stream an operator deleted for good (a tombstone) reads as no stream, and takes no
 * append ever again. A start whose Idempotency-Key names such a case is told its key is spent; any
 * other write to such a stream is told as the store's, in Chinese — not 500 "未预料的错误" (EventStoreDB
 * review).
 */
import { StreamDeletedError as ClientStreamDeletedError } from '@eventstore/db-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../api/auth.js';
import { EsdbEventStore } from '../../eventstore/esdb.js';
import { StreamDeletedError } from '../../eventstore/types.js';
import { fakeEsdb } from '../eventstore/fakeEsdbClient.js';
import { startInputs } from '../machines/examples.js';
import { SECRET } from './harness.js';
import { apiOverRefusingStore, type RefusingApi } from './refusingStore.js';

describe('the EventStoreDB adapter', () => {
  it('given an append to a tombstoned stream, then it rejects with StreamDeletedError naming the stream', async () => {
    const fake = fakeEsdb();
    (fake.client as unknown as { appendToStream: () => Promise<never> }).appendToStream = () => Promise.reject(ClientStreamDeletedError.fromStreamName('objection-a'));
    const store = new EsdbEventStore(fake.client);
    const error = await store.appendToStream('objection-a', [{ id: crypto.randomUUID(), type: 'Happened', data: {}, metadata: {} }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamDeletedError);
    expect((error as StreamDeletedError).streamId).toBe('objection-a');
  });
});

describe('a start into a stream deleted for good', () => {
  let api: RefusingApi;
  // The store as EventStoreDB answers once an operator has tombstoned every objection's stream (the adapter's error, above).
  beforeAll(async () => {
    api = await apiOverRefusingStore((stream) => (stream.startsWith('objection-') ? new StreamDeletedError(stream, undefined) : undefined));
  });
  afterAll(() => api.close());

  const start = async (headers: Record<string, string>) => {
    const company = await mintToken(SECRET, { sub: 'u-szkj', role: 'applicant', org: '91370100MA3C8K2D0E' });
    const res = await api.server.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: { authorization: `Bearer ${company}`, 'content-type': 'application/json', ...headers },
      payload: { process: 'objection', input: startInputs.objection },
    });
    return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, unknown> };
  };

  it.each([
    ['zh', {}, /^以该 Idempotency-Key 创建的案件已被平台管理员从事件存储中删除，不能以同一 Idempotency-Key 再次创建：未保存任何内容/],
    ['en', { 'accept-language': 'en' }, /^the case started with this Idempotency-Key was deleted from the event store by a platform administrator/],
  ])('given an Idempotency-Key whose case was deleted, then 422 caseDeleted (%s), nothing stored', async (_lang, headers, detail) => {
    const before = await api.sqlite.headPosition();
    const answer = await start({ 'idempotency-key': 'objection-1', ...headers });
    expect(answer).toMatchObject({ status: 422, body: { code: 'RULE_VIOLATED', rule: 'caseDeleted', detail: expect.stringMatching(detail) } });
    expect(await api.sqlite.headPosition()).toBe(before);
  });

  it('given no Idempotency-Key, then 503 streamDeleted naming the stream, nothing stored', async () => {
    const before = await api.sqlite.headPosition();
    const answer = await start({});
    expect(answer).toMatchObject({ status: 503, body: { code: 'UNAVAILABLE', reason: 'streamDeleted', detail: expect.stringMatching(/^事件存储中的事件流 objection-[0-9a-f-]+ 已被永久删除，无法再写入，未保存任何内容：请联系平台管理员$/) } });
    expect(await api.sqlite.headPosition()).toBe(before);
  });
});
