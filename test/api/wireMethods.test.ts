/**
 * Requests Node answers, or drops, before fastify sees them: a CONNECT (a client that takes the API
 * for a proxy), an Expect the server cannot meet, and the body framings that smuggle requests past a
 * proxy. Every one is answered with a problem+json of its own (Chinese by default, English with
 * Accept-Language: en), not an empty answer or a dropped connection, and none stores anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, startInputs } from '../machines/examples.js';
import type { TestApi } from './harness.js';
import { answersIn, exchange, request, type WireAnswer, eventsStored, listeningTestApi } from './wire.js';

let api: TestApi;
let close: () => Promise<void>;
let port: number;
let applicant: string;
beforeAll(async () => {
  ({ api, port, close } = await listeningTestApi());
  applicant = await api.token('applicant', actors.company.org, actors.company.sub);
});
afterAll(() => close());

const stored = () => eventsStored(api);

function expectProblem(answer: WireAnswer | undefined, status: number, code: string) {
  expect(answer?.status).toBe(status);
  expect(answer?.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  expect(answer?.json).toMatchObject({ type: `urn:sd-open-data:problem:${code}`, status, code });
  expect(Number(answer?.headers['content-length'])).toBe(Buffer.byteLength(answer!.body));
}

const start = JSON.stringify({ process: 'objection', input: startInputs.objection });

describe('CONNECT (a client that takes the API for a proxy)', () => {
  it('given CONNECT host:port, then 404 NOT_FOUND as a problem in Chinese, and the connection closed, not dropped without a word', async () => {
    const { raw, closed } = await exchange(port, 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n');
    const [answer] = answersIn(raw);
    expectProblem(answer, 404, 'NOT_FOUND');
    expect(answer!.json.detail).toBe('没有这个地址：CONNECT 127.0.0.1:22');
    expect(answer!.headers['content-language']).toBe('zh-CN');
    expect(closed).toBe(true);
  });

  it('given Accept-Language: en, then in English', async () => {
    const [answer] = answersIn((await exchange(port, 'CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\nAccept-Language: en\r\n\r\n')).raw);
    expectProblem(answer, 404, 'NOT_FOUND');
    expect(answer!.json).toMatchObject({ title: 'Not found', detail: 'no route CONNECT example.org:443' });
  });
});

describe('Expect', () => {
  it('given Expect: 100-continue on a start, then 100 Continue, the body is read, one 201, and one case stored', async () => {
    const before = await stored();
    const head = request('POST', '/v1/cases', { token: applicant, body: start, headers: { Expect: '100-continue', Connection: 'close' } });
    const { raw } = await exchange(port, head);
    const answers = answersIn(raw);
    expect(answers.map((a) => a.status)).toEqual([100, 201]);
    expect(await stored()).toBe(before + 1);
  });

  it('given Expect: 100-continue on a start the server will refuse whatever its body (over the body limit; no token), then the final status comes first, no 100 Continue: the body is never invited', async () => {
    const before = await stored();
    const tooLarge = `POST /v1/cases HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${applicant}\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\nExpect: 100-continue\r\n\r\n`;
    expect(answersIn((await exchange(port, tooLarge)).raw).map((a) => a.status)).toEqual([413]);
    const anonymous = request('POST', '/v1/cases', { body: start, headers: { Expect: '100-continue', Connection: 'close' } }).split('\r\n\r\n')[0] + '\r\n\r\n';
    expect(answersIn((await exchange(port, anonymous)).raw).map((a) => a.status)).toEqual([401]);
    expect(await stored()).toBe(before);
  });

  it('given an expectation the server cannot meet, on a start, then 417 as a problem in Chinese naming headers.expect, and nothing stored', async () => {
    const before = await stored();
    const { raw } = await exchange(port, request('POST', '/v1/cases', { token: applicant, body: start, headers: { Expect: 'tea-please', Connection: 'close' } }));
    const [answer] = answersIn(raw);
    expectProblem(answer, 417, 'EXPECTATION_FAILED');
    expect(answer!.json).toMatchObject({ title: '无法满足请求的期望', detail: '无法满足请求的期望：不支持请求头 Expect: tea-please，仅支持 100-continue', errors: [{ path: 'headers.expect', message: '仅支持 100-continue' }] });
    expect(await stored()).toBe(before);
  });

  it('given the same with Accept-Language: en, then in English', async () => {
    const { raw } = await exchange(port, request('GET', '/health', { headers: { Expect: 'tea-please', 'Accept-Language': 'en', Connection: 'close' } }));
    const [answer] = answersIn(raw);
    expectProblem(answer, 417, 'EXPECTATION_FAILED');
    expect(answer!.json).toMatchObject({ title: 'Expectation failed', errors: [{ path: 'headers.expect', message: 'only 100-continue is supported' }] });
    expect(answer!.headers['content-language']).toBe('en');
  });
});

describe('body framings that smuggle requests past a proxy (each refused, the connection closed)', () => {
  const chunked = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n0\r\n\r\n`;
  const head = (framing: string) => `POST /v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${applicant}\r\nContent-Type: application/json\r\n${framing}\r\n`;
  it.each([
    ['Content-Length and Transfer-Encoding both', () => head(`Content-Length: 4\r\nTransfer-Encoding: chunked\r\n`) + chunked(start)],
    ['two Content-Length headers that differ', () => head(`Content-Length: ${start.length}\r\nContent-Length: ${start.length + 1}\r\n`) + start],
    ['two Content-Length headers that agree', () => head(`Content-Length: ${start.length}\r\nContent-Length: ${start.length}\r\n`) + start],
    ['a chunk size that is not hexadecimal', () => head('Transfer-Encoding: chunked\r\n') + `zz\r\n${start}\r\n0\r\n\r\n`],
    ['Transfer-Encoding: chunked, chunked', () => head('Transfer-Encoding: chunked, chunked\r\n') + chunked(start)],
  ])('given %s, then 400 VALIDATION_FAILED as a problem, and nothing stored', async (_what, bytes) => {
    const before = await stored();
    const { raw, closed } = await exchange(port, bytes());
    const answers = answersIn(raw);
    expect(answers).toHaveLength(1);
    expectProblem(answers[0], 400, 'VALIDATION_FAILED');
    expect(closed).toBe(true);
    expect(await stored()).toBe(before);
  });

  it('given a chunked start over the 1 MiB cap, then 413 PAYLOAD_TOO_LARGE as a problem, and nothing stored', async () => {
    const before = await stored();
    const big = Buffer.from(JSON.stringify({ process: 'objection', input: { ...startInputs.objection, description: 'x'.repeat(1_100_000) } }));
    const chunks: Buffer[] = [];
    for (let i = 0; i < big.length; i += 65_536) {
      const chunk = big.subarray(i, i + 65_536);
      chunks.push(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
    }
    const { raw } = await exchange(port, [Buffer.from(head('Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n')), ...chunks, Buffer.from('0\r\n\r\n')]);
    const answers = answersIn(raw).filter((a) => a.status !== 100);
    expectProblem(answers[0], 413, 'PAYLOAD_TOO_LARGE');
    expect(await stored()).toBe(before);
  });
});

describe('a body in a coding the server does not decode', () => {
  const gzipChunked = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n0\r\n\r\n`;
  it.each([
    ['Transfer-Encoding: gzip, chunked', 'Transfer-Encoding: gzip, chunked\r\n', (text: string) => gzipChunked(text), 'headers.transfer-encoding', '仅支持 chunked 传输编码'],
    ['Content-Encoding: gzip', (text: string) => `Content-Encoding: gzip\r\nContent-Length: ${Buffer.byteLength(text)}\r\n`, (text: string) => text, 'headers.content-encoding', '不支持压缩的请求体，请发送未压缩的 JSON'],
  ] as const)('given %s (the body read as it came would be another request than the one sent), then 400 naming the header, and nothing stored', async (_what, framing, body, path, message) => {
    const before = await stored();
    const head = `POST /v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${applicant}\r\nContent-Type: application/json\r\nConnection: close\r\n${typeof framing === 'string' ? framing : framing(start)}\r\n`;
    const [answer] = answersIn((await exchange(port, head + body(start))).raw);
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer!.json.errors).toEqual([{ path, message }]);
    expect(await stored()).toBe(before);
  });

  it('given Content-Encoding: identity, then the body is read as usual', async () => {
    const head = `POST /v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${applicant}\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Encoding: identity\r\nContent-Length: ${Buffer.byteLength(start)}\r\n\r\n`;
    const [answer] = answersIn((await exchange(port, head + start)).raw);
    expect(answer!.status).toBe(201);
  });
});
