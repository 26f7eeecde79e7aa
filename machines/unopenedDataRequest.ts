/**
 * 未开放数据需求申请 (第十五条, 附录7): an applicant asks a city's (or the province's) authority for
 * data that is not open; the authority checks the materials and forwards the request to the
 * provider it names, which answers within 15 working days — already open, not openable, or
 * openable, and then opens it within 20 working days.
 */
import { and, assertEvent, assign, setup } from 'xstate';
import type { z } from 'zod';
import { extended } from './extended.js';
import { guardOf, type EventsOf } from './kit.js';
import {
  applicantIsSenderRule,
  requestedUseNotOver,
  ApplicantWithEmail,
  ApplicationServiceMode,
  CaseId,
  Coverage,
  form,
  listOf,
  OrgCode,
  Period,
  Reason,
  regionCode,
  Scenario,
  Text,
} from './schemas.js';
import type { BaseContext, CommandSpec, MachineInput, ProcessDefinition, RuleFacts, RuleSpec, StateMeta } from './types.js';

// ── Forms (FORMS.md "unopenedDataRequest", 附录7 未开放数据需求申请表) ─────────────────────

/** A city's region code (37xx00) or the province's (370000): 市级以上 authorities handle requests (第十五条). */
const AddressedRegion = regionCode(/^37\d{2}00$/, '应为山东省某市的行政区划代码（37xx00）或全省 370000');

export const UnopenedDataRequestStart = form({
  resourceName: Text,
  owningDepartment: Text.optional(),
  dataItems: listOf(Text),
  serviceMode: ApplicationServiceMode,
  coverage: Coverage,
  addressedRegion: AddressedRegion,
  applicant: ApplicantWithEmail,
  need: Text,
  usePeriod: Period,
  scenarios: listOf(Scenario),
});
export type UnopenedDataRequestInput = z.infer<typeof UnopenedDataRequestStart>;

const schemas = {
  PASS_NORMATIVE_REVIEW: form({ providerOrg: OrgCode, opinion: Text.optional() }),
  FAIL_NORMATIVE_REVIEW: Reason,
  CONCLUDE_ALREADY_OPEN: form({ datasetRef: Text, howToObtain: Text }),
  CONCLUDE_OPENABLE: form({ plan: Text }),
  CONCLUDE_NOT_OPENABLE: Reason,
  MARK_OPENED: form({ datasetRef: Text.optional(), datasetReleaseCaseId: CaseId.optional() })
    .refine(
      (data) => (data.datasetRef === undefined) !== (data.datasetReleaseCaseId === undefined),
      '须填写 datasetRef（已开放的数据集）或 datasetReleaseCaseId（数据集开放案件）之一，且只能填一项',
    )
    // The refinement as GET /docs says it: exactly one of the two.
    .meta({ oneOf: [{ required: ['datasetRef'] }, { required: ['datasetReleaseCaseId'] }] }),
};

type Data<Type extends keyof typeof schemas> = z.infer<(typeof schemas)[Type]>;
export type UnopenedDataRequestEvent = EventsOf<typeof schemas>;

// ── Context ─────────────────────────────────────────────────────────────────────────────

export interface UnopenedDataRequestContext extends BaseContext<UnopenedDataRequestInput> {
  startedAt: string;
  normativeReview?: { opinion?: string; at: string; by: string };
  /** The provider the request was forwarded to at PASS_NORMATIVE_REVIEW (第十五条 转至公共数据开放主体). */
  providerOrg?: string;
  rejection?: { reason: string; at: string; by: string };
  /** The provider's conclusion after 数据需求论证. */
  conclusion?:
    | { kind: 'alreadyOpen'; datasetRef: string; howToObtain: string; at: string }
    | { kind: 'openable'; plan: string; at: string }
    | { kind: 'notOpenable'; reason: string; at: string };
  /** A dataset release case named by MARK_OPENED that is not published yet: the request waits for it. */
  awaitedRelease?: string;
  /** Where the opened data is. */
  opened?: { datasetRef?: string; datasetReleaseCaseId?: string; at: string };
}

