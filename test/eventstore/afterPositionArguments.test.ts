/**
 * `readAll`'s `afterPosition` (eventstore/types.ts `afterPositionOf`): exclusive, forwards only, and
 * instead of `fromPosition`. A read that names both, or reads backwards after a position, or after
 * no position a store gives, is refused by both stores alike — not read from one of the two
 * positions, or backwards from a place the reader did not mean.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../infra/clock.js';
import { EsdbEventStore } from '../../eventstore/esdb.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import type { EventStore, ReadAllOptions } from '../../eventstore/types.js';
import { fakeEsdb } from './fakeEsdbClient.js';

const event = () => ({ id: randomUUID(), type: 'Happened', data: { n: 1 }, metadata: {} });

async function read(store: EventStore, options: ReadAllOptions): Promise<number[]> {
  const positions: number[] = [];
  for await (const e of store.readAll(options)) positions.push(e.position);
  return positions;
}

let dir: string;
let sqlite: SqliteEventStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'after-position-'));
  sqlite = new SqliteEventStore({ path: join(dir, 'events.db'), now: systemClock.now });
});
afterEach(async () => {
  await sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('readAll after a position: arguments that mean nothing', () => {
  const stores: [string, () => EventStore][] = [
    ['SqliteEventStore', () => sqlite],
    ['EsdbEventStore', () => new EsdbEventStore(fakeEsdb().client)],
  ];

  it.each(stores)('%s: given events, when a read names fromPosition and afterPosition both, then it is refused, not read from either', async (_name, of) => {
    const store = of();
    const a = await store.appendToStream('case-a', [event()]);
    await store.appendToStream('case-a', [event()]);
    await expect(read(store, { fromPosition: a.position, afterPosition: a.position })).rejects.toThrow(/fromPosition or afterPosition/);
  });

  it.each(stores)('%s: given events, when a read backwards names afterPosition, then it is refused', async (_name, of) => {
    const store = of();
    const a = await store.appendToStream('case-a', [event()]);
    await expect(read(store, { direction: 'backwards', afterPosition: a.position })).rejects.toThrow(/forwards only/);
  });

  it.each(stores)('%s: given events, when afterPosition is no position (negative, a fraction), then it is refused', async (_name, of) => {
    const store = of();
    await store.appendToStream('case-a', [event()]);
    await expect(read(store, { afterPosition: -1 })).rejects.toThrow(RangeError);
    await expect(read(store, { afterPosition: 0.5 })).rejects.toThrow(RangeError);
  });
});
