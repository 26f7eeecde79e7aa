/**
 * The audit export holds every event of its period, not only case events: a holiday notice loaded
 * into the calendar (it changes every deadline computed after it) is a line too, with its actor,
 * for every auditor — and it survives a rebuild of the trail.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInputs, actors, commandData } from '../machines/examples.js';
import { admin, notice2026, world, type World } from './harness.js';
import { checkExport } from '../../engine/exportCheck.js';
import { auditLine } from '../../projections/audit.js';

let w: World;
beforeAll(async () => {
  w = await world({ start: '2025-11-03T01:30:00.000Z', without2026: true });
  await w.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company });
  w.clock.set('2025-11-20T02:00:00.000Z');
  await w.calendar.load(notice2026, admin);
  w.clock.set('2025-11-21T02:00:00.000Z');
  await w.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company });
});
afterAll(() => w.close());

async function exported(options: Parameters<World['models']['exportEvents']>[0]) {
  const lines: Record<string, unknown>[] = [];
  for await (const line of w.models.exportEvents(options)) lines.push(JSON.parse(line) as Record<string, unknown>);
  return lines;
}

describe('a holiday notice in the audit export', () => {
  it('given a notice loaded between two cases, when the month is exported, then the notice is a line between them, with who loaded it', async () => {
    const lines = await exported({ from: '2025-11-01T00:00:00Z', to: '2025-12-01T00:00:00Z' });
    expect(lines.map((l) => l.type)).toEqual(['ObjectionRaised', 'HolidayNoticeLoaded', 'ObjectionRaised']);
    expect(lines[1]).toMatchObject({
      caseId: null,
      process: null,
      stream: 'calendar-notices',
      at: '2025-11-20T02:00:00.000Z',
      actor: { sub: admin.sub, role: 'admin', org: admin.org },
      data: { notice: { year: 2026, notice: '国办发明电〔2025〕7号' } },
    });
  });

  it('an auditor of another region, who sees neither case, still sees the notice', async () => {
    const lines = await exported({ from: '2025-11-01T00:00:00Z', to: '2025-12-01T00:00:00Z', visibleTo: { role: 'auditor', org: '370200-dsj' } });
    expect(lines.map((l) => l.type)).toEqual(['HolidayNoticeLoaded']);
  });

  it('a period that ends before the notice leaves it out; after a rebuild of the trail it is still there', async () => {
    expect((await exported({ from: '2025-11-01T00:00:00Z', to: '2025-11-20T02:00:00Z' })).map((l) => l.type)).toEqual(['ObjectionRaised']);
    await w.models.rebuild('audit');
    expect((await exported({ from: '2025-11-20T02:00:00Z', to: '2025-11-20T02:00:00.001Z' })).map((l) => l.type)).toEqual(['HolidayNoticeLoaded']);
  });
});

describe('a long export', () => {
  it('given 450 events in a period, when it is exported, then other work gets turns of the event loop while it runs (the embedded store reads synchronously)', async () => {
    w.clock.set('2025-12-05T02:00:00.000Z');
    for (let i = 0; i < 450; i++) await w.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company });
    let turns = 0;
    let done = false;
    const tick = () => {
      if (done) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const lines = await exported({ from: '2025-12-01T00:00:00Z', to: '2026-01-01T00:00:00Z' });
    done = true;
    expect(lines).toHaveLength(450);
    expect(turns).toBeGreaterThanOrEqual(2);
  });
});

// Mutation QA: the export's own test of a line's time against `to` could take an event stamped exactly at
// `to` with every test passing, for in a log in time order the index's range of positions already ends
// before it. Two servers on one file, one clock half a second behind, write such a log.
describe('a log not in time order (two servers, one clock behind)', () => {
  it('given an objection stamped exactly at 2025-12-01T00:00Z stored before one stamped half a second earlier, then November’s export leaves it out and December’s holds it, each event in one period only', async () => {
    const t = await world({ start: '2025-11-03T01:30:00.000Z', without2026: true });
    try {
      const first = await t.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company });
      t.clock.set('2025-12-01T00:00:00.000Z');
      const atTheEdge = await t.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company });
      t.clock.set('2025-11-30T23:59:59.500Z');
      const behind = await t.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company });
      expect(atTheEdge.event.position).toBeLessThan(behind.event.position);
      const caseIds = async (from: string, to: string) => {
        const ids: unknown[] = [];
        for await (const line of t.models.exportEvents({ from, to })) ids.push((JSON.parse(line) as { caseId: unknown }).caseId);
        return ids;
      };
      expect(await caseIds('2025-11-01T00:00:00Z', '2025-12-01T00:00:00Z')).toEqual([first.caseId, behind.caseId]);
      expect(await caseIds('2025-12-01T00:00:00Z', '2026-01-01T00:00:00Z')).toEqual([atTheEdge.caseId]);
    } finally {
      await t.close();
    }
  });
});

describe('an event whose stored time was altered', () => {
  // Compliance QA: an event's `at` moved a year back in the store dropped it from every period's export
  // (the index files it under the day it was folded, the line's time is outside that period), and
  // verify-export passed the file. The export of the period the index files it under holds it, as stored.
  it('given two objections in November 2025, when the second one’s stored time is moved to November 2024, then the November 2025 export still holds it, with the time stored, and the check without the server names it', async () => {
    const t = await world({ start: '2025-11-03T01:30:00.000Z', without2026: true });
    try {
      await t.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company });
      t.clock.set('2025-11-21T02:00:00.000Z');
      const altered = await t.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company });
      const { event } = altered;
      t.store.database.prepare(`UPDATE events SET metadata = json_set(metadata, '$.at', '2024-11-21T02:00:00.000Z') WHERE position = ?`).run(event.position);
      const lines: string[] = [];
      for await (const line of t.models.exportEvents({ from: '2025-11-01T00:00:00Z', to: '2025-12-01T00:00:00Z' })) lines.push(line.trimEnd());
      expect(lines.map((l) => (JSON.parse(l) as { position: number }).position)).toEqual([1, event.position]);
      expect(JSON.parse(lines[1]!)).toMatchObject({ caseId: altered.caseId, at: '2024-11-21T02:00:00.000Z' });
      const check = await checkExport(lines, { expected: (stored) => auditLine({ ...stored, created: '' }) });
      expect(check.ok).toBe(false);
      expect(check.failures.map((f) => [f.line, f.caseId, f.revision])).toEqual([[2, altered.caseId, 0]]);
      const lastYear: string[] = [];
      for await (const line of t.models.exportEvents({ from: '2024-11-01T00:00:00Z', to: '2024-12-01T00:00:00Z' })) lastYear.push(line);
      expect(lastYear).toEqual([]);
    } finally {
      await t.close();
    }
  });
});

describe('events deleted from the store after the trail filed them', () => {
  // Compliance QA: two February events deleted from a copy of the store were left out of February's
  // export without a word — one case gone from it, another starting mid-way — and verify-export passed
  // the file, though verify and replay named the damage. The index keeps their time and position.
  it('given a release with three events between two objections, when an objection (its only event), the release’s middle event and the last event of the log are deleted, then the month’s export has a missing line at each position, naming the case where the case list knows it, and the check fails at each', async () => {
    const t = await world({ start: '2025-11-03T01:30:00.000Z', without2026: true });
    try {
      const release = await t.engine.start({ process: 'datasetRelease', input: startInputs.datasetRelease, actor: actors.provider });
      const first = await t.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company });
      const middle = await t.engine.execute({ caseId: release.caseId, type: 'SET_DESENSITIZATION_RULES', data: commandData.datasetRelease.SET_DESENSITIZATION_RULES, actor: actors.provider });
      await t.engine.execute({ caseId: release.caseId, type: 'RECORD_SECURITY_REVIEW', data: commandData.datasetRelease.RECORD_SECURITY_REVIEW, actor: actors.provider });
      const last = await t.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company });
      const gone = [first.event, middle.event, last.event];
      for (const e of gone) t.store.database.prepare('DELETE FROM events WHERE position = ?').run(e.position);

      const lines: string[] = [];
      for await (const line of t.models.exportEvents({ from: '2025-11-01T00:00:00Z', to: '2025-12-01T00:00:00Z' })) lines.push(line.trimEnd());
      const parsed = lines.map((l) => JSON.parse(l) as { position: number; missing?: true; caseId: string | null; at: string });
      expect(parsed.map((l) => [l.position, l.missing ?? false])).toEqual([
        [release.event.position, false],
        [first.event.position, true],
        [middle.event.position, true],
        [middle.event.position + 1, false],
        [last.event.position, true],
      ]);
      // The objection's first event is its case key, the log's last its case's recorded end; a middle event no read model names.
      expect(parsed.filter((l) => l.missing).map((l) => l.caseId)).toEqual([first.caseId, null, last.caseId]);
      expect(parsed[1]).toMatchObject({ at: '2025-11-03T01:30:00.000Z', reason: expect.stringContaining('此后从存储中被删除') });

      const check = await checkExport(lines, { expected: (stored) => auditLine({ ...stored, created: '' }) });
      expect(check.ok).toBe(false);
      expect(check.failures.map((f) => [f.line, f.caseId, f.reason.zh])).toEqual([
        [2, first.caseId, expect.stringMatching(/^事件日志中已没有这一事件/)],
        [3, null, expect.stringMatching(/^事件日志中已没有这一事件/)],
        // The release's next event: its chain names the revision the file lacks.
        [4, release.caseId, '缺少版本 1 的事件（前一个为版本 0）'],
        [5, last.caseId, expect.stringMatching(/^事件日志中已没有这一事件/)],
      ]);
      // An export filtered by viewer (a Jinan auditor, who sees all three cases): the missing lines of the cases
      // named, not the one no read model names (as an unreadable event of no known case).
      const jinan: { position: number; missing?: true }[] = [];
      for await (const line of t.models.exportEvents({ from: '2025-11-01T00:00:00Z', to: '2025-12-01T00:00:00Z', visibleTo: { role: 'auditor', org: '370100-dsj' } })) jinan.push(JSON.parse(line));
      expect(jinan.map((l) => [l.position, l.missing ?? false])).toEqual([
        [release.event.position, false],
        [first.event.position, true],
        [middle.event.position + 1, false],
        [last.event.position, true],
      ]);
      // The provincial auditor, who may see every case of the province, is told of the one no read model names too
      // (QA: its file had none, and verify-export passed it).
      const province: { position: number; missing?: true }[] = [];
      for await (const line of t.models.exportEvents({ from: '2025-11-01T00:00:00Z', to: '2025-12-01T00:00:00Z', visibleTo: { role: 'auditor', org: '370000-dsj' } })) province.push(JSON.parse(line));
      expect(province.filter((l) => l.missing).map((l) => l.position)).toEqual([first.event.position, middle.event.position, last.event.position]);
    } finally {
      await t.close();
    }
  });
});

describe('events of a case whose metadata is JSON but not what the engine wrote', () => {
  // QA: metadata stored as null, text or a list was left out of the export without a line (its case's history one
  // event short), and an actor of null cut the export at it for every viewer; verify threw on null metadata (a 500).
  it('given an objection whose metadata became null, one whose metadata became text, one whose actor became null, one whose metadata became {} and one intact, beside another program’s event, when the month is exported and the trail rebuilt, then each of the four is an unreadable line naming what is wrong, the file goes on to the intact one, and verify names the event', async () => {
    const t = await world({ start: '2025-11-03T01:30:00.000Z', without2026: true });
    try {
      const started = [];
      for (let i = 0; i < 4; i++) started.push(await t.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company }));
      // Another program's event in the same log (a stream of no process of ours, in the form of a case's): no line, no
      // report. Written beside the engine, it is folded past at the next start's append.
      t.store.database
        .prepare(`INSERT INTO events (stream_id, revision, id, type, data, metadata, created) VALUES (?, 0, ?, 'OrderPlaced', '{}', '{}', ?)`)
        .run(`orders-${randomUUID()}`, randomUUID(), '2025-11-03T01:30:00.000Z');
      // One carrying a case's metadata whole (QA-D: reported as skipped, and exported as an unreadable line).
      t.store.database
        .prepare(`INSERT INTO events (stream_id, revision, id, type, data, metadata, created) SELECT ?, 0, ?, 'OrderPlaced', '{}', metadata, created FROM events WHERE position = ?`)
        .run(`orders-${randomUUID()}`, randomUUID(), started[0]!.event.position);
      started.push(await t.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company }));
      const [nulled, text, actorless, caseless, intact] = started as [(typeof started)[0], (typeof started)[0], (typeof started)[0], (typeof started)[0], (typeof started)[0]];
      t.store.database.prepare(`UPDATE events SET metadata = 'null' WHERE position = ?`).run(nulled.event.position);
      t.store.database.prepare(`UPDATE events SET metadata = '"hello"' WHERE position = ?`).run(text.event.position);
      t.store.database.prepare(`UPDATE events SET metadata = json_set(metadata, '$.actor', json('null')) WHERE position = ?`).run(actorless.event.position);
      // An object naming no case (QA: read as another program's event, and left out of the export without a line).
      t.store.database.prepare(`UPDATE events SET metadata = '{}' WHERE position = ?`).run(caseless.event.position);
      const exported = async () => {
        const lines: { position: number; unreadable?: true; reason?: string; caseId?: string | null }[] = [];
        for await (const line of t.models.exportEvents({ from: '2025-11-01T00:00:00Z', to: '2025-12-01T00:00:00Z' })) lines.push(JSON.parse(line));
        return lines;
      };
      const expected = [
        { position: nulled.event.position, unreadable: true, reason: expect.stringContaining('其元数据的 metadata 已不是系统写入的内容') },
        { position: text.event.position, unreadable: true, reason: expect.stringContaining('其元数据的 metadata 已不是系统写入的内容') },
        { position: actorless.event.position, unreadable: true, reason: expect.stringContaining('其元数据的 actor 已不是系统写入的内容') },
        { position: caseless.event.position, unreadable: true, reason: expect.stringContaining('其元数据的 caseId 已不是系统写入的内容') },
        { position: intact.event.position, caseId: intact.caseId },
      ].map((l) => expect.objectContaining(l));
      expect(await exported()).toEqual(expected);
      await t.models.rebuild();
      expect(await exported()).toEqual(expected);
      const verified = await t.engine.verify(nulled.caseId);
      expect(verified).toMatchObject({ ok: false, failedAt: { revision: 0 }, reason: '事件的元数据已不是系统写入的内容（不是对象），存储内容已被改动' });
    } finally {
      await t.close();
    }
  });
});
