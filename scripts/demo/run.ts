/**
 * The demo's core: plans a Shandong year (plan.ts) and executes every step THROUGH THE ENGINE in
 * global time order, with a ManualClock moved to each step's time — so that `$all` order matches
 * time, deadlines are the engine's own, and replay and verify hold. Refused steps are counted and
 * reported, never fatal.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createApp, type App } from '../../api/app.js';
import { SYSTEM_ACTOR } from '../../engine/engine.js';
import { EngineError } from '../../engine/errors.js';
import type { CaseEventMetadata } from '../../engine/events.js';
import { loadConfig, makeDataDirectory, type Config } from '../../infra/config.js';
import { elapsedMs, ManualClock, systemClock } from '../../infra/clock.js';
import { createLogger, logLevelOf } from '../../infra/logger.js';
import type { Actor } from '../../machines/types.js';
import { createProgress } from '../progress.js';
import { planDemo, PROCESSES, type ProcessName } from './plan.js';
import { buildWorld } from './world.js';

export const DEFAULT_CASES = 3000;
export const DEFAULT_SEED = 20250102;

/** The files of the embedded store in a data folder; `--reset` deletes these and nothing else. */
export const STORE_FILES = ['events.db', 'events.db-wal', 'events.db-shm', 'readmodels.db'] as const;

export interface DemoOptions {
  /** Overrides WORKFLOW_DATA_DIR. */
  dataDir?: string;
  cases?: number;
  seed?: number;
  /** The demo's "today" (default: the system clock). */
  now?: Date;
  /** Delete the store files of the data folder first. */
  reset?: boolean;
  /** Show a progress bar on stderr. */
  progress?: boolean;
  /** The environment configuration is read from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Told of what the demo does besides planning and executing (files deleted). */
  log?: (line: string) => void;
}

export interface Refusal {
  process: string;
  caseId?: string;
  command: string;
  at: string;
  code: string;
  message: string;
}

export interface DemoResult {
  config: Config;
  now: Date;
  seed: number;
  cases: number;
  events: number;
  /** Planned steps executed (starts and commands) and nightly scheduler runs. */
  steps: number;
  nightlyRuns: number;
  /** Cases by process and state. */
  byProcess: Record<string, Record<string, number>>;
  /** Cases by the region of their provider or addressed authority. */
  byRegion: Record<string, number>;
  refusals: Refusal[];
  /** Steps not sent because an earlier step of their case was refused. */
  skipped: number;
  /** Events the engine appended by itself: expiries (scheduler) and linked completions (MARK_OPENED). */
  systemEvents: Record<string, number>;
  /** Stages finished after their deadline / in time; stages open past their deadline at `now`. */
  finishedLate: number;
  finishedOnTime: number;
  /** Stages with a deadline that the case's end cancelled before they were done (第十九条: not finished); of those, after their deadline. */
  cancelled: number;
  cancelledLate: number;
  openOverdue: number;
  /** A conditionalApplication with a long history, for the curl example. */
  showcase?: { caseId: string; events: number; title: string; applicant: Actor };
  durationMs: { plan: number; execute: number; total: number };
}

export class DemoRefusedError extends Error {
  override readonly name = 'DemoRefusedError';
}

