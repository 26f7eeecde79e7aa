/**
 * The one narrow event-store interface, with EventStoreDB's semantics. Adapters: `sqlite.ts`
 * (embedded default) and `esdb.ts` (EventStoreDB). Store-specific facts appear only in
 * result types (`position`).
 */

/** Optimistic concurrency: what the caller believes the stream's last revision is. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

/** An event to append. `id` is a UUID; the same id appended again at the same revision is a no-op. */
export interface EventData<Data = unknown> {
  id: string;
  type: string;
  data: Data;
  metadata?: Record<string, unknown>;
}

/** An event as stored. `revision` counts from 0 within its stream; `position` orders `$all`. */
export interface RecordedEvent<Data = unknown> {
  id: string;
  streamId: string;
  type: string;
  revision: number;
  /** Global position in `$all`: strictly increasing in `$all` order, never reused. */
  position: number;
  data: Data;
  metadata: Record<string, unknown>;
  /** When the store recorded it (UTC ISO-8601). */
  created: string;
}

export interface AppendResult {
  /** The revision to expect for the next append (the last appended event's revision). */
  nextExpectedRevision: number;
  /** Global position of the last appended event. */
  position: number;
}

export interface AppendOptions {
  expectedRevision?: ExpectedRevision;
}

export interface ReadStreamOptions {
  direction?: 'forwards' | 'backwards';
  /** Inclusive. Default: `start` forwards, `end` backwards. */
  fromRevision?: number | 'start' | 'end';
  maxCount?: number;
}

export interface ReadAllOptions {
  direction?: 'forwards' | 'backwards';
  /**
   * Inclusive, as EventStoreDB's readAll forwards: a position a store gave (an event's, `headPosition`).
   * Default: `start` forwards, `end` backwards.
   */
  fromPosition?: number | 'start' | 'end';
  /**
   * Exclusive, forwards only, instead of `fromPosition`: the events after this position (0: all), as
   * `subscribeToAll`'s `fromPosition`. The way to read on from the last event seen: positions need not
   * be dense, and `position + 1` names no place in EventStoreDB's log (its positions are byte offsets
   * of records there), which the server refuses to read from.
   */
  afterPosition?: number;
  maxCount?: number;
}

export interface SubscriptionFilter {
  /** Deliver only events whose stream name starts with one of these. */
  streamPrefixes?: string[];
  /** Deliver only events whose type starts with one of these. */
  eventTypePrefixes?: string[];
}

export interface SubscribeToAllOptions {
  /** Exclusive: the subscription delivers events after this position. Default: `start` (everything). */
  fromPosition?: number | 'start' | 'end';
  filter?: SubscriptionFilter;
}

/** Catch up, then deliver new events live, in `$all` order, until closed. */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

export interface EventStore {
  /** `sqlite` or `esdb`: shown by /health. */
  readonly kind: string;
  /** A failure of the store that lasts until the process restarts (the embedded store's failed flush), if any. */
  readonly trouble?: { reason: string; since: string } | undefined;
  appendToStream(stream: string, events: EventData[], options?: AppendOptions): Promise<AppendResult>;
  /** Throws `StreamNotFoundError` for a stream that has no events. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;
  subscribeToAll(options?: SubscribeToAllOptions): Subscription;
  /** Position of the last event in `$all` (0 when empty). */
  headPosition(): Promise<number>;
  /**
   * How many events `$all` holds after `position`, counted up to `cap` (at `cap`: at least that many):
   * a lag to report. Implemented by a store whose positions are not dense (EventStoreDB's are byte
   * offsets, and system records lie between ours), where no difference of positions counts events;
   * without it, the events after `position` are `headPosition() - position`.
   */
  countAfter?(position: number, cap: number): Promise<number>;
  close(): Promise<void>;
}

/** A stale `expectedRevision`: nothing was stored. */
export class WrongExpectedVersionError extends Error {
  override readonly name = 'WrongExpectedVersionError';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** The stream's actual last revision, or `no_stream`. */
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
  }
}

/**
 * A stored event whose data or metadata cannot be parsed: the store's content was damaged or
 * altered outside the store. Readers name it (verify, the audit export) instead of failing blind.
 */
export class UnreadableEventError extends Error {
  override readonly name = 'UnreadableEventError';
  constructor(
    /** `created`: when the store stamped it, where the store can tell (bookkeeping: no domain time). */
    readonly event: { streamId: string; revision: number; position: number; id: string; type: string; created?: string },
    /** Which part could not be parsed. */
    readonly part: 'data' | 'metadata',
    cause: unknown,
  ) {
    super(`event ${event.id} (${event.streamId}@${event.revision}, position ${event.position}): its ${part} is not valid JSON`, { cause });
  }
}

/** Whether a stream at revision `current` (`null`: no stream) is what an append expecting `expected` may follow. */
export function satisfied(expected: ExpectedRevision, current: number | null): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return current === null;
    case 'stream_exists':
      return current !== null;
    default:
      return current === expected;
  }
}

