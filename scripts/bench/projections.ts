/**
 * `npm run bench:projections`: the read models against a raw read of the same log.
 *
 *   setup     1,000,000 engine-shaped events (metadata as engine/engine.ts stamps it: tasks opened
 *             and closed with deadlines from the real calendar, parties, summary, hash chain) for a
 *             few hundred thousand cases of the five processes, simulated in time order and written
 *             straight into a SqliteEventStore's table (synchronous=OFF, for a fast setup)
 *   (a) raw   readAll of every event through the adapter, data and metadata parsed: events/s (best of 2)
 *   (b) rebuild  every read model dropped and rebuilt from position 0 into the store's file, as
 *             `openReadModels` does by default (worker threads, one per core up to 4, each folding
 *             a share of the cases into a scratch file, then copied in): events/s
 *   (c) overdue  the overdue report at the end of the log (≈100,000 open tasks), once the rebuild's
 *             write-ahead log is checkpointed into the file: p50 of 20 runs; then as a provincial
 *             and a city supervisor pull it (their region's): p50 of 10 runs each; and the
 *             province's as GET /v1/reports/overdue makes it (in turns, written as JSON in pieces):
 *             the longest the event loop is held meanwhile, worst of 5 (beside the same watch over
 *             the report made in one go, and over an idle wait)
 *
 * Progress goes to stderr. The last line of stdout is one JSON object (the rebuild's parts in seconds:
 * folding in workers, copying their tables into the store's file, making the query indexes):
 * {"name":"projections-rebuild","value":<rebuild events/s>,"unit":"events/s","baseline":<raw read events/s>,"ratio":<value/baseline>,"rebuildFoldS":<s>,"rebuildCopyS":<s>,"rebuildIndexesS":<s>,"overdueP50Ms":<ms>,"overdueProvinceP50Ms":<ms>,"overdueCityP50Ms":<ms>,"overdueProvinceLongestBlockMs":<ms>,"openTasks":<n>}
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultCalendar, type Deadline, type WorkingDayCalendar } from '../../calendars/index.js';
import { cityOf, Directory, PROVINCE_REGION } from '../../directory/index.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { allTasks } from '../../machines/describe.js';
import { registry } from '../../machines/registry.js';
import { openReadModels, type RebuildPhase, type TaskFacts } from '../../projections/index.js';
import { prng } from './prng.js';
import { elapsedMs, systemClock } from '../../infra/clock.js';
import { nextTurn } from '../../infra/turn.js';

// ── A deterministic generator of engine-shaped histories ───────────────────────────────────

type Scope = 'provider' | 'competentAuthority' | 'cityOrAbove' | 'applicant';
type DueRule = { wd: number; basis: 'statute' | 'policy'; article?: string } | { days: number } | { months: number };

interface TaskTpl {
  stage: string;
  label: string;
  role: 'provider' | 'authority' | 'applicant';
  scope: Scope;
  due?: DueRule;
}

interface StepTpl {
  command: string;
  type: string;
  stateAfter: string;
  /** Tasks the step opens (the new state's task, and any the command opens). */
  opens: TaskTpl[];
  /** Stages it closes; `*` closes every open task (a final state). */
  closes: string[];
  final?: boolean;
  actor: Scope | 'system';
}

interface ProcessTpl {
  name: string;
  startedBy: 'provider' | 'applicant';
  /** Addressed to the applicant's city (第十五条): the provider is named only once the request is forwarded. */
  addressedToCity?: boolean;
  /** Put before a case's title (an objection's). */
  titlePrefix?: string;
  /** Alternative paths, chosen at random; the first step is the start. */
  paths: StepTpl[][];
  data: (r: () => number, n: number) => unknown;
}

