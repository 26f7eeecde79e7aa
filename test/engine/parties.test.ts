/**
 * The parties a case names must be in the organisation directory. 第四条: a case's 开放主体 is a
 * 公共数据提供单位 there; 第六条: the region a request is addressed to has a 主管部门 there. A
 * provider or region a case names for the first time — in an applicant's start form, or when an
 * authority forwards a request (第十五条) — that is not one would leave tasks nobody can act on, or
 * send them to someone the applicant did not address: it is refused, and nothing is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, commandData, orgs, startInputs } from '../machines/examples.js';
import { createWorld, given, refused, when, type World } from './world.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(() => w.close());

const unknownCode = '999999-xx';
/** 济南市大数据局: in the directory, but an authority, not a provider. */
const anAuthority = '370100-dsj';

describe('an applicant names a provider that is not one', () => {
  it.each([
    ['conditionalApplication', { ...startInputs.conditionalApplication, resource: { ...startInputs.conditionalApplication.resource, providerOrg: unknownCode } }, 'resource.providerOrg'],
    ['objection', { ...startInputs.objection, providerOrg: unknownCode }, 'providerOrg'],
  ])('when a %s is started naming a code missing from the directory, then RULE_VIOLATED under 第四条, naming the field, and no case', async (process, input, field) => {
    const error = await refused(w, undefined, () => w.engine.start({ process, input, actor: actors.company }));
    expect(error.code).toBe('RULE_VIOLATED');
    // The form's field, as a 400 names it: a portal marks it (applicants' QA).
    expect(error.details).toMatchObject({ rule: 'providerInDirectory', article: '第四条', fieldErrors: [{ path: field, message: { zh: expect.stringContaining(unknownCode) } }] });
    expect(error.text.zh).toContain(unknownCode);
  });

  it('when an objection names an authority as the provider, then it is refused by name', async () => {
    const error = await refused(w, undefined, () => w.engine.start({ process: 'objection', input: { ...startInputs.objection, providerOrg: anAuthority }, actor: actors.company }));
    expect(error.details).toMatchObject({ rule: 'providerInDirectory' });
    expect(error.text.zh).toContain('济南市大数据局');
    expect(error.text.zh).toContain('不是公共数据开放主体');
  });

  it('when it names a provider of the directory, then the case starts with the provider’s task', async () => {
    const c = await given(w, 'objection');
    expect(c.tasks).toMatchObject([{ stage: 'handling', org: orgs.provider }]);
  });
});

describe('an authority forwards an unopened-data request (第十五条)', () => {
  const forward = commandData.unopenedDataRequest.PASS_NORMATIVE_REVIEW;

  it.each([
    ['a code missing from the directory', unknownCode],
    ['an authority', anAuthority],
  ])('when it forwards to %s, then RULE_VIOLATED, and the request stays with the authority', async (_what, providerOrg) => {
    const c = await given(w, 'unopenedDataRequest');
    const error = await refused(w, c, () => when(w, c.caseId, 'PASS_NORMATIVE_REVIEW', { data: { ...forward, providerOrg } }));
    expect(error.details).toMatchObject({ rule: 'providerInDirectory', article: '第四条', fieldErrors: [{ path: 'providerOrg' }] });
    expect((await w.engine.getCase(c.caseId)).state).toBe('normativeReview');
  });

  // 第六条: a city's authority works within its own region.
  it('when Jinan’s authority forwards to a provider of Qingdao, then RULE_VIOLATED under 第六条, naming the provincial bureau, which may act on the request too, as the one that can; and the request stays with it', async () => {
    const c = await given(w, 'unopenedDataRequest');
    const error = await refused(w, c, () => when(w, c.caseId, 'PASS_NORMATIVE_REVIEW', { data: { ...forward, providerOrg: '370200-gaj' }, actor: actors.cityAuthority }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'providerInJurisdiction', article: '第六条', fieldErrors: [{ path: 'providerOrg' }] } });
    // Legal QA: a city's bureau whose applicant needs another region's (or a provincial department's) data was left with no way on.
    expect(error.text.zh).toBe('青岛市公安局（370200-gaj）不在济南市大数据局的行政区域内，不能转至该开放主体；可由山东省大数据局（370000-dsj）转办（第六条）');
    expect(error.text.en).toContain('; 山东省大数据局 (370000-dsj) can');
    expect((await w.engine.getCase(c.caseId)).state).toBe('normativeReview');
  });

  it.each([
    ['Jinan’s authority', 'a county provider of Jinan', actors.cityAuthority, '370102-scjgj'],
    ['the provincial authority', 'a provider of Qingdao', actors.provinceAuthority, '370200-gaj'],
  ])('when %s forwards to %s, then the feasibility review is that provider’s', async (_who, _to, actor, providerOrg) => {
    const c = await given(w, 'unopenedDataRequest');
    const result = await when(w, c.caseId, 'PASS_NORMATIVE_REVIEW', { data: { ...forward, providerOrg }, actor });
    expect(result.state).toBe('feasibilityReview');
    expect((await w.engine.getCase(c.caseId)).tasks).toMatchObject([{ stage: 'feasibilityReview', org: providerOrg }]);
  });

  it('when it forwards to a provider, then the feasibility review is that provider’s', async () => {
    const c = await given(w, 'unopenedDataRequest', ['PASS_NORMATIVE_REVIEW']);
    expect(c.state).toBe('feasibilityReview');
    expect(c.tasks).toMatchObject([{ stage: 'feasibilityReview', org: orgs.provider }]);
  });
});

describe('an unopened-data request addressed to a region (第六条, 第十五条)', () => {
  it('when it is addressed to a city code with no authority in the directory (3799), then RULE_VIOLATED, not the province in its stead', async () => {
    const error = await refused(w, undefined, () =>
      w.engine.start({ process: 'unopenedDataRequest', input: { ...startInputs.unopenedDataRequest, addressedRegion: '379900' }, actor: actors.company }),
    );
    expect(error.details).toMatchObject({ rule: 'regionHasAuthority', article: '第六条', fieldErrors: [{ path: 'addressedRegion' }] });
    expect(error.text.zh).toBe('行政区划 379900 在机构目录中没有公共数据开放主管部门，无法受理（第六条）');
  });

  it.each(['370100', '370000'])('when it is addressed to %s, then that region’s authority reviews it', async (addressedRegion) => {
    const started = await w.engine.start({ process: 'unopenedDataRequest', input: { ...startInputs.unopenedDataRequest, addressedRegion }, actor: actors.company });
    expect(started.state).toBe('normativeReview');
    expect((await w.engine.getCase(started.caseId)).tasks[0]!.org).toBe(`${addressedRegion}-dsj`);
  });
});
