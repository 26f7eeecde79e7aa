/**
 * Plans the demo's year: for every case, who acts when, with what data (valid per FORMS.md).
 * A stage with a deadline is acted on in time (~83 %) or late (~17 %); about one case in ten is
 * left open at one of its stages. Steps later than `now` are not planned: those cases are still
 * open, as real ones would be. Nothing here touches the engine: run.ts executes the plan through it.
 */
import { DEFAULT_DEADLINE_RULES, type WorkingDayCalendar } from '../../calendars/index.js';
import { cityOf } from '../../directory/directory.js';
import type { Actor } from '../../machines/types.js';
import { DOMAINS, type DatasetTemplate } from './catalogue.js';
import { Random } from './random.js';
import { addDays, addMonths, atLocal, dateOf, DAY, endOfDate, iso, MINUTE, nextNightlyRun, Timing } from './time.js';
import type { Authority, Dataset, DemoApplicant, Provider, World } from './world.js';

export type ProcessName = 'datasetRelease' | 'conditionalApplication' | 'unopenedDataRequest' | 'listAdjustment' | 'objection';
export const PROCESSES: readonly ProcessName[] = ['datasetRelease', 'conditionalApplication', 'unopenedDataRequest', 'listAdjustment', 'objection'];

/** The share of each process among the planned cases. */
const SHARES: Record<ProcessName, number> = {
  conditionalApplication: 0.3,
  datasetRelease: 0.2,
  objection: 0.2,
  unopenedDataRequest: 0.18,
  listAdjustment: 0.12,
};

export interface CasePlan {
  index: number;
  process: ProcessName;
  /** Set when the start step has been executed. */
  caseId?: string;
  /** Set when a step of the case was refused: its later steps are skipped. */
  broken?: boolean;
  /** The applicant who started it (for the demo's applicant token). */
  applicant?: DemoApplicant;
}

export type StepData = unknown | (() => unknown);

export interface Step {
  at: number;
  /** Global order among steps at the same instant. */
  seq: number;
  kind: 'start' | 'command' | 'nightly';
  plan?: CasePlan;
  actor?: Actor;
  type?: string;
  /** Start input or command data; a function when it names a case that exists only once executed. */
  data?: StepData;
}

export interface Plan {
  cases: CasePlan[];
  steps: Step[];
}

interface Context {
  world: World;
  random: Random;
  timing: Timing;
  calendar: WorkingDayCalendar;
  now: number;
  steps: Step[];
  cases: CasePlan[];
  firstDay: string;
}

/** Thrown when a case's next step lies after `now` or the case is left open: its plan ends there. */
class Stop extends Error {}

/** Builds one case's steps, strictly in time order. */
class CaseBuilder {
  readonly plan: CasePlan;
  t = 0;
  #stage = 0;

  constructor(
    private readonly ctx: Context,
    process: ProcessName,
    /** The deadline stage (counted from 0) at which the case is left open; -1: none. */
    private readonly stallAt: number,
  ) {
    this.plan = { index: ctx.cases.length, process };
    ctx.cases.push(this.plan);
  }

  start(at: number, actor: Actor, input: unknown): void {
    if (at > this.ctx.now) throw new Stop();
    this.#push(at, 'start', actor, this.plan.process, input);
  }

  do(at: number, actor: Actor, type: string, data: StepData = {}): number {
    const when = Math.max(at, this.t + MINUTE);
    if (when > this.ctx.now) throw new Stop();
    this.#push(when, 'command', actor, type, data);
    return when;
  }

  /** When the actor of a stage with a deadline (entered at `enteredAt`) acts; Stop when the case is left open at this stage. */
  respond(dueDate: string, enteredAt = this.t): number {
    if (this.#stage++ === this.stallAt) throw new Stop();
    return this.ctx.timing.act(enteredAt, dueDate, this.ctx.random.chance(0.17));
  }

  /** The due date of a configured deadline (calendars/rules.ts) for a stage entered at `enteredAt`, as the engine computes it. */
  due(key: string, enteredAt = this.t): string {
    const rule = DEFAULT_DEADLINE_RULES[key];
    if (!rule) throw new Error(`no deadline rule ${key}`);
    return this.ctx.calendar.dueBy(iso(enteredAt), rule).dueDate;
  }

  /** Time passes without a step of this case (a timer fires): later steps come after `at`. */
  waitUntil(at: number): void {
    if (at > this.ctx.now) throw new Stop();
    this.t = Math.max(this.t, at);
  }

  #push(at: number, kind: Step['kind'], actor: Actor, type: string, data: StepData): void {
    this.ctx.steps.push({ at, seq: this.ctx.steps.length, kind, plan: this.plan, actor, type, data });
    this.t = at;
  }
}

// ── Helpers ─────────────────────────────────────────────────────────────────────────────

function stallIndex(random: Random, stages: number): number {
  return random.chance(0.1) ? random.int(0, Math.max(0, stages - 1)) : -1;
}

function pickRegion(ctx: Context): string {
  return ctx.random.weighted(ctx.world.regions.map((r) => [r.code, r.weight] as const));
}

/** A provider of the region: its city-level (or provincial) units, now and then a county unit. */
function pickProvider(ctx: Context, region = pickRegion(ctx), countyShare = 0.12, fits: (p: Provider) => boolean = () => true): Provider {
  for (let attempt = 0; attempt < 20; attempt++) {
    const provider = pickProviderIn(ctx, attempt === 0 ? region : pickRegion(ctx), countyShare);
    if (fits(provider)) return provider;
  }
  const fitting = ctx.world.providers.filter(fits);
  return ctx.random.pick(fitting.length > 0 ? fitting : ctx.world.providers);
}

