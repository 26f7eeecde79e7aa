/**
 * The engine keeps folded cases in memory so that a command does not read its whole stream again.
 * What it keeps is bounded by the cases' data as well as by their number: applicants may start cases
 * with forms near the 1 MiB body limit, and ten thousand of those, kept by number alone, held
 * gigabytes until the server ran out of memory. Given cases whose data passes the bound, when the
 * least recently used one is asked for, then it is folded from the store again (it was let go); cases
 * of common forms stay kept.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CACHE_CHARS, Engine } from '../../engine/engine.js';
import type { ReadStreamOptions } from '../../eventstore/types.js';
import { Directory } from '../../directory/directory.js';
import { actors, startInputs } from '../machines/examples.js';
import { createWorld, type World } from './world.js';

let w: World;
beforeEach(async () => {
  w = await createWorld();
});
afterEach(() => w.close());

/** An engine on the world's store keeping at most `cacheChars` of form data, and how many streams it has read whole. */
function engineKeeping(cacheChars: number): { engine: Engine; wholeReads: () => number } {
  let whole = 0;
  const read = w.store.readStream.bind(w.store);
  w.store.readStream = (stream: string, options?: ReadStreamOptions) => {
    if (options?.fromRevision === undefined) whole++;
    return read(stream, options);
  };
  const engine = new Engine({ store: w.store, registry: w.registry, directory: Directory.load(), clock: w.clock, calendar: () => w.calendar.current(), deadlines: w.deadlines, cacheChars });
  return { engine, wholeReads: () => whole };
}

/** An objection whose evidence holds about `chars` characters. */
const objectionOf = (chars: number) => ({ ...startInputs.objection, evidence: Array.from({ length: Math.ceil(chars / 5000) }, (_, i) => `${i}：${'据'.repeat(4990)}`) });

describe('the folded cases the engine keeps', () => {
  it('keep 64 Mi characters of data by default', () => {
    expect(CACHE_CHARS).toBe(64 * 1024 * 1024);
  });

  it('given five cases of 100,000 characters each and room for 250,000, when the first is asked for, then it is read from the store again; the last is not', async () => {
    const { engine, wholeReads } = engineKeeping(250_000);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await engine.start({ process: 'objection', input: objectionOf(100_000), actor: actors.company })).caseId);
    expect(wholeReads()).toBe(0);

    await engine.getCase(ids[4]!);
    expect(wholeReads()).toBe(0);
    const first = await engine.getCase(ids[0]!);
    expect(first.state).toBe('handling');
    // Found again by its id: each process's stream name is tried until one holds it.
    expect(wholeReads()).toBeGreaterThan(0);
  });

  it('given five cases of common forms and the same room, when each is asked for, then none is read from the store again', async () => {
    const { engine, wholeReads } = engineKeeping(250_000);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company })).caseId);
    for (const id of ids) await engine.getCase(id);
    expect(wholeReads()).toBe(0);
  });

  it('given a case larger than the whole room, when a command is sent on it, then it is decided (the case just used is kept, however large)', async () => {
    const { engine } = engineKeeping(50_000);
    const started = await engine.start({ process: 'objection', input: objectionOf(100_000), actor: actors.company });
    const kept = await engine.getCase(started.caseId);
    expect(kept.revision).toBe(0);
  });
});
