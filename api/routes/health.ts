import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { storeTroubleOf, type App } from '../app.js';
import { ApiError } from '../problem.js';
import { docText } from '../docText.js';

export const healthRoutes = (app: App): FastifyPluginAsyncZod => async (server) => {
  server.get(
    '/health',
    {
      // A load balancer asks every few seconds for as long as the server runs: its answers are logged only when they fail (warn and above: a 5xx's error line).
      logLevel: 'warn',
      schema: {
        operationId: 'getHealth',
        summary: docText('服务状态', 'Service health'),
        // Open: no token.
        security: [],
        response: {
          200: z.object({
            status: z
              .enum(['ok', 'degraded'])
              .describe(
                docText(
                  'degraded：存储在上次成功写入后又写入失败，或发现事件库文件已损坏（见 `store.trouble`），事件库的后台检查点线程已停止（见 `store.checkpointerStopped`），读模型正在重建、清单、待办和报表答 503（见 `projections.rebuilding`），读模型已由更新版本的服务重建（见 `projections.newerBuild`），或存储的节假日安排通知已被改动（见 `calendarNoticesAltered`）',
                  "degraded: the store failed to write since its last good append, or its file was found damaged (`store.trouble`), the store's background checkpointer stopped (`store.checkpointerStopped`), the read models are being rebuilt and lists, inboxes and reports answer 503 (`projections.rebuilding`), a newer build rebuilt the read models (`projections.newerBuild`), or a stored holiday notice was altered (`calendarNoticesAltered`)",
                ),
              ),
            store: z.object({
              kind: z.string(),
              position: z.number().int(),
              trouble: z
                .object({ reason: z.string(), since: z.string() })
                .optional()
                .describe(
                  docText(
                    'storeFull、storeReadOnly、storeIo，或 storeDamaged（事件库文件已损坏，应从备份恢复；持续到重启）：在此期间指令答 503（storeDamaged：读写到损坏处的请求）。storeNotFlushed（持续到重启）时本接口本身答 503',
                    'storeFull, storeReadOnly, storeIo, or storeDamaged (the store\'s file is damaged: restore from a backup; until a restart): commands answer 503 meanwhile (storeDamaged: the requests that read or write where it is damaged). With storeNotFlushed (until a restart) this route itself answers 503',
                  ),
                ),
              checkpointerStopped: z
                .object({ since: z.string() })
                .optional()
                .describe(
                  docText(
                    '内嵌存储（SQLite）的后台检查点线程自 since 起已停止，直到重启服务：指令照常处理，数据不受影响，但由 SQLite 在提交时自行检查点，提交偶有停顿',
                    "the embedded (SQLite) store's background checkpointer stopped at since, until the server restarts: commands are taken and nothing is lost, but SQLite checkpoints inside commits, which stall now and then",
                  ),
                ),
            }),
            projections: z.object({
              position: z.number().int(),
              lag: z.number().int(),
              rebuilding: z
                .object({ done: z.number().int(), total: z.number().int() })
                .optional()
                .describe(
                  docText(
                    '读模型正在重建（在本服务中，或由 npm run rebuild）：在此期间读取读模型的请求答 503',
                    'a rebuild under way (here or by npm run rebuild): reads of the read models answer 503 meanwhile',
                  ),
                ),
              newerBuild: z
                .array(z.object({ name: z.string(), version: z.number().int(), ours: z.number().int() }))
                .optional()
                .describe(
                  docText(
                    '由更新版本的服务重建的读模型（其版本与本服务的版本）：本服务不能读取，读取读模型的请求答 503 upgradeRequired，直到本服务升级',
                    'read models a newer build rebuilt (their version and ours): this server cannot read them, and reads of the read models answer 503 upgradeRequired until it is upgraded',
                  ),
                ),
            }),
            calendarVersion: z.string(),
            calendarNoticesAltered: z
              .array(z.object({ revision: z.number().int(), position: z.number().int(), recorded: z.string(), recomputed: z.string() }))
              .optional()
              .describe(
                docText(
                  '内容已不是载入时内容的节假日安排通知（按其内容得出的日历版本与其记录的不同）：存储的内容可能已被改动，其后计算的期限可能不对',
                  'holiday notices whose content no longer gives the calendar version they recorded: the stored content may have been altered, and deadlines computed after them may be wrong',
                ),
              ),
          }),
        },
      },
      config: {
        openapi: {
          responses: { 200: { description: docText('存储和读模型：各自的位置，以及读模型的滞后', "the store and the read models: their positions and the read models' lag") } },
          problems: ['UNAVAILABLE'],
          notes: {
            UNAVAILABLE: docText(
              '服务不可用：正在停止（`reason` shuttingDown，附 Retry-After），无法连接 EventStoreDB（storeUnreachable），或事件库的日志未能写入磁盘、重启前不再接受指令（storeNotFlushed）',
              'out of service: stopping (`reason` shuttingDown, with Retry-After), EventStoreDB out of reach (storeUnreachable), or the store could not flush its log to disk and takes no command until restarted (storeNotFlushed)',
            ),
          },
        },
      },
    },
    async () => {
      const position = await app.store.headPosition();
      const newerBuild = app.readModels.newerBuild();
      const rebuilding = newerBuild ? undefined : app.readModels.rebuilding();
      const trouble = storeTroubleOf(app);
      // A node that takes no command until it is restarted is out of service: 503 storeNotFlushed, as
      // its commands are answered, so that a load balancer takes it out and a liveness probe restarts it
      // (operations QA: a 200 "degraded" kept it in rotation, and nothing restarted it).
      if (trouble?.reason === 'storeNotFlushed') {
        // Said for a probe, which sends no command (QA of this change: the commands' words, 本次及此后的指令, read oddly here).
        throw new ApiError(
          'UNAVAILABLE',
          {
            zh: `事件库自 ${trouble.since} 起未能把日志写入磁盘，服务已停止接受指令：请检查磁盘并重启服务`,
            en: `the event store could not flush its log to disk since ${trouble.since}, and the server takes no more commands: check the disk and restart the service`,
          },
          { reason: 'storeNotFlushed' },
        );
      }
      const stoppedSince = app.checkpointer.stoppedSince;
      const checkpointerStopped = stoppedSince ? { since: stoppedSince } : undefined;
      const altered = app.calendar.altered();
      return {
        // Rebuilding too (operations QA: during npm run rebuild beside it, lists, inboxes, reports and the
        // export answered 503 while `status` said ok; a dashboard keyed on it saw nothing).
        status: trouble || checkpointerStopped || rebuilding || newerBuild || altered.length > 0 ? ('degraded' as const) : ('ok' as const),
        store: { kind: app.store.kind, position, ...(trouble ? { trouble } : {}), ...(checkpointerStopped ? { checkpointerStopped } : {}) },
        projections: { ...(await app.readModels.health()), ...(rebuilding ? { rebuilding } : {}), ...(newerBuild ? { newerBuild } : {}) },
        // With the notices another node loaded: nodes that disagree show it here.
        calendarVersion: (await app.calendar.fresh()).version,
        ...(altered.length > 0 ? { calendarNoticesAltered: [...altered] } : {}),
      };
    },
  );
};
