import { getHeapStatistics } from 'node:v8';
import type { AnyMachineSnapshot } from 'xstate';
import type { z } from 'zod';
import type { Clock } from '../infra/clock.js';
import { nextTurn } from '../infra/turn.js';
import type { Logger } from '../infra/logger.js';
import {
  StreamDeletedError,
  StreamNotFoundError,
  UnreadableEventError,
  WrongExpectedVersionError,
  type EventStore,
  type RecordedEvent,
} from '../eventstore/types.js';
import type { Directory } from '../directory/directory.js';
import { assignedElsewhere, mayActFor, organisationsFor, type CaseParties } from '../directory/jurisdiction.js';
import type { ProcessRegistry } from '../machines/registry.js';
import { acceptedCommands, isFinal, ROLE_LABELS, stateLabel, stateName, stateTask } from '../machines/describe.js';
import { cutShort, isPlainObject, shown, summaryInBrief, unknownFields } from '../machines/schemas.js';
import { extended } from '../machines/extended.js';
import { fieldLabel } from '../machines/fieldLabels.js';
import type { Actor, ActorRule, CommandSpec, ProcessDefinition, PublicFacts, RuleFacts, RuleSpec, TaskSpec } from '../machines/types.js';
import { CaseStreamsError, DamagedStreamError, EngineError, isDamagedStore, named, refuse, UpgradeRequiredError, type BrokenRule, type CaseNow, type Message, type SentBy } from './errors.js';
import { deterministicId, newId, streamOf } from './ids.js';
import { canonicalJson, eventHash } from './hashChain.js';
import { endOfShanghaiDate, shanghaiDateOf, shanghaiDateTimeOf } from '../calendars/index.js';
import { deadlineFor, type DeadlineCalendar, type DeadlineTable } from './deadlines.js';
import { failedAtOf, verifyHistory, type Verification } from './verify.js';
import { foldNext, foldStart, idempotencyScope, initialSnapshot, nextSnapshot, type CaseState, type CommandOutcome } from './fold.js';
import { commandLabelOf, RESTATE_DEADLINES as RESTATE, DEADLINES_RESTATED, REASSIGN_TASKS as REASSIGN, START, TASKS_REASSIGNED, type CaseEventMetadata, type DeadlineRestated, timerPassed, type PendingTimer, type Task, type TaskClosed, type TaskReassigned } from './events.js';
import { AppendsUnderWay } from './appendsUnderWay.js';
import type { WorkIndex } from './workIndex.js';

/** What the engine asks of the key index (`WorkIndex`): where a key was used last, and when the index holds every key. */
type KeyIndex = Pick<WorkIndex, 'keyUse' | 'keysRead'>;

// A command's rules read its own context and data; one path serves them all.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCommandSpec = CommandSpec<any>;

export const SYSTEM_ACTOR: Actor = { sub: 'system', name: '系统', role: 'system', org: 'system' };

/**
 * The least form data the case cache may hold, in characters of JSON: 64 Mi. Ten thousand cases of
 * common forms (a few KB each) hold a fraction of it; without a bound, applicants starting cases with
 * forms near the 1 MiB body limit filled the 10,000 places with gigabytes, and the server ran out of
 * memory.
 */
export const CACHE_CHARS = 64 * 1024 * 1024;

/**
 * The form data the case cache holds by default: a thirty-second of the heap's limit, in characters,
 * and never less than `CACHE_CHARS` (about 130 Mi with Node's default heap here, 4,144 MiB). A kept case costs
 * about 1.2 bytes of heap a character (measured: 50 conditional applications of 1,000 usage reports
 * each, 18.3 M characters, held 21.9 MB), so this is about 5% of the heap. A case let go costs its
 * whole stream read and folded again at its next command (about 14 µs an event: 14 ms for one of
 * 1,000 events), and cases taken in turn, more of them than the cache holds, are each let go before
 * they come round again: with the fixed 64 Mi, bench:api's 200 cases passed it after ~800 events each,
 * and a fifth paced trial's p99 read 50.9 s (the server folded ~1,000 events a command); with this
 * default, 132.8 ms. A server given a larger heap (`--max-old-space-size`) keeps more.
 */
export function defaultCacheChars(heapLimitBytes: number = getHeapStatistics().heap_size_limit): number {
  return Math.max(CACHE_CHARS, Math.floor(heapLimitBytes / 32));
}

/** What an event adds to a cached case, in characters: its data as JSON, and a little for the rest. */
function cachedChars(event: RecordedEvent): number {
  return 256 + (JSON.stringify(event.data)?.length ?? 0);
}

/** An event's command, named, and when (Beijing time, to the minute), as a refusal tells what was done (`CaseNow.last`); undefined for metadata without them. */
function doneBy(def: ProcessDefinition, meta: Partial<CaseEventMetadata>): CaseNow['last'] {
  if (meta.command === undefined || meta.at === undefined) return undefined;
  return { command: meta.command, label: commandLabelOf(def, meta.command), at: shanghaiDateTimeOf(meta.at).slice(0, 16) };
}

/**
 * Whether `rule` refuses its command now on the case alone (`RuleSpec.onCaseAlone`), or on the case and the day
 * `facts` give (`onCaseAndDay`); a rule that reads the command's data is never judged without it.
 */
function refusesNow(rule: RuleSpec<unknown, unknown>, context: unknown, facts: RuleFacts): boolean {
  return (rule.onCaseAlone === true && !rule.holds(context, undefined)) || (rule.onCaseAndDay === true && !rule.holds(context, undefined, facts));
}

/** How many of a case's last events a wrong-state refusal looks through for the one that moved it into its state (years of usage reports may follow it). */
const ENTERED_LOOKBACK = 50;
/** Events after a stale revision looked at for re-statements alone (`#onlyRestatedSince`): a notice or two a year, each one event per case. */
const RESTATED_LOOKBACK = 10;
/** How often a command sent without an expectedRevision is decided again after another node's command on the case was stored first. */
const UNNAMED_REVISION_TRIES = 8;

export interface EngineOptions {
  store: EventStore;
  registry: ProcessRegistry;
  directory: Directory;
  clock: Clock;
  /** The calendar in force; a function because loading a notice replaces it at run time. */
  calendar: () => DeadlineCalendar;
  deadlines: DeadlineTable;
  logger?: Logger;
  /** How many folded cases to keep (each costs one machine snapshot). */
  cacheSize?: number;
  /** How much form data the folded cases kept may hold in all, in characters of JSON (`defaultCacheChars`). */
  cacheChars?: number;
  /**
   * The process a case was recorded under elsewhere (the read models' case list), asked only for a
   * case no registered process has: a process a newer build added. Its stream is then read, and the
   * case refused as needing that build (`UpgradeRequiredError`), not answered "no such case".
   */
  recordedProcess?: (caseId: string) => string | undefined;
}

export interface StartCommand {
  process: string;
  input: unknown;
  actor: Actor;
  idempotencyKey?: string;
  correlationId?: string;
}

export interface CaseCommand {
  caseId: string;
  type: string;
  data?: unknown;
  actor: Actor;
  /** The revision the sender saw; a stale one is REVISION_CONFLICT. */
  expectedRevision?: number;
  idempotencyKey?: string;
  correlationId?: string;
  causationId?: string;
  /** For system commands whose id must be the same from every scheduler. */
  eventId?: string;
  /**
   * For a system timer: when what it enacts took effect (the timer's due time, e.g. the end of the
   * agreed use). Tasks the command opens are entered then if that is earlier than now — a timer run
   * late (downtime, a clock moved) must not lengthen a deadline that the law counts from that
   * moment (附录5 协议二(二): 协议终止后，在约定时长内销毁). The event's `at` stays when it was stored.
   */
  effectiveAt?: string;
  /** Whether the sender may see the case; one it may not see is NOT_FOUND, checked on the case the command is decided on. */
  visibleTo?: (state: CaseState) => boolean;
  /**
   * Whether the sender may see a case this engine cannot fold (damaged, or a newer build's), from what
   * else is known of it (the read models' parties): a linked case it may not see is, to it, no case at
   * all, as when it can be read — its 503 would name its stream, process and version.
   */
  mayKnowOf?: (caseId: string) => boolean;
}

/** The tasks a command opens besides its state's, as its sender's role has it (`TaskSpec.whenSentBy`). */
function openedBy(spec: CommandSpec, actor: Actor): TaskSpec[] {
  return (spec.opens ?? []).filter((task) => task.whenSentBy === undefined || task.whenSentBy === actor.role);
}

/** When the tasks a command opens begin: now, or a system timer's earlier effective time. */
function enteredAt(cmd: CaseCommand, at: string): string {
  const effective = cmd.actor.role === 'system' && cmd.effectiveAt !== undefined ? Date.parse(cmd.effectiveAt) : Number.NaN;
  return effective < Date.parse(at) ? new Date(effective).toISOString() : at;
}

export interface CommandResult {
  caseId: string;
  process: string;
  state: string;
  final: boolean;
  revision: number;
  position: number;
  event: RecordedEvent;
  /** True when an earlier answer to the same idempotency key was returned and nothing was stored. */
  replayed: boolean;
}

interface Decision {
  type: string;
  data: unknown;
  metadata: Omit<CaseEventMetadata, 'hash'> & { hash?: string };
}

/** A start as an idempotency refusal names the request its key was first used for. */
function startOf(title: string | undefined, process: string, caseId: string): Message {
  return { zh: `发起${named(title, process)}案件 ${caseId}`, en: `starting case ${caseId} of ${process}` };
}

/** The turn (`#oneAtATime`) of a sender's requests under one idempotency key, starts and commands alike. */
function keyTurn(actor: Actor, key: string): string {
  return `key:${idempotencyScope(actor, key)}`;
}

/**
 * One generic command path for every process (ARCHITECTURE.md): load the case, fold it through
 * the machine version it started on, refuse or build exactly one event, append it with the
 * expected revision. Nothing here knows a process by name.
 */
