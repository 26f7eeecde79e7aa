/**
 * 有条件开放数据获取申请 (第十三、十四条, 附录3–5): an eligible applicant applies; the competent
 * authority checks the materials, the provider decides, signs the 公共数据开放利用协议 and grants
 * access; the applicant uses the data until the agreed end, reports, may renew, and destroys the
 * data when the agreement ends.
 */
import { and, assertEvent, assign, setup } from 'xstate';
import { z } from 'zod';
import { AppendOnlyList } from './appendOnlyList.js';
import { extended } from './extended.js';
import { CLOCK_SKEW_MS, commandDay, guardOf, type EventsOf } from './kit.js';
import {
  Applicant,
  applicantIsSenderRule,
  requestedUseNotOver,
  ApplicationServiceMode,
  Count,
  Coverage,
  DateString,
  Flag,
  form,
  Instant,
  inOrder,
  listOf,
  NoData,
  oneOf,
  Opinion,
  OrgCode,
  Period,
  Reason,
  Scenario,
  Text,
  wholeNumberBetween,
} from './schemas.js';
import type { Actor, BaseContext, CommandSpec, MachineInput, ProcessDefinition, Role, RuleFacts, RuleSpec, StateMeta, TaskSpec } from './types.js';

// ── Forms (FORMS.md "conditionalApplication", 附录3 有条件开放数据申请表) ──────────────────

export const ConditionalApplicationStart = form({
  resource: form({ datasetRef: Text, name: Text, providerOrg: OrgCode, serviceMode: ApplicationServiceMode, coverage: Coverage }),
  applicant: Applicant,
  service: form({ name: Text, domain: Text }),
  usePeriod: Period,
  scenarios: listOf(Scenario),
  serviceStandards: form({ scope: Text, users: Count, concurrency: Count, responseTime: Text }),
  expectedBenefits: Text,
  /** 《公共数据安全承诺书》(第十四条(一)); `signed` must be true — a rule, so the article is reported. */
  securityCommitment: form({ signed: Flag, signedAt: Instant, signatory: Text }),
  /** The facts of 第十三条(一)(二), as the platform's identity and credit services reported them. */
  eligibility: form({
    realNameVerified: Flag,
    creditCheck: form({ dishonestDebtor: Flag, seriouslyDishonestEnterprise: Flag, checkedAt: Instant }),
  }),
});
export type ConditionalApplicationInput = z.infer<typeof ConditionalApplicationStart>;

/**
 * v11's form: `securityCommitment.signed` is `true` in the form itself, as FORMS.md writes it, so an
 * unsigned commitment is a 400 naming the field (FORMS.md gives 422 only to 第十三条's eligibility
 * facts); up to v10 it was any boolean, and `false` a 422 of the rule `securityCommitmentSigned`.
 */
export const ConditionalApplicationStartV11 = ConditionalApplicationStart.extend({
  // 第十四条(一): 申请时应在线提交《公共数据安全承诺书》
  securityCommitment: form({ signed: z.literal(true, { error: '应为 true：申请时须提交已签署的《公共数据安全承诺书》（第十四条(一)）' }), signedAt: Instant, signatory: Text }),
});

const schemas = {
  PASS_NORMATIVE_REVIEW: Opinion,
  FAIL_NORMATIVE_REVIEW: Reason,
  APPROVE: Opinion,
  REJECT: Reason,
  SIGN_AGREEMENT: form({
    agreementNo: Text,
    purpose: Text,
    useFrom: DateString,
    useTo: DateString,
    // 附录5 leaves both terms to the parties; the bounds keep a slip of the keyboard from setting a
    // deadline centuries away (which no calendar can count, and no one would keep).
    destructionDays: wholeNumberBetween(1, 365, '须在 1–365 天之间'),
    resultsDueMonths: wholeNumberBetween(1, 120, '须在 1–120 个月之间'),
  }).refine((agreement) => inOrder(agreement.useFrom, agreement.useTo), { error: '使用起始日期不得晚于终止日期', path: ['useTo'] }),
  GRANT_ACCESS: form({ note: Text.optional() }),
  REPORT_USAGE: form({ period: Period, summary: Text }),
  REPORT_RESULTS: form({ results: Text }),
  REPORT_SECURITY_INCIDENT: form({ description: Text }),
  REQUEST_RENEWAL: form({ newUseTo: DateString }),
  APPROVE_RENEWAL: NoData,
  REJECT_RENEWAL: Reason,
  SUSPEND: Reason,
  RESUME: NoData,
  TERMINATE: Reason,
  USAGE_EXPIRED: NoData,
  CONFIRM_DESTRUCTION: form({ method: Text, evidence: Text }),
  WITHDRAW: form({ reason: Text.optional() }),
  ACKNOWLEDGE_ACCESS_NOTICE: NoData,
  ACKNOWLEDGE_SECURITY_INCIDENT: NoData,
  ACKNOWLEDGE_INCIDENT_NOTICE: NoData,
  ACKNOWLEDGE_RESULTS: NoData,
  ACKNOWLEDGE_RESULTS_NOTICE: NoData,
  // v13: names the decision taken note of — a later one, not yet seen, is not noted by it
  ACKNOWLEDGE_SERVICE_NOTICE: form({ command: oneOf(['SUSPEND', 'RESUME', 'TERMINATE']) }),
  ACKNOWLEDGE_USAGE: NoData,
};

type Data<Type extends keyof typeof schemas> = z.infer<(typeof schemas)[Type]>;
export type ConditionalApplicationEvent = EventsOf<typeof schemas>;
export type Agreement = Data<'SIGN_AGREEMENT'>;

// ── Context ─────────────────────────────────────────────────────────────────────────────

export interface ConditionalApplicationContext extends BaseContext<ConditionalApplicationInput> {
  startedAt: string;
  normativeReview?: { opinion?: string; at: string; by: string };
  approval?: { opinion?: string; at: string; by: string };
  /** Why the application was refused, and at which stage (第十四条(二)(三) 说明理由). */
  rejection?: { stage: 'normativeReview' | 'providerReview'; reason: string; at: string; by: string };
  /** The signed 公共数据开放利用协议 (附录5); deadlines read `agreement.destructionDays` and `agreement.resultsDueMonths`. */
  agreement?: Agreement & { signedAt: string };
  /** The current end of use: the agreement's `useTo`, moved by approved renewals. */
  useTo?: string;
  /** When access was granted: results are due `agreement.resultsDueMonths` after it (附录5 协议二(三)3). */
  grantedAt?: string;
  /** 附录5 协议: what the applicant reports while using the data, oldest first (arrays in JSON). */
  usageReports: AppendOnlyList<{ period: Period; summary: string; at: string }>;
  resultsReports: AppendOnlyList<{ results: string; at: string }>;
  securityIncidents: AppendOnlyList<{ description: string; at: string }>;
  /** Renewal requests, oldest first; the last one without a decision is pending. */
  /**
   * `lapsed` (v4): no decision was made before use ended, and the agreement ended with it; v7: nor
   * before a party terminated it (`by` is that party).
   */
  renewals: { newUseTo: string; requestedAt: string; decision?: { approved: boolean; reason?: string; at: string; by: string; lapsed?: true } }[];
  /** Suspensions, oldest first; one without `resumedAt` is in force. */
  suspensions: { reason: string; at: string; by: string; resumedAt?: string }[];
  /**
   * Why use ended: terminated by a party, or expired at `useTo`. v5: an agreement never signed, or
   * access never granted, when its use period ended, also ends as `expired`, its `reason` saying which.
   */
  ending?: { cause: 'terminated' | 'expired'; reason?: string; at: string; by: string };
  destruction?: { method: string; evidence: string; at: string };
  withdrawal?: { reason?: string; at: string };
  /** v2: when the competent authority took note that access was granted (第十四条(三) 告知). */
  accessNoticeAcknowledged?: { at: string; by: string };
  /** v8: how many of `securityIncidents` the provider has taken note of (第五条 报告), and when it last did. */
  securityIncidentsAcknowledged?: { count: number; at: string; by: string };
  /** v9: how many of `securityIncidents` the competent authority has taken note of (附录4 承诺书五 立即通知主管部门), and when it last did. */
  securityIncidentsNotedByAuthority?: { count: number; at: string; by: string };
  /** v12: how many of `resultsReports` the provider has taken note of (附录5 协议二(三)3 反馈), and when it last did. */
  resultsAcknowledged?: { count: number; at: string; by: string };
  /** v12: how many of `resultsReports` the competent authority has taken note of (附录5 协议二(三)3 反馈), and when it last did. */
  resultsNotedByAuthority?: { count: number; at: string; by: string };
  /**
   * v13: the competent authority's last suspension, resumption or termination of the service, of which
   * the provider is told (附录4 承诺书六), and when the provider took note of it. A decision of the
   * provider's own leaves nothing to note: it clears the one before.
   */
  serviceNotice?: { command: 'SUSPEND' | 'RESUME' | 'TERMINATE'; at: string; by: string; acknowledged?: { at: string; by: string } };
  /** v14: how many of `usageReports` the provider has taken note of (第十六条 定期告知开放主体), and when it last did. */
  usageAcknowledged?: { count: number; at: string; by: string };
}

/**
 * Whose suspension, resumption or stop of the service the provider is told of (v13, 附录4 承诺书六): the
 * competent authority's. The items it opens (`whenSentBy`) and the context's `serviceNotice` read it alike.
 */
const SERVICE_NOTICE_SENDER = 'authority' satisfies Role;

/** What an acknowledgement naming another decision than the one left to note is told (v13, `serviceNoticeCurrent`). */
const SERVICE_NOTICE_CURRENT = {
  zh: '要知悉的不是主管部门当前待知悉的决定：请刷新案件后确认',
  en: "The decision named is not the competent authority's decision left to acknowledge: reload the case and acknowledge that one.",
};

/** The decisions on the service, as an English refusal names them (v13; in Chinese, by the command's label). */
const SERVICE_DECISIONS_EN = { SUSPEND: 'suspend the service', RESUME: 'resume the service', TERMINATE: 'stop the service' } as const;

// ── Rules ───────────────────────────────────────────────────────────────────────────────

