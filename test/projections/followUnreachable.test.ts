/**
 * Follow-mode read models (EventStoreDB) while the store cannot be reached: the subscription is
 * resumed with a delay that grows with each failure in a row (not every second for as long as the
 * store is down, each failure a line of the log), and once the store answers again it is told, the
 * delays start over, and the events stored meanwhile are folded.
 *
 * The store is the embedded one behind a switch that makes every read fail as EventStoreDB's adapter
 * does when the server is down (StoreUnreachableError); retries wait on no real time (`retryTimer`
 * resumes at once, noting the delay asked).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DEADLINE_RULES, SHIPPED_NOTICES, WorkingDayCalendar } from '../../calendars/index.js';
import { CalendarInForce } from '../../engine/calendarInForce.js';
import { Engine } from '../../engine/engine.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { StoreUnreachableError, type EventStore, type Subscription } from '../../eventstore/types.js';
import { ManualClock } from '../../infra/clock.js';
import { registry } from '../../machines/registry.js';
import { openReadModels, type ReadModels } from '../../projections/index.js';
import { actors } from '../machines/examples.js';
import { directory, startInput } from './harness.js';

const clock = new ManualClock('2025-11-03T01:30:00.000Z');
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** `store`, with a switch: `goDown()` breaks its subscriptions, and until `comeBack()` every read fails, as EventStoreDB's adapter fails when its server is down. */
function switchable(store: SqliteEventStore) {
  let down = false;
  const cuts = new Set<() => void>();
  const refused = () => new StoreUnreachableError(Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 }));
  const wrapped: EventStore = {
    kind: 'esdb',
    appendToStream: (...args) => store.appendToStream(...args),
    readStream: (...args) => store.readStream(...args),
    readAll: (...args) => store.readAll(...args),
    headPosition: () => (down ? Promise.reject(refused()) : store.headPosition()),
    subscribeToAll: (options) => {
      if (down) {
        return {
          // eslint-disable-next-line require-yield
          async *[Symbol.asyncIterator]() {
            throw refused();
          },
          close: async () => {},
        } satisfies Subscription;
      }
      const inner = store.subscribeToAll(options);
      let cut = () => {};
      const lost = new Promise<never>((_, reject) => (cut = () => reject(refused())));
      lost.catch(() => {});
      cuts.add(cut);
      return {
        async *[Symbol.asyncIterator]() {
          const events = inner[Symbol.asyncIterator]();
          for (;;) {
            const next = await Promise.race([events.next(), lost]);
            if (next.done) return;
            yield next.value;
          }
        },
        close: async () => {
          cuts.delete(cut);
          await inner.close();
        },
      } satisfies Subscription;
    },
    close: () => store.close(),
  };
  return {
    store: wrapped,
    goDown() {
      down = true;
      for (const cut of cuts) cut();
    },
    comeBack() {
      down = false;
    },
  };
}

interface Told {
  retries: { failures: number; delayMs: number; unreachable: boolean }[];
  recovered: number[];
  waits: number[];
}

async function follower(): Promise<{ sqlite: SqliteEventStore; engine: Engine; models: ReadModels; link: ReturnType<typeof switchable>; told: Told; settle(retries: number): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'rm-unreachable-'));
  dirs.push(dir);
  const sqlite = new SqliteEventStore({ path: join(dir, 'events.db'), synchronous: 'OFF', now: () => clock.now() });
  const calendar = await CalendarInForce.open(sqlite, clock, WorkingDayCalendar.fromNotices(SHIPPED_NOTICES));
  const engine = new Engine({ store: sqlite, registry, directory, clock, calendar: () => calendar.current(), deadlines: DEFAULT_DEADLINE_RULES });
  const link = switchable(sqlite);
  const told: Told = { retries: [], recovered: [], waits: [] };
  // Each retry is resumed on the next turn (never on real time), unless the test holds it.
  const pending: (() => void)[] = [];
  const models = await openReadModels({
    store: link.store,
    dataDir: dir,
    directory,
    mode: 'follow',
    calendar: () => calendar.current(),
    onError: () => {},
    onRetry: (error, { failures, delayMs }) => told.retries.push({ failures, delayMs, unreachable: error instanceof StoreUnreachableError }),
    onRecovered: (failures) => told.recovered.push(failures),
    retryTimer: (resume, ms) => {
      told.waits.push(ms);
      pending.push(resume);
      return () => {};
    },
  });
  /** Lets the follower run until it waits to retry, `retries` times, resuming each retry (on no real time). */
  const settle = async (retries: number) => {
    for (let done = 0; done < retries; ) {
      await new Promise((resolve) => setImmediate(resolve));
      const resume = pending.shift();
      if (!resume) continue;
      resume();
      done++;
    }
    // The attempt after the last retry has been made, and it waits again (or follows the log).
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
  };
  return { sqlite, engine, models, link, told, settle };
}

