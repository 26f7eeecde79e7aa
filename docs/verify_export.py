#!/usr/bin/env python3
"""Checks an audit export (GET /v1/audit/export, NDJSON) from the file alone.

The reference for auditors of docs/AUDIT_EXPORT.md: Python 3 and its standard library only, written
from that page, and held to the same verdicts as `npm run verify-export` by test/scripts/pythonVerifier.test.ts.

    python3 verify_export.py events.ndjson [--from 2026-01-01T00:00:00.000Z --to 2026-07-01T00:00:00.000Z]

Exit 0: every check holds. 1: something does not (each named on stdout, 不符 ...). 2: the file cannot
be checked (not readable; or an export of a release before its lines carried what their hashes cover).
The report, the help and the refusals of the command line are in Chinese; `--lang en` writes them in English.
"""
import argparse
import errno
import hashlib
import json
import sys
from datetime import datetime

GENESIS = "0" * 64
NOTICE_STREAM = "calendar-notices"
TASK_FIELDS = ("stage", "label", "role", "org", "enteredAt", "dueAt", "dueDate", "basis", "provisional", "calendarVersion")


def opened_task(task):
    """A deadline opened, as the line shows it: TASK_FIELDS, and countsFrom only where the event has it."""
    shown = {f: task.get(f, False if f == "provisional" else None) for f in TASK_FIELDS}
    if "countsFrom" in task:
        shown["countsFrom"] = task["countsFrom"]
    return shown
# What a case line takes from its stored event itself rather than from the event's metadata.
FROM_EVENT = ("stream", "revision", "position", "id", "type", "data", "metadata")
# The report's language: Chinese, or English with --lang en.
LANG = "zh"


def t(zh, en):
    """A line of the report in the language asked for."""
    return en if LANG == "en" else zh


# ── The canonical JSON a hash covers: JavaScript's JSON.stringify of the object, keys sorted ──────────


def _key_order(key):
    """JavaScript's order of an object's keys sorted with sort(): array indices first, by number; then UTF-16 code units."""
    if key == "0" or (key.isdigit() and key.isascii() and key[0] != "0" and int(key) < 2**32 - 1):
        return (0, int(key), b"")
    return (1, 0, key.encode("utf-16-be"))


