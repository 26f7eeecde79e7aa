/**
 * The EventStoreDB adapter: our interface maps one-to-one onto `@eventstore/db-client`.
 *
 * Positions: our numeric `position` is the event's commit position in the transaction log, a byte
 * offset. Every append through gRPC is an implicit transaction whose prepare records are each marked
 * committed, and the server reads each such record as its own commit (`AllReader`:
 * `CommitEventRecord(event, event.LogPosition)`): each event's commit and prepare positions are both
 * its record's offset, distinct and increasing even within a multi-event append, and an append
 * answers the position of its last event. Positions are not dense: `position + 1` lies inside a
 * record and is no place to read from (the server refuses it), so reading on after an event is
 * `afterPosition`, never arithmetic.
 *
 * System events (type or stream starting with `$`) are never returned by reads or subscriptions.
 */
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  MaxAppendSizeExceededError,
  START,
  StreamDeletedError as ClientStreamDeletedError,
  StreamNotFoundError as ClientStreamNotFoundError,
  UnknownError as ClientUnknownError,
  WrongExpectedVersionError as ClientWrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type AppendResult as ClientAppendResult,
  type Filter,
  type JSONType,
  type Position,
  type ReadPosition,
  type ResolvedEvent,
} from '@eventstore/db-client';
import {
  afterPositionOf,
  AppendTooLargeError,
  satisfied,
  StoreUnreachableError,
  StreamDeletedError,
  StreamNotFoundError,
  UnreadableEventError,
  WrongExpectedVersionError,
  type AppendOptions,
  type AppendResult,
  type EventData,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
  type Subscription,
  type SubscriptionFilter,
} from './types.js';

export interface EsdbEventStoreOptions {
  /** e.g. `esdb://localhost:2113?tls=false`, or `esdb+discover://...` for a cluster. */
  connectionString: string;
  /** How long a call waits for a server that has not answered this store yet (`FIRST_ANSWER_MS`). */
  firstAnswerMs?: number;
}

/**
 * How long a call waits for a server that has not yet answered this store before it is taken for
 * unreachable. An address that takes the connection and never speaks gRPC (another service's port, a
 * proxy holding it) left every call waiting for good: the client gives reads no deadline, nor its first
 * look at what the server supports, which an append awaits. `npm start`, `npm run replay` and
 * `npm run rebuild` said nothing for ten minutes, where a closed port is refused in a second. Once the
 * server has answered, calls wait as the client lets them (a long read of `$all` may take minutes).
 */
export const FIRST_ANSWER_MS = 10_000;

/** Log positions are unsigned 64-bit; -1 ("no position") arrives as 2^64 - 1. */
const MAX_LOG_POSITION = 2n ** 63n;

function toClientExpected(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return 'any';
    case 'no_stream':
      return 'no_stream';
    case 'stream_exists':
      return 'stream_exists';
    default:
      if (!Number.isSafeInteger(expected) || expected < 0) throw new RangeError(`expectedRevision must be a revision ≥ 0, not ${expected}`);
      return BigInt(expected);
  }
}

/**
 * Our position as the client's: an event's log position is both its commit and its prepare position
 * (every append through gRPC is an implicit transaction: each event is its own commit record). 0, the
 * position of no event ("0 when empty"), is the start of the log: as `{0, 0}` a subscription, which
 * is exclusive, would skip the first event in the log.
 */
function toPosition(position: number | 'start' | 'end' | undefined, fallback: ReadPosition): ReadPosition {
  if (position === undefined) return fallback;
  if (position === 'start') return START;
  if (position === 'end') return END;
  if (!Number.isSafeInteger(position) || position < 0) throw new RangeError(`a position must be an integer ≥ 0, not ${position}`);
  if (position === 0) return START;
  const p = BigInt(position);
  return { commit: p, prepare: p };
}

function isSystem(streamId: string, type: string): boolean {
  return type.startsWith('$') || streamId.startsWith('$');
}

/**
 * An event's log position; 0 when the server gave none. A server before 22.6 gives every event read
 * from a stream (not `$all`) the position 2^64 - 1 (no position), which as a number lay past every
 * event of the log: a read model waited for it for ever.
 */
