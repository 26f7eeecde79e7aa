/**
 * English refusals (API.md "Errors": Chinese by default, English with Accept-Language: en): every
 * message a form can give has its English in api/english.ts, and the API answers with it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inEnglish } from '../../api/english.js';
import { registry } from '../../machines/registry.js';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { startTestApi, type TestApi } from './harness.js';

type Json = unknown;

/** Every way to spoil one field of a valid form: gone, of another type, empty, too long, unclean, nonsense; and a field too many. */
function spoilt(valid: Json): Json[] {
  const out: Json[] = [];
  const visit = (value: Json, replace: (v: Json | typeof GONE) => Json) => {
    if (Array.isArray(value)) {
      out.push(replace([]), replace('list'));
      value.forEach((item, i) => visit(item, (v) => replace(v === GONE ? value.filter((_, j) => j !== i) : value.map((x, j) => (j === i ? v : x)))));
    } else if (value !== null && typeof value === 'object') {
      out.push(replace('object'), replace({ ...value, unexpected: 1 }));
      for (const key of Object.keys(value)) {
        visit((value as Record<string, Json>)[key], (v) => {
          const copy = { ...(value as Record<string, Json>) };
          if (v === GONE) delete copy[key];
          else copy[key] = v;
          return replace(copy);
        });
      }
    } else if (typeof value === 'string') {
      out.push(replace(GONE), replace(42), replace(''), replace('x'.repeat(10_001)), replace('a\u0000b'), replace('zz-9'), replace('1999-02-30'));
    } else if (typeof value === 'number') {
      out.push(replace(GONE), replace('7'), replace(1.5), replace(-1), replace(0), replace(1e9));
    } else if (typeof value === 'boolean') {
      out.push(replace(GONE), replace('yes'));
    }
  };
  const GONE = Symbol('gone');
  visit(valid, (v) => (v === GONE ? undefined : v));
  return out;
}

describe('every message a form can give has its English', () => {
  const forms = registry.list().flatMap((def) => {
    const starts = (startInputs as Record<string, Json>)[def.name];
    const commands = (commandData as Record<string, Record<string, Json>>)[def.name] ?? {};
    return [
      ...(starts === undefined ? [] : [{ name: `${def.name} v${def.version} start`, schema: def.start.schema, valid: starts }]),
      ...Object.entries(def.commands).map(([type, spec]) => ({ name: `${def.name} v${def.version} ${type}`, schema: spec.schema, valid: commands[type] ?? {} })),
    ];
  });

  it.each(forms.map((f) => [`${f.name}`, f] as const))('%s: each spoilt field is refused with a message the catalogue knows', (_name, { schema, valid }) => {
    const messages = new Set<string>();
    for (const data of spoilt(valid)) {
      const parsed = schema.safeParse(data);
      if (!parsed.success) for (const issue of parsed.error.issues) messages.add(issue.message);
    }
    expect(messages.size).toBeGreaterThan(0);
    for (const message of messages) {
      const english = inEnglish(message);
      expect(english, `${message} → ${english}`).not.toMatch(/\p{Script=Han}/u);
      expect(english, `no English for ${message}`).not.toBe('invalid value');
    }
  });
});

describe('inEnglish', () => {
  it.each([
    ['必填', 'required'],
    ['应为文本', 'must be text'],
    ['应为以下之一：error、omission、infringement', 'must be one of: error, omission, infringement'],
    ['不超过 10000 个字符', 'at most 10000 characters'],
    ['须在 1–365 天之间', 'must be from 1 to 365 days'],
    ['不允许的字段：a、b', 'fields not allowed here: a, b'],
    ['未知的流程：山东', 'unknown process: 山东'],
    ['应为 1 到 200 之间的整数', 'must be a whole number from 1 to 200'],
    ['不得晚于当前日期（2026-12-02，北京时间）', 'must not be after today (2026-12-02, Beijing time)'],
    ['already English', 'already English'],
    ['某条从未见过的提示', 'invalid value'],
  ])('%s → %s', (zh, en) => {
    expect(inEnglish(zh)).toBe(en);
  });
});

