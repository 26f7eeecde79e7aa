/**
 * The read models caught up at start, in the log: a long catch-up (a read model of a new version,
 * or dropped) says how far it has come and when it is done, before the server takes requests; a
 * start whose read models are current says nothing of them.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
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
