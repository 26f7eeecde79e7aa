import { z } from 'zod';
import { commandLabelOf, type CaseState, type Engine, type NoticeLoad } from '../engine/index.js';
import { taskView, type CaseHistory, type HistoryEntry } from '../projections/audit.js';
import { storedInstant } from '../projections/metadata.js';
import { deadlineStanding, type CaseListEntry, type InboxPage, type OverdueReport, type QueryCalendar, type SlaReport } from '../projections/index.js';
import { allStates, ROLE_LABELS, stateLabel } from '../machines/describe.js';
import type { ProcessRegistry } from '../machines/registry.js';
import type { ProcessDefinition, Role } from '../machines/types.js';
import { formatMessage, typedFullWidth } from '../machines/schemas.js';
import { fieldLabel } from '../machines/fieldLabels.js';
import { isIsoDate, NEW_YEAR_EDGE_DAY, shanghaiDateOf, type WorkingDayCalendar } from '../calendars/index.js';
import { docText } from './docText.js';
import type { Lang } from './problem.js';

/**
 * An instant as the API writes one (ISO-8601 in UTC, `toISOString`), documented as `format: date-time`
 * so that a generated client reads a time, not a string (OpenAPI QA: 34 such fields had no format).
 * Documentation only: what the server writes is not checked again.
 */
export const Instant = z.string().meta({ format: 'date-time' });

/** A task's `countsFrom`: in a case's tasks, its history, the inbox and the overdue report. */
const CountsFrom = z
  .string()
  .optional()
  .describe(
    docText(
      '期限起算日（北京时间日期），仅当不是进入环节之日时给出：自案件约定的日期起算（如协议约定的使用起始日），而非自进入环节之日',
      "the day the deadline's count starts (Beijing date), given only when it is not the day the stage was entered: a day the case agreed (the agreed start of use)",
    ),
  );

/** API.md `tasks`. */
export const TaskView = z.object({
  stage: z.string(),
  label: z.string(),
  role: z.string(),
  org: z.string(),
  enteredAt: Instant,
  dueAt: Instant.nullable(),
  dueDate: z.string().nullable(),
  basis: z.string().nullable(),
  provisional: z.boolean(),
  calendarVersion: z.string().nullable(),
  countsFrom: CountsFrom,
});

/** An organisation's name in a case's history, where the directory has it (`labelledHistory`). */
const OrgNameInHistory = z
  .string()
  .optional()
  .describe(docText('机构目录中该机构的名称（按现行目录），仅在案件历史中给出；不在目录中的（如申请人）没有此字段', 'the organisation’s name in the directory (as it is now), in a case’s history only; absent for one not in it (an applicant)'));

/** A task as a case's history shows it: its organisation's name beside its code. */
export const TaskInHistory = TaskView.extend({
  orgName: OrgNameInHistory,
  article: z
    .string()
    .nullable()
    .optional()
    .describe(docText('仅在案件历史中给出：时限所依据的条款，同待办和案件的 article；没有依据条款的为 null', 'in a case’s history only: the article the deadline rests on, as in the inbox and the case; null where there is none')),
});

/** A state's name in words (machines `stateLabel`): a final case has no task whose label says where it ended. */
const StateLabel = z
  .string()
  .describe(docText('状态的中文名称（如“未通过”“已撤回”“已结束”），不随 Accept-Language 变化', 'the state’s name in Chinese (for a rejected conditional application, the words for “not passed”), whatever Accept-Language asks'));

/** One event of a history (API.md `GET /v1/cases/:id/history`), its command and states also in words (`labelledHistory`). */
export const HistoryEvent = z.object({
  revision: z.number().int(),
  position: z.number().int(),
  id: z.string(),
  type: z.string(),
  command: z.string(),
  commandLabel: z
    .string()
    .describe(docText('指令的中文名称（如“通过材料规范性审查”），不随 Accept-Language 变化；本服务版本不认识的指令为其代码', 'the command’s name in Chinese, whatever Accept-Language asks; its code for a command this build does not know')),
  at: Instant,
  actor: z.object({
    sub: z.string(),
    name: z.string().optional(),
    role: z.string(),
    roleLabel: z.string().optional().describe(docText('角色的中文名称（如“公共数据开放主体”），仅在案件历史中给出', 'the role’s name in Chinese, in a case’s history only')),
    org: z.string(),
    orgName: OrgNameInHistory,
  }),
  machine: z.object({ name: z.string(), version: z.number().int() }),
  stateBefore: z.string().nullable(),
  stateBeforeLabel: StateLabel.nullable(),
  stateAfter: z.string(),
  stateAfterLabel: StateLabel,
  data: z.unknown(),
  dataLabels: z
    .record(z.string(), z.string())
    .optional()
    .describe(
      docText(
        '仅在案件历史中给出：data 中各字段的中文名称（按《细则》及其附录的用语），以字段路径为键（列表下标省略，如 agreement.useTo、scenarios.description）；没有名称的字段不列出',
        'in a case’s history only: the Chinese name of each field of data (in the regulation’s and its appendices’ words), keyed by the field’s path (list indices left out: agreement.useTo, scenarios.description); a field without one is not listed',
      ),
    ),
  deadlines: z.object({
    opened: z.array(TaskInHistory),
    closed: z.array(
      z.object({
        stage: z.string(),
        completedAt: Instant,
        cancelled: z.literal(true).optional(),
        dueAt: Instant.nullable().optional(),
        dueDate: z.string().nullable().optional(),
        late: z
          .boolean()
          .optional()
          .describe(docText('仅在案件历史中给出：完成（或因案件终止而关闭）时是否已过期限；没有期限的待办为 false', 'in a case’s history only: whether the deadline had passed when it was done (or closed by the case’s end); false for a task with no deadline')),
        workingDaysOverdue: z
          .number()
          .int()
          .nullable()
          .optional()
          .describe(docText('仅在案件历史中给出：完成时逾期的工作日数（未逾期为 0，没有期限为 null），算法同逾期报表', 'in a case’s history only: the working days it was done past its deadline (0 when not late, null without a deadline), counted as the overdue report counts them')),
      }),
    ),
    restated: z.array(z.unknown()),
    reassigned: z
      .array(z.object({ stage: z.string(), old: z.object({ org: z.string(), orgs: z.array(z.string()) }), new: z.object({ org: z.string(), orgs: z.array(z.string()) }) }))
      .optional()
      .describe(docText('机构改革后由系统转给按当前机构目录有权办理的机构的待办：原承办机构（old）与现承办机构（new）；仅此类事件有此字段', 'tasks the system handed on after an organisational reform: the organisation that held each (old) and the one that holds it now (new); only such events have this field')),
  }),
  restatedBy: z
    .object({ year: z.number().int(), notice: z.string(), url: z.string(), loadedAt: Instant.optional() })
    .optional()
    .describe(
      docText(
        '仅重新确定期限的事件（RESTATE_DEADLINES）：新期限所依据的国务院节假日安排通知——年度、文号、网址及载入时间；新期限的日历版本不是由本服务载入的通知产生时（随程序发布的安排）没有此字段',
        'only on an event that re-stated deadlines (RESTATE_DEADLINES): the State Council holiday notice the new deadlines rest on, its year, number, URL and when it was loaded; absent when their calendar version was not given by a notice loaded here (one shipped with the program)',
      ),
    ),
  correlationId: z.string().optional(),
  causationId: z.string().optional(),
  hash: z
    .string()
    .describe(
      docText(
        '事件的 SHA-256（小写十六进制），覆盖 stream、revision、id、type、data 和不含 hash 的 metadata（其中有 prevHash），算法见 docs/AUDIT_EXPORT.md',
        "the event's SHA-256 (lowercase hex) over its stream, revision, id, type, data and metadata less hash (which holds prevHash): docs/AUDIT_EXPORT.md",
      ),
    ),
  prevHash: z.string().describe(docText('同一案件前一事件的 hash；第一个事件为 64 个 0', "the hash of the case's event before; 64 zeros for its first")),
});

