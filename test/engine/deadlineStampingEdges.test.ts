/**
 * Deadline stamping at the edges (PROCESSES.md "Deadlines"; README: countsFrom is "given only when it is
 * not the day the stage was entered"), and a late timer that closes a task entered after the instant the
 * timer takes effect (engine: a task is "never" closed "before the task was entered").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conditionalApplicationV10 } from '../../machines/conditionalApplication.js';
import { ProcessRegistry } from '../../machines/registry.js';
import { conditionalApplicationSentOn } from '../machines/examples.js';
import { createWorld, endOfDay, given, historyOf, meta, when, type World } from './world.js';

const PROCESS = 'conditionalApplication';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(() => w.close());

describe('conditionalApplication v3+: the access deadline counts from the agreed start of use only when that is later than the signing', () => {
  it('given an approved application, when the provider signs on Monday 2025-03-03 for use from that very day, then access is due ten working days on (2025-03-17) and the task carries no countsFrom', async () => {
    const c = await given(w, PROCESS, ['PASS_NORMATIVE_REVIEW', 'APPROVE'], { at: '2025-02-20T02:00:00.000Z', input: conditionalApplicationSentOn('2025-02-20') });
    const agreement = { agreementNo: 'JNGA-KF-2025-099', purpose: '出行分析', useFrom: '2025-03-03', useTo: '2025-12-31', destructionDays: 30, resultsDueMonths: 6 };
    const { event, state } = await when(w, c.caseId, 'SIGN_AGREEMENT', { data: agreement, at: '2025-03-03T02:00:00.000Z' });
    expect(state).toBe('accessPending');
    const opened = meta(event).tasksOpened.find((t) => t.stage === 'accessPending');
    expect(opened).toMatchObject({ enteredAt: '2025-03-03T02:00:00.000Z', dueDate: '2025-03-17' });
    expect(opened).not.toHaveProperty('countsFrom');
    const task = (await w.engine.getCase(c.caseId)).tasks.find((t) => t.stage === 'accessPending');
    expect(task).toMatchObject({ dueDate: '2025-03-17' });
    expect(task).not.toHaveProperty('countsFrom');
  });
});

// Mutation QA (pass 3): the current version's access task could lose its countFrom (the agreed start of use,
// 附录5 协议二(二)) with every test passing but the catalogue's listing: a v3 test held it for v3 alone.
describe('conditionalApplication (current version): access granted within ten working days of the agreed start of use', () => {
  it('given an approved application, when the provider signs on Mon 2025-03-03 for use from Tue 2025-04-01, then access counts from 04-01 and is due Wed 04-16 (清明 04-04 to 04-06 off)', async () => {
    const c = await given(w, PROCESS, ['PASS_NORMATIVE_REVIEW', 'APPROVE'], { at: '2025-02-20T02:00:00.000Z', input: conditionalApplicationSentOn('2025-02-20') });
    expect(c.version).toBe(w.registry.latest(PROCESS)!.version);
    const agreement = { agreementNo: 'JNGA-KF-2025-100', purpose: '出行分析', useFrom: '2025-04-01', useTo: '2025-12-31', destructionDays: 30, resultsDueMonths: 6 };
    const { event } = await when(w, c.caseId, 'SIGN_AGREEMENT', { data: agreement, at: '2025-03-03T02:00:00.000Z' });
    // 04-02 (1), 04-03 (2), 04-07 … 04-11 (3–7), 04-14 (8), 04-15 (9), 04-16 (10).
    expect(meta(event).tasksOpened.find((t) => t.stage === 'accessPending')).toMatchObject({ enteredAt: '2025-03-03T02:00:00.000Z', countsFrom: '2025-04-01', dueDate: '2025-04-16' });
  });
});

// Mutation QA (pass 3): a task due by the requested end of use, when the count runs past the covered years,
// could be labelled `agreement` instead of its spec's `policy` with every test passing (the day is only
// applied for, agreed by nobody yet; the overdue report and SLA read the basis).
describe('a deadline ended by the requested end of use past the covered years', () => {
  it('given an application for use to Fri 2027-12-31 (2026’s notice the last), when the provider approves it on Mon 2027-12-27, then signing is due 12-31 with basis policy', async () => {
    const own = await createWorld({ at: '2027-12-06T01:30:00.000Z' });
    try {
      const input = { ...conditionalApplicationSentOn('2027-12-06'), usePeriod: { from: '2027-12-06', to: '2027-12-31' } };
      const c = await given(own, PROCESS, ['PASS_NORMATIVE_REVIEW'], { input });
      const { event } = await when(own, c.caseId, 'APPROVE', { at: '2027-12-27T02:00:00.000Z' });
      expect(meta(event).tasksOpened.find((t) => t.stage === 'agreementPending')).toMatchObject({ dueDate: '2027-12-31', basis: 'policy' });
    } finally {
      await own.close();
    }
  });
});

describe('a late timer never closes a task before the task was entered', () => {
  it('given a v10 application whose requested use ends 2026-03-31, when the provider approves it on 2026-04-02 and the expiry then fires, then the agreement task is closed as cancelled at the instant it was entered, not on 2026-03-31', async () => {
    // A world of its own: no other case's timer falls due meanwhile. On v10: from v11 that approval is
    // refused (approvalWithinRequestedUse), but the cases started before keep theirs.
    const own = await createWorld({ registry: new ProcessRegistry([conditionalApplicationV10]) });
    try {
      const w = own;
      const input = { ...conditionalApplicationSentOn('2026-03-02'), usePeriod: { from: '2026-03-02', to: '2026-03-31' } };
      const c = await given(w, PROCESS, ['PASS_NORMATIVE_REVIEW'], { at: '2026-03-02T01:30:00.000Z', input });
      const approved = await when(w, c.caseId, 'APPROVE', { at: '2026-04-02T02:00:00.000Z' });
      expect(approved.state).toBe('agreementPending');
      const entered = meta(approved.event).tasksOpened.find((t) => t.stage === 'agreementPending')!.enteredAt;
      expect(entered).toBe('2026-04-02T02:00:00.000Z');
      expect(await w.scheduler.fireDueTimers()).toBe(1);

      const expiry = (await historyOf(w, c)).at(-1)!;
      expect(meta(expiry)).toMatchObject({ command: 'USAGE_EXPIRED', stateBefore: 'agreementPending', stateAfter: 'closed' });
      // The use ended before the task existed: it is closed when it was entered, never earlier.
      expect(meta(expiry).tasksClosed).toEqual([{ stage: 'agreementPending', completedAt: entered, cancelled: true }]);
      expect(meta(expiry).tasksClosed[0]!.completedAt).not.toBe(endOfDay('2026-03-31'));
    } finally {
      await own.close();
    }
  });
});

// Mutation QA (D02): the renewal review is due in 10 working days (policy), or by the end of use when that
// comes first (附录5 协议二(二)); on the day both fall alike it is the policy's, with its basis.
describe('conditionalApplication: a renewal review due on the last day of use by both counts keeps its policy basis', () => {
  const renewalReviewOn = async (askedAt: string) => {
    const c = await given(w, PROCESS, ['PASS_NORMATIVE_REVIEW', 'APPROVE', 'SIGN_AGREEMENT', 'GRANT_ACCESS'], { at: '2025-03-03T02:00:00.000Z', input: conditionalApplicationSentOn('2025-03-03') });
    const { event } = await when(w, c.caseId, 'REQUEST_RENEWAL', { at: askedAt });
    return meta(event).tasksOpened.find((t) => t.stage === 'renewalReview');
  };

  it('given use to 2025-12-31, when renewal is asked on Wed 2025-12-17, then the review is due 2025-12-31 on the policy (its 10th working day), not on the agreement', async () => {
    expect(await renewalReviewOn('2025-12-17T02:00:00.000Z')).toMatchObject({ dueDate: '2025-12-31', basis: 'policy' });
  });

  it('given use to 2025-12-31, when renewal is asked on Thu 2025-12-18, then the review is due 2025-12-31 on the agreement (the policy would end 2026-01-04)', async () => {
    expect(await renewalReviewOn('2025-12-18T02:00:00.000Z')).toMatchObject({ dueDate: '2025-12-31', basis: 'agreement' });
  });
});
