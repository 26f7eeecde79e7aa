/**
 * The shipped notices: their provenance, and every holiday block of 2023–2026 at its edges —
 * the day before, the first and last day, the day after, and each adjusted working day.
 */
import { describe, expect, it } from 'vitest';
import { CalendarNotCoveredError, SHIPPED_NOTICES, defaultCalendar, type YearNotice } from '../../calendars/index.js';

const cal = defaultCalendar();

describe('provenance of the shipped notices', () => {
  it.each([
    [2023, '国办发明电〔2022〕16号', 'https://www.gov.cn/zhengce/content/2022-12/08/content_5730844.htm', '2022-12-08'],
    [2024, '国办发明电〔2023〕7号', 'https://www.gov.cn/zhengce/content/202310/content_6911527.htm', '2023-10-25'],
    [2025, '国办发明电〔2024〕12号', 'https://www.gov.cn/zhengce/content/202411/content_6986382.htm', '2024-11-12'],
    [2026, '国办发明电〔2025〕7号', 'https://www.gov.cn/zhengce/content/202511/content_7047090.htm', '2025-11-04'],
  ])('%i is %s, issued %s', (year, notice, url, issued) => {
    const info = cal.yearInfo(year);
    expect(info.status).toBe('official');
    expect(info.source).toEqual({ notice, url, issued, title: `国务院办公厅关于${year}年部分节假日安排的通知` });
    expect(new URL(url).hostname).toBe('www.gov.cn');
    expect(info.calendarVersion).toBe(cal.version);
  });

  it('ships exactly 2023–2026, and every file names its holidays by block', () => {
    expect(cal.loadedYears).toEqual([2023, 2024, 2025, 2026]);
    expect(cal.lastOfficialYear).toBe(2026);
    expect(cal.coveredYears).toEqual({ from: 2023, to: 2027 });
    for (const raw of SHIPPED_NOTICES) {
      const n = raw as YearNotice;
      expect(n.blocks?.length).toBeGreaterThanOrEqual(6);
      for (const b of n.blocks!) expect(b.text).toMatch(/^[一二三四五六七]、/);
    }
  });

  it('files follow the notice’s year: 2022-12-31 is in the 2023 notice, 2023-12-30/31 in the 2024 notice', () => {
    expect(cal.yearInfo(2023).holidays).toContain('2022-12-31');
    expect(cal.yearInfo(2024).holidays.slice(0, 3)).toEqual(['2023-12-30', '2023-12-31', '2024-01-01']);
    expect(cal.yearInfo(2023).holidays).not.toContain('2023-12-30');
  });
});

interface Block {
  year: number;
  name: string;
  first: string;
  last: string;
  /** The day before the block: a working day, or `uncovered` (2022 has no notice loaded). */
  before: string;
  after: string;
  work: string[];
}

