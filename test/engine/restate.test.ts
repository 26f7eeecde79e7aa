/**
 * Provisional deadlines re-stated when a year's notice is loaded (PROCESSES.md "Deadlines"): a
 * deadline reaching a year without a notice is computed from the statutory holidays and marked
 * provisional; loading the notice appends one DeadlinesRestated per case, old and new side by
 * side, and never rewrites the event that opened the task.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CALENDAR_STREAM, NOTICE_LOADED } from '../../engine/calendarInForce.js';
import { DEADLINES_RESTATED } from '../../engine/events.js';
import { Scheduler } from '../../engine/scheduler.js';
import { actors, startInputs } from '../machines/examples.js';
import { testNotice2027 as notice2027 } from '../calendars/notice2027.js';
import { createWorld, endOfDay, given, historyOf, meta, refused, when, type World } from './world.js';


const admin = { sub: 'u-sddsj-admin', name: '平台管理员', role: 'admin', org: '370000-dsj' } as const;
const tenAm = (date: string) => `${date}T02:00:00.000Z`;

let dir: string;
let w: World;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'engine-restate-'));
  w = await createWorld({ path: join(dir, 'events.db'), at: tenAm('2026-12-24') });
});
afterEach(async () => {
  await w.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a task opened on Thu 2026-12-24 with 10 working days', () => {
  it('given the shipped notices (to 2026), when an objection is raised on 2026-12-24, then its deadline reaches 2027 and is provisional: Fri 2027-01-08', async () => {
    // Statutory 2027 only: 12-25 (1), 12-28 (2), 12-29 (3), 12-30 (4), 12-31 (5), 2027-01-01 元旦 off, 01-04 (6),
    // 01-05 (7), 01-06 (8), 01-07 (9), 01-08 (10).
    const c = await given(w, 'objection');
    expect(c.tasks[0]).toMatchObject({ stage: 'handling', dueDate: '2027-01-08', dueAt: endOfDay('2027-01-08'), provisional: true });
  });

  it('given that provisional task, when the 2027 notice is loaded and provisional deadlines re-stated, then one DeadlinesRestated with old and new side by side, and the task is official', async () => {
    const c = await given(w, 'objection');
    const opened = c.tasks[0]!;
    const before = w.calendar.current().version;

    w.clock.set(tenAm('2026-12-28'));
    const loaded = await w.calendar.load(notice2027, admin);
    expect(loaded.version).not.toBe(before);
    expect(await w.scheduler.restateDeadlines(2027)).toBe(1);

    const history = await historyOf(w, c);
    expect(history.map((e) => e.type)).toEqual(['ObjectionRaised', DEADLINES_RESTATED]);
    const restated = history[1]!;
    expect(restated.data).toEqual({ calendarVersion: loaded.version });
    // With the notice: 元旦 01-01..01-03 (a Friday and a weekend): still 01-08, now official.
    expect(meta(restated)).toMatchObject({
      command: 'RESTATE_DEADLINES',
      actor: { role: 'system' },
      at: tenAm('2026-12-28'),
      stateBefore: 'handling',
      stateAfter: 'handling',
      calendarVersion: loaded.version,
      tasksOpened: [],
      tasksClosed: [],
      deadlinesRestated: [
        {
          stage: 'handling',
          old: { dueAt: endOfDay('2027-01-08'), dueDate: '2027-01-08', provisional: true, calendarVersion: before },
          new: { dueAt: endOfDay('2027-01-08'), dueDate: '2027-01-08', provisional: false, calendarVersion: loaded.version },
        },
      ],
    });
    const now = await w.engine.getCase(c.caseId);
    expect(now.tasks).toEqual([{ ...opened, provisional: false, calendarVersion: loaded.version }]);
    // History is never rewritten: the opening event still says what was known then.
    expect(meta(history[0]!).tasksOpened[0]).toMatchObject({ provisional: true, calendarVersion: before });
    expect((await w.engine.verify(c.caseId)).ok).toBe(true);
  });

  it('given deadlines already re-stated, when re-stating runs again, then nothing is appended', async () => {
    const c = await given(w, 'objection');
    await w.calendar.load(notice2027, admin);
    expect(await w.scheduler.restateDeadlines(2027)).toBe(1);
    const head = await w.store.headPosition();
    expect(await w.scheduler.restateDeadlines(2027)).toBe(0);
    expect(await w.engine.restateDeadlines(c.caseId)).toBeUndefined();
    expect(await w.store.headPosition()).toBe(head);
  });

  it('given the notice loaded, when two schedulers re-state at once, then one DeadlinesRestated is stored', async () => {
    const c = await given(w, 'objection');
    await w.calendar.load(notice2027, admin);
    const second = new Scheduler({ engine: w.engine, store: w.store, clock: w.clock });
    const restated = await Promise.all([w.scheduler.restateDeadlines(2027), second.restateDeadlines(2027)]);
    expect(restated[0]! + restated[1]!).toBe(1);
    expect((await historyOf(w, c)).filter((e) => e.type === DEADLINES_RESTATED)).toHaveLength(1);
  });

  it('given the same notice loaded twice, then the calendar has one version and re-stating still appends one event', async () => {
    await given(w, 'objection');
    const first = await w.calendar.load(notice2027, admin);
    const again = await w.calendar.load(notice2027, admin);
    expect(again.version).toBe(first.version);
    expect(await w.scheduler.restateDeadlines(2027)).toBe(1);
  });
});

describe('a calendar that comes back to an earlier version', () => {
  /** The same arrangement under a corrected notice number: a different, valid notice, so a different calendar version. */
  const corrected = { ...notice2027, notice: '国办发明电〔2026〕Y号（测试数据，更正）' };
  const noticesLoaded = async () => (await w.store.readStream(CALENDAR_STREAM)).filter((e) => e.type === NOTICE_LOADED);

  it('given notice A loaded, then B, then A again, when B is loaded once more, then each load is a new HolidayNoticeLoaded and B is in force', async () => {
    const a = await w.calendar.load(notice2027, admin);
    const b = await w.calendar.load(corrected, admin);
    expect(b.version).not.toBe(a.version);
    expect((await w.calendar.load(notice2027, admin)).version).toBe(a.version);

    const again = await w.calendar.load(corrected, admin);

    expect(again.version).toBe(b.version);
    expect(w.calendar.current().version).toBe(b.version);
    const loaded = await noticesLoaded();
    expect(loaded.map((e) => e.data)).toMatchObject([
      { calendarVersion: a.version },
      { calendarVersion: b.version, previousVersion: a.version },
      { calendarVersion: a.version, previousVersion: b.version },
      { calendarVersion: b.version, previousVersion: a.version },
    ]);
    expect(new Set(loaded.map((e) => e.id)).size).toBe(4);
  });

  it('given A then B loaded, when A is loaded by two requests at once (a retry), then one HolidayNoticeLoaded is stored and A is in force', async () => {
    const a = await w.calendar.load(notice2027, admin);
    await w.calendar.load(corrected, admin);

    const [first, retry] = await Promise.all([w.calendar.load(notice2027, admin), w.calendar.load(notice2027, admin)]);

    expect([first.version, retry.version, w.calendar.current().version]).toEqual([a.version, a.version, a.version]);
    expect((await noticesLoaded()).map((e) => (e.data as { calendarVersion: string }).calendarVersion)).toEqual([a.version, expect.any(String), a.version]);
  });

  it('given A in force after A → B → A, when A is loaded again, then nothing is appended', async () => {
    await w.calendar.load(notice2027, admin);
    await w.calendar.load(corrected, admin);
    await w.calendar.load(notice2027, admin);
    const head = await w.store.headPosition();

    await w.calendar.load(notice2027, admin);

    expect(await w.store.headPosition()).toBe(head);
  });

  it('given A → B → A → B loaded by one node, when another node on the same file starts, then it computes with B', async () => {
    await w.calendar.load(notice2027, admin);
    await w.calendar.load(corrected, admin);
    await w.calendar.load(notice2027, admin);
    const b = await w.calendar.load(corrected, admin);
    const other = await createWorld({ path: join(dir, 'events.db'), clock: w.clock });
    try {
      expect(other.calendar.current().version).toBe(b.version);
    } finally {
      await other.close();
    }
  });
});

