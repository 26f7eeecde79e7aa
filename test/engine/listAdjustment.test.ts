/**
 * 开放清单调整 through the engine (PROCESSES.md §4; 第八条第二款): given a history, when a command,
 * then these events — or this error, and nothing stored. 市级以上: the provider's city authority
 * or the provincial authority reviews.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transitions } from '../../machines/describe.js';
import { listAdjustment, listAdjustmentV1 } from '../../machines/listAdjustment.js';
import { ProcessRegistry } from '../../machines/registry.js';
import { actors, orgs, startInputs } from '../machines/examples.js';
import { pathTo } from '../machines/harness.js';
import {
  arrowKey,
  createWorld,
  expectWrongState,
  followArrow,
  given,
  historyOf,
  meta,
  others,
  refused,
  sorted,
  when,
  type Arrow,
  type WrongState,
  type World,
} from './world.js';

const PROCESS = 'listAdjustment';
const path = pathTo.listAdjustment;
const input = startInputs.listAdjustment;
const { provider, cityAuthority, provinceAuthority } = actors;
const at = (state: string) => path[state]!;
/** 济南市历下区市场监督管理局: a county provider, reviewed by Jinan's authority (市级以上). */
const countyProvider = { sub: 'u-lxscjgj-qianlei', name: '钱磊', role: 'provider', org: '370102-scjgj' } as const;

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(() => w.close());

describe('listAdjustment: asking to change the open list', () => {
  it('given nothing, when a provider asks to adjust its own list, then AdjustmentRequested: review by its city’s authority or the province (policy 10 wd)', async () => {
    const result = await w.engine.start({ process: PROCESS, input, actor: provider });
    expect(result).toMatchObject({ state: 'review', revision: 0 });
    expect(result.event.type).toBe('AdjustmentRequested');
    const [task] = meta(result.event).tasksOpened;
    expect(task).toMatchObject({ stage: 'review', role: 'authority', org: orgs.cityAuthority, orgs: [orgs.cityAuthority, orgs.provinceAuthority], basis: 'policy' });
    expect(task).not.toHaveProperty('article');
  });

  it('given nothing, when a county provider asks, then its city’s authority reviews (市级以上, not the county’s)', async () => {
    const result = await w.engine.start({ process: PROCESS, input: { ...input, providerOrg: countyProvider.org }, actor: countyProvider });
    expect(meta(result.event).tasksOpened).toMatchObject([{ org: orgs.cityAuthority, orgs: [orgs.cityAuthority, orgs.provinceAuthority] }]);
  });

  // The start's sender must be the provider the input names, so the engine answers FORBIDDEN (wrong
  // organisation, API.md) before the machine's own rule providerAdjustsOwnList (第八条第二款) is asked.
  it('given nothing, when a provider asks to adjust another provider’s list, then FORBIDDEN (第八条第二款: its own list) and no case', async () => {
    const error = await refused(w, undefined, () => w.engine.start({ process: PROCESS, input: { ...input, providerOrg: orgs.otherProvider }, actor: provider }));
    expect(error.code).toBe('FORBIDDEN');
  });

  it.each([
    ['a cause the article does not name', { ...input, cause: 'budgetCut' }, 'cause'],
    ['no changes', { ...input, changes: [] }, 'changes'],
    ['a year out of range', { ...input, listYear: 1999 }, 'listYear'],
  ])('given nothing, when a request with %s is sent, then VALIDATION_FAILED naming the field and no case', async (_what, bad, field) => {
    const error = await refused(w, undefined, () => w.engine.start({ process: PROCESS, input: bad, actor: provider }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect((error.details.errors as { path: string }[]).map((e) => e.path)).toContain(field);
  });

  it('given nothing, when an authority files an adjustment, then FORBIDDEN and no case', async () => {
    const error = await refused(w, undefined, () => w.engine.start({ process: PROCESS, input, actor: cityAuthority }));
    expect(error.code).toBe('FORBIDDEN');
  });
});

// 第八条: the list in force is this year's, or the year before's until this year's is published (原则上在每年4月底前);
// next year's is drawn up meanwhile. Provider's QA: an adjustment of the 2001 list was taken for review (v1).
describe('listAdjustment v2: which year’s list may be adjusted', () => {
  const year = () => Number(w.clock.now().toISOString().slice(0, 4));

  it('given nothing, when a provider asks to adjust the list of the year before, this year or the next, then each starts, on version 2', async () => {
    for (const listYear of [year() - 1, year(), year() + 1]) {
      const result = await w.engine.start({ process: PROCESS, input: { ...input, listYear }, actor: provider });
      expect([listYear, result.state, meta(result.event).machine]).toEqual([listYear, 'review', { name: PROCESS, version: 2 }]);
    }
  });

  it.each([
    ['two years back', -2],
    ['two years ahead', 2],
    ['2001', 2001],
  ])('given nothing, when a provider asks to adjust the list of %s, then RULE_VIOLATED listYearAdjustable (第八条) naming the years it may and the field, and no case', async (_what, offset) => {
    const listYear = offset > 1000 ? offset : year() + offset;
    const error = await refused(w, undefined, () => w.engine.start({ process: PROCESS, input: { ...input, listYear }, actor: provider }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'listYearAdjustable', article: '第八条' } });
    expect(error.text.zh).toBe(`只能申请调整 ${year() - 1}、${year()} 或 ${year() + 1} 年度的公共数据开放清单（申请调整的是 ${listYear} 年度的）（第八条）`);
    expect(error.text.en).toBe(`Only the open list of ${year() - 1}, ${year()} or ${year() + 1} can be adjusted (this asks to adjust ${listYear}’s). (Article 8)`);
    expect((error.details.fieldErrors as { path: string }[]).map((f) => f.path)).toEqual(['listYear']);
  });

  it('given the first minutes of a new year in Beijing (still the old year in UTC), then the years counted are Beijing’s', async () => {
    const edge = await createWorld({ at: '2026-12-31T16:30:00.000Z' });
    try {
      const started = await edge.engine.start({ process: PROCESS, input: { ...input, listYear: 2028 }, actor: provider });
      expect(started.state).toBe('review');
      const error = await refused(edge, undefined, () => edge.engine.start({ process: PROCESS, input: { ...input, listYear: 2025 }, actor: provider }));
      expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'listYearAdjustable' } });
    } finally {
      await edge.close();
    }
  });

  it('given version 1 (a case started before version 2), then any year from 2000 was taken, as it was', async () => {
    const v1 = await createWorld({ registry: new ProcessRegistry([listAdjustmentV1]) });
    try {
      const started = await v1.engine.start({ process: PROCESS, input: { ...input, listYear: 2001 }, actor: provider });
      expect([started.state, meta(started.event).machine]).toEqual(['review', { name: PROCESS, version: 1 }]);
    } finally {
      await v1.close();
    }
  });
});

