/**
 * Timers (ARCHITECTURE.md "Timers"; 附录5 协议二(二) 到期数据使用权限自动失效): the scheduler sends
 * USAGE_EXPIRED when the agreed use ends, with a deterministic event id, so a second run, a second
 * scheduler or a restart never stores it twice. Time moves only on the ManualClock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../infra/logger.js';
import { Scheduler } from '../../engine/scheduler.js';
import { StoreUnreachableError } from '../../eventstore/types.js';
import { conditionalApplicationV4, conditionalApplicationV5 } from '../../machines/conditionalApplication.js';
import { ProcessRegistry } from '../../machines/registry.js';
import { actors, commandData } from '../machines/examples.js';
import { createWorld, endOfDay, given, historyOf, meta, when, type World } from './world.js';

const toActive = ['PASS_NORMATIVE_REVIEW', 'APPROVE', 'SIGN_AGREEMENT', 'GRANT_ACCESS'] as const;
/** The agreement of the examples runs to 2025-12-31: use ends at 23:59:59.999 Shanghai that day. */
const useEnds = endOfDay('2025-12-31');
const justBefore = '2025-12-31T15:59:59.998Z';
/** 2026-01-01 00:00 Shanghai. */
const justAfter = '2025-12-31T16:00:00.000Z';
const agreement = commandData.conditionalApplication.SIGN_AGREEMENT;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'engine-timers-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let file = 0;
let w: World;
let path: string;
beforeEach(async () => {
  path = join(dir, `events-${++file}.db`);
  w = await createWorld({ path });
});
afterEach(() => w.close());

async function expiries(world: World, c: { process: string; caseId: string }) {
  return (await historyOf(world, c)).filter((e) => e.type === 'UsageExpired');
}

// v5, 附录5 协议二(二) 可在……至……使用: an agreement may be signed within the requested use, access granted
// within the agreed one; once that is over, nothing can be, so the case ends and the provider's task with it.
describe('USAGE_EXPIRED before access was granted (v5)', () => {
  /** The examples' application asks for use until 2026-03-31: 2026-04-01 00:00 Shanghai. */
  const requestedEnds = '2026-03-31T16:00:00.000Z';

  it('given an agreement signed and access not granted, when the agreed use ends, then UsageExpired closes the case, and the provider’s task is closed as cancelled, not done', async () => {
    const c = await given(w, 'conditionalApplication', ['PASS_NORMATIVE_REVIEW', 'APPROVE', 'SIGN_AGREEMENT']);
    expect(c.timers).toEqual([expect.objectContaining({ command: 'USAGE_EXPIRED', dueAt: useEnds })]);
    w.clock.set(justBefore);
    expect(await w.scheduler.fireDueTimers()).toBe(0);
    w.clock.set(justAfter);
    expect(await w.scheduler.fireDueTimers()).toBe(1);

    const now = await w.engine.getCase(c.caseId);
    expect(now).toMatchObject({ state: 'closed', final: true, tasks: [], timers: [] });
    expect(now.snapshot.context).toMatchObject({ ending: { cause: 'expired', reason: expect.stringContaining('使用权限未开通'), by: 'system' } });
    const [expired] = await expiries(w, c);
    expect(meta(expired!)).toMatchObject({ stateBefore: 'accessPending', stateAfter: 'closed', tasksOpened: [], tasksClosed: [{ stage: 'accessPending', completedAt: useEnds, cancelled: true }] });
    expect((await w.engine.verify(c.caseId)).ok).toBe(true);
  });

  it('given an approved application not signed, when the requested use ends, then UsageExpired closes the case, and the provider’s task is closed as cancelled', async () => {
    const c = await given(w, 'conditionalApplication', ['PASS_NORMATIVE_REVIEW', 'APPROVE']);
    expect(c.timers).toEqual([expect.objectContaining({ command: 'USAGE_EXPIRED', dueAt: endOfDay('2026-03-31') })]);
    w.clock.set(justAfter);
    expect(await w.scheduler.fireDueTimers()).toBe(0);
    w.clock.set(requestedEnds);
    expect(await w.scheduler.fireDueTimers()).toBe(1);

    const now = await w.engine.getCase(c.caseId);
    expect(now).toMatchObject({ state: 'closed', tasks: [], timers: [] });
    expect(now.snapshot.context).toMatchObject({ ending: { cause: 'expired', reason: expect.stringContaining('协议未签订'), by: 'system' } });
    expect(meta((await expiries(w, c))[0]!)).toMatchObject({ stateBefore: 'agreementPending', tasksClosed: [{ stage: 'agreementPending', cancelled: true }] });
  });

  // Mutation QA (pass 3): v5 itself could take no USAGE_EXPIRED before the agreement is signed (closing it from v6 on), its timer firing nothing, with every test passing: the test above runs on the latest version. 附录5 协议二(二)
  it('given a v5 case (only v5 registered) approved and never signed, when the requested use ends and timers fire, then UsageExpired closes it, saying no agreement was signed', async () => {
    const v5 = await createWorld({ path: join(dir, `events-${++file}.db`), registry: new ProcessRegistry([conditionalApplicationV5]) });
    try {
      const c = await given(v5, 'conditionalApplication', ['PASS_NORMATIVE_REVIEW', 'APPROVE']);
      expect(c).toMatchObject({ version: 5, state: 'agreementPending', timers: [expect.objectContaining({ command: 'USAGE_EXPIRED', dueAt: endOfDay('2026-03-31') })] });
      v5.clock.set(requestedEnds);
      expect(await v5.scheduler.fireDueTimers()).toBe(1);
      const now = await v5.engine.getCase(c.caseId);
      expect(now).toMatchObject({ version: 5, state: 'closed', tasks: [], timers: [] });
      expect(now.snapshot.context).toMatchObject({ ending: { cause: 'expired', reason: expect.stringContaining('协议未签订'), by: 'system' } });
    } finally {
      await v5.close();
    }
  });

  it('given a v4 case in accessPending, when its agreed use ends, then no timer fires and it stays as v4 says', async () => {
    const v4 = await createWorld({ path: join(dir, `events-${++file}.db`), registry: new ProcessRegistry([conditionalApplicationV4]) });
    try {
      const c = await given(v4, 'conditionalApplication', ['PASS_NORMATIVE_REVIEW', 'APPROVE', 'SIGN_AGREEMENT']);
      expect(c).toMatchObject({ version: 4, timers: [] });
      v4.clock.set(justAfter);
      expect(await v4.scheduler.fireDueTimers()).toBe(0);
      expect(await v4.engine.getCase(c.caseId)).toMatchObject({ state: 'accessPending' });
    } finally {
      await v4.close();
    }
  });
});