describe('which tasks are re-stated', () => {
  it('given an objection raised on Mon 2027-01-25 (provisional: due Fri 2027-02-12), when the notice is loaded, then the deadline moves to Mon 2027-02-15', async () => {
    // Provisional (statutory 春节 02-05..02-08, and 补假 02-09, 02-10 for Sat 02-06 and Sun 02-07 — 第六条):
    // 01-26 (1), 01-27 (2), 01-28 (3), 01-29 (4), 02-01 (5), 02-02 (6), 02-03 (7), 02-04 (8), 02-11 (9), 02-12 (10).
    // Notice (02-05..02-13 off, Sun 01-31 worked): 01-26 (1), 01-27 (2), 01-28 (3), 01-29 (4), 01-31 Sun (5),
    // 02-01 (6), 02-02 (7), 02-03 (8), 02-04 (9), 02-15 (10).
    const c = await given(w, 'objection', [], { at: tenAm('2027-01-25') });
    expect(c.tasks[0]).toMatchObject({ dueDate: '2027-02-12', dueAt: endOfDay('2027-02-12'), provisional: true });
    await w.calendar.load(notice2027, admin);
    expect(await w.scheduler.restateDeadlines(2027)).toBe(1);
    const [, restated] = await historyOf(w, c);
    expect(meta(restated!).deadlinesRestated).toMatchObject([
      { stage: 'handling', old: { dueDate: '2027-02-12', provisional: true }, new: { dueDate: '2027-02-15', dueAt: endOfDay('2027-02-15'), provisional: false } },
    ]);
    expect((await w.engine.getCase(c.caseId)).tasks[0]).toMatchObject({ dueDate: '2027-02-15', dueAt: endOfDay('2027-02-15'), provisional: false });
  });

  it('given a task that is official, a provisional task already closed, and a provisional task still open, when the notice is loaded, then only the open provisional task is re-stated', async () => {
    w.clock.set(tenAm('2026-11-02'));
    const official = await given(w, 'objection');
    expect(official.tasks[0]).toMatchObject({ provisional: false });
    w.clock.set(tenAm('2026-12-24'));
    const answered = await given(w, 'objection', ['RESPOND']);
    const open = await given(w, 'objection');
    const headBefore = await w.store.headPosition();

    await w.calendar.load(notice2027, admin);
    expect(await w.scheduler.restateDeadlines(2027)).toBe(1);
    expect(await historyOf(w, official)).toHaveLength(1);
    expect(await historyOf(w, answered)).toHaveLength(2);
    expect((await historyOf(w, open)).at(-1)!.type).toBe(DEADLINES_RESTATED);
    // The notice's own event and one re-statement.
    expect(await w.store.headPosition()).toBe(headBefore + 2);
  });

  it('given the notice loaded, when a task opens after it, then its deadline is official at once', async () => {
    await w.calendar.load(notice2027, admin);
    const c = await given(w, 'objection');
    expect(c.tasks[0]).toMatchObject({ dueDate: '2027-01-08', provisional: false, calendarVersion: w.calendar.current().version });
  });

  it('given a re-stated case, when it is answered, then the answer closes the re-stated task', async () => {
    const c = await given(w, 'objection');
    await w.calendar.load(notice2027, admin);
    await w.scheduler.restateDeadlines(2027);
    const result = await when(w, c.caseId, 'RESPOND', { actor: actors.provider });
    expect(result).toMatchObject({ state: 'responded', final: true });
    expect((await w.engine.getCase(c.caseId)).tasks).toEqual([]);
  });

  it('given a notice loaded by one node, when another node on the same file starts, then it computes with the same calendar version', async () => {
    const loaded = await w.calendar.load(notice2027, admin);
    const other = await createWorld({ path: join(dir, 'events.db'), clock: w.clock });
    try {
      expect(other.calendar.current().version).toBe(loaded.version);
    } finally {
      await other.close();
    }
  });
});

