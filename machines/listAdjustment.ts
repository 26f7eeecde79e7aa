/**
 * 开放清单调整 (第八条第二款): a provider whose laws or duties changed asks, through the open
 * platform, to change its annual open list; an authority of city level or above approves,
 * returns it for revision, or rejects it.
 */
import { assertEvent, assign, setup } from 'xstate';
import type { z } from 'zod';
import { extended } from './extended.js';
import { commandDay, type EventsOf } from './kit.js';
import { cutShort, form, listedTwice, listOf, oneOf, Opinion, OrgCode, quotedList, Reason, Text, Year } from './schemas.js';
import type { Actor, BaseContext, CommandSpec, MachineInput, ProcessDefinition, RuleFacts, RuleSpec, StateMeta } from './types.js';

// ── Forms (FORMS.md "listAdjustment") ───────────────────────────────────────────────────

// 第八条第二款 调整开放清单: one change a dataset — "add" and "remove" of the same 数据集 (or the same
// name pasted with a zero-width space) left the approved list undetermined.
const Changes = listOf(form({ action: oneOf(['add', 'remove', 'modify']), datasetName: Text, detail: Text.optional() })).refine(
  (changes) => listedTwice(changes.map((c) => c.datasetName)).length === 0,
  { error: (issue) => `同一数据集只能列一项调整：${quotedList(listedTwice((issue.input as { datasetName: string }[]).map((c) => c.datasetName)))}` },
);
export type ListChange = z.infer<typeof Changes>[number];

export const ListAdjustmentStart = form({
  providerOrg: OrgCode,
  listYear: Year,
  // 第八条第二款: 因法律、法规修改或者职能职责变更
  cause: oneOf(['lawChange', 'dutyChange']),
  basis: Text,
  changes: Changes,
});
export type ListAdjustmentInput = z.infer<typeof ListAdjustmentStart>;

const schemas = {
  APPROVE: Opinion,
  // 说明理由: a return says what to change
  RETURN: form({ opinion: Text }),
  REJECT: Reason,
  RESUBMIT: form({ changes: Changes }),
};

export type ListAdjustmentEvent = EventsOf<typeof schemas>;

// ── Context ─────────────────────────────────────────────────────────────────────────────

export interface ListAdjustmentContext extends BaseContext<ListAdjustmentInput> {
  startedAt: string;
  /** The changes as they stand: the start input's, or the latest RESUBMIT's. */
  changes: ListChange[];
  /** Every return with its opinion, oldest first. */
  returns: { opinion: string; at: string; by: string }[];
  approval?: { opinion?: string; at: string; by: string };
  rejection?: { reason: string; at: string; by: string };
}

// ── Rules ───────────────────────────────────────────────────────────────────────────────

/** Rules of starting an adjustment: checked before a case exists. */
export const startRules = {
  // 第八条第二款: 公共数据开放主体申请调整（本单位的）公共数据开放清单
  providerAdjustsOwnList: {
    id: 'providerAdjustsOwnList',
    article: '第八条第二款',
    message: {
      zh: '公共数据开放主体只能申请调整本单位的开放清单',
      en: 'A provider may only ask to adjust its own organisation’s open list.',
    },
    holds: (context, data) => context.startedBy.org === data.providerOrg,
  },
} satisfies Record<string, RuleSpec<{ startedBy: Actor }, ListAdjustmentInput>>;

/** The years of the open lists an adjustment started on `facts`' day may name: the one before, its own and the next. */
function adjustableYears(facts: RuleFacts | undefined): [number, number, number] {
  const year = Number(commandDay(facts).slice(0, 4));
  return [year - 1, year, year + 1];
}

/** Rules of starting an adjustment from version 2 on. */
export const startRulesV2 = {
  // 第八条: 年度公共数据开放清单……原则上在每年4月底前通过开放平台统一发布 — the list in force is this
  // year's, or the year before's until this year's is published; next year's is drawn up meanwhile. Provider's
  // QA: an adjustment of the 2001 list (before any list, or this regulation, existed) was taken for review.
  listYearAdjustable: {
    id: 'listYearAdjustable',
    article: '第八条',
    message: {
      zh: '只能申请调整上一年度、本年度或下一年度的公共数据开放清单',
      en: 'Only last year’s, this year’s or next year’s open list can be adjusted.',
    },
    messageFor: (_context, data, facts) => {
      const [last, own, next] = adjustableYears(facts);
      return {
        zh: `只能申请调整 ${last}、${own} 或 ${next} 年度的公共数据开放清单（申请调整的是 ${data.listYear} 年度的）`,
        en: `Only the open list of ${last}, ${own} or ${next} can be adjusted (this asks to adjust ${data.listYear}’s).`,
      };
    },
    holds: (_context, data, facts) => adjustableYears(facts).includes(data.listYear),
    fields: () => ['listYear'],
  },
} satisfies Record<string, RuleSpec<{ startedBy: Actor }, ListAdjustmentInput>>;

// ── Machine ─────────────────────────────────────────────────────────────────────────────

