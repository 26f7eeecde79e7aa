/** `npm start`: the API on the configured store (the embedded SQLite store by default). */
import { createServer as createProbe, type AddressInfo } from 'node:net';
import { configOrExit } from './config.js';
import type { App } from '../api/app.js';
import { keepFilesPrivate, makeDataDirectory } from '../infra/config.js';
import { applyServerHeapGrowth } from './heapGrowth.js';
import { exitStopped, handOverSignals, STOP_SIGNALS } from './signals.js';

// A stop asked for while the app opens (its read models may take minutes to rebuild after an upgrade):
// said, not a silent exit 143. What was folded is kept in batches; the next start goes on from there.
// Listened for from the first moment: the app's modules take a second to load.
const stoppedWhileStarting = (signal: NodeJS.Signals) =>
  exitStopped(signal, `服务启动中收到 ${signal}，已停止：尚未开始接受请求；读模型的准备已按批保存，下次启动时继续`);
for (const signal of STOP_SIGNALS) process.once(signal, stoppedWhileStarting);

// Before the store opens and requests come: under load, a full collection every few seconds otherwise (heapGrowth.ts).
const heapGrowingPercent = applyServerHeapGrowth();

const config = configOrExit('服务未启动：', 1);
keepFilesPrivate();
// The app (fastify, the machines, the store) is loaded once the settings are known good: a refused
// setting is said after about 0.7 s of CPU, not after loading it all (1.9 s).
const { createApp, noteStoreDamage } = await import('../api/app.js');
const { beginStopping, buildServer, listenText } = await import('../api/server.js');
const { checkDirectory, exitSaying, timerPassFailed } = await import('./startupError.js');
const { providersWithoutAuthority } = await import('../directory/jurisdiction.js');

/** A startup that failed: one line saying why (the stack only with DEBUG set), exit code 1. */
function refuse(err: unknown): never {
  return exitSaying('服务未启动：', err, config, 1);
}

/**
 * Whether the server could listen where it is told to, asked before the app opens: preparing the read models of
 * a long log takes seconds (minutes after an upgrade), with progress lines, and a port already taken was said
 * only after them (CI: 20,000 events took 8 s on a loaded host). The listen itself still answers for a port taken
 * in between. PORT=0 (the system chooses) is never taken.
 */
function probeListen(port: number, host: string): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createProbe();
    probe.once('error', reject);
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

let app: App | undefined;
let server: Awaited<ReturnType<typeof buildServer>>;
let missing: ReturnType<App['readModels']['providersNotInDirectory']>;
let stranded: ReturnType<App['readModels']['openTasksNotInDirectory']>;
let misassigned: ReturnType<App['readModels']['openTasksNoLongerTheirs']>;
try {
  if (config.orgsPath) checkDirectory(config.orgsPath);
  await probeListen(config.port, config.host);
  makeDataDirectory(config.dataDir);
  app = await createApp(config);
  server = await buildServer(app);
  // The first read of the case list: a store whose file opens but whose pages are damaged (copied
  // while its server ran) fails here, and is refused in one line like any other, not with a stack trace.
  missing = app.readModels.providersNotInDirectory();
  stranded = app.readModels.openTasksNotInDirectory();
  misassigned = app.readModels.openTasksNoLongerTheirs();
} catch (err) {
  await app?.close().catch(() => {});
  refuse(err);
}
const started = app;

// A directory that lacks providers the stored cases name hides those cases from the authorities
// (their region is unknown): said at once, not found out by a reviewer missing cases.
if (missing.length > 0) {
  const cases = missing.reduce((n, m) => n + m.cases, 0);
  started.logger.warn(
    { providers: missing.slice(0, 10), more: Math.max(0, missing.length - 10) },
    `机构目录中缺少 ${missing.length} 个提供单位（涉及 ${cases} 个案件）：其所在地区未知，除省级外，主管部门及监管、审计人员无法按辖区看到这些案件，请检查 WORKFLOW_ORGS`,
  );
}

// 机构改革 with the old entry dropped instead of kept with `successor`: its open tasks sit in an inbox
// no token may open (a re-coded 大数据局's reviews, say). Those another organisation may act on now are
// handed on below; the rest wait for the directory. Warned, not refused: refusing would stop every
// other case too, and an operator can fix the directory and restart.
if (stranded.length > 0) {
  const tasks = stranded.reduce((n, m) => n + m.tasks, 0);
  started.logger.warn(
    { orgs: stranded.slice(0, 10), more: Math.max(0, stranded.length - 10) },
    `机构目录中缺少 ${stranded.length} 个机构，有 ${tasks} 项未办结的待办分派给它们：按当前目录有其他机构可以办理的，现转给该机构；其余的没有人能在待办中看到，请在 WORKFLOW_ORGS 中保留这些机构，并以 successor 注明承接其职责的机构`,
  );
}

// 机构改革 of a provider alone (its duties passed to a unit of another level or city, its old bureau
// kept): open tasks stamped with a bureau that may no longer act on them sit in that bureau's inbox,
// refused there, while the bureau that may act does not find them. Said, and handed on below.
if (misassigned.length > 0) {
  const tasks = misassigned.reduce((n, m) => n + m.tasks, 0);
  started.logger.warn(
    { orgs: misassigned.slice(0, 10), more: Math.max(0, misassigned.length - 10) },
    `有 ${tasks} 项未办结的待办分派给按当前机构目录已无权办理的机构（${misassigned.slice(0, 3).map((m) => started.directory.nameOf(m.org)).join('、')}${misassigned.length > 3 ? '等' : ''}）：现转给 mayActNow 所列机构办理，期限不变，转办记入各案件的历史；mayActNow 为空的仍留原处，请核对 WORKFLOW_ORGS`,
  );
}

