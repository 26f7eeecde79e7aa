/** The shared shapes of FORMS.md. */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  Applicant,
  ApplicantWithEmail,
  Contact,
  Count,
  Coverage,
  CreditCode,
  creditCodeCheckChar,
  DateString,
  IdNumber,
  idNumberCheckChar,
  Instant,
  isCheckedCreditCode,
  isCreditCode,
  isIdNumber,
  isIsoDate,
  listOf,
  Period,
  PositiveInt,
  Text,
  wholeNumberBetween,
  Year,
} from '../../machines/schemas.js';
import { companyApplicant, companyCreditCode, personApplicant, personIdNumber } from './examples.js';

/** The messages of a failed parse, by path. */
function messages(schema: z.ZodType, value: unknown): Record<string, string> {
  const result = schema.safeParse(value);
  if (result.success) return {};
  return Object.fromEntries(result.error.issues.map((issue) => [issue.path.join('.'), issue.message]));
}

const CHINESE = /[\u4e00-\u9fff]/;

describe('Text', () => {
  it('is trimmed', () => {
    expect(Text.parse('  济南市公安局 ')).toBe('济南市公安局');
  });

  it.each(['', '   ', '\n\t'])('refuses empty text %j', (value) => {
    expect(messages(Text, value)).toEqual({ '': '不能为空' });
  });

  it('refuses a missing value and a number, in Chinese', () => {
    expect(messages(Text, undefined)).toEqual({ '': '必填' });
    expect(messages(Text, 42)[''] ?? '').toMatch(CHINESE);
  });

  it('takes up to 10,000 characters (after trimming), not one more', () => {
    expect(Text.safeParse('审'.repeat(10_000)).success).toBe(true);
    expect(Text.safeParse(` ${'审'.repeat(10_000)} `).success).toBe(true);
    expect(messages(Text, '审'.repeat(10_001))).toEqual({ '': '不超过 10000 个字符' });
  });

  it.each([
    ['a NUL character', 'a\u0000b'],
    ['a NUL character alone', '\u0000'],
    ['a lone high surrogate', '\ud800x'],
    ['a lone low surrogate', 'x\udc00'],
    ['a surrogate pair in the wrong order', '\udc00\ud800'],
    ['a high surrogate at the end', '异议\ud83d'],
  ])('given text with %s, then it is refused as holding invalid characters, in Chinese', (_what, value) => {
    expect(messages(Text, value)).toEqual({ '': '含有无效字符' });
  });

  it('given characters outside the Basic Multilingual Plane written as surrogate pairs (𠮷, 😀), then they are accepted', () => {
    expect(Text.parse('𠮷野家 😀')).toBe('𠮷野家 😀');
  });
});

describe('lists marked [≥1]', () => {
  it('need at least one item', () => {
    expect(listOf(Text).safeParse(['数据项']).success).toBe(true);
    expect(messages(listOf(Text), [])).toEqual({ '': '至少填写一项' });
  });
});

describe('DateString', () => {
  it.each(['2025-03-03', '2024-02-29', '2000-02-29', '2025-12-31'])('accepts the real date %s', (value) => {
    expect(DateString.parse(value)).toBe(value);
  });

  it.each(['2025-02-29', '1900-02-29', '2025-13-01', '2025-04-31', '2025-3-3', '20250303', '2025-03-03T00:00:00Z', ''])(
    'refuses %j',
    (value) => {
      expect(DateString.safeParse(value).success).toBe(false);
      expect(isIsoDate(value)).toBe(false);
    },
  );
});

describe('Instant', () => {
  it.each(['2025-03-03T01:30:00Z', '2025-03-03T01:30:00.000Z', '2025-03-03T09:30:00+08:00'])('accepts %s', (value) => {
    expect(Instant.safeParse(value).success).toBe(true);
  });

  it.each(['2025-03-03', '2025-03-03 09:30:00', 'yesterday', '2025-02-30T00:00:00Z'])('refuses %j', (value) => {
    expect(Instant.safeParse(value).success).toBe(false);
  });
});

