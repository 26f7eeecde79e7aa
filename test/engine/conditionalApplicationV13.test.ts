/**
 * conditionalApplication v13, from the provider's QA: 附录4 承诺书六 gives 公共数据开放主管部门和公共数据开放
 * 主体 the right to 暂停或停止数据开放服务. The provider serves the data; up to v12 the competent authority's
 * SUSPEND, RESUME or TERMINATE reached no inbox, and a provider learnt of them only by opening the case
 * — the service went on meanwhile. v13 opens an urgent 知悉 item for the provider when the authority
 * sends one (not when the provider does: it knows what it did). Given a history, when a command, then
 * events or an error. v12's cases keep v12's rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, commandData } from '../machines/examples.js';
import { pathTo } from '../machines/harness.js';
import { conditionalApplicationV12, type ConditionalApplicationContext } from '../../machines/conditionalApplication.js';
import { EngineError } from '../../engine/errors.js';
import { toBpmn, toMermaid } from '../../machines/describe.js';
import { registry } from '../../machines/registry.js';
import { createWorld, given, givenOnOlderVersion, meta, refused, when, type World } from './world.js';

const PROCESS = 'conditionalApplication';
const at = (state: string) => pathTo.conditionalApplication[state]!;
const { provider, cityAuthority: authority, company: applicant } = actors;
const stages = async (w: World, caseId: string) => (await w.engine.getCase(caseId)).tasks.map((t) => t.stage);
const contextOf = async (w: World, caseId: string) => (await w.engine.getCase(caseId)).snapshot.context as ConditionalApplicationContext;

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(() => w.close());

describe('附录4 承诺书六 主管部门暂停或停止数据开放服务: the provider, who serves the data, is told', () => {
  it('given access granted, when the competent authority suspends the service, then an urgent 知悉 item with no deadline opens for the provider, who takes note of it', async () => {
    const c = await given(w, PROCESS, at('active'));
    expect(c.version).toBeGreaterThanOrEqual(13);
    const { event } = await when(w, c.caseId, 'SUSPEND', { actor: authority });
    expect(meta(event).tasksOpened.map((t) => [t.stage, t.role, t.org, t.label, t.dueAt])).toEqual([
      ['suspensionNotice', 'provider', provider.org, '知悉：主管部门暂停数据开放服务', undefined],
    ]);
    expect(registry.latest(PROCESS)!.commands.SUSPEND!.opens).toMatchObject([{ stage: 'suspensionNotice', urgent: true }]);
    expect(await contextOf(w, c.caseId)).toMatchObject({ serviceNotice: { command: 'SUSPEND', at: event.metadata.at, by: authority.org } });
    expect(w.engine.allowedCommands(await w.engine.getCase(c.caseId), provider)).toContain('ACKNOWLEDGE_SERVICE_NOTICE');

    const noted = await when(w, c.caseId, 'ACKNOWLEDGE_SERVICE_NOTICE', { actor: provider, data: { command: 'SUSPEND' } });
    expect(noted.state).toBe('suspended');
    expect(meta(noted.event).tasksClosed).toEqual([{ stage: 'suspensionNotice', completedAt: noted.event.metadata.at }]);
    expect((await contextOf(w, c.caseId)).serviceNotice).toMatchObject({ acknowledged: { at: noted.event.metadata.at, by: provider.org } });
    // Nothing left to note: refused, and not offered meanwhile.
    const again = await refused(w, c, () => when(w, c.caseId, 'ACKNOWLEDGE_SERVICE_NOTICE', { actor: provider, data: { command: 'SUSPEND' } }));
    expect(again).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'serviceNoticeToAcknowledge', article: '附录4 承诺书六' } });
    expect(again.text.zh).toContain('没有尚未知悉的主管部门暂停、恢复或停止数据开放服务的决定');
    expect(w.engine.allowedCommands(await w.engine.getCase(c.caseId), provider)).not.toContain('ACKNOWLEDGE_SERVICE_NOTICE');
  });

  it('given access granted, when the provider suspends the service itself, then no item opens, and there is nothing to acknowledge', async () => {
    const c = await given(w, PROCESS, at('active'));
    const { event } = await when(w, c.caseId, 'SUSPEND', { actor: provider });
    expect(meta(event).tasksOpened).toEqual([]);
    expect((await contextOf(w, c.caseId)).serviceNotice).toBeUndefined();
    const error = await refused(w, c, () => when(w, c.caseId, 'ACKNOWLEDGE_SERVICE_NOTICE', { actor: provider, data: { command: 'SUSPEND' } }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'serviceNoticeToAcknowledge' } });
  });

  it('given the authority’s suspension not yet noted, when the authority resumes the service, then the suspension’s item closes (cancelled: only the last decision is acted on) and the resumption’s opens', async () => {
    const c = await given(w, PROCESS, [...at('active'), ['SUSPEND', { actor: authority }]]);
    const { event, state } = await when(w, c.caseId, 'RESUME', { actor: authority });
    expect(state).toBe('active');
    expect(meta(event).tasksClosed).toEqual([{ stage: 'suspensionNotice', completedAt: event.metadata.at, cancelled: true }]);
    expect(meta(event).tasksOpened.map((t) => [t.stage, t.role, t.label])).toEqual([['resumptionNotice', 'provider', '知悉：主管部门恢复数据开放服务']]);
    expect(await stages(w, c.caseId)).toContain('resumptionNotice');
    expect((await contextOf(w, c.caseId)).serviceNotice).toEqual({ command: 'RESUME', at: event.metadata.at, by: authority.org });
  });

  it('given the authority’s resumption not yet noted, when the provider suspends the service itself, then the resumption’s item closes and no other opens', async () => {
    const c = await given(w, PROCESS, [...at('active'), ['SUSPEND', { actor: authority }], ['RESUME', { actor: authority }]]);
    const { event } = await when(w, c.caseId, 'SUSPEND', { actor: provider });
    expect(meta(event).tasksClosed).toEqual([{ stage: 'resumptionNotice', completedAt: event.metadata.at, cancelled: true }]);
    expect(meta(event).tasksOpened).toEqual([]);
    expect((await contextOf(w, c.caseId)).serviceNotice).toBeUndefined();
    expect(w.engine.allowedCommands(await w.engine.getCase(c.caseId), provider)).not.toContain('ACKNOWLEDGE_SERVICE_NOTICE');
  });

  it('given access granted, when the authority stops the service, then the provider’s item opens beside the applicant’s destruction, and closes with the case', async () => {
    const c = await given(w, PROCESS, at('active'));
    const { event, state } = await when(w, c.caseId, 'TERMINATE', { actor: authority });
    expect(state).toBe('destructionPending');
    expect(meta(event).tasksOpened.map((t) => [t.stage, t.role, t.label])).toEqual([
      ['destructionPending', 'applicant', '协议终止后销毁数据并确认'],
      ['terminationNotice', 'provider', '知悉：主管部门停止数据开放服务'],
    ]);
    const done = await when(w, c.caseId, 'CONFIRM_DESTRUCTION', { actor: applicant, data: commandData.conditionalApplication.CONFIRM_DESTRUCTION });
    expect(done.state).toBe('closed');
    expect(meta(done.event).tasksClosed).toContainEqual({ stage: 'terminationNotice', completedAt: done.event.metadata.at, cancelled: true });
  });

  it('given the authority’s suspension read by the provider, then its resumption, when the provider acknowledges the suspension it saw, then RULE_VIOLATED naming the resumption: a decision never shown is not taken for seen (QA)', async () => {
    const c = await given(w, PROCESS, [...at('active'), ['SUSPEND', { actor: authority }], ['RESUME', { actor: authority }]]);
    const error = await refused(w, c, () => when(w, c.caseId, 'ACKNOWLEDGE_SERVICE_NOTICE', { actor: provider, data: { command: 'SUSPEND' } }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'serviceNoticeCurrent', article: '附录4 承诺书六' } });
    expect(error.text.zh).toContain('待知悉的是主管部门“恢复数据开放服务”的决定（RESUME），不是“暂停数据开放服务”（SUSPEND）：请刷新案件后确认');
    expect(error.text.en).toContain("The competent authority's decision left to acknowledge is to resume the service (RESUME), not to suspend the service (SUSPEND)");
    expect(JSON.stringify(error.details)).toContain('command');
    // The one it names now is noted.
    const noted = await when(w, c.caseId, 'ACKNOWLEDGE_SERVICE_NOTICE', { actor: provider, data: { command: 'RESUME' } });
    expect(meta(noted.event).tasksClosed).toEqual([{ stage: 'resumptionNotice', completedAt: noted.event.metadata.at }]);
  });

  it('given the authority’s suspension not yet noted, when the use period ends, then its item closes (cancelled: the service ended with the use) and nothing is left to note', async () => {
    const c = await given(w, PROCESS, [...at('active'), ['SUSPEND', { actor: authority }]]);
    const { event, state } = await when(w, c.caseId, 'USAGE_EXPIRED');
    expect(state).toBe('destructionPending');
    expect(meta(event).tasksClosed).toContainEqual({ stage: 'suspensionNotice', completedAt: event.metadata.at, cancelled: true });
    expect((await contextOf(w, c.caseId)).serviceNotice).toBeUndefined();
    expect(w.engine.allowedCommands(await w.engine.getCase(c.caseId), provider)).not.toContain('ACKNOWLEDGE_SERVICE_NOTICE');
  });

  it('given the authority’s resumption already noted, when the use period ends, then the record of it stays', async () => {
    const c = await given(w, PROCESS, [...at('active'), ['SUSPEND', { actor: authority }], ['RESUME', { actor: authority }], ['ACKNOWLEDGE_SERVICE_NOTICE', { actor: provider, data: { command: 'RESUME' } }]]);
    await when(w, c.caseId, 'USAGE_EXPIRED');
    expect((await contextOf(w, c.caseId)).serviceNotice).toMatchObject({ command: 'RESUME', acknowledged: { by: provider.org } });
  });

  it('given the authority’s suspension, when the authority or the applicant acknowledges it in the provider’s place, then FORBIDDEN', async () => {
    const c = await given(w, PROCESS, [...at('active'), ['SUSPEND', { actor: authority }]]);
    for (const actor of [authority, applicant]) {
      expect(await refused(w, c, () => when(w, c.caseId, 'ACKNOWLEDGE_SERVICE_NOTICE', { actor, data: { command: 'SUSPEND' } }))).toMatchObject({ code: 'FORBIDDEN' });
    }
  });

  it('draws the item on the state each command leads to, saying it opens only when the authority sends it', () => {
    const def = registry.latest(PROCESS)!;
    const suspended = toMermaid(def).split('\n').find((line) => line.startsWith('  note right of suspended:'));
    expect(suspended).toContain('SUSPEND（公共数据开放主管部门发出时）开启：知悉：主管部门暂停数据开放服务（公共数据开放主体）');
    expect(toBpmn(def)).toContain('暂停数据开放服务（公共数据开放主管部门发出时）开启：知悉：主管部门暂停数据开放服务；办理：公共数据开放主体');
  });

  it('given a case started on v12, when the authority suspends it, then no item opens, and an acknowledgement is refused as v12 refused it: a version keeps its rules', async () => {
    await givenOnOlderVersion(conditionalApplicationV12, at('active'), async (upgraded, c) => {
      expect(c.version).toBe(12);
      const { event } = await when(upgraded, c.caseId, 'SUSPEND', { actor: authority });
      expect(meta(event).tasksOpened).toEqual([]);
      expect((await upgraded.engine.getCase(c.caseId)).snapshot.context).not.toHaveProperty('serviceNotice');
      const error = await when(upgraded, c.caseId, 'ACKNOWLEDGE_SERVICE_NOTICE', { actor: provider, data: { command: 'SUSPEND' } }).catch((err: unknown) => err as EngineError);
      expect(error).toMatchObject({ code: 'INVALID_TRANSITION' });
      expect((error as EngineError).text.zh).toMatch(/第 12 版办理，该版本没有“ACKNOWLEDGE_SERVICE_NOTICE”指令（第 13 版起的案件才有）/);
    });
  });
});
