/**
 * One damaged row must not take the read models down (README: `storeUnreadable` — every other case
 * is served). Given a store of a few thousand events over many cases where one event's metadata
 * was cut short (as a hand edit or a disk fault leaves it), when the read models fold the log — the
 * inline catch-up on opening, a rebuild in this thread or in worker threads, a follower, an append
 * folding another process's events — then nothing throws, the event is reported once by its
 * position and stream, the checkpoints move past it, and every table equals a clean fold of the
 * other events (the same log with that row deleted): the event is skipped by every read model but
 * the audit trail's index, which places it at the time the store stamped it, so that the audit
 * export still shows it, as a line saying it cannot be read.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultCalendar } from '../../calendars/index.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { UnreadableEventError, type RecordedEvent } from '../../eventstore/types.js';
import { systemClock } from '../../infra/clock.js';
import { ALL_PROJECTIONS, InlineProjector, openReadModels, type Projection, type ReadModels, type ReadModelsOptions } from '../../projections/index.js';
import { synthesise } from '../../scripts/bench/projections.js';
import { dumpReadModels } from './dump.js';
import { directory } from './harness.js';

const EVENTS = 3000;

interface Damage {
  position: number;
  streamId: string;
  /** When the store stamped it. */
  created: string;
}

/** A clean fold, with the audit trail's rows of the damaged events: each at the time the store stamped it. */
const withDamaged = (dump: Record<string, string[]>, damages: readonly Pick<Damage, 'position' | 'created'>[]) => ({
  ...dump,
  audit_index: [...dump.audit_index!, ...damages.map((d) => JSON.stringify({ at: d.created, position: d.position }))].sort(),
});

/** What was reported of unreadable events: position, stream and which part. */
const skipped = (errors: unknown[]) =>
  errors.map((e) => (e instanceof UnreadableEventError ? { position: e.event.position, streamId: e.event.streamId, part: e.part, message: e.message } : { other: String(e) }));

const reported = (damage: Damage, part: 'data' | 'metadata' = 'metadata') => ({
  position: damage.position,
  streamId: damage.streamId,
  part,
  message: expect.stringContaining(`位置 ${damage.position} 的事件（流 ${damage.streamId}`) as unknown,
});

/** What was reported of an event skipped because a field of its metadata is not what the engine writes. */
const reportedField = (damage: Damage, field: string) => ({ ...reported(damage), message: expect.stringContaining(`其元数据的 ${field} 已不是系统写入的内容`) as unknown });

/** What was reported, in log order. */
const byPosition = (errors: unknown[]) => skipped(errors).sort((a, b) => Number(a.position) - Number(b.position));

