/**
 * An audit export of a period ending now has every event stamped in it (README "Audit"): an event's
 * time is stamped just before its append, so a command can be stamped in the period and still be
 * committing when the export is asked. Given such a command, when the export is asked, then it waits
 * for the append and has the event: without that, two exports back to back, each to the moment it
 * was asked, both left it out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, startInputs } from '../machines/examples.js';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
let auditor: string;
beforeAll(async () => {
  api = await startTestApi({ now: '2026-03-02T01:00:00.000Z' });
  auditor = await api.token('auditor', '370000-dsj');
});
afterAll(() => api.close());

describe('an audit export of a period ending now', () => {
  it('given a command stamped in the period whose append is still under way, when the export is asked, then the export has its event', async () => {
    const store = api.app.store;
    const append = store.appendToStream.bind(store);
    let asked!: () => void;
    const appendAsked = new Promise<void>((resolve) => (asked = resolve));
    // The store takes 50 ms to commit this one append (a slow disk): the event is stamped, not yet stored.
    store.appendToStream = async (...args: Parameters<typeof append>) => {
      asked();
      await new Promise((resolve) => setTimeout(resolve, 50));
      return append(...args);
    };
    try {
      const now = api.clock.now();
      const starting = api.app.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company });
      await appendAsked;
      const period = `from=${encodeURIComponent(now.toISOString())}&to=${encodeURIComponent(new Date(now.getTime() + 1).toISOString())}`;
      const exported = await api.call('GET', `/v1/audit/export?${period}`, { as: auditor });
      const started = await starting;
      expect(exported.status).toBe(200);
      expect(exported.text).toContain(started.caseId);
    } finally {
      store.appendToStream = append;
    }
  });
});
