import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { buildServer } from '../../api/server.js';
import { mintToken } from '../../api/auth.js';
import { loadConfig } from '../../infra/config.js';
import { createLogger, type Logger } from '../../infra/logger.js';
import { SECRET, startTestApi } from './harness.js';
import { actors, startInputs } from '../machines/examples.js';

/**
 * A server listening on a port of its own whose close has begun and is held between its start and the
 * listener's end (its `preClose` waits for `end`): the moment requests come in while it stops.
 */
async function stoppingServer(logger: Logger) {
  const dataDir = mkdtempSync(join(tmpdir(), 'wf-shutdown-'));
  const app = await createApp(loadConfig({ WORKFLOW_DATA_DIR: dataDir, WORKFLOW_JWT_SECRET: SECRET, WORKFLOW_SQLITE_SYNCHRONOUS: 'OFF' }), { logger });
  const server = await buildServer(app);
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  server.addHook('preClose', () => held);
  await server.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}/v1/cases`;
  const token = await mintToken(SECRET, { sub: 'u', role: 'applicant', org: '91370100MA3C8Y4K2M' });
  const closing = server.close();
  return {
    app,
    url,
    token,
    async end() {
      release();
      await closing;
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe('given a server that has begun to stop (SIGTERM) and still accepts connections', () => {
  it('when a request comes in, then 503 shuttingDown as a Chinese problem with Retry-After, and nothing is stored', async () => {
    // The moment, held, between the close's start and the listener's end: fastify answered it in plain English.
    const { app, url, token, end } = await stoppingServer(createLogger({ level: 'silent' }));
    try {
      const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ process: 'objection', input: {} }) });
      const body = (await res.json()) as { code: string; reason: string; detail: string };
      expect([res.status, body.code, body.reason]).toEqual([503, 'UNAVAILABLE', 'shuttingDown']);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.headers.get('retry-after')).toBe('5');
      expect(body.detail).toBe('服务正在停止，未处理本请求，也未保存任何内容，请稍后重试');
      expect(await app.store.headPosition()).toBe(0);
    } finally {
      await end();
    }
  });
});

describe('given a server that has begun to stop, when requests come in and are turned away (503 shuttingDown)', () => {
  it('then the log says so once a request in Chinese, at info (a stop is no trouble), with no English message and no stack trace', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString('utf8').split('\n')) if (text) lines.push(JSON.parse(text) as Record<string, unknown>);
        done();
      },
    });
    const { url, token, end } = await stoppingServer(pino({ level: 'info' }, sink));
    try {
      const statuses = await Promise.all(
        [1, 2, 3].map(async () => (await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' })).status),
      );
      expect(statuses).toEqual([503, 503, 503]);
      const turnedAway = lines.filter((l) => l.reason === 'shuttingDown');
      expect(turnedAway.map((l) => [l.level, l.msg])).toEqual(Array(3).fill([30, '服务暂时无法处理请求：服务正在停止，未处理本请求，也未保存任何内容，请稍后重试']));
      const text = JSON.stringify(lines);
      expect(text).not.toContain('the server is shutting down');
      expect(text).not.toContain('"stack"');
    } finally {
      await end();
    }
  });
});

describe('given a server whose stop has begun while a keyed request is in flight (the key index halted)', () => {
  it('when the request reaches the engine, then 503 shuttingDown with Retry-After, in the caller’s language, and nothing is stored', async () => {
    const api = await startTestApi();
    try {
      const applicant = await api.token('applicant', actors.company.org, actors.company.sub);
      const started = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: startInputs.objection } });
      expect(started.status, started.text).toBe(201);
      const head = await api.app.store.headPosition();
      api.app.scheduler.index.stopKeyReads();
      const res = await api.call('POST', `/v1/cases/${started.body.id}/commands`, { as: applicant, body: { type: 'WITHDRAW', data: {} }, headers: { 'idempotency-key': 'in-flight-at-stop', 'accept-language': 'en' } });
      expect([res.status, res.body.code, res.body.reason]).toEqual([503, 'UNAVAILABLE', 'shuttingDown']);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body.detail).toMatch(/shutting down/);
      expect(await api.app.store.headPosition()).toBe(head);
    } finally {
      await api.close();
    }
  });
});
