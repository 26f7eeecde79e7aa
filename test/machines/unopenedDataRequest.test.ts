import { describe, expect, it } from 'vitest';
import { isFinal, stateName, stateTask } from '../../machines/describe.js';
import type { CommandEvent } from '../../machines/types.js';
import { unopenedDataRequest, type UnopenedDataRequestContext } from '../../machines/unopenedDataRequest.js';
import { actors, commandData, orgs, startInputs } from './examples.js';
import { attempt, caseIn, play, send, start } from './harness.js';

const def = unopenedDataRequest;
const context = (snapshot: { context: unknown }) => snapshot.context as UnopenedDataRequestContext;
const releaseCaseId = 'datasetRelease-7f3c2a';
const release = (state: string) => ({ [releaseCaseId]: { process: 'datasetRelease', state } });
const byRelease = { data: { datasetReleaseCaseId: releaseCaseId } };

describe('unopenedDataRequest: to each final state (第十五条)', () => {
  it('forwards the request to the provider the authority names', () => {
    const snapshot = play(def, ['PASS_NORMATIVE_REVIEW']);
    expect(stateName(snapshot)).toBe('feasibilityReview');
    expect(context(snapshot).providerOrg).toBe(orgs.provider);
    expect(context(snapshot).normativeReview).toMatchObject({ opinion: commandData.unopenedDataRequest.PASS_NORMATIVE_REVIEW.opinion });
  });

  it('is rejected at the normative review, with the reason', () => {
    const snapshot = play(def, ['FAIL_NORMATIVE_REVIEW']);
    expect(stateName(snapshot)).toBe('rejected');
    expect(context(snapshot).rejection).toMatchObject({ reason: commandData.unopenedDataRequest.FAIL_NORMATIVE_REVIEW.reason });
    expect(context(snapshot).providerOrg).toBeUndefined();
  });

  it('is answered when the data is already open, with how to obtain it (告知数据获取方式)', () => {
    const snapshot = play(def, ['PASS_NORMATIVE_REVIEW', 'CONCLUDE_ALREADY_OPEN']);
    expect(stateName(snapshot)).toBe('answered');
    expect(context(snapshot).conclusion).toMatchObject({ kind: 'alreadyOpen', ...commandData.unopenedDataRequest.CONCLUDE_ALREADY_OPEN });
  });

  it('is declined when not openable, with the reason (告知理由)', () => {
    const snapshot = play(def, ['PASS_NORMATIVE_REVIEW', 'CONCLUDE_NOT_OPENABLE']);
    expect(stateName(snapshot)).toBe('declined');
    expect(context(snapshot).conclusion).toMatchObject({ kind: 'notOpenable', reason: commandData.unopenedDataRequest.CONCLUDE_NOT_OPENABLE.reason });
  });

  it('is opened with a dataset reference', () => {
    const snapshot = play(def, ['PASS_NORMATIVE_REVIEW', 'CONCLUDE_OPENABLE', 'MARK_OPENED']);
    expect(stateName(snapshot)).toBe('opened');
    expect(isFinal(snapshot)).toBe(true);
    expect(context(snapshot).opened).toMatchObject({ datasetRef: commandData.unopenedDataRequest.MARK_OPENED.datasetRef });
  });
});