function pickProviderIn(ctx: Context, region: string, countyShare: number): Provider {
  const all = ctx.world.providersIn(region);
  const own = all.filter((p) => p.org.region === region);
  const counties = all.filter((p) => p.org.region !== region);
  return ctx.random.pick(counties.length > 0 && ctx.random.chance(countyShare) ? counties : own);
}

function pickApplicant(ctx: Context, region: string): DemoApplicant {
  const city = region === '370000' ? undefined : cityOf(region);
  const local = ctx.world.applicants.filter((a) => a.city === city);
  return ctx.random.pick(local.length > 0 && ctx.random.chance(0.75) ? local : ctx.world.applicants);
}

function staff(ctx: Context, who: { staff: Actor[] }): Actor {
  return ctx.random.pick(who.staff);
}

/** A random day of the demo's year, at least `marginDays` before now. */
function randomDay(ctx: Context, marginDays = 1): string {
  const first = atLocal(ctx.firstDay, 12 * 60);
  const last = ctx.now - marginDays * DAY;
  return dateOf(first + ctx.random.next() * Math.max(DAY, last - first));
}

function competentAuthority(ctx: Context, provider: Provider): Authority {
  return ctx.world.authorityOf(provider.org.region);
}

/** 市级以上: the authority of the provider's city (the province's for a provincial provider); now and then the province acts. */
function cityOrAbove(ctx: Context, region: string): Authority {
  const own = ctx.world.authorityOf(cityOf(region));
  return own.org.region !== '370000' && ctx.random.chance(0.08) ? ctx.world.authorityOf('370000') : own;
}

const REGION_ABBR: Record<string, string> = {
  '370000': 'SD', '370100': 'JN', '370200': 'QD', '370300': 'ZB', '370400': 'ZZ', '370500': 'DY', '370600': 'YT',
  '370700': 'WF', '370800': 'JNG', '370900': 'TA', '371000': 'WH', '371100': 'RZ', '371300': 'LY', '371400': 'DZ',
  '371500': 'LC', '371600': 'BZ', '371700': 'HZ',
};
const DOMAIN_ABBR: Record<string, string> = {
  police: 'GA', market: 'SJ', transport: 'JT', health: 'WJ', land: 'ZR', environment: 'HJ', labour: 'RS',
  housing: 'ZJ', education: 'JY', civil: 'MZ', water: 'SL', agriculture: 'NY', weather: 'QX',
};

function lastYearEnd(date: string): string {
  return `${Number(date.slice(0, 4)) - 1}-12-31`;
}

// ── datasetRelease ──────────────────────────────────────────────────────────────────────

interface ReleaseTimes {
  startedAt?: number;
  submittedAt?: number;
  publishedAt?: number;
}

function catalogueEntry(provider: Provider, template: DatasetTemplate, title: string, startDate: string, closed: boolean) {
  const conditional = !closed && template.conditions !== undefined;
  return {
    title,
    description: `${provider.org.name}${template.name}，${template.fields.map(([, d]) => d).join('、')}等字段，覆盖${provider.regionName}。`,
    providerOrg: provider.org.code,
    openAttribute: closed ? 'closed' : conditional ? 'conditional' : 'unconditional',
    ...(conditional ? { conditions: template.conditions } : {}),
    ...(closed ? { basis: '涉及国家安全和重要敏感信息，依据《中华人民共和国数据安全法》第二十一条不予开放。' } : {}),
    serviceModes: [...template.modes],
    coverage: { region: provider.org.region, period: { from: '2020-01-01', to: lastYearEnd(startDate) } },
    fields: template.fields.map(([name, description]) => ({ name, description })),
    updateFrequency: template.frequency,
    containsPersonalInfo: template.personal,
  };
}