describe('Period', () => {
  it('accepts from ≤ to, a single day included', () => {
    expect(Period.safeParse({ from: '2025-04-01', to: '2026-03-31' }).success).toBe(true);
    expect(Period.safeParse({ from: '2025-04-01', to: '2025-04-01' }).success).toBe(true);
  });

  it('refuses from > to, on the field to', () => {
    expect(messages(Period, { from: '2025-04-02', to: '2025-04-01' })).toEqual({ to: '起始日期不得晚于终止日期' });
  });

  it('refuses unknown fields', () => {
    expect(messages(Period, { from: '2025-04-01', to: '2025-05-01', until: '2025-06-01' })).toEqual({ '': '不允许的字段：until' });
  });
});

describe('Coverage', () => {
  it('takes a 6-digit division code and an optional period', () => {
    expect(Coverage.safeParse({ region: '370100' }).success).toBe(true);
    expect(Coverage.safeParse({ region: '370102', period: { from: '2020-01-01', to: '2024-12-31' } }).success).toBe(true);
  });

  it.each(['3701', '37010A', '济南'])('refuses the region %j', (region) => {
    expect(Object.keys(messages(Coverage, { region }))).toEqual(['region']);
  });
});

describe('Contact', () => {
  it('needs a name and a phone; e-mail and address are optional', () => {
    expect(Contact.safeParse({ name: '孙丽', phone: '0531-88661234' }).success).toBe(true);
    expect(messages(Contact, { name: '孙丽' })).toEqual({ phone: '必填' });
  });

  it('refuses a malformed e-mail', () => {
    expect(messages(Contact, { name: '孙丽', phone: '0531-88661234', email: 'sunli@' })).toEqual({ email: '电子邮箱格式不正确' });
  });
});

describe('身份证号 (GB 11643)', () => {
  it('computes the check character', () => {
    expect(idNumberCheckChar('37010219880315123')).toBe('1');
    expect(idNumberCheckChar('11010519491231002')).toBe('X');
  });

  it.each([personIdNumber, '11010519491231002X', '370203199207084569'])('accepts %s', (id) => {
    expect(isIdNumber(id)).toBe(true);
    expect(IdNumber.parse(id)).toBe(id);
  });

  it('accepts a lower-case x and stores it upper-case', () => {
    expect(IdNumber.parse('11010519491231002x')).toBe('11010519491231002X');
  });

  it('refuses a wrong check digit', () => {
    expect(messages(IdNumber, '370102198803151232')).toEqual({ '': '身份证号出生日期或校验位不正确' });
  });

  it('refuses an impossible birth date even with a matching check digit', () => {
    const first17 = '37010219880231123';
    expect(isIdNumber(first17 + idNumberCheckChar(first17))).toBe(false);
  });

  it.each(['37010219880315123', '3701021988031512311', '37010219880315123A'])('refuses the malformed %s', (id) => {
    expect(messages(IdNumber, id)).toEqual({ '': '身份证号应为 18 位（17 位数字加校验位）' });
  });
});

describe('统一社会信用代码', () => {
  it('accepts 18 characters of the code’s alphabet', () => {
    expect(CreditCode.parse(companyCreditCode)).toBe(companyCreditCode);
    expect(CreditCode.parse(' 91370100ma3c8k2d0e ')).toBe(companyCreditCode);
  });

  it.each(['91370100MA3C8K2D0', '91370100MA3C8K2D0EE', '91370100MA3C8K2DOE', 'ZZ370100MA3C8K2D0E', '913701A0MA3C8K2D0E'])(
    'refuses %s',
    (code) => {
      expect(messages(CreditCode, code)).toEqual({ '': '统一社会信用代码应为 18 位（数字或大写字母，不含 I、O、S、V、Z）' });
    },
  );

  it('computes the GB 32100-2015 check character', () => {
    expect(creditCodeCheckChar('91370100MA3C8K2D0')).toBe('E');
    // A sum that is a multiple of 31 checks with 0, not with the 32nd character there is none of.
    expect(creditCodeCheckChar('91370200MA3C0001E')).toBe('0');
    expect(isCheckedCreditCode(companyCreditCode)).toBe(true);
  });

  it.each([
    ['one character mistyped', '91370100MA3C8K2D0F'],
    ['two characters swapped', '91370100MA3C82KD0E'],
    ['another place’s digit', '91370200MA3C8K2D0E'],
  ])('given a code with %s, then it is refused by its check character', (_, code) => {
    expect(isCreditCode(code)).toBe(true);
    expect(messages(CreditCode, code)).toEqual({ '': '统一社会信用代码校验位不正确' });
    expect(messages(Applicant, { ...companyApplicant, creditCode: code })).toEqual({ creditCode: '统一社会信用代码校验位不正确' });
  });
});

