/**
 * A data security problem the applicant reports (附录4 承诺书五: 一旦发现有关数据已经泄露或可能泄露，立即
 * 通知) opens a 知悉 item with no deadline for the provider and the 本级 authority. Listed by deadline, it
 * came last, after a provider's idle drafts (reviewers' QA): the machine marks it urgent
 * (`TaskSpec.urgent`), and the inbox lists it first. It is never overdue, nor due within any number
 * of days.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { activeEndingOnNewYearsEve } from '../engine/world.js';
import { world, type World } from './harness.js';

let w: World;
const ids = { incident: '', review: '', draft: '' };
const provider = { role: 'provider', org: actors.provider.org };

beforeAll(async () => {
  w = await world({ start: '2025-03-03T01:30:00.000Z' });
  // An active use whose applicant reports a security problem.
  ids.incident = (await activeEndingOnNewYearsEve(w.engine, 1))[0]!;
  // An application in the provider's review (10 working days, 第十四条(二)), and a release in drafting (no deadline).
  ids.review = (await w.engine.start({ process: 'conditionalApplication', input: startInputs.conditionalApplication, actor: actors.company })).caseId;
  await w.engine.execute({ caseId: ids.review, type: 'PASS_NORMATIVE_REVIEW', data: {}, actor: actors.cityAuthority });
  ids.draft = (await w.engine.start({ process: 'datasetRelease', input: startInputs.datasetRelease, actor: actors.provider })).caseId;
  w.clock.set('2025-03-05T02:00:00.000Z');
  await w.engine.execute({ caseId: ids.incident, type: 'REPORT_SECURITY_INCIDENT', data: commandData.conditionalApplication.REPORT_SECURITY_INCIDENT, actor: actors.company });
});
afterAll(() => w.close());

const listed = (items: { caseId: string; stage: string }[]) => items.map((i) => `${i.caseId === ids.incident ? 'incident' : i.caseId === ids.review ? 'review' : i.caseId === ids.draft ? 'draft' : i.caseId}:${i.stage}`);

describe('a reported data security problem in the inbox', () => {
  it('given a provider with an application under review and a draft, when an applicant reports a security problem, then the provider’s inbox lists its notice first, before every deadline; the authority’s too', () => {
    const asOf = w.clock.now();
    expect(listed(w.models.inbox({ caller: provider, asOf }).items)).toEqual([
      'incident:securityIncidentNotice',
      'review:providerReview',
      'draft:drafting',
    ]);
    expect(listed(w.models.inbox({ caller: { role: 'authority', org: actors.cityAuthority.org }, asOf }).items)[0]).toBe('incident:securityIncidentAuthorityNotice');
  });

  it('when the inbox is read a row a page, then the pages give the same order', () => {
    const asOf = w.clock.now();
    const rows: { caseId: string; stage: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = w.models.inbox({ caller: provider, asOf, limit: 1, ...(cursor ? { cursor } : {}) });
      rows.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(listed(rows)).toEqual(listed(w.models.inbox({ caller: provider, asOf }).items));
  });

  it('given the review past its deadline, then the notice is not overdue (listed first among the rest), nor due within any number of working days', () => {
    const asOf = new Date('2025-04-01T02:00:00.000Z');
    expect(listed(w.models.inbox({ caller: provider, asOf, overdue: true }).items)).toEqual(['review:providerReview']);
    expect(listed(w.models.inbox({ caller: provider, asOf, overdue: false }).items)).toEqual(['incident:securityIncidentNotice', 'draft:drafting']);
    expect(listed(w.models.inbox({ caller: provider, asOf: w.clock.now(), dueWithin: 200 }).items)).toEqual(['review:providerReview']);
  });

  it('when the read models are rebuilt from position 0, then the order is the same', async () => {
    const before = listed(w.models.inbox({ caller: provider, asOf: w.clock.now() }).items);
    await w.models.rebuild('inbox');
    expect(listed(w.models.inbox({ caller: provider, asOf: w.clock.now() }).items)).toEqual(before);
  });
});
