/**
 * Reading a case's history as people do: a timeline with Chinese labels — when (Asia/Shanghai),
 * who (name, role, organisation from the directory), what (the command's label from the machine's
 * catalogue), the state before and after, the deadlines opened and closed — and the verification
 * of its hash chain and replay. Also: verifying every case of the store.
 */
import type { CaseReading } from '../../api/app.js';
import { CalendarNotCoveredError, type WorkingDayCalendar } from '../../calendars/index.js';
import { SYSTEM_ACTOR } from '../../engine/engine.js';
import { commandLabelOf, START, type CaseEventMetadata, type DeadlineRestated, type Task } from '../../engine/events.js';
import type { Verification } from '../../engine/verify.js';
import { isDamagedStore } from '../../engine/errors.js';
import type { CaseState } from '../../engine/fold.js';
import { readAllPastUnreadable, UnreadableEventError, type RecordedEvent } from '../../eventstore/types.js';
import { verifyCase } from '../../api/verifyCase.js';
import { stateLabel } from '../../machines/describe.js';
import { caseFacts, ourCaseOfStream } from '../../projections/metadata.js';
import { isCreditCode, isIdNumber } from '../../machines/schemas.js';
import type { Actor, ProcessDefinition, Role } from '../../machines/types.js';
import { nextTurn } from '../../infra/turn.js';

const ROLE_LABELS: Record<Role, string> = {
  applicant: '利用主体',
  provider: '开放主体',
  authority: '主管部门',
  supervisor: '监督评估',
  auditor: '审计',
  admin: '平台管理员',
  system: '系统',
};

const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];
const SHANGHAI_OFFSET_MS = 8 * 3600_000;

/** `2025-03-03 周一 09:30`, Asia/Shanghai; with 休息日 / 节假日 / 调休上班 where the calendar says so. */
export function shanghaiTime(instant: string, calendar?: WorkingDayCalendar, seconds = false): string {
  const local = new Date(Date.parse(instant) + SHANGHAI_OFFSET_MS);
  const text = local.toISOString();
  const date = text.slice(0, 10);
  const weekday = local.getUTCDay();
  let kind = '';
  try {
    if (calendar) {
      const working = calendar.isWorkingDay(date);
      const weekend = weekday === 0 || weekday === 6;
      if (!working) kind = weekend ? '，休息日' : '，节假日';
      else if (weekend) kind = '，调休上班';
    }
  } catch {
    // A day outside the calendar's years: no remark.
  }
  return `${date} ${WEEKDAYS[weekday]}${kind} ${text.slice(11, seconds ? 19 : 16)}`;
}

/**
 * A deadline a holiday notice re-stated, as replay tells it: old → new, whether it became official,
 * and, when the date the notice gives was not taken (engine.ts restateDeadlines), that date and why —
 * an auditor counting against the notice found 2028-01-24 where the case said 01-31, and no word of it
 * (calendar QA).
 */
export function restatedText(r: DeadlineRestated, label: string, calendar?: WorkingDayCalendar): string {
  const notes: string[] = [];
  if (r.old.provisional && !r.new.provisional) notes.push('暂定期限按已载入的通知改为正式期限');
  else if (r.old.provisional) notes.push('仍为暂定期限');
  if (r.computed) {
    const given = `按新日历为 ${shanghaiTime(r.computed.dueAt, calendar)}`;
    notes.push(
      Date.parse(r.new.dueAt) === Date.parse(r.old.dueAt)
        ? `${given}，早于通知载入之日，保持原期限`
        : `${given}，早于通知载入之日，定为载入之日（逢休息日为其后第一个工作日），不使任务事后逾期`,
    );
  }
  notes.push(`日历版本 ${r.old.calendarVersion} → ${r.new.calendarVersion}`);
  return `${label} ${shanghaiTime(r.old.dueAt, calendar)} → ${shanghaiTime(r.new.dueAt, calendar)}（${notes.join('；')}）`;
}

/** An organisation as people name it: the directory's name, or what an applicant's code is. */
function orgText(app: CaseReading, code: string): string {
  const org = app.directory.get(code);
  if (org) return `${org.name}（${org.code}）`;
  if (code.startsWith('person-')) return `个人用户 ${code.slice('person-'.length)}`;
  // A natural person's 身份证号 is 18 characters too: it is no organisation's code.
  if (isIdNumber(code)) return `身份证号 ${code}`;
  return isCreditCode(code) ? `统一社会信用代码 ${code}` : code;
}

