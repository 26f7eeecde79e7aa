/**
 * The case MARK_OPENED names (第十五条: 经论证可以开放的……通过开放平台进行开放), over HTTP: a provider
 * learns of a dataset release only what it may see of it (API.md "Identity": a case someone may not
 * see answers 404, not 403). A release of another organisation is, to it, no release at all — whether
 * it can be read or not — and a case it can see but that is no release of its own is told so, not
 * "does not exist".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { conditionalApplicationV1, conditionalApplicationV2, conditionalApplicationV3, conditionalApplicationV4, conditionalApplicationV5, conditionalApplicationV6 } from '../../machines/conditionalApplication.js';
import { datasetReleaseV1 } from '../../machines/datasetRelease.js';
import { listAdjustment } from '../../machines/listAdjustment.js';
import { objection } from '../../machines/objection.js';
import { ProcessRegistry } from '../../machines/registry.js';
import { unopenedDataRequest } from '../../machines/unopenedDataRequest.js';
import { Directory } from '../../directory/directory.js';
import type { SqliteEventStore } from '../../eventstore/sqlite.js';
import { openReadModels } from '../../projections/index.js';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { dumpReadModels } from '../projections/dump.js';
import { openTestApi, type TestApi } from './harness.js';

const now = '2025-06-02T01:30:00.000Z';
/** 青岛市公安局: a provider of another city. */
const qingdaoProvider = '370200-gaj';

/** A build from before datasetRelease v2 (as test/api/olderBuild.test.ts has it). */
const olderRegistry = () =>
  new ProcessRegistry([datasetReleaseV1, conditionalApplicationV1, conditionalApplicationV2, conditionalApplicationV3, conditionalApplicationV4, conditionalApplicationV5, conditionalApplicationV6, unopenedDataRequest, listAdjustment, objection]);

const send = (api: TestApi, id: string, as: string, type: string, data: unknown = {}) => api.call('POST', `/v1/cases/${id}/commands`, { as, body: { type, data } });

/**
 * Given, on the current build: a Jinan request forwarded to 济南市公安局 and concluded openable, a
 * release of 青岛市公安局 under way, and one of 济南市公安局's own.
 */
async function givenRequestAndReleases(dir: string) {
  const api = await openTestApi(dir, { now });
  try {
    const applicant = await api.token('applicant', actors.company.org, actors.company.sub);
    const authority = await api.token('authority', actors.cityAuthority.org);
    const provider = await api.token('provider', actors.provider.org);
    const qingdao = await api.token('provider', qingdaoProvider);
    const request: string = (await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'unopenedDataRequest', input: startInputs.unopenedDataRequest } })).body.id;
    expect((await send(api, request, authority, 'PASS_NORMATIVE_REVIEW', { providerOrg: actors.provider.org })).status).toBe(200);
    expect((await send(api, request, provider, 'CONCLUDE_OPENABLE', commandData.unopenedDataRequest.CONCLUDE_OPENABLE)).status).toBe(200);
    const others = await api.call('POST', '/v1/cases', { as: qingdao, body: { process: 'datasetRelease', input: { ...startInputs.datasetRelease, providerOrg: qingdaoProvider } } });
    const own = await api.call('POST', '/v1/cases', { as: provider, body: { process: 'datasetRelease', input: startInputs.datasetRelease } });
    expect([others.status, own.status]).toEqual([201, 201]);
    expect((await send(api, others.body.id, qingdao, 'RECORD_SECURITY_REVIEW', commandData.datasetRelease.RECORD_SECURITY_REVIEW)).status).toBe(200);
    expect((await send(api, own.body.id, provider, 'RECORD_SECURITY_REVIEW', commandData.datasetRelease.RECORD_SECURITY_REVIEW)).status).toBe(200);
    return { request, others: others.body.id as string, own: own.body.id as string };
  } finally {
    await api.close();
  }
}

/** A data folder holding `givenRequestAndReleases`' cases for the describe block that calls it, removed after it. */
function dataFolderWithCases(): { dir: string; cases: Awaited<ReturnType<typeof givenRequestAndReleases>> } {
  const given = {} as { dir: string; cases: Awaited<ReturnType<typeof givenRequestAndReleases>> };
  beforeAll(async () => {
    given.dir = mkdtempSync(join(tmpdir(), 'linked-release-'));
    given.cases = await givenRequestAndReleases(given.dir);
  });
  afterAll(() => rmSync(given.dir, { recursive: true, force: true }));
  return given;
}

