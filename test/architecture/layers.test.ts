import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const depcruise = join(root, 'node_modules/.bin/depcruise');

/** Runs the project's layer rules over a tree of files; returns the exit code and output. */
function cruise(files: Record<string, string>): { code: number; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'layers-'));
  dirs.push(dir);
  copyFileSync(join(root, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const folders = [...new Set(Object.keys(files).map((p) => p.split('/')[0]!))];
  try {
    const output = execFileSync(depcruise, ['--config', '.dependency-cruiser.cjs', ...folders], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
    return { code: 0, output };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status, output: `${e.stdout}${e.stderr}` };
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the layer rule of ARCHITECTURE.md', () => {
  it('accepts an import down the table (engine → eventstore)', () => {
    const { code, output } = cruise({
      'eventstore/types.ts': 'export interface EventStore { kind: string }\n',
      'engine/engine.ts': "import type { EventStore } from '../eventstore/types.js';\nexport const kindOf = (s: EventStore) => s.kind;\n",
    });
    expect(output).not.toMatch(/error/i);
    expect(code).toBe(0);
  });

  it('fails when a lower folder imports a higher one (eventstore → engine)', () => {
    const { code, output } = cruise({
      'engine/engine.ts': 'export const engineName = "engine";\n',
      'eventstore/sqlite.ts': "import { engineName } from '../engine/engine.js';\nexport const x = engineName;\n",
    });
    expect(code).not.toBe(0);
    expect(output).toContain('eventstore-may-import-only-nothing-of-ours');
  });

  it('fails when a machine imports calendar code rather than its types', () => {
    const { code, output } = cruise({
      'calendars/calendar.ts': 'export const addWorkingDays = (d: string) => d;\n',
      'machines/objection.ts': "import { addWorkingDays } from '../calendars/calendar.js';\nexport const due = addWorkingDays('2026-01-05');\n",
    });
    expect(code).not.toBe(0);
    expect(output).toContain('machines-import-types-only');
  });

  it('accepts a machine importing calendar types only', () => {
    const { code } = cruise({
      'calendars/types.ts': 'export interface DeadlineRule { n: number }\n',
      'machines/objection.ts': "import type { DeadlineRule } from '../calendars/types.js';\nexport const rule: DeadlineRule = { n: 10 };\n",
    });
    expect(code).toBe(0);
  });
});