describe('official deadlines a later notice moves', () => {
  const lastRestated = async (c: { process: string; caseId: string }) => meta((await historyOf(w, c)).filter((e) => e.type === DEADLINES_RESTATED).at(-1)!).deadlinesRestated;
  /** A 补充通知 for 2027: 元旦 extended over Mon 01-04 and Tue 01-05. */
  const extended = {
    ...notice2027,
    notice: '国办发明电〔2026〕Z号（测试数据，补充通知）',
    holidays: [...notice2027.holidays, '2027-01-04', '2027-01-05'].sort(),
    blocks: notice2027.blocks.map((b) =>
      b.name === '元旦' ? { ...b, text: '一、元旦：1月1日（周五）至5日（周二）放假，共5天。', holidays: ['2027-01-01', '2027-01-02', '2027-01-03', '2027-01-04', '2027-01-05'] } : b,
    ),
  };

  it('given a task made official by the 2027 notice (due Fri 01-08), when a corrected notice adds two days off inside its count, then its deadline is re-stated two working days later, old and new side by side', async () => {
    const c = await given(w, 'objection');
    const first = await w.calendar.load(notice2027, admin);
    expect(await w.scheduler.restateDeadlines(2027)).toBe(1);

    w.clock.set(tenAm('2026-12-29'));
    const second = await w.calendar.load(extended, admin);
    expect(await w.scheduler.restateDeadlines(2027)).toBe(1);

    expect(await lastRestated(c)).toEqual([
      {
        stage: 'handling',
        old: { dueAt: endOfDay('2027-01-08'), dueDate: '2027-01-08', provisional: false, calendarVersion: first.version },
        new: { dueAt: endOfDay('2027-01-12'), dueDate: '2027-01-12', provisional: false, calendarVersion: second.version },
      },
    ]);
    expect((await w.engine.getCase(c.caseId)).tasks[0]).toMatchObject({ dueDate: '2027-01-12', provisional: false, calendarVersion: second.version });
  });

  it('given deadlines re-stated to A, then to B, when A is loaded again, then they are re-stated back to A (A → B → A)', async () => {
    const c = await given(w, 'objection');
    const a = await w.calendar.load(notice2027, admin);
    expect(await w.scheduler.restateDeadlines(2027)).toBe(1);
    w.clock.set(tenAm('2026-12-29'));
    const b = await w.calendar.load(extended, admin);
    expect(await w.scheduler.restateDeadlines(2027)).toBe(1);

    w.clock.set(tenAm('2026-12-30'));
    expect((await w.calendar.load(notice2027, admin)).version).toBe(a.version);
    expect(await w.scheduler.restateDeadlines(2027)).toBe(1);

    expect(await lastRestated(c)).toEqual([
      {
        stage: 'handling',
        old: { dueAt: endOfDay('2027-01-12'), dueDate: '2027-01-12', provisional: false, calendarVersion: b.version },
        new: { dueAt: endOfDay('2027-01-08'), dueDate: '2027-01-08', provisional: false, calendarVersion: a.version },
      },
    ]);
    expect((await w.engine.getCase(c.caseId)).tasks[0]).toMatchObject({ dueDate: '2027-01-08', calendarVersion: a.version });
    expect((await historyOf(w, c)).filter((e) => e.type === DEADLINES_RESTATED)).toHaveLength(3);
    expect((await w.engine.verify(c.caseId)).ok).toBe(true);
  });

  it('given an official task whose count the corrected notice does not touch, then nothing is appended for it', async () => {
    await w.calendar.load(notice2027, admin);
    w.clock.set(tenAm('2027-03-01'));
    const c = await given(w, 'objection'); // 03-01 + 10 working days: 03-15, nowhere near 元旦
    const head = await w.store.headPosition();
    await w.calendar.load(extended, admin);
    expect(await w.engine.restateDeadlines(c.caseId)).toBeUndefined();
    expect(await w.store.headPosition()).toBe(head + 1); // the notice's own event, nothing for the case
  });

  it('given a provisional deadline (Mon 02-01) the notice moves to the day before today (Sun 01-31, a 调休 working day), when it is loaded on 02-01, then the deadline is held at today and the calendar\'s date is kept beside it', async () => {
    w.clock.set(tenAm('2027-01-25'));
    const input = { ...startInputs.conditionalApplication, usePeriod: { from: '2027-02-01', to: '2027-12-31' } };
    const c = await given(w, 'conditionalApplication', [], { input });
    expect(c.tasks[0]).toMatchObject({ stage: 'normativeReview', dueDate: '2027-02-01', provisional: true });

    w.clock.set('2027-02-01T04:00:00.000Z');
    const loaded = await w.calendar.load(notice2027, admin);
    expect(await w.scheduler.restateDeadlines(2027)).toBe(1);

    expect(await lastRestated(c)).toEqual([
      expect.objectContaining({
        stage: 'normativeReview',
        new: { dueAt: endOfDay('2027-02-01'), dueDate: '2027-02-01', provisional: false, calendarVersion: loaded.version },
        computed: { dueAt: endOfDay('2027-01-31'), dueDate: '2027-01-31' },
      }),
    ]);
  });
});

