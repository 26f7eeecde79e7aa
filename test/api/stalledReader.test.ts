/**
 * A client that stops reading a long answer (an audit export of years, piped into a program that
 * hung) must not hold its connection, and the export's work, for ever: after `sendStallMs` without
 * any progress the server cuts the connection, and the export stops reading the log. The limit is
 * lowered here so the test does not wait two minutes; the server's own is SEND_STALL_MS.
 */
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, SEND_STALL_MS } from '../../api/server.js';
import { startTestApi, type TestApi } from './harness.js';
import { request } from './wire.js';
import { testNotice2027 } from '../calendars/notice2027.js';

// The test notice as a client sends it: the year is the address's; its issue date (2026-11-05) is after this test's clock.
const { year: _year, issued: _issued, ...NOTICE_2027 } = testNotice2027;

describe('a client that stops reading a streamed answer', () => {
  let api: TestApi;
  let server: Awaited<ReturnType<typeof buildServer>>;
  let port: number;
  beforeAll(async () => {
    api = await startTestApi({ now: '2026-03-02T01:00:00.000Z' });
    server = await buildServer(api.app, { sendStallMs: 300 });
    await server.listen({ port: 0, host: '127.0.0.1' });
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await server.close();
    await api.close();
  });

  it('is cut off, by default, after two minutes without progress', async () => {
    const byDefault = await buildServer(api.app);
    try {
      expect([SEND_STALL_MS, byDefault.server.timeout]).toEqual([120_000, 120_000]);
    } finally {
      await byDefault.close();
    }
  });

  it('given an export far longer than the sockets hold, when the client stops reading, then the connection is cut and the export stops', async () => {
    // An export with no end: each line 64 KiB, as many as the client takes.
    let linesMade = 0;
    let stopped!: () => void;
    const exportStopped = new Promise<void>((resolve) => (stopped = resolve));
    api.app.readModels.exportEvents = function* () {
      try {
        for (;;) {
          linesMade++;
          yield `${JSON.stringify({ line: linesMade, pad: 'x'.repeat(64 * 1024) })}\n`;
        }
      } finally {
        stopped();
      }
    } as unknown as typeof api.app.readModels.exportEvents;
    const auditor = await api.token('auditor', '370000-dsj');
    const socket: Socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(request('GET', '/v1/audit/export?from=2026-01-01T00:00:00.000Z&to=2026-03-01T00:00:00.000Z', { token: auditor }));
    // The client takes the first bytes, then never reads again.
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.pause();

    await exportStopped;
    const made = linesMade;
    expect(made).toBeGreaterThan(0);
    // Cut, not finished: the server holds no connection for it any more, and makes no more lines.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const open = await new Promise<number>((resolve, reject) => server.server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
    expect(open).toBe(0);
    expect(linesMade).toBe(made);
    socket.destroy();
  }, 15_000);

  it('given a notice load whose re-statements are still under way when the connection has made no progress for the limit, when they finish, then the admin gets the answer', async () => {
    // Re-stating every case a notice moves (PUT /v1/calendar/:year) may take minutes on a long log: work, not a stall.
    let release!: (restated: number) => void;
    let reached!: () => void;
    const working = new Promise<void>((resolve) => (reached = resolve));
    const restateDeadlines = api.app.scheduler.restateDeadlines.bind(api.app.scheduler);
    api.app.scheduler.restateDeadlines = () => {
      reached();
      return new Promise<number>((resolve) => (release = resolve));
    };
    let serverSide!: Socket;
    server.server.once('connection', (s: Socket) => (serverSide = s));
    const admin = await api.token('admin', '370000-dsj');
    const socket: Socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    const answer = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
    });
    try {
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(request('PUT', '/v1/calendar/2027', { token: admin, body: NOTICE_2027, headers: { Connection: 'close' } }));
      await working;

      // What Node does when the socket has made no progress for sendStallMs (net.Socket _onTimeout).
      serverSide.emit('timeout');
      release(3);

      const text = await answer;
      expect(text.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
      expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toMatchObject({ year: 2027, restatedCases: 3 });
    } finally {
      api.app.scheduler.restateDeadlines = restateDeadlines;
      socket.destroy();
    }
  });
});

