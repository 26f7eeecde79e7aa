/**
 * 未开放数据需求申请 through the engine (PROCESSES.md §3; 第十五条, 附录7): given a history, when a
 * command, then these events — or this error, and nothing stored. The provincial authority may
 * act on any city's request (市级以上).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transitions } from '../../machines/describe.js';
import { unopenedDataRequest } from '../../machines/unopenedDataRequest.js';
import { actors, orgs, startInputs } from '../machines/examples.js';
import { pathTo } from '../machines/harness.js';
import {
  arrowKey,
  createWorld,
  expectWrongState,
  followArrow,
  given,
  meta,
  others,
  refused,
  sorted,
  when,
  type Arrow,
  type WrongState,
  type World,
} from './world.js';

const PROCESS = 'unopenedDataRequest';
const path = pathTo.unopenedDataRequest;
const input = startInputs.unopenedDataRequest;
const { provider, cityAuthority, provinceAuthority, company: applicant } = actors;
const at = (state: string) => path[state]!;
const toProvince = { ...input, addressedRegion: '370000' };

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(() => w.close());

/** A dataset release case of 济南市公安局 in `state`, for MARK_OPENED to name. */
async function releaseIn(state: string): Promise<{ datasetReleaseCaseId: string }> {
  const release = await given(w, 'datasetRelease', pathTo.datasetRelease[state]!);
  expect(release.state).toBe(state);
  return { datasetReleaseCaseId: release.caseId };
}

describe('unopenedDataRequest: asking for data that is not open', () => {
  it('given nothing, when an applicant asks Jinan, then RequestSubmitted: normativeReview for Jinan’s authority, which the province may also work', async () => {
    const result = await w.engine.start({ process: PROCESS, input, actor: applicant });
    expect(result).toMatchObject({ state: 'normativeReview', revision: 0 });
    expect(result.event.type).toBe('RequestSubmitted');
    expect(meta(result.event).tasksOpened).toMatchObject([
      { stage: 'normativeReview', role: 'authority', org: orgs.cityAuthority, orgs: [orgs.cityAuthority, orgs.provinceAuthority], basis: 'statute', article: '第十五条' },
    ]);
  });

  it('given nothing, when an applicant asks the province, then only the provincial authority works it', async () => {
    const result = await w.engine.start({ process: PROCESS, input: toProvince, actor: applicant });
    expect(meta(result.event).tasksOpened).toMatchObject([{ org: orgs.provinceAuthority, orgs: [orgs.provinceAuthority] }]);
  });

  it.each([
    ['addressed to a county', { ...input, addressedRegion: '370102' }, 'addressedRegion'],
    ['without the applicant’s e-mail (附录7 联系邮箱)', { ...input, applicant: { ...input.applicant, contact: { name: '孙丽', phone: '0531-88661234' } } }, 'applicant.contact.email'],
    ['with no data items', { ...input, dataItems: [] }, 'dataItems'],
  ])('given nothing, when a request %s is sent, then VALIDATION_FAILED naming the field and no case', async (_what, bad, field) => {
    const error = await refused(w, undefined, () => w.engine.start({ process: PROCESS, input: bad, actor: applicant }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect((error.details.errors as { path: string }[]).map((e) => e.path)).toContain(field);
  });

  it('given nothing, when an applicant asks on 2026-05-01 for use until 2026-04-30, then RULE_VIOLATED requestedUseNotOver (附录7) and no case; until that day, RequestSubmitted', async () => {
    const later = await createWorld({ at: '2026-04-30T15:59:00.000Z' }); // 23:59 on 04-30 in Beijing, the last day of use
    try {
      expect(input.usePeriod.to).toBe('2026-04-30');
      expect(await later.engine.start({ process: PROCESS, input, actor: applicant })).toMatchObject({ state: 'normativeReview' });
      later.clock.set('2026-04-30T16:00:00.000Z'); // 00:00 on 05-01 in Beijing
      const error = await refused(later, undefined, () => later.engine.start({ process: PROCESS, input, actor: applicant }));
      expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'requestedUseNotOver', article: '附录7' } });
      expect(error.text.zh).toBe('申请的使用终止时间不得早于申请日期（附录7）');
    } finally {
      await later.close();
    }
  });

  it('given nothing, when an authority files a request, then FORBIDDEN and no case', async () => {
    const error = await refused(w, undefined, () => w.engine.start({ process: PROCESS, input, actor: cityAuthority }));
    expect(error.code).toBe('FORBIDDEN');
  });
});

