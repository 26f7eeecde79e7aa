/** `npm start`: the API on the configured store (the embedded SQLite store by default). */
import type { AddressInfo } from 'node:net';
import { configOrExit } from './config.js';
import { createApp, type App } from '../api/app.js';
import { buildServer, listenText } from '../api/server.js';
import { checkDirectory, exitSaying } from './startupError.js';
import { makeDataDirectory } from '../infra/config.js';

const config = configOrExit('服务未启动：', 1);

/** A startup that failed: one line saying why (the stack only with DEBUG set), exit code 1. */
function refuse(err: unknown): never {
  return exitSaying('服务未启动：', err, config, 1);
}

let app: App | undefined;
let server: Awaited<ReturnType<typeof buildServer>>;
try {
  if (config.orgsPath) checkDirectory(config.orgsPath);
  makeDataDirectory(config.dataDir);
  app = await createApp(config);
  server = await buildServer(app);
} catch (err) {
  await app?.close().catch(() => {});
  refuse(err);
}
const started = app;

// A directory that lacks providers the stored cases name hides those cases from the authorities
// (their region is unknown): said at once, not found out by a reviewer missing cases.
const missing = started.readModels.providersNotInDirectory();
if (missing.length > 0) {
  const cases = missing.reduce((n, m) => n + m.cases, 0);
  started.logger.warn(
    { providers: missing.slice(0, 10), more: Math.max(0, missing.length - 10) },
    `组织目录中缺少 ${missing.length} 个提供单位（涉及 ${cases} 件案件）：其所在地区未知，主管部门及监管、审计人员无法按辖区看到这些案件，请检查 WORKFLOW_ORGS`,
  );
}

const shutdown = async (signal: string) => {
  started.logger.info({ signal }, '正在停止服务');
  await server.close();
  await started.close();
  process.exit(0);
};
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));

// Timers (use periods that end) fire from the event log; a restart or a second node never fires one twice.
const TIMER_INTERVAL_MS = 60_000;
const fireTimers = () =>
  started.scheduler.fireDueTimers().then(
    (fired) => fired > 0 && started.logger.info({ fired }, '已触发到期的系统指令'),
    (err: unknown) => started.logger.error({ err }, '触发到期系统指令失败'),
  );
setInterval(fireTimers, TIMER_INTERVAL_MS).unref();
void fireTimers();

try {
  await server.listen({ port: config.port, host: config.host, listenTextResolver: listenText });
} catch (err) {
  await started.close().catch(() => {});
  refuse(err);
}
// The port actually bound: with PORT=0 the system chooses one.
const { port } = server.server.address() as AddressInfo;
started.logger.info({ store: started.store.kind, dataDir: config.dataDir }, `工作流服务已启动：http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`);
