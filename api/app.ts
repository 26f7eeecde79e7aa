import type { Config } from '../infra/config.js';
import { developmentSecret, esdbHosts } from '../infra/config.js';
import { elapsedMs, systemClock, ManualClock, type Clock } from '../infra/clock.js';
import { createLogger, type Logger } from '../infra/logger.js';
import { nextTurn } from '../infra/turn.js';
import { defaultCalendar, DEFAULT_DEADLINE_RULES, makeUpIssues } from '../calendars/index.js';
import { Directory } from '../directory/directory.js';
import { openStore } from '../eventstore/open.js';
import { StoreUnreachableError, UnreadableEventError, type EventStore } from '../eventstore/types.js';
import { registry as defaultRegistry, type ProcessRegistry } from '../machines/registry.js';
import { Engine } from '../engine/engine.js';
import { alteredNoticeText, CalendarAwareEngine, CalendarInForce } from '../engine/calendarInForce.js';
import { Scheduler } from '../engine/scheduler.js';
import { openReadModels, openRecordedCaseList, ReadModelsAheadOfLog, ReadModelsOfAnotherVersion, UnreadableEventSkipped, type ReadModels, type ReadModelsOptions, type RebuildPhase } from '../projections/index.js';
import { createVerifier, type Caller, type Verifier } from './auth.js';
import { canSee, seesEveryCase } from '../directory/visibility.js';
import { storeDamage, storeFailure } from './problem.js';

/** Everything a running API holds: built once from configuration (the composition root). */
export interface App {
  config: Config;
  clock: Clock;
  /** Set when WORKFLOW_TEST_CLOCK=1: PUT /v1/test/clock moves it. */
  testClock?: ManualClock;
  logger: Logger;
  store: EventStore;
  directory: Directory;
  registry: ProcessRegistry;
  calendar: CalendarInForce;
  engine: Engine;
  scheduler: Scheduler;
  readModels: ReadModels;
  verifier: Verifier;
  /** The HS256 secret, when tokens are signed locally. */
  secret?: string;
  /** The last failure of the store to write (a full disk, a read-only folder) since the last append that succeeded: `/health` tells it. */
  storeTrouble: { reason: string; since: string } | undefined;
  /**
   * When the store's file was first found damaged (SQLite: a malformed page, or no database at all), by a
   * request or a timer pass: an append elsewhere in the file does not mend it, so `/health` tells it until
   * a restart (`storeDamaged`).
   */
  storeDamaged?: { reason: 'storeDamaged'; since: string };
  /**
   * When the SQLite store's background checkpointer stopped (`stoppedSince`; absent while it runs, and
   * with any other store): it is not started again until the server is, and `/health` and `/metrics` tell it.
   */
  checkpointer: { stoppedSince?: string };
  /** How a diagram laid out in turns (GET /v1/processes/:name/diagram) gives the event loop one: a `setImmediate`. */
  diagramTurn: () => Promise<void>;
  /**
   * 机构改革: hands on the open tasks the directory now names other organisations for
   * (`ReadModels.casesWithTasksToHandOn`, Scheduler `reassignTasks`), once the read models have read
   * the log as far as it went when called: behind EventStoreDB they follow it, and a case they had not
   * read yet was left until the next start. Resolves with how many tasks moved (0 when closed first).
   */
  handOnTasks(): Promise<number>;
  close(): Promise<void>;
}

/** What `/health` and `/metrics` tell of the store: a failure that lasts until a restart first (the store knows it before any request meets it), else the last failure to write. */
export function storeTroubleOf(app: App): { reason: string; since: string } | undefined {
  return app.store.trouble ?? app.storeDamaged ?? app.storeTrouble;
}

/**
 * Whether `caller` may see a case, by the parties the read models recorded for it: a case the engine
 * cannot fold, or one linked to what the caller reads (`awaiting`, `awaitedBy`), which is named only to
 * those who may see it (API.md "Identity").
 */
export function mayKnowOf(app: App, caller: Caller, caseId: string): boolean {
  const row = app.readModels.case(caseId);
  // A case the case list has no row of — its start skipped by the read models, changed in the store — is known to
  // whoever may see every case of the province, as the audit export's lines of no known case are (QA-E: after a
  // rebuild such a case was 404 to the admin and the provincial auditor, where verify and its history name it).
  return row ? canSee(app.directory, caller, row.parties) : seesEveryCase(app.directory, caller);
}

