/**
 * The engine as the API composes it (api/app.ts), on a SQLite store in memory (or a file), with
 * a ManualClock: time moves only when a test moves it. Specification helpers: `given` a history
 * (a case driven by commands with the example data of test/machines/examples.ts), `when` a
 * command, and `refused` — the error, after checking that nothing was stored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { defaultCalendar, DEFAULT_DEADLINE_RULES } from '../../calendars/index.js';
import { Directory } from '../../directory/directory.js';
import { CalendarInForce } from '../../engine/calendarInForce.js';
import type { DeadlineTable } from '../../engine/deadlines.js';
import { Engine, type CommandResult } from '../../engine/engine.js';
import { EngineError } from '../../engine/errors.js';
import type { CaseEventMetadata } from '../../engine/events.js';
import type { CaseState } from '../../engine/fold.js';
import { eventHash } from '../../engine/hashChain.js';
import { streamOf } from '../../engine/ids.js';
import { Scheduler } from '../../engine/scheduler.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { StreamNotFoundError } from '../../eventstore/types.js';
import { ManualClock } from '../../infra/clock.js';
import { ProcessRegistry, registry as shippedRegistry } from '../../machines/registry.js';
import type { Actor, ProcessDefinition } from '../../machines/types.js';
import { actors, commandData, conditionalApplicationSentOn, startedAt, startInputs, type ProcessName } from '../machines/examples.js';

const directory = Directory.load();

/** Parties besides the examples' (directory/data/shandong.json). */
export const others = {
  /** 青岛市大数据局: another city's authority. */
  qingdaoAuthority: { sub: 'u-qddsj-zhoujie', name: '周杰', role: 'authority', org: '370200-dsj' },
  /** 济南市历下区大数据局: a county authority inside Jinan. */
  countyAuthority: { sub: 'u-lxdsj-wufang', name: '吴芳', role: 'authority', org: '370102-dsj' },
  /** 青岛市公安局: another city's provider. */
  qingdaoProvider: { sub: 'u-qdgaj-zhengyu', name: '郑宇', role: 'provider', org: '370200-gaj' },
  supervisor: { sub: 'u-jndsj-jiandu', name: '监督员', role: 'supervisor', org: '370100-dsj' },
  auditor: { sub: 'u-jndsj-shenji', name: '审计员', role: 'auditor', org: '370100-dsj' },
} satisfies Record<string, Actor>;

export interface World {
  clock: ManualClock;
  store: SqliteEventStore;
  registry: ProcessRegistry;
  calendar: CalendarInForce;
  deadlines: DeadlineTable;
  engine: Engine;
  scheduler: Scheduler;
  close(): Promise<void>;
}

export interface WorldOptions {
  /** The clock's start (UTC ISO); default the examples' start, 2025-03-03 09:30 Shanghai. */
  at?: string;
  /** A SQLite file shared with other worlds; default `:memory:`. */
  path?: string;
  clock?: ManualClock;
  registry?: ProcessRegistry;
  deadlines?: DeadlineTable;
  /** Default: the shipped Shandong directory. */
  directory?: Directory;
}

/** An engine and scheduler as api/app.ts composes them, with links followed. */
export async function createWorld(options: WorldOptions = {}): Promise<World> {
  const clock = options.clock ?? new ManualClock(options.at ?? startedAt);
  const store = new SqliteEventStore({ path: options.path ?? ':memory:', now: () => clock.now() });
  const registry = options.registry ?? shippedRegistry;
  const calendar = await CalendarInForce.open(store, clock, defaultCalendar());
  const deadlines = options.deadlines ?? DEFAULT_DEADLINE_RULES;
  const engine = new Engine({ store, registry, directory: options.directory ?? directory, clock, calendar: () => calendar.current(), deadlines });
  const scheduler = new Scheduler({ engine, store, clock });
  scheduler.followLinks();
  return {
    clock,
    store,
    registry,
    calendar,
    deadlines,
    engine,
    scheduler,
    async close() {
      scheduler.stop();
      await store.close();
    },
  };
}

/** Another engine on the same store (another node, or this one restarted): nothing cached. */
export function coldEngine(w: World): Engine {
  return new Engine({ store: w.store, registry: w.registry, directory, clock: w.clock, calendar: () => w.calendar.current(), deadlines: w.deadlines });
}

/** Who sends a command in these specifications unless a test names someone: PROCESSES.md's "who acts". */
export function senderOf(w: World, process: string, type: string, startedBy: Actor): Actor {
  const role = w.registry.latest(process)?.commands[type]?.actors[0]?.role;
  switch (role) {
    case 'applicant':
      return startedBy;
    case 'authority':
      return actors.cityAuthority;
    case 'system':
      return actors.system;
    default:
      return actors.provider;
  }
}

