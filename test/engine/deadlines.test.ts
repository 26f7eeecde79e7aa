/**
 * Deadlines stamped into events when a stage opens (PROCESSES.md "Deadlines"), across holidays.
 * Every expected date is counted by hand from the State Council notices (2025: 国庆 10-01..10-08
 * off, 09-28 Sun and 10-11 Sat worked; 2026: 春节 02-15..02-23 off, 02-14 Sat and 02-28 Sat
 * worked). The day of entry, an Asia/Shanghai day, is never counted; a deadline ends at
 * 23:59:59.999 Shanghai, stored as 15:59:59.999Z.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeDeadlineRules } from '../../calendars/index.js';
import { commandData, orgs, startInputs } from '../machines/examples.js';
import { createWorld, endOfDay, given, meta, refused, when, type World } from './world.js';

/** 10:00 in Shanghai on a day, as UTC. */
const tenAm = (date: string) => `${date}T02:00:00.000Z`;
const toAgreement = ['PASS_NORMATIVE_REVIEW', 'APPROVE'] as const;
const toActive = [...toAgreement, 'SIGN_AGREEMENT', 'GRANT_ACCESS'] as const;

let w: World;
let version: string;
beforeAll(async () => {
  w = await createWorld();
  version = w.calendar.current().version;
});
afterAll(() => w.close());

/** The deadline fields of the one task an event opened. */
function opened(event: { metadata: Record<string, unknown> }, stage: string) {
  const task = meta(event).tasksOpened.find((t) => t.stage === stage);
  expect(task, `no ${stage} task opened`).toBeDefined();
  return task!;
}

describe('statutory deadlines across 春节 2026', () => {
  it('given nothing, when an application is filed on Thu 2026-02-12, then normativeReview is due at the end of Thu 2026-02-26 (5 wd, 第十四条(二))', async () => {
    // 02-13 Fri (1), 02-14 Sat worked (2), 02-15..02-23 off, 02-24 (3), 02-25 (4), 02-26 (5).
    const c = await given(w, 'conditionalApplication', [], { at: tenAm('2026-02-12') });
    const [task] = c.tasks;
    expect(task).toEqual(
      expect.objectContaining({
        stage: 'normativeReview',
        enteredAt: tenAm('2026-02-12'),
        dueDate: '2026-02-26',
        dueAt: '2026-02-26T15:59:59.999Z',
        basis: 'statute',
        article: '第十四条(二)',
        provisional: false,
        calendarVersion: version,
      }),
    );
  });

  it('given an application, when the authority passes it on Fri 2026-02-13, then providerReview is due at the end of Thu 2026-03-05 (10 wd, 第十四条(二))', async () => {
    // 02-14 Sat worked (1), 02-15..02-23 off, 02-24 (2), 02-25 (3), 02-26 (4), 02-27 (5), 02-28 Sat worked (6),
    // 03-02 (7), 03-03 (8), 03-04 (9), 03-05 (10).
    const c = await given(w, 'conditionalApplication', [], { at: tenAm('2026-02-12') });
    const { event } = await when(w, c.caseId, 'PASS_NORMATIVE_REVIEW', { at: tenAm('2026-02-13') });
    expect(opened(event, 'providerReview')).toMatchObject({ dueDate: '2026-03-05', dueAt: endOfDay('2026-03-05'), basis: 'statute', article: '第十四条(二)' });
    expect(meta(event).tasksClosed).toEqual([{ stage: 'normativeReview', completedAt: tenAm('2026-02-13') }]);
  });

  it('given nothing, when an objection is raised on Fri 2026-02-13, then handling is due at the end of Thu 2026-03-05 (10 wd, 第十六条)', async () => {
    // Same count as above: 02-14 (1), 02-24 (2) … 03-05 (10).
    const c = await given(w, 'objection', [], { at: tenAm('2026-02-13') });
    expect(c.tasks[0]).toMatchObject({ stage: 'handling', dueDate: '2026-03-05', dueAt: endOfDay('2026-03-05'), basis: 'statute', article: '第十六条第二款', provisional: false });
  });

  it('given nothing, when an objection is raised at 00:30 Shanghai on Sat 2026-02-14 (still the 13th in UTC), then the day of entry is the 14th and handling is due Fri 2026-03-06', async () => {
    // Entered 02-14 (not counted). 02-24 (1), 02-25 (2), 02-26 (3), 02-27 (4), 02-28 Sat worked (5),
    // 03-02 (6), 03-03 (7), 03-04 (8), 03-05 (9), 03-06 (10).
    const c = await given(w, 'objection', [], { at: '2026-02-13T16:30:00.000Z' });
    expect(c.tasks[0]).toMatchObject({ enteredAt: '2026-02-13T16:30:00.000Z', dueDate: '2026-03-06', dueAt: endOfDay('2026-03-06') });
  });

  it('given nothing, when a list adjustment is filed on Thu 2026-02-12, then review is due Wed 2026-03-04, marked policy (10 wd, no article)', async () => {
    // 02-13 (1), 02-14 Sat worked (2), 02-24 (3), 02-25 (4), 02-26 (5), 02-27 (6), 02-28 Sat worked (7),
    // 03-02 (8), 03-03 (9), 03-04 (10).
    const c = await given(w, 'listAdjustment', [], { at: tenAm('2026-02-12') });
    expect(c.tasks[0]).toMatchObject({ stage: 'review', dueDate: '2026-03-04', dueAt: endOfDay('2026-03-04'), basis: 'policy' });
    expect(c.tasks[0]).not.toHaveProperty('article');
  });
});

