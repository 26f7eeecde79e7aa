/**
 * PUT /v1/calendar/{year} stores the notice, then re-states the open cases one after another; on a
 * real platform (tens of thousands of provisional tasks) that takes minutes, and the server's timer
 * pass (every minute) meanwhile finds every case not yet re-stated `awaitsRestatement` — as if the
 * load had died — and re-stated them too, walking the same cases in the same order. Each case was
 * read, folded and re-stated by both (one stored, the other's append replayed), and the cases the
 * pass got to first were not counted in the admin's `restatedCases`: found by loading the 2027
 * notice over 40 provisional cases with a timer pass started during the load (answered 22 of 40).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from './harness.js';
import { partyTokens } from '../race/helpers.js';
import { startInputs } from '../machines/examples.js';
import { testNotice2027 } from '../calendars/notice2027.js';
import { nextTurn } from '../../infra/turn.js';

let dataDir: string | undefined;
let api: TestApi | undefined;
afterEach(async () => {
  await api?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
  api = undefined;
});

/**
 * Given `count` open objections of 2026-12-21 (their 10 working days run into 2027, provisional)
 * on a server of its own: the tokens, and the engine's re-statements counted as they are asked
 * for — `hold`, when given, is awaited before the re-statement of that number.
 */
async function givenProvisionalCases(name: string, count: number, hold?: { at: number; until: Promise<void> }) {
  dataDir = mkdtempSync(join(tmpdir(), `wf-restate-${name}-`));
  api = await openTestApi(dataDir, { now: '2026-12-21T02:00:00.000Z' });
  const tokens = await partyTokens(api);
  for (let i = 0; i < count; i++) {
    const started = await api.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'objection', input: startInputs.objection } });
    expect(started.status, started.text).toBe(201);
  }
  const restatements = { calls: 0 };
  const engine = api.app.engine;
  const restate = engine.restateDeadlines.bind(engine);
  engine.restateDeadlines = async (caseId: string) => {
    if (++restatements.calls === hold?.at) await hold.until;
    return restate(caseId);
  };
  const { year: _year, ...notice } = testNotice2027;
  return { api, tokens, notice, restatements };
}

describe('a notice loaded while the timer pass runs', () => {
  it('given 40 open cases with provisional 2027 deadlines, when the 2027 notice is loaded and a timer pass starts during its re-statement, then the answer counts all 40 and no case is re-stated twice', async () => {
    const { api, tokens, notice, restatements } = await givenProvisionalCases('pass', 40);
    const put = api.call('PUT', '/v1/calendar/2027', { as: tokens.admin, body: notice });
    // The minute's timer pass comes while the load is re-stating (a few cases in).
    while (restatements.calls < 5) await nextTurn();
    const pass = api.app.scheduler.fireDueTimers();
    const [answer, fired] = await Promise.all([put, pass]);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.restatedCases).toBe(40);
    expect(fired).toBe(0);
    // One re-statement per case: the pass did not walk the load's cases again.
    expect(restatements.calls).toBe(40);
  });
});

/**
 * The admin's client gives up on a long load (a proxy's or a browser's timeout: 20,000 cases take
 * 25 s) and the admin loads the same notice again. The first load goes on re-stating; the retry
 * walked the same cases beside it — every case read, folded and re-stated twice — and answered a
 * count of whichever cases it got to first: found with 5,000 cases, the first client gone after
 * 2,707, the retry answered 1,146 with all 5,000 re-stated and 10,000 re-statements tried.
 */
describe('the same notice loaded again while its first load is still re-stating', () => {
  it('given 30 open cases with provisional 2027 deadlines and the 2027 notice being loaded, when it is loaded again a few cases in, then both answers count the 30 and each case is re-stated once', async () => {
    const { api, tokens, notice, restatements } = await givenProvisionalCases('again', 30);
    const first = api.call('PUT', '/v1/calendar/2027', { as: tokens.admin, body: notice });
    while (restatements.calls < 5) await nextTurn();
    const again = api.call('PUT', '/v1/calendar/2027', { as: tokens.admin, body: notice });
    const answers = await Promise.all([first, again]);
    expect(answers.map((a) => [a.status, a.body.restatedCases])).toEqual([
      [200, 30],
      [200, 30],
    ]);
    expect(restatements.calls).toBe(30);
    // Once it has ended, a third load finds nothing left (restateAfterKill's retry).
    const third = await api.call('PUT', '/v1/calendar/2027', { as: tokens.admin, body: notice });
    expect(third.body.restatedCases).toBe(0);
  });
});

/**
 * A load's progress where a dashboard reads it: the log says how far at every tenth, /metrics how far
 * now (`workflow_calendar_restatement_progress`, 0 to 1, NaN when no load re-states), as it does a
 * rebuild's. Found with 20,000 cases: 25 s with nothing in /metrics.
 */
describe('a notice load in /metrics', () => {
  it('given 10 open cases with provisional 2027 deadlines, when the 2027 notice is loaded, then /metrics shows how far its re-statement has come while it runs, and NaN before and after', async () => {
    // The fifth case's re-statement is held until /metrics has been read: four of ten checked.
    let release!: () => void;
    const { api, tokens, notice, restatements } = await givenProvisionalCases('metrics', 10, { at: 5, until: new Promise<void>((resolve) => (release = resolve)) });
    const progress = async () => /^workflow_calendar_restatement_progress (\S+)$/m.exec((await api.call('GET', '/metrics')).text)?.[1];
    expect(await progress()).toBe('NaN');
    const put = api.call('PUT', '/v1/calendar/2027', { as: tokens.admin, body: notice });
    while (restatements.calls < 5) await nextTurn();
    expect(await progress()).toBe('0.4');
    release();
    expect((await put).body.restatedCases).toBe(10);
    expect(await progress()).toBe('NaN');
  });
});