def _number(x):
    """A number as JSON.stringify writes it (ECMAScript Number::toString)."""
    if isinstance(x, int) and abs(x) < 10**21:
        return str(x)
    x = float(x)
    if x != x or x in (float("inf"), float("-inf")):
        return "null"
    if x == 0:
        return "0"
    if x < 0:
        return "-" + _number(-x)
    mantissa, _, exponent = repr(x).partition("e")  # repr: the shortest digits that read back as x
    whole, _, fraction = mantissa.partition(".")
    every = whole + fraction
    significant = every.lstrip("0")
    point = len(whole) + int(exponent or 0) - (len(every) - len(significant))  # where the decimal point falls
    digits = significant.rstrip("0")
    k = len(digits)
    if k <= point <= 21:
        return digits + "0" * (point - k)
    if 0 < point <= 21:
        return digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return "0." + "0" * -point + digits
    e = point - 1
    return (digits[0] + ("." + digits[1:] if k > 1 else "")) + "e" + ("+" if e >= 0 else "-") + str(abs(e))


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _string(s):
    """A string as JSON.stringify writes it: only ", \\, U+0000-U+001F and lone surrogates escaped."""
    out = []
    for ch in s:
        c = ord(ch)
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif c < 0x20 or 0xD800 <= c <= 0xDFFF:
            out.append("\\u%04x" % c)
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def canonical_json(value):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ",".join(canonical_json(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(_string(k) + ":" + canonical_json(value[k]) for k in sorted(value, key=_key_order)) + "}"
    raise TypeError(f"not JSON: {type(value).__name__}")


def event_hash(line):
    """SHA-256, lowercase hex, of the UTF-8 of the canonical {streamId, revision, id, type, data, metadata less hash}."""
    metadata = {k: v for k, v in line["metadata"].items() if k != "hash"}
    content = {"streamId": line["stream"], "revision": line["revision"], "id": line["id"], "type": line["type"], "data": line["data"], "metadata": metadata}
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


# ── What a case line shows of its stored event ────────────────────────────────────────────────────────


def shown(metadata):
    """The readable fields of a case line, as the stored metadata gives them (docs/AUDIT_EXPORT.md, table)."""
    m = metadata
    actor_stored = m.get("actor") if isinstance(m.get("actor"), dict) else {}
    actor = {"sub": actor_stored.get("sub")}
    if actor_stored.get("name"):
        actor["name"] = actor_stored["name"]
    actor["role"] = actor_stored.get("role")
    actor["org"] = actor_stored.get("org")
    machine = m.get("machine") if isinstance(m.get("machine"), dict) else {}
    out = {
        "caseId": m.get("caseId"),
        "process": m.get("process"),
        "command": m.get("command"),
        "at": m.get("at"),
        "actor": actor,
        "machine": {"name": machine.get("name", m.get("process")), "version": machine.get("version", 1)},
        "stateBefore": m.get("stateBefore"),
        "stateAfter": m.get("stateAfter"),
        "deadlines": {
            # Not a list of objects: kept as stored, and then differs from the line (the engine writes a list).
            "opened": [opened_task(task) if isinstance(task, dict) else task for task in m["tasksOpened"]] if isinstance(m.get("tasksOpened"), list) else m.get("tasksOpened") or [],
            "closed": m.get("tasksClosed") or [],
            "restated": m.get("deadlinesRestated") or [],
        },
        "hash": m.get("hash"),
        "prevHash": m.get("prevHash"),
    }
    # Only on an event that hands tasks on (机构改革): every line exported before it existed reads as written.
    if m.get("tasksReassigned") is not None:
        out["deadlines"]["reassigned"] = m["tasksReassigned"]
    for name in ("correlationId", "causationId"):
        if m.get(name):
            out[name] = m[name]
    return out


def _same(a, b):
    return canonical_json(a) == canonical_json(b)


def _state(state):
    """A state as the report names it: its name, or its JSON when it is not one (null, a number)."""
    return state if isinstance(state, str) else canonical_json(state)


# ── The check ──────────────────────────────────────────────────────────────────────────────────────────


def lines_of(raw):
    """The lines of the file: UTF-8, LF (or CRLF, CR) ends, a leading byte-order mark dropped. Never str.splitlines():
    it also splits at U+2028, U+2029 and others, which a line's JSON may hold unescaped."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        # A download stopped part way, inside a character: not another encoding. Its whole lines are
        # checked and its last, cut, is no JSON (as npm run verify-export reads it).
        if err.reason != "unexpected end of data" or err.end != len(raw):
            raise
        text = raw[: err.start].decode("utf-8") + "\ufffd"
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def instant(text):
    """An ISO 8601 time with its offset (`Z`, `+08:00`) as an aware datetime; None when it is not one."""
    try:
        value = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def in_period(at, period):
    """Whether `at` lies in [from, to): compared as instants, so `…:00Z`, `…:00.000Z` and `…T08:00:00+08:00` are one
    (compared as text, `…:00.123Z` sorted before `…:00Z` and a line of the period's first second was outside it)."""
    when = instant(at)
    return when is not None and instant(period[0]) <= when < instant(period[1])


def verify(raw, period=None):
    """Checks the bytes of an export; answers (exit code, report lines)."""
    report = []
    try:
        lines = lines_of(raw)
    except UnicodeDecodeError as err:
        # A file to fix, not a verdict (exit 2, as npm run verify-export): re-saved as GBK, every line holding Chinese would fail.
        where = f"第 {err.start + 1} 个字节（0x{err.object[err.start]:02x}）无法按 UTF-8 读取"
        where_en = f"byte {err.start + 1} (0x{err.object[err.start]:02x}) cannot be read as UTF-8"
        return 2, [t(f"文件不是 UTF-8 文本：{where}（可能被另存为 GBK 等其他编码）：请校验导出时得到的原始文件", f"the file is not UTF-8 text: {where_en} (re-saved in another encoding, such as GBK?): check the file as it was exported")]
    last_position = None
    chains = {}  # stream -> (revision, hash, stateAfter, line number) of its last line
    notice_revisions = {}
    trusted = []
    read = case_events = notices = failures = lacking = 0
    for number, text in enumerate(lines, 1):
        if text.strip() == "":
            continue
        read += 1

        def fail(message, number=number):
            nonlocal failures
            failures += 1
            report.append(t(f"不符 第 {number} 行：{message}", f"FAIL line {number}: {message}"))

        try:
            line = json.loads(text)
        except ValueError as err:
            # Python's own words are English: the Chinese report says where, as far as it knows.
            at = f"（第 {err.colno} 个字符处）" if isinstance(err, json.JSONDecodeError) else ""
            fail(t(f"不是有效的 JSON{at}", f"not JSON ({err})"))
            continue
        if not isinstance(line, dict):
            fail(t("不是 JSON 对象", "not a JSON object"))
            continue
        if isinstance(line.get("type"), str) and line["type"].startswith("urn:sd-open-data:problem:") and isinstance(line.get("status"), int):
            fail(t(f"这是接口的错误应答（{line['status']}：{line.get('detail')}），不是导出的事件", f"an error answer of the API ({line['status']}: {line.get('detail')}), not an exported event"))
            continue
        position = line.get("position")
        if position is not None:
            if not isinstance(position, int) or isinstance(position, bool) or position < 0:
                fail(t(f"位置 {position!r} 不是从 0 起的整数（日志中的位置都是）", f"position {position!r} is not a whole number from 0 on, as positions in the log are"))
            else:
                if last_position is not None and position <= last_position[0]:
                    fail(t(f"位置 {position} 不在第 {last_position[1]} 行的位置 {last_position[0]} 之后：有行重复、对调或被移动", f"position {position} is not after line {last_position[1]}'s {last_position[0]}: a line repeated, swapped or moved"))
                last_position = (position, number)
        if line.get("unreadable") is True:
            fail(t(f"导出时服务无法读取该事件（{line.get('stream')} 版本 {line.get('revision')}）：文件中只有它的位置", f"the server could not read this event when exporting ({line.get('stream')} revision {line.get('revision')}): the file holds only where it was"))
            continue
        if line.get("missing") is True:
            fail(t(f"事件日志中已没有这一事件（{line.get('at')} 被接受）：审计索引登记过它，它此后从存储中被删除，文件中只有它的位置和时间", f"the log no longer holds this event (accepted {line.get('at')}): the audit index filed it, and it was deleted from the store since; the file holds only where and when it was"))
            continue
        if period and isinstance(line.get("at"), str) and not in_period(line["at"], period):
            fail(t(f"at {line['at']} 不在所导出的期间 [{period[0]}, {period[1]}) 内", f"at {line['at']} is outside the period [{period[0]}, {period[1]})"))
        if "caseId" not in line:
            fail(t("没有 caseId：不是审计导出的行", "no caseId: not a line of an audit export"))
            continue
        if line["caseId"] is None:
            # A holiday notice: not hash-chained, but its stream's revisions follow on.
            if line.get("stream") != NOTICE_STREAM or "metadata" in line:
                fail(t("标为不属于任何案件（caseId 为 null），却不是节假日安排", "marked as no case's (caseId null), yet not a holiday notice"))
                continue
            notices += 1
            if position is None:
                fail(t("节假日安排缺少它在日志中的位置（position）", "a holiday notice without its position in the log"))
            revision = line.get("revision")
            before = notice_revisions.get(NOTICE_STREAM)
            if not isinstance(revision, int) or isinstance(revision, bool) or revision < 0:
                fail(t("节假日安排缺少版本号（revision）", "a holiday notice without its revision"))
            elif before is not None and revision <= before:
                fail(t(f"节假日安排版本 {revision} 重复或顺序不对（前面已有版本 {before}）", f"holiday notice revision {revision} repeats or comes out of order (revision {before} came before)"))
            else:
                if before is not None and revision != before + 1:
                    fail(t(f"缺少节假日安排版本 {before + 1}（前一个是版本 {before}）", f"holiday notice revision {before + 1} is missing (the one before is revision {before})"))
                notice_revisions[NOTICE_STREAM] = revision
            continue
        missing = [f for f in ("stream", "revision", "id", "type", "data", "metadata") if f not in line]
        if missing or not isinstance(line["metadata"], dict) or not isinstance(line["revision"], int):
            fail(t(f"缺少哈希所覆盖的内容（{'、'.join(missing) or 'metadata、revision'}）", f"lacks what its hash covers ({', '.join(missing) or 'metadata, revision'})"))
            if "stream" not in line and "metadata" not in line:
                lacking += 1
            continue
        if position is None:
            fail(t("缺少它在日志中的位置（position）", "lacks its position in the log"))
        case_events += 1
        stored = line["metadata"]
        stream, revision = line["stream"], line["revision"]
        recomputed = event_hash(line)
        if recomputed != stored.get("hash"):
            fail(t(f"{stream} 版本 {revision}：事件内容的哈希为 {recomputed}，与所存哈希 {stored.get('hash')} 不符", f"{stream} revision {revision}: the event's content hashes to {recomputed}, not to its stored hash {stored.get('hash')}"))
        expected = shown(stored)
        differ = sorted(f for f in expected if f not in line or not _same(line[f], expected[f]))
        differ += sorted(f for f in line if f not in expected and f not in FROM_EVENT)
        if differ:
            fail(t(f"可读字段与所存事件不一致：{'、'.join(differ)}", f"readable fields differ from the stored event: {', '.join(differ)}"))
        before = chains.get(stream)
        if before is None:
            if revision == 0 and stored.get("prevHash") != GENESIS:
                fail(t(f"{stream}：案件的第一个事件没有开始哈希链（prevHash 不是 64 个 0）", f"{stream}: the case's first event does not start the hash chain (prevHash is not 64 zeros)"))
            elif revision > 0:
                trusted.append(t(f"{stream} 自版本 {revision} 起", f"{stream} from revision {revision}"))
        elif revision <= before[0]:
            fail(t(f"{stream} 版本 {revision} 重复或顺序不对（前面已有版本 {before[0]}）", f"{stream} revision {revision} repeats or comes out of order (revision {before[0]} came before)"))
            continue
        elif revision != before[0] + 1:
            fail(t(f"缺少 {stream} 版本 {before[0] + 1}（前一个是版本 {before[0]}）", f"{stream} revision {before[0] + 1} is missing (the one before is revision {before[0]})"))
        else:
            if stored.get("prevHash") != before[1]:
                fail(t(f"{stream} 版本 {revision}：prevHash 不是版本 {before[0]} 的哈希", f"{stream} revision {revision}: prevHash is not the hash of revision {before[0]}"))
            # The states chain too: an event begins in the state the one before it left the case in.
            if not _same(stored.get("stateBefore"), before[2]):
                state_before, state_after = _state(stored.get("stateBefore")), _state(before[2])
                fail(t(f"{stream} 版本 {revision}：stateBefore {state_before} 不是版本 {before[0]}（第 {before[3]} 行）的 stateAfter {state_after}，案件状态前后不衔接", f"{stream} revision {revision}: stateBefore {state_before} is not the stateAfter {state_after} of revision {before[0]} (line {before[3]}): the case's states do not chain"))
        chains[stream] = (revision, stored.get("hash"), stored.get("stateAfter"), number)
    if read == 0:
        return 1, [t("不符 文件中没有事件：无可核验", "FAIL the file holds no event: nothing to verify")]
    for trust in trusted:
        report.append(t(f"采信 期间从该案件中途开始，其第一个 prevHash 予以采信：{trust}", f"TRUST the period starts inside this case, its first prevHash taken on trust: {trust}"))
    report.append(t(f"{read} 行：{len(chains)} 个案件的 {case_events} 个事件，{notices} 个节假日安排；{failures} 处不符", f"{read} lines: {case_events} case events of {len(chains)} cases, {notices} holiday notices; {failures} problems"))
    if failures and case_events == 0 and lacking == failures:
        report.append(t("这是早期版本的导出，其行不含哈希所覆盖的内容：请重新导出该期间，或在服务端逐个核验案件", "an export of a release before its lines carried what their hashes cover: export the period again, or verify each case on the server"))
        return 2, report
    return (1 if failures else 0), report


# argparse's own words, in Chinese (it writes them in English): the refusals it can make of this command line.
_ARGPARSE_ZH = (
    (r"the following arguments are required: (.+)", "缺少参数 {0}"),
    (r"unrecognized arguments: (.+)", "不认识的参数 {0}"),
    (r"argument (\S+): invalid choice: '?([^' ]*)'? \(choose from (.+)\)", "参数 {0} 的值 {1} 无效，可选：{2}"),
    (r"argument (\S+): expected one argument", "参数 {0} 须带一个值"),
)


def _argparse_zh(message):
    """An argparse refusal in Chinese; one it does not know, as argparse wrote it."""
    import re

    for pattern, zh in _ARGPARSE_ZH:
        match = re.fullmatch(pattern, message)
        if match:
            groups = [g.replace("'", "").replace(", ", "、") for g in match.groups()]
            return zh.format(*groups)
    return message


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, t("用法：", "usage: ") if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, t(f"参数有误：{_argparse_zh(message)}\n", f"{self.prog}: error: {message}\n"))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    # The language first, so that the help and the refusals of the command line are in it too: read as
    # the parser below reads it (--lan en, --lang=en, the last one given), any other value Chinese.
    global LANG
    first = argparse.ArgumentParser(add_help=False)
    first.add_argument("--lang", nargs="?")
    LANG = "en" if first.parse_known_args(argv)[0].lang == "en" else "zh"
    parser = _Parser(description=t("只凭文件本身核验审计导出（NDJSON）。", "Check an audit export (NDJSON) from the file alone."), formatter_class=_Formatter, add_help=False)
    parser._positionals.title = t("参数", "positional arguments")
    parser._optionals.title = t("选项", "options")
    parser.add_argument("-h", "--help", action="help", help=t("显示本帮助并退出", "show this help message and exit"))
    parser.add_argument("file", metavar=t("导出文件", "file"), help=t("审计导出（GET /v1/audit/export）所存的文件", "the file an audit export (GET /v1/audit/export) was saved to"))
    parser.add_argument("--from", dest="start", metavar="START", help=t("所请求期间的起点，带时区偏移，如 2026-01-01T08:00:00+08:00", "the period's start as asked, with its offset (2026-01-01T00:00:00Z, 2026-01-01T08:00:00+08:00)"))
    parser.add_argument("--to", dest="end", metavar="END", help=t("期间的终点（不含）", "the period's end (not included)"))
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help=t("报告的语言：zh（默认）或 en", "the report's language: zh (default) or en"))
    args = parser.parse_args(argv)
    LANG = args.lang
    for name, value in (("--from", args.start), ("--to", args.end)):
        if value is not None and instant(value) is None:
            parser.error(t(f"{name} {value}：不是带时区偏移的时刻，例如 2026-01-01T00:00:00.000Z 或 2026-01-01T08:00:00+08:00", f"{name} {value}: not a time with its offset, such as 2026-01-01T00:00:00.000Z or 2026-01-01T08:00:00+08:00"))
    if (args.start is None) != (args.end is None):
        parser.error(t("--from 与 --to 须一同给出：即导出时所请求的期间", "--from and --to go together: the period the export was asked for"))
    try:
        with open(args.file, "rb") as f:
            raw = f.read()
    except OSError as err:
        # As npm run verify-export says it (Python's own words are English).
        if isinstance(err, FileNotFoundError):
            zh = f"找不到文件：{args.file}"
        elif isinstance(err, IsADirectoryError):
            zh = f"{args.file} 是文件夹：请给出审计导出文件（NDJSON）的路径"
        else:
            zh = f"无法读取文件 {args.file}（{errno.errorcode.get(err.errno, err.errno)}）：请检查其权限"
        print(t(zh, f"cannot read {args.file}: {err}"), file=sys.stderr)
        return 2
    code, report = verify(raw, (args.start, args.end) if args.start and args.end else None)
    print("\n".join(report))
    return code


if __name__ == "__main__":
    sys.exit(main())
