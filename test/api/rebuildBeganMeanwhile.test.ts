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
      for (const table of ['cases', 'inbox_tasks', 'inbox_assignees', 'sla_tasks', 'audit_index']) other.exec(`DELETE FROM ${table}`);
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
