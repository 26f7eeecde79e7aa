/**
 * The server stopped under load, as an operator stops it: `npm start` (the command package.json
 * names) sent SIGTERM while commands are under way. Every request is answered — stored (201) or
 * refused as not started (503 shuttingDown) — the server exits 0, and every command answered 201
 * is there after a restart. Real child processes and sockets: the I/O is waited for, boundedly.
 */
import { request, Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../api/auth.js';
import { SECRET } from '../api/harness.js';
import { actors, startInputs } from '../machines/examples.js';
import { npmStartCommand, send as sendOn, startServer, type Answer } from './spawnScript.js';

const root = mkdtempSync(join(tmpdir(), 'wf-lifecycle-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** No connection kept open between requests: each request's own connection, closed by its answer. */
const agent = new Agent({ keepAlive: false, maxSockets: Infinity });

const send = (url: string, method: string, token: string, body?: unknown) => sendOn(agent, url, method, token, body);

type Started = Awaited<ReturnType<typeof startServer>>;

/** Every request answered 201 (stored) or 503 shuttingDown, none dropped unanswered: the ids stored. */
function answeredEach(answers: Answer[]): string[] {
  const dropped = answers.filter((a) => a.dropped !== undefined);
  expect({ dropped: dropped.length, first: dropped[0]?.dropped }).toEqual({ dropped: 0, first: undefined });
  for (const a of answers) expect(a.status === 201 || (a.status === 503 && a.body.reason === 'shuttingDown'), JSON.stringify(a)).toBe(true);
  return answers.filter((a) => a.status === 201).map((a) => a.body.id!);
}

/** Started again on the same data folder, every case answered 201 reads 200; then it stops, exit 0. */
async function storedAfterRestart(env: Record<string, string>, token: string, ids: string[]): Promise<void> {
  const again = await startServer(env);
  try {
    const reads = await Promise.all(ids.map((id) => send(`${again.url}/v1/cases/${id}`, 'GET', token)));
    expect(reads.filter((r) => r.status !== 200)).toEqual([]);
  } finally {
    expect(await again.stop()).toBe(0);
  }
}

/** Waits (5 s at most) until the server has logged `text`. */
async function untilLogged(server: Started, text: string): Promise<void> {
  for (let i = 0; i < 200 && !server.output().includes(text); i++) await new Promise((r) => setTimeout(r, 25));
}

describe('npm start, given commands under way, when it is sent SIGTERM', () => {
  it('then it stops cleanly (正在停止服务, exit 0): every request is answered 201 or 503 shuttingDown, none dropped, and every 201 is stored after a restart', async () => {
    const env = { PORT: '0', WORKFLOW_DATA_DIR: join(root, 'data'), WORKFLOW_JWT_SECRET: SECRET };
    const provider = await mintToken(SECRET, { sub: actors.provider.sub, role: 'provider', org: actors.provider.org });
    const server = await startServer(env, npmStartCommand());
    const create = (i: number) => send(`${server.url}/v1/cases`, 'POST', provider, { process: 'datasetRelease', input: { ...startInputs.datasetRelease, title: `济南市机动车登记信息统计（第 ${i} 批）` } });
    let stopped: Promise<number | null> | undefined;
    const answers = await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        create(i).then((answer) => {
          // Stopped once the first command is answered: the others are under way or on their way.
          stopped ??= server.stop();
          return answer;
        }),
      ),
    );
    const code = await stopped;

    const stored = answeredEach(answers);
    expect(server.output()).toContain('"msg":"正在停止服务"');
    expect(code).toBe(0);
    expect(stored.length).toBeGreaterThan(0);
    await storedAfterRestart(env, provider, stored);
  }, 90_000);
});

describe('npm start, given a burst of commands arriving (connections opened, requests not yet read), when it is sent SIGTERM', () => {
  it('then every one is answered — 201 stored, or 503 shuttingDown with Retry-After — none is dropped unanswered, and every 201 is stored after a restart', async () => {
    const env = { PORT: '0', WORKFLOW_DATA_DIR: join(root, 'burst'), WORKFLOW_JWT_SECRET: SECRET };
    const provider = await mintToken(SECRET, { sub: actors.provider.sub, role: 'provider', org: actors.provider.org });
    const server = await startServer(env, npmStartCommand());
    const answers = Array.from({ length: 200 }, (_, i) =>
      send(`${server.url}/v1/cases`, 'POST', provider, { process: 'datasetRelease', input: { ...startInputs.datasetRelease, title: `济南市机动车登记信息统计（第 ${i} 批）` } }),
    );
    // Stopped as soon as the first of them is read: the others are on their way in.
    await new Promise((r) => setTimeout(r, 30));
    const code = await server.stop();
    const stored = answeredEach(await Promise.all(answers));
    expect(code).toBe(0);
    await storedAfterRestart(env, provider, stored);
  }, 90_000);
});

describe('npm start, given a client that keeps its connection open between requests (HTTP keep-alive), when SIGTERM comes while its command is under way', () => {
  it('then the command is answered 201 and stored, and the server exits 0 within seconds, not once the idle connection times out (72 s)', async () => {
    const env = { PORT: '0', WORKFLOW_DATA_DIR: join(root, 'keep-alive'), WORKFLOW_JWT_SECRET: SECRET };
    const provider = await mintToken(SECRET, { sub: actors.provider.sub, role: 'provider', org: actors.provider.org });
    const server = await startServer(env, npmStartCommand());
    const keepAlive = new Agent({ keepAlive: true });
    const json = JSON.stringify({ process: 'datasetRelease', input: startInputs.datasetRelease });
    // Its headers are sent (the request has begun), its body once the server has begun to stop.
    const req = request(`${server.url}/v1/cases`, {
      method: 'POST',
      agent: keepAlive,
      headers: { authorization: `Bearer ${provider}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(json)) },
    });
    req.flushHeaders();
    const answered = new Promise<{ status: number; id: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, id: (JSON.parse(text) as { id: string }).id }));
      });
      req.on('error', reject);
    });
    // The request is under way once the server has logged it.
    await untilLogged(server, '"msg":"收到请求"');
    const began = Date.now();
    const exited = server.stop();
    await untilLogged(server, '正在停止服务');
    req.end(json);
    const { status, id } = await answered;
    expect(status).toBe(201);
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running after 15 s'), 15_000))]);
    const took = Date.now() - began;
    keepAlive.destroy();
    if (code === 'still running after 15 s') server.child.kill('SIGKILL');
    expect(code).toBe(0);
    expect(took).toBeLessThan(5_000);

    await storedAfterRestart(env, provider, [id]);
  }, 60_000);
});

describe('npm start, given a request that never finishes (its body never sent, or an export its client stopped reading), when it is sent SIGTERM', () => {
  it('then after a grace of 8 s it cuts that connection, says so in Chinese, closes the store and exits 0 — well within docker stop\'s 10 s, not after the 30 s request timeout', async () => {
    const env = { PORT: '0', WORKFLOW_DATA_DIR: join(root, 'stalled'), WORKFLOW_JWT_SECRET: SECRET };
    const provider = await mintToken(SECRET, { sub: actors.provider.sub, role: 'provider', org: actors.provider.org });
    const server = await startServer(env, npmStartCommand());
    const req = request(`${server.url}/v1/cases`, {
      method: 'POST',
      agent,
      headers: { authorization: `Bearer ${provider}`, 'content-type': 'application/json', 'content-length': '100' },
    });
    req.flushHeaders();
    const ended = new Promise<string>((resolve) => {
      req.on('response', (res) => resolve(`answered ${res.statusCode}`));
      req.on('error', (err) => resolve(String(err)));
    });
    await untilLogged(server, '"msg":"收到请求"');
    const began = Date.now();
    const code = await Promise.race([server.stop(), new Promise((r) => setTimeout(() => r('still running after 20 s'), 20_000))]);
    const took = Date.now() - began;
    if (code === 'still running after 20 s') server.child.kill('SIGKILL');
    expect(code).toBe(0);
    expect(took).toBeLessThan(9_500);
    expect(await ended).toMatch(/ECONNRESET|socket hang up/);
    expect(server.output()).toContain('停止服务：等待 8 秒后仍有请求未完成，已断开其连接');
    expect(server.output()).toContain('"msg":"服务已停止"');
  }, 60_000);
});

/** A raw connection to the server, once connected; what it is sent back, and whether it is closed. */
async function rawConnection(url: string): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise((resolve) => socket.once('connect', resolve));
  return { socket, received: () => received, closed };
}

describe('npm start, given connections accepted whose requests come late (a slow client) or never, when it is sent SIGTERM', () => {
  it('then a command sent a second into the stop is answered 503 shuttingDown, not reset; a connection that sends nothing holds the stop 3 s at most, not the 8 s grace', async () => {
    const env = { PORT: '0', WORKFLOW_DATA_DIR: join(root, 'late'), WORKFLOW_JWT_SECRET: SECRET };
    const provider = await mintToken(SECRET, { sub: actors.provider.sub, role: 'provider', org: actors.provider.org });
    const server = await startServer(env, npmStartCommand());
    const late = await rawConnection(server.url);
    const silent = await rawConnection(server.url);
    // Accepted by the server, no request sent yet.
    await new Promise((r) => setTimeout(r, 200));
    const began = Date.now();
    const exited = server.stop();
    await untilLogged(server, '正在停止服务');
    await new Promise((r) => setTimeout(r, 1_000));
    const json = JSON.stringify({ process: 'datasetRelease', input: startInputs.datasetRelease });
    late.socket.write(
      `POST /v1/cases HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${provider}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`,
    );
    await late.closed;
    expect(late.received()).toMatch(/^HTTP\/1\.1 503 /);
    expect(late.received()).toContain('"reason":"shuttingDown"');
    await silent.closed;
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running after 15 s'), 15_000))]);
    const took = Date.now() - began;
    if (code === 'still running after 15 s') server.child.kill('SIGKILL');
    expect(code).toBe(0);
    expect(server.output()).toContain('停止服务：1 个连接在 3 秒内未发来请求，已断开');
    expect(server.output()).not.toContain('等待 8 秒后仍有请求未完成');
    expect(took).toBeLessThan(8_000);
  }, 60_000);
});