/**
 * The cases a case waits on (`awaiting`) and that wait on it (`awaitedBy`), as the case view and its inbox
 * items carry them: only those `caller` may see (`mayKnowOf`), and a list left out when none is left.
 */
export function visibleWaits<A extends { caseId: string }, B extends { caseId: string }>(
  app: App,
  caller: Caller,
  waits: { awaiting?: readonly A[] | undefined; awaitedBy?: readonly B[] | undefined },
): { awaiting?: A[]; awaitedBy?: B[] } {
  const awaiting = waits.awaiting?.filter((w) => mayKnowOf(app, caller, w.caseId)) ?? [];
  const awaitedBy = waits.awaitedBy?.filter((w) => mayKnowOf(app, caller, w.caseId)) ?? [];
  return { ...(awaiting.length > 0 ? { awaiting } : {}), ...(awaitedBy.length > 0 ? { awaitedBy } : {}) };
}

/**
 * Notes a failure to write that lasts until a command is stored again (a full disk, a read-only
 * folder), whoever met it: a request, or the timer pass when no request writes (a quiet night). A
 * busy store is another process's long write: it passes, and is not noted.
 */
export function noteStoreFailure(app: App, err: unknown): void {
  const failure = storeFailure(err);
  if (failure && failure !== 'storeBusy') app.storeTrouble = { reason: failure, since: app.storeTrouble?.since ?? app.clock.now().toISOString() };
  noteStoreDamage(app, err);
}

/**
 * Notes the store's file found damaged, whatever met it — a read too (a report, an export, a timer
 * pass reading due timers): operators' QA started a server on a copy with one page overwritten, and
 * `/health` said `ok` while every timer pass logged "database disk image is malformed".
 */
export function noteStoreDamage(app: App, err: unknown): void {
  if (storeDamage(err)) app.storeDamaged ??= { reason: 'storeDamaged', since: app.clock.now().toISOString() };
}

export interface AppOverrides {
  clock?: Clock;
  store?: EventStore;
  registry?: ProcessRegistry;
  logger?: Logger;
  /** How reports made in turns give the event loop one, and how often (projections `ReadModelsOptions.turns`): tests count, hold or shorten them. */
  reportTurns?: ReadModelsOptions['turns'];
  /** How a diagram laid out in turns gives the event loop one (default `nextTurn`): tests count or hold them. */
  diagramTurn?: () => Promise<void>;
  /** The read models (default: every one, at this build's versions): tests give an older build's. */
  projections?: ReadModelsOptions['projections'];
  /** How often the read models' catch-up at start, or a rebuild taken over, is logged (default STARTUP_PROGRESS_EVERY_MS): tests log every step. */
  startupProgressEveryMs?: number;
}

/** How often a long catch-up of the read models at start is logged. */
const STARTUP_PROGRESS_EVERY_MS = 5_000;

/**
 * The embedded store's commit delay under a steady stream of commands (`SqliteEventStoreOptions.commitDelay`).
 * Two servers, one with it and one without, loaded in turn with bench:api's commands, 900/s evenly paced,
 * eight rounds of 5 s each: the server's CPU (all its threads) 0.69–0.89 ms a command, 0.83 on average,
 * against 0.80–1.05 and 0.96; their peaks alike (2,464 and 2,663 commands/s against 2,655 and 2,611); the
 * median answer 3.4–4.1 ms against 1.8–2.3 ms. A stall (a full collection, the host) leaves a backlog,
 * which only the thread's spare time drains.
 */
const COMMIT_DELAY_MS = 2;
/** How long `handOnTasks` waits for the read models at a time before it looks whether the server is stopping. */
const HAND_ON_WAIT_SLICE_MS = 500;

const PHASE_TEXT: Record<RebuildPhase, string> = { fold: '重放事件', copy: '写入重建结果（数据表）', index: '创建查询索引' };

/**
 * Read-model progress in the log, a line at most every `everyMs` from now, in `words` (the phase's name,
 * then its figures): the start-up catch-up's and a taken-over rebuild's. `told`: whether a line was written.
 */