/** A release by a provider: drafting, security review, desensitization, review (with returns), published, sometimes withdrawn. */
function planRelease(ctx: Context, b: CaseBuilder, provider: Provider, start: number, dataset?: { template: DatasetTemplate; title: string }, times: ReleaseTimes = {}): void {
  const { random, timing } = ctx;
  const chosen = dataset ?? random.pick(provider.datasets);
  const closed = dataset === undefined && random.chance(0.03);
  const author = staff(ctx, provider);
  const input = catalogueEntry(provider, chosen.template, chosen.title, dateOf(start), closed);
  b.start(start, author, input);
  times.startedAt = b.t;

  if (random.chance(0.25)) {
    b.do(timing.after(b.t, 1, 5), author, 'UPDATE_DRAFT', { description: `${input.description}数据按${provider.regionName}统一口径汇总。` });
  }
  if (random.chance(0.08)) {
    b.do(timing.after(b.t, 1, 6), author, 'RECORD_SECURITY_REVIEW', { passed: false, notes: '抽查发现部分记录含未脱敏的联系电话，需整改后复审。' });
  }
  b.do(timing.after(b.t, 1, 6), author, 'RECORD_SECURITY_REVIEW', { passed: true, notes: '经本单位数据安全审查，符合开放要求。' });
  if (closed) return; // 不予开放的目录留在编制中，不提交
  const personal = chosen.template.fields.filter(([name]) => /name|Name|idNumber|plateNo/.test(name)).map(([name]) => name);
  const rules = input.containsPersonalInfo
    ? { rules: (personal.length > 0 ? personal : [chosen.template.fields[0]![0]]).map((field) => ({ field, method: field === 'idNumber' ? 'hash' : 'mask', note: '按《个人信息保护法》要求去标识化处理' })) }
    : random.chance(0.7)
      ? { noneNeeded: true, reason: '数据不含个人信息和敏感字段，无需脱敏。' }
      : { rules: [{ field: chosen.template.fields[0]![0], method: 'generalize', note: '按区县汇总' }] };
  b.do(timing.after(b.t, 0, 3), author, 'SET_DESENSITIZATION_RULES', rules);
  if (random.chance(0.03)) return; // 编制后迟迟未提交（编制阶段无期限）
  b.do(timing.after(b.t, 1, 4), author, 'SUBMIT', {});
  times.submittedAt = b.t;

  const authority = competentAuthority(ctx, provider);
  for (let round = 0; ; round++) {
    const at = b.respond(b.due('policyDefault'));
    const reviewer = staff(ctx, authority);
    if (round < 2 && random.chance(round === 0 ? 0.25 : 0.1)) {
      b.do(at, reviewer, 'RETURN', {
        reasons: random.sample(['字段说明不完整，请补充各字段的取值含义。', '覆盖时间范围与实际数据不符。', '开放条件表述不明确。', '更新频率与数据实际更新情况不一致。'], random.int(1, 2)),
        opinion: '请按意见修改后重新提交。',
      });
      b.do(timing.after(b.t, 2, 8), author, 'UPDATE_DRAFT', { fields: [...input.fields, { name: 'updateTime', description: '数据更新时间' }] });
      // 第九条(一), 第二十二条: a new field is reviewed, and its rules set, before the entry is submitted again
      b.do(timing.after(b.t, 0, 2), author, 'RECORD_SECURITY_REVIEW', { passed: true, notes: '新增字段经复审，符合开放要求。' });
      b.do(timing.after(b.t, 0, 1), author, 'SET_DESENSITIZATION_RULES', rules);
      b.do(timing.after(b.t, 0, 2), author, 'SUBMIT', {});
      continue;
    }
    b.do(at, reviewer, 'APPROVE', { opinion: random.pick(['目录规范，数据格式符合要求，同意发布。', '经审查符合开放要求，同意开放。', '同意发布。']) });
    times.publishedAt = b.t;
    break;
  }
  if (random.chance(0.06)) {
    const who = random.chance(0.7) ? author : staff(ctx, authority);
    b.do(timing.after(b.t, 20, 120), who, 'WITHDRAW', { reason: random.pick(['统计口径调整，原数据停止更新。', '数据源系统迁移，暂停开放待重新发布。', '发现部分数据涉及商业秘密，撤回后重新审查。']) });
  }
}

function datasetRelease(ctx: Context): void {
  const provider = pickProvider(ctx);
  const b = new CaseBuilder(ctx, 'datasetRelease', stallIndex(ctx.random, 2));
  planRelease(ctx, b, provider, ctx.timing.workingDay(atLocal(randomDay(ctx), 0), 0));
}

// ── conditionalApplication ──────────────────────────────────────────────────────────────

