/**
 * Replay (Temporal-style; ARCHITECTURE.md "Versioned machines", "One stream per case"): after many
 * cases of every process have been driven down every path, folding every stored history again
 * from `$all` gives the same states and hashes, every hash chain verifies, and an event altered in
 * the database is named by its revision.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALENDAR_STREAM } from '../../engine/calendarInForce.js';
import type { CaseEventMetadata } from '../../engine/events.js';
import { DamagedStreamError, type CaseStreamsError } from '../../engine/errors.js';
import { foldAll, type CaseState } from '../../engine/fold.js';
import { eventHash } from '../../engine/hashChain.js';
import type { RecordedEvent } from '../../eventstore/types.js';
import { actors, type ProcessName } from '../machines/examples.js';
import { pathTo } from '../machines/harness.js';
import { coldEngine, createWorld, given, historyOf, meta, refused, rehashed, when, type Step, type World } from './world.js';

const toActive = ['PASS_NORMATIVE_REVIEW', 'APPROVE', 'SIGN_AGREEMENT', 'GRANT_ACCESS'] as const;

/** The months of 2025 as usage-report periods (附录5: 定期报告数据利用情况), each sent on its last day, 20:00 Beijing (v6: not before). */
const monthlyReports: Step[] = Array.from({ length: 9 }, (_, i) => {
  const month = String(i + 4).padStart(2, '0');
  const last = new Date(Date.UTC(2025, i + 4, 0)).getUTCDate();
  const period = { from: `2025-${month}-01`, to: `2025-${month}-${last}` };
  return ['REPORT_USAGE', { data: { period, summary: `2025年${i + 4}月调用接口约 ${(i + 1) * 1.5} 万次。` }, at: `${period.to}T12:00:00.000Z` }];
});

/** A long life: applied, used for nine months with reports, renewed, suspended, ended and destroyed. */
const longLife: Step[] = [
  ...toActive,
  ...monthlyReports.slice(0, 3),
  'REPORT_SECURITY_INCIDENT',
  ['SUSPEND', { actor: actors.cityAuthority }],
  'RESUME',
  ...monthlyReports.slice(3),
  'REPORT_RESULTS',
  'REQUEST_RENEWAL',
  'REJECT_RENEWAL',
  ['REQUEST_RENEWAL', { data: { newUseTo: '2026-02-28' } }],
  'APPROVE_RENEWAL',
  'TERMINATE',
  'CONFIRM_DESTRUCTION',
];

/** What a fold must reproduce. */
const essence = (s: CaseState) => ({
  caseId: s.caseId,
  process: s.process,
  version: s.version,
  state: s.state,
  final: s.final,
  revision: s.revision,
  position: s.position,
  lastHash: s.lastHash,
  tasks: s.tasks,
  timers: s.timers,
  context: s.snapshot.context,
});

let w: World;
let driven: CaseState[] = [];
let longCase: CaseState;

beforeAll(async () => {
  w = await createWorld();
  // Every process down every path of the harness, each state reached by a case of its own.
  for (const [process, paths] of Object.entries(pathTo) as [ProcessName, Record<string, readonly Step[]>][]) {
    for (const steps of Object.values(paths)) driven.push(await given(w, process, steps));
  }
  // Paths the harness does not take: renewals, suspension, expiry, links, returns, refusals in between.
  driven.push(await given(w, 'conditionalApplication', [...toActive, 'REQUEST_RENEWAL', 'REJECT_RENEWAL', 'SUSPEND', 'TERMINATE']));
  driven.push(await given(w, 'conditionalApplication', ['PASS_NORMATIVE_REVIEW', 'REJECT']));
  driven.push(await given(w, 'conditionalApplication', [['WITHDRAW', { data: {} }]]));
  driven.push(await given(w, 'listAdjustment', ['RETURN', 'RESUBMIT', 'RETURN', 'RESUBMIT', 'REJECT']));
  driven.push(await given(w, 'datasetRelease', ['UPDATE_DRAFT', 'RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES', 'SUBMIT', 'RETURN', 'SUBMIT', 'APPROVE']));
  const request = await given(w, 'unopenedDataRequest', pathTo.unopenedDataRequest.openingPending!);
  const release = await given(w, 'datasetRelease', pathTo.datasetRelease.underReview!);
  await when(w, request.caseId, 'MARK_OPENED', { data: { datasetReleaseCaseId: release.caseId } });
  await when(w, release.caseId, 'APPROVE');
  driven.push(await w.engine.getCase(request.caseId), await w.engine.getCase(release.caseId));
  const expiring = await given(w, 'conditionalApplication', toActive);
  await refused(w, expiring, () => when(w, expiring.caseId, 'SIGN_AGREEMENT'));
  w.clock.set('2026-01-01T00:00:00.000Z');
  await w.scheduler.fireDueTimers();
  driven.push(await w.engine.getCase(expiring.caseId));
  w.clock.set('2025-03-03T01:30:00.000Z');
  longCase = await given(w, 'conditionalApplication', longLife);
  driven.push(longCase);
  // The engine's answers now: the expiry above moved every use that ended on 2025-12-31.
  driven = await Promise.all(driven.map((c) => w.engine.getCase(c.caseId)));
});
afterAll(() => w.close());

