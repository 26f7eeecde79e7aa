/**
 * What a case's state and the commands it offers are called (applicants' QA): the case, the case list
 * and /v1/processes gave codes only — `rejected`, `closed`, `REPORT_USAGE` — and a final case has no
 * task whose label says where it ended, though the server's own 409s name them in Chinese.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
let applicant: string;
let rejected: string;
let open: string;
beforeAll(async () => {
  api = await startTestApi({ now: '2026-03-02T01:00:00.000Z' });
  applicant = await api.token('applicant', actors.company.org);
  const authority = await api.token('authority', actors.cityAuthority.org);
  const start = async () => (await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'conditionalApplication', input: startInputs.conditionalApplication } })).body.id as string;
  rejected = await start();
  open = await start();
  const failed = await api.call('POST', `/v1/cases/${rejected}/commands`, { as: authority, body: { type: 'FAIL_NORMATIVE_REVIEW', data: commandData.conditionalApplication.FAIL_NORMATIVE_REVIEW } });
  expect(failed.status).toBe(200);
});
afterAll(() => api.close());

describe('a case’s state and commands in words', () => {
  it('given a case rejected at the normative review, then its view and its row in the list name the state 未通过, in English too', async () => {
    for (const headers of [{}, { 'accept-language': 'en' }] as Record<string, string>[]) {
      const view = await api.call('GET', `/v1/cases/${rejected}`, { as: applicant, headers });
      expect([view.body.state, view.body.stateLabel, view.body.tasks]).toEqual(['rejected', '未通过', []]);
      const list = await api.call('GET', '/v1/cases', { as: applicant, headers });
      expect(list.body.items.find((i: { id: string }) => i.id === rejected)).toMatchObject({ state: 'rejected', stateLabel: '未通过' });
    }
  });

  it('given a case the applicant may withdraw, then each command it is offered is named', async () => {
    const view = await api.call('GET', `/v1/cases/${open}`, { as: applicant });
    expect(view.body).toMatchObject({ state: 'normativeReview', stateLabel: '材料规范性审查' });
    // The task's article, as its inbox item gives it (integrators' QA).
    expect(view.body.tasks).toEqual([expect.objectContaining({ stage: 'normativeReview', basis: 'statute', article: '第十四条(二)' })]);
    expect(view.body.allowedCommands.length).toBeGreaterThan(0);
    expect(Object.keys(view.body.commandLabels).sort()).toEqual([...view.body.allowedCommands].sort());
    for (const label of Object.values(view.body.commandLabels)) expect(label).toMatch(/\p{Script=Han}/u);
  });

  it('given GET /v1/processes, then every state and command of every version is named', async () => {
    const res = await api.call('GET', '/v1/processes', { as: applicant });
    expect(res.status).toBe(200);
    for (const p of res.body as { name: string; version: number; states: string[]; stateLabels: Record<string, string>; commands: string[]; commandLabels: Record<string, string> }[]) {
      expect(Object.keys(p.stateLabels).sort(), `${p.name} v${p.version}`).toEqual([...p.states].sort());
      expect(Object.keys(p.commandLabels).sort(), `${p.name} v${p.version}`).toEqual([...p.commands].sort());
      for (const label of [...Object.values(p.stateLabels), ...Object.values(p.commandLabels)]) expect(label, `${p.name} v${p.version}`).toMatch(/\p{Script=Han}/u);
    }
    const conditional = (res.body as { name: string; stateLabels: Record<string, string> }[]).find((p) => p.name === 'conditionalApplication')!;
    expect(conditional.stateLabels).toMatchObject({ rejected: '未通过', closed: '已结束', destructionPending: '待销毁数据' });
  });
});
