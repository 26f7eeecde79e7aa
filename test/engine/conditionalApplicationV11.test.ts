/**
 * conditionalApplication v11, from a regulation-conformance probe (a helper): 附录5 协议二(二) (可在……至……使用;
 * 到期数据使用权限自动失效，协议终止). From v5 a case whose agreement is not signed by the end of the requested
 * use, or whose access is not granted by the end of the agreed use, lapses then (USAGE_EXPIRED → closed),
 * and SIGN_AGREEMENT / GRANT_ACCESS are refused after that day. Up to v10 both tasks were due ten working
 * days on (platform policy) whatever that day: the provider's inbox promised a week it did not have. v11's
 * are due by that day at the latest, as v10's renewal review. So that the signing task is never due
 * before it is entered (a model-based exploration of the machines, a helper, found v11's first draft
 * stamping it so when approved after the requested end of use), v11 refuses that approval. Given a
 * history, when a command, then the deadline stamped, or the refusal.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { conditionalApplicationV10 } from '../../machines/conditionalApplication.js';
import { ProcessRegistry } from '../../machines/registry.js';
import { actors, commandData, conditionalApplicationSentOn } from '../machines/examples.js';
import { accepted, createWorld, endOfDay, given, meta, refused, when, type World } from './world.js';

const PROCESS = 'conditionalApplication';
const SIGN = commandData.conditionalApplication.SIGN_AGREEMENT;
/** Use asked for until Friday 2025-03-07: signing can be done by then, and not after. */
const SHORT_REQUEST = { ...conditionalApplicationSentOn('2025-03-03'), usePeriod: { from: '2025-03-01', to: '2025-03-07' } };

let w: World;
beforeEach(async () => {
  w = await createWorld(); // clock: Monday 2025-03-03 09:30 Beijing
});
afterEach(() => w.close());

async function accessTaskAfterSigning(world: World, useTo: string) {
  const c = await given(world, PROCESS, ['PASS_NORMATIVE_REVIEW', 'APPROVE']);
  const { event } = await when(world, c.caseId, 'SIGN_AGREEMENT', { data: { ...SIGN, useFrom: '2025-03-01', useTo } });
  return { c, task: meta(event).tasksOpened.find((t) => t.stage === 'accessPending') };
}

async function signingTaskAfterApproval(world: World) {
  const c = await given(world, PROCESS, ['PASS_NORMATIVE_REVIEW'], { input: SHORT_REQUEST });
  const { event } = await when(world, c.caseId, 'APPROVE', { actor: actors.provider });
  return { c, task: meta(event).tasksOpened.find((t) => t.stage === 'agreementPending') };
}

describe('附录5 协议二(二): signing and granting access are due by the day after which they can no longer be done', () => {
  it('given an agreement whose use ends Wed 2025-03-05, when it is signed on Mon 03-03, then granting access is due by the end of 03-05 (basis agreement), not ten working days on (03-17); on 03-06 access can no longer be granted', async () => {
    const { c, task } = await accessTaskAfterSigning(w, '2025-03-05');
    expect(c.version).toBeGreaterThanOrEqual(11);
    expect(task).toMatchObject({ dueAt: endOfDay('2025-03-05'), dueDate: '2025-03-05', basis: 'agreement', provisional: false });
    w.clock.set('2025-03-06T02:00:00.000Z');
    await expect(when(w, c.caseId, 'GRANT_ACCESS')).rejects.toThrow();
    expect((await w.engine.getCase(c.caseId)).state).not.toBe('active');
  });

  it('given an agreement whose use ends 2025-12-31, when it is signed on 03-03, then granting access keeps its ten working days of platform policy (03-17)', async () => {
    const { task } = await accessTaskAfterSigning(w, '2025-12-31');
    expect(task).toMatchObject({ dueDate: '2025-03-17', basis: 'policy' });
  });

  it('given an application for use until Fri 2025-03-07, when the provider approves it on Mon 03-03, then signing is due by the end of 03-07 (basis policy: the day is the application’s), not 03-17; after 03-07 the case lapses', async () => {
    const { c, task } = await signingTaskAfterApproval(w);
    expect(task).toMatchObject({ dueAt: endOfDay('2025-03-07'), dueDate: '2025-03-07', basis: 'policy', provisional: false });
    w.clock.set('2025-03-08T02:00:00.000Z');
    expect(await w.scheduler.fireDueTimers()).toBe(1);
    expect((await w.engine.getCase(c.caseId)).state).toBe('closed');
  });

  it('given a case started on v10, then both tasks keep their ten working days (03-17), as v10 says: a version keeps its rules', async () => {
    const v10 = await createWorld({ registry: new ProcessRegistry([conditionalApplicationV10]) });
    try {
      const access = await accessTaskAfterSigning(v10, '2025-03-05');
      expect(access.c.version).toBe(10);
      expect(access.task).toMatchObject({ dueDate: '2025-03-17', basis: 'policy' });
      const signing = await signingTaskAfterApproval(v10);
      expect(signing.task).toMatchObject({ dueDate: '2025-03-17', basis: 'policy' });
    } finally {
      await v10.close();
    }
  });
});

