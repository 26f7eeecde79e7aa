import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { newId } from '../engine/ids.js';
import type { App } from './app.js';
import { sendProblem, ApiError } from './problem.js';
import { healthRoutes } from './routes/health.js';
import { calendarRoutes } from './routes/calendar.js';

/** Request bodies are capped: the largest form is a few kilobytes. */
const BODY_LIMIT = 1024 * 1024;

/** The HTTP face of the app: parse, authorise, call, shape (ARCHITECTURE.md). */
export async function buildServer(app: App) {
  const server = Fastify({
    loggerInstance: app.logger,
    bodyLimit: BODY_LIMIT,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : newId();
    },
    requestIdHeader: false,
    disableRequestLogging: false,
  }).withTypeProvider<ZodTypeProvider>();
  server.setValidatorCompiler(validatorCompiler);
  server.setSerializerCompiler(serializerCompiler);
  server.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  server.setErrorHandler((err, request, reply) => sendProblem(reply, request, err));
  server.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, new ApiError('NOT_FOUND', { zh: `没有这个地址：${request.method} ${request.url}`, en: `no route ${request.method} ${request.url}` })),
  );

  await server.register(healthRoutes(app));
  await server.register(calendarRoutes(app));
  return server;
}