// ── Rules ───────────────────────────────────────────────────────────────────────────────

/** The linked process and the state it completes on (CommandSpec.link). */
const RELEASE = { process: 'datasetRelease', published: 'published', withdrawn: 'withdrawn', discarded: 'discarded' } as const;

function linkedRelease(data: Data<'MARK_OPENED'>, facts?: RuleFacts) {
  return data.datasetReleaseCaseId === undefined ? undefined : facts?.links?.[data.datasetReleaseCaseId];
}

/** Rules of commands; each is also the machine guard of the same name. */
export const rules = {
  // 第十五条: 公共数据开放主体……通过开放平台进行开放 — a named case must be a dataset release the
  // sender may see (its own). One message for every such id: a case it has open in front of it (the
  // request itself, an objection) is not told "does not exist", and another's release is not told apart.
  linkedReleaseExists: {
    id: 'linkedReleaseExists',
    article: '第十五条',
    message: {
      zh: '所填的数据集开放案件（datasetReleaseCaseId）不存在，或不是本单位的数据集开放案件',
      en: 'The dataset release case named (datasetReleaseCaseId) does not exist, or is not a dataset release case of your organisation.',
    },
    holds: (_context, data: Data<'MARK_OPENED'>, facts?: RuleFacts) =>
      data.datasetReleaseCaseId === undefined || linkedRelease(data, facts)?.process === RELEASE.process,
    fields: () => ['datasetReleaseCaseId'],
  } satisfies RuleSpec<UnopenedDataRequestContext, Data<'MARK_OPENED'>>,
  // 第十五条: a withdrawn release can never open the data, nor a draft its provider gave up (datasetRelease v5's
  // discarded: no stored history named one before it existed, so every version's record folds as it did)
  linkedReleaseNotWithdrawn: {
    id: 'linkedReleaseNotWithdrawn',
    article: '第十五条',
    message: {
      zh: '所填的数据集开放案件已撤回或已放弃，不能据此开放数据',
      en: 'The named dataset release case has been withdrawn, or given up as a draft.',
    },
    holds: (_context, data: Data<'MARK_OPENED'>, facts?: RuleFacts) => {
      const state = linkedRelease(data, facts)?.state;
      return state !== RELEASE.withdrawn && state !== RELEASE.discarded;
    },
    fields: () => ['datasetReleaseCaseId'],
  } satisfies RuleSpec<UnopenedDataRequestContext, Data<'MARK_OPENED'>>,
};

/** Whether MARK_OPENED opens the data now: a dataset reference, or a release that is published. */
const opensNow = (data: Data<'MARK_OPENED'>, facts?: RuleFacts) =>
  data.datasetRef !== undefined || linkedRelease(data, facts)?.state === RELEASE.published;

// ── Machine ─────────────────────────────────────────────────────────────────────────────