describe('附录5 协议二(二): an application is not approved once its requested use is over (the signing task would be due before it is entered)', () => {
  /** Use asked for until Wed 2025-03-05, sent Mon 03-03. */
  const ENDS_WEDNESDAY = { ...conditionalApplicationSentOn('2025-03-03'), usePeriod: { from: '2025-03-01', to: '2025-03-05' } };
  /** Thursday 03-06, 10:00 Beijing: the day after the requested end of use. */
  const DAY_AFTER = '2025-03-06T02:00:00.000Z';

  it('given an application for use until 03-05 passed on 03-03, when the provider approves on 03-06, then RULE_VIOLATED approvalWithinRequestedUse naming the day, nothing stored; it may still reject', async () => {
    const c = await given(w, PROCESS, ['PASS_NORMATIVE_REVIEW'], { input: ENDS_WEDNESDAY });
    w.clock.set(DAY_AFTER);
    const error = await refused(w, c, () => when(w, c.caseId, 'APPROVE', { actor: actors.provider }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'approvalWithinRequestedUse' } });
    expect(error.message).toContain('2025-03-05');
    const rejected = await accepted(w, c, () => when(w, c.caseId, 'REJECT', { actor: actors.provider }));
    expect(rejected.state).toBe('rejected');
  });

  it('given the same application, when the provider approves on 03-05 (the last day of the requested use), then signing is due by the end of 03-05, after the approval', async () => {
    const c = await given(w, PROCESS, ['PASS_NORMATIVE_REVIEW'], { input: ENDS_WEDNESDAY });
    w.clock.set('2025-03-05T02:00:00.000Z');
    const { event } = await when(w, c.caseId, 'APPROVE', { actor: actors.provider });
    const task = meta(event).tasksOpened.find((t) => t.stage === 'agreementPending');
    expect(task).toMatchObject({ dueAt: endOfDay('2025-03-05') });
    expect(Date.parse(task!.dueAt!)).toBeGreaterThan(Date.parse(task!.enteredAt));
  });

  it('given a case started on v10, then its approval on 03-06 is taken, as v10 took it', async () => {
    const v10 = await createWorld({ registry: new ProcessRegistry([conditionalApplicationV10]) });
    try {
      const c = await given(v10, PROCESS, ['PASS_NORMATIVE_REVIEW'], { input: ENDS_WEDNESDAY });
      v10.clock.set(DAY_AFTER);
      const { state } = await when(v10, c.caseId, 'APPROVE', { actor: actors.provider });
      expect(state).toBe('agreementPending');
    } finally {
      await v10.close();
    }
  });
});

describe('第十四条(一): the security commitment is signed in the form itself (FORMS.md: signed: true)', () => {
  const unsigned = { ...conditionalApplicationSentOn('2025-03-03'), securityCommitment: { ...conditionalApplicationSentOn('2025-03-03').securityCommitment, signed: false } };

  it('given nothing, when an application with signed: false is sent, then VALIDATION_FAILED naming the field and the article, and no case', async () => {
    const error = await refused(w, undefined, () => w.engine.start({ process: PROCESS, input: unsigned, actor: actors.company }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details.errors).toEqual([{ path: 'securityCommitment.signed', message: expect.stringContaining('第十四条(一)') }]);
  });

  it('given a world on v10, then signed: false is RULE_VIOLATED securityCommitmentSigned, as v10 said it', async () => {
    const v10 = await createWorld({ registry: new ProcessRegistry([conditionalApplicationV10]) });
    try {
      const error = await refused(v10, undefined, () => v10.engine.start({ process: PROCESS, input: unsigned, actor: actors.company }));
      expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'securityCommitmentSigned', article: '第十四条(一)' } });
    } finally {
      await v10.close();
    }
  });
});
