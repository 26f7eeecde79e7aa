/**
 * Chinese by default, English on request (API.md "Errors"), on every refusal a client can meet, not
 * only the ones a test of their own asks for in English: a walk through every state each process
 * reaches, where each command is sent by each kind of party with a form that does not fit, with a
 * stale revision and with a valid form (INVALID_TRANSITION naming whose turn it is, FORBIDDEN naming
 * who may act, REVISION_CONFLICT saying what was done last, RULE_VIOLATED listing every rule broken),
 * and a table of the other refusals of every route.
 *
 * Each refusal is asked for twice. With `Accept-Language: en`, its title, detail, errors and every
 * other member hold no Chinese but what the caller typed and the names of organisations (the
 * regulation's own citation in `article` and `violations[].article` stays as it is, API.md), and no
 * field message is the catalogue's "invalid value" (api/english.ts knows every message). Without the
 * header, its title, its detail and each error's message are Chinese.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../machines/registry.js';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { startTestApi, type Role, type TestApi } from './harness.js';

const HAN = /\p{Script=Han}/u;
/** Chinese text, and the full-width punctuation that comes with it. */
const CHINESE = /[\p{Script=Han}\u3000-\u303F\uFF01-\uFF5E]+/gu;

type Party = { role: Role; org: string; sub: string };
const party = (a: { role: string; org: string; sub: string }): Party => ({ role: a.role as Role, org: a.org, sub: a.sub });

/** The parties of the examples' cases, one outsider of each kind, and a supervisor and an admin, who act on no case. */
const PARTIES: Party[] = [
  party(actors.provider),
  party(actors.otherProvider),
  party(actors.cityAuthority),
  party(actors.provinceAuthority),
  party(actors.company),
  party(actors.person),
  { role: 'supervisor', org: '370000-dsj', sub: 'supervisor' },
  { role: 'admin', org: '370000-dsj', sub: 'admin' },
];
const STARTERS: Record<keyof typeof startInputs, Party> = {
  datasetRelease: party(actors.provider),
  conditionalApplication: party(actors.company),
  unopenedDataRequest: party(actors.company),
  listAdjustment: party(actors.provider),
  objection: party(actors.company),
};

