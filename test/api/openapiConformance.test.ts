/**
 * A client generated from GET /docs, against what the server really sends: every answer met while
 * every process is driven from its start to a final state by its parties (and refused along the
 * way: wrong party, wrong state, stale revision, bad data, bad content, bad query, HEAD, English)
 * is checked against the document — its status is listed for its route, its media type is listed
 * for that status, its JSON body matches that status's schema with no member the schema lacks, a
 * problem carries a code of that status and the members API.md's table gives that code, a 201
 * says where the case is (Location) and a 401 how to authenticate (WWW-Authenticate). Every request the server took is one the document allows: its
 * query parameters are declared and their values fit, and its JSON body matches the request schema.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, commandData, startInputs, type ProcessName } from '../machines/examples.js';
import { check } from './jsonSchema.js';
import { startTestApi, type Role, type TestApi } from './harness.js';

type Party = { role: Role; org: string; sub: string };
const party = (a: { role: string; org: string; sub: string }): Party => ({ role: a.role as Role, org: a.org, sub: a.sub });
const applicant = party(actors.company);
const provider = party(actors.provider);
const authority = party(actors.cityAuthority);
const otherProvider = party(actors.otherProvider);
const supervisor: Party = { role: 'supervisor', org: '370000-dsj', sub: 'supervisor-1' };
const auditor: Party = { role: 'auditor', org: '370000-dsj', sub: 'auditor-1' };
const admin: Party = { role: 'admin', org: '370000-dsj', sub: 'admin-1' };
const EVERYONE = [applicant, provider, authority, otherProvider, supervisor, auditor, admin];

/** Each process from its start to a final state: who sends what. */
const JOURNEYS: { process: keyof typeof startInputs; starter: Party; steps: [Party, string, unknown?][] }[] = [
  {
    process: 'datasetRelease',
    starter: provider,
    steps: [
      [provider, 'UPDATE_DRAFT', commandData.datasetRelease.UPDATE_DRAFT],
      [provider, 'RECORD_SECURITY_REVIEW', commandData.datasetRelease.RECORD_SECURITY_REVIEW],
      [provider, 'SET_DESENSITIZATION_RULES', commandData.datasetRelease.SET_DESENSITIZATION_RULES],
      [provider, 'SUBMIT'],
      [authority, 'RETURN', commandData.datasetRelease.RETURN],
      [provider, 'SUBMIT', {}],
      [authority, 'APPROVE', commandData.datasetRelease.APPROVE],
      [provider, 'WITHDRAW', commandData.datasetRelease.WITHDRAW],
    ],
  },
  {
    process: 'conditionalApplication',
    starter: applicant,
    steps: [
      [authority, 'PASS_NORMATIVE_REVIEW', commandData.conditionalApplication.PASS_NORMATIVE_REVIEW],
      [provider, 'APPROVE', commandData.conditionalApplication.APPROVE],
      [provider, 'SIGN_AGREEMENT', commandData.conditionalApplication.SIGN_AGREEMENT],
      [provider, 'GRANT_ACCESS', commandData.conditionalApplication.GRANT_ACCESS],
      [applicant, 'REPORT_USAGE', commandData.conditionalApplication.REPORT_USAGE],
      [applicant, 'REPORT_SECURITY_INCIDENT', commandData.conditionalApplication.REPORT_SECURITY_INCIDENT],
      [provider, 'SUSPEND', commandData.conditionalApplication.SUSPEND],
      [provider, 'RESUME'],
      [applicant, 'REQUEST_RENEWAL', commandData.conditionalApplication.REQUEST_RENEWAL],
      [provider, 'REJECT_RENEWAL', commandData.conditionalApplication.REJECT_RENEWAL],
      [applicant, 'REPORT_RESULTS', commandData.conditionalApplication.REPORT_RESULTS],
      [provider, 'TERMINATE', commandData.conditionalApplication.TERMINATE],
      [applicant, 'CONFIRM_DESTRUCTION', commandData.conditionalApplication.CONFIRM_DESTRUCTION],
    ],
  },
  {
    process: 'unopenedDataRequest',
    starter: applicant,
    steps: [
      [authority, 'PASS_NORMATIVE_REVIEW', commandData.unopenedDataRequest.PASS_NORMATIVE_REVIEW],
      [provider, 'CONCLUDE_OPENABLE', commandData.unopenedDataRequest.CONCLUDE_OPENABLE],
      [provider, 'MARK_OPENED', commandData.unopenedDataRequest.MARK_OPENED],
    ],
  },
  {
    process: 'listAdjustment',
    starter: provider,
    steps: [
      [authority, 'RETURN', commandData.listAdjustment.RETURN],
      [provider, 'RESUBMIT', commandData.listAdjustment.RESUBMIT],
      [authority, 'APPROVE', commandData.listAdjustment.APPROVE],
    ],
  },
  { process: 'objection', starter: applicant, steps: [[provider, 'RESPOND', commandData.objection.RESPOND]] },
];

