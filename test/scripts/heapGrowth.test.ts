/**
 * The server's heap growth (scripts/heapGrowth.ts): `npm start` sets V8's factor, unless node's
 * command line gave one, and says which is in force.
 */
import { describe, expect, it } from 'vitest';
import { applyServerHeapGrowth, SERVER_HEAP_GROWING_PERCENT } from '../../scripts/heapGrowth.js';

/** Applies it to `execArgv`, answering the percent in force and the flags it set. */
function apply(execArgv: string[]) {
  const set: string[] = [];
  const percent = applyServerHeapGrowth(execArgv, (flag) => set.push(flag));
  return { percent, set };
}

describe('applyServerHeapGrowth', () => {
  it('given node started without a factor (as npm start starts it), then it sets the server\'s, and answers it', () => {
    expect(SERVER_HEAP_GROWING_PERCENT).toBe(300);
    expect(apply(['--import', 'tsx'])).toEqual({ percent: 300, set: ['--heap-growing-percent=300'] });
    expect(apply([])).toEqual({ percent: 300, set: ['--heap-growing-percent=300'] });
  });

  it('given a factor on node\'s command line, in either spelling and either form, then it keeps it and sets nothing', () => {
    expect(apply(['--heap-growing-percent=150', '--import', 'tsx'])).toEqual({ percent: 150, set: [] });
    expect(apply(['--import', 'tsx', '--heap_growing_percent=80'])).toEqual({ percent: 80, set: [] });
    expect(apply(['--heap-growing-percent', '200', '--import', 'tsx'])).toEqual({ percent: 200, set: [] });
    // Given twice, V8 takes the last.
    expect(apply(['--heap-growing-percent=150', '--heap-growing-percent=50'])).toEqual({ percent: 50, set: [] });
  });

  it('given 0 (V8\'s own factor) or a value V8 does not take as a factor, then V8\'s own is in force (null) and it sets nothing', () => {
    expect(apply(['--heap-growing-percent=0'])).toEqual({ percent: null, set: [] });
    expect(apply(['--heap-growing-percent=lots'])).toEqual({ percent: null, set: [] });
    expect(apply(['--heap-growing-percent'])).toEqual({ percent: null, set: [] });
  });

  it('given other heap flags only, then they are not taken for a factor', () => {
    expect(apply(['--max-old-space-size=4096', '--heap-growing-percentage=10'])).toEqual({ percent: 300, set: ['--heap-growing-percent=300'] });
  });
});
