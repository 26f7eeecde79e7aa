import { describe, expect, it } from 'vitest';
import { conditionalApplication, conditionalApplicationV10, conditionalApplicationV3, conditionalApplicationV4, conditionalApplicationV6, type ConditionalApplicationContext } from '../../machines/conditionalApplication.js';
import { isFinal, readField, stateName, stateTask } from '../../machines/describe.js';
import { actors, commandData, orgs, personApplicant, startInputs } from './examples.js';
import { attempt, caseIn, definition, play, send, start, startViolations } from './harness.js';

const def = conditionalApplication;
const context = (snapshot: { context: unknown }) => snapshot.context as ConditionalApplicationContext;
const input = startInputs.conditionalApplication;
const toActive = ['PASS_NORMATIVE_REVIEW', 'APPROVE', 'SIGN_AGREEMENT', 'GRANT_ACCESS'] as const;

describe('conditionalApplication: to each final state (第十四条)', () => {
  it('is reviewed, approved, agreed, granted, used, terminated, destroyed and closed', () => {
    let snapshot = start(def);
    expect(stateName(snapshot)).toBe('normativeReview');
    snapshot = send(def, snapshot, 'PASS_NORMATIVE_REVIEW');
    expect(stateName(snapshot)).toBe('providerReview');
    expect(context(snapshot).normativeReview).toMatchObject({ by: orgs.cityAuthority });
    snapshot = send(def, snapshot, 'APPROVE');
    expect(stateName(snapshot)).toBe('agreementPending');
    snapshot = send(def, snapshot, 'SIGN_AGREEMENT', { at: '2025-03-20T02:00:00.000Z' });
    expect(stateName(snapshot)).toBe('accessPending');
    expect(context(snapshot).agreement).toEqual({ ...commandData.conditionalApplication.SIGN_AGREEMENT, signedAt: '2025-03-20T02:00:00.000Z' });
    expect(context(snapshot).useTo).toBe('2025-12-31');
    snapshot = send(def, snapshot, 'GRANT_ACCESS', { at: '2025-03-21T02:00:00.000Z' });
    expect(stateName(snapshot)).toBe('active');
    expect(context(snapshot).grantedAt).toBe('2025-03-21T02:00:00.000Z');

    snapshot = send(def, snapshot, 'REPORT_USAGE');
    snapshot = send(def, snapshot, 'REPORT_RESULTS');
    snapshot = send(def, snapshot, 'REPORT_SECURITY_INCIDENT');
    expect(stateName(snapshot)).toBe('active');
    expect(context(snapshot).usageReports).toHaveLength(1);
    expect(context(snapshot).resultsReports).toHaveLength(1);
    expect(context(snapshot).securityIncidents).toHaveLength(1);

    snapshot = send(def, snapshot, 'TERMINATE', { actor: actors.cityAuthority });
    expect(stateName(snapshot)).toBe('destructionPending');
    expect(context(snapshot).ending).toMatchObject({ cause: 'terminated', by: orgs.cityAuthority });
    snapshot = send(def, snapshot, 'CONFIRM_DESTRUCTION');
    expect(stateName(snapshot)).toBe('closed');
    expect(isFinal(snapshot)).toBe(true);
    expect(context(snapshot).destruction).toMatchObject(commandData.conditionalApplication.CONFIRM_DESTRUCTION);
  });

  it('ends use when the agreed period expires (附录5 协议二(二) 到期自动失效)', () => {
    const snapshot = play(def, [...toActive, 'USAGE_EXPIRED']);
    expect(stateName(snapshot)).toBe('destructionPending');
    expect(context(snapshot).ending).toMatchObject({ cause: 'expired', by: 'system' });
    expect(stateName(send(def, snapshot, 'CONFIRM_DESTRUCTION'))).toBe('closed');
  });

  // v5, 附录5 协议二(二): what can no longer be signed or granted ends the case; no data was held, so none is to destroy
  it.each([
    ['agreementPending', '申请的使用期限已届满，协议未签订，申请终止（附录5 协议二(二)）'],
    ['accessPending', '协议约定的使用期限已届满，使用权限未开通，协议终止（附录5 协议二(二)）'],
  ])('ends in closed when the use period ends in %s, saying why', (state, reason) => {
    const snapshot = send(def, caseIn('conditionalApplication', state), 'USAGE_EXPIRED');
    expect(stateName(snapshot)).toBe('closed');
    expect(isFinal(snapshot)).toBe(true);
    expect(context(snapshot).ending).toMatchObject({ cause: 'expired', reason, by: 'system' });
    expect(context(snapshot).destruction).toBeUndefined();
  });

  it.each(['agreementPending', 'accessPending'])('up to v4, takes no USAGE_EXPIRED in %s', (state) => {
    expect(attempt(conditionalApplicationV4, caseIn('conditionalApplication', state, 4), 'USAGE_EXPIRED').taken).toBe(false);
  });

  it('is rejected at the normative review, with the reason (第十四条(二) 告知理由)', () => {
    const snapshot = play(def, ['FAIL_NORMATIVE_REVIEW']);
    expect(stateName(snapshot)).toBe('rejected');
    expect(context(snapshot).rejection).toMatchObject({
      stage: 'normativeReview',
      reason: commandData.conditionalApplication.FAIL_NORMATIVE_REVIEW.reason,
      by: orgs.cityAuthority,
    });
  });

  it('is rejected by the provider, with the reason (第十四条(三) 说明理由)', () => {
    const snapshot = play(def, ['PASS_NORMATIVE_REVIEW', 'REJECT']);
    expect(stateName(snapshot)).toBe('rejected');
    expect(context(snapshot).rejection).toMatchObject({ stage: 'providerReview', by: orgs.provider });
  });

  it.each([[[]], [['PASS_NORMATIVE_REVIEW']]])('is withdrawn by the applicant (after %j)', (steps) => {
    const snapshot = play(def, [...steps, ['WITHDRAW', { data: {} }]]);
    expect(stateName(snapshot)).toBe('withdrawn');
    expect(context(snapshot).withdrawal?.reason).toBeUndefined();
  });

  it('is suspended and resumed, keeping the suspension’s history', () => {
    let snapshot = play(def, [...toActive, 'SUSPEND']);
    expect(stateName(snapshot)).toBe('suspended');
    snapshot = send(def, snapshot, 'RESUME', { at: '2025-04-01T00:00:00.000Z' });
    expect(stateName(snapshot)).toBe('active');
    expect(context(snapshot).suspensions).toEqual([
      expect.objectContaining({ reason: commandData.conditionalApplication.SUSPEND.reason, resumedAt: '2025-04-01T00:00:00.000Z' }),
    ]);
  });

  it('is terminated while suspended', () => {
    expect(stateName(play(def, [...toActive, 'SUSPEND', 'TERMINATE']))).toBe('destructionPending');
  });
});

