import { readAllPastUnreadable, UnreadableEventError, type EventStore, type RecordedEvent } from '../eventstore/types.js';
import { nextTurn } from '../infra/turn.js';
import { OneAtATime } from '../infra/oneAtATime.js';
import type { ProcessRegistry } from '../machines/registry.js';
import { waitsOf } from '../machines/describe.js';
import { timerPassed, type CaseEventMetadata, type PendingTimer, type Task } from './events.js';
import { ServerStoppingError } from './errors.js';
import { idempotencyScope, tasksAfter } from './fold.js';

interface CaseWork {
  process: string;
  timers: PendingTimer[];
  tasks: Task[];
  state: string;
  final: boolean;
}

/**
 * How long the log's idempotency keys are remembered across cases (`keyUse`), and how many at most: a
 * retry comes within minutes, and a key sent to another case after a day is taken as a new request
 * there (its own case remembers it for good). 50,000 keys (UUIDs, each on a case of its own) held
 * 27 MB of heap; a province's day of commands is a small part of that.
 */
const KEY_WINDOW_MS = 24 * 60 * 60 * 1000;
const KEYS_REMEMBERED = 50_000;

/**
 * How far back from the log's newest event the keys are read at start (`keysRead`): the key window
 * and as much again, so that events stamped by a clock that stepped back (a node's, NTP) by up to a
 * day are still read.
 */
const KEYS_READ_BACK_MS = 2 * KEY_WINDOW_MS;

/** A request stored under a sender's idempotency key (`keyUse`): the case and the command (`START` for a start). */
export interface KeyUse {
  caseId: string;
  process: string;
  version: number;
  command: string;
  /** When it was accepted (ms since the epoch). */
  at: number;
}

/** Events a catch-up reads between turns it gives the event loop (a few milliseconds of work). */
const CATCH_UP_TURN = 200;

/** A case with nothing for the scheduler to do: ended, or no timer and no task (a published release). */
function idle(work: CaseWork): boolean {
  return work.final || (work.timers.length === 0 && work.tasks.length === 0);
}

/** A case waiting for another to reach a state (CommandSpec.link). */
export interface Waiter {
  caseId: string;
  command: string;
  data: unknown;
  completesOn: string;
}

/**
 * What the engine's background duties need to know of every case, folded from `$all`: pending
 * timers, open tasks (for re-stating provisional deadlines) and cases waiting on another.
 * Rebuilt from the log on start, so a restart forgets nothing.
 */
export class WorkIndex {
  #position = 0;
  /** The catch-up under way, if any. */
  #reading: Promise<void> | undefined;
  /** Catch-ups, one at a time (`catchUp`). */
  readonly #catchUps = new OneAtATime(() => {
    this.#reading = this.#read().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  });
  /** Whether the index has held the whole log since it was last read to its end (`loaded`). */
  #loaded = false;
  /** Set by `halt` (the server stopping): a catch-up ends at the next event, and none reads after. */
  #halted = false;
  readonly #cases = new Map<string, CaseWork>();
  readonly #waiting = new Map<string, Map<string, Waiter>>();
  /** `idempotencyScope` → the request last stored under it, oldest first (`KEY_WINDOW_MS`). */
  readonly #keys = new Map<string, KeyUse>();
  /**
   * The last position whose key is in `#keys`, if it had one: `apply` and the reads of keys alone
   * (`keysRead`) remember only past it, so each stored key is remembered once, in log order.
   */
  #keysThrough = 0;
  /** Set by `stopKeyReads` (and `halt`): keyed requests are turned away, and no key is read after. */
  #keysHalted = false;
  /** Whether the keys of the log's recent events have been read backwards (`#readRecentKeys`). */
  #recentKeysRead = false;
  /** Reads of the keys stored since `#keysThrough`, one at a time (`keysRead`). */
  readonly #keyReads = new OneAtATime(() => this.#readKeys());