/** What a provider is told of a case id that names nothing at all: the answer every case it may not see must get too. */
async function answerForNoCase(api: TestApi, request: string, provider: string) {
  return send(api, request, provider, 'MARK_OPENED', { datasetReleaseCaseId: '00000000-0000-4000-8000-000000000000' });
}

describe('given a Jinan request in openingPending and a Qingdao release its provider may not see', () => {
  const given = dataFolderWithCases();

  it('when 济南市公安局 names the Qingdao release on a server of an older build (the release started on a version it lacks), then it is told what it is told of no case at all (422 linkedReleaseExists), not 503 naming the release’s process and version; its own such release still answers 503 upgradeRequired', async () => {
    const older = await openTestApi(given.dir, { now, registry: olderRegistry() });
    try {
      const provider = await older.token('provider', actors.provider.org);
      const before = await older.app.store.headPosition();
      const none = await answerForNoCase(older, given.cases.request, provider);
      const others = await send(older, given.cases.request, provider, 'MARK_OPENED', { datasetReleaseCaseId: given.cases.others });
      expect([none.status, none.body.rule]).toEqual([422, 'linkedReleaseExists']);
      expect([others.status, others.body.code, others.body.rule], others.text).toEqual([422, 'RULE_VIOLATED', 'linkedReleaseExists']);
      expect(others.body.detail).toBe(none.body.detail);
      expect(others.text).not.toContain('datasetRelease 第');
      expect((await older.call('GET', `/v1/cases/${given.cases.others}`, { as: provider })).status).toBe(404);
      // The sender may see its own release: the server cannot decide on it, and says so.
      const own = await send(older, given.cases.request, provider, 'MARK_OPENED', { datasetReleaseCaseId: given.cases.own });
      expect([own.status, own.body.reason], own.text).toEqual([503, 'upgradeRequired']);
      expect(await older.app.store.headPosition()).toBe(before);
    } finally {
      await older.close();
    }
  });

  it('when the Qingdao release’s stored events can no longer be read (damaged), then 济南市公安局 naming it is told what it is told of no case at all, not 503 naming its stream and position; its own damaged release still answers 503 storeUnreadable', async () => {
    const db = new Database(join(given.dir, 'events.db'));
    try {
      for (const id of [given.cases.others, given.cases.own]) db.prepare('UPDATE events SET data = substr(data, 1, 5) WHERE stream_id = ? AND revision = 1').run(`datasetRelease-${id}`);
    } finally {
      db.close();
    }
    const api = await openTestApi(given.dir, { now });
    try {
      const provider = await api.token('provider', actors.provider.org);
      const before = await api.app.store.headPosition();
      const none = await answerForNoCase(api, given.cases.request, provider);
      const others = await send(api, given.cases.request, provider, 'MARK_OPENED', { datasetReleaseCaseId: given.cases.others });
      expect([others.status, others.body.rule], others.text).toEqual([422, 'linkedReleaseExists']);
      expect(others.body.detail).toBe(none.body.detail);
      expect(others.text).not.toContain(given.cases.others);
      expect((await api.call('GET', `/v1/cases/${given.cases.others}`, { as: provider })).status).toBe(404);
      const own = await send(api, given.cases.request, provider, 'MARK_OPENED', { datasetReleaseCaseId: given.cases.own });
      expect([own.status, own.body.reason], own.text).toEqual([503, 'storeUnreadable']);
      expect(await api.app.store.headPosition()).toBe(before);
    } finally {
      await api.close();
    }
  });
});

