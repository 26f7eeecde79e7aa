import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import Fastify, { LogController, type ConnectionError, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { newId } from '../engine/ids.js';
import { elapsedMs } from '../infra/clock.js';
import { noteStoreDamage, noteStoreFailure, type App } from './app.js';
import { authenticatedCaller, callerOf } from './auth.js';
import { sendProblem, ApiError, fastifyText, connectionProblem, inLanguage, langOf, shuttingDown, wireProblem, ANSWERED_ON_CONNECTION, SINGLE_VALUE } from './problem.js';
import { urlForLogs, valueForLogs, type Logger } from '../infra/logger.js';
import { cutShort, formatMessage, unknownFields } from '../machines/schemas.js';
import { PLUS_AS_SPACE_HINT, writtenPlusAsSpace } from './shape.js';
import { BODY_LIMIT_BYTES } from './limits.js';
import { healthRoutes } from './routes/health.js';
import { calendarRoutes } from './routes/calendar.js';
import { caseRoutes } from './routes/cases.js';
import { processRoutes } from './routes/processes.js';
import { testClockRoutes } from './routes/ops.js';
import { metricsRoutes } from './routes/metrics.js';
import { workRoutes } from './routes/work.js';
import compress from '@fastify/compress';
import swagger from '@fastify/swagger';
import cors, { type FastifyCorsOptions } from '@fastify/cors';
import { openapiHooks, UNAVAILABLE_SHUTTING_DOWN } from './openapi.js';
import { docText, documentInEnglish } from './docText.js';

// Validation messages are Chinese by default (API.md "Errors"); machines' own messages already are.
// The commonest ones in plain words first (zod's are "期望 nonoptional，实际接收 undefined"), the
// locale's for the rest.
z.config({ ...z.locales.zhCN(), customError: plainMessage });

const DATETIME_PLUS_AS_SPACE = `应为带 Z 或时区偏移的 ISO-8601 时刻；${PLUS_AS_SPACE_HINT}，例如 2026-06-01T00:00:00%2B08:00`;

function plainMessage(issue: z.core.$ZodRawIssue): string | undefined {
  const i = issue as { code?: string; input?: unknown; expected?: string; origin?: string; maximum?: unknown; minimum?: unknown };
  switch (i.code) {
    case 'invalid_type':
      if (i.input === undefined) return '必填';
      // A query parameter given twice (?process=a&process=b) arrives as a list: "应为文本" left the sender
      // looking at a value that was text.
      if (Array.isArray(i.input) && (i.expected === 'string' || i.expected === 'number' || i.expected === 'int' || i.expected === 'boolean')) return SINGLE_VALUE;
      if (i.expected === 'int') return '应为整数';
      if (i.expected === 'number') return '应为数字';
      if (i.expected === 'string') return '应为文本';
      if (i.expected === 'object') return '应为 JSON 对象';
      if (i.expected === 'array') return '应为列表';
      if (i.expected === 'boolean') return '应为 true 或 false';
      return undefined;
    case 'too_big':
      if (i.origin === 'string') return `不超过 ${String(i.maximum)} 个字符`;
      if (i.origin === 'number') return `不大于 ${String(i.maximum)}`;
      // Past the safe integers (an `int`'s own bound): zod's words name the type, "期望 int <=9007199254740991".
      if (i.origin === 'int') return `不大于 ${String(i.maximum)}`;
      if (i.origin === 'array') return `不超过 ${String(i.maximum)} 项`;
      return undefined;
    case 'too_small':
      if (i.origin === 'string') return Number(i.minimum) <= 1 ? '不能为空' : `至少 ${String(i.minimum)} 个字符`;
      if (i.origin === 'number') return `不小于 ${String(i.minimum)}`;
      if (i.origin === 'int') return `不小于 ${String(i.minimum)}`;
      if (i.origin === 'array') return Number(i.minimum) <= 1 ? '至少填写一项' : `至少 ${String(i.minimum)} 项`;
      return undefined;
    case 'invalid_format':
      // zod's locale names the format in English ("无效URL") or quotes the pattern ("必须满足正则表达式 /^\d{4}…/").
      switch ((issue as { format?: string }).format) {
        case 'datetime':
          // A `+` written as is in a URL arrives as a space: the example would fail the same way.
          if (typeof i.input === 'string' && writtenPlusAsSpace(i.input)) return DATETIME_PLUS_AS_SPACE;
          // Typed full-width, or pasted with a space: said so (machines/schemas.ts formatMessage), as in the forms.
          // Its example ends in Z: one with +08:00, pasted into a query, came back refused (docs QA).
          return formatMessage('应为带 Z 或时区偏移的 ISO-8601 时刻，例如 2026-06-01T00:00:00Z', i.input);
        case 'date':
          return formatMessage('应为有效日期，格式 YYYY-MM-DD', i.input);
        case 'url':
          return '应为网址';
        case 'email':
          return '电子邮箱格式不正确';
        case 'regex':
          return '格式不正确';
        default:
          return undefined;
      }
    case 'invalid_value': {
      const values = (issue as { values?: unknown[] }).values;
      return Array.isArray(values) && values.length > 0 ? `应为以下之一：${values.map(String).join('、')}` : undefined;
    }
    case 'unrecognized_keys':
      return unknownFields((issue as { keys?: string[] }).keys ?? []);
    default:
      return undefined;
  }
}

/**
 * Where a body that is valid JSON holds a key secure JSON parsing refuses: `__proto__`, or `constructor`
 * holding `prototype` (the check of secure-json-parse); undefined when it holds none, or is not JSON.
 */
function forbiddenKeyIn(body: string): { path: string; key: '__proto__' | 'constructor' } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  // Breadth first, as secure-json-parse looks; objects only, read by index (a body may hold a long list).
  // Each node keeps its key and its parent's index: the path is spelt for the one node found, not for all.
  const pending: { node: object; key: string; parent: number }[] = [];
  const visit = (node: unknown, key: string, parent: number) => {
    if (node !== null && typeof node === 'object') pending.push({ node, key, parent });
  };
  visit(value, 'body', -1);
  for (let i = 0; i < pending.length; i++) {
    const { node } = pending[i]!;
    if (Object.hasOwn(node, '__proto__')) return { path: pathTo(pending, i, '__proto__'), key: '__proto__' };
    const ctor = (node as { constructor?: unknown }).constructor;
    if (Object.hasOwn(node, 'constructor') && ctor !== null && typeof ctor === 'object' && Object.hasOwn(ctor, 'prototype')) {
      return { path: pathTo(pending, i, 'constructor'), key: 'constructor' };
    }
    for (const [key, child] of Object.entries(node)) visit(child, key, i);
  }
  return undefined;
}