function progressLog(logger: Logger, everyMs: number, words: (phase: string, figures: string) => string) {
  const began = elapsedMs();
  let last = began;
  let told = false;
  return {
    progress(done: number, total: number, phase: RebuildPhase = 'fold'): void {
      const now = elapsedMs();
      if (now - last < everyMs) return;
      last = now;
      told = true;
      const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
      logger.info({ phase, done, total }, words(PHASE_TEXT[phase], `${done} / ${total}（${percent}%）`));
    },
    told: () => told,
    seconds: () => Math.round((elapsedMs() - began) / 1000),
  };
}

/**
 * The read models' catch-up at start, in the log: a rebuild (a read model of a new version, or one
 * found ahead of the log) or a long catch-up takes minutes on a big store, during which the server
 * said nothing before 工作流服务已启动. A line every `everyMs` of it, and one at its end; nothing
 * when the read models were current (the first step already at the head).
 */
function startupProgress(logger: Logger, everyMs: number): { progress: NonNullable<ReadModelsOptions['onProgress']>; done(): void } {
  const log = progressLog(logger, everyMs, (phase, figures) => `正在准备读模型（${phase}）：${figures}，完成后开始接受请求`);
  let idle: boolean | undefined;
  return {
    progress: (done, total, phase = 'fold') => {
      idle ??= phase === 'fold' && done >= total;
      if (!idle) log.progress(done, total, phase);
    },
    done: () => {
      if (log.told()) logger.info({ seconds: log.seconds() }, `读模型已就绪，用时 ${log.seconds()} 秒`);
    },
  };
}

/**
 * A rebuild another process left unfinished (`npm run rebuild` killed mid-way), which the server takes
 * over while it serves: said when it begins, every `everyMs` of it, and at its end. Before, the server
 * finished such a rebuild (30 s at 400,000 events) without a line in its log: only /health, /metrics and
 * the 503s told it (progress QA). A failure is told by `onError` (readModelsLog); the next read or
 * append tries again.
 */
function takeOverLog(logger: Logger, everyMs: number): NonNullable<ReadModelsOptions['onTakeOver']> {
  return (names, resumeFrom) => {
    const how = resumeFrom === undefined ? '从头重建' : `从其停下的位置 ${resumeFrom} 接着重建`;
    logger.warn({ readModels: names, ...(resumeFrom === undefined ? {} : { resumeFrom }) }, `读模型 ${names.join('、')} 的重建上次未完成（进行重建的进程已退出），本服务现${how}：完成前，待办、案件列表、报表和审计导出答复 503`);
    const log = progressLog(logger, everyMs, (phase, figures) => `正在重建读模型（${phase}）：${figures}`);
    return {
      progress: log.progress,
      done: (failure) => {
        if (failure === undefined) logger.info({ readModels: names, seconds: log.seconds() }, `读模型重建已完成，用时 ${log.seconds()} 秒`);
      },
    };
  };
}

/** Skipped events' positions a server remembers having told (`readModelsLog`); past them, each fold's is told. */
const SKIPPED_TOLD_MAX = 10_000;

/**
 * What the read models tell the log. A stored event they skip (it cannot be parsed) is told in the
 * read models' words (UnreadableEventSkipped: Chinese, naming the event), once; read models ahead of the log
 * (an older backup of it restored under them) in one line, and rebuilt from 0; anything else is a fold
 * or subscription failure, retried after a delay that grows while it fails. An EventStoreDB that
 * cannot be reached is told without a stack, naming its hosts, what to check and when it is tried
 * again (at most every 30 s while it stays down), and its return once.
 */
