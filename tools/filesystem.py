"""The `filesystem` MCP server, rooted at a workspace (see tools.fs_sandbox for containment).

    agent mcp serve filesystem --root DIR [--http 127.0.0.1:PORT]

Paths are relative to the workspace (absolute paths inside it work too). Large files are read
in pages, never whole into a reply.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import os
import re
import shutil
import stat
import time
from pathlib import Path
from typing import Any

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations

from tools.csv_profile import profile
from tools.fs_sandbox import OutsideWorkspace, Sandbox

READ = ToolAnnotations(read_only_hint=True, destructive_hint=False)
CREATE = ToolAnnotations(read_only_hint=False, destructive_hint=False)
CHANGE = ToolAnnotations(read_only_hint=False, destructive_hint=True)
PAGE = 64 * 1024  # bytes per read, at most
MAX_RESULTS = 200


def build_server(root: Path | str) -> MCPServer:  # noqa: C901 - one closure per tool
    box = Sandbox(root)
    server = MCPServer("filesystem", instructions=f"Files under the workspace {box.root}.")

    def path_of(path: str, exists: bool = True) -> Path:
        try:
            resolved = box.resolve(path)
        except OutsideWorkspace as exc:
            raise ToolError(str(exc)) from exc
        if exists and not resolved.exists():
            raise ToolError(f"{path!r} does not exist")
        return resolved

    @server.tool(annotations=READ)
    def list_directory(path: str = ".") -> str:
        """Entries of a directory: [DIR] or [FILE] with sizes."""
        folder = path_of(path)
        if not folder.is_dir():
            raise ToolError(f"{path!r} is not a directory")
        lines = []
        for entry in sorted(folder.iterdir(), key=lambda p: p.name):
            if entry.is_dir():
                lines.append(f"[DIR]  {entry.name}/")
            else:
                lines.append(f"[FILE] {entry.name} ({entry.lstat().st_size} bytes)")
        return "\n".join(lines) or "(empty)"

    @server.tool(annotations=READ)
    def directory_tree(path: str = ".", depth: int = 3, exclude: list[str] | None = None) -> str:
        """An indented tree, `depth` levels deep, skipping names matching `exclude` globs."""
        top, skip, lines = path_of(path), exclude or [], []

        def walk(folder: Path, level: int) -> None:
            for entry in sorted(folder.iterdir(), key=lambda p: p.name):
                if any(fnmatch.fnmatch(entry.name, pattern) for pattern in skip):
                    continue
                lines.append("  " * level + entry.name + ("/" if entry.is_dir() else ""))
                if entry.is_dir() and not entry.is_symlink() and level + 1 < depth:
                    walk(entry, level + 1)
                if len(lines) >= MAX_RESULTS * 5:
                    return

        walk(top, 0)
        return "\n".join(lines) or "(empty)"

    @server.tool(annotations=READ)
    def read_text_file(
        path: str, head: int | None = None, tail: int | None = None, offset: int = 0,
        limit: int = PAGE,
    ) -> str:  # fmt: skip
        """Text of a file: the first `head` or last `tail` lines, or `limit` bytes from byte
        `offset` (at most 64 KiB per call; the reply says how to read on)."""
        file = path_of(path)
        if not file.is_file():
            raise ToolError(f"{path!r} is not a file")
        size = file.stat().st_size
        limit = max(1, min(limit, PAGE))
        with file.open("rb") as handle:
            if head is not None:
                return _lines(handle, head, limit)
            if tail is not None:
                handle.seek(max(0, size - limit))
                return "\n".join(handle.read(limit).decode(errors="replace").splitlines()[-tail:])
            handle.seek(offset)
            data = handle.read(limit)
        text = data.decode(errors="replace")
        end = offset + len(data)
        if end < size:
            text += f"\n[... {size - end} more bytes: read on with offset={end}]"
        return text

    @server.tool(annotations=READ)
    def read_multiple_files(paths: list[str]) -> str:
        """Several files at once, each capped at 16 KiB."""
        parts = []
        for path in paths[:20]:
            try:
                parts.append(f"--- {path}\n{read_text_file(path, limit=16 * 1024)}")
            except ToolError as exc:
                parts.append(f"--- {path}\nerror: {exc}")
        return "\n".join(parts)

    @server.tool(annotations=READ)
    def search_files(
        path: str = ".", pattern: str = "*", content: str | None = None,
        max_results: int = 100,
    ) -> str:  # fmt: skip
        """Files under `path` whose name matches the glob `pattern` and, if `content` is given,
        whose text contains a match of that regular expression (with the matching lines)."""
        top = path_of(path)
        regex = re.compile(content) if content else None
        found: list[str] = []
        for folder, dirs, files in os.walk(top):
            dirs.sort()
            for name in sorted(files):
                if not fnmatch.fnmatch(name, pattern):
                    continue
                file = Path(folder) / name
                if regex is None:
                    found.append(box.relative(file))
                else:
                    found += _grep(file, regex, box.relative(file))
                if len(found) >= min(max_results, MAX_RESULTS):
                    return "\n".join(found) + "\n[more results not shown]"
        return "\n".join(found) or "no matches"

    @server.tool(annotations=READ)
    def get_file_info(path: str) -> str:
        """Size, type, permissions and modification time."""
        file = path_of(path)
        info = file.lstat()
        kind = "directory" if file.is_dir() else "symlink" if file.is_symlink() else "file"
        return json.dumps({
            "path": box.relative(file), "type": kind, "size": info.st_size,
            "modified": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(info.st_mtime)),
            "permissions": stat.filemode(info.st_mode),
        })  # fmt: skip

    @server.tool(annotations=CHANGE)
    def write_file(path: str, content: str) -> str:
        """Create or replace a text file."""
        file = path_of(path, exists=False)
        if file.is_dir():
            raise ToolError(f"{path!r} is a directory")
        if not file.parent.is_dir():
            raise ToolError(f"the folder of {path!r} does not exist: create_directory first")
        box.write(file, content.encode())
        return f"wrote {len(content.encode())} bytes to {box.relative(file)}"

    @server.tool(annotations=CHANGE)
    def edit_file(path: str, edits: list[dict[str, str]], dry_run: bool = False) -> str:
        """Replace exact text: each edit is {"old_text": ..., "new_text": ...}, and its old text
        must occur exactly once. Returns a unified diff."""
        file = path_of(path)
        before = file.read_text()
        after = before
        for edit in edits:
            old, new = edit.get("old_text", ""), edit.get("new_text", "")
            found = after.count(old) if old else 0
            if found != 1:
                where = "does not occur" if found == 0 else f"occurs {found} times"
                raise ToolError(f"old_text {old[:60]!r} {where} in {path!r}; nothing was changed")
            after = after.replace(old, new, 1)
        diff = "".join(difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True),
            f"a/{box.relative(file)}", f"b/{box.relative(file)}",
        ))  # fmt: skip
        if not dry_run:
            box.write(file, after.encode())
        return diff or "no change"

    @server.tool(annotations=CREATE)
    def create_directory(path: str) -> str:
        """Create a directory and its parents (fine if it exists)."""
        folder = path_of(path, exists=False)
        folder.mkdir(parents=True, exist_ok=True)
        return f"created {box.relative(folder)}/"

    @server.tool(annotations=CHANGE)
    def move_file(source: str, destination: str) -> str:
        """Move or rename a file or directory; the destination must not exist."""
        origin, target = path_of(source), path_of(destination, exists=False)
        if target.exists():
            raise ToolError(f"{destination!r} already exists")
        shutil.move(origin, target)
        return f"moved {box.relative(origin)} to {box.relative(target)}"

    @server.tool(annotations=READ)
    def csv_profile(path: str, sample_rows: int = 5) -> dict[str, Any]:
        """Columns, inferred types, row count, nulls, numeric min/max/mean and a few rows of a
        CSV file, without reading it into the conversation."""
        return profile(path_of(path), min(sample_rows, 20))

    return server


def _lines(handle: Any, count: int, limit: int) -> str:
    lines = []
    for _ in range(count):
        line = handle.readline(limit)
        if not line:
            break
        lines.append(line.decode(errors="replace").rstrip("\n"))
    return "\n".join(lines)


def _grep(file: Path, regex: re.Pattern[str], name: str) -> list[str]:
    hits = []
    try:
        with file.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, 1):
                if regex.search(line):
                    hits.append(f"{name}:{number}: {line.rstrip()[:200]}")
                    if len(hits) >= 20:
                        break
    except OSError:
        return []
    return hits