function actorText(app: CaseReading, actor: Actor): string {
  if (actor.role === 'system' || actor.sub === SYSTEM_ACTOR.sub) return '系统（引擎/调度器）';
  return `${actor.name ?? actor.sub} · ${ROLE_LABELS[actor.role] ?? actor.role} · ${orgText(app, actor.org)}`;
}

function orgsText(app: CaseReading, task: Task, applicantName?: string): string {
  if (task.role === 'applicant' && applicantName) return applicantName;
  const codes = task.orgs?.length ? task.orgs : [task.org];
  return codes.filter(Boolean).map((code) => app.directory.nameOf(code)).join(' 或 ') || '—';
}

function basisText(task: Pick<Task, 'basis' | 'article' | 'provisional'>): string {
  const basis = task.basis === 'statute' ? '法定时限' : task.basis === 'policy' ? '平台政策时限' : task.basis === 'agreement' ? '协议约定时限' : '';
  const parts = [basis, task.article, task.provisional ? '按法定节假日暂定' : undefined].filter(Boolean);
  return parts.length > 0 ? `（${parts.join('，')}）` : '';
}

function dataText(data: unknown): string | undefined {
  if (data === null || data === undefined) return undefined;
  if (typeof data === 'object' && Object.keys(data as object).length === 0) return undefined;
  const json = JSON.stringify(data);
  return json.length > 180 ? `${json.slice(0, 177)}…` : json;
}

export interface Timeline {
  lines: string[];
  verification: Verification;
}

/**
 * The case's history as text lines, and its verification. Throws the engine's NOT_FOUND for an
 * unknown case. A case whose stored events cannot be read or replayed through its process gets no
 * timeline, only its verification, which names the first event at fault.
 */
