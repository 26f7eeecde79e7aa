/**
 * `npm run bench:api`: one running API server (a child process, embedded store, synchronous=FULL)
 * loaded over loopback with autocannon, beside a bare fastify route that does one SQLite insert
 * per request (scripts/bench/bare-server.ts), in the same run.
 *
 * The workload is a stream of REPORT_USAGE commands (an accepted command that keeps the case
 * `active`) spread over 200 active conditional-data applications: each request authenticates,
 * folds, authorises, validates, stamps, appends one event and updates the read models inline.
 * Measured: the peak commands/s (32 connections; the median of three, API and bare in turn), then p99 latency at half that rate, in three
 * paced trials per server (API, bare, API, bare, …): the median trial's p99 is reported, every
 * trial is printed. On a shared 2-core host a stall of a few hundred milliseconds in one trial
 * would otherwise decide the figure for either server (the bare route's p99 has read 7 ms and
 * 158 ms in two runs of the same build).
 *
 * The half-rate load is paced here, not by autocannon: autocannon 9's `overallRate` gives every
 * connection a quota per second that it sends back to back as soon as the second starts
 * (lib/httpClient.js `reqsMadeThisSecond`), so "half the peak rate" there is the peak rate for half
 * of every second, and its coordinated-omission correction assumes a 1 ms interval
 * (`Math.ceil(1 / rate)`). `paced` sends one request every 1/rate s on up to 16 keep-alive
 * connections and counts each latency from the moment the request was due, so time spent waiting
 * for a connection or for a late timer counts too. autocannon's figure at `overallRate` is printed
 * beside it.
 *
 * Each paced trial also splits its latencies: from when a request was due to when it was written
 * (in the client: all 16 connections busy, or a late timer) and from then to its answer (the
 * server's own time, and the loopback's). When the second stays short and the first is long, the server answered
 * each request quickly but fell behind for a while (a slow flush of the log, a collection) and the
 * requests due meanwhile queued up behind it: that is a backlog draining, not slow commands.
 *
 * Around each paced API trial (not inside it) the bench reads the server's own GET /metrics, and
 * prints what the server went through: its full (mark-compact) collections, the longest its thread
 * was held (prom-client's loop-delay monitor, reset at each scrape) and its CPU (all its threads).
 * With a timeline of every request beside the server's collections, each of the five backlogs of
 * 35 ms and more in one run had a full collection in it (pauses of 7–15 ms), and in another run
 * trials with 2, 1 and 0 read 62.3, 56.2 and 11.2 ms. Not the only cause: a server whose old
 * generation was set to start at 1 GiB made none in the two runs where that was watched, whose
 * trials read 13.5, 13.8, 16.1 ms and 71.6, 67.7, 11.8 ms; the two bad ones with the server at 97
 * and 100% of a core (all its threads; 90% in the good one) and its thread never held over 23 ms.
 * A CPU profile of the server (--cpu-prof, 500 µs sampling) tells why it is that busy: its thread
 * spent 461 µs a command at the 32-connection peak (2,070/s) and 830–871 µs in the paced trials
 * (1,034/s), what a commit group costs once (BEGIN and COMMIT 44 → 94–105 µs a command, the flush's
 * hand-off and checks, a socket write each) being shared by many commands at the peak and by one or
 * two when paced. "Half the peak rate" keeps the server's thread 86–90% busy, not half.
 *
 * Since then the server waits 2 ms before committing under a steady stream (api/app.ts
 * COMMIT_DELAY_MS): 13% less CPU a command at 900/s in an interleaved run of two servers. In that run
 * (sixteen 5 s rounds at 900/s, both servers) every round with a full collection read 19.4–82.7 ms and
 * every one without 7.6–22.5 ms (12.9 at most with the delay). A second such run, the host slower
 * (about 1 ms of CPU a command), both servers with the delay, one of them with V8's old generation set
 * to start at 512 MiB: that one made no full collection in its eight rounds, which read 10.6–45.4 ms
 * (median 18.7), against 10.7–95.9 ms (median 39.5; five rounds with one) for the other. The host's
 * speed moves the server's CPU a command by a third within hours (calendar's day-by-day baseline 22,350
 * and 15,705 calls/s two hours apart on one day).
 *
 * The server now makes full collections rarer, every 35–60 s instead of every 5–10 s, by the heap's
 * growing factor (scripts/heapGrowth.ts, with its interleaved measurement). Nine runs of this bench
 * with it on a quiet host read 10.3, 13.8, 9.1, 11.9, 36.1, 43.6, 9.1, 29.3 and 15.6 ms: each made one
 * full collection (in its second or third trial), and in the four over 15 ms the first trial read 15.6–51.5 ms without one, the server at 85–103% of a core (the host was at about
 * half of its two cores in one of them, and no writeback of dirty pages was under way in another). At
 * "half the peak" the server is at 65–103% of a core in its trials, since a command costs it nearly
 * twice as much alone as in the peak's large groups (0.7–0.95 ms against 0.46–0.5): that is what is left.
 *
 * The usage reports this bench sends each add one link to their case's list now, not a copy of the
 * list (machines/appendOnlyList.ts: the old generation grows about a third slower). Four runs read
 * 13.5, 18.4, 23.0 and 29.0 ms (the last in docs/BENCHMARKS.md): no better than the nine before. Each
 * still made one full collection in a trial (now the first or second, 18.4–30.3 ms), and three read
 * 23.0, 29.0 and 52.8 ms in a trial without one (the server at 72–91% of a core, the bare route's p99
 * 4.5–6.2 ms).
 *
 * On a faster host (the peak at 2,726–2,851/s against 2,182), four runs of the same code read 7.0, 8.2,
 * 8.5 and 10.7 ms: one trial in twelve over 20 ms (25.0, with a full collection). What a full collection
 * does, from --trace-gc-nvp in two servers loaded in turn (10 s rounds at 1,387/s): its pause was
 * 6.5–25.7 ms, yet its round read 34.9–183.4 ms; rounds without one read 6.9–11.9 ms, but for three
 * (19.0, 98.2 and 112.4 ms) beside a slow round of the other server (the host). About 0.27 MB is promoted
 * per scavenge (every ~90 ms); with semi-spaces fixed at 32 MiB it is 0.45 MB per scavenge at half as
 * many, so what reaches the old generation outlives 0.36 s: not the case states a command replaces
 * (each lives about 0.14 s here). Neither that nor --min-semi-space-size=16 nor --no-compact
 * changed how many rounds had a full collection, or what those rounds read.
 *
 * What did grow the old generation, besides: hidden classes. V8's object statistics of a full
 * collection (--trace-gc-object-stats) found 174 MB dead, 59 MB of it maps, their descriptor arrays and
 * load handlers; an object made by a spread and then given a new key got a map of its own every time
 * (the event metadata, each usage report). Made with machines/extended.ts instead, the old generation
 * grew 1.7 MB/s against 2.5 and full collections came 55 and 107 s apart against 46 and 84 s. Two runs
 * of this bench then, on a slower host (peak 2,118 and 2,543/s), read 13.1 and 14.1 ms, each with one
 * full collection in a trial (23.8 and 42.9 ms). One map a command is left, made inside zod's parse
 * (`{ ..._ctx, async: false }`, node_modules/zod/v4/core/parse.js).
 *
 * The paced trials are preceded by 5 s of the same paced load to each server, not counted. The first
 * paced period a server ever serves is its slowest, whatever came before it: in four interleaved runs
 * of two servers (rounds of 5 s at 900/s after the 8-connection warm-up, with 0, 5 or 15 s idle
 * first) the servers' first rounds read 16.1, 18.8, 34.2, 36.7, 38.6, 77.5 and 125.0 ms at p99, their
 * later rounds without a full collection 9.9–15.5 ms, idle gaps between them or not. V8's --trace-opt tells why: 194 functions
 * optimized in the first paced round against 28 and 16 in the next two (and no full collection in any):
 * the paths a steady, moderate stream takes — the commit delay's timer, groups of one or two, the
 * log's flush per group — are ones the peak's full groups never ran, and their compilation shared the
 * two cores with the load. In bench:api that first period was trial 1: in the two runs just before,
 * trial 1 read 26.0 and 21.4 ms (the server at 99% and 88% of a core), trial 3 9.1 and 9.8 ms (68%, 77%).
 * A server runs for days; its first seconds at a new pace are not its p99 at that pace. The warm-up's
 * own p99 is printed.
 *
 * The peaks too are taken in turn, three of each server (API, bare, API, …), and the median of each
 * reported: one peak of each, API first, read API/bare 0.47 in one of four runs (1,340 against 2,832/s)
 * and 0.66–0.89 in the others, the host slow while the API's one peak ran.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
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
/** Paced trials at half the peak rate, per server: the median p99 is reported. */
const TRIALS = 3;
/** Peak runs per server, API and bare route in turn: the median of each is reported (see the top). */
const PEAK_RUNS = 3;
/** Seconds of paced load each server is sent before its trials, not counted (see the top). */
const PACED_WARM_UP_SECONDS = 5;

