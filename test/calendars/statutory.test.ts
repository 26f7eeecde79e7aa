/**
 * Provisional years: the statutory holidays of 《全国年节及纪念日放假办法》, as amended in force
 * from 2025-01-01 (春节 from 除夕, 劳动节 two days), computed with lunar-javascript.
 */
import { describe, expect, it } from 'vitest';
import { defaultCalendar, statutoryDates, statutoryEditionFor, statutoryHolidays } from '../../calendars/index.js';
import { chineseDaysAnswers } from './chinese-days.js';

const cal = defaultCalendar();

const byName = (year: number, edition?: 2014 | 2025) =>
  Object.fromEntries(statutoryHolidays(year, edition).map((h) => [h.name, h.dates]));

describe('the 2025 amendment', () => {
  it('is the edition in force from 2025; the 2013 text before', () => {
    expect(statutoryEditionFor(2024)).toBe(2014);
    expect(statutoryEditionFor(2025)).toBe(2025);
    expect(statutoryEditionFor(2027)).toBe(2025);
    expect(() => statutoryEditionFor(2013)).toThrow(RangeError);
  });

  it('2025 computed provisionally has 除夕 01-28 and 劳动节 05-02, as the official notice does; the old rule has neither', () => {
    const computed = statutoryDates(2025);
    expect(computed).toContain('2025-01-28'); // 除夕 (腊月廿九: 腊月 2024 has 29 days)
    expect(computed).toContain('2025-05-02');
    expect(computed).toHaveLength(13);
    const official = new Set(cal.yearInfo(2025).holidays);
    for (const d of computed) expect(official.has(d), d).toBe(true);

    const oldRule = statutoryDates(2025, 2014);
    expect(oldRule).toHaveLength(11);
    expect(oldRule).not.toContain('2025-01-28');
    expect(oldRule).not.toContain('2025-05-02');
  });

  it('春节 is 除夕 + 初一..初三 (4 days); 劳动节 05-01, 05-02', () => {
    expect(byName(2025)['春节']).toEqual(['2025-01-28', '2025-01-29', '2025-01-30', '2025-01-31']);
    expect(byName(2025)['劳动节']).toEqual(['2025-05-01', '2025-05-02']);
    expect(byName(2026)['春节']).toEqual(['2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19']);
    expect(byName(2024, 2014)['春节']).toEqual(['2024-02-10', '2024-02-11', '2024-02-12']);
  });

  it.each([2023, 2024, 2025, 2026])('every statutory day of %i is a day off in its official notice', (year) => {
    const official = new Set(cal.yearInfo(year).holidays);
    for (const d of statutoryDates(year)) expect(official.has(d), d).toBe(true);
  });
});

describe('2027, computed (no notice loaded)', () => {
  // Known facts, independent of lunar-javascript: 2027 春节 (丁未年正月初一) is Saturday 6 February,
  // 除夕 Friday 5 February (腊月廿九, the 12th month of 丙午 has 29 days); 清明 falls on 5 April;
  // 端午 (五月初五) on 9 June; 中秋 (八月十五) on 15 September.
  it('has 除夕 2027-02-05, 初一 02-06, 清明 04-05, 端午 06-09, 中秋 09-15', () => {
    const h = byName(2027);
    expect(h).toEqual({
      元旦: ['2027-01-01'],
      春节: ['2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08'],
      清明节: ['2027-04-05'],
      劳动节: ['2027-05-01', '2027-05-02'],
      端午节: ['2027-06-09'],
      中秋节: ['2027-09-15'],
      国庆节: ['2027-10-01', '2027-10-02', '2027-10-03'],
    });
  });

  it('is a provisional year: statutory holidays, no adjusted working days, no source', () => {
    const info = cal.yearInfo(2027);
    expect(info).toMatchObject({ year: 2027, status: 'provisional', adjustedWorkdays: [], source: null, calendarVersion: cal.version });
    expect(info.holidays).toEqual(statutoryDates(2027));
    expect(info.blocks.map((b) => b.name)).toEqual(['元旦', '春节', '清明节', '劳动节', '端午节', '中秋节', '国庆节']);
  });

  it('weekends are off, statutory days on weekends are just off (no 补休), weekdays otherwise work', () => {
    expect(cal.isWorkingDay('2027-02-05')).toBe(false); // Fri, 除夕
    expect(cal.isWorkingDay('2027-02-06')).toBe(false); // Sat, 初一
    expect(cal.isWorkingDay('2027-02-08')).toBe(false); // Mon, 初三
    expect(cal.isWorkingDay('2027-02-09')).toBe(true); // Tue: no 补休 for the Saturday and Sunday
    expect(cal.isWorkingDay('2027-05-01')).toBe(false); // Sat
    expect(cal.isWorkingDay('2027-05-03')).toBe(true); // Mon: no 补休
    expect(cal.isWorkingDay('2027-10-04')).toBe(true); // Mon
    expect(cal.isWorkingDay('2027-02-13')).toBe(false); // an ordinary Saturday
    expect(cal.isProvisional('2027-03-01')).toBe(true);
    expect(cal.isProvisional('2026-12-31')).toBe(false);
  });
});

describe('lunar-javascript against chinese-days’s lunar tables (both independent of our data)', () => {
  it.each([2023, 2024, 2025, 2026, 2027, 2028, 2029, 2030, 2031, 2032])('%i: 除夕, 初一, 清明, 端午, 中秋', (year) => {
    const h = byName(year, 2025);
    const cd = chineseDaysAnswers().lunar[year]!;
    const eve = new Date(Date.parse(`${cd.chuYi}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    expect(h['春节']!.slice(0, 2)).toEqual([eve, cd.chuYi]);
    expect(h['清明节']).toEqual([cd.qingMing]);
    expect(h['端午节']).toEqual([cd.duanWu]);
    expect(h['中秋节']).toEqual([cd.zhongQiu]);
  });
});
