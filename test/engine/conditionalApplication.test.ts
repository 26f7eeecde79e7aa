/**
 * 有条件开放数据获取申请 through the engine (PROCESSES.md §2; 第十三、十四条, 附录3–5): given a
 * history, when a command, then these events — or this error, and nothing stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conditionalApplication } from '../../machines/conditionalApplication.js';
import { transitions } from '../../machines/describe.js';
import { actors, commandData, conditionalApplicationSentOn, orgs, startInputs } from '../machines/examples.js';
import { pathTo } from '../machines/harness.js';
import {
  arrowKey,
  coldEngine,
  createWorld,
  endOfDay,
  expectWrongState,
  followArrow,
  given,
  historyOf,
  meta,
  others,
  refused,
  sorted,
  when,
  type Arrow,
  type WrongState,
  type World,
} from './world.js';

const PROCESS = 'conditionalApplication';
const path = pathTo.conditionalApplication;
const data = commandData.conditionalApplication;
const input = startInputs.conditionalApplication;
const { provider, cityAuthority: authority, company: applicant, system } = actors;
const at = (state: string) => path[state]!;

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(() => w.close());

describe('conditionalApplication: applying (第十三条 eligibility, 第十四条(一) commitment)', () => {
  it('given nothing, when an eligible applicant applies, then ApplicationSubmitted: normativeReview, a task for the competent authority', async () => {
    const result = await w.engine.start({ process: PROCESS, input, actor: applicant });
    expect(result).toMatchObject({ state: 'normativeReview', revision: 0, final: false });
    expect(result.event.type).toBe('ApplicationSubmitted');
    expect(meta(result.event)).toMatchObject({
      stateBefore: null,
      stateAfter: 'normativeReview',
      parties: { providerOrg: orgs.provider, applicantOrg: orgs.company },
      tasksOpened: [{ stage: 'normativeReview', role: 'authority', org: orgs.cityAuthority, orgs: [orgs.cityAuthority], basis: 'statute', article: '第十四条(二)' }],
    });
  });

  it.each([
    ['not real-name verified', { ...input.eligibility, realNameVerified: false }, 'realNameVerified', '第十三条(一)'],
    ['listed as a dishonest judgment debtor', { ...input.eligibility, creditCheck: { ...input.eligibility.creditCheck, dishonestDebtor: true } }, 'notDishonestDebtor', '第十三条(二)'],
    [
      'listed as a seriously dishonest enterprise',
      { ...input.eligibility, creditCheck: { ...input.eligibility.creditCheck, seriouslyDishonestEnterprise: true } },
      'notSeriouslyDishonestEnterprise',
      '第十三条(二)',
    ],
  ] as const)('given nothing, when an applicant %s applies, then RULE_VIOLATED %s… and no case is created', async (_who, eligibility, rule, article) => {
    const error = await refused(w, undefined, () => w.engine.start({ process: PROCESS, input: { ...input, eligibility }, actor: applicant }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule, article } });
    expect(error.text.zh).toContain(article);
  });

  it('given nothing, when an applicant listed on both credit lists applies, then RULE_VIOLATED names both (violations), not the first alone, so the applicant learns everything in one answer', async () => {
    const eligibility = { ...input.eligibility, creditCheck: { ...input.eligibility.creditCheck, dishonestDebtor: true, seriouslyDishonestEnterprise: true } };
    const error = await refused(w, undefined, () => w.engine.start({ process: PROCESS, input: { ...input, eligibility }, actor: applicant }));
    expect(error).toMatchObject({
      code: 'RULE_VIOLATED',
      details: {
        rule: 'notDishonestDebtor',
        article: '第十三条(二)',
        violations: [
          { rule: 'notDishonestDebtor', article: '第十三条(二)' },
          { rule: 'notSeriouslyDishonestEnterprise', article: '第十三条(二)' },
        ],
      },
    });
    expect(error.text.zh).toBe('申请人被列入失信被执行人名单，不得申请有条件开放数据（第十三条(二)）；申请人被列入严重违法失信企业名单，不得申请有条件开放数据（第十三条(二)）');
  });

  it.each([
    ['a credit check dated after it', { eligibility: { ...input.eligibility, creditCheck: { ...input.eligibility.creditCheck, checkedAt: '2030-01-01T00:00:00Z' } } }],
    ['a commitment signed after it', { securityCommitment: { ...input.securityCommitment, signedAt: '2030-01-01T00:00:00Z' } }],
  ])('given nothing, when an application comes with %s, then RULE_VIOLATED eligibilityNotInFuture (v3) and no case', async (_what, change) => {
    const error = await refused(w, undefined, () => w.engine.start({ process: PROCESS, input: { ...input, ...change }, actor: applicant }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'eligibilityNotInFuture', article: '第十三条(二)、第十四条(一)' } });
  });

  // 第十三条(二)、第十四条(一): done before applying — allowing for a client's clock at most 10 minutes ahead (CLOCK_SKEW_MS), no more.
  it.each([
    ['credit check', (t: string) => ({ eligibility: { ...input.eligibility, creditCheck: { ...input.eligibility.creditCheck, checkedAt: t } } })],
    ['security commitment', (t: string) => ({ securityCommitment: { ...input.securityCommitment, signedAt: t } })],
  ] as const)('given nothing, when the %s is dated 10 minutes and 1 ms after the application, then RULE_VIOLATED eligibilityNotInFuture; 10 minutes after to the millisecond, the case starts', async (_what, dated) => {
    const now = w.clock.now().getTime();
    const after = (ms: number) => new Date(now + ms).toISOString();
    const error = await refused(w, undefined, () => w.engine.start({ process: PROCESS, input: { ...input, ...dated(after(10 * 60_000 + 1)) }, actor: applicant }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'eligibilityNotInFuture', article: '第十三条(二)、第十四条(一)' } });
    const started = await w.engine.start({ process: PROCESS, input: { ...input, ...dated(after(10 * 60_000)) }, actor: applicant });
    expect(started).toMatchObject({ state: 'normativeReview', revision: 0 });
  });

  it('given nothing, when the security commitment is not signed, then VALIDATION_FAILED at securityCommitment.signed naming 第十四条(一) (FORMS.md: signed: true), and no case', async () => {
    const error = await refused(w, undefined, () =>
      w.engine.start({ process: PROCESS, input: { ...input, securityCommitment: { ...input.securityCommitment, signed: false } }, actor: applicant }),
    );
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details.errors).toEqual([{ path: 'securityCommitment.signed', message: '应为 true：申请时须提交已签署的《公共数据安全承诺书》（第十四条(一)）' }]);
  });

  it('given nothing, when an incomplete application is sent (no scenarios, no usePeriod), then VALIDATION_FAILED naming each field and no case', async () => {
    const { usePeriod: _missing, ...incomplete } = input;
    const error = await refused(w, undefined, () => w.engine.start({ process: PROCESS, input: { ...incomplete, scenarios: [] }, actor: applicant }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect((error.details.errors as { path: string }[]).map((e) => e.path)).toEqual(expect.arrayContaining(['usePeriod', 'scenarios']));
  });

  it('given nothing, when a provider applies, then FORBIDDEN and no case', async () => {
    const error = await refused(w, undefined, () => w.engine.start({ process: PROCESS, input, actor: provider }));
    expect(error.code).toBe('FORBIDDEN');
  });
});

describe('conditionalApplication: every command of PROCESSES.md §2', () => {
  const arrows: Arrow[] = [
    { from: 'normativeReview', path: [], when: 'PASS_NORMATIVE_REVIEW', who: 'the competent authority', by: authority, then: 'NormativeReviewPassed', to: 'providerReview' },
    { from: 'normativeReview', path: [], when: 'FAIL_NORMATIVE_REVIEW', who: 'the competent authority', by: authority, then: 'NormativeReviewFailed', to: 'rejected' },
    { from: 'normativeReview', path: [], when: 'WITHDRAW', who: 'the applicant', by: applicant, then: 'Withdrawn', to: 'withdrawn' },
    { from: 'providerReview', path: at('providerReview'), when: 'APPROVE', who: 'the provider', by: provider, then: 'Approved', to: 'agreementPending' },
    { from: 'providerReview', path: at('providerReview'), when: 'REJECT', who: 'the provider', by: provider, then: 'Rejected', to: 'rejected' },
    { from: 'providerReview', path: at('providerReview'), when: 'WITHDRAW', who: 'the applicant', by: applicant, data: {}, then: 'Withdrawn', to: 'withdrawn' },
    { from: 'agreementPending', path: at('agreementPending'), when: 'SIGN_AGREEMENT', who: 'the provider', by: provider, then: 'AgreementSigned', to: 'accessPending' },
    // v4: an applicant who will not sign the agreement withdraws (附录5 is signed by both parties)
    { from: 'agreementPending', path: at('agreementPending'), when: 'WITHDRAW', who: 'the applicant', by: applicant, data: { reason: '协议条款未能达成一致，不再申请。' }, then: 'Withdrawn', to: 'withdrawn' },
    { from: 'accessPending', path: at('accessPending'), when: 'GRANT_ACCESS', who: 'the provider', by: provider, then: 'AccessGranted', to: 'active' },
    // v5: the use period's end ends what can no longer be signed or granted (附录5 协议二(二))
    { from: 'agreementPending', path: at('agreementPending'), when: 'USAGE_EXPIRED', who: 'the system', by: system, then: 'UsageExpired', to: 'closed' },
    { from: 'accessPending', path: at('accessPending'), when: 'USAGE_EXPIRED', who: 'the system', by: system, then: 'UsageExpired', to: 'closed' },
    { from: 'active', path: at('active'), when: 'REPORT_USAGE', who: 'the applicant', by: applicant, then: 'UsageReported', to: 'active' },
    { from: 'active', path: at('active'), when: 'REPORT_RESULTS', who: 'the applicant', by: applicant, then: 'ResultsReported', to: 'active' },
    { from: 'active', path: at('active'), when: 'REPORT_SECURITY_INCIDENT', who: 'the applicant', by: applicant, then: 'SecurityIncidentReported', to: 'active' },
    { from: 'active', path: at('active'), when: 'REQUEST_RENEWAL', who: 'the applicant', by: applicant, then: 'RenewalRequested', to: 'renewalReview' },
    { from: 'active', path: at('active'), when: 'SUSPEND', who: 'the provider', by: provider, then: 'Suspended', to: 'suspended' },
    { from: 'active', path: at('active'), when: 'SUSPEND', who: 'the competent authority', by: authority, then: 'Suspended', to: 'suspended' },
    { from: 'active', path: at('active'), when: 'TERMINATE', who: 'the provider', by: provider, then: 'Terminated', to: 'destructionPending' },
    { from: 'active', path: at('active'), when: 'TERMINATE', who: 'the competent authority', by: authority, then: 'Terminated', to: 'destructionPending' },
    { from: 'active', path: at('active'), when: 'USAGE_EXPIRED', who: 'the system', by: system, then: 'UsageExpired', to: 'destructionPending' },
    { from: 'renewalReview', path: at('renewalReview'), when: 'APPROVE_RENEWAL', who: 'the provider', by: provider, then: 'RenewalApproved', to: 'active' },
    { from: 'renewalReview', path: at('renewalReview'), when: 'REJECT_RENEWAL', who: 'the provider', by: provider, then: 'RenewalRejected', to: 'active' },
    { from: 'suspended', path: at('suspended'), when: 'RESUME', who: 'the provider', by: provider, then: 'Resumed', to: 'active' },
    { from: 'suspended', path: at('suspended'), when: 'RESUME', who: 'the competent authority', by: authority, then: 'Resumed', to: 'active' },
    { from: 'suspended', path: at('suspended'), when: 'TERMINATE', who: 'the provider', by: provider, then: 'Terminated', to: 'destructionPending' },
    { from: 'suspended', path: at('suspended'), when: 'TERMINATE', who: 'the competent authority', by: authority, then: 'Terminated', to: 'destructionPending' },
    { from: 'destructionPending', path: at('destructionPending'), when: 'CONFIRM_DESTRUCTION', who: 'the applicant', by: applicant, then: 'DestructionConfirmed', to: 'closed' },
    // v2: the authority takes note of access while it lasts; the applicant's reports go on under review or suspension, and results and security problems until destruction
    ...(['active', 'renewalReview', 'suspended'] as const).map((state) => ({ from: state, path: at(state), when: 'ACKNOWLEDGE_ACCESS_NOTICE', who: 'the competent authority', by: authority, then: 'AccessNoticeAcknowledged', to: state })),
    ...(['renewalReview', 'suspended'] as const).flatMap((state) => [
      { from: state, path: at(state), when: 'REPORT_USAGE', who: 'the applicant', by: applicant, then: 'UsageReported', to: state },
      { from: state, path: at(state), when: 'REPORT_RESULTS', who: 'the applicant', by: applicant, then: 'ResultsReported', to: state },
      { from: state, path: at(state), when: 'REPORT_SECURITY_INCIDENT', who: 'the applicant', by: applicant, then: 'SecurityIncidentReported', to: state },
    ]),
    // v2: a renewal under review can be suspended or stopped (附录4 承诺书六), and use lapses at its end whatever the case waits on (附录5 协议二(二))
    { from: 'renewalReview', path: at('renewalReview'), when: 'SUSPEND', who: 'the provider', by: provider, then: 'Suspended', to: 'suspended' },
    { from: 'renewalReview', path: at('renewalReview'), when: 'SUSPEND', who: 'the competent authority', by: authority, then: 'Suspended', to: 'suspended' },
    { from: 'renewalReview', path: at('renewalReview'), when: 'TERMINATE', who: 'the provider', by: provider, then: 'Terminated', to: 'destructionPending' },
    { from: 'renewalReview', path: at('renewalReview'), when: 'TERMINATE', who: 'the competent authority', by: authority, then: 'Terminated', to: 'destructionPending' },
    { from: 'renewalReview', path: at('renewalReview'), when: 'USAGE_EXPIRED', who: 'the system', by: system, then: 'UsageExpired', to: 'destructionPending' },
    { from: 'suspended', path: at('suspended'), when: 'USAGE_EXPIRED', who: 'the system', by: system, then: 'UsageExpired', to: 'destructionPending' },
    // v2: a renewal pending when use was suspended is reviewed again on resumption
    { from: 'suspended', path: [...at('renewalReview'), 'SUSPEND'], when: 'RESUME', who: 'the provider', by: provider, then: 'Resumed', to: 'renewalReview' },
    { from: 'destructionPending', path: at('destructionPending'), when: 'REPORT_RESULTS', who: 'the applicant', by: applicant, then: 'ResultsReported', to: 'destructionPending' },
    { from: 'destructionPending', path: at('destructionPending'), when: 'REPORT_SECURITY_INCIDENT', who: 'the applicant', by: applicant, then: 'SecurityIncidentReported', to: 'destructionPending' },
    // v8: the provider takes note of a security problem reported (第五条), wherever one can be reported; v9: the competent authority too (附录4 承诺书五);
    // v12: each takes note of results fed back (附录5 协议二(三)3)
    ...(
      [
        ['REPORT_SECURITY_INCIDENT', 'ACKNOWLEDGE_SECURITY_INCIDENT', 'the provider', provider, 'SecurityIncidentAcknowledged'],
        ['REPORT_SECURITY_INCIDENT', 'ACKNOWLEDGE_INCIDENT_NOTICE', 'the competent authority', authority, 'IncidentNoticeAcknowledged'],
        ['REPORT_RESULTS', 'ACKNOWLEDGE_RESULTS', 'the provider', provider, 'ResultsAcknowledged'],
        ['REPORT_RESULTS', 'ACKNOWLEDGE_RESULTS_NOTICE', 'the competent authority', authority, 'ResultsNoticeAcknowledged'],
      ] as const
    ).flatMap(([report, command, who, by, then]) =>
      (['active', 'renewalReview', 'suspended', 'destructionPending'] as const).map((state) => ({ from: state, path: [...at(state), report], when: command, who, by, then, to: state })),
    ),
    // v9: a renewal asked for in a suspension (附录5 协议二(二)), reviewed on resumption
    { from: 'suspended', path: at('suspended'), when: 'REQUEST_RENEWAL', who: 'the applicant', by: applicant, then: 'RenewalRequested', to: 'suspended' },
    // v13: the provider takes note of the competent authority's suspension, resumption or stop of the service (附录4 承诺书六)
    ...(
      [
        ['active', [...at('active'), ['SUSPEND', { actor: authority }], ['RESUME', { actor: authority }]], 'RESUME'],
        ['renewalReview', [...at('renewalReview'), ['SUSPEND', { actor: authority }], ['RESUME', { actor: authority }]], 'RESUME'],
        ['suspended', [...at('active'), ['SUSPEND', { actor: authority }]], 'SUSPEND'],
        ['destructionPending', [...at('active'), ['TERMINATE', { actor: authority }]], 'TERMINATE'],
      ] as const
    ).map(([state, path, decision]) => ({ from: state, path, when: 'ACKNOWLEDGE_SERVICE_NOTICE', who: 'the provider', by: provider, data: { command: decision }, then: 'ServiceNoticeAcknowledged', to: state })),
    // v14: the provider takes note of a report of use (第十六条 定期告知公共数据开放主体), wherever one can be left open
    ...(
      [
        ['active', [...at('active'), 'REPORT_USAGE']],
        ['renewalReview', [...at('renewalReview'), 'REPORT_USAGE']],
        ['suspended', [...at('suspended'), 'REPORT_USAGE']],
        ['destructionPending', [...at('active'), 'REPORT_USAGE', 'TERMINATE']],
      ] as const
    ).map(([state, path]) => ({ from: state, path, when: 'ACKNOWLEDGE_USAGE', who: 'the provider', by: provider, then: 'UsageAcknowledged', to: state })),
  ];

  it('the arrows below are every arrow of the chart', () => {
    const charted = new Set(transitions(conditionalApplication).map(arrowKey));
    expect(sorted([...new Set(arrows.map((a) => arrowKey({ ...a, command: a.when })))])).toEqual(sorted([...charted]));
  });

  it.each(arrows)('given an application in $from, when $who sends $when, then $then and $to', async (arrow) => {
    await followArrow(w, PROCESS, arrow);
  });

  it('given an approved application, when the agreement is signed and access granted, then the results task, the authority’s notice and the expiry timer open', async () => {
    const c = await given(w, PROCESS, at('accessPending'));
    const { event } = await when(w, c.caseId, 'GRANT_ACCESS');
    expect(meta(event).tasksClosed.map((t) => t.stage)).toEqual(['accessPending']);
    const [results, notice] = meta(event).tasksOpened;
    // 附录5 协议二(三)3: 6 months after 2025-03-03 (the day access was granted, Shanghai) → 2025-09-03.
    // v2: the term is the agreement's (basis `agreement`; v1 said `policy`).
    expect(results).toMatchObject({ stage: 'resultsReport', role: 'applicant', org: orgs.company, dueDate: '2025-09-03', dueAt: endOfDay('2025-09-03'), basis: 'agreement' });
    // 第十四条(三) 告知本级主管部门: information only, never overdue.
    expect(notice).toMatchObject({ stage: 'accessGrantedNotice', role: 'authority', org: orgs.cityAuthority });
    expect(notice).not.toHaveProperty('dueAt');
    // 附录5 协议二(二): access ends after the agreed useTo, 2025-12-31, end of day in Shanghai.
    expect(meta(event).timers).toMatchObject([{ command: 'USAGE_EXPIRED', dueAt: endOfDay('2025-12-31') }]);
  });

  it('given an active use with results due, when the results are reported, then the results task closes, and the provider and the competent authority each have them to take note of (v12)', async () => {
    const c = await given(w, PROCESS, at('active'));
    const { event } = await when(w, c.caseId, 'REPORT_RESULTS');
    expect(meta(event).tasksClosed.map((t) => t.stage)).toEqual(['resultsReport']);
    expect((await w.engine.getCase(c.caseId)).tasks.map((t) => t.stage)).toEqual(['accessGrantedNotice', 'resultsNotice', 'resultsAuthorityNotice']);
  });

  it.each([
    ['the provider terminates it', 'TERMINATE', provider],
    ['it expires', 'USAGE_EXPIRED', system],
  ] as const)('given an active use with results due, when %s, then the authority’s notice closes and the results task stays open', async (_, command, by) => {
    const c = await given(w, PROCESS, at('active'));
    const { event } = await when(w, c.caseId, command, { actor: by });
    // 第十四条(三): the notice was of access granted; access has ended. 附录5 协议二(三)3: the results are still owed.
    expect(meta(event).tasksClosed.map((t) => t.stage)).toEqual(['accessGrantedNotice']);
    expect((await w.engine.getCase(c.caseId)).tasks.map((t) => t.stage).sort()).toEqual(['destructionPending', 'resultsReport']);
  });

  it('given use ended with results still due, when the applicant reports them before destroying the data, then the results task closes and destruction is still due', async () => {
    const c = await given(w, PROCESS, at('destructionPending'));
    const { event, state } = await when(w, c.caseId, 'REPORT_RESULTS');
    expect(state).toBe('destructionPending');
    expect(meta(event).tasksClosed.map((t) => t.stage)).toEqual(['resultsReport']);
    expect((await w.engine.getCase(c.caseId)).tasks.map((t) => t.stage)).toEqual(['destructionPending', 'resultsNotice', 'resultsAuthorityNotice']);
  });

  it('given use ended with results never reported, when the applicant confirms destruction, then destruction is done and the results task is closed as cancelled, not as reported', async () => {
    const c = await given(w, PROCESS, at('destructionPending'));
    const { event } = await when(w, c.caseId, 'CONFIRM_DESTRUCTION');
    expect(meta(event).tasksClosed).toEqual([
      { stage: 'resultsReport', completedAt: event.metadata.at, cancelled: true },
      { stage: 'destructionPending', completedAt: event.metadata.at },
    ]);
  });

  it('given a renewal under review, when the provider suspends use, then the review is cancelled, not done; when use resumes, then the renewal is reviewed again and can be decided', async () => {
    const c = await given(w, PROCESS, at('renewalReview'));
    const suspended = await when(w, c.caseId, 'SUSPEND', { actor: provider });
    // 第十九条: a suspension puts the review off; it is not the review done.
    expect(meta(suspended.event).tasksClosed).toEqual([{ stage: 'renewalReview', completedAt: suspended.event.metadata.at, cancelled: true }]);
    const resumed = await when(w, c.caseId, 'RESUME', { actor: provider });
    expect(resumed.state).toBe('renewalReview');
    expect(meta(resumed.event).tasksOpened).toMatchObject([{ stage: 'renewalReview', role: 'provider', org: orgs.provider }]);
    const approved = await when(w, c.caseId, 'APPROVE_RENEWAL', { actor: provider });
    expect(approved.state).toBe('active');
    expect((await w.engine.getCase(c.caseId)).snapshot.context).toMatchObject({ useTo: data.REQUEST_RENEWAL.newUseTo });
  });

  // 附录5 协议二(二): (公共数据利用主体) 可在……至……使用
  it.each([['before the agreed use begins (2025-03-01)', '2025-02-28T02:00:00.000Z']])('given a signed agreement, when access is granted %s, then RULE_VIOLATED accessWithinAgreedUse and nothing stored', async (_when, instant) => {
    const before = w.clock.now();
    try {
      const c = await given(w, PROCESS, at('accessPending'), { at: '2025-02-20T02:00:00.000Z', input: conditionalApplicationSentOn('2025-02-20') });
      const error = await refused(w, c, () => when(w, c.caseId, 'GRANT_ACCESS', { at: instant }));
      expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'accessWithinAgreedUse', article: '附录5 协议二(二)' } });
      // The agreed dates, so the provider knows when it may grant access.
      expect(error).toMatchObject({ text: { zh: expect.stringContaining('2025-03-01 至 2025-12-31'), en: expect.stringContaining('2025-03-01 to 2025-12-31') } });
    } finally {
      w.clock.set(before.toISOString());
    }
  });

  // Past the end of the agreed use the expiry is due, whether or not the scheduler has run: it is
  // stored first (entered at the end of use), and the command is decided on the case it leaves.
  it.each([
    ['the provider grants access', 'accessPending', 'GRANT_ACCESS', {}, 'closed'],
    ['the applicant asks to renew', 'active', 'REQUEST_RENEWAL', { newUseTo: '2026-06-30' }, 'destructionPending'],
  ] as const)('given use agreed to end on 2025-12-31 and no expiry fired yet, when %s on 2026-01-05, then UsageExpired at the end of use is stored, and INVALID_TRANSITION naming the state it left', async (_who, state, type, commandData, after) => {
    const before = w.clock.now();
    try {
      const c = await given(w, PROCESS, at(state), { at: '2025-03-03T01:30:00.000Z' });
      const error = await when(w, c.caseId, type, { data: commandData, at: '2026-01-05T02:00:00.000Z' }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toMatchObject({ code: 'INVALID_TRANSITION', details: { state: after } });
      const events = await historyOf(w, c);
      expect(events.slice(-1).map((e) => [meta(e).command, meta(e).stateAfter])).toEqual([['USAGE_EXPIRED', after]]);
      expect(events.length).toBe(c.revision + 2);
      for (const task of meta(events.at(-1)!).tasksOpened) expect(task.enteredAt).toBe('2025-12-31T15:59:59.999Z');
    } finally {
      w.clock.set(before.toISOString());
    }
  });

  it('given access granted, when the competent authority takes note, then its notice closes; when it does again, then RULE_VIOLATED and nothing stored', async () => {
    const c = await given(w, PROCESS, at('active'));
    const { event } = await when(w, c.caseId, 'ACKNOWLEDGE_ACCESS_NOTICE', { actor: authority });
    expect(event.type).toBe('AccessNoticeAcknowledged');
    expect(meta(event).tasksClosed.map((t) => t.stage)).toEqual(['accessGrantedNotice']);
    expect((await w.engine.getCase(c.caseId)).tasks.map((t) => t.stage)).toEqual(['resultsReport']);
    const error = await refused(w, c, () => when(w, c.caseId, 'ACKNOWLEDGE_ACCESS_NOTICE', { actor: authority }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'accessNoticeOpen', article: '第十四条(三)' } });
  });

  it('given access granted, when the applicant reports a security problem, then the provider has a 知悉 item with no deadline, offered until it takes note; a second report meanwhile adds none; taking note twice is RULE_VIOLATED (第五条)', async () => {
    const c = await given(w, PROCESS, at('active'));
    const offered = async () => w.engine.allowedCommands(await w.engine.getCase(c.caseId), provider);
    // Nothing reported: nothing to take note of, and the case does not offer it.
    expect(await offered()).not.toContain('ACKNOWLEDGE_SECURITY_INCIDENT');
    const { event } = await when(w, c.caseId, 'REPORT_SECURITY_INCIDENT');
    const [notice] = meta(event).tasksOpened;
    // (v9 opens the competent authority's too: conditionalApplicationV9.test.ts)
    expect(notice).toMatchObject({ stage: 'securityIncidentNotice', role: 'provider', org: orgs.provider, label: '知悉：利用主体报告数据安全问题' });
    expect(notice).not.toHaveProperty('dueAt');
    expect(await offered()).toContain('ACKNOWLEDGE_SECURITY_INCIDENT');
    const again = await when(w, c.caseId, 'REPORT_SECURITY_INCIDENT');
    expect(meta(again.event).tasksOpened).toEqual([]);
    const noted = await when(w, c.caseId, 'ACKNOWLEDGE_SECURITY_INCIDENT', { actor: provider });
    expect(noted.event.type).toBe('SecurityIncidentAcknowledged');
    expect(meta(noted.event).tasksClosed.map((t) => t.stage)).toEqual(['securityIncidentNotice']);
    expect((await w.engine.getCase(c.caseId)).snapshot.context).toMatchObject({ securityIncidentsAcknowledged: { count: 2, by: orgs.provider } });
    expect(await offered()).not.toContain('ACKNOWLEDGE_SECURITY_INCIDENT');
    const error = await refused(w, c, () => when(w, c.caseId, 'ACKNOWLEDGE_SECURITY_INCIDENT', { actor: provider }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'securityIncidentReported', article: '第五条' } });
    // A third report opens the item again.
    expect(meta((await when(w, c.caseId, 'REPORT_SECURITY_INCIDENT')).event).tasksOpened.map((t) => t.stage)).toEqual(['securityIncidentNotice']);
  });

  it('given the competent authority has taken note of access, then the case no longer offers it ACKNOWLEDGE_ACCESS_NOTICE (it could only be refused)', async () => {
    const c = await given(w, PROCESS, at('active'));
    expect(w.engine.allowedCommands(await w.engine.getCase(c.caseId), authority)).toContain('ACKNOWLEDGE_ACCESS_NOTICE');
    await when(w, c.caseId, 'ACKNOWLEDGE_ACCESS_NOTICE', { actor: authority });
    expect(w.engine.allowedCommands(await w.engine.getCase(c.caseId), authority)).toEqual(['SUSPEND', 'TERMINATE']);
  });

  it('given a renewal request, when the provider approves it, then use continues to the new end and the expiry timer moves', async () => {
    const c = await given(w, PROCESS, at('renewalReview'));
    const { event } = await when(w, c.caseId, 'APPROVE_RENEWAL');
    expect(meta(event).tasksClosed.map((t) => t.stage)).toEqual(['renewalReview']);
    expect(meta(event).timers).toMatchObject([{ command: 'USAGE_EXPIRED', dueAt: endOfDay(data.REQUEST_RENEWAL.newUseTo) }]);
    expect((await w.engine.getCase(c.caseId)).snapshot.context).toMatchObject({ useTo: '2026-03-31' });
  });

  it('given a renewal request, when the provider rejects it, then use continues to the old end', async () => {
    const c = await given(w, PROCESS, at('renewalReview'));
    const { event } = await when(w, c.caseId, 'REJECT_RENEWAL');
    expect(meta(event).timers).toMatchObject([{ command: 'USAGE_EXPIRED', dueAt: endOfDay(data.SIGN_AGREEMENT.useTo) }]);
  });

  it('given a use suspended or under renewal review, then its expiry timer is still pending (附录5 协议二(二))', async () => {
    for (const state of ['suspended', 'renewalReview']) {
      const c = await given(w, PROCESS, at(state));
      expect(c.timers, state).toMatchObject([{ command: 'USAGE_EXPIRED', dueAt: endOfDay('2025-12-31') }]);
    }
  });

  it('given an application, when it goes the whole way to closed, then twelve events tell its story and no task is left open', async () => {
    const c = await given(w, PROCESS, [
      'PASS_NORMATIVE_REVIEW',
      'APPROVE',
      'SIGN_AGREEMENT',
      'GRANT_ACCESS',
      'REPORT_USAGE',
      'REPORT_SECURITY_INCIDENT',
      ['SUSPEND', { actor: authority }],
      'RESUME',
      'REPORT_RESULTS',
      'TERMINATE',
      'CONFIRM_DESTRUCTION',
    ]);
    expect(c).toMatchObject({ state: 'closed', final: true, tasks: [], timers: [] });
    expect((await historyOf(w, c)).map((e) => e.type)).toEqual([
      'ApplicationSubmitted',
      'NormativeReviewPassed',
      'Approved',
      'AgreementSigned',
      'AccessGranted',
      'UsageReported',
      'SecurityIncidentReported',
      'Suspended',
      'Resumed',
      'ResultsReported',
      'Terminated',
      'DestructionConfirmed',
    ]);
  });
});

describe('conditionalApplication: refusals store nothing', () => {
  const wrongState: WrongState[] = [
    { state: 'normativeReview', path: [], who: 'the applicant', by: applicant, command: 'APPROVE', allowed: ['WITHDRAW'] },
    { state: 'normativeReview', path: [], who: 'the competent authority', by: authority, command: 'APPROVE', allowed: ['PASS_NORMATIVE_REVIEW', 'FAIL_NORMATIVE_REVIEW'] },
    { state: 'normativeReview', path: [], who: 'the provider', by: provider, command: 'APPROVE', allowed: [] },
    { state: 'normativeReview', path: [], who: 'the system', by: system, command: 'USAGE_EXPIRED', allowed: [] },
    { state: 'providerReview', path: at('providerReview'), who: 'the provider', by: provider, command: 'PASS_NORMATIVE_REVIEW', allowed: ['APPROVE', 'REJECT'] },
    { state: 'providerReview', path: at('providerReview'), who: 'the competent authority', by: authority, command: 'PASS_NORMATIVE_REVIEW', allowed: [] },
    { state: 'agreementPending', path: at('agreementPending'), who: 'the applicant', by: applicant, command: 'REPORT_USAGE', allowed: ['WITHDRAW'] },
    { state: 'accessPending', path: at('accessPending'), who: 'the applicant', by: applicant, command: 'WITHDRAW', allowed: [] },
    { state: 'agreementPending', path: at('agreementPending'), who: 'the provider', by: provider, command: 'GRANT_ACCESS', allowed: ['SIGN_AGREEMENT'] },
    { state: 'accessPending', path: at('accessPending'), who: 'the provider', by: provider, command: 'SIGN_AGREEMENT', allowed: ['GRANT_ACCESS'] },
    {
      state: 'active',
      path: at('active'),
      who: 'the applicant',
      by: applicant,
      command: 'CONFIRM_DESTRUCTION',
      allowed: ['REPORT_USAGE', 'REPORT_RESULTS', 'REPORT_SECURITY_INCIDENT', 'REQUEST_RENEWAL'],
    },
    { state: 'active', path: at('active'), who: 'the provider', by: provider, command: 'RESUME', allowed: ['SUSPEND', 'TERMINATE'] },
    { state: 'active', path: at('active'), who: 'the competent authority', by: authority, command: 'APPROVE_RENEWAL', allowed: ['ACKNOWLEDGE_ACCESS_NOTICE', 'SUSPEND', 'TERMINATE'] },
    { state: 'renewalReview', path: at('renewalReview'), who: 'the applicant', by: applicant, command: 'REQUEST_RENEWAL', allowed: ['REPORT_USAGE', 'REPORT_RESULTS', 'REPORT_SECURITY_INCIDENT'] },
    { state: 'renewalReview', path: at('renewalReview'), who: 'the provider', by: provider, command: 'RESUME', allowed: ['APPROVE_RENEWAL', 'REJECT_RENEWAL', 'SUSPEND', 'TERMINATE'] },
    // v9: a suspension takes a renewal request (附录5 协议二(二)), not the destruction of data still held
    { state: 'suspended', path: at('suspended'), who: 'the applicant', by: applicant, command: 'CONFIRM_DESTRUCTION', allowed: ['REPORT_USAGE', 'REPORT_RESULTS', 'REPORT_SECURITY_INCIDENT', 'REQUEST_RENEWAL'] },
    { state: 'suspended', path: at('suspended'), who: 'the competent authority', by: authority, command: 'SUSPEND', allowed: ['ACKNOWLEDGE_ACCESS_NOTICE', 'RESUME', 'TERMINATE'] },
    { state: 'suspended', path: at('suspended'), who: 'the system', by: system, command: 'GRANT_ACCESS', allowed: ['USAGE_EXPIRED'] },
    { state: 'destructionPending', path: at('destructionPending'), who: 'the applicant', by: applicant, command: 'REPORT_USAGE', allowed: ['REPORT_RESULTS', 'REPORT_SECURITY_INCIDENT', 'CONFIRM_DESTRUCTION'] },
    { state: 'destructionPending', path: at('destructionPending'), who: 'the competent authority', by: authority, command: 'ACKNOWLEDGE_ACCESS_NOTICE', allowed: [] },
    { state: 'destructionPending', path: at('destructionPending'), who: 'the provider', by: provider, command: 'RESUME', allowed: [] },
    { state: 'rejected', path: at('rejected'), who: 'the applicant', by: applicant, command: 'WITHDRAW', allowed: [] },
    { state: 'withdrawn', path: at('withdrawn'), who: 'the competent authority', by: authority, command: 'PASS_NORMATIVE_REVIEW', allowed: [] },
    { state: 'closed', path: at('closed'), who: 'the applicant', by: applicant, command: 'CONFIRM_DESTRUCTION', allowed: [] },
  ];

  it.each(wrongState)('given an application in $state, when $who sends $command, then INVALID_TRANSITION allowing $allowed', async (row) => {
    await expectWrongState(w, PROCESS, row);
  });

  it('given an application in normativeReview, when the provider (who may send nothing now) sends APPROVE, then the refusal says whose work the case waits on', async () => {
    const c = await given(w, PROCESS);
    const error = await refused(w, c, () => when(w, c.caseId, 'APPROVE', { actor: provider }));
    expect(error).toMatchObject({
      code: 'INVALID_TRANSITION',
      details: { allowed: [] },
      text: {
        zh: expect.stringContaining('；案件正在等待：有条件开放数据申请材料规范性审查（济南市大数据局）'),
        en: expect.stringContaining('; the case is waiting on: normativeReview (370100-dsj)'),
      },
    });
  });

  it.each([
    ['normativeReview', 'the provider', 'PASS_NORMATIVE_REVIEW', [], provider],
    ['providerReview', 'the applicant', 'APPROVE', at('providerReview'), applicant],
    ['providerReview', 'the competent authority', 'REJECT', at('providerReview'), authority],
    ['agreementPending', 'the competent authority', 'SIGN_AGREEMENT', at('agreementPending'), authority],
    ['active', 'the provider', 'USAGE_EXPIRED', at('active'), provider],
    ['active', 'the applicant', 'SUSPEND', at('active'), applicant],
    ['active', 'the provider', 'REPORT_USAGE', at('active'), provider],
    ['renewalReview', 'the competent authority', 'APPROVE_RENEWAL', at('renewalReview'), authority],
    ['destructionPending', 'the provider', 'CONFIRM_DESTRUCTION', at('destructionPending'), provider],
    ['normativeReview', 'an auditor', 'FAIL_NORMATIVE_REVIEW', [], others.auditor],
  ] as const)('given an application in %s, when %s sends %s, then FORBIDDEN (wrong role)', async (_state, _who, command, steps, actor) => {
    const c = await given(w, PROCESS, steps);
    const error = await refused(w, c, () => when(w, c.caseId, command, { actor }));
    expect(error.code).toBe('FORBIDDEN');
  });

  it.each([
    ['another city’s authority', others.qingdaoAuthority, [], 'PASS_NORMATIVE_REVIEW'],
    ['the provincial authority (本级 only, 第十四条(二))', actors.provinceAuthority, [], 'PASS_NORMATIVE_REVIEW'],
    ['a county authority inside the city', others.countyAuthority, [], 'FAIL_NORMATIVE_REVIEW'],
    ['another provider', actors.otherProvider, at('providerReview'), 'APPROVE'],
    ['another city’s provider', others.qingdaoProvider, at('accessPending'), 'GRANT_ACCESS'],
    ['another applicant', actors.person, at('providerReview'), 'WITHDRAW'],
    ['another applicant', actors.person, at('active'), 'REPORT_USAGE'],
    ['another city’s authority', others.qingdaoAuthority, at('active'), 'SUSPEND'],
    ['the provincial authority', actors.provinceAuthority, at('suspended'), 'TERMINATE'],
  ] as const)('given an application to 济南市公安局, when %s sends it, then FORBIDDEN (wrong organisation)', async (_who, actor, steps, command) => {
    const c = await given(w, PROCESS, steps);
    const error = await refused(w, c, () => when(w, c.caseId, command, { actor }));
    expect(error.code).toBe('FORBIDDEN');
  });

  it.each([
    ['FAIL_NORMATIVE_REVIEW without a reason (说明理由)', [], 'FAIL_NORMATIVE_REVIEW', {}, 'reason'],
    ['REJECT with a blank reason', at('providerReview'), 'REJECT', { reason: '   ' }, 'reason'],
    ['SIGN_AGREEMENT ending before it starts', at('agreementPending'), 'SIGN_AGREEMENT', { ...data.SIGN_AGREEMENT, useFrom: '2025-10-01', useTo: '2025-09-30' }, 'useTo'],
    ['SIGN_AGREEMENT with zero destruction days', at('agreementPending'), 'SIGN_AGREEMENT', { ...data.SIGN_AGREEMENT, destructionDays: 0 }, 'destructionDays'],
    ['REPORT_USAGE without a summary', at('active'), 'REPORT_USAGE', { period: data.REPORT_USAGE.period }, 'summary'],
    ['REQUEST_RENEWAL to a day that does not exist', at('active'), 'REQUEST_RENEWAL', { newUseTo: '2026-02-30' }, 'newUseTo'],
    ['CONFIRM_DESTRUCTION with an unknown field', at('destructionPending'), 'CONFIRM_DESTRUCTION', { ...data.CONFIRM_DESTRUCTION, witness: '张三' }, 'witness'],
  ] as const)('given an application, when %s, then VALIDATION_FAILED naming the field', async (_what, steps, command, bad, field) => {
    const c = await given(w, PROCESS, steps);
    const error = await refused(w, c, () => when(w, c.caseId, command, { data: bad }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect((error.details.errors as { path: string }[]).map((e) => e.path)).toContain(field);
  });

  it.each([
    ['ends after the requested period', { useFrom: '2025-04-01', useTo: '2026-06-30' }],
    ['starts before the requested period', { useFrom: '2025-02-15', useTo: '2025-12-31' }],
  ])('given an approved application for 2025-03-01..2026-03-31, when the agreement %s, then RULE_VIOLATED useWithinRequestedPeriod (附录3、附录5 协议二(二))', async (_what, period) => {
    const c = await given(w, PROCESS, at('agreementPending'));
    const error = await refused(w, c, () => when(w, c.caseId, 'SIGN_AGREEMENT', { data: { ...data.SIGN_AGREEMENT, ...period } }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'useWithinRequestedPeriod', article: '附录3、附录5 协议二(二)' } });
    // The period to keep within, in both languages.
    expect(error.text.zh).toContain('申请的使用起止时间之内：2025-03-01 至 2026-03-31');
    expect(error.text.en).toContain('requested use period, 2025-03-01 to 2026-03-31');
  });

  it('given an active use until 2025-12-31, when a renewal to 2025-12-31 is asked, then RULE_VIOLATED renewalExtendsUse (附录5 协议二(二))', async () => {
    const c = await given(w, PROCESS, at('active'));
    const error = await refused(w, c, () => when(w, c.caseId, 'REQUEST_RENEWAL', { data: { newUseTo: '2025-12-31' } }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'renewalExtendsUse', article: '附录5 协议二(二)' } });
    expect(error.text.zh).toContain('须晚于当前使用终止日期（2025-12-31）');
    expect(error.text.en).toContain('after the current end of use (2025-12-31)');
  });

  it('given an application passed by the authority, when the authority’s stale copy passes it again, then REVISION_CONFLICT', async () => {
    const c = await given(w, PROCESS, at('providerReview'));
    const error = await refused(w, c, () => when(w, c.caseId, 'PASS_NORMATIVE_REVIEW', { expectedRevision: 0 }));
    expect(error).toMatchObject({ code: 'REVISION_CONFLICT', details: { currentRevision: 1 } });
  });
});

describe('conditionalApplication v2: a use period already over is neither asked for nor agreed (附录5 协议二(二) 可在……至……使用)', () => {
  // Its own clock: these cases are worked long after the examples' dates.
  let late: World;
  beforeAll(async () => {
    late = await createWorld();
  });
  afterAll(() => late.close());

  /** The examples' agreement is for use 2025-04-01..2025-12-31, the application for 2025-04-01..2026-03-31. */
  const lastMinuteOf = (date: string) => `${date}T15:59:59.999Z`; // 23:59:59.999 in Beijing
  const firstMinuteAfter = (date: string) => `${date}T16:00:00.000Z`; // 00:00 of the next day in Beijing, still `date` in UTC

  it('given an approved application, when the provider signs in 2026, within the requested period, an agreement whose use ended on 2025-12-31, then RULE_VIOLATED agreedUseNotOver (附录5 协议二(二)), nothing stored, and the agreement is still to be signed', async () => {
    const c = await given(late, PROCESS, at('agreementPending'), { at: '2025-03-03T01:30:00.000Z' });
    const error = await refused(late, c, () => when(late, c.caseId, 'SIGN_AGREEMENT', { at: '2026-01-05T01:30:00.000Z' }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'agreedUseNotOver', article: '附录5 协议二(二)' } });
    expect(error.text.zh).toBe('协议约定的使用终止日期不得早于协议签订日期（附录5 协议二(二)）');
    expect(error.text.en).toBe('The agreed use period must not end before the day the agreement is signed. (Appendix 5, Agreement §2(2))');
    const now = await late.engine.getCase(c.caseId);
    expect(now.state).toBe('agreementPending');
    expect(late.engine.allowedCommands(now, provider)).toEqual(['SIGN_AGREEMENT']);
  });

  it('given an approved application, when the provider signs at 23:59 on 2025-12-31 in Beijing, the last day of use, then AgreementSigned; and a cold engine folding it in 2027 still finds it signed (the guard reads the event’s instant, not the clock)', async () => {
    const c = await given(late, PROCESS, at('agreementPending'), { at: '2025-03-03T01:30:00.000Z' });
    const { event, state } = await when(late, c.caseId, 'SIGN_AGREEMENT', { at: lastMinuteOf('2025-12-31') });
    expect(event.type).toBe('AgreementSigned');
    expect(state).toBe('accessPending');
    late.clock.set('2027-03-01T01:30:00.000Z');
    const replayed = await coldEngine(late).getCase(c.caseId);
    expect(replayed).toMatchObject({ state: 'accessPending', lastHash: meta(event).hash });
  });

  it('given an approved application, when the provider signs at 00:00 on 2026-01-01 in Beijing (still 2025-12-31 in UTC), then RULE_VIOLATED agreedUseNotOver and nothing stored', async () => {
    const c = await given(late, PROCESS, at('agreementPending'), { at: '2025-03-03T01:30:00.000Z' });
    const error = await refused(late, c, () => when(late, c.caseId, 'SIGN_AGREEMENT', { at: firstMinuteAfter('2025-12-31') }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'agreedUseNotOver', article: '附录5 协议二(二)' } });
  });

  it('given nothing, when an applicant applies at 00:00 on 2026-04-01 in Beijing for use until 2026-03-31, then RULE_VIOLATED requestedUseNotOver (附录3) and no case', async () => {
    late.clock.set(firstMinuteAfter('2026-03-31'));
    const error = await refused(late, undefined, () => late.engine.start({ process: PROCESS, input, actor: applicant }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'requestedUseNotOver', article: '附录3' } });
    expect(error.text.zh).toBe('申请的使用终止时间不得早于申请日期（附录3）');
    expect(error.text.en).toBe('The requested use period must not end before the day of application. (Appendix 3)');
  });

  it('given nothing, when an applicant applies at 23:59 on 2026-03-31 in Beijing, the last day of the requested use, then ApplicationSubmitted', async () => {
    late.clock.set(lastMinuteOf('2026-03-31'));
    const result = await late.engine.start({ process: PROCESS, input, actor: applicant });
    expect(result).toMatchObject({ state: 'normativeReview', revision: 0 });
    expect(meta(result.event).machine).toEqual({ name: PROCESS, version: 14 });
  });
});