/** An inbox item's (and a case list task's) `orgName`. */
const TaskOrgName = z.string().optional().describe(docText('机构名称；申请人的待办为申请人的名称', "the organisation's name; an applicant's task, the applicant's"));

/** How an open task's deadline stands now (projections/query.ts `DeadlineStanding`): an inbox item's and a case's tasks'. */
const DeadlineStandingFields = {
  workingDaysLeft: z
    .number()
    .int()
    .nullable()
    .describe(docText('今天之后到期限当日的工作日数；期限当日及逾期后为 0；没有期限的待办为 null', 'working days after today up to the due day; 0 on it and once past; null for a task with no deadline')),
  workingDaysOverdue: z
    .number()
    .int()
    .nullable()
    .describe(
      docText(
        '超过期限当日的工作日数，与逾期报表的计法相同（逾期后至少为 1）；没有期限的待办为 null',
        'working days past the due day, as the overdue report counts them (at least 1 once past the deadline); null for a task with no deadline',
      ),
    ),
  overdue: z.boolean().describe(docText('已过期限；没有期限的待办为 false', 'past the deadline; false for a task with no deadline')),
};

/** Why a task's deadline is provisional (`provisionalNote`): the case's tasks and the inbox. */
const ProvisionalNote = z
  .string()
  .optional()
  .describe(
    docText(
      '仅当 provisional 为 true 时给出：哪一年的国务院节假日安排尚未载入、期限因此按法定节假日及补假临时计算并将在载入后重新确定（可能提前或推后）；或安排已载入、期限尚待重新确定。按调用方语言',
      'given only when provisional is true: which year’s State Council holiday notice is not loaded yet, so that the deadline is counted from the statutory holidays and their days in lieu, to be re-stated (earlier or later) once it is; or that the notice is loaded and the deadline is yet to be re-stated. In the caller’s language',
    ),
  );

/**
 * Why a deadline due on `dueDate` is provisional, in the caller's language. Year-end QA: a reviewer
 * saw `provisional: true` alone — nothing said which notice it waits for, or that the date may move
 * (the reason was only in GET /v1/calendar/:year's text). The years named are those from the last year
 * loaded before the due date's up to it, and none before the count's first day (`countsFrom`, else the
 * day the stage was entered): a count from an agreed start of use in 2040 named 2027–2040 (changes QA),
 * though no notice before 2040's can move it. A due date in 25–31 December of a year loaded waits for
 * the next year's notice (its New-Year edge, calendars/calendar.ts). A due date the calendar in force no
 * longer finds provisional waits only for its re-statement (a load still re-stating cases).
 */
export function provisionalNote(calendar: WorkingDayCalendar, task: ProvisionalTask, lang: Lang): string | undefined {
  const dueDate = task.dueDate ?? null;
  if (dueDate === null) return undefined;
  let provisional = true;
  try {
    provisional = calendar.isProvisional(dueDate);
  } catch {
    // Past the years the calendar counts (a day agreed far ahead): provisional all the same.
  }
  if (!provisional) {
    return lang === 'en' ? 'the holiday notice is loaded; this deadline is yet to be re-stated by it' : '节假日安排通知已载入，本期限尚待按其重新确定';
  }
  const year = Number(dueDate.slice(0, 4));
  // 25–31 December waits for the next year's notice too (QA: a due date of 2027-12-28 named 2027 alone,
  // and stayed provisional once the 2027 notice was loaded).
  const edge = dueDate.slice(5) >= `12-${NEW_YEAR_EDGE_DAY}`;
  const last = edge ? year + 1 : year;
  const loaded = calendar.notices.map((n) => n.year).filter((y) => y <= last);
  // A due date in 25–31 December of a year loaded: counted on that year's notice, not on the statute's
  // holidays; only the next notice's New-Year edge may move it (year-end QA: the note said 临时计算 from
  // the statute for a count of 12-22 to 12-28 on the 2026 notice alone).
  if (edge && loaded.includes(year) && !loaded.includes(last)) {
    if (lang === 'en') {
      return `the State Council’s holiday notice for ${last} is not loaded yet: the deadline is counted on the ${year} notice, but the ${last} notice may still set days off or working days in ${NEW_YEAR_EDGE_DAY}–31 December ${year}; it will be re-stated when the notice is loaded — it may move earlier or later`;
    }
    return `${last} 年的国务院节假日安排通知尚未载入：期限已按 ${year} 年的通知计算，但 ${last} 年的通知仍可能调整 ${year} 年 12 月 ${NEW_YEAR_EDGE_DAY} 日至 31 日的放假或上班安排，通知载入后将重新确定，可能提前或推后`;
  }
  // The first year from there on without a notice (the years before it are loaded), and not before the count starts.
  let first = Math.max(loaded.length > 0 ? Math.max(...loaded) + 1 : year, countStartYear(task));
  if (first > last) first = last;
  const years = first === last ? String(first) : `${first}–${last}`;
  if (lang === 'en') {
    return `the State Council’s holiday notice for ${years} is not loaded yet: the deadline is counted from the statutory holidays and their days in lieu, and will be re-stated when the notice is loaded — it may move earlier or later`;
  }
  return `${years} 年的国务院节假日安排通知尚未载入：期限按《全国年节及纪念日放假办法》规定的节假日及补假临时计算，通知载入后将重新确定，可能提前或推后`;
}

