/**
 * `npm run replay -- <caseId>`: a case's history as a readable timeline (Chinese labels, Asia/Shanghai
 * times, actors and organisations from the directory, deadlines opened and closed), then its
 * verification. `npm run replay -- --all`: verifies every case in the store; exit code 1 if any fails, or if there is none;
 * the first 10 failing cases and runs of missing log positions are listed, every one with `--list-all`;
 * 2 if the data cannot be read (no store in the data folder, or one that cannot be opened).
 * Reads only (api/app.ts `openForReplay`): the store is opened read-only, the read models are read as
 * they stand, not caught up, and nothing is sent or written — a copy handed to compliance keeps every byte.
 * Stopped by Ctrl-C or SIGTERM, it says how far it had come, and that nothing was changed (exit 130, 143).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openForReplay, type ReplayApp } from '../api/app.js';
import { checkDirectory, exitSaying, storeAtFault } from './startupError.js';
import { EngineError } from '../engine/errors.js';
import { alteredNoticeText } from '../engine/calendarInForce.js';
import { journalModeOf, SqliteEventStore } from '../eventstore/sqlite.js';
import { systemClock } from '../infra/clock.js';
import { argumentError, configOrExit, missingPositionsText, storeFileOrExit } from './config.js';
import { createLogger, logLevelOf } from '../infra/logger.js';
import { createProgress } from './progress.js';
import { caseIdsInStore, timeline, verifyAll } from './demo/replay.js';
import { exitStopped, STOP_SIGNALS } from './signals.js';

const USAGE = `用法：npm run replay -- <案件ID>     按时间线显示案件历史并校验
      npm run replay -- --all        校验事件库中的全部案件（任一失败，或一个案件也没有，则退出码为 1；无法读取数据则为 2）
      npm run replay -- --all --list-all
                                     同上，并列出全部失败的案件和全部缺失的日志位置（不加时各只列前 10 项）
数据目录由 WORKFLOW_DATA_DIR 指定（默认 ./data）。`;

/** How far the replay has come, for what a stop says: the log read to `position` of `head`, `done` of `total` cases verified. */
let reached: { read?: { position: number; head: number }; verified?: { done: number; total: number }; finished?: boolean } = {};
// A Ctrl-C or SIGTERM ended a replay of minutes without a word (exit 130, 143): the operator could not
// tell whether the copy had been touched, nor how far it had been checked.
for (const signal of STOP_SIGNALS) {
  process.on(signal, () => {
    // Verified to the end: the summary is printed in a moment, and stands.
    if (reached.finished) return;
    const { read, verified } = reached;
    const where = verified
      ? `已校验 ${verified.done}/${verified.total} 个案件，未得出结论`
      : read
        ? `事件日志读至位置 ${read.position}/${read.head}，尚未校验任何案件`
        : '尚未得出校验结论';
    exitStopped(signal, `校验已中断（收到 ${signal}）：${where}；npm run replay 只读取，事件库和读模型均未改动`);
  });
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      all: { type: 'boolean', default: false },
      'list-all': { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
} catch (err) {
  process.stderr.write(`${argumentError(err)}\n${USAGE}\n`);
  process.exit(2);
}
const { values, positionals } = parsed;
if (values.help || (!values.all && positionals.length !== 1) || (values.all && positionals.length > 0)) {
  (values.help ? process.stdout : process.stderr).write(`${USAGE}\n`);
  process.exit(values.help ? 0 : 2);
}
// A case's timeline lists all it has: --list-all lists what --all would cut, and means nothing here.
if (values['list-all'] && !values.all) {
  process.stderr.write(`参数有误：--list-all 只能与 --all 一起使用（列出全部失败的案件和缺失的日志位置）\n${USAGE}\n`);
  process.exit(2);
}
/** How many failing cases, and runs of missing log positions, are listed without --list-all. */
const LISTED = 10;
const listAll = values['list-all'];
/** What a cut list's last line adds: how to see the rest. */
const REST = '加 --list-all 列出全部';

/**
 * SQLite cannot open a file in WAL mode read-only where it may not make the `-shm` beside it (a copy
 * of a live store's file on a read-only disk); a backup is in rollback-journal mode, and reads anywhere.
 */
function walCopyInReadOnlyFolder(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if ((code !== 'SQLITE_CANTOPEN' && code !== 'SQLITE_READONLY_DIRECTORY') || config.store !== 'sqlite') return false;
  return journalModeOf(join(config.dataDir, 'events.db')) === 'wal';
}

const config = configOrExit();
storeFileOrExit(config, `数据目录 ${config.dataDir} 中没有事件库（events.db）。可先运行 npm run demo 生成演示数据。`);
// What stops the data being read is said as plainly (a directory file missing, a file that is no
// store): one line, no stack trace.
let opened: ReplayApp;
try {
  if (config.orgsPath) checkDirectory(config.orgsPath);
  // Read only: a copy handed to compliance keeps every byte, and a read-only one can be verified.
  opened = await openForReplay(config, { logger: createLogger({ level: logLevelOf(process.env.LOG_LEVEL) ?? 'warn' }) });
} catch (err) {
  if (walCopyInReadOnlyFolder(err)) {
    process.stderr.write(
      `无法打开数据：events.db 处于 WAL 模式（运行中的事件库、其副本，或正常停止后的事件库文件都是如此），SQLite 读它要在旁边建 events.db-shm，而数据目录 ${config.dataDir} 不可写。请校验 npm run backup 制作的备份（单个文件，只读目录也能读），或把 events.db 复制到可写的目录后再校验\n`,
    );
    process.exit(2);
  }
  exitSaying('无法打开数据：', err, config, 2);
}
const app = opened;
// Said once, first: what this verification cannot see without the case list's record.
if (!app.caseListRead) {
  process.stderr.write('注意：数据目录中没有本版本可读的案件列表（读模型），无法核对案件末尾的事件是否被删除；哈希链与按流程重放照常校验。\n');
}
try {
  if (values.all) {
    // The whole log is read for its case ids first: 9 s without a word at 400,000 events (progress QA).
    const head = await app.store.headPosition();
    const reading = createProgress('正在读取事件日志', head, { enabled: !values.quiet && head > 0 });
    reached = { read: { position: 0, head } };
    const ids = await caseIdsInStore(app, (position) => {
      reached.read = { position, head };
      reading.update(position);
    });
    reading.done();
    const progress = createProgress('正在校验案件', ids.length, { enabled: !values.quiet && ids.length > 0 });
    reached = { verified: { done: 0, total: ids.length } };
    const result = await verifyAll(app, ids, (done) => {
      reached.verified = { done, total: ids.length };
      progress.update(done);
    });
    reached = { finished: true };
    progress.done();
    const lines = [`已校验 ${result.total} 个案件：通过 ${result.verified}，失败 ${result.failed.length}。`];
    // Events deleted from the log leave positions no row holds: found whatever the read models were rebuilt from since.
    // One run more than are listed is asked for, so that "等" is said only when there are more.
    const gaps = app.store instanceof SqliteEventStore ? app.store.positionsMissing(listAll ? Infinity : LISTED + 1) : undefined;
    if (gaps && gaps.missing > 0) lines.push(missingPositionsText(gaps, listAll ? Infinity : LISTED, REST));
    // Nothing read is nothing verified (as verify-export says of an empty file): a data folder typed wrong is not a pass.
    if (result.total === 0) lines.push(`事件库中没有任何案件（数据目录 ${config.dataDir}）：没有可校验的内容，请检查 WORKFLOW_DATA_DIR`);
    for (const f of listAll ? result.failed : result.failed.slice(0, LISTED)) {
      lines.push(`  ${f.caseId}${f.failedAt ? ` 版本 ${f.failedAt.revision} 的事件（第 ${f.failedAt.revision + 1} 个，${f.failedAt.type}，日志位置 ${f.failedAt.position}）` : ''}：${f.reason}`);
    }
    if (!listAll && result.failed.length > LISTED) lines.push(`  ……另有 ${result.failed.length - LISTED} 个（${REST}）`);
    // Holiday notices changed in the store since they were loaded (CalendarInForce.altered): the deadlines after them rest on them.
    const altered = app.calendar.altered();
    for (const n of altered) lines.push(alteredNoticeText(n));
    process.stdout.write(`${lines.join('\n')}\n`);
    process.exitCode = result.failed.length > 0 || result.total === 0 || (gaps?.missing ?? 0) > 0 || altered.length > 0 ? 1 : 0;
  } else {
    // Case ids are lower-case UUIDs; one pasted in capitals names the same case.
    const caseId = positionals[0]!.toLowerCase();
    try {
      const { lines, verification } = await timeline(app, caseId, systemClock.now());
      reached = { finished: true };
      process.stdout.write(`${lines.join('\n')}\n`);
      process.exitCode = verification.ok ? 0 : 1;
    } catch (err) {
      if (err instanceof EngineError && err.code === 'NOT_FOUND') {
        process.stderr.write(`${err.text.zh}（数据目录 ${config.dataDir}）\n`);
        process.exitCode = 2;
      } else {
        throw err;
      }
    }
  }
} catch (err) {
  // The store failing under the read (a damaged page, a disk error): one line, as start and rebuild say
  // it, exit 2 (the data cannot be read) — it was SQLite's English error and a stack (operators' QA).
  if (!storeAtFault(err)) throw err;
  await app.close().catch(() => undefined);
  exitSaying('无法读取数据：', err, config, 2);
} finally {
  await app.close();
}
