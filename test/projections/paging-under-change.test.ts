/**
 * Paging through the case list and the inbox while other people keep sending commands (API.md
 * "Cases", "Work and reports"): keyset cursors hold the sort key of a page's last row, so a case or
 * task that was in the list before the first page and is still in it, under the same sort key, after
 * the last is listed exactly once, whatever opened, closed, moved or arrived between the pages; the
 * order holds across pages; nothing the caller may not see is listed; and the last page has no
 * `nextCursor`. (A task whose deadline a holiday notice re-states changes its sort key: it may be
 * listed twice, or not at all in that pass — keyset paging follows rows by their key.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canSee, type Viewer } from '../../directory/index.js';
import { EngineError } from '../../engine/errors.js';
import { registry } from '../../machines/registry.js';
import type { Actor } from '../../machines/types.js';
import type { CaseListQuery, InboxQuery } from '../../projections/index.js';
import { actors, startInputs, type ProcessName } from '../machines/examples.js';
import { actorOf, admin, directory, drive, notice2026, PROVIDERS, prng, randomCommand, startInput, world, type Tracked, type World } from './harness.js';

let w: World;
const tracked: Tracked[] = [];
const random = prng(20261202);
const pick = <X>(xs: readonly X[]): X => xs[Math.floor(random() * xs.length)]!;
const sent = { commands: 0, starts: 0 };

/** One command some party may send now on a random case, or (a sixth of the time) a new case; the clock moves up to 6 hours. */
async function someoneActs(): Promise<void> {
  w.clock.advance(Math.floor(random() * 6 * 3_600_000));
  try {
    if (random() < 1 / 6) {
      const process = pick(Object.keys(startInputs) as ProcessName[]);
      const provider = pick(PROVIDERS);
      const applicant = pick([actors.company, actors.person]);
      const starter = registry.latest(process)!.start.actors[0]!.role === 'provider' ? actorOf(provider, 'provider') : applicant;
      const { caseId } = await w.engine.start({ process, input: startInput(process, provider, applicant), actor: starter });
      tracked.push({ caseId, process, provider, applicant: starter });
      sent.starts++;
      return;
    }
    const c = pick(tracked);
    const state = await w.engine.getCase(c.caseId);
    if (state.final) return;
    const command = randomCommand(w, c, state, pick);
    if (!command) return;
    await w.engine.execute({ caseId: c.caseId, ...command });
    sent.commands++;
    if (random() < 0.1) await w.scheduler.fireDueTimers();
  } catch (err) {
    if (!(err instanceof EngineError)) throw err;
  }
}

beforeAll(async () => {
  // Deadlines into 2026 stay provisional until the notice is loaded, in the middle of the inbox's paging.
  w = await world({ start: '2025-11-03T01:30:00.000Z', without2026: true });
  await drive(w, { commands: 200, seed: 7 });
  for (const caseId of w.models.db.prepare<[], string>('SELECT case_id FROM cases').pluck().all()) {
    const state = await w.engine.getCase(caseId);
    const parties = w.engine.partiesOf(state);
    const applicant = parties.applicantOrg === actors.person.org ? actors.person : actors.company;
    tracked.push({ caseId, process: state.process as ProcessName, provider: parties.providerOrg ?? '370100-gaj', applicant });
  }
});
afterAll(() => w.close());

const caseKey = (caseId: string) => w.models.db.prepare<[string], number>('SELECT case_key FROM projection_case_keys WHERE case_id = ?').pluck().get(caseId)!;

/** Every item of a list from `cursor` (from its first page without one), the pages read at once. */
function allPages<T>(next: (cursor?: string) => { items: T[]; nextCursor: string | null }, cursor?: string): T[] {
  const items: T[] = [];
  let c: string | undefined = cursor;
  do {
    const page = next(c);
    items.push(...page.items);
    c = page.nextCursor ?? undefined;
  } while (c !== undefined);
  return items;
}

describe('the case list, paged while commands run between the pages', () => {
  it('given random commands and new cases between pages of 1 to 3, then every case listed before and after is listed exactly once, newest first, and only cases the caller may see', async () => {
    const viewers: Actor[] = [
      admin,
      actors.company,
      actors.person,
      actorOf('370100-gaj', 'provider'),
      actorOf('370000-gat', 'provider'),
      actorOf('370100-dsj', 'authority'),
      actorOf('370000-dsj', 'authority'),
      actorOf('370200-dsj', 'supervisor'),
      actorOf('370000-dsj', 'auditor'),
    ];
    const filters: Omit<CaseListQuery, 'caller' | 'directory'>[] = [{}, { process: 'objection' }, { process: 'conditionalApplication' }, { final: true }, { final: false }, { org: '370000-dsj' }, { org: '370100-gaj' }, { state: 'handling' }];
    const whole = (caller: Viewer, f: (typeof filters)[number]): Set<string> =>
      new Set(allPages((cursor) => w.models.cases({ caller, asOf: w.clock.now(), ...f, limit: 100, ...(cursor ? { cursor } : {}) })).map((c) => c.caseId));
    let pages = 0;
    let listed = 0;
    for (let run = 0; run < 60; run++) {
      const caller = pick(viewers);
      const f = pick(filters);
      const limit = 1 + Math.floor(random() * 3);
      const before = whole(caller, f);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = w.models.cases({ caller, asOf: w.clock.now(), ...f, limit, ...(cursor ? { cursor } : {}) });
        pages++;
        expect(page.items.length).toBeLessThanOrEqual(limit);
        if (page.nextCursor !== null) expect(page.items).toHaveLength(limit);
        seen.push(...page.items.map((c) => c.caseId));
        cursor = page.nextCursor ?? undefined;
        for (let k = 1 + Math.floor(random() * 3); k > 0; k--) await someoneActs();
      } while (cursor);
      listed += seen.length;
      const after = whole(caller, f);
      expect(new Set(seen).size, 'a case listed twice').toBe(seen.length);
      for (const id of before) if (after.has(id)) expect(seen, `case ${id} skipped`).toContain(id);
      const keys = seen.map(caseKey);
      for (let i = 1; i < keys.length; i++) expect(keys[i]!).toBeLessThan(keys[i - 1]!);
      for (const id of seen) expect(canSee(directory, caller, w.models.case(id)!.parties)).toBe(true);
    }
    expect(pages).toBeGreaterThan(300);
    expect(listed).toBeGreaterThan(300);
    expect(sent.commands + sent.starts).toBeGreaterThan(250);
  });
});

