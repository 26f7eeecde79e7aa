/**
 * A holiday notice in force that an earlier build took short of its 补假 days (第六条: a load refuses one
 * now) is named in the log at start, with what it lacks and how to mend it; the server starts, and the
 * notice stays in force as stored. QA: nothing said so, and its deadlines counted the days off as working.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, expect, it } from 'vitest';
import { createApp, type App } from '../../api/app.js';
import { defaultCalendar, NOTICE_LOADED } from '../../calendars/index.js';
import { CALENDAR_STREAM } from '../../engine/calendarInForce.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { ManualClock } from '../../infra/clock.js';
import { loadConfig } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';
import { shortNotice2027, testNotice2027 } from '../calendars/notice2027.js';
import { SECRET } from './harness.js';

let dataDir: string;
let app: App | undefined;
afterEach(async () => {
  await app?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it('given a 2027 notice without 春节’s 补假 days stored by an earlier build, when the server starts, then a warning names the year, the notice and what it lacks, and the notice is in force as stored', async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'wf-short-notice-'));
  const clock = new ManualClock('2026-12-01T02:00:00.000Z');
  const short = shortNotice2027;
  const store = new SqliteEventStore({ path: join(dataDir, 'events.db'), now: () => clock.now() });
  const before = defaultCalendar();
  await store.appendToStream(
    CALENDAR_STREAM,
    [{ id: randomUUID(), type: NOTICE_LOADED, data: { notice: short, calendarVersion: before.withNotice(short).version, previousVersion: before.version }, metadata: { actor: { sub: 'admin', role: 'admin', org: '370000-dsj' }, at: clock.now().toISOString() } }],
    { expectedRevision: 'no_stream' },
  );
  await store.close();

  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text) lines.push(JSON.parse(text) as Record<string, unknown>);
      done();
    },
  });
  app = await createApp(loadConfig({ WORKFLOW_DATA_DIR: dataDir, WORKFLOW_JWT_SECRET: SECRET, WORKFLOW_SQLITE_SYNCHRONOUS: 'OFF' }), { clock, logger: createLogger({ level: 'info' }, sink) });
  const warnings = lines.filter((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('现行的 2027 年节假日安排通知'));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatchObject({ level: 40, year: 2027, notice: testNotice2027.notice });
  expect(warnings[0]!.msg).toMatch(/放假日不足：工作日放假 16 天，扣除调休上班 5 天后为 11 天，少于法定节假日的 13 天.*请载入更正后的通知（PUT \/v1\/calendar\/2027）$/);
  expect(app.calendar.current().isWorkingDay('2027-02-09T02:00:00.000Z')).toBe(true);
  // The notices shipped give their days off: nothing else is named.
  expect(lines.filter((l) => typeof l.msg === 'string' && (l.msg as string).includes('放假日不足'))).toHaveLength(1);
});
