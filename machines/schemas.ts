/**
 * The shared shapes of shared/spec/FORMS.md, as zod schemas: every start input and command
 * is built from these. Unknown fields are refused everywhere (`form` is a strict object), text
 * is trimmed and must not be empty, and every message a client may see is Chinese.
 */
import { z } from 'zod';
import type { Actor, RuleSpec } from './types.js';
import { commandDay } from './kit.js';

// ── Messages ────────────────────────────────────────────────────────────────────────────

const REQUIRED = '必填';

/** The message of a type error: "required" when the field is missing, else what it must be. */
function typeError(expected: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? REQUIRED : `应为${expected}`);
}

/**
 * What shows nothing in a message: format characters (zero-width space, BOM, direction marks),
 * control characters, line and paragraph separators, and spaces other than the ASCII one.
 */
const UNSEEN = /[\p{Cf}\p{Cc}\p{Zl}\p{Zp}\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/gu;

/**
 * A value a message quotes back, so that its reader sees what was sent: a character that shows
 * nothing by its code (`description<U+200B>`), and a value beginning or ending with a space in
 * quotes (“objection ”). A key pasted with a zero-width space was refused as "不允许的字段：description"
 * (the space unseen): as if the very field the form has.
 */
export function shown(value: string): string {
  const marked = cutShort(value).replace(UNSEEN, (c) => `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`);
  return /^\s|\s$/.test(marked) ? `“${marked}”` : marked;
}

/** The most characters of a value a message quotes: a name a person reads, not a pasted file (a refusal quoted a 100,000-character field name whole, twice). */
export const QUOTED_MAX = 100;

/** A JSON object: not null, not a list (stored metadata changed by hand may be either, or text). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `text` as far as a message quotes it: its first `max` characters (a character beyond the BMP not split), then “…”. */
export function cutShort(text: string, max = QUOTED_MAX): string {
  if (text.length <= max) return text;
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max).join('')}…`;
}

/** The most characters of a name a case's summary keeps (engine `#summary`, projections `shownSummary`): a dataset's or an applicant's name as a row shows it. */
export const SUMMARY_TEXT_MAX = 200;

/**
 * A case's summary with its names in brief (`SUMMARY_TEXT_MAX`), as every event stamps it and every
 * inbox or case-list row shows it. A name that is not text (an event written by hand, a foreign tool)
 * stays as it is: one odd row must not fail a whole page.
 */
export function summaryInBrief<S extends { title: string; applicant?: string }>(summary: S): S {
  const brief = (name: unknown) => (typeof name === 'string' ? cutShort(name, SUMMARY_TEXT_MAX) : name) as string;
  const shortened: S = { ...summary, title: brief(summary.title) };
  if (summary.applicant !== undefined) shortened.applicant = brief(summary.applicant);
  return shortened;
}

/** The most values a message lists; past them it says how many there are in all. */
export const LISTED_MAX = 20;

/**
 * Values as a message lists them: the first `LISTED_MAX`, each as `shown` (cut short), then how many
 * in all. A catalogue of 1,000 field names each listed twice was refused with all 500 quoted whole.
 */
export function quotedList(values: readonly string[], lang: 'zh' | 'en' = 'zh'): string {
  const first = values.slice(0, LISTED_MAX).map(shown);
  const more = values.length > LISTED_MAX;
  if (lang === 'en') return `${first.join(', ')}${more ? ` (${values.length} in all)` : ''}`;
  return `${first.join('、')}${more ? `（共 ${values.length} 个）` : ''}`;
}

/** The message for fields a form does not have (also the API's, for its request bodies). */
export function unknownFields(keys: readonly unknown[]): string {
  return `不允许的字段：${keys.map((key) => shown(String(key))).join('、')}`;
}

function objectError(issue: { code?: string; input?: unknown; keys?: string[] }): string {
  if (issue.code === 'unrecognized_keys') return unknownFields(issue.keys ?? []);
  return typeError('对象')(issue);
}

// ── Building blocks ─────────────────────────────────────────────────────────────────────

