/**
 * GET /v1/reports/overdue is made and written in turns of the event loop: a province's report,
 * made and serialised in one go, held every reviewer's command up to 1.15 s. Proven by its turns,
 * not by time: a command sent at the report's first turn is answered before the report's last byte,
 * and the report is still the one made in one go, to the byte. Both with the read models in the
 * store's file (inline) and in readmodels.db behind a subscription (as with EventStoreDB).
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, startInputs } from '../machines/examples.js';
import { startTestApi, type TestApi, type TestApiOptions } from './harness.js';

const DAY = 86_400_000;

describe.each<[string, TestApiOptions]>([
  ['inline', {}],
  ['follow', { follow: { lagMs: 0 } }],
])('the overdue report made in turns (read models %s)', (_mode, options) => {
  let api: TestApi;
  let turns = 0;
  /** Run at the next turn a report gives, once. */
  let atNextTurn: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    api = await startTestApi({
      ...options,
      // 4 items a turn: the report's first turn comes while its items are still being read.
      reportTurns: {
        itemsPerTurn: 4,
        turn: async () => {
          turns++;
          const run = atNextTurn;
          atNextTurn = undefined;
          if (run) await run();
          await new Promise<void>((resolve) => setImmediate(resolve));
        },
      },
    });
    // Thirty objections whose first stage is past its deadline once the clock has moved 90 days.
    for (let i = 0; i < 30; i++) await api.app.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company });
    api.clock.advance(90 * DAY);
    expect(await api.app.readModels.waitFor(await api.app.engine.settled(), 5_000)).toBe(true);
  });
  afterAll(() => api.close());

  it.each([
    ['JSON', '', (r: ReturnType<TestApi['app']['readModels']['overdueReport']>) => JSON.stringify(r)],
    ['CSV', '?format=csv', (r: ReturnType<TestApi['app']['readModels']['overdueReport']>) => api.app.readModels.toCsv(r)],
    ['CSV by organisation', '?format=csv&table=byOrg', (r: ReturnType<TestApi['app']['readModels']['overdueReport']>) => api.app.readModels.toCsv(r, 'byOrg')],
  ])('%s: when a command is sent at the report’s first turn, then it is answered before the report ends, and the report is the one made in one go', async (_name, query, text) => {
    const supervisor = await api.token('supervisor', '370000-dsj');
    const applicant = await api.token('applicant', actors.company.org);
    // Made in one go, before: the province's report (a provincial supervisor's own region).
    const expected = api.app.readModels.overdueReport({ asOf: api.clock.now(), region: '370000' });
    expect(expected.items.length).toBeGreaterThanOrEqual(30);
    const answered: string[] = [];
    atNextTurn = async () => {
      const started = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: startInputs.objection } });
      answered.push(`command ${started.status}`);
    };
    const before = turns;
    const report = await api.call('GET', `/v1/reports/overdue${query}`, { as: supervisor });
    answered.push(`report ${report.status}`);
    expect(answered).toEqual(['command 201', 'report 200']);
    // Turns while it was made and while it was written, every 4 items.
    expect(turns - before).toBeGreaterThanOrEqual(query.includes('byOrg') ? 7 : 14);
    expect(report.text).toBe(text(expected));
    expect(report.headers['content-type']).toBe(query === '' ? 'application/json; charset=utf-8' : 'text/csv; charset=utf-8');
  });

  it('when a client goes away while its report is being written, then the server goes on: the next report and command are answered', async () => {
    await api.server.listen({ port: 0, host: '127.0.0.1' });
    const { port } = api.server.server.address() as AddressInfo;
    const token = await api.token('supervisor', '370000-dsj');
    // Headers come with the report's first piece; the client hangs up on them, the rest unread.
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/v1/reports/overdue', headers: { authorization: `Bearer ${token}` } }, (res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', (err) => ((err as { code?: string }).code === 'ECONNRESET' ? undefined : reject(err)));
      req.end();
    });
    expect(status).toBe(200);
    const applicant = await api.token('applicant', actors.company.org);
    expect((await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: startInputs.objection } })).status).toBe(201);
    expect(await api.app.readModels.waitFor(await api.app.engine.settled(), 5_000)).toBe(true);
    const report = await api.call('GET', '/v1/reports/overdue', { as: token });
    expect(report.status).toBe(200);
    expect(report.text).toBe(JSON.stringify(api.app.readModels.overdueReport({ asOf: api.clock.now(), region: '370000' })));
  });

  it('when a client goes away while its report is being made, then making it stops at the next turn, and the next report is whole', async () => {
    if (!api.server.server.listening) await api.server.listen({ port: 0, host: '127.0.0.1' });
    const { port } = api.server.server.address() as AddressInfo;
    const token = await api.token('supervisor', '370000-dsj');
    let turnsAtHangUp = -1;
    const hungUp = new Promise<void>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/v1/reports/overdue', headers: { authorization: `Bearer ${token}` } }, () => reject(new Error('the report was answered before the client went away')));
      req.on('error', (err) => ((err as { code?: string }).code === 'ECONNRESET' ? undefined : reject(err)));
      // At the report's first turn (its items still being read, 4 a turn), the client hangs up, and
      // the turn ends once the server has seen the connection close.
      atNextTurn = async () => {
        turnsAtHangUp = turns;
        const closed = new Promise<void>((resolve) => req.once('close', () => resolve()));
        req.destroy();
        await closed;
        // Time for the server to read the end of the connection (the turn holds only the report).
        await new Promise<void>((resolve) => setTimeout(resolve, 50));
        resolve();
      };
      req.end();
    });
    await hungUp;
    // Quiet: no turn for two polls in a row (an abandoned report made to its end takes ≥ 7 more).
    let seen = -1;
    for (let i = 0; i < 150 && seen !== turns; i++) {
      seen = turns;
      await new Promise<void>((resolve) => setTimeout(resolve, 20));
    }
    expect(turnsAtHangUp).toBeGreaterThanOrEqual(0);
    expect(turns - turnsAtHangUp).toBeLessThanOrEqual(1);
    // Its reader connection was given back, its read transaction ended: the next report is the one made in one go.
    const report = await api.call('GET', '/v1/reports/overdue', { as: token });
    expect(report.status).toBe(200);
    expect(report.text).toBe(JSON.stringify(api.app.readModels.overdueReport({ asOf: api.clock.now(), region: '370000' })));
  });

  it.each([
    ['JSON', '', 'application/json; charset=utf-8'],
    ['CSV', '?format=csv', 'text/csv; charset=utf-8'],
  ])('HEAD (%s): then the headers GET sends, with no report made', async (_name, query, type) => {
    const supervisor = await api.token('supervisor', '370000-dsj');
    const before = turns;
    const head = await api.call('HEAD', `/v1/reports/overdue${query}`, { as: supervisor });
    expect(head.status).toBe(200);
    expect(turns).toBe(before);
    const get = await api.call('GET', `/v1/reports/overdue${query}`, { as: supervisor });
    expect(head.headers['content-type']).toBe(type);
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect(head.headers['content-disposition']).toBe(get.headers['content-disposition']);
    expect(head.text).toBe('');
    // Refused alike: no token, or a query GET refuses.
    expect((await api.call('HEAD', `/v1/reports/overdue${query}`)).status).toBe((await api.call('GET', `/v1/reports/overdue${query}`)).status);
    expect((await api.call('HEAD', '/v1/reports/overdue?asOf=tomorrow', { as: supervisor })).status).toBe(400);
  });
});