export interface StepOptions {
  data?: unknown;
  actor?: Actor;
  /** Moves the clock here first (UTC ISO). */
  at?: string;
  expectedRevision?: number;
  idempotencyKey?: string;
}

/** A command with its example data, or with its own options. */
export type Step = string | readonly [type: string, options: StepOptions];

export interface GivenOptions {
  input?: unknown;
  actor?: Actor;
  /** When the case starts (UTC ISO). */
  at?: string;
}

/** The starter of a case of `process` in these specifications. */
export function starterOf(w: World, process: string): Actor {
  return w.registry.latest(process)?.start.actors[0]?.role === 'provider' ? actors.provider : actors.company;
}

/** Given a case of `process` started with the example input and driven by `steps`: its id and state. */
export async function given(w: World, process: ProcessName, steps: readonly Step[] = [], options: GivenOptions = {}): Promise<CaseState> {
  if (options.at) w.clock.set(options.at);
  const started = await w.engine.start({
    process,
    input: options.input ?? startInputs[process],
    actor: options.actor ?? starterOf(w, process),
  });
  for (const step of steps) await when(w, started.caseId, ...(typeof step === 'string' ? ([step, {}] as const) : step));
  return w.engine.getCase(started.caseId);
}

/**
 * Given a case brought along `steps` while `older` was the newest version of its process, then its store
 * opened under the shipped registry (a build with the versions after it): `then` runs on that world with
 * the case as the older build left it. The worlds are closed and the store removed after.
 */
