/**
 * English for the field messages of a refusal (`errors[].message`), for a client that asks for it
 * (`Accept-Language: en`, API.md "Errors"). The forms (machines/schemas.ts and the machines' own
 * refinements), the read models' query checks and zod's validation (api/server.ts) write their
 * messages in Chinese, the product's language; this is their one catalogue in English: the fixed
 * messages word for word, the ones that carry a value (a length, a list of choices, field names) by
 * pattern. A message it does not know reads "invalid value" rather than Chinese.
 */
import { BODY_LIMIT_TEXT } from './limits.js';

/** Messages without a value in them. */
const FIXED: Record<string, string> = {
  必填: 'required',
  不能为空: 'must not be empty',
  含有无效字符: 'contains invalid characters (a control character, a bidirectional override, or a lone surrogate)',
  '不超过 1000 项': 'at most 1000 items',
  至少填写一项: 'at least one item is required',
  至少修改一项: 'change at least one field',
  应为整数: 'must be a whole number',
  '应为整数，不带前导零': 'must be a whole number without leading zeros',
  '应为单个值，不能是列表': 'must be a single value, not a list',
  数值过大: 'is too large',
  应为整数年份: 'must be a whole year',
  '须大于 0': 'must be greater than 0',
  不得为负数: 'must not be negative',
  '年份须在 2000–2100 之间': 'the year must be from 2000 to 2100',
  '应为有效日期，格式 YYYY-MM-DD': 'must be a real date, written YYYY-MM-DD',
  '应为带 Z 或时区偏移的 ISO-8601 时刻，如北京时间 2024-05-06T08:00:00+08:00': 'must be an ISO-8601 instant with Z or an offset, e.g. 2024-05-06T08:00:00+08:00 in Beijing time',
  '应为带 Z 或时区偏移的 ISO-8601 时刻，例如 2026-06-01T00:00:00Z': 'must be an ISO-8601 instant with Z or an offset, e.g. 2026-06-01T00:00:00Z',
  '应为带 Z 或时区偏移的 ISO-8601 时刻；在网址中，时区偏移的 + 须写作 %2B（未编码的 + 会变成空格），例如 2026-06-01T00:00:00%2B08:00':
    'must be an ISO-8601 instant with Z or an offset; in a URL, write the offset\'s + as %2B (a + left as it is arrives as a space), e.g. 2026-06-01T00:00:00%2B08:00',
  '应为有效日期（YYYY-MM-DD），或带 Z 或时区偏移的 ISO-8601 时刻': 'must be a real date (YYYY-MM-DD) or an ISO-8601 instant with Z or an offset',
  '应为有效日期（YYYY-MM-DD），或带 Z 或时区偏移的 ISO-8601 时刻；在网址中，时区偏移的 + 须写作 %2B（未编码的 + 会变成空格）':
    'must be a real date (YYYY-MM-DD) or an ISO-8601 instant with Z or an offset; in a URL, write the offset\'s + as %2B (a + left as it is arrives as a space)',
  不是有效时刻: 'is not a valid instant',
  起始日期不得晚于终止日期: 'the start date must not be after the end date',
  使用起始日期不得晚于终止日期: 'the first day of use must not be after the last',
  '结束时间须晚于开始时间：时间段含 from，不含 to': 'the end must be after the start: a period includes from and excludes to',
  不得晚于当前时间: 'must not be after the current time',
  '所在年份尚未开始：未给出 from 时，时间段从 to 所在年份的 1 月 1 日起算': 'its year has not begun: without from, the period starts on 1 January of the year of to',
  '未知的行政区划：机构目录中没有该区划及其下级的机构': 'unknown region: no organisation of the directory is in it or below it',
  '未知的机构：机构目录中没有该机构，报表中也没有由它办理的环节': 'unknown organisation: the directory has no such organisation, and no stage in the reports was held by it',
  '应为 6 位行政区划代码': 'must be a 6-digit administrative division code',
  '应为山东省某市的行政区划代码（37xx00）或全省 370000': 'must be the division code of a Shandong city (37xx00) or of the province (370000)',
  电子邮箱格式不正确: 'is not a valid e-mail address',
  格式不正确: 'is not in the expected format',
  '统一社会信用代码应为 18 位（数字或大写字母，不含 I、O、S、V、Z）': 'a unified social credit code has 18 characters: digits or capital letters other than I, O, S, V and Z',
  '身份证号应为 18 位（17 位数字加校验位）': 'an ID card number has 18 characters: 17 digits and a check character',
  统一社会信用代码校验位不正确: 'the unified social credit code’s check character is wrong',
  '不能按自然人的身份证号筛选：报表只显示自然人的脱敏编码': 'cannot filter by a natural person\'s ID card number: reports show people only masked',
  '不是有效的 UTF-8 编码：请以 UTF-8 发送 JSON（如从 GBK 文本转换）': 'is not valid UTF-8: send JSON in UTF-8 (converting from GBK, say)',
  身份证号出生日期或校验位不正确: 'the ID card number’s date of birth or check character is wrong',
  '申请主体类型 type 应为 organization（法人或其他组织）或 person（个人）': 'the applicant’s type must be organization or person',
  服务方式不得重复: 'a service mode may be listed once only',
  'noneNeeded 应为 true（无需脱敏）或省略': 'noneNeeded must be true (no desensitization needed) or left out',
  '应为 true：申请时须提交已签署的《公共数据安全承诺书》（第十四条(一)）': 'must be true: an application must include the signed public-data security commitment (Article 14(1))',
  '须填写 datasetRef（已开放的数据集）或 datasetReleaseCaseId（数据集开放案件）之一，且只能填一项':
    'give exactly one of datasetRef (an open dataset) and datasetReleaseCaseId (a dataset release case)',
  '不允许使用 __proto__ 作为字段名': '"__proto__" is not allowed as a field name',
  '不允许 constructor 字段中含有 prototype': 'a "constructor" field may not hold "prototype"',
  '不是本列表给出的翻页游标，请从第一页重新开始': 'is not a cursor this list gave out; start again from the first page',
  '翻页游标属于另一组筛选条件或另一位用户的列表，请从第一页重新开始': 'is the cursor of a list with other filters or of another user; start again from the first page',
  // The router's and the body parser's (api/problem.ts FASTIFY_ZH).
  '请求体不是有效的 JSON': 'the body is not valid JSON',
  '请求体为空，但声明的内容类型是 JSON': 'the body is empty, but its content type says JSON',
  [`请求体超过大小上限（${BODY_LIMIT_TEXT}）`]: `the body is larger than the limit (${BODY_LIMIT_TEXT})`,
  '不支持的请求内容类型，请使用 application/json': 'unsupported content type: send application/json',
  '请求头 Content-Length 与请求体长度不符': 'the Content-Length header does not match the body',
  请求地址含有无效的编码: 'the address holds an invalid percent-encoding',
  // The request's framing (api/server.ts hostProblem).
  '缺少 Host 请求头': 'the Host header is missing',
  'Host 请求头重复': 'the Host header is repeated',
  '请求头 Idempotency-Key 重复，只能有一个': 'the Idempotency-Key header is repeated: send it once',
  '请求头 Content-Type 重复，只能有一个': 'the Content-Type header is repeated: send it once',
  '仅支持 100-continue': 'only 100-continue is supported',
  '仅支持 chunked 传输编码': 'only the chunked transfer coding is supported',
  '不支持压缩的请求体，请发送未压缩的 JSON': 'a compressed body is not supported: send the JSON uncompressed',
  请求地址中的参数过长: 'a parameter in the address is too long',
  // The calendar's (calendars/notice.ts, calendar.ts, days.ts).
  '不是有效日期（应为 YYYY-MM-DD）': 'is not a real date (YYYY-MM-DD)',
  至少需要一份节假日安排通知: 'at least one holiday notice is needed',
  无效的时间: 'is not a valid time',
  应为日期或字符串: 'must be a date or a string',
  '应为不小于 0 的整数（工作日数）': 'must be a whole number of working days, 0 or more',
  按查看者过滤需要机构目录: 'filtering by viewer needs the organisation directory',
};

