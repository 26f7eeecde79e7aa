/**
 * 第十五条: 数据未开放但经论证可以开放的……通过开放平台进行开放 — the applicant of an unopened-data request
 * opened through a dataset release (MARK_OPENED with `datasetReleaseCaseId`) learns from its own request
 * where the data is: the published release's title, its service modes (how to obtain it), its case id and
 * when it was published. It still may not read the release itself (API.md "Identity": an applicant sees only
 * its own cases), and learns nothing of a release before it is published.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { openTestApi, startTestApi, type TestApi } from './harness.js';

const send = (api: TestApi, id: string, as: string, type: string, data: unknown = {}) => api.call('POST', `/v1/cases/${id}/commands`, { as, body: { type, data } });

describe('given an unopened-data request concluded openable, and its provider’s dataset release named by MARK_OPENED while in drafting', () => {
  let api: TestApi;
  let applicant: string;
  let authority: string;
  let provider: string;
  let request: string;
  let release: string;
  beforeAll(async () => {
    api = await startTestApi({ now: '2025-06-02T01:30:00.000Z' });
    applicant = await api.token('applicant', actors.company.org, actors.company.sub);
    authority = await api.token('authority', actors.cityAuthority.org);
    provider = await api.token('provider', actors.provider.org);
    request = (await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'unopenedDataRequest', input: startInputs.unopenedDataRequest } })).body.id;
    expect((await send(api, request, authority, 'PASS_NORMATIVE_REVIEW', { providerOrg: actors.provider.org })).status).toBe(200);
    expect((await send(api, request, provider, 'CONCLUDE_OPENABLE', commandData.unopenedDataRequest.CONCLUDE_OPENABLE)).status).toBe(200);
    const started = await api.call('POST', '/v1/cases', { as: provider, body: { process: 'datasetRelease', input: startInputs.datasetRelease } });
    expect(started.status).toBe(201);
    release = started.body.id;
    expect((await send(api, request, provider, 'MARK_OPENED', { datasetReleaseCaseId: release })).status).toBe(200);
  });
  afterAll(() => api.close());

  it('then, before the release is published, the applicant’s request shows only that it waits: openingPending, the release awaited, nothing of the release', async () => {
    const res = await api.call('GET', `/v1/cases/${request}`, { as: applicant });
    expect(res.status).toBe(200);
    expect(res.body.state).toBe('openingPending');
    expect(res.body.context.awaitedRelease).toBe(release);
    expect(res.body.published).toBeUndefined();
    expect(res.text).not.toContain(startInputs.datasetRelease.title);
    expect(res.text).not.toContain(commandData.datasetRelease.RECORD_SECURITY_REVIEW.notes);
  });

  it('when the release is reviewed and approved (published), then the request is opened and its applicant reads the dataset’s title, service modes, case id and publication time, in Chinese by default and in English when asked; nothing else of the release', async () => {
    for (const [type, as] of [
      ['RECORD_SECURITY_REVIEW', provider],
      ['SET_DESENSITIZATION_RULES', provider],
      ['SUBMIT', provider],
    ] as const) {
      expect((await send(api, release, as, type, commandData.datasetRelease[type])).status).toBe(200);
    }
    const approved = await send(api, release, authority, 'APPROVE', commandData.datasetRelease.APPROVE);
    expect([approved.status, approved.body.state]).toEqual([200, 'published']);

    const res = await api.call('GET', `/v1/cases/${request}`, { as: applicant });
    expect([res.status, res.body.state]).toEqual([200, 'opened']);
    expect(res.body.published).toEqual([
      {
        caseId: release,
        process: 'datasetRelease',
        title: startInputs.datasetRelease.title,
        publishedAt: approved.body.event.at,
        serviceModes: [
          { code: 'download', label: '数据下载' },
          { code: 'api', label: '数据服务接口' },
        ],
      },
    ]);
    expect(res.headers['content-language']).toBe('zh-CN');
    expect(String(res.headers.vary)).toMatch(/accept-language/i);
    // Not its reviewers, its opinions, its drafts or its desensitization.
    for (const secret of [commandData.datasetRelease.APPROVE.opinion, commandData.datasetRelease.RECORD_SECURITY_REVIEW.notes, actors.cityAuthority.org, startInputs.datasetRelease.description]) {
      expect(JSON.stringify(res.body.published)).not.toContain(secret);
    }

    const en = await api.call('GET', `/v1/cases/${request}`, { as: applicant, headers: { 'accept-language': 'en' } });
    expect(en.body.published[0].serviceModes).toEqual([
      { code: 'download', label: 'data download' },
      { code: 'api', label: 'data service API' },
    ]);
    expect(en.headers['content-language']).toBe('en');

    // The provider, who may see the request too, reads the same.
    expect((await api.call('GET', `/v1/cases/${request}`, { as: provider })).body.published).toEqual(res.body.published);
    // Read from the stored events, not held by one server: another server on the same store (a restart) shows the same.
    const restarted = await openTestApi(api.dataDir, { now: '2025-06-02T01:30:00.000Z' });
    try {
      const again = await restarted.call('GET', `/v1/cases/${request}`, { as: await restarted.token('applicant', actors.company.org, actors.company.sub) });
      expect(again.body.published).toEqual(res.body.published);
    } finally {
      await restarted.close();
    }
  });

  it('then the release itself stays 404 to the applicant, and another applicant gets 404 for the request', async () => {
    expect((await api.call('GET', `/v1/cases/${release}`, { as: applicant })).status).toBe(404);
    const stranger = await api.token('applicant', '91370100MA3C8K2D1H', 'someone-else');
    const res = await api.call('GET', `/v1/cases/${request}`, { as: stranger });
    expect(res.status).toBe(404);
    expect(res.text).not.toContain(startInputs.datasetRelease.title);
  });

  it('when the release is withdrawn, then the request shows nothing of it any more (it is no longer open on the platform)', async () => {
    expect((await send(api, release, provider, 'WITHDRAW', commandData.datasetRelease.WITHDRAW)).status).toBe(200);
    const res = await api.call('GET', `/v1/cases/${request}`, { as: applicant });
    expect([res.status, res.body.state]).toEqual([200, 'opened']);
    expect(res.body.published).toBeUndefined();
  });
});
