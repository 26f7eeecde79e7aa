/**
 * Two servers on one data folder (README "Two builds on one data folder"; "Loading next year's holiday
 * notice"): a notice is loaded through one, and the other's minute timer pass, which re-states what a
 * killed load left (`Engine.awaitsRestatement`), finds the cases the load has not got to yet and
 * re-states them first (same event ids: each stored once). The load then found them done, and its
 * answer counted only the cases it got to first: found with 40 cases, the loading server the slower
 * one, answered `restatedCases: 5` with all 40 re-stated. The same-server case is
 * restateWhileTimerPass.test.ts (there the pass leaves a load's cases to it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from './harness.js';
import { partyTokens } from '../race/helpers.js';
import { startInputs } from '../machines/examples.js';
import { testNotice2027 } from '../calendars/notice2027.js';
import { DEADLINES_RESTATED } from '../../engine/events.js';
import { nextTurn } from '../../infra/turn.js';

let dataDir: string | undefined;
const apis: TestApi[] = [];
afterEach(async () => {
  for (const api of apis.splice(0)) await api.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

describe('a notice loaded through one server while the other server on the folder runs its timer pass', () => {
  it('given 40 open cases with provisional 2027 deadlines and the other server re-stating 35 of them first, then the load answers all 40 and each case is re-stated once', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wf-restate-beside-'));
    const loading = await openTestApi(dataDir, { now: '2026-12-21T02:00:00.000Z' });
    apis.push(loading);
    const other = await openTestApi(dataDir, { now: '2026-12-21T02:00:00.000Z' });
    apis.push(other);
    const tokens = await partyTokens(loading);
    for (let i = 0; i < 40; i++) {
      const started = await loading.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'objection', input: startInputs.objection } });
      expect(started.status, started.text).toBe(201);
    }
    // The loading server is the slower one (a busier node): five cases in, the other's pass overtakes it.
    let restateCalls = 0;
    let overtaken!: () => void;
    const passDone = new Promise<void>((resolve) => (overtaken = resolve));
    const restate = loading.app.engine.restateDeadlines.bind(loading.app.engine);
    loading.app.engine.restateDeadlines = async (caseId: string) => {
      restateCalls++;
      if (restateCalls === 6) await passDone;
      return restate(caseId);
    };
    const { year: _year, ...notice } = testNotice2027;
    const put = loading.call('PUT', '/v1/calendar/2027', { as: tokens.admin, body: notice });
    while (restateCalls < 6) await nextTurn();
    // The other server reads the calendar (so applies the stored notice), then its minute's timer pass comes.
    expect((await other.call('GET', '/v1/calendar/2027', { as: tokens.admin })).status).toBe(200);
    const fired = await other.app.scheduler.fireDueTimers();
    overtaken();
    const answer = await put;
    expect(answer.status, answer.text).toBe(200);
    expect(fired).toBe(35);
    let restatements = 0;
    for await (const event of loading.app.store.readAll()) if (event.type === DEADLINES_RESTATED) restatements++;
    expect(restatements).toBe(40);
    expect(answer.body.restatedCases).toBe(40);
  });
});
