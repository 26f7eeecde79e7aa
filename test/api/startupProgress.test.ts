/**
 * The read models caught up at start, in the log: a long catch-up (a read model of a new version,
 * or dropped) says how far it has come and when it is done, before the server takes requests; a
 * start whose read models are current says nothing of them. A rebuild another process left unfinished,
 * which the server takes over while it serves, is said too.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../api/app.js';
import { loadConfig } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';
import { SECRET } from './harness.js';

const dataDir = mkdtempSync(join(tmpdir(), 'wf-startup-progress-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const config = loadConfig({ WORKFLOW_DATA_DIR: dataDir, WORKFLOW_JWT_SECRET: SECRET, WORKFLOW_SQLITE_SYNCHRONOUS: 'OFF' });

/** Opens the app on the data folder with every step of the catch-up logged; answers the lines logged while it opened. */
async function openLogged(): Promise<{ msg: string; phase?: string; done?: number; total?: number }[]> {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _encoding, next) => (lines.push(chunk.toString()), next()) });
  const app = await createApp(config, { logger: createLogger({ level: 'info' }, sink), startupProgressEveryMs: 0 });
  await app.close();
  return lines.map((l) => JSON.parse(l) as { msg: string });
}

describe('the read models at start', () => {
  it('given 25,000 events and read models dropped, when the server starts, then it logs the catch-up (done / total, in Chinese) and its end; started again, it logs neither', async () => {
    const app = await createApp(config, { logger: createLogger({ level: 'silent' }) });
    const events = Array.from({ length: 25_000 }, (_, i) => ({ id: randomUUID(), type: 'Noted', data: { i } }));
    await app.store.appendToStream('other-startup-progress', events);
    await app.close();
    const db = new Database(join(dataDir, 'events.db'));
    db.prepare('DELETE FROM projection_checkpoints').run();
    db.close();

    const first = await openLogged();
    const steps = first.filter((l) => l.msg.startsWith('正在准备读模型（重放事件）'));
    expect(steps.length).toBeGreaterThan(0);
    expect(steps[0]).toMatchObject({ phase: 'fold', total: 25_000 });
    expect(steps[0]!.done).toBeLessThan(25_000);
    expect(steps[0]!.msg).toMatch(/^正在准备读模型（重放事件）：\d+ \/ 25000（\d+%），完成后开始接受请求$/);
    expect(first.filter((l) => l.msg.startsWith('读模型已就绪，用时 '))).toHaveLength(1);

    const again = await openLogged();
    expect(again.filter((l) => l.msg.startsWith('正在准备读模型') || l.msg.startsWith('读模型已就绪'))).toEqual([]);
  });
});

describe('a rebuild another process left unfinished, taken over by the server', () => {
  it('given read models marked unfinished and no process holding the rebuild lock (npm run rebuild killed), when the server is asked whether they are being rebuilt, then it logs that it takes the rebuild over, how far it has come, and its end', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _encoding, next) => (lines.push(chunk.toString()), next()) });
    const app = await createApp(config, { logger: createLogger({ level: 'info' }, sink), startupProgressEveryMs: 0 });
    try {
      const db = new Database(join(dataDir, 'events.db'));
      db.prepare("UPDATE projection_checkpoints SET version = -1, position = 0 WHERE name IN ('inbox', 'sla')").run();
      db.close();
      lines.length = 0;
      expect(app.readModels.rebuilding()).toBeDefined();
      await vi.waitFor(() => expect(app.readModels.rebuilding()).toBeUndefined(), { timeout: 20_000, interval: 20 });
      const logged = lines.map((l) => JSON.parse(l) as { msg: string; level: number; readModels?: string[]; phase?: string });
      // Before: not a line (only /health, /metrics and the 503s told it).
      expect(logged[0]).toMatchObject({ level: 40, readModels: ['inbox', 'sla'] });
      expect(logged[0]!.msg).toBe('读模型 inbox、sla 的重建上次未完成（进行重建的进程已退出），本服务现从头重建：完成前，待办、案件列表、报表和审计导出答复 503');
      expect(logged.filter((l) => /^正在重建读模型（重放事件）：\d+ \/ \d+（\d+%）$/.test(l.msg)).length).toBeGreaterThan(0);
      expect(logged.at(-1)).toMatchObject({ readModels: ['inbox', 'sla'], msg: expect.stringMatching(/^读模型重建已完成，用时 \d+ 秒$/) });
    } finally {
      await app.close();
    }
  });

  it('given read models at this version left behind the head by a rebuild in one thread killed part-way, when the server is asked, then it logs that it goes on from where that one stopped, how far it has come, and its end (durability QA: not a line)', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _encoding, next) => (lines.push(chunk.toString()), next()) });
    const app = await createApp(config, { logger: createLogger({ level: 'info' }, sink), startupProgressEveryMs: 0 });
    try {
      const db = new Database(join(dataDir, 'events.db'));
      // Its batches' checkpoints, where it was killed: consistent with their rows, far behind the head.
      db.prepare("UPDATE projection_checkpoints SET position = 2000 WHERE name IN ('inbox', 'sla')").run();
      db.close();
      lines.length = 0;
      expect(app.readModels.rebuilding()).toBeDefined();
      await vi.waitFor(() => expect(app.readModels.rebuilding()).toBeUndefined(), { timeout: 20_000, interval: 20 });
      const logged = lines.map((l) => JSON.parse(l) as { msg: string; level: number; readModels?: string[]; resumeFrom?: number });
      expect(logged[0]).toMatchObject({ level: 40, readModels: ['inbox', 'sla'], resumeFrom: 2000 });
      expect(logged[0]!.msg).toBe('读模型 inbox、sla 的重建上次未完成（进行重建的进程已退出），本服务现从其停下的位置 2000 接着重建：完成前，待办、案件列表、报表和审计导出答复 503');
      expect(logged.filter((l) => /^正在重建读模型（重放事件）：\d+ \/ \d+（\d+%）$/.test(l.msg)).length).toBeGreaterThan(0);
      expect(logged.at(-1)).toMatchObject({ readModels: ['inbox', 'sla'], msg: expect.stringMatching(/^读模型重建已完成，用时 \d+ 秒$/) });
    } finally {
      await app.close();
    }
  });
});
