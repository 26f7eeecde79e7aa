/** `npm start`: the API on the configured store (the embedded SQLite store by default). */
import { configOrExit } from './config.js';
import { createApp, StartupRefusal, type App } from '../api/app.js';
import { buildServer } from '../api/server.js';

const config = configOrExit('服务未启动：', 1);
let app: App;
try {
  app = await createApp(config);
} catch (err) {
  if (!(err instanceof StartupRefusal)) throw err;
  process.stderr.write(`服务未启动：${err.message}\n`);
  process.exit(1);
}
const server = await buildServer(app);

const shutdown = async (signal: string) => {
  app.logger.info({ signal }, '正在停止服务');
  await server.close();
  await app.close();
  process.exit(0);
};
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));

// Timers (use periods that end) fire from the event log; a restart or a second node never fires one twice.
const TIMER_INTERVAL_MS = 60_000;
const fireTimers = () =>
  app.scheduler.fireDueTimers().then(
    (fired) => fired > 0 && app.logger.info({ fired }, '已触发到期的系统指令'),
    (err: unknown) => app.logger.error({ err }, '触发到期系统指令失败'),
  );
setInterval(fireTimers, TIMER_INTERVAL_MS).unref();
void fireTimers();

await server.listen({ port: config.port, host: config.host });
app.logger.info({ store: app.store.kind, dataDir: config.dataDir }, `工作流服务已启动：http://${config.host}:${config.port}`);
