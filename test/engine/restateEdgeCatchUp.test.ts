/**
 * PROCESSES.md "Deadlines": a notice's load stores the notice, then re-states case after case; a server
 * stopped in between leaves the rest to the timer pass, which finds them by `awaitsRestatement`. Besides
 * provisional tasks, that includes an official task due in a December whose counted days the next year's
 * notice sets (its New-Year edge, 12-25 to 12-31). The existing catch-up test covers provisional tasks only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEADLINES_RESTATED } from '../../engine/events.js';
import { startInputs } from '../machines/examples.js';
import { testNotice2027 as notice2027 } from '../calendars/notice2027.js';
import { createWorld, endOfDay, given, historyOf, meta, type World } from './world.js';

const admin = { sub: 'u-sddsj-admin', name: '平台管理员', role: 'admin', org: '370000-dsj' } as const;
const tenAm = (date: string) => `${date}T02:00:00.000Z`;

/** A corrected 2027 notice that makes Saturday 2026-12-26 (its New-Year edge) a working day for 元旦. */
const corrected = {
  ...notice2027,
  notice: '国办发明电〔2026〕Y号（测试数据，更正通知）',
  adjustedWorkdays: ['2026-12-26', ...notice2027.adjustedWorkdays],
  blocks: notice2027.blocks.map((b) => (b.name === '元旦' ? { ...b, adjustedWorkdays: ['2026-12-26'] } : b)),
};

let dir: string;
let w: World;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'engine-gap-edge-'));
  w = await createWorld({ path: join(dir, 'events.db'), at: tenAm('2026-12-21') });
});
afterEach(async () => {
  await w.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('an official December deadline a corrected notice moves, its load cut short', () => {
  it('given an application entered Mon 2026-12-21 with the 2027 notice loaded (normative review official, due Mon 12-28), when a corrected notice making Sat 12-26 a working day is stored but never applied, then the timer pass re-states it to 12-26', async () => {
    const first = await w.calendar.load(notice2027, admin);
    const input = { ...startInputs.conditionalApplication, usePeriod: { from: '2027-01-04', to: '2027-12-31' } };
    const c = await given(w, 'conditionalApplication', [], { input });
    expect(c.tasks[0]).toMatchObject({ stage: 'normativeReview', dueDate: '2026-12-28', provisional: false, calendarVersion: first.version });

    // What PUT /v1/calendar/2027 does first; the re-statement that follows it never ran.
    const second = await w.calendar.load(corrected, admin);
    await w.scheduler.fireDueTimers();

    const restated = (await historyOf(w, c)).filter((e) => e.type === DEADLINES_RESTATED);
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
});
