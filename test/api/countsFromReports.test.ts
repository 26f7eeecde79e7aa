/**
 * A deadline counted from a day the case agreed, not from the day its stage was entered, says so
 * wherever it is shown: in the provider's inbox and in the overdue report, JSON and CSV, as in the
 * case itself (`countsFrom`). conditionalApplication v3+ counts the 10 working days to grant access
 * from the agreed start of use (附录5 协议二(二)): signed Thursday 2025-02-20 for use from Saturday
 * 03-01, access is due Friday 03-14. A supervisor counting ten working days from the entry (due 03-06)
 * would call the provider late a week early.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvRows, startTestApi, type TestApi } from './harness.js';
import { partyTokens } from '../race/helpers.js';
import { commandData, conditionalApplicationSentOn, startInputs } from '../machines/examples.js';

let api: TestApi;
let tokens: Awaited<ReturnType<typeof partyTokens>>;
let accessCase: string;
let objectionCase: string;


beforeAll(async () => {
  api = await startTestApi({ now: '2025-02-20T02:00:00.000Z' });
  tokens = await partyTokens(api);
  const send = async (id: string, as: string, type: string, data: unknown = {}) => {
    const r = await api.call('POST', `/v1/cases/${id}/commands`, { as, body: { type, data } });
    expect(r.status, r.text).toBe(200);
  };
  const started = await api.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'conditionalApplication', input: conditionalApplicationSentOn('2025-02-20') } });
  expect(started.status, started.text).toBe(201);
  accessCase = started.body.id;
  await send(accessCase, tokens.authority, 'PASS_NORMATIVE_REVIEW');
  await send(accessCase, tokens.provider, 'APPROVE');
  await send(accessCase, tokens.provider, 'SIGN_AGREEMENT', commandData.conditionalApplication.SIGN_AGREEMENT);
  // An objection raised the same day, due ten working days on from its entry (03-06): its count needs no note.
  const objection = await api.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'objection', input: startInputs.objection } });
  expect(objection.status, objection.text).toBe(201);
  objectionCase = objection.body.id;
});
afterAll(() => api.close());

describe('a deadline counted from the agreed start of use, in the inbox and the overdue report', () => {
  it("given access to grant, signed 02-20 for use from 03-01, when the provider reads its inbox, then the item says its count starts on 03-01 (due 03-14)", async () => {
    const inbox = await api.call('GET', '/v1/inbox', { as: tokens.provider });
    const item = inbox.body.items.find((i: { caseId: string }) => i.caseId === accessCase);
    expect(item).toMatchObject({ stage: 'accessPending', countsFrom: '2025-03-01', dueDate: '2025-03-14' });
  });

  it('given both cases still open on Tuesday 03-18, when a supervisor pulls the overdue report, then the access item gives countsFrom 03-01 and the objection, counted from its entry, none — in JSON and in CSV (期限起算日)', async () => {
    await api.call('PUT', '/v1/test/clock', { as: tokens.admin, body: { now: '2025-03-18T02:00:00.000Z' } });
    const supervisor = await api.token('supervisor', '370000-dsj');
    const json = await api.call('GET', '/v1/reports/overdue', { as: supervisor });
    expect(json.status, json.text).toBe(200);
    const items: { caseId: string; stage: string }[] = json.body.items;
    const access = items.find((i) => i.caseId === accessCase && i.stage === 'accessPending');
    const objection = items.find((i) => i.caseId === objectionCase);
    expect(access).toMatchObject({ countsFrom: '2025-03-01', workingDaysOverdue: 2 });
    expect(objection).toBeDefined();
    expect(objection).not.toHaveProperty('countsFrom');

    const csv = await api.call('GET', '/v1/reports/overdue?format=csv', { as: supervisor });
    expect(csv.status, csv.text).toBe(200);
    const rows = csvRows(csv.text);
    expect(rows.find((r) => r['案件编号'] === accessCase && r['环节'] === 'accessPending')).toMatchObject({ 期限起算日: '2025-03-01' });
    expect(rows.find((r) => r['案件编号'] === objectionCase)).toMatchObject({ 期限起算日: '' });
  });
});