describe('USAGE_EXPIRED at the end of useTo', () => {
  it('given an active use until 2025-12-31, when the clock is a millisecond before its end, then nothing fires', async () => {
    const c = await given(w, 'conditionalApplication', toActive);
    expect(c.timers).toEqual([expect.objectContaining({ command: 'USAGE_EXPIRED', dueAt: useEnds })]);
    w.clock.set(justBefore);
    const head = await w.store.headPosition();
    expect(await w.scheduler.fireDueTimers()).toBe(0);
    expect(await w.store.headPosition()).toBe(head);
  });

  it('given an active use until 2025-12-31, when the clock is at its last instant (23:59:59.999), then nothing fires and the applicant may still report use: that instant is the day’s, as a task’s due instant is (time QA)', async () => {
    const c = await given(w, 'conditionalApplication', toActive);
    w.clock.set(useEnds);
    expect(await w.scheduler.fireDueTimers()).toBe(0);
    expect(w.scheduler.index.countDue(w.clock.now())).toBe(0);
    const reported = await w.engine.execute({ caseId: c.caseId, type: 'REPORT_USAGE', data: commandData.conditionalApplication.REPORT_USAGE, actor: actors.company });
    expect(reported.state).toBe('active');
  });

  it('given an active use until 2025-12-31, when the clock passes its end, then the system stores UsageExpired: destructionPending with the applicant’s destruction task', async () => {
    const c = await given(w, 'conditionalApplication', toActive);
    const timer = c.timers[0]!;
    w.clock.set(justAfter);
    expect(await w.scheduler.fireDueTimers()).toBe(1);

    const now = await w.engine.getCase(c.caseId);
    expect(now).toMatchObject({ state: 'destructionPending', timers: [] });
    expect(now.snapshot.context).toMatchObject({ ending: { cause: 'expired', by: 'system' } });
    const [expired] = await expiries(w, c);
    expect(expired!.id).toBe(timer.eventId);
    expect(meta(expired!)).toMatchObject({ command: 'USAGE_EXPIRED', actor: { role: 'system' }, at: justAfter, stateBefore: 'active', stateAfter: 'destructionPending' });
    // The agreement ended at the end of 2025-12-31 (Shanghai): destruction is counted from then,
    // 30 calendar days (the agreement's destructionDays) → Fri 2026-01-30 (附录5 协议二(二)).
    expect(meta(expired!).tasksOpened).toMatchObject([
      { stage: 'destructionPending', role: 'applicant', org: actors.company.org, enteredAt: useEnds, dueDate: '2026-01-30', dueAt: endOfDay('2026-01-30'), basis: 'agreement' },
    ]);
    expect((await w.engine.verify(c.caseId)).ok).toBe(true);
  });

  it('given a fired expiry, when the scheduler runs again, then nothing more is stored', async () => {
    const c = await given(w, 'conditionalApplication', toActive);
    w.clock.set(justAfter);
    await w.scheduler.fireDueTimers();
    const head = await w.store.headPosition();
    w.clock.advance(86_400_000);
    expect(await w.scheduler.fireDueTimers()).toBe(0);
    expect(await w.store.headPosition()).toBe(head);
    expect(await expiries(w, c)).toHaveLength(1);
  });

  it('given a due expiry, when two schedulers of one engine fire at once, then one event is stored', async () => {
    const c = await given(w, 'conditionalApplication', toActive);
    const second = new Scheduler({ engine: w.engine, store: w.store, clock: w.clock });
    w.clock.set(justAfter);
    const fired = await Promise.all([w.scheduler.fireDueTimers(), second.fireDueTimers()]);
    expect(fired[0]! + fired[1]!).toBe(1);
    expect(await expiries(w, c)).toHaveLength(1);
  });

  it('given three due expiries, when a pass is asked for while one is running (the interval’s tick during a long pass, a test-clock move), then it runs after it, and no timer is sent twice', async () => {
    const cases = [await given(w, 'conditionalApplication', toActive), await given(w, 'conditionalApplication', toActive), await given(w, 'conditionalApplication', toActive)];
    w.clock.set(justAfter);
    const sent = vi.spyOn(w.engine, 'execute');
    const first = w.scheduler.fireDueTimers();
    const second = w.scheduler.fireDueTimers();
    const third = w.scheduler.fireDueTimers();
    expect(await Promise.all([first, second, third])).toEqual([3, 0, 0]);
    // The passes asked for during the first share one, run after it: each expiry was sent once.
    expect(sent).toHaveBeenCalledTimes(3);
    for (const c of cases) expect(await expiries(w, c)).toHaveLength(1);
  });

  it('given a due expiry, when schedulers on two nodes (engines on one SQLite file, each with a stale copy of the case) fire at once, then one event is stored', async () => {
    const c = await given(w, 'conditionalApplication', toActive);
    const other = await createWorld({ path, clock: w.clock });
    try {
      expect((await other.engine.getCase(c.caseId)).state).toBe('active');
      w.clock.set(justAfter);
      const fired = await Promise.all([w.scheduler.fireDueTimers(), other.scheduler.fireDueTimers(), w.scheduler.fireDueTimers()]);
      expect(fired.reduce((a, b) => a + b, 0)).toBe(1);
      expect(await expiries(w, c)).toHaveLength(1);
      expect((await other.engine.getCase(c.caseId)).state).toBe('destructionPending');
      expect((await w.engine.verify(c.caseId)).ok).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('given a fired expiry, when the node restarts (new engine and scheduler on the same file), then nothing fires again', async () => {
    const c = await given(w, 'conditionalApplication', toActive);
    w.clock.set(justAfter);
    expect(await w.scheduler.fireDueTimers()).toBe(1);
    await w.close();
    w = await createWorld({ path, at: '2026-01-02T02:00:00.000Z' });
    expect(await w.scheduler.fireDueTimers()).toBe(0);
    expect(await expiries(w, c)).toHaveLength(1);
    expect((await w.engine.getCase(c.caseId)).state).toBe('destructionPending');
  });

  it('given an expiry that fell due while the node was down, when it restarts, then the rebuilt index fires it once', async () => {
    const c = await given(w, 'conditionalApplication', toActive);
    await w.close();
    w = await createWorld({ path, at: '2026-01-05T02:00:00.000Z' });
    expect(await w.scheduler.fireDueTimers()).toBe(1);
    expect(await w.scheduler.fireDueTimers()).toBe(0);
    expect(await expiries(w, c)).toHaveLength(1);
  });

  it('given three uses ending on different days, when the clock reaches the second end, then only the first two expire', async () => {
    const ends = ['2025-10-31', '2025-11-30', '2025-12-31'];
    const cases = [];
    for (const useTo of ends) {
      cases.push(await given(w, 'conditionalApplication', [...toActive.slice(0, 2), ['SIGN_AGREEMENT', { data: { ...agreement, useTo } }], 'GRANT_ACCESS']));
    }
    w.clock.set('2025-11-30T16:00:00.000Z');
    expect(await w.scheduler.fireDueTimers()).toBe(2);
    const states = await Promise.all(cases.map(async (c) => (await w.engine.getCase(c.caseId)).state));
    expect(states).toEqual(['destructionPending', 'destructionPending', 'active']);
  });

  it('given two uses that end, when one case’s expiry fails, then the other still expires, the failure is logged with its case, and the next pass fires it', async () => {
    const broken = await given(w, 'conditionalApplication', toActive);
    const sound = await given(w, 'conditionalApplication', toActive);
    const logged: Record<string, unknown>[] = [];
    const logger = { error: (fields: Record<string, unknown>) => logged.push(fields), info: () => undefined, debug: () => undefined } as unknown as Logger;
    const execute = w.engine.execute.bind(w.engine);
    let failing = true;
    const spy = vi.spyOn(w.engine, 'execute').mockImplementation((cmd) => (failing && cmd.caseId === broken.caseId ? Promise.reject(new Error('disk I/O error')) : execute(cmd)));
    try {
      const scheduler = new Scheduler({ engine: w.engine, store: w.store, clock: w.clock, logger });
      w.clock.set(justAfter);
      expect(await scheduler.fireDueTimers()).toBe(1);
      expect((await w.engine.getCase(sound.caseId)).state).toBe('destructionPending');
      expect((await w.engine.getCase(broken.caseId)).state).toBe('active');
      expect(logged).toEqual([expect.objectContaining({ caseId: broken.caseId, command: 'USAGE_EXPIRED' })]);

      failing = false;
      expect(await scheduler.fireDueTimers()).toBe(1);
      expect((await w.engine.getCase(broken.caseId)).state).toBe('destructionPending');
    } finally {
      spy.mockRestore();
    }
  });

  // Mutation QA (pass 3): the scheduler could count a timer whose case another server has moved on as a failure (logged as an error, onFailure told: /health degraded), with every test passing.
  it('given a due expiry, when another server terminates the case while the pass is under way (its clock still on the last day of use), then the pass resolves firing nothing, and logs and reports no failure: the timer no longer applies', async () => {
    const c = await given(w, 'conditionalApplication', toActive);
    // Another node on the same file, its clock a moment behind: to it the use has not ended, so its TERMINATE does not fire the expiry first.
    const other = await createWorld({ path, at: justBefore });
    const logged: Record<string, unknown>[] = [];
    const failures: unknown[] = [];
    const skipped: Record<string, unknown>[] = [];
    const logger = {
      error: (fields: Record<string, unknown>) => logged.push(fields),
      warn: (fields: Record<string, unknown>) => logged.push(fields),
      info: () => undefined,
      debug: (fields: Record<string, unknown>) => skipped.push(fields),
    } as unknown as Logger;
    const execute = w.engine.execute.bind(w.engine);
    // The pass has read the log (the index says the expiry is due); the other server's TERMINATE lands before the expiry is sent.
    const spy = vi.spyOn(w.engine, 'execute').mockImplementation(async (cmd) => {
      if (cmd.caseId === c.caseId && cmd.type === 'USAGE_EXPIRED') await when(other, c.caseId, 'TERMINATE');
      return execute(cmd);
    });
    try {
      const scheduler = new Scheduler({ engine: w.engine, store: w.store, clock: w.clock, logger, onFailure: (err) => failures.push(err) });
      w.clock.set(justAfter);
      expect(await scheduler.fireDueTimers()).toBe(0);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(failures).toEqual([]);
      expect(logged).toEqual([]);
      expect(skipped).toEqual([expect.objectContaining({ caseId: c.caseId, type: 'USAGE_EXPIRED', code: 'INVALID_TRANSITION' })]);
      expect((await w.engine.getCase(c.caseId)).snapshot.context).toMatchObject({ ending: { cause: 'terminated' } });
      expect(await expiries(w, c)).toHaveLength(0);
    } finally {
      spy.mockRestore();
      await other.close();
    }
  });

  it('given three uses that end, when the store cannot be reached (EventStoreDB down), then the pass stops at the first and fails with StoreUnreachableError, logging no line per case, and the next pass once it is back fires all three', async () => {
    const cases = [await given(w, 'conditionalApplication', toActive), await given(w, 'conditionalApplication', toActive), await given(w, 'conditionalApplication', toActive)];
    const logged: Record<string, unknown>[] = [];
    const failures: unknown[] = [];
    const logger = { error: (fields: Record<string, unknown>) => logged.push(fields), info: () => undefined, warn: () => undefined, debug: () => undefined } as unknown as Logger;
    const execute = w.engine.execute.bind(w.engine);
    let down = true;
    let tried = 0;
    const refused = () => new StoreUnreachableError(Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 }));
    const spy = vi.spyOn(w.engine, 'execute').mockImplementation((cmd) => (down ? (tried++, Promise.reject(refused())) : execute(cmd)));
    try {
      const scheduler = new Scheduler({ engine: w.engine, store: w.store, clock: w.clock, logger, onFailure: (err) => failures.push(err) });
      w.clock.set(justAfter);
      await expect(scheduler.fireDueTimers()).rejects.toBeInstanceOf(StoreUnreachableError);
      expect(tried).toBe(1);
      expect(logged).toEqual([]);
      expect(failures).toEqual([]);

      down = false;
      expect(await scheduler.fireDueTimers()).toBe(3);
      const states = await Promise.all(cases.map(async (c) => (await w.engine.getCase(c.caseId)).state));
      expect(states).toEqual(['destructionPending', 'destructionPending', 'destructionPending']);
    } finally {
      spy.mockRestore();
    }
  });

  it('given a renewal approved to 2026-03-31, when the old end passes, then nothing fires until the new end', async () => {
    const c = await given(w, 'conditionalApplication', [...toActive, 'REQUEST_RENEWAL', 'APPROVE_RENEWAL']);
    w.clock.set(justAfter);
    expect(await w.scheduler.fireDueTimers()).toBe(0);
    w.clock.set('2026-03-31T16:00:00.000Z');
    expect(await w.scheduler.fireDueTimers()).toBe(1);
    expect((await w.engine.getCase(c.caseId)).state).toBe('destructionPending');
  });

  it('given an active use until 2025-12-31, when the timer runs a week late (the server was down), then destruction is still counted from the end of the agreement, not from the late run', async () => {
    const c = await given(w, 'conditionalApplication', toActive);
    w.clock.set('2026-01-07T02:00:00.000Z');
    expect(await w.scheduler.fireDueTimers()).toBe(1);
    const [expired] = await expiries(w, c);
    // The event is stored when it is; the task it opens began when the agreement ended (附录5 协议二(二): 协议终止后，在约定时长内销毁).
    expect(meta(expired!).at).toBe('2026-01-07T02:00:00.000Z');
    expect(meta(expired!).tasksOpened).toMatchObject([{ stage: 'destructionPending', enteredAt: useEnds, dueDate: '2026-01-30' }]);
  });

  // 附录5 协议二(二): 到期数据使用权限自动失效 — a suspension or a pending renewal does not keep the agreement alive (v2).
  it.each([
    ['suspended', 'SUSPEND'],
    ['under renewal review', 'REQUEST_RENEWAL'],
  ] as const)('given a use %s over its end, when the end passes, then use expires there and then', async (_, step) => {
    const c = await given(w, 'conditionalApplication', [...toActive, step]);
    w.clock.set(justBefore);
    expect(await w.scheduler.fireDueTimers()).toBe(0);
    w.clock.set(justAfter);
    expect(await w.scheduler.fireDueTimers()).toBe(1);
    const after = await w.engine.getCase(c.caseId);
    expect(after.state).toBe('destructionPending');
    expect(after.tasks.map((t) => t.stage).sort()).toEqual(['destructionPending', 'resultsReport']);
  });
});
