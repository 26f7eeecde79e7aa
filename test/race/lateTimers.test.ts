/**
 * Timers fired late: the test clock moved far in one PUT, or a server back after a long outage. The
 * scheduler then fires each timer at once, but what it enacts took effect at its own due instant
 * (附录5 协议二(二): 到期数据使用权限自动失效). A task it closes was closed then, not on the day the
 * server came round to it: 第十九条 reports a task cancelled past its deadline, and a provider whose
 * task ended with the use, before its deadline, was not late.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../api/harness.js';
import { commandData, conditionalApplicationSentOn } from '../machines/examples.js';
import { partyTokens } from './helpers.js';

const cd = commandData.conditionalApplication;
let api: TestApi;
let tokens: Awaited<ReturnType<typeof partyTokens>>;

beforeEach(async () => {
  api = await startTestApi({ now: '2025-03-03T01:30:00.000Z' });
  tokens = await partyTokens(api);
});
afterEach(() => api.close());

/** The end of 2025-03-12, Beijing: the agreed use ends. */
const END_OF_USE = '2025-03-12T15:59:59.999Z';

/**
 * An application (v5 or later) whose agreement, signed 2025-03-03, lets the data be used 2025-03-10 to
 * 2025-03-12; access is never granted. The provider's time to grant access counts from the start of use
 * (10 working days from 2025-03-10), and from v11 ends with the agreed use (due at the end of 2025-03-12,
 * when the use ends): when the use ends it is not late.
 */
async function signedNotGranted(): Promise<string> {
  const started = await api.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'conditionalApplication', input: conditionalApplicationSentOn('2025-03-03') } });
  expect(started.status, started.text).toBe(201);
  const id = started.body.id as string;
  const steps = [
    [tokens.authority, 'PASS_NORMATIVE_REVIEW', {}],
    [tokens.provider, 'APPROVE', {}],
    [tokens.provider, 'SIGN_AGREEMENT', { ...cd.SIGN_AGREEMENT, useFrom: '2025-03-10', useTo: '2025-03-12' }],
  ] as const;
  for (const [as, type, data] of steps) {
    const res = await api.call('POST', `/v1/cases/${id}/commands`, { as, body: { type, data } });
    expect(res.status, res.text).toBe(200);
  }
  const c = await api.call('GET', `/v1/cases/${id}`, { as: tokens.provider });
  expect(c.body.tasks).toEqual([expect.objectContaining({ stage: 'accessPending', dueDate: '2025-03-12', dueAt: END_OF_USE })]);
  return id;
}

describe('a timer fired long after its due instant', () => {
  it('given a provider task that the end of use closes before its deadline, when the clock moves months past it in one PUT, then the task is closed at the end of use and no report calls it late', async () => {
    const id = await signedNotGranted();

    const moved = await api.call('PUT', '/v1/test/clock', { as: tokens.admin, body: { now: '2025-09-01T01:00:00.000Z' } });
    expect(moved.body).toMatchObject({ fired: 1 });

    const history = await api.call('GET', `/v1/cases/${id}/history`, { as: tokens.provider });
    const expired = (history.body.events as { type: string; deadlines: { closed: unknown[] } }[]).find((e) => e.type === 'UsageExpired');
    // Closed at the end of use, its deadline's own instant: not late (the history says so, as the reports do).
    expect(expired?.deadlines.closed).toEqual([{ stage: 'accessPending', completedAt: END_OF_USE, cancelled: true, dueAt: END_OF_USE, dueDate: '2025-03-12', late: false, workingDaysOverdue: 0 }]);

    const supervisor = await api.token('supervisor', '370000-dsj');
    const overdue = await api.call('GET', '/v1/reports/overdue', { as: supervisor });
    expect(overdue.status, overdue.text).toBe(200);
    expect(overdue.body.items.filter((i: { caseId: string }) => i.caseId === id)).toEqual([]);
    const sla = await api.call('GET', '/v1/reports/sla?from=2025-01-01T00:00:00%2B08:00&to=2025-09-01T00:00:00%2B08:00&groupBy=org', { as: supervisor });
    expect(sla.status, sla.text).toBe(200);
    expect(sla.body.rows.find((r: { key: string }) => r.key === '370100-gaj')).toMatchObject({ cancelled: 1, cancelledLate: 0 });
  });
});

describe('many timers fired in one late pass', () => {
  /** An active application whose agreed use ends on `useTo` (Beijing). */
  async function activeUntil(useTo: string): Promise<string> {
    const started = await api.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'conditionalApplication', input: conditionalApplicationSentOn('2025-03-03') } });
    expect(started.status, started.text).toBe(201);
    const id = started.body.id as string;
    for (const [as, type, data] of [
      [tokens.authority, 'PASS_NORMATIVE_REVIEW', {}],
      [tokens.provider, 'APPROVE', {}],
      [tokens.provider, 'SIGN_AGREEMENT', { ...cd.SIGN_AGREEMENT, useTo }],
      [tokens.provider, 'GRANT_ACCESS', {}],
    ] as const) {
      const res = await api.call('POST', `/v1/cases/${id}/commands`, { as, body: { type, data } });
      expect(res.status, res.text).toBe(200);
    }
    return id;
  }

  it('given uses ending on 2025-12-31, 2025-04-30 and 2025-09-30, started in that order, when the clock moves to 2026 in one PUT, then each use ends once, at its own end, and the log holds the expiries in the order the uses ended', async () => {
    const ends = ['2025-12-31', '2025-04-30', '2025-09-30'];
    const ids = [];
    for (const end of ends) ids.push(await activeUntil(end));

    const moved = await api.call('PUT', '/v1/test/clock', { as: tokens.admin, body: { now: '2026-02-02T01:00:00.000Z' } });
    expect(moved.body).toMatchObject({ fired: 3 });

    const expiries = [];
    for (const [i, id] of ids.entries()) {
      const history = await api.call('GET', `/v1/cases/${id}/history`, { as: tokens.provider });
      const expired = (history.body.events as { type: string; position: number; deadlines: { opened: { stage: string; enteredAt: string }[] } }[]).filter((e) => e.type === 'UsageExpired');
      expect(expired).toHaveLength(1);
      expect(expired[0]!.deadlines.opened).toEqual([expect.objectContaining({ stage: 'destructionPending', enteredAt: `${ends[i]}T15:59:59.999Z` })]);
      expiries.push({ end: ends[i]!, position: expired[0]!.position });
    }
    expect(expiries.sort((a, b) => a.position - b.position).map((e) => e.end)).toEqual(['2025-04-30', '2025-09-30', '2025-12-31']);
  });
});
