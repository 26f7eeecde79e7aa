/** Raw HTTP/1.1 on a socket of its own, as real clients and proxies speak it: what the tests of the wire send and read. */
import { connect, type AddressInfo } from 'node:net';
import { buildServer } from '../../api/server.js';
import { startTestApi, type TestApi } from './harness.js';

/** One answer read off the wire: status, headers (lower-cased names; a repeated one joined with ', ') and body. */
export interface WireAnswer {
  status: number;
  statusLine: string;
  headers: Record<string, string>;
  body: string;
  /** The body as JSON, or undefined when it is not JSON. */
  json: any;
}

/**
 * Sends `bytes` on a new connection and reads what comes back until the server closes it, or until
 * nothing has come for `quietMs` (a kept-alive connection), at most `atMostMs` of real socket I/O.
 * `halfClose` ends the client's side once sent (a client that half-closes after its request).
 */
export function exchange(port: number, bytes: string | Buffer | (string | Buffer)[], options: { quietMs?: number; atMostMs?: number; halfClose?: boolean } = {}): Promise<{ raw: Buffer; closed: boolean }> {
  const { quietMs = 1_000, atMostMs = 10_000, halfClose = false } = options;
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let quiet: NodeJS.Timeout | undefined;
    let closed = false;
    const finish = () => {
      clearTimeout(quiet);
      clearTimeout(limit);
      socket.destroy();
      resolve({ raw: Buffer.concat(chunks), closed });
    };
    const limit = setTimeout(finish, atMostMs);
    const rearm = () => {
      clearTimeout(quiet);
      quiet = setTimeout(finish, quietMs);
    };
    socket.on('connect', () => {
      for (const part of Array.isArray(bytes) ? bytes : [bytes]) socket.write(part);
      if (halfClose) socket.end();
      rearm();
    });
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      rearm();
    });
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('error', () => undefined);
  });
}

/** Every answer in `raw`, in order: bodies framed by Content-Length or chunked; a HEAD's (`heads` says which answers are to HEAD) have none. */
export function answersIn(raw: Buffer, heads: ReadonlySet<number> = new Set()): WireAnswer[] {
  const answers: WireAnswer[] = [];
  let at = 0;
  while (at < raw.length) {
    const end = raw.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const [statusLine = '', ...lines] = raw.subarray(at, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const name = line.slice(0, line.indexOf(':')).toLowerCase();
      const value = line.slice(line.indexOf(':') + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const status = Number(statusLine.split(' ')[1]);
    at = end + 4;
    let body: Buffer = Buffer.alloc(0);
    const bodiless = heads.has(answers.length) || status === 204 || status === 304 || (status >= 100 && status < 200);
    if (!bodiless && /chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = raw.indexOf('\r\n', at);
        if (lineEnd < 0) break;
        const size = parseInt(raw.subarray(at, lineEnd).toString('latin1'), 16);
        at = lineEnd + 2;
        if (!(size > 0)) {
          at = raw.indexOf('\r\n', at) + 2;
          break;
        }
        parts.push(raw.subarray(at, at + size));
        at += size + 2;
      }
      body = Buffer.concat(parts);
    } else if (!bodiless && headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      body = raw.subarray(at, at + length);
      at += length;
    }
    const text = body.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    answers.push({ status, statusLine, headers, body: text, json });
  }
  return answers;
}

/** A request as bytes: a JSON body gets its Content-Type and Content-Length. */
export function request(method: string, target: string, options: { token?: string; headers?: Record<string, string>; body?: unknown; version?: string } = {}): string {
  const { token, headers = {}, body, version = 'HTTP/1.1' } = options;
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const lines = [
    `${method} ${target} ${version}`,
    ...('host' in lowerKeys(headers) || version === 'HTTP/1.0' ? [] : ['Host: 127.0.0.1']),
    ...(token ? [`Authorization: Bearer ${token}`] : []),
    ...(body !== undefined ? ['Content-Type: application/json', `Content-Length: ${Buffer.byteLength(text)}`] : []),
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n${text}`;
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** A test API listening on a port of its own (what the wire tests talk to); `close` stops both. */
export async function listeningTestApi(): Promise<{ api: TestApi; port: number; close: () => Promise<void> }> {
  const api = await startTestApi();
  const built = await buildServer(api.app);
  await built.listen({ port: 0, host: '127.0.0.1' });
  return {
    api,
    port: (built.server.address() as AddressInfo).port,
    close: async () => {
      await built.close();
      await api.close();
    },
  };
}

/** How many events the store holds. */
export async function eventsStored(api: TestApi): Promise<number> {
  let n = 0;
  for await (const _ of api.app.store.readAll({ maxCount: 100_000 })) n++;
  return n;
}