function conditionalApplication(ctx: Context): void {
  const { random, timing } = ctx;
  // 有条件开放的数据: only a provider that opens some conditionally is applied to.
  const isConditional = (d: Dataset) => d.template.conditions !== undefined;
  const provider = pickProvider(ctx, pickRegion(ctx), 0.12, (p) => p.datasets.some(isConditional));
  const conditional = provider.datasets.filter(isConditional);
  const dataset: Dataset = random.pick(conditional.length > 0 ? conditional : provider.datasets);
  const domain = DOMAINS[provider.domain];
  const applicant = pickApplicant(ctx, provider.org.region);
  const b = new CaseBuilder(ctx, 'conditionalApplication', stallIndex(random, 5));
  b.plan.applicant = applicant;
  const authority = competentAuthority(ctx, provider);
  const providerStaff = staff(ctx, provider);

  const submitted = timing.submission(randomDay(ctx));
  const startDate = dateOf(submitted);
  const useFrom = addDays(startDate, random.int(20, 45));
  const useTo = addDays(addMonths(useFrom, random.pick([3, 4, 6, 6, 9, 12, 12, 18])), -1);
  const modes = dataset.template.modes.includes('privacyComputing') ? ['privacyComputing'] : dataset.template.modes.includes('api') ? ['api', 'file'] : ['file'];
  const cityShort = ctx.world.authorityOf(cityOf(applicant.city)).regionName.replace(/市$/, '');
  b.start(submitted, applicant.actor, {
    resource: {
      datasetRef: dataset.ref,
      name: dataset.title,
      providerOrg: provider.org.code,
      serviceMode: random.pick(modes),
      coverage: { region: provider.org.region, period: { from: '2022-01-01', to: lastYearEnd(startDate) } },
    },
    applicant: applicant.form,
    service: { name: `${cityShort}${random.pick(domain.services)}`, domain: domain.label },
    usePeriod: { from: useFrom, to: useTo },
    scenarios: random.sample(domain.scenarios, random.int(1, 3)).map((description) => ({ description })),
    serviceStandards: {
      scope: `${provider.regionName}全域`,
      users: random.pick([200, 500, 1000, 3000, 5000, 20000]),
      concurrency: random.pick([10, 20, 50, 100, 200]),
      responseTime: random.pick(['95% 的请求在 2 秒内响应', '平均响应时间不超过 1 秒', '批量文件 T+1 交付']),
    },
    expectedBenefits: random.pick(domain.benefits),
    securityCommitment: { signed: true, signedAt: iso(submitted - random.int(10, 48 * 60) * MINUTE), signatory: applicant.form.contact.name },
    eligibility: {
      realNameVerified: true,
      creditCheck: { dishonestDebtor: false, seriouslyDishonestEnterprise: false, checkedAt: iso(submitted - random.int(1, 90) * MINUTE) },
    },
  });

  // 材料规范性审查 (5 wd), 开放主体审核 (10 wd); the applicant may withdraw meanwhile.
  for (const [stage, pass, fail, failShare, failReasons] of [
    ['conditionalApplication.normativeReview', 'PASS_NORMATIVE_REVIEW', 'FAIL_NORMATIVE_REVIEW', 0.08, ['应用场景描述不完整，未说明数据使用范围。', '未上传加盖公章的申请表扫描件。', '申请使用期限与服务内容不匹配。']],
    ['conditionalApplication.providerReview', 'APPROVE', 'REJECT', 0.12, ['申请用途超出开放条件规定的使用范围。', '申请的并发量超出平台接口服务能力。', '申请主体数据安全保障能力证明材料不足。']],
  ] as const) {
    const at = b.respond(b.due(stage));
    const reviewer = stage.endsWith('normativeReview') ? staff(ctx, authority) : providerStaff;
    if (random.chance(0.03)) {
      b.do(at, applicant.actor, 'WITHDRAW', random.chance(0.5) ? { reason: '项目调整，暂不需要该数据。' } : {});
      return;
    }
    if (random.chance(failShare)) {
      b.do(at, reviewer, fail, { reason: random.pick(failReasons) });
      return;
    }
    b.do(at, reviewer, pass, random.chance(0.7) ? { opinion: pass === 'APPROVE' ? '符合开放条件，同意提供。' : '申请材料齐全、规范。' } : {});
  }


  // 签订协议 (policy, 10 wd): the agreed use lies within the requested period (附录3、附录5 协议二(二)).
  const signAt = b.respond(b.due('policyDefault'));
  const signDate = dateOf(signAt);
  const agreedFrom = signDate > useFrom && signDate <= useTo ? signDate : useFrom;
  const shorter = addDays(addMonths(useTo, -1), 0);
  const agreedTo = random.chance(0.2) && shorter >= agreedFrom ? shorter : useTo;
  const year = signDate.slice(0, 4);
  const agreementNo = `${REGION_ABBR[cityOf(provider.org.region)] ?? 'SD'}${DOMAIN_ABBR[provider.domain] ?? 'SJ'}-KF-${year}-${String(b.plan.index % 1000).padStart(3, '0')}`;
  const destructionDays = random.pick([15, 30, 30, 60]);
  const resultsDueMonths = random.pick([3, 6, 6, 12]);
  b.do(signAt, providerStaff, 'SIGN_AGREEMENT', {
    agreementNo,
    purpose: `${dataset.title}用于${domain.label}领域数据分析与应用服务`,
    useFrom: agreedFrom,
    useTo: agreedTo,
    destructionDays,
    resultsDueMonths,
  });
  // 开通权限 (policy, 10 wd); the competent authority is told (an information task).
  // 附录5 协议二(二): access is opened within the agreed use, not before it begins (nor after it ends).
  const answered = b.respond(b.due('policyDefault'));
  const grantAt = dateOf(answered) >= agreedFrom ? answered : ctx.timing.workingDay(atLocal(agreedFrom, 0), 0);
  if (dateOf(grantAt) > agreedTo) throw new Stop();
  b.do(grantAt, providerStaff, 'GRANT_ACCESS', random.chance(0.6) ? { note: random.pick(['已在开放平台开通接口调用权限。', '已开通数据沙箱账号。', '已通过隐私计算平台授权。']) } : {});
  planUse(ctx, b, { applicant, providerStaff, authority, agreementNo, useFrom: agreedFrom, useTo: agreedTo, destructionDays, resultsDueMonths });
}

interface UseTerms {
  applicant: DemoApplicant;
  providerStaff: Actor;
  authority: Authority;
  agreementNo: string;
  useFrom: string;
  useTo: string;
  destructionDays: number;
  resultsDueMonths: number;
}

/**
 * 使用中: quarterly usage reports and the results report by the applicant; the use ends at `useTo`
 * (the scheduler's nightly run expires it), after a renewal, or early — suspended after a security
 * incident, or terminated; then the applicant destroys the data within the agreed days.
 */
