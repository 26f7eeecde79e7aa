/**
 * npm start stopped (SIGTERM: docker stop, a deployment) while its timer pass fires a midnight burst
 * (thousands of agreements ending on one day). It waited for the whole pass before it closed the
 * store: found with 10,000 uses due at start, SIGTERM when 6,268 were left, the server exited 16 s
 * later — docker stop kills after 10 s — and 20,000 took 74 s alone. The pass stops between one case
 * and the next; the next start fires the rest, each once. Real child processes: the I/O is waited for, boundedly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SECRET } from '../api/harness.js';
import { usesEndedDaysAgo } from './usesEnded.js';
import { startServer } from './spawnScript.js';

const root = mkdtempSync(join(tmpdir(), 'wf-timer-pass-stop-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Enough uses that the pass takes seconds (about 2–3 ms each with the store's synchronous=FULL). */
const CASES = 1500;

/** Cases by how many UsageExpired events they have, straight from the log. */
function expiriesByCount(dataDir: string): Record<string, number> {
  const db = new Database(join(dataDir, 'events.db'), { readonly: true });
  try {
    const rows = db
      .prepare<[], { n: number; cases: number }>(
        "SELECT n, count(*) AS cases FROM (SELECT e.stream_id, sum(e.type = 'UsageExpired') AS n FROM events e WHERE e.stream_id LIKE 'conditionalApplication-%' GROUP BY e.stream_id) GROUP BY n",
      )
      .all();
    return Object.fromEntries(rows.map((r) => [String(r.n), r.cases]));
  } finally {
    db.close();
  }
}

async function timersDue(url: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', url))).text();
  return Number(/^workflow_timers_due (\S+)$/m.exec(text)?.[1]);
}

/** How far the timer pass under way has come (NaN when none is: prom-client writes it `Nan`). */
async function passProgress(url: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', url))).text();
  return Number(/^workflow_timers_pass_progress (\S+)$/m.exec(text)?.[1]);
}

describe('npm start, given a timer pass firing a burst of uses that ended at one midnight, when it is sent SIGTERM in the middle of the pass', () => {
  it('then the pass stops between cases and says how many are left, the store is closed and the server exits 0 without waiting for the rest; started again, it fires each of the rest once', async () => {
    const dataDir = join(root, 'data');
    await usesEndedDaysAgo(dataDir, CASES);
    const env = { PORT: '0', WORKFLOW_DATA_DIR: dataDir, WORKFLOW_JWT_SECRET: SECRET };

    const server = await startServer(env);
    // The start-up pass fires them: stopped once some are done, many left. Told by the pass's own
    // progress: workflow_timers_due read below CASES while the start-up still read the log into its
    // index (320 of 1,500 known, no pass under way), so a stop sent then came before the pass began.
    let progress = await passProgress(server.url);
    for (let i = 0; i < 2000 && !(progress >= 50 / CASES); i++) {
      await new Promise((r) => setTimeout(r, 10));
      progress = await passProgress(server.url);
    }
    expect(progress).toBeGreaterThanOrEqual(50 / CASES);
    expect(progress).toBeLessThan(0.8);
    const code = await server.stop();
    expect(code).toBe(0);
    const output = server.output();
    expect(output).toContain('"msg":"服务已停止"');
    const stopped = /服务停止，到期系统指令的触发已中断：已触发 (\d+) 个，尚有 (\d+) 个到期未触发，将在服务再次启动后的定时检查中触发/.exec(output);
    expect(stopped).not.toBeNull();
    expect(Number(stopped![1])).toBeGreaterThanOrEqual(50);
    expect(Number(stopped![2])).toBeGreaterThan(100);
    expect(output).not.toContain('"level":50');
    // It did not wait for the pass to end: many uses are still unexpired, none expired twice.
    const atStop = expiriesByCount(dataDir);
    expect(atStop['2']).toBeUndefined();
    expect(atStop['0']).toBeGreaterThan(100);

    const again = await startServer(env);
    try {
      // Its start-up pass's end line, then nothing due (a scrape during the start-up's read of the log can read 0).
      for (let i = 0; i < 3000 && !again.output().includes(`"msg":"已触发 ${stopped![2]} 个到期的系统指令`); i++) await new Promise((r) => setTimeout(r, 20));
      expect(again.output()).toContain(`"msg":"已触发 ${stopped![2]} 个到期的系统指令（共 ${stopped![2]} 个到期）"`);
      expect(await timersDue(again.url)).toBe(0);
    } finally {
      expect(await again.stop()).toBe(0);
    }
    expect(expiriesByCount(dataDir)).toEqual({ '1': CASES });
  }, 180_000);
});
