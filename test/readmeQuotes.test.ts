/**
 * The README quotes the server's own words so that an operator can search the log for them
 * (`服务未启动：…`, `读模型已就绪，用时 … 秒`, `…events.db-wal 不属于现在的 events.db…`). A message reworded
 * in the code left the README quoting a line no log holds. Each quoted Chinese text, cut at its
 * placeholders (`…`, `N`), must be found piece by piece in the code that writes it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
/** The folders of the running code (package.json's `layers`); tests are left out, so a test cannot keep a quote alive. */
const CODE = ['infra', 'calendars', 'directory', 'machines', 'eventstore', 'engine', 'projections', 'api', 'scripts'];

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'));
}

/** Inline code spans of the README's prose that hold Chinese, a wrapped line joined again. */
function chineseQuotes(readme: string): string[] {
  const prose = readme.replace(/^```[\s\S]*?^```/gm, '');
  return [...prose.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.replace(/\n\s*/g, '')).filter((q) => /\p{Script=Han}/u.test(q));
}

/** The pieces of a quote between its placeholders and punctuation; those of two Chinese characters or more. */
function pieces(quote: string): string[] {
  return quote
    // A message is often built of parts (`服务未启动：` + the reason, `（${phase}）`): cut at its punctuation too.
    .split(/…|(?<![A-Za-z])N(?![A-Za-z])|[（）：，、]/)
    .map((piece) => piece.replace(/^[\s/%]+|[\s/%]+$/g, ''))
    .filter((piece) => (piece.match(/\p{Script=Han}/gu) ?? []).length >= 2);
}

describe('the README\'s quotes of the server\'s messages', () => {
  it('given a quote with placeholders, then its pieces are the text between them', () => {
    expect(pieces('读模型 …（检查点 …）超出了事件日志的末尾（位置 …）…正在从位置 0 重建这些读模型')).toEqual([
      '读模型',
      '检查点',
      '超出了事件日志的末尾',
      '位置',
      '正在从位置 0 重建这些读模型',
    ]);
    expect(pieces('机构目录中缺少 N 个提供单位…')).toEqual(['机构目录中缺少', '个提供单位']);
  });

  it('given every Chinese text the README quotes, when the code is read, then each of its pieces is in it', () => {
    const code = CODE.flatMap(sources).join('\n');
    const quotes = chineseQuotes(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(quotes).toEqual(expect.arrayContaining(['服务已停止', '读模型已就绪，用时 … 秒', '服务未启动：事件库 … 不是可读的 SQLite 数据库']));
    const absent = quotes.flatMap((quote) => pieces(quote).filter((piece) => !code.includes(piece)).map((piece) => `${quote} → ${piece}`));
    expect(absent).toEqual([]);
  });
});
