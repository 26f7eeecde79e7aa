/**
 * An audit export checked on its own, years later, without the server (`npm run verify-export`):
 * given an export, every hash is recomputed from the file and each case's events must chain; a
 * line changed or left out is named.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkExport as checkWith, exportLines, OverlongLine } from '../../engine/exportCheck.js';
import { auditLine } from '../../projections/audit.js';
import { actors, commandData, startInputs } from '../machines/examples.js';
import { actorOf } from '../projections/harness.js';
import { admin, notice2026, world, type World } from '../projections/harness.js';
import { testNotice2027 } from '../calendars/notice2027.js';
import { spawnText } from '../spawnText.js';
import { scriptCommand } from '../scripts/spawnScript.js';

let w: World;
let caseId: string;
let applicationId: string;
const whole = { from: '2025-11-01T00:00:00Z', to: '2026-01-01T00:00:00Z' };

beforeAll(async () => {
  w = await world({ start: '2025-11-03T01:30:00.000Z', without2026: true });
  caseId = (await w.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company })).caseId;
  applicationId = (await w.engine.start({ process: 'conditionalApplication', input: startInputs.conditionalApplication, actor: actors.company })).caseId;
  w.clock.set('2025-11-20T02:00:00.000Z');
  await w.calendar.load(notice2026, admin);
  w.clock.set('2025-11-21T02:00:00.000Z');
  await w.engine.execute({ caseId, type: 'RESPOND', data: commandData.objection.RESPOND, actor: actorOf(startInputs.objection.providerOrg, 'provider') });
  await w.engine.execute({ caseId: applicationId, type: 'PASS_NORMATIVE_REVIEW', data: {}, actor: actors.cityAuthority });
  await w.engine.execute({ caseId: applicationId, type: 'APPROVE', data: {}, actor: actors.provider });
});
afterAll(() => w.close());

/** The check as `npm run verify-export` makes it: hashes, chains, and each line's readable fields against its stored event. */
const checkExport = (lines: string[]) => checkWith(lines, { expected: (stored) => auditLine({ ...stored, created: '' }) });

async function exported(period: { from: string; to: string } = whole): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of w.models.exportEvents(period)) lines.push(line.trimEnd());
  return lines;
}

