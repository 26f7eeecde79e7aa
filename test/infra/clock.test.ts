/** infra/clock.ts: the test clock takes instants only (mutation QA, pass 3: an invalid date was taken unseen). */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../infra/clock.js';

describe('ManualClock', () => {
  it('given something that is not an instant, then it is refused as a RangeError, at its making and at a move, and the clock stays where it was', () => {
    expect(() => new ManualClock('not a date')).toThrow(RangeError);
    const clock = new ManualClock('2026-03-02T01:00:00.000Z');
    expect(() => clock.set('2026-13-45')).toThrow(RangeError);
    expect(clock.now().toISOString()).toBe('2026-03-02T01:00:00.000Z');
  });
});
