/**
 * Read models built from a log an earlier release wrote (a data folder kept for years, then opened by
 * this release). The fixture is a case's events exactly as commit 80cb6df's engine stored them (its
 * demo), copied from its events.db: before 83311c1 a case's summary did not say whether the applicant
 * was a natural person (`applicantKind`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCalendar } from '../../calendars/index.js';
import { Directory } from '../../directory/directory.js';
import { CalendarInForce } from '../../engine/calendarInForce.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { ManualClock } from '../../infra/clock.js';
import { openReadModels, type ReadModels } from '../../projections/index.js';
import { insertStoredRows, readStoredRows, type StoredRow } from '../eventstore/storedRows.js';

const rows = readStoredRows(new URL('fixtures/80cb6df-conditionalApplication-person.ndjson', import.meta.url));

/** Read models built from `rows` as an earlier release stored them, the clock at `at`, for the describe it is called in. */
function modelsOver(rows: readonly StoredRow[], at: string): () => ReadModels {
  let dir: string;
  let store: SqliteEventStore;
  let models: ReadModels;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'projections-old-log-'));
    const clock = new ManualClock(at);
    store = new SqliteEventStore({ path: join(dir, 'events.db'), synchronous: 'OFF', now: () => clock.now() });
    insertStoredRows(store, rows);
    const calendar = await CalendarInForce.open(store, clock, defaultCalendar());
    models = await openReadModels({ store, dataDir: dir, directory: Directory.load(), calendar: () => calendar.current() });
    await models.waitFor(rows.length, 5_000);
  });
  afterAll(async () => {
    await models.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return () => models;
}

describe('a natural person’s application stored by commit 80cb6df (no applicantKind in its summary)', () => {
  const read = modelsOver(rows, '2026-12-02T03:00:00.000Z');

  it('given its destruction confirmed late, when the read models are built from the log and supervisors pull the overdue and on-time reports, then the applicant is 李* under a masked code, never 李芳 nor the code in full', () => {
    const overdue = read().overdueReport({ asOf: new Date('2026-02-01T00:00:00.000Z') });
    const item = overdue.items.find((i) => i.stage === 'destructionPending');
    expect(item).toMatchObject({ orgName: '李*', org: 'per*********26' });
    const sla = read().slaReport({ from: '2025-01-01T00:00:00Z', to: '2026-12-01T00:00:00Z', asOf: '2026-12-01T00:00:00Z', groupBy: 'org' });
    expect(sla.rows.find((r) => r.key === 'per*********26')).toMatchObject({ name: '李*' });
    const shown = JSON.stringify([overdue, sla]);
    expect(shown).not.toContain('李芳');
    expect(shown).not.toContain('person-u-p0026');
  });
});

describe('an organisation’s applications, one stored by commit 9c9d063 (no applicantKind in its summary) and one continued by this release', () => {
  const read = modelsOver(readStoredRows(new URL('fixtures/9c9d063-conditionalApplication-organization.ndjson', import.meta.url)), '2027-04-01T03:00:00.000Z');

  it('given both cases’ destruction overdue (the old one first), when a supervisor pulls the overdue report, then its items and its count name the organisation as the on-time report does, in full', () => {
    const org = '91370100MA3C8K2D0E';
    const overdue = read().overdueReport({ asOf: new Date('2027-04-01T00:00:00.000Z') });
    const items = overdue.items.filter((i) => i.org === org);
    expect(items.filter((i) => i.stage === 'destructionPending').map((i) => i.enteredAt)).toEqual(['2026-12-23T02:00:00.000Z', '2027-02-28T15:59:59.999Z']);
    expect(new Set(items.map((i) => i.orgName))).toEqual(new Set(['山东数智科技有限公司']));
    expect(overdue.byOrg.find((t) => t.org === org)).toMatchObject({ orgName: '山东数智科技有限公司', overdue: items.length });
    const sla = read().slaReport({ from: '2026-01-01T00:00:00Z', to: '2027-04-01T00:00:00Z', asOf: '2027-04-01T00:00:00Z', groupBy: 'org' });
    expect(sla.rows.find((r) => r.key === org)).toMatchObject({ name: '山东数智科技有限公司' });
  });
});
