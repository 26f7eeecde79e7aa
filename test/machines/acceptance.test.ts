/**
 * PROCESSES.md as a table: each state accepts exactly its commands, from exactly its senders;
 * every other command leaves a case as it was.
 */
import { describe, expect, it } from 'vitest';
import { acceptedCommands, allCommands, allStates, isFinal, stateName } from '../../machines/describe.js';
import type { ActorRule } from '../../machines/types.js';
import type { ProcessName } from './examples.js';
import { caseIn, commandEvent, definition, pathTo } from './harness.js';
import { transition } from 'xstate';

/**
 * conditionalApplication: what goes on wherever the data is in use (active, a renewal under review,
 * suspended): the applicant's reports (v2 on) and the notices taken note of (v2, v8, v9).
 */
const WHILE_IN_USE = [
  'REPORT_USAGE',
  'REPORT_RESULTS',
  'REPORT_SECURITY_INCIDENT',
  'ACKNOWLEDGE_ACCESS_NOTICE',
  'ACKNOWLEDGE_SECURITY_INCIDENT',
  'ACKNOWLEDGE_INCIDENT_NOTICE',
  'ACKNOWLEDGE_RESULTS',
  'ACKNOWLEDGE_RESULTS_NOTICE',
  'ACKNOWLEDGE_SERVICE_NOTICE',
  'ACKNOWLEDGE_USAGE',
];

/** The commands each state accepts (PROCESSES.md); final states accept none. */
const accepts: Record<ProcessName, Record<string, string[]>> = {
  datasetRelease: {
    // v5: the provider gives a draft up
    drafting: ['UPDATE_DRAFT', 'RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES', 'SUBMIT', 'DISCARD_DRAFT'],
    underReview: ['APPROVE', 'RETURN'],
    published: ['WITHDRAW'],
    withdrawn: [],
    discarded: [],
  },
  conditionalApplication: {
    normativeReview: ['PASS_NORMATIVE_REVIEW', 'FAIL_NORMATIVE_REVIEW', 'WITHDRAW'],
    providerReview: ['APPROVE', 'REJECT', 'WITHDRAW'],
    // v5: the use period's end ends a case whose agreement is still to be signed or access still to be granted
    agreementPending: ['SIGN_AGREEMENT', 'WITHDRAW', 'USAGE_EXPIRED'],
    accessPending: ['GRANT_ACCESS', 'USAGE_EXPIRED'],
    // v8: the provider takes note of a security problem reported, wherever one can be reported; v9: the competent authority too
    active: [
      ...WHILE_IN_USE,
      'REQUEST_RENEWAL',
      'SUSPEND',
      'TERMINATE',
      'USAGE_EXPIRED',
    ],
    // v2: the applicant's reports go on while a renewal is reviewed or use is suspended, and the authority takes note of access
    // v2: a renewal under review can be suspended or stopped, and use lapses at its end in either state
    renewalReview: [
      ...WHILE_IN_USE,
      'APPROVE_RENEWAL',
      'REJECT_RENEWAL',
      'SUSPEND',
      'TERMINATE',
      'USAGE_EXPIRED',
    ],
    // v9: a renewal may be asked for in a suspension (附录5 协议二(二)), reviewed on resumption
    suspended: [
      ...WHILE_IN_USE,
      'RESUME',
      'REQUEST_RENEWAL',
      'TERMINATE',
      'USAGE_EXPIRED',
    ],
    // v2: results and security problems are still owed until the data is destroyed
    destructionPending: ['REPORT_RESULTS', 'REPORT_SECURITY_INCIDENT', 'ACKNOWLEDGE_SECURITY_INCIDENT', 'ACKNOWLEDGE_INCIDENT_NOTICE', 'ACKNOWLEDGE_RESULTS', 'ACKNOWLEDGE_RESULTS_NOTICE', 'ACKNOWLEDGE_SERVICE_NOTICE', 'ACKNOWLEDGE_USAGE', 'CONFIRM_DESTRUCTION'],
    rejected: [],
    withdrawn: [],
    closed: [],
  },
  unopenedDataRequest: {
    normativeReview: ['PASS_NORMATIVE_REVIEW', 'FAIL_NORMATIVE_REVIEW'],
    feasibilityReview: ['CONCLUDE_ALREADY_OPEN', 'CONCLUDE_OPENABLE', 'CONCLUDE_NOT_OPENABLE'],
    openingPending: ['MARK_OPENED'],
    rejected: [],
    answered: [],
    declined: [],
    opened: [],
  },
  listAdjustment: {
    review: ['APPROVE', 'RETURN', 'REJECT'],
    revising: ['RESUBMIT'],
    approved: [],
    rejected: [],
  },
  objection: {
    handling: ['RESPOND'],
    responded: [],
  },
};