function commitOf(resolved: ResolvedEvent | AllStreamResolvedEvent, position: Position | undefined): number {
  const given = position?.commit;
  const commit = given !== undefined && given < MAX_LOG_POSITION ? given : resolved.commitPosition;
  return commit === undefined || commit >= MAX_LOG_POSITION ? 0 : Number(commit);
}

/**
 * A client event as ours, or `undefined` for system events and unresolved links. What the client
 * could not parse as JSON makes the event unreadable (`UnreadableEventError`, as the embedded store
 * answers), not an event every reader would take as it is:
 * - metadata comes from it as raw bytes;
 * - the data of a JSON event comes as its raw text, a string (`safeParseJSON` falls back to it): the
 *   client answers a stored bare JSON string the same way, but no writer of the product stores one
 *   (commands' data, notices and the conformance suite's are objects and arrays).
 * A non-JSON event (another application's, in `$all`: we append JSON only) keeps its data as base64 and
 * its metadata, binary too (protobuf, Avro), is none of ours: readers skip it by its metadata, which names
 * no case. Read as damaged, each such event was told as a store altered (`UnreadableEventSkipped`), put in
 * the audit trail, and tore down and reopened the read models' subscription (EventStoreDB review: 20
 * of them, 21 subscriptions).
 */
function toRecorded(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event || isSystem(event.streamId, event.type)) return undefined;
  const position = commitOf(resolved, event.position);
  const metadata = event.metadata;
  const where = () => ({ streamId: event.streamId, revision: Number(event.revision), position, id: event.id, type: event.type, created: event.created.toISOString() });
  if (event.isJson && metadata instanceof Uint8Array && metadata.length > 0) throw new UnreadableEventError(where(), 'metadata', new SyntaxError('the metadata is not JSON'));
  if (event.isJson && typeof event.data === 'string') throw new UnreadableEventError(where(), 'data', new SyntaxError('the data is not JSON'));
  return {
    id: event.id,
    streamId: event.streamId,
    type: event.type,
    revision: Number(event.revision),
    position,
    data: event.isJson ? event.data : Buffer.from(event.data as Uint8Array).toString('base64'),
    metadata: metadata && typeof metadata === 'object' && !(metadata instanceof Uint8Array) && !Array.isArray(metadata) ? (metadata as Record<string, unknown>) : {},
    created: event.created.toISOString(),
  };
}

function matches(filter: SubscriptionFilter | undefined, event: { streamId: string; type: string }): boolean {
  if (!filter) return true;
  if (filter.streamPrefixes && !filter.streamPrefixes.some((p) => event.streamId.startsWith(p))) return false;
  if (filter.eventTypePrefixes && !filter.eventTypePrefixes.some((p) => event.type.startsWith(p))) return false;
  return true;
}

/**
 * The client's errors that say the server could not be reached, not that it refused: no connection
 * (gRPC 14 UNAVAILABLE, which an append throws unconverted), a deadline or timeout passed, a node that
 * is no longer the leader, a call the server cancelled (gRPC 1 CANCELLED: a node of 24.4 and later
 * being stopped or restarted, which the client itself takes as a reason to reconnect), and a cluster
 * whose gossip found no node (a plain `Error` of the client's dist/Client/discovery.js, with neither
 * type nor code: with several hosts or `esdb+discover://`, every call failed with it, and the API
 * answered 500 where one node down answers 503), and a server that refuses our credentials (below). Our own cancel of a read is not one of them: the
 * client drops it ("Cancelled on client", dist/utils/isClientCancellationError.js).
 */
// 'access-denied': the server refuses our credentials (a user disabled, a password changed, no read on $all):
// no request can be served until an operator mends them, as with a server down (it was a 500, "unexpected").
const UNREACHABLE_TYPES = new Set(['unavailable', 'deadline-exceeded', 'timeout', 'not-leader', 'cancelled', 'access-denied']);
// 1 CANCELLED, 4 DEADLINE_EXCEEDED, 14 UNAVAILABLE; 12 UNIMPLEMENTED, which an address that speaks HTTP/2 but is no
// EventStoreDB answers (a web server: "Received HTTP status code 404"), every EventStoreDB the client
// supports implementing the calls made here: npm start said it in the client's English, npm run rebuild
// with a stack trace.
const UNREACHABLE_GRPC_CODES = new Set([1, 4, 12, 14]);
const DISCOVERY_FAILED = /^Failed to discover after \d+ attempts/;
/**
 * A node starting, electing a leader or too busy to take the call: the server answers these with a
 * bare status the client cannot name (dist/streams/appendToStream/unpackError.js: "Could not recognize
 * …"; a read's "No leader info available"), an `UnknownError`. A rolling restart of the cluster gave
 * commands 500 where a node down gives 503.
 */
