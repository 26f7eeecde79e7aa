/**
 * HTTP/1.1 pipelining (RFC 9112 §9.3.2): a client may send several requests on one connection
 * without waiting for the answers. They are answered in order, and a request is decided on what the
 * ones before it on the connection did: only requests that are all safe may be worked on at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, commandData, startInputs } from '../machines/examples.js';
import type { TestApi } from './harness.js';
import { answersIn, eventsStored, exchange, listeningTestApi, request } from './wire.js';

let api: TestApi;
let close: () => Promise<void>;
let port: number;
let applicant: string;
let provider: string;
beforeAll(async () => {
  ({ api, port, close } = await listeningTestApi());
  applicant = await api.token('applicant', actors.company.org, actors.company.sub);
  provider = await api.token('provider', actors.provider.org);
});
afterAll(() => close());

const start = { process: 'objection', input: startInputs.objection };

describe('given one keep-alive connection', () => {
  it('when a client pipelines a start, the same start again with its Idempotency-Key, and a read of its case list, then three answers in order, one case stored, and the list shows it', async () => {
    const storedBefore = await eventsStored(api);
    const key = { 'Idempotency-Key': 'pipelined-start-1' };
    const { raw } = await exchange(port, [
      request('POST', '/v1/cases', { token: applicant, body: start, headers: key }),
      request('POST', '/v1/cases', { token: applicant, body: start, headers: key }),
      request('GET', '/v1/cases?limit=100', { token: applicant, headers: { Connection: 'close' } }),
    ]);
    const answers = answersIn(raw);
    expect(answers.map((a) => a.status)).toEqual([201, 201, 200]);
    const id = answers[0]!.json.id;
    expect(answers[1]!.json.id).toBe(id);
    expect(answers[2]!.json.items.map((c: { id: string }) => c.id)).toContain(id);
    expect(await eventsStored(api)).toBe(storedBefore + 1);
  });

  it('when a provider pipelines a command and then a read of the case, then the read shows the case as the command left it', async () => {
    const started = await api.call('POST', '/v1/cases', { as: applicant, body: start });
    const id = started.body.id;
    const { raw } = await exchange(port, [
      request('POST', `/v1/cases/${id}/commands`, { token: provider, body: { type: 'RESPOND', data: commandData.objection.RESPOND, expectedRevision: 0 } }),
      request('GET', `/v1/cases/${id}`, { token: provider }),
      request('GET', `/v1/cases/${id}/history`, { token: provider, headers: { Connection: 'close' } }),
    ]);
    const answers = answersIn(raw);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers[1]!.json).toMatchObject({ revision: 1, state: answers[0]!.json.state });
    expect(answers[2]!.json.events).toHaveLength(2);
  });

  it('when a read is pipelined before a command, then the read shows the case as it was before the command', async () => {
    const started = await api.call('POST', '/v1/cases', { as: applicant, body: start });
    const id = started.body.id;
    const { raw } = await exchange(port, [
      request('GET', `/v1/cases/${id}`, { token: provider }),
      request('POST', `/v1/cases/${id}/commands`, { token: provider, body: { type: 'RESPOND', data: commandData.objection.RESPOND } }),
      request('GET', `/v1/cases/${id}`, { token: provider, headers: { Connection: 'close' } }),
    ]);
    const answers = answersIn(raw);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers[0]!.json.revision).toBe(0);
    expect(answers[2]!.json.revision).toBe(1);
  });
});

describe('given a request that closes its connection, and more requests after it on the same connection (RFC 9112 §9.6: nothing after it is read)', () => {
  it('when a start says Connection: close and a start follows it, then the first is answered 201 and stored, and the second is neither answered nor stored', async () => {
    const storedBefore = await eventsStored(api);
    const { raw } = await exchange(port, [
      request('POST', '/v1/cases', { token: applicant, body: start, headers: { Connection: 'close' } }),
      request('POST', '/v1/cases', { token: applicant, body: start }),
    ]);
    const answers = answersIn(raw);
    expect(answers.map((a) => a.status)).toEqual([201]);
    expect(await eventsStored(api)).toBe(storedBefore + 1);
  });

  it('when the server answers a request with Connection: close (a second Host header) and a start was pipelined behind it, then the start is neither worked on nor stored', async () => {
    const storedBefore = await eventsStored(api);
    const { raw } = await exchange(port, [
      request('GET', '/v1/inbox', { token: provider, headers: { Host: 'a.example' } }).replace('\r\n\r\n', '\r\nHost: b.example\r\n\r\n'),
      request('POST', '/v1/cases', { token: applicant, body: start }),
    ]);
    const answers = answersIn(raw);
    expect(answers.map((a) => a.status)).toEqual([400]);
    expect(answers[0]!.headers.connection).toBe('close');
    expect(await eventsStored(api)).toBe(storedBefore);
  });
});
