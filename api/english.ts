/**
 * English for the field messages of a refusal (`errors[].message`), for a client that asks for it
 * (`Accept-Language: en`, API.md "Errors"). The forms (machines/schemas.ts and the machines' own
 * refinements), the read models' query checks and zod's validation (api/server.ts) write their
 * messages in Chinese, the product's language; this is their one catalogue in English: the fixed
 * messages word for word, the ones that carry a value (a length, a list of choices, field names) by
 * pattern. A message it does not know reads "invalid value" rather than Chinese.
 */

/** Messages without a value in them. */
const FIXED: Record<string, string> = {
  必填: 'required',
  不能为空: 'must not be empty',
  含有无效字符: 'contains invalid characters (NUL or a lone surrogate)',
  至少填写一项: 'at least one item is required',
  至少修改一项: 'change at least one field',
  须为整数: 'must be a whole number',
  须为整数年份: 'must be a whole year',
  '须大于 0': 'must be greater than 0',
  不得为负数: 'must not be negative',
  '年份须在 2000–2100 之间': 'the year must be from 2000 to 2100',
  '须为有效日期，格式 YYYY-MM-DD': 'must be a real date, written YYYY-MM-DD',
  '须为 ISO-8601 时刻，如 2024-05-06T08:00:00Z': 'must be an ISO-8601 instant, e.g. 2024-05-06T08:00:00Z',
  '须为带 Z 或时区偏移的 ISO-8601 时刻，例如 2026-06-01T00:00:00+08:00': 'must be an ISO-8601 instant with Z or an offset, e.g. 2026-06-01T00:00:00+08:00',
  '应为有效日期（YYYY-MM-DD），或带 Z 或时区偏移的 ISO-8601 时刻': 'must be a real date (YYYY-MM-DD) or an ISO-8601 instant with Z or an offset',
  不是有效时刻: 'is not a valid instant',
  起始日期不得晚于终止日期: 'the start date must not be after the end date',
  使用起始日期不得晚于终止日期: 'the first day of use must not be after the last',
  结束时间不得早于开始时间: 'the end must not be before the start',
  '须为 6 位行政区划代码': 'must be a 6-digit administrative division code',
  '应为 6 位行政区划代码': 'must be a 6-digit administrative division code',
  '须为山东省某市的行政区划代码（37xx00）或全省 370000': 'must be the division code of a Shandong city (37xx00) or of the province (370000)',
  电子邮箱格式不正确: 'is not a valid e-mail address',
  '统一社会信用代码须为 18 位（数字或大写字母，不含 I、O、S、V、Z）': 'a unified social credit code has 18 characters: digits or capital letters other than I, O, S, V and Z',
  '身份证号须为 18 位（17 位数字加校验位）': 'an ID card number has 18 characters: 17 digits and a check character',
  身份证号出生日期或校验位不正确: 'the ID card number’s date of birth or check character is wrong',
  '申请主体类型 type 须为 organization（法人或其他组织）或 person（个人）': 'the applicant’s type must be organization or person',
  服务方式不得重复: 'a service mode may be listed once only',
  'noneNeeded 须为 true（无需脱敏）或省略': 'noneNeeded must be true (no desensitisation needed) or left out',
  '须填写 datasetRef（已开放的数据集）或 datasetReleaseCaseId（数据集开放案件）之一，且只能填一项':
    'give exactly one of datasetRef (an open dataset) and datasetReleaseCaseId (a dataset release case)',
  '不允许使用 __proto__ 作为字段名': '"__proto__" is not allowed as a field name',
  '不允许 constructor 字段中含有 prototype': 'a "constructor" field may not hold "prototype"',
  '不是本列表给出的翻页游标，请从第一页重新开始': 'is not a cursor this list gave out; start again from the first page',
  '须为不小于 0 的整数（工作日数）': 'must be a whole number of working days, 0 or more',
  按查看者过滤需要机构目录: 'filtering by viewer needs the organisation directory',
};

/** What a `须为…` ("must be …") message names. */
const KINDS: Record<string, string> = {
  文本: 'text',
  对象: 'an object',
  'JSON 对象': 'a JSON object',
  列表: 'a list',
  数字: 'a number',
  年份: 'a year',
  ' true 或 false': 'true or false',
  行政区划代码: 'an administrative division code',
  统一社会信用代码: 'a unified social credit code',
  身份证号: 'an ID card number',
};

const UNITS: Record<string, string> = { 天: 'days', 个月: 'months' };

/** A list the Chinese messages join with 、, as English does. */
const list = (items: string) => items.split('、').join(', ');

/** Messages with a value in them. */
const PATTERNS: [RegExp, (...groups: string[]) => string][] = [
  [/^须为以下之一：(.+)$/s, (values) => `must be one of: ${list(values!)}`],
  [/^须为 (.+) 之一$/s, (values) => `must be one of: ${list(values!)}`],
  [/^须为(.+)$/s, (kind) => (KINDS[kind!] ? `must be ${KINDS[kind!]}` : '')],
  [/^不超过 (\d+) 个字符$/, (n) => `at most ${n} characters`],
  [/^至少 (\d+) 个字符$/, (n) => `at least ${n} characters`],
  [/^不大于 (.+)$/, (n) => `must not be greater than ${n}`],
  [/^不小于 (.+)$/, (n) => `must not be less than ${n}`],
  [/^须在 (\d+)–(\d+) (天|个月)之间$/, (min, max, unit) => `must be from ${min} to ${max} ${UNITS[unit!]}`],
  [/^须为 (\d+) 到 (\d+) 之间的整数$/, (min, max) => `must be a whole number from ${min} to ${max}`],
  [/^不允许的字段：(.*)$/s, (keys) => `unknown field${keys!.includes('、') ? 's' : ''}: ${list(keys!)}`],
  [/^未知的流程：(.*)$/s, (name) => `unknown process: ${name}`],
  [/^未知的流程，可选：(.*)$/s, (names) => `unknown process; one of: ${list(names!)}`],
  [/^未知的状态，可选：(.*)$/s, (names) => `unknown state; one of: ${list(names!)}`],
  [/^不是有效时刻：(.*)$/s, (value) => `is not a valid instant: ${value}`],
  [/^不得早于测试时钟的当前时间 (.+)$/, (now) => `must not be before the test clock’s current time, ${now}`],
];

const HAN = /\p{Script=Han}/u;

/** The English of a Chinese field message; a message in no other script than Latin is its own English. */
export function inEnglish(message: string): string {
  if (!HAN.test(message)) return message;
  const fixed = FIXED[message];
  if (fixed) return fixed;
  for (const [pattern, render] of PATTERNS) {
    const match = pattern.exec(message);
    if (!match) continue;
    const english = render(...match.slice(1));
    if (english) return english;
  }
  return 'invalid value';
}
