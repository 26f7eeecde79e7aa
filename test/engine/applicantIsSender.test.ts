/**
 * The applicant of a form is the party the sender is authenticated as (第十三条(一) for a conditional
 * application; 第十五条、附录7 for an unopened-data request): a company's token may not file in
 * another company's name. Given nothing, when a start names an applicant that is not the sender,
 * then RULE_VIOLATED under the process's own article, and no case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../machines/types.js';
import { actors, personApplicant, startInputs } from '../machines/examples.js';
import { createWorld, refused, type World } from './world.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(() => w.close());

/** 烟台 company, authenticated as itself: a valid 统一社会信用代码 that is not the form's applicant. */
const anotherCompany: Actor = { sub: 'u-ytkj-qianwei', name: '钱伟（烟台某科技有限公司）', role: 'applicant', org: '91370600MA5H9XRR3R' };

describe('the applicant is the sender (applicantIsSender)', () => {
  it.each([
    ['conditionalApplication', '第十三条(一)'],
    ['unopenedDataRequest', '第十五条、附录7'],
  ] as const)('given nothing, when another company files its %s naming the example company as applicant, then RULE_VIOLATED applicantIsSender (%s) and no case', async (process, article) => {
    const error = await refused(w, undefined, () => w.engine.start({ process, input: startInputs[process], actor: anotherCompany }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'applicantIsSender', article } });
  });

  // Mutation QA (pass 3): a person's token naming its ID number in another spelling (a lower-case x) could be taken
  // with every test passing; only a credit code's spelling was tested. The case would be filed under that
  // spelling, apart from the person's other cases and report rows.
  it('given nothing, when a person whose token names its ID number with a lower-case x files an application with the number as written (X), then RULE_VIOLATED applicantIsSender; with the token as written, the case starts', async () => {
    const idNumber = '37010219900307122X';
    const input = { ...startInputs.conditionalApplication, applicant: { ...personApplicant, idNumber } };
    const lower: Actor = { sub: 'u-zhangsan', name: '张三', role: 'applicant', org: idNumber.toLowerCase() };
    const error = await refused(w, undefined, () => w.engine.start({ process: 'conditionalApplication', input, actor: lower }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'applicantIsSender' } });
    const started = await w.engine.start({ process: 'conditionalApplication', input, actor: { ...lower, org: idNumber } });
    expect(started.revision).toBe(0);
  });

  it.each(['conditionalApplication', 'unopenedDataRequest'] as const)('given nothing, when the example company files its own %s, then the case starts', async (process) => {
    const result = await w.engine.start({ process, input: startInputs[process], actor: actors.company });
    expect(result.revision).toBe(0);
  });
});