const NOT_READY = /Server Is (Not Ready|Busy)|No leader info/i;

/** `error` as `StoreUnreachableError` when it says the server could not be reached; else itself. */
function unreachable(error: unknown): unknown {
  if (error instanceof StoreUnreachableError) return error;
  const { type, code } = (error ?? {}) as { type?: unknown; code?: unknown };
  if ((typeof type === 'string' && UNREACHABLE_TYPES.has(type)) || (typeof code === 'number' && UNREACHABLE_GRPC_CODES.has(code))) return new StoreUnreachableError(error);
  if (error instanceof Error && type === undefined && code === undefined && DISCOVERY_FAILED.test(error.message)) return new StoreUnreachableError(error);
  if (error instanceof ClientUnknownError && NOT_READY.test(error.message)) return new StoreUnreachableError(error);
  return error;
}

/** No stream by that name: never written, or deleted (a tombstone; only an operator deletes one). */
function isStreamNotFound(error: unknown): boolean {
  const type = (error as { type?: unknown } | null)?.type;
  return error instanceof ClientStreamNotFoundError || error instanceof ClientStreamDeletedError || type === 'stream-not-found' || type === 'stream-deleted';
}

/** The gRPC method of the client's shared batch-append stream (generated/streams_grpc_pb.js). */
const BATCH_APPEND = '/event_store.client.streams.Streams/BatchAppend';

/**
 * Makes `client` append with one `Streams/Append` call each, never through its batch-append stream,
 * which it takes whenever the server has one (21.10 and later) and no call credentials are given
 * (dist/streams/appendToStream/index.js). In 6.2.1, the package's last release, that path can end the
 * process (EventStoreDB review, with the client's own code over stand-in streams):
 * - all appends share one stream, whose writes queue once 16 are in flight; when the stream then
 *   fails (a connection dropped), every queued write rejects inside an async Promise executor that
 *   nobody awaits (batchAppend.js): one unhandled rejection each, and Node 20 exits on the first;
 * - its table of pending appends is the module's, not the stream's: after the client reconnects, the
 *   old stream's failure rejects the new stream's appends (stored, yet answered 503), and the new
 *   stream's answers then meet no entry and throw out of grpc-js's `data` event (`undefined is not
 *   iterable`), uncaught. Fixed upstream in the renamed client (KurrentDB-Client-NodeJS #523).
 * A call of its own per append has a stream of its own, failed alone; its two or three writes never
 * queue. Our appends are one command's events each, so the batch stream saved nothing here.
 */
function appendOneCallEach(client: EventStoreDBClient): void {
  const own = client as unknown as { supports?: (method: unknown, feature?: unknown) => Promise<boolean> };
  const supports = own.supports;
  // A stand-in client without it (the tests'): nothing to route.
  if (typeof supports !== 'function') return;
  own.supports = (method, feature) => ((method as { path?: unknown } | null)?.path === BATCH_APPEND ? Promise.resolve(false) : supports.call(client, method, feature));
}

/**
 * A connection string's credentials after its scheme, exactly as the client reads them (its
 * parseConnectionString: `[^:]+:[^@]+@`): a user name holding `@`, a password holding spaces.
 */
const CREDENTIALS = /^[^:]+:\/\/([^:]+:[^@]+@)/;

/**
 * The client for `connectionString`. Its parser warns on the console of an option it ignores
 * (`tlsVerifyCert=false`, an unknown key) with the whole string under a caret, password included:
 * into the service's log at every start, replay and rebuild (operations QA: `admin:changeit@`). The
 * warnings are said again with the credentials masked by as many `*` (the caret still points at the
 * option), after a Chinese line naming the setting.
 */
