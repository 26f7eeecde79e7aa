/**
 * A deadline a holiday notice re-states (PROCESSES.md "Deadlines") shows in the inbox with the date
 * it had before, so a reviewer sees it moved — later, or earlier when a weekend became a working day.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInputs, actors } from '../machines/examples.js';
import { testNotice2027 } from '../calendars/notice2027.js';
import { admin, world, type World } from './harness.js';

let w: World;
let caseId: string;
const provider = { role: 'provider', org: startInputs.objection.providerOrg };

beforeAll(async () => {
  w = await world({ start: '2027-01-25T02:00:00.000Z' }); // Mon 10:00 in Jinan; 2027 provisional
  caseId = (await w.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company })).caseId;
});
afterAll(() => w.close());

describe('a deadline re-stated by a holiday notice, in the inbox', () => {
  it('given an objection due on a provisional date, then the inbox shows it with no earlier date', () => {
    const [item] = w.models.inbox({ caller: provider, asOf: new Date('2027-01-26T00:00:00Z') }).items;
    expect(item).toMatchObject({ caseId, dueDate: '2027-02-12', provisional: true, restatedFrom: null });
  });

  it('when the 2027 notice is loaded and the deadline re-stated, then the inbox shows the new date and the one it replaced', async () => {
    await w.calendar.load(testNotice2027, admin);
    expect(await w.scheduler.restateDeadlines(2027)).toBe(1);
    const [item] = w.models.inbox({ caller: provider, asOf: new Date('2027-01-26T00:00:00Z') }).items;
    expect(item).toMatchObject({ caseId, dueDate: '2027-02-15', provisional: false, restatedFrom: '2027-02-12' });
  });

  it('when the read models are rebuilt, then the inbox says the same', async () => {
    await w.models.rebuild('inbox');
    const [item] = w.models.inbox({ caller: provider, asOf: new Date('2027-01-26T00:00:00Z') }).items;
    expect(item).toMatchObject({ dueDate: '2027-02-15', restatedFrom: '2027-02-12' });
  });

  it('when a supervisor pulls the overdue report after the new date, then the item shows the date it replaced, in JSON and CSV, folded and rebuilt alike (year-end QA: the report showed the new one alone)', async () => {
    const asOf = '2027-02-17T02:00:00.000Z'; // Wed, past the re-stated 02-15
    const shown = () => {
      const report = w.models.overdueReport({ asOf });
      const item = report.items.find((i) => i.caseId === caseId);
      expect(item).toMatchObject({ status: 'open', restatedFrom: '2027-02-12' });
      const lines = w.models.toCsv(report).split('\r\n');
      expect(lines[0]!.endsWith(',期限起算日,原期限（节假日通知调整前）')).toBe(true);
      expect(lines.find((l) => l.startsWith(caseId))!.endsWith(',否,,2027-02-12')).toBe(true);
    };
    shown();
    await w.models.rebuild('sla');
    shown();
  });
});

describe('a provisional deadline a holiday notice confirms, in the inbox', () => {
  let v: World;
  let confirmed: string;
  beforeAll(async () => {
    v = await world({ start: '2027-03-01T02:00:00.000Z' }); // Mon; ten working days to 03-15 with or without the notice
    confirmed = (await v.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company })).caseId;
  });
  afterAll(() => v.close());

  it('when the notice is loaded, then the task is official on the same date, with no date replaced, folded and rebuilt alike', async () => {
    await v.calendar.load(testNotice2027, admin);
    expect(await v.scheduler.restateDeadlines(2027)).toBe(1);
    const asOf = new Date('2027-03-02T00:00:00Z');
    expect(v.models.inbox({ caller: provider, asOf }).items).toEqual([expect.objectContaining({ caseId: confirmed, dueDate: '2027-03-15', provisional: false, restatedFrom: null })]);
    await v.models.rebuild('inbox');
    expect(v.models.inbox({ caller: provider, asOf }).items).toEqual([expect.objectContaining({ caseId: confirmed, dueDate: '2027-03-15', provisional: false, restatedFrom: null })]);
  });
});
