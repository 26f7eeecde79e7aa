/**
 * `npm run verify-export -- <audit.ndjson>`: checks an audit export (GET /v1/audit/export) on its
 * own, without the server or the store: every case event's hash is recomputed from the file, and
 * the events of each case must chain, their hashes and their states. Exit code 0 when all holds,
 * 1 when something does not, 2 for a usage error. In Chinese, or in English with `--lang en` (as docs/verify_export.py takes it).
 * The first 20 problems, and cases taken on trust, are listed; `--list-all` lists every one (the problems the check keeps: MAX_FAILURES).
 */
import { accessSync, constants, createReadStream, existsSync, statSync, type Stats } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkExport, exportLines, MAX_FAILURES } from '../engine/exportCheck.js';
import { auditLine } from '../projections/audit.js';
import { createProgress } from './progress.js';
import { exitStopped, STOP_SIGNALS } from './signals.js';
import { argumentError, typedPath } from './config.js';

// The language first, so that the help and the refusals of the command line are in it too: the last
// --lang given (--lang en, --lang=en); any other value is refused below, in Chinese.
const langs = process.argv.slice(2).flatMap((a, i, all) => (a === '--lang' ? [all[i + 1]] : a.startsWith('--lang=') ? [a.slice('--lang='.length)] : []));
const en = langs.at(-1) === 'en';
const t = (zh: string, english: string): string => (en ? english : zh);

const USAGE = t(
  `用法：npm run verify-export -- <审计导出文件.ndjson> [--quiet] [--list-all] [--lang zh|en]
逐行重算审计导出（GET /v1/audit/export）中每个案件事件的哈希，并检查同一案件的事件前后衔接（哈希与状态）。
发现的问题和予以采信的案件默认只列前 20 项；--list-all 列出全部（问题最多保留前 ${MAX_FAILURES} 处）。
报告、帮助和参数错误提示默认为中文；--lang en 为英文。`,
  `usage: npm run verify-export -- <audit-export.ndjson> [--quiet] [--list-all] [--lang zh|en]
Recomputes the hash of every case event of an audit export (GET /v1/audit/export), line by line, and checks that the events of each case chain (their hashes and states).
The problems found, and the cases taken on trust, are listed up to 20 of each; --list-all lists them all (of the problems, the first ${MAX_FAILURES}, all the check keeps).
The report, this help and the refusals of the command line are in Chinese by default; --lang en writes them in English.`,
);

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      quiet: { type: 'boolean', default: false },
      'list-all': { type: 'boolean', default: false },
      lang: { type: 'string', default: 'zh' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
} catch (err) {
  process.stderr.write(`${en ? `invalid arguments: ${(err as Error).message}` : argumentError(err)}\n${USAGE}\n`);
  process.exit(2);
}
const { values, positionals } = parsed;
if (values.lang !== 'zh' && values.lang !== 'en') {
  process.stderr.write(`参数有误：--lang 只能是 zh 或 en（收到：${values.lang}）\n${USAGE}\n`);
  process.exit(2);
}
if (values.help || positionals.length !== 1) {
  // What was wrong first, as the other tools say it (operations QA: two files given, the usage alone).
  const why = values.help ? '' : positionals.length === 0 ? t('参数有误：缺少审计导出文件\n', 'invalid arguments: no audit export file given\n') : t(`参数有误：多余的参数 ${positionals[1]}\n`, `invalid arguments: unexpected argument ${positionals[1]}\n`);
  (values.help ? process.stdout : process.stderr).write(`${why}${USAGE}\n`);
  process.exit(values.help ? 0 : 2);
}
const file = typedPath(positionals[0]!);
// A file, or what a shell hands over for one: a pipe (`<(curl …)`), a device (/dev/stdin, /dev/null).
const readable = (st: Stats) => st.isFile() || st.isFIFO() || st.isCharacterDevice();
if (!existsSync(file) || !readable(statSync(file))) {
  process.stderr.write(
    existsSync(file) && statSync(file).isDirectory()
      ? t(`${file} 是文件夹：请给出审计导出文件（NDJSON）的路径\n`, `${file} is a folder: give the path of an audit export file (NDJSON)\n`)
      : t(`找不到文件：${file}\n`, `no such file: ${file}\n`),
  );
  process.exit(2);
}

