/**
 * Header fields as real clients and proxies send them, read off a listening server: every answer is
 * a problem+json of API.md's codes (Chinese by default, English with Accept-Language: en), and a
 * request whose headers do not say one thing (two hosts, two credentials) is refused, not read one way
 * here and another way by a proxy in front.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, startInputs } from '../machines/examples.js';
import type { TestApi } from './harness.js';
import { answersIn, exchange, request, eventsStored, listeningTestApi } from './wire.js';

let api: TestApi;
let close: () => Promise<void>;
let port: number;
let applicant: string;
let admin: string;
beforeAll(async () => {
  ({ api, port, close } = await listeningTestApi());
  applicant = await api.token('applicant', actors.company.org, actors.company.sub);
  admin = await api.token('admin', '370000-dsj');
});
afterAll(() => close());

const stored = () => eventsStored(api);

async function one(bytes: string): Promise<ReturnType<typeof answersIn>[number]> {
  const answers = answersIn((await exchange(port, bytes)).raw);
  expect(answers).toHaveLength(1);
  return answers[0]!;
}

function expectProblem(answer: ReturnType<typeof answersIn>[number], status: number, code: string) {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  expect(answer.json).toMatchObject({ type: `urn:sd-open-data:problem:${code}`, status, code });
}

describe('the Host header (RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without one, or with more than one)', () => {
  it('given an HTTP/1.1 request without Host, when it is sent, then 400 VALIDATION_FAILED as a problem in Chinese naming headers.host, not an empty answer', async () => {
    const answer = await one('GET /health HTTP/1.1\r\n\r\n');
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.json.errors).toEqual([{ path: 'headers.host', message: '缺少 Host 请求头' }]);
    expect(answer.json.detail).toMatch(/\p{Script=Han}/u);
  });

  it('given the same with Accept-Language: en, then the problem in English', async () => {
    const answer = await one('GET /health HTTP/1.1\r\nAccept-Language: en\r\n\r\n');
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.json.errors).toEqual([{ path: 'headers.host', message: 'the Host header is missing' }]);
    expect(answer.headers['content-language']).toBe('en');
  });

  it('given a command without Host, then it is refused and nothing is stored', async () => {
    const before = await stored();
    const answer = await one(request('POST', '/v1/cases', { token: applicant, body: { process: 'objection', input: startInputs.objection } }).replace('Host: 127.0.0.1\r\n', ''));
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(await stored()).toBe(before);
  });

  it('given two Host headers, then 400 naming headers.host, and a command sent so stores nothing', async () => {
    const before = await stored();
    const answer = await one(request('POST', '/v1/cases', { token: applicant, body: { process: 'objection', input: startInputs.objection }, headers: { Connection: 'close' } }).replace('Host: 127.0.0.1\r\n', 'Host: 127.0.0.1\r\nHost: other.example\r\n'));
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.json.errors).toEqual([{ path: 'headers.host', message: 'Host 请求头重复' }]);
    expect(await stored()).toBe(before);
  });

  it('given an HTTP/1.0 client, which need not send Host, then it is answered', async () => {
    const answer = await one('GET /health HTTP/1.0\r\n\r\n');
    expect(answer.status).toBe(200);
    expect(answer.json.status).toBe('ok');
  });
});

describe('two Authorization headers (not a list field, RFC 9110 §5.3: a proxy may read the other one)', () => {
  it.each([
    ['the caller’s token, then a bad one', () => [applicant, 'garbage']],
    ['a bad one, then the caller’s token', () => ['garbage', applicant]],
    ['an applicant’s token, then an admin’s', () => [applicant, admin]],
    ['the same token twice', () => [applicant, applicant]],
  ])('given %s, when a case list is asked for, then 401 UNAUTHENTICATED saying so, whichever comes first', async (_what, tokens) => {
    const [first, second] = tokens();
    const answer = await one(`GET /v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${first}\r\nAuthorization: Bearer ${second}\r\nConnection: close\r\n\r\n`);
    expectProblem(answer, 401, 'UNAUTHENTICATED');
    expect(answer.json.detail).toBe('请求中有多个 Authorization 请求头：只能携带一个登录凭证');
  });

  it('given a start sent with two, then nothing is stored', async () => {
    const before = await stored();
    const answer = await one(request('POST', '/v1/cases', { token: applicant, body: { process: 'objection', input: startInputs.objection }, headers: { Authorization: `Bearer ${admin}`, Connection: 'close' } }));
    expectProblem(answer, 401, 'UNAUTHENTICATED');
    expect(await stored()).toBe(before);
  });

  it.each([
    ['lower-case bearer', (t: string) => `bearer ${t}`],
    ['upper-case BEARER and extra spaces', (t: string) => `BEARER    ${t}  `],
  ])('given one header with %s, then the token is taken (RFC 9110 §11.1: the scheme is case-insensitive)', async (_what, value) => {
    const answer = await one(`GET /v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: ${value(applicant)}\r\nConnection: close\r\n\r\n`);
    expect(answer.status).toBe(200);
  });

  it('given a token in the query string only (access_token, RFC 6750 §2.3), then 401: it is not read from an address, which logs and proxies keep', async () => {
    const answer = await one(`GET /v1/cases?access_token=${applicant} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expectProblem(answer, 401, 'UNAUTHENTICATED');
  });
});

describe('a request of many small header fields, within the 16 KB of headers', () => {
  // 2,100 fields of 6 to 9 bytes: about 16 KB less than the cap, more than Node's default count of 2,000.
  const filler = Array.from({ length: 2_100 }, (_, i) => `a${i}:1\r\n`).join('');

  it('given an Idempotency-Key after 2,000 other fields, when the same start is sent twice, then one case is stored: the key is not silently dropped', async () => {
    const before = await stored();
    const body = JSON.stringify({ process: 'objection', input: startInputs.objection });
    const send = `POST /v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${applicant}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${filler}Idempotency-Key: many-fields-1\r\nConnection: close\r\n\r\n${body}`;
    const first = await one(send);
    const second = await one(send);
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.json.id).toBe(first.json.id);
    expect(await stored()).toBe(before + 1);
  });

  it('given a second Authorization after 2,000 other fields, then 401 as for two side by side', async () => {
    const answer = await one(`GET /v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${applicant}\r\n${filler}Authorization: Bearer ${admin}\r\nConnection: close\r\n\r\n`);
    expectProblem(answer, 401, 'UNAUTHENTICATED');
  });

  it('given a second Host after 2,000 other fields, then 400 naming headers.host', async () => {
    const answer = await one(`GET /health HTTP/1.1\r\nHost: x\r\n${filler}Host: y\r\nConnection: close\r\n\r\n`);
    expectProblem(answer, 400, 'VALIDATION_FAILED');
  });
});

describe('a field that holds one value, sent twice (Node joins some such fields with a comma, and keeps the first of others)', () => {
  const body = JSON.stringify({ process: 'objection', input: startInputs.objection });
  const start = (fields: string) => `POST /v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${applicant}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${fields}Connection: close\r\n\r\n${body}`;

  it('given a start sent with its Idempotency-Key, when it is retried with the key twice (a proxy that adds it again), then 400 naming headers.idempotency-key, and still one case: the key is not read as "k, k", another key', async () => {
    const before = await stored();
    const first = await one(start('Content-Type: application/json\r\nIdempotency-Key: twice-1\r\n'));
    expect(first.status).toBe(201);
    const retried = await one(start('Content-Type: application/json\r\nIdempotency-Key: twice-1\r\nIdempotency-Key: twice-1\r\n'));
    expectProblem(retried, 400, 'VALIDATION_FAILED');
    expect(retried.json.errors).toEqual([{ path: 'headers.idempotency-key', message: '请求头 Idempotency-Key 重复，只能有一个' }]);
    expect(await stored()).toBe(before + 1);
  });

  it('given two Content-Type headers, then 400 naming headers.content-type, and nothing stored', async () => {
    const before = await stored();
    const answer = await one(start('Content-Type: application/json\r\nContent-Type: text/plain\r\n'));
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.json.errors).toEqual([{ path: 'headers.content-type', message: '请求头 Content-Type 重复，只能有一个' }]);
    expect(await stored()).toBe(before);
  });
});
