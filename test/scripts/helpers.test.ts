/** The demo's small helpers: identity numbers that check, the progress bar, working-hour timing. */
import { describe, expect, it, vi } from 'vitest';
import { defaultCalendar } from '../../calendars/index.js';
import { creditCodeCheckChar, isCheckedCreditCode, isIdNumber } from '../../machines/schemas.js';
import { creditCode, idNumber, orgCodeCheckChar } from '../../scripts/demo/identity.js';
import { Random } from '../../scripts/demo/random.js';
import { atLocal, dateOf, nextNightlyRun, Timing } from '../../scripts/demo/time.js';
import { createPhasedProgress, createProgress, endProgressLine, type ProgressStream } from '../../scripts/progress.js';
import { parseArgs } from 'node:util';
import { argumentError } from '../../scripts/config.js';

describe('identity numbers', () => {
  it('computes the GB 32100 and GB 11714 check characters of a known code', () => {
    // 91370100MA3C8K2D0E (test/machines/examples.ts): organisation code MA3C8K2D-0, check E.
    expect(orgCodeCheckChar('MA3C8K2D')).toBe('0');
    expect(creditCodeCheckChar('91370100MA3C8K2D0')).toBe('E');
  });

  it('generates credit codes and ID numbers the schemas accept', () => {
    const random = new Random(42);
    for (let i = 0; i < 500; i++) {
      expect(isCheckedCreditCode(creditCode(random, '370200'))).toBe(true);
      const id = idNumber(random, '370102', 1965, 2003, i % 2 === 0);
      expect(isIdNumber(id)).toBe(true);
      expect(Number(id[16]) % 2).toBe(i % 2 === 0 ? 1 : 0);
    }
  });
});

describe('timing', () => {
  const calendar = defaultCalendar();

  it('acts on working days in office hours: never during 春节 2025 or 国庆 2026', () => {
    const timing = new Timing(calendar, new Random(1));
    for (let i = 0; i < 300; i++) {
      const entered = atLocal('2025-01-27', 10 * 60); // the Monday before 春节 (1 月 28 日–2 月 4 日)
      const at = timing.act(entered, calendar.addWorkingDays('2025-01-27', 5), i % 5 === 0);
      expect(calendar.isWorkingDay(dateOf(at))).toBe(true);
      expect(at).toBeGreaterThan(entered);
      const autumn = timing.after(atLocal('2026-09-30', 16 * 60), 0, 3);
      expect(calendar.isWorkingDay(dateOf(autumn))).toBe(true);
      const minutes = ((at + 8 * 3600_000) % 86_400_000) / 60_000;
      expect(minutes).toBeGreaterThanOrEqual(8 * 60 + 30);
      expect(minutes).toBeLessThan(17 * 60 + 30);
    }
  });

  it('is on time before the due day and late after it', () => {
    const timing = new Timing(calendar, new Random(2));
    const entered = atLocal('2025-09-26', 9 * 60);
    const due = calendar.addWorkingDays('2025-09-26', 10);
    for (let i = 0; i < 200; i++) {
      expect(dateOf(timing.act(entered, due, false)) <= due).toBe(true);
      expect(dateOf(timing.act(entered, due, true)) > due).toBe(true);
    }
  });

  it('runs the scheduler at 00:05 Asia/Shanghai after a use period ends', () => {
    expect(new Date(nextNightlyRun(atLocal('2026-02-02', 24 * 60) - 1)).toISOString()).toBe('2026-02-02T16:05:00.000Z');
  });
});