export async function givenOnOlderVersion(older: ProcessDefinition, steps: readonly Step[], then: (upgraded: World, c: CaseState) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `engine-${older.name}-v${older.version}-`));
  const file = join(dir, 'events.db');
  try {
    const before = await createWorld({ path: file, registry: new ProcessRegistry([older]) });
    const c = await given(before, older.name as ProcessName, steps);
    await before.close();
    const upgraded = await createWorld({ path: file });
    try {
      await then(upgraded, c);
    } finally {
      await upgraded.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** When `type` is sent on a case, by its usual sender with the example data unless told otherwise. */
export async function when(w: World, caseId: string, type: string, options: StepOptions = {}): Promise<CommandResult> {
  if (options.at) w.clock.set(options.at);
  const current = await w.engine.getCase(caseId);
  const examples = commandData[current.process as ProcessName] as Record<string, unknown> | undefined;
  const startedBy = (current.snapshot.context as { startedBy: Actor }).startedBy;
  return w.engine.execute({
    caseId,
    type,
    data: options.data ?? examples?.[type] ?? {},
    actor: options.actor ?? senderOf(w, current.process, type, startedBy),
    ...(options.expectedRevision !== undefined ? { expectedRevision: options.expectedRevision } : {}),
    ...(options.idempotencyKey !== undefined ? { idempotencyKey: options.idempotencyKey } : {}),
  });
}

/** The stored events of a stream, straight from the store (no engine cache); [] when there is none. */
export async function stored(w: World, stream: string) {
  try {
    return await w.store.readStream(stream);
  } catch (err) {
    if (err instanceof StreamNotFoundError) return [];
    throw err;
  }
}

/** An event as an insider who recomputes its hash would store it after changing it (engine/hashChain.ts). */
export function rehashed<E extends { streamId: string; revision: number; id: string; type: string; data: unknown; metadata: Record<string, unknown> }>(e: E): E {
  return { ...e, metadata: { ...e.metadata, hash: eventHash({ streamId: e.streamId, revision: e.revision, id: e.id, type: e.type, data: e.data, metadata: e.metadata }) } };
}

/** The stored events of a case. */
export async function historyOf(w: World, c: { process: string; caseId: string }) {
  return stored(w, streamOf(c.process, c.caseId));
}

/**
 * Runs a command that must be refused: answers its EngineError, after checking that it stored
 * nothing — the head of `$all` and the case's stream revision are as they were.
 */
export async function refused(w: World, c: { process: string; caseId: string } | undefined, attempt: () => Promise<unknown>): Promise<EngineError> {
  const headBefore = await w.store.headPosition();
  const eventsBefore = c ? (await historyOf(w, c)).length : 0;
  const outcome = await attempt().then(
    (answer) => ({ answer }),
    (error: unknown) => ({ error }),
  );
  expect(outcome, 'the command was accepted').toHaveProperty('error');
  const error = (outcome as { error: unknown }).error;
  expect(error).toBeInstanceOf(EngineError);
  expect(await w.store.headPosition(), 'a refusal stored an event').toBe(headBefore);
  if (c) expect((await historyOf(w, c)).length, 'a refusal changed the stream').toBe(eventsBefore);
  return error as EngineError;
}

/** A list in a stable order, to compare `allowed` without depending on the chart's declaration order. */
export const sorted = (list: readonly string[]) => [...list].sort();

/** The end of an Asia/Shanghai day (23:59:59.999 +08:00) as the UTC instant stored in events. */
export const endOfDay = (date: string) => `${date}T15:59:59.999Z`;

/**
 * Runs a command that must be accepted: answers its result, after checking that it stored exactly
 * one event on the case's stream — the event it answers with.
 */
export async function accepted(w: World, c: { process: string; caseId: string }, attempt: () => Promise<CommandResult>): Promise<CommandResult> {
  const before = (await historyOf(w, c)).length;
  const result = await attempt();
  const after = await historyOf(w, c);
  expect(after.length, 'one command, one event').toBe(before + 1);
  expect(after.at(-1)).toEqual(result.event);
  expect(result.replayed).toBe(false);
  return result;
}

/** The engine's metadata of an event. */
export const meta = (event: { metadata: Record<string, unknown> }) => event.metadata as unknown as CaseEventMetadata;

/** One arrow of a process chart, as a specification: given a case in `from`, when `who` sends `when`, then `then` and `to`. */
export interface Arrow {
  from: string;
  /** The commands that bring a new case to `from`. */
  path: readonly Step[];
  when: string;
  who: string;
  by: Actor;
  /** The command's data; default the example data. A function prepares it (e.g. a linked case). */
  data?: unknown;
  prepare?: (w: World) => Promise<unknown>;
  then: string;
  to: string;
}

export const arrowKey = (a: { from: string; command: string; to: string }) => `${a.from} --${a.command}--> ${a.to}`;

/** Follows an arrow through the engine and checks the one event it stores. */
export async function followArrow(w: World, process: ProcessName, arrow: Arrow): Promise<CommandResult> {
  const c = await given(w, process, arrow.path);
  expect(c.state).toBe(arrow.from);
  const data = arrow.prepare ? await arrow.prepare(w) : arrow.data;
  const result = await accepted(w, c, () => when(w, c.caseId, arrow.when, { actor: arrow.by, ...(data !== undefined ? { data } : {}) }));
  expect(result.event.type).toBe(arrow.then);
  expect(result.state).toBe(arrow.to);
  expect(meta(result.event)).toMatchObject({ command: arrow.when, actor: arrow.by, stateBefore: arrow.from, stateAfter: arrow.to });
  return result;
}

/** A command the case's state does not take: INVALID_TRANSITION, naming what the caller may send now. */
export interface WrongState {
  state: string;
  path: readonly Step[];
  who: string;
  by: Actor;
  command: string;
  allowed: string[];
}

export async function expectWrongState(w: World, process: ProcessName, row: WrongState): Promise<void> {
  const c = await given(w, process, row.path);
  expect(c.state).toBe(row.state);
  const error = await refused(w, c, () => when(w, c.caseId, row.command, { actor: row.by }));
  expect(error.code).toBe('INVALID_TRANSITION');
  expect(error.details.state).toBe(row.state);
  expect(sorted(error.details.allowed as string[])).toEqual(sorted(row.allowed));
  expect(sorted(w.engine.allowedCommands(c, row.by))).toEqual(sorted(row.allowed));
}

/**
 * `count` conditional applications sent on 2025-03-03 and made active, their agreed use ending on
 * 2025-12-31 (Beijing): a midnight burst of USAGE_EXPIRED once the clock passes it. Their ids.
 */
export async function activeEndingOnNewYearsEve(engine: Engine, count: number): Promise<string[]> {
  const cd = commandData.conditionalApplication;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { caseId } = await engine.start({ process: 'conditionalApplication', input: conditionalApplicationSentOn('2025-03-03'), actor: actors.company });
    for (const [type, actor] of [
      ['PASS_NORMATIVE_REVIEW', actors.cityAuthority],
      ['APPROVE', actors.provider],
      ['SIGN_AGREEMENT', actors.provider],
      ['GRANT_ACCESS', actors.provider],
    ] as const) {
      await engine.execute({ caseId, type, data: cd[type], actor });
    }
    ids.push(caseId);
  }
  return ids;
}
