import type { Clock } from '../infra/clock.js';
import type { Logger } from '../infra/logger.js';
import { StoreUnreachableError, type EventStore, type RecordedEvent } from '../eventstore/types.js';
import { Engine, SYSTEM_ACTOR } from './engine.js';
import { EngineError } from './errors.js';
import { REASSIGN_TASKS, RESTATE_DEADLINES, type CaseEventMetadata, type Task } from './events.js';
import type { CaseState } from './fold.js';
import { deterministicId } from './ids.js';
import { WorkIndex, type Waiter } from './workIndex.js';
import { OneAtATime } from '../infra/oneAtATime.js';
import { elapsedMs } from '../infra/clock.js';

/** How often a long timer pass says how far it has come (a midnight burst of thousands of uses ending: minutes). */
const TIMER_PASS_PROGRESS_EVERY_MS = 5_000;

/**
 * The engine's own duties, driven from the event log and the clock (ARCHITECTURE.md "Timers"):
 * fire due timers, complete cases waiting on a linked case, re-state provisional deadlines.
 * Every event it appends has a deterministic id, so two schedulers or a restart never act twice.
 */
export class Scheduler {
  readonly index: WorkIndex;
  readonly #engine: Engine;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #onFailure: ((err: unknown) => void) | undefined;
  #stopLinks: (() => void) | undefined;
  /** Why each case waited on could not be read, as last logged: a damaged stream fails alike every pass, told again only once it reads or fails otherwise. */
  readonly #unreadableLinked = new Map<string, string>();
  /** Why each case's re-statement failed, as last logged (`#apart`'s `told`). */
  readonly #unrestated = new Map<string, string>();
  /** Notice loads re-stating on this server now by year and calendar version (`restateDeadlines`): the same notice loaded again joins its own. */
  readonly #restating = new Map<string, Promise<number>>();
  /**
   * How far each load re-stating on this server has come: cases checked of the cases to check
   * (`restatementProgress`). While it holds any, a timer pass leaves their cases to them.
   */
  readonly #progress = new Set<{ done: number; total: number }>();
  /** Passes of `fireDueTimers`, one at a time. */
  readonly #passes = new OneAtATime(() => this.#tracked(this.#fireDue()));
  /** How far the timer pass under way has come: due timers handled of those due when it began (`timerPassProgress`). */
  #passProgress: { done: number; total: number } | undefined;
  /** How far the hand-on of tasks under way has come: cases handled of those to hand on (`handOnProgress`). */
  #handOnProgress: { done: number; total: number } | undefined;
  readonly #progressEveryMs: number;
  /** Set by `halt` (the server stopping): passes and re-statements end between one case and the next, and none starts. */
  #halted = false;
  /** Timer passes and re-statements under way, which `halt` waits for. */
  readonly #underWay = new Set<Promise<unknown>>();

  /**
   * `onFailure` is told of every duty that failed (besides the log): the server's `/health` and
   * `/metrics` say when it was the store that could not write, since no request may meet it.
   */
  constructor(options: {
    engine: Engine;
    store: EventStore;
    clock: Clock;
    logger?: Logger;
    onFailure?: (err: unknown) => void;
    /** How often a long timer pass logs how far it has come (default 5 s). */
    progressEveryMs?: number;
  }) {
    this.#engine = options.engine;
    this.#progressEveryMs = options.progressEveryMs ?? TIMER_PASS_PROGRESS_EVERY_MS;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#onFailure = options.onFailure;
    this.index = new WorkIndex(options.store, options.engine.registry, (err) =>
      this.#logger?.error({ err, streamId: err.event.streamId, revision: err.event.revision, position: err.event.position }, '事件无法读取（存储内容已损坏），已跳过；其他案件照常处理，请用 verify 核查该案件'),
    );
  }

  /**
   * Completes waiting cases as soon as the case they wait on moves (第十五条: opened once published),
   * and lends the engine the index's idempotency keys (`Engine.useKeyIndex`), which it now keeps current.
   */
  followLinks(): void {
    this.#stopLinks ??= this.#engine.onAppended((event) => this.#onAppended(event));
    this.#engine.useKeyIndex(this.index);
  }

  stop(): void {
    this.#stopLinks?.();
    this.#stopLinks = undefined;
  }