describe('progress bar', () => {
  const capture = (isTTY: boolean) => {
    const chunks: string[] = [];
    const stream: ProgressStream = { isTTY, columns: 100, write: (chunk: string) => chunks.push(chunk) };
    return { chunks, stream };
  };

  it('writes a line every tenth of the way when not on a terminal', () => {
    const { chunks, stream } = capture(false);
    const bar = createProgress('写入', 200, { stream });
    for (let i = 0; i < 200; i++) bar.tick();
    bar.done();
    expect(chunks).toHaveLength(10);
    expect(chunks[0]).toMatch(/^写入：10%（20\/200/);
    expect(chunks[9]).toMatch(/^写入：100%（200\/200/);
    expect(chunks.every((c) => c.endsWith('\n') && !c.includes('\r'))).toBe(true);
  });

  it('in English, writes its figures in English around the label (verify-export --lang en had 20%（65536/244601，0秒）)', () => {
    const { chunks, stream } = capture(false);
    const bar = createProgress('checking the audit export', 10, { stream, lang: 'en' });
    for (let i = 0; i < 10; i++) bar.tick();
    bar.done();
    expect(chunks[0]).toMatch(/^checking the audit export: 10% \(1\/10, \d+s\)\n$/);
    expect(chunks.join('')).not.toMatch(/\p{Script=Han}|[（），：]/u);
  });

  it('says where it stopped when the work ends early', () => {
    const { chunks, stream } = capture(false);
    const bar = createProgress('写入', 100, { stream });
    bar.update(55);
    bar.done();
    expect(chunks.at(-1)).toMatch(/^写入：55%/);
  });

  it('off a terminal, writes a line when it has been quiet for quietMs though no tenth was reached, and nothing more once done (npm run demo | tee said nothing for 10 s)', () => {
    // Time moved by the test: the bar's heartbeat (setInterval) and its clock (performance.now).
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    try {
      const { chunks, stream } = capture(false);
      const bar = createProgress('写入', 1000, { stream, quietMs: 2_500 });
      bar.update(5);
      vi.advanceTimersByTime(2_000);
      expect(chunks).toEqual([]);
      // Nothing ticks meanwhile: the bar's own heartbeat (every second) writes the line.
      vi.advanceTimersByTime(1_000);
      expect(chunks).toEqual(['写入：0%（5/1000，3秒）\n']);
      bar.done();
      const written = chunks.length;
      vi.advanceTimersByTime(10_000);
      expect(chunks).toHaveLength(written);
    } finally {
      vi.useRealTimers();
    }
  });

  it('redraws one line on a terminal, at most every interval, and ends it', () => {
    const { chunks, stream } = capture(true);
    const bar = createProgress('写入', 1000, { stream, intervalMs: 60_000 });
    for (let i = 0; i < 1000; i++) bar.tick();
    bar.done();
    expect(chunks.length).toBeLessThanOrEqual(3);
    expect(chunks[0]!.startsWith('\r')).toBe(true);
    expect(chunks.at(-2)).toContain('100% 1000/1000');
    expect(chunks.at(-1)).toBe('\n');
  });

  it('given a bar left part-way on a terminal (a command stopped by Ctrl-C), then endProgressLine ends its line, once, so that what follows starts a line of its own; after a finished bar it writes nothing', () => {
    const { chunks, stream } = capture(true);
    const bar = createProgress('写入', 100, { stream });
    bar.update(40);
    expect(chunks.at(-1)).not.toMatch(/\n$/);
    endProgressLine();
    expect(chunks.at(-1)).toBe('\n');
    const written = chunks.length;
    endProgressLine();
    expect(chunks).toHaveLength(written);
    bar.done();

    const finished = capture(true);
    const done = createProgress('写入', 100, { stream: finished.stream });
    done.update(100);
    done.done();
    const ended = finished.chunks.length;
    endProgressLine();
    expect(finished.chunks).toHaveLength(ended);
  });

  /** A rebuild's bars (fold, copy, index) told `calls` in turn, then done: the lines written, and the parts whose bar reached 100 %, in order. */
  const rebuildBars = (calls: [done: number, total: number, phase: 'fold' | 'copy' | 'index'][]) => {
    const { chunks, stream } = capture(false);
    const bars = createPhasedProgress({ fold: '重建', copy: '写入', index: '索引' }, { stream });
    for (const [done, total, phase] of calls) bars.update(done, total, phase);
    bars.done();
    return { chunks, ended: chunks.filter((c) => /：100%/.test(c)).map((c) => c.slice(0, c.indexOf('：'))) };
  };

  it('given work in parts, then one bar per part in turn, each to its end, and a part before the current one is not shown again', () => {
    const { chunks, ended } = rebuildBars([
      ...Array.from({ length: 11 }, (_, i) => [i * 10, 100, 'fold'] as [number, number, 'fold']),
      [0, 4, 'copy'],
      [4, 4, 'copy'],
      [0, 2, 'index'],
      [2, 2, 'index'],
      // A rebuild's last word is its position again: the part it belongs to is over.
      [100, 100, 'fold'],
    ]);
    expect(ended).toEqual(['重建', '写入', '索引']);
    expect(chunks.at(-1)).toMatch(/^索引：100%（2\/2/);
  });

  it('given a part whose work grows as it goes (events appended beside a rebuild), then its bar counts to the total as it stands, never past it', () => {
    const { chunks } = rebuildBars([
      [0, 2857, 'fold'],
      [2000, 2857, 'fold'],
      [2860, 2860, 'fold'],
    ]);
    expect(chunks.at(-1)).toMatch(/^重建：100%（2860\/2860/);
    expect(chunks.some((c) => /2857，/.test(c) && /（2860/.test(c))).toBe(false);
  });

  it('given a part that starts over (workers failed, the fold is done again in one thread), then a new bar for it, to its end', () => {
    const { chunks, ended } = rebuildBars([
      [50, 100, 'fold'],
      [0, 4, 'copy'],
      [1, 4, 'copy'],
      [0, 100, 'fold'],
      [100, 100, 'fold'],
      [0, 2, 'index'],
      [2, 2, 'index'],
    ]);
    expect(ended).toEqual(['重建', '索引']);
    // The bar left part-way says where it stopped.
    expect(chunks.some((c) => c.startsWith('写入：25%'))).toBe(true);
    // Within one part too: back to 0 after it had begun is a new bar.
    const again = capture(false);
    const one = createPhasedProgress({ fold: '重建' }, { stream: again.stream });
    one.update(60, 100, 'fold');
    one.update(0, 100, 'fold');
    one.update(30, 100, 'fold');
    one.done();
    // The first bar stops at 60 % (said twice: reached, then stopped there); the new one goes to 30 %.
    expect(again.chunks.map((c) => c.match(/：(\d+)%/)?.[1])).toEqual(['60', '60', '30', '30']);
  });

  it('writes nothing when disabled', () => {
    const { chunks, stream } = capture(true);
    const bar = createProgress('写入', 10, { stream, enabled: false });
    bar.tick(10);
    bar.done();
    expect(chunks).toEqual([]);
  });
});

describe('a command line node:util cannot parse, told in Chinese', () => {
  const refusal = (args: string[]) => {
    try {
      parseArgs({ args, options: { role: { type: 'string' }, quiet: { type: 'boolean' } } });
    } catch (err) {
      return argumentError(err);
    }
    throw new Error('parsed');
  };
  it.each([
    [['--bogus'], '参数有误：不认识的选项 --bogus'],
    [['extra'], '参数有误：多余的参数 extra'],
    [['--role'], '参数有误：选项 --role 缺少取值或取值不对'],
  ])('%j: %s', (args, message) => {
    expect(refusal(args)).toBe(message);
  });
});
