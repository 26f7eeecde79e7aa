import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCalendar, shanghaiDateOf } from '../../calendars/index.js';
import { canSee, caseRegion, Directory, type Viewer } from '../../directory/index.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import type { RecordedEvent } from '../../eventstore/types.js';
import { casesProjection, csv, slaProjection, InvalidQueryError, listCases, openReadModels, type CaseListItem, type InboxItem, type ReadModels } from '../../projections/index.js';
import { shanghaiDay, workingDaysOverdue } from '../../projections/query.js';
import { synthesise } from '../../scripts/bench/projections.js';
import { actors, commandData, type ProcessName } from '../machines/examples.js';
import { actorOf, directory, stampedEvent, startInput, world, type World } from './harness.js';
import { systemClock } from '../../infra/clock.js';

const at = (iso: string) => new Date(iso);

/** Every page of the caller's inbox, `limit` at a time. */
function wholeInbox(w: World, query: Omit<Parameters<World['models']['inbox']>[0], 'cursor'>): InboxItem[] {
  const items: InboxItem[] = [];
  let cursor: string | undefined;
  do {
    const page = w.models.inbox({ ...query, ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

async function start(w: World, process: ProcessName, provider: string): Promise<string> {
  const applicant = actors.company;
  const starter = process === 'datasetRelease' || process === 'listAdjustment' ? actorOf(provider, 'provider') : applicant;
  return (await w.engine.start({ process, input: startInput(process, provider, applicant), actor: starter })).caseId;
}

describe('inbox across the Spring Festival holiday (春节 2026: 2月15日至23日放假，2月14日、28日上班)', () => {
  let w: World;
  let caseId: string;

  beforeAll(async () => {
    w = await world({ start: '2026-02-05T02:00:00.000Z' }); // Thursday 10:00 in Jinan
    caseId = await start(w, 'objection', '370100-gaj');
  });
  afterAll(() => w.close());

  it('given an objection entered on 5 February, then its 10 working days (第十六条) end on 26 February, not on 19 February', () => {
    const [item] = w.models.inbox({ caller: { role: 'provider', org: '370100-gaj' }, asOf: at('2026-02-06T02:00:00Z') }).items;
    expect(item).toMatchObject({ caseId, stage: 'handling', dueDate: '2026-02-26', dueAt: '2026-02-26T15:59:59.999Z', basis: 'statute', provisional: false });
  });

  it('when asked on a holiday day after the naive deadline, then the task is not overdue and has working days left', () => {
    const page = w.models.inbox({ caller: { role: 'provider', org: '370100-gaj' }, asOf: at('2026-02-20T02:00:00Z') });
    expect(page.items.map((i) => [i.overdue, i.workingDaysLeft])).toEqual([[false, 3]]);
    expect(w.models.inbox({ caller: { role: 'provider', org: '370100-gaj' }, asOf: at('2026-02-20T02:00:00Z'), overdue: true }).items).toEqual([]);
    expect(w.models.overdueReport({ asOf: at('2026-02-20T02:00:00Z') }).items).toEqual([]);
  });

  it('when asked on the due day and the working day after it, then it is due, then overdue', () => {
    const onDue = w.models.inbox({ caller: { role: 'provider', org: '370100-gaj' }, asOf: at('2026-02-26T08:00:00Z') }).items[0]!;
    expect([onDue.overdue, onDue.workingDaysLeft]).toEqual([false, 0]);
    const after = w.models.inbox({ caller: { role: 'provider', org: '370100-gaj' }, asOf: at('2026-02-27T01:00:00Z') }).items[0]!;
    expect([after.overdue, after.workingDaysLeft]).toEqual([true, 0]);
    const [late] = w.models.overdueReport({ asOf: at('2026-02-27T01:00:00Z') }).items;
    expect(late).toMatchObject({ caseId, status: 'open', workingDaysOverdue: 1 });
  });

  it('given a deadline missed on a Friday, then the reports count it 1 working day overdue over the weekend and on Monday, 2 on Tuesday (never "overdue, 0 days")', () => {
    const calendar = w.calendar.current();
    const counted = (asOf: string) => workingDaysOverdue(calendar, asOf, '2026-03-06T15:59:59.999Z', '2026-03-06');
    expect(['2026-03-06T15:59:59.999Z', '2026-03-07T02:00:00.000Z', '2026-03-09T02:00:00.000Z', '2026-03-10T02:00:00.000Z'].map(counted)).toEqual([0, 1, 1, 2]);
  });

  it('given any instant or near-instant, then the reports place it on the Asia/Shanghai date the calendar gives it, or refuse it as the calendar does, whatever was asked before (the memo is by UTC hour)', () => {
    const outcome = (f: () => string) => {
      try {
        return f();
      } catch (error) {
        return `throws ${(error as Error).name}`;
      }
    };
    const canonical = fc.date({ min: new Date('1890-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString());
    // A canonical instant with one character changed: the hour asked first is remembered, the other must not take its date.
    const nearly = fc.tuple(canonical, fc.nat(23), fc.constantFrom('-', ' ', '/', 'x', 'T', ':', '.', 'Z', 'z', '+', '0', '2', '4', '6', '9'));
    fc.assert(
      fc.property(nearly, ([instant, at, c]) => {
        const changed = instant.slice(0, at) + c + instant.slice(at + 1);
        expect(shanghaiDay(instant)).toBe(shanghaiDateOf(instant));
        expect(outcome(() => shanghaiDay(changed))).toBe(outcome(() => shanghaiDateOf(changed)));
      }),
      { seed: 7, numRuns: 5_000 },
    );
    for (const [first, then] of [
      ['2026-02-16T16:00:00.000Z', '2026-02-16 16:00:00.000Z'],
      ['2026-02-16T15:00:00.000Z', '2026-02-16T15:60:00.000Z'],
      ['2026-02-16T23:00:00.000Z', '2026-02-16T24:30:00.000Z'],
      ['2026-02-16T16:00:00.000Z', '2026-02-16T16:00:00+0800'],
      ['1800-06-30T15:00:00.000Z', '1800-06-30T15:55:00.000Z'],
      ['1988-04-09T17:00:00.000Z', '1988-04-09T17:59:59.999Z'],
      // A letter among the year's last digits: its key must not read as another year's (20a5 as 1999).
      ['1999-03-01T10:00:00.000Z', '20a5-03-01T10:00:00.000Z'],
    ]) {
      expect(outcome(() => shanghaiDay(first!))).toBe(outcome(() => shanghaiDateOf(first!)));
      expect(outcome(() => shanghaiDay(then!))).toBe(outcome(() => shanghaiDateOf(then!)));
    }
  });

  it('when filtered by dueWithin, then exactly the tasks with at most that many working days left are listed, on any day', () => {
    const calendar = w.calendar.current();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 * 24 }), fc.integer({ min: 0, max: 12 }), (hours, n) => {
        const asOf = new Date(Date.parse('2026-02-05T00:00:00Z') + hours * 3_600_000);
        const listed = w.models.inbox({ caller: { role: 'provider', org: '370100-gaj' }, asOf, dueWithin: n }).items.length;
        const left = calendar.workingDaysLeft(asOf, '2026-02-26T15:59:59.999Z');
        return listed === (left <= n ? 1 : 0);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('work the case ended before it was done (第十九条: reports count only work done)', () => {
  let w: World;
  const ids: Record<string, string> = {};
  const asOf = at('2026-03-20T02:00:00Z');
  const authority = actorOf('370100-dsj', 'authority');

  beforeAll(async () => {
    w = await world({ start: '2026-03-02T01:00:00.000Z' }); // Monday; normativeReview (5 wd) due 9 March
    ids.early = await start(w, 'conditionalApplication', '370100-gaj');
    ids.late = await start(w, 'conditionalApplication', '370100-gaj');
    ids.done = await start(w, 'conditionalApplication', '370100-gaj');
    const send = (caseId: string, type: string, actor: typeof authority) =>
      w.engine.execute({ caseId, type, data: (commandData.conditionalApplication as Record<string, unknown>)[type], actor });
    w.clock.set('2026-03-04T02:00:00Z');
    await send(ids.early!, 'WITHDRAW', actors.company); // withdrawn before the review was due
    w.clock.set('2026-03-12T02:00:00Z');
    await send(ids.late!, 'WITHDRAW', actors.company); // withdrawn 3 working days after it was due, never reviewed
    await send(ids.done!, 'PASS_NORMATIVE_REVIEW', authority); // reviewed, 3 working days late
    w.clock.set(asOf);
  });
  afterAll(() => w.close());

  it('given a review withdrawn from under the authority, then its closing is stamped cancelled, and a review done is not', async () => {
    const closedBy = async (caseId: string) => {
      const history = await w.store.readStream(`conditionalApplication-${caseId}`);
      return (history.at(-1)!.metadata as { tasksClosed: unknown[] }).tasksClosed;
    };
    expect(await closedBy(ids.late!)).toEqual([{ stage: 'normativeReview', completedAt: '2026-03-12T02:00:00.000Z', cancelled: true }]);
    expect(await closedBy(ids.done!)).toEqual([{ stage: 'normativeReview', completedAt: '2026-03-12T02:00:00.000Z' }]);
  });

  it('given the SLA report, then a withdrawn review is counted as cancelled, never as finished on time or late', () => {
    const period = { from: at('2026-03-01T00:00:00Z'), to: at('2026-04-01T00:00:00Z'), asOf, groupBy: 'org' as const };
    // One withdrawn before its deadline, one after it: both cancelled, the second cancelled late.
    expect(w.models.slaReport(period).rows.find((r) => r.key === '370100-dsj')).toMatchObject({ finished: 1, onTime: 0, late: 1, cancelled: 2, cancelledLate: 1, onTimeRate: 0 });
    expect(w.models.toCsv(w.models.slaReport(period)).split('\r\n')).toContain('370100-dsj,济南市大数据局,1,0,1,0.00%,0,2,1,');
  });

  it('given the overdue report, then a review cancelled after its deadline is listed as such, apart from the one done late, and one cancelled in time is not listed', () => {
    const report = w.models.overdueReport({ asOf });
    expect(report.items.map((i) => [i.caseId, i.status, i.workingDaysOverdue])).toEqual(
      expect.arrayContaining([
        [ids.late, 'cancelledLate', 3],
        [ids.done, 'finishedLate', 3],
      ]),
    );
    expect(report.items.some((i) => i.caseId === ids.early)).toBe(false);
    expect(report.byOrg.find((o) => o.org === '370100-dsj')).toMatchObject({ finishedLate: 1, cancelledLate: 1 });
    expect(w.models.toCsv(report)).toContain('逾期未办、案件已终止');
  });
});

describe('inbox, reports and the case list over a month of work in Jinan and Qingdao', () => {
  let w: World;
  const ids: Record<string, string> = {};
  const asOf = at('2026-03-20T02:00:00Z');

  beforeAll(async () => {
    w = await world({ start: '2026-03-02T01:00:00.000Z' }); // Monday 09:00 in Jinan
    ids.objA = await start(w, 'objection', '370100-gaj'); // 济南市公安局: handling, due 16 March
    ids.objB = await start(w, 'objection', '370102-scjgj'); // 历下区 (a county of Jinan)
    ids.objC = await start(w, 'objection', '370200-gaj'); // 青岛市公安局
    ids.caD = await start(w, 'conditionalApplication', '370100-gaj'); // normativeReview by 济南市大数据局, 5 wd: due 9 March
    ids.udE = await start(w, 'unopenedDataRequest', '370100-gaj'); // normativeReview by 济南 (and the province), 10 wd
    ids.drF = await start(w, 'datasetRelease', '370100-gaj'); // drafting: no deadline
    w.clock.set('2026-03-05T03:00:00Z');
    await w.engine.execute({ caseId: ids.objC!, type: 'RESPOND', data: commandData.objection.RESPOND, actor: actorOf('370200-gaj', 'provider') });
    w.clock.set('2026-03-12T06:00:00Z');
    await w.engine.execute({
      caseId: ids.caD!,
      type: 'PASS_NORMATIVE_REVIEW',
      data: commandData.conditionalApplication.PASS_NORMATIVE_REVIEW,
      actor: actorOf('370100-dsj', 'authority'),
    }); // 3 working days late; providerReview due 26 March
    w.clock.set(asOf);
  });
  afterAll(() => w.close());

  const provider = { role: 'provider', org: '370100-gaj' };

  it('given a provider, then its inbox lists its open tasks most urgent first, the task without a deadline last and never overdue', () => {
    const items = w.models.inbox({ caller: provider, asOf }).items;
    expect(items.map((i) => [i.caseId, i.stage, i.dueDate, i.overdue, i.workingDaysLeft])).toEqual([
      [ids.objA, 'handling', '2026-03-16', true, 0],
      [ids.caD, 'providerReview', '2026-03-26', false, 4],
      [ids.drF, 'drafting', null, false, null],
    ]);
    expect(items[1]).toMatchObject({ process: 'conditionalApplication', state: 'providerReview', role: 'provider', org: '370100-gaj', basis: 'statute' });
    expect(items[1]!.summary.title).toBe('济南市机动车登记信息统计');
  });

  it('given the filters, then overdue, dueWithin and process narrow the list', () => {
    const keys = (q: object) => w.models.inbox({ caller: provider, asOf, ...q }).items.map((i) => i.stage);
    expect(keys({ overdue: true })).toEqual(['handling']);
    // Not overdue: the rest, the task without a deadline included.
    expect(keys({ overdue: false })).toEqual(['providerReview', 'drafting']);
    expect(keys({ dueWithin: 3 })).toEqual(['handling']);
    expect(keys({ dueWithin: 4 })).toEqual(['handling', 'providerReview']);
    expect(keys({ process: 'datasetRelease' })).toEqual(['drafting']);
    expect(() => w.models.inbox({ caller: provider, asOf, dueWithin: -1 })).toThrow(InvalidQueryError);
  });

  it('given other callers, then each sees the tasks of its role assigned or open to its organisation, and no one else’s', () => {
    const stages = (caller: Viewer) => w.models.inbox({ caller, asOf }).items.map((i) => `${i.caseId === ids.udE ? 'udE' : i.caseId === ids.objB ? 'objB' : '?'}:${i.stage}`);
    expect(stages({ role: 'authority', org: '370100-dsj' })).toEqual(['udE:normativeReview']);
    // 市级以上: the provincial authority may also act on a city's request (第十五条).
    expect(stages({ role: 'authority', org: '370000-dsj' })).toEqual(['udE:normativeReview']);
    expect(stages({ role: 'authority', org: '370200-dsj' })).toEqual([]);
    expect(stages({ role: 'provider', org: '370102-scjgj' })).toEqual(['objB:handling']);
    expect(stages({ role: 'applicant', org: '370100-gaj' })).toEqual([]);
    expect(stages({ role: 'supervisor', org: '370000-dsj' })).toEqual([]);
  });

  it('given pages of one, then keyset pagination lists every task once, in order, and ends', () => {
    const whole = w.models.inbox({ caller: provider, asOf }).items;
    expect(wholeInbox(w, { caller: provider, asOf, limit: 1 })).toEqual(whole);
    expect(w.models.inbox({ caller: provider, asOf, limit: 3 }).nextCursor).toBeNull();
    expect(() => w.models.inbox({ caller: provider, asOf, cursor: 'not-a-cursor' })).toThrow(InvalidQueryError);
    expect(() => w.models.inbox({ caller: provider, asOf, limit: 0 })).toThrow(InvalidQueryError);
  });

  it('given the overdue report, then every stage past its deadline is listed, open or finished late, with working days overdue and its basis', () => {
    const report = w.models.overdueReport({ asOf });
    expect(report.asOf).toBe('2026-03-20T02:00:00.000Z');
    // Most overdue first: by deadline, then the older case.
    expect(report.items.map((i) => [i.caseId, i.stage, i.org, i.status, i.workingDaysOverdue, i.completedAt ?? null])).toEqual([
      [ids.caD, 'normativeReview', '370100-dsj', 'finishedLate', 3, '2026-03-12T06:00:00.000Z'],
      [ids.objA, 'handling', '370100-gaj', 'open', 4, null],
      [ids.objB, 'handling', '370102-scjgj', 'open', 4, null],
      [ids.udE, 'normativeReview', '370100-dsj', 'open', 4, null],
    ]);
    expect(report.items[0]).toMatchObject({ orgName: '济南市大数据局', basis: 'statute', article: '第十四条(二)', dueAt: '2026-03-09T15:59:59.999Z', enteredAt: '2026-03-02T01:00:00.000Z' });
    expect(report.byOrg).toEqual([
      { org: '370100-dsj', orgName: '济南市大数据局', open: 1, overdue: 1, finishedLate: 1, cancelledLate: 0 },
      { org: '370100-gaj', orgName: '济南市公安局', open: 2, overdue: 1, finishedLate: 0, cancelledLate: 0 },
      { org: '370102-scjgj', orgName: directory.nameOf('370102-scjgj'), open: 1, overdue: 1, finishedLate: 0, cancelledLate: 0 },
    ]);
  });

  it('given a region, then the report covers its organisations and the regions below it; given org, process or an entry period, then only those', () => {
    const cases = (q: object) => w.models.overdueReport({ asOf, ...q }).items.map((i) => i.caseId).sort();
    expect(cases({ region: '370100' })).toEqual([ids.caD, ids.objA, ids.objB, ids.udE].sort());
    expect(cases({ region: '370000' })).toEqual([ids.caD, ids.objA, ids.objB, ids.udE].sort());
    expect(cases({ region: '370102' })).toEqual([ids.objB]);
    expect(cases({ region: '370200' })).toEqual([]);
    expect(w.models.overdueReport({ asOf, region: '370200' }).byOrg).toEqual([]);
    expect(cases({ org: '370100-dsj' })).toEqual([ids.caD, ids.udE].sort());
    expect(cases({ process: 'objection' })).toEqual([ids.objA, ids.objB].sort());
    expect(cases({ from: at('2026-03-03T00:00:00Z') })).toEqual([]);
    expect(cases({ to: at('2026-03-03T00:00:00Z') })).toHaveLength(4);
  });

  it('given an earlier asOf, then a stage finished late after it counts as open past due then', () => {
    const report = w.models.overdueReport({ asOf: at('2026-03-10T02:00:00Z') });
    expect(report.items.map((i) => [i.caseId, i.status, i.workingDaysOverdue, i.completedAt])).toEqual([[ids.caD, 'open', 1, undefined]]);
    expect(report.byOrg.find((o) => o.org === '370100-dsj')).toEqual({ org: '370100-dsj', orgName: '济南市大数据局', open: 2, overdue: 1, finishedLate: 0, cancelledLate: 0 });
  });

  it('given the overdue report as CSV, then it is UTF-8 with a byte-order mark, Chinese headers and one line per item', () => {
    const text = w.models.toCsv(w.models.overdueReport({ asOf }));
    expect(text.startsWith('\uFEFF案件编号,流程,环节,环节名称,承办单位,单位代码,进入环节时间（北京时间）,办理期限（北京时间）,完成时间（北京时间）,逾期工作日,时限依据,依据条款,状态,临时期限,期限起算日,原期限（节假日通知调整前）\r\n')).toBe(true);
    const lines = text.slice(1).trimEnd().split('\r\n');
    expect(lines).toHaveLength(5);
    expect(lines[1]).toBe(
      `${ids.caD},有条件开放数据获取申请,normativeReview,有条件开放数据申请材料规范性审查,济南市大数据局,370100-dsj,2026-03-02 09:00:00,2026-03-09 23:59:59,2026-03-12 14:00:00,3,法定时限,第十四条(二),逾期办结,否,,`,
    );
    expect(Buffer.from(text, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });

  it('given the overdue report’s counts by organisation as CSV (table byOrg), then one line per organisation with the counts the JSON gives', () => {
    const report = w.models.overdueReport({ asOf });
    const lines = w.models.toCsv(report, 'byOrg').slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toBe('单位代码,名称,在办数,在办逾期数,逾期办结数,逾期未办即终止数');
    expect(lines.slice(1)).toEqual(report.byOrg.map((o) => [o.org, o.orgName, o.open, o.overdue, o.finishedLate, o.cancelledLate].join(',')));
    expect(lines.length).toBeGreaterThan(2);
  });

  it('given the overdue report’s counts of open tasks by organisation, then SQLite reads them from a covering index, not from every open task’s row; the index without completed_at (sla_open_org) is gone', () => {
    const plan = (sql: string) => (w.models.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ asOf: asOf.toISOString() }) as { detail: string }[]).map((r) => r.detail);
    expect(plan('SELECT org, count(*) FROM sla_tasks WHERE completed_at IS NULL AND entered_at <= @asOf GROUP BY org')).toEqual(['SCAN sla_tasks USING COVERING INDEX sla_open_by_org']);
    expect(plan('SELECT org, parties_region, provider_org, count(*) FROM sla_tasks WHERE completed_at IS NULL AND entered_at <= @asOf GROUP BY org, parties_region, provider_org')).toEqual([
      'SCAN sla_tasks USING COVERING INDEX sla_open_by_org',
    ]);
    expect(w.models.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'sla_open_org'").all()).toEqual([]);
  });

  it('given the overdue report, then SQLite reads its items, open and late, from one covering index that holds each item as JSON (sla_overdue_items), with no merge; those before it (sla_open_due, sla_late_due, sla_open_items, sla_late_items) are gone', () => {
    const db = w.models.db;
    const prepared: string[] = [];
    const prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => {
      prepared.push(sql);
      return prepare(sql);
    }) as typeof db.prepare;
    try {
      expect(w.models.overdueReport({ asOf }).items.length).toBeGreaterThan(0);
    } finally {
      db.prepare = prepare;
    }
    const items = prepared.filter((sql) => sql.includes('group_concat(json_array(due_at') && sql.includes('due_at < @asOf'));
    expect(items).toHaveLength(1);
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${items[0]}`).all({ asOf: asOf.toISOString(), offset: 0, bytesMax: 1, perPiece: 1 }) as { detail: string }[]).map((r) => r.detail);
    expect(plan.filter((step) => step.includes('sla_tasks'))).toEqual(['SEARCH sla_tasks USING COVERING INDEX sla_overdue_items (due_at<?)']);
    expect(plan.join(' | ')).not.toMatch(/MERGE|TEMP B-TREE/);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name IN ('sla_open_due', 'sla_late_due', 'sla_open_items', 'sla_late_items')").all()).toEqual([]);
  });

  it('given the items handed over by SQLite out of deadline order (as through the indexes an organisation filter reads), then the report puts them back in order and counts each once', () => {
    const db = w.models.db;
    const whole = w.models.overdueReport({ asOf });
    expect(whole.items.length).toBeGreaterThan(2);
    const prepare = db.prepare.bind(db);
    let reversed = 0;
    db.prepare = ((sql: string) => {
      const statement = prepare(sql);
      if (!(sql.includes('group_concat(json_array(due_at') && sql.includes('due_at < @asOf'))) return statement;
      return {
        raw: () => ({
          get: (params: unknown) => {
            const [text, items] = statement.raw(true).get(params) as [string | null, number];
            if (text === null || items < 2) return [text, items];
            reversed++;
            const rows = text.split('\n').flatMap((piece) => JSON.parse(piece) as unknown[]);
            return [JSON.stringify(rows.reverse()), items];
          },
        }),
      };
    }) as typeof db.prepare;
    try {
      expect(w.models.overdueReport({ asOf })).toEqual(whole);
    } finally {
      db.prepare = prepare;
    }
    expect(reversed).toBe(1);
  });

  it('given text with commas, quotes, line breaks or a leading formula sign, then CSV quotes it as RFC 4180 says and defuses the formula', () => {
    expect(csv(['名称', '数'], [['山东"数智",科技', 1], ['第一行\n第二行', null], ['=SUM(A1)', -2]])).toBe(
      '\uFEFF名称,数\r\n"山东""数智"",科技",1\r\n"第一行\n第二行",\r\n\'=SUM(A1),-2\r\n',
    );
  });

  it('given a code of 12 or more digits, or with a leading zero, then CSV writes it as a text formula, so Excel keeps every digit; shorter digits and numbers stay as they are', () => {
    expect(csv(['单位代码', '数'], [['913706003856345482', 3], ['370102198006090130', 0], ['0531', 12], ['370100', 913706003856]])).toBe(
      '\uFEFF单位代码,数\r\n"=""913706003856345482""",3\r\n"=""370102198006090130""",0\r\n"=""0531""",12\r\n370100,913706003856\r\n',
    );
  });

  it('given a 统一社会信用代码 of digits with an E between them, when written as CSV, then it is a text formula, so Excel does not read it as a power of ten (9.13702E+26)', () => {
    expect(csv(['单位代码', '数'], [['913702001234137E12', 1], ['91370200MA3C0001E0', 2]])).toBe(
      '\uFEFF单位代码,数\r\n"=""913702001234137E12""",1\r\n91370200MA3C0001E0,2\r\n',
    );
  });

  it('given the SLA report, then stages finished in the period give on-time rates by organisation, process and stage, with open overdue ones', () => {
    const period = { from: at('2026-03-01T00:00:00Z'), to: at('2026-04-01T00:00:00Z'), asOf };
    expect(w.models.slaReport({ ...period, groupBy: 'org' }).rows).toEqual([
      { key: '370100-dsj', name: '济南市大数据局', finished: 1, onTime: 0, late: 1, cancelled: 0, cancelledLate: 0, onTimeRate: 0, openOverdue: 1, basis: null },
      { key: '370100-gaj', name: '济南市公安局', finished: 0, onTime: 0, late: 0, cancelled: 0, cancelledLate: 0, onTimeRate: null, openOverdue: 1, basis: null },
      { key: '370102-scjgj', name: directory.nameOf('370102-scjgj'), finished: 0, onTime: 0, late: 0, cancelled: 0, cancelledLate: 0, onTimeRate: null, openOverdue: 1, basis: null },
      { key: '370200-gaj', name: '青岛市公安局', finished: 1, onTime: 1, late: 0, cancelled: 0, cancelledLate: 0, onTimeRate: 1, openOverdue: 0, basis: null },
    ]);
    expect(w.models.slaReport({ ...period, groupBy: 'process' }).rows.map((r) => [r.key, r.name, r.finished, r.onTimeRate, r.openOverdue])).toEqual([
      ['conditionalApplication', '有条件开放数据获取申请', 1, 0, 0],
      ['objection', '开放数据异议与建议', 1, 1, 2],
      ['unopenedDataRequest', '未开放数据需求申请', 0, null, 1],
    ]);
    expect(w.models.slaReport({ ...period, groupBy: 'stage', region: '370200' }).rows).toEqual([
      { key: 'objection.handling', name: '处理异议或建议并反馈', finished: 1, onTime: 1, late: 0, cancelled: 0, cancelledLate: 0, onTimeRate: 1, openOverdue: 0, basis: 'statute' },
    ]);
    const text = w.models.toCsv(w.models.slaReport({ ...period, groupBy: 'org' }));
    expect(text.split('\r\n').slice(0, 2)).toEqual(['\uFEFF单位代码,名称,办结数,按时办结数,逾期办结数,按时办结率,在办逾期数,未办即终止数,其中逾期后终止数,时限依据', '370100-dsj,济南市大数据局,1,0,1,0.00%,1,0,0,']);
    expect(() => w.models.slaReport({ ...period, groupBy: 'nonsense' as 'org' })).toThrow(InvalidQueryError);
  });

  it('given the case list, then process, state, final and org filter it, newest first, and callers see what canSee lets them', () => {
    const list = (caller: Viewer, q: object = {}) => w.models.cases({ caller, asOf: w.clock.now(), ...q }).items.map((c) => Object.entries(ids).find(([, id]) => id === c.caseId)![0]);
    const admin = { role: 'admin', org: 'admin' };
    expect(list(admin)).toEqual(['drF', 'udE', 'caD', 'objC', 'objB', 'objA']);
    expect(list(admin, { process: 'objection' })).toEqual(['objC', 'objB', 'objA']);
    expect(list(admin, { state: 'handling' })).toEqual(['objB', 'objA']);
    expect(list(admin, { final: true })).toEqual(['objC']);
    expect(list(admin, { org: '370100-dsj' })).toEqual(['udE', 'caD']);
    expect(list(admin, { org: '370000-dsj' })).toEqual(['udE']);
    expect(list({ role: 'provider', org: '370100-gaj' })).toEqual(['drF', 'caD', 'objA']);
    expect(list({ role: 'authority', org: '370100-dsj' })).toEqual(['drF', 'udE', 'caD', 'objB', 'objA']);
    expect(list({ role: 'supervisor', org: '370200-dsj' })).toEqual(['objC']);
    expect(list({ role: 'auditor', org: '370000-dsj' })).toEqual(['drF', 'udE', 'caD', 'objC', 'objB', 'objA']);
    expect(list({ role: 'applicant', org: actors.company.org })).toEqual(['udE', 'caD', 'objC', 'objB', 'objA']);
    expect(list({ role: 'applicant', org: actors.person.org })).toEqual([]);
    const item = w.models.case(ids.udE!)!;
    expect(item).toMatchObject({ process: 'unopenedDataRequest', state: 'normativeReview', final: false, revision: 0, region: '370100', providerOrg: null });
    expect(w.models.case('00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });

  it('given a case’s history, then its events are in order in the history shape, and asOf tells the state it was in then', async () => {
    const history = (await w.models.history(ids.caD!, { asOf: at('2026-03-10T00:00:00Z') }))!;
    expect(history.events.map((e) => [e.revision, e.command, e.stateBefore, e.stateAfter])).toEqual([
      [0, 'START', null, 'normativeReview'],
      [1, 'PASS_NORMATIVE_REVIEW', 'normativeReview', 'providerReview'],
    ]);
    expect(history.stateAsOf).toBe('normativeReview');
    // The position then: the authority's review open, its deadline (9 March) already past on the 10th.
    expect(history.tasksAsOf).toEqual([
      expect.objectContaining({ stage: 'normativeReview', org: '370100-dsj', dueAt: '2026-03-09T15:59:59.999Z', dueDate: '2026-03-09', overdue: true }),
    ]);
    const before = (await w.models.history(ids.caD!, { asOf: at('2026-03-09T00:00:00Z') }))!;
    expect(before.tasksAsOf!.map((t) => [t.stage, t.overdue])).toEqual([['normativeReview', false]]);
    // Late only after its due instant, as the inbox and the reports count it (mutation QA: the edge was unpinned).
    const dueInstant = (await w.models.history(ids.caD!, { asOf: at('2026-03-09T15:59:59.999Z') }))!;
    expect(dueInstant.tasksAsOf!.map((t) => [t.stage, t.overdue])).toEqual([['normativeReview', false]]);
    const justAfter = (await w.models.history(ids.caD!, { asOf: at('2026-03-09T16:00:00.000Z') }))!;
    expect(justAfter.tasksAsOf!.map((t) => [t.stage, t.overdue])).toEqual([['normativeReview', true]]);
    const after = (await w.models.history(ids.caD!, { asOf: at('2026-03-13T00:00:00Z') }))!;
    expect([after.stateAsOf, after.tasksAsOf!.map((t) => [t.stage, t.org, t.overdue])]).toEqual(['providerReview', [['providerReview', '370100-gaj', false]]]);
    const [, passed] = history.events;
    expect(passed).toMatchObject({ actor: { role: 'authority', org: '370100-dsj' }, at: '2026-03-12T06:00:00.000Z' });
    expect(passed!.deadlines.closed).toEqual([{ stage: 'normativeReview', completedAt: '2026-03-12T06:00:00.000Z' }]);
    expect(passed!.deadlines.opened).toEqual([expect.objectContaining({ stage: 'providerReview', dueAt: '2026-03-26T15:59:59.999Z', provisional: false })]);
    expect(passed!.prevHash).toBe(history.events[0]!.hash);
    expect(await w.models.history(ids.caD!, { asOf: at('2026-03-01T00:00:00Z') })).toMatchObject({ stateAsOf: null, tasksAsOf: [] });
  });

  it('given an audit export of a period, then it streams the case events accepted in it as NDJSON in log order, only of the cases the viewer may see', async () => {
    const lines: string[] = [];
    for await (const line of w.models.exportEvents({ from: at('2026-03-02T00:00:00Z'), to: at('2026-03-12T00:00:00Z') })) lines.push(line);
    const events = lines.map((l) => JSON.parse(l) as { caseId: string; process: string; position: number; at: string; command: string });
    expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    expect(events.map((e) => e.command)).toEqual(['START', 'START', 'START', 'START', 'START', 'START', 'RESPOND']);
    expect(events.map((e) => e.position)).toEqual([...events.map((e) => e.position)].sort((a, b) => a - b));
    expect(events[6]).toMatchObject({ caseId: ids.objC, process: 'objection', at: '2026-03-05T03:00:00.000Z' });
    const qingdao: string[] = [];
    for await (const line of w.models.exportEvents({ from: at('2026-03-01T00:00:00Z'), to: at('2026-04-01T00:00:00Z'), visibleTo: { role: 'auditor', org: '370200-dsj' } })) {
      qingdao.push((JSON.parse(line) as { caseId: string }).caseId);
    }
    expect(qingdao).toEqual([ids.objC, ids.objC]);
    const later: string[] = [];
    for await (const line of w.models.exportEvents({ from: at('2026-03-12T00:00:00Z'), to: at('2026-04-01T00:00:00Z') })) later.push(line);
    expect(later.map((l) => (JSON.parse(l) as { command: string }).command)).toEqual(['PASS_NORMATIVE_REVIEW']);
  });

  it('in the embedded mode, then a command’s effect is in the read models as soon as the command returns', async () => {
    const result = await w.engine.execute({ caseId: ids.objA!, type: 'RESPOND', data: commandData.objection.RESPOND, actor: actorOf('370100-gaj', 'provider') });
    expect(w.models.position).toBe(result.position);
    expect(await w.models.waitFor(result.position, 0)).toBe(true);
    expect(w.models.inbox({ caller: provider, asOf }).items.map((i) => i.stage)).toEqual(['providerReview', 'drafting']);
    expect(w.models.case(ids.objA!)).toMatchObject({ state: 'responded', final: true, revision: 1 });
    expect(await w.models.health()).toEqual({ position: result.position, lag: 0 });
  });
});

/**
 * 机构改革: 莱芜市 (371200) merged into 济南市, its 莱城区 (371202) re-coded 济南市莱芜区 (370116), its 钢城区 (371203) kept its code;
 * 章丘市 (370181, no 大数据局 listed, so no region taken over) became 济南市章丘区 (370114); and providers whose successor sits in a
 * region taken over by another city: in 莱芜市 itself (371200) and in its 钢城区.
 */
const merged = new Directory([
  ...directory.list(),
  { code: '371200-dsj', name: '莱芜市大数据局', kind: 'authority', level: 'city', region: '371200', successor: '370100-dsj' },
  { code: '371200-gaj', name: '莱芜市公安局', kind: 'provider', level: 'city', region: '371200', successor: '370100-gaj' },
  { code: '371202-dsj', name: '莱芜市莱城区大数据局', kind: 'authority', level: 'county', region: '371202', successor: '370116-dsj' },
  { code: '371202-scjgj', name: '莱芜市莱城区市场监督管理局', kind: 'provider', level: 'county', region: '371202', successor: '370116-scjgj' },
  { code: '370116-dsj', name: '济南市莱芜区大数据局', kind: 'authority', level: 'county', region: '370116' },
  { code: '370116-scjgj', name: '济南市莱芜区市场监督管理局', kind: 'provider', level: 'county', region: '370116' },
  { code: '371203-dsj', name: '莱芜市钢城区大数据局', kind: 'authority', level: 'county', region: '371203' },
  { code: '371203-scjgj', name: '莱芜市钢城区市场监督管理局', kind: 'provider', level: 'county', region: '371203' },
  { code: '370181-scjgj', name: '章丘市市场监督管理局', kind: 'provider', level: 'county', region: '370181', successor: '370114-scjgj' },
  { code: '370114-dsj', name: '济南市章丘区大数据局', kind: 'authority', level: 'county', region: '370114' },
  { code: '370114-scjgj', name: '济南市章丘区市场监督管理局', kind: 'provider', level: 'county', region: '370114' },
  { code: '371200-whlyj', name: '莱芜市文化和旅游局', kind: 'provider', level: 'city', region: '371200' },
  { code: '370200-wlj', name: '青岛市文化旅游局', kind: 'provider', level: 'city', region: '370200', successor: '371200-whlyj' },
  { code: '371203-nyncj', name: '莱芜市钢城区农业农村局', kind: 'provider', level: 'county', region: '371203' },
  { code: '370181-nyj', name: '章丘市农业局', kind: 'provider', level: 'county', region: '370181', successor: '371203-nyncj' },
]);

describe.each([
  ['the shipped directory', directory],
  ['a directory with a city merged into another (莱芜市 into 济南市)', merged],
])('the case list’s visibility SQL agrees with canSee, under %s', (_, directory) => {
  const orgs = [...directory.list().map((o) => o.code), 'unknown-org', actors.company.org, actors.person.org];
  const regions = ['370000', '370100', '370102', '370114', '370116', '370181', '370200', '370211', '371200', '371202', '371203', '379900', '380000', ''];

  /** A case's first event (and a second one moving its parties), as the engine stamps them. */
  const event = (n: number, revision: number, parties: Record<string, string>): RecordedEvent =>
    stampedEvent({ n, revision, position: n * 2 + revision + 1, parties, stateAfter: 'handling' });

  // Half the draws among the organisations of the regions above (those a 机构改革 moved, and those that
  // took their duties over): drawn from all ~180 alike, a viewer and a case of the same reform met too seldom to be checked.
  const near = directory.list().filter((o) => regions.includes(o.region)).map((o) => o.code);
  const org = fc.oneof(fc.constantFrom(...orgs), fc.constantFrom(...near));
  const parties = fc.record({ providerOrg: org, applicantOrg: org, region: fc.constantFrom(...regions) }, { requiredKeys: [] });
  const viewer = fc.record({ role: fc.constantFrom('applicant', 'provider', 'authority', 'supervisor', 'auditor', 'admin', 'system'), org });

  it('given random cases and random callers, then every page of the list holds exactly the cases canSee lets the caller see', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(parties, fc.option(parties, { nil: undefined })), { minLength: 1, maxLength: 60 }), fc.array(viewer, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 100 }), (cases, viewers, limit) => {
        const db = new Database(':memory:');
        casesProjection.setup(db);
        const now = new Map<string, Record<string, string>>();
        db.transaction(() => {
          cases.forEach(([first, moved], n) => {
            casesProjection.apply(event(n, 0, first), db);
            if (moved) casesProjection.apply(event(n, 1, moved), db);
            now.set(`case-${n}`, moved ?? first);
          });
          casesProjection.flush!(db);
        })();
        for (const v of viewers) {
          const seen: CaseListItem[] = [];
          let cursor: string | undefined;
          do {
            const page = listCases(db, { caller: v, directory, limit, ...(cursor ? { cursor } : {}) });
            seen.push(...page.items);
            cursor = page.nextCursor ?? undefined;
          } while (cursor);
          const expected = [...now].filter(([, p]) => canSee(directory, v, p)).map(([id]) => id);
          expect(seen.map((c) => c.caseId).sort()).toEqual(expected.sort());
        }
        db.close();
      }),
      { seed: 19, numRuns: 150 },
    );
  });
});

describe('the overdue report read from SQLite in texts of a few items', () => {
  it('given two rows of one key (one stage entered twice on one day, one entry finished late), then a text ending between them loses neither, and an organisation filter lists them in the same order', async () => {
    const w = await world({ start: '2026-02-05T02:00:00.000Z' });
    try {
      const caseId = await start(w, 'objection', '370100-gaj');
      // Test-only write: the task again, opened later the same day with the same deadline, and finished late.
      w.models.db
        .prepare(
          `INSERT INTO sla_tasks (case_key, case_id, stage, opened_position, process, kind, org, entered_at, due_at, due_date, provisional, calendar_version, completed_at, provider_org, parties_region, applicant_name, cancelled)
           SELECT case_key, case_id, stage, opened_position + 1, process, kind, org, entered_at, due_at, due_date, provisional, calendar_version, '2026-03-02T02:00:00.000Z', provider_org, parties_region, applicant_name, 0 FROM sla_tasks WHERE case_id = ?`,
        )
        .run(caseId);
      const asOf = at('2026-03-03T02:00:00Z');
      const whole = w.models.overdueReport({ asOf });
      expect(whole.items.map((i) => [i.caseId, i.status]).sort()).toEqual([
        [caseId, 'finishedLate'],
        [caseId, 'open'],
      ]);
      expect(w.models.overdueReport({ asOf, itemsPerText: 1 })).toEqual(whole);
      // Read through the organisation's indexes (no deadline order), the two come in the whole report's order.
      expect(w.models.overdueReport({ asOf, org: '370100-gaj' })).toEqual(whole);
    } finally {
      await w.close();
    }
  });
});

describe.each([
  ['the shipped directory', directory],
  ['a directory with a city merged into another (莱芜市 into 济南市; reports count what canSee shows, 第十九条)', merged],
])('the reports’ region filter agrees with the directory’s regions, under %s', (_, directory) => {
  let dir: string;
  let store: SqliteEventStore;
  let models: ReadModels;
  let asOf: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'projections-regions-'));
    store = new SqliteEventStore({ path: join(dir, 'events.db'), synchronous: 'OFF', now: systemClock.now });
    models = await openReadModels({ store, dataDir: dir, directory });
    // A slow trickle of cases over months, so applicants' own tasks (results, destruction) come due too.
    const { endAt } = synthesise(store, directory, defaultCalendar(), { events: 6000, seed: 3, casesPerDay: 30, lateShare: 0.3, stallShare: 0.05 });
    asOf = new Date(Date.parse(endAt) + 200 * 86_400_000).toISOString();
    await models.rebuild();
  });
  afterAll(async () => {
    await models.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `test` in a transaction that is then rolled back (its test-only writes undone). */
  const rolledBack = (test: () => void) => {
    const rollBack = new Error('roll back');
    expect(() =>
      models.db.transaction(() => {
        test();
        throw rollBack;
      })(),
    ).toThrow(rollBack);
  };

  it('given the report read from SQLite in texts of a few items each, or in pieces, then it is the report read at once, in deadline order, whatever the asOf or region', () => {
    const earlier = new Date(Date.parse(asOf) - 250 * 86_400_000).toISOString();
    for (const query of [{ asOf }, { asOf: earlier }, { asOf, region: '370100' }, { asOf: earlier, region: '370200' }]) {
      const whole = models.overdueReport(query);
      expect(whole.items.length).toBeGreaterThan(query.region ? 3 : 50);
      for (const itemsPerText of [1, 7, whole.items.length, whole.items.length + 1]) expect(models.overdueReport({ ...query, itemsPerText })).toEqual(whole);
      // …and each text in pieces, read one after another: before every item, or before some.
      for (const caseKeysPerPiece of [1, 3]) expect(models.overdueReport({ ...query, caseKeysPerPiece, itemsPerText: 7 })).toEqual(whole);
      const keys = whole.items.map((i) => i.dueAt);
      expect(keys).toEqual([...keys].sort());
      // A text longer than allowed (a V8 string too long aborts the process) is read again in texts of fewer items.
      expect(models.overdueReport({ ...query, textBytesMax: 2_000 })).toEqual(whole);
    }
    expect(() => models.overdueReport({ asOf, textBytesMax: 10 })).toThrow(/longer than 10 bytes/);
    for (const itemsPerText of [0, -1, 1.5, Number.NaN]) expect(() => models.overdueReport({ asOf, itemsPerText })).toThrow(RangeError);
    for (const caseKeysPerPiece of [0, -1, 1.5, Number.NaN]) expect(() => models.overdueReport({ asOf, caseKeysPerPiece })).toThrow(RangeError);
    for (const summaryCorrectionMax of [-1, 1.5, Number.NaN]) expect(() => models.overdueReport({ asOf, summaryCorrectionMax })).toThrow(RangeError);
  });

  it('given any asOf, then byOrg counts as open the tasks entered by then and not finished by then, counted from the summary of open tasks when unfiltered', () => {
    const tasks = models.db.prepare<[], { org: string; entered_at: string; completed_at: string | null }>('SELECT org, entered_at, completed_at FROM sla_tasks').all();
    const kept = models.db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'trigger' AND name = 'sla_open_summary_changed'").get();
    expect(kept).toBeDefined();
    const entries = tasks.map((t) => Date.parse(t.entered_at)).sort((a, b) => a - b);
    const [first, last] = [entries[0]!, entries[entries.length - 1]!];
    // Before the first task, inside the log (tasks opened after asOf, tasks finished since), at its end, after it.
    const instants = [first - 1, ...[0.2, 0.5, 0.8, 0.95].map((f) => first + Math.round(f * (last - first))), last, Date.parse(asOf)];
    for (const instant of instants.map((i) => new Date(i).toISOString())) {
      const expected = new Map<string, number>();
      for (const t of tasks) if (t.entered_at <= instant && (t.completed_at === null || t.completed_at > instant)) expected.set(t.org, (expected.get(t.org) ?? 0) + 1);
      const report = models.overdueReport({ asOf: instant });
      // The summary corrected however many tasks were opened after asOf, and the tasks counted, agree.
      expect(models.overdueReport({ asOf: instant, summaryCorrectionMax: 1_000_000 })).toEqual(report);
      expect(models.overdueReport({ asOf: instant, summaryCorrectionMax: 0 })).toEqual(report);
      const open = new Map(report.byOrg.filter((o) => o.open > 0).map((o) => [o.org, o.open]));
      // An organisation with nothing open and nothing late is not listed (before the first task: none).
      expect(report.byOrg.filter((o) => o.open + o.overdue + o.finishedLate + o.cancelledLate === 0)).toEqual([]);
      // Applicants that are persons are masked in reports: their counts are checked in the total.
      expect(report.byOrg.reduce((n, o) => n + o.open, 0)).toBe([...expected.values()].reduce((a, b) => a + b, 0));
      for (const org of directory.list().map((o) => o.code)) expect([instant, org, open.get(org)]).toEqual([instant, org, expected.get(org)]);
      expect(open.size).toBe(expected.size);
    }
    // And it is the summary that is read: a count changed in it (a test-only write, rolled back) shows unfiltered only.
    const org = directory.list().find((o) => tasks.some((t) => t.org === o.code && t.completed_at === null))!.code;
    const openOf = (r: { byOrg: { org: string; open: number }[] }) => r.byOrg.find((o) => o.org === org)?.open;
    const before = openOf(models.overdueReport({ asOf }));
    rolledBack(() => {
      models.db.prepare('UPDATE sla_open_counts SET open = open + 1000 WHERE org = ?').run(org);
      expect([openOf(models.overdueReport({ asOf })), openOf(models.overdueReport({ asOf, org }))]).toEqual([before! + 1000, before]);
      // Unless more tasks were opened since asOf than the summary saves reading: before the first task, they are counted.
      const early = new Date(first - 1).toISOString();
      expect(openOf(models.overdueReport({ asOf: early }))).toBeUndefined();
      expect(openOf(models.overdueReport({ asOf: early, summaryCorrectionMax: 1_000_000 }))).toBe(1000);
    });
    expect(openOf(models.overdueReport({ asOf }))).toBe(before);
  });

  /** Both summaries of open tasks, and the same counted from the tasks. */
  const summaries = () => [
    models.db.prepare('SELECT org, open FROM sla_open_counts ORDER BY org').raw(true).all(),
    models.db.prepare('SELECT org, parties_region, provider_org, open FROM sla_open_groups ORDER BY key').raw(true).all(),
  ];
  const counted = () => [
    models.db.prepare('SELECT org, count(*) FROM sla_tasks WHERE completed_at IS NULL GROUP BY org ORDER BY org').raw(true).all(),
    models.db
      .prepare(
        'SELECT org, parties_region, provider_org, count(*) FROM sla_tasks WHERE completed_at IS NULL GROUP BY org, parties_region, provider_org ORDER BY json_array(org, parties_region, provider_org)',
      )
      .raw(true)
      .all(),
  ];
  const makeQueryIndexes = () => {
    for (const sql of slaProjection.queryIndexes ?? []) models.db.exec(sql);
  };

  it('given the summaries of open tasks left unfinished (their statements stopped before the last trigger), when the query indexes are made again, then they are counted afresh', () => {
    const fresh = counted();
    expect(fresh[1]!.length).toBeGreaterThan(fresh[0]!.length);
    expect(summaries()).toEqual(fresh);
    rolledBack(() => {
      models.db.exec(`UPDATE sla_open_counts SET open = open + 7; INSERT INTO sla_open_counts VALUES ('nobody', 3);
        UPDATE sla_open_groups SET open = open + 7; INSERT INTO sla_open_groups VALUES ('["nobody",null,null]', 'nobody', NULL, NULL, 3);
        DROP TRIGGER sla_open_summary_changed;`);
      makeQueryIndexes();
      expect(summaries()).toEqual(fresh);
      // Once the last trigger is there, making the indexes again leaves them as the triggers keep them.
      models.db.exec(`INSERT INTO sla_open_counts VALUES ('nobody', 3); INSERT INTO sla_open_groups VALUES ('["nobody",null,null]', 'nobody', NULL, NULL, 3)`);
      makeQueryIndexes();
      expect(summaries()[0]).toContainEqual(['nobody', 3]);
      expect(summaries()[1]).toContainEqual(['nobody', null, null, 3]);
    });
    expect(summaries()).toEqual(fresh);
  });

  it('given a database kept by the summary per organisation alone (before the summary by case facts), or by both after that release ran on it again, when the query indexes are made at start, then its triggers go and both summaries are counted afresh and kept', () => {
    const fresh = counted();
    const triggers = () => models.db.prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name").pluck().all();
    const mine = triggers();
    const earlierRelease = `CREATE TRIGGER sla_open_counts_opened AFTER INSERT ON sla_tasks BEGIN SELECT 1; END;
      CREATE TRIGGER sla_open_counts_deleted AFTER DELETE ON sla_tasks BEGIN SELECT 1; END;
      CREATE TRIGGER sla_open_counts_changed AFTER UPDATE ON sla_tasks BEGIN SELECT 1; END;`;
    for (const since of ['upgrade', 'downgrade'] as const) {
      rolledBack(() => {
        if (since === 'upgrade') {
          // The earlier release: its three triggers, its summary, off by one somewhere, and no summary by case facts.
          for (const name of mine) models.db.exec(`DROP TRIGGER ${name}`);
          models.db.exec(`DROP TABLE sla_open_groups; UPDATE sla_open_counts SET open = open + 1; ${earlierRelease}`);
        } else {
          // That release started on this file again: its triggers beside these, each change counted twice in its summary.
          models.db.exec(`UPDATE sla_open_counts SET open = open + 1; UPDATE sla_open_groups SET open = open + 1; ${earlierRelease}`);
        }
        makeQueryIndexes();
        expect(triggers()).toEqual(mine);
        expect(summaries()).toEqual(fresh);
        // Kept from here on: a task finished, one opened and one whose case facts changed show in both.
        const [task, other] = models.db.prepare<[], { rowid: number }>('SELECT rowid FROM sla_tasks WHERE completed_at IS NULL LIMIT 2').all();
        models.db.prepare("UPDATE sla_tasks SET completed_at = '2099-01-01T00:00:00.000Z' WHERE rowid = ?").run(task!.rowid);
        models.db.prepare("UPDATE sla_tasks SET parties_region = '371000', provider_org = NULL WHERE rowid = ?").run(other!.rowid);
        models.db.exec(
          "INSERT INTO sla_tasks SELECT case_key + 1000000, case_id, stage, opened_position, process, kind, 'newcomer', entered_at, due_at, due_date, provisional, calendar_version, NULL, provider_org, '379900', applicant_name, cancelled, counts_from, restated_from FROM sla_tasks LIMIT 1",
        );
        expect(summaries()).toEqual(counted());
        expect(summaries()[1]).toContainEqual(['newcomer', '379900', expect.anything(), 1]);
      });
    }
    expect(summaries()).toEqual(fresh);
  });

  it('given any asOf and every region, then a region’s byOrg counts as open the tasks in it entered by then and not finished by then, counted from the summary by case facts', () => {
    type Task = { org: string; entered_at: string; completed_at: string | null; provider_org: string | null; parties_region: string | null };
    const readTasks = () => models.db.prepare<[], Task>('SELECT org, entered_at, completed_at, provider_org, parties_region FROM sla_tasks').all();
    // The task's organisation's region; an applicant's task, its case's region.
    const regionOf = (t: Task) =>
      directory.get(t.org)?.region ?? caseRegion(directory, { ...(t.parties_region !== null ? { region: t.parties_region } : {}), ...(t.provider_org !== null ? { providerOrg: t.provider_org } : {}) });
    // In the region as canSee says (机构改革 too): the organisation works within it (its successor's region
    // counts, worksWithin); an applicant's task, when its case is addressed there, or, addressed nowhere, when its provider works within it.
    const within = (region: string, t: Task) =>
      directory.get(t.org) !== undefined
        ? directory.worksWithin(region, t.org)
        : t.parties_region !== null
          ? directory.containsNow(region, t.parties_region)
          : t.provider_org !== null && directory.worksWithin(region, t.provider_org);
    // And codes no directory holds, short ones among them (a prefix of the whole code).
    const regions = [...new Set(['370000', '379900', '3700', '00', ...directory.list().map((o) => o.region)])];
    const check = (instants: string[]) => {
      const tasks = readTasks();
      for (const instant of instants) {
        for (const region of regions) {
          const expected = new Map<string, number>();
          for (const t of tasks) {
            if (!within(region, t)) continue;
            if (t.entered_at <= instant && (t.completed_at === null || t.completed_at > instant)) expected.set(t.org, (expected.get(t.org) ?? 0) + 1);
          }
          const report = models.overdueReport({ asOf: instant, region });
          // The summary corrected however many tasks were opened after asOf, and the tasks counted, agree.
          expect(models.overdueReport({ asOf: instant, region, summaryCorrectionMax: 1_000_000 })).toEqual(report);
          expect(models.overdueReport({ asOf: instant, region, summaryCorrectionMax: 0 })).toEqual(report);
          const open = new Map(report.byOrg.filter((o) => o.open > 0).map((o) => [o.org, o.open]));
          // Applicants that are persons are masked in reports: their counts are checked in the total.
          expect([instant, region, report.byOrg.reduce((n, o) => n + o.open, 0)]).toEqual([instant, region, [...expected.values()].reduce((a, b) => a + b, 0)]);
          for (const org of [...directory.list().map((o) => o.code), 'applicant-a', 'applicant-b']) {
            expect([instant, region, org, open.get(org)]).toEqual([instant, region, org, expected.get(org)]);
          }
          expect(open.size).toBe(expected.size);
        }
      }
    };
    const tasks = readTasks();
    const entries = tasks.map((t) => Date.parse(t.entered_at)).sort((a, b) => a - b);
    const [first, last] = [entries[0]!, entries[entries.length - 1]!];
    const middle = new Date(first + Math.round(0.5 * (last - first))).toISOString();
    check([first - 1, ...[0.5, 0.95].map((f) => first + Math.round(f * (last - first))), last, Date.parse(asOf)].map((i) => new Date(i).toISOString()));
    // Applicants' own tasks of cases addressed to a region, to none, found by a provider in the
    // directory or outside it (the log above has only the kind found by its provider): each counts in
    // its case's region, however SQL narrows the rows first. One finished after the middle instant.
    rolledBack(() => {
      const insert = models.db.prepare(
        `INSERT INTO sla_tasks (case_key, case_id, stage, opened_position, process, kind, org, entered_at, due_at, due_date, provisional, calendar_version, completed_at, provider_org, parties_region, applicant_name, cancelled)
         SELECT ?, 'case-' || ?, stage, 1, process, kind, ?, ?, due_at, due_date, provisional, calendar_version, ?, ?, ?, applicant_name, 0 FROM sla_tasks LIMIT 1`,
      );
      const provider = directory.list().find((o) => o.region === '370102')!.code;
      let key = 10_000_000;
      for (const partiesRegion of [null, '370000', '370100', '370102', '370112', '371000', '371002', '379900', '3701', '37', '3701021', '370102x', '', '371200', '371202', '371203', '370116', '3712', '3712021', '37120000']) {
        // 机构改革: providers re-coded into a region that took none over (章丘市 → 章丘区), or whose successor is in a region taken over.
        for (const providerOrg of [null, provider, 'provider-nowhere', '370181-scjgj', '370200-wlj', '370181-nyj']) {
          for (const [org, completedAt] of [['applicant-a', null], ['applicant-b', new Date(Date.parse(middle) + 86_400_000).toISOString()]] as const) {
            key++;
            insert.run(key, key, org, new Date(first).toISOString(), completedAt, providerOrg, partiesRegion);
          }
        }
      }
      // And their own stages, opened before the reform.
      for (const org of ['370181-scjgj', '370200-wlj', '370181-nyj', '371202-scjgj']) {
        key++;
        insert.run(key, key, org, new Date(first).toISOString(), null, org, null);
      }
      check([middle, new Date(last).toISOString()]);
    });
    // And it is the summary by case facts that is read, for a region alone: a count changed in it (a test-only write, rolled back) shows there only.
    const task = tasks.find((t) => t.completed_at === null && directory.get(t.org) === undefined && regionOf(t) !== undefined)!;
    const region = regionOf(task)!;
    const openOf = (r: { byOrg: { org: string; open: number }[] }) => r.byOrg.reduce((n, o) => n + o.open, 0);
    const before = [openOf(models.overdueReport({ asOf, region })), openOf(models.overdueReport({ asOf })), openOf(models.overdueReport({ asOf, region, from: '2000-01-01T00:00:00Z' }))];
    rolledBack(() => {
      models.db
        .prepare('UPDATE sla_open_groups SET open = open + 1000 WHERE org = ? AND parties_region IS ? AND provider_org IS ?')
        .run(task.org, task.parties_region, task.provider_org);
      expect([openOf(models.overdueReport({ asOf, region })), openOf(models.overdueReport({ asOf })), openOf(models.overdueReport({ asOf, region, from: '2000-01-01T00:00:00Z' }))]).toEqual([
        before[0]! + 1000,
        before[1],
        before[2],
      ]);
    });
  });

  it('given every region, then the overdue report of a region is the whole report’s items whose task lies in it, and its byOrg counts them', () => {
    const rows = models.db
      .prepare<[], { case_id: string; stage: string; org: string; provider_org: string | null; parties_region: string | null }>(
        'SELECT case_id, stage, org, provider_org, parties_region FROM sla_tasks',
      )
      .all();
    // In the region as canSee says (机构改革 too): the organisation works within it (its successor's region
    // counts, worksWithin); an applicant's task, when its case is addressed there, or, addressed nowhere, when its provider works within it.
    const taskOf = new Map(rows.map((r) => [`${r.case_id}/${r.stage}`, r]));
    const within = (region: string, r: (typeof rows)[number]) =>
      directory.get(r.org) !== undefined
        ? directory.worksWithin(region, r.org)
        : r.parties_region !== null
          ? directory.containsNow(region, r.parties_region)
          : r.provider_org !== null && directory.worksWithin(region, r.provider_org);
    const whole = models.overdueReport({ asOf });
    expect(whole.items.length).toBeGreaterThan(100);
    expect(whole.items.some((i) => directory.get(i.org) === undefined)).toBe(true);
    const regions = [...new Set(['370000', '379900', ...directory.list().map((o) => o.region)])];
    for (const region of regions) {
      const report = models.overdueReport({ asOf, region });
      const expected = whole.items.filter((i) => within(region, taskOf.get(`${i.caseId}/${i.stage}`)!));
      expect(report.items).toEqual(expected);
      for (const o of report.byOrg) {
        expect(o.overdue + o.finishedLate + o.cancelledLate).toBe(expected.filter((i) => i.org === o.org).length);
      }
    }
  });
});
