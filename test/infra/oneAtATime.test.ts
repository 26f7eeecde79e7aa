/** infra/oneAtATime.ts: the calendar's notice reads and the scheduler's timer passes, one at a time. */
import { describe, expect, it } from 'vitest';
import { OneAtATime } from '../../infra/oneAtATime.js';

/** A task whose runs end when the test says so; `started` counts them. */
function heldTask() {
  const ends: ((n: number) => void)[] = [];
  let started = 0;
  const task = () => new Promise<number>((resolve) => {
    started++;
    ends.push(resolve);
  });
  return { task, ends, started: () => started };
}

describe('OneAtATime', () => {
  it('given a run under way, when three more calls come, then they share one run, started only once the first has ended', async () => {
    const { task, ends, started } = heldTask();
    const runs = new OneAtATime(task);
    const first = runs.run();
    const later = [runs.run(), runs.run(), runs.run()];
    expect(started()).toBe(1);
    ends[0]!(1);
    expect(await first).toBe(1);
    // The shared second run starts after the first ended, not before.
    await Promise.resolve();
    expect(started()).toBe(2);
    ends[1]!(2);
    expect(await Promise.all(later)).toEqual([2, 2, 2]);
    expect(started()).toBe(2);
  });

  // Mutation QA (pass 3): the queued run could be kept once it started (not cleared) with every test passing:
  // a call during the second run was then handed that run, which began before the call.
  it('given a second run under way, when a call comes during it, then that call gets a third run, started after the second ended', async () => {
    const { task, ends, started } = heldTask();
    const runs = new OneAtATime(task);
    const first = runs.run();
    const second = runs.run();
    ends[0]!(1);
    await first;
    await Promise.resolve();
    expect(started()).toBe(2);
    const third = runs.run();
    ends[1]!(2);
    expect(await second).toBe(2);
    await Promise.resolve();
    expect(started()).toBe(3);
    ends[2]!(3);
    expect(await third).toBe(3);
  });

  it('given a run that fails, then its callers are told, the calls that waited still get a run of their own, and the next call starts afresh', async () => {
    let calls = 0;
    const runs = new OneAtATime(async () => {
      calls++;
      if (calls === 1) throw new Error('读取失败');
      return calls;
    });
    const first = runs.run();
    const waited = runs.run();
    await expect(first).rejects.toThrow('读取失败');
    expect(await waited).toBe(2);
    expect(await runs.run()).toBe(3);
  });
});