describe('given a Jinan request in openingPending, when its provider names a case that is no dataset release of its own', () => {
  let dir: string;
  let api: TestApi;
  let provider: string;
  let request: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'linked-release-'));
    request = (await givenRequestAndReleases(dir)).request;
    api = await openTestApi(dir, { now });
    provider = await api.token('provider', actors.provider.org);
  });
  afterAll(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('then the request itself, its own objection case or an unknown id are all refused alike (422 linkedReleaseExists), saying the id must name a dataset release case of its organisation — not that a case it has open in front of it does not exist', async () => {
    const applicant = await api.token('applicant', actors.company.org, actors.company.sub);
    const objectionCase: string = (await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: startInputs.objection } })).body.id;
    expect((await api.call('GET', `/v1/cases/${objectionCase}`, { as: provider })).status).toBe(200);
    const answers = [
      await send(api, request, provider, 'MARK_OPENED', { datasetReleaseCaseId: request }),
      await send(api, request, provider, 'MARK_OPENED', { datasetReleaseCaseId: objectionCase }),
      await answerForNoCase(api, request, provider),
    ];
    for (const res of answers) {
      expect([res.status, res.body.rule], res.text).toEqual([422, 'linkedReleaseExists']);
      expect(res.body.detail).toBe(answers[2]!.body.detail);
      expect(res.body.detail).toMatch(/不是本单位的数据集开放案件/);
    }
    const en = await api.call('POST', `/v1/cases/${request}/commands`, { as: provider, body: { type: 'MARK_OPENED', data: { datasetReleaseCaseId: request } }, headers: { 'accept-language': 'en' } });
    expect([en.status, en.body.rule]).toEqual([422, 'linkedReleaseExists']);
    expect(en.body.detail).toMatch(/not a dataset release case of your organisation/);
  });
});

describe('given a Jinan request in openingPending, when its provider marks it opened by its own release still under review (第十五条: 通过开放平台进行开放)', () => {
  let dir: string;
  let api: TestApi;
  let provider: string;
  let authority: string;
  let cases: Awaited<ReturnType<typeof givenRequestAndReleases>>;
  const rowOf = async (as: string, caseId: string, lang?: string) => {
    const res = await api.call('GET', '/v1/inbox', { as, ...(lang ? { headers: { 'accept-language': lang } } : {}) });
    expect(res.status, res.text).toBe(200);
    return { item: (res.body.items as { caseId: string }[]).find((i) => i.caseId === caseId) as any, headers: res.headers };
  };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'linked-release-'));
    cases = await givenRequestAndReleases(dir);
    api = await openTestApi(dir, { now });
    provider = await api.token('provider', actors.provider.org);
    authority = await api.token('authority', actors.cityAuthority.org);
    for (const type of ['SET_DESENSITIZATION_RULES', 'SUBMIT'] as const) {
      const res = await send(api, cases.own, provider, type, commandData.datasetRelease[type]);
      expect(res.status, res.text).toBe(200);
    }
  });
  afterAll(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('then the provider’s inbox row still counts down to its deadline but says it awaits the release’s publication, and the authority’s row for the release’s review names the request and its statutory due date; both go when the release is published', async () => {
    const before = (await rowOf(provider, cases.request)).item;
    expect(before).toMatchObject({ state: 'openingPending', stage: 'openingPending' });
    expect(before.awaiting).toBeUndefined();
    expect((await rowOf(authority, cases.own)).item.awaitedBy).toBeUndefined();

    const marked = await send(api, cases.request, provider, 'MARK_OPENED', { datasetReleaseCaseId: cases.own });
    expect(marked.status, marked.text).toBe(200);

    const waiting = await rowOf(provider, cases.request);
    // The task and its deadline stay: opening means publication.
    expect(waiting.item).toMatchObject({ state: 'openingPending', stage: 'openingPending', dueDate: before.dueDate, overdue: false });
    expect(waiting.item.awaiting).toEqual([
      { caseId: cases.own, process: 'datasetRelease', state: 'underReview', title: startInputs.datasetRelease.title, note: expect.stringContaining(cases.own) },
    ]);
    expect(waiting.item.awaiting[0].note).toMatch(/^已提交「标记数据已开放」，待公共数据开放案件「.+」（.+）进入「已发布」后由系统自动办结；在此之前本待办及其期限仍然有效$/);
    expect(waiting.headers['content-language']).toBe('zh-CN');
    const en = await rowOf(provider, cases.request, 'en');
    expect(en.item.awaiting[0].note).toMatch(/published/);
    expect(en.item.awaiting[0].note).toContain(cases.own);
    expect(en.headers['content-language']).toBe('en');
    expect(String(en.headers.vary)).toMatch(/Accept-Language/i);

    const review = (await rowOf(authority, cases.own)).item;
    expect(review).toMatchObject({ process: 'datasetRelease', stage: 'underReview' });
    expect(review.awaitedBy).toEqual([
      {
        caseId: cases.request,
        process: 'unopenedDataRequest',
        title: startInputs.unopenedDataRequest.resourceName,
        stage: 'openingPending',
        label: before.label,
        dueAt: before.dueAt,
        dueDate: before.dueDate,
        basis: before.basis,
        article: before.article,
        note: expect.stringContaining(before.dueDate),
      },
    ]);
    expect(review.awaitedBy[0].note).toContain('第十五条');
    // In English, the article reads as English, beside the deadline (not "is due": it may have passed).
    const enNote = (await rowOf(authority, cases.own, 'en')).item.awaitedBy[0].note as string;
    expect(enNote).toMatch(/waits on this case/);
    expect(enNote).toContain(`has the deadline ${before.dueDate} (Article 15)`);

    // A read model, from events: rebuilt from position 0, in place and in worker threads, it holds the same rows.
    const incremental = dumpReadModels(api.app.readModels.db);
    expect(incremental.inbox_waits).toHaveLength(1);
    await api.app.readModels.rebuild();
    expect(dumpReadModels(api.app.readModels.db)).toEqual(incremental);
    const parallel = await openReadModels({ store: api.app.store as SqliteEventStore, dataDir: dir, directory: Directory.load(), rebuildThreads: 2, parallelRebuildMinEvents: 1 });
    try {
      expect((await parallel.rebuild()).threads).toBe(2);
      expect(dumpReadModels(parallel.db)).toEqual(incremental);
    } finally {
      await parallel.close();
    }
    expect((await rowOf(provider, cases.request)).item).toEqual(waiting.item);

    // Published: the system completes the request, and nothing waits any more.
    const approved = await send(api, cases.own, authority, 'APPROVE', commandData.datasetRelease.APPROVE);
    expect(approved.status, approved.text).toBe(200);
    // The system's MARK_OPENED follows the publication's append.
    await expect.poll(async () => (await api.call('GET', `/v1/cases/${cases.request}`, { as: provider })).body.state).toBe('opened');
    expect((await rowOf(provider, cases.request)).item).toBeUndefined();
    expect((await rowOf(authority, cases.own)).item).toBeUndefined();
    expect(dumpReadModels(api.app.readModels.db).inbox_waits).toEqual([]);
  });
});