describe('listAdjustment: every command of PROCESSES.md §4', () => {
  const arrows: Arrow[] = [
    { from: 'review', path: [], when: 'APPROVE', who: 'the city’s authority', by: cityAuthority, then: 'Approved', to: 'approved' },
    { from: 'review', path: [], when: 'APPROVE', who: 'the provincial authority (市级以上)', by: provinceAuthority, then: 'Approved', to: 'approved' },
    { from: 'review', path: [], when: 'RETURN', who: 'the city’s authority', by: cityAuthority, then: 'Returned', to: 'revising' },
    { from: 'review', path: [], when: 'RETURN', who: 'the provincial authority', by: provinceAuthority, then: 'Returned', to: 'revising' },
    { from: 'review', path: [], when: 'REJECT', who: 'the city’s authority', by: cityAuthority, then: 'Rejected', to: 'rejected' },
    { from: 'review', path: [], when: 'REJECT', who: 'the provincial authority', by: provinceAuthority, then: 'Rejected', to: 'rejected' },
    { from: 'revising', path: at('revising'), when: 'RESUBMIT', who: 'the provider', by: provider, then: 'Resubmitted', to: 'review' },
  ];

  it('the arrows below are every arrow of the chart', () => {
    const charted = new Set(transitions(listAdjustment).map(arrowKey));
    expect(sorted([...new Set(arrows.map((a) => arrowKey({ ...a, command: a.when })))])).toEqual(sorted([...charted]));
  });

  it.each(arrows)('given an adjustment in $from, when $who sends $when, then $then and $to', async (arrow) => {
    await followArrow(w, PROCESS, arrow);
  });

  it('given an adjustment returned twice and resubmitted, when it is approved, then it is final with the last changes and no open task', async () => {
    const c = await given(w, PROCESS, ['RETURN', 'RESUBMIT', ['RETURN', { actor: provinceAuthority }], 'RESUBMIT', 'APPROVE']);
    expect(c).toMatchObject({ state: 'approved', final: true, tasks: [] });
    expect((await historyOf(w, c)).map((e) => `${e.type}→${meta(e).stateAfter}`)).toEqual([
      'AdjustmentRequested→review',
      'Returned→revising',
      'Resubmitted→review',
      'Returned→revising',
      'Resubmitted→review',
      'Approved→approved',
    ]);
  });

  it('given an adjustment in review, when it is returned, then the review task closes and a revising task without deadline opens for the provider', async () => {
    const c = await given(w, PROCESS);
    const { event } = await when(w, c.caseId, 'RETURN');
    expect(meta(event).tasksClosed.map((t) => t.stage)).toEqual(['review']);
    const [task] = meta(event).tasksOpened;
    expect(task).toMatchObject({ stage: 'revising', role: 'provider', org: orgs.provider });
    expect(task).not.toHaveProperty('dueAt');
  });

  it('given a rejected adjustment, then it is final with no open task', async () => {
    expect(await given(w, PROCESS, at('rejected'))).toMatchObject({ state: 'rejected', final: true, tasks: [] });
  });
});

