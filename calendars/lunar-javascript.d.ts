/**
 * The part of lunar-javascript (CommonJS, untyped) that calendars/statutory.ts uses.
 * See node_modules/lunar-javascript/lunar.js: `Lunar.fromYmd`, `Lunar#getSolar`,
 * `Lunar#getJieQiTable`, `Solar#next`, `Solar#getLunar`, `Solar#toYmd`.
 */
declare module 'lunar-javascript' {
  export interface Solar {
    getYear(): number;
    getMonth(): number;
    getDay(): number;
    /** `YYYY-MM-DD` */
    toYmd(): string;
    /** The day `days` later (negative: earlier). */
    next(days: number): Solar;
    getLunar(): Lunar;
  }

  export interface Lunar {
    getYear(): number;
    /** Negative for a leap month. */
    getMonth(): number;
    getDay(): number;
    getSolar(): Solar;
    /** Solar terms around the lunar year, by Chinese name (`清明`, …) and by pinyin for the edges. */
    getJieQiTable(): Record<string, Solar>;
  }

  export interface SolarStatic {
    fromYmd(year: number, month: number, day: number): Solar;
  }

  export interface LunarStatic {
    /** A lunar date; `month` negative for a leap month. Throws for a day the month does not have. */
    fromYmd(lunarYear: number, lunarMonth: number, lunarDay: number): Lunar;
  }

  const lunar: {
    Solar: SolarStatic;
    Lunar: LunarStatic;
  };
  export default lunar;
}
