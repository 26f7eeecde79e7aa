import type { Clock } from '../infra/clock.js';
import { CALENDAR_STREAM, CalendarValidationError, FIRST_STATUTORY_YEAR, NOTICE_LOADED, canonicalNotice, makeUpIssues, WorkingDayCalendar, isDayOrInstant, shanghaiDateOf, type ValidationIssue, type YearNotice } from '../calendars/index.js';
import { StreamNotFoundError, WrongExpectedVersionError, type EventStore } from '../eventstore/types.js';
import type { Actor } from '../machines/types.js';
import { Engine, type CaseCommand, type CommandResult, type EngineOptions, type StartCommand } from './engine.js';
import { refuse } from './errors.js';
import { deterministicId } from './ids.js';
import { AppendsUnderWay } from './appendsUnderWay.js';
import { OneAtATime } from '../infra/oneAtATime.js';

/** The stream of holiday notices loaded at run time: the calendar's own history, replayable like a case. */
export { CALENDAR_STREAM, NOTICE_LOADED };

/** A holiday notice's load, as a history names what re-stated a deadline (`CalendarInForce.loadedAs`). */
export interface NoticeLoad {
  year: number;
  notice: string;
  url: string;
  /** When it was loaded (the event's `at`). */
  loadedAt?: string;
}

/**
 * The calendar in force: the shipped notices plus every notice loaded since (PUT /v1/calendar/:year),
 * kept as events so a restart, another node or an auditor sees the same versions in the same order.
 *
 * `current()` is what this node has applied so far. A notice may be loaded on another node (another
 * server on the same data folder, another node on the same EventStoreDB) at any time, so whoever
 * decides with the calendar — a command computing deadlines, a calendar read — first awaits
 * `refresh()` (or reads `fresh()`): one read of this small stream from the last revision applied,
 * which the SQLite store answers without a query while no other connection has written.
 */
export class CalendarInForce {
  #calendar: WorkingDayCalendar;
  /** The revision of the last notice event applied; -1 for none. */
  #revision: number;
  /** Reads of the stream, one at a time (`refresh`). */
  readonly #reads = new OneAtATime(() => this.#readAndApply());
  /** Notices being stored (`settled`). */
  readonly #appends = new AppendsUnderWay();
  /** Stored notices found changed since they were loaded (`altered`). */
  readonly #altered: AlteredNotice[] = [];
  /** The loads that gave each calendar version, in the order applied (`loadedAs`). */
  readonly #loads = new Map<string, NoticeLoad[]>();

