/**
 * A holiday notice in force that an earlier build took short of its 补假 days (第六条: a load refuses one
 * now) is named in the log at start, with what it lacks and how to mend it; the server starts, and the
 * notice stays in force as stored. QA: nothing said so, and its deadlines counted the days off as working.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, expect, it } from 'vitest';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { createLogger } from '../../infra/logger.js';
import { shortNotice2027, testNotice2027 } from '../calendars/notice2027.js';
import { storeAsEarlierBuild } from '../engine/storedNotice.js';
import { partyTokens } from '../race/helpers.js';
import { openTestApi, type TestApi } from './harness.js';

const NOW = '2026-12-01T02:00:00.000Z';
let dataDir: string;
let api: TestApi | undefined;
afterEach(async () => {
  await api?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it('given a 2027 notice without 春节’s 补假 days stored by an earlier build, when the server starts, then a warning names the year, the notice and what it lacks, and the notice is in force as stored', async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'wf-short-notice-'));
  const store = new SqliteEventStore({ path: join(dataDir, 'events.db'), now: () => new Date(NOW) });
  await storeAsEarlierBuild(store, shortNotice2027, NOW);
  await store.close();

  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text) lines.push(JSON.parse(text) as Record<string, unknown>);
      done();
    },
  });
  api = await openTestApi(dataDir, { now: NOW, logger: createLogger({ level: 'info' }, sink) });
  const warnings = lines.filter((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('现行的 2027 年节假日安排通知'));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatchObject({ level: 40, year: 2027, notice: testNotice2027.notice });
  expect(warnings[0]!.msg).toMatch(/放假日不足：工作日放假 16 天，扣除调休上班 5 天后为 11 天，少于法定节假日的 13 天.*请载入更正后的通知（PUT \/v1\/calendar\/2027）$/);
  expect(api.app.calendar.current().isWorkingDay('2027-02-09T02:00:00.000Z')).toBe(true);
  // The notices shipped give their days off: nothing else is named.
  expect(lines.filter((l) => typeof l.msg === 'string' && (l.msg as string).includes('放假日不足'))).toHaveLength(1);
});

it('given the same stored notice, when an admin or anyone reads GET /v1/calendar/2027, then it says what the notice lacks and how to mend it, in the caller’s language; 2026 says nothing', async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'wf-short-notice-'));
  const store = new SqliteEventStore({ path: join(dataDir, 'events.db'), now: () => new Date(NOW) });
  await storeAsEarlierBuild(store, shortNotice2027, NOW);
  await store.close();
  api = await openTestApi(dataDir, { now: NOW });
  const { applicant } = await partyTokens(api);

  const zh = await api.call('GET', '/v1/calendar/2027', { as: applicant });
  expect(zh.status, zh.text).toBe(200);
  expect(zh.body).toMatchObject({ year: 2027, status: 'official' });
  expect(zh.body.warning).toMatch(/^现行通知（由较早版本的服务载入）放假日不足：工作日放假 16 天，扣除调休上班 5 天后为 11 天，少于法定节假日的 13 天.*载入更正后的通知（PUT \/v1\/calendar\/2027）之前，期限仍按其计算$/);
  const en = await api.call('GET', '/v1/calendar/2027', { as: applicant, headers: { 'accept-language': 'en' } });
  expect(en.headers['content-language']).toBe('en');
  expect(en.body.warning).toMatch(/^the notice in force \(loaded by an earlier build\) is short of days off: 16 weekdays off less 5 adjusted working days leave 11, fewer than the 13 statutory holidays.*\(PUT \/v1\/calendar\/2027\)$/);
  expect(en.body.warning).not.toMatch(/\p{Script=Han}/u);
  expect((await api.call('GET', '/v1/calendar/2026', { as: applicant })).body).not.toHaveProperty('warning');

  // Sent again word for word by an admin: a repeat, nothing stored, and the answer warns as GET does.
  const { admin: again } = await partyTokens(api);
  const { year: _short, ...shortBody } = shortNotice2027;
  const repeat = await api.call('PUT', '/v1/calendar/2027', { as: again, body: shortBody });
  expect([repeat.status, repeat.body.restatedCases]).toEqual([200, 0]);
  expect(repeat.body.warning).toBe(zh.body.warning);

  // Mended by a corrected notice: no warning.
  const { year: _y, ...notice } = testNotice2027;
  const { admin } = await partyTokens(api);
  expect((await api.call('PUT', '/v1/calendar/2027', { as: admin, body: notice })).status).toBe(200);
  expect((await api.call('GET', '/v1/calendar/2027', { as: applicant })).body).not.toHaveProperty('warning');
});
