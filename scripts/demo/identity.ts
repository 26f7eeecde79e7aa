/**
 * Identity numbers that look and check like real ones: 统一社会信用代码 (GB 32100-2015, with the
 * GB 11714 organisation code inside, its own check character made right too) and 居民身份证号码
 * (GB 11643), whose check characters machines/schemas.ts verifies.
 */
import { creditCodeCheckChar, idNumberCheckChar, isCheckedCreditCode, isIdNumber } from '../../machines/schemas.js';
import type { Random } from './random.js';

const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];
/** Letters an organisation code may use inside a credit code (no I, O, S, V, Z). */
const ORG_LETTERS = 'ABCDEFGHJKLMNPQRTUWXY';

/** The GB 11714 check character of an organisation code's first 8 characters. */
export function orgCodeCheckChar(body: string): string {
  const value = (c: string) => (/\d/.test(c) ? Number(c) : c.charCodeAt(0) - 55);
  const sum = [...body].reduce((acc, c, i) => acc + value(c) * ORG_WEIGHTS[i]!, 0);
  const check = 11 - (sum % 11);
  return check === 10 ? 'X' : check === 11 ? '0' : String(check);
}

/** A company's 统一社会信用代码, registered in `region` (91 = 工商 · 企业). */
export function creditCode(random: Random, region: string): string {
  // Since 2015 new companies get organisation codes beginning MA; older ones are all digits.
  const body = random.chance(0.6)
    ? `MA${random.chars('0123456789', 1)}${random.chars(`0123456789${ORG_LETTERS}`, 5)}`
    : random.chars('0123456789', 8);
  const first17 = `91${region}${body}${orgCodeCheckChar(body)}`;
  const code = `${first17}${creditCodeCheckChar(first17)}`;
  if (!isCheckedCreditCode(code)) throw new Error(`generated an invalid credit code ${code}`);
  return code;
}

/** A 身份证号 of someone registered in `region`, born between `fromYear` and `toYear`. */
export function idNumber(random: Random, region: string, fromYear: number, toYear: number, male: boolean): string {
  const year = random.int(fromYear, toYear);
  const month = random.int(1, 12);
  const day = random.int(1, 28);
  // The 17th digit is odd for men, even for women.
  const sequence = `${random.int(0, 9)}${random.int(0, 9)}${male ? random.pick([1, 3, 5, 7, 9]) : random.pick([0, 2, 4, 6, 8])}`;
  const first17 = `${region}${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}${sequence}`;
  const id = `${first17}${idNumberCheckChar(first17)}`;
  if (!isIdNumber(id)) throw new Error(`generated an invalid ID number ${id}`);
  return id;
}