/** Keys of a path a problem spells out at both ends; the middle of a deeper one is `…`. */
const PATH_ENDS = { head: 6, tail: 3 };

/**
 * The path of `pending[at]`'s key `last`, as `body.input.evidence.0.__proto__`, each key cut short
 * (`cutShort`), and a path of more keys than `PATH_ENDS` holds cut in the middle: a body nested
 * 300,000 deep spelt its whole path twice in a 400 of 1.2 MB (security QA).
 */
function pathTo(pending: readonly { key: string; parent: number }[], at: number, last: string): string {
  const keys = [last];
  for (let i = at; i >= 0; i = pending[i]!.parent) keys.push(pending[i]!.key);
  keys.reverse();
  const shown = keys.length <= PATH_ENDS.head + PATH_ENDS.tail + 1 ? keys : [...keys.slice(0, PATH_ENDS.head), '…', ...keys.slice(-PATH_ENDS.tail)];
  return shown.map((key) => cutShort(key)).join('.');
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as UTF-8 text, or undefined when they are not UTF-8. */
function utf8(raw: Buffer): string | undefined {
  try {
    return UTF8.decode(raw);
  } catch {
    return undefined;
  }
}

/** A body declared in another charset (`foreign`), or whose bytes are not UTF-8 (a GBK body sent as JSON). */
function notUtf8Problem(foreign: string | undefined): ApiError {
  const message = foreign !== undefined ? `须以 UTF-8 编码发送（声明的字符集为 ${foreign}）` : '不是有效的 UTF-8 编码：请以 UTF-8 发送 JSON（如从 GBK 文本转换）';
  const en = foreign !== undefined ? `must be sent in UTF-8 (the declared charset is ${foreign})` : 'is not valid UTF-8: send JSON in UTF-8 (converting from GBK, say)';
  return new ApiError('VALIDATION_FAILED', { zh: `请求体${message}`, en: `the body ${en}` }, { errors: [{ path: 'body', message }] });
}

function forbiddenKeyProblem({ path, key }: { path: string; key: '__proto__' | 'constructor' }): ApiError {
  const message = key === '__proto__' ? '不允许使用 __proto__ 作为字段名' : '不允许 constructor 字段中含有 prototype';
  const en = key === '__proto__' ? 'a "__proto__" key is not allowed' : 'a "constructor" key holding "prototype" is not allowed';
  return new ApiError('VALIDATION_FAILED', { zh: `请求体不符合要求：${path} ${message}`, en: `${en} (${path})` }, { errors: [{ path, message }] });
}

/**
 * Whether a request is for a /v1 address, as the router reads it: by the route it matched (the raw
 * URL may spell the path `/%761/…`, or come in absolute form `http://host/v1/…`), and when none
 * matched, by its decoded path, so that which /v1 routes exist is not told to an anonymous caller.
 */
function underV1(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  if (route !== undefined) return route.startsWith('/v1/');
  return pathUnderV1(request.url);
}

/** Whether a request target (origin or absolute form) has a /v1 path, its escapes decoded; before fastify has read it too. */
function pathUnderV1(target: string): boolean {
  let raw: string;
  try {
    raw = new URL(target, 'http://localhost').pathname;
  } catch {
    return false;
  }
  try {
    return decodeURIComponent(raw).startsWith('/v1/');
  } catch {
    // A broken escape further on (the router refuses it): the prefix is what it is.
    return raw.startsWith('/v1/');
  }
}

/** The fastify request of each request Node is still reading: its id and route, for the line and count of a connection error's answer. */
const readingOf = new WeakMap<IncomingMessage, FastifyRequest>();

/**
 * A connection whose request Node could not read (a timeout, headers over the limit, a malformed
 * request line or header) is answered as a problem, like every other answer, and closed. As Node
 * does it itself: nothing to answer on a reset or closed socket, and no bytes written where an answer
 * to an earlier request on the connection has begun (they would corrupt it).
 */
function answerConnectionError(logger: Logger, err: ConnectionError, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  // Bytes after a request that closes the connection (its Connection: close): RFC 9112 §9.6, nothing
  // more is read there. They were answered a bare 400 and the socket destroyed, while that request
  // was still being worked on: a command stored, its 201 never sent. Its answer goes out, then Node closes.
  if (err.code === 'HPE_CLOSED_CONNECTION') return;
  logger.debug({ err }, '客户端连接出错');
  // Node's own fields: the answer being written on the socket (its headers sent or not), and the request it answers.
  const { _httpMessage: pending, server } = socket as Socket & { _httpMessage?: { _headerSent?: boolean; req?: IncomingMessage } | null; server?: { emit(event: string, ...args: unknown[]): boolean } };
  if (socket.writable && pending?._headerSent !== true) {
    const { status, body } = connectionProblem(err.code);
    const json = JSON.stringify(body);
    // A request fastify had begun (its headers read, its body too slow: 408) had its 收到请求 line and no
    // other, and no count: its answer is told as its completion, under its request id. One no route read
    // (a request line Node could not parse, raw non-ASCII in its address) gets an id of its own, said in
    // its answer and its log line as every other answer's: it had neither (operators' QA).
    const known = pending?.req ? readingOf.get(pending.req) : undefined;
    const id = known?.id ?? newId();
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(json)}\r\nX-Request-Id: ${id}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${json}`,
    );
    if (known) known.log.info({ res: { statusCode: status }, code: err.code }, '请求未能读完，已作答并关闭连接');
    else logger.info({ reqId: id, res: { statusCode: status }, code: err.code }, '请求无法解析，已作答并关闭连接');
    server?.emit(ANSWERED_ON_CONNECTION, status, known?.method ?? 'unknown', known?.routeOptions.url ?? 'unmatched');
  }
  socket.destroy(err);
}

/**
 * Who asked, for a request's completion line: reads of personal data are traced to a person, not
 * only writes through their events (个人信息保护法 第五十一条). An applicant's org is its own code, a
 * natural person's 身份证号: not written (its sub names the caller). Nothing for a request never
 * authenticated. (On the completion line alone: a child logger per request cost 7.5 µs.)
 */
function loggedCaller(request: FastifyRequest): { caller: { sub: string; role: string; org: string } } | undefined {
  const caller = authenticatedCaller(request);
  return caller && { caller: { sub: valueForLogs(caller.sub), role: caller.role, org: valueForLogs(caller.org) } };
}

/** Requests whose end is logged (请求完成, 请求出错, 回答未发送完…): see ChineseLogController.answerClosed. */
const endLogged = new WeakSet<FastifyReply>();

/**
 * Fastify's own log lines, in Chinese as the server's other logs are (fastify writes them in English:
 * "incoming request", "request completed"). The same fields: the request id (`reqId`, the events'
 * correlation id), the request (`req`: method, url, …), the answer's status (`res.statusCode`) and
 * `responseTime` in milliseconds.
 */
class ChineseLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (!this.isLogDisabled(request)) request.log.info({ req: request }, '收到请求');
  }
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    endLogged.add(reply);
    if (this.isLogDisabled(request)) return;
    const caller = loggedCaller(request);
    if (error) reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime, ...caller }, '请求出错');
    else reply.log.info({ res: reply, responseTime: reply.elapsedTime, ...caller }, '请求完成');
  }
  override defaultErrorLog(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    if (reply.statusCode >= 500) reply.log.error({ req: request, res: reply, err: error }, '请求处理出错');
    else reply.log.info({ res: reply, err: error }, '请求被拒绝');
  }
  override streamError(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    if ((error as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE') {
      // Said once: answerClosed may have said it when the client went before the body was begun.
      if (!endLogged.has(reply)) reply.log.info({ res: reply }, '回答未发送完，连接已提前关闭');
      endLogged.add(reply);
    } else reply.log.warn({ err: error }, '回答头已发送后出错，回答已中止');
  }
  /**
   * Fastify logs a request's end on its answer's 'finish' (请求完成), or on its streamed body's cut
   * while the body is open (streamError). An answer whose connection closed before it finished had
   * neither when the client went while the request was worked on (a command that took long) and the
   * answer was no stream, or when a compressed export's compressor had ended before the download was
   * cancelled: its log stopped at 收到请求. Called on the answer's 'close'; said once fastify's own
   * listeners have run.
   */
  answerClosed(request: FastifyRequest, reply: FastifyReply): void {
    if (reply.raw.writableFinished) return;
    setImmediate(() => {
      if (endLogged.has(reply) || this.isLogDisabled(request)) return;
      endLogged.add(reply);
      const answer = reply.raw.headersSent ? { res: reply } : {};
      reply.log.info({ ...answer, responseTime: reply.elapsedTime, ...loggedCaller(request) }, '回答未发送完，连接已提前关闭');
    });
  }
  override routeNotFound(request: FastifyRequest): void {
    if (!this.isLogDisabled(request)) request.log.info(`没有这个地址：${request.raw.method} ${urlForLogs(request.raw.url ?? '')}`);
  }
  override writeHeadError(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    if (!this.isLogDisabled(request)) reply.log.warn({ req: request, res: reply, err: error }, '写入回答头失败');
  }
  override serializerError(error: Error, request: FastifyRequest, reply: FastifyReply, metadata: { statusCode: number }): void {
    if (!this.isLogDisabled(request)) reply.log.error({ err: error, statusCode: metadata.statusCode }, '按状态码序列化回答失败');
  }
  override serviceUnavailable(logger: Logger): void {
    logger.info({ res: { statusCode: 503 } }, '服务正在停止，拒绝新请求');
  }
}

/**
 * @fastify/compress logs a client that stops reading a compressed answer (a download cancelled, a
 * tab closed) as an error of its own — "premature close", in English, with a stack — beside fastify's
 * info line for it (ChineseLogController.streamError): an alert on errors paged at every cancelled
 * export. The reply's logger it writes through keeps that one at debug.
 */
function quietPrematureClose(reply: FastifyReply): void {
  const log = reply.log;
  const quiet = Object.create(log) as typeof log;
  quiet.error = ((obj: unknown, ...rest: unknown[]) => {
    if (obj instanceof Error && obj.message === 'premature close') return log.debug({ err: obj }, '压缩中的回答未发送完，连接已提前关闭');
    return (log.error as (...args: unknown[]) => void)(obj, ...rest);
  }) as typeof log.error;
  reply.log = quiet;
}

/** Servers that have begun to stop: every request they read from then on is answered 503 shuttingDown. */
const stopping = new WeakSet<object>();

/** What a server knows of the connections coming in: those accepted whose first request is not read yet, and when the last came. */
interface Arrivals {
  unread: Set<Socket>;
  lastAcceptedAt: number;
  /** Set once a stop has waited for them: a connection still coming in is closed at once. */
  drained: boolean;
}
const arrivalsOf = new WeakMap<object, Arrivals>();

/** How long no connection must have come in before a stop closes the listener. */
const DRAIN_QUIET_MS = 250;
/** How often a stop looks at the connections still coming in. */
const DRAIN_LOOK_MS = 25;

/**
 * The first step of a stop (SIGTERM), before the server's close: from now on every request is
 * answered 503 shuttingDown (nothing stored, `Retry-After`), its connection closed, while the
 * server still listens. Its close stops listening: a client whose connection was still in the
 * listen queue got ECONNRESET instead of an answer, without knowing whether anything was stored.
 *
 * So the listener stays open until the connections on their way in are in and their requests read:
 * no connection accepted for DRAIN_QUIET_MS since the stop began, and none accepted without its
 * request read — or `atMostMs` (a client that opened a connection and sends nothing). A fixed 500 ms
 * was not enough on a busy machine: 21 to 77 of a burst of 200 commands were reset (CI, and here
 * with the 2 cores busy), the server accepting and reading them later than that.
 */
export async function beginStopping(server: object, atMostMs: number, logger: Logger): Promise<void> {
  stopping.add(server);
  const arrivals = arrivalsOf.get(server);
  if (arrivals === undefined) return;
  const began = elapsedMs();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, DRAIN_LOOK_MS));
    // After the poll phase of this turn of the event loop: the connections waiting in the listen
    // queue are accepted, and requests that came are read, before they are looked at. A loop held
    // up by work would otherwise find the last accept long ago while connections wait to be accepted.
    await new Promise((resolve) => setImmediate(resolve));
    const now = elapsedMs();
    if (now - began >= atMostMs) break;
    if (arrivals.unread.size === 0 && now - Math.max(began, arrivals.lastAcceptedAt) >= DRAIN_QUIET_MS) break;
  }
  // Connections that have sent no request by now are closed, and so is any still coming in before the
  // listener closes: to Node such a connection is not idle (its headers' timeout runs), so the close
  // would wait for it until the grace ran out.
  arrivals.drained = true;
  if (arrivals.unread.size > 0) {
    logger.warn({ connections: arrivals.unread.size }, `停止服务：${arrivals.unread.size} 个连接在 ${atMostMs / 1000} 秒内未发来请求，已断开`);
    for (const socket of arrivals.unread) socket.destroy();
  }
}

/** Fields that hold one value, beyond Host and Authorization: Node joins a repeated Idempotency-Key with a comma and keeps the first Content-Type. */
const SINGLE_FIELDS = { 'idempotency-key': 'Idempotency-Key', 'content-type': 'Content-Type' } as const;
type SingleField = keyof typeof SINGLE_FIELDS;

/**
 * RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host, or with more than one
 * (a proxy in front may have routed it by the other). Node answered the first with an empty 400,
 * no problem, and took the second, reading the first Host. A repeated Idempotency-Key was read as
 * "k, k", another key: a retry that a proxy sent with the key twice stored the command again.
 */
function headerFieldProblem(request: FastifyRequest): ApiError | undefined {
  const raw = request.raw.rawHeaders;
  let hosts = 0;
  const seen: Partial<Record<SingleField, number>> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name === 'host') hosts++;
    else if (Object.hasOwn(SINGLE_FIELDS, name)) seen[name as SingleField] = (seen[name as SingleField] ?? 0) + 1;
  }
  if (hosts !== 1 && !(hosts === 0 && request.raw.httpVersion === '1.0')) {
    const message = hosts === 0 ? '缺少 Host 请求头' : 'Host 请求头重复';
    const en = hosts === 0 ? 'the Host header is missing' : 'the Host header is repeated';
    return new ApiError('VALIDATION_FAILED', { zh: `请求头不符合要求：${message}`, en }, { errors: [{ path: 'headers.host', message }] });
  }
  for (const [name, shown] of Object.entries(SINGLE_FIELDS)) {
    if ((seen[name as SingleField] ?? 0) < 2) continue;
    const message = `请求头 ${shown} 重复，只能有一个`;
    return new ApiError('VALIDATION_FAILED', { zh: `请求头不符合要求：${message}`, en: `the ${shown} header is repeated: send it once` }, { errors: [{ path: `headers.${name}`, message }] });
  }
  return undefined;
}

/** A problem as raw bytes on a connection, which is then closed. */
function problemBytes({ status, lang, body }: ReturnType<typeof wireProblem>): string {
  const json = JSON.stringify(body);
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(json)}\r\n` +
    `Content-Language: ${lang === 'en' ? 'en' : 'zh-CN'}\r\nVary: Accept-Language\r\nConnection: close\r\n\r\n${json}`
  );
}

