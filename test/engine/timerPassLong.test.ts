/**
 * A midnight burst (附录5 协议二(二) 到期数据使用权限自动失效): year-end agreements are common, so thousands
 * of uses end at the same midnight and one timer pass fires them all. Measured with 10,000 active
 * applications ending 2026-12-31 (npm start, SQLite FULL, two cores): the pass took 33 s alone and
 * 50–63 s with reviewers working beside it; 20,000 took 74 s alone, 222 s under load. Meanwhile:
 *
 * - the log said nothing from the pass's start to its end (and nothing at all when PUT /v1/test/clock ran
 *   it): no count of what was due, no progress, nothing telling a long pass from a stalled one;
 * - SIGTERM during the pass (docker stop, a deployment) waited for the whole pass before the store was
 *   closed: 16 s for the 6,268 left of 10,000, where docker stop kills after 10 s; and a pass a PUT of
 *   the test clock ran had the store closed under it, one error line with a stack for each of the
 *   6,831 cases left (`案件的系统指令执行失败 … the event store is closed`).
 *
 * A pass now says how far it has come (every few seconds, and `timerPassProgress` for /metrics) and how
 * many it fired, and `halt` ends it between one case and the next: the next start fires the rest, each once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Scheduler } from '../../engine/scheduler.js';
import { StoreUnreachableError } from '../../eventstore/types.js';
import { createLogger } from '../../infra/logger.js';
import { activeEndingOnNewYearsEve, coldEngine, createWorld, historyOf, type World } from './world.js';

/** 2026-01-01 00:00 Shanghai: the uses agreed to end on 2025-12-31 are over. */
const afterMidnight = '2025-12-31T16:00:00.000Z';

let dir: string;
let w: World;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'engine-timer-pass-'));
  w = await createWorld({ path: join(dir, 'events.db'), at: '2025-03-03T01:30:00.000Z' });
});
afterEach(async () => {
  await w.close();
  rmSync(dir, { recursive: true, force: true });
});


/** A logger whose lines the test reads. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text) lines.push(JSON.parse(text) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info' }, sink) };
}

/** A scheduler on the world's store with a logger of its own; `hold` is awaited before the system command of that number. */
function schedulerOf(world: World, logger: ReturnType<typeof createLogger>, options: { progressEveryMs?: number; hold?: { at: number; until: Promise<void>; reached: () => void } } = {}) {
  const calls = { system: 0 };
  const execute = world.engine.execute.bind(world.engine);
  world.engine.execute = async (cmd) => {
    if (cmd.actor.role === 'system' && ++calls.system === options.hold?.at) {
      options.hold.reached();
      await options.hold.until;
    }
    return execute(cmd);
  };
  const scheduler = new Scheduler({ engine: world.engine, store: world.store, clock: world.clock, logger, ...(options.progressEveryMs !== undefined ? { progressEveryMs: options.progressEveryMs } : {}) });
  return { scheduler, calls };
}

async function expiriesOf(world: World, ids: string[]): Promise<number[]> {
  return Promise.all(ids.map(async (caseId) => (await historyOf(world, { process: 'conditionalApplication', caseId })).filter((e) => e.type === 'UsageExpired').length));
}