describe('a notice re-stating many cases (a load over tens of thousands takes minutes, its request unanswered meanwhile)', () => {
  it('given 20 objections with provisional 2027 deadlines, when the 2027 notice is loaded, then the log says how many cases are to be checked, how far it has come at every tenth, and how many were re-stated', async () => {
    for (let i = 0; i < 20; i++) await given(w, 'objection');
    await w.calendar.load(notice2027, admin);
    const lines: { msg: string; year?: number; cases?: number; checked?: number; restated?: number }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString('utf8').split('\n')) if (text) lines.push(JSON.parse(text) as (typeof lines)[number]);
        done();
      },
    });
    const scheduler = new Scheduler({ engine: w.engine, store: w.store, clock: w.clock, logger: pino({ level: 'info' }, sink) });
    expect(await scheduler.restateDeadlines(2027)).toBe(20);
    expect(lines[0]).toMatchObject({ year: 2027, cases: 20 });
    expect(lines.slice(1, -1).map((l) => [l.checked, l.cases])).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18].map((n) => [n, 20]));
    expect(lines.slice(1, -1).every((l) => l.restated === l.checked)).toBe(true);
    expect(lines.at(-1)).toMatchObject({ year: 2027, cases: 20, restated: 20 });
    expect(lines.at(-1)!.msg).toContain('重新核定 20 个');
    // Deadlines are 期限 in every line of a re-statement, as the timer pass that finishes one says them ('补做 N 个案件的期限重新核定').
    expect(lines.filter((l) => !l.msg.includes('期限') || l.msg.includes('时限')).map((l) => l.msg)).toEqual([]);
  });
});

