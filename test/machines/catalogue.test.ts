/**
 * The command catalogues as data: every command names a past-tense event, Chinese label and the
 * articles of its rules; every rule is a guard of the machine, and guard and rule agree.
 */
import { describe, expect, it } from 'vitest';
import { allStates, allTasks, stateLabel, stateTask, transitions } from '../../machines/describe.js';
import { registry } from '../../machines/registry.js';
import type { CommandEvent, DeadlineSpec, RuleSpec } from '../../machines/types.js';
import type { ProcessName } from './examples.js';
import { caseIn, commandEvent, factsOf } from './harness.js';

const CHINESE = /[\u4e00-\u9fff]/;
/** An instant after every date of the examples. */
const LATER = '2099-06-01T01:30:00.000Z';
const ARTICLE = /^(第[一二三四五六七八九十]+条|附录\d)/;
const DEADLINE_KEYS = [
  'conditionalApplication.normativeReview',
  'conditionalApplication.providerReview',
  'unopenedDataRequest.normativeReview',
  'unopenedDataRequest.feasibilityReview',
  'unopenedDataRequest.openingPending',
  'objection.handling',
  'policyDefault',
];

/** The stored events' types: part of every case history. */
const events: Record<ProcessName, Record<string, string>> = {
  datasetRelease: {
    start: 'DraftStarted',
    UPDATE_DRAFT: 'DraftUpdated',
    RECORD_SECURITY_REVIEW: 'SecurityReviewRecorded',
    SET_DESENSITIZATION_RULES: 'DesensitizationRulesSet',
    SUBMIT: 'Submitted',
    APPROVE: 'Approved',
    RETURN: 'Returned',
    WITHDRAW: 'Withdrawn',
    DISCARD_DRAFT: 'DraftDiscarded',
  },
  conditionalApplication: {
    start: 'ApplicationSubmitted',
    PASS_NORMATIVE_REVIEW: 'NormativeReviewPassed',
    FAIL_NORMATIVE_REVIEW: 'NormativeReviewFailed',
    APPROVE: 'Approved',
    REJECT: 'Rejected',
    SIGN_AGREEMENT: 'AgreementSigned',
    GRANT_ACCESS: 'AccessGranted',
    REPORT_USAGE: 'UsageReported',
    REPORT_RESULTS: 'ResultsReported',
    REPORT_SECURITY_INCIDENT: 'SecurityIncidentReported',
    REQUEST_RENEWAL: 'RenewalRequested',
    APPROVE_RENEWAL: 'RenewalApproved',
    REJECT_RENEWAL: 'RenewalRejected',
    SUSPEND: 'Suspended',
    RESUME: 'Resumed',
    TERMINATE: 'Terminated',
    USAGE_EXPIRED: 'UsageExpired',
    CONFIRM_DESTRUCTION: 'DestructionConfirmed',
    WITHDRAW: 'Withdrawn',
    ACKNOWLEDGE_ACCESS_NOTICE: 'AccessNoticeAcknowledged',
    ACKNOWLEDGE_SECURITY_INCIDENT: 'SecurityIncidentAcknowledged',
    ACKNOWLEDGE_INCIDENT_NOTICE: 'IncidentNoticeAcknowledged',
    ACKNOWLEDGE_RESULTS: 'ResultsAcknowledged',
    ACKNOWLEDGE_RESULTS_NOTICE: 'ResultsNoticeAcknowledged',
    ACKNOWLEDGE_SERVICE_NOTICE: 'ServiceNoticeAcknowledged',
    ACKNOWLEDGE_USAGE: 'UsageAcknowledged',
  },
  unopenedDataRequest: {
    start: 'RequestSubmitted',
    PASS_NORMATIVE_REVIEW: 'NormativeReviewPassed',
    FAIL_NORMATIVE_REVIEW: 'NormativeReviewFailed',
    CONCLUDE_ALREADY_OPEN: 'ConcludedAlreadyOpen',
    CONCLUDE_OPENABLE: 'ConcludedOpenable',
    CONCLUDE_NOT_OPENABLE: 'ConcludedNotOpenable',
    MARK_OPENED: 'OpeningReported',
  },
  listAdjustment: {
    start: 'AdjustmentRequested',
    APPROVE: 'Approved',
    RETURN: 'Returned',
    REJECT: 'Rejected',
    RESUBMIT: 'Resubmitted',
  },
  objection: {
    start: 'ObjectionRaised',
    RESPOND: 'Responded',
  },
};