  constructor(
    private readonly store: EventStore,
    private readonly registry: ProcessRegistry,
    /** Told of a stored event that cannot be read (it is skipped: one damaged case must not stop every case's timers). */
    private readonly onUnreadable?: (error: UnreadableEventError) => void,
  ) {}

  get position(): number {
    return this.#position;
  }

  /**
   * Reads every event after the last one seen. One reader at a time: callers meanwhile (commands
   * appended while the server starts on a long log; on EventStoreDB, whose positions are not dense,
   * every command) share one more read, started after it ends, of what came after — not a read each,
   * one after another.
   */
  catchUp(): Promise<void> {
    return this.#catchUps.run();
  }

  /**
   * Whether the index holds the whole log (as far as it has been told of it): false until a catch-up
   * has read to the end of the log, or it was told of every event from the first. Meanwhile — the
   * start-up's catch-up, 15 s at 1,000,000 events — its counts (`countDue`, `overdueByProcess`) are
   * of the part read so far, not of the cases.
   */
  get loaded(): boolean {
    return this.#loaded;
  }

  /**
   * The server stopping: a catch-up under way ends at the next event, and none reads after. The
   * catch-up on start reads the whole log (14 s at 1,000,000 events): waited for whole, it held a
   * SIGTERM sent meanwhile 13.5 s, past docker stop's 10 s. Nothing is lost: the index is in memory
   * only, and the next start reads the whole log again.
   */
  halt(): void {
    this.#halted = true;
    this.#keysHalted = true;
  }

  /**
   * The server beginning to stop: keyed requests waiting for the log's keys (`keysRead`), and those
   * that come after, are turned away (`ServerStoppingError`); the catch-up goes on until `halt`, so a
   * timer pass still sees whether it read the whole log.
   */
  stopKeyReads(): void {
    this.#keysHalted = true;
  }