export async function timeline(app: CaseReading, caseId: string, now: Date): Promise<Timeline> {
  let current: CaseState;
  let events: RecordedEvent[];
  try {
    current = await app.engine.getCase(caseId);
    events = await app.engine.history(caseId);
  } catch (err) {
    if (!isDamagedStore(err)) throw err;
    const verification = await verifyCase(app, caseId);
    return { lines: [`案件 ${caseId}`, '事件流无法读取或无法按流程重放，不能显示时间线。', '', verificationText(verification)], verification };
  }
  const def = app.engine.definitionOf(events[0]!);
  const calendar = app.calendar.current();
  const label = (state: string | null) => (state === null ? '—' : `${stateLabel(def, state)}（${state}）`);
  const first = events[0]!.metadata as unknown as CaseEventMetadata;
  const lines: string[] = [
    `案件 ${caseId}`,
    `流程：${def.title}（${def.name} v${def.version}；${def.articles.join('、')}）`,
    `标题：${first.summary.title}` +
      (first.summary.applicant ? `  申请人：${first.summary.applicant}` : '') +
      (first.parties.providerOrg ? `  开放主体：${app.directory.nameOf(first.parties.providerOrg)}（${first.parties.providerOrg}）` : ''),
    `当前状态：${label(current.state)}${current.final ? '，已办结' : ''}  共 ${events.length} 个事件`,
    '时间均为北京时间。',
    '',
  ];

  const opened = new Map<string, Task>();
  let lastTimers = '[]';
  for (const event of events) {
    const meta = event.metadata as unknown as CaseEventMetadata;
    lines.push(`#${String(event.revision).padEnd(3)} ${shanghaiTime(meta.at, calendar, true)}  ${commandLabelOf(def, meta.command)}〔${meta.command}〕`);
    lines.push(`     办理：${actorText(app, meta.actor)}`);
    const moved = meta.stateBefore !== meta.stateAfter;
    lines.push(`     状态：${moved ? `${label(meta.stateBefore)} → ${label(meta.stateAfter)}` : `${label(meta.stateAfter)}，不变`}${meta.final ? '，办结' : ''}`);
    if (meta.command === START) {
      const s = meta.summary;
      lines.push(`     内容：${[s.title, s.applicant ? `申请人 ${s.applicant}` : undefined].filter(Boolean).join('，')}`);
    } else {
      const text = dataText(event.data);
      if (text) lines.push(`     数据：${text}`);
    }
    for (const [id, linked] of Object.entries(meta.links ?? {})) {
      const linkedDef = app.registry.latest(linked.process);
      lines.push(`     关联：${linkedDef?.title ?? linked.process} ${id}，当时状态 ${linkedDef ? stateLabel(linkedDef, linked.state) : linked.state}（${linked.state}）`);
    }
    if (meta.causationId) lines.push(`     起因：事件 ${meta.causationId}`);
    for (const closed of meta.tasksClosed ?? []) {
      const task = opened.get(closed.stage);
      opened.delete(closed.stage);
      let verdict = '';
      const late = task?.dueAt !== undefined && Date.parse(closed.completedAt) > Date.parse(task.dueAt);
      const overdue = late && task?.dueAt ? calendar.workingDaysOverdue(closed.completedAt, task.dueAt) : 0;
      // A cancelled task was not done: no "on time" for it (第十九条 counts only work done).
      if (closed.cancelled) verdict = late ? `，未办理即取消（取消时已逾期 ${overdue} 个工作日）` : '，未办理即取消';
      else if (task?.dueAt) verdict = late ? `，逾期 ${overdue} 个工作日` : '，按期';
      // Whose, as the opening line says it: two items of one label (a results report's 知悉 for the provider and for the authority) read alike otherwise.
      const whose = task ? ` · ${ROLE_LABELS[task.role] ?? task.role} ${orgsText(app, task, first.summary.applicant)}` : '';
      lines.push(`     期限关闭：${task?.label ?? closed.stage}${whose}${task?.dueAt ? `（截止 ${shanghaiTime(task.dueAt, calendar)}）` : '（无期限）'}${verdict}`);
    }
    for (const task of meta.tasksOpened ?? []) {
      opened.set(task.stage, task);
      const due = task.dueAt ? `截止 ${shanghaiTime(task.dueAt, calendar)}${basisText(task)}` : '无期限（仅告知）';
      lines.push(`     期限开启：${task.label} · ${ROLE_LABELS[task.role] ?? task.role} ${orgsText(app, task, first.summary.applicant)} · ${due}`);
    }
    for (const r of meta.deadlinesRestated ?? []) {
      lines.push(`     期限重新核定：${restatedText(r, opened.get(r.stage)?.label ?? r.stage, calendar)}`);
      const task = opened.get(r.stage);
      if (task) opened.set(r.stage, { ...task, ...r.new });
    }
    for (const r of meta.tasksReassigned ?? []) {
      const task = opened.get(r.stage);
      const moved = task ? { ...task, ...r.new } : undefined;
      lines.push(`     待办转办：${task?.label ?? r.stage} ${task ? orgsText(app, task) : app.directory.nameOf(r.old.org)} → ${moved ? orgsText(app, moved) : app.directory.nameOf(r.new.org)}（机构调整，期限不变）`);
      if (moved) opened.set(r.stage, moved);
    }
    // Timers are restated with every event; shown when they change.
    const timers = JSON.stringify((meta.timers ?? []).map((t) => [t.command, t.dueAt]));
    if (timers !== lastTimers) {
      for (const timer of meta.timers ?? []) {
        lines.push(`     定时：${commandLabelOf(def, timer.command)}〔${timer.command}〕于 ${shanghaiTime(timer.dueAt, calendar)} 之后由系统执行`);
      }
      // Nothing is paused: the state the case moved to runs no timer (a use terminated awaiting destruction, say).
      if ((meta.timers ?? []).length === 0 && !meta.final) lines.push('     定时：无（当前状态没有定时执行的指令）');
      lastTimers = timers;
    }
    lines.push(`     哈希：${meta.hash.slice(0, 16)}…  前一哈希：${meta.prevHash.slice(0, 16)}…`);
  }

  lines.push('', `当前待办（截至 ${shanghaiTime(now.toISOString(), calendar)}）：`);
  if (current.tasks.length === 0) lines.push('  无');
  for (const task of current.tasks) {
    let status = '无期限';
    if (task.dueAt) {
      const overdue = Date.parse(task.dueAt) < now.getTime();
      try {
        status = overdue
          ? `已逾期 ${calendar.workingDaysOverdue(now.toISOString(), task.dueAt)} 个工作日`
          : `剩余 ${calendar.workingDaysLeft(now.toISOString(), task.dueAt)} 个工作日`;
      } catch (err) {
        // Replayed years later, past what the calendar can count to: the history and its verification
        // are what an auditor came for, and were lost to a stack trace over this one remark.
        if (!(err instanceof CalendarNotCoveredError)) throw err;
        status = `${overdue ? '已逾期' : '未到期'}（日历只能计算 ${err.covered.from}–${err.covered.to} 年的工作日，无法计到 ${err.year} 年）`;
      }
    }
    lines.push(`  - ${task.label} · ${ROLE_LABELS[task.role] ?? task.role} ${orgsText(app, task, first.summary.applicant)} · ${task.dueAt ? `截止 ${shanghaiTime(task.dueAt, calendar)}${basisText(task)}，` : ''}${status}`);
  }

  const verification = await verifyCase(app, caseId);
  lines.push('', verificationText(verification, def));
  return { lines, verification };
}

