/**
 * 机构改革 of a provider alone: 济南市历下区市场监督管理局 (370102-scjgj) became part of 济南市市场监督管理局
 * (370100-scjgj, 垂直管理: a county unit made a branch of the city's), while 历下区大数据局 (370102-dsj)
 * stays. A conditional application of the county unit was waiting on 历下区大数据局's normative review
 * (本级, 第十四条(二)); its 本级 is now 济南市大数据局, the successor's (organisationsFor). A task keeps the
 * organisation it opened with, so it stays in 历下区大数据局's inbox, which may no longer act on it, and
 * 济南市大数据局, which may, does not find it. Not mended (that would take a re-assignment event): told, at
 * start, so that the operator can reconsider the directory change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './harness.js';
import { acrossReform } from './reform.js';
import { actors, startInputs } from '../machines/examples.js';

const UNIT = '370102-scjgj';
const COUNTY = '370102-dsj';
const CITY = '370100-dsj';

describe('given a county unit’s conditional application waiting on the county bureau’s review, when the unit’s duties pass to the city’s unit (the county bureau stays)', () => {
  let reformed: Awaited<ReturnType<typeof acrossReform>>;
  let api: TestApi;
  let id: string;
  beforeAll(async () => {
    reformed = await acrossReform([], (shipped) => shipped.map((o) => (o.code === UNIT ? { ...o, successor: '370100-scjgj' } : o)), async (before) => {
      const input = startInputs.conditionalApplication;
      const res = await before.call('POST', '/v1/cases', { as: await before.token('applicant', actors.company.org, actors.company.sub), body: { process: 'conditionalApplication', input: { ...input, resource: { ...input.resource, providerOrg: UNIT } } } });
      expect(res.status, res.text).toBe(201);
      id = res.body.id;
    });
    api = reformed.api;
  });
  afterAll(() => reformed.close());

  it('then the read models name 历下区大数据局 as holding a task it may no longer act on, and 济南市大数据局 as the one that may', () => {
    expect(api.app.readModels.openTasksNoLongerTheirs()).toEqual([{ org: COUNTY, tasks: 1, mayActNow: [CITY] }]);
  });

  it('then the two bureaus are as the read models say: the county one is refused, the city one may pass the review', async () => {
    const allowed = async (org: string) => (await api.call('GET', `/v1/cases/${id}`, { as: await api.token('authority', org) })).body.allowedCommands as string[];
    expect(await allowed(COUNTY)).toEqual([]);
    expect(await allowed(CITY)).toContain('PASS_NORMATIVE_REVIEW');
  });
});

describe('given the shipped directory, unchanged', () => {
  it('then no open task is held by an organisation that may not act on it', async () => {
    const api = await startTestApi({ now: '2026-03-02T02:00:00Z' });
    try {
      const res = await api.call('POST', '/v1/cases', { as: await api.token('applicant', actors.company.org, actors.company.sub), body: { process: 'conditionalApplication', input: startInputs.conditionalApplication } });
      expect(res.status).toBe(201);
      expect(api.app.readModels.openTasksNoLongerTheirs()).toEqual([]);
    } finally {
      await api.close();
    }
  });
});
