import type { Clock } from '../infra/clock.js';
import { CalendarValidationError, WorkingDayCalendar, type YearNotice } from '../calendars/index.js';
import { StreamNotFoundError, WrongExpectedVersionError, type EventStore } from '../eventstore/types.js';
import type { Actor } from '../machines/types.js';
import { refuse } from './errors.js';
import { deterministicId } from './ids.js';

/** The stream of holiday notices loaded at run time: the calendar's own history, replayable like a case. */
export const CALENDAR_STREAM = 'calendar-notices';
export const NOTICE_LOADED = 'HolidayNoticeLoaded';

/**
 * The calendar in force: the shipped notices plus every notice loaded since (PUT /v1/calendar/:year),
 * kept as events so a restart, another node or an auditor sees the same versions in the same order.
 */
export class CalendarInForce {
  #calendar: WorkingDayCalendar;
  #revision: number;

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

  current(): WorkingDayCalendar {
    return this.#calendar;
  }

  /** Applies notices another node loaded. */
  async refresh(): Promise<void> {
    let events;
    try {
      events = await this.store.readStream(CALENDAR_STREAM, { fromRevision: this.#revision + 1 });
    } catch (err) {
      if (err instanceof StreamNotFoundError) return;
      throw err;
    }
    for (const e of events) {
      this.#calendar = this.#calendar.withNotice((e.data as { notice: YearNotice }).notice);
      this.#revision = e.revision;
    }
  }

  /** Loads a year's State Council notice: a new calendar version, recorded as an event. */
  async load(notice: unknown, actor: Actor): Promise<WorkingDayCalendar> {
    for (let attempt = 0; ; attempt++) {
      await this.refresh();
      let next: WorkingDayCalendar;
      try {
        next = this.#calendar.withNotice(notice);
      } catch (err) {
        if (err instanceof CalendarValidationError) throw refuse.validation(err.errors);
        throw err;
      }
      // The notice in force already: a repeat (or a retry) stores nothing.
      if (next.version === this.#calendar.version) return next;
      const loaded = next.notices.find((n) => n.year === (notice as { year: number }).year)!;
      try {
        await this.store.appendToStream(
          CALENDAR_STREAM,
          [
            {
              // One id per transition, not per version: a calendar may come back to an earlier version
              // (A → B → A), and that is a new event. A retry of this very append (same revision, same
              // versions) has the same id, so the store answers it without storing it twice.
              id: deterministicId(`notice:${this.#revision}:${this.#calendar.version}:${next.version}`),
              type: NOTICE_LOADED,
              data: { notice: loaded, calendarVersion: next.version, previousVersion: this.#calendar.version },
              metadata: { actor, at: this.clock.now().toISOString() },
            },
          ],
          { expectedRevision: this.#revision < 0 ? 'no_stream' : this.#revision },
        );
      } catch (err) {
        if (err instanceof WrongExpectedVersionError && attempt < 3) continue;
        throw err;
      }
      await this.refresh();
      return this.#calendar;
    }
  }
}
