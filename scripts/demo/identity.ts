/**
 * Identity numbers that look and check like real ones: 统一社会信用代码 (GB 32100-2015, with the
 * GB 11714 organisation code inside) and 居民身份证号码 (GB 11643, checked by machines/schemas.ts).
 */
import { idNumberCheckChar, isCreditCode, isIdNumber } from '../../machines/schemas.js';
import type { Random } from './random.js';

/** The 31 characters of a credit code, in the order of their values. */
const CREDIT_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
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

/** The GB 32100 check character of a credit code's first 17 characters. */
export function creditCodeCheckChar(first17: string): string {
  const sum = [...first17].reduce((acc, c, i) => acc + CREDIT_ALPHABET.indexOf(c) * CREDIT_WEIGHTS[i]!, 0);
  return CREDIT_ALPHABET[(31 - (sum % 31)) % 31]!;
}

/** A company's 统一社会信用代码, registered in `region` (91 = 工商 · 企业). */
export function creditCode(random: Random, region: string): string {
  // Since 2015 new companies get organisation codes beginning MA; older ones are all digits.
  const body = random.chance(0.6)
    ? `MA${random.chars('0123456789', 1)}${random.chars(`0123456789${ORG_LETTERS}`, 5)}`
    : random.chars('0123456789', 8);
  const first17 = `91${region}${body}${orgCodeCheckChar(body)}`;
  const code = `${first17}${creditCodeCheckChar(first17)}`;
  if (!isCreditCode(code)) throw new Error(`generated an invalid credit code ${code}`);
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