/** Eligibility (第十三条) and the commitment (第十四条(一)): checked before a case exists; no case on failure. */
export const startRules = {
  // 第十三条(一): 基于山东省统一身份认证完成实名认证
  realNameVerified: {
    id: 'realNameVerified',
    article: '第十三条(一)',
    message: {
      zh: '申请人须基于山东省统一身份认证完成实名认证',
      en: 'The applicant must be real-name verified through the Shandong unified identity service.',
    },
    holds: (_context, data) => data.eligibility.realNameVerified,
    fields: () => ['eligibility.realNameVerified'],
  },
  // 第十三条(二): 未被列入失信被执行人名单
  notDishonestDebtor: {
    id: 'notDishonestDebtor',
    article: '第十三条(二)',
    message: {
      zh: '申请人被列入失信被执行人名单，不得申请有条件开放数据',
      en: 'The applicant is listed as a dishonest judgment debtor and may not apply for conditionally open data.',
    },
    holds: (_context, data) => !data.eligibility.creditCheck.dishonestDebtor,
    fields: () => ['eligibility.creditCheck.dishonestDebtor'],
  },
  // 第十三条(二): 未被列入严重违法失信企业名单
  notSeriouslyDishonestEnterprise: {
    id: 'notSeriouslyDishonestEnterprise',
    article: '第十三条(二)',
    message: {
      zh: '申请人被列入严重违法失信企业名单，不得申请有条件开放数据',
      en: 'The applicant is listed as a seriously dishonest enterprise and may not apply for conditionally open data.',
    },
    holds: (_context, data) => !data.eligibility.creditCheck.seriouslyDishonestEnterprise,
    fields: () => ['eligibility.creditCheck.seriouslyDishonestEnterprise'],
  },
  // 第十四条(一): 申请时应在线提交《公共数据安全承诺书》
  securityCommitmentSigned: {
    id: 'securityCommitmentSigned',
    article: '第十四条(一)',
    message: {
      zh: '申请时须提交已签署的《公共数据安全承诺书》',
      en: 'The application must include the signed public-data security commitment.',
    },
    holds: (_context, data) => data.securityCommitment.signed,
    fields: () => ['securityCommitment.signed'],
  },
} satisfies Record<string, RuleSpec<{ startedBy: Actor }, ConditionalApplicationInput>>;

/** v2's further start rule: a use period already over when applied for could never be agreed. */
export const startRulesV2 = {
  // 附录3 申请日期, 使用起始时间/使用终止时间; 附录5 协议二(二): 可在……至……使用 — use is asked for from the day of application on
  requestedUseNotOver: requestedUseNotOver('附录3'),
} satisfies Record<string, RuleSpec<{ startedBy: Actor }, ConditionalApplicationInput>>;

/** The dates of the form (credit check, commitment) later than the application at `at`, by their paths. */
function datedAfter(data: ConditionalApplicationInput, at: string): string[] {
  const latest = Date.parse(at) + CLOCK_SKEW_MS;
  const dated = [
    ['eligibility.creditCheck.checkedAt', data.eligibility.creditCheck.checkedAt],
    ['securityCommitment.signedAt', data.securityCommitment.signedAt],
  ] as const;
  return dated.filter(([, when]) => !(Date.parse(when) <= latest)).map(([path]) => path);
}

/** v3's further start rule: what the applicant states as done must be done by the time it applies. */
export const startRulesV3 = {
  // 第十三条(二) 信用核查, 第十四条(一) 在线提交已签署的《公共数据安全承诺书》 — before applying, not after
  eligibilityNotInFuture: {
    id: 'eligibilityNotInFuture',
    article: '第十三条(二)、第十四条(一)',
    message: {
      zh: '信用核查时间和安全承诺书签署时间不得晚于申请时间',
      en: 'The credit check and the signing of the security commitment cannot come after the application.',
    },
    holds: (_context, data, facts) => {
      if (facts?.at === undefined) throw new Error('eligibilityNotInFuture needs the command’s instant (RuleFacts.at)');
      return datedAfter(data, facts.at).length === 0;
    },
    fields: (_context, data, facts) => datedAfter(data, facts?.at ?? ''),
  },
  // 第十三条(一): the applicant is the party the sender is authenticated as
  applicantIsSender: applicantIsSenderRule('第十三条(一)'),
} satisfies Record<string, RuleSpec<{ startedBy: Actor }, ConditionalApplicationInput>>;

/**
 * The ends of a reported period outside the agreed use (renewals included) or after the day it is sent,
 * by their paths: `period.from` before use began (or no agreement), `period.to` after it ends or after today.
 */
function reportedOutsideUse(context: ConditionalApplicationContext, data: Data<'REPORT_USAGE'>, facts?: RuleFacts): string[] {
  const useTo = context.useTo ?? context.agreement?.useTo;
  const from = context.agreement === undefined || data.period.from < context.agreement.useFrom;
  const to = useTo === undefined || data.period.to > useTo || data.period.to > commandDay(facts);
  return [...(from ? ['period.from'] : []), ...(to ? ['period.to'] : [])];
}

