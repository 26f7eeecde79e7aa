/**
 * npm start stopped (SIGTERM: docker stop, a deployment) while it still reads the log into its timer
 * index at start-up. The read took 14 s at 1,000,000 events and the stop waited for all of it (13.5 s
 * from SIGTERM to exit, past docker stop's 10 s: the container was killed). The read stops at the
 * next event; the next start reads the whole log again and fires each due timer once. Real child processes.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCalendar } from '../../calendars/index.js';
import { Directory } from '../../directory/index.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { systemClock } from '../../infra/clock.js';
import { synthesise } from '../../scripts/bench/projections.js';
import { SECRET } from '../api/harness.js';
import { usesEndedDaysAgo } from './usesEnded.js';
import { runScript, spawnServer, startServer } from './spawnScript.js';

const root = mkdtempSync(join(tmpdir(), 'wf-startup-read-stop-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const USES = 20;
/** Enough that the start-up's read of the log takes seconds (about 60,000 events a second). */
const EVENTS = 150_000;

/** The uses stored through the engine (the first `USES` streams) by how many UsageExpired events each has. */
function expiriesByCount(dataDir: string): Record<string, number> {
  const db = new Database(join(dataDir, 'events.db'), { readonly: true });
  try {
    const rows = db
      .prepare<[number], { n: number; cases: number }>(
        "SELECT n, count(*) AS cases FROM (SELECT stream_id, sum(type = 'UsageExpired') AS n FROM events WHERE stream_id IN (SELECT stream_id FROM events WHERE stream_id LIKE 'conditionalApplication-%' AND type <> 'UsageExpired' ORDER BY position LIMIT ?) GROUP BY stream_id) GROUP BY n",
      )
      .all(USES * 5);
    return Object.fromEntries(rows.map((r) => [String(r.n), r.cases]));
  } finally {
    db.close();
  }
}

async function timersDue(url: string): Promise<string | undefined> {
  const text = await (await fetch(new URL('/metrics', url))).text();
  return /^workflow_timers_due (\S+)$/m.exec(text)?.[1];
}

describe('npm start, given a long log with uses that ended days ago, when it is sent SIGTERM while it still reads the log into its timer index', () => {
  it('then the read stops part-way and says so, the server exits 0 without reading the rest and fires nothing; started again, it reads the whole log and fires each use once', async () => {
    const dataDir = join(root, 'data');
    mkdirSync(dataDir, { recursive: true });
    await usesEndedDaysAgo(dataDir, USES);
    const store = new SqliteEventStore({ path: join(dataDir, 'events.db'), synchronous: 'OFF', now: systemClock.now });
    synthesise(store, Directory.load(), defaultCalendar(), { events: EVENTS, casesPerDay: 6000 });
    store.database.pragma('wal_checkpoint(TRUNCATE)');
    await store.close();
    const env = { PORT: '0', WORKFLOW_DATA_DIR: dataDir, WORKFLOW_JWT_SECRET: SECRET };
    // The read models up to date, as on a server that ran before: only the timer index is read at start.
    // 150,000 events: about 9 s alone (30 s while it caught the read models up before dropping them), but
    // past 60 s on a host loaded with other work (killed there, 143); the whole test took 171 s of its
    // former 180 in a full run beside other work.
    const rebuilt = await runScript('rebuild.ts', [], env, undefined, 240_000);
    expect(rebuilt.status, rebuilt.stderr).toBe(0);

    const server = await startServer(env);
    // Still reading: /metrics says the index is not yet read (NaN), not a count.
    expect(await timersDue(server.url)).toBe('NaN');
    expect(await server.stop()).toBe(0);
    const output = server.output();
    expect(output).toContain('"msg":"服务已停止"');
    const stopped = /服务停止，启动时读取事件日志已中断（已读至位置 (\d+)）/.exec(output);
    expect(stopped, output).not.toBeNull();
    expect(Number(stopped![1])).toBeLessThan(EVENTS);
    expect(output).not.toContain('"level":50');
    expect(expiriesByCount(dataDir)).toEqual({ '0': USES });

    const again = await startServer(env);
    try {
      for (let i = 0; i < 3000 && !again.output().includes('"msg":"已触发 '); i++) await new Promise((r) => setTimeout(r, 20));
      expect(again.output()).toContain(`"msg":"已触发 ${USES} 个到期的系统指令（共 ${USES} 个到期）"`);
      expect(await timersDue(again.url)).toBe('0');
    } finally {
      expect(await again.stop()).toBe(0);
    }
    expect(expiriesByCount(dataDir)).toEqual({ '1': USES });
  }, 360_000);

  // An upgrade rebuilds read models at start, before the server listens: a stop then (a deployment
  // rolled back, docker stop) ended the process with no word (exit 143), and nothing said which read
  // models were being rebuilt either.
  it('given the inbox written by an older build, when the server is stopped while it rebuilds it at start, then it says which it rebuilds and that it stopped before taking requests (exit 143); started again, it finishes and starts', async () => {
    const dataDir = join(root, 'data');
    const env = { PORT: '0', WORKFLOW_DATA_DIR: dataDir, WORKFLOW_JWT_SECRET: SECRET };
    const db = new Database(join(dataDir, 'events.db'));
    const version = db.prepare<[], number>("SELECT version FROM projection_checkpoints WHERE name = 'inbox'").pluck().get()!;
    db.prepare("UPDATE projection_checkpoints SET version = version - 1 WHERE name = 'inbox'").run();
    db.close();

    const starting = spawnServer(env);
    for (let i = 0; i < 1500 && !starting.output().includes('由其他版本的服务写入'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(starting.output()).toContain(`读模型 inbox（第 ${version - 1} 版 → 第 ${version} 版）由其他版本的服务写入，正在按本服务的版本从位置 0 重建`);
    starting.child.kill('SIGTERM');
    expect(await starting.exited).toBe(143);
    expect(starting.output()).toContain('服务启动中收到 SIGTERM，已停止：尚未开始接受请求');
    expect(starting.output()).not.toContain('工作流服务已启动');

    const again = await startServer(env);
    expect(await again.stop()).toBe(0);
  }, 120_000);
});
