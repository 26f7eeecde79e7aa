/**
 * What a process is, as data: the contract between `machines/` and the generic `engine/`,
 * `projections/` and `api/`. Nothing outside `machines/` knows a process by name.
 */
import type { AnyStateMachine } from 'xstate';
import type { z } from 'zod';
import type { DeadlineBasis, DeadlineUnit } from '../calendars/types.js';
import type { CaseParties, Scope } from '../directory/jurisdiction.js';

export type Role = 'applicant' | 'provider' | 'authority' | 'supervisor' | 'auditor' | 'admin' | 'system';

/** Who sent a command: from the bearer token (or `system` for timers). */
export interface Actor {
  sub: string;
  name?: string;
  role: Role;
  /** Organisation code; an applicant's own id or organisation. */
  org: string;
}

/** One kind of party allowed to send a command: a role, and how its organisation is found. */
export interface ActorRule {
  role: Role;
  scope: Scope;
}

/** How a task's deadline is found: configuration, or a number the case itself agreed. */
export type DeadlineSpec =
  /** A key into the configured deadline table (calendars/rules.ts), e.g. `conditionalApplication.normativeReview`. */
  | {
      kind: 'rule';
      key: string;
      /**
       * A context field holding a day (YYYY-MM-DD, Beijing) before which the work may not be done:
       * the deadline counts from it when it is later than the day the task opened (the day itself
       * not counted), so nobody is late for what a rule forbade them to do yet. `what` names it.
       */
      countFrom?: { field: string; what: string };
      /**
       * A context field holding a day (YYYY-MM-DD, Beijing) by whose end the work must be done, as the
       * case itself ends what it decides then (the agreement's last day of use: a renewal undecided at
       * its end lapses): when it comes before the rule's due day, the deadline is its end, on the
       * basis `agreement` (or `basis`, when the day is not one the parties agreed: an application's
       * requested end of use, before any agreement). `what` names it.
       */
      endsBy?: { field: string; what: string; basis?: AgreedBasis };
    }
  /** N days where N is a number field of the context (e.g. the agreement's `destructionDays`); `what` names N in Chinese, for diagrams. */
  | { kind: 'contextDays'; field: string; what: string; unit: DeadlineUnit; basis: AgreedBasis; article?: string }
  /** N months after the task opens, N a number field of the context (e.g. `resultsDueMonths`); `what` names N in Chinese. */
  | { kind: 'contextMonths'; field: string; what: string; basis: AgreedBasis; article?: string };

/** The basis of a number the case agreed: `agreement` (the parties' 协议, 附录5); v1 of conditionalApplication said `policy`. */
export type AgreedBasis = DeadlineBasis | 'agreement';

/** A human task: who works it and by when. Declared in a state's `meta.task`, or opened by a command. */
export interface TaskSpec {
  /** The stage's name: the state's name for a state task. */
  stage: string;
  role: Role;
  scope: Scope;
  /** Absent for a task with no deadline, never overdue: a notice that is information only, or a provider's own drafting or revising. */
  deadline?: DeadlineSpec;
  /** What the task is, in Chinese, for inboxes and histories. */
  label: string;
  /**
   * A task with no deadline that inboxes list first all the same, before every deadline: a report the
   * regulation says to pass on at once (附录4 承诺书五: 立即通知), which listed last, after a provider's
   * idle drafts, was easy to miss. Read by the inbox's order alone: the engine's decisions do not see it.
   */
  urgent?: true;
  /**
   * A task a command opens only when a party of this role sends it: a notice to another party of what
   * this one decided (the provider told of the competent authority's suspension). Sent by anyone
   * else, the command opens it not — the sender knows what it did. Read when a command is decided;
   * the tasks opened are stored with the event, so a replay never asks.
   */
  whenSentBy?: Role;
}

/** The `meta` of a state node. */
export interface StateMeta {
  task?: TaskSpec;
  /** The state's name in Chinese. */
  label?: string;
}