/** Rules of commands; each is also the machine guard of the same name. */
export const rules = {
  // 附录3 使用起始时间/使用终止时间, 附录5 协议二(二) 可在……至……使用: 协议的使用期限不超出申请的使用起止时间
  useWithinRequestedPeriod: {
    id: 'useWithinRequestedPeriod',
    article: '附录3、附录5 协议二(二)',
    message: {
      zh: '协议约定的使用期限须在申请的使用起止时间之内',
      en: 'The agreed use period must lie within the requested use period.',
    },
    messageFor: (context) => ({
      zh: `协议约定的使用期限须在申请的使用起止时间之内：${context.input.usePeriod.from} 至 ${context.input.usePeriod.to}`,
      en: `The agreed use period must lie within the requested use period, ${context.input.usePeriod.from} to ${context.input.usePeriod.to}.`,
    }),
    holds: (context, data: Agreement) =>
      context.input.usePeriod.from <= data.useFrom && data.useTo <= context.input.usePeriod.to,
    fields: (context, data: Agreement) => [
      ...(data.useFrom < context.input.usePeriod.from || data.useFrom > context.input.usePeriod.to ? ['useFrom'] : []),
      ...(data.useTo > context.input.usePeriod.to || data.useTo < context.input.usePeriod.from ? ['useTo'] : []),
    ],
  } satisfies RuleSpec<ConditionalApplicationContext, Agreement>,
  // 附录5 协议二(二): (公共数据利用主体) 可在……至……使用 — the agreed use has not ended on the day it is signed (v2)
  agreedUseNotOver: {
    id: 'agreedUseNotOver',
    article: '附录5 协议二(二)',
    message: {
      zh: '协议约定的使用终止日期不得早于协议签订日期',
      en: 'The agreed use period must not end before the day the agreement is signed.',
    },
    holds: (_context, data: Agreement, facts) => data.useTo >= commandDay(facts),
    fields: () => ['useTo'],
  } satisfies RuleSpec<ConditionalApplicationContext, Agreement>,
  // 附录5 协议二(二): (公共数据利用主体) 可在……至……使用 — access is opened within the agreed use, not before it begins nor after it ends (v2)
  accessWithinAgreedUse: {
    id: 'accessWithinAgreedUse',
    article: '附录5 协议二(二)',
    message: {
      zh: '须在协议约定的使用期限内开通使用权限（不得早于使用起始日期，也不得晚于使用终止日期）',
      en: 'Access must be granted within the agreed use period: not before it begins, nor after it ends.',
    },
    // The dates themselves: a provider turned away must know when it may come back.
    messageFor: (context) => {
      const from = context.agreement?.useFrom ?? '';
      const to = context.useTo ?? context.agreement?.useTo ?? '';
      return {
        zh: `须在协议约定的使用期限内开通使用权限：${from} 至 ${to}（北京时间），不得早于起始日期，也不得晚于终止日期`,
        en: `Access must be granted within the agreed use period, ${from} to ${to} (Beijing time): not before it begins, nor after it ends.`,
      };
    },
    holds: (context, _data, facts) => {
      const day = commandDay(facts);
      return context.agreement !== undefined && context.agreement.useFrom <= day && day <= (context.useTo ?? context.agreement.useTo);
    },
    // Before the agreed use begins the case does not offer GRANT_ACCESS (it offered it, and refused it, till then: QA).
    onCaseAndDay: true,
  } satisfies RuleSpec<ConditionalApplicationContext, unknown>,
  // 附录5 协议二(二): 协议可续签 — a renewal extends the current use
  renewalExtendsUse: {
    id: 'renewalExtendsUse',
    article: '附录5 协议二(二)',
    message: {
      zh: '续签的使用终止日期须晚于当前使用终止日期',
      en: 'A renewal must end after the current end of use.',
    },
    messageFor: (context) => ({
      zh: `续签的使用终止日期须晚于当前使用终止日期（${context.useTo ?? '尚无'}）`,
      en: `A renewal must end after the current end of use (${context.useTo ?? 'none yet'}).`,
    }),
    holds: (context, data: Data<'REQUEST_RENEWAL'>) => context.useTo !== undefined && data.newUseTo > context.useTo,
    fields: () => ['newUseTo'],
  } satisfies RuleSpec<ConditionalApplicationContext, Data<'REQUEST_RENEWAL'>>,
  // 附录5 协议二(二): 到期数据使用权限自动失效，协议终止。本协议可续签，由（公共数据利用主体）在本协议有效期到期前向（公共数据开放主体）发起申请 (v4)
  renewalBeforeUseEnds: {
    id: 'renewalBeforeUseEnds',
    article: '附录5 协议二(二)',
    message: {
      zh: '协议有效期已到期，协议已终止：续签须在使用终止日期前申请和同意',
      en: 'The agreement has ended with its use period: a renewal must be requested and granted before the end of use.',
    },
    messageFor: (context) => ({
      zh: `协议有效期已于 ${context.useTo ?? ''}（北京时间）到期，协议已终止：续签须在到期前申请和同意`,
      en: `The agreement ended with its use period on ${context.useTo ?? ''} (Beijing time): a renewal must be requested and granted before the end of use.`,
    }),
    // The day of the command, not the expiry timer: it fires within a minute of midnight, or after a server's restart.
    holds: (context, _data, facts) => context.useTo !== undefined && commandDay(facts) <= context.useTo,
  } satisfies RuleSpec<ConditionalApplicationContext, unknown>,
  // 附录5 协议二(二): (公共数据利用主体) 可在……至……使用 — a report of use covers days of the agreed use (renewals included) begun by the day it is sent (v6)
  usageWithinAgreedUse: {
    id: 'usageWithinAgreedUse',
    article: '附录5 协议二(二)',
    message: {
      zh: '报告的利用期间须在协议约定的使用期限之内，且不得晚于报告当日',
      en: 'The period reported must lie within the agreed use period and not end after the day of the report.',
    },
    // The dates themselves: the applicant must know which period it may report.
    messageFor: (context, _data, facts) => {
      const from = context.agreement?.useFrom ?? '';
      const useTo = context.useTo ?? context.agreement?.useTo ?? '';
      const today = facts?.at === undefined ? useTo : commandDay(facts);
      const to = today < useTo ? today : useTo;
      return {
        zh: `报告的利用期间须在协议约定的使用期限之内，且不得晚于报告当日：${from} 至 ${to}（北京时间）`,
        en: `The period reported must lie within the agreed use period and not end after the day of the report: ${from} to ${to} (Beijing time).`,
      };
    },
    holds: (context, data: Data<'REPORT_USAGE'>, facts) => reportedOutsideUse(context, data, facts).length === 0,
    fields: reportedOutsideUse,
  } satisfies RuleSpec<ConditionalApplicationContext, Data<'REPORT_USAGE'>>,
  // 第十四条(三): 告知本级公共数据开放主管部门 — taken note of once (v2)
  accessNoticeOpen: {
    id: 'accessNoticeOpen',
    article: '第十四条(三)',
    message: {
      zh: '已知悉开通使用权限的告知，无需重复确认',
      en: 'The notice that access was granted has already been acknowledged.',
    },
    holds: (context) => context.accessNoticeAcknowledged === undefined,
    onCaseAlone: true,
  } satisfies RuleSpec<ConditionalApplicationContext, unknown>,
  // 第五条: 及时向公共数据开放主体报告数据利用中发现的各类数据安全风险 — which takes note of each report (v8)
  securityIncidentReported: {
    id: 'securityIncidentReported',
    article: '第五条',
    message: {
      zh: '没有尚未知悉的数据安全问题报告，无需确认',
      en: 'There is no report of a data security problem left to acknowledge.',
    },
    holds: (context) => context.securityIncidents.length > (context.securityIncidentsAcknowledged?.count ?? 0),
    onCaseAlone: true,
  } satisfies RuleSpec<ConditionalApplicationContext, unknown>,
  // 附录4 承诺书五: 一旦发现有关数据已经泄露或可能泄露，立即通知公共数据开放主管部门 — which takes note of each report (v9)
  securityIncidentToNote: {
    id: 'securityIncidentToNote',
    article: '附录4 承诺书五',
    message: {
      zh: '没有主管部门尚未知悉的数据安全问题报告，无需确认',
      en: 'There is no report of a data security problem the competent authority has yet to acknowledge.',
    },
    holds: (context) => context.securityIncidents.length > (context.securityIncidentsNotedByAuthority?.count ?? 0),
    onCaseAlone: true,
  } satisfies RuleSpec<ConditionalApplicationContext, unknown>,
  // 附录5 协议二(三)3: 向公共数据开放主体和公共数据开放主管部门反馈数据应用成果情况 — which each take note of (v12)
  resultsToAcknowledge: {
    id: 'resultsToAcknowledge',
    article: '附录5 协议二(三)3',
    message: {
      zh: '没有尚未知悉的数据应用成果反馈，无需确认',
      en: 'There is no report of the results of use left to acknowledge.',
    },
    holds: (context) => context.resultsReports.length > (context.resultsAcknowledged?.count ?? 0),
    onCaseAlone: true,
  } satisfies RuleSpec<ConditionalApplicationContext, unknown>,
  resultsToNote: {
    id: 'resultsToNote',
    article: '附录5 协议二(三)3',
    message: {
      zh: '没有主管部门尚未知悉的数据应用成果反馈，无需确认',
      en: 'There is no report of the results of use the competent authority has yet to acknowledge.',
    },
    holds: (context) => context.resultsReports.length > (context.resultsNotedByAuthority?.count ?? 0),
    onCaseAlone: true,
  } satisfies RuleSpec<ConditionalApplicationContext, unknown>,
  // 附录4 承诺书六: 公共数据开放主管部门和公共数据开放主体有权暂停或停止数据开放服务 — the provider, who serves the
  // data, takes note of what the authority decided (v13)
  serviceNoticeToAcknowledge: {
    id: 'serviceNoticeToAcknowledge',
    article: '附录4 承诺书六',
    message: {
      zh: '没有尚未知悉的主管部门暂停、恢复或停止数据开放服务的决定，无需确认',
      en: "There is no decision of the competent authority to suspend, resume or stop the service left to acknowledge.",
    },
    holds: (context) => context.serviceNotice !== undefined && context.serviceNotice.acknowledged === undefined,
    onCaseAlone: true,
  } satisfies RuleSpec<ConditionalApplicationContext, unknown>,
  // 附录4 承诺书六: what the provider notes is the decision it saw — a resumption sent after it read the
  // suspension is not taken for seen (QA: an acknowledgement sent late noted a decision never shown) (v13)
  serviceNoticeCurrent: {
    id: 'serviceNoticeCurrent',
    article: '附录4 承诺书六',
    message: SERVICE_NOTICE_CURRENT,
    messageFor: (context, data: Data<'ACKNOWLEDGE_SERVICE_NOTICE'>) => {
      const open = context.serviceNotice?.command;
      return open === undefined
        ? SERVICE_NOTICE_CURRENT
        : {
            zh: `待知悉的是主管部门“${commandsV1[open].label}”的决定（${open}），不是“${commandsV1[data.command].label}”（${data.command}）：请刷新案件后确认`,
            en: `The competent authority's decision left to acknowledge is to ${SERVICE_DECISIONS_EN[open]} (${open}), not to ${SERVICE_DECISIONS_EN[data.command]} (${data.command}): reload the case and acknowledge that one.`,
          };
    },
    holds: (context, data: Data<'ACKNOWLEDGE_SERVICE_NOTICE'>) => context.serviceNotice?.command === data.command,
    fields: () => ['command'],
  } satisfies RuleSpec<ConditionalApplicationContext, Data<'ACKNOWLEDGE_SERVICE_NOTICE'>>,
  // 第十六条: 定期告知公共数据开放主体公共数据开发利用情况 — which takes note of what it was told (v14)
  usageToAcknowledge: {
    id: 'usageToAcknowledge',
    article: '第十六条',
    message: {
      zh: '没有尚未知悉的数据开发利用情况报告，无需确认',
      en: 'There is no report of the use of the data left to acknowledge.',
    },
    holds: (context) => context.usageReports.length > (context.usageAcknowledged?.count ?? 0),
    onCaseAlone: true,
  } satisfies RuleSpec<ConditionalApplicationContext, unknown>,
  // 附录3 使用终止时间, 附录5 协议二(二) 可在……至……使用: once the requested use is over no agreement can be signed
  // (useWithinRequestedPeriod, agreedUseNotOver), so the application is not approved into a signing that could never be (v11)
  approvalWithinRequestedUse: {
    id: 'approvalWithinRequestedUse',
    article: '附录3、附录5 协议二(二)',
    message: {
      zh: '申请的使用期限已届满，协议已无法签订，不能审核通过；请按第十四条(三)作出审核不通过的决定并说明理由',
      en: 'The requested use period is over and no agreement can be signed any more, so the application cannot be approved: reject it, giving the reason, as Article 14(3) requires.',
    },
    messageFor: (context) => ({
      zh: `申请的使用期限已于 ${context.input.usePeriod.to}（北京时间）届满，协议已无法签订，不能审核通过；请按第十四条(三)作出审核不通过的决定并说明理由`,
      en: `The requested use period ended on ${context.input.usePeriod.to} (Beijing time) and no agreement can be signed any more, so the application cannot be approved: reject it, giving the reason, as Article 14(3) requires.`,
    }),
    holds: (context, _data, facts) => commandDay(facts) <= context.input.usePeriod.to,
    // from the day after the requested end, the case offers REJECT alone
    onCaseAndDay: true,
  } satisfies RuleSpec<ConditionalApplicationContext, unknown>,
  // 附录5 协议二(二): 可续签 — one request at a time: a second while the first awaits its decision (in a suspension, v9) is refused
  renewalNotPending: {
    id: 'renewalNotPending',
    article: '附录5 协议二(二)',
    message: {
      zh: '已有续签申请尚待决定，请在其决定后再申请续签',
      en: 'A renewal already asked for is still awaiting its decision: ask again once it is decided.',
    },
    holds: (context) => !renewalPending(context),
    onCaseAlone: true,
  } satisfies RuleSpec<ConditionalApplicationContext, unknown>,
};

// ── Machine ─────────────────────────────────────────────────────────────────────────────

/**
 * The reasons the machine itself writes into a case when an agreement or a renewal lapses (附录5 协议二(二)).
 * Folded into every case of the versions that write them: never reworded (a case's context is what its
 * version folds). English for a case shown in English (`writtenTexts`).
 */
const WRITTEN = {
  renewalLapsed: '协议有效期届满前未作出续签决定，使用权限已自动失效，协议终止（附录5 协议二(二)）',
  renewalLapsedOnTermination: '续签决定作出前，数据开放服务已停止，协议终止（附录4 承诺书六、附录5 协议二(二)）',
  lapsedUnsigned: '申请的使用期限已届满，协议未签订，申请终止（附录5 协议二(二)）',
  lapsedUngranted: '协议约定的使用期限已届满，使用权限未开通，协议终止（附录5 协议二(二)）',
} as const;
const WRITTEN_EN: Record<keyof typeof WRITTEN, string> = {
  renewalLapsed: 'No renewal decision was made before the agreement’s use period ended: access lapsed automatically and the agreement ended (Appendix 5, Agreement §2(2)).',
  renewalLapsedOnTermination: 'The open-data service stopped before a renewal decision was made, and the agreement ended (Appendix 4, Commitment §6; Appendix 5, Agreement §2(2)).',
  lapsedUnsigned: 'The requested use period ended with no agreement signed, and the application ended (Appendix 5, Agreement §2(2)).',
  lapsedUngranted: 'The agreed use period ended with access never granted, and the agreement ended (Appendix 5, Agreement §2(2)).',
};

/** A renewal asked for and not yet decided. */
function renewalPending(context: ConditionalApplicationContext): boolean {
  const last = context.renewals.at(-1);
  return last !== undefined && last.decision === undefined;
}