function planUse(ctx: Context, b: CaseBuilder, terms: UseTerms): void {
  const { random, timing, calendar } = ctx;
  const grantedAt = b.t;
  const items: { at: number; actor: Actor; type: string; data: unknown }[] = [];
  const windows: [number, number][] = [];
  let useTo = terms.useTo;
  let endAt: number | undefined;
  let open = false; // left waiting (a renewal never decided)
  const span = Math.max(DAY, endOfDate(useTo) - grantedAt);
  const within = (lo: number, hi: number) => timing.workingDay(grantedAt + span * (lo + random.next() * (hi - lo)), 0);
  const officer = () => (random.chance(0.75) ? terms.providerStaff : staff(ctx, terms.authority));
  // A suspension, resumption or stop of the service by one of them; the provider takes note of the
  // competent authority's within a working day (附录4 承诺书六; v13).
  const decide = (at: number, type: 'SUSPEND' | 'RESUME' | 'TERMINATE', data: StepData) => {
    const actor = officer();
    items.push({ at, actor, type, data });
    if (actor.role === 'authority') items.push({ at: timing.after(at, 0, 1), actor: terms.providerStaff, type: 'ACKNOWLEDGE_SERVICE_NOTICE', data: { command: type } });
  };
  // 第十四条(三): the competent authority takes note that access was granted, most within a few working
  // days; some notices are left in its inbox, as a busy bureau leaves them.
  if (random.chance(0.85)) items.push({ at: timing.after(grantedAt, 0, 3), actor: staff(ctx, terms.authority), type: 'ACKNOWLEDGE_ACCESS_NOTICE', data: {} });

  const fate = random.weighted([['expire', 0.56], ['renew', 0.2], ['incident', 0.13], ['terminate', 0.11]] as const);
  const renewalAt = timing.workingDay(atLocal(addDays(useTo, -random.int(20, 45)), 0), 0);
  if (fate === 'renew' && renewalAt > grantedAt + 10 * DAY) {
    const newUseTo = addMonths(useTo, random.pick([6, 12]));
    items.push({ at: renewalAt, actor: terms.applicant.actor, type: 'REQUEST_RENEWAL', data: { newUseTo } });
    windows.push([grantedAt, renewalAt]);
    try {
      const decidedAt = b.respond(b.due('policyDefault', renewalAt), renewalAt);
      if (dateOf(decidedAt) > useTo) {
        // Not decided before the end of use: it lapses under review (附录5 协议二(二), v2).
        endAt = nextNightlyRun(endOfDate(useTo));
        windows.push([renewalAt, endAt]);
      } else {
        if (random.chance(0.75)) {
          items.push({ at: decidedAt, actor: terms.providerStaff, type: 'APPROVE_RENEWAL', data: {} });
          useTo = newUseTo;
        } else {
          items.push({ at: decidedAt, actor: terms.providerStaff, type: 'REJECT_RENEWAL', data: { reason: random.pick(['该数据集拟调整为无条件开放，无需续签。', '前期数据利用情况报告不完整，暂不续签。']) } });
        }
        endAt = nextNightlyRun(Math.max(endOfDate(useTo), decidedAt));
        windows.push([decidedAt, endAt]);
      }
    } catch (err) {
      if (!(err instanceof Stop)) throw err;
      open = true;
    }
  } else if (fate === 'incident') {
    const reportedAt = within(0.15, 0.5);
    const suspendedAt = timing.after(reportedAt, 1, 3);
    items.push({ at: reportedAt, actor: terms.applicant.actor, type: 'REPORT_SECURITY_INCIDENT', data: { description: random.pick(['发现一名外包人员越权导出数据，已停用其账号并开展排查。', '接口调用密钥疑似泄露，已重置密钥并排查调用日志。', '测试环境误存一批原始数据，已删除并开展安全检查。']) } });
    // The provider takes note of the report in its inbox (第五条; v8), within a working day; so does the
    // 本级 competent authority, told of it too (附录4 承诺书五; v9).
    items.push({ at: timing.after(reportedAt, 0, 1), actor: terms.providerStaff, type: 'ACKNOWLEDGE_SECURITY_INCIDENT', data: {} });
    items.push({ at: timing.after(reportedAt, 0, 1), actor: staff(ctx, terms.authority), type: 'ACKNOWLEDGE_INCIDENT_NOTICE', data: {} });
    decide(suspendedAt, 'SUSPEND', { reason: '利用主体报告数据安全问题，暂停服务待排查整改。' });
    windows.push([grantedAt, suspendedAt]);
    if (random.chance(0.6)) {
      const resumedAt = timing.after(suspendedAt, 5, 15);
      decide(resumedAt, 'RESUME', {});
      endAt = nextNightlyRun(Math.max(endOfDate(useTo), resumedAt));
      windows.push([resumedAt, endAt]);
    } else {
      endAt = timing.after(suspendedAt, 3, 10);
      decide(endAt, 'TERMINATE', { reason: '整改不到位，依据安全承诺书停止数据开放服务。' });
    }
  } else if (fate === 'terminate') {
    endAt = within(0.2, 0.7);
    decide(endAt, 'TERMINATE', { reason: random.pick(['利用主体将数据提供给非授权第三方，违反安全承诺书。', '利用主体超出协议约定用途使用数据。', '利用主体申请提前终止协议。']) });
    windows.push([grantedAt, endAt]);
  } else {
    endAt = nextNightlyRun(endOfDate(useTo));
    windows.push([grantedAt, endAt]);
  }
  const active = (at: number) => windows.some(([from, to]) => at > from + MINUTE && at < to - MINUTE);

  // 报告数据利用情况, every quarter.
  const firstDay = dateOf(grantedAt) > terms.useFrom ? dateOf(grantedAt) : terms.useFrom;
  for (let quarterEnd = quarterEndOf(firstDay); quarterEnd <= useTo; quarterEnd = quarterEndOf(addDays(quarterEnd, 1))) {
    if (!random.chance(0.85)) continue;
    const at = timing.after(atLocal(quarterEnd, 20 * 60), 1, 10);
    const from = [firstDay, quarterStartOf(quarterEnd)].sort()[1]!;
    const to = quarterEnd < useTo ? quarterEnd : useTo;
    if (!active(at) || from > to) continue;
    items.push({
      at,
      actor: terms.applicant.actor,
      type: 'REPORT_USAGE',
      data: { period: { from, to }, summary: `本期累计调用数据 ${random.int(1, 80)} 万次，服务用户 ${random.int(100, 8000)} 人，未发现数据安全问题。` },
    });
    // The provider takes note of it in its inbox (第十六条 定期告知开放主体; v14), most within a week; some
    // are left there, as a busy unit leaves them, and noted with the next.
    if (random.chance(0.8)) items.push({ at: timing.after(at, 0, 5), actor: terms.providerStaff, type: 'ACKNOWLEDGE_USAGE', data: {} });
  }
  // 反馈数据应用成果: results are due `resultsDueMonths` after access was granted.
  const resultsDue = calendar.monthsDeadline(iso(grantedAt), terms.resultsDueMonths).dueDate;
  const outcome = random.weighted([['onTime', 0.7], ['late', 0.15], ['never', 0.15]] as const);
  if (outcome !== 'never') {
    const at =
      outcome === 'onTime'
        ? timing.workingDay(grantedAt + (endOfDate(resultsDue) - grantedAt) * (0.4 + 0.55 * random.next()), 0)
        : timing.after(atLocal(resultsDue, 0), 1, 20);
    if (active(at)) {
      items.push({ at, actor: terms.applicant.actor, type: 'REPORT_RESULTS', data: { results: random.pick(['应用已上线运行，服务用户逾 3 千人，已在开放平台发布应用成果。', '完成分析模型研发并形成研究报告 1 份，已报送开放主体。', '平台试运行期间处理查询 12 万次，相关成果已在开放平台展示。']) } });
      // The provider and the 本级 competent authority take note of them in their inboxes (附录5 协议二(三)3; v12).
      items.push({ at: timing.after(at, 0, 3), actor: terms.providerStaff, type: 'ACKNOWLEDGE_RESULTS', data: {} });
      items.push({ at: timing.after(at, 0, 5), actor: staff(ctx, terms.authority), type: 'ACKNOWLEDGE_RESULTS_NOTICE', data: {} });
    }
  }

  items.sort((x, y) => x.at - y.at);
  for (const item of items) b.do(item.at, item.actor, item.type, item.data);
  if (open || endAt === undefined) return;

  // 销毁数据: within `destructionDays` calendar days of the end of use (附录5 协议二(二)).
  b.waitUntil(endAt);
  const due = calendar.calendarDeadline(iso(endAt), terms.destructionDays).dueDate;
  b.do(b.respond(due, endAt), terms.applicant.actor, 'CONFIRM_DESTRUCTION', {
    method: random.pick(['自行销毁：数据库记录删除并覆写存储介质', '委托第三方机构销毁并出具证明', '物理销毁存储介质']),
    evidence: `销毁记录单 ${terms.agreementNo.replace('-KF-', '-XH-')}（附截图及日志）`,
  });
}

