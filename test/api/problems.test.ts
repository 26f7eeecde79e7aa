/**
 * Problems (RFC 9457, API.md "Errors") in the client's language: fastify's own refusals of a body or
 * a URL are told in Chinese too; English is chosen by `Accept-Language` preference, q-values weighed;
 * a 401 names the scheme to authenticate with (RFC 6750).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { createVerifier, mintToken } from '../../api/auth.js';
import { ManualClock } from '../../infra/clock.js';
import { buildServer } from '../../api/server.js';
import { loadConfig } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';
import { ApiError } from '../../api/problem.js';
import { companyApplicant, companyCreditCode, startInputs } from '../machines/examples.js';
import { SECRET, startTestApi, type TestApi } from './harness.js';

let api: TestApi;
let applicant: string;
beforeAll(async () => {
  api = await startTestApi();
  applicant = await api.token('applicant', '91370100MA3C5ABC1B');
});
afterAll(() => api.close());

describe('fastify’s own refusals, in Chinese by default', () => {
  it.each([
    ['a body that is not JSON', { body: 'not json', headers: { 'content-type': 'application/json' } }, '请求数据不符合要求：请求体不是有效的 JSON'],
    ['an empty JSON body', { body: '', headers: { 'content-type': 'application/json' } }, '请求数据不符合要求：请求体为空，但声明的内容类型是 JSON'],
    ['a body over the cap', { body: JSON.stringify({ process: 'objection', input: { description: 'x'.repeat(1_100_000) } }), headers: { 'content-type': 'application/json' } }, '请求体过大：请求体超过大小上限（1 MiB）'],
  ])('POST /v1/cases with %s: detail (and errors, if any) in Chinese', async (_what, request, detail) => {
    const res = await api.call('POST', '/v1/cases', { as: applicant, ...request });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.detail).toBe(detail);
    for (const e of res.body.errors ?? []) expect(detail).toContain(e.message);
  });

  it.each([
    ['application/x-www-form-urlencoded', 'process=objection'],
    // A JSON object, labelled text/plain: not "应为 JSON 对象", which it is.
    ['text/plain', '{"process":"objection","input":{}}'],
  ])('a body in a media type other than JSON (%s): 400 naming body, in Chinese', async (type, body) => {
    const res = await api.call('POST', '/v1/cases', { as: applicant, body, headers: { 'content-type': type } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'body', message: '不支持的请求内容类型，请使用 application/json' }]);
  });

  it('a cursor no list gave out: 400 naming querystring.cursor, in Chinese', async () => {
    const res = await api.call('GET', '/v1/cases?cursor=garbage', { as: applicant });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'querystring.cursor', message: '不是本列表给出的翻页游标，请从第一页重新开始' }]);
    expect(res.body.detail).toBe('查询参数 cursor（翻页游标）无效：不是本列表给出的翻页游标，请从第一页重新开始');
  });

  it('a URL with a broken escape: 400 in Chinese, with the errors VALIDATION_FAILED carries', async () => {
    const res = await api.call('GET', '/v1/cases/%zz', { as: applicant });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', detail: '请求地址无效：请求地址含有无效的编码', errors: [{ path: 'url', message: '请求地址含有无效的编码' }] });
  });

  it('a path parameter over its 100 characters (the router refuses it before any route): 400 VALIDATION_FAILED as its schema says, not 404', async () => {
    for (const [method, url] of [
      ['GET', `/v1/cases/${'a'.repeat(101)}`],
      ['POST', `/v1/cases/${'a'.repeat(101)}/commands`],
      ['GET', `/v1/processes/${'a'.repeat(101)}/diagram`],
      // The calendar's routes too; their documents said 404 (OpenAPI QA).
      ['GET', `/v1/calendar/${'2'.repeat(101)}`],
      ['PUT', `/v1/calendar/${'2'.repeat(101)}`],
    ] as const) {
      const res = await api.call(method, url, { as: applicant, ...(method === 'POST' ? { body: { type: 'WITHDRAW' } } : method === 'PUT' ? { body: {} } : {}) });
      expect([url, res.status]).toEqual([url, 400]);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', detail: '请求地址无效：请求地址中的参数过长', errors: [{ path: 'url', message: '请求地址中的参数过长' }] });
    }
  });

  it('under /v1, a request with no token, or a bad one, whose address the router refuses (a broken escape, an over-long parameter): 401 first, as at every route', async () => {
    for (const url of ['/v1/cases/%E4%B8', `/v1/cases/${'a'.repeat(101)}`, `/v1/cases/${'a'.repeat(101)}/history`]) {
      const none = await api.call('GET', url);
      expect([url, none.status, none.body.code]).toEqual([url, 401, 'UNAUTHENTICATED']);
      const bad = await api.call('GET', url, { headers: { authorization: 'Bearer not-a-token' } });
      expect([url, bad.status, bad.body.code]).toEqual([url, 401, 'UNAUTHENTICATED']);
    }
    // Outside /v1 no token is asked for: the address's own refusal.
    expect((await api.call('GET', '/docs/%zz')).status).toBe(400);
  });

});

describe('fastify’s own refusals, in English with Accept-Language: en', () => {
  const en = { 'accept-language': 'en' };
  it.each([
    ['a body that is not JSON', { body: 'not json', headers: { 'content-type': 'application/json' } }, 400, 'the body is not valid JSON'],
    ['an empty JSON body', { body: '', headers: { 'content-type': 'application/json' } }, 400, 'the body is empty, but its content type says JSON'],
    ['a body over the cap', { body: JSON.stringify({ process: 'objection', input: { description: 'x'.repeat(1_100_000) } }), headers: { 'content-type': 'application/json' } }, 413, 'the body is larger than the limit (1 MiB)'],
    ['a form-encoded body', { body: 'process=objection', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 400, 'unsupported content type: send application/json'],
  ])('given %s, then detail (and errors, if any) in the API’s English, not fastify’s', async (_what, request, status, message) => {
    const res = await api.call('POST', '/v1/cases', { as: applicant, ...request, headers: { ...request.headers, ...en } });
    expect(res.status).toBe(status);
    expect(res.body.detail).toBe(message);
    for (const e of res.body.errors ?? []) expect(e).toEqual({ path: 'body', message });
  });

  it('given a URL with a broken escape, then the API’s English, without the URL echoed back', async () => {
    const res = await api.call('GET', '/v1/cases/%zz', { as: applicant, headers: en });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      title: 'Validation failed',
      detail: 'invalid address: the address holds an invalid percent-encoding',
      errors: [{ path: 'url', message: 'the address holds an invalid percent-encoding' }],
    });
  });
});

/** Sends bytes on a connection of its own and reads all that comes back until the server closes it. */
function exchange(port: number, send: (socket: ReturnType<typeof connect>) => void): Promise<string> {
  return new Promise<string>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => send(socket));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** A whole HTTP/1.1 answer, read off the wire: its status line, headers (lower-cased names) and body as bytes and as JSON. */