// A file it may not read is the caller's to fix (exit 2), not an export that failed its check (exit 1).
try {
  accessSync(file, constants.R_OK);
} catch (err) {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  process.stderr.write(t(`无法读取文件 ${file}（${code}）：请检查其权限\n`, `cannot read ${file} (${code}): check its permissions\n`));
  process.exit(2);
}

// Progress by bytes read: the number of lines is not known before the end.
const size = statSync(file).size;
const input = createReadStream(file);
// Stopped part-way, it says so, and that it reached no verdict (operations QA: exit 130 after the last
// progress line, nothing said, as replay, rebuild and backup say it).
for (const signal of STOP_SIGNALS) {
  process.on(signal, () =>
    exitStopped(
      signal,
      t(
        // A pipe has no size to read up to (it said 100000/0).
        `校验已中断（收到 ${signal}）：已读取 ${input.bytesRead}${size > 0 ? `/${size}` : ''} 字节，未得出结论；请重新运行 npm run verify-export`,
        `check stopped (${signal}): ${input.bytesRead}${size > 0 ? `/${size}` : ''} bytes read, no verdict reached; run npm run verify-export again`,
      ),
    ),
  );
}
const progress = createProgress(t('正在校验审计导出（字节）', 'checking the audit export (bytes)'), size, { enabled: !values.quiet && size > 0, lang: en ? 'en' : 'zh' });
async function* counted(): AsyncGenerator<Buffer> {
  for await (const chunk of input) {
    yield chunk as Buffer;
    progress.update(input.bytesRead);
  }
}
// Each line must show its stored event exactly as the server's export does (projections/audit.ts).
// Read in chunks, a line at a time, none longer than an export's lines can be (exportLines).
const result = await checkExport(exportLines(counted()), {
  expected: (stored) => auditLine({ ...stored, created: '' }),
});
progress.done();
// An export made before its lines carried what their hashes cover: not a failed check, one no file check can make.
if (result.withoutHashFields) {
  process.stderr.write(
    t(
      `${file} 中的案件事件行都不含重算哈希所需的字段（stream、metadata）：这是早期版本的审计导出格式，文件本身无法校验。请用当前版本从事件日志重新导出同一时段（GET /v1/audit/export）后校验，或在服务器上逐案校验（GET /v1/cases/:id/verify、npm run replay -- --all）\n`,
      `no case event line of ${file} holds the fields its hash is recomputed from (stream, metadata): an export of a release before its lines carried them, which the file alone cannot check. Export the same period again with the current release (GET /v1/audit/export) and check that, or verify each case on the server (GET /v1/cases/:id/verify, npm run replay -- --all)\n`,
    ),
  );
  process.exit(2);
}

// A file re-saved in another encoding (GBK) fails every line holding Chinese, each "possibly altered":
// told for what it is instead, as docs/verify_export.py tells it (a file to fix, exit 2). Looked for
// only when a check failed, so a whole export is read once; a pipe cannot be read again.
if (!result.ok && statSync(file).isFile() && !(await isUtf8File(file))) {
  process.stderr.write(
    t(
      `${file} 不是 UTF-8 编码的文本（可能被另存为 GBK 等其他编码）：请校验导出时得到的原始文件\n`,
      `${file} is not UTF-8 text (re-saved in another encoding, such as GBK?): check the file as it was exported\n`,
    ),
  );
  process.exit(2);
}

/**
 * Whether every byte of the file reads as UTF-8, but for a character cut short at its very end: a
 * download stopped part way, not another encoding — its whole lines are checked, and its last is named
 * as no JSON (compliance QA: told "re-saved as GBK?", exit 2, nothing checked), as docs/verify_export.py does.
 */
async function isUtf8File(path: string): Promise<boolean> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of createReadStream(path)) decoder.decode(chunk as Buffer, { stream: true });
  } catch {
    return false;
  }
  try {
    decoder.decode();
  } catch {
    // Only the end is cut inside a character.
  }
  return true;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const ordinal = (n: number) => `${n}${n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th')}`;