export const unopenedDataRequestMachine = setup({
  types: {
    context: {} as UnopenedDataRequestContext,
    events: {} as UnopenedDataRequestEvent,
    input: {} as MachineInput<UnopenedDataRequestInput>,
    meta: {} as StateMeta,
  },
  guards: {
    linkedReleaseExists: guardOf(rules.linkedReleaseExists),
    linkedReleaseNotWithdrawn: guardOf(rules.linkedReleaseNotWithdrawn),
    opensNow: ({ event }) => {
      assertEvent(event, 'MARK_OPENED');
      return opensNow(event.data, { links: event.links });
    },
  },
  actions: {
    recordForwarding: assign(({ event }) => {
      assertEvent(event, 'PASS_NORMATIVE_REVIEW');
      const { providerOrg, ...review } = event.data;
      return { providerOrg, normativeReview: extended(review, { at: event.at, by: event.actor.org }) };
    }),
    recordRejection: assign({
      rejection: ({ event }) => {
        assertEvent(event, 'FAIL_NORMATIVE_REVIEW');
        return extended(event.data, { at: event.at, by: event.actor.org });
      },
    }),
    recordConclusion: assign({
      conclusion: ({ event }) => {
        assertEvent(event, ['CONCLUDE_ALREADY_OPEN', 'CONCLUDE_OPENABLE', 'CONCLUDE_NOT_OPENABLE']);
        switch (event.type) {
          case 'CONCLUDE_ALREADY_OPEN':
            return { kind: 'alreadyOpen', ...event.data, at: event.at } as const;
          case 'CONCLUDE_OPENABLE':
            return { kind: 'openable', ...event.data, at: event.at } as const;
          case 'CONCLUDE_NOT_OPENABLE':
            return { kind: 'notOpenable', ...event.data, at: event.at } as const;
        }
      },
    }),
    recordOpening: assign(({ event }) => {
      assertEvent(event, 'MARK_OPENED');
      return { opened: extended(event.data, { at: event.at }), awaitedRelease: undefined };
    }),
    awaitRelease: assign({
      awaitedRelease: ({ event }) => {
        assertEvent(event, 'MARK_OPENED');
        return event.data.datasetReleaseCaseId;
      },
    }),
  },
}).createMachine({
  id: 'unopenedDataRequest',
  initial: 'normativeReview',
  context: ({ input }) => ({ caseId: input.caseId, input: input.input, startedBy: input.startedBy, startedAt: input.at }),
  states: {
    normativeReview: {
      // 第十五条: 市级以上主管部门 10 个工作日内完成规范性审查
      meta: {
        label: '材料规范性审查',
        task: {
          stage: 'normativeReview',
          role: 'authority',
          scope: 'cityOrAbove',
          deadline: { kind: 'rule', key: 'unopenedDataRequest.normativeReview' },
          label: '未开放数据需求申请材料规范性审查',
        },
      },
      on: {
        PASS_NORMATIVE_REVIEW: { target: 'feasibilityReview', actions: 'recordForwarding' },
        FAIL_NORMATIVE_REVIEW: { target: 'rejected', actions: 'recordRejection' },
      },
    },
    feasibilityReview: {
      // 第十五条: 公共数据开放主体原则上 15 个工作日内完成数据需求论证并反馈
      meta: {
        label: '数据需求论证',
        task: {
          stage: 'feasibilityReview',
          role: 'provider',
          scope: 'provider',
          deadline: { kind: 'rule', key: 'unopenedDataRequest.feasibilityReview' },
          label: '数据需求论证并反馈',
        },
      },
      on: {
        CONCLUDE_ALREADY_OPEN: { target: 'answered', actions: 'recordConclusion' },
        CONCLUDE_OPENABLE: { target: 'openingPending', actions: 'recordConclusion' },
        CONCLUDE_NOT_OPENABLE: { target: 'declined', actions: 'recordConclusion' },
      },
    },
    openingPending: {
      // 第十五条: 经论证可以开放的，应当在反馈后 20 个工作日内通过开放平台进行开放
      meta: {
        label: '待开放',
        task: {
          stage: 'openingPending',
          role: 'provider',
          scope: 'provider',
          deadline: { kind: 'rule', key: 'unopenedDataRequest.openingPending' },
          label: '通过开放平台开放数据',
        },
      },
      on: {
        MARK_OPENED: [
          {
            guard: and(['linkedReleaseExists', 'linkedReleaseNotWithdrawn', 'opensNow']),
            target: 'opened',
            actions: 'recordOpening',
          },
          // A release not yet published: wait for it; the engine resends MARK_OPENED when it is published.
          { guard: and(['linkedReleaseExists', 'linkedReleaseNotWithdrawn']), actions: 'awaitRelease' },
        ],
      },
    },
    rejected: { type: 'final', meta: { label: '未通过材料规范性审查' } },
    answered: { type: 'final', meta: { label: '已告知获取方式' } },
    // 第十五条: 经论证数据不可以开放 — not 不予开放, the legal attribute of 第七条 that needs its own basis.
    declined: { type: 'final', meta: { label: '经论证不可以开放' } },
    opened: { type: 'final', meta: { label: '已开放' } },
  },
});