const policy = { wd: 10, basis: 'policy' } as const;
const T = {
  drafting: { stage: 'drafting', label: '编制目录、安全审查、确定脱敏规则并提交开放数据', role: 'provider', scope: 'provider' },
  underReview: { stage: 'underReview', label: '开放数据目录规范性审查', role: 'authority', scope: 'competentAuthority', due: policy },
  caNormative: { stage: 'normativeReview', label: '有条件开放数据申请材料规范性审查', role: 'authority', scope: 'competentAuthority', due: { wd: 5, basis: 'statute', article: '第十四条(二)' } },
  caProvider: { stage: 'providerReview', label: '审核有条件开放数据获取申请', role: 'provider', scope: 'provider', due: { wd: 10, basis: 'statute', article: '第十四条(二)' } },
  agreement: { stage: 'agreementPending', label: '签订公共数据开放利用协议', role: 'provider', scope: 'provider', due: policy },
  access: { stage: 'accessPending', label: '开通有条件开放数据使用权限', role: 'provider', scope: 'provider', due: policy },
  results: { stage: 'resultsReport', label: '反馈数据应用成果', role: 'applicant', scope: 'applicant', due: { months: 6 } },
  notice: { stage: 'accessGrantedNotice', label: '知悉：已开通有条件开放数据使用权限', role: 'authority', scope: 'competentAuthority' },
  destruction: { stage: 'destructionPending', label: '协议终止后销毁数据并确认', role: 'applicant', scope: 'applicant', due: { days: 30 } },
  udNormative: { stage: 'normativeReview', label: '未开放数据需求规范性审查', role: 'authority', scope: 'cityOrAbove', due: { wd: 10, basis: 'statute', article: '第十五条' } },
  feasibility: { stage: 'feasibilityReview', label: '论证数据开放可行性', role: 'provider', scope: 'provider', due: { wd: 15, basis: 'statute', article: '第十五条' } },
  opening: { stage: 'openingPending', label: '开放经论证可开放的数据', role: 'provider', scope: 'provider', due: { wd: 20, basis: 'statute', article: '第十五条' } },
  laReview: { stage: 'review', label: '审核开放清单调整申请', role: 'authority', scope: 'cityOrAbove', due: policy },
  revising: { stage: 'revising', label: '按审核意见修改清单调整申请', role: 'provider', scope: 'provider' },
  handling: { stage: 'handling', label: '处理异议与建议并答复', role: 'provider', scope: 'provider', due: { wd: 10, basis: 'statute', article: '第十六条第二款' } },
} satisfies Record<string, TaskTpl>;

const step = (command: string, type: string, stateAfter: string, actor: StepTpl['actor'], opens: TaskTpl[], closes: string[], final = false): StepTpl => ({
  command,
  type,
  stateAfter,
  actor,
  opens,
  closes,
  ...(final ? { final } : {}),
});

const START = (type: string, state: string, by: 'provider' | 'applicant', task: TaskTpl) => step('START', type, state, by, [task], []);