/** The year of a count's first day: its `countsFrom` (a Beijing date), else the Beijing day its stage was entered; 0 when neither reads. */
function countStartYear(task: ProvisionalTask): number {
  if (task.countsFrom !== undefined && isIsoDate(task.countsFrom)) return Number(task.countsFrom.slice(0, 4));
  if (task.enteredAt === undefined || task.enteredAt === null) return 0;
  try {
    return Number(shanghaiDateOf(task.enteredAt).slice(0, 4));
  } catch {
    return 0;
  }
}

/** What `provisionalNote` reads of a task (a case's, a history's, the inbox's). */
export interface ProvisionalTask {
  dueDate?: string | null;
  enteredAt?: string | null;
  countsFrom?: string;
}

/** `provisionalNote` for a task whose deadline is provisional, by `note` (`provisionalNote` bound to a calendar and a language). */
export function withProvisionalNote(task: ProvisionalTask & { provisional?: boolean }, note: ((task: ProvisionalTask) => string | undefined) | undefined): { provisionalNote?: string } {
  const text = task.provisional === true ? note?.(task) : undefined;
  return text === undefined ? {} : { provisionalNote: text };
}

/**
 * A case's task (`GET /v1/cases/:id`, the answer to a start): a TaskView with `orgName`, who `org` is by
 * name, as the inbox gives it — a caller outside the directory (an applicant) cannot look a code up.
 * A history's tasks (stored deadlines) carry the code alone.
 */
export const CaseTaskView = TaskView.extend({
  // As the inbox gives it: a case opened by a bureau of a higher level (the province on a city's task) says why it may act.
  orgs: z.array(z.string()).describe(docText('可以办理该待办的全部机构（org 之外，如可办理市级待办的省大数据局）', 'every organisation that may act on the task (besides org, the provincial bureau on a city’s task, say)')),
  orgName: z
    .string()
    .optional()
    .describe(docText('机构名称（org 对应的机构目录名称）；申请人的待办为申请人的名称', "the organisation's name (the directory's name for org); an applicant's task, the applicant's")),
  restatedFrom: z
    .string()
    .nullable()
    .describe(
      docText(
        '国务院节假日安排通知重新核定期限、使期限日期改变时，被替换的原期限日期（YYYY-MM-DD），与待办列表相同；未改变的为 null',
        'the due date a holiday notice replaced when it moved this deadline (YYYY-MM-DD), as the inbox gives it; null when none moved it',
      ),
    ),
  // As the inbox gives it (integrators' QA: the same task carried it in the inbox and not in its case).
  article: z.string().nullable().describe(docText('时限所依据的条款（如“第十四条(二)”“附录5 协议二(三)3”）；没有依据条款的（平台政策时限、无时限的待办）为 null', 'the article the deadline rests on, as the regulation numbers it; null where there is none (a platform policy’s deadline, a task with no deadline)')),
  provisionalNote: ProvisionalNote,
  ...DeadlineStandingFields,
});

/**
 * A published case the case names (engine `linkedFacts`, 第十五条): what the open platform shows of it —
 * to a request's applicant, who may not read the release itself, where the data opened for it is.
 */
export const PublishedView = z.object({
  caseId: z.string().describe(docText('已发布的数据集开放案件', 'the published dataset release case')),
  process: z.string(),
  title: z.string().describe(docText('开放平台上的数据集名称', "the dataset's name on the open platform")),
  publishedAt: Instant.describe(docText('发布时间', 'when it was published')),
  serviceModes: z
    .array(z.object({ code: z.string(), label: z.string() }))
    .describe(docText('数据获取方式（第十条 服务方式）；label 随 Accept-Language', 'how the data is obtained (Article 10 service modes); label follows Accept-Language')),
});

/** A case this one waits on (projections/inbox.ts `AwaitedCase`): in an inbox item and in the case's own view. */
const AwaitedCaseView = z.object({
  caseId: z.string(),
  process: z.string(),
  title: z
    .string()
    .optional()
    .describe(docText('案件列表记录的该案件名称（已办结的也给出）；案件列表尚未记录时（正在重建）不给出', "its title as the case list records it (an ended case's too); absent while the case list does not know it (being rebuilt)")),
  state: z
    .string()
    .optional()
    .describe(
      docText(
        '案件列表记录的该案件状态；该案件已办结而未进入所需状态时（如数据集开放案件已撤回），note 说明系统不会据此办结本案件，须重新提交指令；案件列表尚未记录时不给出',
        'its state as the case list records it; when it ended short of the state needed (a release withdrawn), the note says the system will not complete this case by it and the command must be sent again; absent while the case list does not know it',
      ),
    ),
  note: z.string().describe(docText('等待的含义（按 Accept-Language）', 'what the wait means (as Accept-Language asks)')),
});

/** An open task of a case waiting on this one (projections/inbox.ts `WaitingCase`): in an inbox item and in the case's own view. */
const WaitingCaseView = z.object({
  caseId: z.string(),
  process: z.string(),
  title: z.string(),
  // The waiting case's task, as TaskView gives a task.
  ...TaskView.pick({ stage: true, label: true, dueAt: true, dueDate: true, basis: true }).shape,
  article: z.string().nullable(),
  note: z.string().describe(docText('等待的含义（按 Accept-Language）', 'what the wait means (as Accept-Language asks)')),
});

