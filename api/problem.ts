import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DamagedStreamError, EngineError, reportedErrors, ServerStoppingError, unlabelled, UpgradeRequiredError, type EngineErrorCode } from '../engine/errors.js';
import { AppendTooLargeError, LogNotFlushedError, StoreUnreachableError, StreamDeletedError, UnreadableEventError } from '../eventstore/types.js';
import { InvalidQueryError } from '../projections/query.js';
import { ReadModelsRebuilding } from '../projections/runner.js';
import { cutShort, shown as quoted, unknownFields } from '../machines/schemas.js';
import { fieldErrorSaid } from '../machines/fieldLabels.js';
import { inEnglish, issueInEnglish } from './english.js';
import { docText } from './docText.js';
import { requestFieldLabel } from './requestLabels.js';
import { BODY_LIMIT_TEXT } from './limits.js';

/** A query parameter the route does not take (not a form's field: `unknownFields`). */
const UNKNOWN_QUERY_PARAMETER = '不支持的查询参数：';
/** A parameter with no name (`?=1`): said so, not an empty quote. */
const EMPTY_NAME = '（名称为空）';

/** API.md "Errors": each code maps to one status, once, here. */
const STATUS: Record<EngineErrorCode | 'UNAUTHENTICATED' | 'PAYLOAD_TOO_LARGE' | ConnectionCode | MethodCode | 'UNAVAILABLE' | 'INTERNAL', number> = {
  VALIDATION_FAILED: 400,
  UNKNOWN_PROCESS: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  // Beyond API.md: a known address asked with a method it does not take (RFC 9110 §15.5.6), with `Allow`.
  METHOD_NOT_ALLOWED: 405,
  INVALID_TRANSITION: 409,
  REVISION_CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  // Beyond API.md, answered to a connection whose request Node could not read (`connectionProblem`).
  REQUEST_TIMEOUT: 408,
  HEADERS_TOO_LARGE: 431,
  EXPECTATION_FAILED: 417,
  RULE_VIOLATED: 422,
  CALENDAR_NOT_COVERED: 422,
  INTERNAL: 500,
  // Beyond API.md: the server cannot answer now for a reason of its own, not the request's (a
  // rebuild under way, a store it cannot write, the identity provider out of reach); `reason` says which.
  UNAVAILABLE: 503,
};

const TITLES: Record<keyof typeof STATUS, { zh: string; en: string }> = {
  VALIDATION_FAILED: { zh: '请求数据不符合要求', en: 'Validation failed' },
  UNKNOWN_PROCESS: { zh: '请求数据不符合要求', en: 'Validation failed' },
  UNAUTHENTICATED: { zh: '未登录或凭证无效', en: 'Unauthenticated' },
  FORBIDDEN: { zh: '无权执行此操作', en: 'Forbidden' },
  NOT_FOUND: { zh: '未找到', en: 'Not found' },
  METHOD_NOT_ALLOWED: { zh: '不支持此请求方法', en: 'Method not allowed' },
  INVALID_TRANSITION: { zh: '当前状态不接受此指令', en: 'Invalid transition' },
  REVISION_CONFLICT: { zh: '版本冲突', en: 'Revision conflict' },
  PAYLOAD_TOO_LARGE: { zh: '请求体过大', en: 'Payload too large' },
  REQUEST_TIMEOUT: { zh: '请求超时', en: 'Request timeout' },
  HEADERS_TOO_LARGE: { zh: '请求头过大', en: 'Request headers too large' },
  EXPECTATION_FAILED: { zh: '无法满足请求的期望', en: 'Expectation failed' },
  RULE_VIOLATED: { zh: '违反业务规则', en: 'Rule violated' },
  CALENDAR_NOT_COVERED: { zh: '工作日历未覆盖该年度', en: 'Calendar not covered' },
  INTERNAL: { zh: '服务器内部错误', en: 'Internal error' },
  UNAVAILABLE: { zh: '服务暂时无法处理', en: 'Service unavailable' },
};

/**
 * The codes a client may be answered with: UNKNOWN_PROCESS is answered as VALIDATION_FAILED, and
 * INTERNAL never should be (API.md: no request gets a 5xx).
 */
export const PROBLEM_CODES = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'INVALID_TRANSITION',
  'REVISION_CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'RULE_VIOLATED',
  'CALENDAR_NOT_COVERED',
  'UNAVAILABLE',
] as const satisfies readonly (keyof typeof STATUS)[];
export type ProblemCode = (typeof PROBLEM_CODES)[number];

