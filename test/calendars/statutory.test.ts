/**
 * Provisional years: the statutory holidays of 《全国年节及纪念日放假办法》, as amended in force
 * from 2025-01-01 (春节 from 除夕, 劳动节 two days), computed with lunar-javascript, and their
 * 补假 (第六条: a holiday's days on a Saturday or Sunday are made up on working days).
 */
import { describe, expect, it } from 'vitest';
import {
  WorkingDayCalendar,
  defaultCalendar,
  provisionalDaysOff,
  provisionalHolidays,
  statutoryDates,
  statutoryEditionFor,
  statutoryHolidays,
} from '../../calendars/index.js';
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

  // The provisional rule against history: every statutory day, and every 补假 day the rule gives
  // (第六条), is a day off in the year's official notice. (The notices also move weekends with 调休,
  // which no rule predicts: only this direction is checked.)
  it.each([
    [2023, ['2023-01-02', '2023-01-25', '2023-10-04']], // 元旦 Sun 01-01; 春节 初一 Sun 01-22; 国庆 Sun 10-01
    [2024, ['2024-02-13', '2024-02-14']], // 春节 初一 Sat 02-10, 初二 Sun 02-11
    [2025, ['2025-06-02']], // 端午 Sat 05-31
    [2026, ['2026-04-06', '2026-05-04', '2026-10-05']], // 清明 Sun 04-05; 劳动节 Sat 05-02; 国庆 Sat 10-03
  ])('every statutory day of %i and its 补假 %j are days off in its official notice', (year, makeUp) => {
    const official = new Set(cal.yearInfo(year).holidays);
    for (const d of statutoryDates(year)) expect(official.has(d), d).toBe(true);
    expect(provisionalHolidays(year).flatMap((h) => h.makeUp)).toEqual(makeUp);
    for (const d of makeUp) expect(official.has(d), `补假 ${d}`).toBe(true);
    // Without its notice the year is provisional and has them off too (2023, the first loaded
    // year, is not covered without its notice).
    if (year > cal.coveredYears.from) {
      const without = WorkingDayCalendar.fromNotices(cal.notices.filter((n) => n.year !== year));
      expect(without.yearStatus(year)).toBe('provisional');
      for (const d of makeUp) expect(without.isWorkingDay(d), `补假 ${d}`).toBe(false);
    }
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

  it('is a provisional year: statutory holidays and their 补假, no adjusted working days, no source', () => {
    const info = cal.yearInfo(2027);
    expect(info).toMatchObject({ year: 2027, status: 'provisional', adjustedWorkdays: [], source: null, calendarVersion: cal.version });
    expect(info.holidays).toEqual([
      '2027-01-01',
      ...['2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10'],
      '2027-04-05',
      ...['2027-05-01', '2027-05-02', '2027-05-03', '2027-05-04'],
      '2027-06-09',
      '2027-09-15',
      ...['2027-10-01', '2027-10-02', '2027-10-03', '2027-10-04', '2027-10-05'],
    ]);
    expect(info.holidays).toEqual(provisionalDaysOff(2027));
    expect(info.blocks.map((b) => b.name)).toEqual(['元旦', '春节', '清明节', '劳动节', '端午节', '中秋节', '国庆节']);
  });

  it('weekends are off, statutory days are off, their weekend days are made up (补假), weekdays otherwise work', () => {
    expect(cal.isWorkingDay('2027-02-05')).toBe(false); // Fri, 除夕
    expect(cal.isWorkingDay('2027-02-06')).toBe(false); // Sat, 初一
    expect(cal.isWorkingDay('2027-02-08')).toBe(false); // Mon, 初三
    expect(cal.isWorkingDay('2027-02-11')).toBe(true); // Thu, after the 补假 of 02-09, 02-10
    expect(cal.isWorkingDay('2027-04-05')).toBe(false); // Mon, 清明
    expect(cal.isWorkingDay('2027-04-06')).toBe(true); // Tue: 清明 is on a weekday, no 补假
    expect(cal.isWorkingDay('2027-01-04')).toBe(true); // Mon: 元旦 is a Friday, no 补假
    expect(cal.isWorkingDay('2027-02-13')).toBe(false); // an ordinary Saturday
    expect(cal.isProvisional('2027-03-01')).toBe(true);
    expect(cal.isProvisional('2026-12-24')).toBe(false);
    // 25–31 December: the next year's notice may still set them (its New-Year edge).
    expect(cal.isProvisional('2026-12-25')).toBe(true);
    expect(cal.isProvisional('2026-12-31')).toBe(true);
  });
});