export const CaseView = z.object({
  id: z.string(),
  process: z.string(),
  version: z.number().int(),
  state: z.string(),
  stateLabel: StateLabel,
  final: z.boolean(),
  revision: z.number().int(),
  input: z.unknown(),
  context: z.unknown(),
  tasks: z.array(CaseTaskView),
  allowedCommands: z.array(z.string()),
  commandLabels: z
    .record(z.string(), z.string())
    .describe(docText('allowedCommands 中各指令的中文名称（如 WITHDRAW：撤回申请）', 'the Chinese name of each command in allowedCommands (WITHDRAW: 撤回申请, say)')),
  createdAt: Instant,
  updatedAt: Instant,
  published: z
    .array(PublishedView)
    .optional()
    .describe(
      docText(
        '案件所指向、已在开放平台发布的案件（如经数据集开放案件开放的未开放数据需求申请：数据集名称、获取方式、发布时间）；没有时省略',
        'the cases this case names that are published on the open platform (an unopened-data request opened through a dataset release: its title, how to obtain it, when it was published); left out when there are none',
      ),
    ),
  awaiting: z
    .array(AwaitedCaseView)
    .optional()
    .describe(
      docText(
        '本案件等待的案件，与收件箱待办的 awaiting 相同（如第十五条 MARK_OPENED 所指、尚未发布的数据集开放案件：名称、状态及说明）；只列出调用方可以查看的案件；没有时省略，读模型正在重建或已由更新版本的服务重建时也省略',
        "the cases this case waits on, as its inbox item's awaiting gives them (Article 15: the release MARK_OPENED named, not yet published: its title, state and a note); only cases the caller may see; left out when there are none, and while the read models are being rebuilt or were rebuilt by a newer build",
      ),
    ),
  awaitedBy: z
    .array(WaitingCaseView)
    .optional()
    .describe(
      docText(
        '等待本案件的案件的待办及其期限，与收件箱待办的 awaitedBy 相同（如等待本数据集发布的未开放数据需求申请及其第十五条期限）；只列出调用方可以查看的案件；没有时省略，读模型正在重建或已由更新版本的服务重建时也省略',
        "the open tasks, with their deadlines, of the cases waiting on this one, as the inbox item's awaitedBy gives them (an unopened-data request waiting for this release's publication, with its Article 15 deadline); only cases the caller may see; left out when there are none, and while the read models are being rebuilt or were rebuilt by a newer build",
      ),
    ),
});

/** What a start answers (API.md "Cases": 201 with the case): the case, and the position of its first event. */
export const StartedCaseView = CaseView.extend({
  // As a command's answer says it (integrators' QA: a start sent again with its key answered an identical 201, no way to tell).
  replayed: z
    .boolean()
    .describe(
      docText(
        '同一调用方以相同的 Idempotency-Key 重复发起、再次应答首次发起的案件时为 true（未新建案件）',
        'true when the same Idempotency-Key from the same caller answered the first start again (no new case)',
      ),
    ),
  position: z
    .number()
    .int()
    .describe(
      docText(
        '发起事件在事件日志中的位置：读模型滞后时（EventStoreDB 模式），读取接口带上 minPosition=该值即可看到新案件',
        'the place of the start in the event log: where read models lag (EventStoreDB mode), pass it as minPosition to a read to see the new case',
      ),
    ),
});

/** A history event as the API shows it (`HistoryEvent`): its command and states in words too. */
export type LabelledEntry = HistoryEntry & { commandLabel: string; stateBeforeLabel: string | null; stateAfterLabel: string };

/** A history event as the API shows it: `HistoryEvent`'s labels beside the codes, in its order. */
function labelledEntry(entry: HistoryEntry, def: ProcessDefinition | undefined): LabelledEntry {
  const { revision, position, id, type, command, at, actor, machine, stateBefore, stateAfter, ...rest } = entry;
  const state = (code: string) => (def ? stateLabel(def, code) : code);
  return {
    revision,
    position,
    id,
    type,
    command,
    commandLabel: def ? commandLabelOf(def, command) : command,
    at,
    actor,
    machine,
    stateBefore,
    stateBeforeLabel: stateBefore === null ? null : state(stateBefore),
    stateAfter,
    stateAfterLabel: state(stateAfter),
    ...rest,
  };
}

/**
 * A history as people read it (compliance's QA: a history of codes alone, NormativeReviewPassed,
 * providerReview, needed the process catalogue beside it): each event's command and states named in
 * words by the machine version that decided it, as the case view names its state; with `asOf`, the
 * state then too. A version this build lacks (a newer build's case) keeps its codes.
 */
export function labelledHistory(
  history: CaseHistory,
  registry: ProcessRegistry,
  loadedAs?: (calendarVersion: string, at: string) => NoticeLoad | undefined,
  words?: HistoryWords,
): CaseHistory & { events: (LabelledEntry & { restatedBy?: NoticeLoad })[]; stateAsOfLabel?: string | null } {
  const said = words ? namedAndTimed(history, words) : history;
  const events = said.events.map((entry) => {
    const labelled = labelledEvent(entry, registry);
    // Year-end QA: a re-statement named only a calendar version's hash; which notice moved the dates was in `npm run replay` alone.
    const version = entry.deadlines.restated[0]?.new.calendarVersion;
    const load = version === undefined ? undefined : loadedAs?.(version, entry.at);
    return load ? { ...labelled, restatedBy: load } : labelled;
  });
  const { stateAsOf } = said;
  if (stateAsOf === undefined) return { ...said, events };
  // A case keeps the machine version it was started on for ever: its first event names it.
  const def = events[0] ? registry.get(events[0].machine.name, events[0].machine.version) : undefined;
  return { ...said, events, stateAsOfLabel: stateAsOf === null ? null : def ? stateLabel(def, stateAsOf) : stateAsOf };
}

/** What a history is told in words besides its codes (`labelledHistory`): organisations' names, and how each deadline closed stood. */
export interface HistoryWords {
  /** An organisation's name in the directory; undefined for one not in it (an applicant). */
  orgName: (org: string) => string | undefined;
  /** How a deadline stood at an instant (`deadlineStanding` by the calendar in force). */
  standing: (at: string, dueAt: string | null, dueDate: string | null) => { workingDaysOverdue: number | null; overdue: boolean };
  /** The article a task opened by the event at `position` rests on (projections `openedArticles`). */
  article: (position: number, stage: string) => string | null;
}