/** A form (JSON object) that refuses unknown fields. */
export function form<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.strictObject(shape, { error: objectError });
}

/** The longest text a field takes: a long opinion or description fits; a pasted file does not (the log keeps every event for ever). */
export const TEXT_MAX = 10_000;

/**
 * Control characters other than tab and line breaks (C0, DEL, C1) and the bidirectional overrides
 * and isolates: nothing a person types into a form, and what a terminal or a viewer obeys — an
 * escape sequence that clears the screen of a compliance officer's `npm run replay`, or a U+202E
 * that shows a name or a date reversed.
 */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

/**
 * Whether `text` is text a person wrote: no control character (`CONTROL`; NUL among them) and no
 * lone surrogate (a string that is not well-formed UTF-16 cannot be encoded as UTF-8, and the event
 * log keeps every event for ever).
 */
export function isCleanText(text: string): boolean {
  return !CONTROL.test(text) && text.isWellFormed();
}

/** What text that is not `isCleanText` is told. */
export const INVALID_CHARACTERS = '含有无效字符';

/** Whether `text` shows anything: not only format characters, combining marks and other characters nothing is drawn for (which `trim` leaves). */
function hasVisible(text: string): boolean {
  return /[^\s\p{Cf}\p{M}\p{Default_Ignorable_Code_Point}]/u.test(text);
}

/**
 * Whitespace (`trim`'s: U+3000, U+00A0 and the BOM among it) and the characters nothing is drawn for
 * that a paste from Word, Excel or a web page leaves at the ends of a value: zero-width space and
 * joiners, word joiner, soft hyphen, Mongolian vowel separator.
 */
const EDGES = /^[\s\u00AD\u180E\u200B-\u200D\u2060]+|[\s\u00AD\u180E\u200B-\u200D\u2060]+$/g;

/**
 * What a person typed, as one value: in Unicode normal form C (the same name pasted from a macOS
 * file name in NFD, or with a CJK compatibility ideograph, is the same name), without `EDGES` at
 * either end. Trimmed only of whitespace, `身份证号` + U+200B was stored as a catalogue field no
 * desensitization rule of `身份证号` could name, and `370100-gaj` + U+200B was no provider of the directory.
 */
export function trimmed(text: string): string {
  return text.normalize('NFC').replace(EDGES, '');
}

/**
 * A code as a person types or pastes it — an organisation code, a division code, in a form or in a
 * query's filter: full-width forms folded (NFKC: ３７０１００ is 370100) and `trimmed`.
 */
export function asCode(text: string): string {
  return trimmed(text.normalize('NFKC'));
}

/**
 * A party's code as a filter reads it (`asCode`), a 统一社会信用代码 or 身份证号 in upper case, as
 * forms store them: typed `91370100ma3c8k2d0e` or `…124x`, it found none of the party's cases.
 */
export function asPartyCode(text: string): string {
  const code = asCode(text);
  const upper = code.toUpperCase();
  return isIdNumber(upper) || isCreditCode(upper) ? upper : code;
}

/** Trimmed text (`trimmed`) that must not be empty (nor only zero-width characters), at most `TEXT_MAX` characters, without control characters or lone surrogates. */
export const Text = z
  .string({ error: typeError('文本') })
  .overwrite(trimmed)
  .min(1, { error: '不能为空', abort: true })
  .max(TEXT_MAX, `不超过 ${TEXT_MAX} 个字符`)
  .refine(hasVisible, '不能为空')
  .refine(isCleanText, INVALID_CHARACTERS)
  // What GET /docs can say of `hasVisible` (its Unicode classes are not in every client's regex dialect): not only whitespace.
  .meta({ pattern: '\\S' });

/**
 * The code of an organisation of the directory that a form names (a provider, 第四条): typed
 * full-width (３７０１００－ｇａｊ) it is the code (`asCode`), not a 422 "机构目录中没有编码为
 * ３７０１００－ｇａｊ 的公共数据开放主体" its writer cannot tell from the code he meant.
 */