describe('statutory deadlines across 国庆 2025 (第十五条: 10, 15, 20 working days)', () => {
  it('given nothing, when a request is filed on Fri 2025-09-26, then normativeReview is due Thu 2025-10-16 (10 wd)', async () => {
    // 09-27 Sat off, 09-28 Sun worked (1), 09-29 (2), 09-30 (3), 10-01..10-08 off, 10-09 (4), 10-10 (5),
    // 10-11 Sat worked (6), 10-13 (7), 10-14 (8), 10-15 (9), 10-16 (10).
    const c = await given(w, 'unopenedDataRequest', [], { at: tenAm('2025-09-26') });
    expect(c.tasks[0]).toMatchObject({ stage: 'normativeReview', dueDate: '2025-10-16', dueAt: endOfDay('2025-10-16'), basis: 'statute', article: '第十五条' });
  });

  it('given a request, when it is forwarded on Mon 2025-09-29, then feasibilityReview is due Mon 2025-10-27 (15 wd)', async () => {
    // 09-30 (1), 10-09 (2), 10-10 (3), 10-11 Sat worked (4), 10-13 (5), 10-14 (6), 10-15 (7), 10-16 (8),
    // 10-17 (9), 10-20 (10), 10-21 (11), 10-22 (12), 10-23 (13), 10-24 (14), 10-27 (15).
    const c = await given(w, 'unopenedDataRequest', [], { at: tenAm('2025-09-26') });
    const { event } = await when(w, c.caseId, 'PASS_NORMATIVE_REVIEW', { at: tenAm('2025-09-29') });
    expect(opened(event, 'feasibilityReview')).toMatchObject({ org: orgs.provider, dueDate: '2025-10-27', dueAt: endOfDay('2025-10-27'), article: '第十五条' });
  });

  it('given a forwarded request, when it is found openable on Tue 2025-09-30, then openingPending is due Tue 2025-11-04 (20 wd)', async () => {
    // 10-09 (1), 10-10 (2), 10-11 Sat worked (3), 10-13 (4), 10-14 (5), 10-15 (6), 10-16 (7), 10-17 (8),
    // 10-20 (9), 10-21 (10), 10-22 (11), 10-23 (12), 10-24 (13), 10-27 (14), 10-28 (15), 10-29 (16),
    // 10-30 (17), 10-31 (18), 11-03 (19), 11-04 (20).
    const c = await given(w, 'unopenedDataRequest', [['PASS_NORMATIVE_REVIEW', { at: tenAm('2025-09-29') }]], { at: tenAm('2025-09-26') });
    const { event } = await when(w, c.caseId, 'CONCLUDE_OPENABLE', { at: tenAm('2025-09-30') });
    expect(opened(event, 'openingPending')).toMatchObject({ dueDate: '2025-11-04', dueAt: endOfDay('2025-11-04'), basis: 'statute' });
  });
});

