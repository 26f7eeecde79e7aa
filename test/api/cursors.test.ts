/**
 * Page cursors (API.md "Cases", "Work and reports": `limit`, `cursor`, `nextCursor`) as clients
 * treat them: opaque strings handed back as they were given. One the list did not give — garbage,
 * JSON of the wrong shape, a key no page ends at (negative, fractional, past every integer), base64
 * read leniently (padding, whitespace) — answers 400 VALIDATION_FAILED in the caller's language,
 * never a 5xx and never a page; so does one another caller or another filter got (it read on from
 * its key in another list, skipping that list's rows before it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../machines/registry.js';
import { actors, startInputs, type ProcessName } from '../machines/examples.js';
import { actorOf, PROVIDERS, startInput } from '../projections/harness.js';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
  // 40 cases: every process, for providers of two cities and the province, by a company and a person.
  for (const process of Object.keys(startInputs) as ProcessName[]) {
    for (const provider of PROVIDERS) {
      for (const applicant of [actors.company, actors.person]) {
        const starter = registry.latest(process)!.start.actors[0]!.role === 'provider' ? actorOf(provider, 'provider') : applicant;
        await api.app.engine.start({ process, input: startInput(process, provider, applicant), actor: starter });
        api.clock.advance(60_000);
      }
    }
  }
});
afterAll(() => api.close());

const b64 = (json: string) => Buffer.from(json, 'utf8').toString('base64url');
const en = { 'accept-language': 'en' };

/** Every page of `url` for `token`, `limit` at a time, from `cursor`. */
async function pages(url: string, token: string, limit: number, cursor?: string): Promise<{ items: { caseId: string }[]; pages: number }> {
  const items: { caseId: string }[] = [];
  let n = 0;
  for (;;) {
    const sep = url.includes('?') ? '&' : '?';
    const res = await api.call('GET', `${url}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, { as: token });
    expect(res.status, `${url} ${res.text}`).toBe(200);
    items.push(...res.body.items);
    n++;
    if (res.body.nextCursor === null) return { items, pages: n };
    cursor = res.body.nextCursor;
  }
}

describe('a cursor the list did not give', () => {
  const caseCursors = [
    ['past every integer (1e400 parses to Infinity)', b64('[1e400]')],
    ['minus infinity', b64('[-1e400]')],
    ['negative', b64('[-1]')],
    ['fractional', b64('[1.5]')],
    ['beyond the safe integers', b64('[9007199254740993]')],
    ['a 1,400-digit number', b64(`[${'9'.repeat(1400)}]`)],
    ['a real one with padding added', `${b64('[3]')}====`],
    ['a real one with a line break', `${b64('[3]')}%0A`],
    ['a real one with a leading space', `%20${b64('[3]')}`],
  ];
  it.each(caseCursors)('GET /v1/cases with a cursor %s: 400 in Chinese, and in English with Accept-Language: en', async (_what, cursor) => {
    const token = await api.token('authority', '370000-dsj');
    for (const path of ['/v1/cases', '/v1/cases?org=370000-dsj', '/v1/cases?final=false&limit=1']) {
      const url = `${path}${path.includes('?') ? '&' : '?'}cursor=${cursor}`;
      const zh = await api.call('GET', url, { as: token });
      expect(zh.status).toBe(400);
      expect(zh.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'querystring.cursor', message: '不是本列表给出的翻页游标，请从第一页重新开始' }] });
      const english = await api.call('GET', url, { as: token, headers: en });
      expect(english.status).toBe(400);
      expect(english.body.errors).toEqual([{ path: 'querystring.cursor', message: 'is not a cursor this list gave out; start again from the first page' }]);
    }
  });

  const inboxCursors = [
    ['a due key that is a lone surrogate', b64('["\\ud800",1,"x"]')],
    ['a case key past every integer', b64('["~",1e400,"x"]')],
    ['a due key in Chinese and a negative case key', b64('["中文",-5,"阶段"]')],
    ['a due key that is no instant', b64('["2026-13",1,"handling"]')],
    ['an empty stage', b64('["~",1,""]')],
  ];
  it.each(inboxCursors)('GET /v1/inbox with a cursor of %s: 400 in Chinese', async (_what, cursor) => {
    const token = await api.token('provider', '370100-gaj');
    for (const path of ['/v1/inbox', '/v1/inbox?overdue=true', '/v1/inbox?dueWithin=5']) {
      const res = await api.call('GET', `${path}${path.includes('?') ? '&' : '?'}cursor=${cursor}`, { as: token });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ path: 'querystring.cursor', message: '不是本列表给出的翻页游标，请从第一页重新开始' }]);
    }
  });

  it('given cursors the lists gave, then each still answers the next page (a notice’s due key too)', async () => {
    const authority = await api.token('authority', '370000-dsj');
    const all = await pages('/v1/cases', authority, 100);
    const paged = await pages('/v1/cases', authority, 1);
    expect(paged.items.map((c) => c.caseId)).toEqual(all.items.map((c) => c.caseId));
    expect(paged.pages).toBe(all.items.length);
    for (const org of ['370100-gaj', '370100-dsj', '370000-dsj']) {
      const token = await api.token(org.endsWith('dsj') ? 'authority' : 'provider', org);
      const whole = await api.call('GET', '/v1/inbox?limit=200', { as: token });
      const one = await pages('/v1/inbox', token, 1);
      expect(one.items).toEqual(whole.body.items);
    }
  });
});

describe('a cursor replayed by another caller, or with another filter', () => {
  const another = '翻页游标属于另一组筛选条件或另一位用户的列表，请从第一页重新开始';

  it('given the provincial authority’s cursors of every filter, when callers of other regions and roles replay them, or it replays them with another filter, then each is 400 naming the cursor (it read on from the key in another list, skipping its rows before it); with the same filter and another limit, the next page', async () => {
    const owner = await api.token('authority', '370000-dsj');
    const filters = ['', 'process=objection', 'final=false', 'org=370000-dsj', 'state=handling'];
    const others = [
      { role: 'provider', org: '370200-gaj' },
      { role: 'authority', org: '370200-dsj' },
      { role: 'supervisor', org: '370100-dsj' },
      { role: 'applicant', org: actors.person.org },
      { role: 'applicant', org: '91370200MA3XXXXX04' },
    ] as const;
    let replays = 0;
    for (const f of filters) {
      const first = await api.call('GET', `/v1/cases?limit=2${f ? `&${f}` : ''}`, { as: owner });
      expect(first.status).toBe(200);
      if (first.body.nextCursor === null) continue;
      const cursor = first.body.nextCursor as string;
      const same = await pages(`/v1/cases${f ? `?${f}` : ''}`, owner, 3, cursor);
      const whole = await pages(`/v1/cases${f ? `?${f}` : ''}`, owner, 100);
      expect(same.items).toEqual(whole.items.slice(2));
      for (const caller of [{ role: 'authority', org: '370000-dsj' } as const, ...others]) {
        const token = await api.token(caller.role, caller.org);
        for (const g of filters) {
          if (caller.org === '370000-dsj' && g === f) continue;
          const replayed = await api.call('GET', `/v1/cases?limit=3${g ? `&${g}` : ''}&cursor=${cursor}`, { as: token });
          expect([caller, g, replayed.status, replayed.body.errors]).toEqual([caller, g, 400, [{ path: 'querystring.cursor', message: another }]]);
          replays++;
        }
      }
    }
    expect(replays).toBeGreaterThan(50);
  });

  it('given a provider’s inbox cursor, when another organisation replays it, or the provider does with another filter, then 400 in Chinese, and in English with Accept-Language: en', async () => {
    const provider = await api.token('provider', '370100-gaj');
    const first = await api.call('GET', '/v1/inbox?limit=1', { as: provider });
    expect(first.body.nextCursor).not.toBeNull();
    const cursor = first.body.nextCursor as string;
    expect((await api.call('GET', `/v1/inbox?limit=1&cursor=${cursor}`, { as: provider })).status).toBe(200);
    for (const [token, query] of [
      [await api.token('provider', '370200-gaj'), ''],
      [provider, '&overdue=true'],
      [provider, '&process=objection'],
      [provider, '&assigned=true'],
    ] as const) {
      const zh = await api.call('GET', `/v1/inbox?limit=1${query}&cursor=${cursor}`, { as: token });
      expect([query, zh.status, zh.body.errors]).toEqual([query, 400, [{ path: 'querystring.cursor', message: another }]]);
      const english = await api.call('GET', `/v1/inbox?limit=1${query}&cursor=${cursor}`, { as: token, headers: en });
      expect(english.body.errors).toEqual([{ path: 'querystring.cursor', message: 'is the cursor of a list with other filters or of another user; start again from the first page' }]);
    }
  });
});

describe('limits at their bounds', () => {
  it.each([
    ['/v1/cases', 100],
    ['/v1/inbox', 200],
  ])('%s: 1 and %i answer; 0 and one more are 400 naming the bound, in Chinese', async (path, max) => {
    const token = await api.token('authority', '370000-dsj');
    for (const limit of [1, max]) expect((await api.call('GET', `${path}?limit=${limit}`, { as: token })).status).toBe(200);
    for (const limit of [0, max + 1]) {
      const res = await api.call('GET', `${path}?limit=${limit}`, { as: token });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].path).toBe('querystring.limit');
      expect(res.body.detail).toMatch(/[\u4e00-\u9fff]/);
    }
  });
});
