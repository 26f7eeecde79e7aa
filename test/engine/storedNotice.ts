/**
 * A holiday notice stored as `CalendarInForce.load` stores one — the first of the calendar's stream, on
 * the shipped calendar — without any of the load's checks: what an earlier build took, which a load of
 * this one would refuse (a notice short of its 补假 days).
 */
import { randomUUID } from 'node:crypto';
import { defaultCalendar, NOTICE_LOADED, type YearNotice } from '../../calendars/index.js';
import { CALENDAR_STREAM } from '../../engine/calendarInForce.js';
import type { EventStore } from '../../eventstore/types.js';

export async function storeAsEarlierBuild(store: EventStore, notice: YearNotice, at: string): Promise<void> {
  const before = defaultCalendar();
  const actor = { sub: 'u-sddsj-admin', name: '平台管理员', role: 'admin', org: '370000-dsj' };
  await store.appendToStream(
    CALENDAR_STREAM,
    [{ id: randomUUID(), type: NOTICE_LOADED, data: { notice, calendarVersion: before.withNotice(notice).version, previousVersion: before.version }, metadata: { actor, at } }],
    { expectedRevision: 'no_stream' },
  );
}
