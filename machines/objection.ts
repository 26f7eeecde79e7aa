/**
 * 异议和建议 (第十六条第二款): a user who finds open data wrong, incomplete or infringing its
 * rights — or has a suggestion — tells the provider, which handles it and answers within 10
 * working days.
 */
import { assertEvent, assign, setup } from 'xstate';
import { z } from 'zod';
import { extended } from './extended.js';
import { guardOf, type EventsOf } from './kit.js';
import { form, isIdNumber, LIST_MAX, LIST_TOO_LONG, namelessPerson, oneOf, OrgCode, Text } from './schemas.js';
import type { Actor, BaseContext, CommandSpec, MachineInput, ProcessDefinition, RuleSpec, StateMeta } from './types.js';

// ── Forms (FORMS.md "objection") ────────────────────────────────────────────────────────

export const ObjectionStart = form({
  datasetRef: Text,
  datasetName: Text,
  providerOrg: OrgCode,
  // 第十六条第二款: 错误、遗漏、侵犯其合法权益等情形 (异议), or a suggestion (建议)
  kind: oneOf(['error', 'omission', 'infringement', 'suggestion']),
  description: Text,
  evidence: z.array(Text, { error: '应为列表' }).max(LIST_MAX, LIST_TOO_LONG).optional(),
});
export type ObjectionInput = z.infer<typeof ObjectionStart>;

const schemas = {
  RESPOND: form({
    outcome: oneOf(['corrected', 'partiallyCorrected', 'notCorrected', 'adopted', 'notAdopted']),
    explanation: Text,
  }),
};

type Data<Type extends keyof typeof schemas> = z.infer<(typeof schemas)[Type]>;
export type ObjectionEvent = EventsOf<typeof schemas>;

// ── Context ─────────────────────────────────────────────────────────────────────────────

export interface ObjectionContext extends BaseContext<ObjectionInput> {
  startedAt: string;
  response?: Data<'RESPOND'> & { at: string; by: string };
}

// ── Rules ───────────────────────────────────────────────────────────────────────────────

/** The outcomes that answer each kind: an objection is corrected (or not), a suggestion adopted (or not). */
const OUTCOMES_OF_KIND: Record<ObjectionInput['kind'], readonly Data<'RESPOND'>['outcome'][]> = {
  error: ['corrected', 'partiallyCorrected', 'notCorrected'],
  omission: ['corrected', 'partiallyCorrected', 'notCorrected'],
  infringement: ['corrected', 'partiallyCorrected', 'notCorrected'],
  suggestion: ['adopted', 'notAdopted'],
};

/** Rules of commands; each is also the machine guard of the same name. */
export const rules = {
  // 第十六条第二款: 异议 is answered by correcting, 建议 by adopting
  outcomeFitsKind: {
    id: 'outcomeFitsKind',
    article: '第十六条第二款',
    message: {
      zh: '处理结果须与类型相符：异议（错误、遗漏、侵权）为已更正、部分更正或不予更正，建议为采纳或不予采纳',
      en: 'The outcome must fit the kind: an objection (error, omission, infringement) takes corrected, partiallyCorrected or notCorrected; a suggestion takes adopted or notAdopted.',
    },
    holds: (context, data: Data<'RESPOND'>) => OUTCOMES_OF_KIND[context.input.kind].includes(data.outcome),
    fields: () => ['outcome'],
  } satisfies RuleSpec<ObjectionContext, Data<'RESPOND'>>,
};

// ── Machine ─────────────────────────────────────────────────────────────────────────────

export const objectionMachine = setup({
  types: {
    context: {} as ObjectionContext,
    events: {} as ObjectionEvent,
    input: {} as MachineInput<ObjectionInput>,
    meta: {} as StateMeta,
  },
  guards: {
    outcomeFitsKind: guardOf(rules.outcomeFitsKind),
  },
  actions: {
    recordResponse: assign({
      response: ({ event }) => {
        assertEvent(event, 'RESPOND');
        return extended(event.data, { at: event.at, by: event.actor.org });
      },
    }),
  },
}).createMachine({
  id: 'objection',
  initial: 'handling',
  context: ({ input }) => ({ caseId: input.caseId, input: input.input, startedBy: input.startedBy, startedAt: input.at }),
  states: {
    handling: {
      // 第十六条第二款: 公共数据开放主体应当在 10 个工作日内处理并反馈
      meta: {
        label: '处理中',
        task: {
          stage: 'handling',
          role: 'provider',
          scope: 'provider',
          deadline: { kind: 'rule', key: 'objection.handling' },
          label: '处理异议或建议并反馈',
        },
      },
      on: {
        RESPOND: { guard: 'outcomeFitsKind', target: 'responded', actions: 'recordResponse' },
      },
    },
    responded: { type: 'final', meta: { label: '已反馈' } },
  },
});

// ── Definition ──────────────────────────────────────────────────────────────────────────

const applicant = { role: 'applicant', scope: 'applicant' } as const;
const provider = { role: 'provider', scope: 'provider' } as const;

const commands: { [Type in keyof typeof schemas]: CommandSpec<ObjectionContext> } = {
  RESPOND: {
    schema: schemas.RESPOND,
    event: 'Responded',
    actors: [provider],
    label: '处理并反馈',
    rules: [rules.outcomeFitsKind],
  },
};

/**
 * Who raised an objection, as the summary names it (第十六条: the provider answers them). Its form
 * names nobody: a natural person (an ID number as the code) is named by the token's name, masked
 * in reports like any person — or, from a token with no name, by the ID number masked: the summary
 * is shown in every row of the provider's inbox, where the number in full is more than triage needs
 * (个人信息保护法 第六条); an organisation by its credit code, with the person who sent it — the
 * sender's own name alone read as if a person had objected.
 */
function objector(by: Actor): { applicant: string; applicantKind: 'person' | 'organization' } {
  if (isIdNumber(by.org)) return { applicant: by.name ?? namelessPerson(by.org), applicantKind: 'person' };
  return { applicant: by.name ? `${by.org}（${by.name}）` : by.org, applicantKind: 'organization' };
}

export const objection: ProcessDefinition<ObjectionContext> = {
  name: 'objection',
  version: 1,
  title: '开放数据异议与建议',
  articles: ['第十六条'],
  machine: objectionMachine,
  start: { schema: ObjectionStart, event: 'ObjectionRaised', actors: [applicant], label: '提出异议或建议', partyFields: { providerOrg: 'providerOrg' } },
  commands,
  parties: (context) => ({ providerOrg: context.input.providerOrg, applicantOrg: context.startedBy.org }),
  summary: (context) => ({
    title: context.input.datasetName,
    ...objector(context.startedBy),
    provider: context.input.providerOrg,
  }),
};
