/**
 * Given a running API with real cases, when thousands of malformed requests arrive on every
 * route (wrong types, missing and unknown fields, huge strings, bad JSON, bad tokens), then no
 * answer is a 5xx, every refusal is problem+json with a code of API.md, every answer's status is
 * documented for its route in GET /docs, and nothing is stored.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Directory } from '../../directory/index.js';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { SECRET, startTestApi, type TestApi } from './harness.js';

/** A small seeded PRNG (mulberry32), so a failure can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
  };
}
type Rng = ReturnType<typeof rng>;

const WEIRD_STRINGS = ['', ' ', '\u0000', '../../etc/passwd', '%00', '😀'.repeat(50), '<script>', "'; drop table events; --", '9'.repeat(400), 'NaN', '-1', '1e309', '2026-13-45', 'true', 'null', '{}', '[]', '山东'.repeat(2000)];

function weirdValue(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 3 ? 6 : 9)) {
    case 0: return r.pick(WEIRD_STRINGS);
    case 1: return r.pick([0, -1, 1.5, Number.MAX_SAFE_INTEGER, -0, 1e308]);
    case 2: return r.chance(0.5);
    case 3: return null;
    case 4: return r.chance(0.05) ? 'x'.repeat(300_000 + r.int(800_000)) : 'x'.repeat(r.int(5000));
    case 5: return r.pick(['2026-02-30', '2026-02-12T25:00:00Z', 'yesterday', '370100']);
    case 6: return Array.from({ length: r.int(4) }, () => weirdValue(r, depth + 1));
    case 7: return Object.fromEntries(Array.from({ length: r.int(4) }, (_, i) => [`k${i}${r.pick(['', '__proto__', 'constructor'])}`, weirdValue(r, depth + 1)]));
    default: return { nested: weirdValue(r, depth + 1) };
  }
}

/** A value of the wrong type for `v`: never valid where `v` was required. */
function wrongType(r: Rng, v: unknown): unknown {
  if (typeof v === 'string') return r.pick([42, true, null, [v], { v }]);
  if (typeof v === 'number') return r.pick([String(v), true, null, [v]]);
  if (typeof v === 'boolean') return r.pick(['yes', 1, null]);
  if (Array.isArray(v)) return r.pick([{}, 'list', 3]);
  return r.pick(['object', 7, [], false]);
}

/** Breaks a valid body for sure: an unknown field somewhere, or a required leaf of the wrong type. */
function breakBody(r: Rng, valid: unknown): unknown {
  const copy = structuredClone(valid) as Record<string, unknown>;
  const objects: Record<string, unknown>[] = [];
  const walk = (o: unknown) => {
    if (o && typeof o === 'object' && !Array.isArray(o)) {
      objects.push(o as Record<string, unknown>);
      Object.values(o).forEach(walk);
    } else if (Array.isArray(o)) o.forEach(walk);
  };
  walk(copy);
  const target = r.pick(objects);
  const keys = Object.keys(target);
  if (keys.length === 0 || r.chance(0.4)) target[`unknown_${r.int(1000)}`] = weirdValue(r);
  else {
    const key = r.pick(keys);
    target[key] = wrongType(r, target[key]);
  }
  return copy;
}

async function badToken(r: Rng): Promise<string | undefined> {
  const key = new TextEncoder().encode(SECRET);
  switch (r.int(7)) {
    case 0: return undefined;
    case 1: return 'not-a-jwt';
    case 2: return r.pick(WEIRD_STRINGS) || 'x';
    case 3: return new SignJWT({ role: 'admin', org: '370000-dsj' }).setProtectedHeader({ alg: 'HS256' }).setSubject('s').setExpirationTime('-1h').sign(key);
    case 4: return new SignJWT({ role: 'admin', org: '370000-dsj' }).setProtectedHeader({ alg: 'HS256' }).setSubject('s').sign(new TextEncoder().encode('wrong-secret'));
    case 5: return new SignJWT({ role: 'emperor', org: '370000-dsj' }).setProtectedHeader({ alg: 'HS256' }).setSubject('s').sign(key);
    default: return `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"s","role":"admin","org":"370000-dsj"}').toString('base64url')}.`;
  }
}

