/** The configuration and the arguments a command-line entry point runs with. */
import { accessSync, constants, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../infra/config.js';

/**
 * Loads the configuration; a wrong setting is told plainly — each variable and what it should be,
 * without a stack trace — after `prefix`, and ends the process with `exitCode`.
 */
export function configOrExit(prefix = '', exitCode = 2): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${prefix}${err.message}\n`);
    process.exit(exitCode);
  }
}

/** A folder where the embedded store's file should be. */
export function storeIsFolder(storeFile: string): string {
  return `事件库 ${storeFile} 是文件夹，不是数据库文件：请检查 WORKFLOW_DATA_DIR`;
}

/**
 * Ends the process when the embedded store's file is not there to read: `missing` (exit 2) when the
 * data folder holds no events.db; a folder this user may not enter said as that (exit 1), not as no
 * store — `existsSync` answers false for both, and backup, rebuild and replay told a service's data
 * folder, run as another user, that it held no store; a folder in its place, as that (replay blamed
 * the disk, backup the permissions); a file it may not read, as that. Nothing to look at with EventStoreDB.
 */
export function storeFileOrExit(config: Config, missing: string): void {
  if (config.store !== 'sqlite') return;
  const storeFile = join(config.dataDir, 'events.db');
  const refuse = (line: string, exitCode: number): never => {
    process.stderr.write(`${line}\n`);
    process.exit(exitCode);
  };
  let folder: boolean;
  try {
    folder = statSync(storeFile).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return refuse(`无权访问数据目录 ${config.dataDir}：请以运行服务的用户执行，或检查其权限。`, 1);
    return refuse(missing, 2);
  }
  if (folder) refuse(storeIsFolder(storeFile), 1);
  // Each of them reads it (replay only reads it, and was told the folder was not writable).
  try {
    accessSync(storeFile, constants.R_OK);
  } catch {
    refuse(`无法读取事件库 ${storeFile}：请以运行服务的用户执行，或检查其权限。`, 1);
  }
}

/**
 * What is wrong with a command line, in Chinese: node:util's `parseArgs` says it in English
 * ("Unknown option '--bogus'. To specify a positional argument starting with a '-', …").
 */
export function argumentError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const named = /'([^']+)'/.exec(e.message ?? '')?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `参数有误：不认识的选项 ${named ?? ''}`.trimEnd();
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `参数有误：多余的参数 ${named ?? ''}`.trimEnd();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `参数有误：选项 ${named?.split(' ')[0] ?? ''} 缺少取值或取值不对`;
    default:
      return `参数有误：${e.message ?? String(err)}`;
  }
}

/**
 * A script's arguments: `--help` / `-h` prints `usage` and exits 0 before anything is touched; an
 * unknown option (or an argument, unless `positionals`) prints what is wrong and `usage`, and exits 2.
 */
export function argsOrExit(usage: string, positionals = false): string[] {
  return commandLineOrExit(usage, positionals, []).positionals;
}

/** `argsOrExit` for a script that also takes the boolean options `flags` (named without their `--`): those given. */
export function commandLineOrExit<F extends string>(usage: string, positionals: boolean, flags: readonly F[]): { positionals: string[]; flags: Set<F> } {
  let parsed;
  try {
    const options = Object.fromEntries(flags.map((f) => [f, { type: 'boolean' as const, default: false }]));
    parsed = parseArgs({ allowPositionals: positionals, options: { ...options, help: { type: 'boolean', short: 'h', default: false } } });
  } catch (err) {
    process.stderr.write(`${argumentError(err)}\n${usage}\n`);
    process.exit(2);
  }
  if (parsed.values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const values = parsed.values as Record<string, boolean | undefined>;
  return { positionals: parsed.positionals, flags: new Set(flags.filter((f) => values[f] === true)) };
}

/**
 * The log's missing positions (SqliteEventStore.positionsMissing, asked for one run more than `listed`) as
 * the scripts say them; `rest` is added after 等 when more runs than `listed` were found.
 */
export function missingPositionsText(gaps: { missing: number; runs: { from: number; to: number }[] }, listed: number, rest?: string): string {
  const cut = gaps.runs.length > listed;
  const runs = (cut ? gaps.runs.slice(0, listed) : gaps.runs).map((r) => (r.from === r.to ? `${r.from}` : `${r.from}–${r.to}`)).join('、');
  return `事件日志缺少 ${gaps.missing} 个位置的事件（位置 ${runs}${cut ? ` 等${rest ? `；${rest}` : ''}` : ''}）：日志的位置连续分配、从不重复，缺少即有事件被删除`;
}

/**
 * A path typed on the command line, as whoever typed it meant it: relative to the folder they ran
 * `npm run …` in (npm's INIT_CWD), not to the project's, where npm runs every script. From docs/,
 * `npm run backup -- b.db` wrote the project's b.db, and `npm run verify-export -- export.ndjson` next
 * to the file said it found none.
 */
export function typedPath(path: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), path);
}
