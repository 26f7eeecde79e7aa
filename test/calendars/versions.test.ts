/**
 * Calendar versions: a content hash of the loaded notices; loading a notice answers a new
 * calendar; notices are validated on the way in.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CalendarValidationError,
  SHIPPED_NOTICES,
  WorkingDayCalendar,
  canonicalNotice,
  defaultCalendar,
  type YearNotice,
} from '../../calendars/index.js';

const cal = defaultCalendar();

/**
 * A 2027 notice for tests only — not the State Council's (none was published when this was
 * written): the statutory days, 元旦 with a weekend, and one adjusted working Sunday.
 */
const notice2027: YearNotice = {
  year: 2027,
  notice: '测试用〔2026〕0号',
  url: 'https://www.gov.cn/test/2027.htm',
  issued: '2026-11-01',
  holidays: ['2027-01-01', '2027-01-02', '2027-01-03', '2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11', '2027-02-12', '2027-04-05', '2027-05-01', '2027-05-02', '2027-06-09', '2027-09-15', '2027-10-01', '2027-10-02', '2027-10-03'],
  adjustedWorkdays: ['2027-02-14'],
};

function issuesOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof CalendarValidationError) {
      expect(e.code).toBe('VALIDATION_FAILED');
      return e.errors.map((x) => `${x.path}: ${x.message}`);
    }
    throw e;
  }
  throw new Error('accepted');
}

describe('version', () => {
  it('is the first 12 hex digits of the SHA-256 of the canonical notices', () => {
    const canonical = `[${cal.notices.map(canonicalNotice).join(',')}]`;
    expect(cal.version).toBe(createHash('sha256').update(canonical).digest('hex').slice(0, 12));
    expect(cal.version).toMatch(/^[0-9a-f]{12}$/);
  });

  it('depends on content, not on load order or date order', () => {
    const reversed = WorkingDayCalendar.fromNotices([...SHIPPED_NOTICES].reverse());
    expect(reversed.version).toBe(cal.version);
    const shuffled = SHIPPED_NOTICES.map((n) => ({ ...(n as YearNotice), holidays: [...(n as YearNotice).holidays].reverse() }));
    expect(WorkingDayCalendar.fromNotices(shuffled).version).toBe(cal.version);
  });

  it('is carried by every answer', () => {
    expect(cal.deadline('2026-03-02', 3).calendarVersion).toBe(cal.version);
    expect(cal.calendarDeadline('2026-03-02', 3).calendarVersion).toBe(cal.version);
    expect(cal.yearInfo(2027).calendarVersion).toBe(cal.version);
  });
});

describe('withNotice', () => {
  const next = cal.withNotice(notice2027);

  it('loading a 2027 notice answers a new calendar with a new version; the old one is unchanged', () => {
    expect(next).not.toBe(cal);
    expect(next.version).not.toBe(cal.version);
    expect(next.loadedYears).toEqual([2023, 2024, 2025, 2026, 2027]);
    expect(next.lastOfficialYear).toBe(2027);
    expect(next.coveredYears).toEqual({ from: 2023, to: 2028 });
    expect(cal.loadedYears).toEqual([2023, 2024, 2025, 2026]);
    expect(cal.yearStatus(2027)).toBe('provisional');
  });

  it('clears provisional: the deadline entered 2026-12-28 is re-stated from the notice', () => {
    const before = cal.deadline('2026-12-28', 10);
    const after = next.deadline('2026-12-28', 10);
    expect(before).toMatchObject({ dueDate: '2027-01-12', provisional: true, calendarVersion: cal.version });
    expect(after).toMatchObject({ dueDate: '2027-01-12', provisional: false, calendarVersion: next.version });
    // The loaded notice moves what it should: 春节 2027 now runs to 02-12, Sunday 02-14 is worked
    // (provisionally: 02-05..08 and the 补假 02-09, 02-10 off, so 02-11, 02-12, 02-15).
    expect(cal.deadline('2027-02-04', 3).dueDate).toBe('2027-02-15');
    expect(next.deadline('2027-02-04', 3)).toMatchObject({ dueDate: '2027-02-16', provisional: false });
  });

  it('extends coverage: 2028 becomes provisional', () => {
    expect(next.yearInfo(2027)).toMatchObject({ status: 'official', source: { notice: '测试用〔2026〕0号', url: notice2027.url, issued: '2026-11-01' } });
    expect(next.yearInfo(2028)).toMatchObject({ status: 'provisional', source: null });
    // 12-29, 12-30, 12-31, then 元旦 Saturday 2028-01-01 made up on Monday 01-03 (第六条): 01-04 .. 01-07, 01-10 .. 01-12.
    expect(next.deadline('2027-12-28', 10)).toMatchObject({ dueDate: '2028-01-12', provisional: true });
  });

  it('replaces a year already loaded, and the same content gives the same version', () => {
    const again = next.withNotice(notice2027);
    expect(again.version).toBe(next.version);
    const corrected = next.withNotice({ ...notice2027, adjustedWorkdays: [] });
    expect(corrected.version).not.toBe(next.version);
    expect(corrected.loadedYears).toEqual(next.loadedYears);
  });

  it('a notice loaded for an earlier year extends coverage backwards', () => {
    const with2022 = cal.withNotice({ year: 2022, notice: '国办发明电〔2021〕11号', url: 'https://www.gov.cn/zhengce/content/2021-10/25/content_5644835.htm', holidays: ['2022-01-01', '2022-01-02', '2022-01-03', '2022-02-01', '2022-02-02', '2022-02-03', '2022-04-05', '2022-05-01', '2022-06-03', '2022-09-10', '2022-10-01', '2022-10-02', '2022-10-03'], adjustedWorkdays: [] });
    expect(with2022.coveredYears.from).toBe(2022);
    expect(with2022.isWorkingDay('2022-12-31')).toBe(false); // from the 2023 notice
    expect(with2022.isWorkingDay('2022-12-30')).toBe(true);
  });
});