/** CONNECT asks for a tunnel, as of a proxy: this is no proxy, and the target no address of it (404, as a path it does not serve). */
function answerConnect(request: IncomingMessage, socket: Duplex): void {
  const target = request.url ?? '';
  const problem = wireProblem('NOT_FOUND', request.headers, { zh: `没有这个地址：CONNECT ${target}`, en: `no route CONNECT ${target}` });
  socket.on('error', () => undefined);
  socket.end(problemBytes(problem));
}

/** An Expect other than 100-continue (RFC 9110 §10.1.1): 417, saying which one. Nothing of the request is read or done. */
function answerExpectation(request: IncomingMessage, response: ServerResponse): void {
  const expected = String(request.headers.expect ?? '').slice(0, 100);
  const message = '仅支持 100-continue';
  const problem = wireProblem(
    'EXPECTATION_FAILED',
    request.headers,
    { zh: `无法满足请求的期望：不支持请求头 Expect: ${expected}，仅支持 100-continue`, en: `the Expect header (${expected}) cannot be met: only 100-continue is supported` },
    { errors: [{ path: 'headers.expect', message }] },
  );
  const json = JSON.stringify(problem.body);
  response.shouldKeepAlive = false;
  response.writeHead(problem.status, {
    'content-type': 'application/problem+json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
    'content-language': problem.lang === 'en' ? 'en' : 'zh-CN',
    vary: 'Accept-Language',
  });
  response.end(json);
}

