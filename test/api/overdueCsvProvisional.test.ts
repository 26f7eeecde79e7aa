/**
 * The overdue report as CSV says which deadlines were provisional, as its JSON does (`provisional`):
 * a 通报 made from the file in January, before the year's holiday notice is loaded, names a unit late
 * on a deadline counted from the statutory holidays alone (PROCESSES.md "Deadlines").
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csvRows, startTestApi, type TestApi } from './harness.js';
import { partyTokens } from '../race/helpers.js';
import { startInputs } from '../machines/examples.js';

let api: TestApi;
let tokens: Awaited<ReturnType<typeof partyTokens>>;

beforeEach(async () => {
  api = await startTestApi({ now: '2026-12-10T02:00:00.000Z' });
  tokens = await partyTokens(api);
});
afterEach(() => api.close());


describe('the overdue report as CSV, before the 2027 notice is loaded', () => {
  it('given an objection raised 2026-12-10 (due 12-24, official) and one raised 12-20 (due 2027-01-04, provisional), when the overdue report is asked for as CSV on 2027-01-06, then each line says whether its deadline was provisional, as the JSON does', async () => {
    const official = await api.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'objection', input: startInputs.objection } });
    expect(official.body.tasks[0]).toMatchObject({ dueDate: '2026-12-24', provisional: false });
    await api.call('PUT', '/v1/test/clock', { as: tokens.admin, body: { now: '2026-12-20T02:00:00.000Z' } });
    const provisional = await api.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'objection', input: startInputs.objection } });
    expect(provisional.body.tasks[0]).toMatchObject({ dueDate: '2027-01-04', provisional: true });

    await api.call('PUT', '/v1/test/clock', { as: tokens.admin, body: { now: '2027-01-06T02:00:00.000Z' } });
    const supervisor = await api.token('supervisor', '370000-dsj');
    const json = await api.call('GET', '/v1/reports/overdue', { as: supervisor });
    const csv = await api.call('GET', '/v1/reports/overdue?format=csv', { as: supervisor });
    expect(csv.status, csv.text).toBe(200);

    const rows = csvRows(csv.text);
    for (const item of json.body.items as { caseId: string; provisional: boolean }[]) {
      expect(rows.find((r) => r['案件编号'] === item.caseId)).toMatchObject({ 临时期限: item.provisional ? '是' : '否' });
    }
    expect(rows.find((r) => r['案件编号'] === provisional.body.id)).toMatchObject({ 临时期限: '是' });
    expect(rows.find((r) => r['案件编号'] === official.body.id)).toMatchObject({ 临时期限: '否' });
  });
});
