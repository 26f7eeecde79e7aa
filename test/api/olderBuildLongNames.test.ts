/**
 * A log yesterday's build (6f0b52e) wrote, served by today's: the fixture is an objection exactly as
 * 6f0b52e's server stored it (copied from its events.db), raised from a token with no name claim on a
 * dataset named in 2,774 characters. Its event's summary carries the name whole and the ID number in
 * full; 812e718 cut summary names at 200 characters (a page of 50 rows was 3 MB) and d51d3e6 masked the
 * number, for events written from then on. After the upgrade the rows of a case started before must
 * read as a case started today does: events are never rewritten, and a rebuild reads the same ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { ManualClock } from '../../infra/clock.js';
import { insertStoredRows, readStoredRows } from '../eventstore/storedRows.js';
import { actors } from '../machines/examples.js';
import { openTestApi, type TestApi } from './harness.js';

const rows = readStoredRows(new URL('../projections/fixtures/6f0b52e-objection-long-name-nameless.ndjson', import.meta.url));
const caseId = rows[0]!.metadata.caseId;
const storedSummary = rows[0]!.metadata.summary as { title: string; applicant: string };

let dir: string;
let api: TestApi;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'older-build-long-names-'));
  const clock = new ManualClock('2026-12-03T14:40:00.000Z');
  const store = new SqliteEventStore({ path: join(dir, 'events.db'), synchronous: 'OFF', now: () => clock.now() });
  insertStoredRows(store, rows);
  store.close();
  api = await openTestApi(dir, { now: '2026-12-03T14:40:00.000Z' });
});
afterAll(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("given an objection stored by 6f0b52e, its summary naming a dataset in 2,774 characters and a nameless person by the full ID number", () => {
  it("then today's build shows it in the provider's inbox and case list as it would write it: the name cut at 200 characters and an ellipsis, the number masked", async () => {
    expect(Array.from(storedSummary.title)).toHaveLength(2774);
    expect(storedSummary.applicant).toBe('370102198803151231');
    const provider = await api.token('provider', actors.provider.org);
    const inbox = await api.call('GET', '/v1/inbox', { as: provider });
    const list = await api.call('GET', '/v1/cases', { as: provider });
    expect([inbox.status, list.status]).toEqual([200, 200]);
    const inboxRow = inbox.body.items.find((i: { caseId: string }) => i.caseId === caseId);
    const listRow = list.body.items.find((i: { id: string }) => i.id === caseId);
    for (const summary of [inboxRow.summary, listRow.summary]) {
      expect(summary.title).toBe(`${Array.from(storedSummary.title).slice(0, 200).join('')}…`);
      expect(summary.applicant).toBe('个人（身份证号 370*************31）');
    }
  });
});
