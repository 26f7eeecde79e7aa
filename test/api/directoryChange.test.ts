/**
 * 机构改革 while cases are open: the server restarts with a changed organisation directory
 * (WORKFLOW_ORGS). Stored events name organisations by code and are never rewritten; the directory
 * keeps an abolished, renamed or merged organisation's entry with `successor`, the code of the one
 * that took over its duties, and everything that reads a code follows it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from './harness.js';
import { actors, startInputs } from '../machines/examples.js';

type Org = { code: string; name: string; kind: string; level: string; region: string; successor?: string };
const shipped = JSON.parse(readFileSync(fileURLToPath(new URL('../../directory/data/shandong.json', import.meta.url)), 'utf8')) as Org[];

/** 济南市公安局 (370100-gaj) merged into a new 济南市综合执法局: its entry stays, naming its successor. */
const MERGED = '370100-zhzfj';
function reformed(): Org[] {
  const gaj = shipped.find((o) => o.code === '370100-gaj')!;
  return [...shipped.filter((o) => o.code !== gaj.code), { ...gaj, successor: MERGED }, { ...gaj, code: MERGED, name: '济南市综合执法局' }];
}

let dataDir: string;
let api: TestApi | undefined;
const files: string[] = [];
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'wf-orgs-'));
});
afterEach(async () => {
  await api?.close();
  api = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

function directoryFile(orgs: Org[]): string {
  const file = join(dataDir, `orgs-${files.length}.json`);
  files.push(file);
  writeFileSync(file, JSON.stringify(orgs));
  return file;
}

/**
 * An open case of the examples (an objection to 济南市公安局, an unopened-data request to 济南市大数据局),
 * stored under the shipped directory; the server then restarts with `orgs`.
 */
async function openThenRestart(process: 'objection' | 'unopenedDataRequest' | 'conditionalApplication', orgs: Org[]): Promise<string> {
  const before = await openTestApi(dataDir);
  let caseId: string;
  try {
    const applicant = await before.token('applicant', actors.company.org);
    const res = await before.call('POST', '/v1/cases', { as: applicant, body: { process, input: startInputs[process] } });
    expect(res.status, res.text).toBe(201);
    caseId = res.body.id as string;
  } finally {
    await before.close();
  }
  api = await openTestApi(dataDir, { orgs: directoryFile(orgs), now: '2026-04-01T01:00:00.000Z' });
  return caseId;
}

const openObjectionThenRestart = (orgs: Org[]) => openThenRestart('objection', orgs);

describe('given an open objection whose provider was merged into another (kept in the directory with its successor)', () => {
  it('when the server restarts, then the successor sees the case, finds its task in its inbox, and may answer it', async () => {
    const caseId = await openObjectionThenRestart(reformed());
    const successor = await api!.token('provider', MERGED);

    const inbox = await api!.call('GET', '/v1/inbox', { as: successor });
    expect(inbox.status, inbox.text).toBe(200);
    expect(inbox.body.items.map((i: { caseId: string }) => i.caseId)).toEqual([caseId]);
    // Held by the abolished unit, named with who does its work now; the successor is among those who may act
    // (reform QA: orgs named the abolished unit alone, and an applicant never learnt who took over).
    expect(inbox.body.items[0]).toMatchObject({ org: '370100-gaj', orgName: '济南市公安局（已撤销，由济南市综合执法局承接）', orgs: [MERGED] });

    const list = await api!.call('GET', '/v1/cases', { as: successor });
    expect(list.body.items.map((i: { id: string }) => i.id)).toEqual([caseId]);
    const got = await api!.call('GET', `/v1/cases/${caseId}`, { as: successor });
    expect(got.status, got.text).toBe(200);
    expect(got.body.allowedCommands).toContain('RESPOND');

    const answered = await api!.call('POST', `/v1/cases/${caseId}/commands`, { as: successor, body: { type: 'RESPOND', data: { outcome: 'corrected', explanation: '已更正。' } } });
    expect(answered.status, answered.text).toBe(200);
    expect(answered.body.state).toBe('responded');
  });

  it('when the abolished organisation\'s own token calls, then 403 in Chinese naming the successor (English with Accept-Language: en)', async () => {
    await openObjectionThenRestart(reformed());
    const old = await api!.token('provider', '370100-gaj');
    const zh = await api!.call('GET', '/v1/inbox', { as: old });
    expect(zh.status, zh.text).toBe(403);
    expect(zh.body.detail).toBe(`济南市公安局（370100-gaj）已撤销，其职责由济南市综合执法局（${MERGED}）承接：请以该机构的身份办理`);
    const en = await api!.call('GET', '/v1/inbox', { as: old, headers: { 'accept-language': 'en' } });
    expect(en.status).toBe(403);
    expect(en.body.detail).toBe(`济南市公安局 (370100-gaj) was abolished; its duties passed to 济南市综合执法局 (${MERGED}): act as that organisation`);
  });

  it('when the region\'s authority and supervisor look, then they still see it, and the overdue report (JSON and CSV) names the old organisation as abolished', async () => {
    const caseId = await openObjectionThenRestart(reformed());
    for (const [role, org] of [['authority', '370100-dsj'], ['supervisor', '370100-dsj'], ['supervisor', '370000-dsj']] as const) {
      const as = await api!.token(role, org);
      const got = await api!.call('GET', `/v1/cases/${caseId}`, { as });
      expect(got.status, `${role} ${org}: ${got.text}`).toBe(200);
    }
    const supervisor = await api!.token('supervisor', '370100-dsj');
    const json = await api!.call('GET', '/v1/reports/overdue', { as: supervisor });
    expect(json.status, json.text).toBe(200);
    expect(json.body.items.map((i: { caseId: string; org: string; orgName: string }) => [i.caseId, i.org, i.orgName])).toEqual([[caseId, '370100-gaj', '济南市公安局（已撤销）']]);
    const csv = await api!.call('GET', '/v1/reports/overdue?format=csv&table=byOrg', { as: supervisor });
    expect(csv.status).toBe(200);
    expect(csv.text).toContain('370100-gaj,济南市公安局（已撤销）');
  });

  it('when a new case names the abolished organisation as provider, then 422 in Chinese naming the successor, and nothing is stored', async () => {
    await openObjectionThenRestart(reformed());
    const applicant = await api!.token('applicant', actors.company.org);
    const res = await api!.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: startInputs.objection } });
    expect(res.status, res.text).toBe(422);
    expect(res.body.rule).toBe('providerInDirectory');
    expect(res.body.detail).toContain(`济南市公安局（370100-gaj）已撤销，其职责由济南市综合执法局（${MERGED}）承接`);
  });
});

