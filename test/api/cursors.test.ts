/**
 * Page cursors (API.md "Cases", "Work and reports": `limit`, `cursor`, `nextCursor`) as clients
 * treat them: opaque strings handed back as they were given. One the list did not give — garbage,
 * JSON of the wrong shape, a key no page ends at (negative, fractional, past every integer), base64
 * read leniently (padding, whitespace) — answers 400 VALIDATION_FAILED in the caller's language,
 * never a 5xx and never a page; one another caller or another filter got is a position only: the
 * replaying caller's own visibility and filters decide what it sees.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canSee } from '../../directory/index.js';
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
  it('given the provincial authority’s cursors of every filter, when callers of other regions and roles replay them with every filter, then each answers exactly the replaying caller’s own list after that key, and nothing it may not see', async () => {
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
      const [key] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [number];
      for (const other of others) {
        const token = await api.token(other.role, other.org);
        for (const g of filters) {
          const url = `/v1/cases${g ? `?${g}` : ''}`;
          const replayed = await pages(url, token, 3, cursor);
          const own = await pages(url, token, 100);
          const ownAfter = own.items.filter((c) => (api.app.readModels.db.prepare('SELECT case_key FROM projection_case_keys WHERE case_id = ?').pluck().get(c.caseId) as number) < key);
          expect(replayed.items.map((c) => c.caseId)).toEqual(ownAfter.map((c) => c.caseId));
          for (const c of replayed.items) expect(canSee(api.app.directory, other, api.app.readModels.case(c.caseId)!.parties)).toBe(true);
          replays++;
        }
      }
    }
    expect(replays).toBeGreaterThan(50);
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
