/**
 * Supervisors' reports tell applicants apart without naming people (个人信息保护法 第六条, 最小必要):
 * given an applicant's task past its deadline, then the overdue report names an organisation in
 * full and a natural person by the first character of the name only, and by a masked code (a
 * person's code is an ID number); the case's own parties still see the name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applicantNameForReports, personCodeForReports, UNKNOWN_ORG } from '../../projections/sla.js';
import { actors, commandData, personApplicant, startInputs } from '../machines/examples.js';
import { world, type World } from './harness.js';

let w: World;
/** The person's code as reports show it. */
const personCode = personCodeForReports(actors.person.org);
const ids: Record<'person' | 'company', string> = { person: '', company: '' };
const asOf = new Date('2026-06-01T02:00:00.000Z');

/** An application taken to `active`: its results report is then the applicant's task, due 6 months after access. */
async function toActive(applicant: typeof actors.person, input: unknown): Promise<string> {
  const data = commandData.conditionalApplication;
  const { caseId } = await w.engine.start({ process: 'conditionalApplication', input, actor: applicant });
  await w.engine.execute({ caseId, type: 'PASS_NORMATIVE_REVIEW', data: data.PASS_NORMATIVE_REVIEW, actor: actors.cityAuthority });
  await w.engine.execute({ caseId, type: 'APPROVE', data: data.APPROVE, actor: actors.provider });
  await w.engine.execute({ caseId, type: 'SIGN_AGREEMENT', data: data.SIGN_AGREEMENT, actor: actors.provider });
  await w.engine.execute({ caseId, type: 'GRANT_ACCESS', data: data.GRANT_ACCESS, actor: actors.provider });
  return caseId;
}

beforeAll(async () => {
  w = await world({ start: '2025-03-03T01:30:00.000Z' });
  ids.person = await toActive(actors.person, { ...startInputs.conditionalApplication, applicant: personApplicant });
  ids.company = await toActive(actors.company, startInputs.conditionalApplication);
});
afterAll(() => w.close());

