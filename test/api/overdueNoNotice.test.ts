/**
 * A year begins with no holiday notice loaded for it or the year before (the server left without
 * the notices, or the test clock moved two years on): the calendar judges those days by the
 * statute (《全国年节及纪念日放假办法》第二、六条; calendars/README.md), as it does for the working
 * days left before a deadline there. A task open since 2026 is then overdue, and the inbox and the
 * overdue report (第十九条) say by how many working days, counted day by day as below.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './harness.js';
import { partyTokens } from '../race/helpers.js';
import { startInputs } from '../machines/examples.js';

/** The 2026 notice as shipped (its holidays and 调休 working days), and 2027–2028 by the statute. */
const notice2026 = JSON.parse(readFileSync(new URL('../../calendars/data/2026.json', import.meta.url), 'utf8')) as { holidays: string[]; adjustedWorkdays: string[] };
const statuteDaysOff = [
  // 2027: 元旦 (Fri); 春节 除夕 Fri 02-05 to 初三 Mon 02-08, its Saturday and Sunday made up on 02-09 and 02-10;
  // 清明 (Mon); 劳动节 Sat and Sun, made up on 05-03 and 05-04; 端午, 中秋 (Wed); 国庆 Fri to Sun, made up on 10-04 and 10-05.
  '2027-01-01', '2027-02-05', '2027-02-08', '2027-02-09', '2027-02-10', '2027-04-05', '2027-05-03', '2027-05-04', '2027-06-09', '2027-09-15', '2027-10-01', '2027-10-04', '2027-10-05',
  // 2028: 元旦 on a Saturday, made up on Monday 01-03.
  '2028-01-03',
];
const daysOff = new Set([...notice2026.holidays, ...statuteDaysOff]);
const workingWeekends = new Set(notice2026.adjustedWorkdays);

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}
function isWorking(day: string): boolean {
  if (workingWeekends.has(day)) return true;
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !daysOff.has(day);
}
/** Working days after `from` up to and including `to`, one day at a time. */
function workingDaysAfter(from: string, to: string): number {
  let n = 0;
  for (let d = nextDay(from); d <= to; d = nextDay(d)) if (isWorking(d)) n++;
  return n;
}

let api: TestApi;
let tokens: Awaited<ReturnType<typeof partyTokens>>;

beforeEach(async () => {
  api = await startTestApi({ now: '2026-01-05T01:00:00.000Z' });
  tokens = await partyTokens(api);
});
afterEach(() => api.close());

describe('overdue working days in a year no notice covers', () => {
  it('given an objection due 2026-01-19 and notices loaded up to 2026, when the clock moves to 2028-01-10 in one PUT, then the inbox and the overdue report count its working days overdue by the statute, not null', async () => {
    const started = await api.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'objection', input: startInputs.objection } });
    expect(started.status, started.text).toBe(201);
    expect(started.body.tasks[0]).toMatchObject({ dueDate: '2026-01-19' });

    const moved = await api.call('PUT', '/v1/test/clock', { as: tokens.admin, body: { now: '2028-01-10T02:00:00.000Z' } });
    expect(moved.status, moved.text).toBe(200);

    const expected = workingDaysAfter('2026-01-19', '2028-01-10');
    expect(expected).toBe(489);
    const inbox = await api.call('GET', '/v1/inbox', { as: tokens.provider });
    expect(inbox.status, inbox.text).toBe(200);
    expect(inbox.body.items.find((i: { caseId: string }) => i.caseId === started.body.id)).toMatchObject({ overdue: true, workingDaysLeft: 0, workingDaysOverdue: expected });

    const report = await api.call('GET', '/v1/reports/overdue', { as: await api.token('supervisor', '370000-dsj') });
    expect(report.status, report.text).toBe(200);
    expect(report.body.items.find((i: { caseId: string }) => i.caseId === started.body.id)).toMatchObject({ status: 'open', workingDaysOverdue: expected });
  });
});