describe('given a Jinan request waiting on its provider’s release, when the release is published on a server that does not complete the link (another node) and then withdrawn before a timer pass completes it', () => {
  let dir: string;
  let api: TestApi;
  let provider: string;
  let cases: Awaited<ReturnType<typeof givenRequestAndReleases>>;
  const awaitingOf = async (lang?: string) => {
    const res = await api.call('GET', '/v1/inbox', { as: provider, ...(lang ? { headers: { 'accept-language': lang } } : {}) });
    expect(res.status, res.text).toBe(200);
    return ((res.body.items as { caseId: string }[]).find((i) => i.caseId === cases.request) as any)?.awaiting;
  };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'linked-release-'));
    cases = await givenRequestAndReleases(dir);
    api = await openTestApi(dir, { now });
    provider = await api.token('provider', actors.provider.org);
    const authority = await api.token('authority', actors.cityAuthority.org);
    for (const type of ['SET_DESENSITIZATION_RULES', 'SUBMIT'] as const) expect((await send(api, cases.own, provider, type, commandData.datasetRelease[type])).status).toBe(200);
    expect((await send(api, cases.request, provider, 'MARK_OPENED', { datasetReleaseCaseId: cases.own })).status).toBe(200);
    // This server no longer follows links: the publication is as if made on a node that did not complete the request.
    api.app.scheduler.stop();
    expect((await send(api, cases.own, authority, 'APPROVE', commandData.datasetRelease.APPROVE)).status).toBe(200);
    expect((await send(api, cases.own, provider, 'WITHDRAW', commandData.datasetRelease.WITHDRAW)).status).toBe(200);
  });
  afterAll(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('then the provider’s inbox item still names the release it waits on by its title and state (withdrawn), and its note says the release was withdrawn and will not complete the request, not that the system will complete it once published', async () => {
    expect((await api.call('GET', `/v1/cases/${cases.request}`, { as: provider })).body.state).toBe('openingPending');
    const [awaiting] = await awaitingOf();
    expect(awaiting).toMatchObject({ caseId: cases.own, process: 'datasetRelease', title: startInputs.datasetRelease.title, state: 'withdrawn' });
    expect((await api.call('GET', `/v1/cases/${cases.request}`, { as: provider })).body.awaiting).toEqual([awaiting]);
    expect(awaiting.note).toContain('已撤回');
    expect(awaiting.note).not.toContain('由系统自动办结');
    expect(awaiting.note).toContain('标记数据已开放');
    const [en] = await awaitingOf('en');
    expect(en).toMatchObject({ title: startInputs.datasetRelease.title, state: 'withdrawn' });
    expect(en.note).toMatch(/withdrawn/);
    expect(en.note).not.toMatch(/the system completes this case once/);
  });

  it('then the withdrawn release’s own view still names the request and its deadline, but its note says the release has ended and will not complete it, not that the request waits on it being published', async () => {
    const view = await api.call('GET', `/v1/cases/${cases.own}`, { as: provider });
    expect([view.status, view.body.state]).toEqual([200, 'withdrawn']);
    const [waiting] = view.body.awaitedBy;
    expect(waiting).toMatchObject({ caseId: cases.request, process: 'unopenedDataRequest', stage: 'openingPending' });
    expect(waiting.note).toContain(waiting.dueDate);
    expect(waiting.note).toContain('提交的「标记数据已开放」指向本案件');
    expect(waiting.note).toContain('本案件已办结（「已撤回」）');
    expect(waiting.note).toContain('系统不会据此办结该案件');
    const en = await api.call('GET', `/v1/cases/${cases.own}`, { as: provider, headers: { 'accept-language': 'en' } });
    expect(en.body.awaitedBy[0].note).toMatch(/has ended in withdrawn/);
    expect(en.body.awaitedBy[0].note).not.toMatch(/waits on this case reaching/);
  });
});

