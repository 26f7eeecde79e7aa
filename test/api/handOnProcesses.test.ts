/**
 * 机构改革 across every process: a county provider (370102-scjgj) merged into another city's unit
 * (370200-scjgj, 青岛). The start hands on exactly the tasks whose 本级 or 市级以上 organisations are now
 * Qingdao's (a dataset release's review, two conditional applications' review and notice, a list
 * adjustment's review, whose province share stays), and nothing of the provider's own, the
 * applicant's, a returned adjustment or a request already forwarded. (Written by a helper probing the
 * hand-on.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role, TestApi } from './harness.js';
import { acrossReform } from './reform.js';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { openReadModels } from '../../projections/index.js';
import { dumpReadModels } from '../projections/dump.js';

const P = '370102-scjgj';
const QD_UNIT = '370200-scjgj';
const COUNTY = '370102-dsj';
const CITY = '370100-dsj';
const QD = '370200-dsj';
const PROVINCE = '370000-dsj';

describe('given open cases of every process of a county provider, when it is merged into another city’s unit (370102-scjgj → 370200-scjgj)', () => {
  let reformed: Awaited<ReturnType<typeof acrossReform>>;
  let api: TestApi;
  const ids: Record<string, string> = {};
  let found: string[];
  let moved: number;
  beforeAll(async () => {
    reformed = await acrossReform([], (shipped) => shipped.map((o) => (o.code === P ? { ...o, successor: QD_UNIT } : o)), async (b) => {
      const tok = (role: Role, org: string) => b.token(role, org, role === 'applicant' ? actors.company.sub : undefined);
      const start = async (role: Role, org: string, process: string, input: unknown) => {
        const res = await b.call('POST', '/v1/cases', { as: await tok(role, org), body: { process, input } });
        expect(res.status, res.text).toBe(201);
        return res.body.id as string;
      };
      const send = async (id: string, role: Role, org: string, type: string, data: unknown) => {
        const res = await b.call('POST', `/v1/cases/${id}/commands`, { as: await tok(role, org), body: { type, data } });
        expect(res.status, `${type} ${res.text}`).toBe(200);
      };
      ids.dr = await start('provider', P, 'datasetRelease', { ...startInputs.datasetRelease, providerOrg: P, coverage: { ...startInputs.datasetRelease.coverage, region: '370102' } });
      for (const t of ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES', 'SUBMIT'] as const) await send(ids.dr, 'provider', P, t, (commandData.datasetRelease as Record<string, unknown>)[t]);
      const input = startInputs.conditionalApplication;
      const ca = { ...input, resource: { ...input.resource, providerOrg: P, coverage: { ...input.resource.coverage, region: '370102' } } };
      ids.ca = await start('applicant', actors.company.org, 'conditionalApplication', ca);
      ids.ca2 = await start('applicant', actors.company.org, 'conditionalApplication', ca);
      await send(ids.ca2, 'authority', COUNTY, 'PASS_NORMATIVE_REVIEW', {});
      await send(ids.ca2, 'provider', P, 'APPROVE', {});
      await send(ids.ca2, 'provider', P, 'SIGN_AGREEMENT', { ...commandData.conditionalApplication.SIGN_AGREEMENT, useFrom: '2026-03-02', useTo: '2026-03-31' });
      await send(ids.ca2, 'provider', P, 'GRANT_ACCESS', {});
      ids.la = await start('provider', P, 'listAdjustment', { ...startInputs.listAdjustment, providerOrg: P });
      ids.la2 = await start('provider', P, 'listAdjustment', { ...startInputs.listAdjustment, providerOrg: P });
      await send(ids.la2, 'authority', PROVINCE, 'RETURN', commandData.listAdjustment.RETURN);
      ids.ud = await start('applicant', actors.company.org, 'unopenedDataRequest', startInputs.unopenedDataRequest);
      await send(ids.ud, 'authority', CITY, 'PASS_NORMATIVE_REVIEW', { ...commandData.unopenedDataRequest.PASS_NORMATIVE_REVIEW, providerOrg: P });
      ids.ob = await start('applicant', actors.company.org, 'objection', { ...startInputs.objection, providerOrg: P });
    });
    api = reformed.api;
    found = api.app.readModels.casesWithTasksToHandOn();
    moved = await api.app.handOnTasks();
  });
  afterAll(() => reformed.close());

  const tasksOf = async (id: string) => ((await api.call('GET', `/v1/cases/${id}`, { as: await api.token('admin', PROVINCE) })).body.tasks as { stage: string; org: string; orgs?: string[] }[]).map((t) => [t.stage, t.org]);
  const inbox = async (org: string) => ((await api.call('GET', '/v1/inbox?limit=100', { as: await api.token('authority', org) })).body.items as { caseId: string; stage: string }[]).map((i) => `${Object.entries(ids).find(([, v]) => v === i.caseId)?.[0]}:${i.stage}`).sort();

  it('then the start finds and hands on the four tasks whose 本级 / 市级以上 is now Qingdao’s', async () => {
    expect(found.map((id) => Object.entries(ids).find(([, v]) => v === id)![0]).sort()).toEqual(['ca', 'ca2', 'dr', 'la']);
    expect(moved).toBe(4);
    expect(api.app.readModels.casesWithTasksToHandOn()).toEqual([]);
    expect(await api.app.scheduler.reassignTasks(Object.values(ids))).toBe(0);
  });

  it('then each task is now Qingdao’s', async () => {
    expect(await tasksOf(ids.dr!)).toEqual([['underReview', QD]]);
    expect(await tasksOf(ids.ca!)).toEqual([['normativeReview', QD]]);
    expect((await tasksOf(ids.ca2!)).filter(([s]) => s === 'accessGrantedNotice')).toEqual([['accessGrantedNotice', QD]]);
    expect(await tasksOf(ids.la!)).toEqual([['review', QD]]);
  });

  it('then the inboxes of the county, 济南, 青岛 and the province agree', async () => {
    expect(await inbox(COUNTY)).toEqual([]);
    expect(await inbox(CITY)).toEqual([]);
    expect(await inbox(QD)).toEqual(['ca2:accessGrantedNotice', 'ca:normativeReview', 'dr:underReview', 'la:review']);
    expect(await inbox(PROVINCE)).toEqual(['la:review']);
  });

  it('then Qingdao’s bureau may read each case and act', async () => {
    for (const k of ['dr', 'ca', 'ca2', 'la']) {
      const res = await api.call('GET', `/v1/cases/${ids[k]}`, { as: await api.token('authority', QD) });
      expect([k, res.status]).toEqual([k, 200]);
      expect(res.body.allowedCommands.length, k).toBeGreaterThan(0);
    }
  });

  it('then the case list ?org=Qingdao has the four', async () => {
    const res = await api.call('GET', `/v1/cases?org=${QD}&limit=100`, { as: await api.token('supervisor', PROVINCE) });
    expect(res.status, res.text).toBe(200);
    expect((res.body.items as { id: string }[]).map((c) => c.id).sort()).toEqual([ids.ca, ids.ca2, ids.dr, ids.la].sort());
  });

  it('then read models rebuilt in batches of 1, 3 and 1000 equal the kept ones', async () => {
    const kept = dumpReadModels(api.app.readModels.db);
    for (const batchSize of [1, 3, 1000]) {
      const dir = mkdtempSync(join(tmpdir(), 'wf-probe-rebuild-'));
      const fresh = await openReadModels({ store: api.app.store, dataDir: dir, directory: api.app.directory, mode: 'follow', batchSize });
      try {
        expect(await fresh.waitFor(await api.app.store.headPosition(), 20_000)).toBe(true);
        expect(dumpReadModels(fresh.db), `batch ${batchSize}`).toEqual(kept);
      } finally {
        await fresh.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('then, once overdue, the overdue report charges Qingdao, and Qingdao’s supervisor sees them', async () => {
    await api.call('PUT', '/v1/test/clock', { as: await api.token('admin', PROVINCE), body: { now: '2026-09-01T02:00:00Z' } });
    const all = await api.call('GET', '/v1/reports/overdue', { as: await api.token('supervisor', PROVINCE) });
    expect(all.status, all.text).toBe(200);
    const items = (all.body.items as { caseId: string; org: string; stage: string }[]).filter((i) => [ids.dr, ids.ca, ids.la].includes(i.caseId));
    expect(items.map((i) => i.org).sort()).toEqual([QD, QD, QD]);
    const qd = await api.call('GET', '/v1/reports/overdue', { as: await api.token('supervisor', QD) });
    expect((qd.body.items as { caseId: string }[]).filter((i) => [ids.dr, ids.ca, ids.la].includes(i.caseId))).toHaveLength(3);
    const qdRegion = await api.call('GET', '/v1/reports/overdue?region=370200', { as: await api.token('supervisor', PROVINCE) });
    expect((qdRegion.body.items as { caseId: string }[]).filter((i) => [ids.dr, ids.ca, ids.la].includes(i.caseId))).toHaveLength(3);
    const sla = await api.call('GET', '/v1/reports/sla?groupBy=org', { as: await api.token('supervisor', PROVINCE) });
    expect(sla.status, sla.text).toBe(200);
  });
});
