/**
 * conditionalApplication v12, from a reading of 鲁数发〔2022〕15号 article by article (legal QA):
 * 附录5 协议二(三)3 has the applicant 依托一体化大数据平台向（公共数据开放主体）和（公共数据开放主管部门）反馈数据
 * 应用成果情况. Up to v11 REPORT_RESULTS closed the applicant's own task and went into the history
 * alone: neither the provider's inbox nor the authority's showed the results, as a security problem's
 * report showed in none up to v8. Given a history, when a command, then events or an error. v11's
 * cases keep v11's rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, orgs, startInputs } from '../machines/examples.js';
import { pathTo } from '../machines/harness.js';
import { conditionalApplicationV11 } from '../../machines/conditionalApplication.js';
import { EngineError } from '../../engine/errors.js';
import { createWorld, given, givenOnOlderVersion, meta, refused, when, type World } from './world.js';

const PROCESS = 'conditionalApplication';
const at = (state: string) => pathTo.conditionalApplication[state]!;
const { provider, cityAuthority: authority, company: applicant } = actors;
const RESULTS = { results: '出行分析平台已上线，服务用户 4,800 人。' };

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(() => w.close());

describe('附录5 协议二(三)3 向开放主体和主管部门反馈数据应用成果: results fed back reach both', () => {
  it('given access granted, when the applicant reports its results, then a 知悉 item opens for the provider and one for the 本级 competent authority, neither with a deadline', async () => {
    const c = await given(w, PROCESS, at('active'));
    expect(c.version).toBeGreaterThanOrEqual(12);
    const { event } = await when(w, c.caseId, 'REPORT_RESULTS', { actor: applicant, data: RESULTS });
    expect(meta(event).tasksOpened.map((t) => [t.stage, t.role, t.org, t.label, t.dueAt])).toEqual([
      ['resultsNotice', 'provider', provider.org, '知悉：利用主体反馈数据应用成果', undefined],
      ['resultsAuthorityNotice', 'authority', orgs.cityAuthority, '知悉：利用主体反馈数据应用成果', undefined],
    ]);
    // Each is offered its own acknowledgement, and only while there is something to take note of.
    expect(w.engine.allowedCommands(await w.engine.getCase(c.caseId), provider)).toContain('ACKNOWLEDGE_RESULTS');
    expect(w.engine.allowedCommands(await w.engine.getCase(c.caseId), authority)).toContain('ACKNOWLEDGE_RESULTS_NOTICE');
  });

  it('given results reported, when the provider and then the authority take note, then each closes its own item, and a second acknowledgement with nothing new is 422', async () => {
    const c = await given(w, PROCESS, [...at('active'), ['REPORT_RESULTS', { actor: applicant, data: RESULTS }]]);
    const acknowledged = await when(w, c.caseId, 'ACKNOWLEDGE_RESULTS', { actor: provider });
    expect(acknowledged.event.type).toBe('ResultsAcknowledged');
    expect(meta(acknowledged.event).tasksClosed.map((t) => t.stage)).toEqual(['resultsNotice']);
    expect((await w.engine.getCase(c.caseId)).tasks.map((t) => t.stage)).toContain('resultsAuthorityNotice');
    expect(await refused(w, c, () => when(w, c.caseId, 'ACKNOWLEDGE_RESULTS', { actor: provider }))).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'resultsToAcknowledge' } });
    expect(w.engine.allowedCommands(await w.engine.getCase(c.caseId), provider)).not.toContain('ACKNOWLEDGE_RESULTS');

    const noted = await when(w, c.caseId, 'ACKNOWLEDGE_RESULTS_NOTICE', { actor: authority });
    expect(noted.event.type).toBe('ResultsNoticeAcknowledged');
    expect(meta(noted.event).tasksClosed.map((t) => t.stage)).toEqual(['resultsAuthorityNotice']);
    const after = await w.engine.getCase(c.caseId);
    expect(after.tasks.map((t) => t.stage)).toEqual(['accessGrantedNotice']);
    expect(after.snapshot.context).toMatchObject({ resultsAcknowledged: { count: 1, by: provider.org }, resultsNotedByAuthority: { count: 1, by: orgs.cityAuthority } });
    expect(await refused(w, c, () => when(w, c.caseId, 'ACKNOWLEDGE_RESULTS_NOTICE', { actor: authority }))).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'resultsToNote' } });
  });

  it('given results reported, when each party sends the other’s acknowledgement, then 403: each takes note of its own item', async () => {
    const c = await given(w, PROCESS, [...at('active'), ['REPORT_RESULTS', { actor: applicant, data: RESULTS }]]);
    expect(await refused(w, c, () => when(w, c.caseId, 'ACKNOWLEDGE_RESULTS', { actor: authority }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await refused(w, c, () => when(w, c.caseId, 'ACKNOWLEDGE_RESULTS_NOTICE', { actor: provider }))).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('given results reported after use ended, when the applicant confirms the destruction, then the case closes and both items with it', async () => {
    const c = await given(w, PROCESS, [...at('destructionPending'), ['REPORT_RESULTS', { actor: applicant, data: RESULTS }]]);
    expect(c.tasks.map((t) => t.stage)).toEqual(['destructionPending', 'resultsNotice', 'resultsAuthorityNotice']);
    const { event, state } = await when(w, c.caseId, 'CONFIRM_DESTRUCTION', { actor: applicant });
    expect(state).toBe('closed');
    expect(meta(event).tasksClosed.map((t) => t.stage)).toEqual(expect.arrayContaining(['resultsNotice', 'resultsAuthorityNotice']));
    expect((await w.engine.getCase(c.caseId)).tasks).toEqual([]);
  });

  it('given a case started on v11, when the applicant reports its results, then no item opens, and an acknowledgement is refused as v11 refused it: a version keeps its rules', async () => {
    await givenOnOlderVersion(conditionalApplicationV11, at('active'), async (upgraded, c) => {
      expect(c.version).toBe(11);
      const { event } = await when(upgraded, c.caseId, 'REPORT_RESULTS', { actor: applicant, data: RESULTS });
      expect(meta(event).tasksOpened).toEqual([]);
      // Told it is the case's version that lacks it, not that the process has no such command (a misspelling).
      const error = await when(upgraded, c.caseId, 'ACKNOWLEDGE_RESULTS', { actor: provider }).catch((err: unknown) => err as EngineError);
      expect(error).toMatchObject({ code: 'INVALID_TRANSITION' });
      expect((error as EngineError).text.zh).toMatch(/^本案件按“有条件开放数据获取申请”（conditionalApplication）流程第 11 版办理，该版本没有“ACKNOWLEDGE_RESULTS”指令（第 12 版起的案件才有）；/);
      expect((error as EngineError).text.en).toMatch(/^this case follows version 11 of process conditionalApplication, which has no command ACKNOWLEDGE_RESULTS \(cases on version 12 and later have it\)/);
    });
  });
});

// Mutation QA (pass 3): both authority notices (results v12, a security problem v9) could go to 市级以上 instead
// of the provider's 本级 competent authority with every test passing: every test's provider was a city's, where
// the two coincide. For a county's provider (第十四条(三) 本级; 附录4 承诺书五; 附录5 协议二(三)3), the county's bureau.
describe('a county provider’s application: the notices go to the county’s competent authority (本级)', () => {
  const countyProvider = { sub: 'u-lxscjgj-qianlei', name: '钱磊', role: 'provider', org: '370102-scjgj' } as const;
  const countyAuthority = { sub: 'u-lxdsj-zhao', name: '赵敏', role: 'authority', org: '370102-dsj' } as const;

  it('given access granted on an application to 历下区市场监督管理局, when the applicant reports its results and a security problem, then each authority item is the county bureau’s alone', async () => {
    const input = { ...startInputs.conditionalApplication, resource: { ...startInputs.conditionalApplication.resource, providerOrg: countyProvider.org } };
    const c = await given(w, PROCESS, [
      ['PASS_NORMATIVE_REVIEW', { actor: countyAuthority }],
      ['APPROVE', { actor: countyProvider }],
      ['SIGN_AGREEMENT', { actor: countyProvider }],
      ['GRANT_ACCESS', { actor: countyProvider }],
    ], { input });
    expect(c.state).toBe('active');
    const results = await when(w, c.caseId, 'REPORT_RESULTS', { actor: applicant, data: RESULTS });
    const incident = await when(w, c.caseId, 'REPORT_SECURITY_INCIDENT', { actor: applicant, data: { description: '发现接口调用凭证泄露，部分数据可能已被非授权第三方获取' } });
    const authorityItems = [...meta(results.event).tasksOpened, ...meta(incident.event).tasksOpened].filter((t) => t.role === 'authority');
    expect(authorityItems.map((t) => [t.stage, t.org, t.orgs])).toEqual([
      ['resultsAuthorityNotice', countyAuthority.org, [countyAuthority.org]],
      ['securityIncidentAuthorityNotice', countyAuthority.org, [countyAuthority.org]],
    ]);
  });
});