describe('an applicant’s name in supervisors’ reports', () => {
  it('given results overdue for a person and for a company, then the report names the company in full and the person as 李*', () => {
    const report = w.models.overdueReport({ asOf });
    const nameOf = (caseId: string) => report.items.find((i) => i.caseId === caseId && i.stage === 'resultsReport')?.orgName;
    expect(nameOf(ids.person)).toBe('李*');
    expect(nameOf(ids.company)).toBe(startInputs.conditionalApplication.applicant.name);
    expect(report.items.find((i) => i.caseId === ids.person && i.stage === 'resultsReport')?.org).toBe(personCode);
    expect(report.byOrg.find((o) => o.org === personCode)?.orgName).toBe('李*');
    expect(JSON.stringify(report)).not.toContain('李明');
    expect(JSON.stringify(report)).not.toContain(actors.person.org);
  });

  it('given the applicants’ tasks open but not yet due, and the on-time report by organisation, then both name applicants as the overdue items do, not by their codes', () => {
    const early = w.models.overdueReport({ asOf: new Date('2025-05-01T00:00:00.000Z') });
    expect(early.items).toEqual([]);
    const counted = (org: string) => early.byOrg.find((o) => o.org === org);
    expect(counted(personCode)).toMatchObject({ orgName: '李*', open: 1, overdue: 0 });
    expect(counted(actors.company.org)).toMatchObject({ orgName: startInputs.conditionalApplication.applicant.name, open: 1 });
    const sla = w.models.slaReport({ from: '2025-01-01T00:00:00Z', to: asOf, asOf, groupBy: 'org' });
    expect(sla.rows.find((r) => r.key === personCode)).toMatchObject({ name: '李*', openOverdue: 1 });
    expect(sla.rows.find((r) => r.key === actors.company.org)).toMatchObject({ name: startInputs.conditionalApplication.applicant.name, openOverdue: 1 });
    expect(JSON.stringify([early, sla])).not.toContain('李明');
    expect(JSON.stringify([early, sla])).not.toContain(actors.person.org);
    // A company's code is its public 统一社会信用代码: shown as it is.
    expect(counted(actors.company.org)?.org).toBe(actors.company.org);
  });

  it('given two people whose codes mask alike (every Shandong ID starts 37), then the reports still tell them apart', async () => {
    const twins = ['370102199001011207', '370102199001012007'].map((org, i) => ({ sub: `u-twin-${i}`, name: `王${i}明`, role: 'applicant' as const, org }));
    for (const [i, actor] of twins.entries()) {
      await toActive(actor, { ...startInputs.conditionalApplication, applicant: { ...personApplicant, name: `王${i}明`, idNumber: actor.org } });
    }
    const shown = w.models.overdueReport({ asOf: new Date('2026-09-01T00:00:00.000Z') }).byOrg.filter((o) => o.org.startsWith('370*')).map((o) => o.org);
    expect(shown.sort()).toEqual(['370*************07', '370*************07(2)']);
    const sla = w.models.slaReport({ from: '2025-01-01T00:00:00Z', to: '2026-09-01T00:00:00Z', asOf: '2026-09-01T00:00:00Z', groupBy: 'org' });
    expect(sla.rows.filter((r) => r.key.startsWith('370*')).map((r) => r.key).sort()).toEqual(['370*************07', '370*************07(2)']);
  });

  // A supervisor drills down from a row of byOrg by the code it shows: the report was empty ("nothing
  // overdue") for a person with late work, since the filter compared the masked code with the stored one.
  it('given the code a report shows for a person, when the reports are filtered by it, then they hold that person’s tasks, and the twin’s code names the twin', () => {
    const at = { asOf: new Date('2026-09-01T00:00:00.000Z') };
    const full = w.models.overdueReport(at);
    for (const row of full.byOrg.filter((o) => o.org.startsWith('370*'))) {
      const drilled = w.models.overdueReport({ ...at, org: row.org });
      expect(drilled.byOrg.map((o) => [o.org, o.orgName]), row.org).toEqual([[row.org, row.orgName]]);
      expect(drilled.items.length, row.org).toBe(full.items.filter((i) => i.org === row.org).length);
      expect(drilled.items.length, row.org).toBeGreaterThan(0);
      const sla = w.models.slaReport({ from: '2025-01-01T00:00:00Z', to: at.asOf, asOf: at.asOf, groupBy: 'org', org: row.org });
      expect(sla.rows.map((r) => r.key), row.org).toEqual([row.org]);
    }
    // A code that masks no one's is refused, as any code no task is held by: an empty report read "nothing overdue".
    expect(() => w.models.overdueReport({ ...at, org: '370*************99' })).toThrow(UNKNOWN_ORG);
  });

  it('given two people whose codes mask alike, when a report holds only the second, then it still reads (2): a person reads the same in every report', () => {
    const at = { asOf: new Date('2026-09-01T00:00:00.000Z') };
    const twin = w.models.overdueReport(at).byOrg.find((o) => o.org === '370*************07(2)');
    expect(twin).toBeDefined();
    expect(w.models.overdueReport({ ...at, org: '370*************07(2)' }).byOrg.map((o) => o.org)).toEqual(['370*************07(2)']);
  });

  // Numbered in code order over every applicant: the lower code is the bare one, so which person a
  // masked code names does not hang on the order their tasks were stored in.
  it('given two people whose codes mask alike, then the lower code (…1207) reads 370*************07 and the higher (…2007) reads (2)', () => {
    const at = { asOf: new Date('2026-09-01T00:00:00.000Z') };
    const casesOf = (org: string) => w.models.inbox({ caller: { role: 'applicant', org }, asOf: at.asOf }).items.map((i) => i.caseId);
    const reported = (shown: string) => [...new Set(w.models.overdueReport({ ...at, org: shown }).items.map((i) => i.caseId))];
    expect(reported('370*************07')).toEqual(casesOf('370102199001011207'));
    expect(reported('370*************07(2)')).toEqual(casesOf('370102199001012007'));
  });

  it('given the person’s own inbox, then the name is there in full: it is theirs', () => {
    const [item] = w.models.inbox({ caller: { role: 'applicant', org: actors.person.org }, asOf }).items;
    expect(item).toMatchObject({ caseId: ids.person, orgName: '李明' });
  });

  it.each([
    [{ title: 't', applicant: '王立新', applicantKind: 'person' as const }, undefined, '王**'],
    [{ title: 't', applicant: '𠮷田', applicantKind: 'person' as const }, undefined, '𠮷*'],
    [{ title: 't', applicant: '山东数智科技有限公司', applicantKind: 'organization' as const }, '91370100MA3C5XYW11', '山东数智科技有限公司'],
    // Stored before the summary recorded the kind (83311c1): a code that is no credit code is a person's.
    [{ title: 't', applicant: '孙丽' }, '370102199001011207', '孙*'],
    [{ title: 't', applicant: '孙丽' }, 'person-u-p0026', '孙*'],
    [{ title: 't', applicant: '孙丽' }, undefined, '孙*'],
    // …and an organisation is named by its code: an objection then named its sender, a person, as the applicant.
    [{ title: 't', applicant: '孙丽' }, '91370100MA3C5XYW11', null],
  ])('masks %j of %s as %s', (summary, org, shown) => {
    expect(applicantNameForReports(summary, org)).toBe(shown);
  });

  it.each([
    ['11010519491231002X', '110*************2X'],
    ['person-u-liming', 'per**********ng'],
    ['ab12', '****'],
  ])('masks the person code %s as %s', (code, shown) => {
    expect(personCodeForReports(code)).toBe(shown);
  });
});

