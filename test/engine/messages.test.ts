/**
 * Refusals in the reviewer's words: a wrong-state refusal names the state and the command by their
 * Chinese names (code beside them), and a stale or impossible expectedRevision says which it is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, personApplicant, personIdNumber, startInputs } from '../machines/examples.js';
import { pathTo } from '../machines/harness.js';
import { createWorld, given, refused, when, type World } from './world.js';
import { articleInEnglish } from '../../machines/articles.js';
import { registry } from '../../machines/registry.js';
import { Directory } from '../../directory/directory.js';
import { refuse } from '../../engine/errors.js';
import { shanghaiDateTimeOf } from '../../calendars/index.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(() => w.close());

describe('INVALID_TRANSITION', () => {
  it('given a release in drafting, when the authority approves it, then the message names 编制中 and 审查通过并发布, and the provider’s drafting the case waits on', async () => {
    const c = await given(w, 'datasetRelease');
    const error = await refused(w, c, () => when(w, c.caseId, 'APPROVE', { actor: actors.cityAuthority }));
    expect(error.code).toBe('INVALID_TRANSITION');
    expect(error.text.zh).toBe('案件当前处于“编制中”（drafting）状态，不接受“审查通过并发布”（APPROVE）指令；案件正在等待：编制目录、安全审查、确定脱敏规则并提交开放数据（济南市公安局）');
    expect(error.text.en).toBe('the case is in state drafting, which does not accept APPROVE; the case is waiting on: drafting (370100-gaj)');
  });

  it('given a release another reviewer approved a moment ago, when a reviewer returns it without naming a revision, then the refusal says what moved the case into its state and when (race QA)', async () => {
    const c = await given(w, 'datasetRelease', pathTo.datasetRelease.underReview!);
    await when(w, c.caseId, 'APPROVE', { actor: actors.cityAuthority });
    const error = await refused(w, c, () => when(w, c.caseId, 'RETURN', { actor: actors.cityAuthority, data: { reasons: ['数据项说明不完整'] } }));
    expect(error.code).toBe('INVALID_TRANSITION');
    const at = shanghaiDateTimeOf(w.clock.now().toISOString()).slice(0, 16);
    expect(error.text.zh).toBe(`案件当前处于“已发布”（published）状态（北京时间 ${at} 经“审查通过并发布”（APPROVE）进入），不接受“审查未通过，退回修改”（RETURN）指令；您现在可发送：“撤回已开放数据”（WITHDRAW）`);
    expect(error.text.en).toBe(`the case is in state published (entered by APPROVE, ${at} Beijing time), which does not accept RETURN; you may send now: WITHDRAW`);
  });

  it('given an application in use, when the applicant withdraws it, then the refusal says by name what the applicant may send now (applicants\' QA: only codes, in `allowed`)', async () => {
    const c = await given(w, 'conditionalApplication', pathTo.conditionalApplication.active!);
    const error = await refused(w, c, () => when(w, c.caseId, 'WITHDRAW', { actor: actors.company }));
    expect(error.code).toBe('INVALID_TRANSITION');
    const allowed = (error.details as { allowed: string[] }).allowed;
    expect(allowed).toContain('REPORT_USAGE');
    expect(error.text.zh).toMatch(/，不接受“撤回申请”（WITHDRAW）指令；您现在可发送：“[^”]+”（[A-Z_]+）(、“[^”]+”（[A-Z_]+）)*$/);
    expect(error.text.zh).toContain('（REPORT_USAGE）');
    expect(error.text.en).toMatch(new RegExp(`; you may send now: ${allowed.join(', ')}$`));
  });

  it('given an application in use, results fed back and taken note of since, when the provider approves it, then the refusal names the access granted that made it active, not the last 知悉 (QA)', async () => {
    const c = await given(w, 'conditionalApplication', [
      ...pathTo.conditionalApplication.active!,
      ['REPORT_RESULTS', { actor: actors.company, data: { results: '平台已上线。' } }],
      ['ACKNOWLEDGE_RESULTS', { actor: actors.provider }],
    ]);
    const error = await refused(w, c, () => when(w, c.caseId, 'APPROVE', { actor: actors.provider }));
    expect(error.text.zh).toMatch(/^案件当前处于“使用中”（active）状态（北京时间 [-\d: ]+ 经“开通使用权限”（GRANT_ACCESS）进入），不接受“审核通过”（APPROVE）指令/);
  });

  it('given an application in use whose open tasks are all 知悉 items (results fed back), when an authority of another city sends a command, then the refusal says the case waits on no one’s work, not on the notices (QA)', async () => {
    const c = await given(w, 'conditionalApplication', [...pathTo.conditionalApplication.active!, ['REPORT_RESULTS', { actor: actors.company, data: { results: '平台已上线。' } }]]);
    expect(c.tasks.every((t) => t.dueAt === undefined)).toBe(true);
    // The provincial bureau may send nothing on a city's case: the refusal says what it waits on, if anything.
    const error = await refused(w, c, () => when(w, c.caseId, 'RESUME', { actor: actors.provinceAuthority }));
    expect(error).toMatchObject({ code: 'INVALID_TRANSITION', details: { allowed: [] } });
    expect(error.text.zh).not.toContain('案件正在等待');
  });

  it('given a person’s application awaiting destruction, when the authority resumes it, then the tasks it waits on name the applicant, never the ID number', async () => {
    const input = { ...startInputs.conditionalApplication, applicant: personApplicant };
    // A person's token may name its ID number as its organisation (its tasks are then held by that code).
    const person = { ...actors.person, org: personIdNumber };
    const c = await given(w, 'conditionalApplication', pathTo.conditionalApplication.destructionPending!, { input, actor: person });
    expect(c.tasks.filter((t) => t.role === 'applicant').map((t) => t.org)).toContain(personIdNumber);
    const error = await refused(w, c, () => when(w, c.caseId, 'RESUME', { actor: actors.cityAuthority }));
    expect(error.code).toBe('INVALID_TRANSITION');
    expect(error.text.zh).toContain('；案件正在等待：');
    expect(error.text.zh).toContain('协议终止后销毁数据并确认（李明）');
    expect(error.text.en).toContain('destructionPending (the applicant)');
    expect(JSON.stringify(error.text)).not.toContain(personIdNumber);
  });

  it('when a command the process does not have is sent (made up, or misspelt in lower case), then it says the process has no such command, and what the sender may send now', async () => {
    const c = await given(w, 'datasetRelease');
    const error = await refused(w, c, () => when(w, c.caseId, 'FLY_TO_THE_MOON'));
    expect(error.code).toBe('INVALID_TRANSITION');
    expect(error.text.zh).toMatch(/^“公共数据开放”（datasetRelease）流程没有“FLY_TO_THE_MOON”指令（指令名区分大小写）；案件当前处于“编制中”（drafting）状态，您现在可发送：.*SET_DESENSITIZATION_RULES/);
    const lower = await refused(w, c, () => when(w, c.caseId, 'submit'));
    expect(lower.text.en).toMatch(/^process datasetRelease has no command submit \(command names are case-sensitive\); the case is in state drafting, where you may send: .*SET_DESENSITIZATION_RULES/);
    expect(lower.details).toMatchObject({ state: 'drafting', allowed: expect.arrayContaining(['SET_DESENSITIZATION_RULES']) });
  });
});

describe('FORBIDDEN', () => {
  it('given a release under review, when its provider approves it, then the message names 审查通过并发布', async () => {
    const c = await given(w, 'datasetRelease', pathTo.datasetRelease.underReview!);
    const error = await refused(w, c, () => when(w, c.caseId, 'APPROVE', { actor: actors.provider }));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.text.zh).toBe('您的角色（公共数据开放主体）不能对本案件发送“审查通过并发布”（APPROVE）指令：该指令由济南市大数据局（370100-dsj）发送');
    expect(error.text.en).toBe('your role (provider) may not send APPROVE on this case: it is sent by 济南市大数据局 (370100-dsj)');
  });

  // Provider's QA: a wrong role was told only that its role or organisation may not; a wrong organisation, who may.
  it('given an application in use, when its provider sends the applicant’s usage report, then the message says the applicant sends it', async () => {
    const c = await given(w, 'conditionalApplication', pathTo.conditionalApplication.active!);
    const error = await refused(w, c, () => when(w, c.caseId, 'REPORT_USAGE', { actor: actors.provider }));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.text.zh).toBe('您的角色（公共数据开放主体）不能对本案件发送“报告数据利用情况”（REPORT_USAGE）指令：该指令由公共数据利用主体（申请人）发送');
    expect(error.text.en).toBe('your role (provider) may not send REPORT_USAGE on this case: it is sent by the applicant');
  });

  it('given a Jinan application in normative review, when the provincial authority passes it, then the message says only 济南市大数据局 may (本级, 第十四条(二)), naming it in English too', async () => {
    const c = await given(w, 'conditionalApplication');
    const error = await refused(w, c, () => when(w, c.caseId, 'PASS_NORMATIVE_REVIEW', { actor: actors.provinceAuthority }));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.text.zh).toBe('您所属机构山东省大数据局（370000-dsj）无权对本案件发送“通过材料规范性审查”（PASS_NORMATIVE_REVIEW）指令：只有济南市大数据局（370100-dsj）可以发送');
    expect(error.text.en).toBe('your organisation (370000-dsj) may not send PASS_NORMATIVE_REVIEW on this case: only 济南市大数据局 (370100-dsj) may');
  });

  // PROCESSES.md: a published release is withdrawn, and an active use suspended or resumed, by its provider
  // or its competent authority. The provincial bureau refused one was told "only 济南市大数据局", and the
  // provider it had left out then did it (QA, reviewer's flows).
  it('given a published Jinan release and an active Jinan use, when the provincial authority withdraws or suspends it, then the message names every organisation that may: the city’s bureau, then the provider', async () => {
    const gaj = Directory.load().nameOf('370100-gaj');
    const release = await given(w, 'datasetRelease', pathTo.datasetRelease.published!);
    const withdraw = await refused(w, release, () => when(w, release.caseId, 'WITHDRAW', { actor: actors.provinceAuthority, data: { reason: '口径调整' } }));
    expect(withdraw.code).toBe('FORBIDDEN');
    expect(withdraw.text.zh).toBe(`您所属机构山东省大数据局（370000-dsj）无权对本案件发送“撤回已开放数据”（WITHDRAW）指令：只有济南市大数据局（370100-dsj）、${gaj}（370100-gaj）可以发送`);
    expect(withdraw.text.en).toBe(`your organisation (370000-dsj) may not send WITHDRAW on this case: only 济南市大数据局 (370100-dsj), ${gaj} (370100-gaj) may`);
    const use = await given(w, 'conditionalApplication', pathTo.conditionalApplication.active!);
    const suspend = await refused(w, use, () => when(w, use.caseId, 'SUSPEND', { actor: actors.provinceAuthority, data: { reason: '核查数据安全' } }));
    expect(suspend.text.zh).toBe(`您所属机构山东省大数据局（370000-dsj）无权对本案件发送“暂停数据开放服务”（SUSPEND）指令：只有济南市大数据局（370100-dsj）、${gaj}（370100-gaj）可以发送`);
    // The one it names may: the provider withdraws the release.
    await when(w, release.caseId, 'WITHDRAW', { actor: actors.provider, data: { reason: '口径调整' } });
  });

  it('when an applicant starts a dataset release, then the message names the process by its title', async () => {
    const error = await refused(w, undefined, () => w.engine.start({ process: 'datasetRelease', input: startInputs.datasetRelease, actor: actors.company }));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.text.zh).toMatch(/^您的角色或所属机构无权发起“.+”（datasetRelease）案件$/);
  });

  it('when a provider starts a release whose form names another provider, then the message says which organisation the form lets start it', async () => {
    const input = { ...startInputs.datasetRelease, providerOrg: '370100-scjgj' };
    const error = await refused(w, undefined, () => w.engine.start({ process: 'datasetRelease', input, actor: actors.provider }));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.text.zh).toBe(`您所属机构${Directory.load().nameOf(actors.provider.org)}（${actors.provider.org}）无权发起此“公共数据开放”（datasetRelease）案件：按所填表单，只有${Directory.load().nameOf('370100-scjgj')}（370100-scjgj）可以发起`);
    expect(error.text.en).toBe(`your organisation (${actors.provider.org}) may not start this case of datasetRelease: as the form is filled in, only ${Directory.load().nameOf('370100-scjgj')} (370100-scjgj) may`);
  });

  // Nobody the form names could start it, and the plain refusal ("您的角色或所属机构无权发起") sent a provider
  // who had typed its own code as 370100-GAJ looking for a permission it had: the form is what is wrong.
  it('when the form names an authority, an unknown code or a company as the provider, then 422 providerInDirectory says what the code is not (第四条), not that the sender may not start it', async () => {
    for (const [providerOrg, says] of [
      ['370100-dsj', '（370100-dsj）不是公共数据开放主体，不能作为本案件的开放主体'],
      ['370000-dsj', '（370000-dsj）不是公共数据开放主体，不能作为本案件的开放主体'],
      ['370100-nosuch', '机构目录中没有编码为 370100-nosuch 的公共数据开放主体'],
      ['91370100MA3C8K2D0E', '机构目录中没有编码为 91370100MA3C8K2D0E 的公共数据开放主体'],
      ['370100-GAJ', '机构目录中没有编码为 370100-GAJ 的公共数据开放主体：机构代码区分大小写，应为 370100-gaj'],
    ]) {
      const input = { ...startInputs.datasetRelease, providerOrg };
      const error = await refused(w, undefined, () => w.engine.start({ process: 'datasetRelease', input, actor: actors.provider }));
      expect([error.code, error.details.rule, error.details.article], providerOrg).toEqual(['RULE_VIOLATED', 'providerInDirectory', '第四条']);
      expect(error.text.zh, providerOrg).toContain(says);
    }
  });
});

describe('REVISION_CONFLICT', () => {
  it('given a case at revision 0, when a command expects revision 5, then it says the case has no revision 5 yet, with the state and commands to reload to (as a stale revision gets them)', async () => {
    const c = await given(w, 'datasetRelease');
    const error = await refused(w, c, () => when(w, c.caseId, 'SUBMIT', { expectedRevision: 5 }));
    expect(error.code).toBe('REVISION_CONFLICT');
    expect(error.text.zh).toBe('案件还没有版本 5（当前版本 0），请刷新后按当前版本重试');
    expect(error.details).toEqual({ currentRevision: 0, state: 'drafting', allowed: ['UPDATE_DRAFT', 'RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES', 'DISCARD_DRAFT'] });
  });

  it('given a case moved on to revision 2, when a command it still accepts expects revision 1, then it says what was done last (not who: it may be the sender) and to check and send again', async () => {
    const c = await given(w, 'datasetRelease', ['SET_DESENSITIZATION_RULES', ['RECORD_SECURITY_REVIEW', { at: '2025-03-03T06:05:00.000Z' }]]);
    const error = await refused(w, c, () => when(w, c.caseId, 'SUBMIT', { expectedRevision: 1 }));
    expect(error.text.zh).toBe('案件已有更新（您基于版本 1，当前版本 2；最近一次为“记录安全审查结果”（RECORD_SECURITY_REVIEW），北京时间 2025-03-03 14:05），本指令未执行：请刷新查看最新内容，确认后按当前版本 2 重新提交');
    expect(error.text.en).toBe('the case has changed (expected revision 1, current 2; last: RECORD_SECURITY_REVIEW at 2025-03-03 14:05, Beijing time); nothing was done: reload, check the case as it is now, and send again with revision 2');
  });

  it('given a case moved on to revision 1, when a command the state takes but the case as it is now refuses expects revision 0, then it says why it would be refused (not that there is nothing to retry)', async () => {
    const c = await given(w, 'datasetRelease', [['RECORD_SECURITY_REVIEW', { at: '2025-03-03T06:05:00.000Z' }]]);
    const error = await refused(w, c, () => when(w, c.caseId, 'SUBMIT', { expectedRevision: 0 }));
    expect(error.code).toBe('REVISION_CONFLICT');
    expect(error.text.zh).toBe(
      '案件已有更新（您基于版本 0，当前版本 1；最近一次为“记录安全审查结果”（RECORD_SECURITY_REVIEW），北京时间 2025-03-03 14:05），本指令未执行；按案件现在的情况，该指令会被拒绝：提交开放数据前须确定脱敏规则：尚未设置（无需脱敏的，也须说明理由）（第九条(一)）',
    );
    expect(error.text.en).toMatch(/^the case has changed \(expected revision 0, current 1; .*\); nothing was done, and as the case is now the command would be refused: Desensitization rules must be set before submission: none are set yet .*\(Article 9\(1\)\)$/);
    expect(error.details).toEqual({ currentRevision: 1, state: 'drafting', allowed: ['UPDATE_DRAFT', 'RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES', 'DISCARD_DRAFT'] });
  });

  // Changes QA: a clerk on a closed draft was told to set its rules, not that a closed entry is never submitted.
  it('given a draft made closed, when a stale SUBMIT comes, then it names every rule that would refuse it, as a 422 would', async () => {
    const c = await given(w, 'datasetRelease', [['UPDATE_DRAFT', { data: { openAttribute: 'closed', basis: '涉及个人隐私，依法不予开放。' } }], 'RECORD_SECURITY_REVIEW']);
    const error = await refused(w, c, () => when(w, c.caseId, 'SUBMIT', { expectedRevision: 1 }));
    expect(error.text.zh).toMatch(/，本指令未执行；按案件现在的情况，该指令会被拒绝：提交开放数据前须确定脱敏规则：尚未设置（无需脱敏的，也须说明理由）（第九条\(一\)）；开放属性为不予开放的数据不能提交开放（第二条、第七条）$/);
  });

  it('given an application another reviewer passed, when a second reviewer’s stale copy passes it, then it says the case moved on, there is nothing to retry, and whose turn it is', async () => {
    const c = await given(w, 'conditionalApplication', [['PASS_NORMATIVE_REVIEW', { at: '2025-03-04T01:00:00.000Z' }]]);
    const second = { ...actors.cityAuthority, sub: 'u-jndsj-second' };
    const error = await refused(w, c, () => when(w, c.caseId, 'PASS_NORMATIVE_REVIEW', { actor: second, expectedRevision: 0 }));
    expect(error.code).toBe('REVISION_CONFLICT');
    expect(error.text.zh).toBe(
      '案件已有更新（您基于版本 0，当前版本 1；最近一次为“通过材料规范性审查”（PASS_NORMATIVE_REVIEW），北京时间 2025-03-04 09:00），现处于“开放主体审核”（providerReview）状态，此状态下您不能发送“通过材料规范性审查”（PASS_NORMATIVE_REVIEW）指令：本指令未执行，无需重试；案件正在等待：审核有条件开放数据获取申请（济南市公安局）',
    );
    expect(error.text.en).toBe(
      'the case has changed (expected revision 0, current 1; last: PASS_NORMATIVE_REVIEW at 2025-03-04 09:00, Beijing time) and is now in state providerReview, where you cannot send PASS_NORMATIVE_REVIEW: nothing was done, and there is nothing to retry; the case is waiting on: providerReview (370100-gaj)',
    );
    expect(error.details).toEqual({ currentRevision: 1, state: 'providerReview', allowed: [] });
  });
});

describe('RULE_VIOLATED', () => {
  it('given a release in drafting, when rules name fields the entry does not have, then the message names them and the fields it has', async () => {
    const c = await given(w, 'datasetRelease');
    const fields = startInputs.datasetRelease.fields.map((f) => f.name);
    // (A field named by two rules is refused before, as VALIDATION_FAILED: one rule a field.)
    const rules = [{ field: 'noSuchField', method: 'remove' }, { field: fields[0], method: 'mask' }, { field: 'otherField', method: 'mask' }];
    const error = await refused(w, c, () => when(w, c.caseId, 'SET_DESENSITIZATION_RULES', { data: { rules } }));
    expect(error.details).toMatchObject({ rule: 'desensitizedFieldsInDraft' });
    expect(error.text.zh).toContain(`noSuchField、otherField 不在目录中（目录字段：${fields.join('、')}）`);
    expect(error.text.en).toContain(`noSuchField, otherField is not one (the entry's fields: ${fields.join(', ')})`);
  });

  // The engine's catch-all (a machine's guard refused a command no rule named) governs no article: it
  // cited the process's first, which was not the reason, and an empty one read "（）" or "(undefined)".
  it('given a refusal no article governs (the machine’s guard), then it is told with no article cited, in Chinese and English; a rule beside it keeps its own', () => {
    const guard = { zh: '案件当前情况下不能办理“审查通过”：请刷新查看案件当前状态和可办理的操作', en: 'APPROVE is not possible in the case’s present condition' };
    const alone = refuse.rule('guard', '', guard);
    expect([alone.code, alone.text]).toEqual(['RULE_VIOLATED', guard]);
    const beside = refuse.rule('guard', '', guard, [{ rule: 'other', article: '第十四条(二)', message: { zh: '另一条', en: 'another' } }]);
    expect(beside.text).toEqual({ zh: `${guard.zh}；另一条（第十四条(二)）`, en: `${guard.en}; another (Article 14(2))` });
  });
});

describe('articles cited in English', () => {
  it('given the citations the rules give, then each reads as English with no empty item or stray comma', () => {
    expect(articleInEnglish('附录3、附录5 协议二(二)')).toBe('Appendix 3, Appendix 5, Agreement §2(2)');
    expect(articleInEnglish('第十四条(二)')).toBe('Article 14(2)');
    expect(articleInEnglish('第八条第二款')).toBe('Article 8, para. 2');
    expect(articleInEnglish('附录5 协议二(三)3')).toBe('Appendix 5, Agreement §2(3)3');
    expect(articleInEnglish('附录7')).toBe('Appendix 7');
    expect(articleInEnglish('第十三条(二)、第十四条(一)')).toBe('Article 13(2), Article 14(1)');
    // Every rule of every process: nothing Chinese left, no ", ," and no trailing comma.
    const articles = new Set(registry.list().flatMap((def) => [def.start, ...Object.values(def.commands)].flatMap((spec) => (spec.rules ?? []).map((r) => r.article))));
    expect(articles.size).toBeGreaterThan(10);
    for (const article of articles) expect(articleInEnglish(article), article).not.toMatch(/[\u4e00-\u9fff、]|,\s*,|,\s*$/);
  });
});