/** Every case stream of `$all`, grouped by stream, in `$all` order. */
async function streamsOf(world: World): Promise<Map<string, RecordedEvent[]>> {
  const streams = new Map<string, RecordedEvent[]>();
  for await (const event of world.store.readAll()) {
    if (event.streamId === CALENDAR_STREAM) continue;
    const list = streams.get(event.streamId) ?? [];
    list.push(event);
    streams.set(event.streamId, list);
  }
  return streams;
}

describe('replaying every stored history', () => {
  it('given the driven cases, then a case of ≥ 20 events is among them', async () => {
    const history = await historyOf(w, longCase);
    expect(history.length).toBeGreaterThanOrEqual(20);
    expect(longCase).toMatchObject({ state: 'closed', final: true });
    expect(history.filter((e) => e.type === 'UsageReported')).toHaveLength(9);
  });

  it('given every stream of $all, when each is folded again through its machine version from the registry, then the states and hashes are those the engine answered', async () => {
    const streams = await streamsOf(w);
    expect(streams.size).toBeGreaterThanOrEqual(driven.length);
    for (const c of driven) {
      const events = streams.get(c.stream);
      expect(events, c.stream).toBeDefined();
      const first = meta(events![0]!);
      const def = w.registry.get(first.machine.name, first.machine.version)!;
      const replayed = foldAll(def, events!);
      expect(essence(replayed), c.stream).toEqual(essence(c));
      expect(replayed.lastHash).toBe(meta(events!.at(-1)!).hash);
    }
  });

  it('given every stream of $all, then each event’s stored hash is the SHA-256 of its content and chains to the previous one', async () => {
    for (const events of (await streamsOf(w)).values()) {
      let prev = '0'.repeat(64);
      for (const e of events) {
        const m = e.metadata as unknown as CaseEventMetadata;
        expect(m.prevHash).toBe(prev);
        expect(eventHash({ streamId: e.streamId, revision: e.revision, id: e.id, type: e.type, data: e.data, metadata: e.metadata })).toBe(m.hash);
        prev = m.hash;
      }
    }
  });

  it('given a new engine on the same store (a restart, a cold cache), when every case is read, then the same states and hashes', async () => {
    const cold = coldEngine(w);
    for (const c of driven) expect(essence(await cold.getCase(c.caseId))).toEqual(essence(c));
  });

  it('given every case, then engine.verify is ok for all', async () => {
    for (const events of (await streamsOf(w)).values()) {
      const caseId = meta(events[0]!).caseId;
      expect(await w.engine.verify(caseId), events[0]!.streamId).toEqual({ ok: true, events: events.length });
    }
  });
});