/** What a `应为…` ("must be …") message names. */
const KINDS: Record<string, string> = {
  文本: 'text',
  对象: 'an object',
  'JSON 对象': 'a JSON object',
  列表: 'a list',
  网址: 'a URL',
  数字: 'a number',
  年份: 'a year',
  'true 或 false': 'true or false',
  行政区划代码: 'an administrative division code',
  统一社会信用代码: 'a unified social credit code',
  身份证号: 'an ID card number',
};

const UNITS: Record<string, string> = { 天: 'days', 个月: 'months' };

/** The statutory festivals by their Chinese names (calendars/statutory.ts), for a message that lists them with their days. */
const FESTIVALS: Record<string, string> = { 元旦: 'New Year’s Day', 春节: 'Spring Festival', 清明节: 'Qingming Festival', 劳动节: 'Labour Day', 端午节: 'Dragon Boat Festival', 中秋节: 'Mid-Autumn Festival', 国庆节: 'National Day' };
/** `春节 2027-02-06、2027-02-07；劳动节 2027-05-01` in English. */
const festivals = (text: string) =>
  text
    .split('；')
    .map((part) => {
      const [name = '', days = ''] = part.split(' ');
      return `${FESTIVALS[name] ?? name} ${list(days)}`;
    })
    .join('; ');
