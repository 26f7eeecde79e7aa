/**
 * A store damaged outside the engine, and read models being rebuilt beside the server: the server
 * says so instead of answering short or failing everything (test-only writes to the database).
 *
 * - An event whose stored JSON was broken: that case answers 503 `UNAVAILABLE` (`storeUnreadable`)
 *   naming the event, its verify names it, the audit export goes past it with a line that says
 *   where it was (and the export check fails there); every other case, new cases and timers go on.
 * - An event cut off the end of a stream: verify says events are missing from the end.
 * - A read model marked unfinished (as `npm run rebuild` in another process marks it): the inbox,
 *   the case list, the reports and the export answer 503 `readModelsRebuilding` with Retry-After.
 * - A store that cannot be written: 503 with the reason, nothing stored.
 * - A store whose write lock another process holds past the busy timeout: 503 storeBusy, nothing stored.
 * - Two servers on one data folder: a holiday notice loaded on one is in force on the other at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mintToken } from '../../api/auth.js';
import { CALENDAR_STREAM } from '../../engine/calendarInForce.js';
import { checkExport } from '../../engine/exportCheck.js';
import type { SqliteEventStore } from '../../eventstore/sqlite.js';
import { LogNotFlushedError, UnreadableEventError } from '../../eventstore/types.js';
import { createLogger, type Logger } from '../../infra/logger.js';
import { testNotice2027 } from '../calendars/notice2027.js';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { openTestApi, SECRET } from './harness.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A server on `dataDir` (a second call on the same folder is a restart), with its database at hand. */
async function serve(dataDir: string, logger?: Logger) {
  const api = await openTestApi(dataDir, logger ? { logger } : {});
  return {
    app: api.app,
    db: (api.app.store as SqliteEventStore).database,
    call: (method: string, url: string, as: string, body?: unknown, headers?: Record<string, string>) =>
      api.call(method, url, { as, ...(body !== undefined ? { body } : {}), ...(headers ? { headers } : {}) }),
    close: () => api.close(),
  };
}

const tokens = async () => ({
  applicant: await mintToken(SECRET, { sub: actors.company.sub, role: 'applicant', org: actors.company.org }),
  provider: await mintToken(SECRET, { sub: actors.provider.sub, role: 'provider', org: actors.provider.org }),
  admin: await mintToken(SECRET, { sub: 'admin-1', role: 'admin', org: '370000-dsj' }),
});

async function twoObjections(dataDir: string) {
  const t = await tokens();
  const api = await serve(dataDir);
  const a = await api.call('POST', '/v1/cases', t.applicant, { process: 'objection', input: startInputs.objection });
  const b = await api.call('POST', '/v1/cases', t.applicant, { process: 'objection', input: startInputs.objection });
  expect([a.status, b.status]).toEqual([201, 201]);
  await api.close();
  return { t, a: a.body.id as string, b: b.body.id as string };
}

/** A 2027 notice (test data): the statutory days with their 补假 (第六条), and 春节 through 2027-02-12. */
const NOTICE_2027 = {
  notice: '国办发明电〔2026〕1号（测试数据）',
  url: 'https://www.gov.cn/zhengce/test-2027.htm',
  holidays: [
    '2027-01-01', '2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11', '2027-02-12', '2027-04-05',
    '2027-05-01', '2027-05-02', '2027-05-03', '2027-05-04', '2027-06-09', '2027-09-15', '2027-10-01', '2027-10-02', '2027-10-03', '2027-10-04', '2027-10-05',
  ],
  adjustedWorkdays: [] as string[],
};

const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), 'wf-damaged-'));
  dirs.push(dir);
  return dir;
};