/**
 * Facts besides the command's data that a rule may need; the engine passes the event's, and a
 * machine guard (`guardOf`) the same ones from the event it folds, so rule and guard agree.
 */
export interface RuleFacts {
  /**
   * When the command was accepted (UTC ISO): the instant the engine stamps on the event (`CommandEvent.at`,
   * `MachineInput.at` for a start). The engine and `guardOf` always pass it. A rule's only clock: a
   * replay folds with the stored instant, so a rule never reads the time any other way (see `commandDay`).
   */
  at?: string;
  /** States of the cases the command names (see `CommandSpec.link`): a rule checks the linked case exists. */
  links?: CommandEvent['links'];
}

/**
 * What a reviewer triages a case by, stamped on each of its events. `applicantKind`: whether the applicant
 * is a natural person, whose name reports to supervisors do not spell out (个人信息保护法: 最小必要).
 * `returns`: how many times the case was returned for revision, when it was (a returned draft otherwise
 * reads like a new one in the provider's inbox, and a resubmission like a first submission in the reviewer's).
 */
export interface CaseSummary {
  title: string;
  applicant?: string;
  applicantKind?: 'person' | 'organization';
  provider?: string;
  returns?: number;
}

/** A rule a well-formed command may still break (RULE_VIOLATED), with the article it enforces. */
export interface RuleSpec<Context = unknown, Data = unknown> {
  id: string;
  /** e.g. `第十三条(一)` */
  article: string;
  /** What the refusal says (the rule in general: catalogues and documents list it). */
  message: { zh: string; en: string };
  /** What the refusal says of this case, when it names the case's own facts (a date, a number), or the command's day. */
  messageFor?(context: Context, data: Data, facts?: RuleFacts): { zh: string; en: string };
  holds(context: Context, data: Data, facts?: RuleFacts): boolean;
  /**
   * The fields of the form its refusal is about (paths in the start's input or the command's data, as
   * a 400 names them), when the rule is about what was filled in: the 422 lists them in `errors`, so a
   * form can mark them (applicants' and integrators' QA: a use period already over, a code not the
   * sender's, named no field).
   */
  fields?(context: Context, data: Data, facts?: RuleFacts): readonly string[];
  /**
   * The rule reads the case alone (not the command's data, nor its time): while it does not hold, the
   * case does not offer the command (`allowedCommands`), which could only be refused.
   */
  onCaseAlone?: true;
  /**
   * The rule reads the case and the command's day only (not its data): while it does not hold today,
   * the case does not offer the command either (`allowedCommands`), which could only be refused today
   * (an approval after the requested end of use; access granted before the agreed use begins).
   */
  onCaseAndDay?: true;
}

/** Facts about another case that a rule may need (a linked dataset release); the engine fills them in. */
export interface CommandSpec<Context = unknown> {
  /** Validates `data`; unknown fields are refused (FORMS.md). */
  schema: z.ZodType;
  /** The stored event's type, a fact in the past tense (`Approved`). */
  event: string;
  actors: ActorRule[];
  /** The command in Chinese, for histories. */
  label: string;
  // Each rule reads its own command's data; `any` lets one list hold them.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  rules?: RuleSpec<Context, any>[];
  /** Tasks this command opens besides the tasks of the state it enters. */
  opens?: TaskSpec[];
  /** Stages of command-opened tasks this command closes. */
  closes?: string[];
  /**
   * The command puts off or ends the work of the tasks it closes instead of doing it (a suspension,
   * a termination): they close as cancelled whoever sends it, and reports never count them as
   * finished (第十九条).
   */
  cancelsTasks?: true;
  /**
   * The command names another case in `data[field]`: the engine looks that case up and passes its
   * state in the event's `links`, and, when that case later enters `completesOn`, sends this
   * command again as the system with the same data (第十五条: opened once the release is published).
   */
  link?: { field: string; process: string; completesOn: string };
  /**
   * Where the form names the case's parties (the start's input, or the command's data), as a 400
   * names fields: a refusal of a party the directory does not know or place (第四条, 第六条) lists it
   * in `errors`, so that a form can mark it (applicants' QA: providerInDirectory named no field).
   */
  partyFields?: { [Party in keyof CaseParties]?: string };
}