describe('补假 in a provisional year (《全国年节及纪念日放假办法》第六条: 适逢周六、周日，应当在工作日补假)', () => {
  const endOf = (d: string) => new Date(Date.parse(`${d}T23:59:59.999+08:00`)).toISOString();
  const block = (year: number, name: string, c: WorkingDayCalendar = cal) => c.yearInfo(year).blocks.find((b) => b.name === name)!;

  it('国庆 2027 (Fri 10-01 – Sun 10-03): its Saturday and Sunday are made up on Mon 10-04 and Tue 10-05; one working day after 09-30 is Wed 10-06, provisional', () => {
    expect(cal.isWorkingDay('2027-10-04')).toBe(false);
    expect(cal.isWorkingDay('2027-10-05')).toBe(false);
    expect(cal.isWorkingDay('2027-10-06')).toBe(true);
    expect(cal.deadline('2027-09-30', 1)).toEqual({ dueAt: endOf('2027-10-06'), dueDate: '2027-10-06', provisional: true, calendarVersion: cal.version });
    expect(block(2027, '国庆节')).toEqual({
      name: '国庆节',
      text: '临时计算（《全国年节及纪念日放假办法》，尚未载入国务院通知）：第二条 放假 2027-10-01、2027-10-02、2027-10-03；第六条 2027-10-02、2027-10-03 适逢周六、周日，补假 2027-10-04、2027-10-05。',
      holidays: ['2027-10-01', '2027-10-02', '2027-10-03', '2027-10-04', '2027-10-05'],
      adjustedWorkdays: [],
    });
  });

  it('劳动节 2027 (Sat 05-01, Sun 05-02): made up on Mon 05-03 and Tue 05-04; one working day after Fri 04-30 is Wed 05-05', () => {
    expect(cal.isWorkingDay('2027-05-03')).toBe(false);
    expect(cal.isWorkingDay('2027-05-04')).toBe(false);
    expect(cal.deadline('2027-04-30', 1)).toMatchObject({ dueDate: '2027-05-05', provisional: true });
    expect(block(2027, '劳动节').holidays).toEqual(['2027-05-01', '2027-05-02', '2027-05-03', '2027-05-04']);
  });

  it('春节 2027 (除夕 Fri 02-05 – 初三 Mon 02-08; 初一 Sat, 初二 Sun): made up on Tue 02-09 and Wed 02-10; one working day after Thu 02-04 is Thu 02-11', () => {
    expect(cal.isWorkingDay('2027-02-09')).toBe(false);
    expect(cal.isWorkingDay('2027-02-10')).toBe(false);
    expect(cal.deadline('2027-02-04', 1)).toMatchObject({ dueDate: '2027-02-11', provisional: true });
    // A 10-working-day deadline entered Mon 01-25 runs 01-26..29, 02-01..04, then 02-11, 02-12.
    expect(cal.deadline('2027-01-25', 10)).toMatchObject({ dueDate: '2027-02-12', provisional: true });
    expect(block(2027, '春节').holidays).toEqual(['2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10']);
  });

  it('holidays on weekdays have no 补假: 元旦 2027 (Fri), 清明 (Mon 04-05), 端午 (Wed 06-09), 中秋 (Wed 09-15)', () => {
    expect(provisionalHolidays(2027).map((h) => [h.name, h.makeUp])).toEqual([
      ['元旦', []],
      ['春节', ['2027-02-09', '2027-02-10']],
      ['清明节', []],
      ['劳动节', ['2027-05-03', '2027-05-04']],
      ['端午节', []],
      ['中秋节', []],
      ['国庆节', ['2027-10-04', '2027-10-05']],
    ]);
    expect(cal.deadline('2026-12-31', 1)).toMatchObject({ dueDate: '2027-01-04', provisional: true });
    expect(block(2027, '清明节')).toEqual({ name: '清明节', text: '临时计算（《全国年节及纪念日放假办法》，尚未载入国务院通知）：第二条 放假 2027-04-05。', holidays: ['2027-04-05'], adjustedWorkdays: [] });
    expect(cal.yearInfo(2027, 'en').blocks.map((b) => b.text).filter((t) => /10-01/.test(t ?? ''))).toEqual([
      'provisional (Measures on National Holidays and Commemorative Days; the State Council’s notice is not loaded yet): Article 2, days off 2027-10-01, 2027-10-02, 2027-10-03; Article 6, 2027-10-02, 2027-10-03 fall on Saturday and Sunday, days in lieu 2027-10-04, 2027-10-05.',
    ]);
  });

  describe('at the year end: 元旦 2028 is a Saturday, made up on Monday 2028-01-03', () => {
    /** Test data, not the State Council's: 2027 loaded with its statutory days only, so that 2028 is provisional. */
    const with2027 = cal.withNotice({ year: 2027, notice: '测试用（补假）', url: 'https://www.gov.cn/test/2027-bujia.htm', holidays: statutoryDates(2027), adjustedWorkdays: [] });

    it('with 2028 provisional, one working day after Friday 2027-12-31 is Tuesday 2028-01-04, provisional', () => {
      expect(with2027.isWorkingDay('2028-01-03')).toBe(false);
      expect(with2027.deadline('2027-12-31', 1)).toEqual({ dueAt: endOf('2028-01-04'), dueDate: '2028-01-04', provisional: true, calendarVersion: with2027.version });
      expect(with2027.yearInfo(2028).blocks[0]).toMatchObject({ name: '元旦', holidays: ['2028-01-01', '2028-01-03'] });
      // Calendar QA: a holiday meeting a Saturday alone read 适逢周六、周日 (the article's words, not the day's).
      expect(block(2028, '元旦', with2027).text).toBe('临时计算（《全国年节及纪念日放假办法》，尚未载入国务院通知）：第二条 放假 2028-01-01；第六条 2028-01-01 适逢周六，补假 2028-01-03。');
      // Year-end QA: in English the product's own text stayed Chinese.
      expect(with2027.yearInfo(2028, 'en').blocks[0]!.text).toBe(
        'provisional (Measures on National Holidays and Commemorative Days; the State Council’s notice is not loaded yet): Article 2, days off 2028-01-01; Article 6, 2028-01-01 falls on Saturday, days in lieu 2028-01-03.',
      );
    });

    it('past the covered years (shipped calendar), a 31-calendar-day term from 2027-12-01 ends Saturday 2028-01-01 and moves over Sunday and the 补假 to Tuesday 01-04', () => {
      expect(cal.calendarDeadline('2027-12-01', 31)).toEqual({ dueAt: endOf('2028-01-04'), dueDate: '2028-01-04', provisional: true, calendarVersion: cal.version });
    });
  });

  it('an official year is as its notice says: a loaded 2027 notice that gives no 补假 makes Monday 10-04 a working day', () => {
    const loaded = cal.withNotice({ year: 2027, notice: '测试用（无补假）', url: 'https://www.gov.cn/test/2027-none.htm', holidays: statutoryDates(2027), adjustedWorkdays: [] });
    expect(loaded.isWorkingDay('2027-10-04')).toBe(true);
    expect(loaded.deadline('2027-09-30', 1)).toMatchObject({ dueDate: '2027-10-04', provisional: false });
    expect(loaded.yearInfo(2027).holidays).toEqual(statutoryDates(2027));
  });

  it('a festival on another’s day: 中秋 Sunday 2039-10-02 on 国庆 is made up too (after 国庆’s own 补假); 中秋 Tuesday 2028-10-03 on 国庆 is a weekday: no 补假 (the notice decides)', () => {
    const y2039 = Object.fromEntries(provisionalHolidays(2039).map((h) => [h.name, h]));
    expect(y2039['国庆节']).toMatchObject({ onWeekend: ['2039-10-01', '2039-10-02'], makeUp: ['2039-10-04', '2039-10-05'] });
    expect(y2039['中秋节']).toMatchObject({ dates: ['2039-10-02'], onWeekend: ['2039-10-02'], makeUp: ['2039-10-06'] });
    const y2028 = Object.fromEntries(provisionalHolidays(2028).map((h) => [h.name, h]));
    expect(y2028['国庆节']).toMatchObject({ onWeekend: ['2028-10-01'], makeUp: ['2028-10-04'] });
    expect(y2028['中秋节']).toMatchObject({ dates: ['2028-10-03'], onWeekend: [], makeUp: [] });
  });

  it('in every year 2014–2100: one 补假 per weekend day, each on the first weekdays after its holiday that are not already off', () => {
    const dow = (d: string) => new Date(`${d}T00:00:00Z`).getUTCDay();
    const next = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    for (let year = 2014; year <= 2100; year++) {
      const off = new Set(statutoryDates(year));
      for (const h of provisionalHolidays(year)) {
        expect(h.onWeekend, `${year} ${h.name}`).toEqual(h.dates.filter((d) => dow(d) === 0 || dow(d) === 6));
        const expected: string[] = [];
        for (let d = next(h.dates[h.dates.length - 1]!); expected.length < h.onWeekend.length; d = next(d)) {
          if (dow(d) !== 0 && dow(d) !== 6 && !off.has(d)) expected.push(d);
        }
        expect(h.makeUp, `${year} ${h.name}`).toEqual(expected);
        for (const d of h.makeUp) off.add(d);
      }
      expect(provisionalDaysOff(year)).toEqual([...off].sort());
    }
  });
});

describe('补假 against the notices before the shipped ones (chinese-days, 2014–2022)', () => {
  it('every 补假 the rule gives was a day off, but for 中秋 2015, which that notice made up in the 国庆 week', () => {
    // 国办发明电〔2014〕28号: "六、中秋节：9月27日放假。七、国庆节：10月1日至7日放假调休，共7天。10月10日（星期六）上班。"
    // 中秋 fell on Sunday 09-27; its day was given in the 国庆 week (10-07) rather than on Monday 09-28.
    const cd = chineseDaysAnswers({ from: '2014-01-01', to: '2022-12-31' }).days;
    const missed: string[] = [];
    for (let year = 2014; year <= 2022; year++) {
      for (const h of provisionalHolidays(year)) {
        for (const d of h.dates) if (!cd[d]!.holiday) missed.push(`${h.name} ${d}`);
        for (const d of h.makeUp) if (!cd[d]!.holiday || cd[d]!.workday) missed.push(`${h.name} 补假 ${d}`);
      }
    }
    expect(missed).toEqual(['中秋节 补假 2015-09-28']);
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
