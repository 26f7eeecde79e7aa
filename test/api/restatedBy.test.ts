/**
 * A re-statement's `restatedBy` names the notice load its new deadlines rest on, as it stood when the
 * re-statement was made, on every server of a data folder. QA of the change: a second server named
 * none until another read refreshed its calendar; a later load of the same calendar version (the notice
 * loaded again after another, or its text corrected) was named for re-statements made before it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from './harness.js';
import { partyTokens } from '../race/helpers.js';
import { startInputs } from '../machines/examples.js';
import { testNotice2027 } from '../calendars/notice2027.js';

const dirs: string[] = [];
const apis: TestApi[] = [];
afterEach(async () => {
  for (const api of apis.splice(0)) await api.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const open = async (dataDir: string, now: string) => {
  const api = await openTestApi(dataDir, { now });
  apis.push(api);
  return api;
};
const { year: _year, issued: _issued, ...noticeA } = testNotice2027;
/** Another 2027 arrangement (元旦 extended over Mon 01-04): another calendar version. */
const noticeB = {
  ...noticeA,
  notice: '国办发明电〔2026〕B号（测试数据）',
  holidays: [...noticeA.holidays, '2027-01-04'],
  blocks: noticeA.blocks.map((b) => (b.name === '元旦' ? { ...b, holidays: [...b.holidays, '2027-01-04'] } : b)),
};

const restatements = async (api: TestApi, token: string, caseId: string) => {
  const res = await api.call('GET', `/v1/cases/${caseId}/history`, { as: token });
  expect(res.status, res.text).toBe(200);
  return (res.body.events as { command: string; at: string; restatedBy?: { notice: string; loadedAt?: string } }[]).filter((e) => e.command === 'RESTATE_DEADLINES');
};

describe('restatedBy', () => {
  it('given two servers on one data folder, when one loads the 2027 notice, then the other’s history names it at once, with no other read first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-restated-by-'));
    dirs.push(dir);
    const one = await open(dir, '2026-12-21T02:00:00.000Z');
    const tokens = await partyTokens(one);
    const started = await one.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'objection', input: startInputs.objection } });
    expect(started.body.tasks[0].provisional).toBe(true);
    const two = await open(dir, '2026-12-21T02:00:00.000Z');
    expect((await restatements(two, tokens.applicant, started.body.id)).length).toBe(0);
    expect((await one.call('PUT', '/v1/calendar/2027', { as: tokens.admin, body: noticeA })).status).toBe(200);
    const [restated] = await restatements(two, tokens.applicant, started.body.id);
    expect(restated?.restatedBy).toMatchObject({ notice: noticeA.notice, loadedAt: '2026-12-21T02:00:00.000Z' });
  });

  it('given notice A loaded on 12-21, B on 12-22 and A again on 12-23, then each re-statement names the load it was made on, not the last load of its version', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-restated-by-'));
    dirs.push(dir);
    const api = await open(dir, '2026-12-18T02:00:00.000Z');
    const tokens = await partyTokens(api);
    // Fri 12-18: 10 working days (第十六条) end on Mon 01-04 (元旦 1–3 off) — which notice B makes a day off too.
    const started = await api.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'objection', input: startInputs.objection } });
    expect(started.body.tasks[0]).toMatchObject({ provisional: true });
    for (const [at, body] of [['2026-12-21T02:00:00.000Z', noticeA], ['2026-12-22T02:00:00.000Z', noticeB], ['2026-12-23T02:00:00.000Z', noticeA]] as const) {
      api.clock.set(at);
      expect((await api.call('PUT', '/v1/calendar/2027', { as: tokens.admin, body })).status).toBe(200);
    }
    const all = await restatements(api, tokens.applicant, started.body.id);
    expect(all.map((e) => [e.at, e.restatedBy?.notice, e.restatedBy?.loadedAt])).toEqual([
      ['2026-12-21T02:00:00.000Z', noticeA.notice, '2026-12-21T02:00:00.000Z'],
      ['2026-12-22T02:00:00.000Z', noticeB.notice, '2026-12-22T02:00:00.000Z'],
      ['2026-12-23T02:00:00.000Z', noticeA.notice, '2026-12-23T02:00:00.000Z'],
    ]);
  });
});
