/**
 * The engine keeps folded cases in memory so that a command does not read its whole stream again.
 * What it keeps is bounded by the cases' data as well as by their number: applicants may start cases
 * with forms near the 1 MiB body limit, and ten thousand of those, kept by number alone, held
 * gigabytes until the server ran out of memory. Given cases whose data passes the bound, when the
 * least recently used one is asked for, then it is folded from the store again (it was let go); cases
 * of common forms stay kept.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CACHE_CHARS, defaultCacheChars, Engine } from '../../engine/engine.js';
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
  it('keep a thirty-second of the heap limit in characters of data by default, and never less than 64 Mi', () => {
    expect(CACHE_CHARS).toBe(64 * 1024 * 1024);
    // Node's default heap on this kind of host (4,144 MiB): about 129.5 Mi characters.
    expect(defaultCacheChars(4144 * 1024 * 1024)).toBe(Math.floor((4144 * 1024 * 1024) / 32));
    expect(defaultCacheChars(8 * 1024 ** 3)).toBe(256 * 1024 * 1024);
    // A small heap (a container's --max-old-space-size=1024) still keeps the floor.
    expect(defaultCacheChars(1024 ** 3)).toBe(CACHE_CHARS);
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

/** Holds the next append to `stream` until `release` is called; `held` settles once it is waiting. */
function holdAppendTo(stream: string): { held: Promise<void>; release: () => void } {
  let release!: () => void;
  let reached!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const held = new Promise<void>((resolve) => (reached = resolve));
  const append = w.store.appendToStream.bind(w.store);
  w.store.appendToStream = async (name, events, options) => {
    if (name === stream) {
      w.store.appendToStream = append;
      reached();
      await gate;
    }
    return append(name, events, options);
  };
  return { held, release };
}

describe('the folded cases the engine keeps, while commands are under way', () => {
  it('given a command on a case of 100,000 characters waiting on the store while other cases push that case out, when it is stored, then the case is counted whole: with two others it passes the room, and the least recently used is let go', async () => {
    const { engine, wholeReads } = engineKeeping(250_000);
    const large = await engine.start({ process: 'objection', input: objectionOf(100_000), actor: actors.company });
    const append = holdAppendTo(large.event.streamId);
    const responding = engine.execute({ caseId: large.caseId, type: 'RESPOND', data: { outcome: 'corrected', explanation: '已更正。' }, actor: actors.provider });
    await append.held;
    const others: string[] = [];
    for (let i = 0; i < 2; i++) others.push((await engine.start({ process: 'objection', input: objectionOf(100_000), actor: actors.company })).caseId);

    append.release();
    expect((await responding).state).toBe('responded');

    // Kept: the two others and the large case (300,000 characters in a room of 250,000): the least recent goes.
    const before = wholeReads();
    await engine.getCase(others[0]!);
    expect(wholeReads()).toBeGreaterThan(before);
  });
});

describe('the folded cases the engine keeps, when another engine moved a case', () => {
  it('given a case of 100,000 characters another engine answered, read again while other cases push it out, when its new event is folded in, then the case is counted whole: the least recently used is let go', async () => {
    const { engine, wholeReads } = engineKeeping(250_000);
    const large = await engine.start({ process: 'objection', input: objectionOf(100_000), actor: actors.company });
    await w.engine.execute({ caseId: large.caseId, type: 'RESPOND', data: { outcome: 'corrected', explanation: '已更正。' }, actor: actors.provider });
    let release!: () => void;
    let reached!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held = new Promise<void>((resolve) => (reached = resolve));
    const read = w.store.readStream.bind(w.store);
    w.store.readStream = async (stream: string, options?: ReadStreamOptions) => {
      if (stream === large.event.streamId && options?.fromRevision !== undefined) {
        reached();
        await gate;
      }
      return read(stream, options);
    };
    const reading = engine.getCase(large.caseId);
    await held;
    const others: string[] = [];
    for (let i = 0; i < 2; i++) others.push((await engine.start({ process: 'objection', input: objectionOf(100_000), actor: actors.company })).caseId);

    release();
    expect((await reading).state).toBe('responded');

    const before = wholeReads();
    await engine.getCase(others[0]!);
    expect(wholeReads()).toBeGreaterThan(before);
  });
});

