/**
 * The applicant's view of its own case over HTTP: who must act next is named, not only coded. An
 * applicant has no directory to look a code up in (no route serves it), so `370100-dsj` alone does
 * not tell a company or a citizen which office holds its application (第十四条(二)、第十五条).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { startTestApi, type TestApi } from './harness.js';

describe("an applicant reads who must act on its case", () => {
  let api: TestApi;
  let applicant: string;
  let authority: string;
  let provider: string;
  const send = (id: string, as: string, type: string, data: unknown) => api.call('POST', `/v1/cases/${id}/commands`, { as, body: { type, data } });

  beforeAll(async () => {
    api = await startTestApi({ now: '2025-03-03T01:30:00.000Z' });
    applicant = await api.token('applicant', actors.company.org, actors.company.sub);
    authority = await api.token('authority', actors.cityAuthority.org, actors.cityAuthority.sub);
    provider = await api.token('provider', actors.provider.org, actors.provider.sub);
  });
  afterAll(() => api.close());

  it('given a conditional application just sent, when its applicant reads it, then the 5-working-day review names 济南市大数据局', async () => {
    const started = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'conditionalApplication', input: startInputs.conditionalApplication } });
    expect(started.status, started.text).toBe(201);
    expect(started.body.tasks).toEqual([expect.objectContaining({ stage: 'normativeReview', org: '370100-dsj', orgName: '济南市大数据局', dueDate: '2025-03-10' })]);
    const read = await api.call('GET', `/v1/cases/${started.body.id}`, { as: applicant });
    expect(read.body.tasks).toEqual([expect.objectContaining({ stage: 'normativeReview', orgName: '济南市大数据局' })]);
  });

  it('given the review passed, when the applicant reads the case, then the 10-working-day review names 济南市公安局', async () => {
    const started = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'conditionalApplication', input: startInputs.conditionalApplication } });
    await send(started.body.id, authority, 'PASS_NORMATIVE_REVIEW', {});
    const read = await api.call('GET', `/v1/cases/${started.body.id}`, { as: applicant });
    expect(read.body.tasks).toEqual([expect.objectContaining({ stage: 'providerReview', org: '370100-gaj', orgName: '济南市公安局', dueDate: '2025-03-17' })]);
  });

  it('given access granted, when the applicant reads the case, then its own results report is named after it, not its code', async () => {
    const started = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'conditionalApplication', input: startInputs.conditionalApplication } });
    const id: string = started.body.id;
    await send(id, authority, 'PASS_NORMATIVE_REVIEW', {});
    await send(id, provider, 'APPROVE', {});
    await send(id, provider, 'SIGN_AGREEMENT', commandData.conditionalApplication.SIGN_AGREEMENT);
    await send(id, provider, 'GRANT_ACCESS', {});
    const read = await api.call('GET', `/v1/cases/${id}`, { as: applicant });
    expect(read.body.tasks).toContainEqual(expect.objectContaining({ stage: 'resultsReport', role: 'applicant', org: actors.company.org, orgName: '山东数智科技有限公司' }));
  });

  it('given a request for data not open, when its applicant reads it, then the review names the authority it is addressed to', async () => {
    const started = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'unopenedDataRequest', input: startInputs.unopenedDataRequest } });
    expect(started.body.tasks).toEqual([expect.objectContaining({ stage: 'normativeReview', orgName: '济南市大数据局' })]);
  });
});
