/**
 * Read models whose checkpoint is past the end of the log: an older backup of the log restored under
 * newer read models (EventStoreDB's backup restored while readmodels.db is kept; with the embedded
 * store, a torn copy or read models copied from elsewhere). Here the log of a store file is cut back
 * to where a backup would have left it (its last events deleted, its position counter set back), the
 * read models left as they were. Commands stored after that land at positions the read models'
 * checkpoints already passed: folding from the checkpoints would skip them for good, and the inbox,
 * the case list and the overdue report would never show those cases. The read models must notice,
 * say so, and be rebuilt from position 0 — then they equal a clean fold of the log as it now is.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DEADLINE_RULES, SHIPPED_NOTICES, WorkingDayCalendar } from '../../calendars/index.js';
import { CalendarInForce } from '../../engine/calendarInForce.js';
import { Engine } from '../../engine/engine.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { ManualClock } from '../../infra/clock.js';
import { registry } from '../../machines/registry.js';
import { openReadModels, ReadModelsAheadOfLog, type ReadModels } from '../../projections/index.js';
import { actors } from '../machines/examples.js';
import { dumpReadModels } from './dump.js';
import { actorOf, directory, startInput } from './harness.js';

interface Node {
  store: SqliteEventStore;
  engine: Engine;
  models: ReadModels;
  told: unknown[];
  close(): Promise<void>;
}

const clock = new ManualClock('2025-11-03T01:30:00.000Z');

/** A server on `dir`'s store file: its store, engine and read models (`mode`), and what the read models told `onError`. */
async function node(dir: string, mode: 'inline' | 'follow' = 'inline'): Promise<Node> {
  const store = new SqliteEventStore({ path: join(dir, 'events.db'), synchronous: 'OFF', now: () => clock.now() });
  const calendar = await CalendarInForce.open(store, clock, WorkingDayCalendar.fromNotices(SHIPPED_NOTICES));
  const engine = new Engine({ store, registry, directory, clock, calendar: () => calendar.current(), deadlines: DEFAULT_DEADLINE_RULES });
  const told: unknown[] = [];
  const models = await openReadModels({ store, dataDir: dir, directory, mode, calendar: () => calendar.current(), rebuildThreads: 1, onError: (e) => told.push(e) });
  return {
    store,
    engine,
    models,
    told,
    async close() {
      await models.close();
      await store.close();
    },
  };
}

/** Starts a company's conditional application to `provider`: one case, its first task due in working days. */
async function startCase(n: Node, provider: string): Promise<string> {
  clock.advance(3_600_000);
  const process = 'conditionalApplication';
  const starter = registry.latest(process)!.start.actors[0]!.role === 'provider' ? actorOf(provider, 'provider') : actors.company;
  const { caseId } = await n.engine.start({ process, input: startInput(process, provider, actors.company), actor: starter });
  return caseId;
}

/** The log cut back to `position`, as an older backup of it holds it: later events gone, the next append at `position + 1`. */
function restoreOlderLog(dir: string, position: number): void {
  const db = new Database(join(dir, 'events.db'));
  try {
    db.transaction(() => {
      db.prepare('DELETE FROM events WHERE position > ?').run(position);
      db.prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'events'").run(position);
    })();
  } finally {
    db.close();
  }
}

/** The read models a clean fold of `dir`'s log makes (follow mode, into a folder of its own). */
async function cleanFold(dir: string): Promise<Record<string, string[]>> {
  const store = new SqliteEventStore({ path: join(dir, 'events.db'), synchronous: 'OFF', now: () => clock.now() });
  const elsewhere = mkdtempSync(join(tmpdir(), 'rm-ahead-clean-'));
  const models = await openReadModels({ store, dataDir: elsewhere, directory, mode: 'follow' });
  try {
    expect(await models.waitFor(await store.headPosition(), 10_000)).toBe(true);
    return dumpReadModels(models.db);
  } finally {
    await models.close();
    await store.close();
    rmSync(elsewhere, { recursive: true, force: true });
  }
}

