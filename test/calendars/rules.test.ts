/** Stage deadlines as configuration (PROCESSES.md "Deadlines", calendars/rules.ts). */
import { describe, expect, it } from 'vitest';
import {
  CalendarValidationError,
  DEFAULT_DEADLINE_RULES,
  UnknownDeadlineRuleError,
  defaultCalendar,
  mergeDeadlineRules,
  resolveDeadlineRule,
} from '../../calendars/index.js';

describe('default rules', () => {
  it('are the statutory deadlines of PROCESSES.md and the policy default', () => {
    expect(DEFAULT_DEADLINE_RULES).toEqual({
      'conditionalApplication.normativeReview': { n: 5, unit: 'workingDays', basis: 'statute', article: '第十四条(二)' },
      'conditionalApplication.providerReview': { n: 10, unit: 'workingDays', basis: 'statute', article: '第十四条(二)' },
      'unopenedDataRequest.normativeReview': { n: 10, unit: 'workingDays', basis: 'statute', article: '第十五条' },
      'unopenedDataRequest.feasibilityReview': { n: 15, unit: 'workingDays', basis: 'statute', article: '第十五条' },
      'unopenedDataRequest.openingPending': { n: 20, unit: 'workingDays', basis: 'statute', article: '第十五条' },
      'objection.handling': { n: 10, unit: 'workingDays', basis: 'statute', article: '第十六条第二款' },
      policyDefault: { n: 10, unit: 'workingDays', basis: 'policy' },
    });
    expect(Object.isFrozen(DEFAULT_DEADLINE_RULES)).toBe(true);
    expect(Object.isFrozen(DEFAULT_DEADLINE_RULES.policyDefault)).toBe(true);
  });

  it('resolve by key; a stage with no rule of its own takes the policy default', () => {
    expect(resolveDeadlineRule('objection.handling')).toEqual({ key: 'objection.handling', rule: DEFAULT_DEADLINE_RULES['objection.handling'] });
    expect(resolveDeadlineRule('datasetRelease.datasetReview')).toEqual({ key: 'policyDefault', rule: DEFAULT_DEADLINE_RULES.policyDefault });
    expect(() => resolveDeadlineRule('datasetRelease.datasetReview', DEFAULT_DEADLINE_RULES, { fallback: false })).toThrow(UnknownDeadlineRuleError);
    expect(resolveDeadlineRule('toString').key).toBe('policyDefault');
  });

  it('feed the calendar: objection handling entered 2025-09-26 is due 2025-10-16', () => {
    const { rule } = resolveDeadlineRule('objection.handling');
    expect(defaultCalendar().dueBy('2025-09-26T09:00:00+08:00', rule).dueDate).toBe('2025-10-16');
  });
});

describe('mergeDeadlineRules', () => {
  it('overrides some fields of a known rule, adds a new stage, changes the policy default (e.g. from JSON)', () => {
    const rules = mergeDeadlineRules(
      JSON.parse(`{
        "conditionalApplication.normativeReview": { "n": 7 },
        "datasetRelease.datasetReview": { "n": 15, "unit": "workingDays", "basis": "policy" },
        "policyDefault": { "n": 5 }
      }`),
    );
    expect(rules['conditionalApplication.normativeReview']).toEqual({ n: 7, unit: 'workingDays', basis: 'statute', article: '第十四条(二)' });
    expect(rules['datasetRelease.datasetReview']).toEqual({ n: 15, unit: 'workingDays', basis: 'policy' });
    expect(rules.policyDefault).toEqual({ n: 5, unit: 'workingDays', basis: 'policy' });
    expect(rules['objection.handling']).toEqual(DEFAULT_DEADLINE_RULES['objection.handling']);
    expect(DEFAULT_DEADLINE_RULES['conditionalApplication.normativeReview']!.n).toBe(5);
    expect(Object.isFrozen(rules)).toBe(true);
  });

  it('a statute turned policy drops its article', () => {
    expect(mergeDeadlineRules({ 'objection.handling': { basis: 'policy' } })['objection.handling']).toEqual({ n: 10, unit: 'workingDays', basis: 'policy' });
  });

  it('no overrides is the base', () => {
    expect(mergeDeadlineRules(undefined)).toEqual(DEFAULT_DEADLINE_RULES);
    expect(mergeDeadlineRules({})).toEqual(DEFAULT_DEADLINE_RULES);
  });

  it('refuses bad overrides with VALIDATION_FAILED, listing each', () => {
    const issues = (o: unknown) => {
      try {
        mergeDeadlineRules(o);
      } catch (e) {
        expect(e).toBeInstanceOf(CalendarValidationError);
        return (e as CalendarValidationError).errors.map((x) => x.path);
      }
      throw new Error('accepted');
    };
    expect(issues({ 'objection.handling': { n: -1 } })).toEqual(['objection.handling.n']);
    expect(issues({ 'objection.handling': { n: 2.5, unit: 'weeks' } })).toEqual(['objection.handling.n', 'objection.handling.unit']);
    expect(issues({ 'new.stage': { n: 3 } })).toEqual(['new.stage.unit', 'new.stage.basis']);
    expect(issues({ 'new.stage': { n: 3, unit: 'workingDays', basis: 'statute' } })).toEqual(['new.stage.article']);
    expect(issues({ 'Not a key': { n: 3 } })).toEqual(['Not a key']);
    expect(issues({ 'objection.handling': { n: 3, days: 4 } })).toEqual(['objection.handling']);
    expect(issues([1])).toHaveLength(1);
  });
});
