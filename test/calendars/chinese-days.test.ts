/**
 * An independent cross-check: chinese-days (a devDependency, never a data source) against the
 * shipped notices, date by date. If they ever disagree, the failure names the dates; the data is
 * corrected only against the notice itself. chinese-days runs in a child process under
 * TZ=Asia/Shanghai, because its own answers depend on the process's zone.
 */
import { describe, expect, it } from 'vitest';
import { defaultCalendar } from '../../calendars/index.js';
import { chineseDaysAnswers } from './chinese-days.js';

const cal = defaultCalendar();
const cd = chineseDaysAnswers();

function eachDay(first: string, last: string): string[] {
  const out: string[] = [];
  for (let ms = Date.parse(`${first}T00:00:00Z`); ms <= Date.parse(`${last}T00:00:00Z`); ms += 86_400_000) {
    out.push(new Date(ms).toISOString().slice(0, 10));
  }
  return out;
}

describe('chinese-days agrees with the shipped notices', () => {
  it('on every day of 2023–2026 (isWorkday and isHoliday)', () => {
    const days = eachDay('2023-01-01', '2026-12-31');
    expect(days).toHaveLength(1461);
    const disagreements = days
      .map((d) => ({ date: d, ours: cal.isWorkingDay(d), workday: cd.days[d]!.workday, holiday: cd.days[d]!.holiday }))
      .filter((x) => x.ours !== x.workday || x.ours === x.holiday);
    expect(disagreements).toEqual([]);
  });

  it('on every day each notice lists, the New-Year edges included', () => {
    const disagreements: string[] = [];
    for (const n of cal.notices) {
      for (const d of n.holidays) if (!cd.days[d]!.holiday) disagreements.push(`${n.year}: ${d} off`);
      for (const d of n.adjustedWorkdays) if (!cd.days[d]!.workday) disagreements.push(`${n.year}: ${d} worked`);
    }
    expect(disagreements).toEqual([]);
  });

  it('on which weekend days are adjusted working days (2022-12 to 2026)', () => {
    const ours = cal.notices.flatMap((n) => n.adjustedWorkdays).sort();
    const theirs = eachDay('2022-12-01', '2026-12-31').filter((d) => {
      const dow = new Date(`${d}T00:00:00Z`).getUTCDay();
      return (dow === 0 || dow === 6) && cd.days[d]!.workday;
    });
    expect(ours).toEqual(theirs);
  });
});