describe('listAdjustment: refusals store nothing', () => {
  const wrongState: WrongState[] = [
    { state: 'review', path: [], who: 'the provider', by: provider, command: 'RESUBMIT', allowed: [] },
    { state: 'review', path: [], who: 'the city’s authority', by: cityAuthority, command: 'RESUBMIT', allowed: ['APPROVE', 'RETURN', 'REJECT'] },
    { state: 'revising', path: at('revising'), who: 'the city’s authority', by: cityAuthority, command: 'APPROVE', allowed: [] },
    { state: 'revising', path: at('revising'), who: 'the provider', by: provider, command: 'APPROVE', allowed: ['RESUBMIT'] },
    { state: 'approved', path: at('approved'), who: 'the provincial authority', by: provinceAuthority, command: 'REJECT', allowed: [] },
    { state: 'rejected', path: at('rejected'), who: 'the provider', by: provider, command: 'RESUBMIT', allowed: [] },
  ];

  it.each(wrongState)('given an adjustment in $state, when $who sends $command, then INVALID_TRANSITION allowing $allowed', async (row) => {
    await expectWrongState(w, PROCESS, row);
  });

  it.each([
    ['review', 'the provider', 'APPROVE', [], provider],
    ['review', 'an applicant', 'REJECT', [], actors.company],
    ['revising', 'the city’s authority', 'RESUBMIT', at('revising'), cityAuthority],
  ] as const)('given an adjustment in %s, when %s sends %s, then FORBIDDEN (wrong role)', async (_state, _who, command, steps, actor) => {
    const c = await given(w, PROCESS, steps);
    const error = await refused(w, c, () => when(w, c.caseId, command, { actor }));
    expect(error.code).toBe('FORBIDDEN');
  });

  it.each([
    ['another city’s authority', others.qingdaoAuthority, [], 'APPROVE'],
    ['a county authority inside the city', others.countyAuthority, [], 'RETURN'],
    ['another provider', actors.otherProvider, at('revising'), 'RESUBMIT'],
  ] as const)('given an adjustment of 济南市公安局, when %s sends it, then FORBIDDEN (wrong organisation)', async (_who, actor, steps, command) => {
    const c = await given(w, PROCESS, steps);
    const error = await refused(w, c, () => when(w, c.caseId, command, { actor }));
    expect(error.code).toBe('FORBIDDEN');
  });

  it.each([
    ['RETURN without an opinion (说明理由)', [], 'RETURN', {}, 'opinion'],
    ['REJECT without a reason', [], 'REJECT', {}, 'reason'],
    ['RESUBMIT with no changes', at('revising'), 'RESUBMIT', { changes: [] }, 'changes'],
    ['RESUBMIT with an unknown action', at('revising'), 'RESUBMIT', { changes: [{ action: 'rename', datasetName: '济南市道路交通事故月度统计' }] }, 'changes.0.action'],
  ] as const)('given an adjustment, when %s, then VALIDATION_FAILED naming the field', async (_what, steps, command, bad, field) => {
    const c = await given(w, PROCESS, steps);
    const error = await refused(w, c, () => when(w, c.caseId, command, { data: bad }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect((error.details.errors as { path: string }[]).map((e) => e.path)).toContain(field);
  });
});
