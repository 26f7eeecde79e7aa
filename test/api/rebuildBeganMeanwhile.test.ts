/**
 * A rebuild that begins beside this server (`npm run rebuild`, another process on the file) between a
 * route's check and its query. The route found the read models whole (`rebuilding()`), then awaited
 * (the calendar's refresh, the store's settling), and the rebuild's reset committed meanwhile: the
 * query read them emptied. Durability QA: the audit export answered 200 with 7 of 84 lines (which
 * verify-export passed), the case list and the inbox 200 with nothing. Each query now checks, in the
 * snapshot it reads, that the read models are whole, and answers 503 readModelsRebuilding if not.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startInputs } from '../machines/examples.js';
import { partyTokens } from '../race/helpers.js';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
let tokens: Awaited<ReturnType<typeof partyTokens>> & { supervisor: string; auditor: string };
beforeEach(async () => {
  api = await startTestApi({ now: '2026-03-02T02:00:00.000Z' });
  tokens = { ...(await partyTokens(api)), supervisor: await api.token('supervisor', '370000-dsj'), auditor: await api.token('auditor', '370000-dsj') };
  for (let i = 0; i < 3; i++) {
    const started = await api.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'objection', input: startInputs.objection } });
    expect(started.status, started.text).toBe(201);
  }
});
afterEach(() => api.close());

/** What a rebuild in another process commits first: its read models emptied, their checkpoints back at 0. */
function resetByAnotherProcess(): void {
  const other = new Database(join(api.dataDir, 'events.db'));
  try {
    other.transaction(() => {
      for (const table of ['cases', 'inbox_tasks', 'inbox_assignees', 'sla_tasks', 'sla_kinds', 'sla_org_names', 'audit_index']) other.exec(`DELETE FROM ${table}`);
      other.exec('UPDATE projection_checkpoints SET position = 0');
    })();
  } finally {
    other.close();
  }
}

/** The reset lands once the route has checked the read models, while it awaits the calendar's refresh. */
function resetAfterTheRoutesCheck(): void {
  const refresh = api.app.calendar.refresh.bind(api.app.calendar);
  let once = true;
  api.app.calendar.refresh = async () => {
    if (once) resetByAnotherProcess();
    once = false;
    return refresh();
  };
}

describe('a rebuild beside the server begins between a read route’s check and its query', () => {
  const reads: [string, 'applicant' | 'provider' | 'auditor' | 'supervisor'][] = [
    ['/v1/cases', 'applicant'],
    ['/v1/inbox', 'provider'],
    ['/v1/reports/overdue', 'supervisor'],
    ['/v1/reports/overdue?format=csv', 'supervisor'],
    ['/v1/reports/sla?from=2026-01-01T00:00:00Z&to=2026-06-01T00:00:00Z', 'supervisor'],
    ['/v1/audit/export?from=2026-01-01T00:00:00Z&to=2026-06-01T00:00:00Z', 'auditor'],
  ];
  for (const [url, role] of reads) {
    it(`then ${url.split('?')[0]}${url.includes('format=csv') ? ' (CSV)' : ''} answers 503 readModelsRebuilding, not 200 with part of its answer`, async () => {
      const whole = await api.call('GET', url, { as: tokens[role] });
      expect(whole.status, whole.text).toBe(200);
      resetAfterTheRoutesCheck();
      const res = await api.call('GET', url, { as: tokens[role] });
      expect([res.status, res.body?.code, res.body?.reason], res.text.slice(0, 300)).toEqual([503, 'UNAVAILABLE', 'readModelsRebuilding']);
      expect(res.headers['retry-after']).toBe('5');
    });
  }
});

describe('a rebuild beside the server begins while a supervisor’s overdue report is being made in turns', () => {
  it('then the report is made of one snapshot: its stages, labels and masked applicants as before the reset, not blanks and codes in full (changes QA)', async () => {
    await api.close();
    let turns = 0;
    api = await startTestApi({
      now: '2026-03-02T02:00:00.000Z',
      // A turn of the event loop between the report's steps; at the second, another process's rebuild resets the read models.
      reportTurns: {
        itemsPerTurn: 1,
        turn: async () => {
          if (++turns === 2) resetByAnotherProcess();
          await new Promise<void>((resolve) => setImmediate(resolve));
        },
      },
    });
    tokens = { ...(await partyTokens(api)), supervisor: await api.token('supervisor', '370000-dsj'), auditor: await api.token('auditor', '370000-dsj') };
    const person = await api.token('applicant', 'person-u-zhangsan', 'u-zhangsan');
    for (const as of [tokens.applicant, person]) {
      const started = await api.call('POST', '/v1/cases', { as, body: { process: 'objection', input: startInputs.objection } });
      expect(started.status, started.text).toBe(201);
    }
    expect((await api.call('PUT', '/v1/test/clock', { as: tokens.admin, body: { now: '2026-04-01T02:00:00.000Z' } })).status).toBe(200);
    turns = 100;
    const before = await api.call('GET', '/v1/reports/overdue', { as: tokens.supervisor });
    expect(before.status, before.text).toBe(200);
    expect(before.body.items.length).toBe(2);
    turns = 0;
    const during = await api.call('GET', '/v1/reports/overdue', { as: tokens.supervisor });
    expect(turns).toBeGreaterThanOrEqual(2);
    if (during.status === 200) expect({ ...during.body, asOf: before.body.asOf }).toEqual(before.body);
    else expect([during.status, during.body.reason]).toEqual([503, 'readModelsRebuilding']);
  });
});