function answerOf(raw: string) {
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  const body = rest.join('\r\n\r\n');
  return { statusLine, headers, bytes: Buffer.byteLength(body), json: JSON.parse(body) };
}

describe('a request Node cannot read (answered before any route, as fastify’s clientErrorHandler)', () => {
  let built: Awaited<ReturnType<typeof buildServer>>;
  let port: number;
  const logged: Record<string, unknown>[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString('utf8').split('\n')) if (text) logged.push(JSON.parse(text) as Record<string, unknown>);
        done();
      },
    });
    built = await buildServer({ ...api.app, logger: createLogger({ level: 'info' }, sink) });
    await built.listen({ port: 0, host: '127.0.0.1' });
    port = (built.server.address() as AddressInfo).port;
  });
  afterAll(() => built.close());

  it.each([
    ['headers of 20 KB', `GET /v1/cases HTTP/1.1\r\nHost: x\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`, 'HTTP/1.1 431 Request Header Fields Too Large', { code: 'HEADERS_TOO_LARGE', status: 431, title: '请求头过大', detail: '请求头过大：请求头超过大小上限' }],
    ['a request line that is not HTTP', 'GARBAGE\r\n\r\n', 'HTTP/1.1 400 Bad Request', { code: 'VALIDATION_FAILED', status: 400, errors: [{ path: 'request', message: '不是有效的 HTTP 请求：请求行或请求头无法解析' }] }],
    ['Content-Length: abc', 'POST /v1/cases HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 'HTTP/1.1 400 Bad Request', { code: 'VALIDATION_FAILED', status: 400, errors: [{ path: 'headers.content-length', message: '请求头 Content-Length 无效' }] }],
  ])('given %s, then a whole problem+json answer in Chinese with the API’s code, and the connection closed', async (_what, request, statusLine, problem) => {
    const answer = answerOf(await exchange(port, (socket) => socket.write(request)));
    expect(answer.statusLine).toBe(statusLine);
    expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(answer.headers['connection']).toBe('close');
    expect(Number(answer.headers['content-length'])).toBe(answer.bytes);
    expect(answer.json).toMatchObject({ type: `urn:sd-open-data:problem:${problem.code}`, ...problem });
    expect(answer.json.detail).toMatch(/\p{Script=Han}/u);
    // Operators' QA: such an answer had no request id (every other has), and no log line to find by it.
    expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(logged.filter((l) => l.reqId === answer.headers['x-request-id'])).toEqual([expect.objectContaining({ msg: '请求无法解析，已作答并关闭连接', res: { statusCode: problem.status } })]);
  });
});