export function readModelsLog(logger: Logger, store: string): Pick<ReadModelsOptions, 'onError' | 'onRetry' | 'onRecovered'> {
  const where = store === 'sqlite' ? '事件库' : `EventStoreDB（${esdbHosts(store)}）`;
  // Each fold that passes a skipped event tells it (the start's catch-up folds the log in passes): QA-D found
  // three lines for one event at a restart. Said once a position while the server runs (the first 10,000).
  const toldSkipped = new Set<number>();
  return {
    onError: (err) => {
      if (err instanceof ReadModelsAheadOfLog) logger.warn({ readModels: err.readModels, head: err.head }, err.message);
      // An upgrade (or a rollback): expected, and worth one line.
      else if (err instanceof ReadModelsOfAnotherVersion) logger.info({ readModels: err.readModels }, err.message);
      else if (err instanceof UnreadableEventError) {
        if (toldSkipped.has(err.event.position)) return;
        if (toldSkipped.size < SKIPPED_TOLD_MAX) toldSkipped.add(err.event.position);
        logger.warn({ err, event: err.event }, UnreadableEventSkipped.of(err).message);
      }
      // Told by onRetry, which follows.
      else if (!(err instanceof StoreUnreachableError)) logger.error({ err }, '读模型订阅出错，正在重试');
    },
    onRetry: (err, { failures, delayMs }) => {
      if (!(err instanceof StoreUnreachableError)) return;
      const seconds = Math.ceil(delayMs / 1000);
      logger.error(
        { failures, retryInSeconds: seconds, cause: (err.cause as Error | undefined)?.message ?? err.message },
        `无法连接 ${where}：读模型暂停更新（待办、案件列表和报表停留在连接中断时），${seconds} 秒后第 ${failures} 次重试；请确认它已启动、可以访问，并检查 WORKFLOW_STORE`,
      );
    },
    onRecovered: (failures, lastFailure) =>
      logger.info(
        { failures },
        lastFailure instanceof StoreUnreachableError
          ? `已重新连接 ${where}：读模型恢复更新（此前连续失败 ${failures} 次）`
          : `读模型订阅已恢复（此前连续失败 ${failures} 次）`,
      ),
  };
}

/**
 * What the identity set-up leaves open, said once at start (security QA: a production server took a
 * JWKS over plain http, and tokens any application of the platform was issued, without a word; a
 * secret set beside a JWKS URL was ignored silently). Warnings, not refusals: an intranet JWKS behind
 * a trusted network is a deployment's choice.
 */
function warnOfIdentitySetUp(config: Config, logger: Logger): void {
  if (!config.jwksUrl) return;
  if (config.jwtSecret) logger.warn('同时配置了 WORKFLOW_JWKS_URL 与 WORKFLOW_JWT_SECRET：令牌只按身份提供方的 JWKS 校验，WORKFLOW_JWT_SECRET 不被使用');
  if (!config.production) return;
  const url = new URL(config.jwksUrl);
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    logger.warn({ jwksUrl: config.jwksUrl }, 'WORKFLOW_JWKS_URL 使用明文 http：能篡改这条链路的人可以换上自己的公钥并签发任何令牌（含 admin），请改用 https');
  }
  if (config.jwtAudience === undefined && config.jwtIssuer === undefined) {
    logger.warn('未配置 WORKFLOW_JWT_AUDIENCE 或 WORKFLOW_JWT_ISSUER：同一身份平台为其他应用签发的令牌也会被接受，请至少配置其一');
  }
}