const PROCESSES: ProcessTpl[] = [
  {
    name: 'datasetRelease',
    startedBy: 'provider',
    paths: [
      [
        START('DatasetDrafted', 'drafting', 'provider', T.drafting),
        step('RECORD_SECURITY_REVIEW', 'SecurityReviewRecorded', 'drafting', 'provider', [], []),
        step('SET_DESENSITIZATION_RULES', 'DesensitizationRulesSet', 'drafting', 'provider', [], []),
        step('SUBMIT', 'Submitted', 'underReview', 'provider', [T.underReview], ['drafting']),
        step('APPROVE', 'Approved', 'published', 'competentAuthority', [], ['underReview']),
      ],
      [
        START('DatasetDrafted', 'drafting', 'provider', T.drafting),
        step('SUBMIT', 'Submitted', 'underReview', 'provider', [T.underReview], ['drafting']),
        step('RETURN', 'Returned', 'drafting', 'competentAuthority', [T.drafting], ['underReview']),
        step('SUBMIT', 'Submitted', 'underReview', 'provider', [T.underReview], ['drafting']),
        step('APPROVE', 'Approved', 'published', 'competentAuthority', [], ['underReview']),
        step('WITHDRAW', 'Withdrawn', 'withdrawn', 'provider', [], ['*'], true),
      ],
    ],
    data: (r, n) => ({ title: `山东省公共数据集 ${n}`, description: '按月更新的统计数据，按区县和类别分类汇总。', serviceModes: ['download', 'api'], containsPersonalInfo: r() < 0.1 }),
  },
  {
    name: 'conditionalApplication',
    startedBy: 'applicant',
    paths: [
      [
        START('ApplicationSubmitted', 'normativeReview', 'applicant', T.caNormative),
        step('PASS_NORMATIVE_REVIEW', 'NormativeReviewPassed', 'providerReview', 'competentAuthority', [T.caProvider], ['normativeReview']),
        step('APPROVE', 'Approved', 'agreementPending', 'provider', [T.agreement], ['providerReview']),
        step('SIGN_AGREEMENT', 'AgreementSigned', 'accessPending', 'provider', [T.access], ['agreementPending']),
        step('GRANT_ACCESS', 'AccessGranted', 'active', 'provider', [T.results, T.notice], ['accessPending']),
        step('REPORT_USAGE', 'UsageReported', 'active', 'applicant', [], []),
        step('REPORT_RESULTS', 'ResultsReported', 'active', 'applicant', [], ['resultsReport']),
        step('TERMINATE', 'Terminated', 'destructionPending', 'provider', [T.destruction], []),
        step('CONFIRM_DESTRUCTION', 'DestructionConfirmed', 'closed', 'applicant', [], ['*'], true),
      ],
      [
        START('ApplicationSubmitted', 'normativeReview', 'applicant', T.caNormative),
        step('FAIL_NORMATIVE_REVIEW', 'NormativeReviewFailed', 'rejected', 'competentAuthority', [], ['*'], true),
      ],
      [
        START('ApplicationSubmitted', 'normativeReview', 'applicant', T.caNormative),
        step('PASS_NORMATIVE_REVIEW', 'NormativeReviewPassed', 'providerReview', 'competentAuthority', [T.caProvider], ['normativeReview']),
        step('REJECT', 'Rejected', 'rejected', 'provider', [], ['*'], true),
      ],
    ],
    data: (r, n) => ({
      resource: { datasetRef: `sd-open-${n % 9000}`, name: '机动车登记信息统计', serviceMode: 'api' },
      applicant: { type: 'organization', name: `山东某某科技有限公司${n % 5000}`, contact: { name: '孙丽', phone: '0531-88661234' } },
      service: { name: '智慧交通出行分析平台', domain: '交通运输' },
      usePeriod: { from: '2026-01-01', to: '2026-12-31' },
      scenarios: [{ description: '按区县分析机动车保有量变化，为公交线网优化提供依据。' }],
      expectedBenefits: '降低主城区高峰拥堵时长约 5%。',
      securityCommitment: { signed: true, signatory: '孙丽' },
      eligibility: { realNameVerified: true, creditCheck: { dishonestDebtor: false, seriouslyDishonestEnterprise: r() < 0 } },
    }),
  },
  {
    name: 'unopenedDataRequest',
    startedBy: 'applicant',
    addressedToCity: true,
    paths: [
      [
        START('DataRequested', 'normativeReview', 'applicant', T.udNormative),
        step('PASS_NORMATIVE_REVIEW', 'NormativeReviewPassed', 'feasibilityReview', 'cityOrAbove', [T.feasibility], ['normativeReview']),
        step('CONCLUDE_OPENABLE', 'ConcludedOpenable', 'openingPending', 'provider', [T.opening], ['feasibilityReview']),
        step('MARK_OPENED', 'MarkedOpened', 'opened', 'provider', [], ['*'], true),
      ],
      [
        START('DataRequested', 'normativeReview', 'applicant', T.udNormative),
        step('PASS_NORMATIVE_REVIEW', 'NormativeReviewPassed', 'feasibilityReview', 'cityOrAbove', [T.feasibility], ['normativeReview']),
        step('CONCLUDE_NOT_OPENABLE', 'ConcludedNotOpenable', 'declined', 'provider', [], ['*'], true),
      ],
    ],
    data: (_r, n) => ({ resourceName: `公共停车场实时泊位数据 ${n}`, dataItems: ['停车场编号', '总泊位数', '空余泊位数'], serviceMode: 'api', need: '开发停车诱导小程序。' }),
  },
  {
    name: 'listAdjustment',
    startedBy: 'provider',
    paths: [
      [
        START('ListAdjustmentRequested', 'review', 'provider', T.laReview),
        step('APPROVE', 'Approved', 'approved', 'cityOrAbove', [], ['*'], true),
      ],
      [
        START('ListAdjustmentRequested', 'review', 'provider', T.laReview),
        step('RETURN', 'Returned', 'revising', 'cityOrAbove', [T.revising], ['review']),
        step('RESUBMIT', 'Resubmitted', 'review', 'provider', [T.laReview], ['revising']),
        step('APPROVE', 'Approved', 'approved', 'cityOrAbove', [], ['*'], true),
      ],
    ],
    data: (_r, n) => ({ listYear: 2026, cause: 'dutyChange', basis: '根据机构改革方案调整职能。', changes: [{ action: 'add', datasetName: `道路交通事故月度统计 ${n}` }] }),
  },
  {
    name: 'objection',
    startedBy: 'applicant',
    titlePrefix: '异议：',
    paths: [
      [
        START('ObjectionRaised', 'handling', 'applicant', T.handling),
        step('RESPOND', 'Responded', 'responded', 'provider', [], ['*'], true),
      ],
    ],
    data: (_r, n) => ({ datasetRef: `sd-open-${n % 9000}`, kind: 'error', description: '统计数量为负数，疑为统计错误。', evidence: ['下载文件第 18 行'] }),
  },
];

