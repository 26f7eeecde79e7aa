/**
 * `npm run backup -- <file>`: an operator backs the data folder up while the server runs and stores
 * commands (README "备份与恢复"). The copy holds every command answered 201 before the backup began,
 * is one file readable by its owner only, and a server started on it alone serves those cases; the
 * live store and an earlier backup are never overwritten. Real child processes: their I/O is waited
 * for, boundedly.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../api/auth.js';
import { SECRET } from '../api/harness.js';
import { actors, startInputs } from '../machines/examples.js';
import { ROOT, runScript, send as sendOn, startServer } from './spawnScript.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { systemClock } from '../../infra/clock.js';

const root = mkdtempSync(join(tmpdir(), 'wf-backup-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

const send = (url: string, method: string, token: string, body?: unknown) => sendOn(agent, url, method, token, body);

describe('npm run backup, given a server storing commands', () => {
  it('when the operator backs up meanwhile, then the copy is one private file holding every command answered 201 before it began, and a server started on it alone serves them', async () => {
    const env = { PORT: '0', WORKFLOW_DATA_DIR: join(root, 'live'), WORKFLOW_JWT_SECRET: SECRET };
    const provider = await mintToken(SECRET, { sub: actors.provider.sub, role: 'provider', org: actors.provider.org });
    const server = await startServer(env);
    const create = (i: number) => send(`${server.url}/v1/cases`, 'POST', provider, { process: 'datasetRelease', input: { ...startInputs.datasetRelease, title: `济南市机动车登记信息统计（第 ${i} 批）` } });
    const before: string[] = [];
    for (let i = 0; i < 20; i++) {
      const answer = await create(i);
      expect(answer.status).toBe(201);
      before.push(answer.body.id!);
    }
    // Commands go on being stored while the backup runs.
    let storing = true;
    const load = (async () => {
      for (let i = 100; storing; i++) await create(i);
    })();
    const target = join(root, 'backups', 'events-backup.db');
    mkdirSync(join(root, 'backups'));
    const run = await runScript('backup.ts', [target], { WORKFLOW_DATA_DIR: env.WORKFLOW_DATA_DIR });
    storing = false;
    await load;
    expect(await server.stop()).toBe(0);

    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^已备份事件库：\\d+ 个事件（至位置 \\d+），连同读模型，写入 ${target}\\n$`));
    // One file, its owner's only, nothing left beside it.
    expect(readdirSync(join(root, 'backups'))).toEqual(['events-backup.db']);
    expect(statSync(target).mode & 0o777).toBe(0o600);

    // Restored as the README says: the file alone, as events.db of an empty data folder.
    const restored = join(root, 'restored');
    mkdirSync(restored);
    copyFileSync(target, join(restored, 'events.db'));
    const again = await startServer({ ...env, WORKFLOW_DATA_DIR: restored });
    try {
      const reads = await Promise.all(before.map((id) => send(`${again.url}/v1/cases/${id}`, 'GET', provider)));
      expect(reads.filter((r) => r.status !== 200)).toEqual([]);
    } finally {
      expect(await again.stop()).toBe(0);
    }
    const replay = await runScript('replay.ts', ['--all', '--quiet'], { WORKFLOW_DATA_DIR: restored, WORKFLOW_JWT_SECRET: SECRET });
    expect(replay.status, replay.stdout + replay.stderr).toBe(0);
  }, 120_000);
});

describe('npm run backup, refusals', () => {
  it('given the live store, or a file already there, as the target, then it refuses (exit 2) in Chinese and leaves the file as it was', async () => {
    const dataDir = join(root, 'refusals');
    expect((await runScript('demo.ts', ['--cases', '2', '--quiet'], { WORKFLOW_DATA_DIR: dataDir })).status).toBe(0);
    const live = join(dataDir, 'events.db');
    const liveBytes = readFileSync(live);
    const onLive = await runScript('backup.ts', [live], { WORKFLOW_DATA_DIR: dataDir });
    expect(onLive.status).toBe(2);
    expect(onLive.stderr).toBe(`目标文件 ${live} 是正在使用的事件库（或其日志）本身，不能覆盖：请指定数据目录以外的新文件。\n`);
    expect(readFileSync(live).equals(liveBytes)).toBe(true);

    const earlier = join(root, 'earlier.db');
    writeFileSync(earlier, 'an earlier backup');
    const onEarlier = await runScript('backup.ts', [earlier], { WORKFLOW_DATA_DIR: dataDir });
    expect(onEarlier.status).toBe(2);
    expect(onEarlier.stderr).toBe(`目标文件 ${earlier} 已存在，不覆盖：请指定一个新文件名，或先移走旧的备份。\n`);
    expect(readFileSync(earlier, 'utf8')).toBe('an earlier backup');
  }, 120_000);

  it('given a data folder with no events.db, or no target, then it refuses (exit 2), saying why, and creates nothing', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const target = join(root, 'never.db');
    const noStore = await runScript('backup.ts', [target], { WORKFLOW_DATA_DIR: empty });
    expect(noStore.status).toBe(2);
    expect(noStore.stderr).toBe(`数据目录 ${empty} 中没有事件库（events.db），无从备份。请检查 WORKFLOW_DATA_DIR。\n`);
    const noTarget = await runScript('backup.ts', [], { WORKFLOW_DATA_DIR: empty });
    expect(noTarget.status).toBe(2);
    expect(noTarget.stderr).toMatch(/^参数有误：缺少目标文件\n用法：npm run backup -- <目标文件>/);
    expect(readdirSync(empty)).toEqual([]);
    expect(existsSync(target)).toBe(false);
  }, 60_000);
});

describe('npm run backup, given a folder for its target', () => {
  it('given a path ending in /, an empty or blank one, or a folder that exists, then it asks for a file name (exit 2); under a file, it says that is no folder; nothing is written', async () => {
    const dataDir = join(root, 'folder-targets');
    mkdirSync(dataDir);
    await new SqliteEventStore({ path: join(dataDir, 'events.db'), now: systemClock.now }).close();
    const folder = join(root, 'folder-targets-backups');
    mkdirSync(folder);
    const asFolder = (path: string) => `目标应为备份文件，而 ${path} 是文件夹：请给出文件名，例如 ${join(path, 'workflow-backup.db')}。\n`;
    for (const [given, said] of [
      [`${join(root, 'new-folder')}/`, asFolder(join(root, 'new-folder'))],
      [folder, asFolder(folder)],
      ['', `参数有误：目标文件名为空（脚本中的变量未设置？）：请给出文件名，例如 ${join(ROOT, 'workflow-backup.db')}。\n`],
      [' ', `参数有误：目标文件名为空（脚本中的变量未设置？）：请给出文件名，例如 ${join(ROOT, 'workflow-backup.db')}。\n`],
      [join(dataDir, 'events.db', 'x.db'), `目标文件所在的 ${join(dataDir, 'events.db')} 不是文件夹：请换一个位置。\n`],
    ] as const) {
      const run = await runScript('backup.ts', [given], { WORKFLOW_DATA_DIR: dataDir });
      expect([given, run.status, run.stderr]).toEqual([given, 2, said]);
    }
    expect(readdirSync(folder)).toEqual([]);
    expect(existsSync(join(root, 'new-folder'))).toBe(false);
  });
});

describe('npm run backup, given a long file name for its target', () => {
  it('given a name of 250 bytes, then the copy is made (its partial copy\'s name cut short to fit the folder); given one of 256 bytes, then it refuses (exit 2) before copying, without a stack trace', async () => {
    const dataDir = join(root, 'long-names');
    mkdirSync(dataDir);
    await new SqliteEventStore({ path: join(dataDir, 'events.db'), now: systemClock.now }).close();
    const folder = join(root, 'long-names-backups');
    mkdirSync(folder);

    const long = join(folder, `${'备份'.repeat(41)}.db`);
    expect(Buffer.byteLength(`${'备份'.repeat(41)}.db`)).toBe(249);
    const made = await runScript('backup.ts', [long], { WORKFLOW_DATA_DIR: dataDir });
    expect(made.status, made.stderr).toBe(0);
    expect(readdirSync(folder)).toEqual([`${'备份'.repeat(41)}.db`]);

    const tooLong = join(folder, `${'x'.repeat(253)}.db`);
    const refused = await runScript('backup.ts', [tooLong], { WORKFLOW_DATA_DIR: dataDir });
    expect([refused.status, refused.stderr]).toEqual([2, '目标文件名过长（256 字节，最多 255 字节）：请换一个较短的文件名。\n']);
    expect(readdirSync(folder)).toEqual([`${'备份'.repeat(41)}.db`]);
  }, 60_000);
});

describe('npm run backup, after one was killed part-way', () => {
  it('given the partial copies killed backups left in the folder, to this target or another (a dated name), when the operator backs up again, then they are removed; a partial of a backup still running stays, and so does another program\'s file named like one', async () => {
    const dataDir = join(root, 'killed');
    expect((await runScript('demo.ts', ['--cases', '2', '--quiet'], { WORKFLOW_DATA_DIR: dataDir })).status).toBe(0);
    const backups = join(root, 'killed-backups');
    mkdirSync(backups);
    // SIGKILL cannot be caught: what a backup killed so (or by the OOM killer, a power cut) leaves.
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    const running = process.pid;
    const copyBegun = Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(84)]);
    const journalBegun = Buffer.concat([Buffer.from('d9d505f920a163d7', 'hex'), Buffer.alloc(20)]);
    for (const [name, bytes] of [
      [`.events-backup.db.partial-${gone}`, copyBegun],
      [`.events-backup.db.partial-${gone}-journal`, journalBegun],
      // A journal whose magic SQLite zeroed (its nonce and counts after it): what kill -9 left, 512 bytes.
      [`.weekly.db.partial-${gone}-journal`, Buffer.concat([Buffer.alloc(8), Buffer.from('00000000c09a364900000000', 'hex'), Buffer.alloc(492)])],
      [`.events-backup.db.partial-${running}`, copyBegun],
      [`.other.db.partial-${gone}`, copyBegun],
      [`.created.db.partial-${gone}`, Buffer.alloc(0)],
      // Killed before SQLite wrote its first page (the pages after it written): zeros there.
      [`.nightly.db.partial-${gone}`, Buffer.concat([Buffer.alloc(4096), copyBegun])],
      // Another program's, in a shared folder: not a copy of ours.
      [`.report.xlsx.partial-${gone}`, Buffer.from('the quarterly report, being saved')],
    ] as const) {
      writeFileSync(join(backups, name), bytes);
    }
    const run = await runScript('backup.ts', [join(backups, 'events-backup.db')], { WORKFLOW_DATA_DIR: dataDir });
    expect(run.status, run.stderr).toBe(0);
    expect(readdirSync(backups).sort()).toEqual([`.events-backup.db.partial-${running}`, `.report.xlsx.partial-${gone}`, 'events-backup.db']);
  }, 120_000);
});

describe('npm run backup of a store whose own file is damaged', () => {
  // Operators' QA: "备份未完成：…SQLite 检查未通过（…）。未留下备份文件，请再试一次" — yet the copy only
  // repeats the store's damage (the backup API copies pages as they are), so no second try succeeds.
  it('given a page of the log overwritten, when the operator backs up, then it says the store itself is damaged and to restore from an earlier backup, exit 1, nothing left', async () => {
    const dataDir = join(root, 'torn');
    mkdirSync(dataDir);
    const storeFile = join(dataDir, 'events.db');
    const store = new SqliteEventStore({ path: storeFile, now: systemClock.now });
    for (let i = 0; i < 200; i++) await store.appendToStream(`case-${i % 7}`, [{ id: randomUUID(), type: 'Happened', data: { note: '按区县分析机动车保有量变化'.repeat(8), i }, metadata: {} }]);
    await store.close();
    // A leaf of the events table that the backup's own count (an index) and head (the last leaf) do not read.
    const db = new Database(storeFile);
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const leaves = db.prepare<[], number>("SELECT pageno FROM dbstat WHERE name = 'events' AND pagetype = 'leaf' ORDER BY pageno").pluck().all();
    db.close();
    expect(leaves.length).toBeGreaterThan(3);
    const fd = openSync(storeFile, 'r+');
    writeSync(fd, Buffer.alloc(pageSize, 0xff), 0, pageSize, (leaves[1]! - 1) * pageSize);
    closeSync(fd);

    const backups = join(root, 'torn-backups');
    mkdirSync(backups);
    const run = await runScript('backup.ts', [join(backups, 'events-backup.db')], { WORKFLOW_DATA_DIR: dataDir });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(`^(?:正在备份事件库[^\\n]*\\n)?备份未完成：事件库 ${storeFile} 本身已损坏（SQLite 检查未通过：Tree 2 page \\d+: [^\\n]+），备份复制的正是损坏的页，再试也不会成功。未留下备份文件。请停止服务，从上一个完好的备份恢复（README「备份与恢复」）。\\n$`),
    );
    expect(readdirSync(backups)).toEqual([]);
  }, 60_000);
});