describe('given a Jinan request waiting on its provider’s release under review, when the release itself is opened (GET /v1/cases/:id)', () => {
  let dir: string;
  let api: TestApi;
  let provider: string;
  let authority: string;
  let cases: Awaited<ReturnType<typeof givenRequestAndReleases>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'linked-release-'));
    cases = await givenRequestAndReleases(dir);
    api = await openTestApi(dir, { now });
    provider = await api.token('provider', actors.provider.org);
    authority = await api.token('authority', actors.cityAuthority.org);
    for (const type of ['SET_DESENSITIZATION_RULES', 'SUBMIT'] as const) expect((await send(api, cases.own, provider, type, commandData.datasetRelease[type])).status).toBe(200);
    expect((await send(api, cases.request, provider, 'MARK_OPENED', { datasetReleaseCaseId: cases.own })).status).toBe(200);
  });
  afterAll(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('then the request’s own view names the release it waits on, as the provider’s inbox item does (title, state and note, in the language asked), to whoever may see that release; its applicant, who may not, is told none', async () => {
    const inboxItem = ((await api.call('GET', '/v1/inbox', { as: provider })).body.items as any[]).find((i) => i.caseId === cases.request);
    expect(inboxItem.awaiting).toEqual([expect.objectContaining({ caseId: cases.own, process: 'datasetRelease', state: 'underReview', title: startInputs.datasetRelease.title })]);
    const view = await api.call('GET', `/v1/cases/${cases.request}`, { as: provider });
    expect(view.status, view.text).toBe(200);
    expect(view.body.awaiting).toEqual(inboxItem.awaiting);
    expect(view.headers['content-language']).toBe('zh-CN');
    const en = await api.call('GET', `/v1/cases/${cases.request}`, { as: provider, headers: { 'accept-language': 'en' } });
    expect(en.body.awaiting[0].note).toMatch(/reaches published/);
    expect(en.headers['content-language']).toBe('en');
    // The authority sees both cases: it is told the same.
    expect((await api.call('GET', `/v1/cases/${cases.request}`, { as: authority })).body.awaiting).toEqual(inboxItem.awaiting);
    const applicant = await api.token('applicant', actors.company.org, actors.company.sub);
    expect((await api.call('GET', `/v1/cases/${cases.own}`, { as: applicant })).status).toBe(404);
    const own = await api.call('GET', `/v1/cases/${cases.request}`, { as: applicant });
    expect(own.status, own.text).toBe(200);
    expect(own.body.awaiting).toBeUndefined();
    expect(own.text).not.toContain(startInputs.datasetRelease.title);
    // Nothing waits on the request, and the release waits on nothing.
    expect(view.body.awaitedBy).toBeUndefined();
    expect((await api.call('GET', `/v1/cases/${cases.own}`, { as: provider })).body.awaiting).toBeUndefined();
    // Half rebuilt, or rebuilt by a newer build beside this one, the read models give neither: the case itself still answers.
    for (const spy of [vi.spyOn(api.app.readModels, 'rebuilding').mockReturnValue({ done: 0, total: 1 }), vi.spyOn(api.app.readModels, 'newerBuild').mockReturnValue([{ name: 'inbox', version: 99, ours: 1 }])]) {
      try {
        for (const id of [cases.request, cases.own]) {
          const res = await api.call('GET', `/v1/cases/${id}`, { as: provider });
          expect([res.status, res.body.awaiting, res.body.awaitedBy], res.text).toEqual([200, undefined, undefined]);
        }
      } finally {
        spy.mockRestore();
      }
    }
    expect((await api.call('GET', `/v1/cases/${cases.request}`, { as: provider })).body.awaiting).toEqual(inboxItem.awaiting);
  });

  it('then its reviewer and its provider see the request waiting on it with the request’s statutory deadline, as the authority’s inbox item does, in the language asked; the request and the other release show none; once published, none', async () => {
    const inboxItem = ((await api.call('GET', '/v1/inbox', { as: authority })).body.items as any[]).find((i) => i.caseId === cases.own);
    expect(inboxItem.awaitedBy).toHaveLength(1);
    for (const as of [authority, provider]) {
      const res = await api.call('GET', `/v1/cases/${cases.own}`, { as });
      expect(res.status, res.text).toBe(200);
      expect(res.body.awaitedBy).toEqual(inboxItem.awaitedBy);
      expect(res.headers['content-language']).toBe('zh-CN');
    }
    const en = await api.call('GET', `/v1/cases/${cases.own}`, { as: authority, headers: { 'accept-language': 'en' } });
    expect(en.body.awaitedBy[0].note).toMatch(/waits on this case/);
    expect(en.headers['content-language']).toBe('en');
    expect((await api.call('GET', `/v1/cases/${cases.request}`, { as: provider })).body.awaitedBy).toBeUndefined();
    const qingdao = await api.token('provider', qingdaoProvider);
    expect((await api.call('GET', `/v1/cases/${cases.others}`, { as: qingdao })).body.awaitedBy).toBeUndefined();

    expect((await send(api, cases.own, authority, 'APPROVE', commandData.datasetRelease.APPROVE)).status).toBe(200);
    await expect.poll(async () => (await api.call('GET', `/v1/cases/${cases.request}`, { as: provider })).body.state).toBe('opened');
    expect((await api.call('GET', `/v1/cases/${cases.own}`, { as: authority })).body.awaitedBy).toBeUndefined();
  });
});