function clientFor(connectionString: string): EventStoreDBClient {
  const said: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void said.push(args.map(String).join(' '));
  let client: EventStoreDBClient;
  try {
    client = EventStoreDBClient.connectionString(connectionString);
  } finally {
    console.warn = warn;
  }
  const credentials = CREDENTIALS.exec(connectionString.trim())?.[1];
  for (const text of said) {
    const masked = credentials ? text.split(credentials).join(`${'*'.repeat(credentials.length - 1)}@`) : text;
    console.warn(`EventStoreDB 客户端对 WORKFLOW_STORE 的提示：\n${masked}`);
  }
  return client;
}

export class EsdbEventStore implements EventStore {
  readonly kind = 'esdb';
  readonly client: EventStoreDBClient;
  readonly #firstAnswerMs: number;
  /** The server has answered a call of this store (`FIRST_ANSWER_MS`). */
  #answered = false;

  constructor(options: EsdbEventStoreOptions | EventStoreDBClient) {
    this.client = options instanceof EventStoreDBClient ? options : clientFor(options.connectionString);
    appendOneCallEach(this.client);
    this.#firstAnswerMs = options instanceof EventStoreDBClient ? FIRST_ANSWER_MS : (options.firstAnswerMs ?? FIRST_ANSWER_MS);
  }