// The labels the machines give their tasks (machine meta), so the synthetic rows read like real ones.
for (const process of PROCESSES) {
  const tasks = allTasks(registry.latest(process.name)!);
  for (const path of process.paths) {
    for (const s of path) s.opens = s.opens.map((t) => ({ ...t, label: tasks.find((x) => x.stage === t.stage)?.label ?? t.label }));
  }
}

/** A task as the engine stamps it (projections/metadata.ts). */
type OpenTask = TaskFacts;

interface SimCase {
  n: number;
  caseId: string;
  process: ProcessTpl;
  path: StepTpl[];
  next: number;
  /** When the next step happens (ms). */
  at: number;
  revision: number;
  state: string | null;
  open: OpenTask[];
  provider: string;
  applicant: string;
  region: string | undefined;
  prevHash: string;
  stalled: boolean;
}

export interface SynthesisOptions {
  events: number;
  seed?: number;
  /** Simulated time of the first case (UTC ms). */
  startMs?: number;
  /** New cases per simulated day. */
  casesPerDay?: number;
  /** Share of tasks finished after their deadline. */
  lateShare?: number;
  /** Share of cases left untouched for ever at some step (a backlog that ages). */
  stallShare?: number;
}

export interface SynthesisResult {
  events: number;
  cases: number;
  /** Simulated time of the last event (ISO). */
  endAt: string;
}

const DAY = 86_400_000;

/**
 * Writes `events` engine-shaped events in simulated time order: cases arrive at a steady rate and
 * each moves along one path of its process, finishing each task before its deadline (or, for a
 * share, after it). What is still running when the event budget is spent stays open. Rows go
 * straight into the store's table, in transactions of 20,000 (the setup, not what is measured).
 */
