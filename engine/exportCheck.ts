/**
 * Checks an audit export (GET /v1/audit/export, NDJSON) without the server: every case event's hash
 * is recomputed from the line itself (`stream`, `revision`, `id`, `type`, `data`, `metadata`, as
 * eventHash covers them), and each event's `prevHash` must be the hash of the event before it in
 * its stream, its `stateBefore` the `stateAfter` of that event. An export covers a period, so a
 * stream's first line in the file may follow events outside it: its `prevHash` (and `stateBefore`)
 * is taken on trust, but any gap inside the file is named. The holiday
 * notices (no hash chain) must follow on too: each revision of their stream after the one before.
 *
 * What a person reads on a line (actor, time, command, states, deadlines) is checked too, when the
 * caller says how a stored event is shown (`expected`, the history entry of projections/audit.ts):
 * the hash covers the stored event, so a line whose readable fields differ from it is refused.
 *
 * A file alone cannot prove that nothing was left out at its ends, or that a whole case was not
 * removed: that needs the server (GET /v1/cases/:id/verify) or a count kept elsewhere.
 */
import { CALENDAR_STREAM } from './calendarInForce.js';
import { canonicalJson, eventHash, GENESIS_HASH } from './hashChain.js';
import { caseOfStream } from '../machines/streams.js';

