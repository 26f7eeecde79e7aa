/**
 * GET /docs, the OpenAPI 3.1 document (API.md): every route of API.md is in it, with the problems it
 * answers with (one Problem component) and what it answers when it succeeds; the forms of FORMS.md
 * are published from the machines' own zod schemas, as the request bodies of POST /v1/cases and
 * POST /v1/cases/{id}/commands. The document is checked against what the API really answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { registry } from '../../machines/registry.js';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { check, refsIn, resolve } from './jsonSchema.js';
import { startTestApi, type TestApi } from './harness.js';

/** The routes of API.md ("Cases", "Work and reports", "Calendar and processes"), as the document names them. */
const API_MD_ROUTES = [
  'post /v1/cases',
  'get /v1/cases/{id}',
  'post /v1/cases/{id}/commands',
  'get /v1/cases',
  'get /v1/cases/{id}/history',
  'get /v1/cases/{id}/verify',
  'get /v1/inbox',
  'get /v1/reports/overdue',
  'get /v1/reports/sla',
  'get /v1/audit/export',
  'get /v1/calendar/deadline',
  'get /v1/calendar/{year}',
  'put /v1/calendar/{year}',
  'get /v1/processes',
  'get /v1/processes/{name}/diagram',
  'get /health',
  'get /metrics',
  'put /v1/test/clock',
];
const OPEN_ROUTES = ['get /health', 'get /metrics', 'get /docs'];
/** API.md "Errors", and 413 for a body over the cap. */
const PROBLEM_STATUSES = ['400', '401', '403', '404', '409', '413', '422', '503'];
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

let api: TestApi;
let doc: any;
const tokens: Record<string, string> = {};

/** Every operation of the document: `get /v1/cases/{id}` → operation. */
function operations(): [string, any][] {
  return Object.entries<any>(doc.paths).flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => [`${m} ${path}`, item[m]] as [string, any]));
}

/** The codes a documented problem response may carry (from its `allOf` narrowing). */
function codesOf(response: any): string[] {
  return response.content['application/problem+json'].schema.allOf.flatMap((s: any) => s.properties?.code?.enum ?? []);
}

const component = (id: string) => doc.components.schemas[id];

