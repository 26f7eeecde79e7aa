/**
 * A 422 for a rule about what was filled in names the fields, as a 400 does (`errors: [{ path, message }]`),
 * so a form can mark them. Applicants' and integrators' QA: a use period already over, a code not the
 * sender's, a conditional entry without its conditions — 422 RULE_VIOLATED with no field named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
let company: string;
let provider: string;
beforeAll(async () => {
  api = await startTestApi({ now: '2025-03-03T02:00:00.000Z' });
  company = await api.token('applicant', actors.company.org);
  provider = await api.token('provider', actors.provider.org);
});
afterAll(() => api.close());

const start = (as: string, process: string, input: unknown, lang = 'zh') =>
  api.call('POST', '/v1/cases', { as, body: { process, input }, headers: { 'accept-language': lang } });

describe('a rule about a field of the form, broken', () => {
  it('given a use period already over, then 422 naming usePeriod.to, in Chinese and in English', async () => {
    const input = { ...startInputs.conditionalApplication, usePeriod: { from: '2024-01-01', to: '2025-01-31' } };
    const zh = await start(company, 'conditionalApplication', input);
    expect([zh.status, zh.body.rule, zh.body.errors]).toEqual([422, 'requestedUseNotOver', [{ path: 'usePeriod.to', message: '申请的使用终止时间不得早于申请日期' }]]);
    const en = await start(company, 'conditionalApplication', input, 'en');
    expect(en.body.errors).toEqual([{ path: 'usePeriod.to', message: 'The requested use period must not end before the day of application.' }]);
  });

  it('given a credit check dated after the application, then only that date is named', async () => {
    const input = { ...startInputs.conditionalApplication, eligibility: { ...startInputs.conditionalApplication.eligibility, creditCheck: { ...startInputs.conditionalApplication.eligibility.creditCheck, checkedAt: '2025-03-05T09:00:00+08:00' } } };
    const res = await start(company, 'conditionalApplication', input);
    expect([res.status, res.body.rule]).toEqual([422, 'eligibilityNotInFuture']);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['eligibility.creditCheck.checkedAt']);
  });

  it('given a company’s code in the form that is not the sender’s, then applicant.creditCode', async () => {
    const other = await api.token('applicant', '91370100MA3C5XYW11');
    const res = await start(other, 'conditionalApplication', startInputs.conditionalApplication);
    expect([res.status, res.body.rule, res.body.errors.map((e: { path: string }) => e.path)]).toEqual([422, 'applicantIsSender', ['applicant.creditCode']]);
  });

  it('given a conditional entry without its conditions, then conditions', async () => {
    const { conditions: _left, ...input } = startInputs.datasetRelease;
    const res = await start(provider, 'datasetRelease', input);
    expect([res.status, res.body.rule, res.body.errors]).toEqual([422, 'conditionsStated', [{ path: 'conditions', message: '有条件开放的数据应当明确具体开放条件（conditions）' }]]);
  });

  it('given an applicant not verified and on the debtors’ list (two rules at once), then both fields, each with its rule’s words', async () => {
    const eligibility = startInputs.conditionalApplication.eligibility;
    const input = { ...startInputs.conditionalApplication, eligibility: { ...eligibility, realNameVerified: false, creditCheck: { ...eligibility.creditCheck, dishonestDebtor: true } } };
    const res = await start(company, 'conditionalApplication', input);
    expect(res.status, res.text).toBe(422);
    expect(res.body.errors).toEqual([
      { path: 'eligibility.realNameVerified', message: '申请人须基于山东省统一身份认证完成实名认证' },
      { path: 'eligibility.creditCheck.dishonestDebtor', message: '申请人被列入失信被执行人名单，不得申请有条件开放数据' },
    ]);
  });
});

// Provider's QA: the start named its field; the same rules on a command's form named none.
describe("a rule about a field of a command's form, broken", () => {
  const send = (as: string, id: string, type: string, data: unknown) => api.call('POST', `/v1/cases/${id}/commands`, { as, body: { type, data } });
  const draft = async (input: object) => {
    const res = await start(provider, 'datasetRelease', input);
    expect(res.status, res.text).toBe(201);
    return res.body.id as string;
  };

  it('given an unconditional draft, when UPDATE_DRAFT makes it conditional with no conditions, then conditions; closed with no basis, then basis', async () => {
    const { conditions: _left, ...rest } = startInputs.datasetRelease;
    const id = await draft({ ...rest, openAttribute: 'unconditional' });
    const conditional = await send(provider, id, 'UPDATE_DRAFT', { openAttribute: 'conditional' });
    expect([conditional.status, conditional.body.rule, conditional.body.errors?.map((e: { path: string }) => e.path)]).toEqual([422, 'conditionsStated', ['conditions']]);
    const closed = await send(provider, id, 'UPDATE_DRAFT', { openAttribute: 'closed' });
    expect([closed.status, closed.body.rule, closed.body.errors?.map((e: { path: string }) => e.path)]).toEqual([422, 'basisStated', ['basis']]);
  });

  it('given a draft with personal information, when its rules say none needed, then noneNeeded; when a rule names a field the entry lacks, then that rule’s field', async () => {
    const id = await draft({ ...startInputs.datasetRelease, containsPersonalInfo: true });
    const none = await send(provider, id, 'SET_DESENSITIZATION_RULES', commandData.datasetRelease.SET_DESENSITIZATION_RULES);
    expect([none.status, none.body.rule, none.body.errors?.map((e: { path: string }) => e.path)]).toEqual([422, 'personalInfoDesensitized', ['noneNeeded']]);
    const unknown = await send(provider, id, 'SET_DESENSITIZATION_RULES', { rules: [{ field: 'count', method: 'generalize' }, { field: 'idNo', method: 'mask' }] });
    expect([unknown.status, unknown.body.rule, unknown.body.errors?.map((e: { path: string }) => e.path)]).toEqual([422, 'desensitizedFieldsInDraft', ['rules.1.field']]);
  });

  it('given an objection about an error, when the provider answers it as a suggestion adopted, then outcome', async () => {
    const started = await start(company, 'objection', startInputs.objection);
    expect(started.status, started.text).toBe(201);
    const res = await send(provider, started.body.id, 'RESPOND', { ...commandData.objection.RESPOND, outcome: 'adopted' });
    expect([res.status, res.body.rule, res.body.errors?.map((e: { path: string }) => e.path)]).toEqual([422, 'outcomeFitsKind', ['outcome']]);
  });
});