/**
 * The names of the fields of a command's data (machines/fieldLabels.ts), by path without list indices; undefined
 * when none has one. Compliance QA: a history's data was keys alone (destructionDays, resultsDueMonths), though the
 * regulation's words for each are what a refusal says.
 */
function fieldNames(data: unknown, form: string): Record<string, string> | undefined {
  const names: Record<string, string> = {};
  const walk = (value: unknown, path: string[]) => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item, path);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      const at = [...path, key];
      const name = fieldLabel(at.join('.'), form);
      if (name !== undefined) names[at.join('.')] = name;
      walk(child, at);
    }
  };
  walk(data, []);
  return Object.keys(names).length > 0 ? names : undefined;
}

/** `HistoryWords` from the directory and the calendar in force. */
export function historyWords(directory: { get(code: string): { name: string } | undefined }, calendar: QueryCalendar, article: HistoryWords['article']): HistoryWords {
  return { orgName: (org) => directory.get(org)?.name, standing: (at, dueAt, dueDate) => deadlineStanding(calendar, at, dueAt, dueDate), article };
}

/**
 * A history with the words a reader needs beside the codes (compliance QA: organisations and roles as codes
 * alone, and a closed deadline saying nothing of whether it was met, which npm run replay says): each actor's
 * role and organisation by name, each task opened by its organisation's name, each task closed with the
 * deadline it had then (as opened, re-stated, handed on) and whether it was met.
 */
function namedAndTimed(history: CaseHistory, words: HistoryWords): CaseHistory {
  const named = <T extends { org: string }>(x: T): T & { orgName?: string } => {
    const name = words.orgName(x.org);
    return name === undefined ? x : { ...x, orgName: name };
  };
  const open = new Map<string, { dueAt: string | null; dueDate: string | null }>();
  /** The article of each stage's task as last opened up to `asOf` (for `tasksAsOf`). */
  const articleAsOf = new Map<string, string | null>();
  const withArticle = (position: number, at: string) => <T extends { stage: string }>(t: T): T & { article: string | null } => {
    const a = words.article(position, t.stage);
    if (history.asOf !== undefined && storedInstant(at) <= history.asOf) articleAsOf.set(t.stage, a);
    return { ...t, article: a };
  };
  const events = history.events.map((entry) => {
    const closed = entry.deadlines.closed.map((c) => {
      const task = open.get(c.stage);
      open.delete(c.stage);
      if (!task) return c;
      const { workingDaysOverdue, overdue } = words.standing(c.completedAt, task.dueAt, task.dueDate);
      return { ...c, dueAt: task.dueAt, dueDate: task.dueDate, late: overdue, workingDaysOverdue };
    });
    for (const r of entry.deadlines.restated) if (open.has(r.stage)) open.set(r.stage, { dueAt: r.new.dueAt, dueDate: r.new.dueDate });
    for (const t of entry.deadlines.opened) open.set(t.stage, { dueAt: t.dueAt, dueDate: t.dueDate });
    const role = Object.hasOwn(ROLE_LABELS, entry.actor.role) ? ROLE_LABELS[entry.actor.role as Role] : undefined;
    const dataLabels = fieldNames(entry.data, entry.command === 'START' ? entry.machine.name : `${entry.machine.name}.${entry.command}`);
    return {
      ...entry,
      ...(dataLabels ? { dataLabels } : {}),
      actor: { ...named(entry.actor), ...(role !== undefined ? { roleLabel: role } : {}) },
      deadlines: { ...entry.deadlines, opened: entry.deadlines.opened.map(named).map(withArticle(entry.position, entry.at)), closed },
    };
  });
  const asOfTask = <T extends { org: string; stage: string }>(t: T) => ({ ...named(t), article: articleAsOf.get(t.stage) ?? null });
  return { ...history, events, ...(history.tasksAsOf ? { tasksAsOf: history.tasksAsOf.map(asOfTask) } : {}) };
}

/** One event as a history or a command's answer shows it (`HistoryEvent`), by the machine version that decided it. */
export function labelledEvent(entry: HistoryEntry, registry: ProcessRegistry): LabelledEntry {
  return labelledEntry(entry, registry.get(entry.machine.name, entry.machine.version));
}

/**
 * A case as API.md shows it. Its tasks say how their deadlines stand at `now.asOf` by the calendar in
 * force, as the caller's inbox would: a reviewer who opens a case from a link, not from the inbox, is
 * told as plainly that it is overdue. `writtenTexts`: the texts its machine wrote into its context
 * (`ProcessDefinition.writtenTexts`), by their Chinese, in the caller's language.
 */
export function caseView(
  state: CaseState,
  allowedCommands: string[],
  now: { calendar: QueryCalendar; asOf: string; provisionalNote?: (task: ProvisionalTask) => string | undefined },
  holders: {
    /** Who holds the task, by name (Engine#orgNameOf). */
    name: (task: { role: string; org: string }) => string;
    /** Who may act on it now (Engine#actingOrgs: an abolished organisation's successor in its place). */
    acting: (task: { org: string; orgs?: unknown }) => string[];
  },
  writtenTexts?: Readonly<Record<string, string>>,
  def?: ProcessDefinition,
): z.infer<typeof CaseView> {
  return {
    id: state.caseId,
    process: state.process,
    version: state.version,
    state: state.state,
    // A version this build lacks (a newer build's case) names its state by its code.
    stateLabel: def ? stateLabel(def, state.state) : state.state,
    final: state.final,
    revision: state.revision,
    input: state.input,
    // Its `input` is the start form as the applicant wrote it: an expected benefit typed as one of the
    // machine's texts read in English in `context.input` and in Chinese in `input`, one field, two values.
    context: writtenTexts ? inWrittenTexts(state.snapshot.context, writtenTexts, 'input') : state.snapshot.context,
    tasks: state.tasks.map((task) => ({
      ...taskView(task),
      orgs: holders.acting(task),
      orgName: holders.name(task),
      article: task.article ?? null,
      ...withProvisionalNote(task, now.provisionalNote),
      // From the read models, where the route has them (GET /v1/cases/:id): the case's events keep old and new apart.
      restatedFrom: null,
      ...deadlineStanding(now.calendar, now.asOf, task.dueAt ?? null, task.dueDate ?? null),
    })),
    allowedCommands,
    commandLabels: Object.fromEntries(allowedCommands.map((command) => [command, def ? commandLabelOf(def, command) : command])),
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
  };
}

