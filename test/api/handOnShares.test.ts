/**
 * The start's hand-on after 机构改革 (App.handOnTasks) decides on every organisation a task is open
 * to, not on its holder alone: a 市级以上 review is open to the city's 大数据局 and the province's, and
 * either may be re-coded. It waits for read models that follow the log (EventStoreDB) to have read
 * it, and a directory changed by mistake and corrected hands the tasks back.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from './harness.js';
import { actors, startInputs } from '../machines/examples.js';
import { dumpReadModels } from '../projections/dump.js';
import { openReadModels } from '../../projections/index.js';

type Org = { code: string; name: string; successor?: string };
const shipped = JSON.parse(readFileSync(fileURLToPath(new URL('../../directory/data/shandong.json', import.meta.url)), 'utf8')) as Org[];
const CITY = '370100-dsj';
const PROVINCE = '370000-dsj';

let dataDir: string;
const open: TestApi[] = [];
afterEach(async () => {
  for (const api of open.splice(0)) await api.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts cases on the shipped directory (`start` returns their ids), then serves the folder under `orgs`. */
async function across(start: (api: TestApi) => Promise<string[]>, orgs: Org[], options: { follow?: { lagMs: number } } = {}): Promise<{ api: TestApi; ids: string[] }> {
  dataDir = mkdtempSync(join(tmpdir(), 'wf-hand-on-'));
  const before = await openTestApi(dataDir, { now: '2026-03-02T02:00:00Z' });
  let ids: string[];
  try {
    ids = await start(before);
  } finally {
    await before.close();
  }
  return { api: await restart(orgs, options), ids };
}

async function restart(orgs: Org[], options: { follow?: { lagMs: number } } = {}): Promise<TestApi> {
  const file = join(dataDir, `orgs-${open.length}.json`);
  writeFileSync(file, JSON.stringify(orgs));
  const api = await openTestApi(dataDir, { orgs: file, now: '2026-03-03T02:00:00Z', ...options });
  open.push(api);
  return api;
}

/** A list adjustment of 济南市公安局: its review is 市级以上, open to 济南市大数据局 and the province's. */
async function listAdjustment(api: TestApi): Promise<string[]> {
  const res = await api.call('POST', '/v1/cases', { as: await api.token('provider', '370100-gaj'), body: { process: 'listAdjustment', input: startInputs.listAdjustment } });
  expect(res.status, res.text).toBe(201);
  return [res.body.id];
}

const inboxOf = async (api: TestApi, org: string) => ((await api.call('GET', '/v1/inbox', { as: await api.token('authority', org) })).body.items as { caseId: string }[]).map((i) => i.caseId);

describe('given a 市级以上 review open to 济南市大数据局 and the province, when the province’s bureau is re-coded (370000-sjj) with its old entry dropped outright', () => {
  it('then the hand-on gives the province’s share to the new code, which finds the review in its inbox beside the city’s, and no task is left with the dropped code', async () => {
    const province = shipped.find((o) => o.code === PROVINCE)!;
    const { api, ids } = await across(listAdjustment, [...shipped.filter((o) => o.code !== PROVINCE), { ...province, code: '370000-sjj', name: '山东省数据局' }]);
    expect(api.app.readModels.openTasksNotInDirectory()).toEqual([{ org: PROVINCE, tasks: 1 }]);
    // The holder, the city's, may still act: it is not one of those "no longer theirs".
    expect(api.app.readModels.openTasksNoLongerTheirs()).toEqual([]);
    expect(await api.app.handOnTasks()).toBe(1);
    expect(await inboxOf(api, '370000-sjj')).toEqual(ids);
    expect(await inboxOf(api, CITY)).toEqual(ids);
    expect(api.app.readModels.openTasksNotInDirectory()).toEqual([]);
    const moved = (await api.app.engine.history(ids[0]!)).at(-1)!.metadata as { tasksReassigned?: unknown };
    expect(moved.tasksReassigned).toEqual([{ stage: 'review', old: { org: CITY, orgs: [CITY, PROVINCE] }, new: { org: CITY, orgs: [CITY, '370000-sjj'] } }]);
  });
});

describe('given the same review, when a directory drops 济南市大数据局 by mistake and the next start has it back', () => {
  it('then the first start hands the review to the province alone, and the second hands it back: 济南市大数据局 holds it and finds it again', async () => {
    const { api, ids } = await across(listAdjustment, shipped.filter((o) => o.code !== CITY));
    expect(await api.app.handOnTasks()).toBe(1);
    expect((await api.app.engine.getCase(ids[0]!)).tasks).toMatchObject([{ org: PROVINCE, orgs: [PROVINCE] }]);
    await open.pop()!.close();
    const corrected = await restart(shipped);
    expect(await corrected.app.handOnTasks()).toBe(1);
    expect((await corrected.app.engine.getCase(ids[0]!)).tasks).toMatchObject([{ org: CITY, orgs: [CITY, PROVINCE] }]);
    expect(await inboxOf(corrected, CITY)).toEqual(ids);
    expect(await corrected.app.handOnTasks()).toBe(0);
  });
});

