/**
 * conditionalApplication v11 refuses the provider's APPROVE after the requested end of use
 * (approvalWithinRequestedUse): a day that has passed never comes back, so from then on it could only be
 * refused. A reviewers' probe (a helper) found the case view still offering it (`allowedCommands`
 * ["APPROVE", "REJECT"]) on the day after: a front end showed 审核通过 that could only answer 422. The case
 * offers REJECT alone then, as the refusal itself tells the provider to do; the day before, both.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { actors, conditionalApplicationSentOn } from '../machines/examples.js';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
beforeEach(async () => {
  api = await startTestApi({ now: '2026-04-27T01:30:00.000Z' }); // Mon 09:30 Beijing
});
afterEach(() => api.close());

it('given an application for use until Wed 2026-04-29 passed on Mon 04-27, then the provider is offered APPROVE on 04-29 and not on 04-30, when only REJECT can be done', async () => {
  const applicant = await api.token('applicant', actors.company.org, actors.company.sub);
  const authority = await api.token('authority', actors.cityAuthority.org, actors.cityAuthority.sub);
  const provider = await api.token('provider', actors.provider.org, actors.provider.sub);
  const admin = await api.token('admin', '370000-dsj');
  const input = { ...conditionalApplicationSentOn('2026-04-27'), usePeriod: { from: '2026-04-27', to: '2026-04-29' } };
  const started = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'conditionalApplication', input } });
  expect(started.status).toBe(201);
  const id: string = started.body.id;
  expect((await api.call('POST', `/v1/cases/${id}/commands`, { as: authority, body: { type: 'PASS_NORMATIVE_REVIEW', data: {} } })).status).toBe(200);

  await api.call('PUT', '/v1/test/clock', { as: admin, body: { now: '2026-04-29T15:00:00.000Z' } }); // 04-29 23:00 Beijing
  expect((await api.call('GET', `/v1/cases/${id}`, { as: provider })).body.allowedCommands).toEqual(['APPROVE', 'REJECT']);

  await api.call('PUT', '/v1/test/clock', { as: admin, body: { now: '2026-04-29T16:30:00.000Z' } }); // 04-30 00:30 Beijing
  const view = await api.call('GET', `/v1/cases/${id}`, { as: provider });
  expect(view.body.state).toBe('providerReview');
  expect(view.body.allowedCommands).toEqual(['REJECT']);
  const approve = await api.call('POST', `/v1/cases/${id}/commands`, { as: provider, body: { type: 'APPROVE', data: {} } });
  expect(approve.status).toBe(422);
  expect(approve.body.rule).toBe('approvalWithinRequestedUse');
});
