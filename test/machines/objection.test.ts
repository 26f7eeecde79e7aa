import { describe, expect, it } from 'vitest';
import { isFinal, stateName, stateTask } from '../../machines/describe.js';
import { objection, type ObjectionContext } from '../../machines/objection.js';
import { actors, orgs, startInputs } from './examples.js';
import { attempt, play, start } from './harness.js';

const def = objection;
const context = (snapshot: { context: unknown }) => snapshot.context as ObjectionContext;
const suggestion = { ...startInputs.objection, kind: 'suggestion', description: '建议增加按区县统计的字段。', evidence: [] };

describe('objection: handled and answered (第十六条第二款)', () => {
  it('is responded to by the provider', () => {
    const snapshot = play(def, ['RESPOND']);
    expect(stateName(snapshot)).toBe('responded');
    expect(isFinal(snapshot)).toBe(true);
    expect(context(snapshot).response).toMatchObject({ outcome: 'corrected', by: orgs.provider });
  });

  it.each(['corrected', 'partiallyCorrected', 'notCorrected'])('answers an objection with %s', (outcome) => {
    expect(attempt(def, start(def), 'RESPOND', { data: { outcome, explanation: '经核查处理。' } })).toMatchObject({ violated: [], taken: true });
  });

  it.each(['adopted', 'notAdopted'])('refuses to answer an objection with %s', (outcome) => {
    expect(attempt(def, start(def), 'RESPOND', { data: { outcome, explanation: '经核查处理。' } })).toMatchObject({
      violated: ['outcomeFitsKind'],
      taken: false,
    });
  });

  it('answers a suggestion with adopted or notAdopted only', () => {
    const given = start(def, { input: suggestion });
    expect(attempt(def, given, 'RESPOND', { data: { outcome: 'adopted', explanation: '已采纳。' } }).taken).toBe(true);
    expect(attempt(def, given, 'RESPOND', { data: { outcome: 'corrected', explanation: '已更正。' } })).toMatchObject({
      violated: ['outcomeFitsKind'],
      taken: false,
    });
  });
});

describe('objection: tasks, parties, summary', () => {
  it('handling is the provider’s task, due objection.handling', () => {
    expect(stateTask(def, 'handling')).toMatchObject({
      stage: 'handling',
      role: 'provider',
      scope: 'provider',
      deadline: { kind: 'rule', key: 'objection.handling' },
    });
    expect(stateTask(def, 'responded')).toBeUndefined();
  });

  it('names the dataset’s provider and the applicant', () => {
    const c = context(start(def, { actor: actors.person }));
    expect(def.parties(c)).toEqual({ providerOrg: orgs.provider, applicantOrg: actors.person.org });
    expect(def.summary(c)).toEqual({ title: startInputs.objection.datasetName, applicant: '李明', provider: orgs.provider });
  });
});
