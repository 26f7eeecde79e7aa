/**
 * One damaged row does not take the scripts down: given a demo data folder where one case event's
 * metadata was cut short (a hand edit of events.db) and whose read models must fold the log again,
 * `npm run rebuild` rebuilds every read model and
 * names the event it skipped, and `npm start` starts and serves the cases; an event the store cannot
 * read at start-up is told in one Chinese sentence.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnreadableEventError } from '../../eventstore/types.js';
import { loadConfig } from '../../infra/config.js';
import { startupMessage } from '../../scripts/startupError.js';
import { runScript, startServer } from './spawnScript.js';

describe('given a demo data folder where one case event has metadata that is not valid JSON', () => {
  let root: string;
  let dataDir: string;
  let copies = 0;
  let damaged: { position: number; streamId: string };
  let cases: number;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'wf-unreadable-'));
    dataDir = join(root, 'damaged');
    const demo = await runScript('demo.ts', ['--cases', '8', '--quiet'], { WORKFLOW_DATA_DIR: dataDir });
    expect(demo.status, demo.stderr).toBe(0);
    const db = new Database(join(dataDir, 'events.db'));
    try {
      damaged = db
        .prepare<[], { position: number; streamId: string }>(
          "SELECT position, stream_id AS streamId FROM events WHERE revision >= 1 AND json_extract(metadata, '$.caseId') IS NOT NULL ORDER BY position LIMIT 1",
        )
        .get()!;
      cases = db.prepare<[], number>("SELECT count(DISTINCT stream_id) FROM events WHERE json_extract(metadata, '$.caseId') IS NOT NULL").pluck().get()!;
      db.prepare('UPDATE events SET metadata = substr(metadata, 1, length(metadata) - 3) WHERE position = ?').run(damaged.position);
      // The read models must fold the log again (as after a rebuild that stopped at the damaged event): every one from 0.
      db.exec('DELETE FROM projection_checkpoints');
    } finally {
      db.close();
    }
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** The damaged folder, its read models still to fold, for one run alone. */
  const fresh = () => {
    const dir = join(root, `copy-${++copies}`);
    cpSync(dataDir, dir, { recursive: true });
    return dir;
  };

  it('when `npm run rebuild` runs, then it rebuilds every read model, exits 0, and names the event it skipped on stderr', async () => {
    const run = await runScript('rebuild.ts', [], { WORKFLOW_DATA_DIR: fresh() });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^已重建 inbox、sla、cases、audit，位置 \d+/);
    expect(run.stderr).toContain(`读模型跳过了位置 ${damaged.position} 的事件（流 ${damaged.streamId}`);
    expect(run.stderr.split(`位置 ${damaged.position} 的事件`)).toHaveLength(2);
  });

  it('when `npm start` runs on it, then the server starts and lists every case', async () => {
    const dir = fresh();
    const server = await startServer({ PORT: '0', WORKFLOW_DATA_DIR: dir });
    try {
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      const token = (await runScript('token.ts', ['--role', 'authority', '--org', '370000-dsj'], { WORKFLOW_DATA_DIR: dir })).stdout.trim();
      const list = await fetch(`${server.url}/v1/cases?limit=100`, { headers: { authorization: `Bearer ${token}` } });
      expect(list.status).toBe(200);
      expect(((await list.json()) as { items: unknown[] }).items).toHaveLength(cases);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 60_000);
});

describe('startupMessage, given an event the store cannot read', () => {
  it('then one sentence naming its position, stream and the part damaged', () => {
    const config = loadConfig({ WORKFLOW_DATA_DIR: '/srv/wf' });
    const err = new UnreadableEventError({ streamId: 'calendar-notices', revision: 2, position: 7, id: 'e-7', type: 'HolidayNoticeLoaded' }, 'data', new SyntaxError('Unexpected end of JSON input'));
    expect(startupMessage(err, config)).toBe('事件库中位置 7 的事件（流 calendar-notices，版本 2）无法读取：其数据已不是有效的 JSON，存储内容已损坏或被改动，请从备份恢复这一事件');
  });
});
