/**
 * Errors are values with a code (shared/spec/API.md "Errors"), mapped to HTTP once, in api/.
 * Every refusal stores nothing. Messages are Chinese by default, English on request.
 */
import { UnreadableEventError, type RecordedEvent } from '../eventstore/types.js';
import { shown } from '../machines/schemas.js';
import { fieldErrorSaid } from '../machines/fieldLabels.js';
import { articleInEnglish } from '../machines/articles.js';
import { ROLE_LABELS } from '../machines/describe.js';
import type { Role } from '../machines/types.js';

export type EngineErrorCode =
  | 'NOT_FOUND'
  | 'UNKNOWN_PROCESS'
  | 'INVALID_TRANSITION'
  | 'FORBIDDEN'
  | 'VALIDATION_FAILED'
  | 'RULE_VIOLATED'
  | 'REVISION_CONFLICT'
  | 'CALENDAR_NOT_COVERED';

export interface Message {
  zh: string;
  en: string;
}

export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    readonly code: EngineErrorCode,
    readonly text: Message,
    /** Extra problem fields: `state`, `allowed`, `rule`, `article`, `errors`, `currentRevision`, `year`. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(text.en);
  }
}

/**
 * The server is stopping, and a request with an idempotency key can no longer be checked against the
 * keys stored elsewhere (`WorkIndex.keysRead`, halted): nothing was stored. The API answers 503
 * `shuttingDown`; a retry with the same key, to a server still running, is decided there.
 */
export class ServerStoppingError extends Error {
  override readonly name = 'ServerStoppingError';
  constructor() {
    super('the server is stopping: the request was not handled');
  }
}

/**
 * A case whose stored stream its machine cannot fold (its start event missing or altered, a machine
 * version nobody registered): the store's content, not the request, is at fault. The API answers
 * 503 with `reason: streamDamaged`; verify names the first event that does not match.
 */
