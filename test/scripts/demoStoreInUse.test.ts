/**
 * `npm run demo` never deletes or fills a store another process has open: a running server would
 * go on acknowledging commands into a deleted file. Detected by the SHARED lock every open WAL
 * connection holds (scripts/storeInUse.ts).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { storeInUse } from '../../scripts/storeInUse.js';
import { runScript, startServer } from './spawnScript.js';

const root = mkdtempSync(join(tmpdir(), 'wf-demo-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** What identifies the store's content: the file itself (inode) and how far its log goes. */
function storeState(dataDir: string) {
  const file = join(dataDir, 'events.db');
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return { inode: statSync(file).ino, head: db.prepare('SELECT max(position) FROM events').pluck().get() as number };
  } finally {
    db.close();
  }
}

describe('storeInUse', () => {
  it('given another connection has the store open, then true; once it is closed, false', () => {
    const file = join(root, 'alone.db');
    const seed = new Database(file);
    seed.pragma('journal_mode = WAL');
    seed.exec('CREATE TABLE t (x)');
    seed.close();
    expect(storeInUse(file)).toBe(false);
    const other = new Database(file);
    other.prepare('SELECT count(*) FROM t').get();
    expect(storeInUse(file)).toBe(true);
    other.close();
    expect(storeInUse(file)).toBe(false);
  });
});

describe('npm run demo, given a server running on the store', () => {
  it('then --reset and a plain run are refused, saying why, and the store is untouched; once the server stops, --reset goes ahead', async () => {
    const dataDir = join(root, 'data');
    const env = { WORKFLOW_DATA_DIR: dataDir };
    expect((await runScript('demo.ts', ['--cases', '5', '--quiet'], env)).status).toBe(0);
    const before = storeState(dataDir);
    expect(before.head).toBeGreaterThan(0);

    const server = await startServer({ ...env, PORT: '0' });
    try {
      for (const args of [['--reset'], []]) {
        const run = await runScript('demo.ts', ['--cases', '5', '--quiet', ...args], env);
        expect(run.status, run.stderr).toBe(1);
        expect(run.stderr).toBe(
          `数据目录 ${dataDir} 中的事件库正被另一个进程打开（例如正在运行的 npm start）。` +
            `请先停止该进程，再运行 npm run demo${args.length > 0 ? ' -- --reset' : ''}；事件库未做任何改动。\n`,
        );
        expect(storeState(dataDir)).toEqual(before);
      }
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }

    const reset = await runScript('demo.ts', ['--cases', '5', '--seed', '9', '--quiet', '--reset'], env);
    expect(reset.status, reset.stderr).toBe(0);
    expect(reset.stderr).toContain('已删除：');
  });
});
