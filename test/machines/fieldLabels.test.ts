/**
 * Every field of every form has a Chinese name (machines/fieldLabels.ts), by which a VALIDATION_FAILED
 * detail names it beside its key: a field added to a form without one fails here.
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { FORM_LABELS, fieldErrorSaid, fieldLabel } from '../../machines/fieldLabels.js';
import { registry } from '../../machines/registry.js';

const CHINESE = /[\u4e00-\u9fff]/;

/** zod's definition of a schema (zod 4: `_zod.def`), as far as the walk reads it. */
type Def = { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; element?: z.ZodType; options?: z.ZodType[]; in?: z.ZodType; out?: z.ZodType };

/** The paths of every field of a form, list items as `0` (`scenarios.0.description`), through optional, union and pipe. */
function fieldPaths(schema: z.ZodType, path: string[] = [], into = new Set<string>()): Set<string> {
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  switch (def.type) {
    case 'object':
      for (const [key, field] of Object.entries(def.shape ?? {})) {
        into.add([...path, key].join('.'));
        fieldPaths(field, [...path, key], into);
      }
      break;
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
    case 'catch':
      fieldPaths(def.innerType!, path, into);
      break;
    case 'array':
      fieldPaths(def.element!, [...path, '0'], into);
      break;
    case 'union':
      for (const option of def.options ?? []) fieldPaths(option, path, into);
      break;
    case 'pipe':
      fieldPaths(def.in!, path, into);
      fieldPaths(def.out!, path, into);
      break;
  }
  return into;
}

/** Every form of every registered version: its start (`process`) and each command (`process.COMMAND`), as the engine names them. */
const forms = registry.list().flatMap((def) => [
  { name: `${def.name} v${def.version} start`, form: def.name, schema: def.start.schema },
  ...Object.entries(def.commands).map(([type, spec]) => ({ name: `${def.name} v${def.version} ${type}`, form: `${def.name}.${type}`, schema: spec.schema })),
]);

describe('every field of every registered form has a Chinese name', () => {
  it('the walk finds the fields of nested forms, lists and unions (so that it cannot pass by finding none)', () => {
    const all = new Set(forms.flatMap((f) => [...fieldPaths(f.schema)]));
    for (const path of ['applicant.contact.phone', 'applicant.idNumber', 'scenarios.0.description', 'rules.0.field', 'noneNeeded', 'changes.0.datasetName', 'eligibility.creditCheck.checkedAt', 'coverage.period.to']) {
      expect(all, path).toContain(path);
    }
  });

  it.each(forms.map((f) => [f.name, f] as const))('%s', (_name, { form, schema }) => {
    const unnamed = [...fieldPaths(schema)].filter((path) => fieldLabel(path, form) === undefined);
    expect(unnamed, 'add these to FORM_LABELS in machines/fieldLabels.ts').toEqual([]);
    for (const path of fieldPaths(schema)) expect(fieldLabel(path, form), path).toMatch(CHINESE);
  });

  it('a name given by form is for a registered process or command', () => {
    for (const form of Object.keys(FORM_LABELS.byForm)) {
      const [process, command] = form.split('.');
      const def = registry.latest(process!);
      expect(def, form).toBeDefined();
      if (command !== undefined) expect(Object.keys(def!.commands), form).toContain(command);
    }
  });
});

describe('fieldLabel', () => {
  it.each([
    ['reason', 'conditionalApplication.FAIL_NORMATIVE_REVIEW', '理由'],
    ['providerOrg', 'unopenedDataRequest.PASS_NORMATIVE_REVIEW', '公共数据开放主体'],
    ['applicant.contact.phone', 'conditionalApplication', '联系电话'],
    ['scenarios.0.description', 'unopenedDataRequest', '应用场景'],
    // One key, named by its parent.
    ['resource.name', 'conditionalApplication', '资源名称'],
    ['applicant.name', 'conditionalApplication', '法人单位名称/个人姓名'],
    ['applicant.contact.name', 'conditionalApplication', '联系人'],
    ['service.name', 'conditionalApplication', '应用服务名称'],
    ['fields.3.name', 'datasetRelease', '字段名称'],
    ['usePeriod.from', 'conditionalApplication', '使用起始时间'],
    ['coverage.period.from', 'datasetRelease', '起始日期'],
    // One key at the top of two forms, named by the form.
    ['description', 'datasetRelease', '数据集描述'],
    ['description', 'datasetRelease.UPDATE_DRAFT', '数据集描述'],
    ['description', 'objection', '异议或建议内容'],
    ['description', 'conditionalApplication.REPORT_SECURITY_INCIDENT', '数据安全问题描述'],
    ['basis', 'listAdjustment', '调整依据'],
    ['reason', 'datasetRelease.SET_DESENSITIZATION_RULES', '无需脱敏的理由'],
  ])('%s in %s: %s', (path, form, label) => {
    expect(fieldLabel(path, form)).toBe(label);
  });

  it('a key no form has, the whole form, or a key of Object.prototype: no name', () => {
    for (const path of ['', 'remark', 'constructor', 'toString', '__proto__', 'applicant.constructor', 'hasOwnProperty.name', '0']) {
      expect(fieldLabel(path, 'objection'), path).toBeUndefined();
    }
    expect(fieldLabel('description', 'constructor')).toBeUndefined();
  });
});

describe('fieldErrorSaid', () => {
  it('names the field by key and name, by key alone without a name, the message alone for the whole form', () => {
    expect(fieldErrorSaid({ path: 'reason', message: '必填', label: '理由' })).toBe('reason（理由）必填');
    expect(fieldErrorSaid({ path: 'remark', message: '不允许的字段：remark' })).toBe('remark 不允许的字段：remark');
    expect(fieldErrorSaid({ path: '', message: '至少修改一项', label: '表单' })).toBe('至少修改一项');
  });
});
