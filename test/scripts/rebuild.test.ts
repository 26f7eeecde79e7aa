/**
 * `npm run rebuild` and `npm run diagrams` on --help print their usage and touch nothing; an
 * argument they do not know is refused with the usage (exit 2); rebuild refuses a data folder with
 * no event log instead of creating an empty one.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCalendar } from '../../calendars/index.js';
import { Directory } from '../../directory/index.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { systemClock } from '../../infra/clock.js';
import { synthesise } from '../../scripts/bench/projections.js';
import { rebuildUnderWay } from '../../projections/index.js';
import { runScript, scriptCommand } from './spawnScript.js';
import { spawnText } from '../spawnText.js';

const root = mkdtempSync(join(tmpdir(), 'wf-rebuild-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const emptyDir = () => {
  const dir = join(root, `dir-${++dirs}`);
  mkdirSync(dir);
  return dir;
};

describe('npm run rebuild', () => {
  it('given --help or -h, then the usage on stdout, exit 0, and no data folder made', async () => {
    const dataDir = join(root, 'never-made');
    for (const flag of ['--help', '-h']) {
      const run = await runScript('rebuild.ts', [flag], { WORKFLOW_DATA_DIR: dataDir });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^用法：npm run rebuild -- \[读模型 …\]/);
      // The exit codes the tests below observe, each said (compliance QA: --help listed none).
      expect(run.stdout).toMatch(/退出码：0 已重建；1 未重建（.*）；2 用法或配置有误.*；130、143 被 Ctrl-C、SIGTERM 中断/);
      expect(run.stderr).toBe('');
    }
    expect(existsSync(dataDir)).toBe(false);
  });

  it('given an option or a read model it does not know, then the usage on stderr and exit 2', async () => {
    const dataDir = emptyDir();
    for (const args of [['--bogus'], ['inbox', '--all'], ['nonsense']]) {
      const run = await runScript('rebuild.ts', args, { WORKFLOW_DATA_DIR: dataDir });
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr).toContain('用法：npm run rebuild');
    }
    expect((await runScript('rebuild.ts', ['nonsense'], { WORKFLOW_DATA_DIR: dataDir })).stderr).toMatch(/^未知的读模型：nonsense。可选：inbox、/);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('given a data folder with no events.db, then it refuses, saying so, and creates nothing', async () => {
    const dataDir = emptyDir();
    const run = await runScript('rebuild.ts', [], { WORKFLOW_DATA_DIR: dataDir });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`数据目录 ${dataDir} 中没有事件库（events.db），无从重建读模型。请检查 WORKFLOW_DATA_DIR。\n`);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  // The disk fills at the rebuild's first write, its reset (one transaction, refused whole): the read
  // models are as they were, and no server has a rebuild to take over.
  it('given a full disk, when it rebuilds, then it says so in one Chinese line with what becomes of the read models (untouched), no stack trace, and exit 1', async () => {
    const dataDir = emptyDir();
    expect((await runScript('demo.ts', ['--cases', '3', '--quiet'], { WORKFLOW_DATA_DIR: dataDir })).status).toBe(0);
    const fullDisk = pathToFileURL(join(import.meta.dirname, 'fixtures/sqliteFailsAtLock.mjs')).href;
    const run = await runScript('rebuild.ts', [], { WORKFLOW_DATA_DIR: dataDir, NODE_OPTIONS: `--import ${fullDisk}` });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`读模型重建未完成：数据目录 ${dataDir} 所在的磁盘已满：请清理磁盘。尚未开始重建，读模型 inbox、sla、cases、audit 未改动；排除后请再次运行 npm run rebuild\n`);
    expect(run.stderr).not.toMatch(/SqliteError|at |database or disk is full/);
  });

  it('given a disk that fills during the fold (after its reset), when it rebuilds, then the line says a running server takes the rebuild over: the read models were reset', async () => {
    const dataDir = emptyDir();
    expect((await runScript('demo.ts', ['--cases', '3', '--quiet'], { WORKFLOW_DATA_DIR: dataDir })).status).toBe(0);
    const fullInFold = pathToFileURL(join(import.meta.dirname, 'fixtures/sqliteFullInFold.mjs')).href;
    const run = await runScript('rebuild.ts', ['audit'], { WORKFLOW_DATA_DIR: dataDir, NODE_OPTIONS: `--import ${fullInFold}` });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `读模型重建未完成：数据目录 ${dataDir} 所在的磁盘已满：请清理磁盘。排除后请再次运行 npm run rebuild；运行中的服务也会在下次读取或收到指令时（或在下次启动时）接手重建，期间清单、待办和报表答 503\n`,
    );
  });

  it('given a store file SQLite reads as damaged, when it rebuilds, then it says so in one Chinese line (restore from backup), no stack trace, and exit 1', async () => {
    const dataDir = emptyDir();
    expect((await runScript('demo.ts', ['--cases', '3', '--quiet'], { WORKFLOW_DATA_DIR: dataDir })).status).toBe(0);
    const damaged = pathToFileURL(join(import.meta.dirname, 'fixtures/sqliteFailsAtLock.mjs')).href;
    const run = await runScript('rebuild.ts', [], { WORKFLOW_DATA_DIR: dataDir, NODE_OPTIONS: `--import ${damaged}`, SQLITE_CODE_AT_LOCK: 'SQLITE_CORRUPT' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^读模型重建未完成：事件库 ${join(dataDir, 'events.db')} 不是可读的 SQLite 数据库（已损坏或被替换）：请从备份恢复[^\\n]*。尚未开始重建，读模型 inbox、sla、cases、audit 未改动；排除后请再次运行 npm run rebuild\\n$`));
    expect(run.stderr).not.toMatch(/SqliteError|at |malformed/);
  });

  it('given an EventStoreDB that nothing answers at, then one Chinese line naming the host (never the credentials) and what becomes of the read models, no stack trace, and exit 1', async () => {
    const run = await runScript('rebuild.ts', [], { WORKFLOW_DATA_DIR: emptyDir(), WORKFLOW_STORE: 'esdb://admin:changeit@127.0.0.1:1?tls=false' });
    expect(run.status).toBe(1);
    // Met as the read models open (the log's head), before anything was reset.
    expect(run.stderr).toBe('读模型重建未完成：无法连接 EventStoreDB（127.0.0.1:1）：请确认它已启动、可以访问，并检查 WORKFLOW_STORE。尚未开始重建，读模型 inbox、sla、cases、audit 未改动；排除后请再次运行 npm run rebuild\n');
    expect(run.stderr).not.toContain('changeit');
  });

  it('given a store with events, then it rebuilds the read models named', async () => {
    const dataDir = emptyDir();
    expect((await runScript('demo.ts', ['--cases', '5', '--quiet'], { WORKFLOW_DATA_DIR: dataDir })).status).toBe(0);
    const run = await runScript('rebuild.ts', ['inbox', 'cases'], { WORKFLOW_DATA_DIR: dataDir });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^已重建 inbox、cases，位置 \d+/);
    // The others were current: no bar for a catch-up there was none of.
    expect(run.stderr).not.toContain('正在追上事件日志');
  });

  it('given another rebuild under way, copying its tables in (the rebuild lock and the write lock held), then it is refused at once, saying so, not waited for and done again', async () => {
    const dataDir = emptyDir();
    expect((await runScript('demo.ts', ['--cases', '5', '--quiet'], { WORKFLOW_DATA_DIR: dataDir })).status).toBe(0);
    const lock = new Database(join(dataDir, 'events.db-rebuild.lock'));
    const writer = new Database(join(dataDir, 'events.db'));
    try {
      lock.exec('BEGIN EXCLUSIVE');
      writer.exec('BEGIN IMMEDIATE');
      const run = await runScript('rebuild.ts', [], { WORKFLOW_DATA_DIR: dataDir });
      expect([run.status, run.stderr]).toEqual([1, '另一个进程正在重建读模型（它持有重建锁）：请等它完成后再试\n']);
    } finally {
      writer.close();
      lock.close();
    }
    expect(rebuildUnderWay(join(dataDir, 'events.db'))).toBe(false);
    // Where no lock can be made (no such folder), no rebuild holds one: the opening says what is wrong, not a stack trace here.
    expect(rebuildUnderWay(join(dataDir, 'no-such-folder', 'events.db'))).toBe(false);
  });

  it('given read models behind the log, when it rebuilds one (named twice: once), then it catches the others up first with their progress, and the one named is rebuilt without being caught up before', async () => {
    const dataDir = emptyDir();
    expect((await runScript('demo.ts', ['--cases', '5', '--quiet'], { WORKFLOW_DATA_DIR: dataDir })).status).toBe(0);
    const store = new SqliteEventStore({ path: join(dataDir, 'events.db'), synchronous: 'OFF', now: systemClock.now });
    synthesise(store, Directory.load(), defaultCalendar(), { events: 2000, casesPerDay: 6000 });
    const head = await store.headPosition();
    await store.close();
    // Operators' QA: `npm run rebuild -- inbox inbox` said 已重建 inbox、inbox.
    const run = await runScript('rebuild.ts', ['inbox', 'inbox'], { WORKFLOW_DATA_DIR: dataDir });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stderr.split('\n');
    const caughtUp = lines.findIndex((l) => l.startsWith('正在追上事件日志：读模型 sla、cases、audit：100%'));
    const rebuilt = lines.findIndex((l) => l.startsWith('正在重建读模型 inbox：'));
    expect(caughtUp, run.stderr).toBeGreaterThanOrEqual(0);
    expect(rebuilt, run.stderr).toBeGreaterThan(caughtUp);
    expect(run.stdout).toBe(`已重建 inbox，位置 ${head}（1 个线程）\n`);
  });
});

describe('npm run diagrams', () => {
  // Run in an empty folder: the diagrams are written to docs/processes/ under the working directory.
  it('given --help or -h, then the usage on stdout, exit 0, and nothing written', async () => {
    const cwd = emptyDir();
    for (const flag of ['--help', '-h']) {
      const run = await runScript('diagrams.ts', [flag], {}, cwd);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^用法：npm run diagrams/);
      expect(run.stderr).toBe('');
    }
    expect(readdirSync(cwd)).toEqual([]);
  });

  // Written as nobody when these tests run as root (root may write anything).
  it.skipIf(process.getuid?.() !== 0)('given docs/processes/ it may not write in, then one Chinese line naming the file and why, exit 1, and the files there as they were', async () => {
    const cwd = emptyDir();
    const folder = join(cwd, 'docs/processes');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'objection.bpmn'), 'the diagram of an earlier run');
    for (const dir of [root, cwd]) chmodSync(dir, 0o755);
    const run = await spawnText(...scriptCommand('diagrams.ts', []), { cwd, uid: 65534, gid: 65534 });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('流程图未写入：无法写入 docs/processes/conditionalApplication.mmd（没有写入权限，或文件被设为不可改动）：docs/processes/ 中原有的文件未改动\n');
    expect(readdirSync(folder)).toEqual(['objection.bpmn']);
    expect(readFileSync(join(folder, 'objection.bpmn'), 'utf8')).toBe('the diagram of an earlier run');
  });

  it('given an argument it does not know, then the usage on stderr, exit 2, and nothing written', async () => {
    const cwd = emptyDir();
    for (const args of [['--bogus'], ['extra']]) {
      const run = await runScript('diagrams.ts', args, {}, cwd);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr).toContain('用法：npm run diagrams');
    }
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe('npm run rebuild and npm run replay, when what stops the API starting stops them too', () => {
  it('given WORKFLOW_ORGS naming no file, then one line saying so, no stack trace, and a non-zero exit', async () => {
    const dataDir = emptyDir();
    expect((await runScript('demo.ts', ['--cases', '3', '--quiet'], { WORKFLOW_DATA_DIR: dataDir })).status).toBe(0);
    const env = { WORKFLOW_DATA_DIR: dataDir, WORKFLOW_ORGS: join(root, 'no-such-orgs.json') };
    const rebuild = await runScript('rebuild.ts', [], env);
    expect([rebuild.status, rebuild.stderr]).toEqual([1, `WORKFLOW_ORGS 指向的机构目录文件不存在：${env.WORKFLOW_ORGS}\n`]);
    const replay = await runScript('replay.ts', ['--all'], env);
    expect([replay.status, replay.stderr]).toEqual([2, `无法打开数据：WORKFLOW_ORGS 指向的机构目录文件不存在：${env.WORKFLOW_ORGS}\n`]);
  });
});

