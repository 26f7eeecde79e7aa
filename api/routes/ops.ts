import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../app.js';
import { ADMIN, onlyRoles } from '../auth.js';
import { ApiError } from '../problem.js';
import { docText } from '../docText.js';
import { endOfShanghaiDate, LAST_NOTICE_YEAR } from '../../calendars/index.js';

/** PUT /v1/test/clock: moves the test clock and fires the timers whose time has come; only with WORKFLOW_TEST_CLOCK=1. */
export const testClockRoutes = (app: App): FastifyPluginAsyncZod => async (server) => {
  const testClock = app.testClock;
  if (!testClock) {
    // Off (always so in production): not in /docs, and 404 whatever is sent, before the body is read
    // or checked — a request learns nothing of a route that is not there.
    const off = () => new ApiError('NOT_FOUND', { zh: '测试时钟未开启', en: 'the test clock is off' });
    server.put(
      '/v1/test/clock',
      {
        schema: { hide: true },
        onRequest: async () => {
          throw off();
        },
      },
      async () => {
        throw off();
      },
    );
    return;
  }
  server.put(
    '/v1/test/clock',
    {
      schema: {
        operationId: 'setTestClock',
        summary: docText('测试时钟（仅在 WORKFLOW_TEST_CLOCK=1 时可用）', 'The test clock (only with WORKFLOW_TEST_CLOCK=1)'),
        body: z.strictObject({ now: z.iso.datetime({ offset: true }) }),
        response: { 200: z.object({ now: z.string(), fired: z.number().int() }) },
      },
      onRequest: onlyRoles(app.verifier, ADMIN, { zh: '只有管理员可以调整测试时钟', en: 'only an admin may move the test clock' }),
      config: {
        openapi: {
          responses: { 200: { description: docText('测试时钟的当前时间，以及触发了多少个已到时的定时器', 'the clock now, and how many timers whose time had come were fired') } },
          // Off, the route is not in this document: it answers 404 to anything.
          problems: ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'PAYLOAD_TOO_LARGE', 'UNAVAILABLE'],
          notes: {
            VALIDATION_FAILED: docText(
              `\`now\` 早于测试时钟的当前时间时也答此错误：测试时钟只能向前拨；晚于 ${LAST_NOTICE_YEAR} 年底（北京时间，可载入节假日安排的最后一年）时亦然`,
              `also when \`now\` is earlier than the test clock (it only moves forward), or past the end of ${LAST_NOTICE_YEAR}, Beijing time (the last year a holiday notice can be loaded for)`,
            ),
            FORBIDDEN: docText('只有管理员可以调整测试时钟；或令牌所指机构在机构目录中不是该类机构（管理员应为省公共数据开放主管部门，第六条）', 'only an admin may move the test clock; or the token names no organisation of its kind in the directory (an admin must be the provincial competent authority, Article 6)'),
          },
        },
      },
    },
    async (request) => {
      // Forward only: events stamped earlier than the ones before them would make a history that no
      // real clock could have written, and reports that count time backwards.
      const now = testClock.now();
      if (Date.parse(request.body.now) < now.getTime()) {
        const message = `不得早于测试时钟的当前时间 ${now.toISOString()}`;
        throw new ApiError('VALIDATION_FAILED', { zh: `测试时钟只能向前拨：body.now ${message}`, en: `the test clock only moves forward: body.now is before ${now.toISOString()}` }, { errors: [{ path: 'body.now', message }] });
      }
      // Nor past the last year a holiday notice can be loaded for: from there no deadline could ever be
      // counted again (every case CALENDAR_NOT_COVERED), and the clock could not be brought back.
      if (Date.parse(request.body.now) > Date.parse(endOfShanghaiDate(`${LAST_NOTICE_YEAR}-12-31`))) {
        const message = `不得晚于 ${LAST_NOTICE_YEAR} 年 12 月 31 日（北京时间）：节假日安排最多可载入到 ${LAST_NOTICE_YEAR} 年，此后无法计算任何期限，而测试时钟不能回拨`;
        throw new ApiError(
          'VALIDATION_FAILED',
          { zh: `测试时钟${message}`, en: `the test clock cannot be moved past ${LAST_NOTICE_YEAR}-12-31 (Beijing time): holiday notices can be loaded up to ${LAST_NOTICE_YEAR}, no deadline can be counted after it, and the clock cannot be moved back` },
          { errors: [{ path: 'body.now', message }] },
        );
      }
      testClock.set(request.body.now);
      const fired = await app.scheduler.fireDueTimers();
      return { now: testClock.now().toISOString(), fired };
    },
  );
};
