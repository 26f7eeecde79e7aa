/**
 * Two servers on one store file (a supported setup): each append of one server folds the read models
 * and moves their checkpoints in its own commit, so the other server's reads never find them behind.
 * Given a server appending without a pause in another process, when this server reads (every read
 * route asks `rebuilding()`), then it answers as current every time and takes nothing over: reading
 * the checkpoints and the head of the log in two snapshots, another server's commit between them
 * looked like read models behind — a 503, and a takeover that held this server's thread for up to
 * half a second.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Directory } from '../../directory/index.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { systemClock } from '../../infra/clock.js';
import { openReadModels } from '../../projections/index.js';

const appender = fileURLToPath(new URL('./fixtures/appender.ts', import.meta.url));
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rm-two-servers-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('given another server appending on the same file', () => {
  it('when this server reads over and over, then it never answers "rebuilding" and never takes the read models over', async () => {
    const file = join(dir, 'events.db');
    const store = new SqliteEventStore({ path: file, synchronous: 'OFF', now: systemClock.now });
    const models = await openReadModels({ store, dataDir: dir, directory: Directory.load(), rebuildThreads: 1 });
    const other = fork(appender, [file, '3000'], { execArgv: ['--import', 'tsx'] });
    const exited = new Promise((resolve) => other.once('exit', resolve));
    try {
      await new Promise((resolve) => other.once('message', resolve));
      const lockHeld = () => {
        const lock = new Database(`${file}-rebuild.lock`);
        try {
          lock.pragma('busy_timeout = 0');
          lock.exec('BEGIN EXCLUSIVE');
          return false;
        } catch {
          return true;
        } finally {
          lock.close();
        }
      };
      let reads = 0;
      let rebuilding = 0;
      let takeovers = 0;
      const end = Date.now() + 2500;
      while (Date.now() < end) {
        reads++;
        if (models.rebuilding()) {
          rebuilding++;
          if (lockHeld()) takeovers++;
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(reads).toBeGreaterThan(1000);
      expect({ rebuilding, takeovers }).toEqual({ rebuilding: 0, takeovers: 0 });
    } finally {
      await exited;
      await models.close();
      await store.close();
    }
  });
});