describe('a notice load that did not finish (the server stopped mid-way), finished by the timer pass', () => {
  it('given 3 objections whose provisional deadlines a stored notice was never applied to, when the timer pass runs, then it re-states them and the log says so, by name, with the count', async () => {
    for (let i = 0; i < 3; i++) await given(w, 'objection');
    // What PUT /v1/calendar/2027 does first; the re-statement that follows it never ran.
    await w.calendar.load(notice2027, admin);
    const lines: { msg: string; restated?: number }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString('utf8').split('\n')) if (text) lines.push(JSON.parse(text) as (typeof lines)[number]);
        done();
      },
    });
    const scheduler = new Scheduler({ engine: w.engine, store: w.store, clock: w.clock, logger: pino({ level: 'info' }, sink) });
    await scheduler.fireDueTimers();
    expect(lines.filter((l) => l.restated !== undefined)).toEqual([expect.objectContaining({ restated: 3, msg: expect.stringContaining('补做 3 个案件的期限重新核定') })]);
  });
});

// PROCESSES.md "Deadlines": when a year's notice is loaded, open provisional deadlines are re-stated,
// old and new side by side. A deadline is held at today only when the notice would move a deadline
// not yet passed into the past; a deadline that had already passed when the notice came is re-stated
// to the notice's own date, never pushed on to the day of loading — a late notice does not pardon a
// task already late (第十九条 监督评估 counts it overdue from the notice's due day).
describe('a provisional deadline already passed when the notice is loaded', () => {
  it('given an objection raised on Mon 2027-01-25 (provisional: due Fri 02-12), when the 2027 notice (due Mon 02-15) is loaded only on Tue 02-16, then the deadline is re-stated to 02-15, not held at 02-16', async () => {
    const c = await given(w, 'objection', [], { at: tenAm('2027-01-25') });
    expect(c.tasks[0]).toMatchObject({ dueDate: '2027-02-12', provisional: true });

    w.clock.set(tenAm('2027-02-16'));
    const loaded = await w.calendar.load(notice2027, admin);
    expect(await w.scheduler.restateDeadlines(2027)).toBe(1);

    const restated = (await historyOf(w, c)).at(-1)!;
    expect(meta(restated).deadlinesRestated).toEqual([
      {
        stage: 'handling',
        old: { dueAt: endOfDay('2027-02-12'), dueDate: '2027-02-12', provisional: true, calendarVersion: expect.any(String) },
        new: { dueAt: endOfDay('2027-02-15'), dueDate: '2027-02-15', provisional: false, calendarVersion: loaded.version },
      },
    ]);
    expect((await w.engine.getCase(c.caseId)).tasks[0]).toMatchObject({ dueDate: '2027-02-15', dueAt: endOfDay('2027-02-15') });
  });
});

