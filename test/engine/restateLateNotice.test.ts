/**
 * PROCESSES.md "Deadlines": when a year's notice is loaded, open provisional deadlines are re-stated,
 * old and new side by side. A deadline is held at today only when the notice would move a deadline
 * not yet passed into the past; a deadline that had already passed when the notice came is re-stated
 * to the notice's own date, never pushed on to the day of loading — a late notice does not pardon a
 * task already late (第十九条 监督评估 counts it overdue from the notice's due day).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testNotice2027 as notice2027 } from '../calendars/notice2027.js';
import { createWorld, endOfDay, given, historyOf, meta, type World } from './world.js';

const admin = { sub: 'u-sddsj-admin', name: '平台管理员', role: 'admin', org: '370000-dsj' } as const;
const tenAm = (date: string) => `${date}T02:00:00.000Z`;

let dir: string;
let w: World;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'engine-gap-restate-'));
  w = await createWorld({ path: join(dir, 'events.db'), at: tenAm('2026-12-24') });
});
afterEach(async () => {
  await w.close();
  rmSync(dir, { recursive: true, force: true });
});

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
