/**
 * A deployment rolled back, or two builds side by side on one data folder (blue/green): a server of
 * an older build — its registry lacks the newest machine versions (datasetRelease from v2,
 * conditionalApplication from v7) — meets cases the current build started on them. It must not fold them
 * with rules it does not have, nor call them damaged or altered: it refuses clearly, says an upgrade
 * is needed, stores nothing, and the current build goes on with them as before.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conditionalApplicationV1, conditionalApplicationV2, conditionalApplicationV3, conditionalApplicationV4, conditionalApplicationV5, conditionalApplicationV6 } from '../../machines/conditionalApplication.js';
import { datasetReleaseV1 } from '../../machines/datasetRelease.js';
import { listAdjustmentV1 } from '../../machines/listAdjustment.js';
import { objection } from '../../machines/objection.js';
import { ProcessRegistry, registry } from '../../machines/registry.js';
import { ALL_PROJECTIONS, inboxProjection } from '../../projections/index.js';
import { unopenedDataRequest } from '../../machines/unopenedDataRequest.js';
import { actors, startInputs } from '../machines/examples.js';
import { openTestApi } from './harness.js';

/** The registry of a build from before datasetRelease v2, conditionalApplication v7 and listAdjustment v2. */
const olderRegistry = () =>
  new ProcessRegistry([datasetReleaseV1, conditionalApplicationV1, conditionalApplicationV2, conditionalApplicationV3, conditionalApplicationV4, conditionalApplicationV5, conditionalApplicationV6, unopenedDataRequest, listAdjustmentV1, objection]);