describe('given an open objection whose provider the new directory drops outright (no entry, no successor)', () => {
  it('when the server restarts, then the inbox, case list and reports answer 200, an admin sees the case, and reports show the bare code, never an empty name', async () => {
    const caseId = await openObjectionThenRestart(shipped.filter((o) => o.code !== '370100-gaj'));
    const admin = await api!.token('admin', '370000-dsj');
    const supervisor = await api!.token('supervisor', '370000-dsj');
    expect((await api!.call('GET', `/v1/cases/${caseId}`, { as: admin })).status).toBe(200);
    for (const path of ['/v1/inbox', '/v1/cases', '/v1/reports/overdue', '/v1/reports/overdue?format=csv', '/v1/reports/overdue?format=csv&table=byOrg', '/v1/reports/sla', '/v1/reports/sla?groupBy=org']) {
      expect((await api!.call('GET', path, { as: path === '/v1/inbox' ? supervisor : admin })).status, path).toBe(200);
    }
    const report = await api!.call('GET', '/v1/reports/overdue', { as: admin });
    expect(report.body.items.map((i: { org: string; orgName: string }) => [i.org, i.orgName])).toEqual([['370100-gaj', '370100-gaj']]);
    // Mutation QA: an admin's region=370000 taken as a filter (not the whole province) left the case out with every test passing.
    const explicit = await api!.call('GET', '/v1/reports/overdue?region=370000', { as: admin });
    expect(explicit.body.items.map((i: { caseId: string }) => i.caseId)).toEqual([caseId]);
  });

  it('then the province’s supervisor, auditor and authority still see it — in the list, the case, the reports and the audit export — while a city’s see it no more (reform QA: the province’s export and reports lost such cases without a word)', async () => {
    const caseId = await openObjectionThenRestart(shipped.filter((o) => o.code !== '370100-gaj'));
    for (const role of ['supervisor', 'auditor', 'authority'] as const) {
      const province = await api!.token(role, '370000-dsj');
      expect((await api!.call('GET', `/v1/cases/${caseId}`, { as: province })).status, role).toBe(200);
      const list = await api!.call('GET', '/v1/cases', { as: province });
      expect(list.body.items.map((c: { id: string }) => c.id), role).toContain(caseId);
    }
    const supervisor = await api!.token('supervisor', '370000-dsj');
    const report = await api!.call('GET', '/v1/reports/overdue', { as: supervisor });
    expect(report.body.items.map((i: { caseId: string }) => i.caseId)).toEqual([caseId]);
    const explicit = await api!.call('GET', '/v1/reports/overdue?region=370000', { as: supervisor });
    expect(explicit.body.items.map((i: { caseId: string }) => i.caseId)).toEqual([caseId]);
    const auditor = await api!.token('auditor', '370000-dsj');
    const exported = await api!.call('GET', '/v1/audit/export?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z', { as: auditor });
    expect(exported.text).toContain(caseId);
    const city = await api!.token('supervisor', '370100-dsj');
    expect((await api!.call('GET', `/v1/cases/${caseId}`, { as: city })).status).toBe(404);
  });
});