describe('a report filtered by an applicant, for a caller of one region', () => {
  // Security QA: the filter looked its code up across the province, so a Qingdao supervisor told from
  // 200 (empty) against 400 whether a company, a person's login id or a masked ID number had applied in Jinan.
  it('given applicants whose tasks are all in Jinan, when a Qingdao report is filtered by each (code, masked code), then UNKNOWN_ORG as for a code no one holds; a Jinan report holds their tasks', () => {
    const at = { asOf };
    for (const org of [actors.company.org, personCode]) {
      expect(() => w.models.overdueReport({ ...at, region: '370200', org }), org).toThrow(UNKNOWN_ORG);
      expect(() => w.models.slaReport({ from: '2025-01-01T00:00:00Z', to: asOf, asOf, groupBy: 'org', region: '370200', org }), org).toThrow(UNKNOWN_ORG);
      expect(w.models.overdueReport({ ...at, region: '370100', org }).items.length, org).toBeGreaterThan(0);
      expect(w.models.overdueReport({ ...at, region: '370000', org }).items.length, org).toBeGreaterThan(0);
    }
    // A bureau of the directory is public: another region's is no secret (the API answers it 403, out of the caller's region).
    expect(w.models.overdueReport({ ...at, region: '370200', org: '370200-dsj' }).items).toEqual([]);
  });

  // Security QA: the masked code was upper-cased whole, so a person known by a login id (per*********20) could not be drilled into.
  it('given a person known by a login id, when the report is filtered by the masked code it shows, then that person’s tasks', async () => {
    const loginId = { ...actors.person, sub: 'u-login-0020', org: 'person-u-p0020' };
    const caseId = await toActive(loginId, { ...startInputs.conditionalApplication, applicant: { ...personApplicant, name: '邵晓东' } });
    const row = w.models.overdueReport({ asOf: new Date('2027-06-01T00:00:00.000Z') }).byOrg.find((o) => o.orgName === '邵**');
    expect(row?.org).toBe(personCodeForReports('person-u-p0020'));
    const drilled = w.models.overdueReport({ asOf: new Date('2027-06-01T00:00:00.000Z'), org: row!.org });
    expect(drilled.items.map((i) => i.caseId)).toEqual([caseId]);
  });
});