async function startCase(engine: Engine): Promise<string> {
  clock.advance(3_600_000);
  const { caseId } = await engine.start({ process: 'conditionalApplication', input: startInput('conditionalApplication', '370100-gaj', actors.company), actor: actors.company });
  return caseId;
}

describe('follow-mode read models, given the store unreachable (EventStoreDB down)', () => {
  it('when it stays down through eight retries, then each waits twice as long as the one before, up to 30 s, and each is told with the failure', async () => {
    const { models, link, told, settle } = await follower();
    try {
      link.goDown();
      await settle(8);
      expect(told.retries.slice(0, 8)).toEqual(
        [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000].map((delayMs, i) => ({ failures: i + 1, delayMs, unreachable: true })),
      );
      expect(told.waits.slice(0, 8)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
      expect(told.recovered).toEqual([]);
    } finally {
      await models.close();
      await link.store.close();
    }
  });

  it('when it comes back, then that is told once (with the failures in a row), the events stored meanwhile are folded, and the next failure waits 1 s again', async () => {
    const { engine, models, link, told, settle } = await follower();
    try {
      const first = await startCase(engine);
      expect(await models.waitFor(await link.store.headPosition(), 5_000)).toBe(true);
      expect(models.case(first)).toBeDefined();

      link.goDown();
      const second = await startCase(engine);
      // The failure that broke it, and three retries that failed: each waits longer.
      await settle(3);
      expect(told.retries.map((r) => r.delayMs)).toEqual([1_000, 2_000, 4_000, 8_000]);
      expect(models.case(second)).toBeUndefined();

      link.comeBack();
      await settle(1);
      expect(await models.waitFor(await link.store.headPosition(), 5_000)).toBe(true);
      expect(models.case(second)).toBeDefined();
      expect(told.recovered).toEqual([4]);

      // Down again: the delays start over.
      told.retries.length = 0;
      link.goDown();
      await settle(0);
      expect(told.retries).toEqual([{ failures: 1, delayMs: 1_000, unreachable: true }]);
    } finally {
      link.comeBack();
      await models.close();
      await link.store.close();
    }
  });
  it('when a rebuild is asked while it is down, then the rebuild fails with StoreUnreachableError, and once the store is back the read models follow the log again, rebuilt from 0', async () => {
    const { engine, models, link, settle } = await follower();
    try {
      const first = await startCase(engine);
      expect(await models.waitFor(await link.store.headPosition(), 5_000)).toBe(true);
      link.goDown();
      await settle(1);

      await expect(models.rebuild()).rejects.toBeInstanceOf(StoreUnreachableError);

      const second = await startCase(engine);
      link.comeBack();
      // The retry the rebuild's pause cancelled (its resume still held here, now a no-op), then the one after the rebuild failed.
      await settle(2);
      expect(await models.waitFor(await link.store.headPosition(), 5_000)).toBe(true);
      expect([models.case(first)?.caseId, models.case(second)?.caseId]).toEqual([first, second]);
    } finally {
      link.comeBack();
      await models.close();
      await link.store.close();
    }
  });
});
