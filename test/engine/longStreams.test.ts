/**
 * A case that lives for years (附录5 协议二(三): the applicant reports its use for as long as the
 * agreement runs; ARCHITECTURE.md: every command is decided on the case folded from its stream). A
 * client that sends every command with an Idempotency-Key (API.md) leaves an outcome per event to
 * remember, and folding a stream must stay linear in its length: a cold read of a long case (after a
 * restart, when the cache let it go, for verify) must not cost the square of its events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldAll, foldNext, foldStart, idempotencyScope } from '../../engine/fold.js';
import type { RecordedEvent } from '../../eventstore/types.js';
import { actors } from '../machines/examples.js';
import { pathTo } from '../machines/harness.js';
import { given, createWorld, historyOf, when, type World } from './world.js';

const EVENTS = 4000;

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(() => w.close());

/** A case in `active` with `n` usage reports, each sent with its own key or none. */
async function reportedFor(n: number, keyed: boolean) {
  const c = await given(w, 'conditionalApplication', pathTo.conditionalApplication.active!);
  for (let i = 0; i < n; i++) await when(w, c.caseId, 'REPORT_USAGE', keyed ? { idempotencyKey: `usage-${i}` } : {});
  return historyOf(w, c);
}

/** The fastest of three folds of `events`, in ms. */
function foldTime(events: RecordedEvent[]): number {
  const def = w.engine.definitionOf(events[0]!);
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    foldAll(def, events);
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

describe('a case with thousands of keyed commands', () => {
  it(`given an active agreement with ${EVENTS} usage reports each sent with an Idempotency-Key, when its stream is folded, then it costs about what the same stream without keys costs (linear, not quadratic)`, async () => {
    const keyed = await reportedFor(EVENTS, true);
    const bare = await reportedFor(EVENTS, false);
    const withKeys = foldTime(keyed);
    const withoutKeys = foldTime(bare);
    // Copying every earlier outcome at each keyed event made 4,000 keyed events fold in 1.2 s against 0.13 s
    // without keys (8,000: 5.7 s against 0.25 s): a long case read cold took seconds, each time.
    expect(withKeys, `keyed fold ${withKeys.toFixed(0)} ms, unkeyed ${withoutKeys.toFixed(0)} ms`).toBeLessThan(3 * withoutKeys + 50);
    // And every key still answers its first outcome.
    const state = foldAll(w.engine.definitionOf(keyed[0]!), keyed);
    const first = keyed.find((e) => e.metadata.idempotencyKey === 'usage-0')!;
    expect(state.idempotency.get(idempotencyScope(actors.company, 'usage-0'))).toEqual({ revision: first.revision, position: first.position, eventId: first.id });
  });

  it('given a case folded to some revision, when it is folded on from an earlier state a second time, then each state answers only the keys of its own events', async () => {
    const c = await given(w, 'conditionalApplication', pathTo.conditionalApplication.active!);
    await when(w, c.caseId, 'REPORT_USAGE', { idempotencyKey: 'early' });
    await when(w, c.caseId, 'REPORT_USAGE', { idempotencyKey: 'late' });
    const events = await historyOf(w, c);
    const def = w.engine.definitionOf(events[0]!);
    let early = foldStart(def, events[0]!);
    for (const e of events.slice(1, -1)) early = foldNext(def, early, e);
    const late = foldNext(def, early, events.at(-1)!);
    // Another event at the same revision (as a second reader folds it: here with another key).
    const last = events.at(-1)!;
    const other = foldNext(def, early, { ...last, id: 'other', metadata: { ...last.metadata, idempotencyKey: 'other' } });
    const scope = (key: string) => idempotencyScope(actors.company, key);
    expect(early.idempotency.get(scope('early'))?.revision).toBe(events.length - 2);
    expect(early.idempotency.get(scope('late'))).toBeUndefined();
    expect(late.idempotency.get(scope('late'))?.revision).toBe(events.length - 1);
    expect(late.idempotency.get(scope('other'))).toBeUndefined();
    expect(other.idempotency.get(scope('other'))?.eventId).toBe('other');
    expect(other.idempotency.get(scope('late'))).toBeUndefined();
    expect(other.idempotency.get(scope('early'))?.revision).toBe(events.length - 2);
  });
});
