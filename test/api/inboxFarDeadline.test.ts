/**
 * A deadline past the years the calendar covers (a results term of 22 months agreed in 2026; access
 * from a start of use agreed ahead) is judged there by the statute and provisional; the inbox counts
 * its working days left the same way. Given such a task, when its party reads the inbox, then
 * `workingDaysLeft` is a number, not null, and `dueWithin` keeps it exactly when it is due within.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandData, conditionalApplicationSentOn } from '../machines/examples.js';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
let applicant: string;
beforeAll(async () => {
  // Monday 2026-03-02: the shipped notices reach 2026, so the calendar covers 2023–2027.
  api = await startTestApi({ now: '2026-03-02T01:00:00.000Z' });
  applicant = await api.token('applicant', '91370100MA3C8K2D0E');
  const authority = await api.token('authority', '370100-dsj');
  const provider = await api.token('provider', '370100-gaj');
  const input = { ...conditionalApplicationSentOn('2026-03-02'), usePeriod: { from: '2026-03-01', to: '2027-02-28' } };
  const started = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'conditionalApplication', input } });
  expect(started.status).toBe(201);
  const data = commandData.conditionalApplication;
  for (const [as, type, body] of [
    [authority, 'PASS_NORMATIVE_REVIEW', data.PASS_NORMATIVE_REVIEW],
    [provider, 'APPROVE', data.APPROVE],
    [provider, 'SIGN_AGREEMENT', { ...data.SIGN_AGREEMENT, useFrom: '2026-03-02', useTo: '2027-02-28', resultsDueMonths: 22 }],
    [provider, 'GRANT_ACCESS', data.GRANT_ACCESS],
  ] as const) {
    const res = await api.call('POST', `/v1/cases/${started.body.id}/commands`, { as, body: { type, data: body } });
    expect(res.status, type).toBe(200);
  }
});
afterAll(() => api.close());

describe('a results task due past the covered years', () => {
  it('given results due 22 months after access (Tuesday 2028-01-04), then the inbox says 459 working days left: the 458 to the end of 2027, and 2028-01-04 (01-01 a Saturday, 01-03 its 补假)', async () => {
    const res = await api.call('GET', '/v1/inbox', { as: applicant });
    const task = res.body.items.find((i: { stage: string }) => i.stage === 'resultsReport');
    expect(task).toMatchObject({ dueDate: '2028-01-04', provisional: true, overdue: false, workingDaysLeft: 459 });
  });

  it('when the inbox is asked for work due within 458 working days, then it is not there; within 459, it is', async () => {
    const within = async (n: number) => (await api.call('GET', `/v1/inbox?dueWithin=${n}`, { as: applicant })).body.items.map((i: { stage: string }) => i.stage);
    expect(await within(458)).not.toContain('resultsReport');
    expect(await within(459)).toContain('resultsReport');
  });
});
