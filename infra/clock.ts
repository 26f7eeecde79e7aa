/**
 * The only code that reads the time. Everything else receives a `Clock`, so tests (and the
 * test clock endpoint) move time and never sleep.
 */
export interface Clock {
  /** The current instant. */
  now(): Date;
}

export const systemClock: Clock = {
  now: () => new Date(),
};

/** A clock that stands still until told to move: for tests, the demo and `PUT /v1/test/clock`. */
export class ManualClock implements Clock {
  #ms: number;

  constructor(start: Date | string = new Date()) {
    this.#ms = new Date(start).getTime();
    if (Number.isNaN(this.#ms)) throw new RangeError(`not an instant: ${String(start)}`);
  }

  now(): Date {
    return new Date(this.#ms);
  }

  set(to: Date | string): void {
    const ms = new Date(to).getTime();
    if (Number.isNaN(ms)) throw new RangeError(`not an instant: ${String(to)}`);
    this.#ms = ms;
  }

  advance(ms: number): void {
    this.#ms += ms;
  }
}

/** Monotonic high-resolution time in milliseconds, for measuring durations (never for facts). */
export function elapsedMs(): number {
  return performance.now();
}