/** A list the Chinese messages join with 、 (machines/schemas.ts `quotedList`), as English does. */
const list = (items: string) => items.replace(/（共 (\d+) 个）$/, ' ($1 in all)').split('、').join(', ');

/** Messages with a value in them. */
const PATTERNS: [RegExp, (...groups: string[]) => string][] = [
  // machines/schemas.ts formatMessage: a fixed format's message with why a value that looks right is not.
  [/^(.+)（含有全角字符，须用半角输入）$/s, (message) => withHint(message!, 'it holds full-width characters: type it half-width')],
  [/^(.+)（首尾含有空格或不可见字符）$/s, (message) => withHint(message!, 'it begins or ends with a space or an invisible character')],
  [/^(.+)（日期与时间之间应为 T，不能是空格）$/s, (message) => withHint(message!, 'the date and the time must be joined by T, not a space')],
  [/^须以 UTF-8 编码发送（声明的字符集为 (.+)）$/, (charset) => `must be sent in UTF-8 (the declared charset is ${charset})`],
  [/^应为以下之一：(.+)$/s, (values) => `must be one of: ${list(values!)}`],
  [/^应为 (.+) 之一$/s, (values) => `must be one of: ${list(values!)}`],
  [/^应为\s*(.+?)\s*$/s, (kind) => (KINDS[kind!] ? `must be ${KINDS[kind!]}` : '')],
  [/^不超过 (\d+) 个字符$/, (n) => `at most ${n} characters`],
  [/^至少 (\d+) 个字符$/, (n) => `at least ${n} characters`],
  [/^不超过 (\d+) 项$/, (n) => `at most ${n} items`],
  [/^至少 (\d+) 项$/, (n) => `at least ${n} items`],
  [/^不大于 (.+)$/, (n) => `must not be greater than ${n}`],
  [/^不小于 (.+)$/, (n) => `must not be less than ${n}`],
  [/^须在 (\d+)–(\d+) (天|个月)之间$/, (min, max, unit) => `must be from ${min} to ${max} ${UNITS[unit!]}`],
  [/^应为 (\d+) 到 (\d+) 之间的整数$/, (min, max) => `must be a whole number from ${min} to ${max}`],
  [/^字段名称不得重复：(.+)$/s, (names) => `field names must be distinct; listed more than once: ${list(names!)}`],
  [/^同一数据集只能列一项调整：(.+)$/s, (names) => `a dataset may have one change only; more than one for: ${list(names!)}`],
  [/^同一字段只能有一条脱敏规则：(.+)$/s, (fields) => `a field may have one desensitization rule only; more than one for: ${list(fields!)}`],
  [/^不允许的字段：(.*)$/s, (keys) => `field${keys!.includes('、') ? 's' : ''} not allowed here: ${list(keys!)}`],
  [/^不支持的查询参数：(.*)$/s, (name) => (name === '（名称为空）' ? 'query parameter not taken here: one with an empty name' : `query parameter not taken here: ${name}`)],
  [/^未知的流程：(.*)$/s, (name) => `unknown process: ${name}`],
  [/^未知的流程，可选：(.*)$/s, (names) => `unknown process; one of: ${list(names!)}`],
  [/^未知的状态，可选：(.*)$/s, (names) => `unknown state; one of: ${list(names!)}`],
  [/^流程 (\S+) 没有此状态，可选：(.*)$/s, (name, names) => `process ${name} has no such state; one of: ${list(names!)}`],
  [/^不是有效时刻：(.*)$/s, (value) => `is not a valid instant: ${value}`],
  [/^须在 0000 至 9999 年之间：(.*)$/s, (value) => `must be in the years 0000 to 9999: ${value}`],
  [/^不是有效日期（应为 YYYY-MM-DD）：(.*)$/s, (value) => `is not a real date (YYYY-MM-DD): ${value}`],
  [/^不是有效日期（YYYY-MM-DD），也不是带 Z 或时区偏移的 ISO-8601 时刻：(.*)$/s, (value) => `is neither a real date (YYYY-MM-DD) nor an ISO-8601 instant with Z or an offset: ${value}`],
  [/^应为整数(?:（≥ (-?\d+)）)?，实际为 (.*)$/s, (min, value) => `must be a whole number${min ? ` of at least ${min}` : ''}, not ${value}`],
  [/^(\S+) 不在 (\d{4}) 年内（也不在自 (\S+) 起的元旦衔接期内）$/, (day, year, from) => `${day} is not in ${year} (nor in the New Year bridge from ${from})`],
  [/^(\S+) 重复列出$/, (day) => `${day} is listed twice`],
  [/^(\S+) 不在 (\d{4})–(\d{4}) 年内：通知在所安排年度的上一年或当年发布$/, (day, from, to) => `${day} is not in ${from}–${to}: a notice is issued in the year before the one it arranges, or in that year`],
  [/^不得晚于当前日期（(\d{4}-\d{2}-\d{2})，北京时间）$/, (today) => `must not be after today (${today}, Beijing time)`],
  [/^(\d{4}) 年早于 (\d{4}) 年：无法核对其法定节假日，不能载入$/, (year, first) => `${year} is before ${first}: its statutory holidays cannot be checked, so no notice for it is loaded`],
  [
    /^(\d{4}) 年的通知尚不可能发布：通知在所安排年度的上一年或当年发布（今天是 (\d{4}-\d{2}-\d{2})，北京时间）$/,
    (year, today) => `no notice for ${year} can have been issued yet: a notice is issued in the year before the one it arranges, or in that year (today is ${today}, Beijing time)`,
  ],
  [/^(\S+) 不是周六或周日：只有周末才能调为工作日$/, (day) => `${day} is not a Saturday or Sunday: only a weekend day can be made a working day`],
  [/^缺少法定节假日 (.+)（《全国年节及纪念日放假办法》规定的假日必须放假）$/s, (days) => `the statutory holidays ${list(days!)} are missing (the national holiday regulations make them days off)`],
  [
    /^工作日放假 (\d+) 天，扣除调休上班 (\d+) 天后为 (-?\d+) 天，少于法定节假日的 (\d+) 天：缺少补假或调休放假的日期（适逢周六、周日的法定节假日应当在工作日补假，《全国年节及纪念日放假办法》第六条(?:；(\d{4}) 年适逢周末的有 (.+))?）$/s,
    (off, adjusted, net, statutory, year, onWeekend) =>
      `${off} weekdays off less ${adjusted} adjusted working days leave ${net}, fewer than the ${statutory} statutory holidays: days off in lieu or for adjusted working days are missing ` +
      `(a statutory holiday on a Saturday or Sunday is made up on a working day, national holiday regulations, Article 6${year ? `; in ${year} these fall on a weekend: ${festivals(onWeekend!)}` : ''})`,
  ],
  [/^(\S+) 同时被列为放假日和调休工作日$/, (day) => `${day} is listed both as a day off and as an adjusted working day`],
  [/^(\S+) 出现在两个假期中$/, (day) => `${day} is in two holiday blocks`],
  [/^(\S+) 不在 (\w+) 中$/, (day, field) => `${day} is not in ${field}`],
  [/^(\S+) 不属于任何假期$/, (day) => `${day} belongs to no holiday block`],
  [/^(\d+) 年有两份通知$/, (year) => `${year} has two notices`],
  [/^(\S+) 在 (\d+) 年的通知中是工作日，在 (\d+) 年的通知中却是放假日$/, (day, a, b) => `${day} is a working day in the ${a} notice but a day off in the ${b} notice`],
  [/^(\d+) 年没有通知且早于 2014 年，无法按法定节假日临时计算$/, (year) => `${year} has no notice and is before 2014, so its holidays cannot be worked out from the statute`],
  [/^不得早于测试时钟的当前时间 (.+)$/, (now) => `must not be before the test clock’s current time, ${now}`],
  // api/routes/ops.ts: the test clock past the last year a holiday notice can be loaded for.
  [
    /^不得晚于 (\d+) 年 12 月 31 日（北京时间）：节假日安排最多可载入到 \d+ 年，此后无法计算任何期限，而测试时钟不能回拨$/,
    (year) => `must not be after ${year}-12-31 (Beijing time): holiday notices can be loaded up to ${year}, no deadline can be counted after it, and the test clock cannot be moved back`,
  ],
];