/** The stored event a case line carries, as the checker rebuilt it from the line. */
export interface StoredLine {
  streamId: string;
  revision: number;
  position: number;
  id: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

export interface CheckOptions {
  /** Told how many lines have been read (for a progress bar). */
  onLine?: (read: number) => void;
  /** How a stored event shows on a line: every field it gives must be on the line, as given, and no other. */
  expected?: (stored: StoredLine) => object | undefined;
}

export interface ExportFailure {
  /** 1-based line number in the file. */
  line: number;
  caseId: string | null;
  revision: number | null;
  reason: { zh: string; en: string };
}

export interface ExportCheck {
  ok: boolean;
  /** Lines read (blank lines are skipped). */
  lines: number;
  /** Case events whose hash was recomputed. */
  caseEvents: number;
  /** Other lines (holiday notices): not hash-chained, but each notice stream's revisions must follow on. */
  otherEvents: number;
  cases: number;
  /**
   * Cases whose first line in the file is not their start (the period begins inside them): the
   * `prevHash` of that line is taken on trust. Events of such a case cut before it cannot be told
   * from a period that began there; docs/verify_export.py lists them as 采信 (TRUST) too.
   */
  trusted: { stream: string; revision: number }[];
  /** The first failures found (at most MAX_FAILURES of them, in file order). */
  failures: ExportFailure[];
  /** How many failures were found in all: more than `failures` lists when the file is wrong throughout. */
  failuresFound: number;
  /**
   * No case line carries what its hash covers, and nothing else is wrong: an export made before the
   * lines carried it (50d8d76), which no file check can verify — not a file found altered.
   */
  withoutHashFields: boolean;
}

interface Line {
  caseId?: unknown;
  stream?: unknown;
  revision?: unknown;
  id?: unknown;
  type?: unknown;
  data?: unknown;
  metadata?: unknown;
  hash?: unknown;
  prevHash?: unknown;
}

/** At most this many failures are kept (a file tampered with throughout would otherwise fill memory). */
export const MAX_FAILURES = 1000;

/**
 * The most a line of an export can be: a command's body is at most 1 MiB (api/limits.ts), and its
 * line, with the JSON escapes and the metadata stored beside it, is far less than this.
 */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** A line longer than an export's lines can be, skipped as it was read: only its length is kept. */
export class OverlongLine {
  constructor(readonly bytes: number) {}
}

/**
 * The lines of a file read in chunks (LF, CRLF or CR ends; the last may have none), as UTF-8 text;
 * a line of more than `maxLineBytes` is answered as an `OverlongLine`, never held whole. A file of
 * one huge line (the export made a JSON array with jq -c -s, a disk image) otherwise filled memory,
 * and past 512 MiB ended in node:readline's "RangeError: Invalid string length" and a stack trace.
 */
export async function* exportLines(chunks: AsyncIterable<Uint8Array>, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<string | OverlongLine> {
  let parts: Uint8Array[] = [];
  let length = 0;
  let afterCR = false;
  const line = (): string | OverlongLine => {
    const text = length > maxLineBytes ? new OverlongLine(length) : Buffer.concat(parts, length).toString('utf8');
    parts = [];
    length = 0;
    return text;
  };
  const keep = (segment: Uint8Array) => {
    length += segment.length;
    if (length > maxLineBytes) parts = [];
    else if (segment.length > 0) parts.push(segment);
  };
  for await (const chunk of chunks) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    // The LF of a CRLF cut between two chunks: its CR already ended the line.
    if (afterCR && buf.length > 0 && buf[0] === 0x0a) start = 1;
    afterCR = false;
    let lf = buf.indexOf(0x0a, start);
    let cr = buf.indexOf(0x0d, start);
    for (;;) {
      if (lf !== -1 && lf < start) lf = buf.indexOf(0x0a, start);
      if (cr !== -1 && cr < start) cr = buf.indexOf(0x0d, start);
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(lf, cr);
      if (end === -1) break;
      keep(buf.subarray(start, end));
      yield line();
      start = end + 1;
      if (buf[end] === 0x0d) {
        if (start === buf.length) afterCR = true;
        else if (buf[start] === 0x0a) start++;
      }
    }
    if (start < buf.length) keep(buf.subarray(start));
  }
  if (length > 0) yield line();
}

/** Checks the lines of an export, in file order. */
export async function checkExport(lines: AsyncIterable<string | OverlongLine> | Iterable<string | OverlongLine>, options: CheckOptions = {}): Promise<ExportCheck> {
  const { onLine, expected } = options;
  const result: ExportCheck = { ok: true, lines: 0, caseEvents: 0, otherEvents: 0, cases: 0, trusted: [], failures: [], failuresFound: 0, withoutHashFields: false };
  /** By stream, its last line read: its revision, hash, the state it left the case in, and its line number. */
  const last = new Map<string, { revision: number; hash: string; stateAfter: unknown; line: number }>();
  /** The revision of the last holiday notice read, by notice stream. */
  const notices = new Map<string, number>();
  /** The position of the line before: an export is in log order, every position once. */
  let lastPosition: { position: number; line: number } | undefined;
  let n = 0;
  // Failures found (more than are listed), and of them the case lines that lack what their hash covers as an earlier export's did.
  let failed = 0;
  let lacking = 0;
  const fail = (caseId: string | null, revision: number | null, zh: string, en: string) => {
    result.ok = false;
    failed++;
    if (result.failures.length < MAX_FAILURES) result.failures.push({ line: n, caseId, revision, reason: { zh, en } });
  };
  for await (const read of lines) {
    n++;
    onLine?.(n);
    if (read instanceof OverlongLine) {
      result.lines++;
      const mib = MAX_LINE_BYTES / 1024 / 1024;
      fail(null, null, `这一行超过 ${mib} MiB（${read.bytes} 字节），不是审计导出的一行：导出每行一个事件`, `this line is over ${mib} MiB (${read.bytes} bytes): not a line of an audit export, which has one event a line`);
      continue;
    }
    // A byte-order mark an editor added (Windows Notepad saves UTF-8 with one) is not the export's.
    const text = n === 1 && read.charCodeAt(0) === 0xfeff ? read.slice(1) : read;
    if (text.trim() === '') continue;
    result.lines++;
    let line: Line;
    try {
      line = JSON.parse(text) as Line;
    } catch {
      fail(null, null, '不是有效的 JSON', 'not valid JSON');
      continue;
    }
    if (line === null || typeof line !== 'object' || Array.isArray(line)) {
      fail(null, null, '不是一个事件对象', 'not an event object');
      continue;
    }
    // A refusal saved in place of the export (a 403, a 401): the server's answer, not an event.
    const problem = line as { type?: unknown; status?: unknown; detail?: unknown };
    if (typeof problem.type === 'string' && problem.type.startsWith('urn:sd-open-data:problem:') && typeof problem.status === 'number') {
      const detail = typeof problem.detail === 'string' ? `：${problem.detail}` : '';
      fail(null, null, `这一行是接口的错误答复（${problem.status}${detail}），不是导出的事件`, `this line is an error answer of the API (${problem.status}), not an exported event`);
      continue;
    }
    // The case and revision the line says it is (as far as it does), for its failures: its stream's case
    // (machines/streams.ts), which a line copied into another case's stream does not name (compliance QA:
    // the report sent an auditor to the intact case it was copied from, as docs/verify_export.py does not).
    const caseId = typeof line.caseId === 'string' ? ((typeof line.stream === 'string' ? caseOfStream(line.stream)?.caseId : undefined) ?? line.caseId) : null;
    const revision = typeof line.revision === 'number' ? line.revision : null;
    const failHere = (zh: string, en: string) => fail(caseId, revision, zh, en);
    const position = (line as { position?: unknown }).position;
    // A position is a whole number from 0 on (the log's row): 11.5 is a line altered by hand.
    if (position !== undefined && !(typeof position === 'number' && Number.isSafeInteger(position) && position >= 0)) {
      failHere(`position ${JSON.stringify(position)} 不是非负整数：日志中的位置是从 0 起的整数`, `position ${JSON.stringify(position)} is not a whole number from 0 on, as positions in the log are`);
    } else if (typeof position === 'number') {
      if (lastPosition !== undefined && position <= lastPosition.position) {
        failHere(`position ${position} 不大于第 ${lastPosition.line} 行的 ${lastPosition.position}：导出按日志顺序排列，每个位置只出现一次`, `position ${position} is not after line ${lastPosition.line}'s ${lastPosition.position}: an export is in log order, each position once`);
      }
      lastPosition = { position, line: n };
    }
    if ((line as { unreadable?: unknown }).unreadable === true) {
      // The server could not read this event when it exported (projections/audit.ts UnreadableAuditLine).
      failHere('服务器导出时无法读取这一事件（存储内容已损坏或被改动），文件中只有它的位置', 'the server could not read this event when exporting (its stored content was damaged or altered): the file holds only where it was');
      continue;
    }
    if ((line as { missing?: unknown }).missing === true) {
      // The audit index filed this position in the period, and the log no longer holds it (projections/audit.ts MissingAuditLine).
      failHere('事件日志中已没有这一事件：审计索引登记过它，它此后从存储中被删除，文件中只有它的位置和时间', 'the log no longer holds this event: the audit index filed it, and it was deleted from the store since; the file holds only where and when it was');
      continue;
    }
    // A line naming no case at all is no export's (the case list, a report, saved under the name):
    // not an export of an earlier release, whose lines all named their case. As docs/verify_export.py says it.
    if (!('caseId' in line)) {
      fail(null, null, '没有 caseId：不是审计导出的行', 'no caseId: not a line of an audit export');
      continue;
    }
    if (line.caseId === null) {
      // Only the calendar's notices are not a case's (a case event shown as one would escape its chain).
      // A notice's line has no metadata (docs/AUDIT_EXPORT.md), as docs/verify_export.py checks.
      if (line.stream !== CALENDAR_STREAM || 'metadata' in line) {
        fail(null, null, '标为非案件事件，但不是节假日安排通知', 'marked as no case event, yet not a holiday notice');
        continue;
      }
      result.otherEvents++;
      if (position === undefined) fail(null, revision, '节假日安排通知缺少 position（事件在日志中的位置）', 'the holiday notice lacks its position in the log');
      // The notices are not hash-chained, but they are a stream of their own: one left out (every
      // deadline computed after it depends on it) leaves a gap in its revisions. (Each notice's
      // previousVersion is no check: a version covers the notices the loading release shipped too,
      // so after an upgrade that ships another year it differs from the notice before it.)
      const before = notices.get(line.stream);
      if (revision === null || !Number.isSafeInteger(revision) || revision < 0) {
        fail(null, revision, '节假日安排通知缺少版本号（revision）', 'the holiday notice lacks its revision');
      } else if (before !== undefined && revision <= before) {
        fail(null, revision, `节假日安排通知流 ${line.stream} 版本 ${revision} 的事件重复出现或次序颠倒（此前已有版本 ${before}）`, `notice revision ${revision} repeats or comes out of order (revision ${before} came before)`);
      } else {
        if (before !== undefined && revision !== before + 1) {
          fail(null, revision, `缺少节假日安排通知流 ${line.stream} 版本 ${before + 1} 的事件（前一个为版本 ${before}）`, `notice revision ${before + 1} is missing (the one before is revision ${before})`);
        }
        notices.set(line.stream, revision);
      }
      continue;
    }
    const { stream, id, type, metadata, hash, prevHash } = line;
    if (caseId === null || revision === null || typeof stream !== 'string' || typeof id !== 'string' || typeof type !== 'string' || !metadata || typeof metadata !== 'object') {
      fail(caseId, revision, '缺少重算哈希所需的字段（stream、revision、id、type、data、metadata）', 'lacks the fields its hash covers (stream, revision, id, type, data, metadata)');
      // An export of a release before 50d8d76 lacks what that commit added to each line: stream and
      // metadata (its lines had id and type). A line lacking only some of them was altered.
      if (line.stream === undefined && line.metadata === undefined) lacking++;
      continue;
    }
    if (position === undefined) fail(caseId, revision, '缺少 position（事件在日志中的位置）', 'lacks its position in the log');
    result.caseEvents++;
    const stored = metadata as Record<string, unknown>;
    const recomputed = eventHash({ streamId: stream, revision, id, type, data: line.data, metadata: stored });
    if (recomputed !== stored.hash || hash !== stored.hash || prevHash !== stored.prevHash) {
      fail(caseId, revision, '事件内容与其哈希不一致，可能被篡改', "the event's content does not match its hash: it may have been altered");
    } else if (expected) {
      const position = typeof (line as { position?: unknown }).position === 'number' ? (line as { position: number }).position : -1;
      const shown = expected({ streamId: stream, revision, position, id, type, data: line.data, metadata: stored });
      const differs = shown === undefined ? ['caseId'] : readableDifferences(line as Record<string, unknown>, shown as Record<string, unknown>);
      if (differs.length > 0) {
        fail(caseId, revision, `可读字段与已存储的事件不一致：${differs.join('、')}`, `readable fields differ from the stored event: ${differs.join(', ')}`);
      }
    }
    const before = last.get(stream);
    if (before === undefined) {
      result.cases++;
      if (revision === 0 && stored.prevHash !== GENESIS_HASH) fail(caseId, revision, '案件的第一个事件不是哈希链的起点', 'the first event of the case does not start the hash chain');
      if (revision > 0) result.trusted.push({ stream, revision });
    } else if (revision <= before.revision) {
      fail(caseId, revision, `版本 ${revision} 的事件重复出现或次序颠倒（此前已有版本 ${before.revision}）`, `revision ${revision} repeats or comes out of order (revision ${before.revision} came before)`);
      continue;
    } else if (revision !== before.revision + 1) {
      fail(caseId, revision, `缺少版本 ${before.revision + 1} 的事件（前一个为版本 ${before.revision}）`, `revision ${before.revision + 1} is missing (the one before is revision ${before.revision})`);
    } else {
      if (stored.prevHash !== before.hash) fail(caseId, revision, '与前一个事件的哈希不衔接', "does not chain to the previous event's hash");
      // A case's states chain too: an event begins where the one before it left the case (the engine
      // decides each command on the state its last event recorded, and verify replays it so). An event
      // rewritten to end elsewhere, every later hash computed again, otherwise passed the check.
      const stateBefore = stored.stateBefore ?? null;
      if (canonicalJson(stateBefore) !== canonicalJson(before.stateAfter)) {
        fail(
          caseId,
          revision,
          `起始状态（stateBefore）${stateText(stateBefore)} 与版本 ${before.revision} 的事件（第 ${before.line} 行）的结束状态（stateAfter）${stateText(before.stateAfter)} 不衔接`,
          `its state before (stateBefore), ${stateText(stateBefore)}, is not the state after (stateAfter) of revision ${before.revision} (line ${before.line}), ${stateText(before.stateAfter)}: the case's states do not chain`,
        );
      }
    }
    last.set(stream, { revision, hash: typeof stored.hash === 'string' ? stored.hash : '', stateAfter: stored.stateAfter ?? null, line: n });
  }
  result.withoutHashFields = result.caseEvents === 0 && lacking > 0 && lacking === failed;
  result.failuresFound = failed;
  // Nothing read is nothing verified: never "all consistent".
  if (result.lines === 0) {
    result.ok = false;
    result.failures.push({ line: 0, caseId: null, revision: null, reason: { zh: '文件中没有任何事件，没有可校验的内容', en: 'no event in it, nothing to verify' } });
    result.failuresFound = 1;
  }
  return result;
}

/** A state as a report names it: its name, or its JSON when it is not one (null, a number a forger wrote). */
function stateText(state: unknown): string {
  return typeof state === 'string' ? state : canonicalJson(state);
}

/** The fields of `line` that differ from what the stored event shows (`shown`), or that it adds. */
function readableDifferences(line: Record<string, unknown>, shown: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(line), ...Object.keys(shown)]);
  keys.delete('position'); // the log's position is not part of the event: nothing to check it against
  return [...keys].filter((key) => canonicalJson(line[key]) !== canonicalJson(shown[key])).sort();
}