describe('unopenedDataRequest: every command of PROCESSES.md §3', () => {
  const arrows: Arrow[] = [
    { from: 'normativeReview', path: [], when: 'PASS_NORMATIVE_REVIEW', who: 'Jinan’s authority', by: cityAuthority, then: 'NormativeReviewPassed', to: 'feasibilityReview' },
    { from: 'normativeReview', path: [], when: 'PASS_NORMATIVE_REVIEW', who: 'the provincial authority (市级以上)', by: provinceAuthority, then: 'NormativeReviewPassed', to: 'feasibilityReview' },
    { from: 'normativeReview', path: [], when: 'FAIL_NORMATIVE_REVIEW', who: 'Jinan’s authority', by: cityAuthority, then: 'NormativeReviewFailed', to: 'rejected' },
    { from: 'normativeReview', path: [], when: 'FAIL_NORMATIVE_REVIEW', who: 'the provincial authority', by: provinceAuthority, then: 'NormativeReviewFailed', to: 'rejected' },
    { from: 'feasibilityReview', path: at('feasibilityReview'), when: 'CONCLUDE_ALREADY_OPEN', who: 'the provider', by: provider, then: 'ConcludedAlreadyOpen', to: 'answered' },
    { from: 'feasibilityReview', path: at('feasibilityReview'), when: 'CONCLUDE_OPENABLE', who: 'the provider', by: provider, then: 'ConcludedOpenable', to: 'openingPending' },
    { from: 'feasibilityReview', path: at('feasibilityReview'), when: 'CONCLUDE_NOT_OPENABLE', who: 'the provider', by: provider, then: 'ConcludedNotOpenable', to: 'declined' },
    { from: 'openingPending', path: at('openingPending'), when: 'MARK_OPENED', who: 'the provider (a dataset reference)', by: provider, then: 'OpeningReported', to: 'opened' },
    {
      from: 'openingPending',
      path: at('openingPending'),
      when: 'MARK_OPENED',
      who: 'the provider (a published release case)',
      by: provider,
      prepare: () => releaseIn('published'),
      then: 'OpeningReported',
      to: 'opened',
    },
    {
      from: 'openingPending',
      path: at('openingPending'),
      when: 'MARK_OPENED',
      who: 'the provider (a release case still under review)',
      by: provider,
      prepare: () => releaseIn('underReview'),
      then: 'OpeningReported',
      to: 'openingPending',
    },
  ];

  it('the arrows below are every arrow of the chart', () => {
    const charted = new Set(transitions(unopenedDataRequest).map(arrowKey));
    expect(sorted([...new Set(arrows.map((a) => arrowKey({ ...a, command: a.when })))])).toEqual(sorted([...charted]));
  });

  it.each(arrows)('given a request in $from, when $who sends $when, then $then and $to', async (arrow) => {
    await followArrow(w, PROCESS, arrow);
  });

  it('given a request, when the authority passes it naming a provider, then the feasibility task is that provider’s', async () => {
    const c = await given(w, PROCESS);
    const { event } = await when(w, c.caseId, 'PASS_NORMATIVE_REVIEW', { data: { providerOrg: orgs.otherProvider } });
    expect(meta(event).tasksOpened).toMatchObject([{ stage: 'feasibilityReview', role: 'provider', org: orgs.otherProvider, basis: 'statute', article: '第十五条' }]);
    expect(meta(event).parties).toMatchObject({ providerOrg: orgs.otherProvider, region: '370100' });
  });

  it.each([
    ['rejected', at('rejected')],
    ['answered', at('answered')],
    ['declined', at('declined')],
    ['opened', at('opened')],
  ])('given a request, when it goes to %s, then it is final and no task is left open', async (state, steps) => {
    const c = await given(w, PROCESS, steps);
    expect(c).toMatchObject({ state, final: true, tasks: [] });
  });
});