const HAN = /\p{Script=Han}/u;

/** A message's English followed by a hint's, or '' when the message is not known. */
function withHint(message: string, hint: string): string {
  const english = knownEnglish(message);
  return english === undefined ? '' : `${english} (${hint})`;
}

/** The English of a Chinese field message, or undefined if the catalogue does not know it; a message without Chinese is its own English. */
export function knownEnglish(message: string): string | undefined {
  if (!HAN.test(message)) return message;
  const fixed = FIXED[message];
  if (fixed) return fixed;
  for (const [pattern, render] of PATTERNS) {
    const match = pattern.exec(message);
    if (!match) continue;
    const english = render(...match.slice(1));
    if (english) return english;
  }
  return undefined;
}

/** The English of a Chinese field message; one the catalogue does not know reads "invalid value". */
export function inEnglish(message: string): string {
  return knownEnglish(message) ?? 'invalid value';
}

/** zod's type names in a "must be …" message. */
const ZOD_TYPES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a JSON object',
  array: 'a list',
  date: 'a date',
  null: 'null',
};

/**
 * The English of a zod issue our catalogue has no message for (a route's own schema: zod's Chinese
 * locale wrote it), from its code and parameters — zod's own English would need the input, which a
 * validation error no longer carries ("expected object, received undefined" for any input).
 */
