/**
 * 异议和建议 through the engine (PROCESSES.md §5; 第十六条第二款): given a history, when a command,
 * then these events — or this error, and nothing stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transitions } from '../../machines/describe.js';
import { objection } from '../../machines/objection.js';
import { actors, orgs, startInputs } from '../machines/examples.js';
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
  type World,
} from './world.js';

const PROCESS = 'objection';
const input = startInputs.objection;
const { provider, company: applicant } = actors;
const suggestion = { ...input, kind: 'suggestion', description: '建议增加按季度汇总的统计口径。', evidence: undefined };

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(() => w.close());

describe('objection: raising an objection or a suggestion', () => {
  it('given nothing, when a user objects to a dataset, then ObjectionRaised: handling by its provider within 10 working days (第十六条)', async () => {
    const result = await w.engine.start({ process: PROCESS, input, actor: applicant });
    expect(result).toMatchObject({ state: 'handling', revision: 0 });
    expect(result.event.type).toBe('ObjectionRaised');
    expect(meta(result.event).tasksOpened).toMatchObject([{ stage: 'handling', role: 'provider', org: orgs.provider, basis: 'statute', article: '第十六条第二款' }]);
  });

  it.each([
    ['of an unknown kind', { ...input, kind: 'complaint' }, 'kind'],
    ['without a description', { ...input, description: ' ' }, 'description'],
  ])('given nothing, when an objection %s is raised, then VALIDATION_FAILED naming the field and no case', async (_what, bad, field) => {
    const error = await refused(w, undefined, () => w.engine.start({ process: PROCESS, input: bad, actor: applicant }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect((error.details.errors as { path: string }[]).map((e) => e.path)).toContain(field);
  });

  it('given nothing, when a provider raises an objection, then FORBIDDEN and no case', async () => {
    const error = await refused(w, undefined, () => w.engine.start({ process: PROCESS, input, actor: provider }));
    expect(error.code).toBe('FORBIDDEN');
  });
});

describe('objection: every command of PROCESSES.md §5', () => {
  const arrows: Arrow[] = [{ from: 'handling', path: [], when: 'RESPOND', who: 'the provider', by: provider, then: 'Responded', to: 'responded' }];

  it('the arrows below are every arrow of the chart', () => {
    const charted = new Set(transitions(objection).map(arrowKey));
    expect(sorted([...new Set(arrows.map((a) => arrowKey({ ...a, command: a.when })))])).toEqual(sorted([...charted]));
  });

  it.each(arrows)('given an objection in $from, when $who sends $when, then $then and $to', async (arrow) => {
    const result = await followArrow(w, PROCESS, arrow);
    expect(result).toMatchObject({ final: true });
    expect(meta(result.event).tasksClosed.map((t) => t.stage)).toEqual(['handling']);
  });

  it('given a suggestion, when the provider adopts it, then Responded: responded', async () => {
    const c = await given(w, PROCESS, [], { input: suggestion });
    const result = await when(w, c.caseId, 'RESPOND', { data: { outcome: 'adopted', explanation: '已采纳，下月起增加季度汇总。' } });
    expect(result).toMatchObject({ state: 'responded', final: true });
  });
});

describe('objection: refusals store nothing', () => {
  it('given an objection in handling, when the provider sends a command the process does not have, then INVALID_TRANSITION allowing RESPOND', async () => {
    await expectWrongState(w, PROCESS, { state: 'handling', path: [], who: 'the provider', by: provider, command: 'APPROVE', allowed: ['RESPOND'] });
  });

  it('given a responded objection, when the provider responds again, then INVALID_TRANSITION allowing nothing', async () => {
    await expectWrongState(w, PROCESS, { state: 'responded', path: ['RESPOND'], who: 'the provider', by: provider, command: 'RESPOND', allowed: [] });
  });

  it.each([
    ['the applicant (wrong role)', applicant],
    ['the competent authority (wrong role)', actors.cityAuthority],
    ['another provider (wrong organisation)', actors.otherProvider],
    ['another city’s provider (wrong organisation)', others.qingdaoProvider],
  ])('given an objection to 济南市公安局’s data, when %s responds, then FORBIDDEN', async (_who, actor) => {
    const c = await given(w, PROCESS);
    const error = await refused(w, c, () => when(w, c.caseId, 'RESPOND', { actor }));
    expect(error.code).toBe('FORBIDDEN');
  });

  it.each([
    ['an unknown outcome', { outcome: 'ignored', explanation: '无' }, 'outcome'],
    ['no explanation', { outcome: 'corrected' }, 'explanation'],
  ])('given an objection, when the response has %s, then VALIDATION_FAILED naming the field', async (_what, bad, field) => {
    const c = await given(w, PROCESS);
    const error = await refused(w, c, () => when(w, c.caseId, 'RESPOND', { data: bad }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect((error.details.errors as { path: string }[]).map((e) => e.path)).toContain(field);
  });

  it.each([
    ['an error report', 'adopted', input],
    ['a suggestion', 'corrected', suggestion],
  ])('given %s, when the response’s outcome does not fit its kind (%s), then RULE_VIOLATED outcomeFitsKind (第十六条第二款)', async (_kind, outcome, start) => {
    const c = await given(w, PROCESS, [], { input: start });
    const error = await refused(w, c, () => when(w, c.caseId, 'RESPOND', { data: { outcome, explanation: '已处理。' } }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'outcomeFitsKind', article: '第十六条第二款' } });
  });

  // 第十六条第二款: every kind of 异议 (错误、遗漏、侵犯其合法权益) is answered by correcting or not, a 建议 by adopting or not —
  // each kind on its own, so that no one kind takes the other's outcomes.
  const objectionOutcomes = ['corrected', 'partiallyCorrected', 'notCorrected'];
  const suggestionOutcomes = ['adopted', 'notAdopted'];
  it.each(
    (['error', 'omission', 'infringement', 'suggestion'] as const).flatMap((kind) =>
      [...objectionOutcomes, ...suggestionOutcomes].map((outcome) => ({
        kind,
        outcome,
        fits: (kind === 'suggestion' ? suggestionOutcomes : objectionOutcomes).includes(outcome),
      })),
    ),
  )('given an objection of kind $kind, when the provider responds $outcome, then it is taken: $fits', async ({ kind, outcome, fits }) => {
    const c = await given(w, PROCESS, [], { input: kind === 'suggestion' ? suggestion : { ...input, kind } });
    const respond = () => when(w, c.caseId, 'RESPOND', { data: { outcome, explanation: '已处理。' } });
    if (fits) {
      expect(await respond()).toMatchObject({ state: 'responded', final: true });
      return;
    }
    const error = await refused(w, c, respond);
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'outcomeFitsKind', article: '第十六条第二款' } });
  });
});