// PROCESSES.md "Deadlines": a notice's load stores the notice, then re-states case after case; a server
// stopped in between leaves the rest to the timer pass, which finds them by `awaitsRestatement`. Besides
// provisional tasks, that includes an official task due in a December whose counted days the next year's
// notice sets (its New-Year edge, 12-25 to 12-31). The existing catch-up test covers provisional tasks only.
/** A corrected 2027 notice that makes Saturday 2026-12-26 (its New-Year edge) a working day for 元旦. */
// The Saturday worked is given back as Mon 2027-01-04 off (a notice short of days off is refused).
const corrected = {
  ...notice2027,
  notice: '国办发明电〔2026〕Y号（测试数据，更正通知）',
  holidays: [...notice2027.holidays, '2027-01-04'],
  adjustedWorkdays: ['2026-12-26', ...notice2027.adjustedWorkdays],
  blocks: notice2027.blocks.map((b) => (b.name === '元旦' ? { ...b, holidays: [...b.holidays, '2027-01-04'], adjustedWorkdays: ['2026-12-26'] } : b)),
};

describe('an official December deadline a corrected notice moves, by its load or, the load cut short, by the timer pass', () => {
  // A world of its own, from Mon 2026-12-21 (the file's starts on 12-24, and clocks only move forward).
  let edgeDir: string;
  let edge: World;
  beforeEach(async () => {
    edgeDir = mkdtempSync(join(tmpdir(), 'engine-restate-edge-'));
    edge = await createWorld({ path: join(edgeDir, 'events.db'), at: tenAm('2026-12-21') });
  });
  afterEach(async () => {
    await edge.close();
    rmSync(edgeDir, { recursive: true, force: true });
  });

  it('given an application entered Mon 2026-12-21 with the 2027 notice loaded (normative review official, due Mon 12-28), when a corrected notice making Sat 12-26 a working day is stored but never applied, then the timer pass re-states it to 12-26', async () => {
    const first = await edge.calendar.load(notice2027, admin);
    const input = { ...startInputs.conditionalApplication, usePeriod: { from: '2027-01-04', to: '2027-12-31' } };
    const c = await given(edge, 'conditionalApplication', [], { input });
    expect(c.tasks[0]).toMatchObject({ stage: 'normativeReview', dueDate: '2026-12-28', provisional: false, calendarVersion: first.version });

    // What PUT /v1/calendar/2027 does first; the re-statement that follows it never ran.
    const second = await edge.calendar.load(corrected, admin);
    await edge.scheduler.fireDueTimers();

    const restated = (await historyOf(edge, c)).filter((e) => e.type === DEADLINES_RESTATED);
    expect(restated.map((e) => meta(e).deadlinesRestated)).toEqual([
      [
        {
          stage: 'normativeReview',
          old: { dueAt: endOfDay('2026-12-28'), dueDate: '2026-12-28', provisional: false, calendarVersion: first.version },
          new: { dueAt: endOfDay('2026-12-26'), dueDate: '2026-12-26', provisional: false, calendarVersion: second.version },
        },
      ],
    ]);
  });

  // Mutation QA: awaitsRestatement's edge test taking only days before the due day (`<` for `<=`) passed
  // every test; a notice that makes the due day itself a day off is the case (2019's made Mon 2018-12-31 one).
  it('given an application entered Thu 2026-12-24 (normative review official, due Thu 12-31), when a corrected notice making 12-31 a day off is stored but never applied, then the timer pass re-states it to Mon 2027-01-04', async () => {
    const first = await edge.calendar.load(notice2027, admin);
    edge.clock.set(tenAm('2026-12-24'));
    const input = { ...startInputs.conditionalApplication, usePeriod: { from: '2027-01-11', to: '2027-12-31' } };
    const c = await given(edge, 'conditionalApplication', [], { input });
    expect(c.tasks[0]).toMatchObject({ stage: 'normativeReview', dueDate: '2026-12-31', provisional: false });

    const lastDayOff = {
      ...notice2027,
      notice: '国办发明电〔2026〕W号（测试数据，更正通知）',
      holidays: ['2026-12-31', ...notice2027.holidays],
      blocks: notice2027.blocks.map((b) => (b.name === '元旦' ? { ...b, text: '一、元旦：2026年12月31日（周四）至1月3日（周日）放假，共4天。', holidays: ['2026-12-31', ...b.holidays] } : b)),
    };
    const second = await edge.calendar.load(lastDayOff, admin);
    await edge.scheduler.fireDueTimers();

    expect((await historyOf(edge, c)).filter((e) => e.type === DEADLINES_RESTATED).map((e) => meta(e).deadlinesRestated)).toEqual([
      [
        {
          stage: 'normativeReview',
          old: { dueAt: endOfDay('2026-12-31'), dueDate: '2026-12-31', provisional: false, calendarVersion: first.version },
          new: { dueAt: endOfDay('2027-01-04'), dueDate: '2027-01-04', provisional: false, calendarVersion: second.version },
        },
      ],
    ]);
  });

  // Mutation QA: the load's own re-statement (PUT /v1/calendar/2027) picking cases from 2027-01-01 instead of
  // the December before passed every test; only the timer pass's catch-up was tested here.
  it('given the same application, when the corrected notice is loaded and re-stated as PUT /v1/calendar/2027 does, then its December deadline is re-stated to 12-26 by the load itself', async () => {
    const first = await edge.calendar.load(notice2027, admin);
    const input = { ...startInputs.conditionalApplication, usePeriod: { from: '2027-01-04', to: '2027-12-31' } };
    const c = await given(edge, 'conditionalApplication', [], { input });

    const second = await edge.calendar.load(corrected, admin);
    expect(await edge.scheduler.restateDeadlines(2027, second.version)).toBe(1);

    expect((await historyOf(edge, c)).filter((e) => e.type === DEADLINES_RESTATED).map((e) => meta(e).deadlinesRestated)).toEqual([
      [
        {
          stage: 'normativeReview',
          old: { dueAt: endOfDay('2026-12-28'), dueDate: '2026-12-28', provisional: false, calendarVersion: first.version },
          new: { dueAt: endOfDay('2026-12-26'), dueDate: '2026-12-26', provisional: false, calendarVersion: second.version },
        },
      ],
    ]);
  });
});

