/**
 * The case list filtered by an organisation (`GET /v1/cases?org=`) at scale: a case names an
 * organisation as its provider, its applicant, or by a task it gave it. One OR of the three made
 * SQLite gather every case naming the organisation and sort them all for each page (0.5 s for the
 * provincial authority's 127,000 cases of 1,000,000 events); each way is now read down its own
 * index, newest first, and only a page of each is merged.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canSee, type Viewer } from '../../directory/index.js';
import type { RecordedEvent } from '../../eventstore/types.js';
import { casesProjection, listCases } from '../../projections/index.js';
import { actors } from '../machines/examples.js';
import { directory, stampedEvent } from './harness.js';

interface Parties {
  providerOrg?: string;
  applicantOrg?: string;
  region?: string;
}

/** A case's first event as the engine stamps it, giving tasks to `taskOrgs`. */
const event = (n: number, parties: Parties, taskOrgs: string[]): RecordedEvent =>
  stampedEvent({
    n,
    revision: 0,
    position: n + 1,
    parties: parties as Record<string, string>,
    stateAfter: n % 3 ? 'handling' : 'drafting',
    tasksOpened: taskOrgs.map((org, i) => ({ stage: `s${i}`, label: '处理', role: 'authority', org, enteredAt: '2026-01-01T00:00:00.000Z' })),
  });

/** The case list's database, its query indexes made as a rebuild's end makes them. */
function caseList(cases: [Parties, string[]][]): Database.Database {
  const db = new Database(':memory:');
  casesProjection.setup(db);
  db.transaction(() => {
    cases.forEach(([parties, taskOrgs], n) => casesProjection.apply(event(n, parties, taskOrgs), db));
    casesProjection.flush!(db);
  })();
  for (const index of casesProjection.queryIndexes ?? []) db.exec(index);
  return db;
}

/** The query plan of each case-list query `run` makes, with the parameters it ran with. */
function plansOf(db: Database.Database, run: () => void): string[] {
  const plans: string[] = [];
  const prepare = db.prepare.bind(db);
  const spy = ((sql: string) => {
    const statement = prepare(sql);
    if (!sql.includes('FROM cases c')) return statement;
    const all = statement.all.bind(statement);
    statement.all = ((params: Record<string, unknown>) => {
      plans.push(
        prepare<Record<string, unknown>, { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
          .all(params)
          .map((r) => r.detail)
          .join('\n'),
      );
      return all(params);
    }) as typeof statement.all;
    return statement;
  }) as typeof db.prepare;
  db.prepare = spy;
  try {
    run();
  } finally {
    db.prepare = prepare;
  }
  return plans;
}

describe('the case list filtered by an organisation', () => {
  it('given many cases naming the provincial authority, when any caller lists them a page at a time, then SQLite searches each way a case names it by the organisation and sorts no more than a page', () => {
    const db = caseList(
      Array.from({ length: 300 }, (_, n): [Parties, string[]] => [
        { providerOrg: n % 2 ? '370100-gaj' : '370600-jtysj', ...(n % 5 ? {} : { applicantOrg: '370000-dsj' }), region: n % 2 ? '370100' : '370600' },
        ['370000-dsj'],
      ]),
    );
    const callers: Viewer[] = [
      { role: 'authority', org: '370000-dsj' },
      { role: 'supervisor', org: '370100-dsj' },
      { role: 'provider', org: '370100-gaj' },
      { role: 'applicant', org: '370000-dsj' },
      { role: 'admin', org: '370000-dsj' },
    ];
    for (const caller of callers) {
      // A page of the filtered list with its own cursor (a cursor is taken only by the query that gave it).
      const filtered = { caller, directory, org: '370000-dsj', state: 'handling', process: 'objection', final: false, limit: 20 };
      const next = listCases(db, { ...filtered, limit: 1 }).nextCursor;
      expect(next, caller.role).not.toBeNull();
      const plans = plansOf(db, () => {
        listCases(db, { caller, directory, org: '370000-dsj', limit: 20 });
        listCases(db, { ...filtered, cursor: next! });
      });
      expect(plans).toHaveLength(2);
      for (const plan of plans) {
        // No sort of every case naming it, nor a scan of every case: each way is searched by an organisation.
        expect(plan).not.toMatch(/MULTI-INDEX OR|TEMP B-TREE|^SCAN c$/m);
        expect(plan.match(/^CO-ROUTINE/gm)).toHaveLength(3);
        expect(plan.match(/^SEARCH [co] USING (COVERING )?(INDEX cases_(provider|applicant)|PRIMARY KEY) \((provider_org|applicant_org|org)=\?/gm)?.length).toBeGreaterThanOrEqual(3);
      }
    }
    db.close();
  });

  const orgs = [...directory.list().map((o) => o.code).slice(0, 12), '370000-dsj', '370100-dsj', 'unknown-org', actors.company.org];
  const parties = fc.record(
    { providerOrg: fc.constantFrom(...orgs), applicantOrg: fc.constantFrom(...orgs), region: fc.constantFrom('370000', '370100', '370102', '370200', '') },
    { requiredKeys: [] },
  );
  const viewer = fc.record({ role: fc.constantFrom('applicant', 'provider', 'authority', 'supervisor', 'auditor', 'admin'), org: fc.constantFrom(...orgs) });

  it('given random cases, callers and organisations, when the list is paged through filtered by an organisation, then it holds exactly the visible cases naming it as provider, applicant or by a task, newest first', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(parties, fc.array(fc.constantFrom(...orgs), { maxLength: 3 })), { minLength: 1, maxLength: 60 }),
        viewer,
        fc.constantFrom(...orgs),
        fc.option(fc.constantFrom('handling', 'drafting'), { nil: undefined }),
        fc.integer({ min: 1, max: 25 }),
        (cases, v, org, state, limit) => {
          const db = caseList(cases);
          const seen: string[] = [];
          let cursor: string | undefined;
          do {
            const page = listCases(db, { caller: v, directory, org, limit, ...(state ? { state } : {}), ...(cursor ? { cursor } : {}) });
            expect(page.items.length).toBeLessThanOrEqual(limit);
            seen.push(...page.items.map((c) => c.caseId));
            cursor = page.nextCursor ?? undefined;
          } while (cursor);
          const expected = cases
            .map(([p, taskOrgs], n) => ({ id: `case-${n}`, n, p, taskOrgs }))
            .filter(({ p, taskOrgs }) => p.providerOrg === org || p.applicantOrg === org || taskOrgs.includes(org))
            .filter(({ n }) => state === undefined || (n % 3 ? 'handling' : 'drafting') === state)
            .filter(({ p }) => canSee(directory, v as Viewer, p))
            .sort((a, b) => b.n - a.n)
            .map(({ id }) => id);
          expect(seen).toEqual(expected);
          db.close();
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });
});
