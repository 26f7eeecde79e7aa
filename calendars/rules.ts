/**
 * Stage deadlines as data (PROCESSES.md "Deadlines"). Machines name a rule by key
 * (`process.stage`); the engine resolves the key here and computes the deadline with the
 * calendar. Every number is configuration, because other provinces' rules use other numbers:
 * `mergeDeadlineRules` applies overrides (e.g. from a JSON file), validated.
 */
import { z } from 'zod';
import { CalendarValidationError } from './errors.js';
import type { DeadlineRule } from './types.js';

/** A table of rules by key; `policyDefault` is always present. */
export type DeadlineRules = Readonly<Record<string, Readonly<DeadlineRule>>> & { readonly policyDefault: Readonly<DeadlineRule> };

/** The key of the platform-policy default for stages with no statutory deadline. */
export const POLICY_DEFAULT_KEY = 'policyDefault';

/** The defaults: the statutory deadlines of 鲁数发〔2022〕15号 and the platform-policy default. */
export const DEFAULT_DEADLINE_RULES: DeadlineRules = deepFreeze({
  'conditionalApplication.normativeReview': { n: 5, unit: 'workingDays', basis: 'statute', article: '第十四条(二)' },
  'conditionalApplication.providerReview': { n: 10, unit: 'workingDays', basis: 'statute', article: '第十四条(二)' },
  'unopenedDataRequest.normativeReview': { n: 10, unit: 'workingDays', basis: 'statute', article: '第十五条' },
  'unopenedDataRequest.feasibilityReview': { n: 15, unit: 'workingDays', basis: 'statute', article: '第十五条' },
  'unopenedDataRequest.openingPending': { n: 20, unit: 'workingDays', basis: 'statute', article: '第十五条' },
  'objection.handling': { n: 10, unit: 'workingDays', basis: 'statute', article: '第十六条第二款' },
  /** Stages with no statutory deadline: dataset review, list-adjustment review, agreement signing, renewal review. */
  policyDefault: { n: 10, unit: 'workingDays', basis: 'policy' },
});

const KEY = /^(?:policyDefault|[a-z][A-Za-z0-9]*\.[a-z][A-Za-z0-9]*)$/;

export const DeadlineRuleSchema = z
  .strictObject({
    n: z.number().int().min(0).max(3660),
    unit: z.enum(['workingDays', 'calendarDays']),
    basis: z.enum(['statute', 'policy']),
    article: z.string().trim().min(1).optional(),
  })
  .refine((r) => r.basis !== 'statute' || r.article !== undefined, { message: 'a statutory deadline names its article', path: ['article'] });

/** An override of one rule: any fields, completed from the rule it overrides (if any), then validated whole. */
export const DeadlineRuleOverrideSchema = z.strictObject({
  n: z.unknown().optional(),
  unit: z.unknown().optional(),
  basis: z.unknown().optional(),
  article: z.unknown().optional(),
});

/** Overrides by key: `{ "objection.handling": { "n": 7 }, "datasetRelease.datasetReview": { "n": 15, "unit": "workingDays", "basis": "policy" } }`. */
export const DeadlineRulesOverridesSchema = z.record(
  z.string().regex(KEY, { message: 'a key is `process.stage` or `policyDefault`' }),
  DeadlineRuleOverrideSchema,
);

/**
 * The rules with `overrides` applied (unknown input, e.g. parsed JSON). A key already in `base`
 * may override some fields only (`{ "n": 7 }`); a new key must give a whole rule. A rule whose
 * basis changes to `policy` drops its article unless the override gives one. Invalid overrides
 * throw `CalendarValidationError` (`VALIDATION_FAILED`) listing every problem.
 */
export function mergeDeadlineRules(overrides: unknown, base: DeadlineRules = DEFAULT_DEADLINE_RULES): DeadlineRules {
  const parsed = DeadlineRulesOverridesSchema.safeParse(overrides ?? {});
  if (!parsed.success) {
    throw new CalendarValidationError(parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })));
  }
  const merged: Record<string, DeadlineRule> = { ...base };
  const issues: { path: string; message: string }[] = [];
  for (const [key, patch] of Object.entries(parsed.data)) {
    const previous = base[key];
    const candidate: Record<string, unknown> = { ...(previous ?? {}) };
    for (const [field, value] of Object.entries(patch)) if (value !== undefined) candidate[field] = value;
    if (patch.basis === 'policy' && patch.article === undefined) delete candidate.article;
    const rule = DeadlineRuleSchema.safeParse(candidate);
    if (!rule.success) {
      for (const i of rule.error.issues) issues.push({ path: [key, ...i.path.map(String)].join('.'), message: i.message });
      continue;
    }
    const r = rule.data;
    merged[key] = { n: r.n, unit: r.unit, basis: r.basis, ...(r.article !== undefined ? { article: r.article } : {}) };
  }
  if (issues.length > 0) throw new CalendarValidationError(issues);
  return deepFreeze(merged) as DeadlineRules;
}

export class UnknownDeadlineRuleError extends Error {
  readonly code = 'UNKNOWN_DEADLINE_RULE' as const;
  constructor(readonly key: string) {
    super(`no deadline rule ${JSON.stringify(key)}`);
    this.name = 'UnknownDeadlineRuleError';
  }
}

/**
 * The rule for a key, and the key actually used. A stage with no rule of its own takes
 * `policyDefault` (PROCESSES.md: stages with no statutory deadline take the policy default);
 * with `{ fallback: false }` an unknown key throws `UnknownDeadlineRuleError` instead.
 */
export function resolveDeadlineRule(
  key: string,
  rules: DeadlineRules = DEFAULT_DEADLINE_RULES,
  options: { fallback?: boolean } = {},
): { key: string; rule: Readonly<DeadlineRule> } {
  const own = Object.hasOwn(rules, key) ? rules[key] : undefined;
  if (own) return { key, rule: own };
  if (options.fallback === false) throw new UnknownDeadlineRuleError(key);
  return { key: POLICY_DEFAULT_KEY, rule: rules.policyDefault };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
