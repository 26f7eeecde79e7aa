/**
 * `npm run verify-export -- <audit.ndjson>`: checks an audit export (GET /v1/audit/export) on its
 * own, without the server or the store: every case event's hash is recomputed from the file, and
 * the events of each case must chain. Exit code 0 when all holds, 1 when something does not, 2 for
 * a usage error.
 */
import { accessSync, constants, createReadStream, existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkExport, exportLines } from '../engine/exportCheck.js';
import { auditLine } from '../projections/audit.js';
import { createProgress } from './progress.js';
import { argumentError } from './config.js';

const USAGE = `用法：npm run verify-export -- <审计导出文件.ndjson> [--quiet]
逐行重算审计导出（GET /v1/audit/export）中每个案件事件的哈希，并检查同一案件的事件前后衔接。`;

let parsed;
try {
  parsed = parseArgs({ allowPositionals: true, options: { quiet: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } });
} catch (err) {
  process.stderr.write(`${argumentError(err)}\n${USAGE}\n`);
  process.exit(2);
}
const { values, positionals } = parsed;
if (values.help || positionals.length !== 1) {
  (values.help ? process.stdout : process.stderr).write(`${USAGE}\n`);
  process.exit(values.help ? 0 : 2);
}
const file = positionals[0]!;
if (!existsSync(file) || !statSync(file).isFile()) {
  process.stderr.write(existsSync(file) && statSync(file).isDirectory() ? `${file} 是文件夹：请给出审计导出文件（NDJSON）的路径\n` : `找不到文件：${file}\n`);
  process.exit(2);
}

// A file it may not read is the caller's to fix (exit 2), not an export that failed its check (exit 1).
try {
  accessSync(file, constants.R_OK);
} catch (err) {
  process.stderr.write(`无法读取文件 ${file}（${(err as NodeJS.ErrnoException).code ?? ''}）：请检查其权限\n`);
  process.exit(2);
}

// Progress by bytes read: the number of lines is not known before the end.
const size = statSync(file).size;
const input = createReadStream(file);
const progress = createProgress('正在校验审计导出', size, { enabled: !values.quiet && size > 0 });
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
    `${file} 中的案件事件行都不含重算哈希所需的字段（stream、metadata）：这是早期版本的审计导出格式，文件本身无法校验。请用当前版本从事件日志重新导出同一时段（GET /v1/audit/export）后校验，或在服务器上逐案校验（GET /v1/cases/:id/verify、npm run replay -- --all）\n`,
  );
  process.exit(2);
}

const lines = [
  `已读取 ${result.lines} 行：案件事件 ${result.caseEvents} 个（${result.cases} 个案件），其他事件 ${result.otherEvents} 个。`,
  result.ok ? '全部哈希重算一致，各案件事件前后衔接。' : `发现 ${result.failuresFound} 处问题：`,
];
for (const f of result.failures.slice(0, 20)) {
  const where = `${f.line > 0 ? `第 ${f.line} 行` : '文件'}${f.caseId ? ` 案件 ${f.caseId}` : ''}${f.revision !== null ? ` 版本 ${f.revision} 的事件（第 ${f.revision + 1} 个）` : ''}`;
  lines.push(`  ${where}：${f.reason.zh}`);
}
// Counted in full, though only the first of them are kept: a file wrong throughout is not said to have 1,000 problems.
if (result.failuresFound > 20) lines.push(`  ……另有 ${result.failuresFound - 20} 处`);
process.stdout.write(`${lines.join('\n')}\n`);
process.exitCode = result.ok ? 0 : 1;
