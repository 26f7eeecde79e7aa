/**
 * Why `npm start` could not start, in one Chinese sentence an operator can act on: the setting to
 * check and what is wrong with it — never a stack trace, nor a connection string's credentials.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { Directory, PROVINCE_REGION } from '../directory/directory.js';
import { StoreUnreachableError, UnreadableEventError } from '../eventstore/types.js';
import { ForeignLogError, NotAStoreError, OrphanLogError } from '../eventstore/sqlite.js';
import { CALENDAR_STREAM, StoredNoticeError } from '../engine/calendarInForce.js';
import { storeFailure } from '../api/problem.js';
import { ESDB_CREDENTIALS, esdbHosts, NotUtf8Error, type Config } from '../infra/config.js';
import { storeIsFolder } from './config.js';

/**
 * What the server's log says of a timer pass that failed (`npm start` runs one a minute). A store
 * that cannot be reached fails every pass while it is down: one Chinese line naming the store and when
 * the next pass comes, without the client's English error and stack each minute. Anything else, with
 * its error and stack: it needs looking into.
 */
export function timerPassFailed(logger: { error(fields: object, message: string): void }, err: unknown, config: Config, nextInSeconds: number): void {
  if (err instanceof StoreUnreachableError) {
    logger.error({ cause: (err.cause as Error | undefined)?.message ?? err.message }, `本次未能触发到期的系统指令，${nextInSeconds} 秒后再试：${startupMessage(err, config)}`);
  } else {
    logger.error({ err }, '触发到期系统指令失败');
  }
}

/**
 * Whether `err` is the store's and not the command's: its file failing (a full disk, a lock held too
 * long, a damaged page), not a database at all, or EventStoreDB out of reach — what `startupMessage`
 * says in one line an operator can act on.
 */
export function storeAtFault(err: unknown): boolean {
  // A damaged page or no database at all is among storeFailure's (storeIo).
  return storeFailure(err) !== undefined || err instanceof StoreUnreachableError;
}