function zodIssueInEnglish(code: string, params: Record<string, unknown>): string | undefined {
  const limit = (bound: unknown, inclusive: unknown, atLeast: boolean) => {
    const n = String(bound);
    switch (params.origin) {
      case 'array':
      case 'set':
        return `${atLeast ? 'at least' : 'at most'} ${n} item${n === '1' ? '' : 's'}`;
      case 'string':
        return `${atLeast ? 'at least' : 'at most'} ${n} characters`;
      default:
        if (inclusive === false) return `must be ${atLeast ? 'greater' : 'less'} than ${n}`;
        return `must not be ${atLeast ? 'less' : 'greater'} than ${n}`;
    }
  };
  switch (code) {
    case 'invalid_type':
      return typeof params.expected === 'string' ? `must be ${ZOD_TYPES[params.expected] ?? params.expected}` : undefined;
    case 'too_small':
      return limit(params.minimum, params.inclusive, true);
    case 'too_big':
      return limit(params.maximum, params.inclusive, false);
    case 'invalid_format':
      switch (params.format) {
        case 'url':
          return 'must be a URL';
        case 'email':
          return FIXED['电子邮箱格式不正确'];
        case 'date':
          return FIXED['应为有效日期，格式 YYYY-MM-DD'];
        case 'datetime':
          return FIXED['应为带 Z 或时区偏移的 ISO-8601 时刻，例如 2026-06-01T00:00:00Z'];
        case 'regex':
          return 'is not in the expected format';
        default:
          return typeof params.format === 'string' ? `must be a valid ${params.format}` : undefined;
      }
    case 'invalid_value':
      return Array.isArray(params.values) ? `must be one of: ${params.values.map(String).join(', ')}` : undefined;
    case 'not_multiple_of':
      return `must be a multiple of ${String(params.divisor)}`;
    case 'unrecognized_keys':
      return Array.isArray(params.keys) ? `field${params.keys.length > 1 ? 's' : ''} not allowed here: ${params.keys.map(String).join(', ')}` : undefined;
    case 'invalid_union':
      return 'matches none of the allowed forms';
    case 'invalid_key':
      return 'holds an invalid key';
    case 'invalid_element':
      return 'holds an invalid element';
    default:
      return undefined;
  }
}

/** A route schema's validation message in English: the catalogue's when it is one of ours, else one made from the zod issue. */
export function issueInEnglish(message: string, code: string, params: Record<string, unknown>): string {
  return knownEnglish(message) ?? zodIssueInEnglish(code, params) ?? 'invalid value';
}