/** The codes answered to a connection before any route is chosen (`connectionProblem`): no route documents them. */
export const CONNECTION_CODES = ['REQUEST_TIMEOUT', 'HEADERS_TOO_LARGE', 'EXPECTATION_FAILED'] as const;
type ConnectionCode = (typeof CONNECTION_CODES)[number];

/**
 * The code of a method an address does not take: answered by no route of the document (each route is
 * one method), so listed in the Problem component's codes alone, as the connection's codes are.
 */
export const METHOD_CODES = ['METHOD_NOT_ALLOWED'] as const;
type MethodCode = (typeof METHOD_CODES)[number];

/** The HTTP status of a code, and its title, for the OpenAPI document. */
export function problemStatus(code: ProblemCode): number {
  return STATUS[code];
}
export function problemTitle(code: ProblemCode): { zh: string; en: string } {
  return TITLES[code];
}

/**
 * The problem+json body `sendProblem` answers with (RFC 9457, API.md "Errors"), as the OpenAPI
 * document publishes it: the members every problem has, and those that come with some codes.
 */
export const ProblemBody = z.looseObject({
  type: z.string().describe(docText('问题类型：urn:sd-open-data:problem:<code>', 'urn:sd-open-data:problem:<code>')),
  title: z.string().describe(docText('错误代码的文字说明：默认为中文，请求带 Accept-Language: en 时为英文', 'the code in words: Chinese by default, English with Accept-Language: en')),
  status: z.number().int().describe(docText('HTTP 状态码', 'the HTTP status')),
  code: z
    .enum([...PROBLEM_CODES, ...METHOD_CODES, ...CONNECTION_CODES])
    .describe(
      docText(
        'API.md「Errors」；METHOD_NOT_ALLOWED（405）应答以其不支持的方法请求的已有地址（如 DELETE /v1/cases），带 Allow 请求头列出该地址支持的方法（OPTIONS 该地址时答 204 及同样的 Allow）；REQUEST_TIMEOUT（408）和 HEADERS_TOO_LARGE（431）在选定路由之前应答给连接，使用中文，随后关闭连接；EXPECTATION_FAILED（417）应答 Expect 请求头中除 100-continue 以外的期望',
        'API.md "Errors"; METHOD_NOT_ALLOWED (405) answers an address the API has asked with a method it does not take (DELETE /v1/cases), with an Allow header listing the methods it takes (OPTIONS on the address answers 204 with the same Allow); REQUEST_TIMEOUT (408) and HEADERS_TOO_LARGE (431) are answered to a connection before any route is chosen, in Chinese, and close it; EXPECTATION_FAILED (417) answers an Expect header other than 100-continue',
      ),
    ),
  detail: z.string().describe(docText('本次请求的问题所在：默认为中文，请求带 Accept-Language: en 时为英文', 'what was wrong with this request: Chinese by default, English with Accept-Language: en')),
  errors: z
    .array(
      z.object({
        path: z
          .string()
          .describe(
            docText(
              "出错的位置：路由自身的校验指明请求的部分（body.process、querystring.limit、url）；流程表单的校验指明 input 或 data 中的字段（usePeriod.to；'' 表示整个表单）",
              "where: a route's own checks name the part of the request (body.process, querystring.limit, url); a process form's name the field within its input or data (usePeriod.to; '' for the whole of it)",
            ),
          ),
        message: z.string(),
      }),
    )
    .optional()
    .describe(
      docText(
        'VALIDATION_FAILED：不符合要求的字段（最多列出前 20 个）；RULE_VIOLATED：违反的规则所针对的表单字段（如申请的使用终止时间 usePeriod.to），message 为该规则的说明；规则针对案件本身而非所填字段时不给出',
        'VALIDATION_FAILED: the fields that do not match their schema (the first 20); RULE_VIOLATED: the fields of the form the broken rules are about (usePeriod.to for a use period already over), each with its rule’s words; absent when a rule is about the case rather than what was filled in',
      ),
    ),
  moreErrors: z
    .number()
    .int()
    .optional()
    .describe(docText('VALIDATION_FAILED：除所列 20 个外，还有多少个字段不符合要求', 'VALIDATION_FAILED: how many more fields did not match, beyond the 20 listed')),
  state: z.string().optional().describe(docText('INVALID_TRANSITION，及 expectedRevision 过时的 REVISION_CONFLICT：案件当前所处的状态', 'INVALID_TRANSITION, and REVISION_CONFLICT for a stale expectedRevision: the state the case is in')),
  allowed: z
    .array(z.string())
    .optional()
    .describe(
      docText(
        'INVALID_TRANSITION，及 expectedRevision 过时的 REVISION_CONFLICT：调用方当前可以发送的指令（REVISION_CONFLICT 中不含所发指令时，该指令已无需重试）',
        'INVALID_TRANSITION, and REVISION_CONFLICT for a stale expectedRevision: the commands the caller may send now (in a REVISION_CONFLICT, a command not among them is not worth sending again)',
      ),
    ),
  currentRevision: z.number().int().nullable().optional().describe(docText('REVISION_CONFLICT：案件当前的版本号', 'REVISION_CONFLICT: the revision of the case now')),
  rule: z.string().optional().describe(docText('RULE_VIOLATED：违反的规则', 'RULE_VIOLATED: the rule broken')),
  article: z
    .string()
    .optional()
    .describe(docText('RULE_VIOLATED：该规则所依据的鲁数发〔2022〕15号（或其他依据）条款', 'RULE_VIOLATED: the article of 鲁数发〔2022〕15号 (or other law) the rule enforces')),
  violations: z
    .array(z.object({ rule: z.string(), article: z.string() }))
    .optional()
    .describe(
      docText(
        'RULE_VIOLATED：同一请求违反多条规则时，全部违反的规则（第一条即 rule、article），detail 依次说明每一条',
        'RULE_VIOLATED: when one request breaks several rules, every rule broken (the first is rule and article); detail tells each in turn',
      ),
    ),
  year: z.number().int().optional().describe(docText('CALENDAR_NOT_COVERED：期限将落入的年份', 'CALENDAR_NOT_COVERED: the year the deadline would fall in')),
  reason: z
    .string()
    .optional()
    .describe(
      docText(
        'UNAVAILABLE：原因（readModelsRebuilding、storeBusy、storeReadOnly、storeFull、storeIo、storeNotFlushed、storeUnreachable、storeUnreadable、streamDamaged、upgradeRequired、eventsMissing、identityProviderUnreachable、streamDeleted、shuttingDown）；值得重试时应答带 Retry-After',
        'UNAVAILABLE: why (readModelsRebuilding, storeBusy, storeReadOnly, storeFull, storeIo, storeNotFlushed, storeUnreachable, storeUnreadable, streamDamaged, upgradeRequired, eventsMissing, identityProviderUnreachable, streamDeleted, shuttingDown); the answer carries Retry-After when it is worth retrying',
      ),
    ),
});

