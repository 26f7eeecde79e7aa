/**
 * `npm run bench:api`: one running API server (a child process, embedded store, synchronous=FULL)
 * loaded over loopback with autocannon, beside a bare fastify route that does one SQLite insert
 * per request (scripts/bench/bare-server.ts), in the same run.
 *
 * The workload is a stream of REPORT_USAGE commands (an accepted command that keeps the case
 * `active`) spread over 200 active conditional-data applications: each request authenticates,
 * folds, authorises, validates, stamps, appends one event and updates the read models inline.
 * Measured: the peak commands/s (32 connections), then p99 latency at half that rate.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { mintToken } from '../../api/auth.js';
import { startInputs, commandData, actors } from '../../test/machines/examples.js';

const SECRET = 'bench-secret';
const API_PORT = 3971;
const BARE_PORT = 3972;
const CASES = 200;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const tsx = join(process.cwd(), 'node_modules/.bin/tsx');

/** Starts a server as a child process and waits until `readyUrl` answers. */
async function startChild(args: string[], env: NodeJS.ProcessEnv, readyUrl: string): Promise<ChildProcess> {
  const child = spawn(tsx, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  for (let attempt = 0; attempt < 600; attempt++) {
    if (exited !== null) throw new Error(`${args.join(' ')} exited with ${exited}`);
    try {
      await fetch(readyUrl);
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill();
  throw new Error(`${args.join(' ')} did not answer ${readyUrl} within 60 s`);
}

async function json(method: string, url: string, token: string, body: unknown): Promise<{ id: string }> {
  const res = await fetch(url, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const parsed = (await res.json()) as { id: string };
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(parsed)}`);
  return parsed;
}

function load(url: string, ids: string[], token: string | undefined, body: string, options: { connections: number; overallRate?: number }) {
  let i = 0;
  return autocannon({
    url,
    connections: options.connections,
    duration: SECONDS,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        setupRequest: (req) => ({ ...req, path: `${new URL(url).pathname.replace(':id', ids[i++ % ids.length]!)}`, body }),
      },
    ],
  });
}

const dir = mkdtempSync(join(tmpdir(), 'bench-api-'));
const children: ChildProcess[] = [];
try {
  process.stderr.write('starting the API and the bare server …\n');
  const api = await startChild(['scripts/start.ts'], { PORT: String(API_PORT), WORKFLOW_DATA_DIR: join(dir, 'api'), WORKFLOW_JWT_SECRET: SECRET, LOG_LEVEL: 'warn' }, `http://127.0.0.1:${API_PORT}/health`);
  children.push(api);
  const bare = await startChild(['scripts/bench/bare-server.ts', dir, String(BARE_PORT)], {}, `http://127.0.0.1:${BARE_PORT}/`);
  children.push(bare);

  const base = `http://127.0.0.1:${API_PORT}`;
  const applicant = await mintToken(SECRET, { sub: actors.company.sub, role: 'applicant', org: actors.company.org });
  const authority = await mintToken(SECRET, { sub: 'au', role: 'authority', org: '370100-dsj' });
  const provider = await mintToken(SECRET, { sub: 'pr', role: 'provider', org: '370100-gaj' });
  // Use periods in the future, so no timer ends them during the run.
  const input = { ...startInputs.conditionalApplication, usePeriod: { from: '2026-12-01', to: '2030-11-30' } };
  const agreement = { ...commandData.conditionalApplication.SIGN_AGREEMENT, useFrom: '2026-12-01', useTo: '2030-06-30' };
  process.stderr.write(`preparing ${CASES} active applications …\n`);
  const ids: string[] = [];
  for (let c = 0; c < CASES; c++) {
    const { id } = await json('POST', `${base}/v1/cases`, applicant, { process: 'conditionalApplication', input });
    await json('POST', `${base}/v1/cases/${id}/commands`, authority, { type: 'PASS_NORMATIVE_REVIEW', data: {} });
    await json('POST', `${base}/v1/cases/${id}/commands`, provider, { type: 'APPROVE', data: {} });
    await json('POST', `${base}/v1/cases/${id}/commands`, provider, { type: 'SIGN_AGREEMENT', data: agreement });
    await json('POST', `${base}/v1/cases/${id}/commands`, provider, { type: 'GRANT_ACCESS', data: {} });
    ids.push(id);
  }
  const body = JSON.stringify({ type: 'REPORT_USAGE', data: commandData.conditionalApplication.REPORT_USAGE });

  process.stderr.write(`warming up, then ${SECONDS}s per run …\n`);
  await load(`${base}/v1/cases/:id/commands`, ids, applicant, body, { connections: 8 });
  const apiPeak = await load(`${base}/v1/cases/:id/commands`, ids, applicant, body, { connections: 32 });
  const barePeak = await load(`http://127.0.0.1:${BARE_PORT}/bare/:id`, ids, undefined, body, { connections: 32 });
  const halfRate = Math.max(1, Math.floor(apiPeak.requests.average / 2));
  const apiHalf = await load(`${base}/v1/cases/:id/commands`, ids, applicant, body, { connections: 16, overallRate: halfRate });
  // For context: the bare route's latency at the same rate shows what the disk's fsync alone costs.
  const bareHalf = await load(`http://127.0.0.1:${BARE_PORT}/bare/:id`, ids, undefined, body, { connections: 16, overallRate: halfRate });

  const bad = apiPeak.non2xx + apiHalf.non2xx + apiPeak.errors + apiHalf.errors;
  const rows = [
    ['API commands, peak (32 conns)', apiPeak.requests.average, apiPeak.latency.p50, apiPeak.latency.p99, apiPeak.non2xx + apiPeak.errors],
    ['bare fastify + 1 insert, peak', barePeak.requests.average, barePeak.latency.p50, barePeak.latency.p99, barePeak.non2xx + barePeak.errors],
    [`API commands at half peak (${halfRate}/s)`, apiHalf.requests.average, apiHalf.latency.p50, apiHalf.latency.p99, apiHalf.non2xx + apiHalf.errors],
    [`bare route at the same rate`, bareHalf.requests.average, bareHalf.latency.p50, bareHalf.latency.p99, bareHalf.non2xx + bareHalf.errors],
  ] as const;
  console.log(`\n${'run'.padEnd(40)}${'req/s'.padStart(10)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'non-2xx'.padStart(10)}`);
  for (const [name, rps, p50, p99, errors] of rows) {
    console.log(`${name.padEnd(40)}${rps.toFixed(0).padStart(10)}${p50.toFixed(1).padStart(10)}${p99.toFixed(1).padStart(10)}${String(errors).padStart(10)}`);
  }
  const ratio = Math.round((apiPeak.requests.average / barePeak.requests.average) * 100) / 100;
  console.log(`\nAPI/bare = ${ratio} (target ≥ 0.5); p99 at half peak = ${apiHalf.latency.p99} ms (target ≤ 20 ms)${bad ? `; ${bad} failed requests` : ''}`);
  console.log(
    JSON.stringify({
      name: 'api-commands',
      value: Math.round(apiPeak.requests.average),
      unit: 'commands/s',
      baseline: Math.round(barePeak.requests.average),
      ratio,
      p99HalfPeakMs: apiHalf.latency.p99,
      bareP99HalfPeakMs: bareHalf.latency.p99,
    }),
  );
  if (bad) process.exitCode = 1;
} finally {
  for (const child of children) child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