/** Every block, as the notices give them; `before`/`after` are working days unless noted. */
const BLOCKS: Block[] = [
  { year: 2023, name: '元旦', first: '2022-12-31', last: '2023-01-02', before: '2022-12-30', after: '2023-01-03', work: [] },
  { year: 2023, name: '春节', first: '2023-01-21', last: '2023-01-27', before: '2023-01-20', after: '2023-01-28', work: ['2023-01-28', '2023-01-29'] },
  { year: 2023, name: '清明节', first: '2023-04-05', last: '2023-04-05', before: '2023-04-04', after: '2023-04-06', work: [] },
  { year: 2023, name: '劳动节', first: '2023-04-29', last: '2023-05-03', before: '2023-04-28', after: '2023-05-04', work: ['2023-04-23', '2023-05-06'] },
  { year: 2023, name: '端午节', first: '2023-06-22', last: '2023-06-24', before: '2023-06-21', after: '2023-06-25', work: ['2023-06-25'] },
  { year: 2023, name: '中秋节、国庆节', first: '2023-09-29', last: '2023-10-06', before: '2023-09-28', after: '2023-10-07', work: ['2023-10-07', '2023-10-08'] },

  { year: 2024, name: '元旦', first: '2023-12-30', last: '2024-01-01', before: '2023-12-29', after: '2024-01-02', work: [] },
  { year: 2024, name: '春节', first: '2024-02-10', last: '2024-02-17', before: '2024-02-09', after: '2024-02-18', work: ['2024-02-04', '2024-02-18'] },
  { year: 2024, name: '清明节', first: '2024-04-04', last: '2024-04-06', before: '2024-04-03', after: '2024-04-07', work: ['2024-04-07'] },
  { year: 2024, name: '劳动节', first: '2024-05-01', last: '2024-05-05', before: '2024-04-30', after: '2024-05-06', work: ['2024-04-28', '2024-05-11'] },
  { year: 2024, name: '端午节', first: '2024-06-08', last: '2024-06-10', before: '2024-06-07', after: '2024-06-11', work: [] },
  { year: 2024, name: '中秋节', first: '2024-09-15', last: '2024-09-17', before: '2024-09-14', after: '2024-09-18', work: ['2024-09-14'] },
  { year: 2024, name: '国庆节', first: '2024-10-01', last: '2024-10-07', before: '2024-09-30', after: '2024-10-08', work: ['2024-09-29', '2024-10-12'] },

  { year: 2025, name: '元旦', first: '2025-01-01', last: '2025-01-01', before: '2024-12-31', after: '2025-01-02', work: [] },
  { year: 2025, name: '春节', first: '2025-01-28', last: '2025-02-04', before: '2025-01-27', after: '2025-02-05', work: ['2025-01-26', '2025-02-08'] },
  { year: 2025, name: '清明节', first: '2025-04-04', last: '2025-04-06', before: '2025-04-03', after: '2025-04-07', work: [] },
  { year: 2025, name: '劳动节', first: '2025-05-01', last: '2025-05-05', before: '2025-04-30', after: '2025-05-06', work: ['2025-04-27'] },
  { year: 2025, name: '端午节', first: '2025-05-31', last: '2025-06-02', before: '2025-05-30', after: '2025-06-03', work: [] },
  { year: 2025, name: '国庆节、中秋节', first: '2025-10-01', last: '2025-10-08', before: '2025-09-30', after: '2025-10-09', work: ['2025-09-28', '2025-10-11'] },

  { year: 2026, name: '元旦', first: '2026-01-01', last: '2026-01-03', before: '2025-12-31', after: '2026-01-04', work: ['2026-01-04'] },
  { year: 2026, name: '春节', first: '2026-02-15', last: '2026-02-23', before: '2026-02-14', after: '2026-02-24', work: ['2026-02-14', '2026-02-28'] },
  { year: 2026, name: '清明节', first: '2026-04-04', last: '2026-04-06', before: '2026-04-03', after: '2026-04-07', work: [] },
  { year: 2026, name: '劳动节', first: '2026-05-01', last: '2026-05-05', before: '2026-04-30', after: '2026-05-06', work: ['2026-05-09'] },
  { year: 2026, name: '端午节', first: '2026-06-19', last: '2026-06-21', before: '2026-06-18', after: '2026-06-22', work: [] },
  { year: 2026, name: '中秋节', first: '2026-09-25', last: '2026-09-27', before: '2026-09-24', after: '2026-09-28', work: [] },
  { year: 2026, name: '国庆节', first: '2026-10-01', last: '2026-10-07', before: '2026-09-30', after: '2026-10-08', work: ['2026-09-20', '2026-10-10'] },
];

function daysFrom(first: string, last: string): string[] {
  const out: string[] = [];
  for (let ms = Date.parse(`${first}T00:00:00Z`); ms <= Date.parse(`${last}T00:00:00Z`); ms += 86_400_000) {
    out.push(new Date(ms).toISOString().slice(0, 10));
  }
  return out;
}

describe.each(BLOCKS)('$year $name: $first–$last', (b) => {
  const notice = cal.notice(b.year)!;
  const block = notice.blocks!.find((x) => x.name === b.name);

  it('is a block of the notice, with exactly these days and adjusted working days', () => {
    expect(block).toBeDefined();
    expect(block!.holidays).toEqual(daysFrom(b.first, b.last));
    expect([...block!.adjustedWorkdays].sort()).toEqual([...b.work].sort());
  });

  it('the day before is a working day', () => {
    if (b.before === '2022-12-30') {
      // The 2022 notice is not loaded: the calendar refuses rather than guess.
      expect(() => cal.isWorkingDay(b.before)).toThrow(CalendarNotCoveredError);
    } else {
      expect(cal.isWorkingDay(b.before)).toBe(true);
    }
  });

  it('the first day, the last day and every day between are off', () => {
    if (b.first === '2022-12-31') {
      // In the 2023 notice, but in a year the calendar does not cover: refused, like all of 2022.
      expect(() => cal.isWorkingDay(b.first)).toThrow(CalendarNotCoveredError);
    } else {
      expect(cal.isWorkingDay(b.first)).toBe(false);
    }
    expect(cal.isWorkingDay(b.last)).toBe(false);
    for (const d of daysFrom(b.first, b.last)) {
      if (d >= '2023-01-01') expect(cal.isWorkingDay(d), d).toBe(false);
    }
  });

  it('the day after is a working day', () => {
    expect(cal.isWorkingDay(b.after)).toBe(true);
  });

  for (const d of b.work) {
    it(`adjusted working day ${d} is a Saturday or Sunday, and is worked`, () => {
      expect([0, 6]).toContain(new Date(`${d}T00:00:00Z`).getUTCDay());
      expect(cal.isWorkingDay(d)).toBe(true);
    });
  }
});

it('the blocks above are every block of every shipped notice', () => {
  for (const year of cal.loadedYears) {
    const names = cal.notice(year)!.blocks!.map((x) => x.name);
    expect(names).toEqual(BLOCKS.filter((b) => b.year === year).map((b) => b.name));
  }
});
