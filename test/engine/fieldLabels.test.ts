/**
 * A VALIDATION_FAILED detail names each field as a civil servant reads it: its key for the developer,
 * its Chinese name (machines/fieldLabels.ts, the regulation's wording) for the reader —
 * `reason（理由）必填`, not `reason 必填`. Its `errors` (API.md) stay `{ path, message }`, as they were.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, startInputs } from '../machines/examples.js';
import { pathTo } from '../machines/harness.js';
import { createWorld, given, refused, when, type World } from './world.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(() => w.close());

describe('a command missing a field: the detail names it by key and Chinese name, errors unchanged', () => {
  it('given an application in normative review, when the authority fails it with no reason, then “reason（理由）必填”', async () => {
    const c = await given(w, 'conditionalApplication');
    const error = await refused(w, c, () => when(w, c.caseId, 'FAIL_NORMATIVE_REVIEW', { data: {} }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.text.zh).toBe('提交的数据不符合要求：reason（理由）必填');
    expect(error.details).toEqual({ errors: [{ path: 'reason', message: '必填' }] });
    expect(error.text.en).toBe('the data sent is not valid');
  });

  it('given an unopened-data request in normative review, when the authority passes it naming no provider, then “providerOrg（公共数据开放主体）必填”', async () => {
    const c = await given(w, 'unopenedDataRequest', pathTo.unopenedDataRequest.normativeReview!);
    const error = await refused(w, c, () => when(w, c.caseId, 'PASS_NORMATIVE_REVIEW', { data: {} }));
    expect(error.text.zh).toBe('提交的数据不符合要求：providerOrg（公共数据开放主体）必填');
    expect(error.details).toEqual({ errors: [{ path: 'providerOrg', message: '必填' }] });
  });

  it('given a list adjustment under review, when it is returned with no opinion, then “opinion（意见）必填”; resubmitted with no change, “changes（调整事项）至少填写一项”', async () => {
    const c = await given(w, 'listAdjustment');
    const returned = await refused(w, c, () => when(w, c.caseId, 'RETURN', { data: {} }));
    expect(returned.text.zh).toBe('提交的数据不符合要求：opinion（意见）必填');
    expect(returned.details).toEqual({ errors: [{ path: 'opinion', message: '必填' }] });
    const back = await given(w, 'listAdjustment', ['RETURN']);
    const resubmitted = await refused(w, back, () => when(w, back.caseId, 'RESUBMIT', { data: { changes: [] } }));
    expect(resubmitted.text.zh).toBe('提交的数据不符合要求：changes（调整事项）至少填写一项');
    expect(resubmitted.details).toEqual({ errors: [{ path: 'changes', message: '至少填写一项' }] });
  });
});

describe('a start input: nested fields by their last named key, one key by its parent or its form', () => {
  it('given an application whose contact has no phone and whose scenario no description, then each is named by its own field (indices skipped)', async () => {
    const input = startInputs.conditionalApplication;
    const { phone: _phone, ...contact } = input.applicant.contact;
    const bad = { ...input, applicant: { ...input.applicant, contact }, scenarios: [{}], service: { ...input.service, name: '' } };
    const error = await refused(w, undefined, () => w.engine.start({ process: 'conditionalApplication', input: bad, actor: actors.company }));
    expect(error.details.errors).toEqual([
      { path: 'applicant.contact.phone', message: '必填' },
      { path: 'service.name', message: '不能为空' },
      { path: 'scenarios.0.description', message: '必填' },
    ]);
    expect(error.text.zh).toBe('提交的数据不符合要求：applicant.contact.phone（联系电话）必填；service.name（应用服务名称）不能为空；scenarios.0.description（应用场景）必填');
  });

  it('given an objection with no description, then 异议或建议内容, not a dataset’s description', async () => {
    const { description: _gone, ...input } = startInputs.objection;
    const error = await refused(w, undefined, () => w.engine.start({ process: 'objection', input, actor: actors.company }));
    expect(error.text.zh).toBe('提交的数据不符合要求：description（异议或建议内容）必填');
    expect(error.details).toEqual({ errors: [{ path: 'description', message: '必填' }] });
  });

  it('given a field the form does not have (even one another form has, or constructor), then it keeps today’s wording: no name', async () => {
    const c = await given(w, 'conditionalApplication');
    const error = await refused(w, c, () => when(w, c.caseId, 'PASS_NORMATIVE_REVIEW', { data: { reason: '好', constructor: 1, remark: 'x' } }));
    expect(error.details.errors).toEqual([
      { path: 'reason', message: '不允许的字段：reason' },
      { path: 'constructor', message: '不允许的字段：constructor' },
      { path: 'remark', message: '不允许的字段：remark' },
    ]);
    expect(error.text.zh).toBe('提交的数据不符合要求：reason 不允许的字段：reason；constructor 不允许的字段：constructor；remark 不允许的字段：remark');
  });
});
