/**
 * conditionalApplication v14, from the provider's QA: 第十六条 has the applicant 定期告知公共数据开放主体公共
 * 数据开发利用情况. Up to v13 REPORT_USAGE went into the history alone: the provider's inbox never showed
 * a report, as results fed back showed in none up to v12. v14 opens a 知悉 item for the provider, one
 * at a time. Given a history, when a command, then events or an error. v13's cases keep v13's rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, commandData } from '../machines/examples.js';
import { pathTo } from '../machines/harness.js';
import { conditionalApplicationV13, type ConditionalApplicationContext } from '../../machines/conditionalApplication.js';
import { EngineError } from '../../engine/errors.js';
import { createWorld, given, givenOnOlderVersion, meta, refused, when, type World } from './world.js';

const PROCESS = 'conditionalApplication';
const at = (state: string) => pathTo.conditionalApplication[state]!;
const { provider, cityAuthority: authority, company: applicant } = actors;
const contextOf = async (w: World, caseId: string) => (await w.engine.getCase(caseId)).snapshot.context as ConditionalApplicationContext;

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(() => w.close());

describe('第十六条 定期告知公共数据开放主体公共数据开发利用情况: a report of use reaches the provider', () => {
  it('given access granted, when the applicant reports its use, then a 知悉 item with no deadline opens for the provider, who takes note of it once', async () => {
    const c = await given(w, PROCESS, at('active'));
    expect(c.version).toBe(14);
    const { event } = await when(w, c.caseId, 'REPORT_USAGE', { actor: applicant });
    expect(meta(event).tasksOpened.map((t) => [t.stage, t.role, t.org, t.label, t.dueAt])).toEqual([
      ['usageNotice', 'provider', provider.org, '知悉：利用主体告知数据开发利用情况', undefined],
    ]);
    expect(w.engine.allowedCommands(await w.engine.getCase(c.caseId), provider)).toContain('ACKNOWLEDGE_USAGE');

    const noted = await when(w, c.caseId, 'ACKNOWLEDGE_USAGE', { actor: provider });
    expect(noted.state).toBe('active');
    expect(meta(noted.event).tasksClosed).toEqual([{ stage: 'usageNotice', completedAt: noted.event.metadata.at }]);
    expect((await contextOf(w, c.caseId)).usageAcknowledged).toEqual({ count: 1, at: noted.event.metadata.at, by: provider.org });
    const again = await refused(w, c, () => when(w, c.caseId, 'ACKNOWLEDGE_USAGE', { actor: provider }));
    expect(again).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'usageToAcknowledge', article: '第十六条' } });
    expect(again.text.zh).toContain('没有尚未知悉的数据开发利用情况报告');
    expect(w.engine.allowedCommands(await w.engine.getCase(c.caseId), provider)).not.toContain('ACKNOWLEDGE_USAGE');
  });

  it('given a report not yet noted, when the applicant reports again, then no second item opens, and one acknowledgement notes both', async () => {
    const c = await given(w, PROCESS, [...at('active'), ['REPORT_USAGE', { actor: applicant }]]);
    const { event } = await when(w, c.caseId, 'REPORT_USAGE', { actor: applicant });
    expect(meta(event).tasksOpened).toEqual([]);
    expect((await w.engine.getCase(c.caseId)).tasks.filter((t) => t.stage === 'usageNotice')).toHaveLength(1);
    await when(w, c.caseId, 'ACKNOWLEDGE_USAGE', { actor: provider });
    expect((await contextOf(w, c.caseId)).usageAcknowledged).toMatchObject({ count: 2 });
    // A report after it opens a new item.
    expect(meta((await when(w, c.caseId, 'REPORT_USAGE', { actor: applicant })).event).tasksOpened.map((t) => t.stage)).toEqual(['usageNotice']);
  });

  it('given a report not yet noted when use ends, then it can still be noted while the data is held, and the case’s end closes it otherwise', async () => {
    const c = await given(w, PROCESS, [...at('active'), ['REPORT_USAGE', { actor: applicant }], 'TERMINATE']);
    expect(c.state).toBe('destructionPending');
    expect(w.engine.allowedCommands(c, provider)).toContain('ACKNOWLEDGE_USAGE');
    const done = await when(w, c.caseId, 'CONFIRM_DESTRUCTION', { actor: applicant, data: commandData.conditionalApplication.CONFIRM_DESTRUCTION });
    expect(meta(done.event).tasksClosed).toContainEqual({ stage: 'usageNotice', completedAt: done.event.metadata.at, cancelled: true });
  });

  it('given a report not yet noted, when the authority or the applicant acknowledges it in the provider’s place, then FORBIDDEN', async () => {
    const c = await given(w, PROCESS, [...at('active'), ['REPORT_USAGE', { actor: applicant }]]);
    for (const actor of [authority, applicant]) {
      expect(await refused(w, c, () => when(w, c.caseId, 'ACKNOWLEDGE_USAGE', { actor }))).toMatchObject({ code: 'FORBIDDEN' });
    }
  });

  it('given a case started on v13, when the applicant reports its use, then no item opens, and an acknowledgement is refused as v13 refused it: a version keeps its rules', async () => {
    await givenOnOlderVersion(conditionalApplicationV13, at('active'), async (upgraded, c) => {
      expect(c.version).toBe(13);
      const { event } = await when(upgraded, c.caseId, 'REPORT_USAGE', { actor: applicant });
      expect(meta(event).tasksOpened).toEqual([]);
      const error = await when(upgraded, c.caseId, 'ACKNOWLEDGE_USAGE', { actor: provider }).catch((err: unknown) => err as EngineError);
      expect(error).toMatchObject({ code: 'INVALID_TRANSITION' });
      expect((error as EngineError).text.zh).toMatch(/第 13 版办理，该版本没有“ACKNOWLEDGE_USAGE”指令（第 14 版起的案件才有）/);
    });
  });
});
