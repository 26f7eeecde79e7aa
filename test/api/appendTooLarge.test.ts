/**
 * A form as large as a request body may be (1 MiB) makes an event larger still (its metadata beside
 * it), and EventStoreDB takes at most 1 MiB a write (MaxAppendSize): the caller is told the case is
 * too large to store, in Chinese, and that nothing was stored — not 500 "未预料的错误".
 */
import { MaxAppendSizeExceededError } from '@eventstore/db-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../api/auth.js';
import { EsdbEventStore } from '../../eventstore/esdb.js';
import { AppendTooLargeError, type EventData } from '../../eventstore/types.js';
import { fakeEsdb } from '../eventstore/fakeEsdbClient.js';
import { startInputs } from '../machines/examples.js';
import { SECRET } from './harness.js';
import { apiOverRefusingStore, type RefusingApi } from './refusingStore.js';

/** EventStoreDB's default MaxAppendSize. */
const MAX_APPEND = 1024 * 1024;
const bytesOf = (events: readonly EventData[]) => events.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e.data)) + Buffer.byteLength(JSON.stringify(e.metadata ?? {})), 0);

describe('the EventStoreDB adapter', () => {
  it('given a write past the server\'s MaxAppendSize, then it rejects with AppendTooLargeError naming the limit', async () => {
    const fake = fakeEsdb();
    (fake.client as unknown as { appendToStream: () => Promise<never> }).appendToStream = () => Promise.reject(MaxAppendSizeExceededError.fromMaxAppendSize(MAX_APPEND));
    const store = new EsdbEventStore(fake.client);
    const error = await store.appendToStream('case-a', [{ id: crypto.randomUUID(), type: 'Happened', data: {}, metadata: {} }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppendTooLargeError);
    expect((error as AppendTooLargeError).maxBytes).toBe(MAX_APPEND);
  });
});

describe('a start whose event is past the store\'s write limit', () => {
  let api: RefusingApi;
  // The store as EventStoreDB answers a write past MaxAppendSize (the adapter's error, above).
  beforeAll(async () => {
    api = await apiOverRefusingStore((stream, events) => (bytesOf(events) > MAX_APPEND ? new AppendTooLargeError(stream, MAX_APPEND, undefined) : undefined));
  });
  afterAll(() => api.close());

  it.each([
    ['zh', {}, /^提交的内容过大（连同办理记录超过 1048576 字节），未保存任何内容/],
    ['en', { 'accept-language': 'en' }, /^the case's event is larger than the event store takes in one write \(1048576 bytes\); nothing was stored/],
  ])('given an objection whose body is within 1 MiB but whose event with its metadata is not, then 413 (%s), not 500', async (_lang, headers, detail) => {
    // Evidence of 1,000 items, filled up to 100 bytes short of 1 MiB.
    const evidence = Array.from({ length: 1000 }, (_, i) => `${i}`.padEnd(340, '证'));
    const bodyOf = () => JSON.stringify({ process: 'objection', input: { ...startInputs.objection, evidence } });
    const room = Math.floor((MAX_APPEND - 100 - Buffer.byteLength(bodyOf())) / 3);
    for (let i = 0; i < 10; i++) evidence[i] = `${evidence[i]}${'证'.repeat(Math.floor(room / 10))}`;
    const body = bodyOf();
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_APPEND);
    const company = await mintToken(SECRET, { sub: 'u-szkj', role: 'applicant', org: '91370100MA3C8K2D0E' });
    const res = await api.server.inject({ method: 'POST', url: '/v1/cases', headers: { authorization: `Bearer ${company}`, 'content-type': 'application/json', ...headers }, payload: body });
    expect(res.statusCode).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', detail: expect.stringMatching(detail) });
  });
});