describe('the inbox, paged while commands run between the pages', () => {
  it('given tasks opened, closed and re-stated between pages of 1 to 3, then every task listed before and after under the same deadline is listed exactly once, most urgent first', async () => {
    const callers = [
      ...PROVIDERS.map((org) => ({ role: 'provider', org })),
      ...['370100-dsj', '370000-dsj', '370200-dsj', '370102-dsj'].map((org) => ({ role: 'authority', org })),
      { role: 'applicant', org: actors.company.org },
      { role: 'applicant', org: actors.person.org },
    ];
    const filters: Omit<InboxQuery, 'caller' | 'calendar' | 'asOf'>[] = [{}, { process: 'objection' }, { overdue: true }, { overdue: false }, { dueWithin: 3 }, { dueWithin: 0 }];
    const whole = (caller: InboxQuery['caller'], f: (typeof filters)[number]): Map<string, string> =>
      new Map(allPages((cursor) => w.models.inbox({ caller, asOf: w.clock.now(), ...f, limit: 200, ...(cursor ? { cursor } : {}) })).map((t) => [`${t.caseId}/${t.stage}`, t.dueAt ?? '~']));
    let pages = 0;
    let listed = 0;
    let restated = 0;
    for (let run = 0; run < 120; run++) {
      const caller = pick(callers);
      const f = pick(filters);
      const limit = 1 + Math.floor(random() * 3);
      const before = whole(caller, f);
      const seen: string[] = [];
      const dues: string[] = [];
      let cursor: string | undefined;
      do {
        const page = w.models.inbox({ caller, asOf: w.clock.now(), ...f, limit, ...(cursor ? { cursor } : {}) });
        pages++;
        if (page.nextCursor !== null) expect(page.items).toHaveLength(limit);
        seen.push(...page.items.map((t) => `${t.caseId}/${t.stage}`));
        dues.push(...page.items.map((t) => t.dueAt ?? '~'));
        cursor = page.nextCursor ?? undefined;
        if (run === 60 && restated === 0) {
          await w.calendar.load(notice2026, admin);
          restated = await w.scheduler.restateDeadlines(2026);
        }
        for (let k = 1 + Math.floor(random() * 2); k > 0; k--) await someoneActs();
      } while (cursor);
      listed += seen.length;
      const after = whole(caller, f);
      for (const [task, due] of before) {
        if (after.get(task) !== due) continue;
        expect(seen.filter((t) => t === task), `task ${task} (due ${due})`).toHaveLength(1);
      }
      for (let i = 1; i < dues.length; i++) expect(dues[i]! >= dues[i - 1]!, `${dues[i - 1]} before ${dues[i]}`).toBe(true);
    }
    expect(restated).toBeGreaterThan(0);
    expect(pages).toBeGreaterThan(150);
    expect(listed).toBeGreaterThan(100);
  });
});

describe('a cursor across a rebuild of the read models', () => {
  it('given cursors of the case list and of an inbox, when the read models are rebuilt from the log, then each cursor still answers the same rest of the list', async () => {
    const authority = actorOf('370000-dsj', 'authority');
    const cases = (cursor?: string) => w.models.cases({ caller: authority, asOf: w.clock.now(), limit: 2, ...(cursor ? { cursor } : {}) });
    const asOf = w.clock.now();
    const inbox = (cursor?: string) => w.models.inbox({ caller: { role: 'authority', org: '370000-dsj' }, asOf, limit: 2, ...(cursor ? { cursor } : {}) });
    const caseCursor = cases().nextCursor!;
    const inboxCursor = inbox().nextCursor!;
    const casesBefore = allPages(cases, caseCursor);
    const inboxBefore = allPages(inbox, inboxCursor);
    expect(casesBefore.length).toBeGreaterThan(10);
    expect(inboxBefore.length).toBeGreaterThan(2);
    await w.models.rebuild(['cases', 'inbox']);
    expect(allPages(cases, caseCursor)).toEqual(casesBefore);
    expect(allPages(inbox, inboxCursor)).toEqual(inboxBefore);
  });
});