describe('a client that sends its request slowly', () => {
  it('is cut off once the request has taken 30 s (Node answers 408): a trickle of bytes holds no socket for ever', () => {
    expect(api.server.server.requestTimeout).toBe(30_000);
    expect(api.server.server.headersTimeout).toBe(30_000);
  });

  it('is cut off within a few seconds of its deadline: Node looks every 2 s, not every 30 s', async () => {
    const server = (await import('../../api/server.js')).buildServer;
    const built = await server(api.app);
    try {
      await built.listen({ port: 0, host: '127.0.0.1' });
      // A deadline of 300 ms: a body trickled a byte every 100 ms is answered 408 within ~2.5 s, not after 30.
      built.server.requestTimeout = 300;
      built.server.headersTimeout = 300;
      const { port } = built.server.address() as AddressInfo;
      const started = Date.now();
      const answer = await new Promise<string>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port }, () => {
          socket.write(`POST /v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${applicant}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`);
          const timer = setInterval(() => socket.write('{'), 100);
          socket.on('close', () => clearInterval(timer));
        });
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString('utf8')));
        socket.on('close', () => resolve(text));
        socket.on('error', () => resolve(text));
      });
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
      expect(Date.now() - started).toBeLessThan(5_000);
      // As a problem, in Chinese, like every other answer.
      expect(answerOf(answer).headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(answerOf(answer).json).toEqual({ type: 'urn:sd-open-data:problem:REQUEST_TIMEOUT', title: '请求超时', status: 408, code: 'REQUEST_TIMEOUT', detail: '请求超时：请求未在时限内发送完整，连接已关闭' });
      // Counted as every other answer (it was in no series: a flood of slow bodies went unseen).
      const metrics = await built.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(/^workflow_http_requests_total\{method="POST",route="\/v1\/cases",status="408"\} 1$/m);
    } finally {
      await built.close();
    }
  });
});

describe('a JSON body with a key secure JSON parsing refuses', () => {
  const json = { 'content-type': 'application/json' };

  it.each([
    ['a "__proto__" key at the top', '{"__proto__":{"role":"admin"},"process":"objection","input":{}}', 'body.__proto__', '不允许使用 __proto__ 作为字段名'],
    ['a "__proto__" key in the input', '{"process":"objection","input":{"description":"x","__proto__":{}}}', 'body.input.__proto__', '不允许使用 __proto__ 作为字段名'],
    ['a "__proto__" key in a list', '{"process":"objection","input":{"evidence":[{"__proto__":null}]}}', 'body.input.evidence.0.__proto__', '不允许使用 __proto__ 作为字段名'],
    ['a "constructor" holding "prototype"', '{"process":"objection","input":{"constructor":{"prototype":{"x":1}}}}', 'body.input.constructor', '不允许 constructor 字段中含有 prototype'],
  ])('given %s, when it is POSTed, then 400 VALIDATION_FAILED naming the key, not "not valid JSON"', async (_what, body, path, message) => {
    const res = await api.call('POST', '/v1/cases', { as: applicant, body, headers: json });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', detail: `请求体不符合要求：${path} ${message}`, errors: [{ path, message }] });
  });

  it('given a "__proto__" key under 300,000 lists, when it is POSTed, then the 400 names its path cut in the middle, not all 300,000 steps twice over (1.2 MB)', async () => {
    const depth = 300_000;
    const body = `{"process":"objection","input":${'['.repeat(depth)}{"__proto__":1}${']'.repeat(depth)}}`;
    const res = await api.call('POST', '/v1/cases', { as: applicant, body, headers: json });
    expect(res.status).toBe(400);
    const path = 'body.input.0.0.0.0.….0.0.__proto__';
    expect(res.body).toMatchObject({ detail: `请求体不符合要求：${path} 不允许使用 __proto__ 作为字段名`, errors: [{ path }] });
    expect(res.text.length).toBeLessThan(1000);
  });

  it('given a "__proto__" key under a key of 100,000 characters, then the path shows the key cut short', async () => {
    const key = '名'.repeat(100_000);
    const res = await api.call('POST', '/v1/cases', { as: applicant, body: `{"process":"objection","input":{"${key}":{"__proto__":1}}}`, headers: json });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toMatch(/^body\.input\.名+…\.__proto__$/);
    expect(res.text.length).toBeLessThan(2000);
  });

  it('given a "__proto__" key and Accept-Language: en, then the detail says so in English', async () => {
    const res = await api.call('POST', '/v1/cases', { as: applicant, body: '{"__proto__":{}}', headers: { ...json, 'accept-language': 'en' } });
    expect(res.status).toBe(400);
    expect(res.body.detail).toBe('a "__proto__" key is not allowed (body.__proto__)');
  });
});

describe('a body that is not UTF-8 (RFC 8259 §8.1)', () => {
  // 异议 "数据有误" in GBK: as UTF-8 these bytes are invalid, and read leniently they became U+FFFD for good.
  const gbk = Buffer.concat([Buffer.from('{"process":"objection","input":{"datasetName":"'), Buffer.from([0xca, 0xfd, 0xbe, 0xdd, 0xd3, 0xd0, 0xce, 0xf3]), Buffer.from('"}}')]);

  it('given GBK bytes sent as application/json, then 400 naming the body, and no case is started', async () => {
    const before = (await api.call('GET', '/v1/cases', { as: applicant })).body.items.length;
    const res = await api.call('POST', '/v1/cases', { as: applicant, body: gbk, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'body', message: '不是有效的 UTF-8 编码：请以 UTF-8 发送 JSON（如从 GBK 文本转换）' }] });
    expect((await api.call('GET', '/v1/cases', { as: applicant })).body.items.length).toBe(before);
  });

  it('given a charset other than UTF-8 declared, then 400 naming it, in Chinese and English; utf-8 declared is read as usual', async () => {
    const declared = await api.call('POST', '/v1/cases', { as: applicant, body: gbk, headers: { 'content-type': 'application/json; charset=GBK' } });
    expect(declared.body.errors).toEqual([{ path: 'body', message: '须以 UTF-8 编码发送（声明的字符集为 gbk）' }]);
    const en = await api.call('POST', '/v1/cases', { as: applicant, body: gbk, headers: { 'content-type': 'application/json; charset=gbk', 'accept-language': 'en' } });
    expect(en.body.errors).toEqual([{ path: 'body', message: 'must be sent in UTF-8 (the declared charset is gbk)' }]);
    const utf8 = await api.call('POST', '/v1/cases', { as: applicant, body: '{"process":"nothing"}', headers: { 'content-type': 'application/json; charset=UTF-8' } });
    expect([utf8.status, utf8.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(utf8.body.errors.map((e: { path: string }) => e.path)).not.toContain('body');
  });
});

