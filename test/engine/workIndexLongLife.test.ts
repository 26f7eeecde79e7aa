/**
 * The work index (engine/workIndex.ts) holds what the scheduler needs of every case: due timers,
 * open tasks, cases waiting on another. It is folded from the whole log at every start and kept for
 * as long as the server runs, so what it holds must be the work still open — not every case the
 * platform ever had: an ended case has no timer, no task, and nothing left to wait for.
 */
import { describe, expect, it } from 'vitest';
import { heapUsed } from '../heapUsed.js';
import type { CaseEventMetadata } from '../../engine/events.js';
import { WorkIndex } from '../../engine/workIndex.js';
import type { RecordedEvent } from '../../eventstore/types.js';
import { registry } from '../../machines/registry.js';


let position = 0;
const caseId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** An event of an objection case as the engine stamps it (the parts the index reads). */
function objectionEvent(id: string, command: string, stateAfter: string, final: boolean, extra: Partial<CaseEventMetadata> = {}): RecordedEvent {
  const task = { stage: 'handling', label: '处理异议', role: 'provider', org: '370100-gaj', orgs: ['370100-gaj'], enteredAt: '2026-03-02T01:00:00.000Z', dueAt: '2026-03-16T15:59:59.999Z', dueDate: '2026-03-16', basis: 'statute', provisional: false, calendarVersion: 'v' };
  const metadata = {
    caseId: id,
    process: 'objection',
    machine: { name: 'objection', version: 1 },
    command,
    stateAfter,
    final,
    tasksOpened: final ? [] : [task],
    tasksClosed: final ? [{ stage: 'handling', completedAt: '2026-03-03T01:00:00.000Z' }] : [],
    timers: [],
    ...extra,
  };
  position++;
  return { id: `e-${position}`, streamId: `objection-${id}`, type: command, revision: final ? 1 : 0, position, data: {}, metadata, created: '2026-03-02T01:00:00.000Z' } as unknown as RecordedEvent;
}