function quarterEndOf(date: string): string {
  const year = date.slice(0, 4);
  const month = Number(date.slice(5, 7));
  return [`${year}-03-31`, `${year}-06-30`, `${year}-09-30`, `${year}-12-31`][Math.floor((month - 1) / 3)]!;
}

function quarterStartOf(quarterEnd: string): string {
  return `${quarterEnd.slice(0, 5)}${String(Number(quarterEnd.slice(5, 7)) - 2).padStart(2, '0')}-01`;
}

// ── unopenedDataRequest ─────────────────────────────────────────────────────────────────

function unopenedDataRequest(ctx: Context): void {
  const { random, timing } = ctx;
  const region = pickRegion(ctx);
  const provider = pickProvider(ctx, region, 0);
  const domain = DOMAINS[provider.domain];
  const wanted = random.pick(domain.wanted);
  const applicant = pickApplicant(ctx, region);
  const regionName = ctx.world.authorityOf(region).regionName;
  const b = new CaseBuilder(ctx, 'unopenedDataRequest', stallIndex(random, 3));
  b.plan.applicant = applicant;
  const submitted = timing.submission(randomDay(ctx));
  const from = addDays(dateOf(submitted), random.int(30, 60));
  b.start(submitted, applicant.actor, {
    resourceName: `${regionName}${wanted.name}`,
    ...(random.chance(0.7) ? { owningDepartment: provider.org.name } : {}),
    dataItems: [...wanted.items],
    serviceMode: random.pick(['api', 'file', 'api', 'other']),
    coverage: { region },
    addressedRegion: region,
    applicant: applicant.form,
    need: wanted.need,
    usePeriod: { from, to: addDays(addMonths(from, 12), -1) },
    scenarios: [{ description: wanted.need }, ...random.sample(domain.scenarios, random.int(0, 1)).map((description) => ({ description }))],
  });

  // 规范性审查 (市级以上, 10 wd)
  const authority = cityOrAbove(ctx, region);
  const reviewedAt = b.respond(b.due('unopenedDataRequest.normativeReview'));
  if (random.chance(0.1)) {
    b.do(reviewedAt, staff(ctx, authority), 'FAIL_NORMATIVE_REVIEW', { reason: random.pick(['未填写数据项，无法确定需求范围。', '需求描述与申请的数据无关联。', '申请表联系信息不完整。']) });
    return;
  }
  b.do(reviewedAt, staff(ctx, authority), 'PASS_NORMATIVE_REVIEW', { providerOrg: provider.org.code, opinion: `材料规范，转${provider.org.name}论证。` });

  // 数据需求论证 (provider, 15 wd)
  const providerStaff = staff(ctx, provider);
  const concludedAt = b.respond(b.due('unopenedDataRequest.feasibilityReview'));
  const conclusion = random.weighted([['alreadyOpen', 0.22], ['notOpenable', 0.2], ['openable', 0.58]] as const);
  if (conclusion === 'alreadyOpen') {
    b.do(concludedAt, providerStaff, 'CONCLUDE_ALREADY_OPEN', {
      datasetRef: random.pick(provider.datasets).ref,
      howToObtain: '该数据已在山东公共数据开放网开放，可登录后通过数据接口或文件下载获取。',
    });
    return;
  }
  if (conclusion === 'notOpenable') {
    b.do(concludedAt, providerStaff, 'CONCLUDE_NOT_OPENABLE', { reason: random.pick(['数据涉及个人隐私，且无法有效脱敏，依法不予开放。', '数据涉及安全管理信息，依法不予开放。', '数据尚在汇聚治理中，质量不满足开放要求。']) });
    return;
  }
  b.do(concludedAt, providerStaff, 'CONCLUDE_OPENABLE', { plan: `经论证可以开放，拟以${random.pick(['数据服务接口', '文件下载'])}方式于 20 个工作日内在开放平台发布。` });

  // 开放 (provider, 20 wd): a dataset already published, or a release case that is published later.
  if (random.chance(0.45)) {
    const openedAt = b.respond(b.due('unopenedDataRequest.openingPending'));
    b.do(openedAt, providerStaff, 'MARK_OPENED', { datasetRef: `sd-open-${provider.org.code}-${String(1000 + b.plan.index).padStart(4, '0')}` });
    return;
  }
  const release = new CaseBuilder(ctx, 'datasetRelease', stallIndex(random, 2));
  const times: ReleaseTimes = {};
  const template: DatasetTemplate = {
    name: wanted.name,
    fields: wanted.items.map((item, i) => [`item${i + 1}`, item] as const),
    frequency: 'daily',
    personal: false,
    modes: ['api', 'download'],
  };
  try {
    planRelease(ctx, release, provider, timing.after(b.t, 1, 3), { template, title: `${regionName}${wanted.name}` }, times);
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
  }
  if (times.startedAt === undefined) throw new Stop();
  const ready = times.submittedAt ?? times.startedAt;
  let markedAt: number;
  if (times.publishedAt === undefined || random.chance(0.3)) {
    markedAt = timing.after(times.publishedAt ?? ready, 0, 3);
  } else {
    // While the release is under review: a working day between submission and publication.
    const published = times.publishedAt;
    const span = ctx.calendar.workingDaysBetween(dateOf(ready), dateOf(published));
    const candidates = Array.from({ length: span + 1 }, (_, k) => timing.workingDay(ready, k)).filter((at) => at > ready && at < published);
    markedAt = candidates.length > 0 ? random.pick(candidates) : Math.max(ready + MINUTE, published - MINUTE);
  }
  const releasePlan = release.plan;
  b.do(markedAt, providerStaff, 'MARK_OPENED', () => ({ datasetReleaseCaseId: releasePlan.caseId }));
}