  private constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    calendar: WorkingDayCalendar,
    revision: number,
  ) {
    this.#calendar = calendar;
    this.#revision = revision;
  }

  static async open(store: EventStore, clock: Clock, shipped: WorkingDayCalendar): Promise<CalendarInForce> {
    const inForce = new CalendarInForce(store, clock, shipped, -1);
    await inForce.refresh();
    return inForce;
  }

  /** Resolves once every notice this node is storing is answered; answers the last position it stored (`AppendsUnderWay`). */
  settled(): Promise<number> {
    return this.#appends.settled();
  }

  /** The calendar as this node last applied it: await `refresh()` first to include notices other nodes loaded. */
  current(): WorkingDayCalendar {
    return this.#calendar;
  }

  /** The calendar with every notice stored before this call applied. */
  async fresh(): Promise<WorkingDayCalendar> {
    await this.refresh();
    return this.#calendar;
  }

  /**
   * Applies the notices stored since the last one applied (by another node, or by this one).
   * When it resolves, every notice stored before it was called is applied. Calls that overlap share
   * reads: a call made while a read is under way (which may have started before that call) waits
   * for one more read, started after it, shared by all who came meanwhile — so a burst of commands
   * costs at most two reads. Each event is applied once, in revision order, whatever order reads end in.
   */
  refresh(): Promise<void> {
    return this.#reads.run();
  }

  /**
   * Stored notices whose content no longer gives the calendar version they recorded: applied on the
   * calendar they were loaded on (their `previousVersion` is the one before them here), a notice changed
   * in the store after it was loaded gives another version. (One loaded on another build's calendar —
   * a release that shipped other years — cannot be told so, and is not listed.) The server says so at
   * start and in /health; `npm run replay -- --all` fails on it.
   */
  altered(): readonly AlteredNotice[] {
    return this.#altered;
  }

  /**
   * The notice whose load gave a calendar version, as it stood at `at` (a re-statement's time): the last
   * load of that version at or before it — a calendar may come back to a version (A, B, A again), and a
   * corrected text keeps its version — or the first, for a time before them all. QA: the last load of a
   * version was named for every re-statement on it, one of 12-21 dated 12-24. Undefined for a version no
   * load here gave (the shipped calendar's, another build's).
   */
  loadedAs(version: string, at?: string): NoticeLoad | undefined {
    const loads = this.#loads.get(version);
    if (!loads) return undefined;
    if (at === undefined) return loads[loads.length - 1];
    return loads.findLast((l) => l.loadedAt !== undefined && l.loadedAt <= at) ?? loads[0];
  }

  async #readAndApply(): Promise<void> {
    let events;
    try {
      events = await this.store.readStream(CALENDAR_STREAM, { fromRevision: this.#revision + 1 });
    } catch (err) {
      if (err instanceof StreamNotFoundError) return;
      throw err;
    }
    for (const e of events) {
      // A read that started from an earlier revision than is applied now (a load's own refresh ran
      // meanwhile) holds events already applied: applying them again would take the calendar back.
      if (e.revision !== this.#revision + 1) continue;
      const stored = e.data as { notice: YearNotice; calendarVersion?: unknown; previousVersion?: unknown };
      const before = this.#calendar.version;
      try {
        this.#calendar = this.#calendar.withNotice(stored.notice);
      } catch (err) {
        throw new StoredNoticeError(e.revision, e.position, err);
      }
      if (stored.previousVersion === before && typeof stored.calendarVersion === 'string' && stored.calendarVersion !== this.#calendar.version) {
        this.#altered.push({ revision: e.revision, position: e.position, recorded: stored.calendarVersion, recomputed: this.#calendar.version });
      }
      const at = (e.metadata as { at?: unknown } | undefined)?.at;
      const n = this.#calendar.notice(stored.notice.year);
      if (n) {
        const loads = this.#loads.get(this.#calendar.version) ?? [];
        loads.push({ year: n.year, notice: n.notice, url: n.url, ...(typeof at === 'string' ? { loadedAt: at } : {}) });
        this.#loads.set(this.#calendar.version, loads);
      }
      this.#revision = e.revision;
    }
  }

  /**
   * What is wrong with a notice's year and issue date, as an admin loads it. Kept with the notice for
   * good (its event, every audit export), the issue date is the day the State Council issued it — late
   * in the year before the one it arranges, or (an amendment) during that year, and never after today
   * in Asia/Shanghai. So no notice can exist yet for a year after next, issue date given or not (a
   * 2200 notice widened the calendar to 2201 for good, and no route takes a notice back). Nor is a
   * year before 2014 (FIRST_STATUTORY_YEAR): its statutory holidays are not checked, so one day off
   * passed as its notice and the calendar widened back to it. Checked here, on a load, not in the
   * calendar's schema: notices already stored must still load.
   */
  #datingIssues(notice: unknown): ValidationIssue[] {
    const { year, issued } = (notice ?? {}) as { year?: unknown; issued?: unknown };
    // A malformed year is the schema's to name.
    if (typeof year !== 'number' || !Number.isInteger(year)) return [];
    const today = shanghaiDateOf(this.clock.now());
    if (year < FIRST_STATUTORY_YEAR) return [{ path: 'year', message: `${year} 年早于 ${FIRST_STATUTORY_YEAR} 年：无法核对其法定节假日，不能载入` }];
    if (year > Number(today.slice(0, 4)) + 1) {
      return [{ path: 'year', message: `${year} 年的通知尚不可能发布：通知在所安排年度的上一年或当年发布（今天是 ${today}，北京时间）` }];
    }
    // A malformed date is the schema's to name.
    if (typeof issued !== 'string' || !isDayOrInstant(issued) || issued.length !== 10) return [];
    if (issued < `${year - 1}-01-01` || issued > `${year}-12-31`) {
      return [{ path: 'issued', message: `${issued} 不在 ${year - 1}–${year} 年内：通知在所安排年度的上一年或当年发布` }];
    }
    if (issued > today) return [{ path: 'issued', message: `不得晚于当前日期（${today}，北京时间）` }];
    return [];
  }

  /**
   * Loads a year's State Council notice: a new calendar version, recorded as an event. `busy`: the
   * calendar versions a load of the same year is still re-stating (on this server): a notice that
   * would give another is refused while it does, as one stored meanwhile is.
   */
  async load(notice: unknown, actor: Actor, busy: () => readonly string[] = () => []): Promise<WorkingDayCalendar> {
    // The year's notice as this load first found it in force (undefined: none). Another notice for the
    // year stored meanwhile — another admin's, loaded at the same moment — is not replaced unseen: both
    // were stored, one over the other, and both admins were answered with the one stored last (QA).
    let found: { notice: YearNotice | undefined } | undefined;
    for (let attempt = 0; ; attempt++) {
      await this.refresh();
      let next: WorkingDayCalendar;
      // Told together with whatever else is wrong with the notice, as every refusal names each field.
      const datingIssues = this.#datingIssues(notice);
      try {
        next = this.#calendar.withNotice(notice);
      } catch (err) {
        if (err instanceof CalendarValidationError) throw refuse.validation([...datingIssues, ...err.errors]);
        throw err;
      }
      const year = (notice as { year: number }).year;
      const loaded = next.notice(year)!;
      // The notice in force already, word for word: a repeat (or a retry) stores nothing. One whose
      // days are the same but whose text is not (a title, a block's text: a correction) is stored, the
      // calendar's version unchanged (its days decide it); answering it unstored lost the text for good.
      const inForce = this.#calendar.notice(year);
      const repeat = next.version === this.#calendar.version && inForce !== undefined && sameText(inForce, loaded);
      // A notice short of days off (第六条 补假), told with its dates' issues; like them, not the schema's. A
      // repeat of the one in force is not (QA: one an earlier build stored, sent again, was 400, not 200).
      const issues = [...datingIssues, ...(repeat ? [] : makeUpIssues(loaded))];
      if (issues.length > 0) throw refuse.validation(issues);
      if (repeat) return next;
      found ??= { notice: inForce };
      // Another admin's load of the year, still re-stating its cases when this one came (race QA: on one
      // server the first load had stored its notice by then, and this one replaced it unseen, both 200).
      const underWay = busy().some((version) => version !== next.version);
      if (underWay || !sameNotice(inForce, found.notice)) throw refuse.noticeLoadedMeanwhile(year, inForce, this.#revision, underWay);
      const revision = this.#revision;
      try {
        await this.#appends.track(
          this.store.appendToStream(
            CALENDAR_STREAM,
            [
              {
                // One id per transition, not per version: a calendar may come back to an earlier version
                // (A → B → A), and that is a new event. A retry of this very append (same revision, same
                // versions) has the same id, so the store answers it without storing it twice.
                id: deterministicId(`notice:${revision}:${this.#calendar.version}:${next.version}`),
                type: NOTICE_LOADED,
                data: { notice: loaded, calendarVersion: next.version, previousVersion: this.#calendar.version },
                metadata: { actor, at: this.clock.now().toISOString() },
              },
            ],
            { expectedRevision: revision < 0 ? 'no_stream' : revision },
          ),
        );
      } catch (err) {
        if (err instanceof WrongExpectedVersionError && attempt < 3) continue;
        throw err;
      }
      // Applied from the stream, as every other node applies it: the same versions in the same order.
      await this.refresh();
      return this.#calendar;
    }
  }
}

/** A stored holiday notice whose content does not give the calendar version it recorded (`CalendarInForce.altered`). */
export interface AlteredNotice {
  revision: number;
  position: number;
  /** The version the event recorded when it was loaded, and the one its content gives now. */
  recorded: string;
  recomputed: string;
}

/** An altered notice in words, as the server's log and `npm run replay -- --all` tell it. */
export function alteredNoticeText(n: AlteredNotice): string {
  return `事件库中位置 ${n.position} 的节假日安排通知（版本 ${n.revision}）的内容已不是载入时的内容（记录的日历版本 ${n.recorded}，按其内容为 ${n.recomputed}）：存储的内容可能已被改动，其后计算的期限可能不对；请从备份恢复这一事件`;
}

/**
 * A stored holiday notice the calendar cannot take (a statutory holiday removed from it, a malformed
 * day): changed in the store after it was loaded, since a load checks it first. Named by its place
 * in the log: the server does not start on a calendar it cannot build, and said only what was wrong
 * with the notice, not that a stored event was.
 */
export class StoredNoticeError extends Error {
  override readonly name = 'StoredNoticeError';
  constructor(
    readonly revision: number,
    readonly position: number,
    override readonly cause: unknown,
  ) {
    super(`the holiday notice stored at revision ${revision} of ${CALENDAR_STREAM} (position ${position}) cannot be applied: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

/** Whether two notices of one year say the same, annotations (title, blocks) included. */
/** Two notices for a year in force, either none: the same when both are none, or both say the same. */
function sameNotice(a: YearNotice | undefined, b: YearNotice | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && sameText(a, b));
}

function sameText(a: YearNotice, b: YearNotice): boolean {
  const text = (n: YearNotice) => JSON.stringify([canonicalNotice(n), n.title ?? null, n.blocks ?? null]);
  return text(a) === text(b);
}

/**
 * The engine with the calendar in force brought up to date before each decision: a command that
 * opens tasks, and a re-statement, compute their deadlines with every notice stored before they
 * began — whichever node loaded it. Refreshing only applies notices: re-stating open provisional
 * tasks is the duty of the node that loaded the notice (PUT /v1/calendar/:year), whose events every
 * node then reads with the case; a scheduler's timer pass finishes what a load killed part-way left
 * (`Engine.awaitsRestatement`), with the load's event ids, so nothing is re-stated twice.
 */
export class CalendarAwareEngine extends Engine {
  readonly #inForce: CalendarInForce;

  constructor(inForce: CalendarInForce, options: Omit<EngineOptions, 'calendar'>) {
    super({ ...options, calendar: () => inForce.current() });
    this.#inForce = inForce;
  }

  override async start(cmd: StartCommand): Promise<CommandResult> {
    await this.#inForce.refresh();
    return super.start(cmd);
  }

  override async execute(cmd: CaseCommand): Promise<CommandResult> {
    await this.#inForce.refresh();
    return super.execute(cmd);
  }

  override async restateDeadlines(caseId: string): Promise<CommandResult | undefined> {
    await this.#inForce.refresh();
    return super.restateDeadlines(caseId);
  }
}
