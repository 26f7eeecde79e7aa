/**
 * Two nodes on one event log (two servers on one data folder; two SQLite connections to one file):
 * a holiday notice loaded on one node is in force on the other for its next deadline and its next
 * calendar read, without a restart — the same case gets the same legal deadline whichever node
 * takes the command. Refreshing is cheap and safe when calls overlap, and re-stating open
 * provisional tasks stays the loading node's duty (it happens once, cluster-wide).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultCalendar, DEFAULT_DEADLINE_RULES, WorkingDayCalendar } from '../../calendars/index.js';
import { Directory } from '../../directory/directory.js';
import { CALENDAR_STREAM, CalendarAwareEngine, CalendarInForce } from '../../engine/calendarInForce.js';
import { DEADLINES_RESTATED } from '../../engine/events.js';
import { Scheduler } from '../../engine/scheduler.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import type { EventStore, ReadStreamOptions, RecordedEvent } from '../../eventstore/types.js';
import { ManualClock } from '../../infra/clock.js';
import { registry } from '../../machines/registry.js';
import { testNotice2027 as notice2027 } from '../calendars/notice2027.js';
import { startInputs } from '../machines/examples.js';
import { endOfDay, given, historyOf, stored, when, type World } from './world.js';

const admin = { sub: 'u-sddsj-admin', name: '平台管理员', role: 'admin', org: '370000-dsj' } as const;
const tenAm = (date: string) => `${date}T02:00:00.000Z`;
const directory = Directory.load();
/** The 2027 notice with 春节 one day shorter: another version of the year. */
const corrected = {
  ...notice2027,
  notice: `${notice2027.notice}（更正）`,
  holidays: notice2027.holidays.filter((d) => d !== '2027-02-13'),
  blocks: notice2027.blocks.map((b) => ({ ...b, holidays: b.holidays.filter((d) => d !== '2027-02-13') })),
};

/** A store whose reads of the calendar stream wait until the test lets them go, and are counted. */
class GatedStore implements EventStore {
  readonly kind = 'sqlite';
  calendarReads = 0;
  #gate: Promise<void> | undefined;
  #open: (() => void) | undefined;

  constructor(private readonly inner: SqliteEventStore) {}

  hold(): void {
    this.#gate = new Promise((resolve) => (this.#open = resolve));
  }

  release(): void {
    this.#gate = undefined;
    this.#open?.();
  }

  async readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    if (stream !== CALENDAR_STREAM) return this.inner.readStream(stream, options);
    this.calendarReads++;
    // The read happens now; its answer arrives when the gate opens.
    const answer = this.inner.readStream(stream, options).then(
      (events) => ({ events }),
      (error: unknown) => ({ error }),
    );
    await this.#gate;
    const settled = await answer;
    if ('error' in settled) throw settled.error;
    return settled.events;
  }

  appendToStream: EventStore['appendToStream'] = (s, e, o) => this.inner.appendToStream(s, e, o);
  readAll: EventStore['readAll'] = (o) => this.inner.readAll(o);
  subscribeToAll: EventStore['subscribeToAll'] = (o) => this.inner.subscribeToAll(o);
  headPosition: EventStore['headPosition'] = () => this.inner.headPosition();
  close: EventStore['close'] = () => this.inner.close();
}

/** A node as api/app.ts composes it — its own connection to the shared file — with the calendar-aware engine. */
async function node(path: string, clock: ManualClock): Promise<World & { gated: GatedStore }> {
  const store = new SqliteEventStore({ path, now: () => clock.now() });
  const gated = new GatedStore(store);
  const calendar = await CalendarInForce.open(gated, clock, defaultCalendar());
  const engine = new CalendarAwareEngine(calendar, { store, registry, directory, clock, deadlines: DEFAULT_DEADLINE_RULES });
  const scheduler = new Scheduler({ engine, store, clock });
  scheduler.followLinks();
  return {
    clock,
    store,
    gated,
    registry,
    calendar,
    deadlines: DEFAULT_DEADLINE_RULES,
    engine,
    scheduler,
    async close() {
      scheduler.stop();
      await store.close();
    },
  };
}