describe('unopenedDataRequest: refusals store nothing', () => {
  const wrongState: WrongState[] = [
    { state: 'normativeReview', path: [], who: 'Jinan’s authority', by: cityAuthority, command: 'CONCLUDE_OPENABLE', allowed: ['PASS_NORMATIVE_REVIEW', 'FAIL_NORMATIVE_REVIEW'] },
    { state: 'normativeReview', path: [], who: 'the provincial authority', by: provinceAuthority, command: 'MARK_OPENED', allowed: ['PASS_NORMATIVE_REVIEW', 'FAIL_NORMATIVE_REVIEW'] },
    { state: 'normativeReview', path: [], who: 'the provider', by: provider, command: 'CONCLUDE_OPENABLE', allowed: [] },
    { state: 'feasibilityReview', path: at('feasibilityReview'), who: 'Jinan’s authority', by: cityAuthority, command: 'PASS_NORMATIVE_REVIEW', allowed: [] },
    {
      state: 'feasibilityReview',
      path: at('feasibilityReview'),
      who: 'the provider',
      by: provider,
      command: 'MARK_OPENED',
      allowed: ['CONCLUDE_ALREADY_OPEN', 'CONCLUDE_OPENABLE', 'CONCLUDE_NOT_OPENABLE'],
    },
    { state: 'openingPending', path: at('openingPending'), who: 'the provider', by: provider, command: 'CONCLUDE_NOT_OPENABLE', allowed: ['MARK_OPENED'] },
    { state: 'rejected', path: at('rejected'), who: 'Jinan’s authority', by: cityAuthority, command: 'PASS_NORMATIVE_REVIEW', allowed: [] },
    { state: 'answered', path: at('answered'), who: 'the provider', by: provider, command: 'MARK_OPENED', allowed: [] },
    { state: 'declined', path: at('declined'), who: 'the provider', by: provider, command: 'CONCLUDE_OPENABLE', allowed: [] },
    { state: 'opened', path: at('opened'), who: 'the provider', by: provider, command: 'MARK_OPENED', allowed: [] },
  ];

  it.each(wrongState)('given a request in $state, when $who sends $command, then INVALID_TRANSITION allowing $allowed', async (row) => {
    await expectWrongState(w, PROCESS, row);
  });

  it.each([
    ['normativeReview', 'a provider', 'PASS_NORMATIVE_REVIEW', [], provider],
    ['normativeReview', 'the applicant', 'FAIL_NORMATIVE_REVIEW', [], applicant],
    ['feasibilityReview', 'the applicant', 'CONCLUDE_OPENABLE', at('feasibilityReview'), applicant],
    ['feasibilityReview', 'the provincial authority', 'CONCLUDE_NOT_OPENABLE', at('feasibilityReview'), provinceAuthority],
    ['openingPending', 'Jinan’s authority', 'MARK_OPENED', at('openingPending'), cityAuthority],
  ] as const)('given a request in %s, when %s sends %s, then FORBIDDEN (wrong role)', async (_state, _who, command, steps, actor) => {
    const c = await given(w, PROCESS, steps);
    const error = await refused(w, c, () => when(w, c.caseId, command, { actor }));
    expect(error.code).toBe('FORBIDDEN');
  });

  it.each([
    ['to Jinan', 'another city’s authority', input, others.qingdaoAuthority, [], 'PASS_NORMATIVE_REVIEW'],
    ['to Jinan', 'a county authority inside Jinan', input, others.countyAuthority, [], 'FAIL_NORMATIVE_REVIEW'],
    ['to the province', 'Jinan’s authority', toProvince, cityAuthority, [], 'PASS_NORMATIVE_REVIEW'],
    ['forwarded to 济南市公安局', 'another provider', input, actors.otherProvider, at('feasibilityReview'), 'CONCLUDE_OPENABLE'],
    ['forwarded to 济南市公安局', 'another city’s provider', input, others.qingdaoProvider, at('openingPending'), 'MARK_OPENED'],
  ] as const)('given a request %s, when %s acts, then FORBIDDEN (wrong organisation)', async (_case, _who, start, actor, steps, command) => {
    const c = await given(w, PROCESS, steps, { input: start });
    const error = await refused(w, c, () => when(w, c.caseId, command, { actor }));
    expect(error.code).toBe('FORBIDDEN');
  });

  it('given a request to the province, when the provincial authority passes it, then it is accepted', async () => {
    const c = await given(w, PROCESS, [], { input: toProvince });
    expect((await when(w, c.caseId, 'PASS_NORMATIVE_REVIEW', { actor: provinceAuthority })).state).toBe('feasibilityReview');
  });

  it.each([
    ['PASS_NORMATIVE_REVIEW without the provider', [], 'PASS_NORMATIVE_REVIEW', { opinion: '材料规范。' }, 'providerOrg'],
    ['FAIL_NORMATIVE_REVIEW without a reason', [], 'FAIL_NORMATIVE_REVIEW', {}, 'reason'],
    ['CONCLUDE_ALREADY_OPEN without how to obtain it', at('feasibilityReview'), 'CONCLUDE_ALREADY_OPEN', { datasetRef: 'sd-open-370100-gaj-0077' }, 'howToObtain'],
    ['CONCLUDE_NOT_OPENABLE without a reason', at('feasibilityReview'), 'CONCLUDE_NOT_OPENABLE', {}, 'reason'],
    ['MARK_OPENED naming neither a dataset nor a release', at('openingPending'), 'MARK_OPENED', {}, ''],
    ['MARK_OPENED naming both', at('openingPending'), 'MARK_OPENED', { datasetRef: 'sd-open-370100-gaj-0080', datasetReleaseCaseId: 'x' }, ''],
  ] as const)('given a request, when %s, then VALIDATION_FAILED naming the field', async (_what, steps, command, bad, field) => {
    const c = await given(w, PROCESS, steps);
    const error = await refused(w, c, () => when(w, c.caseId, command, { data: bad }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect((error.details.errors as { path: string }[]).map((e) => e.path)).toContain(field);
  });

  // Changes QA: a draft its provider gave up (datasetRelease v5) was taken, and the request waited for good on a release never to be published.
  it('given a request in openingPending, when MARK_OPENED names a release its provider gave up as a draft, then RULE_VIOLATED linkedReleaseNotWithdrawn (第十五条), naming the field, and nothing stored', async () => {
    const c = await given(w, PROCESS, at('openingPending'));
    const link = await releaseIn('discarded');
    const error = await refused(w, c, () => when(w, c.caseId, 'MARK_OPENED', { data: link }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'linkedReleaseNotWithdrawn', article: '第十五条', fieldErrors: [{ path: 'datasetReleaseCaseId' }] } });
    expect(error.text.zh).toBe('所填的数据集开放案件已撤回或已放弃，不能据此开放数据（第十五条）');
    expect((await w.engine.getCase(c.caseId)).state).toBe('openingPending');
  });

  it('given a request in openingPending, when MARK_OPENED names a withdrawn release, then RULE_VIOLATED linkedReleaseNotWithdrawn (第十五条)', async () => {
    const c = await given(w, PROCESS, at('openingPending'));
    const link = await releaseIn('withdrawn');
    const error = await refused(w, c, () => when(w, c.caseId, 'MARK_OPENED', { data: link }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'linkedReleaseNotWithdrawn', article: '第十五条', fieldErrors: [{ path: 'datasetReleaseCaseId' }] } });
  });

  it('given a request in openingPending, when MARK_OPENED names a case of another process, then RULE_VIOLATED linkedReleaseExists (第十五条)', async () => {
    const c = await given(w, PROCESS, at('openingPending'));
    const objection = await given(w, 'objection');
    const error = await refused(w, c, () => when(w, c.caseId, 'MARK_OPENED', { data: { datasetReleaseCaseId: objection.caseId } }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'linkedReleaseExists', article: '第十五条' } });
  });
});
