/**
 * The EventStoreDB adapter against a stand-in client (fakeEsdbClient.ts) that behaves as a server does
 * where the adapter depends on it: these run on every machine, where the conformance suite on
 * EventStoreDB needs a server.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { Duplex, Readable, Writable } from 'node:stream';
import { AccessDeniedError, CancelledError, EventStoreDBClient, StreamDeletedError, UnknownError } from '@eventstore/db-client';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { EsdbEventStore } from '../../eventstore/esdb.js';
import { readAllPastUnreadable, StoreUnreachableError, StreamNotFoundError, UnreadableEventError, WrongExpectedVersionError, type RecordedEvent } from '../../eventstore/types.js';
import { WorkIndex } from '../../engine/workIndex.js';
import type { ProcessRegistry } from '../../machines/registry.js';
import { FollowProjector } from '../../projections/runner.js';
import { fakeEsdb } from './fakeEsdbClient.js';

/** The client's own Subscription (not exported by the package's index). */
const { Subscription: ClientSubscription } = createRequire(import.meta.url)('@eventstore/db-client/dist/streams/utils/Subscription') as {
  Subscription: new (create: () => Promise<unknown>, convert: (x: unknown) => unknown, options: object, checkpointReached: undefined) => unknown;
};

const event = (type = 'Happened') => ({ id: randomUUID(), type, data: { n: 1 }, metadata: {} });

