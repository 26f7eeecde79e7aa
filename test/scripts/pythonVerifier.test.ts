/**
 * docs/verify_export.py, the auditors' reference of docs/AUDIT_EXPORT.md (Python 3, standard library
 * only), written from that page without the code: given a real export of every process, it finds it
 * whole; given the file tampered with in any of the ways an auditor would try, it reaches the verdict
 * `npm run verify-export` reaches (engine/exportCheck.ts). A change to what a hash covers or to what
 * a line shows, made in the code alone, fails here until the page and its reference say it too.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkExport, exportLines } from '../../engine/exportCheck.js';
import { canonicalJson, eventHash } from '../../engine/hashChain.js';
import { auditLine } from '../../projections/audit.js';
import { actors, startInputs } from '../machines/examples.js';
import { drive, world, type World } from '../projections/harness.js';
import { spawnText } from '../spawnText.js';
import { python3 } from '../python.js';
import { ROOT } from './spawnScript.js';

const REFERENCE = join(ROOT, 'docs/verify_export.py');
/**
 * For a test that starts Python a few dozen times, one after another: 15 s alone, 45–63 s in a full
 * run beside other work on a 2-core host (through pyenv's shim; see test/python.ts), where one ran
 * past the default 60 s.
 */
const MANY_STARTS_MS = 180_000;
/** Text an applicant may send that a careless canonical form gets wrong: a line separator, an emoji, escapes. */
const AWKWARD = '第二行\u2028第三段\u2029 😀 🧑‍🌾 "引号" \\ 反斜杠\t制表\n换行 \uFEFF é';

let w: World;
let lines: string[];

beforeAll(async () => {
  w = await world({ start: '2025-11-03T01:30:00.000Z', without2026: true });
  await w.engine.start({ process: 'objection', input: { ...startInputs.objection, description: AWKWARD, evidence: [AWKWARD] }, actor: actors.company });
  // This seed's drive re-states a deadline when the notice is loaded and fires a use period's end.
  await drive(w, { commands: 300, seed: 11, loadNoticeAt: '2025-12-15T00:00:00.000Z' });
  lines = [];
  for await (const line of w.models.exportEvents({ from: '2025-01-01T00:00:00Z', to: '2030-01-01T00:00:00Z' })) lines.push(line.trimEnd());
}, 60_000);
afterAll(() => w.close());

const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, any>);

/** The reference's exit code on these lines, written as a file. */
async function reference(name: string, file: string[], args: string[] = []): Promise<number | null> {
  const path = join(w.dir, `${name}.ndjson`);
  writeFileSync(path, file.map((l) => `${l}\n`).join(''));
  const ran = await spawnText(await python3(), [REFERENCE, path, ...args]);
  expect(ran.error, 'python3 is on every machine of this project (machines/node)').toBeUndefined();
  return ran.status;
}

/**
 * The export with the `stateAfter` of line `i` (metadata and line) rewritten to `state`, and every later
 * hash of its case computed again, each prevHash following: what a forger who can hash does.
 */
function statesRewritten(events: Record<string, any>[], i: number, state: string): string[] {
  const copy = structuredClone(events);
  const stream = copy[i]!.stream as string;
  let prev: string | undefined;
  copy.forEach((e, j) => {
    if (j < i || e.stream !== stream) return;
    if (j === i) e.metadata.stateAfter = e.stateAfter = state;
    if (prev !== undefined) e.metadata.prevHash = e.prevHash = prev;
    e.metadata.hash = e.hash = eventHash({ streamId: e.stream, revision: e.revision, id: e.id, type: e.type, data: e.data, metadata: e.metadata });
    prev = e.hash;
  });
  return copy.map((e) => JSON.stringify(e));
}

