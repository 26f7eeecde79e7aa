/** The JSON of every start input and command (FORMS.md): the examples pass, malformed data does not. */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { registry } from '../../machines/registry.js';
import { commandData, personApplicant, startInputs, type ProcessName } from './examples.js';

const CHINESE = /[\u4e00-\u9fff]/;

function issues(schema: z.ZodType, value: unknown): { path: string; message: string }[] {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

function paths(schema: z.ZodType, value: unknown): string[] {
  return issues(schema, value).map((issue) => issue.path);
}

const def = (name: ProcessName) => {
  const found = registry.latest(name);
  if (!found) throw new Error(name);
  return found;
};
const startSchema = (name: ProcessName) => def(name).start.schema;
const commandSchema = (name: ProcessName, type: string) => {
  const schema = def(name).commands[type]?.schema;
  if (!schema) throw new Error(`${name}.${type}`);
  return schema;
};

const examples = Object.entries(commandData).flatMap(([name, commands]) =>
  Object.entries(commands).map(([type, data]) => [name as ProcessName, type, data] as const),
);

describe('every example of FORMS.md', () => {
  it.each(Object.keys(startInputs) as ProcessName[])('%s: the start input passes', (name) => {
    expect(issues(startSchema(name), startInputs[name])).toEqual([]);
  });

  it.each(examples)('%s.%s: the data passes', (name, type, data) => {
    expect(issues(commandSchema(name, type), data)).toEqual([]);
  });

  it('covers every command of every process', () => {
    for (const name of registry.names()) {
      expect(Object.keys(commandData[name as ProcessName]).sort()).toEqual(Object.keys(registry.latest(name)?.commands ?? {}).sort());
    }
  });
});

describe('unknown fields are refused (VALIDATION_FAILED), in Chinese', () => {
  it.each(Object.keys(startInputs) as ProcessName[])('%s: start', (name) => {
    expect(issues(startSchema(name), { ...startInputs[name], remark: '备注' })).toEqual([{ path: '', message: '不允许的字段：remark' }]);
  });

  it.each(examples)('%s.%s', (name, type, data) => {
    expect(issues(commandSchema(name, type), { ...data, remark: '备注' })).toEqual([{ path: '', message: '不允许的字段：remark' }]);
  });

  it('in nested forms too', () => {
    const input = startInputs.conditionalApplication;
    const nested = { ...input, resource: { ...input.resource, owner: '济南市公安局' } };
    expect(issues(startSchema('conditionalApplication'), nested)).toEqual([{ path: 'resource', message: '不允许的字段：owner' }]);
  });
});

describe('every message a client sees is Chinese', () => {
  it.each(Object.keys(startInputs) as ProcessName[])('%s: an empty start input', (name) => {
    const found = issues(startSchema(name), {});
    expect(found.length).toBeGreaterThan(0);
    for (const issue of found) expect(issue.message, issue.path).toMatch(CHINESE);
  });

  it.each(examples)('%s.%s: wrong types everywhere', (name, type, data) => {
    const wrong = Object.fromEntries(Object.keys(data).map((key) => [key, { nested: true }]));
    for (const issue of issues(commandSchema(name, type), Object.keys(wrong).length > 0 ? wrong : 5)) {
      expect(issue.message, issue.path).toMatch(CHINESE);
    }
  });
});

describe('datasetRelease forms', () => {
  const input = startInputs.datasetRelease;
  const schema = startSchema('datasetRelease');

  it('refuses empty text, an empty field list and no service mode', () => {
    expect(paths(schema, { ...input, title: '  ' })).toEqual(['title']);
    expect(paths(schema, { ...input, fields: [] })).toEqual(['fields']);
    expect(paths(schema, { ...input, serviceModes: [] })).toEqual(['serviceModes']);
  });

  it('refuses unknown attributes, modes and frequencies', () => {
    expect(paths(schema, { ...input, openAttribute: 'partial' })).toEqual(['openAttribute']);
    expect(paths(schema, { ...input, serviceModes: ['ftp'] })).toEqual(['serviceModes.0']);
    expect(paths(schema, { ...input, updateFrequency: 'hourly' })).toEqual(['updateFrequency']);
  });

  it('refuses a service mode twice', () => {
    expect(issues(schema, { ...input, serviceModes: ['api', 'api'] })).toEqual([{ path: 'serviceModes', message: '服务方式不得重复' }]);
  });

  it('refuses a coverage period that ends before it starts', () => {
    const coverage = { region: '370100', period: { from: '2024-12-31', to: '2020-01-01' } };
    expect(paths(schema, { ...input, coverage })).toEqual(['coverage.period.to']);
  });

  it('UPDATE_DRAFT takes any start field but providerOrg, and at least one', () => {
    const update = commandSchema('datasetRelease', 'UPDATE_DRAFT');
    expect(issues(update, { fields: [{ name: 'month' }], containsPersonalInfo: true })).toEqual([]);
    expect(issues(update, { providerOrg: '370100-scjgj' })).toContainEqual({ path: '', message: '不允许的字段：providerOrg' });
    expect(issues(update, {})).toEqual([{ path: '', message: '至少修改一项' }]);
  });

  it('SET_DESENSITIZATION_RULES takes rules, or none needed with a reason', () => {
    const set = commandSchema('datasetRelease', 'SET_DESENSITIZATION_RULES');
    expect(issues(set, { rules: [{ field: 'ownerName', method: 'mask', note: '保留姓氏' }] })).toEqual([]);
    expect(paths(set, { rules: [] })).toEqual(['rules']);
    expect(paths(set, { rules: [{ field: 'ownerName', method: 'encrypt' }] })).toEqual(['rules.0.method']);
    expect(paths(set, { noneNeeded: true })).toEqual(['reason']);
    expect(paths(set, { noneNeeded: true, reason: ' ' })).toEqual(['reason']);
    expect(paths(set, {})).toEqual(['rules']);
    expect(issues(set, { rules: [{ field: 'a', method: 'mask' }], reason: '无' })).toEqual([{ path: '', message: '不允许的字段：reason' }]);
  });

  it('RECORD_SECURITY_REVIEW needs a boolean result', () => {
    expect(paths(commandSchema('datasetRelease', 'RECORD_SECURITY_REVIEW'), { passed: 'yes' })).toEqual(['passed']);
  });

  it('RETURN needs at least one reason', () => {
    const returned = commandSchema('datasetRelease', 'RETURN');
    expect(paths(returned, { reasons: [] })).toEqual(['reasons']);
    expect(paths(returned, { reasons: [''] })).toEqual(['reasons.0']);
  });

  it('SUBMIT takes nothing', () => {
    expect(issues(commandSchema('datasetRelease', 'SUBMIT'), {})).toEqual([]);
  });
});

describe('conditionalApplication forms (附录3)', () => {
  const input = startInputs.conditionalApplication;
  const schema = startSchema('conditionalApplication');

  it('accepts a person with a checksum-valid ID number', () => {
    expect(issues(schema, { ...input, applicant: personApplicant })).toEqual([]);
  });

  it('refuses a person whose ID number fails its checksum', () => {
    expect(paths(schema, { ...input, applicant: { ...personApplicant, idNumber: '370102198803151239' } })).toEqual(['applicant.idNumber']);
  });

  it('refuses a use period that ends before it starts', () => {
    expect(paths(schema, { ...input, usePeriod: { from: '2026-03-31', to: '2025-04-01' } })).toEqual(['usePeriod.to']);
  });

  it('refuses no scenario and an empty scenario', () => {
    expect(paths(schema, { ...input, scenarios: [] })).toEqual(['scenarios']);
    expect(paths(schema, { ...input, scenarios: [{ description: '' }] })).toEqual(['scenarios.0.description']);
  });

  it('refuses a negative or fractional number of users', () => {
    const standards = input.serviceStandards;
    expect(paths(schema, { ...input, serviceStandards: { ...standards, users: -1 } })).toEqual(['serviceStandards.users']);
    expect(paths(schema, { ...input, serviceStandards: { ...standards, concurrency: 1.5 } })).toEqual(['serviceStandards.concurrency']);
  });

  it('refuses an unknown service mode and a commitment without a time', () => {
    expect(paths(schema, { ...input, resource: { ...input.resource, serviceMode: 'download' } })).toEqual(['resource.serviceMode']);
    const { signedAt: _s, ...commitment } = input.securityCommitment;
    expect(paths(schema, { ...input, securityCommitment: commitment })).toEqual(['securityCommitment.signedAt']);
  });

  it('needs the eligibility facts (第十三条)', () => {
    const { eligibility: _e, ...rest } = input;
    expect(paths(schema, rest)).toEqual(['eligibility']);
  });

  it('SIGN_AGREEMENT needs useFrom ≤ useTo, 1–365 whole days to destroy the data and 1–120 whole months to report results', () => {
    const sign = commandSchema('conditionalApplication', 'SIGN_AGREEMENT');
    const agreement = commandData.conditionalApplication.SIGN_AGREEMENT;
    expect(issues(sign, { ...agreement, useFrom: '2025-12-31', useTo: '2025-04-01' })).toEqual([
      { path: 'useTo', message: '使用起始日期不得晚于终止日期' },
    ]);
    expect(paths(sign, { ...agreement, destructionDays: 0 })).toEqual(['destructionDays']);
    expect(paths(sign, { ...agreement, resultsDueMonths: 2.5 })).toEqual(['resultsDueMonths']);
    expect(paths(sign, { ...agreement, useTo: '2025-02-30' })).toEqual(['useTo']);
    expect(issues(sign, { ...agreement, destructionDays: 0, resultsDueMonths: 0 }).map((i) => i.message)).toEqual(['须在 1–365 天之间', '须在 1–120 个月之间']);
    expect(issues(sign, { ...agreement, destructionDays: 366, resultsDueMonths: 121 })).toEqual([
      { path: 'destructionDays', message: '须在 1–365 天之间' },
      { path: 'resultsDueMonths', message: '须在 1–120 个月之间' },
    ]);
    expect(issues(sign, { ...agreement, destructionDays: 365, resultsDueMonths: 120 })).toEqual([]);
  });

  it('REPORT_USAGE needs a well-formed period', () => {
    const report = commandSchema('conditionalApplication', 'REPORT_USAGE');
    expect(paths(report, { period: { from: '2025-07-01', to: '2025-06-30' }, summary: '使用情况' })).toEqual(['period.to']);
  });

  it('WITHDRAW takes an optional reason', () => {
    expect(issues(commandSchema('conditionalApplication', 'WITHDRAW'), {})).toEqual([]);
  });
});

describe('unopenedDataRequest forms (附录7)', () => {
  const input = startInputs.unopenedDataRequest;
  const schema = startSchema('unopenedDataRequest');

  it('is addressed to a Shandong city or the province', () => {
    expect(issues(schema, { ...input, addressedRegion: '370000' })).toEqual([]);
    expect(issues(schema, { ...input, addressedRegion: '370200' })).toEqual([]);
    for (const region of ['370102', '110000', '3701']) expect(paths(schema, { ...input, addressedRegion: region }), region).toEqual(['addressedRegion']);
  });

  it('needs the applicant’s e-mail', () => {
    const { email: _e, ...contact } = input.applicant.contact;
    expect(paths(schema, { ...input, applicant: { ...input.applicant, contact } })).toEqual(['applicant.contact.email']);
  });

  it('needs at least one data item', () => {
    expect(paths(schema, { ...input, dataItems: [] })).toEqual(['dataItems']);
  });

  it('MARK_OPENED takes exactly one of datasetRef and datasetReleaseCaseId', () => {
    const mark = commandSchema('unopenedDataRequest', 'MARK_OPENED');
    expect(issues(mark, { datasetRef: 'sd-open-370100-gaj-0080' })).toEqual([]);
    expect(issues(mark, { datasetReleaseCaseId: 'datasetRelease-7f3c2a' })).toEqual([]);
    const oneOf = '须填写 datasetRef（已开放的数据集）或 datasetReleaseCaseId（数据集开放案件）之一，且只能填一项';
    expect(issues(mark, {})).toEqual([{ path: '', message: oneOf }]);
    expect(issues(mark, { datasetRef: 'a', datasetReleaseCaseId: 'b' })).toEqual([{ path: '', message: oneOf }]);
  });

  it('PASS_NORMATIVE_REVIEW names the provider', () => {
    expect(paths(commandSchema('unopenedDataRequest', 'PASS_NORMATIVE_REVIEW'), { opinion: '同意' })).toEqual(['providerOrg']);
  });
});

describe('listAdjustment forms', () => {
  const input = startInputs.listAdjustment;
  const schema = startSchema('listAdjustment');

  it('needs a whole year, a known cause and at least one change', () => {
    expect(paths(schema, { ...input, listYear: 2025.5 })).toEqual(['listYear']);
    expect(paths(schema, { ...input, listYear: '2025' })).toEqual(['listYear']);
    expect(paths(schema, { ...input, cause: 'budgetCut' })).toEqual(['cause']);
    expect(paths(schema, { ...input, changes: [] })).toEqual(['changes']);
    expect(paths(schema, { ...input, changes: [{ action: 'rename', datasetName: '数据集' }] })).toEqual(['changes.0.action']);
  });

  it('RESUBMIT needs at least one change', () => {
    expect(paths(commandSchema('listAdjustment', 'RESUBMIT'), { changes: [] })).toEqual(['changes']);
  });
});

describe('objection forms', () => {
  const input = startInputs.objection;
  const schema = startSchema('objection');

  it('takes evidence optionally, and no empty piece of it', () => {
    const { evidence: _e, ...noEvidence } = input;
    expect(issues(schema, noEvidence)).toEqual([]);
    expect(paths(schema, { ...input, evidence: [''] })).toEqual(['evidence.0']);
  });

  it.each([['a\u0000b'], ['\ud800x']])('given a description %j (a NUL or a lone surrogate), when the objection is raised, then it is refused, naming the field', (description) => {
    expect(issues(schema, { ...input, description })).toEqual([{ path: 'description', message: '含有无效字符' }]);
    expect(issues(schema, { ...input, evidence: ['第 18 行', description] })).toEqual([{ path: 'evidence.1', message: '含有无效字符' }]);
  });

  it('refuses an unknown kind and an unknown outcome', () => {
    expect(paths(schema, { ...input, kind: 'complaint' })).toEqual(['kind']);
    expect(paths(commandSchema('objection', 'RESPOND'), { outcome: 'ignored', explanation: '无' })).toEqual(['outcome']);
  });
});

// FORMS.md's closed lists, exactly: a value added to one (a cause 第八条第二款 does not name, an
// objection kind 第十六条第二款 does not name) is refused by no other test that tries one wrong value.
describe('the closed lists of FORMS.md are exactly those it names', () => {
  const optionsOf = (schema: z.ZodType, field: string) => {
    const shape = (schema as unknown as { shape: Record<string, { options?: readonly string[] }> }).shape;
    return [...(shape[field]?.options ?? [])].sort();
  };

  it.each([
    ['listAdjustment', 'start', 'cause', ['lawChange', 'dutyChange']],
    ['objection', 'start', 'kind', ['error', 'omission', 'infringement', 'suggestion']],
    ['objection', 'RESPOND', 'outcome', ['corrected', 'partiallyCorrected', 'notCorrected', 'adopted', 'notAdopted']],
    ['datasetRelease', 'start', 'openAttribute', ['unconditional', 'conditional', 'closed']],
  ] as const)('%s %s: %s takes exactly %j', (name, type, field, values) => {
    const schema = type === 'start' ? startSchema(name) : commandSchema(name, type);
    expect(optionsOf(schema, field)).toEqual([...values].sort());
  });
});