// 第六条: providers whose region has no 本级 主管部门 (a city's bureau left out of the directory): said at
// once, not learnt by each provider at its first submission (reform QA).
const unreviewed = providersWithoutAuthority(started.directory);
if (unreviewed.length > 0) {
  const providers = unreviewed.reduce((n, r) => n + r.providers.length, 0);
  started.logger.warn(
    { regions: unreviewed.slice(0, 10), more: Math.max(0, unreviewed.length - 10) },
    `机构目录中有 ${providers} 个开放主体没有本级公共数据开放主管部门（第六条；行政区划 ${unreviewed
      .slice(0, 5)
      .map((r) => `${r.region} 的 ${r.providers.length} 个`)
      .join('、')}${unreviewed.length > 5 ? '等' : ''}）：它们的开放数据无人审核，以它们为开放主体的有条件开放申请无法受理，请检查 WORKFLOW_ORGS`,
  );
}

/**
 * How long a stop waits for the requests under way before it cuts their connections: an audit export
 * to a client that stopped reading, a body sent a byte at a time (Node allows it 30 s). Within
 * `docker stop`'s 10 s, so that the store is still closed here, not the process killed.
 */
const SHUTDOWN_GRACE_MS = 8_000;
/**
 * The longest a stop goes on listening, answering every request 503 shuttingDown, before it closes
 * the listener: the connections already on their way in are answered instead of reset. It closes
 * sooner once none is coming in (beginStopping); this bounds it when a client opened a connection
 * and sends nothing.
 */
const SHUTDOWN_DRAIN_MS = 3_000;

// Listening before anything runs in the background: a port already taken is said alone (服务未启动：端口 …
// 已被占用), not after a warning that the timers' read of the log was cut short by a stop.
try {
  await server.listen({ port: config.port, host: config.host, listenTextResolver: listenText });
} catch (err) {
  await started.close().catch(() => {});
  refuse(err);
}

// The identity provider's key set, fetched once now (operations QA: a WORKFLOW_JWKS_URL answering 404,
// garbage or an untrusted certificate started without a word, and every request with a token was then
// 503 "try again shortly", which no wait mended). A warning, not a refusal: the platform may be down
// for a while, and the server answers once it is back.
void started.verifier.checkKeySet?.().then(
  (why) => {
    if (why !== undefined) {
      started.logger.warn(
        { jwksUrl: config.jwksUrl },
        `无法使用 WORKFLOW_JWKS_URL 所指的身份提供方公钥集：${why}。在它可用之前，带令牌的请求将答 503 identityProviderUnreachable（或 401）：请检查 WORKFLOW_JWKS_URL 与身份提供方`,
      );
    }
  },
  // A check that itself failed says nothing more than the first token will.
  () => undefined,
);

// Timers (use periods that end) fire from the event log; a restart or a second node never fires one twice.
const TIMER_INTERVAL_MS = 60_000;
let timerPass: Promise<unknown> = Promise.resolve();
// The pass logs how far it has come and how many it fired (Scheduler #fireTimers).
const fireTimers = () =>
  (timerPass = started.scheduler.fireDueTimers().then(
    () => undefined,
    (err: unknown) => {
      noteStoreDamage(started, err);
      timerPassFailed(started.logger, err, config, TIMER_INTERVAL_MS / 1000);
    },
  ));
const timerInterval = setInterval(fireTimers, TIMER_INTERVAL_MS);
timerInterval.unref();
void fireTimers();

// The tasks above, handed on in the background once the read models have read the log (each case
// apart, with progress): the server answers meanwhile.
const reassigning = started.handOnTasks().then(
  () => undefined,
  (err: unknown) => started.logger.error({ err }, '按当前机构目录重新分派待办失败，下次启动时重试'),
);

// One stop, whichever signals come (Ctrl-C, then SIGTERM from a supervisor): the store is closed once.
let stopping: Promise<void> | undefined;
const shutdown = (signal: string) => (stopping ??= stop(signal));
const stop = async (signal: string) => {
  started.logger.info({ signal }, '正在停止服务');
  // Keyed requests waiting for the log's keys (the first seconds after a start) are answered 503
  // shuttingDown now, not held until the grace below cuts them off unanswered.
  started.scheduler.index.stopKeyReads();
  const cutOff = setTimeout(() => {
    started.logger.warn({ graceMs: SHUTDOWN_GRACE_MS }, `停止服务：等待 ${SHUTDOWN_GRACE_MS / 1000} 秒后仍有请求未完成，已断开其连接（这些请求未得到完整回答）`);
    server.server.closeAllConnections();
  }, SHUTDOWN_GRACE_MS);
  await beginStopping(server, SHUTDOWN_DRAIN_MS, started.logger);
  await server.close();
  clearTimeout(cutOff);
  // A timer pass under way (a midnight burst: minutes) ends after the case it is on, before the store
  // closes under it; the next start fires the rest. Waited for whole, it held the stop past docker stop's 10 s.
  clearInterval(timerInterval);
  await started.scheduler.halt();
  await timerPass;
  await reassigning;
  await started.close();
  started.logger.info('服务已停止');
  process.exit(0);
};

// Listening: a stop is now the server's own. A signal that came while it was not yet (in its
// synchronous start-up work, or during the listen) is said as a stop while starting.
handOverSignals(STOP_SIGNALS, stoppedWhileStarting, (signal) => void shutdown(signal));
// The port actually bound: with PORT=0 the system chooses one.
const { port } = server.server.address() as AddressInfo;
started.logger.info({ store: started.store.kind, dataDir: config.dataDir, heapGrowingPercent }, `工作流服务已启动：http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`);