const now = '2025-03-03T01:30:00.000Z';
let dir: string;
let release: string;
let application: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'older-build-'));
  const current = await openTestApi(dir, { now });
  try {
    const provider = await current.token('provider', actors.provider.org);
    const company = await current.token('applicant', actors.company.org);
    const r = await current.call('POST', '/v1/cases', { as: provider, body: { process: 'datasetRelease', input: startInputs.datasetRelease }, headers: { 'idempotency-key': 'release-1' } });
    const a = await current.call('POST', '/v1/cases', { as: company, body: { process: 'conditionalApplication', input: startInputs.conditionalApplication } });
    expect([r.status, r.body.version, a.status, a.body.version]).toEqual([201, 5, 201, 14]);
    release = r.body.id;
    application = a.body.id;
  } finally {
    await current.close();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('given a datasetRelease v2 and a conditionalApplication v14 case, when a server of an older build (without those versions) serves them', () => {
  it('then reading, adding to or starting again (the same Idempotency-Key) answers 503 upgradeRequired, in Chinese and in English, never "damaged", never a 5xx of its own, and stores nothing', async () => {
    const older = await openTestApi(dir, { now, registry: olderRegistry() });
    try {
      const provider = await older.token('provider', actors.provider.org);
      const authority = await older.token('authority', actors.cityAuthority.org);
      const company = await older.token('applicant', actors.company.org);
      const stored = () => older.app.store.headPosition();
      const before = await stored();
      const answers = [
        await older.call('GET', `/v1/cases/${release}`, { as: provider }),
        await older.call('GET', `/v1/cases/${release}/history`, { as: provider }),
        await older.call('POST', `/v1/cases/${release}/commands`, { as: provider, body: { type: 'RECORD_SECURITY_REVIEW', data: { passed: true, notes: '已审查' } } }),
        await older.call('POST', '/v1/cases', { as: provider, body: { process: 'datasetRelease', input: startInputs.datasetRelease }, headers: { 'idempotency-key': 'release-1' } }),
        await older.call('GET', `/v1/cases/${application}`, { as: company }),
        await older.call('POST', `/v1/cases/${application}/commands`, { as: authority, body: { type: 'PASS_NORMATIVE_REVIEW', data: { opinion: '材料齐全' } } }),
      ];
      for (const res of answers) {
        expect([res.status, res.body.code, res.body.reason], res.text).toEqual([503, 'UNAVAILABLE', 'upgradeRequired']);
        expect(res.body.detail).toMatch(/更新版本.*请升级/);
        expect(res.body.detail).not.toMatch(/损坏|篡改|改动/);
      }
      expect(answers[0]!.body).toMatchObject({ process: 'datasetRelease', version: 5, newestKnown: 1 });
      expect(answers[5]!.body).toMatchObject({ process: 'conditionalApplication', version: 14, newestKnown: 6 });
      const english = await older.call('GET', `/v1/cases/${application}`, { as: company, headers: { 'accept-language': 'en' } });
      expect([english.status, english.body.reason]).toEqual([503, 'upgradeRequired']);
      expect(english.body.detail).toMatch(/newer version.*upgrade/);
      expect(await stored()).toBe(before);
      // Whoever may not see the case learns nothing of it, as for any case: reading it or sending it a command.
      const stranger = await older.token('applicant', 'person-someone-else');
      const otherProvider = await older.token('provider', actors.otherProvider.org);
      for (const res of [
        await older.call('GET', `/v1/cases/${application}`, { as: stranger }),
        await older.call('POST', `/v1/cases/${application}/commands`, { as: stranger, body: { type: 'WITHDRAW', data: { reason: '不再需要' } } }),
        await older.call('POST', `/v1/cases/${release}/commands`, { as: otherProvider, body: { type: 'RECORD_SECURITY_REVIEW', data: { passed: true, notes: '已审查' } } }),
      ]) {
        expect([res.status, res.body.code], res.text).toEqual([404, 'NOT_FOUND']);
      }
    } finally {
      await older.close();
    }
  });

  it('then verify checks the hash chain and says the case needs a newer version to be replayed, not that it may have been altered', async () => {
    const older = await openTestApi(dir, { now, registry: olderRegistry() });
    try {
      const auditor = await older.token('auditor', '370000-dsj');
      const zh = await older.call('GET', `/v1/cases/${release}/verify`, { as: auditor });
      expect(zh.status).toBe(200);
      expect(zh.body).toMatchObject({ ok: false, events: 1, upgradeRequired: { process: 'datasetRelease', version: 5, newestKnown: 1 } });
      expect(zh.body.reason).toMatch(/哈希链完整.*更新版本.*请升级/);
      expect(zh.body.reason).not.toMatch(/篡改|损坏|改动/);
      const en = await older.call('GET', `/v1/cases/${release}/verify`, { as: auditor, headers: { 'accept-language': 'en' } });
      expect(en.body.reason).toMatch(/hash chain holds.*newer version/);
    } finally {
      await older.close();
    }
  });

  it('then the current build, started again, reads, adds to and verifies both cases as before', async () => {
    const current = await openTestApi(dir, { now });
    try {
      const provider = await current.token('provider', actors.provider.org);
      const auditor = await current.token('auditor', '370000-dsj');
      const res = await current.call('POST', `/v1/cases/${release}/commands`, { as: provider, body: { type: 'RECORD_SECURITY_REVIEW', data: { passed: true, notes: '已审查' } } });
      expect([res.status, res.body.revision], res.text).toEqual([200, 1]);
      for (const id of [release, application]) expect((await current.call('GET', `/v1/cases/${id}/verify`, { as: auditor })).body).toEqual({ ok: true, events: id === release ? 2 : 1 });
    } finally {
      await current.close();
    }
  });
});

describe('given the current build serving, when a server of an older build (its inbox read model one version behind) starts beside it on the same data folder', () => {
  it('then the current server takes the inbox back and answers as before, and the older one answers 503 upgradeRequired in Chinese (not "rebuilding, try again" for ever) and says so in /health, without taking it back', async () => {
    const current = await openTestApi(dir, { now });
    const older = await openTestApi(dir, { now, registry: olderRegistry(), projections: ALL_PROJECTIONS.map((p) => (p === inboxProjection ? { ...p, version: p.version - 1 } : p)) });
    try {
      const provider = await current.token('provider', actors.provider.org);
      const supervisor = await current.token('supervisor', '370000-dsj');
      const auditor = await current.token('auditor', '370000-dsj');
      // The current server's next reads take the inbox back (once; a rebuild of a few events).
      let inbox = await current.call('GET', '/v1/inbox', { as: provider });
      for (let i = 0; i < 50 && inbox.status !== 200; i++) {
        // Time for the takeover under way (a wait for a position no event has, which now answers at once, gave it).
        await new Promise((resolve) => setTimeout(resolve, 20));
        inbox = await current.call('GET', '/v1/inbox', { as: provider });
      }
      expect(inbox.status, inbox.text).toBe(200);
      expect(inbox.body.items.map((i: { caseId: string }) => i.caseId)).toContain(release);
      for (const [as, url] of [
        [provider, '/v1/inbox'],
        [provider, '/v1/cases'],
        [supervisor, '/v1/reports/overdue'],
        [auditor, '/v1/audit/export?from=2025-01-01T00:00:00Z&to=2025-04-01T00:00:00Z'],
      ] as const) {
        for (let round = 0; round < 3; round++) {
          const res = await older.call('GET', url, { as });
          expect([res.status, res.body?.reason], `${url}: ${res.text}`).toEqual([503, 'upgradeRequired']);
          expect(res.body.detail).toMatch(/更新版本.*请升级/);
          expect(res.headers['retry-after']).toBeUndefined();
        }
      }
      const health = await older.call('GET', '/health');
      expect(health.body).toMatchObject({ status: 'degraded', projections: { newerBuild: [{ name: 'inbox', version: inboxProjection.version, ours: inboxProjection.version - 1 }] } });
      // The current server still answers, and the inbox is still its version: no rebuild war.
      expect((await current.call('GET', '/v1/inbox', { as: provider })).status).toBe(200);
      expect(current.app.readModels.newerBuild()).toBeUndefined();
      expect(current.app.readModels.db.prepare("SELECT version FROM projection_checkpoints WHERE name = 'inbox'").pluck().get()).toBe(inboxProjection.version);
    } finally {
      await older.close();
      await current.close();
    }
  });
});

describe('given a case of a process the older build does not have at all (a later process, here objection registered again as laterProcess)', () => {
  it('when the older build serves it, then reading, its history, a command and verify say it needs a newer version (503 upgradeRequired; verify checks the chain) instead of 404 "案件不存在" while the case list and inbox list it', async () => {
    const later = mkdtempSync(join(tmpdir(), 'older-build-later-'));
    try {
      let id: string;
      const newer = await openTestApi(later, { now, registry: new ProcessRegistry([...registry.list(), { ...objection, name: 'laterProcess', title: '后来的流程' }]) });
      try {
        const company = await newer.token('applicant', actors.company.org);
        const started = await newer.call('POST', '/v1/cases', { as: company, body: { process: 'laterProcess', input: startInputs.objection } });
        expect(started.status, started.text).toBe(201);
        id = started.body.id;
      } finally {
        await newer.close();
      }
      const older = await openTestApi(later, { now });
      try {
        const company = await older.token('applicant', actors.company.org);
        const provider = await older.token('provider', actors.provider.org);
        expect((await older.call('GET', '/v1/inbox', { as: provider })).body.items.map((i: { caseId: string }) => i.caseId)).toEqual([id]);
        for (const res of [
          await older.call('GET', `/v1/cases/${id}`, { as: company }),
          await older.call('GET', `/v1/cases/${id}/history`, { as: company }),
          await older.call('POST', `/v1/cases/${id}/commands`, { as: provider, body: { type: 'RESPOND', data: { outcome: 'corrected', explanation: '已更正。' } } }),
        ]) {
          expect([res.status, res.body.reason], res.text).toEqual([503, 'upgradeRequired']);
          expect(res.body).toMatchObject({ process: 'laterProcess', version: 1, newestKnown: null });
          expect(res.body.detail).toMatch(/本服务没有.*laterProcess.*请升级/);
        }
        const verify = await older.call('GET', `/v1/cases/${id}/verify`, { as: company });
        expect([verify.status, verify.body.ok, verify.body.upgradeRequired]).toEqual([200, false, { process: 'laterProcess', version: 1, newestKnown: null }]);
        expect(verify.body.reason).toMatch(/哈希链完整/);
        // Still nobody else's business.
        const stranger = await older.token('applicant', 'person-someone-else');
        expect((await older.call('GET', `/v1/cases/${id}`, { as: stranger })).status).toBe(404);
        // A case that does not exist anywhere is still 404.
        expect((await older.call('GET', '/v1/cases/00000000-0000-4000-8000-000000000000', { as: company })).status).toBe(404);
      } finally {
        await older.close();
      }
    } finally {
      rmSync(later, { recursive: true, force: true });
    }
  });
});