describe('checking an audit export without the server', () => {
  it('given the export of a period, then every line carries its stream, machine version and stored metadata, and every hash recomputes', async () => {
    const lines = await exported();
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({ caseId, stream: `objection-${caseId}`, machine: { name: 'objection', version: 1 }, metadata: { caseId, hash: first.hash } });
    expect(await checkExport(lines)).toEqual({ ok: true, lines: 6, caseEvents: 5, otherEvents: 1, cases: 2, trusted: [], failures: [], failuresFound: 0, withoutHashFields: false });
  });

  it('given the export saved by an editor with a byte-order mark, then it still checks', async () => {
    const lines = await exported();
    const saved = [`\uFEFF${lines[0]}`, ...lines.slice(1)];
    expect(await checkExport(saved)).toEqual({ ok: true, lines: 6, caseEvents: 5, otherEvents: 1, cases: 2, trusted: [], failures: [], failuresFound: 0, withoutHashFields: false });
  });

  it('given an export made before its lines carried what their hashes cover (no stream, id, type or metadata on any line), then it is told apart as unverifiable, not as a file found altered; one such line among others is a failure', async () => {
    const lines = await exported();
    const older = lines.map((l) => {
      const { stream: _stream, id: _id, type: _type, metadata: _metadata, ...kept } = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify(kept);
    });
    const caseLines = older.filter((l) => (JSON.parse(l) as { caseId: unknown }).caseId !== null);
    const check = await checkExport(caseLines);
    expect([check.ok, check.caseEvents, check.failures.length, check.withoutHashFields]).toEqual([false, 0, 5, true]);
    const one = await checkExport(lines.map((l, i) => (i === 3 ? older[3]! : l)));
    expect([one.ok, one.withoutHashFields]).toEqual([false, false]);
  });

  it('given a file of lines that name no case at all (the case list or a report saved as the export), then each is "not a line of an audit export", not an export of an earlier release', async () => {
    const check = await checkExport([JSON.stringify({ items: [{ caseId: '0c5b2d0e-6a1f-4c4e-9a53-1b2c3d4e5f60' }], nextCursor: null })]);
    expect([check.ok, check.withoutHashFields]).toEqual([false, false]);
    expect(check.failures.map((f) => f.reason.zh)).toEqual(['没有 caseId：不是审计导出的行']);
  });

  it('given a current export with a field its hashes cover taken off every case line (type), then it is a file found altered, not an earlier format: those exports lacked only stream and metadata', async () => {
    const lines = await exported();
    const altered = lines.map((l) => {
      const { type: _type, ...kept } = JSON.parse(l) as Record<string, unknown>;
      return (JSON.parse(l) as { caseId: unknown }).caseId === null ? l : JSON.stringify(kept);
    });
    const check = await checkExport(altered);
    expect([check.ok, check.withoutHashFields]).toEqual([false, false]);
  });

  it('given one event’s data changed in the file, then the check fails naming its line, case and revision', async () => {
    const lines = await exported();
    const tampered = lines.map((l, i) => (i === 3 ? l.replace('"outcome":"corrected"', '"outcome":"rejected"') : l));
    expect(tampered[3]).not.toBe(lines[3]);
    const result = await checkExport(tampered);
    expect(result.ok).toBe(false);
    expect(result.failures).toEqual([{ line: 4, caseId, revision: 1, reason: expect.objectContaining({ zh: '事件内容与其哈希不一致，可能被篡改' }) }]);
  });

  it('given a member named __proto__ added to one event’s data in the file, then the check fails naming it', async () => {
    const lines = await exported();
    const tampered = lines.map((l, i) => (i === 3 ? l.replace('"data":{', '"data":{"__proto__":{"outcome":"rejected"},') : l));
    expect(tampered[3]).not.toBe(lines[3]);
    const result = await checkExport(tampered);
    expect(result.ok).toBe(false);
    expect(result.failures).toEqual([expect.objectContaining({ line: 4, caseId, revision: 1 })]);
  });

  it('given a line whose readable fields were changed, or a case event hidden as another kind of line, then the check names it', async () => {
    const lines = await exported();
    const respond = JSON.parse(lines[3]!) as Record<string, unknown>;
    const forged = [...lines.slice(0, 3), JSON.stringify({ ...respond, actor: { sub: 'u-x', role: 'provider', org: '370200-gaj' }, stateAfter: 'handling' }), ...lines.slice(4)];
    expect((await checkExport(forged)).failures).toEqual([{ line: 4, caseId, revision: 1, reason: expect.objectContaining({ zh: '可读字段与已存储的事件不一致：actor、stateAfter' }) }]);
    const hidden = [...lines.slice(0, 3), JSON.stringify({ ...respond, caseId: null }), ...lines.slice(4)];
    expect((await checkExport(hidden)).failures).toEqual([{ line: 4, caseId: null, revision: null, reason: expect.objectContaining({ zh: '标为非案件事件，但不是节假日安排通知' }) }]);
  });

  it('given a period that starts after a case’s first event, then its first line is taken on trust; given an event left out inside the file, then the gap is named', async () => {
    const lines = await exported();
    // Without the objection's START: its RESPOND is the first line of its stream in the file.
    expect((await checkExport(lines.slice(1))).ok).toBe(true);
    // The application: START (line 2), PASS_NORMATIVE_REVIEW (5), APPROVE (6); PASS left out.
    const gap = lines.filter((_, i) => i !== 4);
    const result = await checkExport(gap);
    expect(result.failures).toEqual([{ line: 5, caseId: applicationId, revision: 2, reason: expect.objectContaining({ zh: '缺少版本 1 的事件（前一个为版本 0）' }) }]);
  });

  it('given a line repeated, or two lines swapped, or a position changed, then the check says which, not that an event is missing', async () => {
    const lines = await exported();
    const repeated = [...lines.slice(0, 5), lines[4]!, ...lines.slice(5)];
    expect((await checkExport(repeated)).failures).toEqual([
      { line: 6, caseId: applicationId, revision: 1, reason: expect.objectContaining({ zh: expect.stringMatching(/^position \d+ 不大于第 5 行的 \d+/) }) },
      { line: 6, caseId: applicationId, revision: 1, reason: expect.objectContaining({ zh: '版本 1 的事件重复出现或次序颠倒（此前已有版本 1）' }) },
    ]);
    const moved = lines.map((l, i) => (i === 3 ? JSON.stringify({ ...(JSON.parse(l) as object), position: 1 }) : l));
    expect((await checkExport(moved)).failures).toEqual([{ line: 4, caseId, revision: 1, reason: expect.objectContaining({ zh: expect.stringMatching(/^position 1 不大于第 3 行的 \d+：导出按日志顺序排列，每个位置只出现一次$/) }) }]);
  });

  it('given a position that is no whole number from 0 on (11.5, -3), then the check names the line: no log has such a row', async () => {
    const lines = await exported();
    for (const bad of [11.5, -3]) {
      const altered = lines.map((l, i) => (i === 3 ? JSON.stringify({ ...(JSON.parse(l) as { position: number }), position: bad }) : l));
      expect((await checkExport(altered)).failures).toEqual([
        { line: 4, caseId, revision: 1, reason: expect.objectContaining({ zh: `position ${bad} 不是非负整数：日志中的位置是从 0 起的整数` }) },
      ]);
    }
  });

  it('given an empty file, or a refusal saved in place of the export, then the check fails saying so, never "all consistent"', async () => {
    expect(await checkExport([])).toMatchObject({ ok: false, lines: 0, failures: [{ line: 0, reason: { zh: '文件中没有任何事件，没有可校验的内容' } }] });
    const refusal = JSON.stringify({ type: 'urn:sd-open-data:problem:FORBIDDEN', title: '无权操作', status: 403, code: 'FORBIDDEN', detail: '只有审计和管理员可以导出事件' });
    expect((await checkExport([refusal])).failures).toEqual([
      { line: 1, caseId: null, revision: null, reason: expect.objectContaining({ zh: '这一行是接口的错误答复（403：只有审计和管理员可以导出事件），不是导出的事件' }) },
    ]);
  });

  it('given a file with more problems than are listed (1,200 lines that are not JSON), then every one is counted, and npm run verify-export says how many there are, not how many it kept', async () => {
    const garbled = Array.from({ length: 1200 }, (_, i) => `not json ${i}`);
    const check = await checkExport(garbled);
    expect([check.ok, check.failures.length, check.failuresFound]).toEqual([false, 1000, 1200]);
    const file = join(w.dir, 'garbled.ndjson');
    writeFileSync(file, `${garbled.join('\n')}\n`);
    const failed = await spawnText(...scriptCommand('verifyExport.ts', [file, '--quiet']));
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain('发现 1200 处问题');
    expect(failed.stdout).toContain('……另有 1180 处');
  });

  it('given a file that is one line of more than 64 MiB (the export made a JSON array on one line, jq -c -s), when npm run verify-export checks it, then it names that line as too long, in Chinese, without holding it in memory or a stack trace, and exits 1', async () => {
    const lines = await exported();
    const file = join(w.dir, 'one-line.json');
    const line = `[${lines.join(',')}]`;
    writeFileSync(file, `${line.repeat(Math.ceil((64 * 1024 * 1024 + 1) / line.length))}\n${lines[0]}\n`);
    const run = await spawnText(...scriptCommand('verifyExport.ts', [file, '--quiet']));
    expect([run.status, run.stderr]).toEqual([1, '']);
    expect(run.stdout).toMatch(/^ {2}第 1 行：这一行超过 64 MiB（\d+ 字节），不是审计导出的一行：导出每行一个事件$/m);
    expect(run.stdout).toContain('已读取 2 行：案件事件 1 个');
  });

  it('given the lines of a file in chunks cut anywhere, with CRLF, CR or LF line ends and no newline at the end, then the lines are read as written, and one longer than the limit is named, not held', async () => {
    const bytes = Buffer.from('\uFEFF{"a":"甲"}\r\n{"b":1}\r{"c":2}\n\n0123456789abcde\n{"d":3}', 'utf8');
    const cut = async function* () {
      for (let i = 0; i < bytes.length; i += 3) yield bytes.subarray(i, i + 3);
    };
    const read: unknown[] = [];
    for await (const l of exportLines(cut(), 14)) read.push(l);
    expect(read).toEqual(['\uFEFF{"a":"甲"}', '{"b":1}', '{"c":2}', '', new OverlongLine(15), '{"d":3}']);
  });

  it('given the file, when npm run verify-export checks it, then it says so in Chinese and exits 0; tampered, it names the line and exits 1', async () => {
    const lines = await exported();
    const good = join(w.dir, 'audit.ndjson');
    writeFileSync(good, `${lines.join('\n')}\n`);
    const checked = await spawnText(...scriptCommand('verifyExport.ts', [good, '--quiet']));
    expect(checked.status, checked.stderr).toBe(0);
    expect(checked.stdout).toContain('全部哈希重算一致');
    const bad = join(w.dir, 'tampered.ndjson');
    writeFileSync(bad, `${lines.map((l, i) => (i === 0 ? l.replace('"ObjectionRaised"', '"ObjectionWithdrawn"') : l)).join('\n')}\n`);
    const failed = await spawnText(...scriptCommand('verifyExport.ts', [bad, '--quiet']));
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain(`第 1 行 案件 ${caseId} 版本 0 的事件（第 1 个）：事件内容与其哈希不一致，可能被篡改`);
    // A folder given for the file is said to be one, not "not found".
    const folder = await spawnText(...scriptCommand('verifyExport.ts', [w.dir, '--quiet']));
    expect([folder.status, folder.stderr]).toEqual([2, `${w.dir} 是文件夹：请给出审计导出文件（NDJSON）的路径\n`]);
  });

  it('given --lang en (as docs/verify_export.py takes it), when npm run verify-export checks the file, then the report, the help and its refusals are in English; without it, in Chinese, its help naming --lang', async () => {
    const lines = await exported();
    const good = join(w.dir, 'audit-en.ndjson');
    writeFileSync(good, `${lines.join('\n')}\n`);
    const cjk = /[\u4e00-\u9fff]/;
    const checked = await spawnText(...scriptCommand('verifyExport.ts', ['--lang', 'en', good, '--quiet']));
    expect([checked.status, checked.stderr]).toEqual([0, '']);
    expect(checked.stdout).toBe('Read 6 lines: 5 case events (2 cases), 1 other event.\nEvery hash recomputes, and the events of each case chain.\n');
    const bad = join(w.dir, 'tampered-en.ndjson');
    writeFileSync(bad, `${lines.map((l, i) => (i === 0 ? l.replace('"ObjectionRaised"', '"ObjectionWithdrawn"') : l)).join('\n')}\n`);
    const failed = await spawnText(...scriptCommand('verifyExport.ts', [bad, '--quiet', '--lang=en']));
    expect(failed.status).toBe(1);
    expect(failed.stdout).toMatch(new RegExp(`^ {2}line 1, case ${caseId}, the event of revision 0 \\(the 1st\\): `, 'm'));
    expect(failed.stdout).not.toMatch(cjk);
    const help = await spawnText(...scriptCommand('verifyExport.ts', ['--help', '--lang', 'en']));
    expect([help.status, help.stdout]).toEqual([0, expect.stringContaining('--lang en')]);
    expect(help.stdout).not.toMatch(cjk);
    const zhHelp = await spawnText(...scriptCommand('verifyExport.ts', ['-h']));
    expect([zhHelp.status, zhHelp.stdout]).toEqual([0, expect.stringMatching(/^用法：.*--lang en/s)]);
    const refused = await spawnText(...scriptCommand('verifyExport.ts', [good, '--lang', 'fr']));
    expect([refused.status, refused.stdout]).toEqual([2, '']);
    expect(refused.stderr).toMatch(/^参数有误：--lang 只能是 zh 或 en/);
  });
});