describe('conditionalApplication: renewal (附录5 协议二(二) 可续签)', () => {
  it('moves useTo when approved', () => {
    const snapshot = play(def, [...toActive, 'REQUEST_RENEWAL', 'APPROVE_RENEWAL']);
    expect(stateName(snapshot)).toBe('active');
    expect(context(snapshot).useTo).toBe('2026-03-31');
    expect(context(snapshot).agreement?.useTo).toBe('2025-12-31');
    expect(context(snapshot).renewals).toEqual([
      expect.objectContaining({ newUseTo: '2026-03-31', decision: expect.objectContaining({ approved: true }) }),
    ]);
  });

  it('keeps useTo when rejected, with the reason', () => {
    const snapshot = play(def, [...toActive, 'REQUEST_RENEWAL', 'REJECT_RENEWAL']);
    expect(stateName(snapshot)).toBe('active');
    expect(context(snapshot).useTo).toBe('2025-12-31');
    expect(context(snapshot).renewals.at(-1)?.decision).toMatchObject({
      approved: false,
      reason: commandData.conditionalApplication.REJECT_RENEWAL.reason,
    });
  });

  it('refuses a renewal that does not extend the current use', () => {
    const given = caseIn('conditionalApplication', 'active');
    for (const newUseTo of ['2025-12-31', '2025-06-30']) {
      expect(attempt(def, given, 'REQUEST_RENEWAL', { data: { newUseTo } })).toMatchObject({ violated: ['renewalExtendsUse'], taken: false });
    }
    expect(attempt(def, given, 'REQUEST_RENEWAL', { data: { newUseTo: '2026-01-01' } })).toMatchObject({ violated: [], taken: true });
  });

  // useTo 2025-12-31: its last minute in Beijing is 2025-12-31T15:59Z; the expiry timer has not fired in any of these
  it('refuses a renewal asked for once the agreement has ended (Beijing day after useTo), timer or not (附录5 协议二(二) 到期前发起申请)', () => {
    const given = play(def, [...toActive]);
    const renewal = { data: { newUseTo: '2026-06-30' } };
    expect(attempt(def, given, 'REQUEST_RENEWAL', { ...renewal, at: '2025-12-31T15:59:00.000Z' })).toMatchObject({ violated: [], taken: true });
    expect(attempt(def, given, 'REQUEST_RENEWAL', { ...renewal, at: '2025-12-31T16:00:00.000Z' })).toMatchObject({ violated: ['renewalBeforeUseEnds'], taken: false });
    expect(attempt(def, given, 'REQUEST_RENEWAL', { ...renewal, at: '2026-01-05T02:00:00.000Z' })).toMatchObject({ violated: ['renewalBeforeUseEnds'], taken: false });
  });

  it('refuses granting a renewal asked for in time once the agreement has ended', () => {
    const given = send(def, play(def, [...toActive]), 'REQUEST_RENEWAL', { data: { newUseTo: '2026-06-30' }, at: '2025-12-29T02:00:00.000Z' });
    expect(attempt(def, given, 'APPROVE_RENEWAL', { at: '2025-12-31T09:00:00.000Z' })).toMatchObject({ violated: [], taken: true });
    expect(attempt(def, given, 'APPROVE_RENEWAL', { at: '2026-01-02T02:00:00.000Z' })).toMatchObject({ violated: ['renewalBeforeUseEnds'], taken: false });
    // Refusing it stays possible: a decision, with its reason, on a request that came in time.
    expect(attempt(def, given, 'REJECT_RENEWAL', { at: '2026-01-02T02:00:00.000Z' })).toMatchObject({ violated: [], taken: true });
  });

  it('v3 (cases started on it fold with it for ever) took a renewal asked for and granted after the end', () => {
    const v3 = conditionalApplicationV3;
    const given = send(v3, play(v3, [...toActive]), 'REQUEST_RENEWAL', { data: { newUseTo: '2026-06-30' }, at: '2026-01-05T02:00:00.000Z' });
    expect(stateName(given)).toBe('renewalReview');
    expect(attempt(v3, given, 'APPROVE_RENEWAL', { at: '2026-01-06T02:00:00.000Z' })).toMatchObject({ violated: [], taken: true });
  });

  it('v4 takes the applicant’s WITHDRAW while the agreement waits to be signed (both parties sign 附录5); v3 left it no way out', () => {
    const toAgreement = ['PASS_NORMATIVE_REVIEW', 'APPROVE'] as const;
    const { taken, next } = attempt(def, play(def, [...toAgreement]), 'WITHDRAW', { data: { reason: '协议条款未能达成一致。' } });
    expect([taken, stateName(next), isFinal(next)]).toEqual([true, 'withdrawn', true]);
    expect(attempt(conditionalApplicationV3, play(conditionalApplicationV3, [...toAgreement]), 'WITHDRAW').taken).toBe(false);
  });

  it('v4 records a renewal still under review when use ends as lapsed, with the reason; v3 left it undecided', () => {
    const asked = { data: { newUseTo: '2026-06-30' }, at: '2025-12-29T02:00:00.000Z' };
    const ended = { at: '2025-12-31T16:00:30.000Z' };
    const lapsed = send(def, send(def, play(def, [...toActive]), 'REQUEST_RENEWAL', asked), 'USAGE_EXPIRED', ended);
    expect(stateName(lapsed)).toBe('destructionPending');
    expect(context(lapsed).renewals.at(-1)?.decision).toMatchObject({ approved: false, lapsed: true, at: ended.at, reason: expect.stringContaining('协议有效期届满前未作出续签决定') });
    expect(context(lapsed).useTo).toBe('2025-12-31');
    const v3 = conditionalApplicationV3;
    const old = send(v3, send(v3, play(v3, [...toActive]), 'REQUEST_RENEWAL', asked), 'USAGE_EXPIRED', ended);
    expect(context(old).renewals.at(-1)?.decision).toBeUndefined();
  });

  // Mutation QA (pass 3): v4 itself could leave a renewal under review undecided at the expiry (lapsing from v5 on), with every test passing: the test above runs on the latest version. 附录5 协议二(二)
  it('v4 (cases started on it fold with it for ever) records a renewal still under review when use ends as lapsed', () => {
    const v4 = conditionalApplicationV4;
    const asked = { data: { newUseTo: '2026-06-30' }, at: '2025-12-29T02:00:00.000Z' };
    const ended = { at: '2025-12-31T16:00:30.000Z' };
    const lapsed = send(v4, send(v4, play(v4, [...toActive]), 'REQUEST_RENEWAL', asked), 'USAGE_EXPIRED', ended);
    expect(stateName(lapsed)).toBe('destructionPending');
    expect(context(lapsed).renewals.at(-1)?.decision).toMatchObject({ approved: false, lapsed: true, at: ended.at });
  });

  // 附录4 承诺书六 停止数据开放服务, 附录5 协议二(二) 协议终止: a renewal still pending when a party ends the agreement lapses with it (v7)
  it.each([
    ['under review', [] as const],
    ['pending in a suspension', ['SUSPEND'] as const],
  ])('v7 records a renewal %s when the agreement is terminated as lapsed, with the reason and the party; v6 left it undecided', (_where, before) => {
    const asked = { data: { newUseTo: '2026-06-30' }, at: '2025-12-01T02:00:00.000Z' };
    const stopped = { at: '2025-12-05T02:00:00.000Z', actor: actors.cityAuthority };
    const toStop = (d: typeof def) => before.reduce((snapshot, type) => send(d, snapshot, type), send(d, play(d, [...toActive]), 'REQUEST_RENEWAL', asked));
    const given = toStop(def);
    expect(stateName(given)).toBe(before.length === 0 ? 'renewalReview' : 'suspended');
    const ended = send(def, given, 'TERMINATE', stopped);
    expect(stateName(ended)).toBe('destructionPending');
    expect(context(ended).renewals).toHaveLength(1);
    expect(context(ended).renewals.at(-1)?.decision).toEqual({
      approved: false,
      lapsed: true,
      reason: '续签决定作出前，数据开放服务已停止，协议终止（附录4 承诺书六、附录5 协议二(二)）',
      at: stopped.at,
      by: orgs.cityAuthority,
    });
    expect(context(ended).ending).toMatchObject({ cause: 'terminated', by: orgs.cityAuthority });
    expect(context(ended).useTo).toBe('2025-12-31');
    const v6 = conditionalApplicationV6;
    const old = send(v6, toStop(v6), 'TERMINATE', stopped);
    expect(stateName(old)).toBe('destructionPending');
    expect(context(old).renewals).toEqual([{ newUseTo: '2026-06-30', requestedAt: asked.at }]);
  });

  it('v7 leaves a decided renewal as it was when the agreement is terminated', () => {
    const given = play(def, [...toActive, 'REQUEST_RENEWAL', 'REJECT_RENEWAL', 'SUSPEND']);
    const before = context(given).renewals;
    expect(before.at(-1)?.decision).toMatchObject({ approved: false });
    expect(context(send(def, given, 'TERMINATE')).renewals).toEqual(before);
  });

  it('counts from the renewed useTo', () => {
    const given = play(def, [...toActive, 'REQUEST_RENEWAL', 'APPROVE_RENEWAL']);
    expect(attempt(def, given, 'REQUEST_RENEWAL', { data: { newUseTo: '2026-03-31' } }).violated).toEqual(['renewalExtendsUse']);
    expect(attempt(def, given, 'REQUEST_RENEWAL', { data: { newUseTo: '2026-06-30' } }).violated).toEqual([]);
  });
});

