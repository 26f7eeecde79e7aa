import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCalendar } from '../../calendars/index.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { openReadModels } from '../../projections/index.js';
import { synthesise } from '../../scripts/bench/projections.js';
import { dumpReadModels } from './dump.js';
import { directory, prng } from './harness.js';
import { systemClock } from '../../infra/clock.js';

const fixture = fileURLToPath(new URL('./fixtures/catch-up.ts', import.meta.url));
const EVENTS = 8_000;

interface Run {
  positions: number[];
  done?: number;
  killed: boolean;
}

/**
 * Runs the projecting child (inline mode writes read models into the store's own file, one
 * transaction per batch with its checkpoint); with `killAfter`, SIGKILLs it `delayMs` after its `killAfter`-th
 * progress line (child coordination is the one place a test waits on time).
 */
function project(args: string[], kill?: { killAfter: number; delayMs: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const run: Run = { positions: [], killed: false };
    let buffered = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const msg = JSON.parse(line) as { position?: number; done?: number };
        if (msg.done !== undefined) run.done = msg.done;
        if (msg.position === undefined) continue;
        run.positions.push(msg.position);
        if (kill && !run.killed && run.positions.length === kill.killAfter) {
          run.killed = true;
          setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
        }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' || code === 0) resolve(run);
      else reject(new Error(`projecting child exited ${code ?? signal}: ${stderr}`));
    });
  });
}

describe('the embedded read models after crashes during a catch-up', () => {
  let dir: string;
  let file: string;
  let head: number;
  let clean: Record<string, string[]>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'projections-crash-'));
    file = join(dir, 'events.db');
    const store = new SqliteEventStore({ path: file, synchronous: 'OFF', now: systemClock.now });
    synthesise(store, directory, defaultCalendar(), { events: EVENTS, seed: 7 });
    head = await store.headPosition();
    // The clean rebuild every crashed run must end up equal to.
    const models = await openReadModels({ store, dataDir: join(dir, 'clean'), directory, mode: 'follow' });
    await models.waitFor(head, 60_000);
    clean = dumpReadModels(models.db);
    await models.close();
    await store.close();
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  // Follow mode is killed the same way in crash.test.ts; here the embedded mode's catch-up.
  it('given a child catching up inline (inside the store’s own file, in batches), when it is killed mid-batch again and again, then after a restart the read models equal a clean rebuild', async () => {
    const r = prng(12);
    // Inline read models live in the store's file: give the child a copy of the log.
    const store = join(dir, 'inline-events.db');
    copyFileSync(file, store);
    const args = [store, '500'];

    const reached: number[] = [];
    for (let kill = 0; kill < 3; kill++) {
      const run = await project(args, { killAfter: 1 + Math.floor(r() * 3), delayMs: Math.floor(r() * 15) });
      expect(run.done).toBeUndefined();
      reached.push(run.positions.at(-1) ?? 0);
    }
    const last = await project(args);
    expect(last.done).toBe(head);
    // The kills landed while the read models were part-way, and the last restart went on from its checkpoint.
    expect(reached.some((p) => p > 0 && p < head)).toBe(true);
    expect(last.positions[0]).toBeGreaterThanOrEqual(Math.max(...reached));

    const db = new Database(store, { readonly: true });
    try {
      expect(dumpReadModels(db)).toEqual(clean);
    } finally {
      db.close();
    }
  });
});
