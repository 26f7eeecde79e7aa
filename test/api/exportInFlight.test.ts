/**
 * An audit export of a period ending now has every event stamped in it (README "Audit"): an event's
 * time is stamped just before its append, so a command, or a holiday notice, can be stamped in the
 * period and still be being stored when the export is asked — and with EventStoreDB the read models
 * follow the store a moment behind. Given such an event, when the export is asked, then it waits
 * for the append and for the read models, and has the event: without that, two exports back to
 * back, each to the moment it was asked, both left it out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testNotice2027 } from '../calendars/notice2027.js';
import { actors, startInputs } from '../machines/examples.js';
import { startTestApi, type TestApi } from './harness.js';

/** Makes the store take 50 ms over each append (a slow disk) while `during` runs; resolves `asked` at the first. */
async function slowAppends<T>(api: TestApi, during: (asked: Promise<void>) => Promise<T>): Promise<T> {
  const store = api.app.store;
  const append = store.appendToStream.bind(store);
  let told!: () => void;
  const asked = new Promise<void>((resolve) => (told = resolve));
  store.appendToStream = async (...args: Parameters<typeof append>) => {
    told();
    await new Promise((resolve) => setTimeout(resolve, 50));
    return append(...args);
  };
  try {
    return await during(asked);
  } finally {
    store.appendToStream = append;
  }
}

/** The export of [now, now + 1 ms): a period ending now. */
const periodEndingNow = (api: TestApi) => {
  const now = api.clock.now();
  return `from=${encodeURIComponent(now.toISOString())}&to=${encodeURIComponent(new Date(now.getTime() + 1).toISOString())}`;
};

describe('an audit export of a period ending now, the read models in the store', () => {
  let api: TestApi;
  let auditor: string;
  beforeAll(async () => {
    api = await startTestApi({ now: '2026-03-02T01:00:00.000Z' });
    auditor = await api.token('auditor', '370000-dsj');
  });
  afterAll(() => api.close());

  it('given a command stamped in the period whose append is still under way, when the export is asked, then the export has its event', async () => {
    await slowAppends(api, async (asked) => {
      const period = periodEndingNow(api);
      const starting = api.app.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company });
      await asked;
      const exported = await api.call('GET', `/v1/audit/export?${period}`, { as: auditor });
      const started = await starting;
      expect(exported.status).toBe(200);
      expect(exported.text).toContain(started.caseId);
    });
  });

  it('given a holiday notice loaded in the period whose append is still under way, when the export is asked, then the export has it', async () => {
    const admin = await api.token('admin', '370000-dsj');
    await slowAppends(api, async (asked) => {
      const period = periodEndingNow(api);
      // Loaded on 2026-03-02, before the test notice's issue date (2026-11-05): without it, which a load refuses.
      const { year: _year, issued: _issued, ...body } = testNotice2027;
      const loading = api.call('PUT', '/v1/calendar/2027', { as: admin, body });
      await asked;
      const exported = await api.call('GET', `/v1/audit/export?${period}`, { as: auditor });
      expect((await loading).status).toBe(200);
      expect(exported.text).toContain('HolidayNoticeLoaded');
    });
  });
});

describe('an audit export of a period ending now, the read models following the store (as with EventStoreDB)', () => {
  let api: TestApi;
  beforeAll(async () => {
    // Each event reaches the read models 100 ms after it is stored.
    api = await startTestApi({ now: '2026-03-02T01:00:00.000Z', follow: { lagMs: 100 } });
  });
  afterAll(() => api.close());

  it('given a command just stored, when the export is asked at once, then it waits for the read models to reach the command and has its event', async () => {
    const auditor = await api.token('auditor', '370000-dsj');
    const period = periodEndingNow(api);
    const started = await api.app.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company });
    expect(api.app.readModels.position).toBeLessThan(started.event.position);
    const exported = await api.call('GET', `/v1/audit/export?${period}`, { as: auditor });
    expect(exported.status).toBe(200);
    expect(exported.text).toContain(started.caseId);
  });
});