describe('a credit code with one character mistyped (GB 32100-2015 check character)', () => {
  it('given the company itself starting with its code mistyped, then 400 naming applicant.creditCode, in Chinese and English, and no case is started', async () => {
    const company = await api.token('applicant', companyCreditCode);
    const input = { ...startInputs.conditionalApplication, applicant: { ...companyApplicant, creditCode: '91370100MA3C8K2D0F' } };
    const body = { process: 'conditionalApplication', input };
    const zh = await api.call('POST', '/v1/cases', { as: company, body });
    expect([zh.status, zh.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(zh.body.errors).toEqual([{ path: 'applicant.creditCode', message: '统一社会信用代码校验位不正确' }]);
    const en = await api.call('POST', '/v1/cases', { as: company, body, headers: { 'accept-language': 'en' } });
    expect(en.body.errors).toEqual([{ path: 'applicant.creditCode', message: 'the unified social credit code’s check character is wrong' }]);
    expect((await api.call('GET', '/v1/cases', { as: company })).body.items).toEqual([]);
    // The code as registered starts the case.
    const right = await api.call('POST', '/v1/cases', { as: company, body: { process: 'conditionalApplication', input: startInputs.conditionalApplication } });
    expect(right.status).toBe(201);
  });
});

// Mutation QA: an unknown process kept the engine's own code (UNKNOWN_PROCESS), in no table of API.md, with the test still passing.
describe('a start of a process that does not exist', () => {
  it.each(['zh', 'en'])('is 400 VALIDATION_FAILED, its code and type from API.md (%s)', async (lang) => {
    const res = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'fooBar', input: {} }, headers: { 'accept-language': lang } });
    expect([res.status, res.body.code, res.body.type]).toEqual([400, 'VALIDATION_FAILED', 'urn:sd-open-data:problem:VALIDATION_FAILED']);
  });
});

describe('Accept-Language preference', () => {
  it.each([
    ['en', 'en'],
    ['fr-FR,en;q=0.9', 'en'],
    ['zh;q=0.5,en;q=0.8', 'en'],
    ['en-GB;q=0.5,zh-CN', 'zh'],
    ['zh-CN,zh;q=0.9,en;q=0.8', 'zh'],
    ['fr-FR', 'zh'],
    ['en;q=0', 'zh'],
    ['', 'zh'],
    // `*` stands for Chinese (and English) where the header does not name it.
    ['*, en;q=0.5', 'zh'],
    ['en;q=0.5, *;q=0.9', 'zh'],
    ['*;q=0.5, en', 'en'],
    ['zh;q=0.1, *, en;q=0.5', 'en'],
    // A q that is not an RFC 9110 qvalue: the entry is ignored, never read as q=1.
    ['en;q=.5, zh;q=0.8', 'zh'],
    ['en;q=0.5000, zh;q=0.8', 'zh'],
    ['en;q=abc, zh;q=0.8', 'zh'],
    ['en;q=2', 'zh'],
    ['en;q=1.000, zh;q=0.999', 'en'],
    // Equal weights: the one listed first (mutation QA: the tie-break was unpinned).
    ['en, zh', 'en'],
    ['zh, en', 'zh'],
    ['en;q=0.8, zh;q=0.8', 'en'],
  ])('%j answers in %s, and says so (Content-Language, Vary: Accept-Language)', async (header, lang) => {
    const res = await api.call('GET', '/v1/cases/3f0b5f8e-2a47-4c1e-9d55-0c6a1f2b7e90', { as: applicant, headers: { 'accept-language': header } });
    expect(res.status).toBe(404);
    expect(res.body.title).toBe(lang === 'en' ? 'Not found' : '未找到');
    expect(res.headers['content-language']).toBe(lang === 'en' ? 'en' : 'zh-CN');
    expect(res.headers['vary']).toBe('Accept-Language');
  });

  it('given no Accept-Language, then a problem still says it is Chinese and varies with Accept-Language', async () => {
    const res = await api.call('GET', '/v1/cases/3f0b5f8e-2a47-4c1e-9d55-0c6a1f2b7e90', { as: applicant });
    expect([res.status, res.headers['content-language'], res.headers['vary']]).toEqual([404, 'zh-CN', 'Accept-Language']);
  });
});