describe('the API in English', () => {
  let api: TestApi;
  let applicant: string;
  const en = { 'accept-language': 'en' };

  beforeAll(async () => {
    api = await startTestApi();
    applicant = await api.token('applicant', actors.company.org, actors.company.sub);
  });
  afterAll(() => api.close());

  it('given a body its route schema refuses, then the detail and each error are English', async () => {
    const res = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 5 }, headers: en });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      title: 'Validation failed',
      detail: 'invalid request body: body.process: must be text; body.input: required',
      errors: [
        { path: 'body.process', message: 'must be text' },
        { path: 'body.input', message: 'required' },
      ],
    });
  });

  it('given a start input its form refuses, then each error is English; the same request in Chinese stays Chinese', async () => {
    const input = { ...startInputs.objection, kind: 'rant', unexpected: true };
    const res = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input }, headers: en });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        { path: 'kind', message: 'must be one of: error, omission, infringement, suggestion' },
        { path: 'unexpected', message: 'field not allowed here: unexpected' },
      ]),
    );
    expect(res.body.detail).toMatch(/^the data sent is not valid: .*kind: must be one of: error, omission, infringement, suggestion.*; unexpected: field not allowed here: unexpected/);
    const zh = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input } });
    expect(zh.body.errors).toEqual(expect.arrayContaining([{ path: 'unexpected', message: '不允许的字段：unexpected' }]));
  });

  it('given a route schema refusal zod words itself (a body that is not an object, a number past the safe range), then the English is made from the issue, not "received undefined"', async () => {
    const list = await api.call('POST', '/v1/cases', { as: applicant, body: [], headers: en });
    expect(list.body.errors).toEqual([{ path: 'body', message: 'must be a JSON object' }]);
    const huge = await api.call('GET', '/v1/cases?minPosition=99999999999999999999', { as: applicant, headers: en });
    expect(huge.body.errors).toEqual([{ path: 'querystring.minPosition', message: 'must not be greater than 9007199254740991' }]);
  });

  it('given a form with more errors than a refusal lists, then the English detail lists the first 20 and then says how many more, as the Chinese does', async () => {
    const input = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 1]));
    const res = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input }, headers: en });
    expect(res.body.moreErrors).toBeGreaterThan(0);
    expect(res.body.detail).toMatch(new RegExp(`^the data sent is not valid: [^()]*; k\\d+: field not allowed here: k\\d+ \\(${res.body.moreErrors} more not listed\\)$`));
    const zh = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input } });
    expect(zh.body.detail).toMatch(new RegExp(`^提交的数据不符合要求：.*；另有 ${res.body.moreErrors} 处未列出$`));
  });

  it('given an unknown process, then the English detail says so once', async () => {
    const res = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'fooBar', input: {} }, headers: en });
    expect(res.body).toMatchObject({ detail: 'unknown process: fooBar', errors: [{ path: 'body.process', message: 'unknown process: fooBar' }] });
  });

  it('given an address with a broken percent-encoding, then the error is English', async () => {
    const res = await api.call('GET', '/v1/cases/%E0%A4%A', { as: applicant, headers: en });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'url', message: 'the address holds an invalid percent-encoding' }]);
  });

  it('given a holiday notice that does not hold together, then each of its errors is English', async () => {
    const admin = await api.token('admin', '370000-dsj');
    const notice = { notice: '国办发明电〔2026〕1号', url: 'https://www.gov.cn/x', holidays: ['2027-01-01', '2027-01-01', '2026-05-01'], adjustedWorkdays: ['2027-03-03'] };
    const res = await api.call('PUT', '/v1/calendar/2027', { as: admin, body: notice, headers: en });
    expect(res.status).toBe(400);
    const messages: string[] = res.body.errors.map((e: { message: string }) => e.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        '2027-01-01 is listed twice',
        '2026-05-01 is not in 2027 (nor in the New Year bridge from 2026-12-25)',
        '2027-03-03 is not a Saturday or Sunday: only a weekend day can be made a working day',
      ]),
    );
    expect(messages.join(' ')).not.toMatch(/\p{Script=Han}|invalid value/u);
  });

  it('given a provisional year asked for in English, then the text of its blocks, which the product writes, is English (a loaded notice’s stays the State Council’s)', async () => {
    // A server of its own: this file's loads a 2027 notice.
    const own = await startTestApi();
    try {
      const as = await own.token('applicant', 'person-1');
      const res = await own.call('GET', '/v1/calendar/2027', { as, headers: en });
      expect(res.status, res.text).toBe(200);
      expect([res.headers['content-language'], res.body.status, res.body.blocks.length]).toEqual(['en', 'provisional', 7]);
      for (const b of res.body.blocks) expect(b.text).toMatch(/^provisional \(Measures on National Holidays and Commemorative Days; the State Council’s notice is not loaded yet\): Article 2, days off [0-9-, ]+[.;]/);
      const zh = await own.call('GET', '/v1/calendar/2027', { as });
      for (const b of zh.body.blocks) expect(b.text).toMatch(/^临时计算（《全国年节及纪念日放假办法》/);
    } finally {
      await own.close();
    }
  });

  it('given a year before the calendar, then CALENDAR_NOT_COVERED says it is before, not past the last notice, in either language', async () => {
    const res = await api.call('GET', '/v1/calendar/1990', { as: applicant, headers: en });
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/^1990 is before the years the calendar covers, so its working days are unknown \(the calendar covers \d{4}–\d{4}\)$/);
    const zh = await api.call('GET', '/v1/calendar/1990', { as: applicant });
    expect(zh.body.detail).toMatch(/^1990 年早于日历覆盖的年份，无法计算工作日（可计算 \d{4}–\d{4} 年）$/);
  });

  it('given a broken rule, then the English detail cites the article in English; details.article stays the regulation’s own', async () => {
    const provider = await api.token('provider', actors.provider.org);
    const { conditions: _left, ...input } = startInputs.datasetRelease;
    const res = await api.call('POST', '/v1/cases', { as: provider, body: { process: 'datasetRelease', input }, headers: en });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'RULE_VIOLATED', detail: 'Conditionally open data must state its conditions (the field conditions). (Article 7)', article: '第七条' });
  });

  it('given a query the read models refuse, then the detail and the error are English', async () => {
    const res = await api.call('GET', '/v1/cases?cursor=not-a-cursor', { as: applicant, headers: en });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      detail: 'query parameter cursor: is not a cursor this list gave out; start again from the first page',
      errors: [{ path: 'querystring.cursor', message: 'is not a cursor this list gave out; start again from the first page' }],
    });
  });
});
