/**
 * The operators' long commands stopped part-way by Ctrl-C (SIGINT) or SIGTERM: `npm run rebuild`,
 * `npm run replay -- --all` and `npm run backup` ended without a word (exit 130, 143), and the
 * operator could not tell what the stop had left. Each now says it in one Chinese line on stderr,
 * stdout left clean, with the exit code a shell gives a command the signal killed. Real child
 * processes, sent the signal once their own output (or the files they make) shows the work under way.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCalendar } from '../../calendars/index.js';
import { Directory } from '../../directory/index.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { systemClock } from '../../infra/clock.js';
import { synthesise } from '../../scripts/bench/projections.js';
import { runScript, spawnScript } from './spawnScript.js';

const root = mkdtempSync(join(tmpdir(), 'wf-stopped-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A data folder holding a store of `events` synthesised events (the read models not yet made). */
async function storeOf(name: string, events: number): Promise<string> {
  const dataDir = join(root, name);
  mkdirSync(dataDir);
  const store = new SqliteEventStore({ path: join(dataDir, 'events.db'), synchronous: 'OFF', now: systemClock.now });
  if (events > 0) synthesise(store, Directory.load(), defaultCalendar(), { events, casesPerDay: 6000 });
  await store.close();
  return dataDir;
}

const fixture = (name: string) => pathToFileURL(join(import.meta.dirname, 'fixtures', name)).href;
const TAKEN_OVER = '运行中的服务也会在下次读取或收到指令时（或在下次启动时）接手重建，期间清单、待办和报表答 503';

describe('npm run rebuild, stopped part-way', () => {
  it('given a rebuild in this thread (a log under 50,000 events), when it is sent SIGTERM after its first batch, then it says which read models it left unfinished and who finishes them, and exits 143', async () => {
    // Two batches of 20,000 events: the bar's first line (50 %) comes after the first, a second's work before the end.
    const dataDir = await storeOf('in-thread', 40_000);
    const run = spawnScript('rebuild.ts', [], { WORKFLOW_DATA_DIR: dataDir });
    await run.until(() => /正在重建读模型 inbox、sla、cases、audit：50%/.test(run.stderr()));
    run.child.kill('SIGTERM');
    expect(await run.ended).toEqual({ status: 143, signal: null });
    expect(run.stdout()).toBe('');
    // Its own line, the last: after the bar's lines, never run on after one.
    expect(run.stderr()).toMatch(
      new RegExp(`\\n读模型重建已中断（收到 SIGTERM）：读模型 inbox、sla、cases、audit 尚未重建完成。请再次运行 npm run rebuild；${TAKEN_OVER}\\n$`),
    );
  }, 120_000);

  // Workers only with two cores or more (projections/index.ts: as many threads as cores, at most 4).
  it.skipIf(availableParallelism() < 2)(
    'given a rebuild in worker threads (50,000 events or more), when it is sent SIGINT while they fold, then it names the scratch files they left, exits 130, and the next rebuild removes them',
    async () => {
      const dataDir = await storeOf('workers', 50_000);
      const threads = Math.min(availableParallelism(), 4);
      const scratch = Array.from({ length: threads }, (_, part) => `events.db-rebuild-${part}`);
      const run = spawnScript('rebuild.ts', [], { WORKFLOW_DATA_DIR: dataDir, NODE_OPTIONS: `--import ${fixture('rebuildWorkersStall.mjs')}` });
      await run.until(() => scratch.every((name) => existsSync(join(dataDir, name))));
      run.child.kill('SIGINT');
      expect(await run.ended).toEqual({ status: 130, signal: null });
      expect(run.stdout()).toBe('');
      expect(run.stderr()).toBe(
        `读模型重建已中断（收到 SIGINT）：读模型 inbox、sla、cases、audit 尚未重建完成；数据目录中留下的临时文件 ${scratch.join('、')} 由下次重建删除。请再次运行 npm run rebuild；${TAKEN_OVER}\n`,
      );
      expect(readdirSync(dataDir)).toEqual(expect.arrayContaining(scratch));

      // As it said: the next rebuild removes them, and finishes.
      const again = await runScript('rebuild.ts', [], { WORKFLOW_DATA_DIR: dataDir }, undefined, 120_000);
      expect(again.status, again.stderr).toBe(0);
      expect(readdirSync(dataDir).filter((name) => /-rebuild-\d+$/.test(name))).toEqual([]);
    },
    180_000,
  );
});

