"""Toybox-style tools on the virtual file system, and small text filters for pipelines.

Messages follow toybox (`cat: /x: No such file or directory`) so scripts written against a
device read the same errors here. The shell's working directory is `/`, as for `adb shell`.
"""

from __future__ import annotations

import re
import stat
import time

from environments.android.virtual_phone.commands.base import Command, options
from environments.android.virtual_phone.files import normalize
from environments.android.virtual_phone.handset import Handset
from environments.android.virtual_phone.result import ShellResult, fail, ok


def echo(_handset: Handset, args: list[str], _stdin: bytes) -> ShellResult:
    newline = "\n"
    while args and args[0] in ("-n", "-e", "-E", "-ne", "-en"):
        if "n" in args[0]:
            newline = ""
        args = args[1:]
    return ok(" ".join(args) + newline)


def cat(handset: Handset, args: list[str], stdin: bytes) -> ShellResult:
    if not args:
        return ok(stdin)
    out, errors = bytearray(), []
    for path in args:
        if path == "-":
            out += stdin
            continue
        data = handset.fs.read(path)
        if data is None:
            reason = "Is a directory" if handset.fs.is_dir(path) else "No such file or directory"
            errors.append(f"cat: {path}: {reason}\n")
            continue
        out += data
    return ShellResult(bytes(out), "".join(errors).encode(), 1 if errors else 0)


def _long_line(name: str, mode: int, size: int, mtime: int) -> str:
    kind = "d" if stat.S_ISDIR(mode) else "-"
    perms = "".join(char if mode & (1 << (8 - i)) else "-" for i, char in enumerate("rwxrwxrwx"))
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(mtime))
    return f"{kind}{perms} 1 root sdcard_rw {size:>8} {when} {name}"


def ls(handset: Handset, args: list[str], _stdin: bytes) -> ShellResult:
    flags, _, paths = options(args)
    long = "-l" in flags
    out, errors = [], []
    for path in paths or ["."]:
        info = handset.fs.stat(normalize(path))
        if info is None:
            errors.append(f"ls: {path}: No such file or directory\n")
            continue
        if not stat.S_ISDIR(info[0]):
            out.append(_long_line(path, *info) if long else path)
            continue
        if len(paths) > 1:
            out.append(f"{path}:")
        for name, mode, size, mtime in handset.fs.listdir(normalize(path)) or []:
            out.append(_long_line(name, mode, size, mtime) if long else name)
    text = "".join(line + "\n" for line in out)
    return ShellResult(text.encode(), "".join(errors).encode(), 1 if errors else 0)


def rm(handset: Handset, args: list[str], _stdin: bytes) -> ShellResult:
    flags, _, paths = options(args)
    if not paths:
        return fail('rm: Needs 1 argument (see "rm --help")\n')
    errors = []
    for path in paths:
        if not handset.fs.exists(path):
            if "-f" not in flags:
                errors.append(f"rm: {path}: No such file or directory\n")
            continue
        try:
            handset.fs.remove(path, recursive="-r" in flags or "-R" in flags)
        except OSError as exc:
            errors.append(f"rm: {path}: {exc.strerror}\n")
    return ShellResult(b"", "".join(errors).encode(), 1 if errors else 0)


def mkdir(handset: Handset, args: list[str], _stdin: bytes) -> ShellResult:
    flags, _, paths = options(args)
    if not paths:
        return fail('mkdir: Needs 1 argument (see "mkdir --help")\n')
    errors = []
    for path in paths:
        try:
            handset.fs.mkdir(path, parents="-p" in flags)
        except OSError as exc:
            errors.append(f"mkdir: '{path}': {exc.strerror}\n")
    return ShellResult(b"", "".join(errors).encode(), 1 if errors else 0)


def touch(handset: Handset, args: list[str], _stdin: bytes) -> ShellResult:
    _, _, paths = options(args)
    errors = []
    for path in paths:
        if handset.fs.exists(path):
            continue
        try:
            handset.fs.write(path, b"")
        except OSError as exc:
            errors.append(f"touch: '{path}': {exc.strerror}\n")
    return ShellResult(b"", "".join(errors).encode(), 1 if errors else 0)