export class Engine {
  readonly #o: EngineOptions;
  readonly #cache = new Map<string, CaseState>();
  readonly #cacheSize: number;
  readonly #cacheChars: number;
  /**
   * What each folded state holds (`cachedChars` of its events), kept with the state rather than its
   * place in the cache: a command or a read folds onto a state it holds across an await, and meanwhile
   * that state may be let go (other cases' data) or replaced (another read of the case); its place's
   * count was then 0, or counted twice. A cached case holds its state's.
   */
  readonly #weights = new WeakMap<CaseState, number>();
  /** What the cached cases hold in all. */
  #charsHeld = 0;
  /** Listeners told of every event this engine appended (after the append). */
  readonly #listeners = new Set<(event: RecordedEvent, state: CaseState) => void | Promise<void>>();
  /** The last call queued per key (`#oneAtATime`). */
  readonly #queues = new Map<string, Promise<void>>();
  /** Appends asked of the store and not answered yet (`settled`). */
  readonly #appends = new AppendsUnderWay();
  /** Where the log last stored a request under a sender's key, on any case (`useKeyIndex`). */
  #keys: KeyIndex | undefined;

  constructor(options: EngineOptions) {
    this.#o = options;
    this.#cacheSize = options.cacheSize ?? 10_000;
    this.#cacheChars = options.cacheChars ?? defaultCacheChars();
  }

  get registry(): ProcessRegistry {
    return this.#o.registry;
  }

  get directory(): Directory {
    return this.#o.directory;
  }

  /**
   * Where the log last stored a request under an idempotency key (the scheduler's `WorkIndex`): a key
   * sent to a case other than the one it was used on is refused (API.md: the same key stores nothing
   * new). Without it, a key is checked on its own case only (and a start's across processes).
   */
  useKeyIndex(keys: KeyIndex): void {
    this.#keys = keys;
  }

  /** Called after each append this engine makes, e.g. to complete linked cases. */
  onAppended(listener: (event: RecordedEvent, state: CaseState) => void | Promise<void>): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // ---------------------------------------------------------------- reading

  /** The case now, folded to its last event; NOT_FOUND when there is no such case. */
  async getCase(caseId: string): Promise<CaseState> {
    const cached = this.#cache.get(caseId);
    if (cached) return this.#refresh(cached);
    const events = await this.#findStream(caseId);
    if (!events) throw refuse.notFound(caseId);
    const state = await foldStored(this.definitionOf.bind(this), events);
    this.#remember(state, events.reduce((sum, e) => sum + cachedChars(e), 0));
    return state;
  }

  /**
   * `state` as the clock has it: with the system commands whose time has come stored first, as a
   * sender's command is decided (`#dueTimersFired`), in the case's turn. Between a due time (the end of
   * an agreed use, 附录5 协议二(二): 到期数据使用权限自动失效) and the scheduler's next pass — a minute, longer
   * after a restart — the case view read the case as stored: it offered commands the engine then refused
   * (409, the expiry stored first) and not the applicant's CONFIRM_DESTRUCTION. A timer that cannot be
   * stored now is left to the scheduler, and the case shown as stored.
   */
  async caseNow(state: CaseState): Promise<CaseState> {
    if (this.#dueTimers(state).length === 0) return state;
    try {
      return await this.#oneAtATime(`case:${state.caseId}`, async () => this.#dueTimersFired(await this.getCase(state.caseId)));
    } catch (err) {
      this.#o.logger?.warn({ err, caseId: state.caseId }, '到期的系统指令暂未能执行，案件按已存储的状态显示；定时检查将重试');
      return state;
    }
  }

  /** A case as it was just after `revision` (a replayed start answers the case as it first was). */
  async caseAt(caseId: string, revision: number): Promise<CaseState> {
    const events = (await this.history(caseId)).filter((e) => e.revision <= revision);
    return await foldStored(this.definitionOf.bind(this), events);
  }

  /** Every event of a case, oldest first. */
  async history(caseId: string): Promise<RecordedEvent[]> {
    const state = await this.getCase(caseId);
    return this.#o.store.readStream(state.stream);
  }

  /**
   * A case's stream as stored, not folded: the history of a case its machine cannot fold (an event
   * altered or moved, its start removed), as `verify` reads it. An unknown case is NOT_FOUND.
   */
  async storedHistory(caseId: string): Promise<RecordedEvent[]> {
    const events = await this.#findStream(caseId);
    if (!events) throw refuse.notFound(caseId);
    return events;
  }

  /**
   * Re-checks a case's hash chain and replays it through its machine version. It reads the stream
   * as stored, not through the folded case: a stream its machine cannot fold is named here.
   */
  async verify(caseId: string): Promise<Verification> {
    let events: RecordedEvent[] | undefined;
    try {
      events = await this.#findStream(caseId);
    } catch (err) {
      // A stored event that is no longer JSON: altered outside the engine, named like any other —
      // unless an event before it does not match: the first event that does not is named.
      if (err instanceof CaseStreamsError) return this.#verifyStreams(err);
      if (!(err instanceof UnreadableEventError)) throw err;
      return this.#verifyUpTo(err);
    }
    if (!events) throw refuse.notFound(caseId);
    return await this.#verifyEvents(events);
  }

  /** A case id with more than one stream: named at the first event of the second, every stream listed. */
  #verifyStreams(err: CaseStreamsError): Verification {
    const [, second] = err.streams;
    const ids = err.streams.map((s) => s.streamId);
    return {
      ok: false,
      events: err.streams.reduce((n, s) => n + s.events, 0),
      failedAt: failedAtOf(second!.first),
      reason: `案件编号对应 ${ids.length} 个事件流（${ids.join('、')}）：一个案件只有一个事件流，其中至少有一个是在引擎之外写入的`,
      reasonEn: `the case id has ${ids.length} streams (${ids.join(', ')}): a case has one stream, so at least one of them was written outside the engine`,
    };
  }