describe('checking the holiday notices of an audit export without the server', () => {
  let cw: World;
  beforeAll(async () => {
    cw = await world({ start: '2026-11-20T02:00:00.000Z', without2026: true });
    await cw.calendar.load(notice2026, admin);
    cw.clock.set('2026-11-21T02:00:00.000Z');
    await cw.calendar.load(testNotice2027, admin);
    cw.clock.set('2026-11-23T02:00:00.000Z');
    // The same year's notice as corrected: a new calendar version, the third notice of the stream.
    await cw.calendar.load({ ...testNotice2027, notice: '国办发明电〔2026〕Y号（测试数据）' }, admin);
  });
  afterAll(() => cw.close());

  const notices = async (): Promise<string[]> => {
    const lines: string[] = [];
    for await (const line of cw.models.exportEvents({ from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' })) lines.push(line.trimEnd());
    return lines;
  };

  it('given three notices loaded, when the middle one is left out of the file, then the check names the gap: every deadline computed after it depends on it', async () => {
    const lines = await notices();
    expect(lines.map((l) => (JSON.parse(l) as { revision: number }).revision)).toEqual([0, 1, 2]);
    expect(await checkExport(lines)).toMatchObject({ ok: true, otherEvents: 3, failures: [] });
    const left = [lines[0]!, lines[2]!];
    expect((await checkExport(left)).failures).toEqual([
      { line: 2, caseId: null, revision: 2, reason: expect.objectContaining({ zh: '缺少节假日安排通知流 calendar-notices 版本 1 的事件（前一个为版本 0）' }) },
    ]);
  });

  it('given the notices of a later period only, then the first is taken on trust, as a case’s first line is', async () => {
    const lines = await notices();
    expect((await checkExport(lines.slice(1))).ok).toBe(true);
  });
});

describe('an event of the log that is neither a case’s nor a holiday notice, in a period exported and checked without the server', () => {
  // README "Audit": the export has the case events the auditor may see and every holiday notice —
  // what the audit trail is and verify-export can check. Another system stream (here one a later
  // build might keep, with an `at` in its metadata) is neither: no hash chain, no meaning this build
  // knows, no rule for who may read it.
  let ow: World;
  let announcement: number;
  const period = { from: '2025-11-01T00:00:00Z', to: '2025-12-01T00:00:00Z' };
  beforeAll(async () => {
    ow = await world({ start: '2025-11-03T01:30:00.000Z', without2026: true });
    await ow.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company });
    ow.clock.set('2025-11-10T02:00:00.000Z');
    announcement = (
      await ow.store.appendToStream('platform-announcements', [
        { id: '6d1f8a52-4c1e-4a57-9b7e-3f2b1c0d9e11', type: 'AnnouncementPublished', data: { text: '系统维护通知' }, metadata: { actor: admin, at: '2025-11-10T02:00:00.000Z' } },
      ])
    ).position;
    ow.clock.set('2025-11-20T02:00:00.000Z');
    await ow.calendar.load(notice2026, admin);
    ow.clock.set('2025-11-21T02:00:00.000Z');
    await ow.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company });
  });
  afterAll(() => ow.close());

  const exportOf = async (options: Parameters<World['models']['exportEvents']>[0]): Promise<string[]> => {
    const lines: string[] = [];
    for await (const line of ow.models.exportEvents(options)) lines.push(line.trimEnd());
    return lines;
  };
  const types = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { type: string }).type);

  it('given the period exported by an admin, when it is checked offline, then it holds the case events and the notice only, and every line checks: nothing was tampered with', async () => {
    const lines = await exportOf(period);
    expect(await checkExport(lines)).toEqual({ ok: true, lines: 3, caseEvents: 2, otherEvents: 1, cases: 2, trusted: [], failures: [], failuresFound: 0, withoutHashFields: false });
    expect(types(lines)).toEqual(['ObjectionRaised', 'HolidayNoticeLoaded', 'ObjectionRaised']);
  });

  it('given an auditor of another region, who sees neither case, then the notice is all the export gives them', async () => {
    expect(types(await exportOf({ ...period, visibleTo: { role: 'auditor', org: '370200-dsj' } }))).toEqual(['HolidayNoticeLoaded']);
  });

  it('the audit trail does not index it, before or after a rebuild', async () => {
    const indexed = () => ow.models.db.prepare('SELECT count(*) FROM audit_index WHERE position = ?').pluck().get(announcement);
    expect(indexed()).toBe(0);
    await ow.models.rebuild('audit');
    expect(indexed()).toBe(0);
    expect(types(await exportOf(period))).toEqual(['ObjectionRaised', 'HolidayNoticeLoaded', 'ObjectionRaised']);
  });
});
