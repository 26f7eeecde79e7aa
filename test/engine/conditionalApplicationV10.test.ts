/**
 * conditionalApplication v10, from a regulation-conformance probe (a helper): 附录5 协议二(二) 到期数据使用权限
 * 自动失效，协议终止; a renewal still undecided at the end of use lapses (v4). Up to v9 the review of a
 * renewal was due ten working days (platform policy) after the request however near that end: asked
 * for four days before it, the provider's inbox said ten working days were left, and the renewal
 * lapsed on the fifth, its task closed as cancelled. v10's review is due by the end of use at the
 * latest, on the basis of the agreement. Given a history, when a command, then events or an error.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actors } from '../machines/examples.js';
import { pathTo } from '../machines/harness.js';
import { conditionalApplicationV9 } from '../../machines/conditionalApplication.js';
import { ProcessRegistry } from '../../machines/registry.js';
import { createWorld, given, meta, when, type World } from './world.js';

const PROCESS = 'conditionalApplication';
const at = (state: string) => pathTo.conditionalApplication[state]!;
const { company: applicant } = actors;
/** The examples' agreement ends its use on 2025-12-31. */
const END_OF_USE = { dueAt: '2025-12-31T15:59:59.999Z', dueDate: '2025-12-31' };
/** Wednesday 24 December 2025, 10:00 in Beijing: five working days before the end of use. */
const FIVE_DAYS_BEFORE = '2025-12-24T02:00:00.000Z';

// A world per test: each moves its clock to a day of its own.
let w: World;
beforeEach(async () => {
  w = await createWorld();
});
afterEach(() => w.close());

/** The renewal review the request opened: its deadline as stamped. */
async function renewalReviewAfterRequest(world: World, on: string) {
  const c = await given(world, PROCESS, at('active'));
  world.clock.set(on);
  const { event } = await when(world, c.caseId, 'REQUEST_RENEWAL', { actor: applicant });
  const task = meta(event).tasksOpened.find((t) => t.stage === 'renewalReview');
  return { c, task };
}

describe('附录5 协议二(二) 到期数据使用权限自动失效: a renewal is reviewed by the end of use at the latest', () => {
  it('given an agreement in use until 2025-12-31, when the applicant asks for a renewal on 12-24, then the review is due at the end of 12-31 (the agreement), not ten working days on', async () => {
    const { c, task } = await renewalReviewAfterRequest(w, FIVE_DAYS_BEFORE);
    // v10's rule, in every later version (v11 ends signing and access by the end of use too: conditionalApplicationV11.test.ts)
    expect(c.version).toBeGreaterThanOrEqual(10);
    expect(task).toMatchObject({ ...END_OF_USE, basis: 'agreement', provisional: false });
    expect((await w.engine.getCase(c.caseId)).tasks.find((t) => t.stage === 'renewalReview')).toMatchObject({ ...END_OF_USE, basis: 'agreement' });
  });

  it('given the same agreement, when the renewal is asked for on Monday 11-03, then the review keeps its ten working days of platform policy (11-17, the day of the request not counted): the end of use comes later', async () => {
    const { task } = await renewalReviewAfterRequest(w, '2025-11-03T02:00:00.000Z');
    expect(task).toMatchObject({ dueDate: '2025-11-17', basis: 'policy' });
  });

  it('given a renewal asked for in a suspension on 12-24, when the service resumes on 12-29, then the review is due at the end of 12-31', async () => {
    const c = await given(w, PROCESS, at('suspended'));
    w.clock.set(FIVE_DAYS_BEFORE);
    await when(w, c.caseId, 'REQUEST_RENEWAL', { actor: applicant });
    w.clock.set('2025-12-29T02:00:00.000Z');
    const { event } = await when(w, c.caseId, 'RESUME', { actor: actors.provider });
    expect(meta(event).tasksOpened.find((t) => t.stage === 'renewalReview')).toMatchObject({ ...END_OF_USE, basis: 'agreement' });
  });

  it('given a case started on v9, when the renewal is asked for on 12-24, then its review is due ten working days on (2026-01-08, past 元旦 and its working Sunday), as v9 says: a version keeps its rules', async () => {
    const v9 = await createWorld({ registry: new ProcessRegistry([conditionalApplicationV9]) });
    try {
      const { c, task } = await renewalReviewAfterRequest(v9, FIVE_DAYS_BEFORE);
      expect(c.version).toBe(9);
      expect(task).toMatchObject({ basis: 'policy' });
      expect(task?.dueDate).toBe('2026-01-08');
    } finally {
      await v9.close();
    }
  });
});