describe('policy deadlines across 国庆 2025 (10 wd, basis policy)', () => {
  it('given a release, when it is submitted on Fri 2025-09-26, then the authority’s review is due Thu 2025-10-16, marked policy', async () => {
    // As the request above: 09-28 (1) … 10-16 (10).
    const c = await given(w, 'datasetRelease', ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES'], { at: tenAm('2025-09-25') });
    const { event } = await when(w, c.caseId, 'SUBMIT', { at: tenAm('2025-09-26') });
    const task = opened(event, 'underReview');
    expect(task).toMatchObject({ dueDate: '2025-10-16', dueAt: endOfDay('2025-10-16'), basis: 'policy', provisional: false });
    expect(task).not.toHaveProperty('article');
  });

  it('given an application in providerReview, when it is approved on Fri 2025-09-26, then signing the agreement is due Thu 2025-10-16, marked policy', async () => {
    const c = await given(w, 'conditionalApplication', ['PASS_NORMATIVE_REVIEW'], { at: tenAm('2025-09-22') });
    const { event } = await when(w, c.caseId, 'APPROVE', { at: tenAm('2025-09-26') });
    expect(opened(event, 'agreementPending')).toMatchObject({ dueDate: '2025-10-16', basis: 'policy' });
  });

  it('given an approved application, when the agreement is signed on Tue 2025-09-30, then granting access is due Tue 2025-10-21, marked policy', async () => {
    // 10-09 (1), 10-10 (2), 10-11 Sat worked (3), 10-13 (4), 10-14 (5), 10-15 (6), 10-16 (7), 10-17 (8), 10-20 (9), 10-21 (10).
    const c = await given(w, 'conditionalApplication', toAgreement, { at: tenAm('2025-09-22') });
    const { event } = await when(w, c.caseId, 'SIGN_AGREEMENT', { at: tenAm('2025-09-30') });
    expect(opened(event, 'accessPending')).toMatchObject({ dueDate: '2025-10-21', dueAt: endOfDay('2025-10-21'), basis: 'policy' });
  });

  it('given an active use, when a renewal is asked on Mon 2025-09-29, then the provider’s renewal review is due Mon 2025-10-20, marked policy', async () => {
    // 09-30 (1), 10-09 (2), 10-10 (3), 10-11 Sat worked (4), 10-13 (5), 10-14 (6), 10-15 (7), 10-16 (8), 10-17 (9), 10-20 (10).
    const c = await given(w, 'conditionalApplication', toActive, { at: tenAm('2025-09-22') });
    const { event } = await when(w, c.caseId, 'REQUEST_RENEWAL', { at: tenAm('2025-09-29') });
    expect(opened(event, 'renewalReview')).toMatchObject({ role: 'provider', dueDate: '2025-10-20', dueAt: endOfDay('2025-10-20'), basis: 'policy' });
  });
});

describe('deadlines the agreement sets (附录5)', () => {
  it('given an agreement with 30 destruction days, when use is terminated on Fri 2025-09-26, then destruction is due Mon 2025-10-27: calendar days, holidays counted, the last day moved off Sunday (《民法典》第二百零三条)', async () => {
    // 09-26 + 30 calendar days: 09-27..09-30 (4), 10-01..10-26 (26) → Sun 10-26, a rest day → Mon 10-27.
    const c = await given(w, 'conditionalApplication', toActive, { at: tenAm('2025-09-22') });
    const { event } = await when(w, c.caseId, 'TERMINATE', { at: tenAm('2025-09-26') });
    expect(opened(event, 'destructionPending')).toMatchObject({
      role: 'applicant',
      org: orgs.company,
      dueDate: '2025-10-27',
      dueAt: endOfDay('2025-10-27'),
      basis: 'agreement',
      article: '附录5 协议二(二)',
      provisional: false,
    });
  });

  it('given an agreement with results due in 6 months, when access is granted on Sun 2025-08-31, then results are due 2026-02-28 (no 31 February: the month’s last day)', async () => {
    const c = await given(w, 'conditionalApplication', [...toAgreement, 'SIGN_AGREEMENT'], { at: tenAm('2025-08-25') });
    const { event } = await when(w, c.caseId, 'GRANT_ACCESS', { at: tenAm('2025-08-31') });
    expect(commandData.conditionalApplication.SIGN_AGREEMENT.resultsDueMonths).toBe(6);
    expect(opened(event, 'resultsReport')).toMatchObject({ dueDate: '2026-02-28', dueAt: endOfDay('2026-02-28'), basis: 'agreement', article: '附录5 协议二(三)3' });
  });
});

describe('deadlines are configuration', () => {
  it('given objection handling configured as 7 working days, when an objection is raised on Fri 2026-02-13, then handling is due Mon 2026-03-02', async () => {
    // 02-14 Sat worked (1), 02-24 (2), 02-25 (3), 02-26 (4), 02-27 (5), 02-28 Sat worked (6), 03-02 (7).
    const configured = await createWorld({ deadlines: mergeDeadlineRules({ 'objection.handling': { n: 7 } }) });
    try {
      const c = await given(configured, 'objection', [], { at: tenAm('2026-02-13') });
      expect(c.tasks[0]).toMatchObject({ dueDate: '2026-03-02', basis: 'statute', article: '第十六条第二款' });
    } finally {
      await configured.close();
    }
  });
});

describe('a deadline past the calendar (CALENDAR_NOT_COVERED)', () => {
  it('given the shipped notices (to 2026, 2027 provisional), when an objection is raised on 2027-12-28, then CALENDAR_NOT_COVERED for 2028 and no case', async () => {
    w.clock.set(tenAm('2027-12-28'));
    const error = await refused(w, undefined, () => w.engine.start({ process: 'objection', input: startInputs.objection, actor: { sub: 'u-1', role: 'applicant', org: 'person-u-1' } }));
    expect(error).toMatchObject({ code: 'CALENDAR_NOT_COVERED', details: { year: 2028 } });
    // The notice that would cover 2028 next is 2027's (calendar QA: it asked for 2028's, which cannot be loaded before 2027).
    expect(error.text.zh).toBe('2028 年及其前一年的国务院办公厅节假日安排通知均未载入，无法计算该年的工作日（可计算 2023–2027 年）：请联系平台管理员载入 2027 年的通知（载入后可计算至 2028 年）');
  });

  it('given a use agreed to end on 2027-12-31, when on 2027-12-27 the applicant asks to renew, then the review is due by that day — its 10 working days would run into 2028, which no notice covers, but the task ends with the use (time QA: refused, the right to renew lost)', async () => {
    const input = { ...startInputs.conditionalApplication, usePeriod: { from: '2027-03-01', to: '2028-06-30' } };
    const sign = { ...commandData.conditionalApplication.SIGN_AGREEMENT, useFrom: '2027-03-03', useTo: '2027-12-31' };
    const c = await given(w, 'conditionalApplication', [...toAgreement, ['SIGN_AGREEMENT', { data: sign }], 'GRANT_ACCESS'], { at: tenAm('2027-03-03'), input });
    const { event } = await when(w, c.caseId, 'REQUEST_RENEWAL', { at: tenAm('2027-12-27'), data: { newUseTo: '2028-06-30' } });
    expect(opened(event, 'renewalReview')).toMatchObject({ dueDate: '2027-12-31', dueAt: endOfDay('2027-12-31'), provisional: false });
    // A day past the covered years caps nothing: still refused.
    const later = await given(w, 'conditionalApplication', [...toAgreement, ['SIGN_AGREEMENT', { data: { ...sign, useTo: '2028-01-31' } }], 'GRANT_ACCESS'], { at: tenAm('2027-03-03'), input });
    const error = await refused(w, later, () => when(w, later.caseId, 'REQUEST_RENEWAL', { at: tenAm('2027-12-27'), data: { newUseTo: '2028-06-30' } }));
    expect(error).toMatchObject({ code: 'CALENDAR_NOT_COVERED', details: { year: 2028 } });
  });
});