/**
 * A body in a coding this server does not decode: Node takes `Transfer-Encoding: gzip, chunked` apart
 * into its chunks and no further, and decodes no `Content-Encoding`, so such a body was read as it
 * came: gzip bytes were told "not UTF-8", and JSON labelled gzip was stored as if sent plain, a
 * different request from the one a proxy that decodes it reads (RFC 9112 §6.1 asks a server to refuse
 * a transfer coding it does not understand; with a 400 here, as no request gets a 5xx).
 */
function codingProblem(request: FastifyRequest): ApiError | undefined {
  const transfer = request.headers['transfer-encoding'];
  if (transfer !== undefined && transfer.trim().toLowerCase() !== 'chunked') {
    const message = '仅支持 chunked 传输编码';
    return new ApiError('VALIDATION_FAILED', { zh: `请求头不符合要求：${message}`, en: 'only the chunked transfer coding is supported' }, { errors: [{ path: 'headers.transfer-encoding', message }] });
  }
  const content = request.headers['content-encoding'];
  if (content !== undefined && !/^\s*(identity\s*)?$/i.test(content)) {
    const message = '不支持压缩的请求体，请发送未压缩的 JSON';
    return new ApiError('VALIDATION_FAILED', { zh: `请求头不符合要求：${message}`, en: 'a compressed body is not supported: send the JSON uncompressed' }, { errors: [{ path: 'headers.content-encoding', message }] });
  }
  return undefined;
}

