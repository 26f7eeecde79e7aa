/**
 * The projections runner (projections/runner.ts), behaviour a mutation-testing pass could break with
 * every other test passing. Each read model here is a tiny counting projection: the real read models
 * tolerate an event folded twice, so only a counter tells an event folded twice or never.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { systemClock } from '../../infra/clock.js';
import { FollowProjector, InlineProjector, type Db, type Projection } from '../../projections/runner.js';

/** A read model counting the events folded into it: table `name`, one row per event. */
function counter(name: string, version = 1): Projection {
  return {
    name,
    version,
    setup(db: Db) {
      db.exec(`CREATE TABLE IF NOT EXISTS ${name} (position INTEGER NOT NULL)`);
    },
    apply(event, db: Db) {
      db.prepare(`INSERT INTO ${name} (position) VALUES (?)`).run(event.position);
    },
    clear(db: Db) {
      db.exec(`DROP TABLE IF EXISTS ${name}`);
    },
  };
}

const counted = (db: Db, name: string): number => db.prepare(`SELECT count(*) FROM ${name}`).pluck().get() as number;
const checkpoint = (db: Db, name: string): { version: number; position: number } | undefined =>
  db.prepare<[string], { version: number; position: number }>('SELECT version, position FROM projection_checkpoints WHERE name = ?').get(name);

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rm-runner-'));
  file = join(dir, 'events.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const open = () => new SqliteEventStore({ path: file, now: systemClock.now });
const append = (store: SqliteEventStore, stream: string) => store.appendToStream(stream, [{ id: `${stream}-e`, type: 'T', data: {} }]);

describe('events another connection appended without folding them', () => {
  // Mutation QA (pass 3): an append could fold only its own events, and the checkpoint jump over events another connection appended without folding (an older build, a raw script) — lost for good.
  it('given a bare store on the same file that appended 3 events, when this server appends 1, then the read model holds all 4 and its checkpoint is 4', async () => {
    const a = open();
    const projector = new InlineProjector(a, [counter('c')]);
    await projector.start();
    const b = open();
    try {
      for (let i = 0; i < 3; i++) await append(b, `b-${i}`);
      await append(a, 'a-1');
      expect(counted(a.database, 'c')).toBe(4);
      expect(checkpoint(a.database, 'c')?.position).toBe(4);
    } finally {
      await projector.close();
      await b.close();
      await a.close();
    }
  });
});

describe('follow mode: waiting for the position an append was answered with', () => {
  // Mutation QA (pass 3): a follow-mode wait for exactly the position just folded could stay unanswered until its bound (only a later position answered it), every read with minPosition held the whole timeout.
  it('given a read waiting for the next position, when an append is answered with it and followed, then the wait answers true', async () => {
    const store = open();
    const db = new Database(join(dir, 'read-models.db'));
    const projector = new FollowProjector(store, db, [counter('c')]);
    projector.start();
    try {
      // Waiting before the append: the wait is surely one the fold must answer, not one found already there.
      const waited = projector.waitFor(1, 2000);
      const { position } = await append(store, 's-1');
      expect(position).toBe(1);
      expect(await waited).toBe(true);
      expect(counted(db, 'c')).toBe(1);
      expect(await projector.waitFor(position, 2000)).toBe(true);
    } finally {
      await projector.close();
      db.close();
      await store.close();
    }
  });
});

describe('a catch-up whose read model another process marks unfinished', () => {
  // Mutation QA (pass 3): a catch-up could go on folding a read model another process marked unfinished (version −1, its rebuild) between two batches, writing its checkpoint back over the mark.
  it('given a catch-up in batches of 2, when another connection marks inbox unfinished after the first batch, then inbox is folded no further and its checkpoint stays unfinished', async () => {
    const writer = open();
    for (let i = 0; i < 10; i++) await append(writer, `s-${i}`);
    await writer.close();
    const store = open();
    const other = new Database(file);
    other.pragma('busy_timeout = 5000');
    const projector = new InlineProjector(store, [counter('a'), counter('inbox')], { batchSize: 2 });
    let foldedWhenMarked: number | undefined;
    try {
      await projector.start((done) => {
        if (done === 0 || foldedWhenMarked !== undefined) return;
        other.prepare("UPDATE projection_checkpoints SET version = -1, position = 0 WHERE name = 'inbox'").run();
        foldedWhenMarked = counted(store.database, 'inbox');
      });
      expect(foldedWhenMarked).toBe(2);
      expect(counted(store.database, 'inbox')).toBe(foldedWhenMarked);
      expect(checkpoint(store.database, 'inbox')).toEqual({ version: -1, position: 0 });
      expect(checkpoint(store.database, 'a')).toEqual({ version: 1, position: 10 });
      expect(counted(store.database, 'a')).toBe(10);
    } finally {
      await projector.close();
      other.close();
      await store.close();
    }
  });
});

/** A rebuild worker that never ends (nor writes its scratch file): the workers' stretch of a parallel rebuild, held still. */
const stalledWorker = new URL('data:text/javascript,setInterval(() => {}, 1 << 30)');

describe('a parallel rebuild while its workers run', () => {
  // Mutation QA (pass 3): a parallel rebuild could leave its read models' checkpoints at their version (reset to 0) while its workers run, rather than unfinished: another server would fold its appends into tables the merge then overwrites.
  it('given read models current on a 5-event log, when they are rebuilt in 2 workers that have not finished, then every checkpoint says unfinished and a projector beside it reports rebuilding', async () => {
    const store = open();
    const beside = open();
    const projections = [counter('a'), counter('b')];
    const projector = new InlineProjector(store, projections, { parallel: { entry: stalledWorker, threads: 2, minEvents: 1 } });
    const other = new InlineProjector(beside, projections);
    await projector.start();
    await other.start();
    for (let i = 0; i < 5; i++) await append(store, `s-${i}`);
    expect(other.rebuilding()).toBeUndefined();
    let started!: () => void;
    const workersStarting = new Promise<void>((resolve) => (started = resolve));
    const rebuild = projector.rebuild(undefined, (done, total, phase = 'fold') => {
      if (phase === 'fold' && done === 0 && total === 5) started();
    });
    try {
      await workersStarting;
      // The workers were started in the same turn as the progress's first word: they run now.
      const rows = beside.database.prepare('SELECT name, version FROM projection_checkpoints ORDER BY name').all();
      expect(rows).toEqual([
        { name: 'a', version: -1 },
        { name: 'b', version: -1 },
      ]);
      expect(other.rebuilding()).toBeDefined();
    } finally {
      await projector.close();
      await rebuild;
      await other.close();
      await beside.close();
      await store.close();
    }
  });
});

describe('read models at different checkpoints', () => {
  // Mutation QA (pass 3): a fold could apply again the event at a read model's checkpoint when read models sit at different checkpoints (every real read model tolerates the replay).
  it('given counters a and b at version 1 over 5 events, when the runner restarts with b at version 2, then b is rebuilt to 5 and a still counts 5', async () => {
    let store = open();
    let projector = new InlineProjector(store, [counter('a'), counter('b')]);
    await projector.start();
    for (let i = 0; i < 5; i++) await append(store, `s-${i}`);
    expect(counted(store.database, 'a')).toBe(5);
    await projector.close();
    await store.close();
    store = open();
    projector = new InlineProjector(store, [counter('a'), counter('b', 2)]);
    try {
      await projector.start();
      expect(counted(store.database, 'b')).toBe(5);
      expect(counted(store.database, 'a')).toBe(5);
      expect(checkpoint(store.database, 'a')).toEqual({ version: 1, position: 5 });
      expect(checkpoint(store.database, 'b')).toEqual({ version: 2, position: 5 });
    } finally {
      await projector.close();
      await store.close();
    }
  });
});

/**
 * A rebuild worker folding the counters `a` and `b` (as `counter` does) through the runner's own
 * `runRebuildWorker`: a data: URL, which loads the TypeScript sources through tsx's ESM API itself.
 */
function countingWorker(): URL {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const { exports } = require(manifest) as { exports: Record<string, { import?: { default?: string } }> };
  const tsx = pathToFileURL(join(dirname(manifest), exports['./esm/api']!.import!.default!)).href;
  const runner = new URL('../../projections/runner.ts', import.meta.url).href;
  const script = `
import { parentPort, workerData } from 'node:worker_threads';
(await import(${JSON.stringify(tsx)})).register();
const { runRebuildWorker } = await import(${JSON.stringify(runner)});
const counter = (name) => ({
  name,
  version: 1,
  setup: (db) => db.exec(\`CREATE TABLE IF NOT EXISTS \${name} (position INTEGER NOT NULL)\`),
  apply: (event, db) => db.prepare(\`INSERT INTO \${name} (position) VALUES (?)\`).run(event.position),
  clear: (db) => db.exec(\`DROP TABLE IF EXISTS \${name}\`),
});
runRebuildWorker(workerData, [counter('a'), counter('b')], (folded) => parentPort.postMessage({ folded }));
`;
  return new URL(`data:text/javascript,${encodeURIComponent(script)}`);
}

describe('a parallel rebuild merged', () => {
  // Mutation QA (pass 3): after a parallel rebuild's merge, the checkpoints could be written one short of the head the workers folded to, and the event at the head folded a second time (every real read model tolerates the replay).
  it('given counters a and b over 5 events, when rebuilt in 2 worker threads, then each checkpoint is the head and each counter counts 5', async () => {
    const store = open();
    const errors: unknown[] = [];
    const projector = new InlineProjector(store, [counter('a'), counter('b')], { parallel: { entry: countingWorker(), threads: 2, minEvents: 1 }, onError: (e) => errors.push(e) });
    try {
      await projector.start();
      for (let i = 0; i < 5; i++) await append(store, `s-${i}`);
      expect(await projector.rebuild()).toEqual({ threads: 2 });
      expect(errors).toEqual([]);
      expect(checkpoint(store.database, 'a')).toEqual({ version: 1, position: 5 });
      expect(checkpoint(store.database, 'b')).toEqual({ version: 1, position: 5 });
      expect(counted(store.database, 'a')).toBe(5);
      expect(counted(store.database, 'b')).toBe(5);
    } finally {
      await projector.close();
      await store.close();
    }
  });
});

describe('waiting for the last position the log gave while the read models catch up', () => {
  // Mutation QA (pass 3): a wait for the last position the log assigned, while the read models were behind it, could be answered false at once ("a position the log never gave") instead of waiting until they caught up.
  it('given 10 events and read models catching up in batches of 2, when a read waits for position 10 before the first batch, then it is answered true once they are caught up', async () => {
    const writer = open();
    for (let i = 0; i < 10; i++) await append(writer, `s-${i}`);
    await writer.close();
    const store = open();
    const projector = new InlineProjector(store, [counter('a')], { batchSize: 2 });
    let waited: Promise<boolean> | undefined;
    try {
      await projector.start((done) => {
        if (waited) return;
        expect(done).toBe(0);
        waited = projector.waitFor(10, 5000);
      });
      expect(await waited).toBe(true);
      expect(projector.position).toBe(10);
    } finally {
      await projector.close();
      await store.close();
    }
  });
});

describe('an append while one read model is rebuilt', () => {
  // Mutation QA (pass 3): rebuild() could leave the read model it rebuilds attached, so an append during the rebuild folded it behind the rebuild's back and reads were told it was current.
  it('given counters a and inbox over 20 events, when inbox alone is rebuilt in batches of 1 and an event is appended after its first batch, then the append folds a but not inbox, and the read models are told as rebuilding until it ends', async () => {
    const store = open();
    const projector = new InlineProjector(store, [counter('a'), counter('inbox')], { batchSize: 1 });
    try {
      await projector.start();
      for (let i = 0; i < 20; i++) await append(store, `s-${i}`);
      let appended: Promise<void> | undefined;
      let seen: { a?: number; inbox?: number; rebuilding: boolean; batches: number } | undefined;
      let batches = 0;
      await projector.rebuild('inbox', (done) => {
        if (done > 0) batches++;
        if (batches !== 1 || appended) return;
        appended = append(store, 'during').then(() => {
          seen = { a: checkpoint(store.database, 'a')?.position, inbox: checkpoint(store.database, 'inbox')?.position, rebuilding: projector.rebuilding() !== undefined, batches };
        });
      });
      await appended;
      expect(seen).toEqual({ a: 21, inbox: expect.any(Number), rebuilding: true, batches: expect.any(Number) });
      expect(seen!.inbox).toBeLessThan(21);
      expect(seen!.batches).toBeLessThan(20);
      expect(counted(store.database, 'inbox')).toBe(21);
      expect(counted(store.database, 'a')).toBe(21);
    } finally {
      await projector.close();
      await store.close();
    }
  });
});

describe('the case keys of a log cut back under the read models', () => {
  // Mutation QA (pass 3): read models found ahead of a log cut back to a case's first event could forget that case's key too (only the keys of cases past the new head are gone from the log).
  it('given 5 cases keyed by their first events (positions 1 to 5), when the log is cut back to position 3 and the read models start ahead of it, then the keys of cases 1 to 3 are kept and those of 4 and 5 forgotten', async () => {
    let store = open();
    let projector = new InlineProjector(store, [counter('a')]);
    await projector.start();
    for (let i = 1; i <= 5; i++) await append(store, `case-${i}`);
    // The keys the read models keyed by case keep: each case's first event (projections/caseKeys.ts).
    store.database.exec('CREATE TABLE projection_case_keys (case_id TEXT PRIMARY KEY, case_key INTEGER NOT NULL) WITHOUT ROWID');
    for (let i = 1; i <= 5; i++) store.database.prepare('INSERT INTO projection_case_keys (case_id, case_key) VALUES (?, ?)').run(`case-${i}`, i);
    await projector.close();
    await store.close();
    // An older backup of the log restored under the read models: its head is case-3's first event.
    const raw = new Database(file);
    raw.transaction(() => {
      raw.prepare('DELETE FROM events WHERE position > 3').run();
      raw.prepare("UPDATE sqlite_sequence SET seq = 3 WHERE name = 'events'").run();
    })();
    raw.close();
    const told: unknown[] = [];
    store = open();
    projector = new InlineProjector(store, [counter('a')], { onError: (e) => told.push(e) });
    try {
      await projector.start();
      expect(told).toHaveLength(1);
      expect(store.database.prepare('SELECT case_id, case_key FROM projection_case_keys ORDER BY case_key').all()).toEqual([
        { case_id: 'case-1', case_key: 1 },
        { case_id: 'case-2', case_key: 2 },
        { case_id: 'case-3', case_key: 3 },
      ]);
      expect(checkpoint(store.database, 'a')).toEqual({ version: 1, position: 3 });
    } finally {
      await projector.close();
      await store.close();
    }
  });
});