export type Lang = 'zh' | 'en';

const CONTEXT_ZH: Record<string, string> = { body: '请求体', querystring: '查询参数', params: '路径参数', headers: '请求头' };
const CONTEXT_EN: Record<string, string> = { body: 'request body', querystring: 'query', params: 'path', headers: 'headers' };

/** RFC 9110 §12.4.2 qvalue: 0 to 1, at most three decimals (`0`, `0.5`, `0.125`, `1`, `1.000`). */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * The entries of a weighed list header (Accept, Accept-Language: RFC 9110 §12.4.2), lower-cased, each
 * with its q (1 when not given), from the first `max` characters. An entry whose q is not a qvalue
 * (`q=.5`, `q=0.5000`, `q=abc`) is left out, as if not sent.
 */
export function* weighedEntries(header: string, max: number): Generator<{ value: string; q: number }> {
  for (const part of header.slice(0, max).split(',')) {
    const [value = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q\s*=\s*(.*?)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    if (q !== undefined && !QVALUE.test(q)) continue;
    yield { value: value.trim(), q: q === undefined ? 1 : Number(q) };
  }
}

/**
 * Chinese by default; English when the client prefers it to Chinese (`Accept-Language`, q-values
 * weighed: `fr-FR,en;q=0.9` is English, `zh;q=0.5,en;q=0.8` too, `en;q=0.5,zh` Chinese). `*` stands
 * for either language when it is not named itself (RFC 9110 §12.5.4): `*, en;q=0.5` is Chinese. An
 * entry whose q is not a qvalue (`q=.5`, `q=0.5000`, `q=abc`) is ignored, as if not sent: read as
 * q=1 it made a malformed `en;q=.5` outweigh Chinese.
 */
export function langOf(request: Pick<FastifyRequest, 'headers'> | { headers: IncomingHttpHeaders }): Lang {
  const header = request.headers['accept-language'];
  if (typeof header !== 'string') return 'zh';
  let en = -1;
  let zh = -1;
  let any = -1;
  let order = 0;
  for (const { value: tag, q } of weighedEntries(header, 500)) {
    // Equal weights: the one listed first wins (a tiny tie-break by order).
    const weight = q - order++ * 1e-6;
    const primary = tag.split('-')[0];
    if (primary === 'en') en = Math.max(en, weight);
    else if (primary === 'zh') zh = Math.max(zh, weight);
    else if (primary === '*') any = Math.max(any, weight);
  }
  // `*` weighs for a language only when the header does not name it.
  if (en === -1) en = any;
  if (zh === -1) zh = any;
  return en > 0 && en > zh ? 'en' : 'zh';
}

/**
 * An answer whose text is in the caller's language says which (RFC 9110 §8.5) and that it depends
 * on Accept-Language (§12.5.5), so that a cache does not serve one language to a client of the other.
 */
export function inLanguage(reply: FastifyReply, lang: Lang): FastifyReply {
  const vary = reply.getHeader('vary');
  const listed = typeof vary === 'string' ? vary : Array.isArray(vary) ? vary.join(', ') : '';
  if (!/(^|,)\s*(accept-language|\*)\s*(,|$)/i.test(listed)) reply.header('vary', listed ? `${listed}, Accept-Language` : 'Accept-Language');
  return reply.header('content-language', lang === 'en' ? 'en' : 'zh-CN');
}

/** Fastify's own client errors, in Chinese (their English text is fastify's). */
export const FASTIFY_ZH: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: '请求体不是有效的 JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: '请求体为空，但声明的内容类型是 JSON',
  // The cap is said, so a client knows how far to cut what it sends.
  FST_ERR_CTP_BODY_TOO_LARGE: `请求体超过大小上限（${BODY_LIMIT_TEXT}）`,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: '不支持的请求内容类型，请使用 application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: '请求头 Content-Length 与请求体长度不符',
  FST_ERR_BAD_URL: '请求地址含有无效的编码',
  FST_ERR_MAX_PARAM_LENGTH: '请求地址中的参数过长',
};