describe('given a stored event whose data is no longer JSON', () => {
  it('then that case answers 503 naming the event, verify names it, and every other case, new cases and timers go on', async () => {
    const dataDir = folder();
    const { t, a, b } = await twoObjections(dataDir);
    const api = await serve(dataDir);
    try {
      const position = api.db.prepare<[string], number>("SELECT position FROM events WHERE stream_id LIKE '%' || ? AND revision = 0").pluck().get(a)!;
      api.db.prepare('UPDATE events SET data = ? WHERE position = ?').run('{"description": 篡改', position);

      const read = await api.call('GET', `/v1/cases/${a}`, t.applicant);
      expect(read.status).toBe(503);
      expect(read.body).toMatchObject({ code: 'UNAVAILABLE', reason: 'storeUnreadable', position });
      expect(read.body.detail).toContain(`位置 ${position}`);
      // A revision is 版本 N in every message (REVISION_CONFLICT, verify-export, replay), not 第 N 号.
      expect(read.body.detail).toContain('版本 0 的事件');

      const verify = await api.call('GET', `/v1/cases/${a}/verify`, t.applicant);
      expect(verify.status).toBe(200);
      expect(verify.body).toMatchObject({ ok: false, failedAt: { revision: 0 } });
      expect(verify.body.reason).toBe('事件的数据无法解析，存储内容已损坏或被篡改');
      const inEnglish = await api.app.engine.verify(a);
      expect(inEnglish.reasonEn).toBe("the event's data is not valid JSON: the stored content was damaged or altered");

      // Another case, a new case and the test clock (timers catch up over the damaged event): answered and stored once.
      const before = api.db.prepare('SELECT count(*) FROM events').pluck().get() as number;
      const other = await api.call('POST', `/v1/cases/${b}/commands`, t.provider, { type: 'RESPOND', data: { outcome: 'corrected', explanation: '已更正数据并重新发布。' } });
      expect(other.status).toBe(200);
      const fresh = await api.call('POST', '/v1/cases', t.applicant, { process: 'objection', input: startInputs.objection });
      expect(fresh.status).toBe(201);
      expect(api.db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(before + 2);
      const clock = await api.call('PUT', '/v1/test/clock', t.admin, { now: '2026-03-03T01:00:00.000Z' });
      expect(clock.status).toBe(200);
    } finally {
      await api.close();
    }
  });

  it('then the audit export goes on past it, with a line that says where it was, and the export check fails on that line', async () => {
    const dataDir = folder();
    const { a } = await twoObjections(dataDir);
    const t = await tokens();
    const api = await serve(dataDir);
    try {
      const position = api.db.prepare<[string], number>("SELECT position FROM events WHERE stream_id LIKE '%' || ? AND revision = 0").pluck().get(a)!;
      const all = api.db.prepare('SELECT count(*) FROM events').pluck().get() as number;
      api.db.prepare('UPDATE events SET metadata = ? WHERE position = ?').run('{"caseId": ', position);

      const res = await api.call('GET', '/v1/audit/export?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z', t.admin);
      expect(res.status).toBe(200);
      const lines = res.text.trim().split('\n');
      expect(lines).toHaveLength(all);
      const flagged = lines.map((l) => JSON.parse(l)).filter((l) => l.unreadable === true);
      expect(flagged).toEqual([expect.objectContaining({ caseId: a, position, revision: 0 })]);
      const check = await checkExport(lines);
      expect(check.ok).toBe(false);
      expect(check.failures[0]).toMatchObject({ caseId: a, revision: 0 });
      expect(check.failures[0]!.reason.zh).toContain('无法读取');
    } finally {
      await api.close();
    }
  });
});

describe('given a case that cannot be read among cases with provisional deadlines', () => {
  it('when next year\'s notice is loaded, then every other case is re-stated and the load answers 200', async () => {
    const dataDir = folder();
    const t = await tokens();
    const api = await openTestApi(dataDir, { now: '2026-12-24T02:00:00.000Z' });
    try {
      const [damaged, healthy] = await Promise.all([1, 2].map(() => api.call('POST', '/v1/cases', { as: t.applicant, body: { process: 'objection', input: startInputs.objection } })));
      expect(healthy!.body.tasks[0]).toMatchObject({ provisional: true });
      // Its stored events no longer read (as a damaged store answers), whichever case comes first.
      const restate = api.app.engine.restateDeadlines.bind(api.app.engine);
      api.app.engine.restateDeadlines = async (caseId) => {
        if (caseId === damaged!.body.id) throw new UnreadableEventError({ streamId: `objection-${caseId}`, revision: 0, position: 1, id: 'e', type: 'ObjectionFiled' }, 'data', new SyntaxError('x'));
        return restate(caseId);
      };
      const loaded = await api.call('PUT', '/v1/calendar/2027', { as: t.admin, body: NOTICE_2027 });
      expect([loaded.status, loaded.body.restatedCases]).toEqual([200, 1]);
      const now = await api.call('GET', `/v1/cases/${healthy!.body.id}`, { as: t.applicant });
      expect(now.body.tasks[0]).toMatchObject({ provisional: false, calendarVersion: loaded.body.calendarVersion });
    } finally {
      await api.close();
    }
  });
});

describe('given a case whose start event was deleted from the store', () => {
  it('when the read models are rebuilt, then the case is still listed, verify names the missing start, and the auditor’s export keeps its events (compliance QA: the case vanished)', async () => {
    const dataDir = folder();
    const { t, a } = await twoObjections(dataDir);
    let api = await serve(dataDir);
    const responded = await api.call('POST', `/v1/cases/${a}/commands`, t.provider, { type: 'RESPOND', data: { outcome: 'corrected', explanation: '已更正数据并重新发布。' } });
    expect(responded.status).toBe(200);
    api.db.prepare("DELETE FROM events WHERE stream_id LIKE '%' || ? AND revision = 0").run(a);
    await api.app.readModels.rebuild();
    await api.close();

    api = await serve(dataDir);
    try {
      const auditor = await mintToken(SECRET, { sub: 'auditor-1', role: 'auditor', org: '370000-dsj' });
      const verify = await api.call('GET', `/v1/cases/${a}/verify`, t.admin);
      expect(verify.status).toBe(200);
      expect(verify.body).toMatchObject({ ok: false, failedAt: { revision: 1 }, reason: '缺少版本 0 的事件（案件的起始事件）' });
      expect((await api.call('GET', `/v1/cases/${a}/verify`, t.applicant)).body).toMatchObject({ ok: false, failedAt: { revision: 1 } });
      const listed = await api.call('GET', '/v1/cases?limit=100', auditor);
      expect((listed.body.items as { id: string }[]).map((c) => c.id)).toContain(a);
      const exported = await api.call('GET', '/v1/audit/export?from=2020-01-01T00:00:00Z&to=2030-01-01T00:00:00Z', auditor);
      expect(exported.status).toBe(200);
      const lines = exported.text.trim().split('\n').map((l) => JSON.parse(l) as { caseId: string | null; revision: number });
      expect(lines.filter((l) => l.caseId === a).map((l) => l.revision)).toEqual([1]);
    } finally {
      await api.close();
    }
  });
});

describe('given an event of one case copied into another case’s stream', () => {
  it('then it is the other case’s: verify names it there, the case it came from stays whole and readable, and the export and verify-export name the stream’s case (compliance QA)', async () => {
    const dataDir = folder();
    const { t, a, b } = await twoObjections(dataDir);
    let api = await serve(dataDir);
    const answer = { type: 'RESPOND', data: { outcome: 'corrected', explanation: '已更正数据并重新发布。' } };
    expect((await api.call('POST', `/v1/cases/${a}/commands`, t.provider, answer)).status).toBe(200);
    const responded = await api.call('POST', `/v1/cases/${b}/commands`, t.provider, answer);
    expect(responded.status).toBe(200);
    await api.close();
    // A test-only write beside the server: b's answer (its revision 1) copied into a's stream, as its revision 2.
    const db = new Database(join(dataDir, 'events.db'));
    db.prepare(
      "INSERT INTO events (stream_id, revision, id, type, data, metadata, created) SELECT (SELECT stream_id FROM events WHERE stream_id LIKE '%' || ? LIMIT 1), 2, 'copied-event', type, data, metadata, created FROM events WHERE position = ?",
    ).run(a, responded.body.position);
    db.close();

    api = await serve(dataDir);
    try {
      const intact = await api.call('GET', `/v1/cases/${b}`, t.applicant);
      expect([intact.status, intact.body.revision, intact.body.state]).toEqual([200, 1, 'responded']);
      expect((await api.call('GET', `/v1/cases/${b}/verify`, t.applicant)).body).toEqual({ ok: true, events: 2 });
      const victim = await api.call('GET', `/v1/cases/${a}/verify`, t.applicant);
      expect(victim.body).toMatchObject({ ok: false, failedAt: { revision: 2, eventId: 'copied-event' } });
      // Skipped by the read models (it would move the case's parties), it is shown in the history as stored.
      const history = await api.call('GET', `/v1/cases/${a}/history`, t.applicant);
      expect([history.status, history.body.events.map((e: { id: string }) => e.id).at(-1), history.body.verification]).toEqual([200, 'copied-event', victim.body]);
      const exported = await api.call('GET', '/v1/audit/export?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z', t.admin);
      const lines = exported.text.trim().split('\n');
      const copied = lines.map((l) => JSON.parse(l) as { id: string; caseId: string; stream: string }).find((l) => l.id === 'copied-event')!;
      expect(copied.caseId).toBe(a);
      expect(copied.stream.endsWith(a)).toBe(true);
      const check = await checkExport(lines);
      expect(check.ok).toBe(false);
      expect(new Set(check.failures.map((f) => f.caseId))).toEqual(new Set([a]));
      // A file exported before, whose line named the case it was copied from: its failures name the stream's case all the same.
      const older = lines.map((l) => (l.includes('"copied-event"') ? l.replace(`"caseId":"${a}"`, `"caseId":"${b}"`) : l));
      expect(new Set((await checkExport(older)).failures.map((f) => f.caseId))).toEqual(new Set([a]));
    } finally {
      await api.close();
    }
  });
});

describe('given a stored event altered but still JSON', () => {
  it('then verify names it, in Chinese by default and in English on request, each without the other', async () => {
    const dataDir = folder();
    const { t, a } = await twoObjections(dataDir);
    const api = await serve(dataDir);
    try {
      api.db.prepare("UPDATE events SET data = json_set(data, '$.description', '篡改') WHERE stream_id LIKE '%' || ? AND revision = 0").run(a);
      const zh = await api.call('GET', `/v1/cases/${a}/verify`, t.applicant);
      expect(zh.body).toMatchObject({ ok: false, failedAt: { revision: 0 }, reason: '事件内容与其哈希不一致，可能被篡改' });
      const en = await openTestApi(dataDir).then(async (b) => {
        try {
          return await b.call('GET', `/v1/cases/${a}/verify`, { as: t.applicant, headers: { 'accept-language': 'en' } });
        } finally {
          await b.close();
        }
      });
      expect(en.body).toMatchObject({ ok: false, failedAt: { revision: 0 }, reason: "the event's content does not match its hash: it may have been altered" });
      // Its reason depends on Accept-Language: the answer says in which language, and that it varies with it.
      expect([zh.headers['content-language'], zh.headers['vary']]).toEqual(['zh-CN', 'Accept-Language']);
      expect([en.headers['content-language'], en.headers['vary']]).toEqual(['en', 'Accept-Language']);
    } finally {
      await api.close();
    }
  });
});

describe('given a case whose last event was cut off the stream', () => {
  it('then verify says events are missing from its end, with the revisions and the last position recorded', async () => {
    const dataDir = folder();
    const { t, a } = await twoObjections(dataDir);
    let api = await serve(dataDir);
    const responded = await api.call('POST', `/v1/cases/${a}/commands`, t.provider, { type: 'RESPOND', data: { outcome: 'corrected', explanation: '已更正数据并重新发布。' } });
    expect(responded.status).toBe(200);
    expect((await api.call('GET', `/v1/cases/${a}/verify`, t.applicant)).body).toEqual({ ok: true, events: 2 });
    api.db.prepare('DELETE FROM events WHERE position = ?').run(responded.body.position);
    await api.close();

    api = await serve(dataDir);
    try {
      const verify = await api.call('GET', `/v1/cases/${a}/verify`, t.applicant);
      expect(verify.status).toBe(200);
      expect(verify.body).toMatchObject({ ok: false, events: 1, missing: { fromRevision: 1, toRevision: 1, lastPosition: responded.body.position } });
      expect(verify.body.reason).toBe(`事件流止于版本 0 的事件，但已记录的案件进行到版本 1（位置 ${responded.body.position}）：末尾的事件缺失`);
      // Read or added to as if whole, it would hide the cut: a command would take the lost revision's place.
      for (const res of [
        await api.call('GET', `/v1/cases/${a}`, t.applicant),
        await api.call('POST', `/v1/cases/${a}/commands`, t.provider, { type: 'RESPOND', data: { outcome: 'corrected', explanation: '再次答复。' } }),
      ]) {
        expect([res.status, res.body.code, res.body.reason]).toEqual([503, 'UNAVAILABLE', 'eventsMissing']);
      }
      // Its history is what is stored, with verify's answer saying what is missing from its end.
      const history = await api.call('GET', `/v1/cases/${a}/history`, t.applicant);
      expect([history.status, history.body.events.length, history.body.verification]).toEqual([200, 1, verify.body]);
      expect(api.db.prepare('SELECT count(*) FROM events WHERE stream_id LIKE \'%\' || ?').pluck().get(a)).toBe(1);
      // Whoever may not see the case still learns nothing of it.
      const stranger = await mintToken(SECRET, { sub: 'someone-else', role: 'applicant', org: 'person-someone-else' });
      expect((await api.call('GET', `/v1/cases/${a}`, stranger)).status).toBe(404);
    } finally {
      await api.close();
    }
  });
});

describe('given a case taking commands while it is verified', () => {
  it('when a command is stored after verify has read the stream, then verify answers for the stream as read: ok, no events missing (race QA)', async () => {
    const dataDir = folder();
    const { t, a } = await twoObjections(dataDir);
    const api = await serve(dataDir);
    try {
      const engine = api.app.engine;
      const real = engine.verify.bind(engine);
      let stored: { status: number; body: { revision?: number } } | undefined;
      // The provider's answer lands between verify's read of the stream and the answer.
      engine.verify = async (caseId: string) => {
        const verification = await real(caseId);
        stored ??= await api.call('POST', `/v1/cases/${a}/commands`, t.provider, { type: 'RESPOND', data: { outcome: 'corrected', explanation: '已更正数据并重新发布。' } });
        return verification;
      };
      const verify = await api.call('GET', `/v1/cases/${a}/verify`, t.applicant);
      expect([stored?.status, stored?.body.revision]).toEqual([200, 1]);
      expect([verify.status, verify.body]).toEqual([200, { ok: true, events: 1 }]);
    } finally {
      await api.close();
    }
  });
});

describe('given two nodes on one file, when the other commits to a case between this node’s read of its stream and of its read models', () => {
  it('then the case reads, and a command on it is decided, as the stream then stands: no false eventsMissing', async () => {
    const dataDir = folder();
    const { t, a } = await twoObjections(dataDir);
    const api = await serve(dataDir);
    try {
      // What the read models answer when another node's commit lands between the two reads: one
      // revision further than the stream as read (the next read of the stream holds it).
      const readModels = api.app.readModels;
      const real = readModels.caseEnd.bind(readModels);
      let raced = 0;
      readModels.caseEnd = (caseId: string) => {
        const end = real(caseId);
        if (raced-- <= 0 || !end) return end;
        return { ...end, revision: end.revision + 1 };
      };
      raced = 1;
      const read = await api.call('GET', `/v1/cases/${a}`, t.applicant);
      expect([read.status, read.body.revision]).toEqual([200, 0]);
      raced = 1;
      const responded = await api.call('POST', `/v1/cases/${a}/commands`, t.provider, { type: 'RESPOND', data: { outcome: 'corrected', explanation: '已更正数据并重新发布。' } });
      expect([responded.status, responded.body.revision]).toEqual([200, 1]);
      // A stream that stays short of the read models at the second read is cut: 503, nothing appended.
      raced = 2;
      const cut = await api.call('POST', `/v1/cases/${a}/commands`, t.provider, { type: 'RESPOND', data: { outcome: 'corrected', explanation: '再次答复。' } });
      expect([cut.status, cut.body.reason]).toEqual([503, 'eventsMissing']);
      expect(api.db.prepare("SELECT count(*) FROM events WHERE stream_id LIKE '%' || ?").pluck().get(a)).toBe(2);
    } finally {
      await api.close();
    }
  });
});

describe('given a case whose stored start its machine cannot fold (a machine version this system does not have)', () => {
  it('then reading or adding to it answers 503 streamDamaged to who may see it and 404 to anyone else, its history is as stored with verify’s answer beside it, verify names its start, and the other case goes on', async () => {
    const dataDir = folder();
    const { t, a, b } = await twoObjections(dataDir);
    let api = await serve(dataDir);
    api.db.prepare("UPDATE events SET metadata = json_set(metadata, '$.machine.version', 99) WHERE stream_id LIKE '%' || ? AND revision = 0").run(a);
    await api.close();

    api = await serve(dataDir);
    try {
      for (const res of [
        await api.call('GET', `/v1/cases/${a}`, t.applicant),
        await api.call('POST', `/v1/cases/${a}/commands`, t.provider, { type: 'RESPOND', data: { outcome: 'corrected', explanation: '已更正数据并重新发布。' } }),
      ]) {
        expect([res.status, res.body.code, res.body.reason]).toEqual([503, 'UNAVAILABLE', 'streamDamaged']);
        expect(res.body.detail).toContain('无法按流程重放');
      }
      const verify = await api.call('GET', `/v1/cases/${a}/verify`, t.applicant);
      expect([verify.status, verify.body]).toEqual([200, expect.objectContaining({ ok: false, failedAt: expect.objectContaining({ revision: 0 }), reason: expect.stringContaining('objection@99') })]);
      // Compliance QA: the history of the case under investigation answered 503 too; it is the stored events, as verify reads them.
      const history = await api.call('GET', `/v1/cases/${a}/history`, t.applicant);
      expect(history.status, history.text).toBe(200);
      expect(history.body.events.map((e: { revision: number; machine: { version: number } }) => [e.revision, e.machine.version])).toEqual([[0, 99]]);
      expect(history.body.verification).toEqual(verify.body);
      const stranger = await mintToken(SECRET, { sub: 'someone-else', role: 'applicant', org: 'person-someone-else' });
      for (const path of [`/v1/cases/${a}`, `/v1/cases/${a}/history`, `/v1/cases/${a}/verify`]) expect((await api.call('GET', path, stranger)).status).toBe(404);
      expect((await api.call('GET', `/v1/cases/${b}/history`, t.applicant)).body).not.toHaveProperty('verification');
      expect((await api.call('POST', `/v1/cases/${b}/commands`, t.provider, { type: 'RESPOND', data: { outcome: 'corrected', explanation: '已更正数据并重新发布。' } })).status).toBe(200);
    } finally {
      await api.close();
    }
  });
});

describe('given a release whose stored events were altered after the fact (test-only writes), when the server restarts', () => {
  it('then the history of one with an event’s data changed, one without its first event and one without its last is as stored, with verify’s answer beside it in the caller’s language', async () => {
    const dataDir = folder();
    const t = await tokens();
    let api = await serve(dataDir);
    const releases: string[] = [];
    for (let i = 0; i < 3; i++) {
      const started = await api.call('POST', '/v1/cases', t.provider, { process: 'datasetRelease', input: startInputs.datasetRelease });
      expect(started.status, started.text).toBe(201);
      for (const type of ['SET_DESENSITIZATION_RULES', 'RECORD_SECURITY_REVIEW'] as const) {
        expect((await api.call('POST', `/v1/cases/${started.body.id}/commands`, t.provider, { type, data: commandData.datasetRelease[type] })).status).toBe(200);
      }
      releases.push(started.body.id);
    }
    const [altered, headless, cut] = releases as [string, string, string];
    const where = "stream_id LIKE '%' || ? AND revision = ?";
    api.db.prepare(`UPDATE events SET data = json_set(data, '$.reason', '篡改') WHERE ${where}`).run(altered, 1);
    api.db.prepare(`DELETE FROM events WHERE ${where}`).run(headless, 0);
    api.db.prepare(`DELETE FROM events WHERE ${where}`).run(cut, 2);
    await api.close();

    api = await serve(dataDir);
    try {
      const expected: Record<string, { revisions: number[]; verification: Record<string, unknown> }> = {
        [altered]: { revisions: [0, 1, 2], verification: { ok: false, failedAt: expect.objectContaining({ revision: 1 }) } },
        [headless]: { revisions: [1, 2], verification: { ok: false, failedAt: expect.objectContaining({ revision: 1 }) } },
        [cut]: { revisions: [0, 1], verification: { ok: false, missing: expect.objectContaining({ fromRevision: 2, toRevision: 2 }) } },
      };
      for (const [id, { revisions, verification }] of Object.entries(expected)) {
        const history = await api.call('GET', `/v1/cases/${id}/history`, t.provider);
        expect(history.status, history.text).toBe(200);
        expect(history.body.events.map((e: { revision: number }) => e.revision)).toEqual(revisions);
        expect(history.body.verification).toMatchObject({ ...verification, reason: expect.stringMatching(/[\u4e00-\u9fff]/) });
        expect(history.body.verification).toEqual((await api.call('GET', `/v1/cases/${id}/verify`, t.provider)).body);
        const en = await api.call('GET', `/v1/cases/${id}/history`, t.provider, undefined, { 'accept-language': 'en' });
        expect(en.body.verification.reason).toBe((await api.call('GET', `/v1/cases/${id}/verify`, t.provider, undefined, { 'accept-language': 'en' })).body.reason);
        expect(en.body.verification.reason).not.toMatch(/[\u4e00-\u9fff]/);
      }
      // The case itself still cannot be read as a case, or worked on.
      for (const id of releases) expect((await api.call('GET', `/v1/cases/${id}`, t.provider)).status).toBe(503);
    } finally {
      await api.close();
    }
  });
});

// QA-E: a start the read models skip (made to name another case, or its metadata {}) leaves the case no row in the case
// list after a rebuild: it answered 404 to everyone, the admin and the provincial auditor too.
describe('given a case whose start was made to name another case (a test-only write), when the read models are rebuilt', () => {
  it('then whoever may see every case of the province reaches it — 503 streamDamaged, its history as stored with verification, verify naming the start — and another city’s auditor still gets 404', async () => {
    const dataDir = folder();
    const { t, a, b } = await twoObjections(dataDir);
    let api = await serve(dataDir);
    api.db.prepare("UPDATE events SET metadata = json_set(metadata, '$.caseId', ?) WHERE stream_id LIKE '%' || ? AND revision = 0").run(b, a);
    await api.app.readModels.rebuild();
    await api.close();
    api = await serve(dataDir);
    try {
      const province = await mintToken(SECRET, { sub: 'auditor-1', role: 'auditor', org: '370000-dsj' });
      const qingdao = await mintToken(SECRET, { sub: 'auditor-2', role: 'auditor', org: '370200-dsj' });
      for (const who of [t.admin, province]) {
        const read = await api.call('GET', `/v1/cases/${a}`, who);
        expect([read.status, read.body.reason]).toEqual([503, 'streamDamaged']);
        const verify = await api.call('GET', `/v1/cases/${a}/verify`, who);
        expect([verify.status, verify.body.ok, verify.body.failedAt?.revision]).toEqual([200, false, 0]);
        const history = await api.call('GET', `/v1/cases/${a}/history`, who);
        expect([history.status, history.body.events.length, history.body.verification]).toEqual([200, 1, verify.body]);
      }
      for (const path of [`/v1/cases/${a}`, `/v1/cases/${a}/history`, `/v1/cases/${a}/verify`]) expect((await api.call('GET', path, qingdao)).status, path).toBe(404);
      // The case it names is whole, and answered as before.
      expect((await api.call('GET', `/v1/cases/${b}/verify`, t.applicant)).body).toEqual({ ok: true, events: 1 });
    } finally {
      await api.close();
    }
  });
});

describe('given a case whose stored event’s time was changed to text (a test-only write), when the server restarts', () => {
  it('then its history is refused as the case is (503 streamDamaged, not a 500), as is one whose actor became text, verify names the event, and another case’s history is served', async () => {
    const dataDir = folder();
    const { t, a, b } = await twoObjections(dataDir);
    let api = await serve(dataDir);
    api.db.prepare("UPDATE events SET metadata = json_set(metadata, '$.at', '上周三') WHERE stream_id LIKE '%' || ? AND revision = 0").run(a);
    // Not a shape a history's event has (the answer's schema would refuse it: a 500).
    api.db.prepare("UPDATE events SET metadata = json_set(metadata, '$.actor', '某人') WHERE stream_id LIKE '%' || ? AND revision = 0").run(b);
    // Nor can one without its actor be made into one (it threw while the history was written).
    const d = (await api.call('POST', '/v1/cases', t.applicant, { process: 'objection', input: startInputs.objection })).body.id as string;
    api.db.prepare("UPDATE events SET metadata = json_remove(metadata, '$.actor') WHERE stream_id LIKE '%' || ? AND revision = 0").run(d);
    // Nor one whose metadata is JSON null (a 500 on the case, its history and verify: QA).
    const e = (await api.call('POST', '/v1/cases', t.applicant, { process: 'objection', input: startInputs.objection })).body.id as string;
    api.db.prepare("UPDATE events SET metadata = 'null' WHERE stream_id LIKE '%' || ? AND revision = 0").run(e);
    await api.close();
    api = await serve(dataDir);
    try {
      const verifyNull = await api.call('GET', `/v1/cases/${e}/verify`, t.applicant);
      expect([verifyNull.status, verifyNull.body.ok, verifyNull.body.failedAt?.revision]).toEqual([200, false, 0]);
      for (const path of [`/v1/cases/${a}/history`, `/v1/cases/${a}/history?asOf=2026-03-03T00:00:00Z`, `/v1/cases/${b}/history`, `/v1/cases/${d}/history`, `/v1/cases/${e}`, `/v1/cases/${e}/history`]) {
        const history = await api.call('GET', path, t.applicant);
        expect([history.status, history.body.reason], path).toEqual([503, 'streamDamaged']);
      }
      const verify = await api.call('GET', `/v1/cases/${a}/verify`, t.applicant);
      expect([verify.status, verify.body.ok, verify.body.failedAt?.revision]).toEqual([200, false, 0]);
      const c = await api.call('POST', '/v1/cases', t.applicant, { process: 'objection', input: startInputs.objection });
      expect((await api.call('GET', `/v1/cases/${c.body.id}/history`, t.applicant)).status).toBe(200);
    } finally {
      await api.close();
    }
  });
});

// Mutation QA: /health's `degraded` for an altered notice could be dropped with every test passing (the
// engine's and replay's tests name the notice; nothing asked the server's health).
describe('given a stored holiday notice changed after it was loaded (a test-only write)', () => {
  it('when the server restarts, then /health says degraded and names the notice in calendarNoticesAltered; before the change it said ok', async () => {
    const dataDir = folder();
    const t = await tokens();
    const before = await serve(dataDir);
    let position: number;
    try {
      const { year: _year, issued: _issued, ...body } = testNotice2027;
      expect((await before.call('PUT', '/v1/calendar/2027', t.admin, body)).status).toBe(200);
      const ok = (await before.call('GET', '/health', t.admin)).body;
      expect([ok.status, ok.calendarNoticesAltered]).toEqual(['ok', undefined]);
      // The 调休 working Saturday of 8 May 2027 taken out of the stored notice.
      const row = before.db.prepare<[string], { position: number; data: string }>('SELECT position, data FROM events WHERE stream_id = ? AND revision = 0').get(CALENDAR_STREAM)!;
      const data = JSON.parse(row.data) as { notice: { adjustedWorkdays: string[]; blocks: { adjustedWorkdays: string[] }[] } };
      const off = (days: string[]) => days.filter((d) => d !== '2027-05-08');
      data.notice.adjustedWorkdays = off(data.notice.adjustedWorkdays);
      for (const block of data.notice.blocks) block.adjustedWorkdays = off(block.adjustedWorkdays);
      before.db.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify(data), row.position);
      position = row.position;
    } finally {
      await before.close();
    }
    const after = await serve(dataDir);
    try {
      const health = await after.call('GET', '/health', t.admin);
      expect(health.status).toBe(200);
      expect(health.body.status).toBe('degraded');
      expect(health.body.calendarNoticesAltered).toEqual([expect.objectContaining({ revision: 0, position })]);
    } finally {
      await after.close();
    }
  });
});