  /**
   * The server stopping: the timer pass and any re-statement under way end after the case they are
   * working on, and none starts after; resolves once none is under way, so that the store can be
   * closed. A midnight burst took minutes (20,000 uses ending on one day: 74 s), and the stop waited
   * for all of it, past docker stop's 10 s; a pass the stop did not wait for (a test-clock PUT's) had
   * the store closed under it, an error for every case left. What is left is fired by the next start's
   * pass (the same event ids: each once).
   */
  async halt(): Promise<void> {
    this.#halted = true;
    this.index.halt();
    this.stop();
    while (this.#underWay.size > 0) await Promise.allSettled([...this.#underWay]);
  }

  /** `work`, counted as under way (`halt` waits for it) until it ends. */
  #tracked<T>(work: Promise<T>): Promise<T> {
    this.#underWay.add(work);
    void work.then(
      () => this.#underWay.delete(work),
      () => this.#underWay.delete(work),
    );
    return work;
  }

  /**
   * How far the timer pass under way has come: due timers handled (fired, found done, or failed) of
   * those due when it began; undefined when none is under way. /metrics shows it, as it shows a notice's re-statement.
   */
  timerPassProgress(): { done: number; total: number } | undefined {
    return this.#passProgress && { ...this.#passProgress };
  }

  /**
   * Sends every system command whose time has come, and completes waiting cases whose linked
   * case has already moved (on another node, or before a restart); returns how many events were stored.
   *
   * One pass at a time: a call made while a pass is under way (the interval's tick during a long
   * pass after an outage, a test-clock move) gets the pass started after it ends, shared by every
   * call that came meanwhile — so it sees what that pass stored and the time it was asked at, and
   * no command is worked out twice. (Two at once stored nothing twice, fixed event ids saw to that,
   * but each read, folded and tried to append every due case again.)
   */
  fireDueTimers(): Promise<number> {
    return this.#passes.run();
  }