const applicant: ActorRule = { role: 'applicant', scope: 'applicant' };
const provider: ActorRule = { role: 'provider', scope: 'provider' };
const competentAuthority: ActorRule = { role: 'authority', scope: 'competentAuthority' };
const cityOrAbove: ActorRule = { role: 'authority', scope: 'cityOrAbove' };
const system: ActorRule = { role: 'system', scope: 'system' };

/** Who may send each command ("who acts" of PROCESSES.md). */
const senders: Record<ProcessName, Record<string, ActorRule[]>> = {
  datasetRelease: {
    start: [provider],
    UPDATE_DRAFT: [provider],
    RECORD_SECURITY_REVIEW: [provider],
    SET_DESENSITIZATION_RULES: [provider],
    SUBMIT: [provider],
    APPROVE: [competentAuthority],
    RETURN: [competentAuthority],
    WITHDRAW: [provider, competentAuthority],
    DISCARD_DRAFT: [provider],
  },
  conditionalApplication: {
    start: [applicant],
    PASS_NORMATIVE_REVIEW: [competentAuthority],
    FAIL_NORMATIVE_REVIEW: [competentAuthority],
    APPROVE: [provider],
    REJECT: [provider],
    SIGN_AGREEMENT: [provider],
    GRANT_ACCESS: [provider],
    REPORT_USAGE: [applicant],
    REPORT_RESULTS: [applicant],
    REPORT_SECURITY_INCIDENT: [applicant],
    REQUEST_RENEWAL: [applicant],
    APPROVE_RENEWAL: [provider],
    REJECT_RENEWAL: [provider],
    SUSPEND: [provider, competentAuthority],
    RESUME: [provider, competentAuthority],
    TERMINATE: [provider, competentAuthority],
    USAGE_EXPIRED: [system],
    CONFIRM_DESTRUCTION: [applicant],
    WITHDRAW: [applicant],
    ACKNOWLEDGE_ACCESS_NOTICE: [competentAuthority],
    ACKNOWLEDGE_SECURITY_INCIDENT: [provider],
    ACKNOWLEDGE_INCIDENT_NOTICE: [competentAuthority],
    ACKNOWLEDGE_RESULTS: [provider],
    ACKNOWLEDGE_RESULTS_NOTICE: [competentAuthority],
    ACKNOWLEDGE_SERVICE_NOTICE: [provider],
    ACKNOWLEDGE_USAGE: [provider],
  },
  unopenedDataRequest: {
    start: [applicant],
    PASS_NORMATIVE_REVIEW: [cityOrAbove],
    FAIL_NORMATIVE_REVIEW: [cityOrAbove],
    CONCLUDE_ALREADY_OPEN: [provider],
    CONCLUDE_OPENABLE: [provider],
    CONCLUDE_NOT_OPENABLE: [provider],
    MARK_OPENED: [provider, system],
  },
  listAdjustment: {
    start: [provider],
    APPROVE: [cityOrAbove],
    RETURN: [cityOrAbove],
    REJECT: [cityOrAbove],
    RESUBMIT: [provider],
  },
  objection: {
    start: [applicant],
    RESPOND: [provider],
  },
};

const processes = Object.keys(accepts) as ProcessName[];

describe.each(processes)('%s', (name) => {
  const def = definition(name);

  it('has exactly the states of PROCESSES.md', () => {
    expect(allStates(def).sort()).toEqual(Object.keys(accepts[name]).sort());
  });

  it('has exactly the commands of PROCESSES.md, each sent by the parties it names', () => {
    const { start, ...commands } = senders[name];
    expect(allCommands(def).sort()).toEqual(Object.keys(commands).sort());
    expect(def.start.actors).toEqual(start);
    for (const [type, expected] of Object.entries(commands)) expect(def.commands[type]?.actors, type).toEqual(expected);
  });

  describe.each(Object.entries(accepts[name]))('in %s', (state, commands) => {
    const snapshot = caseIn(name, state);

    it(`accepts ${commands.length > 0 ? commands.join(', ') : 'nothing'}`, () => {
      expect(stateName(snapshot)).toBe(state);
      expect(acceptedCommands(snapshot).sort()).toEqual([...commands].sort());
      expect(isFinal(snapshot)).toBe(commands.length === 0);
    });

    it('leaves the case unchanged on any other command', () => {
      for (const type of allCommands(def).filter((c) => !commands.includes(c))) {
        const [next] = transition(def.machine, snapshot, commandEvent(def, snapshot, type) as never);
        expect(stateName(next), type).toBe(state);
        expect(next.context, type).toEqual(snapshot.context);
      }
    });
  });

  it('reaches every state along the paths the other suites use', () => {
    expect(Object.keys(pathTo[name]).sort()).toEqual(allStates(def).sort());
  });
});