  /**
   * `work`, or StoreUnreachableError once `FIRST_ANSWER_MS` pass while the server has never answered
   * this store (`cancel` then stops the call). Any answer counts, a refusal too; not an unreachable server.
   */
  #firstAnswer<T>(work: Promise<T>, cancel?: () => unknown): Promise<T> {
    if (this.#answered) return work;
    let timer: NodeJS.Timeout | undefined;
    let silent = false;
    const silence = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        silent = true;
        cancel?.();
        reject(new StoreUnreachableError(new Error(`no answer within ${this.#firstAnswerMs} ms: is EventStoreDB (gRPC) at this address?`)));
      }, this.#firstAnswerMs);
    });
    // What ends the call after the wait (the cancel's own error) is no answer of the server's.
    const answered = work.then(
      (value) => {
        if (!silent) this.#answered = true;
        return value;
      },
      (error: unknown) => {
        if (!silent && !(unreachable(error) instanceof StoreUnreachableError)) this.#answered = true;
        throw error;
      },
    );
    return Promise.race([answered, silence]).finally(() => clearTimeout(timer));
  }

  /** A read's records, its first (or its end) waited for as `#firstAnswer` says. */
  async *#answering<T>(read: AsyncIterable<T> & { cancel(): Promise<void> }): AsyncGenerator<T> {
    const records = read[Symbol.asyncIterator]();
    let next = await this.#firstAnswer(records.next(), () => read.cancel().catch(() => undefined));
    try {
      while (!next.done) {
        yield next.value;
        next = await records.next();
      }
    } finally {
      // Left early (the reader had enough): the read's own iterator ends too, as `for await` ends it.
      if (!next.done) await records.return?.();
    }
  }

  static open(connectionString: string): EsdbEventStore {
    return new EsdbEventStore({ connectionString });
  }

  async appendToStream(stream: string, events: EventData[], options?: AppendOptions): Promise<AppendResult> {
    const expected = options?.expectedRevision ?? 'any';
    if (events.length === 0) return this.#appendNothing(stream, expected);
    const toAppend = events.map((e) =>
      jsonEvent({ id: e.id, type: e.type, data: (e.data ?? null) as JSONType, metadata: e.metadata ?? {} }),
    );
    let result: ClientAppendResult;
    try {
      result = await this.#firstAnswer(this.client.appendToStream(stream, toAppend, { expectedRevision: toClientExpected(expected) }));
    } catch (error) {
      if (error instanceof ClientWrongExpectedVersionError) {
        const actual = error.actualVersion;
        throw new WrongExpectedVersionError(stream, expected, actual === 'no_stream' ? 'no_stream' : Number(actual));
      }
      // The server's MaxAppendSize (1 MiB by default): a form near the body's cap, with its metadata.
      if (error instanceof MaxAppendSizeExceededError) throw new AppendTooLargeError(stream, error.maxAppendSize, error);
      // A tombstone (an operator's hard delete): it was a 500 "unexpected error" (EventStoreDB review).
      if (error instanceof ClientStreamDeletedError) throw new StreamDeletedError(stream, error);
      throw unreachable(error);
    }
    // With `throwOnAppendFailure=false` in the connection string the client answers instead of throwing.
    if (!result.success) throw new WrongExpectedVersionError(stream, expected, (await this.#lastEvent(stream))?.revision ?? 'no_stream');
    const nextExpectedRevision = Number(result.nextExpectedRevision);
    const commit = result.position?.commit;
    if (commit !== undefined && commit < MAX_LOG_POSITION) return { nextExpectedRevision, position: Number(commit) };
    // An idempotent retry may come back without a log position: answer the original event's.
    const [last] = await this.readStream(stream, { fromRevision: nextExpectedRevision, maxCount: 1 });
    return { nextExpectedRevision, position: last?.position ?? 0 };
  }

  async #lastEvent(stream: string): Promise<RecordedEvent | undefined> {
    try {
      const [last] = await this.readStream(stream, { direction: 'backwards', maxCount: 1 });
      return last;
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw error;
    }
  }

  /**
   * An append of no event, as the embedded store answers it: the stream's last revision (-1 for none)
   * and its last event's position, or the conflict. Not sent: the client answers a missing stream's
   * revision as 0 (`getCurrentRevision()` of its answer, whose "no stream" it does not read).
   */
  async #appendNothing(stream: string, expected: ExpectedRevision): Promise<AppendResult> {
    toClientExpected(expected); // a revision out of range is refused as for any append
    const last = await this.#lastEvent(stream);
    const current = last ? last.revision : null;
    if (!satisfied(expected, current)) throw new WrongExpectedVersionError(stream, expected, current ?? 'no_stream');
    return { nextExpectedRevision: current ?? -1, position: last?.position ?? 0 };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const from = options.fromRevision;
    const read = this.client.readStream(stream, {
      direction: options.direction === 'backwards' ? BACKWARDS : FORWARDS,
      fromRevision: from === undefined ? (options.direction === 'backwards' ? END : START) : from === 'start' ? START : from === 'end' ? END : BigInt(from),
      ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
    });
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of this.#answering(read)) {
        const event = toRecorded(resolved);
        if (event) events.push(event);
      }
    } catch (error) {
      if (isStreamNotFound(error)) throw new StreamNotFoundError(stream);
      throw unreachable(error);
    }
    return events;
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    let remaining = options.maxCount ?? Infinity;
    const after = afterPositionOf(options);
    if (remaining <= 0) return;
    if (after !== undefined) {
      // From the event at `after` itself (a position the server gave), less that event: the server
      // refuses, or misreads, a position inside a record, such as `after + 1`.
      for await (const event of this.#readAllRaw(FORWARDS, toPosition(after, START), after)) {
        yield event;
        if (--remaining <= 0) return;
      }
      return;
    }
    const backwards = options.direction === 'backwards';
    const from = options.fromPosition ?? (backwards ? 'end' : 'start');
    if (backwards && typeof from === 'number') {
      // EventStoreDB reads backwards from *before* a position; ours is inclusive, as forwards is.
      // So first yield the event at the position itself, if there is one: the first of ours at or
      // after it, read only when it is at it (a later one, unreadable, is not this read's to fail on).
      for await (const { resolved, position } of this.#ourRecords(FORWARDS, toPosition(from, START))) {
        const event = position === from ? toRecorded(resolved) : undefined;
        if (event) {
          yield event;
          remaining--;
        }
        break;
      }
    }
    if (remaining <= 0) return;
    for await (const event of this.#readAllRaw(backwards ? BACKWARDS : FORWARDS, toPosition(from, START))) {
      // The server leaves the position itself out of a backwards read; by position, not id (ids are not unique in $all).
      if (backwards && event.position === from) continue;
      yield event;
      if (--remaining <= 0) return;
    }
  }

  /**
   * `$all` without system events, and forwards without those at or before `after` (left unread: the
   * event at `after` may be the unreadable one a reader resumes after). No maxCount to the server: it
   * would count the events we skip.
   */
  async *#readAllRaw(direction: typeof FORWARDS | typeof BACKWARDS, fromPosition: ReadPosition, after = -1): AsyncGenerator<RecordedEvent> {
    for await (const { resolved } of this.#ourRecords(direction, fromPosition, after)) {
      const event = toRecorded(resolved);
      if (event) yield event;
    }
  }

  /**
   * Our records of `$all` (system records and unresolved links left out) after `after`, with their
   * positions, unparsed; the read is cancelled when the reader stops early.
   */
  async *#ourRecords(direction: typeof FORWARDS | typeof BACKWARDS, fromPosition: ReadPosition, after = -1): AsyncGenerator<{ resolved: AllStreamResolvedEvent; position: number }> {
    const read = this.client.readAll({ direction, fromPosition });
    try {
      for await (const resolved of this.#answering(read)) {
        const event = resolved.event;
        if (!event || isSystem(event.streamId, event.type)) continue;
        const position = commitOf(resolved, event.position);
        if (position > after) yield { resolved, position };
      }
    } catch (error) {
      throw unreachable(error);
    } finally {
      if (!read.readableEnded) await read.cancel().catch(() => undefined);
    }
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    const filter = options.filter;
    let serverFilter: Filter;
    if (filter?.streamPrefixes?.length) serverFilter = streamNameFilter({ prefixes: filter.streamPrefixes });
    else if (filter?.eventTypePrefixes?.length) serverFilter = eventTypeFilter({ prefixes: filter.eventTypePrefixes });
    else serverFilter = excludeSystemEvents();
    const sub = this.client.subscribeToAll({ fromPosition: toPosition(options.fromPosition, START), filter: serverFilter });
    // The server applies one filter; the other (if both are given) and the system-event rule apply here.
    return new EsdbSubscription(sub, filter);
  }

  /**
   * The position of our last event, read without parsing it (as `countAfter`): an unreadable last
   * event still has its position, as the embedded store answers, and GET /health, /metrics, the
   * read models' lag and a rebuild's target do not fail on it.
   */
  async headPosition(): Promise<number> {
    for await (const { position } of this.#ourRecords(BACKWARDS, END)) return position;
    return 0;
  }

  /** Reads them (no server call counts `$all`), skipping system records, without parsing any. */
  async countAfter(position: number, cap: number): Promise<number> {
    let count = 0;
    if (cap <= 0) return count;
    for await (const _ of this.#ourRecords(FORWARDS, toPosition(position, START), position)) if (++count >= cap) break;
    return count;
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
}

class EsdbSubscription implements Subscription {
  #closed = false;
  #iterating = false;
  /** The first failure the client told, kept for a reader that starts after it. */
  #failure: { error: unknown } | undefined;

  constructor(
    private readonly sub: AllStreamSubscription,
    private readonly filter: SubscriptionFilter | undefined,
  ) {
    // Errors surface through the iterator; an unhandled 'error' event must not crash the process. The
    // client emits them without destroying the stream: one told before the reader began would reach
    // no reader, and the stream, never ended, would leave it waiting for ever.
    sub.on('error', (error: unknown) => {
      this.#failure ??= { error };
    });
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<RecordedEvent> {
    if (this.#iterating) throw new Error('a subscription has one consumer');
    this.#iterating = true;
    try {
      if (this.#failure) throw this.#failure.error;
      for await (const resolved of this.sub as AsyncIterable<AllStreamResolvedEvent>) {
        if (this.#closed) return;
        // Filtered before it is read: an unreadable event the filter leaves out is not this subscription's.
        if (resolved.event && !matches(this.filter, resolved.event)) continue;
        const event = toRecorded(resolved);
        if (event) yield event;
      }
      // Told while the stream ended (the reader was between reads): the end is no clean one.
      const failure = this.#failure as { error: unknown } | undefined;
      if (failure) throw failure.error;
    } catch (error) {
      if (!this.#closed) throw unreachable(error);
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Cancels the call, in the background: the client's unsubscribe first awaits the call's creation,
    // which a cluster's gossip can hold for maxDiscoverAttempts × gossipTimeout per seed (50 s and
    // more with every node down), and a rebuild's or a SIGTERM's pause waited for it, past docker
    // stop's 10 s. It rejects when the call never started (gossip found no node): nothing to cancel
    // then, and the failure, if the subscription was being read, was its reader's to see.
    this.sub.unsubscribe().catch(() => {});
    this.sub.destroy();
  }
}