  async #fireDue(): Promise<number> {
    if (this.#halted) return 0;
    await this.index.catchUp();
    if (this.#halted) {
      // Stopped while the start-up still read the log into the index: what it holds so far is not what is due.
      if (!this.index.loaded) this.#logger?.warn({ position: this.index.position }, `服务停止，启动时读取事件日志已中断（已读至位置 ${this.index.position}）：下次启动时重新读取，到期的系统指令在其后的定时检查中触发`);
      return 0;
    }
    let fired = await this.#fireTimers();
    // A notice stored by a load that died before it had re-stated every case (SIGKILL, a power cut):
    // the rest are re-stated here, as the load would have (same event ids: a load still under way
    // on another node stores each once). Not while a load re-states on this server: it re-states every
    // case the pass would, and the cases the pass took were missing from the count the admin is answered.
    let restatedLeft = 0;
    for (const caseId of this.index.casesWithTask((task) => this.#engine.awaitsRestatement(task))) {
      if (this.#progress.size > 0 || this.#halted) break;
      if (await this.#restateCase(caseId, '案件的期限未能按已载入的节假日安排重新核定，其他案件照常处理，下次定时检查时重试', true, this.#unrestated)) restatedLeft++;
    }
    // Named apart from the system commands it fires: an operator reading the log after a restart sees the load finished.
    if (restatedLeft > 0) this.#logger?.info({ restated: restatedLeft }, `已按已载入的节假日安排补做 ${restatedLeft} 个案件的期限重新核定（此前的载入未做完，如服务在核定中途停止）`);
    fired += restatedLeft;
    const toLearn = new Set(this.index.linkedToLearn());
    for (const linkedId of this.#unreadableLinked.keys()) if (!toLearn.has(linkedId)) this.#unreadableLinked.delete(linkedId);
    for (const linkedId of toLearn) {
      if (this.#halted) break;
      await this.#apart(linkedId, 'readLinkedCase', async () => {
        this.index.learn(linkedId, await this.#engine.getCase(linkedId));
        this.#unreadableLinked.delete(linkedId);
        return false;
      }, '等待中的案件所关联的案件无法读取，等待它的案件暂不能办结，其他案件照常处理，下次定时检查时重试', true, this.#unreadableLinked);
    }
    let linked = 0;
    for (const { linkedId, waiter } of this.index.readyWaiters()) {
      if (this.#halted) break;
      if (await this.#apart(waiter.caseId, waiter.command, () => this.#completeLink(waiter, linkedId))) linked++;
    }
    if (linked > 0) this.#logger?.info({ linked }, `已补办 ${linked} 个等待关联案件的系统指令（关联案件已到达所等待的状态）`);
    return fired + linked;
  }

  /**
   * The system commands whose time has come, earliest first. A midnight burst (year-end agreements:
   * thousands of uses ending at once) takes minutes, so the pass says how far it has come every few
   * seconds (and `timerPassProgress`, for /metrics), and how many it fired at its end — whichever
   * started it: the minute's tick, the start-up, a test-clock PUT. Halted (the server stopping), it
   * ends after the case under way and says how many are left for the next start.
   */
  async #fireTimers(): Promise<number> {
    const due = this.index.dueTimers(this.#clock.now());
    if (due.length === 0) return 0;
    const progress = { done: 0, total: due.length };
    this.#passProgress = progress;
    let fired = 0;
    let failed = 0;
    let told = false;
    let last = elapsedMs();
    try {
      for (const { caseId, timer } of due) {
        if (this.#halted) break;
        // Tasks it opens are entered when the timer fell due, however late this pass runs.
        const stored = await this.#apart(caseId, timer.command, () => this.#system(caseId, timer.command, {}, timer.eventId, undefined, timer.dueAt), undefined, true, undefined, () => failed++);
        if (stored) fired++;
        progress.done++;
        if (progress.done < due.length && elapsedMs() - last >= this.#progressEveryMs) {
          last = elapsedMs();
          told = true;
          const percent = Math.floor((progress.done / due.length) * 100);
          this.#logger?.info({ done: progress.done, due: due.length, fired }, `正在触发到期的系统指令：已处理 ${progress.done}/${due.length} 个（${percent}%），已触发 ${fired} 个`);
        }
      }
    } catch (err) {
      // The store gone part-way (its caller says so, once): what this pass did before stands, and is told
      // here, since its progress lines named it and the caller's line says only that the pass failed.
      if (err instanceof StoreUnreachableError && progress.done > 0) {
        const left = due.length - progress.done;
        this.#logger?.warn({ fired, left, due: due.length, failed }, `存储无法访问，到期系统指令的触发已中断：已触发 ${fired} 个，尚有 ${left} 个到期未触发，下次定时检查时重试`);
      }
      throw err;
    } finally {
      this.#passProgress = undefined;
    }
    const left = due.length - progress.done;
    if (left > 0) {
      this.#logger?.warn({ fired, left, due: due.length }, `服务停止，到期系统指令的触发已中断：已触发 ${fired} 个，尚有 ${left} 个到期未触发，将在服务再次启动后的定时检查中触发`);
    } else if (fired > 0 || told) {
      // Those not fired here: stored first by another server on the same store, or by a command on the
      // case (a timer whose time has come is fired before any command is decided), or no longer applying; or failed (each logged).
      const before = due.length - fired - failed;
      const notes = [`共 ${due.length} 个到期`, ...(before > 0 ? [`${before} 个已由其他服务器或案件上的指令先行触发，或已不适用`] : []), ...(failed > 0 ? [`${failed} 个失败，下次定时检查时重试`] : [])];
      this.#logger?.info({ fired, due: due.length, failed }, `已触发 ${fired} 个到期的系统指令（${notes.join('，')}）`);
    }
    return fired;
  }

  /**
   * One case's duty, kept apart from the others': if it fails, the failure is logged with the case
   * and the command (`failed` says what was not done and when it is tried again), and the other
   * cases' duties go on. With `told`, a failure for the same reason as the one last logged for the case is not logged again.
   */
  async #apart(
    caseId: string,
    command: string,
    duty: () => Promise<boolean>,
    failed = '案件的系统指令执行失败，其他案件照常处理，下次定时检查时重试',
    /** A timer pass stops at a store that cannot be reached; a re-statement (answered to the admin who loaded a notice) goes on counting. */
    stopsWhenUnreachable = true,
    told?: Map<string, string>,
    /** Told when the duty failed (a pass counts its failures). */
    onFailed?: () => void,
  ): Promise<boolean> {
    try {
      return await duty();
    } catch (err) {
      // A store that cannot be reached fails every other case's duty too: the pass stops here and
      // its caller tells that once (the next pass retries), not a line and a stack per due case.
      if (stopsWhenUnreachable && err instanceof StoreUnreachableError) throw err;
      onFailed?.();
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      if (told?.get(caseId) === reason) {
        this.#logger?.debug({ caseId, command, reason }, `${failed}（原因与上次相同，已记录过）`);
      } else {
        told?.set(caseId, reason);
        this.#logger?.error({ err, caseId, command }, failed);
      }
      this.#onFailure?.(err);
      return false;
    }
  }

  /**
   * Re-states one case's deadlines apart from the others (`#apart`): true when it stored a
   * re-statement — or, when it stored none, when `doneBeside` says another server did (a load's count).
   */
  #restateCase(caseId: string, failed: string, stopsWhenUnreachable: boolean, told?: Map<string, string>, doneBeside?: () => Promise<boolean>): Promise<boolean> {
    return this.#apart(
      caseId,
      RESTATE_DEADLINES,
      async () => {
        const result = await this.#engine.restateDeadlines(caseId);
        if (result !== undefined && !result.replayed) return true;
        return doneBeside ? doneBeside() : false;
      },
      failed,
      stopsWhenUnreachable,
      told,
    );
  }

  /**
   * Whether a case the load found nothing left to re-state in was re-stated to the load's calendar
   * meanwhile by another server on the same store (its timer pass, with the same event ids: this load's
   * append replayed, or it found the case done): a task open when the load began now carries the
   * calendar version, which only a re-statement gives a task. It is this notice's re-statement, and
   * the admin's count named only the cases this server got to first (5 of 40, the rest by the other).
   */
  #restatedBeside(now: CaseState, before: readonly Task[], calendarVersion: string): boolean {
    return now.tasks.some(
      (task) => task.calendarVersion === calendarVersion && before.some((was) => was.stage === task.stage && was.enteredAt === task.enteredAt && was.calendarVersion !== calendarVersion),
    );
  }

  /**
   * After a notice for `year` is loaded: re-states the deadlines it changes (engine.ts
   * `restateDeadlines`: every provisional one, and official ones it moved). Each case apart: one
   * that cannot be read or re-stated is logged and left, and every other case is re-stated all the
   * same; loading the same notice again re-states what was left.
   */
  restateDeadlines(year: number, calendarVersion?: string): Promise<number> {
    // The same notice loaded again while its load is still re-stating (the admin's client gave up on a
    // long load and the admin retried): the retry walked the same cases beside it, each re-stated twice,
    // and both answered a share. It joins the re-statement under way and answers its count. A notice
    // that changed the calendar again (another version) gets its own: cases done before it need it too.
    const key = calendarVersion === undefined ? undefined : `${year}:${calendarVersion}`;
    const underWay = key === undefined ? undefined : this.#restating.get(key);
    if (underWay) return underWay;
    // Counted in #progress from here (synchronously, before its first await) to its end.
    const run = this.#tracked(
      this.#restate(year, calendarVersion).finally(() => {
        if (key !== undefined && this.#restating.get(key) === run) this.#restating.delete(key);
      }),
    );
    if (key !== undefined) this.#restating.set(key, run);
    return run;
  }

  /** The calendar versions a notice load for `year` is re-stating on this server now (`restateDeadlines`). */
  restatingFor(year: number): string[] {
    return [...this.#restating.keys()].filter((key) => key.startsWith(`${year}:`)).map((key) => key.slice(`${year}:`.length));
  }

  /**
   * How far the notice loads re-stating on this server have come, together: cases checked of the
   * cases to check (undefined when none is under way). /metrics shows it, as it shows a rebuild's.
   */
  restatementProgress(): { done: number; total: number } | undefined {
    if (this.#progress.size === 0) return undefined;
    let done = 0;
    let total = 0;
    for (const p of this.#progress) {
      done += p.done;
      total += p.total;
    }
    return { done, total };
  }

  async #restate(year: number, calendarVersion: string | undefined): Promise<number> {
    const progress = { done: 0, total: 0 };
    this.#progress.add(progress);
    try {
      return await this.#restateTracked(year, calendarVersion, progress);
    } finally {
      this.#progress.delete(progress);
    }
  }

  async #restateTracked(year: number, calendarVersion: string | undefined, progress: { done: number; total: number }): Promise<number> {
    if (this.#halted) {
      // A load answered after the stop began (its connection cut, its handler still running): the store is closing, as for a pass.
      this.#logger?.warn({ year }, `服务停止，按 ${year} 年节假日安排重新核定期限未开始：在服务再次启动后由定时检查补做；更正通知改动的正式期限需再次载入该通知`);
      return 0;
    }
    await this.index.catchUp();
    let restated = 0;
    // Tens of thousands of open cases take minutes, with the admin's request unanswered meanwhile:
    // the log says how many, and how far it has come at every tenth of them; /metrics, how far now.
    const caseIds = this.index.casesToRestate(year);
    progress.total = caseIds.length;
    // Each case's tasks as they stood when the load began: one another server re-states meanwhile is
    // told apart by them (`#restatedBeside`).
    const before = new Map(caseIds.map((caseId) => [caseId, this.index.tasksOf(caseId)]));
    const tenth = Math.max(1, Math.ceil(caseIds.length / 10));
    this.#logger?.info({ year, cases: caseIds.length }, `开始按新载入的 ${year} 年节假日安排核对 ${caseIds.length} 个未办结案件的期限`);
    for (const caseId of caseIds) {
      if (this.#halted) {
        // The server stopping (its requests answered or cut off): the store closes next. The timer pass of the next start re-states the rest.
        this.#logger?.warn(
          { year, checked: progress.done, cases: caseIds.length, restated },
          `服务停止，按 ${year} 年节假日安排重新核定期限已中断：已核对 ${progress.done}/${caseIds.length} 个案件，其余的在服务再次启动后由定时检查补做；更正通知改动的正式期限需再次载入该通知`,
        );
        return restated;
      }
      const doneBeside = calendarVersion === undefined ? undefined : async () => this.#restatedBeside(await this.#engine.getCase(caseId), before.get(caseId) ?? [], calendarVersion);
      if (await this.#restateCase(caseId, '案件的期限未能按新载入的节假日安排重新核定，其他案件照常处理；再次载入同一通知即可重试', false, undefined, doneBeside)) restated++;
      // Counted as checked the moment it is: /metrics reads it.
      const checked = ++progress.done;
      if (checked % tenth === 0 && checked < caseIds.length) {
        this.#logger?.info({ year, checked, cases: caseIds.length, restated }, `核对 ${year} 年节假日安排涉及的案件期限：已核对 ${checked}/${caseIds.length} 个，其中重新核定 ${restated} 个`);
      }
    }
    this.#logger?.info({ year, cases: caseIds.length, restated }, `已按 ${year} 年节假日安排核对 ${caseIds.length} 个案件的期限，重新核定 ${restated} 个`);
    return restated;
  }

  /**
   * 机构改革 (the directory this server started with): hands the open tasks of `caseIds` open to
   * organisations other than those the directory names now to those (engine.ts `reassignTasks`),
   * each case apart, saying how far it has come every few seconds. Returns how many tasks it handed
   * on. Halted (the server stopping), it ends after the case under way; the next start finds the
   * rest again (and, with the same event ids, hands nothing on twice).
   */
  reassignTasks(caseIds: readonly string[]): Promise<number> {
    return this.#tracked(this.#reassign(caseIds));
  }

  /** How far the hand-on under way has come: cases handled of those to hand on; undefined when none is under way. /metrics shows it. */
  handOnProgress(): { done: number; total: number } | undefined {
    return this.#handOnProgress && { ...this.#handOnProgress };
  }

  async #reassign(caseIds: readonly string[]): Promise<number> {
    if (caseIds.length === 0) return 0;
    const progress = { done: 0, total: caseIds.length };
    this.#handOnProgress = progress;
    try {
      return await this.#reassignTracked(caseIds, progress);
    } finally {
      if (this.#handOnProgress === progress) this.#handOnProgress = undefined;
    }
  }

  async #reassignTracked(caseIds: readonly string[], progress: { done: number; total: number }): Promise<number> {
    let moved = 0;
    let failed = 0;
    let last = elapsedMs();
    this.#logger?.info({ cases: caseIds.length }, `开始按当前机构目录重新分派 ${caseIds.length} 个案件的待办（其承办机构与目录现在所定的不符）`);
    for (const caseId of caseIds) {
      if (this.#halted) {
        this.#logger?.warn({ done: progress.done, cases: caseIds.length, moved }, `服务停止，按机构目录重新分派待办已中断：已处理 ${progress.done}/${caseIds.length} 个案件，转办 ${moved} 项待办，其余的在服务再次启动时继续`);
        return moved;
      }
      await this.#apart(
        caseId,
        REASSIGN_TASKS,
        async () => {
          const result = await this.#engine.reassignTasks(caseId);
          const tasks = result && !result.replayed ? ((result.event.metadata as unknown as CaseEventMetadata).tasksReassigned?.length ?? 0) : 0;
          moved += tasks;
          return tasks > 0;
        },
        '案件的待办未能按当前机构目录重新分派，其他案件照常处理，下次启动时重试',
        // A store out of reach fails every case alike: the hand-on stops, and the start says so once.
        true,
        undefined,
        () => failed++,
      );
      const done = ++progress.done;
      if (done < caseIds.length && elapsedMs() - last >= this.#progressEveryMs) {
        last = elapsedMs();
        this.#logger?.info({ done, cases: caseIds.length, moved }, `正在按机构目录重新分派待办：已处理 ${done}/${caseIds.length} 个案件，转办 ${moved} 项待办`);
      }
    }
    const notes = failed > 0 ? `；${failed} 个案件失败，下次启动时重试` : '';
    this.#logger?.info({ cases: caseIds.length, moved, failed }, `已按当前机构目录将 ${moved} 项待办转给有权办理的机构（涉及 ${caseIds.length} 个案件${notes}），原承办机构和转办时间记入各案件的历史`);
    return moved;
  }

