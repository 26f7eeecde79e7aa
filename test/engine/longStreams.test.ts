/**
 * A case that lives for years (附录5 协议二(三): the applicant reports its use for as long as the
 * agreement runs; ARCHITECTURE.md: every command is decided on the case folded from its stream). A
 * client that sends every command with an Idempotency-Key (API.md) leaves an outcome per event to
 * remember, and folding a stream must stay linear in its length: a cold read of a long case (after a
 * restart, when the cache let it go, for verify) must not cost the square of its events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldAll, foldNext, foldStart, idempotencyScope } from '../../engine/fold.js';
import { actors } from '../machines/examples.js';
import { pathTo } from '../machines/harness.js';
import { coldEngine, given, createWorld, historyOf, rehashed, when, type World } from './world.js';

const EVENTS = 4000;

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(() => w.close());

/** A case in `active` with `n` usage reports, each sent with a key of its own. */
async function reportedWithKeys(n: number) {
  const c = await given(w, 'conditionalApplication', pathTo.conditionalApplication.active!);
  for (let i = 0; i < n; i++) await when(w, c.caseId, 'REPORT_USAGE', { idempotencyKey: `usage-${i}` });
  return historyOf(w, c);
}

describe('a case with thousands of keyed commands', () => {
  it(`given an active agreement with ${EVENTS} usage reports each sent with an Idempotency-Key, when its stream is folded, then no event copies the outcomes before it (linear, not quadratic), and every key answers its outcome`, async () => {
    const keyed = await reportedWithKeys(EVENTS);
    const def = w.engine.definitionOf(keyed[0]!);
    // Copying every earlier outcome at each keyed event made 4,000 keyed events fold in 0.9–1.2 s against
    // 0.07–0.13 s without keys (8,000: 5.7 s against 0.25 s): a long case read cold took seconds, each time.
    // Folded one event at a time, as a cold read does, every state reads the first state's log.
    const first = foldStart(def, keyed[0]!);
    let state = first;
    let copies = 0;
    for (const e of keyed.slice(1)) {
      state = foldNext(def, state, e);
      if (!state.idempotency.sharesLogWith(first.idempotency)) copies++;
    }
    expect(copies).toBe(0);
    // And every key still answers its outcome, in the state folded at once as in the one folded by steps.
    for (const i of [0, 1, EVENTS / 2, EVENTS - 1]) {
      const event = keyed.find((e) => e.metadata.idempotencyKey === `usage-${i}`)!;
      const outcome = { revision: event.revision, position: event.position, eventId: event.id };
      expect(state.idempotency.get(idempotencyScope(actors.company, `usage-${i}`))).toEqual(outcome);
      expect(foldAll(def, keyed).idempotency.get(idempotencyScope(actors.company, `usage-${i}`))).toEqual(outcome);
    }
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
    const other = foldNext(def, early, rehashed({ ...last, id: 'other', metadata: { ...last.metadata, idempotencyKey: 'other' } }));
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

describe('a long case read or verified', () => {
  let caseId: string;
  beforeAll(async () => {
    const c = await given(w, 'conditionalApplication', pathTo.conditionalApplication.active!);
    for (let n = (await historyOf(w, c)).length; n < 600; n++) await when(w, c.caseId, 'REPORT_USAGE');
    caseId = c.caseId;
  });

  /** Whether the event loop turned while `work` ran (a request could have been answered meanwhile). */
  async function turnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; turned: boolean }> {
    const running = work();
    let turned = false;
    setImmediate(() => (turned = true));
    return { result: await running, turned };
  }

  it('given a case of 600 events (replayed and hashed 200 at a time), when it is verified, then the event loop has turns meanwhile (a case of 20,000 held every other request 0.8 s), and it verifies', async () => {
    const { result, turned } = await turnsDuring(() => w.engine.verify(caseId));
    expect(result).toMatchObject({ ok: true, events: 600 });
    expect(turned).toBe(true);
  });

  it('given a case of 600 events the engine does not hold (a restart), when it is read, then it is folded 500 events at a time with turns of the event loop between (20,000 held every other request 0.9 s), to the same state', async () => {
    const { result, turned } = await turnsDuring(() => coldEngine(w).getCase(caseId));
    expect(turned).toBe(true);
    expect(result.revision).toBe(599);
    expect(result.state).toBe((await w.engine.getCase(caseId)).state);
  });
});
