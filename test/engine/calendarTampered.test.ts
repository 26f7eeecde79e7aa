/**
 * A holiday notice changed in the store after it was loaded (an insider with write access to the
 * log): every deadline computed after it rests on it, and no hash chain covers the notices. Given such
 * a store, when the calendar in force is read again, then the change is named by the notice's place in
 * the log — as a notice whose content no longer gives the calendar version it recorded, or, when the
 * calendar cannot take it at all, as that stored event, not only as what is wrong with a notice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultCalendar } from '../../calendars/index.js';
import { CALENDAR_STREAM, CalendarInForce, StoredNoticeError } from '../../engine/calendarInForce.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { ManualClock } from '../../infra/clock.js';
import { testNotice2027 } from '../calendars/notice2027.js';

const admin = { sub: 'u-sddsj-admin', name: '平台管理员', role: 'admin', org: '370000-dsj' } as const;

let dir: string;
let store: SqliteEventStore;
const clock = new ManualClock('2026-12-01T02:00:00.000Z');
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'calendar-tampered-'));
  store = new SqliteEventStore({ path: join(dir, 'events.db'), now: () => clock.now() });
  await (await CalendarInForce.open(store, clock, defaultCalendar())).load(testNotice2027, admin);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A test-only write: the stored notice's `notice` changed in the events table. */
function alterNotice(change: (notice: { holidays: string[]; adjustedWorkdays: string[]; blocks: { adjustedWorkdays: string[] }[] }) => void): number {
  const row = store.database.prepare<[string], { position: number; data: string }>('SELECT position, data FROM events WHERE stream_id = ? AND revision = 0').get(CALENDAR_STREAM)!;
  const data = JSON.parse(row.data) as { notice: Parameters<typeof change>[0] };
  change(data.notice);
  store.database.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify(data), row.position);
  return row.position;
}

describe('a holiday notice changed in the store after it was loaded', () => {
  it('given the notice as loaded, then the calendar read again finds nothing altered', async () => {
    expect((await CalendarInForce.open(store, clock, defaultCalendar())).altered()).toEqual([]);
  });

  it('given a 调休 working Saturday taken out of it (8 May 2027 made a day off), when the calendar is read again, then that notice is named, with the version it recorded and the one its content gives', async () => {
    const position = alterNotice((n) => {
      const off = (days: string[]) => days.filter((d) => d !== '2027-05-08');
      n.adjustedWorkdays = off(n.adjustedWorkdays);
      for (const block of n.blocks) block.adjustedWorkdays = off(block.adjustedWorkdays);
    });
    const inForce = await CalendarInForce.open(store, clock, defaultCalendar());
    const [altered, ...more] = inForce.altered();
    expect(more).toEqual([]);
    expect(altered).toMatchObject({ revision: 0, position });
    expect(altered!.recorded).not.toBe(altered!.recomputed);
    expect(altered!.recomputed).toBe(inForce.current().version);
    expect(inForce.current().isWorkingDay('2027-05-08T02:00:00.000Z')).toBe(false);
  });

  it('given a statutory holiday taken out of it (the calendar cannot take it), when the calendar is read again, then StoredNoticeError names the stored event', async () => {
    const position = alterNotice((n) => (n.holidays = n.holidays.filter((d) => d !== '2027-10-01')));
    const opened = CalendarInForce.open(store, clock, defaultCalendar());
    await expect(opened).rejects.toBeInstanceOf(StoredNoticeError);
    await expect(CalendarInForce.open(store, clock, defaultCalendar())).rejects.toMatchObject({ revision: 0, position });
  });
});
