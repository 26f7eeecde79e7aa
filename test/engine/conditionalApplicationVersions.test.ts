/**
 * conditionalApplication v1, v2 and v3 side by side (ARCHITECTURE.md "Versioned machines"). v1 took the
 * applicant's reports only in `active`, and kept the authority's 知悉 notice open until the case
 * ended, and took an agreement or an application for a use period already over; v2 takes results
 * until the data is destroyed, lets the authority take note, and refuses a use already over. Cases
 * started on v1 keep v1's rules for ever. Later versions are set beside the one before them
 * below (v3 beside v2, v6 beside v5, v7 beside v6); new applications start on the latest.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conditionalApplicationV1, conditionalApplicationV2, conditionalApplicationV3, conditionalApplicationV4, conditionalApplicationV5, conditionalApplicationV6, conditionalApplicationV7 } from '../../machines/conditionalApplication.js';
import { ProcessRegistry } from '../../machines/registry.js';
import type { CaseState } from '../../engine/fold.js';
import { actors, conditionalApplicationSentOn, startInputs } from '../machines/examples.js';
import { pathTo } from '../machines/harness.js';
import { createWorld, given, historyOf, meta, refused, when, type World } from './world.js';

const PROCESS = 'conditionalApplication';
const path = pathTo.conditionalApplication;

let dir: string;
let w: World;
let onV1: { active: CaseState; ended: CaseState; suspended: CaseState };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'engine-ca-versions-'));
  const file = join(dir, 'events.db');
  // Cases started while only v1 was registered.
  const v1 = await createWorld({ path: file, registry: new ProcessRegistry([conditionalApplicationV1]) });
  onV1 = {
    active: await given(v1, PROCESS, path.active!),
    ended: await given(v1, PROCESS, path.destructionPending!),
    suspended: await given(v1, PROCESS, path.suspended!),
  };
  await v1.close();
  // The same store with the shipped registry: v1 and v2.
  w = await createWorld({ path: file });
});
afterAll(async () => {
  await w.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('conditionalApplication v1 cases under the shipped registry', () => {
  it('given a v1 case, when it is read with later versions registered, then it is still v1, with the same state, hash and tasks', async () => {
    const now = await w.engine.getCase(onV1.active.caseId);
    expect(now).toMatchObject({ version: 1, state: 'active', lastHash: onV1.active.lastHash });
    expect(now.tasks).toEqual(onV1.active.tasks);
    expect(w.registry.latest(PROCESS)?.version).toBe(14);
  });

  it('given a v1 case whose use has ended, when the applicant reports results, then INVALID_TRANSITION as v1 says, and nothing stored', async () => {
    const c = onV1.ended;
    const error = await refused(w, c, () => when(w, c.caseId, 'REPORT_RESULTS', { actor: actors.company }));
    expect(error).toMatchObject({ code: 'INVALID_TRANSITION', details: { state: 'destructionPending', allowed: ['CONFIRM_DESTRUCTION'] } });
  });

  it('given a v1 case in use, when the provider terminates it, then the event is stamped v1 and the authority’s notice stays open, as v1 says', async () => {
    const c = onV1.active;
    const { event } = await when(w, c.caseId, 'TERMINATE', { actor: actors.provider });
    expect(meta(event).machine).toEqual({ name: PROCESS, version: 1 });
    expect(meta(event).tasksClosed).toEqual([]);
    expect((await w.engine.getCase(c.caseId)).tasks.map((t) => t.stage).sort()).toEqual(['accessGrantedNotice', 'destructionPending', 'resultsReport']);
    expect((await w.engine.verify(c.caseId)).ok).toBe(true);
  });

  it('given a v1 use suspended over its end, then no expiry timer is pending, as v1 says', async () => {
    const c = onV1.suspended;
    expect(c.timers).toEqual([]);
    expect((await w.engine.getCase(c.caseId)).timers).toEqual([]);
  });

  // Mutation QA (pass 3): v1's destruction and results deadlines could be said to be the agreement's (basis 'agreement'), as v2's are, with every test passing. 附录5 协议二(二)、协议二(三)3
  it('given a v1 case whose use has ended, then its destruction task and its results report are due on the basis v1 gave them: policy', async () => {
    const tasks = (await w.engine.getCase(onV1.ended.caseId)).tasks;
    expect(tasks.filter((t) => t.stage === 'destructionPending' || t.stage === 'resultsReport').map((t) => [t.stage, t.basis]).sort()).toEqual([
      ['destructionPending', 'policy'],
      ['resultsReport', 'policy'],
    ]);
  });

  it('given the shipped registry, when an applicant applies, then the case starts on v14', async () => {
    const c = await given(w, PROCESS);
    expect(c.version).toBe(14);
    expect(meta((await historyOf(w, c))[0]!).machine).toEqual({ name: PROCESS, version: 14 });
  });
});

// 附录5 协议二(二): 到期数据使用权限自动失效 — a suspension does not keep the agreement alive (v2; v1 expired only in active)
describe('conditionalApplication v2: a use suspended over its end expires, v1 beside it above', () => {
  let v2: World;
  beforeAll(async () => {
    v2 = await createWorld({ registry: new ProcessRegistry([conditionalApplicationV1, conditionalApplicationV2]) });
  });
  afterAll(() => v2.close());

  // Mutation QA (pass 3): v2–v4 could run no expiry timer in `suspended` (as v1), leaving a suspended use alive past its end, with every test passing. 附录5 协议二(二)
  it('given a v2 use until 2025-12-31 suspended, then its expiry timer is pending at the end of useTo; when the clock passes it and timers fire, then UsageExpired: destructionPending', async () => {
    const c = await given(v2, PROCESS, path.suspended!);
    expect([c.version, c.state]).toEqual([2, 'suspended']);
    expect(c.timers).toEqual([expect.objectContaining({ command: 'USAGE_EXPIRED', dueAt: '2025-12-31T15:59:59.999Z' })]);
    v2.clock.set('2025-12-31T16:00:00.000Z');
    expect(await v2.scheduler.fireDueTimers()).toBe(1);
    const now = await v2.engine.getCase(c.caseId);
    expect(now).toMatchObject({ version: 2, state: 'destructionPending', timers: [] });
    expect(now.snapshot.context).toMatchObject({ ending: { cause: 'expired', by: 'system' } });
  });
});

describe('conditionalApplication: a use period already over (附录5 协议二(二)), v1 beside v2', () => {
  /** Long after the examples' use (agreement 2025-04-01..2025-12-31, application 2025-04-01..2026-03-31). */
  const LATE = '2027-03-01T01:30:00.000Z';
  let lateDir: string;
  let late: World;
  let agreementPending: { v1: CaseState; v2: CaseState };

  beforeAll(async () => {
    lateDir = mkdtempSync(join(tmpdir(), 'engine-ca-versions-late-'));
    const file = join(lateDir, 'events.db');
    const v1 = await createWorld({ path: file, registry: new ProcessRegistry([conditionalApplicationV1]) });
    const v1Case = await given(v1, PROCESS, path.agreementPending!);
    await v1.close();
    late = await createWorld({ path: file, registry: new ProcessRegistry([conditionalApplicationV1, conditionalApplicationV2, conditionalApplicationV3]) });
    agreementPending = { v1: v1Case, v2: await given(late, PROCESS, path.agreementPending!) };
    late.clock.set(LATE);
  });
  afterAll(async () => {
    await late.close();
    rmSync(lateDir, { recursive: true, force: true });
  });

  it('given a v1 case and a v2 case approved in 2025, when the provider signs each in 2027 for use that ended on 2025-12-31, then v1 takes it as v1 always did (and access makes it active), v2 refuses it: RULE_VIOLATED agreedUseNotOver', async () => {
    const { v1, v2 } = agreementPending;
    expect([v1.version, v2.version]).toEqual([1, 3]);

    const signed = await when(late, v1.caseId, 'SIGN_AGREEMENT', { actor: actors.provider });
    expect(signed.event.type).toBe('AgreementSigned');
    expect(meta(signed.event).machine).toEqual({ name: PROCESS, version: 1 });
    expect((await when(late, v1.caseId, 'GRANT_ACCESS', { actor: actors.provider })).state).toBe('active');

    const error = await refused(late, v2, () => when(late, v2.caseId, 'SIGN_AGREEMENT', { actor: actors.provider }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'agreedUseNotOver', article: '附录5 协议二(二)' } });
  });

  it('given only v1 registered, when an applicant applies in 2027 for use until 2026-03-31, then the case starts on v1; with v2 shipped, the same application is refused: RULE_VIOLATED requestedUseNotOver', async () => {
    const v1Only = await createWorld({ at: LATE, registry: new ProcessRegistry([conditionalApplicationV1]) });
    try {
      const c = await given(v1Only, PROCESS);
      expect(c).toMatchObject({ version: 1, state: 'normativeReview' });
    } finally {
      await v1Only.close();
    }
    const error = await refused(late, undefined, () => late.engine.start({ process: PROCESS, input: startInputs.conditionalApplication, actor: actors.company }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'requestedUseNotOver', article: '附录3' } });
  });
});

