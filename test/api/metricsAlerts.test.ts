/**
 * What an operator alerts on from /metrics and /health alone, on a running API: stages past their
 * legal deadline (第十九条), system commands due but not sent (timers), a store that fails to write
 * when only the timer pass writes, 503 answers by their reason, an identity provider gone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { createVerifier } from '../../api/auth.js';
import { buildServer } from '../../api/server.js';
import { ManualClock } from '../../infra/clock.js';
import { loadConfig } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { openTestApi, startTestApi, type TestApi } from './harness.js';

let api: TestApi;
beforeEach(async () => {
  // A Monday in March 2025: the examples' dates (use periods, agreements) fit around it.
  api = await startTestApi({ now: '2025-03-03T01:30:00.000Z' });
});
afterEach(() => api.close());

const metrics = async () => (await api.call('GET', '/metrics')).text;
const sample = (text: string, name: string) => text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));

describe('given stages left past their legal deadline (第十九条)', () => {
  const objection = (text: string) => sample(text, 'workflow_tasks_overdue').filter((line) => line.includes('"objection"'));
  it('when /metrics is scraped, then workflow_tasks_overdue counts them by process, naming no case and no organisation; once done, the count falls back', async () => {
    const applicant = await api.token('applicant', actors.company.org, actors.company.sub);
    const provider = await api.token('provider', actors.provider.org, actors.provider.sub);
    const started = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: startInputs.objection } });
    expect(started.status).toBe(201);
    expect(objection(await metrics())).toEqual(['workflow_tasks_overdue{process="objection"} 0']);

    api.clock.advance(30 * 86_400_000);
    const text = await metrics();
    expect(objection(text)).toEqual(['workflow_tasks_overdue{process="objection"} 1']);
    expect(sample(text, 'workflow_tasks_overdue').filter((line) => !line.endsWith(' 0'))).toHaveLength(1);
    expect(text).not.toContain(started.body.id);
    expect(text).not.toContain(actors.provider.org);

    const res = await api.call('POST', `/v1/cases/${started.body.id}/commands`, { as: provider, body: { type: 'RESPOND', data: commandData.objection.RESPOND } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(objection(await metrics())).toEqual(['workflow_tasks_overdue{process="objection"} 0']);
  });
});

/** A conditional application approved by its provider: in agreementPending, whose expiry timer falls due after its use period (2026-03-31). */
async function awaitingAgreement(): Promise<string> {
  const applicant = await api.token('applicant', actors.company.org, actors.company.sub);
  const authority = await api.token('authority', actors.cityAuthority.org, actors.cityAuthority.sub);
  const provider = await api.token('provider', actors.provider.org, actors.provider.sub);
  const started = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'conditionalApplication', input: startInputs.conditionalApplication } });
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  const id: string = started.body.id;
  for (const [as, type, data] of [
    [authority, 'PASS_NORMATIVE_REVIEW', commandData.conditionalApplication.PASS_NORMATIVE_REVIEW],
    [provider, 'APPROVE', commandData.conditionalApplication.APPROVE],
  ] as const) {
    const res = await api.call('POST', `/v1/cases/${id}/commands`, { as, body: { type, data } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
  expect((await api.call('GET', `/v1/cases/${id}`, { as: provider })).body.state).toBe('agreementPending');
  return id;
}

describe('given a system command whose time has come (a use period over)', () => {
  it('when no timer pass has sent it yet, then workflow_timers_due says so; once a pass sends it, it reads 0', async () => {
    await awaitingAgreement();
    expect(sample(await metrics(), 'workflow_timers_due')).toEqual(['workflow_timers_due 0']);
    // The clock alone, as when the interval's pass has not run or failed: nothing fired.
    api.clock.set('2026-04-02T01:00:00.000Z');
    expect(sample(await metrics(), 'workflow_timers_due')).toEqual(['workflow_timers_due 1']);
    expect(await api.app.scheduler.fireDueTimers()).toBe(1);
    expect(sample(await metrics(), 'workflow_timers_due')).toEqual(['workflow_timers_due 0']);
  });

  it('when a server starts on that store and is scraped while it still reads the log into its timer index, then workflow_timers_due and workflow_tasks_overdue read NaN (not a count of the part read so far), and the counts once it has read it', async () => {
    await awaitingAgreement();
    api.clock.set('2026-04-02T01:00:00.000Z');
    const before = await metrics();
    expect(sample(before, 'workflow_timers_due')).toEqual(['workflow_timers_due 1']);
    // A restart: the index is in memory only, read again from the log by the start-up's timer pass (npm start).
    const restarted = await openTestApi(api.dataDir, { now: '2026-04-02T01:00:00.000Z' });
    try {
      const scrape = async () => (await restarted.call('GET', '/metrics')).text;
      let text = await scrape();
      expect(sample(text, 'workflow_timers_due')).toEqual(['workflow_timers_due NaN']);
      expect(sample(text, 'workflow_tasks_overdue').filter((line) => !line.endsWith(' NaN'))).toEqual([]);
      await restarted.app.scheduler.index.catchUp();
      text = await scrape();
      expect(sample(text, 'workflow_timers_due')).toEqual(['workflow_timers_due 1']);
      expect(sample(text, 'workflow_tasks_overdue')).toEqual(sample(before, 'workflow_tasks_overdue'));
    } finally {
      await restarted.close();
    }
  });

  it('when the timer pass cannot store it (a full disk) and no request writes, then /health says degraded with store.trouble and workflow_store_trouble says storeFull, until a pass stores it', async () => {
    const id = await awaitingAgreement();
    api.clock.set('2026-04-02T01:00:00.000Z');
    api.app.store.appendToStream = async () => {
      throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    };
    expect(await api.app.scheduler.fireDueTimers()).toBe(0);
    expect((await api.call('GET', '/health')).body).toMatchObject({ status: 'degraded', store: { trouble: { reason: 'storeFull' } } });
    expect(sample(await metrics(), 'workflow_store_trouble')).toEqual(['workflow_store_trouble{reason="storeFull"} 1']);
    expect(sample(await metrics(), 'workflow_timers_due')).toEqual(['workflow_timers_due 1']);

    delete (api.app.store as { appendToStream?: unknown }).appendToStream;
    expect(await api.app.scheduler.fireDueTimers()).toBe(1);
    expect((await api.call('GET', '/health')).body.status).toBe('ok');
    expect(sample(await metrics(), 'workflow_store_trouble')).toEqual([]);
    const admin = await api.token('admin', '370000-dsj');
    expect((await api.call('GET', `/v1/cases/${id}`, { as: admin })).body.final).toBe(true);
  });
});

describe('given requests answered 503', () => {
  it('when the store is busy (another process holds its write lock), then workflow_http_unavailable_total counts it under storeBusy, apart from a full store', async () => {
    const applicant = await api.token('applicant', actors.company.org, actors.company.sub);
    const start = () => api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: startInputs.objection } });
    for (const code of ['SQLITE_BUSY', 'SQLITE_BUSY', 'SQLITE_FULL']) {
      api.app.store.appendToStream = async () => {
        throw Object.assign(new Error('store'), { code });
      };
      expect((await start()).status).toBe(503);
    }
    delete (api.app.store as { appendToStream?: unknown }).appendToStream;
    expect((await start()).status).toBe(201);
    const text = await metrics();
    expect(sample(text, 'workflow_http_unavailable_total').sort()).toEqual([
      'workflow_http_unavailable_total{reason="storeBusy"} 2',
      'workflow_http_unavailable_total{reason="storeFull"} 1',
    ]);
  });
});