const machineSetup = setup({
  types: {
    context: {} as ConditionalApplicationContext,
    events: {} as ConditionalApplicationEvent,
    input: {} as MachineInput<ConditionalApplicationInput>,
    meta: {} as StateMeta,
  },
  guards: {
    useWithinRequestedPeriod: guardOf(rules.useWithinRequestedPeriod),
    agreedUseNotOver: guardOf(rules.agreedUseNotOver),
    renewalExtendsUse: guardOf(rules.renewalExtendsUse),
    renewalBeforeUseEnds: guardOf(rules.renewalBeforeUseEnds),
    accessNoticeOpen: guardOf(rules.accessNoticeOpen),
    securityIncidentReported: guardOf(rules.securityIncidentReported),
    securityIncidentToNote: guardOf(rules.securityIncidentToNote),
    resultsToAcknowledge: guardOf(rules.resultsToAcknowledge),
    resultsToNote: guardOf(rules.resultsToNote),
    serviceNoticeToAcknowledge: guardOf(rules.serviceNoticeToAcknowledge),
    serviceNoticeCurrent: guardOf(rules.serviceNoticeCurrent),
    usageToAcknowledge: guardOf(rules.usageToAcknowledge),
    renewalNotPending: guardOf(rules.renewalNotPending),
    approvalWithinRequestedUse: guardOf(rules.approvalWithinRequestedUse),
    accessWithinAgreedUse: guardOf(rules.accessWithinAgreedUse),
    usageWithinAgreedUse: guardOf(rules.usageWithinAgreedUse),
    // Not a rule (nothing is refused): where RESUME goes back to. A renewal asked for and not yet decided is pending.
    renewalPending: ({ context }) => renewalPending(context),
    // v2's: as renewalPending, but a stored RESUME goes where the build that stored it sent it (`recorded`).
    // v2 was released (1ed9925) going back to `active` always, and took the review back later (be95ad9)
    // under the same number: stored resumptions of both kinds are v2's. A new one goes back to the review.
    renewalPendingAsStoredInV2: ({ context, event }) => renewalPending(context) && (event.recorded?.stateAfter ?? 'renewalReview') === 'renewalReview',
  },
  actions: {
    recordNormativeReview: assign({
      normativeReview: ({ event }) => {
        assertEvent(event, 'PASS_NORMATIVE_REVIEW');
        return extended(event.data, { at: event.at, by: event.actor.org });
      },
    }),
    recordApproval: assign({
      approval: ({ event }) => {
        assertEvent(event, 'APPROVE');
        return extended(event.data, { at: event.at, by: event.actor.org });
      },
    }),
    recordRejection: assign({
      rejection: ({ event }) => {
        assertEvent(event, ['FAIL_NORMATIVE_REVIEW', 'REJECT']);
        const stage = event.type === 'FAIL_NORMATIVE_REVIEW' ? 'normativeReview' : 'providerReview';
        return { stage, reason: event.data.reason, at: event.at, by: event.actor.org } as const;
      },
    }),
    recordWithdrawal: assign({
      withdrawal: ({ event }) => {
        assertEvent(event, 'WITHDRAW');
        return extended(event.data, { at: event.at });
      },
    }),
    recordAgreement: assign(({ event }) => {
      assertEvent(event, 'SIGN_AGREEMENT');
      return { agreement: extended(event.data, { signedAt: event.at }), useTo: event.data.useTo };
    }),
    recordAccessGranted: assign({ grantedAt: ({ event }) => event.at }),
    recordUsageReport: assign({
      usageReports: ({ context, event }) => {
        assertEvent(event, 'REPORT_USAGE');
        return context.usageReports.append(extended(event.data, { at: event.at }));
      },
    }),
    recordResults: assign({
      resultsReports: ({ context, event }) => {
        assertEvent(event, 'REPORT_RESULTS');
        return context.resultsReports.append(extended(event.data, { at: event.at }));
      },
    }),
    recordSecurityIncident: assign({
      securityIncidents: ({ context, event }) => {
        assertEvent(event, 'REPORT_SECURITY_INCIDENT');
        return context.securityIncidents.append(extended(event.data, { at: event.at }));
      },
    }),
    recordRenewalRequest: assign({
      renewals: ({ context, event }) => {
        assertEvent(event, 'REQUEST_RENEWAL');
        return [...context.renewals, { newUseTo: event.data.newUseTo, requestedAt: event.at }];
      },
    }),
    approveRenewal: assign(({ context, event }) => {
      assertEvent(event, 'APPROVE_RENEWAL');
      const pending = context.renewals.at(-1);
      if (!pending) return {};
      const decided = extended(pending, { decision: { approved: true, at: event.at, by: event.actor.org } });
      return { renewals: [...context.renewals.slice(0, -1), decided], useTo: pending.newUseTo };
    }),
    rejectRenewal: assign({
      renewals: ({ context, event }) => {
        assertEvent(event, 'REJECT_RENEWAL');
        const pending = context.renewals.at(-1);
        if (!pending) return context.renewals;
        const decided = extended(pending, { decision: { approved: false, reason: event.data.reason, at: event.at, by: event.actor.org } });
        return [...context.renewals.slice(0, -1), decided];
      },
    }),
    recordSuspension: assign({
      suspensions: ({ context, event }) => {
        assertEvent(event, 'SUSPEND');
        return [...context.suspensions, extended(event.data, { at: event.at, by: event.actor.org })];
      },
    }),
    recordResumption: assign({
      suspensions: ({ context, event }) =>
        context.suspensions.map((s, i) => (i === context.suspensions.length - 1 ? extended(s, { resumedAt: event.at }) : s)),
    }),
    recordTermination: assign({
      ending: ({ event }) => {
        assertEvent(event, 'TERMINATE');
        return { cause: 'terminated', reason: event.data.reason, at: event.at, by: event.actor.org } as const;
      },
    }),
    // v4: a renewal still pending when use ends lapses with it, said so in the case, not left undecided
    recordRenewalLapsed: assign({
      renewals: ({ context, event }) => {
        const pending = context.renewals.at(-1);
        if (!pending || pending.decision !== undefined) return context.renewals;
        const reason = WRITTEN.renewalLapsed;
        return [...context.renewals.slice(0, -1), extended(pending, { decision: { approved: false, reason, at: event.at, by: event.actor.org, lapsed: true as const } })];
      },
    }),
    // v7, 附录4 承诺书六 停止数据开放服务, 附录5 协议二(二) 协议终止: a renewal still pending when a party
    // ends the agreement lapses with it, as at the expiry (v4), said so in the case, not left undecided
    recordRenewalLapsedOnTermination: assign({
      renewals: ({ context, event }) => {
        assertEvent(event, 'TERMINATE');
        const pending = context.renewals.at(-1);
        if (!pending || pending.decision !== undefined) return context.renewals;
        const reason = WRITTEN.renewalLapsedOnTermination;
        return [...context.renewals.slice(0, -1), extended(pending, { decision: { approved: false, reason, at: event.at, by: event.actor.org, lapsed: true as const } })];
      },
    }),
    recordExpiry: assign({
      ending: ({ event }) => ({ cause: 'expired', at: event.at, by: event.actor.org }) as const,
    }),
    // v5: the use period ended before the data was ever made available; nothing is held, so nothing is to destroy
    recordLapse: assign({
      ending: ({ context, event }) => {
        const reason = context.agreement === undefined ? WRITTEN.lapsedUnsigned : WRITTEN.lapsedUngranted;
        return { cause: 'expired', reason, at: event.at, by: event.actor.org } as const;
      },
    }),
    recordDestruction: assign({
      destruction: ({ event }) => {
        assertEvent(event, 'CONFIRM_DESTRUCTION');
        return extended(event.data, { at: event.at });
      },
    }),
    recordAccessNoticeAcknowledged: assign({ accessNoticeAcknowledged: ({ event }) => ({ at: event.at, by: event.actor.org }) }),
    recordSecurityIncidentsAcknowledged: assign({
      securityIncidentsAcknowledged: ({ context, event }) => ({ count: context.securityIncidents.length, at: event.at, by: event.actor.org }),
    }),
    recordSecurityIncidentsNotedByAuthority: assign({
      securityIncidentsNotedByAuthority: ({ context, event }) => ({ count: context.securityIncidents.length, at: event.at, by: event.actor.org }),
    }),
    recordResultsAcknowledged: assign({
      resultsAcknowledged: ({ context, event }) => ({ count: context.resultsReports.length, at: event.at, by: event.actor.org }),
    }),
    recordResultsNotedByAuthority: assign({
      resultsNotedByAuthority: ({ context, event }) => ({ count: context.resultsReports.length, at: event.at, by: event.actor.org }),
    }),
    // v13, 附录4 承诺书六: the provider is told of the authority's decision (the items it opens); its own leaves nothing to note
    recordServiceNotice: assign({
      serviceNotice: ({ event }) => {
        assertEvent(event, ['SUSPEND', 'RESUME', 'TERMINATE']);
        return event.actor.role === SERVICE_NOTICE_SENDER ? { command: event.type, at: event.at, by: event.actor.org } : undefined;
      },
    }),
    recordUsageAcknowledged: assign({
      usageAcknowledged: ({ context, event }) => ({ count: context.usageReports.length, at: event.at, by: event.actor.org }),
    }),
    // v13: use ended at its term — an authority's suspension or resumption not yet noted is moot (its item closes)
    clearServiceNoticeOnExpiry: assign({
      serviceNotice: ({ context }) => (context.serviceNotice?.acknowledged ? context.serviceNotice : undefined),
    }),
    recordServiceNoticeAcknowledged: assign({
      serviceNotice: ({ context, event }) => context.serviceNotice && extended(context.serviceNotice, { acknowledged: { at: event.at, by: event.actor.org } }),
    }),
  },
});

/**
 * The chart of a version. v1 took the applicant's reports only in `active`: a results report that
 * fell due during a renewal review, a suspension or after use ended could never be made, and stayed
 * overdue; nor could a security problem be reported then. The competent authority's notice of
 * access (知悉) had no way out of its inbox but the case's end. v2 fixes both. v1 also let an
 * agreement be signed for a use already over, which access then made `active` only for it to
 * expire at once; v2 refuses it (`agreedUseNotOver`). v2 refuses access before the agreed use begins,
 * yet counted the provider's time to grant it from the signing: a use agreed to start later left the
 * provider late for what it was forbidden to do; v3 counts it from the agreed start of use. v3 took
 * a renewal asked for or granted after the end of use while the expiry timer had not yet fired (it
 * runs every minute, and not while the server is down); v4 refuses both by the command's day. Up to
 * v3 an applicant who would not sign the agreement could not leave: the provider's task to sign
 * stayed open, and overdue; v4 takes its WITHDRAW in `agreementPending` too. Up to v3 a renewal
 * still under review when use ended was left with no decision; v4 records that it lapsed. Up to v4
 * an agreement not signed by the end of the requested use, or access not granted by the end of the
 * agreed use, could never be (agreedUseNotOver, accessWithinAgreedUse), yet nothing ended the case:
 * the provider's task stayed open and overdue for good; v5 ends it then (USAGE_EXPIRED → closed).
 * Up to v5 a report of use was taken for any period, one not yet begun or outside the agreement
 * (2027 on an agreement ending 2025-12-31); v6 takes it for days of the agreed use begun by its day.
 * Up to v6 a renewal still under review (or pending in a suspension) when a party terminated the
 * agreement was left with no decision on an ended agreement; v7 records that it lapsed, as v4 does
 * at the expiry. Up to v8 a suspension took no renewal request: one that lasted past the end of use
 * left the applicant no way to renew (附录5 协议二(二) 可续签, 到期前发起申请); v9 records it, reviewed on
 * resumption. Up to v8 a security problem reported reached the provider alone; v9 tells the competent
 * authority too (附录4 承诺书五 立即通知公共数据开放主管部门), which takes note with ACKNOWLEDGE_INCIDENT_NOTICE.
 * Up to v9 a renewal's review was due ten working days after the request however near the end of use,
 * where a renewal still undecided lapses (v4): asked for four days before it, the provider's inbox
 * said ten working days were left, and the renewal lapsed on the fifth; v10's review is due by the
 * end of use at the latest (`endsBy`). Up to v10 the provider's tasks to sign the agreement and to grant
 * access ran their ten working days however near the day after which neither can be done (the requested
 * end of use for the signing, the agreed one for the access: useWithinRequestedPeriod, agreedUseNotOver,
 * accessWithinAgreedUse) and the case lapses (v5): a use agreed to end two days on read "ten working days
 * left" in the provider's inbox; v11's are due by that day at the latest (`endsBy`), as v10's renewal review.
 * So that the signing task is never due before it is entered, v11 also refuses the provider's APPROVE after
 * the requested end of use (approvalWithinRequestedUse): the provider rejects, with a reason.
 * Up to v11 the results the applicant fed back went into the history alone, though 附录5 协议二(三)3 has them
 * fed back to the provider and the competent authority: v12 opens a 知悉 item for each, which each
 * closes with ACKNOWLEDGE_RESULTS and ACKNOWLEDGE_RESULTS_NOTICE, as v8 and v9 do for a security problem.
 */
