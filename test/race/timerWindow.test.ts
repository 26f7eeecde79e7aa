/**
 * Commands racing the clock past a timer's due time (附录5 协议二(二): 到期数据使用权限自动失效).
 * Between the moment a use period ends and the scheduler's next pass (a minute in production, the
 * span of PUT /v1/test/clock's pass here) the case still reads `active`: a command decided then was
 * applied to an agreement that had already ended — a TERMINATE recorded the end as a termination and
 * counted the destruction deadline from its own time, not from the end of use.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commandData, conditionalApplicationSentOn } from '../machines/examples.js';
import { startTestApi, type TestApi } from '../api/harness.js';
import { partyTokens } from './helpers.js';

const cd = commandData.conditionalApplication;
let api: TestApi;
let tokens: Awaited<ReturnType<typeof partyTokens>>;

beforeEach(async () => {
  api = await startTestApi({ now: '2025-03-03T01:30:00.000Z' });
  tokens = await partyTokens(api);
});
afterEach(() => api.close());

/** A conditional application with access granted, its agreed use ending on 2025-06-30 (Beijing). */
async function activeCase(): Promise<string> {
  const started = await api.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'conditionalApplication', input: conditionalApplicationSentOn('2025-03-03') } });
  expect(started.status, started.text).toBe(201);
  const id = started.body.id as string;
  const steps = [
    [tokens.authority, 'PASS_NORMATIVE_REVIEW', {}],
    [tokens.provider, 'APPROVE', {}],
    [tokens.provider, 'SIGN_AGREEMENT', { ...cd.SIGN_AGREEMENT, useTo: '2025-06-30' }],
    [tokens.provider, 'GRANT_ACCESS', {}],
  ] as const;
  for (const [as, type, data] of steps) {
    const res = await api.call('POST', `/v1/cases/${id}/commands`, { as, body: { type, data } });
    expect(res.status, res.text).toBe(200);
  }
  return id;
}

const END_OF_USE = '2025-06-30T15:59:59.999Z';

describe('commands in flight while the clock passes the end of use', () => {
  it('given active cases whose use ended before the scheduler ran, when commands and a clock move race, then the expiry comes first, once, and the commands are refused with the state they met', async () => {
    const ids = [await activeCase(), await activeCase(), await activeCase()];
    // The clock is past the end of use and no pass of the scheduler has run yet (as for up to a minute in production).
    api.clock.set('2025-07-01T01:00:00.000Z');
    const [terminate, report, suspend, moved] = await Promise.all([
      api.call('POST', `/v1/cases/${ids[0]}/commands`, { as: tokens.provider, body: { type: 'TERMINATE', data: cd.TERMINATE } }),
      api.call('POST', `/v1/cases/${ids[1]}/commands`, { as: tokens.applicant, body: { type: 'REPORT_USAGE', data: cd.REPORT_USAGE } }),
      api.call('POST', `/v1/cases/${ids[2]}/commands`, { as: tokens.authority, body: { type: 'SUSPEND', data: cd.SUSPEND } }),
      api.call('PUT', '/v1/test/clock', { as: tokens.admin, body: { now: '2025-07-01T01:00:00.000Z' } }),
    ]);
    expect(moved.status).toBe(200);
    for (const res of [terminate, report, suspend]) {
      expect(res.status, res.text).toBe(409);
      expect(res.body).toMatchObject({ code: 'INVALID_TRANSITION', state: 'destructionPending' });
      expect(res.body.detail).toContain('待销毁数据');
    }
    for (const id of ids) {
      const history = await api.call('GET', `/v1/cases/${id}/history`, { as: tokens.provider });
      const after = history.body.events.slice(5);
      expect(after.map((e: { command: string }) => e.command)).toEqual(['USAGE_EXPIRED']);
      // The destruction period counts from the end of use, not from whenever the expiry was recorded.
      const destruction = after[0].deadlines.opened.find((t: { stage: string }) => t.stage === 'destructionPending');
      expect(destruction.enteredAt).toBe(END_OF_USE);
      expect((await api.call('GET', `/v1/cases/${id}/verify`, { as: tokens.provider })).body.ok).toBe(true);
    }
    // The scheduler finds nothing left to fire.
    expect((await api.call('PUT', '/v1/test/clock', { as: tokens.admin, body: { now: '2025-07-02T01:00:00.000Z' } })).body.fired).toBe(0);
  });

  it('given an active case whose use ended before the scheduler ran, when the same TERMINATE is sent three times at once with one Idempotency-Key, then the expiry is stored once and every answer is the same refusal', async () => {
    const id = await activeCase();
    api.clock.set('2025-07-01T01:00:00.000Z');
    const answers = await Promise.all(
      [1, 2, 3].map(() => api.call('POST', `/v1/cases/${id}/commands`, { as: tokens.provider, headers: { 'idempotency-key': 'terminate-1' }, body: { type: 'TERMINATE', data: cd.TERMINATE } })),
    );
    expect(answers.map((a) => [a.status, a.body.code])).toEqual([[409, 'INVALID_TRANSITION'], [409, 'INVALID_TRANSITION'], [409, 'INVALID_TRANSITION']]);
    const history = await api.call('GET', `/v1/cases/${id}/history`, { as: tokens.provider });
    expect(history.body.events.slice(5).map((e: { command: string }) => e.command)).toEqual(['USAGE_EXPIRED']);
  });
});