/** Deletes the store files of `dataDir` (only those); answers the ones that existed. */
export function resetStore(dataDir: string): string[] {
  const deleted: string[] = [];
  for (const name of STORE_FILES) {
    const file = join(dataDir, name);
    if (existsSync(file)) {
      rmSync(file);
      deleted.push(file);
    }
  }
  return deleted;
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const began = elapsedMs();
  const env = { ...(options.env ?? process.env), ...(options.dataDir ? { WORKFLOW_DATA_DIR: options.dataDir } : {}) };
  const config = loadConfig(env);
  const log = options.log ?? (() => {});
  if (options.reset) {
    if (config.store !== 'sqlite') {
      throw new DemoRefusedError(`--reset 只能清空内置 SQLite 事件库；当前 WORKFLOW_STORE=${config.store}，请在 EventStoreDB 中自行清理。`);
    }
    const deleted = resetStore(config.dataDir);
    log(deleted.length > 0 ? `已删除：${deleted.join('、')}` : `数据目录 ${config.dataDir} 中没有事件库文件，无需删除。`);
  }

  const now = options.now ?? systemClock.now();
  const seed = options.seed ?? DEFAULT_SEED;
  const clock = new ManualClock(now);
  makeDataDirectory(config.dataDir);
  const app = await createApp(config, { clock, logger: createLogger({ level: logLevelOf(process.env.LOG_LEVEL) ?? 'warn' }) });
  try {
    const head = await app.store.headPosition();
    if (head > 0) {
      throw new DemoRefusedError(
        `数据目录 ${config.dataDir} 中的事件库已有事件（位置 ${head}），演示数据只能写入空的事件库，以免与已有案件混在一起。\n` +
          `如要清空后重新生成，请运行：npm run demo -- --reset（只删除该目录下的 ${STORE_FILES.join('、')}，开发密钥 dev-jwt-secret 保留）。`,
      );
    }
    return await execute(app, { config, now, seed, cases: options.cases ?? DEFAULT_CASES, progress: options.progress ?? false, began });
  } finally {
    await app.close();
  }
}

async function execute(
  app: App,
  o: { config: Config; now: Date; seed: number; cases: number; progress: boolean; began: number },
): Promise<DemoResult> {
  const clock = app.clock as ManualClock;
  const world = buildWorld(app.directory, o.seed);
  const planBegan = elapsedMs();
  const plan = planDemo(world, { cases: o.cases, seed: o.seed, now: o.now, calendar: app.calendar.current() });
  const planMs = elapsedMs() - planBegan;

  const refusals: Refusal[] = [];
  let skipped = 0;
  let nightlyRuns = 0;
  const executeBegan = elapsedMs();
  const bar = createProgress('正在经引擎写入案件', plan.steps.length, { enabled: o.progress });
  for (const step of plan.steps) {
    clock.set(new Date(step.at));
    bar.tick();
    if (step.kind === 'nightly') {
      await app.scheduler.fireDueTimers();
      nightlyRuns++;
      continue;
    }
    const c = step.plan!;
    if (c.broken || (step.kind === 'command' && !c.caseId)) {
      skipped++;
      continue;
    }
    try {
      if (step.kind === 'start') {
        const result = await app.engine.start({ process: c.process, input: step.data, actor: step.actor! });
        c.caseId = result.caseId;
      } else {
        const data = typeof step.data === 'function' ? (step.data as () => unknown)() : step.data;
        await app.engine.execute({ caseId: c.caseId!, type: step.type!, data, actor: step.actor! });
      }
    } catch (err) {
      if (!(err instanceof EngineError)) throw err;
      c.broken = true;
      refusals.push({
        process: c.process,
        ...(c.caseId ? { caseId: c.caseId } : {}),
        command: step.kind === 'start' ? 'START' : step.type!,
        at: clock.now().toISOString(),
        code: err.code,
        message: err.text.zh,
      });
    }
  }
  // Today: whatever has expired by now expires.
  clock.set(o.now);
  await app.scheduler.fireDueTimers();
  bar.done();
  const executeMs = elapsedMs() - executeBegan;

  const stats = await summarise(app, o.now, plan.cases.map((c) => c.caseId).filter((id): id is string => id !== undefined));
  const applicants = new Map(plan.cases.filter((c) => c.caseId && c.applicant).map((c) => [c.caseId!, c.applicant!.actor]));
  const showcaseApplicant = stats.showcase ? applicants.get(stats.showcase.caseId) : undefined;
  return {
    config: o.config,
    now: o.now,
    seed: o.seed,
    cases: stats.cases,
    events: stats.events,
    steps: plan.steps.length - nightlyRuns,
    nightlyRuns,
    byProcess: stats.byProcess,
    byRegion: stats.byRegion,
    refusals,
    skipped,
    systemEvents: stats.systemEvents,
    finishedLate: stats.finishedLate,
    finishedOnTime: stats.finishedOnTime,
    cancelled: stats.cancelled,
    cancelledLate: stats.cancelledLate,
    openOverdue: stats.openOverdue,
    ...(stats.showcase && showcaseApplicant ? { showcase: { ...stats.showcase, applicant: showcaseApplicant } } : {}),
    durationMs: { plan: planMs, execute: executeMs, total: elapsedMs() - o.began },
  };
}

