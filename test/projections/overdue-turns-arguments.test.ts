/**
 * What `overdueReportInTurns` (sla.ts) refuses before it reads: a turn of no items (the report would
 * never end a step), and a connection already in a transaction (its `BEGIN` would fail halfway, or,
 * worse, the report would read in a transaction someone else ends between its turns: not one snapshot),
 * and a caller that has already given up (its signal aborted).
 */
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { overdueReportInTurns, type OverdueQuery } from '../../projections/index.js';
import { directory } from './harness.js';

let db: Database.Database;
beforeEach(() => {
  db = new Database(':memory:');
});
afterEach(() => db.close());

const query = { asOf: new Date('2026-01-05T00:00:00Z'), directory } as unknown as OverdueQuery;
const turn = async () => {};

describe('a report in turns: what it refuses before it reads', () => {
  it.each([0, -1, 1.5, Infinity])('given itemsPerTurn %s, then RangeError, and the connection is left as it was', async (itemsPerTurn) => {
    await expect(overdueReportInTurns(db, query, { turn, itemsPerTurn })).rejects.toThrow(/itemsPerTurn must be a positive integer/);
    expect(db.inTransaction).toBe(false);
  });

  it('given a connection already in a transaction, then RangeError, and its transaction is neither ended nor joined', async () => {
    db.exec('BEGIN');
    await expect(overdueReportInTurns(db, query, { turn })).rejects.toThrow(/transaction of its own/);
    expect(db.inTransaction).toBe(true);
    db.exec('ROLLBACK');
  });

  it('given a signal already aborted (the client went away while it waited for a reader), then it rejects with the signal’s reason before it reads', async () => {
    const reason = new Error('the client went away');
    await expect(overdueReportInTurns(db, query, { turn, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(db.inTransaction).toBe(false);
  });
});
