import fp from 'fastify-plugin';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CaseEventMetadata } from '../../engine/index.js';
import { storeTroubleOf, type App } from '../app.js';
import { ANSWERED_ON_CONNECTION } from '../problem.js';
import { textAnswer, UNAVAILABLE_SHUTTING_DOWN } from '../openapi.js';
import { docText } from '../docText.js';

/**
 * GET /metrics: Prometheus text; one registry per app so tests can build many. The HELP of our own
 * metrics is Chinese, as the rest of the product is (the names stay as they are: alerts use them).
 * collectDefaultMetrics' (process_*, nodejs_*) keep prom-client's English. Not encapsulated
 * (fastify-plugin): its response hook must see every route's requests, not only its own.
 */
export const metricsRoutes = (app: App): FastifyPluginAsyncZod => fp(metricsPlugin(app), { name: 'workflow-metrics' });

const metricsPlugin = (app: App): FastifyPluginAsyncZod => async (server) => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'workflow_http_requests_total',
    help: 'HTTP 请求数，按方法、路由和状态码',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'workflow_http_request_duration_seconds',
    help: 'HTTP 请求耗时（秒），按方法和路由',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  // A 503's reason, which the status alone does not tell: a busy store (another process's write lock,
  // in no gauge), the identity provider unreachable, a rebuild, a stop. The reasons are the server's
  // own words (problem.ts), never a client's: the label set stays small.
  const unavailable = new Counter({
    name: 'workflow_http_unavailable_total',
    help: '答 503 的请求数，按原因（如 storeBusy、storeFull、identityProviderUnreachable、readModelsRebuilding、shuttingDown）',
    labelNames: ['reason'],
    registers: [registry],
  });
  const events = new Counter({
    name: 'workflow_events_appended_total',
    help: '本节点追加的事件数，按流程和指令',
    labelNames: ['process', 'command'],
    registers: [registry],
  });
  // The store read once per scrape, by the handler below. A store that cannot be read (EventStoreDB
  // down) failed the whole scrape (500): every metric was lost when it mattered most, and the service
  // looked down. Now the scrape answers, with workflow_store_up 0 and no position.
  let head: Promise<number | undefined> = Promise.resolve(undefined);
  new Gauge({
    name: 'workflow_store_up',
    help: '本次抓取时能否读取存储（能 1，否 0）',
    registers: [registry],
    async collect() {
      this.set((await head) === undefined ? 0 : 1);
    },
  });
  new Gauge({
    name: 'workflow_store_position',
    help: '存储中最后一个事件的全局位置',
    registers: [registry],
    async collect() {
      // Not 0 (a position it is not): NaN, which no threshold alert takes for a value.
      this.set((await head) ?? Number.NaN);
    },
  });
  // What /health tells a person, as gauges an alert can watch: a store that cannot write, read models
  // being rebuilt (lists, inboxes and reports answer 503 meanwhile) or behind the log.
  new Gauge({
    name: 'workflow_store_trouble',
    help: '存储自上次成功追加以来是否写入失败（是 1，否 0），按原因：storeFull、storeReadOnly、storeIo；storeNotFlushed 与 storeDamaged（事件库文件已损坏）持续到重启',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      const trouble = storeTroubleOf(app);
      if (trouble) this.set({ reason: trouble.reason }, 1);
    },
  });
  new Gauge({
    name: 'workflow_store_checkpointer_stopped',
    help: '内嵌存储的后台检查点线程是否已停止（是 1，否 0；持续到重启服务）：此后由 SQLite 在提交时自行检查点，提交偶有停顿',
    registers: [registry],
    collect() {
      this.set(app.checkpointer.stoppedSince ? 1 : 0);
    },
  });
  new Gauge({
    name: 'workflow_readmodels_rebuilding',
    help: '读模型是否正在重建（在本服务中，或由 npm run rebuild）（是 1，否 0）',
    registers: [registry],
    collect() {
      this.set(app.readModels.rebuilding() ? 1 : 0);
    },
  });
  // How far a rebuild has come, so that a dashboard shows it moving and an alert sees one that stalls
  // (a rebuild of millions of events takes minutes, and meanwhile lists and reports answer 503).
  new Gauge({
    name: 'workflow_readmodels_rebuild_progress',
    help: '读模型重建的进度（0 到 1：已处理的事件数除以要处理的事件数）；未在重建时为 NaN',
    registers: [registry],
    collect() {
      this.set(progressRatio(app.readModels.rebuilding()));
    },
  });
  // A holiday notice's load re-stating tens of thousands of cases takes minutes, its answer held until
  // the end: how far it has come, as the rebuild's progress above.
  new Gauge({
    name: 'workflow_calendar_restatement_progress',
    help: '载入节假日安排后重新核定案件期限的进度（0 到 1：已核对的案件数除以要核对的案件数）；未在核定时为 NaN',
    registers: [registry],
    collect() {
      this.set(progressRatio(app.scheduler.restatementProgress()));
    },
  });
  // 机构改革: the start hands on thousands of open tasks, case by case, while the server answers.
  new Gauge({
    name: 'workflow_directory_handon_progress',
    help: '按当前机构目录重新分派待办的进度（0 到 1：已处理的案件数除以要处理的案件数）；未在分派时为 NaN',
    registers: [registry],
    collect() {
      this.set(progressRatio(app.scheduler.handOnProgress()));
    },
  });
  new Gauge({
    name: 'workflow_readmodels_lag_events',
    help: '存储中读模型尚未处理的事件数（EventStoreDB 下最多计到 1000，读数为 1000 时实际可能更多）',
    registers: [registry],
    async collect() {
      // The store behind it unreadable: no lag to tell (NaN; workflow_store_up says why).
      this.set(
        await app.readModels.health().then(
          (health) => health.lag,
          () => Number.NaN,
        ),
      );
    },
  });
  // Stages past their legal deadline (第十九条) right now, by process: every process this server has
  // reads 0 until one is late, so a dashboard shows them all; no case and no organisation (a label each would grow without bound).
  new Gauge({
    name: 'workflow_tasks_overdue',
    help: '当前已超过期限仍未办结的环节数，按流程（第十九条；明细见逾期报表）；服务启动后尚未读完事件日志时为 NaN',
    labelNames: ['process'],
    registers: [registry],
    collect() {
      this.reset();
      // The server starting, its index not yet read from the log: not a count of the part read so far (NaN, as for no pass).
      if (!app.scheduler.index.loaded) {
        for (const name of app.registry.names()) this.set({ process: name }, Number.NaN);
        return;
      }
      const overdue = app.scheduler.index.overdueByProcess(app.clock.now());
      for (const name of new Set([...app.registry.names(), ...overdue.keys()])) this.set({ process: name }, overdue.get(name) ?? 0);
    },
  });
  // A midnight burst (thousands of uses ending on one day) keeps workflow_timers_due above 0 for
  // minutes while the pass works: how far it has come tells a long pass from one that has stopped.
  new Gauge({
    name: 'workflow_timers_pass_progress',
    help: '触发到期系统指令的定时检查的进度（0 到 1：已处理的到期指令数除以本次检查开始时到期的指令数）；未在触发时为 NaN',
    registers: [registry],
    collect() {
      this.set(progressRatio(app.scheduler.timerPassProgress()));
    },
  });
  // Due system commands (a use period's end) the timer pass has not sent: it fails, or has stopped.
  // While the server starts on a long log (15 s at 1,000,000 events) its index holds only the part read
  // so far: NaN, not an under-count a dashboard or an alert would take for the truth.
  new Gauge({
    name: 'workflow_timers_due',
    help: '时间已到但尚未执行的系统指令数（如使用期满）：持续大于 0 说明定时检查失败或未运行；服务启动后尚未读完事件日志时为 NaN',
    registers: [registry],
    collect() {
      this.set(app.scheduler.index.loaded ? app.scheduler.index.countDue(app.clock.now()) : Number.NaN);
    },
  });
  // An identity provider gone: the keys fetched before answer for up to an hour, so requests do not show it until then.
  new Gauge({
    name: 'workflow_identity_provider_unreachable',
    help: '身份提供方（JWKS）的密钥集上次是否获取失败（是 1，否 0）：期间沿用此前获取的密钥，最多 1 小时，此后新的登录凭证答 503',
    registers: [registry],
    collect() {
      this.set(app.verifier.keySetUnreachableSince?.() ? 1 : 0);
    },
  });
  app.engine.onAppended((event) => {
    const m = event.metadata as unknown as CaseEventMetadata;
    events.inc({ process: m.process, command: m.command });
  });

  server.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode === 503) unavailable.inc({ reason: reasonOf(payload) });
    return payload;
  });
  // Answers written before any route's (a body too slow, 408; headers too large, 431), counted alike.
  server.server.on(ANSWERED_ON_CONNECTION, (status: number, method: string, route: string) => {
    requests.inc({ method, route, status: String(status) });
  });
  server.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  server.get(
    '/metrics',
    {
      // Prometheus scrapes every 15 s or so: its answers are logged only when they fail (warn and above: a 5xx's error line).
      logLevel: 'warn',
      // Open, as Prometheus scrapes it: no token.
      schema: { operationId: 'getMetrics', summary: docText('Prometheus 指标', 'Prometheus metrics'), security: [] },
      config: {
        openapi: {
          responses: {
            200: textAnswer(
              docText(
                'Prometheus 文本格式（text/plain; version=0.0.4）：按路由和状态码统计的请求数及其耗时、按原因统计的 503 应答数、追加的事件数、存储位置、存储故障、按流程统计的逾期环节、尚未执行的到期系统指令、身份提供方能否访问、读模型重建及其滞后，以及进程指标',
                'Prometheus text exposition (text/plain; version=0.0.4): requests by route and status, their latency, 503 answers by reason, events appended, the store position, store trouble, overdue stages by process, due system commands not yet sent, the identity provider unreachable, read models rebuilding and their lag, the process',
              ),
              'text/plain',
            ),
          },
          problems: ['UNAVAILABLE'],
          notes: { UNAVAILABLE: UNAVAILABLE_SHUTTING_DOWN },
        },
      },
    },
    async (_request, reply) => {
      head = app.store.headPosition().then(
        (position) => position,
        () => undefined,
      );
      // prom-client 15 writes a value not known yet as `Nan`; the text format says `NaN` (strict
      // OpenMetrics parsers refuse the other spelling; Prometheus reads either).
      return reply.type(registry.contentType).send((await registry.metrics()).replace(/ Nan$/gm, ' NaN'));
    },
  );
};

/** The `reason` of a 503 problem as sent (JSON text); `unknown` for any other body, or a reason not made of letters. */
function reasonOf(payload: unknown): string {
  if (typeof payload !== 'string') return 'unknown';
  try {
    const reason = (JSON.parse(payload) as { reason?: unknown }).reason;
    return typeof reason === 'string' && /^[A-Za-z]{1,40}$/.test(reason) ? reason : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Work under way as a gauge reads it: done over total, 0 to 1; NaN when none is under way (no alert takes NaN for a value). */
function progressRatio(work: { done: number; total: number } | undefined): number {
  if (!work) return Number.NaN;
  return work.total > 0 ? Math.min(1, work.done / work.total) : 0;
}