/**
 * `value` with every string `texts` has a key for replaced by its value; anything else as it is (shared,
 * not copied), and so is its own field `kept`, when it is an object.
 */
function inWrittenTexts(value: unknown, texts: Readonly<Record<string, string>>, kept?: string): unknown {
  if (typeof value === 'string') return Object.hasOwn(texts, value) ? texts[value] : value;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const items = value.map((item) => inWrittenTexts(item, texts));
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  let changed: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    if (key === kept) continue;
    const shown = inWrittenTexts(item, texts);
    if (shown !== item) (changed ??= { ...value })[key] = shown;
  }
  return changed ?? value;
}

/** The published cases a case names (engine `linkedFacts`), their service modes named in `lang`. */
export function publishedView(facts: Awaited<ReturnType<Engine['linkedFacts']>>, lang: 'zh' | 'en'): z.infer<typeof PublishedView>[] {
  return facts.map(({ caseId, process, title, publishedAt, serviceModes }) => ({
    caseId,
    process,
    title,
    publishedAt,
    serviceModes: serviceModes.map(({ code, label }) => ({ code, label: label[lang] })),
  }));
}

/**
 * Query filters naming a process or a state: one the registry knows (any version). A misspelt
 * filter is refused with the choices, rather than answered with an empty list that looks like
 * "no work".
 */
export function registryFilters(registry: ProcessRegistry) {
  const names = registry.names();
  /** Each process's states, in any of its versions. */
  const statesOf = new Map(names.map((name) => [name, [...new Set(registry.list().flatMap((def) => (def.name === name ? allStates(def) : [])))].sort()]));
  const states = [...new Set([...statesOf.values()].flat())].sort();
  return {
    /**
     * A `state` the named `process` has in none of its versions (`normativeReview` of a list
     * adjustment) matches no case: refused, naming the process's states, not answered with an empty page.
     */
    stateOfProcess: (query: { process?: string | undefined; state?: string | undefined }, ctx: z.RefinementCtx) => {
      if (query.process === undefined || query.state === undefined) return;
      const own = statesOf.get(query.process);
      if (own && !own.includes(query.state)) ctx.addIssue({ code: 'custom', path: ['state'], message: `流程 ${query.process} 没有此状态，可选：${own.join('、')}` });
    },
    process: z
      .string()
      .max(100)
      .refine((v) => names.includes(v), { error: `未知的流程，可选：${names.join('、')}` })
      // The document lists the names, so that a generated client offers them instead of any string refused here.
      .meta({ enum: names }),
    state: z
      .string()
      .max(100)
      .refine((v) => states.includes(v), { error: `未知的状态，可选：${states.join('、')}` })
      .meta({ enum: states }),
  };
}

// ── Request envelopes ───────────────────────────────────────────────────────────────────

/**
 * POST /v1/cases: the route checks the envelope only; the engine checks `input` with the form of the
 * process (VALIDATION_FAILED with its own `errors`). The OpenAPI document publishes the forms beside it.
 */
export const StartBody = z.strictObject({ process: z.string().min(1).max(100), input: z.unknown() });

/** POST /v1/cases/:id/commands: `data` is checked by the engine with the form of the case's process and version. */
export const CommandBody = z.strictObject({
  type: z.string().min(1).max(100),
  data: z.unknown().optional(),
  expectedRevision: z.number().int().min(0).optional(),
});

// ── Answers documented without a serializing schema ─────────────────────────────────────
// These routes answer what the read models return, as it is (reports answer CSV too): the schemas
// below only document it (api/openapi.ts), and the checks at the end keep them equal to the types.

const Summary = z
  .object({
    title: z.string(),
    applicant: z.string().optional(),
    provider: z.string().optional(),
    returns: z
      .number()
      .int()
      .optional()
      .describe(docText('案件被退回修改的次数（如开放数据被规范性审查退回）；从未退回的案件没有此字段', 'how many times the case was returned for revision (a dataset release returned by the normative review); absent for a case never returned')),
  })
  .describe(docText('办理人员据以分拣的案件摘要', 'what a reviewer triages by'));

/** GET /v1/inbox (projections/inbox.ts `InboxPage`). */
export const InboxPageView = z.object({
  items: z.array(
    z.object({
      caseId: z.string(),
      process: z.string(),
      state: z.string(),
      stage: z.string(),
      label: z.string(),
      role: z.string(),
      org: z.string(),
      orgName: TaskOrgName,
      orgs: z.array(z.string()).describe(docText('可以办理该待办的全部机构', 'every organisation that may act on the task')),
      enteredAt: Instant,
      dueAt: Instant.nullable().describe(docText('没有期限的待办为 null：告知类（仅供知悉），或开放主体自行安排的编制、修改（如被退回后的 drafting、revising）', 'null for a task with no deadline: a notice (information only), or work a provider does in its own time (drafting, revising, as after a return)')),
      dueDate: z.string().nullable(),
      basis: z.string().nullable(),
      article: z.string().nullable(),
      provisional: z.boolean(),
      provisionalNote: ProvisionalNote,
      calendarVersion: z.string().nullable(),
      countsFrom: CountsFrom,
      ...DeadlineStandingFields,
      restatedFrom: z
        .string()
        .nullable()
        .describe(
          docText(
            '节假日安排通知重新确定期限之前的期限日期（期限可能因此提前）；从未重新确定时为 null',
            'the due date before a holiday notice re-stated the deadline (it may have moved earlier); null when it never was',
          ),
        ),
      summary: Summary,
      awaiting: z
        .array(AwaitedCaseView)
        .optional()
        .describe(
          docText(
            '本案件等待的案件：其命令所指的关联案件尚未进入该命令完成所需的状态（如第十五条 MARK_OPENED 所指的数据集开放案件尚未发布）；本待办及其期限在此期间仍然有效；没有时不给出',
            'the cases this case waits on: a command of it named a case short of the state the command completes on (Article 15: MARK_OPENED naming a release not yet published); this task and its deadline stand meanwhile; absent when none',
          ),
        ),
      awaitedBy: z
        .array(WaitingCaseView)
        .optional()
        .describe(
          docText(
            '等待本案件的案件的待办及其期限（如等待本数据集发布的未开放数据需求申请），据以安排办理先后；没有时不给出',
            "the open tasks, with their deadlines, of the cases waiting on this one (an unopened-data request waiting for this release's publication), to prioritise by; absent when none",
          ),
        ),
    }),
  ),
  nextCursor: z.string().nullable(),
});