interface Stats {
  cases: number;
  events: number;
  byProcess: Record<string, Record<string, number>>;
  byRegion: Record<string, number>;
  systemEvents: Record<string, number>;
  finishedLate: number;
  finishedOnTime: number;
  cancelled: number;
  cancelledLate: number;
  openOverdue: number;
  showcase?: { caseId: string; events: number; title: string };
}

/** Reads `$all` once: every case's last state, and every stage's deadline against when it closed. */
export async function summarise(app: App, now: Date, caseIds?: string[]): Promise<Stats> {
  const last = new Map<string, CaseEventMetadata>();
  const counts = new Map<string, number>();
  const due = new Map<string, string>();
  const systemEvents: Record<string, number> = {};
  let events = 0;
  let finishedLate = 0;
  let finishedOnTime = 0;
  let cancelled = 0;
  let cancelledLate = 0;
  for await (const event of app.store.readAll()) {
    const meta = event.metadata as unknown as CaseEventMetadata;
    if (!meta.caseId) continue;
    events++;
    last.set(meta.caseId, meta);
    counts.set(meta.caseId, (counts.get(meta.caseId) ?? 0) + 1);
    if (meta.actor?.sub === SYSTEM_ACTOR.sub) systemEvents[meta.command] = (systemEvents[meta.command] ?? 0) + 1;
    for (const closed of meta.tasksClosed ?? []) {
      const key = `${meta.caseId}\0${closed.stage}`;
      const dueAt = due.get(key);
      if (dueAt !== undefined) {
        const late = Date.parse(closed.completedAt) > Date.parse(dueAt);
        // A stage the case's end cancelled was not done (第十九条): not finished, as the on-time report counts it.
        if (closed.cancelled) {
          cancelled++;
          if (late) cancelledLate++;
        } else if (late) finishedLate++;
        else finishedOnTime++;
      }
      due.delete(key);
    }
    for (const restated of meta.deadlinesRestated ?? []) due.set(`${meta.caseId}\0${restated.stage}`, restated.new.dueAt);
    for (const opened of meta.tasksOpened ?? []) if (opened.dueAt) due.set(`${meta.caseId}\0${opened.stage}`, opened.dueAt);
  }
  const openOverdue = [...due.entries()].filter(([key, dueAt]) => !last.get(key.split('\0')[0]!)?.final && Date.parse(dueAt) < now.getTime()).length;

  const byProcess: Record<string, Record<string, number>> = Object.fromEntries(PROCESSES.map((p) => [p, {}]));
  const byRegion: Record<string, number> = {};
  let showcase: Stats['showcase'];
  for (const caseId of caseIds ?? [...last.keys()]) {
    const meta = last.get(caseId);
    if (!meta) continue;
    const states = (byProcess[meta.process] ??= {});
    states[meta.stateAfter] = (states[meta.stateAfter] ?? 0) + 1;
    const org = meta.parties.providerOrg ? app.directory.get(meta.parties.providerOrg) : undefined;
    const region = meta.parties.region ?? org?.region;
    const city = region ? app.directory.authorityOf(region.endsWith('0000') ? region : `${region.slice(0, 4)}00`)?.name.replace(/大数据局$/, '') : undefined;
    if (city) byRegion[city] = (byRegion[city] ?? 0) + 1;
    const n = counts.get(caseId) ?? 0;
    if (meta.process === ('conditionalApplication' satisfies ProcessName) && (!showcase || n > showcase.events)) {
      showcase = { caseId, events: n, title: meta.summary.title };
    }
  }
  return { cases: last.size, events, byProcess, byRegion, systemEvents, finishedLate, finishedOnTime, cancelled, cancelledLate, openOverdue, ...(showcase ? { showcase } : {}) };
}