describe('given a read model being rebuilt by another process (its checkpoint marked unfinished)', () => {
  const onClose: (() => void)[] = [];
  afterEach(() => {
    for (const f of onClose.splice(0)) f();
  });

  it('then the inbox, case list, reports and export answer 503 readModelsRebuilding with Retry-After, and answer again once it is done', async () => {
    const dataDir = folder();
    const { t } = await twoObjections(dataDir);
    const api = await serve(dataDir);
    try {
      const urls = ['/v1/inbox', '/v1/cases', '/v1/reports/overdue', '/v1/reports/sla?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z', '/v1/audit/export?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z'];
      const version = api.db.prepare("SELECT version FROM projection_checkpoints WHERE name = 'audit'").pluck().get() as number;
      // The other process holds the rebuild lock while it runs (a server takes over a rebuild whose lock is free: it died).
      const lock = new Database(join(dataDir, 'events.db-rebuild.lock'));
      lock.exec('BEGIN EXCLUSIVE');
      onClose.push(() => lock.close());
      api.db.prepare("UPDATE projection_checkpoints SET version = -1, position = 0 WHERE name = 'audit'").run();
      for (const url of urls) {
        const res = await api.call('GET', url, url.startsWith('/v1/inbox') ? t.provider : t.admin);
        expect([url, res.status, res.body?.code, res.body?.reason, res.headers['retry-after']]).toEqual([url, 503, 'UNAVAILABLE', 'readModelsRebuilding', '5']);
        expect(res.body.detail).toContain('读模型正在重建');
      }
      // A rebuild in this thread (a small log) keeps the version and starts from position 0: behind the head is rebuilding too.
      api.db.prepare("UPDATE projection_checkpoints SET version = ?, position = 0 WHERE name = 'audit'").run(version);
      for (const url of urls) {
        const res = await api.call('GET', url, url.startsWith('/v1/inbox') ? t.provider : t.admin);
        expect([url, res.status, res.body?.reason]).toEqual([url, 503, 'readModelsRebuilding']);
      }
      const during = (await api.call('GET', '/health', t.admin)).body;
      // degraded meanwhile: a dashboard keyed on `status` sees that lists, inboxes and reports answer 503.
      expect([during.status, during.projections.rebuilding]).toEqual(['degraded', expect.objectContaining({ done: 0 })]);
      const progress = async () => /^workflow_readmodels_rebuild_progress (\S+)$/m.exec((await api.call('GET', '/metrics', t.admin)).text)?.[1];
      expect(await progress()).toBe('0');
      const head = api.db.prepare('SELECT max(position) FROM events').pluck().get() as number;
      // Halfway: /metrics tells the same fraction /health does.
      api.db.prepare("UPDATE projection_checkpoints SET position = ? WHERE name = 'audit'").run(Math.floor(head / 2));
      const { done, total } = (await api.call('GET', '/health', t.admin)).body.projections.rebuilding as { done: number; total: number };
      expect([done, total]).toEqual([Math.floor(head / 2), head]);
      expect(Number(await progress())).toBeCloseTo(done / total, 6);
      api.db.prepare("UPDATE projection_checkpoints SET version = ?, position = ? WHERE name = 'audit'").run(version, head);
      for (const url of urls) expect([url, (await api.call('GET', url, url.startsWith('/v1/inbox') ? t.provider : t.admin)).status]).toEqual([url, 200]);
      const after = (await api.call('GET', '/health', t.admin)).body;
      expect([after.status, after.projections.rebuilding]).toEqual(['ok', undefined]);
      expect(await progress()).toBe('NaN');
    } finally {
      await api.close();
    }
  });
});