function chart(version: 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14) {
  const v2 = version >= 2;
  const v3 = version >= 3;
  const v4 = version >= 4;
  const v5 = version >= 5;
  const v6 = version >= 6;
  const v7 = version >= 7;
  const v8 = version >= 8;
  const v9 = version >= 9;
  const v10 = version >= 10;
  const v11 = version >= 11;
  const v12 = version >= 12;
  const v13 = version >= 13;
  const v14 = version >= 14;
  // v13, 附录4 承诺书六: the provider, who serves the data, is told of the authority's suspension, resumption or stop
  const told = <const Action extends string>(action: Action) => (v13 ? ([action, 'recordServiceNotice'] as const) : action);
  // Transitions several states share; which states take them is the version's.
  // 第五条, 第十六条: 定期告知开发利用情况，及时报告数据安全风险; 附录5 协议二(三)3: 反馈数据应用成果
  // v6, 附录5 协议二(二) 可在……至……使用: a report of use covers days of the agreed use begun by its day
  const reports = {
    REPORT_USAGE: v6 ? ({ guard: 'usageWithinAgreedUse', actions: 'recordUsageReport' } as const) : ({ actions: 'recordUsageReport' } as const),
    REPORT_RESULTS: { actions: 'recordResults' },
    REPORT_SECURITY_INCIDENT: { actions: 'recordSecurityIncident' },
  } as const;
  // 附录4 承诺书六: 主管部门和开放主体有权暂停或停止数据开放服务
  const suspend = { target: 'suspended', actions: told('recordSuspension') } as const;
  // v7, 附录5 协议二(二) 协议终止: a renewal still pending then lapses with the agreement (recordRenewalLapsedOnTermination)
  const terminate = v7
    ? ({ target: 'destructionPending', actions: ['recordRenewalLapsedOnTermination', 'recordTermination', ...(v13 ? (['recordServiceNotice'] as const) : [])] } as const)
    : ({ target: 'destructionPending', actions: 'recordTermination' } as const);
  // 附录5 协议二(二): 到期数据使用权限自动失效，协议终止
  // v13: a suspension or resumption not yet noted is moot then (clearServiceNoticeOnExpiry)
  const expire = { target: 'destructionPending', actions: v13 ? (['recordExpiry', 'clearServiceNoticeOnExpiry'] as const) : 'recordExpiry' } as const;
  // v4: a renewal still pending then lapses with the agreement (recordRenewalLapsed)
  const expireLapsing = { target: 'destructionPending', actions: ['recordRenewalLapsed', 'recordExpiry', ...(v13 ? (['clearServiceNoticeOnExpiry'] as const) : [])] } as const;
  const resume = { target: 'active', actions: told('recordResumption') } as const;
  // v5, 附录5 协议二(二) 可在……至……使用: once the use period is over, what is still to be signed or
  // granted never can be; the case ends, and the provider's task with it (cancelled: not done)
  const lapses = v5 ? ({ USAGE_EXPIRED: { target: 'closed', actions: 'recordLapse' } } as const) : {};

  // 第五条: 及时向公共数据开放主体报告数据安全风险 — which takes note of what was reported, wherever it can be reported (v8)
  // 附录4 承诺书五: 立即通知公共数据开放主管部门 — which takes note of it too (v9)
  const reportsNoted = {
    ...(v8 ? ({ ACKNOWLEDGE_SECURITY_INCIDENT: { guard: 'securityIncidentReported', actions: 'recordSecurityIncidentsAcknowledged' } } as const) : {}),
    ...(v9 ? ({ ACKNOWLEDGE_INCIDENT_NOTICE: { guard: 'securityIncidentToNote', actions: 'recordSecurityIncidentsNotedByAuthority' } } as const) : {}),
    // 附录5 协议二(三)3: 向公共数据开放主体和公共数据开放主管部门反馈数据应用成果情况 — which each take note of it (v12)
    ...(v12 ? ({ ACKNOWLEDGE_RESULTS: { guard: 'resultsToAcknowledge', actions: 'recordResultsAcknowledged' } } as const) : {}),
    ...(v12 ? ({ ACKNOWLEDGE_RESULTS_NOTICE: { guard: 'resultsToNote', actions: 'recordResultsNotedByAuthority' } } as const) : {}),
    // 附录4 承诺书六: the provider takes note of the authority's suspension, resumption or stop, wherever one can be open (v13)
    ...(v13 ? ({ ACKNOWLEDGE_SERVICE_NOTICE: { guard: and(['serviceNoticeToAcknowledge', 'serviceNoticeCurrent']), actions: 'recordServiceNoticeAcknowledged' } } as const) : {}),
    // 第十六条: 定期告知公共数据开放主体公共数据开发利用情况 — which takes note of it, wherever a report can be open (v14)
    ...(v14 ? ({ ACKNOWLEDGE_USAGE: { guard: 'usageToAcknowledge', actions: 'recordUsageAcknowledged' } } as const) : {}),
  };
  // 附录4 承诺书四, 附录5 协议二(三)3: results and security problems are owed while the applicant holds the data (v2)
  const whileHoldingData = v2 ? { REPORT_RESULTS: reports.REPORT_RESULTS, REPORT_SECURITY_INCIDENT: reports.REPORT_SECURITY_INCIDENT, ...reportsNoted } : {};
  // 第十四条(三): 告知本级公共数据开放主管部门 — which takes note of it, once (v2)
  const acknowledge = v2 ? ({ ACKNOWLEDGE_ACCESS_NOTICE: { guard: 'accessNoticeOpen', actions: 'recordAccessNoticeAcknowledged' } } as const) : {};
  // 第十六条: 定期告知开发利用情况 — while access lasts, under a renewal review or a suspension too (v2)
  const whileAccessLasts = v2 ? { ...reports, ...acknowledge, ...reportsNoted } : {};
  // 附录5 协议二(二): 到期数据使用权限自动失效 — whatever the case is waiting on (v2; v1 expired only in active)
  const expires = v2 ? { USAGE_EXPIRED: v4 ? expireLapsing : expire } : {};
  // 附录5 协议二(二): 可在……至……使用 — not for a use period already over when signed (v2), nor access
  // granted outside the agreed use. v2 was released (1ed9925) with neither guard in its chart, and took
  // its two rules later (fe3d656, be95ad9) under the same version number: its stored agreements and
  // grants made before them must still fold. A new v2 command is refused them all the same, by the
  // rules of commandsV2, which the engine checks before the chart; the chart checks them from v3 on.
  const signable = v3 ? and(['useWithinRequestedPeriod', 'agreedUseNotOver']) : 'useWithinRequestedPeriod';
  const grantable = v3
    ? ({ guard: 'accessWithinAgreedUse', target: 'active', actions: 'recordAccessGranted' } as const)
    : ({ target: 'active', actions: 'recordAccessGranted' } as const);
  // 附录4 承诺书六: a renewal under review may be suspended or stopped too (v2)
  const stoppable = v2 ? { SUSPEND: suspend, TERMINATE: terminate } : {};
  return machineSetup.createMachine({
    id: 'conditionalApplication',
    initial: 'normativeReview',
    context: ({ input }) => ({
      caseId: input.caseId,
      input: input.input,
      startedBy: input.startedBy,
      startedAt: input.at,
      usageReports: AppendOnlyList.empty(),
      resultsReports: AppendOnlyList.empty(),
      securityIncidents: AppendOnlyList.empty(),
      renewals: [],
      suspensions: [],
    }),
    states: {
      normativeReview: {
        // 第十四条(二): 县级以上主管部门 5 个工作日内完成规范性审查
        meta: {
          label: '材料规范性审查',
          task: {
            stage: 'normativeReview',
            role: 'authority',
            scope: 'competentAuthority',
            deadline: { kind: 'rule', key: 'conditionalApplication.normativeReview' },
            label: '有条件开放数据申请材料规范性审查',
          },
        },
        on: {
          PASS_NORMATIVE_REVIEW: { target: 'providerReview', actions: 'recordNormativeReview' },
          FAIL_NORMATIVE_REVIEW: { target: 'rejected', actions: 'recordRejection' },
          WITHDRAW: { target: 'withdrawn', actions: 'recordWithdrawal' },
        },
      },
      providerReview: {
        // 第十四条(二): 公共数据开放主体原则上 10 个工作日内完成审核
        meta: {
          label: '开放主体审核',
          task: {
            stage: 'providerReview',
            role: 'provider',
            scope: 'provider',
            deadline: { kind: 'rule', key: 'conditionalApplication.providerReview' },
            label: '审核有条件开放数据获取申请',
          },
        },
        on: {
          // v11, 附录5 协议二(二): not once the requested use is over (approvalWithinRequestedUse): the signing task
          // it opens is due by then (endsBy), and the case lapses then (v5)
          APPROVE: v11
            ? { guard: 'approvalWithinRequestedUse', target: 'agreementPending', actions: 'recordApproval' }
            : { target: 'agreementPending', actions: 'recordApproval' },
          REJECT: { target: 'rejected', actions: 'recordRejection' },
          WITHDRAW: { target: 'withdrawn', actions: 'recordWithdrawal' },
        },
      },
      agreementPending: {
        // 第十四条(三): 签订公共数据开放利用协议 — no statutory deadline
        meta: {
          label: '待签订协议',
          task: {
            stage: 'agreementPending',
            role: 'provider',
            scope: 'provider',
            // v11, 附录5 协议二(二) 可在……至……使用: no agreement can be signed after the requested end of use
            // (useWithinRequestedPeriod, agreedUseNotOver), when the case lapses (v5): due by then at the latest.
            // The day is the application's, not yet agreed: the cut keeps the basis of the rule (policy).
            deadline: v11
              ? { kind: 'rule', key: 'policyDefault', endsBy: { field: 'input.usePeriod.to', what: '申请的使用终止日', basis: 'policy' } }
              : { kind: 'rule', key: 'policyDefault' },
            label: '签订公共数据开放利用协议',
          },
        },
        on: {
          SIGN_AGREEMENT: { guard: signable, target: 'accessPending', actions: 'recordAgreement' },
          // v4: 附录5 is signed by both parties' 授权代表 — an applicant who will not sign withdraws,
          // rather than leave the provider's task to sign open and overdue for good
          ...(v4 ? { WITHDRAW: { target: 'withdrawn', actions: 'recordWithdrawal' } } : {}),
          ...lapses,
        },
      },
      accessPending: {
        // 第十四条(三): 开通有条件开放数据使用权限 — no statutory deadline
        meta: {
          label: '待开通权限',
          task: {
            stage: 'accessPending',
            role: 'provider',
            scope: 'provider',
            // v3: access may not be granted before the agreed use begins (附录5 协议二(二), accessWithinAgreedUse):
            // its time runs from then, or a provider was reported late for what it was forbidden to do
            // v11: nor granted after the agreed end of use, when the case lapses (v5): due by then at the latest
            deadline: v11
              ? {
                  kind: 'rule',
                  key: 'policyDefault',
                  countFrom: { field: 'agreement.useFrom', what: '协议约定的使用起始日' },
                  endsBy: { field: 'useTo', what: '协议约定的使用终止日' },
                }
              : v3
                ? { kind: 'rule', key: 'policyDefault', countFrom: { field: 'agreement.useFrom', what: '协议约定的使用起始日' } }
                : { kind: 'rule', key: 'policyDefault' },
            label: '开通有条件开放数据使用权限',
          },
        },
        on: {
          GRANT_ACCESS: grantable,
          ...lapses,
        },
      },
      active: {
        meta: { label: '使用中' },
        on: {
          ...reports,
          ...acknowledge,
          ...reportsNoted,
          // v4: before the agreement ends (renewalBeforeUseEnds), whether or not the expiry timer has fired yet
          REQUEST_RENEWAL: {
            // v9: one request at a time (renewalNotPending; in `active` none is pending, but the command's rules all guard it)
            guard: v9 ? and(['renewalExtendsUse', 'renewalBeforeUseEnds', 'renewalNotPending']) : v4 ? and(['renewalExtendsUse', 'renewalBeforeUseEnds']) : 'renewalExtendsUse',
            target: 'renewalReview',
            actions: 'recordRenewalRequest',
          },
          SUSPEND: suspend,
          TERMINATE: terminate,
          USAGE_EXPIRED: expire,
        },
      },
      renewalReview: {
        // 附录5 协议二(二): 续签 — no statutory deadline
        meta: {
          label: '续签审核',
          task: {
            stage: 'renewalReview',
            role: 'provider',
            scope: 'provider',
            // v10, 附录5 协议二(二): 到期数据使用权限自动失效 — a renewal undecided at the end of use lapses, so it is due by then at the latest
            deadline: v10 ? { kind: 'rule', key: 'policyDefault', endsBy: { field: 'useTo', what: '当前协议有效期届满之日' } } : { kind: 'rule', key: 'policyDefault' },
            label: '审核协议续签申请',
          },
        },
        on: {
          ...whileAccessLasts,
          APPROVE_RENEWAL: v4 ? { guard: 'renewalBeforeUseEnds', target: 'active', actions: 'approveRenewal' } : { target: 'active', actions: 'approveRenewal' },
          REJECT_RENEWAL: { target: 'active', actions: 'rejectRenewal' },
          ...stoppable,
          ...expires,
        },
      },
      suspended: {
        // 附录4 承诺书六: 主管部门和开放主体有权暂停或停止数据开放服务
        meta: { label: '已暂停' },
        on: {
          ...whileAccessLasts,
          // v2: a renewal pending when use was suspended is reviewed again on resumption, not forgotten
          RESUME: v3
            ? [{ guard: 'renewalPending', target: 'renewalReview', actions: told('recordResumption') }, resume]
            : v2
              ? [{ guard: 'renewalPendingAsStoredInV2', target: 'renewalReview', actions: 'recordResumption' }, resume]
              : resume,
          // v9, 附录5 协议二(二): 可续签，在有效期到期前发起申请 — a suspension does not end the agreement;
          // the request waits for the resumption, which takes it to the review (renewalPending)
          ...(v9
            ? { REQUEST_RENEWAL: { guard: and(['renewalExtendsUse', 'renewalBeforeUseEnds', 'renewalNotPending']), actions: 'recordRenewalRequest' } }
            : {}),
          TERMINATE: terminate,
          ...expires,
        },
      },
      destructionPending: {
        // 附录5 协议二(二): 协议终止后，在约定时长内销毁数据 — the number is the agreement's
        meta: {
          label: '待销毁数据',
          task: {
            stage: 'destructionPending',
            role: 'applicant',
            scope: 'applicant',
            deadline: {
              kind: 'contextDays',
              field: 'agreement.destructionDays',
              what: '协议约定的销毁时长',
              unit: 'calendarDays',
              // The agreement's own term (v2 says so; v1 called it policy)
              basis: v2 ? 'agreement' : 'policy',
              article: '附录5 协议二(二)',
            },
            label: '协议终止后销毁数据并确认',
          },
        },
        on: {
          ...whileHoldingData,
          CONFIRM_DESTRUCTION: { target: 'closed', actions: 'recordDestruction' },
        },
      },
      rejected: { type: 'final', meta: { label: '未通过' } },
      withdrawn: { type: 'final', meta: { label: '已撤回' } },
      closed: { type: 'final', meta: { label: '已结束' } },
    },
  });
}