const lines = [
  t(
    `已读取 ${result.lines} 行：案件事件 ${result.caseEvents} 个（${result.cases} 个案件），其他事件 ${result.otherEvents} 个。`,
    `Read ${plural(result.lines, 'line')}: ${plural(result.caseEvents, 'case event')} (${plural(result.cases, 'case')}), ${plural(result.otherEvents, 'other event')}.`,
  ),
  result.ok
    ? t('全部哈希重算一致，各案件事件前后衔接。', 'Every hash recomputes, and the events of each case chain.')
    : t(`发现 ${result.failuresFound} 处问题：`, `Found ${plural(result.failuresFound, 'problem')}:`),
];
/** How many problems, and cases taken on trust, are listed without --list-all. */
const LISTED = 20;
const listAll = values['list-all'];
for (const f of listAll ? result.failures : result.failures.slice(0, LISTED)) {
  const where = en
    ? [f.line > 0 ? `line ${f.line}` : 'the file', f.caseId ? `case ${f.caseId}` : '', f.revision !== null ? `the event of revision ${f.revision} (the ${ordinal(f.revision + 1)})` : '']
        .filter(Boolean)
        .join(', ')
    : `${f.line > 0 ? `第 ${f.line} 行` : '文件'}${f.caseId ? ` 案件 ${f.caseId}` : ''}${f.revision !== null ? ` 版本 ${f.revision} 的事件（第 ${f.revision + 1} 个）` : ''}`;
  lines.push(`  ${where}${t('：', ': ')}${en ? f.reason.en : f.reason.zh}`);
}
// Counted in full, though only the first of them are kept: a file wrong throughout is not said to have 1,000 problems.
// Beyond what the check keeps, --list-all cannot list them: said so, with or without it.
const kept = result.failures.length;
if (listAll && result.failuresFound > kept) {
  lines.push(
    t(
      `  ……另有 ${result.failuresFound - kept} 处未列出：校验只保留前 ${MAX_FAILURES} 处问题`,
      `  … and ${result.failuresFound - kept} more not listed: the check keeps only the first ${MAX_FAILURES} problems`,
    ),
  );
} else if (!listAll && result.failuresFound > LISTED) {
  const rest = result.failuresFound - LISTED;
  lines.push(
    result.failuresFound > kept
      ? t(`  ……另有 ${rest} 处（加 --list-all 列出校验保留的前 ${MAX_FAILURES} 处）`, `  … and ${rest} more (add --list-all to list the first ${MAX_FAILURES}, all the check keeps)`)
      : t(`  ……另有 ${rest} 处（加 --list-all 列出全部）`, `  … and ${rest} more (add --list-all to list them all)`),
  );
}
// What the file alone could not check, as docs/verify_export.py says it: a case whose first line is not
// its start (the period began inside it) has that line's prevHash taken on trust — events cut before it
// would read the same. A case's verify on the server checks it whole.
if (result.trusted.length > 0) {
  lines.push(
    t(
      `其中 ${result.trusted.length} 个案件在文件中不是从起始事件开始（期间从案件中途开始），其第一行的 prevHash 予以采信，之前的事件无法由文件核对（可在服务器上 GET /v1/cases/:id/verify）：`,
      `${plural(result.trusted.length, 'case')} ${result.trusted.length === 1 ? 'does' : 'do'} not start at ${result.trusted.length === 1 ? 'its' : 'their'} first event in the file (the period begins inside them): the prevHash of each one's first line is taken on trust, and the events before it cannot be checked from the file (GET /v1/cases/:id/verify on the server can):`,
    ),
  );
  for (const c of listAll ? result.trusted : result.trusted.slice(0, LISTED)) lines.push(t(`  采信 ${c.stream} 自版本 ${c.revision} 起`, `  TRUST ${c.stream} from revision ${c.revision}`));
  if (!listAll && result.trusted.length > LISTED) {
    lines.push(t(`  ……另有 ${result.trusted.length - LISTED} 个（加 --list-all 列出全部）`, `  … and ${result.trusted.length - LISTED} more (add --list-all to list them all)`));
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
process.exitCode = result.ok ? 0 : 1;