/** What the document says in words: every summary and description, of operations, responses, headers, parameters, schemas and `info`. */
function wordsOf(node: unknown, at = '#'): { at: string; text: string }[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => wordsOf(item, `${at}/${i}`));
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) =>
    typeof value === 'string' && (key === 'summary' || key === 'description') ? [{ at: `${at}/${key}`, text: value }] : wordsOf(value, `${at}/${key}`),
  );
}
/** The document with its words blanked (summaries, descriptions, titles): what is the same in every language. */
function withoutWords(node: unknown, key?: string): unknown {
  if (typeof node === 'string') return key === 'summary' || key === 'description' || key === 'title' ? '…' : node;
  if (Array.isArray(node)) return node.map((item) => withoutWords(item));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, withoutWords(v, k)]));
}
const HAN = /\p{Script=Han}/u;
/** The Chinese an English text may quote: the processes' titles, their commands' labels, and citations of the regulation. */
const NAMES = [...new Set(registry.list().flatMap((def) => [def.title, ...Object.values(def.commands).map((c) => c.label)]))].sort((a, b) => b.length - a.length);
const withoutNames = (text: string) => NAMES.reduce((rest, name) => rest.replaceAll(name, ''), text).replace(/鲁数发〔\d{4}〕\d+号|第[一二三四五六七八九十百零〇]+条|通报/gu, '');
/** A component with its own title and description left out, as z.toJSONSchema gives it. */
const shapeOf = (id: string) => {
  const { title: _title, description: _description, ...rest } = component(id);
  return rest;
};
/** A machine's form as z.toJSONSchema gives it. */
const generated = (schema: z.ZodType) => {
  const { $schema: _schema, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

beforeAll(async () => {
  api = await startTestApi();
  tokens.admin = await api.token('admin', '370000-dsj');
  tokens.applicant = await api.token('applicant', actors.company.org, actors.company.sub);
  tokens.provider = await api.token('provider', actors.provider.org);
  tokens.authority = await api.token('authority', actors.cityAuthority.org);
  tokens.supervisor = await api.token('supervisor', '370100-dsj');
  // A bureau acting as a provider: every /v1 route refuses it (403).
  tokens.bureauAsProvider = await api.token('provider', actors.cityAuthority.org);
  const res = await api.call('GET', '/docs');
  expect(res.status).toBe(200);
  doc = res.body;
});
afterAll(() => api.close());

describe('GET /docs: the OpenAPI 3.1 document', () => {
  it('is an OpenAPI 3.1 document whose references all resolve, with its forms and problems as components, and open routes open', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(typeof doc.info.title).toBe('string');
    expect(typeof doc.info.version).toBe('string');
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(Object.keys(doc.components.schemas).length).toBeGreaterThan(50);
    for (const id of Object.keys(doc.components.schemas)) expect(id, id).toMatch(/^[a-zA-Z0-9.\-_]+$/);
    // JSON Schema 2020-12 (OpenAPI 3.1), not 3.0: no `nullable`; a component carries no `$schema`/`$id` that would rebase its references.
    const text = JSON.stringify(doc);
    expect(text).not.toContain('"nullable"');
    for (const [id, schema] of Object.entries<any>(doc.components.schemas)) {
      expect(schema.$schema, id).toBeUndefined();
      expect(schema.$id, id).toBeUndefined();
    }
    expect(text).not.toContain('x-route-docs');
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(100);
    for (const { path, ref } of refs) expect(() => resolve(doc, ref), `${path}: ${ref}`).not.toThrow();
    // Every component is used (by an operation or another component).
    const used = new Set(refs.map((r) => r.ref));
    const unused = Object.keys(doc.components.schemas).filter((id) => !used.has(`#/components/schemas/${id}`));
    expect(unused.filter((id) => !/\.USAGE_EXPIRED$/.test(id))).toEqual([]);

    for (const [name, op] of operations()) {
      expect(typeof op.summary, name).toBe('string');
      expect(Object.keys(op.responses).length, name).toBeGreaterThan(0);
      for (const [status, response] of Object.entries<any>(op.responses)) {
        expect(status, name).toMatch(/^[1-5]\d\d$/);
        expect(typeof response.description, `${name} ${status}`).toBe('string');
        expect(response.description, `${name} ${status}`).not.toBe('Default Response');
        for (const [type, media] of Object.entries<any>(response.content ?? {})) expect(media.schema, `${name} ${status} ${type}`).toBeTypeOf('object');
      }
      // Path parameters are declared, required.
      for (const [, param] of name.matchAll(/\{(\w+)\}/g)) {
        expect(op.parameters?.find((p: any) => p.in === 'path' && p.name === param), `${name} {${param}}`).toMatchObject({ required: true });
      }
      // An open route says it needs no token; every other one has the document's bearer requirement.
      expect(op.security, name).toEqual(OPEN_ROUTES.includes(name) ? [] : undefined);
    }
    expect(doc.security).toEqual([{ bearer: [] }]);
  });

  it('speaks Chinese by default: every summary and description, of operations, responses, headers, parameters and schemas, is Chinese', async () => {
    const words = wordsOf(doc);
    // The routes, their answers and problems, the forms and the read models' answers.
    expect(words.length).toBeGreaterThan(250);
    for (const { at, text } of words) expect(text, at).toMatch(HAN);
    expect(doc.info.title).toMatch(HAN);
    expect(doc.paths['/v1/inbox'].get.responses['200'].description).toBe('调用方的待办，最紧急的在前：利用主体报告数据安全问题的告知（知悉）最先，然后按期限先后；其他没有期限的在最后（其他告知类，及开放主体自行安排的编制、修改）；nextCursor 为下一页的游标，没有下一页时为 null');
    expect(doc.paths['/v1/cases/{id}'].get.responses['404'].description).toBe('NOT_FOUND（未找到）：案件不存在，或调用方无权查看该案件');
    expect(doc.paths['/v1/cases/{id}'].get.parameters.find((p: any) => p.name === 'minPosition').description).toBe('与其他读取接口一样接受此参数；案件本身直接读取存储，不会滞后；awaitedBy 来自读模型，读模型落后于此位置时（EventStoreDB 模式）最多等待 2 秒，应答头 x-read-models-position 给出读模型已到的位置（小于此值即 awaitedBy 可能仍然滞后），否则立即应答');
    expect(doc.paths['/v1/cases/{id}/history'].get.parameters.find((p: any) => p.name === 'minPosition').description).toBe('与其他读取接口一样接受此参数；本路由直接读取存储，不会滞后，立即应答');
    // The routes that answer from the read models say what minPosition does there, and how an answer still behind tells it.
    for (const path of ['/v1/inbox', '/v1/cases', '/v1/reports/overdue', '/v1/reports/sla', '/v1/audit/export']) expect(doc.paths[path].get.parameters.find((p: any) => p.name === 'minPosition').description, path).toBe('命令应答中的 position：读模型落后于此位置时（EventStoreDB 模式）最多等待 2 秒再应答；应答头 x-read-models-position 给出读模型已到的位置，小于此值即结果仍然滞后');
    expect(component('Problem').properties.errors.description).toBe(
      'VALIDATION_FAILED：不符合要求的字段（最多列出前 20 个）；RULE_VIOLATED：违反的规则所针对的表单字段（如申请的使用终止时间 usePeriod.to），message 为该规则的说明；规则针对案件本身而非所填字段时不给出',
    );
    // A request that names no language, or prefers Chinese, gets this one, and is told so.
    for (const headers of [{}, { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' }, { 'accept-language': 'en;q=0.5,zh' }] as Record<string, string>[]) {
      const res = await api.call('GET', '/docs', { headers });
      expect(res.body, JSON.stringify(headers)).toEqual(doc);
      expect(res.headers['content-language']).toBe('zh-CN');
      expect(String(res.headers.vary)).toMatch(/accept-language/i);
    }
  });

  it('given Accept-Language: en, then the same document in English: each of its words in English, the Chinese only in names and citations', async () => {
    const res = await api.call('GET', '/docs', { headers: { 'accept-language': 'en-GB,en;q=0.9' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-language']).toBe('en');
    expect(String(res.headers.vary)).toMatch(/accept-language/i);
    const en = res.body;
    // Paths, parameters, schemas, codes, enum values: all as the Chinese document has them.
    expect(withoutWords(en)).toEqual(withoutWords(doc));
    const words = wordsOf(en);
    expect(words.length).toBe(wordsOf(doc).length);
    for (const { at, text } of words) expect(withoutNames(text), `${at}: ${text}`).not.toMatch(HAN);
    expect(en.info.title).not.toMatch(HAN);
    // The forms' titles and the commands' descriptions by code, not by their Chinese labels (OpenAPI QA: 51 titles were Chinese).
    for (const [id, schema] of Object.entries(en.components.schemas as Record<string, { title?: string; description?: string }>)) {
      if (schema.title !== undefined) expect(schema.title, id).not.toMatch(HAN);
      if (id.startsWith('Command.') || id.startsWith('StartCase.')) expect(schema.description, id).not.toMatch(HAN);
    }
    expect(en.components.schemas['conditionalApplication.start'].title).toBe('conditionalApplication: start');
    expect(doc.components.schemas['conditionalApplication.start'].title).toBe('有条件开放数据获取申请：发起');
    // The English the document has always had.
    expect(en.paths['/v1/inbox'].get.responses['200'].description).toBe("the caller's open tasks, most urgent first: a notice that a data user reported a data security problem first of all, then by deadline; the others with no deadline last (other notices, and a provider's own drafting or revising); nextCursor is the cursor of the next page, or null");
    expect(en.paths['/v1/cases/{id}'].get.responses['404'].description).toBe('NOT_FOUND (Not found): an unknown case, or one the caller may not see');
    expect(en.paths['/v1/cases/{id}'].get.parameters.find((p: any) => p.name === 'minPosition').description).toBe('taken as on every read endpoint; the case itself is read from the store and is never behind; awaitedBy comes from the read models, which the answer waits for, up to 2 seconds, while they are behind this position (EventStoreDB mode), its x-read-models-position header saying how far they had come (below this position, awaitedBy may still be behind); otherwise it answers at once');
    expect(en.paths['/v1/cases/{id}/history'].get.parameters.find((p: any) => p.name === 'minPosition').description).toBe('taken as on every read endpoint; this route answers from the store itself, is never behind, and answers at once');
    for (const path of ['/v1/inbox', '/v1/cases', '/v1/reports/overdue', '/v1/reports/sla', '/v1/audit/export']) expect(en.paths[path].get.parameters.find((p: any) => p.name === 'minPosition').description, path).toBe('the position a command answered with: while the read models are behind it (EventStoreDB mode), the answer waits for them, up to 2 seconds; its x-read-models-position header says how far they had come (below this position, the answer is still behind it)');
    expect(en.components.schemas.Problem.properties.errors.description).toBe(
      'VALIDATION_FAILED: the fields that do not match their schema (the first 20); RULE_VIOLATED: the fields of the form the broken rules are about (usePeriod.to for a use period already over), each with its rule’s words; absent when a rule is about the case rather than what was filled in',
    );
    expect(en.paths['/metrics'].get.responses['200'].description).toMatch(/^Prometheus text exposition \(text\/plain; version=0\.0\.4\): requests by route and status/);
    // Asked again, the same.
    expect((await api.call('GET', '/docs', { headers: { 'accept-language': 'en' } })).body).toEqual(en);
  });

  it('documents `data` as null-able where it may be left out (the engine reads both as {}), and as an object where a form requires it (OpenAPI QA)', async () => {
    const data = (type: string) => doc.components.schemas[`Command.${type}`].properties.data;
    expect(JSON.stringify(data('PASS_NORMATIVE_REVIEW'))).toContain('"type":"null"');
    expect(doc.components.schemas['Command.PASS_NORMATIVE_REVIEW'].required).not.toContain('data');
    expect(JSON.stringify(data('RECORD_SECURITY_REVIEW'))).not.toContain('"type":"null"');
    expect(doc.components.schemas['Command.RECORD_SECURITY_REVIEW'].required).toContain('data');
  });

  it('documents the instants it answers with as date-time (OpenAPI QA: a generated client read them as bare strings)', () => {
    const inboxItem = doc.components.schemas.InboxPage.properties.items.items.properties;
    expect(inboxItem.enteredAt.format).toBe('date-time');
    expect(inboxItem.dueAt.anyOf[0].format).toBe('date-time');
    const overdueItem = doc.components.schemas.OverdueReport.properties.items.items.properties;
    expect([overdueItem.enteredAt.format, overdueItem.dueAt.format, overdueItem.completedAt.format]).toEqual(['date-time', 'date-time', 'date-time']);
    const history = doc.paths['/v1/cases/{id}/history'].get.responses['200'].content['application/json'].schema.properties.events.items.properties;
    expect(history.at.format).toBe('date-time');
    expect(doc.paths['/v1/cases/{id}'].get.responses['200'].content['application/json'].schema.properties.createdAt.format).toBe('date-time');
  });

  it('documents no 404 on the calendar’s year, which no request gets (an over-long year is 400, as every path parameter: OpenAPI QA)', () => {
    expect(doc.paths['/v1/calendar/{year}'].get.responses['404']).toBeUndefined();
    expect(doc.paths['/v1/calendar/{year}'].put.responses['404']).toBeUndefined();
    expect(doc.paths['/v1/calendar/{year}'].get.responses['400']).toBeDefined();
  });

  it('lists every route of API.md, /health and /metrics included', () => {
    const listed = operations().map(([name]) => name);
    for (const route of API_MD_ROUTES) expect(listed, route).toContain(route);
    expect(doc.paths['/metrics'].get.responses['200'].content['text/plain']).toBeDefined();
    expect(doc.paths['/health'].get.responses['200'].content['application/json'].schema.required).toEqual(['status', 'store', 'projections', 'calendarVersion']);
  });

  it('documents POST /v1/cases with the start form of every process, generated from its machine', () => {
    const body = doc.paths['/v1/cases'].post.requestBody.content['application/json'].schema;
    expect(body).toEqual({ $ref: '#/components/schemas/StartCaseRequest' });
    const request = component('StartCaseRequest');
    expect(request.discriminator.propertyName).toBe('process');
    expect(Object.keys(request.discriminator.mapping).sort()).toEqual(registry.names());
    expect(request.oneOf).toHaveLength(registry.names().length);
    for (const name of registry.names()) {
      const branch = resolve(doc, request.discriminator.mapping[name]);
      expect(request.oneOf).toContainEqual({ $ref: request.discriminator.mapping[name] });
      expect(branch.properties.process.const).toBe(name);
      expect(branch.required).toEqual(['process', 'input']);
      expect(branch.properties.input).toEqual({ $ref: `#/components/schemas/${name}.start` });
      // The machine's own form, as zod renders it: the document and the engine cannot disagree.
      expect(shapeOf(`${name}.start`), name).toEqual(generated(registry.latest(name)!.start.schema));
    }
    const application = component('conditionalApplication.start');
    expect(application.required).toEqual(expect.arrayContaining(['resource', 'applicant', 'usePeriod', 'scenarios', 'securityCommitment', 'eligibility']));
    expect(application.additionalProperties).toBe(false);
    expect(application.properties.usePeriod).toMatchObject({ type: 'object', required: ['from', 'to'], properties: { from: { format: 'date' }, to: { format: 'date' } } });
    expect(application.properties.resource.required).toContain('providerOrg');
    expect(application.properties.resource.properties.providerOrg).toMatchObject({ type: 'string', minLength: 1, maxLength: 10_000 });
    expect(application.properties.applicant.oneOf.map((o: any) => o.properties.type.const)).toEqual(['organization', 'person']);
    expect(application.properties.scenarios.minItems).toBe(1);
    // FORMS.md: securityCommitment: { signed: true, … } (v11: the form's, no longer a rule's)
    expect(application.properties.securityCommitment.properties.signed).toMatchObject({ const: true });
    expect(component('datasetRelease.start').properties.serviceModes.items.enum).toEqual(['download', 'api', 'sandbox', 'privacyComputing']);

    // The examples of FORMS.md match it; a misspelt field or a missing period does not.
    for (const [process, input] of Object.entries(startInputs)) expect(check(doc, body, { process, input }), process).toEqual([]);
    const { usePeriod: _usePeriod, ...withoutPeriod } = startInputs.conditionalApplication;
    expect(check(doc, body, { process: 'conditionalApplication', input: withoutPeriod })).not.toEqual([]);
    expect(check(doc, body, { process: 'objection', input: { ...startInputs.objection, descripton: 'x' } })).not.toEqual([]);
    expect(check(doc, body, { process: 'nope', input: {} })).not.toEqual([]);
  });

  it('documents POST /v1/cases/{id}/commands with the data of every command of every process and version', () => {
    const body = doc.paths['/v1/cases/{id}/commands'].post.requestBody.content['application/json'].schema;
    expect(body).toEqual({ $ref: '#/components/schemas/CommandRequest' });
    const request = component('CommandRequest');
    expect(request.discriminator.propertyName).toBe('type');
    for (const def of registry.list()) {
      for (const [type, spec] of Object.entries(def.commands)) {
        const form = [`${def.name}.${type}`, `${def.name}.v${def.version}.${type}`].find((id) => component(id) && JSON.stringify(shapeOf(id)) === JSON.stringify(generated(spec.schema)));
        expect(form, `${def.name} v${def.version} ${type}`).toBeDefined();
        if (spec.actors.every((a) => a.role === 'system')) {
          expect(request.description).toContain(type);
          continue;
        }
        const branch = resolve(doc, request.discriminator.mapping[type]);
        expect(branch.properties.type.const).toBe(type);
        expect(JSON.stringify(branch.properties.data), `${def.name} ${type}`).toContain(`"#/components/schemas/${form}"`);
        expect(branch.properties.expectedRevision).toMatchObject({ type: 'integer', minimum: 0 });
      }
    }
    // FORMS.md: int > 0, and the bounds the machine keeps them in.
    const agreement = component('conditionalApplication.SIGN_AGREEMENT');
    expect(agreement.properties.destructionDays).toEqual({ type: 'integer', minimum: 1, maximum: 365 });
    expect(agreement.properties.resultsDueMonths).toEqual({ type: 'integer', minimum: 1, maximum: 120 });
    expect(agreement.required).toEqual(['agreementNo', 'purpose', 'useFrom', 'useTo', 'destructionDays', 'resultsDueMonths']);
    // data may be left out only where the engine's {} is a valid form.
    expect(component('Command.SIGN_AGREEMENT').required).toEqual(['type', 'data']);
    expect(component('Command.SUBMIT').required).toEqual(['type']);
    // A command the system alone sends is no client's request.
    expect(request.discriminator.mapping.USAGE_EXPIRED).toBeUndefined();

    for (const [process, commands] of Object.entries(commandData)) {
      for (const [type, data] of Object.entries(commands)) {
        if (type === 'USAGE_EXPIRED') continue;
        expect(check(doc, body, { type, data, expectedRevision: 3 }), `${process} ${type}`).toEqual([]);
      }
    }
    const signed = commandData.conditionalApplication.SIGN_AGREEMENT;
    for (const destructionDays of [0, 366, 1.5]) expect(check(doc, body, { type: 'SIGN_AGREEMENT', data: { ...signed, destructionDays } }), String(destructionDays)).not.toEqual([]);
    expect(check(doc, body, { type: 'SIGN_AGREEMENT' })).not.toEqual([]);
    expect(check(doc, body, { type: 'USAGE_EXPIRED', data: {} })).not.toEqual([]);
  });

  it('lists on every route the problems it answers with, each a Problem of the codes of that status', () => {
    const problem = component('Problem');
    expect(problem.required).toEqual(['type', 'title', 'status', 'code', 'detail']);
    // METHOD_NOT_ALLOWED is answered by no route (a method an address does not take); the last three to a connection before any route, or to its Expect.
    expect(problem.properties.code.enum).toEqual(['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'INVALID_TRANSITION', 'REVISION_CONFLICT', 'PAYLOAD_TOO_LARGE', 'RULE_VIOLATED', 'CALENDAR_NOT_COVERED', 'UNAVAILABLE', 'METHOD_NOT_ALLOWED', 'REQUEST_TIMEOUT', 'HEADERS_TOO_LARGE', 'EXPECTATION_FAILED']);
    expect(problem.properties.errors.items).toMatchObject({ required: ['path', 'message'] });
    for (const member of ['state', 'allowed', 'currentRevision', 'rule', 'article', 'year', 'reason']) expect(problem.properties[member], member).toBeDefined();

    for (const [name, op] of operations()) {
      const problems = Object.keys(op.responses).filter((s) => s >= '400');
      expect(problems.every((s) => PROBLEM_STATUSES.includes(s)), name).toBe(true);
      if (!OPEN_ROUTES.includes(name)) expect(problems, name).toEqual(expect.arrayContaining(['401', '403']));
      // A query parameter a route does not take is refused (400) wherever a route reads its query.
      if ((op.parameters ?? []).some((p: any) => p.in === 'query')) expect(problems, name).toContain('400');
      // Any route answers 503 while the server stops (shuttingDown); an authenticated one, when the token cannot be checked.
      expect(problems, name).toContain('503');
      for (const status of problems) {
        const response = op.responses[status];
        expect(response.content['application/problem+json'].schema.allOf[0], `${name} ${status}`).toEqual({ $ref: '#/components/schemas/Problem' });
        for (const code of codesOf(response)) expect(response.description, `${name} ${status}`).toContain(code);
      }
    }
    const responses = (name: string) => Object.fromEntries(Object.entries<any>(operations().find(([n]) => n === name)![1].responses).filter(([s]) => s >= '400').map(([s, r]) => [s, codesOf(r)]));
    expect(responses('post /v1/cases/{id}/commands')).toEqual({
      400: ['VALIDATION_FAILED'],
      401: ['UNAUTHENTICATED'],
      403: ['FORBIDDEN'],
      404: ['NOT_FOUND'],
      409: ['INVALID_TRANSITION', 'REVISION_CONFLICT'],
      413: ['PAYLOAD_TOO_LARGE'],
      422: ['RULE_VIOLATED', 'CALENDAR_NOT_COVERED'],
      503: ['UNAVAILABLE'],
    });
    expect(responses('post /v1/cases')).toEqual({
      400: ['VALIDATION_FAILED'],
      401: ['UNAUTHENTICATED'],
      403: ['FORBIDDEN'],
      413: ['PAYLOAD_TOO_LARGE'],
      422: ['RULE_VIOLATED', 'CALENDAR_NOT_COVERED'],
      503: ['UNAVAILABLE'],
    });
    expect(responses('get /v1/cases/{id}')).toEqual({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'], 503: ['UNAVAILABLE'] });
    expect(responses('get /v1/processes')).toEqual({ 400: ['VALIDATION_FAILED'], 401: ['UNAUTHENTICATED'], 403: ['FORBIDDEN'], 503: ['UNAVAILABLE'] });
    expect(doc.paths['/v1/inbox'].get.responses['401'].headers['WWW-Authenticate']).toBeDefined();
  });
});

describe('GET /docs against the answers', () => {
  let caseId: string;

  beforeAll(async () => {
    const res = await api.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'conditionalApplication', input: startInputs.conditionalApplication } });
    expect(res.status).toBe(201);
    caseId = res.body.id;
  });

  it('every answer to a set of good and bad requests on every route has a documented status, and its body matches the documented schema', async () => {
    const over = JSON.stringify({ x: 'x'.repeat(1_100_000) });
    const json = { 'content-type': 'application/json' };
    const id = () => caseId;
    const probes: { route: string; url: string | (() => string); as?: string; body?: unknown; headers?: Record<string, string> }[] = [];
    const each = (route: string, url: string | (() => string), body?: unknown) => {
      probes.push({ route, url, ...(body !== undefined ? { body } : {}) }, { route, url, as: 'bureauAsProvider', ...(body !== undefined ? { body } : {}) });
      // A query parameter no route takes: refused where the route reads its query, ignored where it does not.
      const unknown = () => {
        const at = typeof url === 'function' ? url() : url;
        return `${at}${at.includes('?') ? '&' : '?'}unknownParameter=1`;
      };
      probes.push({ route, url: unknown, as: 'admin', ...(body !== undefined ? { body } : {}) });
    };
    const commands = 'post /v1/cases/{id}/commands';
    const commandsUrl = () => `/v1/cases/${caseId}/commands`;
    for (const [route, url, body] of [
      ['get /v1/cases/{id}', () => `/v1/cases/${id()}`],
      ['get /v1/cases/{id}/history', () => `/v1/cases/${id()}/history`],
      ['get /v1/cases/{id}/verify', () => `/v1/cases/${id()}/verify`],
      ['get /v1/cases', '/v1/cases'],
      ['post /v1/cases', '/v1/cases', { process: 'objection', input: startInputs.objection }],
      [commands, commandsUrl, { type: 'APPROVE', data: {} }],
      ['get /v1/inbox', '/v1/inbox'],
      ['get /v1/reports/overdue', '/v1/reports/overdue'],
      ['get /v1/reports/sla', '/v1/reports/sla'],
      ['get /v1/audit/export', '/v1/audit/export?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z'],
      ['get /v1/calendar/deadline', '/v1/calendar/deadline?from=2026-03-02&workingDays=5'],
      ['get /v1/calendar/{year}', '/v1/calendar/2026'],
      ['put /v1/calendar/{year}', '/v1/calendar/2027', { notice: '国办发明电〔2026〕1号', url: 'https://www.gov.cn/x', holidays: ['2027-01-01'], adjustedWorkdays: [] }],
      ['get /v1/processes', '/v1/processes'],
      ['get /v1/processes/{name}/diagram', '/v1/processes/objection/diagram'],
      ['put /v1/test/clock', '/v1/test/clock', { now: '2026-03-02T01:00:00Z' }],
    ] as [string, string | (() => string), unknown?][]) each(route, url, body);

    probes.push(
      // Open routes, and what they answer.
      { route: 'get /health', url: '/health?x=1' },
      { route: 'get /metrics', url: '/metrics' },
      { route: 'get /docs', url: '/docs' },
      // Cases.
      { route: 'post /v1/cases', url: '/v1/cases', as: 'applicant', body: { process: 'objection', input: startInputs.objection } },
      { route: 'post /v1/cases', url: '/v1/cases', as: 'applicant', body: { process: 'nope', input: {} } },
      { route: 'post /v1/cases', url: '/v1/cases', as: 'applicant', body: { process: 'objection', input: { ...startInputs.objection, kind: 'rant' } } },
      { route: 'post /v1/cases', url: '/v1/cases', as: 'applicant', body: '{"process":', headers: json },
      { route: 'post /v1/cases', url: '/v1/cases', as: 'applicant', body: over, headers: json },
      { route: 'post /v1/cases', url: '/v1/cases', as: 'provider', body: { process: 'objection', input: startInputs.objection } },
      {
        route: 'post /v1/cases',
        url: '/v1/cases',
        as: 'applicant',
        body: { process: 'conditionalApplication', input: { ...startInputs.conditionalApplication, eligibility: { ...startInputs.conditionalApplication.eligibility, realNameVerified: false } } },
      },
      { route: 'get /v1/cases', url: '/v1/cases?limit=0', as: 'applicant' },
      { route: 'get /v1/cases', url: '/v1/cases?cursor=garbage', as: 'applicant' },
      { route: 'get /v1/cases', url: '/v1/cases', as: 'applicant' },
      { route: 'get /v1/cases/{id}', url: '/v1/cases/00000000-0000-0000-0000-000000000000', as: 'applicant' },
      { route: 'get /v1/cases/{id}', url: '/v1/cases/', as: 'applicant' },
      { route: 'get /v1/cases/{id}', url: () => `/v1/cases/${caseId}`, as: 'applicant' },
      { route: 'get /v1/cases/{id}', url: () => `/v1/cases/${caseId}`, as: 'provider' },
      { route: 'get /v1/cases/{id}/history', url: () => `/v1/cases/${caseId}/history?asOf=yesterday`, as: 'applicant' },
      { route: 'get /v1/cases/{id}/history', url: () => `/v1/cases/${caseId}/history?asOf=2026-03-03T00:00:00Z`, as: 'applicant' },
      { route: 'get /v1/cases/{id}/history', url: '/v1/cases/unknown/history', as: 'applicant' },
      { route: 'get /v1/cases/{id}/verify', url: '/v1/cases//verify', as: 'applicant' },
      { route: 'get /v1/cases/{id}/verify', url: () => `/v1/cases/${caseId}/verify`, as: 'applicant' },
      // Commands: wrong state, stale revision, bad data, wrong party, unknown case, too large, a broken rule, and the good ones.
      { route: commands, url: commandsUrl, as: 'authority', body: { type: 'GRANT_ACCESS', data: {} } },
      { route: commands, url: commandsUrl, as: 'authority', body: { type: 'NO_SUCH_COMMAND' } },
      { route: commands, url: commandsUrl, as: 'authority', body: { type: 'PASS_NORMATIVE_REVIEW', data: {}, expectedRevision: 7 } },
      { route: commands, url: commandsUrl, as: 'authority', body: { type: 'PASS_NORMATIVE_REVIEW', data: { opinion: 1 } } },
      { route: commands, url: commandsUrl, as: 'authority', body: { type: 'PASS_NORMATIVE_REVIEW', data: {}, extra: 1 } },
      { route: commands, url: commandsUrl, as: 'provider', body: { type: 'PASS_NORMATIVE_REVIEW', data: {} } },
      { route: commands, url: '/v1/cases/00000000-0000-0000-0000-000000000000/commands', as: 'authority', body: { type: 'APPROVE' } },
      { route: commands, url: commandsUrl, as: 'authority', body: over, headers: json },
      { route: commands, url: commandsUrl, as: 'authority', body: { type: 'PASS_NORMATIVE_REVIEW', data: {} } },
      { route: commands, url: commandsUrl, as: 'provider', body: { type: 'APPROVE', data: {} } },
      { route: commands, url: commandsUrl, as: 'provider', body: { type: 'SIGN_AGREEMENT', data: { ...commandData.conditionalApplication.SIGN_AGREEMENT, useFrom: '2026-04-01', useTo: '2030-12-31' } } },
      // Work and reports.
      { route: 'get /v1/inbox', url: '/v1/inbox?dueWithin=-1', as: 'authority' },
      { route: 'get /v1/inbox', url: '/v1/inbox', as: 'provider' },
      { route: 'get /v1/reports/overdue', url: '/v1/reports/overdue?format=xls', as: 'admin' },
      { route: 'get /v1/reports/overdue', url: '/v1/reports/overdue', as: 'applicant' },
      { route: 'get /v1/reports/overdue', url: '/v1/reports/overdue?region=370200', as: 'supervisor' },
      { route: 'get /v1/reports/overdue', url: '/v1/reports/overdue', as: 'admin' },
      { route: 'get /v1/reports/overdue', url: '/v1/reports/overdue?format=csv', as: 'admin' },
      { route: 'get /v1/reports/sla', url: '/v1/reports/sla?groupBy=city', as: 'admin' },
      { route: 'get /v1/reports/sla', url: '/v1/reports/sla?groupBy=stage', as: 'supervisor' },
      { route: 'get /v1/audit/export', url: '/v1/audit/export', as: 'admin' },
      { route: 'get /v1/audit/export', url: '/v1/audit/export?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z', as: 'applicant' },
      { route: 'get /v1/audit/export', url: '/v1/audit/export?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z', as: 'admin' },
      // Calendar, processes, the test clock.
      { route: 'get /v1/calendar/deadline', url: '/v1/calendar/deadline?from=x&workingDays=1', as: 'applicant' },
      { route: 'get /v1/calendar/deadline', url: '/v1/calendar/deadline?from=2150-01-01&workingDays=5', as: 'applicant' },
      { route: 'get /v1/calendar/deadline', url: '/v1/calendar/deadline?from=2026-03-02&workingDays=5', as: 'applicant' },
      { route: 'get /v1/calendar/{year}', url: '/v1/calendar/abc', as: 'applicant' },
      { route: 'get /v1/calendar/{year}', url: `/v1/calendar/${'1'.repeat(101)}`, as: 'applicant' },
      { route: 'get /v1/calendar/{year}', url: '/v1/calendar/2150', as: 'applicant' },
      { route: 'get /v1/calendar/{year}', url: '/v1/calendar/2026', as: 'applicant' },
      { route: 'put /v1/calendar/{year}', url: '/v1/calendar/2027', as: 'admin', body: { notice: '' } },
      { route: 'put /v1/calendar/{year}', url: '/v1/calendar/2027', as: 'admin', body: over, headers: json },
      { route: 'put /v1/calendar/{year}', url: '/v1/calendar/2027', as: 'applicant', body: { notice: '国办发明电〔2026〕1号', url: 'https://www.gov.cn/x', holidays: ['2027-01-01'], adjustedWorkdays: [] } },
      { route: 'get /v1/processes', url: '/v1/processes', as: 'applicant' },
      { route: 'get /v1/processes/{name}/diagram', url: '/v1/processes/nope/diagram', as: 'applicant' },
      { route: 'get /v1/processes/{name}/diagram', url: '/v1/processes/objection/diagram?version=9', as: 'applicant' },
      { route: 'get /v1/processes/{name}/diagram', url: '/v1/processes/objection/diagram?format=svg', as: 'applicant' },
      { route: 'get /v1/processes/{name}/diagram', url: '/v1/processes/objection/diagram?format=bpmn', as: 'applicant' },
      { route: 'put /v1/test/clock', url: '/v1/test/clock', as: 'admin', body: { now: 'tomorrow' } },
      { route: 'put /v1/test/clock', url: '/v1/test/clock', as: 'admin', body: over, headers: json },
      { route: 'put /v1/test/clock', url: '/v1/test/clock', as: 'applicant', body: { now: '2026-03-02T01:00:00Z' } },
      { route: 'put /v1/test/clock', url: '/v1/test/clock', as: 'admin', body: { now: '2026-03-02T01:00:00Z' } },
    );

    const seen = new Map<string, Set<string>>();
    for (const probe of probes) {
      const [method, path] = probe.route.split(' ') as [string, string];
      const op = doc.paths[path]?.[method];
      expect(op, probe.route).toBeDefined();
      const url = typeof probe.url === 'function' ? probe.url() : probe.url;
      const res = await api.call(method.toUpperCase(), url, { ...(probe.as ? { as: tokens[probe.as] } : {}), ...(probe.body !== undefined ? { body: probe.body } : {}), ...(probe.headers ? { headers: probe.headers } : {}) });
      const what = `${probe.route} ${url.slice(0, 80)} as ${probe.as ?? 'nobody'} → ${res.status} ${res.text.slice(0, 300)}`;
      const status = String(res.status);
      seen.set(probe.route, (seen.get(probe.route) ?? new Set()).add(status));
      const response = op.responses[status];
      expect(response, `undocumented: ${what}`).toBeDefined();
      const type = String(res.headers['content-type']).split(';')[0]!;
      const media = response.content?.[type];
      expect(media, `media type ${type} not documented: ${what}`).toBeDefined();
      if (type === 'application/json' || type === 'application/problem+json') expect(check(doc, media.schema, res.body, { closed: true }), what).toEqual([]);
      if (res.status >= 400) expect(codesOf(response), what).toContain(res.body.code);
    }
    // Every status documented for a command was answered (CALENDAR_NOT_COVERED aside, they are all reachable
    // here; a 503 needs a damaged store or a rebuild under way: test/api/damagedStore.test.ts).
    expect([...seen.get(commands)!].sort()).toEqual(Object.keys(doc.paths['/v1/cases/{id}/commands'].post.responses).filter((s) => s !== '503').sort());
  });

  it('the inbox, the case list and the reports answer as their documented 200 schema says, every field of it and no other, nothing stripped', async () => {
    // Work that ran late: a review done after its deadline, an objection not answered in time.
    const objection = await api.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'objection', input: startInputs.objection } });
    expect(objection.status).toBe(201);
    const late = await api.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'conditionalApplication', input: startInputs.conditionalApplication } });
    expect((await api.call('PUT', '/v1/test/clock', { as: tokens.admin, body: { now: '2026-03-25T02:00:00Z' } })).status).toBe(200);
    expect((await api.call('POST', `/v1/cases/${late.body.id}/commands`, { as: tokens.authority, body: { type: 'PASS_NORMATIVE_REVIEW', data: {} } })).status).toBe(200);

    const documented = (path: string) => doc.paths[path].get.responses['200'].content['application/json'].schema;
    const answer = async (url: string, as: string) => {
      const res = await api.call('GET', url, { as: tokens[as] });
      expect(res.status, `${url} ${res.text.slice(0, 300)}`).toBe(200);
      expect(check(doc, documented(url.split('?')[0]!), res.body, { closed: true }), url).toEqual([]);
      return res.body;
    };

    const inbox = await answer('/v1/inbox', 'provider');
    expect(documented('/v1/inbox')).toEqual({ $ref: '#/components/schemas/InboxPage' });
    const overdueTask = inbox.items.find((i: any) => i.caseId === objection.body.id);
    expect(overdueTask).toMatchObject({ orgName: '济南市公安局', orgs: ['370100-gaj'], overdue: true, summary: { title: startInputs.objection.datasetName } });
    expect(overdueTask.workingDaysOverdue).toBeGreaterThan(0);
    expect(overdueTask.workingDaysLeft).toBe(0);
    // Nothing the read model gives is lost on the way.
    const caller = { role: 'provider', org: actors.provider.org };
    expect(inbox).toEqual(JSON.parse(JSON.stringify(api.app.readModels.inbox({ caller, asOf: api.app.clock.now() }))));

    const list = await answer('/v1/cases', 'applicant');
    expect(list.items.length).toBeGreaterThanOrEqual(3);
    for (const item of list.items) expect(item).toMatchObject({ id: item.caseId, region: '370100', applicantOrg: actors.company.org, summary: { title: expect.any(String) } });

    const overdue = await answer('/v1/reports/overdue', 'admin');
    expect(overdue.items.map((i: any) => i.status).sort()).toEqual(expect.arrayContaining(['finishedLate', 'open']));
    expect(overdue.items.find((i: any) => i.status === 'finishedLate').completedAt).toBeDefined();
    expect(overdue.byOrg.length).toBeGreaterThan(0);
    expect(overdue).toEqual(JSON.parse(JSON.stringify(api.app.readModels.overdueReport({ asOf: api.app.clock.now() }))));

    for (const groupBy of ['org', 'process', 'stage']) {
      const sla = await answer(`/v1/reports/sla?groupBy=${groupBy}&from=2026-01-01T00:00:00Z&to=2026-04-01T00:00:00Z`, 'admin');
      expect(sla.rows.some((r: any) => r.late > 0 && r.onTimeRate < 1 && typeof r.name === 'string'), groupBy).toBe(true);
      // The period ends ahead of the clock: open overdue tasks are counted now.
      expect(sla).toEqual(JSON.parse(JSON.stringify(api.app.readModels.slaReport({ from: '2026-01-01T00:00:00Z', to: '2026-04-01T00:00:00Z', asOf: api.app.clock.now(), groupBy: groupBy as 'org' }))));
    }
  });

  it('given minPosition, the answers from the read models carry X-Read-Models-Position, and /docs declares it on those answers and no others', async () => {
    const started = await api.call('POST', '/v1/cases', { as: tokens.applicant, body: { process: 'objection', input: startInputs.objection } });
    expect(started.status).toBe(201);
    const at = started.body.position as number;
    const period = 'from=2026-01-01T00:00:00Z&to=2030-01-01T00:00:00Z';
    const reads: [string, string, string][] = [
      ['get /v1/inbox', `/v1/inbox?minPosition=${at}`, 'provider'],
      ['get /v1/cases', `/v1/cases?minPosition=${at}`, 'applicant'],
      ['get /v1/reports/overdue', `/v1/reports/overdue?minPosition=${at}`, 'admin'],
      ['get /v1/reports/sla', `/v1/reports/sla?${period}&minPosition=${at}`, 'admin'],
      ['get /v1/audit/export', `/v1/audit/export?${period}&minPosition=${at}`, 'admin'],
      // From the store itself: nothing to wait for (the case's own view waits only where read models follow the store).
      ['get /v1/cases/{id}', `/v1/cases/${started.body.id}?minPosition=${at}`, 'applicant'],
      ['get /v1/cases/{id}/history', `/v1/cases/${started.body.id}/history?minPosition=${at}`, 'applicant'],
      ['get /v1/processes', `/v1/processes?minPosition=${at}`, 'applicant'],
    ];
    const carried: string[] = [];
    for (const [route, url, as] of reads) {
      const res = await api.call('GET', url, { as: tokens[as] });
      expect(res.status, `${url} ${res.text.slice(0, 200)}`).toBe(200);
      const header = res.headers['x-read-models-position'];
      if (header === undefined) continue;
      carried.push(route);
      expect(Number(header), url).toBeGreaterThanOrEqual(at);
    }
    expect(carried).toEqual(reads.slice(0, 5).map(([route]) => route));
    // Declared where it is sent: those five, and the case's view, which sends it with EventStoreDB (CaseQuery).
    const declaring = operations()
      .filter(([, op]) => op.responses['200']?.headers?.['X-Read-Models-Position'])
      .map(([name]) => name)
      .sort();
    expect(declaring).toEqual([...carried, 'get /v1/cases/{id}'].sort());
    expect(doc.paths['/v1/cases/{id}'].get.responses['200'].headers['X-Read-Models-Position'].description).toContain('仅在 EventStoreDB 模式下');
  });
});