/** GET /v1/cases: the read model's row without its stream and parties, named by `id` as GET /v1/cases/:id is. */
export const CaseListView = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      caseId: z.string().describe(docText('与 id 相同，为按此字段编写的客户端保留', 'the same as id, kept for clients written against it')),
      process: z.string(),
      version: z.number().int(),
      state: z.string(),
      stateLabel: StateLabel,
      final: z.boolean(),
      revision: z.number().int(),
      position: z.number().int(),
      providerOrg: z.string().nullable(),
      applicantOrg: z.string().nullable(),
      region: z.string().nullable(),
      createdAt: Instant,
      updatedAt: Instant,
      summary: Summary,
      tasks: z
        .array(TaskView.pick({ stage: true, label: true, role: true, org: true, dueAt: true, dueDate: true, provisional: true }).extend({ orgName: TaskOrgName, ...DeadlineStandingFields }))
        .describe(
          docText(
            '案件当前的待办：谁在办理、何时到期，顺序与待办列表相同（紧急的在前，再按期限先后，没有期限的在后）；已结束的案件为空数组。待办的全部字段见 GET /v1/cases/:id',
            "the case's open tasks: who acts and by when, in the inbox's order (an urgent one first, then by deadline, those with no deadline last); empty for a case that ended. GET /v1/cases/:id gives every field of them",
          ),
        ),
    }),
  ),
  nextCursor: z.string().nullable(),
});

/** GET /v1/reports/overdue, format=json (projections/sla.ts `OverdueReport`). */
export const OverdueReportView = z.object({
  asOf: z.string(),
  items: z.array(
    z.object({
      caseId: z.string(),
      process: z.string(),
      stage: z.string(),
      label: z.string(),
      org: z.string(),
      orgName: z.string(),
      enteredAt: Instant,
      dueAt: Instant,
      completedAt: Instant.optional().describe(docText('截至 asOf，该环节（逾期）办结的时间', 'when the stage was finished (late) by asOf')),
      workingDaysOverdue: z.number().int().nullable(),
      basis: z.string().nullable(),
      article: z.string().nullable(),
      provisional: z
        .boolean()
        .describe(
          docText(
            '期限是否为临时期限（在其年度的节假日安排通知载入前按法定节假日计算）；CSV 中为“临时期限”列（是/否）',
            "whether the deadline was provisional (counted from the statutory holidays before its year's holiday notice was loaded); in CSV, a column of its own (yes or no)",
          ),
        ),
      status: z.enum(['open', 'finishedLate', 'cancelledLate']),
      countsFrom: CountsFrom,
      restatedFrom: z
        .string()
        .optional()
        .describe(
          docText(
            '国务院节假日安排通知重新核定期限、使期限日期改变时，被替换的原期限日期（YYYY-MM-DD），与待办列表相同（多次改变的为最近一次）；未改变的不给出。CSV 中为“原期限（节假日通知调整前）”列',
            'the due date a holiday notice replaced when it moved this deadline (YYYY-MM-DD), as the inbox gives it (the last one, if moved more than once); absent when none moved it. In CSV, a column of its own',
          ),
        ),
    }),
  ),
  byOrg: z.array(
    z.object({
      org: z.string(),
      orgName: z.string(),
      open: z.number().int(),
      overdue: z.number().int(),
      finishedLate: z.number().int(),
      cancelledLate: z.number().int(),
    }),
  ),
});

/** GET /v1/reports/sla, format=json (projections/sla.ts `SlaReport`). */
export const SlaReportView = z.object({
  from: z.string(),
  to: z.string(),
  asOf: z.string(),
  groupBy: z.enum(['org', 'process', 'stage']),
  rows: z.array(
    z.object({
      key: z.string(),
      name: z.string(),
      finished: z.number().int(),
      onTime: z.number().int(),
      late: z.number().int(),
      cancelled: z
        .number()
        .int()
        .describe(
          docText(
            '在该时间段内未经办理即关闭的环节（案件撤回或终止）：不计入办结率',
            'closed in the period without the work being done (the case withdrawn or ended): not counted in the rate',
          ),
        ),
      cancelledLate: z.number().int().describe(docText('其中在期限届满后才关闭的', 'of those, closed after the deadline had passed')),
      basis: z
        .string()
        .nullable()
        .describe(
          docText(
            'groupBy=stage 时：该环节的时限依据（statute、policy、agreement）；按机构或流程分组的行混合多种依据，为 null（可用 basis= 筛选，筛选后每行为所筛选的依据）',
            "groupBy=stage: the basis of the stage's deadline (statute, policy, agreement); null for org and process rows, which mix them (filter with basis=, and every row then has it)",
          ),
        ),
      onTimeRate: z.number().nullable().describe(docText('onTime / finished，保留 4 位小数；没有办结的环节时为 null', 'onTime / finished, 4 decimals; null when nothing finished')),
      openOverdue: z.number().int(),
    }),
  ),
});

/** The answer of GET /v1/cases as the route builds it. */
export type CaseListAnswer = { items: (Omit<CaseListEntry, 'streamId' | 'parties'> & { id: string; stateLabel: string })[]; nextCursor: string | null };

