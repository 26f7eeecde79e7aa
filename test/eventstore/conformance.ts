/**
 * The conformance suite every `EventStore` adapter must pass: EventStoreDB's semantics, written as
 * specifications. Stream names are random per test, so the suite can run against a shared server.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  StreamNotFoundError,
  WrongExpectedVersionError,
  type EventData,
  type EventStore,
  type RecordedEvent,
  type Subscription,
} from '../../eventstore/types.js';

export interface StoreUnderTest {
  store: EventStore;
  cleanup(): Promise<void>;
}

/** A unique stream name: `<prefix>-<uuid without dashes>`. */
export function streamName(prefix = 'case'): string {
  return `${prefix}-${randomUUID().replaceAll('-', '')}`;
}

export function event(type = 'Happened', data: unknown = { n: 1 }, metadata: Record<string, unknown> = {}): EventData {
  return { id: randomUUID(), type, data, metadata };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/** Pulls from one iterator of a subscription until `count` events matching `keep` arrived. */
export class Reader {
  readonly #it: AsyncIterator<RecordedEvent>;
  /** Every event delivered, kept or not. */
  readonly seen: RecordedEvent[] = [];

  constructor(readonly subscription: Subscription) {
    this.#it = subscription[Symbol.asyncIterator]();
  }

  async take(count: number, keep: (e: RecordedEvent) => boolean = () => true, timeoutMs = 15_000): Promise<RecordedEvent[]> {
    const kept: RecordedEvent[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms with ${kept.length}/${count} events`)), timeoutMs);
    });
    try {
      while (kept.length < count) {
        const next = await Promise.race([this.#it.next(), timeout]);
        if (next.done) throw new Error(`subscription ended with ${kept.length}/${count} events`);
        this.seen.push(next.value);
        if (keep(next.value)) kept.push(next.value);
      }
      return kept;
    } finally {
      clearTimeout(timer);
    }
  }
}

export function describeEventStoreConformance(name: string, factory: () => Promise<StoreUnderTest>): void {
  describe(name, () => {
    let sut: StoreUnderTest;
    let store: EventStore;
    const subscriptions: Subscription[] = [];

    beforeEach(async () => {
      sut = await factory();
      store = sut.store;
    });

    afterEach(async () => {
      for (const s of subscriptions.splice(0)) await s.close();
      await sut.cleanup();
    });

    function subscribe(...args: Parameters<EventStore['subscribeToAll']>): Reader {
      const s = store.subscribeToAll(...args);
      subscriptions.push(s);
      return new Reader(s);
    }

    it('given no stream, when events are appended with no_stream, then the stream starts at revision 0 and reads back as written', async () => {
      const stream = streamName();
      const first = event('Opened', { title: 'x', n: 1 }, { actor: 'a' });
      const second = event('Noted', [1, 2, 3]);

      const result = await store.appendToStream(stream, [first, second], { expectedRevision: 'no_stream' });

      expect(result.nextExpectedRevision).toBe(1);
      expect(result.position).toBeGreaterThan(0);
      const read = await store.readStream(stream);
      expect(read.map((e) => [e.id, e.type, e.revision, e.streamId])).toEqual([
        [first.id, 'Opened', 0, stream],
        [second.id, 'Noted', 1, stream],
      ]);
      expect(read[0]!.data).toEqual({ title: 'x', n: 1 });
      expect(read[0]!.metadata).toEqual({ actor: 'a' });
      expect(read[1]!.data).toEqual([1, 2, 3]);
      expect(read[1]!.position).toBe(result.position);
      expect(Number.isNaN(Date.parse(read[0]!.created))).toBe(false);
    });

    it('given a stream at revision 2, when an append expects revision 0, then it is refused with expected 0 and actual 2, and nothing is stored', async () => {
      const stream = streamName();
      await store.appendToStream(stream, [event(), event(), event()], { expectedRevision: 'no_stream' });

      const error = await rejection(store.appendToStream(stream, [event()], { expectedRevision: 0 }));

      expect(error).toBeInstanceOf(WrongExpectedVersionError);
      expect(error).toMatchObject({ streamId: stream, expected: 0, actual: 2 });
      const noStream = await rejection(store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' }));
      expect(noStream).toMatchObject({ expected: 'no_stream', actual: 2 });
      expect(await store.readStream(stream)).toHaveLength(3);
    });

    it('given no stream, when an append expects stream_exists, then it is refused with actual no_stream and the stream still does not exist', async () => {
      const stream = streamName();

      const error = await rejection(store.appendToStream(stream, [event()], { expectedRevision: 'stream_exists' }));

      expect(error).toBeInstanceOf(WrongExpectedVersionError);
      expect(error).toMatchObject({ streamId: stream, expected: 'stream_exists', actual: 'no_stream' });
      await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamNotFoundError);
      const numbered = await rejection(store.appendToStream(stream, [event()], { expectedRevision: 0 }));
      expect(numbered).toMatchObject({ expected: 0, actual: 'no_stream' });
    });

    it('given no stream and then a stream of two events, when no event is appended, then the answer is the stream as it is (revision -1 and position 0 for none), a wrong expectation is refused, and nothing is stored', async () => {
      const stream = streamName();

      expect(await store.appendToStream(stream, [], { expectedRevision: 'no_stream' })).toEqual({ nextExpectedRevision: -1, position: 0 });
      await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamNotFoundError);
      expect(await rejection(store.appendToStream(stream, [], { expectedRevision: 'stream_exists' }))).toMatchObject({ expected: 'stream_exists', actual: 'no_stream' });

      const written = await store.appendToStream(stream, [event(), event()], { expectedRevision: 'no_stream' });

      expect(await store.appendToStream(stream, [], { expectedRevision: 1 })).toEqual(written);
      expect(await store.appendToStream(stream, [])).toEqual(written);
      const stale = await rejection(store.appendToStream(stream, [], { expectedRevision: 0 }));
      expect(stale).toBeInstanceOf(WrongExpectedVersionError);
      expect(stale).toMatchObject({ streamId: stream, expected: 0, actual: 1 });
      expect(await store.readStream(stream)).toHaveLength(2);
    });

    it('given a stream at revision 0, when 50 appenders race expecting revision 0, then exactly one wins and 49 get WrongExpectedVersionError', async () => {
      const stream = streamName();
      await store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' });
      const contenders = Array.from({ length: 50 }, (_, i) => event('Claimed', { by: i }));

      const outcomes = await Promise.allSettled(contenders.map((e) => store.appendToStream(stream, [e], { expectedRevision: 0 })));

      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(49);
      for (const o of lost) {
        expect(o.reason).toBeInstanceOf(WrongExpectedVersionError);
        expect(o.reason).toMatchObject({ expected: 0, actual: 1 });
      }
      const read = await store.readStream(stream);
      expect(read).toHaveLength(2);
      const winner = contenders[outcomes.indexOf(won[0]!)]!;
      expect(read[1]!.id).toBe(winner.id);
    });

    it('given an append succeeded, when it is retried with the same ids and the same expected revision, then nothing is stored twice and the same result is returned; a partly different retry is a conflict', async () => {
      const stream = streamName();
      const batch = [event('A'), event('B')];
      const first = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
      const next = event('C');
      const third = await store.appendToStream(stream, [next], { expectedRevision: 1 });

      const retryFirst = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
      const retryThird = await store.appendToStream(stream, [next], { expectedRevision: 1 });

      expect(retryFirst).toEqual(first);
      expect(retryThird).toEqual(third);
      expect((await store.readStream(stream)).map((e) => e.id)).toEqual([...batch.map((e) => e.id), next.id]);
      const partly = await rejection(store.appendToStream(stream, [next, event('D')], { expectedRevision: 1 }));
      expect(partly).toBeInstanceOf(WrongExpectedVersionError);
      expect(await store.readStream(stream)).toHaveLength(3);
    });

    it('given a stream that was never written, when it is read, then StreamNotFoundError is thrown', async () => {
      const stream = streamName();

      const error = await rejection(store.readStream(stream));

      expect(error).toBeInstanceOf(StreamNotFoundError);
      expect(error).toMatchObject({ streamId: stream });
      await expect(store.readStream(stream, { direction: 'backwards' })).rejects.toBeInstanceOf(StreamNotFoundError);
    });

    it('given a stream of 2,500 events (longer than a page of a read), when it is read forwards/backwards, from a revision, with maxCount, then exactly those revisions come back in that order', async () => {
      const stream = streamName();
      for (let from = 0; from < 2500; from += 500) {
        await store.appendToStream(stream, Array.from({ length: 500 }, (_, i) => event('N', { i: from + i })), { expectedRevision: from === 0 ? 'no_stream' : from - 1 });
      }
      const range = (from: number, to: number) => Array.from({ length: Math.abs(to - from) + 1 }, (_, i) => (to >= from ? from + i : from - i));
      const revisions = (events: RecordedEvent[]) => events.map((e) => e.revision);

      expect(revisions(await store.readStream(stream))).toEqual(range(0, 2499));
      expect(revisions(await store.readStream(stream, { fromRevision: 999 }))).toEqual(range(999, 2499));
      expect(revisions(await store.readStream(stream, { fromRevision: 500, maxCount: 1500 }))).toEqual(range(500, 1999));
      expect(revisions(await store.readStream(stream, { maxCount: 1000 }))).toEqual(range(0, 999));
      expect(revisions(await store.readStream(stream, { direction: 'backwards' }))).toEqual(range(2499, 0));
      expect(revisions(await store.readStream(stream, { direction: 'backwards', fromRevision: 2100, maxCount: 1200 }))).toEqual(range(2100, 901));
      expect((await store.readStream(stream, { fromRevision: 2000 }))[499]!.data).toEqual({ i: 2499 });
      expect(await store.readStream(stream, { fromRevision: 2500 })).toEqual([]);
    });

    it('given a stream of 10 events, when it is read forwards/backwards from a revision with maxCount, then exactly those revisions come back in that order', async () => {
      const stream = streamName();
      await store.appendToStream(stream, Array.from({ length: 10 }, (_, i) => event('N', { i })), { expectedRevision: 'no_stream' });
      const revisions = (events: RecordedEvent[]) => events.map((e) => e.revision);

      expect(revisions(await store.readStream(stream))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(revisions(await store.readStream(stream, { fromRevision: 3, maxCount: 4 }))).toEqual([3, 4, 5, 6]);
      expect(revisions(await store.readStream(stream, { direction: 'backwards' }))).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
      expect(revisions(await store.readStream(stream, { direction: 'backwards', fromRevision: 5, maxCount: 3 }))).toEqual([5, 4, 3]);
      expect(revisions(await store.readStream(stream, { direction: 'backwards', fromRevision: 'end', maxCount: 1 }))).toEqual([9]);
      expect(revisions(await store.readStream(stream, { fromRevision: 8, maxCount: 100 }))).toEqual([8, 9]);
      expect(await store.readStream(stream, { fromRevision: 10 })).toEqual([]);
      expect((await store.readStream(stream, { fromRevision: 4, maxCount: 1 }))[0]!.data).toEqual({ i: 4 });
    });

    it('given appends alternating across three streams, when $all is read, then positions strictly increase in append order, forwards and backwards', async () => {
      const streams = [streamName('all'), streamName('all'), streamName('all')];
      const appended: { id: string; position: number }[] = [];
      for (let i = 0; i < 9; i++) {
        const e = event('Step', { i });
        const r = await store.appendToStream(streams[i % 3]!, [e]);
        appended.push({ id: e.id, position: r.position });
      }
      const ours = new Set(appended.map((a) => a.id));
      for (let i = 1; i < appended.length; i++) expect(appended[i]!.position).toBeGreaterThan(appended[i - 1]!.position);

      const forwards: RecordedEvent[] = [];
      for await (const e of store.readAll({ fromPosition: appended[0]!.position })) {
        if (ours.has(e.id)) forwards.push(e);
        if (forwards.length === appended.length) break;
      }
      const backwards: RecordedEvent[] = [];
      for await (const e of store.readAll({ direction: 'backwards', fromPosition: appended[8]!.position })) {
        if (ours.has(e.id)) backwards.push(e);
        if (backwards.length === appended.length) break;
      }

      expect(forwards.map((e) => [e.id, e.position])).toEqual(appended.map((a) => [a.id, a.position]));
      expect(forwards.map((e) => e.streamId)).toEqual(appended.map((_, i) => streams[i % 3]));
      expect(backwards.map((e) => e.id)).toEqual(appended.map((a) => a.id).reverse());
      const firstTwo: RecordedEvent[] = [];
      for await (const e of store.readAll({ fromPosition: appended[0]!.position, maxCount: 2 })) firstTwo.push(e);
      expect(firstTwo).toHaveLength(2);
      expect(firstTwo[0]!.id).toBe(appended[0]!.id);
    });

    it('given events in $all, when it is read after the position of one of them, then only later events come back, in order, the next one first', async () => {
      const stream = streamName('after');
      const appended: number[] = [];
      for (let i = 0; i < 4; i++) appended.push((await store.appendToStream(stream, [event('Step', { i })])).position);

      const after: RecordedEvent[] = [];
      for await (const e of store.readAll({ afterPosition: appended[1]! })) {
        expect(e.position).toBeGreaterThan(appended[1]!);
        if (e.streamId === stream) after.push(e);
        if (after.length === 2) break;
      }
      const next: RecordedEvent[] = [];
      for await (const e of store.readAll({ afterPosition: appended[2]!, maxCount: 1 })) next.push(e);

      expect(after.map((e) => [e.revision, e.position])).toEqual([
        [2, appended[2]],
        [3, appended[3]],
      ]);
      expect(next).toHaveLength(1);
      expect(next[0]!.position).toBeGreaterThan(appended[2]!);
      expect(next[0]!.position).toBeLessThanOrEqual(appended[3]!);
      const fromStart: RecordedEvent[] = [];
      for await (const e of store.readAll({ afterPosition: 0, maxCount: 1 })) fromStart.push(e);
      expect(fromStart).toHaveLength(1);
    });

    it('given a subscription to $all, when it catches up and then goes live, then a new subscription from the last seen position resumes with no gap and no repeat', async () => {
      const stream = streamName('sub');
      const mine = (e: RecordedEvent) => e.streamId === stream;
      const start = await store.headPosition();
      for (let i = 0; i < 3; i++) await store.appendToStream(stream, [event('Before', { i })]);

      const first = subscribe({ fromPosition: start });
      const caughtUp = await first.take(3, mine);
      const live = first.take(2, mine);
      for (let i = 3; i < 5; i++) await store.appendToStream(stream, [event('Live', { i })]);
      const liveEvents = await live;
      const lastSeen = liveEvents[1]!.position;
      await first.subscription.close();
      for (let i = 5; i < 7; i++) await store.appendToStream(stream, [event('After', { i })]);
      const second = subscribe({ fromPosition: lastSeen });
      const resumed = await second.take(2, mine);

      expect(caughtUp.map((e) => e.revision)).toEqual([0, 1, 2]);
      expect(caughtUp.map((e) => e.type)).toEqual(['Before', 'Before', 'Before']);
      expect(liveEvents.map((e) => e.revision)).toEqual([3, 4]);
      expect(resumed.map((e) => e.revision)).toEqual([5, 6]);
      for (const reader of [first, second]) {
        const positions = reader.seen.map((e) => e.position);
        for (let i = 1; i < positions.length; i++) expect(positions[i]!).toBeGreaterThan(positions[i - 1]!);
      }
      expect(first.seen.every((e) => e.position > start)).toBe(true);
      expect(second.seen.every((e) => e.position > lastSeen)).toBe(true);
    });

    it('given a multi-event append, when reading resumes from the position of its first event, then each event has its own increasing position and the rest of that append comes once, in order', async () => {
      const stream = streamName('multi');
      const mine = (e: RecordedEvent) => e.streamId === stream;
      const result = await store.appendToStream(stream, [event('A'), event('B'), event('C')], { expectedRevision: 'no_stream' });
      const positions = (await store.readStream(stream)).map((e) => e.position);

      const resumed = await subscribe({ fromPosition: positions[0]! }).take(2, mine);
      const after: RecordedEvent[] = [];
      for await (const e of store.readAll({ afterPosition: positions[0]! })) {
        if (mine(e)) after.push(e);
        if (after.length === 2) break;
      }

      expect(positions[1]!).toBeGreaterThan(positions[0]!);
      expect(positions[2]!).toBeGreaterThan(positions[1]!);
      expect(positions[2]).toBe(result.position);
      expect(resumed.map((e) => [e.type, e.position])).toEqual([
        ['B', positions[1]],
        ['C', positions[2]],
      ]);
      expect(after.map((e) => e.type)).toEqual(['B', 'C']);
    });

    // `'end'` from a log that already holds events: from an empty one it could not be told from the start.
    it('given three events stored, when a subscription starts from the end and two more are appended, then it is told those two only, in order', async () => {
      const before = streamName();
      await store.appendToStream(before, [event('Before', { i: 0 }), event('Before', { i: 1 }), event('Before', { i: 2 })], { expectedRevision: 'no_stream' });
      const head = await store.headPosition();
      const reader = new Reader(store.subscribeToAll({ fromPosition: 'end' }));
      try {
        const after = streamName();
        const pending = reader.take(2, undefined, 5000);
        await store.appendToStream(after, [event('After', { i: 0 })], { expectedRevision: 'no_stream' });
        await store.appendToStream(after, [event('After', { i: 1 })], { expectedRevision: 0 });
        const got = await pending;
        expect(got.map((e) => [e.streamId, e.revision, e.type])).toEqual([
          [after, 0, 'After'],
          [after, 1, 'After'],
        ]);
        expect(reader.seen.every((e) => e.position > head)).toBe(true);
      } finally {
        await reader.subscription.close();
      }
    });

    it('given events in several streams and types, when a subscription filters by stream prefix or by event-type prefix, then only matching events arrive, in order', async () => {
      const prefix = `${streamName('flt')}-`;
      const typePrefix = `T${randomUUID().replaceAll('-', '')}`;
      const start = await store.headPosition();
      const a = event(`${typePrefix}Created`);
      const other = event('Unrelated');
      const b = event('Other');
      const sentinel = event(`${typePrefix}Closed`);
      await store.appendToStream(`${prefix}a`, [a]);
      await store.appendToStream(streamName('noise'), [other]);
      await store.appendToStream(`${prefix}b`, [b]);
      await store.appendToStream(streamName('noise'), [event('Noise')]);
      await store.appendToStream(`${prefix}a`, [sentinel]);

      const byStream = subscribe({ fromPosition: start, filter: { streamPrefixes: [prefix] } });
      const byType = subscribe({ fromPosition: start, filter: { eventTypePrefixes: [typePrefix] } });
      const streamed = await byStream.take(3);
      const typed = await byType.take(2);

      expect(streamed.map((e) => e.id)).toEqual([a.id, b.id, sentinel.id]);
      expect(streamed.map((e) => e.streamId)).toEqual([`${prefix}a`, `${prefix}b`, `${prefix}a`]);
      expect(typed.map((e) => e.id)).toEqual([a.id, sentinel.id]);
    });

    it('given a 1 MB event, when it is appended and read back, then it round-trips intact', async () => {
      const stream = streamName('big');
      const blob = Array.from({ length: 1_000_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
      const big = event('Attached', { blob }, { size: blob.length });

      const result = await store.appendToStream(stream, [big], { expectedRevision: 'no_stream' });
      const [read] = await store.readStream(stream);

      expect(read!.id).toBe(big.id);
      expect((read!.data as { blob: string }).blob).toBe(blob);
      expect(read!.metadata).toEqual({ size: 1_000_000 });
      const fromAll: RecordedEvent[] = [];
      for await (const e of store.readAll({ fromPosition: result.position, maxCount: 1 })) fromAll.push(e);
      expect((fromAll[0]!.data as { blob: string }).blob).toHaveLength(1_000_000);
    });

    it('given Chinese text and emoji in data and metadata, when appended and read back from the stream and from $all, then every character survives', async () => {
      const stream = streamName('utf8');
      const data = { title: '关于申请开放山东省公共数据的函', reason: '鲁数发〔2022〕15号 第十二条 ✅', emoji: '🚀👩‍💻🇨🇳', mixed: 'a\u0000b\u2028c' };
      const metadata = { actor: '张三', org: '山东省大数据局', note: '😀 通过' };
      const e = event('申请已提交', data, metadata);

      const result = await store.appendToStream(stream, [e]);
      const [read] = await store.readStream(stream);
      const fromAll: RecordedEvent[] = [];
      for await (const x of store.readAll({ fromPosition: result.position, maxCount: 1 })) fromAll.push(x);

      for (const got of [read!, fromAll[0]!]) {
        expect(got.type).toBe('申请已提交');
        expect(got.data).toEqual(data);
        expect(got.metadata).toEqual(metadata);
      }
    });

    it('given events were appended, when headPosition is asked, then it is the position of the last event in $all and moves forward with appends', async () => {
      const before = await store.headPosition();
      expect(before).toBeGreaterThanOrEqual(0);

      const result = await store.appendToStream(streamName('head'), [event()]);
      const after = await store.headPosition();

      expect(after).toBeGreaterThan(before);
      expect(after).toBeGreaterThanOrEqual(result.position);
      const last: RecordedEvent[] = [];
      for await (const e of store.readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 1 })) last.push(e);
      expect(last[0]!.position).toBeGreaterThanOrEqual(after);
    });
  });
}