describe('conditionalApplication: the agreement’s use period (第十四条(三))', () => {
  const given = caseIn('conditionalApplication', 'agreementPending');
  const agreement = commandData.conditionalApplication.SIGN_AGREEMENT;

  it.each([
    ['the whole requested period', '2025-03-01', '2026-03-31'],
    ['a part of it', '2025-05-01', '2025-05-31'],
    ['a single day', '2025-04-01', '2025-04-01'],
  ])('accepts %s', (_what, useFrom, useTo) => {
    expect(attempt(def, given, 'SIGN_AGREEMENT', { data: { ...agreement, useFrom, useTo } })).toMatchObject({ violated: [], taken: true });
  });

  it.each([
    ['starting before the request', '2025-02-28', '2025-12-31'],
    ['ending after the request', '2025-04-01', '2026-04-01'],
    ['lying wholly outside it', '2027-01-01', '2027-12-31'],
  ])('refuses a period %s', (_what, useFrom, useTo) => {
    expect(attempt(def, given, 'SIGN_AGREEMENT', { data: { ...agreement, useFrom, useTo } })).toMatchObject({
      violated: ['useWithinRequestedPeriod'],
      taken: false,
    });
  });
});

describe('conditionalApplication v2: a use period already over (附录5 协议二(二) 可在……至……使用)', () => {
  const agreement = commandData.conditionalApplication.SIGN_AGREEMENT; // use 2025-04-01..2025-12-31
  const lastMinute = '2025-12-31T15:59:59.999Z'; // 2025-12-31 23:59:59.999 in Beijing
  const nextDay = '2025-12-31T16:00:00.000Z'; // 2026-01-01 00:00 in Beijing, still 2025-12-31 in UTC

  it('takes an agreement signed on the last day of its use, in Beijing, and refuses it from the next day, as rule and guard alike', () => {
    const given = caseIn('conditionalApplication', 'agreementPending');
    expect(attempt(def, given, 'SIGN_AGREEMENT', { data: agreement, at: lastMinute })).toMatchObject({ violated: [], taken: true });
    expect(attempt(def, given, 'SIGN_AGREEMENT', { data: agreement, at: nextDay })).toMatchObject({ violated: ['agreedUseNotOver'], taken: false });
  });

  it('refuses an application whose requested use ends before the day of application, in Beijing', () => {
    // The examples ask for use from 2025-04-01 to 2026-03-31.
    expect(startViolations(def, input, actors.company, '2026-03-31T15:59:59.999Z')).toEqual([]);
    expect(startViolations(def, input, actors.company, '2026-03-31T16:00:00.000Z')).toEqual(['requestedUseNotOver']);
  });

  it('leaves v1 as it was: the agreement and the application are taken however late', () => {
    const v1 = definition('conditionalApplication', 1);
    const given = caseIn('conditionalApplication', 'agreementPending', 1);
    expect(attempt(v1, given, 'SIGN_AGREEMENT', { data: agreement, at: '2027-03-01T01:30:00.000Z' })).toMatchObject({ violated: [], taken: true });
    expect(startViolations(v1, input, actors.company, '2027-03-01T01:30:00.000Z')).toEqual([]);
  });
});