let dir: string;
let clock: ManualClock;
let a: Awaited<ReturnType<typeof node>>;
let b: Awaited<ReturnType<typeof node>>;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'engine-calendar-nodes-'));
  clock = new ManualClock(tenAm('2026-12-24'));
  a = await node(join(dir, 'events.db'), clock);
  b = await node(join(dir, 'events.db'), clock);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await a.close();
  await b.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a notice loaded on node A is in force on node B at once', () => {
  it('given both nodes provisional for 2027, when A loads the notice, then B’s next deadline (5 working days from 2027-02-08) and calendar read use it: 2027-02-19, official, A’s calendarVersion', async () => {
    // Provisional (春节 02-05..02-08, 补假 02-09, 02-10): 02-11, 02-12, 02-15, 02-16, 02-17.
    expect((await b.calendar.fresh()).deadline('2027-02-08', 5)).toMatchObject({ dueDate: '2027-02-17', provisional: true });

    const loaded = await a.calendar.load(notice2027, admin);

    // The notice (02-05..02-13 off): 02-15, 02-16, 02-17, 02-18, 02-19 — what A answers.
    expect(a.calendar.current().deadline('2027-02-08', 5)).toMatchObject({ dueDate: '2027-02-19', provisional: false, calendarVersion: loaded.version });
    const onB = await b.calendar.fresh();
    expect(onB.deadline('2027-02-08', 5)).toEqual(a.calendar.current().deadline('2027-02-08', 5));
    expect(onB.yearInfo(2027)).toMatchObject({ status: 'official', calendarVersion: loaded.version });
  });

  it('given A loaded the notice, when a case is started on B (no idempotency key), then its task’s deadline is official, with A’s calendarVersion', async () => {
    clock.set(tenAm('2027-02-08'));
    const loaded = await a.calendar.load(notice2027, admin);

    const c = await given(b, 'objection');

    // 10 working days with the notice: 02-15 … 02-19 (5), Sat 02-20 worked (6), 02-22 … 02-25 (10).
    expect(c.tasks[0]).toMatchObject({ dueDate: '2027-02-25', dueAt: endOfDay('2027-02-25'), provisional: false, calendarVersion: loaded.version });
    expect(b.calendar.current().version).toBe(loaded.version);
  });

  it('given a case on B with a provisional task, when A loads the notice and re-states, then B’s next command opens its task on the notice, and B re-states nothing again', async () => {
    clock.set(tenAm('2027-01-25'));
    // 附录7: a use period not over on the day of the request.
    const c = await given(b, 'unopenedDataRequest', [], { input: { ...startInputs.unopenedDataRequest, usePeriod: { from: '2027-02-01', to: '2027-12-31' } } });
    expect(c.tasks[0]).toMatchObject({ stage: 'normativeReview', provisional: true });

    const loaded = await a.calendar.load(notice2027, admin);
    expect(await a.scheduler.restateDeadlines(2027)).toBe(1);
    const head = await b.store.headPosition();

    clock.set(tenAm('2027-02-08'));
    const result = await when(b, c.caseId, 'PASS_NORMATIVE_REVIEW');
    // 15 working days from Mon 02-08 with the notice: 02-15 … 02-19 (5), 02-20 (6), 02-22 … 02-26 (11), 03-01 … 03-04 (15).
    expect(result.event.metadata).toMatchObject({
      calendarVersion: loaded.version,
      tasksOpened: [{ stage: 'feasibilityReview', dueDate: '2027-03-04', provisional: false, calendarVersion: loaded.version }],
    });
    // B applied the notice without appending anything of its own but the command; its re-statement pass finds nothing left.
    expect(await b.store.headPosition()).toBe(head + 1);
    expect(await b.scheduler.restateDeadlines(2027)).toBe(0);
    expect((await historyOf(b, c)).filter((e) => e.type === DEADLINES_RESTATED)).toHaveLength(1);
  });

  it('given a notice loaded on A, when B re-states a provisional task (as after its own load), then it re-states against A’s notice too', async () => {
    clock.set(tenAm('2027-01-25'));
    const c = await given(a, 'objection');
    const loaded = await a.calendar.load(notice2027, admin);

    const restated = await b.engine.restateDeadlines(c.caseId);

    expect(restated?.event.data).toEqual({ calendarVersion: loaded.version });
    // And A, re-stating after its load as PUT /v1/calendar does, finds it done: one re-statement cluster-wide.
    expect(await a.scheduler.restateDeadlines(2027)).toBe(0);
    expect((await historyOf(a, c)).filter((e) => e.type === DEADLINES_RESTATED)).toHaveLength(1);
  });
});

