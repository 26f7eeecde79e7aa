/**
 * The case list (`GET /v1/cases`): given open and final cases, when filtered with final=false, then
 * only the open ones; given a case whose first events are folded in one transaction (a catch-up or a
 * rebuild folds thousands at once), then its createdAt is its first event's time, not its last's.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../eventstore/types.js';
import { casesProjection, listCases } from '../../projections/index.js';
import { directory, stampedEvent } from './harness.js';

const admin = { role: 'admin', org: '370000-dsj' } as const;

/** An event of case `n` at `revision`, accepted `at`, leaving it final or not. */
function event(n: number, revision: number, at: string, final: boolean): RecordedEvent {
  const e = stampedEvent({ n, revision, position: n * 10 + revision + 1, parties: { providerOrg: '370100-gaj' }, stateAfter: final ? 'closed' : 'handling' });
  Object.assign(e.metadata as Record<string, unknown>, { at, final });
  return e;
}

/** The case list of `events`, all folded in one transaction. */
function caseList(events: RecordedEvent[]): Database.Database {
  const db = new Database(':memory:');
  casesProjection.setup(db);
  db.transaction(() => {
    for (const e of events) casesProjection.apply(e, db);
    casesProjection.flush!(db);
  })();
  return db;
}

describe('the case list', () => {
  it('given two open cases and one final, when filtered with final=false, then only the open ones, newest first; with final=true only the final one', () => {
    const db = caseList([event(1, 0, '2026-01-05T02:00:00.000Z', false), event(2, 0, '2026-01-05T03:00:00.000Z', false), event(2, 1, '2026-01-06T03:00:00.000Z', true), event(3, 0, '2026-01-07T02:00:00.000Z', false)]);
    const ids = (q: { final?: boolean }) => listCases(db, { caller: admin, directory, ...q }).items.map((c) => [c.caseId, c.final]);
    expect(ids({ final: false })).toEqual([
      ['case-3', false],
      ['case-1', false],
    ]);
    expect(ids({ final: true })).toEqual([['case-2', true]]);
    db.close();
  });

  it('given a case started and moved on in one transaction, then its createdAt is when it started and its updatedAt when it last moved', () => {
    const db = caseList([event(4, 0, '2026-01-05T02:00:00.000Z', false), event(4, 1, '2026-01-09T06:30:00.000Z', false)]);
    const [item] = listCases(db, { caller: admin, directory }).items;
    expect(item).toMatchObject({ caseId: 'case-4', revision: 1, createdAt: '2026-01-05T02:00:00.000Z', updatedAt: '2026-01-09T06:30:00.000Z' });
    db.close();
  });
});