export const OrgCode = Text.overwrite(asCode);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The id of a case a form names (the engine's are lower-case UUIDs, as the case list gives them):
 * pasted in capitals from a spreadsheet, full-width, or with a zero-width space, the same case — as
 * in the address `/v1/cases/:id` (api/routes/cases.ts), not "所填的……案件不存在". An id of another
 * form is left as it is, after `asCode`.
 */
export const CaseId = Text.overwrite((id) => {
  const code = asCode(id);
  return UUID.test(code) ? code.toLowerCase() : code;
});

/** The most items a list takes: every list of a form is read by a person, and the log keeps it for ever. */
export const LIST_MAX = 1000;

/** What a list longer than `LIST_MAX` is told. */
export const LIST_TOO_LONG = `不超过 ${LIST_MAX} 项`;

/** A list of at least one item (`[≥1]` in FORMS.md), at most `LIST_MAX`. */
export function listOf<Item extends z.ZodType>(item: Item) {
  return z.array(item, { error: typeError('列表') }).min(1, '至少填写一项').max(LIST_MAX, LIST_TOO_LONG);
}

/**
 * The values of `values` listed more than once, each named once. Compared as stored (`Text` is in
 * NFC without invisible edges), so that 姓名 and 姓名 + U+200B, or a name in NFC and in NFD, are one.
 */
export function listedTwice(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const value of values) (seen.has(value) ? twice : seen).add(value);
  return [...twice];
}

/**
 * One of the listed values. One that looks right to its writer is told why it is not (`formatMessage`):
 * `"unconditional "`, pasted with its space, was told only 应为以下之一：unconditional、… (locale QA).
 */
export function oneOf<const Values extends readonly [string, ...string[]]>(values: Values) {
  return z.enum(values, { error: (issue) => formatMessage(`应为以下之一：${values.join('、')}`, issue.input) });
}

export const Flag = z.boolean({ error: typeError(' true 或 false') });

/**
 * zod's whole-number check: a fraction must be whole; a whole number past 2^53 (which JSON numbers
 * cannot hold exactly) is refused as too large, not as "not whole".
 */
const WHOLE = { error: (issue: { code?: string }) => (issue.code === 'too_big' ? '数值过大' : '应为整数') };

/** A positive whole number (`int > 0`). */
export const PositiveInt = z
  .number({ error: typeError('数字') })
  .int(WHOLE)
  .positive('须大于 0');

/** A whole number from `min` to `max`; one message for both ends (`须在 1–365 天之间`). */
export function wholeNumberBetween(min: number, max: number, message: string) {
  return z.number({ error: typeError('数字') }).int(WHOLE).min(min, message).max(max, message);
}

/** A calendar year, e.g. an open list's year. */
export const Year = z
  .number({ error: typeError('年份') })
  .int({ error: (issue) => (issue.code === 'too_big' ? '年份须在 2000–2100 之间' : '应为整数年份') })
  .min(2000, '年份须在 2000–2100 之间')
  .max(2100, '年份须在 2000–2100 之间');

/** A whole number ≥ 0. */
export const Count = z
  .number({ error: typeError('数字') })
  .int(WHOLE)
  .nonnegative('不得为负数');

// ── Dates and instants ──────────────────────────────────────────────────────────────────

/** Whether `value` is a real calendar date written `YYYY-MM-DD` (no 2023-02-29). */
export function isIsoDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * Full-width forms of ASCII (２０２６－１２－０１, ＠, ：), the ideographic space and full stop: what a Chinese
 * input method types (an e-mail address ended with 。 was told only that its format was wrong).
 */
const FULL_WIDTH = /[\uFF01-\uFF5E\u3000\u3002]/;

/** What a value of a fixed format that is refused for full-width characters is told besides its format. */
const FULL_WIDTH_HINT = '含有全角字符，须用半角输入';