// 附录5 协议二(二): access may not be granted before the agreed use begins (accessWithinAgreedUse, v2)
describe('conditionalApplication v3: the time to grant access counts from the agreed start of use, v2 beside it', () => {
  let v3Dir: string;
  let both: World;
  let signed: { v2: CaseState; v3: CaseState };

  beforeAll(async () => {
    v3Dir = mkdtempSync(join(tmpdir(), 'engine-ca-versions-v3-'));
    const file = join(v3Dir, 'events.db');
    // Signed on Thursday 2025-02-20 for a use from Saturday 2025-03-01.
    const SIGNED_AT = '2025-02-20T02:00:00.000Z';
    const onlyV2 = await createWorld({ path: file, registry: new ProcessRegistry([conditionalApplicationV1, conditionalApplicationV2]) });
    const v2Case = await given(onlyV2, PROCESS, path.accessPending!, { at: SIGNED_AT, input: conditionalApplicationSentOn('2025-02-20') });
    await onlyV2.close();
    both = await createWorld({ path: file, registry: new ProcessRegistry([conditionalApplicationV1, conditionalApplicationV2, conditionalApplicationV3]) });
    signed = { v2: v2Case, v3: await given(both, PROCESS, path.accessPending!, { at: SIGNED_AT, input: conditionalApplicationSentOn('2025-02-20') }) };
  });
  afterAll(async () => {
    await both.close();
    rmSync(v3Dir, { recursive: true, force: true });
  });

  it('given a v2 and a v3 case signed on 2025-02-20 for use from 2025-03-01, then v2 gives the provider 10 working days from the signing (due 03-06), v3 from the start of use (due 03-14)', async () => {
    expect([signed.v2.version, signed.v3.version]).toEqual([2, 3]);
    const due = (c: CaseState) => c.tasks.find((t) => t.stage === 'accessPending')?.dueDate;
    expect(due(await both.engine.getCase(signed.v2.caseId))).toBe('2025-03-06');
    expect(due(await both.engine.getCase(signed.v3.caseId))).toBe('2025-03-14');
  });

  it('given those cases, then the v3 task says its count starts on 2025-03-01 (countsFrom), so the deadline can be counted by hand; the v2 task, counted from its entry, says nothing', async () => {
    const task = async (c: CaseState) => (await both.engine.getCase(c.caseId)).tasks.find((t) => t.stage === 'accessPending');
    expect(await task(signed.v3)).toMatchObject({ enteredAt: '2025-02-20T02:00:00.000Z', countsFrom: '2025-03-01', dueDate: '2025-03-14' });
    expect(await task(signed.v2)).not.toHaveProperty('countsFrom');
  });

  it('given use agreed to start on 2028-01-03, past the years the calendar covers (to 2027), when the provider signs in 2026, then AgreementSigned: access is due ten working days from then, judged by the statute and provisional (2028-01-17), not CALENDAR_NOT_COVERED', async () => {
    const input = { ...conditionalApplicationSentOn('2026-03-02'), usePeriod: { from: '2028-01-03', to: '2028-12-29' } };
    const c = await given(both, PROCESS, ['PASS_NORMATIVE_REVIEW', 'APPROVE'], { at: '2026-03-02T01:30:00.000Z', input });
    const agreement = { agreementNo: 'JNGA-KF-2026-001', purpose: '出行分析', useFrom: '2028-01-03', useTo: '2028-12-29', destructionDays: 30, resultsDueMonths: 6 };
    const { state } = await when(both, c.caseId, 'SIGN_AGREEMENT', { data: agreement });
    expect(state).toBe('accessPending');
    expect((await both.engine.getCase(c.caseId)).tasks.find((t) => t.stage === 'accessPending')).toMatchObject({ dueDate: '2028-01-17', provisional: true });
  });

  it('given use agreed to start in 9026 (a year typed wrong for 2026), when the provider signs, then CALENDAR_NOT_COVERED and nothing stored: a day so far ahead is no count from a day agreed ahead', async () => {
    const input = { ...conditionalApplicationSentOn('2026-03-02'), usePeriod: { from: '2026-03-02', to: '9026-12-31' } };
    const c = await given(both, PROCESS, ['PASS_NORMATIVE_REVIEW', 'APPROVE'], { at: '2026-03-02T01:30:00.000Z', input });
    const agreement = { agreementNo: 'JNGA-KF-2026-002', purpose: '出行分析', useFrom: '9026-03-02', useTo: '9026-12-31', destructionDays: 30, resultsDueMonths: 6 };
    const error = await refused(both, c, () => when(both, c.caseId, 'SIGN_AGREEMENT', { data: agreement }));
    expect(error).toMatchObject({ code: 'CALENDAR_NOT_COVERED' });
    // No notice the administrator could load covers it (calendar QA: the provider was sent to ask for one): the date is to check.
    expect(error.text.zh).toMatch(/：9026 年远在日历覆盖的年份之后，请先核对所填日期是否有误（通知逐年发布，\d{4} 年的通知是下一份可载入的通知）$/);
  });

  it('given a v3 case signed after its use began, then the time counts from the signing, as before', async () => {
    const c = await given(both, PROCESS, path.accessPending!, { at: '2025-03-05T02:00:00.000Z' });
    // Wednesday 2025-03-05, 10 working days on: 2025-03-19.
    expect(c.tasks.find((t) => t.stage === 'accessPending')?.dueDate).toBe('2025-03-19');
  });
});

