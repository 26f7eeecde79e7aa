/**
 * Restoring a backup (README "Backing up and restoring"): the operator copies the file `npm run
 * backup` made into the data folder as events.db, over a store whose server was killed — so that
 * store's events.db-wal and events.db-shm are still there. SQLite would write that log into the
 * restored file on opening it: the store would be damaged (cases answered 500) while /health said ok.
 * Real child processes: their I/O is waited for, boundedly.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../api/auth.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { ManualClock } from '../../infra/clock.js';
import { SECRET } from '../api/harness.js';
import { runScript, startServer } from './spawnScript.js';

const root = mkdtempSync(join(tmpdir(), 'wf-restore-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('npm start, given a backup restored as events.db with the replaced store\'s -wal and -shm left beside it', () => {
  it('then it refuses to start, in one Chinese line saying to move them away, and leaves the restored file as it was; without them it starts and serves the backup\'s cases', async () => {
    const live = join(root, 'live');
    expect((await runScript('demo.ts', ['--cases', '3', '--quiet'], { WORKFLOW_DATA_DIR: live })).status).toBe(0);
    const backupFile = join(root, 'backup.db');
    const made = await runScript('backup.ts', [backupFile], { WORKFLOW_DATA_DIR: live });
    expect(made.status, made.stderr).toBe(0);

    // The store goes on after the backup; its server is killed, leaving its log and shared-memory index.
    const clock = new ManualClock('2026-03-02T01:00:00Z');
    const store = new SqliteEventStore({ path: join(live, 'events.db'), now: () => clock.now() });
    await store.appendToStream('scratch-after-backup', [{ id: 'e6f1d7a0-5b7c-4d0e-9a53-2f0c1b8e4d11', type: 'Noted', data: { text: '备份之后的事件' } }]);
    const leftovers = join(root, 'leftovers');
    mkdirSync(leftovers);
    for (const f of ['events.db-wal', 'events.db-shm']) copyFileSync(join(live, f), join(leftovers, f));
    await store.close();

    // The restore, with step 2 of the README forgotten.
    copyFileSync(backupFile, join(live, 'events.db'));
    for (const f of ['events.db-wal', 'events.db-shm']) copyFileSync(join(leftovers, f), join(live, f));
    const restored = readFileSync(join(live, 'events.db'));

    const foreign = `数据目录 ${live} 中的 events.db-wal 不属于现在的 events.db（events.db 是单个文件的备份，旁边却留着被替换的事件库的日志）：打开会把旧日志写进恢复的文件并使其损坏。请把 events.db-wal 和 events.db-shm 移出数据目录后重试\n`;
    const run = await runScript('start.ts', [], { WORKFLOW_DATA_DIR: live, WORKFLOW_JWT_SECRET: SECRET, PORT: '0' });
    expect([run.status, run.stderr]).toEqual([1, `服务未启动：${foreign}`]);
    expect(readFileSync(join(live, 'events.db')).equals(restored)).toBe(true);
    // Nor does a backup of it, or a demo asked to fill it, open it: each wrote the old log into the file.
    const again = await runScript('backup.ts', [join(root, 'backup-again.db')], { WORKFLOW_DATA_DIR: live });
    expect([again.status, again.stderr]).toEqual([1, `备份未完成：${foreign}`]);
    expect(existsSync(join(root, 'backup-again.db'))).toBe(false);
    const demo = await runScript('demo.ts', ['--cases', '3', '--quiet'], { WORKFLOW_DATA_DIR: live });
    expect([demo.status, demo.stderr]).toEqual([1, `演示数据未能生成：${foreign}`]);
    expect(readFileSync(join(live, 'events.db')).equals(restored)).toBe(true);
    expect(['events.db-wal', 'events.db-shm'].every((f) => existsSync(join(live, f)))).toBe(true);

    for (const f of ['events.db-wal', 'events.db-shm']) renameSync(join(live, f), join(leftovers, `${f}.moved`));
    const auditor = await mintToken(SECRET, { sub: 'u-370000-dsj-auditor', role: 'auditor', org: '370000-dsj' });
    const server = await startServer({ WORKFLOW_DATA_DIR: live, WORKFLOW_JWT_SECRET: SECRET, PORT: '0' });
    try {
      const list = (await (await fetch(`${server.url}/v1/cases?limit=100`, { headers: { authorization: `Bearer ${auditor}` } })).json()) as { items: { id: string }[] };
      expect(list.items.length).toBeGreaterThan(0);
      const reads = await Promise.all(list.items.map(async (c) => (await fetch(`${server.url}/v1/cases/${c.id}`, { headers: { authorization: `Bearer ${auditor}` } })).status));
      expect(reads.filter((s) => s !== 200)).toEqual([]);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);
});

describe('npm start, given a data folder whose events.db is gone but whose events.db-wal is left', () => {
  it('then it refuses to start in one Chinese line naming the log, creates no store, and leaves the log as it was (durability QA: it started empty over it)', async () => {
    const dataDir = join(root, 'orphan');
    mkdirSync(dataDir);
    const clock = new ManualClock('2026-03-02T01:00:00Z');
    const store = new SqliteEventStore({ path: join(dataDir, 'events.db'), now: () => clock.now() });
    await store.appendToStream('scratch-orphan', [{ id: '0b8f1c2e-6d3a-4f5e-8a7b-9c0d1e2f3a4b', type: 'Noted', data: { text: '只在日志中的事件' } }]);
    // As a server killed with -9 leaves it: the log beside the file, then the file deleted.
    const kept = join(root, 'orphan.wal');
    copyFileSync(join(dataDir, 'events.db-wal'), kept);
    await store.close();
    rmSync(join(dataDir, 'events.db'));
    copyFileSync(kept, join(dataDir, 'events.db-wal'));
    const log = readFileSync(join(dataDir, 'events.db-wal'));
    expect(log.length).toBeGreaterThan(0);

    const run = await runScript('start.ts', [], { WORKFLOW_DATA_DIR: dataDir, WORKFLOW_JWT_SECRET: SECRET, PORT: '0' });
    expect([run.status, run.stderr]).toEqual([
      1,
      `服务未启动：数据目录 ${dataDir} 中没有 events.db，却有它的预写日志 events.db-wal（${log.length} 字节，可能含有已提交的事件）：启动会新建空的事件库并覆盖这份日志。若 events.db 被误删或移走，请先放回或从备份恢复；确认不再需要这份日志后，把 events.db-wal 和 events.db-shm 移出数据目录再启动\n`,
    ]);
    expect(existsSync(join(dataDir, 'events.db'))).toBe(false);
    expect(readFileSync(join(dataDir, 'events.db-wal')).equals(log)).toBe(true);
  }, 60_000);
});

describe('npm start, given a store copied while its server ran whose file opens but a read model\'s page is damaged', () => {
  it('then it refuses to start in one Chinese line (restore from backup), exit 1, no stack trace', async () => {
    const dataDir = join(root, 'torn');
    expect((await runScript('demo.ts', ['--cases', '2', '--quiet'], { WORKFLOW_DATA_DIR: dataDir })).status).toBe(0);
    const damaged = pathToFileURL(join(import.meta.dirname, 'fixtures/sqliteCorruptAtRead.mjs')).href;
    const run = await runScript('start.ts', [], { WORKFLOW_DATA_DIR: dataDir, WORKFLOW_JWT_SECRET: SECRET, PORT: '0', NODE_OPTIONS: `--import ${damaged}`, SQLITE_CORRUPT_AT: 'SELECT provider_org, count(*) FROM cases' });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`服务未启动：事件库 ${join(dataDir, 'events.db')} 不是可读的 SQLite 数据库（已损坏或被替换）：请从备份恢复，或检查 WORKFLOW_DATA_DIR\n`);
  }, 60_000);
});
