/**
 * 数据集开放 through the engine (PROCESSES.md §1; 第七、九、十一、二十二条): given a history, when a
 * command, then these events — or this error, and nothing stored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetRelease, datasetReleaseV4 } from '../../machines/datasetRelease.js';
import { ProcessRegistry } from '../../machines/registry.js';
import { transitions } from '../../machines/describe.js';
import { actors, commandData, orgs, startInputs } from '../machines/examples.js';
import { pathTo } from '../machines/harness.js';
import {
  accepted,
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

const PROCESS = 'datasetRelease';
const path = pathTo.datasetRelease;
const data = commandData.datasetRelease;
const input = startInputs.datasetRelease;
const provider = actors.provider;
const authority = actors.cityAuthority;
const drafting = path.drafting!;
const underReview = path.underReview!;
const published = path.published!;

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(() => w.close());

describe('datasetRelease: starting a release', () => {
  it('given nothing, when a provider starts a release of its own data, then DraftStarted: drafting, its task with no deadline', async () => {
    const result = await w.engine.start({ process: PROCESS, input, actor: provider });
    expect(result).toMatchObject({ process: PROCESS, state: 'drafting', final: false, revision: 0, replayed: false });
    expect(result.event.type).toBe('DraftStarted');
    expect(meta(result.event)).toMatchObject({ command: 'START', stateBefore: null, stateAfter: 'drafting', actor: provider, machine: { name: PROCESS, version: 5 } });
    const [task] = meta(result.event).tasksOpened;
    expect(task).toMatchObject({ stage: 'drafting', role: 'provider', org: orgs.provider, orgs: [orgs.provider] });
    expect(task).not.toHaveProperty('dueAt');
  });

  it('given nothing, when an applicant starts a release, then FORBIDDEN and no case', async () => {
    const error = await refused(w, undefined, () => w.engine.start({ process: PROCESS, input, actor: actors.company }));
    expect(error.code).toBe('FORBIDDEN');
  });

  // The start's sender must be the provider the entry names, so the engine answers FORBIDDEN (wrong
  // organisation, API.md) before the machine's own rule providerOpensOwnData (第四条) is asked.
  it('given nothing, when a provider starts a release of another provider’s data, then FORBIDDEN (第四条: its own data) and no case', async () => {
    const error = await refused(w, undefined, () => w.engine.start({ process: PROCESS, input, actor: actors.otherProvider }));
    expect(error.code).toBe('FORBIDDEN');
  });

  it('given nothing, when a conditional release states no conditions, then RULE_VIOLATED conditionsStated (第七条) and no case', async () => {
    const { conditions: _dropped, ...noConditions } = input;
    const error = await refused(w, undefined, () => w.engine.start({ process: PROCESS, input: noConditions, actor: provider }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'conditionsStated', article: '第七条' } });
  });

  it('given nothing, when a closed release states no legal basis, then RULE_VIOLATED basisStated (第七条) and no case', async () => {
    const error = await refused(w, undefined, () => w.engine.start({ process: PROCESS, input: { ...input, openAttribute: 'closed' }, actor: provider }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'basisStated', article: '第七条' } });
  });

  it('given nothing, when the entry has a misspelt field and no fields, then VALIDATION_FAILED naming both and no case', async () => {
    const error = await refused(w, undefined, () =>
      w.engine.start({ process: PROCESS, input: { ...input, fields: [], updateFrequncy: 'monthly' }, actor: provider }),
    );
    expect(error.code).toBe('VALIDATION_FAILED');
    const paths = (error.details.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['fields', 'updateFrequncy']));
  });

  it('given nothing, when an unknown process is started, then UNKNOWN_PROCESS and nothing stored', async () => {
    const error = await refused(w, undefined, () => w.engine.start({ process: 'datasetRelaese', input, actor: provider }));
    expect(error.code).toBe('UNKNOWN_PROCESS');
  });
});

describe('datasetRelease: every command of PROCESSES.md §1', () => {
  const arrows: Arrow[] = [
    { from: 'drafting', path: drafting, when: 'UPDATE_DRAFT', who: 'the provider', by: provider, then: 'DraftUpdated', to: 'drafting' },
    { from: 'drafting', path: drafting, when: 'RECORD_SECURITY_REVIEW', who: 'the provider', by: provider, then: 'SecurityReviewRecorded', to: 'drafting' },
    { from: 'drafting', path: drafting, when: 'SET_DESENSITIZATION_RULES', who: 'the provider', by: provider, then: 'DesensitizationRulesSet', to: 'drafting' },
    {
      from: 'drafting',
      path: ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES'],
      when: 'SUBMIT',
      who: 'the provider',
      by: provider,
      then: 'Submitted',
      to: 'underReview',
    },
    // v5: a draft given up leaves the provider's inbox for good
    { from: 'drafting', path: drafting, when: 'DISCARD_DRAFT', who: 'the provider', by: provider, then: 'DraftDiscarded', to: 'discarded' },
    { from: 'underReview', path: underReview, when: 'APPROVE', who: 'the competent authority', by: authority, then: 'Approved', to: 'published' },
    { from: 'underReview', path: underReview, when: 'RETURN', who: 'the competent authority', by: authority, then: 'Returned', to: 'drafting' },
    { from: 'published', path: published, when: 'WITHDRAW', who: 'the provider', by: provider, then: 'Withdrawn', to: 'withdrawn' },
    { from: 'published', path: published, when: 'WITHDRAW', who: 'the competent authority', by: authority, then: 'Withdrawn', to: 'withdrawn' },
  ];

  it('the arrows below are every arrow of the chart', () => {
    const charted = new Set(transitions(datasetRelease).map(arrowKey));
    expect(sorted([...new Set(arrows.map((a) => arrowKey({ ...a, command: a.when })))])).toEqual(sorted([...charted]));
  });

  it.each(arrows)('given a release in $from, when $who sends $when, then $then and $to', async (arrow) => {
    await followArrow(w, PROCESS, arrow);
  });

  it('given a release in drafting, when it is submitted, then the competent authority’s review task opens and the drafting task closes', async () => {
    const c = await given(w, PROCESS, ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES']);
    const { event } = await when(w, c.caseId, 'SUBMIT');
    expect(meta(event).tasksClosed.map((t) => t.stage)).toEqual(['drafting']);
    expect(meta(event).tasksOpened).toMatchObject([{ stage: 'underReview', role: 'authority', org: orgs.cityAuthority, basis: 'policy' }]);
  });

  it('given a release returned once, when a field is added, then it is reviewed again before it is resubmitted and approved: its history of twelve events', async () => {
    const c = await given(w, PROCESS, [
      'UPDATE_DRAFT',
      ['RECORD_SECURITY_REVIEW', { data: { passed: false, notes: '字段说明不全，暂不通过。' } }],
      'RECORD_SECURITY_REVIEW',
      'SET_DESENSITIZATION_RULES',
      'SUBMIT',
      'RETURN',
      ['UPDATE_DRAFT', { data: { fields: [...input.fields, { name: 'region', description: '区县' }] } }],
    ]);
    // 第九条(一), 第二十二条: the review and the rules were made on the entry without the new field
    await expect(when(w, c.caseId, 'SUBMIT')).rejects.toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'reviewCoversDraft', article: '第九条(一)、第二十二条' } });
    for (const command of ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES', 'SUBMIT', 'APPROVE'] as const) await when(w, c.caseId, command);
    const history = await w.engine.history(c.caseId);
    expect(history.map((e) => e.type)).toEqual([
      'DraftStarted',
      'DraftUpdated',
      'SecurityReviewRecorded',
      'SecurityReviewRecorded',
      'DesensitizationRulesSet',
      'Submitted',
      'Returned',
      'DraftUpdated',
      'SecurityReviewRecorded',
      'DesensitizationRulesSet',
      'Submitted',
      'Approved',
    ]);
    expect(history.map((e) => meta(e).stateAfter)).toEqual([
      'drafting',
      'drafting',
      'drafting',
      'drafting',
      'drafting',
      'underReview',
      'drafting',
      'drafting',
      'drafting',
      'drafting',
      'underReview',
      'published',
    ]);
  });

  it('given a published release, when it is withdrawn, then it is final with no open task', async () => {
    const c = await given(w, PROCESS, published);
    const result = await when(w, c.caseId, 'WITHDRAW');
    expect(result).toMatchObject({ state: 'withdrawn', final: true });
    expect(meta(result.event)).toMatchObject({ final: true, tasksOpened: [], timers: [] });
    expect((await w.engine.getCase(c.caseId)).tasks).toEqual([]);
  });
});

// 第九条(一), 第二十二条 (v2, reviewCoversDraft): a security review and desensitization rules are of the
// data opened and how — its fields, coverage, attribute, conditions, basis and service modes. A change
// to any one of them after the review leaves the submission without one; a new title, description or
// update frequency does not.
describe('datasetRelease: which changes of the draft need a new review before SUBMIT (第九条(一)、第二十二条)', () => {
  it.each([
    ['coverage', { coverage: { region: '370100', period: { from: '2021-01-01', to: '2024-12-31' } } }],
    ['openAttribute', { openAttribute: 'unconditional' }],
    ['conditions', { conditions: '仅向签署安全承诺书的科研机构开放。' }],
    ['basis', { basis: '《中华人民共和国道路交通安全法》' }],
    ['serviceModes', { serviceModes: ['download'] }],
    ['fields', { fields: [...input.fields, { name: 'region', description: '区县' }] }],
  ])('given a reviewed draft with its rules set, when its %s changes, then SUBMIT is refused: RULE_VIOLATED reviewCoversDraft', async (_key, update) => {
    const c = await given(w, PROCESS, ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES', ['UPDATE_DRAFT', { data: update }]]);
    const error = await refused(w, c, () => when(w, c.caseId, 'SUBMIT'));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'reviewCoversDraft', article: '第九条(一)、第二十二条' } });
  });

  it.each([
    ['title', { title: '济南市机动车登记信息月度统计' }],
    ['description', { description: '按月统计。' }],
    ['updateFrequency', { updateFrequency: 'quarterly' }],
  ])('given a reviewed draft with its rules set, when its %s changes, then SUBMIT is taken: underReview', async (_key, update) => {
    const c = await given(w, PROCESS, ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES', ['UPDATE_DRAFT', { data: update }]]);
    expect(await when(w, c.caseId, 'SUBMIT')).toMatchObject({ state: 'underReview' });
  });
});

describe('datasetRelease: refusals store nothing', () => {
  const wrongState: WrongState[] = [
    {
      state: 'drafting',
      path: drafting,
      who: 'the provider',
      by: provider,
      command: 'APPROVE',
      allowed: ['UPDATE_DRAFT', 'RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES', 'DISCARD_DRAFT'],
    },
    { state: 'drafting', path: drafting, who: 'the competent authority', by: authority, command: 'APPROVE', allowed: [] },
    { state: 'underReview', path: underReview, who: 'the provider', by: provider, command: 'SUBMIT', allowed: [] },
    { state: 'underReview', path: underReview, who: 'the competent authority', by: authority, command: 'WITHDRAW', allowed: ['APPROVE', 'RETURN'] },
    { state: 'published', path: published, who: 'the provider', by: provider, command: 'UPDATE_DRAFT', allowed: ['WITHDRAW'] },
    { state: 'published', path: published, who: 'the competent authority', by: authority, command: 'APPROVE', allowed: ['WITHDRAW'] },
    { state: 'withdrawn', path: path.withdrawn!, who: 'the provider', by: provider, command: 'WITHDRAW', allowed: [] },
  ];

  it.each(wrongState)('given a release in $state, when $who sends $command, then INVALID_TRANSITION allowing $allowed', async (row) => {
    await expectWrongState(w, PROCESS, row);
  });

  it('given a release in drafting, when an unknown command is sent, then INVALID_TRANSITION', async () => {
    const c = await given(w, PROCESS);
    const error = await refused(w, c, () => when(w, c.caseId, 'PUBLISH_NOW', { data: {}, actor: provider }));
    expect(error.code).toBe('INVALID_TRANSITION');
  });

  it.each([
    ['drafting', 'an applicant', 'UPDATE_DRAFT', drafting, actors.company],
    ['underReview', 'the provider', 'APPROVE', underReview, provider],
    ['published', 'an applicant', 'WITHDRAW', published, actors.company],
    ['underReview', 'a supervisor', 'RETURN', underReview, others.supervisor],
  ] as const)('given a release in %s, when %s sends %s, then FORBIDDEN (wrong role)', async (_state, _who, command, steps, actor) => {
    const c = await given(w, PROCESS, steps);
    const error = await refused(w, c, () => when(w, c.caseId, command, { actor }));
    expect(error.code).toBe('FORBIDDEN');
  });

  it.each([
    ['another provider of the same city', actors.otherProvider, drafting, 'RECORD_SECURITY_REVIEW'],
    ['another city’s provider', others.qingdaoProvider, published, 'WITHDRAW'],
    ['another city’s authority', others.qingdaoAuthority, underReview, 'APPROVE'],
    ['the provincial authority (本级 only, 第九条(二))', actors.provinceAuthority, underReview, 'APPROVE'],
    ['a county authority inside the city', others.countyAuthority, underReview, 'RETURN'],
  ] as const)('given a release of 济南市公安局, when %s sends it, then FORBIDDEN (wrong organisation)', async (_who, actor, steps, command) => {
    const c = await given(w, PROCESS, steps);
    const error = await refused(w, c, () => when(w, c.caseId, command, { actor }));
    expect(error.code).toBe('FORBIDDEN');
  });

  it.each([
    ['UPDATE_DRAFT with no field', drafting, 'UPDATE_DRAFT', {}, ''],
    ['UPDATE_DRAFT changing the provider', drafting, 'UPDATE_DRAFT', { providerOrg: orgs.otherProvider }, 'providerOrg'],
    ['RECORD_SECURITY_REVIEW without passed', drafting, 'RECORD_SECURITY_REVIEW', { notes: '已审查' }, 'passed'],
    ['SET_DESENSITIZATION_RULES with an unknown method', drafting, 'SET_DESENSITIZATION_RULES', { rules: [{ field: 'count', method: 'encrypt' }] }, 'rules.0.method'],
    ['RETURN without reasons', underReview, 'RETURN', { reasons: [] }, 'reasons'],
    ['WITHDRAW without a reason', published, 'WITHDRAW', {}, 'reason'],
  ] as const)('given a release, when %s, then VALIDATION_FAILED naming the field', async (_what, steps, command, bad, field) => {
    const c = await given(w, PROCESS, steps);
    const error = await refused(w, c, () => when(w, c.caseId, command, { data: bad }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect((error.details.errors as { path: string }[]).map((e) => e.path)).toContain(field);
  });

  it('given a release in drafting with no security review, when it is submitted, then RULE_VIOLATED securityReviewPassed (第九条(一)、第二十二条)', async () => {
    const c = await given(w, PROCESS, ['SET_DESENSITIZATION_RULES']);
    const error = await refused(w, c, () => when(w, c.caseId, 'SUBMIT'));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'securityReviewPassed', article: '第九条(一)、第二十二条' } });
  });

  it('given a release whose security review failed, when it is submitted, then RULE_VIOLATED securityReviewPassed', async () => {
    const c = await given(w, PROCESS, [['RECORD_SECURITY_REVIEW', { data: { passed: false } }], 'SET_DESENSITIZATION_RULES']);
    const error = await refused(w, c, () => when(w, c.caseId, 'SUBMIT'));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'securityReviewPassed' } });
  });

  it('given a release with a passed review but no desensitization rules, when it is submitted, then RULE_VIOLATED desensitizationRulesSet (第九条(一))', async () => {
    const c = await given(w, PROCESS, ['RECORD_SECURITY_REVIEW']);
    const error = await refused(w, c, () => when(w, c.caseId, 'SUBMIT'));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'desensitizationRulesSet', article: '第九条(一)' } });
    // The entry holds no personal information: the refusal says what is missing, not the other half of the rule.
    expect(error.text.zh).toBe('提交开放数据前须确定脱敏规则：尚未设置（无需脱敏的，也须说明理由）（第九条(一)）');
  });

  it('given a release whose rules say none are needed, when its entry is changed to hold personal information and it is submitted, then desensitizationRulesSet says that half', async () => {
    const c = await given(w, PROCESS, ['RECORD_SECURITY_REVIEW', ['SET_DESENSITIZATION_RULES', { data: { noneNeeded: true, reason: '不含敏感字段。' } }], ['UPDATE_DRAFT', { data: { containsPersonalInfo: true } }]]);
    const error = await refused(w, c, () => when(w, c.caseId, 'SUBMIT'));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'desensitizationRulesSet' } });
    expect(error.text.zh.startsWith('含个人信息的数据须有脱敏规则：本目录含个人信息，不能按"无需脱敏"提交（第九条(一)）；')).toBe(true);
  });

  it('given a release changed to closed (with its basis), when it is submitted, then RULE_VIOLATED notClosed (第二条、第七条)', async () => {
    const c = await given(w, PROCESS, [
      ['UPDATE_DRAFT', { data: { openAttribute: 'closed', basis: '涉及个人隐私，依法不予开放。' } }],
      'RECORD_SECURITY_REVIEW',
      'SET_DESENSITIZATION_RULES',
    ]);
    const error = await refused(w, c, () => when(w, c.caseId, 'SUBMIT'));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'notClosed', article: '第二条、第七条' } });
  });

  // 第九条(一): 进行安全审查，确定脱敏规则，提交开放数据 — the case offers SUBMIT once it could be accepted, so
  // a front end that follows allowedCommands walks the provider through the order (soak QA: SUBMIT was offered
  // on a closed entry, refused every time, and a client trusting the offer sent it again and again).
  it('given a draft, then SUBMIT is offered only once the review passed and the rules are set on the entry as it is, and never while it is closed', async () => {
    const offered = async (caseId: string) => w.engine.allowedCommands(await w.engine.getCase(caseId), provider);
    const c = await given(w, PROCESS);
    expect(await offered(c.caseId)).toEqual(['UPDATE_DRAFT', 'RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES', 'DISCARD_DRAFT']);
    await when(w, c.caseId, 'RECORD_SECURITY_REVIEW');
    expect(await offered(c.caseId)).not.toContain('SUBMIT');
    await when(w, c.caseId, 'SET_DESENSITIZATION_RULES');
    expect(await offered(c.caseId)).toContain('SUBMIT');
    // A field added: the review and the rules were made on the entry without it (reviewCoversDraft).
    await when(w, c.caseId, 'UPDATE_DRAFT', { data: { fields: [...input.fields, { name: 'region', description: '区县' }] } });
    expect(await offered(c.caseId)).not.toContain('SUBMIT');
    await when(w, c.caseId, 'UPDATE_DRAFT', { data: { openAttribute: 'closed', basis: '涉及个人隐私，依法不予开放。' } });
    await when(w, c.caseId, 'RECORD_SECURITY_REVIEW');
    await when(w, c.caseId, 'SET_DESENSITIZATION_RULES');
    expect(await offered(c.caseId)).toEqual(['UPDATE_DRAFT', 'RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES', 'DISCARD_DRAFT']);
    // Still refused for what it is, when sent all the same.
    expect((await refused(w, c, () => when(w, c.caseId, 'SUBMIT'))).details).toMatchObject({ rule: 'notClosed' });
  });

  it('given a release containing personal information, when no desensitization is declared needed, then RULE_VIOLATED personalInfoDesensitized (第九条(一))', async () => {
    const c = await given(w, PROCESS, [], { input: { ...input, containsPersonalInfo: true } });
    const error = await refused(w, c, () => when(w, c.caseId, 'SET_DESENSITIZATION_RULES', { data: data.SET_DESENSITIZATION_RULES }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'personalInfoDesensitized', article: '第九条(一)' } });
  });

  it('given an unconditional release, when an update makes it conditional without conditions, then RULE_VIOLATED conditionsStated (第七条)', async () => {
    const c = await given(w, PROCESS, [], { input: { ...input, openAttribute: 'unconditional', conditions: undefined } });
    const error = await refused(w, c, () => when(w, c.caseId, 'UPDATE_DRAFT', { data: { openAttribute: 'conditional' } }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'conditionsStated', article: '第七条' } });
  });

  it('given a release at revision 2, when a command names revision 1, then REVISION_CONFLICT with the current revision', async () => {
    const c = await given(w, PROCESS, ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES']);
    const error = await refused(w, c, () => when(w, c.caseId, 'SUBMIT', { expectedRevision: 1 }));
    expect(error).toMatchObject({ code: 'REVISION_CONFLICT', details: { currentRevision: 2 } });
  });

  it('given no such case, when a command is sent, then NOT_FOUND', async () => {
    const error = await refused(w, undefined, () => w.engine.execute({ caseId: '00000000-0000-4000-8000-000000000000', type: 'SUBMIT', actor: provider }));
    expect(error.code).toBe('NOT_FOUND');
  });

  it('given a release, when the same submission is sent with the right revision, then it is accepted once', async () => {
    const c = await given(w, PROCESS, ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES']);
    const result = await accepted(w, c, () => when(w, c.caseId, 'SUBMIT', { expectedRevision: 2 }));
    expect(result.revision).toBe(3);
  });
});

// Provider's QA: a draft started by mistake, or a closed entry (never submitted), stayed in the provider's inbox for good.
describe('datasetRelease v5: the provider gives a draft up (DISCARD_DRAFT)', () => {
  it('given a release returned once, when its provider discards it, then DraftDiscarded: discarded, final, its drafting task closed as done, and the case says why and who', async () => {
    const c = await given(w, PROCESS, ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES', 'SUBMIT', 'RETURN']);
    const { event, state } = await when(w, c.caseId, 'DISCARD_DRAFT');
    expect([event.type, state]).toEqual(['DraftDiscarded', 'discarded']);
    expect(meta(event)).toMatchObject({ stateBefore: 'drafting', stateAfter: 'discarded', final: true, tasksClosed: [{ stage: 'drafting' }] });
    expect(meta(event).tasksClosed[0]).not.toHaveProperty('cancelled');
    const now = await w.engine.getCase(c.caseId);
    expect(now.tasks).toEqual([]);
    expect(now.snapshot.context).toMatchObject({ discarded: { reason: data.DISCARD_DRAFT.reason, by: orgs.provider } });
    expect(w.engine.allowedCommands(now, provider)).toEqual([]);
  });

  it('given a draft, when its competent authority discards it, then FORBIDDEN: the provider sends it', async () => {
    const c = await given(w, PROCESS);
    const error = await refused(w, c, () => when(w, c.caseId, 'DISCARD_DRAFT', { actor: authority }));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.text.zh).toContain('该指令由');
  });

  it('given a published release, when its provider discards it, then INVALID_TRANSITION: a published release is withdrawn', async () => {
    const c = await given(w, PROCESS, published);
    const error = await refused(w, c, () => when(w, c.caseId, 'DISCARD_DRAFT'));
    expect(error).toMatchObject({ code: 'INVALID_TRANSITION', details: { state: 'published', allowed: ['WITHDRAW'] } });
  });

  it('given a draft started on version 4, when its provider discards it, then INVALID_TRANSITION: version 4 has no DISCARD_DRAFT, version 5 on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'release-v4-'));
    const path = join(dir, 'events.db');
    const v4 = await createWorld({ path, registry: new ProcessRegistry([datasetReleaseV4]) });
    let caseId: string;
    try {
      caseId = (await given(v4, PROCESS)).caseId;
    } finally {
      await v4.close();
    }
    const now = await createWorld({ path });
    try {
      const c = await now.engine.getCase(caseId);
      expect(c.version).toBe(4);
      const error = await refused(now, c, () => when(now, caseId, 'DISCARD_DRAFT'));
      expect(error.code).toBe('INVALID_TRANSITION');
      expect(error.text.zh).toContain('该版本没有“DISCARD_DRAFT”指令（第 5 版起的案件才有）');
    } finally {
      await now.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