// 附录5 协议二(二): (公共数据利用主体) 可在……至……使用 — a report of use covers days of the agreed use begun by its day (v6)
describe('conditionalApplication v6: a report of use covers days of the agreed use begun by the day it is sent, v5 beside it', () => {
  /** The examples' agreement: use 2025-03-01 to 2025-12-31; access granted on 2025-03-03 (Beijing). */
  const report = (from: string, to: string) => ({ period: { from, to }, summary: '本期累计调用接口 3 万次，用于高峰拥堵预测模型训练。' });
  let v6Dir: string;
  let both: World;
  let active: { v5: CaseState; v6: CaseState };

  beforeAll(async () => {
    v6Dir = mkdtempSync(join(tmpdir(), 'engine-ca-versions-v6-'));
    const file = join(v6Dir, 'events.db');
    const onlyV5 = await createWorld({ path: file, registry: new ProcessRegistry([conditionalApplicationV1, conditionalApplicationV2, conditionalApplicationV3, conditionalApplicationV4, conditionalApplicationV5]) });
    const v5Case = await given(onlyV5, PROCESS, path.active!);
    await onlyV5.close();
    // Up to v6, as it was released: the cases it starts are v6 cases (v7, beside it below, is v6's rules and one more).
    both = await createWorld({
      path: file,
      registry: new ProcessRegistry([conditionalApplicationV1, conditionalApplicationV2, conditionalApplicationV3, conditionalApplicationV4, conditionalApplicationV5, conditionalApplicationV6]),
    });
    active = { v5: v5Case, v6: await given(both, PROCESS, path.active!) };
  });
  afterAll(async () => {
    await both.close();
    rmSync(v6Dir, { recursive: true, force: true });
  });

  it.each([
    ['a quarter not yet begun (2025-04-01 to 2025-06-30)', '2025-04-01', '2025-06-30'],
    ['a period ending tomorrow (2025-03-01 to 2025-03-04)', '2025-03-01', '2025-03-04'],
    ['a year after the agreement ends (2027-01-01 to 2027-12-31)', '2027-01-01', '2027-12-31'],
    ['days before the agreed use began (2025-02-01 to 2025-02-28)', '2025-02-01', '2025-02-28'],
  ])('given a v6 case in use on 2025-03-03, when the applicant reports %s, then RULE_VIOLATED usageWithinAgreedUse naming the days it may report, and nothing stored', async (_what, from, to) => {
    const c = active.v6;
    expect(c.version).toBe(6);
    const error = await refused(both, c, () => when(both, c.caseId, 'REPORT_USAGE', { data: report(from, to), at: '2025-03-03T01:30:00.000Z' }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'usageWithinAgreedUse', article: '附录5 协议二(二)' } });
    expect(error).toMatchObject({ text: { zh: expect.stringContaining('2025-03-01 至 2025-03-03'), en: expect.stringContaining('2025-03-01 to 2025-03-03') } });
  });

  it('given a v6 case in use, when the applicant reports days of the agreed use up to today, then UsageReported: a period ending today, and a past quarter', async () => {
    const c = active.v6;
    const today = await when(both, c.caseId, 'REPORT_USAGE', { data: report('2025-03-01', '2025-03-03'), at: '2025-03-03T15:59:00.000Z' });
    expect([today.event.type, meta(today.event).machine.version]).toEqual(['UsageReported', 6]);
    const quarter = await when(both, c.caseId, 'REPORT_USAGE', { data: report('2025-04-01', '2025-06-30'), at: '2025-07-02T01:30:00.000Z' });
    expect(quarter.event.type).toBe('UsageReported');
  });

  it('given a v6 case whose use was renewed from 2025-12-31 to 2026-03-31, when the applicant reports days after the first end, then UsageReported; past the day it is sent, RULE_VIOLATED naming the renewed dates', async () => {
    const c = await given(both, PROCESS, [...path.active!, 'REQUEST_RENEWAL', 'APPROVE_RENEWAL'], { at: '2025-03-03T01:30:00.000Z' });
    expect((await both.engine.getCase(c.caseId)).snapshot.context).toMatchObject({ useTo: '2026-03-31' });
    const renewed = await when(both, c.caseId, 'REPORT_USAGE', { data: report('2025-10-01', '2026-01-05'), at: '2026-01-05T08:00:00.000Z' });
    expect(renewed.event.type).toBe('UsageReported');
    const error = await refused(both, c, () => when(both, c.caseId, 'REPORT_USAGE', { data: report('2026-01-01', '2026-03-31') }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'usageWithinAgreedUse' }, text: { zh: expect.stringContaining('2025-03-01 至 2026-01-05') } });
  });

  it('given a v5 case in use, when the applicant reports a period not yet begun or outside the agreement, then UsageReported stamped v5, as v5 always took it', async () => {
    const c = active.v5;
    expect(c.version).toBe(5);
    for (const [from, to] of [
      ['2025-04-01', '2025-06-30'],
      ['2027-01-01', '2027-12-31'],
    ] as const) {
      const { event } = await when(both, c.caseId, 'REPORT_USAGE', { data: report(from, to), at: '2025-03-03T01:30:00.000Z' });
      expect([event.type, meta(event).machine]).toEqual(['UsageReported', { name: PROCESS, version: 5 }]);
    }
    expect((await both.engine.verify(c.caseId)).ok).toBe(true);
  });
});

