/**
 * Driving a process definition the way the engine does, with XState's pure `initialTransition`
 * and `transition`: inputs and data are parsed by their schemas first, events carry an actor
 * and a time. No engine, no store: machine-level specifications only.
 */
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { registry } from '../../machines/registry.js';
import type { Actor, CommandEvent, ProcessDefinition, Role, RuleFacts } from '../../machines/types.js';
import { actors, commandData, startedAt, startInputs, type ProcessName } from './examples.js';

/** A process at `version`, by default the one new cases start on. */
export function definition(name: ProcessName, version?: number): ProcessDefinition {
  const def = version === undefined ? registry.latest(name) : registry.get(name, version);
  if (!def) throw new Error(`no process ${name}`);
  return def;
}

/** The example actor who sends a command as its first allowed role; applicants are the case's starter. */
function defaultActor(def: ProcessDefinition, type: string, startedBy: Actor): Actor {
  const role: Role | undefined = def.commands[type]?.actors[0]?.role;
  switch (role) {
    case 'applicant':
      return startedBy;
    case 'authority':
      return actors.cityAuthority;
    case 'system':
      return actors.system;
    default:
      return actors.provider;
  }
}

/** The day `n` days after the examples' start, same time of day. */
export function dayAfterStart(n: number): string {
  return new Date(Date.parse(startedAt) + n * 86_400_000).toISOString();
}

/** Starts a case: parses the input with the start schema, as the engine does. */
export function start(
  def: ProcessDefinition,
  options: { input?: unknown; actor?: Actor; at?: string; caseId?: string } = {},
): AnyMachineSnapshot {
  const name = def.name as ProcessName;
  const startedBy = options.actor ?? (def.start.actors[0]?.role === 'provider' ? actors.provider : actors.company);
  const input = def.start.schema.parse(options.input ?? startInputs[name]);
  const [snapshot] = initialTransition(def.machine, {
    caseId: options.caseId ?? `${name}-case-1`,
    input,
    startedBy,
    at: options.at ?? startedAt,
  });
  return snapshot;
}

export interface SendOptions {
  data?: unknown;
  actor?: Actor;
  at?: string;
  links?: CommandEvent['links'];
}

/** The event the engine would send: the command's data parsed by its schema. */
export function commandEvent(def: ProcessDefinition, snapshot: AnyMachineSnapshot, type: string, options: SendOptions = {}): CommandEvent {
  const spec = def.commands[type];
  if (!spec) throw new Error(`${def.name} has no command ${type}`);
  const examples = commandData[def.name as ProcessName] as Record<string, unknown>;
  const data = spec.schema.parse(options.data ?? examples[type]);
  const startedBy = (snapshot.context as { startedBy: Actor }).startedBy;
  return {
    type,
    data,
    actor: options.actor ?? defaultActor(def, type, startedBy),
    at: options.at ?? dayAfterStart(1),
    ...(options.links ? { links: options.links } : {}),
  };
}

/** Sends one command through the machine. */
export function send(def: ProcessDefinition, snapshot: AnyMachineSnapshot, type: string, options: SendOptions = {}): AnyMachineSnapshot {
  const [next] = transition(def.machine, snapshot, commandEvent(def, snapshot, type, options));
  return next;
}

/** A step: a command with its example data, or with its own options. */
export type Step = string | [type: string, options: SendOptions];

/** Starts a case and sends the steps, one day apart. */
export function play(def: ProcessDefinition, steps: readonly Step[], startOptions: Parameters<typeof start>[1] = {}): AnyMachineSnapshot {
  return steps.reduce((snapshot, step, i) => {
    const [type, options] = typeof step === 'string' ? [step, {}] : step;
    return send(def, snapshot, type, { at: dayAfterStart(i + 1), ...options });
  }, start(def, startOptions));
}

