/**
 * `--list-all`: the operator tools list every failure when asked. `npm run replay -- --all` lists
 * the first 10 failing cases and runs of missing log positions, `npm run verify-export` the first 20
 * problems and cases taken on trust; the rest were counted (`……另有 3 个`) and could not be listed:
 * an auditor had to replay the cases one by one to find which were damaged. Cut, a list now says
 * how to see the rest; with --list-all it is whole (verify-export's problems up to what its check
 * keeps, MAX_FAILURES, the rest counted).
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { loadConfig } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';
import { runDemo } from '../../scripts/demo/run.js';
import { runScript } from './spawnScript.js';

const NOW = new Date('2026-11-27T06:00:00.000Z');
let root: string;
/** A demo store, left as the demo made it (every case verifies). */
let dataDir: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'list-all-'));
  dataDir = join(root, 'demo');
  await runDemo({ dataDir, cases: 60, seed: 11, now: NOW });
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const caseOf = (stream: string) => stream.slice(-36);

describe('npm run replay -- --all --list-all', () => {
  /** A copy of the demo store with `headless` cases missing their first event and `edited` ones with their data changed. */
  let damaged: string;
  let headless: { stream: string; position: number }[];
  let edited: string[];

  beforeAll(() => {
    damaged = mkdtempSync(join(root, 'damaged-'));
    copyFileSync(join(dataDir, 'events.db'), join(damaged, 'events.db'));
    const db = new Database(join(damaged, 'events.db'));
    const starts = db
      .prepare<[], { stream: string; position: number }>(
        "SELECT stream_id AS stream, position FROM events WHERE revision = 0 AND stream_id <> 'calendar-notices' AND stream_id IN (SELECT stream_id FROM events GROUP BY stream_id HAVING count(*) >= 2) ORDER BY position",
      )
      .all();
    // First events whose positions are not next to each other: each deleted one is a run of missing positions of its own.
    headless = starts.filter((s, i) => i % 2 === 0).slice(0, 12);
    const others = starts.filter((s) => !headless.includes(s)).slice(0, 2);
    edited = others.map((s) => s.stream);
    for (const { position } of headless) db.prepare('DELETE FROM events WHERE position = ?').run(position);
    for (const stream of edited) db.prepare(`UPDATE events SET data = json_set(data, '$.tampered', 1) WHERE stream_id = ? AND revision = 1`).run(stream);
    db.close();
  });

  const replay = (...args: string[]) => runScript('replay.ts', args, { WORKFLOW_DATA_DIR: damaged, LOG_LEVEL: 'silent' });

  it('given 14 damaged cases and 12 runs of missing positions, when replay --all runs without --list-all, then it lists 10 of each and its cut lines say to add --list-all', async () => {
    expect(headless.map((h, i) => (i > 0 ? h.position - headless[i - 1]!.position : 2)).every((d) => d >= 2)).toBe(true);
    const run = await replay('--all', '--quiet');
    expect([run.status, run.stderr]).toEqual([1, '']);
    expect(run.stdout).toContain('失败 14。');
    expect(run.stdout).toContain('\n  ……另有 4 个（加 --list-all 列出全部）\n');
    const listed = [...headless.map((h) => h.stream), ...edited].map(caseOf).filter((id) => run.stdout.includes(`  ${id}`));
    expect(listed).toHaveLength(10);
    const shown = headless.slice(0, 10).map((h) => h.position).join('、');
    expect(run.stdout).toContain(`事件日志缺少 12 个位置的事件（位置 ${shown} 等；加 --list-all 列出全部）：`);
  });

  it('given the same store, when replay --all --list-all runs, then every damaged case and every missing position is listed, and nothing is said to be left out', async () => {
    const run = await replay('--all', '--list-all', '--quiet');
    expect([run.status, run.stderr]).toEqual([1, '']);
    expect(run.stdout).toContain('失败 14。');
    for (const { stream } of headless) expect(run.stdout).toMatch(new RegExp(`^ {2}${caseOf(stream)}.*缺少版本 0 的事件`, 'm'));
    for (const stream of edited) expect(run.stdout).toMatch(new RegExp(`^ {2}${caseOf(stream)}.*哈希`, 'm'));
    expect(run.stdout).toContain(`事件日志缺少 12 个位置的事件（位置 ${headless.map((h) => h.position).join('、')}）：`);
    expect(run.stdout).not.toContain('另有');
    expect(run.stdout).not.toContain(' 等');
  });

  it('given a case id, when replay is given --list-all (which lists what --all cuts), then it is refused with the usage, exit 2', async () => {
    const id = caseOf(edited[0]!);
    const run = await replay(id, '--list-all');
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('参数有误：--list-all 只能与 --all 一起使用');
    expect(run.stderr).toContain('用法：npm run replay -- <案件ID>');
    expect(run.stderr).toContain('--all --list-all');
    const help = await replay('--help');
    expect([help.status, help.stdout]).toEqual([0, expect.stringContaining('--list-all')]);
  });
});