// ── listAdjustment ──────────────────────────────────────────────────────────────────────

function listAdjustment(ctx: Context): void {
  const { random, timing } = ctx;
  const provider = pickProvider(ctx);
  const domain = DOMAINS[provider.domain];
  const author = staff(ctx, provider);
  const b = new CaseBuilder(ctx, 'listAdjustment', stallIndex(random, 2));
  const startAt = timing.workingDay(atLocal(randomDay(ctx), 0), 0);
  const startDate = dateOf(startAt);
  const cause = random.chance(0.6) ? 'dutyChange' : 'lawChange';
  const changesOf = () =>
    random.sample(['add', 'add', 'modify', 'remove'] as const, random.int(1, 3)).map((action) => {
      if (action === 'add') return { action, datasetName: `${provider.regionName}${random.pick(domain.additions)}`, detail: '新增为无条件开放，按月更新。' };
      const dataset = random.pick(provider.datasets);
      return action === 'modify'
        ? { action, datasetName: dataset.title, detail: random.pick(['更新频率由季度调整为月度。', '开放属性由有条件开放调整为无条件开放。', '补充开放字段。']) }
        : { action, datasetName: dataset.title, detail: '相关职能已划出本单位，移交承接单位开放。' };
    })
      // One change a dataset (第八条第二款; the form refuses a repeat): a second pick of the same one is dropped.
      .filter((change, i, all) => all.findIndex((c) => c.datasetName === change.datasetName) === i);
  b.start(startAt, author, {
    providerOrg: provider.org.code,
    listYear: Number(startDate.slice(0, 4)) + (startDate.slice(5, 7) >= '11' && random.chance(0.5) ? 1 : 0),
    cause,
    basis:
      cause === 'dutyChange'
        ? `根据${provider.regionName}机构改革方案，${domain.label}领域部分职能调整，本单位数据资源相应变化。`
        : random.pick(['《山东省公共数据开放办法》修订施行，开放要求相应调整。', '《中华人民共和国个人信息保护法》施行，部分数据开放属性需调整。', '《山东省大数据发展促进条例》相关条款修订。']),
    changes: changesOf(),
  });
  const authority = cityOrAbove(ctx, provider.org.region);
  for (let round = 0; ; round++) {
    const at = b.respond(b.due('policyDefault'));
    const reviewer = staff(ctx, authority);
    const decision = random.weighted([['approve', 0.62], ['return', round < 2 ? 0.24 : 0], ['reject', 0.14]] as const);
    if (decision === 'approve') {
      b.do(at, reviewer, 'APPROVE', random.chance(0.6) ? { opinion: '调整理由充分，同意调整。' } : {});
      return;
    }
    if (decision === 'reject') {
      b.do(at, reviewer, 'REJECT', { reason: random.pick(['调整依据不属于法律、法规修改或者职能职责变更。', '拟删除的数据仍属本单位职责范围，不同意调整。']) });
      return;
    }
    b.do(at, reviewer, 'RETURN', { opinion: random.pick(['请补充职能划转的文件依据。', '请逐项说明调整原因。', '新增数据集请明确开放属性和更新频率。']) });
    if (random.chance(0.05)) return; // 修改中，迟迟未重新提交（无期限）
    b.do(timing.after(b.t, 2, 10), author, 'RESUBMIT', { changes: changesOf() });
  }
}