// ── Definition ──────────────────────────────────────────────────────────────────────────

const applicant = { role: 'applicant', scope: 'applicant' } as const;
const provider = { role: 'provider', scope: 'provider' } as const;
const competentAuthority = { role: 'authority', scope: 'competentAuthority' } as const;
const system = { role: 'system', scope: 'system' } as const;

/** The commands by which the provider and the competent authority take note of results fed back (v12). */
type ResultsNoted = 'ACKNOWLEDGE_RESULTS' | 'ACKNOWLEDGE_RESULTS_NOTICE';
/** The command by which the provider takes note of the authority's decision on the service (v13). */
type ServiceNoted = 'ACKNOWLEDGE_SERVICE_NOTICE';
/** The command by which the provider takes note of a report of use (v14). */
type UsageNoted = 'ACKNOWLEDGE_USAGE';

/** v1's commands: all but the acknowledgements (of the notice of access, v2; of a security problem reported, v8 and v9). */
const commandsV1: { [Type in Exclude<keyof typeof schemas, 'ACKNOWLEDGE_ACCESS_NOTICE' | 'ACKNOWLEDGE_SECURITY_INCIDENT' | 'ACKNOWLEDGE_INCIDENT_NOTICE' | ResultsNoted | ServiceNoted | UsageNoted>]: CommandSpec<ConditionalApplicationContext> } = {
  PASS_NORMATIVE_REVIEW: {
    schema: schemas.PASS_NORMATIVE_REVIEW,
    event: 'NormativeReviewPassed',
    actors: [competentAuthority],
    label: '通过材料规范性审查',
  },
  FAIL_NORMATIVE_REVIEW: {
    schema: schemas.FAIL_NORMATIVE_REVIEW,
    event: 'NormativeReviewFailed',
    actors: [competentAuthority],
    label: '未通过材料规范性审查',
  },
  APPROVE: { schema: schemas.APPROVE, event: 'Approved', actors: [provider], label: '审核通过' },
  REJECT: { schema: schemas.REJECT, event: 'Rejected', actors: [provider], label: '审核不通过' },
  SIGN_AGREEMENT: {
    schema: schemas.SIGN_AGREEMENT,
    event: 'AgreementSigned',
    actors: [provider],
    label: '签订公共数据开放利用协议',
    rules: [rules.useWithinRequestedPeriod],
  },
  GRANT_ACCESS: {
    schema: schemas.GRANT_ACCESS,
    event: 'AccessGranted',
    actors: [provider],
    label: '开通使用权限',
    opens: [
      // 附录5 协议二(三)3: 在约定的月数内完成开发应用并反馈成果
      {
        stage: 'resultsReport',
        role: 'applicant',
        scope: 'applicant',
        deadline: { kind: 'contextMonths', field: 'agreement.resultsDueMonths', what: '协议约定的成果反馈期限', basis: 'policy', article: '附录5 协议二(三)3' },
        label: '反馈数据应用成果',
      },
      // 第十四条(三): 并告知本级公共数据开放主管部门 — information only
      { stage: 'accessGrantedNotice', role: 'authority', scope: 'competentAuthority', label: '知悉：已开通有条件开放数据使用权限' },
    ],
  },
  REPORT_USAGE: { schema: schemas.REPORT_USAGE, event: 'UsageReported', actors: [applicant], label: '报告数据利用情况' },
  REPORT_RESULTS: {
    schema: schemas.REPORT_RESULTS,
    event: 'ResultsReported',
    actors: [applicant],
    label: '反馈数据应用成果',
    closes: ['resultsReport'],
  },
  REPORT_SECURITY_INCIDENT: {
    schema: schemas.REPORT_SECURITY_INCIDENT,
    event: 'SecurityIncidentReported',
    actors: [applicant],
    label: '报告数据安全问题',
  },
  REQUEST_RENEWAL: {
    schema: schemas.REQUEST_RENEWAL,
    event: 'RenewalRequested',
    actors: [applicant],
    label: '申请续签协议',
    rules: [rules.renewalExtendsUse],
  },
  APPROVE_RENEWAL: { schema: schemas.APPROVE_RENEWAL, event: 'RenewalApproved', actors: [provider], label: '同意续签' },
  REJECT_RENEWAL: { schema: schemas.REJECT_RENEWAL, event: 'RenewalRejected', actors: [provider], label: '不同意续签' },
  // A suspension or a termination puts off or ends the work open then; it does not do it (第十九条 counts work done).
  SUSPEND: { schema: schemas.SUSPEND, event: 'Suspended', actors: [provider, competentAuthority], label: '暂停数据开放服务', cancelsTasks: true },
  RESUME: { schema: schemas.RESUME, event: 'Resumed', actors: [provider, competentAuthority], label: '恢复数据开放服务' },
  TERMINATE: {
    schema: schemas.TERMINATE,
    event: 'Terminated',
    actors: [provider, competentAuthority],
    label: '停止数据开放服务',
    cancelsTasks: true,
  },
  USAGE_EXPIRED: { schema: schemas.USAGE_EXPIRED, event: 'UsageExpired', actors: [system], label: '使用期限届满，权限失效' },
  CONFIRM_DESTRUCTION: {
    schema: schemas.CONFIRM_DESTRUCTION,
    event: 'DestructionConfirmed',
    actors: [applicant],
    label: '确认已销毁数据',
  },
  WITHDRAW: { schema: schemas.WITHDRAW, event: 'Withdrawn', actors: [applicant], label: '撤回申请' },
};