describe('given an application in 济南市大数据局’s review whose provider the new directory drops outright', () => {
  it('then the bureau is not named among those that may no longer act (it is not at fault; the warning of providers missing says it), and nothing is handed on (reform QA)', async () => {
    await openThenRestart('conditionalApplication', shipped.filter((o) => o.code !== '370100-gaj'));
    expect(api!.app.readModels.providersNotInDirectory()).toEqual([{ org: '370100-gaj', cases: 1 }]);
    expect(api!.app.readModels.openTasksNoLongerTheirs()).toEqual([]);
    expect(api!.app.readModels.casesWithTasksToHandOn()).toEqual([]);
  });
});

describe('given an open unopened-data request waiting on 济南市大数据局, whose code the new directory changes (the old entry naming the new one as successor)', () => {
  it('when the server restarts, then the re-coded bureau finds the review in its inbox and may pass it (第八条), and its supervisors still see the case', async () => {
    const dsj = shipped.find((o) => o.code === '370100-dsj')!;
    const caseId = await openThenRestart('unopenedDataRequest', [...shipped.filter((o) => o.code !== dsj.code), { ...dsj, successor: '370100-sjj' }, { ...dsj, code: '370100-sjj', name: '济南市数据局' }]);
    const bureau = await api!.token('authority', '370100-sjj');
    const inbox = await api!.call('GET', '/v1/inbox', { as: bureau });
    expect(inbox.body.items.map((i: { caseId: string; orgName: string; orgs: string[] }) => [i.caseId, i.orgName, i.orgs])).toEqual([[caseId, '济南市大数据局（已撤销，由济南市数据局承接）', ['370100-sjj', '370000-dsj']]]);
    const got = await api!.call('GET', `/v1/cases/${caseId}`, { as: bureau });
    expect(got.status, got.text).toBe(200);
    // The case's task as its inbox item gives it.
    expect(got.body.tasks[0]).toMatchObject({ org: '370100-dsj', orgName: '济南市大数据局（已撤销，由济南市数据局承接）', orgs: ['370100-sjj', '370000-dsj'] });
    expect(got.body.allowedCommands).toContain('PASS_NORMATIVE_REVIEW');
    const supervisor = await api!.token('supervisor', '370100-sjj');
    expect((await api!.call('GET', `/v1/cases/${caseId}`, { as: supervisor })).status).toBe(200);
    // The old bureau acts through its successor: the start has nothing to hand on (engine reassignTasks).
    expect(api!.app.readModels.casesWithTasksToHandOn()).toEqual([]);
    expect(await api!.app.scheduler.reassignTasks([caseId])).toBe(0);
  });
});

