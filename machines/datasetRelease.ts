/**
 * 数据集开放 (第七、九、十一、二十二条): a provider drafts a catalogue entry, reviews its
 * security, sets desensitization rules and submits it; the competent authority reviews it and
 * publishes it on the open platform, or returns it with reasons for the provider to revise.
 */
import { and, assertEvent, assign, setup } from 'xstate';
import { z } from 'zod';
import { extended } from './extended.js';
import { guardOf, type EventsOf } from './kit.js';
import { Coverage, Flag, form, listedTwice, LISTED_MAX, listOf, NoData, oneOf, Opinion, OrgCode, quotedList, Reason, Text } from './schemas.js';
import type { Actor, BaseContext, CommandSpec, MachineInput, ProcessDefinition, RuleSpec, StateMeta } from './types.js';

// ── Forms (FORMS.md "datasetRelease") ───────────────────────────────────────────────────

/** The catalogue entry a provider starts with (第七条, 第九条(一)). */
export const DatasetReleaseStart = form({
  title: Text,
  description: Text,
  providerOrg: OrgCode,
  openAttribute: oneOf(['unconditional', 'conditional', 'closed']),
  /** Required when conditional (第七条): a rule, so that start and UPDATE_DRAFT refuse alike. */
  conditions: Text.optional(),
  /** Required when closed (第七条). */
  basis: Text.optional(),
  serviceModes: listOf(oneOf(['download', 'api', 'sandbox', 'privacyComputing'])).refine(
    (modes) => new Set(modes).size === modes.length,
    '服务方式不得重复',
  ),
  coverage: Coverage,
  // 第九条(一) 确定脱敏规则: a rule names a field, so a field is named once (a second 姓名 left it unsaid which one a rule covered).
  fields: listOf(form({ name: Text, description: Text.optional() })).refine((fields) => listedTwice(fields.map((f) => f.name)).length === 0, {
    error: (issue) => `字段名称不得重复：${quotedList(listedTwice((issue.input as { name: string }[]).map((f) => f.name)))}`,
  }),
  updateFrequency: oneOf(['realtime', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly', 'once']),
  containsPersonalInfo: Flag,
});
export type CatalogueEntry = z.infer<typeof DatasetReleaseStart>;

const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);

/** 脱敏规则 (第九条(一)): rules, or none needed with a reason; `noneNeeded` tells the two apart. */
const DesensitizationRules = z.discriminatedUnion(
  'noneNeeded',
  [
    form({
      // Accepted as `false` too, so that the discriminator gives precise errors.
      noneNeeded: z.literal(false).optional(),
      // 第九条(一) 确定脱敏规则: one method a field (mask and remove of the same 身份证号 determine nothing).
      rules: listOf(form({ field: Text, method: oneOf(['mask', 'hash', 'generalize', 'remove']), note: Text.optional() })).refine(
        (rules) => listedTwice(rules.map((r) => r.field)).length === 0,
        { error: (issue) => `同一字段只能有一条脱敏规则：${quotedList(listedTwice((issue.input as { field: string }[]).map((r) => r.field)))}` },
      ),
    }),
    form({ noneNeeded: z.literal(true), reason: Text }),
  ],
  { error: (issue) => (isObject(issue.input) ? 'noneNeeded 应为 true（无需脱敏）或省略' : '应为对象') },
);
export type Desensitization = z.infer<typeof DesensitizationRules>;

const schemas = {
  UPDATE_DRAFT: DatasetReleaseStart.omit({ providerOrg: true })
    .partial()
    // Only when nothing else is wrong: a lone providerOrg (not changeable) is refused for that, not as "nothing changed".
    .refine((update) => Object.keys(update).length > 0, { message: '至少修改一项', when: (payload) => (payload.issues ?? []).length === 0 }),
  RECORD_SECURITY_REVIEW: form({ passed: Flag, notes: Text.optional() }),
  SET_DESENSITIZATION_RULES: DesensitizationRules,
  SUBMIT: NoData,
  APPROVE: Opinion,
  RETURN: form({ reasons: listOf(Text), opinion: Text.optional() }),
  WITHDRAW: Reason,
  // v5: a draft the provider will not open after all (started by mistake, or returned and given up)
  DISCARD_DRAFT: Reason,
};

type Data<Type extends keyof typeof schemas> = z.infer<(typeof schemas)[Type]>;
export type DatasetReleaseEvent = EventsOf<typeof schemas>;

// ── Context ─────────────────────────────────────────────────────────────────────────────

export interface DatasetReleaseContext extends BaseContext<CatalogueEntry> {
  startedAt: string;
  /** The catalogue entry as it stands: the start input with every UPDATE_DRAFT applied. */
  draft: CatalogueEntry;
  /**
   * v2: how many times what is opened, or how, has changed (`SUBSTANTIVE` keys of UPDATE_DRAFT): a
   * security review and desensitization rules count for the draft they were made on (`forDraft`).
   */
  draftVersion?: number;
  /** The latest security review (第九条(一), 第二十二条). */
  securityReview?: { passed: boolean; notes?: string; at: string; forDraft?: number };
  /** The latest desensitization rules (第九条(一)). */
  desensitization?: Desensitization & { at: string; forDraft?: number };
  submittedAt?: string;
  /** Every return with its reasons (第九条(二) 说明理由、意见). */
  returns: { reasons: string[]; opinion?: string; at: string; by: string }[];
  published?: { opinion?: string; at: string; by: string };
  withdrawal?: { reason: string; at: string; by: string };
  /** v5: the provider gave the draft up before it was published (DISCARD_DRAFT). */
  discarded?: { reason: string; at: string; by: string };
}

// ── Rules ───────────────────────────────────────────────────────────────────────────────

type Explained = Pick<CatalogueEntry, 'openAttribute' | 'conditions' | 'basis'>;

// 第七条: 有条件开放的，应当明确具体开放条件
const conditionsStated = (entry: Explained) => entry.openAttribute !== 'conditional' || entry.conditions !== undefined;
// 第七条: 不予开放的，应当明确有关依据
const basisStated = (entry: Explained) => entry.openAttribute !== 'closed' || entry.basis !== undefined;

const CONDITIONS_STATED = {
  id: 'conditionsStated',
  article: '第七条',
  message: { zh: '有条件开放的数据应当明确具体开放条件（conditions）', en: 'Conditionally open data must state its conditions (the field conditions).' },
};
const BASIS_STATED = {
  id: 'basisStated',
  article: '第七条',
  message: { zh: '不予开放的数据应当明确有关依据（basis）', en: 'Data not to be opened (closed) must state its legal basis (the field basis).' },
};

/** Rules of starting a release: checked before a case exists. */
export const startRules = {
  // 第四条: 公共数据开放主体负责本单位公共数据的开放
  providerOpensOwnData: {
    id: 'providerOpensOwnData',
    article: '第四条',
    message: { zh: '公共数据开放主体只能开放本单位的数据', en: 'A provider may only open its own organisation’s data.' },
    holds: (context, data) => context.startedBy.org === data.providerOrg,
  },
  conditionsStated: { ...CONDITIONS_STATED, holds: (_context, data) => conditionsStated(data), fields: () => ['conditions'] },
  basisStated: { ...BASIS_STATED, holds: (_context, data) => basisStated(data), fields: () => ['basis'] },
} satisfies Record<string, RuleSpec<{ startedBy: Actor }, CatalogueEntry>>;

const withUpdate = (context: DatasetReleaseContext, update: Data<'UPDATE_DRAFT'>): CatalogueEntry => ({ ...context.draft, ...update });

/**
 * v4, 第七条 (有条件开放的，明确具体开放条件；不予开放的，明确有关依据): what is submitted, and published,
 * explains its own attribute and nothing else. While the entry is drafted, an attribute changed (and
 * changed back) leaves the other one's conditions or basis in the draft; submitted, an entry not
 * conditional carries no conditions and one not closed (none is: `notClosed`) no basis. Under v3 an
 * entry taken from 不予开放 to 无条件开放 was published still carrying its basis for not opening (涉密),
 * and nothing could remove it (the form takes no empty basis).
 */
function explainedByAttribute(entry: CatalogueEntry): CatalogueEntry {
  const { conditions, basis, ...rest } = entry;
  return {
    ...rest,
    ...(conditions !== undefined && entry.openAttribute === 'conditional' ? { conditions } : {}),
    ...(basis !== undefined && entry.openAttribute === 'closed' ? { basis } : {}),
  };
}

/** Rules of commands; each is also the machine guard of the same name. */
export const rules = {
  conditionsStated: {
    ...CONDITIONS_STATED,
    holds: (context, data: Data<'UPDATE_DRAFT'>) => conditionsStated(withUpdate(context, data)),
    fields: () => ['conditions'],
  } satisfies RuleSpec<DatasetReleaseContext, Data<'UPDATE_DRAFT'>>,
  basisStated: {
    ...BASIS_STATED,
    holds: (context, data: Data<'UPDATE_DRAFT'>) => basisStated(withUpdate(context, data)),
    fields: () => ['basis'],
  } satisfies RuleSpec<DatasetReleaseContext, Data<'UPDATE_DRAFT'>>,
  // 第九条(一): 确定脱敏规则 — data with personal information is never "none needed"
  personalInfoDesensitized: {
    id: 'personalInfoDesensitized',
    article: '第九条(一)',
    message: {
      zh: '数据含个人信息，须确定脱敏规则，不能声明无需脱敏',
      en: 'The dataset contains personal information: desensitization rules must be set, and noneNeeded cannot be declared.',
    },
    holds: (context, data: Data<'SET_DESENSITIZATION_RULES'>) => data.noneNeeded !== true || !context.draft.containsPersonalInfo,
    fields: () => ['noneNeeded'],
  } satisfies RuleSpec<DatasetReleaseContext, Data<'SET_DESENSITIZATION_RULES'>>,
  // 第九条(一), 第二十二条: 在公共数据开放前进行安全审查
  securityReviewPassed: {
    id: 'securityReviewPassed',
    article: '第九条(一)、第二十二条',
    message: { zh: '提交开放数据前须通过安全审查', en: 'The security review must have passed before submission.' },
    holds: (context) => context.securityReview?.passed === true,
    onCaseAlone: true,
  } satisfies RuleSpec<DatasetReleaseContext, unknown>,
  // 第九条(一): 确定脱敏规则，提交开放数据
  desensitizationRulesSet: {
    id: 'desensitizationRulesSet',
    article: '第九条(一)',
    message: {
      zh: '提交开放数据前须确定脱敏规则；含个人信息的数据须有脱敏规则',
      en: 'Desensitization rules must be set before submission, and must exist when the data contains personal information.',
    },
    // Which half failed: an entry without personal information was told of personal information.
    messageFor: (context) =>
      context.desensitization === undefined
        ? {
            zh: '提交开放数据前须确定脱敏规则：尚未设置（无需脱敏的，也须说明理由）',
            en: 'Desensitization rules must be set before submission: none are set yet (data that needs none must say so, with a reason).',
          }
        : {
            zh: '含个人信息的数据须有脱敏规则：本目录含个人信息，不能按"无需脱敏"提交',
            en: 'Data that contains personal information must have desensitization rules: this entry does, so "none needed" cannot be submitted.',
          },
    holds: (context) =>
      context.desensitization !== undefined && (context.desensitization.noneNeeded !== true || !context.draft.containsPersonalInfo),
    onCaseAlone: true,
  } satisfies RuleSpec<DatasetReleaseContext, unknown>,
  // 第二条, 第七条: 不予开放的数据不通过开放平台开放
  notClosed: {
    id: 'notClosed',
    article: '第二条、第七条',
    message: { zh: '开放属性为不予开放的数据不能提交开放', en: 'Data whose attribute is closed cannot be submitted for opening.' },
    holds: (context) => context.draft.openAttribute !== 'closed',
    onCaseAlone: true,
  } satisfies RuleSpec<DatasetReleaseContext, unknown>,
};

/**
 * What a security review and desensitization rules are made on: the data opened and how (its fields,
 * personal information, coverage, attribute and conditions, service modes). A new title,
 * description or update frequency leaves them standing.
 */
const SUBSTANTIVE = ['fields', 'containsPersonalInfo', 'coverage', 'openAttribute', 'conditions', 'basis', 'serviceModes'] as const;

/** v3: the same value, whatever the order of an object's keys (a field sent again unchanged is no change). */
function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
    const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

/** v2's further rules: the review and the rules are those of the draft submitted. */
export const rulesV2 = {
  // 第九条(一), 第二十二条: 进行安全审查，确定脱敏规则，提交开放数据 — of the data submitted, not of an earlier draft
  reviewCoversDraft: {
    id: 'reviewCoversDraft',
    article: '第九条(一)、第二十二条',
    message: {
      zh: '开放数据目录的字段、个人信息、覆盖范围、开放属性或服务方式修改后，须重新进行安全审查并确定脱敏规则，再提交开放数据',
      en: 'The catalogue entry changed (fields, personal information, coverage, attribute or service modes) after its security review or desensitization rules: review it and set its rules again before submitting.',
    },
    // Only a review or rules that were made, on an earlier draft: one never made is missing, and
    // securityReviewPassed / desensitizationRulesSet say so (the guard refuses the same commands).
    holds: (context) => {
      const current = context.draftVersion ?? 0;
      const stale = (made?: { forDraft?: number }) => made !== undefined && (made.forDraft ?? 0) !== current;
      return !stale(context.securityReview) && !stale(context.desensitization);
    },
    onCaseAlone: true,
  } satisfies RuleSpec<DatasetReleaseContext, unknown>,
  // 第九条(一): 确定脱敏规则 — of the fields the entry opens
  desensitizedFieldsInDraft: {
    id: 'desensitizedFieldsInDraft',
    article: '第九条(一)',
    message: {
      zh: '脱敏规则所列字段（field）应为开放数据目录中的字段',
      en: 'Every desensitization rule must name a field of the catalogue entry.',
    },
    // The fields named wrongly, and those the entry has: a provider turned away sees what to correct.
    messageFor: (context, data: Data<'SET_DESENSITIZATION_RULES'>) => {
      const names = context.draft.fields.map((f) => f.name);
      const named = data.noneNeeded === true ? [] : data.rules.map((r) => r.field);
      const unknown = [...new Set(named.filter((f) => !names.includes(f)))];
      return {
        zh: `脱敏规则所列字段（field）应为开放数据目录中的字段：${quotedList(unknown)} 不在目录中（目录字段：${quotedList(names) || '无'}）`,
        en: `Every desensitization rule must name a field of the catalogue entry: ${quotedList(unknown, 'en')} is not one (the entry's fields: ${quotedList(names, 'en') || 'none'}).`,
      };
    },
    holds: (context, data: Data<'SET_DESENSITIZATION_RULES'>) => {
      if (data.noneNeeded === true) return true;
      const names = new Set(context.draft.fields.map((f) => f.name));
      return data.rules.every((rule) => names.has(rule.field));
    },
    // Each rule naming a field the entry does not have, where the form has it: as many as the detail names
    // (LISTED_MAX) (1,000 rules of unknown fields made an answer of 1,000 errors, each with the whole message).
    fields: (context, data: Data<'SET_DESENSITIZATION_RULES'>) => {
      if (data.noneNeeded === true) return [];
      const names = new Set(context.draft.fields.map((f) => f.name));
      return data.rules.flatMap((rule, i) => (names.has(rule.field) ? [] : [`rules.${i}.field`])).slice(0, LISTED_MAX);
    },
  } satisfies RuleSpec<DatasetReleaseContext, Data<'SET_DESENSITIZATION_RULES'>>,
};

// ── Machine ─────────────────────────────────────────────────────────────────────────────

/**
 * The chart of a version. v1 let a review and rules made on an earlier draft carry a changed entry
 * to submission, and took rules for fields the entry does not have; v2 refuses both. v2 counted a
 * key sent at all as a change (a front end that saves the whole form made every review stale); v3
 * counts a key whose value differs from the draft's. v4 submits an entry explaining its own attribute
 * alone (`explainedByAttribute`). v5 lets the provider give a draft up (`DISCARD_DRAFT`, to `discarded`).
 */
function chart(version: 1 | 2 | 3 | 4 | 5) {
  const v2 = version >= 2;
  const v3 = version >= 3;
  const v4 = version >= 4;
  const v5 = version >= 5;
  return setup({
  types: {
    context: {} as DatasetReleaseContext,
    events: {} as DatasetReleaseEvent,
    input: {} as MachineInput<CatalogueEntry>,
    meta: {} as StateMeta,
  },
  guards: {
    conditionsStated: guardOf(rules.conditionsStated),
    basisStated: guardOf(rules.basisStated),
    personalInfoDesensitized: guardOf(rules.personalInfoDesensitized),
    securityReviewPassed: guardOf(rules.securityReviewPassed),
    desensitizationRulesSet: guardOf(rules.desensitizationRulesSet),
    notClosed: guardOf(rules.notClosed),
    reviewCoversDraft: guardOf(rulesV2.reviewCoversDraft),
    desensitizedFieldsInDraft: guardOf(rulesV2.desensitizedFieldsInDraft),
  },
  actions: {
    updateDraft: assign({
      draft: ({ context, event }) => {
        assertEvent(event, 'UPDATE_DRAFT');
        return withUpdate(context, event.data);
      },
    }),
    // v2: a change to what is opened, or how, makes the review and the rules made before it stale
    countDraftVersion: assign({
      draftVersion: ({ context, event }) => {
        assertEvent(event, 'UPDATE_DRAFT');
        const changed = SUBSTANTIVE.some((key) => key in event.data && (!v3 || !sameValue(event.data[key], context.draft[key])));
        return (context.draftVersion ?? 0) + (changed ? 1 : 0);
      },
    }),
    recordSecurityReview: assign({
      securityReview: ({ context, event }) => {
        assertEvent(event, 'RECORD_SECURITY_REVIEW');
        return extended(event.data, { at: event.at, ...(v2 ? { forDraft: context.draftVersion ?? 0 } : {}) });
      },
    }),
    setDesensitization: assign({
      desensitization: ({ context, event }) => {
        assertEvent(event, 'SET_DESENSITIZATION_RULES');
        return extended(event.data, { at: event.at, ...(v2 ? { forDraft: context.draftVersion ?? 0 } : {}) });
      },
    }),
    recordSubmission: assign({ submittedAt: ({ event }) => event.at }),
    // v4: the entry submitted explains its attribute alone (第七条)
    submitExplained: assign({ draft: ({ context }) => explainedByAttribute(context.draft) }),
    recordReturn: assign({
      returns: ({ context, event }) => {
        assertEvent(event, 'RETURN');
        return [...context.returns, extended(event.data, { at: event.at, by: event.actor.org })];
      },
    }),
    recordPublication: assign({
      published: ({ event }) => {
        assertEvent(event, 'APPROVE');
        return extended(event.data, { at: event.at, by: event.actor.org });
      },
    }),
    recordWithdrawal: assign({
      withdrawal: ({ event }) => {
        assertEvent(event, 'WITHDRAW');
        return extended(event.data, { at: event.at, by: event.actor.org });
      },
    }),
    recordDiscard: assign({
      discarded: ({ event }) => {
        assertEvent(event, 'DISCARD_DRAFT');
        return extended(event.data, { at: event.at, by: event.actor.org });
      },
    }),
  },
}).createMachine({
  id: 'datasetRelease',
  initial: 'drafting',
  context: ({ input }) => ({
    caseId: input.caseId,
    input: input.input,
    startedBy: input.startedBy,
    startedAt: input.at,
    draft: input.input,
    ...(v2 ? { draftVersion: 0 } : {}),
    returns: [],
  }),
  states: {
    drafting: {
      // 第九条(一): no statutory deadline; the provider drafts at its own pace (no deadline, never overdue)
      meta: {
        label: '编制中',
        task: { stage: 'drafting', role: 'provider', scope: 'provider', label: '编制目录、安全审查、确定脱敏规则并提交开放数据' },
      },
      on: {
        UPDATE_DRAFT: { guard: and(['conditionsStated', 'basisStated']), actions: v2 ? ['countDraftVersion', 'updateDraft'] : 'updateDraft' },
        RECORD_SECURITY_REVIEW: { actions: 'recordSecurityReview' },
        SET_DESENSITIZATION_RULES: {
          guard: v2 ? and(['personalInfoDesensitized', 'desensitizedFieldsInDraft']) : 'personalInfoDesensitized',
          actions: 'setDesensitization',
        },
        SUBMIT: {
          guard: v2
            ? and(['securityReviewPassed', 'desensitizationRulesSet', 'reviewCoversDraft', 'notClosed'])
            : and(['securityReviewPassed', 'desensitizationRulesSet', 'notClosed']),
          target: 'underReview',
          actions: v4 ? ['submitExplained', 'recordSubmission'] : 'recordSubmission',
        },
        // v5: a draft started by mistake, or returned (第九条(二)) and given up, leaves the inbox for good
        ...(v5 ? ({ DISCARD_DRAFT: { target: 'discarded', actions: 'recordDiscard' } } as const) : {}),
      },
    },
    underReview: {
      // 第九条(二): 县级以上主管部门规范性审查 — no statutory deadline: the policy default
      meta: {
        label: '规范性审查中',
        task: {
          stage: 'underReview',
          role: 'authority',
          scope: 'competentAuthority',
          deadline: { kind: 'rule', key: 'policyDefault' },
          label: '开放数据规范性审查',
        },
      },
      on: {
        APPROVE: { target: 'published', actions: 'recordPublication' },
        RETURN: { target: 'drafting', actions: 'recordReturn' },
      },
    },
    published: {
      meta: { label: '已发布' },
      on: { WITHDRAW: { target: 'withdrawn', actions: 'recordWithdrawal' } },
    },
    withdrawn: { type: 'final', meta: { label: '已撤回' } },
    ...(v5 ? ({ discarded: { type: 'final', meta: { label: '已放弃' } } } as const) : {}),
  },
});
}

/** v1's chart: cases started on it keep folding with it. */
export const datasetReleaseMachineV1 = chart(1);
/** v2's chart: cases started on it keep folding with it. */
export const datasetReleaseMachineV2 = chart(2);
/** v3's chart: cases started on it keep folding with it. */
export const datasetReleaseMachineV3 = chart(3);
/** v4's chart: cases started on it keep folding with it. */
export const datasetReleaseMachineV4 = chart(4);
/** The chart new cases start on. */
export const datasetReleaseMachine = chart(5);

// ── Definition ──────────────────────────────────────────────────────────────────────────

/** 第十条 数据服务方式: 数据下载、数据服务接口；探索以数据沙箱、隐私计算等模式提供其他数据服务. */
const SERVICE_MODE_LABELS: Record<CatalogueEntry['serviceModes'][number], { zh: string; en: string }> = {
  download: { zh: '数据下载', en: 'data download' },
  api: { zh: '数据服务接口', en: 'data service API' },
  sandbox: { zh: '数据沙箱', en: 'data sandbox' },
  privacyComputing: { zh: '隐私计算', en: 'privacy computing' },
};

const provider = { role: 'provider', scope: 'provider' } as const;
const competentAuthority = { role: 'authority', scope: 'competentAuthority' } as const;

const commands: { [Type in Exclude<keyof typeof schemas, 'DISCARD_DRAFT'>]: CommandSpec<DatasetReleaseContext> } = {
  UPDATE_DRAFT: {
    schema: schemas.UPDATE_DRAFT,
    event: 'DraftUpdated',
    actors: [provider],
    label: '修改开放数据目录',
    rules: [rules.conditionsStated, rules.basisStated],
  },
  RECORD_SECURITY_REVIEW: {
    schema: schemas.RECORD_SECURITY_REVIEW,
    event: 'SecurityReviewRecorded',
    actors: [provider],
    label: '记录安全审查结果',
  },
  SET_DESENSITIZATION_RULES: {
    schema: schemas.SET_DESENSITIZATION_RULES,
    event: 'DesensitizationRulesSet',
    actors: [provider],
    label: '确定脱敏规则',
    rules: [rules.personalInfoDesensitized],
  },
  SUBMIT: {
    schema: schemas.SUBMIT,
    event: 'Submitted',
    actors: [provider],
    label: '提交开放数据',
    rules: [rules.securityReviewPassed, rules.desensitizationRulesSet, rules.notClosed],
  },
  APPROVE: { schema: schemas.APPROVE, event: 'Approved', actors: [competentAuthority], label: '审查通过并发布' },
  RETURN: { schema: schemas.RETURN, event: 'Returned', actors: [competentAuthority], label: '审查未通过，退回修改' },
  WITHDRAW: { schema: schemas.WITHDRAW, event: 'Withdrawn', actors: [provider, competentAuthority], label: '撤回已开放数据' },
};

/** v2's commands: desensitization rules name the entry's fields; a submission is of the draft reviewed. */
const commandsV2: typeof commands = {
  ...commands,
  SET_DESENSITIZATION_RULES: { ...commands.SET_DESENSITIZATION_RULES, rules: [rules.personalInfoDesensitized, rulesV2.desensitizedFieldsInDraft] },
  SUBMIT: { ...commands.SUBMIT, rules: [rules.securityReviewPassed, rules.desensitizationRulesSet, rulesV2.reviewCoversDraft, rules.notClosed] },
};

/** The first version: cases started on it keep folding with it (ARCHITECTURE.md "Versioned machines"). */
export const datasetReleaseV1: ProcessDefinition<DatasetReleaseContext> = {
  name: 'datasetRelease',
  version: 1,
  title: '公共数据开放',
  articles: ['第二条', '第四条', '第七条', '第九条', '第十一条', '第二十二条'],
  machine: datasetReleaseMachineV1,
  start: {
    schema: DatasetReleaseStart,
    event: 'DraftStarted',
    actors: [provider],
    label: '编制开放数据',
    rules: Object.values(startRules),
    partyFields: { providerOrg: 'providerOrg' },
  },
  commands,
  // The region is left out: the provider's own region counts (FORMS.md "Who is the competent authority").
  parties: (context) => ({ providerOrg: context.input.providerOrg }),
  // 第九条(二): a draft returned with reasons is told apart from a new one in the provider's inbox, and a resubmission in the reviewer's.
  summary: (context) => ({ title: context.draft.title, provider: context.input.providerOrg, ...(context.returns.length > 0 ? { returns: context.returns.length } : {}) }),
  // 第十五条: 通过开放平台进行开放 — what the platform shows of a published dataset, for the request it
  // opened (unopenedDataRequest `linkedCases`): its title and 第十条's service modes, nothing of its review.
  publicFacts: (context, state) =>
    state === 'published' && context.published
      ? {
          title: context.draft.title,
          publishedAt: context.published.at,
          serviceModes: context.draft.serviceModes.map((code) => ({ code, label: SERVICE_MODE_LABELS[code] })),
        }
      : undefined,
};

/**
 * The version new cases start on: a security review and desensitization rules made before the entry's
 * fields, personal information, coverage, attribute or service modes changed no longer carry it to
 * submission, and a rule must name a field of the entry.
 */
export const datasetReleaseV2: ProcessDefinition<DatasetReleaseContext> = {
  ...datasetReleaseV1,
  version: 2,
  machine: datasetReleaseMachineV2,
  commands: commandsV2,
};

/**
 * v3: an UPDATE_DRAFT makes the review and the rules stale only when it changes what is opened or how
 * — a whole form saved again with a new title leaves them standing. Cases started on it keep it.
 */
export const datasetReleaseV3: ProcessDefinition<DatasetReleaseContext> = {
  ...datasetReleaseV2,
  version: 3,
  machine: datasetReleaseMachineV3,
};

/**
 * v4: v3 where SUBMIT leaves in the draft no conditions of an entry not conditional and no basis for not
 * opening (第七条). Cases started on it keep it.
 */
export const datasetReleaseV4: ProcessDefinition<DatasetReleaseContext> = {
  ...datasetReleaseV3,
  version: 4,
  machine: datasetReleaseMachineV4,
};

/**
 * The version new cases start on: v5, v4 where the provider may give a draft up (DISCARD_DRAFT {reason},
 * to `discarded`, final) — provider's QA: a draft started by mistake, or a closed entry (never submitted:
 * notClosed), stayed in its inbox for good, with no command to end it.
 */
export const datasetRelease: ProcessDefinition<DatasetReleaseContext> = {
  ...datasetReleaseV4,
  version: 5,
  machine: datasetReleaseMachine,
  commands: {
    ...commandsV2,
    DISCARD_DRAFT: { schema: schemas.DISCARD_DRAFT, event: 'DraftDiscarded', actors: [provider], label: '放弃开放' },
  },
};