describe('a timer pass over many uses ending at one midnight', () => {
  it('given 12 active applications whose use ends on 2025-12-31, when a pass fires them, then the log says how far it has come while it runs and how many it fired at its end, and timerPassProgress tells it meanwhile', async () => {
    const ids = await activeEndingOnNewYearsEve(w.engine, 12);
    const { lines, logger } = capturedLogger();
    // A line whenever the interval has passed: with 0, after every case.
    const { scheduler } = schedulerOf(w, logger, { progressEveryMs: 0 });
    const seen: ({ done: number; total: number } | undefined)[] = [];
    const execute = w.engine.execute;
    w.engine.execute = async (cmd) => {
      if (cmd.actor.role === 'system') seen.push(scheduler.timerPassProgress());
      return execute(cmd);
    };
    expect(scheduler.timerPassProgress()).toBeUndefined();

    w.clock.set(afterMidnight);
    expect(await scheduler.fireDueTimers()).toBe(12);

    expect(seen[0]).toEqual({ done: 0, total: 12 });
    expect(seen[5]).toEqual({ done: 5, total: 12 });
    expect(scheduler.timerPassProgress()).toBeUndefined();
    const progress = lines.filter((l) => String(l.msg).startsWith('正在触发到期的系统指令'));
    expect(progress.length).toBeGreaterThanOrEqual(10);
    expect(progress[4]).toMatchObject({ level: 30, done: 5, due: 12, fired: 5, msg: '正在触发到期的系统指令：已处理 5/12 个（41%），已触发 5 个' });
    const end = lines.filter((l) => String(l.msg).startsWith('已触发'));
    expect(end).toEqual([expect.objectContaining({ level: 30, fired: 12, due: 12, msg: '已触发 12 个到期的系统指令（共 12 个到期）' })]);
    expect(await expiriesOf(w, ids)).toEqual(Array(12).fill(1));
  });

  it('given 12 due and two servers on one store passing at once, then each use ends once, the two fired 12 between them, and each end line names what it fired and what it found done by the other', async () => {
    const ids = await activeEndingOnNewYearsEve(w.engine, 12);
    const a = capturedLogger();
    const b = capturedLogger();
    const first = new Scheduler({ engine: w.engine, store: w.store, clock: w.clock, logger: a.logger });
    // Another node: its own engine (nothing cached), the same store.
    const second = new Scheduler({ engine: coldEngine(w), store: w.store, clock: w.clock, logger: b.logger });
    await Promise.all([first.index.catchUp(), second.index.catchUp()]);
    w.clock.set(afterMidnight);
    const fired = await Promise.all([first.fireDueTimers(), second.fireDueTimers()]);
    expect(fired[0]! + fired[1]!).toBe(12);
    expect(await expiriesOf(w, ids)).toEqual(Array(12).fill(1));
    for (const [i, { lines }] of [a, b].entries()) {
      const end = lines.filter((l) => String(l.msg).startsWith('已触发')).map((l) => l.msg);
      const mine = fired[i]!;
      if (mine === 0) expect(end).toEqual([]);
      else if (mine === 12) expect(end).toEqual(['已触发 12 个到期的系统指令（共 12 个到期）']);
      else expect(end).toEqual([`已触发 ${mine} 个到期的系统指令（共 12 个到期，${12 - mine} 个已由其他服务器或案件上的指令先行触发，或已不适用）`]);
    }
  });

  it('given a pass firing 12 due timers, when the store cannot be reached from the sixth (EventStoreDB gone), then the pass fails as before, and its log says how many it fired before and how many are left for the next pass, not only that this one could not fire', async () => {
    const ids = await activeEndingOnNewYearsEve(w.engine, 12);
    const { lines, logger } = capturedLogger();
    const { scheduler } = schedulerOf(w, logger, { progressEveryMs: 0 });
    const execute = w.engine.execute;
    let system = 0;
    let down = false;
    w.engine.execute = async (cmd) => {
      if (cmd.actor.role === 'system' && ++system === 6) down = true;
      if (down) throw new StoreUnreachableError(new Error('14 UNAVAILABLE: No connection established'));
      return execute(cmd);
    };

    w.clock.set(afterMidnight);
    await expect(scheduler.fireDueTimers()).rejects.toBeInstanceOf(StoreUnreachableError);

    expect(scheduler.timerPassProgress()).toBeUndefined();
    expect((await expiriesOf(w, ids)).filter((n) => n === 1)).toHaveLength(5);
    // Its progress lines said 5 fired: the pass's end says so too, and what is left.
    expect(lines.filter((l) => String(l.msg).startsWith('正在触发到期的系统指令')).at(-1)).toMatchObject({ done: 5, fired: 5 });
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual(['存储无法访问，到期系统指令的触发已中断：已触发 5 个，尚有 7 个到期未触发，下次定时检查时重试']);
    expect(lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
  });

  it('given a pass firing 12 due timers, when the scheduler is halted at the fifth (the server stopping), then the pass ends after the case under way, the log names the 7 left for the next start, no case fails, and a scheduler started again on the store fires each of the 7 once', async () => {
    const ids = await activeEndingOnNewYearsEve(w.engine, 12);
    const { lines, logger } = capturedLogger();
    let release = () => {};
    let reached = () => {};
    const atFifth = new Promise<void>((resolve) => (reached = resolve));
    const until = new Promise<void>((resolve) => (release = resolve));
    const { scheduler } = schedulerOf(w, logger, { hold: { at: 5, until, reached } });

    w.clock.set(afterMidnight);
    const pass = scheduler.fireDueTimers();
    await atFifth;
    const halted = scheduler.halt();
    let haltDone = false;
    void halted.then(() => (haltDone = true));
    release();
    expect(await pass).toBe(5);
    await halted;
    expect(haltDone).toBe(true);
    // A halted scheduler starts no pass (the store is about to close).
    expect(await scheduler.fireDueTimers()).toBe(0);
    expect(lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
    expect(lines.filter((l) => (l.level as number) === 40).map((l) => l.msg)).toEqual(['服务停止，到期系统指令的触发已中断：已触发 5 个，尚有 7 个到期未触发，将在服务再次启动后的定时检查中触发']);
    expect((await expiriesOf(w, ids)).filter((n) => n === 1)).toHaveLength(5);

    // Started again: the rest, each once.
    const again = new Scheduler({ engine: w.engine, store: w.store, clock: w.clock });
    expect(await again.fireDueTimers()).toBe(7);
    expect(await expiriesOf(w, ids)).toEqual(Array(12).fill(1));
  });
});

describe('a halted scheduler', () => {
  it('given the scheduler halted and the store then closed (app.close), when a holiday notice load that was still under way asks for its re-statement, then none starts: it reads nothing from the closed store, answers 0 and says it was left for the next start, as a timer pass asked then does', async () => {
    await activeEndingOnNewYearsEve(w.engine, 2);
    const { lines, logger } = capturedLogger();
    const { scheduler } = schedulerOf(w, logger);
    await scheduler.halt();
    await w.store.close();

    expect(await scheduler.fireDueTimers()).toBe(0);
    expect(await scheduler.restateDeadlines(2027, 'v-after-halt')).toBe(0);
    expect(scheduler.restatementProgress()).toBeUndefined();
    expect(lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([
      '服务停止，按 2027 年节假日安排重新核定期限未开始：在服务再次启动后由定时检查补做；更正通知改动的正式期限需再次载入该通知',
    ]);
  });
});
