/**
 * PROCESSES.md "Deadlines": a deadline ends at 23:59:59.999 (Asia/Shanghai) of its last working day —
 * at that instant the task is still due, one millisecond later it is overdue (第十九条 reports count it
 * from then). The overdue report already draws the line there (due_at < asOf); these pin that the inbox
 * and a task's standing draw it at the same instant, with its overdue filter and its overdue flag.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors } from '../machines/examples.js';
import { startInput, world, type World } from './harness.js';

const provider = { role: 'provider', org: '370100-gaj' } as const;
const DUE_AT = '2026-02-26T15:59:59.999Z';
const JUST_AFTER = '2026-02-26T16:00:00.000Z';

describe('an objection due at the end of 26 February 2026 (10 working days from 5 February, 第十六条)', () => {
  let w: World;
  let caseId: string;

  beforeAll(async () => {
    w = await world({ start: '2026-02-05T02:00:00.000Z' });
    caseId = (await w.engine.start({ process: 'objection', input: startInput('objection', '370100-gaj', actors.company), actor: actors.company })).caseId;
  });
  afterAll(() => w.close());

  it('when the inbox is asked at the very instant the deadline ends, then the task is due, not overdue: not in overdue=true, in overdue=false, 0 working days overdue', () => {
    const asOf = new Date(DUE_AT);
    expect(w.models.inbox({ caller: provider, asOf, overdue: true }).items).toEqual([]);
    const [item] = w.models.inbox({ caller: provider, asOf, overdue: false }).items;
    expect(item).toMatchObject({ caseId, stage: 'handling', dueAt: DUE_AT, overdue: false, workingDaysOverdue: 0, workingDaysLeft: 0 });
    const [unfiltered] = w.models.inbox({ caller: provider, asOf }).items;
    expect(unfiltered).toMatchObject({ caseId, overdue: false, workingDaysOverdue: 0 });
    expect(w.models.overdueReport({ asOf }).items).toEqual([]);
  });

  it('when it is asked one millisecond later, then the task is overdue by 1 working day, in overdue=true and not in overdue=false', () => {
    const asOf = new Date(JUST_AFTER);
    const [item] = w.models.inbox({ caller: provider, asOf, overdue: true }).items;
    expect(item).toMatchObject({ caseId, overdue: true, workingDaysOverdue: 1 });
    expect(w.models.inbox({ caller: provider, asOf, overdue: false }).items).toEqual([]);
    expect(w.models.overdueReport({ asOf }).items).toMatchObject([{ caseId, status: 'open', workingDaysOverdue: 1 }]);
  });
});