describe('npm run verify-export -- --list-all', () => {
  /** The demo's whole export, with `dropped` cases' first line left out (each then taken on trust) and `tampered` lines' data changed. */
  let file: string;
  let trusted: string[];
  let tampered: number[];

  beforeAll(async () => {
    const copy = mkdtempSync(join(root, 'export-'));
    copyFileSync(join(dataDir, 'events.db'), join(copy, 'events.db'));
    const app = await createApp(loadConfig({ ...process.env, WORKFLOW_DATA_DIR: copy }), { logger: createLogger({ level: 'silent' }) });
    const lines: string[] = [];
    try {
      for await (const line of app.readModels.exportEvents({ from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' })) lines.push(line.trimEnd());
    } finally {
      await app.close();
    }
    const parsed = lines.map((l) => JSON.parse(l) as { stream: string; revision: number; caseId: string | null; data: Record<string, unknown> });
    const counts = new Map<string, number>();
    for (const p of parsed) if (p.caseId) counts.set(p.stream, (counts.get(p.stream) ?? 0) + 1);
    // 25 cases whose first line is left out: each is taken on trust from revision 1.
    trusted = [...counts].filter(([, n]) => n >= 2).map(([stream]) => stream).slice(0, 25);
    const kept = parsed.map((p, i) => ({ p, text: lines[i]! })).filter(({ p }) => !(p.revision === 0 && trusted.includes(p.stream)));
    // 45 case lines whose data is changed: each no longer matches its hash.
    let changed = 0;
    tampered = [];
    const out = kept.map(({ p, text }, i) => {
      if (changed >= 45 || !p.caseId || p.revision === 0 || i % 2 !== 0) return text;
      changed++;
      tampered.push(i + 1);
      return JSON.stringify({ ...p, data: { ...p.data, tampered: true } });
    });
    expect(changed).toBe(45);
    file = join(root, 'damaged.ndjson');
    writeFileSync(file, `${out.join('\n')}\n`);
  });

  const verify = (...args: string[]) => runScript('verifyExport.ts', args, {});
  const problemLines = (stdout: string) => stdout.split('\n').filter((l) => /^ {2}(第 \d+ 行|line \d+)/.test(l));
  const trustLines = (stdout: string) => stdout.split('\n').filter((l) => /^ {2}(采信|TRUST) /.test(l));

  it('given an export with 45 problems and 25 cases taken on trust, when it is checked without --list-all, then 20 of each are listed and each cut line says to add --list-all, in Chinese and in English', async () => {
    const zh = await verify(file, '--quiet');
    expect([zh.status, zh.stderr]).toEqual([1, '']);
    expect(zh.stdout).toContain('发现 45 处问题：');
    expect(problemLines(zh.stdout)).toHaveLength(20);
    expect(zh.stdout).toContain('\n  ……另有 25 处（加 --list-all 列出全部）\n');
    expect(trustLines(zh.stdout)).toHaveLength(20);
    expect(zh.stdout).toContain('\n  ……另有 5 个（加 --list-all 列出全部）\n');
    const en = await verify(file, '--quiet', '--lang', 'en');
    expect([en.status, en.stderr]).toEqual([1, '']);
    expect(en.stdout).toContain('\n  … and 25 more (add --list-all to list them all)\n');
    expect(en.stdout).toContain('\n  … and 5 more (add --list-all to list them all)\n');
  });

  it('given the same export, when it is checked with --list-all, then every problem and every case taken on trust is listed, and none is said to be left out', async () => {
    for (const lang of ['zh', 'en']) {
      const run = await verify(file, '--quiet', '--list-all', '--lang', lang);
      expect([run.status, run.stderr]).toEqual([1, '']);
      expect(problemLines(run.stdout).map((l) => Number(/\d+/.exec(l)![0]))).toEqual(tampered);
      expect(trustLines(run.stdout).map((l) => l.split(' ')[3]).sort()).toEqual([...trusted].sort());
      expect(run.stdout).not.toMatch(/另有|… and/);
    }
  });

  it('given a file with more problems than the check keeps (1,200 lines that are not JSON), then --list-all lists the 1,000 it keeps and says the rest were found and not kept; without it, the cut line says --list-all lists the first 1,000', async () => {
    const garbled = join(root, 'garbled.ndjson');
    writeFileSync(garbled, `${Array.from({ length: 1200 }, (_, i) => `not json ${i}`).join('\n')}\n`);
    const all = await verify(garbled, '--quiet', '--list-all');
    expect(all.status).toBe(1);
    expect(all.stdout).toContain('发现 1200 处问题');
    expect(problemLines(all.stdout)).toHaveLength(1000);
    expect(all.stdout).toContain('\n  ……另有 200 处未列出：校验只保留前 1000 处问题\n');
    const en = await verify(garbled, '--quiet', '--list-all', '--lang', 'en');
    expect(en.stdout).toContain('\n  … and 200 more not listed: the check keeps only the first 1000 problems\n');
    const cut = await verify(garbled, '--quiet');
    expect(problemLines(cut.stdout)).toHaveLength(20);
    expect(cut.stdout).toContain('\n  ……另有 1180 处（加 --list-all 列出校验保留的前 1000 处）\n');
  });

  it('documents --list-all in its help, in Chinese and in English', async () => {
    const zh = await verify('--help');
    expect([zh.status, zh.stdout]).toEqual([0, expect.stringContaining('[--list-all]')]);
    expect(zh.stdout).toContain('--list-all 列出全部');
    const en = await verify('--help', '--lang', 'en');
    expect([en.status, en.stdout]).toEqual([0, expect.stringContaining('--list-all lists them all')]);
  });
});