describe('Applicant', () => {
  it('accepts an organisation with its credit code and a person with an ID number', () => {
    expect(Applicant.safeParse(companyApplicant).success).toBe(true);
    expect(Applicant.safeParse(personApplicant).success).toBe(true);
  });

  it('needs the credit code of an organisation and the ID number of a person', () => {
    const { creditCode: _c, ...noCode } = companyApplicant;
    expect(messages(Applicant, noCode)).toEqual({ creditCode: '必填' });
    const { idNumber: _i, ...noId } = personApplicant;
    expect(messages(Applicant, noId)).toEqual({ idNumber: '必填' });
  });

  it('refuses an ID number on an organisation and a credit code on a person', () => {
    expect(messages(Applicant, { ...companyApplicant, idNumber: personIdNumber })).toEqual({ '': '不允许的字段：idNumber' });
    expect(messages(Applicant, { ...personApplicant, creditCode: companyCreditCode })).toEqual({ '': '不允许的字段：creditCode' });
  });

  it('refuses a person whose ID number fails its checksum', () => {
    expect(messages(Applicant, { ...personApplicant, idNumber: '370102198803151230' })).toEqual({
      idNumber: '身份证号出生日期或校验位不正确',
    });
  });

  it('refuses an unknown applicant type, in Chinese', () => {
    expect(messages(Applicant, { ...companyApplicant, type: 'company' }).type).toMatch(CHINESE);
  });

  it('needs an e-mail where the form asks for one (附录7 联系邮箱)', () => {
    const { email: _e, ...contact } = companyApplicant.contact;
    expect(Applicant.safeParse({ ...companyApplicant, contact }).success).toBe(true);
    expect(messages(ApplicantWithEmail, { ...companyApplicant, contact })).toEqual({ 'contact.email': '必填' });
  });
});

describe('whole numbers', () => {
  it.each([
    ['PositiveInt', PositiveInt],
    ['Count', Count],
  ] as const)('%s: a fraction is refused as not whole; a whole number past 2^53 as too large, not as "not whole"', (_name, schema) => {
    expect(messages(schema, 1.5)).toEqual({ '': '应为整数' });
    expect(messages(schema, 1e20)).toEqual({ '': '数值过大' });
  });

  it('wholeNumberBetween: a fraction is not whole; a whole number past 2^53 is out of its range, as 366 is', () => {
    const days = wholeNumberBetween(1, 365, '须在 1–365 天之间');
    expect(messages(days, 1.5)).toEqual({ '': '应为整数' });
    expect(messages(days, 1e20)).toEqual({ '': '须在 1–365 天之间' });
  });

  it('Year: a year past 2^53 is out of the range of years, as 3000 is', () => {
    expect(messages(Year, 1e20)).toEqual({ '': '年份须在 2000–2100 之间' });
    expect(messages(Year, 2026.5)).toEqual({ '': '应为整数年份' });
  });
});

describe('codes typed full-width (a Chinese input method)', () => {
  it('given a credit code or an ID number in full-width digits and letters, then it reads as the same code, half-width', () => {
    expect(CreditCode.parse('９１３７０１００ＭＡ３Ｃ８Ｋ２Ｄ０Ｅ')).toBe('91370100MA3C8K2D0E');
    expect(IdNumber.parse('１１０１０５１９４９１２３１００２ｘ')).toBe('11010519491231002X');
  });
});