describe('notice validation', () => {
  const base = notice2027;

  it('refuses malformed and impossible dates', () => {
    expect(issuesOf(() => cal.withNotice({ ...base, holidays: [...base.holidays, '2027-02-30'] }))).toEqual([`holidays.${base.holidays.length}: 不是有效日期（应为 YYYY-MM-DD）`]);
    expect(issuesOf(() => cal.withNotice({ ...base, holidays: [...base.holidays, '2027-2-3'] }))).toHaveLength(1);
    expect(issuesOf(() => cal.withNotice({ ...base, issued: '2026-13-01' }))).toEqual(['issued: 不是有效日期（应为 YYYY-MM-DD）']);
  });

  it('refuses dates outside the year and its New-Year edge', () => {
    expect(issuesOf(() => cal.withNotice({ ...base, holidays: [...base.holidays, '2028-01-01'] }))[0]).toMatch(/不在 2027 年内/);
    expect(issuesOf(() => cal.withNotice({ ...base, holidays: [...base.holidays, '2026-12-20'] }))[0]).toMatch(/不在 2027 年内/);
    expect(() => cal.withNotice({ ...base, year: 2027, holidays: ['2026-12-31', ...base.holidays] })).not.toThrow();
  });

  it('refuses a notice that leaves out a statutory holiday (《全国年节及纪念日放假办法》), naming the days', () => {
    expect(issuesOf(() => cal.withNotice({ ...base, holidays: base.holidays.filter((d) => d !== '2027-06-09' && d !== '2027-10-03') }))).toEqual([
      'holidays: 缺少法定节假日 2027-06-09、2027-10-03（《全国年节及纪念日放假办法》规定的假日必须放假）',
    ]);
    // Every notice shipped gives them all.
    expect(() => WorkingDayCalendar.fromNotices(SHIPPED_NOTICES)).not.toThrow();
  });

  it('refuses an adjusted working day that is not a weekend day', () => {
    expect(issuesOf(() => cal.withNotice({ ...base, adjustedWorkdays: ['2027-02-15'] }))).toEqual([
      'adjustedWorkdays.0: 2027-02-15 不是周六或周日：只有周末才能调为工作日',
    ]);
  });

  it('refuses a day both off and working, within a notice or across notices', () => {
    expect(issuesOf(() => cal.withNotice({ ...base, adjustedWorkdays: ['2027-02-06'] }))).toEqual(['adjustedWorkdays.0: 2027-02-06 同时被列为放假日和调休工作日']);
    // Saturday 2023-12-30 is a day off in the 2024 notice (its New-Year edge): a 2023 notice may not make it a working day.
    const n2023 = cal.notice(2023)!;
    expect(issuesOf(() => cal.withNotice({ ...n2023, blocks: undefined, adjustedWorkdays: [...n2023.adjustedWorkdays, '2023-12-30'] }))).toEqual([
      'adjustedWorkdays: 2023-12-30 在 2023 年的通知中是工作日，在 2024 年的通知中却是放假日',
    ]);
  });

  it('refuses duplicates, unknown fields, a missing field, a bad URL, blocks that do not match', () => {
    expect(issuesOf(() => cal.withNotice({ ...base, holidays: [...base.holidays, '2027-01-01'] }))).toEqual([`holidays.${base.holidays.length}: 2027-01-01 重复列出`]);
    expect(issuesOf(() => cal.withNotice({ ...base, extra: 1 }))[0]).toMatch(/extra/);
    const { url: _url, ...noUrl } = base;
    expect(issuesOf(() => cal.withNotice(noUrl))[0]).toMatch(/^url/);
    expect(issuesOf(() => cal.withNotice({ ...base, url: 'ftp://www.gov.cn/x' }))[0]).toMatch(/^url/);
    expect(
      issuesOf(() => cal.withNotice({ ...base, blocks: [{ name: '元旦', holidays: ['2027-01-01', '2027-01-02', '2027-01-03'], adjustedWorkdays: [] }] })).length,
    ).toBeGreaterThan(0);
  });

  it('refuses two notices for one year, and an empty list', () => {
    expect(issuesOf(() => WorkingDayCalendar.fromNotices([...SHIPPED_NOTICES, SHIPPED_NOTICES[0]]))).toContain('year: 2023 年有两份通知');
    expect(issuesOf(() => WorkingDayCalendar.fromNotices([]))).toEqual(['notices: 至少需要一份节假日安排通知']);
  });

  it('names the notice in the path when fromNotices refuses one', () => {
    const bad = { ...(SHIPPED_NOTICES[1] as YearNotice), adjustedWorkdays: ['2024-02-05'] };
    expect(issuesOf(() => WorkingDayCalendar.fromNotices([SHIPPED_NOTICES[0], bad]))[0]).toMatch(/^notices\.1\.adjustedWorkdays\.0: 2024-02-05 不是周六或周日/);
  });
});
