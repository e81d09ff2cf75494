"""The built-in `filesystem` MCP server: the files of one workspace folder, and nothing else.

    python -m tools.filesystem --root DIR                      # stdio
    python -m tools.filesystem --root DIR --http 127.0.0.1:8765  # streamable HTTP at /mcp
    agent mcp serve filesystem --root DIR [--http 127.0.0.1:PORT]

In Python: `build_server(root)` gives the `MCPServer`; `serve(root, limits, http)` runs it. Over
HTTP it needs a bearer token, checks Host and Origin, and binds loopback unless told
`--allow-remote` (`tools.mcp_http`). Limits per call: `--max-write-bytes` for a write,
`--scan-mib` and `--scan-seconds` for a search or CSV profile (which then answer with what they
found and say they stopped).

Tools (paths are relative to the workspace; absolute paths inside it work too):

- read-only: list_directory, directory_tree, read_text_file, read_multiple_files,
  search_files, get_file_info, csv_profile
- create_directory: changes the workspace but destroys nothing
- destructive: write_file, edit_file, move_file

Every path goes through `tools.fs_sandbox` (the reference server's containment rules). A reply
holds at most 64 KiB of a file: `read_text_file` pages (offset/limit) and says where to read on,
and `csv_profile` summarises a CSV of any size. Every failure comes back to the client as a
tool result with `is_error=True` and a message saying what was refused and why.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import errno
import functools
import os
import re
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, Literal, TypeVar

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import BaseModel, ConfigDict

from tools.csv_profile import profile_open
from tools.fs_sandbox import MAX_WRITE, NotRegular, OutsideWorkspace, Sandbox
from tools.fs_text import PAGE, Budget, NotText, grep, read_head, read_page, read_tail
from tools.fs_walk import Found, entry_kind, matcher, tree, walk
from tools.mcp_http import ExposureError, HttpSettings, default_token_dir, parse_address, serve_http

READ = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)
CREATE = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
CHANGE = ToolAnnotations(read_only_hint=False, destructive_hint=True, open_world_hint=False)
MAX_ENTRIES = 1000  # lines of a listing or tree
MAX_MATCHES = 500  # results of a search
MAX_EDIT = 8 << 20  # bytes of a file edit_file loads
MAX_EDITS = 100  # replacements in one edit_file call
MANY_FILES, MANY_FILES_PAGE = 20, 16 * 1024
MAX_WALKED = 100_000  # names one search looks at
_F = TypeVar("_F", bound=Callable[..., Any])
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Edit(BaseModel):
    """One exact replacement: `old_text` must occur exactly once in the file."""

    model_config = ConfigDict(extra="forbid")
    old_text: str
    new_text: str


@dataclass(frozen=True)
class Limits:
    """What one call may do: bytes written, and bytes read and seconds spent by a search or a
    CSV profile (which then answer with what they found so far, and say so)."""

    max_write: int = MAX_WRITE
    scan_bytes: int = 256 << 20
    scan_seconds: float = 20.0

    def budget(self) -> Budget:
        return Budget(self.scan_bytes, self.scan_seconds)


class FileTools:
    """The tools as plain methods over one Sandbox; `build_server` registers them."""

    def __init__(self, box: Sandbox, limits: Limits | None = None) -> None:
        self.box, self.limits = box, limits or Limits()

    def _existing(self, path: str) -> tuple[Path, os.stat_result]:
        real = self.box.resolve(path)
        info = self.box.lstat(real)
        if info is None:
            raise ToolError(f"{path!r} does not exist in the workspace")
        return real, info

    def _folder(self, path: str) -> Path:
        real, info = self._existing(path)
        if not stat.S_ISDIR(info.st_mode):
            raise ToolError(f"{path!r} is not a directory")
        return real

    def _file(self, path: str) -> Path:
        real, info = self._existing(path)
        if not stat.S_ISREG(info.st_mode):
            raise ToolError(f"{path!r} is not a regular file")
        return real

    def _open(self, path: str) -> tuple[BinaryIO, str]:
        real = self._file(path)
        return self.box.open_read(real), self.box.relative(real)

    def list_directory(self, path: str = ".") -> str:
        """The entries of a directory, one a line: [DIR], [FILE] with its size in bytes, [LINK]
        with its target, [OTHER]; then a count."""
        folder, lines = self._folder(path), []
        counts = {"directories": 0, "files": 0, "links": 0, "others": 0}
        size = 0
        with self.box.folder(folder) as fd, os.scandir(fd) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if len(lines) < MAX_ENTRIES:
                    lines.append(self._entry_line(folder, fd, entry))
                kind = entry_kind(entry)
                counts[kind] += 1
                if kind == "files":
                    size += entry.stat(follow_symlinks=False).st_size
        total = sum(counts.values())
        if total > len(lines):
            lines.append(f"[... {total - len(lines)} more entries not shown]")
        lines.append(", ".join(f"{n} {kind}" for kind, n in counts.items() if n or kind == "files")
                     + f"; {size} bytes in files")  # fmt: skip
        return "\n".join(lines)

    def _entry_line(self, folder: Path, fd: int, entry: os.DirEntry[str]) -> str:
        if entry.is_symlink():
            try:
                self.box.resolve(os.path.join(folder, entry.name))
                where = ""
            except OutsideWorkspace:
                where = " (outside: refused)"
            return f"[LINK] {entry.name} -> {os.readlink(entry.name, dir_fd=fd)}{where}"
        if entry.is_dir(follow_symlinks=False):
            return f"[DIR]  {entry.name}/"
        if entry.is_file(follow_symlinks=False):
            return f"[FILE] {entry.name} ({entry.stat(follow_symlinks=False).st_size} bytes)"
        return f"[OTHER] {entry.name}"

    def directory_tree(
        self, path: str = ".", depth: int = 3, exclude: list[str] | None = None
    ) -> str:
        """An indented tree of names under `path`, `depth` levels deep (1-10); folders end in
        '/', links show their target and are not followed. `exclude` globs (like '.git' or
        '*.pyc') match a name or a path relative to `path`."""
        top, lines = self._folder(path), []
        with self.box.folder(top) as fd:
            for line in tree(fd, max(1, min(depth, 10)), exclude or []):
                if len(lines) >= MAX_ENTRIES:
                    lines.append(f"[... stopped at {MAX_ENTRIES} lines: use a smaller depth]")
                    break
                lines.append(line)
        return "\n".join(lines) or "(empty)"

    def read_text_file(
        self,
        path: str,
        head: int | None = None,
        tail: int | None = None,
        offset: int = 0,
        limit: int = PAGE,
    ) -> str:
        """Text of a UTF-8 file: the first `head` lines, the last `tail` lines, or else `limit`
        bytes from byte `offset`. One reply holds at most 64 KiB; when more is left it ends with
        '[... N more bytes: read on with offset=K]'. Binary files are refused. For a CSV, try
        csv_profile first."""
        if head is not None and tail is not None:
            raise ToolError("give head or tail, not both")
        lines = head if head is not None else tail
        if lines is not None and lines < 1:
            raise ToolError("head and tail count lines: give 1 or more")
        handle, name = self._open(path)
        if head is not None:
            return read_head(handle, name, head)
        if tail is not None:
            return read_tail(handle, name, tail)
        return read_page(handle, name, offset, limit)

    def read_multiple_files(self, paths: list[str]) -> str:
        """Several text files in one reply (at most 20, the first 16 KiB of each), each after a
        '--- path' line; a file that cannot be read shows its error instead."""
        parts = []
        for path in paths[:MANY_FILES]:
            try:
                text = read_page(*self._open(path), 0, MANY_FILES_PAGE)
            except (ToolError, OutsideWorkspace, NotText, OSError, ValueError) as exc:
                text = f"error: {_message(exc)}"
            parts.append(f"--- {path}\n{text}")
        if len(paths) > MANY_FILES:
            parts.append(f"[... {len(paths) - MANY_FILES} more paths not read: ask again]")
        return "\n".join(parts)

    def search_files(
        self,
        path: str = ".",
        pattern: str = "*",
        content: str | None = None,
        regex: bool = False,
        ignore_case: bool = False,
        exclude: list[str] | None = None,
        max_results: int = 100,
    ) -> str:
        """Files under `path` whose name matches the glob `pattern` ('*.csv'; a pattern with a
        '/' matches the path relative to `path`, as in 'data/**/*.csv'). With `content`, only
        files containing that text (or regular expression, if `regex`) and the matching lines,
        as 'file:line: text'. Folders matching `exclude` globs are skipped; binary files are not
        searched; at most `max_results` (up to 500) results."""
        top = self._folder(path)
        most = max(1, min(max_results, MAX_MATCHES))
        matches = matcher(content, regex, ignore_case) if content else None
        budget, found, walked = self.limits.budget(), [], 0
        with self.box.folder(top) as fd:
            for item in walk(fd, pattern, exclude or []):
                walked += 1
                if walked > MAX_WALKED or budget.spent:
                    found.append(self._stopped(walked, budget))
                    break
                name = self.box.relative(os.path.join(top, item.relative))
                handle = self._found(top, item)
                if handle is None:
                    continue  # a link that leads outside or to a folder, a hard link, a FIFO
                with handle:
                    if matches is None:
                        found.append(name)
                    else:
                        found += grep(handle, matches, name, most - len(found), budget)
                if len(found) >= most:
                    found.append(f"[stopped at {most} results: narrow the pattern or path]")
                    break
            else:
                if budget.spent:
                    found.append(self._stopped(walked, budget))
        return "\n".join(found) or "no matches"

    def _found(self, top: Path, item: Found) -> BinaryIO | None:
        """The file a walk found, open, if it may be read: a link is followed only inside."""
        try:
            info = os.stat(item.name, dir_fd=item.folder_fd, follow_symlinks=False)
            if stat.S_ISLNK(info.st_mode):
                return self.box.open_read(self.box.resolve(os.path.join(top, item.relative)))
            if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
                return None
            flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC
            return os.fdopen(os.open(item.name, flags, dir_fd=item.folder_fd), "rb")
        except (OSError, OutsideWorkspace, NotRegular):
            return None

    def _stopped(self, walked: int, budget: Budget) -> str:
        if walked > MAX_WALKED:
            why = f"{MAX_WALKED} names looked at"
        elif budget.bytes <= 0:
            why = f"{self.limits.scan_bytes >> 20} MiB read"
        else:
            why = f"{self.limits.scan_seconds:g} s"
        partial = "the results above are partial; narrow the path or pattern"
        return f"[stopped after {why}, the limit of one call: {partial}]"

    def get_file_info(self, path: str) -> dict[str, Any]:
        """Type, size in bytes, permissions and times of a file or directory."""
        real, info = self._existing(path)
        if stat.S_ISLNK(info.st_mode):  # resolve() followed it: this is a swap during the call
            raise OutsideWorkspace(f"{path!r} became a symbolic link during the call: refused")
        return {
            "path": self.box.relative(real),
            "type": "directory" if stat.S_ISDIR(info.st_mode) else "file"
            if stat.S_ISREG(info.st_mode) else "other",
            "size": info.st_size,
            "modified": _when(info.st_mtime),
            "accessed": _when(info.st_atime),
            "changed": _when(info.st_ctime),
            "permissions": stat.filemode(info.st_mode),
        }  # fmt: skip

    def write_file(self, path: str, content: str) -> str:
        """Create a text file, or replace one entirely (UTF-8). Its folder must exist."""
        file = self.box.resolve(path)
        info, folder = self.box.lstat(file), self.box.lstat(file.parent)
        if info is not None and stat.S_ISDIR(info.st_mode):
            raise ToolError(f"{path!r} is a directory")
        if folder is None or not stat.S_ISDIR(folder.st_mode):
            raise ToolError(f"the folder of {path!r} does not exist: create_directory first")
        data = content.encode()
        done = "created" if self.box.write(file, data) else "replaced"
        return f"{done} {self.box.relative(file)} ({len(data)} bytes)"

    def edit_file(self, path: str, edits: list[Edit], dry_run: bool = False) -> str:
        """Exact replacements in a text file, applied in order: each `old_text` must occur
        exactly once (add surrounding lines to make it unique). Returns a unified diff; with
        `dry_run`, only the diff. If any edit fails, nothing is written."""
        if len(edits) > MAX_EDITS:
            raise ToolError(f"{len(edits)} edits in one call: at most {MAX_EDITS}; split them")
        file = self._file(path)
        with self.box.open_read(file) as handle:
            if os.fstat(handle.fileno()).st_size > MAX_EDIT:
                raise ToolError(f"{path!r} is over {MAX_EDIT >> 20} MiB: too large to edit here")
            before = handle.read(MAX_EDIT + 1).decode()  # bytes: keeps the line endings
        after = before
        for number, edit in enumerate(edits, 1):
            after = _replace_once(after, edit, f"edit {number} of {path!r}")
        name = self.box.relative(file)
        diff = "".join(
            difflib.unified_diff(
                before.splitlines(keepends=True),
                after.splitlines(keepends=True),
                f"a/{name}",
                f"b/{name}",
            )
        )
        if dry_run:
            return "dry run, nothing written:\n" + (diff or "no change")
        if after != before:
            self.box.write(file, after.encode())
        return diff or "no change"

    def create_directory(self, path: str) -> str:
        """Create a directory and any missing parents (fine if it already exists)."""
        folder = self.box.resolve(path)
        info = self.box.lstat(folder)
        if info is not None and not stat.S_ISDIR(info.st_mode):
            raise ToolError(f"{path!r} exists and is not a directory")
        self.box.mkdir(folder)
        return f"directory {self.box.relative(folder)}/ is there"

    def move_file(self, source: str, destination: str) -> str:
        """Move or rename a file or directory inside the workspace; the destination must not
        exist, and its folder must."""
        origin, target = self._name(source), self.box.resolve(destination)
        if str(origin) == self.box.root:
            raise ToolError("the workspace root itself cannot be moved")
        if self.box.lstat(origin) is None:
            raise ToolError(f"{source!r} does not exist in the workspace")
        if self.box.lstat(target) is not None:
            raise ToolError(f"{destination!r} already exists: nothing was moved")
        folder = self.box.lstat(target.parent)
        if folder is None or not stat.S_ISDIR(folder.st_mode):
            raise ToolError(f"the folder of {destination!r} does not exist: create it first")
        if target.is_relative_to(origin):
            raise ToolError(f"cannot move {source!r} into itself")
        try:
            self.box.rename(origin, target)
        except FileExistsError:
            raise ToolError(f"{destination!r} already exists: nothing was moved") from None
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            message = f"{source!r} and {destination!r} are on different file systems"
            raise ToolError(f"{message}: move_file moves within one; nothing was moved") from None
        return f"moved {self.box.relative(origin)} to {self.box.relative(target)}"

    def _name(self, path: str) -> Path:
        """The real path of the name `path`, its last component not followed: moving a link
        moves the link (which must lead inside), not what it points to."""
        real = self.box.resolve(path)  # refuses a link that leads out
        normal = os.path.normpath(path)
        if normal in (".", os.sep) or os.path.basename(normal) in ("", ".."):
            return real
        return self.box.resolve(os.path.dirname(normal) or ".") / os.path.basename(normal)

    def csv_profile(self, path: str, sample_rows: int = 5) -> dict[str, Any]:
        """A summary of a CSV file of any size, without reading it into the conversation:
        delimiter, row count, and per column its type (int, float, bool, date, string), empty
        values, min/max/mean of numbers, earliest/latest dates and examples; plus the first
        `sample_rows` rows (up to 20)."""
        handle, name = self._open(path)
        with handle:
            budget = self.limits.budget()
            return profile_open(handle, name, max(0, min(sample_rows, 20)), budget)

    def tools(self) -> Iterator[tuple[Callable[..., Any], ToolAnnotations]]:
        """Every tool with its annotations."""
        for method in (self.list_directory, self.directory_tree, self.read_text_file,
                       self.read_multiple_files, self.search_files, self.get_file_info,
                       self.csv_profile):  # fmt: skip
            yield method, READ
        yield self.create_directory, CREATE
        for method in (self.write_file, self.edit_file, self.move_file):
            yield method, CHANGE


def build_server(
    root: Path | str, log_level: LogLevel = "WARNING", limits: Limits | None = None
) -> MCPServer:
    """The filesystem MCP server for the workspace at `root` (OutsideWorkspace if it is not a
    directory). At the default log level, refused calls are not logged: the client has them."""
    limits = limits or Limits()
    files = FileTools(Sandbox(root, limits.max_write), limits)
    server = MCPServer(
        "filesystem",
        log_level=log_level,
        instructions=(
            f"Files of the workspace {files.box.root}, and only those. Paths are relative to it. "
            "Large files come in pages; profile a CSV with csv_profile instead of reading it."
        ),
    )
    for method, hints in files.tools():
        structured = method.__name__ in ("get_file_info", "csv_profile")
        server.add_tool(_as_tool_errors(method), annotations=hints, structured_output=structured)
    return server


def serve(root: Path | str, limits: Limits | None = None, http: HttpSettings | None = None) -> None:
    """Serve the workspace at `root` over stdio, or over streamable HTTP as `http` says."""
    if http is None:
        build_server(root, limits=limits).run()
        return
    server = build_server(root, "INFO", limits)  # says where it listens, logs each request
    serve_http(server, http, lambda line: print(line, flush=True))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tools.filesystem", description="Serve a workspace's files over MCP."
    )
    parser.add_argument("--root", required=True, type=Path, help="the workspace folder")
    parser.add_argument("--http", metavar="HOST:PORT", help="streamable HTTP instead of stdio")
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow --http on an address other machines can reach",
    )
    parser.add_argument(
        "--max-write-bytes",
        type=int,
        default=MAX_WRITE,
        help=f"bytes one write may hold (default {MAX_WRITE})",
    )
    parser.add_argument(
        "--scan-mib",
        type=int,
        default=Limits.scan_bytes >> 20,
        help="MiB one search or CSV profile may read",
    )
    parser.add_argument(
        "--scan-seconds",
        type=float,
        default=Limits.scan_seconds,
        help="seconds one search or CSV profile may take",
    )
    args = parser.parse_args(argv)
    if not args.root.is_dir():
        parser.error(f"--root {args.root} is not a directory")
    limits = Limits(args.max_write_bytes, args.scan_mib << 20, args.scan_seconds)
    if args.http is None:
        serve(args.root, limits)
        return
    try:
        address = parse_address(args.http)
        settings = HttpSettings(address, args.allow_remote, tokens=default_token_dir())
        serve(args.root, limits, settings)
    except ExposureError as exc:
        parser.error(str(exc))


def _as_tool_errors(method: _F) -> _F:
    """Every failure as a ToolError, whose message the client sees (the SDK hides the text of
    any other exception)."""

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except ToolError:
            raise
        except (OutsideWorkspace, NotText, OSError, ValueError, re.error, csv.Error) as exc:
            raise ToolError(_message(exc)) from None
        except Exception as exc:  # a bug: said briefly, never a traceback of a deep path
            raise ToolError(f"internal error: {type(exc).__name__}: {str(exc)[:200]}") from None

    return call  # type: ignore[return-value]


def _message(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte {exc.start}): {exc.reason}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    if isinstance(exc, re.error):
        return f"bad regular expression: {exc}"
    return str(exc)


def _replace_once(text: str, edit: Edit, where: str) -> str:
    if not edit.old_text:
        raise ToolError(f"{where}: old_text is empty")
    found = text.count(edit.old_text)
    if found == 1:
        return text.replace(edit.old_text, edit.new_text, 1)
    if found == 0:
        raise ToolError(f"{where}: old_text not found (it must match exactly, spaces included); "
                        "nothing was changed")  # fmt: skip
    starts = (m.start() for m in re.finditer(re.escape(edit.old_text), text))
    lines = sorted({text.count("\n", 0, start) + 1 for start in islice(starts, 10)})
    raise ToolError(
        f"{where}: old_text occurs {found} times (lines {', '.join(map(str, lines))}): add "
        "surrounding text to make it unique; nothing was changed"
    )


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(seconds))


if __name__ == "__main__":
    main()