def grep(handset: Handset, args: list[str], stdin: bytes) -> ShellResult:
    flags, values, rest = options(args, frozenset({"-e"}))
    pattern = values.get("-e")
    if pattern is None:
        if not rest:
            return fail("grep: no pattern\n", 2)
        pattern, rest = rest[0], rest[1:]
    if "-F" in flags:
        pattern = re.escape(pattern)
    try:
        regex = re.compile(pattern, re.IGNORECASE if "-i" in flags else 0)
    except re.error as exc:
        return fail(f"grep: bad regex '{pattern}': {exc}\n", 2)
    text = stdin.decode("utf-8", "replace") if not rest else ""
    for path in rest:
        text += (handset.fs.read(path) or b"").decode("utf-8", "replace")
    lines = [line for line in text.splitlines() if bool(regex.search(line)) != ("-v" in flags)]
    if "-c" in flags:
        return ShellResult(f"{len(lines)}\n".encode(), b"", 0 if lines else 1)
    return ShellResult("".join(f"{line}\n" for line in lines).encode(), b"", 0 if lines else 1)


def _count(args: list[str]) -> tuple[int, list[str]]:
    count, rest = 10, []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "-n" and index + 1 < len(args):
            count, index = int(args[index + 1].lstrip("+-") or 10), index + 2
            continue
        if re.fullmatch(r"-\d+", arg):
            count = int(arg[1:])
        else:
            rest.append(arg)
        index += 1
    return count, rest


def _lines(handset: Handset, paths: list[str], stdin: bytes) -> list[bytes]:
    data = b"".join(handset.fs.read(p) or b"" for p in paths) if paths else stdin
    return data.splitlines(keepends=True)


def head(handset: Handset, args: list[str], stdin: bytes) -> ShellResult:
    count, paths = _count(args)
    return ok(b"".join(_lines(handset, paths, stdin)[:count]))


def tail(handset: Handset, args: list[str], stdin: bytes) -> ShellResult:
    count, paths = _count(args)
    lines = _lines(handset, paths, stdin)
    return ok(b"".join(lines[-count:] if count else []))


def wc(handset: Handset, args: list[str], stdin: bytes) -> ShellResult:
    flags, _, paths = options(args)
    data = b"".join(handset.fs.read(p) or b"" for p in paths) if paths else stdin
    counts = {"-l": data.count(b"\n"), "-w": len(data.split()), "-c": len(data)}
    chosen = [counts[f] for f in ("-l", "-w", "-c") if f in flags] or list(counts.values())
    return ok(" ".join(str(c) for c in chosen) + "\n")


def date(_handset: Handset, args: list[str], _stdin: bytes) -> ShellResult:
    fmt = next((a[1:] for a in args if a.startswith("+")), "%a %b %d %H:%M:%S %Z %Y")
    return ok(time.strftime(fmt) + "\n")


def _constant(text: str, code: int = 0) -> Command:
    return Command(lambda _h, _a, _s: ShellResult(text.encode(), b"", code), pure=True)


COMMANDS = {
    "echo": Command(echo, pure=True),
    "cat": Command(cat, pure=True),
    "ls": Command(ls, pure=True),
    "rm": Command(rm, pure=True),
    "mkdir": Command(mkdir, pure=True),
    "touch": Command(touch, pure=True),
    "grep": Command(grep, pure=True),
    "head": Command(head, pure=True),
    "tail": Command(tail, pure=True),
    "wc": Command(wc, pure=True),
    "date": Command(date, pure=True),
    "sleep": _constant(""),
    "true": _constant(""),
    "false": _constant("", 1),
    "whoami": _constant("shell\n"),
    "getenforce": _constant("Enforcing\n"),
    "id": _constant(
        "uid=2000(shell) gid=2000(shell) groups=2000(shell),1004(input),1007(log),1011(adb),"
        "1015(sdcard_rw),1028(sdcard_r),3001(net_bt_admin),3002(net_bt),3003(inet) "
        "context=u:r:shell:s0\n"
    ),
}
