/**
 * 附录5 协议二(二) (accessWithinAgreedUse): access is granted within the agreed use, not before it
 * begins. A reviewers' probe (a helper, over HTTP) signed an agreement for use from a later day and found
 * the case view offering GRANT_ACCESS till then (`allowedCommands` ["GRANT_ACCESS"]), each try refused
 * with 422: a front end showed 开通权限 that could only fail. Until the first day of use the case does not
 * offer it; from that day it does, and it is accepted.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { actors, commandData, conditionalApplicationSentOn } from '../machines/examples.js';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
beforeEach(async () => {
  api = await startTestApi({ now: '2026-04-27T01:30:00.000Z' }); // Mon 09:30 Beijing
});
afterEach(() => api.close());

it('given an agreement signed on Mon 2026-04-27 for use from Thu 04-30, then the provider is not offered GRANT_ACCESS on 04-29 (it is refused if sent) and is offered it on 04-30, when it is accepted', async () => {
  const applicant = await api.token('applicant', actors.company.org, actors.company.sub);
  const authority = await api.token('authority', actors.cityAuthority.org, actors.cityAuthority.sub);
  const provider = await api.token('provider', actors.provider.org, actors.provider.sub);
  const admin = await api.token('admin', '370000-dsj');
  const input = { ...conditionalApplicationSentOn('2026-04-27'), usePeriod: { from: '2026-04-27', to: '2026-12-31' } };
  const started = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'conditionalApplication', input } });
  expect(started.status).toBe(201);
  const id: string = started.body.id;
  const send = (as: string, type: string, data: unknown = {}) => api.call('POST', `/v1/cases/${id}/commands`, { as, body: { type, data } });
  expect((await send(authority, 'PASS_NORMATIVE_REVIEW')).status).toBe(200);
  expect((await send(provider, 'APPROVE')).status).toBe(200);
  const agreement = { ...commandData.conditionalApplication.SIGN_AGREEMENT, useFrom: '2026-04-30', useTo: '2026-12-31' };
  expect((await send(provider, 'SIGN_AGREEMENT', agreement)).status).toBe(200);

  await api.call('PUT', '/v1/test/clock', { as: admin, body: { now: '2026-04-29T15:00:00.000Z' } }); // 04-29 23:00 Beijing
  const before = await api.call('GET', `/v1/cases/${id}`, { as: provider });
  expect(before.body.state).toBe('accessPending');
  expect(before.body.allowedCommands).not.toContain('GRANT_ACCESS');
  const early = await send(provider, 'GRANT_ACCESS');
  expect(early.status).toBe(422);
  expect(early.body.rule).toBe('accessWithinAgreedUse');

  await api.call('PUT', '/v1/test/clock', { as: admin, body: { now: '2026-04-29T16:30:00.000Z' } }); // 04-30 00:30 Beijing
  expect((await api.call('GET', `/v1/cases/${id}`, { as: provider })).body.allowedCommands).toContain('GRANT_ACCESS');
  const granted = await send(provider, 'GRANT_ACCESS');
  expect(granted.status).toBe(200);
  expect(granted.body.state).toBe('active');
});