/** Methods that change nothing (RFC 9110 §9.2.1): pipelined requests that are all safe may be worked on at once. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** Per connection: when the requests read so far on it are answered (`all`), and when those up to its last unsafe one are (`unsafe`). */
interface Turns {
  all: Promise<unknown>;
  unsafe: Promise<unknown>;
}
const turnsOf = new WeakMap<Socket, Turns>();

/**
 * Waits for this request's turn on its connection (RFC 9112 §9.3.2): a client may pipeline requests,
 * sending several on one connection before any answer, and Node reads and hands over each at once.
 * A command and the read sent after it were then worked on together: the read answered the case as
 * it was before the command, and a read sent before a command could show the command's effect. A
 * request now starts once every request before it on the connection is answered, except that safe
 * requests (GET, HEAD) sent one after another still run together.
 */
function awaitTurn(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const socket = request.raw.socket;
  const before = turnsOf.get(socket) ?? { all: Promise.resolve(), unsafe: Promise.resolve() };
  // 'close' comes once the answer is sent, or the connection is gone.
  const answered = new Promise((resolve) => reply.raw.once('close', resolve));
  // Settled with nothing: with the answers' values kept, a keep-alive connection's promise would
  // nest one more array per request (a reverse proxy's connection serves millions).
  const all = Promise.all([before.all, answered]).then(() => undefined);
  const safe = SAFE_METHODS.has(request.method);
  turnsOf.set(socket, { all, unsafe: safe ? before.unsafe : all });
  return safe ? before.unsafe : before.all;
}

/** Request headers a browser page may send beyond the CORS-safelisted ones: the token, JSON, a retry's key, the language, its own request id. */
const CORS_REQUEST_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'Accept-Language', 'X-Request-Id'];
/** Answer headers a page may read beyond the safelisted ones: where a case was started, when to come back, a CSV's file name, the request id, how far the read models had come, why a token was refused, the methods an address takes. */
const CORS_EXPOSED_HEADERS = ['Location', 'Retry-After', 'Content-Disposition', 'X-Request-Id', 'X-Read-Models-Position', 'WWW-Authenticate', 'Allow'];
/** How long a browser may keep a preflight's answer (Chromium keeps it 2 hours at most). */
const CORS_MAX_AGE_S = 600;

/**
 * @fastify/cors, per request: an `Origin` that is one of `origins`, exactly, is echoed in
 * Access-Control-Allow-Origin; any other, or none (curl, a server), gets no CORS header and is served
 * as before. An OPTIONS of a listed origin is a preflight only with Access-Control-Request-Method:
 * 204, no body, no token needed; without it, it is an OPTIONS like any other. No credentials: the
 * token is a bearer token, no cookie.
 */
function corsOptions(origins: readonly string[], methods: () => string[]): FastifyCorsOptions {
  const listed = new Set(origins);
  return {
    hook: 'onRequest',
    delegator: (request, callback) => {
      const origin = request.headers.origin;
      const allowed = origin !== undefined && listed.has(origin);
      callback(null, {
        origin: allowed ? origin : false,
        preflight: allowed && request.headers['access-control-request-method'] !== undefined,
        strictPreflight: false,
        methods: methods(),
        allowedHeaders: CORS_REQUEST_HEADERS,
        exposedHeaders: CORS_EXPOSED_HEADERS,
        credentials: false,
        maxAge: CORS_MAX_AGE_S,
      });
    },
  };
}

/** Fastify's line for each address it listens on, in Chinese (its own is "Server listening at …"). */
export const listenText = (address: string) => `正在监听 ${address}`;