describe('given read models a rebuild left unfinished when the disk filled, and the disk still full', () => {
  it('when /health, /metrics and a read are asked, then health and metrics answer (rebuilding) instead of failing with the store\'s error, the read answers 503 readModelsRebuilding, and once the disk has room the next read takes the rebuild over', async () => {
    const dataDir = folder();
    const { t } = await twoObjections(dataDir);
    const api = await serve(dataDir);
    // What the full disk does to a takeover: SQLite cannot write the rebuild lock file's first page.
    const exec = Database.prototype.exec;
    const full = vi.spyOn(Database.prototype, 'exec').mockImplementation(function (this: Database.Database, sql: string) {
      if (sql === 'BEGIN EXCLUSIVE') throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      return exec.call(this, sql);
    });
    try {
      api.db.prepare('UPDATE projection_checkpoints SET version = -1, position = 0').run();
      const health = await api.call('GET', '/health', t.admin);
      expect([health.status, health.body.projections?.rebuilding]).toEqual([200, expect.objectContaining({ done: 0 })]);
      const metrics = await api.call('GET', '/metrics', t.admin);
      expect(metrics.status).toBe(200);
      expect(metrics.text).toMatch(/^workflow_readmodels_rebuilding 1$/m);
      const inbox = await api.call('GET', '/v1/inbox', t.provider);
      expect([inbox.status, inbox.body.reason]).toEqual([503, 'readModelsRebuilding']);
    } finally {
      full.mockRestore();
    }
    try {
      await vi.waitFor(async () => expect((await api.call('GET', '/v1/inbox', t.provider)).status).toBe(200), { timeout: 10_000, interval: 50 });
      expect((await api.call('GET', '/health', t.admin)).body.projections.rebuilding).toBeUndefined();
    } finally {
      await api.close();
    }
  });
});

