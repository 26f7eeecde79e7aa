/**
 * The on-time report for a 第十九条 通报 that tells statutory deadlines from policy ones, and work
 * left undone past its deadline from work cancelled in time: given an application withdrawn after
 * the authority's 5 working days had passed, and another whose agreement (a policy deadline) was
 * signed late, then each stage row names its deadline's basis, a cancelled task past its deadline
 * is counted as such, and `basis` filters both reports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { world, type World } from './harness.js';

let w: World;
const data = commandData.conditionalApplication;
const period = { from: '2025-01-01T00:00:00Z', to: '2025-04-01T00:00:00Z', asOf: '2025-04-01T00:00:00Z' };
let withdrawn = '';
let signedLate = '';

beforeAll(async () => {
  w = await world({ start: '2025-03-03T01:30:00.000Z' });
  const start = async () => (await w.engine.start({ process: 'conditionalApplication', input: startInputs.conditionalApplication, actor: actors.company })).caseId;
  withdrawn = await start();
  signedLate = await start();
  w.clock.set('2025-03-04T02:00:00.000Z');
  await w.engine.execute({ caseId: signedLate, type: 'PASS_NORMATIVE_REVIEW', data: data.PASS_NORMATIVE_REVIEW, actor: actors.cityAuthority });
  w.clock.set('2025-03-05T02:00:00.000Z');
  await w.engine.execute({ caseId: signedLate, type: 'APPROVE', data: data.APPROVE, actor: actors.provider });
  // The normative review was due on 10 March (5 working days, 第十四条(二)): withdrawn after it.
  w.clock.set('2025-03-14T02:00:00.000Z');
  await w.engine.execute({ caseId: withdrawn, type: 'WITHDRAW', data: { reason: '久未审查，撤回申请。' }, actor: actors.company });
  // The agreement was due 10 working days after approval (policy): signed late.
  w.clock.set('2025-03-28T02:00:00.000Z');
  await w.engine.execute({ caseId: signedLate, type: 'SIGN_AGREEMENT', data: data.SIGN_AGREEMENT, actor: actors.provider });
});
afterAll(() => w.close());

describe('the on-time report by stage', () => {
  it('names each stage’s basis and counts the withdrawal past the deadline as cancelled late, outside the rate', () => {
    const rows = w.models.slaReport({ ...period, groupBy: 'stage' }).rows;
    const row = (key: string) => rows.find((r) => r.key === key);
    expect(row('conditionalApplication.normativeReview')).toMatchObject({ basis: 'statute', finished: 1, onTime: 1, cancelled: 1, cancelledLate: 1, onTimeRate: 1 });
    expect(row('conditionalApplication.providerReview')).toMatchObject({ basis: 'statute', finished: 1, onTime: 1, cancelledLate: 0 });
    expect(row('conditionalApplication.agreementPending')).toMatchObject({ basis: 'policy', finished: 1, late: 1, onTimeRate: 0 });
  });

  it('leaves the basis out of rows by process or organisation, which mix them', () => {
    for (const groupBy of ['process', 'org'] as const) {
      for (const r of w.models.slaReport({ ...period, groupBy }).rows) expect(r.basis).toBeNull();
    }
  });
});

describe('the basis filter', () => {
  it('given basis=statute, then only statutory stages are counted; given basis=policy, only the late agreement', () => {
    const statute = w.models.slaReport({ ...period, groupBy: 'process', basis: 'statute' }).rows;
    expect(statute).toEqual([expect.objectContaining({ key: 'conditionalApplication', finished: 2, onTime: 2, late: 0, cancelled: 1, cancelledLate: 1 })]);
    const policy = w.models.slaReport({ ...period, groupBy: 'process', basis: 'policy' }).rows;
    expect(policy).toEqual([expect.objectContaining({ key: 'conditionalApplication', finished: 1, onTime: 0, late: 1, cancelled: 0 })]);
  });

  // Supervisors' QA: filtered by basis, a report by organisation or process left its 时限依据 blank, so
  // nothing in the file said its numbers were of statutory deadlines only.
  it('given basis=statute, then every row by organisation or process names it, in JSON and in the CSV’s 时限依据', () => {
    for (const groupBy of ['org', 'process'] as const) {
      const report = w.models.slaReport({ ...period, groupBy, basis: 'statute' });
      expect(report.rows.length, groupBy).toBeGreaterThan(0);
      for (const r of report.rows) expect(r.basis, groupBy).toBe('statute');
      const [header, ...lines] = w.models.toCsv(report).replace(/^\uFEFF/, '').trim().split('\r\n');
      // The last column (a name before it may hold a comma, quoted).
      expect(header!.split(',').at(-1), groupBy).toBe('时限依据');
      for (const line of lines) expect(line.split(',').at(-1), groupBy).not.toBe('');
    }
  });

  it('filters the overdue report’s items the same way', () => {
    const items = (basis?: string) => w.models.overdueReport({ asOf: period.asOf, ...(basis ? { basis } : {}) }).items.map((i) => [i.caseId, i.stage, i.basis]);
    expect(items('policy')).toEqual([[signedLate, 'agreementPending', 'policy']]);
    expect(items('statute')).toEqual([[withdrawn, 'normativeReview', 'statute']]);
    expect(items().length).toBeGreaterThanOrEqual(2);
  });
});