// 附录4 承诺书六: 有权暂停或停止数据开放服务; 附录5 协议二(二) 协议终止 — a renewal pending when the agreement is terminated lapses with it (v7)
describe('conditionalApplication v7: a renewal pending when the agreement is terminated is recorded as lapsed, v6 beside it', () => {
  const renewalPendingIn = { renewalReview: path.renewalReview!, suspended: [...path.renewalReview!, 'SUSPEND'] } as const;
  const reason = '续签决定作出前，数据开放服务已停止，协议终止（附录4 承诺书六、附录5 协议二(二)）';
  let v7Dir: string;
  let both: World;
  let onV6: Record<keyof typeof renewalPendingIn, CaseState>;

  beforeAll(async () => {
    v7Dir = mkdtempSync(join(tmpdir(), 'engine-ca-versions-v7-'));
    const file = join(v7Dir, 'events.db');
    const onlyV6 = await createWorld({
      path: file,
      registry: new ProcessRegistry([conditionalApplicationV1, conditionalApplicationV2, conditionalApplicationV3, conditionalApplicationV4, conditionalApplicationV5, conditionalApplicationV6]),
    });
    onV6 = { renewalReview: await given(onlyV6, PROCESS, renewalPendingIn.renewalReview), suspended: await given(onlyV6, PROCESS, renewalPendingIn.suspended) };
    await onlyV6.close();
    // The build of v7 (v8 came after it, and is another test's).
    both = await createWorld({
      path: file,
      registry: new ProcessRegistry([conditionalApplicationV1, conditionalApplicationV2, conditionalApplicationV3, conditionalApplicationV4, conditionalApplicationV5, conditionalApplicationV6, conditionalApplicationV7]),
    });
  });
  afterAll(async () => {
    await both.close();
    rmSync(v7Dir, { recursive: true, force: true });
  });

  const renewalsOf = async (c: CaseState) => ((await both.engine.getCase(c.caseId)).snapshot.context as { renewals: { decision?: unknown }[] }).renewals;

  it.each(Object.keys(renewalPendingIn) as (keyof typeof renewalPendingIn)[])(
    'given a v7 case in %s with a renewal pending, when the competent authority terminates, then Terminated stamped v7, and the renewal is decided: not approved, lapsed, with the reason, the day and the party',
    async (state) => {
      const c = await given(both, PROCESS, renewalPendingIn[state]);
      expect([c.version, c.state]).toEqual([7, state]);
      const at = '2025-06-02T02:00:00.000Z';
      const { event } = await when(both, c.caseId, 'TERMINATE', { actor: actors.cityAuthority, at });
      expect([event.type, meta(event).machine.version]).toEqual(['Terminated', 7]);
      const renewals = await renewalsOf(c);
      expect(renewals).toHaveLength(1);
      expect(renewals[0]!.decision).toEqual({ approved: false, lapsed: true, reason, at, by: actors.cityAuthority.org });
      const now = await both.engine.getCase(c.caseId);
      expect(now.state).toBe('destructionPending');
      expect(now.tasks.map((t) => t.stage)).not.toContain('renewalReview');
      expect((await both.engine.verify(c.caseId)).ok).toBe(true);
    },
  );

  it.each(Object.keys(renewalPendingIn) as (keyof typeof renewalPendingIn)[])(
    'given a v6 case in %s with a renewal pending, when the competent authority terminates, then Terminated stamped v6 and the renewal left undecided, as v6 always did',
    async (state) => {
      const c = onV6[state];
      expect([c.version, c.state]).toEqual([6, state]);
      const { event } = await when(both, c.caseId, 'TERMINATE', { actor: actors.cityAuthority, at: '2025-06-02T02:00:00.000Z' });
      expect([event.type, meta(event).machine]).toEqual(['Terminated', { name: PROCESS, version: 6 }]);
      const renewals = await renewalsOf(c);
      expect(renewals).toHaveLength(1);
      expect(renewals[0]!.decision).toBeUndefined();
      expect((await both.engine.getCase(c.caseId)).state).toBe('destructionPending');
      expect((await both.engine.verify(c.caseId)).ok).toBe(true);
    },
  );
});
