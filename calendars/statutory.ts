/**
 * The statutory holidays of 《全国年节及纪念日放假办法》, computed for a year whose State Council
 * notice is not loaded yet (a *provisional* year). Lunar dates and the 清明 solar term come from
 * lunar-javascript. Only what the statute itself fixes is given: the holidays (第二条) and their
 * 补假 (第六条); no 调休 — the notice decides that (第七条 of the 2025 edition).
 *
 * Editions (第二条):
 * - `2014` (as amended 2013-12-11, in force 2014-01-01 to 2024-12-31): 元旦 1 day, 春节 3 days
 *   (正月初一–初三), 清明 1, 劳动节 1 (5-1), 端午 1, 中秋 1, 国庆 3 (10-1–10-3): 11 days.
 * - `2025` (as amended 2024-11-10, in force from 2025-01-01): 春节 4 days from 除夕 (the day before
 *   正月初一: 腊月三十, or 廿九 when 腊月 is short) and 劳动节 2 days (5-1, 5-2): 13 days.
 *
 * 补假, 第六条 (the same article in both editions): "全体公民放假的假日，如果适逢周六、周日，应当在
 * 工作日补假。" (2014: "…如果适逢星期六、星期日，应当在工作日补假。") See `provisionalHolidays`.
 */
import lunarJs from 'lunar-javascript';
import { formatDay, isWeekend, parseDay } from './days.js';

const { Lunar } = lunarJs;

export type StatutoryEdition = 2014 | 2025;

export interface StatutoryHoliday {
  /** `元旦`, `春节`, `清明节`, `劳动节`, `端午节`, `中秋节`, `国庆节` */
  name: string;
  /** The days, `YYYY-MM-DD`, ascending. */
  dates: string[];
}

/** The first year whose statutory holidays are computed here (the 2014 edition's). */
export const FIRST_STATUTORY_YEAR = 2014;

/** The edition of the statute in force in a year; years before 2014 are not supported. */
export function statutoryEditionFor(year: number): StatutoryEdition {
  if (!Number.isInteger(year) || year < FIRST_STATUTORY_YEAR) throw new RangeError(`no statutory rule computed for ${year} (editions from 2014)`);
  return year >= 2025 ? 2025 : 2014;
}

function ymd(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * The statutory holidays of a Gregorian year, by the edition in force that year (or the one
 * given). Every festival of the year is listed once, in calendar order.
 */
export function statutoryHolidays(year: number, edition: StatutoryEdition = statutoryEditionFor(year)): StatutoryHoliday[] {
  // 正月初一 of lunar year `year` always falls in January or February of Gregorian `year`,
  // and 除夕 (the day before) in the same Gregorian year: 正月初一 is never before 01-21.
  const chuYi = Lunar.fromYmd(year, 1, 1).getSolar();
  const springDays = edition === 2025 ? [-1, 0, 1, 2] : [0, 1, 2];
  const spring = springDays.map((k) => chuYi.next(k).toYmd());

  const qingMing = Lunar.fromYmd(year, 1, 1).getJieQiTable()['清明'];
  if (!qingMing || qingMing.getYear() !== year || qingMing.getMonth() !== 4) {
    throw new Error(`lunar-javascript gave no 清明 in April ${year}`);
  }
  const duanWu = Lunar.fromYmd(year, 5, 5).getSolar().toYmd();
  const zhongQiu = Lunar.fromYmd(year, 8, 15).getSolar().toYmd();

  const list: StatutoryHoliday[] = [
    { name: '元旦', dates: [ymd(year, 1, 1)] },
    { name: '春节', dates: spring },
    { name: '清明节', dates: [qingMing.toYmd()] },
    { name: '劳动节', dates: edition === 2025 ? [ymd(year, 5, 1), ymd(year, 5, 2)] : [ymd(year, 5, 1)] },
    { name: '端午节', dates: [duanWu] },
    { name: '中秋节', dates: [zhongQiu] },
    { name: '国庆节', dates: [ymd(year, 10, 1), ymd(year, 10, 2), ymd(year, 10, 3)] },
  ];
  for (const h of list) {
    for (const d of h.dates) {
      if (!d.startsWith(`${year}-`)) throw new Error(`statutory ${h.name} ${d} outside ${year}`);
    }
  }
  return list.sort((a, b) => (a.dates[0]! < b.dates[0]! ? -1 : a.dates[0]! > b.dates[0]! ? 1 : 0));
}

/**
 * The statutory holidays of a year as a sorted, de-duplicated list (中秋 may fall on 国庆), without
 * 补假: the days every notice must give (calendars/notice.ts). A provisional year's days off are
 * `provisionalDaysOff`.
 */
export function statutoryDates(year: number, edition?: StatutoryEdition): string[] {
  return [...new Set(statutoryHolidays(year, edition).flatMap((h) => h.dates))].sort();
}

/** A statutory holiday with its 补假 (第六条): what a provisional year gives for it. */
export interface ProvisionalHoliday extends StatutoryHoliday {
  /** The statutory days (`dates`) that fall on a Saturday or Sunday. */
  onWeekend: string[];
  /** 补假: one working day off for each day of `onWeekend`, `YYYY-MM-DD`, ascending. */
  makeUp: string[];
}

/**
 * The statutory holidays of a year with their 补假, as a provisional year has them.
 *
 * 《全国年节及纪念日放假办法》第六条: "全体公民放假的假日，如果适逢周六、周日，应当在工作日补假。"
 * For each holiday (the run of days of one festival, 第二条), each of its days that falls on a
 * Saturday or Sunday gives one day off on a working day: the first working days after the
 * holiday's last day, skipping weekends, every statutory day of the year and the 补假 already
 * given to an earlier holiday (holidays are taken in calendar order). So 国庆 2027 (Fri 10-01 –
 * Sun 10-03) is made up on Mon 10-04 and Tue 10-05; 中秋 on Saturday 09-30 would be made up
 * after 国庆's three days. A festival that falls on another's day on a weekday (中秋 on 10-01 to
 * 10-03, as in 2028) is not a weekend day: the statute gives no 补假 for it, and none is given here.
 * Where the notice will really put each day off (and which weekends it makes working days, 调休)
 * only the notice says; when it is loaded, the year is as the notice gives it.
 */
export function provisionalHolidays(year: number, edition: StatutoryEdition = statutoryEditionFor(year)): ProvisionalHoliday[] {
  const holidays = statutoryHolidays(year, edition);
  const off = new Set(holidays.flatMap((h) => h.dates));
  return holidays.map((h) => {
    const onWeekend = h.dates.filter((d) => isWeekend(parseDay(d)));
    const makeUp: string[] = [];
    for (let day = parseDay(h.dates[h.dates.length - 1]!) + 1; makeUp.length < onWeekend.length; day++) {
      const d = formatDay(day);
      if (isWeekend(day) || off.has(d)) continue;
      if (!d.startsWith(`${year}-`)) throw new Error(`补假 of ${h.name} ${year} would fall in ${d}, outside ${year}`);
      makeUp.push(d);
      off.add(d);
    }
    return { name: h.name, dates: [...h.dates], onWeekend, makeUp };
  });
}

/**
 * The days off of a provisional year besides its weekends: the statutory holidays and their 补假
 * (第六条), sorted and de-duplicated.
 */
export function provisionalDaysOff(year: number, edition?: StatutoryEdition): string[] {
  return [...new Set(provisionalHolidays(year, edition).flatMap((h) => [...h.dates, ...h.makeUp]))].sort();
}