describe('npm run replay -- --all, stopped part-way', () => {
  it('given a long log, when it is sent SIGINT while it verifies the cases, then it says how many it had verified and that nothing was changed, exits 130, and the store is as it was', async () => {
    const dataDir = await storeOf('replay', 20_000);
    const bytes = () => createHash('sha256').update(readFileSync(join(dataDir, 'events.db'))).digest('hex');
    const before = bytes();
    const run = spawnScript('replay.ts', ['--all'], { WORKFLOW_DATA_DIR: dataDir });
    await run.until(() => /正在校验案件：10%/.test(run.stderr()));
    run.child.kill('SIGINT');
    // It heard the stop: the verification of every case (seconds) did not run on to its summary first.
    expect(await run.ended).toEqual({ status: 130, signal: null });
    expect(run.stdout()).toBe('');
    const said = /\n校验已中断（收到 SIGINT）：已校验 (\d+)\/(\d+) 个案件，未得出结论；npm run replay 只读取，事件库和读模型均未改动\n$/.exec(run.stderr());
    expect(said, run.stderr()).not.toBeNull();
    expect(Number(said![1])).toBeLessThan(Number(said![2]));
    expect(bytes()).toBe(before);
  }, 120_000);
});

describe('npm run verify-export, stopped part-way', () => {
  it('given a long file, when it is sent SIGINT while it checks, then it says how far it had read and that it reached no verdict, and exits 130 (it ended without a word)', async () => {
    const file = join(root, 'long-export.ndjson');
    const pad = 'x'.repeat(250);
    writeFileSync(file, Array.from({ length: 200_000 }, (_, n) => `${JSON.stringify({ n, pad })}\n`).join(''));
    const run = spawnScript('verifyExport.ts', [file], {});
    await run.until(() => /正在校验审计导出（字节）：\d+%/.test(run.stderr()));
    run.child.kill('SIGINT');
    expect(await run.ended).toEqual({ status: 130, signal: null });
    expect(run.stdout()).toBe('');
    const said = /\n校验已中断（收到 SIGINT）：已读取 (\d+)\/(\d+) 字节，未得出结论；请重新运行 npm run verify-export\n$/.exec(run.stderr());
    expect(said, run.stderr()).not.toBeNull();
    expect(Number(said![1])).toBeLessThan(Number(said![2]));
  }, 120_000);
});

describe('npm run verify-export reading a pipe, stopped part-way', () => {
  it('given a pipe (no size to read up to), when it is sent SIGINT while it reads, then it says how many bytes it read, not N/0', async () => {
    const fifo = join(root, 'export.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const run = spawnScript('verifyExport.ts', [fifo], {});
    const pipe = createWriteStream(fifo);
    const chunk = `${JSON.stringify({ n: 0, pad: 'x'.repeat(250) })}\n`.repeat(4000);
    // Written whole only as it reads them (a pipe holds 64 KB): it is reading, its stop handled.
    for (let i = 0; i < 8; i++) await new Promise<void>((resolve) => pipe.write(chunk, () => resolve()));
    run.child.kill('SIGINT');
    pipe.destroy();
    expect(await run.ended).toEqual({ status: 130, signal: null });
    expect(run.stderr()).toMatch(/^校验已中断（收到 SIGINT）：已读取 \d+ 字节，未得出结论；请重新运行 npm run verify-export\n$/m);
  }, 60_000);
});

describe('npm run demo, stopped part-way', () => {
  it('given a demo writing its cases, when it is sent SIGINT, then it says what it left in the store and how to start again, and exits 130', async () => {
    const dataDir = join(root, 'demo');
    const run = spawnScript('demo.ts', ['--cases', '3000'], { WORKFLOW_DATA_DIR: dataDir });
    await run.until(() => /正在经引擎写入案件：\d+%/.test(run.stderr()));
    run.child.kill('SIGINT');
    expect(await run.ended).toEqual({ status: 130, signal: null });
    expect(run.stdout()).toBe('');
    expect(run.stderr()).toMatch(/\n演示数据生成已中断（收到 SIGINT）：事件库中留下了已生成的部分数据。重新生成请运行 npm run demo -- --reset（先删除数据目录中的事件库）\n$/);
  }, 120_000);
});

describe('npm run backup, stopped part-way', () => {
  it('given a backup whose copy stalls part-way, when it is sent SIGINT, then it says it removed its partial file, naming it and the target, exits 130, and leaves nothing', async () => {
    const dataDir = await storeOf('backup', 0);
    const backups = join(root, 'backups');
    mkdirSync(backups);
    const target = join(backups, 'events-backup.db');
    const run = spawnScript('backup.ts', [target], { WORKFLOW_DATA_DIR: dataDir, NODE_OPTIONS: `--import ${fixture('backupStalls.mjs')}` });
    await run.until(() => /正在备份事件库（页）：\d+%/.test(run.stderr()));
    run.child.kill('SIGINT');
    expect(await run.ended).toEqual({ status: 130, signal: null });
    expect(run.stdout()).toBe('');
    expect(run.stderr()).toMatch(
      new RegExp(`\\n备份已中断（收到 SIGINT）：未完成的备份文件 ${join(backups, `.events-backup.db.partial-${run.child.pid}`)} 已删除，未写入 ${target}\\n$`),
    );
    expect(readdirSync(backups)).toEqual([]);
  }, 60_000);
});
