/**
 * A supervisor's month-end and quarter-end 通报 (第十九条 监督评估, 定期进行通报), checked against
 * what a person counts by hand. A year is driven over the API: 春节 and its 调休 Saturdays (a
 * deadline on one of them), terms of calendar days and of months ending in the holiday, work
 * finished just before and just after midnight Beijing time at the ends of February, March and the
 * year (23:30 on the 31st is 15:30 UTC; 00:30 on the 1st is 16:30 UTC the same day), a review returned
 * and submitted again, applications withdrawn, a renewal review ended by a termination, a deadline
 * over 中秋 and 国庆 on a 调休 Saturday, and deadlines into 2027, for which no notice is loaded
 * (provisional). Then, on 1 February 2027, the on-time rates by organisation, process and stage for
 * months and quarters, and the overdue report at three month ends, as JSON and as CSV, for the
 * province's supervisor and two cities' (a region includes the regions below it).
 *
 * The expected numbers come from the scenario's own table, counted here from PROCESSES.md's rules
 * and the State Council's 2026 notice (国办发明电〔2025〕7号, typed below): nothing of the code under
 * test computes them. The CSV is read as Excel reads it (RFC 4180, a byte-order mark) and compared
 * with the JSON line for line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandData, conditionalApplicationSentOn, startInputs } from '../machines/examples.js';
import { startTestApi, type Role, type TestApi } from './harness.js';

// ── The calendar, by hand ───────────────────────────────────────────────────────────────

/** 国办发明电〔2025〕7号: the days off and the weekend days worked in 2026. */
const HOLIDAYS = new Set([
  '2026-01-01', '2026-01-02', '2026-01-03',
  '2026-02-15', '2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20', '2026-02-21', '2026-02-22', '2026-02-23',
  '2026-04-04', '2026-04-05', '2026-04-06',
  '2026-05-01', '2026-05-02', '2026-05-03', '2026-05-04', '2026-05-05',
  '2026-06-19', '2026-06-20', '2026-06-21',
  '2026-09-25', '2026-09-26', '2026-09-27',
  '2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07',
  // 2027 has no notice loaded: its deadlines are provisional, counted from the statutory holidays
  // alone (《全国年节及纪念日放假办法》: 元旦 1 day; 春节 from 除夕, 5 February, is past this scenario).
  '2027-01-01',
]);
const WORKED_WEEKEND_DAYS = new Set(['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10']);

const DAY_MS = 86_400_000;
const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
function isWorkingDay(day: string): boolean {
  if (HOLIDAYS.has(day)) return false;
  if (WORKED_WEEKEND_DAYS.has(day)) return true;
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}
/** The N-th working day after the day of entry (期间开始的当日不计算在内). */
function workingDaysAfter(day: string, n: number): string {
  let d = day;
  for (let i = 0; i < n; ) if (isWorkingDay((d = addDays(d, 1)))) i++;
  return d;
}
/** A term whose last day is not a working day ends on the next working day (《民法典》第二百零三条). */
const onWorkingDay = (day: string): string => (isWorkingDay(day) ? day : onWorkingDay(addDays(day, 1)));
/** Working days in (a, b]: days overdue, at least 1 once the deadline has passed. */
function overdueDays(dueDay: string, day: string): number {
  let n = 0;
  for (let d = addDays(dueDay, 1); d <= day; d = addDays(d, 1)) if (isWorkingDay(d)) n++;
  return Math.max(1, n);
}