describe('a history altered in the database', () => {
  let t: World;
  beforeAll(async () => {
    t = await createWorld();
  });
  afterAll(() => t.close());

  /** A test-only write straight into the store's `events` table. */
  const alter = (stream: string, revision: number, column: 'data' | 'metadata', change: (value: Record<string, unknown>) => void) => {
    const db = t.store.database;
    const row = db.prepare<[string, number], { value: string }>(`SELECT ${column} AS value FROM events WHERE stream_id = ? AND revision = ?`).get(stream, revision)!;
    const value = JSON.parse(row.value) as Record<string, unknown>;
    change(value);
    db.prepare(`UPDATE events SET ${column} = ? WHERE stream_id = ? AND revision = ?`).run(JSON.stringify(value), stream, revision);
  };

  it('given a case of many events, when one usage report’s summary is changed in the events table, then verify fails naming that event’s revision', async () => {
    const victim = await given(t, 'conditionalApplication', longLife);
    const history = await historyOf(t, victim);
    const target = history.find((e) => e.type === 'UsageReported')!;
    expect(await t.engine.verify(victim.caseId)).toMatchObject({ ok: true });
    alter(victim.stream, target.revision, 'data', (data) => {
      data.summary = '本月未调用接口。';
    });
    const verification = await t.engine.verify(victim.caseId);
    expect(verification).toMatchObject({ ok: false, events: history.length, failedAt: { revision: target.revision, eventId: target.id, type: 'UsageReported' } });
    expect(verification.reason).toContain('哈希');
  });

  it('given a case, when the actor of one event is changed in the events table, then verify fails naming that revision', async () => {
    const c = await given(t, 'objection', ['RESPOND']);
    alter(c.stream, 1, 'metadata', (metadata) => {
      metadata.actor = { ...(metadata.actor as object), sub: 'u-someone-else' };
    });
    expect(await t.engine.verify(c.caseId)).toMatchObject({ ok: false, failedAt: { revision: 1 } });
  });

  it('given a case, when a member named __proto__ is written into one event’s data, or its metadata, in the events table, then verify fails naming that revision', async () => {
    for (const column of ['data', 'metadata'] as const) {
      const c = await given(t, 'objection', ['RESPOND']);
      // JSON.parse makes it an own member; a copy by assignment would take it for the prototype and drop it from the hash.
      t.store.database
        .prepare(`UPDATE events SET ${column} = '{"__proto__":{"opinion":"不同意。"},' || substr(${column}, 2) WHERE stream_id = ? AND revision = 1`)
        .run(c.stream);
      const [stored] = await t.store.readStream(c.stream, { fromRevision: 1, maxCount: 1 });
      expect(Object.keys(column === 'data' ? (stored!.data as object) : stored!.metadata)).toContain('__proto__');
      expect(await t.engine.verify(c.caseId), column).toMatchObject({ ok: false, failedAt: { revision: 1 } });
    }
  });

  it('given a case whose revision 1 was altered and whose revision 3 no longer parses, then verify names revision 1, the first event that does not match; with revision 1 intact, it names revision 3', async () => {
    for (const alterFirst of [true, false]) {
      const c = await given(t, 'listAdjustment', ['RETURN', 'RESUBMIT', 'APPROVE']);
      if (alterFirst) {
        alter(c.stream, 1, 'data', (data) => {
          data.opinion = '同意。';
        });
      }
      t.store.database.prepare("UPDATE events SET data = substr(data, 1, 5) WHERE stream_id = ? AND revision = 3").run(c.stream);
      const verification = await t.engine.verify(c.caseId);
      expect(verification, String(alterFirst)).toMatchObject({ ok: false, failedAt: { revision: alterFirst ? 1 : 3 } });
      expect(verification.reason).toEqual(alterFirst ? expect.stringContaining('哈希') : '事件的数据无法解析，存储内容已损坏或被篡改');
    }
  });

  it('given a case whose revision 1 was deleted and whose revision 3 no longer parses, then verify names the gap first (revision 2 follows revision 0), not an error', async () => {
    const c = await given(t, 'listAdjustment', ['RETURN', 'RESUBMIT', 'APPROVE']);
    t.store.database.prepare('DELETE FROM events WHERE stream_id = ? AND revision = 1').run(c.stream);
    t.store.database.prepare('UPDATE events SET data = substr(data, 1, 5) WHERE stream_id = ? AND revision = 3').run(c.stream);
    expect(await t.engine.verify(c.caseId)).toMatchObject({ ok: false, failedAt: { revision: 2 }, reason: expect.stringContaining('缺少版本 1 的事件') });
  });

  it('given a case, when an event is forged with a recomputed hash, then verify fails at the next event whose prevHash no longer matches', async () => {
    const c = await given(t, 'listAdjustment', ['RETURN', 'RESUBMIT', 'APPROVE']);
    alter(c.stream, 1, 'data', (data) => {
      data.opinion = '同意。';
    });
    const [forged] = await t.store.readStream(c.stream, { fromRevision: 1, maxCount: 1 });
    alter(c.stream, 1, 'metadata', (metadata) => {
      metadata.hash = eventHash({ streamId: forged!.streamId, revision: 1, id: forged!.id, type: forged!.type, data: forged!.data, metadata });
    });
    expect(await t.engine.verify(c.caseId)).toMatchObject({ ok: false, failedAt: { revision: 2 }, reason: 'prevHash 与上一事件的哈希不一致' });
  });

  it('given a case, when a whole consistent chain is forged whose states the machine would not produce, then verify fails at the forged event', async () => {
    const c = await given(t, 'objection', ['RESPOND']);
    alter(c.stream, 1, 'metadata', (metadata) => {
      metadata.stateAfter = 'handling';
      metadata.final = false;
    });
    const [forged] = await t.store.readStream(c.stream, { fromRevision: 1, maxCount: 1 });
    alter(c.stream, 1, 'metadata', (metadata) => {
      metadata.hash = eventHash({ streamId: forged!.streamId, revision: 1, id: forged!.id, type: forged!.type, data: forged!.data, metadata });
    });
    const verification = await t.engine.verify(c.caseId);
    expect(verification).toMatchObject({ ok: false, failedAt: { revision: 1 } });
    expect(verification.reason).toContain('重放');
  });

  it('given a case, when an event is relabelled with another version of its machine and its hash computed again, then verify fails there, and reading the case is a DamagedStreamError (compliance QA: it was served and took commands)', async () => {
    const c = await given(t, 'datasetRelease', ['RECORD_SECURITY_REVIEW']);
    expect(c.version).toBeGreaterThan(1);
    alter(c.stream, 1, 'metadata', (metadata) => {
      metadata.machine = { name: 'datasetRelease', version: c.version - 1 };
    });
    const [relabelled] = await t.store.readStream(c.stream, { fromRevision: 1, maxCount: 1 });
    alter(c.stream, 1, 'metadata', (metadata) => {
      metadata.hash = eventHash({ streamId: relabelled!.streamId, revision: 1, id: relabelled!.id, type: relabelled!.type, data: relabelled!.data, metadata });
    });
    expect(await t.engine.verify(c.caseId)).toMatchObject({ ok: false, failedAt: { revision: 1 }, reason: `事件记录的流程版本 datasetRelease@${c.version - 1} 与案件的 datasetRelease@${c.version} 不一致` });
    await expect(coldEngine(t).getCase(c.caseId)).rejects.toBeInstanceOf(DamagedStreamError);
  });

  // Mutation QA (pass 3): the fold's own check that an event chains to the one before (prevHash) could be
  // dropped with every test passing: each forged event in these tests also failed another check (its hash,
  // its states). A copy of an earlier event whose hash is computed again for its new place, and whose
  // command the state takes, fails that check alone.
  it('given a case whose stream gets a copy of an earlier event as its next revision, its hash computed again for that place (its prevHash still the copied event’s), then the engine neither reads nor acts on it, and verify names the copy', async () => {
    const c = await given(t, 'listAdjustment', ['RETURN', 'RESUBMIT']);
    const db = t.store.database;
    const copy = db.prepare<[string], { type: string; data: string; metadata: string; created: string }>('SELECT type, data, metadata, created FROM events WHERE stream_id = ? AND revision = 1').get(c.stream)!;
    const metadata = JSON.parse(copy.metadata) as Record<string, unknown>;
    metadata.hash = eventHash({ streamId: c.stream, revision: 3, id: 'rehashed-copy', type: copy.type, data: JSON.parse(copy.data) as unknown, metadata });
    db.prepare('INSERT INTO events (stream_id, revision, id, type, data, metadata, created) VALUES (?, 3, ?, ?, ?, ?, ?)').run(c.stream, 'rehashed-copy', copy.type, copy.data, JSON.stringify(metadata), copy.created);

    await expect(coldEngine(t).getCase(c.caseId)).rejects.toBeInstanceOf(DamagedStreamError);
    expect(await t.engine.verify(c.caseId)).toMatchObject({ ok: false, failedAt: { revision: 3, eventId: 'rehashed-copy' } });
  });

  // Mutation QA (pass 3): the fold's check of the state an event records before it could be dropped (only the
  // state after compared) with every test passing.
  it('given a case whose last event records another state before it, its hash computed again, then reading the case is a DamagedStreamError and verify names that event', async () => {
    const c = await given(t, 'objection', ['RESPOND']);
    alter(c.stream, 1, 'metadata', (metadata) => {
      metadata.stateBefore = 'responded';
    });
    const [forged] = await t.store.readStream(c.stream, { fromRevision: 1, maxCount: 1 });
    alter(c.stream, 1, 'metadata', (metadata) => {
      metadata.hash = eventHash({ streamId: forged!.streamId, revision: 1, id: forged!.id, type: forged!.type, data: forged!.data, metadata });
    });
    await expect(coldEngine(t).getCase(c.caseId)).rejects.toBeInstanceOf(DamagedStreamError);
    expect(await t.engine.verify(c.caseId)).toMatchObject({ ok: false, failedAt: { revision: 1 } });
  });

  const remove = (stream: string, revision: number) => t.store.database.prepare('DELETE FROM events WHERE stream_id = ? AND revision = ?').run(stream, revision);

  it('given a case whose start event is removed, then verify names the first event left, saying the start is missing, and reading the case is a DamagedStreamError, not a crash', async () => {
    const c = await given(t, 'objection', ['RESPOND']);
    remove(c.stream, 0);
    expect(await t.engine.verify(c.caseId)).toMatchObject({ ok: false, events: 1, failedAt: { revision: 1 }, reason: '缺少版本 0 的事件（案件的起始事件）' });
    await expect(coldEngine(t).getCase(c.caseId)).rejects.toBeInstanceOf(DamagedStreamError);
  });

  it('given a case with an event removed from its middle, then verify names the event after the gap, saying which revision is missing', async () => {
    const c = await given(t, 'listAdjustment', ['RETURN', 'RESUBMIT', 'APPROVE']);
    remove(c.stream, 2);
    expect(await t.engine.verify(c.caseId)).toMatchObject({ ok: false, failedAt: { revision: 3 }, reason: '缺少版本 2 的事件' });
  });

  it('given a case whose start names a machine version this system does not have, then verify names the start event, and reading the case is a DamagedStreamError', async () => {
    const c = await given(t, 'objection');
    alter(c.stream, 0, 'metadata', (metadata) => {
      metadata.machine = { name: 'objection', version: 99 };
    });
    expect(await t.engine.verify(c.caseId)).toMatchObject({ ok: false, failedAt: { revision: 0 }, reason: '事件记录的流程版本 objection@99 不是本系统的流程版本，可能被篡改' });
    await expect(coldEngine(t).getCase(c.caseId)).rejects.toBeInstanceOf(DamagedStreamError);
  });

  // QA-E: a start whose metadata names no version (its machine removed, or the metadata {}) was said to name "undefined@undefined".
  it('given a case whose start names no machine version, or whose metadata became {}, then verify says the metadata names none', async () => {
    const removed = await given(t, 'objection');
    alter(removed.stream, 0, 'metadata', (metadata) => {
      delete metadata.machine;
    });
    const emptied = await given(t, 'objection');
    t.store.database.prepare("UPDATE events SET metadata = '{}' WHERE stream_id = ? AND revision = 0").run(emptied.stream);
    for (const c of [removed, emptied]) {
      expect(await coldEngine(t).verify(c.caseId)).toMatchObject({ ok: false, failedAt: { revision: 0 }, reason: '事件的元数据没有记录流程版本（machine），不是系统写入的内容，存储内容已被改动' });
    }
  });

  it('given two events whose rows are exchanged in the log (each keeps its content and hash, the positions stay), then verify names the one that now comes first, and the engine neither reads the case nor acts on it', async () => {
    const c = await given(t, 'listAdjustment', ['RETURN', 'RESUBMIT', 'APPROVE']);
    const db = t.store.database;
    type Row = { position: number; revision: number; id: string; type: string; data: string; metadata: string; created: string };
    const row = (revision: number) => db.prepare<[string, number], Row>('SELECT * FROM events WHERE stream_id = ? AND revision = ?').get(c.stream, revision)!;
    const [one, two] = [row(1), row(2)];
    const put = db.prepare('UPDATE events SET revision = ?, id = ?, type = ?, data = ?, metadata = ?, created = ? WHERE position = ?');
    db.transaction(() => {
      put.run(-1, 'moving', one.type, one.data, one.metadata, one.created, one.position);
      put.run(one.revision, one.id, one.type, one.data, one.metadata, one.created, two.position);
      put.run(two.revision, two.id, two.type, two.data, two.metadata, two.created, one.position);
    })();
    expect(await t.engine.verify(c.caseId)).toMatchObject({ ok: false, failedAt: { revision: 2 }, reason: expect.stringContaining('记录次序被改动') });
    // Compliance QA: the case was still served and took a command onto the exchanged rows.
    const cold = coldEngine(t);
    await expect(cold.getCase(c.caseId)).rejects.toBeInstanceOf(DamagedStreamError);
    const head = t.store.database.prepare('SELECT max(position) FROM events').pluck().get();
    await expect(cold.execute({ caseId: c.caseId, type: 'APPROVE', data: {}, actor: actors.cityAuthority })).rejects.toBeInstanceOf(DamagedStreamError);
    expect(t.store.database.prepare('SELECT max(position) FROM events').pluck().get()).toBe(head);
  });

  it('given a case whose stream gets a forged copy of an earlier event as its next revision, then the engine neither reads nor acts on it (a cached case or a cold one), and verify names the copy', async () => {
    // A store on a file, written by another connection (as another process would: the running engine's cache must notice).
    const dir = mkdtempSync(join(tmpdir(), 'engine-forged-'));
    const f = await createWorld({ path: join(dir, 'events.db') });
    try {
      const c = await given(f, 'listAdjustment', ['RETURN', 'RESUBMIT']);
      const db = new Database(join(dir, 'events.db'));
      const copy = db.prepare<[string], { type: string; data: string; metadata: string; created: string }>('SELECT type, data, metadata, created FROM events WHERE stream_id = ? AND revision = 1').get(c.stream)!;
      db.prepare('INSERT INTO events (stream_id, revision, id, type, data, metadata, created) VALUES (?, 3, ?, ?, ?, ?, ?)').run(c.stream, 'forged-copy', copy.type, copy.data, copy.metadata, copy.created);
      db.close();

      await expect(f.engine.getCase(c.caseId)).rejects.toBeInstanceOf(DamagedStreamError);
      await expect(coldEngine(f).getCase(c.caseId)).rejects.toBeInstanceOf(DamagedStreamError);
      await expect(when(f, c.caseId, 'APPROVE')).rejects.toBeInstanceOf(DamagedStreamError);
      expect(await f.engine.verify(c.caseId)).toMatchObject({ ok: false, failedAt: { revision: 3, eventId: 'forged-copy' } });
      expect(f.store.database.prepare('SELECT count(*) FROM events WHERE stream_id = ?').pluck().get(c.stream)).toBe(4);
    } finally {
      await f.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('given a case whose stored deadline was moved in the events table (its hash not recomputed), when an engine reads the case or is sent a command, then DamagedStreamError naming that revision, nothing stored: the moved deadline is never served nor acted on', async () => {
    const c = await given(t, 'conditionalApplication', toActive);
    const granted = (await historyOf(t, c)).find((e) => e.type === 'AccessGranted')!;
    alter(c.stream, granted.revision, 'metadata', (metadata) => {
      for (const task of metadata.tasksOpened as { dueAt?: string }[]) if (task.dueAt) task.dueAt = task.dueAt.replace(/^\d{4}/, (y) => String(Number(y) + 2));
    });
    const cold = coldEngine(t);
    await expect(cold.getCase(c.caseId)).rejects.toThrow(`revision ${granted.revision} of ${c.stream} does not match its hash`);
    await expect(cold.getCase(c.caseId)).rejects.toBeInstanceOf(DamagedStreamError);
    const head = await t.store.headPosition();
    await expect(cold.execute({ caseId: c.caseId, type: 'SUSPEND', data: { reason: '核查' }, actor: actors.provider })).rejects.toBeInstanceOf(DamagedStreamError);
    expect(await t.store.headPosition()).toBe(head);
    expect(await t.engine.verify(c.caseId)).toMatchObject({ ok: false, failedAt: { revision: granted.revision, position: granted.position, eventId: granted.id, type: 'AccessGranted' } });
  });

  it('given a second stream under another process for a case id (a forged case, its hash chain recomputed), when the case is read, sent a command or verified, then no stream is taken for it: DamagedStreamError, nothing stored, and verify names both streams', async () => {
    const real = await given(t, 'datasetRelease');
    const [start] = await historyOf(t, await given(t, 'objection'));
    const forged = rehashed({ ...start!, streamId: `objection-${real.caseId}`, id: 'forged-start', metadata: { ...start!.metadata, caseId: real.caseId } });
    await t.store.appendToStream(forged.streamId, [{ id: forged.id, type: forged.type, data: forged.data, metadata: forged.metadata }]);
    const cold = coldEngine(t);
    await expect(cold.getCase(real.caseId)).rejects.toBeInstanceOf(DamagedStreamError);
    await expect(cold.getCase(real.caseId)).rejects.toThrow(`case ${real.caseId} has 2 streams`);
    // The error is logged with its fields on every read of the case: it names the events, and carries none of their data (an applicant's 身份证号, phone, address).
    const error = (await cold.getCase(real.caseId).catch((e: unknown) => e)) as CaseStreamsError;
    expect(error.streams.map((s) => s.first)).toContainEqual({ revision: 0, position: expect.any(Number), id: 'forged-start', type: forged.type });
    expect(JSON.stringify(error)).not.toContain(JSON.stringify(forged.data).slice(1, 40));
    const head = await t.store.headPosition();
    await expect(cold.execute({ caseId: real.caseId, type: 'SUBMIT', data: {}, actor: actors.provider })).rejects.toBeInstanceOf(DamagedStreamError);
    expect(await t.store.headPosition()).toBe(head);
    const verification = await cold.verify(real.caseId);
    expect(verification).toMatchObject({ ok: false, events: 2 });
    expect(verification.reason).toBe(`案件编号对应 2 个事件流（${[real.stream, forged.streamId].sort().join('、')}）：一个案件只有一个事件流，其中至少有一个是在引擎之外写入的`);
  });

  /** Changes an event in the table and computes its hash again, as an insider who knows the chain would: the chain holds. */
  const forge = (stream: string, revision: number, change: (row: { type: string; data: Record<string, unknown>; metadata: Record<string, unknown> }) => void) => {
    const db = t.store.database;
    const row = db.prepare<[string, number], { id: string; type: string; data: string; metadata: string }>('SELECT id, type, data, metadata FROM events WHERE stream_id = ? AND revision = ?').get(stream, revision)!;
    const forged = { type: row.type, data: JSON.parse(row.data) as Record<string, unknown>, metadata: JSON.parse(row.metadata) as Record<string, unknown> };
    change(forged);
    const { metadata } = rehashed({ streamId: stream, revision, id: row.id, ...forged });
    db.prepare('UPDATE events SET type = ?, data = ?, metadata = ? WHERE stream_id = ? AND revision = ?').run(forged.type, JSON.stringify(forged.data), JSON.stringify(metadata), stream, revision);
  };

  // QA of the compliance changes (QA-D): an event naming another case, its hash and the chain computed again, verified
  // whole. A start so replaced was served as the other case (its id, its parties: that case's city saw it, its own
  // got 404) and a command on it stored an event naming the other case; an answer appended so was folded and shown.
  it('given a case whose start is made to name another case, its hash computed again, then verify names it as not its stream’s, and the engine neither reads nor acts on the case', async () => {
    const a = await given(t, 'objection');
    const b = await given(t, 'objection');
    forge(a.stream, 0, (r) => (r.metadata.caseId = b.caseId));
    const cold = coldEngine(t);
    await expect(cold.getCase(a.caseId)).rejects.toBeInstanceOf(DamagedStreamError);
    const head = await t.store.headPosition();
    await expect(cold.execute({ caseId: a.caseId, type: 'RESPOND', data: { outcome: 'corrected', explanation: '已更正。' }, actor: actors.provider })).rejects.toBeInstanceOf(DamagedStreamError);
    expect(await t.store.headPosition()).toBe(head);
    expect(await cold.verify(a.caseId)).toMatchObject({
      ok: false,
      failedAt: { revision: 0 },
      reason: `事件记录的案件 ${b.caseId}（objection）不是其所在事件流 ${a.stream} 的案件，存储内容已被改动`,
      reasonEn: `the event names case ${b.caseId} (objection), not the case of its stream ${a.stream}: the stored content was altered`,
    });
    expect(await cold.verify(b.caseId)).toEqual({ ok: true, events: 1 });
  });

  it('given another case’s answer appended to a case, its prevHash and hash computed for that place, which the case’s state would take, then verify names it and the engine refuses the case', async () => {
    const a = await given(t, 'objection');
    const b = await given(t, 'objection', ['RESPOND']);
    const [aStart] = await historyOf(t, a);
    const [, answer] = await historyOf(t, b);
    const copy = rehashed({ ...answer!, streamId: a.stream, revision: 1, id: 'copied-answer', metadata: { ...answer!.metadata, prevHash: (aStart!.metadata as { hash: string }).hash } });
    await t.store.appendToStream(a.stream, [{ id: copy.id, type: copy.type, data: copy.data, metadata: copy.metadata }]);
    await expect(coldEngine(t).getCase(a.caseId)).rejects.toBeInstanceOf(DamagedStreamError);
    expect(await coldEngine(t).verify(a.caseId)).toMatchObject({ ok: false, failedAt: { revision: 1, eventId: 'copied-answer' }, reason: expect.stringContaining(`事件记录的案件 ${b.caseId}`) });
  });

  it('given an event forged with its hash computed again whose command its machine version does not have, or whose type is not its command\'s, then verify names it and the engine refuses the case', async () => {
    for (const [change, reason] of [
      [(r: { metadata: Record<string, unknown> }) => (r.metadata.command = 'FORGED_NOTE'), '事件记录的指令 FORGED_NOTE 不是流程 listAdjustment@'],
      [(r: { type: string }) => (r.type = 'Approved'), '事件类型 Approved 不是指令 RETURN 产生的 Returned'],
    ] as const) {
      const c = await given(t, 'listAdjustment', ['RETURN', 'RESUBMIT']);
      forge(c.stream, 1, change as (r: object) => void);
      const verification = await t.engine.verify(c.caseId);
      expect(verification).toMatchObject({ ok: false, failedAt: { revision: 1 } });
      expect(verification.reason).toContain(reason);
      await expect(coldEngine(t).getCase(c.caseId)).rejects.toBeInstanceOf(DamagedStreamError);
    }
  });

  it('given a command forged with its hash computed again in a state whose machine refuses it (RESUBMIT while under review), then verify names it: the engine would have stored nothing', async () => {
    const c = await given(t, 'listAdjustment', ['RETURN', 'RESUBMIT', 'APPROVE']);
    // Revision 3 (APPROVE, review → approved) rewritten as a second RESUBMIT, states and all.
    forge(c.stream, 3, (r) => {
      r.type = 'Resubmitted';
      r.metadata.command = 'RESUBMIT';
      r.metadata.stateAfter = 'review';
      r.metadata.final = false;
    });
    const verification = await t.engine.verify(c.caseId);
    expect(verification).toMatchObject({ ok: false, failedAt: { revision: 3 } });
    expect(verification.reason).toContain('下流程不接受指令 RESUBMIT');
  });

  // The start's recorded state is checked as every later event's is: the next event's stateBefore is the
  // state the machine gives, so a start forged to record another cannot be told from what follows it.
  it('given a case’s start forged with its hash computed again to record a state its machine does not start in (responded, final), then verify names revision 0 and the engine refuses the case', async () => {
    const c = await given(t, 'objection');
    forge(c.stream, 0, (r) => {
      r.metadata.stateAfter = 'responded';
      r.metadata.final = true;
    });
    const verification = await t.engine.verify(c.caseId);
    expect(verification).toMatchObject({ ok: false, failedAt: { revision: 0 } });
    expect(verification.reason).toContain('重放');
    await expect(coldEngine(t).getCase(c.caseId)).rejects.toBeInstanceOf(DamagedStreamError);
  });

  it('given other cases in the same store, then they still verify', async () => {
    const c = await given(t, 'objection');
    expect((await t.engine.verify(c.caseId)).ok).toBe(true);
  });
});
