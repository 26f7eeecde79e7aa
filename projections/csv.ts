/**
 * The reports as CSV (API.md: UTF-8 with a byte-order mark and Chinese column headers, so that it
 * opens correctly in Excel): RFC 4180 — comma-separated, CRLF line ends, a field quoted when it
 * holds a comma, a quote or a line break, quotes doubled.
 */
import { shanghaiDateTimeOf } from '../calendars/index.js';
import type { OverdueReport, SlaGroupBy, SlaReport } from './sla.js';

const BOM = '\uFEFF';

// User-facing words, in one place.
// Times are Beijing wall-clock time (the people who open the file count days that way; JSON keeps UTC instants).
const OVERDUE_HEADERS = ['案件编号', '流程', '环节', '环节名称', '承办单位', '单位代码', '进入环节时间（北京时间）', '办理期限（北京时间）', '完成时间（北京时间）', '逾期工作日', '时限依据', '依据条款', '状态', '临时期限', '期限起算日', '原期限（节假日通知调整前）'];
const BY_ORG_HEADERS = ['单位代码', '名称', '在办数', '在办逾期数', '逾期办结数', '逾期未办即终止数'];
const SLA_KEY_HEADERS: Record<SlaGroupBy, string> = { org: '单位代码', process: '流程', stage: '环节' };
const SLA_HEADERS = ['名称', '办结数', '按时办结数', '逾期办结数', '按时办结率', '在办逾期数', '未办即终止数', '其中逾期后终止数', '时限依据'];
const BASIS: Record<string, string> = { statute: '法定时限', policy: '平台政策时限', agreement: '协议约定时限' };
const STATUS = { open: '逾期未办结', finishedLate: '逾期办结', cancelledLate: '逾期未办、案件已终止' } as const;
// A deadline counted before its year's holiday notice was loaded, from the statutory holidays alone (PROCESSES.md).
const PROVISIONAL = { yes: '是', no: '否' } as const;

type Cell = string | number | null | undefined;

/**
 * A code of digits Excel would read as a number and spoil: 12 digits or more (shown as 9.13706E+17,
 * and past 15 digits rounded: an all-digit 统一社会信用代码 or 身份证号), a leading zero (dropped), or
 * digits with an E between them, which Excel reads as a power of ten (a 统一社会信用代码 may have the
 * letter E among its digits: 913702001234137E12 would show as 9.13702E+26).
 */
const DIGIT_CODE = /^(?:\d{12,}|0\d+|\d+E\d+)$/;

/** What a spreadsheet may run as a formula: = + - @ | after any blanks or invisible characters, or a tab or a carriage return. */
const FORMULA_START = /^(?:[\t\r]|[\s\p{Cf}\p{Z}]*[=+\-@|])/u;

/** One field: numbers as they are; text quoted when needed, and kept from being read as a formula or a number. */
function field(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  // Written as the text formula ="…", which Excel shows as the code itself, every digit kept.
  if (DIGIT_CODE.test(value)) return `"=""${value}"""`;
  // A cell starting with = + - @ would be a formula in a spreadsheet (CSV injection); so, to be safe,
  // one starting so after blanks or invisible characters, in full width (＝＋－＠, which an input method
  // types and some spreadsheets fold), or with | (a DDE link in older Excel). Security QA.
  const text = FORMULA_START.test(value.normalize('NFKC')) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows as RFC 4180 CSV with a byte-order mark. */
export function csv(headers: readonly string[], rows: Iterable<readonly Cell[]>): string {
  return [...csvPieces(headers, rows, Infinity)].join('');
}

/** `csv(headers, rows)` in pieces of `perPiece` rows (the first with the mark and the headers). */
export function* csvPieces(headers: readonly string[], rows: Iterable<readonly Cell[]>, perPiece: number): Generator<string> {
  let text = `${BOM}${line(headers)}\r\n`;
  let n = 0;
  for (const row of rows) {
    text += `${line(row)}\r\n`;
    if (++n % perPiece !== 0) continue;
    yield text;
    text = '';
  }
  if (text !== '') yield text;
}

const line = (row: readonly Cell[]): string => row.map(field).join(',');

/** `f` of each of `list`, as it is read. */
function* mapped<T, U>(list: Iterable<T>, f: (x: T) => U): Generator<U> {
  for (const x of list) yield f(x);
}

export interface CsvOptions {
  /** Chinese names of processes (the registry's titles); the process name otherwise. */
  processTitle?: (process: string) => string | undefined;
  /** The overdue report's items (one line each, the default) or its counts by organisation (the 通报's table). */
  table?: 'items' | 'byOrg';
}

/** The overdue report (one line per item) or the SLA report (one line per row) as CSV. */
export function toCsv(report: OverdueReport | SlaReport, options: CsvOptions = {}): string {
  if ('items' in report) return [...overdueCsvPieces(report, options, Infinity)].join('');
  return slaCsv(report);
}

/** The overdue report as `toCsv` writes it, in pieces of `perPiece` lines. */
export function* overdueCsvPieces(report: OverdueReport, options: CsvOptions, perPiece: number): Generator<string> {
  const title = (process: string) => options.processTitle?.(process) ?? process;
  if (options.table === 'byOrg') {
    yield* csvPieces(
      BY_ORG_HEADERS,
      mapped(report.byOrg, (o) => [o.org, o.orgName, o.open, o.overdue, o.finishedLate, o.cancelledLate]),
      perPiece,
    );
    return;
  }
  yield* csvPieces(
    OVERDUE_HEADERS,
    mapped(report.items, (i) => [
      i.caseId,
      title(i.process),
      i.stage,
      i.label,
      i.orgName,
      i.org,
      shanghaiDateTimeOf(i.enteredAt),
      shanghaiDateTimeOf(i.dueAt),
      i.completedAt === undefined ? null : shanghaiDateTimeOf(i.completedAt),
      i.workingDaysOverdue,
      i.basis === null ? null : (BASIS[i.basis] ?? i.basis),
      i.article,
      STATUS[i.status],
      i.provisional ? PROVISIONAL.yes : PROVISIONAL.no,
      // Only where the count did not start on the day of entry (access to grant, conditionalApplication v3+: from the agreed start of use).
      i.countsFrom,
      // Only where a holiday notice moved the deadline: the date it replaced (year-end QA: the report showed the new one alone).
      i.restatedFrom,
    ]),
    perPiece,
  );
}

function slaCsv(report: SlaReport): string {
  return csv(
    [SLA_KEY_HEADERS[report.groupBy], ...SLA_HEADERS],
    report.rows.map((r) => [
      r.key,
      r.name,
      r.finished,
      r.onTime,
      r.late,
      r.onTimeRate === null ? null : `${(r.onTimeRate * 100).toFixed(2)}%`,
      r.openOverdue,
      r.cancelled,
      r.cancelledLate,
      r.basis === null ? null : r.basis.split(',').map((b) => BASIS[b] ?? b).join('、'),
    ]),
  );
}
