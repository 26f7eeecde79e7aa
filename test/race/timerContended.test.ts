/**
 * A due timer that cannot be stored before a sender's command (附录5 协议二(二): 到期数据使用权限自动失效):
 * when the case kept changing under the timer's every try (other nodes writing to it), the sender's
 * command is not decided on the case as if the timer had not come — it is refused as the timer was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../engine/engine.js';
import { EngineError } from '../../engine/errors.js';
import { WrongExpectedVersionError, type EventStore } from '../../eventstore/types.js';
import { actors, commandData } from '../machines/examples.js';
import { pathTo } from '../machines/harness.js';
import { Directory } from '../../directory/directory.js';
import { createWorld, given, historyOf, type World } from '../engine/world.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(() => w.close());

/** The world's store, where every append of the system's (a timer's) meets a case another node has just changed. */
function contendedForTimers(store: EventStore): EventStore {
  return new Proxy(store, {
    get(target, name, receiver) {
      const own = Reflect.get(target, name, receiver) as unknown;
      // The store's own methods on the store itself (its private fields are not the proxy's).
      if (name !== 'appendToStream') return typeof own === 'function' ? (own as (...args: unknown[]) => unknown).bind(target) : own;
      const append: EventStore['appendToStream'] = (stream, events, options) => {
        const bySystem = events.some((e) => (e.metadata?.actor as { role?: string } | undefined)?.role === 'system');
        if (bySystem) return Promise.reject(new WrongExpectedVersionError(stream, options?.expectedRevision ?? 'any', 99));
        return target.appendToStream(stream, events, options);
      };
      return append;
    },
  });
}

describe('a due timer the case never lets be stored', () => {
  it('given an active case past its end of use whose expiry cannot be stored (the case kept changing), when the provider sends TERMINATE, then REVISION_CONFLICT and nothing is stored', async () => {
    const c = await given(w, 'conditionalApplication', pathTo.conditionalApplication['active']!);
    const expiry = c.timers.find((t) => t.command === 'USAGE_EXPIRED');
    expect(expiry).toBeDefined();
    w.clock.set(new Date(Date.parse(expiry!.dueAt) + 3_600_000).toISOString());
    const engine = new Engine({ store: contendedForTimers(w.store), registry: w.registry, directory: Directory.load(), clock: w.clock, calendar: () => w.calendar.current(), deadlines: w.deadlines });
    const before = (await historyOf(w, c)).length;
    const outcome = await engine.execute({ caseId: c.caseId, type: 'TERMINATE', data: commandData.conditionalApplication.TERMINATE, actor: actors.provider }).then(
      () => 'stored',
      (err: unknown) => err,
    );
    expect(outcome).toBeInstanceOf(EngineError);
    expect(outcome).toMatchObject({ code: 'REVISION_CONFLICT' });
    expect((await historyOf(w, c)).length).toBe(before);
  });
});