export function verificationText(v: Verification, def?: ProcessDefinition): string {
  if (v.ok) return `校验：通过 — ${v.events} 个事件，哈希链完整，按 ${def ? `${def.name}@${def.version}` : '其流程版本'} 重放与记录一致。`;
  const at = v.failedAt ? `版本 ${v.failedAt.revision} 的事件（第 ${v.failedAt.revision + 1} 个，${v.failedAt.type}，${v.failedAt.eventId}，日志位置 ${v.failedAt.position}）` : '';
  return `校验：失败 — ${at}${v.reason ?? ''}`;
}

/**
 * Events read, and cases verified, between two turns of the event loop (tens of milliseconds of work).
 * The embedded store answers at once, so a loop over it never let the event loop turn: a Ctrl-C or
 * SIGTERM that a script listens for went unheard until the end (npm run replay -- --all ran on to its
 * summary, the stop ignored).
 */
const EVENTS_PER_TURN = 1_000;
const CASES_PER_TURN = 50;

/** Every case id in `$all`, in the order the cases started; `onRead` is told the position of each event read. */
export async function caseIdsInStore(app: CaseReading, onRead: (position: number) => void = () => {}): Promise<string[]> {
  const ids = new Set<string>();
  let read = 0;
  for await (const event of readAllPastUnreadable(app.store, { afterPosition: 0 })) {
    if (++read % EVENTS_PER_TURN === 0) await nextTurn();
    // An event that cannot be read still names its stream, whose end is the case's id: that case
    // is verified too, and fails naming the event. A case event is its stream's case's, whatever case its
    // metadata names (machines/streams.ts): a stream of events copied from another case was never
    // verified, and replay --all passed the store (changes QA).
    // So does one whose metadata is no object (null, text, a list: changed in the store), which threw here (QA), or
    // names no case ({}). Another program's stream (orders-<uuid>) is no case's, whatever its metadata says (QA-D:
    // one carrying a case's metadata failed the run as a case not found); a case of a process only a newer build
    // has is one when its metadata names its own stream.
    // As the read models file it (projections/metadata.ts caseFacts), else its stream's when the stream is ours.
    const caseId = event instanceof UnreadableEventError ? ourCaseOfStream(event.event.streamId)?.caseId : (caseFacts(event)?.caseId ?? ourCaseOfStream(event.streamId)?.caseId);
    if (typeof caseId === 'string') ids.add(caseId);
    onRead(event instanceof UnreadableEventError ? event.event.position : event.position);
  }
  return [...ids];
}

export interface VerifyAllResult {
  total: number;
  verified: number;
  failed: { caseId: string; reason: string; failedAt?: Verification['failedAt'] }[];
}

/** Verifies every case of the store, or `ids` (app.engine.verify); `onCase` is called after each. */
export async function verifyAll(app: CaseReading, ids?: string[], onCase: (done: number, total: number) => void = () => {}): Promise<VerifyAllResult> {
  ids ??= await caseIdsInStore(app);
  const result: VerifyAllResult = { total: ids.length, verified: 0, failed: [] };
  for (const [i, caseId] of ids.entries()) {
    try {
      const v = await verifyCase(app, caseId);
      if (v.ok) result.verified++;
      else result.failed.push({ caseId, reason: v.reason ?? '', ...(v.failedAt ? { failedAt: v.failedAt } : {}) });
    } catch (err) {
      result.failed.push({ caseId, reason: `无法读取或重放：${(err as Error).message}` });
    }
    onCase(i + 1, ids.length);
    if ((i + 1) % CASES_PER_TURN === 0) await nextTurn();
  }
  return result;
}
