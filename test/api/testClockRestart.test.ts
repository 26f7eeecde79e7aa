/**
 * PUT /v1/test/clock only moves forward: events stamped earlier than the ones before them would make
 * a history no real clock could have written, and reports that count time backwards. A server with
 * the test clock that is restarted on the same data folder starts its clock again; it must not start
 * it before what is already stored there (a demo moved a year ahead, then the server redeployed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../api/app.js';
import { buildServer } from '../../api/server.js';
import { mintToken } from '../../api/auth.js';
import { loadConfig } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';
import { commandData, startInputs } from '../machines/examples.js';
import { openTestApi, SECRET } from './harness.js';
import { partyTokens } from '../race/helpers.js';

let dataDir: string | undefined;
afterEach(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

/** The server as `npm start` makes it with WORKFLOW_TEST_CLOCK=1: the app starts its test clock itself. */
async function restartedServer(dir: string): Promise<{ app: App; server: Awaited<ReturnType<typeof buildServer>> }> {
  const config = loadConfig({ WORKFLOW_DATA_DIR: dir, WORKFLOW_JWT_SECRET: SECRET, WORKFLOW_TEST_CLOCK: '1', WORKFLOW_SQLITE_SYNCHRONOUS: 'OFF' });
  const app = await createApp(config, { logger: createLogger({ level: 'silent' }) });
  const server = await buildServer(app);
  await server.ready();
  return { app, server };
}

describe('a test-clock server restarted on a data folder the clock had moved ahead', () => {
  it('given an objection answered with the test clock moved to 2099-01-05, when the server restarts, then its clock starts no earlier than that answer, and a move to 2050 is refused', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wf-clock-restart-'));
    const first = await openTestApi(dataDir, { now: '2026-03-02T01:00:00.000Z' });
    const tokens = await partyTokens(first);
    const started = await first.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'objection', input: startInputs.objection } });
    expect(started.status, started.text).toBe(201);
    expect((await first.call('PUT', '/v1/test/clock', { as: tokens.admin, body: { now: '2099-01-05T02:00:00.000Z' } })).status).toBe(200);
    const answered = await first.call('POST', `/v1/cases/${started.body.id}/commands`, { as: tokens.provider, body: { type: 'RESPOND', data: commandData.objection.RESPOND } });
    expect(answered.status, answered.text).toBe(200);
    await first.close();

    const { app, server } = await restartedServer(dataDir);
    try {
      expect(app.testClock).toBeDefined();
      expect(app.clock.now().getTime()).toBeGreaterThanOrEqual(Date.parse('2099-01-05T02:00:00.000Z'));
      const admin = await mintToken(SECRET, { sub: 'admin', role: 'admin', org: '370000-dsj' });
      const back = await server.inject({ method: 'PUT', url: '/v1/test/clock', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, payload: JSON.stringify({ now: '2050-01-01T00:00:00.000Z' }) });
      expect(back.statusCode, back.body).toBe(400);
      expect(JSON.parse(back.body)).toMatchObject({ code: 'VALIDATION_FAILED', detail: expect.stringContaining('测试时钟只能向前拨') });
    } finally {
      await server.close();
      await app.close();
    }
  });
});