describe('the folded cases the engine keeps, read side by side', () => {
  it('given two large cases kept in a room with space for one more event, when another engine answers one and it is read twice at once, then its answer is counted once: the other case is still kept', async () => {
    const charsOf = (data: unknown) => 256 + JSON.stringify(data).length;
    const first = await w.engine.start({ process: 'objection', input: objectionOf(100_000), actor: actors.company });
    const second = await w.engine.start({ process: 'objection', input: objectionOf(100_000), actor: actors.company });
    const answer = { outcome: 'corrected', explanation: '已更正。' };
    const { engine, wholeReads } = engineKeeping(charsOf(first.event.data) + charsOf(second.event.data) + charsOf(answer) + 100);
    await engine.getCase(first.caseId);
    await engine.getCase(second.caseId);

    await w.engine.execute({ caseId: first.caseId, type: 'RESPOND', data: answer, actor: actors.provider });
    const [read, readAgain] = await Promise.all([engine.getCase(first.caseId), engine.getCase(first.caseId)]);
    expect([read.state, readAgain.state]).toEqual(['responded', 'responded']);

    const before = wholeReads();
    await engine.getCase(second.caseId);
    expect(wholeReads()).toBe(before);
  });
});

describe('the folded cases the engine keeps, after many commands, conflicts and reads side by side', () => {
  it('given two engines answering, reading and racing on the same cases, when the last cases are asked for again, then exactly those whose data fits the room are kept, and every case reads as it is stored', async () => {
    const sizes = [30_000, 80_000, 10_000, 60_000, 40_000, 90_000, 20_000, 50_000];
    const room = 150_000;
    const { engine, wholeReads } = engineKeeping(room);
    const ids: string[] = [];
    for (const [i, size] of sizes.entries()) {
      // Started by either engine; read at once, twice, by the one that keeps.
      const starter = i % 2 === 0 ? engine : w.engine;
      const { caseId } = await starter.start({ process: 'objection', input: objectionOf(size), actor: actors.company });
      ids.push(caseId);
      await Promise.all([engine.getCase(caseId), engine.getCase(caseId)]);
    }
    for (const [i, caseId] of ids.entries()) {
      const answer = { outcome: 'corrected', explanation: `已更正（第 ${i} 件）。` };
      if (i % 3 === 0) {
        // The other engine answers first: this one's kept case is stale, its own answer loses the race.
        await w.engine.execute({ caseId, type: 'RESPOND', data: answer, actor: actors.provider });
        await expect(engine.execute({ caseId, type: 'RESPOND', data: answer, actor: actors.provider, expectedRevision: 0 })).rejects.toMatchObject({ code: 'REVISION_CONFLICT' });
      } else if (i % 3 === 1) {
        await Promise.all([engine.execute({ caseId, type: 'RESPOND', data: answer, actor: actors.provider }), engine.getCase(caseId), engine.getCase(caseId)]);
      } else {
        await w.engine.execute({ caseId, type: 'RESPOND', data: answer, actor: actors.provider });
        await Promise.all([engine.getCase(caseId), engine.getCase(caseId)]);
      }
    }

    // What each case holds, from its stored events: kept from the most recent back while they fit.
    const charsOf = async (caseId: string) => (await w.engine.history(caseId)).reduce((sum, e) => sum + 256 + JSON.stringify(e.data).length, 0);
    const held = await Promise.all(ids.map(charsOf));
    let fits = 0;
    for (let total = 0, i = ids.length - 1; i >= 0 && total + held[i]! <= room; i--, fits++) total += held[i]!;
    expect(fits).toBeGreaterThan(1);
    expect(fits).toBeLessThan(ids.length);

    const before = wholeReads();
    for (const caseId of ids.slice(ids.length - fits).reverse()) expect((await engine.getCase(caseId)).state).toBe('responded');
    expect(wholeReads()).toBe(before);
    // The next one back did not fit: let go, it is read whole.
    await engine.getCase(ids[ids.length - fits - 1]!);
    expect(wholeReads()).toBeGreaterThan(before);
    for (const caseId of ids) expect((await engine.getCase(caseId)).revision).toBe(1);
  });
});