describe('given a store with one event whose metadata is cut short', () => {
  let root: string;
  /** The undamaged log. */
  let whole: string;
  /** The event damaged in the middle of the log (not its case's first or last), and the last event of the log. */
  let middle: Damage;
  let middleCase: string;
  let middleCaseKey: number;
  let last: Damage;
  /** Every case of the log. */
  let caseIds: string[];
  /** The read models a clean fold of the log without the damaged rows gives. */
  let clean: Record<string, string[]>;
  /** The same, with the audit trail's rows of the two damaged events. */
  let cleanAndDamaged: Record<string, string[]>;
  let cleanCases: Map<string, unknown>;
  const open: { close(): Promise<void> }[] = [];
  let dirs = 0;

  /** A copy of the undamaged log in a folder of its own, changed by `edit` (with better-sqlite3, as a hand edit would). */
  function copy(edit: (db: Database.Database) => void): { dir: string; file: string } {
    const dir = join(root, `copy-${++dirs}`);
    mkdirSync(dir);
    const file = join(dir, 'events.db');
    copyFileSync(whole, file);
    const db = new Database(file);
    try {
      edit(db);
    } finally {
      db.close();
    }
    return { dir, file };
  }

  const cutMetadata = (db: Database.Database, position: number) =>
    db.prepare('UPDATE events SET metadata = substr(metadata, 1, length(metadata) - 3) WHERE position = ?').run(position);

  /** The damaged log: the middle event's and the last event's metadata cut short. */
  const damaged = () =>
    copy((db) => {
      cutMetadata(db, middle.position);
      cutMetadata(db, last.position);
    });

  async function storeOn(file: string): Promise<SqliteEventStore> {
    const store = new SqliteEventStore({ path: file, synchronous: 'OFF', now: systemClock.now });
    open.push(store);
    return store;
  }

  async function modelsOn(
    store: SqliteEventStore,
    dataDir: string,
    options: { errors?: unknown[]; rebuildThreads?: number; mode?: 'follow'; retryTimer?: ReadModelsOptions['retryTimer'] } = {},
  ): Promise<ReadModels> {
    const errors = options.errors ?? [];
    const models = await openReadModels({
      store,
      dataDir,
      directory,
      rebuildThreads: options.rebuildThreads ?? 1,
      parallelRebuildMinEvents: 1,
      ...(options.mode ? { mode: options.mode } : {}),
      ...(options.retryTimer ? { retryTimer: options.retryTimer } : {}),
      onError: (e) => errors.push(e),
    });
    open.push(models);
    return models;
  }

  /**
   * The rows of every case but the damaged event's own. That case is folded as what is left of it (a
   * stage entered twice, never left in between): where a unit of work ends then decides what is left
   * of it, and a follower's batches end elsewhere than a catch-up's.
   */
  const otherCases = (dump: Record<string, string[]>) =>
    Object.fromEntries(
      Object.entries(dump).map(([table, rows]) => [
        table,
        rows.filter((row) => {
          const r = JSON.parse(row) as { case_id?: unknown; case_key?: unknown };
          return r.case_id !== middleCase && r.case_key !== middleCaseKey;
        }),
      ]),
    );

  /** Every case as the case list shows it. */
  const casesOf = (models: ReadModels) => new Map(caseIds.map((id) => [id, models.case(id)]));

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'rm-unreadable-'));
    whole = join(root, 'events.db');
    const store = new SqliteEventStore({ path: whole, synchronous: 'OFF', now: systemClock.now });
    synthesise(store, directory, defaultCalendar(), { events: EVENTS, seed: 7, casesPerDay: 20 });
    const db = store.database;
    const row = db
      .prepare<[], Damage>(
        `SELECT position, stream_id AS streamId, created FROM events e WHERE revision >= 1 AND position > (SELECT max(position) / 2 FROM events)
         AND EXISTS (SELECT 1 FROM events f WHERE f.stream_id = e.stream_id AND f.revision > e.revision) ORDER BY position LIMIT 1`,
      )
      .get();
    middle = row!;
    middleCase = db.prepare<[number], string>("SELECT json_extract(metadata, '$.caseId') FROM events WHERE position = ?").pluck().get(middle.position)!;
    middleCaseKey = db.prepare<[string], number>('SELECT min(position) FROM events WHERE stream_id = ?').pluck().get(middle.streamId)!;
    last = db.prepare<[], Damage>('SELECT position, stream_id AS streamId, created FROM events ORDER BY position DESC LIMIT 1').get()!;
    caseIds = db.prepare<[], string>("SELECT DISTINCT json_extract(metadata, '$.caseId') FROM events WHERE json_extract(metadata, '$.caseId') IS NOT NULL").pluck().all();
    await store.close();

    const without = copy((d) => d.prepare('DELETE FROM events WHERE position IN (?, ?)').run(middle.position, last.position));
    const cleanStore = await storeOn(without.file);
    const models = await modelsOn(cleanStore, without.dir);
    clean = dumpReadModels(models.db);
    cleanAndDamaged = withDamaged(clean, [middle, last]);
    cleanCases = casesOf(models);
  });
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('spans many cases, and the damaged events lie inside a case and at the end of the log', () => {
    expect(caseIds.length).toBeGreaterThan(100);
    expect(middleCaseKey).toBeLessThan(middle.position);
    expect(otherCases(clean).inbox_tasks!.length).toBeGreaterThan(100);
    expect(middle.position).toBeGreaterThan(EVENTS / 2);
    expect(last.position).toBeGreaterThan(middle.position);
    expect(caseIds).toContain(middleCase);
    expect([...cleanCases.values()].every((c) => c !== undefined)).toBe(true);
  });

  it('when the read models are opened on it (inline catch-up), then they open, report each damaged event once, reach the head and equal a clean fold of the other events', async () => {
    const { dir, file } = damaged();
    const store = await storeOn(file);
    const errors: unknown[] = [];
    const models = await modelsOn(store, dir, { errors });
    expect(skipped(errors)).toEqual([reported(middle), reported(last)]);
    expect(models.position).toBe(last.position);
    expect(models.rebuilding()).toBeUndefined();
    expect(dumpReadModels(models.db)).toEqual(cleanAndDamaged);
    expect(casesOf(models)).toEqual(cleanCases);
  });

  it('when the read models that skipped them are opened again, then they are caught up and report nothing more', async () => {
    const { dir, file } = damaged();
    const first = await storeOn(file);
    await modelsOn(first, dir);
    for (const o of open.splice(0).reverse()) await o.close();
    const errors: unknown[] = [];
    const models = await modelsOn(await storeOn(file), dir, { errors });
    expect(errors).toEqual([]);
    expect(models.position).toBe(last.position);
    expect(dumpReadModels(models.db)).toEqual(cleanAndDamaged);
  });

  it('when they are rebuilt in place in this thread, then the rebuild finishes, reports each once and equals the clean fold', async () => {
    const { dir, file } = damaged();
    const store = await storeOn(file);
    const errors: unknown[] = [];
    const models = await modelsOn(store, dir, { errors });
    errors.length = 0;
    expect(await models.rebuild()).toEqual({ threads: 1 });
    expect(skipped(errors)).toEqual([reported(middle), reported(last)]);
    expect(models.position).toBe(last.position);
    expect(dumpReadModels(models.db)).toEqual(cleanAndDamaged);
    // The export still shows both, the last of the log too (its own case's last event), as lines that say so.
    const unreadable: unknown[] = [];
    for await (const line of models.exportEvents({ from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' })) {
      const parsed = JSON.parse(line) as { unreadable?: true };
      if (parsed.unreadable) unreadable.push(parsed);
    }
    expect(unreadable).toEqual([middle, last].map((d) => expect.objectContaining({ unreadable: true, position: d.position, stream: d.streamId, at: d.created })));
  });

  // Mutation QA: the export's line for a damaged event was shown whatever the viewer, and every test passed.
  it('when an auditor of another city exports the period, then no line names the damaged event of a case it may not see; its own city’s auditor is told of it', async () => {
    const { dir, file } = damaged();
    const models = await modelsOn(await storeOn(file), dir);
    const region = models.case(middleCase)!.region!;
    const city = `${region.slice(0, 4)}00`;
    const own = { role: 'auditor', org: directory.authorityOf(city)!.code };
    const other = { role: 'auditor', org: directory.list().find((o) => o.kind === 'authority' && o.level === 'city' && o.region !== city)!.code };
    const damagedLines = async (visibleTo: { role: string; org: string }) => {
      const lines: string[] = [];
      for await (const line of models.exportEvents({ from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z', visibleTo })) {
        const parsed = JSON.parse(line) as { unreadable?: true; position: number };
        if (parsed.unreadable && parsed.position === middle.position) lines.push(line);
      }
      return lines;
    };
    expect(await damagedLines(own)).toHaveLength(1);
    expect(await damagedLines(other)).toEqual([]);
  });

  it('when they are rebuilt in worker threads, then the workers finish (no fallback to this thread), each damaged event is reported once and the tables equal the clean fold', async () => {
    const { dir, file } = damaged();
    const store = await storeOn(file);
    const errors: unknown[] = [];
    const models = await modelsOn(store, dir, { errors, rebuildThreads: 3 });
    expect(skipped(errors)).toEqual(expect.arrayContaining([reported(middle), reported(last)]));
    expect(errors).toHaveLength(2);
    errors.length = 0;
    const summary = await models.rebuild();
    expect(summary.threads).toBe(3);
    expect(skipped(errors).sort((a, b) => Number(a.position) - Number(b.position))).toEqual([reported(middle), reported(last)]);
    expect(models.position).toBe(last.position);
    expect(models.rebuilding()).toBeUndefined();
    expect(dumpReadModels(models.db)).toEqual(cleanAndDamaged);
    expect(casesOf(models)).toEqual(cleanCases);
  });

  it('when a fresh database follows it (follow mode), then it reaches the head, reports each damaged event once (no retry loop) and every other case equals the clean fold', async () => {
    const { dir, file } = damaged();
    const store = await storeOn(file);
    const errors: unknown[] = [];
    // A follower that stopped at a damaged event would start again after a retry pause: every pause
    // asked for is noted (and resumed at once), so none is waited for on the clock.
    const retries: number[] = [];
    const retryTimer = (resume: () => void, ms: number) => {
      retries.push(ms);
      resume();
      return () => {};
    };
    const models = await modelsOn(store, join(dir, 'follow'), { errors, mode: 'follow', retryTimer });
    expect(await models.waitFor(last.position, 30_000)).toBe(true);
    expect(retries, 'the follower paused to start again').toEqual([]);
    expect(skipped(errors)).toEqual([reported(middle), reported(last)]);
    expect(otherCases(dumpReadModels(models.db))).toEqual(otherCases(cleanAndDamaged));
    expect(models.case(middleCase)).toEqual(cleanCases.get(middleCase));
  });

  // Compliance QA follow-up: metadata still JSON, but its `at` changed to text, threw in every fold — a rebuild
  // failed and left every read model answering 503 for good — and cut the audit export at the event.
  it('given their metadata still JSON but its `at` changed to text, when the read models are opened, rebuilt in this thread and in worker threads, and followed, then each is skipped and reported once naming the field, the tables equal the clean fold, and the export shows each as a line that says so', async () => {
    const garbled = () =>
      copy((db) => {
        for (const d of [middle, last]) db.prepare(`UPDATE events SET metadata = json_set(metadata, '$.at', '上周三') WHERE position = ?`).run(d.position);
      });
    const byField = (d: Damage) => reportedField(d, 'at');
    {
      const { dir, file } = garbled();
      const errors: unknown[] = [];
      const models = await modelsOn(await storeOn(file), dir, { errors });
      expect(byPosition(errors)).toEqual([byField(middle), byField(last)]);
      expect(dumpReadModels(models.db)).toEqual(cleanAndDamaged);
      errors.length = 0;
      expect(await models.rebuild()).toEqual({ threads: 1 });
      expect(byPosition(errors)).toEqual([byField(middle), byField(last)]);
      expect(dumpReadModels(models.db)).toEqual(cleanAndDamaged);
      const lines: { unreadable?: true; position: number; reason?: string }[] = [];
      for await (const line of models.exportEvents({ from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' })) lines.push(JSON.parse(line));
      expect(lines.at(-1)?.position).toBe(last.position);
      expect(lines.filter((l) => l.unreadable)).toEqual(
        [middle, last].map((d) => expect.objectContaining({ unreadable: true, position: d.position, stream: d.streamId, at: d.created, reason: expect.stringContaining('其元数据的 at 已不是系统写入的内容') })),
      );
    }
    {
      const { dir, file } = garbled();
      const errors: unknown[] = [];
      const models = await modelsOn(await storeOn(file), dir, { errors, rebuildThreads: 3 });
      errors.length = 0;
      expect((await models.rebuild()).threads).toBe(3);
      expect(byPosition(errors)).toEqual([byField(middle), byField(last)]);
      expect(dumpReadModels(models.db)).toEqual(cleanAndDamaged);
    }
    {
      const { dir, file } = garbled();
      const errors: unknown[] = [];
      const models = await modelsOn(await storeOn(file), join(dir, 'follow'), { errors, mode: 'follow', retryTimer: (resume) => (resume(), () => {}) });
      expect(await models.waitFor(last.position, 30_000)).toBe(true);
      expect(byPosition(errors)).toEqual([byField(middle), byField(last)]);
      expect(otherCases(dumpReadModels(models.db))).toEqual(otherCases(cleanAndDamaged));
    }
  });

  // QA of the compliance changes: an event of a case in another city copied into a case's stream was folded as that
  // case's, its parties with it — the other city's auditor saw the case and its events, its own city's got 404.
  it('given events of another city’s case copied over them (their metadata naming the case they came from), when the read models are opened and rebuilt in worker threads, then each is skipped and reported once naming caseId, the case keeps its own parties, and only its own city’s auditor is told of it', async () => {
    const cityOfRegion = (region: string) => `${region.slice(0, 4)}00`;
    const middleCity = cityOfRegion((cleanCases.get(middleCase) as { region: string }).region);
    let sourceCity = '';
    const copied = () =>
      copy((db) => {
        for (const d of [middle, last]) {
          const source = db
            .prepare<[string, string], { metadata: string; region: string }>(
              `SELECT metadata, json_extract(metadata, '$.parties.region') AS region FROM events
               WHERE substr(json_extract(metadata, '$.parties.region'), 1, 4) <> substr(?, 1, 4) AND stream_id <> ? ORDER BY position LIMIT 1`,
            )
            .get(middleCity, d.streamId)!;
          if (d === middle) sourceCity = cityOfRegion(source.region);
          db.prepare('UPDATE events SET metadata = ? WHERE position = ?').run(source.metadata, d.position);
        }
      });
    const byField = (d: Damage) => reportedField(d, 'caseId');
    {
      const { dir, file } = copied();
      const errors: unknown[] = [];
      const models = await modelsOn(await storeOn(file), dir, { errors });
      expect(byPosition(errors)).toEqual([byField(middle), byField(last)]);
      expect(dumpReadModels(models.db)).toEqual(cleanAndDamaged);
      // Each case as its own events make it: the last event's case too, the copy its last (as in the QA's repro).
      expect(casesOf(models)).toEqual(cleanCases);
      expect(sourceCity).not.toBe(middleCity);
      const auditorOf = (city: string) => ({ role: 'auditor', org: directory.authorityOf(city)!.code });
      const linesOfMiddle = async (visibleTo: { role: string; org: string }) => {
        const lines: { unreadable?: true; position: number; stream?: string; reason?: string }[] = [];
        for await (const line of models.exportEvents({ from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z', visibleTo })) {
          const parsed = JSON.parse(line) as { unreadable?: true; position: number; stream?: string; reason?: string };
          if (parsed.stream === middle.streamId) lines.push(parsed);
        }
        return lines;
      };
      const own = await linesOfMiddle(auditorOf(middleCity));
      expect(own.filter((l) => l.unreadable)).toEqual([expect.objectContaining({ position: middle.position, reason: expect.stringContaining('其元数据的 caseId 已不是系统写入的内容') })]);
      expect(own.length).toBeGreaterThan(1);
      expect(await linesOfMiddle(auditorOf(sourceCity))).toEqual([]);
    }
    {
      const { dir, file } = copied();
      const errors: unknown[] = [];
      const models = await modelsOn(await storeOn(file), dir, { errors, rebuildThreads: 3 });
      errors.length = 0;
      expect((await models.rebuild()).threads).toBe(3);
      expect(byPosition(errors)).toEqual([byField(middle), byField(last)]);
      expect(dumpReadModels(models.db)).toEqual(cleanAndDamaged);
      // Each case as its own events make it: the last event's case too, the copy its last (as in the QA's repro).
      expect(casesOf(models)).toEqual(cleanCases);
    }
  });

  it('when another process appends an event that is then damaged, then the next append here folds past it inside its own transaction, reports it, and is stored', async () => {
    const { dir, file } = damaged();
    const store = await storeOn(file);
    const errors: unknown[] = [];
    const models = await modelsOn(store, dir, { errors });
    errors.length = 0;
    // Another process on the same file, with no read models of its own.
    const other = await storeOn(file);
    const theirs = await other.appendToStream(`other-${randomUUID()}`, [{ id: randomUUID(), type: 'Other', data: {}, metadata: { at: '2026-01-05T00:00:00.000Z' } }]);
    store.database.prepare('UPDATE events SET metadata = substr(metadata, 1, length(metadata) - 3) WHERE position = ?').run(theirs.position);
    const ours = await store.appendToStream(`other-${randomUUID()}`, [{ id: randomUUID(), type: 'Other', data: {}, metadata: {} }]);
    expect(ours.position).toBe(theirs.position + 1);
    expect(skipped(errors)).toEqual([{ position: theirs.position, streamId: expect.stringMatching(/^other-/) as unknown, part: 'metadata', message: expect.any(String) as unknown }]);
    expect(models.position).toBe(ours.position);
    const created = store.database.prepare<[number], string>('SELECT created FROM events WHERE position = ?').pluck().get(theirs.position)!;
    expect(dumpReadModels(models.db)).toEqual(withDamaged(cleanAndDamaged, [{ position: theirs.position, created }]));
  });
});

describe('given a store with one event whose data is cut short', () => {
  let root: string;
  let file: string;
  let damage: Damage;
  /** The read models of the undamaged log. */
  let whole: Record<string, string[]>;
  const open: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'rm-unreadable-data-'));
    file = join(root, 'events.db');
    const store = new SqliteEventStore({ path: file, synchronous: 'OFF', now: systemClock.now });
    synthesise(store, directory, defaultCalendar(), { events: 500, seed: 8, casesPerDay: 20 });
    const models = await openReadModels({ store, dataDir: root, directory, rebuildThreads: 1 });
    whole = dumpReadModels(models.db);
    await models.close();
    damage = store.database.prepare<[], Damage>("SELECT position, stream_id AS streamId FROM events WHERE length(data) > 3 AND position > 200 ORDER BY position LIMIT 1").get()!;
    store.database.prepare('UPDATE events SET data = substr(data, 1, length(data) - 3) WHERE position = ?').run(damage.position);
    await store.close();
  });
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('when a read model that reads event data is rebuilt, then its fold does not throw: it reads null for that event, which is reported, and the read models of metadata fold it as before', async () => {
    const store = new SqliteEventStore({ path: file, synchronous: 'OFF', now: systemClock.now });
    open.push(store);
    const seen = new Map<number, unknown>();
    const readsData: Projection = {
      name: 'readsData',
      version: 1,
      setup() {},
      clear() {
        seen.clear();
      },
      apply(event: RecordedEvent) {
        seen.set(event.position, event.data);
      },
    };
    const errors: unknown[] = [];
    const projector = new InlineProjector(store, [...ALL_PROJECTIONS, readsData], { onError: (e) => errors.push(e) });
    open.push(projector);
    await projector.start();
    errors.length = 0;
    await projector.rebuild();
    expect(skipped(errors)).toEqual([reported(damage, 'data')]);
    expect(seen.get(damage.position)).toBeNull();
    expect(seen.get(damage.position - 1)).toBeTypeOf('object');
    expect(seen.get(damage.position - 1)).not.toBeNull();
    expect(projector.position).toBe(await store.headPosition());
    expect(dumpReadModels(projector.db)).toEqual(whole);
  });
});