/** Commands that take a new case of each process to each of its states (PROCESSES.md). */
export const pathTo: Record<ProcessName, Record<string, readonly Step[]>> = {
  datasetRelease: {
    drafting: [],
    underReview: ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES', 'SUBMIT'],
    published: ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES', 'SUBMIT', 'APPROVE'],
    withdrawn: ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES', 'SUBMIT', 'APPROVE', 'WITHDRAW'],
    discarded: ['DISCARD_DRAFT'],
  },
  conditionalApplication: {
    normativeReview: [],
    providerReview: ['PASS_NORMATIVE_REVIEW'],
    agreementPending: ['PASS_NORMATIVE_REVIEW', 'APPROVE'],
    accessPending: ['PASS_NORMATIVE_REVIEW', 'APPROVE', 'SIGN_AGREEMENT'],
    active: ['PASS_NORMATIVE_REVIEW', 'APPROVE', 'SIGN_AGREEMENT', 'GRANT_ACCESS'],
    renewalReview: ['PASS_NORMATIVE_REVIEW', 'APPROVE', 'SIGN_AGREEMENT', 'GRANT_ACCESS', 'REQUEST_RENEWAL'],
    suspended: ['PASS_NORMATIVE_REVIEW', 'APPROVE', 'SIGN_AGREEMENT', 'GRANT_ACCESS', 'SUSPEND'],
    destructionPending: ['PASS_NORMATIVE_REVIEW', 'APPROVE', 'SIGN_AGREEMENT', 'GRANT_ACCESS', 'TERMINATE'],
    closed: ['PASS_NORMATIVE_REVIEW', 'APPROVE', 'SIGN_AGREEMENT', 'GRANT_ACCESS', 'TERMINATE', 'CONFIRM_DESTRUCTION'],
    rejected: ['FAIL_NORMATIVE_REVIEW'],
    withdrawn: ['WITHDRAW'],
  },
  unopenedDataRequest: {
    normativeReview: [],
    feasibilityReview: ['PASS_NORMATIVE_REVIEW'],
    openingPending: ['PASS_NORMATIVE_REVIEW', 'CONCLUDE_OPENABLE'],
    rejected: ['FAIL_NORMATIVE_REVIEW'],
    answered: ['PASS_NORMATIVE_REVIEW', 'CONCLUDE_ALREADY_OPEN'],
    declined: ['PASS_NORMATIVE_REVIEW', 'CONCLUDE_NOT_OPENABLE'],
    opened: ['PASS_NORMATIVE_REVIEW', 'CONCLUDE_OPENABLE', 'MARK_OPENED'],
  },
  listAdjustment: {
    review: [],
    revising: ['RETURN'],
    approved: ['APPROVE'],
    rejected: ['REJECT'],
  },
  objection: {
    handling: [],
    responded: ['RESPOND'],
  },
};

/** A case of `name` brought to `state` along `pathTo`. */
export function caseIn(name: ProcessName, state: string, version?: number): AnyMachineSnapshot {
  const steps = pathTo[name][state];
  if (!steps) throw new Error(`no path to ${name}.${state}`);
  return play(definition(name, version), steps);
}

/** What the engine would learn from a command: the rules it breaks, and whether the machine takes it. */
export function attempt(def: ProcessDefinition, snapshot: AnyMachineSnapshot, type: string, options: SendOptions = {}) {
  const event = commandEvent(def, snapshot, type, options);
  const violated = (def.commands[type]?.rules ?? [])
    .filter((rule) => !rule.holds(snapshot.context, event.data, factsOf(event)))
    .map((rule) => rule.id);
  const [next] = transition(def.machine, snapshot, event);
  const taken = next.value !== snapshot.value || next.context !== snapshot.context;
  return { violated, taken, next };
}

/** The facts the engine gives a command's rules: the event's instant and links, as `guardOf` does. */
export function factsOf(event: CommandEvent): RuleFacts {
  return { at: event.at, ...(event.links ? { links: event.links } : {}) };
}

/** The rules a start input breaks, for a starter, applying at `at` (default the examples' start). */
export function startViolations(def: ProcessDefinition, input: unknown, startedBy: Actor, at: string = startedAt): string[] {
  const data = def.start.schema.parse(input);
  return (def.start.rules ?? []).filter((rule) => !rule.holds({ startedBy }, data, { at })).map((rule) => rule.id);
}
