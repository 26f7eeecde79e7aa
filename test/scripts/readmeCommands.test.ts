/**
 * The README's commands are the scripts' own: an operator types `npm run …` as the README shows it,
 * and the options a script offers (its usage, `--help`) are the ones the README's "Operating it"
 * table lists for it. A script given an option the README does not name (`npm run token -- --expires`,
 * `npm run demo -- --quiet`) left it to be found by reading the code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runScript } from './spawnScript.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** The "Operating it" table's rows for `npm run <script>`, by script name. */
function operatingRows(): Map<string, string> {
  const section = readme.slice(readme.indexOf('## Operating it'), readme.indexOf('\n### ', readme.indexOf('## Operating it')));
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const named = /^\| `npm run ([\w:-]+)/.exec(line);
    if (named) rows.set(named[1]!, line);
  }
  return rows;
}

describe('the README\'s npm commands', () => {
  it('given every `npm run <script>` the README names, when package.json is read, then it has that script', () => {
    // `npm run bench:<area>` names the family: `bench`.
    const named = new Set([...readme.matchAll(/npm run (?:-s )?([a-z][\w-]*(?::[a-z][\w-]*)?)/g)].map((m) => m[1]!));
    expect(named.size).toBeGreaterThan(5);
    expect([...named].filter((name) => !(name in scripts))).toEqual([]);
  });

  it('given a script of the "Operating it" table with a usage text, when it is run with --help, then every option its usage offers is in its row', async () => {
    const rows = operatingRows();
    // Entry points run by tsx (`tsx scripts/…`, or `node --import tsx scripts/…` where a signal must reach the script itself); the benchmarks are left out (they take no --help: it would run them).
    const entry = (name: string) => /^(?:tsx|node --import tsx) (scripts\/\w+\.ts)$/.exec(scripts[name] ?? '')?.[1];
    const withUsage = [...rows.keys()].filter((name) => entry(name) !== undefined && name !== 'start');
    expect(withUsage).toEqual(expect.arrayContaining(['demo', 'token', 'replay', 'rebuild', 'backup', 'diagrams']));
    const missing: string[] = [];
    for (const name of withUsage) {
      const run = await runScript(entry(name)!.replace(/^scripts\//, ''), ['--help'], {});
      expect(run.status, `${name} --help: ${run.stderr}`).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^用法：npm run ${name}\\b`));
      const options = new Set([...run.stdout.matchAll(/--[a-z][\w-]*/g)].map((m) => m[0]));
      for (const option of options) if (!rows.get(name)!.includes(`${option}`)) missing.push(`${name} ${option}`);
    }
    expect(missing).toEqual([]);
  });
});