describe('conditionalApplication v2: results and security problems are owed while the applicant holds the data (附录4 承诺书四, 附录5 协议二(三)3)', () => {
  // Mutation QA (pass 3): v2 could refuse a results report or a security problem once use ended (taking them from v3 on), with every test passing. 附录4 承诺书四
  it.each(['REPORT_RESULTS', 'REPORT_SECURITY_INCIDENT'])('v2 takes %s while the data awaits destruction; v1 (cases started on it fold with it for ever) refused it', (type) => {
    expect(attempt(definition('conditionalApplication', 2), caseIn('conditionalApplication', 'destructionPending', 2), type).taken).toBe(true);
    expect(attempt(definition('conditionalApplication', 1), caseIn('conditionalApplication', 'destructionPending', 1), type).taken).toBe(false);
  });
});

describe('conditionalApplication: eligibility (第十三条, 第十四条(一))', () => {
  it('accepts an eligible organisation and an eligible person', () => {
    expect(startViolations(def, input, actors.company)).toEqual([]);
    expect(startViolations(def, { ...input, applicant: personApplicant }, actors.person)).toEqual([]);
  });

  it('refuses an applicant without real-name verification (第十三条(一))', () => {
    const data = { ...input, eligibility: { ...input.eligibility, realNameVerified: false } };
    expect(startViolations(def, data, actors.company)).toEqual(['realNameVerified']);
  });

  it('refuses a dishonest judgment debtor and a seriously dishonest enterprise (第十三条(二))', () => {
    const credit = input.eligibility.creditCheck;
    const debtor = { ...input, eligibility: { ...input.eligibility, creditCheck: { ...credit, dishonestDebtor: true } } };
    const enterprise = { ...input, eligibility: { ...input.eligibility, creditCheck: { ...credit, seriouslyDishonestEnterprise: true } } };
    expect(startViolations(def, debtor, actors.company)).toEqual(['notDishonestDebtor']);
    expect(startViolations(def, enterprise, actors.company)).toEqual(['notSeriouslyDishonestEnterprise']);
  });

  it('up to v10, refuses an application without the signed security commitment by a rule (第十四条(一)); from v11 its form does', () => {
    const data = { ...input, securityCommitment: { ...input.securityCommitment, signed: false } };
    expect(startViolations(conditionalApplicationV10, data, actors.company)).toEqual(['securityCommitmentSigned']);
    expect(def.start.schema.safeParse(data).success).toBe(false);
    expect(def.start.schema.safeParse(input).success).toBe(true);
  });

  it('names every broken rule at once', () => {
    const data = {
      ...input,
      eligibility: { realNameVerified: false, creditCheck: { ...input.eligibility.creditCheck, dishonestDebtor: true } },
    };
    expect(startViolations(def, data, actors.company)).toEqual(['realNameVerified', 'notDishonestDebtor']);
  });
});