describe('given a store that cannot be written (a full disk, a read-only data folder)', () => {
  it.each([
    ['SQLITE_FULL', 'storeFull', '存储空间不足'],
    ['SQLITE_READONLY', 'storeReadOnly', '无法写入'],
    ['SQLITE_IOERR_WRITE', 'storeIo', '无法写入'],
  ])('when an append fails with %s, then the command answers 503 %s in Chinese, with Retry-After, and nothing is stored; the log says it without a stack', async (sqliteCode, reason, words) => {
    const dataDir = folder();
    const { t } = await twoObjections(dataDir);
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString('utf8').split('\n')) if (text) lines.push(JSON.parse(text) as Record<string, unknown>);
        done();
      },
    });
    const api = await serve(dataDir, createLogger({ level: 'info' }, sink));
    try {
      const before = api.db.prepare('SELECT count(*) FROM events').pluck().get();
      // The adapter's own append, failing as better-sqlite3 fails (a SqliteError carries the SQLite code).
      api.app.store.appendToStream = async () => {
        throw Object.assign(new Error('disk I/O'), { code: sqliteCode });
      };
      const res = await api.call('POST', '/v1/cases', t.applicant, { process: 'objection', input: startInputs.objection });
      expect([res.status, res.body.code, res.body.reason, res.headers['retry-after']]).toEqual([503, 'UNAVAILABLE', reason, '30']);
      expect(res.body.detail).toContain(words);
      // Operators' QA: a full disk logged a whole stack for each of 143 refusals.
      expect(lines.filter((l) => l.msg === '数据存储故障')).toEqual([expect.objectContaining({ level: 50, reason, code: sqliteCode, cause: 'disk I/O' })]);
      expect(JSON.stringify(lines)).not.toContain('"stack"');
      expect(api.db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(before);
      // A monitor sees it, until the store writes again.
      expect((await api.call('GET', '/health', t.admin)).body).toMatchObject({ status: 'degraded', store: { trouble: { reason } } });
      delete (api.app.store as { appendToStream?: unknown }).appendToStream;
      expect((await api.call('POST', '/v1/cases', t.applicant, { process: 'objection', input: startInputs.objection })).status).toBe(201);
      expect((await api.call('GET', '/health', t.admin)).body).toMatchObject({ status: 'ok', store: { position: expect.any(Number) } });
      expect((await api.call('GET', '/health', t.admin)).body.store.trouble).toBeUndefined();
    } finally {
      await api.close();
    }
  });
});