describe('unopenedDataRequest: MARK_OPENED with a dataset release case (CommandSpec.link)', () => {
  const given = caseIn('unopenedDataRequest', 'openingPending');

  it('links to the dataset release, completing when it is published', () => {
    expect(def.commands.MARK_OPENED?.link).toEqual({ field: 'datasetReleaseCaseId', process: 'datasetRelease', completesOn: 'published' });
  });

  it('opens at once when the release is already published', () => {
    const { violated, taken, next } = attempt(def, given, 'MARK_OPENED', { ...byRelease, links: release('published') });
    expect({ violated, taken }).toEqual({ violated: [], taken: true });
    expect(stateName(next)).toBe('opened');
    expect(context(next).opened).toMatchObject({ datasetReleaseCaseId: releaseCaseId });
  });

  it.each(['drafting', 'underReview'])('waits in openingPending while the release is %s, recording the awaited case', (state) => {
    const { violated, taken, next } = attempt(def, given, 'MARK_OPENED', { ...byRelease, links: release(state) });
    expect({ violated, taken }).toEqual({ violated: [], taken: true });
    expect(stateName(next)).toBe('openingPending');
    expect(context(next).awaitedRelease).toBe(releaseCaseId);
    expect(context(next).opened).toBeUndefined();
  });

  it('opens when the engine resends the command as the system once the release is published', () => {
    let snapshot = send(def, given, 'MARK_OPENED', { ...byRelease, links: release('underReview') });
    snapshot = send(def, snapshot, 'MARK_OPENED', { ...byRelease, actor: actors.system, links: release('published') });
    expect(stateName(snapshot)).toBe('opened');
    expect(context(snapshot).awaitedRelease).toBeUndefined();
    expect(context(snapshot).opened).toMatchObject({ datasetReleaseCaseId: releaseCaseId });
  });

  it('refuses an unknown release case (第十五条)', () => {
    const unknown: (CommandEvent['links'] | undefined)[] = [undefined, {}, { 'another-case': { process: 'datasetRelease', state: 'published' } }];
    for (const links of unknown) {
      expect(attempt(def, given, 'MARK_OPENED', { ...byRelease, links })).toMatchObject({ violated: ['linkedReleaseExists'], taken: false });
    }
  });

  it('refuses a linked case of another process', () => {
    const links = { [releaseCaseId]: { process: 'objection', state: 'published' } };
    expect(attempt(def, given, 'MARK_OPENED', { ...byRelease, links })).toMatchObject({ violated: ['linkedReleaseExists'], taken: false });
  });

  it('refuses a withdrawn release', () => {
    expect(attempt(def, given, 'MARK_OPENED', { ...byRelease, links: release('withdrawn') })).toMatchObject({
      violated: ['linkedReleaseNotWithdrawn'],
      taken: false,
    });
  });

  it('needs no linked case with a dataset reference', () => {
    expect(attempt(def, given, 'MARK_OPENED')).toMatchObject({ violated: [], taken: true });
  });
});

describe('unopenedDataRequest: tasks, parties, summary', () => {
  it.each([
    ['normativeReview', 'authority', 'cityOrAbove', 'unopenedDataRequest.normativeReview'],
    ['feasibilityReview', 'provider', 'provider', 'unopenedDataRequest.feasibilityReview'],
    ['openingPending', 'provider', 'provider', 'unopenedDataRequest.openingPending'],
  ])('%s is a task of %s (%s), deadline %s', (state, role, scope, key) => {
    expect(stateTask(def, state)).toMatchObject({ stage: state, role, scope, deadline: { kind: 'rule', key } });
  });

  it.each(['rejected', 'answered', 'declined', 'opened'])('%s is no one’s task', (state) => {
    expect(stateTask(def, state)).toBeUndefined();
  });

  it('has no provider until the authority names one; the addressed region counts', () => {
    const before = context(start(def));
    expect(def.parties(before)).toEqual({ providerOrg: undefined, applicantOrg: orgs.company, region: '370100' });
    const after = context(play(def, ['PASS_NORMATIVE_REVIEW']));
    expect(def.parties(after)).toEqual({ providerOrg: orgs.provider, applicantOrg: orgs.company, region: '370100' });
  });

  it('addresses the province when asked to', () => {
    const c = context(start(def, { input: { ...startInputs.unopenedDataRequest, addressedRegion: '370000' } }));
    expect(def.parties(c).region).toBe('370000');
  });

  it('summarises the requested resource', () => {
    const c = context(start(def));
    expect(def.summary(c)).toEqual({
      title: startInputs.unopenedDataRequest.resourceName,
      applicant: '山东数智科技有限公司',
      applicantKind: 'organization',
      provider: '济南市公安局',
    });
    expect(def.summary(context(play(def, ['PASS_NORMATIVE_REVIEW']))).provider).toBe(orgs.provider);
  });
});
