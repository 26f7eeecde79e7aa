/**
 * The read-only connections reports made in turns read on (projections/readers.ts): one to a report
 * while it runs, a few kept, and never more than `Readers.OPEN` open at once — supervisors pulling
 * reports together wait their turn instead of taking every file descriptor of the server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Readers } from '../../projections/readers.js';
import type { Db } from '../../projections/runner.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'readers-'));
  file = join(dir, 'models.db');
  const db = new Database(file);
  db.exec('CREATE TABLE t (x)');
  db.close();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Settles what is due now: taken connections resolve within a few microtasks. */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('connections for reports made in turns', () => {
  it('given more reports at once than connections allowed, then the others wait, and each gets the connection one gives back', async () => {
    const readers = new Readers(file);
    const got: (Db | undefined)[] = [];
    const asked = Array.from({ length: Readers.OPEN + 2 }, (_, i) => readers.take().then((db) => (got[i] = db)));
    await settled();
    expect(got.filter(Boolean)).toHaveLength(Readers.OPEN);
    const first = got[0]!;
    readers.give(first);
    await settled();
    // The first waiting report reads on the connection given back; the last still waits.
    expect(got[Readers.OPEN]).toBe(first);
    expect(got[Readers.OPEN + 1]).toBeUndefined();
    readers.give(got[1]!);
    await Promise.all(asked);
    expect(new Set(got).size).toBe(Readers.OPEN);
    for (const db of got.slice(2)) readers.give(db!);
    readers.close();
  });

  it('given connections given back with no report waiting, then a few are kept open and the rest closed', async () => {
    const readers = new Readers(file);
    const taken = await Promise.all(Array.from({ length: Readers.OPEN }, () => readers.take()));
    for (const db of taken) readers.give(db);
    expect(taken.filter((db) => db.open)).toHaveLength(Readers.KEPT);
    // A kept one serves the next report.
    expect(taken).toContain(await readers.take());
    readers.close();
  });

  it('given a report waiting when the read models close, then it is not left waiting for ever', async () => {
    const readers = new Readers(file);
    const taken = await Promise.all(Array.from({ length: Readers.OPEN }, () => readers.take()));
    const waiting = readers.take();
    readers.close();
    const db = await waiting;
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(0);
    readers.give(db);
    for (const t of taken) readers.give(t);
    expect([db, ...taken].some((d) => d.open)).toBe(false);
  });
});