describe('the work index of a server running for years', () => {
  it('given 100,000 objections raised and answered (ended), then the index holds nothing more for them than before they were raised', () => {
    const index = new WorkIndex({} as never, registry);
    const before = heapUsed();
    for (let n = 0; n < 100_000; n++) {
      index.apply(objectionEvent(caseId(n), 'START', 'handling', false));
      index.apply(objectionEvent(caseId(n), 'RESPOND', 'responded', true));
    }
    const grown = heapUsed() - before;
    // Every ended case was kept with its last state, tasks and timers: about 290 bytes each, +29 MB here.
    expect(grown, `the index grew ${(grown / 1e6).toFixed(1)} MB`).toBeLessThan(3e6);
    expect(index.dueTimers(new Date('2030-01-01T00:00:00Z'))).toEqual([]);
    expect(index.casesToRestate(2026)).toEqual([]);
  });

  it('given 20,000 requests each opened on a release still in drafting (第十五条: waiting for it to be published), when the releases are published and the requests end, then the index holds nothing more for them', () => {
    const index = new WorkIndex({} as never, registry);
    const before = heapUsed();
    for (let n = 0; n < 20_000; n++) {
      const release = caseId(2 * n);
      const request = caseId(2 * n + 1);
      const links = { [release]: { process: 'datasetRelease', state: 'drafting' } };
      index.apply(objectionEvent(release, 'START', 'drafting', false, { process: 'datasetRelease', machine: { name: 'datasetRelease', version: 2 } }));
      index.apply(objectionEvent(request, 'MARK_OPENED', 'openingPending', false, { process: 'unopenedDataRequest', machine: { name: 'unopenedDataRequest', version: 1 }, links }));
      expect(index.waitersOn(release).map((w) => w.caseId)).toEqual([request]);
      index.apply(objectionEvent(release, 'APPROVE', 'published', false, { process: 'datasetRelease', machine: { name: 'datasetRelease', version: 2 } }));
      expect(index.readyWaiters().map((r) => r.waiter.caseId)).toEqual([request]);
      index.apply(objectionEvent(request, 'MARK_OPENED', 'opened', true, { process: 'unopenedDataRequest', machine: { name: 'unopenedDataRequest', version: 1 } }));
      index.apply(objectionEvent(release, 'WITHDRAW', 'withdrawn', true, { process: 'datasetRelease', machine: { name: 'datasetRelease', version: 2 } }));
    }
    const grown = heapUsed() - before;
    // Each emptied waiters list (and the ended cases) stayed: about 690 bytes a pair, +13.8 MB here; and
    // every case's end walked every list ever made, so these 20,000 pairs took 21 s (readyWaiters aside).
    expect(grown, `the index grew ${(grown / 1e6).toFixed(1)} MB`).toBeLessThan(2e6);
    expect(index.readyWaiters()).toEqual([]);
  });

  it('given a request waiting on a release that is withdrawn (ends without being published), then the request still waits on it, and its wait ends when the request does', () => {
    const index = new WorkIndex({} as never, registry);
    const [release, request] = [caseId(1), caseId(2)];
    index.apply(objectionEvent(release, 'START', 'drafting', false, { process: 'datasetRelease', machine: { name: 'datasetRelease', version: 2 } }));
    index.apply(objectionEvent(request, 'MARK_OPENED', 'openingPending', false, { process: 'unopenedDataRequest', machine: { name: 'unopenedDataRequest', version: 1 }, links: { [release]: { process: 'datasetRelease', state: 'drafting' } } }));
    index.apply(objectionEvent(release, 'WITHDRAW', 'withdrawn', true, { process: 'datasetRelease', machine: { name: 'datasetRelease', version: 2 } }));
    expect(index.waitersOn(release).map((w) => w.caseId)).toEqual([request]);
    expect(index.readyWaiters()).toEqual([]);
    index.apply(objectionEvent(request, 'WITHDRAW', 'withdrawn', true, { process: 'unopenedDataRequest', machine: { name: 'unopenedDataRequest', version: 1 } }));
    expect(index.waitersOn(release)).toEqual([]);
  });

  it('given 100,000 dataset releases published (not ended: a release may still be withdrawn, but has no task and no timer), then the index holds nothing more for them than before they were submitted', () => {
    const index = new WorkIndex({} as never, registry);
    const release = { process: 'datasetRelease', machine: { name: 'datasetRelease', version: 2 } };
    const before = heapUsed();
    for (let n = 0; n < 100_000; n++) {
      index.apply(objectionEvent(caseId(n), 'SUBMIT', 'underReview', false, release));
      index.apply(objectionEvent(caseId(n), 'APPROVE', 'published', false, { ...release, tasksOpened: [], tasksClosed: [{ stage: 'handling', completedAt: '2026-03-03T01:00:00.000Z' }] }));
    }
    const grown = heapUsed() - before;
    // Every published release was kept with its state and empty tasks and timers, for as long as the server ran: about 220 bytes each, +22 MB here.
    expect(grown, `the index grew ${(grown / 1e6).toFixed(1)} MB`).toBeLessThan(3e6);
    expect(index.linkedToLearn()).toEqual([]);
  });

  it('given a release published (no longer held), when a request that named it while it was under review is stored after that, then the index asks for the release\'s state, and once told, the request is ready', () => {
    const index = new WorkIndex({} as never, registry);
    const [release, request] = [caseId(1), caseId(2)];
    const asRelease = { process: 'datasetRelease', machine: { name: 'datasetRelease', version: 2 } };
    index.apply(objectionEvent(release, 'SUBMIT', 'underReview', false, asRelease));
    index.apply(objectionEvent(release, 'APPROVE', 'published', false, { ...asRelease, tasksOpened: [], tasksClosed: [{ stage: 'handling', completedAt: '2026-03-03T01:00:00.000Z' }] }));
    index.apply(objectionEvent(request, 'MARK_OPENED', 'openingPending', false, { process: 'unopenedDataRequest', machine: { name: 'unopenedDataRequest', version: 1 }, links: { [release]: { process: 'datasetRelease', state: 'underReview' } } }));
    expect(index.linkedToLearn()).toEqual([release]);
    index.learn(release, { process: 'datasetRelease', state: 'published', final: false });
    expect(index.linkedToLearn()).toEqual([]);
    expect(index.readyWaiters().map((r) => r.waiter.caseId)).toEqual([request]);
    index.apply(objectionEvent(request, 'MARK_OPENED', 'opened', true, { process: 'unopenedDataRequest', machine: { name: 'unopenedDataRequest', version: 1 } }));
    expect(index.readyWaiters()).toEqual([]);
    expect(index.linkedToLearn()).toEqual([]);
  });

  it('given cases still open among ended ones, then their tasks are still there to re-state', () => {
    const index = new WorkIndex({} as never, registry);
    index.apply(objectionEvent(caseId(1), 'START', 'handling', false));
    index.apply(objectionEvent(caseId(2), 'START', 'handling', false));
    index.apply(objectionEvent(caseId(1), 'RESPOND', 'responded', true));
    expect(index.casesToRestate(2026)).toEqual([caseId(2)]);
  });
});