/** v2's commands: the notice of access is acknowledged by the authority, and ends when access ends. */
const commandsV2: { [Type in Exclude<keyof typeof schemas, 'ACKNOWLEDGE_SECURITY_INCIDENT' | 'ACKNOWLEDGE_INCIDENT_NOTICE' | ResultsNoted | ServiceNoted | UsageNoted>]: CommandSpec<ConditionalApplicationContext> } = {
  ...commandsV1,
  // 附录5 协议二(二): 可在……至……使用 — an agreement whose use is over when signed grants nothing
  SIGN_AGREEMENT: { ...commandsV1.SIGN_AGREEMENT, rules: [rules.useWithinRequestedPeriod, rules.agreedUseNotOver] },
  // 附录5 协议二(二): access within the agreed use; the results term is the agreement's (basis `agreement`)
  GRANT_ACCESS: {
    ...commandsV1.GRANT_ACCESS,
    rules: [rules.accessWithinAgreedUse],
    opens: (commandsV1.GRANT_ACCESS.opens ?? []).map((task) =>
      task.deadline?.kind === 'contextMonths' ? { ...task, deadline: { ...task.deadline, basis: 'agreement' } } : task,
    ),
  },
  // 第十四条(三): the notice tells of access granted; once use has ended, there is nothing left to take note of
  TERMINATE: { ...commandsV1.TERMINATE, closes: ['accessGrantedNotice'] },
  USAGE_EXPIRED: { ...commandsV1.USAGE_EXPIRED, closes: ['accessGrantedNotice'] },
  ACKNOWLEDGE_ACCESS_NOTICE: {
    schema: schemas.ACKNOWLEDGE_ACCESS_NOTICE,
    event: 'AccessNoticeAcknowledged',
    actors: [competentAuthority],
    label: '知悉已开通使用权限',
    rules: [rules.accessNoticeOpen],
    closes: ['accessGrantedNotice'],
  },
};

/** v1's start: the form, eligibility and the commitment. */
const startV1: CommandSpec<{ startedBy: Actor }> = {
  schema: ConditionalApplicationStart,
  event: 'ApplicationSubmitted',
  actors: [applicant],
  label: '提交有条件开放数据申请',
  rules: Object.values(startRules),
  partyFields: { providerOrg: 'resource.providerOrg' },
};

/** v2's start: and a use period not already over. */
const startV2: CommandSpec<{ startedBy: Actor }> = { ...startV1, rules: [...Object.values(startRules), ...Object.values(startRulesV2)] };
const startV3: CommandSpec<{ startedBy: Actor }> = { ...startV2, rules: [...(startV2.rules ?? []), ...Object.values(startRulesV3)] };
/** v11's start: the commitment signed is the form's (`ConditionalApplicationStartV11`), no longer a rule. */
const startV11: CommandSpec<{ startedBy: Actor }> = {
  ...startV3,
  schema: ConditionalApplicationStartV11,
  rules: (startV3.rules ?? []).filter((rule) => rule !== startRules.securityCommitmentSigned),
};

/** What both versions share: the name, the parties, the summary and the texts the machine writes. */
const common = {
  writtenTexts: Object.fromEntries(Object.entries(WRITTEN).map(([key, zh]) => [zh, WRITTEN_EN[key as keyof typeof WRITTEN]])),
  name: 'conditionalApplication',
  title: '有条件开放数据获取申请',
  articles: ['第十三条', '第十四条', '第十六条', '附录3', '附录4', '附录5'],
  parties: (context) => ({ providerOrg: context.input.resource.providerOrg, applicantOrg: context.startedBy.org }),
  summary: (context) => ({
    title: context.input.resource.name,
    applicant: context.input.applicant.name,
    applicantKind: context.input.applicant.type,
    provider: context.input.resource.providerOrg,
  }),
} satisfies Omit<ProcessDefinition<ConditionalApplicationContext>, 'version' | 'machine' | 'start' | 'commands' | 'timers'>;

type Timers = NonNullable<ProcessDefinition<ConditionalApplicationContext>['timers']>;

/** 附录5 协议二(二): 到期数据使用权限自动失效 — at the end of `useTo`, in the states that take USAGE_EXPIRED. */
const expiryIn =
  (states: readonly string[]): Timers =>
  (context, state) =>
    states.includes(state) && context.useTo !== undefined ? [{ command: 'USAGE_EXPIRED', afterEndOfDay: context.useTo }] : [];

/** The first version: cases started on it keep folding with it (ARCHITECTURE.md "Versioned machines"). */
export const conditionalApplicationV1: ProcessDefinition<ConditionalApplicationContext> = {
  ...common,
  version: 1,
  machine: chart(1),
  start: startV1,
  commands: commandsV1,
  timers: expiryIn(['active']),
};

/** The second version: cases started on it keep its rules. */
export const conditionalApplicationV2: ProcessDefinition<ConditionalApplicationContext> = {
  ...common,
  version: 2,
  machine: chart(2),
  start: startV2,
  commands: commandsV2,
  timers: expiryIn(['active', 'renewalReview', 'suspended']),
  // 附录5 协议二(二), taken after v2's release (fe3d656, be95ad9): see `chart`.
  rulesAfterRelease: { SIGN_AGREEMENT: ['agreedUseNotOver'], GRANT_ACCESS: ['accessWithinAgreedUse'] },
};

/**
 * The third version: v2, with the time to grant access counted from the agreed start of use, and a
 * credit check or a security commitment dated after the application refused.
 */
export const conditionalApplicationV3: ProcessDefinition<ConditionalApplicationContext> = {
  ...conditionalApplicationV2,
  version: 3,
  machine: chart(3),
  start: startV3,
  // Its chart is guarded by every rule.
  rulesAfterRelease: undefined,
};

/** v4's commands: a renewal is asked for and granted before the agreement ends (附录5 协议二(二)). */
const commandsV4: typeof commandsV2 = {
  ...commandsV2,
  REQUEST_RENEWAL: { ...commandsV2.REQUEST_RENEWAL, rules: [rules.renewalExtendsUse, rules.renewalBeforeUseEnds] },
  APPROVE_RENEWAL: { ...commandsV2.APPROVE_RENEWAL, rules: [rules.renewalBeforeUseEnds] },
};

/**
 * The fourth version: v3, with a renewal asked for or granted after the day the use ends refused,
 * whether or not the expiry timer has fired yet, and the applicant's WITHDRAW taken while the
 * agreement waits to be signed.
 */
export const conditionalApplicationV4: ProcessDefinition<ConditionalApplicationContext> = {
  ...conditionalApplicationV3,
  version: 4,
  machine: chart(4),
  commands: commandsV4,
};

/**
 * 附录5 协议二(二): the requested use period (`usePeriod.to`) bounds the signing, and the agreed one
 * (`useTo`) the access and the use. v5 runs the expiry timer while the agreement waits to be signed
 * or access to be granted too.
 */
const afterAgreement = expiryIn(['accessPending', 'active', 'renewalReview', 'suspended']);
const expiryV5: Timers = (context, state) =>
  state === 'agreementPending' ? [{ command: 'USAGE_EXPIRED', afterEndOfDay: context.input.usePeriod.to }] : afterAgreement(context, state);

/**
 * The fifth version: v4, with the case ended (USAGE_EXPIRED) when its use period is over before the
 * agreement was signed or access granted, which could then never be.
 */
export const conditionalApplicationV5: ProcessDefinition<ConditionalApplicationContext> = {
  ...conditionalApplicationV4,
  version: 5,
  machine: chart(5),
  timers: expiryV5,
};

/** v6's commands: a report of use covers days of the agreed use begun by its day (附录5 协议二(二)). */
const commandsV6: typeof commandsV4 = {
  ...commandsV4,
  REPORT_USAGE: { ...commandsV4.REPORT_USAGE, rules: [rules.usageWithinAgreedUse] },
};

/**
 * The sixth version: v5, with a report of use refused for a period not within the agreed use
 * (`useFrom` to the current `useTo`) or ending after the day it is sent.
 */
export const conditionalApplicationV6: ProcessDefinition<ConditionalApplicationContext> = {
  ...conditionalApplicationV5,
  version: 6,
  machine: chart(6),
  commands: commandsV6,
};

/**
 * The seventh version: v6, with a renewal still pending when a party terminates the agreement
 * recorded as lapsed (附录4 承诺书六, 附录5 协议二(二)), not left undecided.
 */
export const conditionalApplicationV7: ProcessDefinition<ConditionalApplicationContext> = {
  ...conditionalApplicationV6,
  version: 7,
  machine: chart(7),
};

/** v8's commands: a security problem reported opens the provider's 知悉 item, which it acknowledges (第五条). */
const commandsV8: { [Type in Exclude<keyof typeof schemas, 'ACKNOWLEDGE_INCIDENT_NOTICE' | ResultsNoted | ServiceNoted | UsageNoted>]: CommandSpec<ConditionalApplicationContext> } = {
  ...commandsV6,
  // 第五条: 及时向公共数据开放主体报告数据利用中发现的各类数据安全风险 — information for the provider, no deadline
  REPORT_SECURITY_INCIDENT: {
    ...commandsV6.REPORT_SECURITY_INCIDENT,
    opens: [{ stage: 'securityIncidentNotice', role: 'provider', scope: 'provider', label: '知悉：利用主体报告数据安全问题', urgent: true }],
  },
  ACKNOWLEDGE_SECURITY_INCIDENT: {
    schema: schemas.ACKNOWLEDGE_SECURITY_INCIDENT,
    event: 'SecurityIncidentAcknowledged',
    actors: [provider],
    label: '知悉数据安全问题报告',
    rules: [rules.securityIncidentReported],
    closes: ['securityIncidentNotice'],
  },
};

/**
 * The eighth version: v7, where a data security problem the applicant reports opens a 知悉 item in
 * the provider's inbox (第五条: 及时向公共数据开放主体报告), which the provider closes with
 * ACKNOWLEDGE_SECURITY_INCIDENT. Up to v7 the report went into the history alone: no inbox showed it.
 */
export const conditionalApplicationV8: ProcessDefinition<ConditionalApplicationContext> = {
  ...conditionalApplicationV7,
  version: 8,
  machine: chart(8),
  commands: commandsV8,
};