/** `afterPosition` of a forwards `readAll`, checked: with `fromPosition` or backwards it means nothing. */
export function afterPositionOf(options: ReadAllOptions): number | undefined {
  const after = options.afterPosition;
  if (after === undefined) return undefined;
  if (options.fromPosition !== undefined) throw new RangeError('readAll takes fromPosition or afterPosition, not both');
  if (options.direction === 'backwards') throw new RangeError('afterPosition reads forwards only');
  if (!Number.isSafeInteger(after) || after < 0) throw new RangeError(`afterPosition must be a position ≥ 0, not ${after}`);
  return after;
}

/**
 * `readAll` from `from` (inclusive `fromPosition`, or exclusive `afterPosition`) that goes on past
 * the stored events it cannot read: each is yielded as its `UnreadableEventError`, in its place, for
 * the reader to skip or to name. It reads on after such an event by `afterPosition`, never by a
 * position it computed (`position + 1` is no position in EventStoreDB).
 */
export async function* readAllPastUnreadable(
  store: EventStore,
  from: { fromPosition: number } | { afterPosition: number },
): AsyncGenerator<RecordedEvent | UnreadableEventError> {
  let options: ReadAllOptions = 'afterPosition' in from ? { afterPosition: from.afterPosition } : { fromPosition: from.fromPosition };
  /** Every event at or before this position was yielded or lies before `from`: only compared, never read from. */
  let done = 'afterPosition' in from ? from.afterPosition : from.fromPosition - 1;
  for (;;) {
    try {
      for await (const event of store.readAll(options)) {
        done = event.position;
        yield event;
      }
      return;
    } catch (err) {
      if (!(err instanceof UnreadableEventError) || err.event.position <= done) throw err;
      done = err.event.position;
      options = { afterPosition: done };
      yield err;
    }
  }
}

export class StreamNotFoundError extends Error {
  override readonly name = 'StreamNotFoundError';
  constructor(readonly streamId: string) {
    // An expected answer, not a fault (every command reads the calendar's stream, which has no
    // event until a notice is loaded): capturing a stack for it cost 2% of a command's time.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(`stream ${streamId} not found`);
    Error.stackTraceLimit = limit;
  }
}

/**
 * An event id that is already stored, but not as an idempotent retry of this append: in another
 * stream, or in this stream at revisions the append does not imply. Event ids are unique in the
 * store; nothing was stored. (EventStoreDB does not enforce global uniqueness, so only the SQLite
 * adapter raises this; EventStoreDB answers such appends by its own idempotency rules.)
 */
export class DuplicateEventIdError extends Error {
  override readonly name = 'DuplicateEventIdError';
  constructor(
    readonly eventId: string,
    /** The stream the append targeted. */
    readonly streamId: string,
    /** Where the id is already stored. */
    readonly storedIn: { streamId: string; revision: number },
  ) {
    super(`event id ${eventId} appended to ${streamId} is already stored in ${storedIn.streamId} at revision ${storedIn.revision}`);
  }
}

/**
 * The embedded store could not flush its write-ahead log to disk (`fdatasync` failed): the appends
 * that flush covered are committed, and may be read, but cannot be said to survive a power loss.
 * After such a failure the kernel may have dropped the log's unwritten pages and reports it once,
 * so no later flush can vouch for anything: the store refuses every append from then on, with this
 * error, until the process is restarted (once the disk has been checked). PostgreSQL stops for the
 * same reason.
 */
export class LogNotFlushedError extends Error {
  override readonly name = 'LogNotFlushedError';
  constructor(cause: unknown) {
    super(`the event store could not flush its log to disk (${(cause as Error)?.message ?? String(cause)}); it takes no more appends until restarted`, { cause });
  }
}

/**
 * An append larger than the store takes in one write (EventStoreDB's MaxAppendSize, 1 MiB by
 * default): nothing was stored. A form within the 1 MiB a request body may be, with its event's
 * metadata beside it, can pass that limit.
 */
export class AppendTooLargeError extends Error {
  override readonly name = 'AppendTooLargeError';
  constructor(
    readonly streamId: string,
    readonly maxBytes: number,
    cause: unknown,
  ) {
    super(`an append to ${streamId} is larger than the store takes in one write (${maxBytes} bytes)`, { cause });
  }
}

/**
 * An append to a stream deleted for good (an EventStoreDB tombstone, which only an operator makes; the
 * embedded store deletes nothing): nothing was stored, and no append to that stream ever will be. Read,
 * such a stream is no stream (`StreamNotFoundError`, or none of its events).
 */
export class StreamDeletedError extends Error {
  override readonly name = 'StreamDeletedError';
  constructor(
    readonly streamId: string,
    cause: unknown,
  ) {
    super(`stream ${streamId} was deleted for good; nothing can be appended to it`, { cause });
  }
}

/**
 * The store could not be reached: EventStoreDB down, its connection lost, a call past its deadline
 * (the adapter turns the client's errors of that kind into this one, with theirs as the cause). The
 * request is not at fault and may succeed later. An append's outcome is then unknown — it may have
 * been stored before the connection went — which a retry with the same `Idempotency-Key` settles.
 */
export class StoreUnreachableError extends Error {
  override readonly name = 'StoreUnreachableError';
  constructor(cause: unknown) {
    super(`the event store cannot be reached (${(cause as Error)?.message ?? String(cause)})`, { cause });
  }
}