/** A weird value as a URL component, cut at a code-point boundary. */
/** Organisations' names, longest first (one may contain another), said beside their codes in English too. */
const ORG_NAMES = Directory.load()
  .list()
  .map((o) => o.name)
  .sort((a, b) => b.length - a.length);

const enc = (v: unknown, max: number) => encodeURIComponent([...String(v)].slice(0, max).join(''));

const CODES = new Set(['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'INVALID_TRANSITION', 'REVISION_CONFLICT', 'RULE_VIOLATED', 'CALENDAR_NOT_COVERED', 'PAYLOAD_TOO_LARGE', 'METHOD_NOT_ALLOWED']);

describe('fuzz: malformed requests across every route', () => {
  let api: TestApi;
  let caseIds: string[] = [];
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    api = await startTestApi();
    tokens.applicant = await api.token('applicant', actors.company.org, actors.company.sub);
    tokens.provider = await api.token('provider', actors.provider.org);
    tokens.authority = await api.token('authority', actors.cityAuthority.org);
    tokens.supervisor = await api.token('supervisor', '370000-dsj');
    tokens.auditor = await api.token('auditor', '370000-dsj');
    tokens.admin = await api.token('admin', '370000-dsj');
    for (const process of ['conditionalApplication', 'objection', 'unopenedDataRequest'] as const) {
      const res = await api.call('POST', '/v1/cases', { as: tokens.applicant, body: { process, input: startInputs[process] } });
      expect(res.status).toBe(201);
      caseIds.push(res.body.id);
    }
    const release = await api.call('POST', '/v1/cases', { as: tokens.provider, body: { process: 'datasetRelease', input: startInputs.datasetRelease } });
    caseIds.push(release.body.id);
    caseIds = [...caseIds, '00000000-0000-0000-0000-000000000000', 'x'.repeat(90), '%2e%2e%2f'];
  });
  afterAll(() => api.close());

  it('answers 5,000+ malformed requests with no 5xx and stores nothing', async () => {
    const r = rng(20261130);
    const before = await api.app.store.headPosition();
    const statuses = new Map<number, number>();
    const validCommands = Object.entries(commandData).flatMap(([, cmds]) => Object.entries(cmds).map(([type, data]) => ({ type, data })));
    const requests = 5200;
    let englishRefusals = 0;

    for (let i = 0; i < requests; i++) {
      const as = r.chance(0.25) ? await badToken(r) : tokens[r.pick(Object.keys(tokens))];
      const id = r.pick(caseIds);
      const shapes: (() => { method: string; url: string; body?: unknown; headers?: Record<string, string> })[] = [
        () => {
          const process = r.pick([...Object.keys(startInputs), 'nope', '']);
          const input = (startInputs as Record<string, unknown>)[process] ?? weirdValue(r);
          return { method: 'POST', url: '/v1/cases', body: r.chance(0.8) ? breakBody(r, { process, input }) : weirdValue(r) };
        },
        () => {
          const cmd = r.pick(validCommands);
          return { method: 'POST', url: `/v1/cases/${encodeURIComponent(id)}/commands`, body: breakBody(r, { type: cmd.type, data: cmd.data, expectedRevision: 0 }) };
        },
        () => ({ method: 'POST', url: `/v1/cases/${encodeURIComponent(id)}/commands`, body: r.pick(['{"type":', '[1,2', 'null', '"str"', '{"type":"APPROVE","data":{}}}']), headers: { 'content-type': 'application/json' } }),
        () => ({ method: 'POST', url: '/v1/cases', body: 'process=objection', headers: { 'content-type': r.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) } }),
        () => ({ method: 'GET', url: `/v1/cases/${enc(weirdValue(r), 300)}` }),
        () => ({ method: 'GET', url: `/v1/cases/${id}/history?asOf=${enc(weirdValue(r), 200)}` }),
        () => ({ method: 'GET', url: `/v1/cases/${id}/verify?x=${r.int(9)}` }),
        () => ({ method: 'GET', url: `/v1/cases?limit=${enc(weirdValue(r), 50)}&final=${r.pick(['maybe', '2', ''])}` }),
        () => ({ method: 'GET', url: `/v1/inbox?dueWithin=${enc(weirdValue(r), 50)}&overdue=${r.pick(['yes', '1', 'TRUE '])}` }),
        () => ({ method: 'GET', url: `/v1/reports/overdue?asOf=${enc(weirdValue(r), 80)}&format=${r.pick(['xls', 'pdf', ''])}` }),
        () => ({ method: 'GET', url: `/v1/reports/sla?groupBy=${r.pick(['city', '', 'org;drop'])}&from=${r.pick(['x', '2026-99-01'])}` }),
        () => ({ method: 'GET', url: `/v1/audit/export?from=${enc(weirdValue(r), 80)}` }),
        () => ({ method: 'GET', url: `/v1/calendar/deadline?from=${enc(weirdValue(r), 80)}&workingDays=${enc(weirdValue(r), 20)}` }),
        () => ({ method: 'GET', url: `/v1/calendar/${enc(weirdValue(r), 40)}` }),
        () => ({
          method: 'PUT',
          url: `/v1/calendar/${r.pick(['2027', '1800', 'abc'])}`,
          body: breakBody(r, { notice: '国办发明电〔2026〕1号', url: 'https://www.gov.cn/x', holidays: ['2027-01-01'], adjustedWorkdays: [] }),
        }),
        () => ({ method: 'GET', url: `/v1/processes/${enc(weirdValue(r), 60)}/diagram?format=${r.pick(['svg', 'bpmn2', ''])}` }),
        () => ({ method: 'PUT', url: '/v1/test/clock', body: r.pick([{ now: 'tomorrow' }, { now: 5 }, {}, { now: '2026-03-02T01:00:00Z', extra: 1 }, weirdValue(r)]) }),
        () => ({ method: r.pick(['DELETE', 'PATCH', 'PUT']), url: `/v1/cases/${id}` }),
      ];
      const req = r.pick(shapes)();
      // A third of the callers read English (API.md "Errors").
      const english = r.chance(1 / 3);
      const headers = { ...req.headers, ...(english ? { 'accept-language': 'en' } : {}) };
      const res = await api.call(req.method, req.url, { ...(as ? { as } : {}), ...(req.body !== undefined ? { body: req.body } : {}), headers });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500) throw new Error(`5xx for ${req.method} ${req.url.slice(0, 200)}: ${res.text.slice(0, 500)}`);
      if (res.status >= 400) {
        expect(res.headers["content-type"], `${req.method} ${req.url.slice(0, 120)} → ${res.status} ${res.text.slice(0, 300)}`).toMatch(/application\/problem\+json/);
        expect(CODES).toContain(res.body?.code);
        if (english) {
          // Every word of the refusal is English; only a value the request itself sent may be Chinese, and the
          // name of an organisation of the directory beside its code (a 403 says who may send the command).
          const said = [res.body.title, res.body.detail, ...(res.body.errors ?? []).map((e: { message: string }) => e.message)].join(' | ');
          const words = ORG_NAMES.reduce((text, name) => text.replaceAll(`${name} (`, '('), said).replaceAll('山东', '');
          expect(words, `${req.method} ${req.url.slice(0, 120)} → ${res.status} in English`).not.toMatch(/\p{Script=Han}/u);
          englishRefusals++;
        }
      }
    }

    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(requests);
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
    expect(await api.app.store.headPosition()).toBe(before);
    expect(englishRefusals).toBeGreaterThan(1000);

    // Every answer is documented for its route in GET /docs (counted by route and status in GET /metrics).
    const doc = (await api.call('GET', '/docs')).body;
    const counted = [...(await api.call('GET', '/metrics')).text.matchAll(/^workflow_http_requests_total\{method="(\w+)",route="([^"]+)",status="(\d+)"\}/gm)];
    expect(counted.length).toBeGreaterThan(20);
    for (const [, method, route, status] of counted) {
      if (route === 'unmatched') continue;
      const path = route!.replace(/:(\w+)/g, '{$1}');
      // A method the address does not take is no operation of the document: answered 405 (its code is in the
      // Problem component's), or 401 first under /v1 without a valid token.
      if (doc.paths[path] !== undefined && doc.paths[path][method!.toLowerCase()] === undefined) {
        expect(['401', '405'], `${method} ${route} → ${status}`).toContain(status);
        expect(doc.components.schemas.Problem.properties.code.enum).toContain('METHOD_NOT_ALLOWED');
        continue;
      }
      expect(doc.paths[path]?.[method!.toLowerCase()]?.responses?.[status!], `${method} ${route} → ${status} is not in GET /docs`).toBeDefined();
    }
  });
});