/** How long a client may take to send a whole request (headers and body). */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * How long a connection whose answer has begun may make no progress — the client takes none of it —
 * before it is cut. A client that stops reading a long answer (an audit export, a province's CSV) left
 * its socket, and the export's work, open until TCP gave up or the server stopped; a slow reader still
 * takes data, and is not cut, nor is a request whose answer is still being worked out (the onRequest
 * hook in buildServer). Reading a request is bounded by REQUEST_TIMEOUT_MS, and an idle keep-alive
 * connection by fastify's keep-alive timeout.
 */
// Node's socket timeout (net.Socket _onTimeout) passes over one period in which the bytes queued for
// sending changed, so a client that stops reading is cut at twice this (measured: 240 s; 6.4 s at 3 s).
export const SEND_STALL_MS = 120_000;

export interface ServerOptions {
  /** SEND_STALL_MS by default. */
  sendStallMs?: number;
}

/** The HTTP face of the app: parse, authorise, call, shape (ARCHITECTURE.md). */
export async function buildServer(app: App, options: ServerOptions = {}) {
  const logs = new ChineseLogController();
  const server = Fastify({
    loggerInstance: app.logger,
    logController: logs,
    bodyLimit: BODY_LIMIT_BYTES,
    // A client that sends its request a byte at a time is cut off (Node answers 408): a handful of
    // them would otherwise hold sockets for ever. Answers (a long audit export) are not limited by it.
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Node destroys a socket that makes no progress for this long, once its answer has begun (the onRequest hook below).
    connectionTimeout: options.sendStallMs ?? SEND_STALL_MS,
    // Node checks those deadlines every 30 s by default (a trickled body was cut after 87 s, headers
    // after 43 s): every 2 s, and headers get no longer than the whole request.
    // Node's own answer to an HTTP/1.1 request without Host is a bare 400 with no body: the onRequest
    // hook below answers it as a problem instead (headerFieldProblem).
    http: { connectionsCheckingInterval: 2_000, headersTimeout: REQUEST_TIMEOUT_MS, requireHostHeader: false },
    // The request id is the events' correlation id, kept in the hash chain for ever: the server makes
    // it. A client's own X-Request-Id is logged beside it (clientRequestId), never taken for it: a
    // copied one made two unrelated commands one request in the log and the audit trail.
    genReqId: () => newId(),
    // Fastify's own answer to a request that comes in while the server closes is a plain English
    // 503: the onRequest hook below answers it as a problem instead.
    return503OnClosing: false,
    requestIdHeader: false,
    // A request Node could not read is answered as a problem too, in Chinese (its headers may be unreadable).
    clientErrorHandler: (err, socket) => answerConnectionError(app.logger, err, socket),
    // Errors the router raises before a route is found (a bad URL, an over-long id) are problems too.
    // Fastify answers them before any route or hook, and listens for no end of the answer: its request
    // id is given here (the onSend hook's X-Request-Id), and so is its 请求完成 line with the status.
    // A path parameter over the router's limit (100 characters) is one over its schema's maxLength:
    // 400 too, not 404 (OpenAPI, API.md). Under /v1 the token comes first, as at every route (README):
    // with none, or a bad one, the answer is 401 whatever the address.
    frameworkErrors: (err, request, reply) => {
      reply.header('x-request-id', request.id);
      reply.raw.once('finish', () => reply.log.info({ res: reply, responseTime: reply.elapsedTime, ...loggedCaller(request) }, '请求完成'));
      const { zh, en } = fastifyText(err);
      const refusal = new ApiError('VALIDATION_FAILED', { zh: `请求地址无效：${zh}`, en: `invalid address: ${en}` }, { errors: [{ path: 'url', message: zh }] });
      if (!underV1(request)) return void sendProblem(reply, request, refusal);
      callerOf(request, app.verifier).then(
        () => sendProblem(reply, request, refusal),
        (refused: unknown) => sendProblem(reply, request, refused),
      );
    },
  }).withTypeProvider<ZodTypeProvider>();
  // Every header field Node read is kept: past its default count of 2,000 it dropped the rest without
  // a word (an Idempotency-Key after them, and a retried start was stored twice; a second Authorization
  // or Host went unseen). The 16 KB cap on the headers (431) still bounds how many there can be.
  server.server.maxHeadersCount = 0;
  // Connections coming in, for a stop to wait for (beginStopping).
  const arrivals: Arrivals = { unread: new Set(), lastAcceptedAt: elapsedMs(), drained: false };
  arrivalsOf.set(server, arrivals);
  server.server.on('connection', (socket: Socket) => {
    if (arrivals.drained) return void socket.destroy();
    arrivals.unread.add(socket);
    arrivals.lastAcceptedAt = elapsedMs();
    socket.once('close', () => arrivals.unread.delete(socket));
  });
  server.server.on('request', (request: { socket: Socket }) => arrivals.unread.delete(request.socket));
  // Node drops a CONNECT without a word when nothing listens for it, and answers an Expect it does not
  // meet with a bare 417: both are answered as problems, like every other request.
  server.server.on('connect', (request: IncomingMessage, socket: Duplex) => answerConnect(request, socket));
  server.server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => answerExpectation(request, response));
  // RFC 9110 §10.1.1: a request the server will refuse whatever its body says (over the body's limit, or
  // a /v1 request with no token) is answered with that final status, not invited to send its body first
  // — Node's own 100 Continue had a client upload 5 MB to be told 413, or a form to be told 401.
  server.server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    const length = Number(request.headers['content-length'] ?? 0);
    const refused = length > BODY_LIMIT_BYTES || (request.headers.authorization === undefined && pathUnderV1(request.url ?? ''));
    if (!refused) response.writeContinue();
    server.server.emit('request', request, response);
  });
  server.setValidatorCompiler(validatorCompiler);
  server.setSerializerCompiler(serializerCompiler);
  // Set once the server has begun to stop (SIGTERM: `beginStopping`, or its close): see the onRequest hook below.
  const isClosing = () => stopping.has(server);
  server.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // A /v1 answer may carry a natural person's form (身份证号, phone, e-mail), name or case list: kept
    // by no browser or proxy cache, on an office's shared computers (个人信息保护法 第五十一条(二)).
    if (underV1(request)) reply.header('cache-control', 'no-store');
    // Every answer is read as the type it says, never sniffed: a CSV, a Mermaid text or a BPMN diagram
    // carries text the parties wrote, which a browser guessing HTML would run (security QA).
    reply.header('x-content-type-options', 'nosniff');
    // An answer sent while the server stops closes its connection: a client's keep-alive connection,
    // left idle after it, held the stop for fastify's keep-alive timeout (72 s; `docker stop` kills at 10 s).
    if (isClosing()) reply.header('connection', 'close');
    if (request.headers['accept-encoding'] !== undefined) quietPrematureClose(reply);
  });
  server.setErrorHandler((err, request, reply) => {
    // A failure to write, which /health keeps until a command is stored again, comes only from a request
    // that writes: a report whose read connection could not be opened (no file descriptor left under a
    // flood of connections) marked the store degraded, storeIo, on a night nothing failed to write.
    if (!SAFE_METHODS.has(request.method)) noteStoreFailure(app, err);
    // A damaged file is the store's whatever the request: a read finds it as well as a write.
    else noteStoreDamage(app, err);
    return sendProblem(reply, request, err);
  });
  // Every /v1 route needs a caller (API.md "Identity"): settled before the body is read or the
  // request validated, so an anonymous request learns nothing of a route's schema, and costs no parsing.
  // A request that comes in once the server has begun to stop (SIGTERM) is not started: nothing is
  // stored, and the client is told to come back (another node, or this one once restarted).
  server.addHook('preClose', async () => {
    stopping.add(server);
  });
  // SEND_STALL_MS bounds an answer being sent, not the work before it (a notice re-stating every case it
  // moves, a request waiting its turn): until the headers go, Node's 'timeout' leaves the connection be,
  // and the first bytes written start the count again. Reading the request is bounded by REQUEST_TIMEOUT_MS.
  server.addHook('onRequest', async (request, reply) => {
    readingOf.set(request.raw, request);
    reply.raw.on('timeout', (socket: Socket) => {
      if (reply.raw.headersSent) socket.destroy();
    });
    reply.raw.once('close', () => logs.answerClosed(request, reply));
  });
  // A browser page of a listed origin (WORKFLOW_CORS_ORIGINS) may call the API: its preflight is
  // answered first, before the caller is asked for a token (a browser sends none with it), and every
  // answer to its requests, problems included (a 503 while the server stops, with its Retry-After),
  // says the origin may read it. Unset, nothing is added.
  if (app.config.corsOrigins.length > 0) await server.register(cors, corsOptions(app.config.corsOrigins, serverMethods));
  server.addHook('onRequest', async (request, reply) => {
    // Its turn first, refused or not: a request pipelined behind one refused here (a second Host, the
    // server stopping) waits for that answer, and then for its Connection: close (below).
    await awaitTurn(request, reply);
    // The answer before it on the connection closed the connection (its Connection: close, the
    // client's or ours): RFC 9112 §9.6, a request read after it is not worked on — a pipelined command
    // was stored with no one left to answer it.
    const socket = request.raw.socket as Partial<Socket>;
    if (socket.destroyed === true || socket.writableEnded === true) {
      reply.hijack();
      socket.destroy?.();
      return;
    }
    if (isClosing()) {
      reply.header('connection', 'close');
      throw shuttingDown();
    }
    const host = headerFieldProblem(request);
    if (host) {
      reply.header('connection', 'close');
      throw host;
    }
    // RFC 9110 §9.3.7: `OPTIONS *` (the asterisk form, RFC 9112 §3.2.4) asks about the server as a
    // whole, not an address: no route matches `*`, so it was answered 404 "没有这个地址：OPTIONS *".
    if (request.raw.url === '*' && request.method === 'OPTIONS') return reply.code(204).header('allow', serverMethods().join(', ')).send();
    const given = request.headers['x-request-id'];
    // Not one that names a person (an ID number or a phone sent as the id): it would be logged whole.
    if (typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) && valueForLogs(given) === given) {
      // The reply's logger too: the request's completion line is written through it.
      request.log = request.log.child({ clientRequestId: given });
      reply.log = request.log;
    }
    if (underV1(request)) await callerOf(request, app.verifier);
    const coding = codingProblem(request);
    if (coding) {
      reply.header('connection', 'close');
      throw coding;
    }
  });
  // Every body this API takes is JSON: one sent as text/plain (fastify reads that as a string) was
  // told "应为 JSON 对象" although it was one. It is refused like any other media type.
  server.removeContentTypeParser('text/plain');
  // Fastify's own JSON parsing (secure-json-parse) rightly refuses a "__proto__" key, and a "constructor"
  // holding "prototype", but calls such a body invalid JSON. It is valid JSON: say which key is refused.
  const parseJson = server.getDefaultJsonParser('error', 'error');
  server.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: BODY_LIMIT_BYTES }, (request, raw: Buffer, done) => {
    // RFC 8259 §8.1: JSON between systems is UTF-8. Read as UTF-8 regardless, a GBK body became
    // U+FFFD replacement characters, stored for good in a hash-chained event nobody could read.
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    const foreign = charset === undefined || charset === 'utf-8' || charset === 'utf8' ? undefined : charset;
    const body = foreign === undefined ? utf8(raw) : undefined;
    if (body === undefined) {
      done(notUtf8Problem(foreign), undefined);
      return;
    }
    void parseJson(request, body, (err, value) => {
      const forbidden = err && (err as { code?: string }).code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? forbiddenKeyIn(body) : undefined;
      done(forbidden ? forbiddenKeyProblem(forbidden) : err, value);
    });
  });
  server.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, new ApiError('NOT_FOUND', { zh: `没有这个地址：${request.method} ${request.url}`, en: `no route ${request.method} ${request.url}` })),
  );
  // The methods each address takes, as its routes are added: answered in `Allow` (answerOtherMethods).
  // A route left out of /docs (the test clock, off) is one the API does not admit to: it stays 404 to every method.
  const methodsAt = new Map<string, Set<string>>();
  /** Every method the API serves, at some address (`OPTIONS *`, a preflight's allowed methods). */
  let allMethods: string[] | undefined;
  function serverMethods(): string[] {
    if (allMethods !== undefined) return allMethods;
    const methods = new Set(['OPTIONS', ...[...methodsAt.values()].flatMap((taken) => [...taken])]);
    if (methods.has('GET')) methods.add('HEAD');
    return (allMethods = [...methods].sort());
  }
  server.addHook('onRoute', (route) => {
    if ((route.schema as { hide?: boolean } | undefined)?.hide === true) return;
    const methods = methodsAt.get(route.url) ?? new Set<string>();
    for (const method of [route.method].flat()) methods.add(method);
    methodsAt.set(route.url, methods);
  });

  // Answers of 1 KiB and more compressed for a client that asks (Accept-Encoding: br, gzip, deflate):
  // a province's overdue report as CSV, an audit export of a year, a case list — text that shrinks
  // five- to tenfold on an office's or a data centre's link. zlib runs on libuv's threads, not this one.
  // The audit export's application/x-ndjson too, which mime-db does not mark compressible.
  await server.register(compress, { global: true, threshold: 1024, customTypes: /^text\/(?!event-stream)|[+/](?:x-)?(?:nd)?json(?:;|$)|[+/]xml(?:;|$)/ });
  await server.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: docText('山东省公共数据开放工作流 API', 'Shandong public data opening workflow API'),
        description: docText(
          '《山东省公共数据开放工作细则（试行）》（鲁数发〔2022〕15号）的流程、期限与审计接口',
          'Processes, deadlines and audit of the Shandong public data opening rules (trial), 鲁数发〔2022〕15号',
        ),
        version: '1',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    // The routes' zod schemas, then what each route's `config.openapi` adds: problems, forms, answers (api/openapi.ts).
    ...openapiHooks(app.registry),
  });
  await server.register(metricsRoutes(app));
  await server.register(healthRoutes(app));
  await server.register(calendarRoutes(app));
  await server.register(caseRoutes(app));
  await server.register(processRoutes(app));
  await server.register(workRoutes(app));
  await server.register(testClockRoutes(app));
  // Generated once in Chinese (@fastify/swagger keeps it); the English, once, when first asked for.
  let english: unknown;
  server.get(
    '/docs',
    {
      schema: { operationId: 'getDocs', summary: docText('本文档（OpenAPI 3.1）', 'This document (OpenAPI 3.1)'), security: [] },
      config: {
        openapi: {
          problems: ['UNAVAILABLE'],
          notes: { UNAVAILABLE: UNAVAILABLE_SHUTTING_DOWN },
          responses: { 200: { description: docText('本文档：默认为中文，请求带 Accept-Language: en 时为英文', 'this document: Chinese by default, English with Accept-Language: en'), content: { 'application/json': { type: 'object' } } } },
        },
      },
    },
    // In the language the problems are answered in (API.md "Errors"): Chinese by default, English with Accept-Language: en.
    async (request, reply) => {
      const lang = langOf(request);
      inLanguage(reply, lang);
      if (lang === 'zh') return server.swagger();
      english ??= documentInEnglish(server.swagger());
      return english;
    },
  );
  /**
   * A known address asked with a method it does not take (DELETE /v1/cases, PUT /v1/inbox, POST /health)
   * was answered 404 "没有这个地址", which sent a client looking for a typo in the path: it is 405
   * METHOD_NOT_ALLOWED with `Allow` (RFC 9110 §15.5.6), and OPTIONS on the address is 204 with the same
   * `Allow` (§9.3.7), where both were 404. Routes of the router, so an address is matched exactly as its
   * own routes are; answered in onRequest, after the caller is known (an anonymous /v1 request is 401,
   * whether the address exists or not) and before any body is read or checked. Not in /docs: no operation.
   */
  function answerOtherMethods(url: string, taken: ReadonlySet<string>): void {
    const allowed = new Set([...taken, 'OPTIONS']);
    if (allowed.has('GET')) allowed.add('HEAD');
    const allow = [...allowed].sort().join(', ');
    // Answered in onRequest (before any body is read); the handler, which a route must have, is the same.
    if (!taken.has('OPTIONS')) {
      const options = async (_request: FastifyRequest, reply: FastifyReply) => reply.code(204).header('allow', allow).send();
      server.route({ method: 'OPTIONS', url, schema: { hide: true }, onRequest: options, handler: options });
    }
    // CONNECT never reaches a route (answerConnect).
    const others = server.supportedMethods.filter((method) => !allowed.has(method) && method !== 'CONNECT');
    if (others.length === 0) return;
    const refuse = async (request: FastifyRequest, reply: FastifyReply) => {
      reply.header('allow', allow);
      throw new ApiError('METHOD_NOT_ALLOWED', { zh: `此地址不支持 ${request.method} 方法，支持的方法：${allow}`, en: `this address does not take ${request.method}; it takes ${allow}` });
    };
    server.route({ method: others, url, exposeHeadRoute: false, schema: { hide: true }, onRequest: refuse, handler: refuse });
  }
  // Last: every address is known by now.
  for (const [url, methods] of methodsAt) answerOtherMethods(url, methods);
  return server;
}
