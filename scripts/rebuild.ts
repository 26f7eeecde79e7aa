/**
 * `npm run rebuild [-- inbox sla cases audit]`: drops read models (all by default) and rebuilds
 * them from the event log, with progress. Safe to run beside a live server on the embedded
 * store: its writes are short transactions (the server's appends wait for one at most), the server
 * leaves the read models to it meanwhile and answers their queries with 503 readModelsRebuilding,
 * and a crash mid-way starts the rebuild over on the next start or run. A stored event that can no
 * longer be read (damaged JSON) is skipped by every read model and named on stderr once the
 * rebuild is done. Stopped by Ctrl-C or SIGTERM, it says in one line what the stop left (exit 130, 143).
 * A log with events deleted from it (positions missing) is refused, the read models untouched, unless
 * `--accept-missing` is given: the read models are the last record that those events were accepted.
 */
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import { commandLineOrExit, configOrExit, missingPositionsText, storeFileOrExit } from './config.js';
import { Directory } from '../directory/directory.js';
import { openStore } from '../eventstore/open.js';
import { SqliteEventStore } from '../eventstore/sqlite.js';
import { UnreadableEventError } from '../eventstore/types.js';
import { ALL_PROJECTIONS, openReadModels, ReadModelsOfAnotherVersion, rebuildUnderWay, RebuildUnderWayError, scratchFilesBeside, type RebuildPhase } from '../projections/index.js';
import { createPhasedProgress } from './progress.js';
import { checkDirectory, exitSaying, StartupFailure, startupMessage, storeAtFault } from './startupError.js';
import { systemClock } from '../infra/clock.js';
import { keepFilesPrivate } from '../infra/config.js';
import { exitStopped, STOP_SIGNALS } from './signals.js';

const known = ALL_PROJECTIONS.map((p) => p.name);
const USAGE = `用法：npm run rebuild -- [读模型 …] [--accept-missing]   删除并从事件日志重建读模型（默认全部：${known.join('、')}）
  --accept-missing   事件日志缺少事件（有事件被删除）时仍按现有日志重建：读模型将不再记得这些事件
数据目录由 WORKFLOW_DATA_DIR 指定（默认 ./data）。
退出码：0 已重建；1 未重建（事件库无法打开、另一重建正在进行、事件日志缺少事件或重建出错）；2 用法或配置有误，或数据目录中没有事件库；130、143 被 Ctrl-C、SIGTERM 中断`;
/** How many runs of missing log positions a refusal lists. */
const LISTED = 10;

/**
 * How far the rebuild has come, for what a stop says it left: not begun (nothing touched), opening the read
 * models (those not named caught up), rebuilding those named, or done (the result only left to print).
 */
let stage: 'opening' | 'catchUp' | 'rebuild' | 'done' = 'opening';
/** What a running server does with read models a rebuild left unfinished or part-way (runner.ts: #takeOverAbandoned, #takeOverBehind). */
const TAKEN_OVER = '运行中的服务也会在下次读取或收到指令时（或在下次启动时）接手重建，期间清单、待办和报表答 503';
// A Ctrl-C or SIGTERM ended the rebuild without a word (exit 130, 143): the operator could not tell what it
// left. Handled when the thread is free — between batches of the fold, while workers fold; the copy of the
// workers' rows into the store and each query index are one piece of work, after which it is handled.
for (const signal of STOP_SIGNALS) process.on(signal, stopped);
function stopped(signal: NodeJS.Signals): void {
  // The read models are rebuilt and their checkpoints written: the result is printed in a moment, and stands.
  if (stage === 'done') return;
  const head = `读模型重建已中断（收到 ${signal}）：`;
  if (stage === 'opening') exitStopped(signal, `${head}尚未开始，读模型未改动`);
  // A parallel rebuild's shares (≥ 50,000 events), left in the data folder: the next one removes them (runner.ts removeScratchFiles).
  let scratch: string[] = [];
  try {
    if (config.store === 'sqlite') scratch = scratchFilesBeside(join(config.dataDir, 'events.db')).map((file) => basename(file)).sort();
  } catch {
    // Not listed: the line is said all the same.
  }
  const left = `${scratch.length > 0 ? `；数据目录中留下的临时文件 ${scratch.join('、')} 由下次重建删除` : ''}。请再次运行 npm run rebuild；${TAKEN_OVER}`;
  const others = known.filter((n) => !which.includes(n));
  if (stage === 'catchUp') exitStopped(signal, `${head}尚未开始重建 ${which.join('、')}${others.length > 0 ? `；读模型 ${others.join('、')} 尚未追上事件日志` : ''}${left}`);
  exitStopped(signal, `${head}读模型 ${which.join('、')} 尚未重建完成${left}`);
}