describe('given a store whose file is damaged under a read (a page overwritten: SQLite answers SQLITE_CORRUPT)', () => {
  // Operators' QA: a server on a copy with one page overwritten said `ok` in /health while every timer
  // pass logged "database disk image is malformed"; appends elsewhere in the file went on.
  it('when a case is read there, then /health says degraded, storeDamaged, and a command stored elsewhere does not clear it', async () => {
    const dataDir = folder();
    const { t, a } = await twoObjections(dataDir);
    const api = await serve(dataDir);
    try {
      expect((await api.call('GET', '/health', t.admin)).body).toMatchObject({ status: 'ok' });
      // The damaged page holds that case's events alone.
      const readStream = api.app.store.readStream.bind(api.app.store);
      api.app.store.readStream = async (stream, options) => {
        if (stream.endsWith(a)) throw Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' });
        return readStream(stream, options);
      };
      expect((await api.call('GET', `/v1/cases/${a}`, t.admin)).status).toBe(503);
      const damaged = (await api.call('GET', '/health', t.admin)).body;
      expect(damaged).toMatchObject({ status: 'degraded', store: { trouble: { reason: 'storeDamaged', since: expect.any(String) } } });
      api.app.store.readStream = readStream;
      expect((await api.call('POST', '/v1/cases', t.applicant, { process: 'objection', input: startInputs.objection })).status).toBe(201);
      expect((await api.call('GET', '/health', t.admin)).body).toMatchObject({ status: 'degraded', store: { trouble: damaged.store.trouble } });
    } finally {
      await api.close();
    }
  });
});

