/**
 * PUT /v1/test/clock moves only forward, so a move too far cannot be undone. Past the last year a
 * holiday notice can be loaded for (2200: PUT /v1/calendar/:year, calendars/notice.ts), no deadline
 * can ever be counted again: every case started or moved on is CALENDAR_NOT_COVERED for good. A move
 * there (9999-12-31T16:00Z is 10000-01-01 in Beijing) is a clear 400 and leaves the clock where it was.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './harness.js';
import { partyTokens } from '../race/helpers.js';
import { startInputs } from '../machines/examples.js';

let api: TestApi;
let tokens: Awaited<ReturnType<typeof partyTokens>>;
beforeEach(async () => {
  api = await startTestApi({ now: '2026-03-02T01:00:00.000Z' });
  tokens = await partyTokens(api);
});
afterEach(() => api.close());

describe('PUT /v1/test/clock beyond the last year a notice can be loaded for', () => {
  it.each(['9999-12-31T16:00:00.000Z', '2201-01-01T00:00:00+08:00'])('given the clock in 2026, when it is moved to %s, then 400 in Chinese naming the last year, the clock stays, and cases can still be started', async (to) => {
    const res = await api.call('PUT', '/v1/test/clock', { as: tokens.admin, body: { now: to } });
    expect(res.status, res.text).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'body.now' }] });
    expect(res.body.detail).toContain('2200');
    expect(res.body.detail).toMatch(/测试时钟/);
    expect(api.clock.now().toISOString()).toBe('2026-03-02T01:00:00.000Z');
    const started = await api.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'objection', input: startInputs.objection } });
    expect(started.status, started.text).toBe(201);
  });

  it('given the clock in 2026, when it is moved to the last instant of 2200 (Beijing), then it moves', async () => {
    const res = await api.call('PUT', '/v1/test/clock', { as: tokens.admin, body: { now: '2200-12-31T23:59:59.999+08:00' } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ now: '2200-12-31T15:59:59.999Z' });
  });

  // Mutation QA (pass 2): "forward only" let the clock's own instant through untested; a script that sets the
  // clock to where it stands (to fire the timers due now) must not be refused.
  it('given the clock at an instant, when it is set to that same instant, then 200, and a millisecond before it is 400', async () => {
    const same = await api.call('PUT', '/v1/test/clock', { as: tokens.admin, body: { now: '2026-03-02T01:00:00.000Z' } });
    expect(same.status, same.text).toBe(200);
    const before = await api.call('PUT', '/v1/test/clock', { as: tokens.admin, body: { now: '2026-03-02T00:59:59.999Z' } });
    expect([before.status, before.body.errors?.[0]?.path]).toEqual([400, 'body.now']);
  });

  it('in English with Accept-Language: en', async () => {
    const res = await api.call('PUT', '/v1/test/clock', { as: tokens.admin, body: { now: '9999-12-31T16:00:00.000Z' }, headers: { 'accept-language': 'en' } });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/2200/);
    expect(res.body.detail).toMatch(/test clock/);
    // The field's message too: it read "invalid value", the English catalogue not knowing it.
    expect(res.body.errors).toEqual([{ path: 'body.now', message: expect.stringMatching(/^must not be after 2200-12-31 \(Beijing time\)/) }]);
  });
});
