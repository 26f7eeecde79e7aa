/**
 * 机构改革 of a provider alone: 济南市历下区市场监督管理局 (370102-scjgj) became part of 济南市市场监督管理局
 * (370100-scjgj, 垂直管理: a county unit made a branch of the city's), while 历下区大数据局 (370102-dsj)
 * stays. A conditional application of the county unit was waiting on 历下区大数据局's normative review
 * (本级, 第十四条(二)); its 本级 is now 济南市大数据局, the successor's (organisationsFor). The task, stamped
 * with 历下区大数据局 when it opened, sat in that bureau's inbox, which may no longer act on it, while
 * 济南市大数据局, which may, did not find it: a task nobody works, overdue for good, charged to a bureau
 * that cannot act. The start hands it on (Scheduler `reassignTasks`, engine `reassignTasks`): one
 * TasksReassigned event, by the system, old and new holder side by side, the deadline unchanged.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './harness.js';
import { acrossReform } from './reform.js';
import { actors, startInputs } from '../machines/examples.js';
import { openReadModels } from '../../projections/index.js';
import { dumpReadModels } from '../projections/dump.js';
import { timeline } from '../../scripts/demo/replay.js';
import { checkExport, exportLines } from '../../engine/exportCheck.js';
import { auditLine } from '../../projections/audit.js';
import { spawnText } from '../spawnText.js';
import { python3 } from '../python.js';
import { ROOT } from '../scripts/spawnScript.js';

const UNIT = '370102-scjgj';
const COUNTY = '370102-dsj';
const CITY = '370100-dsj';

describe('given a county unit’s conditional application waiting on the county bureau’s review, when the unit’s duties pass to the city’s unit (the county bureau stays) and the server starts', () => {
  let reformed: Awaited<ReturnType<typeof acrossReform>>;
  let api: TestApi;
  let id: string;
  let heldBefore: ReturnType<TestApi['app']['readModels']['openTasksNoLongerTheirs']>;
  let handedOn: number;
  beforeAll(async () => {
    reformed = await acrossReform([], (shipped) => shipped.map((o) => (o.code === UNIT ? { ...o, successor: '370100-scjgj' } : o)), async (before) => {
      const input = startInputs.conditionalApplication;
      const res = await before.call('POST', '/v1/cases', { as: await before.token('applicant', actors.company.org, actors.company.sub), body: { process: 'conditionalApplication', input: { ...input, resource: { ...input.resource, providerOrg: UNIT } } } });
      expect(res.status, res.text).toBe(201);
      id = res.body.id;
    });
    api = reformed.api;
    heldBefore = api.app.readModels.openTasksNoLongerTheirs();
    // What npm start does once it listens (scripts/start.ts).
    handedOn = await api.app.handOnTasks();
  });
  afterAll(() => reformed.close());

  const inboxHas = async (org: string) => ((await api.call('GET', '/v1/inbox', { as: await api.token('authority', org) })).body.items as { caseId: string }[]).some((i) => i.caseId === id);
  const history = async () => (await api.call('GET', `/v1/cases/${id}/history`, { as: await api.token('authority', CITY) })).body.events as { type: string; command: string; actor: { role: string }; deadlines: { opened: { stage: string; dueAt: string }[]; reassigned?: unknown } }[];

  it('then, before it was handed on, the read models named 历下区大数据局 as holding a task it may no longer act on, and 济南市大数据局 as the one that may', () => {
    expect(heldBefore).toEqual([{ org: COUNTY, tasks: 1, mayActNow: [CITY] }]);
  });

  it('then the start handed that one task on, and none is left held by a bureau that may not act on it', () => {
    expect(handedOn).toBe(1);
    expect(api.app.readModels.openTasksNoLongerTheirs()).toEqual([]);
    expect(api.app.readModels.casesWithTasksToHandOn()).toEqual([]);
  });

  it('then 济南市大数据局, the only bureau that may now pass the review, finds it in its inbox, and 历下区大数据局 no longer does', async () => {
    expect(await inboxHas(CITY)).toBe(true);
    expect(await inboxHas(COUNTY)).toBe(false);
  });

  it('then the case list filtered by 济南市大数据局 has the case, as it has every case that gave it a task', async () => {
    const res = await api.call('GET', `/v1/cases?org=${CITY}`, { as: await api.token('supervisor', '370000-dsj') });
    expect(res.status, res.text).toBe(200);
    expect((res.body.items as { id: string }[]).map((c) => c.id)).toContain(id);
  });

  it('then the case’s history records it as the system’s TasksReassigned, the old holder and the new side by side, its deadline unchanged', async () => {
    const events = await history();
    expect(events).toHaveLength(2);
    const [started, moved] = events;
    expect(moved).toMatchObject({ type: 'TasksReassigned', command: 'REASSIGN_TASKS', actor: { role: 'system' }, deadlines: { opened: [], reassigned: [{ stage: 'normativeReview', old: { org: COUNTY, orgs: [COUNTY] }, new: { org: CITY, orgs: [CITY] } }] } });
    // Only the event that hands a task on has the field: every other line reads as it was written.
    expect(started!.deadlines).not.toHaveProperty('reassigned');
    const task = (await api.call('GET', `/v1/cases/${id}`, { as: await api.token('authority', CITY) })).body.tasks as { stage: string; org: string; dueAt: string }[];
    expect(task).toEqual([expect.objectContaining({ stage: 'normativeReview', org: CITY, dueAt: started!.deadlines.opened[0]!.dueAt })]);
  });

  it('then npm run replay’s timeline tells who held the task and who holds it now', async () => {
    const { lines, verification } = await timeline(api.app, id, api.clock.now());
    expect(verification.ok).toBe(true);
    expect(lines.find((l) => l.includes('〔REASSIGN_TASKS〕'))).toMatch(/^#1 .* 按机构调整重新分派待办〔REASSIGN_TASKS〕$/);
    expect(lines).toContain('     待办转办：有条件开放数据申请材料规范性审查 济南市历下区大数据局 → 济南市大数据局（机构调整，期限不变）');
  });

  it('then verify re-folds the case, the hand-on included, and finds it consistent', async () => {
    const res = await api.call('GET', `/v1/cases/${id}/verify`, { as: await api.token('auditor', '370000-dsj') });
    expect(res.status, res.text).toBe(200);
    expect(res.body.ok).toBe(true);
  });

  it('then, while a hand-on is under way, the scheduler says how far it has come, and /metrics reads NaN once none is', async () => {
    const run = api.app.scheduler.reassignTasks([id, id]);
    // The first case is under way (its read awaited): none handled yet of two.
    expect(api.app.scheduler.handOnProgress()).toEqual({ done: 0, total: 2 });
    await run;
    expect(api.app.scheduler.handOnProgress()).toBeUndefined();
    expect((await api.call('GET', '/metrics')).text).toMatch(/^workflow_directory_handon_progress NaN$/m);
  });

  it('then a second start with the same directory hands nothing on again', async () => {
    expect(await api.app.handOnTasks()).toBe(0);
    expect(await api.app.scheduler.reassignTasks([id])).toBe(0);
    expect(await history()).toHaveLength(2);
  });

  it('then the history as of now shows the task held by 济南市大数据局, as the case does', async () => {
    const res = await api.call('GET', `/v1/cases/${id}/history?asOf=${encodeURIComponent(api.clock.now().toISOString())}`, { as: await api.token('authority', CITY) });
    expect(res.status, res.text).toBe(200);
    expect(res.body.tasksAsOf).toMatchObject([{ stage: 'normativeReview', org: CITY }]);
  });

  it('then the audit export carries the hand-on, and both the server’s checker (npm run verify-export) and docs/verify_export.py find the file whole', async () => {
    const res = await api.call('GET', '/v1/audit/export?from=2020-01-01T00:00:00Z&to=2030-01-01T00:00:00Z', { as: await api.token('auditor', '370000-dsj') });
    expect(res.status, res.text).toBe(200);
    expect(res.text).toContain('"reassigned":[');
    const check = await checkExport(exportLines((async function* () { yield Buffer.from(res.text); })()), { expected: (stored) => auditLine({ ...stored, created: '' } as never) });
    expect(check.failures).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'wf-reassign-export-'));
    try {
      writeFileSync(join(dir, 'audit.ndjson'), res.text);
      const ran = await spawnText(await python3(), [join(ROOT, 'docs/verify_export.py'), join(dir, 'audit.ndjson')]);
      expect(ran.status, `${ran.stdout}\n${ran.stderr}`).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('then read models rebuilt from the log, in batches of one event and of all of them, equal the ones kept as it was written', async () => {
    const kept = dumpReadModels(api.app.readModels.db);
    for (const batchSize of [1, 1000]) {
      const dir = mkdtempSync(join(tmpdir(), 'wf-reassign-rebuild-'));
      const fresh = await openReadModels({ store: api.app.store, dataDir: dir, directory: api.app.directory, mode: 'follow', batchSize });
      try {
        expect(await fresh.waitFor(await api.app.store.headPosition(), 20_000)).toBe(true);
        expect(dumpReadModels(fresh.db)).toEqual(kept);
      } finally {
        await fresh.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('then, once overdue, the overdue report charges the review to 济南市大数据局, which holds it, not to 历下区大数据局', async () => {
    await api.call('PUT', '/v1/test/clock', { as: await api.token('admin', '370000-dsj'), body: { now: '2026-05-01T02:00:00Z' } });
    const report = await api.call('GET', '/v1/reports/overdue', { as: await api.token('supervisor', CITY) });
    expect(report.status, report.text).toBe(200);
    expect((report.body.items as { caseId: string; org: string }[]).filter((i) => i.caseId === id).map((i) => i.org)).toEqual([CITY]);
  });

  it('then 济南市大数据局 passes the review, and the case moves on', async () => {
    const current = (await api.call('GET', `/v1/cases/${id}`, { as: await api.token('authority', CITY) })).body;
    const res = await api.call('POST', `/v1/cases/${id}/commands`, { as: await api.token('authority', CITY), body: { type: 'PASS_NORMATIVE_REVIEW', data: {}, expectedRevision: current.revision } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.state).not.toBe(current.state);
  });
});

describe('given the same application, when the new directory drops 历下区大数据局 outright and names no 本级 bureau for the unit', () => {
  it('then the task has no one to go to: it stays where it is, named among those held by organisations the directory lacks', async () => {
    let id = '';
    const reformed = await acrossReform([], (shipped) => shipped.filter((o) => o.code !== COUNTY), async (before) => {
      const input = startInputs.conditionalApplication;
      const res = await before.call('POST', '/v1/cases', { as: await before.token('applicant', actors.company.org, actors.company.sub), body: { process: 'conditionalApplication', input: { ...input, resource: { ...input.resource, providerOrg: UNIT } } } });
      expect(res.status, res.text).toBe(201);
      id = res.body.id;
    });
    try {
      const { app } = reformed.api;
      expect(app.readModels.casesWithTasksToHandOn()).toEqual([]);
      expect(await app.engine.reassignTasks(id)).toBeUndefined();
      expect(await app.engine.history(id)).toHaveLength(1);
      expect(app.readModels.openTasksNotInDirectory()).toEqual([{ org: COUNTY, tasks: 1 }]);
    } finally {
      await reformed.close();
    }
  });
});

describe('given the shipped directory, unchanged', () => {
  it('then no open task is held by an organisation that may not act on it, and the start hands nothing on', async () => {
    const api = await startTestApi({ now: '2026-03-02T02:00:00Z' });
    try {
      const res = await api.call('POST', '/v1/cases', { as: await api.token('applicant', actors.company.org, actors.company.sub), body: { process: 'conditionalApplication', input: startInputs.conditionalApplication } });
      expect(res.status).toBe(201);
      expect(api.app.readModels.openTasksNoLongerTheirs()).toEqual([]);
      expect(api.app.readModels.casesWithTasksToHandOn()).toEqual([]);
      expect(await api.app.scheduler.reassignTasks([res.body.id])).toBe(0);
    } finally {
      await api.close();
    }
  });
});