describe('conditionalApplication: timers', () => {
  it('has no timer before the application is approved', () => {
    for (const state of ['normativeReview', 'providerReview']) {
      const snapshot = caseIn('conditionalApplication', state);
      expect(def.timers?.(context(snapshot), stateName(snapshot)), state).toEqual([]);
    }
  });

  // v5, 附录5 协议二(二): an agreement may be signed within the requested use, access granted within the agreed one
  it('ends an application whose agreement is not signed at the end of the requested use (usePeriod.to), v5', () => {
    const snapshot = caseIn('conditionalApplication', 'agreementPending');
    expect(def.timers?.(context(snapshot), 'agreementPending')).toEqual([{ command: 'USAGE_EXPIRED', afterEndOfDay: input.usePeriod.to }]);
  });

  it('ends an agreement whose access is not granted at the end of the agreed use (useTo), v5', () => {
    const snapshot = caseIn('conditionalApplication', 'accessPending');
    expect(def.timers?.(context(snapshot), 'accessPending')).toEqual([{ command: 'USAGE_EXPIRED', afterEndOfDay: '2025-12-31' }]);
  });

  it('has no timer before access is granted up to v4', () => {
    for (const state of ['normativeReview', 'providerReview', 'agreementPending', 'accessPending']) {
      const snapshot = caseIn('conditionalApplication', state, 4);
      expect(conditionalApplicationV4.timers?.(context(snapshot), stateName(snapshot)), state).toEqual([]);
    }
  });

  it('expires use at the end of useTo while active', () => {
    const snapshot = caseIn('conditionalApplication', 'active');
    expect(def.timers?.(context(snapshot), 'active')).toEqual([{ command: 'USAGE_EXPIRED', afterEndOfDay: '2025-12-31' }]);
  });

  it('moves the timer with an approved renewal', () => {
    const snapshot = play(def, [...toActive, 'REQUEST_RENEWAL', 'APPROVE_RENEWAL']);
    expect(def.timers?.(context(snapshot), stateName(snapshot))).toEqual([{ command: 'USAGE_EXPIRED', afterEndOfDay: '2026-03-31' }]);
  });

  // 附录5 协议二(二): use lapses at its end whatever the case waits on (v2)
  it.each(['renewalReview', 'suspended'])('expires use at the end of useTo in %s too', (state) => {
    const snapshot = caseIn('conditionalApplication', state);
    expect(def.timers?.(context(snapshot), stateName(snapshot))).toEqual([{ command: 'USAGE_EXPIRED', afterEndOfDay: '2025-12-31' }]);
  });

  it.each(['destructionPending', 'closed'])('has no timer in %s', (state) => {
    const snapshot = caseIn('conditionalApplication', state);
    expect(def.timers?.(context(snapshot), stateName(snapshot))).toEqual([]);
  });
});

