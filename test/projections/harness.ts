/**
 * A world for read-model specifications: the real Engine on a SqliteEventStore in a temp folder,
 * a ManualClock, the calendar in force (optionally without the 2026 notice, so deadlines into 2026
 * are provisional until it is loaded), and the read models inline. `drive` sends seeded random
 * VALID commands over all five processes, as the parties allowed to send them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DEADLINE_RULES, SHIPPED_NOTICES, WorkingDayCalendar } from '../../calendars/index.js';
import { cityOf, Directory } from '../../directory/index.js';
import { CalendarInForce } from '../../engine/calendarInForce.js';
import { Engine } from '../../engine/engine.js';
import type { CaseState } from '../../engine/fold.js';
import { EngineError } from '../../engine/errors.js';
import { Scheduler } from '../../engine/scheduler.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { ManualClock } from '../../infra/clock.js';
import { finalStates, transitions } from '../../machines/describe.js';
import { registry } from '../../machines/registry.js';
import type { RecordedEvent } from '../../eventstore/types.js';
import type { Actor } from '../../machines/types.js';
import { openReadModels, type ReadModels } from '../../projections/index.js';
import { prng } from '../../scripts/bench/prng.js';
import { actors, commandData, personApplicant, startInputs, type ProcessName } from '../machines/examples.js';

export { prng };

export const directory = Directory.load();

export interface World {
  dir: string;
  clock: ManualClock;
  store: SqliteEventStore;
  calendar: CalendarInForce;
  engine: Engine;
  scheduler: Scheduler;
  models: ReadModels;
  close(): Promise<void>;
}

export const notice2026 = SHIPPED_NOTICES.find((n) => (n as { year: number }).year === 2026)!;
export const admin: Actor = { sub: 'u-admin', name: '管理员', role: 'admin', org: '370000-dsj' };

/** A world starting at `start`; `without2026` leaves the 2026 holiday notice unloaded. */
export async function world(options: { start?: string; without2026?: boolean } = {}): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'projections-'));
  const clock = new ManualClock(options.start ?? '2025-11-03T01:30:00.000Z');
  const store = new SqliteEventStore({ path: join(dir, 'events.db'), synchronous: 'OFF', now: () => clock.now() });
  const notices = options.without2026 ? SHIPPED_NOTICES.filter((n) => n !== notice2026) : SHIPPED_NOTICES;
  const calendar = await CalendarInForce.open(store, clock, WorkingDayCalendar.fromNotices(notices));
  const engine = new Engine({ store, registry, directory, clock, calendar: () => calendar.current(), deadlines: DEFAULT_DEADLINE_RULES });
  const scheduler = new Scheduler({ engine, store, clock });
  const models = await openReadModels({ store, dataDir: dir, directory, calendar: () => calendar.current() });
  return {
    dir,
    clock,
    store,
    calendar,
    engine,
    scheduler,
    models,
    async close() {
      await models.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Providers of different levels and cities, each with its 本级 authority in the directory. */
export const PROVIDERS = ['370100-gaj', '370200-gaj', '370102-scjgj', '370000-gat'] as const;
const APPLICANTS = [actors.company, actors.person];

/**
 * A case event as the engine stamps it, for read-model tests that fold events made by hand: case
 * `case-<n>` (an objection's or a release's stream), at `position`, with `parties` and the tasks it opens.
 */
export function stampedEvent(e: { n: number; revision: number; position: number; parties: Record<string, string>; stateAfter: string; tasksOpened?: unknown[] }): RecordedEvent {
  return {
    id: `e-${e.n}-${e.revision}`,
    // The case's own stream (machines/streams.ts): an event in another's is that one's.
    streamId: `${e.n % 2 ? 'objection' : 'datasetRelease'}-case-${e.n}`,
    type: 'Started',
    revision: e.revision,
    position: e.position,
    data: {},
    created: '2026-01-01T00:00:00.000Z',
    metadata: {
      caseId: `case-${e.n}`,
      process: e.n % 2 ? 'objection' : 'datasetRelease',
      machine: { name: 'objection', version: 1 },
      actor: { sub: 'u', role: 'applicant', org: 'x' },
      command: e.revision ? 'MOVE' : 'START',
      at: '2026-01-01T00:00:00.000Z',
      stateBefore: null,
      stateAfter: e.stateAfter,
      final: false,
      tasksOpened: e.tasksOpened ?? [],
      tasksClosed: [],
      parties: e.parties,
      summary: { title: `案件 ${e.n}` },
      prevHash: '',
      hash: '',
    },
  };
}

export const actorOf = (org: string, role: Actor['role']): Actor => ({ sub: `u-${org}`, name: `经办人 ${org}`, role, org });

/** A start input of `process` naming `provider` (and addressed to its city, for a request). */
export function startInput(process: ProcessName, provider: string, applicant: Actor): unknown {
  const input = structuredClone(startInputs[process]) as Record<string, unknown>;
  const region = directory.get(provider)!.region;
  switch (process) {
    case 'datasetRelease':
    case 'listAdjustment':
    case 'objection':
      input.providerOrg = provider;
      break;
    case 'conditionalApplication':
      (input.resource as Record<string, unknown>).providerOrg = provider;
      if (applicant.org === actors.person.org) input.applicant = personApplicant;
      break;
    case 'unopenedDataRequest':
      input.addressedRegion = cityOf(region);
      break;
  }
  return input;
}

export interface Tracked {
  caseId: string;
  process: ProcessName;
  provider: string;
  applicant: Actor;
}

export interface DriveResult {
  accepted: number;
  refused: number;
  started: number;
  restated: number;
  fired: number;
}

/**
 * A command some party to case `c` may send on it now (engine.allowedCommands), picked by `pick`,
 * with the example data of its form; none when no one may act. Commands that move the case on to
 * a state that is not final are three times as likely, so cases get far.
 */
export function randomCommand(
  w: World,
  c: Tracked,
  state: CaseState,
  pick: <X>(xs: readonly X[]) => X,
): { actor: Actor; type: string; data: unknown } | undefined {
  const region = directory.get(c.provider)!.region;
  const candidates = [
    actorOf(c.provider, 'provider'),
    actorOf(directory.authorityOf(region)?.code ?? '370000-dsj', 'authority'),
    actorOf(directory.authorityOf(cityOf(region))?.code ?? '370000-dsj', 'authority'),
    actorOf('370000-dsj', 'authority'),
    c.applicant,
  ];
  const def = registry.get(state.process, state.version)!;
  const arrows = transitions(def);
  const finals = new Set(finalStates(def));
  // A move on to a state that is not final most, a command that stays put less, one that ends the case least: a
  // case reaches its later states before it ends (a draft given up — DISCARD_DRAFT, from datasetRelease v5 —
  // took most releases, and a run left almost no open task to compare).
  const weight = (type: string) => {
    const moves = arrows.filter((a) => a.from === state.state && a.command === type);
    if (moves.some((a) => a.to !== a.from && !finals.has(a.to))) return 6;
    return moves.length > 0 && moves.every((a) => finals.has(a.to)) ? 1 : 2;
  };
  const choices = candidates.flatMap((actor) => w.engine.allowedCommands(state, actor).flatMap((type) => Array<{ actor: Actor; type: string }>(weight(type)).fill({ actor, type })));
  if (choices.length === 0) return undefined;
  const { actor, type } = pick(choices);
  let data = (commandData[c.process] as Record<string, unknown>)[type] ?? {};
  if (c.process === 'unopenedDataRequest' && type === 'PASS_NORMATIVE_REVIEW') data = { ...(data as object), providerOrg: c.provider };
  return { actor, type, data };
}

/**
 * Sends `commands` seeded random commands: a fifth start a case, the rest are commands some
 * party may send on an open case now (engine.allowedCommands). The clock moves 0–36 hours between
 * commands; timers fire now and then; the 2026 notice is loaded once the clock passes `loadNoticeAt`.
 */
export async function drive(w: World, options: { commands: number; seed: number; loadNoticeAt?: string }): Promise<DriveResult> {
  const r = prng(options.seed);
  const pick = <X>(xs: readonly X[]): X => xs[Math.floor(r() * xs.length)]!;
  const processes = Object.keys(startInputs) as ProcessName[];
  const open: Tracked[] = [];
  const result: DriveResult = { accepted: 0, refused: 0, started: 0, restated: 0, fired: 0 };
  let noticeLoaded = options.loadNoticeAt === undefined;

  for (let i = 0; i < options.commands; i++) {
    w.clock.advance(Math.floor(r() * 36 * 3_600_000));
    if (!noticeLoaded && w.clock.now().toISOString() >= options.loadNoticeAt!) {
      noticeLoaded = true;
      await w.calendar.load(notice2026, admin);
      result.restated += await w.scheduler.restateDeadlines(2026);
    }
    if (i % 15 === 14) result.fired += await w.scheduler.fireDueTimers();

    try {
      if (open.length === 0 || r() < 0.2) {
        const process = pick(processes);
        const provider = pick(PROVIDERS);
        const applicant = pick(APPLICANTS);
        const starter = registry.latest(process)!.start.actors[0]!.role === 'provider' ? actorOf(provider, 'provider') : applicant;
        const { caseId } = await w.engine.start({ process, input: startInput(process, provider, applicant), actor: starter });
        open.push({ caseId, process, provider, applicant: starter });
        result.started++;
        result.accepted++;
        continue;
      }
      const c = pick(open);
      const state = await w.engine.getCase(c.caseId);
      if (state.final) {
        open.splice(open.indexOf(c), 1);
        continue;
      }
      const command = randomCommand(w, c, state, pick);
      if (!command) continue;
      await w.engine.execute({ caseId: c.caseId, ...command });
      result.accepted++;
    } catch (err) {
      if (!(err instanceof EngineError)) throw err;
      result.refused++;
    }
  }
  result.fired += await w.scheduler.fireDueTimers();
  return result;
}