// ── Definition ──────────────────────────────────────────────────────────────────────────

const applicant = { role: 'applicant', scope: 'applicant' } as const;
const provider = { role: 'provider', scope: 'provider' } as const;
const cityOrAbove = { role: 'authority', scope: 'cityOrAbove' } as const;
const system = { role: 'system', scope: 'system' } as const;

const commands: { [Type in keyof typeof schemas]: CommandSpec<UnopenedDataRequestContext> } = {
  PASS_NORMATIVE_REVIEW: {
    schema: schemas.PASS_NORMATIVE_REVIEW,
    event: 'NormativeReviewPassed',
    actors: [cityOrAbove],
    label: '通过材料规范性审查并转至开放主体',
    partyFields: { providerOrg: 'providerOrg' },
  },
  FAIL_NORMATIVE_REVIEW: {
    schema: schemas.FAIL_NORMATIVE_REVIEW,
    event: 'NormativeReviewFailed',
    actors: [cityOrAbove],
    label: '未通过材料规范性审查',
  },
  CONCLUDE_ALREADY_OPEN: {
    schema: schemas.CONCLUDE_ALREADY_OPEN,
    event: 'ConcludedAlreadyOpen',
    actors: [provider],
    label: '数据已开放，告知获取方式',
  },
  CONCLUDE_OPENABLE: { schema: schemas.CONCLUDE_OPENABLE, event: 'ConcludedOpenable', actors: [provider], label: '经论证可以开放' },
  CONCLUDE_NOT_OPENABLE: {
    schema: schemas.CONCLUDE_NOT_OPENABLE,
    event: 'ConcludedNotOpenable',
    actors: [provider],
    label: '经论证不可以开放',
  },
  MARK_OPENED: {
    schema: schemas.MARK_OPENED,
    event: 'OpeningReported',
    actors: [provider, system],
    label: '标记数据已开放',
    rules: [rules.linkedReleaseExists, rules.linkedReleaseNotWithdrawn],
    link: { field: 'datasetReleaseCaseId', process: RELEASE.process, completesOn: RELEASE.published },
  },
};

export const unopenedDataRequest: ProcessDefinition<UnopenedDataRequestContext> = {
  name: 'unopenedDataRequest',
  version: 1,
  title: '未开放数据需求申请',
  articles: ['第十五条', '附录7'],
  machine: unopenedDataRequestMachine,
  start: {
    schema: UnopenedDataRequestStart,
    event: 'RequestSubmitted',
    actors: [applicant],
    label: '提交未开放数据需求申请',
    // 第十五条 (公共数据利用主体……通过开放平台提出申请), 附录7 (申请主体): the applicant is the party the
    // sender is authenticated as; 附录7: use is asked for from the day of application on (a period
    // already over waited 45 working days for nothing)
    rules: [applicantIsSenderRule('第十五条、附录7'), requestedUseNotOver('附录7')],
    partyFields: { region: 'addressedRegion' },
  },
  commands,
  // The provider is known once the authority forwards the request; until then only the addressed region's authority acts.
  parties: (context) => ({
    providerOrg: context.providerOrg,
    applicantOrg: context.startedBy.org,
    region: context.input.addressedRegion,
  }),
  summary: (context) => ({
    title: context.input.resourceName,
    applicant: context.input.applicant.name,
    applicantKind: context.input.applicant.type,
    provider: context.providerOrg ?? context.input.owningDepartment,
  }),
  // 第十五条: 通过开放平台进行开放 — the release the data was opened through, once it opened it (its view
  // shows what the platform shows of it: the release is not the applicant's case to read).
  linkedCases: (context) => (context.opened?.datasetReleaseCaseId === undefined ? [] : [context.opened.datasetReleaseCaseId]),
};
