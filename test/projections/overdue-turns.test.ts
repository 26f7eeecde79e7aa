/**
 * The overdue report made in turns of the event loop (sla.ts `overdueReportInTurns`), on a
 * read-only connection of its own: the report made in one go, item for item and count for count,
 * whatever the filters; a turn every few items; one snapshot across the turns, while commands are
 * stored beside it; and its JSON and CSV, written in pieces, are what `JSON.stringify` and `toCsv` write.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld } from '../engine/world.js';
import { actors, startInputs } from '../machines/examples.js';
import { openReadModels, overdueCsvPieces, overdueJsonPieces, overdueReportInTurns, toCsv, type OverdueQuery } from '../../projections/index.js';
import { registry } from '../../machines/registry.js';
import { directory, drive, world, type World } from './harness.js';

const DAY = 86_400_000;
let w: World;
let reader: Database.Database;

beforeAll(async () => {
  w = await world({ start: '2025-11-20T01:30:00.000Z' });
  await drive(w, { commands: 600, seed: 7 });
  reader = new Database(join(w.dir, 'events.db'), { readonly: true, fileMustExist: true });
}, 60_000);
afterAll(async () => {
  reader.close();
  await w.close();
});

type Filters = Omit<OverdueQuery, 'asOf' | 'directory' | 'calendar'>;
const inTurns = (query: Filters & { asOf: Date }, turn: () => Promise<void>) =>
  overdueReportInTurns(reader, { ...query, directory, calendar: w.calendar.current() }, { itemsPerTurn: 3, turn });

describe('the overdue report made in turns of 3 items', () => {
  const filters: [string, () => Filters][] = [
    ['none', () => ({})],
    ['the province', () => ({ region: '370000' })],
    ['a city', () => ({ region: '370100' })],
    ['a county', () => ({ region: '370102' })],
    // An organisation leads SQLite to other indexes, in no deadline order: the items are sorted.
    ['the organisation with most items', () => ({ org: mostItems() })],
    ['a process', () => ({ process: 'objection' })],
    ['a basis', () => ({ basis: 'statute' })],
    ['a period', () => ({ from: '2025-12-01T00:00:00Z', to: '2026-02-01T00:00:00Z' })],
  ];
  const mostItems = () => {
    const counts = new Map<string, number>();
    for (const i of w.models.overdueReport({ asOf: w.clock.now() }).items) counts.set(i.org, (counts.get(i.org) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  };

  it.each(filters)('given filter: %s, then the report made in one go, to the byte, with a turn every 3 items', async (_name, f) => {
    const asOf = w.clock.now();
    const whole = w.models.overdueReport({ asOf, ...f() });
    let turns = 0;
    const made = await inTurns({ asOf, ...f() }, async () => {
      turns++;
    });
    expect(made).toEqual(whole);
    expect(JSON.stringify(made)).toBe(JSON.stringify(whole));
    expect(turns).toBeGreaterThanOrEqual(Math.floor(whole.items.length / 3));
    // Its read transaction ended with it.
    expect(reader.inTransaction).toBe(false);
  });

  it('given the whole report, then it has items enough to be made in many turns', () => {
    expect(w.models.overdueReport({ asOf: w.clock.now() }).items.length).toBeGreaterThan(30);
  });

  it('given commands stored at its turns, then they were not held, and it is the report of the moment it began (items and counts of one snapshot)', async () => {
    // Tasks opened now are past their deadline 60 days on.
    const asOf = new Date(w.clock.now().getTime() + 60 * DAY);
    const before = w.models.overdueReport({ asOf });
    let started = 0;
    const made = await inTurns({ asOf }, async () => {
      if (started === 5) return;
      started++;
      await w.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company });
    });
    expect(started).toBe(5);
    const after = w.models.overdueReport({ asOf });
    expect(after.items.length).toBe(before.items.length + 5);
    expect(made).toEqual(before);
  });

  it('given a turn that fails, then the error is the report’s and its read transaction ends', async () => {
    await expect(
      inTurns({ asOf: w.clock.now() }, async () => {
        throw new Error('turn refused');
      }),
    ).rejects.toThrow('turn refused');
    expect(reader.inTransaction).toBe(false);
  });
});

describe('the overdue report written in pieces', () => {
  const processTitle = (process: string) => registry.latest(process)?.title;
  it.each([
    ['now', () => w.clock.now()],
    ['before any case (empty)', () => new Date('2025-01-01T00:00:00Z')],
  ])('given the report %s, then its JSON in pieces of 3 is JSON.stringify’s, its CSV (items, by organisation) toCsv’s', (_name, at) => {
    const report = w.models.overdueReport({ asOf: at() });
    expect([...overdueJsonPieces(report, 3)].join('')).toBe(JSON.stringify(report));
    for (const table of [undefined, 'items', 'byOrg'] as const) {
      const options = { processTitle, ...(table ? { table } : {}) };
      expect([...overdueCsvPieces(report, options, 3)].join('')).toBe(toCsv(report, options));
    }
  });
});

describe('read models in memory, which no second connection can open', () => {
  it('given a store in memory, then the report is made in one go, as overdueReport makes it', async () => {
    const mem = await createWorld();
    const models = await openReadModels({ store: mem.store, dataDir: '/nonexistent', directory, calendar: () => mem.calendar.current(), turns: { turn: () => Promise.reject(new Error('no turn in memory')) } });
    try {
      await mem.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company });
      const asOf = new Date(mem.clock.now().getTime() + 60 * DAY);
      const made = await models.overdueReportInTurns({ asOf });
      expect(made.items).toHaveLength(1);
      expect(made).toEqual(models.overdueReport({ asOf }));
    } finally {
      await models.close();
      await mem.close();
    }
  });
});
