/**
 * A server runs for months on one store (ARCHITECTURE.md): what it learns of streams it has read
 * must not grow with every stream it was ever asked about. Each GET of a case id probes one stream
 * per process (engine.ts #findStream), each keyed start up to two per process, and the store kept
 * the end (or absence) of every one of them for as long as no other process wrote to the file.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { heapUsed } from '../heapUsed.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { StreamNotFoundError } from '../../eventstore/types.js';
import { systemClock } from '../../infra/clock.js';
import { event } from './conformance.js';


const store = new SqliteEventStore({ path: ':memory:', now: systemClock.now });
afterAll(() => store.close());

/** Reads `n` streams nobody ever wrote (as GETs of case ids that do not exist). */
async function readAbsent(n: number) {
  let found = 0;
  for (let i = 0; i < n; i++) {
    await store.readStream(`objection-${randomUUID()}`).then(
      () => found++,
      (err: unknown) => {
        if (!(err instanceof StreamNotFoundError)) throw err;
      },
    );
  }
  expect(found).toBe(0);
}

describe('a store read for months', () => {
  it('given 50,000 streams read that do not exist, when 100,000 more are read, then the heap stays where it was (what the store knows of streams is bounded)', async () => {
    await readAbsent(50_000);
    const before = heapUsed();
    await readAbsent(100_000);
    const grown = heapUsed() - before;
    // Unbounded, each absent stream read kept ~100 bytes: +10 MB here, and +100 MB a million GETs later.
    expect(grown, `heap grew ${(grown / 1e6).toFixed(1)} MB`).toBeLessThan(3e6);
  }, 120_000);

  it('given a stream known to end, when it is read from past its end after many other streams were read, then nothing is found and it still reads whole', async () => {
    const stream = `objection-${randomUUID()}`;
    await store.appendToStream(stream, [event('A'), event('B')], { expectedRevision: 'no_stream' });
    await readAbsent(60_000);
    expect(await store.readStream(stream, { fromRevision: 2 })).toEqual([]);
    expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['A', 'B']);
  }, 120_000);
});