describe('refreshing when calls overlap', () => {
  it('given a notice stored, when five refreshes overlap one read under way, then two reads serve them all and the notice is applied once', async () => {
    await a.calendar.load(notice2027, admin);
    const applied = vi.spyOn(WorkingDayCalendar.prototype, 'withNotice');
    b.gated.calendarReads = 0;

    b.gated.hold();
    const first = b.calendar.refresh();
    const more = [1, 2, 3, 4].map(() => b.calendar.refresh());
    b.gated.release();
    await Promise.all([first, ...more]);

    expect(b.gated.calendarReads).toBe(2);
    expect(applied).toHaveBeenCalledTimes(1);
    expect(b.calendar.current().version).toBe(a.calendar.current().version);
  });

  it('given a refresh under way that began before a notice was stored, when it ends, then a refresh called after the notice was stored still sees it', async () => {
    b.gated.hold();
    const early = b.calendar.refresh();
    const loaded = await a.calendar.load(notice2027, admin);
    const late = b.calendar.refresh();
    b.gated.release();
    await early;
    await late;
    expect(b.calendar.current().version).toBe(loaded.version);
  });

  it('given two different notices for one year loaded on both nodes at once, racing with refreshes, when all end, then one is stored and the other refused (409, naming the one in force), not stored over it unseen; both nodes hold the stored one', async () => {
    // Before, both were stored, the second over the first, and both admins were answered with the
    // second's year: the first admin was never told its notice had been replaced at once (QA).
    const [, first, second] = await Promise.allSettled([
      b.calendar.refresh(),
      a.calendar.load(notice2027, admin),
      b.calendar.load(corrected, admin),
      b.calendar.refresh(),
      a.calendar.refresh(),
    ]);

    const notices = (await stored(a, CALENDAR_STREAM)).map((e) => e.data as { calendarVersion: string; notice: { notice: string } });
    expect(notices).toHaveLength(1);
    const [won, lost] = first.status === 'fulfilled' ? [first, second] : [second, first];
    expect(won).toMatchObject({ status: 'fulfilled', value: { version: notices[0]!.calendarVersion } });
    expect(lost).toMatchObject({ status: 'rejected', reason: { code: 'REVISION_CONFLICT', details: { year: 2027 } } });
    expect((lost as PromiseRejectedResult).reason.text.zh).toContain(`载入期间已有另一份 2027 年节假日安排通知载入（${notices[0]!.notice.notice}），本通知未载入`);
    expect((await a.calendar.fresh()).version).toBe(notices[0]!.calendarVersion);
    expect((await b.calendar.fresh()).version).toBe(notices[0]!.calendarVersion);
  });

  it('given a notice whose cases are still being re-stated on this node, when another notice for the year is loaded, then it is refused (409, saying the first is re-stating), and the same notice again is answered as stored', async () => {
    // On one server the first load has stored its notice long before its re-statement ends (race QA:
    // the second replaced it unseen, both answered 200, one case left on the first's calendar).
    const first = await a.calendar.load(notice2027, admin);
    const restating = () => [first.version];
    const refused = await a.calendar.load(corrected, admin, restating).catch((err: unknown) => err);
    expect(refused).toMatchObject({ code: 'REVISION_CONFLICT', details: { year: 2027 } });
    expect((refused as { text: { zh: string } }).text.zh).toContain(`另一份 2027 年节假日安排通知（${notice2027.notice}）刚刚载入，正在重新确定案件期限，本通知未载入`);
    expect((await a.calendar.load(notice2027, admin, restating)).version).toBe(first.version);
    expect(await stored(a, CALENDAR_STREAM)).toHaveLength(1);
    // Once it is done, a correction is taken.
    expect((await a.calendar.load(corrected, admin, () => [])).version).not.toBe(first.version);
  });

  it('given the same notice loaded on both nodes at once, when both end, then it is stored once and both are answered with it', async () => {
    const [onA, onB] = await Promise.all([a.calendar.load(notice2027, admin), b.calendar.load(notice2027, admin)]);
    const notices = await stored(a, CALENDAR_STREAM);
    expect(notices).toHaveLength(1);
    expect([onA.version, onB.version]).toEqual([(notices[0]!.data as { calendarVersion: string }).calendarVersion, onA.version]);
  });

  it('given a notice in force, when another for the year is loaded after it (not at once), then it is stored over it: a correction replaces the notice it saw', async () => {
    await a.calendar.load(notice2027, admin);
    const replaced = await b.calendar.load(corrected, admin);
    expect((await stored(a, CALENDAR_STREAM)).map((e) => (e.data as { notice: { notice: string } }).notice.notice)).toEqual([notice2027.notice, corrected.notice]);
    expect((await a.calendar.fresh()).version).toBe(replaced.version);
  });
});
