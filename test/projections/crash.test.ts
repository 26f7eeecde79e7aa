/**
 * Crash safety of the checkpointed runner: given a store with many events, when a projector in
 * its own process (one small batch per transaction) is killed with SIGKILL at random points,
 * again and again, and finally allowed to finish, then its read models equal a clean rebuild —
 * no event lost, none applied twice.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { Directory } from '../../directory/directory.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { ALL_PROJECTIONS, openReadModels } from '../../projections/index.js';
import { appliedProbe } from './fixtures/appliedProbe.js';
import { runDemo } from '../../scripts/demo/run.js';
import { dumpReadModels } from './dump.js';
import { systemClock } from '../../infra/clock.js';

const root = join(import.meta.dirname, '../..');
const fixture = join(import.meta.dirname, 'fixtures/follow-projector.ts');

/**
 * Runs the projector; kills it with SIGKILL once it has done `killFraction` of what was left when
 * it started (or lets it finish). Resolves with the last position it printed.
 */
function project(eventsPath: string, dataDir: string, killFraction?: number): Promise<{ last: number; killed: boolean; finished: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, eventsPath, dataDir], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let last = -1;
    let finished = false;
    let killed = false;
    let stderr = '';
    let buffer = '';
    let killAt = Infinity;
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      buffer += c.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const [word, n, head] = line.split(' ');
        if (word === 'at' || word === 'start') last = Number(n);
        if (word === 'start' && killFraction !== undefined) killAt = last + Math.max(1, Math.floor((Number(head) - last) * killFraction));
        if (word === 'done') finished = true;
        if (!killed && last >= killAt) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.once('exit', (code, signal) => {
      if (signal === 'SIGKILL' || code === 0) resolve({ last, killed: signal === 'SIGKILL', finished });
      else reject(new Error(`projector exited ${code}: ${stderr.slice(-1000)}`));
    });
  });
}

describe('a projector killed with SIGKILL', () => {
  const dirs: string[] = [];
  const temp = () => {
    const d = mkdtempSync(join(tmpdir(), 'rm-crash-'));
    dirs.push(d);
    return d;
  };
  let eventsPath: string;
  let head = 0;

  beforeAll(async () => {
    const source = temp();
    await runDemo({ dataDir: source, cases: 150, seed: 99, now: new Date('2026-11-27T06:00:00.000Z'), env: { ...process.env, WORKFLOW_SQLITE_SYNCHRONOUS: 'OFF' } });
    eventsPath = join(source, 'events.db');
    const store = new SqliteEventStore({ path: eventsPath, now: systemClock.now });
    head = await store.headPosition();
    await store.close();
  });
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('given kills at random points, when it finally finishes, then its read models equal a clean rebuild', async () => {
    const crashed = temp();
    // Seeded kill points: each run is killed part-way through what is left, so the kills spread over the log.
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const kills: number[] = [];
    for (let i = 0; i < 5; i++) {
      const run = await project(eventsPath, crashed, 0.1 + 0.6 * random());
      if (run.killed) kills.push(run.last);
    }
    const final = await project(eventsPath, crashed);
    expect(final.finished).toBe(true);
    expect(kills.length).toBeGreaterThanOrEqual(3);
    expect(kills.filter((k) => k > 0 && k < head).length, `kills at ${kills.join(", ")} of ${head}`).toBeGreaterThanOrEqual(3);

    const clean = await (async () => {
      const store = new SqliteEventStore({ path: eventsPath, now: systemClock.now });
      const rm = await openReadModels({ store, dataDir: temp(), directory: Directory.load(), mode: 'follow', projections: [...ALL_PROJECTIONS, appliedProbe] });
      try {
        expect(await rm.waitFor(head, 60_000)).toBe(true);
        return dumpReadModels(rm.db);
      } finally {
        await rm.close();
        await store.close();
      }
    })();
    const db = new Database(join(crashed, 'readmodels.db'), { readonly: true });
    try {
      // Every event once: the probe counts one row per event applied, which upserts elsewhere would hide.
      expect(db.prepare('SELECT count(*) AS n, count(DISTINCT position) AS d FROM probe_applied').get()).toEqual({ n: clean.probe_applied!.length, d: clean.probe_applied!.length });
      expect(dumpReadModels(db)).toEqual(clean);
      const checkpoints = db.prepare<[], { position: number }>('SELECT position FROM projection_checkpoints').all();
      expect(checkpoints.every((c) => c.position === head)).toBe(true);
    } finally {
      db.close();
    }
  });
});