let api: TestApi;
let doc: any;
const tokens = new Map<string, string>();
const tokenOf = async (p: Party) => {
  const key = `${p.role}:${p.org}:${p.sub}`;
  if (!tokens.has(key)) tokens.set(key, await api.token(p.role, p.org, p.sub));
  return tokens.get(key)!;
};

/** Every way an exchange departs from the document, and how many answers were checked. */
const mismatches: string[] = [];
let checked = 0;

/** The document's path template and operation for a request, if it has one. */
function operationOf(method: string, url: string): { path: string; op: any } | undefined {
  const pathname = url.split('?')[0]!;
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    const pattern = new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    // HEAD is answered as GET without a body: a client generated from the document knows it as GET.
    const op = item[method === 'head' ? 'get' : method];
    if (op && pattern.test(pathname)) return { path, op };
  }
  return undefined;
}

/** The members API.md's "Errors" table adds to a problem of each code. */
const EXTRA_MEMBERS: Record<string, string[]> = {
  VALIDATION_FAILED: ['errors'],
  INVALID_TRANSITION: ['state', 'allowed'],
  REVISION_CONFLICT: ['currentRevision'],
  RULE_VIOLATED: ['rule'],
  CALENDAR_NOT_COVERED: ['year'],
};

interface Sent {
  as?: Party;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Sends a request and checks the exchange against the document. */
async function send(method: string, url: string, { as, body, headers }: Sent = {}) {
  const res = await api.call(method, url, { ...(as ? { as: await tokenOf(as) } : {}), ...(body !== undefined ? { body } : {}), ...(headers ? { headers } : {}) });
  checked++;
  const what = `${method} ${url.slice(0, 90)} as ${as?.role ?? 'nobody'} → ${res.status} ${res.text.slice(0, 200)}`;
  const found = operationOf(method.toLowerCase(), url);
  if (!found) {
    mismatches.push(`no operation: ${what}`);
    return res;
  }
  const { op } = found;
  const response = op.responses[String(res.status)];
  if (!response) {
    mismatches.push(`status not documented: ${what}`);
    return res;
  }
  const type = res.headers['content-type'] === undefined ? undefined : String(res.headers['content-type']).split(';')[0]!.trim();
  if (method !== 'HEAD' || type !== undefined) {
    const media = type === undefined ? undefined : response.content?.[type];
    if (!media) mismatches.push(`media type ${type} not documented: ${what}`);
    else if (method !== 'HEAD' && (type === 'application/json' || type === 'application/problem+json')) {
      for (const problem of check(doc, media.schema, res.body, { closed: true })) mismatches.push(`body ${problem}: ${what}`);
    }
  }
  if (res.status >= 400 && method !== 'HEAD') {
    const codes = response.content?.['application/problem+json']?.schema?.allOf?.flatMap((s: any) => s.properties?.code?.enum ?? []) ?? [];
    if (!codes.includes(res.body?.code)) mismatches.push(`code ${res.body?.code} not documented for ${res.status}: ${what}`);
    for (const member of EXTRA_MEMBERS[res.body?.code] ?? []) if (res.body[member] === undefined) mismatches.push(`${res.body.code} without ${member} (API.md "Errors"): ${what}`);
  }
  for (const name of Object.keys(response.headers ?? {})) {
    const required = (res.status === 401 && name === 'WWW-Authenticate') || (res.status === 201 && name === 'Location');
    if (required && res.headers[name.toLowerCase()] === undefined) mismatches.push(`header ${name} missing: ${what}`);
  }
  // A request the server took (not refused as malformed) is one the document allows.
  if (res.status < 400) {
    const query = new URLSearchParams(url.split('?')[1] ?? '');
    for (const [name, value] of query) {
      const parameter = (op.parameters ?? []).find((p: any) => p.in === 'query' && p.name === name);
      if (!parameter) mismatches.push(`query parameter ${name} not documented: ${what}`);
      else if (check(doc, parameter.schema, value).length > 0 && check(doc, parameter.schema, Number(value)).length > 0 && check(doc, parameter.schema, value === 'true' ? true : value === 'false' ? false : value).length > 0) {
        mismatches.push(`query ${name}=${value} refused by the document: ${what}`);
      }
    }
    const schema = op.requestBody?.content?.['application/json']?.schema;
    if (schema && body !== undefined && typeof body !== 'string') {
      const problems = check(doc, schema, body);
      if (problems.length > 0) mismatches.push(`request body refused by the document (${problems.length} errors, first ${problems[0]}): ${what}`);
    }
  }
  return res;
}

beforeAll(async () => {
  // A Monday in March 2025: the examples' dates (use periods, agreements) fit around it.
  api = await startTestApi({ now: '2025-03-03T01:30:00.000Z' });
  doc = (await api.call('GET', '/docs')).body;
});
afterAll(() => api.close());

describe('a client generated from GET /docs, against what the server sends', () => {
  it('every process driven to its end by its parties, with every read on the way, answers as the document says', async () => {
    const ids: string[] = [];
    for (const journey of JOURNEYS) {
      const started = await send('POST', '/v1/cases', { as: journey.starter, body: { process: journey.process, input: startInputs[journey.process] }, headers: { 'idempotency-key': `k-${journey.process}` } });
      expect(started.status, started.text).toBe(201);
      const id: string = started.body.id;
      ids.push(id);
      // The same key again: the first answer.
      await send('POST', '/v1/cases', { as: journey.starter, body: { process: journey.process, input: startInputs[journey.process] }, headers: { 'idempotency-key': `k-${journey.process}` } });
      for (const [by, type, data] of journey.steps) {
        const current = await send('GET', `/v1/cases/${id}`, { as: by });
        await send('GET', `/v1/inbox?process=${journey.process}&limit=50`, { as: by });
        // Someone who may not: another provider (404 or 403), a stale revision (409).
        await send('POST', `/v1/cases/${id}/commands`, { as: otherProvider, body: { type, ...(data !== undefined ? { data } : {}) } });
        await send('POST', `/v1/cases/${id}/commands`, { as: by, body: { type, ...(data !== undefined ? { data } : {}), expectedRevision: current.body.revision + 5 } });
        api.clock.advance(3 * 86_400_000);
        const res = await send('POST', `/v1/cases/${id}/commands`, { as: by, body: { type, ...(data !== undefined ? { data } : {}), expectedRevision: current.body.revision }, headers: { 'idempotency-key': `k-${id}-${current.body.revision}` } });
        expect(res.status, `${journey.process} ${type}: ${res.text}`).toBe(200);
        // Replayed with the same key; sent again once done (409 INVALID_TRANSITION, or 200 where a state takes it again).
        await send('POST', `/v1/cases/${id}/commands`, { as: by, body: { type, ...(data !== undefined ? { data } : {}), expectedRevision: current.body.revision }, headers: { 'idempotency-key': `k-${id}-${current.body.revision}` } });
      }
      for (const who of EVERYONE) {
        await send('GET', `/v1/cases/${id}`, { as: who });
        await send('GET', `/v1/cases/${id}/history`, { as: who });
        await send('GET', `/v1/cases/${id}/verify`, { as: who });
        await send('GET', `/v1/cases/${id}`, { as: who, headers: { 'accept-language': 'en' } });
      }
      await send('GET', `/v1/cases/${id}/history?asOf=2025-03-04T00:00:00Z`, { as: supervisor });
      await send('GET', `/v1/cases/${id}/history?asOf=2025-03-04`, { as: supervisor });
    }

    for (const who of EVERYONE) {
      await send('GET', '/v1/cases?limit=2', { as: who });
      await send('GET', '/v1/cases?final=true&limit=100', { as: who });
      await send('GET', '/v1/cases?final=false', { as: who });
      await send('GET', '/v1/inbox', { as: who });
      await send('GET', '/v1/inbox?overdue=true&dueWithin=5', { as: who });
      await send('GET', '/v1/reports/overdue', { as: who });
      await send('GET', '/v1/reports/overdue?format=csv', { as: who });
      await send('GET', '/v1/reports/overdue?asOf=2025-06-01T00:00:00Z&basis=statute', { as: who });
      for (const groupBy of ['org', 'process', 'stage']) {
        await send('GET', `/v1/reports/sla?groupBy=${groupBy}&from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`, { as: who });
        await send('GET', `/v1/reports/sla?groupBy=${groupBy}&format=csv`, { as: who });
      }
      await send('GET', '/v1/audit/export?from=2025-01-01T00:00:00Z&to=2027-01-01T00:00:00Z', { as: who });
      await send('GET', '/v1/calendar/deadline?from=2025-03-03&workingDays=10', { as: who });
      await send('GET', '/v1/calendar/deadline?from=2025-03-03T01:30:00Z&workingDays=0', { as: who });
      await send('GET', '/v1/calendar/2025', { as: who });
      await send('GET', '/v1/calendar/2030', { as: who });
      await send('GET', '/v1/processes', { as: who });
      for (const name of ['datasetRelease', 'conditionalApplication', 'unopenedDataRequest', 'listAdjustment', 'objection']) {
        await send('GET', `/v1/processes/${name}/diagram`, { as: who });
        await send('GET', `/v1/processes/${name}/diagram?format=bpmn&version=1`, { as: who });
      }
      await send('PUT', '/v1/calendar/2031', { as: who, body: { notice: '国办发明电〔2030〕1号', url: 'https://www.gov.cn/x', holidays: ['2031-01-01'], adjustedWorkdays: [] } });
    }
    // Pages, HEAD, open routes, the test clock.
    const first = await send('GET', '/v1/cases?limit=1', { as: admin });
    if (first.body.nextCursor) await send('GET', `/v1/cases?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`, { as: admin });
    for (const url of ['/v1/cases', `/v1/cases/${ids[0]}`, '/v1/inbox', '/v1/reports/overdue?format=csv', '/v1/calendar/2025', '/health', '/metrics']) await send('HEAD', url, { as: admin });
    await send('GET', '/health');
    await send('GET', '/metrics');
    await send('GET', '/docs');
    await send('GET', '/docs', { headers: { 'accept-language': 'en' } });
    await send('PUT', '/v1/test/clock', { as: admin, body: { now: '2026-06-01T00:00:00Z' } });

    // Refusals: no token, a bad token, bad bodies, content types, queries and paths.
    const caseUrl = `/v1/cases/${ids[1]}`;
    await send('GET', caseUrl);
    await send('GET', caseUrl, { headers: { authorization: 'Bearer x.y.z' } });
    await send('GET', caseUrl, { headers: { authorization: 'Basic abc' } });
    await send('GET', '/v1/cases/not-a-case', { as: applicant });
    await send('GET', `${caseUrl}?minPosition=-1`, { as: applicant });
    await send('GET', `${caseUrl}?minPosition=99999999`, { as: applicant });
    await send('POST', '/v1/cases', { as: applicant, body: 'process=objection', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    await send('POST', '/v1/cases', { as: applicant, body: 'hello', headers: { 'content-type': 'text/plain' } });
    await send('POST', '/v1/cases', { as: applicant, body: '', headers: { 'content-type': 'application/json' } });
    await send('POST', '/v1/cases', { as: applicant, body: '[]', headers: { 'content-type': 'application/json' } });
    await send('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: startInputs.objection }, headers: { 'idempotency-key': 'x'.repeat(1000) } });
    await send('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: { ...startInputs.objection, kind: 'rant' } } });
    await send('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: { ...startInputs.objection, kind: 'rant' } }, headers: { 'accept-language': 'en' } });
    await send('POST', `${caseUrl}/commands`, { as: applicant, body: { type: 'WITHDRAW', data: null } });
    await send('POST', `${caseUrl}/commands`, { as: applicant, body: { type: 'WITHDRAW', expectedRevision: -1 } });
    await send('POST', `${caseUrl}/commands`, { as: applicant, body: { type: 'USAGE_EXPIRED' } });
    await send('GET', '/v1/cases?limit=abc', { as: applicant });
    await send('GET', '/v1/cases?limit=1000', { as: applicant });
    await send('GET', '/v1/inbox?overdue=maybe', { as: applicant });
    await send('GET', '/v1/reports/sla?groupBy=city', { as: admin });
    await send('GET', '/v1/reports/overdue?region=37', { as: admin });
    await send('GET', '/v1/audit/export?from=2027-01-01T00:00:00Z&to=2025-01-01T00:00:00Z', { as: auditor });
    await send('GET', '/v1/calendar/deadline?from=2025-03-03&workingDays=99999', { as: admin });
    await send('GET', '/v1/calendar/deadline?workingDays=1', { as: admin });
    await send('PUT', '/v1/calendar/2032', { as: admin, body: { notice: 'x', url: 'not a url', holidays: ['2031-01-01'], adjustedWorkdays: [] } });
    await send('PUT', '/v1/test/clock', { as: admin, body: { now: '2020-01-01T00:00:00Z' } });
    // Rules: an ineligible applicant (RULE_VIOLATED), a deadline past the calendars loaded (CALENDAR_NOT_COVERED).
    const ineligible = { ...startInputs.conditionalApplication, eligibility: { ...startInputs.conditionalApplication.eligibility, realNameVerified: false } };
    await send('POST', '/v1/cases', { as: applicant, body: { process: 'conditionalApplication', input: ineligible } });
    await send('POST', '/v1/cases', { as: applicant, body: { process: 'conditionalApplication', input: ineligible }, headers: { 'accept-language': 'en' } });
    await send('GET', '/v1/calendar/deadline?from=2150-01-01&workingDays=5', { as: applicant });

    console.log(`checked ${checked} answers, ${mismatches.length} mismatches`);
    expect([...new Set(mismatches.map((m) => m.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>')))]).toEqual([]);
  }, 60_000);
});

describe('the query filters of GET /docs, against what the server takes', () => {
  it('a process or state filter is documented as the names the server takes (an enum), not as any string the server then refuses', async () => {
    const processes: string[] = (await send('GET', '/v1/processes', { as: admin })).body.map((p: { name: string }) => p.name);
    const states = [...new Set<string>((await send('GET', '/v1/processes', { as: admin })).body.flatMap((p: { states: string[] }) => p.states))].sort();
    const filters: [string, string, string[]][] = [
      ['/v1/cases', 'process', processes],
      ['/v1/cases', 'state', states],
      ['/v1/inbox', 'process', processes],
      ['/v1/reports/overdue', 'process', processes],
      ['/v1/reports/sla', 'process', processes],
    ];
    for (const [path, name, known] of filters) {
      const schema = doc.paths[path].get.parameters.find((p: any) => p.in === 'query' && p.name === name).schema;
      expect([...schema.enum].sort(), `${path} ${name}`).toEqual([...new Set(known)].sort());
      // Each documented value is taken, and a value outside them is refused by both.
      for (const value of schema.enum) expect((await send('GET', `${path}?${name}=${value}`, { as: admin })).status, `${path} ${name}=${value}`).toBe(200);
      expect((await send('GET', `${path}?${name}=dataRelease`, { as: admin })).status).toBe(400);
      expect(check(doc, schema, 'dataRelease')).not.toEqual([]);
    }
    expect(mismatches).toEqual([]);
  });
});

describe('the numbers of GET /docs', () => {
  /** Where a schema under `node` says `number` (a float to a generated client), as JSON pointers. */
  const numbersIn = (node: unknown, at: string, found: string[] = []): string[] => {
    if (Array.isArray(node)) node.forEach((child, i) => numbersIn(child, `${at}/${i}`, found));
    else if (node !== null && typeof node === 'object') {
      const type = (node as { type?: unknown }).type;
      if (type === 'number' || (Array.isArray(type) && type.includes('number'))) found.push(at);
      for (const [key, child] of Object.entries(node)) numbersIn(child, `${at}/${key}`, found);
    }
    return found;
  };

  it('a revision, position, version, year or count in an answer is an integer, as expectedRevision is: only a rate is a fraction', () => {
    const found = Object.entries<any>(doc.paths).flatMap(([path, item]) =>
      Object.entries<any>(item).flatMap(([method, op]) => numbersIn(op.responses, `${method} ${path}`)),
    );
    found.push(...numbersIn(doc.components.schemas, 'components'));
    expect(found).toEqual(['components/SlaReport/properties/rows/items/properties/onTimeRate']);
    // What a client sends back as expectedRevision is the revision it was answered.
    expect(doc.components.schemas['Command.APPROVE'].properties.expectedRevision.type).toBe('integer');
    expect(doc.paths['/v1/cases/{id}'].get.responses['200'].content['application/json'].schema.properties.revision.type).toBe('integer');
  });
});

describe('the operations of GET /docs', () => {
  it('each has an operationId of its own, which a generated client names its method by', () => {
    const ids = Object.values<any>(doc.paths).flatMap((item) => ['get', 'put', 'post', 'delete', 'patch'].filter((m) => item[m]).map((m) => item[m].operationId));
    expect(ids.length).toBeGreaterThanOrEqual(19);
    for (const id of ids) expect(id).toMatch(/^[a-z][A-Za-z]+$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('the forms of GET /docs, against what the server takes', () => {
  /** Every string of a value, by its path (`applicant.contact.name`). */
  const stringsIn = (value: unknown, at: string[] = []): string[][] =>
    typeof value === 'string' ? [at] : value !== null && typeof value === 'object' ? Object.entries(value).flatMap(([key, child]) => stringsIn(child, [...at, key])) : [];
  const replaced = (value: unknown, at: string[], by: string): unknown => {
    const copy = structuredClone(value) as Record<string, any>;
    at.slice(0, -1).reduce((node, key) => node[key], copy)[at.at(-1)!] = by;
    return copy;
  };
  const STARTERS: Record<ProcessName, Party> = { datasetRelease: provider, conditionalApplication: applicant, unopenedDataRequest: applicant, listAdjustment: provider, objection: applicant };

  it('a text field left blank (spaces, an ideographic space) is refused by the document as by the server (FORMS.md: trimmed, must not be empty)', async () => {
    const schema = doc.components.schemas.StartCaseRequest;
    let tried = 0;
    for (const [process, input] of Object.entries(startInputs) as [ProcessName, unknown][]) {
      for (const at of stringsIn(input)) {
        const body = { process, input: replaced(input, at, ' \u3000 ') };
        const res = await send('POST', '/v1/cases', { as: STARTERS[process], body });
        expect(res.status, `${process} ${at.join('.')}`).toBe(400);
        expect(check(doc, schema, body), `${process} ${at.join('.')}: the document takes it`).not.toEqual([]);
        tried++;
      }
    }
    expect(tried).toBeGreaterThan(50);
    expect(mismatches).toEqual([]);
  });
});

describe('the headers of GET /docs', () => {
  it('every operation declares Accept-Language, which chooses the language of its problems (and of the document), so that a generated client can send it', async () => {
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        const header = (op.parameters ?? []).find((p: any) => p.in === 'header' && p.name.toLowerCase() === 'accept-language');
        expect(header, `${method} ${path}`).toMatchObject({ required: false, schema: { type: 'string' } });
      }
    }
    // What it does: the same refusal, in English.
    const res = await send('GET', '/v1/cases?limit=0', { as: applicant, headers: { 'accept-language': 'en' } });
    expect([res.status, res.body.title, res.headers['content-language']]).toEqual([400, 'Validation failed', 'en']);
  });
});

describe('the command forms of GET /docs, against what the server takes', () => {
  it('MARK_OPENED names the opened data one way, datasetRef or datasetReleaseCaseId (FORMS.md "one of the two"): neither, or both, is refused by the document as by the server', async () => {
    // A use ahead of the clock, whichever test moved it.
    const input = { ...startInputs.unopenedDataRequest, usePeriod: { from: '2026-07-01', to: '2027-06-30' } };
    const started = await send('POST', '/v1/cases', { as: applicant, body: { process: 'unopenedDataRequest', input } });
    expect(started.status, started.text).toBe(201);
    const id: string = started.body.id;
    await send('POST', `/v1/cases/${id}/commands`, { as: authority, body: { type: 'PASS_NORMATIVE_REVIEW', data: commandData.unopenedDataRequest.PASS_NORMATIVE_REVIEW } });
    const concluded = await send('POST', `/v1/cases/${id}/commands`, { as: provider, body: { type: 'CONCLUDE_OPENABLE', data: commandData.unopenedDataRequest.CONCLUDE_OPENABLE } });
    expect(concluded.body.state, concluded.text).toBe('openingPending');
    const schema = doc.components.schemas.CommandRequest;
    for (const data of [{}, { datasetRef: 'sd-open-370100-gaj-0080', datasetReleaseCaseId: id }]) {
      const body = { type: 'MARK_OPENED', data };
      expect((await send('POST', `/v1/cases/${id}/commands`, { as: provider, body })).status, JSON.stringify(data)).toBe(400);
      expect(check(doc, schema, body), `${JSON.stringify(data)}: the document takes it`).not.toEqual([]);
    }
    expect((await send('POST', `/v1/cases/${id}/commands`, { as: provider, body: { type: 'MARK_OPENED', data: commandData.unopenedDataRequest.MARK_OPENED } })).status).toBe(200);
    expect(mismatches).toEqual([]);
  });
});

describe('GET /v1/calendar/deadline in GET /docs', () => {
  it('documents `from` as API.md says it, a date or an instant (with Z or an offset): what the document takes the server takes, and what it refuses the server refuses', async () => {
    const schema = doc.paths['/v1/calendar/deadline'].get.parameters.find((p: any) => p.name === 'from').schema;
    const taken = ['2025-03-03', '2025-03-03T01:30:00Z', '2025-03-03T09:30:00+08:00', '2025-03-03T01:30Z', '2025-03-03T01:30:00.123Z'];
    const refused = ['next Monday', '2025/03/03', '2025-03-03 09:30', '2025-03-03T09:30:00', '20250303', '2025-3-3'];
    for (const from of [...taken, ...refused]) {
      const res = await send('GET', `/v1/calendar/deadline?from=${encodeURIComponent(from)}&workingDays=5`, { as: applicant });
      const expected = taken.includes(from);
      expect(res.status, from).toBe(expected ? 200 : 400);
      expect(check(doc, schema, from).length === 0, `${from}: the document ${expected ? 'refuses' : 'takes'} it`).toBe(expected);
    }
    expect(mismatches).toEqual([]);
  });
});
