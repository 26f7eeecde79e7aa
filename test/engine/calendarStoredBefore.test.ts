/**
 * A notice an earlier build stored stays in force as stored, though a load today would refuse it: a
 * load checks what the schema does not (its dates, 补假: `makeUpIssues`), and the calendar read back
 * from the log does not check them again. Refusing it on reading would stop every server at start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultCalendar } from '../../calendars/index.js';
import { CalendarInForce } from '../../engine/calendarInForce.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { ManualClock } from '../../infra/clock.js';
import { shortNotice2027, testNotice2027 } from '../calendars/notice2027.js';
import { storeAsEarlierBuild } from './storedNotice.js';

const admin = { sub: 'u-sddsj-admin', name: '平台管理员', role: 'admin', org: '370000-dsj' } as const;
const short = shortNotice2027;

let dir: string;
let store: SqliteEventStore;
const clock = new ManualClock('2026-12-01T02:00:00.000Z');
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'calendar-stored-before-'));
  store = new SqliteEventStore({ path: join(dir, 'events.db'), now: () => clock.now() });
  await storeAsEarlierBuild(store, short, clock.now().toISOString());
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a notice stored before days off were counted', () => {
  it('given it in the log, when the calendar is opened, then it is in force as stored (02-09 a working day), nothing named altered', async () => {
    const inForce = await CalendarInForce.open(store, clock, defaultCalendar());
    expect(inForce.altered()).toEqual([]);
    expect(inForce.current().notice(2027)?.holidays).not.toContain('2027-02-09');
    expect(inForce.current().isWorkingDay('2027-02-09T02:00:00.000Z')).toBe(true);
  });

  it('given it in force, when an admin loads it again word for word, then nothing is stored and it stays in force (a repeat, as for any notice)', async () => {
    const inForce = await CalendarInForce.open(store, clock, defaultCalendar());
    const head = await store.headPosition();
    const again = await inForce.load(short, admin);
    expect(again.notice(2027)?.holidays).not.toContain('2027-02-09');
    expect(await store.headPosition()).toBe(head);
  });

  it('given it in force, when an admin loads it again with a corrected title, then refused (VALIDATION_FAILED on holidays); the notice with its 补假 is taken', async () => {
    const inForce = await CalendarInForce.open(store, clock, defaultCalendar());
    await expect(inForce.load({ ...short, title: `${short.title}（更正）` }, admin)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { errors: [{ path: 'holidays' }] } });
    await inForce.load(testNotice2027, admin);
    expect(inForce.current().isWorkingDay('2027-02-09T02:00:00.000Z')).toBe(false);
  });
});