// ── objection ───────────────────────────────────────────────────────────────────────────

const OBJECTION_TEXT = {
  error: ['数据中部分记录数值为负数，疑为统计错误。', '部分记录的地址与实际不符。', '数据的统计口径与说明不一致。'],
  omission: ['缺少近两个月的数据。', '部分区县的数据缺失。', '字段说明中列出的字段在文件中不存在。'],
  infringement: ['数据中包含本人联系电话，未做脱敏处理，侵犯个人信息权益。', '数据公开了本企业的商业秘密信息。'],
  suggestion: ['建议增加数据接口的分页查询功能。', '建议提供 CSV 以外的 JSON 格式下载。', '建议将更新频率提高到每日。'],
} as const;

const RESPONSES: Record<keyof typeof OBJECTION_TEXT, readonly (readonly [string, string])[]> = {
  error: [['corrected', '经核查为数据汇聚错误，已更正并重新发布。'], ['partiallyCorrected', '部分问题已更正，其余为统计口径差异，已在说明中注明。'], ['notCorrected', '经核查数据无误，系统计口径理解差异，已在说明中补充解释。']],
  omission: [['corrected', '已补齐缺失数据并重新发布。'], ['partiallyCorrected', '已补齐部分数据，其余数据尚在汇聚中。'], ['notCorrected', '缺失部分属于不予开放范围。']],
  infringement: [['corrected', '已对相关字段进行脱敏处理并重新发布。'], ['partiallyCorrected', '已删除涉及的记录，其余字段经审查不涉及个人信息。']],
  suggestion: [['adopted', '建议已采纳，将在下一版本中实现。'], ['notAdopted', '暂不具备实施条件，将在后续规划中统筹考虑。']],
};

function objection(ctx: Context): void {
  const { random, timing } = ctx;
  const provider = pickProvider(ctx);
  const dataset = random.pick(provider.datasets);
  const applicant = pickApplicant(ctx, provider.org.region);
  const kind = random.weighted([['error', 0.38], ['omission', 0.2], ['infringement', 0.1], ['suggestion', 0.32]] as const);
  const b = new CaseBuilder(ctx, 'objection', stallIndex(random, 1));
  b.plan.applicant = applicant;
  b.start(timing.submission(randomDay(ctx)), applicant.actor, {
    datasetRef: dataset.ref,
    datasetName: dataset.title,
    providerOrg: provider.org.code,
    kind,
    description: `${dataset.title}：${random.pick(OBJECTION_TEXT[kind])}`,
    ...(random.chance(0.6) ? { evidence: [`下载文件 ${dataset.ref}.csv 第 ${random.int(2, 400)} 行`, '页面截图'] } : {}),
  });
  const at = b.respond(b.due('objection.handling'));
  const [outcome, explanation] = random.pick(RESPONSES[kind]);
  b.do(at, staff(ctx, provider), 'RESPOND', { outcome, explanation });
}

// ── The year ────────────────────────────────────────────────────────────────────────────

const PLANNERS: Record<ProcessName, (ctx: Context) => void> = {
  datasetRelease,
  conditionalApplication,
  unopenedDataRequest,
  listAdjustment,
  objection,
};

export interface PlanOptions {
  cases: number;
  seed: number;
  now: Date;
  calendar: WorkingDayCalendar;
  /** The first day of the demo's year (default 2025-01-02). */
  firstDay?: string;
}

/** Plans about `cases` cases (a release opened for an unopened-data request counts too), and the scheduler's nightly runs. */
export function planDemo(world: World, options: PlanOptions): Plan {
  const random = new Random(options.seed);
  const ctx: Context = {
    world,
    random,
    timing: new Timing(options.calendar, random),
    calendar: options.calendar,
    now: options.now.getTime(),
    steps: [],
    cases: [],
    firstDay: options.firstDay ?? '2025-01-02',
  };
  const quota = PROCESSES.flatMap((process) => Array.from({ length: Math.max(1, Math.round(SHARES[process] * options.cases)) }, () => process));
  for (const process of random.sample(quota, quota.length)) {
    if (ctx.cases.length >= options.cases) break;
    try {
      PLANNERS[process](ctx);
    } catch (err) {
      // The case's next step lies after now, or it is left open: its plan ends there.
      if (!(err instanceof Stop) && (err as { code?: string }).code !== 'CALENDAR_NOT_COVERED') throw err;
    }
  }
  // The scheduler's nightly runs (00:05 Asia/Shanghai), from the first day to today.
  for (let day = ctx.firstDay; atLocal(day, 5) <= ctx.now; day = addDays(day, 1)) {
    ctx.steps.push({ at: atLocal(day, 5), seq: ctx.steps.length, kind: 'nightly' });
  }
  const started = new Set(ctx.steps.filter((s) => s.kind === 'start').map((s) => s.plan));
  const steps = ctx.steps.filter((s) => s.kind === 'nightly' || (s.plan && started.has(s.plan))).sort((x, y) => x.at - y.at || x.seq - y.seq);
  return { cases: ctx.cases.filter((c) => started.has(c)), steps };
}
