/**
 * End to end over HTTP, one process at a time: the right parties drive a case from its start to
 * a final state; along the way the next party finds it in its inbox, a stage left past its
 * deadline shows in the supervisor's overdue report, and at the end the history holds every
 * step in order with an unbroken hash chain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { startTestApi, type Role, type TestApi } from './harness.js';

type Party = { role: Role; org: string; sub: string };
const party = (a: { role: string; org: string; sub: string }): Party => ({ role: a.role as Role, org: a.org, sub: a.sub });
const applicant = party(actors.company);
const provider = party(actors.provider);
const authority = party(actors.cityAuthority);
const supervisor: Party = { role: 'supervisor', org: '370000-dsj', sub: 'supervisor-1' };

interface Step {
  by: Party;
  command: string;
  data?: unknown;
  /** The state after the command. */
  then: string;
  /** Before sending: move the clock this many days (a late step shows in the overdue report). */
  lateByDays?: number;
}

interface Journey {
  process: keyof typeof startInputs;
  starter: Party;
  steps: Step[];
}

const JOURNEYS: Journey[] = [
  {
    process: 'datasetRelease',
    starter: provider,
    steps: [
      { by: provider, command: 'RECORD_SECURITY_REVIEW', data: commandData.datasetRelease.RECORD_SECURITY_REVIEW, then: 'drafting' },
      { by: provider, command: 'SET_DESENSITIZATION_RULES', data: commandData.datasetRelease.SET_DESENSITIZATION_RULES, then: 'drafting' },
      { by: provider, command: 'SUBMIT', data: {}, then: 'underReview' },
      { by: authority, command: 'RETURN', data: commandData.datasetRelease.RETURN, then: 'drafting', lateByDays: 20 },
      { by: provider, command: 'SUBMIT', data: {}, then: 'underReview' },
      { by: authority, command: 'APPROVE', data: commandData.datasetRelease.APPROVE, then: 'published' },
      { by: provider, command: 'WITHDRAW', data: commandData.datasetRelease.WITHDRAW, then: 'withdrawn' },
    ],
  },
  {
    process: 'conditionalApplication',
    starter: applicant,
    steps: [
      { by: authority, command: 'PASS_NORMATIVE_REVIEW', data: {}, then: 'providerReview', lateByDays: 12 },
      { by: provider, command: 'APPROVE', data: {}, then: 'agreementPending' },
      { by: provider, command: 'SIGN_AGREEMENT', data: commandData.conditionalApplication.SIGN_AGREEMENT, then: 'accessPending' },
      { by: provider, command: 'GRANT_ACCESS', data: {}, then: 'active' },
      { by: applicant, command: 'REPORT_USAGE', data: commandData.conditionalApplication.REPORT_USAGE, then: 'active' },
      { by: provider, command: 'TERMINATE', data: commandData.conditionalApplication.TERMINATE, then: 'destructionPending' },
      { by: applicant, command: 'CONFIRM_DESTRUCTION', data: commandData.conditionalApplication.CONFIRM_DESTRUCTION, then: 'closed' },
    ],
  },
  {
    process: 'unopenedDataRequest',
    starter: applicant,
    steps: [
      { by: authority, command: 'PASS_NORMATIVE_REVIEW', data: commandData.unopenedDataRequest.PASS_NORMATIVE_REVIEW, then: 'feasibilityReview' },
      { by: provider, command: 'CONCLUDE_OPENABLE', data: commandData.unopenedDataRequest.CONCLUDE_OPENABLE, then: 'openingPending', lateByDays: 30 },
      { by: provider, command: 'MARK_OPENED', data: commandData.unopenedDataRequest.MARK_OPENED, then: 'opened' },
    ],
  },
  {
    process: 'listAdjustment',
    starter: provider,
    steps: [
      { by: authority, command: 'RETURN', data: commandData.listAdjustment.RETURN, then: 'revising' },
      { by: provider, command: 'RESUBMIT', data: commandData.listAdjustment.RESUBMIT, then: 'review' },
      { by: authority, command: 'APPROVE', data: commandData.listAdjustment.APPROVE, then: 'approved', lateByDays: 25 },
    ],
  },
  {
    process: 'objection',
    starter: applicant,
    steps: [{ by: provider, command: 'RESPOND', data: commandData.objection.RESPOND, then: 'responded', lateByDays: 20 }],
  },
];

