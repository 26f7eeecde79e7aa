/**
 * `npm run demo [-- --cases 3000] [--seed N] [--reset] [--quiet]`: fills the embedded store
 * (WORKFLOW_DATA_DIR, default ./data) with a realistic Shandong year of cases of all five
 * processes, every one created through the engine, then prints counts, tokens and curl lines.
 * Refuses a store that already has events unless `--reset` (which deletes only the store files).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Directory } from '../directory/directory.js';
import { argumentError, configOrExit } from './config.js';
import { keepFilesPrivate } from '../infra/config.js';
import { storeInUse } from './storeInUse.js';
import { refuseForeignLog } from '../eventstore/sqlite.js';
import { checkDirectory, exitSaying } from './startupError.js';
import { exitStopped, STOP_SIGNALS } from './signals.js';
import { registry } from '../machines/registry.js';
import { accessLines, summaryLines } from './demo/report.js';
import { DEFAULT_CASES, DEFAULT_SEED, DemoRefusedError, runDemo } from './demo/run.js';

const USAGE = `用法：npm run demo -- [--cases N（约 N 个案件，默认 ${DEFAULT_CASES}）] [--seed N（默认 ${DEFAULT_SEED}）] [--reset] [--quiet]
  --reset  先删除数据目录中的事件库文件（events.db、events.db-wal、events.db-shm、readmodels.db）
  --quiet  不显示进度条
数据目录由 WORKFLOW_DATA_DIR 指定（默认 ./data）。`;

let values;
try {
  ({ values } = parseArgs({
    options: {
      cases: { type: 'string' },
      seed: { type: 'string' },
      reset: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (err) {
  process.stderr.write(`${argumentError(err)}\n${USAGE}\n`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const wholeNumber = (text: string | undefined, name: string, fallback: number, min: number): number => {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) {
    process.stderr.write(`${name} 应为不小于 ${min} 的整数：${text}\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
};
const cases = wholeNumber(values.cases, '--cases', DEFAULT_CASES, 1);
const seed = wholeNumber(values.seed, '--seed', DEFAULT_SEED, 0);

// Deleting (--reset) or filling a store a running server has open would lose what it acknowledges next.
const config = configOrExit();
keepFilesPrivate();
// A directory npm start would refuse (no provincial bureau, say) is refused here as it is there, before
// anything is made (QA: "no authority for region 370000", in English, from deep in the demo).
let checked: Directory | undefined;
if (config.orgsPath) {
  try {
    checked = checkDirectory(config.orgsPath);
  } catch (err) {
    exitSaying('演示数据未能生成：', err, config, 1);
  }
}
const storeFile = join(config.dataDir, 'events.db');
// Not even to see whether a server has it open: a backup restored beside the replaced store's log is
// damaged by any opening (README "To restore"). With --reset every file of the store goes anyway.
if (config.store === 'sqlite' && !values.reset) {
  try {
    refuseForeignLog(storeFile);
  } catch (err) {
    exitSaying('演示数据未能生成：', err, config, 1);
  }
}
if (config.store === 'sqlite' && existsSync(storeFile) && storeInUse(storeFile)) {
  process.stderr.write(
    `数据目录 ${config.dataDir} 中的事件库正被另一个进程打开（例如正在运行的 npm start）。` +
      `请先停止该进程，再运行 npm run demo${values.reset ? ' -- --reset' : ''}；事件库未做任何改动。\n`,
  );
  process.exit(1);
}

// Stopped part-way, it says what it left (operations QA: exit 130 without a word, a partial year in the
// store, and the next npm run demo refused it, 已有事件, until --reset).
for (const signal of STOP_SIGNALS) {
  process.on(signal, () =>
    exitStopped(signal, `演示数据生成已中断（收到 ${signal}）：事件库中留下了已生成的部分数据。重新生成请运行 npm run demo -- --reset（先删除数据目录中的事件库）`),
  );
}

try {
  const result = await runDemo({
    cases,
    seed,
    reset: values.reset,
    progress: !values.quiet,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  // The directory checked above (the demo's settings are these), not read a second time.
  const directory = checked ?? Directory.load();
  process.stdout.write(`${[...summaryLines(result, registry), ...(await accessLines(result, directory))].join('\n')}\n`);
} catch (err) {
  if (err instanceof DemoRefusedError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  // The data folder or its store (not writable, not a database, EventStoreDB out of reach): one line
  // saying so, as npm start says it; the stack only with DEBUG=1.
  exitSaying('演示数据未能生成：', err, config, 1);
}
