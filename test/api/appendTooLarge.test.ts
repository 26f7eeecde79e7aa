/**
 * A form as large as a request body may be (1 MiB) makes an event larger still (its metadata beside
 * it), and EventStoreDB takes at most 1 MiB a write (MaxAppendSize): the caller is told the case is
 * too large to store, in Chinese, and that nothing was stored — not 500 "未预料的错误".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MaxAppendSizeExceededError } from '@eventstore/db-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../api/app.js';
import { mintToken } from '../../api/auth.js';
import { buildServer } from '../../api/server.js';
import { EsdbEventStore } from '../../eventstore/esdb.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { AppendTooLargeError, type EventData, type EventStore } from '../../eventstore/types.js';
import { ManualClock } from '../../infra/clock.js';
import { loadConfig } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';
import { fakeEsdb } from '../eventstore/fakeEsdbClient.js';
import { startInputs } from '../machines/examples.js';
import { SECRET } from './harness.js';

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
  let dataDir: string;
  let app: App;
  let server: Awaited<ReturnType<typeof buildServer>>;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'append-too-large-'));
    const clock = new ManualClock('2025-03-03T01:30:00.000Z');
    const sqlite = new SqliteEventStore({ path: join(dataDir, 'events.db'), synchronous: 'OFF', now: () => clock.now() });
    // The store as EventStoreDB answers a write past MaxAppendSize (the adapter's error, above).
    const store = new Proxy({} as EventStore, {
      get(_target, key) {
        if (key === 'appendToStream')
          return (stream: string, events: EventData[], options?: unknown) =>
            bytesOf(events) > MAX_APPEND ? Promise.reject(new AppendTooLargeError(stream, MAX_APPEND, undefined)) : sqlite.appendToStream(stream, events, options as never);
        const value = (sqlite as unknown as Record<PropertyKey, unknown>)[key];
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(sqlite) : value;
      },
    });
    const config = loadConfig({ WORKFLOW_DATA_DIR: dataDir, WORKFLOW_JWT_SECRET: SECRET, WORKFLOW_TEST_CLOCK: '1', WORKFLOW_SQLITE_SYNCHRONOUS: 'OFF' });
    app = await createApp(config, { clock, logger: createLogger({ level: 'silent' }), store });
    server = await buildServer(app);
    await server.ready();
  });
  afterAll(async () => {
    await server.close();
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

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
    const res = await server.inject({ method: 'POST', url: '/v1/cases', headers: { authorization: `Bearer ${company}`, 'content-type': 'application/json', ...headers }, payload: body });
    expect(res.statusCode).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', detail: expect.stringMatching(detail) });
  });
});