describe('401', () => {
  it('names the Bearer scheme in WWW-Authenticate, with or without a token', async () => {
    for (const headers of [{}, { authorization: 'Bearer not-a-token' }] as Record<string, string>[]) {
      const res = await api.call('GET', '/v1/inbox', { headers });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="sd-open-data"');
    }
  });
});

describe('a token must say when it expires (exp)', () => {
  const claims = { role: 'applicant', org: '91370100MA3C5ABC1B' };

  it('given an HS256 token signed with the right secret but without exp, when it is used, then 401 UNAUTHENTICATED saying it has no expiry, in Chinese and in English', async () => {
    const noExp = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('u1').setIssuedAt().sign(new TextEncoder().encode(SECRET));
    const res = await api.call('GET', '/v1/inbox', { as: noExp });
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', title: '未登录或凭证无效', detail: '登录凭证没有有效期（exp），不予接受' });
    const en = await api.call('GET', '/v1/inbox', { as: noExp, headers: { 'accept-language': 'en' } });
    expect(en.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', detail: 'the token has no expiry (exp claim)' });
  });

  it.each([
    ['a NUL in its subject', { sub: 'u1\u0000x' }],
    ['a lone surrogate in its name', { name: '张\ud800' }],
    ['an organisation code of 201 characters', { org: 'x'.repeat(201) }],
  ])('given a token with %s, when it is used, then 401: its claims are stamped on every event it sends', async (_what, bad) => {
    const token = await new SignJWT({ ...claims, sub: 'u1', ...bad }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
    const res = await api.call('GET', '/v1/inbox', { as: token });
    expect(res.status).toBe(401);
    expect(res.body.detail).toBe('登录凭证的声明（sub、role、org、name）缺失或无效');
  });

  it('given the same token with exp, then it is accepted', async () => {
    const withExp = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('u1').setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
    expect((await api.call('GET', '/v1/inbox', { as: withExp })).status).toBe(200);
  });

  it('given RS256 tokens from an identity provider’s JWKS, when one has no exp, then it is refused as UNAUTHENTICATED; one with exp is accepted', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] });
    const idp = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    try {
      const verifier = createVerifier({ jwksUrl: `http://127.0.0.1:${(idp.address() as AddressInfo).port}/jwks.json` });
      const sign = (expires?: string) => {
        const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('u1').setIssuedAt();
        return (expires ? jwt.setExpirationTime(expires) : jwt).sign(privateKey);
      };
      const refused = await verifier.verify(await sign()).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(ApiError);
      expect(refused).toMatchObject({ code: 'UNAUTHENTICATED', text: { zh: '登录凭证没有有效期（exp），不予接受' } });
      await expect(verifier.verify(await sign('1h'))).resolves.toMatchObject({ sub: 'u1', role: 'applicant' });
    } finally {
      await new Promise((resolve) => idp.close(resolve));
    }
  });
});

describe('given an identity provider that withdraws a key', () => {
  it('when a token signed with it comes again after the recheck time, then it is refused; before, it is still taken from the cache', async () => {
    const k1 = await generateKeyPair('RS256');
    const k2 = await generateKeyPair('RS256');
    const setOf = async (kid: string, key: Awaited<ReturnType<typeof generateKeyPair>>['publicKey']) => JSON.stringify({ keys: [{ ...(await exportJWK(key)), kid, alg: 'RS256', use: 'sig' }] });
    let served = await setOf('k1', k1.publicKey);
    const idp = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(served));
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    try {
      const clock = new ManualClock('2026-12-02T08:00:00.000Z');
      // Tokens are kept a minute; the key set is fetched again whenever a token is verified.
      const verifier = createVerifier({ jwksUrl: `http://127.0.0.1:${(idp.address() as AddressInfo).port}/jwks.json`, now: () => clock.now(), recheckMs: 60_000, keySetMaxAgeMs: 0 });
      const token = await new SignJWT({ role: 'applicant', org: '91370100MA3C5ABC1B' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('u1').setIssuedAt(clock.now()).setExpirationTime(new Date('2026-12-03T08:00:00Z')).sign(k1.privateKey);
      await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'u1' });
      served = await setOf('k2', k2.publicKey);
      clock.advance(59_000);
      await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'u1' });
      clock.advance(2_000);
      await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    } finally {
      await new Promise((resolve) => idp.close(resolve));
    }
  });
});