export const listAdjustmentMachine = setup({
  types: {
    context: {} as ListAdjustmentContext,
    events: {} as ListAdjustmentEvent,
    input: {} as MachineInput<ListAdjustmentInput>,
    meta: {} as StateMeta,
  },
  actions: {
    recordApproval: assign({
      approval: ({ event }) => {
        assertEvent(event, 'APPROVE');
        return extended(event.data, { at: event.at, by: event.actor.org });
      },
    }),
    recordReturn: assign({
      returns: ({ context, event }) => {
        assertEvent(event, 'RETURN');
        return [...context.returns, extended(event.data, { at: event.at, by: event.actor.org })];
      },
    }),
    recordRejection: assign({
      rejection: ({ event }) => {
        assertEvent(event, 'REJECT');
        return extended(event.data, { at: event.at, by: event.actor.org });
      },
    }),
    replaceChanges: assign({
      changes: ({ event }) => {
        assertEvent(event, 'RESUBMIT');
        return event.data.changes;
      },
    }),
  },
}).createMachine({
  id: 'listAdjustment',
  initial: 'review',
  context: ({ input }) => ({
    caseId: input.caseId,
    input: input.input,
    startedBy: input.startedBy,
    startedAt: input.at,
    changes: input.input.changes,
    returns: [],
  }),
  states: {
    review: {
      // 第八条第二款: 经市级以上主管部门审核同意 — no statutory deadline: the policy default
      meta: {
        label: '审核中',
        task: {
          stage: 'review',
          role: 'authority',
          scope: 'cityOrAbove',
          deadline: { kind: 'rule', key: 'policyDefault' },
          label: '审核开放清单调整申请',
        },
      },
      on: {
        APPROVE: { target: 'approved', actions: 'recordApproval' },
        RETURN: { target: 'revising', actions: 'recordReturn' },
        REJECT: { target: 'rejected', actions: 'recordRejection' },
      },
    },
    revising: {
      // The provider revises at its own pace: a task with no deadline.
      meta: {
        label: '修改中',
        task: { stage: 'revising', role: 'provider', scope: 'provider', label: '按审核意见修改清单调整申请' },
      },
      on: {
        RESUBMIT: { target: 'review', actions: 'replaceChanges' },
      },
    },
    approved: { type: 'final', meta: { label: '已同意调整' } },
    rejected: { type: 'final', meta: { label: '不同意调整' } },
  },
});

// ── Definition ──────────────────────────────────────────────────────────────────────────

const provider = { role: 'provider', scope: 'provider' } as const;
const cityOrAbove = { role: 'authority', scope: 'cityOrAbove' } as const;

const commands: { [Type in keyof typeof schemas]: CommandSpec<ListAdjustmentContext> } = {
  APPROVE: { schema: schemas.APPROVE, event: 'Approved', actors: [cityOrAbove], label: '审核同意调整' },
  RETURN: { schema: schemas.RETURN, event: 'Returned', actors: [cityOrAbove], label: '退回修改' },
  REJECT: { schema: schemas.REJECT, event: 'Rejected', actors: [cityOrAbove], label: '不同意调整' },
  RESUBMIT: { schema: schemas.RESUBMIT, event: 'Resubmitted', actors: [provider], label: '修改后重新提交' },
};

/** The first version: any list year from 2000 to 2100 was taken. */
export const listAdjustmentV1: ProcessDefinition<ListAdjustmentContext> = {
  name: 'listAdjustment',
  version: 1,
  title: '公共数据开放清单调整',
  articles: ['第八条'],
  machine: listAdjustmentMachine,
  start: {
    schema: ListAdjustmentStart,
    event: 'AdjustmentRequested',
    actors: [provider],
    label: '申请调整开放清单',
    rules: Object.values(startRules),
    partyFields: { providerOrg: 'providerOrg' },
  },
  commands,
  // The region is left out: 市级以上 counts from the provider's region (FORMS.md "Who is the competent authority").
  parties: (context) => ({ providerOrg: context.input.providerOrg }),
  summary: (context) => ({ title: `${context.input.listYear}年度公共数据开放清单调整${changesInBrief(context.changes)}`, provider: context.input.providerOrg }),
};

/**
 * The version new cases start on: v2, v1 where the list adjusted is one that can be: the year before the
 * start's (Beijing date), its own or the next (`listYearAdjustable`, 第八条).
 */
export const listAdjustment: ProcessDefinition<ListAdjustmentContext> = {
  ...listAdjustmentV1,
  version: 2,
  start: { ...listAdjustmentV1.start, rules: [...(listAdjustmentV1.start.rules ?? []), ...Object.values(startRulesV2)] },
};

const ACTION_NAMES: Record<ListChange['action'], string> = { add: '新增', remove: '删除', modify: '修改' };

/**
 * The changes as a title names them (：新增「济南市道路交通事故月度统计」等 2 项): one provider's
 * adjustments of one year otherwise read alike in a reviewer's inbox. The changes as they stand, so a
 * RESUBMIT retitles the case.
 */
function changesInBrief(changes: readonly ListChange[]): string {
  const [first] = changes;
  if (!first) return '';
  // The name cut short (`cutShort`), so that the count after it stays within the summary a row shows.
  return `：${ACTION_NAMES[first.action]}「${cutShort(first.datasetName)}」${changes.length > 1 ? `等 ${changes.length} 项` : ''}`;
}
