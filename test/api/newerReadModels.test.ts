/**
 * Two builds on one data folder (blue/green, or a rollback whose newer node is still up): the newer
 * build has rebuilt the read models at its own versions, in tables of its own shape, while this server
 * runs. The routes that answer from the read models say an upgrade is needed (503 upgradeRequired);
 * those that answer from the log — a case, its history, its verification, a command — go on as before,
 * without the case list's checks, and never answer 5xx.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, startInputs } from '../machines/examples.js';
import { openTestApi, type TestApi } from './harness.js';

describe('given a release and an application, when a newer build beside this server rebuilds the read models (each a version ahead, the case list and case keys of another shape)', () => {
  let dir: string;
  let api: TestApi;
  let release: string;
  let application: string;
  let provider: string;
  let company: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'newer-read-models-'));
    api = await openTestApi(dir, { now: '2025-06-02T01:30:00.000Z' });
    provider = await api.token('provider', actors.provider.org);
    company = await api.token('applicant', actors.company.org, actors.company.sub);
    release = (await api.call('POST', '/v1/cases', { as: provider, body: { process: 'datasetRelease', input: startInputs.datasetRelease } })).body.id;
    application = (await api.call('POST', '/v1/cases', { as: company, body: { process: 'conditionalApplication', input: startInputs.conditionalApplication } })).body.id;
    const db = new Database(join(dir, 'events.db'));
    try {
      db.exec('ALTER TABLE cases RENAME COLUMN revision TO last_revision');
      db.exec('ALTER TABLE projection_case_keys RENAME COLUMN case_key TO key');
      db.prepare('UPDATE projection_checkpoints SET version = version + 1').run();
    } finally {
      db.close();
    }
  });
  afterAll(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('then a case, its history and its verification are read from the log (200), in Chinese and in English, never a 5xx', async () => {
    for (const [as, id] of [
      [provider, release],
      [company, application],
    ] as const) {
      for (const url of [`/v1/cases/${id}`, `/v1/cases/${id}/history`, `/v1/cases/${id}/verify`]) {
        for (const lang of ['zh', 'en']) {
          const res = await api.call('GET', url, { as, headers: { 'accept-language': lang } });
          expect([url, res.status], res.text).toEqual([url, 200]);
        }
      }
    }
  });

  it('then a command is decided and stored as before (a refused one with its own 4xx), never a 5xx', async () => {
    const refused = await api.call('POST', `/v1/cases/${release}/commands`, { as: provider, body: { type: 'WITHDRAW', data: {} } });
    expect([refused.status, refused.body.code], refused.text).toEqual([409, 'INVALID_TRANSITION']);
    const head = await api.app.store.headPosition();
    const withdrawn = await api.call('POST', `/v1/cases/${application}/commands`, { as: company, body: { type: 'WITHDRAW', data: {} } });
    expect(withdrawn.status, withdrawn.text).toBe(200);
    expect(await api.app.store.headPosition()).toBe(head + 1);
  });

  it('then the routes that answer from the read models say an upgrade is needed', async () => {
    for (const url of ['/v1/cases', '/v1/inbox']) {
      const res = await api.call('GET', url, { as: provider });
      expect([url, res.status, res.body.reason], res.text).toEqual([url, 503, 'upgradeRequired']);
    }
  });
});
