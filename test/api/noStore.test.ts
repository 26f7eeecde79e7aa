/**
 * An answer that carries a natural person's data — the application form with its 身份证号, phone and
 * e-mail, a case list or inbox naming the person, the audit export — is not kept in a browser's or a
 * proxy's cache (`Cache-Control: no-store`, RFC 9111 §5.2.2.5): reviewers and supervisors work on
 * shared office computers, and a cache keeps what it stores on disk after the session ends
 * (个人信息保护法 第五十一条(二)). Every /v1 answer is such an answer or may be.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './harness.js';
import { orgs, personApplicant, personIdNumber, startInputs } from '../machines/examples.js';

let api: TestApi;
let tokens: Record<'person' | 'provider' | 'supervisor' | 'auditor', string>;
let caseId: string;
let started: { status: number; headers: Record<string, unknown> };
beforeAll(async () => {
  api = await startTestApi({ now: '2025-03-03T02:00:00.000Z' });
  tokens = {
    person: await api.token('applicant', personIdNumber, 'u-liming'),
    provider: await api.token('provider', orgs.provider),
    supervisor: await api.token('supervisor', orgs.provinceAuthority),
    auditor: await api.token('auditor', orgs.provinceAuthority),
  };
  const res = await api.call('POST', '/v1/cases', { as: tokens.person, body: { process: 'conditionalApplication', input: { ...startInputs.conditionalApplication, applicant: personApplicant } } });
  caseId = res.body.id;
  started = res;
});
afterAll(() => api.close());

describe('answers that carry a natural person’s data are not cached', () => {
  it('given a person’s application started, then the answer, with the form in it, says no-store', () => {
    expect(started.status).toBe(201);
    expect(started.headers['cache-control']).toBe('no-store');
  });

  it.each([
    ['provider', '/v1/cases/:id', true],
    ['provider', '/v1/cases/:id/history', true],
    ['provider', '/v1/cases', true],
    ['auditor', '/v1/audit/export?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', true],
    ['person', '/v1/inbox', false],
    ['supervisor', '/v1/reports/overdue?format=csv', false],
  ] as const)('given the %s’s GET %s, then it says no-store', async (who, url, naming) => {
    const res = await api.call('GET', url.replace(':id', caseId), { as: tokens[who] });
    expect(res.status).toBe(200);
    if (naming) expect(res.text).toContain(personIdNumber);
    expect(res.headers['cache-control']).toBe('no-store');
  });
});

describe('every answer is read as the type it says', () => {
  // Security QA: no answer said nosniff, though CSV, Mermaid and BPMN answers carry text the parties wrote.
  it.each([
    ['supervisor', '/v1/reports/overdue?format=csv', 200],
    ['provider', '/v1/processes/conditionalApplication/diagram?format=bpmn', 200],
    ['provider', '/v1/processes/conditionalApplication/diagram?format=mermaid', 200],
    ['provider', '/v1/cases/:id', 200],
    [undefined, '/health', 200],
    [undefined, '/v1/cases', 401],
  ] as const)('given the %s’s GET %s, then X-Content-Type-Options: nosniff', async (who, url, status) => {
    const res = await api.call('GET', url.replace(':id', caseId), who ? { as: tokens[who] } : {});
    expect(res.status).toBe(status);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});