describe.each(registry.list().map((def) => [`${def.name} v${def.version}`, def.name, def] as const))('%s', (_, name, def) => {
  const commands = Object.entries(def.commands);

  it('is numbered after the versions before it, with a Chinese title and the articles it implements', () => {
    for (let version = 1; version <= def.version; version++) expect(registry.get(name, version)?.name).toBe(name);
    expect(def.title).toMatch(CHINESE);
    expect(def.articles.length).toBeGreaterThan(0);
    for (const article of def.articles) expect(article).toMatch(ARTICLE);
  });

  it('names every event as a fact in the past tense, and labels every command in Chinese', () => {
    const named = Object.fromEntries([['start', def.start] as const, ...commands].map(([type, spec]) => [type, spec.event]));
    const known = events[name as ProcessName];
    // The latest version names every event of the list; an older one, those of its own commands, alike.
    expect(named).toEqual(def === registry.latest(name) ? known : Object.fromEntries(Object.keys(named).map((type) => [type, known[type]])));
    for (const [type, spec] of [['start', def.start] as const, ...commands]) {
      expect(spec.label, type).toMatch(CHINESE);
      expect(spec.actors.length, type).toBeGreaterThan(0);
    }
  });

  it('gives every rule an article and a Chinese and English message', () => {
    const rules = [...(def.start.rules ?? []), ...commands.flatMap(([, spec]) => spec.rules ?? [])];
    for (const rule of rules) {
      expect(rule.article, rule.id).toMatch(ARTICLE);
      expect(rule.message.zh, rule.id).toMatch(CHINESE);
      expect(rule.message.en, rule.id).toMatch(/^[A-Z].*\.$/);
    }
  });

  it('labels every state in Chinese', () => {
    for (const state of allStates(def)) expect(stateLabel(def, state), state).toMatch(CHINESE);
  });

  it('gives every task a Chinese label and a known deadline key; a state’s task is named for the state', () => {
    for (const task of allTasks(def)) {
      expect(task.label, task.stage).toMatch(CHINESE);
      const deadline: DeadlineSpec | undefined = task.deadline;
      if (deadline?.kind === 'rule') expect(DEADLINE_KEYS, task.stage).toContain(deadline.key);
    }
    for (const state of allStates(def)) {
      const task = stateTask(def, state);
      if (task) expect(task.stage).toBe(state);
    }
    const opened = Object.values(def.commands).flatMap((spec) => spec.opens ?? []);
    for (const task of opened) expect(allStates(def), task.stage).not.toContain(task.stage);
  });

  it('guards every transition of a command with all of the command’s rules, but those the version took after its release (declared, and then in no guard)', () => {
    for (const [type, spec] of commands) {
      const later = def.rulesAfterRelease?.[type] ?? [];
      const ids = (spec.rules ?? []).map((rule) => rule.id);
      for (const id of later) expect(ids, `${type} ${id}`).toContain(id);
      for (const arrow of transitions(def).filter((t) => t.command === type)) {
        expect(arrow.guards, `${arrow.from} ${type}`).toEqual(expect.arrayContaining(ids.filter((id) => !later.includes(id))));
        for (const id of later) expect(arrow.guards, `${arrow.from} ${type}`).not.toContain(id);
      }
    }
  });

  it('evaluates each rule’s guard exactly as the rule, in every state that takes the command', () => {
    const guards = def.machine.implementations.guards as Record<
      string,
      (args: { context: unknown; event: CommandEvent }) => boolean
    >;
    for (const [type, spec] of commands) {
      for (const rule of spec.rules ?? []) {
        const guard = guards[rule.id];
        expect(guard, rule.id).toBeTypeOf('function');
        for (const state of new Set(transitions(def).filter((t) => t.command === type).map((t) => t.from))) {
          const snapshot = caseIn(name as ProcessName, state, def.version);
          // The examples' day, and one long after every example date: a rule may read the command's instant.
          for (const at of [undefined, LATER]) {
            const event = commandEvent(def, snapshot, type, at ? { at } : {});
            const holds = (rule as RuleSpec).holds(snapshot.context, event.data, factsOf(event));
            expect(guard?.({ context: snapshot.context, event }), `${state} ${rule.id} ${event.at}`).toBe(holds);
          }
        }
      }
    }
  });
});

describe('the catalogue of every process', () => {
  it('uses only the deadline keys the calendar configures', () => {
    const keys = registry.list().flatMap((def) => allTasks(def).flatMap((t) => (t.deadline?.kind === 'rule' ? [t.deadline.key] : [])));
    expect([...new Set(keys)].sort()).toEqual([...DEADLINE_KEYS].sort());
  });

  it('requires a reason wherever a request is refused, returned or rejected (说明理由)', () => {
    const refusals: [string, string, string][] = [
      ['datasetRelease', 'RETURN', 'reasons'],
      ['datasetRelease', 'WITHDRAW', 'reason'],
      ['datasetRelease', 'DISCARD_DRAFT', 'reason'],
      ['conditionalApplication', 'FAIL_NORMATIVE_REVIEW', 'reason'],
      ['conditionalApplication', 'REJECT', 'reason'],
      ['conditionalApplication', 'REJECT_RENEWAL', 'reason'],
      ['conditionalApplication', 'SUSPEND', 'reason'],
      ['conditionalApplication', 'TERMINATE', 'reason'],
      ['unopenedDataRequest', 'FAIL_NORMATIVE_REVIEW', 'reason'],
      ['unopenedDataRequest', 'CONCLUDE_NOT_OPENABLE', 'reason'],
      ['listAdjustment', 'RETURN', 'opinion'],
      ['listAdjustment', 'REJECT', 'reason'],
      ['objection', 'RESPOND', 'explanation'],
    ];
    for (const [process, type, field] of refusals) {
      const schema = registry.latest(process)?.commands[type]?.schema;
      const result = schema?.safeParse({});
      expect(result?.success, `${process}.${type}`).toBe(false);
      expect(
        result?.error?.issues.some((issue) => issue.path[0] === field),
        `${process}.${type} names ${field}`,
      ).toBe(true);
    }
  });
});