/** Beijing wall-clock time as a UTC instant (UTC+8 all year). */
const bj = (local: string): string => new Date(Date.parse(`${local}+08:00`)).toISOString();
/** A deadline: the end of its day, Beijing time. */
const endOf = (day: string): string => bj(`${day}T23:59:59.999`);
/** The Beijing day of an instant. */
const dayOf = (instant: string): string => new Date(Date.parse(instant) + 8 * 3_600_000).toISOString().slice(0, 10);
/** The Beijing time of an instant as the CSV writes it. */
const csvTime = (instant: string): string => new Date(Date.parse(instant) + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

// ── The scenario ────────────────────────────────────────────────────────────────────────

/** An applicant company whose registered name would be a formula in a spreadsheet. */
const FORMULA_CO = { code: '91370100MA94KL6P3M', name: '=HYPERLINK("http://example.cn","点此"),1有限公司' };
const COMPANY = { code: '91370100MA3C8K2D0E', name: '山东数智科技有限公司' };

const NAMES: Record<string, string> = {
  '370000-dsj': '山东省大数据局',
  '370100-dsj': '济南市大数据局',
  '370100-gaj': '济南市公安局',
  '370100-scjgj': '济南市市场监督管理局',
  '370102-dsj': '济南市历下区大数据局',
  '370102-scjgj': '济南市历下区市场监督管理局',
  '370200-dsj': '青岛市大数据局',
  '370200-gaj': '青岛市公安局',
  '370211-scjgj': '青岛市黄岛区市场监督管理局',
  [FORMULA_CO.code]: FORMULA_CO.name,
};
/** Where each organisation is (an applicant: its case's region, Jinan's). */
const REGION: Record<string, string> = {
  '370000-dsj': '370000',
  '370100-dsj': '370100',
  '370100-gaj': '370100',
  '370100-scjgj': '370100',
  '370102-dsj': '370102',
  '370102-scjgj': '370102',
  '370200-dsj': '370200',
  '370200-gaj': '370200',
  '370211-scjgj': '370211',
  [FORMULA_CO.code]: '370100',
};
const within = (region: string, of: string) => (region.endsWith('0000') ? of.startsWith(region.slice(0, 2)) : region.endsWith('00') ? of.startsWith(region.slice(0, 4)) : of === region);

interface Task {
  case: string;
  process: string;
  stage: string;
  org: string;
  basis: 'statute' | 'policy' | 'agreement';
  entered: string;
  /** The rule, counted by hand above, and the day it gives (both written down: each checks the other). */
  due: string;
  rule: () => string;
  /** When it was done or cancelled, Beijing time; open at the end of the quarter otherwise. */
  closed?: string;
  cancelled?: boolean;
  /** Counted before the notice that sets its days was loaded (PROCESSES.md "Deadlines"): its year's, or for 25–31 December the next year's. */
  provisional?: true;
}

/**
 * Every task with a deadline that the steps below open, with its deadline counted by hand. Tasks
 * without one (a provider's drafting, the authority's 知悉 item) are never late and not reported.
 */
const TASKS: Task[] = [
  // A release submitted on Sunday 4 January, a 调休 working day (the day of entry is never counted), returned late…
  { case: 'REL', process: 'datasetRelease', stage: 'underReview', org: '370000-dsj', basis: 'policy', entered: '2026-01-04T10:00:00', due: '2026-01-16', rule: () => workingDaysAfter('2026-01-04', 10), closed: '2026-01-20T10:00:00' },
  // …submitted again, and approved half an hour before midnight on the last day of the quarter, still late.
  { case: 'REL', process: 'datasetRelease', stage: 'underReview', org: '370000-dsj', basis: 'policy', entered: '2026-03-13T10:00:00', due: '2026-03-27', rule: () => workingDaysAfter('2026-03-13', 10), closed: '2026-03-31T23:30:00' },
  // An application carried through to destruction; its renewal review ended by the termination after its deadline.
  { case: 'CA1', process: 'conditionalApplication', stage: 'normativeReview', org: '370100-dsj', basis: 'statute', entered: '2026-01-05T10:00:00', due: '2026-01-12', rule: () => workingDaysAfter('2026-01-05', 5), closed: '2026-01-06T10:00:00' },
  { case: 'CA1', process: 'conditionalApplication', stage: 'providerReview', org: '370100-gaj', basis: 'statute', entered: '2026-01-06T10:00:00', due: '2026-01-20', rule: () => workingDaysAfter('2026-01-06', 10), closed: '2026-01-08T10:00:00' },
  { case: 'CA1', process: 'conditionalApplication', stage: 'agreementPending', org: '370100-gaj', basis: 'policy', entered: '2026-01-08T10:00:00', due: '2026-01-22', rule: () => workingDaysAfter('2026-01-08', 10), closed: '2026-01-09T10:00:00' },
  { case: 'CA1', process: 'conditionalApplication', stage: 'accessPending', org: '370100-gaj', basis: 'policy', entered: '2026-01-09T10:00:00', due: '2026-01-23', rule: () => workingDaysAfter('2026-01-09', 10), closed: '2026-01-16T10:00:00' },
  // Results due one month after access (16 February, 春节) fall to the next working day; never made, cancelled when the data is destroyed, before that deadline.
  { case: 'CA1', process: 'conditionalApplication', stage: 'resultsReport', org: FORMULA_CO.code, basis: 'agreement', entered: '2026-01-16T10:00:00', due: '2026-02-24', rule: () => onWorkingDay('2026-02-16'), closed: '2026-02-24T23:30:00', cancelled: true },
  { case: 'CA1', process: 'conditionalApplication', stage: 'renewalReview', org: '370100-gaj', basis: 'policy', entered: '2026-01-19T10:00:00', due: '2026-02-02', rule: () => workingDaysAfter('2026-01-19', 10), closed: '2026-02-03T10:00:00', cancelled: true },
  // 18 calendar days from 3 February end on Saturday 21 February, in 春节: the term runs to Tuesday the 24th.
  { case: 'CA1', process: 'conditionalApplication', stage: 'destructionPending', org: FORMULA_CO.code, basis: 'agreement', entered: '2026-02-03T10:00:00', due: '2026-02-24', rule: () => onWorkingDay(addDays('2026-02-03', 18)), closed: '2026-02-24T23:30:00' },
  // Two objections due on Saturday 28 February, a 调休 working day: one answered at 23:30 that day, one at the first instant of March.
  { case: 'OBJ1', process: 'objection', stage: 'handling', org: '370100-gaj', basis: 'statute', entered: '2026-02-09T10:00:00', due: '2026-02-28', rule: () => workingDaysAfter('2026-02-09', 10), closed: '2026-02-28T23:30:00' },
  { case: 'OBJ2', process: 'objection', stage: 'handling', org: '370100-scjgj', basis: 'statute', entered: '2026-02-09T10:00:00', due: '2026-02-28', rule: () => workingDaysAfter('2026-02-09', 10), closed: '2026-03-01T00:00:00' },
  // A request to Qingdao, forwarded to a county provider there, whose feasibility review is left open.
  { case: 'UDR', process: 'unopenedDataRequest', stage: 'normativeReview', org: '370200-dsj', basis: 'statute', entered: '2026-02-12T10:00:00', due: '2026-03-04', rule: () => workingDaysAfter('2026-02-12', 10), closed: '2026-03-04T15:00:00' },
  { case: 'UDR', process: 'unopenedDataRequest', stage: 'feasibilityReview', org: '370211-scjgj', basis: 'statute', entered: '2026-03-04T15:00:00', due: '2026-03-25', rule: () => workingDaysAfter('2026-03-04', 15) },
  // A list adjustment returned in time, resubmitted, and under review again at the quarter's end, not yet due.
  { case: 'LA', process: 'listAdjustment', stage: 'review', org: '370100-dsj', basis: 'policy', entered: '2026-03-02T10:00:00', due: '2026-03-16', rule: () => workingDaysAfter('2026-03-02', 10), closed: '2026-03-10T10:00:00' },
  { case: 'LA', process: 'listAdjustment', stage: 'review', org: '370100-dsj', basis: 'policy', entered: '2026-03-20T10:00:00', due: '2026-04-03', rule: () => workingDaysAfter('2026-03-20', 10), closed: '2026-04-02T10:00:00' },
  // Two objections due on 31 March: one answered in its last millisecond, one half an hour after midnight.
  { case: 'OBJ3', process: 'objection', stage: 'handling', org: '370200-gaj', basis: 'statute', entered: '2026-03-17T10:00:00', due: '2026-03-31', rule: () => workingDaysAfter('2026-03-17', 10), closed: '2026-03-31T23:59:59.999' },
  { case: 'OBJ4', process: 'objection', stage: 'handling', org: '370200-gaj', basis: 'statute', entered: '2026-03-17T10:05:00', due: '2026-03-31', rule: () => workingDaysAfter('2026-03-17', 10), closed: '2026-04-01T00:30:00' },
  // Two applications withdrawn under normative review: in Lixia after its deadline, in Jinan before it.
  { case: 'CA2', process: 'conditionalApplication', stage: 'normativeReview', org: '370102-dsj', basis: 'statute', entered: '2026-03-23T10:00:00', due: '2026-03-30', rule: () => workingDaysAfter('2026-03-23', 5), closed: '2026-03-31T10:00:00', cancelled: true },
  { case: 'CA3', process: 'conditionalApplication', stage: 'normativeReview', org: '370100-dsj', basis: 'statute', entered: '2026-03-23T10:00:00', due: '2026-03-30', rule: () => workingDaysAfter('2026-03-23', 5), closed: '2026-03-25T10:00:00', cancelled: true },
  // Raised on Sunday 20 September, a 调休 working day, over 中秋 and 国庆: due on Saturday 10 October, a 调休 working day; answered on the Sunday after.
  { case: 'OBJ5', process: 'objection', stage: 'handling', org: '370102-scjgj', basis: 'statute', entered: '2026-09-20T10:00:00', due: '2026-10-10', rule: () => workingDaysAfter('2026-09-20', 10), closed: '2026-10-11T09:00:00' },
  // The year's end: two objections due on 31 December, answered at 23:30 and at 00:30 on 1 January (元旦, no working day)…
  // Provisional: the days from 25 December are the 2027 notice's to set too (the 2019 notice made Mon 2018-12-31 a day off).
  { case: 'OBJ6', process: 'objection', stage: 'handling', org: '370100-gaj', basis: 'statute', entered: '2026-12-17T10:00:00', due: '2026-12-31', rule: () => workingDaysAfter('2026-12-17', 10), closed: '2026-12-31T23:30:00', provisional: true },
  { case: 'OBJ7', process: 'objection', stage: 'handling', org: '370100-scjgj', basis: 'statute', entered: '2026-12-17T10:00:00', due: '2026-12-31', rule: () => workingDaysAfter('2026-12-17', 10), closed: '2027-01-01T00:30:00', provisional: true },
  // …and one raised a day later, due in 2027, for which no notice is loaded: provisional, answered late.
  { case: 'OBJ8', process: 'objection', stage: 'handling', org: '370200-gaj', basis: 'statute', entered: '2026-12-18T10:00:00', due: '2027-01-04', rule: () => workingDaysAfter('2026-12-18', 10), closed: '2027-01-05T10:00:00', provisional: true },
];

type Step = { at: string; role: Role; org: string } & ({ case: string; start: { process: string; input: unknown } } | { case: string; command: string; data?: unknown });

const caInput = (day: string, provider: string, applicant: { code: string; name: string }) => {
  const input = conditionalApplicationSentOn(day);
  return {
    ...input,
    resource: { ...input.resource, providerOrg: provider },
    applicant: { ...input.applicant, name: applicant.name, creditCode: applicant.code },
  };
};
const cd = commandData;

/** The commands, in the order of their times (Beijing). */
const STEPS: Step[] = [
  { at: '2026-01-04T09:00:00', role: 'provider', org: '370000-gat', case: 'REL', start: { process: 'datasetRelease', input: { ...startInputs.datasetRelease, providerOrg: '370000-gat' } } },
  { at: '2026-01-04T09:10:00', role: 'provider', org: '370000-gat', case: 'REL', command: 'RECORD_SECURITY_REVIEW', data: cd.datasetRelease.RECORD_SECURITY_REVIEW },
  { at: '2026-01-04T09:20:00', role: 'provider', org: '370000-gat', case: 'REL', command: 'SET_DESENSITIZATION_RULES', data: cd.datasetRelease.SET_DESENSITIZATION_RULES },
  { at: '2026-01-04T10:00:00', role: 'provider', org: '370000-gat', case: 'REL', command: 'SUBMIT' },
  { at: '2026-01-05T10:00:00', role: 'applicant', org: FORMULA_CO.code, case: 'CA1', start: { process: 'conditionalApplication', input: caInput('2026-01-05', '370100-gaj', FORMULA_CO) } },
  { at: '2026-01-06T10:00:00', role: 'authority', org: '370100-dsj', case: 'CA1', command: 'PASS_NORMATIVE_REVIEW', data: cd.conditionalApplication.PASS_NORMATIVE_REVIEW },
  { at: '2026-01-08T10:00:00', role: 'provider', org: '370100-gaj', case: 'CA1', command: 'APPROVE', data: cd.conditionalApplication.APPROVE },
  {
    at: '2026-01-09T10:00:00', role: 'provider', org: '370100-gaj', case: 'CA1', command: 'SIGN_AGREEMENT',
    data: { ...cd.conditionalApplication.SIGN_AGREEMENT, useFrom: '2026-01-09', useTo: '2026-03-15', destructionDays: 18, resultsDueMonths: 1 },
  },
  { at: '2026-01-16T10:00:00', role: 'provider', org: '370100-gaj', case: 'CA1', command: 'GRANT_ACCESS', data: cd.conditionalApplication.GRANT_ACCESS },
  { at: '2026-01-19T10:00:00', role: 'applicant', org: FORMULA_CO.code, case: 'CA1', command: 'REQUEST_RENEWAL', data: { newUseTo: '2026-03-31' } },
  { at: '2026-01-20T10:00:00', role: 'authority', org: '370000-dsj', case: 'REL', command: 'RETURN', data: cd.datasetRelease.RETURN },
  { at: '2026-02-03T10:00:00', role: 'provider', org: '370100-gaj', case: 'CA1', command: 'TERMINATE', data: cd.conditionalApplication.TERMINATE },
  { at: '2026-02-09T10:00:00', role: 'applicant', org: COMPANY.code, case: 'OBJ1', start: { process: 'objection', input: { ...startInputs.objection, providerOrg: '370100-gaj' } } },
  { at: '2026-02-09T10:00:00', role: 'applicant', org: COMPANY.code, case: 'OBJ2', start: { process: 'objection', input: { ...startInputs.objection, providerOrg: '370100-scjgj' } } },
  { at: '2026-02-12T10:00:00', role: 'applicant', org: COMPANY.code, case: 'UDR', start: { process: 'unopenedDataRequest', input: { ...startInputs.unopenedDataRequest, addressedRegion: '370200', coverage: { region: '370200' } } } },
  { at: '2026-02-24T23:30:00', role: 'applicant', org: FORMULA_CO.code, case: 'CA1', command: 'CONFIRM_DESTRUCTION', data: cd.conditionalApplication.CONFIRM_DESTRUCTION },
  { at: '2026-02-28T23:30:00', role: 'provider', org: '370100-gaj', case: 'OBJ1', command: 'RESPOND', data: cd.objection.RESPOND },
  { at: '2026-03-01T00:00:00', role: 'provider', org: '370100-scjgj', case: 'OBJ2', command: 'RESPOND', data: cd.objection.RESPOND },
  { at: '2026-03-02T10:00:00', role: 'provider', org: '370100-jtysj', case: 'LA', start: { process: 'listAdjustment', input: { ...startInputs.listAdjustment, providerOrg: '370100-jtysj', listYear: 2026 } } },
  { at: '2026-03-04T15:00:00', role: 'authority', org: '370200-dsj', case: 'UDR', command: 'PASS_NORMATIVE_REVIEW', data: { ...cd.unopenedDataRequest.PASS_NORMATIVE_REVIEW, providerOrg: '370211-scjgj' } },
  { at: '2026-03-10T10:00:00', role: 'authority', org: '370100-dsj', case: 'LA', command: 'RETURN', data: cd.listAdjustment.RETURN },
  { at: '2026-03-13T10:00:00', role: 'provider', org: '370000-gat', case: 'REL', command: 'SUBMIT' },
  { at: '2026-03-17T10:00:00', role: 'applicant', org: COMPANY.code, case: 'OBJ3', start: { process: 'objection', input: { ...startInputs.objection, providerOrg: '370200-gaj' } } },
  { at: '2026-03-17T10:05:00', role: 'applicant', org: COMPANY.code, case: 'OBJ4', start: { process: 'objection', input: { ...startInputs.objection, providerOrg: '370200-gaj' } } },
  { at: '2026-03-20T10:00:00', role: 'provider', org: '370100-jtysj', case: 'LA', command: 'RESUBMIT', data: cd.listAdjustment.RESUBMIT },
  { at: '2026-03-23T10:00:00', role: 'applicant', org: COMPANY.code, case: 'CA2', start: { process: 'conditionalApplication', input: caInput('2026-03-23', '370102-scjgj', COMPANY) } },
  { at: '2026-03-23T10:00:00', role: 'applicant', org: COMPANY.code, case: 'CA3', start: { process: 'conditionalApplication', input: caInput('2026-03-23', '370100-gaj', COMPANY) } },
  { at: '2026-03-25T10:00:00', role: 'applicant', org: COMPANY.code, case: 'CA3', command: 'WITHDRAW', data: cd.conditionalApplication.WITHDRAW },
  { at: '2026-03-31T10:00:00', role: 'applicant', org: COMPANY.code, case: 'CA2', command: 'WITHDRAW', data: cd.conditionalApplication.WITHDRAW },
  { at: '2026-03-31T23:30:00', role: 'authority', org: '370000-dsj', case: 'REL', command: 'APPROVE', data: cd.datasetRelease.APPROVE },
  { at: '2026-03-31T23:59:59.999', role: 'provider', org: '370200-gaj', case: 'OBJ3', command: 'RESPOND', data: cd.objection.RESPOND },
  { at: '2026-04-01T00:30:00', role: 'provider', org: '370200-gaj', case: 'OBJ4', command: 'RESPOND', data: cd.objection.RESPOND },
  { at: '2026-04-02T10:00:00', role: 'authority', org: '370100-dsj', case: 'LA', command: 'APPROVE', data: cd.listAdjustment.APPROVE },
  { at: '2026-09-20T10:00:00', role: 'applicant', org: COMPANY.code, case: 'OBJ5', start: { process: 'objection', input: { ...startInputs.objection, providerOrg: '370102-scjgj' } } },
  { at: '2026-10-11T09:00:00', role: 'provider', org: '370102-scjgj', case: 'OBJ5', command: 'RESPOND', data: cd.objection.RESPOND },
  { at: '2026-12-17T10:00:00', role: 'applicant', org: COMPANY.code, case: 'OBJ6', start: { process: 'objection', input: { ...startInputs.objection, providerOrg: '370100-gaj' } } },
  { at: '2026-12-17T10:00:00', role: 'applicant', org: COMPANY.code, case: 'OBJ7', start: { process: 'objection', input: { ...startInputs.objection, providerOrg: '370100-scjgj' } } },
  { at: '2026-12-18T10:00:00', role: 'applicant', org: COMPANY.code, case: 'OBJ8', start: { process: 'objection', input: { ...startInputs.objection, providerOrg: '370200-gaj' } } },
  { at: '2026-12-31T23:30:00', role: 'provider', org: '370100-gaj', case: 'OBJ6', command: 'RESPOND', data: cd.objection.RESPOND },
  { at: '2027-01-01T00:30:00', role: 'provider', org: '370100-scjgj', case: 'OBJ7', command: 'RESPOND', data: cd.objection.RESPOND },
  { at: '2027-01-05T10:00:00', role: 'provider', org: '370200-gaj', case: 'OBJ8', command: 'RESPOND', data: cd.objection.RESPOND },
];

// ── What the 通报 should say, counted from the table ────────────────────────────────────

/** The periods of the 通报s: Beijing days, from the first instant of the first to the first instant after the last. */
const PERIODS = {
  'February 2026': { from: '2026-02-01T00:00:00+08:00', to: '2026-03-01T00:00:00+08:00' },
  'March 2026': { from: '2026-03-01T00:00:00+08:00', to: '2026-04-01T00:00:00+08:00' },
  'the first quarter of 2026': { from: '2026-01-01T00:00:00+08:00', to: '2026-04-01T00:00:00+08:00' },
  'October 2026': { from: '2026-10-01T00:00:00+08:00', to: '2026-11-01T00:00:00+08:00' },
  'December 2026': { from: '2026-12-01T00:00:00+08:00', to: '2027-01-01T00:00:00+08:00' },
  'the fourth quarter of 2026': { from: '2026-10-01T00:00:00+08:00', to: '2027-01-01T00:00:00+08:00' },
  'January 2027': { from: '2027-01-01T00:00:00+08:00', to: '2027-02-01T00:00:00+08:00' },
};
/** When the supervisors ask: every period above is over (the reports at its end, `asOf` its `to`). */
const ASKED_AT = '2027-02-01T09:00:00';

interface Row {
  key: string;
  finished: number;
  onTime: number;
  late: number;
  cancelled: number;
  cancelledLate: number;
  onTimeRate: number | null;
  openOverdue: number;
}

/** Of the tasks in `region`, those closed in [from, to) and those open past their deadline at `to`, grouped. */
function expectedRows(period: { from: string; to: string }, groupBy: 'org' | 'process' | 'stage', region: string): Row[] {
  const from = new Date(period.from).toISOString();
  const to = new Date(period.to).toISOString();
  const rows = new Map<string, Row>();
  const row = (key: string) => rows.get(key) ?? rows.set(key, { key, finished: 0, onTime: 0, late: 0, cancelled: 0, cancelledLate: 0, onTimeRate: null, openOverdue: 0 }).get(key)!;
  for (const t of TASKS) {
    if (!within(region, REGION[t.org]!)) continue;
    const key = groupBy === 'org' ? t.org : groupBy === 'process' ? t.process : `${t.process}.${t.stage}`;
    const closed = t.closed === undefined ? undefined : bj(t.closed);
    const late = (at: string) => at > endOf(t.due);
    if (closed !== undefined && closed >= from && closed < to) {
      const r = row(key);
      if (t.cancelled) {
        r.cancelled++;
        if (late(closed)) r.cancelledLate++;
      } else {
        r.finished++;
        if (late(closed)) r.late++;
        else r.onTime++;
      }
    }
    const openAtEnd = bj(t.entered) <= to && (closed === undefined || closed > to);
    if (openAtEnd && late(to)) row(key).openOverdue++;
  }
  for (const r of rows.values()) r.onTimeRate = r.finished === 0 ? null : Math.round((r.onTime / r.finished) * 10_000) / 10_000;
  return [...rows.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
}

// ── The API, driven ─────────────────────────────────────────────────────────────────────

let api: TestApi;
const ids = new Map<string, string>();
const tokens = new Map<string, string>();
const tokenOf = async (role: Role, org: string) => tokens.get(`${role} ${org}`) ?? tokens.set(`${role} ${org}`, await api.token(role, org)).get(`${role} ${org}`)!;
/** Each task as the engine opened it: stage, org, dueDate, basis, by case. */
const opened: { case: string; stage: string; org: string; dueDate: string; basis: string; provisional: boolean }[] = [];

beforeAll(async () => {
  api = await startTestApi({ now: bj('2026-01-04T08:00:00') });
  const admin = await tokenOf('admin', '370000-dsj');
  for (const step of STEPS) {
    const moved = await api.call('PUT', '/v1/test/clock', { as: admin, body: { now: bj(step.at) } });
    expect(moved.status, moved.text).toBe(200);
    const as = await tokenOf(step.role, step.org);
    const res =
      'start' in step
        ? await api.call('POST', '/v1/cases', { as, body: step.start })
        : await api.call('POST', `/v1/cases/${ids.get(step.case)}/commands`, { as, body: { type: step.command, data: step.data ?? {} } });
    expect(res.status, `${step.case} ${'start' in step ? 'start' : step.command}: ${res.text}`).toBeLessThan(300);
    if ('start' in step) ids.set(step.case, res.body.id);
    const now = await api.call('GET', `/v1/cases/${ids.get(step.case)}`, { as: admin });
    for (const t of now.body.tasks as { stage: string; org: string; dueDate: string | null; basis: string; enteredAt: string; provisional: boolean }[]) {
      if (t.dueDate === null || new Date(t.enteredAt).toISOString() !== bj(step.at)) continue;
      opened.push({ case: step.case, stage: t.stage, org: t.org, dueDate: t.dueDate, basis: t.basis, provisional: t.provisional });
    }
  }
  await api.call('PUT', '/v1/test/clock', { as: admin, body: { now: bj(ASKED_AT) } });
});
afterAll(() => api.close());

describe('the quarter as driven', () => {
  it('every deadline counted by hand is the one written in the table, and the one the engine set', () => {
    for (const t of TASKS) expect(t.rule(), `${t.case} ${t.stage} entered ${t.entered}`).toBe(t.due);
    const expected = TASKS.map((t) => ({ case: t.case, stage: t.stage, org: t.org, dueDate: t.due, basis: t.basis, provisional: t.provisional === true }));
    expect(opened).toEqual(expect.arrayContaining(expected));
    expect(opened).toHaveLength(expected.length);
  });
});

// ── CSV as Excel reads it ───────────────────────────────────────────────────────────────

/** RFC 4180 as Excel reads it: fields quoted or not, quotes doubled, CRLF line ends. */
function parseCsv(text: string): string[][] {
  expect(text.startsWith('\uFEFF'), 'a byte-order mark, so that Excel reads UTF-8').toBe(true);
  expect(text.endsWith('\r\n')).toBe(true);
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const body = text.slice(1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && body[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

/** What a cell may begin with and be run as a formula (CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

function expectExcelSafe(rows: string[][]): void {
  for (const row of rows) for (const cell of row) expect(FORMULA_START.test(cell), `a cell Excel would run: ${cell}`).toBe(false);
}

const n = (v: number) => String(v);
const pct = (v: number | null) => (v === null ? '' : `${(v * 100).toFixed(2)}%`);

// ── The on-time rates ───────────────────────────────────────────────────────────────────

const SLA_HEADERS = ['名称', '办结数', '按时办结数', '逾期办结数', '按时办结率', '在办逾期数', '未办即终止数', '其中逾期后终止数', '时限依据'];
const KEY_HEADER = { org: '单位代码', process: '流程', stage: '环节' } as const;
const BASIS_ZH = { statute: '法定时限', policy: '平台政策时限', agreement: '协议约定时限' } as const;

const SUPERVISORS = [
  { org: '370000-dsj', region: '370000' },
  { org: '370100-dsj', region: '370100' },
  { org: '370200-dsj', region: '370200' },
];

describe.each(Object.entries(PERIODS))('the on-time rates for %s', (_name, period) => {
  const query = `from=${encodeURIComponent(period.from)}&to=${encodeURIComponent(period.to)}`;

  describe.each(SUPERVISORS)('asked by $org', ({ org, region }) => {
    it.each(['org', 'process', 'stage'] as const)('by %s: the counts a person makes from the table, as JSON and line for line as CSV', async (groupBy) => {
      const as = await tokenOf('supervisor', org);
      const json = await api.call('GET', `/v1/reports/sla?groupBy=${groupBy}&${query}`, { as });
      expect(json.status, json.text).toBe(200);
      expect(json.body).toMatchObject({ from: new Date(period.from).toISOString(), to: new Date(period.to).toISOString(), asOf: new Date(period.to).toISOString() });
      const rows = json.body.rows as (Row & { name: string; basis: string | null })[];
      expect(rows.map(({ key, finished, onTime, late, cancelled, cancelledLate, onTimeRate, openOverdue }) => ({ key, finished, onTime, late, cancelled, cancelledLate, onTimeRate, openOverdue }))).toEqual(
        expectedRows(period, groupBy, region),
      );
      if (groupBy === 'org') for (const r of rows) expect(r.name).toBe(NAMES[r.key]);
      if (groupBy === 'stage') {
        for (const r of rows) expect(r.basis).toBe(TASKS.find((t) => `${t.process}.${t.stage}` === r.key)!.basis);
      }

      const csv = await api.call('GET', `/v1/reports/sla?groupBy=${groupBy}&${query}&format=csv`, { as });
      expect(csv.status).toBe(200);
      expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
      const [header, ...lines] = parseCsv(csv.text);
      expect(header).toEqual([KEY_HEADER[groupBy], ...SLA_HEADERS]);
      expectExcelSafe(lines);
      expect(lines).toEqual(
        rows.map((r) => [
          r.key,
          FORMULA_START.test(r.name) ? `'${r.name}` : r.name,
          n(r.finished),
          n(r.onTime),
          n(r.late),
          pct(r.onTimeRate),
          n(r.openOverdue),
          n(r.cancelled),
          n(r.cancelledLate),
          r.basis === null ? '' : BASIS_ZH[r.basis as keyof typeof BASIS_ZH],
        ]),
      );
    });
  });
});

// ── The overdue report at the end of the quarter ────────────────────────────────────────

const OVERDUE_HEADERS = ['案件编号', '流程', '环节', '环节名称', '承办单位', '单位代码', '进入环节时间（北京时间）', '办理期限（北京时间）', '完成时间（北京时间）', '逾期工作日', '时限依据', '依据条款', '状态', '临时期限', '期限起算日', '原期限（节假日通知调整前）'];
const STATUS_ZH = { open: '逾期未办结', finishedLate: '逾期办结', cancelledLate: '逾期未办、案件已终止' } as const;

interface ExpectedItem {
  caseId: string;
  stage: string;
  org: string;
  enteredAt: string;
  dueAt: string;
  completedAt?: string;
  workingDaysOverdue: number;
  provisional: boolean;
  status: 'open' | 'finishedLate' | 'cancelledLate';
}

function expectedOverdue(asOf: string, region: string) {
  const at = new Date(asOf).toISOString();
  const items: ExpectedItem[] = [];
  const byOrg = new Map<string, { org: string; orgName: string; open: number; overdue: number; finishedLate: number; cancelledLate: number }>();
  const tally = (org: string) => byOrg.get(org) ?? byOrg.set(org, { org, orgName: NAMES[org]!, open: 0, overdue: 0, finishedLate: 0, cancelledLate: 0 }).get(org)!;
  for (const t of TASKS) {
    if (!within(region, REGION[t.org]!) || bj(t.entered) > at) continue;
    const closed = t.closed === undefined ? undefined : bj(t.closed);
    const done = closed !== undefined && closed <= at;
    if (!done) tally(t.org).open++;
    const dueAt = endOf(t.due);
    if (done ? closed <= dueAt : at <= dueAt) continue;
    const status = !done ? 'open' : t.cancelled ? 'cancelledLate' : 'finishedLate';
    items.push({
      caseId: ids.get(t.case)!,
      stage: t.stage,
      org: t.org,
      enteredAt: bj(t.entered),
      dueAt,
      ...(done ? { completedAt: closed } : {}),
      workingDaysOverdue: overdueDays(t.due, dayOf(done ? closed : at)),
      provisional: t.provisional === true,
      status,
    });
    const c = tally(t.org);
    if (status === 'open') c.overdue++;
    else if (status === 'finishedLate') c.finishedLate++;
    else c.cancelledLate++;
  }
  items.sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : 0));
  const orgs = [...byOrg.values()].sort((a, b) => b.overdue - a.overdue || b.finishedLate - a.finishedLate || (a.org < b.org ? -1 : 1));
  return { items, byOrg: orgs };
}

/** The overdue report at the ends of March, of the year, and of January 2027. */
const AS_OF = ['2026-04-01T00:00:00+08:00', '2027-01-01T00:00:00+08:00', '2027-02-01T00:00:00+08:00'];

describe.each(AS_OF)('the overdue report as of %s', (asOf) => {
  describe.each(SUPERVISORS)('asked by $org', ({ org, region }) => {
    it('lists what a person finds in the table, with working days overdue counted on the 2026 calendar', async () => {
      const as = await tokenOf('supervisor', org);
      const json = await api.call('GET', `/v1/reports/overdue?asOf=${encodeURIComponent(asOf)}`, { as });
      expect(json.status, json.text).toBe(200);
      const expected = expectedOverdue(asOf, region);
      expect(json.body.asOf).toBe(new Date(asOf).toISOString());
      expect(
        json.body.items.map((i: ExpectedItem) => ({
          caseId: i.caseId,
          stage: i.stage,
          org: i.org,
          enteredAt: i.enteredAt,
          dueAt: i.dueAt,
          ...(i.completedAt !== undefined ? { completedAt: i.completedAt } : {}),
          workingDaysOverdue: i.workingDaysOverdue,
          provisional: i.provisional,
          status: i.status,
        })),
      ).toEqual(expected.items);
      expect(json.body.byOrg).toEqual(expected.byOrg);
    });

    it('as CSV: the same items line for line, in Beijing time, Excel-safe; and the counts by organisation the same as byOrg', async () => {
      const as = await tokenOf('supervisor', org);
      const q = `asOf=${encodeURIComponent(asOf)}`;
      const json = (await api.call('GET', `/v1/reports/overdue?${q}`, { as })).body;
      const csv = await api.call('GET', `/v1/reports/overdue?${q}&format=csv`, { as });
      expect(csv.headers['content-disposition']).toBe(`attachment; filename="overdue-${asOf.slice(0, 10)}.csv"`);
      const [header, ...lines] = parseCsv(csv.text);
      expect(header).toEqual(OVERDUE_HEADERS);
      expectExcelSafe(lines);
      expect(lines).toHaveLength(json.items.length);
      lines.forEach((line, i) => {
        const item = json.items[i];
        expect(line[0]).toBe(item.caseId);
        expect(line[2]).toBe(item.stage);
        expect(line[3]).toBe(item.label);
        expect(line[4]).toBe(item.orgName);
        expect(line[5]).toBe(item.org);
        expect(line[6]).toBe(csvTime(item.enteredAt));
        expect(line[7]).toBe(csvTime(item.dueAt));
        expect(line[7]).toMatch(/ 23:59:59$/);
        expect(line[8]).toBe(item.completedAt === undefined ? '' : csvTime(item.completedAt));
        expect(line[9]).toBe(n(item.workingDaysOverdue));
        expect(line[10]).toBe(BASIS_ZH[item.basis as keyof typeof BASIS_ZH]);
        expect(line[11]).toBe(item.article ?? '');
        expect(line[12]).toBe(STATUS_ZH[item.status as keyof typeof STATUS_ZH]);
        expect(line[13]).toBe(item.provisional ? '是' : '否');
        expect(line[14]).toBe(item.countsFrom ?? '');
        expect(line[15]).toBe(item.restatedFrom ?? '');
      });

      const byOrgCsv = await api.call('GET', `/v1/reports/overdue?${q}&format=csv&table=byOrg`, { as });
      const [byOrgHeader, ...byOrgLines] = parseCsv(byOrgCsv.text);
      expect(byOrgHeader).toEqual(['单位代码', '名称', '在办数', '在办逾期数', '逾期办结数', '逾期未办即终止数']);
      expectExcelSafe(byOrgLines);
      expect(byOrgLines).toEqual(json.byOrg.map((o: { org: string; orgName: string; open: number; overdue: number; finishedLate: number; cancelledLate: number }) => [o.org, FORMULA_START.test(o.orgName) ? `'${o.orgName}` : o.orgName, n(o.open), n(o.overdue), n(o.finishedLate), n(o.cancelledLate)]));
    });
  });
});