/** A system command due at a time, derived from the case's context and state. */
export interface TimerSpec {
  /** The system command to send (`USAGE_EXPIRED`). */
  command: string;
  /** Due at the end of this Asia/Shanghai day (YYYY-MM-DD): the timer fires after it. */
  afterEndOfDay: string;
}

/** The context every machine keeps: the start input and who started the case. */
export interface BaseContext<Input = unknown> {
  caseId: string;
  input: Input;
  startedBy: Actor;
}

/** The XState event the engine sends: the command's type with its data and sender. */
export interface CommandEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
  actor: Actor;
  /** When the command was accepted (UTC ISO). */
  at: string;
  /** States of the cases this command names (see `CommandSpec.link`), stored with the event so a replay folds alike. */
  links?: Record<string, { process: string; state: string }>;
  /**
   * The state the stored event records the command led to: given only when a stored event is folded,
   * never when a command is decided. Only a version whose rule changed after its release, under the
   * same number, reads it, to fold each stored event as the build that stored it decided
   * (conditionalApplication v2's RESUME); the engine refuses to act on a case whose fold gives another
   * state than its events record (`ReplayMismatchError`), so no other reading is needed.
   */
  recorded?: { stateAfter: string };
}

/** The XState input the engine starts a machine with. */
export interface MachineInput<Input = unknown> {
  caseId: string;
  input: Input;
  startedBy: Actor;
  at: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds processes of every input type
export interface ProcessDefinition<Context extends BaseContext = BaseContext<any>> {
  name: string;
  version: number;
  /** The process in Chinese. */
  title: string;
  /** Articles of the regulation the process implements. */
  articles: string[];
  /** Made with `setup({ types, guards, actions }).createMachine(...)`; input is `MachineInput`. */
  machine: AnyStateMachine;
  /** Starting a case: its input schema, who may start it, and rules (eligibility). */
  start: CommandSpec<{ startedBy: Actor }>;
  /** Every command of PROCESSES.md for this process, by type. */
  commands: Record<string, CommandSpec<Context>>;
  /** The facts jurisdiction is decided on. */
  parties(context: Context): CaseParties;
  /** What a reviewer needs to triage without opening the case (`CaseSummary`). */
  summary(context: Context): CaseSummary;
  /** System commands that fall due in the case's current state. */
  timers?(context: Context, state: string): TimerSpec[];
  /**
   * Rules, by command, that this version took after it was released: the engine refuses a command
   * that breaks them, but the chart is not guarded by them, so that the events the version stored
   * before still fold (every other rule of a command guards each of its transitions).
   */
  rulesAfterRelease?: Record<string, readonly string[]>;
  /**
   * The cases this case names whose public facts its view shows to whoever may see it (第十五条: an
   * applicant is told where the data opened for it is). Read when the case is shown, never folded:
   * it decides nothing, so declaring it leaves a registered version's behaviour as it was.
   */
  linkedCases?(context: Context): string[];
  /**
   * What this case has made public, for the view of a case that names it (`linkedCases`); undefined
   * while nothing is (a release not yet published, or withdrawn). Only what the open platform shows
   * anyone: never its reviewers, opinions or drafts.
   */
  publicFacts?(context: Context, state: string): PublicFacts | undefined;
  /**
   * The texts the machine itself writes into a case's context (a lapsed renewal's reason), each in
   * English by its Chinese: a case shown in English shows them so. Read when shown, never folded.
   */
  writtenTexts?: Readonly<Record<string, string>>;
}

/** A published case's public facts (`ProcessDefinition.publicFacts`): a dataset on the open platform (第十条, 第十五条). */
export interface PublicFacts {
  title: string;
  /** When it was published (UTC ISO). */
  publishedAt: string;
  /** How the data is obtained (第十条 数据服务方式), with its name in both languages. */
  serviceModes: { code: string; label: { zh: string; en: string } }[];
}
