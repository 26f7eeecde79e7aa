/**
 * `npm run backup -- <target file>`: a consistent copy of the embedded store (events and read models,
 * one file), made while the server runs and stores commands. `cp -r data` beside a running server
 * copies `events.db` and its `-wal` at different moments: a checkpoint or a restart of the log in
 * between leaves a copy SQLite reads as damaged, or one without events answered 201 before the copy
 * began. This copies through SQLite's online backup API inside one read transaction: every page as
 * of one moment (the server's appends go on meanwhile; they are not in the copy), with progress.
 * The copy is one file in rollback-journal mode (no `-wal` to go with it), made private to this user
 * (keepFilesPrivate), written beside the target and renamed to it only once reopened and checked —
 * SQLite's quick_check and the same events as the moment copied — and it never overwrites a file.
 */
import { closeSync, existsSync, fsyncSync, linkSync, openSync, readdirSync, readSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { argsOrExit, configOrExit, storeFileOrExit, typedPath } from './config.js';
import { createProgress } from './progress.js';
import { exitSaying } from './startupError.js';
import { keepFilesPrivate } from '../infra/config.js';
import { refuseForeignLog, SQLITE_HEADER } from '../eventstore/sqlite.js';
import { nextTurn } from '../infra/turn.js';
import { exitStopped, STOP_SIGNALS } from './signals.js';

const USAGE = `用法：npm run backup -- <目标文件>   在服务运行时把事件库（含读模型）一致地复制为一个文件
数据目录由 WORKFLOW_DATA_DIR 指定（默认 ./data）。恢复时停止服务，删除数据目录中的 events.db-wal、events.db-shm，再把备份文件复制为 events.db。`;

/** SQLite's header of a rollback journal (a backup's partial copy begins with the database's, SQLITE_HEADER, or this). */
const JOURNAL_HEADER = Buffer.from('d9d505f920a163d7', 'hex');

/** The longest name of a file (bytes) the systems this runs on allow. */
const NAME_MAX = 255;

/** A file name kept to 50 characters (at most 200 bytes of UTF-8), not cut inside a character. */
function shortened(name: string): string {
  const chars = Array.from(name);
  return chars.length <= 50 ? name : chars.slice(0, 50).join('');
}

/** Pages copied per step of the backup (4 MiB at SQLite's 4 KiB pages): the progress bar moves between steps. */
const PAGES_PER_STEP = 1000;

const args = argsOrExit(USAGE, true);
if (args.length !== 1) {
  process.stderr.write(`${args.length === 0 ? '参数有误：缺少目标文件' : `参数有误：多余的参数 ${args[1]}`}\n${USAGE}\n`);
  process.exit(2);
}
const config = configOrExit();
keepFilesPrivate();
if (config.store !== 'sqlite') {
  process.stderr.write('WORKFLOW_STORE 指向 EventStoreDB：事件日志请用 EventStoreDB 自己的备份方式备份；数据目录中的读模型库（readmodels.db）无需备份，启动时会从事件日志重建。\n');
  process.exit(2);
}
const storeFile = resolve(config.dataDir, 'events.db');
const target = typedPath(args[0]!);
// An empty name (a variable left unset in a script: `npm run backup -- "$TARGET"`) is said as such; it
// was told as the folder it was typed in being a folder (operations QA).
if (args[0]!.trim() === '') {
  process.stderr.write(`参数有误：目标文件名为空（脚本中的变量未设置？）：请给出文件名，例如 ${join(typedPath(''), 'workflow-backup.db')}。\n`);
  process.exit(2);
}
// A folder for a file (`/backup/`) was written as a file of the folder's name, or refused as "already
// there": the copy goes into a file, named.
if (/[/\\]$/.test(args[0]!) || (existsSync(target) && statSync(target).isDirectory())) {
  process.stderr.write(`目标应为备份文件，而 ${target} 是文件夹：请给出文件名，例如 ${join(target, 'workflow-backup.db')}。\n`);
  process.exit(2);
}
storeFileOrExit(config, `数据目录 ${config.dataDir} 中没有事件库（events.db），无从备份。请检查 WORKFLOW_DATA_DIR。`);
// The live store and its log are never written here; nor is any file already there (an earlier backup).
if (target === storeFile || target.startsWith(`${storeFile}-`)) {
  process.stderr.write(`目标文件 ${target} 是正在使用的事件库（或其日志）本身，不能覆盖：请指定数据目录以外的新文件。\n`);
  process.exit(2);
}
if (existsSync(target)) {
  process.stderr.write(`目标文件 ${target} 已存在，不覆盖：请指定一个新文件名，或先移走旧的备份。\n`);
  process.exit(2);
}
if (!existsSync(dirname(target)) || !statSync(dirname(target)).isDirectory()) {
  process.stderr.write(
    existsSync(dirname(target)) ? `目标文件所在的 ${dirname(target)} 不是文件夹：请换一个位置。\n` : `目标文件所在的文件夹 ${dirname(target)} 不存在：请先创建它。\n`,
  );
  process.exit(2);
}

// A name no folder can hold (a part of a path is at most 255 bytes): said before anything is copied.
if (Buffer.byteLength(basename(target)) > NAME_MAX) {
  process.stderr.write(`目标文件名过长（${Buffer.byteLength(basename(target))} 字节，最多 ${NAME_MAX} 字节）：请换一个较短的文件名。\n`);
  process.exit(2);
}

// Written here first, renamed to the target once checked: a backup cut off part-way is never taken for
// one. Named after the target, cut short where the target's name is long: with its dot, suffix and
// journal's suffix it must still be a name the folder can hold (a 250-byte target's was not, and the
// backup ended in a stack trace).
const partial = join(dirname(target), `.${shortened(basename(target))}.partial-${process.pid}`);
const removePartial = () => {
  for (const file of [partial, `${partial}-journal`]) rmSync(file, { force: true });
};
/** Set once the checked copy is linked to the target: the backup is made, and a stop changes nothing. */
let linked = false;
// Stopped, it removed its partial copy and exited 130 or 143 without a word: said, with what it removed.
for (const signal of STOP_SIGNALS) {
  process.on(signal, () => {
    // The success line follows in the same turn; the target is the backup, whole.
    if (linked) return;
    const begun = existsSync(partial);
    removePartial();
    exitStopped(signal, `备份已中断（收到 ${signal}）：${begun ? `未完成的备份文件 ${partial} 已删除` : '尚未开始复制'}，未写入 ${target}`);
  });
}
removeAbandonedPartials();

/**
 * Removes what earlier backups into this folder left when they were stopped by a signal no process can
 * catch (SIGKILL, the OOM killer, a power cut): a hidden partial copy as big as the store, beside the
 * backups, for good — whatever their target (a nightly backup names each file by its date, so the next
 * one never has the same). One whose process still runs is another backup under way, and is left to it.
 * Only what a backup writes — a SQLite database, its rollback journal, or a file not yet written (empty, or
 * its first page still zeros) — is removed: another program's file of a name like it
 * (`.report.xlsx.partial-1234`) in a shared folder is not.
 */
function removeAbandonedPartials(): void {
  for (const name of readdirSync(dirname(target))) {
    const pid = Number(/^\..+\.partial-(\d+)(?:-journal)?$/.exec(name)?.[1]);
    if (!Number.isSafeInteger(pid) || pid === process.pid || isRunning(pid)) continue;
    const file = join(dirname(target), name);
    if (writtenByBackup(file)) rmSync(file, { force: true });
  }
}

function writtenByBackup(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(16);
    const read = readSync(fd, head, 0, 16, 0);
    if (read === 0) return true;
    // A copy whose first page SQLite had not written yet when it was killed: zeros there (operators' QA:
    // two killed backups of a 235 MB store left 86 and 125 MB of personal data behind, never removed).
    if (head.subarray(0, read).every((byte) => byte === 0)) return true;
    // A journal SQLite invalidated by zeroing its magic number, its nonce and counts left after it (operations
    // QA: 512 bytes left by a backup killed with kill -9, which no later backup removed).
    if (file.endsWith('-journal') && read >= 8 && head.subarray(0, 8).every((byte) => byte === 0)) return true;
    return head.subarray(0, read).equals(SQLITE_HEADER.subarray(0, read)) || (read >= 8 && head.subarray(0, 8).equals(JOURNAL_HEADER));
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: a process of another user has that number; it is running.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What SQLite's quick_check found, on one line: its lines joined, without its "*** in database main ***" heading. */
function checkFound(found: unknown): string {
  return String(found)
    .replace(/\*\*\* in database \w+ \*\*\*\s*/g, '')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .join('；');
}

/** SQLite's quick_check of the store's own file, read only: undefined when it passes, else what it found. */
function storeCheck(file: string): string | undefined {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const found = db.pragma('quick_check', { simple: true });
    return found === 'ok' ? undefined : checkFound(found);
  } catch (err) {
    return (err as Error).message;
  } finally {
    db.close();
  }
}

let source: Database.Database | undefined;
/** Whether the store has been read: a permission refused before is the store's, not the target folder's. */
let storeRead = false;
try {
  // A backup restored beside the replaced store's log: opening it would write that log into it (README "To restore").
  refuseForeignLog(storeFile);
  source = new Database(storeFile, { fileMustExist: true });
  source.pragma('busy_timeout = 5000');
  // One read transaction for the whole copy: the backup's steps all read the same snapshot, so a
  // server's commits in between neither restart the copy nor tear it (WAL: the server is not held up).
  source.exec('BEGIN');
  const copied = source.prepare<[], { events: number; head: number | null }>('SELECT count(*) AS events, max(position) AS head FROM events').get()!;
  storeRead = true;
  let progress: ReturnType<typeof createProgress> | undefined;
  const result = await source.backup(partial, {
    progress: ({ totalPages, remainingPages }) => {
      progress ??= createProgress('正在备份事件库（页）', totalPages);
      progress.update(totalPages - remainingPages);
      return PAGES_PER_STEP;
    },
  });
  progress?.update(result.totalPages);
  progress?.done();
  source.exec('COMMIT');
  source.close();
  source = undefined;

  // One self-contained file: a copy in WAL mode would be read together with whatever -wal lies beside it.
  const copy = new Database(partial, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
  // The steps from here hold the thread for seconds on a large store (the check reads every page): a
  // Ctrl-C or kill meanwhile is handled between them (removing the partial copy), never after the link.
  await nextTurn();
  const check = new Database(partial, { readonly: true, fileMustExist: true });
  let problem: string | undefined;
  let quick: unknown = 'ok';
  try {
    quick = check.pragma('quick_check', { simple: true });
    const found = check.prepare<[], { events: number; head: number | null }>('SELECT count(*) AS events, max(position) AS head FROM events').get()!;
    if (quick !== 'ok') problem = `SQLite 检查未通过（${checkFound(quick)}）`;
    else if (found.events !== copied.events || found.head !== copied.head) problem = `备份中有 ${found.events} 个事件（至位置 ${found.head ?? 0}），应为 ${copied.events} 个（至位置 ${copied.head ?? 0}）`;
  } finally {
    check.close();
  }
  if (problem) {
    removePartial();
    // The backup API copies pages as they are: a copy failing SQLite's check is most often a store
    // that fails it, which no second try mends (operators' QA: "请再试一次" on a damaged store).
    const damage = quick === 'ok' ? undefined : storeCheck(storeFile);
    process.stderr.write(
      damage
        ? `备份未完成：事件库 ${storeFile} 本身已损坏（SQLite 检查未通过：${damage}），备份复制的正是损坏的页，再试也不会成功。未留下备份文件。请停止服务，从上一个完好的备份恢复（README「备份与恢复」）。\n`
        : `备份未完成：重新打开备份核对时发现问题：${problem}。未留下备份文件，请再试一次。\n`,
    );
    process.exit(1);
  }
  await nextTurn();
  const fd = openSync(partial, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  // A link, not a rename: it fails instead of replacing a file made at the target meanwhile.
  linkSync(partial, target);
  linked = true;
  unlinkSync(partial);
  const dir = openSync(dirname(target), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
  process.stdout.write(`已备份事件库：${copied.events} 个事件（至位置 ${copied.head ?? 0}），连同读模型，写入 ${target}\n`);
} catch (err) {
  if (source?.open) source.close();
  removePartial();
  if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
    process.stderr.write(`目标文件 ${target} 已存在，不覆盖：请指定一个新文件名，或先移走旧的备份。\n`);
    process.exit(2);
  }
  // What fails here is most often the target's disk: the data folder's words (startupMessage) would blame the store.
  const code = (err as { code?: unknown }).code;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    process.stderr.write(`备份未完成：目标文件夹 ${dirname(target)} 所在的磁盘已满：请清理磁盘或换一个位置。未留下备份文件。\n`);
    process.exit(1);
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    // A service user's cron backup sent to a target folder it could write, where the store was what it could not read.
    process.stderr.write(
      storeRead
        ? `备份未完成：无法在 ${dirname(target)} 中写入文件：请检查该文件夹的权限。未留下备份文件。\n`
        : `备份未完成：无法读取事件库 ${storeFile}（及其 -wal、-shm 文件）：请以运行服务的用户执行备份，或检查其权限。未留下备份文件。\n`,
    );
    process.exit(1);
  }
  exitSaying('备份未完成：', err, config, 1);
}