describe('given read models that follow the log behind the store (as behind EventStoreDB), when the server starts on a reformed directory', () => {
  it('then the hand-on waits for them to read the log, hands on every case, and the read models equal a rebuild', async () => {
    const UNIT = '370102-scjgj';
    const { api, ids } = await across(
      async (before) => {
        const made: string[] = [];
        const input = startInputs.conditionalApplication;
        for (let i = 0; i < 3; i++) {
          const res = await before.call('POST', '/v1/cases', { as: await before.token('applicant', actors.company.org, actors.company.sub), body: { process: 'conditionalApplication', input: { ...input, resource: { ...input.resource, providerOrg: UNIT } } } });
          expect(res.status, res.text).toBe(201);
          made.push(res.body.id);
        }
        return made;
      },
      shipped.map((o) => (o.code === UNIT ? { ...o, successor: '370100-scjgj' } : o)),
      { follow: { lagMs: 5 } },
    );
    expect(await api.app.handOnTasks()).toBe(3);
    expect(await api.app.readModels.waitFor(await api.app.store.headPosition(), 20_000)).toBe(true);
    expect((await inboxOf(api, CITY)).sort()).toEqual([...ids].sort());
    expect(await inboxOf(api, '370102-dsj')).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'wf-hand-on-rebuild-'));
    const fresh = await openReadModels({ store: api.app.store, dataDir: dir, directory: api.app.directory, mode: 'follow', batchSize: 2 });
    try {
      expect(await fresh.waitFor(await api.app.store.headPosition(), 20_000)).toBe(true);
      expect(dumpReadModels(fresh.db)).toEqual(dumpReadModels(api.app.readModels.db));
    } finally {
      await fresh.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The hand-on moves an open task's lateness to whoever holds it now; a time the same stage was done
// late before stays with the organisation that was late (sla_tasks keeps a row per opening).
describe('given a review 济南市大数据局 returned past its deadline, resubmitted and open again, when a directory without 济南市大数据局 hands the review to the province', () => {
  it('then the overdue report names the province for the open review and still names 济南市大数据局 for the return it made late', async () => {
    const { api, ids } = await across(async (before) => {
      const [id] = await listAdjustment(before);
      before.clock.advance(60 * 24 * 3600_000);
      const city = await before.token('authority', CITY);
      const returned = await before.call('POST', `/v1/cases/${id}/commands`, { as: city, body: { type: 'RETURN', data: { opinion: '请补充职能划转的文件依据。' } } });
      expect(returned.status, returned.text).toBe(200);
      const resubmitted = await before.call('POST', `/v1/cases/${id}/commands`, { as: await before.token('provider', '370100-gaj'), body: { type: 'RESUBMIT', data: { changes: startInputs.listAdjustment.changes } } });
      expect(resubmitted.status, resubmitted.text).toBe(200);
      return [id!];
    }, shipped.filter((o) => o.code !== CITY));
    expect(await api.app.handOnTasks()).toBe(1);
    api.clock.set(new Date('2026-09-01T02:00:00Z'));
    const report = await api.call('GET', '/v1/reports/overdue?asOf=2026-09-01T00:00:00Z', { as: await api.token('admin', PROVINCE) });
    expect(report.status, report.text).toBe(200);
    const reviews = (report.body.items as { caseId: string; stage: string; org: string; status: string }[]).filter((i) => i.caseId === ids[0] && i.stage === 'review');
    expect(reviews.map((i) => [i.status, i.org]).sort()).toEqual([
      ['finishedLate', CITY],
      ['open', PROVINCE],
    ]);
  });
});

// A stop during the hand-on ends it after the case under way; the next start finds the rest again.
describe('given a review to hand on, when the scheduler has been halted (the server stopping) before the hand-on reaches it', () => {
  it('then nothing is handed on, and the next start hands it on', async () => {
    const { api, ids } = await across(listAdjustment, shipped.filter((o) => o.code !== CITY));
    await api.app.scheduler.halt();
    expect(await api.app.scheduler.reassignTasks(ids)).toBe(0);
    expect((await api.app.engine.getCase(ids[0]!)).tasks).toMatchObject([{ org: CITY, orgs: [CITY, PROVINCE] }]);
    await open.pop()!.close();
    const next = await restart(shipped.filter((o) => o.code !== CITY));
    expect(await next.app.handOnTasks()).toBe(1);
    expect((await next.app.engine.getCase(ids[0]!)).tasks).toMatchObject([{ org: PROVINCE, orgs: [PROVINCE] }]);
  });
});
