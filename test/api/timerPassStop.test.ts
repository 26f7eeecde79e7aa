/**
 * A timer pass over a midnight burst (thousands of agreements ending on one day) takes a minute or
 * more. Found with 10,000 active applications ending 2026-12-31 and the test clock moved past that
 * midnight: SIGTERM during the pass closed the store under it, and it logged one error with a stack
 * for each of the 6,831 cases left (`案件的系统指令执行失败 … the event store is closed`). And nothing
 * on /metrics said how far such a pass had come, as `workflow_calendar_restatement_progress` does for
 * a notice's re-statement.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../api/app.js';
import { buildServer } from '../../api/server.js';
import { mintToken } from '../../api/auth.js';
import { ManualClock } from '../../infra/clock.js';
import { loadConfig } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';
import { SECRET } from './harness.js';
import { activeEndingOnNewYearsEve } from '../engine/world.js';
import { actors, startInputs } from '../machines/examples.js';
import { testNotice2027 } from '../calendars/notice2027.js';

/** 2026-01-01 00:00:00.001 Shanghai: the uses agreed to end on 2025-12-31 are over. */
const afterMidnight = '2025-12-31T16:00:00.001Z';

let dataDir: string | undefined;
afterEach(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

async function serverOn(dir: string, at: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text) lines.push(JSON.parse(text) as Record<string, unknown>);
      done();
    },
  });
  const clock = new ManualClock(at);
  const app = await createApp(loadConfig({ WORKFLOW_DATA_DIR: dir, WORKFLOW_JWT_SECRET: SECRET, WORKFLOW_TEST_CLOCK: '1', WORKFLOW_SQLITE_SYNCHRONOUS: 'OFF' }), { clock, logger: createLogger({ level: 'info' }, sink) });
  const server = await buildServer(app);
  await server.ready();
  return { app, server, clock, lines };
}


/** Holds the system command of number `at` until released; `reached` resolves when it is held. */
function holdSystemCommand(app: App, at: number) {
  let release = () => {};
  let reachedIt = () => {};
  const reached = new Promise<void>((resolve) => (reachedIt = resolve));
  const until = new Promise<void>((resolve) => (release = resolve));
  let calls = 0;
  const execute = app.engine.execute.bind(app.engine);
  app.engine.execute = async (cmd) => {
    if (cmd.actor.role === 'system' && ++calls === at) {
      reachedIt();
      await until;
    }
    return execute(cmd);
  };
  return { reached, release };
}

async function expiries(app: App, ids: string[]): Promise<number[]> {
  return Promise.all(ids.map(async (id) => (await app.store.readStream(`conditionalApplication-${id}`)).filter((e) => e.type === 'UsageExpired').length));
}

describe('a long timer pass and /metrics', () => {
  it('given 12 uses ending at one midnight and the test clock moved past it, when /metrics is scraped during the pass, then workflow_timers_pass_progress says how far it has come; NaN before and after', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wf-timer-pass-metrics-'));
    const { app, server } = await serverOn(dataDir, '2025-03-03T01:30:00.000Z');
    try {
      await activeEndingOnNewYearsEve(app.engine, 12);
      const scrape = async () => /^workflow_timers_pass_progress (\S+)$/m.exec((await server.inject({ method: 'GET', url: '/metrics' })).body)?.[1];
      expect(await scrape()).toBe('NaN');
      const hold = holdSystemCommand(app, 4);
      const admin = await mintToken(SECRET, { sub: 'admin', role: 'admin', org: '370000-dsj' });
      const put = server.inject({ method: 'PUT', url: '/v1/test/clock', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, payload: JSON.stringify({ now: afterMidnight }) });
      await hold.reached;
      // Three of twelve done, the fourth under way.
      expect(await scrape()).toBe('0.25');
      hold.release();
      expect((await put).json()).toMatchObject({ fired: 12 });
      expect(await scrape()).toBe('NaN');
    } finally {
      await server.close();
      await app.close();
    }
  });
});