export class DamagedStreamError extends Error {
  override readonly name: string = 'DamagedStreamError';
  constructor(
    readonly streamId: string,
    override readonly cause: unknown,
  ) {
    super(`stream ${streamId} cannot be folded: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

/**
 * A case id with more than one stream (`<process>-<caseId>` under two processes): case ids are random
 * UUIDs, and a keyed start's is derived with its process, so a second stream is written outside the
 * engine — a forged case put in front of the real one, whose stream was then never read nor verified.
 * No stream is taken for the case: 503 `streamDamaged`, and verify names them all.
 */
export class CaseStreamsError extends DamagedStreamError {
  override readonly name = 'CaseStreamsError';
  constructor(
    readonly caseId: string,
    /**
     * Each stream's first event by its identity alone: the error is logged with its fields, and an
     * event's data (a start's applicant: 身份证号, phone, address) went into the error log on every
     * read of the case (privacy QA).
     */
    readonly streams: readonly { streamId: string; events: number; first: Pick<RecordedEvent, 'revision' | 'position' | 'id' | 'type'> }[],
  ) {
    super(streams.map((s) => s.streamId).join(', '), new Error(`case ${caseId} has ${streams.length} streams: ${streams.map((s) => s.streamId).join(', ')}`));
  }
}

/**
 * A case started on a version of its process newer than any this build has (a deployment rolled
 * back, or an older node beside a newer one on one store): nothing is wrong with its events, but
 * folding them with an older version's rules would decide with rules the case was not started on.
 * The API answers 503 with `reason: upgradeRequired`; verify checks its hash chain and says so.
 */
export class UpgradeRequiredError extends Error {
  override readonly name = 'UpgradeRequiredError';
  constructor(
    readonly streamId: string,
    readonly process: string,
    readonly version: number,
    /** The newest version of the process this build has; undefined when it has none (a process a newer build added). */
    readonly newestKnown: number | undefined,
  ) {
    super(
      newestKnown === undefined
        ? `stream ${streamId} was started on ${process}@${version}, a process this build does not have`
        : `stream ${streamId} was started on ${process}@${version}, newer than ${process}@${newestKnown}, the newest this build has`,
    );
  }

  /** What the API and verify say of it. */
  get text(): Message {
    if (this.newestKnown === undefined) {
      return {
        zh: `此案件属于本服务没有的流程（${this.process} 第 ${this.version} 版），由更新版本的服务创建，本服务不能显示或办理：请升级本服务，或由更新版本的服务处理`,
        en: `this case belongs to a process this server does not have (${this.process} version ${this.version}), created by a newer version; this server cannot show or act on it: upgrade this server, or use one of the newer version`,
      };
    }
    return {
      zh: `此案件按更新版本的流程办理（${this.process} 第 ${this.version} 版），本服务只有到第 ${this.newestKnown} 版，不能按其规则显示或办理：请升级本服务，或由更新版本的服务处理`,
      en: `this case follows a newer version of its process (${this.process} version ${this.version}); this server has versions up to ${this.newestKnown} only and cannot show or act on it by its rules: upgrade this server, or use one of the newer version`,
    };
  }
}

/**
 * The store's content at fault, not the request (an event that is not JSON, or a stream its machine
 * cannot fold), or beyond this build (a case of a newer machine version): the case cannot be shown.
 */
export function isDamagedStore(err: unknown): err is UnreadableEventError | DamagedStreamError | UpgradeRequiredError {
  return err instanceof UnreadableEventError || err instanceof DamagedStreamError || err instanceof UpgradeRequiredError;
}

/** “名称”（code）, or “code” when there is no name. */
export const named = (label: string | undefined, code: string) => (label && label !== code ? `“${label}”（${code}）` : `“${code}”`);

/** The most errors a VALIDATION_FAILED answer lists. */
const REPORTED_ERRORS = 20;

/**
 * The errors a VALIDATION_FAILED answer lists: the first `REPORTED_ERRORS`, and how many more there
 * were (thousands of unknown fields in one body made an answer of hundreds of megabytes).
 */
export function reportedErrors<E>(all: readonly E[]): ReportedErrors<E> {
  const errors = all.slice(0, REPORTED_ERRORS);
  return reported(errors, all.length - errors.length);
}

interface ReportedErrors<E> {
  errors: E[];
  more: number;
  /** The problem's fields: `errors`, and `moreErrors` when some were left out. */
  details: { errors: E[]; moreErrors?: number };
}

/** `errors` listed, `more` left out. */
function reported<E>(errors: E[], more: number): ReportedErrors<E> {
  return { errors, more, details: more > 0 ? { errors, moreErrors: more } : { errors } };
}

/**
 * A rule a request breaks (`refuse.rule`): its id, article and words; the form's fields it is about, and the
 * words each of them gets when they are several (the rule's in general).
 */
export interface BrokenRule {
  rule: string;
  article: string;
  message: Message;
  fields?: readonly string[];
  fieldMessage?: Message;
}

/** Who sends a command the sender's role may not (`refuse.forbidden`): the organisations of the directory that may, and the applicant when it may. */
export interface SentBy {
  /** The sender's role. */
  role: string;
  orgs: { code: string; name: string }[];
  applicant: boolean;
}

/** `SentBy` as each language writes a list: the organisations, then the applicant by its role. */
function sentBy(by: SentBy, lang: 'zh' | 'en'): string {
  const parts = [...(by.orgs.length > 0 ? [orgsNamed(by.orgs, lang)] : []), ...(by.applicant ? [lang === 'zh' ? `${ROLE_LABELS.applicant}（申请人）` : 'the applicant'] : [])];
  return parts.join(lang === 'zh' ? '、' : ', ');
}

/** Organisations who may act, by name and code (a code alone when the directory has no name for it), as each language writes a list. */
function orgsNamed(orgs: readonly { code: string; name: string }[], lang: 'zh' | 'en'): string {
  return orgs
    .map((o) => (o.name === o.code ? o.code : lang === 'zh' ? `${o.name}（${o.code}）` : `${o.name} (${o.code})`))
    .join(lang === 'zh' ? '、' : ', ');
}

/** A field error, and the Chinese name of its field (machines/fieldLabels.ts) where it has one: for the detail only. */
export interface LabelledError {
  path: string;
  message: string;
  label?: string | undefined;
}

/**
 * VALIDATION_FAILED listing the errors reported, and saying how many more were left out. The Chinese
 * names each field by its key and its name (`reason（理由）必填`); `errors` keep `{ path, message }`
 * alone, as API.md gives them.
 */
function validationFailed({ errors, more }: ReportedErrors<LabelledError>): EngineError {
  return new EngineError(
    'VALIDATION_FAILED',
    {
      zh: `提交的数据不符合要求：${errors.map(fieldErrorSaid).join('；')}${more > 0 ? `；另有 ${more} 处未列出` : ''}`,
      // The API lists the errors after it, in English, and then how many more (`moreErrors`), as the Chinese does.
      en: 'the data sent is not valid',
    },
    unlabelled(errors, more),
  );
}

/** A problem's `errors` (and `moreErrors`) as API.md gives them: `{ path, message }`, the labels said in the detail only. */
export function unlabelled(errors: readonly LabelledError[], more: number): ReportedErrors<{ path: string; message: string }>['details'] {
  return reported(
    errors.map(({ path, message }) => ({ path, message })),
    more,
  ).details;
}

export const refuse = {
  notFound: (caseId: string) =>
    new EngineError('NOT_FOUND', { zh: `案件 ${shown(caseId)} 不存在`, en: `case ${shown(caseId)} not found` }),
  unknownProcess: (process: string) =>
    new EngineError(
      'UNKNOWN_PROCESS',
      { zh: `未知的流程：${shown(process)}`, en: `unknown process: ${shown(process)}` },
      { errors: [{ path: 'process', message: `未知的流程：${shown(process)}` }] },
    ),
  unknownProcessNotFound: (process: string) =>
    new EngineError('NOT_FOUND', { zh: `没有名为 ${process} 的流程`, en: `no process named ${process}` }),
  /** `labels`: the state's and the command's Chinese names, when the machine has them. */
  /** `waiting`: whose work the case waits on, said when the caller may send nothing now (so they know it is not theirs). */
  /**
   * `unknown`: the process, when it has no such command at all (a misspelt `PASS`, `pass_normative_review`):
   * said so, with what the sender may send now, not as if the state refused a real command.
   */
  invalidTransition: (
    state: string,
    command: string,
    allowed: string[],
    labels: {
      state?: string;
      command?: string;
      /** The Chinese names of the commands in `allowed`, said with them. */
      allowed?: Readonly<Record<string, string>>;
      waiting?: Message;
      unknown?: { process: string; title: string; version?: number; since?: number };
      entered?: CaseNow['last'];
    } = {},
  ) => {
    // What the sender may send now, by name (applicants' QA: a citizen was told only what was refused, the
    // commands left as codes in `allowed`).
    const mayNow = allowed.map((c) => named(labels.allowed?.[c], c)).join('、') || '无';
    return new EngineError(
      'INVALID_TRANSITION',
      labels.unknown?.since !== undefined
        ? {
            zh: `本案件按“${labels.unknown.title}”（${labels.unknown.process}）流程第 ${labels.unknown.version} 版办理，该版本没有“${command}”指令（第 ${labels.unknown.since} 版起的案件才有）；案件当前处于${named(labels.state, state)}状态，您现在可发送：${mayNow}`,
            en: `this case follows version ${labels.unknown.version} of process ${labels.unknown.process}, which has no command ${command} (cases on version ${labels.unknown.since} and later have it); the case is in state ${state}, where you may send: ${allowed.join(', ') || 'nothing'}`,
          }
        : labels.unknown
        ? {
            zh: `“${labels.unknown.title}”（${labels.unknown.process}）流程没有“${command}”指令（指令名区分大小写）；案件当前处于${named(labels.state, state)}状态，您现在可发送：${mayNow}`,
            en: `process ${labels.unknown.process} has no command ${command} (command names are case-sensitive); the case is in state ${state}, where you may send: ${allowed.join(', ') || 'nothing'}`,
          }
        : {
            zh: `案件当前处于${named(labels.state, state)}状态${labels.entered ? `（北京时间 ${labels.entered.at} 经${named(labels.entered.label, labels.entered.command)}进入）` : ''}，不接受${named(labels.command, command)}指令${allowed.length > 0 ? `；您现在可发送：${mayNow}` : ''}${labels.waiting ? `；案件正在等待：${labels.waiting.zh}` : ''}`,
            en: `the case is in state ${state}${labels.entered ? ` (entered by ${labels.entered.command}, ${labels.entered.at} Beijing time)` : ''}, which does not accept ${command}${allowed.length > 0 ? `; you may send now: ${allowed.join(', ')}` : ''}${labels.waiting ? `; the case is waiting on: ${labels.waiting.en}` : ''}`,
          },
      { state, allowed },
    );
  },
  /**
   * `label`: the command's Chinese name, when the machine has one. `mayAct`: given when organisations
   * of the sender's own role may send it (another bureau's 本级 case): who, so a reviewer knows it is theirs.
   * `byRole`: given when the sender's role never sends it: who does (provider's QA: a provider approving its
   * own release was told only that its role or organisation may not, where a wrong organisation is told who may).
   */
  forbidden: (command: string, label?: string, mayAct?: { org: string; orgName?: string; orgs: { code: string; name: string }[] }, byRole?: SentBy) =>
    new EngineError(
      'FORBIDDEN',
      mayAct && mayAct.orgs.length > 0
        ? {
            zh: `您所属机构${mayAct.orgName ?? ''}（${mayAct.org}）无权对本案件发送${named(label, command)}指令：只有${orgsNamed(mayAct.orgs, 'zh')}可以发送`,
            en: `your organisation (${mayAct.org}) may not send ${command} on this case: only ${orgsNamed(mayAct.orgs, 'en')} may`,
          }
        : byRole && (byRole.orgs.length > 0 || byRole.applicant)
        ? {
            zh: `您的角色（${ROLE_LABELS[byRole.role as Role] ?? byRole.role}）不能对本案件发送${named(label, command)}指令：该指令由${sentBy(byRole, 'zh')}发送`,
            en: `your role (${byRole.role}) may not send ${command} on this case: it is sent by ${sentBy(byRole, 'en')}`,
          }
        : {
            zh: `您的角色或所属机构无权对本案件发送${named(label, command)}指令`,
            en: `your role or organisation may not send ${command} on this case`,
          },
    ),
  /**
   * Starting a case of a process the caller may not start (or not for the organisation it names).
   * `mayStart`: given when the sender's role may start the case but its organisation is not one
   * the form names for it (a provider's form naming another 开放主体): who may, so the sender sees
   * which field to correct.
   */
  forbiddenStart: (process: string, title: string, mayStart?: { org: string; orgName?: string; orgs: { code: string; name: string }[] }) =>
    new EngineError(
      'FORBIDDEN',
      mayStart && mayStart.orgs.length > 0
        ? {
            zh: `您所属机构${mayStart.orgName ?? ''}（${mayStart.org}）无权发起此${named(title, process)}案件：按所填表单，只有${orgsNamed(mayStart.orgs, 'zh')}可以发起`,
            en: `your organisation (${mayStart.org}) may not start this case of ${process}: as the form is filled in, only ${orgsNamed(mayStart.orgs, 'en')} may`,
          }
        : {
            zh: `您的角色或所属机构无权发起${named(title, process)}案件`,
            en: `your role or organisation may not start a case of ${process}`,
          },
    ),
  /**
   * The data does not match its form (`reportedErrors`: the first of its errors). An error's `label`,
   * its field's Chinese name, is said in the Chinese detail beside its path, and not listed in `errors`.
   */
  validation: (all: LabelledError[]) => validationFailed(reportedErrors(all)),
  /**
   * A refused form (`validation`) with each path named anew by `rename`: where the caller sent the
   * field (`body.issued`, `params.year`) rather than where the form holds it; `label`, the name of the
   * field at the new path, when the caller has one.
   */
  renamed: (refused: EngineError, rename: (path: string) => string, label?: (path: string) => string | undefined) => {
    const errors = (refused.details.errors as { path: string; message: string }[]).map((e) => {
      const path = rename(e.path);
      return { ...e, path, label: label?.(path) };
    });
    return validationFailed(reported(errors, typeof refused.details.moreErrors === 'number' ? refused.details.moreErrors : 0));
  },
  /**
   * `also`: the other rules the same request breaks, each told with its article after the first
   * (`violations` lists them all), so that one answer says everything to put right.
   */
  rule: (
    rule: string,
    article: string,
    message: Message,
    also: readonly BrokenRule[] = [],
    fields?: readonly string[],
    fieldMessage?: Message,
  ) => {
    const all: BrokenRule[] = [{ rule, article, message, ...(fields ? { fields } : {}), ...(fieldMessage ? { fieldMessage } : {}) }, ...also];
    // The fields of the form each broken rule is about (RuleSpec.fields), each with that rule's words: the
    // API lists them as `errors`, in the caller's language (api/problem.ts), as a 400 lists its fields.
    const fieldErrors = all.flatMap((r) => (r.fields ?? []).map((path) => ({ path, message: r.fieldMessage ?? r.message })));
    return new EngineError(
      'RULE_VIOLATED',
      {
        // A refusal no article governs (the machine's own condition) is cited with none.
        zh: all.map((r) => (r.article ? `${r.message.zh}（${r.article}）` : r.message.zh)).join('；'),
        en: all.map((r) => (r.article ? `${r.message.en} (${articleInEnglish(r.article)})` : r.message.en)).join('; '),
      },
      { rule, article, ...(also.length > 0 ? { violations: all.map((r) => ({ rule: r.rule, article: r.article })) } : {}), ...(fieldErrors.length > 0 ? { fieldErrors } : {}) },
    );
  },
  /**
   * An Idempotency-Key sent again with another request: the first answer belongs to the first
   * request, and answering it to this one would tell the sender that what it asked now was done.
   * `elsewhere`: the first request was on another case (its body may be the same): "内容不同" sent a
   * clerk comparing two identical bodies (reviewer QA).
   */
  idempotencyKeyReused: (first: Message, elsewhere = false) =>
    new EngineError(
      'RULE_VIOLATED',
      elsewhere
        ? {
            zh: `该 Idempotency-Key 已用于其他案件的请求（${first.zh}）：一个 Idempotency-Key 只对应一个请求，未执行本次请求。每个不同的请求请使用新的 Idempotency-Key`,
            en: `this Idempotency-Key was already used for a request on another case (${first.en}); a key stands for one request only, and nothing was done: use a new key for each different request`,
          }
        : {
            zh: `该 Idempotency-Key 已用于另一请求（${first.zh}），内容不同：未执行本次请求。每个不同的请求请使用新的 Idempotency-Key`,
            en: `this Idempotency-Key was already used for a different request (${first.en}); nothing was done: use a new key for each different request`,
          },
      { rule: 'idempotencyKeyReused' },
    ),
  /**
   * A start with an Idempotency-Key whose case was deleted from EventStoreDB for good (an operator's
   * tombstone): its id, derived from the key, can never be written again (EventStoreDB review: a 500).
   */
  caseDeleted: () =>
    new EngineError(
      'RULE_VIOLATED',
      {
        zh: '以该 Idempotency-Key 创建的案件已被平台管理员从事件存储中删除，不能以同一 Idempotency-Key 再次创建：未保存任何内容。如需重新提交，请使用新的 Idempotency-Key',
        en: 'the case started with this Idempotency-Key was deleted from the event store by a platform administrator, and cannot be started again with the same key; nothing was stored: to submit again, use a new Idempotency-Key',
      },
      { rule: 'caseDeleted' },
    ),
  /**
   * A holiday notice for `year` was stored by someone else while this one was being loaded: this one is
   * not stored over it unseen (`CalendarInForce.load`). `inForce` is the notice now in force for the year.
   */
  noticeLoadedMeanwhile: (year: number, inForce: { notice: string } | undefined, revision: number, restating: boolean) =>
    new EngineError(
      'REVISION_CONFLICT',
      restating
        ? {
            zh: `另一份 ${year} 年节假日安排通知${inForce ? `（${inForce.notice}）` : ''}刚刚载入，正在重新确定案件期限，本通知未载入：请待其完成后查看现行安排（GET /v1/calendar/${year}），再决定是否载入`,
            en: `another holiday notice for ${year}${inForce ? ` (${inForce.notice})` : ''} was just loaded and its cases' deadlines are being re-stated; this one was not loaded: once that is done, check the arrangement in force (GET /v1/calendar/${year}) before loading it again`,
          }
        : {
            zh: `载入期间已有另一份 ${year} 年节假日安排通知载入${inForce ? `（${inForce.notice}）` : ''}，本通知未载入：请查看现行安排（GET /v1/calendar/${year}）后再决定是否载入`,
            en: `another holiday notice for ${year} was loaded meanwhile${inForce ? ` (${inForce.notice})` : ''}; this one was not loaded: check the arrangement in force (GET /v1/calendar/${year}) before loading it again`,
          },
      { currentRevision: revision, year },
    ),
  /**
   * `expected` undefined: the sender named no revision, and the case changed under each of its `tries`.
   * `now`: the case as the sender of a stale revision finds it — what was done last (not by whom: it
   * may have been the sender, in another window), and whether its command still applies, so a
   * reviewer another reviewer beat to it is told there is nothing to retry, and whose turn it is.
   */
  revisionConflict: (expected: unknown, current: number | null, tries?: number, now?: CaseNow) => {
    if (now !== undefined && typeof expected === 'number' && current !== null && expected < current) return staleRevision(expected, current, now);
    return new EngineError(
      'REVISION_CONFLICT',
      expected === undefined
        ? {
            zh: `案件正被同时处理，本指令尝试 ${tries ?? 1} 次均因案件已有更新未能执行（当前版本 ${current ?? '无'}），请刷新后重试`,
            en: `the case kept changing while the command was decided (${tries ?? 1} tries, current revision ${current ?? 'none'}); nothing was done: reload and retry`,
          }
        : // A revision the case has not reached is no one else's update: the sender's copy is wrong.
          typeof expected === 'number' && current !== null && expected > current
        ? {
            zh: `案件还没有版本 ${expected}（当前版本 ${current}），请刷新后按当前版本重试`,
            en: `the case has no revision ${expected} yet (current ${current}); reload and retry`,
          }
        : {
            zh: `案件已有更新（您基于版本 ${String(expected)}，当前版本 ${current ?? '无'}），请刷新后重试`,
            en: `the case has changed (expected revision ${String(expected)}, current ${current ?? 'none'}); reload and retry`,
          },
      // The case as it is, when the sender's revision is ahead of it too: what to reload to.
      now !== undefined ? { currentRevision: current, state: now.state, allowed: now.allowed } : { currentRevision: current },
    );
  },
  /**
   * `covered`: the years the calendar answers for, when known; a year before them is told so. The
   * calendar covers the year after its last notice (provisionally), so the notice that would cover
   * `year` next is `covered.to`'s: named when it covers `year`. A year further ahead no one notice
   * can bring (notices come a year at a time, the next one no earlier than the year before its own)
   * is most often a date typed wrong (calendar QA: a useFrom of 2055 sent the provider to the
   * administrator for a notice that cannot be loaded before 2054; in 2026 a count reaching 2028 asked
   * for 2028's notice, which the calendar then refused, where 2027's was the one to load).
   */
  calendarNotCovered: (year: number, covered?: { from: number; to: number }) => {
    const range = covered ? { zh: `（可计算 ${covered.from}–${covered.to} 年）`, en: ` (the calendar covers ${covered.from}–${covered.to})` } : { zh: '', en: '' };
    const unknown = {
      zh: `${year} 年及其前一年的国务院办公厅节假日安排通知均未载入，无法计算该年的工作日${range.zh}`,
      en: `no holiday notice is loaded for ${year} or the year before, so its working days are unknown${range.en}`,
    };
    return new EngineError(
      'CALENDAR_NOT_COVERED',
      covered && year < covered.from
        ? { zh: `${year} 年早于日历覆盖的年份，无法计算工作日${range.zh}`, en: `${year} is before the years the calendar covers, so its working days are unknown${range.en}` }
        : !covered
          ? { zh: `${unknown.zh}：请联系平台管理员载入该年度的通知`, en: `${unknown.en}: ask the platform administrator to load that year's notice` }
          : year === covered.to + 1
            ? {
                zh: `${unknown.zh}：请联系平台管理员载入 ${covered.to} 年的通知（载入后可计算至 ${year} 年）`,
                en: `${unknown.en}: ask the platform administrator to load the notice for ${covered.to} (it covers ${year} too)`,
              }
            : {
                zh: `${unknown.zh}：${year} 年远在日历覆盖的年份之后，请先核对所填日期是否有误（通知逐年发布，${covered.to} 年的通知是下一份可载入的通知）`,
                en: `${unknown.en}: ${year} is far past the years the calendar covers, so check first that the date was typed right (notices come a year at a time; the next one to load is for ${covered.to})`,
              },
      { year },
    );
  },
};