describe('given an open unopened-data request waiting on 济南市大数据局, whose code the new directory changes with the old entry dropped outright (no successor)', () => {
  it('when the server restarts, then the start hands the review on to the re-coded bureau, which finds it in its inbox and may pass it (第八条)', async () => {
    const dsj = shipped.find((o) => o.code === '370100-dsj')!;
    const caseId = await openThenRestart('unopenedDataRequest', [...shipped.filter((o) => o.code !== dsj.code), { ...dsj, code: '370100-sjj', name: '济南市数据局' }]);
    expect(api!.app.readModels.openTasksNotInDirectory()).toEqual([{ org: '370100-dsj', tasks: 1 }]);
    expect(api!.app.readModels.casesWithTasksToHandOn()).toEqual([caseId]);
    expect(await api!.app.handOnTasks()).toBe(1);
    expect(api!.app.readModels.openTasksNotInDirectory()).toEqual([]);
    const bureau = await api!.token('authority', '370100-sjj');
    const inbox = await api!.call('GET', '/v1/inbox', { as: bureau });
    expect(inbox.body.items.map((i: { caseId: string; org: string }) => [i.caseId, i.org])).toEqual([[caseId, '370100-sjj']]);
    const got = await api!.call('GET', `/v1/cases/${caseId}`, { as: bureau });
    expect(got.body.allowedCommands).toContain('PASS_NORMATIVE_REVIEW');
  });
});

describe('given open tasks assigned to organisations a new directory drops outright (no entry, no successor)', () => {
  it('when the server restarts, then the read models name those organisations and how many open tasks each holds (what the start warns of), and those another may act on are handed on; kept with a successor, none', async () => {
    const before = await openTestApi(dataDir);
    const caseIds: string[] = [];
    try {
      const applicant = await before.token('applicant', actors.company.org);
      for (const input of [startInputs.objection, startInputs.objection, startInputs.unopenedDataRequest] as object[]) {
        const process = input === startInputs.unopenedDataRequest ? 'unopenedDataRequest' : 'objection';
        const res = await before.call('POST', '/v1/cases', { as: applicant, body: { process, input } });
        expect(res.status).toBe(201);
        caseIds.push(res.body.id as string);
      }
    } finally {
      await before.close();
    }
    api = await openTestApi(dataDir, { orgs: directoryFile(shipped.filter((o) => o.code !== '370100-gaj' && o.code !== '370100-dsj')) });
    expect(api.app.readModels.openTasksNotInDirectory()).toEqual([
      { org: '370100-gaj', tasks: 2 },
      { org: '370100-dsj', tasks: 1 },
    ]);
    // The objections' answers are their provider's own: no one else may give them, and they stay. The
    // request's review (市级以上) the province may pass, with no 大数据局 of 济南 left: it is handed on to it.
    expect(api.app.readModels.casesWithTasksToHandOn()).toEqual([caseIds[2]]);
    expect(await api.app.handOnTasks()).toBe(1);
    expect(api.app.readModels.openTasksNotInDirectory()).toEqual([{ org: '370100-gaj', tasks: 2 }]);
    await api.close();
    api = await openTestApi(dataDir, { orgs: directoryFile(reformed()) });
    expect(api.app.readModels.openTasksNotInDirectory()).toEqual([]);
  });
});
