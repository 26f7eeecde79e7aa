/**
 * README (WORKFLOW_TEST_CLOCK): tokens are checked against the real time, not the test clock. A tester
 * who moves the clock a year ahead keeps the token `npm run token` gave today, and a token that has
 * expired is refused whatever the test clock says (soak QA: nowhere said which clock a token's expiry
 * was read by).
 */
import { SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../infra/clock.js';
import { SECRET, startTestApi, type TestApi } from './harness.js';

let api: TestApi;
beforeEach(async () => {
  // The test clock stands before the real time (as in every test of this folder).
  api = await startTestApi({ now: '2026-03-02T01:00:00.000Z' });
});
afterEach(() => api.close());

describe('tokens and the test clock', () => {
  it('given a token good for an hour of real time, when the test clock is moved two years past the real time, then the token still works', async () => {
    const admin = await api.token('admin', '370000-dsj', 'admin');
    const ahead = new Date(systemClock.now().getTime() + 2 * 366 * 86_400_000).toISOString();
    const moved = await api.call('PUT', '/v1/test/clock', { as: admin, body: { now: ahead } });
    expect(moved.status, moved.text).toBe(200);
    const inbox = await api.call('GET', '/v1/inbox', { as: admin });
    expect(inbox.status, inbox.text).toBe(200);
  });

  it('given a token that expired an hour ago in real time, issued before the test clock and good until months after it, then 401', async () => {
    const nowS = Math.floor(systemClock.now().getTime() / 1000);
    const testNowS = Math.floor(api.clock.now().getTime() / 1000);
    expect(testNowS).toBeLessThan(nowS - 7200);
    const expired = await new SignJWT({ role: 'admin', org: '370000-dsj' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('admin')
      .setIssuedAt(testNowS - 3600)
      .setExpirationTime(nowS - 3600)
      .sign(new TextEncoder().encode(SECRET));
    const inbox = await api.call('GET', '/v1/inbox', { as: expired });
    expect([inbox.status, inbox.body.code]).toEqual([401, 'UNAUTHENTICATED']);
  });
});