describe('given an identity provider out of reach', () => {
  it.each([
    ['nothing listening', async () => ({ url: 'http://127.0.0.1:1/jwks.json', close: async () => {} })],
    ['an error page', async () => {
      const idp = createServer((_req, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad Gateway</h1>'));
      await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
      return { url: `http://127.0.0.1:${(idp.address() as AddressInfo).port}/jwks.json`, close: () => new Promise<void>((resolve) => idp.close(() => resolve())) };
    }],
  ])('(%s), when an RS256 token comes, then 503 UNAVAILABLE identityProviderUnreachable with Retry-After — not "the token is not valid"', async (_what, start) => {
    const { privateKey } = await generateKeyPair('RS256');
    const idp = await start();
    try {
      const verifier = createVerifier({ jwksUrl: idp.url });
      const token = await new SignJWT({ role: 'applicant', org: '91370100MA3C5ABC1B' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('u1').setIssuedAt().setExpirationTime('1h').sign(privateKey);
      const refused = await verifier.verify(token).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(ApiError);
      expect(refused).toMatchObject({ code: 'UNAVAILABLE', details: { reason: 'identityProviderUnreachable', retryAfter: 10 } });
    } finally {
      await idp.close();
    }
  });
});

describe('schema messages in plain Chinese', () => {
  it.each([
    ['GET', '/v1/cases?limit=1.5', undefined, 'querystring.limit', '应为整数'],
    ['GET', '/v1/cases?limit=abc', undefined, 'querystring.limit', '应为数字'],
    ['GET', '/v1/cases?limit=0', undefined, 'querystring.limit', '不小于 1'],
    ['GET', '/v1/cases?limit=101', undefined, 'querystring.limit', '不大于 100'],
    ['POST', '/v1/cases', { process: 'objection' }, 'body.input', '必填'],
    ['POST', '/v1/cases', { input: {} }, 'body.process', '必填'],
    ['POST', '/v1/cases', [], 'body', '应为 JSON 对象'],
  ] as const)('%s %s %j: %s %s', async (method, url, body, path, message) => {
    const res = await api.call(method, url, { as: applicant, ...(body !== undefined ? { body } : {}) });
    expect(res.status).toBe(400);
    expect(res.body.errors).toContainEqual({ path, message });
  });

  it('a report period given as a date, and an unknown groupBy: what to send instead', async () => {
    const supervisor = await api.token('supervisor', '370000-dsj');
    const date = await api.call('GET', '/v1/reports/sla?from=2026-06-01', { as: supervisor });
    expect(date.body.errors).toEqual([{ path: 'querystring.from', message: '应为带 Z 或时区偏移的 ISO-8601 时刻，例如 2026-06-01T00:00:00Z' }]);
    const groupBy = await api.call('GET', '/v1/reports/sla?groupBy=city', { as: supervisor });
    expect(groupBy.body.errors).toEqual([{ path: 'querystring.groupBy', message: '应为以下之一：org、process、stage' }]);
  });

  it('an Idempotency-Key over 200 characters', async () => {
    const res = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: {} }, headers: { 'idempotency-key': 'k'.repeat(201) } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toContainEqual({ path: 'headers.idempotency-key', message: '不超过 200 个字符' });
  });
});

describe('a number in a query sent blank', () => {
  it.each([
    ['/v1/inbox?dueWithin=', 'dueWithin'],
    ['/v1/inbox?dueWithin=%20', 'dueWithin'],
    ['/v1/inbox?limit=', 'limit'],
    ['/v1/cases?limit=%20', 'limit'],
    ['/v1/cases?minPosition=', 'minPosition'],
    ['/v1/reports/overdue?minPosition=', 'minPosition'],
    ['/v1/processes/objection/diagram?version=', 'version'],
    ['/v1/calendar/2026?minPosition=%09', 'minPosition'],
    ['/v1/calendar/deadline?from=2026-03-02&workingDays=%20', 'workingDays'],
  ])('given GET %s, then 400 naming it, "不能为空" — not read as 0 (a filter nobody asked for, which hid all work)', async (url, name) => {
    const as = url.startsWith('/v1/reports') ? await api.token('supervisor', '370000-dsj') : applicant;
    const res = await api.call('GET', url, { as });
    expect(res.status, res.text.slice(0, 200)).toBe(400);
    expect(res.body.errors).toEqual([{ path: `querystring.${name}`, message: '不能为空' }]);
    const en = await api.call('GET', url, { as, headers: { 'accept-language': 'en' } });
    expect(en.body.errors).toEqual([{ path: `querystring.${name}`, message: 'must not be empty' }]);
  });
});

describe('unknown fields in a request body', () => {
  it.each([
    ['POST', '/v1/cases', { process: 'objection', input: {}, extra: 1 }, 'body.extra', 'applicant'],
    // Only an admin may move the clock: anyone else is told so before the body is read (roleBeforeInput).
    ['PUT', '/v1/test/clock', { now: '2026-03-03T00:00:00Z', x: 1 }, 'body.x', 'admin'],
  ] as const)('%s %s: 400 naming the field at its own path', async (method, url, body, path, role) => {
    const res = await api.call(method, url, { as: role === 'admin' ? await api.token('admin', '370000-dsj') : applicant, body });
    expect(res.status).toBe(400);
    expect(res.body.errors).toContainEqual({ path, message: `不允许的字段：${path.slice(5)}` });
  });
});

describe('the test clock moves forward only', () => {
  it('given the clock at an instant, when an admin moves it back, then 400 naming body.now and the clock stays; to the same instant or later, then 200', async () => {
    const admin = await api.token('admin', '370000-dsj');
    const now = (await api.call('PUT', '/v1/test/clock', { as: admin, body: { now: '2026-06-01T00:00:00Z' } })).body.now as string;
    const back = await api.call('PUT', '/v1/test/clock', { as: admin, body: { now: '2026-05-31T23:59:59Z' } });
    expect(back.status).toBe(400);
    expect(back.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'body.now', message: `不得早于测试时钟的当前时间 ${now}` }] });
    expect((await api.call('PUT', '/v1/test/clock', { as: admin, body: { now } })).body).toMatchObject({ now });
    expect((await api.call('PUT', '/v1/test/clock', { as: admin, body: { now: '2026-06-02T00:00:00+08:00' } })).status).toBe(200);
  });
});

