/**
 * A holiday notice records the calendar version it made, computed with the notices the loading build
 * shipped. Given a notice loaded by a build that did not ship the 2026 notice, when a build that ships
 * it reads the calendar, then the version differs (the base differs), yet nothing is named altered:
 * only a notice whose content no longer gives the version it recorded, from the base it recorded, was.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultCalendar, SHIPPED_NOTICES, WorkingDayCalendar } from '../../calendars/index.js';
import { CalendarInForce } from '../../engine/calendarInForce.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { ManualClock } from '../../infra/clock.js';
import { testNotice2027 } from '../calendars/notice2027.js';

const admin = { sub: 'u-sddsj-admin', name: '平台管理员', role: 'admin', org: '370000-dsj' } as const;
const olderBuild = () => WorkingDayCalendar.fromNotices(SHIPPED_NOTICES.filter((n) => (n as { year: number }).year !== 2026));

let dir: string;
let store: SqliteEventStore;
const clock = new ManualClock('2026-12-01T02:00:00.000Z');
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'calendar-upgrade-'));
  store = new SqliteEventStore({ path: join(dir, 'events.db'), now: () => clock.now() });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a holiday notice read by a build that ships more notices than the one that loaded it', () => {
  it('given the 2027 notice loaded by a build without the 2026 notice, when a build with it reads the calendar, then its version is its own and no notice is named altered', async () => {
    const loadedBy = await CalendarInForce.open(store, clock, olderBuild());
    await loadedBy.load(testNotice2027, admin);
    const upgraded = await CalendarInForce.open(store, clock, defaultCalendar());
    expect(upgraded.current().version).not.toBe(loadedBy.current().version);
    expect(upgraded.current().notice(2027)).toBeDefined();
    expect(upgraded.altered()).toEqual([]);
  });
});
