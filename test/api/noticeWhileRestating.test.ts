/**
 * Two admins load different holiday notices for one year on one server, the second while the first's
 * cases are still being re-stated (race QA): the first had stored its notice by then, so the second
 * replaced it unseen — both answered 200, the first's admin told its notice was in force, a case left
 * on the first's calendar. The second is refused while the first re-states.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testNotice2027 } from '../calendars/notice2027.js';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
let admin: string;
const { year: _year, ...first } = testNotice2027;
/** The same year with 春节 one day shorter: another version of it. */
const second = {
  ...first,
  notice: `${first.notice}（更正）`,
  holidays: first.holidays.filter((d) => d !== '2027-02-13'),
  blocks: first.blocks.map((b) => ({ ...b, holidays: b.holidays.filter((d) => d !== '2027-02-13') })),
};
beforeAll(async () => {
  api = await startTestApi({ now: '2026-12-21T02:00:00.000Z' });
  admin = await api.token('admin', '370000-dsj');
});
afterAll(() => api.close());

describe('a notice loaded while another for the year re-states its cases on this server', () => {
  it('given the first notice re-stating, when a second notice for 2027 is loaded, then 409 REVISION_CONFLICT naming the year, nothing stored; once it is done, the second is taken', async () => {
    const loaded = await api.call('PUT', '/v1/calendar/2027', { as: admin, body: first });
    expect(loaded.status, loaded.text).toBe(200);
    const scheduler = api.app.scheduler;
    const restatingFor = scheduler.restatingFor.bind(scheduler);
    scheduler.restatingFor = (year) => (year === 2027 ? [loaded.body.calendarVersion] : []);
    try {
      const refused = await api.call('PUT', '/v1/calendar/2027', { as: admin, body: second });
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 'REVISION_CONFLICT', year: 2027 });
      expect(refused.body.detail).toContain('正在重新确定案件期限，本通知未载入');
      expect((await api.call('GET', '/v1/calendar/2027', { as: admin })).body).toMatchObject({ calendarVersion: loaded.body.calendarVersion });
    } finally {
      scheduler.restatingFor = restatingFor;
    }
    const taken = await api.call('PUT', '/v1/calendar/2027', { as: admin, body: second });
    expect(taken.status, taken.text).toBe(200);
    expect(taken.body.calendarVersion).not.toBe(loaded.body.calendarVersion);
  });
});
