import { describe, expect, it } from 'vitest';
import { isFinal, stateName, stateTask } from '../../machines/describe.js';
import { listAdjustment, type ListAdjustmentContext } from '../../machines/listAdjustment.js';
import { actors, commandData, orgs, startInputs } from './examples.js';
import { play, start, startViolations } from './harness.js';

const def = listAdjustment;
const context = (snapshot: { context: unknown }) => snapshot.context as ListAdjustmentContext;

describe('listAdjustment: to each final state (第八条第二款)', () => {
  it('is approved by an authority of city level or above', () => {
    const snapshot = play(def, ['APPROVE']);
    expect(stateName(snapshot)).toBe('approved');
    expect(isFinal(snapshot)).toBe(true);
    expect(context(snapshot).approval).toMatchObject({ by: orgs.cityAuthority });
  });

  it('is rejected, with the reason', () => {
    const snapshot = play(def, [['REJECT', { actor: actors.provinceAuthority }]]);
    expect(stateName(snapshot)).toBe('rejected');
    expect(context(snapshot).rejection).toMatchObject({ reason: commandData.listAdjustment.REJECT.reason, by: orgs.provinceAuthority });
  });

  it('is returned with an opinion, revised, resubmitted and approved', () => {
    let snapshot = play(def, ['RETURN']);
    expect(stateName(snapshot)).toBe('revising');
    expect(context(snapshot).returns).toEqual([expect.objectContaining({ opinion: commandData.listAdjustment.RETURN.opinion })]);
    snapshot = play(def, ['RETURN', 'RESUBMIT', 'APPROVE']);
    expect(stateName(snapshot)).toBe('approved');
    expect(context(snapshot).changes).toEqual(commandData.listAdjustment.RESUBMIT.changes);
    expect(context(snapshot).input.changes).toEqual(startInputs.listAdjustment.changes);
  });
});

describe('listAdjustment: start rules', () => {
  it('accepts a provider adjusting its own list', () => {
    expect(startViolations(def, startInputs.listAdjustment, actors.provider)).toEqual([]);
  });

  it('refuses a provider adjusting another organisation’s list (第八条第二款)', () => {
    expect(startViolations(def, startInputs.listAdjustment, actors.otherProvider)).toEqual(['providerAdjustsOwnList']);
  });
});

describe('listAdjustment: tasks, parties, summary', () => {
  it('review is a task of an authority of city level or above, with the policy default', () => {
    expect(stateTask(def, 'review')).toMatchObject({
      stage: 'review',
      role: 'authority',
      scope: 'cityOrAbove',
      deadline: { kind: 'rule', key: 'policyDefault' },
    });
  });

  it('revising is the provider’s task without a deadline', () => {
    expect(stateTask(def, 'revising')).toMatchObject({ stage: 'revising', role: 'provider', scope: 'provider' });
    expect(stateTask(def, 'revising')?.deadline).toBeUndefined();
  });

  it('names the provider; the provider’s region counts', () => {
    const c = context(start(def));
    expect(def.parties(c)).toEqual({ providerOrg: orgs.provider });
    expect(def.summary(c)).toEqual({ title: '2025年度公共数据开放清单调整：新增「济南市道路交通事故月度统计」等 2 项', provider: orgs.provider });
  });

  it('titles the adjustment by its changes as they stand, so that a reviewer tells one provider’s adjustments apart in the inbox: after a RESUBMIT, the resubmitted ones', () => {
    const resubmitted = play(def, ['RETURN', ['RESUBMIT', { data: { changes: [{ action: 'remove', datasetName: '济南市公交线路站点信息' }] } }]]);
    expect(stateName(resubmitted)).toBe('review');
    expect(def.summary(context(resubmitted)).title).toBe('2025年度公共数据开放清单调整：删除「济南市公交线路站点信息」');
  });
});