describe('given an identity provider (JWKS) that can no longer be reached', () => {
  it('when the keys fetched before still answer (for up to an hour), then requests succeed, yet workflow_identity_provider_unreachable is 1; once a fetch succeeds again, 0', async () => {
    const keys = await generateKeyPair('RS256');
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] });
    let answer: 'keys' | 'error' = 'keys';
    const idp = createServer((_req, res) => (answer === 'keys' ? res.writeHead(200, { 'content-type': 'application/json' }).end(jwks) : res.writeHead(500).end()));
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/jwks.json`;
    const dataDir = mkdtempSync(join(tmpdir(), 'wf-idp-metrics-'));
    const app = await createApp(loadConfig({ WORKFLOW_DATA_DIR: dataDir, WORKFLOW_JWKS_URL: url, WORKFLOW_SQLITE_SYNCHRONOUS: 'OFF' }), { logger: createLogger({ level: 'silent' }) });
    // The platform's key set asked again at every new token (kept 0 ms, not an hour), on a clock the test moves.
    const clock = new ManualClock('2026-12-02T08:00:00.000Z');
    app.verifier = createVerifier({ jwksUrl: url, keySetMaxAgeMs: 0, now: () => clock.now() });
    const server = await buildServer(app);
    try {
      let n = 0;
      const inbox = async () => {
        const token = await new SignJWT({ role: 'applicant', org: actors.company.org, jti: `t${++n}` })
          .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
          .setSubject('u1')
          .setIssuedAt(clock.now())
          .setExpirationTime(new Date(clock.now().getTime() + 3_600_000))
          .sign(keys.privateKey);
        return (await server.inject({ method: 'GET', url: '/v1/inbox', headers: { authorization: `Bearer ${token}` } })).statusCode;
      };
      const unreachable = async () => sample((await server.inject({ method: 'GET', url: '/metrics' })).body, 'workflow_identity_provider_unreachable');
      expect(await inbox()).toBe(200);
      expect(await unreachable()).toEqual(['workflow_identity_provider_unreachable 0']);

      answer = 'error';
      expect(await inbox()).toBe(200);
      expect(await unreachable()).toEqual(['workflow_identity_provider_unreachable 1']);

      answer = 'keys';
      clock.advance(11_000);
      expect(await inbox()).toBe(200);
      expect(await unreachable()).toEqual(['workflow_identity_provider_unreachable 0']);
    } finally {
      await server.close();
      await app.close();
      await new Promise<void>((resolve) => idp.close(() => resolve()));
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('given a store that cannot be read (EventStoreDB down, its connection lost)', () => {
  it('when /metrics is scraped, then it still answers, with workflow_store_up 0 and every other metric; once the store answers, 1', async () => {
    const applicant = await api.token('applicant', actors.company.org, actors.company.sub);
    await api.call('GET', '/v1/inbox', { as: applicant });
    api.app.store.headPosition = async () => {
      throw Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 });
    };
    const down = await api.call('GET', '/metrics');
    expect(down.status).toBe(200);
    expect(sample(down.text, 'workflow_store_up')).toEqual(['workflow_store_up 0']);
    // No position it does not know: NaN, not 0.
    expect(sample(down.text, 'workflow_store_position')).toEqual(['workflow_store_position NaN']);
    expect(down.text).toContain('workflow_http_requests_total{method="GET",route="/v1/inbox",status="200"} 1');
    delete (api.app.store as { headPosition?: unknown }).headPosition;
    const up = (await api.call('GET', '/metrics')).text;
    expect(sample(up, 'workflow_store_up')).toEqual(['workflow_store_up 1']);
    expect(sample(up, 'workflow_store_position')).toEqual(['workflow_store_position 0']);
  });
});