  async #read(): Promise<void> {
    let read = 0;
    for await (const event of readAllPastUnreadable(this.store, { afterPosition: this.#position })) {
      if (this.#halted) return;
      // The embedded store reads synchronously, and an async generator resumes in microtasks: without
      // a turn of the event loop now and then, the catch-up on start (the whole log: 15 s at 1,000,000
      // events) held up the server's listening and every request.
      if (++read % CATCH_UP_TURN === 0) await nextTurn();
      if (this.#halted) return;
      if (event instanceof UnreadableEventError) {
        this.#position = event.event.position;
        this.onUnreadable?.(event);
      } else if (event.position > this.#position) {
        this.apply(event);
      }
    }
    this.#loaded = true;
  }

  /**
   * Resolves once the index holds every key the log stored before this call, wherever it was stored:
   * a keyed request waits for it (undefined: a server stopping, `halt`, waits for nothing). It reads
   * the keys stored since the last it holds, usually none: another server on the same store (or node
   * of the same EventStoreDB) stores requests the index learnt only at its next catch-up, a minute
   * later, and a key used there was taken here on another case meanwhile. At start, while the index
   * still reads the log (15 s at 1,000,000 events), the keys are first read from the log's end
   * backwards, as far as they can matter (`KEYS_READ_BACK_MS`): without that, a retry sent to another
   * case in the first seconds after a restart (the most recent keys, which retries carry, are the last
   * the catch-up reads) was stored there. A read that fails leaves the key checked on its own case
   * only, as before. Once the server stops (`stopKeyReads`, `halt`) it rejects with `ServerStoppingError`, at once and
   * for the requests waiting: their keys cannot be read any more, and a stop waited for those
   * requests until its grace ran out (8 s), then cut them off unanswered.
   */
  async keysRead(): Promise<void> {
    if (this.#keysHalted) throw new ServerStoppingError();
    await this.#keyReads.run().catch(() => {});
    if (this.#keysHalted) throw new ServerStoppingError();
  }

  async #readKeys(): Promise<void> {
    if (!this.#recentKeysRead && !this.#loaded) {
      try {
        await this.#readRecentKeys();
      } catch (err) {
        // An event that cannot be read on the way back: where to go on from is not known (EventStoreDB's
        // positions are not dense), so the catch-up reads the whole log, as it always can.
        if (!(err instanceof UnreadableEventError)) throw err;
        await this.catchUp();
        return;
      }
    }
    // What was stored since the way back began, or since the last such read: usually nothing.
    let read = 0;
    for await (const event of readAllPastUnreadable(this.store, { afterPosition: this.#keysThrough })) {
      if (this.#keysHalted) return;
      if (++read % CATCH_UP_TURN === 0) await nextTurn();
      if (event instanceof UnreadableEventError) this.#keysThrough = Math.max(this.#keysThrough, event.event.position);
      else this.#rememberKeyOf(event);
    }
  }

  /**
   * Reads the log backwards from its end to `KEYS_READ_BACK_MS` before its newest case event (or
   * `KEYS_REMEMBERED` keys), and remembers the keys found, oldest first, past `#keysThrough`. It stops
   * sooner where the catch-up has been (`#keysThrough`), or once it is done: a log whose last two days
   * were all of it was read twice over before a keyed request was answered (16.7 s against the whole
   * catch-up's 7.3 s at 120,000 events).
   */
  async #readRecentKeys(): Promise<void> {
    const found: RecordedEvent[] = [];
    const scopes = new Set<string>();
    let head = 0;
    let newest = -Infinity;
    let read = 0;
    for await (const event of this.store.readAll({ direction: 'backwards' })) {
      if (this.#keysHalted) return;
      if (++read % CATCH_UP_TURN === 0) await nextTurn();
      if (this.#loaded || event.position <= this.#keysThrough) break;
      head = Math.max(head, event.position);
      const meta = event.metadata as unknown as Partial<CaseEventMetadata> | undefined;
      if (!meta?.caseId || !meta.machine || typeof meta.at !== 'string') continue;
      const at = Date.parse(meta.at);
      newest = Math.max(newest, at);
      if (at < newest - KEYS_READ_BACK_MS) break;
      if (meta.idempotencyKey === undefined) continue;
      found.push(event);
      scopes.add(idempotencyScope(meta.actor!, meta.idempotencyKey));
      if (scopes.size >= KEYS_REMEMBERED) break;
    }
    for (let i = found.length - 1; i >= 0; i--) this.#rememberKeyOf(found[i]!);
    this.#keysThrough = Math.max(this.#keysThrough, head);
    this.#recentKeysRead = true;
  }

  /** Remembers an event's key, if it has one and the index has not remembered past it. */
  #rememberKeyOf(event: RecordedEvent): void {
    if (event.position <= this.#keysThrough) return;
    this.#keysThrough = event.position;
    const meta = event.metadata as unknown as Partial<CaseEventMetadata> | undefined;
    if (meta?.caseId && meta.machine && meta.idempotencyKey !== undefined) this.#rememberKey(meta as CaseEventMetadata, meta.idempotencyKey);
  }

  /** Whether a catch-up is under way (a command's event is then read after it: `observe`). */
  get catchingUp(): boolean {
    return this.#reading !== undefined;
  }

  /** An event just appended: applied at once when it is the next in `$all`, else by catching up. */
  async observe(event: RecordedEvent): Promise<void> {
    if (event.position <= this.#position) return;
    if (this.#reading) {
      // A catch-up under way (the server starting on a long log) is not waited for by the command
      // that appended: the event is read after it (the scheduler waits for it only for an event that
      // may complete a link: Scheduler #onAppended).
      this.catchUp().catch(() => {});
      return;
    }
    if (event.position === this.#position + 1) {
      // Every event from the first (a new store), or from where a catch-up read to the end: the whole log.
      if (this.#position === 0) this.#loaded = true;
      this.apply(event);
    } else await this.catchUp();
  }

  apply(event: RecordedEvent): void {
    this.#position = event.position;
    this.#rememberKeyOf(event);
    const meta = event.metadata as unknown as CaseEventMetadata;
    if (!meta.caseId || !meta.machine) return;
    const work = this.#cases.get(meta.caseId) ?? { process: meta.process ?? meta.machine.name, timers: [], tasks: [], state: meta.stateAfter, final: false };
    const tasks = tasksAfter(work.tasks, meta);
    this.#cases.set(meta.caseId, { process: work.process, timers: meta.timers, tasks, state: meta.stateAfter, final: meta.final });

    const waits = waitsOf(this.registry.get(meta.machine.name, meta.machine.version), meta);
    if (waits.clears) {
      for (const [linkedId, waiters] of this.#waiting) {
        if (!waiters.delete(meta.caseId) || waiters.size > 0) continue;
        this.#waiting.delete(linkedId);
        const linked = this.#cases.get(linkedId);
        if (linked && idle(linked)) this.#cases.delete(linkedId);
      }
    }
    // A case with no timer and no task — ended, or idle (a published release) — is held only while a case
    // waits on it (readyWaiters reads its state). Held for ever, every case the platform ever had stayed
    // in memory, about 210 bytes each (every release ever published too), and every timer pass went through them all.
    if (idle(this.#cases.get(meta.caseId)!) && !this.#waiting.has(meta.caseId)) this.#cases.delete(meta.caseId);
    for (const { caseId: linkedId, completesOn } of waits.waitsOn) {
      const waiters = this.#waiting.get(linkedId) ?? new Map<string, Waiter>();
      waiters.set(meta.caseId, { caseId: meta.caseId, command: meta.command, data: event.data, completesOn });
      this.#waiting.set(linkedId, waiters);
    }
  }

  #rememberKey(meta: CaseEventMetadata, key: string): void {
    const at = Date.parse(meta.at);
    const scope = idempotencyScope(meta.actor, key);
    this.#keys.delete(scope);
    this.#keys.set(scope, { caseId: meta.caseId, process: meta.machine.name, version: meta.machine.version, command: meta.command, at });
    // In log order, so the oldest are first: let go of those a day older than this event, or past the count.
    for (const [oldest, use] of this.#keys) {
      if (this.#keys.size <= KEYS_REMEMBERED && use.at >= at - KEY_WINDOW_MS) break;
      this.#keys.delete(oldest);
    }
  }

  /**
   * The request the log stored last under a sender's idempotency key (`idempotencyScope`) in the day
   * before `now` (ms), on whichever case: the engine refuses the key on another case. At start, until
   * `keysRead` has resolved, of the part of the log read so far.
   */
  keyUse(scope: string, now: number): KeyUse | undefined {
    const use = this.#keys.get(scope);
    return use !== undefined && use.at >= now - KEY_WINDOW_MS ? use : undefined;
  }

  /**
   * Timers whose time has come, the earliest due first (then by case): a pass that runs late (a long
   * outage, the test clock moved a year) stores what fell due in the order it fell due, so the log
   * reads as the law had it happen (附录5 协议二(二): each use ends at the end of its own `useTo`).
   */
  dueTimers(now: Date): { caseId: string; timer: PendingTimer }[] {
    const due: { caseId: string; timer: PendingTimer; at: number }[] = [];
    for (const [caseId, work] of this.#cases) {
      if (work.final) continue;
      for (const timer of work.timers) {
        if (timerPassed(timer, now.getTime())) due.push({ caseId, timer, at: Date.parse(timer.dueAt) });
      }
    }
    return due.sort((a, b) => a.at - b.at || (a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : 0)).map(({ caseId, timer }) => ({ caseId, timer }));
  }

  /**
   * How many timers `dueTimers(now)` would give, without listing them: `/metrics` asks it at every
   * scrape (what is in memory, no read of the log). Above 0 for longer than a pass takes, due system
   * commands are not being sent (the pass fails, or has stopped).
   */
  countDue(now: Date): number {
    const at = now.getTime();
    let due = 0;
    for (const work of this.#cases.values()) {
      if (work.final) continue;
      for (const timer of work.timers) if (timerPassed(timer, at)) due++;
    }
    return due;
  }

  /**
   * Open tasks past their deadline at `now` (as the inbox and the overdue report judge it: `now` after
   * `dueAt`), by process: `/metrics` asks it at every scrape, from memory. By process only: an
   * organisation may be an applicant (a person's ID number), and a case id would grow without bound.
   */
  overdueByProcess(now: Date): Map<string, number> {
    const at = now.getTime();
    const counts = new Map<string, number>();
    for (const work of this.#cases.values()) {
      if (work.final) continue;
      for (const task of work.tasks) {
        if (task.dueAt !== undefined && Date.parse(task.dueAt) < at) counts.set(work.process, (counts.get(work.process) ?? 0) + 1);
      }
    }
    return counts;
  }

  /**
   * Open cases whose deadlines a notice for `year` may move (engine.ts `restateDeadlines`): a task
   * with a provisional deadline, or one whose count of days reaches that year or the December
   * before it (where a notice's New-Year edge lies). A deadline counts only days from its task's
   * entry to its due date, and a notice changes only days of those months.
   */
  casesToRestate(year: number): string[] {
    const from = `${year - 1}-12-01`;
    const to = `${year}-12-31`;
    // An entry's UTC date is never after its Beijing date: the test keeps every task it should.
    return this.casesWithTask((t) => t.provisional === true || (t.dueDate !== undefined && t.dueDate >= from && t.enteredAt.slice(0, 10) <= to));
  }

  /** A case's open tasks as the index has them (none for a case it does not know). */
  tasksOf(caseId: string): readonly Task[] {
    return this.#cases.get(caseId)?.tasks ?? [];
  }

  /** Open cases with a task `which` picks (`Engine.awaitsRestatement`: re-statements a killed notice load left undone). */
  casesWithTask(which: (task: Task) => boolean): string[] {
    const ids: string[] = [];
    for (const [caseId, work] of this.#cases) if (!work.final && work.tasks.some(which)) ids.push(caseId);
    return ids;
  }

  /**
   * Waiters whose linked case has already reached the state they wait for: the link was missed
   * (the linked case moved on another node, or before a restart) and is completed late.
   */
  readyWaiters(): { linkedId: string; waiter: Waiter }[] {
    const ready: { linkedId: string; waiter: Waiter }[] = [];
    for (const [linkedId, waiters] of this.#waiting) {
      const linked = this.#cases.get(linkedId);
      if (!linked) continue;
      for (const waiter of waiters.values()) if (waiter.completesOn === linked.state) ready.push({ linkedId, waiter });
    }
    return ready;
  }

  /**
   * Cases waited on that the index no longer holds: a release published (idle, so let go) before the
   * event of a request that named it while it was still under review was stored. The scheduler reads
   * each one's state (`learn`), so that `readyWaiters` can tell whether its waiters are ready.
   */
  linkedToLearn(): string[] {
    return [...this.#waiting.keys()].filter((linkedId) => !this.#cases.has(linkedId));
  }

  /** The state of a case waited on that the index no longer held (`linkedToLearn`): held while it is waited on. */
  learn(caseId: string, now: { process: string; state: string; final: boolean }): void {
    if (!this.#waiting.has(caseId) || this.#cases.has(caseId)) return;
    this.#cases.set(caseId, { process: now.process, timers: [], tasks: [], state: now.state, final: now.final });
  }

  /** Cases waiting for `caseId` to reach a state. */
  waitersOn(caseId: string): Waiter[] {
    return [...(this.#waiting.get(caseId)?.values() ?? [])];
  }
}
