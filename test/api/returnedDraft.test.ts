/**
 * 第九条(二): a release the normative review returns goes back to its provider's drafting, with reasons.
 * In the provider's inbox it read like a draft never submitted, and its resubmission like a first
 * submission in the reviewer's (provider's QA, F5): the case's summary says how many times it was
 * returned (`returns`), in the inbox and the case list alike; a case never returned has no such field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
let provider: string;
let authority: string;
beforeAll(async () => {
  api = await startTestApi({ now: '2026-03-02T01:00:00.000Z' });
  provider = await api.token('provider', actors.provider.org, actors.provider.sub);
  authority = await api.token('authority', actors.cityAuthority.org, actors.cityAuthority.sub);
});
afterAll(() => api.close());

const start = async () => {
  const res = await api.call('POST', '/v1/cases', { as: provider, body: { process: 'datasetRelease', input: startInputs.datasetRelease } });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
};
const send = async (id: string, type: string, as: string) => {
  const data = (commandData.datasetRelease as Record<string, unknown>)[type] ?? {};
  const res = await api.call('POST', `/v1/cases/${id}/commands`, { as, body: { type, data } });
  expect(res.status, `${type}: ${res.text}`).toBe(200);
};
const summaries = async (url: string, as: string, idOf: (item: Record<string, unknown>) => unknown) => {
  const res = await api.call('GET', url, { as });
  expect(res.status, res.text).toBe(200);
  return new Map((res.body.items as Record<string, unknown>[]).map((item) => [idOf(item), item.summary as Record<string, unknown>]));
};

describe('a dataset release returned by the normative review', () => {
  it('given a new draft and a draft returned once, then the provider’s inbox and case list tell them apart (returns: 1), and after a second return, 2; the reviewer sees the resubmission as returned once', async () => {
    const fresh = await start();
    const returned = await start();
    for (const type of ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES', 'SUBMIT']) await send(returned, type, provider);
    await send(returned, 'RETURN', authority);

    const inbox = await summaries('/v1/inbox?process=datasetRelease&limit=100', provider, (i) => i.caseId);
    expect(inbox.get(returned)).toMatchObject({ returns: 1 });
    expect(inbox.get(fresh)).not.toHaveProperty('returns');
    const list = await summaries('/v1/cases?process=datasetRelease&limit=100', provider, (c) => c.id);
    expect(list.get(returned)).toMatchObject({ returns: 1 });
    expect(list.get(fresh)).not.toHaveProperty('returns');

    await send(returned, 'SUBMIT', provider);
    expect((await summaries('/v1/inbox?process=datasetRelease&limit=100', authority, (i) => i.caseId)).get(returned)).toMatchObject({ returns: 1 });
    await send(returned, 'RETURN', authority);
    expect((await summaries('/v1/inbox?process=datasetRelease&limit=100', provider, (i) => i.caseId)).get(returned)).toMatchObject({ returns: 2 });
  });
});
