/**
 * Commands that do not conflict, sent at once on one case without an expectedRevision ("the case as it
 * is"): each is stored. Decided side by side they all read the same revision; one was stored and the
 * others were decided again in lockstep until their tries ran out — six at once had two answered 409
 * REVISION_CONFLICT "您基于版本 3", a revision they never named.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WrongExpectedVersionError } from '../../eventstore/types.js';
import { commandData, startInputs } from '../machines/examples.js';
import { startTestApi, type TestApi } from '../api/harness.js';
import { party, rebuildEqualsIncremental } from './helpers.js';

let api: TestApi;
let provider: string;
beforeEach(async () => {
  api = await startTestApi({ now: '2025-03-03T01:30:00.000Z' });
  provider = await api.token('provider', party.provider.org, party.provider.sub);
});
afterEach(() => api.close());

async function draft(): Promise<string> {
  const started = await api.call('POST', '/v1/cases', { as: provider, body: { process: 'datasetRelease', input: startInputs.datasetRelease } });
  expect(started.status, started.text).toBe(201);
  return started.body.id;
}

const update = (i: number) => ({ type: 'UPDATE_DRAFT', data: { description: `${commandData.datasetRelease.UPDATE_DRAFT.description}（第 ${i} 次修改）` } });

describe('many commands on one case at once, without an expectedRevision', () => {
  it('given a draft, when its provider sends 12 updates and its security review at once, then all 13 are stored, one revision each, and the read models are what a rebuild makes', async () => {
    const id = await draft();
    const bodies = [...Array.from({ length: 12 }, (_, i) => update(i)), { type: 'RECORD_SECURITY_REVIEW', data: commandData.datasetRelease.RECORD_SECURITY_REVIEW }];
    const answers = await Promise.all(bodies.map((body) => api.call('POST', `/v1/cases/${id}/commands`, { as: provider, body })));
    expect(answers.map((a) => [a.status, a.body.code])).toEqual(bodies.map(() => [200, undefined]));
    expect(answers.map((a) => a.body.revision).sort((x, y) => x - y)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    const history = await api.call('GET', `/v1/cases/${id}/history`, { as: provider });
    expect(history.body.events).toHaveLength(14);
    expect((await api.call('GET', `/v1/cases/${id}/verify`, { as: provider })).body).toEqual({ ok: true, events: 14 });
    const list = await api.call('GET', '/v1/cases?process=datasetRelease', { as: provider });
    expect(list.body.items.find((c: { id: string }) => c.id === id)).toMatchObject({ revision: 13 });
    const { incremental, rebuilt } = await rebuildEqualsIncremental(api);
    expect(rebuilt).toEqual(incremental);
  });

  it('given a case that changes under every try (another node storing first), when a command without an expectedRevision runs out of tries, then 409 REVISION_CONFLICT says the case kept changing, not that the sender named a revision, with the case as it stands: its revision, state and what the sender may send', async () => {
    const id = await draft();
    const store = api.app.store;
    const append = store.appendToStream.bind(store);
    store.appendToStream = async (stream) => {
      throw new WrongExpectedVersionError(stream, 0, 1);
    };
    try {
      const zh = await api.call('POST', `/v1/cases/${id}/commands`, { as: provider, body: update(1) });
      expect(zh.status).toBe(409);
      // The case as it stands (this store's refusals stored nothing), not the revision the last lost try named (1).
      expect(zh.body).toMatchObject({ code: 'REVISION_CONFLICT', currentRevision: 0, state: 'drafting', allowed: expect.arrayContaining(['UPDATE_DRAFT']) });
      expect(zh.body.detail).toContain('案件正被同时处理');
      expect(zh.body.detail).not.toContain('您基于版本');
      const en = await api.call('POST', `/v1/cases/${id}/commands`, { as: provider, body: update(2), headers: { 'accept-language': 'en' } });
      expect(en.body.detail).toContain('the case kept changing');
    } finally {
      store.appendToStream = append;
    }
  });
});