/** Reads (as the API does) until the read models answer as current, `rounds` at most. */
async function settle(models: ReadModels, rounds = 500): Promise<void> {
  for (let i = 0; i < rounds && models.rebuilding(); i++) {
    // Time for the rebuild under way (a wait for a position no event has, which now answers at once, gave it).
    await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The case is in the inbox of its first task's owner, in the case list, and in the overdue report a year on. */
async function shown(n: Node, caseId: string): Promise<{ inbox: boolean; caseList: boolean; overdue: boolean }> {
  const task = (await n.engine.getCase(caseId)).tasks[0]!;
  const asOf = '2027-01-01T00:00:00.000Z';
  const inbox = n.models.inbox({ caller: { role: task.role, org: task.org }, asOf, limit: 200 }).items.some((i) => i.caseId === caseId);
  const caseList = n.models.case(caseId) !== undefined;
  const overdue = n.models.overdueReport({ asOf }).items.some((i) => i.caseId === caseId);
  return { inbox, caseList, overdue };
}

const aheadNotice = (told: unknown[]) => told.filter((e) => e instanceof ReadModelsAheadOfLog).map((e) => (e as Error).message);

describe('given read models whose checkpoints are past the end of the log (an older backup of the log restored under them)', () => {
  const dirs: string[] = [];
  const nodes: Node[] = [];
  const temp = () => {
    const d = mkdtempSync(join(tmpdir(), 'rm-ahead-'));
    dirs.push(d);
    return d;
  };
  afterEach(async () => {
    for (const n of nodes.splice(0).reverse()) await n.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** A store with read models at `checkpoint`, whose log is then cut back to `backup` (the position the backup was taken at). */
  async function restored(mode: 'inline' | 'follow'): Promise<{ dir: string; backup: number; checkpoint: number }> {
    const dir = temp();
    const first = await node(dir, mode);
    for (let i = 0; i < 3; i++) await startCase(first, '370100-gaj');
    const backup = await first.store.headPosition();
    for (let i = 0; i < 4; i++) await startCase(first, '370200-gaj');
    const checkpoint = await first.store.headPosition();
    expect(await first.models.waitFor(checkpoint, 5_000)).toBe(true);
    await first.close();
    restoreOlderLog(dir, backup);
    return { dir, backup, checkpoint };
  }

  for (const mode of ['inline', 'follow'] as const) {
    it(`when a server (${mode} read models) starts on them and a case is started, then it says which read models are ahead of the log and that it rebuilds them, and the case is in the inbox, the case list and the overdue report`, async () => {
      const { dir, backup, checkpoint } = await restored(mode);
      const server = await node(dir, mode);
      nodes.push(server);
      const caseId = await startCase(server, '370102-scjgj');
      expect(await server.store.headPosition()).toBeLessThanOrEqual(checkpoint);
      expect(await server.models.waitFor(await server.store.headPosition(), 5_000)).toBe(true);
      await settle(server.models);

      expect(await shown(server, caseId)).toEqual({ inbox: true, caseList: true, overdue: true });
      expect(server.models.rebuilding()).toBeUndefined();
      expect(dumpReadModels(server.models.db)).toEqual(await cleanFold(dir));
      const [notice, ...more] = aheadNotice(server.told);
      expect(more).toEqual([]);
      expect(notice).toContain('inbox');
      expect(notice).toContain(`检查点 ${checkpoint}`);
      expect(notice).toContain(`末尾（位置 ${backup}）`);
      expect(notice).toContain('从位置 0 重建');
    });
  }

  it('when the log is cut back under a running server (inline) and a case is started, then the append finds the read models ahead of it, they are rebuilt, and the case is in the inbox, the case list and the overdue report', async () => {
    const dir = temp();
    const server = await node(dir);
    nodes.push(server);
    for (let i = 0; i < 3; i++) await startCase(server, '370100-gaj');
    const backup = await server.store.headPosition();
    for (let i = 0; i < 4; i++) await startCase(server, '370200-gaj');
    const checkpoint = await server.store.headPosition();
    restoreOlderLog(dir, backup);

    const caseId = await startCase(server, '370102-scjgj');
    expect(await server.store.headPosition()).toBeLessThanOrEqual(checkpoint);
    await settle(server.models);

    expect(await shown(server, caseId)).toEqual({ inbox: true, caseList: true, overdue: true });
    expect(server.models.rebuilding()).toBeUndefined();
    expect(dumpReadModels(server.models.db)).toEqual(await cleanFold(dir));
    expect(aheadNotice(server.told)).toHaveLength(1);
  });

  it('when the log is cut back under a running server (inline) and it is read before anything is appended, then it answers that the read models are being rebuilt, not the cases the log no longer has', async () => {
    const dir = temp();
    const server = await node(dir);
    nodes.push(server);
    for (let i = 0; i < 3; i++) await startCase(server, '370100-gaj');
    const backup = await server.store.headPosition();
    const gone = await startCase(server, '370200-gaj');
    restoreOlderLog(dir, backup);

    expect(server.models.rebuilding()).toBeDefined();
    await settle(server.models);
    expect(server.models.rebuilding()).toBeUndefined();
    expect(server.models.case(gone)).toBeUndefined();
    expect(dumpReadModels(server.models.db)).toEqual(await cleanFold(dir));
    expect(aheadNotice(server.told)).toHaveLength(1);
  });
});
