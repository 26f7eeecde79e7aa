/**
 * API.md "Identity": a case someone may not see is never named, also through a link (第十五条 MARK_OPENED
 * naming a release). A link made while a directory said 济南市公安局 was abolished into 青岛市公安局 (a
 * mistake, corrected at the next start) joins a Jinan request and a Qingdao release that, once corrected,
 * share no reader: each side's inbox item named the other's title, state and deadline.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, commandData, personApplicant, startInputs } from '../machines/examples.js';
import { openTestApi, type TestApi } from './harness.js';

type Org = { code: string; name: string; successor?: string };
const shipped = JSON.parse(readFileSync(fileURLToPath(new URL('../../directory/data/shandong.json', import.meta.url)), 'utf8')) as Org[];
const JINAN_GAJ = '370100-gaj';
const QINGDAO_GAJ = '370200-gaj';
const QINGDAO_DSJ = '370200-dsj';
const send = (api: TestApi, id: string, as: string, type: string, data: unknown = {}) => api.call('POST', `/v1/cases/${id}/commands`, { as, body: { type, data } });

let dir: string;
let api: TestApi;
let request: string;
let release: string;
const orgsFile = (name: string, orgs: Org[]) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(orgs));
  return path;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'probe-links-'));
  const first = await openTestApi(dir, { now: '2026-03-02T02:00:00Z' });
  try {
    const applicant = await first.token('applicant', actors.person.org, actors.person.sub);
    const authority = await first.token('authority', actors.cityAuthority.org);
    const provider = await first.token('provider', JINAN_GAJ);
    const res = await first.call('POST', '/v1/cases', { as: applicant, body: { process: 'unopenedDataRequest', input: { ...startInputs.unopenedDataRequest, applicant: personApplicant, usePeriod: { from: '2026-03-02', to: '2026-12-31' } } } });
    expect(res.status, res.text).toBe(201);
    request = res.body.id;
    expect((await send(first, request, authority, 'PASS_NORMATIVE_REVIEW', { providerOrg: JINAN_GAJ })).status).toBe(200);
    expect((await send(first, request, provider, 'CONCLUDE_OPENABLE', commandData.unopenedDataRequest.CONCLUDE_OPENABLE)).status).toBe(200);
  } finally {
    await first.close();
  }
  // The mistaken directory: 济南市公安局 abolished into 青岛市公安局.
  const wrong = await openTestApi(dir, { orgs: orgsFile('wrong.json', shipped.map((o) => (o.code === JINAN_GAJ ? { ...o, successor: QINGDAO_GAJ } : o))), now: '2026-03-03T02:00:00Z' });
  try {
    // A provider's task reaches its successor with no hand-on: the inbox lists a predecessor's tasks.
    const qingdao = await wrong.token('provider', QINGDAO_GAJ);
    const started = await wrong.call('POST', '/v1/cases', { as: qingdao, body: { process: 'datasetRelease', input: { ...startInputs.datasetRelease, title: '青岛市机动车登记统计', providerOrg: QINGDAO_GAJ } } });
    expect(started.status, started.text).toBe(201);
    release = started.body.id;
    for (const type of ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES', 'SUBMIT'] as const) {
      const r = await send(wrong, release, qingdao, type, commandData.datasetRelease[type]);
      expect(r.status, r.text).toBe(200);
    }
    const marked = await send(wrong, request, qingdao, 'MARK_OPENED', { datasetReleaseCaseId: release });
    expect(marked.status, marked.text).toBe(200);
  } finally {
    await wrong.close();
  }
  // Corrected: 济南市公安局 is back, and the hand-on gives it its request's task again.
  api = await openTestApi(dir, { orgs: orgsFile('corrected.json', shipped), now: '2026-03-04T02:00:00Z' });
});
afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('given a Jinan request (a person’s) linked to a Qingdao release while a mistaken directory had 济南市公安局 abolished into 青岛市公安局, when the directory is corrected', () => {
  it('then 青岛市大数据局, reviewing the release, may not see the request, and neither the release’s view nor its inbox item names it (title, stage, deadline)', async () => {
    const qdsj = await api.token('authority', QINGDAO_DSJ);
    expect((await api.call('GET', `/v1/cases/${request}`, { as: qdsj })).status).toBe(404);
    const view = await api.call('GET', `/v1/cases/${release}`, { as: qdsj });
    expect(view.status).toBe(200);
    expect(view.body.awaitedBy).toBeUndefined();
    const inbox = await api.call('GET', '/v1/inbox', { as: qdsj });
    const item = inbox.body.items.find((i: { caseId: string }) => i.caseId === release);
    expect(item).toMatchObject({ stage: 'underReview', org: QINGDAO_DSJ });
    expect(item.awaitedBy).toBeUndefined();
    expect(inbox.text).not.toContain(request);
    expect(inbox.text).not.toContain(startInputs.unopenedDataRequest.resourceName);
  });

  it('then 济南市公安局, holding the request’s task again, may not see the Qingdao release, and neither the request’s view nor its inbox item names it (title, state)', async () => {
    const jgaj = await api.token('provider', JINAN_GAJ);
    expect((await api.call('GET', `/v1/cases/${release}`, { as: jgaj })).status).toBe(404);
    const view = await api.call('GET', `/v1/cases/${request}`, { as: jgaj });
    expect(view.status).toBe(200);
    expect(view.body.awaiting).toBeUndefined();
    const inbox = await api.call('GET', '/v1/inbox', { as: jgaj });
    const item = inbox.body.items.find((i: { caseId: string }) => i.caseId === request);
    expect(item).toMatchObject({ stage: 'openingPending', org: JINAN_GAJ });
    expect(item.awaiting).toBeUndefined();
    expect(inbox.text).not.toContain(release);
    expect(inbox.text).not.toContain('青岛市机动车登记统计');
  });
});