/** Starts a server as a child process and waits until `readyUrl` answers. */
async function startChild(args: string[], env: NodeJS.ProcessEnv, readyUrl: string): Promise<ChildProcess> {
  // As `npm start` runs the server: node itself with tsx's loader (the tsx command is a second process relaying signals).
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
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

/** What the API server's own GET /metrics (prom-client's default metrics) tells of it at one moment. */
interface ServerReading {
  at: number;
  cpuSeconds: number;
  fullGcs: number;
  fullGcSeconds: number;
  /** The longest event-loop delay since the last scrape (prom-client resets its monitor at each). */
  loopDelayMaxSeconds: number;
}

/** Reads the server's metrics: between two readings, its full collections, CPU and longest loop delay. */
async function readServer(base: string): Promise<ServerReading> {
  const text = await (await fetch(`${base}/metrics`)).text();
  /** A sample's value; `whenAbsent` for a labelled series not begun yet (no full collection so far), else absent is an error. */
  const value = (line: string, whenAbsent?: number) => {
    const found = text.split('\n').find((l) => l.startsWith(`${line} `));
    if (found !== undefined) return Number(found.slice(line.length + 1));
    if (whenAbsent === undefined) throw new Error(`GET /metrics has no ${line}`);
    return whenAbsent;
  };
  return {
    at: performance.now(),
    cpuSeconds: value('process_cpu_seconds_total'),
    fullGcs: value('nodejs_gc_duration_seconds_count{kind="major"}', 0),
    fullGcSeconds: value('nodejs_gc_duration_seconds_sum{kind="major"}', 0),
    loopDelayMaxSeconds: value('nodejs_eventloop_lag_max_seconds'),
  };
}

/** The server during one trial: its full (mark-compact) collections, their pauses in all, its CPU (of one core, all its threads) and its longest loop delay. */
interface ServerDuring {
  fullGcs: number;
  fullGcMs: number;
  cpuPercent: number;
  loopDelayMaxMs: number;
}

function during(before: ServerReading, after: ServerReading): ServerDuring {
  return {
    fullGcs: after.fullGcs - before.fullGcs,
    fullGcMs: (after.fullGcSeconds - before.fullGcSeconds) * 1000,
    cpuPercent: ((after.cpuSeconds - before.cpuSeconds) * 1000 * 100) / (after.at - before.at),
    loopDelayMaxMs: after.loopDelayMaxSeconds * 1000,
  };
}

/** The run whose `measure` is the median (the trial's p99, the peak's commands/s). */
function medianBy<T>(runs: readonly T[], measure: (run: T) => number): T {
  return [...runs].sort((a, b) => measure(a) - measure(b))[Math.floor(runs.length / 2)]!;
}

interface PacedResult {
  requests: number;
  /** Completed 2xx requests per second over the run. */
  rate: number;
  p50: number;
  p99: number;
  max: number;
  failed: number;
  /** p99 of the time from a request's due moment to its writing (in the client: waiting for a connection, or a late timer). */
  queuedP99: number;
  /** p99 of the time from a request's writing to its answer. */
  answerP99: number;
}

/**
 * An open-loop load at an even `rate`: request n is due at start + n/rate and is written then on a
 * free keep-alive connection (or as soon as one frees up); its latency runs from when it was due to
 * the end of its response. A client of raw sockets and prebuilt requests, like autocannon's, so the
 * load generator's own work stays small beside the server's on a 2-core machine.
 */
function paced(url: string, ids: string[], token: string | undefined, body: string, options: { rate: number; connections: number; seconds: number }): Promise<PacedResult> {
  const target = new URL(url);
  const requests = ids.map((id) =>
    Buffer.from(
      `POST ${target.pathname.replace(':id', id)} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/json\r\n` +
        `${token ? `Authorization: Bearer ${token}\r\n` : ''}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    ),
  );
  const total = Math.max(1, Math.round(options.rate * options.seconds));
  const interval = 1000 / options.rate;
  const latencies: number[] = [];
  const waited: number[] = [];
  const answered: number[] = [];
  const due: number[] = [];
  const idle: Socket[] = [];
  const sockets: Socket[] = [];
  /** When the request a connection is waiting on was due, and when it was written. */
  const inFlight = new Map<Socket, { due: number; written: number }>();
  let failed = 0;
  let sent = 0;
  let done = 0;
  let start = 0;
  return new Promise((resolve, reject) => {
    const finish = () => {
      if (++done < total) return;
      for (const socket of sockets) socket.destroy();
      const elapsed = performance.now() - start;
      for (const xs of [latencies, waited, answered]) xs.sort((a, b) => a - b);
      const at = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
      resolve({
        requests: total,
        rate: (latencies.length / elapsed) * 1000,
        p50: at(latencies, 0.5),
        p99: at(latencies, 0.99),
        max: latencies.at(-1) ?? 0,
        failed,
        queuedP99: at(waited, 0.99),
        answerP99: at(answered, 0.99),
      });
    };
    /** Gives the oldest due request to a free connection. */
    const dispatch = () => {
      while (due.length > 0 && idle.length > 0) {
        const socket = idle.pop()!;
        inFlight.set(socket, { due: due.shift()!, written: performance.now() });
        socket.write(requests[sent++ % requests.length]!);
      }
    };
    let queued = 0;
    const tick = () => {
      const now = performance.now();
      while (queued < total && start + queued * interval <= now) due.push(start + queued++ * interval);
      dispatch();
      if (queued < total) setTimeout(tick, Math.max(0, start + queued * interval - performance.now()));
    };
    let connected = 0;
    for (let c = 0; c < options.connections; c++) {
      const socket = connect({ host: target.hostname, port: Number(target.port) });
      socket.setNoDelay(true);
      sockets.push(socket);
      let buffer: Buffer = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
        for (;;) {
          const headEnd = buffer.indexOf('\r\n\r\n');
          if (headEnd < 0) return;
          const head = buffer.toString('latin1', 0, headEnd);
          const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
          if (buffer.length < headEnd + 4 + length) return;
          buffer = buffer.subarray(headEnd + 4 + length);
          const status = Number(head.slice(9, 12));
          const request = inFlight.get(socket)!;
          if (status >= 200 && status < 300) {
            const now = performance.now();
            latencies.push(now - request.due);
            waited.push(request.written - request.due);
            answered.push(now - request.written);
          } else failed++;
          inFlight.delete(socket);
          idle.push(socket);
          dispatch();
          finish();
        }
      });
      socket.on('error', reject);
      // A connection the server closed takes its request with it: a failure, and one connection fewer.
      socket.once('close', () => {
        if (!inFlight.delete(socket) || done >= total) return;
        failed++;
        finish();
      });
      socket.once('connect', () => {
        idle.push(socket);
        if (++connected === options.connections) {
          start = performance.now() + 20;
          setTimeout(tick, 20);
        }
      });
    }
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
  // The agreed first day of use: begun, as access was granted (附录5 协议二(二); v6 refuses a report of days not begun or outside the agreement).
  const body = JSON.stringify({ type: 'REPORT_USAGE', data: { ...commandData.conditionalApplication.REPORT_USAGE, period: { from: agreement.useFrom, to: agreement.useFrom } } });

  process.stderr.write(`warming up, then ${SECONDS}s per run …\n`);
  await load(`${base}/v1/cases/:id/commands`, ids, applicant, body, { connections: 8 });
  // The peaks in turn, API and bare route, PEAK_RUNS each: the median of each (see the top).
  const apiPeaks: Awaited<ReturnType<typeof load>>[] = [];
  const barePeaks: Awaited<ReturnType<typeof load>>[] = [];
  for (let run = 0; run < PEAK_RUNS; run++) {
    apiPeaks.push(await load(`${base}/v1/cases/:id/commands`, ids, applicant, body, { connections: 32 }));
    barePeaks.push(await load(`http://127.0.0.1:${BARE_PORT}/bare/:id`, ids, undefined, body, { connections: 32 }));
    process.stderr.write(`  peak ${run + 1}/${PEAK_RUNS}: API ${apiPeaks[run]!.requests.average.toFixed(0)}/s, bare ${barePeaks[run]!.requests.average.toFixed(0)}/s\n`);
  }
  const apiPeak = medianBy(apiPeaks, (run) => run.requests.average);
  const barePeak = medianBy(barePeaks, (run) => run.requests.average);
  const halfRate = Math.max(1, Math.floor(apiPeak.requests.average / 2));
  // The paced load's own warm-up, not counted (see the top: the first paced period compiles what the peak never ran).
  process.stderr.write(`${halfRate} requests/s, evenly paced: ${PACED_WARM_UP_SECONDS} s to each server to warm up (not counted) …\n`);
  const apiWarm = await paced(`${base}/v1/cases/:id/commands`, ids, applicant, body, { rate: halfRate, connections: 16, seconds: PACED_WARM_UP_SECONDS });
  const bareWarm = await paced(`http://127.0.0.1:${BARE_PORT}/bare/:id`, ids, undefined, body, { rate: halfRate, connections: 16, seconds: PACED_WARM_UP_SECONDS });
  process.stderr.write(`  warm-up p99: API ${apiWarm.p99.toFixed(1)} ms, bare ${bareWarm.p99.toFixed(1)} ms\n`);
  process.stderr.write(`${halfRate} requests/s, evenly paced, to the API and the bare route in turn, ${TRIALS} trials each …\n`);
  // Three trials each, API and bare route in turn, so a stall of the host lands in one trial and
  // the median p99 of each stands for its server rather than for the moment it ran.
  const apiTrials: PacedResult[] = [];
  const bareTrials: PacedResult[] = [];
  /** The API server during each of its trials, from its own /metrics read before and after (outside the trial). */
  const apiServer: ServerDuring[] = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    const before = await readServer(base);
    apiTrials.push(await paced(`${base}/v1/cases/:id/commands`, ids, applicant, body, { rate: halfRate, connections: 16, seconds: SECONDS }));
    apiServer.push(during(before, await readServer(base)));
    // For context: the bare route's latency at the same rate shows what the host and the disk's fsync alone cost.
    bareTrials.push(await paced(`http://127.0.0.1:${BARE_PORT}/bare/:id`, ids, undefined, body, { rate: halfRate, connections: 16, seconds: SECONDS }));
    process.stderr.write(`  trial ${trial + 1}/${TRIALS}: p99 API ${apiTrials[trial]!.p99.toFixed(1)} ms, bare ${bareTrials[trial]!.p99.toFixed(1)} ms\n`);
  }
  const apiHalf = medianBy(apiTrials, (t) => t.p99);
  const bareHalf = medianBy(bareTrials, (t) => t.p99);
  process.stderr.write(`the same rate through autocannon's overallRate (a burst at the start of every second) …\n`);
  const apiBurst = await load(`${base}/v1/cases/:id/commands`, ids, applicant, body, { connections: 16, overallRate: halfRate });

  const bad = apiPeaks.reduce((n, r) => n + r.non2xx + r.errors, 0) + apiTrials.reduce((n, t) => n + t.failed, 0) + apiBurst.non2xx + apiBurst.errors;
  // Paced rows also split p99 (see the top): queued in the client, and from writing to answer.
  const split = (t: PacedResult) => [t.queuedP99, t.answerP99] as const;
  const rows: (readonly [string, number, number, number, number, (readonly [number, number])?])[] = [
    [`API commands, peak (32 conns, median of ${PEAK_RUNS})`, apiPeak.requests.average, apiPeak.latency.p50, apiPeak.latency.p99, apiPeak.non2xx + apiPeak.errors],
    [`bare fastify + 1 insert, peak (median of ${PEAK_RUNS})`, barePeak.requests.average, barePeak.latency.p50, barePeak.latency.p99, barePeak.non2xx + barePeak.errors],
    ...apiTrials.map((t, i) => [`API commands at half peak, paced (${halfRate}/s) #${i + 1}`, t.rate, t.p50, t.p99, t.failed, split(t)] as const),
    ...bareTrials.map((t, i) => [`bare route at the same rate, paced #${i + 1}`, t.rate, t.p50, t.p99, t.failed, split(t)] as const),
    [`API, autocannon overallRate ${halfRate}/s`, apiBurst.requests.average, apiBurst.latency.p50, apiBurst.latency.p99, apiBurst.non2xx + apiBurst.errors],
  ];
  const line = (name: string, cells: readonly string[]) => console.log(`${name.padEnd(46)}${cells.map((c) => c.padStart(11)).join('')}`);
  console.log('');
  line('run', ['req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'p99 queued', 'p99 answer']);
  for (const [name, rps, p50, p99, errors, parts] of rows) {
    line(name, [rps.toFixed(0), p50.toFixed(1), p99.toFixed(1), String(errors), ...(parts ? parts.map((ms) => ms.toFixed(1)) : ['–', '–'])]);
  }
  // A trial's stalls named: a full collection pauses the server (its marking runs beside it on
  // another thread); the loop delay is the longest the server's thread was held; CPU counts all its threads.
  console.log('');
  line('the API server in its paced trials', ['full GCs', 'their ms', 'max delay', 'CPU %']);
  for (const [i, d] of apiServer.entries()) {
    line(`#${i + 1} (p99 ${apiTrials[i]!.p99.toFixed(1)} ms)`, [String(d.fullGcs), d.fullGcMs.toFixed(1), d.loopDelayMaxMs.toFixed(1), d.cpuPercent.toFixed(0)]);
  }
  const ratio = Math.round((apiPeak.requests.average / barePeak.requests.average) * 100) / 100;
  const p99 = Number(apiHalf.p99.toFixed(1));
  console.log(`\nAPI/bare = ${ratio} (target ≥ 0.5); p99 at half peak, paced = ${p99} ms, the median of ${TRIALS} trials (target ≤ 20 ms; the bare route's: ${bareHalf.p99.toFixed(1)} ms)${bad ? `; ${bad} failed requests` : ''}`);
  console.log(
    JSON.stringify({
      name: 'api-commands',
      value: Math.round(apiPeak.requests.average),
      unit: 'commands/s',
      baseline: Math.round(barePeak.requests.average),
      ratio,
      p99HalfPeakMs: p99,
      p99HalfPeakTrialsMs: apiTrials.map((t) => Number(t.p99.toFixed(1))),
      // The same trials' p99 from writing a request to its answer, and of the wait for a connection before it.
      p99HalfPeakAnswerTrialsMs: apiTrials.map((t) => Number(t.answerP99.toFixed(1))),
      p99HalfPeakQueuedTrialsMs: apiTrials.map((t) => Number(t.queuedP99.toFixed(1))),
      // The server in the same trials: its full collections, its longest loop delay, its CPU (% of one core).
      fullGcsHalfPeakTrials: apiServer.map((d) => d.fullGcs),
      loopDelayMaxHalfPeakTrialsMs: apiServer.map((d) => Number(d.loopDelayMaxMs.toFixed(1))),
      serverCpuHalfPeakTrialsPercent: apiServer.map((d) => Math.round(d.cpuPercent)),
      bareP99HalfPeakMs: Number(bareHalf.p99.toFixed(1)),
      autocannonBurstP99Ms: apiBurst.latency.p99,
    }),
  );
  if (bad) process.exitCode = 1;
} finally {
  for (const child of children) child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
