import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../app.js';
import { callerOf } from '../auth.js';
import { ApiError } from '../problem.js';

/** PUT /v1/test/clock: moves the test clock and fires the timers whose time has come; only with WORKFLOW_TEST_CLOCK=1. */
export const testClockRoutes = (app: App): FastifyPluginAsyncZod => async (server) => {
  server.put(
    '/v1/test/clock',
    {
      schema: {
        summary: '测试时钟（仅在 WORKFLOW_TEST_CLOCK=1 时可用）',
        body: z.strictObject({ now: z.iso.datetime({ offset: true }) }),
        response: { 200: z.object({ now: z.string(), fired: z.number() }) },
      },
    },
    async (request) => {
      const testClock = app.testClock;
      if (!testClock) throw new ApiError('NOT_FOUND', { zh: '测试时钟未开启', en: 'the test clock is off' });
      const caller = await callerOf(request, app.verifier);
      if (caller.role !== 'admin') throw new ApiError('FORBIDDEN', { zh: '只有管理员可以调整测试时钟', en: 'only an admin may move the test clock' });
      testClock.set(request.body.now);
      const fired = await app.scheduler.fireDueTimers();
      return { now: testClock.now().toISOString(), fired };
    },
  );
};
