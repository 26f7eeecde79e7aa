/**
 * conditionalApplication v9, from an article-by-article audit against 鲁数发〔2022〕15号's appendices
 * (a helper's findings, first written as failing specifications against v8):
 * - 附录5 协议二(二): 本协议可续签，由（公共数据利用主体）在本协议有效期到期前向（公共数据开放主体）发起申请. A
 *   suspension (附录4 承诺书六 暂停) does not end the agreement, yet v8 refused REQUEST_RENEWAL in it: a
 *   suspension lasting past the end of use took the right to renew away.
 * - 附录4 承诺书五: 一旦发现有关数据已经泄露或可能泄露，立即通知公共数据开放主管部门 (承诺书四: 第一时间上报).
 *   v8 told the provider alone (第五条).
 * Given a history, when a command, then events or an error. v8's cases keep v8's rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, orgs } from '../machines/examples.js';
import { pathTo } from '../machines/harness.js';
import { conditionalApplicationV8 } from '../../machines/conditionalApplication.js';
import { EngineError } from '../../engine/errors.js';
import { ProcessRegistry } from '../../machines/registry.js';
import { createWorld, given, meta, when, type World } from './world.js';

const PROCESS = 'conditionalApplication';
const at = (state: string) => pathTo.conditionalApplication[state]!;
const { provider, cityAuthority: authority, company: applicant } = actors;
const INCIDENT = { description: '发现接口调用凭证泄露，部分数据可能已被非授权第三方获取' };

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(() => w.close());

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (err: unknown) => (err instanceof EngineError ? { code: err.code, rule: (err.details as { rule?: string } | undefined)?.rule } : { thrown: String(err) }),
  );

describe('附录5 协议二(二) 可续签，在有效期到期前发起申请: a renewal asked for while the service is suspended', () => {
  it('given a suspended agreement whose use has not ended, when the applicant asks for a renewal, then it is recorded and the case stays suspended; when the service resumes, then the provider reviews it', async () => {
    const c = await given(w, PROCESS, at('suspended'));
    // v9's rule, in every later version (v10 ends a renewal's review by the end of use: conditionalApplicationV10.test.ts)
    expect(c.version).toBeGreaterThanOrEqual(9);
    const result = await when(w, c.caseId, 'REQUEST_RENEWAL', { actor: applicant });
    expect(result.event.type).toBe('RenewalRequested');
    expect(result.state).toBe('suspended');
    const after = await w.engine.getCase(c.caseId);
    expect((after.snapshot.context as { renewals: { decision?: unknown }[] }).renewals.at(-1)).not.toHaveProperty('decision');
    // Nothing for the provider to do while suspended: its review opens on the resumption.
    expect(after.tasks.map((t) => t.stage)).not.toContain('renewalReview');
    const resumed = await when(w, c.caseId, 'RESUME', { actor: provider });
    expect(resumed.state).toBe('renewalReview');
    expect(meta(resumed.event).tasksOpened).toContainEqual(expect.objectContaining({ stage: 'renewalReview', role: 'provider' }));
  });

  it('given a renewal already asked for in the suspension, when the applicant asks again, then 422 renewalNotPending (附录5 协议二(二)), and nothing is stored', async () => {
    const c = await given(w, PROCESS, at('suspended'));
    await when(w, c.caseId, 'REQUEST_RENEWAL', { actor: applicant });
    const before = await w.engine.getCase(c.caseId);
    expect(await refusal(when(w, c.caseId, 'REQUEST_RENEWAL', { actor: applicant }))).toEqual({ code: 'RULE_VIOLATED', rule: 'renewalNotPending' });
    expect((await w.engine.getCase(c.caseId)).revision).toBe(before.revision);
  });

  it('given a renewal under review when the service was suspended, when the applicant asks again in the suspension, then 422 renewalNotPending: one request at a time', async () => {
    const c = await given(w, PROCESS, [...at('renewalReview'), 'SUSPEND']);
    expect(c.state).toBe('suspended');
    expect(await refusal(when(w, c.caseId, 'REQUEST_RENEWAL', { actor: applicant }))).toEqual({ code: 'RULE_VIOLATED', rule: 'renewalNotPending' });
  });

  it('given a case started on v8 and suspended, when the applicant asks for a renewal, then it is refused as v8 refused it (INVALID_TRANSITION): a version keeps its rules', async () => {
    const v8 = await createWorld({ registry: new ProcessRegistry([conditionalApplicationV8]) });
    try {
      const c = await given(v8, PROCESS, at('suspended'));
      expect(c.version).toBe(8);
      expect(await refusal(when(v8, c.caseId, 'REQUEST_RENEWAL', { actor: applicant }))).toMatchObject({ code: 'INVALID_TRANSITION' });
      const { event } = await when(v8, c.caseId, 'REPORT_SECURITY_INCIDENT', { actor: applicant, data: INCIDENT });
      expect(meta(event).tasksOpened.map((t) => t.role)).toEqual(['provider']);
    } finally {
      await v8.close();
    }
  });
});

describe('附录4 承诺书五 立即通知公共数据开放主管部门: a security problem reported reaches the competent authority too', () => {
  it('given access granted, when the applicant reports a data security problem, then a 知悉 item opens for the provider and one for the 本级 competent authority, neither with a deadline', async () => {
    const c = await given(w, PROCESS, at('active'));
    const { event } = await when(w, c.caseId, 'REPORT_SECURITY_INCIDENT', { actor: applicant, data: INCIDENT });
    const opened = meta(event).tasksOpened.map((t) => [t.stage, t.role, t.org, t.dueAt]);
    expect(opened).toEqual([
      ['securityIncidentNotice', 'provider', provider.org, undefined],
      ['securityIncidentAuthorityNotice', 'authority', orgs.cityAuthority, undefined],
    ]);
  });

  it('given a report, when the competent authority takes note, then its item closes, the provider’s stays, and a second acknowledgement with nothing new is 422 securityIncidentToNote', async () => {
    const c = await given(w, PROCESS, [...at('active'), ['REPORT_SECURITY_INCIDENT', { actor: applicant, data: INCIDENT }]]);
    const noted = await when(w, c.caseId, 'ACKNOWLEDGE_INCIDENT_NOTICE', { actor: authority });
    expect(noted.event.type).toBe('IncidentNoticeAcknowledged');
    expect(meta(noted.event).tasksClosed.map((t) => t.stage)).toEqual(['securityIncidentAuthorityNotice']);
    const after = await w.engine.getCase(c.caseId);
    expect(after.tasks.map((t) => t.stage)).toContain('securityIncidentNotice');
    expect((after.snapshot.context as { securityIncidentsNotedByAuthority?: { count: number; by: string } }).securityIncidentsNotedByAuthority).toMatchObject({ count: 1, by: orgs.cityAuthority });
    expect(await refusal(when(w, c.caseId, 'ACKNOWLEDGE_INCIDENT_NOTICE', { actor: authority }))).toEqual({ code: 'RULE_VIOLATED', rule: 'securityIncidentToNote' });
    // The provider takes note with its own command, as in v8.
    const providerNoted = await when(w, c.caseId, 'ACKNOWLEDGE_SECURITY_INCIDENT', { actor: provider });
    expect(meta(providerNoted.event).tasksClosed.map((t) => t.stage)).toEqual(['securityIncidentNotice']);
  });

  it('given a report, when the provider sends the authority’s acknowledgement, then 403: only the competent authority takes note of its own item', async () => {
    const c = await given(w, PROCESS, [...at('active'), ['REPORT_SECURITY_INCIDENT', { actor: applicant, data: INCIDENT }]]);
    expect(await refusal(when(w, c.caseId, 'ACKNOWLEDGE_INCIDENT_NOTICE', { actor: provider }))).toMatchObject({ code: 'FORBIDDEN' });
  });
});