/** Says in one line after `prefix` why `err` stopped a command (the stack only with DEBUG set), and exits with `code`. */
export function exitSaying(prefix: string, err: unknown, config: Config, code: number): never {
  process.stderr.write(`${prefix}${startupMessage(err, config)}\n`);
  if (process.env.DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exit(code);
}

/** A failure already told in plain words. */
export class StartupFailure extends Error {
  override readonly name = 'StartupFailure';
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Whether this process may write `path` (the system's answer for this user). */
function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The store's file (or its log, or the log's index) this user may not write, in a folder it may:
 * a store copied in by root, or left by a server run as another user. "数据目录不可写" sent the operator
 * to a folder whose permissions were right (operators' QA).
 */
function unwritableStoreFile(dataDir: string): string | undefined {
  if (!writable(dataDir)) return undefined;
  const storeFile = join(dataDir, 'events.db');
  return [storeFile, `${storeFile}-wal`, `${storeFile}-shm`].find((file) => statSync(file, { throwIfNoEntry: false })?.isFile() && !writable(file));
}


/**
 * The EventStoreDB client's "could not reach the server" errors (UnavailableError, DeadlineExceededError),
 * told by their documented `type`, so that this module does not load the client for a SQLite store.
 */
function esdbUnreachable(err: Error): boolean {
  const type = (err as { type?: unknown }).type;
  return type === 'unavailable' || type === 'deadline-exceeded';
}

/** What the EventStoreDB client's parser expected, in Chinese (its ParseError's `expected`). */
const EXPECTED_ZH: Record<string, string> = {
  'true or false': 'true 或 false',
  Integer: '整数',
  'port number': '端口号',
  ', or ?key=value': '“,”（下一个节点）或“?选项=值”',
  host: '主机名',
  'username:password': '用户名:密码',
  'esdb:// or esdb+discover://': 'esdb:// 或 esdb+discover://',
  '?key=value': '?选项=值',
  '&key=value': '&选项=值',
};

/**
 * The client's ParseError (WORKFLOW_STORE not a connection string it reads) in Chinese, naming the
 * variable and where (operations QA: "Unexpected "maybe" at position 26, expected true or false.",
 * no variable named). Nothing of the credentials is quoted: a fault inside them is said as such.
 */
function connectionStringFault(err: Error, config: Config): string | undefined {
  const { connectionString, location, expected } = err as { connectionString?: unknown; location?: unknown; expected?: unknown };
  if (config.store === 'sqlite' || typeof connectionString !== 'string' || !Array.isArray(location) || typeof expected !== 'string') return undefined;
  const [from, to] = location as [number, number];
  const credentialsEnd = new RegExp(`^esdb(?:\\+discover)?:\\/\\/${ESDB_CREDENTIALS}`, 'i').exec(connectionString)?.[0].length ?? 0;
  const userinfoFrom = connectionString.indexOf('://') + 3;
  // Quoted only among the options: before them, a password whose @ was mistyped (`admin:changeit#db1`)
  // reads to the client as hosts, and the fault it names is in the password (QA of this change).
  const options = connectionString.indexOf('?');
  const where =
    from >= userinfoFrom && from < credentialsEnd
      ? '用户名和密码部分无法识别'
      : options >= 0 && from > options
        ? `第 ${from + 1} 个字符处的“${connectionString.substring(from, from === to ? from + 1 : to)}”无法识别`
        : `第 ${from + 1} 个字符处无法识别（主机与端口部分：应为 主机:端口，多个以“,”分隔；用户名和密码应以“@”结尾）`;
  return `WORKFLOW_STORE 不是有效的 EventStoreDB 连接字符串：${where}，此处应为 ${EXPECTED_ZH[expected] ?? expected}`;
}

/**
 * `text` with the credentials of any connection string in it masked: as the EventStoreDB client reads
 * them (ESDB_CREDENTIALS), a password holding `/`, `?` or `#` included.
 */
export function withoutCredentials(text: string): string {
  return text.replace(new RegExp(`(esdb(?:\\+discover)?:\\/\\/)${ESDB_CREDENTIALS}`, 'gi'), '$1***@');
}

/**
 * Where JSON.parse stopped in the file at `path`, in Chinese, by line and column: V8 says it in English,
 * by the character's offset ("Unexpected non-whitespace character after JSON at position 2200", an
 * NDJSON file given for the directory's array).
 */
function jsonFault(path: string, error: SyntaxError): string {
  const at = /at position (\d+)/.exec(error.message);
  if (at) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
    } catch {
      // Read a moment ago; gone now: the place is still worth saying by the offset.
      return `第 ${Number(at[1]) + 1} 个字符处有误`;
    }
    const before = text.slice(0, Number(at[1]));
    return `第 ${before.split('\n').length} 行第 ${before.length - before.lastIndexOf('\n')} 列处有误`;
  }
  return /end of JSON input/.test(error.message) ? '内容不完整或为空' : '格式有误';
}

/** Loads the organisation directory at `path` (WORKFLOW_ORGS), or fails naming what is wrong with the file. */
export function checkDirectory(path: string): Directory {
  try {
    return directoryOrFailure(path);
  } catch (err) {
    // A relative path is read from the folder the server was started in (npm's: the project's), which an
    // operator starting it from a service manager may not know (operations QA: "文件不存在：orgs.json" said
    // not where it looked): said after the refusal, not inside it (QA: a space left after the bracket).
    if (err instanceof StartupFailure && !isAbsolute(path)) throw new StartupFailure(`${err.message}（WORKFLOW_ORGS 为相对路径，按启动目录解析为 ${resolve(path)}）`);
    throw err;
  }
}

function directoryOrFailure(path: string): Directory {
  let directory: Directory;
  try {
    directory = Directory.load(path);
  } catch (err) {
    const cause = (err as Error).cause as NodeJS.ErrnoException | undefined;
    if (cause?.code === 'ENOENT') throw new StartupFailure(`WORKFLOW_ORGS 指向的机构目录文件不存在：${path}`);
    if (cause?.code === 'EISDIR') throw new StartupFailure(`WORKFLOW_ORGS 应指向机构目录的 JSON 文件，而 ${path} 是文件夹`);
    if (cause?.code === 'EACCES' || cause?.code === 'EPERM') throw new StartupFailure(`WORKFLOW_ORGS 指向的机构目录文件 ${path} 无法读取：本服务的用户没有读取权限`);
    if (cause instanceof NotUtf8Error) throw new StartupFailure(`WORKFLOW_ORGS 指向的文件 ${path} 不是 UTF-8 编码的文本（可能被另存为 GBK 等其他编码），机构名称会成为乱码：请以 UTF-8 编码另存后重试`);
    if (cause instanceof SyntaxError) throw new StartupFailure(`WORKFLOW_ORGS 指向的文件 ${path} 不是有效的 JSON（${jsonFault(path, cause)}）`);
    if (err instanceof z.ZodError) {
      const MAX = 3;
      const problems = err.issues.slice(0, MAX).map((issue) => {
        const [index, ...field] = issue.path;
        const where = typeof index === 'number' ? `第 ${index + 1} 项${field.length > 0 ? ` ${field.join('.')}` : ''}` : '文件';
        // The schema's own regex message is English; say it in Chinese.
        const message = issue.code === 'invalid_format' && field.at(-1) === 'region' ? '应为 6 位行政区划代码' : issue.message;
        return `${where}：${message}`;
      });
      const more = err.issues.length > MAX ? `；另有 ${err.issues.length - MAX} 处` : '';
      throw new StartupFailure(`WORKFLOW_ORGS 指向的机构目录 ${path} 格式有误（每项应有 code、name、kind、level、region）：${problems.join('；')}${more}`);
    }
    throw new StartupFailure(`WORKFLOW_ORGS 指向的机构目录 ${path} 无法使用：${(err as Error).message}`);
  }
  // A directory with no competent authority (an empty list, say) starts a server where no review can be done.
  if (!directory.list().some((org) => org.kind === 'authority')) {
    throw new StartupFailure(`WORKFLOW_ORGS 指向的机构目录 ${path} 中没有任何主管部门（kind 为 authority 的机构）：没有人能审核，请检查文件`);
  }
  // 第六条: the province's bureau is the 省公共数据开放主管部门, and admin is its role. Without it a server
  // started, handed on the province's share of every 市级以上 task for good, and refused every admin,
  // provincial supervisor and auditor (reform QA: the entry deleted by mistake).
  if (!directory.authorityOf(PROVINCE_REGION)) {
    throw new StartupFailure(
      `WORKFLOW_ORGS 指向的机构目录 ${path} 中没有省公共数据开放主管部门（行政区划 ${PROVINCE_REGION}、kind 为 authority 的机构，第六条）：管理员、省级监督和审计人员将无法使用，省级审核无人办理，请检查文件`,
    );
  }
  return directory;
}

/** The sentence after `服务未启动：` for an error thrown while opening the store, building the server or listening. */
export function startupMessage(err: unknown, config: Config): string {
  if (!(err instanceof Error)) return withoutCredentials(String(err));
  if (err instanceof StartupFailure) return err.message;
  if (err instanceof UnreadableEventError) {
    const { position, streamId, revision } = err.event;
    return `事件库中位置 ${position} 的事件（流 ${streamId}，版本 ${revision}）无法读取：其${err.part === 'data' ? '数据' : '元数据'}已不是有效的 JSON，存储内容已损坏或被改动，请从备份恢复这一事件`;
  }
  if (err instanceof StoredNoticeError) {
    return `事件库中位置 ${err.position} 的节假日安排通知（${CALENDAR_STREAM} 版本 ${err.revision}）无法载入日历：${startupMessage(err.cause, config)}。通知载入时已校验，存储的内容可能已被改动：请从备份恢复这一事件`;
  }
  if (err instanceof NotAStoreError) return `${err.file} 中没有事件表：它不是本系统的事件库，请检查 WORKFLOW_DATA_DIR`;
  if (err instanceof OrphanLogError) {
    return `数据目录 ${config.dataDir} 中没有 events.db，却有它的预写日志 events.db-wal（${err.logBytes} 字节，可能含有已提交的事件）：启动会新建空的事件库并覆盖这份日志。若 events.db 被误删或移走，请先放回或从备份恢复；确认不再需要这份日志后，把 events.db-wal 和 events.db-shm 移出数据目录再启动`;
  }
  if (err instanceof ForeignLogError) {
    return `数据目录 ${config.dataDir} 中的 events.db-wal 不属于现在的 events.db（events.db 是单个文件的备份，旁边却留着被替换的事件库的日志）：打开会把旧日志写进恢复的文件并使其损坏。请把 events.db-wal 和 events.db-shm 移出数据目录后重试`;
  }
  const { syscall } = err as NodeJS.ErrnoException;
  // A system or SQLite error's code is a string; the gRPC client's is a number.
  const code = typeof (err as NodeJS.ErrnoException).code === 'string' ? (err as NodeJS.ErrnoException).code! : '';
  const dataDir = config.dataDir;
  if (syscall === 'listen' || syscall === 'bind') {
    if (code === 'EADDRINUSE') return `端口 ${config.port} 已被占用（${config.host}）：请换一个 PORT，或先停止占用它的进程`;
    if (code === 'EACCES') return `没有权限在端口 ${config.port} 上监听：请换一个 1024 以上的 PORT`;
    if (code === 'EADDRNOTAVAIL') return `本机没有地址 ${config.host}，无法在其上监听：请检查 HOST`;
  }
  if (syscall === 'getaddrinfo' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `无法解析主机名 ${config.host}：请检查 HOST`;
  if (code === 'EEXIST' || code === 'ENOTDIR') return `数据目录 ${dataDir} 不是文件夹（它或它的上级是一个文件）：请检查 WORKFLOW_DATA_DIR`;
  // A path the system will not follow: Node says it in English ("ELOOP: too many symbolic links encountered, mkdir …").
  const path = (err as NodeJS.ErrnoException).path ?? dataDir;
  if (code === 'ELOOP') return `路径 ${path} 中的符号链接构成循环，无法访问：请检查 WORKFLOW_DATA_DIR`;
  if (code === 'ENAMETOOLONG') return `路径 ${path} 过长（其中一段超过 255 字节，或全长超过系统上限）：请换用较短的路径`;
  // The embedded store's own file: not a database at all (replaced, or damaged past reading), or a
  // folder in its place. With EventStoreDB the only file is the read models', rebuilt from the log.
  if (config.store === 'sqlite') {
    const storeFile = join(dataDir, 'events.db');
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') return `事件库 ${storeFile} 不是可读的 SQLite 数据库（已损坏或被替换）：请从备份恢复，或检查 WORKFLOW_DATA_DIR`;
    if (code === 'SQLITE_CANTOPEN' && isFolder(storeFile)) return storeIsFolder(storeFile);
  } else if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return `读模型库 ${join(dataDir, 'readmodels.db')} 不是可读的 SQLite 数据库：可删除它（连同 -wal、-shm 文件），启动时会从事件日志重建`;
  }
  if (code === 'ENOENT' && syscall === 'mkdir') return `无法创建数据目录 ${dataDir}（该位置不能建文件夹）：请检查 WORKFLOW_DATA_DIR`;
  // The store's file failing under it, as a request is told it (storeFailure); a file SQLite cannot
  // open is the data folder's, below.
  const failure = storeFailure(err);
  if (failure === 'storeFull' || code === 'ENOSPC') return `数据目录 ${dataDir} 所在的磁盘已满：请清理磁盘`;
  if (failure === 'storeBusy') return `事件库被其他进程长时间占用（写锁）：请等它完成`;
  if ((failure === 'storeIo' && code !== 'SQLITE_CANTOPEN') || code === 'EIO' || code === 'EMFILE') return `读写数据目录 ${dataDir} 时出错（磁盘故障、文件被删除或打开的文件过多）：请检查磁盘`;
  if (failure === 'storeNotFlushed') return `事件库的日志未能写入磁盘：请检查磁盘`;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM' || code.startsWith('SQLITE_READONLY')) {
    const file = config.store === 'sqlite' ? unwritableStoreFile(dataDir) : undefined;
    if (file) return `事件库文件 ${file} 不可写（数据目录可写，该文件只读或属于其他用户）：请以运行服务的用户执行，或检查该文件的权限与属主`;
    return `数据目录 ${dataDir} 不可写：请检查 WORKFLOW_DATA_DIR 及其权限`;
  }
  const parse = connectionStringFault(err, config);
  if (parse) return parse;
  // The client's AccessDeniedError (gRPC PERMISSION_DENIED or UNAUTHENTICATED): wrong credentials, or a
  // user who may not read $all, which only $admins and $ops may by default; it said "Access denied".
  // The adapter tells it as the store out of reach (a request's 503), the client's error its cause.
  const denied = (e: unknown) => (e as { type?: unknown } | null)?.type === 'access-denied';
  if (config.store !== 'sqlite' && (denied(err) || (err instanceof StoreUnreachableError && denied(err.cause)))) {
    return `EventStoreDB（${esdbHosts(config.store)}）拒绝访问：请检查 WORKFLOW_STORE 中的用户名和密码，该用户须能读写事件流并读取 $all（默认须属 $admins 或 $ops 组）`;
  }
  // EventStoreDB's client: gRPC UNAVAILABLE (refused, unresolvable), a deadline, or gossip discovery giving
  // up — as the adapter tells them (StoreUnreachableError) or, from a call it does not wrap, the client's own.
  if (config.store !== 'sqlite' && (err instanceof StoreUnreachableError || esdbUnreachable(err) || /^Failed to discover/.test(err.message))) {
    return `无法连接 EventStoreDB（${esdbHosts(config.store)}）：请确认它已启动、可以访问，并检查 WORKFLOW_STORE`;
  }
  return withoutCredentials(err.message);
}