/** A case line that moved its case (stateBefore → another stateAfter) and the line of its case's next revision after it. */
function movedThenNext(events: Record<string, any>[]): [number, number] {
  for (const [i, e] of events.entries()) {
    if (!e.caseId || e.stateBefore === null || e.stateBefore === e.stateAfter) continue;
    const next = events.findIndex((n, j) => j > i && n.stream === e.stream);
    if (next !== -1 && events[next]!.revision === e.revision + 1) return [i, next];
  }
  throw new Error('no case line that moved its case with its next revision in the file');
}

/** A file's bytes as the chunks of a read stream (one). */
async function* once(chunk: Uint8Array) {
  yield chunk;
}

/** `npm run verify-export`'s verdict on the same lines, as scripts/verifyExport.ts checks them: 0 whole, 1 not, 2 an earlier format. */
async function verifyExport(file: string[]): Promise<number> {
  const text = Buffer.from(file.map((l) => `${l}\n`).join(''));
  const check = await checkExport(exportLines(once(text)), { expected: (stored) => auditLine({ ...stored, created: '' }) });
  return check.withoutHashFields ? 2 : check.ok ? 0 : 1;
}

describe('the Python reference of docs/AUDIT_EXPORT.md, on an export of every process', () => {
  it('given the export, then it holds case events of all five processes, system events, re-stated deadlines and a holiday notice', () => {
    const events = parsed();
    expect(new Set(events.map((e) => e.process).filter(Boolean))).toEqual(new Set(['datasetRelease', 'conditionalApplication', 'unopenedDataRequest', 'listAdjustment', 'objection']));
    expect(events.some((e) => e.caseId === null && e.type === 'HolidayNoticeLoaded')).toBe(true);
    expect(events.some((e) => e.deadlines?.restated.length > 0)).toBe(true);
    expect(events.some((e) => e.actor?.role === 'system')).toBe(true);
    expect(lines.some((l) => l.includes('\u2028'))).toBe(true);
  });

  it('given the export as the server wrote it, then it finds every hash, chain and readable field as stored, and exits 0', async () => {
    expect(await verifyExport(lines)).toBe(0);
    expect(await reference('whole', lines)).toBe(0);
  });

  it('given the export, then the one line of Python docs/AUDIT_EXPORT.md offers (json.dumps, keys sorted, no spaces, no ASCII escapes) hashes every case event as stored', async () => {
    const path = join(w.dir, 'plain.ndjson');
    writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
    const script = [
      'import hashlib, json, sys',
      'bad = 0',
      'for text in open(sys.argv[1], encoding="utf-8").read().split("\\n"):',
      '    e = json.loads(text) if text else {}',
      '    if not e.get("caseId"): continue',
      '    m = {k: v for k, v in e["metadata"].items() if k != "hash"}',
      '    value = {"streamId": e["stream"], "revision": e["revision"], "id": e["id"], "type": e["type"], "data": e["data"], "metadata": m}',
      '    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")',
      '    bad += hashlib.sha256(canonical).hexdigest() != e["metadata"]["hash"]',
      'print(bad)',
    ].join('\n');
    const ran = await spawnText(await python3(), ['-c', script, path]);
    expect([ran.stderr, ran.stdout]).toEqual(['', '0\n']);
  });

  it('given a line tampered with, then the report names it in Chinese (the house’s language), and in English with --lang en', async () => {
    const events = parsed();
    const k = events.findIndex((e) => e.caseId);
    const tampered = events.map((e, i) => JSON.stringify(i === k ? { ...e, data: { ...e.data, note: '改过' } } : e));
    const path = join(w.dir, 'language.ndjson');
    writeFileSync(path, tampered.map((l) => `${l}\n`).join(''));
    const zh = await spawnText(await python3(), [REFERENCE, path]);
    expect(zh.status).toBe(1);
    expect(zh.stdout).toContain(`不符 第 ${k + 1} 行：`);
    expect(zh.stdout).toMatch(/处不符\n$/);
    expect(zh.stdout).not.toMatch(/FAIL|problems/);
    const en = await spawnText(await python3(), [REFERENCE, path, '--lang', 'en']);
    expect(en.status).toBe(1);
    expect(en.stdout).toContain(`FAIL line ${k + 1}: `);
    expect(en.stdout).toMatch(/ problems\n$/);
  });

  it('given an event the log no longer holds (a missing line, projections/audit.ts: deleted from the store after the trail filed it), then it names that line as deleted, in Chinese and English, and exits 1 as npm run verify-export does', async () => {
    const events = parsed();
    const k = events.findIndex((e) => e.caseId);
    const gone = events[k]!;
    const file = events.map((e, i) => JSON.stringify(i === k ? { missing: true, caseId: gone.caseId, position: gone.position, at: gone.at, reason: '事件日志中已没有这一事件' } : e));
    const path = join(w.dir, 'missing.ndjson');
    writeFileSync(path, file.map((l) => `${l}\n`).join(''));
    const zh = await spawnText(await python3(), [REFERENCE, path]);
    expect(zh.status).toBe(1);
    expect(zh.stdout).toContain(`不符 第 ${k + 1} 行：事件日志中已没有这一事件（${gone.at} 被接受）`);
    const en = await spawnText(await python3(), [REFERENCE, path, '--lang', 'en']);
    expect(en.stdout).toContain(`FAIL line ${k + 1}: the log no longer holds this event (accepted ${gone.at})`);
    expect(await verifyExport(file)).toBe(1);
  });

  it('given a line whose stored metadata’s actor, machine and tasks opened are not what the engine writes (text), then it names the line and exits 1, without a traceback (QA: AttributeError)', async () => {
    const events = parsed();
    const k = events.findIndex((e) => e.caseId);
    const file = events.map((e, i) => JSON.stringify(i === k ? { ...e, metadata: { ...e.metadata, actor: '某人', machine: 'x', tasksOpened: 'abc' } } : e));
    const path = join(w.dir, 'actor-text.ndjson');
    writeFileSync(path, file.map((l) => `${l}\n`).join(''));
    const zh = await spawnText(await python3(), [REFERENCE, path]);
    expect([zh.status, zh.stderr]).toEqual([1, '']);
    expect(zh.stdout).toContain(`不符 第 ${k + 1} 行：`);
    expect(await verifyExport(file)).toBe(1);
  });

  it('given the language as argparse also takes it (--lan en, --lang=en, or --lang en then --lang zh), then the report is in the language argparse settled on, as before the command line was told in Chinese', async () => {
    const path = join(w.dir, 'abbreviated.ndjson');
    writeFileSync(path, '{not json\n');
    const english = /^FAIL line 1: not JSON/;
    const chinese = /^不符 第 1 行：不是有效的 JSON/;
    for (const [args, said] of [
      [['--lan', 'en'], english],
      [['--la=en'], english],
      [['--lang=en'], english],
      [['--lang', 'en', '--lang', 'zh'], chinese],
      [['--lang', 'zh', '--lang', 'en'], english],
    ] as const) {
      const ran = await spawnText(await python3(), [REFERENCE, path, ...args]);
      expect([ran.status, ran.stdout], args.join(' ')).toEqual([1, expect.stringMatching(said)]);
    }
  });

  it('given no file, an unknown argument, a bad period, --help, a missing file, a folder, a line not JSON or bytes not UTF-8, then it says so in Chinese; in English with --lang en', async () => {
    // argparse's own words (usage:, error:, the following arguments are required) and Python's
    // (No such file or directory, Expecting value, codec can't decode) were English around Chinese.
    const english = /usage|error|required|unrecognized|invalid choice|show this help|No such file|Is a directory|Expecting|codec|byte/i;
    const notJson = join(w.dir, 'notJson.ndjson');
    writeFileSync(notJson, `${lines[0]}\n{not json\n`);
    const notUtf8 = join(w.dir, 'notUtf8.ndjson');
    writeFileSync(notUtf8, Buffer.from([0x7b, 0xff, 0x7d, 0x0a]));
    const runs: [string[], number, RegExp][] = [
      [[], 2, /^用法：.*\n参数有误：缺少参数 导出文件\n$/s],
      [[notJson, 'extra'], 2, /参数有误：不认识的参数 extra\n$/],
      [[notJson, '--lang', 'fr'], 2, /参数有误：参数 --lang 的值 fr 无效，可选：zh、en\n$/],
      [[notJson, '--from', 'yesterday', '--to', '2030-01-01T00:00:00Z'], 2, /参数有误：--from yesterday：不是带时区偏移的时刻/],
      [['--help'], 0, /^用法：.*只凭文件本身核验审计导出/s],
      [[join(w.dir, 'none.ndjson')], 2, /^找不到文件：.*none\.ndjson\n$/],
      [[w.dir], 2, /是文件夹：请给出审计导出文件（NDJSON）的路径\n$/],
      [[notJson], 1, /^不符 第 2 行：不是有效的 JSON（第 2 个字符处）\n/],
      // A file to fix, not a verdict: exit 2, as npm run verify-export says of it.
      [[notUtf8], 2, /^文件不是 UTF-8 文本：第 2 个字节（0xff）无法按 UTF-8 读取（可能被另存为 GBK 等其他编码）：请校验导出时得到的原始文件\n/],
    ];
    for (const [args, status, said] of runs) {
      const zh = await spawnText(await python3(), [REFERENCE, ...args]);
      expect([zh.status, zh.stdout + zh.stderr], args.join(' ')).toEqual([status, expect.stringMatching(said)]);
      expect(zh.stdout + zh.stderr, args.join(' ')).not.toMatch(english);
      // A language it does not know is told in the default one.
      if (args.includes('fr')) continue;
      const en = await spawnText(await python3(), [REFERENCE, ...args, '--lang', 'en']);
      expect(en.status, `${args.join(' ')} --lang en`).toBe(status);
      expect(en.stdout + en.stderr, `${args.join(' ')} --lang en`).not.toMatch(/\p{Script=Han}/u);
    }
  }, MANY_STARTS_MS);

  it('given the period asked for, then every line’s at is in it; given a narrower one, then the lines outside it are named', async () => {
    expect(await reference('period', lines, ['--from', '2025-01-01T00:00:00.000Z', '--to', '2030-01-01T00:00:00.000Z'])).toBe(0);
    expect(await reference('narrower', lines, ['--from', '2025-12-01T00:00:00.000Z', '--to', '2030-01-01T00:00:00.000Z'])).toBe(1);
  });

  it('given the period as the README’s curl writes it (no milliseconds) or in Beijing time, then it is the same instants: no line in it is named', async () => {
    // The earliest line's second, as `from=2026-01-01T00:00:00Z` writes one: compared as text,
    // `…:00.123Z` sorted before `…:00Z` and every line of that second was "outside the period".
    const first = parsed()
      .map((e) => e.at as string)
      .sort()[0]!;
    const second = `${first.slice(0, 19)}Z`;
    expect(await reference('noMillis', lines, ['--from', second, '--to', '2030-01-01T00:00:00Z'])).toBe(0);
    const beijing = (iso: string) => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().replace('Z', '+08:00');
    expect(await reference('beijing', lines, ['--from', beijing(first), '--to', '2030-01-01T08:00:00+08:00'])).toBe(0);
    expect(await reference('beijingLater', lines, ['--from', beijing(new Date(Date.parse(first) + 1).toISOString()), '--to', '2030-01-01T08:00:00+08:00'])).toBe(1);
  });

  // Mutation QA (pass 2): the period is [from, to) everywhere; a line stamped at `to` belongs to the next export.
  it('given a period ending at the last line’s instant, then that line is named as outside it; a millisecond later, none is', async () => {
    const ats = parsed().map((e) => e.at as string);
    const last = ats.sort()[ats.length - 1]!;
    const first = ats[0]!;
    expect(await reference('endsAtLast', lines, ['--from', first, '--to', last])).toBe(1);
    expect(await reference('endsAfterLast', lines, ['--from', first, '--to', new Date(Date.parse(last) + 1).toISOString()])).toBe(0);
  });

  it('given the file tampered with, cut, reordered or re-saved, then it reaches the verdict npm run verify-export reaches', async () => {
    const events = parsed();
    const dump = (e: unknown) => JSON.stringify(e);
    const at = (i: number, change: (e: Record<string, any>) => void) =>
      events.map((e, j) => {
        if (j !== i) return dump(e);
        const copy = structuredClone(e);
        change(copy);
        return dump(copy);
      });
    const caseLines = events.flatMap((e, i) => (e.caseId ? [i] : []));
    const byStream = new Map<string, number[]>();
    for (const i of caseLines) byStream.set(events[i]!.stream, [...(byStream.get(events[i]!.stream) ?? []), i]);
    const long = [...byStream.values()].sort((a, b) => b.length - a.length)[0]!;
    const withTasks = caseLines.find((i) => events[i]!.deadlines.opened.length > 0)!;
    const notice = events.findIndex((e) => e.caseId === null);
    const k = caseLines[3]!;
    const [moved] = movedThenNext(events);
    // A forger who rewrote one event and hashed the rest of its case again: a file alone cannot tell.
    const forged = structuredClone(events);
    let prev: string | undefined;
    for (const i of long) {
      const e = forged[i]!;
      if (i === long[1]) e.data = { forged: true };
      if (prev !== undefined) e.metadata.prevHash = e.prevHash = prev;
      e.metadata.hash = e.hash = eventHash({ streamId: e.stream, revision: e.revision, id: e.id, type: e.type, data: e.data, metadata: e.metadata });
      prev = e.metadata.hash;
    }
    const variants: Record<string, string[]> = {
      'data changed': at(k, (e) => (e.data = { ...e.data, added: 1 })),
      'stored time changed': at(k, (e) => (e.metadata.at = '2020-01-01T00:00:00.000Z')),
      'readable time changed': at(k, (e) => (e.at = '2020-01-01T00:00:00.000Z')),
      'actor renamed on the line': at(k, (e) => (e.actor.name = '别人')),
      'deadline moved on the line': at(withTasks, (e) => (e.deadlines.opened[0].dueAt = '2099-01-01T00:00:00.000Z')),
      'field added to the line': at(k, (e) => (e.note = '补记')),
      'machine version changed on the line': at(k, (e) => (e.machine.version = 99)),
      'correlationId taken off the line': at(k, (e) => delete e.correlationId),
      'position not whole': at(k, (e) => (e.position += 0.5)),
      'prevHash changed on the line': at(k, (e) => (e.prevHash = 'f'.repeat(64))),
      'member __proto__ added to data': events.map((e, j) => (j === k ? dump(e).replace('"data":{', '"data":{"__proto__":{"x":1},') : dump(e))),
      'case event marked as a notice': at(k, (e) => (e.caseId = null)),
      'event left out': events.filter((_, j) => j !== long[1]).map(dump),
      'two lines swapped': events.map((e, j) => dump(j === long[0] ? events[long[1]!] : j === long[1] ? events[long[0]!] : e)),
      'line repeated': [...events.slice(0, long[1]! + 1), events[long[1]!], ...events.slice(long[1]! + 1)].map(dump),
      'notice changed': at(notice, (e) => (e.data.notice.holidays = [])),
      'notice given metadata': at(notice, (e) => (e.metadata = {})),
      'notice position written as text': at(notice, (e) => (e.position = String(e.position))),
      'notice without its position': at(notice, (e) => delete e.position),
      'first line cut': events.slice(1).map(dump),
      'a whole case left out': events.filter((_, j) => !long.includes(j)).map(dump),
      'one case forged and hashed again': forged.map(dump),
      'a state rewritten and every later hash of its case computed again': statesRewritten(events, moved, events[moved]!.stateBefore),
      'saved by Windows Notepad (BOM, CRLF)': events.map((e, j) => `${j === 0 ? '\uFEFF' : ''}${dump(e)}\r`),
      'written with ASCII escapes (json.dumps)': lines.map((l) => l.replace(/[^\x20-\x7e]/g, (u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`)),
      'pretty-printed': [JSON.stringify(events[0], null, 2), ...events.slice(1).map(dump)],
      'a refusal saved in its place': ['{"type":"urn:sd-open-data:problem:FORBIDDEN","title":"无权执行此操作","status":403,"code":"FORBIDDEN","detail":"只有审计和管理员可以导出事件"}'],
      'empty': [],
      'an export of a release before its lines carried stream and metadata': events.filter((e) => e.caseId).map(({ stream: _s, metadata: _m, ...kept }) => dump(kept)),
    };
    const verdicts: Record<string, [number | null, number]> = {};
    for (const [name, file] of Object.entries(variants)) verdicts[name] = [await reference(name.replace(/\W+/g, '-'), file), await verifyExport(file)];
    const disagree = Object.entries(verdicts).filter(([, [python, node]]) => python !== node);
    expect(disagree).toEqual([]);
    // And the verdicts themselves, as docs/AUDIT_EXPORT.md states them.
    const passes = Object.entries(verdicts).flatMap(([name, [python]]) => (python === 0 ? [name] : []));
    expect(passes.sort()).toEqual(['a whole case left out', 'first line cut', 'notice changed', 'one case forged and hashed again', 'saved by Windows Notepad (BOM, CRLF)', 'written with ASCII escapes (json.dumps)'].sort());
    expect(verdicts['an export of a release before its lines carried stream and metadata']![0]).toBe(2);
  }, MANY_STARTS_MS);

  it('given an event’s stateAfter rewritten and every later hash of its case computed again, then it names the case’s next line, both revisions, their lines and both states, in Chinese or with --lang en in English, and exits 1 as npm run verify-export does; with that next line outside the file, the states are not compared', async () => {
    const events = parsed();
    const [i, next] = movedThenNext(events);
    const e = events[i]!;
    // As if the command had left the case where it was: the next event still begins where it truly went.
    const file = statesRewritten(events, i, e.stateBefore);
    const path = join(w.dir, 'states-rewritten.ndjson');
    writeFileSync(path, file.map((l) => `${l}\n`).join(''));
    const zh = await spawnText(await python3(), [REFERENCE, path]);
    expect(zh.status).toBe(1);
    expect(zh.stdout).toContain(`不符 第 ${next + 1} 行：${e.stream} 版本 ${e.revision + 1}：stateBefore ${e.stateAfter} 不是版本 ${e.revision}（第 ${i + 1} 行）的 stateAfter ${e.stateBefore}，案件状态前后不衔接\n`);
    expect(zh.stdout).toMatch(/；1 处不符\n$/);
    const en = await spawnText(await python3(), [REFERENCE, path, '--lang', 'en']);
    expect(en.status).toBe(1);
    expect(en.stdout).toContain(`FAIL line ${next + 1}: ${e.stream} revision ${e.revision + 1}: stateBefore ${e.stateAfter} is not the stateAfter ${e.stateBefore} of revision ${e.revision} (line ${i + 1}): the case's states do not chain\n`);
    expect(await verifyExport(file)).toBe(1);
    // The period ends before the case's next event: nothing in the file follows the rewritten state.
    expect([await reference('states-rewritten-cut', file.slice(0, next)), await verifyExport(file.slice(0, next))]).toEqual([0, 0]);
  });

  it('given a file whose cases begin at later revisions (their first lines cut), then both tools pass it and list the same cases as taken on trust (采信), npm run verify-export too', async () => {
    const events = parsed();
    const firstOf = new Map<string, number>();
    events.forEach((e, i) => e.caseId && e.revision === 0 && firstOf.set(e.stream, i));
    // Cases with more lines than the one cut.
    const cut = [...firstOf.entries()].filter(([stream]) => events.some((e) => e.stream === stream && e.revision === 1)).slice(0, 3);
    const file = events.filter((_, i) => !cut.some(([, j]) => j === i)).map((e) => JSON.stringify(e));
    const check = await checkExport(exportLines(once(Buffer.from(file.map((l) => `${l}\n`).join('')))));
    expect(check.ok).toBe(true);
    const trusted = check.trusted.map((c) => `${c.stream} 自版本 ${c.revision} 起`).sort();
    expect(trusted).toEqual(cut.map(([stream]) => `${stream} 自版本 1 起`).sort());
    const path = join(w.dir, 'first-lines-cut.ndjson');
    writeFileSync(path, file.map((l) => `${l}\n`).join(''));
    const python = await spawnText(await python3(), [REFERENCE, path]);
    expect(python.status).toBe(0);
    expect([...python.stdout.matchAll(/予以采信：(\S+ 自版本 \d+ 起)/g)].map((m) => m[1]).sort()).toEqual(trusted);
    const node = await spawnText(process.execPath, ['--import', 'tsx', 'scripts/verifyExport.ts', path], { cwd: ROOT });
    expect(node.status).toBe(0);
    expect([...node.stdout.matchAll(/^ {2}采信 (\S+ 自版本 \d+ 起)$/gm)].map((m) => m[1]).sort()).toEqual(trusted);
  }, MANY_STARTS_MS);

  it('given a deadline whose count starts later than its stage (countsFrom, v3 on), then the reference shows the event as the server does: countsFrom on the deadline where the event has it, not elsewhere', async () => {
    const stored = parsed().find((e) => e.caseId && e.metadata.tasksOpened?.length > 0)!;
    const withStart = { ...stored.metadata, tasksOpened: stored.metadata.tasksOpened.map((t: object, i: number) => (i === 0 ? { ...t, countsFrom: '2026-01-05' } : t)) };
    for (const metadata of [stored.metadata, withStart]) {
      const server = auditLine({ streamId: stored.stream, revision: stored.revision, position: stored.position, id: stored.id, type: stored.type, data: stored.data, metadata, created: '' })!;
      const script = 'import json, sys, importlib.util as u\nspec = u.spec_from_file_location("v", sys.argv[1]); v = u.module_from_spec(spec); spec.loader.exec_module(v)\nprint(json.dumps(v.shown(json.loads(sys.argv[2]))["deadlines"], ensure_ascii=False))';
      const ran = await spawnText(await python3(), ['-c', script, REFERENCE, JSON.stringify(metadata)]);
      expect(ran.status, ran.stderr).toBe(0);
      expect(JSON.parse(ran.stdout)).toEqual(JSON.parse(JSON.stringify(server.deadlines)));
    }
  });

  it('given keys JavaScript orders apart from a plain sort (array indices, characters past U+FFFF) and numbers of every form, then its canonical JSON is the engine’s to the byte', async () => {
    const value = { b: 1, '10': 2, '2': [3, 0.1, 1e21, 1.5e-7, -0, 123456789012, 1e16], '!': 4, é: 5, '😀': 6, '\uFF01': 7, '01': 8, '4294967295': 9, '4294967294': { z: null, a: true } };
    const ran = await spawnText(await python3(), [
      '-c',
      'import json, sys; sys.path.insert(0, sys.argv[1]); import verify_export as v; sys.stdout.write(v.canonical_json(json.loads(sys.argv[2])))',
      join(ROOT, 'docs'),
      JSON.stringify(value),
    ]);
    expect(ran.stderr).toBe('');
    expect(ran.stdout).toBe(canonicalJson(value));
  });
});