/** A host name or address of this machine's loopback (127.0.0.0/8, ::1, localhost). */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** A configuration the server refuses to start with: `npm start` prints its message, not a stack. */
export class StartupRefusal extends Error {
  override readonly name = 'StartupRefusal';
}

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  if (config.production && !config.jwtSecret && !config.jwksUrl) {
    throw new StartupRefusal('生产环境必须配置 WORKFLOW_JWT_SECRET（令牌密钥）或 WORKFLOW_JWKS_URL（身份提供方 JWKS 的网址）');
  }
  if (config.production && config.testClock) {
    // An admin could otherwise move a production clock forward and end every agreement's use at once.
    throw new StartupRefusal('生产环境不得开启测试时钟，请去掉 WORKFLOW_TEST_CLOCK=1');
  }
  // With WORKFLOW_TEST_CLOCK=1 the clock stands still until PUT /v1/test/clock moves it.
  const testClock = config.testClock
    ? overrides.clock instanceof ManualClock
      ? overrides.clock
      : new ManualClock(systemClock.now())
    : undefined;
  const clock = testClock ?? overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger();
  const checkpointer: App['checkpointer'] = {};
  const store =
    overrides.store ??
    (await openStore({
      store: config.store,
      dataDir: config.dataDir,
      synchronous: config.sqliteSynchronous,
      now: () => clock.now(),
      // Nothing is lost, but commits stall now and then from here on: said once, for the operator, and
      // kept for /health and /metrics, where an alert sees it (a log line scrolls away).
      onCheckpointerFailed: (err) => {
        checkpointer.stoppedSince ??= clock.now().toISOString();
        logger.warn({ err }, '事件库的后台检查点线程已停止：改由 SQLite 在提交时自行检查点，此后提交偶有停顿，数据不受影响；重启服务可恢复');
      },
      commitDelay: { ms: COMMIT_DELAY_MS, elapsedMs },
    }));
  if (testClock && testClock !== overrides.clock) await notBeforeStored(testClock, store, logger);
  const directory = Directory.load(config.orgsPath);
  const registry = overrides.registry ?? defaultRegistry;
  const calendar = await CalendarInForce.open(store, clock, defaultCalendar());
  for (const notice of calendar.altered()) {
    logger.error({ notice }, alteredNoticeText(notice));
  }
  // A notice in force an earlier build took short of its 补假 days (第六条; a load refuses one now): its deadlines
  // count days off as working days until a corrected notice is loaded (QA: nothing said so).
  for (const notice of calendar.current().notices) {
    for (const issue of makeUpIssues(notice)) {
      logger.warn({ year: notice.year, notice: notice.notice }, `现行的 ${notice.year} 年节假日安排通知（${notice.notice}）放假日不足：${issue.message}；请载入更正后的通知（PUT /v1/calendar/${notice.year}）`);
    }
  }
  // Deadlines are computed with every notice stored, whichever node loaded it.
  // Made below, after the engine: the case list tells the engine the process of a case a newer build started.
  const made: { caseList?: ReadModels } = {};
  const engine = caseEngine(calendar, { store, registry, directory, clock, logger }, (caseId) => made.caseList?.case(caseId)?.process);
  // Inline on the embedded store (a command's read-model rows commit with its event), else behind a subscription.
  const progressEveryMs = overrides.startupProgressEveryMs ?? STARTUP_PROGRESS_EVERY_MS;
  const startup = startupProgress(logger, progressEveryMs);
  const readModels = await openReadModels({
    store,
    dataDir: config.dataDir,
    directory,
    registry,
    calendar: () => calendar.current(),
    ...(overrides.reportTurns ? { turns: overrides.reportTurns } : {}),
    ...(overrides.projections ? { projections: overrides.projections } : {}),
    ...readModelsLog(logger, config.store),
    onProgress: startup.progress,
    onTakeOver: takeOverLog(logger, progressEveryMs),
  });
  startup.done();
  made.caseList = readModels;
  const noted: { app?: App } = {};
  const closing = { now: false };
  const scheduler = new Scheduler({ engine, store, clock, logger, onFailure: (err) => noted.app && noteStoreFailure(noted.app, err) });
  scheduler.followLinks();
  const secret = config.jwksUrl ? undefined : (config.jwtSecret ?? developmentSecret(config.dataDir));
  warnOfIdentitySetUp(config, logger);
  const verifier = createVerifier({ ...(secret ? { secret } : {}), ...(config.jwksUrl ? { jwksUrl: config.jwksUrl } : {}), audience: config.jwtAudience, issuer: config.jwtIssuer, directory, setUpHints: !config.production });
  const app: App = {
    config,
    clock,
    ...(testClock ? { testClock } : {}),
    logger,
    store,
    directory,
    registry,
    calendar,
    engine,
    scheduler,
    readModels,
    verifier,
    ...(secret ? { secret } : {}),
    storeTrouble: undefined,
    checkpointer,
    diagramTurn: overrides.diagramTurn ?? nextTurn,
    async handOnTasks() {
      const head = await store.headPosition();
      // In slices, so that a stop meanwhile is not held up by the wait.
      while (!closing.now && !(await readModels.waitFor(head, HAND_ON_WAIT_SLICE_MS)));
      return closing.now ? 0 : scheduler.reassignTasks(readModels.casesWithTasksToHandOn());
    },
    async close() {
      closing.now = true;
      // A timer pass or a re-statement under way ends after the case it is on, before the store closes under it.
      await scheduler.halt();
      await readModels.close();
      await store.close();
    },
  };
  noted.app = app;
  // A command stored again: the store writes.
  engine.onAppended(() => {
    app.storeTrouble = undefined;
  });
  return app;
}

