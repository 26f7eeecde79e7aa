/**
 * 补假 (《全国年节及纪念日放假办法》第六条): a statutory holiday on a Saturday or Sunday is made up on a
 * working day, and a weekend made a working day (调休) is given back as a weekday off. So a notice's
 * weekdays off, less its adjusted working days, are at least its year's statutory days; a load that
 * falls short is refused (`makeUpIssues`), whatever days it lists.
 */
import { describe, expect, it } from 'vitest';
import { makeUpIssues, parseNotice, SHIPPED_NOTICES, statutoryDates, type YearNotice } from '../../calendars/index.js';
import { isWeekend, parseDay } from '../../calendars/days.js';
import { testNotice2027 } from './notice2027.js';

const weekdaysOff = (n: YearNotice) => n.holidays.filter((d) => !isWeekend(parseDay(d))).length;
const without = (n: YearNotice, ...days: string[]): YearNotice => ({
  ...n,
  holidays: n.holidays.filter((d) => !days.includes(d)),
  ...(n.blocks ? { blocks: n.blocks.map((b) => ({ ...b, holidays: b.holidays.filter((d) => !days.includes(d)) })) } : {}),
});
const range = (from: string, days: number) => Array.from({ length: days }, (_, i) => new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10));

describe('the days off a notice gives (第六条 补假, and 调休 given back)', () => {
  it('every notice shipped gives exactly its statutory days as weekdays off, once the 调休 weekends are taken back', () => {
    expect(SHIPPED_NOTICES.length).toBeGreaterThanOrEqual(4);
    for (const raw of SHIPPED_NOTICES) {
      const n = parseNotice(raw);
      expect(weekdaysOff(n) - n.adjustedWorkdays.length, String(n.year)).toBe(statutoryDates(n.year).length);
      expect(makeUpIssues(n), String(n.year)).toEqual([]);
    }
  });

  it('the State Council’s 2022 notice (国办发明电〔2021〕11号, the 2014 edition’s 11 days) passes', () => {
    const n2022 = parseNotice({
      year: 2022,
      notice: '国办发明电〔2021〕11号',
      url: 'https://www.gov.cn/zhengce/content/2021-10/25/content_5644835.htm',
      holidays: [...range('2022-01-01', 3), ...range('2022-01-31', 7), ...range('2022-04-03', 3), ...range('2022-04-30', 5), ...range('2022-06-03', 3), ...range('2022-09-10', 3), ...range('2022-10-01', 7)],
      adjustedWorkdays: ['2022-01-29', '2022-01-30', '2022-04-02', '2022-04-24', '2022-05-07', '2022-10-08', '2022-10-09'],
    });
    expect(makeUpIssues(n2022)).toEqual([]);
  });

  it('a notice that gives more (a holiday extended, as 春节 2020 was) passes', () => {
    expect(makeUpIssues(parseNotice({ ...testNotice2027, holidays: [...testNotice2027.holidays, '2027-02-15'], blocks: undefined }))).toEqual([]);
  });

  it('given a 2027 notice without 春节’s two 补假 days (02-09, 02-10), then one issue on holidays counting the days and naming the statutory days on a weekend', () => {
    expect(makeUpIssues(parseNotice(without(testNotice2027, '2027-02-09', '2027-02-10')))).toEqual([
      {
        path: 'holidays',
        message:
          '工作日放假 16 天，扣除调休上班 5 天后为 11 天，少于法定节假日的 13 天：缺少补假或调休放假的日期（适逢周六、周日的法定节假日应当在工作日补假，《全国年节及纪念日放假办法》第六条；' +
          '2027 年适逢周末的有 春节 2027-02-06、2027-02-07；劳动节 2027-05-01、2027-05-02；国庆节 2027-10-02、2027-10-03）',
      },
    ]);
  });

  it('given the statutory days alone (no 补假), or a weekend worked with no weekday given back, then an issue; its statutory days alone are no notice', () => {
    const bare = parseNotice({ year: 2027, notice: 'x', url: 'https://www.gov.cn/x', holidays: statutoryDates(2027), adjustedWorkdays: [] });
    expect(makeUpIssues(bare)[0]?.message).toMatch(/^工作日放假 7 天，扣除调休上班 0 天后为 7 天，少于法定节假日的 13 天/);
    expect(makeUpIssues(parseNotice({ ...testNotice2027, adjustedWorkdays: [...testNotice2027.adjustedWorkdays, '2027-03-06'], blocks: undefined }))[0]?.message).toMatch(
      /^工作日放假 18 天，扣除调休上班 6 天后为 12 天，少于法定节假日的 13 天/,
    );
  });

  it('given a year none of whose statutory days falls on a weekend (2019), then the issue names no days', () => {
    const n = parseNotice({ year: 2019, notice: 'x', url: 'https://www.gov.cn/x', holidays: statutoryDates(2019), adjustedWorkdays: ['2019-02-02'] });
    expect(makeUpIssues(n)).toEqual([
      { path: 'holidays', message: '工作日放假 11 天，扣除调休上班 1 天后为 10 天，少于法定节假日的 11 天：缺少补假或调休放假的日期（适逢周六、周日的法定节假日应当在工作日补假，《全国年节及纪念日放假办法》第六条）' },
    ]);
  });

  it('a year before the statute’s editions computed here (2014) is not checked (a load refuses it for that)', () => {
    expect(makeUpIssues(parseNotice({ year: 2013, notice: 'x', url: 'https://www.gov.cn/x', holidays: ['2013-01-01'], adjustedWorkdays: [] }))).toEqual([]);
  });
});