/** Whether `text` has a full-width character of a Chinese input method (`FULL_WIDTH`). */
export function typedFullWidth(text: string): boolean {
  return FULL_WIDTH.test(text);
}
/** What one that is refused for spaces or invisible characters at its ends is told besides its format. */
export const EDGE_HINT = '首尾含有空格或不可见字符';

/**
 * The message of a value of a fixed format (a date, an instant, an e-mail address) that does not
 * match it: `message`, and, when the value looks right to its writer, why it is wrong all the same —
 * full-width characters of a Chinese input method (２０２６－１２－０１ is refused as not `YYYY-MM-DD`,
 * which its writer believes it is), or a space or a zero-width character pasted with it.
 */
export function formatMessage(message: string, input: unknown): string {
  if (input === undefined) return REQUIRED;
  if (typeof input !== 'string') return message;
  if (typedFullWidth(input)) return `${message}（${FULL_WIDTH_HINT}）`;
  if (input.replace(EDGES, '') !== input) return `${message}（${EDGE_HINT}）`;
  return message;
}

/** A calendar date `YYYY-MM-DD` (Asia/Shanghai calendar) that exists: zod's ISO date knows month lengths and leap years. */
export const DateString = z.iso.date({
  error: (issue) => formatMessage('应为有效日期，格式 YYYY-MM-DD', issue.input),
});

const INSTANT = '应为带 Z 或时区偏移的 ISO-8601 时刻，如北京时间 2024-05-06T08:00:00+08:00';
/** A date and a time joined by a space (as a spreadsheet writes them), not by T. */
const SPACE_FOR_T = /^\d{4}-\d{2}-\d{2} +\d{2}:\d{2}/;

/**
 * An instant, ISO-8601 with `Z` or an offset. One pasted from a spreadsheet, its date and time joined by a
 * space, is told so (QA: `2026-12-21 08:00:00+08:00` was asked for an offset it had).
 */
export const Instant = z.iso.datetime({
  offset: true,
  error: (issue) => {
    const message = formatMessage(INSTANT, issue.input);
    return message === INSTANT && typeof issue.input === 'string' && SPACE_FOR_T.test(issue.input) ? `${INSTANT}（日期与时间之间应为 T，不能是空格）` : message;
  },
});

// ── Shared shapes of FORMS.md ───────────────────────────────────────────────────────────

/** Whether two dates are in order (from ≤ to); a malformed date is reported on its own, not here. */
export function inOrder(from: string, to: string): boolean {
  return !isIsoDate(from) || !isIsoDate(to) || from <= to;
}

/** `{ from, to }`, from ≤ to. */
export const Period = form({ from: DateString, to: DateString }).refine((p) => inOrder(p.from, p.to), {
  error: '起始日期不得晚于终止日期',
  path: ['to'],
});
export type Period = z.infer<typeof Period>;

/**
 * An administrative division code matching `pattern`: typed full-width (３７０１００) or pasted with a
 * zero-width space, it is the same code, as a credit code is (`CreditCode`).
 */
export function regionCode(pattern: RegExp, message: string) {
  return z.string({ error: typeError('行政区划代码') }).overwrite(asCode).regex(pattern, message);
}

/** A 6-digit administrative division code (Shandong 370000, Jinan 370100, …). */
export const RegionCode = regionCode(/^\d{6}$/, '应为 6 位行政区划代码');

/** 资源覆盖范围: the data's region and time range (附录3, 附录7). */
export const Coverage = form({ region: RegionCode, period: Period.optional() });
export type Coverage = z.infer<typeof Coverage>;

export const Email = z.email({ error: (issue) => formatMessage('电子邮箱格式不正确', issue.input) });

/**
 * A telephone number as its writer gives it (an extension, 转, a note may follow): digits and signs
 * typed full-width with a Chinese input method (１３８０５３１０００１, （０５３１）) are stored half-width,
 * the number a provider dials or a client's click-to-call reads.
 */
export const Phone = Text.overwrite((phone) => phone.normalize('NFKC'));

export const Contact = form({ name: Text, phone: Phone, email: Email.optional(), address: Text.optional() });
export type Contact = z.infer<typeof Contact>;