/** True when A and B are the same type: a documented answer that drifts from its read model fails to compile. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const documentedAsAnswered: [
  Same<z.output<typeof InboxPageView>, InboxPage>,
  Same<z.output<typeof CaseListView>, CaseListAnswer>,
  Same<z.output<typeof OverdueReportView>, OverdueReport>,
  Same<z.output<typeof SlaReportView>, SlaReport>,
] = [true, true, true, true];
void documentedAsAnswered;

/**
 * A whole number in a query (`limit`, `dueWithin`, `minPosition`, `workingDays`, `version`), from
 * `min` (and up to `max`). A blank value (`dueWithin=`, `workingDays=%20`) is refused, as a blank
 * `org=` or `final=` is: read as a number it was 0 (Number('') and Number(' ') are), a filter nobody
 * asked for that hid all work. Not z.coerce: it turns a missing value into NaN, which reads "应为数字"
 * where a required one should read "必填".
 */
export function wholeNumberQuery(min: number, max?: number, options: { noLeadingZero?: boolean } = {}) {
  // The range first, and alone when it fails: a number past any integer is told its bound once, not
  // also in zod's words ("数值过大：期望 int <=9007199254740991").
  const bounded = z.number().min(min, { abort: true });
  return z.preprocess(
    (value, ctx) => {
      if (typeof value === 'string' && value.trim() === '') {
        ctx.addIssue({ code: 'custom', message: '不能为空', input: value });
        return z.NEVER;
      }
      if (typeof value !== 'string') return value;
      // Decimal digits only: Number() also read `0x10` as 16, `1e3` as 1000, `+5` and ` 5` as 5.
      if (!DECIMAL.test(value)) {
        // Digits typed full-width (１０): said so, not only "应为数字" (a space around ASCII digits is told 应为数字 as before).
        if (!typedFullWidth(value)) return Number.NaN;
        ctx.addIssue({ code: 'custom', message: formatMessage('应为数字', value), input: value });
        return z.NEVER;
      }
      // A whole number is not written with a point: a path's year `2027.0` loaded a holiday notice for 2027
      // (compliance QA), where `2.027e3` was refused. Nor, where `noLeadingZero` (a year), with a leading
      // zero: `02027` did too. A count may have one (`workingDays=05`, as it always could).
      if (/\.0*$/.test(value)) {
        ctx.addIssue({ code: 'custom', message: '应为整数', input: value });
        return z.NEVER;
      }
      if (options.noLeadingZero && /^-?0\d/.test(value)) {
        ctx.addIssue({ code: 'custom', message: '应为整数，不带前导零', input: value });
        return z.NEVER;
      }
      // Digits past any double (Infinity) are a number too large, not "not a number".
      const number = Number(value);
      // `-0` is below every bound as its sign says (changes QA: it passed min 0 while `00`… was refused).
      if (Object.is(number, -0)) return -1;
      return Number.isFinite(number) ? number : (value.startsWith('-') ? -1 : 1) * Number.MAX_VALUE;
    },
    (max === undefined ? bounded : bounded.max(max, { abort: true })).int(),
  );
}

/** A number as a query or a path writes it: decimal digits, a minus sign and a fraction allowed (refused by the range and `int`). */
const DECIMAL = /^-?\d+(?:\.\d+)?$/;

/**
 * `minPosition=<position>` (API.md "Cases"), the position a command answered with: every read
 * endpoint takes it. Read models may lag behind the store (EventStoreDB mode): a route that answers
 * from them waits for it (`caughtUp`, api/routes/work.ts), and /docs says so there; the routes that
 * answer from the store itself say what it does on theirs (`CurrentQuery`, `CaseQuery`).
 */
export const MinPosition = {
  minPosition: wholeNumberQuery(0)
    .optional()
    .describe(
      docText(
        '命令应答中的 position：读模型落后于此位置时（EventStoreDB 模式）最多等待 2 秒再应答；应答头 x-read-models-position 给出读模型已到的位置，小于此值即结果仍然滞后',
        'the position a command answered with: while the read models are behind it (EventStoreDB mode), the answer waits for them, up to 2 seconds; its x-read-models-position header says how far they had come (below this position, the answer is still behind it)',
      ),
    ),
};

/**
 * The query of a read endpoint that answers from the store itself (a case, its history and its
 * verification, the calendar) or from nothing stored at all (the processes): always current, it takes
 * `minPosition` as every read endpoint does, and answers at once — there is nothing to wait for, and
 * no read-models position to tell. Any other parameter is refused, as on every other route, not
 * silently ignored.
 */
export const CurrentQuery = z.strictObject({
  minPosition: MinPosition.minPosition.describe(
    docText(
      '与其他读取接口一样接受此参数；本路由直接读取存储，不会滞后，立即应答',
      'taken as on every read endpoint; this route answers from the store itself, is never behind, and answers at once',
    ),
  ),
});

/**
 * The query of a case's view (GET /v1/cases/:id): the case is the store's own and never behind, but its
 * `awaitedBy` comes from the read models (the inbox's waits, the case list's parties), which follow the
 * store with EventStoreDB: there `minPosition` waits for them while they are behind it, briefly and
 * boundedly (API.md), and `x-read-models-position` says how far they had come, as every read endpoint
 * from them does (`readModelsAt`). Embedded, they commit with the log: it answers at once, with no header.
 */
export const CaseQuery = z.strictObject({
  minPosition: MinPosition.minPosition.describe(
    docText(
      '与其他读取接口一样接受此参数；案件本身直接读取存储，不会滞后；awaitedBy 来自读模型，读模型落后于此位置时（EventStoreDB 模式）最多等待 2 秒，应答头 x-read-models-position 给出读模型已到的位置（小于此值即 awaitedBy 可能仍然滞后），否则立即应答',
      'taken as on every read endpoint; the case itself is read from the store and is never behind; awaitedBy comes from the read models, which the answer waits for, up to 2 seconds, while they are behind this position (EventStoreDB mode), its x-read-models-position header saying how far they had come (below this position, awaitedBy may still be behind); otherwise it answers at once',
    ),
  ),
});

/** What an instant whose offset's `+` arrived as a space is told, after what it should be. */
export const PLUS_AS_SPACE_HINT = '在网址中，时区偏移的 + 须写作 %2B（未编码的 + 会变成空格）';

/** An instant whose offset's `+` was written as is in a URL, and arrived as a space (`…T08:00:00 08:00`). */
export function writtenPlusAsSpace(input: string): boolean {
  return / \d{2}:?\d{2}$/.test(input);
}