/** What an English answer may hold in Chinese: what the caller typed (the examples' forms) and the names of organisations. */
const ALLOWED = (() => {
  const texts = new Set<string>(['国办发明电〔2026〕1号', '数据集', '多余']);
  const collect = (value: unknown): void => {
    if (typeof value === 'string') texts.add(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect(startInputs);
  collect(commandData);
  collect(actors);
  for (const org of JSON.parse(readFileSync(join(import.meta.dirname, '../../directory/data/shandong.json'), 'utf8')) as { name: string }[]) texts.add(org.name);
  return [...texts].filter((t) => HAN.test(t)).sort((a, b) => b.length - a.length);
})();

/** The Chinese left in an English answer once what it may hold is taken out. */
function chineseIn(body: Record<string, unknown>): string[] {
  const { article: _article, violations: _violations, ...rest } = body;
  let text = JSON.stringify(rest);
  for (const allowed of ALLOWED) text = text.split(allowed).join('');
  return text.match(CHINESE) ?? [];
}

interface Refusal {
  what: string;
  status: number;
  body: any;
}

/** Problems a walk met: in English with Chinese left, or an unknown message; in Chinese without it. */
function faults(en: Refusal, zh: Refusal): string[] {
  const out: string[] = [];
  if (en.status < 400) return out;
  const left = chineseIn(en.body);
  if (left.length > 0) out.push(`${en.what} [en]: Chinese left (${left.join(' ')}): ${JSON.stringify(en.body)}`);
  if (JSON.stringify(en.body).includes('invalid value')) out.push(`${en.what} [en]: a message the catalogue does not know: ${JSON.stringify(en.body)}`);
  if (en.body?.title !== undefined && HAN.test(en.body.title)) out.push(`${en.what} [en]: title ${en.body.title}`);
  const texts: unknown[] = [zh.body?.title, zh.body?.detail, ...((zh.body?.errors ?? []) as { message: unknown }[]).map((e) => e.message)];
  if (zh.status >= 400 && texts.some((t) => typeof t !== 'string' || !HAN.test(t))) out.push(`${zh.what} [zh]: not in Chinese: ${JSON.stringify(zh.body)}`);
  return out;
}

let api: TestApi;
const tokens = new Map<string, string>();
async function tokenOf(p: Party): Promise<string> {
  const key = `${p.role} ${p.org} ${p.sub}`;
  if (!tokens.has(key)) tokens.set(key, await api.token(p.role, p.org, p.sub));
  return tokens.get(key)!;
}

/** The same request in English and in Chinese; what is wrong with either answer. */
async function both(what: string, method: string, url: string, options: { as?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ faults: string[]; en: Refusal }> {
  const en = await api.call(method, url, { ...options, headers: { ...options.headers, 'accept-language': 'en' } });
  const zh = await api.call(method, url, options);
  const answer = { what: `${what}: ${method} ${url.slice(0, 80)}`, status: en.status, body: en.body };
  return { faults: faults(answer, { ...answer, status: zh.status, body: zh.body }), en: answer };
}

beforeAll(async () => {
  // A Monday in March 2025: the examples' dates (use periods, agreements) fit around it.
  api = await startTestApi({ now: '2025-03-03T01:30:00.000Z' });
});
afterAll(() => api.close());

describe('every refusal of a command, in every state a case reaches, in English and in Chinese', () => {
  const newest = registry.list().filter((def) => !registry.list().some((other) => other.name === def.name && other.version > def.version));

  it.each(newest.map((def) => [def.name] as const))(
    '%s: each command by each party, with a form that does not fit, a stale revision and a valid form',
    async (name) => {
      const process = name as keyof typeof startInputs;
      const def = newest.find((d) => d.name === name)!;
      const data = (commandData as Record<string, Record<string, unknown>>)[process] ?? {};
      type Step = { type: string; by: Party };
      const found: string[] = [];
      /** A new case, moved along `path`. */
      const build = async (path: Step[]) => {
        const started = await api.call('POST', '/v1/cases', { as: await tokenOf(STARTERS[process]), body: { process, input: startInputs[process] } });
        expect(started.status, started.text).toBe(201);
        let revision: number = started.body.revision;
        for (const step of path) {
          const moved = await api.call('POST', `/v1/cases/${started.body.id}/commands`, { as: await tokenOf(step.by), body: { type: step.type, data: data[step.type] ?? {} } });
          expect(moved.status, moved.text).toBe(200);
          revision = moved.body.revision;
        }
        return { id: started.body.id as string, revision, state: '' };
      };
      // Each state once; and once more after the commands that keep a case in it, all sent (drafting after a review is not drafting before it).
      const walked = new Set<string>();
      const walk = async (path: Step[], looped = false) => {
        let kase = await build(path);
        const state = (await api.call('GET', `/v1/cases/${kase.id}`, { as: await tokenOf(STARTERS[process]) })).body.state as string;
        const key = `${state}${looped ? ' again' : ''}`;
        if (walked.has(key)) return;
        walked.add(key);
        const moves: Step[] = [];
        const loops: Step[] = [];
        for (const type of Object.keys(def.commands)) {
          for (const by of PARTIES) {
            const as = await tokenOf(by);
            const url = `/v1/cases/${kase.id}/commands`;
            const where = `${process} in ${state}, ${type} by ${by.role} ${by.org}`;
            found.push(...(await both(`${where}, a form that does not fit`, 'POST', url, { as, body: { type, data: { unexpected: '多余' } } })).faults);
            if (kase.revision > 0) {
              const stale = await both(`${where}, a stale revision`, 'POST', url, { as, body: { type, data: data[type] ?? {}, expectedRevision: kase.revision - 1 } });
              // 404 to a party who may not see the case (API.md "Identity").
              expect([404, 409]).toContain(stale.en.status);
              found.push(...stale.faults);
            }
            const en = await api.call('POST', url, { as, body: { type, data: data[type] ?? {} }, headers: { 'accept-language': 'en' } });
            if (en.status === 200) {
              (en.body.state === state ? loops : moves).push({ type, by });
              kase = await build(path);
              continue;
            }
            const zh = await api.call('POST', url, { as, body: { type, data: data[type] ?? {} } });
            const answer = { what: where, status: en.status, body: en.body };
            found.push(...faults(answer, { ...answer, status: zh.status, body: zh.body }));
          }
        }
        for (const move of moves) await walk([...path, move]);
        if (loops.length > 0 && !looped) await walk([...path, ...loops], true);
      };
      for (const by of PARTIES) {
        found.push(...(await both(`${process} started by ${by.role} ${by.org}`, 'POST', '/v1/cases', { as: await tokenOf(by), body: { process, input: startInputs[process] }, headers: { 'idempotency-key': `${process}-${by.sub}` } })).faults);
        found.push(...(await both(`${process} started with a form that does not fit`, 'POST', '/v1/cases', { as: await tokenOf(by), body: { process, input: { unexpected: '多余' } } })).faults);
      }
      await walk([]);
      // Every state of the process was walked (none is reached by a timer alone).
      const described = (await api.call('GET', '/v1/processes', { as: await tokenOf(STARTERS[process]) })).body.find((p: { name: string; version: number }) => p.name === process && p.version === def.version);
      expect(new Set([...walked].map((key) => key.split(' ')[0]))).toEqual(new Set(described.states));
      expect(found).toEqual([]);
    },
    120_000,
  );
});

describe('every other refusal over HTTP, in English and in Chinese', () => {
  it('given refusals of every route, then each is English with Accept-Language: en and Chinese without', async () => {
    const applicant = await tokenOf(party(actors.company));
    const provider = await tokenOf(party(actors.provider));
    const supervisor = await api.token('supervisor', '370100-dsj');
    const auditor = await api.token('auditor', '370000-dsj');
    const admin = await api.token('admin', '370000-dsj');
    const objection = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: startInputs.objection } });
    const id: string = objection.body.id;
    const json = { 'content-type': 'application/json' };
    const requests: [string, string, { as?: string; body?: unknown; headers?: Record<string, string> }?][] = [
      ['GET', '/v1/cases'],
      ['GET', '/v1/cases', { as: 'not-a-token' }],
      ['GET', '/v1/cases', { as: await api.token('provider', '379999-xyz') }],
      ['GET', '/v1/cases', { as: await api.token('provider', '370100-dsj') }],
      ['GET', '/v1/cases/not-a-case', { as: applicant }],
      ['GET', `/v1/cases/${id}`, { as: await api.token('applicant', 'someone-else') }],
      ['GET', `/v1/cases/${id}/history?asOf=yesterday`, { as: applicant }],
      ['GET', `/v1/cases/${id}/verify?unexpected=1`, { as: applicant }],
      ['GET', '/v1/cases?process=nope&state=nope&final=maybe&limit=0&cursor=nope&org=', { as: applicant }],
      ['GET', '/v1/cases?cursor=nope', { as: applicant }],
      ['GET', '/v1/inbox?overdue=maybe&dueWithin=-2', { as: applicant }],
      ['GET', '/v1/inbox?dueWithin=', { as: applicant }],
      ['GET', '/v1/reports/overdue', { as: applicant }],
      ['GET', '/v1/reports/overdue?region=370000', { as: supervisor }],
      ['GET', '/v1/reports/overdue?region=12', { as: supervisor }],
      ['GET', '/v1/reports/overdue?region=379900', { as: admin }],
      ['GET', '/v1/reports/overdue?org=370102198803151231', { as: admin }],
      ['GET', '/v1/reports/overdue?format=xml&asOf=now', { as: supervisor }],
      ['GET', '/v1/reports/overdue?from=2025-05-01T00:00:00 08:00', { as: supervisor }],
      ['GET', '/v1/reports/sla?groupBy=nope&from=2025-05-01T00:00:00Z&to=2025-01-01T00:00:00Z', { as: supervisor }],
      ['GET', '/v1/audit/export', { as: supervisor }],
      ['GET', '/v1/audit/export?from=nope', { as: auditor }],
      ['GET', '/v1/calendar/nope', { as: applicant }],
      ['GET', '/v1/calendar/1990', { as: applicant }],
      ['GET', '/v1/calendar/2099', { as: applicant }],
      ['GET', '/v1/calendar/deadline?from=nope&workingDays=-1', { as: applicant }],
      ['GET', '/v1/calendar/deadline?from=2099-01-01&workingDays=5', { as: applicant }],
      ['PUT', '/v1/calendar/2027', { as: applicant, body: {} }],
      ['PUT', '/v1/calendar/2027', { as: admin, body: { notice: 'a\u0000b', url: 'nope', holidays: ['nope'], adjustedWorkdays: [] } }],
      ['PUT', '/v1/calendar/2027', { as: admin, body: { notice: '国办发明电〔2026〕1号', url: 'https://www.gov.cn/x', holidays: ['2027-01-01', '2027-01-01', '2026-05-01'], adjustedWorkdays: ['2027-03-03'] } }],
      ['GET', '/v1/processes/nope/diagram', { as: applicant }],
      ['GET', '/v1/processes/objection/diagram?version=99', { as: applicant }],
      ['PUT', '/v1/test/clock', { as: applicant, body: { now: '2026-01-01T00:00:00Z' } }],
      ['PUT', '/v1/test/clock', { as: admin, body: { now: '2020-01-01T00:00:00Z' } }],
      ['PUT', '/v1/test/clock', { as: admin, body: { now: '2201-01-01T00:00:00+08:00' } }],
      ['DELETE', '/v1/cases', { as: applicant }],
      ['GET', '/v1/nope', { as: applicant }],
      ['POST', '/v1/cases', { as: applicant, body: 'not json', headers: json }],
      ['POST', '/v1/cases', { as: applicant, body: '{"a":1}', headers: { 'content-type': 'application/json; charset=gbk' } }],
      ['POST', '/v1/cases', { as: applicant, body: '{"__proto__":{"a":1}}', headers: json }],
      ['POST', '/v1/cases', { as: applicant, body: { process: 'nope', input: {} } }],
      ['POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: { ...startInputs.objection, providerOrg: '370100-dsj' } } }],
      ['POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: { ...startInputs.objection, kind: 'ｅｒｒｏｒ' } } }],
      ['POST', '/v1/cases', { as: applicant, body: { process: 'conditionalApplication', input: { ...startInputs.conditionalApplication, usePeriod: { from: '2020-01-01', to: '2020-02-01' }, eligibility: { realNameVerified: false, creditCheck: { dishonestDebtor: true, seriouslyDishonestEnterprise: true, checkedAt: '2025-03-03T09:00:00+08:00' } } } } }],
      ['POST', '/v1/cases', { as: provider, body: { process: 'listAdjustment', input: { ...startInputs.listAdjustment, changes: Array.from({ length: 30 }, (_, i) => ({ action: 'add', datasetName: `数据集${i % 3}`, detail: 'd' })) } } }],
      ['POST', '/v1/cases', { as: provider, body: { process: 'datasetRelease', input: { ...startInputs.datasetRelease, fields: Array.from({ length: 60 }, (_, i) => ({ name: `f${i % 30}`, description: 'd' })) } } }],
      ['POST', '/v1/cases', { as: provider, body: { process: 'datasetRelease', input: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 1])) } }],
      ['POST', `/v1/cases/${id}/commands`, { as: provider, body: { type: 'RESPOND', data: { outcome: 'corrected', explanation: 'x'.repeat(10_001) } } }],
      ['POST', `/v1/cases/${id}/commands`, { as: provider, body: { type: 'RESPOND', data: {} }, headers: { 'idempotency-key': '' } }],
    ];
    const found: string[] = [];
    for (const [method, url, options] of requests) found.push(...(await both('a route', method, url, options)).faults);
    // A key sent again with another request.
    await api.call('POST', `/v1/cases/${id}/commands`, { as: provider, body: { type: 'RESPOND', data: commandData.objection.RESPOND }, headers: { 'idempotency-key': 'once' } });
    found.push(...(await both('a key reused', 'POST', `/v1/cases/${id}/commands`, { as: provider, body: { type: 'RESPOND', data: { ...commandData.objection.RESPOND, outcome: 'notCorrected' } }, headers: { 'idempotency-key': 'once' } })).faults);
    expect(found).toEqual([]);
  });
});

describe('the language a client asks for, as browsers and tools write Accept-Language', () => {
  it.each([
    ['en', 'en'],
    ['en-US', 'en'],
    ['en;q=0.9,zh;q=0.8', 'en'],
    ['zh-CN,en;q=0.5', 'zh'],
    ['zh-CN,zh;q=0.9,en-US;q=0.8,en;q=0.7', 'zh'],
    ['en-GB,en;q=0.9,zh-CN;q=0.8', 'en'],
  ])('given %j, then a refusal answers in %s and says so', async (header, lang) => {
    const provider = await tokenOf(party(actors.provider));
    const res = await api.call('POST', '/v1/cases', { as: provider, body: { process: 'objection', input: startInputs.objection }, headers: { 'accept-language': header } });
    expect(res.status).toBe(403);
    expect(res.headers['content-language']).toBe(lang === 'en' ? 'en' : 'zh-CN');
    expect(HAN.test(res.body.title + res.body.detail)).toBe(lang === 'zh');
  });
});
