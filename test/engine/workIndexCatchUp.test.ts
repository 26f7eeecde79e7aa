/**
 * The engine's work index is folded from the whole log when the server starts (timers, open tasks,
 * links). On the embedded store that read never gave the event loop a turn: at 1,000,000 events the
 * server neither listened nor answered for 15 s, and a command appended meanwhile started a second
 * reader of the rest of the log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultCalendar } from '../../calendars/index.js';
import { Directory } from '../../directory/index.js';
import { WorkIndex } from '../../engine/workIndex.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { systemClock } from '../../infra/clock.js';
import { registry } from '../../machines/registry.js';
import { synthesise } from '../../scripts/bench/projections.js';

describe('the work index catching up on a long log', () => {
  let dir: string;
  let store: SqliteEventStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'work-index-'));
    store = new SqliteEventStore({ path: join(dir, 'events.db'), now: systemClock.now });
    synthesise(store, Directory.load(), defaultCalendar(), { events: 2000 });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('given a log of 2,000 events, when the index catches up, then the event loop has turns meanwhile (a request is answered) and every event is read', async () => {
    const index = new WorkIndex(store, registry);
    const turns: number[] = [];
    const tick = setInterval(() => turns.push(index.position), 0);
    try {
      await index.catchUp();
    } finally {
      clearInterval(tick);
    }
    expect(index.position).toBe(await store.headPosition());
    // Turns taken while the log was being read, not only once it was done.
    expect(turns.some((position) => position < index.position)).toBe(true);
  });

  it('given a catch-up under way, when another is asked for (a timer pass), then the log is read once, and the second ends with the first', async () => {
    const index = new WorkIndex(store, registry);
    const readAll = vi.spyOn(store, 'readAll');
    const first = index.catchUp();
    const second = index.catchUp();
    await Promise.all([first, second]);
    expect(index.position).toBe(await store.headPosition());
    // The first reader reads the whole log; the second, after it, finds nothing more.
    expect(readAll.mock.calls.map(([options]) => options?.afterPosition)).toEqual([0, await store.headPosition()]);
  });

  it('given a catch-up under way, when three more are asked for meanwhile (commands appended while the server starts), then they share one more read of the log after it, not a read each', async () => {
    const index = new WorkIndex(store, registry);
    const readAll = vi.spyOn(store, 'readAll');
    const first = index.catchUp();
    const others = [index.catchUp(), index.catchUp(), index.catchUp()];
    await Promise.all([first, ...others]);
    expect(readAll.mock.calls.map(([options]) => options?.afterPosition)).toEqual([0, await store.headPosition()]);
  });

  it('given a log all of whose events are recent, when a keyed request waits for the keys while the catch-up reads the log, then the backward read of the keys stops where it meets the catch-up, not at the log’s start', async () => {
    const index = new WorkIndex(store, registry);
    const head = await store.headPosition();
    const readAll = store.readAll.bind(store);
    let backwards = 0;
    vi.spyOn(store, 'readAll').mockImplementation(async function* (options) {
      for await (const event of readAll(options)) {
        if (options?.direction === 'backwards') backwards++;
        yield event;
      }
    });
    await Promise.all([index.catchUp(), index.keysRead()]);
    expect(index.loaded).toBe(true);
    // The two take turns of 200 events each: they meet about half-way (read whole, the log was read
    // twice before a keyed request was answered: 16.7 s against the catch-up's 7.3 s).
    expect(backwards).toBeLessThanOrEqual(head / 2 + 400);
  });

  it('given a catch-up under way, when a command appends an event, then its answer does not wait for the catch-up, and the event is read after it', async () => {
    const index = new WorkIndex(store, registry);
    const head = await store.headPosition();
    let caughtUp = false;
    const first = index.catchUp().then(() => (caughtUp = true));
    // The log's last event, as the command that appended it tells the index.
    let appended;
    for await (const event of store.readAll({ fromPosition: head })) appended = event;
    await index.observe(appended!);
    expect(caughtUp).toBe(false);
    await first;
    await vi.waitFor(() => expect(index.position).toBe(head));
  });
});
