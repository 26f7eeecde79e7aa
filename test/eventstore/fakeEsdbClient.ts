/**
 * A stand-in for `@eventstore/db-client`'s `EventStoreDBClient`, with what a real server does that the
 * adapter depends on and that no test could see without one:
 * - positions are byte offsets of records in the log: not dense, and system records (here a `$>` link
 *   to a category stream after every event, as the system projections write) lie between ours;
 * - reading `$all` from a position that is not where a record starts fails, as the server's
 *   `InvalidPosition` (it cannot read a record from the middle of one);
 * - a subscription from a position is exclusive: it reads the one event at or after that position and
 *   starts after it (the server's AllSubscription), so from `{0, 0}` (the log's first record, an epoch
 *   record, no event) it skips the first event in the log;
 * - conflicts and missing streams come as the client's own error classes;
 * - an append of no event answers as the client reads the server's answer: a missing stream's
 *   revision as 0 (the answer's "no stream" it does not read), and no position.
 */
import { Readable } from 'node:stream';
import {
  EventStoreDBClient,
  StreamNotFoundError,
  UnknownError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type AppendResult,
  type EventData,
  type ReadPosition,
} from '@eventstore/db-client';

interface StoredRecord {
  position: bigint;
  streamId: string;
  type: string;
  revision: bigint;
  id: string;
  data: unknown;
  metadata: unknown;
  /** False for a record that is no event (the epoch record the log starts with): a place to read from, never read. */
  event: boolean;
  /** False for another application's binary event (content type application/octet-stream). Default true. */
  isJson?: boolean;
}

/** Bytes a record takes in the fake log: any size > 1 does, so that `position + 1` is inside a record. */
const RECORD_SIZE = 137n;

export interface FakeEsdb {
  client: EventStoreDBClient;
  /** Every `$all` position asked of readAll and subscribeToAll, as sent. */
  readonly asked: ReadPosition[];
  records: StoredRecord[];
}

function resolved(r: StoredRecord): AllStreamResolvedEvent {
  return {
    event: {
      streamId: r.streamId,
      id: r.id,
      revision: r.revision,
      type: r.type,
      data: r.data,
      metadata: r.metadata,
      isJson: r.isJson ?? true,
      created: new Date('2026-01-05T01:02:03Z'),
      position: { commit: r.position, prepare: r.position },
    },
    commitPosition: r.position,
  } as AllStreamResolvedEvent;
}

function streamOf(records: readonly AllStreamResolvedEvent[], error?: Error): Readable & { cancel(): Promise<void> } {
  async function* items(): AsyncGenerator<AllStreamResolvedEvent> {
    if (error) throw error;
    yield* records;
  }
  return Object.assign(Readable.from(items()), { cancel: async () => undefined });
}

export function fakeEsdb(): FakeEsdb {
  const fake: FakeEsdb = { client: Object.create(EventStoreDBClient.prototype) as EventStoreDBClient, asked: [], records: [] };
  // The log starts with an epoch record, which is no event.
  fake.records.push({ position: 0n, streamId: '', type: '', revision: 0n, id: '00000000-0000-4000-8000-000000000000', data: {}, metadata: {}, event: false });
  let next = RECORD_SIZE;
  const lastRevision = (stream: string): bigint | undefined => {
    let last: bigint | undefined;
    for (const r of fake.records) if (r.streamId === stream) last = r.revision;
    return last;
  };
  const startOf = (position: ReadPosition): number => {
    if (position === 'start') return 0;
    if (position === 'end') return fake.records.length;
    const at = fake.records.findIndex((r) => r.position === position.commit && position.prepare === position.commit);
    if (at < 0) throw new UnknownError(undefined, `InvalidPosition: no record starts at ${position.commit}/${position.prepare}`);
    return at;
  };
  const client = fake.client as unknown as Record<string, unknown>;
  client.appendToStream = async (stream: string, events: EventData[], options: { expectedRevision?: AppendExpectedRevision } = {}): Promise<AppendResult> => {
    const expected = options.expectedRevision ?? 'any';
    const current = lastRevision(stream);
    const ok = expected === 'any' || (expected === 'no_stream' ? current === undefined : expected === 'stream_exists' ? current !== undefined : current === expected);
    if (!ok) throw new WrongExpectedVersionError(undefined as never, { streamName: stream, expected, current: current ?? 'no_stream' });
    if (events.length === 0) return { success: true, nextExpectedRevision: current ?? 0n, position: undefined };
    let revision = current ?? -1n;
    let position = 0n;
    for (const e of events) {
      revision += 1n;
      position = next;
      fake.records.push({ position, streamId: stream, type: e.type, revision, id: e.id, data: e.data, metadata: e.metadata, event: true });
      next += RECORD_SIZE;
      const category = stream.split('-')[0];
      fake.records.push({ position: next, streamId: `$ce-${category}`, type: '$>', revision: 0n, id: crypto.randomUUID(), data: `${revision}@${stream}`, metadata: {}, event: true });
      next += RECORD_SIZE;
    }
    return { success: true, nextExpectedRevision: revision, position: { commit: position, prepare: position } };
  };
  client.readStream = (stream: string, { direction = 'forwards', maxCount = Infinity }: { direction?: string; maxCount?: number } = {}) => {
    const mine = fake.records.filter((r) => r.event && r.streamId === stream).map(resolved);
    if (direction === 'backwards') mine.reverse();
    return streamOf(mine.slice(0, maxCount), mine.length === 0 ? new StreamNotFoundError(undefined, stream) : undefined);
  };
  client.readAll = ({ fromPosition = 'start', direction = 'forwards' }: { fromPosition?: ReadPosition; direction?: string } = {}) => {
    fake.asked.push(fromPosition);
    let at: number;
    try {
      at = startOf(fromPosition);
    } catch (error) {
      return streamOf([], error as Error);
    }
    // Backwards reads are exclusive of the position, as the server's.
    const records = direction === 'backwards' ? fake.records.slice(0, at).reverse() : fake.records.slice(at);
    return streamOf(records.filter((r) => r.event).map(resolved));
  };
  client.subscribeToAll = ({ fromPosition = 'start' }: { fromPosition?: ReadPosition } = {}) => {
    fake.asked.push(fromPosition);
    let at: number;
    try {
      if (fromPosition === 'start') at = 0;
      else {
        const from = startOf(fromPosition);
        const first = fake.records.findIndex((r, i) => i >= from && r.event);
        at = first < 0 ? fake.records.length : first + 1;
      }
    } catch (error) {
      return Object.assign(streamOf([], error as Error), { unsubscribe: async () => undefined });
    }
    return Object.assign(streamOf(fake.records.slice(at).filter((r) => r.event).map(resolved)), { unsubscribe: async () => undefined });
  };
  client.dispose = async () => undefined;
  return fake;
}