/**
 * The engine over a store: deadlines by the calendar in force, and the process of a case no process
 * here has (a newer build's) from the case list, `recordedProcess`.
 */
function caseEngine(
  calendar: CalendarInForce,
  parts: Pick<App, 'store' | 'registry' | 'directory' | 'clock' | 'logger'>,
  recordedProcess: (caseId: string) => string | undefined,
): Engine {
  return new CalendarAwareEngine(calendar, {
    ...parts,
    deadlines: DEFAULT_DEADLINE_RULES,
    recordedProcess: (caseId) => {
      try {
        return recordedProcess(caseId);
      } catch (err) {
        // Asked only for a case no process here has: a case list it cannot read answers "no such case", as before.
        parts.logger.warn({ err, caseId }, '无法从案件列表读取案件所属的流程');
        return undefined;
      }
    },
  });
}

/** What reading and verifying cases takes: an App has it, and so has a `ReplayApp`. */
export type CaseReading = Pick<App, 'store' | 'directory' | 'registry' | 'calendar' | 'engine'> & {
  /** How far the case list recorded each case: verify names events cut off a stream's end. */
  readModels: Pick<ReadModels, 'caseEnd'>;
};

/** What `npm run replay` reads a data folder with (`openForReplay`): an App's reading parts, and nothing that writes. */
export type ReplayApp = CaseReading & Pick<App, 'config' | 'clock' | 'logger'> & {
  /** Whether the folder holds a case list this build reads: without one, events cut off a stream's end cannot be told. */
  caseListRead: boolean;
  close(): Promise<void>;
};

/**
 * Opens a data folder to read and verify its cases and nothing else: the embedded store read-only
 * (its file keeps every byte: a copy handed to compliance, on a read-only disk or not, stays as it
 * was handed over), the case list as the folder holds it (not caught up, rebuilt or upgraded), no
 * timers, no signing secret. `createApp` would write: read models brought up to this build, a
 * secret made, the file put in WAL mode.
 */
export async function openForReplay(config: Config, overrides: Pick<AppOverrides, 'logger' | 'registry'> = {}): Promise<ReplayApp> {
  const clock = systemClock;
  const logger = overrides.logger ?? createLogger();
  const store = await openStore({ store: config.store, dataDir: config.dataDir, now: () => clock.now(), readonly: true });
  try {
    const directory = Directory.load(config.orgsPath);
    const registry = overrides.registry ?? defaultRegistry;
    const calendar = await CalendarInForce.open(store, clock, defaultCalendar());
    const recorded = openRecordedCaseList(store, config.dataDir);
    const engine = caseEngine(calendar, { store, registry, directory, clock, logger }, (caseId) => recorded?.process(caseId));
    return {
      config,
      clock,
      logger,
      store,
      directory,
      registry,
      calendar,
      engine,
      readModels: { caseEnd: (caseId) => recorded?.caseEnd(caseId) },
      caseListRead: recorded !== undefined,
      async close() {
        recorded?.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/**
 * A test clock this server starts (WORKFLOW_TEST_CLOCK=1, at the system's time) starts no earlier
 * than the last event stored: PUT /v1/test/clock only moves forward, and a restart after it had moved
 * the clock ahead (a demo a year on) otherwise took it back, so that events were stored, and timers
 * judged, before the ones already there — a history no real clock could have written.
 */
async function notBeforeStored(clock: ManualClock, store: EventStore, logger: Logger): Promise<void> {
  let last: number | undefined;
  try {
    for await (const event of store.readAll({ direction: 'backwards', maxCount: 1 })) {
      const at = (event.metadata as { at?: unknown }).at;
      last = Date.parse(typeof at === 'string' ? at : event.created);
    }
  } catch (err) {
    // A last event that cannot be read (UnreadableEventError) is reported where it is read for its case.
    logger.warn({ err }, '无法读取最后一个已存储事件的时间，测试时钟从系统时间起走');
    return;
  }
  if (last === undefined || Number.isNaN(last) || last <= clock.now().getTime()) return;
  const stored = new Date(last).toISOString();
  logger.warn({ clock: clock.now().toISOString(), lastStored: stored }, `测试时钟从已存储的最后一个事件的时间 ${stored} 起走：系统时间早于它，测试时钟只能向前拨`);
  clock.set(stored);
}