describe('a server closed while a timer pass runs', () => {
  it('given 12 uses ending at one midnight and a PUT of the test clock firing them, when the server is closed (SIGTERM) at the fifth, then the pass stops there without an error line, the store is closed after it, and the server started again fires each of the rest once', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wf-timer-pass-close-'));
    const first = await serverOn(dataDir, '2025-03-03T01:30:00.000Z');
    const ids = await activeEndingOnNewYearsEve(first.app.engine, 12);
    const hold = holdSystemCommand(first.app, 5);
    const admin = await mintToken(SECRET, { sub: 'admin', role: 'admin', org: '370000-dsj' });
    const put = first.server.inject({ method: 'PUT', url: '/v1/test/clock', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, payload: JSON.stringify({ now: afterMidnight }) });
    await hold.reached;
    // What start.ts does on SIGTERM once its requests are answered: the server closed, then the app (and its store).
    await first.server.close();
    const closed = first.app.close();
    hold.release();
    await closed;
    const answer = await put;
    expect(answer.statusCode).toBe(200);
    expect(answer.json().fired).toBe(5);
    expect(first.lines.filter((l) => (l.level as number) >= 50).map((l) => `${String(l.msg)} ${JSON.stringify(l.err ?? '')}`)).toEqual([]);
    expect(first.lines.filter((l) => l.level === 40).map((l) => l.msg)).toContain('服务停止，到期系统指令的触发已中断：已触发 5 个，尚有 7 个到期未触发，将在服务再次启动后的定时检查中触发');

    const again = await serverOn(dataDir, afterMidnight);
    try {
      expect(await again.app.scheduler.fireDueTimers()).toBe(7);
      expect(await expiries(again.app, ids)).toEqual(Array(12).fill(1));
    } finally {
      await again.server.close();
      await again.app.close();
    }
  });
});

describe('a server closed while a holiday notice re-states the open cases', () => {
  it('given 12 objections with provisional 2027 deadlines and the 2027 notice being loaded, when the server is closed (SIGTERM, the admin\'s request cut off) at the fifth re-statement, then the re-statement stops there without an error line, says how far it came, and the server started again re-states the rest in its timer pass', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wf-restate-close-'));
    const first = await serverOn(dataDir, '2026-12-21T02:00:00.000Z');
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await first.app.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company })).caseId);
    let release = () => {};
    let reachedIt = () => {};
    const reached = new Promise<void>((resolve) => (reachedIt = resolve));
    const until = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const restate = first.app.engine.restateDeadlines.bind(first.app.engine);
    first.app.engine.restateDeadlines = async (caseId: string) => {
      if (++calls === 5) {
        reachedIt();
        await until;
      }
      return restate(caseId);
    };
    const admin = await mintToken(SECRET, { sub: 'admin', role: 'admin', org: '370000-dsj' });
    const { year: _year, ...notice } = testNotice2027;
    const put = first.server.inject({ method: 'PUT', url: '/v1/calendar/2027', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, payload: JSON.stringify(notice) });
    await reached;
    await first.server.close();
    const closed = first.app.close();
    release();
    await closed;
    await put;
    expect(first.lines.filter((l) => (l.level as number) >= 50).map((l) => `${String(l.msg)} ${JSON.stringify(l.err ?? '')}`)).toEqual([]);
    expect(first.lines.filter((l) => l.level === 40).map((l) => l.msg)).toContain(
      '服务停止，按 2027 年节假日安排重新核定期限已中断：已核对 5/12 个案件，其余的在服务再次启动后由定时检查补做；更正通知改动的正式期限需再次载入该通知',
    );

    const again = await serverOn(dataDir, '2026-12-21T02:05:00.000Z');
    try {
      await again.app.scheduler.fireDueTimers();
      for (const id of ids) expect((await again.app.engine.getCase(id)).tasks.map((t) => t.provisional)).toEqual([false]);
    } finally {
      await again.server.close();
      await again.app.close();
    }
  });
});
