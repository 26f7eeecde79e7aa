/**
 * The competent authority's suspension of a data service (附录4 承诺书六; conditionalApplication v13)
 * reaches the provider, who serves the data, as an urgent 知悉 item: its inbox lists it first, before
 * every deadline, and it is never overdue. Taken note of, it leaves the inbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { activeEndingOnNewYearsEve } from '../engine/world.js';
import { world, type World } from './harness.js';

let w: World;
const ids = { suspended: '', review: '' };
const provider = { role: 'provider', org: actors.provider.org };

beforeAll(async () => {
  w = await world({ start: '2025-03-03T01:30:00.000Z' });
  // An active use, and an application in the provider's review (10 working days, 第十四条(二)).
  ids.suspended = (await activeEndingOnNewYearsEve(w.engine, 1))[0]!;
  ids.review = (await w.engine.start({ process: 'conditionalApplication', input: startInputs.conditionalApplication, actor: actors.company })).caseId;
  await w.engine.execute({ caseId: ids.review, type: 'PASS_NORMATIVE_REVIEW', data: {}, actor: actors.cityAuthority });
  w.clock.set('2025-03-05T02:00:00.000Z');
  await w.engine.execute({ caseId: ids.suspended, type: 'SUSPEND', data: commandData.conditionalApplication.SUSPEND, actor: actors.cityAuthority });
});
afterAll(() => w.close());

const listed = (items: { caseId: string; stage: string }[]) => items.map((i) => `${i.caseId === ids.suspended ? 'suspended' : i.caseId === ids.review ? 'review' : i.caseId}:${i.stage}`);

describe('the competent authority’s suspension in the provider’s inbox', () => {
  it('given a provider with an application under review, when the authority suspends a use it serves, then its inbox lists the suspension first, with no deadline', () => {
    const items = w.models.inbox({ caller: provider, asOf: w.clock.now() }).items;
    expect(listed(items)).toEqual(['suspended:suspensionNotice', 'review:providerReview']);
    expect(items[0]).toMatchObject({ label: '知悉：主管部门暂停数据开放服务', dueAt: null });
  });

  it('given the review past its deadline, then the suspension is not overdue', () => {
    const asOf = new Date('2025-04-01T02:00:00.000Z');
    expect(listed(w.models.inbox({ caller: provider, asOf, overdue: true }).items)).toEqual(['review:providerReview']);
  });

  it('when the provider takes note of it, then it leaves the inbox; a rebuild from position 0 agrees', async () => {
    await w.engine.execute({ caseId: ids.suspended, type: 'ACKNOWLEDGE_SERVICE_NOTICE', data: { command: 'SUSPEND' }, actor: actors.provider });
    expect(listed(w.models.inbox({ caller: provider, asOf: w.clock.now() }).items)).toEqual(['review:providerReview']);
    await w.models.rebuild('inbox');
    expect(listed(w.models.inbox({ caller: provider, asOf: w.clock.now() }).items)).toEqual(['review:providerReview']);
  });
});
