/**
 * PUT /v1/calendar/{year} stores the notice, then re-states the provisional deadlines of every open
 * case, one event each. A server killed between the two (SIGKILL, a power cut, a crash) left the
 * notice in force and the rest of the cases with their provisional deadlines for good: the year read
 * `official`, the inbox and the overdue report went on showing deadlines counted without the notice,
 * and nothing but the admin loading the same notice again — after an answer that never came —
 * re-stated them. Found by killing a real server (SIGKILL) at its sixth re-statement of 100: after
 * the restart 94 tasks stayed provisional. The server's timer pass (at start, then every minute)
 * finishes what such a load left.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestApi } from './harness.js';
import { partyTokens, party } from '../race/helpers.js';
import { startInputs } from '../machines/examples.js';
import { testNotice2027 } from '../calendars/notice2027.js';

let dataDir: string | undefined;
afterEach(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

describe('a notice stored by a load that died before re-stating the cases', () => {
  it('given two objections with provisional 2027 deadlines and the 2027 notice stored without their re-statement (the server killed between the two), when the server restarts and runs its timer pass, then both deadlines are re-stated against the notice, as the load would have', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wf-restate-kill-'));
    const first = await openTestApi(dataDir, { now: '2026-12-21T02:00:00.000Z' });
    const tokens = await partyTokens(first);
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const started = await first.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'objection', input: startInputs.objection } });
      expect(started.status, started.text).toBe(201);
      expect(started.body.tasks[0]).toMatchObject({ provisional: true });
      ids.push(started.body.id);
    }
    // What PUT /v1/calendar/2027 does first; the re-statement that follows it never ran.
    await first.app.calendar.load(testNotice2027, { sub: 'admin', name: 'admin', role: 'admin', org: '370000-dsj' });
    await first.close();

    const again = await openTestApi(dataDir, { now: '2026-12-21T02:05:00.000Z' });
    try {
      // npm start runs a timer pass as soon as it has started.
      await again.app.scheduler.fireDueTimers();
      const provider = await again.token('provider', party.provider.org, party.provider.sub);
      for (const id of ids) {
        const kase = await again.call('GET', `/v1/cases/${id}`, { as: provider });
        expect(kase.body.tasks[0]).toMatchObject({ provisional: false });
        const history = await again.call('GET', `/v1/cases/${id}/history`, { as: provider });
        expect(history.body.events.at(-1).type).toBe('DeadlinesRestated');
      }
      const inbox = await again.call('GET', '/v1/inbox', { as: provider });
      expect(inbox.body.items.map((t: { provisional: boolean }) => t.provisional)).toEqual([false, false]);
      // The admin's retry of the load finds nothing left to do.
      const { year: _year, ...notice } = testNotice2027;
      const retried = await again.call('PUT', '/v1/calendar/2027', { as: tokens.admin, body: notice });
      expect(retried.status, retried.text).toBe(200);
      expect(retried.body.restatedCases).toBe(0);
    } finally {
      await again.close();
    }
  });

  it('given an objection due Mon 2026-12-28 (provisional: the 2027 notice may set the days from 25 December) and a 2027 notice that makes Sun 2026-12-27 a working day stored without its re-statement, when the server restarts and runs its timer pass, then the deadline is re-stated to the 27th, as the load would have (its New-Year edge)', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wf-restate-kill-edge-'));
    // Mon 2026-12-14 10:00 Beijing: 10 working days (第十六条) end on Mon 2026-12-28 without the edge, on Sun the 27th with it.
    const first = await openTestApi(dataDir, { now: '2026-12-14T02:00:00.000Z' });
    const tokens = await partyTokens(first);
    const started = await first.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'objection', input: startInputs.objection } });
    expect(started.status, started.text).toBe(201);
    expect(started.body.tasks[0]).toMatchObject({ dueDate: '2026-12-28', provisional: true });
    // The Sunday worked is given back as Mon 2027-01-04 off (a notice short of days off is refused).
    const edged = {
      ...testNotice2027,
      holidays: [...testNotice2027.holidays, '2027-01-04'],
      adjustedWorkdays: ['2026-12-27', ...testNotice2027.adjustedWorkdays],
      blocks: testNotice2027.blocks.map((b) =>
        b.name === '元旦' ? { ...b, text: `${b.text}1月4日（周一）放假，2026年12月27日（周日）上班。`, holidays: [...b.holidays, '2027-01-04'], adjustedWorkdays: ['2026-12-27'] } : b,
      ),
    };
    first.clock.set('2026-12-21T02:00:00.000Z');
    // What PUT /v1/calendar/2027 does first; the re-statement that follows it never ran.
    await first.app.calendar.load(edged, { sub: 'admin', name: 'admin', role: 'admin', org: '370000-dsj' });
    await first.close();

    const again = await openTestApi(dataDir, { now: '2026-12-21T02:05:00.000Z' });
    try {
      await again.app.scheduler.fireDueTimers();
      const provider = await again.token('provider', party.provider.org, party.provider.sub);
      const kase = await again.call('GET', `/v1/cases/${started.body.id}`, { as: provider });
      expect(kase.body.tasks[0]).toMatchObject({ dueDate: '2026-12-27', provisional: false });
      const { year: _year, ...notice } = edged;
      const retried = await again.call('PUT', '/v1/calendar/2027', { as: tokens.admin, body: notice });
      expect(retried.status, retried.text).toBe(200);
      expect(retried.body.restatedCases).toBe(0);
    } finally {
      await again.close();
    }
  });

  it('given six objections with provisional 2027 deadlines, when the 2027 notice is loaded while a timer pass runs on the same server, then the load answers all six as re-stated by it: the pass leaves a load under way to finish its own work', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wf-restate-during-load-'));
    const api = await openTestApi(dataDir, { now: '2026-12-21T02:00:00.000Z' });
    try {
      const tokens = await partyTokens(api);
      for (let i = 0; i < 6; i++) {
        const started = await api.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'objection', input: startInputs.objection } });
        expect(started.status, started.text).toBe(201);
      }
      // What PUT /v1/calendar/2027 does: the notice stored, then the cases re-stated — and the minute's
      // timer pass starting meanwhile.
      await api.app.calendar.load(testNotice2027, { sub: 'admin', name: 'admin', role: 'admin', org: '370000-dsj' });
      const [restatedCases] = await Promise.all([api.app.scheduler.restateDeadlines(2027), api.app.scheduler.fireDueTimers()]);
      expect(restatedCases).toBe(6);
    } finally {
      await api.close();
    }
  });
});