/** What a connection whose request Node could not read is told, by Node's error code; any other is a request that is not HTTP. */
const CONNECTION_ERRORS: Record<string, { code: keyof typeof STATUS; message: string; path?: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { code: 'REQUEST_TIMEOUT', message: '请求未在时限内发送完整，连接已关闭' },
  HPE_HEADER_OVERFLOW: { code: 'HEADERS_TOO_LARGE', message: '请求头超过大小上限' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { code: 'PAYLOAD_TOO_LARGE', message: '请求体的分块扩展超过大小上限' },
  HPE_INVALID_CONTENT_LENGTH: { code: 'VALIDATION_FAILED', message: '请求头 Content-Length 无效', path: 'headers.content-length' },
  HPE_INVALID_HEADER_TOKEN: { code: 'VALIDATION_FAILED', message: '请求头含有无效字符', path: 'headers' },
};
const NOT_HTTP = { code: 'VALIDATION_FAILED', message: '不是有效的 HTTP 请求：请求行或请求头无法解析', path: 'request' } as const;

/** The http server's event for an answer written to a connection before any route's (server.ts answerConnectionError): `/metrics` counts it as any other. */
export const ANSWERED_ON_CONNECTION = 'workflow:answeredOnConnection';

/** A list where one value is expected: a query parameter repeated (said so where it is one), or a list in a JSON field of one value. */
export const SINGLE_VALUE = '应为单个值，不能是列表';
/** Why a query parameter came as a list (?process=a&process=b): a body's field is not told this (race QA: `"expectedRevision": [3]` was). */
const QUERY_ONCE = { zh: '（查询参数只能出现一次）', en: ' (a query parameter may appear once)' };

/**
 * The problem a connection is answered with when Node could not read its request (fastify's
 * `clientErrorHandler`: a timeout, headers too large, a malformed request line or header). Before any
 * route, and with headers that may be unreadable: in Chinese, the default.
 */
export function connectionProblem(errorCode: string | undefined): { status: number; body: Record<string, unknown> } {
  const { code, message, path } = (errorCode !== undefined ? CONNECTION_ERRORS[errorCode] : undefined) ?? NOT_HTTP;
  const status = STATUS[code];
  const title = TITLES[code].zh;
  const errors = code === 'VALIDATION_FAILED' ? { errors: [{ path, message }] } : {};
  return { status, body: { type: `urn:sd-open-data:problem:${code}`, title, status, code, detail: `${title}：${message}`, ...errors } };
}

/**
 * A problem answered on the wire before fastify sees the request (a CONNECT, an Expect Node does not
 * meet): its status, body and language, chosen from the request's headers as every other answer's.
 */
export function wireProblem(
  code: 'NOT_FOUND' | 'EXPECTATION_FAILED',
  headers: IncomingHttpHeaders,
  text: { zh: string; en: string },
  details: Record<string, unknown> = {},
): { status: number; lang: Lang; body: Record<string, unknown> } {
  const lang = langOf({ headers });
  const status = STATUS[code];
  const title = TITLES[code][lang];
  return { status, lang, body: { type: `urn:sd-open-data:problem:${code}`, title, status, code, detail: text[lang], ...(lang === 'zh' ? details : withEnglishErrors(details)) } };
}

/**
 * A refusal fastify raised, in the API's words where `FASTIFY_ZH` knows its code (English from
 * api/english.ts), else fastify's own: its English echoes the request ("'/v1/cases/%zz' is not a
 * valid url component", "Body is not valid JSON but content-type is set to …").
 */
export function fastifyText(err: { code?: string; message: string }): { zh: string; en: string } {
  const known = err.code === undefined ? undefined : FASTIFY_ZH[err.code];
  return known === undefined ? { zh: err.message, en: err.message } : { zh: known, en: inEnglish(known) };
}

/** An API-level refusal that is not the engine's (authentication, a bad query). */
export class ApiError extends Error {
  constructor(
    readonly code: keyof typeof STATUS,
    readonly text: { zh: string; en: string },
    readonly details: Record<string, unknown> = {},
    /** What went wrong underneath, for the log only (never sent to the caller). */
    cause?: unknown,
  ) {
    super(text.en, cause === undefined ? undefined : { cause });
  }
}

/** 503 readModelsRebuilding: a rebuild under way, how far it has come (a route's check before its query, or the query's own in its snapshot). */
export function rebuildingProblem(done: number, total: number): ApiError {
  return new ApiError(
    'UNAVAILABLE',
    { zh: `读模型正在重建（已处理到位置 ${done}，共 ${total}），此时的结果会不完整，请稍后再试`, en: `the read models are being rebuilt (at position ${done} of ${total}): an answer now would be incomplete; try again shortly` },
    { reason: 'readModelsRebuilding', retryAfter: 5 },
  );
}

/** A refusal's field errors in English (`api/english.ts`); anything else in its details as it is. */
function withEnglishErrors(details: Record<string, unknown>): Record<string, unknown> {
  const errors = details.errors;
  if (!Array.isArray(errors)) return details;
  return { ...details, errors: errors.map((e: { message?: unknown }) => (typeof e?.message === 'string' ? { ...e, message: inEnglish(e.message) } : e)) };
}

/** Field errors as one line of a detail: `path: message; …`. */
function listed(errors: readonly { path?: unknown; message?: unknown }[]): string {
  return errors.map((e) => `${String(e.path) || '(the whole form)'}: ${String(e.message)}`).join('; ');
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, err: unknown): FastifyReply {
  const lang = langOf(request);
  const inLang = (message: string) => (lang === 'zh' ? message : inEnglish(message));
  let code: keyof typeof STATUS = 'INTERNAL';
  let detail = TITLES.INTERNAL[lang];
  let extra: Record<string, unknown> = {};
  const failure = storeFailure(err);
  // A keyed request in flight when the stop began (its keys could not be read any more): turned away as
  // those that come after it are.
  if (err instanceof ServerStoppingError) err = shuttingDown();
  // A query that found the read models reset by a rebuild in its own snapshot (after its route's check passed).
  if (err instanceof ReadModelsRebuilding) err = rebuildingProblem(err.done, err.total);
  if (err instanceof EngineError || err instanceof ApiError) {
    // The server's own trouble, told to the caller as 503: the operator needs it in the log too.
    // In the operator's words, the Chinese the caller is told: the error's own message is the English
    // one, and its stack only the line that refused. A stop turning requests away is no trouble (info).
    if (err.code === 'UNAVAILABLE') {
      // With what went wrong underneath, where it is known (the JWKS endpoint's answer), so the operator can tell a platform down from one misconfigured.
      request.log[err.details.reason === 'shuttingDown' ? 'info' : 'warn']({ ...err.details, ...(err.cause !== undefined ? { err: err.cause } : {}) }, `服务暂时无法处理请求：${err.text.zh}`);
    }
    code = err.code === 'UNKNOWN_PROCESS' ? 'VALIDATION_FAILED' : err.code;
    detail = err.text[lang];
    extra = lang === 'zh' ? err.details : withEnglishErrors(err.details);
    // A broken rule about fields of the form (RuleSpec.fields): listed as a 400 lists them, in the caller's language.
    if (Array.isArray(extra.fieldErrors)) {
      const { fieldErrors, ...rest } = extra;
      extra = { ...rest, errors: (fieldErrors as { path: string; message: { zh: string; en: string } }[]).map((e) => ({ path: e.path, message: e.message[lang] })) };
    }
    // The engine's start names its `process`; over HTTP that is the body's, named as the route's own checks name a part of the request (body.process).
    if (err.code === 'UNKNOWN_PROCESS' && Array.isArray(extra.errors)) {
      extra = { ...extra, errors: (extra.errors as { path: string; message: string }[]).map((e) => ({ ...e, path: `body.${e.path}` })) };
    }
    // The engine's Chinese detail lists what was wrong, then how many more; so does the English, from the errors in English.
    const errors = lang === 'en' && err instanceof EngineError && err.code === 'VALIDATION_FAILED' ? extra.errors : undefined;
    if (Array.isArray(errors) && errors.length > 0) detail = `${detail}: ${listed(errors)}${typeof extra.moreErrors === 'number' ? ` (${extra.moreErrors} more not listed)` : ''}`;
  } else if (err instanceof InvalidQueryError) {
    // A query the read models refused after its schema passed (a cursor they never gave out).
    code = 'VALIDATION_FAILED';
    const reason = lang === 'zh' ? err.reason : inEnglish(err.reason);
    const label = requestFieldLabel(`querystring.${err.path}`);
    detail = lang === 'zh' ? `查询参数 ${err.path}${label ? `（${label}）` : ' '}无效：${reason}` : `query parameter ${err.path}: ${reason}`;
    extra = { errors: [{ path: `querystring.${err.path}`, message: reason }] };
  } else if (hasZodFastifySchemaValidationErrors(err)) {
    code = 'VALIDATION_FAILED';
    const at = (instancePath: string, ...more: string[]) => [err.validationContext, instancePath.replace(/^\//, '').replaceAll('/', '.'), ...more].filter(Boolean).join('.');
    const all = err.validation.flatMap((v) => {
      // An unknown field is reported where it is, one error each (as the forms' are).
      const keys = v.keyword === 'unrecognized_keys' ? (v.params as { keys?: unknown }).keys : undefined;
      if (Array.isArray(keys)) {
        // A query's are parameters, not a form's fields: "不允许的字段" read oddly to a reviewer trying ?stage= (reviewer QA).
        const said =
          err.validationContext === 'querystring'
            ? (key: unknown) => `${UNKNOWN_QUERY_PARAMETER}${String(key) === '' ? EMPTY_NAME : quoted(String(key))}`
            : (key: unknown) => unknownFields([key]);
        return keys.map((key) => ({ path: at(v.instancePath, cutShort(String(key))), message: inLang(said(key)) }));
      }
      const path = at(v.instancePath);
      // The field's Chinese name, for the Chinese detail only (an unknown field above has none: it is no field of the request).
      const said = lang === 'zh' ? (v.message ?? '') : issueInEnglish(v.message ?? '', v.keyword, v.params);
      const message = v.message === SINGLE_VALUE && err.validationContext === 'querystring' ? `${said}${QUERY_ONCE[lang]}` : said;
      return [{ path, message, label: requestFieldLabel(path) }];
    });
    // As many as the engine lists at most: a body of thousands of unknown keys is not answered with thousands of errors.
    const { errors, more } = reportedErrors(all);
    detail =
      lang === 'zh'
        ? `${CONTEXT_ZH[err.validationContext ?? ''] ?? '请求'}不符合要求：${errors.map(fieldErrorSaid).join('；')}`
        : `invalid ${CONTEXT_EN[err.validationContext ?? ''] ?? 'request'}: ${listed(errors)}`;
    if (more > 0) detail += lang === 'zh' ? `；另有 ${more} 处未列出` : ` (${more} more not listed)`;
    extra = unlabelled(errors, more);
  } else if (isFastifyClientError(err)) {
    code = err.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : err.statusCode === 401 ? 'UNAUTHENTICATED' : 'VALIDATION_FAILED';
    const message = fastifyText(err)[lang];
    detail = lang === 'zh' ? `${TITLES[code].zh}：${message}` : message;
    if (code === 'VALIDATION_FAILED') extra = { errors: [{ path: 'body', message }] };
  } else if (err instanceof UnreadableEventError) {
    // The store's content, not the request, is at fault: the other cases are served as usual.
    request.log.error({ err }, '存储的事件无法读取');
    const { streamId, revision, position } = err.event;
    code = 'UNAVAILABLE';
    detail =
      lang === 'zh'
        ? `案件的事件无法读取（${streamId} 版本 ${revision} 的事件，位置 ${position}）：存储内容已损坏或被改动，请联系管理员核查`
        : `an event of the case cannot be read (${streamId} revision ${revision}, position ${position}): the stored content was damaged or altered; ask an administrator to check it`;
    extra = { reason: 'storeUnreadable', position };
  } else if (err instanceof UpgradeRequiredError) {
    // Started on a version of its process this build does not have (a rollback, or an older node
    // beside a newer one): nothing is damaged, and nothing is decided with older rules.
    request.log.warn({ err }, '案件按更新版本的流程办理，本服务版本过旧');
    code = 'UNAVAILABLE';
    detail = `${err.text[lang]}${lang === 'zh' ? '（未保存任何内容）' : ' (nothing was stored)'}`;
    extra = { reason: 'upgradeRequired', process: err.process, version: err.version, newestKnown: err.newestKnown ?? null };
  } else if (err instanceof DamagedStreamError) {
    // The stored stream, not the request, is at fault: its machine cannot fold it (a start event
    // removed, a machine version nobody has). Verify names the first event that does not match.
    request.log.error({ err }, '存储的事件流无法按流程重放');
    code = 'UNAVAILABLE';
    detail =
      lang === 'zh'
        ? `该案件的办理记录可能已损坏或被改动，暂不能查看或办理，请联系平台管理员核查。技术信息：案件的事件流无法按流程重放（${err.streamId}），verify 可指出第一个不符的事件`
        : `this case's record may have been damaged or altered and cannot be read or worked on now: ask the platform administrator to check it. Technical: the case's events cannot be replayed through its process (${err.streamId}); verify names the first event that does not match`;
    extra = { reason: 'streamDamaged' };
  } else if (err instanceof StreamDeletedError) {
    // An EventStoreDB stream an operator deleted for good (a tombstone): no append to it can ever be
    // stored. A keyed start's case is told by the engine (caseDeleted); this is any other (the calendar's).
    request.log.error({ streamId: err.streamId }, '事件流已被永久删除，无法写入');
    code = 'UNAVAILABLE';
    detail =
      lang === 'zh'
        ? `事件存储中的事件流 ${err.streamId} 已被永久删除，无法再写入，未保存任何内容：请联系平台管理员`
        : `the event store's stream ${err.streamId} was deleted for good and cannot be written to; nothing was stored: contact the platform administrator`;
    extra = { reason: 'streamDeleted' };
  } else if (err instanceof AppendTooLargeError) {
    // A valid form within the body's cap whose event, with its metadata, passes what the store takes in one write.
    request.log.warn({ streamId: err.streamId, maxBytes: err.maxBytes }, '案件事件超过事件存储单次写入的上限');
    code = 'PAYLOAD_TOO_LARGE';
    detail =
      lang === 'zh'
        ? `提交的内容过大（连同办理记录超过 ${err.maxBytes} 字节），未保存任何内容：请精简表单内容（如减少列表项或缩短文字）后重新提交`
        : `the case's event is larger than the event store takes in one write (${err.maxBytes} bytes); nothing was stored: shorten the form (fewer list items, shorter text) and send it again`;
  } else if (err instanceof StoreUnreachableError) {
    // EventStoreDB down or its connection lost: every request that reads or writes the log meets it,
    // /health too, which a load balancer then takes for a node out of service. It passes when the store is back.
    // No stack: the client's internals; its message says what failed (the log helper saw a dozen lines a request).
    request.log.error({ cause: (err.cause as Error | undefined)?.message ?? err.message }, '无法连接数据存储');
    code = 'UNAVAILABLE';
    detail = STORE_UNREACHABLE_TEXT[lang];
    extra = { reason: 'storeUnreachable', retryAfter: 5 };
  } else if (failure === 'storeBusy') {
    request.log.warn({ err }, '数据存储被占用');
    code = 'UNAVAILABLE';
    detail = STORE_FAILURE_TEXT.storeBusy[lang];
    extra = { reason: failure, retryAfter: 5 };
  } else if (failure) {
    // No stack: SQLite's code and words say it, and a full disk met every request — 143 stacks in one
    // episode (operators' QA), each written to a log that may share the full disk.
    request.log.error({ reason: failure, code: (err as { code?: unknown }).code, cause: (err as Error).message }, '数据存储故障');
    code = 'UNAVAILABLE';
    detail = STORE_FAILURE_TEXT[failure === 'storeFull' || failure === 'storeNotFlushed' ? failure : 'other'][lang];
    // Written but not known to be on disk: no retry helps until the server is restarted.
    extra = failure === 'storeNotFlushed' ? { reason: failure } : { reason: failure, retryAfter: 30 };
  } else {
    request.log.error({ err }, '未预料的错误');
  }
  const status = STATUS[code];
  // RFC 6750: a 401 tells the client which scheme to authenticate with.
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="sd-open-data"');
  // RFC 9110 §10.2.3: when to try again, for a 503 that will pass.
  const { retryAfter, ...shown } = extra;
  if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
  extra = shown;
  return inLanguage(reply, lang)
    .code(status)
    .type('application/problem+json')
    .send({ type: `urn:sd-open-data:problem:${code}`, title: TITLES[code][lang], status, code, detail, ...extra });
}

const STORE_FAILURE_TEXT = {
  storeBusy: {
    zh: '数据存储正被其他进程长时间占用（例如在服务旁运行的读模型重建），未保存任何内容，请稍后重试',
    en: 'the data store is held by another process (a read-model rebuild beside the server, say); nothing was stored; try again shortly',
  },
  storeFull: {
    zh: '数据存储空间不足，未保存任何内容，请联系管理员清理磁盘后重试',
    en: 'the data store is out of space; nothing was stored; ask an administrator to free disk space, then try again',
  },
  storeNotFlushed: {
    zh: '数据存储未能把日志写入磁盘（磁盘刷新失败）：本次及此后的指令可能已写入，但无法确认断电后仍在，服务已停止接受指令。请联系管理员检查磁盘并重启服务，重启后查看案件确认指令是否已保存',
    en: 'the data store could not flush its log to disk: this command, and any since, may be written but cannot be said to survive a power loss, and the server takes no more commands. Ask an administrator to check the disk and restart the server, then look at the case to see whether the command was stored',
  },
  other: {
    zh: '数据存储暂时无法写入或读取（数据目录只读或磁盘故障），未保存任何内容，请联系管理员',
    en: 'the data store cannot be written or read (a read-only data folder or a disk fault); nothing was stored; ask an administrator',
  },
};

/** What a request the server turns away while it stops is answered (503 shuttingDown). */
export function shuttingDown(): ApiError {
  return new ApiError(
    'UNAVAILABLE',
    { zh: '服务正在停止，未处理本请求，也未保存任何内容，请稍后重试', en: 'the server is shutting down; the request was not handled and nothing was stored; try again shortly' },
    { reason: 'shuttingDown', retryAfter: 5 },
  );
}

const STORE_UNREACHABLE_TEXT = {
  zh: '暂时无法连接数据存储（EventStoreDB），请稍后重试。若这是一条指令，它可能已保存也可能未保存：请带同一 Idempotency-Key 重试，已保存的不会重复保存',
  en: 'the data store (EventStoreDB) cannot be reached for now; try again shortly. If this was a command, it may or may not have been stored: retry it with the same Idempotency-Key, which never stores it twice',
};

/** The embedded store's file found damaged (a malformed page) or no database at all: SQLite's codes for it. */
export function storeDamage(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/** A failure of the embedded store's file (better-sqlite3's `SqliteError` codes), not of the request. */
export function storeFailure(err: unknown): 'storeFull' | 'storeReadOnly' | 'storeIo' | 'storeBusy' | 'storeNotFlushed' | undefined {
  if (err instanceof LogNotFlushedError) return 'storeNotFlushed';
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  if (code === 'SQLITE_FULL') return 'storeFull';
  // Another connection held the write lock past the busy timeout: it passes, nothing is wrong with the store.
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'storeBusy';
  if (code.startsWith('SQLITE_READONLY')) return 'storeReadOnly';
  // A file that no longer reads as a database (damaged, or overwritten while open) is a disk fault to the caller too.
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN') || storeDamage(err)) return 'storeIo';
  return undefined;
}

function isFastifyClientError(err: unknown): err is { statusCode: number; message: string; code?: string } {
  const s = (err as { statusCode?: unknown })?.statusCode;
  return typeof s === 'number' && s >= 400 && s < 500;
}