describe('given a read that fails on the store (a report whose read connection cannot be opened: no file descriptor left)', () => {
  it('when a supervisor asks for the overdue report, then that answer is 503, and /health stays ok: nothing failed to write', async () => {
    const dataDir = folder();
    const { t } = await twoObjections(dataDir);
    const api = await serve(dataDir);
    try {
      api.app.readModels.overdueReportInTurns = async () => {
        throw Object.assign(new Error('unable to open database file'), { code: 'SQLITE_CANTOPEN' });
      };
      const res = await api.call('GET', '/v1/reports/overdue', t.admin);
      expect([res.status, res.body.code]).toEqual([503, 'UNAVAILABLE']);
      expect((await api.call('GET', '/health', t.admin)).body).toMatchObject({ status: 'ok' });
      expect((await api.call('GET', '/health', t.admin)).body.store.trouble).toBeUndefined();
    } finally {
      await api.close();
    }
  });
});

describe('given a store whose flush of its log to disk failed (LogNotFlushedError)', () => {
  it('when a command is sent, then it answers 503 storeNotFlushed in Chinese, saying the command may be written and the server must be restarted, with no Retry-After, and /health answers 503 storeNotFlushed (out of service until restarted)', async () => {
    const dataDir = folder();
    const { t } = await twoObjections(dataDir);
    const api = await serve(dataDir);
    try {
      api.app.store.appendToStream = async () => {
        throw new LogNotFlushedError(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
      };
      const res = await api.call('POST', '/v1/cases', t.applicant, { process: 'objection', input: startInputs.objection });
      expect([res.status, res.body.code, res.body.reason, res.headers['retry-after']]).toEqual([503, 'UNAVAILABLE', 'storeNotFlushed', undefined]);
      expect(res.body.detail).toContain('未能把日志写入磁盘');
      expect(res.body.detail).toContain('重启服务');
      // A command is 指令 in every answer of the API (INVALID_TRANSITION, storeUnreachable), not 命令.
      expect(res.body.detail).toContain('本次及此后的指令可能已写入');
      expect(res.body.detail).not.toContain('命令');
      const en = await api.call('POST', '/v1/cases', t.applicant, { process: 'objection', input: startInputs.objection }, { 'accept-language': 'en' });
      expect(en.body.detail).toContain('could not flush its log to disk');
      // Out of service until restarted: 503, so that a load balancer takes it out and a probe restarts it.
      const health = await api.call('GET', '/health', t.admin);
      expect([health.status, health.body.code, health.body.reason]).toEqual([503, 'UNAVAILABLE', 'storeNotFlushed']);
      expect(health.body.detail).toMatch(/^事件库自 \S+ 起未能把日志写入磁盘，服务已停止接受指令：请检查磁盘并重启服务$/);
    } finally {
      await api.close();
    }
  });

  it('given the failed flush met by the server itself (a timer\'s append) before any request, then /health answers 503 storeNotFlushed and /metrics tells it, though no request has failed', async () => {
    const dataDir = folder();
    const { t } = await twoObjections(dataDir);
    const api = await serve(dataDir);
    try {
      expect((await api.call('GET', '/health', t.admin)).body.status).toBe('ok');
      // What the embedded store reports once a flush of its log has failed (see sqlite-flush.test.ts).
      Object.defineProperty(api.app.store, 'trouble', { value: { reason: 'storeNotFlushed', since: '2026-03-02T01:00:00.000Z' } });
      expect((await api.call('GET', '/health', t.admin)).body).toMatchObject({ status: 503, code: 'UNAVAILABLE', reason: 'storeNotFlushed' });
      expect((await api.call('GET', '/metrics', t.admin)).text).toMatch(/^workflow_store_trouble\{reason="storeNotFlushed"\} 1$/m);
    } finally {
      await api.close();
    }
  });
});

describe('given another process holding the store\'s write lock past the busy timeout (a long write beside the server)', () => {
  it('when a command is sent, then it answers 503 storeBusy in Chinese with Retry-After 5, nothing is stored, health stays ok, and it goes through once the lock is let go', async () => {
    const dataDir = folder();
    const { t } = await twoObjections(dataDir);
    const api = await serve(dataDir);
    const other = new Database(join(dataDir, 'events.db'));
    try {
      api.db.pragma('busy_timeout = 50'); // production waits 5 s
      const before = api.db.prepare('SELECT count(*) FROM events').pluck().get();
      other.exec('BEGIN IMMEDIATE');
      const res = await api.call('POST', '/v1/cases', t.applicant, { process: 'objection', input: startInputs.objection });
      expect([res.status, res.body.code, res.body.reason, res.headers['retry-after']]).toEqual([503, 'UNAVAILABLE', 'storeBusy', '5']);
      expect(res.body.detail).toContain('其他进程');
      other.exec('ROLLBACK');
      expect(api.db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(before);
      expect((await api.call('GET', '/health', t.admin)).body.status).toBe('ok');
      expect((await api.call('POST', '/v1/cases', t.applicant, { process: 'objection', input: startInputs.objection })).status).toBe(201);
    } finally {
      other.close();
      await api.close();
    }
  });

  it('when a command waits for the lock, then the server answers meanwhile (/health, a case read) and the command is stored once the lock is let go within the busy timeout', async () => {
    const dataDir = folder();
    const { t, a } = await twoObjections(dataDir);
    const api = await serve(dataDir);
    const other = new Database(join(dataDir, 'events.db'));
    try {
      api.db.pragma('busy_timeout = 5000');
      other.exec('BEGIN IMMEDIATE');
      // Told when the command's event is handed to the store; the store tries to commit it a turn later.
      const store = api.app.store as SqliteEventStore;
      const append = store.appendToStream.bind(store);
      const appending = new Promise<void>((resolve) => {
        store.appendToStream = (...args) => {
          resolve();
          return append(...args);
        };
      });
      let answered: number | undefined;
      const command = api.call('POST', '/v1/cases', t.applicant, { process: 'objection', input: startInputs.objection }).then((res) => (answered = res.status));
      await appending;
      await new Promise((resolve) => setImmediate(resolve));
      // SQLite's busy handler would hold this thread until the lock or the timeout: nothing else would be answered.
      expect((await api.call('GET', '/health', t.admin)).body.status).toBe('ok');
      expect((await api.call('GET', `/v1/cases/${a}`, t.applicant)).status).toBe(200);
      expect(answered).toBeUndefined();
      other.exec('COMMIT');
      expect(await command).toBe(201);
    } finally {
      other.close();
      await api.close();
    }
  });
});

describe('given two servers on one data folder', () => {
  it('when one loads a holiday notice, then the other computes deadlines, answers calendar reads and reports health with it at once', async () => {
    const dataDir = folder();
    const a = await openTestApi(dataDir);
    const b = await openTestApi(dataDir);
    try {
      const adminA = await a.token('admin', '370000-dsj');
      const applicantB = await b.token('applicant', actors.company.org);
      // A longer 春节 than the statutory days alone: B's deadline moves only if B applies A's notice.
      const deadline = '/v1/calendar/deadline?from=2027-02-04&workingDays=1';
      const before = await b.call('GET', deadline, { as: applicantB });
      expect(before.body).toMatchObject({ dueDate: '2027-02-11', provisional: true });

      const loaded = await a.call('PUT', '/v1/calendar/2027', { as: adminA, body: NOTICE_2027 });
      expect(loaded.status).toBe(200);

      const after = await b.call('GET', deadline, { as: applicantB });
      expect(after.body).toMatchObject({ dueDate: '2027-02-15', provisional: false, calendarVersion: loaded.body.calendarVersion });
      expect((await b.call('GET', '/v1/calendar/2027', { as: applicantB })).body).toMatchObject({ status: 'official', calendarVersion: loaded.body.calendarVersion });
      expect((await b.call('GET', '/health')).body.calendarVersion).toBe((await a.call('GET', '/health')).body.calendarVersion);
    } finally {
      await b.close();
      await a.close();
    }
  });
});

describe('a case id pasted in capitals (from a spreadsheet)', () => {
  it('names the same case: read, history, verify and commands answer as for the id as given out', async () => {
    const dataDir = folder();
    const { t, a } = await twoObjections(dataDir);
    const api = await serve(dataDir);
    try {
      const upper = a.toUpperCase();
      expect(upper).not.toBe(a);
      const read = await api.call('GET', `/v1/cases/${upper}`, t.applicant);
      expect([read.status, read.body.id]).toEqual([200, a]);
      expect((await api.call('GET', `/v1/cases/${upper}/history`, t.applicant)).status).toBe(200);
      expect((await api.call('GET', `/v1/cases/${upper}/verify`, t.applicant)).body).toEqual({ ok: true, events: 1 });
      const responded = await api.call('POST', `/v1/cases/${upper}/commands`, t.provider, { type: 'RESPOND', data: { outcome: 'corrected', explanation: '已更正数据并重新发布。' } });
      expect([responded.status, responded.body.id]).toEqual([200, a]);
    } finally {
      await api.close();
    }
  });
});