/** A case as the sender of a stale revision finds it (`refuse.revisionConflict`). */
export interface CaseNow {
  /** The last event: its command, that command's label, and when (Beijing time, to the minute). */
  last?: { command: string; label?: string; at: string };
  state: string;
  stateLabel?: string;
  /** The command refused, and its label. */
  command: string;
  commandLabel?: string;
  /** The commands the sender may send now. */
  allowed: string[];
  /** Whose work the case waits on. */
  waiting?: Message;
  /** The state takes the command from the sender, and rules on the case as it is now refuse it: each rule's article and words. */
  refusedNow?: { article: string; message: Message }[];
  /** Every event since the sender's revision is the system's re-statement of deadlines: nothing else of the case changed. */
  onlyDeadlinesRestated?: true;
}

function staleRevision(expected: number, current: number, now: CaseNow): EngineError {
  const last = now.last;
  const seen = {
    zh: `案件已有更新（您基于版本 ${expected}，当前版本 ${current}${last ? `；最近一次为${named(last.label, last.command)}，北京时间 ${last.at}` : ''}）`,
    en: `the case has changed (expected revision ${expected}, current ${current}${last ? `; last: ${last.command} at ${last.at}, Beijing time` : ''})`,
  };
  // Not "no longer": a stale revision is refused before who may send the command is checked, so the sender may never have been able to.
  const refused = now.refusedNow;
  const text = now.onlyDeadlinesRestated
    ? {
        zh: `${seen.zh}，其间只有系统按节假日安排重新确定了期限，案件内容未变：本指令未执行，请按当前版本 ${current} 重新提交`,
        en: `${seen.en}; since then the system only re-stated deadlines after a holiday notice, and nothing else changed: nothing was done; send again with revision ${current}`,
      }
    : now.allowed.includes(now.command)
    ? {
        zh: `${seen.zh}，本指令未执行：请刷新查看最新内容，确认后按当前版本 ${current} 重新提交`,
        en: `${seen.en}; nothing was done: reload, check the case as it is now, and send again with revision ${current}`,
      }
    : refused
    ? {
        zh: `${seen.zh}，本指令未执行；按案件现在的情况，该指令会被拒绝：${refused.map((r) => `${r.message.zh}${r.article ? `（${r.article}）` : ''}`).join('；')}`,
        en: `${seen.en}; nothing was done, and as the case is now the command would be refused: ${refused.map((r) => `${r.message.en}${r.article ? ` (${articleInEnglish(r.article)})` : ''}`).join('; ')}`,
      }
    : {
        zh: `${seen.zh}，现处于${named(now.stateLabel, now.state)}状态，此状态下您不能发送${named(now.commandLabel, now.command)}指令：本指令未执行，无需重试${now.waiting ? `；案件正在等待：${now.waiting.zh}` : ''}`,
        en: `${seen.en} and is now in state ${now.state}, where you cannot send ${now.command}: nothing was done, and there is nothing to retry${now.waiting ? `; the case is waiting on: ${now.waiting.en}` : ''}`,
      };
  return new EngineError('REVISION_CONFLICT', text, { currentRevision: current, state: now.state, allowed: now.allowed });
}
