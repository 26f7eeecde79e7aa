/**
 * `npm run replay -- --all` is judged by its exit status (an operator's nightly check): a holiday notice
 * changed in the store after it was loaded — every deadline computed after it rests on it, and no hash
 * chain covers the notices — fails the run, though every case replays (mutation QA: the notice was named
 * and the run exited 0 with every test passing).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALENDAR_STREAM } from '../../engine/calendarInForce.js';
import { testNotice2027 } from '../calendars/notice2027.js';
import { createWorld, given } from '../engine/world.js';
import { runScript } from './spawnScript.js';

const admin = { sub: 'u-sddsj-admin', name: '平台管理员', role: 'admin', org: '370000-dsj' } as const;

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'replay-notice-altered-'));
  const w = await createWorld({ path: join(dir, 'events.db'), at: '2026-12-01T02:00:00.000Z' });
  try {
    await w.calendar.load(testNotice2027, admin);
    await given(w, 'objection');
  } finally {
    await w.close();
  }
  // A test-only write: the 调休 working Saturday of 8 May 2027 taken out of the stored notice.
  const db = new Database(join(dir, 'events.db'));
  try {
    const row = db.prepare<[string], { position: number; data: string }>('SELECT position, data FROM events WHERE stream_id = ? AND revision = 0').get(CALENDAR_STREAM)!;
    const data = JSON.parse(row.data) as { notice: { adjustedWorkdays: string[]; blocks: { adjustedWorkdays: string[] }[] } };
    const off = (days: string[]) => days.filter((d) => d !== '2027-05-08');
    data.notice.adjustedWorkdays = off(data.notice.adjustedWorkdays);
    for (const block of data.notice.blocks) block.adjustedWorkdays = off(block.adjustedWorkdays);
    db.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify(data), row.position);
  } finally {
    db.close();
  }
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run replay -- --all on a store whose holiday notice was altered', () => {
  it('given its one case replaying, then it names the notice and exits 1', async () => {
    const ran = await runScript('replay.ts', ['--all'], { WORKFLOW_DATA_DIR: dir, LOG_LEVEL: 'silent' });
    expect(ran.stdout).toContain('通过 1，失败 0');
    expect(ran.stdout).toMatch(/节假日安排通知/);
    expect(ran.status, ran.stdout + ran.stderr).toBe(1);
  });
});
