/**
 * `npm run backup -- <file>` never writes the live store nor its log (scripts/backup.ts): given the
 * store's write-ahead log or journal as the target (events.db-wal, events.db-journal), when none is
 * there at that moment (a store closed cleanly leaves none), then it refuses (exit 2) as it refuses
 * events.db itself, and writes nothing there: SQLite would take such a file for the store's own log.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { systemClock } from '../../infra/clock.js';
import { event, streamName } from '../eventstore/conformance.js';
import { runScript } from './spawnScript.js';

const root = mkdtempSync(join(tmpdir(), 'wf-backup-log-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('npm run backup, given the store’s own log as its target', () => {
  it.each(['events.db-wal', 'events.db-journal'])('given %s as the target, then it refuses (exit 2) in Chinese and writes nothing there', async (name) => {
    const dataDir = join(root, name);
    mkdirSync(dataDir);
    const store = new SqliteEventStore({ path: join(dataDir, 'events.db'), now: systemClock.now });
    await store.appendToStream(streamName(), [event()], { expectedRevision: 'no_stream' });
    await store.close();
    const target = join(dataDir, name);
    expect(existsSync(target)).toBe(false);
    const run = await runScript('backup.ts', [target], { WORKFLOW_DATA_DIR: dataDir });
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toBe(`目标文件 ${target} 是正在使用的事件库（或其日志）本身，不能覆盖：请指定数据目录以外的新文件。\n`);
    expect(existsSync(target)).toBe(false);
  }, 60_000);
});