/** A read (or subscription) of the client's that fails with `error` when it is read. */
function failing(error: Error): Readable & { cancel(): Promise<void> } {
  const read = new Readable({
    objectMode: true,
    read() {
      this.destroy(error);
    },
  });
  return Object.assign(read, { cancel: async () => undefined });
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('EsdbEventStore: positions as a server gives them (byte offsets, system records between ours)', () => {
  it('given events in $all, when it is read after the position of one, then the read starts at that event (a record the server can read from) and yields only the later ones', async () => {
    const fake = fakeEsdb();
    const store = new EsdbEventStore(fake.client);
    const a = await store.appendToStream('case-a', [event()]);
    const b = await store.appendToStream('case-b', [event()]);
    const c = await store.appendToStream('case-a', [event()]);

    const after = await all(store.readAll({ afterPosition: a.position }));

    expect(after.map((e) => e.position)).toEqual([b.position, c.position]);
    expect(fake.asked).toEqual([{ commit: BigInt(a.position), prepare: BigInt(a.position) }]);
    expect((await all(store.readAll({ afterPosition: 0 }))).map((e) => e.position)).toEqual([a.position, b.position, c.position]);
    expect(await all(store.readAll({ afterPosition: c.position }))).toEqual([]);
    expect((await all(store.readAll({ afterPosition: a.position, maxCount: 1 }))).map((e) => e.position)).toEqual([b.position]);
  });

  it('given a log read to its last event, when reading on goes through readAllPastUnreadable after it, then no position is computed and sent (position + 1 is inside a record)', async () => {
    const fake = fakeEsdb();
    const store = new EsdbEventStore(fake.client);
    const first = await store.appendToStream('case-a', [event()]);
    const second = await store.appendToStream('case-a', [event()]);

    const read = await all(readAllPastUnreadable(store, { afterPosition: first.position }));

    expect(read.map((e) => (e as RecordedEvent).position)).toEqual([second.position]);
    const positions = new Set(fake.records.map((r) => r.position));
    for (const asked of fake.asked) if (typeof asked === 'object') expect(positions.has(asked.commit)).toBe(true);
  });

  it('given the engine’s work index on EventStoreDB, when it catches up on start and again after more appends, then it reads every event and fails on no position it made up', async () => {
    const fake = fakeEsdb();
    const store = new EsdbEventStore(fake.client);
    const index = new WorkIndex(store, {} as ProcessRegistry);
    await store.appendToStream('case-a', [event()]);

    await index.catchUp();
    const last = await store.appendToStream('case-b', [event()]);
    await index.catchUp();

    expect(index.position).toBe(last.position);
  });

  it('given a subscription from position 0 (what headPosition answers for no event), when it starts, then it asks for the start of the log, not {0, 0} (exclusive: the first event would be skipped)', async () => {
    const fake = fakeEsdb();
    const store = new EsdbEventStore(fake.client);
    // A log whose first event is ours: nothing but the epoch record before it.
    const first = await store.appendToStream('case-a', [event('First')]);

    const sub = store.subscribeToAll({ fromPosition: 0 });
    const got: RecordedEvent[] = [];
    for await (const e of sub) got.push(e);

    expect(fake.asked).toEqual(['start']);
    expect(got.map((e) => e.position)).toEqual([first.position]);
  });
});

describe('EsdbEventStore: the client’s answers as the store-neutral ones', () => {
  it('given a stream at revision 2, when appends expect revision 0 or no_stream, then the client’s WrongExpectedVersionError comes back as ours, actual 2, and a missing stream as actual no_stream', async () => {
    const fake = fakeEsdb();
    const store = new EsdbEventStore(fake.client);
    await store.appendToStream('case-a', [event(), event(), event()], { expectedRevision: 'no_stream' });

    await expect(store.appendToStream('case-a', [event()], { expectedRevision: 0 })).rejects.toMatchObject({ name: 'WrongExpectedVersionError', streamId: 'case-a', expected: 0, actual: 2 });
    await expect(store.appendToStream('case-a', [event()], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(WrongExpectedVersionError);
    await expect(store.appendToStream('case-b', [event()], { expectedRevision: 'stream_exists' })).rejects.toMatchObject({ expected: 'stream_exists', actual: 'no_stream' });
  });

  it('given a stream that was never written, when it is read, then the client’s StreamNotFoundError comes back as ours', async () => {
    const store = new EsdbEventStore(fakeEsdb().client);

    await expect(store.readStream('case-none')).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  it('given a stream an operator deleted (a tombstone), when it is read, then the client’s StreamDeletedError comes back as our StreamNotFoundError, not as an error no caller knows (a 500)', async () => {
    const fake = fakeEsdb();
    (fake.client as unknown as Record<string, unknown>).readStream = () => failing(new StreamDeletedError(undefined, 'case-gone'));
    const store = new EsdbEventStore(fake.client);

    await expect(store.readStream('case-gone')).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  it('given no stream, then one of two events, when no event is appended, then the answer is the stream as it is (revision -1 for none, as the embedded store answers), not the client’s revision 0 for a missing stream', async () => {
    const fake = fakeEsdb();
    const store = new EsdbEventStore(fake.client);

    expect(await store.appendToStream('case-a', [], { expectedRevision: 'no_stream' })).toEqual({ nextExpectedRevision: -1, position: 0 });
    const written = await store.appendToStream('case-a', [event(), event()]);
    expect(await store.appendToStream('case-a', [], { expectedRevision: 1 })).toEqual(written);
    await expect(store.appendToStream('case-a', [], { expectedRevision: 0 })).rejects.toMatchObject({ name: 'WrongExpectedVersionError', expected: 0, actual: 1 });
  });

  it('given a server before 22.6 (a stream read gives every event the position 2^64 - 1, no position), when a stream is read, then its events have position 0 (unknown), not one past every event of the log', async () => {
    const fake = fakeEsdb();
    const store = new EsdbEventStore(fake.client);
    await store.appendToStream('case-a', [event()]);
    const readStream = (fake.client as unknown as { readStream: (...args: unknown[]) => Readable }).readStream;
    const none = 2n ** 64n - 1n;
    (fake.client as unknown as Record<string, unknown>).readStream = (...args: unknown[]) =>
      readStream(...args).map((r: { event: { position: unknown } }) => ({ ...r, event: { ...r.event, position: { commit: none, prepare: none } }, commitPosition: undefined }));

    const [read] = await store.readStream('case-a');

    expect(read!.position).toBe(0);
  });

  it('given an unreadable event late in $all, when $all is read backwards from an earlier position, then the events up to that position come back and the later one is not read', async () => {
    const fake = fakeEsdb();
    const store = new EsdbEventStore(fake.client);
    const a = await store.appendToStream('case-a', [event()]);
    const b = await store.appendToStream('case-b', [event()]);
    const damaged = await store.appendToStream('case-c', [event('Damaged')]);
    fake.records.find((r) => r.position === BigInt(damaged.position))!.metadata = new TextEncoder().encode('{"actor": "a", trunc');

    expect((await all(store.readAll({ direction: 'backwards', fromPosition: b.position }))).map((e) => e.position)).toEqual([b.position, a.position]);
    // From the link record after b (a record, but not ours), the first of ours after it is not read either.
    const link = fake.records.find((r) => r.position > BigInt(b.position) && r.type === '$>')!;
    expect((await all(store.readAll({ direction: 'backwards', fromPosition: Number(link.position) }))).map((e) => e.position)).toEqual([b.position, a.position]);
  });

  it('given system records between ours ($> links to category streams), when $all is read or subscribed to, then only ours come back, and maxCount counts only ours', async () => {
    const fake = fakeEsdb();
    const store = new EsdbEventStore(fake.client);
    const a = await store.appendToStream('case-a', [event()]);
    const b = await store.appendToStream('case-b', [event()]);

    const read = await all(store.readAll({ maxCount: 2 }));
    const backwards = await all(store.readAll({ direction: 'backwards', fromPosition: b.position }));

    expect(read.map((e) => e.position)).toEqual([a.position, b.position]);
    expect(backwards.map((e) => e.position)).toEqual([b.position, a.position]);
    expect(await store.headPosition()).toBe(b.position);
    expect(fake.records.some((r) => r.type === '$>' && r.position > b.position)).toBe(true);
  });
});

describe('EsdbEventStore: the client’s warnings about the connection string', () => {
  it('given WORKFLOW_STORE with credentials and options the client ignores (tlsVerifyCert=false, an unknown key), when the store is made, then the warnings are told with the password masked, the caret still under the option', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const store = new EsdbEventStore({ connectionString: 'esdb://admin:chan/ge?it@127.0.0.1:2113?tls=true&tlsVerifyCert=false&fooBar=1' });
      await store.close();
      const said = warn.mock.calls.map((args) => args.map(String).join(' '));

      expect(said).toHaveLength(2);
      expect(said.join('\n')).not.toContain('chan/ge');
      for (const text of said) expect(text).toMatch(/^EventStoreDB 客户端对 WORKFLOW_STORE 的提示：\n/);
      const [string, caret] = said[0]!.split('\n').slice(-2);
      expect(string).toBe(`esdb://${'*'.repeat('admin:chan/ge?it'.length)}@127.0.0.1:2113?tls=true&tlsVerifyCert=false&fooBar=1`);
      expect(string!.slice(caret!.indexOf('^'), caret!.lastIndexOf('^') + 1)).toBe('tlsVerifyCert=false');
      expect(said[1]).toContain('Unknown option key "fooBar"');
    } finally {
      warn.mockRestore();
    }
  });

  it.each([
    ['a user name holding @', 'esdb://ops@corp.example:Secret99@localhost:2113?tlsVerifyCert=false', 'Secret99'],
    ['a password holding spaces', 'esdb://admin:pa ss word@localhost:2113?tlsVerifyCert=false', 'pa ss word'],
  ])('given credentials with %s (the client takes them), then the warning masks them whole', async (_, connectionString, password) => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await new EsdbEventStore({ connectionString }).close();
      const said = warn.mock.calls.map((args) => args.map(String).join(' ')).join('\n');
      expect(said).toContain('localhost:2113?tlsVerifyCert=false');
      expect(said).not.toContain(password);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('EsdbEventStore: appends on a server with the batch-append stream (21.10 and later)', () => {
  it('given 20 appends in flight, when the connection drops, then each answers StoreUnreachableError through a call of its own, none through the shared stream, and no rejection is left unhandled (the client 6.2.1 ended the process)', async () => {
    // The client's own appendToStream, append and batchAppend, over stand-in gRPC streams.
    const client = Object.create(EventStoreDBClient.prototype) as EventStoreDBClient;
    // Its protected parts, as a server of 21.10 and later and grpc-js would answer them.
    const own = client as unknown as Record<string, unknown>;
    const calls: { sink: Writable; answer: (error: Error | null) => void }[] = [];
    const shared: Duplex[] = [];
    own.supports = async () => true;
    own.callArguments = () => [];
    own.createDeadline = () => new Date(Date.now() + 60_000);
    // The batch stream: its writes never complete (HTTP/2 flow control), so the 17th and later queue.
    own.GRPCStreamCreator = () => async () => {
      const stream = new Duplex({ objectMode: true, highWaterMark: 16, read() {}, write() {} });
      shared.push(stream);
      return stream;
    };
    own.execute = (_client: unknown, _name: string, call: (grpc: unknown) => Promise<unknown>) =>
      call({
        // A client-streaming call: grpc-js answers its callback, with the call's failure too.
        append: (answer: (error: Error | null) => void) => {
          const sink = new Writable({ objectMode: true, write: (_chunk, _encoding, done) => done() });
          calls.push({ sink, answer });
          return sink;
        },
      });
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      const store = new EsdbEventStore(client);
      const appends = Array.from({ length: 20 }, (_, i) => store.appendToStream(`case-${i}`, [event()]).catch((error: unknown) => error));
      for (let turn = 0; turn < 20 && calls.length + shared.length === 0; turn++) await new Promise((resolve) => setImmediate(resolve));
      for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
      const dropped = () => Object.assign(new Error('14 UNAVAILABLE: Connection dropped'), { code: 14, details: 'Connection dropped' });
      for (const call of calls) call.answer(dropped());
      for (const stream of shared) stream.destroy(dropped());
      const answers = await Promise.all(appends);
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));

      expect(shared).toHaveLength(0);
      expect(calls).toHaveLength(20);
      expect(answers.every((answer) => answer instanceof StoreUnreachableError)).toBe(true);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });
});

describe('EsdbEventStore: a server that cannot take the call now', () => {
  const cancelled = () => new CancelledError({ code: 1, details: 'Server cancelled the call', message: '1 CANCELLED: Server cancelled the call' } as never);
  const notReady = () => new UnknownError(undefined, 'Could not recognize Server Is Not Ready');

  it.each([
    ['cancelled by the server (a 24.4+ node stopped or restarted)', cancelled],
    ['not ready (a node starting or electing a leader)', notReady],
    ['refused to our credentials (a user disabled, or without read on $all)', () => new AccessDeniedError({ code: 7, details: 'Access Denied' } as never)],
  ])('given a call %s, when a command is appended, a stream or $all read, or a subscription read, then each fails as the store unreachable (503 storeUnreachable, retried with the same Idempotency-Key), not as an unknown error (500)', async (_, error) => {
    const fake = fakeEsdb();
    const client = fake.client as unknown as Record<string, unknown>;
    client.appendToStream = async () => {
      throw error();
    };
    client.readStream = () => failing(error());
    client.readAll = () => failing(error());
    client.subscribeToAll = () => Object.assign(failing(error()), { unsubscribe: async () => undefined });
    const store = new EsdbEventStore(fake.client);

    await expect(store.appendToStream('case-a', [event()])).rejects.toBeInstanceOf(StoreUnreachableError);
    await expect(store.readStream('case-a')).rejects.toBeInstanceOf(StoreUnreachableError);
    await expect(all(store.readAll())).rejects.toBeInstanceOf(StoreUnreachableError);
    await expect(all(store.subscribeToAll())).rejects.toBeInstanceOf(StoreUnreachableError);
  });

  it('given an unknown error of another kind, when a command is appended, then it is not taken for an unreachable store', async () => {
    const fake = fakeEsdb();
    (fake.client as unknown as Record<string, unknown>).appendToStream = async () => {
      throw new UnknownError(undefined, 'Could not recognize something else');
    };
    const store = new EsdbEventStore(fake.client);

    await expect(store.appendToStream('case-a', [event()])).rejects.not.toBeInstanceOf(StoreUnreachableError);
  });
});

describe('EsdbEventStore: an event whose metadata is not JSON', () => {
  it('given an event whose metadata the client could not parse (it hands the raw bytes), when $all and its stream are read, then it is named as unreadable in its place, not read as an event without metadata', async () => {
    const fake = fakeEsdb();
    const store = new EsdbEventStore(fake.client);
    await store.appendToStream('case-a', [event('Before')]);
    const damaged = await store.appendToStream('case-a', [event('Damaged')]);
    const after = await store.appendToStream('case-a', [event('After')]);
    fake.records.find((r) => r.position === BigInt(damaged.position))!.metadata = new TextEncoder().encode('{"actor": "a", trunc');

    const read = await all(readAllPastUnreadable(store, { afterPosition: 0 }));

    expect(read.map((e) => (e instanceof UnreadableEventError ? `unreadable ${e.part} at ${e.event.position}` : e.type))).toEqual([
      'Before',
      `unreadable metadata at ${damaged.position}`,
      'After',
    ]);
    expect((read[2] as RecordedEvent).position).toBe(after.position);
    await expect(store.readStream('case-a')).rejects.toBeInstanceOf(UnreadableEventError);
  });
});

describe('EsdbEventStore: another application’s binary events in $all', () => {
  it('given 20 binary events (not JSON, binary metadata) between ours, when the read models follow $all, then each is read as an event naming no case — no error told, one subscription — and ours around them are folded', async () => {
    const fake = fakeEsdb();
    const store = new EsdbEventStore(fake.client);
    let subscriptions = 0;
    const subscribe = fake.client.subscribeToAll.bind(fake.client);
    (fake.client as unknown as Record<string, unknown>).subscribeToAll = (...args: Parameters<typeof subscribe>) => {
      subscriptions++;
      return subscribe(...args);
    };
    await store.appendToStream('case-a', [event('Opened')]);
    for (let i = 0; i < 20; i++) {
      const theirs = await store.appendToStream(`billing-${i}`, [event('Invoiced')]);
      const record = fake.records.find((r) => r.position === BigInt(theirs.position))!;
      Object.assign(record, { isJson: false, data: new Uint8Array([8, 1]), metadata: new Uint8Array([0x0a, 0x03, 0x61, 0x62, 0x63]) });
    }
    const last = await store.appendToStream('case-a', [event('Closed')]);
    const seen: RecordedEvent[] = [];
    const told: unknown[] = [];
    const projector = new FollowProjector(store, new Database(':memory:'), [{ name: 'seen', version: 1, setup() {}, clear() {}, apply: (e) => void seen.push(e) }], {
      onError: (error) => told.push(error),
      retryTimer: (resume) => {
        setImmediate(resume);
        return () => undefined;
      },
    });
    projector.start();
    try {
      expect(await projector.waitFor(last.position, 5_000)).toBe(true);
    } finally {
      await projector.close();
    }

    expect(told).toEqual([]);
    expect(subscriptions).toBe(1);
    expect(seen.map((e) => e.type)).toEqual(['Opened', ...Array.from({ length: 20 }, () => 'Invoiced'), 'Closed']);
    expect(seen[1]!.metadata).toEqual({});
  });
});

describe('EsdbEventStore: an event whose data is not JSON', () => {
  it('given a JSON event whose data the client could not parse (it hands the raw text: dist/utils/convertGrpcEvent.js safeParseJSON), when $all and its stream are read, then it is named as unreadable data in its place, as the embedded store names it, not read with a string as its data', async () => {
    const fake = fakeEsdb();
    const store = new EsdbEventStore(fake.client);
    await store.appendToStream('case-a', [event('Before')]);
    const damaged = await store.appendToStream('case-a', [event('Damaged')]);
    await store.appendToStream('case-a', [event('After')]);
    fake.records.find((r) => r.position === BigInt(damaged.position))!.data = '{"title": "x", trunc';

    const read = await all(readAllPastUnreadable(store, { afterPosition: 0 }));

    expect(read.map((e) => (e instanceof UnreadableEventError ? `unreadable ${e.part} at ${e.event.position}` : e.type))).toEqual(['Before', `unreadable data at ${damaged.position}`, 'After']);
    await expect(store.readStream('case-a')).rejects.toMatchObject({ part: 'data' });
  });
});

/** A store whose client cannot start a subscription's call (a cluster's gossip found no node): the client's own Subscription over a rejected call. */
function storeWhoseSubscriptionsNeverStart(): { store: EsdbEventStore; failure: Error } {
  const fake = fakeEsdb();
  const failure = new Error('Failed to discover after 10 attempts.');
  (fake.client as unknown as Record<string, unknown>).subscribeToAll = () => new ClientSubscription(() => Promise.reject(failure), (x: unknown) => x, {}, undefined);
  return { store: new EsdbEventStore(fake.client), failure };
}

describe('EsdbEventStore: closing a subscription whose call never started', () => {
  it('given a cluster connection whose discovery fails (the client’s own Subscription, its call a rejected promise), when the subscription is closed, then closing succeeds, and a reader meanwhile sees the store unreachable', async () => {
    const { store, failure } = storeWhoseSubscriptionsNeverStart();

    const unread = store.subscribeToAll();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const read = store.subscribeToAll();
    const reading = all(read);

    await expect(unread.close()).resolves.toBeUndefined();
    await expect(reading).rejects.toMatchObject({ name: 'StoreUnreachableError', cause: failure });
    await expect(read.close()).resolves.toBeUndefined();
  });

  it('given a cluster whose discovery takes its time (maxDiscoverAttempts × gossipTimeout per seed; still under way here), when the subscription is closed meanwhile (a rebuild’s or a SIGTERM’s pause), then closing does not wait for it', async () => {
    const fake = fakeEsdb();
    let settle: (() => void) | undefined;
    (fake.client as unknown as Record<string, unknown>).subscribeToAll = () =>
      new ClientSubscription(() => new Promise((_, reject) => (settle = () => reject(new Error('Failed to discover after 10 attempts.')))), (x: unknown) => x, {}, undefined);
    const sub = new EsdbEventStore(fake.client).subscribeToAll();

    let closed = false;
    const closing = sub.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    // Still discovering: the call has not been made, nor has it failed.
    expect(closed).toBe(true);
    settle!();
    await closing;
  });
});

describe('EsdbEventStore: a subscription that failed before it was read', () => {
  it('given a subscription whose call failed before anyone read it (the client emits the error and no end), when it is read, then the read fails with it, as the store unreachable, instead of waiting for ever', async () => {
    const { store, failure } = storeWhoseSubscriptionsNeverStart();
    const sub = store.subscribeToAll();
    await new Promise((resolve) => setTimeout(resolve, 10));

    let timer: ReturnType<typeof setTimeout> | undefined;
    const waitedForEver = new Promise((resolve) => {
      timer = setTimeout(() => resolve('still waiting after 1 s'), 1000);
    });
    const outcome = await Promise.race([all(sub).then(() => 'ended without error', (error: unknown) => error), waitedForEver]);
    clearTimeout(timer);

    expect(outcome).toMatchObject({ name: 'StoreUnreachableError', cause: failure });
    await sub.close();
  });
});

describe('EsdbEventStore: the head position past an unreadable event', () => {
  it('given the last event in $all is the unreadable one, when the head position is asked (GET /health, /metrics, a rebuild, the lag), then it is that event’s position, as the embedded store answers, not a failure', async () => {
    const fake = fakeEsdb();
    const store = new EsdbEventStore(fake.client);
    await store.appendToStream('case-a', [event('Before')]);
    const damaged = await store.appendToStream('case-a', [event('Damaged')]);
    fake.records.find((r) => r.position === BigInt(damaged.position))!.metadata = new TextEncoder().encode('{"actor": "a", trunc');

    expect(await store.headPosition()).toBe(damaged.position);
    const projector = new FollowProjector(store, new Database(':memory:'), []);
    expect(await projector.lag()).toBe(2);
  });
});

describe('EsdbEventStore: the read models’ lag in events', () => {
  it('given read models that have folded nothing and two events in $all with links between them, when the lag is asked, then it is 2 events, not the 400-odd bytes between positions', async () => {
    const fake = fakeEsdb();
    const store = new EsdbEventStore(fake.client);
    const first = await store.appendToStream('case-a', [event()]);
    await store.appendToStream('case-b', [event()]);
    const projector = new FollowProjector(store, new Database(':memory:'), []);

    expect(await projector.lag()).toBe(2);
    expect(await store.countAfter(first.position, 1000)).toBe(1);
    expect(await store.countAfter(0, 1)).toBe(1);
    expect(await store.countAfter(await store.headPosition(), 1000)).toBe(0);
  });
});