describe('given the test clock off (WORKFLOW_TEST_CLOCK unset, as always in production)', () => {
  it('when PUT /v1/test/clock is sent with any body — good, wrong, not JSON, over the cap, none — then 404 测试时钟未开启, before the body is read; and /docs does not list it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wf-clock-off-'));
    const app = await createApp(loadConfig({ WORKFLOW_DATA_DIR: dataDir, WORKFLOW_JWT_SECRET: SECRET, WORKFLOW_SQLITE_SYNCHRONOUS: 'OFF' }), { logger: createLogger({ level: 'silent' }) });
    const server = await buildServer(app);
    try {
      expect(app.testClock).toBeUndefined();
      const admin = await mintToken(SECRET, { sub: 'admin', role: 'admin', org: '370000-dsj' });
      const json = 'application/json';
      for (const [payload, type] of [
        [JSON.stringify({ now: '2030-01-01T00:00:00Z' }), json],
        [JSON.stringify({ bad: 1 }), json],
        ['{"now":', json],
        [JSON.stringify({ now: 'x'.repeat(1_100_000) }), json],
        ['now=2030', 'text/plain'],
        [undefined, undefined],
      ] as const) {
        const res = await server.inject({ method: 'PUT', url: '/v1/test/clock', headers: { authorization: `Bearer ${admin}`, ...(type ? { 'content-type': type } : {}) }, ...(payload !== undefined ? { payload } : {}) });
        expect(res.statusCode, `${String(payload).slice(0, 40)} → ${res.body.slice(0, 200)}`).toBe(404);
        expect(res.json()).toMatchObject({ code: 'NOT_FOUND', detail: '测试时钟未开启' });
      }
      const en = await server.inject({ method: 'PUT', url: '/v1/test/clock', headers: { authorization: `Bearer ${admin}`, 'accept-language': 'en' } });
      expect(en.json()).toMatchObject({ code: 'NOT_FOUND', detail: 'the test clock is off' });
      const docs = (await server.inject({ method: 'GET', url: '/docs' })).json();
      expect(Object.keys(docs.paths)).not.toContain('/v1/test/clock');
      expect(Object.keys(docs.paths)).toContain('/v1/cases');
    } finally {
      await server.close();
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a query parameter a route does not take', () => {
  it('given one with an empty name (?=1), then 400 saying so, not an empty quote, in both languages', async () => {
    const zh = await api.call('GET', '/v1/processes?=1', { as: applicant });
    expect([zh.status, zh.body.errors?.[0]?.message]).toEqual([400, '不支持的查询参数：（名称为空）']);
    const en = await api.call('GET', '/v1/processes?=1', { as: applicant, headers: { 'accept-language': 'en' } });
    expect(en.body.errors?.[0]?.message).toBe('query parameter not taken here: one with an empty name');
  });

  it.each(['/v1/cases/3f0b5f8e-2a47-4c1e-9d55-0c6a1f2b7e90?asOf=2026-01-01T00:00:00Z', '/v1/cases/3f0b5f8e-2a47-4c1e-9d55-0c6a1f2b7e90/verify?full=1', '/v1/processes?name=objection', '/v1/calendar/2026?format=ics'])(
    'given GET %s, then 400 naming the parameter, as every route with a query does — not an answer that silently ignored it',
    async (url) => {
      const res = await api.call('GET', url, { as: applicant });
      expect(res.status).toBe(400);
      const name = new URL(url, 'http://x').searchParams.keys().next().value;
      expect(res.body.errors).toEqual([{ path: `querystring.${name}`, message: `不支持的查询参数：${name}` }]);
      const en = await api.call('GET', url, { as: applicant, headers: { 'accept-language': 'en' } });
      expect(en.body.errors).toEqual([{ path: `querystring.${name}`, message: `query parameter not taken here: ${name}` }]);
    },
  );
});

describe('minPosition, which every read endpoint takes (API.md "Cases")', () => {
  const storeRoutes = (id: string) => [`/v1/cases/${id}`, `/v1/cases/${id}/history`, `/v1/cases/${id}/verify`, '/v1/processes', '/v1/processes/objection/diagram', '/v1/calendar/2026', '/v1/calendar/deadline?from=2026-03-02&workingDays=5'];
  const withQuery = (url: string, query: string) => `${url}${url.includes('?') ? '&' : '?'}${query}`;
  let caseId: string;
  beforeAll(async () => {
    const res = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: startInputs.objection } });
    caseId = res.body.id;
  });

  it('given the position a command answered with, when a route that answers from the store itself is asked with it, then 200 at once, with no read-models position to tell', async () => {
    const head = await api.app.store.headPosition();
    for (const url of storeRoutes(caseId)) {
      const res = await api.call('GET', withQuery(url, `minPosition=${head}`), { as: applicant });
      expect(res.status, `${url} ${res.text.slice(0, 200)}`).toBe(200);
      expect(res.headers['x-read-models-position'], url).toBeUndefined();
    }
  });

  it('given a minPosition that is no position, then 400 naming it, as on the routes that answer from the read models', async () => {
    for (const url of [...storeRoutes(caseId), '/v1/cases', '/v1/inbox']) {
      const res = await api.call('GET', withQuery(url, 'minPosition=-1'), { as: applicant });
      expect(res.status, url).toBe(400);
      expect(res.body.errors, url).toEqual([{ path: 'querystring.minPosition', message: '不小于 0' }]);
    }
  });
});

