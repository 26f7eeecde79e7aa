/**
 * Runs of one task, one at a time: a call made while a run is under way gets the run started after
 * it ends, shared by every call that came meanwhile. So each caller's run started after its call
 * (it sees whatever was there when it asked), a burst of callers costs at most two runs, and two
 * runs never overlap. Used for the calendar's notice reads and the scheduler's timer passes.
 */
export class OneAtATime<T> {
  readonly #task: () => Promise<T>;
  /** The run under way, if any. */
  #running: Promise<T> | undefined;
  /** The run after it, shared by every caller who came while it was under way. */
  #queued: Promise<T> | undefined;

  constructor(task: () => Promise<T>) {
    this.#task = task;
  }

  run(): Promise<T> {
    if (this.#running === undefined) return this.#start();
    this.#queued ??= this.#running.then(
      () => this.#next(),
      () => this.#next(),
    );
    return this.#queued;
  }

  #next(): Promise<T> {
    this.#queued = undefined;
    return this.#start();
  }

  #start(): Promise<T> {
    const running = this.#task().finally(() => {
      if (this.#running === running) this.#running = undefined;
    });
    this.#running = running;
    return running;
  }
}
