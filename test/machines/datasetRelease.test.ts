import { describe, expect, it } from 'vitest';
import { datasetRelease, datasetReleaseV1, datasetReleaseV2, datasetReleaseV3, datasetReleaseV4, type DatasetReleaseContext } from '../../machines/datasetRelease.js';
import { isFinal, stateName, stateTask } from '../../machines/describe.js';
import { actors, commandData, orgs, startInputs } from './examples.js';
import { attempt, caseIn, play, send, start, startViolations } from './harness.js';

const def = datasetRelease;
const context = (snapshot: { context: unknown }) => snapshot.context as DatasetReleaseContext;
const personalInput = {
  ...startInputs.datasetRelease,
  containsPersonalInfo: true,
  fields: [...startInputs.datasetRelease.fields, { name: 'ownerName', description: '车主姓名' }, { name: 'plateNumber', description: '号牌号码' }],
};

describe('datasetRelease: the happy path (第九条)', () => {
  it('drafts, passes security review, sets desensitization, is reviewed, published and withdrawn', () => {
    let snapshot = start(def);
    expect(stateName(snapshot)).toBe('drafting');
    expect(context(snapshot).draft).toEqual(context(snapshot).input);

    snapshot = send(def, snapshot, 'RECORD_SECURITY_REVIEW');
    snapshot = send(def, snapshot, 'SET_DESENSITIZATION_RULES');
    snapshot = send(def, snapshot, 'SUBMIT', { at: '2025-03-05T02:00:00.000Z' });
    expect(stateName(snapshot)).toBe('underReview');
    expect(context(snapshot).submittedAt).toBe('2025-03-05T02:00:00.000Z');

    snapshot = send(def, snapshot, 'APPROVE', { at: '2025-03-10T02:00:00.000Z' });
    expect(stateName(snapshot)).toBe('published');
    expect(context(snapshot).published).toEqual({
      ...commandData.datasetRelease.APPROVE,
      at: '2025-03-10T02:00:00.000Z',
      by: orgs.cityAuthority,
    });

    snapshot = send(def, snapshot, 'WITHDRAW', { actor: actors.provider });
    expect(stateName(snapshot)).toBe('withdrawn');
    expect(isFinal(snapshot)).toBe(true);
    expect(context(snapshot).withdrawal).toMatchObject({ reason: commandData.datasetRelease.WITHDRAW.reason, by: orgs.provider });
  });

  it('returns to drafting with the reasons recorded (第九条(二) 说明理由、意见), and may be resubmitted', () => {
    let snapshot = play(def, ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES', 'SUBMIT', 'RETURN']);
    expect(stateName(snapshot)).toBe('drafting');
    expect(context(snapshot).returns).toEqual([
      expect.objectContaining({ reasons: commandData.datasetRelease.RETURN.reasons, by: orgs.cityAuthority }),
    ]);
    snapshot = send(def, snapshot, 'UPDATE_DRAFT');
    snapshot = send(def, snapshot, 'SUBMIT');
    expect(stateName(snapshot)).toBe('underReview');
  });

  // Mutation QA (pass 3): a RETURN could overwrite when the entry was submitted (submittedAt), with every test passing. 第九条(二)
  it('keeps the instant of the submission over a return', () => {
    let snapshot = play(def, ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES']);
    snapshot = send(def, snapshot, 'SUBMIT', { at: '2025-03-05T02:00:00.000Z' });
    snapshot = send(def, snapshot, 'RETURN', { at: '2025-03-12T02:00:00.000Z' });
    expect(stateName(snapshot)).toBe('drafting');
    expect(context(snapshot).submittedAt).toBe('2025-03-05T02:00:00.000Z');
  });

  it('applies UPDATE_DRAFT to the draft and keeps the start input as it was', () => {
    const snapshot = send(def, start(def), 'UPDATE_DRAFT', { data: { title: '济南市机动车登记信息月度统计', updateFrequency: 'weekly' } });
    expect(context(snapshot).draft).toMatchObject({ title: '济南市机动车登记信息月度统计', updateFrequency: 'weekly' });
    expect(context(snapshot).draft.fields).toEqual(startInputs.datasetRelease.fields);
    expect(context(snapshot).input.title).toBe(startInputs.datasetRelease.title);
  });
});

describe('datasetRelease v4: what is submitted explains its own attribute (第七条: 有条件开放的明确开放条件，不予开放的明确有关依据)', () => {
  const { conditions: _conditions, ...unexplained } = startInputs.datasetRelease;
  const closed = { ...unexplained, openAttribute: 'closed', basis: '涉及国家秘密（《保守国家秘密法》）' } as const;
  const explanation = (snapshot: { context: unknown }) => {
    const { openAttribute, conditions, basis } = context(snapshot).draft;
    return { openAttribute, conditions, basis };
  };
  /** `update` sent in drafting, then reviewed, submitted and approved. */
  const publish = (version: typeof def, input: object, update: object) => {
    let snapshot = send(version, start(version, { input }), 'UPDATE_DRAFT', { data: update });
    for (const type of ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES', 'SUBMIT', 'APPROVE']) snapshot = send(version, snapshot, type);
    expect(stateName(snapshot)).toBe('published');
    return snapshot;
  };

  it('given a closed entry made unconditional, when it is submitted and published, then it carries no basis for not opening (v3 published it with its basis)', () => {
    expect(explanation(publish(def, closed, { openAttribute: 'unconditional' }))).toEqual({ openAttribute: 'unconditional', conditions: undefined, basis: undefined });
    expect(explanation(publish(datasetReleaseV3, closed, { openAttribute: 'unconditional' })).basis).toBe(closed.basis);
  });

  // Mutation QA (pass 3): v4 itself could publish an entry taken from closed to unconditional with its basis for not opening (explained from v5 on), with every test passing. 第七条
  it('given a closed entry made unconditional on v4 (cases started on it fold with it for ever), when it is submitted and published, then it carries no basis for not opening', () => {
    expect(explanation(publish(datasetReleaseV4, closed, { openAttribute: 'unconditional' }))).toEqual({ openAttribute: 'unconditional', conditions: undefined, basis: undefined });
  });

  it('given a closed entry made conditional, then its conditions are submitted and its basis is not; a conditional one made unconditional submits no conditions', () => {
    expect(explanation(publish(def, closed, { openAttribute: 'conditional', conditions: '仅向科研机构开放。' }))).toEqual({ openAttribute: 'conditional', conditions: '仅向科研机构开放。', basis: undefined });
    expect(explanation(publish(def, startInputs.datasetRelease, { openAttribute: 'unconditional' }))).toEqual({ openAttribute: 'unconditional', conditions: undefined, basis: undefined });
    expect(explanation(publish(def, startInputs.datasetRelease, { title: '新标题' }))).toEqual({ openAttribute: 'conditional', conditions: startInputs.datasetRelease.conditions, basis: undefined });
  });

  it('given a draft whose attribute changed and changed back, then it still has its explanation: only the submission leaves the other one out', () => {
    let drafting = send(def, start(def, { input: closed }), 'UPDATE_DRAFT', { data: { openAttribute: 'unconditional' } });
    expect(explanation(drafting).basis).toBe(closed.basis);
    drafting = send(def, drafting, 'UPDATE_DRAFT', { data: { openAttribute: 'closed' } });
    expect(explanation(drafting)).toEqual({ openAttribute: 'closed', conditions: undefined, basis: closed.basis });
  });
});

describe('datasetRelease: SUBMIT rules', () => {
  it('refuses without a security review (第九条(一), 第二十二条)', () => {
    const given = send(def, start(def), 'SET_DESENSITIZATION_RULES');
    expect(attempt(def, given, 'SUBMIT')).toMatchObject({ violated: ['securityReviewPassed'], taken: false });
  });

  it('refuses after a failed security review', () => {
    let given = send(def, start(def), 'RECORD_SECURITY_REVIEW', { data: { passed: false, notes: '接口未做访问控制' } });
    given = send(def, given, 'SET_DESENSITIZATION_RULES');
    expect(attempt(def, given, 'SUBMIT')).toMatchObject({ violated: ['securityReviewPassed'], taken: false });
  });

  it('accepts once a later review passes', () => {
    let given = send(def, start(def), 'RECORD_SECURITY_REVIEW', { data: { passed: false } });
    given = send(def, given, 'RECORD_SECURITY_REVIEW', { data: { passed: true } });
    given = send(def, given, 'SET_DESENSITIZATION_RULES');
    expect(attempt(def, given, 'SUBMIT')).toMatchObject({ violated: [], taken: true });
  });

  it('refuses without desensitization rules (第九条(一))', () => {
    const given = send(def, start(def), 'RECORD_SECURITY_REVIEW');
    expect(attempt(def, given, 'SUBMIT')).toMatchObject({ violated: ['desensitizationRulesSet'], taken: false });
  });

  it('refuses "none needed" once the draft is changed to contain personal information', () => {
    let given = play(def, ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES']);
    given = send(def, given, 'UPDATE_DRAFT', { data: { containsPersonalInfo: true } });
    expect(attempt(def, given, 'SUBMIT')).toMatchObject({ violated: ['desensitizationRulesSet', 'reviewCoversDraft'], taken: false });
  });

  it('refuses a submission whose review and rules were made before the fields changed (第九条(一), 第二十二条), until both are made again', () => {
    const owner = { name: 'ownerName', description: '车主姓名' };
    let given = play(def, ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES']);
    given = send(def, given, 'UPDATE_DRAFT', { data: { fields: [...startInputs.datasetRelease.fields, owner] } });
    expect(attempt(def, given, 'SUBMIT')).toMatchObject({ violated: ['reviewCoversDraft'], taken: false });
    given = send(def, given, 'RECORD_SECURITY_REVIEW');
    expect(attempt(def, given, 'SUBMIT')).toMatchObject({ violated: ['reviewCoversDraft'], taken: false });
    given = send(def, given, 'SET_DESENSITIZATION_RULES', { data: { rules: [{ field: 'ownerName', method: 'mask' }] } });
    expect(attempt(def, given, 'SUBMIT')).toMatchObject({ violated: [], taken: true });
  });

  it('keeps the review and the rules over a new title or description (nothing opened changes)', () => {
    let given = play(def, ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES']);
    given = send(def, given, 'UPDATE_DRAFT', { data: { title: '济南市机动车登记信息月度统计', description: '按月统计', updateFrequency: 'monthly' } });
    expect(attempt(def, given, 'SUBMIT')).toMatchObject({ violated: [], taken: true });
  });

  it('after a return, a changed entry is reviewed again before it is resubmitted', () => {
    let given = play(def, ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES', 'SUBMIT', 'RETURN']);
    expect(attempt(def, given, 'SUBMIT')).toMatchObject({ violated: [], taken: true });
    given = send(def, given, 'UPDATE_DRAFT', { data: { serviceModes: ['download', 'api', 'sandbox'] } });
    expect(attempt(def, given, 'SUBMIT')).toMatchObject({ violated: ['reviewCoversDraft'], taken: false });
  });

  it('v1 (cases started on it fold with it for ever) keeps submitting on an earlier review', () => {
    let given = play(datasetReleaseV1, ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES']);
    given = send(datasetReleaseV1, given, 'UPDATE_DRAFT', { data: { fields: [{ name: 'ownerName' }], containsPersonalInfo: false } });
    expect(attempt(datasetReleaseV1, given, 'SUBMIT')).toMatchObject({ violated: [], taken: true });
    expect(attempt(datasetReleaseV1, start(datasetReleaseV1), 'SET_DESENSITIZATION_RULES', { data: { rules: [{ field: 'noSuchField', method: 'mask' }] } })).toMatchObject({
      violated: [],
      taken: true,
    });
  });

  // Mutation QA (pass 3, v3 and v4 rows): v3 and v4 could count a field sent again unchanged as a change (from v5 on only), with every test passing. 第九条(一)
  it('v3 takes a whole form saved again with unchanged fields as no change; v2 (cases started on it fold with it for ever) as one', () => {
    const { providerOrg: _providerOrg, ...wholeForm } = startInputs.datasetRelease;
    const resaved = { ...wholeForm, coverage: { period: { to: '2024-12-31', from: '2020-01-01' }, region: '370100' }, title: '济南市机动车登记信息月度统计' };
    for (const [version, violated] of [[def, []], [datasetReleaseV4, []], [datasetReleaseV3, []], [datasetReleaseV2, ['reviewCoversDraft']]] as const) {
      let given = play(version, ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES']);
      given = send(version, given, 'UPDATE_DRAFT', { data: resaved });
      expect(attempt(version, given, 'SUBMIT')).toMatchObject({ violated, taken: violated.length === 0 });
    }
  });

  // Mutation QA (pass 3): v2's security review could be stamped for no draft (forDraft from v3 on), a review made after a change then stale for good, with every test passing. 第九条(一)、第二十二条
  it('v2 (cases started on it fold with it for ever) stamps a review made after a change with the draft it covers, and takes the submission once the rules are set again', () => {
    const v2 = datasetReleaseV2;
    let given = send(v2, start(v2), 'UPDATE_DRAFT', { data: { fields: [...startInputs.datasetRelease.fields, { name: 'fuelType', description: '燃料类型' }] } });
    given = send(v2, given, 'RECORD_SECURITY_REVIEW');
    expect(context(given).securityReview?.forDraft).toBe(1);
    given = send(v2, given, 'SET_DESENSITIZATION_RULES');
    expect(attempt(v2, given, 'SUBMIT')).toMatchObject({ violated: [], taken: true });
  });

  it('accepts personal information with desensitization rules', () => {
    let given = start(def, { input: personalInput });
    given = send(def, given, 'RECORD_SECURITY_REVIEW');
    given = send(def, given, 'SET_DESENSITIZATION_RULES', { data: { rules: [{ field: 'ownerName', method: 'mask' }] } });
    expect(attempt(def, given, 'SUBMIT')).toMatchObject({ violated: [], taken: true });
  });

  it('refuses data whose attribute is closed (第二条, 第七条)', () => {
    const closed = { ...startInputs.datasetRelease, openAttribute: 'closed', basis: '《中华人民共和国道路交通安全法》第…条' };
    const given = play(def, ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES'], { input: closed });
    expect(attempt(def, given, 'SUBMIT')).toMatchObject({ violated: ['notClosed'], taken: false });
  });
});

describe('datasetRelease: draft rules (第七条, 第九条(一))', () => {
  it('refuses a desensitization rule for a field the entry does not have (第九条(一))', () => {
    const given = start(def, { input: personalInput });
    const rules = { rules: [{ field: 'ownerName', method: 'mask' }, { field: 'noSuchField', method: 'remove' }] };
    expect(attempt(def, given, 'SET_DESENSITIZATION_RULES', { data: rules })).toMatchObject({ violated: ['desensitizedFieldsInDraft'], taken: false });
  });

  it('refuses "no desensitization needed" for data with personal information', () => {
    const given = start(def, { input: personalInput });
    expect(attempt(def, given, 'SET_DESENSITIZATION_RULES')).toMatchObject({ violated: ['personalInfoDesensitized'], taken: false });
    const rules = { rules: [{ field: 'plateNumber', method: 'hash', note: '加盐哈希' }] };
    expect(attempt(def, given, 'SET_DESENSITIZATION_RULES', { data: rules })).toMatchObject({ violated: [], taken: true });
  });

  it('allows "no desensitization needed" with a reason for data without personal information', () => {
    const { violated, taken, next } = attempt(def, start(def), 'SET_DESENSITIZATION_RULES');
    expect({ violated, taken }).toEqual({ violated: [], taken: true });
    expect(context(next).desensitization).toMatchObject({ noneNeeded: true, reason: commandData.datasetRelease.SET_DESENSITIZATION_RULES.reason });
  });

  it('refuses a change to conditional without conditions, and to closed without a basis', () => {
    const { conditions: _conditions, ...rest } = startInputs.datasetRelease;
    const unconditional = { ...rest, openAttribute: 'unconditional' };
    const given = start(def, { input: unconditional });
    expect(attempt(def, given, 'UPDATE_DRAFT', { data: { openAttribute: 'conditional' } })).toMatchObject({
      violated: ['conditionsStated'],
      taken: false,
    });
    expect(attempt(def, given, 'UPDATE_DRAFT', { data: { openAttribute: 'closed' } })).toMatchObject({
      violated: ['basisStated'],
      taken: false,
    });
    expect(attempt(def, given, 'UPDATE_DRAFT', { data: { openAttribute: 'closed', basis: '涉及国家秘密' } })).toMatchObject({
      violated: [],
      taken: true,
    });
  });

  it('keeps the conditions already in the draft when only the attribute changes back to conditional', () => {
    let given = send(def, start(def), 'UPDATE_DRAFT', { data: { openAttribute: 'unconditional' } });
    expect(attempt(def, given, 'UPDATE_DRAFT', { data: { openAttribute: 'conditional' } }).violated).toEqual([]);
    given = send(def, given, 'UPDATE_DRAFT', { data: { openAttribute: 'conditional' } });
    expect(context(given).draft.conditions).toBe(startInputs.datasetRelease.conditions);
  });
});

describe('datasetRelease: start rules', () => {
  it('accepts a provider opening its own data', () => {
    expect(startViolations(def, startInputs.datasetRelease, actors.provider)).toEqual([]);
  });

  it('refuses a provider opening another organisation’s data (第四条)', () => {
    expect(startViolations(def, startInputs.datasetRelease, actors.otherProvider)).toEqual(['providerOpensOwnData']);
  });

  it('refuses conditional data without conditions and closed data without a basis (第七条)', () => {
    const { conditions: _c, ...noConditions } = startInputs.datasetRelease;
    expect(startViolations(def, noConditions, actors.provider)).toEqual(['conditionsStated']);
    expect(startViolations(def, { ...noConditions, openAttribute: 'closed' }, actors.provider)).toEqual(['basisStated']);
    expect(startViolations(def, { ...noConditions, openAttribute: 'closed', basis: '涉及国家秘密' }, actors.provider)).toEqual([]);
  });
});

describe('datasetRelease: tasks, parties, summary', () => {
  it('drafting is the provider’s task without a deadline', () => {
    expect(stateTask(def, 'drafting')).toMatchObject({ stage: 'drafting', role: 'provider', scope: 'provider' });
    expect(stateTask(def, 'drafting')?.deadline).toBeUndefined();
  });

  it('underReview is the competent authority’s task with the policy default (no statutory deadline)', () => {
    expect(stateTask(def, 'underReview')).toMatchObject({
      stage: 'underReview',
      role: 'authority',
      scope: 'competentAuthority',
      deadline: { kind: 'rule', key: 'policyDefault' },
    });
  });

  it('published and withdrawn are no one’s task', () => {
    expect(stateTask(def, 'published')).toBeUndefined();
    expect(stateTask(def, 'withdrawn')).toBeUndefined();
  });

  it('names the provider; the provider’s region counts', () => {
    const c = context(caseIn('datasetRelease', 'published'));
    expect(def.parties(c)).toEqual({ providerOrg: orgs.provider });
    expect(def.summary(c)).toEqual({ title: startInputs.datasetRelease.title, provider: orgs.provider });
  });

  // Mutation QA (pass 3): a withdrawn release could still give its public facts (title, service modes), as if on the platform, with every test passing. 第十五条
  it('gives its public facts while published, and none once withdrawn: it is no longer on the open platform (第十五条)', () => {
    expect(def.publicFacts?.(context(caseIn('datasetRelease', 'published')), 'published')).toMatchObject({ title: startInputs.datasetRelease.title });
    const withdrawn = context(caseIn('datasetRelease', 'withdrawn'));
    expect(withdrawn.published).toBeDefined();
    expect(def.publicFacts?.(withdrawn, 'withdrawn')).toBeUndefined();
  });

  it('summarises the current draft’s title', () => {
    const c = context(send(def, start(def), 'UPDATE_DRAFT', { data: { title: '新标题' } }));
    expect(def.summary(c).title).toBe('新标题');
  });
});
