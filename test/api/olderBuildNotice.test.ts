/**
 * A holiday notice loaded through a server of an older build during a rolling upgrade (README "Two
 * builds on one data folder"; "Loading next year's holiday notice"). Re-stating provisional deadlines
 * is the duty of the node that loads the notice (engine/calendarInForce.ts): an older node re-states
 * the cases of the versions it has, and cannot fold a case started on a newer one (conditionalApplication
 * v14 beside a build that knows up to v6), whose deadlines it leaves provisional — it never re-states
 * them wrongly. Loading the same notice again on a node of the newer build re-states what was left.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conditionalApplicationV1, conditionalApplicationV2, conditionalApplicationV3, conditionalApplicationV4, conditionalApplicationV5, conditionalApplicationV6 } from '../../machines/conditionalApplication.js';
import { datasetReleaseV1 } from '../../machines/datasetRelease.js';
import { listAdjustment } from '../../machines/listAdjustment.js';
import { objection } from '../../machines/objection.js';
import { ProcessRegistry } from '../../machines/registry.js';
import { unopenedDataRequest } from '../../machines/unopenedDataRequest.js';
import { testNotice2027 } from '../calendars/notice2027.js';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { openTestApi, type TestApi } from './harness.js';

/** The registry of a build from before conditionalApplication v7. */
const olderRegistry = () =>
  new ProcessRegistry([datasetReleaseV1, conditionalApplicationV1, conditionalApplicationV2, conditionalApplicationV3, conditionalApplicationV4, conditionalApplicationV5, conditionalApplicationV6, unopenedDataRequest, listAdjustment, objection]);

// Thursday 2026-12-03, 09:30 Beijing: no notice for 2027 yet, so a results report due in 2027 is provisional.
const now = '2026-12-03T01:30:00.000Z';
const day = '2026-12-03';
const input = {
  ...startInputs.conditionalApplication,
  usePeriod: { from: '2026-12-01', to: '2027-11-30' },
  securityCommitment: { ...startInputs.conditionalApplication.securityCommitment, signedAt: `${day}T08:00:00+08:00` },
  eligibility: { ...startInputs.conditionalApplication.eligibility, creditCheck: { ...startInputs.conditionalApplication.eligibility.creditCheck, checkedAt: `${day}T09:00:00+08:00` } },
};
const { year: _year, ...notice } = testNotice2027;

/** A case started and brought to `active` on `api`: the applicant's results report is due in 2027. */
async function activeCase(api: TestApi): Promise<{ id: string; version: number }> {
  const company = await api.token('applicant', actors.company.org, actors.company.sub);
  const authority = await api.token('authority', actors.cityAuthority.org, actors.cityAuthority.sub);
  const provider = await api.token('provider', actors.provider.org, actors.provider.sub);
  const started = await api.call('POST', '/v1/cases', { as: company, body: { process: 'conditionalApplication', input } });
  expect(started.status, started.text).toBe(201);
  for (const [as, type, data] of [
    [authority, 'PASS_NORMATIVE_REVIEW', commandData.conditionalApplication.PASS_NORMATIVE_REVIEW],
    [provider, 'APPROVE', commandData.conditionalApplication.APPROVE],
    [provider, 'SIGN_AGREEMENT', { ...commandData.conditionalApplication.SIGN_AGREEMENT, useFrom: '2026-12-01', useTo: '2027-06-30' }],
    [provider, 'GRANT_ACCESS', commandData.conditionalApplication.GRANT_ACCESS],
  ] as const) {
    const res = await api.call('POST', `/v1/cases/${started.body.id}/commands`, { as, body: { type, data } });
    expect(res.status, res.text).toBe(200);
  }
  return { id: started.body.id, version: started.body.version };
}

describe('given a conditionalApplication v6 and a v14 case, each with a results report provisionally due in 2027', () => {
  let dir: string;
  let v6: string;
  let v14: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'older-build-notice-'));
    const older = await openTestApi(dir, { now, registry: olderRegistry() });
    try {
      const c = await activeCase(older);
      expect(c.version).toBe(6);
      v6 = c.id;
    } finally {
      await older.close();
    }
    const current = await openTestApi(dir, { now });
    try {
      const c = await activeCase(current);
      expect(c.version).toBe(14);
      v14 = c.id;
    } finally {
      await current.close();
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const results = async (api: TestApi, id: string) => {
    const company = await api.token('applicant', actors.company.org, actors.company.sub);
    const res = await api.call('GET', `/v1/cases/${id}`, { as: company });
    expect(res.status, res.text).toBe(200);
    return res.body.tasks.find((t: { stage: string }) => t.stage === 'resultsReport');
  };

  it('when an admin loads the 2027 notice through the older build, then it re-states the v6 case only, and the v14 case keeps its provisional deadline, stored nothing and verifies; loading it again on the current build re-states the v14 case', async () => {
    const older = await openTestApi(dir, { now, registry: olderRegistry() });
    const current = await openTestApi(dir, { now });
    try {
      const admin = await older.token('admin', '370000-dsj');
      const auditor = await current.token('auditor', '370000-dsj');
      expect((await results(current, v14)).provisional).toBe(true);

      const loaded = await older.call('PUT', '/v1/calendar/2027', { as: admin, body: notice });
      expect([loaded.status, loaded.body.restatedCases], loaded.text).toEqual([200, 1]);
      expect((await results(current, v6)).provisional).toBe(false);
      // Left as it was: the older build cannot fold a v14 case, so it does not re-state it.
      expect((await results(current, v14)).provisional).toBe(true);
      expect((await current.call('GET', `/v1/cases/${v14}/verify`, { as: auditor })).body).toEqual({ ok: true, events: 5 });

      // README: load the same notice again through a node of the newest build.
      const again = await current.call('PUT', '/v1/calendar/2027', { as: admin, body: notice });
      expect([again.status, again.body.restatedCases], again.text).toEqual([200, 1]);
      expect((await results(current, v14)).provisional).toBe(false);
      for (const id of [v6, v14]) expect((await current.call('GET', `/v1/cases/${id}/verify`, { as: auditor })).body).toEqual({ ok: true, events: 6 });
    } finally {
      await older.close();
      await current.close();
    }
  });
});