  /** Verifies the events before the first one that cannot be read, and names that one if they hold. */
  async #verifyUpTo(unreadable: UnreadableEventError): Promise<Verification> {
    let first = unreadable;
    let before: RecordedEvent[] = [];
    // Rows, not revisions, are counted: with a row missing before it, as many rows as its revision
    // reach the unreadable one itself, and one row fewer is read then (the gap is named below).
    for (let rows = first.event.revision; rows > 0; ) {
      try {
        before = await this.#o.store.readStream(first.event.streamId, { fromRevision: 0, maxCount: rows });
        break;
      } catch (err) {
        if (!(err instanceof UnreadableEventError)) throw err;
        if (err.event.revision < first.event.revision) first = err;
        rows = Math.min(rows - 1, first.event.revision);
      }
    }
    if (before.length > 0) {
      const checked = await this.#verifyEvents(before);
      if (!checked.ok) return checked;
    }
    return {
      ok: false,
      events: first.event.revision + 1,
      failedAt: failedAtOf(first.event),
      reason: `事件的${first.part === 'data' ? '数据' : '元数据'}无法解析，存储内容已损坏或被篡改`,
      reasonEn: `the event's ${first.part} is not valid JSON: the stored content was damaged or altered`,
    };
  }

  /** The stored events of a case against their hashes, their chain and the machine version they name. */
  async #verifyEvents(events: RecordedEvent[]): Promise<Verification> {
    const first = events[0]!;
    // Metadata that is no object (changed in the store) names no version: the chain's check names the event (QA: a 500).
    if (!isPlainObject(first.metadata)) return await verifyHistory(undefined, events);
    const machine = (first.metadata as Partial<CaseEventMetadata>).machine;
    const def = machine && this.#o.registry.get(machine.name, machine.version);
    const newer = def ? undefined : this.#newerThanKnown(first);
    if (newer) {
      // Its rules are not here to replay it with; its hash chain needs none.
      const chain = await verifyHistory(undefined, events);
      if (!chain.ok) return chain;
      const { zh, en } = newer.text;
      return {
        ok: false,
        events: events.length,
        failedAt: failedAtOf(first),
        reason: `事件的哈希链完整（${events.length} 个事件），但${zh}（本服务无法按其规则重放核验）`,
        reasonEn: `the hash chain holds (${events.length} events), but ${en} (this server cannot replay it by its rules to verify it)`,
        upgradeRequired: { process: newer.process, version: newer.version, newestKnown: newer.newestKnown ?? null },
      };
    }
    if (!def) {
      const named = `${String(machine?.name)}@${String(machine?.version)}`;
      // Metadata that names no version at all ({}, or its machine removed): said so (QA-E: "undefined@undefined").
      const [reason, reasonEn] = isPlainObject(machine)
        ? [`事件记录的流程版本 ${named} 不是本系统的流程版本，可能被篡改`, `the event names machine ${named}, which this system does not have: it may have been altered`]
        : ['事件的元数据没有记录流程版本（machine），不是系统写入的内容，存储内容已被改动', "the event's metadata names no machine version: it is not what the engine writes, the stored content was altered"];
      return { ok: false, events: events.length, failedAt: failedAtOf(first), reason, reasonEn };
    }
    return await verifyHistory(def, events);
  }

  /**
   * Resolves once every append this engine had asked of the store when called is answered, stored or
   * refused; answers the last position it stored. An event's time (`at`) is stamped just before its
   * append, so a reader of a period ending now (the audit export) waits here for the events stamped
   * in it and still being committed: without it, two exports back to back, each to the moment it was
   * asked, both left out such an event.
   */
  settled(): Promise<number> {
    return this.#appends.settled();
  }

  /**
   * The machine version a case's first event names; an `UpgradeRequiredError` when it is newer than
   * any this build has (another build started the case: it is not folded with older rules).
   */
  definitionOf(first: RecordedEvent): ProcessDefinition {
    const meta = first.metadata as unknown as CaseEventMetadata;
    const def = this.#o.registry.get(meta.machine.name, meta.machine.version);
    if (def) return def;
    const newer = this.#newerThanKnown(first);
    if (newer) throw newer;
    throw new Error(`machine ${meta.machine.name}@${meta.machine.version} is not registered`);
  }

  /**
   * When `first` names a version of a process this build has, newer than all of them, and its own
   * hash holds (a version number altered by hand breaks it: that is damage, not a newer build): the
   * build is older than the case.
   */
  #newerThanKnown(first: RecordedEvent): UpgradeRequiredError | undefined {
    const meta = first.metadata as Partial<CaseEventMetadata>;
    const machine = meta.machine;
    if (typeof machine?.name !== 'string' || !Number.isInteger(machine.version) || machine.version < 1) return undefined;
    // A process this build does not have at all (newestKnown undefined) is a newer build's too: its stream names it.
    const newest = this.#o.registry.latest(machine.name);
    if (newest ? machine.version <= newest.version : !first.streamId.startsWith(`${machine.name}-`)) return undefined;
    const { streamId, revision, id, type, data } = first;
    if (eventHash({ streamId, revision, id, type, data, metadata: first.metadata }) !== meta.hash) return undefined;
    return new UpgradeRequiredError(streamId, machine.name, machine.version, newest?.version);
  }

  /**
   * The commands `actor` may send on the case now: not one a rule on the case alone refuses now
   * (`RuleSpec.onCaseAlone`: an acknowledgement with nothing left to acknowledge could only be refused),
   * nor one a rule on the case and the day refuses today (`RuleSpec.onCaseAndDay`: an approval after the
   * requested end of use, access granted before the agreed use begins).
   */
  allowedCommands(state: CaseState, actor: Actor): string[] {
    const def = this.#def(state);
    const context = state.snapshot.context;
    const facts = { at: this.#o.clock.now().toISOString() };
    return acceptedCommands(state.snapshot).filter((type) => {
      const spec = def.commands[type];
      return spec !== undefined && this.#permitted(spec, def, state.snapshot, actor) && !(spec.rules ?? []).some((rule) => refusesNow(rule, context, facts));
    });
  }

  /**
   * The rules of `spec` on the case alone, or on the case and today, that refuse it now (`refusesNow`),
   * each with what its refusal would say of this case: a stale revision's answer.
   */
  #refusedByCase(spec: AnyCommandSpec, state: CaseState): { article: string; message: Message }[] {
    const context = state.snapshot.context;
    const facts = { at: this.#o.clock.now().toISOString() };
    return (spec.rules ?? [])
      .filter((rule) => refusesNow(rule, context, facts))
      .map((rule) => ({ article: rule.article, message: rule.messageFor?.(context, undefined, facts) ?? rule.message }));
  }

  /**
   * The name of whoever holds one of the case's tasks: an organisation of the directory by its name,
   * an applicant (in no directory) by the name its case gives (API.md "tasks"; the inbox's `orgName`).
   */
  orgNameOf(state: CaseState, task: { role: string; org: string }): string {
    const applicant = task.role === 'applicant' ? this.#def(state).summary(state.snapshot.context).applicant : undefined;
    return applicant ?? this.#o.directory.nameActing(task.org);
  }

  /**
   * The sender's organisation as a refusal names it: its code, and its name where the directory has it
   * (reform QA: 您所属机构（370602-dsj）无权… beside 只有烟台市大数据局（370600-dsj）可以发送 — the others by
   * name, the sender by code alone). An applicant's code is no organisation of the directory: code alone.
   */
  #senderOrg(org: string): { org: string; orgName?: string } {
    const known = this.#o.directory.get(org);
    return known ? { org, orgName: known.name } : { org };
  }

  /** The organisations that may act on `task` now (its stored `orgs`, an abolished one's successor in its place: Directory#actingFor). */
  actingOrgs(task: { org: string; orgs?: unknown }): string[] {
    // Read from stored metadata, which another build may have written without it.
    return this.#o.directory.actingFor(Array.isArray(task.orgs) ? (task.orgs as string[]) : [task.org]);
  }

  /**
   * Whether a task's deadline was not re-stated against a notice of the calendar in force that moves
   * it: a notice's load (PUT /v1/calendar/:year) stores the notice, then re-states case after case,
   * and a server killed in between left the rest as they were for good. Such a task is a provisional
   * one whose due day the calendar now has a notice for, or an official one due in a December whose
   * counted days the next year's notice sets (its New-Year edge: a 2027 notice making Sun 2026-12-27
   * a working day moves a deadline of Mon the 28th to the 27th).
   */
  awaitsRestatement(task: Task): boolean {
    if (!task.dueDate || !task.calendarVersion) return false;
    const calendar = this.#o.calendar();
    if (task.calendarVersion === calendar.version) return false;
    if (task.provisional !== true) return this.#edgeWithin(calendar, task.enteredAt, task.dueDate);
    try {
      return !calendar.isProvisional(task.dueDate);
    } catch {
      // A day the calendar does not cover: still provisional.
      return false;
    }
  }

  /** Whether a day of the next year's notice's New-Year edge lies after the entry day and on or before a December due day. */
  #edgeWithin(calendar: DeadlineCalendar, enteredAt: string, dueDate: string): boolean {
    if (dueDate.slice(5, 7) !== '12') return false;
    const year = Number(dueDate.slice(0, 4));
    const notice = calendar.notice(year + 1);
    if (!notice) return false;
    const from = shanghaiDateOf(enteredAt);
    const prefix = `${year}-`;
    return [...notice.holidays, ...notice.adjustedWorkdays].some((day) => day.startsWith(prefix) && day > from && day <= dueDate);
  }

  /** Who the case concerns now (for visibility): its machine says how to read them. */
  partiesOf(state: CaseState): CaseParties {
    return this.#def(state).parties(state.snapshot.context);
  }

  /**
   * What the cases `state` names (its process's `linkedCases`) have made public, read from their own
   * streams now (第十五条: the applicant is told where the data opened for it is, and how to obtain it):
   * only a case whose process says it has public facts now (a published release), and only those facts.
   * A named case that cannot be read here (damaged, or started on a newer build) shows nothing: the case
   * named is not the viewer's to be told about.
   */
  async linkedFacts(state: CaseState): Promise<({ caseId: string; process: string } & PublicFacts)[]> {
    const shown: ({ caseId: string; process: string } & PublicFacts)[] = [];
    for (const id of this.#def(state).linkedCases?.(state.snapshot.context) ?? []) {
      let linked: CaseState;
      try {
        linked = await this.getCase(id);
      } catch (err) {
        if ((err instanceof EngineError && err.code === 'NOT_FOUND') || isDamagedStore(err)) continue;
        throw err;
      }
      const facts = this.#def(linked).publicFacts?.(linked.snapshot.context, linked.state);
      if (facts) shown.push({ caseId: linked.caseId, process: linked.process, ...facts });
    }
    return shown;
  }

  // ---------------------------------------------------------------- commands

  async start(cmd: StartCommand): Promise<CommandResult> {
    // Requests with one key from one sender are decided one after the other here: each then finds
    // the case the one before it started, in whichever process's stream (two processes' starts
    // with one key name two streams, which no append could tell apart).
    return this.#keyed(cmd.actor, cmd.idempotencyKey, () => this.#start(cmd));
  }

  /**
   * Runs a request: one with an idempotency key in its key's turn (`keyTurn`), once the key index has
   * read the keys stored since it last looked, by any server (`WorkIndex.keysRead`); one without, at once.
   */
  #keyed<T>(actor: Actor, key: string | undefined, work: () => Promise<T>): Promise<T> {
    if (!key) return work();
    return this.#oneAtATime(keyTurn(actor, key), async () => {
      await this.#keys?.keysRead();
      return work();
    });
  }

  async #start(cmd: StartCommand): Promise<CommandResult> {
    const def = this.#o.registry.latest(cmd.process);
    if (!def) throw refuse.unknownProcess(cmd.process);
    // The same idempotency key from the same sender (user, role and organisation: idempotencyScope)
    // names the same case: its id is derived from the key and the process (a case id names one
    // stream). API.md: the key returns the first answer and stores nothing new, whatever the
    // request — so a case another process started with it answers too.
    const key = cmd.idempotencyKey;
    const keyedId = (process: string) => deterministicId(`case:${process}:${idempotencyScope(cmd.actor, key ?? '')}`);
    const caseId = key ? keyedId(def.name) : newId();
    const stream = streamOf(def.name, caseId);
    if (key) {
      // Cases started before keys were scoped by role and organisation were named by user alone: theirs if the sender is who started them.
      const legacyId = (process: string) => deterministicId(`case:${process}:${cmd.actor.sub}:${key}`);
      const sameSender = (first: RecordedEvent) => {
        const by = (first.metadata as unknown as CaseEventMetadata).actor;
        return by.role === cmd.actor.role && by.org === cmd.actor.org;
      };
      // A stream read empty is no case started (#findStream reads it so too): another store's stream
      // emptied, or, before the embedded store read it in one snapshot, another node's first append to it.
      const some = (events: RecordedEvent[] | undefined) => (events && events.length > 0 ? events : undefined);
      for (const process of [def.name, ...this.#o.registry.names().filter((n) => n !== def.name)]) {
        const existing =
          some(await this.#readOrUndefined(streamOf(process, keyedId(process)))) ??
          (await this.#readOrUndefined(streamOf(process, legacyId(process))).then(some).then((legacy) => (legacy && sameSender(legacy[0]!) ? legacy : undefined)));
        if (!existing) continue;
        const first = existing[0]!;
        const started = this.definitionOf(first);
        this.#sameStart(def, cmd, started, first);
        return this.#replay(await foldStored(() => started, existing), first);
      }
      this.#keyNotUsedElsewhere(idempotencyScope(cmd.actor, key), undefined);
    }

    const spec = def.start;
    if (!spec.actors.some((rule) => rule.role === cmd.actor.role)) throw refuse.forbiddenStart(def.name, def.title);
    const data = this.#validate(spec.schema, cmd.input, def.name);
    const at = this.#o.clock.now().toISOString();
    const snapshot = initialSnapshot(def, { caseId, input: data, startedBy: cmd.actor, at });
    // The organisations the form names first: a provider typing its own code in another letter case
    // (370100-GAJ) was told its role or organisation might not start the case (403), not which code was wrong.
    this.#checkParties(undefined, def.parties(snapshot.context), spec.partyFields);
    if (!this.#permitted(spec, def, snapshot, cmd.actor)) {
      throw refuse.forbiddenStart(def.name, def.title, { ...this.#senderOrg(cmd.actor.org), orgs: this.#whoMayAct(spec, def, snapshot, cmd.actor.role) });
    }
    this.#checkRules(spec, { startedBy: cmd.actor }, data, at);

    const stateAfter = stateName(snapshot);
    const opened = this.#openTasks(def, snapshot, stateTask(def, stateAfter), [], at);
    const decision: Decision = {
      type: spec.event,
      data,
      metadata: this.#metadata(def, caseId, cmd, START, at, null, snapshot, opened, [], undefined),
    };
    const eventId = cmd.idempotencyKey ? deterministicId(`event:${stream}:0`) : newId();
    const { event, replayed } = await this.#append(stream, -1, eventId, decision, 'no_stream', undefined, cmd.idempotencyKey !== undefined).catch((err: unknown) => {
      // The key's case was deleted for good (read, it was no case): its id can never be written again.
      throw key && err instanceof StreamDeletedError ? refuse.caseDeleted() : err;
    });
    // Another node started the case with this key a moment before: the first answer, if it was this request.
    if (replayed) this.#sameStart(def, cmd, def, event);
    const state = foldStart(def, event, { hashChecked: !replayed });
    this.#remember(state, cachedChars(event));
    if (!replayed) await this.#notify(event, state);
    return this.#result(state, event, replayed);
  }

  /**
   * Commands on one case are decided one after another in this engine: decided side by side, they all
   * read the same revision, one was stored, and the others — sent without an expectedRevision, so
   * meaning "the case as it is" — were decided again in lockstep until their tries ran out: six at
   * once had two answered REVISION_CONFLICT "您基于版本 3" for a revision they never named. Only
   * another node's commands race them now.
   */
  async execute(cmd: CaseCommand): Promise<CommandResult> {
    const onCase = () => this.#oneAtATime(`case:${cmd.caseId}`, () => this.#execute(cmd));
    // One key's requests one after another too, whatever their case (as starts): two cases sent one
    // key at once would each find it unused, and both be stored.
    return this.#keyed(cmd.actor, cmd.idempotencyKey, onCase);
  }

  async #execute(cmd: CaseCommand): Promise<CommandResult> {
    // Without an expectedRevision the sender means "the case as it is": a race lost to another
    // node is decided again on the fresh case, a few times at most.
    for (let attempt = 0; ; attempt++) {
      let current = await this.getCase(cmd.caseId);
      // A case the sender may not see is, to it, no case at all (API.md: 404, not 403).
      if (cmd.visibleTo && !cmd.visibleTo(current)) throw refuse.notFound(cmd.caseId);
      // A sender's command is decided on the case as the clock has it, not as the scheduler last left it.
      if (cmd.actor.role !== 'system') current = await this.#dueTimersFired(current);
      try {
        return await this.#executeOn(current, cmd);
      } catch (err) {
        if (!(err instanceof WrongExpectedVersionError)) throw err;
        this.#forget(cmd.caseId);
        if (cmd.expectedRevision !== undefined) {
          // Lost to another node: told as a stale revision is, from the case that node left.
          const fresh = await this.getCase(cmd.caseId);
          throw refuse.revisionConflict(cmd.expectedRevision, fresh.revision, undefined, await this.#caseNow(fresh, cmd));
        }
        // The sender named no revision: the refusal says the case kept changing, not that it sent a stale
        // one — and, as every other conflict, the case as it stands now: its revision, state and what the
        // sender may send (race QA: it gave the revision of the last lost try, 39 on a case at 300).
        if (attempt >= UNNAMED_REVISION_TRIES - 1) {
          const fresh = await this.getCase(cmd.caseId);
          throw refuse.revisionConflict(undefined, fresh.revision, UNNAMED_REVISION_TRIES, await this.#caseNow(fresh, cmd));
        }
      }
    }
  }

  /**
   * The case after the timers whose time has come: between a due time (the end of an agreed use, 附录5
   * 协议二(二): 到期数据使用权限自动失效) and the scheduler's next pass, the case still reads as it was, and
   * a command decided on it was applied to a state the case had already left (a TERMINATE of an agreement
   * already ended, its destruction period counted from the termination instead of the end of use). Each
   * due timer is sent here as the scheduler sends it — same event id, entered at its due time — so that
   * whichever of the two stores it first, it is stored once. One that no longer applies is left, as the
   * scheduler leaves it.
   */
  async #dueTimersFired(state: CaseState): Promise<CaseState> {
    const due = this.#dueTimers(state);
    if (due.length === 0) return state;
    for (const timer of due) {
      try {
        // This case's turn is already held (`execute`): the timer is decided within it.
        await this.#execute({ caseId: state.caseId, type: timer.command, data: {}, actor: SYSTEM_ACTOR, eventId: timer.eventId, effectiveAt: timer.dueAt });
      } catch (err) {
        // Not stored because the case kept changing under it (other nodes): the sender's command would
        // be decided on the case as if the timer had not come, so it is refused as the timer was.
        if (!(err instanceof EngineError) || err.code === 'REVISION_CONFLICT') throw err;
        this.#o.logger?.debug({ caseId: state.caseId, type: timer.command, code: err.code }, '系统指令已不适用（案件已变化），未执行');
      }
    }
    return this.getCase(state.caseId);
  }

  /** The case's timers whose time has come by the clock (`timerPassed`). */
  #dueTimers(state: CaseState): PendingTimer[] {
    const now = this.#o.clock.now().getTime();
    return state.timers.filter((t) => timerPassed(t, now));
  }

  async #executeOn(current: CaseState, cmd: CaseCommand): Promise<CommandResult> {
    const def = this.#def(current);
    if (cmd.idempotencyKey) {
      const scope = idempotencyScope(cmd.actor, cmd.idempotencyKey);
      const earlier = current.idempotency.get(scope);
      if (earlier) {
        const event = await this.#eventAt(current, earlier);
        this.#sameCommand(def, cmd, event);
        return this.#replay(current, event);
      }
      this.#keyNotUsedElsewhere(scope, current.caseId);
    }
    if (cmd.expectedRevision !== undefined && cmd.expectedRevision !== current.revision) {
      throw refuse.revisionConflict(cmd.expectedRevision, current.revision, undefined, await this.#caseNow(current, cmd));
    }

    // The refusal order of the issue: wrong state, wrong party, bad data, broken rule.
    const spec = def.commands[cmd.type];
    if (!spec || !acceptedCommands(current.snapshot).includes(cmd.type)) {
      const allowed = this.allowedCommands(current, cmd.actor);
      // Nothing the sender may do now: say whose work the case waits on, so they know it is not theirs.
      const waiting = allowed.length === 0 ? this.#waitingOn(current) : undefined;
      // What moved the case into its state, once a command has (race QA: a reviewer beaten to a case by
      // another, neither naming a revision, was told its state alone, not that it changed a moment ago,
      // nor how) — not merely the last event, often a 知悉 or a report that moved nothing (QA).
      const entered = spec && current.revision > 0 ? await this.#enteredBy(current, def) : undefined;
      // A command a later version of the process has (a case started before it, which keeps its version's
      // rules): said so, not as a misspelling (QA: every case in use at the upgrade to conditionalApplication
      // v12 was told ACKNOWLEDGE_RESULTS did not exist, names being case-sensitive).
      const newer = spec ? undefined : this.#o.registry.list().find((d) => d.name === def.name && d.version > def.version && d.commands[cmd.type] !== undefined);
      throw refuse.invalidTransition(current.state, cmd.type, allowed, {
        state: stateLabel(def, current.state),
        allowed: Object.fromEntries(allowed.map((c) => [c, def.commands[c]?.label ?? c])),
        ...(spec ? { command: spec.label } : { unknown: { process: def.name, title: def.title, ...(newer ? { version: def.version, since: newer.version } : {}) } }),
        ...(waiting ? { waiting } : {}),
        ...(entered ? { entered } : {}),
      });
    }
    if (!this.#permitted(spec, def, current.snapshot, cmd.actor)) {
      throw refuse.forbidden(cmd.type, spec.label, { ...this.#senderOrg(cmd.actor.org), orgs: this.#whoMayAct(spec, def, current.snapshot, cmd.actor.role) }, this.#sentBy(spec, def, current.snapshot, cmd.actor.role));
    }
    const data = this.#validate(spec.schema, cmd.data ?? {}, `${def.name}.${cmd.type}`);
    const links = await this.#links(spec, data, cmd);
    const at = this.#o.clock.now().toISOString();
    this.#checkRules(spec, current.snapshot.context, data, at, links);

    const event = { type: cmd.type, data, actor: cmd.actor, at, ...(links ? { links } : {}) };
    const next = nextSnapshot(def, current.snapshot, event);
    if (next === current.snapshot) {
      // A guard refused it: the rules above should have named why. No article is cited: the process's
      // first (第二条 for a release, 第十三条 for an application) was cited here, and is not the reason.
      throw refuse.rule('guard', '', {
        zh: `案件当前情况下不能办理“${spec.label}”：请刷新查看案件当前状态和可办理的操作`,
        en: `${cmd.type} is not possible in the case's present condition: reload the case to see its state and what may be done`,
      });
    }
    this.#checkParties(def.parties(current.snapshot.context), def.parties(next.context), spec.partyFields, cmd.actor, () => this.#whoMayAct(spec, def, current.snapshot, cmd.actor.role));
    const stateAfter = stateName(next);
    const moved = stateAfter !== current.state;
    const closing = new Set<string>([...(spec.closes ?? [])]);
    if (moved && stateTask(def, current.state)) closing.add(current.state);
    if (isFinal(next)) for (const t of current.tasks) closing.add(t.stage);
    // A task is done by the party who works it (or by the system completing it on a link): with the
    // command that closes it by name, or the one that moves its state on. Anything else closing it —
    // a withdrawal, the case ending, another party's command — cancels it (第十九条: reports count only work done).
    const done = (t: { stage: string; role: string }) =>
      spec.cancelsTasks !== true &&
      (cmd.actor.role === t.role || spec.link !== undefined) &&
      (spec.closes?.includes(t.stage) === true || (moved && t.stage === current.state));
    // A system timer run late (a long outage, the test clock moved far) closes tasks when what it enacts
    // took effect (附录5 协议二(二): the end of use), never before the task was entered: a provider's task
    // that the end of use cancelled before its deadline was not cancelled late (第十九条), however late
    // the scheduler came round to it.
    const effective = enteredAt(cmd, at);
    const closedAt = (t: Task) => (Date.parse(t.enteredAt) > Date.parse(effective) ? t.enteredAt : effective);
    const closed: TaskClosed[] = current.tasks
      .filter((t) => closing.has(t.stage))
      .map((t) => (done(t) ? { stage: t.stage, completedAt: closedAt(t) } : { stage: t.stage, completedAt: closedAt(t), cancelled: true }));
    const stillOpen = current.tasks.filter((t) => !closing.has(t.stage));
    const opened = isFinal(next)
      ? []
      : this.#openTasks(def, next, moved ? stateTask(def, stateAfter) : undefined, openedBy(spec, cmd.actor), effective, stillOpen);

    const decision: Decision = {
      type: spec.event,
      data,
      metadata: this.#metadata(def, current.caseId, cmd, cmd.type, at, current.state, next, opened, closed, links),
    };
    const eventId = cmd.eventId ?? (cmd.idempotencyKey ? deterministicId(`event:${current.stream}:${idempotencyScope(cmd.actor, cmd.idempotencyKey)}`) : newId());
    const deterministic = cmd.eventId !== undefined || cmd.idempotencyKey !== undefined;
    const { event: recorded, replayed } = await this.#append(current.stream, current.revision, eventId, decision, current.revision, current.lastHash, deterministic);
    // A request with the same key stored its event a moment before this one: its answer is this
    // one's only if it was the same request (as when it is found stored beforehand, above).
    if (replayed && cmd.idempotencyKey !== undefined && cmd.eventId === undefined) this.#sameCommand(def, cmd, recorded);
    // A replayed event is another sender's: fold it; ours leads to the snapshot just decided.
    const state = foldNext(def, current, recorded, replayed ? {} : { decided: next });
    this.#remember(state, this.#weightOf(current) + cachedChars(recorded));
    if (!replayed) await this.#notify(recorded, state);
    return this.#result(state, recorded, replayed);
  }

  /**
   * Re-states the deadlines of `caseId`'s open tasks against the calendar in force, after a notice
   * was loaded (PROCESSES.md: "every open task with a provisional deadline gets an event that
   * re-states its deadline, old and new side by side"): every provisional one, and an official one
   * the notice moved (a corrected notice for a year already loaded; a notice's New-Year edge in the
   * previous December). A date the calendar now puts before today, earlier than the one stated, is
   * held at today, or the first working day after it — at the date stated, when that too was before
   * today (already late: held at today it would read on time) — and `computed` keeps the calendar's:
   * nobody could have met it, and a re-statement never makes a task late after the fact. Returns the event, or
   * undefined when nothing changed.
   */
  async restateDeadlines(caseId: string): Promise<CommandResult | undefined> {
    const current = await this.getCase(caseId);
    const def = this.#def(current);
    const calendar = this.#o.calendar();
    const todayDate = shanghaiDateOf(this.#o.clock.now());
    const today = endOfShanghaiDate(todayDate);
    // Held at the end of today, or of the first working day after it when today is a day off (a notice
    // loaded on a weekend or in 春节): a deadline held on a day off was late on the next working day.
    const holdAt = calendar.dueBy(todayDate, { n: 0, unit: 'calendarDays', basis: 'policy' }).dueAt;
    const restated: DeadlineRestated[] = [];
    for (const task of current.tasks) {
      if (!task.dueAt || !task.dueDate || !task.calendarVersion || task.calendarVersion === calendar.version) continue;
      const spec = taskSpecOf(def, task.stage);
      const fresh = spec && deadlineFor(calendar, spec, this.#o.deadlines, current.snapshot.context, task.enteredAt);
      if (!fresh || fresh.calendarVersion === task.calendarVersion) continue;
      const provisional = task.provisional === true;
      if (!provisional && !fresh.provisional && Date.parse(fresh.dueAt) === Date.parse(task.dueAt)) continue;
      const floor = Date.parse(task.dueAt) < Date.parse(today) ? task.dueAt : holdAt;
      const held = Date.parse(fresh.dueAt) < Date.parse(floor);
      restated.push({
        stage: task.stage,
        old: { dueAt: task.dueAt, dueDate: task.dueDate, provisional, calendarVersion: task.calendarVersion },
        new: { dueAt: held ? floor : fresh.dueAt, dueDate: held ? shanghaiDateOf(floor) : fresh.dueDate, provisional: fresh.provisional, calendarVersion: fresh.calendarVersion },
        ...(held ? { computed: { dueAt: fresh.dueAt, dueDate: fresh.dueDate } } : {}),
      });
    }
    if (restated.length === 0) return undefined;
    const at = this.#o.clock.now().toISOString();
    const cmd: CaseCommand = { caseId, type: RESTATE, actor: SYSTEM_ACTOR };
    const decision: Decision = {
      type: DEADLINES_RESTATED,
      data: { calendarVersion: calendar.version },
      metadata: {
        ...this.#metadata(def, caseId, cmd, RESTATE, at, current.state, current.snapshot, [], [], undefined),
        deadlinesRestated: restated,
      },
    };
    // Named by the revision it follows as well as the calendar: a calendar may come back to a version
    // it had (A → B → A), and the case's second re-statement to A is another event, not a replay of the first.
    const eventId = deterministicId(`restate:${current.stream}:${current.revision}:${calendar.version}`);
    return this.#appendSystem(def, current, eventId, decision, () => this.restateDeadlines(caseId));
  }

  /**
   * 机构改革: hands each open task of `caseId` whose organisations are not those the directory names
   * now to those it names (第六条: the work falls to the 主管部门 of the directory; 第四条 to the
   * provider unit), the first of them holding it, as when a task opens. A county unit's duties passed
   * to the city's, say: its normative review, opened with the county's 大数据局, goes to the city's,
   * which the rules name now and which could not find it (ReadModels `openTasksNoLongerTheirs`); a
   * 大数据局 re-coded with its old entry dropped outright, not kept with a `successor`, gives its share
   * (a 市级以上 review's, the province's) to the new code. Each organisation counts as its successor (an
   * abolished one acts through it), so a reform kept with successors moves nothing. Left as it is: a
   * task the directory now names no one for. A directory corrected later hands a task back the same
   * way. The deadline stays: the law counts it from the day the stage was entered, whoever holds it.
   * Returns the event, or undefined when nothing moved.
   */
  async reassignTasks(caseId: string): Promise<CommandResult | undefined> {
    const current = await this.getCase(caseId);
    const def = this.#def(current);
    const directory = this.#o.directory;
    const parties = def.parties(current.snapshot.context);
    const moved: TaskReassigned[] = [];
    for (const task of current.tasks) {
      const spec = taskSpecOf(def, task.stage);
      const orgs = spec ? organisationsFor(directory, spec.scope, parties) : [];
      if (orgs.length === 0 || !assignedElsewhere(directory, task, orgs)) continue;
      moved.push({ stage: task.stage, old: { org: task.org, orgs: task.orgs }, new: { org: orgs[0]!, orgs } });
    }
    if (moved.length === 0) return undefined;
    const at = this.#o.clock.now().toISOString();
    const cmd: CaseCommand = { caseId, type: REASSIGN, actor: SYSTEM_ACTOR };
    const decision: Decision = {
      type: TASKS_REASSIGNED,
      data: {},
      metadata: { ...this.#metadata(def, caseId, cmd, REASSIGN, at, current.state, current.snapshot, [], [], undefined), tasksReassigned: moved },
    };
    // Named by the revision it follows and where the tasks go: two servers starting with one directory store it once.
    const eventId = deterministicId(`reassign:${current.stream}:${current.revision}:${moved.map((m) => `${m.stage}>${m.new.orgs.join(',')}`).join(';')}`);
    return this.#appendSystem(def, current, eventId, decision, () => this.reassignTasks(caseId));
  }

  /** Appends an event of the engine's own (no machine decides it) after `current`; a case moved meanwhile is read and `again` decides anew. */
  async #appendSystem(def: ProcessDefinition, current: CaseState, eventId: string, decision: Decision, again: () => Promise<CommandResult | undefined>): Promise<CommandResult | undefined> {
    try {
      const { event, replayed } = await this.#append(current.stream, current.revision, eventId, decision, current.revision, current.lastHash, true);
      const state = foldNext(def, current, event, { hashChecked: !replayed });
      this.#remember(state, this.#weightOf(current) + cachedChars(event));
      if (!replayed) await this.#notify(event, state);
      return this.#result(state, event, replayed);
    } catch (err) {
      if (err instanceof WrongExpectedVersionError) {
        this.#forget(current.caseId);
        return again();
      }
      throw err;
    }
  }

  // ---------------------------------------------------------------- internals

  /** Runs `work` after every earlier call with the same `key` has settled (this engine's calls). */
  async #oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.#queues.get(key);
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const tail = before ? before.then(() => mine) : mine;
    this.#queues.set(key, tail);
    try {
      await before;
      return await work();
    } finally {
      done();
      if (this.#queues.get(key) === tail) this.#queues.delete(key);
    }
  }

  #def(state: CaseState): ProcessDefinition {
    const def = this.#o.registry.get(state.process, state.version);
    if (!def) throw new Error(`machine ${state.process}@${state.version} is not registered`);
    return def;
  }

  /**
   * The machine's summary, with the provider by its name (a reviewer triages by names, not codes),
   * and its names in brief (`SUMMARY_TEXT_MAX`): every event carries it, and every row of an inbox or a
   * case list shows it — with a form's names whole (10,000 characters each), a page of 50 was 3 MB.
   */
  #summary(def: ProcessDefinition, snapshot: AnyMachineSnapshot): CaseEventMetadata['summary'] {
    const brief = summaryInBrief(def.summary(snapshot.context));
    if (brief.provider) brief.provider = this.#o.directory.nameOf(brief.provider);
    return brief;
  }

  /** Whose work the case waits on: its open tasks, each with the organisation that works it. */
  #waitingOn(current: CaseState): Message | undefined {
    // Work, not information: a 知悉 item a command opened with no deadline (access granted, results fed
    // back) is no one's work the case waits on (QA: a case in use "waited on" its notices). A state's own
    // task is work with a deadline or without (a provider's drafting).
    const def = this.#def(current);
    const work = current.tasks.filter((t) => t.dueAt !== undefined || stateTask(def, t.stage) !== undefined);
    if (work.length === 0) return undefined;
    // Each holder by name, as the case's tasks give it (orgNameOf); in English (no Chinese name), an
    // organisation by its code and an applicant as the applicant, whose code may be a person's ID number.
    // 机构改革: a task stamped with an abolished organisation waits on the one that does its work now, which
    // the sender must turn to ("济南市公安局（已撤销）" named a bureau that is gone).
    const holder = (t: CaseState['tasks'][number]) => {
      const now = t.role === 'applicant' ? t.org : this.#o.directory.successorOf(t.org);
      return now === t.org ? { zh: this.orgNameOf(current, t), en: t.org } : { zh: `${this.#o.directory.nameOf(now)}，原${this.#o.directory.get(t.org)?.name ?? t.org}`, en: `${now}, formerly ${t.org}` };
    };
    const held = work.map((t) => ({ t, by: holder(t) }));
    return {
      zh: held.map(({ t, by }) => `${t.label}（${by.zh}）`).join('、'),
      en: held.map(({ t, by }) => `${t.stage} (${t.role === 'applicant' ? 'the applicant' : by.en})`).join(', '),
    };
  }

  /** The case as the sender of a stale revision finds it (`refuse.revisionConflict`): what was done last, and whether its command still applies. */
  async #caseNow(current: CaseState, cmd: CaseCommand): Promise<CaseNow> {
    const def = this.#def(current);
    const last = await this.#lastDone(current, def);
    const allowed = this.allowedCommands(current, cmd.actor);
    // Taken in this state from this sender, and refused by the case as it is now (a release's SUBMIT before its
    // rules are set, an acknowledgement someone else made): what sending it again would be told, not "nothing to retry".
    const spec = def.commands[cmd.type];
    const taken = spec !== undefined && !allowed.includes(cmd.type) && acceptedCommands(current.snapshot).includes(cmd.type) && this.#permitted(spec, def, current.snapshot, cmd.actor);
    const refusedNow = taken ? this.#refusedByCase(spec, current) : [];
    const waiting = allowed.includes(cmd.type) || refusedNow.length > 0 ? undefined : this.#waitingOn(current);
    const onlyDeadlinesRestated = allowed.includes(cmd.type) && cmd.expectedRevision !== undefined && (await this.#onlyRestatedSince(current, cmd.expectedRevision));
    return {
      ...(last ? { last } : {}),
      state: current.state,
      stateLabel: stateLabel(def, current.state),
      command: cmd.type,
      ...(spec?.label ? { commandLabel: spec.label } : {}),
      allowed,
      ...(waiting ? { waiting } : {}),
      ...(refusedNow.length > 0 ? { refusedNow } : {}),
      ...(onlyDeadlinesRestated ? { onlyDeadlinesRestated } : {}),
    };
  }

  /**
   * Whether every event after `revision` is the system's re-statement of deadlines after a holiday notice
   * (provider's QA: loading a notice appends one to every open case, and a clerk's decision on the page read
   * before was refused as if the case had changed) — looked for among at most `RESTATED_LOOKBACK` events.
   */
  async #onlyRestatedSince(current: CaseState, revision: number): Promise<boolean> {
    const since = current.revision - revision;
    if (revision < 0 || since < 1 || since > RESTATED_LOOKBACK) return false;
    const events = await this.#o.store.readStream(current.stream, { fromRevision: revision + 1, maxCount: since });
    return events.length === since && events.every((e) => (e.metadata as Partial<CaseEventMetadata>).command === RESTATE);
  }

  /**
   * The event that moved the case into the state it is in (its start, when none has since): its command,
   * named, and when (Beijing time, to the minute); looked for among its last `ENTERED_LOOKBACK` events.
   */
  async #enteredBy(current: CaseState, def: ProcessDefinition): Promise<CaseNow['last']> {
    const recent = await this.#o.store.readStream(current.stream, { direction: 'backwards', fromRevision: current.revision, maxCount: ENTERED_LOOKBACK });
    for (const event of recent) {
      const meta = event.metadata as Partial<CaseEventMetadata>;
      if (meta.command === START || meta.stateBefore !== meta.stateAfter) return doneBy(def, meta);
    }
    return undefined;
  }

  /** What was done to the case last: its command, named, and when (Beijing time, to the minute). */
  async #lastDone(current: CaseState, def: ProcessDefinition): Promise<CaseNow['last']> {
    const [last] = await this.#o.store.readStream(current.stream, { fromRevision: current.revision, maxCount: 1 });
    return last ? doneBy(def, last.metadata as Partial<CaseEventMetadata>) : undefined;
  }

  /**
   * The organisations that may send `spec` on the case as it reads (a start: as its form reads), for a
   * refusal that says who may, when some of them are of the sender's `role` (another bureau's 本级
   * case): those first, then those of the command's other roles. A WITHDRAW, SUSPEND or RESUME is the
   * provider's or its competent authority's (PROCESSES.md), and the provincial bureau refused one was
   * told that "only" the city's bureau may, the provider left out. Each only as the directory knows it in that rule's
   * role (a provider for a provider), so that a form naming an authority or an unknown code names nobody.
   */
  #whoMayAct(spec: AnyCommandSpec, def: ProcessDefinition, snapshot: AnyMachineSnapshot, role: string): { code: string; name: string }[] {
    const parties = def.parties(snapshot.context);
    const own = this.#namedBy(spec.actors.filter((rule) => rule.role === role), parties);
    if (own.length === 0) return [];
    return this.#withNames([...own, ...this.#namedBy(spec.actors.filter((rule) => rule.role !== role && rule.scope !== 'system'), parties)]);
  }

  /** Who sends a command whose senders `role` is not among (`refuse.forbidden`): the directory's organisations that may, and whether the applicant may. */
  #sentBy(spec: AnyCommandSpec, def: ProcessDefinition, snapshot: AnyMachineSnapshot, role: string): SentBy | undefined {
    if (spec.actors.some((rule) => rule.role === role)) return undefined;
    const rules = spec.actors.filter((rule) => rule.scope !== 'system');
    return { role, orgs: this.#withNames(this.#namedBy(rules, def.parties(snapshot.context))), applicant: rules.some((rule) => rule.role === 'applicant') };
  }

  /** The organisations `rules` name for the case's parties, each as the directory knows it in that rule's role (a provider for a provider). */
  #namedBy(rules: readonly ActorRule[], parties: CaseParties): string[] {
    return rules.flatMap((rule) => organisationsFor(this.#o.directory, rule.scope, parties).filter((code) => this.#o.directory.get(code)?.kind === rule.role));
  }

  /** Codes once each, in order, with the directory's names. */
  #withNames(codes: readonly string[]): { code: string; name: string }[] {
    return [...new Set(codes)].map((code) => ({ code, name: this.#o.directory.nameOf(code) }));
  }

  #permitted(spec: AnyCommandSpec, def: ProcessDefinition, snapshot: AnyMachineSnapshot, actor: Actor): boolean {
    const parties = def.parties(snapshot.context);
    return spec.actors.some((rule) => {
      if (rule.role !== actor.role) return false;
      if (rule.scope === 'system') return actor.role === 'system';
      return mayActFor(this.#o.directory, rule.scope, parties, actor.org);
    });
  }

  /**
   * The parties a case names for the first time (in a start form, or when a request is forwarded)
   * must be ones the directory knows, or nobody could ever act on its tasks, and no authority or
   * supervisor would see the case:
   * - 第四条: its 开放主体 is a 公共数据提供单位 of the directory;
   * - 第六条: the region it is addressed to has a 公共数据开放主管部门 there;
   * - 第六条: an authority that names a new provider (`actor`, forwarding a request) names one in its own region.
   */
  #checkParties(
    before: CaseParties | undefined,
    after: CaseParties,
    fields: AnyCommandSpec['partyFields'],
    actor?: Actor,
    mayAct?: () => { code: string; name: string }[],
  ): void {
    // The form's field that named the party, for `errors` (a party the case took from elsewhere names none).
    const field = (party: keyof CaseParties) => (fields?.[party] === undefined ? undefined : [fields[party]]);
    const region = after.region;
    if (region !== undefined && region !== before?.region && !this.#o.directory.authorityOf(region)) {
      // 机构改革: a region taken over by another (a city merged into another) — name the code to address instead.
      const taken = this.#o.directory.regionTakenOver(region);
      const abolished = taken && this.#o.directory.abolished(taken.abolished.code);
      if (taken && abolished) {
        throw refuse.rule('regionHasAuthority', '第六条', {
          zh: `行政区划 ${region} 的${abolished.zh}：请向行政区划 ${taken.successor.region} 提出`,
          en: `region ${region}: ${abolished.en}; address region ${taken.successor.region} instead`,
        }, [], field('region'));
      }
      throw refuse.rule('regionHasAuthority', '第六条', {
        zh: `行政区划 ${region} 在机构目录中没有公共数据开放主管部门，无法受理`,
        en: `region ${region} has no competent authority in the organisation directory, so the case cannot be accepted`,
      }, [], field('region'));
    }
    const code = after.providerOrg;
    if (code === undefined || code === before?.providerOrg) return;
    const org = this.#o.directory.get(code);
    // 第四条, 机构改革: an abolished provider opens no new case; the one that took over its duties does.
    const abolished = org?.kind === 'provider' ? this.#o.directory.abolished(code) : undefined;
    if (abolished) {
      throw refuse.rule('providerInDirectory', '第四条', { zh: `${abolished.zh}：请以该机构为开放主体`, en: `${abolished.en}: name that organisation as the provider` }, [], field('providerOrg'));
    }
    if (org?.kind === 'provider') {
      // 第六条: a city's or county's authority works within its own region — it may forward a request
      // to a provider there, not to another city's (whose authority could then not see the case).
      // 机构改革: with the regions it took over (a city merged into it: its providers are this city's now).
      const by = actor?.role === 'authority' ? this.#o.directory.get(actor.org) : undefined;
      if (by && !this.#o.directory.worksWithin(by.region, code)) {
        // Who may forward it there: the authorities that may send the same command on this case and work
        // where the provider is (legal QA: a city's bureau refused a provincial department was not told
        // that the provincial bureau, which may act on the case too, can).
        const able = (mayAct?.() ?? []).filter((o) => {
          const other = this.#o.directory.get(o.code);
          return other?.kind === 'authority' && other.code !== by.code && this.#o.directory.worksWithin(other.region, code);
        });
        throw refuse.rule('providerInJurisdiction', '第六条', {
          zh: `${org.name}（${code}）不在${by.name}的行政区域内，不能转至该开放主体${able.length > 0 ? `；可由${able.map((o) => `${o.name}（${o.code}）`).join('、')}转办` : ''}`,
          en: `${org.name} (${code}) is outside the region of ${by.name}, which cannot forward the request there${able.length > 0 ? `; ${able.map((o) => `${o.name} (${o.code})`).join(', ')} can` : ''}`,
        }, [], field('providerOrg'));
      }
      return;
    }
    // A code the directory spells in another letter case (370100-GAJ) is named as it spells it.
    const spelled = this.#o.directory.spelling(code);
    const spelling = spelled === code ? { zh: '', en: '' } : { zh: `：机构代码区分大小写，应为 ${spelled}`, en: `: codes are case-sensitive, it is ${spelled}` };
    throw refuse.rule(
      'providerInDirectory',
      '第四条',
      org
        ? { zh: `${org.name}（${code}）不是公共数据开放主体，不能作为本案件的开放主体`, en: `${org.name} (${code}) is not a provider unit and cannot be this case's provider` }
        : {
            zh: `机构目录中没有编码为 ${shown(code)} 的公共数据开放主体${spelling.zh}`,
            en: `the organisation directory has no provider unit with the code ${shown(code)}${spelling.en}`,
          },
      [],
      field('providerOrg'),
    );
  }

  /** The case `first` started under a start's idempotency key answers it only if it was the same start: same process, same form (else 422 idempotencyKeyReused). */
  #sameStart(def: ProcessDefinition, cmd: StartCommand, started: ProcessDefinition, first: RecordedEvent): void {
    if (started.name === def.name && this.#sameData(started.start.schema, cmd.input, first.data)) return;
    const caseId = (first.metadata as unknown as CaseEventMetadata).caseId;
    throw refuse.idempotencyKeyReused(startOf(started.title, started.name, caseId));
  }

  /** The event stored under a command's idempotency key answers it only if it was the same command with the same data (else 422 idempotencyKeyReused). */
  #sameCommand(def: ProcessDefinition, cmd: CaseCommand, event: RecordedEvent): void {
    const command = (event.metadata as unknown as CaseEventMetadata).command;
    const spec = def.commands[cmd.type];
    if (command === cmd.type && spec && this.#sameData(spec.schema, cmd.data ?? {}, event.data)) return;
    throw refuse.idempotencyKeyReused(
      command === START ? { zh: '发起本案件', en: 'starting this case' } : { zh: `${named(def.commands[command]?.label, command)}指令，版本 ${event.revision}`, en: `command ${command} at revision ${event.revision}` },
    );
  }

  /**
   * A key the log stored another request under, on another case (or, for a start, `caseId`
   * undefined, on any case), is refused: API.md's "stores nothing new" holds across cases. Its own
   * case answers a retry (above); across cases, what the index remembers (`WorkIndex.keyUse`: a day).
   */
  #keyNotUsedElsewhere(scope: string, caseId: string | undefined): void {
    const use = this.#keys?.keyUse(scope, this.#o.clock.now().getTime());
    if (use === undefined || use.caseId === caseId) return;
    const def = this.#o.registry.get(use.process, use.version);
    throw refuse.idempotencyKeyReused(
      use.command === START
        ? startOf(def?.title, use.process, use.caseId)
        : { zh: `案件 ${use.caseId} 的${named(def?.commands[use.command]?.label, use.command)}指令`, en: `command ${use.command} on case ${use.caseId}` },
      true,
    );
  }

  /** Whether a request's data is what was stored for the first request with its idempotency key (compared as the form reads it). */
  #sameData(schema: z.ZodType, data: unknown, stored: unknown): boolean {
    const parsed = schema.safeParse(data);
    return parsed.success && canonicalJson(parsed.data) === canonicalJson(stored);
  }

  /**
   * `form`: which form it is (`process` for a start, `process.COMMAND`), by which the detail names each
   * field in Chinese (machines/fieldLabels.ts) — but an unknown one, which no field of the form is.
   */
  #validate(schema: z.ZodType, data: unknown, form: string): unknown {
    const parsed = schema.safeParse(data);
    if (parsed.success) return parsed.data;
    throw refuse.validation(
      parsed.error.issues.flatMap((i) => {
        // An unknown field is reported where it is, one error each naming only itself, so a client can point at it.
        if (i.code === 'unrecognized_keys') return i.keys.map((key) => ({ path: [...i.path.map(String), cutShort(key)].join('.'), message: unknownFields([key]) }));
        const path = i.path.map(String).join('.');
        return [{ path, message: i.message, label: fieldLabel(path, form) }];
      }),
    );
  }

  /**
   * Asks each rule with the facts the event will carry — its instant `at` and its links — as the
   * machine's guards do (machines/kit.ts), and refuses with every rule broken (an applicant on both
   * credit lists of 第十三条(二) is told both at once). A rule asked after one already broken that
   * cannot be asked of this data (it took the other for granted) is not told.
   */
  #checkRules(spec: AnyCommandSpec, context: unknown, data: unknown, at: string, links?: CaseEventMetadata['links']): void {
    const facts = { at, ...(links ? { links } : {}) };
    const broken: BrokenRule[] = [];
    for (const rule of spec.rules ?? []) {
      let holds: boolean;
      try {
        holds = rule.holds(context, data, facts);
      } catch (error) {
        if (broken.length === 0) throw error;
        continue;
      }
      if (!holds) {
        const fields = rule.fields?.(context, data, facts);
        // Several fields each get the rule's words in general: what it says of this case names them all (1,000
        // desensitization rules of unknown fields made 20 errors of 4,000 characters each).
        const several = fields !== undefined && fields.length > 1;
        broken.push({ rule: rule.id, article: rule.article, message: rule.messageFor?.(context, data, facts) ?? rule.message, ...(fields && fields.length > 0 ? { fields } : {}), ...(several ? { fieldMessage: rule.message } : {}) });
      }
    }
    const [first, ...also] = broken;
    if (first) throw refuse.rule(first.rule, first.article, first.message, also, first.fields, first.fieldMessage);
  }

  /**
   * Looks up the cases a command names, so their state is stored with the event (the fold never
   * reads other streams). A case the sender may not see is, to it, no case at all: it is not
   * found, so a command cannot tell whether another organisation's case exists or how it stands.
   */
  async #links(spec: AnyCommandSpec, data: unknown, { visibleTo, mayKnowOf }: CaseCommand): Promise<CaseEventMetadata['links']> {
    if (!spec.link) return undefined;
    const linkedId = (data as Record<string, unknown>)[spec.link.field];
    if (typeof linkedId !== 'string') return undefined;
    try {
      const linked = await this.getCase(linkedId);
      if (linked.process !== spec.link.process || (visibleTo && !visibleTo(linked))) return {};
      return { [linkedId]: { process: linked.process, state: linked.state } };
    } catch (err) {
      if (err instanceof EngineError && err.code === 'NOT_FOUND') return {};
      // One that cannot be folded is no case either to a sender who may not see it (API.md: 404, not a 503 naming it).
      if (isDamagedStore(err) && mayKnowOf && !mayKnowOf(linkedId)) return {};
      throw err;
    }
  }

  #openTasks(
    def: ProcessDefinition,
    snapshot: AnyMachineSnapshot,
    stateTaskSpec: TaskSpec | undefined,
    commandTasks: TaskSpec[],
    at: string,
    alreadyOpen: Task[] = [],
  ): Task[] {
    const specs = [...(stateTaskSpec ? [stateTaskSpec] : []), ...commandTasks].filter(
      (s) => !alreadyOpen.some((t) => t.stage === s.stage),
    );
    const parties = def.parties(snapshot.context);
    return specs.map((spec) => {
      const orgs = organisationsFor(this.#o.directory, spec.scope, parties);
      // 第六条: the work falls to an organisation of the directory (a provider's 本级 主管部门, say). A task
      // no one is named for would sit in no inbox, overdue for good, with no one able to act on it.
      if (orgs.length === 0) {
        // 第六条 for an authority's work, 第四条 for a provider's (an applicant's own task always has its applicant).
        // Which one is missing: the provider's 本级 bureau, by the provider and its region (reform QA: "该机构"
        // named nothing, and the provider could not tell whose absence stopped its submission).
        const provider = spec.scope === 'competentAuthority' && parties.providerOrg ? this.#o.directory.get(this.#o.directory.successorOf(parties.providerOrg)) : undefined;
        const whose = provider
          ? { zh: `${provider.name}（${provider.code}）所在的行政区划 ${provider.region} 的本级主管部门不在目录中`, en: `region ${provider.region}, where ${provider.name} (${provider.code}) is, has no bureau in it` }
          : { zh: '', en: '' };
        throw refuse.rule('taskHasAssignee', spec.role === 'provider' ? '第四条' : '第六条', {
          zh: `机构目录中没有承担“${spec.label}”的${ROLE_LABELS[spec.role]}，无法受理：${whose.zh ? `${whose.zh}，` : ''}请联系平台管理员在机构目录中补充该机构`,
          en: `the organisation directory names no organisation to do "${spec.stage}" (${spec.role})${whose.en ? `: ${whose.en}` : ''}; ask the platform administrator to add it to the directory`,
        });
      }
      const due = deadlineFor(this.#o.calendar(), spec, this.#o.deadlines, snapshot.context, at);
      return {
        stage: spec.stage,
        label: spec.label,
        role: spec.role,
        org: orgs[0] ?? '',
        orgs,
        enteredAt: at,
        ...(due
          ? {
              dueAt: due.dueAt,
              dueDate: due.dueDate,
              basis: due.basis,
              ...(due.article ? { article: due.article } : {}),
              provisional: due.provisional,
              calendarVersion: due.calendarVersion,
              // A count that starts later than the stage (the agreed start of use): said, so that the
              // deadline can be counted again by hand from what the case shows.
              ...(due.countsFrom ? { countsFrom: due.countsFrom } : {}),
            }
          : {}),
      };
    });
  }

  #timers(def: ProcessDefinition, stream: string, snapshot: AnyMachineSnapshot): PendingTimer[] {
    return (def.timers?.(snapshot.context, stateName(snapshot)) ?? []).map((t) => {
      return { command: t.command, dueAt: endOfDay(t.afterEndOfDay), eventId: deterministicId(`timer:${stream}:${t.command}:${t.afterEndOfDay}`) };
    });
  }

  #metadata(
    def: ProcessDefinition,
    caseId: string,
    cmd: { actor: Actor; idempotencyKey?: string; correlationId?: string; causationId?: string },
    command: string,
    at: string,
    stateBefore: string | null,
    snapshot: AnyMachineSnapshot,
    tasksOpened: Task[],
    tasksClosed: TaskClosed[],
    links: CaseEventMetadata['links'],
  ): Decision['metadata'] {
    return {
      caseId,
      process: def.name,
      machine: { name: def.name, version: def.version },
      actor: cmd.actor,
      command,
      at,
      ...(cmd.idempotencyKey ? { idempotencyKey: cmd.idempotencyKey } : {}),
      correlationId: cmd.correlationId ?? newId(),
      ...(cmd.causationId ? { causationId: cmd.causationId } : {}),
      stateBefore,
      stateAfter: stateName(snapshot),
      final: isFinal(snapshot),
      tasksOpened,
      tasksClosed,
      timers: isFinal(snapshot) ? [] : this.#timers(def, streamOf(def.name, caseId), snapshot),
      ...(links ? { links } : {}),
      parties: def.parties(snapshot.context),
      summary: this.#summary(def, snapshot),
      calendarVersion: this.#o.calendar().version,
      prevHash: '',
    };
  }

  async #append(
    stream: string,
    lastRevision: number,
    eventId: string,
    decision: Decision,
    expectedRevision: number | 'no_stream',
    prevHash = '0'.repeat(64),
    readBack = false,
  ): Promise<{ event: RecordedEvent; replayed: boolean }> {
    const revision = lastRevision + 1;
    // Not `{ ...decision.metadata, prevHash }`: a hidden class of its own for every event (machines/extended.ts).
    const metadata: Record<string, unknown> = extended(decision.metadata, { prevHash });
    metadata.hash = eventHash({ streamId: stream, revision, id: eventId, type: decision.type, data: decision.data, metadata });
    const result = await this.#appends.track(
      this.#o.store.appendToStream(stream, [{ id: eventId, type: decision.type, data: decision.data, metadata }], { expectedRevision }),
    );
    if (readBack) {
      // A deterministic id may already be stored (another scheduler, a retry): fold what is stored.
      // The store then stored nothing, so it is a replay: another hash means another sender's event.
      const [stored] = await this.#o.store.readStream(stream, { fromRevision: result.nextExpectedRevision, maxCount: 1 });
      if (stored) return { event: stored, replayed: stored.metadata.hash !== metadata.hash };
    }
    return {
      replayed: false,
      event: {
        id: eventId,
        streamId: stream,
        type: decision.type,
        revision: result.nextExpectedRevision,
        position: result.position,
        data: decision.data,
        metadata,
        created: decision.metadata.at,
      },
    };
  }

  /**
   * Tells the listeners of an event already stored. The command succeeded whatever they do: a
   * listener that fails is logged, and answering an error would have the sender retry what is done.
   */
  async #notify(event: RecordedEvent, state: CaseState): Promise<void> {
    // The command's correlation id: the id of the request that sent it, which its other log lines carry (reqId).
    const { correlationId } = event.metadata as unknown as CaseEventMetadata;
    for (const listener of this.#listeners) {
      try {
        await listener(event, state);
      } catch (err) {
        this.#o.logger?.error({ err, caseId: state.caseId, eventId: event.id, correlationId }, '指令已保存，但其后续处理失败；将在下次定时检查时重试');
      }
    }
  }

  /** The first answer again (API.md): the case as that event left it, not as it is now. */
  async #replay(state: CaseState, event: RecordedEvent): Promise<CommandResult> {
    const meta = event.metadata as unknown as CaseEventMetadata;
    return { caseId: state.caseId, process: state.process, state: meta.stateAfter, final: meta.final, revision: event.revision, position: event.position, event, replayed: true };
  }

  async #eventAt(state: CaseState, outcome: CommandOutcome): Promise<RecordedEvent> {
    const [event] = await this.#o.store.readStream(state.stream, { fromRevision: outcome.revision, maxCount: 1 });
    if (!event) throw new Error(`event ${outcome.eventId} vanished from ${state.stream}`);
    return event;
  }

  #result(state: CaseState, event: RecordedEvent, replayed: boolean): CommandResult {
    return {
      caseId: state.caseId,
      process: state.process,
      state: state.state,
      final: state.final,
      revision: state.revision,
      position: state.position,
      event,
      replayed,
    };
  }

  async #refresh(cached: CaseState): Promise<CaseState> {
    const newer = await this.#readOrUndefined(cached.stream, cached.revision + 1);
    if (!newer || newer.length === 0) return cached;
    const def = this.#def(cached);
    let state = cached;
    try {
      for (const e of newer) state = foldNext(def, state, e);
    } catch (err) {
      this.#forget(cached.caseId);
      throw new DamagedStreamError(cached.stream, err);
    }
    this.#remember(state, newer.reduce((sum, e) => sum + cachedChars(e), this.#weightOf(cached)));
    return state;
  }

  async #findStream(caseId: string): Promise<RecordedEvent[] | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(caseId)) return undefined;
    // Every process's stream is looked at: a second one for the same id is not a case (CaseStreamsError).
    const found: RecordedEvent[][] = [];
    for (const name of this.#o.registry.names()) {
      const events = await this.#readOrUndefined(streamOf(name, caseId));
      if (events && events.length > 0) found.push(events);
    }
    if (found.length > 1) {
      const streams = found.map((events) => {
        const { streamId, revision, position, id, type } = events[0]!;
        return { streamId, events: events.length, first: { revision, position, id, type } };
      });
      throw new CaseStreamsError(caseId, streams);
    }
    if (found.length === 1) return found[0];
    // A process this build does not have, recorded by a newer one: read, to be refused as such.
    const recorded = this.#o.recordedProcess?.(caseId);
    if (recorded && !this.#o.registry.latest(recorded)) {
      const events = await this.#readOrUndefined(streamOf(recorded, caseId));
      if (events && events.length > 0) return events;
    }
    return undefined;
  }

  async #readOrUndefined(stream: string, fromRevision?: number): Promise<RecordedEvent[] | undefined> {
    try {
      return await this.#o.store.readStream(stream, fromRevision === undefined ? {} : { fromRevision });
    } catch (err) {
      if (err instanceof StreamNotFoundError) return undefined;
      throw err;
    }
  }

  /**
   * Keeps a folded case, the most recent last; the least recent go while more than `cacheSize` cases,
   * or more than `cacheChars` of their data, are kept (the one just kept stays, however large).
   */
  #remember(state: CaseState, chars: number): void {
    this.#forget(state.caseId);
    this.#cache.set(state.caseId, state);
    this.#weights.set(state, chars);
    this.#charsHeld += chars;
    while (this.#cache.size > 1 && (this.#cache.size > this.#cacheSize || this.#charsHeld > this.#cacheChars)) {
      this.#forget(this.#cache.keys().next().value!);
    }
  }

  /** What a folded state holds (`cachedChars` of the events folded into it), whether or not it is still kept. */
  #weightOf(state: CaseState): number {
    return this.#weights.get(state) ?? 0;
  }

  #forget(caseId: string): void {
    const kept = this.#cache.get(caseId);
    if (!kept) return;
    this.#cache.delete(caseId);
    this.#charsHeld -= this.#weightOf(kept);
  }
}

