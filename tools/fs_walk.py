"""Walking a folder for the filesystem tools: name globs, exclusions, the indented tree.

Links to folders are never followed; a link shows its target. The callers check what a walk
yields against the sandbox before reading it.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path


def matcher(content: str, regex: bool, ignore_case: bool) -> Callable[[str], bool]:
    """A line test: `content` as a substring, or as a regular expression if `regex`."""
    if regex:
        compiled = re.compile(content, re.IGNORECASE if ignore_case else 0)
        return lambda line: compiled.search(line) is not None
    if ignore_case:
        folded = content.casefold()
        return lambda line: folded in line.casefold()
    return lambda line: content in line


def _excluded(name: str, relative: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(relative, p) for p in patterns)


def walk(top: Path, pattern: str, exclude: list[str]) -> Iterator[str]:
    """Paths of the files (and file links) under `top` matching `pattern`, folders in name
    order; links to folders are not followed."""
    for folder, dirs, names in os.walk(top):
        base = os.path.relpath(folder, top)
        dirs[:] = sorted(d for d in dirs if not _excluded(d, os.path.join(base, d), exclude))
        for name in sorted(names):
            relative = os.path.normpath(os.path.join(base, name))
            if _excluded(name, relative, exclude) or not _glob(pattern, name, relative):
                continue
            yield os.path.join(folder, name)


def _glob(pattern: str, name: str, relative: str) -> bool:
    if "/" not in pattern:
        return fnmatch.fnmatch(name, pattern)
    return fnmatch.fnmatch(relative, pattern) or (
        pattern.startswith("**/") and fnmatch.fnmatch(relative, pattern[3:])
    )


def tree(folder: Path, top: Path, depth: int, exclude: list[str], level: int = 0) -> Iterator[str]:
    """Lines of an indented tree below `folder`, lazily, so a caller can stop at a cap."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except OSError as exc:
        yield f"{'  ' * level}[cannot read: {exc.strerror}]"
        return
    for entry in entries:
        relative = os.path.relpath(entry.path, top)
        if _excluded(entry.name, relative, exclude):
            continue
        indent = "  " * level
        if entry.is_symlink():
            yield f"{indent}{entry.name} -> {os.readlink(entry.path)}"
        elif entry.is_dir():
            yield f"{indent}{entry.name}/"
            if level + 1 < depth:
                yield from tree(Path(entry.path), top, depth, exclude, level + 1)
        else:
            yield f"{indent}{entry.name}"


def entry_kind(entry: os.DirEntry[str]) -> str:
    """'links', 'directories', 'files' or 'others', without following a link."""
    if entry.is_symlink():
        return "links"
    if entry.is_dir(follow_symlinks=False):
        return "directories"
    return "files" if entry.is_file(follow_symlinks=False) else "others"