/** Characters of a 统一社会信用代码 (GB 32100-2015): digits and capitals without I, O, S, V, Z. */
const CREDIT_CODE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

/** Whether `code` has the form of a 统一社会信用代码: 18 characters, the division code in places 3–8. */
export function isCreditCode(code: string): boolean {
  return CREDIT_CODE.test(code);
}

/** The 31 characters of a credit code, in the order of their values (GB 32100-2015). */
const CREDIT_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
/** The weights of places 1–17: 3^(i-1) mod 31. */
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The GB 32100-2015 check character of a credit code's first 17 characters. */
export function creditCodeCheckChar(first17: string): string {
  const sum = CREDIT_WEIGHTS.reduce((acc, weight, i) => acc + weight * CREDIT_ALPHABET.indexOf(first17[i] ?? ''), 0);
  return CREDIT_ALPHABET[(31 - (sum % 31)) % 31]!;
}

/**
 * Whether `code` is a 统一社会信用代码 whose 18th character checks: one character mistyped, or two
 * swapped, and it does not. Only forms are checked so: read models tell an organisation from a person
 * by the form alone (`isCreditCode`), so an applicant stored before the check reads as it did.
 */
export function isCheckedCreditCode(code: string): boolean {
  return isCreditCode(code) && creditCodeCheckChar(code.slice(0, 17)) === code[17];
}

export const CreditCode = z
  .string({ error: typeError('统一社会信用代码') })
  // Typed with a Chinese input method, digits and letters come full-width (９１３７…): the same code.
  .normalize('NFKC')
  .overwrite(trimmed)
  .toUpperCase()
  .refine(isCreditCode, { error: '统一社会信用代码应为 18 位（数字或大写字母，不含 I、O、S、V、Z）', abort: true })
  .refine(isCheckedCreditCode, '统一社会信用代码校验位不正确')
  // What GET /docs can say of it without refusing what is folded above (full-width, lower case, pasted edges).
  .meta({ minLength: 18 });

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** The check character of a 身份证号 from its first 17 digits (GB 11643, ISO 7064 MOD 11-2). */
export function idNumberCheckChar(first17: string): string {
  const sum = ID_WEIGHTS.reduce((acc, weight, i) => acc + weight * Number(first17[i]), 0);
  return ID_CHECK[sum % 11] ?? '';
}

/** Whether `id` is an 18-character 身份证号 with a real birth date and a valid check character. */
export function isIdNumber(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const birth = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  return isIsoDate(birth) && idNumberCheckChar(id.slice(0, 17)) === id[17];
}

/**
 * A natural person's code (an ID number) shown where a list need only tell people apart, not identify
 * them: its first three and last two characters (11010519491231002X → 110*************2X).
 * 个人信息保护法 第六条: 最小必要.
 */
export function maskedPersonCode(code: string): string {
  const chars = Array.from(code);
  if (chars.length <= 5) return '*'.repeat(chars.length);
  return `${chars.slice(0, 3).join('')}${'*'.repeat(chars.length - 5)}${chars.slice(-2).join('')}`;
}

/** A natural person with no name to go by (a token without a name claim), as a summary names them: by the ID number masked. */
export function namelessPerson(code: string): string {
  return `个人（身份证号 ${maskedPersonCode(code)}）`;
}

export const IdNumber = z
  .string({ error: typeError('身份证号') })
  .normalize('NFKC')
  .overwrite(trimmed)
  .toUpperCase()
  .refine((id) => /^\d{17}[\dX]$/.test(id), { error: '身份证号应为 18 位（17 位数字加校验位）', abort: true })
  .refine(isIdNumber, '身份证号出生日期或校验位不正确')
  // As CreditCode's.
  .meta({ minLength: 18 });