/** The end of an Asia/Shanghai day as a UTC instant, remembered: every event of an active case re-states its timer. */
const endsOfDay = new Map<string, string>();
function endOfDay(date: string): string {
  let end = endsOfDay.get(date);
  if (end === undefined) {
    end = endOfShanghaiDate(date);
    endsOfDay.set(date, end);
  }
  return end;
}

/**
 * Events folded between turns given to the event loop (`foldStored`: about 10 ms of work). A case of
 * 20,000 usage reports read cold — after a restart, or let go by the cache — held every other request
 * 0.9 s, and a few such cases used in turn, more than the cache holds, held the server most of the time.
 */
const FOLD_TURN = 500;

/** Folds a case's stored events, a turn of the event loop every `FOLD_TURN`; a stream its machine cannot fold is a `DamagedStreamError`. */
async function foldStored(definitionOf: (first: RecordedEvent) => ProcessDefinition, events: RecordedEvent[]): Promise<CaseState> {
  try {
    const def = definitionOf(events[0]!);
    let state = foldStart(def, events[0]!);
    for (let i = 1; i < events.length; i++) {
      if (i % FOLD_TURN === 0) await nextTurn();
      state = foldNext(def, state, events[i]!);
    }
    return state;
  } catch (err) {
    if (err instanceof UpgradeRequiredError) throw err;
    throw new DamagedStreamError(events[0]!.streamId, err);
  }
}

/** The task spec a stage was opened from: its state's meta, or a command that opens it. */
function taskSpecOf(def: ProcessDefinition, stage: string): TaskSpec | undefined {
  return stateTask(def, stage) ?? Object.values(def.commands).flatMap((c) => c.opens ?? []).find((t) => t.stage === stage);
}