describe('given a Jinan request and its provider’s release under review, the read models following the store (as with EventStoreDB)', () => {
  let dir: string;
  let api: TestApi;
  let cases: Awaited<ReturnType<typeof givenRequestAndReleases>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'linked-release-'));
    cases = await givenRequestAndReleases(dir);
    // Each event reaches the read models 100 ms after it is stored.
    api = await openTestApi(dir, { now, follow: { lagMs: 100 } });
  });
  afterAll(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when its provider marks the request opened by it and the release is read at once with the answer’s minPosition (API.md), then the release’s view names the request waiting on it', async () => {
    const provider = await api.token('provider', actors.provider.org);
    const authority = await api.token('authority', actors.cityAuthority.org);
    for (const type of ['SET_DESENSITIZATION_RULES', 'SUBMIT'] as const) expect((await send(api, cases.own, provider, type, commandData.datasetRelease[type])).status).toBe(200);
    const marked = await send(api, cases.request, provider, 'MARK_OPENED', { datasetReleaseCaseId: cases.own });
    expect(marked.status).toBe(200);
    expect(api.app.readModels.position).toBeLessThan(marked.body.position);
    const res = await api.call('GET', `/v1/cases/${cases.own}?minPosition=${marked.body.position}`, { as: authority });
    expect(res.status, res.text).toBe(200);
    expect(res.body.awaitedBy).toMatchObject([{ caseId: cases.request, process: 'unopenedDataRequest' }]);
  });

  it('when the release is read with a minPosition, then the answer says how far the read models had come (x-read-models-position, as the inbox’s does), so a client can tell an awaitedBy still behind it', async () => {
    const provider = await api.token('provider', actors.provider.org);
    const authority = await api.token('authority', actors.cityAuthority.org);
    const head = await api.app.store.headPosition();
    const res = await api.call('GET', `/v1/cases/${cases.own}?minPosition=${head}`, { as: authority });
    expect(res.status, res.text).toBe(200);
    expect(res.headers['x-read-models-position']).toBe(String(api.app.readModels.position));
    expect(Number(res.headers['x-read-models-position'])).toBeGreaterThanOrEqual(head);
    // A position the read models have not reached when the bound (2 s, its timer moved here) ends: the
    // answer says they are behind it, as the inbox's does.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      for (const url of [`/v1/cases/${cases.own}`, '/v1/inbox']) {
        let answered = false;
        const asked = api.call('GET', `${url}?minPosition=${head + 1}`, { as: provider }).finally(() => (answered = true));
        // Fake time moves only between real turns of the loop (setImmediate is not faked), so the request's
        // own I/O has come as far as the bound's timer before that timer is run; else the steps could all
        // pass before the route had set it, and the answer would wait for ever.
        for (let steps = 0; !answered && steps < 10_000; steps++) {
          await new Promise((resolve) => setImmediate(resolve));
          await vi.advanceTimersByTimeAsync(100);
        }
        const behind = await asked;
        expect(behind.status, behind.text).toBe(200);
        expect(behind.headers['x-read-models-position'], url).toBe(String(head));
      }
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('given a Jinan request waiting on its provider’s release, when a newer build beside this server rebuilds the read models (its inbox one version ahead, its waits of another shape)', () => {
  const given = dataFolderWithCases();

  it('then the release, read from the store, is answered (200) without awaitedBy, which this build cannot read, never a 5xx; the inbox says an upgrade is needed', async () => {
    const api = await openTestApi(given.dir, { now });
    try {
      const provider = await api.token('provider', actors.provider.org);
      expect((await send(api, given.cases.request, provider, 'MARK_OPENED', { datasetReleaseCaseId: given.cases.own })).status).toBe(200);
      expect((await api.call('GET', `/v1/cases/${given.cases.own}`, { as: provider })).body.awaitedBy).toHaveLength(1);
      // What the newer build leaves while this server runs: its inbox at a version this build does not know, its tables of its own shape.
      const db = new Database(join(given.dir, 'events.db'));
      try {
        db.exec('ALTER TABLE inbox_waits RENAME COLUMN linked_case_id TO linked_case');
        db.prepare("UPDATE projection_checkpoints SET version = version + 1 WHERE name = 'inbox'").run();
      } finally {
        db.close();
      }
      const inbox = await api.call('GET', '/v1/inbox', { as: provider });
      expect([inbox.status, inbox.body.reason], inbox.text).toEqual([503, 'upgradeRequired']);
      for (const lang of ['zh', 'en']) {
        const res = await api.call('GET', `/v1/cases/${given.cases.own}`, { as: provider, headers: { 'accept-language': lang } });
        expect(res.status, res.text).toBe(200);
        expect(res.body).toMatchObject({ id: given.cases.own, process: 'datasetRelease' });
        expect(res.body.awaitedBy).toBeUndefined();
      }
    } finally {
      await api.close();
    }
  });
});
