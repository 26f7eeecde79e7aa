import { describe, expect, it } from 'vitest';
import { isFinal, stateName, stateTask } from '../../machines/describe.js';
import { objection, type ObjectionContext } from '../../machines/objection.js';
import { actors, orgs, personIdNumber, startInputs } from './examples.js';
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
    expect(def.summary(c)).toMatchObject({ title: startInputs.objection.datasetName, provider: orgs.provider });
  });

  it('names a natural person (an ID number as the code) by name, marked a person so that reports mask it; an organisation by its code, with who sent it', () => {
    const person = { sub: 'u-zhangsan', name: '张三', role: 'applicant', org: personIdNumber } as const;
    expect(def.summary(context(start(def, { actor: person })))).toMatchObject({ applicant: '张三', applicantKind: 'person' });
    expect(def.summary(context(start(def, { actor: { ...actors.company, name: '孙丽' } })))).toMatchObject({ applicant: `${orgs.company}（孙丽）`, applicantKind: 'organization' });
    const { name: _, ...nameless } = actors.company;
    expect(def.summary(context(start(def, { actor: nameless })))).toMatchObject({ applicant: orgs.company, applicantKind: 'organization' });
  });

  it('names a natural person whose token carries no name by the ID number masked, never in full: the summary is shown in the provider’s inbox (个人信息保护法 第六条)', () => {
    const nameless = { sub: 'u-zhangsan', role: 'applicant', org: personIdNumber } as const;
    const masked = `${personIdNumber.slice(0, 3)}${'*'.repeat(13)}${personIdNumber.slice(-2)}`;
    expect(def.summary(context(start(def, { actor: nameless })))).toEqual({
      title: startInputs.objection.datasetName,
      applicant: `个人（身份证号 ${masked}）`,
      applicantKind: 'person',
      provider: orgs.provider,
    });
  });
});