describe('end to end over HTTP', () => {
  let api: TestApi;
  const tokens = new Map<string, string>();
  const tokenOf = async (p: Party) => {
    const key = `${p.role}:${p.org}:${p.sub}`;
    if (!tokens.has(key)) tokens.set(key, await api.token(p.role, p.org, p.sub));
    return tokens.get(key)!;
  };

  beforeAll(async () => {
    // A Monday in March 2025: the examples' dates (use periods, agreements) fit around it.
    api = await startTestApi({ now: '2025-03-03T01:30:00.000Z' });
  });
  afterAll(() => api.close());

  for (const journey of JOURNEYS) {
    it(`${journey.process}: from start to ${journey.steps.at(-1)!.then}, with inbox, overdue report and history`, async () => {
      const started = await api.call('POST', '/v1/cases', {
        as: await tokenOf(journey.starter),
        body: { process: journey.process, input: startInputs[journey.process] },
        headers: { 'idempotency-key': `start-${journey.process}` },
      });
      expect(started.status, JSON.stringify(started.body)).toBe(201);
      const id: string = started.body.id;
      const states = [started.body.state];
      // The case list names a case by `id`, as GET /v1/cases/:id does (and by `caseId`, as it always has).
      const listed = await api.call('GET', `/v1/cases?process=${journey.process}&limit=100`, { as: await tokenOf(journey.starter) });
      expect(listed.body.items.find((i: { id: string }) => i.id === id)).toMatchObject({ id, caseId: id });
      let inboxHits = 0;

      for (const step of journey.steps) {
        const token = await tokenOf(step.by);
        // The party about to act finds the case in its inbox when the stage is a task of its.
        const inbox = await api.call('GET', `/v1/inbox?process=${journey.process}&limit=200`, { as: token });
        expect(inbox.status).toBe(200);
        const item = inbox.body.items.find((i: { caseId: string }) => i.caseId === id);
        const current = await api.call('GET', `/v1/cases/${id}`, { as: token });
        expect(current.body.allowedCommands).toContain(step.command);
        const mine = current.body.tasks.some((t: { role: string; org: string }) => t.role === step.by.role && t.org === step.by.org);
        expect(Boolean(item), `inbox of ${step.by.role} ${step.by.org} in ${current.body.state}`).toBe(mine);
        if (item) {
          expect(item.summary.title).toBeTruthy();
          // An applicant is not in the directory: its task carries the applicant's name, not its code.
          if (step.by.role === 'applicant') {
            expect(item.summary.applicant).toBeTruthy();
            expect(item.orgName).toBe(item.summary.applicant);
          }
          inboxHits++;
        }

        if (step.lateByDays) {
          api.clock.advance(step.lateByDays * 86_400_000);
          const report = await api.call('GET', `/v1/reports/overdue?process=${journey.process}`, { as: await tokenOf(supervisor) });
          expect(report.status).toBe(200);
          const late = report.body.items.find((i: { caseId: string; status: string }) => i.caseId === id && i.status === 'open');
          expect(late, `stage ${states.at(-1)} of ${journey.process} should be overdue`).toBeDefined();
          expect(late.workingDaysOverdue).toBeGreaterThan(0);
          // The inbox tells the same number, not just "0 days left".
          const overdueItem = (await api.call('GET', `/v1/inbox?overdue=true&limit=200`, { as: token })).body.items.find((i: { caseId: string; stage: string }) => i.caseId === id && i.stage === late.stage);
          if (mine) expect([overdueItem?.workingDaysLeft, overdueItem?.workingDaysOverdue]).toEqual([0, late.workingDaysOverdue]);
          expect(report.body.byOrg.some((o: { overdue: number }) => o.overdue > 0)).toBe(true);
        } else {
          api.clock.advance(3_600_000);
        }

        const res = await api.call('POST', `/v1/cases/${id}/commands`, {
          as: token,
          body: { type: step.command, data: step.data, expectedRevision: current.body.revision },
        });
        expect(res.status, `${step.command}: ${JSON.stringify(res.body)}`).toBe(200);
        expect(res.body.state).toBe(step.then);
        states.push(step.then);

        if (step.lateByDays) {
          // Finished, but late: it stays in the report as finished late.
          const report = await api.call('GET', `/v1/reports/overdue?process=${journey.process}`, { as: await tokenOf(supervisor) });
          expect(report.body.items.some((i: { caseId: string; status: string }) => i.caseId === id && i.status === 'finishedLate')).toBe(true);
        }
      }

      expect(inboxHits, 'the acting parties found the case in their inboxes').toBeGreaterThan(0);
      const final = await api.call('GET', `/v1/cases/${id}`, { as: await tokenOf(journey.starter) });
      expect(final.body.final).toBe(true);
      expect(final.body.tasks).toEqual([]);

      const history = await api.call('GET', `/v1/cases/${id}/history`, { as: await tokenOf(supervisor) });
      expect(history.status).toBe(200);
      expect(history.body.events.map((e: { stateAfter: string }) => e.stateAfter)).toEqual(states);
      expect(history.body.events.map((e: { command: string }) => e.command)).toEqual(['START', ...journey.steps.map((s) => s.command)]);
      history.body.events.forEach((e: { prevHash: string; hash: string }, i: number) => {
        if (i > 0) expect(e.prevHash).toBe(history.body.events[i - 1].hash);
      });
      const verify = await api.call('GET', `/v1/cases/${id}/verify`, { as: await tokenOf(supervisor) });
      expect(verify.body).toEqual({ ok: true, events: states.length });

      // The same start with the same Idempotency-Key answers the first answer (the case as it started) and stores nothing.
      const again = await api.call('POST', '/v1/cases', {
        as: await tokenOf(journey.starter),
        body: { process: journey.process, input: startInputs[journey.process] },
        headers: { 'idempotency-key': `start-${journey.process}` },
      });
      expect(again.status).toBe(201);
      expect(again.body).toMatchObject({ id, revision: 0, state: states[0] });
      // The same key with another request is refused: its answer would say this one was done.
      const other = await api.call('POST', '/v1/cases', {
        as: await tokenOf(journey.starter),
        body: { process: journey.process, input: { ...startInputs[journey.process], extra: 1 } },
        headers: { 'idempotency-key': `start-${journey.process}`, 'accept-language': 'en' },
      });
      expect([other.status, other.body.rule]).toEqual([422, 'idempotencyKeyReused']);
      expect(other.body.detail).toContain(id);
    });
  }
});