/** v9's commands: the competent authority is told of a security problem too, and a renewal may be asked for in a suspension. */
const commandsV9: { [Type in Exclude<keyof typeof schemas, ResultsNoted | ServiceNoted | UsageNoted>]: CommandSpec<ConditionalApplicationContext> } = {
  ...commandsV8,
  // 附录4 承诺书五: 一旦发现有关数据已经泄露或可能泄露，立即通知公共数据开放主管部门; 承诺书四: 第一时间上报 —
  // information for the provider (第五条) and for the 本级 competent authority, no deadline
  REPORT_SECURITY_INCIDENT: {
    ...commandsV8.REPORT_SECURITY_INCIDENT,
    opens: [
      ...(commandsV8.REPORT_SECURITY_INCIDENT.opens ?? []),
      { stage: 'securityIncidentAuthorityNotice', role: 'authority', scope: 'competentAuthority', label: '知悉：利用主体报告数据安全问题', urgent: true },
    ],
  },
  ACKNOWLEDGE_INCIDENT_NOTICE: {
    schema: schemas.ACKNOWLEDGE_INCIDENT_NOTICE,
    event: 'IncidentNoticeAcknowledged',
    actors: [competentAuthority],
    label: '主管部门知悉数据安全问题报告',
    rules: [rules.securityIncidentToNote],
    closes: ['securityIncidentAuthorityNotice'],
  },
  // 附录5 协议二(二): one renewal request at a time (a suspension now takes one)
  REQUEST_RENEWAL: { ...commandsV8.REQUEST_RENEWAL, rules: [...(commandsV8.REQUEST_RENEWAL.rules ?? []), rules.renewalNotPending] },
};

/**
 * The ninth version: v8, where a data security problem the applicant reports also
 * opens a 知悉 item for the 本级 competent authority (附录4 承诺书五: 立即通知公共数据开放主管部门), which it
 * closes with ACKNOWLEDGE_INCIDENT_NOTICE; and where the applicant may ask for a renewal while the
 * service is suspended (附录5 协议二(二): 可续签，在有效期到期前发起申请), reviewed once it resumes. Up to v8
 * the authority learnt of a report from the history alone, and a suspension lasting past the end of
 * use left no way to renew.
 */
export const conditionalApplicationV9: ProcessDefinition<ConditionalApplicationContext> = {
  ...conditionalApplicationV8,
  // 第五条 (v8's notice to the provider) is cited by its rules too.
  articles: ['第五条', ...common.articles],
  version: 9,
  machine: chart(9),
  commands: commandsV9,
};

/**
 * The tenth version, v9 where the review of a renewal is due by the end of use at the latest (附录5
 * 协议二(二): 到期数据使用权限自动失效, and a renewal undecided then lapses). Up to v9 it was due ten working
 * days after the request: asked for four days before the end, the provider's inbox said ten working days
 * were left, and the renewal lapsed on the fifth. Cases started on it keep it.
 */
export const conditionalApplicationV10: ProcessDefinition<ConditionalApplicationContext> = {
  ...conditionalApplicationV9,
  version: 10,
  machine: chart(10),
};

/** v11's commands: an application is not approved once its requested use is over (附录3, 附录5 协议二(二)). */
const commandsV11: typeof commandsV9 = {
  ...commandsV9,
  APPROVE: { ...commandsV9.APPROVE, rules: [rules.approvalWithinRequestedUse] },
};

/**
 * The eleventh version: v10, where signing the agreement is due by the requested end of
 * use at the latest, and granting access by the agreed end of use (附录5 协议二(二): 可在……至……使用; after
 * that day neither can be done and the case lapses, v5). Up to v10 both were due ten working days on
 * whatever that day: an agreement signed for a use ending two days later read "ten working days left"
 * in the provider's inbox, and lapsed on the third. So that the signing is never due before it is
 * asked for, the provider's APPROVE after the requested end of use is refused (approvalWithinRequestedUse);
 * and the security commitment's `signed` is `true` in the form (`ConditionalApplicationStartV11`).
 */
export const conditionalApplicationV11: ProcessDefinition<ConditionalApplicationContext> = {
  ...conditionalApplicationV10,
  version: 11,
  machine: chart(11),
  start: startV11,
  commands: commandsV11,
};

/** The label of the 知悉 items results fed back open (v12). */
const RESULTS_NOTICE = '知悉：利用主体反馈数据应用成果';

/** v12's commands: results fed back reach the provider and the competent authority, who each take note (附录5 协议二(三)3). */
const commandsV12: { [Type in Exclude<keyof typeof schemas, ServiceNoted | UsageNoted>]: CommandSpec<ConditionalApplicationContext> } = {
  ...commandsV11,
  // 附录5 协议二(三)3: 向（公共数据开放主体）和（公共数据开放主管部门）反馈数据应用成果情况 — information for both, no deadline
  REPORT_RESULTS: {
    ...commandsV11.REPORT_RESULTS,
    opens: [
      { stage: 'resultsNotice', role: 'provider', scope: 'provider', label: RESULTS_NOTICE },
      { stage: 'resultsAuthorityNotice', role: 'authority', scope: 'competentAuthority', label: RESULTS_NOTICE },
    ],
  },
  ACKNOWLEDGE_RESULTS: {
    schema: schemas.ACKNOWLEDGE_RESULTS,
    event: 'ResultsAcknowledged',
    actors: [provider],
    label: '知悉数据应用成果反馈',
    rules: [rules.resultsToAcknowledge],
    closes: ['resultsNotice'],
  },
  ACKNOWLEDGE_RESULTS_NOTICE: {
    schema: schemas.ACKNOWLEDGE_RESULTS_NOTICE,
    event: 'ResultsNoticeAcknowledged',
    actors: [competentAuthority],
    label: '主管部门知悉数据应用成果反馈',
    rules: [rules.resultsToNote],
    closes: ['resultsAuthorityNotice'],
  },
};

/**
 * v12: v11, where the results the applicant feeds back open a 知悉 item for the provider and one for
 * the 本级 competent authority (附录5 协议二(三)3: 依托一体化大数据平台向公共数据开放主体和公共数据开放主管部门
 * 反馈数据应用成果情况), which each closes by taking note (ACKNOWLEDGE_RESULTS, ACKNOWLEDGE_RESULTS_NOTICE),
 * or which close with the case. Up to v11 the results went into the history alone: no inbox showed
 * them (legal QA), as a security problem's report did up to v8.
 */
export const conditionalApplicationV12: ProcessDefinition<ConditionalApplicationContext> = {
  ...conditionalApplicationV11,
  version: 12,
  machine: chart(12),
  commands: commandsV12,
};

/** The 知悉 items of the competent authority's decisions on the service, for the provider, by stage (v13). */
const SERVICE_NOTICES = {
  suspensionNotice: '知悉：主管部门暂停数据开放服务',
  resumptionNotice: '知悉：主管部门恢复数据开放服务',
  terminationNotice: '知悉：主管部门停止数据开放服务',
} as const;

/**
 * A 知悉 item for the provider, opened when the competent authority sends the command (not when the
 * provider does: it knows what it did). Urgent: the provider serves the data, and stops or restarts
 * serving it on the authority's word (附录4 承诺书六).
 */
const serviceNotice = (stage: keyof typeof SERVICE_NOTICES): TaskSpec => ({
  stage,
  role: 'provider',
  scope: 'provider',
  label: SERVICE_NOTICES[stage],
  urgent: true,
  whenSentBy: SERVICE_NOTICE_SENDER,
});

/**
 * v13's commands: the provider is told of the competent authority's suspension, resumption or stop of
 * the service (附录4 承诺书六: 主管部门和开放主体有权暂停或停止数据开放服务), and takes note of it. A later
 * decision, whoever makes it, closes the item of the one before: only the last is to be acted on.
 */
const commandsV13: { [Type in Exclude<keyof typeof schemas, UsageNoted>]: CommandSpec<ConditionalApplicationContext> } = {
  ...commandsV12,
  SUSPEND: { ...commandsV12.SUSPEND, opens: [serviceNotice('suspensionNotice')], closes: [...(commandsV12.SUSPEND.closes ?? []), 'resumptionNotice'] },
  RESUME: { ...commandsV12.RESUME, opens: [serviceNotice('resumptionNotice')], closes: [...(commandsV12.RESUME.closes ?? []), 'suspensionNotice'] },
  TERMINATE: {
    ...commandsV12.TERMINATE,
    opens: [serviceNotice('terminationNotice')],
    closes: [...(commandsV12.TERMINATE.closes ?? []), 'suspensionNotice', 'resumptionNotice'],
  },
  // 附录5 协议二(二): 到期数据使用权限自动失效 — the service ends with the use: a suspension or resumption not yet noted is moot
  USAGE_EXPIRED: { ...commandsV12.USAGE_EXPIRED, closes: [...(commandsV12.USAGE_EXPIRED.closes ?? []), 'suspensionNotice', 'resumptionNotice'] },
  ACKNOWLEDGE_SERVICE_NOTICE: {
    schema: schemas.ACKNOWLEDGE_SERVICE_NOTICE,
    event: 'ServiceNoticeAcknowledged',
    actors: [provider],
    label: '知悉主管部门对数据开放服务的决定',
    rules: [rules.serviceNoticeToAcknowledge, rules.serviceNoticeCurrent],
    closes: Object.keys(SERVICE_NOTICES),
  },
};

/**
 * v13: v12, where the competent authority's SUSPEND, RESUME and TERMINATE open an urgent 知悉 item for
 * the provider (suspensionNotice, resumptionNotice, terminationNotice), which it closes with
 * ACKNOWLEDGE_SERVICE_NOTICE, or which the next decision or the case's end closes. Up to v12 the provider, who serves the data, learnt of an authority's
 * suspension only by opening the case (provider's QA): its inbox said nothing, and the service went on.
 */
export const conditionalApplicationV13: ProcessDefinition<ConditionalApplicationContext> = {
  ...conditionalApplicationV12,
  version: 13,
  machine: chart(13),
  commands: commandsV13,
};

/**
 * v14's commands: a report of use opens the provider's 知悉 item (第十六条: 定期告知公共数据开放主体公共数据
 * 开发利用情况), which it closes by taking note of every report until then.
 */
const commandsV14: { [Type in keyof typeof schemas]: CommandSpec<ConditionalApplicationContext> } = {
  ...commandsV13,
  REPORT_USAGE: {
    ...commandsV13.REPORT_USAGE,
    opens: [{ stage: 'usageNotice', role: 'provider', scope: 'provider', label: '知悉：利用主体告知数据开发利用情况' }],
  },
  ACKNOWLEDGE_USAGE: {
    schema: schemas.ACKNOWLEDGE_USAGE,
    event: 'UsageAcknowledged',
    actors: [provider],
    label: '知悉数据开发利用情况报告',
    rules: [rules.usageToAcknowledge],
    closes: ['usageNotice'],
  },
};

/**
 * The version new cases start on, v14: v13, where a report of use opens a 知悉 item for the provider
 * (usageNotice, no deadline; one at a time: reports made while it is open join it), which it closes
 * with ACKNOWLEDGE_USAGE, or which closes with the case. Up to v13 a report of use went into the
 * history alone, though 第十六条 has the applicant 定期告知公共数据开放主体 (provider's QA): no inbox
 * showed it.
 */
export const conditionalApplication: ProcessDefinition<ConditionalApplicationContext> = {
  ...conditionalApplicationV13,
  version: 14,
  machine: chart(14),
  commands: commandsV14,
};