  async #onAppended(event: RecordedEvent): Promise<void> {
    // The server starting on a long log: a command is answered without waiting for the index to catch
    // up (its event is read after), except one that may complete a link. Left to the next timer pass,
    // that link was lost for good when the linked case moved on meanwhile (a release published, then
    // withdrawn: readyWaiters sees only the state it is in now, and MARK_OPENED the release's state now).
    if (this.index.catchingUp && this.#mayCompleteLinks(event)) await this.index.catchUp();
    else await this.index.observe(event);
    await this.#completeLinks(event);
  }

  /** Whether `event` moved its case to a state some command waits for (CommandSpec.link). */
  #mayCompleteLinks(event: RecordedEvent): boolean {
    const meta = event.metadata as unknown as CaseEventMetadata;
    if (!meta.machine || meta.stateBefore === meta.stateAfter) return false;
    return this.#engine.registry
      .list()
      .some((def) => Object.values(def.commands).some((spec) => spec.link?.process === meta.machine.name && spec.link.completesOn === meta.stateAfter));
  }

  /** Completes the cases waiting for the case `event` moved, if it moved to the state they wait for. */
  async #completeLinks(event: RecordedEvent): Promise<void> {
    const meta = event.metadata as unknown as CaseEventMetadata;
    if (meta.stateBefore === meta.stateAfter) return;
    for (const waiter of this.index.waitersOn(meta.caseId)) {
      if (waiter.completesOn !== meta.stateAfter) continue;
      try {
        await this.#completeLink(waiter, meta.caseId, event.id);
      } catch (err) {
        // The command that moved the linked case is stored and answered; the next timer pass retries the link.
        this.#logger?.error({ err, caseId: waiter.caseId, linkedId: meta.caseId, correlationId: meta.correlationId }, '关联案件未能自动办结，将在下次定时检查时重试');
        this.#onFailure?.(err);
      }
    }
  }

  /** The same id from every path (live, late, another node), so a link completes once. */
  #completeLink(waiter: Waiter, linkedId: string, causationId?: string): Promise<boolean> {
    const eventId = deterministicId(`link:${waiter.caseId}:${linkedId}:${waiter.completesOn}`);
    return this.#system(waiter.caseId, waiter.command, waiter.data, eventId, causationId);
  }

  /** Sends a system command; a case that has moved on in the meantime is not an error. True when this call stored the event. */
  async #system(caseId: string, type: string, data: unknown, eventId: string, causationId?: string, effectiveAt?: string): Promise<boolean> {
    try {
      const result = await this.#engine.execute({
        caseId,
        type,
        data,
        actor: SYSTEM_ACTOR,
        eventId,
        ...(causationId ? { causationId } : {}),
        ...(effectiveAt ? { effectiveAt } : {}),
      });
      return !result.replayed;
    } catch (err) {
      if (err instanceof EngineError && (err.code === 'INVALID_TRANSITION' || err.code === 'REVISION_CONFLICT')) {
        this.#logger?.debug({ caseId, type, code: err.code }, '系统指令已不适用（案件已变化），未执行');
        return false;
      }
      throw err;
    }
  }
}
