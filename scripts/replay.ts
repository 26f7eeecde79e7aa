/**
 * `npm run replay -- <caseId>`: a case's history as a readable timeline (Chinese labels, Asia/Shanghai
 * times, actors and organisations from the directory, deadlines opened and closed), then its
 * verification. `npm run replay -- --all`: verifies every case in the store; exit code 1 if any fails, or if there is none;
 * 2 if the data cannot be read (no store in the data folder, or one that cannot be opened).
 * Reads only: the store is opened as the API opens it (createApp(configOrExit())) and nothing is sent.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../api/app.js';
import { checkDirectory, exitSaying } from './startupError.js';
import { EngineError } from '../engine/errors.js';
import { systemClock } from '../infra/clock.js';
import { argumentError, configOrExit } from './config.js';
import { createLogger } from '../infra/logger.js';
import { createProgress } from './progress.js';
import { caseIdsInStore, timeline, verifyAll } from './demo/replay.js';

const USAGE = `用法：npm run replay -- <案件ID>     按时间线显示案件历史并校验
      npm run replay -- --all        校验事件库中的全部案件（任一失败，或一个案件也没有，则退出码为 1；无法读取数据则为 2）
数据目录由 WORKFLOW_DATA_DIR 指定（默认 ./data）。`;

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: { all: { type: 'boolean', default: false }, quiet: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
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

const config = configOrExit();
if (config.store === 'sqlite' && !existsSync(join(config.dataDir, 'events.db'))) {
  process.stderr.write(`数据目录 ${config.dataDir} 中没有事件库（events.db）。可先运行 npm run demo 生成演示数据。\n`);
  process.exit(2);
}
// What stops the API starting stops this too, said as plainly (a directory file missing, another
// process rebuilding the read models): one line, no stack trace.
let opened: Awaited<ReturnType<typeof createApp>>;
try {
  if (config.orgsPath) checkDirectory(config.orgsPath);
  // Replay signs and checks no token: without a configured secret it is given a throwaway one, so no
  // signing secret (dev-jwt-secret) is made in the data folder — a copy handed to compliance is left as it was.
  const replayConfig = config.jwtSecret !== undefined || config.jwksUrl !== undefined ? config : { ...config, jwtSecret: randomBytes(32).toString('hex') };
  opened = await createApp(replayConfig, { logger: createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }) });
} catch (err) {
  exitSaying('无法打开数据：', err, config, 2);
}
const app = opened;
try {
  if (values.all) {
    const ids = await caseIdsInStore(app);
    const progress = createProgress('正在校验案件', ids.length, { enabled: !values.quiet && ids.length > 0 });
    const result = await verifyAll(app, ids, (done) => progress.update(done));
    progress.done();
    const lines = [`已校验 ${result.total} 个案件：通过 ${result.verified}，失败 ${result.failed.length}。`];
    // Nothing read is nothing verified (as verify-export says of an empty file): a data folder typed wrong is not a pass.
    if (result.total === 0) lines.push(`事件库中没有任何案件（数据目录 ${config.dataDir}）：没有可校验的内容，请检查 WORKFLOW_DATA_DIR`);
    for (const f of result.failed.slice(0, 10)) {
      lines.push(`  ${f.caseId}${f.failedAt ? ` 版本 ${f.failedAt.revision} 的事件（第 ${f.failedAt.revision + 1} 个，${f.failedAt.type}）` : ''}：${f.reason}`);
    }
    if (result.failed.length > 10) lines.push(`  ……另有 ${result.failed.length - 10} 个`);
    process.stdout.write(`${lines.join('\n')}\n`);
    process.exitCode = result.failed.length > 0 || result.total === 0 ? 1 : 0;
  } else {
    // Case ids are lower-case UUIDs; one pasted in capitals names the same case.
    const caseId = positionals[0]!.toLowerCase();
    try {
      const { lines, verification } = await timeline(app, caseId, systemClock.now());
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
} finally {
  await app.close();
}
