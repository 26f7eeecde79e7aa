/**
 * The work index reads every event's tasks at start (engine/workIndex.ts, through `tasksAfter`). An event
 * whose lists were changed in the store to something that is no list (its case fails verify there) threw
 * there, and the start's timer pass failed for every case (QA: 触发到期系统指令失败 in the log).
 */
import { describe, expect, it } from 'vitest';
import { tasksAfter } from '../../engine/fold.js';
import type { CaseEventMetadata } from '../../engine/events.js';

const task = { stage: 'handling', label: '处理异议或建议并反馈', role: 'provider', org: '370100-gaj', orgs: ['370100-gaj'], enteredAt: '2026-03-02T01:00:00.000Z' };

describe('tasksAfter', () => {
  it('given an event whose task lists are text, null or a number, then the open tasks are left as they were: no throw', () => {
    const altered = { tasksClosed: 'handling', tasksOpened: null, deadlinesRestated: 7, tasksReassigned: 'x' } as unknown as CaseEventMetadata;
    expect(tasksAfter([task] as never, altered)).toEqual([task]);
  });

  it('given lists, then it closes, opens and re-states as before', () => {
    const meta = { tasksClosed: [{ stage: 'handling', completedAt: '2026-03-03T01:00:00.000Z' }], tasksOpened: [{ ...task, stage: 'next' }] } as unknown as CaseEventMetadata;
    expect(tasksAfter([task] as never, meta).map((t) => t.stage)).toEqual(['next']);
  });
});