// Provider's QA: a notice's load appends a re-statement to every open case, and a clerk deciding on the page
// read before was sent to re-read a case of which nothing but a deadline had changed.
describe('a decision sent on the revision before a re-statement', () => {
  it('given an objection whose provisional deadline the 2027 notice re-stated, when the provider responds on revision 0, then REVISION_CONFLICT says only the deadline was re-stated and to send again on revision 1', async () => {
    const c = await given(w, 'objection');
    w.clock.set(tenAm('2026-12-28'));
    await w.calendar.load(notice2027, admin);
    expect(await w.scheduler.restateDeadlines(2027)).toBe(1);
    const error = await refused(w, c, () => when(w, c.caseId, 'RESPOND', { expectedRevision: 0 }));
    expect(error).toMatchObject({ code: 'REVISION_CONFLICT' });
    expect(error.text.zh).toMatch(/^案件已有更新（您基于版本 0，当前版本 1；最近一次为“.+”（RESTATE_DEADLINES），北京时间 2026-12-28 10:00），其间只有系统按节假日安排重新确定了期限，案件内容未变：本指令未执行，请按当前版本 1 重新提交$/);
    expect(error.text.en).toContain('since then the system only re-stated deadlines after a holiday notice, and nothing else changed: nothing was done; send again with revision 1');
    expect(await when(w, c.caseId, 'RESPOND', { expectedRevision: 1 })).toMatchObject({ state: 'responded' });
  });
});