/** 公共数据利用主体: an organisation with its credit code, or a person with an ID number (附录3). */
function applicantOf<C extends z.ZodType>(contact: C) {
  return z.discriminatedUnion(
    'type',
    [
      form({ type: z.literal('organization'), name: Text, creditCode: CreditCode, contact }),
      form({ type: z.literal('person'), name: Text, idNumber: IdNumber, contact }),
    ],
    { error: '申请主体类型 type 应为 organization（法人或其他组织）或 person（个人）' },
  );
}

/**
 * 第十三条(一): 基于山东省统一身份认证完成实名认证 — the applicant a form names is the party its sender
 * is authenticated as. When the sender's organisation is a 统一社会信用代码 or a 身份证号, the form's
 * applicant must carry that very code (an applicant of Yantai filed as a Jinan company otherwise).
 * A sender known by another kind of code cannot be compared: the form stands.
 */
export function applicantIsSender(senderOrg: string, applicant: { type: string; creditCode?: string; idNumber?: string }): boolean {
  // The code as the form writes it: full-width characters and spaces folded, letters upper case. A
  // token that names a code in another spelling is refused, not passed: the case would be filed
  // under that spelling, apart from the party's other cases and report rows.
  const code = senderOrg.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
  if (isIdNumber(code)) return senderOrg === code && applicant.type === 'person' && applicant.idNumber === code;
  if (isCreditCode(code)) return senderOrg === code && applicant.type === 'organization' && applicant.creditCode === code;
  return true;
}

/**
 * The start rule of a form naming an applicant (`applicantIsSender`), the same in every process that
 * has one, citing that process's article: 第十三条(一) (实名认证) for a conditional application;
 * 第十五条 (公共数据利用主体……通过开放平台提出申请) with 附录7 for an unopened-data request, which
 * 第十三条 does not govern.
 */
export const applicantIsSenderRule = (article: string): RuleSpec<{ startedBy: Actor }, { applicant: { type: string; creditCode?: string; idNumber?: string } }> => ({
  id: 'applicantIsSender',
  article,
  message: {
    zh: '申请主体应为提交人实名认证的主体本身：表单中的统一社会信用代码或身份证号须与登录身份一致（登录身份中的代码应为标准写法：半角、大写、无空格）',
    en: 'The applicant must be the party the sender is authenticated as: the credit code or ID number in the form must be the sender’s own (and the sender’s code written in its standard form: half-width, upper case, no spaces).',
  },
  holds: (context, data) => applicantIsSender(context.startedBy.org, data.applicant),
  fields: (_context, data) => [data.applicant.type === 'person' ? 'applicant.idNumber' : 'applicant.creditCode'],
});

/**
 * The start rule of a form with a use period (附录3, 附录7: 申请日期, 使用起始时间/使用终止时间): use is
 * asked for from the day of application on, so a period already over is refused.
 */
export function requestedUseNotOver(article: string): RuleSpec<{ startedBy: Actor }, { usePeriod: { to: string } }> {
  return {
    id: 'requestedUseNotOver',
    article,
    message: {
      zh: '申请的使用终止时间不得早于申请日期',
      en: 'The requested use period must not end before the day of application.',
    },
    holds: (_context, data, facts) => data.usePeriod.to >= commandDay(facts),
    fields: () => ['usePeriod.to'],
  };
}

export const Applicant = applicantOf(Contact);
export type Applicant = z.infer<typeof Applicant>;

/** An applicant whose contact gives an e-mail address (附录7 联系邮箱). */
export const ApplicantWithEmail = applicantOf(form({ name: Text, phone: Phone, email: Email, address: Text.optional() }));
export type ApplicantWithEmail = z.infer<typeof ApplicantWithEmail>;

/** 服务方式 of the application forms (附录3, 附录7). */
export const ApplicationServiceMode = oneOf(['api', 'file', 'privacyComputing', 'other']);

/** 应用场景: one scenario each (多个场景应分别描述). */
export const Scenario = form({ description: Text });

/** A command that carries no data. */
export const NoData = form({});

/** A reason, required wherever a request is refused, returned or rejected (说明理由). */
export const Reason = form({ reason: Text });

/** An optional opinion. */
export const Opinion = form({ opinion: Text.optional() });
