/**
 * The case view between a due time and the scheduler's next pass. An exploration of what cases offer
 * found the view of a use whose agreed end had passed still reading `active` for up to a minute (longer
 * after a restart): it offered the provider SUSPEND and TERMINATE, which the engine then refused with 409
 * (it stores the due expiry before a sender's command), and not the applicant's CONFIRM_DESTRUCTION.
 * A case read is now the case as the clock has it: its due system commands are stored first, as they
 * are before a command, by the same event id the scheduler uses (so stored once, whoever comes first).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createApp, type App } from '../../api/app.js';
import { buildServer } from '../../api/server.js';
import { mintToken } from '../../api/auth.js';
import { ManualClock } from '../../infra/clock.js';
import { loadConfig } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';
import { SECRET } from './harness.js';
import { activeEndingOnNewYearsEve } from '../engine/world.js';
import { actors } from '../machines/examples.js';

/** 2026-01-01 00:00:00.001 Shanghai: the use agreed to end on 2025-12-31 is over. */
const afterMidnight = '2025-12-31T16:00:00.001Z';

let dataDir: string;
let app: App;
let server: Awaited<ReturnType<typeof buildServer>>;
let clock: ManualClock;
let lines: Record<string, unknown>[];
let id: string;

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'wf-view-due-'));
  lines = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text) lines.push(JSON.parse(text) as Record<string, unknown>);
      done();
    },
  });
  clock = new ManualClock('2025-03-03T01:30:00.000Z');
  // No scheduler pass runs here: the clock is moved by hand, as time passes between two passes.
  app = await createApp(loadConfig({ WORKFLOW_DATA_DIR: dataDir, WORKFLOW_JWT_SECRET: SECRET, WORKFLOW_SQLITE_SYNCHRONOUS: 'OFF' }), { clock, logger: createLogger({ level: 'info' }, sink) });
  server = await buildServer(app);
  await server.ready();
  [id] = (await activeEndingOnNewYearsEve(app.engine, 1)) as [string];
});

afterEach(async () => {
  await server.close();
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function get(url: string, as: Parameters<typeof mintToken>[1]) {
  const token = await mintToken(SECRET, as);
  const res = await server.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  return { status: res.statusCode, body: res.json() };
}

const provider = { role: 'provider', org: actors.provider.org, sub: actors.provider.sub } as const;
const applicant = { role: 'applicant', org: actors.company.org, sub: actors.company.sub } as const;
const expiries = async () => (await app.store.readStream(`conditionalApplication-${id}`)).filter((e) => e.type === 'UsageExpired');

it('given a use agreed to end 2025-12-31, when the provider reads the case on 2025-12-31, then it is active and offers what an active use takes', async () => {
  clock.set('2025-12-31T15:59:00.000Z');
  const view = await get(`/v1/cases/${id}`, provider);
  expect(view.body.state).toBe('active');
  expect(view.body.allowedCommands).toContain('TERMINATE');
  expect(await expiries()).toHaveLength(0);
});

it('given its end passed and no scheduler pass since, when the provider reads the case, then the expiry is stored first, by the system at its due time, and the view no longer offers TERMINATE', async () => {
  const before = await get(`/v1/cases/${id}`, provider);
  expect(before.body.allowedCommands).toContain('TERMINATE');
  clock.set(afterMidnight);
  const view = await get(`/v1/cases/${id}`, provider);
  expect(view.status).toBe(200);
  expect(view.body.state).not.toBe('active');
  expect(view.body.allowedCommands).not.toContain('TERMINATE');
  const [expiry, ...more] = await expiries();
  expect(more).toEqual([]);
  expect(expiry!.metadata).toMatchObject({ actor: { role: 'system' } });
  // Its task entered at the due time (the end of 2025-12-31), as the scheduler would have entered it.
  expect((expiry!.metadata.tasksOpened as { enteredAt: string }[])[0]!.enteredAt).toBe('2025-12-31T15:59:59.999Z');
  // What the view offers is what the engine then takes: the provider's TERMINATE is refused as not allowed.
  const token = await mintToken(SECRET, provider);
  const terminate = await server.inject({ method: 'POST', url: `/v1/cases/${id}/commands`, headers: { authorization: `Bearer ${token}` }, payload: { type: 'TERMINATE', data: { reason: '违反协议约定' } } });
  expect(terminate.statusCode).toBe(409);
  expect(terminate.json().allowed).toEqual(view.body.allowedCommands);
  // The scheduler, coming after, finds it done.
  expect(await app.scheduler.fireDueTimers()).toBe(0);
  expect(await expiries()).toHaveLength(1);
});

it('given its end passed and no scheduler pass since, when the applicant reads the history, then it ends with the expiry, and the view asks the applicant to confirm the destruction', async () => {
  clock.set(afterMidnight);
  const history = await get(`/v1/cases/${id}/history`, applicant);
  expect(history.status).toBe(200);
  expect(history.body.events.at(-1).type).toBe('UsageExpired');
  const view = await get(`/v1/cases/${id}`, applicant);
  expect(view.body.revision).toBe(history.body.events.at(-1).revision);
  // 附录5 协议二(二): 协议终止后，在约定时长内销毁数据 — the applicant's task now.
  expect(view.body.state).toBe('destructionPending');
  expect(view.body.allowedCommands).toContain('CONFIRM_DESTRUCTION');
  expect(await expiries()).toHaveLength(1);
});

it('given its end passed, when a provider of another organisation asks for the case, then it is 404 and nothing is stored', async () => {
  clock.set(afterMidnight);
  const stranger = await get(`/v1/cases/${id}`, { role: 'provider', org: '370200-gaj', sub: 'someone' });
  expect(stranger.status).toBe(404);
  expect(await expiries()).toHaveLength(0);
});

it('given its end passed and the store refusing the expiry, when the provider reads the case, then it is shown as stored with a warning logged, and the scheduler stores the expiry later', async () => {
  clock.set(afterMidnight);
  const append = app.store.appendToStream.bind(app.store);
  app.store.appendToStream = () => Promise.reject(new Error('disk I/O error'));
  const view = await get(`/v1/cases/${id}`, provider);
  app.store.appendToStream = append;
  expect(view.status).toBe(200);
  expect(view.body.state).toBe('active');
  expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toContain('到期的系统指令暂未能执行，案件按已存储的状态显示；定时检查将重试');
  expect(await app.scheduler.fireDueTimers()).toBe(1);
  expect(await expiries()).toHaveLength(1);
});