const { positionals: names, flags } = commandLineOrExit(USAGE, true, ['accept-missing']);
const unknown = names.filter((n) => !known.includes(n));
if (unknown.length > 0) {
  process.stderr.write(`未知的读模型：${unknown.join('、')}。可选：${known.join('、')}\n${USAGE}\n`);
  process.exit(2);
}

const config = configOrExit();
keepFilesPrivate();
// Rebuilding from no event log would only create an empty store beside the read models it drops.
storeFileOrExit(config, `数据目录 ${config.dataDir} 中没有事件库（events.db），无从重建读模型。请检查 WORKFLOW_DATA_DIR。`);
// A store that cannot be opened (not a database, read-only, EventStoreDB out of reach): one line, as npm start says it.
const store = await openStore({ store: config.store, dataDir: config.dataDir, synchronous: config.sqliteSynchronous, now: systemClock.now }).catch((err: unknown) =>
  exitSaying('无法打开数据：', err, config, 1),
);
// Refused before the read models are opened (rebuildUnderWay): not waited for, then done again.
if (rebuildUnderWay(join(config.dataDir, config.store === 'sqlite' ? 'events.db' : 'readmodels.db'))) {
  process.stderr.write(`${new RebuildUnderWayError().message}\n`);
  await store.close();
  process.exit(1);
}
// Events deleted from the log (its positions are given without gaps): the read models are the only record left that
// they were accepted — the audit export's missing lines, verify's eventsMissing, the tasks they closed. Rebuilt from
// the log as it is, they forget them (compliance QA: verify then said ok, a case whose destruction was confirmed was
// back in 待销毁数据, and the overdue report had its applicant 244 working days late). Refused unless told to.
const gaps = store instanceof SqliteEventStore ? store.positionsMissing(LISTED + 1) : undefined;
if (gaps && gaps.missing > 0 && !flags.has('accept-missing')) {
  process.stderr.write(
    `读模型未重建：${missingPositionsText(gaps, LISTED)}。现有的读模型还记得这些事件曾被接受（审计导出为每个写出一行 missing: true，verify 指出案件末尾缺失的事件），按现有日志重建会抹去这些记录。请先运行 npm run replay -- --all 核查，并从备份恢复事件库；确需按现有日志重建，请加 --accept-missing\n`,
  );
  await store.close();
  process.exit(1);
}
// Told after the progress bar, once each (opening the read models may have skipped the same event): events
// skipped because they cannot be read, a rebuild thread that failed.
const notes = new Set<string>();
// Read models another version wrote (an upgrade) are no error: said as they are.
const note = (err: unknown) =>
  notes.add(err instanceof UnreadableEventError || err instanceof ReadModelsOfAnotherVersion ? err.message : `读模型重建中出错：${err instanceof Error ? err.message : String(err)}`);
/**
 * What the store did to a rebuild (a full disk, a lock held too long, a damaged file, EventStoreDB out of reach), in one
 * line an operator can act on; undefined for anything else.
 */
