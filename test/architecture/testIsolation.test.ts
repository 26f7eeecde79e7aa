import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OWN_MODULES } from '../../vitest.config.js';

const root = resolve(import.meta.dirname, '../..');

/** Every test file under `dir`, as a path from the project's root. */
function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

describe('test files sharing a process (vitest.config.ts: isolate false)', () => {
  it('given a test file that replaces a module (vi.mock, vi.doMock), then it is listed to run in a fresh process; and every file listed is a test file', () => {
    // A file mocking a module another file already loaded in the same process gets the real one: its
    // tests then check nothing they name (sqlite-flush.test.ts's 17 failed so).
    const files = testFiles(join(root, 'test'));
    const mocking = files.filter((file) => /\bvi\.(?:do)?[mM]ock\(/.test(readFileSync(join(root, file), 'utf8')));
    expect(mocking.filter((file) => !OWN_MODULES.includes(file))).toEqual([]);
    expect(OWN_MODULES.filter((file) => !files.includes(file))).toEqual([]);
  });
});
