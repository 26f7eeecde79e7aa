import type { AppendResult } from '../eventstore/types.js';

/**
 * The appends one writer (the engine, the calendar in force) has asked of the store and not yet had
 * answered, and the last position it stored. An event's time (`at`) is stamped just before its
 * append: a reader of a period ending now (the audit export) waits here for the events stamped in it
 * that are still being committed, then for its read models to reach what was stored.
 */
export class AppendsUnderWay {
  readonly #pending = new Set<Promise<AppendResult>>();
  #position = 0;

  /** Holds `append` as under way until it is answered, stored or refused. */
  async track(append: Promise<AppendResult>): Promise<AppendResult> {
    this.#pending.add(append);
    try {
      const result = await append;
      this.#position = Math.max(this.#position, result.position);
      return result;
    } finally {
      this.#pending.delete(append);
    }
  }

  /** Resolves once every append under way when called is answered; answers the last position stored (0 for none). */
  async settled(): Promise<number> {
    await Promise.allSettled([...this.#pending]);
    return this.#position;
  }
}
