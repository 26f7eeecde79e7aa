/**
 * One term for one thing in what people read (messages, reports, the replay timeline, diagrams):
 * - the basis of a deadline is its 时限 (the CSV column 时限依据 fixes it): 法定时限 / 平台政策时限 /
 *   协议约定时限, never 法定期限, 平台政策期限 or a bare 协议约定 / （法定，…）. 期限 stays the due date
 *   itself (办理期限, 临时期限, 重新核定期限) and 使用期限 the agreement's term of use: other things;
 * - a rule a value breaks opens 应为 (the regulation's 应当), never 须为;
 * - cases are counted with 个 (the regulation's only measure word: 5 个工作日), never 件.
 * Read from the source text of every user-facing layer, so a variant brought back anywhere is found.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registry, toBpmn, toMermaid } from '../../machines/index.js';
import { DEFAULT_DEADLINE_RULES } from '../../calendars/index.js';

const root = resolve(import.meta.dirname, '../..');
const FOLDERS = ['api', 'calendars', 'directory', 'engine', 'eventstore', 'infra', 'machines', 'projections', 'scripts'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}
const files = [...FOLDERS.flatMap((f) => sources(join(root, f))), join(root, 'docs/verify_export.py'), join(root, 'README.md'), join(root, 'docs/AUDIT_EXPORT.md')];

/** Each line of the sources where a pattern occurs, as `path:line: text`. */
function occurrences(pattern: RegExp): string[] {
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) => (pattern.test(line) ? [`${relative(root, file)}:${i + 1}: ${line.trim().slice(0, 120)}`] : [])),
  );
}

describe('one term for one thing in user-facing text', () => {
  it('the basis of a deadline is its 时限: 法定时限, 平台政策时限, 协议约定时限', () => {
    expect(occurrences(/法定期限|平台政策期限|协议约定期限|期限依据|期限的依据|'协议约定'|（法定，|（法定）|'法定'|'平台政策'/)).toEqual([]);
  });

  it('the diagrams name the basis as the reports do', () => {
    const text = registry
      .list()
      .map((def) => `${toMermaid(def, DEFAULT_DEADLINE_RULES)}\n${toBpmn(def, DEFAULT_DEADLINE_RULES)}`)
      .join('\n');
    expect(text.includes('（法定时限，')).toBe(true);
    expect(text.match(/（(?:法定|平台政策)[，）]/g) ?? []).toEqual([]);
  });

  it('a validation message says 应为, never 须为', () => {
    expect(occurrences(/须为/)).toEqual([]);
  });

  it('cases are counted with 个, never 件', () => {
    expect(occurrences(/(\d|\}|N) ?件案件|件案件/)).toEqual([]);
  });
});
