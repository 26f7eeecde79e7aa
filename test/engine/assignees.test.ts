/**
 * Every task is someone's (第六条: the work falls to an organisation of the directory). Given a
 * directory that lists a county provider but not its district's 主管部门 (a WORKFLOW_ORGS a county or a
 * development zone short), when a command would open a task for that authority, then it is refused
 * and nothing is stored: before, the task was opened for no organisation, in no inbox, overdue for
 * good, and no one could act on it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Directory } from '../../directory/directory.js';
import { commandData, conditionalApplicationSentOn, startInputs } from '../machines/examples.js';
import { createWorld, type World } from './world.js';

/** 济南市市中区 (370103): its market regulator is listed, its big-data bureau is not. */
const county = { code: '370103-scjgj', name: '济南市市中区市场监督管理局', kind: 'provider', level: 'county', region: '370103' } as const;
const provider = { sub: 'u-szq-scjgj', name: '经办人', role: 'provider', org: county.code } as const;
const applicant = { sub: 'u-szkj-sunli', name: '孙丽', role: 'applicant', org: '91370100MA3C8K2D0E' } as const;

let w: World;
beforeAll(async () => {
  w = await createWorld({ directory: new Directory([...Directory.load().list(), county]) });
});
afterAll(() => w.close());

const noAssignee = { code: 'RULE_VIOLATED', details: { rule: 'taskHasAssignee', article: '第六条' } };

describe('a task for an authority the directory does not have', () => {
  it('given a county provider without its 本级 authority, when it submits a dataset for review, then RULE_VIOLATED taskHasAssignee, nothing stored, and the draft can still be worked', async () => {
    const started = await w.engine.start({ process: 'datasetRelease', input: { ...startInputs.datasetRelease, providerOrg: county.code }, actor: provider });
    for (const type of ['RECORD_SECURITY_REVIEW', 'SET_DESENSITIZATION_RULES'] as const) {
      await w.engine.execute({ caseId: started.caseId, type, data: commandData.datasetRelease[type], actor: provider });
    }
    const before = await w.engine.getCase(started.caseId);
    const error = await w.engine.execute({ caseId: started.caseId, type: 'SUBMIT', data: commandData.datasetRelease.SUBMIT, actor: provider }).catch((e: unknown) => e);
    expect(error).toMatchObject(noAssignee);
    // Whose absence: the provider's 本级 bureau, by provider and region (reform QA: "该机构" named nothing).
    expect((error as { text: { zh: string } }).text.zh).toBe(
      '机构目录中没有承担“开放数据规范性审查”的公共数据开放主管部门，无法受理：济南市市中区市场监督管理局（370103-scjgj）所在的行政区划 370103 的本级主管部门不在目录中，请联系平台管理员在机构目录中补充该机构（第六条）',
    );
    expect((error as { text: { en: string } }).text.en).toBe(
      'the organisation directory names no organisation to do "underReview" (authority): region 370103, where 济南市市中区市场监督管理局 (370103-scjgj) is, has no bureau in it; ask the platform administrator to add it to the directory (Article 6)',
    );
    const after = await w.engine.getCase(started.caseId);
    expect(after).toMatchObject({ state: 'drafting', revision: before.revision });
  });

  it('given the same provider, when an applicant applies for its data, then RULE_VIOLATED taskHasAssignee and no case', async () => {
    const head = await w.store.headPosition();
    const input = { ...conditionalApplicationSentOn('2025-03-03'), resource: { ...startInputs.conditionalApplication.resource, providerOrg: county.code } };
    const error = await w.engine.start({ process: 'conditionalApplication', input, actor: applicant }).catch((e: unknown) => e);
    expect(error).toMatchObject(noAssignee);
    expect(await w.store.headPosition()).toBe(head);
  });

  it('given a provider whose authority is listed, then its tasks are opened as before', async () => {
    const c = await w.engine.start({ process: 'conditionalApplication', input: conditionalApplicationSentOn('2025-03-03'), actor: applicant });
    expect(c.state).toBe('normativeReview');
  });
});