function storeTrouble(err: unknown): string | undefined {
  // EventStoreDB out of reach too (its connection is made at the first read, not when opened).
  if (!storeAtFault(err)) return undefined;
  // Before the rebuild began (opening the read models), or at its first write (a store it cannot write: its
  // reset refused), those named were not touched, and no server has anything to take over (operations QA,
  // and the QA of that fix: a store a server had run on failed at the reset, and still promised a takeover).
  // (A fold that went on, rebuilt from its reset, may end where it began, its checkpoints as they were.)
  if (stage !== 'rebuild' || (!folding && checkpointsBefore !== undefined && storedCheckpoints() === checkpointsBefore)) {
    return `读模型重建未完成：${startupMessage(err, config)}。尚未开始重建，读模型 ${which.join('、')} 未改动；排除后请再次运行 npm run rebuild`;
  }
  // The read models are left marked unfinished or part-way: a server takes them over (runner.ts, #takeOverAbandoned).
  return `读模型重建未完成：${startupMessage(err, config)}。排除后请再次运行 npm run rebuild；${TAKEN_OVER}`;
}
/**
 * The read models' checkpoints as stored (their names, versions and positions), read apart and read-only;
 * undefined when they cannot be read. A rebuild's reset writes them first: unchanged after a failure, it
 * changed nothing.
 */
function storedCheckpoints(): string | undefined {
  try {
    const db = new Database(join(config.dataDir, config.store === 'sqlite' ? 'events.db' : 'readmodels.db'), { readonly: true, fileMustExist: true });
    try {
      return JSON.stringify(db.prepare('SELECT name, version, position FROM projection_checkpoints ORDER BY name').all());
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
}
/** The checkpoints as the rebuild stage found them (`storedCheckpoints`). */
let checkpointsBefore: string | undefined;
/** Whether the rebuild has told any progress: its reset is done then. */
let folding = false;
/**
 * `work`, or — for another process's rebuild under way, a directory file at fault, or the store's
 * file failing (a full disk) — one line, the read models (when open) and the store closed, and exit 1.
 */
async function orRefuse<T>(work: () => T | Promise<T>, opened?: { close(): Promise<void> }): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const trouble = storeTrouble(err);
    if (!trouble && !(err instanceof RebuildUnderWayError) && !(err instanceof StartupFailure)) throw err;
    process.stderr.write(`${trouble ?? startupMessage(err, config)}\n`);
    if (trouble && process.env.DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    // On a full disk closing may fail too: the line above is what the operator needs.
    await opened?.close().catch(() => {});
    await store.close().catch(() => {});
    process.exit(1);
  }
}
// Each once, however often named (`inbox inbox` said 已重建 inbox、inbox).
const which = names.length > 0 ? [...new Set(names)] : known;
/** One bar per part of the work: folding the log, then (in worker threads) copying their tables in and making the indexes. */
const barsFor = (fold: string) => createPhasedProgress<RebuildPhase>({ fold, copy: '正在写入重建结果（数据表）', index: '正在创建查询索引' });
try {
  // Opening catches up the read models not named (a rebuild by another process may hold them), with
  // their progress; those named are left for the rebuild, not caught up first only to be dropped.
  const others = known.filter((n) => !which.includes(n));
  const catchUp = barsFor(`正在追上事件日志：读模型 ${others.join('、')}`);
  // Read models already current say so in their first word (done = total): no bar for work there was none of.
  let current: boolean | undefined;
  stage = 'catchUp';
  const readModels = await orRefuse(() =>
    openReadModels({
      store,
      dataDir: config.dataDir,
      directory: config.orgsPath ? checkDirectory(config.orgsPath) : Directory.load(),
      onError: note,
      rebuildNext: which,
      onProgress: (done, total, phase = 'fold') => {
        current ??= phase === 'fold' && done >= total;
        if (!current) catchUp.update(done, total, phase);
      },
    }),
  );
  catchUp.done();
  const bars = barsFor(`正在重建读模型 ${which.join('、')}`);
  checkpointsBefore = storedCheckpoints();
  stage = 'rebuild';
  const { threads } = await orRefuse(
    () =>
      readModels.rebuild(which, (done, total, phase = 'fold') => {
        folding = true;
        bars.update(done, total, phase);
      }),
    readModels,
  );
  stage = 'done';
  bars.done();
  for (const line of notes) process.stderr.write(`${line}\n`);
  if (gaps && gaps.missing > 0) process.stderr.write(`注意：${missingPositionsText(gaps, LISTED)}；重建后的读模型不再记得这些事件\n`);
  process.stdout.write(`已重建 ${which.join('、')}，位置 ${readModels.position}（${threads} 个线程）\n`);
  await readModels.close();
} finally {
  await store.close();
}