describe('conditionalApplication: tasks and deadlines', () => {
  it.each([
    ['normativeReview', 'authority', 'competentAuthority', 'conditionalApplication.normativeReview'],
    ['providerReview', 'provider', 'provider', 'conditionalApplication.providerReview'],
    ['agreementPending', 'provider', 'provider', 'policyDefault'],
    ['accessPending', 'provider', 'provider', 'policyDefault'],
    ['renewalReview', 'provider', 'provider', 'policyDefault'],
  ])('%s is a task of %s (%s), deadline %s', (state, role, scope, key) => {
    expect(stateTask(def, state)).toMatchObject({ stage: state, role, scope, deadline: { kind: 'rule', key } });
  });

  it('destructionPending is the applicant’s, due destructionDays calendar days later (the agreement’s number)', () => {
    const task = stateTask(def, 'destructionPending');
    expect(task).toMatchObject({
      stage: 'destructionPending',
      role: 'applicant',
      scope: 'applicant',
      deadline: { kind: 'contextDays', field: 'agreement.destructionDays', unit: 'calendarDays', basis: 'agreement' },
    });
    const c = context(caseIn('conditionalApplication', 'destructionPending'));
    expect(task?.deadline?.kind === 'contextDays' && readField(c, task.deadline.field)).toBe(30);
  });

  it.each(['active', 'suspended', 'rejected', 'withdrawn', 'closed'])('%s is no one’s task', (state) => {
    expect(stateTask(def, state)).toBeUndefined();
  });

  it('GRANT_ACCESS opens the results report, due resultsDueMonths later, and notifies the competent authority (第十四条(三))', () => {
    const opens = def.commands.GRANT_ACCESS?.opens ?? [];
    expect(opens).toEqual([
      expect.objectContaining({
        stage: 'resultsReport',
        role: 'applicant',
        scope: 'applicant',
        deadline: expect.objectContaining({ kind: 'contextMonths', field: 'agreement.resultsDueMonths', basis: 'agreement' }),
      }),
      expect.objectContaining({ stage: 'accessGrantedNotice', role: 'authority', scope: 'competentAuthority' }),
    ]);
    expect(opens[1]?.deadline).toBeUndefined();
    const c = context(caseIn('conditionalApplication', 'active'));
    expect(readField(c, 'agreement.resultsDueMonths')).toBe(6);
  });

  it('REPORT_RESULTS closes the results report', () => {
    expect(def.commands.REPORT_RESULTS?.closes).toEqual(['resultsReport']);
  });
});

describe('conditionalApplication: parties and summary', () => {
  it('names the provider of the resource and the applicant who started it', () => {
    const c = context(start(def));
    expect(def.parties(c)).toEqual({ providerOrg: orgs.provider, applicantOrg: orgs.company });
    expect(def.summary(c)).toEqual({ title: input.resource.name, applicant: '山东数智科技有限公司', applicantKind: 'organization', provider: orgs.provider });
  });
});