describe('a body of thousands of wrong fields (an error answer must not outgrow its request)', () => {
  const manyKeys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 1]));

  it('given 6,000 unknown fields in a start form, then 400 lists 20, each naming only itself, and says how many more: a small answer', async () => {
    const res = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: manyKeys(6000) } });
    expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(res.body.errors).toHaveLength(20);
    expect(res.body.errors).toContainEqual({ path: 'k0', message: '不允许的字段：k0' });
    expect(res.body.moreErrors).toBeGreaterThan(5900);
    expect(res.body.detail).toContain('处未列出');
    expect(res.text.length).toBeLessThan(10_000);
  });

  it('given 6,000 unknown fields at the top of the body (the route’s own schema), then the same', async () => {
    const res = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: {}, ...manyKeys(6000) } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(20);
    expect(res.body.moreErrors).toBe(5980);
    expect(res.text.length).toBeLessThan(10_000);
  });

  it('given a list of 1,001 items, or text only of zero-width characters, or an escape sequence, then each is refused', async () => {
    const input = (extra: Record<string, unknown>) => ({ process: 'objection', input: { ...startInputs.objection, ...extra } });
    const long = await api.call('POST', '/v1/cases', { as: applicant, body: input({ evidence: Array.from({ length: 1001 }, (_, i) => `证据 ${i}`) }) });
    expect(long.body.errors).toEqual([{ path: 'evidence', message: '不超过 1000 项' }]);
    for (const nothing of ['\u200b\u200b', '\u200e', '\u00ad', '\u0301', '\ufe0f', '\u{E0041}', '\u3000']) {
      const invisible = await api.call('POST', '/v1/cases', { as: applicant, body: input({ description: nothing }) });
      expect([JSON.stringify(nothing), invisible.body.errors]).toEqual([JSON.stringify(nothing), [{ path: 'description', message: '不能为空' }]]);
    }
    // What people write stays: emoji sequences, rare characters, full-width punctuation.
    for (const text of ['数据有误👨‍👩‍👧', '𠮷野家数据，错误！', 'é']) {
      expect((await api.call('POST', '/v1/cases', { as: applicant, body: input({ description: text }) })).status).toBe(201);
    }
    for (const text of ['\u001b[2J\u001b[H校验通过', '名称\u202e反转', '响铃\u0007']) {
      const res = await api.call('POST', '/v1/cases', { as: applicant, body: input({ description: text }) });
      expect([res.status, res.body.errors]).toEqual([400, [{ path: 'description', message: '含有无效字符' }]]);
    }
    // Tabs and line breaks are text people write.
    expect((await api.call('POST', '/v1/cases', { as: applicant, body: input({ description: '第一行\n\t第二行' }) })).status).toBe(201);
  });
});

describe('the request id, which becomes the events’ correlation id', () => {
  it('is the server’s own, whatever X-Request-Id a client sends: a copied one cannot make two commands one request in the audit trail', async () => {
    const sent = [];
    for (let i = 0; i < 2; i++) {
      const res = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: startInputs.objection }, headers: { 'x-request-id': 'copied-id' } });
      expect(res.status).toBe(201);
      expect(res.headers['x-request-id']).not.toBe('copied-id');
      sent.push({ id: res.body.id, requestId: res.headers['x-request-id'] });
    }
    for (const { id, requestId } of sent) {
      const history = await api.call('GET', `/v1/cases/${id}/history`, { as: applicant });
      expect(history.body.events[0].correlationId).toBe(requestId);
    }
    expect(sent[0]!.requestId).not.toBe(sent[1]!.requestId);
  });
});

describe('a token signed with another key (npm run token against another data folder)', () => {
  it('when it is sent, then 401 saying the signature does not match this server’s key and where the key comes from, in Chinese and English', async () => {
    const other = await mintToken('another-data-folders-secret', { sub: 'u1', role: 'provider', org: '370100-gaj' }, '1h');
    const zh = await api.call('GET', '/v1/inbox', { as: other });
    expect([zh.status, zh.body.code]).toEqual([401, 'UNAUTHENTICATED']);
    expect(zh.body.detail).toContain('签名不符，不是用本服务的密钥签发的（npm run token 须与服务使用同一数据目录 WORKFLOW_DATA_DIR，或同一 WORKFLOW_JWT_SECRET）');
    const en = await api.call('GET', '/v1/inbox', { as: other, headers: { 'accept-language': 'en' } });
    expect(en.body.detail).toContain("its signature does not match this server's key");
  });
});