export function synthesise(store: SqliteEventStore, directory: Directory, calendar: WorkingDayCalendar, options: SynthesisOptions): SynthesisResult {
  const r = prng(options.seed ?? 20_260_101);
  const lateShare = options.lateShare ?? 0.04;
  const stallShare = options.stallShare ?? 0.01;
  const gap = DAY / (options.casesPerDay ?? 1500);
  const orgs = directory.list();
  const providers = orgs.filter((o) => o.kind === 'provider' && directory.authorityOf(o.region)?.level === o.level);
  const applicants = Array.from({ length: 5000 }, (_, i) => `91370${String(100000 + i).padStart(6, '0')}MA3C8K2D0E`.slice(0, 18));
  const pick = <X>(xs: readonly X[]): X => xs[Math.floor(r() * xs.length)]!;
  const hex = (n: number) => createHash('sha256').update(String(n)).digest('hex');
  const word = () => Math.floor(r() * 0x1_0000_0000).toString(16).padStart(8, '0');
  const uuid = () => {
    const a = word();
    const b = word();
    const c = word();
    return `${a}-${b.slice(0, 4)}-4${b.slice(5)}-a${c.slice(1, 4)}-${c.slice(4)}${word()}`;
  };

  // Event ids in log order (as UUIDv7 would be): the store's unique index on them then grows at its end,
  // which only makes the setup faster; read models never look at event ids.
  const eventId = (n: number) => {
    const h = n.toString(16).padStart(12, '0');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-7${word().slice(0, 3)}-8${word().slice(0, 3)}-${word()}${word().slice(0, 4)}`;
  };

  const orgsFor = (c: SimCase, scope: Scope): string[] => {
    switch (scope) {
      case 'provider':
        return [c.provider];
      case 'applicant':
        return [c.applicant];
      case 'competentAuthority': {
        const a = directory.authorityOf(directory.get(c.provider)!.region);
        return a ? [a.code] : [];
      }
      case 'cityOrAbove': {
        const region = c.region ?? directory.get(c.provider)!.region;
        return [...new Set([directory.authorityOf(cityOf(region))?.code, directory.authorityOf(PROVINCE_REGION)?.code].filter((x): x is string => !!x))];
      }
    }
  };
  // Deadlines depend on the Asia/Shanghai day of entry only: computed once per UTC hour and rule.
  const deadlines = new Map<string, Deadline & { basis: string; article?: string }>();
  const deadline = (enteredAt: string, due: DueRule): Deadline & { basis: string; article?: string } => {
    const key = `${enteredAt.slice(0, 13)}|${'wd' in due ? `w${due.wd}${due.basis}` : 'days' in due ? `d${due.days}` : `m${due.months}`}`;
    let d = deadlines.get(key);
    if (!d) {
      if ('wd' in due) d = { ...calendar.deadline(enteredAt, due.wd), basis: due.basis, ...(due.article ? { article: due.article } : {}) };
      else if ('days' in due) d = { ...calendar.calendarDeadline(enteredAt, due.days), basis: 'policy', article: '附录5 协议二(二)' };
      else d = { ...calendar.monthsDeadline(enteredAt, due.months), basis: 'policy', article: '附录5 协议二(三)3' };
      deadlines.set(key, d);
    }
    return d;
  };
  /** When the next step comes: within the primary open task's deadline, or (a share) after it. */
  const delayAfter = (c: SimCase, fromMs: number): number => {
    const task = c.open.find((t) => t.dueAt) ?? c.open[0];
    if (!task?.dueAt) return (0.5 + r() * 20) * DAY;
    const window = Date.parse(task.dueAt) - fromMs;
    if (r() < lateShare) return window + (0.2 + r() * 15) * DAY;
    return Math.max(3_600_000, window * (0.05 + r() * 0.9));
  };

  const insert = store.database.prepare('INSERT INTO events (stream_id, revision, id, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const heap: SimCase[] = [];
  const push = (c: SimCase) => {
    heap.push(c);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p]!.at <= c.at) break;
      heap[i] = heap[p]!;
      i = p;
    }
    heap[i] = c;
  };
  const pop = (): SimCase => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const a = 2 * i + 1;
        const b = a + 1;
        let m = -1;
        let at = last.at;
        if (a < heap.length && heap[a]!.at < at) {
          m = a;
          at = heap[a]!.at;
        }
        if (b < heap.length && heap[b]!.at < at) m = b;
        if (m < 0) break;
        heap[i] = heap[m]!;
        i = m;
      }
      heap[i] = last;
    }
    return top;
  };

  let written = 0;
  let cases = 0;
  let nextArrival = options.startMs ?? Date.parse('2025-09-01T01:00:00.000Z');
  let lastAt = nextArrival;
  const write = store.database.transaction((batch: [string, number, string, string, string, string, string][]) => {
    for (const row of batch) insert.run(...row);
  });
  let batch: [string, number, string, string, string, string, string][] = [];

  while (written < options.events) {
    let c: SimCase;
    if (heap.length === 0 || nextArrival <= heap[0]!.at) {
      const process = PROCESSES[Math.floor(r() * PROCESSES.length)]!;
      const provider = pick(providers);
      c = {
        n: cases++,
        caseId: uuid(),
        process,
        path: pick(process.paths),
        next: 0,
        at: nextArrival,
        revision: -1,
        state: null,
        open: [],
        provider: provider.code,
        applicant: pick(applicants),
        region: process.addressedToCity ? cityOf(provider.region) : undefined,
        prevHash: '0'.repeat(64),
        stalled: false,
      };
      nextArrival += gap * (0.2 + r() * 1.6);
    } else {
      c = pop();
    }
    const s = c.path[c.next]!;
    const at = new Date(c.at).toISOString();
    lastAt = c.at;
    const closing = s.closes.includes('*') ? c.open : c.open.filter((t) => s.closes.includes(t.stage));
    c.open = c.open.filter((t) => !closing.includes(t));
    const opened: OpenTask[] = s.opens.map((tpl) => {
      const os = orgsFor(c, tpl.scope);
      const due = tpl.due ? deadline(at, tpl.due) : undefined;
      return {
        stage: tpl.stage,
        label: tpl.label,
        role: tpl.role,
        org: os[0] ?? '',
        orgs: os,
        enteredAt: at,
        ...(due ? { dueAt: due.dueAt, dueDate: due.dueDate, basis: due.basis, ...(due.article ? { article: due.article } : {}), provisional: due.provisional, calendarVersion: due.calendarVersion } : {}),
      };
    });
    c.open.push(...opened);
    const forwarded = !c.process.addressedToCity || c.next > 0;
    const parties = {
      ...(forwarded ? { providerOrg: c.provider } : {}),
      ...(c.process.startedBy === 'applicant' ? { applicantOrg: c.applicant } : {}),
      ...(c.region ? { region: c.region } : {}),
    };
    const actorOrg = s.actor === 'system' ? 'system' : (orgsFor(c, s.actor)[0] ?? c.provider);
    const role = s.actor === 'provider' ? 'provider' : s.actor === 'applicant' ? 'applicant' : 'authority';
    c.revision++;
    const hash = hex(written);
    const metadata = {
      caseId: c.caseId,
      process: c.process.name,
      machine: { name: c.process.name, version: 1 },
      actor: { sub: `u-${actorOrg}`, name: '经办人', role, org: actorOrg },
      command: s.command,
      at,
      correlationId: uuid(),
      stateBefore: c.state,
      stateAfter: s.stateAfter,
      final: s.final ?? false,
      tasksOpened: opened,
      tasksClosed: closing.map((t) => ({ stage: t.stage, completedAt: at })),
      timers: [],
      parties,
      summary: { title: `${c.process.titlePrefix ?? ''}山东省公共数据 ${c.n}`, applicant: `山东某某科技有限公司${c.n % 5000}`, applicantKind: 'organization', provider: directory.nameOf(c.provider) },
      calendarVersion: calendar.version,
      prevHash: c.prevHash,
      hash,
    };
    c.prevHash = hash;
    c.state = s.stateAfter;
    const data = c.next === 0 ? c.process.data(r, c.n) : { opinion: '经审核，符合要求。' };
    batch.push([`${c.process.name}-${c.caseId}`, c.revision, eventId(written), s.type, JSON.stringify(data), JSON.stringify(metadata), at]);
    written++;
    if (batch.length >= 20_000) {
      write(batch);
      batch = [];
    }
    c.next++;
    if (c.next < c.path.length && !(c.stalled ||= r() < stallShare)) {
      c.at += delayAfter(c, c.at);
      push(c);
    }
  }
  write(batch);
  return { events: written, cases, endAt: new Date(lastAt).toISOString() };
}

// ── The benchmark ──────────────────────────────────────────────────────────────────────────

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const OVERDUE_RUNS = 20;
/** Runs of each region's report (after one to warm up): the p50 is reported. */
const REGION_RUNS = 10;
/** Runs of the province's report made in turns, each watched for its longest event-loop block. */
const TURN_RUNS = 5;

const log = (line: string) => process.stderr.write(`${line}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-projections-'));
  try {
    const directory = Directory.load();
    const calendar = defaultCalendar();
    const store = new SqliteEventStore({ path: join(dir, 'events.db'), synchronous: 'OFF', now: systemClock.now });
    // Read models first, on the empty store: the synthesised rows bypass them, so the rebuild below is from 0.
    // The steps of a report made in turns, each timed from the turn before it to the next (see (c)).
    const steps = { from: 0, times: [] as number[] };
    const turn = async () => {
      steps.times.push(elapsedMs() - steps.from);
      await nextTurn();
      steps.from = elapsedMs();
    };
    const models = await openReadModels({ store, dataDir: dir, directory, calendar: () => calendar, turns: { turn } });

    log(`synthesising ${fmt(EVENTS)} events …`);
    let t = performance.now();
    // A busy platform: about 6,000 new cases a day keeps ~100,000 tasks open at the end of the log.
    const made = synthesise(store, directory, calendar, { events: EVENTS, casesPerDay: 6000 });
    log(`  ${fmt(made.events)} events, ${fmt(made.cases)} cases, up to ${made.endAt}, in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    // Both sides read a checkpointed file, not a WAL as big as the log.
    store.database.pragma('wal_checkpoint(TRUNCATE)');

    const rawRead = async (): Promise<number> => {
      const start = performance.now();
      let n = 0;
      for await (const e of store.readAll()) if (e.position > 0) n++;
      if (n !== made.events) throw new Error(`read ${n} events, expected ${made.events}`);
      return (n / (performance.now() - start)) * 1000;
    };
    log('(a) raw read …');
    const raw1 = await rawRead();
    log(`  ${fmt(raw1)} events/s`);

    log('(b) rebuild of every read model …');
    t = performance.now();
    let reported = 0;
    // When each part of the rebuild began (folding in workers, copying their tables in, making the query indexes).
    const phases = new Map<RebuildPhase, number>([['fold', t]]);
    await models.rebuild(undefined, (done, total, phase = 'fold') => {
      if (!phases.has(phase)) {
        phases.set(phase, performance.now());
        log(`  ${phase === 'copy' ? `copying ${total} tables from the workers' files` : `making ${total} query indexes`} …`);
      }
      if (phase === 'fold' && !phases.has('copy') && (done - reported >= 100_000 || done === total)) {
        reported = done;
        log(`  ${fmt(done)} / ${fmt(total)}`);
      }
    });
    const rebuildMs = performance.now() - t;
    const end = t + rebuildMs;
    const copyAt = phases.get('copy') ?? end;
    const indexAt = phases.get('index') ?? end;
    const seconds = (from: number, to: number) => Number(((to - from) / 1000).toFixed(1));
    const parts = { rebuildFoldS: seconds(t, copyAt), rebuildCopyS: seconds(copyAt, indexAt), rebuildIndexesS: seconds(indexAt, end) };
    const split = `fold ${parts.rebuildFoldS} s, copy ${parts.rebuildCopyS} s, indexes ${parts.rebuildIndexesS} s`;
    const rebuild = (made.events / rebuildMs) * 1000;
    log(`  ${fmt(rebuild)} events/s`);
    // The rebuild's rows may still sit in the write-ahead log, being copied into the file by the
    // background checkpointer. What follows is measured once that is done: the steady state.
    t = performance.now();
    store.database.pragma('wal_checkpoint(TRUNCATE)');
    log(`  checkpointed in ${((performance.now() - t) / 1000).toFixed(1)} s (not part of the rebuild's time)`);

    log('(a) raw read again …');
    const raw2 = await rawRead();
    log(`  ${fmt(raw2)} events/s`);
    const raw = Math.max(raw1, raw2);

    const asOf = made.endAt;
    const openTasks = models.db.prepare<[], number>('SELECT count(*) FROM sla_tasks WHERE completed_at IS NULL').pluck().get() ?? 0;
    const inboxRows = models.db.prepare<[], number>('SELECT count(*) FROM inbox_tasks').pluck().get() ?? 0;
    log(`(c) overdue report at ${asOf}: ${fmt(openTasks)} open tasks with a deadline (${fmt(inboxRows)} inbox rows) …`);
    /** The report's p50 over `runs` calls, after `warmups` not timed, and the report itself. */
    const overdueP50 = (query: { asOf: string; region?: string }, warmups: number, runs: number) => {
      let report = models.overdueReport(query);
      for (let i = 1; i < warmups; i++) report = models.overdueReport(query);
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const start = performance.now();
        report = models.overdueReport(query);
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      return { ms: times[Math.floor(times.length / 2)]!, report };
    };
    const { ms: p50, report } = overdueP50({ asOf }, 3, OVERDUE_RUNS);
    const open = report.items.filter((i) => i.status === 'open').length;
    log(`  p50 ${p50.toFixed(1)} ms: ${fmt(report.items.length)} items (${fmt(open)} open past due, ${fmt(report.items.length - open)} finished late), ${report.byOrg.length} organisations`);

    // What supervisors pull (API.md: a report covers the caller's region): the province's, a city's.
    const regionP50 = (region: string) => {
      const { ms, report: regional } = overdueP50({ asOf, region }, 1, REGION_RUNS);
      return { ms, items: regional.items.length };
    };
    const provinceReport = regionP50('370000');
    const city = regionP50('370100');
    // What GET /v1/reports/overdue does for a provincial supervisor: the report made in turns on a
    // connection of its own, then written as JSON in pieces. Meanwhile a tick asks for every turn of
    // the event loop: the longest gap between two ticks is the longest a command would have waited.
    // The same watch over the report made and written in one go (the route before), and over an idle
    // wait as long, tells the host's own stalls (a shared machine's) from the report's.
    const watched = async (work: () => Promise<unknown>) => {
      let longest = 0;
      let ticks = 0;
      let done = false;
      const start = elapsedMs();
      let last = start;
      const tick = () => {
        const now = elapsedMs();
        longest = Math.max(longest, now - last);
        last = now;
        ticks++;
        if (!done) setImmediate(tick);
      };
      setImmediate(tick);
      await work();
      done = true;
      const end = elapsedMs();
      return { longest: Math.max(longest, end - last), total: end - start, ticks };
    };
    const province = { asOf, region: '370000' };
    let jsonBytes = 0;
    let longestStep = { ms: 0, at: 0, of: 0 };
    const inTurns = async () => {
      steps.times = [];
      steps.from = elapsedMs();
      const made = await models.overdueReportInTurns(province);
      jsonBytes = 0;
      for await (const piece of models.overdueReportText(made, 'json')) jsonBytes += Buffer.byteLength(piece);
      steps.times.push(elapsedMs() - steps.from);
      const ms = Math.max(...steps.times);
      if (ms > longestStep.ms) longestStep = { ms, at: steps.times.indexOf(ms) + 1, of: steps.times.length };
    };
    const oneGo = async () => {
      await Promise.resolve();
      JSON.stringify(models.overdueReport(province));
    };
    const runsOf = async (work: () => Promise<unknown>) => {
      await watched(work);
      const runs: Awaited<ReturnType<typeof watched>>[] = [];
      for (let i = 0; i < TURN_RUNS; i++) runs.push(await watched(work));
      return runs;
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const turnRuns = await runsOf(inTurns);
    const provinceInTurnsMs = median(turnRuns.map((r) => r.total));
    const idleRuns = await runsOf(() => new Promise((resolve) => setTimeout(resolve, Math.ceil(provinceInTurnsMs))));
    const oneGoRuns = await runsOf(oneGo);
    const worst = (runs: { longest: number }[]) => Math.max(...runs.map((r) => r.longest));
    const blockP50 = (runs: { longest: number }[]) => median(runs.map((r) => r.longest));
    const provinceBlock = worst(turnRuns);
    const blocks = (name: string, runs: { longest: number }[]) =>
      `${name} ${worst(runs).toFixed(1)} ms worst, ${blockP50(runs).toFixed(1)} p50 (${runs.map((r) => r.longest.toFixed(1)).join(', ')})`;
    log(`  province (370000), longest event-loop block of ${TURN_RUNS} runs: ${blocks('in turns', turnRuns)}; ${blocks('in one go', oneGoRuns)}; ${blocks('idle', idleRuns)}`);
    log(
      `  in turns: ${provinceInTurnsMs.toFixed(1)} ms in all (p50), ${turnRuns[0]!.ticks} turns, ${fmt(jsonBytes)} bytes of JSON; ` +
        `its longest step ${longestStep.ms.toFixed(1)} ms (step ${longestStep.at} of ${longestStep.of})`,
    );
    const inboxStart = performance.now();
    const page = models.inbox({ caller: { role: 'authority', org: '370000-dsj' }, asOf, limit: 50 });
    const inboxMs = performance.now() - inboxStart;
    const slaStart = performance.now();
    const sla = models.slaReport({ from: '2025-01-01T00:00:00Z', to: asOf, groupBy: 'org' });
    const slaMs = performance.now() - slaStart;

    const ratio = rebuild / raw;
    const rows: [string, string, string][] = [
      ['events', fmt(made.events), `${fmt(made.cases)} cases`],
      ['(a) raw read (readAll, JSON parsed)', `${fmt(raw)} events/s`, 'baseline, best of 2'],
      ['(b) rebuild, all read models', `${fmt(rebuild)} events/s`, `${(rebuildMs / 1000).toFixed(1)} s (${split}); ratio ${ratio.toFixed(2)} (target ≥ 0.50)`],
      ['(c) overdue report p50', `${p50.toFixed(1)} ms`, `${fmt(openTasks)} open tasks, ${fmt(report.items.length)} items (target ≤ 100 ms)`],
      ['    overdue report p50, region 370000 (a provincial supervisor)', `${provinceReport.ms.toFixed(1)} ms`, `${fmt(provinceReport.items)} items`],
      ['    overdue report p50, region 370100 (a city supervisor)', `${city.ms.toFixed(1)} ms`, `${fmt(city.items)} items`],
      [
        '    longest event-loop block, region 370000 made in turns + JSON',
        `${provinceBlock.toFixed(1)} ms`,
        `worst of ${TURN_RUNS} (p50 ${blockP50(turnRuns).toFixed(1)}); ${provinceInTurnsMs.toFixed(0)} ms in all, ${turnRuns[0]!.ticks} turns, ${(jsonBytes / 1e6).toFixed(1)} MB; in one go ${worst(oneGoRuns).toFixed(1)} (p50 ${blockP50(oneGoRuns).toFixed(1)}), idle ${worst(idleRuns).toFixed(1)}`,
      ],
      ['    inbox page (province authority)', `${inboxMs.toFixed(1)} ms`, `${page.items.length} items`],
      ['    SLA report by org', `${slaMs.toFixed(1)} ms`, `${sla.rows.length} rows`],
      ['machine', `${cpus().length} CPUs`, `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (others' work slows both sides alike)`],
    ];
    const w0 = Math.max(...rows.map((x) => x[0].length));
    const w1 = Math.max(...rows.map((x) => x[1].length));
    for (const [a, b, c] of rows) process.stdout.write(`${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}\n`);

    await models.close();
    await store.close();
    process.stdout.write(
      `${JSON.stringify({
        name: 'projections-rebuild',
        value: Math.round(rebuild),
        unit: 'events/s',
        baseline: Math.round(raw),
        ratio: Number(ratio.toFixed(2)),
        ...parts,
        overdueP50Ms: Number(p50.toFixed(1)),
        overdueProvinceP50Ms: Number(provinceReport.ms.toFixed(1)),
        overdueCityP50Ms: Number(city.ms.toFixed(1)),
        overdueProvinceLongestBlockMs: Number(provinceBlock.toFixed(1)),
        openTasks,
      })}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
