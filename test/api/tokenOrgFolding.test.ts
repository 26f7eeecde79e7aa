/**
 * A token's `org` is the caller's identity: two organisations' claims that differ are two callers.
 * README ("For reviewers"): an org that is a 身份证号 or a 统一社会信用代码 is read in upper case, and
 * full-width or padded as the code itself — nothing else is folded. An applicant known to the identity
 * platform by another kind of id (a login name, `person-u-liming`) is that id exactly: another account
 * whose id differs only by full-width letters, a compatibility character (－, ²) or a zero-width
 * character at its end must not read its cases, with the person's ID number and phone in them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personApplicant, startInputs } from '../machines/examples.js';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
let caseId: string;
const OWNER = 'person-u-liming';
beforeAll(async () => {
  api = await startTestApi({ now: '2026-03-02T02:00:00Z' });
  const person = { ...personApplicant, contact: { ...personApplicant.contact, email: 'liming@example.cn' } };
  const started = await api.call('POST', '/v1/cases', {
    as: await api.token('applicant', OWNER, 'u-liming'),
    body: { process: 'unopenedDataRequest', input: { ...startInputs.unopenedDataRequest, applicant: person } },
  });
  expect(started.status).toBe(201);
  caseId = started.body.id;
});
afterAll(() => api.close());

describe('a token org that is no ID number nor credit code is compared as it is', () => {
  it.each([
    ['full-width letters', 'ｐｅｒｓｏｎ-u-liming'],
    ['a zero-width space at the end', `${OWNER}\u200b`],
    ['a no-break space before it', `\u00a0${OWNER}`],
    ['full-width hyphens (U+FF0D)', 'person\uff0du\uff0dliming'],
  ])('given another account whose org differs by %s, then the owner’s case is 404 to it and in none of its lists', async (_what, org) => {
    const other = await api.token('applicant', org, 'u-someone-else');
    const read = await api.call('GET', `/v1/cases/${caseId}`, { as: other });
    expect(read.status, read.text.slice(0, 200)).toBe(404);
    const listed = await api.call('GET', '/v1/cases', { as: other });
    expect(listed.body.items.map((c: { id: string }) => c.id)).not.toContain(caseId);
  });

  it('given the owner’s own token, then it reads its case', async () => {
    const read = await api.call('GET', `/v1/cases/${caseId}`, { as: await api.token('applicant', OWNER, 'u-liming') });
    expect(read.status).toBe(200);
    expect(read.body.input.applicant.idNumber).toBe(personApplicant.idNumber);
  });
});
